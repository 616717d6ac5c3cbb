"""A street graph converted once to a CSR matrix, with its streets cut into pieces for snapping."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np
import numpy.typing as npt
import pyproj
import scipy.sparse as sp
from scipy.spatial import cKDTree

from siting.errors import NetworkError
from siting.network._arrays import FloatArray, IntArray, _expand

_PIECE_M = 100.0  # longest straight piece of a street in the snapping index


@dataclass(frozen=True)
class StreetEdges:
    """The street edges of a :class:`WalkMatrix`, cut into short straight pieces for snapping.

    Attributes
    ----------
    nodes
        Each edge's two nodes (m × 2 positions in the matrix), ordered like its
        line; the two directions of a street are one edge.
    length
        Each edge's walking length in metres (its ``length`` attribute).
    line_length
        Each edge's drawn length (its geometry, or the straight line between its
        nodes), in CRS units.
    start, end
        Each piece's end points (k × 2). A piece is a stretch of an edge's line
        at most ``piece_m`` long.
    edge
        The edge each piece belongs to.
    along
        The drawn distance from the edge's first node to the piece's start.
    piece_m
        The longest piece.
    """

    nodes: IntArray
    length: FloatArray
    line_length: FloatArray
    start: FloatArray
    end: FloatArray
    edge: IntArray
    along: FloatArray
    piece_m: float

    @property
    def tree(self) -> cKDTree:
        """A KD-tree on the pieces' midpoints (built on first use)."""
        cached = self.__dict__.get("_tree")
        if cached is None:
            # a sliding-midpoint tree builds twice as fast and queries as fast here
            cached = cKDTree((self.start + self.end) / 2, balanced_tree=False)
            object.__setattr__(self, "_tree", cached)
        return cached


@dataclass(frozen=True)
class WalkMatrix:
    """A street graph converted once for bounded shortest paths.

    Attributes
    ----------
    node_ids
        The graph's node ids, in matrix order.
    xy
        Node coordinates (n × 2) in ``crs``.
    matrix
        Symmetric CSR matrix of edge lengths in metres (shortest parallel edge).
    crs
        The graph's CRS.
    streets
        The street edges points snap to; ``None`` allows only node snapping.
    """

    node_ids: npt.NDArray[Any]
    xy: FloatArray
    matrix: sp.csr_matrix
    crs: pyproj.CRS
    streets: StreetEdges | None = None

    @property
    def tree(self) -> cKDTree:
        """A KD-tree on the node coordinates (built on first use)."""
        cached = self.__dict__.get("_tree")
        if cached is None:
            cached = cKDTree(self.xy, balanced_tree=False)
            object.__setattr__(self, "_tree", cached)
        return cached


def _graph_arrays(
    graph: nx.MultiDiGraph, weight: str
) -> tuple[npt.NDArray[Any], FloatArray, IntArray, IntArray, FloatArray, list[dict[str, Any]]]:
    """Node ids, node xy, and every edge's (u, v, length, attributes) in one pass."""
    n = graph.number_of_nodes()
    index: dict[Any, int] = {}
    xy = np.empty((n, 2))
    for i, (node, data) in enumerate(graph.nodes(data=True)):
        index[node] = i
        xy[i, 0] = data["x"]
        xy[i, 1] = data["y"]
    node_ids = np.fromiter(index, dtype=object, count=n)
    rows_l: list[int] = []
    cols_l: list[int] = []
    data_l: list[dict[str, Any]] = []
    multi = graph.is_multigraph()
    for u, nbrs in graph.adjacency():
        iu = index[u]
        for v, keyed in nbrs.items():
            iv = index[v]
            # a multigraph maps keys to attribute dicts; a simple graph has the dict itself
            if multi:
                for data in keyed.values():
                    rows_l.append(iu)
                    cols_l.append(iv)
                    data_l.append(data)
            else:
                rows_l.append(iu)
                cols_l.append(iv)
                data_l.append(keyed)
    rows = np.fromiter(rows_l, dtype=np.int64, count=len(rows_l))
    cols = np.fromiter(cols_l, dtype=np.int64, count=len(cols_l))
    # None becomes NaN
    lengths = np.asarray([d.get(weight) for d in data_l], dtype=np.float64)
    return node_ids, xy, rows, cols, lengths, data_l


def _street_edges(
    xy: FloatArray,
    u: IntArray,
    v: IntArray,
    length: FloatArray,
    geoms: list[Any],
    *,
    piece_m: float = _PIECE_M,
) -> StreetEdges | None:
    """The streets to snap to, cut into pieces (see :class:`StreetEdges`).

    ``u``, ``v``, ``length`` and ``geoms`` describe one edge per street (the
    caller keeps one of its two directions). An edge without a geometry is the
    straight line between its nodes; an edge of zero drawn length cannot be
    snapped to and is left out.
    """
    import shapely

    u, v = u.copy(), v.copy()
    m = len(u)
    has_geom = np.fromiter((g is not None for g in geoms), dtype=bool, count=m)
    straight = np.flatnonzero(~has_geom)
    seg_a = [xy[u[straight]]]
    seg_b = [xy[v[straight]]]
    seg_edge = [straight]
    curved = np.flatnonzero(has_geom)
    if len(curved):
        lines = np.empty(len(curved), dtype=object)
        lines[:] = [geoms[i] for i in curved]
        coords, which = shapely.get_coordinates(lines, return_index=True)
        # orient each line from u to v: swap (u, v) when the line starts nearer v
        first = np.searchsorted(which, np.arange(len(curved)))
        start = coords[np.minimum(first, len(coords) - 1)]
        to_u = ((start - xy[u[curved]]) ** 2).sum(axis=1)
        to_v = ((start - xy[v[curved]]) ** 2).sum(axis=1)
        flip = curved[to_v < to_u]
        u[flip], v[flip] = v[flip], u[flip]
        same = which[1:] == which[:-1]
        seg_a.append(coords[:-1][same])
        seg_b.append(coords[1:][same])
        seg_edge.append(curved[which[:-1][same]])
    a = np.concatenate(seg_a)
    b = np.concatenate(seg_b)
    edge = np.concatenate(seg_edge).astype(np.int64)
    by_edge = np.argsort(edge, kind="stable")  # the segments of a line stay in order
    a, b, edge = a[by_edge], b[by_edge], edge[by_edge]
    seg_len = np.hypot(*(b - a).T)
    line_length = np.bincount(edge, weights=seg_len, minlength=m).astype(np.float64)
    ends = np.cumsum(seg_len)
    line_start = np.zeros(m)
    line_start[1:] = np.cumsum(line_length)[:-1]
    along = ends - seg_len - line_start[edge]
    # keep lines that have a length, and their segments that have one
    usable = line_length > 0
    renumber = np.cumsum(usable) - 1
    seg_keep = usable[edge] & (seg_len > 0)
    a, b, seg_len, along = a[seg_keep], b[seg_keep], seg_len[seg_keep], along[seg_keep]
    edge = renumber[edge[seg_keep]]
    if not usable.any():
        return None
    # cut each segment into pieces of at most piece_m
    count = np.maximum(np.ceil(seg_len / piece_m).astype(np.int64), 1)
    seg, _ = _expand(np.zeros(len(count), dtype=np.int64), count)
    part = np.arange(len(seg)) - np.repeat(np.cumsum(count) - count, count)
    f0 = (part / count[seg])[:, None]
    f1 = ((part + 1) / count[seg])[:, None]
    delta = b[seg] - a[seg]
    return StreetEdges(
        nodes=np.column_stack([u, v])[usable],
        length=length[usable],
        line_length=line_length[usable],
        start=a[seg] + delta * f0,
        end=a[seg] + delta * f1,
        edge=edge[seg],
        along=along[seg] + seg_len[seg] * f0[:, 0],
        piece_m=float(np.max(seg_len / count)) if len(count) else 0.0,
    )


def walk_matrix(
    graph: nx.MultiDiGraph, *, weight: str = "length", streets: bool = True
) -> WalkMatrix:
    """Convert an osmnx graph to a :class:`WalkMatrix` (undirected, shortest parallel edge).

    Parameters
    ----------
    graph
        A projected osmnx-style graph with node ``x``/``y`` and ``graph["crs"]``.
        Edge ``geometry`` (osmnx's, for edges simplification merged) is used to
        snap points to streets; an edge without one is a straight line.
    weight
        The edge attribute holding lengths in metres.
    streets
        Also cut the streets into pieces for snapping points to them
        (:class:`StreetEdges`); ``False`` allows only node snapping.

    Returns
    -------
    WalkMatrix
        The graph as a symmetric CSR matrix, with node coordinates and the
        street edges to snap to.

    Raises
    ------
    NetworkError
        The graph has no CRS, no nodes, or edges without a length.
    """
    crs_value = graph.graph.get("crs")
    if crs_value is None:
        raise NetworkError(
            "the street graph has no 'crs' attribute (fix: build it with read_street_graph)"
        )
    crs = pyproj.CRS.from_user_input(crs_value)
    n = graph.number_of_nodes()
    if n == 0:
        raise NetworkError("the street graph has no nodes (fix: check the network source)")
    node_ids, xy, rows, cols, lengths, attributes = _graph_arrays(graph, weight)
    missing = int(np.isnan(lengths).sum())
    if missing:
        raise NetworkError(
            f"{missing} street edges have no '{weight}' "
            "(fix: build the graph with read_street_graph, which fills lengths)"
        )
    # walking is undirected: one sort by node pair, then length, gives each
    # street once (its two directions share ends and length) and the shortest
    # of parallel edges first
    lo = np.minimum(rows, cols)
    key = lo * n + np.maximum(rows, cols)
    # (two sorts, the second stable, are several times quicker than one lexsort)
    order = np.argsort(lengths)
    order = order[np.argsort(key[order], kind="stable")]
    key, length = key[order], lengths[order]
    new_pair = np.ones(len(key), dtype=bool)
    np.not_equal(key[1:], key[:-1], out=new_pair[1:])
    new_street = new_pair.copy()
    new_street[1:] |= length[1:] != length[:-1]
    pick = order[new_street]
    edges = (
        _street_edges(
            xy, rows[pick], cols[pick], lengths[pick], [attributes[i].get("geometry") for i in pick]
        )
        if streets
        else None
    )
    shortest = order[new_pair & (rows[order] != cols[order])]  # no loops
    r, c = rows[shortest], cols[shortest]
    w = np.maximum(lengths[shortest], 1e-6)  # an explicit zero is fragile
    matrix = sp.csr_matrix(
        (np.concatenate([w, w]), (np.concatenate([r, c]), np.concatenate([c, r]))), shape=(n, n)
    )
    return WalkMatrix(
        node_ids=node_ids,
        xy=xy,
        matrix=matrix,
        crs=crs,
        streets=edges,
    )
