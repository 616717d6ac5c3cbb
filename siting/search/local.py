"""A local search over the open facilities and their sizes, with exact rerouting of demand.

The cost stage's plan is a choice of an option (size) at each candidate site
and of extra slots at each existing facility; the assignment of demand only
has to exist. So a plan is judged by its cost, and a move (close a site,
downsize it, swap it for a closed neighbour, or close it and grow an open
neighbour or an existing facility) is kept when it is cheaper and demand can
still be served: the assignment is then repaired exactly, by augmenting paths
of a maximum flow started from the current one (:func:`siting.search._kernels.try_move`),
until the shortfall objective (weighted missing demonstration facilities,
unserved slots, missing affordable slots) is back within the cap the shortfall
stage set. Every kept plan therefore satisfies every row of the cost stage's
model; :meth:`CostSearch.values` writes it as a full column vector.

Neighbours are sites that share a demand item. Moves are tried site by site,
the largest saving first, and the first feasible one is kept (first
improvement); passes repeat until none improves or the time is up.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from siting.jit import compiled
from siting.model import SitingModel
from siting.search._kernels import try_move

__all__ = ["CostSearch", "SearchStats"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class SearchStats:
    """What one call of :meth:`CostSearch.improve` did.

    Attributes
    ----------
    start_cost, cost
        The plan's cost before and after.
    tried, kept
        Moves tried and kept.
    passes
        Descents: the first, then one per kick.
    seconds
        Wall time.
    local_optimum
        True when the last pass kept no move (no move of the neighbourhood improves).
    """

    start_cost: float
    cost: float
    tried: int
    kept: int
    passes: int
    seconds: float
    local_optimum: bool


def _groups(keys: IntArray, n: int) -> tuple[IntArray, IntArray]:
    order = np.argsort(keys, kind="stable").astype(np.int64)
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(keys, minlength=n), out=ptr[1:])
    return ptr, order


class CostSearch:
    """The cost stage's plan as a search state: options, extra slots and an exact flow.

    Parameters
    ----------
    model
        The built model.
    shortfall_cap
        The most the shortfall objective (``model.shortfall @ values``) may be: the
        shortfall stage's optimum with its tolerance.
    """

    def __init__(self, model: SitingModel, *, shortfall_cap: float) -> None:
        self.model = model
        ix = model.index
        n_areas = len(ix.required)
        n_sites = len(ix.site_capacity_existing)
        self.n_areas, self.n_sites = n_areas, n_sites
        self.req = ix.required.astype(np.float64)
        self.pair_area = ix.x_demand_code.astype(np.int64)
        self.pair_site = ix.x_site_code.astype(np.int64)
        self.a_ptr, self.a_pairs = _groups(self.pair_area, n_areas)
        self.s_ptr, self.s_pairs = _groups(self.pair_site, n_sites)
        self.base_cap = ix.site_capacity_existing.astype(np.float64)
        # existing facilities: slots of their own, or room to expand (no linking rows)
        existing = self.base_cap > 0
        existing[ix.e_site_code] = True
        self.existing = existing
        self.opt_site = ix.y_site_code.astype(np.int64)
        self.opt_slots = ix.y_slots.astype(np.float64)
        self.opt_cost = model.cost[ix.y].astype(np.float64)
        row_of = {int(d): r for r, d in enumerate(ix.t_district_code)}
        self.opt_row = np.array(
            [
                row_of.get(int(d), -1) if demo else -1
                for d, demo in zip(ix.y_district_code, ix.y_demo, strict=True)
            ],
            dtype=np.int64,
        )
        self.o_ptr, self.o_list = _groups(self.opt_site, n_sites)
        self.ext_max = np.zeros(n_sites)
        self.ext_max[ix.e_site_code] = model.base.col_upper[ix.e]
        self.ext_cost = np.zeros(n_sites)
        self.ext_cost[ix.e_site_code] = model.cost[ix.e]
        self.demo_need = ix.t_need.astype(np.float64)
        # the affordable row (R8), when there is one, is the model's last row
        self.opt_aff = np.zeros(len(self.opt_site))
        self.ext_aff = np.zeros(n_sites)
        aff_lower = -np.inf
        if ix.u.stop > ix.u.start:
            last = sp.csr_array(model.base.A)[[model.base.num_rows - 1], :].toarray().ravel()
            self.opt_aff = last[ix.y].astype(np.float64)
            self.ext_aff[ix.e_site_code] = last[ix.e]
            aff_lower = float(model.base.row_lower[-1])
        self.scal = np.array([model.demo_weight, float(shortfall_cap), aff_lower, 0.0, 0.0, 0.0])
        # neighbours: sites sharing a demand item
        inc = sp.csr_array(
            (np.ones(len(self.pair_area)), (self.pair_site, self.pair_area)),
            shape=(n_sites, n_areas),
        )
        near = sp.csr_array(inc @ inc.T)
        near.setdiag(0)
        near.eliminate_zeros()
        self.n_ptr = near.indptr.astype(np.int64)
        self.n_idx = near.indices.astype(np.int64)
        # state
        self.site_opt = np.full(n_sites, -1, dtype=np.int64)
        self.site_ext = np.zeros(n_sites)
        self.x = np.zeros(len(self.pair_area))
        self.load = np.zeros(n_sites)
        self.served = np.zeros(n_areas)
        self.cap = np.zeros(n_sites)
        self.demo_count = np.zeros(len(self.demo_need))
        # work
        self._area_mark = np.zeros(n_areas)
        self._site_mark = np.zeros(n_sites)
        self._area_par = np.zeros(n_areas, dtype=np.int64)
        self._site_par = np.zeros(n_sites, dtype=np.int64)
        self._queue = np.zeros(n_areas + 1, dtype=np.int64)
        self._log_p = np.zeros(2 * len(self.pair_area) + 1024, dtype=np.int64)
        self._log_v = np.zeros(2 * len(self.pair_area) + 1024)
        self.tried = 0
        self.kept = 0

    # -- state ------------------------------------------------------------------------

    def load_plan(self, values: FloatArray) -> None:
        """Take a plan (one value per column of the model) as the current state.

        Parameters
        ----------
        values
            A plan that satisfies the cost stage's rows.
        """
        ix = self.model.index
        y = np.asarray(values[ix.y]) > 0.5
        self.site_opt[:] = -1
        self.site_opt[self.opt_site[y]] = np.flatnonzero(y)
        self.site_ext[:] = 0.0
        self.site_ext[ix.e_site_code] = np.round(values[ix.e])
        self.x[:] = np.clip(values[ix.x], 0.0, self.req[self.pair_area])
        self.load[:] = np.bincount(self.pair_site, weights=self.x, minlength=self.n_sites)
        self.served[:] = np.bincount(self.pair_area, weights=self.x, minlength=self.n_areas)
        self.served[:] = np.minimum(self.served, self.req)
        opened = self.site_opt >= 0
        slots = np.zeros(self.n_sites)
        slots[opened] = self.opt_slots[self.site_opt[opened]]
        self.cap[:] = np.where(self.existing | opened, self.base_cap + self.site_ext, 0.0) + slots
        self.demo_count[:] = 0
        open_k = self.site_opt[opened]
        rows = self.opt_row[open_k]
        np.add.at(self.demo_count, rows[rows >= 0], 1.0)
        self.scal[3] = float(self.opt_aff[open_k].sum() + self.ext_aff @ self.site_ext)
        self.scal[5] = float((self.req - self.served).sum())

    def cost(self) -> float:
        """The current plan's cost."""
        k = self.site_opt[self.site_opt >= 0]
        return float(self.opt_cost[k].sum() + self.ext_cost @ self.site_ext)

    def values(self) -> FloatArray:
        """The current plan as one value per column of the model."""
        ix = self.model.index
        model = self.model
        out = np.zeros(model.base.num_cols)
        k = self.site_opt[self.site_opt >= 0]
        out[ix.y.start + k] = 1.0
        out[ix.e] = self.site_ext[ix.e_site_code]
        out[ix.x] = self.x
        out[ix.s] = np.maximum(self.req - self.served, 0.0)
        out[ix.t] = np.maximum(self.demo_need - self.demo_count, 0.0)
        if ix.u.stop > ix.u.start:
            out[ix.u] = max(0.0, float(self.scal[2] - self.scal[3]))
        return out

    # -- moves ------------------------------------------------------------------------

    def try_move(self, sites: IntArray, options: IntArray, extras: FloatArray) -> bool:
        """Set ``options`` and ``extras`` at ``sites``; keep the change if demand still fits.

        Parameters
        ----------
        sites
            Site positions.
        options
            The new option (a position among the model's ``y`` columns) of each site,
            or -1 for none.
        extras
            The new extra slots of each site (0 where it cannot expand).

        Returns
        -------
        bool
            True when the move was kept; False when it was undone.
        """
        self.tried += 1
        ok = bool(
            compiled(try_move)(
                self.a_ptr,
                self.a_pairs,
                self.s_ptr,
                self.s_pairs,
                self.pair_area,
                self.pair_site,
                self.req,
                self.base_cap,
                self.existing,
                self.opt_slots,
                self.opt_row,
                self.opt_aff,
                self.ext_aff,
                self.site_opt,
                self.site_ext,
                self.x,
                self.load,
                self.served,
                self.cap,
                self.demo_count,
                self.demo_need,
                self.scal,
                np.asarray(sites, dtype=np.int64),
                np.asarray(options, dtype=np.int64),
                np.asarray(extras, dtype=np.float64),
                self._area_mark,
                self._site_mark,
                self._area_par,
                self._site_par,
                self._queue,
                self._log_p,
                self._log_v,
            )
        )
        self.kept += int(ok)
        return ok

    def try_site(self, site: int, option: int, extra: float) -> bool:
        """:meth:`try_move` for one site: its new option (or -1) and extra slots."""
        return self.try_move(
            np.array([site], dtype=np.int64),
            np.array([option], dtype=np.int64),
            np.array([extra], dtype=np.float64),
        )

    def _site_cost(self, j: int) -> float:
        k = int(self.site_opt[j])
        return float((self.opt_cost[k] if k >= 0 else 0.0) + self.ext_cost[j] * self.site_ext[j])

    def _moves(self, j: int) -> list[tuple[float, list[int], list[int], list[float]]]:
        """Cheaper moves that free or shrink site ``j``, the largest saving first."""
        k = int(self.site_opt[j])
        e = float(self.site_ext[j])
        here = self._site_cost(j)
        load = float(self.load[j])
        demo = k >= 0 and self.opt_row[k] >= 0
        moves: list[tuple[float, list[int], list[int], list[float]]] = []
        if here <= 0:
            return moves
        moves.append((-here, [j], [-1], [0.0]))
        # smaller options, and fewer extra slots
        for k2 in self.o_list[self.o_ptr[j] : self.o_ptr[j + 1]].tolist():
            if k >= 0 and self.opt_cost[k2] < self.opt_cost[k]:
                moves.append((self.opt_cost[k2] - self.opt_cost[k], [j], [k2], [e]))
        if e > 0:
            need = max(0.0, np.ceil(load - self.cap[j] + e - 1e-9))
            if need < e:
                moves.append((self.ext_cost[j] * (need - e), [j], [k], [need]))
        for j2 in self.n_idx[self.n_ptr[j] : self.n_ptr[j + 1]].tolist():
            k2 = int(self.site_opt[j2])
            opts = self.o_list[self.o_ptr[j2] : self.o_ptr[j2 + 1]]
            if demo:
                opts = opts[self.opt_row[opts] == self.opt_row[k]]
            spare = float(self.cap[j2] - self.load[j2])
            if len(opts):
                current = self.opt_cost[k2] if k2 >= 0 else 0.0
                base = self.opt_slots[k2] if k2 >= 0 else 0.0
                grow = opts[(self.opt_slots[opts] > base) | (demo & (k2 != opts))]
                grow = grow[self.opt_cost[grow] - current < here]
                if len(grow):
                    fits = grow[self.opt_slots[grow] - base + spare >= load - 1e-9]
                    pick = (
                        fits[np.argmin(self.opt_cost[fits])]
                        if len(fits)
                        else grow[np.argmax(self.opt_slots[grow])]
                    )
                    moves.append(
                        (
                            self.opt_cost[pick] - current - here,
                            [j2, j],
                            [int(pick), -1],
                            [float(self.site_ext[j2]), 0.0],
                        )
                    )
            room = self.ext_max[j2] - self.site_ext[j2]
            if room > 0 and not demo and (self.existing[j2] or k2 >= 0):
                add = min(room, max(1.0, np.ceil(load - spare - 1e-9)))
                delta = self.ext_cost[j2] * add - here
                if delta < 0:
                    moves.append((delta, [j2, j], [k2, -1], [self.site_ext[j2] + add, 0.0]))
        moves.sort(key=lambda m: m[0])
        return moves

    def _descend(
        self,
        order: list[int],
        deadline: float,
        on_move: Callable[[CostSearch], None] | None,
        stop: threading.Event | None = None,
    ) -> bool:
        """First-improvement descent from the sites in ``order``; True at a local optimum.

        A site whose move is kept puts its neighbours back in the queue (the sites
        whose moves the change may have made feasible or cheaper).
        """
        queue = deque(order)
        queued = np.zeros(self.n_sites, dtype=bool)
        queued[order] = True
        while queue:
            if time.perf_counter() >= deadline or (stop is not None and stop.is_set()):
                return False
            j = queue.popleft()
            queued[j] = False
            if self.site_opt[j] < 0 and self.site_ext[j] <= 0:
                continue
            for _, sites, opts, exts in self._moves(j):
                if self.try_move(
                    np.asarray(sites, dtype=np.int64),
                    np.asarray(opts, dtype=np.int64),
                    np.asarray(exts, dtype=np.float64),
                ):
                    if on_move is not None:
                        on_move(self)
                    for changed in sites:
                        near = self.n_idx[self.n_ptr[changed] : self.n_ptr[changed + 1]]
                        for k in [changed, *near.tolist()]:
                            if not queued[k]:
                                queued[k] = True
                                queue.append(k)
                    break
        return True

    def _kick(self, rng: np.random.Generator) -> list[int]:
        """Open a closed site (or grow an open one) at its largest size; the sites to revisit."""
        candidates = np.flatnonzero(np.diff(self.o_ptr) > 0)
        if not len(candidates):
            return []
        j = int(rng.choice(candidates))
        opts = self.o_list[self.o_ptr[j] : self.o_ptr[j + 1]]
        plain = opts[self.opt_row[opts] < 0]
        pick = plain if len(plain) else opts
        k = int(pick[np.argmax(self.opt_slots[pick])])
        if k == self.site_opt[j]:
            return []
        if not self.try_site(j, k, float(self.site_ext[j])):
            return []
        near = self.n_idx[self.n_ptr[j] : self.n_ptr[j + 1]].tolist()
        return [j, *near]

    def improve(
        self,
        *,
        time_limit_s: float,
        seed: int = 0,
        on_move: Callable[[CostSearch], None] | None = None,
        kicks: bool = True,
        stop: threading.Event | None = None,
    ) -> SearchStats:
        """Keep cheaper moves until none improves, then kick and descend again, until the time.

        The descent visits every active site, and revisits the neighbours of each
        kept move. At a local optimum, when ``kicks`` is set and time is left, a
        random site is opened at its largest size (a kick) and the descent runs
        again around it; the result is kept when it is cheaper than the best plan,
        otherwise the best plan is restored (an iterated local search).

        Parameters
        ----------
        time_limit_s
            Wall-clock limit.
        seed
            Seeds the order in which sites are visited and the kicks.
        on_move
            Called after every kept move (tests check each plan with it).
        kicks
            Whether to go on from a local optimum with kicks.
        stop
            When set (from another thread), the search stops after the current move.

        Returns
        -------
        SearchStats
            What the search did; the state is the best plan found.
        """
        began = time.perf_counter()
        deadline = began + time_limit_s
        rng = np.random.default_rng(seed)
        start_cost = self.cost()
        tried0, kept0 = self.tried, self.kept
        active = np.flatnonzero((self.site_opt >= 0) | (self.site_ext > 0))
        local_optimum = self._descend(rng.permutation(active).tolist(), deadline, on_move, stop)
        rounds = 1
        if local_optimum and kicks:
            best_cost, best = self.cost(), self.values()
            while time.perf_counter() < deadline and not (stop is not None and stop.is_set()):
                rounds += 1
                focus = self._kick(rng)
                if not focus:
                    continue
                done = self._descend(focus, deadline, on_move, stop)
                cost = self.cost()
                if done and cost < best_cost - 1e-6 * max(1.0, abs(best_cost)):
                    best_cost, best = cost, self.values()
                elif cost != best_cost or not done:
                    self.load_plan(best)
        return SearchStats(
            start_cost=start_cost,
            cost=self.cost(),
            tried=self.tried - tried0,
            kept=self.kept - kept0,
            passes=rounds,
            seconds=time.perf_counter() - began,
            local_optimum=local_optimum,
        )
