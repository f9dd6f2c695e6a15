"""Bad input, family "cli": ``python -m models ...`` with mistakes. Each ends with one
line on stderr naming the problem, no traceback, and exit status 2."""
import os

import pytest

from models.cli import main

TINY = ["--hidden", "12", "--embed", "6", "--batch-size", "2", "--seq-len", "8", "--quiet"]


@pytest.fixture(scope="module")
def place(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    (d / "t.txt").write_text("the quick brown fox jumps over the lazy dog.\n" * 12)
    (d / "other.txt").write_text("some other text entirely. " * 30)
    (d / "empty.txt").write_text("")
    (d / "a_file").write_text("x")
    (d / "latin1.txt").write_bytes("caf\xe9 au lait\n".encode("latin-1") * 10)
    assert main(["train-lm", "--text", str(d / "t.txt"), "--out", str(d / "run"),
                 "--max-steps", "2"] + TINY) == 0
    return d


def lm(place, *more, text="t.txt", out="new"):
    return ["train-lm", "--text", str(place / text), "--out", str(place / out),
            "--max-steps", "1", *TINY, *more]


CASES = [  # (argv given the folder, what the line must say)
    ("--out is a file", lambda p: lm(p, out="a_file"), ["--out", "a_file", "not a folder"]),
    ("--out inside a file", lambda p: lm(p, out="a_file/sub"), ["a_file", "not a folder"]),
    ("forecast --out is a file", lambda p: ["forecast", "--out", str(p / "a_file")],
     ["--out", "not a folder"]),
    ("classify --out is a file", lambda p: ["classify", "--out", str(p / "a_file")],
     ["--out", "not a folder"]),
    ("demo --out is a file", lambda p: ["demo", "--out", str(p / "a_file")],
     ["--out", "not a folder"]),
    ("--lr inf", lambda p: lm(p, "--lr", "inf"), ["--lr", "inf"]),
    ("--lr nan", lambda p: lm(p, "--lr", "nan"), ["--lr", "nan"]),
    ("--lr 0", lambda p: lm(p, "--lr", "0"), ["--lr"]),
    ("--hidden -3", lambda p: lm(p, "--hidden", "-3"), ["--hidden", "-3"]),
    ("--hidden many", lambda p: lm(p, "--hidden", "many"), ["--hidden", "'many'"]),
    ("--seed -1", lambda p: lm(p, "--seed", "-1"), ["--seed", "-1"]),
    ("--minutes nan", lambda p: lm(p, "--minutes", "nan"), ["--minutes"]),
    ("--val-fraction 1.5", lambda p: lm(p, "--val-fraction", "1.5"), ["--val-fraction"]),
    ("--cell transformer", lambda p: lm(p, "--cell", "transformer"), ["--cell"]),
    ("an unknown option", lambda p: lm(p, "--frobnicate"), ["--frobnicate"]),
    ("an unknown command", lambda p: ["fly"], ["fly"]),
    ("no command", lambda p: [], ["COMMAND"]),
    ("--dropout 2", lambda p: lm(p, "--dropout", "2"), ["Dropout", "2.0"]),
    ("--tie with other sizes", lambda p: lm(p, "--tie"), ["tie_weights", "6", "12"]),
    ("--batch-size larger than the text", lambda p: lm(p, "--batch-size", "5000"),
     ["--batch-size 5000"]),
    ("a text file that is empty", lambda p: lm(p, text="empty.txt"), ["too short"]),
    ("a text file that is missing", lambda p: lm(p, text="none.txt"),
     ["no such file", "none.txt"]),
    ("a text file in Latin-1", lambda p: lm(p, text="latin1.txt"), ["not UTF-8"]),
    ("a folder as the text", lambda p: ["train-lm", "--text", str(p), "--out",
                                        str(p / "x")] + TINY, ["directory"]),
    ("a vocabulary of <unk> only", lambda p: lm(p, "--level", "word", "--max-vocab", "1"),
     ["vocabulary", "<unk>", "--max-vocab"]),
    ("every word rarer than --min-freq", lambda p: lm(p, "--level", "word", "--min-freq",
                                                      "1000"),
     ["vocabulary", "--min-freq 1000"]),
    ("--resume with nothing to resume", lambda p: lm(p, "--resume", out="empty_run"),
     ["no checkpoint", "empty_run"]),
    ("--resume on another text", lambda p: lm(p, "--resume", text="other.txt", out="run"),
     ["--resume", "text differs"]),
    ("generate without --checkpoint", lambda p: ["generate"], ["--checkpoint"]),
    ("generate from a missing run", lambda p: ["generate", "--checkpoint", str(p / "none")],
     ["no checkpoint", "none"]),
    ("generate from a file that is no checkpoint",
     lambda p: ["generate", "--checkpoint", str(p / "a_file")], ["a_file", "not a readable"]),
    ("generate with --words and --chars",
     lambda p: ["generate", "--checkpoint", str(p / "run"), "--words", "2", "--chars", "3"],
     ["--words or --chars"]),
    ("generate from an empty seed",
     lambda p: ["generate", "--checkpoint", str(p / "run"), "--seed", ""], ["seed", "empty"]),
    ("generate with temperature 0",
     lambda p: ["generate", "--checkpoint", str(p / "run"), "--temperature", "0"],
     ["--temperature"]),
    ("forecast with --lags longer than the series",
     lambda p: ["forecast", "--out", str(p / "f"), "--lags", "1000", "--quiet"],
     ["--lags 1000"]),
]


@pytest.mark.parametrize("argv, needles", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_mistake(place, capsys, argv, needles):
    capsys.readouterr()
    try:
        code = main(argv(place))
    except SystemExit as e:  # argparse's own errors
        code = e.code
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    missing = [n for n in needles if n not in err]
    assert not missing, f"{err!r} lacks {missing}"


def test_out_on_a_file_changes_nothing(place):
    before = (place / "a_file").read_text()
    before_listing = os.listdir(place)
    with pytest.raises(SystemExit):
        main(lm(place, out="a_file"))
    assert (place / "a_file").read_text() == before
    assert sorted(os.listdir(place)) == sorted(before_listing)
