"""The map's colours, point sizes, legend swatches and popup stylesheet, and the bins
they follow."""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    pass

_POINT_RADII = (3.0, 4.0, 5.5, 7.0, 9.0)
"""An overview's area points, px, by quintile of people."""

# colours
_GREEN, _LIGHT_GREEN, _ORANGE, _RED = "#1a9641", "#a6d96a", "#fdae61", "#d7191c"
_BLUE, _PURPLE, _GOLD, _GREY = "#2b83ba", "#7b3294", "#ffc107", "#8c8c8c"
_POP_COLOURS = ("#ffffcc", "#c2e699", "#78c679", "#31a354", "#006837")
_RESIDUAL_COLOURS = ("#f2f0f7", "#cbc9e2", "#9e9ac8", "#756bb1", "#54278f")
"""Purples for the residual people, apart from the greens of the areas' density."""

_POPUP_CSS = (
    "<style>.sp{font-size:12px}"
    ".sp th{text-align:left;padding-right:8px;font-weight:normal;color:#555}"
    ".sp td.n{text-align:right}</style>"
)
"""The popup tables' one stylesheet (class ``sp``; ``td.n`` is a number)."""


def _ratio_colour(spk: Any, target: Any) -> str:
    try:
        s, t = float(spk), float(target)
    except (TypeError, ValueError):
        return _GREY
    if math.isnan(s) or math.isnan(t):
        return _GREY
    if t <= 0 or s >= t - 1e-9:
        return _GREEN
    ratio = s / t
    if ratio >= 0.75:
        return _LIGHT_GREEN
    if ratio >= 0.5:
        return _ORANGE
    return _RED


def _radius(slots: Any) -> float:
    try:
        s = max(float(slots), 0.0)
    except (TypeError, ValueError):
        s = 0.0
    return round(4.0 + 0.9 * math.sqrt(s), 1)


def _density_bins(values: np.ndarray) -> list[float]:
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return [0.0]
    edges = sorted({float(v) for v in np.quantile(finite, [0.2, 0.4, 0.6, 0.8])})
    return edges


def _bin_colour(value: float, edges: Sequence[float], palette: Sequence[str] = _POP_COLOURS) -> str:
    if not math.isfinite(value):
        return _GREY
    for i, edge in enumerate(edges):
        if value <= edge:
            return palette[min(i, len(palette) - 1)]
    return palette[min(len(edges), len(palette) - 1)]


def _swatch(
    colour: str,
    label: str,
    *,
    box: bool = False,
    border: str | None = None,
    dashed: bool = False,
    circle: bool = False,
    line: bool = False,
) -> str:
    if line:
        dash = "dashed" if dashed else "solid"
        icon = (
            f'<span style="display:inline-block;width:22px;height:0;border-top:2px {dash} {colour};'
            'vertical-align:middle;margin-right:6px"></span>'
        )
    elif circle:
        icon = (
            f'<span style="display:inline-block;width:12px;height:12px;border-radius:50%;'
            f"background:{colour};border:2px solid {border or '#333'};vertical-align:middle;"
            'margin-right:6px"></span>'
        )
    else:
        style = "dashed" if dashed else "solid"
        width = 3 if dashed else 1
        icon = (
            f'<span style="display:inline-block;width:16px;height:12px;background:{colour};'
            f"border:{width}px {style} {border or '#555'};vertical-align:middle;"
            'margin-right:6px"></span>'
        )
    del box
    return f"<div>{icon}{html.escape(label)}</div>"
