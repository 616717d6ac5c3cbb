"""The report's charts, as SVG written here (no plotting library, no JavaScript)."""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

from siting.report._format import _num

_SVG_FONT = (
    "font-family=\"'Noto Sans CJK SC','Source Han Sans SC','Microsoft YaHei',Arial,sans-serif\""
)


def _svg_start(width: int, height: int, *, title: str, title_x: int) -> list[str]:
    """The opening ``<svg>`` tag, its ``<title>`` and the title written at ``title_x``."""
    esc = html.escape
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" {_SVG_FONT} font-size="12">',
        f"<title>{esc(title)}</title>",
        f'<text x="{title_x}" y="18" font-size="14" font-weight="bold">{esc(title)}</text>',
    ]


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    exponent = math.floor(math.log10(value))
    for step in (1.0, 2.0, 2.5, 5.0, 10.0):
        top = float(step * 10.0**exponent)
        if top >= value:
            return top
    return 10.0 ** (exponent + 1)  # pragma: no cover


def _svg_bars_with_targets(
    names: Sequence[str],
    values: Sequence[float],
    targets: Sequence[float],
    *,
    national: float | None,
    title: str,
    target_label: str,
    national_label: str,
) -> str:
    """Vertical bars, a short red mark at each bar's target, and a dashed national line."""
    esc = html.escape
    n = max(len(names), 1)
    bar_w, gap = 46, 34
    left, right, top, bottom = 56, 240, 34, 70
    width = left + n * (bar_w + gap) + right
    height = 320
    plot_h = height - top - bottom
    finite = [v for v in [*values, *targets, national or 0.0] if math.isfinite(v)]
    vmax = _nice_max(max(finite, default=1.0) * 1.1)

    def y(v: float) -> float:
        return top + plot_h * (1.0 - max(v, 0.0) / vmax)

    parts = _svg_start(width, height, title=title, title_x=left)
    step = _nice_max(vmax / 5.0)
    vmax = step * math.ceil(vmax / step - 1e-9)
    for i in range(round(vmax / step) + 1):
        v = step * i
        yy = y(v)
        parts.append(
            f'<line x1="{left}" x2="{width - right + 10}" y1="{yy:.1f}" y2="{yy:.1f}" '
            'stroke="#e3e3e3"/>'
        )
        parts.append(f'<text x="{left - 6}" y="{yy + 4:.1f}" text-anchor="end">{v:g}</text>')
    for i, (name, value, target) in enumerate(zip(names, values, targets, strict=True)):
        x = left + gap / 2 + i * (bar_w + gap)
        ok = math.isfinite(value) and math.isfinite(target) and value >= target - 1e-9
        colour = "#1a9641" if ok else "#d7191c"
        v = value if math.isfinite(value) else 0.0
        parts.append(
            f'<rect x="{x:.1f}" y="{y(v):.1f}" width="{bar_w}" height="{top + plot_h - y(v):.1f}" '
            f'fill="{colour}" fill-opacity="0.8"/>'
        )
        parts.append(
            f'<text x="{x + bar_w / 2:.1f}" y="{y(v) - 4:.1f}" text-anchor="middle">{v:.1f}</text>'
        )
        if math.isfinite(target):
            parts.append(
                f'<line x1="{x - 6:.1f}" x2="{x + bar_w + 6:.1f}" y1="{y(target):.1f}" '
                f'y2="{y(target):.1f}" stroke="#000" stroke-width="3"/>'
            )
        parts.append(
            f'<text x="{x + bar_w / 2:.1f}" y="{top + plot_h + 16}" text-anchor="middle">'
            f"{esc(name)}</text>"
        )
    parts.append(
        f'<line x1="{left}" x2="{left}" y1="{top}" y2="{top + plot_h}" stroke="#444"/>'
        f'<line x1="{left}" x2="{width - right + 10}" y1="{top + plot_h}" '
        f'y2="{top + plot_h}" stroke="#444"/>'
    )
    if national is not None and math.isfinite(national):
        parts.append(
            f'<line x1="{left}" x2="{width - right + 10}" y1="{y(national):.1f}" '
            f'y2="{y(national):.1f}" stroke="#2b83ba" stroke-width="2" stroke-dasharray="6 4"/>'
        )
    lx = width - right + 20
    parts += [
        f'<line x1="{lx}" x2="{lx + 24}" y1="{top + 10}" y2="{top + 10}" stroke="#000" '
        'stroke-width="3"/>',
        f'<text x="{lx + 30}" y="{top + 14}">{esc(target_label)}</text>',
    ]
    if national is not None:
        parts += [
            f'<line x1="{lx}" x2="{lx + 24}" y1="{top + 30}" y2="{top + 30}" stroke="#2b83ba" '
            'stroke-width="2" stroke-dasharray="6 4"/>',
            f'<text x="{lx + 30}" y="{top + 34}">{esc(national_label)} {national:g}</text>',
        ]
    parts.append("</svg>")
    return "".join(parts)


def _svg_hbars(
    names: Sequence[str], values: Sequence[float], *, title: str, unit_divisor: float, unit: str
) -> str:
    """Horizontal bars with their values."""
    esc = html.escape
    n = max(len(names), 1)
    row_h, left, right, top = 26, 150, 120, 34
    width = 640
    height = top + n * row_h + 16
    plot_w = width - left - right
    vmax = max([v for v in values if math.isfinite(v)] + [0.0]) or 1.0
    parts = _svg_start(width, height, title=title, title_x=8)
    for i, (name, value) in enumerate(zip(names, values, strict=True)):
        yy = top + i * row_h
        w = plot_w * max(value, 0.0) / vmax if math.isfinite(value) else 0.0
        parts.append(
            f'<text x="{left - 8}" y="{yy + 16}" text-anchor="end">{esc(name)}</text>'
            f'<rect x="{left}" y="{yy + 4}" width="{w:.1f}" height="{row_h - 8}" '
            'fill="#2b83ba" fill-opacity="0.85"/>'
            f'<text x="{left + w + 6:.1f}" y="{yy + 16}">'
            f"{_num(value / unit_divisor, 1)} {esc(unit)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _svg_before_after(
    names: Sequence[str],
    before: Sequence[float],
    after: Sequence[float],
    *,
    title: str,
    before_label: str,
    after_label: str,
    percent: bool = False,
) -> str:
    """Pairs of vertical bars, before (grey) and after (blue), with their values."""
    esc = html.escape
    n = max(len(names), 1)
    bar_w, inner, gap = 30, 4, 34
    left, right, top, bottom = 56, 210, 34, 70
    group_w = 2 * bar_w + inner
    width = left + n * (group_w + gap) + right
    height = 320
    plot_h = height - top - bottom
    scale = 100.0 if percent else 1.0
    finite = [v * scale for v in [*before, *after] if math.isfinite(v)]
    vmax = 100.0 if percent else _nice_max(max(finite, default=1.0) * 1.1)
    step = _nice_max(vmax / 5.0)
    vmax = step * math.ceil(vmax / step - 1e-9)

    def y(v: float) -> float:
        return top + plot_h * (1.0 - max(v, 0.0) / vmax)

    parts = _svg_start(width, height, title=title, title_x=left)
    for i in range(round(vmax / step) + 1):
        v = step * i
        parts.append(
            f'<line x1="{left}" x2="{width - right + 10}" y1="{y(v):.1f}" y2="{y(v):.1f}" '
            'stroke="#e3e3e3"/>'
            f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end">'
            f"{v:g}{'%' if percent else ''}</text>"
        )
    for i, (name, pair) in enumerate(zip(names, zip(before, after, strict=True), strict=True)):
        x0 = left + gap / 2 + i * (group_w + gap)
        for k, (value, colour) in enumerate(zip(pair, ("#bdbdbd", "#2b83ba"), strict=True)):
            v = value * scale if math.isfinite(value) else 0.0
            x = x0 + k * (bar_w + inner)
            shown = f"{v:.0f}%" if percent else f"{v:.1f}"
            parts.append(
                f'<rect x="{x:.1f}" y="{y(v):.1f}" width="{bar_w}" '
                f'height="{top + plot_h - y(v):.1f}" fill="{colour}" fill-opacity="0.9"/>'
                f'<text x="{x + bar_w / 2:.1f}" y="{y(v) - 4:.1f}" text-anchor="middle" '
                f'font-size="10">{shown}</text>'
            )
        parts.append(
            f'<text x="{x0 + group_w / 2:.1f}" y="{top + plot_h + 16}" text-anchor="middle">'
            f"{esc(name)}</text>"
        )
    parts.append(
        f'<line x1="{left}" x2="{left}" y1="{top}" y2="{top + plot_h}" stroke="#444"/>'
        f'<line x1="{left}" x2="{width - right + 10}" y1="{top + plot_h}" '
        f'y2="{top + plot_h}" stroke="#444"/>'
    )
    lx = width - right + 20
    for k, (label, colour) in enumerate(((before_label, "#bdbdbd"), (after_label, "#2b83ba"))):
        yy = top + 4 + 20 * k
        parts.append(
            f'<rect x="{lx}" y="{yy}" width="14" height="12" fill="{colour}"/>'
            f'<text x="{lx + 20}" y="{yy + 10}">{esc(label)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
