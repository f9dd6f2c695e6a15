"""Optimizers and learning-rate schedules, PyTorch's update rules exactly (LBFGS takes
a closure: ``opt.step(closure)``, see ``minigrad.optim.lbfgs``).

    opt = mg.optim.Adam(model.parameters(), lr=1e-3)
    sched = mg.optim.lr_scheduler.StepLR(opt, step_size=10, gamma=0.5)
    for batch in data:
        opt.zero_grad()
        loss_fn(model, batch).backward()
        mg.optim.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
    sched.step()
"""
from minigrad.nn.utils import clip_grad_norm_, clip_grad_value_
from minigrad.optim import lr_scheduler
from minigrad.optim.adaptive import Adagrad, Adam, AdamW, RMSprop
from minigrad.optim.lbfgs import LBFGS
from minigrad.optim.optimizer import Optimizer
from minigrad.optim.sgd import SGD

__all__ = ["Optimizer", "SGD", "Adagrad", "RMSprop", "Adam", "AdamW", "LBFGS", "lr_scheduler",
           "clip_grad_norm_", "clip_grad_value_"]
