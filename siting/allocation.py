"""Sharing a population raster's people out among residential polygons, keeping every one.

Two allocations, both exact in the cells' coverage (no centroids, no rasterizing):

``"dasymetric"`` (the default)
    Masked area-weighted interpolation, as PySAL ``tobler`` and WorldPop do:
    each cell's people go to the polygons that overlap it, in proportion to
    their overlap. A cell that residential polygons cover only in part (the
    rest is road, shops, open land) gives *all* its people to them, because
    people live in the housing. Let :math:`a_{ic}` be the fraction of cell
    :math:`c` inside polygon :math:`i` and :math:`C_c = \\sum_i a_{ic}`; then

    .. math:: \\mathrm{pop}_i = \\sum_{c:\\,C_c > 0} P_c \\, a_{ic} / C_c ,

    which is the exact zonal sum of the grid :math:`V = P / C` (0 where
    :math:`C = 0`). A cell that no polygon touches keeps its people as the
    **residual** population, reported and never dropped. With optional
    weights (building floor area), a cell whose residential polygons hold
    buildings splits its people by the floor area of those buildings instead
    (each building counts in the cell of its representative point).

``"area_weighted"``
    The plain exact zonal sum: a cell's people count in a polygon by the
    share of the cell it covers. The people of the uncovered part of every
    cell are the residual.

Conservation: the total over the study area is what the polygons hold plus
the residual. Without zones the study area is the raster window over the
polygons' bounds; with zones (districts) the residual is counted inside the
zones (exact coverage), per zone.

Context: a county planned on its own (``run.partition``) passes its neighbours'
areas as ``context`` (and their districts as ``context_zones``). The coverage
:math:`C`, the building split and the nearest area of a residual cell are then
those of own + context polygons, but only the own polygons' people are
returned, and the residual is that of the own zones. A cell straddling a
county border is so shared between the counties exactly as one allocation of
the whole province shares it: summed over the counties, what the areas hold,
the residual and the total are the single allocation's.

The coverage grid :math:`C` is the prefix sum along rows of the same signed
edge accumulation that :mod:`siting.zonal` uses, so the work stays
proportional to the polygons' perimeter in cells plus one pass over the
window, done strip by strip (memory is bounded by one strip).
"""

from __future__ import annotations

import itertools
import logging
import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import rasterio
import rasterio.features
import rasterio.windows
import shapely
from affine import Affine
from scipy import ndimage

from siting.errors import InputError, Problem
from siting.zonal import (
    _cell_pieces,
    _geometry_type_problems,
    _open_raster,
    _raster_problems,
    _ring_edges,
    _window_for,
    read_strips,
    rounded_to_zero,
)

logger = logging.getLogger(__name__)

__all__ = ["METHODS", "Allocation", "allocate"]

METHODS: tuple[str, ...] = ("dasymetric", "area_weighted")
"""The allocations :func:`allocate` knows."""

_COVERED = 1e-9
"""A cell whose summed coverage is at most this (a sliver of 1e-9 of a cell) counts as uncovered."""
_PIECES_PER_CHUNK = 1 << 19
_CELLS_PER_STRIP = 1 << 22
_RESIDUAL_BLOCKS = 10_000

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Allocation:
    """People of a raster shared out among polygons, and those no polygon holds.

    Attributes
    ----------
    held
        People per polygon, indexed like the polygons.
    method
        ``"dasymetric"`` or ``"area_weighted"``.
    total
        The raster's people over the study area: ``held.sum() + residual - overlap``.
    residual
        People in the study area that no polygon holds.
    overlap
        People counted more than once because polygons overlap (the
        area-weighted sum counts an overlap once per polygon; dasymetric
        allocation never does, so it is 0 there).
    residual_by_zone
        The residual per zone (indexed by the zones' ids); empty without zones.
    in_zones
        With zones: the raster's people inside them (exact cell shares). ``total``
        less this is what polygons crossing the zones' outer edge hold from
        outside them (net of what context polygons hold from inside them).
        ``None`` without zones.
    moved
        Residual people given to the nearest polygon (``nearest_m``), already
        in ``held`` and no longer in ``residual``.
    residual_blocks
        When asked for: the residual cells merged into square blocks (``x0``,
        ``y0``, ``x1``, ``y1`` in the raster's CRS, ``people``, ``cells``), one
        row per block that keeps people; with zones, a cell counts by the share
        of it the zones cover, as ``residual`` does, so the blocks add up to it.
        Else empty.
    crs
        The raster's CRS (of ``residual_blocks``).
    cell_size
        The raster's cell width and height in its CRS's units.
    """

    held: pd.Series
    method: str
    total: float
    residual: float
    overlap: float = 0.0
    residual_by_zone: pd.Series = field(default_factory=lambda: pd.Series(dtype=float))
    in_zones: float | None = None
    moved: float = 0.0
    residual_blocks: pd.DataFrame = field(default_factory=pd.DataFrame)
    crs: Any = None
    cell_size: tuple[float, float] = (0.0, 0.0)

    @property
    def held_share(self) -> float:
        """Share of the study area's people that the polygons hold (NaN when it has none)."""
        return float(self.held.sum() / self.total) if self.total > 0 else float("nan")


@dataclass
class _Edges:
    """Ring edges in the window's grid coordinates, sorted by their top row."""

    u0: FloatArray
    v0: FloatArray
    u1: FloatArray
    v1: FloatArray
    weight: FloatArray
    owner: IntArray
    vlo: FloatArray
    vhi: FloatArray

    @classmethod
    def of(cls, geoms: npt.NDArray[np.object_], transform: Affine) -> _Edges | None:
        edges = _ring_edges(geoms, transform)
        if edges is None:
            return None
        u0, v0, u1, v1, weight, owner = edges
        vlo, vhi = np.minimum(v0, v1), np.maximum(v0, v1)
        order = np.argsort(vlo, kind="stable")
        return cls(
            u0=u0[order],
            v0=v0[order],
            u1=u1[order],
            v1=v1[order],
            weight=weight[order],
            owner=owner[order],
            vlo=vlo[order],
            vhi=vhi[order],
        )

    def pieces(
        self, top: int, rows: int, ncols: int
    ) -> Iterator[tuple[IntArray, IntArray, FloatArray, FloatArray]]:
        """The one-cell pieces of the edges that cross rows ``top .. top + rows``."""
        end = int(np.searchsorted(self.vlo, top + rows, side="left"))
        pick = np.flatnonzero(self.vhi[:end] > top)
        if pick.size == 0:
            return
        cost = np.minimum(self.vhi[pick] - self.vlo[pick], rows) + 2.0
        cost += np.minimum(np.abs(self.u1[pick] - self.u0[pick]), ncols)
        cumulative = np.cumsum(cost)
        marks = np.arange(1, 1 + int(cumulative[-1]) // _PIECES_PER_CHUNK) * _PIECES_PER_CHUNK
        bounds = np.unique(np.concatenate([[0], np.searchsorted(cumulative, marks), [pick.size]]))
        for lo, hi in itertools.pairwise(bounds):
            i = pick[lo:hi]
            yield _cell_pieces(
                self.u0[i],
                self.v0[i] - top,
                self.u1[i],
                self.v1[i] - top,
                self.weight[i],
                self.owner[i],
                rows,
                ncols,
            )


def allocate(
    polygons: gpd.GeoSeries | gpd.GeoDataFrame,
    raster: str | Path | Any,
    *,
    method: str = "dasymetric",
    band: int | Sequence[int] = 1,
    zones: gpd.GeoSeries | None = None,
    buildings: gpd.GeoDataFrame | None = None,
    weight_column: str = "weight",
    nearest_m: float | None = None,
    residual_blocks: bool | int = False,
    context: gpd.GeoSeries | gpd.GeoDataFrame | None = None,
    context_zones: gpd.GeoSeries | gpd.GeoDataFrame | None = None,
) -> Allocation:
    """Share a raster's people out among polygons and count the people none holds.

    Parameters
    ----------
    polygons
        Polygons or multipolygons with a CRS (overlaps and holes allowed). They
        are reprojected into the raster's CRS when the two differ.
    raster
        Path of a raster of people per cell, or an open rasterio dataset, with
        a CRS and a north-up geotransform.
    method
        ``"dasymetric"`` (default) or ``"area_weighted"`` (see the module notes).
    band
        The band to read, counted from 1, or several bands to add up (for
        example WorldPop's age 0–1 and 1–4 bands).
    zones
        Optional zones (districts) with a CRS: the residual is counted inside
        them, per zone, and the study area is their union.
    buildings
        Optional buildings (polygons or points) with a CRS and a
        ``weight_column`` (floor area). Dasymetric only: a cell whose
        residential polygons hold buildings splits its people by their weight.
    weight_column
        The buildings' weight column.
    nearest_m
        Give the people of each residual cell whose centre lies within this
        distance of a polygon (in the polygons' CRS, which must then be
        projected) to the nearest polygon. Only cells near the polygons are
        looked at, so it stays cheap on a large window.
    residual_blocks
        Also return the residual merged into square blocks of this many cells
        a side (``True``: about 10,000 blocks over the window), for a map.
    context
        Other polygons (a neighbouring county's areas) that take their share of
        every cell they cover, of its buildings and of the residual moved to the
        nearest polygon, without being returned: ``held`` is indexed like
        ``polygons`` only. Give every other polygon that touches a cell the
        polygons or the zones touch (within ``nearest_m`` of them with it).
    context_zones
        With ``nearest_m``: the zones next to ``zones`` (a neighbouring county),
        whose residual cells near the polygons are given to the nearest polygon
        (own or context) exactly as in one allocation of all the zones; their
        residual is not counted here.

    Returns
    -------
    Allocation
        People per polygon, the study area's total and the residual.

    Raises
    ------
    InputError
        A missing CRS, a rotated raster, a missing band, a geometry that is
        not a polygon, an unknown method, buildings without their weights, or
        ``nearest_m`` with polygons in a geographic CRS.

    Examples
    --------
    A 1 × 2 raster with 30 and 60 people; a polygon covers half of the first
    cell and nothing of the second, and the study area (one zone) is both
    cells. Dasymetric allocation gives the polygon all 30 people of the cell
    it touches; the area-weighted sum gives it 15.

    >>> import numpy as np, geopandas as gpd, shapely
    >>> from rasterio.io import MemoryFile
    >>> from affine import Affine
    >>> profile = dict(driver="GTiff", width=2, height=1, count=1, dtype="float32",
    ...                crs="EPSG:4544", transform=Affine(100, 0, 0, 0, -100, 100))
    >>> area = gpd.GeoSeries([shapely.box(0, 0, 50, 100)], crs="EPSG:4544")
    >>> study = gpd.GeoSeries([shapely.box(0, 0, 200, 100)], crs="EPSG:4544")
    >>> with MemoryFile() as mem:
    ...     with mem.open(**profile) as ds:
    ...         ds.write(np.array([[30, 60]], dtype="float32"), 1)
    ...     with mem.open() as ds:
    ...         d = allocate(area, ds, zones=study)
    ...         a = allocate(area, ds, zones=study, method="area_weighted")
    >>> float(d.held.iloc[0]), d.residual, d.total
    (30.0, 60.0, 90.0)
    >>> float(a.held.iloc[0]), a.residual, a.total
    (15.0, 75.0, 90.0)
    """
    if method not in METHODS:
        raise InputError(
            [Problem(f"unknown allocation {method!r}", fix=f"use one of {', '.join(METHODS)}")]
        )
    series = polygons.geometry if isinstance(polygons, gpd.GeoDataFrame) else polygons
    bands = [band] if isinstance(band, int) else list(band)
    others = _series(context)
    other_zones = _series(context_zones) if nearest_m is not None and zones is not None else None
    problems = _geometry_type_problems(series, series.index)
    if others is not None:
        problems += _geometry_type_problems(others, others.index)
    layers = (
        ("polygons", series),
        ("zones", zones),
        ("buildings", buildings),
        ("context polygons", others),
        ("context zones", other_zones),
    )
    for name, layer in layers:
        if layer is not None and layer.crs is None:
            problems.append(Problem(f"the {name} have no CRS", fix="set their CRS"))
    if nearest_m is not None and series.crs is not None and not series.crs.is_projected:
        problems.append(
            Problem(
                "the polygons are in a geographic CRS, so a distance in metres cannot be measured",
                fix="reproject them to a projected metric CRS first",
            )
        )
    if buildings is not None and weight_column not in buildings.columns:
        problems.append(
            Problem(
                "the buildings have no weight",
                column=weight_column,
                fix="give each building its floor area",
            )
        )
    with _open_raster(raster) as ds:
        problems.extend(_raster_problems(ds, bands))
        if problems:
            raise InputError(problems)
        own = _in_crs(series, ds.crs)
        zone_geoms = _in_crs(zones, ds.crs) if zones is not None else None
        window = _window(own, zone_geoms, ds)
        t: Affine = ds.transform
        if window is None:
            return _empty(series.index, zones, method, ds)
        if other_zones is not None and nearest_m is not None and len(other_zones):
            assert zones is not None
            window = _reach_window(window, _joined(series, zones), nearest_m, ds)
        wt = Affine(t.a, 0.0, t.c + window.col_off * t.a, 0.0, t.e, t.f + window.row_off * t.e)
        every = series if others is None else _joined(series, others)
        geoms = own if others is None else _in_crs(every, ds.crs)
        spot = (
            _building_spots(buildings, weight_column, every, ds.crs, wt, window)
            if buildings is not None and method == "dasymetric"
            else None
        )
        every_zone = zone_geoms
        if other_zones is not None and len(other_zones):
            near_zones = _in_crs(other_zones, ds.crs)
            every_zone = (
                near_zones if zone_geoms is None else np.concatenate([zone_geoms, near_zones])
            )
        block = _block_size(residual_blocks, window)
        state = _State(
            n=len(geoms),
            n_own=len(own),
            method=method,
            areas=_Edges.of(geoms, wt),
            zones=_Edges.of(zone_geoms, wt) if zone_geoms is not None else None,
            n_zones=len(zone_geoms) if zone_geoms is not None else 0,
            spots=spot,
            shape=(int(window.height), int(window.width)),
            block=block,
            zone_grid=_zone_grid(every_zone, wt, window)
            if every_zone is not None and (block or nearest_m is not None)
            else None,
            near=nearest_m is not None,
            union=_union_edges(geoms, wt) if method == "area_weighted" else None,
            every_zone=_Edges.of(every_zone, wt)
            if nearest_m is not None and every_zone is not None
            else None,
        )
        for top, values in _band_strips(ds, bands, window):
            state.strip(top, values)
        crs = ds.crs
    if nearest_m is not None:
        state.to_nearest(every, nearest_m, wt, crs)
    # a polygon over empty cells between peopled ones holds 0, not their rounding (-6e-12)
    people = rounded_to_zero(state.held[: len(own)], state.held_scale[: len(own)])
    held = pd.Series(people, index=series.index, name="people")
    zone_index = zones.index if zones is not None else pd.Index([])
    by_zone = pd.Series(state.zone_residual, index=zone_index, name="residual", dtype=float)
    residual = float(by_zone.sum()) if zones is not None else state.residual
    return Allocation(
        held=held,
        method=method,
        total=float(held.sum()) + residual - state.overlap,
        residual=residual,
        overlap=state.overlap,
        residual_by_zone=by_zone,
        in_zones=float(state.zone_people) if zones is not None else None,
        moved=state.moved,
        residual_blocks=state.blocks(wt),
        crs=crs,
        cell_size=(abs(t.a), abs(t.e)),
    )


@dataclass
class _Spots:
    """Buildings as weighted points in the window's grid, with the polygon each lies in."""

    row: IntArray
    col: IntArray
    weight: FloatArray
    owner: IntArray


@dataclass
class _State:
    """The running sums of :func:`allocate` over the strips of the window."""

    n: int
    n_own: int
    method: str
    areas: _Edges | None
    zones: _Edges | None
    n_zones: int
    spots: _Spots | None
    shape: tuple[int, int]
    block: int
    zone_grid: npt.NDArray[np.integer[Any]] | None
    near: bool
    union: _Edges | None = None
    """The polygons' union (area-weighted only): the share of a cell any polygon covers."""
    every_zone: _Edges | None = None
    """The zones and the context zones (``nearest_m``): the part of a cell that may move."""
    held: FloatArray = field(init=False)
    held_scale: FloatArray = field(init=False)
    """The size of the terms each polygon's people add up (:func:`rounded_to_zero`)."""
    zone_residual: FloatArray = field(init=False)
    zone_people: float = 0.0
    """The raster's people inside the zones, left over or not."""
    residual: float = 0.0
    overlap: float = 0.0
    moved: float = 0.0
    block_people: FloatArray = field(init=False)
    block_cells: FloatArray = field(init=False)
    left_grid: npt.NDArray[np.float32] | None = field(init=False, default=None)
    covered_grid: npt.NDArray[np.bool_] | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.held = np.zeros(self.n, dtype=np.float64)
        self.held_scale = np.zeros(self.n, dtype=np.float64)
        self.zone_residual = np.zeros(self.n_zones, dtype=np.float64)
        rows, cols = self.shape
        nblocks = -(-rows // self.block) * -(-cols // self.block) if self.block else 0
        self.block_people = np.zeros(nblocks, dtype=np.float64)
        self.block_cells = np.zeros(nblocks, dtype=np.float64)
        if self.near:
            self.left_grid = np.zeros(self.shape, dtype=np.float32)
            self.covered_grid = np.zeros(self.shape, dtype=bool)

    def strip(self, top: int, values: npt.NDArray[Any]) -> None:
        """Add one strip of rows (``values``, nodata already 0) to the sums.

        One buffer one column wider than the strip holds, in turn, the edge
        deposits, the coverage (their prefix sums along rows), the values to
        sum (``P / C`` or ``P``) and the prefix sums of those values.
        """
        rows, ncols = values.shape
        pieces = list(self.areas.pieces(top, rows, ncols)) if self.areas is not None else []
        grid = np.zeros((rows, ncols + 1), dtype=np.float64)
        _deposit(pieces, grid)
        cover = grid[:, :ncols]
        np.cumsum(cover, axis=1, out=cover)
        covered = cover > _COVERED
        if self.method == "dasymetric":
            np.divide(values, cover, out=cover, where=covered)
            cover[~covered] = 0.0
            if self.spots is not None:
                covered |= self._buildings(top, values, cover)
            left_over = None
        else:
            # overlapping polygons add up to more than the share of a cell they cover: the
            # residual is what their union leaves, the overlap what they add beyond it
            once = _coverage(self.union, top, rows, ncols) if self.union is not None else cover
            left_over = values * np.clip(1.0 - once, 0.0, 1.0)
            twice = values * np.clip(cover - np.minimum(once, 1.0), 0.0, None)
            if self.n_own < self.n:  # the own polygons' share of the overlap
                own = self._own_cover(pieces, rows, ncols)
                np.divide(twice * own, cover, out=twice, where=covered)
            self.overlap += float(twice.sum())
            cover[:] = values
        grid[:, ncols] = 0.0
        if pieces:
            np.cumsum(grid, axis=1, out=grid)
            for owner, flat, amount, left in pieces:
                share, size = _from_prefix(grid, flat, left)
                self.held += np.bincount(owner, weights=amount * share, minlength=self.n)
                self.held_scale += np.bincount(
                    owner, weights=np.abs(amount) * size, minlength=self.n
                )
        del grid, cover
        wanted = self.zones is not None or self.block or self.near
        if wanted and left_over is None:
            left_over = np.where(covered, 0.0, values)
        if self.zones is not None:
            assert left_over is not None
            self.zone_residual += self._by_zone(top, left_over)
            self.zone_people += float(self._by_zone(top, values).sum())
        elif left_over is not None:
            self.residual += float(left_over.sum(dtype=np.float64))
        else:
            self.residual += float(np.sum(values, where=~covered, dtype=np.float64))
        if left_over is None:
            return
        if self.block:
            counted = left_over
            if self.zones is not None:
                # a cell on the study area's edge counts by its share inside the zones,
                # as the accounting does (by the zone of its centre, the blocks of a
                # single run added up to 169.5 people less than its residual)
                counted = left_over * self._zone_share(top, rows, ncols)
            index = self._block_index(top, rows, ncols).ravel()
            self.block_people += np.bincount(
                index, weights=counted.ravel(), minlength=self.block_people.size
            )
            self.block_cells += np.bincount(
                index, weights=(counted > 0).ravel(), minlength=self.block_cells.size
            )
        if self.near:
            assert self.left_grid is not None and self.covered_grid is not None
            self.left_grid[top : top + rows] = left_over
            self.covered_grid[top : top + rows] = covered

    def _by_zone(self, top: int, people: FloatArray) -> FloatArray:
        """How many of a strip's ``people`` each zone holds, by its exact share of a cell."""
        assert self.zones is not None
        rows, ncols = people.shape
        out = np.zeros(self.n_zones, dtype=np.float64)
        prefix = np.zeros((rows, ncols + 1), dtype=np.float64)
        np.cumsum(people, axis=1, out=prefix[:, :ncols])
        prefix[:, ncols] = prefix[:, ncols - 1]
        for owner, flat, amount, left in self.zones.pieces(top, rows, ncols):
            share, _ = _from_prefix(prefix, flat, left)
            out += np.bincount(owner, weights=amount * share, minlength=self.n_zones)
        return out

    def _own_cover(
        self, pieces: list[tuple[IntArray, IntArray, FloatArray, FloatArray]], rows: int, ncols: int
    ) -> FloatArray:
        """The coverage of the strip by the own polygons alone (not the context)."""
        own = (
            (owner[mine], flat[mine], amount[mine], left[mine])
            for owner, flat, amount, left in pieces
            for mine in [owner < self.n_own]
        )
        return _covered(own, rows, ncols)

    def _zone_share(self, top: int, rows: int, ncols: int) -> FloatArray:
        """The share of each cell of a strip that the own zones cover (as :meth:`_by_zone`)."""
        assert self.zones is not None
        return np.clip(_coverage(self.zones, top, rows, ncols), 0.0, None)

    def _block_index(self, top: int, rows: int, ncols: int) -> IntArray:
        per_row = -(-self.shape[1] // self.block)
        block_row = (np.arange(top, top + rows, dtype=np.int64) // self.block) * per_row
        block_col = np.arange(ncols, dtype=np.int64) // self.block
        out: IntArray = block_row[:, None] + block_col[None, :]
        return out

    def _buildings(self, top: int, people: FloatArray, spread: FloatArray) -> npt.NDArray[np.bool_]:
        """Split the people of cells with buildings by floor area; return those cells."""
        assert self.spots is not None
        rows, ncols = people.shape
        s = self.spots
        lo, hi = np.searchsorted(s.row, [top, top + rows])
        row, col, weight, owner = s.row[lo:hi] - top, s.col[lo:hi], s.weight[lo:hi], s.owner[lo:hi]
        flat = row * ncols + col
        total = np.bincount(flat, weights=weight, minlength=rows * ncols).reshape(rows, ncols)
        has = total > 0
        share = weight / total.ravel()[flat]
        self.held += np.bincount(owner, weights=people.ravel()[flat] * share, minlength=self.n)
        spread[has] = 0.0
        return has

    def to_nearest(
        self, polygons: gpd.GeoSeries, reach: float, transform: Affine, raster_crs: Any
    ) -> None:
        """Give residual cells within ``reach`` of a polygon to the nearest one."""
        left, covered = self.left_grid, self.covered_grid
        assert left is not None and covered is not None
        self.left_grid = self.covered_grid = None
        radius = int(np.ceil(reach / _cell_metres(transform, self.shape, raster_crs, polygons.crs)))
        near = ndimage.maximum_filter(covered.view(np.uint8), size=2 * radius + 3) > 0
        near &= left > 0
        if self.zone_grid is not None:
            near &= self.zone_grid > 0
        rows, cols = np.nonzero(near)
        if rows.size == 0:
            return
        x = transform.c + (cols + 0.5) * transform.a
        y = transform.f + (rows + 0.5) * transform.e
        points = gpd.GeoDataFrame(
            {"_cell": np.arange(rows.size)}, geometry=gpd.points_from_xy(x, y), crs=raster_crs
        ).to_crs(polygons.crs)
        target = gpd.GeoDataFrame(
            {"_owner": np.arange(len(polygons))}, geometry=polygons.values, crs=polygons.crs
        )
        hits = gpd.sjoin_nearest(points, target, max_distance=reach, how="inner")
        hits = hits.drop_duplicates("_cell")
        if hits.empty:
            return
        cell = hits["_cell"].to_numpy()
        r, c = rows[cell], cols[cell]
        people = left[r, c].astype(np.float64)
        owner = hits["_owner"].to_numpy()
        counted = people  # what the blocks hold of each moved cell
        if self.zone_grid is not None:
            # each zone gives up the share of a moved cell it counted (strip), not the whole
            # cell from the zone of its centre (a district got -40 and its neighbour +40);
            # and only those shares move: the part of an edge cell outside the study area
            # was never counted, and moving it would add people to the run
            by_zone, share, own = self._moved_by_zone(r, c, people)
            self.zone_residual -= by_zone
            counted = people * own
            people = people * share
        else:
            self.residual -= float(people.sum())
        self.held += np.bincount(owner, weights=people, minlength=self.n)
        self.moved = float(people[owner < self.n_own].sum())
        if self.block:
            index = (r // self.block) * -(-self.shape[1] // self.block) + c // self.block
            self.block_people -= np.bincount(
                index, weights=counted, minlength=self.block_people.size
            )
            self.block_cells -= np.bincount(
                index, weights=(counted > 0).astype(np.float64), minlength=self.block_cells.size
            )

    def _moved_by_zone(
        self, r: IntArray, c: IntArray, people: FloatArray
    ) -> tuple[FloatArray, FloatArray, FloatArray]:
        """The zones' shares of the people of cells ``(r, c)``, the share of each cell the
        zones (context zones too) cover and the share the own zones cover, strip by strip."""
        out = np.zeros(self.n_zones, dtype=np.float64)
        share = np.zeros(r.size, dtype=np.float64)
        own = np.zeros(r.size, dtype=np.float64)
        if self.zones is None or r.size == 0:
            return out, share, own
        for top in range(int(r.min()), int(r.max()) + 1, _MOVED_ROWS):
            pick = (r >= top) & (r < top + _MOVED_ROWS)
            if not pick.any():
                continue
            rows = min(_MOVED_ROWS, self.shape[0] - top)
            grid = np.zeros((rows, self.shape[1]), dtype=np.float64)
            np.add.at(grid, (r[pick] - top, c[pick]), people[pick])
            out += self._by_zone(top, grid)
            cover = _coverage(self.every_zone or self.zones, top, rows, self.shape[1])
            share[pick] = np.clip(cover[r[pick] - top, c[pick]], 0.0, 1.0)
            mine = self._zone_share(top, rows, self.shape[1])
            own[pick] = mine[r[pick] - top, c[pick]]
        return out, share, own

    def blocks(self, transform: Affine) -> pd.DataFrame:
        """The residual blocks that keep people, with their corners in the raster's CRS."""
        if not self.block:
            return pd.DataFrame()
        per_row = -(-self.shape[1] // self.block)
        keep = np.flatnonzero(self.block_people > 1e-9)
        brow, bcol = keep // per_row, keep % per_row
        k = self.block
        c0, c1 = bcol * k, np.minimum((bcol + 1) * k, self.shape[1])
        r0, r1 = brow * k, np.minimum((brow + 1) * k, self.shape[0])
        xa, xb = transform.c + c0 * transform.a, transform.c + c1 * transform.a
        ya, yb = transform.f + r0 * transform.e, transform.f + r1 * transform.e
        return pd.DataFrame(
            {
                "x0": np.minimum(xa, xb),
                "y0": np.minimum(ya, yb),
                "x1": np.maximum(xa, xb),
                "y1": np.maximum(ya, yb),
                "people": self.block_people[keep],
                "cells": np.rint(self.block_cells[keep]).astype(np.int64),
            }
        )


def _union_edges(geoms: npt.NDArray[np.object_], transform: Affine) -> _Edges | None:
    """The edges of the polygons' union (area-weighted residual and overlap), made valid
    first: reprojected to the raster's CRS, a repaired polygon may be invalid again, and
    GEOS's TopologyException would escape. ``None`` (overlaps then counted as before, by
    the sum of shares) if the union still cannot be made."""
    try:
        union = shapely.union_all(shapely.make_valid(geoms))
    except shapely.errors.GEOSException:
        logger.warning("allocation: the areas' union cannot be made; overlaps are not told apart")
        return None
    return _Edges.of(np.array([union], dtype=object), transform)


def _coverage(edges: _Edges, top: int, rows: int, ncols: int) -> FloatArray:
    """The share of each cell of a strip that the polygons of ``edges`` cover (summed)."""
    return _covered(edges.pieces(top, rows, ncols), rows, ncols)


def _covered(
    pieces: Iterable[tuple[IntArray, IntArray, FloatArray, FloatArray]], rows: int, ncols: int
) -> FloatArray:
    """The share of each cell of a strip that the polygons of these edge ``pieces`` cover:
    each piece's deposit split between its cell and the next, summed along the rows."""
    grid = np.zeros((rows, ncols + 1), dtype=np.float64)
    _deposit(pieces, grid)
    out: FloatArray = np.cumsum(grid[:, :ncols], axis=1)
    return out


def _deposit(
    pieces: Iterable[tuple[IntArray, IntArray, FloatArray, FloatArray]], grid: FloatArray
) -> None:
    """Add each edge piece's deposit to ``grid`` (a strip one column wider than the
    raster's), split between its cell and the next: summed along a row, the deposits
    give the share of each cell the polygons cover."""
    flat_grid = grid.ravel()
    for _, flat, amount, left in pieces:
        deposits = np.bincount(
            np.concatenate([flat, flat + 1]),
            weights=np.concatenate([amount * left, amount * (1.0 - left)]),
        )
        flat_grid[: deposits.size] += deposits


_MOVED_ROWS = 256
"""Rows per strip when the people moved to the nearest area are taken from the zones."""


def _block_size(blocks: bool | int, window: rasterio.windows.Window) -> int:
    """Cells a side of a residual block: 0 for none, ``True`` for about 10,000 over the window."""
    if blocks is True:
        cells = int(window.width) * int(window.height)
        return max(1, math.ceil(math.sqrt(cells / _RESIDUAL_BLOCKS)))
    return max(int(blocks), 0)


def _zone_grid(
    zones: npt.NDArray[np.object_], transform: Affine, window: rasterio.windows.Window
) -> npt.NDArray[np.integer[Any]]:
    """Which zone (position + 1, 0 for none) holds each cell's centre."""
    shapes = [
        (geom, i + 1)
        for i, geom in enumerate(zones)
        if geom is not None and not shapely.is_empty(geom)
    ]
    shape = (int(window.height), int(window.width))
    # the narrowest type that holds every label: a 20,000² window is 400 MB in uint8, 1.6 GB
    # in int32
    dtype = "uint8" if len(zones) < 2**8 else "uint16" if len(zones) < 2**16 else "int32"
    if not shapes:
        return np.zeros(shape, dtype=dtype)
    grid: npt.NDArray[np.integer[Any]] = rasterio.features.rasterize(
        shapes, out_shape=shape, transform=transform, fill=0, dtype=dtype
    )
    return grid


def _cell_metres(transform: Affine, shape: tuple[int, int], crs: Any, target: Any) -> float:
    """The shorter side of a cell near the window's centre, measured in ``target``'s units."""
    row, col = shape[0] / 2.0, shape[1] / 2.0
    xs = [transform.c + c * transform.a for c in (col, col + 1, col)]
    ys = [transform.f + r * transform.e for r in (row, row, row + 1)]
    points = gpd.GeoSeries(gpd.points_from_xy(xs, ys), crs=crs).to_crs(target)
    width = float(points.iloc[0].distance(points.iloc[1]))
    height = float(points.iloc[0].distance(points.iloc[2]))
    return max(min(width, height), 1e-9)


def _from_prefix(
    prefix: FloatArray, flat: IntArray, left: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """``left · S[r, c] + (1 − left) · S[r, c + 1]`` from the row prefix sums ``P``, and
    the size of the terms it subtracts (for :func:`siting.zonal.rounded_to_zero`).

    ``prefix[r, k]`` is the sum of the row's values up to and including
    column ``k``, and its last column holds the row's total ``T``, so the
    suffix sum is ``S[r, k] = T − P[r, k − 1]``.
    """
    width = prefix.shape[1]
    values = prefix.ravel()
    start = flat - flat % width
    total = values[start + width - 1]
    before = left * np.where(flat > start, values[np.maximum(flat - 1, 0)], 0.0)
    after = (1.0 - left) * values[flat]
    out: FloatArray = total - before - after
    size: FloatArray = np.abs(total) + np.abs(before) + np.abs(after)
    return out, size


def _band_strips(
    ds: Any, bands: list[int], window: rasterio.windows.Window
) -> Iterator[tuple[int, npt.NDArray[Any]]]:
    """Strips of the window, the bands added up."""
    readers = [read_strips(ds, b, window, cells=_CELLS_PER_STRIP) for b in bands]
    for parts in zip(*readers, strict=True):
        top, values = parts[0]
        if len(parts) > 1:
            values = values.astype(np.float64)
            for _, more in parts[1:]:
                values += more
        yield top, values


def _series(layer: gpd.GeoSeries | gpd.GeoDataFrame | None) -> gpd.GeoSeries | None:
    """The geometry of a layer, ``None`` for none."""
    if layer is None:
        return None
    return layer.geometry if isinstance(layer, gpd.GeoDataFrame) else layer


def _joined(own: gpd.GeoSeries, others: gpd.GeoSeries) -> gpd.GeoSeries:
    """The own polygons, then the context ones, in the own polygons' CRS (positions matter)."""
    if others.crs != own.crs and own.crs is not None:
        others = others.to_crs(own.crs)
    values = np.concatenate(
        [np.asarray(own.values, dtype=object), np.asarray(others.values, dtype=object)]
    )
    return gpd.GeoSeries(values, crs=own.crs)


def _reach_window(
    window: rasterio.windows.Window, polygons: gpd.GeoSeries, reach: float, ds: Any
) -> rasterio.windows.Window:
    """``window`` grown to hold every cell within ``reach`` of the polygons' (and zones') bounds."""
    grown = shapely.box(*polygons.total_bounds).buffer(reach + 1.0, join_style="mitre")
    box = _in_crs(gpd.GeoSeries([grown], crs=polygons.crs), ds.crs)
    wider = _window_for(box, ds)
    if wider is None:
        return window
    col0 = min(window.col_off, wider.col_off)
    row0 = min(window.row_off, wider.row_off)
    col1 = max(window.col_off + window.width, wider.col_off + wider.width)
    row1 = max(window.row_off + window.height, wider.row_off + wider.height)
    return rasterio.windows.Window(col0, row0, col1 - col0, row1 - row0)


def _in_crs(series: gpd.GeoSeries, crs: Any) -> npt.NDArray[np.object_]:
    if series.crs != crs:
        series = series.to_crs(crs)
    return np.asarray(series.values, dtype=object)


def _window(
    geoms: npt.NDArray[np.object_], zones: npt.NDArray[np.object_] | None, ds: Any
) -> rasterio.windows.Window | None:
    """Whole cells over the bounds of the polygons and zones, clipped to the raster."""
    return _window_for(geoms if zones is None else np.concatenate([geoms, zones]), ds)


def _building_spots(
    buildings: gpd.GeoDataFrame,
    column: str,
    polygons: gpd.GeoSeries,
    crs: Any,
    transform: Affine,
    window: rasterio.windows.Window,
) -> _Spots:
    """Each building's representative point in the grid, its weight and its polygon."""
    points = buildings.geometry.to_crs(crs).representative_point()
    weight = pd.to_numeric(buildings[column], errors="coerce").to_numpy(dtype=float)
    good = np.isfinite(weight) & (weight > 0) & ~points.is_empty.to_numpy()
    points, weight = points[good], weight[good]
    tree = shapely.STRtree(np.asarray(polygons.to_crs(crs).values, dtype=object))
    which, owner = tree.query(np.asarray(points.values, dtype=object), predicate="within")
    # a building inside two overlapping areas counts once, in the first in the layer's
    # order (the tree's own order differed from cell to cell)
    by_layer = np.lexsort((owner, which))
    which, owner = which[by_layer], owner[by_layer]
    which, first = np.unique(which, return_index=True)
    owner = owner[first]
    xy = shapely.get_coordinates(np.asarray(points.values, dtype=object)[which])
    col = np.floor((xy[:, 0] - transform.c) / transform.a).astype(np.int64)
    row = np.floor((xy[:, 1] - transform.f) / transform.e).astype(np.int64)
    inside = (col >= 0) & (col < window.width) & (row >= 0) & (row < window.height)
    order = np.flatnonzero(inside)[np.argsort(row[inside], kind="stable")]
    return _Spots(row=row[order], col=col[order], weight=weight[which][order], owner=owner[order])


def _empty(index: pd.Index, zones: gpd.GeoSeries | None, method: str, ds: Any) -> Allocation:
    """Nothing held and nothing residual: the polygons and zones miss the raster."""
    zone_index = zones.index if zones is not None else pd.Index([])
    return Allocation(
        held=pd.Series(0.0, index=index, name="people"),
        method=method,
        total=0.0,
        residual=0.0,
        residual_by_zone=pd.Series(0.0, index=zone_index, name="residual"),
        in_zones=0.0 if zones is not None else None,
        crs=ds.crs,
        cell_size=(abs(ds.transform.a), abs(ds.transform.e)),
    )
