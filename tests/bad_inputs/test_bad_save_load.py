"""Bad input, family "save/load": mg.save of what it cannot store, mg.load of missing,
foreign, truncated or crafted files. Loading never unpickles anything."""
import io
import json
import pickle
import zipfile

import numpy as np
import pytest
from mistakes import case, check

import minigrad as mg


def archive(tmp, name, manifest, arrays=()):
    """A zip in minigrad's layout with any manifest and .npy members."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("__minigrad__.json", manifest if isinstance(manifest, str)
                   else json.dumps(manifest))
        for i, data in enumerate(arrays):
            z.writestr(f"{i}.npy", data)
    path = tmp / name
    path.write_bytes(buf.getvalue())
    return path


def npy(array, allow_pickle=False):
    one = io.BytesIO()
    np.save(one, array, allow_pickle=allow_pickle)
    return one.getvalue()


@pytest.fixture
def files(tmp_path):
    good = tmp_path / "good.mg"
    mg.save({"w": np.ones(1000)}, good)
    raw = good.read_bytes()
    (tmp_path / "garbage.mg").write_bytes(b"hello")
    (tmp_path / "empty.mg").write_bytes(b"")
    (tmp_path / "truncated.mg").write_bytes(raw[:len(raw) // 2])
    (tmp_path / "x.pkl").write_bytes(pickle.dumps({"a": 1}))
    np.savez(tmp_path / "x.npz", a=np.ones(2))
    v2 = "minigrad-2"
    archive(tmp_path, "badref.mg", {"format": v2, "value": {"array": 5}})
    archive(tmp_path, "badjson.mg", "not json")
    archive(tmp_path, "badtag.mg", {"format": v2, "value": {"weird": 1}})
    archive(tmp_path, "twotags.mg", {"format": v2, "value": {"a": 1, "b": 2}})
    archive(tmp_path, "unhashable.mg", {"format": v2, "value": {"items": [[[1], 1]]}})
    archive(tmp_path, "otherformat.mg", {"format": "minigrad-99", "value": 1})
    archive(tmp_path, "objects.mg", {"format": v2, "value": {"array": 0}},
            [npy(np.array([{"a": 1}], dtype=object), allow_pickle=True)])
    return tmp_path


SAVE_CASES = [
    case("a function", lambda p: mg.save({"f": lambda: 1}, p / "a.mg"), TypeError, "mg.save",
         "function", "['f']"),
    case("an array of objects", lambda p: mg.save({"a": np.array([None])}, p / "a.mg"),
         TypeError, "mg.save", "objects", "['a']"),
    case("a set", lambda p: mg.save({1, 2}, p / "a.mg"), TypeError, "mg.save", "set"),
    case("a whole module", lambda p: mg.save(mg.nn.Linear(2, 2), p / "a.mg"), TypeError,
         "mg.save", "cannot save a Linear"),
    case("nested deep inside", lambda p: mg.save({"a": [1, {"b": (2, object())}]},
                                                 p / "a.mg"),
         TypeError, "mg.save", "['a'][1]['b'][1]"),
    case("a path of None", lambda p: mg.save({"a": 1}, None), TypeError, "mg.save", "path"),
    case("a folder as the path", lambda p: mg.save({"a": 1}, p), IsADirectoryError,
         "cannot write", "Is a directory"),
]

LOAD_CASES = [
    case("a missing file", lambda p: mg.load(p / "nope.mg"), FileNotFoundError, "mg.load",
         "nope.mg"),
    case("a folder", lambda p: mg.load(p), ValueError, "mg.load", "not a readable"),
    case("a text file", lambda p: mg.load(p / "garbage.mg"), ValueError, "mg.load",
         "garbage.mg", "not a readable minigrad file"),
    case("an empty file", lambda p: mg.load(p / "empty.mg"), ValueError, "empty.mg"),
    case("a truncated file", lambda p: mg.load(p / "truncated.mg"), ValueError,
         "truncated.mg"),
    case("a pickle file", lambda p: mg.load(p / "x.pkl"), ValueError, "x.pkl"),
    case("an .npz file", lambda p: mg.load(p / "x.npz"), ValueError, "x.npz",
         "__minigrad__.json"),
    case("a manifest pointing at a missing array", lambda p: mg.load(p / "badref.mg"),
         ValueError, "badref.mg", "damaged"),
    case("a manifest that is not JSON", lambda p: mg.load(p / "badjson.mg"), ValueError,
         "badjson.mg"),
    case("an unknown entry", lambda p: mg.load(p / "badtag.mg"), ValueError, "damaged",
         "'weird'"),
    case("an entry of two tags", lambda p: mg.load(p / "twotags.mg"), ValueError, "damaged"),
    case("an unhashable key", lambda p: mg.load(p / "unhashable.mg"), ValueError, "damaged",
         "unhashable"),
    case("a format from the future", lambda p: mg.load(p / "otherformat.mg"), ValueError,
         "'minigrad-99'"),
    case("pickled objects inside", lambda p: mg.load(p / "objects.mg"), ValueError,
         "objects.mg", "allow_pickle"),
]


@pytest.mark.parametrize("call, error, needles", SAVE_CASES + LOAD_CASES)
def test_mistake(files, call, error, needles):
    check(lambda: call(files), error, needles)
