"""Streets from a layer of centrelines (siting.network.lines): 道路中心线, Geofabrik's roads."""

from __future__ import annotations

import itertools
import json
import shutil
import zipfile
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import osmnx as ox
import pytest
from shapely.geometry import LineString, MultiLineString, Polygon

from siting.cli import main
from siting.errors import InputError, NetworkError, ScenarioError
from siting.inputs import load_inputs
from siting.network import read_street_graph, street_graph_from_lines
from siting.scenario import load_scenario

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
NANJING = Path(__file__).resolve().parents[2] / "shared" / "data" / "osm" / "nanjing-xuanwu.osm"
GK = "EPSG:4544"


def _walks(g: nx.MultiDiGraph) -> dict[tuple[float, float], dict[tuple[float, float], float]]:
    """Every node's walk to every other, both named by their coordinates (to the dm)."""
    xy = {n: (round(d["x"], 1), round(d["y"], 1)) for n, d in g.nodes(data=True)}
    return {
        xy[a]: {xy[b]: round(length, 2) for b, length in far.items()}
        for a, far in nx.all_pairs_dijkstra_path_length(g.to_undirected(), weight="length")
    }


def _graph(lines: list[LineString], **columns: list[object]) -> nx.MultiDiGraph:
    frame = gpd.GeoDataFrame(columns, geometry=lines, crs=GK)
    return street_graph_from_lines(frame, source="test", retain_all=True)


def test_a_cad_layer_is_joined_at_its_crossings_and_its_short_ends() -> None:
    # a street crossing another with no point at the crossing (CAD), and a lane whose
    # end stops 0.3 m short of the first street
    g = _graph(
        [
            LineString([(0, 0), (200, 0)]),
            LineString([(100, -100), (100, 100)]),
            LineString([(50, 0.3), (50, 80)]),
        ]
    )
    walks = _walks(g)
    # by hand: the lane's end is moved onto the street, at its foot (50, 0): 50 m
    # along the street (drawn as it was), then 80 m up the lane
    assert walks[(0.0, 0.0)][(50.0, 80.0)] == pytest.approx(50.0 + 80.0, abs=0.01)
    # the crossing at (100, 0) is a junction: 100 m along, then 100 m up
    assert walks[(0.0, 0.0)][(100.0, 100.0)] == pytest.approx(200.0, abs=0.01)
    assert walks[(50.0, 80.0)][(100.0, -100.0)] == pytest.approx(80.0 + 50.0 + 100.0, abs=0.01)


def test_an_osm_layer_keeps_its_bridges_apart() -> None:
    # OSM's ways meet at shared nodes: the avenue and the lane share (100, 0); the
    # viaduct crosses the avenue at (150, 0) with no shared node, as a bridge does
    lines = [
        LineString([(0, 0), (100, 0), (200, 0)]),
        LineString([(100, 0), (100, 100)]),
        LineString([(150, -100), (150, 100)]),
        LineString([(150, 100), (100, 100)]),
    ]
    g = _graph(lines, fclass=["primary", "residential", "secondary", "footway"])
    walks = _walks(g)
    # (0,0) to the viaduct's foot (150,-100): only round by the lane and the footway
    assert walks[(0.0, 0.0)][(150.0, -100.0)] == pytest.approx(100 + 100 + 50 + 200, abs=0.01)
    # a bureau's layer drawn with its junctions (three more lanes off the avenue at its
    # points 20, 40 and 60) and one crossing without: a bridge too
    avenue = LineString([(0, 0), (20, 0), (40, 0), (60, 0), (100, 0), (200, 0)])
    lanes = [LineString([(x, 0), (x, -30)]) for x in (20, 40, 60)]
    bureau = _graph(
        [avenue, *lines[1:], *lanes], 道路等级=["主干路", "支路", "次干路", "支路"] + ["支路"] * 3
    )
    assert _walks(bureau)[(0.0, 0.0)][(150.0, -100.0)] == pytest.approx(450.0, abs=0.01)
    # with the avenue's junction alone, one crossing against one junction: drawn as CAD
    cad = _graph(lines, 道路等级=["主干路", "支路", "次干路", "支路"])
    assert _walks(cad)[(0.0, 0.0)][(150.0, -100.0)] == pytest.approx(250.0, abs=0.01)


def test_a_grid_drawn_without_junctions_is_joined_at_every_crossing() -> None:
    # three streets each way across a 300 m square, no line ending on another (CAD)
    grid = [LineString([(0, y), (300, y)]) for y in (50, 150, 250)]
    grid += [LineString([(x, 0), (x, 300)]) for x in (50, 150, 250)]
    g = _graph(grid, 道路等级=["支路"] * 6)
    assert g.number_of_nodes() == 9 + 12  # the crossings, and the lines' ends
    walks = _walks(g)
    # corner to corner of the streets: 50 + 200 along one, 200 + 50 along the other
    assert walks[(0.0, 50.0)][(250.0, 300.0)] == pytest.approx(250.0 + 250.0, abs=0.01)
    # an OSM layer of the same lines has no crossing joined: six separate streets
    osm = _graph(grid, highway=["residential"] * 6)
    assert nx.number_weakly_connected_components(osm) == 6


def test_a_crossing_on_one_lines_joint_is_a_junction() -> None:
    # CAD: the avenue drawn as two segments meeting at (100, 0) (an exploded polyline),
    # the cross street drawn through that joint with no point of its own there; it was
    # a crossing 'on a vertex of the layer', so already a junction, and stayed apart:
    # two streets, no walk between them
    g = _graph(
        [
            LineString([(0, 0), (100, 0)]),
            LineString([(100, 0), (200, 0)]),
            LineString([(100, -100), (100, 100)]),
        ]
    )
    assert nx.number_weakly_connected_components(g) == 1
    # by hand: 100 m along the avenue, then 100 m up the cross street
    assert _walks(g)[(0.0, 0.0)][(100.0, 100.0)] == pytest.approx(200.0, abs=0.01)


def test_classes_no_one_walks_are_left_out() -> None:
    lines = [
        LineString([(0, 0), (100, 0)]),
        LineString([(100, 0), (200, 0)]),
        LineString([(200, 0), (300, 0)]),
    ]
    osm = _graph(lines, fclass=["residential", "motorway", "trunk"])
    assert osm.number_of_edges() == 2 * 2  # the trunk stays (no sidewalk column says no)
    assert {d["highway"] for *_, d in osm.edges(data=True)} == {"residential", "trunk"}
    with_sidewalks = _graph(
        lines, highway=["residential", "motorway", "trunk"], sidewalk=[None] * 3
    )
    assert {d["highway"] for *_, d in with_sidewalks.edges(data=True)} == {"residential"}
    bureau = _graph(lines, DLDJ=["支路", "城市快速路", "高速公路"])
    assert bureau.number_of_edges() == 2
    side = _graph(lines, DLDJ=["支路", "快速路辅路", "高速公路"])  # the side road is walked
    assert _walks(side)[(0.0, 0.0)][(200.0, 0.0)] == 200.0
    assert _walks(bureau)[(0.0, 0.0)][(100.0, 0.0)] == 100.0


def test_copies_ends_that_nearly_meet_and_multilines() -> None:
    once = _graph([LineString([(0, 0), (50, 10), (100, 0)]), LineString([(100, 0), (100, 90)])])
    # each line drawn both ways (an export of a graph's edges), and the second split in
    # two whose ends lie 0.3 m apart, in one MultiLineString
    twice = _graph(
        [
            LineString([(0, 0), (50, 10), (100, 0)]),
            LineString([(100, 0), (50, 10), (0, 0)]),
            MultiLineString([[(100, 0), (100, 40)], [(100, 40.3), (100, 90)]]),
        ]
    )
    # a street of one class in two lines end to end is one street: its joint is no node
    assert once.number_of_edges() == 2 and once.number_of_nodes() == 2
    # the 0.3 m gap joined at one point, (100, 40.3), besides the street's two ends
    assert twice.number_of_nodes() == 3
    far = _walks(twice)[(0.0, 0.0)]
    assert far[(100.0, 90.0)] == pytest.approx(2 * np.hypot(50, 10) + 90, abs=0.01)


def test_a_layer_of_polygons_is_not_a_street_network() -> None:
    frame = gpd.GeoDataFrame(geometry=[Polygon([(0, 0), (10, 0), (10, 10)])], crs=GK)
    with pytest.raises(NetworkError, match=r"holds no lines \(Polygon\).*centreline layer"):
        street_graph_from_lines(frame, source="roads.shp")
    # lines of two identical points (a CAD drawing's stray clicks) were 'no lines
    # (LineString)', with the fix to give a layer of lines
    points = gpd.GeoDataFrame(geometry=[LineString([(5, 5), (5, 5)])] * 2, crs=GK)
    with pytest.raises(NetworkError, match=r"2 lines are each shorter than 1 cm"):
        street_graph_from_lines(points, source="roads.shp")


def test_nanjing_as_geofabrik_lines_walks_as_its_osm_file() -> None:
    """Nanjing's OSM ways as Geofabrik hands them over (a line per way with its class):
    the same junctions, and walks within 0.3 % (OSM's lengths are on the ellipsoid,
    the layer's in the plane of the Gauss–Krüger zone)."""
    if not NANJING.is_file():
        pytest.skip(f"shared test data {NANJING} is absent")
    crs = "EPSG:4549"
    ways = ox.features_from_xml(NANJING, tags={"highway": True})
    ways = ways[ways.index.get_level_values(0) == "way"].copy()
    closed = ways.geometry.geom_type == "Polygon"  # a pedestrian square's outline
    ways.loc[closed, "geometry"] = ways.loc[closed].geometry.exterior
    tags = [c for c in ("highway", "foot", "access", "service", "area", "motorroad") if c in ways]
    lines = ways[[*tags, "geometry"]].to_crs(crs).reset_index(drop=True)
    lines["sidewalk"] = None  # the extract tags none: trunks walked as OSM's reader walks them
    from_lines = street_graph_from_lines(lines, source="gis_osm_roads_free_1.shp")
    from_osm = read_street_graph(NANJING, working_crs=crs)
    walks_lines, walks_osm = _walks(from_lines), _walks(from_osm)
    assert set(walks_osm) <= set(walks_lines)  # OSM's junctions and ends are all there
    ratios = [
        walks_lines[a][b] / walks_osm[a][b]
        for a in list(walks_osm)[:60]
        for b in list(walks_osm[a])[::7]
        if walks_osm[a][b] > 0
    ]
    assert len(ratios) > 1_000
    assert min(ratios) > 0.997 and max(ratios) < 1.003


@pytest.fixture(scope="module")
def sample_roads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample city with its streets as a GBK Shapefile of centrelines (no .cpg),
    made from the sample's OSM graph, each street once, with a 道路等级 column."""
    folder = tmp_path_factory.mktemp("roads")
    for item in SAMPLE.iterdir():
        shutil.copy(item, folder / item.name)
    graph = read_street_graph(SAMPLE / "streets.osm", working_crs=GK)
    edges = ox.graph_to_gdfs(graph, nodes=False).reset_index()
    edges = edges[edges["u"] <= edges["v"]]
    roads = gpd.GeoDataFrame(
        {"道路等级": ["支路"] * len(edges)}, geometry=edges.geometry.to_numpy(), crs=GK
    )
    roads.to_crs("EPSG:4490").to_file(folder / "道路中心线.shp", encoding="gbk")
    (folder / "道路中心线.cpg").unlink(missing_ok=True)
    return folder


def _scenario(folder: Path, streets: str) -> Path:
    text = (SAMPLE / "scenario.toml").read_text(encoding="utf-8")
    path = folder / f"scenario-{abs(hash(streets))}.toml"
    path.write_text(text.replace('streets = "streets.osm"', streets), encoding="utf-8")
    return path


def test_the_sample_plans_the_same_on_its_streets_as_centrelines(
    sample_roads: Path, tmp_path: Path
) -> None:
    scenario = _scenario(sample_roads, 'streets = { path = "道路中心线.shp", encoding = "gbk" }')
    assert main(["plan", str(scenario), "--out", str(tmp_path / "lines"), "--no-map"]) == 0
    lines = json.loads((tmp_path / "lines" / "run.json").read_text(encoding="utf-8"))
    # the clean sample's plan (README, "The sample city"), on the OSM file
    assert lines["totals"]["cost"] == 340_661_000
    assert lines["inputs"]["streets"]["path"].endswith("道路中心线.shp")
    assert "streets.dbf" in lines["inputs"]  # its attributes are hashed with it
    own = gpd.read_file(tmp_path / "lines" / "facilities.geojson")
    assert len(own) > 0 and own["slots"].sum() == 6156


def test_a_zipped_layer_among_several_and_its_problems(sample_roads: Path) -> None:
    roads = gpd.read_file(sample_roads / "道路中心线.shp", encoding="gbk").to_crs(GK)
    gpkg = sample_roads / "roads.gpkg"
    roads.to_file(gpkg, layer="道路中心线")
    roads.iloc[:3].set_geometry(roads.iloc[:3].buffer(5.0)).to_file(gpkg, layer="道路面")
    scenario = load_scenario(_scenario(sample_roads, 'streets = "roads.gpkg"'))
    with pytest.raises(InputError, match=r"has 2 layers.*set layer = "):
        load_inputs(scenario.inputs, crs=GK)
    named = _scenario(sample_roads, 'streets = { path = "roads.gpkg", layer = "道路中心线" }')
    inputs = load_inputs(load_scenario(named).inputs, crs=GK)
    assert inputs.street_graph.number_of_nodes() == 1581  # the OSM graph's nodes, each once
    surfaces = _scenario(sample_roads, 'streets = { path = "roads.gpkg", layer = "道路面" }')
    with pytest.raises(InputError, match=r"holds no lines \(Polygon\)"):
        load_inputs(load_scenario(surfaces).inputs, crs=GK)
    with zipfile.ZipFile(sample_roads / "roads.zip", "w") as z:
        for part in sample_roads.glob("道路中心线.*"):
            z.write(part, f"道路/{part.name}")
    zipped = load_scenario(
        _scenario(sample_roads, 'streets = { path = "roads.zip", encoding = "gbk" }')
    )
    assert load_inputs(zipped.inputs, crs=GK).street_graph.number_of_nodes() == 1581
    (sample_roads / "道路中心线.prj").rename(sample_roads / "kept.prj")
    try:
        bare = load_scenario(
            _scenario(sample_roads, 'streets = { path = "道路中心线.shp", encoding = "gbk" }')
        )
        with pytest.raises(InputError, match=r"has no CRS.*EPSG:4490"):
            load_inputs(bare.inputs, crs=GK)
        given = _scenario(
            sample_roads,
            'streets = { path = "道路中心线.shp", crs = "EPSG:4490", encoding = "gbk" }',
        )
        assert (
            load_inputs(load_scenario(given).inputs, crs=GK).street_graph.number_of_nodes() == 1581
        )
    finally:
        (sample_roads / "kept.prj").rename(sample_roads / "道路中心线.prj")


def test_a_streets_table_takes_a_layers_keys_only(tmp_path: Path) -> None:
    path = _scenario(tmp_path, 'streets = { path = "r.shp", columns = { highway = "DLDJ" } }')
    with pytest.raises(ScenarioError, match=r"takes path, layer, crs, encoding.*'columns'"):
        load_scenario(path)


def test_an_analysts_street_frame_is_read_as_a_line_layer(sample_roads: Path) -> None:
    from siting.inputs import load_frames

    city = SAMPLE / "city.gpkg"
    roads = gpd.read_file(sample_roads / "道路中心线.shp", encoding="gbk")
    kept = roads.copy()
    inputs = load_frames(
        population=SAMPLE / "population.tif",
        areas=gpd.read_file(city, layer="areas"),
        parcels=gpd.read_file(city, layer="parcels"),
        crs=GK,
        streets=roads,
    )
    assert inputs.street_graph.number_of_nodes() == 1581  # the OSM graph's, as from the file
    assert roads.equals(kept) and roads.crs == kept.crs  # the caller's frame is not changed
    with pytest.raises(InputError, match=r"streets \(a GeoDataFrame\).*has no CRS"):
        load_frames(
            population=SAMPLE / "population.tif",
            areas=gpd.read_file(city, layer="areas"),
            parcels=gpd.read_file(city, layer="parcels"),
            crs=GK,
            streets=roads.set_crs(None, allow_override=True),
        )


def test_an_analysts_street_frame_takes_its_where(sample_roads: Path) -> None:
    """load_frames(where={"streets": ...}) was left unread without a word (the layer's
    building outline, a line across the city, was walked as a street: 1,583 nodes for the
    OSM graph's 1,581); it filters the frame as a file's where, and a where for a layer
    not given is refused."""
    from siting.inputs import load_frames

    city = SAMPLE / "city.gpkg"
    roads = gpd.read_file(sample_roads / "道路中心线.shp", encoding="gbk").to_crs(GK)
    x0, y0, x1, y1 = roads.total_bounds
    outline = LineString([(x0, (y0 + y1) / 2), (x1, (y0 + y1) / 2)])
    drawn = gpd.GeoDataFrame(
        {"图层": ["道路中心线"] * len(roads) + ["建筑"]},
        geometry=[*roads.geometry, outline],
        crs=GK,
    )
    frames = {
        "population": SAMPLE / "population.tif",
        "areas": gpd.read_file(city, layer="areas"),
        "parcels": gpd.read_file(city, layer="parcels"),
        "crs": GK,
        "streets": drawn,
    }
    inputs = load_frames(**frames, where={"streets": "图层 = '道路中心线'"})
    assert inputs.street_graph.number_of_nodes() == 1581
    with pytest.raises(InputError, match=r"where filters facilities, which it is not given"):
        load_frames(**frames, where={"facilities": "slots > 0"})


def _dxf(path: Path, lines: list[tuple[tuple[float, float], tuple[float, float], str]]) -> Path:
    """A CAD drawing of LINE entities on named layers, saved by a Chinese AutoCAD (its
    text in GBK, the header's code page ANSI_936), with no CRS (a DXF holds none)."""
    entities = "".join(
        f"0\nLINE\n8\n{layer}\n10\n{x0}\n20\n{y0}\n30\n0.0\n11\n{x1}\n21\n{y1}\n31\n0.0\n"
        for (x0, y0), (x1, y1), layer in lines
    )
    text = (
        "0\nSECTION\n2\nHEADER\n9\n$ACADVER\n1\nAC1015\n9\n$DWGCODEPAGE\n3\nANSI_936\n"
        "0\nENDSEC\n0\nSECTION\n2\nENTITIES\n" + entities + "0\nENDSEC\n0\nEOF\n"
    )
    path.write_bytes(text.encode("gbk"))
    return path


def test_a_cad_drawings_centreline_layer_is_the_street_network(sample_roads: Path) -> None:
    """The sample's streets drawn in CAD on layer 道路中心线, with a building outline on
    layer 建筑 across the whole city: taken by where, given its CRS, the graph is the
    OSM graph's; without where the outline's line joins streets it crosses."""
    roads = gpd.read_file(sample_roads / "道路中心线.shp", encoding="gbk").to_crs(GK)
    drawn = []
    for line in roads.geometry:
        xy = list(line.coords)
        drawn += [(a, b, "道路中心线") for a, b in itertools.pairwise(xy)]
    x0, y0, x1, y1 = roads.total_bounds
    drawn.append(((x0, (y0 + y1) / 2), (x1, (y0 + y1) / 2), "建筑"))
    _dxf(sample_roads / "道路.dxf", drawn)
    entry = 'path = "道路.dxf", crs = "EPSG:4544"'
    taken = _scenario(sample_roads, f"streets = {{ {entry}, where = \"Layer = '道路中心线'\" }}")
    graph = load_inputs(load_scenario(taken).inputs, crs=GK).street_graph
    assert graph.number_of_nodes() == 1581  # the OSM graph's, its streets cut per segment
    whole = _scenario(sample_roads, f"streets = {{ {entry} }}")
    assert load_inputs(load_scenario(whole).inputs, crs=GK).street_graph.number_of_nodes() > 1581
    bare = _scenario(sample_roads, 'streets = "道路.dxf"')
    with pytest.raises(InputError, match="has no CRS"):
        load_inputs(load_scenario(bare).inputs, crs=GK)
