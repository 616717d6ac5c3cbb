"""Representative demand points of residential areas, weighted by the population raster."""

from __future__ import annotations

import contextlib
import math
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyproj

from siting.errors import InputError, Problem
from siting.network._arrays import FloatArray, IntArray


def _metric_crs(gdf: gpd.GeoDataFrame) -> pyproj.CRS:
    crs = pyproj.CRS.from_user_input(gdf.crs)
    if crs.is_projected:
        return crs
    utm = gdf.estimate_utm_crs()
    return pyproj.CRS.from_user_input(utm)


def _weighted_kmeans(
    xy: FloatArray, weights: FloatArray, k: int, *, seed: int, iterations: int = 50
) -> IntArray:
    """Label points by a weighted k-means (k-means++ start, Lloyd iterations)."""
    rng = np.random.default_rng(seed)
    p = weights / weights.sum()
    centres = [xy[rng.choice(len(xy), p=p)]]
    for _ in range(1, k):
        d2 = np.min(((xy[:, None, :] - np.asarray(centres)[None, :, :]) ** 2).sum(-1), axis=1)
        score = weights * d2
        if score.sum() <= 0:
            break
        centres.append(xy[rng.choice(len(xy), p=score / score.sum())])
    c = np.asarray(centres)
    labels = np.zeros(len(xy), dtype=np.int64)
    for _ in range(iterations):
        d2 = ((xy[:, None, :] - c[None, :, :]) ** 2).sum(-1)
        new = np.argmin(d2, axis=1).astype(np.int64)
        for j in range(len(c)):
            members = new == j
            if members.any():
                c[j] = np.average(xy[members], axis=0, weights=weights[members])
        if np.array_equal(new, labels):
            break
        labels = new
    return labels


def _inside_or_nearest(
    point: FloatArray, polygon: Any, cells: FloatArray, weights: FloatArray
) -> FloatArray:
    """The weighted centroid if it lies inside the polygon, else the nearest populated cell."""
    import shapely

    if shapely.contains_xy(polygon, point[0], point[1]):
        return point
    populated = cells[weights > 0]
    nearest = populated[np.argmin(((populated - point) ** 2).sum(axis=1))]
    return np.asarray(nearest, dtype=np.float64)


def cell_window(
    bounds: Any, transform: Any, shape: tuple[int, int]
) -> tuple[int, int, int, int] | None:
    """The whole cells of a raster covering a bounding box, clipped to the raster.

    Parameters
    ----------
    bounds
        ``(left, bottom, right, top)`` in the raster's CRS.
    transform
        The raster's affine transform (any orientation).
    shape
        The raster's ``(height, width)``.

    Returns
    -------
    tuple of int or None
        ``(row_start, row_stop, col_start, col_stop)``: the offsets floored and the
        far edges ceiled, so every cell the box touches is in; None when the box
        misses the raster. (rasterio's ``Window.round_lengths`` rounds lengths to
        the nearest cell and would drop a partly covered last row or column.)
    """
    left, bottom, right, top = (float(v) for v in bounds)
    if not all(math.isfinite(v) for v in (left, bottom, right, top)):
        return None
    inverse = ~transform
    cols, rows = zip(*(inverse * (x, y) for x in (left, right) for y in (bottom, top)), strict=True)
    row0 = max(math.floor(min(rows)), 0)
    col0 = max(math.floor(min(cols)), 0)
    row1 = min(math.ceil(max(rows)), shape[0])
    col1 = min(math.ceil(max(cols)), shape[1])
    if row1 <= row0 or col1 <= col0:
        return None
    return row0, row1, col0, col1


_OWN_PASS_BELOW = 16  # a group of fewer overlapping polygons is burnt polygon by polygon


def _overlap_groups(geoms: npt.NDArray[np.object_]) -> IntArray:
    """Colour the polygons so that no two whose interiors meet share a colour.

    Polygons that only share an edge may share a colour. Colour 0 holds every
    polygon that overlaps no other; a missing or empty polygon gets -1.
    """
    import shapely

    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    colour = np.where(present, 0, -1).astype(np.int64)
    a, b = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    pair = (a != b) & present[a] & present[b]
    a, b = a[pair], b[pair]
    try:
        inner = ~shapely.touches(geoms[a], geoms[b])
    except shapely.errors.GEOSException:  # invalid polygons: every meeting counts as overlap
        inner = np.ones(len(a), dtype=bool)
    a, b = a[inner], b[inner]
    if not len(a):
        return colour
    order = np.argsort(a, kind="stable")
    a, b = a[order], b[order]
    starts = np.searchsorted(a, np.arange(len(geoms)), side="left")
    ends = np.searchsorted(a, np.arange(len(geoms)), side="right")
    for i in np.unique(a):  # greedy, in index order: the first free colour
        taken = {int(colour[j]) for j in b[starts[i] : ends[i]] if j < i}
        colour[i] = next(c for c in range(len(taken) + 1) if c not in taken)
    return colour


def _area_cells(
    geoms: npt.NDArray[np.object_], values: FloatArray, transform: Any
) -> tuple[IntArray, IntArray, IntArray]:
    """The populated cells whose centres lie in each polygon.

    A cell counts for every polygon holding its centre, whatever other polygons
    overlap it (a residential=* block inside a landuse=residential area): the
    polygons are burnt in groups that do not overlap (see :func:`_overlap_groups`),
    each group in its own pass over the cells its polygons cover; a small group
    polygon by polygon.

    Returns
    -------
    tuple of numpy.ndarray
        The polygon index, row and column of each (polygon, populated cell) pair.
    """
    import rasterio.features
    import shapely
    from rasterio.transform import Affine

    populated = values > 0
    parts: list[tuple[IntArray, IntArray, IntArray]] = []

    def burn(members: IntArray, span: tuple[int, int, int, int] | None) -> None:
        if span is None or not len(members):
            return
        row0, row1, col0, col1 = span
        labels = rasterio.features.rasterize(
            ((geoms[i], i + 1) for i in members),
            out_shape=(row1 - row0, col1 - col0),
            transform=transform @ Affine.translation(col0, row0),
            fill=0,
            all_touched=False,
            dtype="int32",
        )
        rr, cc = np.nonzero((labels > 0) & populated[row0:row1, col0:col1])
        area = (labels[rr, cc] - 1).astype(np.int64)
        parts.append((area, rr.astype(np.int64) + row0, cc.astype(np.int64) + col0))

    colour = _overlap_groups(geoms)
    for c in range(int(colour.max()) + 1):
        members = np.flatnonzero(colour == c)
        if c == 0:
            burn(members, (0, values.shape[0], 0, values.shape[1]))
        elif len(members) >= _OWN_PASS_BELOW:
            bounds = shapely.total_bounds(geoms[members])
            burn(members, cell_window(bounds, transform, values.shape))
        else:
            for i in members:
                burn(np.array([i]), cell_window(geoms[i].bounds, transform, values.shape))
    if not parts:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty.copy(), empty.copy()
    area, rows, cols = (np.concatenate(p) for p in zip(*parts, strict=True))
    return area, rows, cols


def area_points(
    areas: gpd.GeoDataFrame,
    population: str | Path | None,
    *,
    id_column: str = "area_id",
    max_single_point_area_m2: float = 250_000,
    cell_step: int = 1,
    seed: int = 0,
) -> gpd.GeoDataFrame:
    """Place each area's demand at one or more population-weighted points.

    A small area (up to ``max_single_point_area_m2``) gets one point: the
    population-weighted centroid of the raster cells whose centres lie inside
    it (all of them, whatever other areas overlap it: a residential=* block
    inside a landuse=residential area counts for both). If that centroid falls
    outside the polygon (a U-shaped area), the nearest populated cell centre is
    used instead. A larger area gets
    ``k = ceil(area / max_single_point_area_m2)`` points (at most one per
    populated cell): the weighted centroids of a seeded weighted k-means of its
    cell centres, each with its share of the area's population. An area with
    no populated cell centre gets its polygon's representative point with share
    1 (new developments the raster cannot see yet; areas smaller than a cell).

    Parameters
    ----------
    areas
        Area polygons with an id column.
    population
        A population-count raster (people per cell) in any CRS: its path, or a
        GDAL source string (``vrt:///path/pop.tif?a_srs=EPSG:4326`` gives a
        raster without one its CRS), opened as it is. ``None`` (a population of
        census units, :mod:`siting.census`): each area's people are spread evenly
        over its land, as the census allocation spreads them, so the points are
        placed on a uniform grid of cells (``population`` then counts cells).
    id_column
        The areas' id column.
    max_single_point_area_m2
        Largest area, in square metres, that gets a single point.
    cell_step
        Sum the raster over blocks of ``cell_step`` × ``cell_step`` cells first
        (for very fine rasters).
    seed
        Seed of the k-means start.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``area_id`` (named ``id_column``), ``point_id``
        (``"<area_id>/<n>"``), ``share`` (sums to 1 per area), ``population``
        (raster people assigned to the point), ``method``
        (``"population_weighted"``, ``"population_clusters"`` or
        ``"representative_point"``) and point ``geometry`` in ``areas.crs``.

    Raises
    ------
    InputError
        The id column is missing or duplicated, or the raster cannot be read or
        has no CRS.
    """
    import rasterio
    import rasterio.features
    import rasterio.windows
    from rasterio.transform import Affine

    problems: list[Problem] = []
    if id_column not in areas.columns:
        problems.append(Problem("no such column", column=id_column, fix="name the area id column"))
    elif areas[id_column].duplicated().any():
        dup = areas.loc[areas[id_column].duplicated(), id_column].astype(str)
        problems.append(
            Problem(
                "area ids are not unique",
                column=id_column,
                ids=tuple(dup),
                fix="give every area its own id",
            )
        )
    if areas.crs is None:
        problems.append(Problem("areas have no CRS", fix="set the layer's CRS"))
    if cell_step < 1:
        problems.append(Problem(f"cell_step must be at least 1, not {cell_step}"))
    if problems:
        raise InputError(problems)
    columns = [id_column, "point_id", "share", "population", "method"]
    if areas.empty:
        return gpd.GeoDataFrame(columns=[*columns, "geometry"], geometry="geometry", crs=areas.crs)

    mcrs = _metric_crs(areas)
    metric = areas.to_crs(mcrs)
    # a GDAL source string (vrt://...?a_srs=... for a raster given a CRS by the
    # scenario) stays a string: Path() would fold its "//"
    source = population if isinstance(population, Path) else str(population)
    grid: Any = contextlib.nullcontext()  # the even grid's memory, freed with the grid
    try:
        if population is None:
            grid = _uniform_grid(metric)
            src = grid.open()
        else:
            src = rasterio.open(source)
    except Exception as exc:
        raise InputError(
            [
                Problem(
                    f"cannot read the population raster ({exc})",
                    file=str(source),
                    fix="give a GeoTIFF of people per cell",
                )
            ]
        ) from exc
    with grid, src:
        if src.crs is None:
            raise InputError(
                [
                    Problem(
                        "the population raster has no CRS",
                        file=str(source),
                        fix="set the raster's CRS (or give it in the scenario)",
                    )
                ]
            )
        rcrs = pyproj.CRS.from_user_input(src.crs)
        in_raster = areas.to_crs(rcrs)
        span = cell_window(in_raster.total_bounds, src.transform, (src.height, src.width))
        if span is None:
            data = np.ma.zeros((0, 0))
            transform = src.transform
        else:
            row0, row1, col0, col1 = span
            window = rasterio.windows.Window(col0, row0, col1 - col0, row1 - row0)
            data = src.read(1, window=window, masked=True).astype(np.float64)
            transform = src.transform @ Affine.translation(col0, row0)
    values = np.asarray(data.filled(0.0), dtype=np.float64)
    values[~np.isfinite(values) | (values < 0)] = 0.0
    if cell_step > 1 and values.size:
        rows = -(-values.shape[0] // cell_step) * cell_step
        cols = -(-values.shape[1] // cell_step) * cell_step
        padded = np.zeros((rows, cols))
        padded[: values.shape[0], : values.shape[1]] = values
        values = padded.reshape(rows // cell_step, cell_step, cols // cell_step, cell_step).sum(
            axis=(1, 3)
        )
        transform = transform @ Affine.scale(cell_step)

    if values.size:
        cell_area, rr, cc = _area_cells(in_raster.geometry.to_numpy(), values, transform)
        cell_pop = values[rr, cc]
        xs, ys = rasterio.transform.xy(transform, rr, cc, offset="center")
        to_metric = pyproj.Transformer.from_crs(rcrs, mcrs, always_xy=True)
        mx, my = to_metric.transform(np.asarray(xs, dtype=float), np.asarray(ys, dtype=float))
        cell_xy = np.column_stack([np.asarray(mx, dtype=float), np.asarray(my, dtype=float)])
    else:
        cell_area = np.zeros(0, dtype=np.int64)
        cell_pop = np.zeros(0)
        cell_xy = np.zeros((0, 2))

    order = np.argsort(cell_area, kind="stable")
    cell_area, cell_pop, cell_xy = cell_area[order], cell_pop[order], cell_xy[order]
    starts = np.searchsorted(cell_area, np.arange(len(areas)), side="left")
    ends = np.searchsorted(cell_area, np.arange(len(areas)), side="right")

    records: list[dict[str, Any]] = []
    xy_out: list[FloatArray] = []
    for i, (area_id, polygon) in enumerate(zip(metric[id_column], metric.geometry, strict=True)):
        pops = cell_pop[starts[i] : ends[i]]
        xy = cell_xy[starts[i] : ends[i]]
        total = float(pops.sum())
        if polygon is None or polygon.is_empty:
            continue
        if total <= 0:
            rp = polygon.representative_point()
            records.append(
                {"share": 1.0, "population": 0.0, "method": "representative_point", "id": area_id}
            )
            xy_out.append(np.array([rp.x, rp.y]))
            continue
        k = 1
        if polygon.area > max_single_point_area_m2:
            k = min(math.ceil(polygon.area / max_single_point_area_m2), len(pops))
        if k == 1:
            centre = np.average(xy, axis=0, weights=pops)
            records.append(
                {"share": 1.0, "population": total, "method": "population_weighted", "id": area_id}
            )
            xy_out.append(_inside_or_nearest(centre, polygon, xy, pops))
            continue
        labels_k = _weighted_kmeans(xy, pops, k, seed=seed)
        for j in np.unique(labels_k):
            members = labels_k == j
            pop_j = float(pops[members].sum())
            if pop_j <= 0:
                continue
            centre = np.average(xy[members], axis=0, weights=pops[members])
            records.append(
                {
                    "share": pop_j / total,
                    "population": pop_j,
                    "method": "population_clusters",
                    "id": area_id,
                }
            )
            xy_out.append(_inside_or_nearest(centre, polygon, xy[members], pops[members]))

    frame = pd.DataFrame.from_records(records)
    frame.insert(0, id_column, frame.pop("id"))
    frame.insert(1, "point_id", frame.groupby(id_column, sort=False).cumcount())
    frame["point_id"] = frame[id_column].astype(str) + "/" + frame["point_id"].astype(str)
    pts = np.asarray(xy_out).reshape(-1, 2)
    out = gpd.GeoDataFrame(
        frame[columns],
        geometry=gpd.points_from_xy(pts[:, 0], pts[:, 1]),
        crs=mcrs,
    ).to_crs(areas.crs)
    return out


_UNIFORM_CELL_M = 20.0
"""The finest cell of :func:`_uniform_grid`, in metres."""
_UNIFORM_CELLS = 4_000_000
"""The most cells :func:`_uniform_grid` makes over the areas' bounds."""


def _uniform_grid(metric: gpd.GeoDataFrame) -> Any:
    """An in-memory raster (a ``rasterio.io.MemoryFile``, for the caller to open and close)
    of one person per cell over the bounds of ``metric`` (in its metric CRS), cells of
    20 m or wider to stay within 4 million cells."""
    from rasterio.io import MemoryFile
    from rasterio.transform import from_origin

    x0, y0, x1, y1 = metric.total_bounds
    side = max(_UNIFORM_CELL_M, math.sqrt((x1 - x0) * (y1 - y0) / _UNIFORM_CELLS))
    width, height = max(1, math.ceil((x1 - x0) / side)), max(1, math.ceil((y1 - y0) / side))
    memory = MemoryFile()
    with memory.open(
        driver="GTiff",
        width=width,
        height=height,
        count=1,
        dtype="float32",
        crs=metric.crs,
        transform=from_origin(x0, y1, side, side),
    ) as ds:
        ds.write(np.ones((1, height, width), dtype="float32"))
    return memory
