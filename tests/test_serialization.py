"""mg.save / mg.load: nested dicts, atomic writes, safe loading."""
import os

import numpy as np
import pytest

import minigrad as mg


def test_nested_dict_round_trip_keeps_values_and_types(tmp_path):
    obj = {"model": {"w": np.arange(6.0).reshape(2, 3), "b": mg.tensor([1.0, 2.0])},
           "epoch": 3, "lr": 0.5, "name": "lstm", "flag": True, "sizes": [1, 2, 3], "empty": {}}
    path = tmp_path / "ckpt.mg"
    mg.save(obj, path)
    back = mg.load(path)
    np.testing.assert_array_equal(back["model"]["w"], obj["model"]["w"])
    np.testing.assert_array_equal(back["model"]["b"], [1.0, 2.0])
    assert back["model"]["b"].dtype == np.float32
    assert (back["epoch"], back["lr"], back["name"], back["flag"]) == (3, 0.5, "lstm", True)
    assert back["sizes"] == [1, 2, 3] and back["empty"] == {}


def test_float_lists_keep_full_precision(tmp_path):
    mg.save({"betas": [0.9, 0.999]}, tmp_path / "o.mg")
    assert mg.load(tmp_path / "o.mg")["betas"] == [0.9, 0.999]


def test_a_failed_save_leaves_the_previous_file_whole(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.mg"
    mg.save({"w": np.ones(3)}, path)

    def crash(*args, **kwargs):
        raise KeyboardInterrupt("killed mid-save")

    monkeypatch.setattr(np.lib.format, "write_array", crash)
    with pytest.raises(KeyboardInterrupt):
        mg.save({"w": np.zeros(3)}, path)
    np.testing.assert_array_equal(mg.load(path)["w"], np.ones(3))
    assert os.listdir(tmp_path) == ["ckpt.mg"]  # no temp file left behind


def test_loading_a_corrupt_or_foreign_file_names_the_path(tmp_path):
    bad = tmp_path / "notes.txt"
    bad.write_text("hello")
    with pytest.raises(ValueError, match="notes.txt"):
        mg.load(bad)
    npz = tmp_path / "foreign.npz"
    np.savez(npz, a=np.ones(2))
    with pytest.raises(ValueError, match="foreign.npz"):
        mg.load(npz)
    with pytest.raises(FileNotFoundError):
        mg.load(tmp_path / "missing.mg")


def test_objects_that_would_need_pickle_are_refused(tmp_path):
    with pytest.raises(TypeError, match="cannot save"):
        mg.save({"f": lambda: 1}, tmp_path / "x.mg")


def test_saved_files_get_ordinary_permissions(tmp_path):
    path = tmp_path / "w.mg"
    mg.save({"w": np.ones(2)}, path)
    umask = os.umask(0)
    os.umask(umask)
    assert os.stat(path).st_mode & 0o777 == 0o666 & ~umask
