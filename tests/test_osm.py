"""Tests of siting.osm: candidate sites and hazards from OpenStreetMap."""

from __future__ import annotations

import bz2
import functools
import math
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, box

from siting.errors import InputError
from siting.osm import (
    CANDIDATE_KINDS,
    candidates_from_osm,
    exclude_hazardous,
    hazard_buffers,
    hazards_from_osm,
    parse_voltage_kv,
)

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
OSM = DATA / "osm"
FILES = {
    "nanjing": (OSM / "nanjing-xuanwu.osm", "EPSG:4549"),
    "taichung": (OSM / "taichung.osm", "EPSG:3826"),
    "aguascalientes": (OSM / "aguascalientes.osm.bz2", "EPSG:32613"),
}
UTM = "EPSG:32650"


def _need(path: Path) -> None:
    if not path.is_file():
        pytest.skip(f"shared test data {path} is absent (clone shared/ next to the repo)")


@functools.cache
def _candidates(name: str) -> gpd.GeoDataFrame:
    path, crs = FILES[name]
    _need(path)
    return candidates_from_osm(path, working_crs=crs)


@functools.cache
def _hazards(name: str) -> gpd.GeoDataFrame:
    path, crs = FILES[name]
    _need(path)
    return hazards_from_osm(path, working_crs=crs)


@functools.cache
def _elements(path: Path) -> list[tuple[str, str, dict[str, str], bool]]:
    """(element, id, tags, is a point or an area) for every element of an OSM XML file."""
    opener = bz2.open if path.suffix == ".bz2" else open
    with opener(path, "rb") as f:
        root = ET.parse(f).getroot()
    out = []
    for el in root:
        if el.tag not in ("node", "way", "relation"):
            continue
        tags = {t.get("k", ""): t.get("v", "") for t in el.findall("tag")}
        refs = [nd.get("ref") for nd in el.findall("nd")]
        areal = (
            el.tag == "node"
            or (el.tag == "way" and len(refs) > 3 and refs[0] == refs[-1])
            or (el.tag == "relation" and tags.get("type") == "multipolygon")
        )
        out.append((el.tag, el.get("id", ""), tags, areal))
    return out


def _hand_kind(tags: dict[str, str]) -> str | None:
    """The candidate kind, written out again from the rule table in the module docstring."""
    amenity, leisure, landuse = tags.get("amenity"), tags.get("leisure"), tags.get("landuse")
    if amenity in ("kindergarten", "childcare"):
        return "existing_childcare"
    if amenity == "community_centre":
        return "community_centre"
    if amenity == "clinic" or tags.get("healthcare") in ("clinic", "centre"):
        return "health_centre"
    if amenity in ("library", "arts_centre"):
        return "cultural_venue"
    if leisure in ("sports_centre", "sports_hall"):
        return "sports_venue"
    if leisure in ("park", "garden"):
        return "park"
    if landuse in ("brownfield", "greenfield", "vacant"):
        return "idle_land"
    disused = ("disused:building", "abandoned:building", "disused:amenity", "disused:shop")
    if tags.get("building") == "ruins" or any(k in tags for k in disused):
        return "underused_land"
    if tags.get("disused") == "yes":
        return "underused_land"
    return None


@pytest.mark.shared
@pytest.mark.parametrize("name", sorted(FILES))
def test_candidate_counts_match_a_hand_query(name: str) -> None:
    path, crs = FILES[name]
    _need(path)
    expected = Counter(
        kind
        for element, _, tags, areal in _elements(path)
        if areal and (kind := _hand_kind(tags)) is not None
    )
    ids = {
        f"osm/{element}/{osm_id}": _hand_kind(tags)
        for element, osm_id, tags, areal in _elements(path)
        if areal and _hand_kind(tags) is not None
    }
    sites = _candidates(name)
    assert Counter(sites["kind"]) == expected
    assert dict(zip(sites["site_id"], sites["kind"], strict=True)) == ids
    assert set(sites["kind"]) <= set(CANDIDATE_KINDS)
    assert sites.crs == crs
    assert sites["site_id"].is_unique
    acquisition = {"existing_childcare": "existing", "idle_land": "purchase"}
    for kind, mode in zip(sites["kind"], sites["acquisition"], strict=True):
        assert mode == acquisition.get(kind, "purchase" if kind == "underused_land" else "reuse")
    polygons = sites.geom_type.isin(["Polygon", "MultiPolygon"])
    assert sites.loc[polygons, "land_area_m2"].gt(0).all()
    assert sites.loc[~polygons, "land_area_m2"].isna().all()


@pytest.mark.shared
def test_aguascalientes_childcare_count() -> None:
    sites = _candidates("aguascalientes")
    assert (sites["kind"] == "existing_childcare").sum() == 11  # as the data README says


@pytest.mark.shared
def test_taichung_floor_area_from_levels() -> None:
    sites = _candidates("taichung").set_index("site_id")
    site = sites.loc["osm/way/129849210"]  # 好學堂, a 2-storey community centre
    assert site["kind"] == "community_centre"
    assert site["floor_area_m2"] == pytest.approx(2 * site["land_area_m2"])
    assert site["land_area_m2"] == pytest.approx(site.geometry.area)


@pytest.mark.shared
def test_polygon_filter_keeps_what_intersects() -> None:
    path, crs = FILES["taichung"]
    _need(path)
    every = _candidates("taichung")
    first = every.geometry.iloc[0].buffer(1)
    some = candidates_from_osm(path, working_crs=crs, polygon=first)
    assert every["site_id"].iloc[0] in set(some["site_id"])
    assert set(some["site_id"]) == set(every.loc[every.intersects(first), "site_id"])


def _hand_hazard(tags: dict[str, str]) -> str | None:
    if tags.get("amenity") == "fuel":
        return "petrol_station"
    if tags.get("power") in ("line", "minor_line"):
        return "power_line"
    if tags.get("shop") in ("mall", "department_store"):
        return "mall"
    if tags.get("amenity") == "marketplace" or tags.get("shop") == "wholesale":
        return "market"
    if tags.get("highway") in ("trunk", "primary"):
        return "arterial_road"
    return None


@pytest.mark.shared
@pytest.mark.parametrize("name", sorted(FILES))
def test_hazard_counts_match_a_hand_query(name: str) -> None:
    path = FILES[name][0]
    _need(path)
    expected = Counter(
        kind for _, _, tags, _ in _elements(path) if (kind := _hand_hazard(tags)) is not None
    )
    hazards = _hazards(name)
    assert Counter(hazards["kind"]) == expected
    roads = hazards[hazards["kind"] == "arterial_road"]
    assert roads.geom_type.isin(["LineString", "MultiLineString"]).all()


@pytest.mark.shared
def test_nanjing_hazard_numbers() -> None:
    kinds = Counter(_hazards("nanjing")["kind"])
    # 1 fuel way; 6 malls + 7 department stores; 2 marketplaces; 23 primary + 4 trunk ways
    assert kinds == {"petrol_station": 1, "mall": 13, "market": 2, "arterial_road": 27}


@pytest.mark.shared
def test_site_30_m_from_the_taichung_fuel_station_is_excluded_80_m_kept() -> None:
    crs = FILES["taichung"][1]
    hazards = _hazards("taichung")
    fuel = hazards[hazards["kind"] == "petrol_station"].iloc[0]
    assert fuel["hazard_id"] == "osm/node/8030441429"
    x, y = fuel.geometry.x, fuel.geometry.y
    sites = gpd.GeoDataFrame(
        {"site_id": ["near", "far"]},
        geometry=[Point(x + 30, y), Point(x, y - 80)],
        crs=crs,
    )
    buffers = hazard_buffers(hazards, enabled=["petrol_station"])
    kept, excluded = exclude_hazardous(sites, buffers)
    assert kept["site_id"].tolist() == ["far"]
    assert excluded.to_dict("records") == [
        {
            "site_id": "near",
            "reason": "within 50 m of petrol station osm/node/8030441429",
            "hazard_ids": "osm/node/8030441429",
        }
    ]


OSM_TEXT = """<?xml version='1.0' encoding='UTF-8'?>
<osm version='0.6' generator='hand'>
  <node id='1' lat='32.4350' lon='105.8430'><tag k='amenity' v='fuel'/></node>
  <node id='2' lat='32.4400' lon='105.8400'/>
  <node id='3' lat='32.4400' lon='105.8500'/>
  <node id='4' lat='32.4300' lon='105.8400'/>
  <node id='5' lat='32.4300' lon='105.8500'/>
  <node id='6' lat='32.4310' lon='105.8410'/>
  <node id='7' lat='32.4310' lon='105.8420'/>
  <node id='8' lat='32.4320' lon='105.8420'/>
  <node id='9' lat='32.4320' lon='105.8410'/>
  <way id='10'><nd ref='2'/><nd ref='3'/>
    <tag k='power' v='line'/><tag k='voltage' v='110000;10000'/></way>
  <way id='11'><nd ref='4'/><nd ref='5'/><tag k='power' v='minor_line'/></way>
  <way id='12'><nd ref='2'/><nd ref='4'/><tag k='highway' v='primary'/></way>
  <way id='13'><nd ref='6'/><nd ref='7'/><nd ref='8'/><nd ref='9'/><nd ref='6'/>
    <tag k='landuse' v='brownfield'/><tag k='name' v='旧厂房'/></way>
  <way id='14'><nd ref='3'/><nd ref='5'/><tag k='power' v='cable'/></way>
</osm>
"""


@pytest.fixture
def hand_file(tmp_path: Path) -> Path:
    path = tmp_path / "hand.osm"
    path.write_text(OSM_TEXT, encoding="utf-8")
    return path


def test_hand_made_file_hazards_and_power_line_bands(hand_file: Path) -> None:
    hazards = hazards_from_osm(hand_file, working_crs="EPSG:4544").set_index("hazard_id")
    assert hazards["kind"].to_dict() == {
        "osm/node/1": "petrol_station",
        "osm/way/10": "power_line",
        "osm/way/11": "power_line",
        "osm/way/12": "arterial_road",
    }  # power=cable is underground, not a hazard here
    assert hazards.loc["osm/way/10", "voltage_kv"] == 110.0
    assert math.isnan(hazards.loc["osm/way/11", "voltage_kv"])
    buffers = hazard_buffers(hazards.reset_index()).set_index("hazard_id")
    assert buffers["buffer_m"].to_dict() == {
        "osm/node/1": 50.0,
        "osm/way/10": 10.0,  # 35-110 kV band
        "osm/way/11": 10.0,  # no voltage tag: the default
        "osm/way/12": 10.0,
    }
    assert buffers.loc["osm/way/10", "reason"] == "within 10 m of power line (110 kV) osm/way/10"
    line = hazards.loc["osm/way/10"].geometry
    assert buffers.loc["osm/way/10"].geometry.area == pytest.approx(line.buffer(10).area, rel=1e-9)
    narrow = hazard_buffers(
        hazards.reset_index(),
        power_line_m_by_kv={10: 5, 110: 12},
        power_line_default_m=5,
        enabled=["power_line"],
    )
    assert narrow["buffer_m"].tolist() == [12.0, 5.0]
    assert set(narrow["kind"]) == {"power_line"}


def test_hand_made_file_candidates(hand_file: Path) -> None:
    sites = candidates_from_osm(hand_file, working_crs="EPSG:4544")
    assert sites[["site_id", "name", "kind", "acquisition", "osm_tags"]].to_dict("records") == [
        {
            "site_id": "osm/way/13",
            "name": "旧厂房",
            "kind": "idle_land",
            "acquisition": "purchase",
            "osm_tags": "landuse=brownfield",
        }
    ]
    # about 94 m x 111 m at 32.43 N
    assert sites["land_area_m2"].iloc[0] == pytest.approx(94_000 * 0.111, rel=0.02)
    assert math.isnan(sites["floor_area_m2"].iloc[0])


def test_power_line_crossing_a_parcel_excludes_it() -> None:
    hazards = gpd.GeoDataFrame(
        {"hazard_id": ["L"], "kind": ["power_line"], "voltage_kv": [500.0]},
        geometry=[LineString([(0, 0), (1000, 0)])],
        crs=UTM,
    )
    sites = gpd.GeoDataFrame(
        {"site_id": ["crossed", "near", "clear"], "area": [1, 2, 3]},
        geometry=[box(100, -50, 200, 50), box(300, 19, 400, 100), box(500, 21, 600, 100)],
        crs=UTM,
    )
    before = sites.copy()
    kept, excluded = exclude_hazardous(sites, hazard_buffers(hazards))
    assert kept["site_id"].tolist() == ["clear"]
    assert excluded["site_id"].tolist() == ["crossed", "near"]
    assert set(excluded["reason"]) == {"within 20 m of power line (500 kV) L"}
    pd.testing.assert_frame_equal(sites, before)  # input untouched
    off = hazard_buffers(hazards, enabled=[])
    kept_all, none = exclude_hazardous(sites, off)
    assert len(kept_all) == 3
    assert none.empty


def test_several_hazards_give_one_row_with_every_reason() -> None:
    hazards = gpd.GeoDataFrame(
        {
            "hazard_id": ["m", "f"],
            "kind": ["mall", "petrol_station"],
            "voltage_kv": [math.nan, math.nan],
        },
        geometry=[Point(0, 0), Point(60, 0)],
        crs=UTM,
    )
    sites = gpd.GeoDataFrame({"site_id": ["s"]}, geometry=[Point(30, 0)], crs=UTM)
    kept, excluded = exclude_hazardous(sites, hazard_buffers(hazards))
    assert kept.empty
    assert excluded.iloc[0]["reason"] == ("within 50 m of petrol station f; within 100 m of mall m")
    assert excluded.iloc[0]["hazard_ids"] == "f; m"


def test_parse_voltage() -> None:
    assert parse_voltage_kv("110000;10000") == 110.0
    assert parse_voltage_kv("500000") == 500.0
    assert parse_voltage_kv("35 kV") == 35.0
    assert parse_voltage_kv("10000, 380") == 10.0
    assert math.isnan(parse_voltage_kv("unknown"))
    assert math.isnan(parse_voltage_kv(float("nan")))


def test_bad_inputs(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="OSM file not found"):
        candidates_from_osm(tmp_path / "none.osm", working_crs=UTM)
    broken = tmp_path / "broken.osm"
    broken.write_text("<osm><node")
    with pytest.raises(InputError, match=r"broken\.osm"):
        hazards_from_osm(broken, working_crs=UTM)
    with pytest.raises(InputError, match="not projected"):
        candidates_from_osm(broken, working_crs="EPSG:4326")
    hazards = gpd.GeoDataFrame(
        {"hazard_id": ["x"], "kind": ["mall"], "voltage_kv": [math.nan]},
        geometry=[Point(0, 0)],
        crs=UTM,
    )
    with pytest.raises(InputError) as info:
        hazard_buffers(hazards, enabled=["volcano"], mall_m=-1)
    assert len(info.value.problems) == 2


def test_file_without_matches_gives_empty_frames(tmp_path: Path) -> None:
    path = tmp_path / "empty.osm"
    path.write_text(
        "<?xml version='1.0' encoding='UTF-8'?><osm version='0.6'>"
        "<node id='1' lat='32' lon='105'><tag k='shop' v='bakery'/></node></osm>"
    )
    sites = candidates_from_osm(path, working_crs="EPSG:4544")
    hazards = hazards_from_osm(path, working_crs="EPSG:4544")
    assert sites.empty
    assert "kind" in sites.columns
    assert hazards.empty
    assert hazard_buffers(hazards).empty
