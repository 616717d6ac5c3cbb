"""A city handed over as Geofabrik's OpenStreetMap Shapefiles (``*-latest-free.shp.zip``):
its fclass words read as siting's kinds, and central Nanjing planned from the zip alone
(``benchmarks/geofabrik.py`` writes it from the real OSM extract)."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely

from siting.cli import main
from siting.demand import _building_weights, estimate_demand
from siting.errors import InputError, ScenarioError
from siting.inputs import load_inputs, read_layer
from siting.inputs._problems import _Report
from siting.inputs._streets import _read_streets
from siting.pipeline import run_plan
from siting.scenario import InputsSpec, LayerSpec, RasterSpec, Scenario, load_scenario
from tests._raster import write_raster

# Geofabrik's POI classes, each a 50 m square near Nanjing (EPSG:4326, as Geofabrik's)
POI_CLASSES = [
    ("1", 2204, "park", "玄武湖公园"),
    ("2", 2012, "community_centre", None),
    ("3", 2111, "clinic", None),
    ("4", 2007, "library", "南京图书馆"),
    ("5", 2014, "arts_centre", None),
    ("6", 2251, "sports_centre", "五台山体育中心"),
    ("7", 2083, "kindergarten", None),
]
HAZARD_CLASSES = [
    ("11", 5250, "fuel"),
    ("12", 2016, "market_place"),
    ("13", 2505, "department_store"),
]


def _geofabrik_zip(path: Path) -> Path:
    """A zip of two layers of Geofabrik's download, flat, UTF-8 with ``.cpg``."""
    folder = path.parent / "layers"
    folder.mkdir()
    squares = [
        shapely.box(118.78 + 0.001 * i, 32.05, 118.7805 + 0.001 * i, 32.0505)
        for i in range(len(POI_CLASSES))
    ]
    gpd.GeoDataFrame(
        {
            "osm_id": [r[0] for r in POI_CLASSES],
            "code": [r[1] for r in POI_CLASSES],
            "fclass": [r[2] for r in POI_CLASSES],
            "name": [r[3] for r in POI_CLASSES],
        },
        geometry=squares,
        crs="EPSG:4326",
    ).to_file(folder / "gis_osm_pois_a_free_1.shp", encoding="UTF-8", engine="pyogrio")
    gpd.GeoDataFrame(
        {
            "osm_id": [r[0] for r in HAZARD_CLASSES],
            "code": [r[1] for r in HAZARD_CLASSES],
            "fclass": [r[2] for r in HAZARD_CLASSES],
        },
        geometry=[shapely.Point(118.79 + 0.001 * i, 32.06) for i in range(len(HAZARD_CLASSES))],
        crs="EPSG:4326",
    ).to_file(folder / "gis_osm_pois_free_1.shp", encoding="UTF-8", engine="pyogrio")
    return _zipped(folder, path)


def _zipped(folder: Path, path: Path) -> Path:
    """``folder``'s files zipped flat into ``path``, as Geofabrik zips its layers."""
    with zipfile.ZipFile(path, "w") as zf:
        for file in sorted(folder.iterdir()):
            zf.write(file, file.name)
    return path


def _pois_as_parcels(zipped: Path, layer: str) -> gpd.GeoDataFrame:
    """The POI layer ``layer`` of ``zipped`` read as parcels, their kind by fclass."""
    return read_layer(
        LayerSpec(
            path=zipped,
            layer=layer,
            columns={"site_id": "osm_id", "kind": "fclass"},
            values={"acquisition": "reuse"},
        ),
        name="parcels",
    )


def test_geofabriks_fclass_words_read_as_siting_kinds(tmp_path: Path) -> None:
    """Geofabrik's clinic, library, arts_centre, sports_centre and kindergarten were "not a
    kind" (park and community_centre are siting's own words); fuel, market_place and
    department_store were not hazard kinds. They read as siting.osm reads their tags."""
    zipped = _geofabrik_zip(tmp_path / "nanjing-latest-free.shp.zip")
    parcels = _pois_as_parcels(zipped, "gis_osm_pois_a_free_1")
    assert parcels["kind"].to_dict() == {
        "1": "park",
        "2": "community_centre",
        "3": "health_centre",
        "4": "cultural_venue",
        "5": "cultural_venue",
        "6": "sports_venue",
        "7": "existing_childcare",
    }
    assert parcels.loc["4", "name"] == "南京图书馆"
    hazards = read_layer(
        LayerSpec(
            path=zipped,
            layer="gis_osm_pois_free_1",
            columns={"hazard_id": "osm_id", "kind": "fclass"},
        ),
        name="hazards",
    )
    assert hazards["kind"].to_dict() == {"11": "petrol_station", "12": "market", "13": "mall"}


def test_a_filter_on_a_layer_without_features_says_so_and_how_to_leave_it_out(
    tmp_path: Path,
) -> None:
    """An extract without a fuel station hands over gis_osm_traffic_free_1 with no
    feature; the problem said "keeps none of the layer's 0 features; its column fclass
    holds no value (every feature's is empty)" and not that an optional layer may go."""
    folder = tmp_path / "zip"
    folder.mkdir()
    empty = gpd.GeoDataFrame(
        {"osm_id": [], "code": [], "fclass": []}, geometry=[], crs="EPSG:4326"
    ).astype({"osm_id": str, "code": "int32", "fclass": str})
    empty.to_file(folder / "gis_osm_traffic_free_1.shp", encoding="UTF-8", engine="pyogrio")
    zipped = _zipped(folder, tmp_path / "city-latest-free.shp.zip")
    spec = LayerSpec(
        path=zipped,
        layer="gis_osm_traffic_free_1",
        where="fclass = 'fuel'",
        columns={"hazard_id": "osm_id", "kind": "fclass"},
    )
    with pytest.raises(InputError) as raised:
        read_layer(spec, name="hazards")
    (problem,) = raised.value.problems
    assert problem.message == (
        "where = \"fclass = 'fuel'\" under [inputs.hazards] keeps nothing: the layer holds "
        "no features at all"
    )
    assert problem.fix is not None
    assert problem.fix.endswith("a city without any may leave [inputs.hazards] out")


def test_a_list_of_layers_is_read_as_pieces_of_a_layer_and_of_streets_refused(
    tmp_path: Path,
) -> None:
    """Geofabrik keeps a class's points and polygons apart (gis_osm_pois_free_1 and
    gis_osm_pois_a_free_1): a planner who listed both was told "must be a string", then to
    merge them; a layer's entry reads them as its pieces (tests/test_pieces.py), the
    streets' still says to merge them."""
    path = tmp_path / "scenario.toml"
    layers = 'layer = ["gis_osm_pois_free_1", "gis_osm_pois_a_free_1"]\n'
    path.write_text(
        '[inputs]\npopulation = { path = "p.tif" }\nareas = { path = "a.gpkg" }\n'
        'parcels = { path = "p.gpkg" }\n[inputs.facilities]\n'
        f'path = "city-latest-free.shp.zip"\n{layers}',
        encoding="utf-8",
    )
    facilities = load_scenario(path).inputs.facilities
    assert facilities is not None
    assert [p.layer for p in facilities.pieces] == ["gis_osm_pois_free_1", "gis_osm_pois_a_free_1"]
    path.write_text(
        '[inputs]\npopulation = { path = "p.tif" }\n[inputs.streets]\n'
        f'path = "city-latest-free.shp.zip"\n{layers}',
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError) as raised:
        load_scenario(path)
    text = str(raised.value)
    assert text.startswith(
        f"{path}: 'inputs.street_lines.layer' is a list of 2 layers (gis_osm_pois_free_1, "
        "gis_osm_pois_a_free_1); siting reads one layer here (the layers of [inputs] read a "
        "list of layers: areas, parcels, facilities …). Fix: give the one that holds the "
        "features, or merge them"
    )
    assert "Merge Vector Layers" in text


def test_geofabriks_buildings_layer_reads_type_as_the_osm_kind(tmp_path: Path) -> None:
    """gis_osm_buildings_a_free_1 keeps building=* in ``type`` (empty for ``yes``): it was
    left unread, so a school or an office held residents as a flat does."""
    folder = tmp_path / "zip"
    folder.mkdir()
    gpd.GeoDataFrame(
        {
            "osm_id": ["21", "22", "23"],
            "code": [1500, 1500, 1500],
            "fclass": ["building"] * 3,
            "name": [None, "琅琊路小学", None],
            "type": [None, "school", "apartments"],
        },
        geometry=[
            shapely.box(118.78 + 0.001 * i, 32.05, 118.7803 + 0.001 * i, 32.0503) for i in range(3)
        ],
        crs="EPSG:4326",
    ).to_file(folder / "gis_osm_buildings_a_free_1.shp", encoding="UTF-8", engine="pyogrio")
    zipped = _zipped(folder, tmp_path / "city-latest-free.shp.zip")
    spec = LayerSpec(path=zipped, layer="gis_osm_buildings_a_free_1")
    buildings = read_layer(spec, name="buildings")
    assert buildings["building"].tolist() == [None, "school", "apartments"]
    # the residents a building holds: the school none (siting.demand's weights)
    weights, _ = _building_weights(buildings.to_crs("EPSG:4549"))
    assert weights is not None
    held = weights["weight"].tolist()
    assert held[1] == 0.0 and held[0] > 0 and held[2] > 0


# ------------------------------------------------------------- central Nanjing, end to end

OSM = Path(__file__).resolve().parents[2] / "shared" / "data" / "osm" / "nanjing-xuanwu.osm"
NANJING = Path(__file__).resolve().parents[1] / "data" / "nanjing"


def _xml_areas(path: Path, match: Callable[[dict[str, str]], bool]) -> set[str]:
    """The ids of the OSM file's closed ways and multipolygons whose tags ``match``, read
    with ElementTree (not osmnx, not siting.osm)."""
    found = set()
    for element in ET.parse(path).getroot():
        tags = {t.get("k", ""): t.get("v", "") for t in element.iter("tag")}
        if element.tag == "way":
            refs = [n.get("ref") for n in element.iter("nd")]
            closed = len(refs) > 3 and refs[0] == refs[-1]
        else:
            closed = element.tag == "relation" and tags.get("type") == "multipolygon"
        if closed and match(tags):
            found.add(str(element.get("id")))
    return found


@pytest.fixture(scope="module")
def nanjing_geofabrik(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not OSM.is_file():
        pytest.skip(f"{OSM} is absent (the real OSM extracts of ../shared/data)")
    from benchmarks.geofabrik import City, write_city

    folder = tmp_path_factory.mktemp("nanjing")
    scenarios, _, _ = write_city(City("nanjing", OSM, "EPSG:4549"), folder)
    return scenarios[0][1]


@pytest.mark.slow
def test_nanjing_plans_from_geofabriks_zip_alone(nanjing_geofabrik: Path) -> None:
    """The residential areas, the candidate parcels and the demand of central Nanjing
    read from the Shapefiles are those of the OSM file, counted by another route: the
    11 landuse=residential polygons (by ElementTree), the 13 park, community-centre,
    clinic, library, arts-centre and sports-centre polygons, and the 596 slots the same
    areas need when [inputs.osm] reads them from the XML."""
    residential = _xml_areas(OSM, lambda t: t.get("landuse") == "residential")
    venues = _xml_areas(
        OSM,
        lambda t: (
            t.get("leisure") in ("park", "sports_centre")
            or t.get("amenity") in ("community_centre", "clinic", "library", "arts_centre")
        ),
    )
    assert (len(residential), len(venues)) == (11, 13)
    assert main(["validate", str(nanjing_geofabrik)]) == 0
    plan = run_plan(nanjing_geofabrik)
    assert set(plan.areas.index) == residential
    assert set(plan.candidates.index) == venues
    osm = load_scenario(NANJING / "scenario.toml")
    assert osm.inputs is not None
    demand = estimate_demand(load_inputs(osm.inputs, crs=osm.crs), scenario=osm)
    required = plan.run["totals"]["required_slots"]
    assert required == pytest.approx(demand.areas["required_slots"].sum(), rel=1e-9)
    assert round(required) == 596
    assert plan.run["status"] == "optimal"
    assert plan.run["distance_method"] == "network"
    assert 0 < plan.run["totals"]["shortfall_slots"] < required


def test_streets_from_geofabriks_roads_take_where(tmp_path: Path) -> None:
    """``streets = { path, layer, where }``: every other vector layer took ``where``, the
    roads were refused ("takes path, layer, crs, encoding ... got 'where'"). Three streets
    of a T (4 nodes, 3 two-way edges) and a service lane off its foot (1 node, 1 edge
    more): with where = "fclass <> 'service'" the lane is left out."""
    folder = tmp_path / "zip"
    folder.mkdir()
    gpd.GeoDataFrame(
        {
            "osm_id": ["31", "32", "33", "34"],
            "code": [5122, 5122, 5122, 5141],
            "fclass": ["residential", "residential", "residential", "service"],
        },
        geometry=[
            shapely.LineString([(118.780, 32.05), (118.782, 32.05)]),
            shapely.LineString([(118.782, 32.05), (118.784, 32.05)]),
            shapely.LineString([(118.782, 32.05), (118.782, 32.048)]),
            shapely.LineString([(118.782, 32.048), (118.781, 32.047)]),
        ],
        crs="EPSG:4326",
    ).to_file(folder / "gis_osm_roads_free_1.shp", encoding="UTF-8", engine="pyogrio")
    zipped = _zipped(folder, tmp_path / "city-latest-free.shp.zip")
    path = tmp_path / "scenario.toml"
    path.write_text(
        '[inputs]\npopulation = { path = "p.tif" }\nareas = { path = "a.gpkg" }\n'
        'parcels = { path = "p.gpkg" }\n'
        'streets = { path = "city-latest-free.shp.zip", layer = "gis_osm_roads_free_1", '
        "where = \"fclass <> 'service'\" }\n",
        encoding="utf-8",
    )
    scenario = load_scenario(path)
    assert scenario.inputs is not None and scenario.inputs.street_lines is not None
    entry = scenario.inputs.street_lines
    assert entry.where == "fclass <> 'service'"
    report = _Report()
    graph = _read_streets(zipped, pyproj.CRS("EPSG:4549"), report, entry=entry)
    assert not report.problems
    assert (graph.number_of_nodes(), graph.number_of_edges()) == (4, 6)
    whole = _read_streets(
        zipped, pyproj.CRS("EPSG:4549"), _Report(), entry=dataclasses.replace(entry, where=None)
    )
    assert (whole.number_of_nodes(), whole.number_of_edges()) == (5, 8)


def test_a_zipped_shapefile_is_named_with_its_shp_too(tmp_path: Path) -> None:
    """The zip lists gis_osm_pois_a_free_1.shp; a layer written so was "the zip holds 2
    layers ... name the Shapefile to read with layer = "..." (its name without .shp)"."""
    zipped = _geofabrik_zip(tmp_path / "nanjing-latest-free.shp.zip")
    parcels = _pois_as_parcels(zipped, "gis_osm_pois_a_free_1.shp")
    assert list(parcels.index) == [r[0] for r in POI_CLASSES]


def test_an_area_without_buildings_emptied_by_them_is_not_blamed_on_the_raster(
    tmp_path: Path,
) -> None:
    """Geofabrik's buildings as ``buildings`` left one of Taichung's 20 areas with nobody,
    and the finding said it lay "on the raster's nodata cells or outside it". Here one
    100 m cell of 1,000 people holds areas A and B, and only A a building: the cell's
    people all go to A. C, alone in the next cell without a building, takes all of its."""
    gk = "EPSG:4549"
    x0, y0 = 385_000.0, 3_548_000.0
    write_raster(tmp_path / "pop.tif", np.full((1, 2), 1000.0), crs=gk, x0=x0, y0=y0)
    gpd.GeoDataFrame(
        {"area_id": ["A", "B", "C"], "status": ["old"] * 3},
        geometry=[
            shapely.box(x0, y0 - 100, x0 + 50, y0),
            shapely.box(x0 + 50, y0 - 100, x0 + 100, y0),
            shapely.box(x0 + 100, y0 - 100, x0 + 150, y0),
        ],
        crs=gk,
    ).to_file(tmp_path / "areas.gpkg", engine="pyogrio")
    gpd.GeoDataFrame(
        {"site_id": ["P"], "kind": ["park"], "acquisition": ["reuse"]},
        geometry=[shapely.box(x0 + 10, y0 - 60, x0 + 40, y0 - 30)],
        crs=gk,
    ).to_file(tmp_path / "parcels.gpkg", engine="pyogrio")
    gpd.GeoDataFrame(
        {"fclass": ["building"], "type": ["apartments"]},
        geometry=[shapely.box(x0 + 10, y0 - 90, x0 + 30, y0 - 70)],
        crs=gk,
    ).to_file(tmp_path / "buildings.gpkg", engine="pyogrio")
    spec = InputsSpec(
        population=RasterSpec(path=tmp_path / "pop.tif"),
        areas=LayerSpec(path=tmp_path / "areas.gpkg"),
        parcels=LayerSpec(path=tmp_path / "parcels.gpkg"),
        buildings=LayerSpec(path=tmp_path / "buildings.gpkg"),
    )
    demand = estimate_demand(load_inputs(spec, crs=gk), scenario=Scenario())
    assert demand.areas["population"].round(6).to_dict() == {"A": 1000.0, "B": 0.0, "C": 1000.0}
    assert demand.findings == (
        "1 of 3 residential areas get nobody from the population raster and need no slots "
        "(B): they hold no housing building of the buildings layer, and the people of each "
        "raster cell they lie on went to the areas there that hold one; add their buildings "
        "to the layer, or leave buildings out",
    )
