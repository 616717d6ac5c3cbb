"""Sharing census units' people (七普 by 街道 or 社区) out among residential areas.

Where a bureau has no population raster it trusts, ``[inputs.population]`` is a layer
of census units with a count column (:class:`siting.scenario.PopulationSpec`). Each
unit's people are shared out as a raster cell's are (:mod:`siting.allocation`), with
the unit in the cell's place and exact polygon overlaps instead of cell coverage:

``"dasymetric"`` (the default)
    A unit's people go to the residential areas overlapping it, in proportion to their
    overlap: a 街道 whose residential land is a third of its area gives *all* its people
    to those areas. With buildings (their floor area as ``weight``), a unit whose areas
    hold buildings splits its people by the floor area of those buildings instead (each
    building counts in the unit, and the area, holding its representative point; one in
    two overlapping areas counts in the first), as the raster's cells do. Let
    :math:`a_{iu}` be the overlap of area :math:`i` and unit :math:`u` and
    :math:`C_u = \\sum_i a_{iu}`; then

    .. math:: \\mathrm{pop}_i = \\sum_{u:\\,C_u > 0} P_u \\, a_{iu} / C_u .

``"area_weighted"``
    A unit's people count in an area by the share of the unit it covers; the people of
    the uncovered part are the residual.

A unit no area touches keeps its people as the **residual**, reported and never
dropped: counted whole in the zone (district) holding most of it, and drawn on the map
as the unit itself. Within a unit the people are spread evenly over the residential
land (or by floor area), not as a raster would place them.

When the units are the areas themselves (:attr:`siting.inputs.Inputs.census_is_areas`),
each area holds exactly its own count.

Context (one county of a partitioned run): the other counties' areas near it take
their share of every unit they overlap, and only the own areas' are returned; a
residual unit is counted by the county its ``residual_district_id`` names (the
district holding most of it, as :mod:`siting.inputs` finds it on the whole layer), so
the counties' runs count each once, as the whole run does.
"""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from siting.allocation import METHODS, Allocation
from siting.errors import InputError, Problem
from siting.inputs._census import RESIDUAL_DISTRICT, largest_zone

logger = logging.getLogger(__name__)

__all__ = ["allocate_census"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]


def allocate_census(
    polygons: gpd.GeoSeries,
    units: gpd.GeoDataFrame,
    *,
    method: str = "dasymetric",
    zones: gpd.GeoSeries | None = None,
    buildings: gpd.GeoDataFrame | None = None,
    weight_column: str = "weight",
    context: gpd.GeoSeries | None = None,
    own_counts: bool = False,
    fill_in: npt.ArrayLike | None = None,
) -> tuple[Allocation, gpd.GeoDataFrame]:
    """Share census units' people out among polygons and count the people none holds.

    Parameters
    ----------
    polygons
        The residential areas (polygons with a CRS), indexed by their ids.
    units
        The census units: polygons with ``people`` (and optionally ``name`` and
        ``residual_district_id``, the zone whose residual a unit no polygon touches
        counts in; without it, the zone holding most of the unit), indexed by their ids,
        in any CRS.
    method
        ``"dasymetric"`` (default) or ``"area_weighted"`` (see the module notes).
    zones
        Optional zones (districts), indexed by their ids: the residual per zone.
    buildings
        Optional buildings (polygons or points) with ``weight_column``: with the
        dasymetric allocation, a unit whose areas hold buildings splits its people by
        their weight.
    weight_column
        The buildings' weight column.
    context
        Other areas (a neighbouring county's) that take their share of every unit they
        overlap, without being returned.
    own_counts
        The units are the polygons themselves: each polygon holds its own unit's count.
    fill_in
        One flag per polygon, then per ``context`` polygon: those flagged (street blocks,
        the land streets enclose, farmland too) take a share, dasymetric, only of the
        units no unflagged polygon overlaps (a planner's drawn areas hold the people of
        the units they lie in).

    Returns
    -------
    tuple of Allocation and geopandas.GeoDataFrame
        The people per polygon, the total, the residual (per zone) as
        :func:`siting.allocation.allocate` gives them (``residual_blocks`` empty); and
        the residual units (``residual_people``, ``cells`` = 0, ``name``) in the
        polygons' CRS, indexed by the unit id as ``block_id``.

    Raises
    ------
    InputError
        An unknown method, or a layer without a CRS.

    Examples
    --------
    Two units of 900 and 300 people side by side; one area covers a third of the
    first. Dasymetric: the area holds all 900, the second unit is residual.

    >>> import geopandas as gpd, shapely
    >>> units = gpd.GeoDataFrame({"people": [900.0, 300.0]}, index=["U1", "U2"],
    ...     geometry=[shapely.box(0, 0, 300, 100), shapely.box(300, 0, 600, 100)],
    ...     crs="EPSG:4544")
    >>> area = gpd.GeoSeries([shapely.box(0, 0, 100, 100)], index=["A1"], crs="EPSG:4544")
    >>> held, residual = allocate_census(area, units)
    >>> float(held.held["A1"]), held.residual, held.total, residual.index.tolist()
    (900.0, 300.0, 1200.0, ['U2'])
    >>> float(allocate_census(area, units, method="area_weighted")[0].held["A1"])
    300.0
    """
    if method not in METHODS:
        raise InputError(
            [Problem(f"unknown allocation {method!r}", fix=f"use one of {', '.join(METHODS)}")]
        )
    for name, layer in (("polygons", polygons), ("census units", units), ("zones", zones)):
        if layer is not None and layer.crs is None:
            raise InputError([Problem(f"the {name} have no CRS", fix="set their CRS")])
    crs = units.crs
    people = pd.to_numeric(units["people"], errors="coerce").fillna(0.0).to_numpy(dtype=float)
    if own_counts:
        return _own_counts(polygons, units, people, zones)
    own = np.asarray(polygons.to_crs(crs).values, dtype=object)
    every = own
    if context is not None and len(context):
        every = np.concatenate([own, np.asarray(context.to_crs(crs).values, dtype=object)])
    shapes = np.asarray(units.geometry.values, dtype=object)
    size = shapely.area(shapes)
    area_of, unit_of = shapely.STRtree(shapes).query(every, predicate="intersects")
    overlap = shapely.area(shapely.intersection(every[area_of], shapes[unit_of]))
    met = overlap > 0
    n, m = len(every), len(shapes)
    if fill_in is not None and method == "dasymetric":
        filler = np.asarray(fill_in, dtype=bool)[area_of]
        drawn = np.zeros(m, dtype=bool)
        drawn[unit_of[met & ~filler]] = True
        met &= ~(filler & drawn[unit_of])
    area_of, unit_of, overlap = area_of[met], unit_of[met], overlap[met]
    cover = np.bincount(unit_of, weights=overlap, minlength=m)
    twice = 0.0
    if method == "dasymetric":
        held: FloatArray = np.zeros(n)
        weighed = np.zeros(m, dtype=bool)
        if buildings is not None and len(buildings):
            weighed = _by_buildings(buildings, weight_column, every, shapes, people, held, crs)
        by_overlap = ~weighed[unit_of]
        held += np.bincount(
            area_of[by_overlap],
            weights=(people[unit_of] * overlap / cover[unit_of])[by_overlap],
            minlength=n,
        )
        left = np.where(cover > 0, 0.0, people)
    else:
        held = np.bincount(
            area_of, weights=people[unit_of] * overlap / size[unit_of], minlength=n
        ).astype(np.float64)
        union = shapely.union_all(shapely.make_valid(every)) if n else shapely.Polygon()
        covered = shapely.area(shapely.intersection(shapes, union))
        left = people * np.clip(1.0 - covered / size, 0.0, 1.0)
        own_share = np.bincount(
            unit_of[area_of < len(own)], weights=overlap[area_of < len(own)], minlength=m
        )
        twice = float(np.sum(people * np.clip(own_share - covered, 0.0, None) / size))
    counted = np.ones(m, dtype=bool)
    by_zone = pd.Series(dtype=float)
    if zones is not None:
        if RESIDUAL_DISTRICT in units.columns:  # as siting.inputs found it on the whole layer
            position = pd.Series(np.arange(len(zones)), index=zones.index.astype(str))
            found = position.reindex(units[RESIDUAL_DISTRICT].astype(str)).to_numpy(dtype=float)
            counted, zone_of = ~np.isnan(found), np.nan_to_num(found, nan=0).astype(np.intp)
        else:
            zone_of = largest_zone(shapes, np.asarray(zones.to_crs(crs).values, dtype=object))
            counted, zone_of = zone_of >= 0, np.maximum(zone_of, 0)
        by_zone = pd.Series(
            np.bincount(zone_of[counted], weights=left[counted], minlength=len(zones)),
            index=zones.index,
            name="residual",
        )
    left = np.where(counted, left, 0.0)
    held_own = pd.Series(held[: len(own)], index=polygons.index, name="people")
    residual = float(left.sum())
    total = float(held_own.sum()) + residual - twice
    allocation = Allocation(
        held=held_own,
        method=method,
        total=total,
        residual=residual,
        overlap=twice,
        residual_by_zone=by_zone,
        in_zones=total if zones is not None else None,
        crs=crs,
    )
    return allocation, _residual_units(units, left, polygons.crs)


def _own_counts(
    polygons: gpd.GeoSeries,
    units: gpd.GeoDataFrame,
    people: FloatArray,
    zones: gpd.GeoSeries | None,
) -> tuple[Allocation, gpd.GeoDataFrame]:
    """Each polygon's own count: the units are the polygons, by id."""
    counts = pd.Series(people, index=units.index.astype(str))
    held = pd.Series(
        counts.reindex(polygons.index.astype(str)).fillna(0.0).to_numpy(),
        index=polygons.index,
        name="people",
    )
    total = float(held.sum())
    allocation = Allocation(
        held=held,
        method="dasymetric",
        total=total,
        residual=0.0,
        residual_by_zone=pd.Series(
            0.0, index=zones.index if zones is not None else [], name="residual"
        ),
        in_zones=total if zones is not None else None,
        crs=units.crs,
    )
    return allocation, _residual_units(units, np.zeros(len(units)), polygons.crs)


def _by_buildings(
    buildings: gpd.GeoDataFrame,
    column: str,
    areas: npt.NDArray[np.object_],
    units: npt.NDArray[np.object_],
    people: FloatArray,
    held: FloatArray,
    crs: object,
) -> npt.NDArray[np.bool_]:
    """Add to ``held`` the people of the units whose areas hold buildings, split by the
    buildings' weight; return which units were so split."""
    points = buildings.geometry.to_crs(crs).representative_point()
    weight = pd.to_numeric(buildings[column], errors="coerce").to_numpy(dtype=float)
    good = np.isfinite(weight) & (weight > 0) & ~points.is_empty.to_numpy()
    spots = np.asarray(points.values, dtype=object)[good]
    weight = weight[good]
    area = _first_within(spots, areas)
    unit = _first_within(spots, units)
    inside = (area >= 0) & (unit >= 0)
    area, unit, weight = area[inside], unit[inside], weight[inside]
    total = np.bincount(unit, weights=weight, minlength=len(units))
    np.add.at(held, area, people[unit] * weight / total[unit])
    weighed: npt.NDArray[np.bool_] = total > 0
    return weighed


def _first_within(points: npt.NDArray[np.object_], polygons: npt.NDArray[np.object_]) -> IntArray:
    """For each point, the first polygon (in the layer's order) holding it, −1 for none."""
    out = np.full(len(points), -1, dtype=np.intp)
    which, owner = shapely.STRtree(polygons).query(points, predicate="within")
    order = np.lexsort((owner, which))
    which, owner = which[order], owner[order]
    which, first = np.unique(which, return_index=True)
    out[which] = owner[first]
    return out


def _residual_units(units: gpd.GeoDataFrame, left: FloatArray, crs: object) -> gpd.GeoDataFrame:
    """The units that keep people no area holds, drawn as themselves for the map."""
    keep = left > 1e-9
    names = units["name"] if "name" in units.columns else pd.Series(units.index, index=units.index)
    frame = gpd.GeoDataFrame(
        {
            "residual_people": left[keep],
            "cells": np.zeros(int(keep.sum()), dtype=np.int64),
            "name": names.to_numpy(dtype=object)[keep],
        },
        geometry=np.asarray(units.geometry.values, dtype=object)[keep],
        index=pd.Index(units.index.astype(str)[keep], name="block_id"),
        crs=units.crs,
    )
    return frame.to_crs(crs) if crs is not None else frame
