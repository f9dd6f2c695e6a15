"""Draw computation graphs with Graphviz: the unrolled RNN as a picture.

    g = mg.viz.draw(loss, params=model)             # a graphviz.Digraph (Jupyter shows it)
    mg.viz.save(loss, "rnn.svg", collapse=True)     # format from the suffix
    with mg.autograd.record_grad_norms():
        loss.backward()
    mg.viz.save(loss, "grads.svg", show_grad=True)  # edges painted by gradient norm

Edges follow the data: input -> op -> consumer (backward runs them in reverse).

Legend (colours and shapes):

    grey rounded box       an op: its name and output shape (dtype when not float32)
    light blue box         a parameter (named from ``params=``) or another leaf that
                           requires grad (its ``.name`` if set)
    dashed box             an input: a leaf that needs no gradient (data, ids)
    green box              the output: the tensor you drew (``root``)
    dashed cluster         a name scope (``with mg.scope("t=3"):``), labelled by its full
                           path "layer 0 / t=3"; steps run left to right
    yellow 3-D box         collapse=True: all ops of one time step (or of one scope),
                           with the number of ops; edges are data crossing its boundary
    dotted box             max_steps=k: "... n steps ..." stands for the elided middle
    constants              (the 2 in ``x * 2``) are not drawn

With ``show_grad=True`` every edge carries the norm of the gradient that flowed back
along it (``fn.grad_norms[i]``: from op ``fn`` to its input ``i``), coloured on a log
scale from blue (smallest) through purple to red (largest) and drawn thicker as it
grows; a legend node gives the min and max. Grey dashed edges carried no gradient.
Where edges merge (collapse / max_steps), their norms combine as sqrt(sum of squares):
the norm of all the gradients crossing that boundary taken together.

Node names in the DOT source: ``op<k>``, ``tensor<k>`` (numbered in walk order, so the
same graph gives the same source), ``output``,
``box <scope path>`` and ``elided <scope path>``; clusters are ``cluster_<path>``.
The graph is walked with an explicit stack, so 100,000 nodes are fine (rendering them
all with ``dot`` is slow: use ``collapse=True, max_steps=...`` for long sequences).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import graphviz

from minigrad import backend
from minigrad.viz.draw import draw, param_names

__all__ = ["draw", "save", "param_names"]

_FORMATS = {".svg": "svg", ".png": "png", ".pdf": "pdf", ".dot": "dot", ".gv": "dot"}


def save(root: Any, path: str | os.PathLike, **kw: Any) -> Path:
    """Draw ``root`` (a tensor, or an already drawn Digraph) and write exactly ``path``;
    the format comes from its suffix (.svg .png .pdf, or .dot/.gv for the DOT source).
    Keyword arguments go to ``draw``. The picture is rendered in memory and then
    written with ``backend.atomic_write`` (a failed render leaves the old file)."""
    path = Path(path)
    fmt = _FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ValueError(f"viz.save: cannot tell the format of {str(path)!r} from its suffix; "
                         f"use one of {', '.join(_FORMATS)}")
    dot = root if isinstance(root, graphviz.Digraph) else draw(root, **kw)
    if fmt == "dot":
        data = dot.source.encode("utf-8")
    else:
        try:
            data = dot.pipe(format=fmt)
        except graphviz.ExecutableNotFound:
            raise RuntimeError("viz.save: Graphviz's `dot` program is not on PATH; install "
                               "Graphviz (apt-get install graphviz, brew install graphviz) "
                               f"or save the DOT source instead ({path.stem}.dot)") from None
    backend.atomic_write(path, data)
    return path
