"""Merging the counties' plans (:mod:`siting.province.merge`) on a hand-built two-county city.

West and East are two 2 km squares side by side. Each holds one old area and two
parcels, all more than 1 km (the longest walk) from anything of the other county,
so the single solve of the whole city and the counties solved apart measure the
same walks. A petrol station stands 30 m from one parcel of each county: its 50 m
buffer excludes that parcel, one in each county, two in all.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
from _two_counties import CRS, X0, Y0, write_two_counties
from _two_counties import box_at as _box
from shapely.geometry import Point

from siting.pipeline import run_plan
from siting.plan import Plan


def _parcel(site_id: str, district: str, x: float) -> dict[str, object]:
    return {
        "site_id": site_id,
        "district_id": district,
        "kind": "idle_land",
        "acquisition": "new_build",
        "cost": 1e6,
        "land_area_m2": 2000.0,
        "geometry": Point(X0 + x, Y0 - 1000).buffer(20),
    }


def _city(folder: Path, *, partition: bool, east_area: bool = True, demonstration: int = 0) -> Path:
    """The two counties; without ``east_area`` East holds parcels and nothing to serve."""
    districts = write_two_counties(folder, side_m=2000.0, people_per_cell=100.0)
    gpkg = folder / "city.gpkg"
    areas = [
        {"area_id": a, "district_id": d, "status": "old", "geometry": _box(x, 900, x + 100, 1100)}
        for a, d, x in (("AW", "W", 200), ("AE", "E", 3700))
        if east_area or a != "AE"
    ]
    parcels = [
        _parcel("PW1", "W", 400.0),
        _parcel("PW2", "W", 600.0),
        _parcel("PE1", "E", 3400.0),
        _parcel("PE2", "E", 3600.0),
    ]
    # 30 m east of PW2's and PE1's centres: inside the 50 m petrol-station buffer
    hazards = [
        {"hazard_id": h, "kind": "petrol_station", "geometry": Point(X0 + x + 30, Y0 - 1000)}
        for h, x in (("HW", 600.0), ("HE", 3400.0))
    ]
    gpd.GeoDataFrame(districts, crs=CRS).to_file(gpkg, layer="districts")
    gpd.GeoDataFrame(areas, crs=CRS).to_file(gpkg, layer="areas")
    gpd.GeoDataFrame(parcels, crs=CRS).to_file(gpkg, layer="parcels")
    gpd.GeoDataFrame(hazards, crs=CRS).to_file(gpkg, layer="hazards")
    run = '[run]\npartition = "district"\n' if partition else ""
    scenario = folder / "scenario.toml"
    scenario.write_text(
        f"""name = "two counties apart"
crs = "{CRS}"
{run}
[inputs]
population = {{ path = "pop.tif" }}
areas = {{ path = "city.gpkg", layer = "areas" }}
parcels = {{ path = "city.gpkg", layer = "parcels" }}
districts = {{ path = "city.gpkg", layer = "districts" }}
hazards = {{ path = "city.gpkg", layer = "hazards" }}
[policy]
demonstration_per_district = {demonstration}
[solver]
gap = 0.0
""",
        encoding="utf-8",
    )
    return scenario


@pytest.fixture(scope="module")
def plans(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Plan]:
    root = tmp_path_factory.mktemp("apart")
    return {
        "single": run_plan(_city(root / "single", partition=False)),
        "counties": run_plan(_city(root / "counties", partition=True)),
    }


def test_parcels_excluded_by_hazards_add_up_over_the_counties(plans: dict[str, Plan]) -> None:
    # one parcel in each county lies in a petrol station's buffer (the merged record
    # said 1: the first county's count alone)
    counties = plans["counties"]
    assert counties.run["excluded_sites"] == 2
    assert plans["single"].run["excluded_sites"] == 2
    excluded = counties.candidates.index[counties.candidates["state"] == "excluded"]
    assert sorted(excluded) == ["PE1", "PW2"]


def test_walks_measured_add_up_over_the_counties(plans: dict[str, Plan]) -> None:
    # nothing of one county lies within a walk of the other's, so the counties measure
    # the single solve's walks between them (the merged record gave the first county's)
    single, counties = plans["single"].run, plans["counties"].run
    assert counties["distance_method"] == single["distance_method"] == "straight_line"
    assert counties["distance"] == single["distance"]
    # each area reaches the one parcel of its county left after the hazard filter
    assert counties["distance"]["pairs_within_straight_line"] == 2
    assert counties["model_size"]["pairs"] == single["model_size"]["pairs"] == 2


def test_a_county_with_no_area_gets_its_demonstration_facility(tmp_path: Path) -> None:
    """East holds parcels but no area and no workplace: its county is planned, not failed.

    The single solve gives East its demonstration facility (R5); county by county East
    failed ("ValueError: No objects to concatenate"), the plan was partial (exit 3) and
    East had none.
    """
    single = run_plan(_city(tmp_path / "single", partition=False, east_area=False, demonstration=1))
    plan = run_plan(_city(tmp_path / "counties", partition=True, east_area=False, demonstration=1))
    counties = {c["district_id"]: c for c in plan.run["counties"]}
    assert counties["E"]["status"] == "optimal"
    assert counties["E"]["reason"] is None
    assert plan.run["status"] == "optimal"
    demo = plan.facilities[plan.facilities["demonstration"].astype(bool)]
    assert sorted(demo["district_id"]) == ["E", "W"]
    assert sorted(plan.facilities.index) == sorted(single.facilities.index)
    assert plan.run["totals"]["cost"] == pytest.approx(single.run["totals"]["cost"])
    east = plan.districts.loc["E"]
    assert bool(east["demonstration_present"])
    assert float(east["required_slots"]) == 0.0


def test_each_countys_findings_name_the_county(plans: dict[str, Plan]) -> None:
    """A county's findings are about its own study area; merged, each names its county.

    West and East each hold 40,000 of the raster's people (20 x 20 cells of 100) and
    their area 200: both counties find that their areas hold little of their raster.
    Unnamed, the two lines read as two statements about the whole city.
    """
    findings = plans["counties"].run["findings"]
    held = [f for f in findings if "hold only" in f]
    assert [f.split(":")[0] for f in held] == ["district W", "district E"]
    assert all("40,000 people" in f for f in held)
    assert all(f.startswith(("district W: ", "district E: ")) for f in findings)


def test_a_countys_lines_are_named_once_and_by_their_own_county() -> None:
    """A line that names the county already keeps its words; one naming another county
    whose id starts with this one's (510811 against 5108) is named as well (review)."""
    from siting.province.merge import _of_county

    assert _of_county("district 5108: no site", "5108") == "district 5108: no site"
    assert _of_county("district 5108 has no site", "5108") == "district 5108 has no site"
    assert _of_county("district 510811: x", "5108") == "district 5108: district 510811: x"
    assert _of_county("the areas hold 29%", "510811") == "district 510811: the areas hold 29%"


def test_a_county_cache_of_other_code_is_not_reused(monkeypatch: pytest.MonkeyPatch) -> None:
    """Review: the county cache of --resume was keyed by siting's version, which stays
    0.1.0 while the code changes, so a resume after an update mixed counties planned by
    the old code with the new. The key now holds the digest of siting's source."""
    import siting.province.cache as cache
    from siting._digest import code_sha256
    from siting.scenario import load_scenario

    scenario = load_scenario(Path(__file__).parents[1] / "data" / "sample" / "scenario.toml")
    hashes = {"areas": "0" * 64}
    today = cache.CountyCache(Path("c"), scenario=scenario, hashes=hashes)
    assert len(code_sha256()) == 64
    monkeypatch.setattr(cache, "code_sha256", lambda: "f" * 64)
    changed = cache.CountyCache(Path("c"), scenario=scenario, hashes=hashes)
    assert today._path("510802") != changed._path("510802")
    again = cache.CountyCache(Path("c"), scenario=scenario, hashes=hashes)
    assert again._path("510802") == changed._path("510802")
