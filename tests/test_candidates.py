"""Which sizes fit which site, what they cost, and the sites of the model."""

from __future__ import annotations

from dataclasses import replace

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from siting.candidates import NEW_PREFIX, site_options, sites_from_inputs
from siting.errors import InputError
from siting.scenario import Costs, Scenario

CRS = "EPSG:4544"


def sites(**columns: list[object]) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    base: dict[str, list[object]] = {
        "existing": [False] * n,
        "source": ["parcel"] * n,
        "acquisition": ["new_build"] * n,
        "land_area_m2": [np.nan] * n,
        "floor_area_m2": [np.nan] * n,
        "parcel_cost": [0.0] * n,
    }
    base.update(columns)
    return pd.DataFrame(base, index=pd.Index([f"S{i}" for i in range(n)], name="site_id"))


def fitting(table: pd.DataFrame) -> dict[str, list[str]]:
    return {k: list(v) for k, v in table.groupby("site_id")["option"]}


def test_bare_land_needs_footprint_plus_outdoor_space() -> None:
    # small-1: F = 18 × 9 = 162 m², O = 54 → 162/3 + 54 = 108 m² of land
    # small-2: F = 35 × 9 = 315, O = 105 → 105 + 105 = 210
    # small: F = 45 × 9 = 405 m², O = 135 → 405/3 + 135 = 270 m² of land
    # medium: 720/3 + 240 = 480; large: 1305/3 + 435 = 870; demonstration: (1305+300)/3 + 435 = 970
    table = site_options(
        sites(land_area_m2=[269.9, 270.0, 870.0, 970.0, 209.9, 107.9]), scenario=Scenario()
    )
    smalls = ["small-1", "small-2", "small"]
    assert fitting(table) == {
        "S0": ["small-1", "small-2"],
        "S1": smalls,
        "S2": [*smalls, "medium", "large"],
        "S3": [*smalls, "medium", "large", "demonstration"],
        "S4": ["small-1"],
    }


def test_buildings_need_floor_and_reuse_gives_half() -> None:
    # a 900 m² building fits medium (720 m²) when purchased, only small (405) when reused;
    # small-1 and small-2 need 162 and 315 m² of floor and 54 and 105 m² outdoors
    table = site_options(
        sites(
            acquisition=["purchase", "reuse", "lease"],
            floor_area_m2=[900.0, 900.0, 900.0],
            land_area_m2=[240.0, 240.0, 239.0],  # outdoor space: medium needs 240 m²
        ),
        scenario=Scenario(),
    )
    smalls = ["small-1", "small-2", "small"]
    assert fitting(table) == {"S0": [*smalls, "medium"], "S1": smalls, "S2": smalls}


def test_costs_by_mode_and_building() -> None:
    scenario = Scenario(
        costs=Costs(
            acquisition_factor={"purchase": 1.0, "lease": 0.5},
            construction_per_m2=4000.0,
            fitout_per_m2=1500.0,
            demonstration_extra=500_000.0,
        )
    )
    table = site_options(
        sites(
            acquisition=["new_build", "lease"],
            land_area_m2=[5000.0, 5000.0],
            floor_area_m2=[np.nan, 5000.0],
            parcel_cost=[1_000_000.0, 800_000.0],
        ),
        scenario=scenario,
    ).set_index(["site_id", "option"])
    # new building: land + 4,000 per m² of floor
    assert table.at[("S0", "small"), "cost"] == pytest.approx(1_000_000 + 4000 * 405)
    assert table.at[("S0", "demonstration"), "cost"] == pytest.approx(
        1_000_000 + 4000 * 1605 + 500_000
    )
    # leased building: half the parcel cost + 1,500 per m² of fit-out
    assert table.at[("S1", "medium"), "cost"] == pytest.approx(400_000 + 1500 * 720)
    assert table.at[("S1", "medium"), "building"] == "existing"
    assert table.at[("S1", "medium"), "classes_toddler"] == 2


def test_model_sites_from_parcels_new_areas_and_existing() -> None:
    parcels = gpd.GeoDataFrame(
        {"kind": ["park"], "acquisition": ["reuse"], "cost": [0.0], "land_area_m2": [900.0]},
        geometry=[box(0, 0, 30, 30)],
        index=pd.Index(["P1"], name="site_id"),
        crs=CRS,
    )
    areas = gpd.GeoDataFrame(
        {"status": ["new", "old"], "name": ["新城", "老城"], "district_id": ["d1", "d1"]},
        geometry=[box(100, 0, 200, 100), box(300, 0, 400, 100)],
        index=pd.Index(["A1", "A2"], name="area_id"),
        crs=CRS,
    )
    facilities = gpd.GeoDataFrame(
        {"slots": [60], "demonstration": [True]},
        geometry=[Point(50, 50)],
        index=pd.Index(["F1"], name="facility_id"),
        crs=CRS,
    )
    result = sites_from_inputs(parcels, areas=areas, facilities=facilities, scenario=Scenario())
    assert result.index.tolist() == ["P1", NEW_PREFIX + "A1", "F1"]
    assert result.at["new:A1", "colocated_area_id"] == "A1"
    assert result.at["new:A1", "parcel_cost"] == 0.0
    assert result.at["new:A1", "name"] == "新城 配建托育"
    assert areas.geometry["A1"].contains(result.geometry["new:A1"])
    assert result.at["F1", "existing_slots"] == 60.0
    assert bool(result.at["F1", "demonstration_existing"])
    options = site_options(result, scenario=Scenario())
    # the co-located site takes every option; the existing facility none
    assert fitting(options)["new:A1"] == [
        "small-1",
        "small-2",
        "small",
        "medium",
        "large",
        "demonstration",
    ]
    assert "F1" not in set(options["site_id"])


def test_clashing_ids_are_an_input_error() -> None:
    parcels = gpd.GeoDataFrame(
        {"kind": ["park"], "acquisition": ["reuse"], "cost": [0.0]},
        geometry=[box(0, 0, 30, 30)],
        index=pd.Index(["X1"], name="site_id"),
        crs=CRS,
    )
    facilities = gpd.GeoDataFrame(
        {"slots": [60]}, geometry=[Point(50, 50)], index=pd.Index(["X1"]), crs=CRS
    )
    empty = gpd.GeoDataFrame({"status": []}, geometry=[], crs=CRS)
    with pytest.raises(InputError, match="the same id is used by a parcel and an existing"):
        sites_from_inputs(parcels, areas=empty, facilities=facilities, scenario=Scenario())


# --------------------------------------------------------------------------- land without a price

LAND = Costs(
    land_per_m2={"new_build": 2000.0, "purchase": 3000.0, "swap": 2500.0},
    lease_rent_per_m2_year=100.0,
    lease_years=5,
    discount_rate=0.10,
    construction_per_m2=4000.0,
    fitout_per_m2=1500.0,
    demonstration_extra=500_000.0,
)
# 100 a year for 5 years, paid at the start of each year, discounted at 10 %:
# 100 × (1 + 1/1.1 + 1/1.1² + 1/1.1³ + 1/1.1⁴) = 100 × 4.169865 = 416.9865 per m²
LEASE_M2 = sum(100.0 / 1.1**t for t in range(5))


def test_lease_is_the_rent_paid_in_advance_and_discounted() -> None:
    assert LAND.lease_per_m2 == pytest.approx(416.9865, abs=1e-4)
    assert LAND.lease_per_m2 == pytest.approx(LEASE_M2)
    # the defaults: 150 a year over 10 years at 8 %, and without discounting 150 × 10
    assert Costs().lease_per_m2 == pytest.approx(sum(150.0 / 1.08**t for t in range(10)))
    assert Costs(discount_rate=0.0).lease_per_m2 == pytest.approx(1500.0)
    # a lease price of its own replaces the rent; modes left out keep their default
    own = Costs(land_per_m2={"lease": 700.0})
    assert own.land_price("lease") == 700.0
    assert own.land_price("purchase") == 3000.0
    assert own.land_price("reuse") == 0.0


def test_cost_without_a_parcel_cost_is_land_by_mode() -> None:
    # medium: F = 80 × 9 = 720 m² of floor, O = 80 × 3 = 240 m² outdoors.
    # Bare land needs the footprint 720 / 3 + 240 = 480 m² and pays 4,000 per m² of floor
    # (2,880,000); an existing building needs only its yard, 240 m², and pays 1,500 per m²
    # of fit-out (1,080,000).
    modes = ["new_build", "purchase", "swap", "lease", "reuse", "purchase", "lease", "reuse"]
    table = site_options(
        sites(
            acquisition=modes,
            land_area_m2=[5000.0] * 8,
            floor_area_m2=[np.nan] * 5 + [5000.0] * 3,
            parcel_cost=[np.nan] * 8,
        ),
        scenario=Scenario(costs=LAND),
    ).set_index(["site_id", "option"])
    medium = table.xs("medium", level="option")
    expected = {
        "S0": 480 * 2000 + 2_880_000,  # new_build on idle land: 3,840,000
        "S1": 480 * 3000 + 2_880_000,  # purchase: 4,320,000
        "S2": 480 * 2500 + 2_880_000,  # swap: 4,080,000
        "S3": 3_080_154,  # lease: 480 × 416.9865 + 2,880,000 = 3,080,153.5, in whole yuan
        "S4": 0 + 2_880_000,  # reuse: public land is free
        "S5": 240 * 3000 + 1_080_000,  # purchase of a building: 1,800,000
        "S6": 1_180_077,  # lease of a building: 240 × 416.9865 + 1,080,000 = 1,180,076.8
        "S7": 0 + 1_080_000,  # reuse of a public building
    }
    for site_id, cost in expected.items():
        assert medium.at[site_id, "cost"] == cost, site_id  # whole yuan, as the model sums
    assert set(table["cost_basis"]) == {"land price"}
    assert list(medium["building"]) == ["new"] * 5 + ["existing"] * 3
    # demonstration on idle land: F = 1,305 + 300 = 1,605, O = 435, footprint 535 + 435 = 970
    assert table.at[("S0", "demonstration"), "cost"] == pytest.approx(
        970 * 2000 + 4000 * 1605 + 500_000
    )


def test_a_parcel_cost_keeps_its_meaning_and_empty_ones_fall_back() -> None:
    # S0 has a price: 1,000,000 × the purchase factor 0.9 + 2,880,000, as before;
    # S1 has none: 480 m² × 3,000 + 2,880,000
    scenario = Scenario(
        costs=replace(LAND, acquisition_factor={"purchase": 0.9}),
    )
    table = site_options(
        sites(
            acquisition=["purchase", "purchase"],
            land_area_m2=[5000.0, 5000.0],
            parcel_cost=[1_000_000.0, np.nan],
        ),
        scenario=scenario,
    ).set_index(["site_id", "option"])
    assert table.at[("S0", "medium"), "cost"] == pytest.approx(900_000 + 2_880_000)
    assert table.at[("S0", "medium"), "cost_basis"] == "parcel cost"
    assert table.at[("S1", "medium"), "cost"] == pytest.approx(1_440_000 + 2_880_000)
    assert table.at[("S1", "medium"), "cost_basis"] == "land price"


def test_parcels_without_cost_or_name_columns_become_sites() -> None:
    parcels = gpd.GeoDataFrame(
        {"kind": ["idle_land"], "acquisition": ["new_build"], "land_area_m2": [900.0]},
        geometry=[box(0, 0, 30, 30)],
        index=pd.Index(["P1"], name="site_id"),
        crs=CRS,
    )
    areas = gpd.GeoDataFrame(
        {"status": ["new"]}, geometry=[box(100, 0, 200, 100)], index=["A1"], crs=CRS
    )
    result = sites_from_inputs(parcels, areas=areas, scenario=Scenario())
    assert np.isnan(result.at["P1", "parcel_cost"])
    options = site_options(result, scenario=Scenario()).set_index(["site_id", "option"])
    # small-1 on idle land: 108 m² × 3,000 + 162 m² × 4,000 = 972,000
    assert options.at[("P1", "small-1"), "cost"] == pytest.approx(972_000)
    assert options.at[("P1", "small-1"), "cost_basis"] == "land price"
    # the co-located site of the new area has no land cost (R1)
    assert options.at[(NEW_PREFIX + "A1", "small-1"), "cost"] == pytest.approx(648_000)
    assert options.at[(NEW_PREFIX + "A1", "small-1"), "cost_basis"] == "co-located"
    assert result.at[NEW_PREFIX + "A1", "name"] == "A1 配建托育"  # named by its id


def test_a_sites_point_does_not_depend_on_the_false_easting() -> None:
    """A block round a centred courtyard crosses the scan line twice, equally wide: GEOS's
    representative point took one side in EPSG:4544 and the other 35,000 km east (the
    zone-numbered EPSG:4523), 91 m apart, and a real city's plan cost moved by 8.4 %."""
    import shapely
    from shapely import affinity

    from siting.candidates import site_points

    block = shapely.from_wkt(
        "POLYGON ((563170.711 3500464.76, 563306.818 3500464.76, 563306.818 3500273.85, "
        "563170.711 3500273.85, 563170.711 3500464.76), (563216.08 3500401.123, "
        "563216.08 3500337.487, 563261.449 3500337.487, 563261.449 3500401.123, "
        "563216.08 3500401.123))"
    )
    east = affinity.translate(block, 35_000_000.0, 0.0)
    # the flaw itself, as GEOS has it: the two points are a courtyard apart
    apart = shapely.get_coordinates(east.representative_point())[0] - (35_000_000.0, 0.0)
    assert np.hypot(*(apart - shapely.get_coordinates(block.representative_point())[0])) > 90
    here = site_points(gpd.GeoSeries([block, Point(1.0, 2.0)], index=["a", "p"], crs="EPSG:4544"))
    there = site_points(gpd.GeoSeries([east], index=["a"], crs="EPSG:4523"))
    xy = shapely.get_coordinates(here["a"])[0]
    assert shapely.get_coordinates(there["a"])[0] - (35_000_000.0, 0.0) == pytest.approx(
        xy, abs=1e-6
    )
    assert block.contains(here["a"])
    assert here["p"].equals(Point(1.0, 2.0))  # points are their own
    assert list(here.index) == ["a", "p"] and here.crs == "EPSG:4544"
