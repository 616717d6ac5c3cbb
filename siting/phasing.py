r"""Phasing by year: one multi-period siting MIP whose sites carry their opening year.

The policy is phased (广府办发〔2020〕17号): a demonstration facility in every
county/district by the end of 2020 (R5), the slot ratios by 2025. A scenario's
``[[phases]]`` (:class:`siting.scenario.Phase`) gives, for each year, the share
of the final requirement to reach (or that year's ratios), the money of that
year and the rules in force. This module turns them into one mixed-integer
program over all years, solves it in a lexicographic order, and projects each
year's state back onto the single-period model of :mod:`siting.model`, so the
plan of every year is extracted, summarized and checked as any plan is.

Formulation
-----------

The symbols of :mod:`siting.model`, plus:

.. list-table:: Symbols
   :header-rows: 1

   * - symbol
     - meaning
   * - :math:`\tau \in T = \{1..n\}`
     - the phases' years, earliest first
   * - :math:`R_{i\tau}`
     - required slots of :math:`i` by the end of year :math:`\tau` (0 when the
       year's rules leave out ``"ratios"``)
   * - :math:`B_\tau`, :math:`B`
     - the money of year :math:`\tau` (optional); the total ``policy.budget`` (optional)
   * - :math:`T^{\mathrm{demo}}, T^{\mathrm{aff}} \subseteq T`
     - years in which R5 (demonstration) and R8 (affordable share) are in force
   * - :math:`y_{jk\tau} \in \{0,1\}`
     - site :math:`j` opens with option :math:`k` in year :math:`\tau`
   * - :math:`z_{j\tau} \in \{0,1\}, e_{j\tau} \in \mathbb{Z}_{\ge 0}`
     - existing facility :math:`j` expands in year :math:`\tau`, by :math:`e_{j\tau}` slots
   * - :math:`x_{ij\tau}, s_{i\tau}, t_{d\tau}, u_\tau \ge 0`
     - the year's assignment, shortfall, missing demonstration facilities and
       missing affordable slots

A site opens at most once and never closes; an existing facility expands at
most once (its "opening year" in the outputs), and its capacity counts from
that year on:

.. math::

   \sum_{k,\tau} y_{jk\tau} &\le 1, \qquad \sum_\tau z_{j\tau} \le 1,
       \qquad e_{j\tau} \le E_j z_{j\tau} \\
   \sum_{j} x_{ij\tau} + s_{i\tau} &\ge R_{i\tau} && \forall i, \tau \\
   \sum_{i} x_{ij\tau} &\le S_j + \sum_{\tau' \le \tau}
       \Big(e_{j\tau'} + \sum_k q_k y_{jk\tau'}\Big) && \forall j, \tau \\
   x_{ij\tau} &\le \min(R_{i\tau}, \max_k q_k) \sum_{k, \tau' \le \tau} y_{jk\tau'}
       && j \text{ new} \\
   \sum_{j \in G_d,\ k\ \mathrm{demo},\ \tau' \le \tau} y_{jk\tau'} + t_{d\tau}
       &\ge D - D^{\mathrm{existing}}_d && \forall d,\ \tau \in T^{\mathrm{demo}} \\
   \sum_{jk} c_{jk} y_{jk\tau} + \sum_j e^c_j e_{j\tau} &\le B_\tau && \forall \tau \\
   \sum_\tau \Big(\sum_{jk} c_{jk} y_{jk\tau} + \sum_j e^c_j e_{j\tau}\Big) &\le B \\
   \sum_j (a_j - \alpha)\Big(S_j + \sum_{\tau' \le \tau}
       \big(e_{j\tau'} + \sum_k q_k y_{jk\tau'}\big)\Big) + u_\tau &\ge 0
       && \tau \in T^{\mathrm{aff}}

The lexicographic order
-----------------------

The single-period model puts shortfall before cost before distance; so does
this one, with the years of each level earliest first:

1. :math:`\min\ W_\tau \sum_d t_{d\tau} + \sum_i s_{i\tau} + u_\tau` for each year in
   turn, earliest first (:math:`W_\tau = 1 + \sum_i R_{i\tau}`), each holding the
   years before at their optimum;
2. :math:`\min \sum_\tau \delta_\tau \big(\sum_{jk} c_{jk} y_{jk\tau} + \sum_j e^c_j
   e_{j\tau}\big)`, what the years spend in present value at the first year,
   :math:`\delta_\tau = (1 + r)^{-(\tau - \tau_1)}` with ``costs.discount_rate`` :math:`r`;
3. :math:`\min` the slot-weighted walking distance over all years, with the
   facilities, sizes and years of stage 2 kept: the demand is reassigned (a
   linear program). Searching the facility sets of equal present cost for
   shorter walks, a tie-breaker, did not finish in 60 s on the sample.

Why this order. The policy's deadlines come in order, and an earlier year's
shortfall cannot be repaired later: children not served in 2020 are not
served by a facility of 2025, while 2025 can still be met by what 2020 opens.
So no later year may buy its slots with an earlier year's. Every year's
shortfall comes before any cost, as in one year: a plan that saves money in
2020 by opening a demonstration facility that serves nobody in 2025 would pay
for it in 2025's slots. Cost is then one stage over all the years, because
each year's own budget :math:`B_\tau` already bounds what it spends;
minimizing 2020's spending first would defer a site to 2025 at a higher
total cost. It is counted in present value, so that of two plans with the
same shortfalls the one that spends later is preferred, and a site opens
before it is needed only when a later year's money cannot pay for it (with
:math:`r = 0`, the year of such a site would be arbitrary). And
because the years are solved as one program, not greedily one after another,
2020's choice (which demonstration site, which size) is the one that serves
2025 best within 2020's money.

Each stage is a MIP solved with :func:`siting.solve.solve_lexicographic`
(HiGHS or CBC through :mod:`siting.mip`); the plan's status is the weakest
stage's, never "optimal" for a stage stopped at a limit.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from siting.demand import reported_slots
from siting.errors import ScenarioError
from siting.mip import INF, MatrixModel
from siting.model import SitingModel, SitingProblem
from siting.scenario import Phase, Scenario
from siting.solve import SitingSolution, solve_lexicographic

__all__ = [
    "PhaseDemand",
    "PhaseTarget",
    "PhasedIndex",
    "PhasedModel",
    "build_phased_model",
    "opening_years",
    "phase_demands",
    "phase_spending",
    "single_problem",
    "solve_phased",
    "year_values",
]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

_RESIDENT_CLASSES = ("new", "old", "rural")


@dataclass(frozen=True)
class PhaseTarget:
    """What one year of a phased plan must reach, and its money.

    Attributes
    ----------
    year
        The year.
    required
        Slots each demand item needs by the end of the year, indexed by ``demand_id``.
    budget
        The money of the year, or ``None`` for no yearly limit.
    demonstration
        Whether R5 (demonstration facilities per district) is in force.
    affordable
        Whether R8 (the minimum affordable share) is in force.
    """

    year: int
    required: pd.Series
    budget: float | None = None
    demonstration: bool = True
    affordable: bool = True


@dataclass(frozen=True)
class PhaseDemand:
    """One year's demand, as the single-period stages read it.

    Attributes
    ----------
    phase
        The scenario's phase.
    area_table
        :func:`siting.demand.area_demand` with this year's ratios and slots.
    items
        :func:`siting.demand.demand_items` with this year's ``required``.
    """

    phase: Phase
    area_table: pd.DataFrame
    items: pd.DataFrame

    def target(self) -> PhaseTarget:
        """The year as the phased model reads it."""
        return PhaseTarget(
            year=self.phase.year,
            required=self.items["required"].astype(float),
            budget=self.phase.budget,
            demonstration="demonstration" in self.phase.rules,
            affordable="affordable" in self.phase.rules,
        )


def _year_ratios(phase: Phase, scenario: Scenario) -> dict[str, float]:
    """This year's slots per 1,000 by class: the phase's ratios, or its share of the final ones."""
    final = {c: float(getattr(scenario.ratios, c)) for c in (*_RESIDENT_CLASSES, "migrant")}
    if "ratios" not in phase.rules:
        return dict.fromkeys(final, 0.0)
    if phase.ratios:
        return {c: float(phase.ratios.get(c, v)) for c, v in final.items()}
    share = 1.0 if phase.share is None else float(phase.share)
    return {c: v * share for c, v in final.items()}


def _slots(ratio: pd.Series | float, people: pd.Series, *, round_up: bool) -> pd.Series:
    raw = people * ratio / 1000.0
    out = np.ceil(raw - 1e-9) if round_up else raw
    return out.clip(lower=0) + 0.0


def phase_demands(
    items: pd.DataFrame, area_table: pd.DataFrame, *, scenario: Scenario
) -> list[PhaseDemand]:
    """Each phase's demand: the areas' and items' slots at that year's ratios.

    Area slots are computed from the people and the year's ratio as
    :func:`siting.demand.area_demand` does (rounded up per area with
    ``demand.round_up``); a workplace's migrant slots are its final slots times
    the year's migrant ratio over the final one.

    Parameters
    ----------
    items
        :func:`siting.demand.demand_items` at the final ratios.
    area_table
        :func:`siting.demand.area_demand` at the final ratios.
    scenario
        The scenario with its ``phases``.

    Returns
    -------
    list of PhaseDemand
        One per phase, earliest first.

    Raises
    ------
    ScenarioError
        If the scenario has no phases.
    """
    if not scenario.phases:
        raise ScenarioError("the scenario has no [[phases]]. Fix: add at least one [[phases]].")
    round_up = scenario.demand.round_up
    out: list[PhaseDemand] = []
    for phase in scenario.phases:
        ratios = _year_ratios(phase, scenario)
        table = area_table.copy()
        status = table["status"].astype(str)
        ratio = status.map({c: ratios[c] for c in _RESIDENT_CLASSES}).astype(float)
        table["ratio"] = ratio
        table["required_slots"] = _slots(ratio, table["planned_population"], round_up=round_up)
        table["required_slots_rounded"] = reported_slots(table["required_slots"], scenario=scenario)
        table["migrant_slots"] = _slots(
            ratios["migrant"], table["migrant_population"], round_up=round_up
        )
        year_items = items.copy()
        resident = year_items["kind"] == "resident"
        year_items.loc[resident, "required"] = (
            table["required_slots"].reindex(year_items.loc[resident, "area_id"]).to_numpy()
        )
        area_migrant = (year_items["kind"] == "migrant") & year_items["area_id"].notna()
        year_items.loc[area_migrant, "required"] = (
            table["migrant_slots"]
            .rename(index=str)
            .reindex(year_items.loc[area_migrant, "area_id"])
            .to_numpy()
        )
        work = year_items["workplace_id"].notna()
        final_migrant = float(scenario.ratios.migrant)
        factor = ratios["migrant"] / final_migrant if final_migrant > 0 else 0.0
        scaled = year_items.loc[work, "required"].astype(float) * factor
        year_items.loc[work, "required"] = np.ceil(scaled - 1e-9) if round_up else scaled
        year_items["required"] = year_items["required"].astype(float).fillna(0.0)
        out.append(PhaseDemand(phase=phase, area_table=table, items=year_items))
    return out


@dataclass(frozen=True)
class PhasedIndex:
    """Where each kind of variable sits among the phased model's columns.

    Attributes
    ----------
    years
        The phases' years, earliest first.
    y0, z0, e0, s0
        First columns of the opening (``y[k, τ]`` at ``y0 + τ·n_y + k``), expansion
        (``z``, ``e``: ``z0 + τ·n_e + n``) and shortfall (``s0 + τ·n_i + i``) blocks.
    n_y, n_e, n_i
        Options, expandable existing facilities, demand items.
    x_cols, x_pairs
        Per year: the first column of its assignments, and the pair (row of
        ``problem.pairs``) of each.
    t_cols
        Per year: the first column of its demonstration slacks, or -1 when R5 is
        not in force that year.
    u_cols
        Per year: the column of its affordable slack, or -1.
    n_t
        Districts still needing demonstration facilities (slacks per year).
    """

    years: tuple[int, ...]
    y0: int
    z0: int
    e0: int
    s0: int
    n_y: int
    n_e: int
    n_i: int
    x_cols: tuple[int, ...]
    x_pairs: tuple[IntArray, ...]
    t_cols: tuple[int, ...]
    u_cols: tuple[int, ...]
    n_t: int

    def y(self, pos: int) -> slice:
        """The opening columns of the ``pos``-th year."""
        return slice(self.y0 + pos * self.n_y, self.y0 + (pos + 1) * self.n_y)

    def z(self, pos: int) -> slice:
        """The expansion-choice columns of the ``pos``-th year."""
        return slice(self.z0 + pos * self.n_e, self.z0 + (pos + 1) * self.n_e)

    def e(self, pos: int) -> slice:
        """The expansion-slot columns of the ``pos``-th year."""
        return slice(self.e0 + pos * self.n_e, self.e0 + (pos + 1) * self.n_e)

    def s(self, pos: int) -> slice:
        """The shortfall columns of the ``pos``-th year."""
        return slice(self.s0 + pos * self.n_i, self.s0 + (pos + 1) * self.n_i)

    def x(self, pos: int) -> slice:
        """The assignment columns of the ``pos``-th year."""
        return slice(self.x_cols[pos], self.x_cols[pos] + len(self.x_pairs[pos]))


@dataclass(frozen=True)
class PhasedModel:
    """The built multi-period model: constraints and the objectives in lexicographic order.

    Attributes
    ----------
    base
        Constraints and bounds (with the first objective).
    objectives
        ``(name, coefficients)`` in the order they are optimized:
        ``"shortfall 2020"``, ``"shortfall 2025"``, ..., ``"cost"``, ``"distance"``.
        A year with nothing to fall short of has no shortfall stage.
    cost_by_year
        Per year, the coefficients of what that year spends.
    index
        Where the variables are.
    single
        The single-period index the years are projected onto (:func:`year_values`).
    start
        A feasible plan that opens nothing (every requirement a shortfall).
    """

    base: MatrixModel
    objectives: tuple[tuple[str, FloatArray], ...]
    cost_by_year: tuple[FloatArray, ...]
    index: PhasedIndex
    start: FloatArray

    @property
    def years(self) -> tuple[int, ...]:
        """The phases' years."""
        return self.index.years


def build_phased_model(
    problem: SitingProblem, targets: Sequence[PhaseTarget], *, discount_rate: float = 0.0
) -> PhasedModel:
    """Build the multi-period siting MIP (vectorized, no per-variable objects).

    Parameters
    ----------
    problem
        The sites, options, pairs, districts and policy of the single-period model
        (its ``budget`` is the total over all years; its demand's ``required`` is
        not used, each year's is in ``targets``).
    targets
        One per year, earliest first.
    discount_rate
        The yearly rate :math:`r` at which the cost stage discounts later
        spending to the first year (``costs.discount_rate``).

    Returns
    -------
    PhasedModel
        Arrays ready for :func:`solve_phased`.

    Raises
    ------
    ScenarioError
        If there are no targets or their years are not increasing.
    """
    began = time.perf_counter()
    if not targets:
        raise ScenarioError("a phased plan needs at least one year. Fix: add a [[phases]] table.")
    years = tuple(t.year for t in targets)
    if any(b <= a for a, b in itertools.pairwise(years)):
        raise ScenarioError(f"the phases' years {years} must increase. Fix: list them in order.")
    demand, sites, options, pairs = problem.demand, problem.sites, problem.options, problem.pairs
    n_tau = len(targets)
    n_i, n_j, n_y = len(demand), len(sites), len(options)
    req = np.vstack(
        [t.required.reindex(demand.index).fillna(0.0).to_numpy(dtype=np.float64) for t in targets]
    )
    opt_site = sites.index.get_indexer(pd.Index(options["site_id"])).astype(np.int64)
    opt_slots = options["slots"].to_numpy(dtype=np.float64)
    opt_cost = options["cost"].to_numpy(dtype=np.float64)
    opt_demo = options["demonstration"].to_numpy(dtype=bool)
    pair_i = demand.index.get_indexer(pd.Index(pairs["demand_id"])).astype(np.int64)
    pair_j = sites.index.get_indexer(pd.Index(pairs["site_id"])).astype(np.int64)
    pair_d = pairs["distance_m"].to_numpy(dtype=np.float64)
    if (opt_site < 0).any() or (pair_i < 0).any() or (pair_j < 0).any():
        raise ScenarioError("options or pairs refer to unknown ids (a bug in the caller)")

    existing = sites["existing"].to_numpy(dtype=bool)
    existing_slots = sites["existing_slots"].to_numpy(dtype=np.float64)
    max_extra = np.where(existing, sites["max_extra_slots"].to_numpy(dtype=np.float64), 0.0)
    expand_sites = np.flatnonzero(max_extra > 0)
    exp_cost = sites["expansion_cost_per_slot"].to_numpy(dtype=np.float64)[expand_sites]
    n_e = len(expand_sites)
    affordable = sites["affordable"].to_numpy(dtype=bool)
    site_district = sites["district_id"].astype(object).to_numpy()

    districts = pd.Index(problem.districts, dtype=object)
    demo_rhs = np.zeros(len(districts))
    if problem.demonstration_per_district > 0 and len(districts):
        have = sites.loc[sites["demonstration_existing"].astype(bool), "district_id"]
        counts = have.value_counts().reindex(districts, fill_value=0).to_numpy()
        demo_rhs = np.maximum(problem.demonstration_per_district - counts, 0).astype(np.float64)
    demo_rows = np.flatnonzero(demo_rhs > 0)
    n_t = len(demo_rows)
    use_afford = problem.min_affordable_share is not None

    # columns
    y0 = 0
    z0 = y0 + n_tau * n_y
    e0 = z0 + n_tau * n_e
    s0 = e0 + n_tau * n_e
    col = s0 + n_tau * n_i
    x_cols, x_pairs, t_cols, u_cols = [], [], [], []
    for pos in range(n_tau):
        keep = np.flatnonzero(req[pos, pair_i] > 0)
        x_cols.append(col)
        x_pairs.append(keep.astype(np.int64))
        col += len(keep)
    for target in targets:
        if target.demonstration and n_t:
            t_cols.append(col)
            col += n_t
        else:
            t_cols.append(-1)
    for target in targets:
        if target.affordable and use_afford:
            u_cols.append(col)
            col += 1
        else:
            u_cols.append(-1)
    n_cols = col
    index = PhasedIndex(
        years=years,
        y0=y0,
        z0=z0,
        e0=e0,
        s0=s0,
        n_y=n_y,
        n_e=n_e,
        n_i=n_i,
        x_cols=tuple(x_cols),
        x_pairs=tuple(x_pairs),
        t_cols=tuple(t_cols),
        u_cols=tuple(u_cols),
        n_t=n_t,
    )

    rows: list[IntArray] = []
    cols: list[IntArray] = []
    vals: list[FloatArray] = []
    lower: list[FloatArray] = []
    upper: list[FloatArray] = []
    r = 0

    def add(ri: npt.ArrayLike, ci: npt.ArrayLike, vi: npt.ArrayLike) -> None:
        rows.append(np.asarray(ri, dtype=np.int64))
        cols.append(np.asarray(ci, dtype=np.int64))
        vals.append(np.asarray(vi, dtype=np.float64))

    def block(n: int, lo: FloatArray | float, hi: FloatArray | float) -> int:
        nonlocal r
        start = r
        lower.append(np.broadcast_to(np.asarray(lo, dtype=np.float64), (n,)).copy())
        upper.append(np.broadcast_to(np.asarray(hi, dtype=np.float64), (n,)).copy())
        r += n
        return start

    # site -> option incidence, to write "open by year τ" sums
    site_opt = sp.csr_array(
        (np.ones(n_y), (opt_site, np.arange(n_y))), shape=(n_j, n_y), dtype=np.float64
    )
    max_q = np.zeros(n_j)
    np.maximum.at(max_q, opt_site, opt_slots)
    dist_of_opt = districts.get_indexer(pd.Index(site_district[opt_site]))
    row_of_district = np.full(len(districts), -1)
    row_of_district[demo_rows] = np.arange(n_t)
    demo_sel = np.flatnonzero(opt_demo & (dist_of_opt >= 0))
    demo_sel = demo_sel[row_of_district[dist_of_opt[demo_sel]] >= 0]
    weight = affordable.astype(np.float64) - float(problem.min_affordable_share or 0.0)

    for pos, target in enumerate(targets):
        keep = x_pairs[pos]
        xc = x_cols[pos] + np.arange(len(keep))
        earlier = range(pos + 1)
        # 1. demand: sum_j x + s >= R
        rr = block(n_i, req[pos], INF)
        add(rr + pair_i[keep], xc, np.ones(len(keep)))
        add(rr + np.arange(n_i), s0 + pos * n_i + np.arange(n_i), np.ones(n_i))
        # 2. capacity: sum_i x - sum_{τ'≤τ} (q y + e) <= S
        rr = block(n_j, -INF, existing_slots)
        add(rr + pair_j[keep], xc, np.ones(len(keep)))
        for p in earlier:
            add(rr + opt_site, y0 + p * n_y + np.arange(n_y), -opt_slots)
            add(rr + expand_sites, e0 + p * n_e + np.arange(n_e), -np.ones(n_e))
        # 3. linking at new sites: x <= U * (open by τ)
        link = np.flatnonzero(~existing[pair_j[keep]])
        if len(link):
            big_u = np.minimum(req[pos, pair_i[keep[link]]], max_q[pair_j[keep[link]]])
            rr = block(len(link), -INF, 0.0)
            add(rr + np.arange(len(link)), xc[link], np.ones(len(link)))
            incidence = sp.coo_array(site_opt[pair_j[keep[link]]])
            for p in earlier:
                add(
                    rr + incidence.row,
                    y0 + p * n_y + incidence.col,
                    -big_u[incidence.row],
                )
        # 4. demonstration facilities per district (R5), when in force
        if t_cols[pos] >= 0:
            rr = block(n_t, demo_rhs[demo_rows], INF)
            for p in earlier:
                add(
                    rr + row_of_district[dist_of_opt[demo_sel]],
                    y0 + p * n_y + demo_sel,
                    np.ones(len(demo_sel)),
                )
            add(rr + np.arange(n_t), t_cols[pos] + np.arange(n_t), np.ones(n_t))
        # 5. the year's money
        if target.budget is not None:
            rr = block(1, -INF, float(target.budget))
            add(np.full(n_y, rr), y0 + pos * n_y + np.arange(n_y), opt_cost)
            add(np.full(n_e, rr), e0 + pos * n_e + np.arange(n_e), exp_cost)
        # 6. affordable share (R8), when in force
        if u_cols[pos] >= 0:
            rr = block(1, -float(weight @ existing_slots), INF)
            for p in earlier:
                add(np.full(n_y, rr), y0 + p * n_y + np.arange(n_y), weight[opt_site] * opt_slots)
                add(np.full(n_e, rr), e0 + p * n_e + np.arange(n_e), weight[expand_sites])
            add([rr], [u_cols[pos]], [1.0])

    # 7. a site opens at most once, with one option; an existing facility expands at most once
    rr = block(n_j, -INF, 1.0)
    for p in range(n_tau):
        add(rr + opt_site, y0 + p * n_y + np.arange(n_y), np.ones(n_y))
    if n_e:
        rr = block(n_e, -INF, 1.0)
        for p in range(n_tau):
            add(rr + np.arange(n_e), z0 + p * n_e + np.arange(n_e), np.ones(n_e))
        # 8. slots only in the year it expands: e <= E z
        rr = block(n_tau * n_e, -INF, 0.0)
        add(rr + np.arange(n_tau * n_e), e0 + np.arange(n_tau * n_e), np.ones(n_tau * n_e))
        add(
            rr + np.arange(n_tau * n_e),
            z0 + np.arange(n_tau * n_e),
            -np.tile(max_extra[expand_sites], n_tau),
        )
    # 9. the total budget over all years
    if problem.budget is not None:
        rr = block(1, -INF, float(problem.budget))
        add(np.full(n_tau * n_y, rr), y0 + np.arange(n_tau * n_y), np.tile(opt_cost, n_tau))
        add(np.full(n_tau * n_e, rr), e0 + np.arange(n_tau * n_e), np.tile(exp_cost, n_tau))

    a_matrix = sp.csr_array(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(r, n_cols)
    )
    col_lower = np.zeros(n_cols)
    col_upper = np.full(n_cols, INF)
    col_upper[y0:e0] = 1.0
    col_upper[e0:s0] = np.tile(max_extra[expand_sites], n_tau)
    col_upper[s0 : s0 + n_tau * n_i] = req.ravel()
    integer = np.zeros(n_cols, dtype=bool)
    integer[y0:s0] = True

    shortfall: list[tuple[str, FloatArray]] = []
    cost_by_year: list[FloatArray] = []
    distance = np.zeros(n_cols)
    start = np.zeros(n_cols)
    for pos, target in enumerate(targets):
        keep = x_pairs[pos]
        col_upper[index.x(pos)] = req[pos, pair_i[keep]]
        distance[index.x(pos)] = pair_d[keep]
        c = np.zeros(n_cols)
        c[index.s(pos)] = 1.0
        start[index.s(pos)] = req[pos]
        if t_cols[pos] >= 0:
            tc = slice(t_cols[pos], t_cols[pos] + n_t)
            col_upper[tc] = demo_rhs[demo_rows]
            c[tc] = 1.0 + float(req[pos].sum())
            start[tc] = demo_rhs[demo_rows]
        if u_cols[pos] >= 0:
            col_upper[u_cols[pos]] = INF
            c[u_cols[pos]] = 1.0
            start[u_cols[pos]] = max(0.0, -float(weight @ existing_slots))
        if c.any():
            shortfall.append((f"shortfall {target.year}", c))
        spend = np.zeros(n_cols)
        spend[index.y(pos)] = opt_cost
        spend[index.e(pos)] = exp_cost
        cost_by_year.append(spend)
    delta = (1.0 + discount_rate) ** -(np.asarray(years, dtype=np.float64) - years[0])
    cost = np.sum([d * c for d, c in zip(delta, cost_by_year, strict=True)], axis=0)
    objectives = (*shortfall, ("cost", cost), ("distance", distance))
    base = MatrixModel(
        c=objectives[0][1],
        A=a_matrix,
        row_lower=np.concatenate(lower),
        row_upper=np.concatenate(upper),
        col_lower=col_lower,
        col_upper=col_upper,
        integer=integer,
        build_s=time.perf_counter() - began,
    )
    return PhasedModel(
        base=base,
        objectives=objectives,
        cost_by_year=tuple(cost_by_year),
        index=index,
        start=start,
    )


def solve_phased(
    model: PhasedModel,
    *,
    solver: str = "highs",
    time_limit_s: float | None = 120.0,
    gap: float | None = 0.005,
    threads: int | None = None,
) -> SitingSolution:
    """Solve the phased model in its lexicographic order (see the module's docstring).

    Parameters
    ----------
    model
        The built model.
    solver
        ``"highs"`` or ``"cbc"``.
    time_limit_s
        Time limit per stage.
    gap
        Relative gap at which each stage may stop.
    threads
        Solver threads.

    Returns
    -------
    SitingSolution
        Values of the phased model's columns, and each stage's honest statistics.
    """
    return solve_lexicographic(
        model.base,
        model.objectives,
        start=model.start,
        solver=solver,
        time_limit_s=time_limit_s,
        gap=gap,
        threads=threads,
        reassign_last=True,
    )


def year_values(
    model: PhasedModel, values: FloatArray, *, year: int, single: SitingModel
) -> FloatArray:
    """A year's state as values of the single-period model's columns.

    Sites opened by that year are open with their option; expansions made by
    then are in place; the assignments and shortfalls are that year's. The
    demonstration and affordable slacks are what the single model's rules ask
    of that state, whether or not they were in force that year.

    Parameters
    ----------
    model
        The phased model.
    values
        Its column values (:func:`solve_phased`).
    year
        One of the phases' years.
    single
        :func:`siting.model.build_model` of the same problem with that year's
        requirement.

    Returns
    -------
    numpy.ndarray
        One value per column of ``single``.
    """
    ix, sx = model.index, single.index
    pos = ix.years.index(year)
    out = np.zeros(single.base.num_cols)
    out[sx.y] = sum((values[ix.y(p)] for p in range(pos + 1)), np.zeros(ix.n_y))
    out[sx.e] = sum((values[ix.e(p)] for p in range(pos + 1)), np.zeros(ix.n_e))
    x = np.zeros(sx.x.stop - sx.x.start)
    x[ix.x_pairs[pos]] = values[ix.x(pos)]
    out[sx.x] = x
    out[sx.s] = values[ix.s(pos)]
    picked = np.flatnonzero(out[sx.y] > 0.5)
    demo_open = np.array(
        [
            np.count_nonzero(sx.y_demo[picked] & (sx.y_district_code[picked] == d))
            for d in sx.t_district_code
        ],
        dtype=np.float64,
    )
    out[sx.t] = np.maximum(sx.t_need - demo_open, 0.0)
    if sx.u.stop > sx.u.start:
        row = sp.csr_array(single.base.A)[[-1], :].toarray().ravel()
        out[sx.u] = max(0.0, float(single.base.row_lower[-1]) - float(row @ out))
    return out


def opening_years(model: PhasedModel, values: FloatArray, *, single: SitingModel) -> pd.Series:
    """The year each site opens (a new site) or expands (an existing facility).

    Parameters
    ----------
    model
        The phased model.
    values
        Its column values.
    single
        The single-period model of the same problem (for the site ids).

    Returns
    -------
    pandas.Series
        Year by ``site_id``, for the sites that open or expand in some year.
    """
    ix, sx = model.index, single.index
    years: dict[str, int] = {}
    for pos, year in enumerate(ix.years):
        for site in sx.y_site[values[ix.y(pos)] > 0.5]:
            years.setdefault(str(site), year)
        grown = (values[ix.z(pos)] > 0.5) & (values[ix.e(pos)] > 0.5)
        for site in sx.e_site[grown]:
            years.setdefault(str(site), year)
    return pd.Series(years, dtype="Int64", name="opening_year")


def phase_spending(model: PhasedModel, values: FloatArray) -> pd.Series:
    """What each year spends (its new facilities and expansions).

    Parameters
    ----------
    model
        The phased model.
    values
        Its column values.

    Returns
    -------
    pandas.Series
        Money by year.
    """
    return pd.Series(
        [float(c @ values) for c in model.cost_by_year], index=list(model.years), dtype=float
    )


def single_problem(problem: SitingProblem, demand: PhaseDemand) -> SitingProblem:
    """The single-period problem of one year: its requirement, the total budget."""
    return replace(problem, demand=demand.items)
