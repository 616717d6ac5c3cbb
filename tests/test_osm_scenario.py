"""``[inputs.osm]`` in a scenario: validation, merging with explicit layers, plans end to end."""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.util
import json
import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin
from shapely.geometry import box

from siting.cli import main
from siting.demand import estimate_demand
from siting.errors import InputError
from siting.export import write_plan
from siting.inputs import Inputs, load_inputs, validate
from siting.pipeline import run_plan
from siting.plan import verify
from siting.scenario import InputsSpec, LayerSpec, OsmSpec, RasterSpec, Scenario, load_scenario

ROOT = Path(__file__).resolve().parents[1]
NANJING = ROOT / "data" / "nanjing"
SAMPLE = ROOT / "data" / "sample"


def _square(lon: float, lat: float, dlon: float, dlat: float) -> list[tuple[float, float]]:
    return [(lon, lat), (lon + dlon, lat), (lon + dlon, lat + dlat), (lon, lat + dlat)]


def tiny_osm(path: Path, *, roads: bool = True, residential: bool = True) -> Path:
    """A hand-made OSM file near the sample city (105.84°E, 32.43°N).

    Two residential areas (way 100 ``landuse=residential`` named 小区A, way 101
    tagged only ``residential=urban``), a park (way 110, about 94 m × 111 m),
    a kindergarten with a nursery (``childcare=yes``, ``capacity=60``: node 1) and a
    childcare centre
    without (node 2), a petrol station (node 3) and, with ``roads``, four
    residential streets (ways 200–203).
    """
    nodes: list[str] = []
    ways: list[str] = []
    next_id = [1000]

    def node(lon: float, lat: float) -> int:
        next_id[0] += 1
        nodes.append(f"<node id='{next_id[0]}' lat='{lat:.6f}' lon='{lon:.6f}'/>")
        return next_id[0]

    def way(way_id: int, points: list[tuple[float, float]], tags: dict[str, str], *, ring: bool):
        refs = [node(lon, lat) for lon, lat in points]
        if ring:
            refs.append(refs[0])
        body = "".join(f"<nd ref='{r}'/>" for r in refs)
        body += "".join(f"<tag k='{k}' v='{v}'/>" for k, v in tags.items())
        ways.append(f"<way id='{way_id}'>{body}</way>")

    if residential:
        way(
            100,
            _square(105.840, 32.430, 0.003, 0.003),
            {"landuse": "residential", "name": "小区A"},
            ring=True,
        )
        way(101, _square(105.845, 32.430, 0.002, 0.002), {"residential": "urban"}, ring=True)
    way(110, _square(105.8435, 32.4305, 0.001, 0.001), {"leisure": "park"}, ring=True)
    if roads:
        way(200, [(105.839, 32.4335), (105.8435, 32.4335), (105.848, 32.4335)], {}, ring=False)
        way(201, [(105.844, 32.429), (105.844, 32.4335)], {}, ring=False)
        way(202, [(105.839, 32.4295), (105.844, 32.4295), (105.848, 32.4295)], {}, ring=False)
        way(203, [(105.8415, 32.4295), (105.8415, 32.4335)], {}, ring=False)
        for text in ways[-4:]:
            ways[ways.index(text)] = text.replace(
                "</way>", "<tag k='highway' v='residential'/></way>"
            )
    pois = (
        "<node id='1' lat='32.4315' lon='105.8415'><tag k='amenity' v='kindergarten'/>"
        "<tag k='childcare' v='yes'/><tag k='capacity' v='60'/>"
        "<tag k='name' v='阳光幼儿园'/></node>"
        "<node id='2' lat='32.4310' lon='105.8460'><tag k='amenity' v='childcare'/></node>"
        "<node id='3' lat='32.4380' lon='105.8500'><tag k='amenity' v='fuel'/></node>"
    )
    path.write_text(
        "<?xml version='1.0' encoding='UTF-8'?>\n<osm version='0.6' generator='hand'>\n"
        + "\n".join(nodes)
        + "\n"
        + pois
        + "\n"
        + "\n".join(ways)
        + "\n</osm>\n",
        encoding="utf-8",
    )
    return path


def tiny_population(path: Path) -> Path:
    """2,000 persons in every 0.001° cell over the tiny file, EPSG:4326."""
    data = np.full((12, 16), 2000.0, dtype=np.float32)
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=16,
        height=12,
        count=1,
        dtype="float32",
        crs="EPSG:4326",
        transform=from_origin(105.836, 32.438, 0.001, 0.001),
    ) as dst:
        dst.write(data, 1)
    return path


def tiny_scenario(folder: Path, *, osm: str, use: list[str] | None = None) -> Path:
    tiny_population(folder / "population.tif")
    uses = "" if use is None else f"use = {json.dumps(use)}\n"
    path = folder / "scenario.toml"
    path.write_text(
        'name = "tiny"\ncrs = "EPSG:4544"\n[inputs]\npopulation = { path = "population.tif" }\n'
        f'[inputs.osm]\npath = "{osm}"\n{uses}[solver]\ntime_limit_s = 30.0\n',
        encoding="utf-8",
    )
    return path


def test_osm_only_scenario_plans_with_assumed_slots_marked(tmp_path: Path) -> None:
    tiny_osm(tmp_path / "city.osm")
    scenario = load_scenario(tiny_scenario(tmp_path, osm="city.osm"))
    assert scenario.inputs is not None and scenario.inputs.osm is not None
    assert scenario.inputs.areas is None and scenario.inputs.parcels is None
    assert scenario.inputs.osm.use == ("streets", "areas", "candidates", "facilities", "hazards")
    inputs = load_inputs(scenario.inputs, crs=scenario.crs)
    assert inputs.areas[["name", "status", "source"]].to_dict("index") == {
        "osm/way/100": {"name": "小区A", "status": "old", "source": "osm"},
        "osm/way/101": {"name": "osm/way/101", "status": "old", "source": "osm"},
    }
    assert list(inputs.parcels.index) == ["osm/way/110"]
    assert inputs.parcels.loc["osm/way/110", "kind"] == "park"
    assert math.isnan(inputs.parcels.loc["osm/way/110", "cost"])
    assert inputs.facilities is not None
    assert inputs.facilities[["slots", "slots_source"]].to_dict("index") == {
        "osm/node/1": {"slots": 60, "slots_source": "osm capacity"},
        "osm/node/2": {"slots": 20, "slots_source": "assumed default"},
    }
    assert inputs.hazards is not None and list(inputs.hazards.index) == ["osm/node/3"]
    assert inputs.streets == tmp_path / "city.osm"
    assert inputs.files["osm"] == tmp_path / "city.osm"

    plan = run_plan(scenario)
    assert plan.run["status"] == "optimal"
    assert plan.run["distance_method"] == "network"
    assert any("ASSUMED to have 20 slots" in n for n in plan.run["notes"])
    existing = plan.facilities[plan.facilities["existing"].astype(bool)]
    assert existing["slots_source"].to_dict() == {
        "osm/node/1": "osm capacity",
        "osm/node/2": "assumed default",
    }
    new = plan.facilities[~plan.facilities["existing"].astype(bool)]
    assert new["slots_source"].isna().all()
    out = write_plan(plan, tmp_path / "out", language="en")
    assert "assumed: no OSM capacity tag" in (out / "map.html").read_text(encoding="utf-8")
    assert "ASSUMED to have 20 slots" in (out / "report.md").read_text(encoding="utf-8")
    written = json.loads((out / "facilities.geojson").read_text(encoding="utf-8"))
    sources = {
        f["properties"]["site_id"]: f["properties"]["slots_source"] for f in written["features"]
    }
    assert sources["osm/node/2"] == "assumed default"
    assert verify(out).ok


def test_file_without_roads_is_an_error_unless_streets_is_left_out(tmp_path: Path) -> None:
    tiny_osm(tmp_path / "city.osm", roads=False)
    scenario = load_scenario(tiny_scenario(tmp_path, osm="city.osm"))
    assert scenario.inputs is not None
    problems = validate(scenario.inputs, crs=scenario.crs)
    assert [p.message for p in problems] == [
        'the file has no streets (no highway=* way), but use includes "streets"'
    ]
    assert problems[0].layer == "osm"
    assert problems[0].fix is not None
    assert 'remove "streets" from use under [inputs.osm]' in problems[0].fix
    with pytest.raises(InputError, match="no streets"):
        load_inputs(scenario.inputs, crs=scenario.crs)
    # without "streets" the run measures straight lines x the detour factor, as it says
    straight = load_scenario(
        tiny_scenario(tmp_path, osm="city.osm", use=["areas", "candidates", "facilities"])
    )
    plan = run_plan(straight)
    assert plan.run["distance_method"] != "network"
    assert plan.run["status"] == "optimal"


def test_file_without_residential_polygons_is_an_error(tmp_path: Path) -> None:
    tiny_osm(tmp_path / "city.osm", residential=False)
    scenario = load_scenario(tiny_scenario(tmp_path, osm="city.osm"))
    assert scenario.inputs is not None
    problems = validate(scenario.inputs, crs=scenario.crs)
    assert len(problems) == 1
    assert "no residential area (no landuse=residential or residential=* polygon)" in str(
        problems[0]
    )
    assert 'remove "areas" from use under [inputs.osm]' in str(problems[0])


def test_a_missing_osm_file_gets_the_hints_of_the_other_input_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """[inputs.osm] path written on Windows, or from the working directory rather than the
    scenario's folder, is said as such, as the layers' paths are; before, a missing OSM
    file got only 'check path under [inputs.osm]' (a .osm.pbf only 'check the path')."""
    sample = tmp_path / "data" / "sample"
    sample.mkdir(parents=True)
    tiny_osm(sample / "city.osm")
    monkeypatch.chdir(tmp_path)

    def fix(osm: str) -> str | None:
        scenario = load_scenario(tiny_scenario(sample, osm=osm))
        assert scenario.inputs is not None
        problems = validate(scenario.inputs, crs=scenario.crs)
        assert [(p.message, p.layer) for p in problems] == [("the OSM file does not exist", "osm")]
        return problems[0].fix

    assert fix("data/sample/city.osm") == (
        f"'data/sample/city.osm' under [inputs.osm] does not exist in {sample}; a file of that "
        f"name exists relative to the working directory {tmp_path}: paths in a scenario are "
        'read from the scenario file\'s folder; write it as "city.osm" or an absolute path'
    )
    for windows in ("D:/GIS/city.osm", "D:/GIS/city.osm.pbf"):
        assert fix(windows) == (
            f"'{windows}' under [inputs.osm] is a Windows path, which this machine cannot "
            "open: copy the file beside the scenario and give its path relative to the "
            "scenario file's folder, with / between folders"
        )
    assert fix("gone.osm.pbf") == (
        "check the path under [inputs.osm] (a relative path is read from the scenario "
        "file's folder)"
    )


@pytest.mark.parametrize(
    ("content", "said"),
    [
        ('{"type": "FeatureCollection", "features": []}', "the file is GeoJSON or JSON, not OSM"),
        ("area_id,name\nA1,north\n", "the file is not OSM XML (it starts with 'area_id,name"),
        ("<?xml version='1.0'?><gpx></gpx>", "not OSM XML"),
        (None, "the OSM file does not exist"),
    ],
)
def test_a_file_that_is_not_osm_is_named_with_the_fix(
    tmp_path: Path, content: str | None, said: str
) -> None:
    path = tmp_path / "city.osm"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    scenario = load_scenario(tiny_scenario(tmp_path, osm="city.osm"))
    assert scenario.inputs is not None
    problems = validate(scenario.inputs, crs=scenario.crs)
    assert len(problems) == 1
    text = str(problems[0])
    assert said in text
    assert f"file {path}" in text
    assert "[inputs.osm]" in text
    code = main(["validate", str(tmp_path / "scenario.toml")])
    assert code == 2


def test_unknown_use_word_from_python_names_the_key(tmp_path: Path) -> None:
    spec = InputsSpec(
        population=RasterSpec(tiny_population(tmp_path / "p.tif")),
        osm=OsmSpec(tiny_osm(tmp_path / "c.osm"), use=("areas", "candidates", "roads")),
    )
    problems = validate(spec, crs="EPSG:4544")
    assert [str(p) for p in problems] == [
        "layer 'inputs': 'inputs.osm.use' has unknown word(s) 'roads'. Fix: use any of "
        "'streets', 'areas', 'candidates', 'facilities', 'hazards', 'buildings'"
    ]
    bare = InputsSpec(population=RasterSpec(tmp_path / "p.tif"))
    assert {p.message.split(":")[0] for p in validate(bare, crs="EPSG:4544")} == {
        "'inputs.areas' is missing",
        "'inputs.parcels' is missing",
    }


def test_explicit_layers_and_osm_are_merged_and_explicit_streets_win(tmp_path: Path) -> None:
    scenario = load_scenario(SAMPLE / "scenario.toml")
    assert scenario.inputs is not None
    osm = OsmSpec(tiny_osm(tmp_path / "c.osm"), use=("streets", "candidates", "facilities"))
    spec = dataclasses.replace(scenario.inputs, osm=osm)
    inputs = load_inputs(spec, crs=scenario.crs)
    sources = inputs.parcels["source"].value_counts().to_dict()
    assert sources == {"layer": 382, "osm": 1}
    assert inputs.parcels.loc["osm/way/110", "kind"] == "park"
    assert inputs.parcels.loc["P0001", "source"] == "layer"
    assert inputs.facilities is not None
    assert inputs.facilities["slots_source"].value_counts().to_dict() == {
        "layer": 10,
        "osm capacity": 1,
        "assumed default": 1,
    }
    assert inputs.streets == SAMPLE.resolve() / "streets.osm"
    assert any("not from c.osm" in n and "explicit one wins" in n for n in inputs.notes)
    assert any(n.startswith("parcels: 382 from the layer and 1 from c.osm") for n in inputs.notes)
    assert inputs.areas.index.str.startswith("A").all()  # areas only from the layer
    assert "source" not in inputs.areas.columns


def shared_cell_osm(path: Path) -> Path:
    """Two residential areas in one 0.001° cell at 120°E, 32°N (the cell spans 119.9995–120.0005°E).

    Area A (way 100) is the cell's west half, area B (way 101) the 0.4 of it
    east of a 0.1 gap. A holds a 1-level building (way 10) and a 20-level
    school (way 12); B a 10-level building (way 11) of A's building's size
    (0.0002° × 0.0003°, mirrored about 120°E). A park (way 110) lies outside
    the cell, so the run has a candidate.
    """
    nodes: list[str] = []
    ways: list[str] = []

    def ring(way_id: int, west: float, south: float, east: float, north: float, tags: str) -> None:
        first = len(nodes) + 1
        for i, (lon, lat) in enumerate(
            [(west, south), (east, south), (east, north), (west, north)], start=first
        ):
            nodes.append(f"<node id='{i}' lat='{lat:.7f}' lon='{lon:.7f}'/>")
        refs = "".join(f"<nd ref='{i}'/>" for i in [*range(first, first + 4), first])
        ways.append(f"<way id='{way_id}'>{refs}{tags}</way>")

    def tag(key: str, value: str) -> str:
        return f"<tag k='{key}' v='{value}'/>"

    ring(100, 119.9995, 32.0, 120.0, 32.001, tag("landuse", "residential"))
    ring(101, 120.0001, 32.0, 120.0005, 32.001, tag("landuse", "residential"))
    ring(10, 119.9996, 32.0003, 119.9998, 32.0006, tag("building", "yes"))
    ring(11, 120.0002, 32.0003, 120.0004, 32.0006, tag("building", "apartments"))
    ways[-1] = ways[-1].replace("</way>", tag("building:levels", "10") + "</way>")
    ring(12, 119.9996, 32.0007, 119.9998, 32.0009, tag("building", "school"))
    ways[-1] = ways[-1].replace("</way>", tag("building:levels", "20") + "</way>")
    ring(110, 120.001, 32.0, 120.002, 32.001, tag("leisure", "park"))
    path.write_text(
        "<?xml version='1.0' encoding='UTF-8'?>\n<osm version='0.6' generator='hand'>\n"
        + "\n".join(nodes + ways)
        + "\n</osm>\n",
        encoding="utf-8",
    )
    return path


def test_buildings_split_a_shared_cell_by_floor_area(tmp_path: Path) -> None:
    osm = shared_cell_osm(tmp_path / "cell.osm")
    raster = tmp_path / "cell.tif"
    with rasterio.open(
        raster,
        "w",
        driver="GTiff",
        width=1,
        height=1,
        count=1,
        dtype="float32",
        crs="EPSG:4326",
        nodata=-1,
        transform=from_origin(119.9995, 32.001, 0.001, 0.001),
    ) as dst:
        dst.write(np.array([[1100.0]], dtype=np.float32), 1)

    seen: list[Inputs] = []

    def people(use: tuple[str, ...], **layers: LayerSpec) -> dict[str, float]:
        spec = InputsSpec(population=RasterSpec(raster), osm=OsmSpec(osm, use=use), **layers)
        inputs = load_inputs(spec, crs="EPSG:4549")  # Gauss-Kruger, central meridian 120°E
        seen.append(inputs)
        demand = estimate_demand(inputs, scenario=Scenario())
        accounting = demand.accounting["population"]
        assert accounting["total"] == pytest.approx(1100.0)
        assert accounting["residual"] == pytest.approx(0.0, abs=1e-6)
        return demand.areas["population"].to_dict()

    # by overlap: A covers 0.5 of the cell and B 0.4, so 1,100 × 5/9 and 1,100 × 4/9
    by_area = people(("areas", "candidates"))
    assert by_area == pytest.approx({"osm/way/100": 1100 * 5 / 9, "osm/way/101": 1100 * 4 / 9})
    # by floor area: 1 level against 10 of the same footprint, 1:10; the school holds nobody
    by_floor = people(("areas", "candidates", "buildings"))
    assert by_floor == pytest.approx({"osm/way/100": 100.0, "osm/way/101": 1000.0}, rel=1e-6)
    buildings = seen[-1].buildings
    assert buildings is not None
    assert buildings[["building", "levels", "source"]].to_dict("index") == {
        "osm/way/10": {
            "building": "yes",
            "levels": pytest.approx(math.nan, nan_ok=True),
            "source": "osm",
        },
        "osm/way/11": {"building": "apartments", "levels": 10.0, "source": "osm"},
        "osm/way/12": {"building": "school", "levels": 20.0, "source": "osm"},
    }
    # an explicit layer's 9-level building of the same size in A is merged: 10:10
    layer = tmp_path / "buildings.geojson"
    gpd.GeoDataFrame(
        {"building_id": ["B1"], "levels": [9.0]},
        geometry=[box(119.9996, 32.0003 - 0.0003, 119.9998, 32.0006 - 0.0003)],
        crs="EPSG:4326",
    ).to_file(layer)
    merged = people(("areas", "candidates", "buildings"), buildings=LayerSpec(layer))
    assert merged == pytest.approx({"osm/way/100": 550.0, "osm/way/101": 550.0}, rel=1e-4)
    buildings = seen[-1].buildings
    assert buildings is not None
    assert buildings["source"].to_dict() == {
        "B1": "layer",
        "osm/way/10": "osm",
        "osm/way/11": "osm",
        "osm/way/12": "osm",
    }
    assert any(
        n.startswith("buildings: 1 from the layer and 3 from cell.osm") for n in seen[-1].notes
    )


@pytest.fixture(scope="module")
def nanjing_plans(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    outs = []
    for run in ("first", "second"):
        plan = run_plan(NANJING / "scenario.toml")
        outs.append(write_plan(plan, tmp_path_factory.mktemp(run) / "out"))
    return outs


@pytest.mark.slow
def test_nanjing_osm_only_scenario_plans_end_to_end(nanjing_plans: list[Path]) -> None:
    out = nanjing_plans[0]
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert run["status"] == "optimal"
    assert run["distance_method"] == "network"
    assert set(run["inputs"]) == {"population", "osm", "streets"}
    notes = "\n".join(run["notes"])
    for text in (
        "osm: 11 residential areas",
        "osm: 0 existing childcare facilities",
        "osm: 17 candidate sites",
        "osm: 43 hazards",
    ):
        assert text in notes
    totals = run["totals"]
    assert totals["facilities_existing"] == 0
    assert totals["facilities_new"] >= 1
    assert totals["required_slots"] > totals["shortfall_slots"] > 0
    assert totals["cost"] > 0
    report = verify(out)
    assert report.ok, report.problems


@pytest.mark.slow
def test_nanjing_ids_are_stable_across_runs(nanjing_plans: list[Path]) -> None:
    first, second = nanjing_plans
    for layer, key in (("facilities", "site_id"), ("areas", "area_id"), ("candidates", "site_id")):
        a = json.loads((first / f"{layer}.geojson").read_text(encoding="utf-8"))
        b = json.loads((second / f"{layer}.geojson").read_text(encoding="utf-8"))
        ids_a = [f["properties"][key] for f in a["features"]]
        assert ids_a == [f["properties"][key] for f in b["features"]]
        assert all(i.startswith("osm/") for i in ids_a)


def test_cli_validate_reads_the_nanjing_osm_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(NANJING / "scenario.toml")]) == 0
    assert "inputs are valid" in capsys.readouterr().out


def test_nanjing_population_generator_is_reproducible(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("gen", NANJING / "generate_population.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    summary = module.generate(NANJING / "nanjing-xuanwu.osm", tmp_path / "p.tif")
    assert (summary["width"], summary["height"]) == (58, 37)
    committed = NANJING / "population.tif"
    assert (
        hashlib.sha256((tmp_path / "p.tif").read_bytes()).hexdigest()
        == hashlib.sha256(committed.read_bytes()).hexdigest()
    )
    with rasterio.open(committed) as src:
        assert src.crs.to_epsg() == 4326
        assert src.res == pytest.approx((1 / 1200, 1 / 1200))
        assert float(src.read(1).sum()) == pytest.approx(summary["people"], rel=1e-6)


def _nanjing_pbf(folder: Path) -> Path:
    """The Nanjing extract written as OSM PBF by pyosmium (as Geofabrik hands it over)."""
    osmium = pytest.importorskip("osmium")
    pbf = folder / "nanjing-xuanwu.osm.pbf"
    with osmium.SimpleWriter(str(pbf)) as writer:
        for obj in osmium.FileProcessor(str(NANJING / "nanjing-xuanwu.osm")):
            writer.add(obj)
    return pbf


@pytest.mark.slow
def test_nanjing_from_pbf_plans_like_the_xml(nanjing_plans: list[Path], tmp_path: Path) -> None:
    pbf = _nanjing_pbf(tmp_path)
    text = (NANJING / "scenario.toml").read_text(encoding="utf-8")
    text = text.replace('path = "nanjing-xuanwu.osm"', f'path = "{pbf.as_posix()}"')
    text = text.replace(
        '{ path = "population.tif" }', f'{{ path = "{NANJING.as_posix()}/population.tif" }}'
    )
    scenario = tmp_path / "scenario.toml"
    scenario.write_text(text, encoding="utf-8")
    assert main(["validate", str(scenario)]) == 0
    out = write_plan(run_plan(scenario), tmp_path / "out")
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    xml_run = json.loads((nanjing_plans[0] / "run.json").read_text(encoding="utf-8"))
    assert run["inputs"]["osm"]["path"] == str(pbf)
    assert run["inputs"]["streets"]["path"] == str(pbf)  # not its XML copy in a temp folder
    assert run["distance_method"] == "network"
    # the same city: the same areas, people, sites, walks and plan as from the XML
    for key in ("population", "required_slots", "shortfall_slots", "cost", "planned_slots"):
        assert run["totals"][key] == pytest.approx(xml_run["totals"][key]), key
    assert run["distance"] == xml_run["distance"]
    ids = {
        layer: sorted(
            f["properties"]["site_id" if layer != "areas" else "area_id"]
            for f in json.loads((out / f"{layer}.geojson").read_text(encoding="utf-8"))["features"]
        )
        for layer in ("areas", "candidates", "facilities")
    }
    for layer, got in ids.items():
        xml = json.loads((nanjing_plans[0] / f"{layer}.geojson").read_text(encoding="utf-8"))
        key = "site_id" if layer != "areas" else "area_id"
        assert got == sorted(f["properties"][key] for f in xml["features"]), layer


def test_a_damaged_pbf_or_no_pyosmium_is_named_with_the_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from siting.osm import read_osm_layers

    bad = tmp_path / "city.osm.pbf"
    bad.write_bytes(b"\x00\x00\x00\x0dnot a pbf at all" * 8)
    pytest.importorskip("osmium")
    with pytest.raises(InputError) as info:
        read_osm_layers(bad, use=["areas"])
    text = str(info.value)
    assert "city.osm.pbf" in text and "cannot be read as OSM PBF" in text
    assert "osmium cat city.osm.pbf -o city.osm" in text
    monkeypatch.setitem(__import__("sys").modules, "osmium", None)
    other = tmp_path / "other.osm.pbf"
    other.write_bytes(b"x")
    with pytest.raises(InputError, match=r"needs pyosmium, which is not installed"):
        read_osm_layers(other, use=["areas"])
