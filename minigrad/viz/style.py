"""The look shared by both layouts: node styles, the gradient-norm colour ramp and its
legend, shape labels (see the legend in ``minigrad/viz/__init__.py``)."""
from __future__ import annotations

import math
from typing import Any

# the look of each kind of node
STYLE = {
    "op": dict(shape="box", style="rounded,filled", fillcolor="#eeeeee", color="#888888"),
    "param": dict(shape="box", style="filled", fillcolor="lightblue", color="#3b6e8f"),
    "input": dict(shape="box", style="dashed", color="#888888"),
    "output": dict(shape="box", style="filled", fillcolor="darkolivegreen1"),
    "step": dict(shape="box3d", style="filled", fillcolor="lightyellow", color="#8a7a2a"),
    "elided": dict(shape="box", style="dotted", fontcolor="#555555", color="#888888"),
}
# gradient-norm colour ramp, log scale: small (blue) -> medium (purple) -> large (red)
_RAMP = [(0.0, (0x21, 0x66, 0xac)), (0.5, (0x7b, 0x32, 0x94)), (1.0, (0xd7, 0x19, 0x1c))]
NO_GRAD = "#bbbbbb"  # an edge along which no gradient flowed (data, integer ids)


def shape_text(shape: tuple, dtype: Any) -> str:
    text = str(tuple(shape)) if len(shape) != 1 else f"({shape[0]},)"
    return text if str(dtype) == "float32" else f"{text} {dtype}"


def grad_attrs(norm: float | None, lo: float, hi: float) -> dict:
    """Edge attributes for a gradient norm: label, tooltip, colour and width."""
    if norm is None:
        return dict(color=NO_GRAD, style="dashed")
    attrs = dict(label=f"{norm:.3g}", tooltip=f"gradient norm {norm!r}")
    if norm == 0:
        return dict(attrs, color=NO_GRAD)
    pos = _position(norm, lo, hi)
    colour = colour_at(pos)
    return dict(attrs, color=colour, fontcolor=colour, penwidth=f"{0.8 + 2.2 * pos:.2f}")


def _position(norm: float, lo: float, hi: float) -> float:
    """Where ``norm`` lies between ``lo`` and ``hi`` on a log scale, in [0, 1]."""
    if hi <= lo:
        return 1.0
    return min(1.0, max(0.0, math.log(norm / lo) / math.log(hi / lo)))


def colour_at(pos: float) -> str:
    """The ramp's colour at ``pos`` in [0, 1], as #rrggbb."""
    for (p0, c0), (p1, c1) in zip(_RAMP, _RAMP[1:]):
        if pos <= p1:
            u = (pos - p0) / (p1 - p0)
            return "#" + "".join(f"{round(a + (b - a) * u):02x}" for a, b in zip(c0, c1))
    return "#" + "".join(f"{c:02x}" for c in _RAMP[-1][1])


def legend(lo: float, hi: float) -> str:
    """An HTML-like table: the colour ramp from the smallest to the largest norm."""
    cells = "".join(f'<td bgcolor="{colour_at(i / 8)}" width="14"> </td>' for i in range(9))
    return ('<<table border="0" cellborder="0" cellspacing="0" cellpadding="2">'
            '<tr><td colspan="9">gradient norm (log scale)</td></tr>'
            f"<tr>{cells}</tr>"
            f'<tr><td colspan="4" align="left">{lo:.3g}</td><td></td>'
            f'<td colspan="4" align="right">{hi:.3g}</td></tr></table>>')
