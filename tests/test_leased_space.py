"""``[candidates] lease_in_areas``: a leased unit in each old area no candidate reaches (R2's
"lease", 租赁), priced as rent of its floor plus fit-out, opt-in.

The tiny city: EPSG:4544, 100 m cells of 100 people each. Old areas of 4 × 4 cells
(1,600 people, 12.8 slots at 8 per 1,000) or 2 × 2 cells (400 people, 3.2 slots); no
street file, so a walk is the straight line × 1.3 and the 300 m radius reaches 230.8 m
of straight line. No districts, no demonstration facility. Prices by hand: the rent is
given as 200 a year per m² with ``costs.discount_rate = 0`` over the default 10 years,
so a m² of leased floor costs 200 × 10 = 2,000 of rent + 1,500 of fit-out = 3,500; the
small-1 size (18 slots, 162 m²) 567,000; the small-2 size (35 slots, 315 m²) 1,102,500.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from _raster import write_raster
from shapely.geometry import LineString, Point, box

from siting.candidates import site_options
from siting.errors import ScenarioError
from siting.leasing import leased_units
from siting.pipeline import run_plan
from siting.report._labels import labels
from siting.report._said import said_lines
from siting.scenario import CandidateSettings, LeaseInAreas, Scenario, load_scenario

GK = "EPSG:4544"
X0, Y0 = 579_000.0, 3_590_000.0
LEASE = "[candidates]\nlease_in_areas = { floor_m2 = 405, rent_per_m2_year = 200 }\n"


def _city(
    folder: Path,
    *,
    areas: dict[str, tuple[int, int, int, float]],
    parcels: list[dict[str, object]],
    candidates: str = LEASE,
    hazards: list[tuple[str, float, float]] = (),  # type: ignore[assignment]
) -> Path:
    """Areas by id as (column, row, cells a side, people a cell) of the raster's 100 m
    cells; parcels as rows with ``x``, ``y`` (metres from the corner) and a
    20 m disc; hazards as (kind, x, y) points. Returns the scenario."""
    folder.mkdir(parents=True, exist_ok=True)
    people = np.zeros((10, 30))
    shapes = []
    for col, row, side, per_cell in areas.values():
        people[row : row + side, col : col + side] = per_cell
        top = Y0 - 100.0 * row
        shapes.append(box(X0 + 100 * col, top - 100 * side, X0 + 100 * (col + side), top))
    write_raster(folder / "pop.tif", people, crs=GK, x0=X0, y0=Y0)
    gpd.GeoDataFrame({"area_id": list(areas), "status": "old"}, geometry=shapes, crs=GK).to_file(
        folder / "areas.gpkg"
    )
    rows = pd.DataFrame(parcels)
    gpd.GeoDataFrame(
        rows.drop(columns=["x", "y"]),
        geometry=[
            Point(X0 + x, Y0 - y).buffer(20) for x, y in zip(rows["x"], rows["y"], strict=True)
        ],
        crs=GK,
    ).to_file(folder / "parcels.gpkg")
    layers = 'areas = { path = "areas.gpkg" }\nparcels = { path = "parcels.gpkg" }\n'
    if hazards:
        gpd.GeoDataFrame(
            {"hazard_id": [f"H{i}" for i in range(len(hazards))], "kind": [k for k, *_ in hazards]},
            geometry=[Point(X0 + x, Y0 - y) for _, x, y in hazards],
            crs=GK,
        ).to_file(folder / "hazards.gpkg")
        layers += 'hazards = { path = "hazards.gpkg" }\n'
    scenario = folder / "scenario.toml"
    scenario.write_text(
        f'name = "tiny"\ncrs = "{GK}"\n[inputs]\npopulation = {{ path = "pop.tif" }}\n'
        f"{layers}[policy]\ndemonstration_per_district = 0\n[costs]\ndiscount_rate = 0.0\n"
        f"{candidates}",
        encoding="utf-8",
    )
    return scenario


# A at cells 1–4 (centre 300 m, 300 m), B 1,500 m east (centre 1,800 m, 300 m); P1 in A
TWO_AREAS = {"A": (1, 1, 4, 100.0), "B": (16, 1, 4, 100.0)}
P1 = {
    "site_id": "P1",
    "kind": "idle_land",
    "acquisition": "new_build",
    "cost": 100_000.0,
    "land_area_m2": 2000.0,
    "x": 300.0,
    "y": 300.0,
}


def test_an_area_no_parcel_reaches_is_served_by_its_leased_unit(tmp_path: Path) -> None:
    """B, 1,500 m from the one parcel, was short of all its 12.8 slots; it leases 162 m²
    (small-1, 18 slots) at 162 × 3,500 = 567,000. A, which P1 reaches, gets no unit: P1's
    small-1 costs 100,000 + 162 × 4,000 = 748,000. The plan: 1,315,000, nothing short."""
    plan = run_plan(_city(tmp_path, areas=TWO_AREAS, parcels=[P1]))
    fac = plan.facilities
    assert sorted(fac.index) == ["P1", "lease/B"]
    unit = fac.loc["lease/B"]
    assert (unit["kind"], unit["acquisition"], unit["option"]) == (
        "leased_space",
        "lease",
        "small-1",
    )
    assert (unit["slots"], unit["floor_area_m2"], unit["cost"]) == (18, 162.0, 567_000.0)
    assert unit["cost_basis"] == "leased floor"
    assert unit.geometry.distance(Point(X0 + 1800, Y0 - 300)) < 1e-6  # B's own point
    assert fac.loc["P1", "cost"] == 748_000.0
    assert plan.run["totals"]["cost"] == 1_315_000.0
    assert plan.areas["shortfall_slots"].sum() == pytest.approx(0.0, abs=1e-3)
    served = plan.assignments.groupby("area_id")["site_id"].unique()
    assert list(served["B"]) == ["lease/B"] and list(served["A"]) == ["P1"]
    assert plan.candidates.loc["lease/B", "state"] == "chosen"
    assert "lease/A" not in plan.candidates.index  # R6: P1 reaches A
    (record,) = [r for r in plan.run["finding_records"] if r["code"] == "leased_units"]
    assert record == {
        "code": "leased_units",
        "count": 1,
        "ids": ["B 162 m²"],
        "floor_m2": 162,
        "slots": 18,
        "cost": 567_000,
        "outdoor_m2": 54,  # 18 children × 3 m²
        "short_areas": 0,
        "short_slots": 0,
    }
    (said,) = [f for f in plan.run["findings"] if f.startswith("1 residential areas")]
    assert "These are assumed units, not surveyed premises" in said
    (zh,), _ = said_lines(
        {"findings": [said], "finding_records": [record]},
        "findings",
        labels("zh"),
        language="zh",
        districts={},
        unit="元",
    )
    assert zh.startswith(
        "1个步行范围内候选用地容纳不下其需求的居住区在规划中租赁社区用房（B 162 m²）："
        "共需建筑面积162"
    )
    assert "这些是假定的用房，并非已调查的房源" in zh and "567,000元" in zh


def test_with_the_option_off_the_area_is_short(tmp_path: Path) -> None:
    """The same city without [candidates]: B's 12.8 slots are short, the cost P1's alone."""
    plan = run_plan(_city(tmp_path, areas=TWO_AREAS, parcels=[P1], candidates=""))
    assert list(plan.facilities.index) == ["P1"]
    short = plan.areas["shortfall_slots"]
    assert short["B"] == pytest.approx(12.8) and short["A"] == pytest.approx(0.0, abs=1e-3)
    assert plan.run["totals"]["cost"] == 748_000.0
    assert not any(r and r["code"] == "leased_units" for r in plan.run["finding_records"])


def test_a_cheaper_real_parcel_in_reach_wins_over_a_leased_unit(tmp_path: Path) -> None:
    """B (2 × 2 cells, 400 people: 3.2 slots) and C (2 × 2 cells of 500: 2,000 people,
    16 slots) lie 200 m apart (260 m of walk). A parcel P2 150 m east of C's point
    reaches C (195 m) but not B (455 m), so C has no unit of its own, but B's unit
    reaches C. B's unit for both (19.2 slots: small-2, 315 m²) costs 315 × 3,500 =
    1,102,500; B's unit at small-1 (567,000) and P2 for C:

    * P2 a reused community centre (free land, 162 × 1,500 = 243,000 of fit-out):
      810,000, so the cheaper parcel serves C;
    * P2 idle land at a cost of 100,000 (+ 162 × 4,000 = 748,000): 1,315,000, so B's
      unit serves both.
    """
    areas = {"B": (16, 2, 2, 100.0), "C": (18, 2, 2, 500.0)}
    centre = {"site_id": "P2", "land_area_m2": 500.0, "x": 2050.0, "y": 300.0}
    reused = centre | {"kind": "community_centre", "acquisition": "reuse", "floor_area_m2": 1000.0}
    plan = run_plan(_city(tmp_path / "reused", areas=areas, parcels=[reused]))
    assert sorted(plan.facilities.index) == ["P2", "lease/B"]
    assert plan.facilities.loc["P2", "cost"] == 243_000.0
    assert plan.facilities.loc["lease/B", "cost"] == 567_000.0
    served = plan.assignments.groupby("area_id")["site_id"].unique()
    assert list(served["C"]) == ["P2"] and list(served["B"]) == ["lease/B"]
    assert "lease/C" not in plan.candidates.index  # P2 reaches C
    idle = centre | {"kind": "idle_land", "acquisition": "new_build", "cost": 100_000.0}
    plan = run_plan(_city(tmp_path / "idle", areas=areas, parcels=[idle]))
    assert list(plan.facilities.index) == ["lease/B"]
    unit = plan.facilities.loc["lease/B"]
    assert (unit["option"], unit["floor_area_m2"], unit["cost"]) == ("small-2", 315.0, 1_102_500.0)
    assert plan.areas["shortfall_slots"].sum() == pytest.approx(0.0, abs=1e-3)


def test_an_area_a_parcel_too_small_for_it_reaches_keeps_its_unit(tmp_path: Path) -> None:
    """A (3,200 people: 25.6 slots) is reached by P3, idle land of 120 m² that holds only
    small-1 (18 slots: 162 / 3 + 54 = 108 m² of land; small-2 needs 210): A keeps its
    unit, and small-2 there (315 × 3,500 = 1,102,500) is cheaper than P3's small-1
    (100,000 + 648,000) and a small-1 unit (567,000). B (6,400 people: 51.2 slots), which
    nothing else reaches, gets its unit's largest size, small (405 m²: 1,417,500), and
    is still 6.2 slots short: the finding says so."""
    areas = {"A": (1, 1, 4, 200.0), "B": (16, 1, 4, 400.0)}
    small = P1 | {"site_id": "P3", "land_area_m2": 120.0}
    plan = run_plan(_city(tmp_path, areas=areas, parcels=[small]))
    fac = plan.facilities
    assert sorted(fac.index) == ["lease/A", "lease/B"]
    assert (fac.loc["lease/A", "option"], fac.loc["lease/A", "cost"]) == ("small-2", 1_102_500.0)
    assert (fac.loc["lease/B", "option"], fac.loc["lease/B", "cost"]) == ("small", 1_417_500.0)
    assert plan.areas.loc["B", "shortfall_slots"] == pytest.approx(6.2)
    assert plan.areas.loc["A", "shortfall_slots"] == pytest.approx(0.0, abs=1e-3)
    (record,) = [r for r in plan.run["finding_records"] if r["code"] == "leased_units"]
    assert (record["short_areas"], record["short_slots"]) == (1, 6)
    (said,) = [f for f in plan.run["findings"] if f.startswith("2 residential areas")]
    assert said.endswith(
        "1 of these areas is still 6 slots short, its unit at the largest size its floor "
        "holds: raise candidates.lease_in_areas.floor_m2 where a larger unit may be found, "
        "or give parcels there."
    )


def test_a_hazard_over_an_areas_point_drops_its_unit(tmp_path: Path) -> None:
    """A petrol station at B's point: its unit lies inside the 50 m buffer and is excluded
    as any parcel would be; B is short again."""
    scenario = _city(
        tmp_path, areas=TWO_AREAS, parcels=[P1], hazards=[("petrol_station", 1810.0, 300.0)]
    )
    plan = run_plan(scenario)
    assert list(plan.facilities.index) == ["P1"]
    assert plan.candidates.loc["lease/B", "state"] == "excluded"
    assert "petrol" in plan.candidates.loc["lease/B", "exclusion_reason"]
    assert plan.areas.loc["B", "shortfall_slots"] == pytest.approx(12.8)


def test_a_unit_is_priced_by_its_floor_at_the_capitalised_rent() -> None:
    """The default rent, 150 a year over 10 years paid in advance at 8 %: 150 × 1.08 ×
    (1 − 1.08^−10) / 0.08 = 1,087.033 a m²; small-1's 162 m² cost 162 × (1,087.033 +
    1,500) = 419,099; a 405 m² unit holds small (405 m²) but not medium (720 m²)."""
    sites = pd.DataFrame(
        {
            "existing": [False],
            "source": ["leased"],
            "acquisition": ["lease"],
            "land_area_m2": [np.nan],
            "floor_area_m2": [405.0],
            "parcel_cost": [np.nan],
        },
        index=pd.Index(["lease/A"], name="site_id"),
    )
    scenario = Scenario(candidates=CandidateSettings(LeaseInAreas()))
    options = site_options(sites, scenario=scenario).set_index("option")
    assert list(options.index) == ["small-1", "small-2", "small"]
    assert options.loc["small-1", "cost"] == 419_099.0
    assert options.loc["small", "cost"] == round(405 * (150 * 1.08 * (1 - 1.08**-10) / 0.08 + 1500))
    assert set(options["cost_basis"]) == {"leased floor"}


def test_a_unit_stands_where_its_areas_people_are() -> None:
    """A 500 m square whose people live in its north-east corner: its polygon's own point
    (the centre) lay 283 m from them, 368 m of walk, beyond the 300 m radius (the
    sample's A078: its unit 411 m from its people, and all its 41 slots short). The unit
    stands at the demand point of the largest share; a 小区 list's given point comes
    first; an area of nobody, a new area and an area without a demand point are
    handled as said."""
    square = box(0, 0, 500, 500)
    areas = gpd.GeoDataFrame(
        {"status": ["old", "old", "old", "new", "rural"], "district_id": ["d1"] * 5},
        geometry=[square, box(1000, 0, 1100, 100), box(2000, 0, 2100, 100), square, square],
        index=pd.Index(["A", "G", "E", "N", "R"], name="area_id"),
        crs=GK,
    )
    people = pd.Series([1600.0, 50.0, 0.0, 900.0, 70.0], index=areas.index)
    demand = gpd.GeoDataFrame(
        {"area_id": ["A", "A"], "share": [0.2, 0.8]},
        geometry=[Point(100, 100), Point(450, 450)],
        crs=GK,
    )
    given = gpd.GeoSeries([Point(1010, 10)], index=pd.Index(["G"]), crs=GK)
    lease = Scenario(candidates=CandidateSettings(LeaseInAreas()))
    units = leased_units(areas, people, given_points=given, demand_points=demand, scenario=lease)
    assert units is not None
    assert list(units.index) == ["lease/A", "lease/G"]  # E holds nobody; N is new, R rural
    assert units.geometry.iloc[0].equals(Point(450, 450))
    assert units.geometry.iloc[1].equals(Point(1010, 10))
    assert set(units["district_id"]) == {"d1"} and set(units["floor_area_m2"]) == {405.0}
    rural = Scenario(candidates=CandidateSettings(LeaseInAreas(status=("rural",))))
    (unit,) = leased_units(areas, people, given_points=None, scenario=rural).geometry
    assert unit.equals(Point(250, 250))  # no demand point: the square's own
    assert leased_units(areas, people, given_points=None, scenario=Scenario()) is None


def test_a_xiaoqu_lists_unit_stands_at_its_given_point(tmp_path: Path) -> None:
    """Areas given as a 小区 list (points, radius_m = 200): B's unit stands at B's own
    point, 50 m east and 20 m south of its people's centre, and serves it."""
    scenario = _city(tmp_path, areas=TWO_AREAS, parcels=[P1])
    gpd.GeoDataFrame(
        {"area_id": ["A", "B"], "status": "old"},
        geometry=[Point(X0 + 300, Y0 - 300), Point(X0 + 1850, Y0 - 320)],
        crs=GK,
    ).to_file(tmp_path / "areas.gpkg")
    text = scenario.read_text(encoding="utf-8")
    scenario.write_text(
        text.replace(
            'areas = { path = "areas.gpkg" }', 'areas = { path = "areas.gpkg", radius_m = 200 }'
        ),
        encoding="utf-8",
    )
    plan = run_plan(scenario)
    assert sorted(plan.facilities.index) == ["P1", "lease/B"]
    assert plan.facilities.loc["lease/B"].geometry.distance(Point(X0 + 1850, Y0 - 320)) < 1e-6
    served = plan.assignments.groupby("area_id")["site_id"].unique()
    assert list(served["B"]) == ["lease/B"]


def test_the_key_is_off_by_default_and_checked(tmp_path: Path) -> None:
    assert Scenario().candidates.lease_in_areas is None
    path = tmp_path / "s.toml"
    path.write_text("[candidates]\nlease_in_areas = true\n", encoding="utf-8")
    assert load_scenario(path).candidates.lease_in_areas == LeaseInAreas(("old",), 405.0, None)
    path.write_text(
        '[candidates]\nlease_in_areas = { status = ["new"], floor_m2 = 100 }\n', encoding="utf-8"
    )
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    said = str(err.value)
    assert "'candidates.lease_in_areas.status' must list 'old' and/or 'rural'" in said
    assert (
        "'candidates.lease_in_areas.floor_m2' must hold the smallest size's floor (162 m²" in said
    )


def test_a_plan_with_units_is_written_and_verified(tmp_path: Path) -> None:
    """plan.gpkg, the map and verify take a plan that leases a unit."""
    from siting.cli import main

    out = tmp_path / "out"
    assert (
        main(["plan", str(_city(tmp_path, areas=TWO_AREAS, parcels=[P1])), "--out", str(out)]) == 0
    )
    assert main(["verify", str(out)]) == 0
    facilities = gpd.read_file(out / "plan.gpkg", layer="facilities")
    assert facilities.set_index("site_id").loc["lease/B", "kind"] == "leased_space"
    assert "租赁社区用房（待落实）" in (out / "map.html").read_text(encoding="utf-8")
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert run["totals"]["facilities_by_cost_basis"]["leased floor"] == 1


def _two_counties(folder: Path, *, lease: bool) -> Path:
    """West (AW, 1,600 people, and the parcel PW beside it) and East (AE, 1,600 people,
    no parcel, no facility), planned county by county."""
    from _two_counties import box_at, idle_parcel, write_city, write_two_counties

    districts = write_two_counties(folder, side_m=1000.0, people_per_cell=400.0)
    areas = [
        {"area_id": a, "district_id": d, "status": "old", "geometry": box_at(x, 400, x + 200, 600)}
        for a, d, x in (("AW", "W", 400), ("AE", "E", 1400))
    ]
    parcels = [idle_parcel("PW", "W", 500.0, 500.0)]
    scenario = write_city(
        folder,
        {"areas": areas, "parcels": parcels, "districts": districts},
        name="two counties",
        run='partition = "district"',
    )
    if lease:
        with scenario.open("a", encoding="utf-8") as out:
            out.write("[candidates]\nlease_in_areas = {}\n")
    return scenario


@pytest.mark.parametrize("lease", [False, True], ids=["off", "on"])
def test_a_county_without_parcels_leases_when_asked(
    tmp_path: Path, lease: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    """East has no parcel and no facility: a run by county left it without a plan
    (no_sites), and validate said so beforehand, though its area may lease a unit. With
    lease_in_areas, East plans lease/AE at small-1 (162 m² × (1,087.03 + 1,500) =
    419,099) and validate names no county; off, both as before."""
    from siting.cli import main

    scenario = _two_counties(tmp_path, lease=lease)
    assert main(["validate", str(scenario)]) == 0
    said = capsys.readouterr().out
    assert ("E: no candidate parcel and no existing facility" in said) is not lease
    plan = run_plan(scenario)
    counties = {c["district_id"]: c["status"] for c in plan.run["counties"]}
    assert counties["W"] == "optimal"
    if lease:
        assert counties["E"] == "optimal"
        assert sorted(plan.facilities.index) == ["PW", "lease/AE"]
        assert plan.facilities.loc["lease/AE", "cost"] == 419_099.0
        assert plan.areas.loc["AE", "shortfall_slots"] == pytest.approx(0.0, abs=1e-3)
    else:
        assert counties["E"] == "no_sites"
        assert list(plan.facilities.index) == ["PW"]


def test_an_area_far_from_the_streets_reaches_its_own_unit_inside_it(tmp_path: Path) -> None:
    """B's people live 220 m from the one street, 20 m south of B (its centre is 300 m
    down, the street 520 m). Its unit stands at its people: the walk along the streets
    snaps both ends to the street, 220 + 220 = 440 m, past the 300 m radius, and B was
    short of all its 12.8 slots beside its own unit, unused. Inside the 小区 the unit is
    0 m from its people: B leases small-1 (18 slots, 567,000) and nothing is short."""
    scenario = _city(tmp_path, areas={"B": (16, 1, 4, 100.0)}, parcels=[P1])
    gpd.GeoDataFrame(
        {"name": ["南街"], "highway": ["residential"]},
        geometry=[LineString([(X0, Y0 - 520), (X0 + 3000, Y0 - 520)])],
        crs=GK,
    ).to_file(tmp_path / "streets.gpkg")
    text = scenario.read_text(encoding="utf-8")
    scenario.write_text(
        text.replace("[policy]", 'streets = "streets.gpkg"\n[policy]'), encoding="utf-8"
    )
    plan = run_plan(scenario)
    assert plan.run["distance_method"] == "network"
    assert plan.areas.loc["B", "shortfall_slots"] == pytest.approx(0.0, abs=1e-3)
    (row,) = plan.assignments[plan.assignments["area_id"] == "B"].itertuples()
    assert (row.site_id, row.distance_m) == ("lease/B", 0.0)
    assert plan.facilities.loc["lease/B", "cost"] == 567_000.0
