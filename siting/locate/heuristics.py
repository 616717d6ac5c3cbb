"""Fast starting solutions for the location models.

These only give the solver a good first incumbent; every optimality claim in
:mod:`siting.locate` comes from the solver's proven bound.
All functions work on positions (``0..n-1``) and dense distance matrices
where ``inf`` marks an unreachable pair.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from siting.jit import compiled

__all__ = [
    "greedy_cover",
    "greedy_max_cover",
    "improve_cover",
    "p_median_greedy_swap",
    "weighted_cover_search",
]

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


def _rwls(
    col_ptr: IntArray,
    col_rows: IntArray,
    row_ptr: IntArray,
    row_cols: IntArray,
    is_open: BoolArray,
    fixed: BoolArray,
    target: int,
    max_iter: int,
    seed: int,
) -> BoolArray:
    """The search of :func:`weighted_cover_search` on CSC/CSR index arrays (numba kernel).

    ``score[j]`` is the uncovered weight a closed site would cover, and minus
    the weight only it covers for an open site; both are kept up to date.
    Uncovered rows are drawn with a small linear congruential generator, the
    same compiled or not.
    """
    state = seed % 2147483648
    n = len(row_ptr) - 1
    m = len(col_ptr) - 1
    count = np.zeros(n, dtype=np.int64)
    weight = np.ones(n, dtype=np.int64)
    score = np.zeros(m, dtype=np.int64)
    stamp = np.zeros(m, dtype=np.int64)
    can_add = np.ones(m, dtype=np.bool_)
    uncovered = np.empty(n, dtype=np.int64)
    where = np.full(n, -1, dtype=np.int64)
    n_unc = 0
    n_open = 0
    for j in range(m):
        if is_open[j]:
            n_open += 1
            for t in range(col_ptr[j], col_ptr[j + 1]):
                count[col_rows[t]] += 1
    for i in range(n):
        if count[i] == 0:
            uncovered[n_unc] = i
            where[i] = n_unc
            n_unc += 1
            for t in range(row_ptr[i], row_ptr[i + 1]):
                score[row_cols[t]] += 1
        elif count[i] == 1:
            for t in range(row_ptr[i], row_ptr[i + 1]):
                if is_open[row_cols[t]]:
                    score[row_cols[t]] -= 1
    best = is_open.copy()
    n_best = n_open if n_unc == 0 else m + 1
    last_in = -1
    for step in range(1, max_iter + 1):
        covered = n_unc == 0
        if covered and n_open < n_best:
            n_best = n_open
            best[:] = is_open
            if n_best <= target:
                break
        # close the open site losing the least weight (the oldest among equals)
        out = -1
        for j in range(m):
            if (
                is_open[j]
                and not fixed[j]
                and (covered or j != last_in)
                and (
                    out < 0
                    or score[j] > score[out]
                    or (score[j] == score[out] and stamp[j] < stamp[out])
                )
            ):
                out = j
        if out < 0:
            break
        is_open[out] = False
        n_open -= 1
        score[out] = -score[out]
        stamp[out] = step
        can_add[out] = False
        for t in range(col_ptr[out], col_ptr[out + 1]):
            i = col_rows[t]
            count[i] -= 1
            if count[i] == 0:
                uncovered[n_unc] = i
                where[i] = n_unc
                n_unc += 1
                for u in range(row_ptr[i], row_ptr[i + 1]):
                    k = row_cols[u]
                    can_add[k] = True
                    if k != out:
                        score[k] += weight[i]
            elif count[i] == 1:
                for u in range(row_ptr[i], row_ptr[i + 1]):
                    k = row_cols[u]
                    if is_open[k]:
                        score[k] -= weight[i]
        can_add[out] = False
        if covered or n_unc == 0:  # a cover: look for one with a site less
            continue
        # open the best site of a random uncovered row
        state = (state * 1103515245 + 12345) % 2147483648
        row = uncovered[(state >> 8) % n_unc]
        inc = -1
        for u in range(row_ptr[row], row_ptr[row + 1]):
            k = row_cols[u]
            if not can_add[k] and row_ptr[row + 1] - row_ptr[row] > 1:
                continue
            if (
                inc < 0
                or score[k] > score[inc]
                or (score[k] == score[inc] and stamp[k] < stamp[inc])
            ):
                inc = k
        if inc < 0:
            inc = row_cols[row_ptr[row]]
        is_open[inc] = True
        n_open += 1
        score[inc] = -score[inc]
        stamp[inc] = step
        last_in = inc
        for t in range(col_ptr[inc], col_ptr[inc + 1]):
            i = col_rows[t]
            count[i] += 1
            if count[i] == 1:
                pos = where[i]
                n_unc -= 1
                moved = uncovered[n_unc]
                uncovered[pos] = moved
                where[moved] = pos
                where[i] = -1
                for u in range(row_ptr[i], row_ptr[i + 1]):
                    k = row_cols[u]
                    can_add[k] = True
                    if k != inc:
                        score[k] -= weight[i]
            elif count[i] == 2:
                for u in range(row_ptr[i], row_ptr[i + 1]):
                    k = row_cols[u]
                    if k != inc and is_open[k]:
                        score[k] += weight[i]
        # uncovered rows gain weight
        for q in range(n_unc):
            i = uncovered[q]
            weight[i] += 1
            for u in range(row_ptr[i], row_ptr[i + 1]):
                score[row_cols[u]] += 1
    if n_unc == 0 and n_open < n_best:
        best[:] = is_open
    return best


def weighted_cover_search(
    covers: BoolArray,
    chosen: IntArray,
    *,
    target: int = 0,
    required: IntArray | None = None,
    max_iter: int = 100_000,
    seed: int = 0,
) -> IntArray:
    """Row-weighting local search for a smaller set cover (after Gao, Weise and Li's RWLS).

    Whenever every row is covered, the cover is recorded and the open site
    whose closing uncovers the least row weight is closed. Each step closes
    such a site (the longest unchanged among equals, never the site just
    opened) and opens, for a random uncovered row, the site that covers the
    most uncovered weight among those whose neighbourhood changed since they
    were closed (configuration checking); then every uncovered row gains
    weight, so rows that stay uncovered pull the search towards them. The
    loop is compiled with numba (cached on disk after the first run).

    Parameters
    ----------
    covers
        ``n_demand × n_sites`` boolean matrix; every row must have a site.
    chosen
        Positions of the open sites of a cover (containing ``required``).
    target
        Stop as soon as a cover of this many sites is found.
    required
        Sites that stay open.
    max_iter
        Largest number of steps.
    seed
        Seed of the random choice of uncovered rows.

    Returns
    -------
    numpy.ndarray
        Sorted positions of the smallest cover found (``chosen`` if none is smaller).
    """
    cov = np.asarray(covers, dtype=bool)
    n, m = cov.shape
    start = np.unique(np.asarray(chosen, dtype=np.intp))
    if n == 0 or len(start) <= target or not cov[:, start].any(axis=1).all():
        return start
    site_of, rows_by_site = np.nonzero(cov.T)
    row_rows, row_cols = np.nonzero(cov)
    col_ptr = np.zeros(m + 1, dtype=np.int64)
    np.cumsum(np.bincount(site_of, minlength=m), out=col_ptr[1:])
    row_ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(row_rows, minlength=n), out=row_ptr[1:])
    is_open = np.zeros(m, dtype=np.bool_)
    is_open[start] = True
    fixed = np.zeros(m, dtype=np.bool_)
    if required is not None:
        fixed[np.asarray(required, dtype=np.intp)] = True
    best = compiled(_rwls)(
        col_ptr,
        rows_by_site.astype(np.int64),
        row_ptr,
        row_cols.astype(np.int64),
        is_open,
        fixed,
        int(target),
        int(max_iter),
        int(seed),
    )
    found = np.flatnonzero(best).astype(np.intp)
    if len(found) >= len(start) or not cov[:, found].any(axis=1).all():
        return start
    return found


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
