"""Numbers, shares, yes/no values and the solver status as planners read them."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from siting.report._labels import labels


def as_number(value: Any) -> float | None:
    """``value`` as a float, or ``None`` when it is missing (``None`` or NaN) or not a number."""
    if value is None:
        return None
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(x) else x


def is_true(value: Any) -> bool:
    """Read a yes/no field as written by GeoJSON, CSV or pandas (missing is no)."""
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return False
    return bool(value)


def not_a_number(value: Any) -> bool:
    """True for a present value that is not a number (text to show as it is)."""
    if value is None:
        return False
    try:
        float(value)
    except (TypeError, ValueError):
        return True
    return False


def currency_of(run: Mapping[str, Any]) -> str:
    """The currency a plan's costs are in, from ``run.json`` (``"CNY"`` for older runs).

    Examples
    --------
    >>> currency_of({"scenario": {"currency": "EUR"}}), currency_of({})
    ('EUR', 'CNY')
    """
    scenario = run.get("scenario") or {}
    return str(scenario.get("currency") or "CNY")


def _num(value: Any, digits: int = 0) -> str:
    """A number with thousands separators, or an en dash when missing."""
    x = as_number(value)
    if x is None:
        return str(value) if not_a_number(value) else "–"
    return f"{x:,.{digits}f}"


def _pct(value: Any, digits: int = 1) -> str:
    """A share as a percentage, or what :func:`_num` shows when it is missing."""
    x = as_number(value)
    return _num(value) if x is None else f"{100.0 * x:.{digits}f}%"


def name_and_id(name: Any, ident: Any) -> str:
    """``name (id)``, or the id alone when the name is missing or is the id itself.

    A feature without a name is named by its id (an OSM area ``osm/way/468699278``, the
    ``(none)`` district of a run without districts), which ``name (id)`` wrote twice.

    Examples
    --------
    >>> name_and_id("利州区", "510802"), name_and_id("osm/way/1", "osm/way/1")
    ('利州区 (510802)', 'osm/way/1')
    >>> name_and_id(None, "(none)"), name_and_id(float("nan"), "A1")
    ('(none)', 'A1')
    """
    missing = name is None or (isinstance(name, float) and math.isnan(name))
    shown = "" if missing else str(name).strip()
    ident = str(ident)
    return f"{shown} ({ident})" if shown and shown != ident else ident


def _bool(value: Any, text: Mapping[str, str]) -> str:
    return text["yes"] if is_true(value) else text["no"]


def format_status(run: Mapping[str, Any], *, language: str = "zh") -> str:
    """Say honestly what the solver proved, from ``run.json``.

    Parameters
    ----------
    run
        ``run.json`` as a dict (``status`` and ``gap`` are read).
    language
        ``"zh"`` or ``"en"``.

    Returns
    -------
    str
        For example "proven optimal" or "feasible, not proven optimal (gap 1.23%)".
    """
    text = labels(language)
    status = str(run.get("status", "error"))
    raw_gap = run.get("gap")
    gap = float(raw_gap) if isinstance(raw_gap, (int, float)) else None
    gap_text = _pct(gap, 2) if gap is not None else None
    if status == "optimal":
        if gap is not None and gap > 1e-9:
            return text["status_optimal_gap"].format(gap=gap_text)
        return text["status_optimal"]
    if status == "feasible":
        if gap_text is None:
            return text["status_feasible_nogap"]
        return text["status_feasible"].format(gap=gap_text)
    key = f"status_{status}"
    if key in text:
        return text[key]
    return text["status_other"].format(status=status)


def outcome(entry: Mapping[str, Any], text: Mapping[str, str]) -> str:
    """How one stage or county of ``run.json`` ended (its ``status``, and ``gap`` when
    feasible), in the words of ``text``; the status code itself where ``text`` has none."""
    status = str(entry.get("status", ""))
    if status == "feasible" and "run_feasible_gap" in text:
        gap = as_number(entry.get("gap"))
        if gap is None:
            return text["run_feasible_nogap"]
        return text["run_feasible_gap"].format(gap=_pct(gap, 2))
    return text.get(f"run_{status}", status)


def status_detail(run: Mapping[str, Any], *, language: str = "zh") -> str:
    """What the report's status line says after the status: how each stage or county ended.

    ``run.json`` keeps its ``message`` in English, a machine record, which an English
    report gives as it is. The message is made of codes ``run.json`` keeps too, so the
    other languages say it from them: each stage's status and gap
    (:func:`siting.solve._message`), or, for a partitioned run, the counties' statuses,
    the largest gap, the counties without a plan and why, and the border pass
    (:func:`siting.province.merge.merge_counties`, :mod:`siting.province.border`).

    Parameters
    ----------
    run
        ``run.json`` as a dict.
    language
        ``"zh"`` or ``"en"``.

    Returns
    -------
    str
        The detail, or ``""`` when there is none.

    Examples
    --------
    >>> run = {"message": "feasible, not proven optimal (shortfall: optimal; cost: feasible, "
    ...        "gap 0.46%)", "stages": [{"name": "shortfall", "status": "optimal"},
    ...        {"name": "cost", "status": "feasible", "gap": 0.0046}]}
    >>> status_detail(run, language="zh")
    '缺口最小化：已证明最优；费用最小化：可行解，间隙 0.46%'
    """
    if language == "en":
        return _message_after_status(run)
    text = labels(language)
    counties = [c for c in run.get("counties", []) or [] if isinstance(c, Mapping)]
    if counties:
        return _counties_detail(run, counties, text)
    stages = [s for s in run.get("stages", []) or [] if isinstance(s, Mapping)]
    return text["run_joiner"].join(
        text.get(f"stage_{s.get('name')}", f"{s.get('name')}: {{status}}").format(
            status=outcome(s, text)
        )
        for s in stages
    )


def _message_after_status(run: Mapping[str, Any]) -> str:
    """``run.json``'s English message without the status words the line already says.

    ``solve._message`` writes "proven optimal (shortfall: optimal; cost: optimal)"; after
    "Solver status: proven optimal" the report gives only what is in the parentheses
    (it said "proven optimal — proven optimal (shortfall: …)"). A message that does not
    begin with the status's words is given as it is; a partitioned run's without its
    first word, the status ("optimal in all 3 counties": "in all 3 counties").
    """
    message = str(run.get("message", "") or "").strip()
    status = str(run.get("status", ""))
    if run.get("partition") is not None and status in ("optimal", "feasible"):
        # a province's "optimal in all 3 counties", "feasible, largest county gap 0.46%"
        return re.sub(rf"^{status},? ", "", message)
    head, opening, rest = message.partition(" (")
    said = format_status(run, language="en")
    if opening and rest.endswith(")") and head and said.startswith(head):
        return rest[:-1]
    return message


def county_reason(county: Mapping[str, Any], text: Mapping[str, str]) -> str:
    """Why a county of a partitioned run has no plan, in the report's language.

    The words of ``text`` for the county's ``code`` (:data:`siting.province.engine.FAILURES`;
    a ``run.json`` written before the codes has its ``status`` alone), with the reason
    ``run.json`` records (the exception's English words) after them as a technical
    detail; without words for it (the English labels), the reason as recorded.

    Examples
    --------
    >>> county = {"status": "failed", "code": "infeasible", "reason": "solver: no plan"}
    >>> county_reason(county, labels("zh"))
    '模型无可行解：约束条件无法同时满足（技术细节：solver: no plan）'
    >>> county_reason(county, labels("en"))
    'solver: no plan'
    """
    reason = str(county.get("reason") or "")
    said = text.get(f"county_reason_{county.get('code')}") or text.get(
        f"county_reason_{county.get('status')}"
    )
    if said is None:
        return reason
    if county.get("status") == "no_sites" or not reason:
        return said
    return text["county_reason_detail"].format(reason=said, detail=reason)


def _counties_detail(
    run: Mapping[str, Any], counties: list[Mapping[str, Any]], text: Mapping[str, str]
) -> str:
    """:func:`status_detail` of a partitioned run, as :mod:`siting.province.merge` and
    :mod:`siting.province.border` word ``message`` in English."""
    failed = [c for c in counties if c.get("status") not in ("optimal", "feasible")]
    if failed:
        return text["counties_partial"].format(
            planned=len(counties) - len(failed),
            n=len(counties),
            failed=text["run_joiner"].join(
                text["county_no_plan"].format(
                    id=c.get("district_id"), reason=county_reason(c, text)
                )
                for c in failed
            ),
        )
    if any(c.get("status") != "optimal" for c in counties):
        return text["counties_feasible"].format(gap=_pct(run.get("gap"), 2))
    border: Mapping[str, Any] = run.get("border") or {}
    if border.get("status", "optimal") != "optimal":
        return text["border_not_optimal"].format(
            parts=_num(border.get("parts")),
            optimal=_num(border.get("parts_optimal")),
            changed=_num(border.get("parts_changed")),
        )
    return text["counties_optimal"].format(n=len(counties))


def _fmt_delta(a: Any, b: Any, digits: int = 0) -> str:
    """B − A as the difference of the two values as :func:`_num` prints them.

    Each value is rounded to ``digits`` decimals first, so the difference shown
    is the difference of the values shown (13.50 and 11.71 differ by −1.79, not
    by the −1.79 of 13.497 and 11.706 printed as ``-2`` beside ``13`` and ``12``);
    a difference that prints as zero is ``0`` (never ``-0``), a rise has a ``+``.

    Examples
    --------
    >>> _fmt_delta(13.497, 11.706, 2), _fmt_delta(993.761, 994.458, 1)
    ('-1.79', '+0.7')
    >>> _fmt_delta(1072.98, 1072.97), _fmt_delta(0.4, 0.6), _fmt_delta(None, 3)
    ('0', '+1', '–')
    """
    fa, fb = as_number(a), as_number(b)
    if fa is None or fb is None:
        return "–"
    delta = float(f"{fb:.{digits}f}") - float(f"{fa:.{digits}f}")
    shown = f"{abs(delta):,.{digits}f}"
    if float(shown.replace(",", "")) == 0:
        return f"{0:.{digits}f}"
    return ("+" if delta > 0 else "-") + shown


def _fmt_points(a: Any, b: Any, digits: int = 1) -> str:
    """B − A of two shares, in percentage points, as :func:`_pct` prints them.

    Examples
    --------
    >>> _fmt_points(0.9167, 0.9073), _fmt_points(1.0, 0.99996), _fmt_points(0.5, None)
    ('-1.0', '0.0', '–')
    """
    fa, fb = as_number(a), as_number(b)
    if fa is None or fb is None:
        return "–"
    return _fmt_delta(100.0 * fa, 100.0 * fb, digits)
