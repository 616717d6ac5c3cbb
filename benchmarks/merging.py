"""Solution merging on the cost stage (issue 14, thirteenth round; not kept).

Run with ``.venv/bin/python -m benchmarks.merging --instance small --plans 4 --limit 30
--merge-limit 120`` (``--help`` for the rest).

The package's cost stage (``siting.search.stage``) is run ``--plans`` times from the
same start, each with another first METIS seed for its region search (100, 200, ...), two
at a time in their own processes on one HiGHS thread each, so the plans are local optima
of different searches. Then HiGHS solves the cost stage restricted by what they share,
from the cheapest of them, for ``--merge-limit`` seconds, no gap:

``agree``
    every site on which all the plans agree (closed, or open at the same option) is held
    so; the others are free;
``union``
    every site no plan opens is held closed; the sites some plan opens are free, at any
    option.

The restricted problems' optimum bounds what merging can find; a cheaper plan there is
a plan of the cost stage (the rows are the stage's, only column bounds change).
Instances are ``benchmarks.formulation``'s: ``small`` (500 areas, 200 sites; its optimum
lies between 146.10 and 146.67 M CNY) and ``city`` (the benchmark city).
"""

from __future__ import annotations

import argparse
import functools
import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from typing import Any

import numpy as np

from benchmarks.formulation import INSTANCES, problem_of
from benchmarks.gap_anatomy import package_stage

MODES = ("agree", "union")


def _built(instance: str) -> dict[str, Any]:
    from benchmarks.solvers import cost_stage

    return cost_stage(problem_of(instance), time_limit_s=60.0)


def one_plan(job: tuple[str, int, float]) -> tuple[int, np.ndarray, float, float, float]:
    """The package's cost stage with its region search's first seed ``seed``: ``(seed,
    plan, cost, bound, seconds)``."""
    instance, seed, limit = job
    import siting.search.stage as stage_module

    stage_module.region_search = functools.partial(stage_module.region_search, seed=seed)
    built = _built(instance)
    t0 = time.perf_counter()
    plan = package_stage(built, time_limit_s=limit, threads=1)
    assert plan.values is not None and plan.stats.objective is not None
    bound = plan.stats.bound if plan.stats.bound is not None else float("nan")
    return seed, plan.values, plan.stats.objective, bound, time.perf_counter() - t0


def merged(
    built: dict[str, Any], plans: list[np.ndarray], *, mode: str, limit_s: float
) -> dict[str, Any]:
    """HiGHS on the cost stage restricted by ``mode`` (see the module), from the
    cheapest plan: its plan, its bound (of the restricted problem) and the free sites."""
    from siting.mip import satisfies, solve_model

    stage, index = built["model"], built["siting_model"].index
    y_cols = np.arange(stage.num_cols)[index.y]
    site = np.asarray(index.y_site_code)
    open_at = np.array([p[index.y] > 0.5 for p in plans])
    lower, upper = stage.col_lower.copy(), stage.col_upper.copy()
    if mode == "union":
        used = np.isin(site, site[open_at.any(axis=0)])
        upper[y_cols[~used]] = 0.0
    else:
        differs = np.isin(site, site[(open_at != open_at[0]).any(axis=0)])
        lower[y_cols[~differs]] = upper[y_cols[~differs]] = open_at[0][~differs]
    free = len(np.unique(site[upper[y_cols] > lower[y_cols]]))
    best = min(plans, key=lambda p: float(stage.c @ p))
    t0 = time.perf_counter()
    result = solve_model(
        replace(stage, col_lower=lower, col_upper=upper),
        time_limit_s=limit_s,
        gap=0.0,
        threads=1,
        start=best,
    )
    ok = result.values is not None and satisfies(stage, result.values)
    return {
        "mode": mode,
        "free_sites": free,
        "start": float(stage.c @ best),
        "cost": result.stats.objective,
        "bound": result.stats.bound,
        "plan_meets_the_stage": bool(ok),
        "seconds": time.perf_counter() - t0,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instance", choices=INSTANCES, default="small")
    parser.add_argument("--plans", type=int, default=4, help="cost stages to merge")
    parser.add_argument("--limit", type=float, default=30.0, help="each stage's seconds")
    parser.add_argument("--merge-limit", type=float, default=120.0, help="HiGHS's seconds")
    parser.add_argument("--modes", nargs="*", choices=MODES, default=list(MODES))
    args = parser.parse_args(argv)
    jobs = [(args.instance, 100 * (i + 1), args.limit) for i in range(args.plans)]
    with ProcessPoolExecutor(2) as pool:
        runs = list(pool.map(one_plan, jobs))
    print(f"{args.instance}: {args.plans} cost stages of {args.limit:g} s, one thread each")
    for seed, _, cost, bound, seconds in runs:
        print(f"  seed {seed}: {cost / 1e6:,.3f} M, bound {bound / 1e6:,.3f} M ({seconds:.0f} s)")
    built = _built(args.instance)
    for mode in args.modes:
        r = merged(built, [run[1] for run in runs], mode=mode, limit_s=args.merge_limit)
        print(
            f"  {mode}: {r['free_sites']} free sites; from {r['start'] / 1e6:,.3f} M to "
            f"{r['cost'] / 1e6:,.3f} M, restricted bound {r['bound'] / 1e6:,.3f} M "
            f"({r['seconds']:.0f} s; meets the stage: {r['plan_meets_the_stage']})"
        )
    print(f"  load average at the end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
