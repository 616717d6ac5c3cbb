"""Comparing two plan runs: what changed from run A to run B, as Markdown."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from siting.report._access import access_labels
from siting.report._assumptions import flatten_scenario
from siting.report._document import _md_table
from siting.report._format import (
    _fmt_delta,
    _fmt_points,
    _num,
    _pct,
    as_number,
    county_reason,
    currency_of,
    format_status,
    is_true,
    name_and_id,
)
from siting.report._labels import labels
from siting.report._output import (
    ACQUISITION_MODES,
    _district_rows,
    read_plan_output,
)

if TYPE_CHECKING:
    import geopandas as gpd


def _records_by(frame: gpd.GeoDataFrame | None, column: str) -> dict[str, Mapping[str, Any]]:
    """A layer's attributes, row by row, keyed by ``column``; empty without the layer or column."""
    if frame is None or column not in frame.columns:
        return {}
    plain = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    return {str(r[column]): r for r in plain.to_dict("records")}


def _digits(key: str, *values: float | None) -> int:
    """Decimals to print ``key``'s values with: 2 for a ratio per 1,000 people, none for
    a cost or for whole numbers (slots of facilities, counts), 1 for fractional slots
    or people (the raw requirement, slots served)."""
    if key.endswith("_per_1000"):
        return 2
    if key == "cost" or key.startswith("cost_"):
        return 0
    whole = all(v is None or abs(v - round(v)) < 1e-6 for v in values)
    return 0 if whole else 1


def _side_by_side(key: str, a: Any, b: Any) -> list[str]:
    """``key``, A, B and B − A, each value printed to the decimals it needs
    (:func:`_digits`) and the difference that of the values as printed."""
    digits = _digits(key, as_number(a), as_number(b))
    return [key, _num(a, digits), _num(b, digits), _fmt_delta(a, b, digits)]


_FAILED_TOTALS = ("failed_counties", "failed_county_existing")
"""The totals a partitioned run keeps beside the plan's: the counties without a plan's
areas and standing facilities (:mod:`siting.province.merge`)."""


def _without_plan(run: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """The counties of a partitioned run that have no plan, by id (none for a single run)."""
    counties = run.get("counties") or []
    return {
        str(c.get("district_id")): c
        for c in counties
        if isinstance(c, Mapping) and c.get("reason") not in (None, "")
    }


def _area_reason(row: Mapping[str, Any], text: Mapping[str, str]) -> str:
    """Why an area is short, in the comparison's language; that its county has no plan
    when it is not short."""
    reason = str(row.get("shortfall_reason", "") or "")
    if reason:
        return text.get(f"reason_{reason}", reason)
    return text["in_failed_county"] if is_true(row.get("in_failed_county")) else "–"


def compare_runs(dir_a: str | Path, dir_b: str | Path, *, language: str = "zh") -> str:
    """Say what changed between two plan runs, as Markdown.

    Parameters
    ----------
    dir_a, dir_b
        The two output folders (A is the reference; differences are B − A).
    language
        ``"zh"`` (default) or ``"en"``.

    Returns
    -------
    str
        Markdown: totals side by side with differences, slots per 1,000 and
        demonstration facilities by district, facilities only in A, only in
        B, or in both with a different size, areas whose shortfall changed,
        and the scenario settings that differ.

    Raises
    ------
    InputError
        If either folder is not a plan output.
    """
    labels(language)  # a bad language fails before any file is read
    a = read_plan_output(dir_a, call="compare_runs")
    b = read_plan_output(dir_b, call="compare_runs")
    money_a, money_b = currency_of(a.run), currency_of(b.run)
    text = labels(language, currency=money_a if money_a == money_b else f"{money_a} / {money_b}")
    ta: Mapping[str, Any] = a.run.get("totals", {}) or {}
    tb: Mapping[str, Any] = b.run.get("totals", {}) or {}
    lines = [
        f"# {text['compare_title']}",
        "",
        f"- {text['run_a']}: `{a.out_dir}` — {format_status(a.run, language=language)}",
        f"- {text['run_b']}: `{b.out_dir}` — {format_status(b.run, language=language)}",
        "",
        f"## {text['totals']}",
        "",
    ]
    rows = []
    keys = [
        "required_slots",
        "planned_slots",
        "served_slots",
        "shortfall_slots",
        "migrant_slots",
        "affordable_share",
        "cost",
        "population",
    ]
    keys += [k for k in {**ta, **tb} if k not in keys and k != "cost_by_acquisition"]
    for key in keys:
        va, vb = ta.get(key), tb.get(key)
        if isinstance(va, Mapping) or isinstance(vb, Mapping):
            continue
        if key.endswith("_share"):
            change = _fmt_points(va, vb)
            points = access_labels(language)["points"]
            rows.append(
                [key, _pct(va), _pct(vb), change if change == "–" else f"{change} {points}"]
            )
        else:
            rows.append(_side_by_side(key, va, vb))
    ma: Mapping[str, Any] = ta.get("cost_by_acquisition", {}) or {}
    mb: Mapping[str, Any] = tb.get("cost_by_acquisition", {}) or {}
    for mode in [m for m in ACQUISITION_MODES if m in ma or m in mb] + [
        m for m in {**ma, **mb} if m not in ACQUISITION_MODES
    ]:
        # a mode one plan does not use costs it nothing: the modes' differences add up
        rows.append(_side_by_side(f"cost_by_acquisition.{mode}", ma.get(mode, 0), mb.get(mode, 0)))
    demo_a, demo_b = ta.get("demonstration"), tb.get("demonstration")
    for item in [i for i in ("count", "cost", "premium") if i in (demo_a or demo_b or {})]:
        # a plan without the rule (demonstration_per_district = 0) holds 0; a run.json
        # written before siting said it holds none: "–", not a 0 it never said
        va, vb = (None if d is None else d.get(item) for d in (demo_a, demo_b))
        rows.append(_side_by_side(f"demonstration.{item}", va, vb))
    for key in _FAILED_TOTALS:  # beside the totals: a run with every county planned has 0
        fa_, fb_ = ta.get(key) or {}, tb.get(key) or {}
        for item in {**fa_, **fb_}:
            rows.append(_side_by_side(f"{key}.{item}", fa_.get(item, 0), fb_.get(item, 0)))
    lines += _md_table([text["item"], text["run_a"], text["run_b"], text["difference"]], rows)

    # districts
    da, db = _district_rows(a), _district_rows(b)
    lines += [f"## {text['by_district']}", ""]
    ia = {str(r["district_id"]): r for r in da.to_dict("records")}
    ib = {str(r["district_id"]): r for r in db.to_dict("records")}
    without = {"a": _without_plan(a.run), "b": _without_plan(b.run)}
    rows = []
    for did in sorted(set(ia) | set(ib) | set(without["a"]) | set(without["b"])):
        ra, rb = ia.get(did, {}), ib.get(did, {})
        name = ra.get("name") or rb.get("name") or ""
        ratio = _side_by_side("slots_per_1000", ra.get("slots_per_1000"), rb.get("slots_per_1000"))
        demonstration = [_num(ra.get("demonstration_count")), _num(rb.get("demonstration_count"))]
        for k, run in enumerate(("a", "b")):
            if did in without[run]:  # its row is empty: say why
                ratio[1 + k], ratio[3], demonstration[k] = text["no_plan"], "–", "–"
        rows.append([name_and_id(name, did), *ratio[1:], *demonstration])
    lines += _md_table(
        [
            text["district"],
            f"{text['slots_per_1000']} A",
            f"{text['slots_per_1000']} B",
            text["difference"],
            f"{text['demonstration_count']} A",
            f"{text['demonstration_count']} B",
        ],
        rows,
    )
    names = {**{str(k): v for k, v in ib.items()}, **{str(k): v for k, v in ia.items()}}
    said = [
        text["compare_no_plan"].format(
            run=text[f"run_{run}"],
            county=name_and_id(names.get(did, {}).get("name"), did),
            reason=county_reason(county, text),
        )
        for run in ("a", "b")
        for did, county in without[run].items()
    ]
    if said:
        lines += [*(f"- {line}" for line in said), ""]

    # facilities
    fa, fb = _records_by(a.facilities, "site_id"), _records_by(b.facilities, "site_id")

    def describe(row: Mapping[str, Any]) -> list[str]:
        return [
            str(row.get("site_id", "")),
            str(row.get("name", "")),
            str(row.get("option", "") or ""),
            _num(row.get("slots")),
            text.get(str(row.get("acquisition", "")), str(row.get("acquisition", ""))),
            _num(row.get("cost")),
        ]

    fac_headers = [
        text["site_id"],
        text["name"],
        text["option"],
        text["slots"],
        text["acquisition"],
        text["cost"],
    ]
    for title_key, ids, source in (
        ("facilities_only_a", sorted(set(fa) - set(fb)), fa),
        ("facilities_only_b", sorted(set(fb) - set(fa)), fb),
    ):
        lines += [f"## {text[title_key]}", ""]
        if ids:
            lines += _md_table(fac_headers, [describe(source[i]) for i in ids])
        else:
            lines += [text["none"], ""]
    changed = [
        i
        for i in sorted(set(fa) & set(fb))
        if str(fa[i].get("option")) != str(fb[i].get("option"))
        or _num(fa[i].get("slots")) != _num(fb[i].get("slots"))
    ]
    lines += [f"## {text['facilities_changed']}", ""]
    if changed:
        lines += _md_table(
            [
                text["site_id"],
                text["name"],
                f"{text['option']} A",
                f"{text['option']} B",
                f"{text['slots']} A",
                f"{text['slots']} B",
            ],
            [
                [
                    i,
                    str(fb[i].get("name", "")),
                    str(fa[i].get("option", "") or ""),
                    str(fb[i].get("option", "") or ""),
                    _num(fa[i].get("slots")),
                    _num(fb[i].get("slots")),
                ]
                for i in changed
            ],
        )
    else:
        lines += [text["none"], ""]

    # areas
    aa, ab = _records_by(a.areas, "area_id"), _records_by(b.areas, "area_id")
    rows = []
    for aid in sorted(set(aa) | set(ab)):
        ra, rb = aa.get(aid, {}), ab.get(aid, {})
        shown = _side_by_side(
            "shortfall_slots", ra.get("shortfall_slots"), rb.get("shortfall_slots")
        )
        if shown[1] == shown[2]:
            continue
        rows.append(
            [
                name_and_id(ra.get("name") or rb.get("name"), aid),
                *shown[1:],
                _area_reason(ra, text),
                _area_reason(rb, text),
            ]
        )
    lines += [f"## {text['areas_changed']}", ""]
    if rows:
        lines += _md_table(
            [
                text["name"],
                f"{text['shortfall_slots']} A",
                f"{text['shortfall_slots']} B",
                text["difference"],
                f"{text['shortfall_reason']} A",
                f"{text['shortfall_reason']} B",
            ],
            rows,
        )
    else:
        lines += [text["none"], ""]

    # scenario
    sa_flat = flatten_scenario(a.run.get("scenario", {}) or {})
    sb_flat = flatten_scenario(b.run.get("scenario", {}) or {})
    rows = [
        [key, sa_flat.get(key, "–"), sb_flat.get(key, "–")]
        for key in [*sa_flat, *[k for k in sb_flat if k not in sa_flat]]
        if sa_flat.get(key) != sb_flat.get(key)
    ]
    lines += [f"## {text['scenario_changed']}", ""]
    if rows:
        lines += _md_table([text["key"], text["run_a"], text["run_b"]], rows)
    else:
        lines += [text["none"], ""]
    return "\n".join(lines).rstrip() + "\n"
