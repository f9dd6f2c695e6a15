"""models.plots: each picture is a real PNG at exactly the path given."""
import numpy as np
import pytest

pytest.importorskip("matplotlib")

from models import plots


def test_confusion_plot_writes_a_png(tmp_path):
    c = np.array([[5, 1, 0], [0, 6, 0], [2, 0, 4]])
    path = plots.confusion_plot(c, tmp_path / "c.png", labels=["a", "b", "c"])
    assert path == str(tmp_path / "c.png")
    assert (tmp_path / "c.png").read_bytes().startswith(b"\x89PNG")


def test_confusion_plot_refuses_a_matrix_that_is_not_square(tmp_path):
    with pytest.raises(ValueError, match=r"square, got shape \(2, 3\)"):
        plots.confusion_plot(np.zeros((2, 3), int), tmp_path / "c.png")
    assert not (tmp_path / "c.png").exists()


def test_forecast_plot_names_the_held_out_part(tmp_path):
    x = np.arange(20)
    plots.forecast_plot(x, np.sin(x), {"model": np.cos(x)}, tmp_path / "f.png", split=10.5,
                        split_label="test")
    assert (tmp_path / "f.png").read_bytes().startswith(b"\x89PNG")
