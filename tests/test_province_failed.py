"""A county without a plan, on a hand-built two-county city (:mod:`siting.province`).

West and East are two 1 km squares side by side, 500 people per 100 m cell. West's
area AW (1,000 people, 8 slots) lies 20 m from the border and its area AF (8 slots)
beside West's parcel PW, which stands 800 m from AW: beyond AW's 300 m walk.
East's existing facility FE (30 slots) stands 70 m past the border, 120 m from AW's
point; East's area AE (1,000 people, 8 slots) lies beside it. East's solve fails.

FE stands whether or not East has a plan. East's residents come first: of its 30
slots, AE's 8 leave 22 for the border pass, which serves AW from it (8 slots across
the border), so West is served in full (16 of 16 slots, was 8 of 16) at the same
cost (PW alone, 1,648,000). AW's access: FE's 30 slots shared by AW's and AE's 1,000
people each (walks of 156 m and 104 m, weight 1; PW is 1,053 m from AW), 15 per
1,000, as when East has a plan; it was 0.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import pandas as pd
import pytest
from _two_counties import X0, Y0, write_city, write_counties, write_two_counties
from _two_counties import box_at as _box
from shapely.geometry import Point

from siting.cli import main
from siting.errors import (
    InputError,
    NetworkError,
    NoSolutionError,
    ScenarioError,
    SolverError,
)
from siting.export import write_plan
from siting.maps import plan_map
from siting.pipeline import run_plan
from siting.plan import Plan, verify
from siting.province.engine import FAILURES
from siting.report import compare_runs, labels, write_report
from siting.report._format import county_reason

PW_COST = 1_648_000.0  # PW's parcel (1e6) and its building, as West's county plans it


def _city(
    folder: Path,
    *,
    cross_border_m: float = 200.0,
    demonstration: int = 0,
    fe_slots: int = 30,
    far_slots: int = 0,
) -> Path:
    """The two-county city; with ``far_slots``, East also has FF of that many slots in
    its far corner (1,990 m east, 990 m south), beyond any walk from AW or AF."""
    districts = write_two_counties(folder, side_m=1000.0, people_per_cell=500.0)
    areas = [
        {"area_id": a, "district_id": d, "status": "old", "geometry": _box(x, 400, x + 80, 600)}
        for a, d, x in (("AW", "W", 900), ("AE", "E", 1100), ("AF", "W", 100))
    ]
    parcels = [
        {
            "site_id": s,
            "district_id": d,
            "kind": "idle_land",
            "acquisition": "new_build",
            "cost": 1e6,
            "land_area_m2": 2000.0,
            "geometry": Point(X0 + x, Y0 - 500).buffer(20),
        }
        for s, d, x in (("PW", "W", 140.0), ("PE", "E", 1900.0))
    ]
    existing = [
        {
            "facility_id": "FE",
            "district_id": "E",
            "slots": fe_slots,
            "geometry": Point(X0 + 1070, Y0 - 500),
        }
    ]
    if far_slots:
        existing.append(
            {
                "facility_id": "FF",
                "district_id": "E",
                "slots": far_slots,
                "geometry": Point(X0 + 1990, Y0 - 990),
            }
        )
    return write_city(
        folder,
        {"areas": areas, "parcels": parcels, "facilities": existing, "districts": districts},
        name="a county fails",
        run=f'partition = "district"\ncross_border_m = {cross_border_m}',
        policy=f"demonstration_per_district = {demonstration}",
    )


UNREAD = InputError("population: the raster cannot be read")
"""What East's demand estimate raises when it is the step that fails."""


def _fail_east(monkeypatch: pytest.MonkeyPatch, stage: str = "solve_prepared") -> None:
    """East's ``stage`` (``solve_prepared`` or ``prepare_loaded``) finds no plan, or its
    demand estimate (``estimate_demand``) raises :data:`UNREAD`."""
    import siting.pipeline

    real = getattr(siting.pipeline, stage)

    def failing(first: Any, **kwargs: Any) -> Any:
        inputs = first.inputs if stage == "solve_prepared" else first
        if list(inputs.districts.index) == ["E"]:
            if stage == "estimate_demand":
                raise UNREAD
            raise NoSolutionError("no plan: the model is infeasible", status="infeasible")
        return real(first, **kwargs)

    monkeypatch.setattr(siting.pipeline, stage, failing)


@pytest.fixture
def east_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    """East's solve finds its model infeasible (its demand was estimated)."""
    _fail_east(monkeypatch)


def _served(plan: Plan, area: str) -> dict[str, float]:
    a = plan.assignments[plan.assignments["area_id"] == area]
    return {str(k): float(v) for k, v in a.groupby("site_id")["slots"].sum().items()}


@pytest.mark.usefixtures("east_fails")
def test_a_failed_countys_existing_facility_still_serves_its_neighbour(tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ["-q", "plan", str(_city(tmp_path / "in")), "--out", str(out), "--basemap", "none"]
    assert main(args) == 3  # partial
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert run["status"] == "partial"
    facilities = gpd.read_file(out / "facilities.geojson").set_index("site_id")
    assert sorted(facilities.index) == ["FE", "PW"]  # FE was left out
    fe = facilities.loc["FE"]
    assert (fe["district_id"], fe["slots"], fe["cost"]) == ("E", 30.0, 0.0)
    assert bool(fe["in_failed_county"]) and not bool(facilities.loc["PW", "in_failed_county"])
    areas = gpd.read_file(out / "areas.geojson").set_index("area_id")
    # East's area has no plan but is in the layer (was left out: a hole where its people
    # live), served from FE 104 m away: FE's 30 slots take AE's 8 and AW's 8
    assert sorted(areas.index) == ["AE", "AF", "AW"]
    ae = areas.loc["AE"]
    assert bool(ae["in_failed_county"]) and not areas.loc[["AF", "AW"], "in_failed_county"].any()
    assert (ae["district_id"], ae["planned_population"], ae["required_slots"]) == ("E", 1000, 8)
    assert (ae["served_slots"], ae["shortfall_slots"]) == (8.0, 0.0)
    written = pd.read_csv(out / "assignments.csv")
    assert written.loc[written["area_id"] == "AE", ["site_id", "slots"]].values.tolist() == [
        ["FE", 8.0]
    ]
    assignments = json.loads((out / "run.json").read_text(encoding="utf-8"))["border"]
    # AW: 8 slots from FE across the border (was 0, 8 short); West 16 of 16 (was 8)
    assert assignments["slots_from_failed_counties"] == pytest.approx(8.0)
    assert float(areas.loc["AW", "served_slots"]) == pytest.approx(8.0)
    assert float(areas.loc["AW", "shortfall_slots"]) == pytest.approx(0.0, abs=1e-3)
    assert float(areas.loc[["AF", "AW"], "served_slots"].sum()) == pytest.approx(16.0)
    totals = run["totals"]
    # the plan's totals are West's; East's areas are counted beside them
    assert (totals["required_slots"], totals["served_slots"]) == pytest.approx((16.0, 16.0))
    assert totals["shortfall_slots"] == pytest.approx(0.0, abs=1e-3)
    assert totals["failed_counties"] == pytest.approx(
        {
            "areas": 1,
            "areas_unestimated": 0,
            "population": 1000.0,
            "required_slots": 8.0,
            "served_slots": 8.0,
            "shortfall_slots": 0.0,
        },
        abs=1e-3,
    )
    # the plan's own figures stay West's: PW's 18 slots and its cost, as before
    assert totals["planned_slots"] == pytest.approx(18.0)
    assert totals["cost"] == pytest.approx(PW_COST)
    assert totals["facilities_existing"] == 0
    assert totals["failed_county_existing"] == {"facilities": 1, "slots": 30.0}
    counties = {c["district_id"]: c for c in run["counties"]}
    assert (counties["E"]["facilities"], counties["E"]["existing_slots"]) == (1, 30.0)
    assert (counties["E"]["population"], counties["E"]["required_slots"]) == (1000.0, 8.0)
    assert counties["E"]["served_slots"] == pytest.approx(8.0, abs=1e-3)
    assert counties["E"]["border_out_slots"] == pytest.approx(8.0)
    assert counties["W"]["border_in_slots"] == pytest.approx(8.0)
    # AW's access: FE's 30 slots for AW's and AE's 2,000 people (was 0)
    assert float(areas.loc["AW", "access_after_per_1000"]) == pytest.approx(15.0)
    assert float(areas.loc["AW", "access_before_per_1000"]) == pytest.approx(15.0)
    accessibility = run["accessibility"]
    assert accessibility["facilities"] == {"before": 1, "after": 2}  # FE; FE and PW
    assert accessibility["facilities_with_free_slots"] == {"before": 1, "after": 2}
    report = verify(out)
    assert report.problems == ()
    assert report.missing == ("E East: failed, solver: no plan: the model is infeasible",)
    said = (out / "report.md").read_text(encoding="utf-8")
    assert (
        "区内居住区人口 1,000，需求托位 8，未纳入规划。步行范围内现有托育机构可满足其中 8，"
        "缺口 0（不计入方案合计）。区内现有托育机构 1 处（托位 30）" in said
    )
    assert "| 无规划区县居住区：需求 / 已满足 / 缺口（不计入上述合计） | 8 / 8 / 0 |" in said
    page = (out / "map.html").read_text(encoding="utf-8")
    assert "所在区县无规划" in page  # FE's popup
    # East's outline says why in Chinese too (was run.json's English reason alone)
    districts = gpd.read_file(out / "districts.geojson").set_index("district_id")
    assert districts.at["E", "code"] == "infeasible" and districts.at["W", "code"] == ""
    assert "模型无可行解" in page
    assert page.count("所在区县无规划") == 2  # AE's popup too


@pytest.mark.parametrize(
    ("fe_slots", "stage", "served", "ae_served"),
    [
        (12, "solve_prepared", 4.0, 8.0),  # AE's 8 of FE's 12 slots first: 4 left for AW
        (4, "solve_prepared", 0.0, 4.0),  # FE's 4 slots all AE's, 4 short: none for AW
        # East failed before its demand was estimated: estimated alone after the failure,
        # as when it fails later (AE was left out of the areas layer, and AW unserved)
        (30, "prepare_loaded", 8.0, 8.0),
        (12, "prepare_loaded", 4.0, 8.0),
        (30, "estimate_demand", 0.0, None),  # East's demand unknown: how full FE is too
    ],
)
def test_a_failed_countys_residents_come_first(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fe_slots: int,
    stage: str,
    served: float,
    ae_served: float | None,
) -> None:
    _fail_east(monkeypatch, stage)
    plan = run_plan(_city(tmp_path, fe_slots=fe_slots))
    assert _served(plan, "AW") == ({"FE": pytest.approx(served)} if served else {})
    assert float(plan.areas.loc["AW", "shortfall_slots"]) == pytest.approx(8.0 - served, abs=1e-3)
    assert plan.run["border"]["slots_from_failed_counties"] == pytest.approx(served)
    east = plan.run["counties"][1]
    assert ("population" in east) == (ae_served is not None)
    # AE, in the areas layer, served from FE what AW leaves it when its demand is known
    assert "AE" in plan.areas.index
    if ae_served is None:  # its figures left empty, and why
        ae = plan.areas.loc["AE"]
        assert ae[["population", "required_slots", "served_slots", "shortfall_slots"]].isna().all()
        reason = f"InputError: {UNREAD}"  # "1 problem with the inputs:\n  - population: …"
        said = "InputError: 1 problem with the inputs: - population: the raster cannot be read"
        assert ae["shortfall_reason"] == f"no plan; demand not estimated ({said})"
        assert bool(ae["in_failed_county"]) and "AE" not in set(plan.assignments["area_id"])
        assert east["demand_unestimated"] == reason
        assert plan.run["totals"]["failed_counties"]["areas_unestimated"] == 1
        assert "served_slots" not in east  # none known: not zero
    else:
        assert _served(plan, "AE") == {"FE": pytest.approx(ae_served)}
        # serve_unplanned's time and status, beside the other steps' (none were recorded):
        # one part (AE and FE), proven optimal, that served AE
        serve = plan.run["serve_unplanned"]
        assert serve["seconds"] == plan.run["timings_s"]["serve_unplanned"] >= 0.0
        assert {k: serve[k] for k in ("areas", "parts", "parts_changed", "status")} == {
            "areas": 1,
            "parts": 1,
            "parts_changed": 1,
            "status": "optimal",
        }
        ae = plan.areas.loc["AE"]
        assert float(ae["shortfall_slots"]) == pytest.approx(8.0 - ae_served, abs=1e-3)
        assert ae["shortfall_reason"] == ("no plan" if ae_served < 8 else "")
        assert plan.run["totals"]["failed_counties"]["shortfall_slots"] == pytest.approx(
            8.0 - ae_served, abs=1e-3
        )
        assert plan.run["totals"]["shortfall_slots"] == pytest.approx(8.0 - served, abs=1e-3)


def test_a_county_whose_demand_estimate_fails_has_its_areas_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """East fails at its demand estimate: AE was not in the areas layer (a hole where its
    people live); it is now, its figures empty, the reason said, drawn as East's hole."""
    _fail_east(monkeypatch, "estimate_demand")
    out = tmp_path / "out"
    args = ["-q", "plan", str(_city(tmp_path / "in")), "--out", str(out), "--basemap", "none"]
    assert main(args) == 3  # partial
    areas = gpd.read_file(out / "areas.geojson").set_index("area_id")
    assert sorted(areas.index) == ["AE", "AF", "AW"]
    ae = areas.loc["AE"]
    assert (ae["district_id"], bool(ae["in_failed_county"])) == ("E", True)
    assert ae[["planned_population", "required_slots", "served_slots"]].isna().all()
    assert ae["shortfall_reason"].startswith("no plan; demand not estimated (InputError: ")
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    # the totals beside the plan's count only what is known: AE's slots are not zero short
    assert run["totals"]["failed_counties"] == {
        "areas": 0,
        "areas_unestimated": 1,
        "population": 0.0,
        "required_slots": 0.0,
        "served_slots": 0.0,
        "shortfall_slots": 0.0,
    }
    assert run["serve_unplanned"]["parts"] == 0
    assert verify(out).problems == ()
    said = (out / "report.md").read_text(encoding="utf-8")
    detail = "InputError: 1 problem with the inputs: - population: the raster cannot be read"
    unestimated = f"区内居住区需求未能估算（技术细节：{detail}），"
    assert f"{unestimated}其人口与需求托位在居住区图层中空缺" in said
    page = (out / "map.html").read_text(encoding="utf-8")
    assert page.count("所在区县无规划") == 2  # FE's popup and AE's (AE was not drawn)
    # AE drawn in East's hole style, as East's outline is (siting.maps.layers)
    styles = {
        (group.layer_name, f["properties"].get("area_id", f["properties"]["district_id"])): f[
            "properties"
        ]["style"]
        for group in plan_map(out)._children.values()
        if isinstance(group, folium.FeatureGroup) and group.layer_name in ("区县", "居住区千人托位")
        for layer in group._children.values()
        if isinstance(layer, folium.GeoJson)
        for f in layer.data["features"]
    }
    ae, east = styles["居住区千人托位", "AE"], styles["区县", "E"]
    assert ae["dashArray"] == east["dashArray"] == "8 6" and ae["color"] == east["color"]


@pytest.mark.parametrize(
    ("stage", "free"),
    [
        # FE (30) drawn on by AW (8), and by AE (8) when East's demand is known; PW (18)
        # by AF (8); FF (10) by nobody (AE, the nearest, is 981 m away in a straight
        # line, 1,275 m on foot, beyond the 15-minute 1,050 m): all have free slots
        ("prepare_loaded", {"before": 2, "after": 3}),
        ("solve_prepared", {"before": 2, "after": 3}),
    ],
)
def test_a_failed_countys_facility_beyond_every_walk_has_free_slots(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stage: str, free: dict[str, int]
) -> None:
    """facilities_with_free_slots counts among run.json's facilities (every facility that
    stands) those with a slot left after the demand within reach: FF, whom nobody of the
    plan can walk to, has all of its slots free. It was left out (no county measured it,
    and the access across borders measured only the facilities near a planned area)."""
    _fail_east(monkeypatch, stage)
    plan = run_plan(_city(tmp_path, far_slots=10))
    accessibility = plan.run["accessibility"]
    assert accessibility["facilities"] == {"before": 2, "after": 3}  # FE, FF; and PW
    assert accessibility["facilities_with_free_slots"] == free


@pytest.mark.parametrize(("fe_slots", "free_before"), [(8, 0), (30, 1)])
def test_a_failed_countys_facility_far_from_every_border_is_measured(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fe_slots: int, free_before: int
) -> None:
    """Two 3 km counties: West's AW and PW at its west edge, East's AE and FE at its east
    edge, 5.6 km apart: no area is within a walk of another county, and no county
    measured FE. It is measured with AE, who walks to it: free with 30 slots, not with
    8 (AE's 8 take them all), as one measure of the whole plan says (it was left out)."""
    _fail_east(monkeypatch)
    districts = write_counties(
        tmp_path, {"W": "West", "E": "East"}, side_m=3000.0, people_per_cell=500.0
    )
    areas = [
        {"area_id": a, "district_id": d, "status": "old", "geometry": _box(x, 400, x + 80, 600)}
        for a, d, x in (("AW", "W", 100), ("AE", "E", 5800))
    ]
    parcel = {
        "site_id": "PW",
        "district_id": "W",
        "kind": "idle_land",
        "acquisition": "new_build",
        "cost": 1e6,
        "land_area_m2": 2000.0,
        "geometry": Point(X0 + 140, Y0 - 700).buffer(20),
    }
    fe = {"facility_id": "FE", "district_id": "E", "slots": fe_slots}
    fe["geometry"] = Point(X0 + 5840, Y0 - 700)
    scenario = write_city(
        tmp_path,
        {"areas": areas, "parcels": [parcel], "facilities": [fe], "districts": districts},
        name="far apart",
        run='partition = "district"\ncross_border_m = 200',
    )
    plan = run_plan(scenario)
    assert _served(plan, "AE") == {"FE": pytest.approx(8.0)}
    accessibility = plan.run["accessibility"]
    assert accessibility["facilities"] == {"before": 1, "after": 2}  # FE; FE and PW
    # PW (18 slots) has 10 left after AW's 8
    assert accessibility["facilities_with_free_slots"] == {
        "before": free_before,
        "after": free_before + 1,
    }


def test_resume_solves_the_failed_county_again(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    east_fails: None,
) -> None:
    """A failed county is not kept: --resume solves it, and reuses the county that has a plan.

    ``siting compare`` of the two runs says which county has no plan in which run.
    """
    import siting.pipeline
    from siting.province import cache_folder

    out = tmp_path / "out"
    args = ["-q", "plan", str(_city(tmp_path / "in")), "--out", str(out), "--basemap", "none"]
    assert main(args) == 3
    partial = tmp_path / "partial"
    shutil.copytree(out, partial)
    assert len(list(cache_folder(out).glob("*.pickle"))) == 1  # West's
    monkeypatch.undo()  # East solves now
    real = siting.pipeline.solve_prepared
    solved: list[str] = []

    def counted(prepared: Any, **kwargs: Any) -> Plan:
        solved.append(str(prepared.inputs.districts.index[0]))
        return real(prepared, **kwargs)

    monkeypatch.setattr(siting.pipeline, "solve_prepared", counted)
    assert main([*args, "--resume"]) == 0
    assert solved == ["E"]
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert run["status"] == "optimal"
    assert [(c["district_id"], c["reused"]) for c in run["counties"]] == [
        ("W", True),
        ("E", False),
    ]
    assert (run["engine"]["solved"], run["engine"]["reused"]) == (1, 1)
    assert not cache_folder(out).exists()
    assert verify(out).ok
    capsys.readouterr()
    assert main(["compare", str(partial), str(out)]) == 0
    said = capsys.readouterr().out
    # East's row was '–' in A, as if its plan had no slots; its 30 slots for 1,000 in B
    assert "| East (E) | 无规划 | 30.00 | – | – | 0 |" in said
    assert "| West (W) | 9.00 | 9.00 | 0.00 | 0 | 0 |" in said  # PW's 18 for 2,000
    detail = "solver: no plan: the model is infeasible"
    reason = f"模型无可行解：约束条件无法同时满足（技术细节：{detail}）"
    assert f"- 方案A：East (E) 无规划：{reason}" in said
    # the totals A keeps beside its plan's (B's include East: 24 required, was 16)
    assert "| required_slots | 16 | 24 | +8 |" in said
    assert "| failed_counties.required_slots | 8 | 0 | -8 |" in said
    assert "| failed_county_existing.slots | 30 | 0 | -30 |" in said
    swapped = compare_runs(out, partial, language="en")
    assert "| East (E) | 30.00 | no plan | – | 0 | – |" in swapped
    assert "- Run B: East (E) has no plan: solver: no plan: the model is infeasible" in swapped


@pytest.mark.usefixtures("east_fails")
def test_a_failed_countys_demonstration_facility_is_unmet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every county needs a demonstration facility: East, without a plan, has none.

    West opens its own (PW); East's rule was dropped with its plan (no line of
    unmet_demonstration named East).
    """
    out = tmp_path / "out"
    scenario = _city(tmp_path / "in", cross_border_m=0, demonstration=1)
    assert main(["plan", str(scenario), "--out", str(out), "--basemap", "none"]) == 3
    said = capsys.readouterr().out
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert run["status"] == "partial"  # run.json and the exit status (3) say so
    assert run["message"].startswith("partial: 1 of 2 counties planned")
    assert run["unmet_demonstration"] == ["district E: 1 demonstration facility(ies) missing"]
    assert "district E: 1 demonstration facility(ies) missing" in run["unmet"]
    assert "note: district E: 1 demonstration facility(ies) missing" in said
    counties = {c["district_id"]: c for c in run["counties"]}
    assert counties["E"]["demonstration_missing"] == 1
    assert "demonstration_missing" not in counties["W"]
    assert verify(out).problems == ()
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "示范性托育机构（每区县 1 处）未满足：缺 1 处" in report
    # no border pass: AE is still served by its own county's FE, AW (20 m from East) not
    areas = gpd.read_file(out / "areas.geojson").set_index("area_id")
    assert areas["served_slots"].round(3).to_dict() == {"AW": 0.0, "AE": 8.0, "AF": 8.0}


# Every way a county can end without a plan (siting.province.engine.FAILURES), caused in
# one run of a row of counties: N has no site at all; each other county but W raises at
# its preparation the exception that kind comes from (the lost task of a cluster apart).
RAISED: dict[str, tuple[str, Exception]] = {
    "I": ("infeasible", NoSolutionError("no plan: infeasible", status="infeasible")),
    "T": ("timed_out", NoSolutionError("no plan: time limit", status="timed_out")),
    "U": ("unbounded", NoSolutionError("no plan: unbounded", status="unbounded")),
    "X": ("solver_error", NoSolutionError("no plan: HiGHS error", status="error")),
    "S": ("solver", SolverError("HiGHS rejected the model")),
    "L": ("inputs", InputError("areas: a geometry is empty")),
    "C": ("scenario", ScenarioError("facility.options: none fits")),
    "G": ("network", NetworkError("the street graph has no edge")),
    "V": ("error", ValueError("No objects to concatenate")),
    "R": ("error", RuntimeError("index out of range")),
}
CJK = re.compile(r"[\u4e00-\u9fff]")


def _row_of_counties(folder: Path) -> Path:
    ids = ["W", "N", *RAISED]
    districts = write_counties(
        folder, {d: f"County {d}" for d in ids}, side_m=1000.0, people_per_cell=500.0
    )
    areas = [
        {
            "area_id": f"A{d}",
            "district_id": d,
            "status": "old",
            "geometry": _box(1000 * k + 400, 400, 1000 * k + 480, 600),
        }
        for k, d in enumerate(ids)
    ]
    parcels = [
        {
            "site_id": f"P{d}",
            "district_id": d,
            "kind": "idle_land",
            "acquisition": "new_build",
            "cost": 1e6,
            "land_area_m2": 2000.0,
            "geometry": Point(X0 + 1000 * k + 440, Y0 - 700).buffer(20),
        }
        for k, d in enumerate(ids)
        if d != "N"
    ]
    return write_city(
        folder,
        {"areas": areas, "parcels": parcels, "districts": districts},
        name="every failure",
        run='partition = "district"',
    )


def _county_rows(report: str) -> dict[str, list[str]]:
    """The cells of the report's table of counties, by county id."""
    rows = {}
    for line in report.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| ") and cells[0] in ("W", "N", *RAISED) and len(cells) == 8:
            rows[cells[0]] = cells
    return rows


def test_every_failure_is_said_in_chinese(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import siting.pipeline

    real = siting.pipeline.prepare_loaded

    def failing(inputs: Any, **kwargs: Any) -> Any:
        district = str(inputs.districts.index[0])
        if district in RAISED:
            raise RAISED[district][1]
        return real(inputs, **kwargs)

    monkeypatch.setattr(siting.pipeline, "prepare_loaded", failing)
    plan = run_plan(_row_of_counties(tmp_path / "in"))
    counties = {c["district_id"]: c for c in plan.run["counties"]}
    codes = {d: c["code"] for d, c in counties.items()}
    assert codes == {"W": None, "N": "no_sites"} | {d: code for d, (code, _) in RAISED.items()}
    assert set(codes.values()) - {None} == set(FAILURES) - {"lost"}
    out = tmp_path / "out"
    write_plan(plan, out, basemap="none")
    zh = (out / "report.md").read_text(encoding="utf-8")
    write_report(out, language="en")
    en = (out / "report.md").read_text(encoding="utf-8")
    zh_rows, en_rows = _county_rows(zh), _county_rows(en)
    assert set(zh_rows) == set(en_rows) == set(counties)
    for d, county in counties.items():
        if d == "W":
            assert zh_rows[d][-1] == en_rows[d][-1] == ""
            continue
        raw = county["reason"]
        reason = raw.replace("\n", " ")  # a table cell is one line
        # English: the reason as run.json records it, as before
        assert en_rows[d][-1] == reason
        assert f"this county has no plan: {raw}." in en
        # Chinese: the kind in Chinese, the exception's words only as a technical detail
        said = zh_rows[d][-1]
        assert CJK.search(said.split("（技术细节")[0]), said
        assert (reason in said) == (d != "N")
        assert f"本区县无规划：{said.replace(reason, raw)}。" in zh
    assert f"partial: some counties have no plan — {plan.run['message']}" in en
    status = zh.split("\n\n")[1]  # the status line: each county and why, in Chinese first
    for d in (*RAISED, "N"):
        assert f"{d}（{zh_rows[d][-1].split('（技术细节')[0]}" in status


@pytest.mark.parametrize("code", sorted(FAILURES))
def test_every_failure_code_has_chinese_words(code: str) -> None:
    """Every code, the lost task of a cluster too, as run.json records it."""
    county = {"status": "no_sites" if code == "no_sites" else "failed", "code": code}
    county["reason"] = "x: y"
    said = county_reason(county, labels("zh"))
    assert CJK.search(said)
    assert said.endswith("（技术细节：x: y）") == (code != "no_sites")
    assert county_reason(county, labels("en")) == "x: y"


@pytest.mark.usefixtures("east_fails")
def test_a_failed_countys_standing_facility_is_outside_the_affordable_share(
    tmp_path: Path,
) -> None:
    # West's plan holds R8 (PW, affordable, all of West's slots); East's FE, not
    # affordable, stands in a county no solve held to the share: verify must not count it
    scenario = _city(tmp_path / "in")
    text = scenario.read_text(encoding="utf-8")
    scenario.write_text(
        text.replace("[policy]\n", "[policy]\nmin_affordable_share = 0.5\n"), encoding="utf-8"
    )
    city = tmp_path / "in" / "city.gpkg"
    facilities = gpd.read_file(city, layer="facilities")
    facilities["affordable"] = False
    facilities.to_file(city, layer="facilities", driver="GPKG")
    out = tmp_path / "out"
    args = ["-q", "plan", str(scenario), "--out", str(out), "--basemap", "none"]
    assert main(args) == 3  # partial
    written = gpd.read_file(out / "facilities.geojson").set_index("site_id")
    assert bool(written.loc["FE", "in_failed_county"]) and not bool(written.loc["FE", "affordable"])
    assert verify(out).problems == ()


def test_a_failed_countys_demand_estimate_that_raises_anything_is_its_reason(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The demand of a county that failed before estimating it is estimated afterwards, for
    its areas' rows; an error there that is not siting's, ValueError or RuntimeError (an
    OSError of a raster unreadable in the county) stopped the whole province run, where
    the county had already been recorded as failed. It is the estimate's reason now."""
    from types import SimpleNamespace

    import siting.pipeline
    from siting.province.engine import _residents
    from siting.scenario import Scenario

    def unreadable(inputs: Any, **kwargs: Any) -> Any:
        raise OSError("population.tif: not recognized as a supported file format")

    monkeypatch.setattr(siting.pipeline, "loaded_demand", unreadable)
    areas = pd.DataFrame({"status": ["old"]}, index=pd.Index(["AE"], name="area_id"))
    rows, reason = _residents(Scenario(), SimpleNamespace(areas=areas), "E")  # type: ignore[arg-type]
    assert rows is None
    assert reason == "OSError: population.tif: not recognized as a supported file format"
