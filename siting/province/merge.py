"""One plan from the plans of the counties.

Every layer is the counties' layers stacked (each row keeps its ``district_id``).
``run.json`` holds the counties' records summed where they add up (totals, slots,
costs, people, model sizes, timings, parcels excluded by hazards, walks measured and
excluded), listed where they do not (findings, unmet rules, the counties' own notes,
each line naming its county: ``district 510811: …``), and one entry per county under
``counties`` (status, reason, gap, solve time, worker).

The status is the worst of the counties': ``"optimal"`` only if every county is,
``"feasible"`` if some county stopped above the optimality gap, and
:data:`PARTIAL` when some county has no plan.

A county without a plan keeps its existing facilities: they stand whether or not a plan
was made. They are rows of the facilities layer as they are (no new slot, no cost),
marked :data:`IN_FAILED_COUNTY`, so that the border pass and the access across borders
offer them to the neighbours' residents; the plan's totals (planned slots, cost, the
counts of facilities) stay those of the planned counties, and the county's entry under
``counties`` counts them (``facilities``, ``existing_slots``), and its residents
(``population``, ``required_slots``: no slot of the plan serves them), their demand
estimated before the county failed or, when it failed before, alone after it. Those
residents' areas are rows of the areas layer, marked :data:`IN_FAILED_COUNTY` too, with
their people and required slots (:func:`siting.province.border.serve_unplanned` serves
them from what stands free; the plan's totals stay the planned counties', and
``totals["failed_counties"]`` gives theirs beside); when their demand cannot be estimated
(the estimate is what failed), the rows leave those figures empty, their
``shortfall_reason`` says why, and the county's entry too (``demand_unestimated``). Its
demonstration facilities (R5) are unmet, less those it holds already:
``unmet_demonstration`` and ``unmet`` name it, and its entry says how many are missing
(``demonstration_missing``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from siting._said import said_records
from siting.candidates import sites_from_inputs
from siting.demand import reported_slots
from siting.errors import SolverError
from siting.inputs import Inputs
from siting.lifecircle import merge_life_circles
from siting.plan import Plan, located_areas
from siting.province.residual import RESIDUAL_BLOCKS, coarsen_residual
from siting.scenario import Scenario
from siting.summary import per_1000

if TYPE_CHECKING:
    from siting.province.engine import CountyResult

__all__ = ["IN_FAILED_COUNTY", "NO_PLAN", "PARTIAL", "in_failed_county", "merge_counties"]

PARTIAL = "partial"
"""The status of a merged plan that misses some county (``siting plan`` exits 3)."""

IN_FAILED_COUNTY = "in_failed_county"
"""The facilities' and the areas' column that marks a row of a county without a plan."""

NO_PLAN = "no plan"
"""The ``shortfall_reason`` of an area of a county without a plan."""

_LISTS = ("notes", "findings", "unmet", "unmet_demonstration")


def _add(a: Any, b: Any) -> Any:
    """``a + b`` for numbers and, key by key, for dicts of numbers; ``a`` otherwise."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a + b
    if a is None and isinstance(b, (int, float)):
        return b
    if isinstance(a, dict) and isinstance(b, dict):
        return {k: _add(a.get(k), b.get(k)) if k in a else b[k] for k in {**a, **b}}
    return a


def _stack(frames: Sequence[pd.DataFrame | None]) -> Any:
    present = [f for f in frames if f is not None]
    if not present:
        return None
    non_empty = [f for f in present if len(f)] or present[:1]
    out = pd.concat(non_empty)
    if isinstance(present[0], gpd.GeoDataFrame):
        return gpd.GeoDataFrame(out, geometry=present[0].geometry.name, crs=present[0].crs)
    return out


def merge_counties(
    results: Sequence[CountyResult],
    *,
    inputs: Inputs,
    scenario: Scenario,
    engine: dict[str, Any],
    timings: dict[str, float],
    residual_blocks: int = RESIDUAL_BLOCKS,
) -> Plan:
    """Merge the counties' plans into one.

    Parameters
    ----------
    results
        One result per county, in the districts layer's order.
    inputs
        The whole run's inputs (for the input files and notes).
    scenario
        The whole run's scenario.
    engine
        How the counties ran (engine, workers, wall and county seconds).
    timings
        Seconds of the steps taken before the counties (reading the inputs).
    residual_blocks
        The most residual blocks the merged plan keeps (:mod:`siting.province.residual`:
        the counties' blocks merged again, their people scaled to each county's
        accounted residual).

    Returns
    -------
    Plan
        The merged plan.

    Raises
    ------
    SolverError
        When no county has a plan.
    """
    planned = [r for r in results if r.plan is not None]
    if not planned:
        reasons = "; ".join(f"{r.district_id}: {r.reason}" for r in results)
        raise SolverError(f"no county has a plan ({reasons})")
    plans = [r.plan for r in planned if r.plan is not None]
    first = plans[0].run
    run: dict[str, Any] = {k: v for k, v in first.items() if k not in _LISTS}
    summed = (
        "objective",
        "timings_s",
        "model_size",
        "population_accounting",
        "rounding",
        "excluded_sites",
    )
    for key in summed:
        for plan in plans[1:]:
            run[key] = _add(run.get(key), plan.run.get(key))
    run["distance_method"], run["distance"] = _distances([p.run for p in plans])
    accounting = {k: dict(v) for k, v in (run.get("population_accounting") or {}).items()}
    run["population_accounting"] = accounting
    for acc in accounting.values():
        total = acc.get("total") or 0.0  # the shares are of the summed counts, not summed
        acc["held_share"] = acc["held"] / total if total > 0 else None
        acc["residual_share"] = acc["residual"] / total if total > 0 else None
        if "units" in acc and inputs.census is not None:
            acc["units"] = len(inputs.census)  # each county's is the whole layer's, not summed
    totals: dict[str, Any] = dict(first["totals"])
    for plan in plans[1:]:
        totals = _add(totals, plan.run["totals"])
    areas = _stack([p.areas for p in plans])
    facilities = _stack([p.facilities for p in plans])
    people = float(areas["planned_population"].sum() + areas["migrant_population"].sum())
    total_slots = float(facilities["slots"].sum())
    affordable = float(facilities.loc[facilities["affordable"].astype(bool), "slots"].sum())
    totals["served_per_1000"] = per_1000(float(areas["served_slots"].sum()), people)
    totals["planned_per_1000"] = per_1000(total_slots, people)
    totals["affordable_share"] = affordable / total_slots if total_slots else None
    run["totals"] = totals
    if all("accessibility" in p.run for p in plans):
        run["accessibility"] = merge_life_circles([p.run["accessibility"] for p in plans], areas)
    shared = {"notes": inputs.notes, "findings": inputs.findings}  # the whole run's, once
    for key in _LISTS:
        run[key] = [
            line if line in shared.get(key, ()) else _of_county(line, r.district_id)
            for r in planned
            if r.plan is not None
            for line in r.plan.run.get(key, [])
        ]
    for key in ("notes", "findings"):  # each line's code and numbers (siting._said)
        run[f"{key[:-1]}_records"] = [
            _record_of_county(record, line, r.district_id, shared[key])
            for r in planned
            if r.plan is not None
            for line, record in _with_records(r.plan.run, key)
        ]
        own = [
            (line, record)
            for line, record in zip(run[key], run[f"{key[:-1]}_records"], strict=True)
            if line not in shared[key]
        ]
        run[key] = list(shared[key]) + [line for line, _ in own]
        run[f"{key[:-1]}_records"] = said_records(shared[key]) + [record for _, record in own]
    run["timings_s"] = {**timings, **run.get("timings_s", {}), "counties_wall": engine["wall_s"]}
    run["stages"] = [
        {**stage, "district_id": r.district_id}
        for r in planned
        if r.plan is not None
        for stage in r.plan.run["stages"]
    ]
    failed = [r for r in results if r.plan is None]
    gaps = [float(p.run["gap"]) for p in plans if p.run.get("gap") is not None]
    run["gap"] = max(gaps) if gaps else None
    if failed:
        run["status"] = PARTIAL
        run["message"] = (
            f"partial: {len(planned)} of {len(results)} counties planned; no plan for "
            + "; ".join(f"{r.district_id} ({r.reason})" for r in failed)
        )
        run["unmet"] = run["unmet"] + [
            f"district {r.district_id}: no plan ({r.reason})" for r in failed
        ]
    elif all(p.run["status"] == "optimal" for p in plans):
        run["status"], run["message"] = "optimal", f"optimal in all {len(plans)} counties"
    else:
        run["status"] = "feasible"
        run["message"] = f"feasible, largest county gap {run['gap']:.2%}"
    run["partition"] = "district"
    run["engine"] = engine
    run["counties"] = [
        {
            "district_id": r.district_id,
            "status": r.status,
            "reason": r.reason,
            "code": r.code,
            "gap": r.plan.run.get("gap") if r.plan is not None else None,
            "solve_s": r.plan.run["timings_s"].get("solve") if r.plan is not None else None,
            "seconds": r.seconds,
            "worker": r.worker,
            "reused": r.reused,
            "facilities": len(r.plan.facilities) if r.plan is not None else 0,
            "cost": float(r.plan.facilities["cost"].sum()) if r.plan is not None else 0.0,
        }
        for r in results
    ]
    standing = _standing(failed, inputs=inputs, scenario=scenario, like=facilities)
    for r in failed:  # its residents, when their demand could be estimated
        county = next(c for c in run["counties"] if c["district_id"] == r.district_id)
        if r.residents is not None:
            county["population"] = float(r.residents["planned_population"].sum())
            county["required_slots"] = float(
                r.residents["required_slots"].sum() + r.residents["migrant_slots"].sum()
            )
        elif r.unestimated is not None:
            county["demand_unestimated"] = r.unestimated
    for county in run["counties"]:
        mine = standing[standing["district_id"].astype(str) == county["district_id"]]
        if len(mine):
            county["facilities"] = len(mine)
            county["existing_slots"] = float(mine["slots"].sum())
    unplanned = _unplanned_areas(failed, inputs=inputs, scenario=scenario, like=areas)
    short = _demonstration_unmet(failed, standing, inputs=inputs, scenario=scenario)
    for county in run["counties"]:
        missing = short.get(county["district_id"])
        if missing:
            county["demonstration_missing"] = missing
            line = (
                f"district {county['district_id']}: {missing} demonstration facility(ies) missing"
            )
            run["unmet_demonstration"].append(line)
            run["unmet"].append(line)
    totals["failed_county_existing"] = {
        "facilities": len(standing),
        "slots": float(standing["slots"].sum()),
    }
    run["scenario"] = scenario.to_dict()
    hazards = next((p.hazards for p in plans if p.hazards is not None), None)
    all_areas = _stack([areas.assign(**{IN_FAILED_COUNTY: False}), unplanned])
    return Plan(
        facilities=_stack([facilities.assign(**{IN_FAILED_COUNTY: False}), standing]),
        areas=all_areas,
        assignments=_stack([p.assignments for p in plans]).reset_index(drop=True),
        districts=_stack([p.districts for p in plans]),
        candidates=_stack([p.candidates for p in plans]),
        run=run,
        district_shapes=_outlines(results, inputs),
        hazards=hazards,
        service_lines=_stack([p.service_lines for p in plans]),
        residual=_residual(planned, run, max_blocks=residual_blocks),
        area_points=located_areas(all_areas, inputs.area_points),
    )


def in_failed_county(facilities: pd.DataFrame) -> pd.Series:
    """Which facilities stand in a county without a plan (:data:`IN_FAILED_COUNTY`).

    Examples
    --------
    >>> in_failed_county(pd.DataFrame({IN_FAILED_COUNTY: [True, None]})).tolist()
    [True, False]
    """
    if IN_FAILED_COUNTY not in facilities.columns:
        return pd.Series(False, index=facilities.index)
    return facilities[IN_FAILED_COUNTY].fillna(False).astype(bool)


def _standing(
    failed: Sequence[CountyResult],
    *,
    inputs: Inputs,
    scenario: Scenario,
    like: gpd.GeoDataFrame,
) -> gpd.GeoDataFrame:
    """The existing facilities of the counties without a plan, as rows like ``like``'s.

    Each is open at its existing slots, with no new slot and no cost, and
    :data:`IN_FAILED_COUNTY` true.
    """
    ids = {r.district_id for r in failed}
    existing = inputs.facilities
    if ids and existing is not None and len(existing):
        existing = existing[existing["district_id"].astype(str).isin(ids)]
    if not ids or existing is None or existing.empty:
        return like.iloc[:0].assign(**{IN_FAILED_COUNTY: False})
    sites = sites_from_inputs(
        inputs.parcels.iloc[:0], areas=inputs.areas.iloc[:0], facilities=existing, scenario=scenario
    )
    slots = sites["existing_slots"].astype(float)
    rows = sites.assign(
        option="existing",
        slots=slots,
        new_slots=0.0,
        cost=0.0,
        cost_basis="existing facility",
        demonstration=sites["demonstration_existing"].astype(bool),
        existing=True,
        classes_infant=0,
        classes_toddler=0,
        classes_older=0,
        classes_mixed=0,
        service_types=",".join(scenario.facility.service_types),
    )
    out = gpd.GeoDataFrame(rows.reindex(columns=like.columns), geometry=like.geometry.name)
    out.index.name = like.index.name
    return out.assign(**{IN_FAILED_COUNTY: True})


def _unplanned_areas(
    failed: Sequence[CountyResult],
    *,
    inputs: Inputs,
    scenario: Scenario,
    like: gpd.GeoDataFrame,
) -> gpd.GeoDataFrame:
    """The residential areas of the counties without a plan, as rows like ``like``'s.

    With their people and required slots when their demand was estimated
    (:attr:`~siting.province.engine.CountyResult.residents`), none served yet (the
    standing facilities and the neighbours' may serve them:
    :func:`siting.province.border.serve_unplanned`), their shortfall ``"no plan"``; when
    it could not be, with those figures left empty and the shortfall reason saying why
    (:func:`_unestimated_reason`); and :data:`IN_FAILED_COUNTY` true.
    """
    frames = []
    for r in failed:
        t = r.residents
        if t is None:
            mine = inputs.areas[inputs.areas["district_id"].astype(str) == r.district_id]
            why = _unestimated_reason(r.unestimated or r.reason or "")
            frames.append(mine.assign(district_id=r.district_id, shortfall_reason=why))
            continue
        if not len(t):
            continue
        ids = t.index.astype(str)
        required = (t["required_slots"] + t["migrant_slots"]).astype(float).to_numpy()
        rows = inputs.areas.loc[ids].assign(
            district_id=r.district_id,
            population=t["population"].round(1).to_numpy(),
            planned_population=t["planned_population"].round(1).to_numpy(),
            migrant_population=t["migrant_population"].round(1).to_numpy(),
            migrant_demand=t["migrant_slots"].astype(float).to_numpy(),
            required_slots=required,
            required_slots_rounded=reported_slots(
                pd.Series(required, index=ids), scenario=scenario
            ).to_numpy(),
            served_slots=0.0,
            shortfall_slots=required,
            slots_per_1000=np.where(t["planned_population"] > 0, 0.0, np.nan),
            target_per_1000=t["ratio"].astype(float).to_numpy(),
            demand_estimate_slots=t["demand_estimate_slots"].round(1).to_numpy(),
            shortfall_reason=np.where(required > 0, NO_PLAN, ""),
        )
        frames.append(rows)
    if not frames:
        return like.iloc[:0].assign(**{IN_FAILED_COUNTY: True})
    out = gpd.GeoDataFrame(
        pd.concat(frames).reindex(columns=like.columns), geometry=like.geometry.name
    ).to_crs(like.crs)
    out.index.name = like.index.name
    return out.assign(**{IN_FAILED_COUNTY: True})


def _unestimated_reason(why: str) -> str:
    r"""The ``shortfall_reason`` of an area of a county without a plan whose demand could not
    be estimated: its people and slots are left empty. One line (a table's cell).

    Examples
    --------
    >>> _unestimated_reason("InputError: 1 problem with the inputs:\n  - the raster")
    'no plan; demand not estimated (InputError: 1 problem with the inputs: - the raster)'
    """
    return f"{NO_PLAN}; demand not estimated ({' '.join(why.split())})"


def _demonstration_unmet(
    failed: Sequence[CountyResult],
    standing: gpd.GeoDataFrame,
    *,
    inputs: Inputs,
    scenario: Scenario,
) -> dict[str, int]:
    """R5 in the counties without a plan: the demonstration facilities each county of the
    study area misses (its existing ones count), by county.

    A county with neither residential area nor parcel lies outside the study area, where
    the rule does not apply (the single solve says so in a finding).
    """
    need = scenario.policy.demonstration_per_district
    held = {
        str(d)
        for layer in (inputs.areas, inputs.parcels)
        for d in layer["district_id"].dropna().astype(str)
    }
    short = {}
    for r in failed:
        mine = standing[standing["district_id"].astype(str) == r.district_id]
        missing = need - int(mine["demonstration"].astype(bool).sum())
        if missing > 0 and r.district_id in held:
            short[r.district_id] = missing
    return short


def _with_records(run: Mapping[str, Any], key: str) -> list[tuple[str, Any]]:
    """The lines of ``run[key]`` with their records (``None`` where a run has none)."""
    lines = run.get(key, [])
    records = run.get(f"{key[:-1]}_records") or [None] * len(lines)
    return list(zip(lines, records, strict=True))


def _record_of_county(
    record: Mapping[str, Any] | None, line: str, district_id: str, shared: Sequence[str]
) -> dict[str, Any] | None:
    """A county's record, naming its county as :func:`_of_county` names its line (a note of
    the shared inputs names none)."""
    if record is None:
        return None
    if line in shared or "district_id" in record:
        return dict(record)
    return {**record, "district_id": district_id}


def _of_county(line: str, district_id: str) -> str:
    """A county's finding, note or unmet rule, naming the county unless it already does.

    A county's findings speak of its own study area ("the residential areas hold only
    29 % of the population raster's 132,079 people"): merged unnamed, seven of them read
    as seven statements about the whole province.
    """
    if re.match(rf"district {re.escape(district_id)}(?![0-9A-Za-z_])", line):
        return line  # (district 5108's own lines do not start "district 510811")
    return f"district {district_id}: {line}"


def _distances(runs: Sequence[dict[str, Any]]) -> tuple[Any, dict[str, Any]]:
    """How the counties measured their walks: the method, and the pair counts added up.

    A county measures on the streets when it has any and in straight lines without, so
    the methods may differ: they are then named one after the other, in the counties'
    order. The pair counts of every county add up (each county's were the first's alone).
    """
    infos = [dict(r.get("distance") or {}) for r in runs]
    methods = list(dict.fromkeys(str(r.get("distance_method")) for r in runs))
    out: dict[str, Any] = dict(infos[0])
    for info in infos[1:]:
        for key in ("pairs_within_straight_line", "excluded_by_network", "excluded_by_detour"):
            if key in info:
                out[key] = _add(out.get(key), info[key])
    if len(methods) > 1:
        out["method"] = ", ".join(methods)
        out["detour_factor"] = next(
            (i["detour_factor"] for i in infos if i.get("detour_factor") is not None), None
        )
    return ", ".join(methods), out


def _residual(
    planned: Sequence[CountyResult], run: dict[str, Any], *, max_blocks: int
) -> gpd.GeoDataFrame | None:
    """The counties' residual blocks, each with its ``district_id``, merged to ``max_blocks``.

    The blocks are the population raster's, or the census units no area holds, which
    keep their outlines (the ``population`` accounting); their people are scaled to each
    county's accounted residual of it.
    """
    frames = []
    for r in planned:
        if r.plan is not None and r.plan.residual is not None and len(r.plan.residual):
            frames.append(r.plan.residual.assign(district_id=r.district_id))
    stacked = _stack(frames)
    if stacked is None:
        return None
    accounting = (run.get("population_accounting") or {}).get("population") or {}
    by_district = accounting.get("residual_by_district")
    merged = coarsen_residual(stacked, max_blocks=max_blocks, residual_by_district=by_district)
    run["residual_layer"] = {
        "blocks": len(merged),
        "county_blocks": len(stacked),
        "max_blocks": max_blocks,
    }
    return merged


def _outlines(results: Sequence[CountyResult], inputs: Inputs) -> gpd.GeoDataFrame | None:
    """Every county's outline with its summary, ``status``, ``reason`` and ``code``.

    ``reason`` and ``code`` (:data:`siting.province.engine.FAILURES`) are empty for a
    county with a plan.

    A county without a plan keeps its outline and name; its figures are empty.
    """
    planned = [r.plan.district_shapes for r in results if r.plan is not None]
    shapes = _stack(planned)
    if shapes is None or inputs.districts is None:
        return shapes
    shapes = shapes.copy()
    status = {r.district_id: r.status for r in results}
    reason = {r.district_id: r.reason or "" for r in results}
    code = {r.district_id: r.code or "" for r in results}
    missing = [r.district_id for r in results if r.plan is None]
    if missing:
        outlines = inputs.districts[inputs.districts.index.astype(str).isin(missing)]
        holes = gpd.GeoDataFrame(
            {
                "name": outlines["name"] if "name" in outlines.columns else None,
                shapes.geometry.name: outlines.geometry.to_crs(shapes.crs),
            },
            geometry=shapes.geometry.name,
            crs=shapes.crs,
        )
        holes.index = pd.Index(outlines.index.astype(str), name=shapes.index.name)
        shapes = gpd.GeoDataFrame(
            pd.concat([shapes, holes]), geometry=shapes.geometry.name, crs=shapes.crs
        )
    ids = shapes.index.astype(str)
    shapes["status"] = [status.get(d, "") for d in ids]
    shapes["reason"] = [reason.get(d, "") for d in ids]
    shapes["code"] = [code.get(d, "") for d in ids]
    order = {str(d): k for k, d in enumerate(inputs.districts.index)}
    return shapes.iloc[sorted(range(len(shapes)), key=lambda k: order.get(ids[k], len(order)))]
