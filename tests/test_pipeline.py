"""End to end: the sample city, rule-by-rule tiny cities, atomic outputs and the CLI."""

from __future__ import annotations

import hashlib
import json
import math
import re
import shutil
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
from _raster import write_raster
from affine import Affine
from shapely.geometry import Point, box

from siting.cli import main
from siting.errors import InputError, OutputError, PlanFileError
from siting.export import write_plan
from siting.pipeline import run_plan
from siting.plan import Plan, verify
from siting.report import write_report
from siting.scenario import load_scenario
from siting.zonal import zonal_sums

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"

X0, Y0 = 579_000.0, 3_591_000.0  # EPSG:4544 metres near Guangyuan
CRS = "EPSG:4544"


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    before = {p.name: sha(p) for p in SAMPLE.iterdir() if p.is_file()}
    out = tmp_path_factory.mktemp("sample") / "out"
    code = main(["-q", "demo", "--out", str(out)])  # the bundled sample, as `siting demo`
    assert code == 0
    return out, before


def test_sample_plan_writes_every_file_and_verifies(
    sample_run: tuple[Path, dict[str, str]],
) -> None:
    out, _ = sample_run
    for name in (
        "facilities.geojson",
        "areas.geojson",
        "assignments.csv",
        "districts.csv",
        "run.json",
        "plan.gpkg",
    ):
        assert (out / name).is_file(), name
    report = verify(out)
    assert report.ok, report.problems
    assert len(report.checks) >= 8


def test_sample_run_says_where_the_cost_bound_came_from(
    sample_run: tuple[Path, dict[str, str]],
) -> None:
    out, _ = sample_run
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    cost = next(s for s in run["stages"] if s["name"] == "cost")
    search = cost["search"]
    assert search["bound"] == pytest.approx(cost["bound"])
    assert search["bound_source"] in ("highs", "lagrangian", "regions")
    assert search["bounds"][search["bound_source"]] == pytest.approx(cost["bound"])
    assert search["found_by"] in (
        "start",
        "local search",
        "highs",
        "highs + local search",
        "region search",
        "lagrangian plan",
        "lagrangian plan + local search",
    )
    assert set(search["times_s"]) == {
        "local_search",
        "lagrangian",
        "lagrangian_plan",
        "highs",
        "region_search",
        "region_bound",
    }
    # "optimal" only with the gap proven
    assert cost["status"] == ("optimal" if cost["gap"] <= 1e-4 else "feasible")
    md = (out / "report.md").read_text(encoding="utf-8")
    line = next(x for x in md.splitlines() if x.startswith("费用阶段：下界"))
    assert f"{cost['bound']:,.0f}" in line
    assert "拉格朗日启发式" in line  # the Lagrangian plan's seconds


_WORD = r"(?<![\w./])[A-Za-z]+(?![\w./])"
ENGLISH = re.compile(rf"{_WORD}(?:[ ,;:()'\"-]+{_WORD}){{2,}}")
"""Three or more plain English words in a row (ids such as A011, file names and settings
such as make_valid or demand.residual_to_nearest_m are not words here)."""


def _section(md: str, heading: str) -> list[str]:
    """The items of a report section (its ``- `` lines), none when it is absent."""
    if f"\n## {heading}\n" not in md:
        return []
    body = md.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]
    return [line[2:] for line in body.splitlines() if line.startswith("- ")]


def test_sample_chinese_report_says_its_findings_and_notes_in_chinese(
    sample_run: tuple[Path, dict[str, str]],
) -> None:
    """The findings and notes of the Chinese report were run.json's English sentences
    ("8 demand item(s) needing 222 slots have no site within walking distance ...")."""
    out, _ = sample_run
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    md = (out / "report.md").read_text(encoding="utf-8")
    findings, notes = _section(md, "主要发现"), _section(md, "说明")
    assert len(findings) == len(run["findings"]) >= 1
    assert len(notes) == len(run["notes"]) >= 1
    assert _section(md, "技术说明（英文）") == []  # every line of the sample has its code
    for line in findings + notes:
        assert not ENGLISH.search(line), line
    # the numbers, read from run.json's English sentence
    (english,) = [f for f in run["findings"] if "have no site within walking distance" in f]
    found = re.match(r"(\d+) demand item\(s\) needing ([\d,]+) slots .*: (.*)$", english)
    assert found is not None
    count, slots, ids = found.groups()
    assert f"{count}个需求单元共需{slots}个托位，步行距离内没有任何候选用地或现有托育机构：" in md
    assert "、".join(ids.split(", ")) in md
    assert "工作坐标系：EPSG:4544，取自情景设置" in md
    # the English report keeps run.json's sentences
    write_report(out, language="en")
    assert english in (out / "report.md").read_text(encoding="utf-8")
    write_report(out)


def test_sample_outputs_are_wgs84_utf8_with_chinese_names(
    sample_run: tuple[Path, dict[str, str]],
) -> None:
    out, _ = sample_run
    raw = json.loads((out / "areas.geojson").read_text(encoding="utf-8"))
    assert "crs" not in raw  # RFC 7946: WGS84 implied
    lon, lat = raw["features"][0]["geometry"]["coordinates"][0][0]
    assert 105.5 < lon < 106.2
    assert 32.2 < lat < 32.7
    names = [f["properties"]["name"] for f in raw["features"]]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in names[0])
    facilities = gpd.read_file(out / "facilities.geojson")
    for column in (
        "site_id",
        "kind",
        "acquisition",
        "option",
        "slots",
        "classes_infant",
        "classes_toddler",
        "classes_older",
        "classes_mixed",
        "floor_area_m2",
        "cost",
        "district_id",
        "demonstration",
        "existing",
        "affordable",
        "service_types",
    ):
        assert column in facilities.columns, column


def test_sample_shows_every_district_demonstration_and_a_shortfall(
    sample_run: tuple[Path, dict[str, str]],
) -> None:
    out, _ = sample_run
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert run["status"] in ("optimal", "feasible")
    districts = pd.read_csv(out / "districts.csv", dtype={"district_id": str})
    assert set(districts["district_id"]) == {"510802", "510811", "510812"}
    assert districts["demonstration_present"].all()
    areas = gpd.read_file(out / "areas.geojson").set_index("area_id")
    # A013 is cut off by the river: its nearest candidate is ~3 km away on foot.
    assert areas.at["A013", "shortfall_slots"] > 0
    assert areas.at["A013", "shortfall_reason"] == "no site within reach"
    # most areas can be served; the pockets, five neighbours and one hill village cannot
    unreached = set(areas.index[areas["shortfall_reason"] == "no site within reach"])
    assert unreached == {"A011", "A013", "A074", "A078", "A087", "A089", "A103", "A156"}
    totals = run["totals"]
    # every resident of the districts is accounted for: held by an area or residual, and the
    # total agrees with the raster's exact sum over the districts (a second formulation; the
    # 0.1 % allows for covered cells that straddle the districts' outline)
    acc = run["population_accounting"]["population"]
    assert acc["method"] == "dasymetric"
    assert acc["held"] + acc["residual"] == pytest.approx(acc["total"], rel=1e-12)
    districts_gdf = gpd.read_file(SAMPLE / "city.gpkg", layer="districts").to_crs(run["crs"])
    exact = zonal_sums(districts_gdf.dissolve(), SAMPLE / "population.tif").sum()
    assert acc["total"] == pytest.approx(exact, rel=1e-3)
    assert acc["residual"] == pytest.approx(sum(acc["residual_by_district"].values()), rel=1e-12)
    assert districts["residual_population"].sum() == pytest.approx(acc["residual"], rel=1e-9)
    old_areas = areas[areas["status"] != "new"]
    # areas.geojson gives each population to 0.1 person
    assert acc["held"] == pytest.approx(areas["population"].sum(), abs=0.05 * len(areas))
    assert 0.95 < acc["held_share"] < 1.0 and old_areas["population"].gt(0).all()
    assert not any("hold only" in f for f in run["findings"])
    # the model serves the raw requirement; counts are rounded once per district
    rounding = run["rounding"]
    assert totals["required_slots"] == pytest.approx(rounding["required_slots_raw"], rel=1e-12)
    assert (
        rounding["required_slots_raw"]
        <= rounding["required_slots_rounded_per_district"]
        < rounding["required_slots_raw"]
        + len(districts)
        + len(gpd.read_file(SAMPLE / "city.gpkg", layer="workplaces"))
    )
    assert (
        rounding["required_slots_rounded_per_area"]
        > rounding["required_slots_rounded_per_district"]
    )
    assert 0 < totals["shortfall_slots"] < 0.1 * totals["required_slots"]
    assert run["distance_method"] == "network"
    assert run["distance"]["excluded_by_network"] > 0
    # the new demonstration facilities and the tier's part of their cost: both co-located
    # in new areas (land priced with the area, whatever the size), so each one's extra is
    # the tier's 500,000 and its 300 m² of training rooms built at 4,000 per m²
    facilities = gpd.read_file(out / "facilities.geojson")
    demo = facilities[facilities["demonstration"] & ~facilities["existing"]]
    assert set(demo["cost_basis"]) == {"co-located"}
    assert totals["demonstration"] == {
        "count": 2,
        "cost": pytest.approx(float(demo["cost"].sum())),
        "premium": pytest.approx(2 * (500_000 + 300 * 4_000)),
    }
    # excluded parcels are reported with reasons
    candidates = gpd.read_file(out / "candidates.geojson").set_index("site_id")
    assert candidates.at["P0001", "state"] == "excluded"
    assert "petrol" in candidates.at["P0001", "exclusion_reason"]


def test_report_city_ratio_pools_the_district_table(
    sample_run: tuple[Path, dict[str, str]],
) -> None:
    # the headline's people are the district table's (planned population of new areas,
    # residents elsewhere, migrants), not the raster residents alone: 6,156 slots for
    # 456,109 people is 13.50 per 1,000, between the districts' lowest and highest (the
    # cost search's plan; HiGHS alone stopped at its 0.5 % gap with 6,167 slots, 13.52)
    out, _ = sample_run
    districts = pd.read_csv(out / "districts.csv", dtype={"district_id": str})
    expected = 1000.0 * districts["planned_slots"].sum() / districts["population"].sum()
    md = (out / "report.md").read_text(encoding="utf-8")
    row = next(line for line in md.splitlines() if line.startswith("| 全市千人托位 |"))
    overall = float(row.split("|")[2].replace(",", ""))
    assert overall == pytest.approx(expected, abs=0.005)
    assert districts["slots_per_1000"].min() <= overall <= districts["slots_per_1000"].max()
    people = next(line for line in md.splitlines() if line.startswith("| 人口 |"))
    assert float(people.split("|")[2].replace(",", "")) == pytest.approx(
        districts["population"].sum(), abs=1.0
    )
    assert overall == pytest.approx(13.50, abs=0.01)


def test_inputs_are_never_modified(sample_run: tuple[Path, dict[str, str]]) -> None:
    out, before = sample_run
    after = {p.name: sha(p) for p in SAMPLE.iterdir() if p.is_file()}
    assert after == before
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert run["inputs"]["areas"]["sha256"] == before["city.gpkg"]


# --- tiny cities, one rule at a time -------------------------------------------------


def write_tiny_city(
    folder: Path,
    *,
    areas: list[dict[str, object]],
    parcels: list[dict[str, object]],
    workplaces: list[dict[str, object]] | None = None,
    population: np.ndarray | None = None,
    extra: str = "",
) -> Path:
    """A 2 km × 2 km city in EPSG:4544 with a 100 m raster; returns the scenario path."""
    folder.mkdir(parents=True, exist_ok=True)
    pop = population if population is not None else np.full((20, 20), 50.0, dtype="float32")
    write_raster(folder / "pop.tif", pop, crs=CRS, x0=X0, y0=Y0)
    gpd.GeoDataFrame(areas, crs=CRS).to_file(folder / "city.gpkg", layer="areas")
    gpd.GeoDataFrame(parcels, crs=CRS).to_file(folder / "city.gpkg", layer="parcels")
    layers = ""
    if workplaces:
        gpd.GeoDataFrame(workplaces, crs=CRS).to_file(folder / "city.gpkg", layer="workplaces")
        layers = 'workplaces = { path = "city.gpkg", layer = "workplaces" }\n'
    scenario = folder / "scenario.toml"
    scenario.write_text(
        f"""name = "tiny"
crs = "{CRS}"
[inputs]
population = {{ path = "pop.tif" }}
areas = {{ path = "city.gpkg", layer = "areas" }}
parcels = {{ path = "city.gpkg", layer = "parcels" }}
{layers}
[policy]
demonstration_per_district = 0
[solver]
gap = 0.0
{extra}
""",
        encoding="utf-8",
    )
    return scenario


def cell_box(col0: int, row0: int, cols: int, rows: int):  # type: ignore[no-untyped-def]
    return box(X0 + 100 * col0, Y0 - 100 * (row0 + rows), X0 + 100 * (col0 + cols), Y0 - 100 * row0)


def parcel(site_id: str, x: float, y: float, *, cost: float, kind: str = "idle_land") -> dict:  # type: ignore[type-arg]
    return {
        "site_id": site_id,
        "kind": kind,
        "acquisition": "new_build",
        "cost": cost,
        "land_area_m2": 2000.0,
        "geometry": Point(X0 + x, Y0 - y).buffer(20),
    }


def test_new_area_is_served_only_in_or_beside_its_development(tmp_path: Path) -> None:
    # R1: A2 is new (1,000 dwellings → 2,360 people → 24 slots). P_far is cheap and 250 m
    # away (inside the 300 m urban radius) but not beside A2; the co-located site must serve.
    areas = [
        {"area_id": "A1", "name": "老城", "status": "old", "geometry": cell_box(0, 0, 4, 4)},
        {
            "area_id": "A2",
            "name": "新区",
            "status": "new",
            "dwellings": 1000,
            "geometry": cell_box(10, 0, 3, 3),
        },
    ]
    parcels = [
        parcel("P_old", 200, 200, cost=1.0),
        parcel("P_far", 1300 + 250, 150, cost=1.0),
    ]
    pop = np.zeros((20, 20))
    pop[0:4, 0:4] = 100.0  # 1,600 people in A1, none yet in A2
    scenario = write_tiny_city(tmp_path, areas=areas, parcels=parcels, population=pop)
    plan = run_plan(scenario)
    a = plan.areas.set_index(plan.areas.index.astype(str))
    # the raw requirement is served (demand.round_up is off): 1,600 × 8 / 1,000
    assert a.at["A1", "required_slots"] == pytest.approx(12.8)
    assert a.at["A1", "required_slots_rounded"] == 13  # it needs more than a whole class
    assert a.at["A2", "planned_population"] == pytest.approx(2360.0)
    assert a.at["A2", "required_slots"] == pytest.approx(23.6)
    served_a2 = plan.assignments[plan.assignments["area_id"] == "A2"]
    assert set(served_a2["site_id"]) == {"new:A2"}
    assert served_a2["slots"].sum() == pytest.approx(23.6)
    assert plan.facilities.at["new:A2", "acquisition"] == "new_build"
    out = write_plan(plan, tmp_path / "out")
    assert verify(out).ok


def test_rural_areas_have_their_own_ratio_and_longer_radius(tmp_path: Path) -> None:
    # R3: the rural area (ratio 4.5) reaches a site 700 m away (910 m with the 1.3 detour
    # factor, inside its 1,000 m radius); an old area does not (300 m).
    areas = [
        {"area_id": "R1", "name": "村", "status": "rural", "geometry": cell_box(0, 0, 2, 2)},
        {"area_id": "O1", "name": "城", "status": "old", "geometry": cell_box(0, 16, 2, 2)},
    ]
    parcels = [parcel("P_r", 100 + 700, 100, cost=1.0), parcel("P_o", 100 + 700, 1700, cost=1.0)]
    pop = np.zeros((20, 20))
    pop[0:2, 0:2] = 500.0  # 2,000 rural people → 9 slots
    pop[16:18, 0:2] = 500.0  # 2,000 old-area people → 16 slots
    scenario = write_tiny_city(tmp_path, areas=areas, parcels=parcels, population=pop)
    plan = run_plan(scenario)
    a = plan.areas.set_index(plan.areas.index.astype(str))
    assert a.at["R1", "required_slots"] == 9
    assert a.at["R1", "served_slots"] == pytest.approx(9.0)
    assert a.at["O1", "required_slots"] == 16
    assert a.at["O1", "shortfall_slots"] == pytest.approx(16.0)
    assert a.at["O1", "shortfall_reason"] == "no site within reach"
    assert plan.run["distance_method"] == "straight_line"
    assert verify(write_plan(plan, tmp_path / "out")).ok


def test_an_area_too_large_to_walk_across_is_named_with_its_size(tmp_path: Path) -> None:
    """Naples's municipal boundary given as its one residential area (119 km², 237 parcels
    inside it) planned 0 slots for 7,553 required, said only as "no site within walking
    distance": an area's walk is its people's mean walk, which no site brings within
    300 m of an area that wide. The finding names such areas with their size and the fix;
    a small area out of reach is not among them."""
    areas = [
        {"area_id": "CITY", "status": "old", "geometry": cell_box(0, 0, 12, 20)},
        {"area_id": "O1", "status": "old", "geometry": cell_box(16, 0, 2, 2)},
        {"area_id": "O2", "status": "old", "geometry": cell_box(16, 16, 2, 2)},
    ]
    # a parcel at CITY's very centre, and one in O1; none near O2
    parcels = [parcel("P1", 600, 1000, cost=1.0), parcel("P2", 1700, 100, cost=1.0)]
    plan = run_plan(write_tiny_city(tmp_path, areas=areas, parcels=parcels))
    a = plan.areas.set_index(plan.areas.index.astype(str))
    # 50 people a cell: CITY's 240 cells 12,000 people, 96 slots, none of them served
    assert a.at["CITY", "required_slots"] == pytest.approx(96.0)
    assert a.at["CITY", "shortfall_slots"] == pytest.approx(96.0)
    assert a.at["O2", "shortfall_reason"] == "no site within reach"
    (line,) = [f for f in plan.run["findings"] if "too large to walk" in f]
    assert line.startswith(
        "1 residential area that no site reaches is too large to walk across (CITY 2.4 "
        "km²): an area's walk to a site is its people's mean walk, which no site brings "
        "within the 300 m radius once the area is wider than about 3 radii; split them into "
        "neighbourhoods ("
    )
    assert line.endswith("or a grid of cells about 600 m wide)")


def test_old_and_rural_areas_too_large_to_walk_are_each_named_with_their_radius(
    tmp_path: Path,
) -> None:
    """With an old (300 m) and a rural (1,000 m) area too large, the finding said the
    largest one's radius alone ('within the 1,000 m radius') for both."""
    areas = [
        {"area_id": "CITY", "status": "old", "geometry": cell_box(0, 0, 12, 20)},
        {"area_id": "VIL", "status": "rural", "geometry": cell_box(20, 0, 30, 30)},
        {"area_id": "O1", "status": "old", "geometry": cell_box(14, 0, 2, 2)},
    ]
    parcels = [parcel("P2", 1500, 100, cost=1.0)]  # in O1, 2.6 km from VIL's centre
    population = np.full((30, 50), 50.0, dtype="float32")  # 5 km × 3 km
    plan = run_plan(write_tiny_city(tmp_path, areas=areas, parcels=parcels, population=population))
    (line,) = [f for f in plan.run["findings"] if "too large to walk" in f]
    # 9.0 km² against a 1,000 m radius's disc of 1.5 radii (7.07 km²); 2.4 km² against 300 m's
    assert line.startswith(
        "2 residential areas that no site reaches are too large to walk across "
        "(VIL 9.0 km², 1,000 m, CITY 2.4 km², 300 m): an area's walk to a site is its "
        "people's mean walk, which no site brings within its walking radius once"
    )
    # the grid for each radius, and the Chinese report both radii (it said 2,000 m and
    # '服务半径（1,000米）' alone, the largest area's, for the old area's 300 m too)
    assert line.endswith("or a grid of cells about 600 m or 2,000 m wide)")
    from siting.report._labels import labels
    from siting.report._said import said_lines

    zh, _ = said_lines(plan.run, "findings", labels("zh"), language="zh", districts={}, unit="元")
    (said,) = [s for s in zh if "步行无法穿越" in s]
    assert "服务半径（300、1,000米）" in said


def test_migrant_demand_is_counted_separately_and_met_near_work(tmp_path: Path) -> None:
    # R4: 20 % migrants on top of A1's 1,600 residents (→ 2.56 migrant slots), and a workplace
    # with 1,000 migrant workers (→ 8 slots) served by an employer site beside it.
    areas = [
        {
            "area_id": "A1",
            "name": "城",
            "status": "old",
            "migrant_share": 0.2,
            "geometry": cell_box(0, 0, 4, 4),
        }
    ]
    parcels = [
        parcel("P_home", 200, 200, cost=1.0),
        parcel("P_work", 1500, 1500, cost=1.0, kind="workplace"),
    ]
    workplaces = [
        {
            "workplace_id": "W1",
            "name": "工业园",
            "migrant_workers": 1000,
            "geometry": Point(X0 + 1600, Y0 - 1600),
        }
    ]
    pop = np.zeros((20, 20))
    pop[0:4, 0:4] = 100.0
    scenario = write_tiny_city(
        tmp_path, areas=areas, parcels=parcels, workplaces=workplaces, population=pop
    )
    plan = run_plan(scenario)
    a = plan.areas.set_index(plan.areas.index.astype(str))
    assert a.at["A1", "migrant_population"] == pytest.approx(320.0)
    assert a.at["A1", "migrant_demand"] == pytest.approx(2.56)  # 320 × 8 / 1000, not rounded
    assert a.at["A1", "required_slots"] == pytest.approx(12.8 + 2.56)
    migrant = plan.assignments[plan.assignments["kind"] == "migrant"]
    by_demand = migrant.groupby("demand_id")["slots"].sum()
    assert by_demand["A1/migrant"] == pytest.approx(2.56)
    assert by_demand["W1/migrant"] == pytest.approx(8.0)
    assert set(migrant.loc[migrant["demand_id"] == "W1/migrant", "site_id"]) == {"P_work"}
    assert plan.run["totals"]["migrant_slots"] == pytest.approx(10.56)
    assert verify(write_plan(plan, tmp_path / "out")).ok


def test_failed_run_leaves_no_output_and_keeps_the_old_one(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "run.json").write_text('{"siting_plan": 1}', encoding="utf-8")  # an earlier plan
    bad = tmp_path / "bad"
    scenario = write_tiny_city(
        bad,
        areas=[{"area_id": "A1", "name": "x", "status": "old", "geometry": cell_box(0, 0, 2, 2)}],
        parcels=[parcel("P1", 100, 100, cost=1.0)],
    )
    (bad / "pop.tif").unlink()
    code = main(["-q", "plan", str(scenario), "--out", str(out)])
    assert code == 2
    assert (out / "run.json").read_text(encoding="utf-8") == '{"siting_plan": 1}'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad", "out"]


def test_cli_reports_bad_input_in_a_sentence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "city"
    shutil.copytree(SAMPLE, folder)
    text = (folder / "scenario.toml").read_text(encoding="utf-8")
    (folder / "scenario.toml").write_text(text.replace('"areas" }', '"areaz" }'), "utf-8")
    assert main(["validate", str(folder / "scenario.toml")]) == 2
    printed = capsys.readouterr().out
    assert "areaz" in printed
    assert "Traceback" not in printed
    with pytest.raises(InputError):
        run_plan(folder / "scenario.toml")
    assert main(["-q", "plan", str(folder / "scenario.toml"), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    assert "Traceback" not in err
    assert not (tmp_path / "o").exists()


def test_prepared_city_is_solved_again_for_budgets(tmp_path: Path) -> None:
    # Three old areas, each with its own site 100 m away, each needing 16 slots; the
    # cheapest facility that holds them, small-1 (18 slots), costs 1 M CNY plus
    # 4,000 CNY/m² × 162 m² = 1.648 M. A budget for two leaves one area short.
    areas = [
        {"area_id": f"A{k}", "name": "城", "status": "old", "geometry": cell_box(6 * k, 0, 2, 2)}
        for k in range(3)
    ]
    parcels = [parcel(f"P{k}", 600 * k + 100, 300, cost=1_000_000.0) for k in range(3)]
    pop = np.zeros((20, 20))
    for k in range(3):
        pop[0:2, 6 * k : 6 * k + 2] = 500.0  # 2,000 people → 16 slots each
    scenario_path = write_tiny_city(tmp_path, areas=areas, parcels=parcels, population=pop)
    from dataclasses import replace

    from siting.errors import ScenarioError
    from siting.pipeline import prepare, solve_prepared
    from siting.scenario import load_scenario

    base = load_scenario(scenario_path)
    prepared = prepare(base)
    shortfalls = []
    for budget in (None, 2 * 1_648_000.0, 1_648_000.0, 0.0):
        s = replace(base, policy=replace(base.policy, budget=budget))
        plan = solve_prepared(prepared, scenario=s)
        shortfalls.append(plan.run["totals"]["shortfall_slots"])
        reasons = set(plan.areas["shortfall_reason"]) - {""}
        assert reasons == (set() if budget is None else {"budget"})
        assert verify(write_plan(plan, tmp_path / f"out-{budget}")).ok
        if budget is not None:
            assert plan.run["totals"]["cost"] <= budget + 1e-6
    assert shortfalls == pytest.approx([0.0, 16.0, 32.0, 48.0])
    with pytest.raises(ScenarioError, match="cannot change ratios"):
        solve_prepared(prepared, scenario=replace(base, ratios=replace(base.ratios, old=9.0)))


@pytest.mark.parametrize(
    ("tamper", "expected"),
    [
        ("capacity", "slots more than it has"),
        ("distance", "beyond its 300 m radius"),
        ("balance", "required − served − shortfall"),
        ("demonstration", "and the run does not report it"),
        ("demonstration, a finding naming the district", "and the run does not report it"),
        ("district row", "districts.csv has no row for district 510811"),
        ("geopackage", "is 1 in layer facilities"),
        ("budget", "exceeds the budget"),
        ("colocation", "neither inside nor beside it (R1)"),
    ],
)
def test_verify_catches_a_tampered_plan(
    sample_run: tuple[Path, dict[str, str]], tmp_path: Path, tamper: str, expected: str
) -> None:
    out = tmp_path / "plan"
    shutil.copytree(sample_run[0], out)
    assignments = pd.read_csv(out / "assignments.csv", dtype={"area_id": str, "site_id": str})
    facilities = json.loads((out / "facilities.geojson").read_text(encoding="utf-8"))
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    areas = gpd.read_file(out / "areas.geojson")
    status = dict(zip(areas["area_id"], areas["status"], strict=True))
    old = assignments[assignments["area_id"].map(status) == "old"].index[0]
    if tamper == "capacity":
        assignments.loc[old, "slots"] += 500
    elif tamper == "distance":
        assignments.loc[old, "distance_m"] = 450.0
    elif tamper == "balance":
        raw = json.loads((out / "areas.geojson").read_text(encoding="utf-8"))
        raw["features"][0]["properties"]["shortfall_slots"] += 7
        (out / "areas.geojson").write_text(json.dumps(raw, ensure_ascii=False), "utf-8")
    elif tamper.startswith("demonstration"):
        if tamper != "demonstration":  # a finding that names every district, of another kind
            ids = ", ".join(pd.read_csv(out / "districts.csv", dtype=str)["district_id"])
            run["findings"].append(f"population: the raster covers districts {ids} in part")
            run["finding_records"].append({"code": "districts_beyond_raster"})
        for f in facilities["features"]:
            f["properties"]["demonstration"] = False
        districts = pd.read_csv(out / "districts.csv")
        districts["demonstration_count"] = 0
        districts.to_csv(out / "districts.csv", index=False)
    elif tamper == "district row":  # a county deleted from the table: its R5 goes unchecked
        districts = pd.read_csv(out / "districts.csv", dtype={"district_id": str})
        districts[districts["district_id"] != "510811"].to_csv(out / "districts.csv", index=False)
    elif tamper == "geopackage":  # edited in QGIS: the GeoJSON layers are as written
        layer = gpd.read_file(out / "plan.gpkg", layer="facilities")
        first = layer["site_id"].iloc[0]
        layer.loc[layer["site_id"] == first, "slots"] = 1.0
        layer = pd.concat([layer, layer.iloc[[0]]], ignore_index=True)
        layer.to_file(out / "plan.gpkg", layer="facilities", driver="GPKG")
        assert "more than once" in " ".join(verify(out).problems)
    elif tamper == "budget":
        run["scenario"]["policy"]["budget"] = 1_000.0
    elif tamper == "colocation":
        new = assignments[assignments["area_id"].map(status) == "new"].index[0]
        far = next(
            f["properties"]["site_id"]
            for f in facilities["features"]
            if f["properties"]["existing"]
        )
        assignments.loc[new, "site_id"] = far
    assignments.to_csv(out / "assignments.csv", index=False)
    (out / "facilities.geojson").write_text(json.dumps(facilities, ensure_ascii=False), "utf-8")
    (out / "run.json").write_text(json.dumps(run, ensure_ascii=False), "utf-8")
    report = verify(out)
    assert not report.ok
    assert any(expected in p for p in report.problems), report.problems
    assert main(["verify", str(out)]) == 1


def test_cli_map_compare_and_help(
    sample_run: tuple[Path, dict[str, str]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "plan"
    shutil.copytree(sample_run[0], out)
    (out / "map.html").unlink()
    assert main(["map", str(out), "--language", "en", "--basemap", "gaode"]) == 0
    html = (out / "map.html").read_text(encoding="utf-8")
    assert "Planned facilities" in html or "planned facilities" in html.lower()
    assert "autonavi" in html.lower()
    assert main(["compare", str(sample_run[0]), str(out)]) == 0
    printed = capsys.readouterr().out
    assert "510802" in printed
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    assert "verify" in capsys.readouterr().out


def test_capacity_shortfall_is_reported_as_capacity(tmp_path: Path) -> None:
    # 10,000 people need 80 slots, but the one parcel in reach only fits a small (45-slot)
    # facility: 270 m² of land is enough for 45 slots (405/3 + 135) and not for 80.
    areas = [{"area_id": "A1", "name": "城", "status": "old", "geometry": cell_box(0, 0, 2, 2)}]
    site = parcel("P1", 100, 100, cost=1.0)
    site["land_area_m2"] = 300.0
    pop = np.zeros((20, 20))
    pop[0:2, 0:2] = 2500.0
    plan = run_plan(write_tiny_city(tmp_path, areas=areas, parcels=[site], population=pop))
    a = plan.areas.set_index(plan.areas.index.astype(str))
    assert a.at["A1", "required_slots"] == 80
    assert a.at["A1", "served_slots"] == pytest.approx(45.0)
    assert a.at["A1", "shortfall_slots"] == pytest.approx(35.0)
    assert a.at["A1", "shortfall_reason"] == "capacity"
    assert plan.facilities.at["P1", "option"] == "small"
    assert verify(write_plan(plan, tmp_path / "out")).ok


def test_an_area_served_exactly_from_two_sites_is_short_nothing(tmp_path: Path) -> None:
    # Three one-cell areas in a row, 8 slots per 1,000: A1 (1,600.075 people, 12.8006
    # slots) reaches only P1 (18 slots, small-1), A3 (1,600 people, 12.8) only P2; A2
    # (1,000.1 people, 8.0008 slots) reaches both and is nearer P1 (195 m on foot against
    # 260 m), so it takes P1's last 18 − 12.8006 = 5.1994 slots and 2.8014 from P2. Written
    # to 0.001 the two pieces are 5.199 + 2.801 = 8.000: served and shortfall come from the
    # slots as solved, so A2 is short 0, not 0.001.
    areas = [
        {"area_id": a, "name": a, "status": "old", "geometry": cell_box(col, 0, 1, 1)}
        for a, col in (("A1", 0), ("A2", 3), ("A3", 7))
    ]
    parcels = [parcel("P1", 200, 50, cost=1.0), parcel("P2", 550, 50, cost=1.0)]
    pop = np.zeros((20, 20), dtype="float32")
    pop[0, 0], pop[0, 3], pop[0, 7] = 1600.075, 1000.1, 1600.0
    required = {a: float(pop[0, c]) * 8 / 1000 for a, c in (("1", 0), ("2", 3), ("3", 7))}
    plan = run_plan(write_tiny_city(tmp_path, areas=areas, parcels=parcels, population=pop))
    a = plan.areas.set_index(plan.areas.index.astype(str))
    assert a.at["A2", "required_slots"] == pytest.approx(required["2"], abs=1e-9)
    pieces = plan.assignments[plan.assignments["area_id"] == "A2"].set_index("site_id")["slots"]
    assert pieces["P1"] == pytest.approx(18 - required["1"], abs=1e-6)  # 5.19940
    assert pieces["P2"] == pytest.approx(required["2"] - (18 - required["1"]), abs=1e-6)
    assert list(a["shortfall_slots"]) == [0.0, 0.0, 0.0]
    assert a.at["A2", "served_slots"] == pytest.approx(required["2"], abs=1e-9)
    totals = plan.run["totals"]
    assert totals["shortfall_slots"] == 0.0
    assert abs(totals["shortfall_slots"] - plan.run["objective"]["shortfall"]) < 1e-6
    assert totals["served_slots"] == pytest.approx(sum(required.values()), abs=1e-6)
    out = write_plan(plan, tmp_path / "out")
    written = gpd.read_file(out / "areas.geojson").set_index("area_id")
    assert list(written["shortfall_slots"]) == [0.0, 0.0, 0.0]
    assert written.at["A2", "served_slots"] == 8.001  # 8.0008 to 0.001
    rows = pd.read_csv(out / "assignments.csv").query("area_id == 'A2'")
    assert sorted(rows["slots"]) == [2.801, 5.199]  # each piece to 0.001, summing to 8.000
    assert "所有居住区均已满足需求" in (out / "report.md").read_text(encoding="utf-8")
    assert verify(out).ok


def test_a_site_too_small_for_any_size_is_not_called_capacity(tmp_path: Path) -> None:
    # A1's only parcel in reach is an OSM-like point (0 m² of land): no size fits it, so
    # the shortfall is not the plan's capacity; A2's parcel fits the small size only.
    areas = [
        {"area_id": "A1", "name": "城", "status": "old", "geometry": cell_box(0, 0, 2, 2)},
        {"area_id": "A2", "name": "城", "status": "old", "geometry": cell_box(10, 0, 2, 2)},
    ]
    tiny = parcel("P1", 100, 100, cost=1.0)
    tiny["land_area_m2"] = 0.0
    tiny["geometry"] = Point(X0 + 100, Y0 - 100)  # a point: a polygon given 0 m² is refused
    small = parcel("P2", 1100, 100, cost=1.0)
    small["land_area_m2"] = 300.0
    pop = np.zeros((20, 20))
    pop[0:2, 0:2] = 2500.0
    pop[0:2, 10:12] = 2500.0
    plan = run_plan(write_tiny_city(tmp_path, areas=areas, parcels=[tiny, small], population=pop))
    a = plan.areas.set_index(plan.areas.index.astype(str))
    assert a.at["A1", "shortfall_slots"] == pytest.approx(80.0)
    assert a.at["A1", "shortfall_reason"] == "no site within reach fits a facility"
    assert a.at["A2", "shortfall_slots"] == pytest.approx(35.0)
    assert a.at["A2", "shortfall_reason"] == "capacity"


# --- land without a price, names left out, another currency --------------------------

LEASE_M2 = sum(150.0 / 1.08**t for t in range(10))
"""The default lease: 150 a year for 10 years, paid in advance, discounted at 8 % (1,087.03)."""


def test_sample_city_without_costs_or_names_plans_at_the_land_price(tmp_path: Path) -> None:
    # The sample's parcels without their cost column, and its areas, districts and
    # subdistricts without names: every facility on a parcel is priced by its land.
    gpkg = tmp_path / "city.gpkg"
    parcels = gpd.read_file(SAMPLE / "city.gpkg", layer="parcels")
    parcels.drop(columns="cost").to_file(gpkg, layer="parcels")
    for layer in ("areas", "districts", "subdistricts"):
        frame = gpd.read_file(SAMPLE / "city.gpkg", layer=layer)
        frame.drop(columns=["name", "name_en"]).to_file(gpkg, layer=layer)
    sample = (SAMPLE / "city.gpkg").as_posix()
    scenario = tmp_path / "scenario.toml"
    scenario.write_text(
        f"""name = "no prices"
crs = "EPSG:4544"
[inputs]
population = {{ path = "{(SAMPLE / "population.tif").as_posix()}" }}
areas = {{ path = "city.gpkg", layer = "areas" }}
parcels = {{ path = "city.gpkg", layer = "parcels" }}
districts = {{ path = "city.gpkg", layer = "districts" }}
subdistricts = {{ path = "city.gpkg", layer = "subdistricts" }}
facilities = {{ path = "{sample}", layer = "facilities" }}
workplaces = {{ path = "{sample}", layer = "workplaces" }}
hazards = {{ path = "{sample}", layer = "hazards" }}
[solver]
time_limit_s = 60.0
gap = 0.005
""",
        encoding="utf-8",
    )
    plan = run_plan(scenario)
    facilities = plan.facilities
    on_parcels = facilities[facilities["kind"].isin(set(parcels["kind"])) & ~facilities["existing"]]
    on_parcels = on_parcels[on_parcels["colocated_area_id"].isna()]
    assert len(on_parcels) > 10
    assert set(on_parcels["cost_basis"]) == {"land price"}
    # recompute each cost from the parcel, the option and the default prices
    site = parcels.set_index("site_id")
    price = {"new_build": 3000.0, "purchase": 3000.0, "swap": 3000.0, "reuse": 0.0}
    price["lease"] = LEASE_M2
    for site_id, f in on_parcels.iterrows():
        floor = f["floor_area_m2"]  # the option's floor, F
        outdoor = 3.0 * f["slots"]  # O = 3 m² a child
        in_building = site.at[site_id, "floor_area_m2"] > 0
        land_m2 = outdoor if in_building else floor / 3 + outdoor
        expected = (
            land_m2 * price[f["acquisition"]]
            + (1500.0 if in_building else 4000.0) * floor
            + (500_000.0 if f["demonstration"] else 0.0)
        )
        assert f["cost"] == round(expected), site_id  # in whole yuan
    bases = plan.run["totals"]["facilities_by_cost_basis"]
    assert bases["land price"] == len(on_parcels)
    assert "parcel cost" not in bases
    assert plan.run["totals"]["cost"] == pytest.approx(facilities["cost"].sum())
    # names left out are the ids
    assert (plan.areas["name"] == plan.areas.index).all()
    assert set(plan.districts["name"]) == {"510802", "510811", "510812"}
    out = write_plan(plan, tmp_path / "out")
    assert verify(out).ok
    written = gpd.read_file(out / "facilities.geojson")
    assert set(written["cost_basis"]) <= {"land price", "co-located", "existing facility"}
    assert "按地价估算" in (out / "report.md").read_text(encoding="utf-8")


def test_leased_land_is_cheaper_and_the_plan_says_what_it_paid_for(tmp_path: Path) -> None:
    # 1,600 people in an old area need 13 slots; two parcels without a cost lie 100 m
    # away. small-1 (18 slots: F = 162 m², O = 54 m², footprint 162/3 + 54 = 108 m²):
    # on idle land 108 × 3,000 + 162 × 4,000 = 972,000; on leased land
    # 108 × 1,087.03 + 648,000 = 765,399.6, so the lease is chosen.
    areas = [{"area_id": "A1", "status": "old", "geometry": cell_box(0, 0, 4, 4)}]  # no name
    idle = parcel("P_idle", 300, 200, cost=0.0)
    leased = parcel("P_lease", 200, 300, cost=0.0)
    leased["acquisition"] = "lease"
    for p in (idle, leased):
        del p["cost"]
    pop = np.zeros((20, 20))
    pop[0:4, 0:4] = 100.0
    scenario = write_tiny_city(tmp_path, areas=areas, parcels=[idle, leased], population=pop)
    plan = run_plan(scenario)
    assert list(plan.facilities.index) == ["P_lease"]
    chosen = plan.facilities.loc["P_lease"]
    assert chosen["option"] == "small-1"
    # 108 × 416.9865 + 162 × 4,000 = 765,399.6, in whole yuan
    assert chosen["cost"] == round(108 * LEASE_M2 + 162 * 4000) == 765_400
    assert chosen["cost_basis"] == "land price"
    assert plan.areas.at["A1", "name"] == "A1"
    assert plan.run["totals"]["facilities_by_cost_basis"] == {"land price": 1}


def test_a_plan_in_euros_never_prints_yuan(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    areas = [{"area_id": "A1", "name": "城", "status": "old", "geometry": cell_box(0, 0, 4, 4)}]
    pop = np.zeros((20, 20))
    pop[0:4, 0:4] = 100.0
    scenario = write_tiny_city(
        tmp_path, areas=areas, parcels=[parcel("P1", 200, 200, cost=1e6)], population=pop
    )
    scenario.write_text('currency = "EUR"\n' + scenario.read_text("utf-8"), "utf-8")
    for language in ("zh", "en"):
        out = tmp_path / f"out-{language}"
        assert main(["-q", "plan", str(scenario), "--out", str(out), "--language", language]) == 0
        printed = capsys.readouterr().out
        assert "cost 1,648,000 EUR" in printed
        # building at siting's default CNY price per m², labelled EUR: the finding says so
        # (and names CNY, the currency those prices are in)
        (said,) = [line for line in printed.splitlines() if "labelled EUR" in line]
        assert said.startswith("note: costs: the currency is EUR, but the prices are siting's")
        printed = printed.replace(said, "")
        for name in ("report.md", "report.html", "map.html"):
            text = (out / name).read_text(encoding="utf-8")
            assert "EUR" in text, (language, name)
            text = re.sub(r"costs: the currency is EUR, but the prices[^\n<]*", "", text)
            # 广元 (Guangyuan) is a place, not a currency: the CRS note names it
            text = text.replace("广元", "").replace("\\u5e7f\\u5143", "")
            for yuan in ("CNY", "元", "\\u5143"):
                assert yuan not in text, (language, name, yuan)
        assert "CNY" not in printed
    md = (tmp_path / "out-en" / "report.md").read_text(encoding="utf-8")
    assert "Total cost (EUR)" in md
    assert "| the parcel's cost | 1 | 1,648,000 |" in md
    assert "总费用（EUR）" in (tmp_path / "out-zh" / "report.md").read_text(encoding="utf-8")


def test_validate_and_plan_reject_bad_prices_alike(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    areas = [{"area_id": "A1", "name": "城", "status": "old", "geometry": cell_box(0, 0, 4, 4)}]
    priced = parcel("P1", 200, 200, cost=1.0)
    talk = parcel("P2", 300, 200, cost=1.0)
    priced["cost"], talk["cost"] = "120000", "面议"
    scenario = write_tiny_city(tmp_path / "text", areas=areas, parcels=[priced, talk])
    assert main(["validate", str(scenario)]) == 2
    printed = capsys.readouterr().out
    assert "layer 'parcels', column 'cost'" in printed
    assert "(found: '面议') (ids: P2)" in printed
    assert "leave it empty to price the parcel's land at [costs] land_per_m2" in printed
    assert main(["-q", "plan", str(scenario), "--out", str(tmp_path / "o")]) == 2
    assert "column 'cost'" in capsys.readouterr().err

    bad_key = write_tiny_city(
        tmp_path / "key",
        areas=areas,
        parcels=[parcel("P1", 200, 200, cost=1.0)],
        extra="[costs]\nland_per_m2 = { purchase = -1, rent = 2 }\n",
    )
    for argv in (["validate", str(bad_key)], ["-q", "plan", str(bad_key), "--out", "o"]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert "'costs.land_per_m2.purchase' must be zero or more" in err
        assert "'costs.land_per_m2.rent' is not an acquisition mode" in err


def test_cli_summary_states_where_the_people_went() -> None:
    from siting.cli import _accounting_line

    line = _accounting_line(
        "population",
        {"method": "dasymetric", "total": 1000.0, "held": 720.0, "residual": 280.0},
    )
    assert line == (
        "population: 1,000 in the study area (dasymetric); residential areas hold 720 (72.0%), "
        "residual 280 (28.0%)"
    )
    moved = _accounting_line(
        "migrant_population",
        {
            "method": "area_weighted",
            "total": 200.0,
            "held": 150.0,
            "residual": 60.0,
            "overlap": 10.0,
            "moved_to_nearest": 5.0,
        },
    )
    assert moved.startswith("migrant population: 200 in the study area (area_weighted)")
    assert moved.endswith("; 5 moved to the nearest area; 10 counted twice by overlapping areas")


def test_residual_near_an_area_moves_to_it(tmp_path: Path) -> None:
    # 50 people in each of the 20 × 20 cells; A1 and A2 hold 2 × 2 cells in opposite corners, so
    # the study area (the box around the areas) is the whole raster: 20,000 people, 400 held.
    # Within 120 m of each area lie the centres of 5 more cells (2 + 2 sides and the corner at
    # 70.7 m; the next ring is at 150 m): 250 people move to each.
    areas = [
        {"area_id": "A1", "name": "甲", "status": "old", "geometry": cell_box(0, 0, 2, 2)},
        {"area_id": "A2", "name": "乙", "status": "old", "geometry": cell_box(18, 18, 2, 2)},
    ]
    parcels = [parcel("P1", 100, 100, cost=1.0), parcel("P2", 1900, 1900, cost=1.0)]
    kept = run_plan(write_tiny_city(tmp_path / "kept", areas=areas, parcels=parcels))
    acc = kept.run["population_accounting"]["population"]
    assert (acc["total"], acc["held"], acc["residual"]) == pytest.approx((20_000, 400, 19_600))
    # 2 % held: the run says so, naming the option that would help
    low = [f for f in kept.run["findings"] if "hold only 2% of the population raster" in f]
    assert len(low) == 1 and "residual_to_nearest_m" in low[0]
    moved = run_plan(
        write_tiny_city(
            tmp_path / "moved",
            areas=areas,
            parcels=parcels,
            extra="[demand]\nresidual_to_nearest_m = 120.0",
        )
    )
    acc = moved.run["population_accounting"]["population"]
    assert acc["moved_to_nearest"] == pytest.approx(500.0)
    assert (acc["total"], acc["held"], acc["residual"]) == pytest.approx((20_000, 900, 19_100))
    a = moved.areas.set_index(moved.areas.index.astype(str))
    assert a.loc[["A1", "A2"], "population"].tolist() == pytest.approx([450.0, 450.0])
    residual = moved.residual
    assert residual is not None
    assert residual["residual_people"].sum() == pytest.approx(19_100.0)


def test_children_raster_bands_are_added_and_reported(tmp_path: Path) -> None:
    # a two-band children raster (ages 0–1: 4 per cell, 1–4: 6 per cell), 10 children per cell;
    # A1 holds 4 cells → 40 children aged 0–4, 3/5 of them under three → 24; × 30 % take-up
    areas = [{"area_id": "A1", "name": "甲", "status": "old", "geometry": cell_box(0, 0, 2, 2)}]
    parcels = [parcel("P1", 100, 100, cost=1.0)]
    folder = tmp_path / "city"
    scenario = write_tiny_city(
        folder,
        areas=areas,
        parcels=parcels,
        extra='[inputs.children]\npath = "children.tif"\nbands = [1, 2]\n'
        "[demand]\nchildren_under3_share = 0.6",
    )
    with rasterio.open(
        folder / "children.tif",
        "w",
        driver="GTiff",
        width=20,
        height=20,
        count=2,
        dtype="float32",
        crs=CRS,
        transform=Affine(100, 0, X0, 0, -100, Y0),
    ) as dst:
        dst.write(np.stack([np.full((20, 20), 4.0), np.full((20, 20), 6.0)]).astype("float32"))
    plan = run_plan(scenario)
    a = plan.areas.set_index(plan.areas.index.astype(str))
    assert a.at["A1", "children_under3"] == pytest.approx(24.0)
    assert a.at["A1", "children_estimate_slots"] == pytest.approx(7.2)
    assert plan.run["totals"]["children_estimate_slots"] == pytest.approx(7.2)
    children = plan.run["population_accounting"]["children"]
    assert children["held"] == pytest.approx(40.0)
    out = write_plan(plan, tmp_path / "out", language="en")
    assert "Demand estimated from the children raster | 7.2" in (out / "report.md").read_text()


def test_a_site_at_the_point_it_serves_has_no_service_line() -> None:
    """A new area's own site stands at the area's population point: a line of two equal
    points would be invalid in the GeoPackage, so that assignment has none; the others
    run from the facility to the area's largest point."""
    from types import SimpleNamespace
    from typing import cast

    from siting.inputs import Inputs
    from siting.summary import service_lines

    crs = "EPSG:4544"
    facilities = gpd.GeoDataFrame(
        geometry=[Point(0, 0), Point(500, 0)],
        index=pd.Index(["new:A1", "P1"], name="site_id"),
        crs=crs,
    )
    points = gpd.GeoDataFrame(
        {"area_id": ["A1", "A2", "A2"], "share": [1.0, 0.3, 0.7]},
        geometry=[Point(0, 0), Point(500, 90), Point(500, 300)],
        crs=crs,
    )
    assignments = pd.DataFrame(
        {
            "site_id": ["new:A1", "P1", "P1"],
            "area_id": ["A1", "A2", "A1"],
            "demand_id": ["A1", "A2", "A1"],
            "kind": ["resident"] * 3,
            "slots": [10.0, 8.0, 2.0],
            "distance_m": [0.0, 300.0, 500.0],
            "workplace_id": [None] * 3,
        }
    )
    inputs = cast(Inputs, SimpleNamespace(workplaces=None, crs=crs))
    lines = service_lines(assignments, facilities, points, inputs)
    assert lines[["site_id", "area_id"]].values.tolist() == [["P1", "A2"], ["P1", "A1"]]
    assert lines.is_valid.all()
    assert lines.length.tolist() == pytest.approx([300.0, 500.0])


def test_a_district_outside_the_study_area_needs_no_demonstration_facility(
    tmp_path: Path,
) -> None:
    """The prefecture's county layer given for a city's plan: a fourth county east of
    the sample city holds no area and no parcel. No demonstration facility is planned or
    reported missing there; a finding names it, and the plan verifies."""
    city = tmp_path / "city"
    shutil.copytree(SAMPLE, city)
    districts = gpd.read_file(city / "city.gpkg", layer="districts")
    east = districts.iloc[[0]].copy()
    east["district_id"], east["name"] = "510821", "旺苍县"
    east.geometry = [box(105.91, 32.38, 106.05, 32.49)]
    pd.concat([districts, east]).to_file(city / "city.gpkg", layer="districts", driver="GPKG")
    plan = run_plan(city / "scenario.toml")
    findings = plan.run["findings"]
    assert (
        "1 district(s) of the districts layer hold no residential area and no site (510821): "
        "outside the study area, so no demonstration facility is planned there"
    ) in findings
    assert not any("510821" in u for u in plan.run.get("unmet_demonstration", []))
    assert plan.facilities["demonstration"].sum() == 3  # one in each of the sample's three
    assert verify(write_plan(plan, tmp_path / "out")).ok


def _edit_facilities(out: Path, edit: Any) -> None:
    path = out / "facilities.geojson"
    data = json.loads(path.read_text(encoding="utf-8"))
    edit(data["features"])
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def _duplicate_a_facility(features: list[dict[str, Any]]) -> None:
    features.append(json.loads(json.dumps(features[0])))


def _delete_a_colocated_facility(features: list[dict[str, Any]]) -> None:
    gone = next(f for f in features if str(f["properties"]["site_id"]).startswith("new:"))
    features.remove(gone)


def _slots_as_words(features: list[dict[str, Any]]) -> None:
    features[0]["properties"]["slots"] = "45个"
    features[1]["properties"]["slots"] = None


def _demonstration_as_text(features: list[dict[str, Any]]) -> None:
    for f in features:
        f["properties"]["demonstration"] = "true" if f["properties"]["demonstration"] else "false"


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (_duplicate_a_facility, "facilities.geojson lists site_id ["),
        (_delete_a_colocated_facility, "assignments use sites that are not in the plan: ['new:"),
        (_slots_as_words, "facilities.geojson: slots is blank or not a number for ["),
        (_demonstration_as_text, None),
    ],
)
def test_verify_reports_hand_edits_instead_of_crashing(
    sample_run: tuple[Path, dict[str, str]], tmp_path: Path, edit: Any, expected: str | None
) -> None:
    """Edits a planner makes in QGIS or Excel are violations (or, for true/false written as
    words, no violation at all), never a traceback; a GBK districts.csv is read."""
    out = tmp_path / "plan"
    shutil.copytree(sample_run[0], out)
    _edit_facilities(out, edit)
    table = pd.read_csv(out / "districts.csv", dtype=str)
    table.to_csv(out / "districts.csv", index=False, encoding="gbk")  # Chinese Excel's save
    report = verify(out)
    gbk = "districts.csv is not UTF-8 as siting wrote it (saved again by Excel?); read as GBK"
    if expected is None:
        assert list(report.problems) == [gbk]
    else:
        assert any(p.startswith(expected) for p in report.problems), report.problems
    assert main(["verify", str(out)]) == 1


def test_verify_of_a_plan_missing_a_file_is_one_sentence(
    sample_run: tuple[Path, dict[str, str]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "plan"
    shutil.copytree(sample_run[0], out)
    (out / "assignments.csv").unlink()
    assert main(["verify", str(out)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error: cannot check {out}: FileNotFoundError") and "Fix:" in err
    assert "Traceback" not in err and "\n" not in err


@pytest.mark.parametrize(
    ("name", "damage"),
    [
        ("facilities.geojson", "delete"),
        ("areas.geojson", "cut"),
        ("areas.geojson", "empty"),
        ("run.json", "cut"),
    ],
)
def test_verify_of_a_damaged_layer_or_record_is_one_sentence(
    sample_run: tuple[Path, dict[str, str]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    damage: str,
) -> None:
    out = tmp_path / "plan"
    shutil.copytree(sample_run[0], out)
    path = out / name
    if damage == "delete":
        path.unlink()
    else:
        text = path.read_text(encoding="utf-8")
        path.write_text(text[: len(text) // 2] if damage == "cut" else "", encoding="utf-8")
    with pytest.raises(PlanFileError, match=re.escape(name)):
        verify(out)
    assert main(["verify", str(out)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error: cannot check {out}: {path}") and "Fix:" in err, err
    assert "Traceback" not in err and "\n" not in err


def test_verify_of_a_folder_that_is_not_a_plan_says_so(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="does not exist: verify checks a folder"):
        verify(tmp_path / "nowhere")
    (tmp_path / "other").mkdir()
    with pytest.raises(OutputError, match=r"has no run\.json"):
        verify(tmp_path / "other")
    assert main(["verify", str(tmp_path / "other")]) == 2


def test_a_plan_shows_a_short_summary_in_a_notebook(
    sample_run: tuple[Path, dict[str, str]],
) -> None:
    """``plan`` in a notebook cell printed 35,410 characters of frames."""
    out, _ = sample_run
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    facilities = gpd.read_file(out / "facilities.geojson")
    areas = gpd.read_file(out / "areas.geojson")
    plan = Plan(
        facilities=facilities,
        areas=areas,
        assignments=pd.read_csv(out / "assignments.csv"),
        districts=pd.read_csv(out / "districts.csv"),
        candidates=gpd.GeoDataFrame(geometry=[]),
        run=run,
    )
    text = repr(plan)
    assert len(text) < 400, text
    assert text.startswith(f"Plan(status={run['message']}, facilities={len(facilities)}, ")
    assert f"cost={run['totals']['cost']:,.0f}" in text
    page = plan._repr_html_()
    assert page.startswith("<table><caption>siting Plan</caption>")
    assert f"<td style='text-align:left'>{len(areas)}</td>" in page


def test_written_numbers_carry_no_float_noise(sample_run: tuple[Path, dict[str, str]]) -> None:
    """districts.csv said 44438.799999999996 people; areas.geojson -0.0 people and 4e-15
    slots, which QGIS shows as negative or as a need."""
    out, _ = sample_run
    text = (out / "districts.csv").read_text(encoding="utf-8")
    digits = [len(re.sub(r"\D", "", n).lstrip("0")) for n in re.findall(r"-?\d+\.\d+", text)]
    assert max(digits) <= 12
    raw = json.loads((out / "areas.geojson").read_text(encoding="utf-8"))
    numbers = [v for f in raw["features"] for v in f["properties"].values() if isinstance(v, float)]
    assert not [v for v in numbers if 0 < abs(v) < 1e-9 or (v == 0 and math.copysign(1, v) < 0)]


def test_layers_edited_in_memory_are_checked_before_planning() -> None:
    """An analyst swaps an edited layer into the inputs. areas.reset_index() planned 1,454
    served slots instead of 3,632 with no error; a status typo reached HiGHS as "a bug in
    siting's model building"; integer ids a NumPy type error deep inside."""
    import dataclasses

    from siting.pipeline import prepare_loaded, read_inputs

    scenario, inputs = read_inputs(SAMPLE / "scenario.toml")
    areas = inputs.areas
    typo = areas.copy()
    typo.iloc[0, typo.columns.get_loc("status")] = "Neu"  # "New" is read as new
    numbered = areas.set_axis(pd.RangeIndex(len(areas), name="area_id"))
    edits = {
        "the layer is indexed by position, not by area_id": areas.reset_index(),
        "area_id are not all text": numbered,
        "the layer is in EPSG:4326, not in the working CRS": areas.to_crs(4326),
        "1 feature has a status siting does not know (Neu)": typo,
    }
    for said, edited in edits.items():
        with pytest.raises(InputError, match=re.escape(said)) as caught:
            prepare_loaded(dataclasses.replace(inputs, areas=edited), scenario=scenario)
        assert "layer 'areas'" in str(caught.value)


def test_district_rows_add_up_to_the_plan_with_the_workplaces_demand(
    sample_run: tuple[Path, dict[str, str]],
) -> None:
    """Migrant demand at workplaces counts in the workplace's district: it was in the run's
    totals and in no row (the sample's rows summed to 3,776 required against 3,860)."""
    out, _ = sample_run
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    scenario = load_scenario(SAMPLE / "scenario.toml")
    districts = pd.read_csv(out / "districts.csv", dtype={"district_id": str})
    districts = districts.set_index("district_id")
    areas = gpd.read_file(out / "areas.geojson")
    assignments = pd.read_csv(out / "assignments.csv", dtype={"workplace_id": str})
    places = gpd.read_file(SAMPLE / "city.gpkg", layer="workplaces").set_index("workplace_id")
    # each workplace's demand from its workers (R4), in the district the layer gives it
    work = (
        places["migrant_workers"]
        * scenario.demand.migrant_persons_per_worker
        * scenario.ratios.migrant
        / 1000.0
    )
    assert work.sum() > 80  # the sample's workplaces need slots
    served_work = assignments.dropna(subset=["workplace_id"]).groupby("workplace_id")["slots"].sum()
    for district, row in districts.iterrows():
        mine = areas["district_id"] == district
        at = places.index[places["district_id"].astype(str) == district]
        raw = areas.loc[mine, "required_slots"].sum() + work.reindex(at).sum()
        assert row["required_slots"] == np.ceil(raw - 1e-9), district
        served = areas.loc[mine, "served_slots"].sum() + served_work.reindex(at).fillna(0).sum()
        # the files give each area's and each assignment's slots to 0.001
        pieces = int(mine.sum()) + len(at)
        assert row["served_slots"] == pytest.approx(served, abs=5e-4 * pieces), district
    totals = run["totals"]
    for column in ("served_slots", "shortfall_slots", "migrant_slots"):
        assert districts[column].sum() == pytest.approx(totals[column], abs=1e-6), column
    assert (
        run["rounding"]["required_slots_rounded_per_district"] == districts["required_slots"].sum()
    )
    # costs are whole yuan (leases left fractions), so every sum adds up as printed
    facilities = gpd.read_file(out / "facilities.geojson")
    assert (facilities["cost"] == facilities["cost"].round()).all()
    assert districts["cost"].sum() == totals["cost"] == facilities["cost"].sum()
    assert sum(totals["cost_by_acquisition"].values()) == totals["cost"]
