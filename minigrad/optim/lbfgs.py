"""L-BFGS: a quasi-Newton method that needs the loss several times per step, so
``step(closure)`` takes a function that recomputes it:

    opt = mg.optim.LBFGS(model.parameters(), lr=0.8)
    def closure():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        return loss
    opt.step(closure)

It keeps the last ``history_size`` steps s_k = x_{k+1} - x_k and gradient changes
y_k = g_{k+1} - g_k, and turns the gradient into a direction d = -H g with the
two-loop recursion, H the inverse-Hessian estimate built from them (scaled by
gamma = s.y / y.y). Without a line search each iteration moves by ``lr * d``
(the first by min(1, 1/|g|_1) * lr); ``line_search_fn="strong_wolfe"`` picks the step
length by cubic interpolation until the strong Wolfe conditions hold. This is
PyTorch's algorithm, test for test, so the iterates agree with PyTorch's (to
round-off in float64). All parameters are treated as one flat vector.
"""
from __future__ import annotations

from typing import Any, Callable, Iterable

from minigrad import backend, versions
from minigrad.grad_mode import enable_grad, no_grad
from minigrad.optim.optimizer import Optimizer


def _cubic_interpolate(x1, f1, g1, x2, f2, g2, bounds=None) -> float:
    """The minimiser of the cubic through (x1, f1, f'=g1) and (x2, f2, f'=g2), kept in
    ``bounds`` (default: between x1 and x2); the middle when the cubic has none."""
    lo, hi = bounds if bounds is not None else (min(x1, x2), max(x1, x2))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1 ** 2 - g1 * g2
    if d2_square < 0:
        return (lo + hi) / 2.0
    d2 = d2_square ** 0.5
    if x1 <= x2:
        min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(min_pos, lo), hi)


def _strong_wolfe(evaluate, t, d, f, g, gtd, c1=1e-4, c2=0.9, tolerance_change=1e-9,
                  max_ls=25):
    """Step length along d from loss f, gradient g (slope gtd = g.d) satisfying
    f(t) <= f + c1 t gtd (enough decrease) and |g(t).d| <= c2 |gtd| (flat enough):
    first bracket such a t, then zoom in. Returns (loss, grad, t, evaluations)."""
    xp = backend.get_array_module(d)
    d_norm = float(abs(d).max())
    f_new, g_new = evaluate(t)
    evals = 1
    gtd_new = float(xp.dot(g_new, d))
    t_prev, f_prev, g_prev, gtd_prev = 0.0, f, g, gtd
    done = False
    ls_iter = 0
    while ls_iter < max_ls:
        too_far = f_new > f + c1 * t * gtd or (ls_iter > 1 and f_new >= f_prev)
        if not too_far and abs(gtd_new) <= -c2 * gtd:  # both conditions hold at t
            bracket, bf, bg, bgtd = [t], [f_new], [g_new], [gtd_new]
            done = True
            break
        if too_far or gtd_new >= 0:  # a minimum lies between t_prev and t
            bracket, bf = [t_prev, t], [f_prev, f_new]
            bg, bgtd = [g_prev, g_new], [gtd_prev, gtd_new]
            break
        min_step, max_step = t + 0.01 * (t - t_prev), t * 10
        t_prev, t = t, _cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new,
                                          bounds=(min_step, max_step))
        f_prev, g_prev, gtd_prev = f_new, g_new, gtd_new
        f_new, g_new = evaluate(t)
        evals += 1
        gtd_new = float(xp.dot(g_new, d))
        ls_iter += 1
    if ls_iter == max_ls:
        bracket, bf, bg = [0.0, t], [f, f_new], [g, g_new]

    # zoom: shrink the bracket until a point satisfies both conditions
    insufficient = False
    low, high = (0, 1) if bf[0] <= bf[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = _cubic_interpolate(bracket[0], bf[0], bgtd[0], bracket[1], bf[1], bgtd[1])
        # too close to an end of the bracket: move a tenth of its length inside
        eps = 0.1 * (max(bracket) - min(bracket))
        if min(max(bracket) - t, t - min(bracket)) < eps:
            if insufficient or t >= max(bracket) or t <= min(bracket):
                t = max(bracket) - eps if abs(t - max(bracket)) < abs(t - min(bracket)) \
                    else min(bracket) + eps
                insufficient = False
            else:
                insufficient = True
        else:
            insufficient = False
        f_new, g_new = evaluate(t)
        evals += 1
        gtd_new = float(xp.dot(g_new, d))
        ls_iter += 1
        if f_new > f + c1 * t * gtd or f_new >= bf[low]:
            bracket[high], bf[high], bg[high], bgtd[high] = t, f_new, g_new, gtd_new
            low, high = (0, 1) if bf[0] <= bf[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high] - bracket[low]) >= 0:
                bracket[high], bf[high], bg[high], bgtd[high] = \
                    bracket[low], bf[low], bg[low], bgtd[low]
            bracket[low], bf[low], bg[low], bgtd[low] = t, f_new, g_new, gtd_new
    return bf[low], bg[low], bracket[low], evals


class LBFGS(Optimizer):
    """PyTorch's ``optim.LBFGS`` (same defaults; ``max_eval`` defaults to
    ``max_iter * 5 // 4``). One ``step(closure)`` runs up to ``max_iter`` iterations
    and stops early when the gradient (largest entry <= ``tolerance_grad``), the step
    or the loss change (<= ``tolerance_change``) becomes negligible."""

    def __init__(self, params: Iterable[Any], lr: float = 1.0, max_iter: int = 20,
                 max_eval: int | None = None, tolerance_grad: float = 1e-7,
                 tolerance_change: float = 1e-9, history_size: int = 100,
                 line_search_fn: str | None = None):
        if line_search_fn not in (None, "strong_wolfe"):
            raise ValueError(f"LBFGS: line_search_fn must be None or 'strong_wolfe', "
                             f"got {line_search_fn!r}")
        max_eval = max_iter * 5 // 4 if max_eval is None else max_eval
        super().__init__(params, dict(lr=lr, max_iter=max_iter, max_eval=max_eval,
                                      tolerance_grad=tolerance_grad,
                                      tolerance_change=tolerance_change,
                                      history_size=history_size,
                                      line_search_fn=line_search_fn))
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params = self.param_groups[0]["params"]

    # --------------------------------------------------------- the flat vector
    def _flat_grad(self):
        xp = backend.get_array_module(self._params[0].array)
        return xp.concatenate([p.grad.array.reshape(-1) if p.grad is not None
                               else xp.zeros(p.numel(), dtype=p.dtype) for p in self._params])

    def _add_grad(self, t: float, d) -> None:
        """x <- x + t d, each parameter its slice of d."""
        offset = 0
        for p in self._params:
            n = p.numel()
            p.array += t * d[offset:offset + n].reshape(p.shape)
            versions.mark_written(p.array)
            offset += n

    def _evaluate(self, closure: Callable, t: float, d) -> tuple[float, Any]:
        """Loss and gradient at x + t d, then back to x (for the line search)."""
        saved = [p.array.copy() for p in self._params]
        self._add_grad(t, d)
        with enable_grad():
            loss = float(closure())
        g = self._flat_grad()
        for p, a in zip(self._params, saved):
            p.array[...] = a
            versions.mark_written(p.array)
        return loss, g

    # --------------------------------------------------------- the step
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        if closure is None:
            raise TypeError("LBFGS.step needs a closure that recomputes the loss: "
                            "opt.step(closure), with closure() doing zero_grad, forward, "
                            "backward and returning the loss")
        group = self.param_groups[0]
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tol_grad, tol_change = group["tolerance_grad"], group["tolerance_change"]
        history = group["history_size"]
        state = self.state.setdefault(self._params[0], {"func_evals": 0, "n_iter": 0})

        with enable_grad():
            orig_loss = closure()
        loss = float(orig_loss)
        evals = 1
        state["func_evals"] += 1
        g = self._flat_grad()
        if float(abs(g).max()) <= tol_grad:
            return orig_loss
        xp = backend.get_array_module(g)
        d, t = state.get("d"), state.get("t")
        old_dirs, old_stps, ro = state.get("old_dirs"), state.get("old_stps"), state.get("ro")
        h_diag = state.get("H_diag")
        prev_g, prev_loss = state.get("prev_flat_grad"), state.get("prev_loss")

        n_iter = 0
        with no_grad():
            while n_iter < max_iter:
                n_iter += 1
                state["n_iter"] += 1
                if state["n_iter"] == 1:
                    d, old_dirs, old_stps, ro, h_diag = -g, [], [], [], 1.0
                else:
                    y, s = g - prev_g, d * t
                    ys = float(xp.dot(y, s))
                    if ys > 1e-10:  # keep only pairs that keep H positive definite
                        if len(old_dirs) == history:
                            del old_dirs[0], old_stps[0], ro[0]
                        old_dirs.append(y)
                        old_stps.append(s)
                        ro.append(1.0 / ys)
                        h_diag = ys / float(xp.dot(y, y))
                    d = self._direction(g, old_dirs, old_stps, ro, h_diag)
                prev_g, prev_loss = g.copy(), loss
                t = min(1.0, 1.0 / float(abs(g).sum())) * lr if state["n_iter"] == 1 else lr
                gtd = float(xp.dot(g, d))
                if gtd > -tol_change:  # not a descent direction
                    break
                ls_evals = 0
                if group["line_search_fn"] is not None:
                    loss, g, t, ls_evals = _strong_wolfe(
                        lambda step: self._evaluate(closure, step, d), t, d, loss, g, gtd)
                    self._add_grad(t, d)
                    opt_cond = float(abs(g).max()) <= tol_grad
                else:
                    self._add_grad(t, d)
                    if n_iter != max_iter:
                        with enable_grad():
                            loss = float(closure())
                        g = self._flat_grad()
                        opt_cond = float(abs(g).max()) <= tol_grad
                        ls_evals = 1
                evals += ls_evals
                state["func_evals"] += ls_evals
                if n_iter == max_iter or evals >= max_eval or opt_cond:
                    break
                if float(abs(d * t).max()) <= tol_change or abs(loss - prev_loss) < tol_change:
                    break
        state.update(d=d, t=t, old_dirs=old_dirs, old_stps=old_stps, ro=ro, H_diag=h_diag,
                     prev_flat_grad=prev_g, prev_loss=prev_loss)
        return orig_loss

    @staticmethod
    def _direction(g, old_dirs, old_stps, ro, h_diag):
        """d = -H g by the two-loop recursion over the stored (s, y) pairs."""
        q = -g
        al = [0.0] * len(old_dirs)
        for i in range(len(old_dirs) - 1, -1, -1):
            al[i] = float(old_stps[i] @ q) * ro[i]
            q -= al[i] * old_dirs[i]
        r = q * h_diag
        for i in range(len(old_dirs)):
            be_i = float(old_dirs[i] @ r) * ro[i]
            r += (al[i] - be_i) * old_stps[i]
        return r

    # --------------------------------------------------------- saving
    def state_dict(self) -> dict[str, Any]:
        """PyTorch's layout: the whole history is the state of the first parameter
        ("0"): flat vectors over all parameters (``d``, ``prev_flat_grad``), the stored
        pairs as lists of them (``old_dirs``, ``old_stps``), ``ro`` and numbers. Arrays
        are NumPy copies, so ``mg.save`` stores it and a resumed LBFGS continues with
        the same numbers as one that never stopped."""
        out = super().state_dict()
        entry = self.state.get(self._params[0])
        out["state"] = {} if entry is None else {"0": {k: _copied(v) for k, v in entry.items()}}
        return out

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what ``state_dict`` gave: the options as for every optimizer, the
        history checked first (every vector as long as all parameters together, as
        many ``ro`` as pairs); on a mismatch nothing changes."""
        where = f"{self.name}.load_state_dict"
        history = state_dict.get("state") if isinstance(state_dict, dict) else None
        if not isinstance(history, dict) or set(history) - {"0"}:
            keys = sorted(history) if isinstance(history, dict) else history
            raise ValueError(f"{where}: an LBFGS state holds one entry, '0' (the history, "
                             f"kept with the first parameter), got {keys!r}")
        entry = self._checked_history(where, history.get("0", {}))
        super().load_state_dict({**state_dict, "state": {}})   # options: checked, then set
        self.state = {} if not entry else {self._params[0]: entry}

    def _checked_history(self, where: str, entry: dict) -> dict:
        """The saved history as this optimizer holds it: arrays on its device and dtype."""
        p0, n = self._params[0], sum(p.numel() for p in self._params)

        def vector(name, v):
            a = backend.to_numpy(v.array if hasattr(v, "array") else v)
            if a.shape != (n,):
                raise ValueError(f"{where}: {name} has shape {a.shape}; the parameters "
                                 f"have {n} entries together, so it must be ({n},)")
            return backend.as_array(a.copy(), dtype=p0.dtype, device=p0.device)

        out = {}
        for k, v in entry.items():
            if k in ("d", "prev_flat_grad") and v is not None:
                v = vector(k, v)
            elif k in ("old_dirs", "old_stps"):
                v = [vector(f"{k}[{i}]", a) for i, a in enumerate(v)]
            elif k == "ro":
                v = [float(r) for r in v]
            out[k] = v
        pairs = {len(out.get(k, [])) for k in ("old_dirs", "old_stps", "ro")}
        if len(pairs) > 1:
            raise ValueError(f"{where}: old_dirs, old_stps and ro must hold as many entries, "
                             f"got {[len(out.get(k, [])) for k in ('old_dirs', 'old_stps', 'ro')]}")
        return out


def _copied(v: Any) -> Any:
    """A state value with its arrays as NumPy copies (lists of arrays included)."""
    if backend.is_array(v):
        return backend.to_numpy(v).copy()
    if isinstance(v, list):
        return [_copied(x) for x in v]
    return v
