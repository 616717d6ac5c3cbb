"""Access and life-circle coverage, before and after: the report's section and the labels of it.

The numbers come from ``run.json`` (``accessibility``, written by
:mod:`siting.lifecircle`) and from ``districts.csv``; the map's layers of the
same indicators use :func:`access_labels` too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from siting.errors import ScenarioError
from siting.report._charts import _svg_before_after
from siting.report._document import Block, _Chart, _Table
from siting.report._format import _fmt_delta, _fmt_points, _num, _pct, as_number
from siting.report._output import PlanOutput, _district_rows

_ACCESS_LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "access_heading": "可达性与生活圈覆盖（规划前后）",
        "indicator": "指标",
        "before": "规划前（现有机构）",
        "after": "规划后",
        "change": "变化",
        "points": "个百分点",
        "access_per_1000": "可达托位（E2SFCA，每千人）",
        "access_children_per_1000": "可达托位（E2SFCA，每千名3岁以下婴幼儿）",
        "walk_free": "步行{m}分钟内有空余托位的机构：居民占比",
        "migrant_walk_free": "步行{m}分钟内有空余托位的机构：流动人口占比",
        "walk_any": "步行{m}分钟内有托育机构：居民占比",
        "migrant_walk_any": "步行{m}分钟内有托育机构：流动人口占比",
        "desert_areas": "托育荒漠居住区（个）",
        "desert_population": "托育荒漠居住区人口",
        "facilities_with_free_slots": "有空余托位的机构（个）",
        "access_note": (
            "可达托位按增强两步移动搜索法（E2SFCA，Luo & Qi 2009）计算：步行{bands}，"
            "权重{weights}（步速{speed:g}米/分钟）。某机构在其步行范围内的需求按托位×权重"
            "比例分配后仍剩至少1个托位，即为“有空余托位”。可达托位低于{threshold}的居住区"
            "为托育荒漠。"
        ),
        "desert_default": "其目标千人指标的一半",
        "access_chart": "分区县可达托位（每千人），规划前后",
        "coverage_chart": "步行可达有空余托位机构的居民占比，规划前后",
        "minutes": "{m}分钟",
        "band": "{minutes}（{m}米）",
        "joiner": "、",
        "layer_access_before": "可达托位（规划前）",
        "layer_access_after": "可达托位（规划后）",
        "layer_circle_before": "生活圈覆盖（规划前）",
        "layer_circle_after": "生活圈覆盖（规划后）",
        "layer_deserts": "托育荒漠",
        "circle_within": "多数居民{m}分钟内有空余托位",
        "circle_none": "多数居民{m}分钟内无空余托位",
        "desert_after": "规划后仍为托育荒漠",
        "desert_lifted": "规划消除的托育荒漠",
        "access_meets": "达到目标千人指标",
        "access_half": "达到目标的一半以上",
        "access_desert": "低于荒漠阈值",
    },
    "en": {
        "access_heading": "Access and life-circle coverage, before and after",
        "indicator": "Indicator",
        "before": "Before (existing facilities)",
        "after": "After (the plan)",
        "change": "Change",
        "points": "pp",
        "access_per_1000": "Slots within reach per 1,000 (E2SFCA)",
        "access_children_per_1000": "Slots within reach per 1,000 children under 3 (E2SFCA)",
        "walk_free": "Residents within {m} min of a facility with free slots",
        "migrant_walk_free": "Migrants within {m} min of a facility with free slots",
        "walk_any": "Residents within {m} min of any facility",
        "migrant_walk_any": "Migrants within {m} min of any facility",
        "desert_areas": "Childcare desert areas",
        "desert_population": "People in childcare desert areas",
        "facilities_with_free_slots": "Facilities with free slots",
        "access_note": (
            "Slots within reach are the enhanced two-step floating catchment score "
            "(E2SFCA, Luo & Qi 2009) on walks of {bands}, weighing {weights} (walking at "
            "{speed:g} m/min). A facility has free slots when at least one slot is left after "
            "the demand within its walk picks facilities in proportion to slots × weight. An "
            "area below {threshold} is a childcare desert."
        ),
        "desert_default": "half its target ratio",
        "access_chart": "Slots within reach per 1,000 by district, before and after",
        "coverage_chart": "Residents within a walk of a facility with free slots",
        "minutes": "{m} min",
        "band": "{minutes} ({m} m)",
        "joiner": ", ",
        "layer_access_before": "Access before (slots per 1,000)",
        "layer_access_after": "Access after (slots per 1,000)",
        "layer_circle_before": "Life circle before",
        "layer_circle_after": "Life circle after",
        "layer_deserts": "Childcare deserts",
        "circle_within": "most residents within {m} min of free slots",
        "circle_none": "most residents beyond {m} min of free slots",
        "desert_after": "still a childcare desert after the plan",
        "desert_lifted": "a desert the plan lifts",
        "access_meets": "meets the target ratio",
        "access_half": "above half the target",
        "access_desert": "below the desert threshold",
    },
}


def access_labels(language: str = "zh") -> Mapping[str, str]:
    """The label strings of the access section and map layers.

    Parameters
    ----------
    language
        ``"zh"`` or ``"en"``.

    Returns
    -------
    Mapping
        Label key → text.

    Examples
    --------
    >>> access_labels("en")["layer_deserts"]
    'Childcare deserts'
    """
    if language not in _ACCESS_LABELS:
        raise ScenarioError(f"language must be one of {sorted(_ACCESS_LABELS)}, got {language!r}")
    return _ACCESS_LABELS[language]


def _minutes(value: Any) -> str:
    return f"{float(value):g}"


def _access_blocks(out: PlanOutput, *, language: str) -> list[Block]:
    """The before/after table, its note and two charts; nothing for a run without them."""
    acc: Mapping[str, Any] = out.run.get("accessibility", {}) or {}
    if not acc or "before" not in acc or "after" not in acc:
        return []
    t = access_labels(language)
    before: Mapping[str, Any] = acc["before"]
    after: Mapping[str, Any] = acc["after"]
    minutes = [_minutes(m) for m in acc.get("life_circle_minutes", [])]

    rows: list[list[str]] = []

    def number(label: str, a: Any, b: Any, digits: int) -> None:
        rows.append([label, _num(a, digits), _num(b, digits), _fmt_delta(a, b, digits)])

    def share(label: str, a: Any, b: Any) -> None:
        change = _fmt_points(a, b)
        change = f"{change} {t['points']}" if change != "–" else change
        rows.append([label, _pct(a), _pct(b), change])

    number(t["access_per_1000"], before.get("access_per_1000"), after.get("access_per_1000"), 2)
    if before.get("access_children_per_1000") is not None:
        number(
            t["access_children_per_1000"],
            before.get("access_children_per_1000"),
            after.get("access_children_per_1000"),
            2,
        )
    for kind in ("walk_free", "migrant_walk_free", "walk_any", "migrant_walk_any"):
        for m in minutes:
            key = f"{kind}_{m}min"
            share(t[kind].format(m=m), before.get(key), after.get(key))
    number(t["desert_areas"], before.get("desert_areas"), after.get("desert_areas"), 0)
    number(
        t["desert_population"], before.get("desert_population"), after.get("desert_population"), 0
    )
    free: Mapping[str, Any] = acc.get("facilities_with_free_slots", {}) or {}
    total: Mapping[str, Any] = acc.get("facilities", {}) or {}
    if free:
        rows.append(
            [
                t["facilities_with_free_slots"],
                f"{_num(free.get('before'))} / {_num(total.get('before'))}",
                f"{_num(free.get('after'))} / {_num(total.get('after'))}",
                _fmt_delta(free.get("before"), free.get("after")),
            ]
        )
    bands: Sequence[Sequence[float]] = acc.get("bands_m", []) or []
    threshold = acc.get("desert_per_1000")
    note = t["access_note"].format(
        bands=t["joiner"].join(
            t["band"].format(minutes=t["minutes"].format(m=m), m=_num(b[0]))
            for m, b in zip(minutes, bands, strict=False)
        ),
        weights=t["joiner"].join(f"{b[1]:g}" for b in bands),
        speed=float(acc.get("walking_speed_m_per_min", 0.0) or 0.0),
        threshold=t["desert_default"] if as_number(threshold) is None else _num(threshold, 2),
    )
    blocks: list[Block] = [
        ("h2", t["access_heading"]),
        (
            "table",
            _Table(
                [t["indicator"], t["before"], t["after"], t["change"]],
                rows,
                (False, True, True, True),
            ),
        ),
        ("p", note),
    ]

    districts = _district_rows(out)
    if {"access_before_per_1000", "access_after_per_1000"} <= set(districts.columns) and len(
        districts
    ):
        names = [str(v) for v in districts.get("name", districts["district_id"])]
        chart = _svg_before_after(
            names,
            [float(v) for v in pd.to_numeric(districts["access_before_per_1000"], errors="coerce")],
            [float(v) for v in pd.to_numeric(districts["access_after_per_1000"], errors="coerce")],
            title=t["access_chart"],
            before_label=t["before"],
            after_label=t["after"],
        )
        blocks.append(("chart", _Chart(chart, "report_access_per_1000.svg", t["access_chart"])))
    if minutes:

        def value(state: Mapping[str, Any], m: str) -> float:
            x = as_number(state.get(f"walk_free_{m}min"))
            return float("nan") if x is None else x

        chart = _svg_before_after(
            [t["minutes"].format(m=m) for m in minutes],
            [value(before, m) for m in minutes],
            [value(after, m) for m in minutes],
            title=t["coverage_chart"],
            before_label=t["before"],
            after_label=t["after"],
            percent=True,
        )
        blocks.append(("chart", _Chart(chart, "report_life_circles.svg", t["coverage_chart"])))
    return blocks
