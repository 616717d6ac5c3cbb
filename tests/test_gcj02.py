"""Tests for siting.gcj02 against published WGS84 → GCJ-02 pairs."""

from __future__ import annotations

import geopandas as gpd
import geopandas.testing
import numpy as np
import pytest
from pyproj import Geod
from shapely.geometry import LineString, Point, Polygon

from siting.gcj02 import (
    gcj02_to_wgs84,
    geometry_to_gcj02,
    geometry_to_wgs84,
    in_china,
    wgs84_to_gcj02,
)

GEOD = Geod(ellps="WGS84")

# (wgs_lat, wgs_lon, gcj_lat, gcj_lon), from the test suite of googollee/eviltransform,
# python/test.py (commit 3416646abc64972e899118271bd98030224d9d6c), checked there to 1e-6 degrees.
EVILTRANSFORM = [
    (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),  # Shanghai
    (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),  # Shenzhen
    (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),  # Beijing
]

# wandergis/coordtransform, test/app.js: wgs84togcj02(116.404, 39.915)
# -> [116.41024449916938, 39.91640428150164].
COORDTRANSFORM = (116.404, 39.915, 116.41024449916938, 39.91640428150164)


@pytest.mark.parametrize(("wgs_lat", "wgs_lon", "gcj_lat", "gcj_lon"), EVILTRANSFORM)
def test_forward_matches_eviltransform(
    wgs_lat: float, wgs_lon: float, gcj_lat: float, gcj_lon: float
) -> None:
    lon, lat = wgs84_to_gcj02(wgs_lon, wgs_lat)
    assert lon == pytest.approx(gcj_lon, abs=1e-6)
    assert lat == pytest.approx(gcj_lat, abs=1e-6)


def test_forward_matches_coordtransform() -> None:
    lon, lat = wgs84_to_gcj02(COORDTRANSFORM[0], COORDTRANSFORM[1])
    assert lon == pytest.approx(COORDTRANSFORM[2], abs=1e-9)
    assert lat == pytest.approx(COORDTRANSFORM[3], abs=1e-9)


def test_vectorized_equals_scalar() -> None:
    lats = np.array([t[0] for t in EVILTRANSFORM])
    lons = np.array([t[1] for t in EVILTRANSFORM])
    x, y = wgs84_to_gcj02(lons, lats)
    assert isinstance(x, np.ndarray) and x.shape == (3,)
    np.testing.assert_allclose(x, [t[3] for t in EVILTRANSFORM], atol=1e-6)
    np.testing.assert_allclose(y, [t[2] for t in EVILTRANSFORM], atol=1e-6)
    scalar = wgs84_to_gcj02(float(lons[0]), float(lats[0]))
    assert isinstance(scalar[0], float)


def test_shift_near_guangyuan_is_about_440_m() -> None:
    lon, lat = 105.843, 32.435  # city government, 利州区 (DOMAIN.md §5)
    glon, glat = wgs84_to_gcj02(lon, lat)
    _, _, shift_m = GEOD.inv(lon, lat, glon, glat)
    assert 400 < shift_m < 480
    assert shift_m == pytest.approx(438.5, abs=1.0)


def test_inverse_round_trips_within_a_centimetre() -> None:
    rng = np.random.default_rng(7)
    lon = rng.uniform(104.6, 106.75, 200)  # Guangyuan's extent
    lat = rng.uniform(31.52, 32.93, 200)
    glon, glat = wgs84_to_gcj02(lon, lat)
    back_lon, back_lat = gcj02_to_wgs84(glon, glat)
    _, _, err_m = GEOD.inv(lon, lat, back_lon, back_lat)
    assert float(np.max(err_m)) < 0.01
    for wgs_lat, wgs_lon, gcj_lat, gcj_lon in EVILTRANSFORM:
        blon, blat = gcj02_to_wgs84(gcj_lon, gcj_lat)
        assert GEOD.inv(wgs_lon, wgs_lat, blon, blat)[2] < 0.01


def test_no_shift_outside_china() -> None:
    lon = np.array([2.3522, -74.006, 105.843])
    lat = np.array([48.8566, 40.7128, 32.435])
    assert in_china(lon, lat).tolist() == [False, False, True]
    x, y = wgs84_to_gcj02(lon, lat)
    assert x[0] == lon[0] and y[0] == lat[0]
    assert x[1] == lon[1] and y[1] == lat[1]
    assert x[2] != lon[2]
    bx, by = gcj02_to_wgs84(2.3522, 48.8566)
    assert (bx, by) == (2.3522, 48.8566)


def test_geometry_to_gcj02_moves_every_vertex_and_keeps_input() -> None:
    pt = Point(105.843, 32.435)
    line = LineString([(105.84, 32.43), (105.85, 32.44)])
    poly = Polygon([(105.84, 32.43), (105.85, 32.43), (105.85, 32.44), (105.84, 32.43)])
    frame = gpd.GeoDataFrame(
        {"name": ["点", "线", "面"]}, geometry=[pt, line, poly], crs="EPSG:4326", index=[5, 6, 7]
    )
    before = frame.copy()
    shifted = geometry_to_gcj02(frame)
    gpd.testing.assert_geodataframe_equal(frame, before)
    assert list(shifted.index) == [5, 6, 7]
    assert list(shifted["name"]) == ["点", "线", "面"]
    glon, glat = wgs84_to_gcj02(105.843, 32.435)
    assert shifted.geometry.iloc[0].x == pytest.approx(glon, abs=1e-12)
    assert shifted.geometry.iloc[0].y == pytest.approx(glat, abs=1e-12)
    coords = np.asarray(shifted.geometry.iloc[2].exterior.coords)
    gx, gy = wgs84_to_gcj02(
        np.asarray(poly.exterior.coords)[:, 0], np.asarray(poly.exterior.coords)[:, 1]
    )
    np.testing.assert_allclose(coords, np.column_stack([gx, gy]), atol=1e-12)
    back = geometry_to_wgs84(shifted)
    assert back.geometry.iloc[1].distance(line) < 1e-9


def test_geometry_to_gcj02_reprojects_first() -> None:
    wgs = gpd.GeoSeries([Point(105.843, 32.435)], crs="EPSG:4326")
    metric = wgs.to_crs("EPSG:4544")
    shifted = geometry_to_gcj02(metric)
    assert shifted.crs.equals("EPSG:4326")
    glon, glat = wgs84_to_gcj02(105.843, 32.435)
    assert shifted.iloc[0].x == pytest.approx(glon, abs=1e-8)
    assert shifted.iloc[0].y == pytest.approx(glat, abs=1e-8)
