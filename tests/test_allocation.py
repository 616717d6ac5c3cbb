"""Tests of siting.allocation: dasymetric and area-weighted allocation, residuals, conservation.

Expected values come from a hand-solved 3 × 3 case and from a brute-force
second formulation: every cell's box intersected with every polygon by
shapely, the fractions combined by the formulas of the module docstring.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
from affine import Affine
from shapely.geometry import Point, box

from siting.allocation import allocate
from siting.errors import InputError
from siting.zonal import zonal_sums

CRS = "EPSG:4544"
X0, Y0 = 500_000.0, 3_600_000.0


def _raster(path: Path, values: np.ndarray, *, cell: float = 10.0, **extra: object) -> Path:
    values = np.asarray(values)
    if values.ndim == 2:
        values = values[None]
    profile = {
        "driver": "GTiff",
        "width": values.shape[2],
        "height": values.shape[1],
        "count": values.shape[0],
        "dtype": str(values.dtype),
        "crs": CRS,
        "transform": Affine(cell, 0, X0, 0, -cell, Y0),
        **extra,
    }
    with rasterio.open(path, "w", **profile) as ds:
        ds.write(values)
    return path


def _at(geom: shapely.Geometry) -> shapely.Geometry:
    """A geometry drawn in cell-local metres, moved to the raster's origin corner."""
    return shapely.affinity.translate(geom, X0, Y0 - 30.0)


# The hand case: a 3 × 3 raster of 10 m cells holding 1..9 (45 people), rows from the top.
#   A = box(0, 20, 15, 30): all of cell (0,0) and half of cell (0,1)
#   B = box(10, 20, 30, 30): all of cells (0,1) and (0,2); so cell (0,1) is covered 1.5 times
#   C = box(0, 0, 20, 20) with the hole box(5, 5, 15, 15): 3/4 of cells (1,0) (1,1) (2,0) (2,1)
#   cells (1,2) = 6 and (2,2) = 9 touch no polygon.
HAND = {
    "A": box(0, 20, 15, 30),
    "B": box(10, 20, 30, 30),
    "C": shapely.Polygon(
        [(0, 0), (20, 0), (20, 20), (0, 20)], [[(5, 5), (15, 5), (15, 15), (5, 15)]]
    ),
}


@pytest.fixture
def hand(tmp_path: Path) -> tuple[gpd.GeoSeries, gpd.GeoSeries, Path]:
    path = _raster(tmp_path / "hand.tif", np.arange(1, 10, dtype="float32").reshape(3, 3))
    polygons = gpd.GeoSeries([_at(g) for g in HAND.values()], index=list(HAND), crs=CRS)
    study = gpd.GeoSeries([_at(box(0, 0, 30, 30))], index=["city"], crs=CRS)
    return polygons, study, path


def test_hand_case_dasymetric(hand: tuple[gpd.GeoSeries, gpd.GeoSeries, Path]) -> None:
    polygons, study, path = hand
    out = allocate(polygons, path, zones=study)
    # A: cell 1 whole + cell 2 × 0.5 / 1.5; B: cell 2 × 1 / 1.5 + cell 3; C: 4 + 5 + 7 + 8
    assert out.held["A"] == pytest.approx(1 + 2 * 0.5 / 1.5, abs=1e-12)
    assert out.held["B"] == pytest.approx(2 * 1.0 / 1.5 + 3, abs=1e-12)
    assert out.held["C"] == pytest.approx(24.0, abs=1e-12)
    assert out.residual == pytest.approx(15.0, abs=1e-12)
    assert out.residual_by_zone["city"] == pytest.approx(15.0, abs=1e-12)
    assert out.overlap == 0.0
    assert out.total == pytest.approx(45.0, abs=1e-12)
    assert out.held_share == pytest.approx(30 / 45, abs=1e-12)


def test_hand_case_area_weighted(hand: tuple[gpd.GeoSeries, gpd.GeoSeries, Path]) -> None:
    polygons, study, path = hand
    out = allocate(polygons, path, zones=study, method="area_weighted")
    assert out.held["A"] == pytest.approx(1 + 0.5 * 2, abs=1e-12)
    assert out.held["B"] == pytest.approx(2 + 3, abs=1e-12)
    assert out.held["C"] == pytest.approx(0.75 * 24, abs=1e-12)
    # the uncovered quarter of C's four cells, and cells 6 and 9
    assert out.residual == pytest.approx(0.25 * 24 + 15, abs=1e-12)
    # cell (0,1), 2 people, is covered 1.5 times: 1 person counted twice
    assert out.overlap == pytest.approx(1.0, abs=1e-12)
    assert out.total == pytest.approx(45.0, abs=1e-12)


def test_residual_blocks_are_the_uncovered_cells(
    hand: tuple[gpd.GeoSeries, gpd.GeoSeries, Path],
) -> None:
    polygons, study, path = hand
    blocks = allocate(polygons, path, zones=study, residual_blocks=1).residual_blocks
    got = sorted(
        zip(
            blocks["x0"] - X0,
            blocks["y0"] - (Y0 - 30),
            blocks["people"],
            blocks["cells"],
            strict=True,
        )
    )
    # cell (1,2) holds 6 people, cell (2,2) 9; nobody else is residual
    assert got == [(20.0, 0.0, 9.0, 1), (20.0, 10.0, 6.0, 1)]
    # blocks of 2 × 2 cells: both fall in the right column of blocks, rows 0–1 and 2
    two = allocate(polygons, path, zones=study, residual_blocks=2).residual_blocks
    assert sorted(zip(two["y0"] - (Y0 - 30), two["people"], strict=True)) == [
        (0.0, 9.0),
        (10.0, 6.0),
    ]
    assert two["people"].sum() == pytest.approx(15.0)


def test_residual_blocks_count_an_edge_cell_by_its_share(tmp_path: Path) -> None:
    """A cell cut by the study area's edge counts in the blocks by its share, as in the residual.

    A 1 × 6 row of 100 m cells with 10, 20, ..., 60 people; A covers cell 0. The blocks
    counted a cut cell whole when its centre lay inside the zone and not at all when it
    lay outside, so they did not add up to the residual (a single run's residual.geojson
    held 169.5 people less than its run.json).
    """
    values = np.array([[10, 20, 30, 40, 50, 60]], dtype="float32")
    path = _raster(tmp_path / "row.tif", values, cell=100.0)
    areas = gpd.GeoSeries([box(X0, Y0 - 100, X0 + 100, Y0)], index=["A"], crs=CRS)
    # the zone ends 40 m into cell 3, whose centre lies outside it
    zone = gpd.GeoSeries([box(X0, Y0 - 100, X0 + 340, Y0)], index=["Z"], crs=CRS)
    out = allocate(areas, path, zones=zone, residual_blocks=1)
    assert out.residual == pytest.approx(20 + 30 + 0.4 * 40)
    assert sorted(out.residual_blocks["people"]) == pytest.approx([16.0, 20.0, 30.0])
    assert out.residual_blocks["cells"].sum() == 3
    # the zone ends 60 m into cell 4 (its centre inside), and B (cell 5) takes cell 4
    # within 120 m: the zone's 30 of its 50 people move, and the blocks lose those 30
    # (they kept the other 20 of a cell now held)
    b = box(X0 + 500, Y0 - 100, X0 + 600, Y0)
    two = gpd.GeoSeries([areas["A"], b], index=["A", "B"], crs=CRS)
    zone = gpd.GeoSeries([box(X0, Y0 - 100, X0 + 460, Y0)], index=["Z"], crs=CRS)
    moved = allocate(two, path, zones=zone, nearest_m=120.0, residual_blocks=1)
    assert moved.residual == pytest.approx(30 + 40)
    assert sorted(moved.residual_blocks["people"]) == pytest.approx([30.0, 40.0])


def test_nearest_polygon_takes_residual_cells_within_reach(tmp_path: Path) -> None:
    # a 1 × 6 row of 100 m cells with 10, 20, ..., 60 people; A covers cell 0, B cell 5.
    # Within 120 m of A lies the centre of cell 1 (50 m away); of B, cell 4. Cells 2 and 3
    # (150 m from both) stay residual.
    values = np.array([[10, 20, 30, 40, 50, 60]], dtype="float32")
    path = _raster(tmp_path / "row.tif", values, cell=100.0)
    a = box(X0, Y0 - 100, X0 + 100, Y0)
    b = box(X0 + 500, Y0 - 100, X0 + 600, Y0)
    areas = gpd.GeoSeries([a, b], index=["A", "B"], crs=CRS)
    out = allocate(areas, path, nearest_m=120.0, residual_blocks=1)
    assert out.held.to_dict() == pytest.approx({"A": 10 + 20, "B": 60 + 50})
    assert out.moved == pytest.approx(70.0)
    assert out.residual == pytest.approx(30 + 40)
    assert out.total == pytest.approx(210.0)
    assert sorted(out.residual_blocks["people"]) == [30.0, 40.0]
    # with a zone over cells 0–3 only, the residual is counted inside it
    zone = gpd.GeoSeries([box(X0, Y0 - 100, X0 + 400, Y0)], index=["Z"], crs=CRS)
    inside = allocate(areas, path, zones=zone, nearest_m=120.0, residual_blocks=1)
    assert inside.residual_by_zone["Z"] == pytest.approx(30 + 40)
    # cell 4 lies outside the zone: its people are not the study area's to move
    assert inside.held.to_dict() == pytest.approx({"A": 30.0, "B": 60.0})
    with pytest.raises(InputError, match="geographic CRS"):
        allocate(areas.to_crs("EPSG:4326"), path, nearest_m=100.0)


def _brute(
    polygons: list[shapely.Geometry], values: np.ndarray, cell: float
) -> tuple[np.ndarray, np.ndarray]:
    """Coverage fractions a[i, r, c] by shapely intersection, for the second formulation."""
    rows, cols = values.shape
    a = np.zeros((len(polygons), rows, cols))
    for r in range(rows):
        for c in range(cols):
            square = box(X0 + c * cell, Y0 - (r + 1) * cell, X0 + (c + 1) * cell, Y0 - r * cell)
            for i, g in enumerate(polygons):
                a[i, r, c] = shapely.intersection(square, g).area / cell**2
    return a, a.sum(axis=0)


def _random_city(seed: int, rows: int, cols: int, cell: float) -> list[shapely.Geometry]:
    """Overlapping rectangles and rotated blobs, one with a hole and one multipolygon."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(7):
        x, y = X0 + rng.uniform(0, cols * cell), Y0 - rng.uniform(0, rows * cell)
        w, h = rng.uniform(0.4, 3.5) * cell, rng.uniform(0.4, 3.5) * cell
        g = shapely.affinity.rotate(box(x, y, x + w, y + h), rng.uniform(0, 90))
        out.append(g)
    ring = out[0].buffer(cell)
    out[0] = ring.difference(out[0].buffer(-0.1 * cell) if out[0].area > 1 else out[0])
    out.append(shapely.MultiPolygon([out[1], box(X0, Y0 - cell, X0 + 0.3 * cell, Y0)]))
    return out


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_random_polygons_match_brute_force_and_conserve(tmp_path: Path, seed: int) -> None:
    rows, cols, cell = 11, 13, 20.0
    rng = np.random.default_rng(100 + seed)
    values = rng.gamma(2.0, 40.0, size=(rows, cols))
    values[rng.random((rows, cols)) < 0.15] = 0.0
    path = _raster(tmp_path / "r.tif", values.astype("float64"), cell=cell)
    polys = _random_city(seed, rows, cols, cell)
    series = gpd.GeoSeries(polys, index=[f"P{i}" for i in range(len(polys))], crs=CRS)
    extent = gpd.GeoSeries(
        [box(X0, Y0 - rows * cell, X0 + cols * cell, Y0)], index=["all"], crs=CRS
    )
    a, cover = _brute(polys, values, cell)
    covered = cover > 1e-9
    spread = np.divide(values, cover, out=np.zeros_like(values), where=covered)
    want = (a * spread).sum(axis=(1, 2))
    want_residual = values[~covered].sum()

    out = allocate(series, path, zones=extent)
    np.testing.assert_allclose(out.held.to_numpy(), want, rtol=1e-9, atol=1e-9)
    assert out.residual == pytest.approx(want_residual, rel=1e-9, abs=1e-9)
    assert out.held.sum() + out.residual == pytest.approx(values.sum(), rel=1e-12)

    weighted = allocate(series, path, zones=extent, method="area_weighted")
    np.testing.assert_allclose(
        weighted.held.to_numpy(), (a * values).sum(axis=(1, 2)), rtol=1e-9, atol=1e-9
    )
    # what no polygon covers is residual; what they cover beyond their union, counted twice
    (union,) = _brute([shapely.union_all(polys)], values, cell)[0]
    assert weighted.residual == pytest.approx(
        (values * np.clip(1 - union, 0, 1)).sum(), rel=1e-9, abs=1e-9
    )
    assert weighted.overlap == pytest.approx((values * (cover - union)).sum(), rel=1e-9, abs=1e-9)
    assert weighted.held.sum() + weighted.residual - weighted.overlap == pytest.approx(
        values.sum(), rel=1e-12
    )


def test_strips_and_window_do_not_change_the_result(tmp_path: Path) -> None:
    """A raster read in many strips (small blocks) gives the one-strip answer."""
    rows, cols, cell = 40, 30, 20.0
    rng = np.random.default_rng(7)
    values = rng.gamma(2.0, 40.0, size=(rows, cols)).astype("float32")
    one = _raster(tmp_path / "one.tif", values, cell=cell)
    tiled = _raster(
        tmp_path / "tiled.tif", values, cell=cell, tiled=True, blockxsize=16, blockysize=16
    )
    polys = gpd.GeoSeries(_random_city(9, rows, cols, cell), crs=CRS)
    import siting.allocation as allocation

    base = allocate(polys, one)
    old = allocation._CELLS_PER_STRIP
    allocation._CELLS_PER_STRIP = 64
    try:
        many = allocate(polys, tiled)
    finally:
        allocation._CELLS_PER_STRIP = old
    np.testing.assert_allclose(many.held.to_numpy(), base.held.to_numpy(), rtol=1e-12)
    assert many.residual == pytest.approx(base.residual, rel=1e-12)


def test_residual_per_zone_by_exact_coverage(tmp_path: Path) -> None:
    # 2 × 2 cells of 10 m with 10, 20 / 30, 40; one area covers the top-left cell only.
    path = _raster(tmp_path / "z.tif", np.array([[10, 20], [30, 40]], dtype="float32"))
    area = gpd.GeoSeries([box(X0, Y0 - 10, X0 + 10, Y0)], index=["A"], crs=CRS)
    # the west zone holds the left column, the east zone the right column and half the
    # bottom-left cell's neighbour: zones split cell (1,1) in halves
    west = box(X0, Y0 - 20, X0 + 10, Y0)
    east = box(X0 + 10, Y0 - 20, X0 + 20, Y0)
    zones = gpd.GeoSeries([west, east], index=["W", "E"], crs=CRS)
    out = allocate(area, path, zones=zones)
    assert out.held["A"] == pytest.approx(10.0)
    assert out.residual_by_zone.to_dict() == pytest.approx({"W": 30.0, "E": 60.0})
    assert out.total == pytest.approx(100.0)
    half = gpd.GeoSeries([box(X0 + 10, Y0 - 20, X0 + 15, Y0 - 10)], index=["H"], crs=CRS)
    assert allocate(area, path, zones=half).residual == pytest.approx(20.0)


def test_building_floor_area_weights(tmp_path: Path) -> None:
    # two 100 m cells, 100 and 60 people. A holds the left half of cell 0 with a tower
    # (3,000 m² of floor); B the right half of cell 0 with sheds (1,000 m²) and a part
    # of cell 1 with no building.
    path = _raster(tmp_path / "b.tif", np.array([[100, 60]], dtype="float32"), cell=100.0)
    a = box(X0, Y0 - 100, X0 + 50, Y0)
    b = box(X0 + 50, Y0 - 100, X0 + 130, Y0)
    areas = gpd.GeoSeries([a, b], index=["A", "B"], crs=CRS)
    buildings = gpd.GeoDataFrame(
        {"weight": [3000.0, 600.0, 400.0]},
        geometry=[
            box(X0 + 10, Y0 - 40, X0 + 30, Y0 - 20),
            Point(X0 + 60, Y0 - 50),
            Point(X0 + 80, Y0 - 50),
        ],
        crs=CRS,
    )
    plain = allocate(areas, path)
    assert plain.held.to_dict() == pytest.approx({"A": 50.0, "B": 110.0})
    weighted = allocate(areas, path, buildings=buildings)
    assert weighted.held.to_dict() == pytest.approx({"A": 75.0, "B": 25.0 + 60.0})
    assert weighted.residual == pytest.approx(0.0)


def test_several_bands_are_added(tmp_path: Path) -> None:
    values = np.stack([np.full((2, 2), 1.0), np.full((2, 2), 4.0)]).astype("float32")
    path = _raster(tmp_path / "bands.tif", values)
    area = gpd.GeoSeries([box(X0, Y0 - 20, X0 + 20, Y0)], crs=CRS)
    assert allocate(area, path, band=[1, 2]).held.iloc[0] == pytest.approx(20.0)
    with pytest.raises(InputError, match="band 3 does not exist"):
        allocate(area, path, band=[1, 3])


def test_nodata_and_unknown_method(tmp_path: Path) -> None:
    path = _raster(
        tmp_path / "nd.tif", np.array([[-1, 5], [np.nan, 7]], dtype="float32"), nodata=-1
    )
    area = gpd.GeoSeries([box(X0, Y0 - 20, X0 + 20, Y0)], crs=CRS)
    assert allocate(area, path).held.iloc[0] == pytest.approx(12.0)
    with pytest.raises(InputError, match="unknown allocation 'nearest'"):
        allocate(area, path, method="nearest")


def test_polygons_in_another_crs(tmp_path: Path) -> None:
    path = _raster(tmp_path / "crs.tif", np.array([[8, 8], [8, 8]], dtype="float32"))
    area = gpd.GeoSeries([box(X0, Y0 - 20, X0 + 20, Y0)], crs=CRS).to_crs("EPSG:4326")
    assert allocate(area, path).held.iloc[0] == pytest.approx(32.0, rel=1e-6)


SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "raster"


def _blocks_over(path: Path, *, n: int, seed: int, size_m: float) -> gpd.GeoSeries:
    """Random residential blocks drawn over the populated part of a real raster."""
    with rasterio.open(path) as ds:
        values = ds.read(1, masked=True).filled(0)
        rows, cols = np.nonzero(values > np.quantile(values[values > 0], 0.5))
        rng = np.random.default_rng(seed)
        pick = rng.choice(len(rows), size=n, replace=False)
        xs, ys = rasterio.transform.xy(ds.transform, rows[pick], cols[pick])
    centres = gpd.GeoSeries(gpd.points_from_xy(xs, ys), crs="EPSG:4326")
    utm = centres.estimate_utm_crs()
    jitter = rng.uniform(-0.5, 0.5, size=(n, 2)) * size_m
    pts = centres.to_crs(utm)
    blocks = [
        box(p.x + dx, p.y + dy, p.x + dx + size_m, p.y + dy + 0.7 * size_m)
        for p, (dx, dy) in zip(pts, jitter, strict=True)
    ]
    return gpd.GeoSeries(blocks, crs=utm)


@pytest.mark.shared
@pytest.mark.parametrize(
    "name", ["naples-ghspop.tif", "accra-total-worldpop.tif", "accra-age0-5-worldpop.tif"]
)
def test_real_rasters_conserve_every_resident(name: str) -> None:
    path = SHARED / name
    if not path.is_file():
        pytest.skip(f"shared test data {path} is absent")
    blocks = _blocks_over(path, n=300, seed=5, size_m=60.0)
    with rasterio.open(path) as ds:
        extent = gpd.GeoSeries([box(*ds.bounds)], index=["raster"], crs=ds.crs)
        values = ds.read(1, masked=True).filled(0).astype(float)
        values[~np.isfinite(values)] = 0
    total = float(values.sum())
    d = allocate(blocks, path, zones=extent)
    a = allocate(blocks, path, zones=extent, method="area_weighted")
    for out in (d, a):
        assert out.total == pytest.approx(total, rel=1e-9)
        assert out.held.sum() + out.residual - out.overlap == pytest.approx(total, rel=1e-9)
    # 60 × 42 m blocks inside ~90 m cells: the exact area-weighted sum keeps a fraction of
    # the touched cells' people, dasymetric keeps all of them
    assert a.held.sum() < 0.6 * d.held.sum()
    assert (d.held >= a.held - 1e-9).all()


def test_missing_crs_is_named(tmp_path: Path) -> None:
    path = _raster(tmp_path / "c.tif", np.ones((2, 2), dtype="float32"))
    area = gpd.GeoSeries([box(X0, Y0 - 20, X0 + 20, Y0)])
    with pytest.raises(InputError, match="the polygons have no CRS"):
        allocate(area, path)
    zones = gpd.GeoSeries([box(X0, Y0 - 20, X0 + 20, Y0)])
    with pytest.raises(InputError, match="the zones have no CRS"):
        allocate(area.set_crs(CRS), path, zones=zones)
    buildings = gpd.GeoDataFrame(geometry=[Point(X0 + 1, Y0 - 1)], crs=CRS)
    with pytest.raises(InputError, match="the buildings have no weight"):
        allocate(area.set_crs(CRS), path, buildings=buildings)


def test_missing_and_empty_geometries_hold_nobody(tmp_path: Path) -> None:
    path = _raster(tmp_path / "m.tif", np.full((2, 2), 5.0, dtype="float32"))
    polys = gpd.GeoSeries(
        [box(X0, Y0 - 20, X0 + 20, Y0), None, shapely.Polygon()], index=["A", "B", "C"], crs=CRS
    )
    out = allocate(polys, path)
    assert out.held.to_dict() == pytest.approx({"A": 20.0, "B": 0.0, "C": 0.0})
    assert out.residual == 0.0


def test_context_polygons_take_their_share_of_a_border_cell(
    hand: tuple[gpd.GeoSeries, gpd.GeoSeries, Path],
) -> None:
    # The hand case with A alone and B as context: cell (0,1), 2 people, is covered by
    # half of A and all of B, so A keeps 2 × 0.5 / 1.5 of it, as when both are planned;
    # without B it would take the whole cell.
    polygons, _, path = hand
    alone = allocate(polygons[["A"]], path)
    assert alone.held["A"] == pytest.approx(1 + 2, abs=1e-12)
    both = allocate(polygons[["A"]], path, context=polygons[["B"]])
    assert list(both.held.index) == ["A"]
    assert both.held["A"] == pytest.approx(1 + 2 * 0.5 / 1.5, abs=1e-12)
    # area-weighted: A's own sum is unchanged, and the cell's double count (1 person) is
    # split between A and B by their cover (1/3 and 2/3), so the two halves add up to 1
    a = allocate(polygons[["A"]], path, method="area_weighted", context=polygons[["B"]])
    b = allocate(polygons[["B"]], path, method="area_weighted", context=polygons[["A"]])
    assert a.held["A"] == pytest.approx(2.0, abs=1e-12)
    assert a.overlap == pytest.approx(1 / 3, abs=1e-12)
    assert b.overlap == pytest.approx(2 / 3, abs=1e-12)


@pytest.mark.parametrize("method", ["dasymetric", "area_weighted"])
def test_counties_with_their_neighbours_as_context_add_up_to_one_allocation(
    tmp_path: Path, method: str
) -> None:
    """Polygons and buildings dealt to three zones (strips of columns) and allocated zone by
    zone, the others as context, give each polygon, each zone's residual, the moved people
    and the total of one allocation of all of them."""
    rows, cols, cell = 11, 13, 20.0
    rng = np.random.default_rng(31)
    values = rng.gamma(2.0, 40.0, size=(rows, cols))
    path = _raster(tmp_path / "r.tif", values, cell=cell)
    polys = _random_city(5, rows, cols, cell) + _random_city(6, rows, cols, cell)
    series = gpd.GeoSeries(polys, index=[f"P{i}" for i in range(len(polys))], crs=CRS)
    edges = [0.0, 4.3 * cell, 8.7 * cell, cols * cell]
    zones = gpd.GeoSeries(
        [box(X0 + x0, Y0 - rows * cell, X0 + x1, Y0) for x0, x1 in itertools.pairwise(edges)],
        index=["Z0", "Z1", "Z2"],
        crs=CRS,
    )
    # a polygon belongs to the zone holding its representative point, wherever it reaches
    zone_of = np.searchsorted(edges, series.representative_point().x - X0) - 1
    zone_of = np.clip(zone_of, 0, 2)
    points = rng.uniform([X0, Y0 - rows * cell], [X0 + cols * cell, Y0], size=(40, 2))
    buildings = gpd.GeoDataFrame(
        {"weight": rng.uniform(100, 3000, 40)}, geometry=gpd.points_from_xy(*points.T), crs=CRS
    )
    options = {"method": method, "nearest_m": 30.0, "buildings": buildings}
    one = allocate(series, path, zones=zones, **options)
    assert one.moved > 0 and one.residual > 0
    held, residual, moved, total, overlap = [], {}, 0.0, 0.0, 0.0
    for k, name in enumerate(zones.index):
        part = allocate(
            series[zone_of == k],
            path,
            zones=zones[[name]],
            context=series[zone_of != k],
            context_zones=zones.drop(name),
            **options,
        )
        held.append(part.held)
        residual[name] = part.residual_by_zone[name]
        moved += part.moved
        total += part.total
        overlap += part.overlap
    got = pd.concat(held).reindex(series.index)
    np.testing.assert_allclose(got.to_numpy(), one.held.to_numpy(), rtol=1e-9, atol=1e-9)
    assert residual == pytest.approx(one.residual_by_zone.to_dict(), rel=1e-9, abs=1e-9)
    assert moved == pytest.approx(one.moved, rel=1e-9)
    assert overlap == pytest.approx(one.overlap, rel=1e-9, abs=1e-9)
    assert total == pytest.approx(one.total, rel=1e-12)
    # without the context, the border cells are counted once per zone
    alone = sum(
        allocate(series[zone_of == k], path, zones=zones[[n]], **options).total
        for k, n in enumerate(zones.index)
    )
    assert alone > one.total + 1.0


def test_people_moved_to_the_nearest_area_leave_each_district_by_its_share(
    tmp_path: Path,
) -> None:
    """Two 100 m cells, 50 and 100 people; area A covers the first. The second is 60 % in
    D1 and 40 % in D2 (its centre in D1). Moved whole to A, it leaves both districts with
    nothing: D1 had -40 and D2 +40 before (the whole cell was taken from D1)."""
    path = _raster(tmp_path / "two.tif", np.array([[50.0, 100.0]], dtype="float32"), cell=100.0)
    top = Y0 - 100.0
    area = gpd.GeoSeries([box(X0, top, X0 + 100, Y0)], index=["A"], crs=CRS)
    zones = gpd.GeoSeries(
        [box(X0, top, X0 + 160, Y0), box(X0 + 160, top, X0 + 200, Y0)], index=["D1", "D2"], crs=CRS
    )
    kept = allocate(area, path, zones=zones)
    assert kept.residual_by_zone.to_dict() == pytest.approx({"D1": 60.0, "D2": 40.0})
    moved = allocate(area, path, zones=zones, nearest_m=300.0)
    assert moved.held["A"] == pytest.approx(150.0)
    assert moved.moved == pytest.approx(100.0)
    assert moved.residual_by_zone.to_dict() == pytest.approx({"D1": 0.0, "D2": 0.0}, abs=1e-9)


@pytest.mark.parametrize(
    ("order", "held"),
    [
        (("outer", "inner", "other"), {"outer": 200.0, "inner": 0.0, "other": 0.0}),
        (("inner", "outer", "other"), {"inner": 100.0, "outer": 100.0, "other": 0.0}),
        (("other", "inner", "outer"), {"other": 100.0, "inner": 100.0, "outer": 0.0}),
    ],
)
def test_a_building_in_two_areas_counts_in_the_first_in_layer_order(
    tmp_path: Path, order: tuple[str, ...], held: dict[str, float]
) -> None:
    """Two 100 m cells of 100 people, one building in each. ``outer`` covers both cells,
    ``inner`` and ``other`` lie inside it, one per cell. Each building goes to the first
    area holding it in the layer: before, the tree's order chose, cell by cell."""
    path = _raster(tmp_path / "two.tif", np.array([[100.0, 100.0]], dtype="float32"), cell=100.0)
    top = Y0 - 100.0
    shapes = {
        "outer": box(X0, top, X0 + 200, Y0),
        "inner": box(X0 + 20, top + 20, X0 + 60, top + 80),
        "other": box(X0 + 120, top + 20, X0 + 160, top + 80),
    }
    areas = gpd.GeoSeries([shapes[k] for k in order], index=list(order), crs=CRS)
    buildings = gpd.GeoDataFrame(
        {"floor_area_m2": [1000.0, 1000.0]},
        geometry=[
            box(X0 + 30, top + 30, X0 + 50, top + 70),
            box(X0 + 130, top + 30, X0 + 150, top + 70),
        ],
        crs=CRS,
    )
    out = allocate(areas, path, buildings=buildings, weight_column="floor_area_m2")
    assert out.held.to_dict() == pytest.approx(held)


def test_area_weighted_overlap_and_residual_by_the_union(tmp_path: Path) -> None:
    """One 100 m cell of 100 people; A covers x 0-50, B x 10-60. Area-weighted, each holds
    50; their union covers 60 %, so 40 are residual and the 40 of x 10-50 counted twice.
    Before, the residual was 0 and the overlap 0 (the sum of shares taken for the union)."""
    path = _raster(tmp_path / "one.tif", np.array([[100.0]], dtype="float32"), cell=100.0)
    top = Y0 - 100.0
    areas = gpd.GeoSeries(
        [box(X0, top, X0 + 50, Y0), box(X0 + 10, top, X0 + 60, Y0)], index=["A", "B"], crs=CRS
    )
    out = allocate(areas, path, method="area_weighted")
    assert out.held.to_dict() == pytest.approx({"A": 50.0, "B": 50.0})
    assert (out.residual, out.overlap, out.total) == pytest.approx((40.0, 40.0, 100.0))


def test_only_the_study_areas_part_of_an_edge_cell_moves_to_the_nearest_area(
    tmp_path: Path,
) -> None:
    """Cells of 30 and 60 people; area A covers the first; the only district covers x 0-160,
    so 60 % of the second cell (36 people) is in the study area. Moving it must move those
    36, not all 60: the total rose from 66 to 90 (found in review)."""
    path = _raster(tmp_path / "two.tif", np.array([[30.0, 60.0]], dtype="float32"), cell=100.0)
    top = Y0 - 100.0
    area = gpd.GeoSeries([box(X0, top, X0 + 100, Y0)], index=["A"], crs=CRS)
    zones = gpd.GeoSeries([box(X0, top, X0 + 160, Y0)], index=["D"], crs=CRS)
    kept = allocate(area, path, zones=zones)
    assert (kept.held["A"], kept.residual, kept.total) == pytest.approx((30.0, 36.0, 66.0))
    moved = allocate(area, path, zones=zones, nearest_m=300.0)
    assert (moved.held["A"], moved.moved) == pytest.approx((66.0, 36.0))
    assert (moved.residual, moved.total) == pytest.approx((0.0, 66.0), abs=1e-9)


def test_area_weighted_takes_an_invalid_polygon(tmp_path: Path) -> None:
    """A bow-tie made the union for the area-weighted residual raise GEOS's
    TopologyException (found in review); dasymetric always took it."""
    path = _raster(tmp_path / "two.tif", np.array([[60.0, 60.0]], dtype="float32"), cell=100.0)
    top = Y0 - 100.0
    bowtie = shapely.Polygon([(X0, top), (X0 + 100, Y0), (X0 + 100, top), (X0, Y0), (X0, top)])
    areas = gpd.GeoSeries([bowtie, box(X0 + 100, top, X0 + 150, Y0)], index=["bow", "B"], crs=CRS)
    out = allocate(areas, path, method="area_weighted")
    assert out.held["B"] == pytest.approx(30.0)
    assert out.residual >= 0.0


@pytest.mark.parametrize(
    ("method", "held", "residual"),
    [
        # dasymetric: every cell the area touches is the area's (20 + 30 + 40); cell 0 is left
        ("dasymetric", 90.0, 10.0),
        # area-weighted: half of cell 1, all of 2, half of 3 (10 + 30 + 20); the left-over
        # halves' people spread evenly, so the district keeps 10 + 10 (cell 1's other half)
        ("area_weighted", 60.0, 20.0),
    ],
)
def test_people_held_from_outside_the_districts_are_told_apart(
    tmp_path: Path, method: str, held: float, residual: float
) -> None:
    # one row of four 10 m cells holding 10, 20, 30, 40; the district covers x 0–25 (cells 0
    # and 1, half of cell 2), the area x 15–35 (half of 1, all of 2, half of 3): it crosses the
    # district's edge. Inside the district the raster holds 10 + 20 + 15 = 45.
    path = _raster(tmp_path / "row.tif", np.array([[10, 20, 30, 40]], dtype="float32"))
    area = gpd.GeoSeries([box(X0 + 15, Y0 - 10, X0 + 35, Y0)], index=["A"], crs=CRS)
    zones = gpd.GeoSeries([box(X0, Y0 - 10, X0 + 25, Y0)], index=["D"], crs=CRS)
    out = allocate(area, path, zones=zones, method=method)
    assert out.held["A"] == pytest.approx(held)
    assert out.residual == pytest.approx(residual)
    assert out.in_zones == pytest.approx(45.0)
    # what the area holds from outside: 15 + 40 (dasymetric); 30 / 2 + 20 (area-weighted)
    assert out.total - out.in_zones == pytest.approx(55.0 if method == "dasymetric" else 35.0)
    assert allocate(area, path).in_zones is None


def test_zone_labels_take_the_narrowest_type_that_holds_them() -> None:
    """A 20,000² window's labels took 1.6 GB as int32; a few districts fit in a byte."""
    from rasterio.windows import Window

    from siting.allocation import _zone_grid

    t = Affine(10.0, 0, X0, 0, -10.0, Y0)
    # 300 zones of one cell each along a row, then the 3-zone case
    many = np.array([box(X0 + 10 * i, Y0 - 10, X0 + 10 * i + 10, Y0) for i in range(300)])
    grid = _zone_grid(many, t, Window(0, 0, 300, 1))
    assert grid.dtype == np.uint16
    assert grid.ravel().tolist() == list(range(1, 301))
    grid = _zone_grid(many[:3], t, Window(0, 0, 4, 1))
    assert grid.dtype == np.uint8
    assert grid.ravel().tolist() == [1, 2, 3, 0]


@pytest.mark.parametrize(
    ("raster_crs", "cell", "lon", "lat"),
    [
        ("EPSG:4326", 1 / 1200, 126.6, 45.75),  # WorldPop's 3": 65 m × 93 m at Harbin
        ("ESRI:54009", 100.0, 105.84, 32.43),  # GHS-POP in Mollweide, at Guangyuan
    ],
)
def test_handed_over_grids_share_cells_by_their_equal_area_overlap(
    tmp_path: Path, raster_crs: str, cell: float, lon: float, lat: float
) -> None:
    """A WorldPop cell in degrees or a GHS-POP cell in Mollweide is shared by the share of
    its area inside each block, as an equal-area CRS measures it (shapely, cell by cell, in
    a Lambert azimuthal equal-area CRS at the site), not by its centroid or by touching:
    within 1e-5 of each block's people (siting shares a cell in its own grid: in degrees, the
    cell's area changes by 1.5e-5 from its south edge to its north at 45.75°N, and the
    shares differ from the equal-area ones by up to 2.9e-6; in Mollweide by 5e-8). Blocks of
    30–300 m in CGCS2000."""
    rng = np.random.default_rng(3)
    laea = f"+proj=laea +lat_0={lat} +lon_0={lon} +datum=WGS84 +units=m"
    centre = gpd.GeoSeries([Point(lon, lat)], crs="EPSG:4326").to_crs(raster_crs).iloc[0]
    span = 1500.0 if raster_crs == "ESRI:54009" else 1500.0 / 111_320.0
    origin = (np.floor((centre.x - span) / cell) * cell, np.ceil((centre.y + span) / cell) * cell)
    n = int(np.ceil(2 * span / cell)) + 1
    values = rng.gamma(2.0, 20.0, size=(n, n)).astype("float32")
    path = tmp_path / "pop.tif"
    profile = {"driver": "GTiff", "width": n, "height": n, "count": 1, "dtype": "float32"}
    transform = Affine(cell, 0, origin[0], 0, -cell, origin[1])
    with rasterio.open(path, "w", crs=raster_crs, transform=transform, **profile) as ds:
        ds.write(values, 1)
    # blocks drawn in metres around the site, handed over in CGCS2000 longitude and latitude
    size = np.where(rng.random(40) < 0.2, rng.uniform(30, 80, 40), rng.uniform(100, 300, 40))
    x, y = rng.uniform(-1000, 700, 40), rng.uniform(-1000, 700, 40)
    blocks = shapely.segmentize(shapely.box(x, y, x + size, y + 0.8 * size), 10.0)
    areas = gpd.GeoSeries(blocks, crs=laea).to_crs("EPSG:4490")
    got = allocate(areas, path, method="area_weighted").held.to_numpy()
    # brute force: every cell as a polygon, both moved into the equal-area CRS
    rows, cols = np.indices((n, n))
    x0, y0 = origin[0] + cols.ravel() * cell, origin[1] - rows.ravel() * cell
    cells = shapely.box(x0, y0 - cell, x0 + cell, y0)
    cells = gpd.GeoSeries(shapely.segmentize(cells, cell / 10), crs=raster_crs).to_crs(laea)
    polys = areas.to_crs(laea).to_numpy()
    a, c = shapely.STRtree(cells.to_numpy()).query(polys, predicate="intersects")
    share = shapely.area(shapely.intersection(polys[a], cells.to_numpy()[c])) / cells.area[c]
    want = np.bincount(a, weights=share * values.ravel()[c], minlength=len(polys))
    assert got == pytest.approx(want, rel=1e-5)
    # what the other rules would give these blocks: far from it
    centroids = shapely.STRtree(polys).query(cells.centroid.to_numpy(), predicate="within")
    by_centroid = np.bincount(centroids[1], weights=values.ravel()[centroids[0]], minlength=40)
    assert np.abs(by_centroid - want).sum() > 0.2 * want.sum()


def test_polygons_over_empty_cells_between_peopled_ones_hold_no_one(tmp_path: Path) -> None:
    """A polygon over empty cells (the sea beside Accra's coast, WorldPop's nodata) with
    people in the same rows on both sides held their rounding: -6e-12 people on a 300 m
    grid over Accra, which two_step_fca then refused as a negative demand. Every such
    polygon holds exactly 0 (by brute force, no cell it touches holds anyone), by both
    methods and by zonal_sums, and the peopled polygon keeps its brute-force count."""
    rows, cols, cell = 40, 40, 20.0
    rng = np.random.default_rng(5)
    values = rng.uniform(0.0, 300.0, size=(rows, cols))
    values[10:30, 10:30] = 0.0  # the sea, in the middle of every row it crosses
    path = _raster(tmp_path / "coast.tif", values, cell=cell)
    empty = [
        shapely.affinity.rotate(
            box(x, y, x + 60.0, y + 60.0), rng.uniform(0.0, 10.0), origin="center"
        )
        for x, y in zip(
            X0 + rng.uniform(11 * cell, 25 * cell, 150),
            Y0 - rng.uniform(15 * cell, 29 * cell, 150),
            strict=True,
        )
    ]
    peopled = box(X0 + 5.0, Y0 - rows * cell + 5.0, X0 + cols * cell - 5.0, Y0 - 5.0)
    polygons = gpd.GeoSeries([*empty, peopled], crs=CRS)
    a, _ = _brute(empty, values, cell)
    assert (a[:, values > 0] == 0).all()  # the empty polygons touch no one
    (whole,), _ = _brute([peopled], values, cell)
    for held in (
        allocate(polygons, path, method="area_weighted").held,
        zonal_sums(polygons, path),
    ):
        assert (held.iloc[:-1] == 0.0).all()
        assert held.iloc[-1] == pytest.approx((whole * values).sum(), rel=1e-12)
    # dasymetric: the peopled polygon covers every cell, so it holds the raster
    dasymetric = allocate(polygons, path).held
    assert (dasymetric.iloc[:-1] == 0.0).all()
    assert dasymetric.iloc[-1] == pytest.approx(values.sum(), rel=1e-12)
