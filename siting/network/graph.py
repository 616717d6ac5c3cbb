"""The walking graph: read from OSM XML or GraphML, or downloaded, then filtered and projected."""

from __future__ import annotations

import contextlib
import logging
import math
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pyproj

from siting._osmxml import Elements, overpass_json
from siting._scale import degrees
from siting.errors import InputError, NetworkError, ScenarioError
from siting.osm.pbf import is_pbf, xml_copy
from siting.scenario.settings import LINE_LAYER_SUFFIXES

logger = logging.getLogger(__name__)


OSM_XML_SUFFIXES: tuple[str, ...] = (".osm", ".osm.bz2", ".osm.xml", ".xml", ".xml.bz2")
"""File name endings read as OSM XML by :func:`read_street_graph`."""

DROPPED_HIGHWAYS: frozenset[str] = frozenset(
    {
        "abandoned",
        "bus_guideway",
        "construction",
        "cycleway",
        "motorway",
        "motorway_link",
        "motorway_junction",
        "no",
        "planned",
        "platform",
        "proposed",
        "raceway",
        "razed",
        "rest_area",
        "services",
    }
)
"""``highway`` values that are never part of the walking network.

The same list as osmnx's ``"walk"`` network type. ``trunk`` and ``trunk_link``
are kept only with a sidewalk or an explicit ``foot`` permission (see
:func:`read_street_graph`).
"""

_TRUNKS = frozenset({"trunk", "trunk_link"})
_SQUARES = frozenset({"pedestrian", "footway"})
_FOOT_ALLOWED = frozenset({"yes", "designated", "permissive", "official"})
_SIDEWALK_PRESENT = frozenset({"yes", "both", "left", "right"})
_NO_ACCESS = frozenset({"private", "no"})
_WAY_TAGS = (
    "access",
    "area",
    "foot",
    "highway",
    "motorroad",
    "service",
    "sidewalk",
    "sidewalk:both",
    "sidewalk:left",
    "sidewalk:right",
)
_LENGTH_TOLERANCE = 0.05


@contextlib.contextmanager
def _osmnx_settings(**values: Any) -> Iterator[None]:
    """Set osmnx settings for the duration of a block, then restore them."""
    import osmnx as ox

    old = {name: getattr(ox.settings, name) for name in values}
    try:
        for name, value in values.items():
            setattr(ox.settings, name, value)
        yield
    finally:
        for name, value in old.items():
            setattr(ox.settings, name, value)


def _useful_way_tags() -> list[str]:
    import osmnx as ox

    tags = list(ox.settings.useful_tags_way)
    return tags + [tag for tag in _WAY_TAGS if tag not in tags]


def _values(value: Any) -> list[str]:
    """Tag values of an edge attribute, which simplification may have made a list."""
    if value is None:
        return []
    if isinstance(value, list | tuple | set):
        return [str(v) for v in value]
    if isinstance(value, float) and math.isnan(value):
        return []
    return [str(value)]


def _walkable(data: dict[str, Any], *, trunk_requires_sidewalk: bool) -> bool:
    """Whether an edge belongs to the walking network (see :func:`read_street_graph`)."""
    highways = _values(data.get("highway"))
    foot = set(_values(data.get("foot")))
    foot_allowed = bool(foot & _FOOT_ALLOWED)
    if not highways:
        return False
    if all(h in DROPPED_HIGHWAYS for h in highways):
        # a greenway (绿道) tagged cycleway with foot=designated is walked too
        return foot_allowed and all(h == "cycleway" for h in highways)
    if "no" in foot and not foot_allowed:
        return False
    if "yes" in _values(data.get("area")) and not all(h in _SQUARES for h in highways):
        return False  # a square (广场) is walked round its edge, where its footways meet it
    if "yes" in _values(data.get("motorroad")) and not foot_allowed:
        return False  # an elevated expressway tagged primary
    if set(_values(data.get("access"))) & _NO_ACCESS and not foot_allowed:
        return False
    if "private" in _values(data.get("service")) and not foot_allowed:
        return False
    sidewalks = set()
    for key in ("sidewalk", "sidewalk:both", "sidewalk:left", "sidewalk:right"):
        sidewalks |= set(_values(data.get(key)))
    if "separate" in sidewalks and not foot_allowed:
        # the sidewalks are mapped as their own footways, which are kept
        return False
    if trunk_requires_sidewalk and all(h in _TRUNKS for h in highways):
        return foot_allowed or bool(sidewalks & _SIDEWALK_PRESENT)
    return True


def _filter_walk(g: nx.MultiDiGraph, *, trunk_requires_sidewalk: bool) -> nx.MultiDiGraph:
    """Return a copy of ``g`` keeping walkable edges and the nodes they touch."""
    keep = [
        (u, v, k)
        for u, v, k, data in g.edges(keys=True, data=True)
        if _walkable(data, trunk_requires_sidewalk=trunk_requires_sidewalk)
    ]
    return _edge_subgraph(g, keep)


def _edge_subgraph(g: nx.MultiDiGraph, keep: list[tuple[Any, Any, Any]]) -> nx.MultiDiGraph:
    """``g.edge_subgraph(keep).copy()``, node for node and edge for edge in its order."""
    edges = set(keep)  # the view of the list itself: the set of its nodes is built from it
    return _copy_of(g, g.edge_subgraph(keep), lambda u, v, k: (u, v, k) in edges)


def _copy_of(
    g: nx.MultiDiGraph, view: nx.MultiDiGraph, kept: Callable[[Any, Any, Any], bool]
) -> nx.MultiDiGraph:
    """``view.copy()`` of a subgraph view of ``g`` whose edges are those ``kept`` says.

    networkx copies a view through its filtered adjacency, which tests every lookup
    again (46 s of 8 × 8 tiles of Nanjing under a profiler): this reads ``g`` directly,
    in the view's order of nodes (its own rule: the kept nodes' set when they are under
    half of ``g``'s) and ``g``'s order of each node's edges, which is the copy's.
    """
    nodes = list(view)
    if nodes and 2 * len(nodes) < max(len(g.succ[u]) for u in nodes):
        # a node with more neighbours than twice the view's nodes: networkx then walks its
        # neighbours in the order of the view's node set, which is not g's
        copied: nx.MultiDiGraph = view.copy()
        return copied
    out: nx.MultiDiGraph = g.__class__()
    out.graph.update(view.graph)
    out.add_nodes_from((n, g.nodes[n].copy()) for n in nodes)
    out.add_edges_from(
        (u, v, k, d.copy())
        for u in nodes
        for v, keyed in g.succ[u].items()
        for k, d in keyed.items()
        if kept(u, v, k)
    )
    return out


MIN_PIECE_M = 2_000.0
"""Streets a connected piece needs, besides the largest, to be kept (2 km).

A district joined to the rest only by a road walkers may not use (a 快速路 bridge
tagged ``trunk`` without a sidewalk) is a piece of its own: it keeps its streets,
and its residents walk within it. Smaller pieces (a park's footpaths, a compound's
lanes, the clipped edge of an extract: under 0.3 km in the Nanjing and Taichung
extracts) would trap the points that snap to them, and are dropped."""


def _largest_component(g: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """The largest connected piece, and every other piece of :data:`MIN_PIECE_M` or more."""
    if g.number_of_nodes() == 0:
        return g
    pieces = sorted(nx.weakly_connected_components(g), key=len, reverse=True)
    keep = set(pieces[0])
    for piece in pieces[1:]:
        # summed in the order of g.subgraph(piece)'s edges: a piece's edges all stay in it
        length = sum(
            float(d.get("length", 0.0) or 0.0)
            for u in g.subgraph(piece)
            for keyed in g.succ[u].values()
            for d in keyed.values()
        )
        if length >= MIN_PIECE_M * 2:  # each street is an edge both ways
            keep |= piece
    return _copy_of(g, g.subgraph(keep), lambda u, v, k: True)


def _as_crs(crs: str | pyproj.CRS) -> pyproj.CRS:
    try:
        out = pyproj.CRS.from_user_input(crs)
    except pyproj.exceptions.CRSError as exc:
        raise NetworkError(
            f"The working CRS {crs!r} is not a coordinate reference system pyproj knows "
            "(fix: give an EPSG code such as 'EPSG:4544')"
        ) from exc
    if not out.is_projected:
        raise NetworkError(
            f"The working CRS {out.to_string()} is not projected, so distances would be in "
            "degrees (fix: use a projected metric CRS such as EPSG:4544, CGCS2000 3-degree "
            "Gauss-Kruger zone 35)"
        )
    return out


def _check_metres(g: nx.MultiDiGraph, source: str) -> None:
    """Check that edge ``length`` agrees with the projected edge geometry, in metres."""
    total_length = 0.0
    total_projected = 0.0
    for u, v, data in g.edges(data=True):
        length = data.get("length")
        if length is None:
            continue
        geom = data.get("geometry")
        if geom is not None:
            projected = float(geom.length)
        else:
            projected = math.hypot(
                g.nodes[u]["x"] - g.nodes[v]["x"], g.nodes[u]["y"] - g.nodes[v]["y"]
            )
        total_length += float(length)
        total_projected += projected
    if total_projected <= 0:
        return
    ratio = total_length / total_projected
    if abs(ratio - 1.0) > _LENGTH_TOLERANCE:
        elsewhere = _outside_the_zone(g)
        if elsewhere is not None:
            lon, lat, scale, crs = elsewhere
            raise NetworkError(
                f"{source}: the streets lie around {degrees(lon, 'E', 'W')}, "
                f"{degrees(lat, 'N', 'S')}, where the working CRS {crs.name} measures "
                f"distances {scale:.2f} times their length (edge lengths add up to "
                f"{total_length:,.0f} m, the projected edges to {total_projected:,.0f}): the "
                "file covers another place than the study area, or the working CRS is another "
                "place's (fix: give the street file of the study area's city, or leave streets "
                "out to use straight-line distances × the detour factor)"
            )
        raise NetworkError(
            f"{source}: edge lengths add up to {total_length:,.0f} but the projected edges "
            f"measure {total_projected:,.0f} (ratio {ratio:.3f}), so lengths are not metres in "
            "the working CRS (fix: use a conformal metric CRS for the study area, e.g. the local "
            "Gauss-Kruger or UTM zone, not Web Mercator; or rebuild the GraphML with osmnx)"
        )


_ZONE_SCALE_TOLERANCE = 0.01
"""A working CRS that stretches distances by more than this where the streets lie is not
the streets' place's CRS."""


def _outside_the_zone(g: nx.MultiDiGraph) -> tuple[float, float, float, pyproj.CRS] | None:
    """Where a projected graph's streets lie (lon, lat of their middle), the working CRS's
    scale there and the CRS, when that scale is off by more than
    :data:`_ZONE_SCALE_TOLERANCE`: the streets are of another place than the CRS's (a
    Mexican extract in Guangyuan's Gauss–Krüger zone measures its streets 10 % short)."""
    crs_value = g.graph.get("crs")
    if crs_value is None or g.number_of_nodes() == 0:
        return None
    crs = pyproj.CRS.from_user_input(crs_value)
    if not crs.is_projected:
        return None
    xs = [float(d["x"]) for _, d in g.nodes(data=True)]
    ys = [float(d["y"]) for _, d in g.nodes(data=True)]
    x, y = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
    to_lonlat = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    lon, lat = to_lonlat.transform(x, y)
    if not (math.isfinite(lon) and math.isfinite(lat)):
        return None
    try:
        factors = pyproj.Proj(crs).get_factors(lon, lat)
    except (pyproj.exceptions.ProjError, RuntimeError):
        return None
    scale = float(factors.meridional_scale)
    if not math.isfinite(scale) or abs(scale - 1.0) <= _ZONE_SCALE_TOLERANCE:
        return None
    area = crs.area_of_use
    if area is not None and area.west <= lon <= area.east and area.south <= lat <= area.north:
        return None  # the CRS's own place (Web Mercator anywhere): its lengths are the fault
    return float(lon), float(lat), scale, crs


def _fill_lengths(g: nx.MultiDiGraph) -> int:
    """Give edges without ``length`` their projected length; return how many."""
    missing = 0
    for u, v, data in g.edges(data=True):
        if data.get("length") is None:
            geom = data.get("geometry")
            data["length"] = (
                float(geom.length)
                if geom is not None
                else math.hypot(
                    g.nodes[u]["x"] - g.nodes[v]["x"], g.nodes[u]["y"] - g.nodes[v]["y"]
                )
            )
            missing += 1
    return missing


def _finish(
    g: nx.MultiDiGraph,
    *,
    source: str,
    working_crs: pyproj.CRS,
    network: str,
    trunk_requires_sidewalk: bool,
    retain_all: bool,
    simplify: bool,
) -> nx.MultiDiGraph:
    """Filter, keep the largest component, simplify and project a raw graph."""
    import osmnx as ox

    before = g.number_of_edges()
    if network == "walk":
        g = _filter_walk(g, trunk_requires_sidewalk=trunk_requires_sidewalk)
    else:
        # OSM XML gives every way (buildings too) to the graph: keep the streets
        g = _edge_subgraph(g, [(u, v, k) for u, v, k, h in g.edges(keys=True, data="highway") if h])
    if not retain_all:
        g = _largest_component(g)
    if g.number_of_edges() == 0:
        raise NetworkError(
            f"{source}: no walkable street is left after filtering ({before:,} edges read) "
            "(fix: check that the file covers the study area and contains highway=* ways)"
        )
    if simplify and not g.graph.get("simplified"):
        g = ox.simplify_graph(g)
    g = ox.project_graph(g, to_crs=working_crs)
    missing = _fill_lengths(g)
    if missing:
        logger.info("%s: %d edges had no length; used their projected length", source, missing)
    _check_metres(g, source)
    return _named(g, source=source, network=network)


def _named(g: nx.MultiDiGraph, *, source: str, network: str) -> nx.MultiDiGraph:
    """The finished graph with its source and network kind, logged."""
    g.graph["source"] = source
    g.graph["network"] = network
    logger.info(
        "street graph from %s: %d nodes, %d edges (%s network)",
        source,
        g.number_of_nodes(),
        g.number_of_edges(),
        network,
    )
    return g


def _graph_from_elements(elements: list[dict[str, Any]]) -> nx.MultiDiGraph:
    """What :func:`osmnx.graph_from_xml` gives (``bidirectional=True``, ``simplify=False``,
    ``retain_all=True``) for a file of these parsed elements (:func:`overpass_json`)."""
    import osmnx.graph

    if not elements:  # a file without streets: no walkable street is left (_finish says so)
        return nx.MultiDiGraph(crs=osmnx.settings.default_crs)
    graph: nx.MultiDiGraph = osmnx.graph._create_graph([{"elements": elements}], True)
    return graph


def _street_elements(elements: Elements) -> list[dict[str, Any]]:
    """The ``highway=*`` ways among parsed elements and the nodes they refer to.

    The graph keeps no other way's edges (:func:`_finish`), and building a graph of
    every way (the buildings' outlines too) took most of the time and memory of the
    read: 45–64 s of a 100 MB extract's 177–239 s plan (``benchmarks.osm_scale``).
    """
    ways = [e for e in elements.others if e["type"] == "way" and "highway" in e["tags"]]
    used = np.array([ref for way in ways for ref in way["nodes"]], dtype=np.int64)
    return [*elements.nodes_at(np.flatnonzero(np.isin(elements.ids, used))), *ways]


def _streets_of_a_clipped_extract(elements: Elements, name: str) -> nx.MultiDiGraph:
    """The street graph of an OSM XML file some of whose ways refer to missing nodes.

    Only ``highway=*`` ways are kept, each cut into the runs of nodes the file holds
    (before the way), with those nodes' coordinates alone, as a file of them would give.
    """
    nodes: dict[int, dict[str, Any]] = {}
    runs: list[dict[str, Any]] = []
    cut = 0
    for element in elements:
        if element["type"] == "node":
            nodes[element["id"]] = element
        elif element["type"] == "way" and "highway" in element["tags"]:
            refs: list[int] = element["nodes"]
            run: list[int] = []
            pieces = 0
            for ref in [*refs, None]:
                if ref is not None and ref in nodes:
                    run.append(ref)
                    continue
                if len(run) >= 2:
                    # a way's later pieces get ids no OSM way has: -1, -2, …
                    piece_id = element["id"] if pieces == 0 else -(len(runs) + 1)
                    runs.append({"type": "way", "tags": element["tags"], "id": piece_id})
                    runs[-1]["nodes"] = run
                    pieces += 1
                run = []
            cut += int(any(ref not in nodes for ref in refs))
    used = dict.fromkeys(ref for way in runs for ref in way["nodes"])
    bare = [
        {"type": "node", "tags": {}, "id": ref, "lat": nodes[ref]["lat"], "lon": nodes[ref]["lon"]}
        for ref in used
    ]
    raw = _graph_from_elements([*bare, *runs])
    logger.warning(
        "%s: some ways refer to nodes the file does not hold (an extract clipped at its edge): "
        "the streets were read alone, %s",
        name,
        f"{cut} of them cut where their nodes are missing" if cut else "none of them lacking one",
    )
    return raw


def _check_network(network: str) -> None:
    if network not in ("walk", "all"):
        raise ScenarioError(f"network must be 'walk' or 'all', not {network!r}")


def read_street_graph(
    source: str | Path,
    *,
    working_crs: str | pyproj.CRS,
    network: str = "walk",
    trunk_requires_sidewalk: bool = True,
    retain_all: bool = False,
    simplify: bool = True,
) -> nx.MultiDiGraph:
    """Read a street graph from OSM XML or GraphML, for walking, in the working CRS.

    Parameters
    ----------
    source
        An OSM XML file (``.osm``, ``.osm.bz2``, ``.osm.xml``), read offline as
        :func:`osmnx.graph_from_xml` reads it (from the parse the run's OSM features
        share, :func:`siting._osmxml.parse_once`), an OSM PBF file (``.osm.pbf``, through an XML
        copy made with pyosmium, :mod:`siting.osm.pbf`), a GraphML file saved by
        osmnx (``.graphml``), or a layer of street centrelines in a file of one layer
        with its CRS (:data:`~siting.scenario.settings.LINE_LAYER_SUFFIXES`: ``.shp``,
        ``.gpkg``, ``.geojson``, ``.fgb``, a ``.gdb`` folder, a ``.zip`` of one, a ``.dxf``:
        a bureau's 道路中心线 or Geofabrik's ``gis_osm_roads_free_1.shp``;
        :func:`street_graph_from_lines`).
    working_crs
        The projected metric CRS to work in, for example ``"EPSG:4544"``.
    network
        ``"walk"`` keeps the walking network (see the module docstring);
        ``"all"`` keeps every ``highway=*`` edge as read.
    trunk_requires_sidewalk
        Keep ``highway=trunk``/``trunk_link`` only where a sidewalk or ``foot``
        permission is tagged.
    retain_all
        Keep every connected piece, not only the largest one and those of
        :data:`MIN_PIECE_M` or more of streets. Small pieces at the
        edge of a clipped extract trap the points that snap to them.
    simplify
        Merge the nodes in the middle of a street into one edge (osmnx's
        simplification). Unsimplified graphs snap more closely but are larger.

    Returns
    -------
    networkx.MultiDiGraph
        An osmnx-style graph with node ``x``/``y`` and edge ``length`` in metres,
        with ``graph["crs"]`` the working CRS.

    Raises
    ------
    NetworkError
        The file is missing, unreadable, has no walkable streets, or its lengths
        are not metres. The message names the file and says how to fix it.
    """

    _check_network(network)
    crs = _as_crs(working_crs)
    path = Path(source)
    name = str(path)
    if not (path.is_file() or (path.is_dir() and is_line_layer(path))):
        raise NetworkError(
            f"{name}: street network file not found (fix: check the path, or leave the network "
            "out to fall back to straight-line distances)"
        )
    if is_line_layer(path):
        return street_graph_from_lines(
            _read_lines(path, name, crs).to_crs(crs),
            source=name,
            network=network,
            trunk_requires_sidewalk=trunk_requires_sidewalk,
            retain_all=retain_all,
        )
    if is_pbf(path):
        try:
            path = xml_copy(path)  # osmnx reads XML: a copy made once, cached by content
        except InputError as exc:
            first = exc.problems[0]
            raise NetworkError(f"{name}: {first.message} (fix: {first.fix})") from None
    # the raw graph is held by _finish alone, which lets it go once filtered (held here too,
    # it stayed through the filtering, the simplification and the projection)
    return _finish(
        _read_raw(path, name),
        source=name,
        working_crs=crs,
        network=network,
        trunk_requires_sidewalk=trunk_requires_sidewalk,
        retain_all=retain_all,
        simplify=simplify,
    )


def is_line_layer(path: Path) -> bool:
    """Whether ``path`` is read as a layer of street centrelines, not OSM XML or GraphML."""
    return path.suffix.lower() in LINE_LAYER_SUFFIXES


def _read_lines(path: Path, name: str, working_crs: pyproj.CRS) -> Any:
    """A line layer of a single-layer file, with its CRS (the API's reader: the
    scenario's reads it through :mod:`siting.inputs`, with its layer, CRS and encoding)."""
    import geopandas as gpd

    try:
        frame = gpd.read_file(path, engine="pyogrio")
    except Exception as exc:
        raise NetworkError(
            f"{name}: cannot read the street lines ({type(exc).__name__}: {exc}) "
            "(fix: check that the file is a complete line layer; export it again)"
        ) from exc
    if frame.crs is None:
        raise NetworkError(
            f"{name}: the street lines have no CRS (fix: define it in the file, a .prj "
            f"beside a Shapefile, for example {working_crs.to_string()})"
        )
    return frame


def street_graph_from_lines(
    lines: Any,
    *,
    source: str,
    network: str = "walk",
    trunk_requires_sidewalk: bool = True,
    retain_all: bool = False,
) -> nx.MultiDiGraph:
    """The walking graph of a layer of street centrelines in the working CRS.

    Parameters
    ----------
    lines
        A GeoDataFrame of lines in the working CRS (projected, metres), with a class
        column if the layer has one (:mod:`siting.network.lines`).
    source
        The file, for messages.
    network, trunk_requires_sidewalk, retain_all
        As for :func:`read_street_graph`.

    Returns
    -------
    networkx.MultiDiGraph
        As :func:`read_street_graph` returns.

    Raises
    ------
    NetworkError
        The layer holds no lines, no walkable one, or is not in a projected CRS.
    """
    from siting.network.lines import graph_from_lines

    _check_network(network)

    def walked(data: dict[str, Any]) -> bool:
        if network == "walk":
            return _walkable(data, trunk_requires_sidewalk=trunk_requires_sidewalk)
        return bool(data.get("highway"))

    g = graph_from_lines(
        lines, source=source, walkable=walked, min_piece_m=None if retain_all else MIN_PIECE_M
    )
    if g.number_of_edges() == 0:
        raise NetworkError(
            f"{source}: no walkable street is left after filtering ({len(lines):,} lines read) "
            "(fix: check that the layer holds the roads' centrelines and what its class "
            "column says of them)"
        )
    return _named(g, source=source, network=network)


def _read_raw(path: Path, name: str) -> nx.MultiDiGraph:
    """The graph of every street of an OSM XML or GraphML file, as osmnx reads it."""
    import osmnx as ox

    lower = path.name.lower()
    try:
        if lower.endswith(".graphml"):
            return ox.load_graphml(path)
        if lower.endswith(OSM_XML_SUFFIXES):
            # one parse per run, shared with the OSM features of [inputs.osm], read
            # before: the graph is its last reader, and lets it go once built
            elements = overpass_json(path, last=True)["elements"]
            with _osmnx_settings(useful_tags_way=_useful_way_tags()):
                try:
                    return _graph_from_elements(_street_elements(elements))
                except ValueError as exc:
                    if "missing nodes" not in str(exc):
                        raise
                    # a street refers to nodes the file lacks, as an extract clipped at
                    # its edge does: cut it where its nodes are missing
                    return _streets_of_a_clipped_extract(elements, name)
        raise NetworkError(
            f"{name}: unknown street network format (fix: give an OSM XML file ending in "
            f"{', '.join(OSM_XML_SUFFIXES)}, a .graphml file, or a layer of street "
            f"centrelines ({', '.join(LINE_LAYER_SUFFIXES)}))"
        )
    except NetworkError:
        raise
    except Exception as exc:
        raise NetworkError(
            f"{name}: cannot read the street network ({type(exc).__name__}: {exc}) "
            "(fix: check that the file is complete OSM XML or osmnx GraphML; re-export it)"
        ) from exc


def download_street_graph(
    *,
    place: str | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    cache: Path,
    working_crs: str | pyproj.CRS,
    network: str = "walk",
    trunk_requires_sidewalk: bool = True,
) -> nx.MultiDiGraph:
    """Download the street graph of a place or bounding box, or reuse the cached copy.

    Only this function uses the network. When ``cache`` exists it is read and
    nothing is downloaded; otherwise the unprojected graph is downloaded from
    the Overpass API and saved to ``cache`` (GraphML) before it is projected.

    Parameters
    ----------
    place
        A place name Nominatim knows, for example ``"利州区, 广元市"``.
    bbox
        ``(west, south, east, north)`` in degrees (WGS84), osmnx 2's order.
    cache
        GraphML file to reuse or create.
    working_crs
        The projected metric CRS to work in.
    network
        ``"walk"`` or ``"all"``, as for :func:`read_street_graph`.
    trunk_requires_sidewalk
        As for :func:`read_street_graph`.

    Returns
    -------
    networkx.MultiDiGraph
        The projected walking graph.

    Raises
    ------
    NetworkError
        Neither or both of ``place`` and ``bbox`` were given, or the download failed.
    """
    import osmnx as ox

    _check_network(network)
    cache = Path(cache)
    if cache.is_file():
        logger.info("reusing the street network cached in %s", cache)
        return read_street_graph(
            cache,
            working_crs=working_crs,
            network=network,
            trunk_requires_sidewalk=trunk_requires_sidewalk,
        )
    if (place is None) == (bbox is None):
        raise NetworkError(
            "give exactly one of place or bbox to download a street network "
            f"(fix: set one of them; no cache at {cache})"
        )
    crs = _as_crs(working_crs)
    network_type = "walk" if network == "walk" else "all"
    what = f"place {place!r}" if place is not None else f"bbox {bbox}"
    try:
        with _osmnx_settings(useful_tags_way=_useful_way_tags(), use_cache=False):
            if place is not None:
                raw = ox.graph_from_place(place, network_type=network_type, simplify=False)
            else:
                assert bbox is not None
                raw = ox.graph_from_bbox(bbox, network_type=network_type, simplify=False)
    except Exception as exc:
        raise NetworkError(
            f"cannot download the street network for {what} ({type(exc).__name__}: {exc}) "
            "(fix: check the connection and the place name, or give an OSM XML file instead)"
        ) from exc
    raw = ox.simplify_graph(raw)
    cache.parent.mkdir(parents=True, exist_ok=True)
    ox.save_graphml(raw, cache)
    logger.info("downloaded the street network for %s and cached it in %s", what, cache)
    return _finish(
        raw,
        source=str(cache),
        working_crs=crs,
        network=network,
        trunk_requires_sidewalk=trunk_requires_sidewalk,
        retain_all=False,
        simplify=True,
    )
