"""torch.save / torch.load of whole objects, without pickle: what round-trips, which
classes are rebuilt, and the errors that say what to do."""
import io
import json
import os
import zipfile

import numpy as np
import pytest

import minigrad as mg
import minigrad.torch as torch
import minigrad.torch.nn as nn


class TiedLM(nn.Module):
    def __init__(self, ntoken=7, nhid=4):
        super().__init__()
        self.encoder = nn.Embedding(ntoken, nhid)
        self.rnn = nn.LSTM(nhid, nhid, 2)
        self.decoder = nn.Linear(nhid, ntoken)
        self.decoder.weight = self.encoder.weight
        self.rnn_type, self.shape, self.device = "LSTM", (2, nhid), torch.device("cpu")


def test_a_model_comes_back_whole_with_its_ties_and_attributes(tmp_path):
    m = TiedLM()
    m.eval()
    with open(tmp_path / "m.pt", "wb") as f:
        torch.save(m, f)
    with open(tmp_path / "m.pt", "rb") as f:
        back = torch.load(f, weights_only=False)
    assert type(back) is TiedLM and not back.training and not back.rnn.training
    assert back.decoder.weight is back.encoder.weight
    assert back.rnn_type == "LSTM" and back.shape == (2, 4) and back.device.type == "cpu"
    for k, v in m.state_dict().items():
        np.testing.assert_array_equal(back.state_dict()[k], v)
    x = mg.tensor([[1], [3]])
    np.testing.assert_array_equal(back.decoder(back.rnn(back.encoder(x))[0]).numpy(),
                                  m.decoder(m.rnn(m.encoder(x))[0]).numpy())
    assert isinstance(back.encoder.weight, nn.Parameter) and back.encoder.weight.requires_grad


def test_user_classes_need_permission_and_the_error_says_how(tmp_path):
    torch.save(TiedLM(), tmp_path / "m.pt")
    with pytest.raises(torch.serialization.LoadRefused,
                       match=r"holds a TiedLM .* never unpickles .* weights_only=False.*"
                             r"add_safe_globals\(\[TiedLM\]\).*safe_globals"):
        torch.load(tmp_path / "m.pt")
    with torch.serialization.safe_globals([TiedLM]):
        assert isinstance(torch.load(tmp_path / "m.pt"), TiedLM)
    with pytest.raises(torch.serialization.LoadRefused):
        torch.load(tmp_path / "m.pt")  # the permission ended with the block
    torch.serialization.add_safe_globals([TiedLM])
    try:
        assert isinstance(torch.load(tmp_path / "m.pt"), TiedLM)
    finally:
        torch.serialization.clear_safe_globals()


def test_minigrads_own_layers_load_by_default(tmp_path):
    seq = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Dropout(0.2))
    torch.save(seq, tmp_path / "s.pt")
    back = torch.load(tmp_path / "s.pt")
    assert type(back) is nn.Sequential and back[2].p == 0.2 and len(back) == 3


def test_nothing_is_imported_or_called_for_a_class_the_file_names(tmp_path):
    torch.save(nn.Linear(2, 2), tmp_path / "x.pt")
    payload = mg.load(tmp_path / "x.pt")
    spec = json.loads(payload["object"])
    spec["module"] = "os:system"  # a hostile file
    payload["object"] = json.dumps(spec)
    mg.save(payload, tmp_path / "evil.pt")
    with pytest.raises(torch.serialization.LoadRefused, match="holds a system"):
        torch.load(tmp_path / "evil.pt", weights_only=False)
    spec["module"] = "some_module_never_imported:Model"
    payload["object"] = json.dumps(spec)
    mg.save(payload, tmp_path / "evil.pt")
    with pytest.raises(torch.serialization.LoadRefused, match="which is not imported"):
        torch.load(tmp_path / "evil.pt", weights_only=False)
    assert "some_module_never_imported" not in __import__("sys").modules


def test_data_round_trips_with_its_types(tmp_path):
    opt = mg.optim.Adam(nn.Linear(2, 1).parameters())
    obj = {"array": np.arange(3.0), "ints": np.array([1, 2]), "tensor": torch.ones(2),
           "param": nn.Parameter(torch.zeros(1)), "list": [1, 2.5, None, "x", True],
           "tuple": (1, (2, 3)), "scalar": np.int64(4), "dtype": torch.long,
           "nested": {"opt": opt.state_dict(), 3: "int key"}}
    buf = io.BytesIO()
    torch.save(obj, buf)
    buf.seek(0)
    back = torch.load(buf)
    assert back["array"].dtype == np.float64 and back["ints"].tolist() == [1, 2]
    assert isinstance(back["tensor"], mg.Tensor) and isinstance(back["param"], nn.Parameter)
    assert back["list"] == [1, 2.5, None, "x", True] and back["tuple"] == (1, (2, 3))
    assert back["scalar"] == 4 and back["dtype"] is mg.int64 and back["nested"][3] == "int key"
    assert back["nested"]["opt"]["param_groups"]["0"]["betas"] is not None


def test_a_state_dict_saved_with_torch_save_loads_into_a_model(tmp_path):
    m = TiedLM()
    torch.save(m.state_dict(), tmp_path / "sd.pt")
    other = TiedLM()
    other.load_state_dict(torch.load(tmp_path / "sd.pt"))
    np.testing.assert_array_equal(other.encoder.weight.numpy(), m.encoder.weight.numpy())


def test_what_cannot_be_saved_or_loaded_is_named(tmp_path):
    class Local(nn.Module):
        pass
    with pytest.raises(TypeError, match="a class made inside a function"):
        torch.save(Local(), tmp_path / "l.pt")
    m = nn.Linear(2, 2)
    m.callback = print
    with pytest.raises(TypeError, match=r"cannot save Linear.__dict__\['callback'\], a "
                                        r"builtin_function_or_method"):
        torch.save(m, tmp_path / "c.pt")
    assert not os.path.exists(tmp_path / "c.pt")
    with zipfile.ZipFile(tmp_path / "fake.pt", "w") as z:  # PyTorch's own layout
        z.writestr("archive/data.pkl", b"\x80\x02")
    with pytest.raises(ValueError, match="is a PyTorch \\(pickle\\) file, which minigrad never "
                                         "unpickles"):
        torch.load(tmp_path / "fake.pt")
