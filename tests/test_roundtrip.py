"""A plan's files as a planner uses them: in QGIS, and fed back as next year's inputs.

The small city here is drawn in a bureau's own CGCS2000 Gauss–Krüger CRS with a
central meridian of 105°50'E, which has no EPSG code: its WKT is the ESRI one
ArcGIS writes in a ``.prj``. Its ids have leading zeros and its areas carry a
planner's own Chinese column.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pyproj
import pytest
from _raster import write_raster
from shapely.geometry import Point, box

from siting.cli import main
from siting.errors import InputError
from siting.export import write_plan
from siting.inputs import read_layer
from siting.osm import hazard_buffers
from siting.pipeline import run_plan
from siting.plan import verify
from siting.scenario import LayerSpec

LOCAL_WKT = (
    'PROJCS["CGCS2000 3 Degree GK CM 105d50E",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",'
    'DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],'
    'UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],'
    'PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],'
    'PARAMETER["Central_Meridian",105.8333333333333],PARAMETER["Scale_Factor",1.0],'
    'PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]'
)
"""CGCS2000 3° Gauss–Krüger on a city's own central meridian, as ArcGIS writes it."""
LOCAL = pyproj.CRS.from_wkt(LOCAL_WKT)
X0, Y0 = 500_000.0, 3_591_000.0  # on the central meridian, near Guangyuan


def _cells(col0: int, row0: int, cols: int, rows: int) -> box:
    return box(X0 + 100 * col0, Y0 - 100 * (row0 + rows), X0 + 100 * (col0 + cols), Y0 - 100 * row0)


def _parcel(site_id: str, x: float, y: float, cost: float) -> dict[str, object]:
    return {
        "site_id": site_id,
        "name": f"地块{site_id}",
        "kind": "idle_land",
        "acquisition": "new_build",
        "cost": cost,
        "land_area_m2": 2000.0,
        "geometry": Point(X0 + x, Y0 - y).buffer(25),
    }


def write_city(folder: Path) -> Path:
    """A 2 km city: an old area (3,200 people) and a new one (800 dwellings), 3 parcels."""
    folder.mkdir(parents=True)
    pop = np.zeros((20, 20), dtype="float32")
    pop[0:4, 0:4] = 200.0
    write_raster(folder / "pop.tif", pop, crs=LOCAL.to_wkt(), x0=X0, y0=Y0)
    areas = gpd.GeoDataFrame(
        [
            {"area_id": "0012", "name": "东坝", "status": "old", "geometry": _cells(0, 0, 4, 4)},
            {
                "area_id": "0013",
                "name": "新区",
                "status": "new",
                "dwellings": 800,
                "geometry": _cells(10, 0, 4, 3),
            },
        ],
        crs=LOCAL,
    )
    areas["district_id"] = "510802"
    areas["备注说明文字"] = ["保留", "新建"]
    parcels = gpd.GeoDataFrame(
        [
            _parcel("0101", 150, 150, 1e6),
            _parcel("0102", 250, 250, 2e6),
            _parcel("0103", 1600, 100, 1.5e6),
        ],
        crs=LOCAL,
    )
    districts = gpd.GeoDataFrame(
        {"district_id": ["510802"], "name": ["利州区"]},
        geometry=[box(X0, Y0 - 2000, X0 + 2000, Y0)],
        crs=LOCAL,
    )
    for name, frame in (("areas", areas), ("parcels", parcels), ("districts", districts)):
        frame.to_file(folder / "city.gpkg", layer=name, engine="pyogrio")
    scenario = folder / "scenario.toml"
    scenario.write_text(
        """name = "来年"
[inputs]
population = { path = "pop.tif" }
areas = { path = "city.gpkg", layer = "areas" }
parcels = { path = "city.gpkg", layer = "parcels" }
districts = { path = "city.gpkg", layer = "districts" }
[policy]
demonstration_per_district = 1
[solver]
gap = 0.0
""",
        encoding="utf-8",
    )
    return scenario


def next_year_scenario(path: Path, *, population: str, gpkg: str, facilities: str) -> Path:
    """Next year's scenario: this year's plan.gpkg as its areas, parcels and districts,
    ``facilities`` (a TOML value) as its existing facilities."""
    path.write_text(
        f"""name = "来年"
[inputs]
population = {{ path = "{population}" }}
areas = {{ path = "{gpkg}", layer = "areas" }}
parcels = {{ path = "{gpkg}", layer = "candidates" }}
districts = {{ path = "{gpkg}", layer = "districts" }}
facilities = {facilities}
[policy]
demonstration_per_district = 1
[solver]
gap = 0.0
""",
        encoding="utf-8",
    )
    return path


@pytest.fixture(scope="module")
def first(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This year's plan of the city, with every file a planner may ask for."""
    root = tmp_path_factory.mktemp("roundtrip")
    scenario = write_city(root / "city")
    out = root / "2025"
    files = ["--no-map", "--shapefile", "--handin", "--working-crs"]
    code = main(["-q", "plan", str(scenario), "--out", str(out), *files])
    assert code == 0
    return out


def test_whole_slots_are_integer_fields(first: Path) -> None:
    # A facility's slots are whole (sizes of whole classes, existing slots, rounded
    # additions), but plan.gpkg, the shapefiles and plan.gdb held them as Real fields:
    # QGIS showed 80.0 and a field calculator's integer division gave 26.666…
    whole = ("slots", "existing_slots", "new_slots")
    for path, layer in (
        (first / "plan.gpkg", "facilities"),
        (first / "plan.gdb", "facilities"),
        (first / "shapefile" / "facilities.shp", None),
    ):
        info = pyogrio.read_info(path, layer=layer)
        types = dict(zip(info["fields"], info["dtypes"], strict=True))
        names = ("slots", "exist_slot", "new_slots") if layer is None else whole
        assert {types[n] for n in names} <= {"int32", "int64"}, (path.name, types)
    # and a district's, which add them up
    info = pyogrio.read_info(first / "plan.gpkg", layer="districts")
    types = dict(zip(info["fields"], info["dtypes"], strict=True))
    assert {types[n] for n in ("planned_slots", "new_slots", "affordable_slots")} == {"int64"}
    facilities = gpd.read_file(first / "plan.gpkg", layer="facilities").set_index("site_id")
    # 3,200 old residents × 8 / 1,000 = 25.6 slots: parcel 0101 opens its second size, and
    # the new area (800 dwellings) its own site as the district's demonstration facility
    assert sorted(facilities.index) == ["0101", "new:0013"]
    assert facilities.at["new:0013", "demonstration"]
    assert list(facilities["slots"]) == list(facilities["new_slots"])
    assert (facilities["existing_slots"] == 0).all()


def test_every_layer_keeps_a_crs_that_has_no_epsg_code(first: Path) -> None:
    # plan.gpkg registers the CRS under its own srs_id (organization NONE), with its WKT
    with sqlite3.connect(first / "plan.gpkg") as db:
        srs = db.execute(
            "SELECT s.organization, s.definition, count(*) FROM gpkg_geometry_columns g "
            "JOIN gpkg_spatial_ref_sys s ON s.srs_id = g.srs_id GROUP BY s.srs_id"
        ).fetchall()
        (layers,) = db.execute("SELECT count(*) FROM gpkg_contents WHERE data_type = 'features'")
    assert layers[0] >= 5  # facilities, areas, candidates, districts, service lines
    assert len(srs) == 1 and srs[0][0] == "NONE" and srs[0][2] == layers[0]
    assert pyproj.CRS.from_wkt(srs[0][1]).equals(LOCAL)
    prjs = sorted((first / "shapefile").glob("*.prj"))
    assert len(prjs) == layers[0]
    for prj in prjs:  # ESRI WKT again, as ArcGIS wrote it
        assert pyproj.CRS.from_wkt(prj.read_text()).equals(LOCAL), prj.name
        assert prj.read_text().startswith('PROJCS["CGCS2000_3_Degree_GK_CM_105d50E"')
    for layer, _ in pyogrio.list_layers(first / "plan.gdb"):
        assert pyproj.CRS(pyogrio.read_info(first / "plan.gdb", layer=layer)["crs"]).equals(LOCAL)
    # the GeoJSON layers are RFC 7946 lon/lat, where QGIS places them (105.8°E, 32.4°N)
    lon, lat = gpd.read_file(first / "areas.geojson").union_all().centroid.coords[0]
    assert 105.83 < lon < 105.86 and 32.42 < lat < 32.45


def test_working_crs_geojson_names_a_crs_that_has_no_epsg_code(first: Path) -> None:
    # GDAL's GeoJSON writer names a CRS only by its EPSG code: areas.working.geojson held
    # metres with no "crs" member, which GDAL, and so QGIS, reads as WGS 84 degrees
    # (500,150 degrees east). The member now holds the CRS's WKT, which GDAL reads.
    raw = json.loads((first / "areas.working.geojson").read_text(encoding="utf-8"))
    assert pyproj.CRS.from_wkt(raw["crs"]["properties"]["name"]).equals(LOCAL)
    back = gpd.read_file(first / "areas.working.geojson")
    assert back.crs.equals(LOCAL)
    gpkg = gpd.read_file(first / "plan.gpkg", layer="areas")
    assert back.geom_equals_exact(gpkg.geometry, tolerance=1e-6).all()
    assert back.total_bounds[0] == pytest.approx(X0)


def test_next_years_plan_reads_this_years_layers_and_needs_no_new_facility(
    first: Path, tmp_path: Path
) -> None:
    # Next year the planner feeds this year's plan.gpkg back: its areas, its candidates as
    # parcels, its districts, and its facilities as the existing ones. Before, siting
    # refused the facilities (no facility_id; then 0101 "is also the site_id of a
    # parcel"; then new:0013 was the new area's co-located site again), and the areas'
    # computed columns crashed the run (pandas: "columns overlap but no suffix").
    gpkg = (first / "plan.gpkg").as_posix()
    pop = (first.parent / "city" / "pop.tif").as_posix()
    scenario = next_year_scenario(
        tmp_path / "2026.toml", population=pop, gpkg=gpkg,
        facilities=f'{{ path = "{gpkg}", layer = "facilities" }}',
    )  # fmt: skip
    plan = run_plan(scenario)
    before = gpd.read_file(first / "plan.gpkg", layer="facilities").set_index("site_id")
    facilities = plan.facilities
    # every facility is last year's, kept as it is; the required slots are met
    assert sorted(facilities.index) == sorted(before.index) == ["0101", "new:0013"]
    assert facilities["existing"].all()
    assert (facilities["new_slots"] == 0).all() and (facilities["cost"] == 0).all()
    assert list(facilities["slots"]) == list(before.loc[facilities.index, "slots"])
    assert facilities.at["new:0013", "demonstration"]
    # their slots come from the facilities layer, as any existing facility's (were blank:
    # the plan wrote no slots_source for a new facility, and blank was read as given)
    assert list(facilities["slots_source"]) == ["layer", "layer"]
    assert plan.run["totals"]["cost"] == 0
    assert plan.areas["shortfall_slots"].sum() == 0
    # 3,200 × 8 / 1,000 and 800 dwellings × 2.36 × 10 / 1,000, as last year
    required = plan.areas["required_slots"].sort_index()
    assert list(required) == pytest.approx([25.6, 18.88])
    # the new area is served by its own facility, as R1 asks
    served = plan.assignments.groupby("area_id")["site_id"].agg(set)
    assert served["0013"] == {"new:0013"}
    # the parcel built on is no longer a candidate; the others are
    assert sorted(plan.candidates.index) == ["0102", "0103"]
    # the planner's own column rides along again
    assert list(plan.areas["备注说明文字"].sort_index()) == ["保留", "新建"]
    out = write_plan(plan, tmp_path / "2026", map_and_report=False, shapefile_encoding="gbk")
    assert verify(out).ok
    # in GBK, for a bureau's older ArcGIS: 备注说明文 is 10 bytes of it (备注说 in UTF-8)
    areas = gpd.read_file(out / "shapefile" / "areas.shp", encoding="gbk").set_index("area_id")
    assert list(areas.sort_index()["备注说明文"]) == ["保留", "新建"]
    assert list(areas.sort_index()["name"]) == ["东坝", "新区"]


def test_last_years_facilities_add_no_slot_beyond_their_floor(first: Path, tmp_path: Path) -> None:
    # The old area grows by half (3,200 → 4,800 people: 38.4 slots). Last year's
    # facility 0101 was built with just the floor its size needed (floor_area_m2 =
    # slots × 9 m²), yet it could add up to facility.existing_max_extra_slots (40) at
    # 20,000 CNY a slot, the cheapest way to the new demand, in a building too small for
    # them. Its floor now bounds it: without the column (a planner's layer that does
    # not know the floor), the same run still extends it.
    pop = np.zeros((20, 20), dtype="float32")
    pop[0:4, 0:4] = 300.0
    write_raster(tmp_path / "pop.tif", pop, crs=LOCAL.to_wkt(), x0=X0, y0=Y0)
    built = gpd.read_file(first / "plan.gpkg", layer="facilities")
    assert (
        built["floor_area_m2"]
        == built["slots"] * 9.0 + np.where(built["demonstration"], 300.0, 0.0)
    ).all()
    gpkg = (first / "plan.gpkg").as_posix()

    def next_year(facilities: str) -> gpd.GeoDataFrame:
        scenario = next_year_scenario(
            tmp_path / "2026.toml", population="pop.tif", gpkg=gpkg, facilities=facilities
        )
        return run_plan(scenario).facilities

    bounded = next_year(f'{{ path = "{gpkg}", layer = "facilities" }}')
    assert bounded.at["0101", "new_slots"] == 0
    assert (bounded.loc[bounded["existing"].astype(bool), "new_slots"] == 0).all()
    built.drop(columns="floor_area_m2").to_file(tmp_path / "unknown.gpkg", layer="facilities")
    unknown = next_year(
        f'{{ path = "{(tmp_path / "unknown.gpkg").as_posix()}", layer = "facilities" }}'
    )
    assert unknown.at["0101", "new_slots"] > 0


def test_candidates_keep_the_parcels_land_area(first: Path) -> None:
    # The candidates layer dropped land_area_m2 and floor_area_m2: fed back as next
    # year's parcels, each one's land was measured again from its drawing (a 25 m circle
    # drawn as a 64-gon, 1,960.4 m², for the 2,000 m² the bureau recorded), which
    # changes the sizes that fit and the price of land
    candidates = gpd.read_file(first / "plan.gpkg", layer="candidates").set_index("site_id")
    assert list(candidates["land_area_m2"]) == [2000.0] * 3
    assert "floor_area_m2" in candidates.columns


def test_the_plans_shapefiles_read_back_under_their_short_names(first: Path) -> None:
    # The shapefiles name demonstration "demo" and district_id "dist_id" (10 bytes at
    # most): fed back as next year's facilities, demonstration was read as absent, so
    # false, and a district that has its demonstration facility was told to build another
    facilities = read_layer(
        LayerSpec(path=first / "shapefile" / "facilities.shp"), name="facilities"
    )
    assert facilities.at["new:0013", "demonstration"]
    assert not facilities.at["0101", "demonstration"]
    assert list(facilities["district_id"]) == ["510802", "510802"]
    areas = read_layer(LayerSpec(path=first / "shapefile" / "areas.shp"), name="areas")
    assert areas.at["0013", "dwellings"] == 800
    assert list(areas["district_id"]) == ["510802", "510802"]


def test_a_plans_hazard_buffers_are_refused_as_hazards(tmp_path: Path) -> None:
    # The plan's hazards layer holds the buffers (a petrol station's 50 m disc), not the
    # hazards: read back as next year's hazards, each was buffered again (a 100 m disc),
    # excluding parcels the rules allow, with no word
    station = gpd.GeoDataFrame(
        {"hazard_id": ["H01"], "kind": ["petrol_station"], "voltage_kv": [np.nan]},
        geometry=[Point(X0 + 500, Y0 - 500)],
        crs=LOCAL,
    )
    buffers = hazard_buffers(station)
    assert buffers.at[0, "buffer_m"] == 50
    buffers.to_file(tmp_path / "plan.gpkg", layer="hazards", engine="pyogrio")
    with pytest.raises(InputError) as caught:
        read_layer(LayerSpec(path=tmp_path / "plan.gpkg", layer="hazards"), name="hazards")
    (problem,) = caught.value.problems
    assert "buffers" in problem.message and "buffered again" in problem.message
    assert "[inputs.hazards]" in problem.fix


def test_next_years_plan_from_the_shapefiles_drops_last_years_figures(
    first: Path, tmp_path: Path
) -> None:
    # Fed back from shapefile/, the areas' computed columns under their short names
    # (req_slots, serv_slots, walk_free1, ...) rode along as the planner's own: next
    # year's shapefile then held last year's figures as req_slots, serv_slots, and this
    # year's as req_slots1, serv_slot1, which nobody opening it would tell apart
    shp = first / "shapefile"
    pop = (first.parent / "city" / "pop.tif").as_posix()
    layers = {
        "areas": "areas",
        "parcels": "candidates",
        "districts": "districts",
        "facilities": "facilities",
    }
    given = "\n".join(
        f'{k} = {{ path = "{(shp / f"{v}.shp").as_posix()}" }}' for k, v in layers.items()
    )
    scenario = tmp_path / "2026.toml"
    scenario.write_text(
        f"""name = "来年"
[inputs]
population = {{ path = "{pop}" }}
{given}
[policy]
demonstration_per_district = 1
[solver]
gap = 0.0
""",
        encoding="utf-8",
    )
    plan = run_plan(scenario)
    last_year = gpd.read_file(shp / "areas.shp").columns
    stale = [c for c in plan.areas.columns if c in last_year and c != "geometry"]
    assert sorted(stale) == ["dwellings", "name", "name_en", "population", "status", "备注说"]
    out = write_plan(plan, tmp_path / "2026", map_and_report=False, shapefile=True)
    written = gpd.read_file(out / "shapefile" / "areas.shp").set_index("area_id")
    assert not any(c[-1].isdigit() and c[:-1] in written.columns for c in written.columns)
    served = plan.areas["served_slots"].sort_index().tolist()
    assert written["serv_slots"].sort_index().tolist() == pytest.approx(served)
