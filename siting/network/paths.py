"""Bounded shortest walks from many sources to marked targets, compiled.

:func:`bounded_pairs` runs Dijkstra's algorithm from each source over a CSR
graph, stops at the source's own distance limit, and returns only the
(source, target node, distance) triples for nodes that are marked as targets.
It is the kernel behind :func:`siting.network.distance_table`.

Why not ``scipy.sparse.csgraph.dijkstra(limit=...)``: SciPy returns a dense
row per source (every node of the graph, most of them ``inf``) and resets its
work arrays over the whole graph for each source, so its cost grows with the
graph rather than with what a source reaches. Here a source touches only the
nodes within its limit, resets only those, and writes only target hits. The
loop is compiled with numba (``cache=True``: compiled once per machine, then
loaded from the cache; numba is imported on first use). It releases the GIL,
so the sources are shared among threads, one per core by default.

The heap is a binary heap with lazy deletion (a node may be pushed more than
once; stale entries are skipped when popped), so it never holds more entries
than there are edge relaxations plus one.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import numpy.typing as npt

from siting.network._arrays import FloatArray, IntArray

__all__ = ["bounded_pairs"]


def _run(
    indptr: Any,
    indices: Any,
    weights: Any,
    sources: Any,
    limits: Any,
    target_of: Any,
    target_extra: Any,
) -> tuple[Any, Any, Any]:  # pragma: no cover - compiled; tested through bounded_pairs
    """The Dijkstra loop; compiled by :func:`_compiled`, never run as Python."""
    n = len(indptr) - 1
    dist = np.full(n, np.inf)
    done = np.zeros(n, dtype=np.bool_)
    touched = np.empty(n, dtype=np.int64)
    heap_d = np.empty(len(weights) + 1)
    heap_v = np.empty(len(weights) + 1, dtype=np.int64)
    capacity = max(16, 4 * len(sources))
    out_s = np.empty(capacity, dtype=np.int64)
    out_v = np.empty(capacity, dtype=np.int64)
    out_d = np.empty(capacity)
    n_out = 0
    for k in range(len(sources)):
        src = sources[k]
        limit = limits[k]
        if not limit >= 0.0:
            continue
        n_touched = 1
        touched[0] = src
        dist[src] = 0.0
        heap_d[0] = 0.0
        heap_v[0] = src
        size = 1
        while size > 0:
            d = heap_d[0]
            v = heap_v[0]
            # pop: move the last entry to the root and sift it down
            size -= 1
            if size > 0:
                last_d = heap_d[size]
                last_v = heap_v[size]
                i = 0
                while True:
                    c = 2 * i + 1
                    if c >= size:
                        break
                    if c + 1 < size and heap_d[c + 1] < heap_d[c]:
                        c += 1
                    if heap_d[c] >= last_d:
                        break
                    heap_d[i] = heap_d[c]
                    heap_v[i] = heap_v[c]
                    i = c
                heap_d[i] = last_d
                heap_v[i] = last_v
            if done[v]:
                continue  # a stale entry
            done[v] = True
            t = target_of[v]
            if t >= 0 and d + target_extra[t] <= limit:
                if n_out == len(out_s):
                    grown = 2 * len(out_s)
                    s2 = np.empty(grown, dtype=np.int64)
                    v2 = np.empty(grown, dtype=np.int64)
                    d2 = np.empty(grown)
                    s2[:n_out] = out_s
                    v2[:n_out] = out_v
                    d2[:n_out] = out_d
                    out_s, out_v, out_d = s2, v2, d2
                out_s[n_out] = k
                out_v[n_out] = t
                out_d[n_out] = d
                n_out += 1
            for e in range(indptr[v], indptr[v + 1]):
                w = indices[e]
                nd = d + weights[e]
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
        for i in range(n_touched):
            u = touched[i]
            dist[u] = np.inf
            done[u] = False
    return out_s[:n_out].copy(), out_v[:n_out].copy(), out_d[:n_out].copy()


@functools.cache
def _compiled() -> Callable[..., tuple[Any, Any, Any]]:
    """:func:`_run` compiled by numba, imported on first use (it loads LLVM)."""
    import numba

    kernel: Callable[..., tuple[Any, Any, Any]] = numba.njit(cache=True, nogil=True)(_run)
    return kernel


def bounded_pairs(
    indptr: npt.ArrayLike,
    indices: npt.ArrayLike,
    weights: npt.ArrayLike,
    sources: npt.ArrayLike,
    limits: npt.ArrayLike,
    targets: npt.ArrayLike,
    *,
    target_extra: npt.ArrayLike | None = None,
    threads: int | None = None,
) -> tuple[IntArray, IntArray, FloatArray]:
    """Shortest walks within each source's limit, to the target nodes only.

    Parameters
    ----------
    indptr, indices, weights
        A directed graph in CSR form (``scipy.sparse.csr_matrix`` fields):
        the edges leaving node ``v`` are ``indices[indptr[v]:indptr[v + 1]]``
        with non-negative ``weights``. Store an undirected graph both ways.
    sources
        Start nodes, one Dijkstra run each (repeats are allowed).
    limits
        The largest distance kept for each source (same length as
        ``sources``); a negative or NaN limit skips the source.
    targets
        The distinct nodes to report.
    target_extra
        A non-negative distance added at each target (for example the walk
        from the street to the door): a target is reported only when its
        distance plus its extra is within the limit. Default 0.
    threads
        How many threads share the sources; ``None`` uses one per CPU core.

    Returns
    -------
    tuple of numpy.ndarray
        ``(source_position, target_position, distance)``: positions in
        ``sources`` and ``targets``, and the shortest distance (without the
        extra), for every target within the limit (a source that is itself a
        target reports distance 0), grouped by source and nearest first within
        a source.

    Raises
    ------
    ValueError
        The arrays do not describe a graph with non-negative weights, or a
        node is out of range, or the targets repeat.

    Examples
    --------
    A path 0 - 1 - 2 with edges of 1 and 2, both ways:

    >>> import scipy.sparse as sp
    >>> g = sp.csr_matrix(([1.0, 1.0, 2.0, 2.0], ([0, 1, 1, 2], [1, 0, 2, 1])), shape=(3, 3))
    >>> s, t, d = bounded_pairs(g.indptr, g.indices, g.data, [0, 2], [2.5, 10.0], [0, 2])
    >>> s.tolist(), t.tolist(), d.tolist()
    ([0, 1, 1], [0, 1, 0], [0.0, 0.0, 3.0])
    """
    indptr_a = np.asarray(indptr, dtype=np.int64)
    indices_a = np.asarray(indices, dtype=np.int64)
    weights_a = np.asarray(weights, dtype=np.float64)
    sources_a = np.asarray(sources, dtype=np.int64).ravel()
    limits_a = np.asarray(limits, dtype=np.float64).ravel()
    target_a = np.asarray(targets, dtype=np.int64).ravel()
    extra = (
        np.zeros(len(target_a))
        if target_extra is None
        else np.asarray(target_extra, dtype=np.float64).ravel()
    )
    n = len(indptr_a) - 1
    if len(limits_a) != len(sources_a):
        raise ValueError(f"{len(sources_a)} sources but {len(limits_a)} limits")
    if len(extra) != len(target_a) or (len(extra) and not extra.min() >= 0):
        raise ValueError("target_extra needs one non-negative number per target")
    if len(indices_a) != len(weights_a) or n < 0 or int(indptr_a[-1]) != len(indices_a):
        raise ValueError("indptr, indices and weights do not describe one CSR graph")
    if len(weights_a) and not (weights_a.min() >= 0):
        raise ValueError("edge weights must be non-negative numbers")
    for name, nodes in (("sources", sources_a), ("indices", indices_a), ("targets", target_a)):
        if len(nodes) and (nodes.min() < 0 or nodes.max() >= n):
            raise ValueError(f"{name} holds a node outside 0..{n - 1}")
    target_of = np.full(n, -1, dtype=np.int64)
    target_of[target_a] = np.arange(len(target_a))
    if int((target_of >= 0).sum()) != len(target_a):
        raise ValueError("targets repeat a node")
    n_threads = max(1, min(threads or os.cpu_count() or 1, len(sources_a) // 32 or 1))
    bounds = np.linspace(0, len(sources_a), n_threads + 1).astype(np.int64)

    def part(k: int) -> tuple[IntArray, IntArray, FloatArray]:
        lo, hi = int(bounds[k]), int(bounds[k + 1])
        s, t, d = _compiled()(
            indptr_a, indices_a, weights_a, sources_a[lo:hi], limits_a[lo:hi], target_of, extra
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
