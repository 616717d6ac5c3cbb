"""A layer on a Chinese web map's datum (GCJ-02, BD-09) that nothing declares, found by
how it fits the other layers.

A bureau that geocodes its list of facilities or enterprises through Gaode's (高德) or
Baidu's geocoding service gets longitudes and latitudes in GCJ-02 or BD-09 and hands
them over labelled WGS 84 or CGCS2000: nothing in the file says so
(:func:`siting.inputs._datum.web_map_finding` finds only what the CRS, the file's name
or DataV's columns say). In Guangyuan every point then lies ~440 m off (BD-09 ~1 km),
against walking radii of a few hundred metres.

Such a layer fits the others better moved back. A layer that can be one (longitudes
and latitudes on WGS 84 or CGCS2000, inside China, without ``datum_shift``: the
*suspect*) is measured against each *reference*: the population raster, and every
other polygon layer (residential areas, parcels, workplaces, OSM's buildings). A
feature's fit at an offset :math:`\\delta` (metres east and north) is the mean over
the grid cells it covers (a point: its own cell) of the reference's field :math:`F`
there, and the layer's is the mean over its features:

.. math::

    S(\\delta) = \\frac{1}{n} \\sum_{i=1}^{n} \\frac{1}{|C_i|} \\sum_{x \\in C_i} F(x + \\delta)
    = \\sum_x W(x) \\, F(x + \\delta),

a cross-correlation of the suspect's weights :math:`W` with :math:`F`, computed for
every offset of a disk of radius :math:`R` at once by FFT, on a grid of :data:`CELL_M`
cells. :math:`F` is the raster's people per cell, or the signed depth of a polygon
layer (the taxicab distance to its edge in cells, times the cell: positive inside,
negative outside, clipped at :data:`DEPTH_CLIP_M`; a point inside one is the better the
deeper, one outside the closer).

Moving a layer from datum :math:`X` back to WGS 84 moves it by :math:`\\Delta_X` (at
the layer's centre; the shift varies by a few metres across a city). The layer is a
finding on :math:`X` when, against some reference,

1. it has at least :data:`MIN_FEATURES` features;
2. :math:`S(\\Delta_X)` is at least all but :data:`MAX_RANK_SHARE` of :math:`S` over
   the disk's offsets further than :data:`NEAR_M` from :math:`\\Delta_X` (a layer on
   true coordinates fits best at :math:`\\delta = 0`, ~440 m from
   :math:`\\Delta_{\\mathrm{GCJ}}`);
3. the measure a planner reads (the points inside the reference's polygons, the share
   of its land inside them, or the people its land holds) is at least
   :data:`MIN_RATIO` times better moved than as given; points (or land) in the
   reference gain at least :data:`MIN_GAIN_SHARE` of the features; and moved, at least
   :data:`MIN_MOVED_SHARE` of the points lie in the reference's polygons.

Test 2's share is no calibrated p-value: with the offsets near the datum's left out, a
layer unrelated to a reference passes it whenever the disk's best offset falls within
:data:`NEAR_M` of the datum's, about :math:`(100 / R)^2` of the time (0.2 % for
:math:`R` = 2.1 km) per reference and datum. Tests 3 carry the rest: they came from the
false alarms measured on true layers (benchmarks/README.md, "Web-map datums by fit").

The offset's direction tells which layer is off: the references need not be true
(a layer of areas traced on Gaode's tiles is itself a suspect), because a suspect on
GCJ-02 fits a true reference at :math:`+\\Delta` (moved back), and a true suspect fits
a GCJ-02 reference at :math:`-\\Delta`, which is not a finding about it.
"""

from __future__ import annotations

import functools
import logging
import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pyproj
import rasterio
import rasterio.errors
import rasterio.warp
import rasterio.windows
import shapely
from affine import Affine
from scipy import fft as sp_fft
from scipy import ndimage

from siting import gcj02
from siting._said import Said
from siting.inputs import _datum
from siting.inputs._pieces import Piece
from siting.zonal import coverage_grid, zonal_sums

logger = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]

CELL_M = 20.0
"""The grid's cell, metres: well below the offsets (440 m, ~1 km), above a geocoder's
jitter."""

DEPTH_CLIP_M = 50.0
"""Depth inside (or distance outside) a reference's polygons counts up to this."""

MIN_FEATURES = 10
"""Fewer features than this say nothing either way."""

MAX_FEATURES = 2000
"""At most this many features are measured (a seeded sample of those in the window)."""

WINDOW_M = 16_000.0
"""The features measured lie in a square of this side about the layer's median point
(a city's core): the grid stays near a million cells whatever the layer's extent."""

MAX_RANK_SHARE = 1e-3
"""The datum's offset must fit better than all but this share of the disk's offsets."""

MIN_GAIN_SHARE = 0.25
"""Points in the reference's polygons (or land in them) must gain at least this share of
the features moved: a handful of points gaining two more is chance (the sample of 10 of
Nanjing's OSM points fired on 3 of 100 draws without it)."""

MIN_MOVED_SHARE = 0.6
"""Moved back, at least this share of the points must lie in the reference's polygons: a
layer that belongs with them mostly does (the sample's facilities 10 of 10, Nanjing's
OSM points in its buildings 150 of 224), where 10 true Nanjing points unrelated to its
11 residential polygons landed 5 in them at BD-09's offset, 1.2 km off, by chance."""

NEAR_M = 100.0
"""Offsets this close to the datum's are not counted against it: they fit as well for
the same reason (a feature moved 20 m still lies in its area)."""

MIN_RATIO = 1.5
"""The planner's measure must be at least this many times better moved than as given."""

MIN_RADIUS_M = 1000.0
"""The disk of offsets reaches at least this far, and twice the larger datum's offset."""

SUSPECT_LAYERS = ("areas", "parcels", "facilities", "workplaces")
"""The layers measured (points and polygons a bureau geocodes or traces)."""

REFERENCE_LAYERS = ("areas", "parcels", "workplaces", "buildings")
"""The polygon layers measured against (districts are too coarse to tell 440 m)."""


MEASURES = {
    "points_in": "{raw} of its {features} points lie in the {reference} as given, {moved} moved",
    "land_in": "{raw} of its land lies in the {reference} as given, {moved} moved",
    "people_held": "its land holds {raw} of the raster's people as given, {moved} moved",
    "people_at": "the raster cells of its points hold {raw} people as given, {moved} moved",
}
"""What a fit's ``raw`` and ``moved`` count, in words (the Chinese report's are in
:mod:`siting.report._said`)."""

RASTER = "population"
"""The population raster's name as a reference."""


@dataclass(frozen=True)
class _Grid:
    """A north-up grid of :data:`CELL_M` cells in the working CRS."""

    west: float
    north: float
    rows: int
    cols: int
    cell_m: float = CELL_M

    @property
    def transform(self) -> Affine:
        return Affine(self.cell_m, 0.0, self.west, 0.0, -self.cell_m, self.north)

    def cells(self, x: FloatArray, y: FloatArray) -> tuple[npt.NDArray[np.intp], ...]:
        """Row and column of each point."""
        col = np.floor((x - self.west) / self.cell_m).astype(np.intp)
        row = np.floor((self.north - y) / self.cell_m).astype(np.intp)
        return row, col


@dataclass(frozen=True)
class _Suspect:
    """The features measured: their weights on the grid, and each cell's feature."""

    frame: gpd.GeoDataFrame  # the features measured, in the working CRS
    points: bool
    rows: npt.NDArray[np.intp]
    cols: npt.NDArray[np.intp]
    weights: FloatArray  # 1 / the feature's cells: each feature weighs 1


@dataclass(frozen=True)
class Fit:
    """How one suspect layer fits one reference as given and moved from one datum.

    Attributes
    ----------
    layer, reference
        The suspect's and the reference's names (``"population"`` for the raster).
    shift
        The datum's key (``"gcj02"``, ``"bd09"``).
    features
        How many of the layer's features were measured.
    offset_m
        How far moving the layer back to WGS 84 moves its centre, metres.
    rank_share
        The share of the disk's offsets that fit at least as well as the datum's.
    raw, moved
        The planner's measure as given and moved: the points inside the reference's
        polygons, the share of each polygon's cells inside them (the mean over the
        features), the people the layer's polygons hold, or those of its points' cells.
    measure
        What ``raw`` and ``moved`` count: a key of :data:`MEASURES`.
    radius_m
        How far the offsets scanned reach, metres.
    """

    layer: str
    reference: str
    shift: str
    features: int
    offset_m: float
    rank_share: float
    raw: float
    moved: float
    measure: str
    radius_m: float

    @property
    def fires(self) -> bool:
        """Whether the fit says the layer is on the datum (the module's three tests)."""
        return (
            self.features >= MIN_FEATURES
            and self.rank_share <= MAX_RANK_SHARE
            and self.moved >= MIN_RATIO * self.raw
            and self.moved > 0
            and (self.measure.startswith("people") or self.gain_share >= MIN_GAIN_SHARE)
            and (self.measure != "points_in" or self.moved >= MIN_MOVED_SHARE * self.features)
        )

    @property
    def gain_share(self) -> float:
        """The share of the features (or of the land) moving brings in."""
        gained = self.moved - self.raw
        return gained / self.features if self.measure == "points_in" else gained


def _sample(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The drawn features (with finite coordinates) in the window about the median point,
    at most :data:`MAX_FEATURES` of them (seeded)."""
    geoms = np.asarray(frame.geometry.to_numpy(), dtype=object)
    drawn = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    drawn[drawn] = np.isfinite(shapely.bounds(geoms[drawn])).all(axis=1)  # not at NaN
    frame = frame[drawn]
    if frame.empty:
        return frame
    at = shapely.get_coordinates(shapely.point_on_surface(np.asarray(frame.geometry.to_numpy())))
    centre = np.median(at, axis=0)
    near = (np.abs(at - centre) <= WINDOW_M / 2).all(axis=1)
    frame = frame[near]
    if len(frame) > MAX_FEATURES:
        keep = np.random.default_rng(0).choice(len(frame), MAX_FEATURES, replace=False)
        frame = frame.iloc[np.sort(keep)]
    return frame


@functools.lru_cache(maxsize=8)
def _transformers(work: pyproj.CRS) -> tuple[pyproj.Transformer, pyproj.Transformer]:
    """The working CRS to longitude and latitude and back: its own (the projection's
    inverse, built at once), taken for WGS 84's. The datums differ by at most a few
    hundred metres (Xian 1980), over which a web datum's move changes by centimetres, so
    the move is the same; a look-up of the datum change to EPSG:4326 in PROJ's database
    took 0.09 s of processor time each way, in every ``load_inputs`` with a layer in
    degrees (a tenth of a 5,003-area city's)."""
    lonlat = work.geodetic_crs or pyproj.CRS("EPSG:4326")
    return (
        pyproj.Transformer.from_crs(work, lonlat, always_xy=True),
        pyproj.Transformer.from_crs(lonlat, work, always_xy=True),
    )


def _offsets_m(frame: gpd.GeoDataFrame, work: pyproj.CRS) -> dict[str, tuple[float, float]] | None:
    """Each web datum's move back to WGS 84 at the layer's centre, metres east and north
    in the working CRS; None outside China."""
    x0, y0, x1, y1 = frame.total_bounds
    x, y = (x0 + x1) / 2, (y0 + y1) / 2
    to_lonlat, back = _transformers(work)
    lon, lat = to_lonlat.transform(x, y)
    if not gcj02.in_china(lon, lat):
        return None
    moves = {}
    for key, inverse in gcj02.TO_WGS84.items():
        tx, ty = back.transform(*inverse(lon, lat))
        moves[key] = (float(tx - x), float(ty - y))
    return moves


def _grid(bounds: FloatArray, margin_m: float) -> _Grid:
    """The grid over ``bounds`` (west, south, east, north) and ``margin_m`` about them, of
    sizes the FFT is fast for."""
    x0, y0, x1, y1 = bounds
    cols = sp_fft.next_fast_len(math.ceil(((x1 - x0) + 2 * margin_m) / CELL_M), real=True)
    rows = sp_fft.next_fast_len(math.ceil(((y1 - y0) + 2 * margin_m) / CELL_M), real=True)
    west = (x0 + x1) / 2 - cols * CELL_M / 2
    north = (y0 + y1) / 2 + rows * CELL_M / 2
    return _Grid(west, north, rows, cols)


def _suspect(frame: gpd.GeoDataFrame, grid: _Grid) -> _Suspect:
    geoms = np.asarray(frame.geometry.to_numpy(), dtype=object)
    points = bool(np.isin(shapely.get_type_id(geoms), (0, 4)).all())
    if points:
        xy = shapely.get_coordinates(shapely.centroid(geoms))
        rows, cols = grid.cells(xy[:, 0], xy[:, 1])
        return _Suspect(frame, True, rows, cols, np.ones(len(rows)))
    # each feature's cells: those whose centre it contains (one call per feature, on the
    # centres of its bounding box: GDAL's rasterize costs a GeoJSON conversion each)
    bounds = shapely.bounds(geoms)
    row1, col0 = grid.cells(bounds[:, 0], bounds[:, 1])
    row0, col1 = grid.cells(bounds[:, 2], bounds[:, 3])
    row_parts, col_parts, owner_parts = [], [], []
    for i, geom in enumerate(geoms):
        r, c = np.mgrid[row0[i] : row1[i] + 1, col0[i] : col1[i] + 1]
        x = grid.west + (c.ravel() + 0.5) * grid.cell_m
        y = grid.north - (r.ravel() + 0.5) * grid.cell_m
        hit = shapely.contains_xy(geom, x, y)
        row_parts.append(r.ravel()[hit])
        col_parts.append(c.ravel()[hit])
        owner_parts.append(np.full(int(hit.sum()), i))
    rows = np.concatenate(row_parts).astype(np.intp)
    cols = np.concatenate(col_parts).astype(np.intp)
    owner = np.concatenate(owner_parts).astype(np.intp)
    # a feature smaller than a cell is its point on surface
    missing = np.setdiff1d(np.arange(len(geoms)), owner)
    if len(missing):
        xy = shapely.get_coordinates(shapely.point_on_surface(geoms[missing]))
        r, c = grid.cells(xy[:, 0], xy[:, 1])
        rows, cols, owner = np.r_[rows, r], np.r_[cols, c], np.r_[owner, missing]
    counts = np.bincount(owner, minlength=len(geoms)).astype(float)
    return _Suspect(frame, False, rows, cols, 1.0 / counts[owner])


def _depth(reference: gpd.GeoDataFrame, grid: _Grid) -> FloatArray:
    """Signed depth in the reference's polygons on the grid (cells at least half covered
    are inside; taxicab distance in cells, times the cell), clipped at ±DEPTH_CLIP_M."""
    geoms = np.asarray(reference.geometry.to_numpy(), dtype=object)
    box = shapely.bounds(geoms)
    on_grid = (
        (box[:, 2] >= grid.west)
        & (box[:, 0] <= grid.west + grid.cols * grid.cell_m)
        & (box[:, 3] >= grid.north - grid.rows * grid.cell_m)
        & (box[:, 1] <= grid.north)
    )
    polygon = np.isin(shapely.get_type_id(geoms), (3, 6)) & ~shapely.is_empty(geoms)
    geoms = geoms[polygon & on_grid]
    inside = coverage_grid(geoms, grid.transform, (grid.rows, grid.cols)) >= 0.5
    limit = DEPTH_CLIP_M / grid.cell_m + 1
    depth = np.where(
        inside,
        ndimage.distance_transform_cdt(inside, metric="taxicab"),
        -ndimage.distance_transform_cdt(~inside, metric="taxicab"),
    )
    return np.asarray(np.clip(depth, -limit, limit) * grid.cell_m, dtype=float)


def _people(source: object, raster_crs: pyproj.CRS, grid: _Grid, work: pyproj.CRS) -> FloatArray:
    """The raster's people per cell of the grid (its density, sampled at each cell)."""
    out = np.zeros((grid.rows, grid.cols), dtype=np.float64)
    box = (
        grid.west,
        grid.north - grid.rows * grid.cell_m,
        grid.west + grid.cols * grid.cell_m,
        grid.north,
    )
    with rasterio.open(source) as ds:  # type: ignore[arg-type]
        bounds = rasterio.warp.transform_bounds(work, raster_crs, *box)
        window = rasterio.windows.from_bounds(*bounds, transform=ds.transform)
        try:
            window = (
                window.round_offsets()
                .round_lengths()
                .intersection(rasterio.windows.Window(0, 0, ds.width, ds.height))
            )
        except rasterio.errors.WindowError:  # the raster misses the grid: nobody
            return out
        values = ds.read(1, window=window, masked=True).astype(float).filled(0.0)
        values[~np.isfinite(values) | (values < 0)] = 0.0
        rasterio.warp.reproject(
            values,
            out,
            src_transform=ds.window_transform(window),
            src_crs=raster_crs,
            dst_transform=grid.transform,
            dst_crs=work,
            resampling=rasterio.warp.Resampling.nearest,
        )
    return out


def _spectrum(values: FloatArray) -> npt.NDArray[np.complex128]:
    return np.asarray(sp_fft.rfft2(values), dtype=np.complex128)


def _weights(suspect: _Suspect, shape: tuple[int, int]) -> FloatArray:
    """The suspect's weights on the grid, summing to 1."""
    weights = np.zeros(shape)
    np.add.at(weights, (suspect.rows, suspect.cols), suspect.weights)
    weights /= weights.sum()
    return weights


def _surface(
    weights: npt.NDArray[np.complex128], field: npt.NDArray[np.complex128], shape: tuple[int, int]
) -> FloatArray:
    """:math:`S(d) = \\sum_x W(x) F(x + d)` for every offset ``d`` (rows, cols), circular,
    from the spectra of :math:`W` and :math:`F`."""
    return np.asarray(sp_fft.irfft2(field * np.conj(weights), s=shape), dtype=float)


def _rank_share(surface: FloatArray, move: tuple[float, float], radius_m: float) -> float:
    """The share of the disk's offsets, beyond :data:`NEAR_M` of the datum's, whose fit
    is at least the datum's."""
    reach = int(radius_m // CELL_M)
    dr, dc = np.mgrid[-reach : reach + 1, -reach : reach + 1]
    near = (dc * CELL_M - move[0]) ** 2 + (-dr * CELL_M - move[1]) ** 2 <= NEAR_M**2
    disk = (dr**2 + dc**2 <= reach**2) & ~near
    values = surface[dr[disk] % surface.shape[0], dc[disk] % surface.shape[1]]
    at = surface[
        round(-move[1] / CELL_M) % surface.shape[0], round(move[0] / CELL_M) % surface.shape[1]
    ]
    return float(np.mean(values >= at - 1e-12 * max(1.0, abs(at))))


def _moved(frame: gpd.GeoDataFrame, key: str, work: pyproj.CRS) -> gpd.GeoDataFrame:
    """The features moved from datum ``key`` back to WGS 84, in the working CRS."""
    return gcj02.geometry_to_wgs84(frame, datum=key).to_crs(work)


def _points_inside(points: gpd.GeoDataFrame, polygons: gpd.GeoDataFrame) -> int:
    """How many points lie in (or on) one of the polygons."""
    geoms = np.asarray(polygons.geometry.to_numpy(), dtype=object)
    tree = shapely.STRtree(geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))])
    hit = tree.query(np.asarray(points.geometry.to_numpy(), dtype=object), predicate="intersects")
    return len(np.unique(hit[0]))


def _people_at(points: gpd.GeoDataFrame, source: object, raster_crs: pyproj.CRS) -> float:
    """The people of the raster cells the points lie in, summed (a cell once per point)."""
    xy = shapely.get_coordinates(points.to_crs(raster_crs).geometry.to_numpy())
    with rasterio.open(source) as ds:  # type: ignore[arg-type]
        values = np.array([v[0] for v in ds.sample(xy, masked=True)], dtype=object)
    people = np.array([0.0 if v is np.ma.masked else float(v) for v in values])
    return float(np.where(np.isfinite(people) & (people > 0), people, 0.0).sum())


def _measures(
    suspect: _Suspect,
    reference: str,
    field: FloatArray,
    moved: gpd.GeoDataFrame,
    move: tuple[float, float],
    polygons: gpd.GeoDataFrame | None,
    raster: tuple[object, pyproj.CRS] | None,
) -> tuple[float, float, str]:
    """The planner's measure as given and moved, and what it counts."""
    frame = suspect.frame
    if polygons is not None and suspect.points:
        return (
            _points_inside(frame, polygons),
            _points_inside(moved, polygons),
            "points_in",
        )
    if polygons is not None:  # the share of its land inside the reference, on the grid
        dr, dc = round(-move[1] / CELL_M), round(move[0] / CELL_M)
        rows, cols = suspect.rows, suspect.cols
        inside = field > 0
        n = len(frame)
        raw = float((suspect.weights * inside[rows, cols]).sum() / n)
        shifted = inside[(rows + dr) % field.shape[0], (cols + dc) % field.shape[1]]
        return raw, float((suspect.weights * shifted).sum() / n), "land_in"
    assert raster is not None

    if suspect.points:
        return (
            _people_at(frame, *raster),
            _people_at(moved, *raster),
            "people_at",
        )
    return (
        float(zonal_sums(frame.geometry, raster[0]).sum()),  # type: ignore[arg-type]
        float(zonal_sums(moved.geometry, raster[0]).sum()),  # type: ignore[arg-type]
        "people_held",
    )


def layer_fits(
    name: str,
    frame: gpd.GeoDataFrame,
    references: Mapping[str, gpd.GeoDataFrame],
    work: pyproj.CRS,
    *,
    raster: tuple[object, pyproj.CRS] | None = None,
) -> list[Fit]:
    """How layer ``name`` fits each reference as given and moved from each web datum.

    Parameters
    ----------
    name
        The suspect layer's name.
    frame
        Its features, in the working CRS.
    references
        The polygon layers to measure it against, by name, in the working CRS.
    work
        The working CRS (projected, metres).
    raster
        The population raster (what to open, its CRS), if there is one.

    Returns
    -------
    list of Fit
        One per reference and datum; empty when the layer has fewer than
        :data:`MIN_FEATURES` features in the window or lies outside China.
    """
    return layers_fits({name: frame}, references, work, raster=raster).get(name, [])


MAX_GRID_CELLS = 4_000_000
"""Suspects whose common grid would be larger than this are measured on grids of their
own (layers of two cities)."""


def layers_fits(
    suspects: Mapping[str, gpd.GeoDataFrame],
    references: Mapping[str, gpd.GeoDataFrame],
    work: pyproj.CRS,
    *,
    raster: tuple[object, pyproj.CRS] | None = None,
) -> dict[str, list[Fit]]:
    """:func:`layer_fits` of several suspects on one grid: each reference's field and its
    spectrum are made once (a suspect is never its own reference).

    Returns
    -------
    dict
        Each suspect's fits, by name; a suspect with too few features or outside China
        has none.
    """
    samples = {}
    moves = {}
    for name, frame in suspects.items():
        sample = _sample(frame)
        offsets = _offsets_m(sample, work) if len(sample) >= MIN_FEATURES else None
        if offsets is not None:
            samples[name], moves[name] = sample, offsets
    if not samples:
        return {}
    radius = max(MIN_RADIUS_M, *(2 * math.hypot(*m) for d in moves.values() for m in d.values()))
    boxes = np.array([s.total_bounds for s in samples.values()])
    union = np.r_[boxes[:, :2].min(axis=0), boxes[:, 2:].max(axis=0)]
    grid = _grid(union, radius + DEPTH_CLIP_M + 2 * CELL_M)
    if len(samples) > 1 and grid.rows * grid.cols > MAX_GRID_CELLS:
        return {
            name: layer_fits(name, sample, references, work, raster=raster)
            for name, sample in samples.items()
        }
    shape = (grid.rows, grid.cols)
    fields: dict[str, tuple[FloatArray, npt.NDArray[np.complex128]]] = {}

    def field(ref: str) -> tuple[FloatArray, npt.NDArray[np.complex128]]:
        if ref not in fields:
            if ref == RASTER:
                assert raster is not None
                values = _people(raster[0], raster[1], grid, work)
            else:
                values = _depth(references[ref], grid)
            fields[ref] = (values, _spectrum(values))
        return fields[ref]

    found: dict[str, list[Fit]] = {}
    for name, sample in samples.items():
        suspect = _suspect(sample, grid)
        weights = _spectrum(_weights(suspect, shape))
        found[name] = []
        for ref in [r for r in references if r != name] + ([RASTER] if raster else []):
            values, spectrum = field(ref)
            if values.min() == values.max():  # no polygon, or nobody, on the grid
                continue
            surface = _surface(weights, spectrum, shape)
            polygons = references.get(ref) if ref != RASTER else None
            for key, move in moves[name].items():
                share = _rank_share(surface, move, radius)
                raw = shifted = 0.0
                measure = ""
                if share <= MAX_RANK_SHARE:  # the exact measure only where it can matter
                    moved = _moved(sample, key, work)
                    raw, shifted, measure = _measures(
                        suspect, ref, values, moved, move, polygons, raster
                    )
                offset = math.hypot(*move)
                found[name].append(
                    Fit(name, ref, key, len(sample), offset, share, raw, shifted, measure, radius)
                )
    return found


def web_fit_finding(
    fits: list[Fit], *, crs: str, piece: str | None = None, in_memory: bool = False
) -> Said | None:
    """The finding that a layer (or its ``piece``, a file of a layer in pieces) fits the
    others clearly better moved from a web map's datum back to WGS 84 (the best of its fits
    that :attr:`Fit.fires`); None if none does. ``in_memory``: the layer is a frame given
    to :func:`siting.inputs.load_frames`, whose fix is its argument."""
    fired = [f for f in fits if f.fires]
    if not fired:
        return None
    best = min(fired, key=lambda f: (f.rank_share, -f.moved / max(f.raw, 1e-9)))
    datum = _datum.WEB_MAPS[best.shift]
    name = best.layer
    reference = "population raster" if best.reference == RASTER else best.reference
    share = best.measure == "land_in"
    measure = MEASURES[best.measure].format(
        raw=f"{best.raw:.0%}" if share else f"{best.raw:,.0f}",
        moved=f"{best.moved:.0%}" if share else f"{best.moved:,.0f}",
        features=best.features,
        reference=reference,
    )
    radius = best.radius_m
    maps = "Baidu (百度)" if best.shift == "bd09" else "Gaode/AutoNavi (高德) or Tencent (腾讯)"
    fix = (
        f'add datum_shift = "{best.shift}" under [inputs.{name}]'
        if piece is None and not in_memory
        else f'give load_frames(..., datum_shift={{"{name}": "{best.shift}"}})'
        if piece is None
        else f"move {piece} back from {datum} to WGS 84 before handing it over (in Python: "
        f'siting.gcj02.geometry_to_wgs84(layer, datum="{best.shift}")), as datum_shift under '
        f"[inputs.{name}] moves every piece; or add datum_shift if every piece was, all in "
        "one CRS"
    )
    return Said(
        f"{name}: {'' if piece is None else f'its piece {piece} '}fits the {reference} far "
        f"better moved from {datum} back to WGS 84 "
        f"({best.offset_m:,.0f} m) than as given: {measure}, and of every other offset up to "
        f"{radius:,.0f} m only {best.rank_share:.2%} fit as well; its CRS {crs} says "
        f"otherwise, but its coordinates look geocoded or picked on {maps}. Fix: if they "
        f"were, {fix}; if they are true, nothing",
        code="web_datum_fit" if piece is None else "web_datum_fit_piece",
        **({} if piece is None else {"piece": piece}),
        layer=name,
        crs=crs,
        datum=datum,
        shift=best.shift,
        reference=best.reference,
        measure=best.measure,
        raw=best.raw,
        moved=best.moved,
        features=best.features,
        offset_m=round(best.offset_m),
        radius_m=round(radius),
        rank_share=best.rank_share,
        section="load_frames" if in_memory and piece is None else f"[inputs.{name}]",
    )


def suspects(
    raw: Mapping[str, gpd.GeoDataFrame],
    shifted: set[str],
    *,
    pieces: Mapping[str, Sequence[Piece]] | None = None,
) -> dict[str, str]:
    """The layers that can be on a web map's datum, by name, with their CRS in words:
    those of :data:`SUSPECT_LAYERS` in longitude and latitude on WGS 84 or CGCS2000
    (read before they are projected) and without ``datum_shift`` (``shifted``); of a layer
    in ``pieces``, its pieces are (:func:`piece_suspects`)."""
    found = {}
    for name in SUSPECT_LAYERS:
        frame = raw.get(name)
        if frame is None or frame.crs is None or name in shifted:
            continue
        own = pyproj.CRS.from_user_input(frame.crs)
        if _datum._on_web_base(own) and name not in (pieces or {}):
            found[name] = _datum._label(own)
    return found


def piece_suspects(
    pieces: Mapping[str, Sequence[Piece]], shifted: set[str]
) -> list[tuple[str, Piece]]:
    """The pieces that can be on a web map's datum, each with its layer's name: those in
    longitude and latitude on WGS 84 or CGCS2000 of a layer of :data:`SUSPECT_LAYERS`
    without ``datum_shift``, each measured alone. Measured as the layer they are joined
    into, in the first piece's CRS, one county's 小区 picked on Gaode escaped behind a
    projected first piece, and behind one in degrees was measured with the true pieces,
    which hid it (the sample's 利州区, 133 小区 beside the other counties' outlines: its
    catchments hold 69,578 of the raster's people as given, 120,269 moved back; joined, no
    finding)."""
    return [
        (name, piece)
        for name in SUSPECT_LAYERS
        if name not in shifted
        for piece in pieces.get(name, ())
        if _datum._on_web_base(piece.crs)
    ]


def web_fit_findings(
    layers: Mapping[str, gpd.GeoDataFrame],
    suspected: Mapping[str, str],
    work: pyproj.CRS,
    *,
    raster: tuple[object, pyproj.CRS] | None = None,
    pieces: Sequence[tuple[str, Piece]] = (),
    in_memory: Collection[str] = (),
) -> list[Said]:
    """A finding for each suspect layer, and each suspect piece, that fits the others
    clearly better moved from a web map's datum (:func:`web_fit_finding`).

    Parameters
    ----------
    layers
        Every layer, by name, in the working CRS; OSM's rows (``source == "osm"``) are
        true coordinates and are measured against, never measured.
    suspected
        The suspect layers' names and CRS labels (:func:`suspects`).
    work
        The working CRS.
    raster
        The population raster (what to open, its CRS), if there is one.
    pieces
        The suspect pieces, each with its layer's name (:func:`piece_suspects`): each
        measured alone, its features in its layer of ``layers``.
    in_memory
        The layers given as frames to :func:`siting.inputs.load_frames`.
    """
    measured = {}
    for name in suspected:
        frame = layers.get(name)
        if frame is None:
            continue
        if "source" in frame.columns:
            frame = frame[frame["source"].astype(str) != "osm"]
        measured[name] = frame
    references = {ref: layers[ref] for ref in REFERENCE_LAYERS if ref in layers}
    try:
        fits = layers_fits(measured, references, work, raster=raster)
    except Exception as exc:  # a plausibility check never stops a run
        logger.info("the layers' fit was not measured together (%s); each alone", exc)
        fits = {}
        for name, frame in measured.items():  # one layer's failure leaves the others' checks
            try:
                fits.update(layers_fits({name: frame}, references, work, raster=raster))
            except Exception as alone:
                logger.info("%s: its fit to the other layers was not measured (%s)", name, alone)
    said = []
    for name, crs in suspected.items():
        finding = web_fit_finding(fits.get(name, []), crs=crs, in_memory=name in in_memory)
        if finding is not None:
            said.append(finding)
    for name, piece in pieces:
        frame = layers.get(name)
        if frame is None:
            continue
        try:
            its_fits = layers_fits(
                {name: frame[frame.index.isin(piece.ids)]}, references, work, raster=raster
            )
        except Exception as exc:  # a plausibility check never stops a run
            logger.info(
                "%s: %s's fit to the other layers was not measured (%s)", name, piece.label, exc
            )
            continue
        crs = _datum._label(piece.crs)
        finding = web_fit_finding(its_fits.get(name, []), crs=crs, piece=piece.label)
        if finding is not None:
            said.append(finding)
    return said
