"""The border pass: areas near a district border may also be served by the neighbour's sites.

With ``run.cross_border_m = d > 0``, after every county is planned on its own, the
residential areas of the planned counties that lie within ``d`` metres of another
district (the **strip**) are planned again in one model, which may pair them with
any site within walking distance, in their county or across the border:

* the demand is the strip areas' residents and migrants, as the counties estimated
  it (their people already shared across the border, :mod:`siting.province.partition`);
* every facility the county plans keep (opened or existing) stays, at its size; what
  it offers the strip is its **spare** capacity: its slots less those that serve
  areas outside the strip (those assignments are kept). An existing facility may
  still be extended up to the scenario's limit less what its county added;
* the existing facilities of a county without a plan stand all the same (the merged
  plan keeps them, :data:`~siting.province.merge.IN_FAILED_COUNTY`): each offers the
  strip what its county's own residents leave of it (their required slots shared
  among the county's facilities by their slots; nothing when the county's demand could
  not be estimated), and is not extended
  (``run["border"]["slots_from_failed_counties"]`` says how many slots they give);
* every candidate parcel (not excluded by a hazard) and the co-located site of every
  new strip area that its county did not open may be opened, at its cost;
* the model is the counties' (:func:`siting.model.build_model`): least shortfall,
  then least cost, then least walking. R5 (demonstration facilities) and R8 (the
  affordable share) stay settled by the counties: the strip model has neither rule,
  and the merged plan's affordable share is reported as it comes out.

The strip model falls apart into parts that share no site (no budget, R5 or R8
couples them), each solved on its own: exact for the whole strip model, and small.
The counties' own assignments of a part are a plan of it, so the pass never raises
the shortfall: a part is changed only where it lowers the shortfall (a part already
served in full, or that the solver stops no better, stays as the counties planned
it), and a site is opened only for that. The result is exact for this restricted
model; against one model of the whole province (the
single solve, the reference) it differs because the counties' sites, sizes and
their assignments outside the strip are fixed, and because areas farther than ``d``
from a border stay with their county even where a neighbour's site is within
walking distance (none is, once ``d`` reaches the largest walking radius). How far
that is from the single solve is measured on the sample (see the README).

Areas of a county that has no plan and workplaces are not in the strip. The areas of
a county without a plan are served after the pass (:func:`serve_unplanned`), from the
free slots of the open sites within their walk, nothing opened or extended for them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from siting.access import service_pairs
from siting.candidates import COST_BASES, expansion_room, site_options, sites_from_inputs
from siting.demand import demand_items
from siting.inputs import Inputs
from siting.model import SitingProblem, build_model
from siting.network import area_points
from siting.plan import (
    TOL,
    WRITTEN_SLOTS_STEP,
    Plan,
    shortfall,
    without_excess,
)
from siting.province.merge import IN_FAILED_COUNTY, in_failed_county
from siting.province.partition import clip_graph
from siting.scenario import Scenario
from siting.solve import solve_siting
from siting.summary import district_summary, per_1000, service_lines

if TYPE_CHECKING:
    from siting.province.engine import CountyResult

__all__ = ["border_pass", "serve_unplanned", "strip_areas"]

log = logging.getLogger(__name__)


def strip_areas(inputs: Inputs, area_ids: pd.Index, distance_m: float) -> pd.Index:
    """The areas (among ``area_ids``) within ``distance_m`` of another district.

    Parameters
    ----------
    inputs
        The run's inputs, with the districts layer.
    area_ids
        The areas that may be in the strip (those of planned counties).
    distance_m
        The strip's width.

    Returns
    -------
    pandas.Index
        Their ``area_id``, in the order of ``area_ids``.
    """
    assert inputs.districts is not None
    areas = inputs.areas.loc[area_ids]
    districts = inputs.districts
    area_pos, district_pos = districts.sindex.query(
        areas.geometry, predicate="dwithin", distance=distance_m
    )
    own = areas["district_id"].astype(str).to_numpy()[area_pos]
    other = districts.index.astype(str).to_numpy()[district_pos]
    near = np.unique(area_pos[own != other])
    return areas.index[near]


def border_pass(
    merged: Plan,
    results: Sequence[CountyResult],
    *,
    inputs: Inputs,
    scenario: Scenario,
) -> Plan:
    """Plan the strip again across the borders and fold the result into the merged plan.

    Parameters
    ----------
    merged
        The counties' merged plan (:func:`~siting.province.merge_counties`).
    results
        The counties' results, for who was planned.
    inputs
        The whole run's inputs.
    scenario
        The scenario, with ``run.cross_border_m > 0``.

    Returns
    -------
    Plan
        The merged plan with the strip served across borders; ``run["border"]`` says
        what the pass changed, each of ``run["counties"]`` how many slots its areas
        got from other counties (``border_in_slots``) and its sites gave to them
        (``border_out_slots``).
    """
    start = time.perf_counter()
    distance = scenario.run.cross_border_m
    planned = {r.district_id for r in results if r.plan is not None}
    areas = merged.areas
    candidates = areas.index[areas["district_id"].astype(str).isin(planned)]
    strip = strip_areas(inputs, candidates, distance)
    record: dict[str, Any] = {"cross_border_m": distance, "strip_areas": len(strip)}
    if strip.empty:
        return _with_record(merged, record | _no_change(merged, start), inputs=inputs)
    residents = {r.district_id: r.residents for r in results if r.plan is None}
    problem, sites, options, items, points = _strip_problem(
        merged, strip, inputs=inputs, scenario=scenario, planned=planned, residents=residents
    )
    record["model_size"] = {
        "demand_items": len(items),
        "sites": len(sites),
        "options": len(options),
        "pairs": len(problem.pairs),
    }
    before = _county_assignments(merged, items)
    shortfall_before = _shortfall(items, before)
    parts = [_solve_part(part, before, scenario=scenario) for part in _components(problem)]
    solved = [p for p in parts if p.changed]
    statuses = [p.status for p in parts]
    record["parts"] = len(parts)
    record["parts_changed"] = len(solved)
    record["parts_optimal"] = statuses.count("optimal")
    record["status"] = next((s for s in statuses if s != "optimal"), "optimal")
    record["message"] = (
        f"{statuses.count('optimal')} of {len(parts)} parts proven optimal; "
        f"{len(solved)} changed to lower the shortfall, the others kept as the counties "
        "planned them"
    )
    if not solved:
        record["strip_shortfall_before"] = round(shortfall_before, 3)
        return _with_record(merged, record | _no_change(merged, start), inputs=inputs)
    used = items[items.index.isin(pd.Index([d for p in solved for d in p.items]))]
    after = pd.concat([p.assignments for p in solved], ignore_index=True)
    opened = pd.concat([p.opened for p in solved], ignore_index=True)
    extra = pd.concat([p.extra for p in solved])
    shortfall_after = shortfall_before - sum(p.gain for p in solved)
    plan = _fold(
        merged,
        items=used,
        assignments=after,
        opened=opened.merge(options, on=["site_id", "option"], how="left"),
        extra=extra,
        sites=sites,
        points=points,
        inputs=inputs,
        scenario=scenario,
    )
    site_district = plan.facilities["district_id"].astype(str)
    area_district = plan.areas["district_id"].astype(str)
    standing = in_failed_county(plan.facilities)

    def across(frame: pd.DataFrame) -> float:
        a = frame.dropna(subset=["area_id"])
        cross = a["site_id"].map(site_district) != a["area_id"].map(area_district)
        return float(a.loc[cross, "slots"].sum())

    record.update(
        {
            "shortfall_before": float(merged.run["totals"]["shortfall_slots"]),
            "shortfall_after": float(plan.run["totals"]["shortfall_slots"]),
            "strip_shortfall_before": round(shortfall_before, 3),
            "strip_shortfall_after": round(shortfall_after, 3),
            "strip_slots": round(float(after["slots"].sum()), 3),
            "cost_before": float(merged.facilities["cost"].sum()),
            "cost_after": float(plan.facilities["cost"].sum()),
            "facilities_opened": len(opened),
            "facilities_extended": len(extra),
            "slots_across_borders": round(across(plan.assignments), 3),
            "slots_from_failed_counties": round(
                float(after.loc[after["site_id"].isin(standing[standing].index), "slots"].sum()), 3
            ),
            "seconds": round(time.perf_counter() - start, 3),
        }
    )
    return _with_record(plan, record, inputs=inputs)


def serve_unplanned(plan: Plan, *, inputs: Inputs, scenario: Scenario) -> Plan:
    """Serve the residents of the counties without a plan from what stands free.

    Their areas (:data:`~siting.province.merge.IN_FAILED_COUNTY`) are served, within
    their walking radius, from the free slots of the open sites: their county's
    standing facilities (its residents come first there: the border pass offered the
    neighbours only what they leave) and, with ``run.cross_border_m > 0``, the
    neighbours' facilities. Nothing is opened or extended for them: least shortfall,
    then least walking (the counties' model, :func:`siting.model.build_model`).

    Parameters
    ----------
    plan
        The merged plan (after the border pass, if any).
    inputs
        The whole run's inputs.
    scenario
        The scenario.

    Returns
    -------
    Plan
        ``plan`` with their assignments, served and short slots. The plan's totals stay
        the planned counties'; ``run["totals"]["failed_counties"]`` gives theirs beside
        (``areas``, ``population``, ``required_slots``, ``served_slots``,
        ``shortfall_slots``), and each county without a plan its own
        (``served_slots``, ``shortfall_slots`` beside ``required_slots``).
        ``run["serve_unplanned"]`` says how the step went (``areas``, ``parts``,
        ``parts_changed``, ``parts_optimal``, ``status``, ``message``, ``seconds``), and
        ``run["timings_s"]["serve_unplanned"]`` its seconds; a plan without such areas is
        returned as it is. The areas whose demand could not be estimated (their
        ``required_slots`` empty) are neither served nor counted in those figures:
        ``run["totals"]["failed_counties"]["areas_unestimated"]`` says how many there are.
    """
    start = time.perf_counter()
    every = plan.areas.index[in_failed_county(plan.areas)]
    if every.empty:
        return plan
    ids = every[plan.areas.loc[every, "required_slots"].notna().to_numpy()]  # demand known
    parts = []
    if len(ids):
        problem, sites, _, items, points = _strip_problem(
            plan, ids, inputs=inputs, scenario=scenario, planned=set(), residents={}, unplanned=True
        )
        none = plan.assignments.iloc[:0]
        parts = [_solve_part(part, none, scenario=scenario) for part in _components(problem)]
    solved = [p for p in parts if p.changed]
    statuses = [p.status for p in parts]
    record: dict[str, Any] = {
        "areas": len(ids),
        "parts": len(parts),
        "parts_changed": len(solved),
        "parts_optimal": statuses.count("optimal"),
        "status": next((s for s in statuses if s != "optimal"), "optimal"),
        "message": (
            f"{statuses.count('optimal')} of {len(parts)} parts proven optimal; "
            f"{len(solved)} served from the free slots within their walk"
        ),
    }
    if solved:
        plan = _fold(
            plan,
            items=items[items.index.isin(pd.Index([d for p in solved for d in p.items]))],
            assignments=pd.concat([p.assignments for p in solved], ignore_index=True),
            opened=pd.DataFrame(),
            extra=pd.Series(dtype=float),
            sites=sites,
            points=points,
            inputs=inputs,
            scenario=scenario,
        )
        if "border" in plan.run:
            plan = _with_record(plan, plan.run["border"], inputs=inputs)
    areas = plan.areas.loc[ids]
    figures = ("required_slots", "served_slots", "shortfall_slots")
    run = dict(plan.run)
    run["totals"] = dict(run["totals"])
    run["totals"]["failed_counties"] = {
        "areas": len(areas),
        "areas_unestimated": len(every) - len(ids),
        "population": float(areas["planned_population"].sum() + areas["migrant_population"].sum()),
        **{f: float(areas[f].sum()) for f in figures},
    }
    by_county = areas.groupby(areas["district_id"].astype(str))[list(figures)].sum()
    run["counties"] = [
        c | {f: float(by_county.at[c["district_id"], f]) for f in figures[1:]}
        if c["district_id"] in by_county.index
        else c
        for c in run["counties"]
    ]
    record["seconds"] = round(time.perf_counter() - start, 3)
    run["serve_unplanned"] = record
    run["timings_s"] = {**run.get("timings_s", {}), "serve_unplanned": record["seconds"]}
    return replace(plan, run=run)


@dataclass(frozen=True)
class _Part:
    """One connected part of the strip, solved: its items and what the pass gives them."""

    items: pd.Index
    status: str
    changed: bool
    gain: float = 0.0
    assignments: pd.DataFrame = field(default_factory=pd.DataFrame)
    opened: pd.DataFrame = field(default_factory=pd.DataFrame)
    extra: pd.Series = field(default_factory=lambda: pd.Series(dtype=float))


def _components(problem: SitingProblem) -> list[SitingProblem]:
    """The strip model cut into parts that share no site (each part is exact on its own).

    Without a budget, R5 or R8 the strip model couples two demand items only through
    a site both may use, so the connected parts of the item–site graph are independent
    models; they are solved one after the other, each small.
    """
    pairs = problem.pairs
    demand, sites = problem.demand.index, problem.sites.index
    i = demand.get_indexer(pairs["demand_id"])
    j = sites.get_indexer(pairs["site_id"])
    n = len(demand) + len(sites)
    graph = sp.coo_array((np.ones(len(pairs)), (i, len(demand) + j)), shape=(n, n))
    _, label = connected_components(graph, directed=False)
    item_label = label[: len(demand)]
    site_label = label[len(demand) :]
    out = []
    for part in np.unique(item_label):
        mine = demand[item_label == part]
        its_sites = sites[site_label == part]
        out.append(
            replace(
                problem,
                demand=problem.demand.loc[mine],
                sites=problem.sites.loc[its_sites],
                options=problem.options[problem.options["site_id"].isin(its_sites)],
                pairs=pairs[pairs["demand_id"].isin(mine)],
            )
        )
    return out


def _solve_part(problem: SitingProblem, before: pd.DataFrame, *, scenario: Scenario) -> _Part:
    """Solve one part; keep the counties' assignments when it does not lower the shortfall."""
    items = problem.demand
    mine = before[before["demand_id"].isin(items.index)]
    short_before = _shortfall(items, mine)
    if problem.pairs.empty or short_before <= TOL:
        return _Part(items=items.index, status="optimal", changed=False)
    model = build_model(problem)
    solution = solve_siting(
        model,
        solver=scenario.solver.name,
        time_limit_s=scenario.solver.time_limit_s,
        gap=scenario.solver.gap,
        threads=scenario.solver.threads,
    )
    status = solution.status.value
    if solution.values is None:
        return _Part(items=items.index, status=status, changed=False)
    values = solution.values
    ix = model.index
    x = without_excess(
        values[ix.x],
        demand=ix.x_demand,
        distance_m=ix.x_distance,
        required=items["required"].astype(float),
    )
    used = x > TOL
    after = pd.DataFrame(
        {
            "demand_id": ix.x_demand[used],
            "site_id": ix.x_site[used],
            "slots": x[used],  # as solved; the files round them (siting.export)
            "distance_m": np.round(ix.x_distance[used], 1),
        }
    )
    gain = short_before - _shortfall(items, after)
    if gain <= TOL:  # no fewer slots short: the counties' plan of the part stays
        return _Part(items=items.index, status=status, changed=False)
    extra = pd.Series(np.round(values[ix.e]), index=ix.e_site, dtype=float)
    return _Part(
        items=items.index,
        status=status,
        changed=True,
        gain=gain,
        assignments=after,
        opened=pd.DataFrame({"site_id": ix.y_site, "option": ix.y_option})[values[ix.y] > 0.5],
        extra=extra[extra > 0],
    )


def _no_change(merged: Plan, start: float) -> dict[str, Any]:
    cost = float(merged.facilities["cost"].sum())
    shortfall = float(merged.run["totals"]["shortfall_slots"])
    return {
        "shortfall_before": shortfall,
        "shortfall_after": shortfall,
        "cost_before": cost,
        "cost_after": cost,
        "facilities_opened": 0,
        "facilities_extended": 0,
        "slots_across_borders": 0.0,
        "slots_from_failed_counties": 0.0,
        "seconds": round(time.perf_counter() - start, 3),
    }


def _left_by_own_county(
    facilities: pd.DataFrame, residents: Mapping[str, pd.DataFrame | None]
) -> pd.Series:
    """The slots each facility of a county without a plan has left for the strip.

    Its county's own residents come first: their required slots (residents' and
    migrants', :attr:`siting.demand.Demand.areas`) are shared among the county's existing
    facilities by their slots, and each has the rest. A county whose demand was not
    estimated before it failed leaves nothing: how full its facilities are is not known.
    """
    mine = facilities[in_failed_county(facilities)]
    slots = mine["slots"].astype(float)
    county = mine["district_id"].astype(str)
    need = {
        d: float(t["required_slots"].sum() + t["migrant_slots"].sum())
        for d, t in residents.items()
        if t is not None
    }
    own = county.map(need) / slots.groupby(county).transform("sum")
    return slots * (1.0 - own).clip(lower=0.0).fillna(0.0)


def _shortfall(items: pd.DataFrame, assignments: pd.DataFrame) -> float:
    served = assignments.groupby("demand_id")["slots"].sum().reindex(items.index, fill_value=0)
    return float((items["required"] - served).clip(lower=0).sum())


def _county_assignments(merged: Plan, items: pd.DataFrame) -> pd.DataFrame:
    a = merged.assignments
    return a[a["demand_id"].isin(items.index)]


def _strip_problem(
    merged: Plan,
    strip: pd.Index,
    *,
    inputs: Inputs,
    scenario: Scenario,
    planned: set[str],
    residents: Mapping[str, pd.DataFrame | None],
    unplanned: bool = False,
) -> tuple[SitingProblem, gpd.GeoDataFrame, pd.DataFrame, pd.DataFrame, gpd.GeoDataFrame]:
    """The strip's model: its items, the sites within reach (open ones with spare capacity).

    With ``unplanned`` the strip is the areas of the counties without a plan: every
    open site offers what it has free (the standing facilities of their county too),
    and none is opened or extended for them.
    """
    radii = scenario.radii
    reach = max(radii.urban_m, radii.rural_m, radii.new_beside_m + 1.0, radii.workplace_m)
    areas = inputs.areas.loc[strip]
    planned_areas = merged.areas
    table = pd.DataFrame(
        {
            "required_slots": planned_areas.loc[strip, "required_slots"]
            - planned_areas.loc[strip, "migrant_demand"],
            "migrant_slots": planned_areas.loc[strip, "migrant_demand"],
            "status": areas["status"].astype(str),
        },
        index=strip,
    )
    items = demand_items(table)
    items = items[items["required"] > 0]
    zone = areas.geometry.union_all().buffer(reach)

    def near(layer: gpd.GeoDataFrame | None, *, anywhere: bool) -> gpd.GeoDataFrame | None:
        if layer is None or layer.empty:
            return layer
        keep = layer.geometry.intersects(zone)
        if not anywhere:
            keep &= layer["district_id"].astype(str).isin(planned)
        return layer[keep]

    excluded = merged.candidates.index[merged.candidates["state"] == "excluded"]
    parcels = near(inputs.parcels, anywhere=False)  # a county without a plan opens nothing
    assert parcels is not None
    parcels = parcels[~parcels.index.isin(excluded)]
    # but its existing facilities stand: the merged plan keeps them (IN_FAILED_COUNTY)
    existing = near(inputs.facilities, anywhere=True)
    if existing is not None:
        existing = existing[existing.index.isin(merged.facilities.index)]
    sites = sites_from_inputs(parcels, areas=areas, facilities=existing, scenario=scenario)
    facilities = merged.facilities
    # an open site the strip's candidates miss (the co-located site of an area outside it)
    missing = facilities.index[
        facilities.geometry.intersects(zone) & ~facilities.index.isin(sites.index)
    ]
    if len(missing):
        sites = pd.concat([sites, _as_sites(facilities.loc[missing], sites)])
    graph = clip_graph(inputs.street_graph, zone, reach)
    points = area_points(areas.reset_index(), inputs.population, id_column="area_id")
    access = service_pairs(
        items,
        area_points=points,
        areas=areas,
        sites=sites,
        workplaces=None,
        graph=graph,
        scenario=scenario,
    )
    pairs = access.pairs
    # the counties' own assignments stay possible, as they measured them
    kept = _county_assignments(merged, items)[["demand_id", "site_id", "distance_m"]]
    kept = kept[kept["site_id"].isin(sites.index)]
    pairs = pd.concat([pairs, kept]).drop_duplicates(["demand_id", "site_id"], keep="first")
    pairs = pairs.reset_index(drop=True)

    fac = scenario.facility
    is_open = sites.index.isin(facilities.index)
    strip_demand = merged.assignments["demand_id"].isin(items.index)
    used_outside = (
        merged.assignments.loc[~strip_demand].groupby("site_id")["slots"].sum()
    ).reindex(sites.index, fill_value=0.0)
    capacity = facilities["slots"].reindex(sites.index).fillna(0.0)
    added = facilities["new_slots"].where(facilities["existing"].astype(bool), 0.0)
    added = added.reindex(sites.index).fillna(0.0)
    existing = sites["existing"].astype(bool).to_numpy()
    # a facility of a county without a plan serves the strip as it stands: nobody extends it
    standing = in_failed_county(facilities).reindex(sites.index, fill_value=False).to_numpy()
    can_grow = existing & ~standing & fac.existing_can_expand & (not unplanned)
    spare = np.where(is_open, (capacity - used_outside).clip(lower=0), 0.0)
    if not unplanned:  # the residents of a county without a plan come first at its own
        left = _left_by_own_county(facilities, residents).reindex(sites.index).fillna(0.0)
        spare = np.where(standing, left, spare)
    model_sites = pd.DataFrame(
        {
            "district_id": sites["district_id"],
            "existing": is_open,
            "existing_slots": spare,
            "max_extra_slots": np.where(
                can_grow, (expansion_room(sites, scenario=scenario) - added).clip(lower=0), 0.0
            ),
            "expansion_cost_per_slot": scenario.costs.expansion_per_slot,
            "affordable": sites["affordable"].astype(bool),
            "demonstration_existing": False,
        },
        index=sites.index,
    )
    options = site_options(sites[~is_open], scenario=scenario)
    if unplanned:
        options = options.iloc[:0]
        if scenario.run.cross_border_m <= 0:  # no resident crosses a border
            district = pd.Series(sites["district_id"].astype(str).to_numpy(), index=sites.index)
            home = items["area_id"].map(areas["district_id"].astype(str))
            same = pairs["site_id"].map(district).to_numpy() == pairs["demand_id"].map(home)
            pairs = pairs[same.to_numpy()].reset_index(drop=True)
    problem = SitingProblem(
        demand=items,
        sites=model_sites,
        options=options,
        pairs=pairs,
        districts=(),
        demonstration_per_district=0,
    )
    return problem, sites, options, items, points


def _as_sites(facilities: gpd.GeoDataFrame, like: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Open facilities as rows of a sites table (only their place and ids matter: they stay)."""
    out = gpd.GeoDataFrame(index=facilities.index, geometry=facilities.geometry, crs=like.crs)
    for column in like.columns:
        if column == like.geometry.name:
            continue
        if column in facilities.columns:
            out[column] = facilities[column]
        else:
            out[column] = like[column].iloc[:0].reindex(facilities.index).to_numpy()
    out["existing"] = facilities["existing"].astype(bool)
    out["existing_slots"] = facilities["existing_slots"].astype(float)
    out["demonstration_existing"] = False
    return out[like.columns]


def _fold(
    merged: Plan,
    *,
    items: pd.DataFrame,
    assignments: pd.DataFrame,
    opened: pd.DataFrame,
    extra: pd.Series,
    sites: gpd.GeoDataFrame,
    points: gpd.GeoDataFrame,
    inputs: Inputs,
    scenario: Scenario,
) -> Plan:
    """The merged plan with the strip's assignments, new sites and extensions in place."""
    facilities = merged.facilities.copy()
    for site_id, added in extra.items():
        row = facilities.loc[site_id]
        total = float(row["new_slots"]) + float(added)
        facilities.loc[site_id, "new_slots"] = total
        facilities.loc[site_id, "slots"] = float(row["existing_slots"]) + total
        facilities.loc[site_id, "cost"] = total * scenario.costs.expansion_per_slot
        facilities.loc[site_id, "option"] = f"existing+{total:.0f}"
    if len(opened):
        new = pd.DataFrame(
            {
                "option": opened["option"].to_numpy(),
                "slots": opened["slots"].astype(float).to_numpy(),
                "existing_slots": 0.0,
                "new_slots": opened["slots"].astype(float).to_numpy(),
                "cost": opened["cost"].astype(float).to_numpy(),
                "cost_basis": opened["cost_basis"].astype(str).to_numpy(),
                "floor_area_m2": opened["floor_m2"].astype(float).to_numpy(),
                "demonstration": opened["demonstration"].astype(bool).to_numpy(),
                "existing": False,
                "classes_infant": opened["classes_infant"].astype(int).to_numpy(),
                "classes_toddler": opened["classes_toddler"].astype(int).to_numpy(),
                "classes_older": opened["classes_older"].astype(int).to_numpy(),
                "classes_mixed": opened["classes_mixed"].astype(int).to_numpy(),
            },
            index=pd.Index(opened["site_id"].to_numpy(), name=facilities.index.name),
        )
        info = [c for c in facilities.columns if c not in new.columns and c in sites.columns]
        new = new.join(sites.loc[new.index, info])
        new["service_types"] = ",".join(scenario.facility.service_types)
        if IN_FAILED_COUNTY in facilities.columns:
            new[IN_FAILED_COUNTY] = False
        new = gpd.GeoDataFrame(new, geometry=facilities.geometry.name, crs=facilities.crs)
        facilities = pd.concat([facilities, new[facilities.columns]]).sort_index()
        facilities = gpd.GeoDataFrame(facilities, geometry=merged.facilities.geometry.name)

    for column in ("area_id", "workplace_id", "kind"):
        assignments[column] = assignments["demand_id"].map(items[column])
    columns = list(merged.assignments.columns)
    kept = merged.assignments[~merged.assignments["demand_id"].isin(items.index)]
    every = pd.concat([kept, assignments[columns]])
    every = every.sort_values(["demand_id", "site_id"]).reset_index(drop=True)

    areas = merged.areas.copy()
    strip = items["area_id"].dropna().unique()
    served = every.dropna(subset=["area_id"]).groupby("area_id")["slots"].sum()
    areas.loc[strip, "served_slots"] = served.reindex(strip).fillna(0.0).to_numpy()
    short = shortfall(areas.loc[strip, "required_slots"], areas.loc[strip, "served_slots"])
    areas.loc[strip, "shortfall_slots"] = short
    people = areas.loc[strip, "planned_population"] + areas.loc[strip, "migrant_population"]
    areas.loc[strip, "slots_per_1000"] = np.round(
        np.where(
            people > 0,
            areas.loc[strip, "served_slots"] / people.where(people > 0, 1) * 1000,
            np.nan,
        ),
        2,
    )
    if "shortfall_reason" in areas.columns:
        areas.loc[strip, "shortfall_reason"] = np.where(
            short < WRITTEN_SLOTS_STEP / 2,
            "",
            areas.loc[strip, "shortfall_reason"].replace("", "capacity"),
        )

    lines = merged.service_lines
    if lines is not None:
        others = lines[~lines["demand_id"].isin(items.index)]
        fresh = service_lines(assignments[columns], facilities, points, inputs)
        lines = gpd.GeoDataFrame(
            pd.concat([others, fresh]).reset_index(drop=True),
            geometry=lines.geometry.name,
            crs=lines.crs,
        )
    candidates = merged.candidates.copy()
    chosen = candidates.index.isin(facilities.index) & (candidates["state"] != "excluded")
    candidates.loc[chosen, "state"] = "chosen"

    districts, shapes = merged.districts, merged.district_shapes
    if len(districts):
        table = district_summary(
            inputs,
            areas,
            facilities,
            every,
            scenario=scenario,
            accounting=merged.run.get("population_accounting", {}),
        )
        # the before/after access columns (siting.lifecircle) are not the summary's: they
        # stay the counties' (districts.csv lost all 30 of them, districts.geojson kept them)
        kept = [c for c in districts.columns if c not in table.columns]
        districts = table.reindex(districts.index).join(districts[kept])
        if shapes is not None:
            shapes = shapes.copy()
            same = [c for c in districts.columns if c in shapes.columns and c != "name"]
            shapes.loc[districts.index, same] = districts[same].to_numpy()
    run = dict(merged.run)
    run["totals"] = _totals(merged.run["totals"], merged.areas, facilities, areas, every)
    return replace(
        merged,
        facilities=facilities,
        areas=areas,
        assignments=every,
        districts=districts,
        district_shapes=shapes,
        candidates=candidates,
        service_lines=lines,
        run=run,
    )


def _totals(
    before: dict[str, Any],
    areas_before: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    areas: gpd.GeoDataFrame,
    assignments: pd.DataFrame,
) -> dict[str, Any]:
    """The run's totals with the facilities, areas and assignments after the pass."""
    totals = dict(before)
    facilities = facilities[~in_failed_county(facilities)]  # not the plan's: they stand
    # nor the areas of the counties without a plan (totals["failed_counties"] has them)
    unplanned = areas.index[in_failed_county(areas)]
    assignments = assignments[~assignments["area_id"].isin(unplanned)]
    areas, areas_before = areas.drop(unplanned), areas_before.drop(unplanned, errors="ignore")
    people = float(areas["planned_population"].sum() + areas["migrant_population"].sum())
    total_slots = float(facilities["slots"].sum())
    affordable = float(facilities.loc[facilities["affordable"].astype(bool), "slots"].sum())
    served_areas = float(areas["served_slots"].sum())
    # the sites the pass opens count by their cost basis too (the counties' counts stayed)
    by_basis = facilities.groupby("cost_basis")["cost"].agg(["size", "sum"])
    by_basis = by_basis.reindex([b for b in COST_BASES if b in by_basis.index])
    existing = facilities["existing"].astype(bool)
    totals.update(
        {
            "planned_slots": total_slots,
            "new_slots": float(facilities["new_slots"].sum()),
            "served_slots": float(assignments["slots"].sum()),
            "served_per_1000": per_1000(served_areas, people),
            "planned_per_1000": per_1000(total_slots, people),
            "migrant_slots": float(
                assignments.loc[assignments["kind"] == "migrant", "slots"].sum()
            ),
            "affordable_share": affordable / total_slots if total_slots else None,
            "cost": float(facilities["cost"].sum()),
            "cost_by_acquisition": {
                str(k): float(v) for k, v in facilities.groupby("acquisition")["cost"].sum().items()
            },
            "facilities_by_cost_basis": {str(k): int(v) for k, v in by_basis["size"].items()},
            "cost_by_cost_basis": {str(k): float(v) for k, v in by_basis["sum"].items()},
            "facilities_new": int((~existing).sum()),
            "facilities_existing": int(existing.sum()),
        }
    )
    # workplaces are not in the strip: the shortfall changes by the areas' change
    change = float(areas["shortfall_slots"].sum()) - float(areas_before["shortfall_slots"].sum())
    totals["shortfall_slots"] = float(before["shortfall_slots"]) + change
    return totals


def _with_record(plan: Plan, record: dict[str, Any], *, inputs: Inputs) -> Plan:
    """``plan`` with ``run["border"]`` and each county's border slots."""
    run = dict(plan.run)
    run["border"] = record
    run["timings_s"] = {**run.get("timings_s", {}), "border": record.get("seconds")}
    status = record.get("status", "optimal")
    if status != "optimal" and run["status"] == "optimal":
        run["status"] = "feasible"  # never "optimal" for a pass stopped by a limit
        run["message"] = f"optimal in every county; the border pass: {record.get('message')}"
    site_district = plan.facilities["district_id"].astype(str)
    a = plan.assignments.dropna(subset=["area_id"])
    area_district = a["area_id"].map(plan.areas["district_id"].astype(str))
    from_site = a["site_id"].map(site_district)
    cross = a[from_site.to_numpy() != area_district.to_numpy()]
    into = cross["slots"].groupby(area_district[cross.index]).sum()
    out = cross["slots"].groupby(from_site[cross.index]).sum()
    counties = []
    for county in run.get("counties", []):
        d = county["district_id"]
        mine = plan.facilities[site_district == d]
        entry = dict(county)
        if county.get("reason") is None:  # a county with a plan
            entry["facilities"] = len(mine)
            entry["cost"] = float(mine["cost"].sum())
        entry["border_in_slots"] = round(float(into.get(d, 0.0)), 3)
        entry["border_out_slots"] = round(float(out.get(d, 0.0)), 3)
        counties.append(entry)
    run["counties"] = counties
    return replace(plan, run=run)
