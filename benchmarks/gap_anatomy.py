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
from typing import Any

import numpy as np

from benchmarks.model import make_city
from benchmarks.solvers import cost_stage
from siting.mip import MipResult, solve_model
from siting.search.stage import solve_cost_stage
from siting.status import Status


def _pct(value: float, best_bound: float) -> str:
    return f"{100.0 * (value - best_bound) / best_bound:+.2f} %"


def package_stage(built: dict[str, Any], *, time_limit_s: float, threads: int) -> MipResult:
    """The package's cost stage (``siting.search``) on a stage exported by
    :func:`benchmarks.solvers.cost_stage`, from its start, asked for a gap of 1e-4."""
    plan, _ = solve_cost_stage(
        built["siting_model"],
        built["model"],
        start=built["start"],
        shortfall_cap=built["shortfall_cap"],
        time_limit_s=time_limit_s,
        gap=1e-4,
        threads=threads,
    )
    return plan


def measure(
    *, areas: int, sites: int, seed: int, stage_limit_s: float, proof_limit_s: float, threads: int
) -> dict[str, float]:
    """Build the smaller city and measure every bound and plan of the table, M CNY.

    Returns
    -------
    dict
        ``lp``, ``root``, ``stage_bound``, ``stage_plan``, ``stage_s``,
        ``proof_plan``, ``proof_bound``, ``proof_gap`` and ``proven`` (1.0 when
        HiGHS proved its plan optimal), with the city's ``areas``, ``sites``,
        ``existing`` and ``pairs``.
    """
    existing = max(1, round(50 * sites / 2000))
    problem, info = make_city(areas, sites, seed=seed, n_existing=existing)
    # the cost stage, its start and its held shortfall exactly as the package builds them
    built = cost_stage(problem, time_limit_s=max(stage_limit_s, 60.0))
    stage = built["model"]
    lp = solve_model(replace(stage, integer=np.zeros_like(stage.integer)), threads=1)
    root = solve_model(stage, threads=1, gap=0.0, options={"mip_max_nodes": 1})
    began = time.perf_counter()
    plan = package_stage(built, time_limit_s=stage_limit_s, threads=threads)
    stage_s = time.perf_counter() - began
    if plan.values is None:
        raise RuntimeError("the cost stage returned no plan")
    proof = solve_model(stage, time_limit_s=proof_limit_s, gap=0.0, threads=1, start=plan.values)

    def m(x: float | None) -> float:
        return float("nan") if x is None else float(x) / 1e6

    return {
        "areas": float(info["areas"]),
        "sites": float(info["sites"]),
        "existing": float(existing),
        "pairs": float(info["pairs"]),
        "lp": m(lp.stats.objective),
        "root": m(root.stats.bound),
        "stage_bound": m(plan.stats.bound),
        "stage_plan": m(plan.stats.objective),
        "stage_s": stage_s,
        "proof_plan": m(proof.stats.objective),
        "proof_bound": m(proof.stats.bound),
        "proof_gap": float(proof.stats.gap or 0.0),
        "proven": float(proof.stats.status is Status.OPTIMAL),
    }


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
    r = measure(
        areas=args.areas,
        sites=args.sites,
        seed=args.seed,
        stage_limit_s=args.stage_limit,
        proof_limit_s=args.proof_limit,
        threads=args.threads,
    )
    print(
        f"city: {r['areas']:.0f} areas, {r['sites']:.0f} sites ({r['existing']:.0f} existing), "
        f"{r['pairs']:.0f} pairs, seed {args.seed}"
    )
    stage_at, proof_at = f"{r['stage_s']:.0f} s", f"{args.proof_limit:.0f} s"
    rows = [
        ("linear relaxation", r["lp"]),
        ("HiGHS root (cuts, one node)", r["root"]),
        (f"siting's cost stage, {stage_at}: bound", r["stage_bound"]),
        (f"siting's cost stage, {stage_at}: plan", r["stage_plan"]),
        (f"HiGHS from that plan, {proof_at}: plan", r["proof_plan"]),
        (f"HiGHS from that plan, {proof_at}: bound", r["proof_bound"]),
    ]
    print(f"{'':<44} {'M CNY':>10}  {'to the last bound':>17}")
    for name, cost in rows:
        print(f"{name:<44} {cost:>10.3f}  {_pct(cost, r['proof_bound']):>17}")
    status = "optimal" if r["proven"] else "stopped by its limit"
    print(f"HiGHS's proof run: {status}, gap {100 * r['proof_gap']:.2f} %")


if __name__ == "__main__":
    main()
