"""The border pass (``run.cross_border_m``) on a hand-built two-county city.

West and East are two 1 km squares side by side. West's area AW sits 20 m from the
border, and West's only parcel PW is 800 m away: beyond the 300 m walk. East's
parcel PE lies 70 m past the border, within a walk of AW and of East's area AE.
County by county, AW can only be short; with the border pass it is served by PE,
and the plan equals the single solve of the whole city.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from _two_counties import CRS, X0, Y0, write_two_counties
from _two_counties import box_at as _box
from shapely.geometry import Point

from siting.cli import main
from siting.errors import ScenarioError
from siting.export import write_plan
from siting.pipeline import run_plan
from siting.plan import Plan, verify
from siting.scenario import RunSettings, load_scenario

PEOPLE_PER_CELL = 500.0


def _parcel(site_id: str, district: str, x: float, cost: float) -> dict[str, object]:
    return {
        "site_id": site_id,
        "district_id": district,
        "kind": "idle_land",
        "acquisition": "new_build",
        "cost": cost,
        "land_area_m2": 2000.0,
        "geometry": Point(X0 + x, Y0 - 500).buffer(20),
    }


def _city(folder: Path, *, cross_border_m: float | None, east_area: bool = True) -> Path:
    """The two-county city; partitioned (with ``cross_border_m``) unless it is ``None``.

    Without ``east_area`` East has no area, so its county opens nothing and the pass
    opens PE for AW.
    """
    districts = write_two_counties(folder, side_m=1000.0, people_per_cell=PEOPLE_PER_CELL)
    gpkg = folder / "city.gpkg"
    # AW covers two whole cells (900–1000 × 400–600): 1,000 people, 8 slots; AE too
    areas = [
        {"area_id": a, "district_id": d, "status": "old", "geometry": _box(x, 400, x + 80, 600)}
        for a, d, x in (("AW", "W", 900), ("AE", "E", 1100), ("AF", "W", 100))
        if east_area or a != "AE"
    ]
    parcels = [_parcel("PW", "W", 140.0, 1e6), _parcel("PE", "E", 1070.0, 1e6)]
    gpd.GeoDataFrame(districts, crs=CRS).to_file(gpkg, layer="districts")
    gpd.GeoDataFrame(areas, crs=CRS).to_file(gpkg, layer="areas")
    gpd.GeoDataFrame(parcels, crs=CRS).to_file(gpkg, layer="parcels")
    run = ""
    if cross_border_m is not None:
        run = f'[run]\npartition = "district"\ncross_border_m = {cross_border_m}\n'
    scenario = folder / "scenario.toml"
    scenario.write_text(
        f"""name = "two counties"
crs = "{CRS}"
{run}
[inputs]
population = {{ path = "pop.tif" }}
areas = {{ path = "city.gpkg", layer = "areas" }}
parcels = {{ path = "city.gpkg", layer = "parcels" }}
districts = {{ path = "city.gpkg", layer = "districts" }}
[policy]
demonstration_per_district = 0
[solver]
gap = 0.0
""",
        encoding="utf-8",
    )
    return scenario


def _served(plan: Plan, area: str) -> dict[str, float]:
    a = plan.assignments[plan.assignments["area_id"] == area]
    return {str(k): float(v) for k, v in a.groupby("site_id")["slots"].sum().items()}


@pytest.fixture(scope="module")
def plans(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Plan]:
    root = tmp_path_factory.mktemp("two")
    return {
        "county": run_plan(_city(root / "county", cross_border_m=0)),
        "border": run_plan(_city(root / "border", cross_border_m=200)),
        "single": run_plan(_city(root / "single", cross_border_m=None)),
    }


def test_county_by_county_the_border_area_is_short(plans: dict[str, Plan]) -> None:
    county = plans["county"]
    required = float(county.areas.loc["AW", "required_slots"])
    assert required == pytest.approx(8.0)
    assert _served(county, "AW") == {}
    assert float(county.areas.loc["AW", "shortfall_slots"]) == pytest.approx(required)
    assert county.run["totals"]["shortfall_slots"] == pytest.approx(required, abs=1e-3)
    assert "border" not in county.run


def test_the_border_pass_serves_it_from_the_neighbours_site(plans: dict[str, Plan]) -> None:
    plan = plans["border"]
    assert _served(plan, "AW") == {"PE": pytest.approx(8.0)}
    assert float(plan.areas.loc["AW", "shortfall_slots"]) == pytest.approx(0.0, abs=1e-3)
    assert plan.areas.loc["AW", "shortfall_reason"] == ""
    assert plan.run["totals"]["shortfall_slots"] == pytest.approx(0.0, abs=1e-3)
    # layers keep the district of the site and of the area
    assert plan.facilities.loc["PE", "district_id"] == "E"
    assert plan.areas.loc["AW", "district_id"] == "W"
    border = plan.run["border"]
    assert border["strip_areas"] == 2  # AW and AE; AF lies 820 m from East
    assert border["shortfall_before"] == pytest.approx(8.0, abs=1e-3)
    assert border["shortfall_after"] == pytest.approx(0.0, abs=1e-3)
    assert border["slots_across_borders"] == pytest.approx(8.0)
    assert border["facilities_opened"] == 0  # PE, open for AE, has room for AW
    assert border["cost_after"] == border["cost_before"]
    # the Chinese report says the parts from these, not from the English message
    assert (border["parts"], border["parts_optimal"], border["parts_changed"]) == (1, 1, 1)
    counties = {c["district_id"]: c for c in plan.run["counties"]}
    assert counties["W"]["border_in_slots"] == pytest.approx(8.0)
    assert counties["E"]["border_out_slots"] == pytest.approx(8.0)
    assert counties["E"]["border_in_slots"] == 0.0
    lines = plan.service_lines
    assert lines is not None
    assert set(lines.loc[lines["area_id"] == "AW", "site_id"]) == {"PE"}


def test_border_pass_equals_the_single_solve(plans: dict[str, Plan]) -> None:
    plan, single = plans["border"], plans["single"]
    assert sorted(plan.facilities.index) == sorted(single.facilities.index)
    assert plan.run["totals"]["cost"] == pytest.approx(single.run["totals"]["cost"])
    assert plan.run["totals"]["shortfall_slots"] == pytest.approx(
        single.run["totals"]["shortfall_slots"], abs=1e-3
    )
    for area in ("AW", "AE", "AF"):
        assert _served(plan, area) == pytest.approx(_served(single, area))


def test_a_border_plan_writes_and_verifies(tmp_path: Path) -> None:
    scenario = _city(tmp_path / "in", cross_border_m=200)
    out = tmp_path / "out"
    assert main(["-q", "plan", str(scenario), "--out", str(out), "--basemap", "none"]) == 0
    assert verify(out).ok, verify(out).problems
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert run["border"]["slots_across_borders"] == pytest.approx(8.0)
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "跨界托位 8.0，缺口 8.0 → 0.0" in report


def test_cross_border_m_is_checked(tmp_path: Path) -> None:
    base = load_scenario(_city(tmp_path, cross_border_m=0))
    for bad in (-1.0, float("inf"), float("nan")):
        with pytest.raises(ScenarioError, match=r"run\.cross_border_m"):
            run_plan(base.replace(run=RunSettings(partition="district", cross_border_m=bad)))
    with pytest.raises(ScenarioError, match=r"run\.cross_border_m.*partition"):
        run_plan(base.replace(run=RunSettings(partition=None, cross_border_m=100.0)))


def test_border_pass_leaves_a_county_without_a_plan_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """East fails: its sites are not offered to AW, and its outline stays in the layer."""
    import siting.pipeline
    from siting.errors import SolverError

    real = siting.pipeline.solve_prepared

    def failing(prepared: object, **kwargs: object) -> Plan:
        if list(prepared.inputs.districts.index) == ["E"]:  # type: ignore[attr-defined]
            raise SolverError("the model is infeasible")
        return real(prepared, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(siting.pipeline, "solve_prepared", failing)
    plan = run_plan(_city(tmp_path, cross_border_m=200))
    assert plan.run["status"] == "partial"
    assert plan.run["border"]["strip_areas"] == 1  # AW only
    assert _served(plan, "AW") == {}
    assert plan.district_shapes is not None
    assert plan.district_shapes.loc["E", "status"] == "failed"


def test_the_strip_model_falls_into_parts_that_share_no_site() -> None:
    import pandas as pd

    from siting.model import SitingProblem
    from siting.province.border import _components

    demand = pd.DataFrame({"required": [1.0, 2.0, 3.0]}, index=["i1", "i2", "i3"])
    sites = pd.DataFrame({"district_id": ["W", "E", "E"]}, index=["s1", "s2", "s3"])
    options = pd.DataFrame({"site_id": ["s1", "s2", "s3"], "option": ["small"] * 3})
    pairs = pd.DataFrame(
        {"demand_id": ["i1", "i2", "i3"], "site_id": ["s1", "s1", "s3"], "distance_m": 1.0}
    )
    parts = _components(SitingProblem(demand, sites, options, pairs))
    got = sorted(
        (list(p.demand.index), list(p.sites.index), list(p.options["site_id"]), len(p.pairs))
        for p in parts
    )
    # s2 serves nobody: it is in no part
    assert got == [(["i1", "i2"], ["s1"], ["s1"], 2), (["i3"], ["s3"], ["s3"], 1)]


def test_the_district_table_keeps_the_counties_access_columns(
    plans: dict[str, Plan], tmp_path: Path
) -> None:
    """The pass sums the districts again; their before/after access columns stay (30 were lost).

    Both plans have the same facilities (PE, open for AE, serves AW too), so the access
    measured across the border is the same with or without the pass.
    """
    county, border = plans["county"], plans["border"]
    assert list(border.districts.columns) == list(county.districts.columns)
    access = [c for c in county.districts.columns if c.endswith(("_before", "_after"))]
    assert len(access) >= 10
    # the pass changed the district rows it sums (AW's 8 slots served from East) ...
    served = float(border.districts.loc["W", "served_slots"])
    assert served == pytest.approx(float(county.districts.loc["W", "served_slots"]) + 8.0)
    # ... and keeps the access columns, as the districts layer has them
    pd.testing.assert_frame_equal(border.districts[access], county.districts[access])
    pd.testing.assert_frame_equal(
        border.districts[access], border.district_shapes[access], check_dtype=False
    )
    write_plan(border, tmp_path / "out")
    written = pd.read_csv(tmp_path / "out" / "districts.csv")
    assert set(access) <= set(written.columns)


def test_a_site_the_pass_opens_counts_by_its_cost_basis(tmp_path: Path) -> None:
    """East opens nothing of its own; the pass opens PE for AW, a parcel priced by its cost."""
    plan = run_plan(_city(tmp_path, cross_border_m=200, east_area=False))
    assert plan.run["border"]["facilities_opened"] == 1
    assert sorted(plan.facilities.index) == ["PE", "PW"]
    totals = plan.run["totals"]
    # PW (AF's) and PE (the pass's): both priced by their parcel cost; the record said 1
    assert totals["facilities_by_cost_basis"] == {"parcel cost": 2}
    assert totals["facilities_new"] == 2
    assert totals["facilities_existing"] == 0
    assert totals["cost_by_cost_basis"] == {"parcel cost": pytest.approx(totals["cost"])}
    assert totals["cost"] == pytest.approx(float(plan.facilities["cost"].sum()))


def test_access_after_counts_the_site_the_pass_opens(tmp_path: Path) -> None:
    """AW (1,000 people) is served by PE, which only the pass opens: its "after" access.

    PE stands 120 m from AW's point (156 m walk, weight 1) and farther than 1,050 m
    from AF, so AW's score is PE's slots per 1,000 of its people; PW is 1,053 m from
    AW. The counties measured AW with West's facilities alone: 0 and a desert.
    """
    plan = run_plan(_city(tmp_path, cross_border_m=200, east_area=False))
    pe = float(plan.facilities.loc["PE", "slots"])
    aw = plan.areas.loc["AW"]
    assert float(aw["planned_population"]) == pytest.approx(1000.0)
    assert float(aw["access_after_per_1000"]) == pytest.approx(round(pe, 3))
    assert float(aw["access_before_per_1000"]) == 0.0
    assert float(aw["walk_any_5min_after"]) == 1.0
    assert not bool(aw["desert_after"])
    west = plan.districts.loc["W"]
    assert float(west["desert_population_after"]) == 0.0
    af = float(plan.areas.loc["AF", "access_after_per_1000"])
    people = plan.areas["planned_population"].astype(float)
    mean = (pe * people["AW"] + af * people["AF"]) / (people["AW"] + people["AF"])
    assert float(west["access_after_per_1000"]) == pytest.approx(round(mean, 3), abs=1e-3)
    acc = plan.run["accessibility"]
    assert acc["facilities"]["after"] == 2
