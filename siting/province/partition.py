"""One district's share of a city's or a province's inputs.

The vector layers are small and read once; each county gets the rows whose
``district_id`` is its own. The population rasters are never copied: demand
estimation reads them through the window of the county's outline (the
``districts`` layer, cut to the one county, is the zone of
:func:`siting.demand.estimate_demand`). Hazards are kept whole, since a hazard
just across a border still excludes a parcel inside it. The street graph is
clipped to the county's outline grown by twice the largest walking radius: a
walk within the radius never leaves a disc of that radius around its start, and
the second radius leaves room for snapping to the nearest street.

A raster cell on a county border is shared by the areas of both counties that
touch it. So that each county's areas take only their share (and a cell's people
are not counted once per county), a county is given the other counties' areas near
it as ``context_areas`` (and, with ``demand.residual_to_nearest_m``, the other
districts near it as ``context_districts``): they take part in sharing the cells
out without being planned (:func:`siting.allocation.allocate`'s ``context``).
Summed over the counties, the population the areas hold, the residual and the total
are then those of the single run.

Every row must belong to a district (:func:`district_ids` refuses the planner's rows
outside every district, which the planner can give a ``district_id`` or leave out).
The OSM file's existing facilities are no planner's rows: one that no district holds
is given to the nearest district within walking reach of it, whose residents it
serves as it would in the single run, and one farther is left out, as no resident
of any district can walk to it (:func:`place_osm_facilities`).
"""

from __future__ import annotations

import dataclasses
import logging
import math
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import rasterio
import rasterio.warp
import shapely

from siting._text import first_few
from siting.errors import ScenarioError
from siting.inputs import Inputs
from siting.scenario import Scenario

__all__ = ["district_ids", "district_inputs", "districts_without_sites", "place_osm_facilities"]

logger = logging.getLogger(__name__)

_BY_DISTRICT = ("areas", "parcels", "facilities", "subdistricts", "workplaces")


def district_ids(inputs: Inputs) -> list[str]:
    """The districts to plan, in the order of the districts layer.

    Parameters
    ----------
    inputs
        Validated inputs with a ``districts`` layer.

    Returns
    -------
    list of str
        The ``district_id`` of every district.

    Raises
    ------
    ScenarioError
        Without a districts layer, or when areas, parcels or facilities name a
        district that is not in it, or name none (every problem listed).
    """
    if inputs.districts is None or inputs.districts.empty:
        raise ScenarioError(
            "run.partition = 'district' needs a districts layer. "
            "Fix: add [inputs] districts, or leave run.partition out."
        )
    ids = [str(d) for d in inputs.districts.index]
    known = set(ids)
    problems = []
    for name in _BY_DISTRICT:
        layer = getattr(inputs, name)
        if layer is None or layer.empty:
            continue
        if "district_id" not in layer.columns:
            problems.append(f"{name} has no district_id column")
            continue
        column = layer["district_id"]
        missing = sorted(str(i) for i in layer.index[column.isna()])
        if missing:
            problems.append(
                f"{name} {first_few(missing, limit=5)} lie outside every district (no "
                "district_id given, and none of the districts' outlines holds them)"
            )
        other = sorted(set(column.dropna().astype(str)) - known)
        if other:
            problems.append(f"{name} name districts not in the districts layer: {other[:5]}")
    if problems:
        raise ScenarioError(
            "cannot split the inputs by district: "
            + "; ".join(problems)
            + ". Fix: extend the districts layer to cover them, or leave out the rows "
            "outside it (a single run, without run.partition, plans them under '(none)')."
        )
    return ids


def place_osm_facilities(inputs: Inputs, *, scenario: Scenario) -> Inputs:
    """``inputs`` with each of the OSM file's existing facilities that no district holds
    given to the district nearest it, when within walking reach of it, or left out.

    A single run keeps such a facility under ``(none)``, as it keeps the planner's own,
    and its residents within walking distance use it; a partitioned run needs a
    district for every row, and refused these, which the planner cannot edit. Given to
    the nearest district, the facility serves that district's residents within reach, as
    it would in the single run; beyond the largest walking radius of every district
    (straight-line, so never less than a walk), it serves none of them and is left out.
    The planner's own facilities are left to :func:`district_ids`.

    Parameters
    ----------
    inputs
        Validated inputs with a ``districts`` layer.
    scenario
        The scenario, for the walking radii.

    Returns
    -------
    Inputs
        ``inputs`` itself when no OSM facility lies outside every district; else with
        those facilities placed or left out, and a note saying how many and where.
    """
    facilities, districts = inputs.facilities, inputs.districts
    if facilities is None or districts is None or districts.empty:
        return inputs
    if "source" not in facilities.columns or "district_id" not in facilities.columns:
        return inputs
    outside = facilities[(facilities["source"] == "osm") & facilities["district_id"].isna()]
    if outside.empty:
        return inputs
    radii = scenario.radii
    reach_m = max(radii.urban_m, radii.rural_m, radii.workplace_m)
    tree = shapely.STRtree(districts.geometry.to_numpy())
    points = outside.geometry.to_numpy()
    (which, nearest), distances = tree.query_nearest(
        points, max_distance=reach_m, return_distance=True, all_matches=False
    )
    placed = pd.Series(districts.index.astype(str)[nearest], index=outside.index[which])
    kept = facilities.drop(index=outside.index.difference(placed.index))
    kept.loc[placed.index, "district_id"] = placed
    name = Path(str(inputs.files.get("osm", "the OSM file"))).name
    far = len(outside) - len(placed)
    text = (
        f"facilities: {len(outside):,} existing "
        + ("facility" if len(outside) == 1 else "facilities")
        + f" from {name} lie{'s' if len(outside) == 1 else ''} outside every district"
    )
    if len(placed):
        one = len(placed) == 1
        text += (
            f"; {len(placed):,} within {reach_m:,.0f} m of a district (the largest walking "
            f"radius) {'is' if one else 'are'} given to the nearest district, whose residents "
            f"{'it serves' if one else 'they serve'} ("
            + ", ".join(f"{d}: {n}" for d, n in placed.value_counts(sort=False).items())
            + f"; the farthest {float(np.max(distances)):,.0f} m away)"
        )
    if far:
        text += (
            f"; {far:,} farther {'is' if far == 1 else 'are'} left out, as no district's "
            f"resident can walk to {'it' if far == 1 else 'them'}"
        )
    logger.info("%s", text)
    return dataclasses.replace(inputs, facilities=kept, notes=(*inputs.notes, text))


def districts_without_sites(
    inputs: Inputs, ids: list[str], *, lease_statuses: tuple[str, ...] = ()
) -> list[str]:
    """The districts of ``ids`` with no candidate parcel, no existing facility and no
    area that gets a leased unit.

    A partitioned run leaves each of them without a plan (``no_sites``, see
    :func:`siting.province.engine.solve_county`), so the plan is partial (exit 3);
    ``siting validate`` names them beforehand.

    Parameters
    ----------
    inputs
        Validated inputs whose layers :func:`district_ids` accepted.
    ids
        The districts to plan, as :func:`district_ids` gives them.
    lease_statuses
        With ``[candidates] lease_in_areas``, its ``status``: a district holding an area
        of them may lease a unit there (:mod:`siting.leasing`).

    Returns
    -------
    list of str
        Their ``district_id``, in the order of ``ids``.
    """
    held: set[str] = set()
    for layer in (inputs.parcels, inputs.facilities):
        if layer is not None and not layer.empty:
            held |= set(layer["district_id"].dropna().astype(str))
    if lease_statuses:
        areas = inputs.areas
        leasable = areas["status"].astype(str).isin(lease_statuses)
        held |= set(areas.loc[leasable, "district_id"].dropna().astype(str))
    return [d for d in ids if d not in held]


def clip_graph(graph: Any, outline: Any, reach_m: float) -> Any:
    """The part of a walking graph whose nodes lie within ``reach_m`` of ``outline``.

    ``outline`` is one geometry or an array of them (the areas near a border, say):
    the nodes are found with a tree of its parts, not by testing each against one
    merged and buffered shape, which took about two minutes for a million nodes
    against 3,000 areas near the borders (a shape of 71,000 vertices).
    """
    if graph is None:
        return None
    parts = shapely.get_parts(np.atleast_1d(np.asarray(outline, dtype=object)))
    ids = list(graph.nodes)
    xs = np.fromiter((graph.nodes[n]["x"] for n in ids), dtype=np.float64, count=len(ids))
    ys = np.fromiter((graph.nodes[n]["y"] for n in ids), dtype=np.float64, count=len(ids))
    near = shapely.STRtree(parts).query(
        shapely.points(xs, ys), predicate="dwithin", distance=reach_m
    )[0]
    kept = [ids[i] for i in np.unique(near)]
    return graph.subgraph(kept).copy()


def _district_extent(districts: gpd.GeoDataFrame, own: dict[str, Any]) -> Any:
    """The district's outline, with its own features that lie outside it.

    A layer's ``district_id`` is the planner's word and is kept as given, so an area
    may carry a district whose outline it lies outside (a bureau's codes against a
    boundary service's outlines). Its streets are kept all the same: clipped to the
    outline alone, such a county had no street and failed with "the street graph has
    no nodes", which the single run and ``validate`` did not.
    """
    outline = districts.geometry.union_all()
    outside = [outline]
    for name in _BY_DISTRICT:
        layer = own.get(name)
        if layer is None or not len(layer) or name == "districts":
            continue
        geoms = layer.geometry
        away = geoms[~geoms.intersects(outline)]
        if len(away):
            outside.append(away.union_all())
    return outline if len(outside) == 1 else shapely.union_all(outside)


def district_inputs(inputs: Inputs, district_id: str, *, scenario: Scenario) -> Inputs:
    """One district's share of the inputs, as if its own city had been read.

    Parameters
    ----------
    inputs
        Validated inputs with a ``districts`` layer (:func:`district_ids` checked).
    district_id
        The district to keep.
    scenario
        The scenario, for the walking radii that decide how much street to keep.

    Returns
    -------
    Inputs
        The district's areas, parcels, existing facilities, subdistricts and
        workplaces; all hazards; its streets; the same raster paths.
    """
    assert inputs.districts is not None
    changes: dict[str, Any] = {}
    for name in _BY_DISTRICT:
        layer = getattr(inputs, name)
        if layer is not None and "district_id" in layer.columns:
            changes[name] = layer[layer["district_id"].astype(str) == district_id]
    districts = inputs.districts[inputs.districts.index.astype(str) == district_id]
    changes["districts"] = districts
    radii = scenario.radii
    reach_m = 2 * max(radii.urban_m, radii.rural_m, radii.workplace_m, radii.new_beside_m)
    changes["street_graph"] = clip_graph(
        inputs.street_graph, _district_extent(districts, changes), reach_m
    )
    changes.update(_context(inputs, district_id, own=changes["areas"], scenario=scenario))
    return dataclasses.replace(inputs, **changes)


def _context(
    inputs: Inputs, district_id: str, *, own: gpd.GeoDataFrame, scenario: Scenario
) -> dict[str, gpd.GeoDataFrame | None]:
    """The other districts' areas (and districts) that may share a cell with this one.

    Every other area within two cells (plus twice ``residual_to_nearest_m``) of the
    bounds of the district and its areas: a superset of those touching a cell that
    the district or its areas touch, which is all that exactness needs. With census
    units (:attr:`Inputs.census`) instead of a raster, every other area that overlaps a
    unit the district or its areas touch: a unit is shared among all its areas, and
    one no area of the district holds is the district's residual only if no other
    district's area holds it.
    """
    assert inputs.districts is not None
    outline = inputs.districts[inputs.districts.index.astype(str) == district_id]
    corners = [layer.total_bounds for layer in (outline, own) if len(layer)]
    if not corners:
        return {"context_areas": None, "context_districts": None}
    xy = np.vstack(corners)
    box = shapely.box(*xy[:, :2].min(axis=0), *xy[:, 2:].max(axis=0))
    cell = _largest_cell_m(inputs)
    reach = scenario.demand.residual_to_nearest_m or 0.0
    areas = inputs.areas
    others = areas[areas["district_id"].astype(str) != district_id]
    hits = others.sindex.query(box.buffer(2 * reach + 2 * cell), predicate="intersects")
    census = inputs.census
    if census is not None and not inputs.census_is_areas and len(others):
        mine = np.concatenate([outline.geometry.to_numpy(), own.geometry.to_numpy()])
        units = census.geometry.to_numpy()[
            np.unique(census.sindex.query(mine, predicate="intersects")[1])
        ]
        sharing = others.sindex.query(units, predicate="intersects")[1]
        hits = np.union1d(hits, sharing)
    near = others.iloc[np.sort(hits)]
    out: dict[str, gpd.GeoDataFrame | None] = {"context_areas": near if len(near) else None}
    out["context_districts"] = None
    if scenario.demand.residual_to_nearest_m is not None:
        districts = inputs.districts
        rest = districts[districts.index.astype(str) != district_id]
        hits = rest.sindex.query(box.buffer(reach + 2 * cell), predicate="intersects")
        out["context_districts"] = rest.iloc[np.sort(hits)]
    return out


def _largest_cell_m(inputs: Inputs) -> float:
    """The diagonal of the largest raster cell of the run, in the working CRS's metres."""
    rasters: list[tuple[Path | str | None, pyproj.CRS | None]] = [
        (inputs.population, inputs.population_crs),
        (inputs.migrant_population, inputs.migrant_population_crs),
        (inputs.children, None),
    ]
    largest = 0.0
    for path, crs in rasters:
        if path is None:
            continue
        with rasterio.open(path) as ds:
            source = ds.crs or crs or inputs.population_crs
            x0, y0, x1, y1 = rasterio.warp.transform_bounds(source, inputs.crs, *ds.bounds)
            largest = max(largest, math.hypot((x1 - x0) / ds.width, (y1 - y0) / ds.height))
    return largest
