"""HiGHS, SCIP and CP-SAT side by side on the siting model's cost stage (issue 14).

Run with ``.venv/bin/python -m benchmarks.solvers`` (``--help`` for the rest; about
13 minutes with the defaults). SCIP (``pyscipopt``) and OR-Tools CP-SAT (``ortools``)
come with the ``bench`` extra; CP-SAT is also the package's ``solver = "cpsat"``
(``cpsat`` extra), SCIP only a back-end of this benchmark (:mod:`benchmarks.scip`).

Two instances:

``city``
    The city of ``python -m benchmarks.model`` (5,000 areas, 2,000 candidate sites
    plus 50 existing facilities, seed 20240601; sizes 45 / 80 / 145 slots and a
    145-slot demonstration tier).
``six``
    A second city of a different structure: seed 7, 4,000 areas and only 1,200
    candidate sites (sparser candidates, so fewer sites within reach of each
    area) and the policy's six default sizes: every candidate offers 18, 35, 45
    and 80 slots, half of them (the larger plots) also 145 slots and the 145-slot
    demonstration tier, with costs whose price per slot falls as the size grows.

For each instance the shortfall stage is solved once with HiGHS, exactly as
:func:`siting.solve.solve_siting` does (greedy start, 60 s, gap 0.5 %), and
the cost stage's model is written to a cache file: the constraints with the
shortfall held at stage 1's value, the cost objective, and the cost-aware
greedy start the package hands the solver. Every solver then runs on those
same arrays (HiGHS and CP-SAT through :func:`siting.mip.solve_model`, SCIP
through :func:`benchmarks.scip.solve_scip`), each in a fresh subprocess, with
the same start (``--no-start``: none), the same gap (0.5 %, the package's
default) and the same time limit. The table gives the cost, the solver's
proven bound, the gap, and the seconds into the search of the first incumbent
and of the last improvement: SCIP's first is 0 when it accepts the start,
HiGHS and CP-SAT report the start once their presolve has run.
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
from siting.model import SitingProblem

INSTANCES = ("city", "six")
SOLVERS = ("highs", "scip", "cpsat")
SIX_SIZES = {  # name: (slots, cost in CNY at price 1, demonstration)
    "small-1": (18, 0.70e6, False),
    "small-2": (35, 1.05e6, False),
    "small": (45, 1.25e6, False),
    "medium": (80, 2.00e6, False),
    "large": (145, 3.30e6, False),
    "demonstration": (145, 3.90e6, True),
}


# ---------------------------------------------------------------------------
# the instances and their cost stage
# ---------------------------------------------------------------------------


def make_instance(name: str) -> tuple[SitingProblem, dict[str, Any]]:
    """The named instance's :class:`SitingProblem` and a description."""
    from benchmarks.model import make_city

    if name == "city":
        return make_city(5_000, 2_000, seed=20240601)
    if name != "six":
        raise ValueError(f"unknown instance {name!r}")
    problem, info = make_city(4_000, 1_200, seed=7)
    sites = problem.sites
    new = sites.index[~sites["existing"].to_numpy(dtype=bool)]
    # the old options' cost / base cost gives each site's price factor back
    old = problem.options[problem.options["option"] == "small"].set_index("site_id")["cost"]
    price = (old / 1.25e6).reindex(new).to_numpy()
    rng = np.random.default_rng(7)
    big_plot = rng.random(len(new)) < 0.5
    rows = []
    for option, (slots, cost, demo) in SIX_SIZES.items():
        at = big_plot if option in ("large", "demonstration") else np.ones(len(new), bool)
        rows.append(
            pd.DataFrame(
                {
                    "site_id": new[at],
                    "option": option,
                    "slots": float(slots),
                    "cost": np.round(cost * price[at], -3),
                    "demonstration": demo,
                }
            )
        )
    options = pd.concat(rows, ignore_index=True)
    problem = replace(problem, options=options)
    info = {**info, "options": len(options)}
    return problem, info


def cost_stage(problem: SitingProblem, *, time_limit_s: float) -> dict[str, Any]:
    """Solve the shortfall stage as the package does; return the cost stage's arrays.

    ``model`` is the cost stage's :class:`~siting.mip.MatrixModel` (the shortfall
    stage's optimum held as a row, at most ``shortfall_cap``), ``siting_model`` the
    built model, ``start`` the plan the package would start the cost stage from,
    ``stage1`` how stage 1 went.
    """
    import siting.solve as solve_mod
    from siting.model import build_model
    from siting.start import cost_greedy_start, is_feasible

    model = build_model(problem)
    t0 = time.perf_counter()
    sol = solve_mod.solve_siting(model, time_limit_s=time_limit_s, gap=0.005, stages=1)
    stage1_s = time.perf_counter() - t0
    assert sol.values is not None, sol.message
    values = sol.values
    held = float(model.shortfall @ values)
    cap = solve_mod._cap_value(held)
    base = replace(model.base, c=model.shortfall)
    stage2 = solve_mod._with_cap(base, model.cost, model.shortfall, cap)
    start = values
    cheap = cost_greedy_start(model)
    if (
        float(model.shortfall @ cheap) <= cap
        and float(model.cost @ cheap) < float(model.cost @ values)
        and is_feasible(model, cheap)
    ):
        start = cheap
    return {
        "model": stage2,
        "siting_model": model,
        "shortfall_cap": cap,
        "start": start,
        "stage1": {
            "status": sol.status.value,
            "shortfall": held,
            "gap": sol.gap,
            "seconds": stage1_s,
        },
    }


def save(path: Path, data: dict[str, Any], info: dict[str, Any]) -> None:
    """Write the cost stage's arrays and its description to ``path`` (``.npz``)."""
    m: MatrixModel = data["model"]
    a = sp.csr_array(m.A)
    np.savez_compressed(
        path,
        c=m.c,
        data=a.data,
        indices=a.indices,
        indptr=a.indptr,
        shape=np.array(a.shape),
        row_lower=m.row_lower,
        row_upper=m.row_upper,
        col_lower=m.col_lower,
        col_upper=m.col_upper,
        integer=m.integer,
        start=data["start"],
        meta=np.array(json.dumps({"instance": info, "stage1": data["stage1"]})),
    )


def load(path: Path) -> tuple[MatrixModel, np.ndarray, dict[str, Any]]:
    """Read what :func:`save` wrote: the model, the start and the description."""
    z = np.load(path)
    a = sp.csr_array((z["data"], z["indices"], z["indptr"]), shape=tuple(z["shape"]))
    model = MatrixModel(
        c=z["c"],
        A=a,
        row_lower=z["row_lower"],
        row_upper=z["row_upper"],
        col_lower=z["col_lower"],
        col_upper=z["col_upper"],
        integer=z["integer"],
    )
    return model, z["start"], json.loads(str(z["meta"]))


def cache_path(cache: Path, instance: str) -> Path:
    """Where the instance's cost stage is kept."""
    return cache / f"siting-cost-stage-{instance}.npz"


def ensure_cached(cache: Path, instance: str, *, stage1_s: float) -> Path:
    """Export the instance's cost stage unless it is cached already."""
    path = cache_path(cache, instance)
    if not path.exists():
        problem, info = make_instance(instance)
        data = cost_stage(problem, time_limit_s=stage1_s)
        cache.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npz")
        save(tmp, data, info)
        os.replace(tmp, path)
    return path


# ---------------------------------------------------------------------------
# one solver run (in its own process)
# ---------------------------------------------------------------------------


def run_one(
    path: Path,
    *,
    solver: str,
    time_limit_s: float,
    threads: int,
    gap: float,
    use_start: bool,
    options: dict[str, Any] | None,
    save_plan: Path | None = None,
) -> dict[str, Any]:
    """Solve the cached cost stage with one solver; return its figures.

    With ``save_plan`` the plan's column values are written there (``.npy``), to check
    or to start from."""
    import siting.mip as mip
    import siting.mip.highs as highs
    from benchmarks.scip import solve_scip

    model, start, meta = load(path)
    found: list[float] = []
    if solver == "highs":
        # record when HiGHS finds incumbents, without changing how the package calls it
        new_highs = highs._new_highs

        def watched() -> Any:
            h = new_highs()
            h.cbMipImprovingSolution.subscribe(
                lambda e: found.append(float(e.data_out.running_time))
            )
            return h

        highs._new_highs = watched  # type: ignore[assignment]
    t0 = time.perf_counter()
    if solver == "scip":
        result = solve_scip(
            model,
            time_limit_s=time_limit_s,
            gap=gap,
            threads=threads,
            start=start if use_start else None,
            options=options,
        )
    else:
        result = mip.solve_model(
            model,
            solver=solver,
            time_limit_s=time_limit_s,
            gap=gap,
            threads=threads,
            start=start if use_start else None,
            options=options,
        )
    if found:
        result.extra.update(first_solution_s=found[0], best_solution_s=found[-1])
    wall = time.perf_counter() - t0
    st = result.stats
    ok = result.values is not None and mip.satisfies(model, result.values)
    if save_plan is not None and result.values is not None:
        save_plan.parent.mkdir(parents=True, exist_ok=True)
        np.save(save_plan, result.values)
    return {
        "solver": st.solver,
        "status": st.status.value,
        "cost": st.objective,
        "bound": st.bound,
        "gap": st.gap,
        "solve_s": st.solve_s,
        "build_s": st.build_s,
        "wall_s": wall,
        "first_s": result.extra.get("first_solution_s"),
        "best_s": result.extra.get("best_solution_s"),
        "start_cost": float(model.c @ start),
        "feasible_checked": ok,
        "message": st.message,
        "meta": meta,
    }


# ---------------------------------------------------------------------------
# the report
# ---------------------------------------------------------------------------


def _m(v: float | None) -> str:
    return "-" if v is None else f"{v / 1e6:,.1f}"


def _s(v: float | None) -> str:
    return "-" if v is None else f"{v:.1f}"


def _gap(v: float | None) -> str:
    return "-" if v is None else f"{v:.2%}"


def print_rows(rows: list[dict[str, Any]]) -> None:
    """One line per run."""
    head = (
        f"{'instance':<8} {'solver':<28} {'thr':>3} {'limit s':>7} {'start':>5} {'status':<9} "
        f"{'cost M':>9} {'bound M':>9} {'gap':>7} {'first s':>7} {'best s':>7} {'solve s':>7} "
        f"{'setup s':>7}"
    )
    print(head)
    print("-" * len(head))
    for r in rows:
        print(
            f"{r['instance']:<8} {r['label']:<28} {r['threads']:>3} {r['limit']:>7.0f} "
            f"{'yes' if r['use_start'] else 'no':>5} {r['status']:<9} {_m(r['cost']):>9} "
            f"{_m(r['bound']):>9} {_gap(r['gap']):>7} {_s(r['first_s']):>7} {_s(r['best_s']):>7} "
            f"{r['solve_s']:>7.1f} {r['build_s']:>7.1f}"
            + ("" if r["feasible_checked"] or r["cost"] is None else "  NOT FEASIBLE")
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", nargs="*", choices=INSTANCES, default=list(INSTANCES))
    parser.add_argument("--solvers", nargs="*", choices=SOLVERS, default=list(SOLVERS))
    parser.add_argument("--time-limit", nargs="*", type=float, default=[60.0])
    parser.add_argument("--threads", nargs="*", type=int, default=[1, 2])
    parser.add_argument("--gap", type=float, default=0.005)
    parser.add_argument("--no-start", action="store_true", help="run without the greedy start")
    parser.add_argument(
        "--cache",
        type=Path,
        default=Path(tempfile.gettempdir()) / "siting-bench",
        help="where the exported cost stages are kept",
    )
    parser.add_argument("--stage1-limit", type=float, default=60.0, help=argparse.SUPPRESS)
    parser.add_argument("--export-only", action="store_true", help="only export the cost stages")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--options", default="{}", help="extra solver options, as JSON")
    parser.add_argument("--json", type=Path, help="also append each run as a JSON line here")
    parser.add_argument("--save-plans", type=Path, help="write each run's plan (.npy) here")
    parser.add_argument("--save-plan", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        out = run_one(
            Path(args.worker),
            solver=args.solvers[0],
            time_limit_s=args.time_limit[0],
            threads=args.threads[0],
            gap=args.gap,
            use_start=not args.no_start,
            options=json.loads(args.options) or None,
            save_plan=args.save_plan,
        )
        sys.stdout.write(json.dumps(out) + "\n")
        return

    rows = []
    for instance in args.instances:
        path = ensure_cached(args.cache, instance, stage1_s=args.stage1_limit)
        _, _, meta = load(path)
        inst, s1 = meta["instance"], meta["stage1"]
        print(
            f"{instance}: {inst['areas']} areas, {inst['sites']} sites, {inst['options']} "
            f"options, {inst['pairs']} pairs; shortfall stage (HiGHS) {s1['status']}, "
            f"shortfall {s1['shortfall']:.1f}, {s1['seconds']:.0f} s",
            flush=True,
        )
        if args.export_only:
            continue
        for limit in args.time_limit:
            for solver in args.solvers:
                for threads in args.threads:
                    cmd = [sys.executable, "-m", "benchmarks.solvers", "--worker", str(path)]
                    cmd += ["--solvers", solver, "--time-limit", str(limit)]
                    cmd += ["--threads", str(threads), "--gap", str(args.gap)]
                    cmd += ["--options", args.options]
                    if args.no_start:
                        cmd.append("--no-start")
                    if args.save_plans:
                        name = f"{instance}-{solver}-x{threads}-{limit:g}s.npy"
                        cmd += ["--save-plan", str(args.save_plans / name)]
                    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
                    r = json.loads(done.stdout.strip().splitlines()[-1])
                    r.update(
                        instance=instance,
                        label=r["solver"],
                        threads=threads,
                        limit=limit,
                        use_start=not args.no_start,
                        uptime=os.getloadavg(),
                    )
                    rows.append(r)
                    if args.json:
                        with args.json.open("a") as f:
                            f.write(json.dumps(r) + "\n")
                    print_rows([r])
                    sys.stdout.flush()
    if rows:
        print()
        print_rows(rows)
        print(f"load average at the end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
