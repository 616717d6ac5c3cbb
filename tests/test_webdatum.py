"""BD-09 beside GCJ-02 in siting.gcj02, against published reference values."""

from __future__ import annotations

import numpy as np
import pytest
from pyproj import Geod

from siting.gcj02 import (
    bd09_to_gcj02,
    bd09_to_wgs84,
    gcj02_to_bd09,
    in_china,
    wgs84_to_bd09,
)

GEOD = Geod(ellps="WGS84")

# wandergis/coordtransform, README.md and test/app.js (commit 242324636abd): from
# (116.404, 39.915), gcj02tobd09 -> [116.41036949371029, 39.92133699351021] and
# bd09togcj02 -> [116.39762729119315, 39.90865673957631] (the library's one-step inverse).
COORDTRANSFORM_GCJ = (116.404, 39.915)
COORDTRANSFORM_BD = (116.41036949371029, 39.92133699351021)
COORDTRANSFORM_BACK = (116.39762729119315, 39.90865673957631)
# googollee/eviltransform, matlab/test/testSuite.m (gcj2bdTest, bd2gcjTest): BD-09
# (39.90851 N, 116.43351 E) is GCJ-02 (39.90245 N, 116.42703 E), to its five decimals.
EVILTRANSFORM_BD = (116.43351, 39.90851)
EVILTRANSFORM_GCJ = (116.42703, 39.90245)


# --------------------------------------------------------------------------- the transforms


def test_gcj02_to_bd09_matches_coordtransform() -> None:
    lon, lat = gcj02_to_bd09(*COORDTRANSFORM_GCJ)
    assert (lon, lat) == pytest.approx(COORDTRANSFORM_BD, abs=1e-12)
    lon, lat = gcj02_to_bd09(*EVILTRANSFORM_GCJ)
    assert (lon, lat) == pytest.approx(EVILTRANSFORM_BD, abs=1e-5)
    assert bd09_to_gcj02(*EVILTRANSFORM_BD) == pytest.approx(EVILTRANSFORM_GCJ, abs=1e-5)


def test_bd09_to_gcj02_inverts_the_closed_form_exactly() -> None:
    """coordtransform's inverse subtracts the nudges at the BD-09 point, 2-4·10⁻⁷° off
    here; the iteration's answer goes forward to the BD-09 point it came from."""
    lon, lat = bd09_to_gcj02(*COORDTRANSFORM_GCJ)
    assert (lon, lat) == pytest.approx(COORDTRANSFORM_BACK, abs=1e-6)
    assert gcj02_to_bd09(lon, lat) == pytest.approx(COORDTRANSFORM_GCJ, abs=1e-12)
    assert gcj02_to_bd09(*COORDTRANSFORM_BACK) != pytest.approx(COORDTRANSFORM_GCJ, abs=1e-7)


def test_round_trips_over_china_to_1e7_degrees() -> None:
    grid = np.meshgrid(np.linspace(73.5, 134.5, 62), np.linspace(18.5, 53.5, 36))
    lon, lat = grid[0].ravel(), grid[1].ravel()
    assert in_china(lon, lat).all()
    for forward, inverse in ((gcj02_to_bd09, bd09_to_gcj02), (wgs84_to_bd09, bd09_to_wgs84)):
        there = forward(lon, lat)
        back = inverse(*there)
        assert np.abs(back[0] - lon).max() < 1e-7 and np.abs(back[1] - lat).max() < 1e-7
        again = forward(*back)
        assert np.abs(again[0] - there[0]).max() < 1e-7
        assert np.abs(again[1] - there[1]).max() < 1e-7


def test_bd09_moves_guangyuan_about_1_km_and_nothing_outside_china() -> None:
    lon, lat = 105.843, 32.435  # the city government (DOMAIN.md §5)
    _, _, metres = GEOD.inv(lon, lat, *wgs84_to_bd09(lon, lat))
    assert metres == pytest.approx(1046.8, abs=1.0)
    naples = (14.25, 40.85)
    assert gcj02_to_bd09(*naples) == naples and bd09_to_wgs84(*naples) == naples
