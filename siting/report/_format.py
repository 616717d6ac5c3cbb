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
