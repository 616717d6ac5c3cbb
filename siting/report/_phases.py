"""A phased plan's years in the report: a table of the years, and per year a table and a chart.

A run with ``[[phases]]`` (:mod:`siting.phasing`) writes one ``districts.csv``
row per district and year and a ``phases`` list in ``run.json``; this module
turns them into report blocks, with labels of its own (Chinese and English).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from siting.report._charts import _svg_bars_with_targets, _svg_hbars
from siting.report._document import Block, _Chart, _Table
from siting.report._format import _num, _pct, name_and_id

_PHASE_LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "phases": "分年度实施",
        "phases_note": (
            "各年度在同一个模型中统筹求解：先依年份顺序使每年的缺口最小，再使各年支出的现值最小，"
            "最后使步行距离最短。当年新建的机构此后一直开放；现有机构可在某一年扩建一次。"
        ),
        "phase_year": "年份",
        "phase_rules": "当年执行的规则",
        "phase_target": "目标（占最终千人指标）",
        "phase_budget": "当年预算",
        "phase_spent": "当年支出",
        "phase_cost_to_date": "累计支出",
        "phase_opened": "当年新建/扩建",
        "phase_demo_missing": "缺示范性机构的区县",
        "phase_status": "缺口求解状态",
        "phase_year_heading": "{year} 年分区县",
        "phase_chart": "{year} 年分区县千人托位",
        "phase_spending_chart": "各年度支出",
        "rule_ratios": "千人指标",
        "rule_demonstration": "示范性机构",
        "rule_affordable": "普惠比例",
        "year_all": "全部年份",
        "year_by": "至 {year} 年",
        "opening_year": "开设/扩建年份",
        "no_limit": "不限",
    },
    "en": {
        "phases": "Phasing by year",
        "phases_note": (
            "The years are solved as one model: first each year's shortfall, earliest "
            "first, then the present value of what the years spend, then the walking "
            "distance. A facility opened in a year stays open in later years; an "
            "existing facility may expand once, in any year."
        ),
        "phase_year": "Year",
        "phase_rules": "Rules in force",
        "phase_target": "Target (share of the final ratios)",
        "phase_budget": "Budget of the year",
        "phase_spent": "Spent in the year",
        "phase_cost_to_date": "Spent to date",
        "phase_opened": "Opened or expanded",
        "phase_demo_missing": "Districts without a demonstration facility",
        "phase_status": "Shortfall stage",
        "phase_year_heading": "Districts in {year}",
        "phase_chart": "Slots per 1,000 by district, {year}",
        "phase_spending_chart": "Spending by year",
        "rule_ratios": "ratios",
        "rule_demonstration": "demonstration",
        "rule_affordable": "affordable share",
        "year_all": "All years",
        "year_by": "By {year}",
        "opening_year": "Opening or expansion year",
        "no_limit": "no limit",
    },
}


def phase_labels(language: str = "zh") -> Mapping[str, str]:
    """The labels of a phased plan's report section and map filter.

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
    >>> phase_labels("en")["year_by"].format(year=2020)
    'By 2020'
    """
    return _PHASE_LABELS.get(language, _PHASE_LABELS["en"])


def _target(phase: Mapping[str, Any]) -> str:
    if "ratios" not in (phase.get("rules") or []):
        return "0"
    ratios = phase.get("ratios") or {}
    if ratios:
        return ", ".join(f"{k} {float(v):g}" for k, v in ratios.items())
    share = phase.get("share")
    return _pct(1.0 if share is None else share, 0)


def last_year_rows(table: pd.DataFrame | None) -> pd.DataFrame | None:
    """A phased plan's ``districts.csv`` cut to its last year (the plan's final state).

    Parameters
    ----------
    table
        ``districts.csv`` as read, with or without a ``year`` column.

    Returns
    -------
    pandas.DataFrame or None
        The table itself without ``year``; else the last year's rows.
    """
    if table is None or "year" not in table.columns or table.empty:
        return table
    years = pd.to_numeric(table["year"], errors="coerce")
    return table[years == years.max()].reset_index(drop=True)


def phase_blocks(
    run: Mapping[str, Any],
    table: pd.DataFrame | None,
    text: Mapping[str, str],
    *,
    language: str,
    national: float | None,
) -> list[Block]:
    """The report's section on a phased plan; empty for a plan without phases.

    Parameters
    ----------
    run
        ``run.json``.
    table
        ``districts.csv`` with its ``year`` column.
    text
        The report's labels (:func:`siting.report.labels`).
    language
        ``"zh"`` or ``"en"``.
    national
        The national target per 1,000, drawn on the charts.

    Returns
    -------
    list
        Report blocks.
    """
    phases = run.get("phases") or []
    if not phases:
        return []
    own = phase_labels(language)
    blocks: list[Block] = [("h2", own["phases"]), ("p", own["phases_note"])]
    rows = []
    for p in phases:
        budget = p.get("budget")
        rows.append(
            [
                str(p.get("year")),
                ", ".join(own.get(f"rule_{r}", str(r)) for r in p.get("rules") or []) or "–",
                _target(p),
                _num(budget) if budget is not None else own["no_limit"],
                _num(p.get("spent")),
                _num(p.get("cost_to_date")),
                _num(p.get("required_slots")),
                _num(p.get("served_slots")),
                _num(p.get("shortfall_slots")),
                _num(p.get("planned_slots")),
                _num(p.get("facilities_opened")),
                ", ".join(map(str, p.get("demonstration_missing") or [])) or "–",
                str(p.get("shortfall_stage_status") or "–"),
            ]
        )
    headers = [
        own["phase_year"],
        own["phase_rules"],
        own["phase_target"],
        own["phase_budget"],
        own["phase_spent"],
        own["phase_cost_to_date"],
        text["required_slots"],
        text["served_slots"],
        text["shortfall_slots"],
        text["planned_slots"],
        own["phase_opened"],
        own["phase_demo_missing"],
        own["phase_status"],
    ]
    numeric = (False, False, False, *([True] * 8), False, False)
    blocks.append(("table", _Table(headers, rows, numeric)))
    spending = _svg_hbars(
        [str(p.get("year")) for p in phases],
        [float(p.get("spent") or 0.0) for p in phases],
        title=own["phase_spending_chart"],
        unit_divisor=10_000.0,
        unit=text["unit_10k_cny"],
    )
    blocks.append(
        ("chart", _Chart(spending, "report_phase_spending.svg", own["phase_spending_chart"]))
    )
    if table is None or "year" not in table.columns:
        return blocks
    for p in phases:
        year = p.get("year")
        rows_year = table[pd.to_numeric(table["year"], errors="coerce") == year]
        if rows_year.empty:
            continue
        blocks.append(("h2", own["phase_year_heading"].format(year=year)))
        body = [
            [
                name_and_id(d.get("name"), d.get("district_id", "")),
                _num(d.get("required_slots")),
                _num(d.get("planned_slots")),
                _num(d.get("served_slots")),
                _num(d.get("shortfall_slots")),
                _num(d.get("slots_per_1000"), 2),
                _num(d.get("target_per_1000"), 2),
                _num(d.get("demonstration_count")),
                _num(d.get("spent")),
                _num(d.get("cost")),
            ]
            for _, d in rows_year.iterrows()
        ]
        blocks.append(
            (
                "table",
                _Table(
                    [
                        text["district"],
                        text["required_slots"],
                        text["planned_slots"],
                        text["served_slots"],
                        text["shortfall_slots"],
                        text["slots_per_1000"],
                        text["target_per_1000"],
                        text["demonstration_count"],
                        own["phase_spent"],
                        own["phase_cost_to_date"],
                    ],
                    body,
                    (False, *([True] * 9)),
                ),
            )
        )
        title = own["phase_chart"].format(year=year)
        chart = _svg_bars_with_targets(
            [str(v) for v in rows_year.get("name", rows_year["district_id"])],
            [float(v) for v in pd.to_numeric(rows_year["slots_per_1000"], errors="coerce")],
            [float(v) for v in pd.to_numeric(rows_year["target_per_1000"], errors="coerce")],
            national=national,
            title=title,
            target_label=text["target"],
            national_label=text["national_target"],
        )
        blocks.append(("chart", _Chart(chart, f"report_phase_{year}_per_1000.svg", title)))
    return blocks
