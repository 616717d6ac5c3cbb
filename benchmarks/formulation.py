"""The cost stage written two ways: HiGHS's bound over time on each (issue 14, tenth round).

Run with ``.venv/bin/python -m benchmarks.formulation --instance small --limit 300``
(``--help`` for the rest).

``original``
    The cost stage's model as the package builds it (``siting.model``, the held
    shortfall row of ``siting.solve``): one binary ``y_jk`` per site and option,
    ``sum_k y_jk <= 1``.
``incremental``
    The same problem in the variables ``z_jk`` = "site ``j`` at option ``k`` or
    above", each site's options in a chain sorted by slots, then cost
    (``y_jk = z_jk - z_j,next(k)``, so ``z_jk >= z_j,next(k)``). The map is
    unimodular: the linear relaxation is the same, point for point. The linking
    rows become ``x_ij <= U z_j,first`` (two nonzeros), the capacity rows take the
    slots each step adds, the demonstration rows the top of the chain.
``linked`` (only when asked for)
    Both: the original model with the ``z`` columns appended, each tied to its
    site's ``y`` columns by an equality row, so HiGHS keeps the original rows (its
    cliques among them) and may branch on either.

The forms run at once, each in its own process on one HiGHS thread (the machine has two
cores; the load average is printed), from the same start, with no gap (HiGHS runs
to its limit). HiGHS's dual bound is sampled through its MIP interrupt callback;
the table gives it at ``--at`` seconds of HiGHS's own clock (``--cpu``: of the
process's CPU time, fairer on a shared machine), at the end of the root (the last
bound before the first node; in brackets, when the first node came), and at the
end, with the nodes and CPU seconds the run had.

Instances: ``small`` is the 500-area city of ``benchmarks.gap_anatomy`` (its optimum
lies between 146.10 and 146.67 M CNY), started from one 60 s run of the package's
cost stage on one thread (computed once, kept in the cache); ``city`` is the
benchmark city (``benchmarks.cost_stage``), started from its reference plan
(``benchmarks/reference/city_cost_plan.csv``, 1,374.41 M CNY).

``--aggregation`` counts instead what merging the areas that reach the same sites
would save (the exact aggregation of idea 2): areas, pairs, and the cost stage's
rows, columns and nonzeros before and after. ``--dominance`` counts the new sites that
another site dominates (eleventh round: :func:`dominated_sites`).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from siting.mip import MatrixModel
from siting.model import ModelIndex, SitingModel, SitingProblem

FORMS = ("original", "incremental", "linked")
INSTANCES = ("small", "city")


# ---------------------------------------------------------------------------
# the instances, their cost stage and the start
# ---------------------------------------------------------------------------


def problem_of(instance: str) -> SitingProblem:
    """The instance's data (deterministic: each process builds it again)."""
    from benchmarks.cost_stage import instance as city
    from benchmarks.model import make_city

    if instance == "small":  # benchmarks.gap_anatomy's defaults
        return make_city(500, 200, seed=7, n_existing=max(1, round(50 * 200 / 2000)))[0]
    return city("city")[0]


def complete(stage: MatrixModel, index: ModelIndex, fixed: np.ndarray) -> np.ndarray:
    """A whole plan from its options and extra slots: the assignment by an LP with them fixed."""
    from siting.mip import solve_model

    lower, upper = stage.col_lower.copy(), stage.col_upper.copy()
    for part in (index.y, index.e):
        lower[part] = upper[part] = fixed[part]
    lp = replace(stage, col_lower=lower, col_upper=upper, integer=np.zeros_like(stage.integer))
    result = solve_model(lp, threads=1)
    if result.values is None:
        raise RuntimeError(f"the plan's sizes do not serve the held demand: {result.stats}")
    values = result.values.copy()
    values[index.y], values[index.e] = fixed[index.y], fixed[index.e]
    return values


def reference_start(stage: MatrixModel, index: ModelIndex) -> np.ndarray:
    """The city's reference plan, as one value per column of the cost stage."""
    from benchmarks.cost_stage import read_plan

    return complete(stage, index, read_plan(index, stage.num_cols))


def export(instance: str, cache: Path, *, start_limit_s: float) -> Path:
    """The instance's cost stage and start, kept in ``cache`` (``benchmarks.solvers``'s format)."""
    from benchmarks.gap_anatomy import package_stage
    from benchmarks.solvers import cost_stage, save

    path = cache / f"formulation-{instance}.npz"
    if path.exists():
        return path
    built = cost_stage(problem_of(instance), time_limit_s=60.0)
    stage, model = built["model"], built["siting_model"]
    if instance == "city":
        start, how = reference_start(stage, model.index), "the reference plan"
    else:
        plan = package_stage(built, time_limit_s=start_limit_s, threads=1)
        assert plan.values is not None
        start, how = plan.values, f"the package's cost stage, {start_limit_s:g} s, one thread"
    cache.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    save(tmp, {**built, "start": start}, {"instance": instance, "start": how})
    os.replace(tmp, path)
    return path


# ---------------------------------------------------------------------------
# the incremental formulation
# ---------------------------------------------------------------------------


def chains(index: ModelIndex, cost: np.ndarray) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """Each site's options in a chain, by slots then cost.

    Returns
    -------
    tuple
        ``prev`` and ``next``: for each ``y`` column (its position among them), the
        previous and next option of its site's chain (-1 at the ends); and figures:
        sites with options, options per site, and the sites whose chain is not
        increasing (slots falling or cost not rising along it).
    """
    y_cost = cost[index.y]
    order = np.lexsort((y_cost, index.y_slots, index.y_site_code))
    site = index.y_site_code[order]
    same = site[1:] == site[:-1]
    prev = np.full(len(order), -1, dtype=np.int64)
    nxt = np.full(len(order), -1, dtype=np.int64)
    prev[order[1:][same]] = order[:-1][same]
    nxt[order[:-1][same]] = order[1:][same]
    links = np.flatnonzero(prev >= 0)
    d_slots = index.y_slots[links] - index.y_slots[prev[links]]
    d_cost = y_cost[links] - y_cost[prev[links]]
    bad = np.unique(index.y_site_code[links[(d_slots < 0) | (d_cost <= 0)]])
    sizes = np.bincount(index.y_site_code)
    figures = {
        "sites": int((sizes > 0).sum()),
        "options_per_site": {int(k): int(v) for k, v in enumerate(np.bincount(sizes)) if k and v},
        "same_slots_steps": int((d_slots == 0).sum()),
        "not_increasing_sites": len(bad),
    }
    return prev, nxt, figures


def incremental(model: SitingModel, stage: MatrixModel) -> tuple[MatrixModel, sp.csc_array]:
    """The cost stage in the ``z`` variables, and the map ``T`` with ``old = T @ new``.

    The ``z`` columns take the ``y`` columns' places; every other column stays.
    Rows ``z_jk - z_j,next(k) >= 0`` (``y_jk >= 0``) are appended.
    """
    ix = model.index
    prev, nxt, _ = chains(ix, model.cost)
    n = stage.num_cols
    y0 = ix.y.start
    has_prev = np.flatnonzero(prev >= 0)
    # y_k = z_k - z_next(k): column z_k of T has +1 at y_k and -1 at y_prev(k)
    rows = np.r_[np.arange(n), y0 + prev[has_prev]]
    cols = np.r_[np.arange(n), y0 + has_prev]
    vals = np.r_[np.ones(n), -np.ones(len(has_prev))]
    t = sp.csc_array((vals, (rows, cols)), shape=(n, n))
    a = sp.csr_array(sp.csr_array(stage.A) @ t)
    a.eliminate_zeros()
    has_next = np.flatnonzero(nxt >= 0)
    m = len(has_next)
    order_rows = sp.csr_array(
        (
            np.r_[np.ones(m), -np.ones(m)],
            (np.r_[np.arange(m), np.arange(m)], np.r_[y0 + has_next, y0 + nxt[has_next]]),
        ),
        shape=(m, n),
    )
    new = replace(
        stage,
        c=np.asarray(stage.c @ t, dtype=np.float64),
        A=sp.vstack([a, order_rows], format="csr"),
        row_lower=np.r_[stage.row_lower, np.zeros(m)],
        row_upper=np.r_[stage.row_upper, np.full(m, np.inf)],
        col_names=None,
    )
    return new, t


def linked(model: SitingModel, stage: MatrixModel) -> tuple[MatrixModel, sp.csc_array]:
    """The cost stage with both: the ``y`` columns, and ``z`` columns appended, each tied
    to its ``y`` by ``z_jk = sum of y_jk' over k' at k or above`` (HiGHS may branch on
    either; the rows of the original, its cliques among them, stay).

    Returns the model and ``T`` of :func:`incremental` (``z`` = ``T^-1 y``).
    """
    ix = model.index
    n, n_y, y0 = stage.num_cols, ix.y.stop - ix.y.start, ix.y.start
    _, t = incremental(model, stage)
    t_y = sp.csr_array(t[[*range(y0, y0 + n_y)], :][:, [*range(y0, y0 + n_y)]])
    # z = T_y^-1 y, i.e. T_y z - y = 0
    tie = sp.hstack(
        [
            sp.csr_array((n_y, y0)),
            -sp.identity(n_y, format="csr"),
            sp.csr_array((n_y, n - y0 - n_y)),
            t_y,
        ],
        format="csr",
    )
    a = sp.vstack([sp.hstack([sp.csr_array(stage.A), sp.csr_array((stage.num_rows, n_y))]), tie])
    new = replace(
        stage,
        c=np.r_[stage.c, np.zeros(n_y)],
        A=sp.csr_array(a),
        row_lower=np.r_[stage.row_lower, np.zeros(n_y)],
        row_upper=np.r_[stage.row_upper, np.zeros(n_y)],
        col_lower=np.r_[stage.col_lower, np.zeros(n_y)],
        col_upper=np.r_[stage.col_upper, np.ones(n_y)],
        integer=np.r_[stage.integer, np.ones(n_y, dtype=bool)],
        col_names=None,
    )
    return new, t


def to_incremental(t: sp.csc_array, values: np.ndarray) -> np.ndarray:
    """The ``z`` form of a plan: ``T = I - N`` with ``N`` nilpotent (it steps down a
    chain), so ``T^-1 = I + N + N^2 + ...``, a sum that ends with the longest chain."""
    step = sp.csr_array(sp.identity(t.shape[0], format="csr") - t)
    out = np.asarray(values, dtype=np.float64).copy()
    term = out.copy()
    while True:
        term = step @ term
        if not np.any(term):
            return out
        out += term


def written(
    model: SitingModel, stage: MatrixModel, start: np.ndarray, form: str
) -> tuple[MatrixModel, np.ndarray]:
    """The cost stage and its start in one of :data:`FORMS`."""
    if form == "original":
        return stage, start
    if form == "incremental":
        new, t = incremental(model, stage)
        return new, to_incremental(t, start)
    new, t = linked(model, stage)
    return new, np.r_[start, to_incremental(t, start)[model.index.y]]


# ---------------------------------------------------------------------------
# one run (in its own process)
# ---------------------------------------------------------------------------


def run_form(
    path: Path, form: str, *, limit_s: float, instance: str, seed: int = 0
) -> dict[str, Any]:
    """HiGHS on one form of the cached cost stage: its dual bound over time."""
    import siting.mip.highs as mip
    from benchmarks.solvers import load
    from siting.mip import objective_scale, solve_model
    from siting.model import build_model

    stage, start, meta = load(path)
    built = time.perf_counter()
    model = build_model(problem_of(instance))
    stage, start = written(model, stage, start, form)
    build_s = time.perf_counter() - built
    scale = objective_scale(stage.c)
    samples: list[tuple[float, int, float, float, float]] = []
    new_highs = mip._new_highs

    def watched() -> Any:
        h = new_highs()

        def sample(event: Any) -> None:
            out = event.data_out
            bound = float(out.mip_dual_bound) * scale
            last = samples[-1] if samples else None
            now = float(out.running_time)
            if (
                last is None
                or bound != last[2]
                or now - last[0] >= 5.0
                or (int(out.mip_node_count) > 0 >= last[1])
            ):
                primal = float(out.mip_primal_bound) * scale
                cpu = time.process_time() - cpu0
                samples.append((now, int(out.mip_node_count), bound, primal, cpu))

        h.cbMipInterrupt.subscribe(sample)
        return h

    mip._new_highs = watched
    cpu0 = time.process_time()
    options = {"random_seed": seed} if seed else None
    result = solve_model(
        stage, time_limit_s=limit_s, gap=0.0, threads=1, start=start, options=options
    )
    st = result.stats
    return {
        "form": form,
        "instance": instance,
        "seed": seed,
        "rows": stage.num_rows,
        "cols": stage.num_cols,
        "nonzeros": int(sp.csr_array(stage.A).nnz),
        "start_cost": float(stage.c @ start),
        "build_s": build_s,
        "cost": st.objective,
        "bound": st.bound,
        "solve_s": st.solve_s,
        "samples": samples,
        "meta": meta,
        "load": os.getloadavg(),
    }


def bound_at(samples: list[list[float]], seconds: float, *, cpu: bool = False) -> float | None:
    """The last bound sampled at or before ``seconds`` of HiGHS's clock (wall), or of
    the process's CPU time."""
    clock = 4 if cpu else 0
    seen = [s[2] for s in samples if len(s) > clock and s[clock] <= seconds and np.isfinite(s[2])]
    return seen[-1] if seen else None


def root(samples: list[list[float]]) -> tuple[float | None, float | None]:
    """The bound at the end of the root (the last sampled before the first node), and when."""
    at_root = [s for s in samples if s[1] == 0 and np.isfinite(s[2])]
    after = [s for s in samples if s[1] > 0]
    if not at_root:
        return None, None
    return at_root[-1][2], (after[0][0] if after else None)


def relaxation(path: Path, instance: str) -> dict[str, Any]:
    """Each form's linear relaxation (they must agree), and the start's cost in each."""
    from benchmarks.solvers import load
    from siting.mip import satisfies, solve_model
    from siting.model import build_model

    stage, start, _ = load(path)
    model = build_model(problem_of(instance))
    out: dict[str, Any] = {"chains": chains(model.index, model.cost)[2]}
    for form in FORMS:
        m, x = written(model, stage, start, form)
        out[f"start_{form}"] = float(m.c @ x)
        out[f"start_fits_{form}"] = bool(satisfies(m, x))
        lp = solve_model(replace(m, integer=np.zeros_like(m.integer)), threads=1)
        out[f"lp_{form}"] = float(lp.stats.objective or np.nan)
    return out


# ---------------------------------------------------------------------------
# the aggregation of areas that reach the same sites
# ---------------------------------------------------------------------------


def aggregated(problem: SitingProblem) -> tuple[SitingProblem, dict[str, int]]:
    """The problem with the demand items of one reach set merged (their slots summed).

    Exact for the cost stage: the demand rows, the linking rows' bounds
    (``min(R, max q)``) and the shortfall sum aggregate, and slots at the sites of one
    reach set split back among its items (every item reaches every site). The
    walking-distance stage is not exact on it (the distances differ).
    """
    pairs = problem.pairs
    sets = pairs.groupby("demand_id", sort=False)["site_id"].agg(lambda s: tuple(sorted(s)))
    key = pd.Series(sets.reindex(problem.demand.index).to_numpy(dtype=object))
    key = key.map(lambda v: v if isinstance(v, tuple) else ())
    group = pd.Series(pd.factorize(key)[0], index=problem.demand.index)
    gid = group.map(lambda g: f"G{g:05d}")
    demand = (
        problem.demand.reset_index(drop=True)
        .assign(demand_id=gid.to_numpy())
        .groupby("demand_id", sort=True)
        .agg(required=("required", "sum"), area_id=("area_id", "first"), kind=("kind", "first"))
    )
    merged_pairs = (
        pairs.assign(demand_id=gid.reindex(pairs["demand_id"]).to_numpy())
        .groupby(["demand_id", "site_id"], as_index=False)["distance_m"]
        .min()
    )
    figures = {
        "areas": len(problem.demand),
        "reached": int(sets.size),
        "reach_sets": int(sets.map(hash).nunique()),
        "pairs": len(pairs),
        "merged_items": len(demand),
        "merged_pairs": len(merged_pairs),
    }
    return replace(problem, demand=demand, pairs=merged_pairs), figures


def aggregation_figures(instance: str) -> dict[str, Any]:
    """Sizes of the cost stage's model before and after merging the areas."""
    from siting.model import build_model

    problem = problem_of(instance)
    merged, figures = aggregated(problem)
    for name, p in (("before", problem), ("after", merged)):
        built = build_model(p)
        a = built.base
        figures[f"rows_{name}"] = a.num_rows + 1  # and the held shortfall row
        figures[f"cols_{name}"] = a.num_cols
        held = int(np.count_nonzero(built.shortfall))
        figures[f"nonzeros_{name}"] = int(sp.csr_array(a.A).nnz) + held
    return figures


def dominated_sites(problem: SitingProblem) -> list[tuple[str, str]]:
    """Pairs ``(j, j')`` of new sites where ``j'`` dominates ``j`` (eleventh round): both
    without an existing facility, in one district, ``j'`` reaching every demand item ``j``
    reaches and offering each of ``j``'s options (slots, demonstration) at no more cost;
    of two equal sites only the later points to the earlier. A row ``sum_k y_jk <= sum_k
    y_j'k`` per pair would be valid (a plan with ``j`` open and ``j'`` closed moves ``j``'s
    facility to ``j'`` at no more cost)."""
    sites = problem.sites
    new = set(sites.index[~sites["existing"].astype(bool)])
    reach = problem.pairs.groupby("site_id")["demand_id"].agg(frozenset).to_dict()
    offers = {
        site: {(float(r.slots), bool(r.demonstration)): float(r.cost) for r in rows.itertuples()}
        for site, rows in problem.options.groupby("site_id")
    }
    by_demand = problem.pairs.groupby("demand_id")["site_id"].agg(set).to_dict()
    district = sites["district_id"].to_dict()
    order = {site: i for i, site in enumerate(sites.index)}
    pairs = []
    for j in sorted(new & offers.keys() & reach.keys(), key=order.__getitem__):
        common = set.intersection(*(by_demand[d] for d in reach[j]))
        for k in sorted(common & new & offers.keys(), key=order.__getitem__):
            if k == j or district[k] != district[j]:
                continue
            mine, theirs = offers[j], offers[k]
            if not all(o in theirs and theirs[o] <= c for o, c in mine.items()):
                continue
            equal = reach[k] == reach[j] and theirs == mine
            if not equal or order[k] < order[j]:
                pairs.append((j, k))
    return pairs


def dominance_figures(instance: str) -> dict[str, Any]:
    """How many new sites another dominates (:func:`dominated_sites`)."""
    problem = problem_of(instance)
    pairs = dominated_sites(problem)
    return {
        "instance": instance,
        "new_sites": int((~problem.sites["existing"].astype(bool)).sum()),
        "pairs": len(pairs),
        "dominated_sites": len({j for j, _ in pairs}),
    }


# ---------------------------------------------------------------------------
# the report
# ---------------------------------------------------------------------------


def _m(v: float | None) -> str:
    return "-" if v is None else f"{v / 1e6:,.3f}"


def report(runs: list[dict[str, Any]], at: list[float], *, cpu: bool = False) -> None:
    """One line per form: sizes, the root's bound, the bound at each moment, the end."""
    head = f"{'form':<12} {'rows':>7} {'cols':>7} {'nonzeros':>9} {'root M (s)':>18}"
    unit = "s CPU" if cpu else "s"
    head += "".join(f" {f'{s:g} {unit}':>10}" for s in at)
    head += f" {'end M':>10} {'plan M':>10} {'nodes':>7} {'CPU s':>6}"
    print(head)
    print("-" * len(head))
    for r in runs:
        bound, when = root(r["samples"])
        root_txt = f"{_m(bound)} ({when:.0f})" if when is not None else _m(bound)
        line = f"{r['form']:<12} {r['rows']:>7} {r['cols']:>7} {r['nonzeros']:>9} {root_txt:>18}"
        line += "".join(f" {_m(bound_at(r['samples'], s, cpu=cpu)):>10}" for s in at)
        last = r["samples"][-1] if r["samples"] else [0, 0, 0, 0]
        cpu_s = f"{last[4]:>6.0f}" if len(last) > 4 else f"{'-':>6}"
        line += f" {_m(r['bound']):>10} {_m(r['cost']):>10} {last[1]:>7} {cpu_s}"
        print(line)
    loads = ", ".join("/".join(f"{v:.1f}" for v in r["load"]) for r in runs)
    how = runs[0]["meta"]["instance"]["start"]
    print(f"start {runs[0]['start_cost'] / 1e6:,.3f} M CNY ({how})")
    print(f"load average (1/5/15 min) at the end of each run: {loads}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instance", choices=INSTANCES, default="small")
    parser.add_argument("--limit", type=float, default=300.0, help="HiGHS's seconds per form")
    parser.add_argument("--forms", nargs="*", choices=FORMS, default=list(FORMS[:2]))
    parser.add_argument("--at", nargs="*", type=float, help="moments of the table (seconds)")
    parser.add_argument("--cpu", action="store_true", help="moments in CPU seconds, not wall")
    parser.add_argument("--table", type=Path, help="only print the runs kept by --json here")
    parser.add_argument("--seed", type=int, default=0, help="HiGHS's random_seed")
    parser.add_argument("--start-limit", type=float, default=60.0, help="small: the start's stage")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "siting-bench")
    parser.add_argument("--json", type=Path, help="append each run (with its samples) here")
    parser.add_argument("--check", action="store_true", help="only compare the relaxations")
    parser.add_argument("--aggregation", action="store_true", help="only count the reach sets")
    parser.add_argument("--dominance", action="store_true", help="only count dominated sites")
    parser.add_argument("--worker", choices=FORMS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    at = args.at or [s for s in (60.0, 150.0, 300.0, 600.0) if s <= args.limit]
    if args.table:
        with args.table.open(encoding="utf-8") as f:
            report([json.loads(line) for line in f if line.strip()], at, cpu=args.cpu)
        return
    if args.aggregation:
        print(json.dumps(aggregation_figures(args.instance)))
        return
    if args.dominance:
        print(json.dumps(dominance_figures(args.instance)))
        return
    path = export(args.instance, args.cache, start_limit_s=args.start_limit)
    if args.worker:
        out = run_form(
            path, args.worker, limit_s=args.limit, instance=args.instance, seed=args.seed
        )
        sys.stdout.write(json.dumps(out, default=float) + "\n")
        return
    if args.check:
        print(json.dumps(relaxation(path, args.instance)))
        return
    procs = []
    for form in args.forms:  # side by side: the same load on both
        cmd = [sys.executable, "-m", "benchmarks.formulation", "--instance", args.instance]
        cmd += ["--limit", str(args.limit), "--cache", str(args.cache), "--worker", form]
        cmd += ["--seed", str(args.seed)]
        procs.append(subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True))
    runs = []
    for proc in procs:
        printed, _ = proc.communicate()
        if proc.returncode:
            raise SystemExit(f"a run failed ({proc.args!r})")
        runs.append(json.loads(printed.strip().splitlines()[-1]))
    if args.json:
        with args.json.open("a", encoding="utf-8") as f:
            for r in runs:
                f.write(json.dumps(r, default=float) + "\n")
    report(runs, at, cpu=args.cpu)


if __name__ == "__main__":
    main()
