"""The plan report of one run: ``report.md`` and ``report.html`` with the same content."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from siting.outdir import note_written, write_whole
from siting.report._access import _access_blocks
from siting.report._assumptions import flatten_scenario, source_of
from siting.report._charts import _svg_bars_with_targets, _svg_hbars
from siting.report._document import Block, _Chart, _render_html, _render_md, _Table
from siting.report._format import (
    _bool,
    _num,
    _pct,
    county_reason,
    currency_of,
    format_status,
    name_and_id,
    outcome,
    status_detail,
)
from siting.report._labels import labels
from siting.report._output import (
    ACQUISITION_MODES,
    PlanOutput,
    _district_rows,
    read_plan_output,
)
from siting.report._phases import phase_blocks
from siting.report._said import said_lines

logger = logging.getLogger(__name__)

_SLOTS = ("required_slots", "served_slots", "shortfall_slots")
"""The figures of ``totals["failed_counties"]`` the headline gives, in its order."""


def _column(frame: pd.DataFrame | None, name: str, default: Any = None) -> pd.Series:
    if frame is None:
        return pd.Series(dtype=object)
    if name in frame.columns:
        return frame[name]
    return pd.Series([default] * len(frame), index=frame.index, dtype=object)


def _distance_methods(method: str, text: Mapping[str, str]) -> str:
    """``run.json``'s ``distance_method`` in words: ``"network"``, ``"straight_line"``, or,
    when a partitioned run's counties measured differently, both joined by ``", "``
    (:func:`siting.province.merge`), each named in the report's language."""
    named = [text.get(part, part) for part in method.split(", ")]
    if len(named) == 1:
        return named[0]
    return text["distance_methods_by_county"].format(
        methods=text["distance_methods_joiner"].join(named)
    )


def _solvers(solvers: str, text: Mapping[str, str]) -> str:
    """``run.json``'s ``solver``, the cost search's parts (``highs 1.16.0 + local search +
    lagrangian``: :mod:`siting.search.stage`) named in the report's language."""
    return text["list_joiner"].join(
        " + ".join(text.get(f"solver_part_{part}", part) for part in solver.split(" + "))
        for solver in solvers.split(", ")
    )


def _worker(county: Mapping[str, Any], text: Mapping[str, str]) -> str:
    """Where a county was solved: a Dask worker's address, or this machine (``"local"``)."""
    worker = str(county.get("worker", ""))
    return text.get(f"worker_{worker}", worker)


def _district_names(districts: pd.DataFrame, text: Mapping[str, str]) -> dict[str, str]:
    """Each district as the report names it, ``利州区（510802）``, by its id (the id alone
    when the districts table gives it no name)."""
    names = {}
    for _, d in districts.iterrows():
        key = str(d.get("district_id", ""))
        name = d.get("name")
        named = isinstance(name, str) and name.strip() != ""
        names[key] = text["county_section"].format(name=name, id=key) if named else key
    return names


def _report_blocks(out: PlanOutput, *, language: str) -> tuple[str, list[Block]]:
    run = out.run
    text = labels(language, currency=currency_of(run))
    scenario: Mapping[str, Any] = run.get("scenario", {}) or {}
    totals: Mapping[str, Any] = run.get("totals", {}) or {}
    name = str(scenario.get("name", out.out_dir.name))
    title = f"{text['report_title']}{text['colon']}{name}"
    blocks: list[Block] = [("h1", title)]

    status_line = f"{text['solver_status']}{text['colon']}{format_status(run, language=language)}"
    detail = status_detail(run, language=language)
    if detail:
        status_line += f" — {detail}"
    blocks.append(("p", status_line))
    districts = _district_rows(out)
    names = _district_names(districts, text)  # 利州区（510802）, by id
    for stage in run.get("stages", []) or []:
        search = stage.get("search") if isinstance(stage, Mapping) else None
        if search:
            times = search.get("times_s", {})
            line = text["cost_search_line"].format(
                bound=_num(search.get("bound")),
                source=text.get(f"search_{search.get('bound_source')}", "–"),
                found=text.get(f"search_{search.get('found_by')}", "–"),
                ls=_num(times.get("local_search"), 1),
                lr=_num(times.get("lagrangian"), 1),
                lh=_num(times.get("lagrangian_plan", 0.0), 1),
                highs=_num(times.get("highs"), 1),
                rs=_num(times.get("region_search", 0.0), 1),
                rb=_num(times.get("region_bound", 0.0), 1),
            )
            county = stage.get("district_id")
            if county is not None:  # a partitioned run: a cost stage per county
                named = names.get(str(county), str(county))
                line = text["of_county"].format(county=named, line=line)
            blocks.append(("p", line))
    meta = []
    if run.get("solver"):
        meta.append(f"{text['solver']}{text['colon']}{_solvers(str(run['solver']), text)}")
    method = run.get("distance_method")
    if method:
        meta.append(
            f"{text['distance_method']}{text['colon']}{_distance_methods(str(method), text)}"
        )
    if meta:
        blocks.append(("p", text["semicolon"].join(meta)))

    # headline
    ratios: Mapping[str, Any] = scenario.get("ratios", {}) or {}
    national = ratios.get("national_target", 4.5)
    # the districts' people (planned population of new areas, residents of the others, and
    # migrants), so the city-wide ratio is the districts' ratios pooled
    district_people = pd.to_numeric(districts.get("population"), errors="coerce")
    population = (
        float(district_people.sum())
        if district_people is not None and district_people.notna().any()
        else totals.get("population")
    )
    planned = totals.get("planned_slots")
    required = totals.get("required_slots")
    overall = (
        1000.0 * float(planned) / float(population)
        if planned is not None and population not in (None, 0)
        else None
    )
    headline_rows = [
        [text["planned_vs_required"], f"{_num(planned)} / {_num(required)}"],
        [text["served_slots"], _num(totals.get("served_slots"))],
        [text["shortfall_slots"], _num(totals.get("shortfall_slots"))],
        *(
            [[text["failed_counties_slots"], " / ".join(_num(failed.get(k)) for k in _SLOTS)]]
            if (failed := totals.get("failed_counties"))
            else []
        ),
        [text["population"], _num(population)],
        [text["overall_per_1000"], _num(overall, 2)],
        [text["national_target"], _num(national, 1)],
        [text["migrant_slots"], _num(totals.get("migrant_slots"))],
        *(
            [[text["children_estimate"], _num(totals.get("children_estimate_slots"), 1)]]
            if totals.get("children_estimate_slots") is not None
            else []
        ),
        [text["affordable_share"], _pct(totals.get("affordable_share"))],
        [text["total_cost"], _num(totals.get("cost"))],
    ]
    rounding: Mapping[str, Any] = run.get("rounding", {}) or {}
    if rounding and not (scenario.get("demand", {}) or {}).get("round_up", False):
        rounded_note = text["rounding_raw"].format(
            per_district=_num(rounding.get("required_slots_rounded_per_district")),
            per_area=_num(rounding.get("required_slots_rounded_per_area")),
            raw=_num(rounding.get("required_slots_raw"), 1),
        )
    else:
        rounded_note = text["rounded_note"]
    blocks += [
        ("h2", text["headline"]),
        ("table", _Table([text["item"], text["value"]], headline_rows, (False, True))),
        ("p", rounded_note),
    ]
    blocks += _accounting_blocks(run, text)
    blocks += _county_blocks(run, text)
    blocks += phase_blocks(
        run,
        out.district_years,
        text,
        language=language,
        national=float(national) if national is not None else None,
    )

    # districts
    blocks.append(("h2", text["by_district"]))
    rows = []
    for _, d in districts.iterrows():
        spk, target = d.get("slots_per_1000"), d.get("target_per_1000")
        meets = (
            _bool(float(spk) >= float(target) - 1e-9, text)
            if spk is not None and target is not None and not pd.isna(spk) and not pd.isna(target)
            else "–"
        )
        rows.append(
            [
                name_and_id(d.get("name"), d.get("district_id", "")),
                _num(d.get("population")),
                _num(d.get("required_slots")),
                _num(d.get("planned_slots")),
                _num(spk, 2),
                _num(target, 2),
                meets,
                _num(d.get("demonstration_count")),
                _num(d.get("migrant_slots")),
                _num(d.get("affordable_slots")),
                _num(d.get("cost")),
                _num(d.get("residual_population")),
            ]
        )
    blocks.append(
        (
            "table",
            _Table(
                [
                    text["district"],
                    text["population"],
                    text["required_slots"],
                    text["planned_slots"],
                    text["slots_per_1000"],
                    text["target_per_1000"],
                    text["meets_target"],
                    text["demonstration_count"],
                    text["migrant_slots"],
                    text["affordable_slots"],
                    text["cost"],
                    text["residual_people"],
                ],
                rows,
                (False, *([True] * 5), False, *([True] * 5)),
            ),
        )
    )
    if not districts.empty:
        chart = _svg_bars_with_targets(
            [str(v) for v in districts.get("name", districts["district_id"])],
            [float(v) for v in pd.to_numeric(districts["slots_per_1000"], errors="coerce")],
            [float(v) for v in pd.to_numeric(districts["target_per_1000"], errors="coerce")],
            national=float(national) if national is not None else None,
            title=text["district_per_1000_chart"],
            target_label=text["target"],
            national_label=text["national_target"],
        )
        blocks.append(
            ("chart", _Chart(chart, "report_slots_per_1000.svg", text["district_per_1000_chart"]))
        )
    blocks += _access_blocks(out, language=language)
    blocks += _county_sections(run, districts, text)

    # cost by acquisition mode
    by_mode: Mapping[str, Any] = totals.get("cost_by_acquisition", {}) or {}
    modes = [m for m in ACQUISITION_MODES if m in by_mode] + [
        m for m in by_mode if m not in ACQUISITION_MODES
    ]
    total_cost = sum(float(by_mode[m] or 0.0) for m in modes)
    blocks.append(("h2", text["cost_by_mode"]))
    blocks.append(
        (
            "table",
            _Table(
                [text["mode"], text["cost"], text["share"]],
                [
                    [
                        f"{text.get(m, m)} ({m})",
                        _num(by_mode[m]),
                        _pct(float(by_mode[m] or 0.0) / total_cost if total_cost else None),
                    ]
                    for m in modes
                ],
                (False, True, True),
            ),
        )
    )
    if modes:
        chart = _svg_hbars(
            [text.get(m, m) for m in modes],
            [float(by_mode[m] or 0.0) for m in modes],
            title=text["cost_by_mode"],
            unit_divisor=10_000.0,
            unit=text["unit_10k_cny"],
        )
        blocks.append(("chart", _Chart(chart, "report_cost_by_mode.svg", text["cost_by_mode"])))

    # what the costs rest on: the parcels' own cost, or the land price
    by_basis: Mapping[str, Any] = totals.get("facilities_by_cost_basis", {}) or {}
    if by_basis:
        basis_cost: Mapping[str, Any] = totals.get("cost_by_cost_basis", {}) or {}
        blocks.append(("h2", text["cost_by_basis"]))
        blocks.append(
            (
                "table",
                _Table(
                    [text["cost_basis"], text["facility_count"], text["cost"]],
                    [
                        [text.get(f"basis_{b}", str(b)), _num(n), _num(basis_cost.get(b))]
                        for b, n in by_basis.items()
                    ],
                    (False, True, True),
                ),
            )
        )

    demo: Mapping[str, Any] = totals.get("demonstration") or {}
    if demo.get("count"):
        currency = "元" if language == "zh" and currency_of(run) == "CNY" else currency_of(run)
        blocks.append(
            (
                "p",
                text["demonstration_cost"].format(
                    count=_num(demo["count"]),
                    cost=_num(demo.get("cost")),
                    premium=_num(demo.get("premium")),
                    currency=currency,
                ),
            )
        )

    # shortfalls
    blocks.append(("h2", text["shortfalls"]))
    areas = out.areas
    short = pd.to_numeric(_column(areas, "shortfall_slots", 0), errors="coerce").fillna(0.0)
    gaps = areas[short > 0]
    if gaps.empty:
        blocks.append(("p", text["no_shortfall"]))
    else:
        gaps = gaps.assign(_short=short[short > 0]).sort_values("_short", ascending=False)
        rows = []
        for _, a in gaps.iterrows():
            reason = str(a.get("shortfall_reason", "") or "")
            rows.append(
                [
                    name_and_id(a.get("name"), a.get("area_id", "")),
                    text.get(f"status_{a.get('status', '')}", str(a.get("status", ""))),
                    str(a.get("district_id", "") or ""),
                    _num(a.get("required_slots")),
                    _num(a.get("served_slots")),
                    _num(a.get("shortfall_slots")),
                    _num(a.get("slots_per_1000"), 2),
                    _num(a.get("target_per_1000"), 2),
                    text.get(f"reason_{reason}", reason) if reason else "–",
                ]
            )
        blocks.append(
            (
                "table",
                _Table(
                    [
                        text["name"],
                        text["status"],
                        text["district"],
                        text["required_slots"],
                        text["served_slots"],
                        text["shortfall_slots"],
                        text["slots_per_1000"],
                        text["target_per_1000"],
                        text["shortfall_reason"],
                    ],
                    rows,
                    (False, False, False, True, True, True, True, True, False),
                ),
            )
        )

    unit = "元" if currency_of(run) == "CNY" else currency_of(run)
    findings, english = said_lines(
        run, "findings", text, language=language, districts=names, unit=unit
    )
    notes, english_notes = said_lines(
        run, "notes", text, language=language, districts=names, unit=unit
    )
    if findings:
        blocks += [("h2", text["findings"]), ("ul", findings)]
    if notes:
        blocks += [("h2", text["notes"]), ("ul", notes)]
    if english + english_notes:  # said only in English (siting.report._said)
        blocks += [("h2", text["notes_english"]), ("ul", english + english_notes)]

    # assumptions
    flat = flatten_scenario({k: v for k, v in scenario.items() if k != "inputs"}, language=language)
    blocks += [
        ("h2", text["assumptions"]),
        (
            "table",
            _Table(
                [text["key"], text["value"], text["source"]],
                [[k, v, source_of(k, language=language)] for k, v in flat.items()],
            ),
        ),
    ]
    inputs: Mapping[str, Any] = run.get("inputs", {}) or {}
    if inputs:
        rows = []
        for layer, spec in inputs.items():
            if isinstance(spec, Mapping):
                path, sha256 = str(spec.get("path", "")), str(spec.get("sha256", ""))
                taken = [f"{k} {spec[k]}" for k in ("layer", "where") if spec.get(k)]
                if taken:  # a piece's layer, the features of the file the run took
                    path += f" ({', '.join(taken)})"
            else:
                path, sha256 = str(spec), ""
            role, number = _piece_of(str(layer))
            rows.append([text.get(f"input_{role}", role) + number, path, sha256])
        blocks += [
            ("h2", text["inputs"]),
            ("table", _Table([text["key"], text["path"], text["sha256"]], rows)),
        ]
    return title, blocks


def _piece_of(role: str) -> tuple[str, str]:
    """An input's role and its piece's number: ``("areas", " [2]")`` for the second piece
    of a layer in pieces (run.json's ``areas[2]``), ``("areas", "")`` for ``areas``."""
    name, bracket, rest = role.partition("[")
    return (name, f" [{rest}") if bracket and rest[:-1].isdigit() else (role, "")


def _county_blocks(run: Mapping[str, Any], text: Mapping[str, str]) -> list[Block]:
    """The counties of a partitioned run: status, gap, time and worker of each."""
    counties = run.get("counties")
    if not counties:
        return []
    rows = [
        [
            str(c["district_id"]),
            text.get(f"run_{c['status']}", str(c["status"]))
            + (f" {text['county_reused']}" if c.get("reused") else ""),
            _pct(c.get("gap"), 2) if c.get("gap") is not None else "–",
            _num(c.get("seconds"), 1),
            _worker(c, text),
            _num(c.get("facilities")),
            _num(c.get("cost")),
            county_reason(c, text) if c.get("reason") else "",
        ]
        for c in counties
    ]
    headers = [
        text["district"],
        text["county_status"],
        text["county_gap"],
        text["county_seconds"],
        text["county_worker"],
        text["county_facilities"],
        text["total_cost"].format(currency=currency_of(run)),
        text["county_reason"],
    ]
    numeric = (False, False, True, True, False, True, True, False)
    blocks: list[Block] = [("h2", text["by_county"]), ("table", _Table(headers, rows, numeric))]
    border = run.get("border")
    if border:
        blocks.append(
            (
                "p",
                text["border_pass"].format(
                    m=_num(border.get("cross_border_m")),
                    areas=_num(border.get("strip_areas")),
                    across=_num(border.get("slots_across_borders"), 1),
                    short0=_num(border.get("shortfall_before"), 1),
                    short1=_num(border.get("shortfall_after"), 1),
                    cost0=_num(border.get("cost_before")),
                    cost1=_num(border.get("cost_after")),
                    opened=_num(border.get("facilities_opened")),
                ),
            )
        )
    return blocks


def _county_sections(
    run: Mapping[str, Any], districts: pd.DataFrame, text: Mapping[str, str]
) -> list[Block]:
    """A section per county of a partitioned run: how it was solved and what it plans."""
    counties = run.get("counties")
    if not counties:
        return []
    by_id = {str(d["district_id"]): d for _, d in districts.iterrows()}
    blocks: list[Block] = [("h2", text["county_sections"])]
    for c in counties:
        key = str(c["district_id"])
        d = by_id.get(key)
        name = str(d.get("name", "")) if d is not None and not pd.isna(d.get("name")) else ""
        blocks.append(("h3", text["county_section"].format(name=name or key, id=key)))
        if d is None or c.get("reason"):
            said = text["county_failed"].format(
                status=outcome(c, text), reason=county_reason(c, text)
            )
            if c.get("population") is not None:
                said += text["county_failed_residents"].format(
                    population=_num(c.get("population")), required=_num(c.get("required_slots"))
                )
            elif c.get("demand_unestimated"):
                said += text["county_failed_unestimated"].format(
                    reason=" ".join(str(c["demand_unestimated"]).split())
                )
            if c.get("served_slots") is not None:
                said += text["county_failed_served"].format(
                    served=_num(c.get("served_slots")), shortfall=_num(c.get("shortfall_slots"))
                )
            if c.get("existing_slots"):
                said += text["county_failed_existing"].format(
                    facilities=_num(c.get("facilities")), slots=_num(c.get("existing_slots"))
                )
            if c.get("demonstration_missing"):
                policy = (run.get("scenario") or {}).get("policy") or {}
                said += text["county_failed_demonstration"].format(
                    need=_num(policy.get("demonstration_per_district")),
                    missing=_num(c.get("demonstration_missing")),
                )
            blocks.append(("p", said))
            continue
        gap = c.get("gap")
        summary = text["county_summary"].format(
            status=text.get(f"run_{c['status']}", str(c["status"])),
            gap=_pct(gap, 2) if gap is not None else "–",
            seconds=_num(c.get("seconds"), 1),
            worker=_worker(c, text),
            population=_num(d.get("population")),
            required=_num(d.get("required_slots")),
            planned=_num(d.get("planned_slots")),
            per_1000=_num(d.get("slots_per_1000"), 2),
            target=_num(d.get("target_per_1000"), 2),
            shortfall=_num(d.get("shortfall_slots"), 1),
            facilities=_num(c.get("facilities")),
            cost=_num(c.get("cost")),
        )
        blocks.append(("p", summary))
    return blocks


def _accounting_blocks(run: Mapping[str, Any], text: Mapping[str, str]) -> list[Block]:
    """Every raster's people: the study area's total, what the areas hold, the residual."""
    accounting: Mapping[str, Any] = run.get("population_accounting", {}) or {}
    if not accounting:
        return []
    rows = []
    methods = set()
    for role, acc in accounting.items():
        census = str(acc.get("source", "")).startswith("census")
        methods.add("census" if census else str(acc.get("method", "")))
        rows.append(
            [
                text.get(f"raster_{role}", role),
                text.get(f"method_{acc.get('method')}", str(acc.get("method", ""))),
                _num(acc.get("total")),
                f"{_num(acc.get('held'))} ({_pct(acc.get('held_share'))})",
                f"{_num(acc.get('residual'))} ({_pct(acc.get('residual_share'))})",
                _num(acc.get("moved_to_nearest")),
                _num(acc.get("overlap")),
            ]
        )
    blocks: list[Block] = [
        ("h2", text["accounting"]),
        (
            "table",
            _Table(
                [
                    text["accounting_source" if "census" in methods else "accounting_raster"],
                    text["accounting_method"],
                    text["accounting_total"],
                    text["accounting_held"],
                    text["accounting_residual"],
                    text["accounting_moved"],
                    text["accounting_overlap"],
                ],
                rows,
                (False, False, True, True, True, True, True),
            ),
        ),
    ]
    if "dasymetric" in methods:
        blocks.append(("p", text["accounting_note"]))
    if "area_weighted" in methods:
        blocks.append(("p", text["accounting_note_area_weighted"]))
    if "census" in methods:
        blocks.append(("p", text["accounting_note_census"]))
    return blocks


def write_report(out_dir: str | Path, *, language: str = "zh") -> tuple[Path, Path]:
    """Write ``report.md`` and ``report.html`` into a plan's output folder.

    Both files hold the same content. The HTML is one self-contained file
    (inline CSS and SVG charts, no external URL, no JavaScript); the Markdown
    links the same charts, written beside it as ``report_*.svg``.

    Parameters
    ----------
    out_dir
        The folder a plan run wrote.
    language
        ``"zh"`` (default) or ``"en"``.

    Returns
    -------
    tuple of Path
        ``(report.md, report.html)``.

    Raises
    ------
    InputError
        If the folder, ``run.json`` or ``areas.geojson`` is missing.
    """
    labels(language)
    out = read_plan_output(out_dir, call="write_report")
    title, blocks = _report_blocks(out, language=language)
    md_path = out.out_dir / "report.md"
    html_path = out.out_dir / "report.html"
    written = [md_path, html_path]
    for kind, content in blocks:
        if kind == "chart":
            write_whole(out.out_dir / content.filename, content.svg + "\n")
            written.append(out.out_dir / content.filename)
    write_whole(md_path, _render_md(blocks))
    write_whole(html_path, _render_html(blocks, title=title, language=language))
    note_written(out.out_dir, written)
    logger.info("wrote %s and %s", md_path, html_path)
    return md_path, html_path
