"""``plan.jpg``: the plan drawn at 300 dpi with matplotlib (legend, scale bar, north arrow)."""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from siting.maps.style import (
    _BLUE,
    _GOLD,
    _GREEN,
    _GREY,
    _LIGHT_GREEN,
    _ORANGE,
    _PURPLE,
    _RED,
    _ratio_colour,
)
from siting.report import labels

logger = logging.getLogger(__name__)

FIGURE_DPI = 300
"""Dots per inch of ``plan.jpg`` (the hand-in rules ask for 300 dpi figures)."""

_CJK_FONTS = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
    "Noto Sans SC",
)

_CJK_FILES = ("notosanscjk", "sourcehansans", "wqy", "simhei", "msyh", "pingfang", "notosanssc")


def _cjk_font() -> str | None:
    """A font family that draws Chinese, registering a system file matplotlib skipped."""
    from matplotlib import font_manager

    known = {f.name for f in font_manager.fontManager.ttflist}
    for family in _CJK_FONTS:
        if family in known:
            return family
    for path in font_manager.findSystemFonts():
        if any(key in Path(path).name.lower().replace("-", "") for key in _CJK_FILES):
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError):
                continue
            name: str = font_manager.FontProperties(fname=path).get_name()
            return name
    return None


def _nice_length(span_m: float) -> float:
    """A round scale-bar length near a fifth of the map's width."""
    target = span_m / 5
    power = 10 ** math.floor(math.log10(target))
    return float(max(s * power for s in (1, 2, 5) if s * power <= target))


def write_plan_figure(
    layers: Mapping[str, gpd.GeoDataFrame],
    path: str | Path,
    *,
    title: str = "",
    language: str = "zh",
    dpi: int = FIGURE_DPI,
) -> Path:
    """Draw the plan as a static JPG: areas, facilities and districts, no tiles.

    Areas are filled by slots per 1,000 against their target (the web map's
    colours), shortfall areas outlined red; facilities are circles sized by
    slots (planned blue, demonstration gold, existing purple); district
    outlines carry their names. A legend, a scale bar and a north arrow are
    drawn in the map frame. The figure is A4 landscape.

    Parameters
    ----------
    layers
        Layer name → features in a projected CRS (metres), as in ``plan.gpkg``.
    path
        The ``.jpg`` to write.
    title
        The figure's title.
    language
        ``"zh"`` or ``"en"`` legend labels.
    dpi
        Dots per inch (300 for the hand-in rules).

    Returns
    -------
    Path
        The picture.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import FancyArrow, Patch, Rectangle

    font = _cjk_font()
    if font is None and language == "zh":
        # a machine without a CJK font (fonts-noto-cjk) would draw every label as boxes
        logger.warning(
            "no font with Chinese characters found: plan.jpg is labelled in English, and "
            "Chinese names in the data may not show (install fonts-noto-cjk for Chinese)"
        )
        language = "en"
    text = labels(language)
    rc: dict[str, Any] = {
        "font.family": [font, "sans-serif"] if font else ["sans-serif"],
        "axes.unicode_minus": False,
    }
    frames = {k: v for k, v in layers.items() if v is not None and not v.empty}
    crs = next(iter(frames.values())).crs if frames else None
    if crs is not None and not crs.is_projected:
        metric = next(iter(frames.values())).estimate_utm_crs()
        frames = {k: v.to_crs(metric) for k, v in frames.items()}
    with plt.rc_context(rc), warnings.catch_warnings():  # type: ignore[arg-type]
        # the glyphs a font lacks are said once above, not once per character
        warnings.filterwarnings(
            "ignore", message="Glyph .* missing from font", category=UserWarning
        )
        fig, ax = plt.subplots(figsize=(11.69, 8.27))
        areas = frames.get("areas")
        if areas is not None:
            fills = (
                [
                    _ratio_colour(s, t)
                    for s, t in zip(
                        areas.get("slots_per_1000", np.nan),
                        areas.get("target_per_1000", np.nan),
                        strict=False,
                    )
                ]
                if "slots_per_1000" in areas
                else [_GREY] * len(areas)
            )
            areas.plot(ax=ax, color=fills, edgecolor="#555555", linewidth=0.2, alpha=0.75, zorder=2)
            short = areas[
                pd.to_numeric(areas.get("shortfall_slots", 0), errors="coerce").fillna(0) > 0
            ]
            if not short.empty:
                short.boundary.plot(ax=ax, color=_RED, linewidth=0.8, linestyle="--", zorder=3)
        hazards = frames.get("hazards")
        if hazards is not None:
            hazards.plot(
                ax=ax, color="#e66101", alpha=0.35, edgecolor="#b35806", linewidth=0.3, zorder=2
            )
        districts = frames.get("districts")
        if districts is not None:
            districts.boundary.plot(ax=ax, color="#252525", linewidth=1.2, zorder=4)
            for name, point in zip(
                districts.get("name", [""] * len(districts)),
                districts.geometry.representative_point(),
                strict=True,
            ):
                if isinstance(name, str) and name:
                    ax.annotate(
                        name,
                        (point.x, point.y),
                        ha="center",
                        va="center",
                        fontsize=11,
                        color="#252525",
                        zorder=6,
                        bbox={
                            "boxstyle": "round,pad=0.2",
                            "fc": "white",
                            "ec": "none",
                            "alpha": 0.7,
                        },
                    )
        facilities = frames.get("facilities")
        if facilities is not None:
            existing = facilities.get("existing", pd.Series(False, index=facilities.index)).astype(
                bool
            )
            demo = facilities.get("demonstration", pd.Series(False, index=facilities.index)).astype(
                bool
            )
            slots = (
                pd.to_numeric(facilities.get("slots", 0), errors="coerce").fillna(0).clip(lower=0)
            )
            colours = np.where(existing, _PURPLE, np.where(demo, _GOLD, _BLUE))
            edges = list(np.where(existing, "#3f007d", np.where(demo, "#7a5200", "#08306b")))
            pts = facilities.geometry.representative_point()
            ax.scatter(
                pts.x,
                pts.y,
                s=(1.5 + 0.35 * np.sqrt(slots.to_numpy())) ** 2,
                c=colours,
                edgecolors=edges,
                linewidths=0.5,
                alpha=0.9,
                zorder=5,
            )
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_xlabel("")
        ax.set_ylabel("")
        if title:
            ax.set_title(title, fontsize=15)
        # legend
        handles = [
            Patch(fc=_GREEN, ec="#555555", label=text["area_meets"]),
            Patch(fc=_LIGHT_GREEN, ec="#555555", label=text["area_75"]),
            Patch(fc=_ORANGE, ec="#555555", label=text["area_50"]),
            Patch(fc=_RED, ec="#555555", label=text["area_below"]),
            Patch(fc="white", ec=_RED, ls="--", label=text["area_shortfall"]),
            Line2D(
                [],
                [],
                ls="",
                marker="o",
                ms=8,
                mfc=_BLUE,
                mec="#08306b",
                label=text["facility_planned"],
            ),
            Line2D(
                [],
                [],
                ls="",
                marker="o",
                ms=8,
                mfc=_GOLD,
                mec="#7a5200",
                label=text["facility_demonstration"],
            ),
            Line2D(
                [],
                [],
                ls="",
                marker="o",
                ms=8,
                mfc=_PURPLE,
                mec="#3f007d",
                label=text["facility_existing"],
            ),
            Patch(fc="#e66101", alpha=0.35, ec="#b35806", label=text["hazard_buffer"]),
            Line2D([], [], color="#252525", lw=1.2, label=text["layer_districts"]),
        ]
        ax.legend(
            handles=handles,
            title=text["legend"],
            loc="upper left",
            bbox_to_anchor=(1.01, 1.0),
            fontsize=9,
            title_fontsize=10,
            framealpha=0.9,
            fancybox=False,
            edgecolor="#555555",
        )
        # scale bar (lower left) and north arrow (upper right), in data units (metres)
        x0, x1 = ax.get_xlim()
        y0, y1 = ax.get_ylim()
        width, height = x1 - x0, y1 - y0
        length = _nice_length(width)
        bx, by, bh = x0 + 0.04 * width, y0 + 0.05 * height, 0.008 * height
        for k in range(4):
            ax.add_patch(
                Rectangle(
                    (bx + k * length / 4, by),
                    length / 4,
                    bh,
                    fc="black" if k % 2 == 0 else "white",
                    ec="black",
                    lw=0.6,
                    zorder=7,
                )
            )
        unit, scale = ("km", 1000.0) if length >= 1000 else ("m", 1.0)
        for k, pos in ((0, 0.0), (2, 0.5), (4, 1.0)):
            ax.text(
                bx + pos * length,
                by + 2 * bh,
                f"{k * length / 4 / scale:g}",
                ha="center",
                va="bottom",
                fontsize=8,
                zorder=7,
            )
        ax.text(
            bx + length + 0.01 * width,
            by + bh / 2,
            unit,
            ha="left",
            va="center",
            fontsize=8,
            zorder=7,
        )
        nx, ny = x1 - 0.05 * width, y1 - 0.14 * height
        ax.add_patch(
            FancyArrow(
                nx,
                ny,
                0,
                0.07 * height,
                width=0.012 * width,
                head_width=0.03 * width,
                head_length=0.035 * height,
                length_includes_head=True,
                fc="black",
                ec="black",
                zorder=7,
            )
        )
        ax.text(
            nx,
            ny + 0.08 * height,
            "北" if language == "zh" else "N",
            ha="center",
            va="bottom",
            fontsize=13,
            zorder=7,
        )
        if crs is not None:
            epsg = crs.to_epsg()
            ax.text(
                1.0,
                -0.01,
                f"EPSG:{epsg}" if epsg else crs.name,
                transform=ax.transAxes,
                ha="right",
                va="top",
                fontsize=7,
                color="#555555",
            )
        fig.tight_layout()
        path = Path(path)
        fig.savefig(path, dpi=dpi, format="jpg", pil_kwargs={"quality": 90, "dpi": (dpi, dpi)})
        plt.close(fig)
    return path


# --------------------------------------------------------------------------- all of them
