"""Connectivity pictures: a PNG heatmap and an HTML page over the text.

``A`` is the (T, T) matrix of ``mg.nn.utils.connectivity``: A[t, s] is how much the
input at step s mattered to the prediction made after step t (the norm of the gradient
of that prediction's true-next-token logit with respect to the embedded input s). Both
pictures scale each row by its largest entry over s <= t: what matters is which earlier
inputs a prediction leans on, relative to each other (Madsen, Distill 2019, does the
same).

    A = mg.nn.utils.connectivity(forward, x, ids[1:])
    mg.viz.connectivity_heatmap(A, text, "connectivity.png")
    mg.viz.connectivity_html(A, text, "connectivity.html")  # hover a character

The page is one self-contained file (no external scripts, styles or fonts): the text
as one ``<span data-t="t">`` per character, the values as JSON in
``<script type="application/json" id="connectivity-data">`` (``{"text", "values"}``,
values to 4 significant digits), and a few lines of script: hovering character t (or
clicking it, which pins the choice until the next click) paints every character s <= t
with the background ``rgba(215, 25, 28, A[t, s] / max_s A[t, s])``, outlines t and
greys out the characters after it.
"""
from __future__ import annotations

import html
import io
import json
import os
from pathlib import Path
from typing import Any

from minigrad import backend

_SHOWN = {" ": "\u2423", "\n": "\u23ce", "\t": "\u21e5"}  # how the heatmap's ticks show them


def _checked(A: Any, text: str, op: str) -> Any:
    A = backend.to_numpy(A.array if hasattr(A, "array") else backend.as_array(A))
    if A.ndim != 2 or A.shape[0] != A.shape[1]:
        raise ValueError(f"{op}: A must be a square (T, T) matrix, got shape {A.shape}")
    if len(text) not in (A.shape[0], A.shape[0] + 1):
        raise ValueError(f"{op}: text must hold the T = {A.shape[0]} input characters (and "
                         f"optionally the last target after them), got {len(text)}")
    return A


def _row_scaled(A: Any) -> Any:
    """A[t, s] / max_{s <= t} A[t, s] below the diagonal and on it; 0 above; a row of
    zeros stays zero."""
    lower = A * (backend.get_array_module(A).tri(A.shape[0], dtype=A.dtype) > 0)
    top = lower.max(axis=1, keepdims=True)
    return lower / (top + (top == 0))


def connectivity_heatmap(A: Any, text: str, path: str | os.PathLike, *,
                         title: str | None = None) -> Path:
    """Write A as a PNG heatmap: rows t (the prediction after reading text[t]),
    columns s (the character read at step s); each row scaled to its largest entry,
    the future (s > t) left white. Characters label the axes (every one up to 80,
    then every k-th)."""
    from matplotlib.figure import Figure  # optional dependency: imported on use

    A = _checked(A, text, "connectivity_heatmap")
    T = A.shape[0]
    scaled = _row_scaled(A)
    shown = scaled.copy()
    shown[scaled == 0] = float("nan")  # white: the future, and inputs that did not matter
    size = min(16.0, 3.0 + 0.11 * T)
    fig = Figure(figsize=(size + 1.2, size))
    ax = fig.subplots()
    image = ax.imshow(shown, cmap="Reds", vmin=0.0, vmax=1.0, interpolation="nearest")
    every = max(1, -(-T // 80))
    ticks = list(range(0, T, every))
    labels = [_SHOWN.get(text[i], text[i]) for i in ticks]
    ax.set_xticks(ticks, labels, fontsize=7, fontfamily="monospace")
    ax.set_yticks(ticks, labels, fontsize=7, fontfamily="monospace")
    ax.set_xlabel("s: the character read at step s")
    ax.set_ylabel("t: the prediction made after reading character t")
    ax.set_title(title or "connectivity: |d logit_t(true next) / d x_s|, each row / its max",
                 fontsize=10)
    fig.colorbar(image, ax=ax, fraction=0.04, pad=0.02, label="share of the row's largest")
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    path = Path(path)
    backend.atomic_write(path, buffer.getvalue())
    return path


def connectivity_html(A: Any, text: str, path: str | os.PathLike | None = None, *,
                      title: str = "Connectivity") -> str:
    """The self-contained HTML page (see the module docstring); written to ``path``
    when given. Returns the page."""
    A = _checked(A, text, "connectivity_html")
    T = A.shape[0]
    values = [[float(f"{v:.4g}") for v in row] for row in A.tolist()]
    data = json.dumps({"text": text, "values": values}, separators=(",", ":"))
    spans = "".join(f'<span data-t="{t}">{html.escape(text[t])}</span>' for t in range(T))
    page = _PAGE.format(title=html.escape(title), spans=spans, steps=T,
                        data=data.replace("</", "<\\/"))  # never close the script early
    if path is not None:
        backend.atomic_write(path, page.encode("utf-8"))
    return page


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>
  body {{ font-family: sans-serif; margin: 2em auto; max-width: 62em; color: #222; }}
  #text {{ font-family: monospace; font-size: 15px; line-height: 1.9; white-space: pre-wrap;
          word-break: break-all; border: 1px solid #ddd; padding: 1em; }}
  #text span {{ cursor: pointer; border-radius: 2px; }}
  #text span.current {{ outline: 2px solid #222; }}
  #text span.future {{ color: #bbb; }}
  #info {{ font-family: monospace; min-height: 1.5em; margin: 0.5em 0; }}
  .ramp {{ display: inline-block; width: 10em; height: 0.8em; vertical-align: middle;
          background: linear-gradient(to right, rgba(215, 25, 28, 0), rgba(215, 25, 28, 1)); }}
</style>
</head>
<body>
<h1>{title}</h1>
<p>Hover over a character (click to pin it): the text before it turns red by how much
each character mattered to the prediction made there, the score of the true next
character, as the norm of its gradient with respect to that character's embedded input,
relative to the largest in the row (<span class="ramp"></span> 0 to 1). {steps} steps.</p>
<div id="info">&nbsp;</div>
<div id="text">{spans}</div>
<script type="application/json" id="connectivity-data">{data}</script>
<script>
"use strict";
const data = JSON.parse(document.getElementById("connectivity-data").textContent);
const spans = Array.from(document.querySelectorAll("#text span"));
const info = document.getElementById("info");
let pinned = null;
function show(t) {{
  const row = data.values[t];
  let max = 0;
  for (let s = 0; s <= t; s++) max = Math.max(max, row[s]);
  spans.forEach((el, s) => {{
    const share = s <= t && max > 0 ? row[s] / max : 0;
    el.style.backgroundColor = s <= t ? "rgba(215, 25, 28, " + share.toFixed(3) + ")" : "";
    el.classList.toggle("current", s === t);
    el.classList.toggle("future", s > t);
  }});
  const next = t + 1 < data.text.length ? JSON.stringify(data.text[t + 1]) : "(end)";
  info.textContent = "step " + t + ": after " + JSON.stringify(data.text[t]) +
    ", predicting " + next + (pinned === null ? "" : "  [pinned: click again to free]");
}}
spans.forEach((el) => {{
  const t = Number(el.dataset.t);
  el.addEventListener("mouseenter", () => {{ if (pinned === null) show(t); }});
  el.addEventListener("click", () => {{ pinned = pinned === t ? null : t; show(t); }});
}});
</script>
</body>
</html>
"""
