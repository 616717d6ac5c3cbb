"""A walking graph from a layer of street centrelines (道路中心线), a bureau's or Geofabrik's.

A natural-resources bureau's roads are a line layer (a Shapefile, GeoPackage or File
Geodatabase of 道路中心线, often drawn in CAD), and Geofabrik's OpenStreetMap
downloads hand the same streets over as ``gis_osm_roads_free_1.shp``. Neither is OSM
XML, so :func:`osmnx.graph_from_xml` cannot read them; this module makes the graph
the rest of :mod:`siting.network` walks on.

Where two lines meet
    Streets meet where their lines share a point (a vertex, to the centimetre). OSM's
    ways share their junctions' nodes, so a Geofabrik layer is joined where OSM joins
    it, and a bridge crossing a street without a shared point stays a bridge. A line
    ending within :data:`SNAP_M` of another line (a T-junction drawn to the eye, an
    undershoot of CAD) is joined to it there. A bureau's layer drawn without points at
    its crossings (CAD's lines pass through them) is told apart by count: when the
    crossings without a shared point number at least :data:`UNJOINED_SHARE` of the
    points lines share, every crossing is a junction, and the run says so (a layer
    with OSM's classes, ``highway`` or ``fclass``, keeps OSM's junctions).
Which lines are walked
    A class column is read when the layer has one: OSM's ``highway`` or Geofabrik's
    ``fclass`` (with :func:`siting.network.graph.read_street_graph`'s walking filter;
    ``trunk`` is kept unless the layer has a ``sidewalk`` column to say otherwise), or
    a bureau's 道路等级 (``DLDJ``, ``等级``, ``class``), where 高速公路 and 快速路 are
    not walked. Without one every line is a street.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pyproj
import shapely

from siting.errors import NetworkError

logger = logging.getLogger(__name__)

__all__ = ["SNAP_M", "class_column", "classes_named", "first_column", "graph_from_lines"]

SNAP_M = 0.5
"""How far a line's end may lie from another line and still meet it (metres)."""

_GRID_M = 0.01
"""Points closer than this (1 cm) are the same point."""

CLASS_COLUMNS: tuple[str, ...] = ("highway", "fclass", "道路等级", "DLDJ", "等级", "class")
"""Columns read as a line's class, the first the layer has (any case)."""

_OSM_TAGS = ("foot", "access", "sidewalk", "motorroad", "service", "area")
"""OSM tags the walking filter reads, kept when the layer has them as columns."""

UNJOINED_SHARE = 0.5
"""Crossings without a shared point, against the points lines share, from which a
bureau's layer is read as drawn without its junctions (OSM's bridges and tunnels are a
few hundredths)."""

NOT_WALKED: tuple[str, ...] = ("高速", "快速", "expressway", "motorway", "freeway")
"""Words of a bureau's road class that no one walks along (高速公路, 城市快速路)."""

SIDE_ROADS: tuple[str, ...] = ("辅路", "辅道")
"""Words of a class walked though it names an expressway (快速路辅路, its side road)."""


def first_column(frame: gpd.GeoDataFrame, names: tuple[str, ...]) -> str | None:
    """The first of ``names`` the layer has as a column (any case), as the layer spells it."""
    by_lower = {str(c).lower(): str(c) for c in frame.columns if c != frame.geometry.name}
    return next((by_lower[n.lower()] for n in names if n.lower() in by_lower), None)


def class_column(frame: gpd.GeoDataFrame) -> str | None:
    """The layer's class column: the first of :data:`CLASS_COLUMNS` it has (any case)."""
    return first_column(frame, CLASS_COLUMNS)


def classes_named(values: np.ndarray[Any, Any], words: tuple[str, ...]) -> np.ndarray[Any, Any]:
    """Which of a bureau's road classes hold one of ``words`` (any case) and none of
    :data:`SIDE_ROADS` (快速路辅路 is a side road, not the expressway)."""
    lowered = np.char.lower(np.asarray(values, dtype=object).astype(str))
    named = np.zeros(len(lowered), dtype=bool)
    for word in words:
        named |= np.char.find(lowered, word) >= 0
    for word in SIDE_ROADS:
        named &= np.char.find(lowered, word) < 0
    return named


def _highways(frame: gpd.GeoDataFrame, column: str | None) -> np.ndarray[Any, Any]:
    """Each line's OSM ``highway`` value: OSM's own, or a bureau's class translated."""
    n = len(frame)
    if column is None:
        return np.full(n, "road", dtype=object)
    values = frame[column].astype("string").fillna("").str.strip().to_numpy(dtype=object)
    if column.lower() in {"highway", "fclass"}:
        # Geofabrik's "unknown" and an empty cell: a street of no known class
        return np.where((values == "") | (values == "unknown"), "road", values)
    # 快速路辅路: the expressway's side road has footways
    return np.where(classes_named(values, NOT_WALKED), "motorway", "road").astype(object)


def _exploded(frame: gpd.GeoDataFrame) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """The layer's lines one by one (a MultiLineString's parts apart), 2-D, with each
    line's row in ``frame``; empty and point-like lines, and a line's copies, dropped."""
    geoms = shapely.force_2d(np.asarray(frame.geometry.to_numpy(), dtype=object))
    parts, rows = shapely.get_parts(geoms, return_index=True)
    kind = shapely.get_type_id(parts)
    keep = (kind == 1) | (kind == 2)  # LineString, LinearRing
    parts, rows = parts[keep], rows[keep]
    parts = np.asarray(
        [shapely.LineString(p.coords) if p.geom_type == "LinearRing" else p for p in parts],
        dtype=object,
    )
    keep = shapely.length(parts) > _GRID_M
    parts, rows = parts[keep], rows[keep]
    # a line drawn twice (both ways, or copied in CAD) is one street: each of its
    # vertices would be a junction with itself
    _, first = np.unique(shapely.to_wkb(shapely.normalize(parts)), return_index=True)
    first = np.sort(first)
    return parts[first], rows[first]


def _merged(
    lines: np.ndarray[Any, Any], rows: np.ndarray[Any, Any], group: np.ndarray[Any, Any]
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """The lines of each class joined end to end where two of them meet and nothing else
    does (a street drawn as a chain of segments, as CAD explodes a polyline, or OSM's
    ways), with a row of each class for the merged lines: each joint would be a node."""
    out_lines, out_rows = [], []
    for g in np.unique(group):
        mine = np.flatnonzero(group == g)
        if len(mine) == 1:
            out_lines.append(lines[mine])
            out_rows.append(rows[mine])
            continue
        merged = shapely.get_parts(shapely.line_merge(shapely.multilinestrings(lines[mine])))
        out_lines.append(merged)
        out_rows.append(np.full(len(merged), rows[mine[0]]))
    return np.concatenate(out_lines), np.concatenate(out_rows)


def _keys(xy: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """Each point's cell of the centimetre grid, as one integer pair per row."""
    return np.round(xy / _GRID_M).astype(np.int64)


def _insert_points(
    lines: np.ndarray[Any, Any], which: np.ndarray[Any, Any], points: np.ndarray[Any, Any]
) -> np.ndarray[Any, Any]:
    """``lines`` with each point of ``points`` (x, y rows) put into line ``which[i]`` as
    a vertex, where it lies within :data:`SNAP_M` of it (GEOS's snapping adds a point
    to the segment it lies near, or moves a vertex that near onto it)."""
    if len(which) == 0:
        return lines
    out = lines.copy()
    order = np.argsort(which, kind="stable")
    which, points = which[order], points[order]
    starts = np.flatnonzero(np.r_[True, which[1:] != which[:-1]])
    sizes = np.diff(np.r_[starts, len(which)])
    groups = shapely.multipoints(points, indices=np.repeat(np.arange(len(starts)), sizes))
    targets = which[starts]
    out[targets] = shapely.snap(lines[targets], groups, SNAP_M)
    return out


def _counted(keys: np.ndarray[Any, Any]) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """For each row of ``keys``: its point's number, and how often that point occurs."""
    _, point, counts = np.unique(keys, axis=0, return_inverse=True, return_counts=True)
    point = point.ravel()
    return point, counts[point]


def _join_loose_ends(lines: np.ndarray[Any, Any]) -> tuple[np.ndarray[Any, Any], int]:
    """Lines with every loose end that lies within :data:`SNAP_M` of another line moved
    onto it, at its foot, which becomes a vertex of that line; and how many ends were
    joined so."""
    ends = np.concatenate([shapely.get_point(lines, 0), shapely.get_point(lines, -1)])
    owner = np.tile(np.arange(len(lines)), 2)
    xy = shapely.get_coordinates(ends)
    every = _keys(shapely.get_coordinates(lines))
    # an end is loose when no other vertex of the layer lies on its point (counted twice:
    # as a vertex, and as an end)
    _, often = _counted(np.concatenate([every, _keys(xy)]))
    loose = often[len(every) :] == 2
    if not loose.any():
        return lines, 0
    at, near = shapely.STRtree(lines).query(ends[loose], predicate="dwithin", distance=SNAP_M)
    mine = owner[loose][at]
    other = near != mine
    at, near, mine = at[other], near[other], mine[other]
    # two lines whose loose ends nearly meet: one end goes into the other line, not both
    # (each would move onto the other's old end, and they would still not meet)
    both = {(int(m), int(n)) for m, n in zip(mine, near, strict=True)}
    once = np.fromiter(
        ((m < n) or (int(n), int(m)) not in both for m, n in zip(mine, near, strict=True)),
        dtype=bool,
        count=len(mine),
    )
    at, near = at[once], near[once]
    if len(at) == 0:
        return lines, 0
    # one target line per end (the nearest), the end moved onto it: the line it meets
    # stays as drawn, and takes the end's foot as a vertex
    gap = shapely.distance(ends[loose][at], lines[near])
    order = np.lexsort((gap, at))
    at, near = at[order], near[order]
    first = np.r_[True, at[1:] != at[:-1]]
    at, near = at[first], near[first]
    end_points = ends[loose][at]
    feet = shapely.line_interpolate_point(
        lines[near], shapely.line_locate_point(lines[near], end_points)
    )
    out = lines.copy()
    which_end = np.flatnonzero(loose)[at]  # its place among ends: < n is a start
    for place, foot in zip(which_end, shapely.get_coordinates(feet), strict=True):
        line = int(owner[place])
        coords = shapely.get_coordinates(out[line])
        coords[0 if place < len(lines) else -1] = foot
        out[line] = shapely.LineString(coords)
    return _insert_points(out, near, shapely.get_coordinates(feet)), len(at)


def _unjoined_crossings(
    lines: np.ndarray[Any, Any],
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Where lines cross without a shared point: the two lines and the crossing point of
    each such crossing (one row per point)."""
    a, b = shapely.STRtree(lines).query(lines, predicate="crosses")
    half = a < b
    a, b = a[half], b[half]
    points, row = shapely.get_parts(shapely.intersection(lines[a], lines[b]), return_index=True)
    is_point = shapely.get_type_id(points) == 0
    points, row = points[is_point], row[is_point]
    xy = shapely.get_coordinates(points)
    a, b, key = a[row], b[row], _keys(xy)
    # a crossing on a vertex of both lines is a junction already (OSM's shared node); on
    # a vertex of one only (a CAD polyline's joint, the cross street drawn through it),
    # it is not
    coords, line = shapely.get_coordinates(lines, return_index=True)
    own = np.unique(np.c_[line, _keys(coords)], axis=0)  # each line's vertices, once each
    joined = np.ones(len(xy), dtype=bool)
    for which in (a, b):
        asked, back = np.unique(np.c_[which, key], axis=0, return_inverse=True)
        _, often = _counted(np.concatenate([own, asked]))
        joined &= (often[len(own) :] > 1)[back.ravel()]
    return a[~joined], b[~joined], xy[~joined]


def _pieces(
    lines: np.ndarray[Any, Any],
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """The lines cut at every point two of them share: each piece's line, its row in
    ``lines``, and its two end points' numbers, with those points' coordinates."""
    coords, line = shapely.get_coordinates(lines, return_index=True)
    point, often = _counted(_keys(coords))
    first = np.r_[True, line[1:] != line[:-1]]
    last = np.r_[line[1:] != line[:-1], True]
    cut = first | last | (often > 1)
    at = np.flatnonzero(cut)
    pair = line[at[:-1]] == line[at[1:]]
    start, stop = at[:-1][pair], at[1:][pair]
    size = stop - start + 1
    offsets = np.repeat(start - np.r_[0, np.cumsum(size)[:-1]], size)
    take = np.arange(int(size.sum())) + offsets
    pieces = shapely.linestrings(coords[take], indices=np.repeat(np.arange(len(start)), size))
    nodes_xy = np.zeros((int(point.max()) + 1, 2))
    nodes_xy[point] = coords
    return pieces, line[start], np.c_[point[start], point[stop]], nodes_xy


def graph_from_lines(
    frame: gpd.GeoDataFrame,
    *,
    source: str,
    walkable: Callable[[dict[str, Any]], bool] | None = None,
    min_piece_m: float | None = None,
) -> nx.MultiDiGraph:
    """The street graph of a layer of centrelines in a projected metric CRS.

    Parameters
    ----------
    frame
        The lines (LineString or MultiLineString; other geometries are left out), in
        the working CRS, with the class column the module docstring names, if any.
    source
        The file, for messages and ``graph["source"]``.
    walkable
        Whether an edge of these attributes is walked (``None``: every line); each
        distinct set of attributes is asked once.
    min_piece_m
        Keep only the largest connected part of the walked streets and the others of
        this many metres of streets or more (``None``: every part).

    Returns
    -------
    networkx.MultiDiGraph
        An osmnx-style graph of the walked streets: node ``x``/``y``; each
        piece of street between two junctions an edge both ways with its
        ``geometry``, ``length`` (metres), ``highway`` and the OSM tags the layer
        has as columns; ``graph["crs"]`` and ``graph["simplified"] = True``.

    Raises
    ------
    NetworkError
        The layer holds no lines, or its CRS is not projected.
    """
    own = frame.crs
    if own is None or not pyproj.CRS.from_user_input(own).is_projected:
        raise NetworkError(
            f"{source}: the street lines are not in a projected metric CRS "
            "(fix: reproject them to the working CRS first)"
        )
    lines, rows = _exploded(frame)
    if len(lines) == 0:
        kinds = sorted({str(t) for t in frame.geometry.geom_type.dropna().unique()})
        if {"LineString", "MultiLineString", "LinearRing"} & set(kinds):
            raise NetworkError(
                f"{source}: the layer's "
                + ("line is" if len(frame) == 1 else f"{len(frame):,} lines are each")
                + f" shorter than {_GRID_M * 100:g} cm (a line of two identical points, "
                "or its CRS in degrees or kilometres read as metres) (fix: check the "
                "layer's lines and its CRS)"
            )
        raise NetworkError(
            f"{source}: the layer holds no lines ({', '.join(kinds) or 'no geometry'}): "
            "a street network is a layer of centrelines (fix: give the roads' centreline "
            "layer, 道路中心线, not their surfaces or points)"
        )
    column = class_column(frame)
    osm_classes = column is not None and column.lower() in {"highway", "fclass"}
    row_highway = _highways(frame, column)
    row_tags = {
        t: frame[c].to_numpy(dtype=object)
        for c in frame.columns
        if (t := str(c).lower()) in _OSM_TAGS and c != frame.geometry.name
    }
    kinds = pd.DataFrame({"highway": row_highway, **row_tags}).astype(object).fillna("")
    group = kinds.groupby(list(kinds.columns), sort=False, dropna=False).ngroup().to_numpy()
    lines, rows = _merged(lines, rows, group[rows])
    lines, joined = _join_loose_ends(lines)
    a, b, xy = _unjoined_crossings(lines)
    vertices = _keys(shapely.get_coordinates(lines))
    _, often = _counted(vertices)
    junctions = len(np.unique(vertices[often > 1], axis=0))
    crossings = len(np.unique(_keys(xy), axis=0)) if len(xy) else 0
    if crossings and not osm_classes and crossings >= UNJOINED_SHARE * junctions:
        lines = _insert_points(lines, np.r_[a, b], np.r_[xy, xy])
        logger.info(
            "streets: %s: %d crossings of lines without a shared point, against %d points "
            "lines share: the layer is drawn without its junctions (as CAD draws), so each "
            "crossing is read as one",
            source,
            crossings,
            junctions,
        )
    elif crossings:
        logger.info(
            "streets: %s: %d crossings without a shared point kept apart (bridges, tunnels; "
            "%d points lines share)",
            source,
            crossings,
            junctions,
        )
    if joined:
        logger.info(
            "streets: %s: %d line ends within %g m of another line joined to it",
            source,
            joined,
            SNAP_M,
        )
    pieces, line_of, ends, nodes_xy = _pieces(lines)
    length = shapely.length(pieces)
    keep = length > 0
    pieces, line_of, ends, length = pieces[keep], line_of[keep], ends[keep], length[keep]
    # each class's attributes, from its first row: a piece's are its line's class's
    first_row = pd.Series(np.arange(len(frame))).groupby(group).first().to_numpy()
    attrs = [
        _edge_data(row_highway[r], {t: v[r] for t, v in row_tags.items()}, osm=osm_classes)
        for r in first_row
    ]
    piece_class = group[rows[line_of]]
    keep = np.ones(len(pieces), dtype=bool)
    if walkable is not None:  # judged once per class
        keep = np.asarray([walkable(data) for data in attrs], dtype=bool)[piece_class]
    if min_piece_m is not None and keep.any():
        keep &= _in_kept_pieces(ends, length, keep, min_piece_m)
    g = nx.MultiDiGraph(crs=pyproj.CRS.from_user_input(own), simplified=True)
    used = np.unique(ends[keep])
    g.add_nodes_from(
        (int(n), {"x": float(nodes_xy[n, 0]), "y": float(nodes_xy[n, 1])}) for n in used
    )
    reversed_pieces = shapely.reverse(pieces)
    for k in np.flatnonzero(keep).tolist():
        u, v = int(ends[k, 0]), int(ends[k, 1])
        edge: dict[str, Any] = {"length": float(length[k]), **attrs[piece_class[k]]}
        g.add_edge(u, v, geometry=pieces[k], **edge)
        g.add_edge(v, u, geometry=reversed_pieces[k], **edge)
    return g


def _edge_data(highway: str, tags: dict[str, Any], *, osm: bool) -> dict[str, str]:
    """An edge's ``highway`` and the OSM tags a line has a value for; an ``osm`` layer's
    trunk with no ``sidewalk`` column (Geofabrik's) is walked, with nothing to tell its
    walkers' trunks from expressways."""
    data = {"highway": str(highway)}
    for tag, value in tags.items():
        if value is None or (isinstance(value, float) and np.isnan(value)) or value == "":
            continue
        data[tag] = str(value)
    if osm and "sidewalk" not in tags and data["highway"] in ("trunk", "trunk_link"):
        data["sidewalk"] = "yes"
    return data


def _in_kept_pieces(
    ends: np.ndarray[Any, Any],
    length: np.ndarray[Any, Any],
    keep: np.ndarray[Any, Any],
    min_m: float,
) -> np.ndarray[Any, Any]:
    """Which kept pieces of street lie in the largest connected part of the network, or
    in another with ``min_m`` of streets or more."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n = int(ends.max()) + 1
    u, v = ends[keep, 0], ends[keep, 1]
    adjacency = coo_matrix((np.ones(len(u)), (u, v)), shape=(n, n))
    _, part = connected_components(adjacency, directed=False)
    piece_part = part[ends[:, 0]]
    streets = np.bincount(piece_part[keep], weights=length[keep], minlength=part.max() + 1)
    nodes = np.bincount(part[np.unique(ends[keep])], minlength=part.max() + 1)
    largest = int(np.argmax(nodes))  # by nodes, as the graph's own rule counts a piece
    kept: np.ndarray[Any, Any] = (piece_part == largest) | (streets[piece_part] >= min_m)
    return kept
