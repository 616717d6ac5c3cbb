"""Residential areas given as points: the land each one stands for.

A bureau's list of 小区 (a table of 名称, 户数 and coordinates, or a points layer of
compounds scraped from a web map) gives where each compound is, not its outline. The
raster's people are allocated to land, so each point is given the land it most likely
covers, its **catchment**: the land within a radius of it that is nearer to it than to
any other area's point (its Voronoi cell cut to a disc), less the land of the layer's
areas drawn as outlines. The radius comes from the compound's size:

* ``radius_m`` under ``[inputs.areas]``, for every point, when given;
* otherwise from its dwellings, as a disc of :data:`LAND_M2_PER_DWELLING` per dwelling
  (held between :data:`MIN_RADIUS_M` and :data:`MAX_RADIUS_M`);
* otherwise :data:`DEFAULT_RADIUS_M`.

A new area's demand is its dwellings × persons per household whatever its land; an old
or rural area's is the raster's people on its catchment, so its catchment is a guess
that a finding says plainly. Two areas at one point share one cell (each cut to its own
disc): the raster's people there are shared between them, as overlapping outlines share
them. Points are kept off the outlines, never the other way round, but for the outline
a point lies in (a 小区 inside a neighbourhood's landuse=residential polygon): it keeps
the land it shares with that one, whose people the two then share.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from siting._said import Said
from siting.inputs._problems import _Report

__all__ = ["DEFAULT_RADIUS_M", "LAND_M2_PER_DWELLING", "area_points", "point_catchments"]

LAND_M2_PER_DWELLING: dict[str, float] = {"new": 40.0, "old": 40.0, "rural": 450.0}
"""Land per dwelling, by status, of a 小区 given as a point with its dwellings (m²). A
town dwelling of about 90 m² of floor at a plot ratio of about 2.2 (GB 50180-2018's
residential blocks of 10–18 storeys, 2.0–2.8) stands on about 40 m² of land; a rural
household's share of its village's land on about 450 m² (GB 50188-2007's highest class of
construction land, 150 m² a person, for about three persons; the homestead alone is about
150 m², and a village of 500 households given 150 m² each held a third of the people its
outline holds on the sample: 14,461 of the 42 villages' 42,305, against 30,394 with
450 m²). A judgement, overridden by ``radius_m``."""

DEFAULT_RADIUS_M: dict[str, float] = {"new": 150.0, "old": 150.0, "rural": 300.0}
"""The catchment's radius of a point without dwellings (m): a town 小区 of about 7 ha, a
village of about 28 ha."""

MIN_RADIUS_M = 50.0
"""The smallest radius taken from dwellings (m): a building or two with their grounds."""

MAX_RADIUS_M = 500.0
"""The largest radius taken from dwellings (m): the 10-minute life circle's radius."""

_PEOPLE_BY_LAND = {
    False: "the raster's people on that land",
    True: "its share of the census units' people by that land",
}
"""What an old or rural area's demand is, by whether the population is census units."""

_DISC_SEGMENTS = 16
"""Segments per quarter circle of a disc (its area is 0.16 % under the circle's)."""


def point_radii(
    status: npt.NDArray[np.object_],
    dwellings: npt.NDArray[np.float64],
    *,
    radius_m: float | None = None,
) -> npt.NDArray[np.float64]:
    """Each point's catchment radius in metres (see the module's notes).

    Examples
    --------
    >>> import numpy as np
    >>> point_radii(np.array(["old", "new", "rural"]), np.array([1000.0, np.nan, 0.0]))
    array([112.83791671, 150.        , 300.        ])
    >>> point_radii(np.array(["old"]), np.array([10.0])), point_radii(
    ...     np.array(["old"]), np.array([1000.0]), radius_m=80.0)
    (array([50.]), array([80.]))
    """
    if radius_m is not None:
        return np.full(len(status), float(radius_m))
    land = np.array([LAND_M2_PER_DWELLING.get(str(s), 40.0) for s in status])
    default = np.array([DEFAULT_RADIUS_M.get(str(s), 150.0) for s in status])
    with np.errstate(invalid="ignore"):
        sized = np.clip(np.sqrt(dwellings * land / math.pi), MIN_RADIUS_M, MAX_RADIUS_M)
    known = np.isfinite(dwellings) & (dwellings > 0)
    return np.where(known, sized, default)


def point_catchments(
    frame: gpd.GeoDataFrame,
    *,
    radius_m: float | None,
    report: _Report,
    people: str | None = None,
    units: bool = False,
    at: npt.NDArray[np.object_] | None = None,
) -> gpd.GeoDataFrame:
    """``frame`` with each area given as a point replaced by its catchment.

    Parameters
    ----------
    frame
        The areas, indexed by ``area_id``, in a projected CRS (metres); points,
        multipoints (read at their centroid) and polygons may be mixed.
    radius_m
        ``[inputs.areas] radius_m``: one radius for every point, or None.
    report
        Takes the finding that says what was done.
    people
        The areas' own count column when ``[inputs.population]`` is the areas' own
        layer: their people are their counts, and the land only places their walks.
    units
        Whether the population is census units (七普 by 街道 or 社区), shared among the
        areas by their land, rather than a raster.
    at
        :func:`area_points` of ``frame`` when the caller has them already.

    Returns
    -------
    geopandas.GeoDataFrame
        The same rows and columns; the points' geometries are their catchments. A frame
        without points is returned as it is.
    """
    at = area_points(frame) if at is None else at
    if at is None:
        return frame
    geoms = np.asarray(frame.geometry.to_numpy(), dtype=object)
    drawn = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    is_point = ~shapely.is_missing(at)
    which = np.flatnonzero(is_point)
    centres = at[which]
    status = (
        frame["status"].to_numpy(dtype=object)[which]
        if "status" in frame
        else np.full(len(which), "old", dtype=object)
    )
    dwellings = (
        frame["dwellings"].to_numpy(dtype=np.float64)[which]
        if "dwellings" in frame
        else np.full(len(which), np.nan)
    )
    radii = point_radii(status, dwellings, radius_m=radius_m)
    unique, inverse = _unique_xy(centres)
    cells = _voronoi_cells(unique, reach=float(radii.max()))[inverse]
    land = shapely.intersection(cells, shapely.buffer(centres, radii, quad_segs=_DISC_SEGMENTS))
    outlines = geoms[drawn & ~is_point]
    inside = np.zeros(len(which), dtype=bool)
    if len(outlines):
        land, inside = _off_outlines(land, centres, outlines)
    out = frame.copy()
    new = geoms.copy()
    new[which] = land
    out = out.set_geometry(gpd.GeoSeries(new, index=frame.index, crs=frame.crs))
    shared = int((np.bincount(inverse)[inverse] > 1).sum())  # the points at a shared place
    report.find(
        Said(
            f"areas: {len(which)} of {len(frame)} areas are points, not outlines (a 小区 "
            "list): each stands for the land within "
            + _radius_words(radii, radius_m=radius_m)
            + " of it that is nearer to it than to another area"
            + (", less the areas drawn as outlines" if len(outlines) else "")
            + (f" ({shared} share a point with another)" if shared else "")
            + (
                f"; {int(inside.sum())} lie inside an area drawn as an outline (a "
                "neighbourhood's residential land?) and keep the land they share with it, "
                "whose people the two share"
                if inside.any()
                else ""
            )
            + (
                f". Their people are their own {people} column, so the land only places "
                "where their walks start"
                if people is not None
                else f". An old or rural area's demand is {_PEOPLE_BY_LAND[units]}, a guess "
                "(with demand.residents = 'dwellings', one that gives its dwellings counts "
                "them × persons per household instead); give the outlines for demand by the "
                "land the compounds cover"
            ),
            code="areas_as_points" if people is None else "areas_as_points_own_counts",
            **({"population": "census"} if units and people is None else {}),
            count=len(which),
            areas=len(frame),
            low_m=round(float(radii.min())),
            high_m=round(float(radii.max())),
            shared=shared,
            inside=int(inside.sum()),
            **({} if people is None else {"column": people}),
        )
    )
    return out


def area_points(frame: gpd.GeoDataFrame) -> npt.NDArray[np.object_] | None:
    """Each area's point where it is given as one (a multipoint's centroid), None where
    it is not; None when no area is (the layer's outlines alone).

    Its catchment is a guess of the 小区's land; its point is where the 小区 is, and places
    it in its district and street (:func:`siting.inputs._districts._assign`'s ``at``)."""
    geoms = np.asarray(frame.geometry.to_numpy(), dtype=object)
    drawn = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    is_point = drawn & np.isin(shapely.get_type_id(geoms), [0, 4])  # Point, MultiPoint
    if not is_point.any():
        return None
    at = np.full(len(geoms), None, dtype=object)
    at[is_point] = shapely.centroid(geoms[is_point])
    return at


def _off_outlines(
    land: npt.NDArray[np.object_],
    centres: npt.NDArray[np.object_],
    outlines: npt.NDArray[np.object_],
) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.bool_]]:
    """The points' land less the outlines', but for the outline each point lies in (a
    小区 inside a neighbourhood's residential land keeps its part of it); and which
    points lie in one. Only the outlines that meet a point's land are taken from it, a
    round for each one's rank among them (30,000 points among 3,000 outlines: 2.8 s,
    against 23 s for the difference with the outlines' union; the same land)."""
    point, outline = shapely.STRtree(outlines).query(land, predicate="intersects")
    own = shapely.covered_by(centres[point], outlines[outline])  # on its edge too
    inside = np.zeros(len(centres), dtype=bool)
    inside[point[own]] = True
    kept = land.copy()
    for rows, shapes in _by_rank(point[~own], outline[~own]):
        kept[rows] = shapely.difference(kept[rows], outlines[shapes])
    for rows, shapes in _by_rank(point[own], outline[own]):  # its part of its own outline
        kept[rows] = shapely.union(kept[rows], shapely.intersection(land[rows], outlines[shapes]))
    return kept, inside


def _by_rank(
    rows: npt.NDArray[np.intp], shapes: npt.NDArray[np.intp]
) -> Iterator[tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]]:
    """The (row, shape) pairs in rounds, each row at most once a round (its first shape,
    then its second …), so each round is one vectorised operation on distinct rows."""
    if not len(rows):
        return
    rank = pd.Series(rows).groupby(rows).cumcount().to_numpy()
    for r in range(int(rank.max()) + 1):
        now = rank == r
        yield rows[now], shapes[now]


def _radius_words(radii: npt.NDArray[np.float64], *, radius_m: float | None) -> str:
    """``"150 m"``, or ``"50–400 m (by its dwellings, …)"``."""
    low, high = round(float(radii.min())), round(float(radii.max()))
    if radius_m is not None:
        return f"{low:,} m (radius_m)"
    span = f"{low:,} m" if low == high else f"{low:,}–{high:,} m"
    return (
        f"{span} (a disc of {LAND_M2_PER_DWELLING['old']:g} m² a dwelling, "
        f"{LAND_M2_PER_DWELLING['rural']:g} m² in a rural area, or "
        f"{DEFAULT_RADIUS_M['old']:g} m and {DEFAULT_RADIUS_M['rural']:g} m without dwellings; "
        "radius_m under [inputs.areas] sets one)"
    )


def _unique_xy(
    points: npt.NDArray[np.object_],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.intp]]:
    """The distinct locations (to the centimetre) and each point's one among them."""
    xy = np.round(shapely.get_coordinates(points) * 100.0) / 100.0
    unique, inverse = np.unique(xy, axis=0, return_inverse=True)
    return unique, inverse.reshape(-1)


def _voronoi_cells(unique: npt.NDArray[np.float64], *, reach: float) -> npt.NDArray[np.object_]:
    """The Voronoi cell of each of the distinct locations ``unique`` (:func:`_unique_xy`),
    reaching at least ``reach`` past their box, in their order."""
    if len(unique) == 1:
        x, y = unique[0]
        box = shapely.box(x - 2 * reach, y - 2 * reach, x + 2 * reach, y + 2 * reach)
        return np.array([box], dtype=object)
    x0, y0 = unique.min(axis=0) - 2 * reach
    x1, y1 = unique.max(axis=0) + 2 * reach
    diagram = shapely.voronoi_polygons(
        shapely.multipoints(unique), extend_to=shapely.box(x0, y0, x1, y1), ordered=True
    )
    return np.asarray(shapely.get_parts(diagram), dtype=object)
