"""Programs the reliability tests run as child processes (to kill them, to run them
with less than the parent may: a file-size limit, another user).

    python children.py train OUT [--resume]     a small LSTM language model, 4 epochs,
                                                "step N" on stdout after every step,
                                                the end state in OUT/final.mg
    python children.py save-loop PATH           checkpoints k = 1, 2, ... to PATH,
                                                "writing k" on stdout before each
    python children.py save-limited PATH LIMIT  one more checkpoint to PATH with files
                                                limited to LIMIT bytes (a full disk)
    python children.py save-readonly PATH       read PATH, then one more checkpoint to
                                                PATH as another user (when run as root)
                                                into a folder that is not writable
    python children.py cli-readonly OUT         `python -m models train-lm --resume`
                                                into the read-only run folder OUT
"""
import codecs
import os
import resource
import signal
import sys

import numpy as np

import minigrad as mg
import models.commands.train_lm  # noqa: F401  (loaded before cli-readonly changes user)
from models.checkpoint import save_checkpoint
from models.cli import main as cli
from models.data import CharTokenizer, split_train_val
from models.lm import LanguageModel, LMTask
from models.train import Trainer

TEXT = "the quick brown fox jumps over the lazy dog; " * 40
NOBODY = 65534


class Announcing(LMTask):
    """An LMTask that says on stdout when each step is done (the parent kills on it)."""

    def step(self, model, batch):
        out = super().step(model, batch)
        self.done = getattr(self, "done", 0) + 1
        print(f"step {self.done}", flush=True)
        return out


def train(out: str, resume: bool) -> None:
    mg.manual_seed(0)
    tok = CharTokenizer().fit(TEXT)
    train_ids, val_ids = split_train_val(tok.encode(TEXT), 0.1)
    task = Announcing(train_ids, val_ids, batch_size=4, seq_len=8)
    model = LanguageModel(len(tok), 8, 16, num_layers=2, cell="lstm", dropout=0.1)
    trainer = Trainer(model, mg.optim.Adam(model.parameters(), lr=3e-3), task,
                      clip_norm=1.0, out_dir=out, progress=False, log=lambda m: None)
    if resume and os.path.exists(os.path.join(out, "checkpoint.mg")):
        trainer.resume()
    print(f"batches {task.num_batches()}", flush=True)
    trainer.fit(4)
    mg.save({"model": model.state_dict(), "optimizer": trainer.optimizer.state_dict(),
             "losses": trainer.step_losses, "history": trainer.history,
             "rng": mg.backend.get_rng_state()}, os.path.join(out, "final.mg"))


def big_model(k: int):
    """A model and an optimizer whose every number is k: a checkpoint of 3 x 8 MB."""
    model = mg.nn.Linear(1000, 2000, bias=False)
    opt = mg.optim.Adam(model.parameters())
    model.weight.array[...] = k
    opt.state[model.weight] = {"step": k, "exp_avg": np.full((2000, 1000), k, np.float32),
                               "exp_avg_sq": np.full((2000, 1000), k, np.float32)}
    return model, opt


def save(path: str, k: int) -> None:
    model, opt = big_model(k)
    save_checkpoint(path, model=model, optimizer=opt, trainer={"k": k})


def save_loop(path: str) -> None:
    k = 0
    if os.path.exists(path):
        k = int(mg.load(path)["trainer"]["k"])
    while True:
        k += 1
        print(f"writing {k}", flush=True)
        save(path, k)


def as_nobody() -> None:
    """Give up root (after every import is done): root may write anywhere. Python's own
    library may sit where nobody can read, so the codecs zipfile and text files load
    lazily are loaded first."""
    codecs.lookup("cp437")
    codecs.lookup("utf-8-sig")
    if os.geteuid() == 0:
        try:
            os.setgid(NOBODY)
            os.setuid(NOBODY)
        except PermissionError:
            sys.exit(77)  # cannot change user here: the test skips


def main(argv: list[str]) -> None:
    what, path = argv[0], argv[1]
    if what == "train":
        train(path, "--resume" in argv)
    elif what == "save-loop":
        save_loop(path)
    elif what == "save-limited":
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a failed write, not a killed process
        resource.setrlimit(resource.RLIMIT_FSIZE, (int(argv[2]), int(argv[2])))
        save(path, 99)
    elif what == "save-readonly":
        as_nobody()
        print(f"read {mg.load(path)['trainer']['k']}", flush=True)  # it can read the folder
        save(path, 99)
    elif what == "cli-readonly":
        import matplotlib  # noqa: F401  (optional: loaded, like the rest, as root)
        as_nobody()
        text = os.path.join(os.path.dirname(path), "text.txt")
        sys.exit(cli(["train-lm", "--text", text, "--out", path, "--resume", "--quiet",
                      "--max-steps", "1"]))


if __name__ == "__main__":
    main(sys.argv[1:])
