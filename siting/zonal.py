"""Exact, coverage-weighted zonal sums of a raster over polygons.

A raster cell that a polygon covers only in part counts by the fraction of the
cell it covers, so adjacent polygons never count a cell twice, and the sums over
a tiling of the raster add up to the raster's total.

The algorithm is the signed-area accumulation of anti-aliased font rasterizers
(font-rs). In grid coordinates (``col`` to the right, ``row`` down), every edge
of a closed ring deposits a signed amount into an accumulation grid ``A`` such
that the exact coverage of cell ``(r, c)`` is the prefix sum
:math:`\\sum_{k \\le c} A_{r,k}` along its row. Hence

.. math::

    \\sum_{r,c} \\mathrm{cov}_{r,c} \\, v_{r,c} = \\sum_{r,k} A_{r,k} \\, S_{r,k},
    \\qquad S_{r,k} = \\sum_{c \\ge k} v_{r,c},

where :math:`S` is the row-wise suffix sum of the raster, computed once. The
work is proportional to the number of edge–cell crossings (the perimeter of the
polygons in cells), not to their area, and runs over all edges of all polygons
at once with numpy.

Each edge is cut at the row lines, then at the column lines, into pieces that
each lie inside one cell ``(r, c)``. A piece with signed height :math:`\\Delta v`
and mean column position :math:`\\bar u` gives
:math:`A_{r,c} \\mathrel{+}= \\Delta v (c + 1 - \\bar u)` and
:math:`A_{r,c+1} \\mathrel{+}= \\Delta v (\\bar u - c)`, so its share of the sum is
:math:`\\Delta v \\, ((c + 1 - \\bar u) S_{r,c} + (\\bar u - c) S_{r,c+1})`. Pieces left of
the window cover the whole row (they count against column 0), pieces right of
it count nothing, and pieces above or below it are dropped.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import rasterio
import rasterio.errors
import rasterio.windows
import shapely
from affine import Affine
from rasterio.enums import MaskFlags

from siting._grid import cells_over
from siting.errors import InputError, Problem

__all__ = ["coverage_grid", "coverage_sums", "zonal_sums"]

logger = logging.getLogger(__name__)

_POLYGON = 3
_MULTIPOLYGON = 6
_PIECES_PER_CHUNK = 1 << 19
_CELLS_PER_STRIP = 1 << 22
_ROUNDING = 1e-12
"""A sum within this share of the size of its terms is their rounding (:func:`rounded_to_zero`)."""

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def zonal_sums(
    polygons: gpd.GeoSeries | gpd.GeoDataFrame,
    raster: str | Path | rasterio.io.DatasetReader,
    *,
    band: int = 1,
    ids: pd.Index | None = None,
) -> pd.Series:
    """Sum a raster band over each polygon, weighting each cell by its covered fraction.

    Parameters
    ----------
    polygons
        Polygons or multipolygons (holes are allowed), with a CRS. They are
        reprojected into the raster's CRS when the two differ, and coverage is
        computed in the raster's grid (as exactextract does). Missing or empty
        geometries get 0.
    raster
        Path of a raster file, or an open rasterio dataset. It must have a CRS
        and a north-up (unrotated) geotransform.
    band
        The band to sum, counted from 1.
    ids
        Index of the result; defaults to the index of ``polygons``. A
        :class:`pandas.MultiIndex` stays one, with its level names.

    Returns
    -------
    pandas.Series
        Named ``"sum"`` and indexed by the polygons' ids: the exact sum over the
        polygon of cell value × fraction of the cell inside the polygon. Nodata
        and NaN cells count as 0, and the parts of a polygon outside the raster
        count nothing. A sum within the rounding of its own terms is 0
        (:func:`rounded_to_zero`), never a negative count of people.

    Raises
    ------
    InputError
        When the polygons or the raster have no CRS, the raster is rotated,
        the band does not exist, a geometry is not a polygon, or ``ids`` has
        the wrong length.

    Notes
    -----
    Only the window of the raster covering the polygons' total bounds is
    read. Parts of a multipolygon that overlap each other, and self-crossing
    rings, are counted by their winding number.

    Examples
    --------
    >>> import numpy as np, geopandas as gpd, shapely
    >>> from rasterio.io import MemoryFile
    >>> from affine import Affine
    >>> profile = dict(driver="GTiff", width=2, height=2, count=1, dtype="float32",
    ...                crs="EPSG:4544", transform=Affine(1, 0, 0, 0, -1, 2))
    >>> with MemoryFile() as mem:
    ...     with mem.open(**profile) as ds:
    ...         ds.write(np.array([[1, 2], [3, 4]], dtype="float32"), 1)
    ...     with mem.open() as ds:
    ...         zones = gpd.GeoSeries([shapely.box(0.5, 0, 2, 1)], crs="EPSG:4544")
    ...         print(zonal_sums(zones, ds).round(6).tolist())
    [5.5]
    """
    geoseries = polygons.geometry if isinstance(polygons, gpd.GeoDataFrame) else polygons
    if not isinstance(geoseries, gpd.GeoSeries):
        raise InputError([Problem("polygons must be a GeoSeries or a GeoDataFrame")])
    # a MultiIndex stays one (pd.Index would make it an Index of tuples), as in siting.locate
    index = (
        geoseries.index
        if ids is None
        else ids.copy()
        if isinstance(ids, pd.Index)
        else pd.Index(ids)
    )
    problems: list[Problem] = []
    if len(index) != len(geoseries):
        problems.append(
            Problem(
                f"ids has {len(index)} entries but there are {len(geoseries)} polygons",
                fix="pass one id per polygon, or leave ids out to use the polygons' index",
            )
        )
    if geoseries.crs is None:
        problems.append(
            Problem(
                "the polygons have no CRS",
                fix="set it with polygons.set_crs(...) (e.g. EPSG:4490 for CGCS2000 lon/lat)",
            )
        )
    problems.extend(_geometry_type_problems(geoseries, index))
    with _open_raster(raster) as ds:
        problems.extend(_raster_problems(ds, [band]))
        if problems:
            raise InputError(problems)
        transform: Affine = ds.transform

        if geoseries.crs != ds.crs:
            logger.debug(
                "reprojecting %d polygons from %s to %s", len(geoseries), geoseries.crs, ds.crs
            )
            geoseries = geoseries.to_crs(ds.crs)
        geoms = np.asarray(geoseries.values, dtype=object)
        result = np.zeros(len(geoms), dtype=np.float64)
        window = _window_for(geoms, ds)
        if window is None:
            return pd.Series(result, index=index, name="sum")
        suffix = _read_suffix_sums(ds, band, window)
        # the window's own transform (rasterio.windows.transform warns with affine >= 3.1)
        window_transform = Affine(
            transform.a,
            0.0,
            transform.c + window.col_off * transform.a,
            0.0,
            transform.e,
            transform.f + window.row_off * transform.e,
        )
    result = _sums_from_suffix(geoms, suffix, window_transform)
    return pd.Series(result, index=index, name="sum")


def coverage_sums(
    polygons_xy: npt.ArrayLike,
    values: npt.NDArray[Any],
    transform: Affine,
) -> FloatArray:
    """Sum a grid of values over each polygon, weighting each cell by its covered fraction.

    This is the array-level core of :func:`zonal_sums`: no CRS, no files.

    Parameters
    ----------
    polygons_xy
        Shapely polygons or multipolygons (or ``None``) in the grid's CRS.
    values
        The 2-D grid of values, finite, with nodata already set to 0.
    transform
        The affine transform from (col, row) to (x, y) of ``values``; it must
        not rotate or shear.

    Returns
    -------
    numpy.ndarray
        One float64 sum per polygon, in the order given.

    Raises
    ------
    InputError
        When ``values`` is not 2-D, the transform rotates or is singular, or a
        geometry is not a polygon.
    """
    geoms = np.asarray(polygons_xy, dtype=object).ravel()
    grid = np.asarray(values)
    if grid.ndim != 2:
        raise InputError([Problem(f"values must be a 2-D array, not {grid.ndim}-D")])
    if transform.b != 0 or transform.d != 0 or transform.a == 0 or transform.e == 0:
        raise InputError([Problem("the transform must be north-up, without rotation or shear")])
    bad = _non_polygon_positions(geoms)
    if bad.size:
        raise InputError(
            [Problem("these geometries are not polygons", ids=tuple(str(i) for i in bad[:20]))]
        )
    if grid.size == 0 or len(geoms) == 0:
        return np.zeros(len(geoms), dtype=np.float64)
    return _sums_from_suffix(geoms, _row_suffix_sums(grid), transform)


def coverage_grid(
    polygons_xy: npt.ArrayLike, transform: Affine, shape: tuple[int, int]
) -> FloatArray:
    """The fraction of each cell of a grid that the polygons cover, summed over them.

    The accumulation grid of the module notes, materialized: its row-wise prefix sums
    are each cell's coverage, so all polygons are drawn in one pass over their edges
    (where rasterizing them one by one through GDAL costs a Python call per polygon).

    Parameters
    ----------
    polygons_xy
        Shapely polygons or multipolygons (or ``None``) in the grid's CRS.
    transform
        The grid's north-up affine transform.
    shape
        The grid's rows and columns.

    Returns
    -------
    numpy.ndarray
        ``shape`` floats: 1 in a cell one polygon covers whole, 0.25 in one a polygon
        covers a quarter of, 2 where two polygons overlap over it.

    Examples
    --------
    >>> import shapely
    >>> from affine import Affine
    >>> coverage_grid([shapely.box(0.5, 0, 2, 1)], Affine(1, 0, 0, 0, -1, 2), (2, 2)).tolist()
    [[0.0, 0.0], [0.5, 1.0]]
    """
    geoms = np.asarray(polygons_xy, dtype=object).ravel()
    rows, cols = shape
    accumulated = np.zeros(rows * (cols + 1), dtype=np.float64)
    edges = _ring_edges(geoms, transform) if len(geoms) and rows and cols else None
    if edges is not None:
        u0, v0, u1, v1, weight, owner = edges
        for lo in range(0, len(u0), _PIECES_PER_CHUNK // 8):
            hi = lo + _PIECES_PER_CHUNK // 8
            _, flat, amount, left = _cell_pieces(
                u0[lo:hi], v0[lo:hi], u1[lo:hi], v1[lo:hi], weight[lo:hi], owner[lo:hi], rows, cols
            )
            accumulated += np.bincount(flat, weights=amount * left, minlength=accumulated.size)
            accumulated += np.bincount(
                flat + 1, weights=amount * (1.0 - left), minlength=accumulated.size
            )
    coverage = np.cumsum(accumulated.reshape(rows, cols + 1), axis=1)[:, :cols]
    return np.asarray(coverage, dtype=np.float64)


def _sums_from_suffix(
    geoms: npt.NDArray[np.object_], suffix: FloatArray, transform: Affine
) -> FloatArray:
    """Coverage-weighted sums from the row-wise suffix sums of the grid (see the module notes)."""
    result = np.zeros(len(geoms), dtype=np.float64)
    nrows, ncols = suffix.shape[0], suffix.shape[1] - 1
    if nrows == 0 or ncols == 0 or len(geoms) == 0:
        return result
    edges = _ring_edges(geoms, transform)
    if edges is None:
        return result
    u0, v0, u1, v1, weight, owner = edges
    # cut the edges into chunks of a bounded number of pieces, to bound memory
    cost = np.minimum(np.abs(v1 - v0), nrows) + np.minimum(np.abs(u1 - u0), ncols) + 2.0
    cumulative = np.cumsum(cost)
    marks = np.arange(1, 1 + int(cumulative[-1]) // _PIECES_PER_CHUNK) * _PIECES_PER_CHUNK
    starts = np.unique(np.concatenate([[0], np.searchsorted(cumulative, marks), [len(u0)]]))
    scale = np.zeros(len(geoms), dtype=np.float64)
    for lo, hi in itertools.pairwise(starts):
        piece_owner, contribution, size = _edge_contributions(
            u0[lo:hi], v0[lo:hi], u1[lo:hi], v1[lo:hi], weight[lo:hi], owner[lo:hi], suffix
        )
        result += np.bincount(piece_owner, weights=contribution, minlength=len(geoms))
        scale += np.bincount(piece_owner, weights=size, minlength=len(geoms))
    return rounded_to_zero(result, scale)


def rounded_to_zero(sums: FloatArray, scale: FloatArray) -> FloatArray:
    """``sums`` with each sum no larger than the rounding of its own terms set to 0.

    A polygon over empty cells between peopled ones (the sea beside a city's coast)
    sums terms of the size of the row's people that cancel exactly but for rounding:
    -6e-12 people on Accra, which every function that takes people refuses as negative.
    ``scale`` is the sum of the terms' sizes; a sum within :data:`_ROUNDING` of it is
    nothing but their rounding. Changed in place and returned.
    """
    sums[np.abs(sums) <= _ROUNDING * scale] = 0.0
    return sums


def _edge_contributions(
    u0: FloatArray,
    v0: FloatArray,
    u1: FloatArray,
    v1: FloatArray,
    weight: FloatArray,
    owner: IntArray,
    suffix: FloatArray,
) -> tuple[IntArray, FloatArray, FloatArray]:
    """Cut edges into one-cell pieces and return each piece's owner, its share of the
    sum and the size of the terms it adds (for :func:`rounded_to_zero`)."""
    nrows, ncols = suffix.shape[0], suffix.shape[1] - 1
    piece_owner, flat, amount, left = _cell_pieces(u0, v0, u1, v1, weight, owner, nrows, ncols)
    values = suffix.ravel()
    size: FloatArray = np.abs(amount) * (np.abs(values[flat]) + np.abs(values[flat + 1]))
    return piece_owner, amount * _interpolate(suffix, flat, left), size


def _interpolate(suffix: FloatArray, flat: IntArray, left: FloatArray) -> FloatArray:
    """``left · S[r, c] + (1 − left) · S[r, c + 1]`` per piece; ``flat`` indexes ``S[r, c]``."""
    values = suffix.ravel()
    return left * values[flat] + (1.0 - left) * values[flat + 1]


def _cell_pieces(
    u0: FloatArray,
    v0: FloatArray,
    u1: FloatArray,
    v1: FloatArray,
    weight: FloatArray,
    owner: IntArray,
    nrows: int,
    ncols: int,
) -> tuple[IntArray, IntArray, FloatArray, FloatArray]:
    """Cut edges into one-cell pieces of a ``nrows`` × ``ncols`` window.

    Returns each piece's owner, the flat index ``r · (ncols + 1) + c`` of its
    cell in a grid one column wider than the window, its signed amount ``Δv ×
    (share of the row piece)``, and ``left = c + 1 − ū``. The piece adds
    ``amount · left`` to the accumulation grid at ``(r, c)`` and ``amount · (1 −
    left)`` at ``(r, c + 1)`` (see the module notes).
    """
    # --- stage 1: clip to the window's rows and cut at the row lines
    vlo = np.maximum(np.minimum(v0, v1), 0.0)
    vhi = np.minimum(np.maximum(v0, v1), float(nrows))
    keep = (vlo < vhi) & (weight != 0)
    u0, v0, u1, v1 = u0[keep], v0[keep], u1[keep], v1[keep]
    vlo, vhi, owner = vlo[keep], vhi[keep], owner[keep]
    direction = np.sign(v1 - v0) * weight[keep]
    slope = (u1 - u0) / (v1 - v0)
    first = np.floor(vlo) + 1.0
    cuts = np.maximum(np.ceil(vhi) - first, 0.0).astype(np.int64)
    edge, j = _expand(cuts + 1)
    last = j == cuts[edge]
    a = np.where(j == 0, vlo[edge], first[edge] + (j - 1))
    b = np.where(last, vhi[edge], first[edge] + j)
    row = np.minimum(np.floor(a).astype(np.int64), nrows - 1)
    height = direction[edge] * (b - a)
    ua = u0[edge] + (a - v0[edge]) * slope[edge]
    ub = u0[edge] + (b - v0[edge]) * slope[edge]
    piece_owner = owner[edge]
    del a, b, last, j, edge

    # --- stage 2: cut each row piece at the column lines inside the window
    ulo = np.minimum(ua, ub)
    uhi = np.maximum(ua, ub)
    del ua, ub
    inside = ulo < ncols
    ulo, uhi, row, height, piece_owner = (
        ulo[inside],
        uhi[inside],
        row[inside],
        height[inside],
        piece_owner[inside],
    )
    width = uhi - ulo
    first = np.maximum(np.floor(ulo) + 1.0, 0.0)
    last_cut = np.minimum(np.ceil(uhi) - 1.0, float(ncols))
    cuts = np.maximum(last_cut - first + 1.0, 0.0).astype(np.int64)
    piece, j = _expand(cuts + 1)
    ua = np.where(j == 0, ulo[piece], first[piece] + (j - 1))
    ub = np.where(j == cuts[piece], uhi[piece], first[piece] + j)
    w = width[piece]
    fraction = np.divide(ub - ua, w, out=np.ones_like(w), where=w > 0)
    np.clip(ua, 0.0, float(ncols), out=ua)
    np.clip(ub, 0.0, float(ncols), out=ub)
    mid = 0.5 * (ua + ub)
    col = np.clip(np.floor(mid).astype(np.int64), 0, ncols - 1)
    flat = row[piece] * (ncols + 1) + col
    return piece_owner[piece], flat, height[piece] * fraction, col + 1 - mid


def _expand(counts: IntArray) -> tuple[IntArray, IntArray]:
    """Repeat each ``i`` ``counts[i]`` times; return the repeated ``i`` and the rank within each."""
    total = int(counts.sum())
    parent = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    offsets = np.cumsum(counts) - counts
    rank = np.arange(total, dtype=np.int64) - np.repeat(offsets, counts)
    return parent, rank


def _row_suffix_sums(grid: npt.NDArray[Any]) -> FloatArray:
    """Row-wise suffix sums in float64, with a column of zeros appended on the right."""
    suffix = np.empty((grid.shape[0], grid.shape[1] + 1), dtype=np.float64)
    _fill_suffix_sums(suffix, grid)
    return suffix


def _fill_suffix_sums(out: FloatArray, grid: npt.NDArray[Any]) -> None:
    """Write the row-wise suffix sums of ``grid`` into ``out`` (one column wider).

    A forward cumulative sum over contiguous float64 is several times faster than
    one over a reversed view, so this computes the prefix sums ``P`` and then
    ``S = P[:, -1] - P``.
    """
    out[:, 0] = 0.0
    out[:, 1:] = grid
    np.cumsum(out, axis=1, out=out)
    totals = out[:, -1].copy()
    np.subtract(totals[:, None], out, out=out)


def _ring_edges(
    geoms: npt.NDArray[np.object_], transform: Affine
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, IntArray] | None:
    """Edges of all rings in grid coordinates, with each ring's sign and owning polygon."""
    parts, part_owner = shapely.get_parts(geoms, return_index=True)
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    if len(rings) == 0:
        return None
    exterior = np.ones(len(rings), dtype=bool)
    exterior[1:] = ring_part[1:] != ring_part[:-1]
    coords, ring_of = shapely.get_coordinates(rings, return_index=True)
    u = (coords[:, 0] - transform.c) / transform.a
    v = (coords[:, 1] - transform.f) / transform.e
    same = ring_of[:-1] == ring_of[1:]
    u0, u1 = u[:-1][same], u[1:][same]
    v0, v1 = v[:-1][same], v[1:][same]
    edge_ring = ring_of[:-1][same]
    # shoelace about each ring's first vertex, for precision far from the origin
    first = np.searchsorted(ring_of, np.arange(len(rings)))
    first = np.minimum(first, len(u) - 1)
    ou, ov = u[first][edge_ring], v[first][edge_ring]
    twice_area = np.bincount(
        edge_ring,
        weights=(u0 - ou) * (v1 - ov) - (u1 - ou) * (v0 - ov),
        minlength=len(rings),
    )
    # with col right and row down, the accumulation yields minus the shoelace area,
    # so exteriors are weighted by -sign(area) and holes by +sign(area)
    ring_weight = np.where(exterior, -1.0, 1.0) * np.sign(twice_area)
    owner = part_owner[ring_part][edge_ring].astype(np.int64)
    return u0, v0, u1, v1, ring_weight[edge_ring], owner


def _non_polygon_positions(geoms: npt.NDArray[np.object_]) -> IntArray:
    types = shapely.get_type_id(geoms)
    empty = shapely.is_empty(geoms) | (types < 0)
    bad = ~empty & (types != _POLYGON) & (types != _MULTIPOLYGON)
    return np.flatnonzero(bad).astype(np.int64)


def _geometry_type_problems(geoseries: gpd.GeoSeries, index: pd.Index) -> list[Problem]:
    bad = _non_polygon_positions(np.asarray(geoseries.values, dtype=object))
    if not bad.size:
        return []
    labels = index if len(index) == len(geoseries) else geoseries.index
    kinds = sorted(set(geoseries.iloc[bad].geom_type.astype(str)))
    return [
        Problem(
            f"{bad.size} geometries are not polygons ({', '.join(kinds)})",
            ids=tuple(str(labels[i]) for i in bad[:20]),
            fix="pass Polygon or MultiPolygon geometries (buffer points or lines first)",
        )
    ]


@contextmanager
def _open_raster(raster: str | Path | rasterio.io.DatasetReader) -> Iterator[Any]:
    if isinstance(raster, str | Path):
        try:
            ds = rasterio.open(raster)
        except rasterio.errors.RasterioIOError as exc:
            raise InputError([Problem(f"cannot open the raster: {exc}", file=str(raster))]) from exc
        with ds:
            yield ds
    else:
        yield raster


def _raster_problems(ds: Any, bands: list[int]) -> list[Problem]:
    """What makes a raster unusable here: no CRS, a rotated grid, a band it lacks."""
    name = str(ds.name)
    problems = []
    if ds.crs is None:
        problems.append(
            Problem(
                "the raster has no CRS",
                file=name,
                fix="assign one, e.g. with `rio edit-info --crs EPSG:4490`",
            )
        )
    t = ds.transform
    if t.b != 0 or t.d != 0:
        problems.append(
            Problem(
                "the raster's geotransform is rotated or sheared",
                file=name,
                fix="warp it to a north-up grid first (gdalwarp)",
            )
        )
    for b in bands:
        if not 1 <= b <= ds.count:
            problems.append(
                Problem(f"band {b} does not exist; the raster has {ds.count} band(s)", file=name)
            )
    return problems


def _window_for(geoms: npt.NDArray[np.object_], ds: Any) -> rasterio.windows.Window | None:
    """The window of whole cells covering the polygons' total bounds, clipped to the raster."""
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if not present.any():
        return None
    # the transform is north-up, checked by the caller
    cells = cells_over(shapely.total_bounds(geoms[present]), ds.transform, (ds.height, ds.width))
    if cells is None:
        return None
    row0, col0, row1, col1 = cells
    return rasterio.windows.Window(col0, row0, col1 - col0, row1 - row0)


def _read_suffix_sums(ds: Any, band: int, window: rasterio.windows.Window) -> FloatArray:
    """Row-wise suffix sums of a window of a band, read in strips of rows.

    Nodata, masked and non-finite cells count as 0. Reading in strips keeps the
    raster's own values out of memory: only the float64 sums are held.
    """
    height, width = int(window.height), int(window.width)
    suffix = np.empty((height, width + 1), dtype=np.float64)
    for top, values in read_strips(ds, band, window):
        _fill_suffix_sums(suffix[top : top + values.shape[0]], values)
    return suffix


def read_strips(
    ds: Any, band: int, window: rasterio.windows.Window, *, cells: int = _CELLS_PER_STRIP
) -> Iterator[tuple[int, npt.NDArray[Any]]]:
    """Read a window of a band in strips of whole blocks of rows, nodata set to 0.

    Parameters
    ----------
    ds
        An open rasterio dataset.
    band
        The band, counted from 1.
    window
        The window to read.
    cells
        About how many cells one strip holds.

    Yields
    ------
    tuple of int and numpy.ndarray
        The strip's first row (counted from the window's top) and its values,
        with nodata, masked and non-finite cells set to 0.
    """
    dtype = np.dtype(ds.dtypes[band - 1])
    if not np.issubdtype(dtype, np.number) or np.issubdtype(dtype, np.complexfloating):
        raise InputError(
            [Problem(f"band {band} has the non-numeric type {dtype}", file=str(ds.name))]
        )
    height, width = int(window.height), int(window.width)
    block_rows = max(int(ds.block_shapes[band - 1][0]), 1)
    strip = max(block_rows, (cells // max(width, 1)) // block_rows * block_rows)
    flags = ds.mask_flag_enums[band - 1]
    use_mask = MaskFlags.per_dataset in flags or MaskFlags.alpha in flags
    nodata = ds.nodatavals[band - 1]
    for top in range(0, height, strip):
        rows = min(strip, height - top)
        part = rasterio.windows.Window(window.col_off, window.row_off + top, width, rows)
        values = ds.read(band, window=part)
        if use_mask:
            values[ds.read_masks(band, window=part) == 0] = 0
        elif nodata is not None and not np.isnan(nodata):
            values[values == np.asarray(nodata).astype(dtype)] = 0
        if np.issubdtype(dtype, np.floating):
            values[~np.isfinite(values)] = 0
        yield top, values
