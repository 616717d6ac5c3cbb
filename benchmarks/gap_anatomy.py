"""Where the cost stage's gap lies: the plan's side or the bound's, on a city small enough to close.

Run with ``.venv/bin/python -m benchmarks.gap_anatomy`` (``--help`` for the options).

The benchmark city's cost stage ends its 600 s at about 1.5 %, and nobody knows its
optimum. This builds a smaller city of the same structure (``benchmarks.model``'s
generator; the same sizes, prices, 300 m walks and density; the existing facilities
scaled with the sites, 50 per 2,000) and measures, on it:

* the linear relaxation of the cost stage;
* HiGHS's root bound (its cuts, one node);
* the package's cost stage (``siting.search``) at ``--stage-limit`` seconds: plan and bound;
* HiGHS started from that plan and asked for an exact proof for ``--proof-limit``
  seconds: its best plan and its bound.

The last bound is the closest to the optimum known; each figure's distance to it
says how much of the gap each side holds.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace

import numpy as np

from benchmarks.model import make_city
from siting.mip import solve_model
from siting.model import build_model
from siting.search.stage import solve_cost_stage
from siting.solve import _cap_value, _with_cap
from siting.start import cost_greedy_start


def _pct(value: float, best_bound: float) -> str:
    return f"{100.0 * (value - best_bound) / best_bound:+.2f} %"


def main(argv: list[str] | None = None) -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--areas", type=int, default=500)
    parser.add_argument("--sites", type=int, default=200, help="new sites (default 200)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--stage-limit", type=float, default=60.0)
    parser.add_argument("--proof-limit", type=float, default=900.0)
    parser.add_argument("--threads", type=int, default=2, help="for the package's stage")
    args = parser.parse_args(argv)

    existing = max(1, round(50 * args.sites / 2000))
    problem, info = make_city(args.areas, args.sites, seed=args.seed, n_existing=existing)
    model = build_model(problem)
    first = solve_model(replace(model.base, c=model.shortfall), threads=1)
    held = float(first.stats.objective or 0.0)
    stage = _with_cap(replace(model.base, c=model.cost), model.cost, model.shortfall, held)
    print(
        f"city: {info['areas']} areas, {info['sites']} sites ({existing} existing), "
        f"{info['pairs']} pairs, seed {args.seed}"
    )

    lp = solve_model(replace(stage, integer=np.zeros_like(stage.integer)), threads=1)
    root = solve_model(stage, threads=1, gap=0.0, options={"mip_max_nodes": 1})
    began = time.perf_counter()
    plan, _ = solve_cost_stage(
        model,
        stage,
        start=cost_greedy_start(model),
        shortfall_cap=_cap_value(held),
        time_limit_s=args.stage_limit,
        gap=1e-4,
        threads=args.threads,
    )
    stage_s = time.perf_counter() - began
    assert plan.values is not None
    proof = solve_model(stage, time_limit_s=args.proof_limit, gap=0.0, threads=1, start=plan.values)

    def value(x: float | None) -> float:
        return float("nan") if x is None else float(x)

    best_bound = value(proof.stats.bound)
    stage_at, proof_at = f"{stage_s:.0f} s", f"{args.proof_limit:.0f} s"
    rows = [
        ("linear relaxation", value(lp.stats.objective)),
        ("HiGHS root (cuts, one node)", value(root.stats.bound)),
        (f"siting's cost stage, {stage_at}: bound", value(plan.stats.bound)),
        (f"siting's cost stage, {stage_at}: plan", value(plan.stats.objective)),
        (f"HiGHS from that plan, {proof_at}: plan", value(proof.stats.objective)),
        (f"HiGHS from that plan, {proof_at}: bound", best_bound),
    ]
    print(f"{'':<44} {'M CNY':>10}  {'to the last bound':>17}")
    for name, cost in rows:
        print(f"{name:<44} {cost / 1e6:>10.3f}  {_pct(cost, best_bound):>17}")
    gap = 100 * (proof.stats.gap or 0.0)
    print(f"HiGHS's proof run: {proof.stats.status.value}, gap {gap:.2f} %")


if __name__ == "__main__":
    main()
