"""Residential areas given as points (a 小区 list): each takes its catchment, the land
within a radius of it nearer to it than to another area (``siting.inputs._catchments``).
Expected figures are computed here by hand: the area of the disc's 64-gon, the circular
segment a Voronoi edge cuts off, the people of a uniform raster on that land."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
from shapely.geometry import Point, box
from test_inputs import GK, X0, Y0, make_spec, write, write_raster

from siting.demand import estimate_demand
from siting.errors import InputError, ScenarioError
from siting.inputs import load_inputs
from siting.inputs._catchments import point_radii
from siting.report._labels import labels
from siting.report._said import said_lines
from siting.scenario import (
    DemandSettings,
    InputsSpec,
    LayerSpec,
    PopulationSpec,
    Scenario,
    load_scenario,
)

N_SIDES = 64  # the disc's polygon: 16 segments a quarter


def polygon_disc(r: float) -> float:
    """The area of the regular 64-gon inscribed in a circle of radius ``r``."""
    return N_SIDES / 2 * r * r * math.sin(2 * math.pi / N_SIDES)


def points_frame(xy: list[tuple[float, float]], **columns: list[object]) -> gpd.GeoDataFrame:
    data: dict[str, list[object]] = {
        "area_id": [f"X{i + 1}" for i in range(len(xy))],
        "status": ["old"] * len(xy),
    }
    data.update(columns)
    return gpd.GeoDataFrame(data, geometry=[Point(X0 + x, Y0 + y) for x, y in xy], crs=GK)


def xiaoqu_csv(path: Path, count: str, rows: list[tuple[str, str, int, float]]) -> Path:
    """A 小区 list as a CSV (小区编号, 类型, ``count``, 经度, 纬度 in CGCS2000 degrees) of
    ``(id, 类型, count, x)`` rows on the line y = Y0 + 500 m."""
    to_lonlat = pyproj.Transformer.from_crs(GK, "EPSG:4490", always_xy=True)
    lines = [f"小区编号,类型,{count},经度,纬度"]
    for area, kind, value, x in rows:
        lon, lat = to_lonlat.transform(x, Y0 + 500.0)
        lines.append(f"{area},{kind},{value},{lon:.8f},{lat:.8f}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def spec_with_areas(tmp_path: Path, frame: gpd.GeoDataFrame, **keys: Any) -> InputsSpec:
    path = write(frame, tmp_path / "points.gpkg")
    return make_spec(tmp_path, areas=LayerSpec(path=path, **keys))


def test_radii_from_dwellings_status_and_the_scenario() -> None:
    """sqrt(dwellings × land / π), held to 50–500 m; 150 m (300 m rural) without dwellings."""
    status = np.array(["old", "new", "rural", "old", "old", "rural"], dtype=object)
    dwellings = np.array([1000.0, 2000.0, 1000.0, np.nan, 1e6, 0.0])
    expected = [
        math.sqrt(1000 * 40 / math.pi),  # 112.84
        math.sqrt(2000 * 40 / math.pi),  # 159.58
        math.sqrt(1000 * 450 / math.pi),  # 378.47
        150.0,
        500.0,
        300.0,
    ]
    assert point_radii(status, dwellings) == pytest.approx(expected)
    assert point_radii(status, dwellings, radius_m=80.0) == pytest.approx([80.0] * 6)


def test_two_points_split_their_discs_at_the_middle(tmp_path: Path) -> None:
    """Two 小区 200 m apart with radius 150 m: each keeps its disc less the segment beyond
    the bisector, 100 m from it (r² acos(d/r) − d √(r² − d²) for the circle)."""
    frame = points_frame([(1000.0, 500.0), (1200.0, 500.0)])
    inputs = load_inputs(spec_with_areas(tmp_path, frame, radius_m=150.0), crs=GK)
    areas = inputs.areas
    r, d = 150.0, 100.0
    segment = r * r * math.acos(d / r) - d * math.sqrt(r * r - d * d)
    expected = math.pi * r * r - segment  # 57,436 m² for the true circle
    got = areas.geometry.area.to_numpy()
    assert got == pytest.approx([expected, expected], rel=2e-3)
    assert areas.geometry.iloc[0].bounds[2] == pytest.approx(X0 + 1100.0)  # the bisector
    assert areas.geometry.iloc[1].bounds[0] == pytest.approx(X0 + 1100.0)
    assert areas.geometry.iloc[0].intersection(areas.geometry.iloc[1]).area == pytest.approx(0)
    (finding,) = [f for f in inputs.findings if f.code == "areas_as_points"]
    assert finding.values == {
        "count": 2,
        "areas": 2,
        "low_m": 150,
        "high_m": 150,
        "shared": 0,
        "inside": 0,
    }
    assert "within 150 m (radius_m) of it" in finding
    run = {"findings": [str(finding)], "finding_records": [finding.record()]}
    (zh,), _ = said_lines(run, "findings", labels("zh"), language="zh", districts={}, unit="元")
    assert "（半径按户数推算，或由 radius_m 统一给出）" in zh  # not "0个与其他点位置重合，0个…"


def test_an_old_areas_people_are_the_raster_on_its_disc(tmp_path: Path) -> None:
    """A uniform raster of 5 people a 100 m cell; an old 小区 of 1,000 dwellings alone:
    its people (area-weighted, exact cell cover) are 5/10,000 × the 64-gon of radius
    √(40,000/π) = 112.84 m: 19.97 people. A new one of 800 dwellings plans 800 × 2.36."""
    frame = points_frame(
        [(1000.0, 500.0), (2000.0, 500.0)],
        status=["old", "new"],
        dwellings=[1000.0, 800.0],
    )
    write_raster(tmp_path / "pop.tif")  # 5 people a cell over X0 − 500 … X0 + 2,500
    inputs = load_inputs(spec_with_areas(tmp_path, frame), crs=GK)
    scenario = Scenario(demand=DemandSettings(allocation="area_weighted"))
    areas = estimate_demand(inputs, scenario=scenario).areas
    r = math.sqrt(1000 * 40 / math.pi)
    assert areas.loc["X1", "population"] == pytest.approx(5 / 10_000 * polygon_disc(r), rel=1e-6)
    assert areas.loc["X2", "planned_population"] == pytest.approx(800 * 2.36)


def test_points_at_one_place_share_its_cell(tmp_path: Path) -> None:
    """Two ids at one point (phases 一期 and 二期 listed apart) each take the shared cell cut
    to its own disc; the third point 300 m off cuts both at 150 m."""
    frame = points_frame(
        [(1000.0, 500.0), (1000.0, 500.0), (1300.0, 500.0)],
        dwellings=[1000.0, 4000.0, np.nan],
    )
    inputs = load_inputs(spec_with_areas(tmp_path, frame), crs=GK)
    geoms = inputs.areas.geometry
    small = math.sqrt(1000 * 40 / math.pi)  # 112.8 m: never reaches the bisector at 150 m
    assert geoms["X1"].area == pytest.approx(polygon_disc(small), rel=1e-9)
    assert geoms["X2"].bounds[2] == pytest.approx(X0 + 1150.0)  # 225.7 m, cut at 150 m
    assert geoms["X2"].contains(geoms["X1"])
    (finding,) = [f for f in inputs.findings if f.code == "areas_as_points"]
    assert finding.values["shared"] == 2  # X1 and X2, at one place (it said 1)
    assert "(2 share a point with another)" in finding
    run = {"findings": [str(finding)], "finding_records": [finding.record()]}
    (zh,), _ = said_lines(run, "findings", labels("zh"), language="zh", districts={}, unit="元")
    assert "（半径按户数推算，或由 radius_m 统一给出；2个与其他点位置重合）" in zh


def test_points_beside_outlines_keep_off_them_and_inside_one_keep_its_land(
    tmp_path: Path,
) -> None:
    """A point 100 m from an outline's edge loses the part of its 150 m disc on that
    outline; a point inside an outline (a 小区 inside a neighbourhood's residential land)
    keeps its whole disc, the part on the outline shared with it, and is said."""
    outline = box(X0 + 600, Y0 + 200, X0 + 900, Y0 + 800)
    frame = gpd.GeoDataFrame(
        {"area_id": ["P1", "X1"], "status": ["old", "old"]},
        geometry=[outline, Point(X0 + 1000, Y0 + 500)],
        crs=GK,
    )
    inputs = load_inputs(spec_with_areas(tmp_path, frame, radius_m=150.0), crs=GK)
    r, d = 150.0, 100.0
    segment = r * r * math.acos(d / r) - d * math.sqrt(r * r - d * d)
    assert inputs.areas.geometry["X1"].area == pytest.approx(math.pi * r * r - segment, rel=2e-3)
    assert inputs.areas.geometry["P1"].equals(outline)
    (finding,) = [f for f in inputs.findings if f.code == "areas_as_points"]
    assert finding.values["inside"] == 0
    inside = frame.set_geometry([outline, Point(X0 + 700, Y0 + 500)], crs=GK)
    (tmp_path / "in").mkdir()
    inputs = load_inputs(spec_with_areas(tmp_path / "in", inside, radius_m=150.0), crs=GK)
    land = inputs.areas.geometry["X1"]
    assert land.area == pytest.approx(polygon_disc(150.0), rel=1e-9)
    on_outline = land.intersection(outline).area  # the disc less its 50 m west of x = 600
    assert on_outline == pytest.approx(math.pi * r * r - segment, rel=2e-3)
    (finding,) = [f for f in inputs.findings if f.code == "areas_as_points"]
    assert finding.values["inside"] == 1
    assert "1 lie inside an area drawn as an outline" in finding


def test_a_xiaoqu_table_plans_the_sample_city(tmp_path: Path) -> None:
    """The sample's 182 areas as a CSV of 小区 (编号, 名称, 类型, 户数, 经度/纬度 in CGCS2000
    degrees): it plans, its new areas require exactly dwellings × 2.36 × 10 / 1,000 slots,
    and every catchment holds its point."""
    from benchmarks.catchments import SAMPLE, sample_table

    areas = gpd.read_file(SAMPLE / "city.gpkg", layer="areas", engine="pyogrio")
    at = areas.to_crs(GK).geometry.representative_point()
    csv = sample_table(tmp_path)
    scenario = load_scenario(SAMPLE / "scenario.toml")
    spec = replace(scenario.inputs, areas=LayerSpec(path=csv, crs="EPSG:4490"))
    inputs = load_inputs(spec, crs=scenario.crs)
    assert len(inputs.areas) == 182
    assert inputs.areas.geometry.contains(at.set_axis(areas["area_id"])).all()
    demand = estimate_demand(inputs, scenario=replace(scenario, inputs=spec)).areas
    new = areas.set_index("area_id")["status"] == "new"
    dwellings = areas.set_index("area_id")["dwellings"][new]
    assert demand.loc[new[new].index, "required_slots"].to_numpy() == pytest.approx(
        (dwellings * 2.36 * 10 / 1000).to_numpy()
    )
    assert pyproj.CRS(inputs.crs) == pyproj.CRS(GK)


@pytest.mark.parametrize(
    ("layer", "radius", "said"),
    [
        ("areas", 0.0, "'inputs.areas.radius_m' must be a radius in metres"),
        ("areas", 9000.0, "'inputs.areas.radius_m' must be a radius in metres"),
        ("parcels", 100.0, "'inputs.parcels.radius_m' is for residential areas"),
    ],
)
def test_radius_m_is_checked(tmp_path: Path, layer: str, radius: float, said: str) -> None:
    keys = {"areas": "", "parcels": ""}
    keys[layer] = f", radius_m = {radius}"
    toml = tmp_path / "s.toml"
    toml.write_text(
        '[inputs]\npopulation = { path = "p.tif" }\n'
        f'areas = {{ path = "a.gpkg"{keys["areas"]} }}\n'
        f'parcels = {{ path = "b.gpkg"{keys["parcels"]} }}\n',
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError) as caught:
        load_scenario(toml)
    assert said in str(caught.value)


def test_frames_of_points_take_land_in_load_frames_and_not_after(tmp_path: Path) -> None:
    """load_frames reads a GeoDataFrame of 小区 points as a file's: catchments. A frame of
    points given where areas already read are expected (estimate_demand's inputs edited in
    memory, area_demand's areas=) would hold no people: a problem that says where points
    are read."""
    from siting.inputs import check_frame, load_frames

    frame = points_frame([(1000.0, 500.0), (1200.0, 500.0)])
    parcels = gpd.read_file(make_spec(tmp_path).parcels.path, layer="parcels")
    inputs = load_frames(
        population=tmp_path / "pop.tif", areas=frame, parcels=parcels, crs=GK, radius_m=100.0
    )
    assert (inputs.areas.geometry.geom_type == "Polygon").all()
    assert inputs.areas.geometry.area.to_numpy() == pytest.approx(
        [polygon_disc(100.0)] * 2, rel=1e-9
    )  # 200 m apart: the discs of 100 m just touch
    (problem,) = check_frame(frame.set_index("area_id"), "areas", argument="areas")
    assert "Point geometries where Polygon or MultiPolygon are expected" in problem.message
    assert problem.fix is not None and "siting.inputs.load_frames" in problem.fix


def test_a_point_near_a_county_line_counts_in_the_county_holding_it(tmp_path: Path) -> None:
    """The districts meet at x = 900. P1 lies 20 m west of the line (利州区), P2 80 m
    further west: P1's land is cut at their bisector, x = 840, and runs to its disc's edge
    at 1,030, so 60 m of its width lie in 利州区 and 130 m in 昭化区, where the largest
    overlap put it. The 小区 is where its point is: P1 and P2 in 利州区 (and its street). P3
    lies 50 m past 昭化区's east edge, in no district: its land's overlap places it."""
    from test_inputs import districts_frame

    frame = points_frame([(880.0, 500.0), (800.0, 500.0), (3050.0, 500.0)])
    districts = write(districts_frame(), tmp_path / "districts.gpkg")
    streets = districts_frame().rename(columns={"district_id": "subdistrict_id"})
    streets["subdistrict_id"] = ["510802001", "510811001"]
    subdistricts = write(streets, tmp_path / "subdistricts.gpkg")
    spec = replace(
        spec_with_areas(tmp_path, frame, radius_m=150.0),
        districts=LayerSpec(path=districts),
        subdistricts=LayerSpec(path=subdistricts),
    )
    inputs = load_inputs(spec, crs=GK)
    land = inputs.areas.geometry["X1"]
    assert land.bounds[0] == pytest.approx(X0 + 840.0) and land.bounds[2] == pytest.approx(
        X0 + 1030.0
    )
    assert inputs.areas["district_id"].to_dict() == {"X1": "510802", "X2": "510802", "X3": "510811"}
    assert inputs.areas["subdistrict_id"].to_dict() == {
        "X1": "510802001",
        "X2": "510802001",
        "X3": "510811001",
    }


def test_a_type_column_with_words_siting_does_not_know_is_named(tmp_path: Path) -> None:
    """A street office's 小区 list whose 类型 says 老旧小区 or 新建 but for one 商品房 and one
    安置小区: 类型 is not read as status by its values (not all are status words), and the
    problem said only "required column 'status' is missing (the layer has: 小区编号, 类型,
    户数, 经度, 纬度)". It names 类型, the share of its rows that are status words (4 of 6)
    and the two that are not, and how to read it."""
    table = pd.DataFrame(
        {
            "小区编号": ["A1", "A2", "A3", "A4", "A5", "A6"],
            "类型": ["老旧小区", "新建", "商品房", "老旧小区", "安置小区", "老旧小区"],
            "户数": [800, 1200, 900, 600, 1000, 700],
            "经度": [105.84 + 0.002 * i for i in range(6)],
            "纬度": [32.43] * 6,
        }
    )
    table.to_csv(tmp_path / "小区.csv", index=False, encoding="utf-8-sig")
    spec = make_spec(tmp_path, areas=LayerSpec(path=tmp_path / "小区.csv", crs="EPSG:4490"))
    with pytest.raises(InputError) as caught:
        load_inputs(spec, crs=GK)
    (problem,) = [p for p in caught.value.problems if p.column == "status"]
    assert problem.message == (
        "required column 'status' is missing: column '类型' holds status words in 4 of its 6 "
        "rows, but also 商品房, 安置小区, which are not new, old or rural, so it is not read "
        "as status"
    )
    assert problem.fix is not None
    assert problem.fix.startswith('map it with status = "类型" under [inputs.areas.columns]')


def test_points_in_census_units_are_told_their_share_of_the_units_is_a_guess(
    tmp_path: Path,
) -> None:
    """Two 小区 200 m apart (discs of 100 m, just touching) in one 街道 of 3,000 people
    (七普, no raster): each old area's demand is half the unit's, 1,500, by its land. The
    finding said their demand was "the raster's people on that land" (there is no
    raster); it says the census units' people shared by that land."""
    frame = points_frame([(1000.0, 500.0), (1200.0, 500.0)])
    units = gpd.GeoDataFrame(
        {"unit_id": ["S1"], "常住人口": [3000]},
        geometry=[box(X0 + 800, Y0 + 300, X0 + 1400, Y0 + 700)],
        crs=GK,
    )
    spec = make_spec(
        tmp_path,
        areas=LayerSpec(path=write(frame, tmp_path / "points.gpkg"), radius_m=100.0),
        population=PopulationSpec(path=write(units, tmp_path / "七普.gpkg"), column="常住人口"),
    )
    inputs = load_inputs(spec, crs=GK)
    people = estimate_demand(inputs, scenario=Scenario()).areas["population"]
    assert people.to_dict() == pytest.approx({"X1": 1500.0, "X2": 1500.0})
    (finding,) = [f for f in inputs.findings if f.code == "areas_as_points"]
    assert "the raster's people" not in finding
    assert (
        "An old or rural area's demand is its share of the census units' people by that "
        "land, a guess" in finding
    )
    run = {"findings": [str(finding)], "finding_records": [finding.record()]}
    (zh,), _ = said_lines(run, "findings", labels("zh"), language="zh", districts={}, unit="元")
    assert "老旧小区和农村社区的需求按这片用地分摊普查单元的人口，只是估计" in zh


def test_a_point_on_an_outlines_edge_keeps_its_disc() -> None:
    """A point snapped onto an outline's edge was taken for one outside it: the outline
    was taken from its disc and the point was left on its own land's edge."""
    from siting.inputs._catchments import point_catchments
    from siting.inputs._problems import _Report

    outline = box(X0, Y0, X0 + 400, Y0 + 400)
    frame = gpd.GeoDataFrame(
        {"status": ["old", "old"], "dwellings": [np.nan, np.nan]},
        geometry=[outline, Point(X0 + 200, Y0)],  # on the south edge
        index=pd.Index(["O1", "X1"], name="area_id"),
        crs=GK,
    )
    land = point_catchments(frame, radius_m=100.0, report=_Report()).geometry["X1"]
    assert land.contains(Point(X0 + 200, Y0))
    assert land.area == pytest.approx(polygon_disc(100.0), rel=1e-9)


def test_a_xiaoqu_list_with_dwellings_counts_them_as_residents(tmp_path: Path) -> None:
    """With demand.residents = "dwellings" an old 小区 of 1,000 户 has 2,360 residents
    whatever its guessed land holds, one without 户数 keeps the raster's people on its
    disc (5 a 100 m cell, area-weighted), and the finding counts them."""
    frame = points_frame(
        [(1000.0, 500.0), (2000.0, 500.0)], status=["old", "old"], dwellings=[1000.0, np.nan]
    )
    inputs = load_inputs(spec_with_areas(tmp_path, frame, radius_m=100.0), crs=GK)
    settings = DemandSettings(allocation="area_weighted", residents="dwellings")
    demand = estimate_demand(inputs, scenario=Scenario(demand=settings))
    raster_people = 5 / 10_000 * polygon_disc(100.0)
    assert demand.areas["planned_population"].tolist() == pytest.approx([2360.0, raster_people])
    assert demand.areas["required_slots"].tolist() == pytest.approx(
        [2360.0 * 8 / 1000, raster_people * 8 / 1000]
    )
    (said,) = [f for f in demand.findings if f.code == "residents_from_dwellings"]
    assert said.values == {
        "count": 1,
        "people": 2360,
        "population": round(raster_people),
        "kept": 1,
        "persons_per_household": 2.36,
    }


def test_a_xiaoqu_list_with_its_own_people_is_its_own_population(tmp_path: Path) -> None:
    """A 小区 table with a 人口 column given as [inputs.population] too (no raster): each
    小区's people are its own count, whatever its land, and the finding says the land
    only places the walks."""
    from siting.scenario import PopulationSpec

    rows = [("X1", "老旧小区", 1200, X0 + 1000.0), ("X2", "农村", 300, X0 + 1600.0)]
    csv = xiaoqu_csv(tmp_path / "小区.csv", "人口", rows)
    spec = replace(
        make_spec(tmp_path),
        population=PopulationSpec(path=csv, column="人口", crs="EPSG:4490"),
        areas=LayerSpec(path=csv, crs="EPSG:4490"),
    )
    inputs = load_inputs(spec, crs=GK)
    demand = estimate_demand(inputs, scenario=Scenario(inputs=spec)).areas
    assert demand["population"].to_dict() == pytest.approx({"X1": 1200.0, "X2": 300.0})
    assert demand["required_slots"].to_dict() == pytest.approx({"X1": 9.6, "X2": 1.35})
    (finding,) = [f for f in inputs.findings if f.code == "areas_as_points_own_counts"]
    assert finding.values["column"] == "人口"
    assert "only places where their walks start" in finding


def test_a_xiaoqu_register_of_dwellings_is_its_own_population(tmp_path: Path) -> None:
    """A 小区 table of 户数 only, given as its own population with counts = "dwellings"
    (no raster): each 小区's residents are its 户数 × 2.36, and a finding says so."""
    from siting.scenario import PopulationSpec

    rows = [("X1", "老旧小区", 1000, X0 + 1000.0), ("X2", "老旧小区", 250, X0 + 1600.0)]
    csv = xiaoqu_csv(tmp_path / "小区.csv", "户数", rows)
    population = PopulationSpec(path=csv, column="户数", crs="EPSG:4490", counts="dwellings")
    spec = replace(
        make_spec(tmp_path), population=population, areas=LayerSpec(path=csv, crs="EPSG:4490")
    )
    inputs = load_inputs(spec, crs=GK)
    demand = estimate_demand(inputs, scenario=Scenario(inputs=spec))
    assert demand.areas["population"].to_dict() == pytest.approx({"X1": 2360.0, "X2": 590.0})
    assert demand.areas["required_slots"].to_dict() == pytest.approx({"X1": 18.88, "X2": 4.72})
    (said,) = [f for f in demand.findings if f.code == "dwellings_as_residents"]
    assert said.values == pytest.approx({"dwellings": 1250.0, "residents": 2950.0})
