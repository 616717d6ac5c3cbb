"""Tests of siting.network.paths: bounded shortest walks against SciPy's Dijkstra."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from siting.network.paths import bounded_pairs


def _random_graph(n: int, m: int, seed: int) -> sp.csr_matrix:
    """An undirected random graph with integer-ish weights, stored both ways."""
    rng = np.random.default_rng(seed)
    u = rng.integers(0, n, m)
    v = rng.integers(0, n, m)
    w = rng.integers(1, 20, m).astype(float) + rng.random(m)
    keep = u != v
    g = sp.coo_matrix(
        (np.r_[w[keep], w[keep]], (np.r_[u[keep], v[keep]], np.r_[v[keep], u[keep]])), shape=(n, n)
    )
    # parallel edges: keep the shortest (coo -> csr would add them up)
    frame = np.lexsort((g.data, g.col, g.row))
    r, c, d = g.row[frame], g.col[frame], g.data[frame]
    first = np.r_[True, (r[1:] != r[:-1]) | (c[1:] != c[:-1])]
    return sp.csr_matrix((d[first], (r[first], c[first])), shape=(n, n))


def _expected(
    g: sp.csr_matrix, sources: np.ndarray, limits: np.ndarray, targets: np.ndarray
) -> set[tuple[int, int, float]]:
    full = dijkstra(g, directed=True, indices=sources)
    out = set()
    for k, limit in enumerate(limits):
        for t in np.unique(targets):
            if full[k, t] <= limit:
                out.add((k, int(t), round(float(full[k, t]), 9)))
    return out


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("threads", [1, 2])
def test_matches_scipy_dijkstra(seed: int, threads: int) -> None:
    g = _random_graph(300, 700, seed)
    rng = np.random.default_rng(seed + 10)
    sources = rng.integers(0, 300, 80)  # repeats allowed
    limits = rng.uniform(-5, 40, 80)  # some negative: skipped
    targets = rng.integers(0, 300, 120)
    targets = np.unique(targets)
    s, t, d = bounded_pairs(g.indptr, g.indices, g.data, sources, limits, targets, threads=threads)
    v = targets[t]
    got = {(int(a), int(b), round(float(c), 9)) for a, b, c in zip(s, v, d, strict=True)}
    assert len(got) == len(s)  # no pair twice
    assert got == _expected(g, sources, limits, targets)
    assert len(got) > 100  # the instance is not trivially empty
    assert np.all(np.diff(s) >= 0)  # grouped by source


def test_path_by_hand() -> None:
    # 0 -1- 1 -2- 2 -4- 3, and a shortcut 0 -6- 3
    rows = [0, 1, 1, 2, 2, 3, 0, 3]
    cols = [1, 0, 2, 1, 3, 2, 3, 0]
    w = [1.0, 1.0, 2.0, 2.0, 4.0, 4.0, 6.0, 6.0]
    g = sp.csr_matrix((w, (rows, cols)), shape=(4, 4))
    s, t, d = bounded_pairs(g.indptr, g.indices, g.data, [0, 3], [6.0, 5.0], [1, 2, 3])
    assert sorted(zip(s.tolist(), t.tolist(), d.tolist(), strict=True)) == [
        (0, 0, 1.0),
        (0, 1, 3.0),
        (0, 2, 6.0),  # 1 + 2 + 4 = 7 along the path, 6 by the shortcut
        (1, 1, 4.0),
        (1, 2, 0.0),
    ]
    # an extra distance at a target counts towards the limit
    s, t, d = bounded_pairs(
        g.indptr, g.indices, g.data, [0, 3], [6.0, 5.0], [1, 2, 3], target_extra=[0.0, 2.5, 0.5]
    )
    assert sorted(zip(s.tolist(), t.tolist(), d.tolist(), strict=True)) == [
        (0, 0, 1.0),
        (0, 1, 3.0),  # 3 + 2.5 <= 6
        (1, 2, 0.0),  # node 3 from node 3: 0 + 0.5 <= 5; from node 0: 6 + 0.5 > 6
    ]


def test_directed_edges_are_followed_one_way() -> None:
    g = sp.csr_matrix(([1.0], ([0], [1])), shape=(2, 2))
    s, v, _ = bounded_pairs(g.indptr, g.indices, g.data, [0, 1], [5.0, 5.0], [0, 1])
    assert sorted(zip(s.tolist(), v.tolist(), strict=True)) == [(0, 0), (0, 1), (1, 1)]


def test_bad_input_is_refused() -> None:
    g = sp.csr_matrix(([1.0, 1.0], ([0, 1], [1, 0])), shape=(2, 2))
    with pytest.raises(ValueError, match="2 sources but 1 limits"):
        bounded_pairs(g.indptr, g.indices, g.data, [0, 1], [1.0], [0])
    with pytest.raises(ValueError, match="non-negative"):
        bounded_pairs(g.indptr, g.indices, [-1.0, 1.0], [0], [1.0], [0])
    with pytest.raises(ValueError, match=r"sources holds a node outside 0\.\.1"):
        bounded_pairs(g.indptr, g.indices, g.data, [2], [1.0], [0])
    with pytest.raises(ValueError, match="targets holds a node outside"):
        bounded_pairs(g.indptr, g.indices, g.data, [0], [1.0], [5])
    with pytest.raises(ValueError, match="differ in shape"):
        bounded_pairs(g.indptr, g.indices, g.data, [[0, 1]], [1.0], [1], source_dist=[[1.0]])
    with pytest.raises(ValueError, match="non-negative join distances"):
        bounded_pairs(g.indptr, g.indices, g.data, [0], [1.0], [1], target_dist=[-1.0])
    with pytest.raises(ValueError, match="direct holds"):
        bounded_pairs(g.indptr, g.indices, g.data, [0], [1.0], [1], direct=([0], [3], [1.0]))
    with pytest.raises(ValueError, match="one non-negative number per target"):
        bounded_pairs(g.indptr, g.indices, g.data, [0], [1.0], [1], target_extra=[-1.0])
    with pytest.raises(ValueError, match="one CSR graph"):
        bounded_pairs(g.indptr, g.indices[:1], g.data, [0], [1.0], [0])


def _split(g: sp.csr_matrix, points: list[tuple[int, int, float]]) -> sp.csr_matrix:
    """The graph with a new node on each point (u, v, t): t along the edge u - v.

    The points on one edge are chained in order along it, as siting did
    before it joined points to edge ends; the edge itself stays.
    """
    n = g.shape[0]
    coo = g.tocoo()
    rows, cols, data = list(coo.row), list(coo.col), list(coo.data)
    by_edge: dict[tuple[int, int], list[tuple[float, int]]] = {}
    for k, (u, v, t) in enumerate(points):
        by_edge.setdefault((u, v), []).append((t, n + k))
    for (u, v), feet in by_edge.items():
        length = g[u, v]
        chain = [(0.0, u), *sorted(feet), (length, v)]
        for (t0, a), (t1, b) in itertools.pairwise(chain):
            rows += [a, b]
            cols += [b, a]
            data += [t1 - t0, t1 - t0]
    size = n + len(points)
    out = sp.coo_matrix((data, (rows, cols)), shape=(size, size)).tocsr()
    out.sum_duplicates()
    # duplicates of a link added up; the test instance has none
    return out


@pytest.mark.parametrize("seed", [3, 4])
def test_points_on_edges_match_a_graph_with_the_points_as_nodes(seed: int) -> None:
    """Sources and targets joined to both ends of an edge, and direct walks
    along a shared edge, give the walks of the graph with the points inserted."""
    g = _random_graph(120, 260, seed)
    rng = np.random.default_rng(seed)
    coo = sp.triu(g).tocoo()
    edges = list(zip(coo.row.tolist(), coo.col.tolist(), coo.data.tolist(), strict=True))
    # sources and targets on random edges; every third target on a source's edge
    src_pts = []
    for _ in range(30):
        u, v, length = edges[rng.integers(len(edges))]
        src_pts.append((u, v, float(rng.uniform(0, length))))
    tgt_pts = []
    for k in range(45):
        if k % 3 == 0:
            u, v, _ = src_pts[k // 3]
            length = g[u, v]
        else:
            u, v, length = edges[rng.integers(len(edges))]
        tgt_pts.append((u, v, float(rng.uniform(0, length))))
    limits = rng.uniform(5, 40, len(src_pts))
    # siting's way: joins to both ends, and direct walks along shared edges
    s_nodes = [[u, v] for u, v, _ in src_pts]
    s_dist = [[t, g[u, v] - t] for u, v, t in src_pts]
    t_nodes = [[u, v] for u, v, _ in tgt_pts]
    t_dist = [[t, g[u, v] - t] for u, v, t in tgt_pts]
    direct = [
        (i, j, abs(ts - tt))
        for i, (us, vs, ts) in enumerate(src_pts)
        for j, (ut, vt, tt) in enumerate(tgt_pts)
        if (us, vs) == (ut, vt)
    ]
    assert len(direct) >= 15
    s, t, d = bounded_pairs(
        g.indptr,
        g.indices,
        g.data,
        s_nodes,
        limits,
        t_nodes,
        source_dist=s_dist,
        target_dist=t_dist,
        direct=tuple(np.array(x) for x in zip(*direct, strict=True)),  # type: ignore[arg-type]
    )
    got = {(int(a), int(b), round(float(c), 9)) for a, b, c in zip(s, t, d, strict=True)}
    assert len(got) == len(s)
    # the second formulation: every point a node of the graph
    split = _split(g, src_pts + tgt_pts)
    n = g.shape[0]
    full = dijkstra(split, indices=n + np.arange(len(src_pts)))
    expected = {
        (i, j, round(float(full[i, n + len(src_pts) + j]), 9))
        for i in range(len(src_pts))
        for j in range(len(tgt_pts))
        if full[i, n + len(src_pts) + j] <= limits[i]
    }
    assert got == expected
    assert len(expected) > 20
