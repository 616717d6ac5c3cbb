"""Does each stage end near ``solver.time_limit_s`` on a city of tens of thousands of areas?

Run with ``.venv/bin/python -m benchmarks.time_limits`` (``--help`` for the options).

It writes :mod:`benchmarks.realcity`'s hand-over-shaped city (``--areas``, seeded),
prepares it once (inputs, demand, candidates, distances), then solves it at each
``--limits`` and prints, per limit: the wall time of the solve, and for every stage
its status, gap and seconds, with the cost stage's parts (local search, Lagrangian
bound and plan, HiGHS, region search). A stage far past its limit is what this
measures: HiGHS's presolve does not watch the clock (see
:func:`siting.search.stage.presolve_too_slow`).
"""

from __future__ import annotations

import argparse
import dataclasses
import tempfile
import time
from pathlib import Path

from benchmarks.realcity import write_city
from siting.pipeline import prepare, solve_prepared


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--areas", type=int, default=28000, help="about how many areas")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--limits", type=float, nargs="+", default=[10.0, 30.0])
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        summary = write_city(Path(folder), n_areas=args.areas, seed=args.seed)
        began = time.perf_counter()
        prepared = prepare(summary.scenario)
        took = time.perf_counter() - began
        print(f"{args.areas} areas (seed {args.seed}): prepared in {took:.1f} s")
        base = prepared.scenario
        for limit in args.limits:
            scenario = dataclasses.replace(
                base, solver=dataclasses.replace(base.solver, time_limit_s=limit)
            )
            began = time.perf_counter()
            plan = solve_prepared(prepared, scenario=scenario)
            wall = time.perf_counter() - began
            print(f"limit {limit:g} s: solve {wall:.1f} s")
            for stage in plan.run["stages"]:
                gap = stage.get("gap")
                shown = "-" if gap is None else f"{100 * gap:.2f} %"
                name, status, seconds = stage["name"], stage["status"], stage["solve_s"]
                print(f"  {name:<10} {status:<10} gap {shown:>9}  {seconds:.1f} s")
                parts = stage.get("search", {}).get("times_s", {})
                if parts:
                    print("    " + ", ".join(f"{k} {v:.1f} s" for k, v in parts.items()))


if __name__ == "__main__":
    main()
