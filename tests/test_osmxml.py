"""``siting._osmxml``: one streaming parse of an OSM XML file, shared by a run's readers."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas.testing
import numpy as np
import osmnx as ox
import osmnx._osm_xml
import pyproj
import pytest
from test_osm import FILES, _need

from siting._osmxml import overpass_json, parse_once
from siting.inputs import load_inputs
from siting.network.graph import _graph_from_elements, _osmnx_settings, _useful_way_tags
from siting.osm.features import _read_features
from siting.osm.layers import _STREET_TAGS, AREA_TAGS, BUILDING_TAGS, _union
from siting.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name", sorted(FILES))
def test_one_pass_gives_the_elements_osmnx_parses(name: str) -> None:
    """The same dicts, keys in the same order, as osmnx's own (two-pass) reader."""
    path, _ = FILES[name]
    _need(path)
    theirs = osmnx._osm_xml._overpass_json_from_xml(path, "utf-8")["elements"]
    mine = list(overpass_json(path)["elements"])
    assert mine == theirs
    assert [list(e) for e in mine] == [list(e) for e in theirs]
    assert [list(e["members"][0]) for e in mine if e.get("members")] == [
        list(e["members"][0]) for e in theirs if e.get("members")
    ]


@pytest.mark.parametrize("name", ["nanjing", "taichung"])
def test_features_then_the_graph_from_one_parse_are_what_osmnx_reads(name: str) -> None:
    """Read as a run reads them (features first, then the street graph, from one parse):
    the features and the raw graph osmnx's ``features_from_xml`` and ``graph_from_xml``
    give (the graph is then filtered, simplified and projected by the same code)."""
    path, crs = FILES[name]
    _need(path)
    tags = _union(AREA_TAGS, BUILDING_TAGS, _STREET_TAGS, {"leisure": True, "amenity": True})
    with _osmnx_settings(useful_tags_way=_useful_way_tags()):
        expected_graph = ox.graph_from_xml(
            path, bidirectional=True, simplify=False, retain_all=True
        )
        expected_features = ox.features_from_xml(path, tags=tags).to_crs(crs)
        with parse_once():
            features = _read_features(path, tags, pyproj.CRS(crs))
            graph = _graph_from_elements(overpass_json(path)["elements"])
    geopandas.testing.assert_geodataframe_equal(features, expected_features)
    assert len(features) > 1_000
    assert list(graph.nodes(data=True)) == list(expected_graph.nodes(data=True))
    assert list(graph.edges(keys=True, data=True)) == list(
        expected_graph.edges(keys=True, data=True)
    )
    assert graph.number_of_edges() > 10_000


def test_a_run_parses_its_osm_file_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The Nanjing OSM-only scenario's inputs (its areas, candidates, hazards and street
    graph from one file) read the file once: osmnx parsed it twice for the features and
    twice again for the graph (a whole ElementTree for the root's attributes, then SAX)."""
    scenario = load_scenario(ROOT / "data" / "nanjing" / "scenario.toml")
    assert scenario.inputs is not None and scenario.inputs.osm is not None
    osm = scenario.inputs.osm.path
    passes: list[str] = []

    def counted(parser: Any, name: str) -> Any:
        def parse(source: Any, *args: Any, **kwargs: Any) -> Any:
            passes.append(name)
            return parser(source, *args, **kwargs)

        return parse

    monkeypatch.setattr(ET, "iterparse", counted(ET.iterparse, "iterparse"))
    monkeypatch.setattr(ET, "parse", counted(ET.parse, "ElementTree.parse"))
    monkeypatch.setattr(osmnx._osm_xml, "etree_parse", counted(ET.parse, "ElementTree.parse"))
    monkeypatch.setattr(osmnx._osm_xml, "sax_parse", counted(osmnx._osm_xml.sax_parse, "sax"))
    inputs = load_inputs(scenario.inputs, crs=scenario.crs, radii=scenario.radii)
    assert passes == ["iterparse"]
    assert inputs.files["osm"] == inputs.files["streets"] == osm
    assert inputs.street_graph is not None
    assert (inputs.street_graph.number_of_nodes(), inputs.street_graph.number_of_edges()) == (
        451,
        1_304,
    )
    assert inputs.hazards is not None
    assert (len(inputs.areas), len(inputs.parcels), len(inputs.hazards)) == (11, 17, 43)


def test_a_file_changed_within_a_block_is_parsed_again(tmp_path: Path) -> None:
    """The shared parse is keyed by the file's size and modification time too."""
    path = tmp_path / "a.osm"
    path.write_text("<osm><node id='1' lat='1' lon='2'/></osm>", encoding="utf-8")
    with parse_once():
        first = overpass_json(path)
        path.write_text("<osm><node id='12' lat='1' lon='2'/></osm>", encoding="utf-8")
        second = overpass_json(path)
    assert [e["id"] for e in first["elements"]] == [1]
    assert [e["id"] for e in second["elements"]] == [12]
    assert overpass_json(path) is not overpass_json(path)  # no block: nothing kept


def test_features_leave_the_shared_parse_whole(tmp_path: Path) -> None:
    """osmnx pops a way's nodes and a ``geometry`` tag from the elements it builds features
    of: the graph read after them would have lost its ways."""
    text = (
        "<osm><node id='1' lat='32.0' lon='118.8'/><node id='2' lat='32.0' lon='118.81'/>"
        "<way id='9'><nd ref='1'/><nd ref='2'/><tag k='highway' v='residential'/>"
        "<tag k='geometry' v='x'/></way></osm>"
    )
    path = tmp_path / "a.osm"
    path.write_text(text, encoding="utf-8")
    with parse_once():
        before = [dict(e, tags=dict(e["tags"])) for e in overpass_json(path)["elements"]]
        features = _read_features(path, {"highway": True}, pyproj.CRS("EPSG:4549"))
        assert list(overpass_json(path)["elements"]) == before
    assert features.index.tolist() == [("way", 9)]


def test_a_parse_error_names_the_file(tmp_path: Path) -> None:
    """A truncated file is refused by the features reader as before, naming the parser."""
    from siting.errors import InputError

    path = tmp_path / "cut.osm"
    path.write_text("<osm><node id='1' lat='32.0' lon='118.8'/><way id='9'>", encoding="utf-8")
    with pytest.raises(InputError, match=r"cannot read OSM features \(ParseError: no element"):
        _read_features(path, {"highway": True}, pyproj.CRS("EPSG:4549"))


def test_parse_once_gives_the_collector_back(tmp_path: Path) -> None:
    """The parse runs with the cyclic collector paused and its objects frozen out of the
    collector's walks until the block ends: afterwards both are as they were."""
    import gc

    path = tmp_path / "a.osm"
    path.write_text("<osm><node id='1' lat='1' lon='2'/></osm>", encoding="utf-8")
    assert gc.isenabled() and gc.get_freeze_count() == 0
    with parse_once():
        overpass_json(path)
        assert gc.isenabled() and gc.get_freeze_count() > 0
    assert gc.isenabled() and gc.get_freeze_count() == 0
    gc.disable()
    try:
        overpass_json(path)
        assert not gc.isenabled()
    finally:
        gc.enable()
    gc.freeze()  # another caller's frozen objects: left frozen, and no more frozen
    try:
        frozen = gc.get_freeze_count()
        with parse_once():
            overpass_json(path)
            assert gc.get_freeze_count() <= frozen  # (frozen objects freed count down)
        assert 0 < gc.get_freeze_count() <= frozen
    finally:
        gc.unfreeze()


@dataclass
class _GridCity:
    """What :func:`_grid_city` wrote, by OSM id: the ``rows × cols`` street corners, the
    nodes midway along each east–west street, and the ways and relations of each kind."""

    corners: list[int]
    midway: list[int]
    areas: list[str] = field(default_factory=list)
    parks: list[str] = field(default_factory=list)
    buildings: list[str] = field(default_factory=list)
    kindergartens: list[str] = field(default_factory=list)


def _grid_city(path: Path, rows: int, cols: int, *, seed: int) -> _GridCity:
    """An OSM XML street grid 0.002° apart (about 200 m), one ``highway=residential``
    way per row and per column, and in each block a seeded square of one kind: a
    residential area, a park, a building or a multipolygon residential area with a hole;
    a kindergarten node in every fifth block. A third of the untagged nodes carry JOSM's
    metadata attributes (their order stored apart from the plain ``id, lat, lon``)."""
    rng = np.random.default_rng(seed)
    next_id = iter(range(1, 10**6))
    nodes: list[str] = []
    ways: list[str] = []
    relations: list[str] = []

    def node(lat: float, lon: float, tags: str = "") -> int:
        i = next(next_id)
        meta = (
            f"version='{rng.integers(1, 9)}' timestamp='2021-06-12T07:41:41Z' uid='7' "
            f"user='a&amp;b' changeset='{rng.integers(1, 10**6)}' "
            if not tags and rng.random() < 1 / 3
            else ""
        )
        attrs = f"id='{i}' {meta}lat='{lat:.7f}' lon='{lon:.7f}'"
        nodes.append(f"<node {attrs}>{tags}</node>" if tags else f"<node {attrs}/>")
        return i

    def way(refs: list[int], tags: dict[str, str]) -> int:
        i = next(next_id)
        nds = "".join(f"<nd ref='{r}'/>" for r in refs)
        ways.append(f"<way id='{i}'>{nds}{''.join(_tag(k, v) for k, v in tags.items())}</way>")
        return i

    def square(lat: float, lon: float, side: float) -> list[int]:
        ring = [node(lat, lon), node(lat, lon + side), node(lat + side, lon + side)]
        ring.append(node(lat + side, lon))
        return [*ring, ring[0]]

    step, lat0, lon0 = 0.002, 32.0, 118.8
    grid = [[node(lat0 + r * step, lon0 + c * step) for c in range(cols)] for r in range(rows)]
    city = _GridCity(corners=[i for row in grid for i in row], midway=[])
    for row, r in zip(grid, range(rows), strict=True):
        refs = [row[0]]
        for c in range(1, cols):
            city.midway.append(node(lat0 + r * step, lon0 + (c - 0.5) * step))
            refs += [city.midway[-1], row[c]]
        way(refs, {"highway": "residential"})
    for c in range(cols):
        way([grid[r][c] for r in range(rows)], {"highway": "residential"})
    for b in range(max(0, rows - 1) * max(0, cols - 1)):
        lat, lon = lat0 + (b // (cols - 1)) * step + 0.0004, lon0 + (b % (cols - 1)) * step + 0.0004
        kind = ["area", "park", "building", "multipolygon"][int(rng.integers(4))]
        if kind == "area":
            city.areas.append(
                f"osm/way/{way(square(lat, lon, 0.0012), {'landuse': 'residential'})}"
            )
        elif kind == "park":
            city.parks.append(f"osm/way/{way(square(lat, lon, 0.0008), {'leisure': 'park'})}")
        elif kind == "building":
            tags = {"building": "yes", "building:levels": "6"}
            city.buildings.append(f"osm/way/{way(square(lat, lon, 0.0003), tags)}")
        else:
            outer = way(square(lat, lon, 0.0012), {})
            inner = way(square(lat + 0.0004, lon + 0.0004, 0.0003), {})
            i = next(next_id)
            relations.append(
                f"<relation id='{i}'><member type='way' ref='{outer}' role='outer'/>"
                f"<member type='way' ref='{inner}' role='inner'/>"
                f"{_tag('type', 'multipolygon')}{_tag('landuse', 'residential')}</relation>"
            )
            city.areas.append(f"osm/relation/{i}")
        if b % 5 == 0:
            i = node(lat + 0.0014, lon + 0.0014, _tag("amenity", "kindergarten"))
            city.kindergartens.append(f"osm/node/{i}")
    path.write_text(
        "<?xml version='1.0' encoding='UTF-8'?>\n<osm version='0.6' generator='test'>\n"
        + "\n".join([*nodes, *ways, *relations])
        + "\n</osm>\n",
        encoding="utf-8",
    )
    return city


def _tag(k: str, v: str) -> str:
    return f"<tag k='{k}' v='{v}'/>"


def test_a_generated_grid_city_reads_as_its_generator_wrote_it(tmp_path: Path) -> None:
    """The layers and the street graph of a generated city, against what its generator
    wrote: every residential area (ways and multipolygons), park, building and
    kindergarten by id, and the grid's streets (its crossings, and its midway nodes
    before the simplification), node for node, and their edges both ways."""
    from siting.network import read_street_graph
    from siting.osm import read_osm_layers

    path = tmp_path / "grid.osm"
    rows, cols = 7, 9
    city = _grid_city(path, rows, cols, seed=3)
    assert min(len(city.areas), len(city.parks), len(city.buildings)) >= 5
    layers = read_osm_layers(
        path,
        use=["streets", "areas", "candidates", "facilities", "buildings"],
        working_crs="EPSG:4549",
    )
    assert layers.areas is not None and layers.parcels is not None
    assert layers.buildings is not None and layers.facilities is not None
    assert sorted(layers.areas["area_id"]) == sorted(city.areas)
    assert sorted(layers.parcels["site_id"]) == sorted(city.parks)
    assert sorted(layers.buildings["building_id"]) == sorted(city.buildings)
    assert sorted(layers.facilities["facility_id"]) == sorted(city.kindergartens)
    holes = layers.areas.geometry[layers.areas["area_id"].str.startswith("osm/relation/")]
    assert all(len(shape.interiors) == 1 for shape in holes)
    streets = 2 * (rows * (cols - 1) + cols * (rows - 1))  # each block's side, both ways
    simplified = read_street_graph(path, working_crs="EPSG:4549")
    # the simplification merges the streets through the grid's four corners (two
    # neighbours each) into one edge: each of them goes, with one edge each way
    ends = {city.corners[0], city.corners[cols - 1], city.corners[-cols], city.corners[-1]}
    assert sorted(simplified.nodes) == sorted(set(city.corners) - ends)
    assert simplified.number_of_edges() == streets - 2 * len(ends)
    raw = read_street_graph(path, working_crs="EPSG:4549", simplify=False)
    assert sorted(raw.nodes) == sorted(city.corners + city.midway)
    assert raw.number_of_edges() == streets + 2 * rows * (cols - 1)


def test_the_parse_holds_an_untagged_node_in_under_a_hundred_bytes(tmp_path: Path) -> None:
    """A city's extract is mostly untagged nodes: held as dicts they took about 400 bytes
    each (1.2 GB of 100 MB of tiles of central Nanjing after the features and the graph);
    the parse now holds their ids and coordinates in arrays."""
    import tracemalloc

    path = tmp_path / "nodes.osm"
    n = 20_000
    path.write_text(
        "<osm>"
        + "".join(f"<node id='{10**9 + i}' lat='32.{i:07d}' lon='118.{i:07d}'/>" for i in range(n))
        + "</osm>",
        encoding="utf-8",
    )
    tracemalloc.start()
    try:
        parsed = overpass_json(path)
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(parsed["elements"]) == n
    assert held / n < 100
    last = list(parsed["elements"])[-1]
    lat, lon = float(f"32.{n - 1:07d}"), float(f"118.{n - 1:07d}")
    assert last == {"type": "node", "tags": {}, "id": 10**9 + n - 1, "lat": lat, "lon": lon}
