"""``siting.locate`` against PySAL ``spopt`` on the same instances, side by side.

Run with ``.venv/bin/python -m benchmarks.locate [--quick] [--spopt-limit 120]``;
``--only lscp`` runs one model, ``--repeat 5`` runs siting five times per case
(the table shows the median; the runs are listed below it).

Every contender runs in a fresh subprocess; the time covers building and
solving the model (not generating the data), and the peak memory is the
subprocess's maximum resident set size. The p-median instances of 200, 300
and 400 nodes are *random graphs generated the OR-Library way* (a random
spanning tree plus random edges, integer costs 1-100, shortest-path costs),
with the same node and edge counts as pmed6, pmed11 and pmed16, because
Beasley's files for those are not bundled; pmed1 is the real OR-Library file.
The MCLP (p = 40) and LSCP instances have 4,000 demand and 400 site points
uniform on a 10 km square, with a service radius of 1,500 m: on average a
demand point has 24.7 sites in range (edges have fewer).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import shortest_path

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def _graph_costs(n: int, edges: dict[tuple[int, int], float]) -> np.ndarray:
    rows = np.array([k[0] for k in edges])
    cols = np.array([k[1] for k in edges])
    graph = sp.coo_array((np.array(list(edges.values())), (rows, cols)), shape=(n, n)).tocsr()
    return np.asarray(shortest_path(graph, directed=False))


def orlib_file(name: str) -> tuple[np.ndarray, int]:
    tokens = (SHARED / "orlib" / f"{name}.txt").read_text().split()
    n, m, p = int(tokens[0]), int(tokens[1]), int(tokens[2])
    data = np.array(tokens[3 : 3 + 3 * m], dtype=np.int64).reshape(m, 3)
    edges = {(min(i, j) - 1, max(i, j) - 1): float(c) for i, j, c in data}
    return _graph_costs(n, edges), p


def orlib_like(n: int, n_edges: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    perm = rng.permutation(n)
    edges: dict[tuple[int, int], float] = {}
    for k in range(1, n):
        a, b = int(perm[k]), int(perm[rng.integers(0, k)])
        edges[(min(a, b), max(a, b))] = float(rng.integers(1, 101))
    while len(edges) < n_edges:
        a, b = (int(v) for v in rng.integers(0, n, 2))
        if a != b:
            edges[(min(a, b), max(a, b))] = float(rng.integers(1, 101))
    return _graph_costs(n, edges)


def points(n: int, m: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    demand = rng.uniform(0, 10_000, (n, 2))
    sites = rng.uniform(0, 10_000, (m, 2))
    dist = np.hypot(*(demand[:, None, :] - sites[None, :, :]).transpose(2, 0, 1))
    weights = rng.integers(1, 100, n).astype(float)
    return dist, weights


def instance(name: str) -> dict[str, Any]:
    """Cost matrix, weights and parameters of one named instance."""
    if name == "pmed1":
        dist, p = orlib_file("pmed1")
        return {"cost": dist, "weights": np.ones(len(dist)), "p": p}
    if name.startswith("orlib-like-"):
        n = int(name.rsplit("-", 1)[1])
        n_edges = {200: 800, 300: 1800, 400: 3200}[n]
        return {"cost": orlib_like(n, n_edges, seed=n), "weights": np.ones(n), "p": 5}
    if name == "random-2000x200":
        dist, w = points(2000, 200, seed=1)
        return {"cost": dist, "weights": w, "p": 20}
    if name == "random-4000x400":
        dist, w = points(4000, 400, seed=2)
        return {"cost": dist, "weights": w, "p": 40, "radius": 1500.0, "lscp_radius": 1500.0}
    raise ValueError(name)


CASES: list[tuple[str, str]] = [
    ("pmed1", "p_median"),
    ("orlib-like-200", "p_median"),
    ("orlib-like-300", "p_median"),
    ("orlib-like-400", "p_median"),
    ("random-2000x200", "p_median"),
    ("random-4000x400", "mclp"),
    ("random-4000x400", "lscp"),
]
SLOW_FOR_SPOPT = {("orlib-like-300", "p_median"), ("orlib-like-400", "p_median"),
                  ("random-2000x200", "p_median")}  # fmt: skip


def run_siting(data: dict[str, Any], model: str, limit: float) -> dict[str, Any]:
    from siting import locate

    t0 = time.perf_counter()
    if model == "p_median":
        r = locate.p_median(data["cost"], data["weights"], data["p"], time_limit_s=limit)
    elif model == "mclp":
        r = locate.mclp(
            data["cost"], data["weights"], data["radius"], data["p"], time_limit_s=limit
        )
    else:
        r = locate.lscp(data["cost"], data["lscp_radius"], time_limit_s=limit)
    seconds = time.perf_counter() - t0
    return {"time": seconds, "status": r.status.value, "objective": r.objective, "bound": r.bound}


def run_spopt(data: dict[str, Any], model: str, limit: float) -> dict[str, Any]:
    import pulp
    from spopt.locate import LSCP, MCLP, PMedian

    solver = pulp.HiGHS(msg=False, timeLimit=limit)
    t0 = time.perf_counter()
    if model == "p_median":
        m = PMedian.from_cost_matrix(data["cost"], data["weights"], p_facilities=data["p"])
    elif model == "mclp":
        m = MCLP.from_cost_matrix(
            data["cost"], data["weights"], service_radius=data["radius"], p_facilities=data["p"]
        )
    else:
        m = LSCP.from_cost_matrix(data["cost"], service_radius=data["lscp_radius"])
    built = time.perf_counter() - t0
    m = m.solve(solver)
    seconds = time.perf_counter() - t0
    prob = m.problem
    if prob.status == pulp.LpStatusOptimal and prob.sol_status == pulp.LpSolutionOptimal:
        status = "optimal"
    elif prob.sol_status == pulp.LpSolutionIntegerFeasible:
        status = "feasible"
    else:
        status = f"{pulp.LpStatus[prob.status]}/{pulp.LpSolution[prob.sol_status]}"
    return {
        "time": seconds,
        "build": built,
        "status": status,
        "objective": pulp.value(prob.objective),
        "bound": None,
    }


def worker(case: str, model: str, tool: str, limit: float) -> None:
    import warnings

    warnings.simplefilter("ignore")
    data = instance(case)
    out = (run_siting if tool == "siting" else run_spopt)(data, model, limit)
    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    sys.stdout.write(json.dumps(out) + "\n")


def measure(case: str, model: str, tool: str, limit: float) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "benchmarks.locate", "--worker", case, model, tool, str(limit)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=limit * 3 + 300, check=False)
    if proc.returncode != 0:
        return {"time": float("nan"), "peak_mb": float("nan"), "status": "crashed",
                "objective": None, "error": proc.stderr[-300:]}  # fmt: skip
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def _fmt(r: dict[str, Any] | None) -> tuple[str, str, str]:
    if r is None:
        return "skipped", "", ""
    obj = r.get("objective")
    text = f"{r['status']} {obj:,.2f}" if isinstance(obj, float | int) else str(r["status"])
    return f"{r['time']:.2f}", f"{r['peak_mb']:.0f}", text


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="skip spopt where it is slowest")
    parser.add_argument("--spopt-limit", type=float, default=120.0)
    parser.add_argument("--siting-limit", type=float, default=300.0)
    parser.add_argument(
        "--only", choices=sorted({model for _, model in CASES}), help="run only this model"
    )
    parser.add_argument("--repeat", type=int, default=1, help="siting runs per case (median shown)")
    parser.add_argument("--no-spopt", action="store_true", help="run siting only")
    parser.add_argument("--worker", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker[0], args.worker[1], args.worker[2], float(args.worker[3]))
        return
    header = (
        f"{'instance':<18}{'model':<10}{'siting s':>9}{'MB':>6}  {'siting result':<24}"
        f"{'spopt s':>9}{'MB':>6}  {'spopt result':<26}{'ratio':>7}"
    )
    print(header)
    print("-" * len(header))
    runs: list[str] = []
    for case, model in CASES:
        if case == "pmed1" and not (SHARED / "orlib" / "pmed1.txt").exists():
            continue
        if args.only and model != args.only:
            continue
        tries = [measure(case, model, "siting", args.siting_limit) for _ in range(args.repeat)]
        times = sorted(t["time"] for t in tries)
        ours = sorted(tries, key=lambda t: t["time"])[(len(tries) - 1) // 2]
        if len(tries) > 1:
            statuses = sorted({str(t["status"]) for t in tries})
            runs.append(
                f"{case} {model}: median {ours['time']:.2f} s, range {times[0]:.2f}-"
                f"{times[-1]:.2f} s over {len(tries)} runs ({', '.join(statuses)}): "
                + " ".join(f"{t:.2f}" for t in times)
            )
        theirs = None
        if not args.no_spopt and not (args.quick and (case, model) in SLOW_FOR_SPOPT):
            theirs = measure(case, model, "spopt", args.spopt_limit)
        a, b = _fmt(ours), _fmt(theirs)
        ratio = f"{theirs['time'] / ours['time']:.1f}x" if theirs and ours["time"] > 0 else ""
        print(f"{case:<18}{model:<10}{a[0]:>9}{a[1]:>6}  {a[2]:<24}{b[0]:>9}{b[1]:>6}  "
              f"{b[2]:<26}{ratio:>7}", flush=True)  # fmt: skip
    print(f"\nspopt: PuLP + HiGHS, limit {args.spopt_limit:.0f} s; ratio = spopt s / siting s")
    for line in runs:
        print(line)


if __name__ == "__main__":
    main()
