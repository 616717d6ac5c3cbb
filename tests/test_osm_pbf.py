"""Tests of siting.osm.pbf: the OSM XML copy of a PBF file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from siting._digest import file_sha256
from siting._osmxml import extract_box
from siting.osm.pbf import xml_copy


def test_the_xml_copy_keeps_the_pbf_headers_box_as_its_bounds(tmp_path: Path) -> None:
    """A Geofabrik or osmium extract carries its box in the PBF header; the copy wrote no
    ``<bounds>``, so the street blocks' edge was found from the nodes (here the box of all
    of them, 118.71–118.79°E, 32.02–32.05°N: the road's nodes lie beyond the box of the
    two shops) instead of being the extract's own box. A copy made before is not reused:
    its name says the copy's format."""
    osmium = pytest.importorskip("osmium")
    header = osmium.io.Header()
    header.add_box(osmium.osm.Box(118.7, 32.0, 118.8, 32.1))
    pbf = tmp_path / "city.osm.pbf"
    with osmium.SimpleWriter(str(pbf), header=header) as writer:
        for i, (lon, lat) in enumerate([(118.72, 32.02), (118.74, 32.04)], start=1):
            writer.add_node(
                osmium.osm.mutable.Node(id=i, location=(lon, lat), tags={"shop": "bakery"})
            )
        for i, (lon, lat) in enumerate([(118.71, 32.05), (118.79, 32.05)], start=3):
            writer.add_node(osmium.osm.mutable.Node(id=i, location=(lon, lat)))
        writer.add_way(osmium.osm.mutable.Way(id=9, nodes=[3, 4], tags={"highway": "primary"}))
    cache = tmp_path / "cache"
    cache.mkdir()
    # a copy without <bounds> by an earlier siting, under the name it gave: not reused
    older = cache / f"{file_sha256(pbf)[:20]}-city.osm"
    older.write_text(pbf_as_xml_without_bounds(osmium, pbf), encoding="utf-8")
    copy = xml_copy(pbf, cache=cache)
    assert extract_box(copy) == ((118.7, 32.0, 118.8, 32.1), "its <bounds>")
    # a PBF without a box in its header: a copy without <bounds>, as before
    bare = tmp_path / "bare.osm.pbf"
    with osmium.SimpleWriter(str(bare)) as writer:
        for obj in osmium.FileProcessor(str(pbf)):
            writer.add(obj)
    without = ((118.71, 32.02, 118.79, 32.05), "the box of all its nodes")
    assert extract_box(xml_copy(bare, cache=cache)) == without
    assert extract_box(older) == without


def pbf_as_xml_without_bounds(osmium: Any, pbf: Path) -> str:
    """The XML copy of ``pbf`` as siting made it before: its objects, not its header."""
    xml = pbf.with_name("plain.osm")
    with osmium.SimpleWriter(str(xml)) as writer:
        for obj in osmium.FileProcessor(str(pbf)):
            writer.add(obj)
    return xml.read_text(encoding="utf-8")
