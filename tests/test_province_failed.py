"""A county without a plan, on a hand-built two-county city (:mod:`siting.province`).

West and East are two 1 km squares side by side, 500 people per 100 m cell. West's
area AW (1,000 people, 8 slots) lies 20 m from the border and its area AF (8 slots)
beside West's parcel PW, which stands 800 m from AW: beyond AW's 300 m walk.
East's existing facility FE (30 slots) stands 70 m past the border, 130 m from AW;
East's area AE lies beside it. East's solve fails.

FE stands whether or not East has a plan: the border pass serves AW from it (8 slots
across the border, all 30 offered: East's residents have no plan to take their
share), so West is served in full (16 of 16 slots, was 8 of 16) at the same cost
(PW alone, 1,648,000); AW's access is FE's 30 slots per 1,000 people (its walk of
169 m has weight 1; AF and PW are farther than 1,050 m), it was 0.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
from _two_counties import CRS, X0, Y0, write_two_counties
from _two_counties import box_at as _box
from shapely.geometry import Point

from siting.cli import main
from siting.plan import Plan, verify

PW_COST = 1_648_000.0  # PW's parcel (1e6) and its building, as West's county plans it


def _city(folder: Path, *, cross_border_m: float = 200.0) -> Path:
    districts = write_two_counties(folder, side_m=1000.0, people_per_cell=500.0)
    gpkg = folder / "city.gpkg"
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
            "slots": 30,
            "geometry": Point(X0 + 1070, Y0 - 500),
        }
    ]
    gpd.GeoDataFrame(districts, crs=CRS).to_file(gpkg, layer="districts")
    gpd.GeoDataFrame(areas, crs=CRS).to_file(gpkg, layer="areas")
    gpd.GeoDataFrame(parcels, crs=CRS).to_file(gpkg, layer="parcels")
    gpd.GeoDataFrame(existing, crs=CRS).to_file(gpkg, layer="facilities")
    scenario = folder / "scenario.toml"
    scenario.write_text(
        f"""name = "a county fails"
crs = "{CRS}"
[run]
partition = "district"
cross_border_m = {cross_border_m}
[inputs]
population = {{ path = "pop.tif" }}
areas = {{ path = "city.gpkg", layer = "areas" }}
parcels = {{ path = "city.gpkg", layer = "parcels" }}
facilities = {{ path = "city.gpkg", layer = "facilities" }}
districts = {{ path = "city.gpkg", layer = "districts" }}
[policy]
demonstration_per_district = 0
[solver]
gap = 0.0
""",
        encoding="utf-8",
    )
    return scenario


@pytest.fixture
def east_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    """East's solve raises the solver's error (the model infeasible)."""
    import siting.pipeline
    from siting.errors import SolverError

    real = siting.pipeline.solve_prepared

    def failing(prepared: Any, **kwargs: Any) -> Plan:
        if list(prepared.inputs.districts.index) == ["E"]:
            raise SolverError("the model is infeasible")
        return real(prepared, **kwargs)

    monkeypatch.setattr(siting.pipeline, "solve_prepared", failing)


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
    assert sorted(areas.index) == ["AF", "AW"]  # East's residents have no plan
    assignments = json.loads((out / "run.json").read_text(encoding="utf-8"))["border"]
    # AW: 8 slots from FE across the border (was 0, 8 short); West 16 of 16 (was 8)
    assert assignments["slots_from_failed_counties"] == pytest.approx(8.0)
    assert float(areas.loc["AW", "served_slots"]) == pytest.approx(8.0)
    assert float(areas.loc["AW", "shortfall_slots"]) == pytest.approx(0.0, abs=1e-3)
    assert float(areas["served_slots"].sum()) == pytest.approx(16.0)
    totals = run["totals"]
    assert totals["shortfall_slots"] == pytest.approx(0.0, abs=1e-3)
    # the plan's own figures stay West's: PW's 18 slots and its cost, as before
    assert totals["planned_slots"] == pytest.approx(18.0)
    assert totals["cost"] == pytest.approx(PW_COST)
    assert totals["facilities_existing"] == 0
    assert totals["failed_county_existing"] == {"facilities": 1, "slots": 30.0}
    counties = {c["district_id"]: c for c in run["counties"]}
    assert (counties["E"]["facilities"], counties["E"]["existing_slots"]) == (1, 30.0)
    assert counties["E"]["border_out_slots"] == pytest.approx(8.0)
    assert counties["W"]["border_in_slots"] == pytest.approx(8.0)
    # AW's access: FE's 30 slots for its 1,000 people (was 0)
    assert float(areas.loc["AW", "access_after_per_1000"]) == pytest.approx(30.0)
    assert float(areas.loc["AW", "access_before_per_1000"]) == pytest.approx(30.0)
    report = verify(out)
    assert report.problems == ()
    assert report.missing == ("E East: failed, solver: the model is infeasible",)
    said = (out / "report.md").read_text(encoding="utf-8")
    assert "区内现有托育机构 1 处（托位 30）照常开放" in said
