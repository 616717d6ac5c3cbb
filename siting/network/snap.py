"""Snapping points to the nearest point of the nearest street edge."""

from __future__ import annotations

import numpy as np

from siting.network._arrays import FloatArray, IntArray, _unique
from siting.network.matrix import StreetEdges


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
    _, nearest = tree.query(xy, workers=-1)
    first_d, _ = _to_pieces(streets, xy, np.asarray(nearest, dtype=np.int64))
    bound = first_d + streets.piece_m / 2 + 1e-9
    point = np.arange(len(xy), dtype=np.int64)
    found_p: list[IntArray] = []
    found_i: list[IntArray] = []
    todo = point
    while len(todo):
        kk = min(k, tree.n)
        own = bound[todo][:, None]
        dd, ii = tree.query(xy[todo], k=kk, distance_upper_bound=float(own.max()), workers=-1)
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
    # the candidates are in point order, and every point has one (the piece with
    # the nearest midpoint); per point keep the nearest, then the shortest edge,
    # then the first (reductions over runs: a lexsort here takes several times longer)
    starts = np.flatnonzero(np.r_[True, cand_p[1:] != cand_p[:-1]])
    counts = np.diff(np.r_[starts, len(cand_p)])
    tied = dist == np.repeat(np.minimum.reduceat(dist, starts), counts)
    length = np.where(tied, streets.length[edge], np.inf)
    pick = np.flatnonzero(tied & (length == np.repeat(np.minimum.reduceat(length, starts), counts)))
    best = pick[np.r_[True, cand_p[pick][1:] != cand_p[pick][:-1]]]  # one per point, in order
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
