"""The sparse walking-distance table between demand points and sites."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Literal, overload

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pyproj
from scipy.spatial import cKDTree

from siting.errors import InputError, Problem, ScenarioError
from siting.network._arrays import FloatArray, IntArray, _groups, _members, _unique
from siting.network.matrix import WalkMatrix, walk_matrix
from siting.network.paths import bounded_pairs
from siting.network.points import _metric_crs
from siting.network.snap import _snap_to_edges

logger = logging.getLogger(__name__)


def _points_xy(gdf: gpd.GeoDataFrame, crs: pyproj.CRS) -> FloatArray:
    geoms = gdf.geometry.to_crs(crs)
    if not (geoms.geom_type == "Point").all():
        geoms = geoms.representative_point()
    return np.column_stack([geoms.x.to_numpy(dtype=float), geoms.y.to_numpy(dtype=float)])


def _validate_points(
    gdf: gpd.GeoDataFrame, id_column: str, what: str, *, points_column: str | None
) -> list[Problem]:
    problems: list[Problem] = []
    if id_column not in gdf.columns:
        problems.append(
            Problem(f"{what} have no id column", column=id_column, fix=f"name the {what} id column")
        )
        return problems
    if gdf.crs is None:
        problems.append(Problem(f"{what} have no CRS", fix="set the layer's CRS"))
    bad = gdf.geometry.isna() | gdf.geometry.is_empty
    if bad.any():
        problems.append(
            Problem(
                f"{what} without a geometry",
                ids=tuple(gdf.loc[bad, id_column].astype(str)),
                fix="drop them or give them a location",
            )
        )
    key = [id_column] if points_column is None else [id_column, points_column]
    dup = gdf.duplicated(subset=key)
    if dup.any():
        problems.append(
            Problem(
                f"{what} ids are not unique",
                column=id_column,
                ids=tuple(gdf.loc[dup, id_column].astype(str)),
                fix="give every row its own id (several points per area need a point_id column)",
            )
        )
    return problems


def _spots(key_a: IntArray, key_b: FloatArray) -> tuple[IntArray, IntArray]:
    """Points at the same spot (equal ``(key_a, key_b)``) share one: (first point of
    each spot, each point's spot)."""
    order = np.argsort(key_b)
    order = order[np.argsort(key_a[order], kind="stable")]
    new = np.ones(len(order), dtype=bool)
    new[1:] = (key_a[order][1:] != key_a[order][:-1]) | (key_b[order][1:] != key_b[order][:-1])
    spot = np.empty(len(order), dtype=np.int64)
    spot[order] = np.cumsum(new) - 1
    return order[new], spot


def _same_edge(
    s_edge: IntArray, s_along: FloatArray, t_edge: IntArray, t_along: FloatArray, n_edges: int
) -> tuple[IntArray, IntArray, FloatArray]:
    """(source, target, walk along the edge) for sources and targets on one edge."""
    src, tgt = _members(*_groups(t_edge, n_edges), s_edge)
    return src, tgt, np.abs(s_along[src] - t_along[tgt])


def _network_pairs(
    wm: WalkMatrix,
    origin_xy: FloatArray,
    site_xy: FloatArray,
    max_distance_m: float,
    *,
    snap: Literal["edge", "node"] = "edge",
) -> tuple[IntArray, IntArray, FloatArray]:
    """(origin point, site, walk) for every pair whose walk is within the limit.

    Each point is snapped (see :func:`distance_table`); points at the same
    spot share it. With edge snapping a spot is joined to both ends of its
    edge, at the walk along the edge to each, and a site and an origin on the
    same edge also have the direct walk between them. Bounded Dijkstra
    (:func:`siting.network.paths.bounded_pairs`) runs from the site spots,
    each up to the limit less the snap of its nearest site and of the nearest
    origin; the straight snap distances are added at both ends.
    """
    direct: tuple[IntArray, IntArray, FloatArray] | None = None
    if snap == "edge" and wm.streets is not None:
        streets = wm.streets
        e, t, offset, _ = _snap_to_edges(streets, np.concatenate([site_xy, origin_xy]))
        n_s = len(site_xy)
        e_s, t_s, snap_s = e[:n_s], t[:n_s], offset[:n_s]
        e_o, t_o, snap_o = e[n_s:], t[n_s:], offset[n_s:]
        first_s, s_inv = _spots(e_s, t_s)
        first_o, o_inv = _spots(e_o, t_o)
        se, st = e_s[first_s], t_s[first_s]
        oe, ot = e_o[first_o], t_o[first_o]
        s_nodes, s_dist = streets.nodes[se], np.column_stack([st, streets.length[se] - st])
        o_nodes, o_dist = streets.nodes[oe], np.column_stack([ot, streets.length[oe] - ot])
        direct = _same_edge(se, st, oe, ot, len(streets.length))
    else:
        snap_s_raw, node_s_raw = wm.tree.query(site_xy, workers=-1)
        snap_o_raw, node_o_raw = wm.tree.query(origin_xy, workers=-1)
        snap_s = np.asarray(snap_s_raw, dtype=np.float64)
        snap_o = np.asarray(snap_o_raw, dtype=np.float64)
        node_s = np.asarray(node_s_raw, dtype=np.int64)
        node_o = np.asarray(node_o_raw, dtype=np.int64)
        first_s, s_inv = _spots(node_s, np.zeros(len(node_s)))
        first_o, o_inv = _spots(node_o, np.zeros(len(node_o)))
        s_nodes, s_dist = node_s[first_s], np.zeros(len(first_s))
        o_nodes, o_dist = node_o[first_o], np.zeros(len(first_o))
    # the nearest site of each source and origin of each target bound the walk
    s_min_snap = np.full(len(first_s), np.inf)
    np.minimum.at(s_min_snap, s_inv, snap_s)
    t_min_snap = np.full(len(first_o), np.inf)
    np.minimum.at(t_min_snap, o_inv, snap_o)
    o_min_snap = float(snap_o.min())
    matrix = wm.matrix
    src, tgt, net = bounded_pairs(
        matrix.indptr,
        matrix.indices,
        matrix.data,
        s_nodes,
        max_distance_m - o_min_snap - s_min_snap,
        o_nodes,
        source_dist=s_dist,
        target_dist=o_dist,
        target_extra=t_min_snap - o_min_snap,
        direct=direct,
    )
    # every origin at the target spot, then every site at the source spot
    which, origin = _members(*_groups(o_inv, len(first_o)), tgt)
    src, net = src[which], net[which] + snap_o[origin]
    ok = net + s_min_snap[src] <= max_distance_m
    src, net, origin = src[ok], net[ok], origin[ok]
    which, site = _members(*_groups(s_inv, len(first_s)), src)
    origin, walk = origin[which], net[which] + snap_s[site]
    ok = walk <= max_distance_m
    return origin[ok], site[ok], walk[ok]


def _as_walk_matrix(
    graph: nx.MultiDiGraph | WalkMatrix, snap: Literal["edge", "node"]
) -> WalkMatrix:
    """The graph converted (streets cut for snapping only when snapping to edges)."""
    return graph if isinstance(graph, WalkMatrix) else walk_matrix(graph, streets=snap == "edge")


def distance_table(
    origins: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    *,
    graph: nx.MultiDiGraph | WalkMatrix | None,
    max_distance_m: float,
    origin_id: str = "area_id",
    site_id: str = "site_id",
    detour_factor: float = 1.3,
    aggregate: Literal["share_weighted", "min"] | None = None,
    point_id: str = "point_id",
    share: str = "share",
    snap: Literal["edge", "node"] = "edge",
) -> pd.DataFrame:
    """Walking distances between origins and sites, up to ``max_distance_m``.

    Parameters
    ----------
    origins
        Demand points (for example the output of :func:`area_points`), or
        polygons (their representative points are used). Several rows may share
        an ``origin_id`` when they have distinct ``point_id`` values.
    sites
        Candidate sites, points or polygons (their representative points).
    graph
        The street graph from :func:`read_street_graph`, or a :class:`WalkMatrix`
        made from it to reuse the conversion; ``None`` to use straight-line
        distance × ``detour_factor``.
    max_distance_m
        Largest walking distance to keep, in metres (the largest service radius).
    origin_id, site_id
        Id columns.
    detour_factor
        Multiplier of the straight line when there is no graph.
    aggregate
        How to combine several points of one origin: ``None`` keeps one row per
        point (with ``point_id`` and ``share``); ``"min"`` keeps the nearest
        point; ``"share_weighted"`` takes the share-weighted mean walk, and keeps
        the pair only when every point of the origin is within the limit.
    point_id, share
        Point id and share columns of ``origins`` (optional).
    snap
        Where a point joins the street network: ``"edge"`` (the default) at
        the nearest point of the nearest street, ``"node"`` at the nearest
        graph node (see the module docstring). Ignored without a graph.

    Returns
    -------
    pandas.DataFrame
        Columns ``origin_id``, [``point_id``, ``share``,] ``site_id``,
        ``distance_m`` (the walk, both snap distances included), ``straight_m``
        and ``method`` (``"network"`` or ``"straight_line"``), sorted by origin
        (input order) and distance. ``attrs`` holds ``method``, ``max_distance_m``,
        ``detour_factor``, ``pairs_within_straight_line`` (pairs inside the
        ``max_distance_m`` circle), ``excluded_by_network`` (of those, the pairs
        beyond the limit on foot) and ``excluded_by_detour`` (the same for the
        straight-line fallback).

    Raises
    ------
    InputError
        Missing id columns, missing CRS or geometries, duplicated ids.
    NetworkError
        The graph cannot be converted.
    """
    if max_distance_m <= 0:
        raise ScenarioError(f"max_distance_m must be positive, not {max_distance_m}")
    if snap not in ("edge", "node"):
        raise ScenarioError(f"snap must be 'edge' or 'node', not {snap!r}")
    if detour_factor < 1:
        raise ScenarioError(f"detour_factor must be at least 1, not {detour_factor}")
    has_points = point_id in origins.columns
    problems = _validate_points(
        origins, origin_id, "origins", points_column=point_id if has_points else None
    )
    problems += _validate_points(sites, site_id, "sites", points_column=None)
    if problems:
        raise InputError(problems)

    if graph is None:
        crs = pyproj.CRS.from_user_input(origins.crs) if origins.crs is not None else None
        if crs is None or not crs.is_projected:
            crs = _metric_crs(origins)
    elif isinstance(graph, WalkMatrix):
        crs = graph.crs
    elif graph.graph.get("crs") is not None:
        crs = pyproj.CRS.from_user_input(graph.graph["crs"])
    else:
        crs = walk_matrix(graph).crs  # a graph without a CRS: this raises the error
    oxy = _points_xy(origins, crs)
    sxy = _points_xy(sites, crs)
    o_ids = origins[origin_id].to_numpy()
    s_ids = sites[site_id].to_numpy()
    shares = (
        origins[share].to_numpy(dtype=float) if share in origins.columns else np.ones(len(origins))
    )
    p_ids = origins[point_id].to_numpy() if has_points else o_ids

    method = "network" if graph is not None else "straight_line"
    if len(oxy) == 0 or len(sxy) == 0:
        empty = [origin_id, *([point_id, share] if has_points and aggregate is None else [])]
        out = pd.DataFrame(columns=[*empty, site_id, "distance_m", "straight_m", "method"])
        out.attrs = _table_attrs(method, max_distance_m, detour_factor, 0, 0)
        return out

    n_sites = len(sxy)
    codes, _ = pd.factorize(o_ids)  # origin ids numbered in input order
    codes = codes.astype(np.int64)
    expand = aggregate is not None and has_points
    wm: WalkMatrix | None = None
    if graph is not None and not expand:
        # the network pairs are all the rows; the circle is only counted, in a
        # thread while the graph is converted (the KD-tree count releases the GIL)
        with ThreadPoolExecutor(max_workers=1) as pool:
            circle = pool.submit(
                lambda: int(cKDTree(oxy).count_neighbors(cKDTree(sxy), max_distance_m))
            )
            wm = _as_walk_matrix(graph, snap)
            o_idx, s_idx, walk = _network_pairs(wm, oxy, sxy, max_distance_m, snap=snap)
            in_circle_total: int | None = circle.result()
    else:
        if graph is not None:
            wm = _as_walk_matrix(graph, snap)
            n_o, n_s, n_d = _network_pairs(wm, oxy, sxy, max_distance_m, snap=snap)
        # every point-level pair within the limit either way, as sorted integer keys
        in_circle_total = None
        straight_pairs = cKDTree(oxy).sparse_distance_matrix(
            cKDTree(sxy), max_distance_m, output_type="ndarray"
        )
        c_keys = straight_pairs["i"].astype(np.int64) * n_sites + straight_pairs["j"]
        keys = _unique(c_keys if wm is None else np.concatenate([c_keys, n_o * n_sites + n_s]))
        if expand:
            # expand to every point of each origin, so that aggregates see all points
            area_keys = _unique(codes[keys // n_sites] * n_sites + keys % n_sites)
            by_code = np.argsort(codes, kind="stable")
            starts = np.searchsorted(codes[by_code], np.arange(codes.max() + 2))
            counts = np.diff(starts)[area_keys // n_sites]
            first = np.repeat(starts[area_keys // n_sites], counts)
            offset = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
            o_idx = by_code[first + offset]
            s_idx = np.repeat(area_keys % n_sites, counts)
        else:
            o_idx = keys // n_sites
            s_idx = keys % n_sites
        walk = np.full(len(o_idx), np.inf)
        if wm is not None and len(n_o):
            net_keys = n_o * n_sites + n_s
            order = np.argsort(net_keys)
            net_keys, net_d = net_keys[order], n_d[order]
            want = o_idx * n_sites + s_idx
            pos = np.minimum(np.searchsorted(net_keys, want), len(net_keys) - 1)
            found = net_keys[pos] == want
            walk[found] = net_d[pos[found]]
    dx = oxy[o_idx, 0] - sxy[s_idx, 0]
    dy = oxy[o_idx, 1] - sxy[s_idx, 1]
    straight = np.sqrt(dx * dx + dy * dy)
    if wm is None:
        walk = straight * detour_factor

    # id columns are (ids, positions), gathered once at the end
    if aggregate is None:
        columns: dict[str, Any] = {origin_id: (o_ids, o_idx)}
        if has_points:
            columns[point_id] = (p_ids, o_idx)
            columns[share] = shares[o_idx]
        order_code = codes[o_idx]
        columns[site_id] = (s_ids, s_idx)
        columns["distance_m"] = walk
        columns["straight_m"] = straight
    elif aggregate in ("min", "share_weighted"):
        frame = pd.DataFrame(
            {"code": codes[o_idx], "s": s_idx, "w": shares[o_idx], "d": walk, "l": straight}
        )
        grouped = frame.groupby(["code", "s"], sort=False)
        if aggregate == "min":
            agg = grouped[["d", "l"]].min()
        else:
            total = grouped["w"].transform("sum")
            w = frame["w"] / total.where(total > 0, 1.0)
            agg = (
                frame.assign(d=frame["d"] * w, l=frame["l"] * w)
                .groupby(["code", "s"], sort=False)[["d", "l"]]
                .sum()
            )
        order_code = agg.index.get_level_values("code").to_numpy(dtype=np.int64)
        first_row = np.zeros(codes.max() + 1 if len(codes) else 0, dtype=np.int64)
        first_row[codes[::-1]] = np.arange(len(codes))[::-1]
        columns = {
            origin_id: (o_ids, first_row[order_code]),
            site_id: (s_ids, agg.index.get_level_values("s").to_numpy(dtype=np.int64)),
            "distance_m": agg["d"].to_numpy(dtype=float),
            "straight_m": agg["l"].to_numpy(dtype=float),
        }
    else:
        raise ScenarioError(f"aggregate must be None, 'min' or 'share_weighted', not {aggregate!r}")

    dist = np.asarray(columns["distance_m"], dtype=float)
    in_circle = np.asarray(columns["straight_m"], dtype=float) <= max_distance_m
    on_foot = dist <= max_distance_m
    if in_circle_total is None:
        in_circle_total = int(in_circle.sum())
    excluded = in_circle_total - int((in_circle & on_foot).sum())
    keep = np.flatnonzero(on_foot)
    # by origin, then distance: one sort of origin x (a span above the longest
    # kept walk) + walk, a third of the time of a lexsort of the two
    span = 2.0 * max(float(max_distance_m), 1.0)
    keep = keep[np.argsort(order_code[keep] * span + dist[keep])]
    out = pd.DataFrame(
        {
            # an id column is typed once (pandas infers strings) and then gathered
            name: pd.Series(values[0]).array.take(values[1][keep])
            if isinstance(values, tuple)
            else values[keep]
            for name, values in columns.items()
        }
    )
    out["method"] = method
    out.attrs = _table_attrs(method, max_distance_m, detour_factor, in_circle_total, excluded)
    if wm is not None:
        logger.info(
            "walking distances: %d pairs within %.0f m; the network excludes %d of the %d pairs "
            "inside the straight-line circle",
            len(out),
            max_distance_m,
            excluded,
            in_circle_total,
        )
    else:
        logger.info(
            "no street network: straight-line distance x %.2f; %d pairs within %.0f m",
            detour_factor,
            len(out),
            max_distance_m,
        )
    return out


def _table_attrs(
    method: str, max_distance_m: float, detour_factor: float, in_circle: int, excluded: int
) -> dict[str, Any]:
    network = method == "network"
    return {
        "method": method,
        "max_distance_m": float(max_distance_m),
        "detour_factor": None if network else float(detour_factor),
        "pairs_within_straight_line": in_circle,
        "excluded_by_network": excluded if network else 0,
        "excluded_by_detour": 0 if network else excluded,
    }


def excluded_by_network(table: pd.DataFrame) -> int:
    """How many pairs inside the straight-line radius the network puts beyond it.

    Parameters
    ----------
    table
        A table returned by :func:`distance_table` (its ``attrs`` carry the count).

    Returns
    -------
    int
        The number of origin–site pairs within ``max_distance_m`` as the crow
        flies but farther on foot (0 for the straight-line fallback).

    Raises
    ------
    ScenarioError
        The table did not come from :func:`distance_table` (or lost its ``attrs``).
    """
    if "excluded_by_network" not in table.attrs:
        raise ScenarioError(
            "the table has no 'excluded_by_network' record; pass the table distance_table "
            "returned, before operations that drop DataFrame.attrs"
        )
    return int(table.attrs["excluded_by_network"])


@overload
def walk_minutes(distance_m: float, *, speed_m_per_min: float = ...) -> float: ...
@overload
def walk_minutes(distance_m: FloatArray, *, speed_m_per_min: float = ...) -> FloatArray: ...
@overload
def walk_minutes(distance_m: pd.Series, *, speed_m_per_min: float = ...) -> pd.Series: ...
def walk_minutes(
    distance_m: float | pd.Series | FloatArray | Sequence[float],
    *,
    speed_m_per_min: float = 70.0,
) -> float | pd.Series | FloatArray:
    """Walking time in minutes.

    Parameters
    ----------
    distance_m
        Walking distance(s) in metres.
    speed_m_per_min
        Walking speed in metres per minute. Planning tools use 60–80 m/min
        (DOMAIN.md §3); the default 70 is the middle. An adult pushing a pram
        or walking with a toddler is at the slow end.

    Returns
    -------
    float or pandas.Series or numpy.ndarray
        Minutes, the same shape as ``distance_m``.

    Examples
    --------
    >>> walk_minutes(350.0)
    5.0
    >>> walk_minutes(300.0, speed_m_per_min=60)
    5.0
    """
    if not speed_m_per_min > 0:
        raise ScenarioError(f"speed_m_per_min must be positive, not {speed_m_per_min}")
    if isinstance(distance_m, pd.Series):
        return distance_m / speed_m_per_min
    if isinstance(distance_m, int | float):
        return float(distance_m) / speed_m_per_min
    minutes: FloatArray = np.asarray(distance_m, dtype=np.float64) / speed_m_per_min
    return minutes
