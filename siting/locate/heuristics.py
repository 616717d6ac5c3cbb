"""Fast starting solutions for the location models.

These only give the solver a good first incumbent; every optimality claim in
:mod:`siting.locate` comes from the solver's proven bound.
All functions work on positions (``0..n-1``) and dense distance matrices
where ``inf`` marks an unreachable pair.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["greedy_cover", "greedy_max_cover", "improve_cover", "p_median_greedy_swap"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]


def greedy_cover(covers: BoolArray, *, required: IntArray | None = None) -> IntArray:
    """Chvátal's greedy set cover: repeatedly open the site covering most uncovered demand.

    Parameters
    ----------
    covers
        ``n_demand × n_sites`` boolean matrix, true where the site covers the demand.
    required
        Sites open from the start.

    Returns
    -------
    numpy.ndarray
        Sorted positions of the open sites. Demand no site covers stays uncovered.
    """
    n = covers.shape[0]
    chosen = [] if required is None else [int(j) for j in required]
    uncovered = np.ones(n, dtype=bool)
    if chosen:
        uncovered &= ~covers[:, chosen].any(axis=1)
    uncovered &= covers.any(axis=1)
    while uncovered.any():
        gain = covers[uncovered].sum(axis=0)
        j = int(np.argmax(gain))
        if gain[j] == 0:
            break
        chosen.append(j)
        uncovered &= ~covers[:, j]
    return np.unique(np.asarray(chosen, dtype=np.intp))


def _drop_redundant(cov: BoolArray, chosen: list[int], fixed: set[int]) -> list[int]:
    """Close open sites whose covered rows all have another open site, smallest first."""
    count = cov[:, chosen].sum(axis=1)
    for j in sorted(chosen, key=lambda k: int(cov[:, k].sum())):
        if j in fixed:
            continue
        mine = cov[:, j]
        if (count[mine] >= 2).all():
            chosen.remove(j)
            count -= mine
    return chosen


def _two_for_one(cov: BoolArray, chosen: list[int], fixed: set[int]) -> tuple[int, int, int] | None:
    """A pair of open sites that one closed site can replace, as ``(a, b, c)``, or ``None``."""
    open_ = np.asarray(chosen, dtype=np.intp)
    sub = cov[:, open_]
    count = sub.sum(axis=1)
    outside = (~cov).astype(np.float32)
    single = (sub & (count == 1)[:, None]).astype(np.float32)  # rows only this site covers
    lost1 = single.T @ outside  # lost1[a, c]: rows only a covers and c does not
    double = sub & (count == 2)[:, None]
    movable = np.array([j not in fixed for j in chosen])
    closed = np.ones(cov.shape[1], dtype=bool)
    closed[open_] = False
    for a in np.flatnonzero(movable):
        shared = (double & double[:, [a]]).astype(np.float32)  # rows only a and b cover
        lost = lost1[a][None, :] + lost1 + shared.T @ outside
        lost[a] = np.inf
        lost[~movable] = np.inf
        lost[:, ~closed] = np.inf
        hit = np.argwhere(lost < 0.5)
        if len(hit):
            b, c = (int(v) for v in hit[0])
            return int(open_[a]), int(open_[b]), c
    return None


def improve_cover(
    covers: BoolArray,
    chosen: IntArray,
    *,
    required: IntArray | None = None,
    max_moves: int = 200,
    seed: int = 0,
) -> IntArray:
    """Local search for a smaller set cover from a feasible one.

    Redundant sites are closed, then two open sites are replaced by one closed
    site whenever that keeps every row covered; when no such move exists, a
    random sideways swap (an open site replaced by a closed one that covers
    every row only it covered) moves to another cover of the same size, and
    the search goes on. Sites just swapped out are not swapped back in for a
    while (a short tabu list).

    Parameters
    ----------
    covers
        ``n_demand × n_sites`` boolean matrix.
    chosen
        Positions of the open sites of a cover.
    required
        Sites that stay open.
    max_moves
        Largest number of sideways swaps.
    seed
        Seed of the random choice among sideways swaps.

    Returns
    -------
    numpy.ndarray
        Sorted positions of the best cover found (never larger than ``chosen``).
    """
    cov = np.asarray(covers, dtype=bool)
    fixed = set() if required is None else {int(j) for j in required}
    current = _drop_redundant(cov, [int(j) for j in chosen], fixed)
    best = list(current)
    rng = np.random.default_rng(seed)
    tabu: dict[int, int] = {}
    for move in range(max_moves + 1):
        while (found := _two_for_one(cov, current, fixed)) is not None:
            a, b, c = found
            current = [j for j in current if j not in (a, b)] + [c]
            current = _drop_redundant(cov, current, fixed)
        if len(current) < len(best):
            best = list(current)
        if move == max_moves:
            break
        open_ = np.asarray(current, dtype=np.intp)
        sub = cov[:, open_]
        count = sub.sum(axis=1)
        single = (sub & (count == 1)[:, None]).astype(np.float32)
        lost = single.T @ (~cov).astype(np.float32)
        lost[:, open_] = np.inf
        lost[[k for k, j in enumerate(current) if j in fixed]] = np.inf
        banned = [j for j, until in tabu.items() if until > move]
        lost[:, banned] = np.inf
        options = np.argwhere(lost < 0.5)
        if not len(options):
            break
        a, c = (int(v) for v in options[rng.integers(len(options))])
        tabu[current[a]] = move + 1 + int(rng.integers(3, 8))
        current[a] = c
    return np.unique(np.asarray(best, dtype=np.intp))


def greedy_max_cover(
    covers: BoolArray, weights: FloatArray, p: int, *, required: IntArray | None = None
) -> IntArray:
    """Greedy maximal covering: open ``p`` sites, each adding the most uncovered weight.

    Parameters
    ----------
    covers
        ``n_demand × n_sites`` boolean matrix.
    weights
        Demand weights.
    p
        Number of sites to open.
    required
        Sites open from the start (counted in ``p``).

    Returns
    -------
    numpy.ndarray
        Sorted positions of the ``p`` open sites.
    """
    n = covers.shape[0]
    chosen = [] if required is None else [int(j) for j in required]
    uncovered = np.ones(n, dtype=bool)
    if chosen:
        uncovered &= ~covers[:, chosen].any(axis=1)
    cov = covers.astype(np.float64)
    while len(chosen) < p:
        gain = (weights * uncovered) @ cov
        gain[chosen] = -1.0
        j = int(np.argmax(gain))
        chosen.append(j)
        uncovered &= ~covers[:, j]
    return np.unique(np.asarray(chosen, dtype=np.intp))


def _best_two(dist: FloatArray, open_sites: IntArray) -> tuple[IntArray, FloatArray, FloatArray]:
    sub = dist[:, open_sites]
    rows = np.arange(dist.shape[0])
    if len(open_sites) == 1:
        return np.zeros(dist.shape[0], dtype=np.intp), sub[:, 0], np.full(dist.shape[0], np.inf)
    order = np.argpartition(sub, 1, axis=1)[:, :2]
    first = np.where(sub[rows, order[:, 0]] <= sub[rows, order[:, 1]], order[:, 0], order[:, 1])
    second = np.where(first == order[:, 0], order[:, 1], order[:, 0])
    return first.astype(np.intp), sub[rows, first], sub[rows, second]


def _weighted_sum(weights: FloatArray, values: FloatArray) -> float:
    with np.errstate(invalid="ignore"):
        terms = np.where(weights > 0, weights * values, 0.0)
    return float(terms.sum())


def p_median_greedy_swap(
    dist: FloatArray,
    weights: FloatArray,
    p: int,
    *,
    required: IntArray | None = None,
    max_iter: int = 1000,
    initial: IntArray | None = None,
) -> tuple[IntArray, float]:
    """Greedy p-median followed by best-improvement vertex substitution (Teitz and Bart).

    Each swap is evaluated for all (leaving, entering) pairs at once in
    ``O(n m)`` using the nearest and second-nearest open site of every demand
    point (Whitaker's fast interchange).

    Parameters
    ----------
    dist
        ``n_demand × n_sites`` distances, ``inf`` where unreachable.
    weights
        Demand weights.
    p
        Number of sites to open.
    required
        Sites that must stay open.
    max_iter
        Largest number of swaps.
    initial
        ``p`` open sites to start the swaps from (containing ``required``) instead
        of the greedy construction.

    Returns
    -------
    tuple
        Sorted open positions and their weighted distance sum (``inf`` if some
        demand is unreachable from every open site).
    """
    n, m = dist.shape
    w = weights[:, None]
    fixed = set() if required is None else {int(j) for j in required}
    chosen = list(fixed) if initial is None else [int(j) for j in initial]
    best = dist[:, chosen].min(axis=1) if chosen else np.full(n, np.inf)
    while len(chosen) < p:
        with np.errstate(invalid="ignore"):
            reach = np.minimum(dist, best[:, None])
            big = np.where(np.isinf(reach), 1e18, reach)
            total = (w * big).sum(axis=0)
        total[chosen] = np.inf
        j = int(np.argmin(total))
        chosen.append(j)
        best = np.minimum(best, dist[:, j])
    open_sites = np.asarray(chosen, dtype=np.intp)
    movable = np.array([j not in fixed for j in open_sites])
    if p < 2 or not movable.any() or p >= m:
        return np.sort(open_sites), _weighted_sum(weights, dist[:, open_sites].min(axis=1))
    for _ in range(max_iter):
        nearest, first, second = _best_two(dist, open_sites)
        current = _weighted_sum(weights, first)
        finite_first = np.where(np.isinf(first), 1e18, first)
        finite_second = np.where(np.isinf(second), 1e18, second)
        finite_dist = np.where(np.isinf(dist), 1e18, dist)
        keep = np.minimum(finite_dist, finite_first[:, None])
        base = (w * keep).sum(axis=0)
        loss = w * (np.minimum(finite_dist, finite_second[:, None]) - keep)
        extra = np.zeros((len(open_sites), m))
        np.add.at(extra, nearest, loss)
        total = base[None, :] + extra
        total[:, open_sites] = np.inf
        total[~movable, :] = np.inf
        r, j = (int(v) for v in np.unravel_index(int(np.argmin(total)), total.shape))
        finite_current = _weighted_sum(weights, finite_first)
        if total[r, j] < finite_current - 1e-9 * max(1.0, abs(finite_current)):
            open_sites = open_sites.copy()
            open_sites[r] = j
        else:
            return np.sort(open_sites), current
    first = dist[:, open_sites].min(axis=1)
    return np.sort(open_sites), _weighted_sum(weights, first)
