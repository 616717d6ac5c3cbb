"""Snapping points to the nearest street edge, and splitting edges at the feet."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from siting.network._arrays import FloatArray, IntArray, _csr, _unique
from siting.network.matrix import StreetEdges, WalkMatrix


def _snap_to_edges(
    streets: StreetEdges, xy: FloatArray, *, k: int = 16
) -> tuple[IntArray, FloatArray, FloatArray, FloatArray]:
    """Each point's nearest street edge, the walk along it, and the distance to it.

    Returns ``(edge, along, offset, foot)``: the edge (a row of
    ``streets.nodes``), the walk from the edge's first node to the point's foot
    on it (the edge's ``length`` times the fraction of its line), the straight
    distance from the point to its foot, and the foot's coordinates. Among
    equally near edges (parallel edges drawn as one line) the shortest wins.

    The search is exact: the piece whose midpoint is nearest gives an upper
    bound ``d`` on the distance, and every piece within ``d`` has its midpoint
    within ``d + piece_m / 2``; all of those are measured.
    """
    tree = streets.tree
    _, nearest = tree.query(xy)
    first_d, _ = _to_pieces(streets, xy, np.asarray(nearest, dtype=np.int64))
    bound = first_d + streets.piece_m / 2 + 1e-9
    point = np.arange(len(xy), dtype=np.int64)
    found_p: list[IntArray] = []
    found_i: list[IntArray] = []
    todo = point
    while len(todo):
        kk = min(k, tree.n)
        own = bound[todo][:, None]
        dd, ii = tree.query(xy[todo], k=kk, distance_upper_bound=float(own.max()))
        dd = np.asarray(dd).reshape(len(todo), kk)
        ii = np.asarray(ii).reshape(len(todo), kk)
        hit = dd <= own
        rows, cols = np.nonzero(hit)
        found_p.append(todo[rows])
        found_i.append(ii[rows, cols].astype(np.int64))
        full = hit[:, -1] if kk < tree.n else np.zeros(len(todo), dtype=bool)
        # points with k pieces in range may have more: ask again for twice as many
        todo = todo[full]
        k *= 2
    cand_p = np.concatenate(found_p)
    cand_i = np.concatenate(found_i)
    if len(found_p) > 1:
        key = _unique(cand_p * len(streets.edge) + cand_i)
        cand_p, cand_i = key // len(streets.edge), key % len(streets.edge)
    dist, tau = _to_pieces(streets, xy[cand_p], cand_i)
    edge = streets.edge[cand_i]
    order = np.lexsort((streets.length[edge], dist, cand_p))
    first = np.ones(len(order), dtype=bool)
    first[1:] = cand_p[order][1:] != cand_p[order][:-1]
    best = order[first]  # one per point, in point order
    piece = cand_i[best]
    edge = edge[best]
    ab = streets.end[piece] - streets.start[piece]
    foot = streets.start[piece] + ab * tau[best, None]
    drawn = streets.along[piece] + tau[best] * np.hypot(*ab.T)
    along = np.clip(drawn / streets.line_length[edge], 0.0, 1.0) * streets.length[edge]
    return edge, along, dist[best], foot


def _to_pieces(
    streets: StreetEdges, xy: FloatArray, piece: IntArray
) -> tuple[FloatArray, FloatArray]:
    """Distance from each point to a piece, and the fraction along it of the foot."""
    a = streets.start[piece]
    ab = streets.end[piece] - a
    ap = xy - a
    sq = (ab**2).sum(axis=1)
    tau = np.clip((ap * ab).sum(axis=1) / np.where(sq > 0, sq, 1.0), 0.0, 1.0)
    foot = a + ab * tau[:, None]
    dist: FloatArray = np.hypot(*(xy - foot).T)
    return dist, tau


def _with_feet(
    wm: WalkMatrix, edge: IntArray, along: FloatArray, foot_xy: FloatArray
) -> tuple[sp.csr_matrix, IntArray, FloatArray]:
    """The walk matrix with a node at each foot, splitting the edge it lies on.

    The feet on one edge are chained in order along it, from its first node to
    its last, so a walk between two feet on the same edge is the stretch
    between them and a walk leaving an edge goes out through either end. The
    original edge stays, so a foot is never a shortcut. A foot on an end of
    its edge is that end's node, and feet on the same spot share a node, so
    no link has zero length.

    Returns the matrix, each foot's node, and the new nodes' coordinates.
    """
    streets = wm.streets
    assert streets is not None
    n = wm.matrix.shape[0]
    order = np.lexsort((along, edge))
    e, t = edge[order], along[order]
    length = streets.length[e]
    spot = np.ones(len(e), dtype=bool)  # the first foot on its spot
    spot[1:] = (e[1:] != e[:-1]) | (t[1:] != t[:-1])
    inner = spot & (t > 0) & (t < length)
    node_sorted = np.empty(len(e), dtype=np.int64)
    node_sorted[inner] = n + np.arange(int(inner.sum()))
    node_sorted[t <= 0] = streets.nodes[e[t <= 0], 0]
    node_sorted[t >= length] = streets.nodes[e[t >= length], 1]
    # a later foot on a spot takes the node of the spot's first foot
    first_of_spot = np.maximum.accumulate(np.where(spot, np.arange(len(e)), 0))
    node_sorted = node_sorted[first_of_spot]
    foot_node = np.empty(len(e), dtype=np.int64)
    foot_node[order] = node_sorted
    # chain the new nodes along each edge
    ce, ct, cn = e[inner], t[inner], node_sorted[inner]
    k = len(ce)
    opens = np.ones(k, dtype=bool)  # the first new node on its edge
    opens[1:] = ce[1:] != ce[:-1]
    closes = np.ones(k, dtype=bool)  # the last new node on its edge
    closes[:-1] = opens[1:]
    prev_node = np.empty(k, dtype=np.int64)
    prev_node[1:] = cn[:-1]
    prev_node[opens] = streets.nodes[ce[opens], 0]
    prev_t = np.empty(k)
    prev_t[1:] = ct[:-1]
    prev_t[opens] = 0.0
    rows = np.concatenate([prev_node, cn[closes]])
    cols = np.concatenate([cn, streets.nodes[ce[closes], 1]])
    w = np.concatenate([ct - prev_t, streets.length[ce[closes]] - ct[closes]])
    links = _csr(np.concatenate([rows, cols]), np.concatenate([cols, rows]), np.tile(w, 2), n + k)
    base = wm.matrix
    indptr = np.concatenate([base.indptr, np.full(k, base.indptr[-1], dtype=base.indptr.dtype)])
    padded = sp.csr_matrix((base.data, base.indices, indptr), shape=(n + k, n + k))
    out: sp.csr_matrix = (padded + links).tocsr()
    return out, foot_node, foot_xy[order][inner]
