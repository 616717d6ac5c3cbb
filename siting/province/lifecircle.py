"""Access across county borders: the life circles of the merged plan measured again near a border.

Each county measures its access scores, walking coverage and deserts
(:mod:`siting.lifecircle`) with its own residents and its own facilities. A resident
walks to whatever facility is near, in any county, and shares it with everyone
near it, so near a border the counties' figures are wrong: an existing facility of
the neighbour that stands at the border is missing, and a county's facility is
shared only with the county's own residents. After the merge (and the border pass,
whose sites no county saw) the areas whose figures can differ are measured again
against every facility of the merged plan, and the districts' and the whole plan's
figures are summed again from the areas.

Which areas
    With ``B`` the largest life circle's walk (1,050 m by default) and walks never
    shorter than the straight line:

    * an area is **touched** when a facility of another county, or one the border
      pass opened or extended, lies within ``B`` of it (a walk the county did not
      measure, or measured with other slots);
    * an area within ``2B`` of a touched area is **re-measured**: its score shares the
      facilities within ``B`` with the residents within ``B`` of them, and its
      coverage by facilities with free slots depends on the demand those facilities
      draw, from areas within ``2B`` of it;
    * the walks are measured from every area within ``2B`` of a re-measured one, to
      every facility within ``B`` of them, so that each re-measured area's figures
      are exact: those of one measure of the whole plan (the single run's, where the
      plans are the same). The other areas keep their county's figures, which are
      exact too: nothing across a border is within their reach.

    The existing facilities of a county without a plan count (they stand, and the
    merged plan keeps them). Its residents have no plan and are not measured, but
    when its demand was estimated before it failed (its areas are then rows of the
    merged plan, :data:`~siting.province.merge.IN_FAILED_COUNTY`) they share the
    facilities they walk to, as everyone else does.
Counts
    ``run.json``'s ``facilities`` are counted on the merged plan (a county's without a
    plan too: they stand); the facilities with free slots are those of them with a
    slot left after the required slots within reach (the plan's residents', and a
    county's without a plan when its demand is known), as one measure of the whole
    merged plan counts them: the counties' counts less what this measure finds
    different (each county's count is measured again on the walks here, within the
    county, and replaced by the count across borders), and every standing facility of
    a county without a plan, which no county counted, measured here (one that nobody
    can walk to has all its slots free). The walks measured are counted the same way.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from siting.candidates import sites_from_inputs
from siting.inputs import Inputs
from siting.lifecircle import (
    WHEN,
    life_circle_walks,
    measure_life_circles,
    merge_life_circles,
    point_shares,
    summarise_life_circles,
    walking_bands,
)
from siting.network import area_points
from siting.plan import Plan
from siting.province.merge import in_failed_county
from siting.province.partition import clip_graph
from siting.scenario import Scenario

__all__ = ["access_across_borders"]


def _slots(facilities: pd.DataFrame) -> pd.Series:
    slots = facilities["slots"].astype(float).set_axis(facilities.index.astype(str))
    return slots[slots > 0]


def _near(
    targets: gpd.GeoSeries, of: gpd.GeoSeries, distance_m: float
) -> tuple[np.ndarray, np.ndarray]:
    """Positions (in ``targets``, in ``of``) of the pairs within ``distance_m``."""
    if targets.empty or of.empty:
        return np.empty(0, dtype=np.intp), np.empty(0, dtype=np.intp)
    of_pos, target_pos = targets.sindex.query(of, predicate="dwithin", distance=distance_m)
    return target_pos, of_pos


def access_across_borders(
    plan: Plan,
    *,
    counties: Plan,
    inputs: Inputs,
    scenario: Scenario,
) -> Plan:
    """The merged plan with its life-circle figures measured across county borders.

    Parameters
    ----------
    plan
        The merged plan (after the border pass, if any).
    counties
        The counties' merged plan before the border pass (``plan`` itself without
        one): the facilities each county measured its ``after`` figures with.
    inputs
        The whole run's inputs (areas, facilities, population raster, streets).
    scenario
        The scenario.

    Returns
    -------
    Plan
        ``plan`` with the areas near a border measured again, the districts' access
        columns and ``run["accessibility"]`` summed again; ``run["accessibility"]
        ["across_borders"]`` says how many areas were measured again.
    """
    record = plan.run.get("accessibility")
    if record is None or plan.areas.empty:
        return plan
    start = time.perf_counter()
    reach = walking_bands(scenario)[-1][0]
    no_plan = in_failed_county(plan.areas)  # the counties without a plan's: they share
    unplanned, planned_areas = plan.areas[no_plan], plan.areas[~no_plan]
    # but not those whose demand could not be estimated: nobody knows how many they are
    known = ~(no_plan & plan.areas["required_slots"].isna())
    sharers = plan.areas[no_plan & known]
    sharers = sharers.set_axis(sharers.index.astype(str))
    areas = pd.DataFrame(plan.areas[known]).set_axis(plan.areas.index[known].astype(str))
    outlines = inputs.areas.set_axis(inputs.areas.index.astype(str))
    shapes = gpd.GeoSeries(outlines.geometry.loc[areas.index].to_numpy(), crs=inputs.crs)
    area_district = areas["district_id"].astype(str).to_numpy()

    existing = inputs.facilities  # every county's: they stand whether or not it has a plan
    before_sites = sites_from_inputs(
        inputs.parcels.iloc[:0],
        areas=inputs.areas.iloc[:0],
        facilities=existing,
        scenario=scenario,
    )
    before = _slots(before_sites.rename(columns={"existing_slots": "slots"}))
    after, counted = _slots(plan.facilities), _slots(counties.facilities)
    place = pd.concat(
        [
            before_sites[["district_id", "geometry"]],
            plan.facilities[["district_id", "geometry"]],
            counties.facilities[["district_id", "geometry"]],
        ]
    )
    place = place.set_axis(place.index.astype(str))
    place = place[~place.index.duplicated()]
    place = place.loc[sorted(set(before.index) | set(after.index) | set(counted.index))]
    site_shapes = gpd.GeoSeries(place.geometry.to_numpy(), crs=inputs.crs)
    site_district = place["district_id"].astype(str).to_numpy()
    both = pd.concat([after, counted], axis=1).fillna(0.0)
    changed = both.index[both.iloc[:, 0] != both.iloc[:, 1]]

    # no county measured the facilities of a county without a plan, nor its residents
    standing = plan.facilities.index[in_failed_county(plan.facilities)].astype(str)

    a, s = _near(shapes, site_shapes, reach)
    touching = (area_district[a] != site_district[s]) | place.index[s].isin(changed)
    touching |= place.index[s].isin(standing)  # the demand it draws is measured here
    touched = np.unique(a[touching])
    again = _within(shapes, touched, 2 * reach)
    walked = _within(shapes, again, 2 * reach)
    info: dict[str, Any] = {"areas_measured_again": len(again), "areas_walked": len(walked)}
    counts = {"before": len(before), "after": len(after)}
    if not len(again):
        # no area within a walk of anything across a border, changed or standing in a
        # county without a plan: such a site draws nobody, so it has free slots when it
        # has a slot (a standing one: no county counted it)
        spare = len(changed.intersection(after.index)) - len(changed.intersection(counted.index))
        idle = {when: int((slots[slots.index.isin(standing)] >= 1.0 - 1e-9).sum())
                for when, slots in (("before", before), ("after", after))}  # fmt: skip
        free = {"before": idle["before"], "after": spare + idle["after"]}
        return _with(
            plan, planned_areas, unplanned, record, info, start, free=free, pairs=0, counts=counts
        )

    ids = areas.index[walked]
    zone = shapes.iloc[walked].to_numpy()  # clip_graph finds the nodes near any of them
    _, near = _near(shapes.iloc[walked].reset_index(drop=True), site_shapes, reach)
    sites = place.iloc[np.unique(near)]
    points = area_points(outlines.loc[ids].reset_index(), inputs.population, id_column="area_id")
    walks = life_circle_walks(
        points,
        sites,
        graph=clip_graph(inputs.street_graph, zone, 2 * reach),
        max_distance_m=reach,
        detour_factor=scenario.network.detour_factor,
    )
    pts = point_shares(points, ids)
    frame = areas.loc[ids]
    own = walks["point_id"].map(pts["area_id"]).map(frame["district_id"].astype(str))
    same = (own == walks["site_id"].map(place["district_id"].astype(str))).to_numpy()
    same = same & ~walks["site_id"].isin(standing).to_numpy()
    planned_walk = ~walks["point_id"].map(pts["area_id"]).isin(sharers.index).to_numpy()
    measured, free_sites = measure_life_circles(
        walks, pts, frame, {"before": before, "after": after}, scenario=scenario
    )
    counties_saw = {
        "before": before[~before.index.isin(standing)],
        "after": counted[~counted.index.isin(standing)],
    }
    _, county_free = measure_life_circles(walks[same], pts, frame, counties_saw, scenario=scenario)
    again_ids = areas.index[again]
    updated = _replaced(planned_areas, measured.loc[again_ids.difference(sharers.index)])
    # a facility within a walk of a re-measured area is measured in full here (every
    # walk to it and every walk of those who reach it); the others kept their status,
    # but for those no county measured: the changed and the standing ones (those that
    # nobody reaches draw nobody: they have free slots when they have a slot)
    exact = set(walks.loc[walks["point_id"].map(pts["area_id"]).isin(again_ids), "site_id"])
    exact |= set(changed) | set(standing)
    delta = {
        when: len(set(free_sites[when]) & exact) - len(set(county_free[when]) & exact)
        for when in WHEN
    }
    ours = planned_walk & walks["site_id"].isin(set(before.index) | set(after.index)).to_numpy()
    theirs = same & walks["site_id"].isin(set(before.index) | set(counted.index)).to_numpy()
    info["walks_measured"] = len(walks)
    pairs = int(ours.sum()) - int(theirs.sum())
    return _with(
        plan, updated, unplanned, record, info, start, free=delta, pairs=pairs, counts=counts
    )


def _within(shapes: gpd.GeoSeries, of: np.ndarray, distance_m: float) -> np.ndarray:
    """Positions of ``shapes`` within ``distance_m`` of the shapes at positions ``of``."""
    if not len(of):
        return np.empty(0, dtype=np.intp)
    hits, _ = _near(shapes, shapes.iloc[of], distance_m)
    return np.unique(np.concatenate([hits, of]))


def _with(
    plan: Plan,
    areas: pd.DataFrame,
    unplanned: pd.DataFrame,
    record: dict[str, Any],
    info: dict[str, Any],
    start: float,
    *,
    free: dict[str, int],
    pairs: int,
    counts: dict[str, int],
) -> Plan:
    """``plan`` with ``areas`` (the planned counties') and ``unplanned`` (those of the
    counties without a plan, not measured), the districts' and the run's figures summed
    from ``areas``."""
    run = dict(plan.run)
    merged = merge_life_circles([record], areas)
    merged.update(
        {k: record[k] for k in ("facilities", "facilities_with_free_slots", "walk_pairs")}
    )
    if counts is not None:
        merged["facilities"] = counts
    if free is not None:
        merged["facilities_with_free_slots"] = {
            when: int(record["facilities_with_free_slots"][when]) + free[when] for when in WHEN
        }
    merged["walk_pairs"] = int(record["walk_pairs"]) + pairs
    info["seconds"] = round(time.perf_counter() - start, 3)
    merged["across_borders"] = info
    run["accessibility"] = merged
    run["timings_s"] = {**run.get("timings_s", {}), "access_across_borders": info["seconds"]}
    summary, _ = summarise_life_circles(areas, merged["life_circle_minutes"])
    districts = _replaced(plan.districts, summary) if len(plan.districts) else plan.districts
    shapes = plan.district_shapes
    if shapes is not None:
        shapes = _replaced(shapes, summary)
    every = pd.concat([areas, unplanned]) if len(unplanned) else areas
    return replace(plan, areas=every, districts=districts, district_shapes=shapes, run=run)


def _replaced(frame: pd.DataFrame, values: pd.DataFrame) -> Any:
    """``frame`` with its columns that ``values`` has replaced in the rows ``values`` has."""
    out = frame.copy()
    rows = out.index.astype(str).isin(values.index.astype(str))
    keys = out.index[rows].astype(str)
    for column in values.columns:
        if column in out.columns:
            out.loc[rows, column] = values[column].reindex(keys).to_numpy()
    return out
