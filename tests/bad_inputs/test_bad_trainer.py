"""Bad input, family "trainer": the Trainer's arguments and limits, the tasks, and
checkpoints that do not fit what they are restored into. A refused restore leaves the
model, the optimizer, the loop and the random generator exactly as they were."""
import numpy as np
import pytest
from mistakes import case, check

import minigrad as mg
from models.checkpoint import load_checkpoint, save_checkpoint
from models.task import SupervisedTask
from models.train import Trainer

X = np.random.default_rng(0).standard_normal((20, 3)).astype(np.float32)
Y = (X[:, 0] > 0).astype(np.int64)


def task():
    return SupervisedTask(X, Y, batch_size=4)


def trainer(out=None, model=None, opt=None, **kw):
    model = model or mg.nn.Linear(3, 2)
    opt = opt or mg.optim.Adam(model.parameters(), lr=0.01)
    return Trainer(model, opt, task(), out_dir=out, progress=False, log=lambda s: None, **kw)


def fit(**limits):
    return lambda p: trainer().fit(**limits)


CASES = [
    case("fit with no limit at all", fit(epochs=None), ValueError, "Trainer.fit",
         "epochs, max_steps or max_minutes"),
    case("fit for -1 epochs", fit(epochs=-1), ValueError, "Trainer.fit", "epochs", "-1"),
    case("fit for 1.5 epochs", fit(epochs=1.5), ValueError, "epochs", "1.5"),
    case("fit for 0 steps", fit(epochs=None, max_steps=0), ValueError, "max_steps", "0"),
    case("fit for -1 minutes", fit(epochs=None, max_minutes=-1), ValueError, "max_minutes"),
    case("a negative clip norm", lambda p: trainer(clip_norm=-1), ValueError, "Trainer",
         "clip_norm", "-1"),
    case("patience 0", lambda p: trainer(patience=0), ValueError, "Trainer", "patience"),
    case("a layer as the optimizer", lambda p: Trainer(mg.nn.Linear(3, 2), mg.nn.Linear(3, 2),
                                                       task(), progress=False),
         TypeError, "Trainer", "optimizer", "Linear"),
    case("a string as the model", lambda p: Trainer("m", mg.optim.SGD(
        mg.nn.Linear(3, 2).parameters(), lr=1), task(), progress=False), TypeError, "Trainer",
        "model", "str"),
    case("(x, y) as the task", lambda p: Trainer((m := mg.nn.Linear(3, 2)), mg.optim.SGD(
        m.parameters(), lr=1), (X, Y), progress=False), TypeError, "Trainer", "task",
        "tuple"),
    case("the optimizer of another model", lambda p: trainer(
        opt=mg.optim.SGD(mg.nn.Linear(3, 2).parameters(), lr=1)), ValueError, "Trainer",
        "none of the model's parameters"),
    case("save without a folder", lambda p: trainer().save(), ValueError, "Trainer.save",
         "out_dir"),
    case("resume without a folder", lambda p: trainer().resume(), ValueError,
         "Trainer.resume"),
    case("resume from nothing", lambda p: trainer(out=p / "none").resume(), FileNotFoundError,
         "no checkpoint", "none"),
    case("a task of mismatched lengths", lambda p: SupervisedTask(X, Y[:5]), ValueError,
         "SupervisedTask", "20", "5"),
    case("a task of batch size 0", lambda p: SupervisedTask(X, Y, batch_size=0), ValueError,
         "SupervisedTask", "batch_size"),
    case("a task with an unknown loss", lambda p: (m := mg.nn.Linear(3, 2), Trainer(
        m, mg.optim.SGD(m.parameters(), lr=1), SupervisedTask(X, Y, loss="hinge"),
        progress=False, log=lambda s: None).fit(1)), ValueError, "SupervisedTask", "'hinge'"),
    case("a checkpoint of something else", lambda p: (mg.save({"a": 1}, p / "x.mg"),
                                                      load_checkpoint(p / "x.mg")),
         ValueError, "x.mg", "not a training checkpoint"),
    case("a checkpoint without its generator", lambda p: (
        save_checkpoint(p / "c.mg", model=mg.nn.Linear(3, 2)),
        mg.save({k: v for k, v in mg.load(p / "c.mg").items() if k != "rng"}, p / "c.mg"),
        load_checkpoint(p / "c.mg")), ValueError, "c.mg", "no 'rng'"),
    case("a checkpoint of a model that is None",
         lambda p: save_checkpoint(p / "z.mg", model=None), TypeError, "save_checkpoint",
         "NoneType"),
]


@pytest.mark.parametrize("call, error, needles", CASES)
def test_mistake(tmp_path, call, error, needles):
    check(lambda: call(tmp_path), error, needles)


def _damage(path, **change):
    raw = mg.load(path)
    raw.update(change)
    mg.save(raw, path)


def _everything(t):
    return (t.model.state_dict(), t.optimizer.state_dict(), t.state_dict(),
            mg.backend.get_rng_state())


def _equal(a, b):
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b))
    if hasattr(a, "shape"):
        return np.array_equal(a, b)
    return a == b or (a != a and b != b)


def _other_model():
    return trainer(model=mg.nn.Linear(3, 4))


def _sgd():
    model = mg.nn.Linear(3, 2)
    return trainer(model=model, opt=mg.optim.SGD(model.parameters(), lr=0.1))


def _adam_of_the_weight_only():
    model = mg.nn.Linear(3, 2)
    return trainer(model=model, opt=mg.optim.Adam([model.weight]))


@pytest.mark.parametrize("make, damage, part", [
    (_other_model, None, "model"),
    (_sgd, None, "optimizer"),
    (_adam_of_the_weight_only, None, "optimizer"),
    (trainer, {"trainer": {"epoch": 1}}, "training loop state"),
    (trainer, {"rng": {"bit_generator": "MT19937"}}, "random generator state"),
], ids=["another model", "another kind of optimizer", "an optimizer of other parameters",
        "a damaged loop state", "a damaged generator state"])
def test_a_checkpoint_that_does_not_fit_restores_nothing(tmp_path, make, damage, part):
    """Was: the model loaded, then the optimizer (or the loop state) was refused, and the
    run was left half-restored."""
    first = trainer(out=tmp_path)
    first.fit(1)
    if damage:
        _damage(tmp_path / "checkpoint.mg", **damage)
    second = make()
    second.out_dir = str(tmp_path)
    second.model(mg.ones(1, 3)).sum().backward()
    second.optimizer.step()  # it has state of its own to lose
    before = _everything(second)
    with pytest.raises(ValueError, match=f"checkpoint.mg: the {part} does not fit"):
        second.resume()
    assert _equal(before, _everything(second))
