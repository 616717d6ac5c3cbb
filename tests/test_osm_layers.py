"""Tests of siting.osm.layers: a scenario's layers from one OSM file.

Counts on the shared real extracts are checked against an independent count of
the XML elements (``test_osm._elements``), not against osmnx.
"""

from __future__ import annotations

import bz2
import functools
import math
import re
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest
from test_osm import FILES, _elements, _hand_hazard, _hand_kind, _need

from siting.errors import InputError
from siting.osm import (
    NON_RESIDENTIAL_BUILDINGS,
    OsmLayers,
    areas_from_osm,
    buildings_from_osm,
    candidates_from_osm,
    facilities_from_osm,
    parse_levels,
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
    if tags.get("childcare") == "no":
        return False
    childcare = tags.get("amenity") in ("kindergarten", "childcare")
    built = tags.get("building") == "kindergarten"
    return areal and (childcare or built or "childcare" in tags)


def _hand_capacity(tags: dict[str, str]) -> int | None:
    """A nursery's own capacity; a kindergarten's counts children aged 3-6, not read."""
    nursery = tags.get("amenity") == "childcare" or tags.get("childcare", "no") != "no"
    digits = re.search(r"\d+", tags.get("capacity", ""))
    return int(digits[0]) if nursery and digits and int(digits[0]) > 0 else None


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
        capacity = _hand_capacity(hand[fid])
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
        "<tag k='capacity' v='unknown'/></node>"
        "<node id='5' lat='32.47' lon='105.84'><tag k='amenity' v='childcare'/>"
        "<tag k='capacity' v='30'/></node>"
        "<node id='6' lat='32.48' lon='105.84'><tag k='amenity' v='kindergarten'/>"
        "<tag k='childcare' v='no'/></node>"
        "<node id='7' lat='32.49' lon='105.84'><tag k='building' v='kindergarten'/>"
        "<tag k='amenity' v='childcare'/><tag k='capacity' v='0'/></node></osm>",
        encoding="utf-8",
    )
    got = facilities_from_osm(path, working_crs="EPSG:4544", slots_default=7)
    assert got["name"].fillna("").tolist() == ["幼儿园", "", "", "", ""]
    assert got[["facility_id", "slots", "slots_source", "osm_tags"]].to_dict("records") == [
        {  # a kindergarten's 60 are children aged 3-6: not under-3 places
            "facility_id": "osm/node/1",
            "slots": 7,
            "slots_source": "assumed default",
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
        {
            "facility_id": "osm/node/5",
            "slots": 30,
            "slots_source": "osm capacity",
            "osm_tags": "amenity=childcare",
        },
        {  # capacity=0 says nothing; the kindergarten that says childcare=no is left out
            "facility_id": "osm/node/7",
            "slots": 7,
            "slots_source": "assumed default",
            "osm_tags": "amenity=childcare",
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


def _hand_buildings(path: Path) -> dict[str, str | None]:
    """``building:levels`` of every building polygon the XML describes completely.

    A building is a ``building=*`` element (not ``building=no``) that is a
    closed way of at least four node references, all in the file, or a
    ``type=multipolygon`` relation whose member ways are all in the file (an
    extract cut at its edge lacks some, and such a relation cannot be drawn).
    """
    opener = bz2.open if path.suffix == ".bz2" else open
    with opener(path, "rb") as f:
        root = ET.parse(f).getroot()
    nodes = {el.get("id") for el in root if el.tag == "node"}
    ways = {el.get("id") for el in root if el.tag == "way"}
    out: dict[str, str | None] = {}
    for el in root:
        tags = {t.get("k", ""): t.get("v", "") for t in el.findall("tag")}
        if tags.get("building", "no") == "no":
            continue
        if el.tag == "way":
            refs = [nd.get("ref") for nd in el.findall("nd")]
            drawn = len(refs) > 3 and refs[0] == refs[-1] and all(r in nodes for r in refs)
        elif el.tag == "relation":
            members = [m.get("ref") for m in el.findall("member") if m.get("type") == "way"]
            drawn = tags.get("type") == "multipolygon" and all(m in ways for m in members)
            drawn = drawn and bool(members)
        else:
            drawn = False  # a building mapped as a point has no footprint
        if drawn:
            out[f"osm/{el.tag}/{el.get('id')}"] = tags.get("building:levels")
    return out


@pytest.mark.shared
@pytest.mark.parametrize("name", sorted(FILES))
def test_buildings_match_a_hand_count(name: str) -> None:
    path, crs = FILES[name]
    _need(path)
    hand = _hand_buildings(path)
    buildings = buildings_from_osm(path, working_crs=crs)
    assert len(buildings) == {"nanjing": 1277, "taichung": 475, "aguascalientes": 35}[name]
    assert set(buildings["building_id"]) == set(hand)
    assert buildings["building_id"].is_unique
    assert buildings.geom_type.isin(["Polygon", "MultiPolygon"]).all()
    assert buildings.crs == crs
    # levels: the highest number of the tag, written out again by hand
    for building_id, levels in zip(buildings["building_id"], buildings["levels"], strict=True):
        tag = hand[building_id]
        numbers = [float(n) for n in re.findall(r"[0-9.]+", tag or "") if n != "."]
        if numbers:
            assert levels == max(numbers), building_id
        else:
            assert math.isnan(levels), building_id


@pytest.mark.shared
def test_nanjing_buildings_levels_and_kinds() -> None:
    layers = _layers("nanjing", (*EVERY, "buildings"))
    buildings = layers.buildings
    assert buildings is not None
    # the XML has 1,279 building=* elements: 1 node and 1 relation whose inner way the
    # extract lacks are not polygons
    assert sum("building" in tags for _, _, tags, _ in _elements(FILES["nanjing"][0])) == 1279
    assert int(buildings["levels"].notna().sum()) == 131
    assert buildings["levels"].max() == 69.0
    # 中国人寿广场, a closed way with building:levels=36
    assert buildings.set_index("building_id").loc["osm/way/461044409", "levels"] == 36.0
    kinds = Counter(buildings["building"])
    assert kinds["yes"] == 1061 and kinds["school"] == 49 and kinds["apartments"] == 11
    housed_not = sum(n for kind, n in kinds.items() if kind in NON_RESIDENTIAL_BUILDINGS)
    assert housed_not == 128  # 49 school, 33 office, 25 commercial, 7 hotel, 5 university, ...
    assert any("1277 buildings" in n and "128 of non-residential kinds" in n for n in layers.notes)


@pytest.mark.shared
def test_reading_buildings_too_leaves_the_other_layers_alone() -> None:
    # one tag query for every use: the buildings it adds must not reach the other layers
    alone = _layers("nanjing", EVERY)
    both = _layers("nanjing", (*EVERY, "buildings"))
    assert alone.buildings is None
    for name in ("areas", "parcels", "facilities", "hazards"):
        a, b = getattr(alone, name), getattr(both, name)
        assert a.drop(columns="geometry").equals(b.drop(columns="geometry")), name
        assert a.geometry.geom_equals(b.geometry).all(), name


@pytest.mark.parametrize(
    ("tag", "levels"),
    [("6", 6.0), ("6.5", 6.5), ("3;4", 4.0), ("4;3", 4.0), (" 12 ", 12.0), ("2-3", 3.0)],
)
def test_building_levels_take_the_highest_number(tag: str, levels: float) -> None:
    assert parse_levels(tag) == levels


@pytest.mark.parametrize("tag", ["", "  ", "unknown", None, math.nan])
def test_building_levels_without_a_number_are_nan(tag: object) -> None:
    assert math.isnan(parse_levels(tag))


def test_buildings_drop_points_lines_and_building_no(tmp_path: Path) -> None:
    path = tmp_path / "b.osm"
    ring = "<nd ref='1'/><nd ref='2'/><nd ref='3'/><nd ref='4'/><nd ref='1'/>"
    path.write_text(
        "<?xml version='1.0'?><osm version='0.6'>"
        "<node id='1' lat='32.430' lon='105.840'/><node id='2' lat='32.430' lon='105.841'/>"
        "<node id='3' lat='32.431' lon='105.841'/><node id='4' lat='32.431' lon='105.840'/>"
        "<node id='5' lat='32.432' lon='105.842'><tag k='building' v='yes'/></node>"
        f"<way id='10'>{ring}<tag k='building' v='Apartments'/>"
        "<tag k='building:levels' v='3;4'/></way>"
        f"<way id='11'>{ring}<tag k='building' v='no'/></way>"
        "<way id='12'><nd ref='1'/><nd ref='2'/><nd ref='3'/><tag k='building' v='yes'/></way>"
        f"<way id='13'>{ring}<tag k='building' v='school'/><tag k='building:levels' v=''/></way>"
        "</osm>",
        encoding="utf-8",
    )
    got = buildings_from_osm(path, working_crs="EPSG:4544")
    assert got["building_id"].tolist() == ["osm/way/10", "osm/way/13"]
    assert got["building"].tolist() == ["apartments", "school"]
    assert got["levels"].tolist()[0] == 4.0 and math.isnan(got["levels"].tolist()[1])
    # about 94 m x 111 m at 32.43°N
    assert got.geometry.iloc[0].area == pytest.approx(94 * 111, rel=0.02)


def test_a_file_without_buildings_is_an_error_with_buildings_in_use(tmp_path: Path) -> None:
    path = tmp_path / "a.osm"
    path.write_text(
        "<?xml version='1.0'?><osm version='0.6'>"
        "<node id='1' lat='32.43' lon='105.84'><tag k='building' v='yes'/></node></osm>",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as info:
        read_osm_layers(path, use=["buildings"], working_crs="EPSG:4544")
    (problem,) = info.value.problems
    assert problem.message == (
        'the file has no buildings (no building=* polygon), but use includes "buildings"'
    )
    assert problem.fix is not None and 'remove "buildings" from use' in problem.fix


def test_an_upper_case_bz2_name_is_read_as_bz2(tmp_path: Path) -> None:
    """osmnx's features reader opens bz2 only for a name ending in '.bz2': CITY.OSM.BZ2
    was parsed as plain XML (UnicodeDecodeError), though validate's own check read it."""
    import bz2

    text = (
        "<?xml version='1.0'?><osm version='0.6'>"
        "<node id='2' lat='32.44' lon='105.84'><tag k='amenity' v='childcare'/>"
        "<tag k='capacity' v='30'/></node></osm>"
    )
    packed = tmp_path / "CITY.OSM.BZ2"
    packed.write_bytes(bz2.compress(text.encode("utf-8")))
    got = facilities_from_osm(packed, working_crs="EPSG:4544", slots_default=7)
    assert got[["facility_id", "slots"]].to_dict("records") == [
        {"facility_id": "osm/node/2", "slots": 30}
    ]


def test_a_venue_mapped_as_a_point_takes_the_building_it_stands_in(tmp_path: Path) -> None:
    """A 社区服务中心 node had no land area and could never host a facility. Inside a
    building polygon it now takes that footprint (one storey, or building:levels); a node
    in no building stays a point; a building that is a candidate itself, or that another
    venue has taken, is not shared; one storey (review: an 18-storey block gave a clinic
    21,600 m² of floor, and two venues the same building)."""
    lat, lon = 32.0, 118.8
    dy, dx = 1 / 111_320.0, 1 / (111_320.0 * math.cos(math.radians(lat)))

    def square(way_id: int, first: int, x: float, size: float, tags: str) -> str:
        corners = [(x, 0.0), (x + size, 0.0), (x + size, size), (x, size)]
        nodes = "".join(
            f"<node id='{first + k}' lat='{lat + cy * dy:.9f}' lon='{lon + cx * dx:.9f}'/>"
            for k, (cx, cy) in enumerate(corners)
        )
        refs = "".join(f"<nd ref='{first + k}'/>" for k in [0, 1, 2, 3, 0])
        return nodes, f"<way id='{way_id}'>{refs}{tags}</way>"

    b1 = square(10, 100, 0.0, 30.0, "<tag k='building' v='yes'/><tag k='building:levels' v='3'/>")
    b2 = square(11, 200, 100.0, 20.0, "<tag k='building' v='yes'/>")
    b3 = square(
        12, 300, 200.0, 25.0, "<tag k='building' v='yes'/><tag k='amenity' v='community_centre'/>"
    )

    def poi(node_id: int, x: float, y: float, tags: str) -> str:
        return (
            f"<node id='{node_id}' lat='{lat + y * dy:.9f}' lon='{lon + x * dx:.9f}'>{tags}</node>"
        )

    centre = "<tag k='amenity' v='community_centre'/>"
    xml = (
        "<?xml version='1.0'?><osm version='0.6'>"
        + b1[0]
        + b2[0]
        + b3[0]
        + poi(1, 15.0, 15.0, centre)  # in the 3-storey building
        + poi(2, 110.0, 10.0, "<tag k='amenity' v='clinic'/>")  # in the plain one
        + poi(3, 500.0, 500.0, centre)  # in no building
        + poi(4, 210.0, 10.0, centre)  # in a building that is a candidate itself
        + poi(5, 20.0, 20.0, "<tag k='amenity' v='clinic'/>")  # a second venue in building 10
        + b1[1]
        + b2[1]
        + b3[1]
        + "</osm>"
    )
    path = tmp_path / "venues.osm"
    path.write_text(xml, encoding="utf-8")
    layers = read_osm_layers(path, use=["candidates"], working_crs="EPSG:4549")
    parcels = layers.parcels.set_index("site_id")
    kinds = parcels.geometry.geom_type.to_dict()
    # no building; a building that is a candidate; a building node 1 has taken already
    assert kinds["osm/node/3"] == kinds["osm/node/4"] == kinds["osm/node/5"] == "Point"
    taken = parcels.loc[["osm/node/1", "osm/node/2"], ["land_area_m2", "floor_area_m2"]]
    assert (parcels.loc[["osm/node/1", "osm/node/2"]].geom_type == "Polygon").all()
    # 30 m x 30 m and 20 m x 20 m, one storey each (not the three building:levels say)
    assert taken.to_numpy().ravel().tolist() == pytest.approx([900, 900, 400, 400], rel=5e-3)
    assert "osm/way/12" in parcels.index  # the venue's own polygon, once
    assert any("2 mapped as points took the building" in n for n in layers.notes)


def test_a_kindergarten_drawn_as_node_and_polygon_counts_once(tmp_path: Path) -> None:
    """The node inside the kindergarten's own polygon was a second facility (40 slots)."""
    lat, lon, d = 32.0, 118.8, 0.0004
    corners = [(lat, lon), (lat, lon + d), (lat + d, lon + d), (lat + d, lon)]
    nodes = "".join(
        f"<node id='{10 + k}' lat='{a}' lon='{b}'/>" for k, (a, b) in enumerate(corners)
    )
    refs = "".join(f"<nd ref='{10 + k}'/>" for k in (0, 1, 2, 3, 0))
    kg = "<tag k='amenity' v='kindergarten'/>"
    xml = (
        f"<?xml version='1.0'?><osm version='0.6'>{nodes}"
        f"<node id='1' lat='{lat + d / 2}' lon='{lon + d / 2}'>{kg}</node>"
        f"<node id='2' lat='{lat + 0.01}' lon='{lon}'>{kg}</node>"
        f"<way id='5'>{refs}{kg}</way></osm>"
    )
    path = tmp_path / "kg.osm"
    path.write_text(xml, encoding="utf-8")
    got = facilities_from_osm(path, working_crs="EPSG:4549", slots_default=20)
    assert sorted(got["facility_id"]) == ["osm/node/2", "osm/way/5"]


def _square_way(way: int, first: int, south: float, west: float, size: float, tags: str) -> str:
    """OSM XML of a closed square way (nodes ``first`` … ``first + 3``) with ``tags``."""
    corners = [(south, west), (south, west + size), (south + size, west + size)]
    corners.append((south + size, west))
    nodes = "".join(
        f"<node id='{first + k}' lat='{a}' lon='{b}'/>" for k, (a, b) in enumerate(corners)
    )
    refs = "".join(f"<nd ref='{first + k}'/>" for k in (0, 1, 2, 3, 0))
    return f"{nodes}<way id='{way}'>{refs}{tags}</way>"


def test_a_kindergarten_drawn_only_as_its_building_counts_once(tmp_path: Path) -> None:
    """README: ``building=kindergarten`` is a facility. It was never read (the query had no
    ``building`` key): a 幼儿园 drawn only as its building was missed. Its building inside a
    kindergarten's grounds is the same kindergarten, counted once."""
    lat, lon = 32.0, 118.8
    square = _square_way
    building = "<tag k='building' v='kindergarten'/>"
    xml = (
        "<?xml version='1.0'?><osm version='0.6'>"
        # 一幼: its grounds, and its building inside them
        + square(1, 10, lat, lon, 0.001, "<tag k='amenity' v='kindergarten'/>")
        + square(2, 20, lat + 0.0003, lon + 0.0003, 0.0003, building)
        # 二幼: only its building, 1 km north
        + square(3, 30, lat + 0.01, lon, 0.0003, building + "<tag k='name' v='二幼'/>")
        + "</osm>"
    )
    path = tmp_path / "kg.osm"
    path.write_text(xml, encoding="utf-8")
    got = facilities_from_osm(path, working_crs="EPSG:4549", slots_default=20)
    assert sorted(got["facility_id"]) == ["osm/way/1", "osm/way/3"]
    assert got.set_index("facility_id").at["osm/way/3", "osm_tags"] == "building=kindergarten"
    assert got["slots"].tolist() == [20, 20]


def test_an_extract_clipped_through_a_multipolygon_keeps_its_other_features(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A multipolygon whose inner way lost a node at the extract's edge made osmnx refuse
    the whole file (EmptyPartError): every layer of the extract was lost."""
    lat, lon, d = 32.0, 118.8, 0.001
    ring = _square_way
    residential = "<tag k='landuse' v='residential'/>"
    xml = (
        "<?xml version='1.0'?><osm version='0.6'>"
        + ring(1, 10, lat, lon, d, residential)  # a whole block
        + ring(2, 20, lat + 0.01, lon, d, "")  # the multipolygon's outer ring
        + ring(3, 30, lat + 0.0103, lon + 0.0003, d / 4, "").replace(
            "<node id='32'",
            "<node id='99932'",  # its inner ring lost a node
        )
        + "<relation id='7'><member type='way' ref='2' role='outer'/>"
        "<member type='way' ref='3' role='inner'/>"
        "<tag k='type' v='multipolygon'/><tag k='landuse' v='residential'/></relation>"
        "</osm>"
    )
    path = tmp_path / "clipped.osm"
    path.write_text(xml, encoding="utf-8")
    areas = areas_from_osm(path, working_crs="EPSG:4549")
    # the whole block is read; the multipolygon, which lost part of its outline, is not
    assert areas["area_id"].tolist() == ["osm/way/1"]
    import geopandas as gpd
    from shapely.geometry import box

    block = gpd.GeoSeries([box(lon, lat, lon + d, lat + d)], crs="EPSG:4326")
    block = block.to_crs("EPSG:4549").area.iloc[0]
    assert areas.geometry.area.iloc[0] == pytest.approx(block, rel=1e-9)
    assert "1 ways refer to nodes the file does not hold" in caplog.text
    assert "1 relations (multipolygons) that lost a member" in caplog.text
