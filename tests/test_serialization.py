"""mg.save / mg.load: nested state as it is, atomic writes, safe loading, old files."""
import errno
import math
import os
import struct

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


def _bits(x):
    return struct.pack("<d", x)


def test_nested_state_comes_back_with_the_same_types(tmp_path):
    """What optimizer, scheduler and trainer states hold: non-string keys, tuples,
    None, NumPy scalars, non-finite floats, floats to the last bit, empty containers."""
    rng = np.random.default_rng(0)
    floats = [float(v) for v in rng.standard_normal(20)] + [1e-310, -0.0, 2.0 ** 0.5]
    obj = {"state": {0: {"step": 3, "m": np.arange(3.0)}, 1: {}},
           "groups": [{"lr": 0.1, "betas": (0.9, 0.999), "params": [0, 1]}],
           "none": None, "f32": np.float32(1.5), "i64": np.int64(-7), "b": np.bool_(True),
           "inf": math.inf, "ninf": -math.inf, "nan": math.nan, "floats": floats,
           "tuple_key": {(1, "a"): "x", None: [], 2.5: ()}, "__odd": 1, "empty": [],
           "big": 2 ** 127 + 1, "text": "ünïcode\n", "d0": np.array(4.0)}
    mg.save(obj, tmp_path / "s.mg")
    back = mg.load(tmp_path / "s.mg")
    assert back["state"][0]["step"] == 3 and type(back["state"][0]["step"]) is int
    np.testing.assert_array_equal(back["state"][0]["m"], np.arange(3.0))
    assert back["state"][1] == {} and list(back["state"]) == [0, 1]
    assert back["groups"][0]["betas"] == (0.9, 0.999)
    assert type(back["groups"][0]["betas"]) is tuple and back["none"] is None
    for key, dtype in (("f32", np.float32), ("i64", np.int64), ("b", np.bool_)):
        assert type(back[key]) is dtype and back[key] == obj[key], key
    assert back["inf"] == math.inf and back["ninf"] == -math.inf and math.isnan(back["nan"])
    assert [_bits(v) for v in back["floats"]] == [_bits(v) for v in floats]
    assert back["tuple_key"] == {(1, "a"): "x", None: [], 2.5: ()}
    assert back["__odd"] == 1 and back["empty"] == [] and back["big"] == 2 ** 127 + 1
    assert back["text"] == "ünïcode\n" and back["d0"].shape == () and back["d0"] == 4.0
    assert list(back) == list(obj)


def test_any_structure_can_be_the_top_level(tmp_path):
    for obj in ([1, (2.5, None)], 3, "x", None):
        mg.save(obj, tmp_path / "t.mg")
        back = mg.load(tmp_path / "t.mg")
        assert type(back) is type(obj) and back == obj
    mg.save((np.ones(2), mg.tensor([1.0, 2.0])), tmp_path / "t.mg")
    a, b = mg.load(tmp_path / "t.mg")
    np.testing.assert_array_equal(a, np.ones(2))
    assert isinstance(b, np.ndarray) and b.dtype == np.float32  # tensors come back as arrays


def test_a_failed_save_leaves_the_previous_file_whole(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.mg"
    mg.save({"w": np.ones(3)}, path)

    def crash(*args, **kwargs):
        raise KeyboardInterrupt("killed mid-save")

    monkeypatch.setattr(np.lib.format, "write_array", crash)   # while packing the arrays
    with pytest.raises(KeyboardInterrupt):
        mg.save({"w": np.zeros(3)}, path)
    monkeypatch.undo()
    monkeypatch.setattr(os, "replace", crash)                  # the temp file is written
    with pytest.raises(KeyboardInterrupt):
        mg.save({"w": np.zeros(3)}, path)
    monkeypatch.undo()
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
    with pytest.raises(TypeError, match=r"cannot save a function at \['f'\]\[0\]"):
        mg.save({"f": [lambda: 1]}, tmp_path / "x.mg")
    with pytest.raises(TypeError, match="Python objects"):
        mg.save({"o": np.array([object()])}, tmp_path / "x.mg")
    with pytest.raises(TypeError, match="cannot save a set"):
        mg.save({1, 2}, tmp_path / "x.mg")
    assert not os.listdir(tmp_path)  # nothing written, not even a temp file


def test_saved_files_get_ordinary_permissions(tmp_path):
    path = tmp_path / "w.mg"
    mg.save({"w": np.ones(2)}, path)
    umask = os.umask(0)
    os.umask(umask)
    assert os.stat(path).st_mode & 0o777 == 0o666 & ~umask


def test_replacing_a_file_gives_it_the_umask_mode_too(tmp_path):
    """One permission rule, whoever made the file before: 0o666 minus the umask."""
    path = tmp_path / "w.mg"
    path.write_bytes(b"old")
    os.chmod(path, 0o600)
    mg.save({"w": np.ones(2)}, path)
    umask = os.umask(0)
    os.umask(umask)
    assert os.stat(path).st_mode & 0o777 == 0o666 & ~umask


def test_a_full_disk_is_one_error_naming_the_file_and_keeps_the_old_one(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.mg"
    mg.save({"w": np.ones(3)}, path)

    def full(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OSError, match=f"cannot write {path}: No space left") as e:
        mg.save({"w": np.zeros(3)}, path)
    assert e.value.errno == errno.ENOSPC
    monkeypatch.undo()
    np.testing.assert_array_equal(mg.load(path)["w"], np.ones(3))
    assert os.listdir(tmp_path) == ["ckpt.mg"]


def test_a_read_only_folder_is_one_error_naming_the_file(tmp_path, monkeypatch):
    folder = tmp_path / "ro"
    folder.mkdir()
    mg.save({"w": np.ones(1)}, folder / "w.mg")
    os.chmod(folder, 0o555)
    try:
        (folder / "probe").write_bytes(b"")
    except PermissionError:
        pass
    else:  # root ignores the permission bits: refuse the way the kernel would
        os.unlink(folder / "probe")
        real_open = os.open

        def refuse(name, flags, *args):
            if os.path.dirname(name) == str(folder) and flags & os.O_CREAT:
                raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), name)
            return real_open(name, flags, *args)

        monkeypatch.setattr(os, "open", refuse)
    try:
        with pytest.raises(PermissionError, match=f"cannot write {folder / 'w.mg'}: "
                                                  "Permission denied"):
            mg.save({"w": np.zeros(1)}, folder / "w.mg")
        assert os.listdir(folder) == ["w.mg"]
    finally:
        os.chmod(folder, 0o755)
    monkeypatch.undo()
    np.testing.assert_array_equal(mg.load(folder / "w.mg")["w"], np.ones(1))


def test_a_missing_folder_is_created(tmp_path):
    mg.save({"w": 1}, tmp_path / "a" / "b" / "w.mg")
    assert mg.load(tmp_path / "a" / "b" / "w.mg") == {"w": 1}


DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")


def test_files_of_the_first_format_still_load():
    """tests/data/minigrad-1.mg was written by mg.save before nested state was packed
    (format "minigrad-1": number lists kept as arrays, the rest in the manifest)."""
    back = mg.load(os.path.join(DATA, "minigrad-1.mg"))
    np.testing.assert_array_equal(back["model"]["w"], np.arange(6.0).reshape(2, 3))
    assert back["model"]["w"].dtype == np.float32 and back["model"]["b"].dtype == np.int64
    assert (back["epoch"], back["lr"], back["name"], back["flag"]) == (3, 0.5, "lstm", True)
    assert back["sizes"] == [1, 2, 3] and back["betas"] == [0.9, 0.999] and back["empty"] == {}


def test_a_damaged_manifest_names_the_file(tmp_path):
    path = tmp_path / "bad.mg"
    with open(path, "wb") as f:
        f.write(mg.backend.zip_arrays({"format": "minigrad-2", "value": {"array": 5}}, []))
    with pytest.raises(ValueError, match="bad.mg is damaged"):
        mg.load(path)
