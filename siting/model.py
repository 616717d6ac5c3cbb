r"""The facility-siting integer program, built from tables into arrays.

The model places and sizes childcare facilities so that every demand
(a residential area's residents, or migrant demand at an area or a
workplace) gets its required slots within walking distance, at the lowest
cost. It is built from four plain tables (a :class:`SitingProblem`), so it
can be tested without geometry and fed with any sparse distance table.

Formulation
-----------

.. list-table:: Symbols
   :header-rows: 1

   * - symbol
     - meaning
   * - :math:`i \in I`
     - demand items (an area's residents, an area's or a workplace's migrants)
   * - :math:`j \in J`
     - sites: candidate parcels, co-located sites of new areas, existing facilities
   * - :math:`k \in K_j`
     - size options site :math:`j` can take (its floor and land allow them)
   * - :math:`P \subseteq I \times J`
     - pairs within the service distance of :math:`i`'s class (R1: new areas pair
       only with sites in or beside their development)
   * - :math:`R_i`
     - required slots of :math:`i`
   * - :math:`q_k, c_{jk}`
     - slots and cost of option :math:`k` at site :math:`j`
   * - :math:`S_j, E_j, e^c_j`
     - existing slots, most extra slots and cost per extra slot at an existing facility
   * - :math:`d_{ij}`
     - walking distance
   * - :math:`G_d, D`
     - sites in district :math:`d`; demonstration facilities required per district (R5)
   * - :math:`B, \alpha`
     - optional budget; optional minimum affordable share (R8); :math:`a_j = 1` when
       site :math:`j` is affordable (普惠)
   * - :math:`y_{jk} \in \{0,1\}`
     - open site :math:`j` with option :math:`k`
   * - :math:`e_j \in \mathbb{Z}_{\ge 0}`
     - extra slots at existing facility :math:`j`
   * - :math:`x_{ij} \ge 0`
     - slots at :math:`j` serving :math:`i`
   * - :math:`s_i \ge 0, t_d \ge 0, u \ge 0`
     - shortfall of :math:`i`; missing demonstration facilities in :math:`d`;
       missing affordable slots

Constraints:

.. math::

   \sum_{j:(i,j)\in P} x_{ij} + s_i &\ge R_i && \forall i \\
   \sum_{i:(i,j)\in P} x_{ij} &\le S_j + e_j + \sum_k q_k y_{jk} && \forall j \\
   \sum_k y_{jk} &\le 1 && \forall j \\
   x_{ij} &\le \min(R_i, \max_k q_k) \sum_k y_{jk} && \forall (i,j)\in P,\ j \text{ new} \\
   \sum_{j \in G_d} \sum_{k\ \mathrm{demo}} y_{jk} + t_d &\ge D - D^{\mathrm{existing}}_d
       && \forall d \\
   \sum_{jk} c_{jk} y_{jk} + \sum_j e^c_j e_j &\le B \\
   \sum_j (a_j - \alpha)\Big(S_j + e_j + \sum_k q_k y_{jk}\Big) + u &\ge 0

The objective is lexicographic, solved as three problems in turn, each
keeping the optimum of the one before as a constraint (so a cheaper plan
with more shortfall is never chosen):

1. :math:`\min\ W \sum_d t_d + \sum_i s_i + u`, with :math:`W = 1 + \sum_i R_i`
   so that one missing demonstration facility weighs more than every slot;
2. :math:`\min \sum_{jk} c_{jk} y_{jk} + \sum_j e^c_j e_j`;
3. :math:`\min \sum_{(i,j) \in P} d_{ij} x_{ij}`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from siting._said import Said
from siting._values import mistyped_ids_problem
from siting.errors import InputError, Problem
from siting.mip import INF, MatrixModel

__all__ = [
    "ModelIndex",
    "SitingModel",
    "SitingProblem",
    "build_model",
    "check_problem",
    "presolve_checks",
]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class SitingProblem:
    """The siting model's data, as tables keyed by ids.

    Attributes
    ----------
    demand
        Index ``demand_id``. Columns ``required`` (slots), ``area_id`` (or
        ``None`` for a workplace), ``kind`` (``"resident"`` or ``"migrant"``).
    sites
        Index ``site_id``. Columns ``district_id``, ``existing`` (bool),
        ``existing_slots``, ``max_extra_slots``, ``expansion_cost_per_slot``,
        ``affordable`` (bool), ``demonstration_existing`` (bool).
    options
        One row per allowed (site, option) of a new facility: ``site_id``,
        ``option``, ``slots``, ``cost``, ``demonstration`` (bool).
    pairs
        ``demand_id``, ``site_id``, ``distance_m``: who may be served where.
    districts
        Districts that need demonstration facilities (R5).
    outside_districts
        Districts of the districts layer that hold no residential area and no site:
        outside the study area, so nothing is required of them here (a finding says so).
    demonstration_per_district
        How many per district.
    budget
        Optional total budget.
    min_affordable_share
        Optional minimum share of affordable slots (R8).
    """

    demand: pd.DataFrame
    sites: pd.DataFrame
    options: pd.DataFrame
    pairs: pd.DataFrame
    districts: tuple[str, ...] = ()
    demonstration_per_district: int = 1
    budget: float | None = None
    min_affordable_share: float | None = None
    outside_districts: tuple[str, ...] = ()


@dataclass(frozen=True)
class ModelIndex:
    """Where each kind of variable sits among the model's columns.

    Attributes
    ----------
    y, e, x, s, t, u
        Column slices of the option, expansion, assignment, shortfall,
        demonstration-slack and affordable-slack variables.
    y_site, y_option
        The site id and option name of each ``y`` column.
    e_site
        The site id of each ``e`` column.
    x_demand, x_site
        Demand and site ids of each ``x`` column.
    s_demand
        Demand id of each ``s`` column.
    t_district
        District of each ``t`` column.
    e_site_code
        Site position of each ``e`` column.
    y_slots, y_demo, y_site_code
        Slots, demonstration flag and site position of each ``y`` column.
    x_demand_code, x_site_code, x_distance
        Demand and site positions, and distance, of each ``x`` column.
    t_need
        Demonstration facilities still needed in each ``t`` district.
    required, site_capacity_existing
        Slots each demand item needs; slots each site has already.
    demand_rows, capacity_rows, option_rows, link_rows
        Row slices of the demand rows (one per demand item), the capacity rows and
        the one-option rows (one per site), and the linking rows.
    link_pair
        The ``x`` column (its position among them) of each linking row.
    """

    y: slice
    e: slice
    x: slice
    s: slice
    t: slice
    u: slice
    y_site: npt.NDArray[np.object_]
    y_option: npt.NDArray[np.object_]
    e_site: npt.NDArray[np.object_]
    x_demand: npt.NDArray[np.object_]
    x_site: npt.NDArray[np.object_]
    s_demand: npt.NDArray[np.object_]
    t_district: npt.NDArray[np.object_]
    e_site_code: IntArray
    y_slots: FloatArray
    y_demo: npt.NDArray[np.bool_]
    y_site_code: IntArray
    y_district_code: IntArray
    t_district_code: IntArray
    x_demand_code: IntArray
    x_site_code: IntArray
    x_distance: FloatArray
    t_need: FloatArray
    required: FloatArray
    site_capacity_existing: FloatArray
    demand_rows: slice
    capacity_rows: slice
    option_rows: slice
    link_rows: slice
    link_pair: IntArray


@dataclass(frozen=True)
class SitingModel:
    """The built model: constraints plus the three objectives of the lexicographic order.

    Attributes
    ----------
    base
        Constraints and bounds, with the stage-1 objective.
    shortfall
        Stage-1 objective (weighted shortfall).
    cost
        Stage-2 objective (cost).
    distance
        Stage-3 objective (slot-weighted walking distance).
    index
        Where the variables are.
    demo_weight
        :math:`W`, the weight of a missing demonstration facility.
    """

    base: MatrixModel
    shortfall: FloatArray
    cost: FloatArray
    distance: FloatArray
    index: ModelIndex
    demo_weight: float


def _codes(values: pd.Series | pd.Index, categories: pd.Index, what: str, *, of: str) -> IntArray:
    """The position in ``categories`` (the index of table ``of``) of each of ``values``."""
    codes = categories.get_indexer(pd.Index(values))
    if (codes < 0).any():
        missing = pd.Index(values)[codes < 0].unique()
        mistyped = mistyped_ids_problem(
            pd.Index(values), categories, missing, what, as_list=True, against=f"{of}.index"
        )
        if mistyped is not None:
            mistyped = replace(mistyped, fix=f"give {what} and {of}.index the same type")
        raise InputError(
            [mistyped or Problem(f"{what} refer to unknown ids", ids=tuple(map(str, missing[:5])))]
        )
    out: IntArray = np.asarray(codes, dtype=np.int64)
    return out


_NUMBERS = {
    "demand": ("required",),
    "sites": ("existing_slots", "max_extra_slots", "expansion_cost_per_slot"),
    "options": ("slots", "cost"),
    "pairs": ("distance_m",),
}
_FLAGS = {
    "sites": ("existing", "affordable", "demonstration_existing"),
    "options": ("demonstration",),
}
_IDS = {
    "sites": ("district_id",),
    "options": ("site_id", "option"),
    "pairs": ("demand_id", "site_id"),
}


def check_problem(problem: SitingProblem) -> list[Problem]:
    """What is wrong with a :class:`SitingProblem` built by hand from an analyst's tables.

    Its four tables are checked before the model is built: a column missing (a bare
    ``KeyError``), numbers that are text, missing or negative (a NaN ``required``
    reached HiGHS as a bug in the model), yes/no columns holding ``<NA>`` ("cannot
    convert float NaN to bool") or text (``"no"`` is true to NumPy), repeated demand or
    site ids, and sites' ``district_id`` of another type than ``districts`` (int64
    510802 against ``"510802"``: no site counted for its district's demonstration
    facility, and the plan fell short of it without a word).

    Parameters
    ----------
    problem
        The model's data.

    Returns
    -------
    list of Problem
        Empty when the model can be built.
    """
    problems: list[Problem] = []
    for name in ("demand", "sites", "options", "pairs"):
        table = getattr(problem, name)
        where = f"SitingProblem.{name}"
        if not isinstance(table, pd.DataFrame):
            columns = (*_IDS.get(name, ()), *_NUMBERS.get(name, ()), *_FLAGS.get(name, ()))
            fix = f"give a DataFrame with the columns {', '.join(columns)}"
            if isinstance(table, pd.Series):
                fix += (
                    " (a Series of pairs: pairs.reset_index())"
                    if name == "pairs"
                    else f' (a Series of one column: {name}.to_frame("{columns[-1]}"))'
                )
            problems.append(
                Problem(f"{where} is a {type(table).__name__}, not a DataFrame", fix=fix)
            )
            continue
        if name in ("demand", "sites") and table.index.has_duplicates:
            repeated = table.index[table.index.duplicated()].unique()
            problems.append(
                Problem(
                    f"the ids of {where} (its index) repeat",
                    ids=tuple(map(str, repeated[:8])),
                    fix="give every row its own id",
                )
            )
        for column in (*_NUMBERS.get(name, ()), *_FLAGS.get(name, ()), *_IDS.get(name, ())):
            if column not in table.columns:
                problems.append(
                    Problem(
                        f"{where} has no column {column!r}",
                        column=column,
                        fix="see SitingProblem's attributes for the columns of each table",
                    )
                )
        problems.extend(_number_problems(table, where, _NUMBERS.get(name, ())))
        problems.extend(_flag_problems(table, where, _FLAGS.get(name, ())))
    if not problems:
        problems.extend(_district_problems(problem))
    return problems


def _rows_problem(
    table: pd.DataFrame, bad: npt.NDArray[np.bool_], message: str, column: str, fix: str
) -> Problem:
    """The problem of the ``bad`` rows of one column of ``table`` (their ids, the first
    few values found)."""
    found = ", ".join(map(repr, pd.unique(table[column].to_numpy(dtype=object)[bad])[:4]))
    return Problem(
        f"{message} ({found})", column=column, ids=tuple(map(str, table.index[bad][:8])), fix=fix
    )


def _number_problems(table: pd.DataFrame, where: str, columns: tuple[str, ...]) -> list[Problem]:
    out: list[Problem] = []
    for column in (c for c in columns if c in table.columns):
        values = table[column]
        # numbers held as objects (a table put together from pieces) are numbers
        numbers = pd.to_numeric(values, errors="coerce")
        text = numbers.isna().to_numpy(dtype=bool) & values.notna().to_numpy(dtype=bool)
        array = numbers.to_numpy(dtype=np.float64, na_value=np.nan)
        unlimited = column == "max_extra_slots"  # inf: room without a limit
        limit = np.inf if unlimited else np.finfo(np.float64).max
        bad = np.isnan(array) | (array < 0) | (array > limit)
        if text.any():
            message = f"{where}.{column} holds values that are not numbers"
            fix = f'{where}["{column}"] = pd.to_numeric(...)'
            out.append(_rows_problem(table, text, message, column, fix))
        elif bad.any():
            said = "missing or negative" if unlimited else "missing, negative or infinite"
            message = f"{where}.{column} has {int(bad.sum())} {said} values"
            fix = (
                "give every row a number of zero or more (inf for no limit)"
                if unlimited
                else "give every row a finite number of zero or more"
            )
            out.append(_rows_problem(table, bad, message, column, fix))
    return out


def _flag_problems(table: pd.DataFrame, where: str, columns: tuple[str, ...]) -> list[Problem]:
    out: list[Problem] = []
    for column in (c for c in columns if c in table.columns):
        values = table[column]
        if values.dtype == bool:
            continue
        # <NA> and text ("no" is true to NumPy); 0/1 and bools held as objects are flags
        text = np.array([isinstance(v, str) for v in values.to_numpy(dtype=object)], dtype=bool)
        bad = values.isna().to_numpy(dtype=bool) | text
        if bad.any():
            message = f"{where}.{column} holds values that are not True or False"
            fix = f'make it True or False: {where}["{column}"].fillna(False).astype(bool)'
            out.append(_rows_problem(table, bad, message, column, fix))
    return out


def _district_problems(problem: SitingProblem) -> list[Problem]:
    """Sites' district ids that are none of ``districts`` while each district needs a
    demonstration facility: said as another type when they read as one of them."""
    if not problem.districts or problem.demonstration_per_district <= 0:
        return []
    district = problem.sites["district_id"]
    given = pd.Index(district[district.notna()].unique())
    wanted = pd.Index(problem.districts)
    unknown = given.difference(wanted.union(pd.Index(problem.outside_districts)))
    if not len(unknown):
        return []
    cast = '.astype("Int64")' if pd.api.types.is_float_dtype(district) else ""
    fix = (
        f'districts are text: sites["district_id"] = sites["district_id"]{cast}.astype(str), '
        "each one of SitingProblem.districts"
    )
    if all(isinstance(d, str) for d in unknown):  # text already: districts not listed
        fix = (
            "give each site one of SitingProblem.districts, or None for a site that counts "
            "for no district's demonstration facility (one across the border), or add its "
            "district to SitingProblem.districts"
        )
    mistyped = mistyped_ids_problem(
        given,
        wanted,
        unknown,
        "SitingProblem.sites.district_id",
        as_list=True,
        against="SitingProblem.districts",
    )
    found = ", ".join(map(repr, unknown[:4]))
    return [
        replace(
            mistyped
            or Problem(
                f"SitingProblem.sites.district_id holds districts that are not in "
                f"SitingProblem.districts ({found}): their sites could meet no district's "
                "demonstration facility"
            ),
            column="district_id",
            fix=fix,
        )
    ]


def build_model(problem: SitingProblem) -> SitingModel:
    """Build the siting MIP from a :class:`SitingProblem` (vectorized, no per-variable objects).

    Parameters
    ----------
    problem
        The data.

    Returns
    -------
    SitingModel
        Arrays ready for :func:`siting.solve.solve_siting`.
    """
    began = time.perf_counter()
    problems = check_problem(problem)
    if problems:
        raise InputError(problems)
    demand, sites, options, pairs = problem.demand, problem.sites, problem.options, problem.pairs
    n_i, n_j = len(demand), len(sites)
    required = demand["required"].to_numpy(dtype=np.float64)

    opt_site = _codes(options["site_id"], sites.index, "options' site_id", of="sites")
    opt_slots = options["slots"].to_numpy(dtype=np.float64)
    opt_cost = options["cost"].to_numpy(dtype=np.float64)
    opt_demo = options["demonstration"].to_numpy(dtype=bool)
    pair_i = _codes(pairs["demand_id"], demand.index, "pairs' demand_id", of="demand")
    pair_j = _codes(pairs["site_id"], sites.index, "pairs' site_id", of="sites")
    pair_d = pairs["distance_m"].to_numpy(dtype=np.float64)

    existing = sites["existing"].to_numpy(dtype=bool)
    existing_slots = sites["existing_slots"].to_numpy(dtype=np.float64)
    max_extra = np.where(existing, sites["max_extra_slots"].to_numpy(dtype=np.float64), 0.0)
    expand_sites = np.flatnonzero(max_extra > 0)
    affordable = sites["affordable"].to_numpy(dtype=bool)
    site_district = sites["district_id"].astype(object).to_numpy()

    districts = pd.Index(problem.districts, dtype=object)
    demo_rhs = np.zeros(len(districts))
    if problem.demonstration_per_district > 0 and len(districts):
        have = sites.loc[sites["demonstration_existing"].astype(bool), "district_id"]
        counts = have.value_counts().reindex(districts, fill_value=0).to_numpy()
        demo_rhs = np.maximum(problem.demonstration_per_district - counts, 0).astype(np.float64)
    demo_rows = np.flatnonzero(demo_rhs > 0)
    use_afford = problem.min_affordable_share is not None

    n_y, n_e, n_x, n_t = len(options), len(expand_sites), len(pairs), len(demo_rows)
    n_u = 1 if use_afford else 0
    y0 = 0
    e0 = y0 + n_y
    x0 = e0 + n_e
    s0 = x0 + n_x
    t0 = s0 + n_i
    u0 = t0 + n_t
    n_cols = u0 + n_u

    rows: list[IntArray] = []
    cols: list[IntArray] = []
    vals: list[FloatArray] = []
    lower: list[FloatArray] = []
    upper: list[FloatArray] = []
    r = 0

    def add(ri: IntArray, ci: IntArray, vi: FloatArray) -> None:
        rows.append(ri.astype(np.int64))
        cols.append(ci.astype(np.int64))
        vals.append(vi.astype(np.float64))

    # 1. demand: sum_j x_ij + s_i >= R_i
    add(r + pair_i, x0 + np.arange(n_x), np.ones(n_x))
    add(r + np.arange(n_i), s0 + np.arange(n_i), np.ones(n_i))
    lower.append(required)
    upper.append(np.full(n_i, INF))
    r += n_i

    # 2. capacity: sum_i x_ij - sum_k q_k y_jk - e_j <= S_j
    add(r + pair_j, x0 + np.arange(n_x), np.ones(n_x))
    add(r + opt_site, y0 + np.arange(n_y), -opt_slots)
    add(r + expand_sites, e0 + np.arange(n_e), -np.ones(n_e))
    lower.append(np.full(n_j, -INF))
    upper.append(existing_slots)
    r += n_j

    # 3. at most one option per site
    add(r + opt_site, y0 + np.arange(n_y), np.ones(n_y))
    lower.append(np.full(n_j, -INF))
    upper.append(np.ones(n_j))
    r += n_j

    # 4. linking at new sites: x_ij <= min(R_i, max_k q_k) * sum_k y_jk
    max_q = np.zeros(n_j)
    np.maximum.at(max_q, opt_site, opt_slots)
    link = np.flatnonzero(~existing[pair_j])
    big_u = np.minimum(required[pair_i[link]], max_q[pair_j[link]])
    n_link = len(link)
    add(r + np.arange(n_link), x0 + link, np.ones(n_link))
    # each link row p takes -U_p on every option column of its site
    site_opts = pd.Series(np.arange(n_y)).groupby(opt_site).agg(list)
    opt_lists = site_opts.reindex(range(n_j)).to_numpy()
    counts = np.array([len(o) if isinstance(o, list) else 0 for o in opt_lists], dtype=np.int64)
    per_pair = counts[pair_j[link]]
    link_rows = np.repeat(np.arange(n_link), per_pair)
    order = np.argsort(opt_site, kind="stable")
    starts = np.zeros(n_j + 1, dtype=np.int64)
    np.cumsum(counts, out=starts[1:])
    offs = np.arange(per_pair.sum()) - np.repeat(np.cumsum(per_pair) - per_pair, per_pair)
    link_cols = order[starts[pair_j[link]].repeat(per_pair) + offs]
    add(r + link_rows, y0 + link_cols, -np.repeat(big_u, per_pair))
    lower.append(np.full(n_link, -INF))
    upper.append(np.zeros(n_link))
    r += n_link

    # 5. demonstration facilities per district (R5), softened by t_d
    if n_t:
        dist_of_opt = districts.get_indexer(pd.Index(site_district[opt_site]))
        row_of_district = np.full(len(districts), -1)
        row_of_district[demo_rows] = np.arange(n_t)
        sel = np.flatnonzero(opt_demo & (dist_of_opt >= 0))
        sel = sel[row_of_district[dist_of_opt[sel]] >= 0]
        add(r + row_of_district[dist_of_opt[sel]], y0 + sel, np.ones(len(sel)))
        add(r + np.arange(n_t), t0 + np.arange(n_t), np.ones(n_t))
        lower.append(demo_rhs[demo_rows])
        upper.append(np.full(n_t, INF))
        r += n_t

    # 6. budget
    exp_cost = sites["expansion_cost_per_slot"].to_numpy(dtype=np.float64)[expand_sites]
    if problem.budget is not None:
        add(np.full(n_y, r), y0 + np.arange(n_y), opt_cost)
        add(np.full(n_e, r), e0 + np.arange(n_e), exp_cost)
        lower.append(np.array([-INF]))
        upper.append(np.array([float(problem.budget)]))
        r += 1

    # 7. affordable share (R8), softened by u
    if use_afford:
        alpha = float(problem.min_affordable_share or 0.0)
        weight = affordable.astype(np.float64) - alpha
        add(np.full(n_y, r), y0 + np.arange(n_y), weight[opt_site] * opt_slots)
        add(np.full(n_e, r), e0 + np.arange(n_e), weight[expand_sites])
        add(np.array([r]), np.array([u0]), np.ones(1))
        lower.append(np.array([-float(weight @ existing_slots)]))
        upper.append(np.array([INF]))
        r += 1

    a_matrix = sp.csr_array(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(r, n_cols)
    )
    col_lower = np.zeros(n_cols)
    col_upper = np.full(n_cols, INF)
    col_upper[y0:e0] = 1.0
    col_upper[e0:x0] = max_extra[expand_sites]
    col_upper[x0:s0] = required[pair_i]
    col_upper[s0:t0] = required
    col_upper[t0:u0] = demo_rhs[demo_rows]
    integer = np.zeros(n_cols, dtype=bool)
    integer[y0:x0] = True

    demo_weight = 1.0 + float(required.sum())
    shortfall = np.zeros(n_cols)
    shortfall[s0:t0] = 1.0
    shortfall[t0:u0] = demo_weight
    shortfall[u0:] = 1.0
    cost = np.zeros(n_cols)
    cost[y0:e0] = opt_cost
    cost[e0:x0] = exp_cost
    distance = np.zeros(n_cols)
    distance[x0:s0] = pair_d

    names = (
        [f"y_{sites.index[opt_site[k]]}_{options['option'].iat[k]}" for k in range(n_y)]
        if n_cols < 20_000
        else None
    )
    if names is not None:
        names += [f"e_{sites.index[j]}" for j in expand_sites]
        names += [f"x_{p}" for p in range(n_x)]
        names += [f"s_{d}" for d in demand.index]
        names += [f"t_{districts[d]}" for d in demo_rows]
        names += ["u_affordable"] * n_u
        names = [_safe_name(n) for n in names]
    base = MatrixModel(
        c=shortfall,
        A=a_matrix,
        row_lower=np.concatenate(lower),
        row_upper=np.concatenate(upper),
        col_lower=col_lower,
        col_upper=col_upper,
        integer=integer,
        col_names=tuple(names) if names is not None else None,
        build_s=time.perf_counter() - began,
    )
    index = ModelIndex(
        y=slice(y0, e0),
        e=slice(e0, x0),
        x=slice(x0, s0),
        s=slice(s0, t0),
        t=slice(t0, u0),
        u=slice(u0, n_cols),
        y_site=sites.index.to_numpy(dtype=object)[opt_site],
        y_option=options["option"].to_numpy(dtype=object),
        e_site=sites.index.to_numpy(dtype=object)[expand_sites],
        x_demand=demand.index.to_numpy(dtype=object)[pair_i],
        x_site=sites.index.to_numpy(dtype=object)[pair_j],
        s_demand=demand.index.to_numpy(dtype=object),
        t_district=districts.to_numpy(dtype=object)[demo_rows],
        e_site_code=expand_sites.astype(np.int64),
        y_slots=opt_slots,
        y_demo=opt_demo,
        y_site_code=opt_site,
        y_district_code=districts.get_indexer(pd.Index(site_district[opt_site])).astype(np.int64),
        t_district_code=demo_rows.astype(np.int64),
        x_demand_code=pair_i,
        x_site_code=pair_j,
        x_distance=pair_d,
        t_need=demo_rhs[demo_rows],
        required=required,
        site_capacity_existing=existing_slots,
        demand_rows=slice(0, n_i),
        capacity_rows=slice(n_i, n_i + n_j),
        option_rows=slice(n_i + n_j, n_i + 2 * n_j),
        link_rows=slice(n_i + 2 * n_j, n_i + 2 * n_j + n_link),
        link_pair=link.astype(np.int64),
    )
    return SitingModel(
        base=base,
        shortfall=shortfall,
        cost=cost,
        distance=distance,
        index=index,
        demo_weight=demo_weight,
    )


def _safe_name(name: str) -> str:
    return "".join(ch if ch.isascii() and (ch.isalnum() or ch == "_") else "_" for ch in name)


def presolve_checks(problem: SitingProblem) -> list[Said]:
    """Say, before solving, what the plan cannot achieve and why.

    Parameters
    ----------
    problem
        The data.

    Returns
    -------
    list of Said
        One sentence per finding, with its code and numbers: demand no site can
        reach, districts where no site can host a demonstration facility, and a
        budget below the cheapest plan that meets the demonstration rule.
    """
    findings: list[Said] = []
    reached = set(problem.pairs["demand_id"])
    unreachable = [
        str(d)
        for d in problem.demand.index
        if d not in reached and problem.demand.at[d, "required"] > 0
    ]
    if unreachable:
        slots = float(problem.demand.loc[unreachable, "required"].sum())
        shown = ", ".join(unreachable[:8]) + (" ..." if len(unreachable) > 8 else "")
        amount = f"{slots:,.0f}" if slots >= 10 or slots == round(slots) else f"{slots:.1f}"
        findings.append(
            Said(
                f"{len(unreachable)} demand item(s) needing {amount} slots have no site within "
                f"walking distance: {shown}",
                code="unreachable_demand",
                count=len(unreachable),
                slots=slots,
                ids=unreachable[:8],
            )
        )
    if problem.outside_districts and problem.demonstration_per_district > 0:
        outside = list(problem.outside_districts)
        findings.append(
            Said(
                f"{len(outside)} district(s) of the districts layer hold no residential area "
                f"and no site ({', '.join(outside[:10])}{' ...' if len(outside) > 10 else ''}): "
                "outside the study area, so no demonstration facility is planned there",
                code="districts_outside_study_area",
                count=len(outside),
                ids=outside[:10],
                districts=outside,  # every one, for verify
            )
        )
    opts = problem.options
    demo_sites = problem.sites.loc[opts.loc[opts["demonstration"], "site_id"].unique()]
    cheapest_total = 0.0
    if problem.demonstration_per_district > 0:
        existing_demo = problem.sites.loc[
            problem.sites["demonstration_existing"].astype(bool), "district_id"
        ].value_counts()
        for d in problem.districts:
            need = problem.demonstration_per_district - int(existing_demo.get(d, 0))
            if need <= 0:
                continue
            hosts = demo_sites.index[demo_sites["district_id"] == d]
            if len(hosts) < need:
                findings.append(
                    Said(
                        f"district {d} needs {need} demonstration facility(ies) but only "
                        f"{len(hosts)} site(s) there are large enough to host one",
                        code="demonstration_hosts_short",
                        district_id=str(d),
                        need=need,
                        hosts=len(hosts),
                    )
                )
            demo_costs = opts.loc[opts["demonstration"] & opts["site_id"].isin(hosts), "cost"]
            cheapest_total += float(demo_costs.nsmallest(need).sum())
    if problem.budget is not None and cheapest_total > problem.budget:
        findings.append(
            Said(
                f"the budget {problem.budget:,.0f} is below {cheapest_total:,.0f}, the cost of "
                "the cheapest demonstration facilities the districts need",
                code="budget_below_demonstration",
                budget=float(problem.budget),
                cheapest=cheapest_total,
            )
        )
    return findings
