"""Tests of siting.network: street graphs, representative points, walking distances."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pyproj
import pytest
import rasterio
from affine import Affine
from shapely.geometry import LineString, Point, box

from siting.errors import InputError, NetworkError
from siting.network import (
    DROPPED_HIGHWAYS,
    area_points,
    distance_table,
    download_street_graph,
    excluded_by_network,
    read_street_graph,
    walk_matrix,
    walk_minutes,
)
from siting.network import points as points_module
from siting.network.points import cell_window

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
OSM = DATA / "osm"
NANJING = OSM / "nanjing-xuanwu.osm"
TAICHUNG = OSM / "taichung.osm"
NANJING_CRS = "EPSG:4549"  # CGCS2000 3-degree Gauss-Kruger, central meridian 120E
TAICHUNG_CRS = "EPSG:3826"  # TWD97 TM2 zone 121
UTM = "EPSG:32650"


def _need(path: Path) -> None:
    if not path.is_file():
        pytest.skip(f"shared test data {path} is absent (clone shared/ next to the repo)")


@pytest.fixture(scope="module")
def nanjing() -> nx.MultiDiGraph:
    _need(NANJING)
    return read_street_graph(NANJING, working_crs=NANJING_CRS)


@pytest.fixture(scope="module")
def taichung() -> nx.MultiDiGraph:
    _need(TAICHUNG)
    return read_street_graph(TAICHUNG, working_crs=TAICHUNG_CRS)


def _haversine_m(lon: np.ndarray, lat: np.ndarray) -> float:
    lon, lat = np.radians(lon), np.radians(lat)
    a = (
        np.sin(np.diff(lat) / 2) ** 2
        + np.cos(lat[:-1]) * np.cos(lat[1:]) * np.sin(np.diff(lon) / 2) ** 2
    )
    return float((2 * 6_371_009 * np.arcsin(np.sqrt(a))).sum())


def _highways(g: nx.MultiDiGraph) -> set[str]:
    out: set[str] = set()
    for _, _, h in g.edges(data="highway"):
        out.update(h if isinstance(h, list) else [h])
    return out


@pytest.mark.shared
@pytest.mark.parametrize(("name", "crs"), [("nanjing", NANJING_CRS), ("taichung", TAICHUNG_CRS)])
def test_real_extracts_build_a_walking_graph(
    name: str, crs: str, request: pytest.FixtureRequest
) -> None:
    g = request.getfixturevalue(name)
    assert g.number_of_nodes() > 300
    assert g.number_of_edges() > 1000
    assert pyproj.CRS.from_user_input(g.graph["crs"]) == pyproj.CRS.from_user_input(crs)
    highways = _highways(g)
    assert not highways & DROPPED_HIGHWAYS
    assert "footway" in highways
    assert "trunk" not in highways  # no trunk in these files has a tagged sidewalk
    assert nx.is_weakly_connected(g)
    for _, _, data in g.edges(data=True):
        assert "no" not in (
            data.get("foot") if isinstance(data.get("foot"), list) else [data.get("foot")]
        )
    # lengths are metres: the great-circle length of each edge's geometry, computed here
    to_lonlat = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    total_length = total_haversine = 0.0
    for u, v, data in g.edges(data=True):
        if "geometry" in data:
            x, y = np.asarray(data["geometry"].coords).T
        else:
            x = np.array([g.nodes[u]["x"], g.nodes[v]["x"]])
            y = np.array([g.nodes[u]["y"], g.nodes[v]["y"]])
        lon, lat = to_lonlat.transform(x, y)
        total_length += data["length"]
        total_haversine += _haversine_m(np.asarray(lon), np.asarray(lat))
    assert total_length == pytest.approx(total_haversine, rel=2e-3)


@pytest.mark.shared
def test_taichung_drops_foot_no_and_private_ways(taichung: nx.MultiDiGraph) -> None:
    _need(TAICHUNG)
    everything = read_street_graph(TAICHUNG, working_crs=TAICHUNG_CRS, network="all")

    def tagged(g: nx.MultiDiGraph, key: str, value: str) -> int:
        return sum(
            1
            for _, _, d in g.edges(data=True)
            if value in (d.get(key) if isinstance(d.get(key), list) else [d.get(key)])
        )

    assert tagged(everything, "foot", "no") > 0
    assert tagged(taichung, "foot", "no") == 0
    assert tagged(everything, "access", "private") > 0
    assert tagged(taichung, "access", "private") == 0


@pytest.mark.shared
def test_trunk_kept_when_asked(nanjing: nx.MultiDiGraph) -> None:
    g = read_street_graph(NANJING, working_crs=NANJING_CRS, trunk_requires_sidewalk=False)
    assert "trunk" in _highways(g)

    def total(graph: nx.MultiDiGraph) -> float:
        return float(sum(d["length"] for _, _, d in graph.edges(data=True)))

    assert total(g) > total(nanjing)


@pytest.mark.shared
def test_bz2_extract_reads() -> None:
    path = OSM / "aguascalientes.osm.bz2"
    _need(path)
    g = read_street_graph(path, working_crs="EPSG:32613")
    assert g.number_of_nodes() > 500
    assert "motorway" not in _highways(g)


def test_missing_file_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(NetworkError, match=r"nowhere\.osm.*not found"):
        read_street_graph(tmp_path / "nowhere.osm", working_crs=UTM)


def test_broken_xml_is_a_network_error(tmp_path: Path) -> None:
    bad = tmp_path / "broken.osm"
    bad.write_text("<osm><node id='1' lat='32' lon='105'>")
    with pytest.raises(NetworkError, match=r"broken\.osm: cannot read") as info:
        read_street_graph(bad, working_crs=UTM)
    assert "fix:" in str(info.value)


def test_unknown_suffix_and_geographic_crs(tmp_path: Path) -> None:
    other = tmp_path / "streets.txt"
    other.write_text("x")
    with pytest.raises(NetworkError, match=r"unknown street network format.*centrelines"):
        read_street_graph(other, working_crs=UTM)
    broken = tmp_path / "streets.shp"  # read as a layer of centrelines, which it is not
    broken.write_text("x")
    with pytest.raises(NetworkError, match=r"streets\.shp: cannot read the street lines"):
        read_street_graph(broken, working_crs=UTM)
    with pytest.raises(NetworkError, match="not projected"):
        read_street_graph(other, working_crs="EPSG:4326")


def test_xml_without_streets(tmp_path: Path) -> None:
    path = tmp_path / "building.osm"
    path.write_text(
        "<?xml version='1.0' encoding='UTF-8'?><osm version='0.6'>"
        "<node id='1' lat='32.0' lon='105.0'/><node id='2' lat='32.001' lon='105.0'/>"
        "<node id='3' lat='32.001' lon='105.001'/>"
        "<way id='10'><nd ref='1'/><nd ref='2'/><nd ref='3'/><nd ref='1'/>"
        "<tag k='building' v='yes'/></way></osm>"
    )
    with pytest.raises(NetworkError, match="no walkable street"):
        read_street_graph(path, working_crs="EPSG:4544")


@pytest.mark.shared
def test_graphml_cache_is_reused_without_download(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, nanjing: nx.MultiDiGraph
) -> None:
    import osmnx as ox

    cache = tmp_path / "nanjing.graphml"
    ox.save_graphml(ox.project_graph(nanjing, to_latlong=True), cache)

    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("download attempted")

    monkeypatch.setattr(ox, "graph_from_place", no_network)
    monkeypatch.setattr(ox, "graph_from_bbox", no_network)
    g = download_street_graph(place="Nanjing", cache=cache, working_crs=NANJING_CRS)
    assert g.number_of_nodes() == nanjing.number_of_nodes()
    total = sum(d["length"] for _, _, d in g.edges(data=True))
    assert total == pytest.approx(sum(d["length"] for _, _, d in nanjing.edges(data=True)))


def test_download_needs_one_of_place_or_bbox(tmp_path: Path) -> None:
    with pytest.raises(NetworkError, match="exactly one of place or bbox"):
        download_street_graph(cache=tmp_path / "x.graphml", working_crs=UTM)


# ---------------------------------------------------------------------------
# distances on the real graph, against networkx


def _random_points(g: nx.MultiDiGraph, n: int, seed: int, name: str) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    xs = np.array([d["x"] for _, d in g.nodes(data=True)])
    ys = np.array([d["y"] for _, d in g.nodes(data=True)])
    return gpd.GeoDataFrame(
        {name: [f"{name[0]}{i}" for i in range(n)]},
        geometry=gpd.points_from_xy(
            rng.uniform(xs.min(), xs.max(), n), rng.uniform(ys.min(), ys.max(), n)
        ),
        crs=g.graph["crs"],
    )


def _snapper(g: nx.MultiGraph, snap: str) -> Callable[[Point], _Snap]:
    """Brute-force snapping, independent of siting: to every node, or to every edge's line."""
    nodes = list(g.nodes)
    xy = np.array([[g.nodes[n]["x"], g.nodes[n]["y"]] for n in nodes])
    lines = []
    for u, v, k, data in g.edges(keys=True, data=True):
        ends = [(g.nodes[u]["x"], g.nodes[u]["y"]), (g.nodes[v]["x"], g.nodes[v]["y"])]
        line = data.get("geometry", LineString(ends))
        if line.length == 0:
            continue
        if Point(line.coords[0]).distance(Point(ends[1])) < Point(line.coords[0]).distance(
            Point(ends[0])
        ):
            u, v = v, u  # the line runs from v to u
        lines.append((line, u, v, k, float(data["length"])))

    def to_node(p: Point) -> _Snap:
        d = np.hypot(xy[:, 0] - p.x, xy[:, 1] - p.y)
        return float(d.min()), [(nodes[int(np.argmin(d))], 0.0)], None, 0.0

    def to_edge(p: Point) -> _Snap:
        dist, length, line, u, v, k = min(
            (line.distance(p), length, line, u, v, k) for line, u, v, k, length in lines
        )
        along = line.project(p, normalized=True) * length
        return dist, [(u, along), (v, length - along)], (frozenset((u, v)), k), along

    return to_node if snap == "node" else to_edge


_Snap = tuple[float, list[tuple[object, float]], object, float]


def _walk(a: _Snap, s: _Snap, reach: dict[object, dict[object, float]]) -> float:
    """Walk between two snapped points: along a shared edge, or out through its ends."""
    best = abs(a[3] - s[3]) if a[2] is not None and a[2] == s[2] else math.inf
    for node_s, off_s in s[1]:
        for node_a, off_a in a[1]:
            best = min(best, off_s + reach[node_s].get(node_a, math.inf) + off_a)
    return a[0] + best + s[0]


@pytest.mark.shared
@pytest.mark.parametrize("snap", ["edge", "node"])
@pytest.mark.parametrize("name", ["nanjing", "taichung"])
def test_distances_match_networkx(
    name: str, snap: Literal["edge", "node"], request: pytest.FixtureRequest
) -> None:
    g = request.getfixturevalue(name)
    limit = 1200.0
    areas = _random_points(g, 40, 1, "area_id")
    sites = _random_points(g, 30, 2, "site_id")
    table = distance_table(areas, sites, graph=g, max_distance_m=limit, snap=snap)

    # independent computation: brute-force snapping, networkx on the undirected graph
    undirected = nx.MultiGraph(g)
    snapper = _snapper(undirected, snap)
    a_snap = [snapper(p) for p in areas.geometry]
    s_snap = [snapper(p) for p in sites.geometry]
    reach = {
        node: nx.single_source_dijkstra_path_length(undirected, node, weight="length")
        for s in s_snap
        for node, _ in s[1]
    }
    got = table.set_index(["area_id", "site_id"])["distance_m"]
    rng = np.random.default_rng(7)
    pairs = [
        (int(a), int(s))
        for a, s in zip(rng.integers(0, 40, 100), rng.integers(0, 30, 100), strict=True)
    ]
    within = 0
    for a, s in pairs:
        walk = _walk(a_snap[a], s_snap[s], reach)
        key = (areas["area_id"].iloc[a], sites["site_id"].iloc[s])
        if walk <= limit:
            within += 1
            assert got[key] == pytest.approx(walk, abs=1e-6)
        else:
            assert key not in got.index
    assert within >= 10

    # the count of pairs the network excludes, from networkx for every pair
    excluded = 0
    for s in range(30):
        for a in range(40):
            straight = areas.geometry.iloc[a].distance(sites.geometry.iloc[s])
            if straight <= limit < _walk(a_snap[a], s_snap[s], reach):
                excluded += 1
    assert excluded_by_network(table) == excluded
    assert (table["method"] == "network").all()
    assert (table["distance_m"] >= table["straight_m"] - 1e-6).all()


# ---------------------------------------------------------------------------
# hand-solvable cases


def _river_graph() -> nx.MultiDiGraph:
    """Two banks 100 m apart, joined by a bridge 300 m upstream.

    Nodes a(0,0) - b(0,300) - c(100,300) - d(100,0): a walk from a to d is 700 m.
    """
    g = nx.MultiDiGraph(crs=UTM)
    for node, (x, y) in {"a": (0, 0), "b": (0, 300), "c": (100, 300), "d": (100, 0)}.items():
        g.add_node(node, x=500_000 + x, y=3_000_000 + y)
    for u, v, length in [("a", "b", 300), ("b", "c", 100), ("c", "d", 300)]:
        g.add_edge(u, v, length=length)  # one direction only: walking ignores one-way rules
    g.add_edge("b", "c", length=150)  # a longer parallel street
    return g


def _pts(coords: dict[str, tuple[float, float]], name: str) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {name: list(coords)},
        geometry=[Point(500_000 + x, 3_000_000 + y) for x, y in coords.values()],
        crs=UTM,
    )


def test_river_walk_and_exclusion_by_hand() -> None:
    areas = _pts({"west": (0, 10), "north": (0, 290)}, "area_id")
    sites = _pts({"east": (100, 0)}, "site_id")
    table = distance_table(areas, sites, graph=_river_graph(), max_distance_m=500)
    # north stands on a-b 10 m from b, walks b-c-d (400 m), site stands on d: 410 m
    assert table.to_dict("records") == [
        {
            "area_id": "north",
            "site_id": "east",
            "distance_m": pytest.approx(410.0),
            "straight_m": pytest.approx(math.hypot(100, 290)),
            "method": "network",
        }
    ]
    # west is 100.5 m from east as the crow flies, but 290 + 100 + 300 m on foot
    # (it stands on a-b, 10 m from a: snapped to node a it would walk 10 + 700 m)
    assert excluded_by_network(table) == 1
    assert table.attrs["pairs_within_straight_line"] == 2
    wide = distance_table(areas, sites, graph=walk_matrix(_river_graph()), max_distance_m=800)
    assert wide.set_index("area_id").loc["west", "distance_m"] == pytest.approx(690.0)
    by_node = distance_table(areas, sites, graph=_river_graph(), max_distance_m=800, snap="node")
    assert by_node.set_index("area_id").loc["west", "distance_m"] == pytest.approx(710.0)
    assert excluded_by_network(wide) == 0


def test_snap_distance_counts_towards_the_limit() -> None:
    areas = _pts({"far": (0, -100)}, "area_id")  # 100 m from node a
    sites = _pts({"s": (0, 300)}, "site_id")  # on node b
    assert len(distance_table(areas, sites, graph=_river_graph(), max_distance_m=399)) == 0
    table = distance_table(areas, sites, graph=_river_graph(), max_distance_m=400)
    assert table["distance_m"].tolist() == [pytest.approx(400.0)]


def _street_graph() -> nx.MultiDiGraph:
    """A straight street a(0,0)-b(200,0), a side street b-c(200,100), and a bend.

    The bend c-d runs from d(0,100) to c as an L through (0,200)-(200,200),
    stored as (c, d) with its line drawn from d: 400 m long.
    """
    g = nx.MultiDiGraph(crs=UTM)
    for node, (x, y) in {"a": (0, 0), "b": (200, 0), "c": (200, 100), "d": (0, 100)}.items():
        g.add_node(node, x=500_000 + x, y=3_000_000 + y)
    g.add_edge("a", "b", length=200.0)
    g.add_edge("b", "a", length=200.0)
    g.add_edge("b", "c", length=100.0)
    bend = [(0, 100), (0, 200), (200, 200), (200, 100)]
    line = LineString([(500_000 + x, 3_000_000 + y) for x, y in bend])
    g.add_edge("c", "d", length=400.0, geometry=line)
    return g


def test_edge_snapping_by_hand() -> None:
    g = _street_graph()
    areas = _pts(
        {
            "mid": (90, 10),  # 10 m off a-b, 90 m from a
            "beyond": (-30, -40),  # past the end of a-b: 50 m from a
            "bend": (105, 210),  # 10 m off the bend, 100 + 100 + 5 m from d along it
        },
        "area_id",
    )
    sites = _pts({"same": (150, -5), "side": (210, 60)}, "site_id")
    table = distance_table(areas, sites, graph=g, max_distance_m=1000)
    got = table.set_index(["area_id", "site_id"])["distance_m"].to_dict()
    assert got == {
        # on the same street: 10 + 60 + 5, not out through a or b
        ("mid", "same"): pytest.approx(75.0),
        # out through b, up the side street: 10 + 110 + 60 + 10
        ("mid", "side"): pytest.approx(190.0),
        ("beyond", "same"): pytest.approx(50 + 150 + 5),
        ("beyond", "side"): pytest.approx(50 + 200 + 60 + 10),
        # the bend is walked along its drawn line from c: 195 m, then c-b-... or c-side
        ("bend", "same"): pytest.approx(10 + 195 + 100 + 50 + 5),
        ("bend", "side"): pytest.approx(10 + 195 + 40 + 10),
    }
    # node snapping, as the issue first asked: the snap is to the nearest node
    nodes = distance_table(areas, sites, graph=g, max_distance_m=1000, snap="node")
    by_node = nodes.set_index(["area_id", "site_id"])["distance_m"].to_dict()
    assert by_node[("mid", "same")] == pytest.approx(math.hypot(90, 10) + 200 + math.hypot(50, 5))
    assert by_node[("mid", "side")] == pytest.approx(math.hypot(90, 10) + 300 + math.hypot(10, 40))
    with pytest.raises(ValueError, match="snap"):
        distance_table(areas, sites, graph=g, max_distance_m=1000, snap="nearest")  # type: ignore[arg-type]


def test_snap_distance_off_the_middle_of_a_street() -> None:
    # a point 10 m off the middle of a 200 m street walks to its ends in 10 + 100 m
    g = _street_graph()
    areas = _pts({"off": (100, 10)}, "area_id")
    sites = _pts({"at_a": (0, 0), "at_b": (200, 0)}, "site_id")
    table = distance_table(areas, sites, graph=g, max_distance_m=110)
    assert table["distance_m"].tolist() == [pytest.approx(110.0)] * 2
    assert len(distance_table(areas, sites, graph=g, max_distance_m=109.9)) == 0


def test_straight_line_fallback_is_euclidean_times_detour() -> None:
    rng = np.random.default_rng(3)
    a = {f"a{i}": tuple(rng.uniform(0, 1000, 2)) for i in range(30)}
    s = {f"s{i}": tuple(rng.uniform(0, 1000, 2)) for i in range(20)}
    table = distance_table(_pts(a, "area_id"), _pts(s, "site_id"), graph=None, max_distance_m=500)
    expected = {
        (ai, si): 1.3 * math.dist(pa, ps)
        for ai, pa in a.items()
        for si, ps in s.items()
        if 1.3 * math.dist(pa, ps) <= 500
    }
    got = dict(
        zip(zip(table["area_id"], table["site_id"], strict=True), table["distance_m"], strict=True)
    )
    assert got.keys() == expected.keys()
    for key, value in expected.items():
        assert got[key] == pytest.approx(value)
    assert (table["method"] == "straight_line").all()
    assert table.attrs["method"] == "straight_line"
    assert table.attrs["detour_factor"] == 1.3
    in_circle = sum(math.dist(pa, ps) <= 500 for pa in a.values() for ps in s.values())
    assert table.attrs["excluded_by_detour"] == in_circle - len(expected)
    assert excluded_by_network(table) == 0
    custom = distance_table(
        _pts(a, "area_id"), _pts(s, "site_id"), graph=None, max_distance_m=500, detour_factor=1.0
    )
    assert len(custom) == in_circle


def test_several_points_per_area_aggregate() -> None:
    origins = gpd.GeoDataFrame(
        {"area_id": ["A", "A", "B"], "point_id": ["A/0", "A/1", "B/0"], "share": [0.25, 0.75, 1.0]},
        geometry=[
            Point(500_000, 3_000_000),  # node a
            Point(500_000, 3_000_300),  # node b
            Point(500_100, 3_000_300),  # node c
        ],
        crs=UTM,
    )
    sites = _pts({"s": (100, 0)}, "site_id")  # node d
    g = _river_graph()
    per_point = distance_table(origins, sites, graph=g, max_distance_m=800)
    assert per_point[["point_id", "share", "distance_m"]].to_dict("list") == {
        "point_id": ["A/1", "A/0", "B/0"],  # by origin, then by distance
        "share": [0.75, 0.25, 1.0],
        "distance_m": [pytest.approx(400), pytest.approx(700), pytest.approx(300)],
    }
    low = distance_table(origins, sites, graph=g, max_distance_m=800, aggregate="min")
    assert low.set_index("area_id")["distance_m"].to_dict() == {
        "A": pytest.approx(400),
        "B": pytest.approx(300),
    }
    mean = distance_table(origins, sites, graph=g, max_distance_m=800, aggregate="share_weighted")
    assert mean.set_index("area_id")["distance_m"].to_dict() == {
        "A": pytest.approx(0.25 * 700 + 0.75 * 400),
        "B": pytest.approx(300),
    }
    # with a 500 m limit, A's first point is out of reach, so the weighted pair is dropped
    strict = distance_table(origins, sites, graph=g, max_distance_m=500, aggregate="share_weighted")
    assert strict["area_id"].tolist() == ["B"]
    # A is 262 m away as the crow flies (share-weighted), beyond 500 m on foot
    assert excluded_by_network(strict) == 1


def test_polygon_sites_use_representative_points_and_bad_ids_are_reported() -> None:
    sites = gpd.GeoDataFrame(
        {"site_id": ["p"]}, geometry=[box(500_090, 2_999_990, 500_110, 3_000_010)], crs=UTM
    )
    table = distance_table(
        _pts({"n": (0, 300)}, "area_id"), sites, graph=_river_graph(), max_distance_m=500
    )
    assert table["distance_m"].tolist() == [pytest.approx(400.0)]
    with pytest.raises(InputError, match="area_id"):
        distance_table(_pts({"n": (0, 0)}, "zone"), sites, graph=None, max_distance_m=500)
    dup = pd.concat([_pts({"n": (0, 0)}, "area_id")] * 2)
    with pytest.raises(InputError, match="not unique"):
        distance_table(dup, sites, graph=None, max_distance_m=500)


def test_empty_inputs_give_an_empty_table() -> None:
    sites = _pts({"s": (0, 0)}, "site_id")
    empty = sites.iloc[:0].rename(columns={"site_id": "area_id"})
    table = distance_table(empty, sites, graph=_river_graph(), max_distance_m=300)
    assert table.empty
    assert list(table.columns) == ["area_id", "site_id", "distance_m", "straight_m", "method"]
    assert excluded_by_network(table) == 0


def test_excluded_by_network_needs_the_record() -> None:
    with pytest.raises(ValueError, match="excluded_by_network"):
        excluded_by_network(pd.DataFrame({"distance_m": [1.0]}))


def test_walk_minutes() -> None:
    assert walk_minutes(350.0) == pytest.approx(5.0)
    assert walk_minutes(300, speed_m_per_min=60) == pytest.approx(5.0)
    np.testing.assert_allclose(walk_minutes(np.array([70.0, 140.0])), [1.0, 2.0])
    pd.testing.assert_series_equal(
        walk_minutes(pd.Series([80.0], name="d"), speed_m_per_min=80), pd.Series([1.0], name="d")
    )
    with pytest.raises(ValueError, match="speed"):
        walk_minutes(1.0, speed_m_per_min=0)


# ---------------------------------------------------------------------------
# representative points


def _raster(tmp_path: Path, values: np.ndarray, *, crs: str = UTM) -> Path:
    """A 100 m population raster (UTM 50N unless told) whose top-left corner is
    (500000, 3001000)."""
    path = tmp_path / "pop.tif"
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=values.shape[1],
        height=values.shape[0],
        count=1,
        dtype="float32",
        crs=crs,
        transform=Affine(100, 0, 500_000, 0, -100, 3_001_000),
        nodata=-1,
    ) as dst:
        dst.write(values.astype("float32"), 1)
    return path


def test_area_points_weighted_centroid_clusters_and_fallback(tmp_path: Path) -> None:
    values = np.zeros((10, 10))
    values[0:2, 0:2] = [[1, 2], [3, 4]]  # small area: 2 x 2 cells
    values[4, 4] = 100  # large area, cluster one
    values[9, 9] = 300  # large area, cluster two
    values[0, 9] = -1  # nodata
    path = _raster(tmp_path, values)
    x0, y0 = 500_000, 3_001_000
    areas = gpd.GeoDataFrame(
        {"area_id": ["small", "large", "new"]},
        geometry=[
            box(x0, y0 - 200, x0 + 200, y0),
            box(x0 + 400, y0 - 1000, x0 + 1000, y0 - 400),  # 360,000 m2 -> 2 points
            box(x0 + 800, y0 - 200, x0 + 1000, y0),  # no people yet
        ],
        crs=UTM,
    )
    points = area_points(areas, path)
    assert points.crs == areas.crs
    small = points[points["area_id"] == "small"]
    # cell centres (50, -50), (150, -50), (50, -150), (150, -150) weighted 1, 2, 3, 4
    ex = (50 * 1 + 150 * 2 + 50 * 3 + 150 * 4) / 10
    ey = (-50 * 1 - 50 * 2 - 150 * 3 - 150 * 4) / 10
    assert small.geometry.iloc[0].x == pytest.approx(x0 + ex)
    assert small.geometry.iloc[0].y == pytest.approx(y0 + ey)
    assert small[["point_id", "share", "population", "method"]].iloc[0].tolist() == [
        "small/0",
        1.0,
        10.0,
        "population_weighted",
    ]
    large = points[points["area_id"] == "large"].sort_values("share")
    assert large["share"].tolist() == [pytest.approx(0.25), pytest.approx(0.75)]
    assert large["method"].unique().tolist() == ["population_clusters"]
    assert [(p.x - x0, p.y - y0) for p in large.geometry] == [(450, -450), (950, -950)]
    new = points[points["area_id"] == "new"]
    assert new["method"].tolist() == ["representative_point"]
    assert areas.geometry.iloc[2].contains(new.geometry.iloc[0])
    assert points.groupby("area_id")["share"].sum().to_dict() == pytest.approx(
        {"small": 1.0, "large": 1.0, "new": 1.0}
    )


def test_area_points_cell_step_and_other_crs(tmp_path: Path) -> None:
    values = np.zeros((4, 4))
    values[0:2, 0:2] = [[1, 2], [3, 4]]
    path = _raster(tmp_path, values)
    area = gpd.GeoDataFrame(
        {"zone": [7]}, geometry=[box(500_000, 3_000_800, 500_200, 3_001_000)], crs=UTM
    ).to_crs("EPSG:4326")
    points = area_points(area, path, id_column="zone", cell_step=2)
    assert points.crs == area.crs
    back = points.to_crs(UTM).geometry.iloc[0]
    # one 200 m block whose centre is (100, -100)
    assert (back.x, back.y) == (
        pytest.approx(500_100, abs=1e-3),
        pytest.approx(3_000_900, abs=1e-3),
    )
    assert points["population"].tolist() == [10.0]
    assert points["point_id"].tolist() == ["7/0"]


GK105 = "EPSG:4544"  # CGCS2000 3-degree Gauss-Kruger, central meridian 105E


def test_area_points_read_every_cell_the_areas_bounds_touch(tmp_path: Path) -> None:
    """An area spanning columns 0.4-2.6 of the grid: the window read is floored at the
    near edge and ceiled at the far one, so column 2 (centre 250 m, inside) is in.
    rasterio's round_lengths rounded the width 2.2 to 2 and dropped it."""
    values = np.zeros((3, 5))
    values[0, :3] = [1, 2, 4]
    path = _raster(tmp_path, values, crs=GK105)
    x0, y0 = 500_000, 3_001_000
    area = gpd.GeoDataFrame(
        {"area_id": ["a"]}, geometry=[box(x0 + 40, y0 - 90, x0 + 260, y0 - 10)], crs=GK105
    )
    point = area_points(area, path).iloc[0]
    # cell centres x = 50, 150, 250 (all inside 40-260), y = -50, weighted 1, 2, 4
    assert point["population"] == pytest.approx(7.0)
    assert point.geometry.x == pytest.approx(x0 + (50 * 1 + 150 * 2 + 250 * 4) / 7)
    assert point.geometry.y == pytest.approx(y0 - 50)


def test_cell_window_floors_the_offsets_and_ceils_the_far_edges() -> None:
    # the float window (col 25.38, row 3.10, width 2.23, height 1.80) of a unit grid
    unit = Affine(1, 0, 0, 0, -1, 0)
    assert cell_window((25.38, -4.9, 27.61, -3.1), unit, (10, 40)) == (3, 5, 25, 28)
    # clipped to the raster; None when the box misses it
    assert cell_window((-2.5, -12.0, 0.5, 1.0), unit, (10, 40)) == (0, 10, 0, 1)
    assert cell_window((50.0, -2.0, 60.0, -1.0), unit, (10, 40)) is None
    # a south-up grid: rows grow northwards
    south_up = Affine(1, 0, 0, 0, 1, 0)
    assert cell_window((0.2, 1.5, 0.7, 3.2), south_up, (10, 40)) == (1, 4, 0, 1)


@pytest.mark.parametrize("own_pass_below", [1, 16])
def test_area_points_count_a_cell_for_every_area_holding_its_centre(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, own_pass_below: int
) -> None:
    """A landuse=residential area ("outer", columns 0-2, rows 0-1) with two residential=*
    blocks inside: "under" (columns 1-2 of row 0) listed before it and "over" (column 0
    of row 1) after it; "next" (column 3) only shares outer's east edge. Each area's
    point is the weighted centroid of all the cells whose centres it holds: outer's
    six, not those the blocks leave it (one label grid gave "under" no cell at all).
    The overlapping group is burnt as a group (1) or polygon by polygon (16)."""
    monkeypatch.setattr(points_module, "_OWN_PASS_BELOW", own_pass_below, raising=False)
    values = np.zeros((4, 4))
    values[0] = [1, 2, 3, 4]
    values[1] = [5, 6, 7, 8]
    path = _raster(tmp_path, values, crs=GK105)
    x0, y0 = 500_000, 3_001_000
    areas = gpd.GeoDataFrame(
        {"area_id": ["under", "outer", "over", "next"]},
        geometry=[
            box(x0 + 100, y0 - 100, x0 + 300, y0),
            box(x0, y0 - 200, x0 + 300, y0),
            box(x0, y0 - 200, x0 + 100, y0 - 100),
            box(x0 + 300, y0 - 200, x0 + 400, y0),
        ],
        crs=GK105,
    )
    points = area_points(areas, path).set_index("area_id")
    # cell centres: column c at x = 50 + 100 c, row r at y = -(50 + 100 r)
    expected = {
        "outer": (24.0, (50 * 6 + 150 * 8 + 250 * 10) / 24, -(50 * 6 + 150 * 18) / 24),
        "under": (5.0, (150 * 2 + 250 * 3) / 5, -50.0),
        "over": (5.0, 50.0, -150.0),
        "next": (12.0, 350.0, -(50 * 4 + 150 * 8) / 12),
    }
    for area_id, (people, ex, ey) in expected.items():
        row = points.loc[area_id]
        assert row["method"] == "population_weighted", area_id
        assert row["population"] == pytest.approx(people), area_id
        assert (row.geometry.x, row.geometry.y) == (
            pytest.approx(x0 + ex),
            pytest.approx(y0 + ey),
        ), area_id


def test_area_points_reports_bad_input(tmp_path: Path) -> None:
    areas = gpd.GeoDataFrame({"area_id": [1, 1]}, geometry=[box(0, 0, 1, 1)] * 2, crs=UTM)
    with pytest.raises(InputError, match="not unique"):
        area_points(areas, tmp_path / "none.tif")
    with pytest.raises(InputError, match=r"none\.tif"):
        area_points(areas.iloc[:1], tmp_path / "none.tif")


def _grid_osm(path: Path) -> Path:
    """Two street grids near Nanjing joined only by a trunk bridge with no sidewalk: WEST
    5 x 5 lines 200 m apart (8 km of streets), EAST 3 x 3 (2.4 km), 600 m east; a lone
    150 m lane; a greenway (cycleway, foot=designated), an elevated road (primary,
    motorroad=yes) and a square (pedestrian, area=yes), each a spur of WEST."""
    lat0, lon0 = 32.0, 118.8
    per_lat, per_lon = 1 / 111_320.0, 1 / (111_320.0 * math.cos(math.radians(lat0)))
    nodes: dict[tuple[float, float], int] = {}
    ways: list[str] = []

    def node(x: float, y: float) -> int:
        return nodes.setdefault((x, y), len(nodes) + 1)

    def way(points: list[tuple[float, float]], **tags: str) -> None:
        refs = "".join(f"<nd ref='{node(x, y)}'/>" for x, y in points)
        kv = "".join(f"<tag k='{k}' v='{v}'/>" for k, v in tags.items())
        ways.append(f"<way id='{len(ways) + 1}'>{refs}{kv}</way>")

    def grid(x0: float, n: int) -> None:
        steps = [200.0 * k for k in range(n)]  # a node at every crossing
        for i in steps:
            way([(x0 + k, i) for k in steps], highway="residential")
            way([(x0 + i, k) for k in steps], highway="residential")

    grid(0.0, 5)
    grid(1400.0, 3)
    way([(800.0, 200.0), (1400.0, 200.0)], highway="trunk")
    way([(3000.0, 0.0), (3150.0, 0.0)], highway="service")
    way([(0.0, 0.0), (0.0, -300.0)], highway="cycleway", foot="designated")
    way([(400.0, 0.0), (400.0, -300.0)], highway="primary", motorroad="yes")
    square = [(800.0, 800.0), (900.0, 800.0), (900.0, 900.0), (800.0, 900.0), (800.0, 800.0)]
    way(square, highway="pedestrian", area="yes")
    xml = "".join(
        f"<node id='{i}' lat='{lat0 + y * per_lat:.8f}' lon='{lon0 + x * per_lon:.8f}'/>"
        for (x, y), i in nodes.items()
    )
    path.write_text(
        f"<?xml version='1.0'?><osm version='0.6'>{xml}{''.join(ways)}</osm>", encoding="utf-8"
    )
    return path


def test_a_district_beyond_a_trunk_bridge_keeps_its_streets(tmp_path: Path) -> None:
    """Only the largest piece was kept: EAST, reached by a trunk walkers may not use, lost
    every street, so its residents could not walk to the park next door. Pieces of 2 km
    or more stay; the lone lane goes. Greenways and squares are walked; an elevated
    expressway tagged primary is not."""
    g = read_street_graph(_grid_osm(tmp_path / "two.osm"), working_crs="EPSG:4549")
    assert nx.number_weakly_connected_components(g) == 2  # WEST (with spurs) and EAST
    highways = _highways(g)
    assert "trunk" not in highways and "service" not in highways
    assert {"cycleway", "pedestrian", "residential"} <= highways
    assert "primary" not in highways
    lengths = sorted(
        sum(d["length"] for _, _, d in g.subgraph(c).edges(data=True)) / 2
        for c in nx.weakly_connected_components(g)
    )
    # EAST: 6 streets of 400 m; WEST: 10 of 800 m, the 300 m greenway, the 400 m square
    assert lengths == pytest.approx([2_400.0, 8_000.0 + 300.0 + 400.0], rel=5e-3)


def test_an_extract_clipped_at_its_edge_still_gives_its_streets(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """One node missing from any way, a building's as likely as a street's, made osmnx
    refuse the whole file ("Some edges missing nodes"): no street network at all. A
    building's missing node no longer matters (the graph is built of the streets alone);
    a street's cuts the street there."""
    whole = _grid_osm(tmp_path / "whole.osm")
    text = whole.read_text(encoding="utf-8")
    building = "<way id='900'><nd ref='1'/><nd ref='99999'/><nd ref='2'/><nd ref='1'/>"
    building += "<tag k='building' v='yes'/></way></osm>"
    clipped = tmp_path / "clipped.osm"
    clipped.write_text(text.replace("</osm>", building), encoding="utf-8")

    def length(g: nx.MultiDiGraph) -> float:
        return float(sum(d["length"] for _, _, d in g.edges(data=True))) / 2

    complete = read_street_graph(whole, working_crs="EPSG:4549")
    with caplog.at_level("WARNING", logger="siting.network.graph"):
        read = read_street_graph(clipped, working_crs="EPSG:4549")
    assert length(read) == pytest.approx(length(complete), rel=1e-9)
    assert "refer to nodes the file does not hold" not in caplog.text  # no clipped warning
    # a street whose middle node is gone loses the two 200 m stretches on either side of it
    middle = text.index("<nd ref='2'/>")  # WEST's first street: nodes 1, 2, 3, 4, 5
    cut = tmp_path / "cut.osm"
    cut.write_text(
        text[:middle] + "<nd ref='99998'/>" + text[middle + len("<nd ref='2'/>") :],
        encoding="utf-8",
    )
    with caplog.at_level("WARNING", logger="siting.network.graph"):
        shorter = read_street_graph(cut, working_crs="EPSG:4549")
    assert length(shorter) == pytest.approx(length(complete) - 400.0, rel=1e-3)
    assert "1 of them cut where their nodes are missing" in caplog.text


def test_the_clipped_extract_reader_lets_go_of_the_elements_it_has_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The streets reader cleared each element but left it attached to the document's
    root, so a province's extract (10 M nodes) held about 1.6 GB of empty elements
    (found in review): after the read the root holds none of them."""
    import xml.etree.ElementTree as ET

    real = ET.iterparse
    parses: list[Any] = []

    def watched(*args: Any, **kwargs: Any) -> Any:
        parses.append(real(*args, **kwargs))
        return parses[-1]

    monkeypatch.setattr(ET, "iterparse", watched)
    text = _grid_osm(tmp_path / "whole.osm").read_text(encoding="utf-8")
    clipped = tmp_path / "clipped.osm"
    building = "<way id='900'><nd ref='1'/><nd ref='99999'/><tag k='building' v='yes'/></way>"
    clipped.write_text(text.replace("</osm>", building + "</osm>"), encoding="utf-8")
    g = read_street_graph(clipped, working_crs="EPSG:4549")
    assert g.number_of_edges() > 0
    assert len(parses) == 1  # the clipped-extract reader's (osmnx reads with SAX)
    root = parses[0].root
    assert root is not None and root.tag == "osm"
    assert len(root) == 0  # it held every node and way of the file, emptied


def test_an_upper_case_bz2_street_file_is_read_as_bz2(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """CITY.OSM.BZ2 reached osmnx as plain XML and then the clipped-extract reader, with a
    false warning (found in review)."""
    import bz2

    plain = _grid_osm(tmp_path / "city.osm")
    packed = tmp_path / "CITY.OSM.BZ2"
    packed.write_bytes(bz2.compress(plain.read_bytes()))
    a = read_street_graph(plain, working_crs="EPSG:4549")
    with caplog.at_level("WARNING", logger="siting.network.graph"):
        b = read_street_graph(packed, working_crs="EPSG:4549")
    assert (b.number_of_nodes(), b.number_of_edges()) == (a.number_of_nodes(), a.number_of_edges())
    assert "clipped" not in caplog.text


def test_the_graph_is_built_of_the_streets_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """osmnx built a graph of every way of the file (27,886 edges of Nanjing's, buildings'
    outlines among them) and the walking filter then kept 1,304: most of a 100 MB
    extract's read. Built of the ``highway=*`` ways alone, it is the same graph (nodes
    with their data, edges with theirs; only the order of the nodes and the keys of
    parallel edges, which nothing reads, may differ)."""
    import osmnx as ox

    from siting.network import graph as graph_module

    _need(NANJING)
    raw_edges: list[int] = []
    finish = graph_module._finish

    def watched(g: nx.MultiDiGraph, **kwargs: Any) -> nx.MultiDiGraph:
        raw_edges.append(g.number_of_edges())
        return finish(g, **kwargs)

    monkeypatch.setattr(graph_module, "_finish", watched)
    got = read_street_graph(NANJING, working_crs=NANJING_CRS)
    with graph_module._osmnx_settings(useful_tags_way=graph_module._useful_way_tags()):
        every_way = ox.graph_from_xml(NANJING, bidirectional=True, simplify=False, retain_all=True)
    expected = finish(
        every_way,
        source=str(NANJING),
        working_crs=graph_module._as_crs(NANJING_CRS),
        network="walk",
        trunk_requires_sidewalk=True,
        retain_all=False,
        simplify=True,
    )
    assert raw_edges == [3_570] and every_way.number_of_edges() == 27_886

    def edges(g: nx.MultiDiGraph) -> list[tuple[Any, Any, str]]:
        return sorted((u, v, repr(sorted(d.items(), key=str))) for u, v, d in g.edges(data=True))

    assert (got.number_of_nodes(), got.number_of_edges()) == (451, 1_304)
    assert sorted(got.nodes(data=True), key=str) == sorted(expected.nodes(data=True), key=str)
    assert edges(got) == edges(expected)


def _layout(g: nx.MultiDiGraph) -> tuple[Any, ...]:
    """A graph as every reader may walk it: nodes, edges with keys and data, and each
    node's predecessors, all in their order."""
    return (
        dict(g.graph),
        list(g.nodes(data=True)),
        list(g.edges(keys=True, data=True)),
        [list(g.pred[n]) for n in g],
    )


def _tangle(seed: int) -> nx.MultiDiGraph:
    """A MultiDiGraph of 60 nodes added in a shuffled order, with parallel edges, loose
    pieces and a hub of 40 neighbours."""
    rng = np.random.default_rng(seed)
    g = nx.MultiDiGraph(crs="EPSG:4326")
    for n in rng.permutation(60):
        g.add_node(int(n) * 7919 % 1000, x=float(n), y=float(n) / 2)
    nodes = list(g)
    for _ in range(150):
        u, v = (nodes[int(i)] for i in rng.integers(0, 45, size=2))
        g.add_edge(u, v, length=float(rng.uniform(1, 900)), highway="residential")
    for v in nodes[:40]:
        g.add_edge(nodes[59], v, length=10.0)
    for i in (45, 47, 50):  # pieces of two nodes apart from the rest
        g.add_edge(nodes[i], nodes[i + 1], length=float(5_000 * (i == 47)))
    return g


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_subgraphs_are_networkx_copies_in_their_order(seed: int) -> None:
    """The walking filter's and the largest piece's subgraphs, built without networkx's
    filtered views, are its copies node for node and edge for edge in their order: many
    edges kept, few (where networkx walks the kept nodes' set), and a hub with more
    neighbours than twice the nodes kept."""
    from siting.network import graph as graph_module

    g = _tangle(seed)
    edges = list(g.edges(keys=True))
    rng = np.random.default_rng(seed)
    for keep in (
        [e for e in edges if rng.random() < 0.8],
        [e for e in edges if list(g)[59] not in e[:2]][:12],
        [e for e in edges if rng.random() < 0.05],
        [e for e in edges if e[0] == list(g)[59]][:3],
        [],
    ):
        expected = g.edge_subgraph(keep).copy()
        assert _layout(graph_module._edge_subgraph(g, keep)) == _layout(expected)
    pieces = sorted(nx.weakly_connected_components(g), key=len, reverse=True)
    piece_of = {n: i for i, piece in enumerate(pieces) for n in piece}
    kept = graph_module._largest_component(g)
    # the largest piece and the loose pair of 5 km (2 km of streets, each way counted)
    assert {piece_of[n] for n in kept} == {0, piece_of[list(g)[47]]}
    keep = set(pieces[0])
    keep |= pieces[piece_of[list(g)[47]]]
    assert _layout(kept) == _layout(g.subgraph(keep).copy())
