"""Tests of siting.network.paths: bounded shortest walks against SciPy's Dijkstra."""

from __future__ import annotations

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
    # grouped by source, nearest first within a source
    assert np.all(np.diff(s) >= 0)
    same = s[1:] == s[:-1]
    assert np.all(d[1:][same] >= d[:-1][same])


def test_path_by_hand() -> None:
    # 0 -1- 1 -2- 2 -4- 3, and a shortcut 0 -6- 3
    rows = [0, 1, 1, 2, 2, 3, 0, 3]
    cols = [1, 0, 2, 1, 3, 2, 3, 0]
    w = [1.0, 1.0, 2.0, 2.0, 4.0, 4.0, 6.0, 6.0]
    g = sp.csr_matrix((w, (rows, cols)), shape=(4, 4))
    s, t, d = bounded_pairs(g.indptr, g.indices, g.data, [0, 3], [6.0, 5.0], [1, 2, 3])
    assert list(zip(s.tolist(), t.tolist(), d.tolist(), strict=True)) == [
        (0, 0, 1.0),
        (0, 1, 3.0),
        (0, 2, 6.0),  # 1 + 2 + 4 = 7 along the path, 6 by the shortcut
        (1, 2, 0.0),
        (1, 1, 4.0),
    ]
    # an extra distance at a target counts towards the limit
    s, t, d = bounded_pairs(
        g.indptr, g.indices, g.data, [0, 3], [6.0, 5.0], [1, 2, 3], target_extra=[0.0, 2.5, 0.5]
    )
    assert list(zip(s.tolist(), t.tolist(), d.tolist(), strict=True)) == [
        (0, 0, 1.0),
        (0, 1, 3.0),  # 3 + 2.5 <= 6
        (1, 2, 0.0),  # node 3 from node 3: 0 + 0.5 <= 5; from node 0: 6 + 0.5 > 6
    ]


def test_directed_edges_are_followed_one_way() -> None:
    g = sp.csr_matrix(([1.0], ([0], [1])), shape=(2, 2))
    s, v, _ = bounded_pairs(g.indptr, g.indices, g.data, [0, 1], [5.0, 5.0], [0, 1])
    assert list(zip(s.tolist(), v.tolist(), strict=True)) == [(0, 0), (0, 1), (1, 1)]


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
    with pytest.raises(ValueError, match="targets repeat a node"):
        bounded_pairs(g.indptr, g.indices, g.data, [0], [1.0], [1, 1])
    with pytest.raises(ValueError, match="one non-negative number per target"):
        bounded_pairs(g.indptr, g.indices, g.data, [0], [1.0], [1], target_extra=[-1.0])
    with pytest.raises(ValueError, match="one CSR graph"):
        bounded_pairs(g.indptr, g.indices[:1], g.data, [0], [1.0], [0])
