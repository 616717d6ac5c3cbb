"""``siting._osmxml``: one streaming parse of an OSM XML file, shared by a run's readers."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import geopandas.testing
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
