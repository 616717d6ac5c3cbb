"""Numbers, shares, yes/no values and the solver status as planners read them."""

from __future__ import annotations

import math
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


def _fmt_delta(a: Any, b: Any, digits: int = 0) -> str:
    try:
        fa, fb = float(a), float(b)
    except (TypeError, ValueError):
        return "–"
    if math.isnan(fa) or math.isnan(fb):
        return "–"
    delta = fb - fa
    sign = "+" if delta > 0 else ""
    return f"{sign}{delta:,.{digits}f}"
