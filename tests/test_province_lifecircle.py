"""Access across county borders (:mod:`siting.province.lifecircle`) on a hand-built city.

West and East are two 2 km squares side by side, a raster of 100 people per 100 m
cell. West's area AW (two cells, 200 people, its point at x = 1,750 m) and East's AE
(x = 2,250 m) lie 250 m either side of the border. West's existing facility FW (30
slots) stands 50 m inside West (x = 1,950 m); East's parcel PE lies at x = 2,400 m.
Walks are the straight line × 1.3:

======  ======  =========  ===========
pair    metres  walk (m)   band weight
======  ======  =========  ===========
AW–FW   200     260        1
AE–FW   300     390        0.68
AE–PE   150     195        1
AW–PE   650     845        0.22
======  ======  =========  ===========

FW is beyond AE's 300 m service walk, so both runs open PE for AE and plan the same.
County by county, West measured FW shared by AW alone (150 per 1,000) and East did
not see FW at all (0); a resident of AE walks to it all the same.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from _two_counties import CRS, X0, Y0, write_two_counties
from _two_counties import box_at as _box
from shapely.geometry import Point

from siting.pipeline import run_plan
from siting.plan import Plan


def _city(folder: Path, *, partition: bool) -> Path:
    districts = write_two_counties(folder, side_m=2000.0, people_per_cell=100.0)
    gpkg = folder / "city.gpkg"
    areas = [
        {"area_id": a, "district_id": d, "status": "old", "geometry": _box(x, 900, x + 100, 1100)}
        for a, d, x in (("AW", "W", 1700), ("AE", "E", 2200))
    ]
    parcels = [
        {
            "site_id": "PE",
            "district_id": "E",
            "kind": "idle_land",
            "acquisition": "new_build",
            "cost": 1e6,
            "land_area_m2": 2000.0,
            "geometry": Point(X0 + 2400, Y0 - 1000).buffer(20),
        }
    ]
    existing = [
        {
            "facility_id": "FW",
            "district_id": "W",
            "slots": 30,
            "geometry": Point(X0 + 1950, Y0 - 1000),
        }
    ]
    gpd.GeoDataFrame(districts, crs=CRS).to_file(gpkg, layer="districts")
    gpd.GeoDataFrame(areas, crs=CRS).to_file(gpkg, layer="areas")
    gpd.GeoDataFrame(parcels, crs=CRS).to_file(gpkg, layer="parcels")
    gpd.GeoDataFrame(existing, crs=CRS).to_file(gpkg, layer="facilities")
    run = '[run]\npartition = "district"\n' if partition else ""
    scenario = folder / "scenario.toml"
    scenario.write_text(
        f"""name = "a facility at the border"
crs = "{CRS}"
{run}
[inputs]
population = {{ path = "pop.tif" }}
areas = {{ path = "city.gpkg", layer = "areas" }}
parcels = {{ path = "city.gpkg", layer = "parcels" }}
facilities = {{ path = "city.gpkg", layer = "facilities" }}
districts = {{ path = "city.gpkg", layer = "districts" }}
[policy]
demonstration_per_district = 0
[accessibility]
desert_per_1000 = 100.0
[solver]
gap = 0.0
""",
        encoding="utf-8",
    )
    return scenario


@pytest.fixture(scope="module")
def plans(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Plan]:
    root = tmp_path_factory.mktemp("border_access")
    return {
        "single": run_plan(_city(root / "single", partition=False)),
        "counties": run_plan(_city(root / "counties", partition=True)),
    }


def test_the_plans_are_the_same(plans: dict[str, Plan]) -> None:
    for plan in plans.values():
        assert sorted(plan.facilities.index) == ["FW", "PE"]
        assert float(plan.facilities.loc["FW", "slots"]) == 30.0
        assert plan.areas["planned_population"].astype(float).to_dict() == {
            "AW": pytest.approx(200.0),
            "AE": pytest.approx(200.0),
        }
    single, counties = plans["single"], plans["counties"]
    assert float(counties.facilities.loc["PE", "slots"]) == float(
        single.facilities.loc["PE", "slots"]
    )


def test_access_is_measured_across_the_border(plans: dict[str, Plan]) -> None:
    """FW is shared by AW (weight 1) and AE (0.68); PE by AE (1) and AW (0.22)."""
    plan = plans["counties"]
    areas = plan.areas
    r_fw = 30.0 / (200.0 * 1.0 + 200.0 * 0.68)
    pe = float(plan.facilities.loc["PE", "slots"])
    r_pe = pe / (200.0 * 1.0 + 200.0 * 0.22)
    # the counties measured 150.0 (FW for AW alone) and 0.0 (East without FW)
    assert float(areas.loc["AW", "access_before_per_1000"]) == pytest.approx(round(1000 * r_fw, 3))
    assert float(areas.loc["AE", "access_before_per_1000"]) == pytest.approx(
        round(1000 * 0.68 * r_fw, 3)
    )
    assert float(areas.loc["AW", "access_after_per_1000"]) == pytest.approx(
        round(1000 * (r_fw + 0.22 * r_pe), 3)
    )
    assert float(areas.loc["AE", "access_after_per_1000"]) == pytest.approx(
        round(1000 * (0.68 * r_fw + r_pe), 3)
    )
    # AE reaches FW in 390 m: within the 10-minute circle (700 m), not the 5-minute (350 m)
    assert float(areas.loc["AE", "walk_any_5min_before"]) == 0.0
    assert float(areas.loc["AE", "walk_any_10min_before"]) == 1.0
    # below 100 per 1,000 both are deserts before (AW was not: 150)
    assert bool(areas.loc["AW", "desert_before"])
    districts = plan.districts
    assert float(districts.loc["W", "access_before_per_1000"]) == pytest.approx(89.286)
    assert float(districts.loc["E", "access_before_per_1000"]) == pytest.approx(60.714)
    assert float(districts.loc["W", "desert_population_before"]) == pytest.approx(200.0)
    assert float(districts.loc["E", "walk_any_10min_before"]) == 1.0
    assert plan.district_shapes is not None
    assert float(plan.district_shapes.loc["W", "access_before_per_1000"]) == pytest.approx(89.286)
    acc = plan.run["accessibility"]
    # the people-weighted mean is the slots per 1,000 people in reach: 30 / 400
    assert acc["before"]["access_per_1000"] == pytest.approx(75.0)
    assert acc["before"]["desert_population"] == pytest.approx(400.0)
    assert acc["walk_pairs"] == 4  # AW–FW, AW–PE, AE–FW, AE–PE; the counties measured 2
    assert acc["across_borders"]["areas_measured_again"] == 2


def test_the_figures_equal_the_single_runs(plans: dict[str, Plan]) -> None:
    single, counties = plans["single"], plans["counties"]
    columns = [c for c in single.areas.columns if c.startswith(("access_", "walk_", "desert_"))]
    assert len(columns) == 17
    pd.testing.assert_frame_equal(
        counties.areas.loc[["AW", "AE"], columns],
        single.areas.loc[["AW", "AE"], columns],
        check_dtype=False,
    )
    district_columns = [
        c
        for c in single.districts.columns
        if c.startswith(("access_", "walk_", "migrant_walk_", "desert_"))
    ]
    pd.testing.assert_frame_equal(
        counties.districts.loc[["W", "E"], district_columns],
        single.districts.loc[["W", "E"], district_columns],
        check_dtype=False,
    )
    mine, theirs = counties.run["accessibility"], single.run["accessibility"]
    for key in ("before", "after", "facilities", "facilities_with_free_slots", "walk_pairs"):
        assert mine[key] == theirs[key], key
