"""Tests of siting.osm.layers: a scenario's layers from one OSM file.

Counts on the shared real extracts are checked against an independent count of
the XML elements (``test_osm._elements``), not against osmnx.
"""

from __future__ import annotations

import functools
from collections import Counter
from pathlib import Path

import pytest
from test_osm import FILES, _elements, _hand_hazard, _hand_kind, _need

from siting.errors import InputError
from siting.osm import (
    OsmLayers,
    areas_from_osm,
    candidates_from_osm,
    facilities_from_osm,
    read_osm_layers,
)

EVERY = ("streets", "areas", "candidates", "facilities", "hazards")


def _uses(name: str) -> tuple[str, ...]:
    # Aguascalientes maps no residential land: its areas are tested on their own
    return tuple(u for u in EVERY if not (name == "aguascalientes" and u == "areas"))


@functools.cache
def _layers(name: str, uses: tuple[str, ...]) -> OsmLayers:
    path, crs = FILES[name]
    _need(path)
    return read_osm_layers(path, use=uses, working_crs=crs)


def _hand_area(element: str, tags: dict[str, str], areal: bool) -> bool:
    residential = tags.get("landuse") == "residential" or tags.get("residential", "no") != "no"
    return element != "node" and areal and residential


def _hand_facility(tags: dict[str, str], areal: bool) -> bool:
    childcare = tags.get("amenity") in ("kindergarten", "childcare")
    return areal and (childcare or tags.get("childcare", "no") != "no")


@pytest.mark.shared
@pytest.mark.parametrize("name", sorted(FILES))
def test_areas_match_a_hand_count(name: str) -> None:
    path, crs = FILES[name]
    _need(path)
    expected = {
        f"osm/{element}/{osm_id}": tags.get("name", f"osm/{element}/{osm_id}")
        for element, osm_id, tags, areal in _elements(path)
        if _hand_area(element, tags, areal)
    }
    areas = areas_from_osm(path, working_crs=crs)
    assert dict(zip(areas["area_id"], areas["name"], strict=True)) == expected
    assert len(areas) == {"nanjing": 11, "taichung": 20, "aguascalientes": 0}[name]
    assert set(areas["status"]) <= {"old"}
    assert areas.geom_type.isin(["Polygon", "MultiPolygon"]).all()
    assert areas.crs == crs
    if name != "aguascalientes":
        layers = _layers(name, _uses(name))
        assert layers.areas is not None
        assert list(layers.areas["area_id"]) == list(areas["area_id"])


@pytest.mark.shared
def test_aguascalientes_has_no_residential_polygon_so_areas_is_an_error() -> None:
    path, crs = FILES["aguascalientes"]
    _need(path)
    with pytest.raises(InputError) as info:
        read_osm_layers(path, use=["areas", "hazards"], working_crs=crs)
    (problem,) = info.value.problems
    assert "no residential area" in problem.message
    assert 'use includes "areas"' in problem.message
    assert problem.layer == "osm"
    assert problem.fix is not None and "[inputs.areas]" in problem.fix


@pytest.mark.shared
@pytest.mark.parametrize("name", sorted(FILES))
def test_facilities_match_a_hand_count(name: str) -> None:
    path = FILES[name][0]
    _need(path)
    hand = {
        f"osm/{element}/{osm_id}": tags
        for element, osm_id, tags, areal in _elements(path)
        if _hand_facility(tags, areal)
    }
    layers = _layers(name, _uses(name))
    facilities = layers.facilities
    assert facilities is not None
    assert len(facilities) == {"nanjing": 0, "taichung": 1, "aguascalientes": 11}[name]
    assert set(facilities["facility_id"]) == set(hand)
    for fid, slots, source in zip(
        facilities["facility_id"], facilities["slots"], facilities["slots_source"], strict=True
    ):
        capacity = hand[fid].get("capacity")
        if capacity is None:
            assert (slots, source) == (20, "assumed default")
        else:
            assert (slots, source) == (int(capacity), "osm capacity")
    if len(facilities):
        assert any("ASSUMED to have 20 slots" in n for n in layers.notes)


@pytest.mark.shared
@pytest.mark.parametrize("name", sorted(FILES))
def test_candidates_leave_kindergartens_to_facilities(name: str) -> None:
    path, crs = FILES[name]
    _need(path)
    hand = Counter(
        kind
        for _, _, tags, areal in _elements(path)
        if areal and (kind := _hand_kind(tags)) is not None
    )
    layers = _layers(name, _uses(name))
    assert layers.parcels is not None and layers.facilities is not None
    parcels = layers.parcels
    # with facilities in use, a kindergarten is an existing facility, never also a candidate
    assert "existing_childcare" not in set(parcels["kind"])
    assert not set(parcels["site_id"]) & set(layers.facilities["facility_id"])
    assert Counter(parcels["kind"]) == hand - Counter({"existing_childcare": 10_000})
    assert parcels["site_id"].str.fullmatch(r"osm/(node|way|relation)/\d+").all()
    # without facilities, kindergartens are candidates to reuse: add a nursery class
    alone = read_osm_layers(path, use=["candidates"], working_crs=crs).parcels
    assert alone is not None
    assert Counter(alone["kind"]) == hand
    every = candidates_from_osm(path, working_crs=crs)
    assert list(alone["site_id"]) == list(every["site_id"])
    childcare = alone["kind"] == "existing_childcare"
    assert (alone.loc[childcare, "acquisition"] == "reuse").all()
    assert (alone.loc[~childcare, "acquisition"] == every.loc[~childcare, "acquisition"]).all()
    assert "cost" not in alone.columns  # OSM says nothing about land prices


@pytest.mark.shared
@pytest.mark.parametrize("name", sorted(FILES))
def test_hazards_and_streets_match_a_hand_count(name: str) -> None:
    path = FILES[name][0]
    _need(path)
    elements = _elements(path)
    expected = Counter(k for _, _, tags, _ in elements if (k := _hand_hazard(tags)) is not None)
    layers = _layers(name, _uses(name))
    assert layers.hazards is not None
    assert Counter(layers.hazards["kind"]) == expected
    roads = sum(1 for element, _, tags, _ in elements if element == "way" and "highway" in tags)
    assert roads == {"nanjing": 384, "taichung": 621, "aguascalientes": 674}[name]
    assert layers.streets == path


@pytest.mark.shared
def test_ids_are_the_same_on_a_second_reading() -> None:
    first = _layers("taichung", EVERY)
    path, crs = FILES["taichung"]
    second = read_osm_layers(path, use=EVERY, working_crs=crs)
    for name in ("areas", "parcels", "facilities", "hazards"):
        a, b = getattr(first, name), getattr(second, name)
        assert list(a.iloc[:, 0]) == list(b.iloc[:, 0]), name


def test_utm_zone_without_a_working_crs(tmp_path: Path) -> None:
    path = tmp_path / "a.osm"
    path.write_text(
        "<?xml version='1.0'?><osm version='0.6'>"
        "<node id='1' lat='32.430' lon='105.840'/><node id='2' lat='32.430' lon='105.842'/>"
        "<node id='3' lat='32.432' lon='105.842'/>"
        "<way id='9'><nd ref='1'/><nd ref='2'/><nd ref='3'/><nd ref='1'/>"
        "<tag k='residential' v='urban'/></way></osm>",
        encoding="utf-8",
    )
    layers = read_osm_layers(path, use=["areas"])
    assert layers.crs.to_epsg() == 32648  # UTM 48N at 105.84°E
    areas = layers.areas
    assert areas is not None
    # a closed way tagged only residential=* is an area, named by its id
    assert areas[["area_id", "name", "osm_tags"]].to_dict("records") == [
        {"area_id": "osm/way/9", "name": "osm/way/9", "osm_tags": "residential=urban"}
    ]
    # half of 188 m x 222 m
    assert areas.geometry.iloc[0].area == pytest.approx(188 * 222 / 2, rel=0.02)
    assert facilities_from_osm(path).empty


def test_capacity_tag_is_read_as_slots(tmp_path: Path) -> None:
    path = tmp_path / "k.osm"
    path.write_text(
        "<?xml version='1.0'?><osm version='0.6'>"
        "<node id='1' lat='32.43' lon='105.84'><tag k='amenity' v='kindergarten'/>"
        "<tag k='capacity' v='约60人'/><tag k='name' v='幼儿园'/></node>"
        "<node id='2' lat='32.44' lon='105.84'><tag k='amenity' v='childcare'/></node>"
        "<node id='3' lat='32.45' lon='105.84'><tag k='childcare' v='no'/></node>"
        "<node id='4' lat='32.46' lon='105.84'><tag k='childcare' v='yes'/>"
        "<tag k='capacity' v='unknown'/></node></osm>",
        encoding="utf-8",
    )
    got = facilities_from_osm(path, working_crs="EPSG:4544", slots_default=7)
    assert got["name"].fillna("").tolist() == ["幼儿园", "", ""]
    assert got[["facility_id", "slots", "slots_source", "osm_tags"]].to_dict("records") == [
        {
            "facility_id": "osm/node/1",
            "slots": 60,
            "slots_source": "osm capacity",
            "osm_tags": "amenity=kindergarten",
        },
        {
            "facility_id": "osm/node/2",
            "slots": 7,
            "slots_source": "assumed default",
            "osm_tags": "amenity=childcare",
        },
        {
            "facility_id": "osm/node/4",
            "slots": 7,
            "slots_source": "assumed default",
            "osm_tags": "childcare=yes",
        },
    ]


def test_a_geographic_working_crs_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "a.osm"
    path.write_text("<?xml version='1.0'?><osm version='0.6'></osm>", encoding="utf-8")
    with pytest.raises(InputError, match="not projected"):
        read_osm_layers(path, use=["hazards"], working_crs="EPSG:4326")
    with pytest.raises(InputError, match="unknown working CRS"):
        read_osm_layers(path, use=["hazards"], working_crs="EPSG:999999")
    empty = read_osm_layers(path, use=["hazards", "facilities"], working_crs="EPSG:4544")
    assert empty.hazards is not None and empty.hazards.empty
    assert empty.facilities is not None and empty.facilities.empty
