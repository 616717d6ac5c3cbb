"""Benchmark the cost stage: HiGHS alone, with the local search, and with the Lagrangian bound.

Run with ``.venv/bin/python -m benchmarks.cost_stage`` (``--help`` for the options).

Two dense generated cities, 5,000 areas and 2,050 sites each:

``city``
    ``benchmarks.model``'s city (seed 20240601): sizes of 45, 80 and 145 slots and
    a 145-slot demonstration tier, pairs within 300 m.
``six-sizes``
    Another structure: the policy's six default sizes (18, 35, 45, 80, 145 slots
    and the demonstration tier), each priced as a fixed part plus a part per slot
    (so the cost per slot falls from about 47,000 to 23,000 CNY as a facility
    grows), pairs within 400 m (about 1.8 times as many), seed 20240607.
``stretch`` (only when asked for)
    ``benchmarks.model --stretch``: 10,000 areas and 4,050 sites, seed 20240601.
``wide`` (only when asked for)
    ``benchmarks.model``'s generator with another seed (20241130) and walks of
    500 m: 5,000 areas and 2,050 sites, 75,692 pairs (the city has 23,334).

Each configuration runs the shortfall stage and then the cost stage with the
given limit, gap 0.5 %, in a fresh subprocess, with ``--threads`` HiGHS threads (1 by
default; with more than one, the Lagrangian bound runs beside the descent and the
region search beside HiGHS, on a second thread):

``highs``
    HiGHS alone, from the cost-aware greedy start (the package before the search).
``local``
    The local search (``siting.search``) first, then HiGHS from its plan, each of
    HiGHS's improving solutions polished by the local search and fed back.
``local+lagrangian``
    The same, with the Lagrangian bound (the package's default before the regions).
``regions``
    The package's default: the same with the plan from the Lagrangian relaxation's
    choice of sites and the region search (regions of about 50 sites re-planned
    exactly by HiGHS); with ``--threads`` 2 or more it runs beside
    HiGHS and hands it its plans, on one thread it follows HiGHS and is followed by
    the decomposition bound.

The table gives the plan's cost, the bound and where it came from, the gap, who
found the plan, the seconds each part took, and the machine's load average
(``uptime``) when the run ended: the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.model import make_city
from siting.model import SitingProblem

CONFIGS: dict[str, tuple[str, ...]] = {
    "highs": (),
    "local": ("local",),
    "local+lagrangian": ("local", "lagrangian"),
    "regions": ("local", "lagrangian", "regions"),
}
INSTANCES = ("city", "six-sizes", "stretch", "wide")
BEST_KNOWN_M = {"city": 1509.6}
"""Best plans known before the cost search (issue 14: 900 s of HiGHS), M CNY."""


def six_sizes(seed: int = 20240607) -> tuple[SitingProblem, dict[str, Any]]:
    """A city with the policy's six default sizes and denser pairs (400 m)."""
    problem, info = make_city(5000, 2000, seed=seed, radius_m=400.0)
    opts = problem.options
    large = opts[opts["option"] == "large"].set_index("site_id")
    demo_sites = set(opts.loc[opts["option"] == "demo", "site_id"])
    # the city's price factor of each site, read back from its large option
    price = large["cost"] / 3.3e6
    sizes = {"small-1": 18, "small-2": 35, "small": 45, "medium": 80, "large": 145}
    rows = []
    for name, slots in sizes.items():
        rows.append(
            pd.DataFrame(
                {
                    "site_id": price.index,
                    "option": name,
                    "slots": float(slots),
                    "cost": np.round(price.to_numpy() * (0.5e6 + 19_000.0 * slots), -3),
                    "demonstration": False,
                }
            )
        )
    demo = price[price.index.isin(demo_sites)]
    rows.append(
        pd.DataFrame(
            {
                "site_id": demo.index,
                "option": "demonstration",
                "slots": 145.0,
                "cost": np.round(demo.to_numpy() * (0.5e6 + 19_000.0 * 145 + 0.6e6), -3),
                "demonstration": True,
            }
        )
    )
    options = pd.concat(rows, ignore_index=True)
    info = {**info, "options": len(options), "radius_m": 400.0, "seed": seed}
    return replace(problem, options=options), info


def instance(name: str) -> tuple[SitingProblem, dict[str, Any]]:
    """The named instance."""
    if name == "city":
        problem, info = make_city(5000, 2000, seed=20240601)
        return problem, {**info, "radius_m": 300.0, "seed": 20240601}
    if name == "stretch":
        problem, info = make_city(10_000, 4000, seed=20240601)
        return problem, {**info, "radius_m": 300.0, "seed": 20240601}
    if name == "wide":  # another seed, and walks of 500 m: about 3.2 times the pairs
        problem, info = make_city(5000, 2000, seed=20241130, radius_m=500.0)
        return problem, {**info, "radius_m": 500.0, "seed": 20241130}
    return six_sizes()


def check_plan(model: Any, values: np.ndarray, held: float) -> dict[str, Any]:
    """Check a cost-stage plan apart from the solver: SciPy's maximum flow over its sizes.

    The plan's sizes and extra slots give each site a capacity; the most demand
    those capacities can serve is a maximum flow (SciPy's, not the search's own
    augmenting paths). The plan is sound when that leaves no more slots unserved than
    the shortfall stage's optimum allows, and every district has the demonstration
    facilities it needs.
    """
    import scipy.sparse as sp
    from scipy.sparse.csgraph import maximum_flow

    ix = model.index
    n_i, n_j = len(ix.required), len(ix.site_capacity_existing)
    cap = ix.site_capacity_existing.copy()
    cap[ix.e_site_code] += values[ix.e]
    opened = np.flatnonzero(values[ix.y] > 0.5)
    np.add.at(cap, ix.y_site_code[opened], ix.y_slots[opened])
    src, sink = 0, 1 + n_i + n_j
    rows = np.r_[np.zeros(n_i, int), 1 + ix.x_demand_code, 1 + n_i + np.arange(n_j)]
    cols = np.r_[1 + np.arange(n_i), 1 + n_i + ix.x_site_code, np.full(n_j, sink)]
    caps = np.r_[ix.required, ix.required[ix.x_demand_code], cap]
    graph = sp.csr_array((np.round(caps).astype(np.int32), (rows, cols)), shape=(sink + 1,) * 2)
    unserved = float(ix.required.sum()) - float(maximum_flow(graph, src, sink).flow_value)
    demo_open = np.bincount(
        ix.y_district_code[opened][ix.y_demo[opened]],
        minlength=max(ix.t_district_code, default=-1) + 1,
    )
    missing = sum(
        max(0.0, need - (demo_open[d] if d < len(demo_open) else 0))
        for d, need in zip(ix.t_district_code, ix.t_need, strict=True)
    )
    sound = unserved + model.demo_weight * missing <= held + 1e-6
    return {"unserved_by_maxflow": unserved, "missing_demonstration": missing, "sound": sound}


REFERENCE = Path(__file__).with_name("reference") / "city_cost_plan.csv"
"""The best plan known for ``city`` (sites, options, extra slots): 1,374.41 M CNY, found by
the region search (its regions escalated to 100 sites and 6 s), from the Lagrangian
plan, beside HiGHS in a 1,800 s cost stage (``--save-plan``)."""


def save_plan(model: Any, values: np.ndarray, path: Path) -> None:
    """Write a plan's sites, options and extra slots (the reference file's format)."""
    ix = model.index
    k = np.flatnonzero(values[ix.y] > 0.5)
    rows = pd.DataFrame({"site_id": ix.y_site[k], "option": ix.y_option[k], "extra_slots": 0.0})
    extra = pd.DataFrame({"site_id": ix.e_site, "option": "", "extra_slots": values[ix.e]})
    plan = pd.concat([rows, extra[extra["extra_slots"] > 0]]).sort_values("site_id")
    plan.to_csv(path, index=False)


def read_plan(index: Any, n_cols: int, path: Path = REFERENCE) -> np.ndarray:
    """A plan file's options and extra slots as column values of the city's model (the
    assignment left at zero)."""
    plan = pd.read_csv(path, dtype={"site_id": str, "option": str}, keep_default_na=False)
    values = np.zeros(n_cols)
    chosen = plan[plan["option"] != ""]
    key = pd.MultiIndex.from_arrays([index.y_site.astype(str), index.y_option.astype(str)])
    where = key.get_indexer(pd.MultiIndex.from_frame(chosen[["site_id", "option"]]))
    if (where < 0).any():
        raise ValueError(f"{path}: options the city does not have")
    values[index.y.start + where] = 1.0
    extra = plan[plan["extra_slots"] > 0].set_index("site_id")["extra_slots"]
    values[index.e] = extra.reindex(index.e_site.astype(str)).fillna(0.0).to_numpy()
    return values


def check_reference(path: Path = REFERENCE) -> dict[str, Any]:
    """The reference plan's cost, checked against the city's rules by :func:`check_plan`."""
    from siting.mip import solve_model
    from siting.model import build_model
    from siting.start import greedy_start

    problem, _ = instance("city")
    model = build_model(problem)
    values = read_plan(model.index, model.base.num_cols, path)
    first = solve_model(replace(model.base, c=model.shortfall), start=greedy_start(model))
    held = float(first.stats.objective or 0.0)
    return {"cost": float(model.cost @ values), "held_shortfall": held} | check_plan(
        model, values, held
    )


def worker(args: argparse.Namespace) -> dict[str, Any]:
    """Solve one instance's shortfall and cost stages with one configuration."""
    from siting.model import build_model
    from siting.solve import solve_siting
    from siting.start import cost_greedy_start

    problem, info = instance(args.instance)
    model = build_model(problem)
    greedy = float(model.cost @ cost_greedy_start(model))
    t0 = time.perf_counter()
    sol = solve_siting(
        model,
        time_limit_s=args.time_limit,
        gap=args.gap,
        threads=args.threads,
        stages=2,
        cost_search=CONFIGS[args.config],
    )
    wall = time.perf_counter() - t0
    cost = sol.stages[1] if len(sol.stages) > 1 else None
    detail = cost.detail if cost is not None else {}
    held = sol.stages[0].stats.objective or 0.0
    check = check_plan(model, sol.values, held) if sol.values is not None else {}
    if args.save_plan and sol.values is not None:
        save_plan(model, sol.values, Path(args.save_plan))
    return {
        "instance": args.instance,
        "config": args.config,
        "time_limit": args.time_limit,
        "info": info,
        "wall_s": wall,
        "status": cost.stats.status.value if cost else None,
        "cost": cost.stats.objective if cost else None,
        "bound": cost.stats.bound if cost else None,
        "gap": cost.stats.gap if cost else None,
        "solve_s": cost.stats.solve_s if cost else None,
        "detail": detail,
        "greedy_cost": greedy,
        "check": check,
        "load": os.getloadavg(),
    }


def _m(value: float | None) -> str:
    return "-" if value is None else f"{value / 1e6:,.1f}"


def print_table(results: list[dict[str, Any]]) -> None:
    """One line per run, then the best plan known per instance."""
    best: dict[str, float] = {}
    for r in results:
        if r["cost"] is not None:
            best[r["instance"]] = min(best.get(r["instance"], np.inf), r["cost"])
    head = (
        f"{'instance':<10} {'config':<17} {'limit s':>7} {'cost M':>9} {'vs best':>8} "
        f"{'bound M':>9} {'from':<10} {'gap':>7} {'found by':<22} {'LS s':>6} {'LR s':>6} "
        f"{'LH s':>6} {'HiGHS s':>7} {'RS s':>6} {'RB s':>6} {'load 1/5/15':>15}"
    )
    print(head)
    print("-" * len(head))
    for r in results:
        d = r["detail"] or {}
        times = d.get("times_s", {})
        source = d.get("bound_source") or ("highs" if r["bound"] is not None else "-")
        found = d.get("found_by", "highs")
        if not d and r["cost"] is not None and abs(r["cost"] - r.get("greedy_cost", -1)) < 1:
            found = "start (greedy)"
        if found == "start":
            found = "start (greedy)"
        vs = "-" if r["cost"] is None else f"{r['cost'] / best[r['instance']] - 1:+.2%}"
        gap = "-" if r["gap"] is None else f"{r['gap']:.2%}"
        highs_s = times.get("highs", r["solve_s"] or 0.0)
        print(
            f"{r['instance']:<10} {r['config']:<17} {r['time_limit']:>7.0f} {_m(r['cost']):>9} "
            f"{vs:>8} {_m(r['bound']):>9} {source:<10} {gap:>7} {found:<22} "
            f"{times.get('local_search', 0.0):>6.1f} {times.get('lagrangian', 0.0):>6.1f} "
            f"{times.get('lagrangian_plan', 0.0):>6.1f} "
            f"{highs_s:>7.1f} {times.get('region_search', 0.0):>6.1f} "
            f"{times.get('region_bound', 0.0):>6.1f} {'/'.join(f'{v:.1f}' for v in r['load']):>15}"
        )
    unsound = [r for r in results if r.get("check") and not r["check"]["sound"]]
    print(
        f"checked by SciPy's maximum flow over each plan's sizes: {len(unsound)} unsound"
        f" of {sum(1 for r in results if r.get('check'))}"
    )
    for name, value in best.items():
        before = BEST_KNOWN_M.get(name)
        note = f" (before: {before:,.1f} M)" if before else ""
        print(f"best plan known for {name}: {value / 1e6:,.1f} M CNY{note}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", nargs="*", choices=INSTANCES, default=list(INSTANCES[:2]))
    parser.add_argument("--configs", nargs="*", choices=list(CONFIGS), default=list(CONFIGS))
    parser.add_argument("--time-limits", nargs="*", type=float, default=[60.0])
    parser.add_argument("--gap", type=float, default=0.005)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--json", help="append each run's figures to this file (JSON lines)")
    parser.add_argument("--table", help="only print the table of the runs in this JSON-lines file")
    parser.add_argument("--save-plan", help="with one instance and config: write its plan here")
    parser.add_argument(
        "--check-reference",
        nargs="?",
        const=str(REFERENCE),
        help="check a plan file of the city (default: the reference plan) and stop",
    )
    parser.add_argument("--instance", choices=INSTANCES, help=argparse.SUPPRESS)
    parser.add_argument("--config", choices=list(CONFIGS), help=argparse.SUPPRESS)
    parser.add_argument("--time-limit", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.instance:
        sys.stdout.write(json.dumps(worker(args), default=float) + "\n")
        return
    if args.check_reference:
        print(json.dumps(check_reference(Path(args.check_reference)), default=float))
        return
    if args.table:
        with open(args.table, encoding="utf-8") as f:
            print_table([json.loads(line) for line in f if line.strip()])
        return
    results = []
    for limit in args.time_limits:
        for name in args.instances:
            for config in args.configs:
                cmd = [sys.executable, "-m", "benchmarks.cost_stage", "--instance", name]
                cmd += ["--config", config, "--time-limit", str(limit), "--gap", str(args.gap)]
                cmd += ["--threads", str(args.threads)]
                if args.save_plan:
                    cmd += ["--save-plan", f"{args.save_plan}.{name}.{config}.{limit:g}.csv"]
                out = subprocess.run(cmd, check=True, capture_output=True, text=True)
                result = json.loads(out.stdout.strip().splitlines()[-1])
                results.append(result)
                if args.json:
                    with open(args.json, "a", encoding="utf-8") as f:
                        f.write(json.dumps(result) + "\n")
                print(f"  {name} {config} {limit:g} s: done", flush=True)
    print()
    print_table(results)


if __name__ == "__main__":
    main()
