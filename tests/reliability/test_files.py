"""Files: a checkpoint save killed at random moments leaves the old file or the new one,
whole; loading never runs code from a file; a full disk or a read-only folder gives one
clear error and leaves the previous checkpoint intact.

The full disk is simulated with a file-size limit (RLIMIT_FSIZE) in a child process:
the kernel then fails the write part-way (EFBIG), as a full disk fails it (ENOSPC).
The read-only folder is a folder with mode 0o555; root ignores modes, so when the tests
run as root the child process gives up root (setuid to nobody) after its imports."""
import io
import json
import os
import pathlib
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zipfile

import numpy as np
import pytest

import minigrad as mg
from models.checkpoint import load_checkpoint

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CHILD = [sys.executable, os.path.join(HERE, "children.py")]
ENV = {**os.environ, "PYTHONPATH": ROOT, "OPENBLAS_NUM_THREADS": "1", "MPLBACKEND": "Agg"}
posix_only = pytest.mark.skipif(os.name != "posix", reason="signals, rlimits and modes")


def _whole(path) -> int:
    """Load the checkpoint the children write and check every number in it is its k."""
    ckpt = load_checkpoint(path)
    k = ckpt["trainer"]["k"]
    assert (ckpt["model"]["weight"] == k).all()
    state = ckpt["optimizer"]["state"]["0"]
    assert state["step"] == k and (state["exp_avg"] == k).all() \
        and (state["exp_avg_sq"] == k).all()
    return k


@posix_only
@pytest.mark.slow
def test_a_checkpoint_save_killed_at_random_moments_leaves_a_whole_file(tmp_path):
    """Six children write 24 MB checkpoints in a loop (k = 1, 2, ...), each killed with
    SIGKILL at a random moment of a write; after each kill the file is checkpoint k or
    k - 1, whole. (A kill mid-write leaves the temporary file behind: atomic_write
    cannot clean up after SIGKILL; it never takes the checkpoint's name.)"""
    path = tmp_path / "checkpoint.mg"
    rng = random.Random(12)
    last = cut_short = 0
    for _ in range(6):
        child = subprocess.Popen(CHILD + ["save-loop", str(path)], stdout=subprocess.PIPE,
                                 text=True, env=ENV)
        announced = 0
        for line in child.stdout:
            announced = int(line.split()[1])
            if announced >= max(last, 1) + 1:  # at least one file exists to be kept
                break
        time.sleep(rng.uniform(0.0, 0.3))  # somewhere inside a write
        child.send_signal(signal.SIGKILL)
        announced = max([announced] + [int(line.split()[1]) for line in child.stdout])
        child.wait(timeout=30)
        k = _whole(path)
        assert k in (announced - 1, announced) and k >= last
        cut_short += k == announced - 1  # killed while checkpoint `announced` was written
        last = k
    assert cut_short >= 3, "the kills did not land inside writes"


def test_a_crafted_pickle_inside_the_archive_is_refused_and_never_run(tmp_path):
    marker = tmp_path / "the pickle ran"

    class Payload:
        def __reduce__(self):  # what unpickling would call: open(marker, "w")
            return (open, (str(marker), "w"))

    one = io.BytesIO()
    np.save(one, np.array([Payload()], dtype=object), allow_pickle=True)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("__minigrad__.json", json.dumps({"format": "minigrad-2",
                                                    "value": {"model": {"array": 0}}}))
        z.writestr("0.npy", one.getvalue())
    path = tmp_path / "checkpoint.mg"
    path.write_bytes(buf.getvalue())
    with pytest.raises(ValueError, match="checkpoint.mg is not a readable minigrad file"):
        mg.load(path)
    with pytest.raises(ValueError):
        load_checkpoint(path)
    assert not marker.exists()
    np.load(io.BytesIO(one.getvalue()), allow_pickle=True)  # the payload is real:
    assert marker.exists()                                   # unpickled, it runs


@pytest.fixture
def shared_tmp():
    """A scratch folder every user can reach (pytest's tmp_path sits in a folder only
    its owner may enter, and the read-only tests run a child as another user)."""
    folder = tempfile.mkdtemp(prefix="minigrad-files-")
    os.chmod(folder, 0o755)
    yield pathlib.Path(folder)
    for dirpath, _, _ in os.walk(folder):
        os.chmod(dirpath, 0o755)
    shutil.rmtree(folder)


def _previous(parent):
    """A folder holding checkpoint k = 1 (written by this process)."""
    folder = parent / "run"
    folder.mkdir()
    sys.path.insert(0, HERE)
    try:
        import children
    finally:
        sys.path.remove(HERE)
    children.save(folder / "checkpoint.mg", 1)
    return folder, (folder / "checkpoint.mg").read_bytes()


def _child(*args, **kw):
    return subprocess.run(CHILD + [str(a) for a in args], capture_output=True, text=True,
                          env=ENV, timeout=120, **kw)


@posix_only
def test_a_full_disk_gives_one_clear_error_and_keeps_the_previous_checkpoint(tmp_path):
    folder, before = _previous(tmp_path)
    r = _child("save-limited", folder / "checkpoint.mg", 1_000_000)  # 24 MB will not fit
    last = r.stderr.strip().splitlines()[-1]
    assert r.returncode == 1 and last.startswith("OSError"), r.stderr
    assert "cannot write" in last and "checkpoint.mg" in last and "File too large" in last
    assert (folder / "checkpoint.mg").read_bytes() == before and _whole(
        folder / "checkpoint.mg") == 1
    assert os.listdir(folder) == ["checkpoint.mg"]  # the partial temporary file is gone


@pytest.fixture
def read_only(shared_tmp):
    folder, before = _previous(shared_tmp)
    os.chmod(folder, 0o555)     # anyone may read, nobody may write
    yield folder, before
    os.chmod(folder, 0o755)


@posix_only
def test_a_read_only_folder_gives_one_clear_error_and_keeps_the_previous_checkpoint(
        read_only):
    folder, before = read_only
    r = _child("save-readonly", folder / "checkpoint.mg")
    if r.returncode == 77:
        pytest.skip("cannot give up root here")
    last = r.stderr.strip().splitlines()[-1]
    assert r.stdout == "read 1\n", r.stderr  # it reached the folder and read the file
    assert r.returncode == 1 and last.startswith("PermissionError"), r.stderr
    assert "cannot write" in last and "checkpoint.mg" in last and "Permission denied" in last
    assert (folder / "checkpoint.mg").read_bytes() == before


@posix_only
@pytest.mark.slow
def test_the_command_line_in_a_read_only_run_folder_says_so_in_one_line(shared_tmp):
    text = shared_tmp / "text.txt"
    text.write_text("the quick brown fox jumps over the lazy dog. " * 20)
    out = shared_tmp / "run"
    r = subprocess.run([sys.executable, "-m", "models", "train-lm", "--text", str(text),
                        "--out", str(out), "--max-steps", "2", "--quiet", "--hidden", "8",
                        "--embed", "4", "--batch-size", "2", "--seq-len", "8"],
                       capture_output=True, text=True, env=ENV, cwd=ROOT, timeout=120)
    assert r.returncode == 0, r.stderr
    before = (out / "checkpoint.mg").read_bytes()
    for f in [text, *out.iterdir()]:  # readable by all, whatever the umask
        os.chmod(f, 0o644)
    os.chmod(out, 0o555)
    try:
        r = _child("cli-readonly", out)
    finally:
        os.chmod(out, 0o755)
    if r.returncode == 77:
        pytest.skip("cannot give up root here")
    assert r.returncode == 2, r.stderr
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr, r.stderr
    assert "train-lm: error: cannot write" in r.stderr and "Permission denied" in r.stderr
    assert (out / "checkpoint.mg").read_bytes() == before
