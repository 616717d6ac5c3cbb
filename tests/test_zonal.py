"""Tests for siting.zonal: exact coverage-weighted zonal sums."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
from affine import Affine

from siting.errors import InputError, SitingError
from siting.zonal import coverage_grid, coverage_sums, zonal_sums

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
NAPLES_RASTER = DATA / "raster" / "naples-ghspop.tif"
NAPLES_BOUNDARY = DATA / "admin" / "naples-boundary.gpkg"

# a 7 x 9 grid of 10 m cells, origin (100, 500), north up
TRANSFORM = Affine(10.0, 0.0, 100.0, 0.0, -10.0, 500.0)
NROWS, NCOLS = 7, 9


def from_origin(west: float, north: float, xsize: float, ysize: float) -> Affine:
    """Like rasterio.transform.from_origin, which warns with affine >= 3.1."""
    return Affine(xsize, 0.0, west, 0.0, -ysize, north)


def _values(seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).random((NROWS, NCOLS))


def _to_xy(transform: Affine, cols: Any, rows: Any) -> tuple[Any, Any]:
    t = transform
    return t.a * cols + t.b * rows + t.c, t.d * cols + t.e * rows + t.f


def _cell_boxes(transform: Affine, shape: tuple[int, int]) -> np.ndarray:
    rows, cols = np.indices(shape)
    x0, y0 = _to_xy(transform, cols.ravel(), rows.ravel())
    x1, y1 = _to_xy(transform, cols.ravel() + 1, rows.ravel() + 1)
    return shapely.box(
        np.minimum(x0, x1), np.minimum(y0, y1), np.maximum(x0, x1), np.maximum(y0, y1)
    )


def _by_cell_intersection(polygons: list[Any], values: np.ndarray, transform: Affine) -> np.ndarray:
    """Second exact formulation: area of each cell box ∩ polygon, over the cell area."""
    boxes = _cell_boxes(transform, values.shape)
    cell_area = abs(transform.a * transform.e)
    out = []
    for poly in polygons:
        if poly is None or poly.is_empty:
            out.append(0.0)
            continue
        covered = shapely.area(shapely.intersection(boxes, poly)) / cell_area
        out.append(float(np.sum(covered * values.ravel())))
    return np.array(out)


def _by_supersampling(polygon: Any, values: np.ndarray, transform: Affine, k: int) -> float:
    """Loose check: k x k sample points per cell, each worth 1/k² of the cell."""
    offsets = (np.arange(k) + 0.5) / k
    rows = (np.arange(values.shape[0])[:, None] + offsets[None, :]).ravel()
    cols = (np.arange(values.shape[1])[:, None] + offsets[None, :]).ravel()
    cc, rr = np.meshgrid(cols, rows)
    x, y = _to_xy(transform, cc.ravel(), rr.ravel())
    inside = shapely.contains_xy(polygon, x, y).reshape(rr.shape)
    weights = np.repeat(np.repeat(values, k, axis=0), k, axis=1)
    return float(np.sum(inside * weights)) / k**2


def _test_polygons() -> list[Any]:
    """Polygons that cut cells: concave, holed, multi, partly and wholly outside, clockwise."""
    concave = shapely.Polygon([(105, 495), (170, 480), (131, 470.5), (182, 441), (101.5, 431.2)])
    holed = shapely.box(103.3, 433.1, 187.7, 497.2).difference(
        shapely.box(123.5, 452.9, 147.1, 477)
    )
    multi = shapely.MultiPolygon(
        [shapely.box(101, 431, 115.5, 445.2), shapely.Polygon([(150, 480), (171, 499), (166, 482)])]
    )
    partly_outside = shapely.Polygon([(50, 400), (125, 455.5), (160, 380)])
    right_and_above = shapely.box(170.2, 460.3, 260, 620)
    wholly_outside = shapely.box(0, 0, 10, 10)
    clockwise = shapely.box(113.7, 437.1, 157.3, 481.9).reverse()
    covers_all = shapely.box(-1000, -1000, 2000, 2000)
    return [
        concave,
        holed,
        multi,
        partly_outside,
        right_and_above,
        wholly_outside,
        clockwise,
        covers_all,
        None,
    ]


def _write_raster(
    path: Path, values: np.ndarray, transform: Affine, crs: str | None, nodata: float | None = None
) -> Path:
    profile: dict[str, Any] = {
        "driver": "GTiff",
        "width": values.shape[1],
        "height": values.shape[0],
        "count": 1,
        "dtype": values.dtype.name,
        "transform": transform,
        "nodata": nodata,
    }
    if crs is not None:
        profile["crs"] = crs
    with rasterio.open(path, "w", **profile) as ds:
        ds.write(values, 1)
    return path


# --- the array-level core -------------------------------------------------------------


def test_coverage_sums_match_cell_intersection_areas() -> None:
    values = _values()
    polygons = _test_polygons()
    got = coverage_sums(polygons, values, TRANSFORM)
    expected = _by_cell_intersection(polygons, values, TRANSFORM)
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-9)
    assert got[5] == 0.0  # wholly outside
    assert got[8] == 0.0  # missing geometry
    assert got[7] == pytest.approx(values.sum(), rel=1e-12)  # covers the whole raster


def test_coverage_grid_is_each_cells_intersection_area() -> None:
    """The grid of coverage (siting.inputs._fit's depth fields) cell by cell against
    shapely's intersection of each polygon with each cell, summed over the polygons."""
    values = _values()
    polygons = [p for p in _test_polygons() if p is not None]
    got = coverage_grid(polygons, TRANSFORM, values.shape)
    expected = np.zeros(values.shape)
    for r in range(values.shape[0]):
        for c in range(values.shape[1]):
            x0, y1 = TRANSFORM * (c, r)
            x1, y0 = TRANSFORM * (c + 1, r + 1)
            cell = shapely.box(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
            expected[r, c] = sum(p.intersection(cell).area for p in polygons) / cell.area
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-9)
    assert coverage_grid([], TRANSFORM, values.shape).sum() == 0.0


@pytest.mark.parametrize("index", range(7))
def test_coverage_sums_agree_with_supersampling(index: int) -> None:
    values = _values(1)
    polygon = _test_polygons()[index]
    got = coverage_sums([polygon], values, TRANSFORM)[0]
    sampled = _by_supersampling(polygon, values, TRANSFORM, k=200)
    assert got == pytest.approx(sampled, rel=2e-3, abs=2e-3)


def test_hand_solved_half_cells() -> None:
    # 2 x 2 cells of 1 m: values [[1, 2], [3, 4]]. The box x 0.5..2, y 0..1 is the
    # bottom row, with half of the left cell: 0.5 * 3 + 4 = 5.5.
    values = np.array([[1.0, 2.0], [3.0, 4.0]])
    transform = from_origin(0, 2, 1, 1)
    triangle = shapely.Polygon([(0, 0), (2, 0), (0, 2)])  # half of every off-diagonal cell
    got = coverage_sums([shapely.box(0.5, 0, 2, 1), triangle], values, transform)
    np.testing.assert_allclose(got, [5.5, 1 * 0.5 + 2 * 0 + 3 * 1 + 4 * 0.5], rtol=1e-12)


def test_south_up_grid_gives_the_same_sums() -> None:
    values = _values(2)
    polygons = _test_polygons()
    # the same cells, stored bottom row first with a positive row step
    south_up = Affine(10.0, 0.0, 100.0, 0.0, 10.0, 430.0)
    got = coverage_sums(polygons, values[::-1], south_up)
    expected = coverage_sums(polygons, values, TRANSFORM)
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12)


def test_random_tiling_sums_to_the_raster_total() -> None:
    values = _values(3)
    rng = np.random.default_rng(3)
    extent = shapely.box(100, 430, 190, 500)
    points = shapely.multipoints(
        np.column_stack([rng.uniform(100, 190, 40), rng.uniform(430, 500, 40)])
    )
    tiles = shapely.intersection(
        shapely.get_parts(shapely.voronoi_polygons(points, extend_to=extent)), extent
    )
    got = coverage_sums(tiles, values, TRANSFORM)
    assert got.sum() == pytest.approx(values.sum(), rel=1e-9)
    np.testing.assert_allclose(
        got, _by_cell_intersection(list(tiles), values, TRANSFORM), atol=1e-9
    )


def test_adjacent_polygons_do_not_double_count() -> None:
    values = _values(4)
    whole = shapely.Polygon([(104.2, 434.4), (181.9, 437.3), (176.6, 496.1), (108.8, 489.5)])
    cut = shapely.LineString([(100, 431), (190, 499)])
    halves = shapely.get_parts(shapely.ops.split(whole, cut))
    assert len(halves) == 2
    parts = coverage_sums(halves, values, TRANSFORM)
    total = coverage_sums([whole], values, TRANSFORM)[0]
    assert parts.sum() == pytest.approx(total, rel=1e-12)
    assert min(parts) > 0


def test_long_edges_far_outside_the_grid() -> None:
    values = _values(5)
    # a thin sliver whose vertices are kilometres away, crossing the grid diagonally
    sliver = shapely.Polygon([(-5000, -5000), (5000, 5000 + 12.5), (5000, 5000 - 3.5)])
    got = coverage_sums([sliver], values, TRANSFORM)
    np.testing.assert_allclose(got, _by_cell_intersection([sliver], values, TRANSFORM), atol=1e-9)


def test_coverage_sums_reject_bad_inputs() -> None:
    with pytest.raises(InputError, match="2-D"):
        coverage_sums([shapely.box(0, 0, 1, 1)], np.zeros(4), TRANSFORM)
    with pytest.raises(InputError, match="rotation"):
        coverage_sums(
            [shapely.box(0, 0, 1, 1)], np.zeros((2, 2)), Affine(1.0, 0.2, 0.0, 0.1, -1.0, 0.0)
        )
    with pytest.raises(InputError, match="not polygons"):
        coverage_sums([shapely.Point(0, 0)], np.zeros((2, 2)), TRANSFORM)


# --- the raster adapter ---------------------------------------------------------------


def test_zonal_sums_on_a_file_with_nodata_and_nan(tmp_path: Path) -> None:
    values = _values(6).astype(np.float32)
    values[2, 3] = -9999.0
    values[5, 7] = np.nan
    path = _write_raster(tmp_path / "r.tif", values, TRANSFORM, "EPSG:4544", nodata=-9999.0)
    polygons = _test_polygons()
    zones = gpd.GeoDataFrame(
        {"name": list("abcdefghi")},
        geometry=gpd.GeoSeries(polygons, crs="EPSG:4544").values,
        crs="EPSG:4544",
        index=pd.Index([f"area-{i}" for i in range(len(polygons))], name="area_id"),
    )
    got = zonal_sums(zones, path)
    clean = np.nan_to_num(values.astype(np.float64), nan=0.0)
    clean[2, 3] = 0.0
    expected = _by_cell_intersection(polygons, clean, TRANSFORM)
    pd.testing.assert_index_equal(got.index, zones.index)
    assert got.name == "sum"
    np.testing.assert_allclose(got.to_numpy(), expected, rtol=1e-9, atol=1e-9)

    relabelled = zonal_sums(zones.geometry, path, ids=pd.Index(range(10, 19)))
    assert relabelled.index.tolist() == list(range(10, 19))
    np.testing.assert_allclose(relabelled.to_numpy(), expected, rtol=1e-9, atol=1e-9)


def test_zonal_sums_keep_a_multiindex_given_as_ids(tmp_path: Path) -> None:
    """ids as a MultiIndex (an analyst's (city, area) ids after a groupby) came back
    flattened to an Index of tuples by ``pd.Index(ids)``; it is kept, level names and
    all, as a GeoDataFrame's own MultiIndex is and as ``siting.locate`` keeps one."""
    values = np.array([[1.0, 2.0], [3.0, 4.0]], dtype=np.float32)
    path = _write_raster(tmp_path / "r.tif", values, from_origin(0, 2, 1, 1), "EPSG:4544")
    ids = pd.MultiIndex.from_tuples([("a", 1), ("b", 2)], names=["city", "area"])
    polygons = gpd.GeoSeries([shapely.box(0, 0, 1, 1), shapely.box(1, 1, 2, 2)], crs="EPSG:4544")
    got = zonal_sums(polygons, path, ids=ids)
    # the south-west cell holds 3, the north-east one 2
    expected = pd.Series([3.0, 2.0], index=ids, name="sum")
    pd.testing.assert_series_equal(got, expected)
    assert got.loc[("b", 2)] == 2.0
    own = gpd.GeoDataFrame(geometry=polygons.to_numpy(), index=ids, crs="EPSG:4544")
    pd.testing.assert_series_equal(zonal_sums(own, path), expected)


def test_zonal_sums_integer_raster_and_second_band(tmp_path: Path) -> None:
    values = np.arange(NROWS * NCOLS, dtype=np.int16).reshape(NROWS, NCOLS)
    path = tmp_path / "two.tif"
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=NCOLS,
        height=NROWS,
        count=2,
        dtype="int16",
        transform=TRANSFORM,
        crs="EPSG:4544",
        nodata=0,
    ) as ds:
        ds.write(np.zeros_like(values), 1)
        ds.write(values, 2)
    polygons = _test_polygons()[:4]
    got = zonal_sums(gpd.GeoSeries(polygons, crs="EPSG:4544"), path, band=2)
    expected = _by_cell_intersection(polygons, values.astype(np.float64), TRANSFORM)
    np.testing.assert_allclose(got.to_numpy(), expected, rtol=1e-9)


class _RecordingDataset:
    """Wrap an open dataset and record the windows read from it."""

    def __init__(self, ds: Any) -> None:
        self._ds = ds
        self.windows: list[Any] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ds, name)

    def read(self, *args: Any, window: Any = None, **kwargs: Any) -> Any:
        self.windows.append(window)
        return self._ds.read(*args, window=window, **kwargs)


def test_zonal_sums_reads_only_the_needed_window(tmp_path: Path) -> None:
    values = np.random.default_rng(7).random((200, 300)).astype(np.float32)
    transform = from_origin(0, 2000, 10, 10)
    path = _write_raster(tmp_path / "big.tif", values, transform, "EPSG:4544")
    small = [shapely.box(1005, 1003, 1047, 1031), shapely.box(1101, 1055, 1128, 1099)]
    with rasterio.open(path) as ds:
        recorder = _RecordingDataset(ds)
        got = zonal_sums(gpd.GeoSeries(small, crs="EPSG:4544"), recorder)  # type: ignore[arg-type]
    rows_read = sum(int(w.height) for w in recorder.windows)
    assert {int(w.col_off) for w in recorder.windows} == {100}
    assert {int(w.width) for w in recorder.windows} == {13}
    assert rows_read == 10  # rows 90..99 cover y 1003..1099
    expected = _by_cell_intersection(small, values.astype(np.float64), transform)
    np.testing.assert_allclose(got.to_numpy(), expected, rtol=1e-9)


def test_zonal_sums_outside_the_raster_are_zero(tmp_path: Path) -> None:
    path = _write_raster(tmp_path / "r.tif", _values(8), TRANSFORM, "EPSG:4544")
    zones = gpd.GeoSeries([shapely.box(0, 0, 50, 50), None, shapely.Polygon()], crs="EPSG:4544")
    got = zonal_sums(zones, path)
    assert got.tolist() == [0.0, 0.0, 0.0]


def test_crs_of_the_polygons_does_not_change_the_result(tmp_path: Path) -> None:
    # 0.001° cells around the Guangyuan city government, in CGCS2000 lon/lat
    rng = np.random.default_rng(9)
    values = rng.gamma(2.0, 10.0, size=(30, 40))
    transform = from_origin(105.82, 32.45, 0.001, 0.001)
    path = _write_raster(tmp_path / "gy.tif", values, transform, "EPSG:4490")
    polygons = [
        shapely.Polygon([(105.8234, 32.4471), (105.8517, 32.4412), (105.8391, 32.4256)]),
        shapely.box(105.8302, 32.4303, 105.8473, 32.4398).difference(
            shapely.Point(105.839, 32.435).buffer(0.002)
        ),
        shapely.box(105.810, 32.440, 105.8255, 32.460),  # partly outside
    ]
    # densify in degrees so the curvature of straight lines between CRSs is negligible
    dense = shapely.segmentize(np.array(polygons, dtype=object), 0.00005)
    base = gpd.GeoSeries(dense, crs="EPSG:4490")
    expected = zonal_sums(base, path)
    np.testing.assert_allclose(
        expected.to_numpy(), _by_cell_intersection(list(dense), values, transform), rtol=1e-9
    )
    for crs in ("EPSG:4326", "EPSG:4544"):
        got = zonal_sums(base.to_crs(crs), path)
        # CGCS2000 and WGS84 share the ellipsoid up to 0.1 mm, and the 4544 round trip
        # is exact to well below a millimetre, i.e. < 1e-8 of a 100 m cell
        np.testing.assert_allclose(got.to_numpy(), expected.to_numpy(), rtol=1e-6)


def test_errors_name_the_problem(tmp_path: Path) -> None:
    values = _values(10)
    with_crs = _write_raster(tmp_path / "crs.tif", values, TRANSFORM, "EPSG:4544")
    without_crs = _write_raster(tmp_path / "nocrs.tif", values, TRANSFORM, None)
    polygons = [shapely.box(110, 440, 150, 480)]

    with pytest.raises(InputError, match="the polygons have no CRS") as info:
        zonal_sums(gpd.GeoSeries(polygons), with_crs)
    assert isinstance(info.value, SitingError)
    assert isinstance(info.value, ValueError)

    with pytest.raises(InputError, match="the raster has no CRS"):
        zonal_sums(gpd.GeoSeries(polygons, crs="EPSG:4544"), without_crs)

    with pytest.raises(InputError, match="2 problems") as both:
        zonal_sums(gpd.GeoSeries(polygons), without_crs)
    assert {p.message for p in both.value.problems} == {
        "the polygons have no CRS",
        "the raster has no CRS",
    }

    rotated = _write_raster(
        tmp_path / "rot.tif", values, Affine(9.66, -2.59, 100.0, 2.59, -9.66, 500.0), "EPSG:4544"
    )
    with pytest.raises(InputError, match="rotated"):
        zonal_sums(gpd.GeoSeries(polygons, crs="EPSG:4544"), rotated)

    with pytest.raises(InputError, match="band 2 does not exist"):
        zonal_sums(gpd.GeoSeries(polygons, crs="EPSG:4544"), with_crs, band=2)

    lines = gpd.GeoSeries(
        [polygons[0], shapely.LineString([(0, 0), (1, 1)])], index=["a", "b"], crs="EPSG:4544"
    )
    with pytest.raises(InputError, match="not polygons") as not_polygons:
        zonal_sums(lines, with_crs)
    assert not_polygons.value.problems[0].ids == ("b",)

    with pytest.raises(InputError, match="ids has 3 entries"):
        zonal_sums(gpd.GeoSeries(polygons, crs="EPSG:4544"), with_crs, ids=pd.Index([1, 2, 3]))

    with pytest.raises(InputError, match="cannot open the raster"):
        zonal_sums(gpd.GeoSeries(polygons, crs="EPSG:4544"), tmp_path / "missing.tif")


# --- real data ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def naples() -> tuple[gpd.GeoDataFrame, Path]:
    if not (NAPLES_RASTER.exists() and NAPLES_BOUNDARY.exists()):
        pytest.skip(f"shared test data not found under {DATA}")
    return gpd.read_file(NAPLES_BOUNDARY), NAPLES_RASTER


@pytest.mark.shared
def test_naples_population_matches_independent_methods(
    naples: tuple[gpd.GeoDataFrame, Path],
) -> None:
    boundary, raster = naples
    got = zonal_sums(boundary, raster)
    assert got.index.equals(boundary.index)
    total = float(got.iloc[0])

    with rasterio.open(raster) as ds:
        values = ds.read(1, masked=True).filled(0).astype(np.float64)
        transform = ds.transform
        boundary_in_grid = boundary.to_crs(ds.crs)
    by_cells = _by_cell_intersection(list(boundary_in_grid.geometry), values, transform)[0]
    assert total == pytest.approx(by_cells, rel=1e-9)
    # most of the 944,102 people in the raster's rectangle live inside the municipality
    assert 900_000 < total < 944_102

    exactextract = pytest.importorskip("exactextract")
    theirs = exactextract.exact_extract(str(raster), boundary, "sum", output="pandas")["sum"]
    assert total == pytest.approx(float(theirs.iloc[0]), rel=1e-8)


@pytest.mark.shared
def test_naples_tiles_sum_to_the_municipal_total(naples: tuple[gpd.GeoDataFrame, Path]) -> None:
    boundary, raster = naples
    total = float(zonal_sums(boundary, raster).iloc[0])
    # 1 km tiles in UTM 33N, reprojected back to the raster's lon/lat by zonal_sums
    metric = boundary.to_crs("EPSG:32633")
    xmin, ymin, xmax, ymax = metric.total_bounds
    xs = np.arange(np.floor(xmin / 1000) * 1000, xmax, 1000)
    ys = np.arange(np.floor(ymin / 1000) * 1000, ymax, 1000)
    gx, gy = np.meshgrid(xs, ys)
    boxes = shapely.box(gx.ravel(), gy.ravel(), gx.ravel() + 1000, gy.ravel() + 1000)
    tiles = shapely.intersection(boxes, metric.geometry.iloc[0])
    tiles = tiles[~shapely.is_empty(tiles)]
    tiles = tiles[np.isin(shapely.get_type_id(tiles), [3, 6])]
    assert len(tiles) > 100
    per_tile = zonal_sums(gpd.GeoSeries(tiles, crs="EPSG:32633"), raster)
    assert per_tile.sum() == pytest.approx(total, rel=1e-3)
    assert (per_tile >= 0).all()
