"""Bounded shortest walks from many sources to many targets, compiled.

:func:`bounded_pairs` runs Dijkstra's algorithm from each source over a CSR
graph, stops at the source's own distance limit, and returns the
(source, target, distance) triples of the targets within it. A source or a
target is a point on the graph that is joined to one or more nodes, each at a
distance: a street node itself (one node at 0), or the foot of a point on a
street edge (both ends of the edge, at the walk along the edge to each). A
source and a target on the same edge may also be given a direct walk along it.
It is the kernel behind :func:`siting.network.distance_table`.

Why not ``scipy.sparse.csgraph.dijkstra(limit=...)``: SciPy returns a dense
row per source (every node of the graph, most of them ``inf``) and resets its
work arrays over the whole graph for each source, so its cost grows with the
graph rather than with what a source reaches; and every foot would have to
become a node. Here a source touches only the nodes within its limit, resets
only those, and writes only target hits. The loop is compiled with numba
(``cache=True``: compiled once per machine, then loaded from the cache; numba
is imported on first use). It releases the GIL, so the sources are shared
among threads, one per core by default.

The heap is a binary heap with lazy deletion (a node may be pushed more than
once; stale entries are skipped when popped), so it never holds more entries
than there are edge relaxations plus the joins of one source.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import numpy.typing as npt

from siting.jit import compiled
from siting.network._arrays import FloatArray, IntArray, _groups

__all__ = ["bounded_pairs"]


def _run(
    indptr: Any,
    indices: Any,
    weights: Any,
    seed_ptr: Any,
    seed_node: Any,
    seed_dist: Any,
    limits: Any,
    join_ptr: Any,
    join_target: Any,
    join_dist: Any,
    target_extra: Any,
    direct_ptr: Any,
    direct_target: Any,
    direct_dist: Any,
) -> tuple[Any, Any, Any]:  # pragma: no cover - compiled; tested through bounded_pairs
    """The Dijkstra loop; compiled by :func:`siting.jit.compiled`, never run as Python.

    Source ``k`` starts at ``seed_node[seed_ptr[k]:seed_ptr[k + 1]]`` with
    ``seed_dist``; settling node ``v`` at ``d`` reaches target
    ``join_target[j]`` at ``d + join_dist[j]`` for ``j`` in
    ``join_ptr[v]:join_ptr[v + 1]``; ``direct_*`` (by source, like the seeds)
    are walks that need no graph.
    """
    n = len(indptr) - 1
    n_targets = len(target_extra)
    dist = np.full(n, np.inf)
    touched = np.empty(n, dtype=np.int64)
    best = np.full(n_targets, np.inf)
    reached = np.empty(n_targets, dtype=np.int64)
    heap_d = np.empty(len(weights) + len(seed_node) + 1)
    heap_v = np.empty(len(weights) + len(seed_node) + 1, dtype=np.int64)
    capacity = max(16, 4 * (len(seed_ptr) - 1))
    out_s = np.empty(capacity, dtype=np.int64)
    out_t = np.empty(capacity, dtype=np.int64)
    out_d = np.empty(capacity)
    n_out = 0
    for k in range(len(seed_ptr) - 1):
        limit = limits[k]
        if not limit >= 0.0:
            continue
        n_touched = 0
        n_reached = 0
        size = 0
        # a virtual first node: its edges are the seeds, its joins the direct walks
        v = -1
        d = 0.0
        while True:
            if v < 0:
                j_lo, j_hi, j_target, j_dist = (
                    direct_ptr[k],
                    direct_ptr[k + 1],
                    direct_target,
                    direct_dist,
                )
                e_lo, e_hi, e_node, e_weight = seed_ptr[k], seed_ptr[k + 1], seed_node, seed_dist
            else:
                j_lo, j_hi, j_target, j_dist = join_ptr[v], join_ptr[v + 1], join_target, join_dist
                e_lo, e_hi, e_node, e_weight = indptr[v], indptr[v + 1], indices, weights
            for j in range(j_lo, j_hi):
                t = j_target[j]
                c = d + j_dist[j]
                if c + target_extra[t] <= limit and c < best[t]:
                    if best[t] == np.inf:
                        reached[n_reached] = t
                        n_reached += 1
                    best[t] = c
            for e in range(e_lo, e_hi):
                w = e_node[e]
                nd = d + e_weight[e]
                if nd <= limit and nd < dist[w]:
                    if dist[w] == np.inf:
                        touched[n_touched] = w
                        n_touched += 1
                    dist[w] = nd
                    # push and sift up
                    i = size
                    size += 1
                    while i > 0:
                        p = (i - 1) // 2
                        if heap_d[p] <= nd:
                            break
                        heap_d[i] = heap_d[p]
                        heap_v[i] = heap_v[p]
                        i = p
                    heap_d[i] = nd
                    heap_v[i] = w
            # settle the nearest node; stale entries (a node settled nearer) are skipped
            v = -1
            while size > 0 and v < 0:
                d = heap_d[0]
                u = heap_v[0]
                # pop: move the last entry to the root and sift it down
                size -= 1
                if size > 0:
                    last_d = heap_d[size]
                    last_v = heap_v[size]
                    i = 0
                    while True:
                        c2 = 2 * i + 1
                        if c2 >= size:
                            break
                        if c2 + 1 < size and heap_d[c2 + 1] < heap_d[c2]:
                            c2 += 1
                        if heap_d[c2] >= last_d:
                            break
                        heap_d[i] = heap_d[c2]
                        heap_v[i] = heap_v[c2]
                        i = c2
                    heap_d[i] = last_d
                    heap_v[i] = last_v
                if d <= dist[u]:
                    v = u
            if v < 0:
                break
        if n_out + n_reached > len(out_s):
            grown = max(2 * len(out_s), n_out + n_reached)
            s2 = np.empty(grown, dtype=np.int64)
            t2 = np.empty(grown, dtype=np.int64)
            d2 = np.empty(grown)
            s2[:n_out] = out_s[:n_out]
            t2[:n_out] = out_t[:n_out]
            d2[:n_out] = out_d[:n_out]
            out_s, out_t, out_d = s2, t2, d2
        for i in range(n_reached):
            t = reached[i]
            out_s[n_out] = k
            out_t[n_out] = t
            out_d[n_out] = best[t]
            n_out += 1
            best[t] = np.inf
        for i in range(n_touched):
            dist[touched[i]] = np.inf
    return out_s[:n_out].copy(), out_t[:n_out].copy(), out_d[:n_out].copy()


def _usable_cpus() -> int:
    """The CPUs this process may run on (not all of the machine's, in a container)."""
    if hasattr(os, "sched_getaffinity"):
        return max(len(os.sched_getaffinity(0)), 1)
    return os.cpu_count() or 1


def _joins(
    name: str, nodes: npt.ArrayLike, dist: npt.ArrayLike | None, n: int
) -> tuple[IntArray, FloatArray]:
    """Nodes and distances as (points × joins) arrays, checked."""
    nodes_a = np.asarray(nodes, dtype=np.int64)
    if nodes_a.ndim == 1:
        nodes_a = nodes_a[:, None]
    if nodes_a.ndim != 2:
        raise ValueError(f"{name} must be one node per point, or points × joins")
    dist_a = np.zeros(nodes_a.shape) if dist is None else np.asarray(dist, dtype=np.float64)
    if dist_a.ndim == 1:
        dist_a = dist_a[:, None]
    if dist_a.shape != nodes_a.shape:
        raise ValueError(f"{name} and their distances differ in shape")
    if nodes_a.size and (nodes_a.min() < 0 or nodes_a.max() >= n):
        raise ValueError(f"{name} holds a node outside 0..{n - 1}")
    if dist_a.size and not dist_a.min() >= 0:
        raise ValueError(f"{name} need non-negative join distances")
    return nodes_a, dist_a


def bounded_pairs(
    indptr: npt.ArrayLike,
    indices: npt.ArrayLike,
    weights: npt.ArrayLike,
    sources: npt.ArrayLike,
    limits: npt.ArrayLike,
    targets: npt.ArrayLike,
    *,
    source_dist: npt.ArrayLike | None = None,
    target_dist: npt.ArrayLike | None = None,
    target_extra: npt.ArrayLike | None = None,
    direct: tuple[npt.ArrayLike, npt.ArrayLike, npt.ArrayLike] | None = None,
    threads: int | None = None,
) -> tuple[IntArray, IntArray, FloatArray]:
    """Shortest walks from each source to the targets within its limit.

    Parameters
    ----------
    indptr, indices, weights
        A directed graph in CSR form (``scipy.sparse.csr_matrix`` fields):
        the edges leaving node ``v`` are ``indices[indptr[v]:indptr[v + 1]]``
        with non-negative ``weights``. Store an undirected graph both ways.
    sources
        The node each source starts from (one per source), or the nodes
        (sources × joins) it may start from.
    limits
        The largest distance kept for each source; a negative or NaN limit
        skips the source.
    targets
        The node of each target, or its nodes (targets × joins). Targets may
        share nodes.
    source_dist, target_dist
        The walk from each source to each of its nodes, and from each of a
        target's nodes to the target (the shape of ``sources`` and
        ``targets``; default 0).
    target_extra
        A non-negative distance added at each target (for example the straight
        walk from the street to the door): a target is reported only when its
        distance plus its extra is within the limit. Default 0.
    direct
        ``(source, target, distance)`` arrays of walks that need no graph
        (a source and a target on the same street edge).
    threads
        How many threads share the sources; ``None`` uses one per CPU this process may run on.

    Returns
    -------
    tuple of numpy.ndarray
        ``(source, target, distance)``: positions in ``sources`` and
        ``targets`` and the shortest walk (without the extra), for every
        target within its source's limit, grouped by source.

    Raises
    ------
    ValueError
        The arrays do not describe a graph with non-negative weights, a node
        is out of range, or shapes or distances do not fit.

    Examples
    --------
    A path 0 - 1 - 2 with edges of 1 and 2, both ways:

    >>> import scipy.sparse as sp
    >>> g = sp.csr_matrix(([1.0, 1.0, 2.0, 2.0], ([0, 1, 1, 2], [1, 0, 2, 1])), shape=(3, 3))
    >>> s, t, d = bounded_pairs(g.indptr, g.indices, g.data, [0, 2], [2.5, 10.0], [0, 2])
    >>> sorted(zip(s.tolist(), t.tolist(), d.tolist()))
    [(0, 0, 0.0), (1, 0, 3.0), (1, 1, 0.0)]

    A source halfway along the edge 1 - 2 (joined to node 1 at 1, node 2 at 1):

    >>> s, t, d = bounded_pairs(
    ...     g.indptr, g.indices, g.data, [[1, 2]], [5.0], [0, 2], source_dist=[[1.0, 1.0]]
    ... )
    >>> sorted(zip(s.tolist(), t.tolist(), d.tolist()))
    [(0, 0, 2.0), (0, 1, 1.0)]
    """
    indptr_a = np.asarray(indptr, dtype=np.int64)
    indices_a = np.asarray(indices, dtype=np.int64)
    weights_a = np.asarray(weights, dtype=np.float64)
    n = len(indptr_a) - 1
    if len(indices_a) != len(weights_a) or n < 0 or int(indptr_a[-1]) != len(indices_a):
        raise ValueError("indptr, indices and weights do not describe one CSR graph")
    if len(weights_a) and not (weights_a.min() >= 0):
        raise ValueError("edge weights must be non-negative numbers")
    if len(indices_a) and (indices_a.min() < 0 or indices_a.max() >= n):
        raise ValueError(f"indices holds a node outside 0..{n - 1}")
    src_nodes, src_dist = _joins("sources", sources, source_dist, n)
    tgt_nodes, tgt_dist = _joins("targets", targets, target_dist, n)
    n_sources, n_targets = len(src_nodes), len(tgt_nodes)
    limits_a = np.asarray(limits, dtype=np.float64).ravel()
    if len(limits_a) != n_sources:
        raise ValueError(f"{n_sources} sources but {len(limits_a)} limits")
    extra = (
        np.zeros(n_targets)
        if target_extra is None
        else np.asarray(target_extra, dtype=np.float64).ravel()
    )
    if len(extra) != n_targets or (n_targets and not extra.min() >= 0):
        raise ValueError("target_extra needs one non-negative number per target")
    # joins of the targets, by node
    join_order, join_ptr = _groups(tgt_nodes.ravel(), n)
    join_target = (np.arange(tgt_nodes.size) // tgt_nodes.shape[1])[join_order]
    join_dist = tgt_dist.ravel()[join_order]
    # direct walks, by source
    if direct is None:
        d_src = d_tgt = np.zeros(0, dtype=np.int64)
        d_dist = np.zeros(0)
    else:
        d_src = np.asarray(direct[0], dtype=np.int64).ravel()
        d_tgt = np.asarray(direct[1], dtype=np.int64).ravel()
        d_dist = np.asarray(direct[2], dtype=np.float64).ravel()
        if not len(d_src) == len(d_tgt) == len(d_dist):
            raise ValueError("direct needs three arrays of one length")
        if len(d_src) and not (
            0 <= d_src.min() <= d_src.max() < n_sources
            and 0 <= d_tgt.min() <= d_tgt.max() < n_targets
            and d_dist.min() >= 0
        ):
            raise ValueError("direct holds a source or target out of range, or a negative walk")
    direct_order, direct_ptr_all = _groups(d_src, n_sources)
    d_tgt, d_dist = d_tgt[direct_order], d_dist[direct_order]

    n_threads = max(1, min(threads or _usable_cpus(), n_sources // 32 or 1))
    bounds = np.linspace(0, n_sources, n_threads + 1).astype(np.int64)
    per = src_nodes.shape[1]
    flat_nodes, flat_dist = src_nodes.ravel(), src_dist.ravel()

    def part(k: int) -> tuple[IntArray, IntArray, FloatArray]:
        lo, hi = int(bounds[k]), int(bounds[k + 1])
        seed_ptr = np.arange(hi - lo + 1, dtype=np.int64) * per
        direct_ptr = direct_ptr_all[lo : hi + 1]
        s, t, d = compiled(_run)(
            indptr_a,
            indices_a,
            weights_a,
            seed_ptr,
            flat_nodes[lo * per : hi * per],
            flat_dist[lo * per : hi * per],
            limits_a[lo:hi],
            join_ptr,
            join_target,
            join_dist,
            extra,
            direct_ptr,
            d_tgt,
            d_dist,
        )
        return np.asarray(s) + lo, np.asarray(t), np.asarray(d)

    if n_threads == 1:
        return part(0)
    with ThreadPoolExecutor(max_workers=n_threads) as pool:
        parts = list(pool.map(part, range(n_threads)))
    return (
        np.concatenate([p[0] for p in parts]),
        np.concatenate([p[1] for p in parts]),
        np.concatenate([p[2] for p in parts]),
    )
