"""Benchmark the siting MIP on a generated city: build time, solve time per stage, memory.

Run with ``.venv/bin/python -m benchmarks.model`` (``--stretch`` for 10,000 areas and
4,000 sites, ``--help`` for the rest).

The city is seeded. Areas are points on a jittered grid (120 m pitch), drawn with
probability proportional to a population density that falls off from a few
centres, so dense parts have areas 120-200 m apart and the edge is sparse.
Candidate sites are drawn the same way (a little more spread). Each area has
300-3,000 residents and needs 8 slots per 1,000 (3-24 slots). Every candidate
site can take a 45-, 80- or 145-slot facility, and half of them (the larger
plots) also the 145-slot facility built as a demonstration facility; costs run
from about 1 to 6 M CNY and fall with the distance from the nearest centre.
About 50 existing facilities can be expanded. Districts are a grid of zones;
each needs one demonstration facility, except the one that already has one.
Pairs are the area-site pairs within 300 m straight-line distance (KD-tree).

Each configuration runs in a fresh subprocess, so that its peak memory
(``ru_maxrss``, the whole process) is its own:

``monolithic``
    ``build_model`` + ``solve_siting`` as the package does it (tight linking rows,
    greedy start for stage 1, cost-aware greedy start for stage 2).
``no-cost-start``
    The same without the cost-aware start for stage 2 (it starts from stage 1's plan).
``no-greedy``
    The same without the greedy start (levers: how much the start helps).
``no-link``
    Without the per-pair linking rows ``x_ij <= min(R_i, max q) sum_k y_jk`` (the
    capacity rows alone link ``x`` to ``y``).
``grouped``
    The instance split into the connected components of the area-site graph,
    components joined (union-find) when they hold demonstration-capable sites of
    the same district that needs one, small groups packed together; each group
    is built and solved as its own ``SitingProblem``. Without a budget or an
    affordable share this is exact: the lexicographic optimum of the whole is
    the union of the groups' optima.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from siting.model import SitingProblem

RADIUS_M = 300.0
GRID_M = 120.0
SLOTS_PER_1000 = 8.0
CONFIGS = ("monolithic", "no-cost-start", "no-greedy", "no-link", "grouped")


# ---------------------------------------------------------------------------
# the city
# ---------------------------------------------------------------------------


def _density(xy: np.ndarray, centres: np.ndarray, spread: np.ndarray, weight: np.ndarray) -> Any:
    d2 = ((xy[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
    return (weight[None, :] * np.exp(-d2 / (2 * spread[None, :] ** 2))).sum(axis=1) + 0.02


def make_city(
    n_areas: int, n_sites: int, *, seed: int, radius_m: float = RADIUS_M, n_existing: int = 50
) -> tuple[SitingProblem, dict[str, Any]]:
    """Generate the seeded city and return its :class:`SitingProblem` and a description."""
    from scipy.spatial import cKDTree

    rng = np.random.default_rng(seed)
    # the built-up land: 5,000 areas at 120 m pitch need ~72 km2 of cells; with the
    # density falloff about 40 % of the square is drawn, so the side grows with sqrt(n)
    side = float(np.sqrt(n_areas * GRID_M**2 / 0.40))
    n_centres = 4 if n_areas <= 6000 else 6
    centres = rng.uniform(0.2 * side, 0.8 * side, (n_centres, 2))
    spread = rng.uniform(0.12, 0.22, n_centres) * side
    weight = rng.uniform(0.5, 1.0, n_centres)
    weight[0] = 1.0  # the main centre
    g = np.arange(GRID_M / 2, side, GRID_M)
    cells = np.stack(np.meshgrid(g, g), axis=-1).reshape(-1, 2)
    dens = _density(cells, centres, spread, weight)
    p = dens / dens.sum()
    pick = rng.choice(len(cells), size=n_areas, replace=False, p=p)
    area_xy = cells[pick] + rng.uniform(-0.35, 0.35, (n_areas, 2)) * GRID_M
    pop = np.clip(rng.lognormal(np.log(1100), 0.55, n_areas), 300, 3000).round()
    required = np.clip(np.round(pop * SLOTS_PER_1000 / 1000), 3, 24)

    # candidate sites: drawn from a smoother density (parcels follow people, loosely)
    p_sites = dens**0.8 / (dens**0.8).sum()
    n_total = n_sites + n_existing
    spick = rng.choice(len(cells), size=n_total, replace=False, p=p_sites)
    site_xy = cells[spick] + rng.uniform(-0.45, 0.45, (n_total, 2)) * GRID_M
    existing = np.zeros(n_total, dtype=bool)
    existing[rng.choice(n_total, size=n_existing, replace=False)] = True

    # districts: a grid of zones (2 x 3 = 6 for the city, 3 x 3 = 9 would be a big one)
    nx, ny = (3, 2) if n_areas <= 6000 else (3, 3)
    zx = np.minimum((site_xy[:, 0] / side * nx).astype(int), nx - 1)
    zy = np.minimum((site_xy[:, 1] / side * ny).astype(int), ny - 1)
    district = np.array([f"D{a}{b}" for a, b in zip(zx, zy, strict=True)], dtype=object)
    districts = tuple(sorted(set(district)))

    # land price: falls with the distance to the nearest centre
    near = np.sqrt(((site_xy[:, None, :] - centres[None]) ** 2).sum(axis=2)).min(axis=1)
    price = (0.75 + 0.9 * np.exp(-near / (0.25 * side))) * rng.uniform(0.9, 1.1, n_total)

    site_ids = np.array([f"S{j:05d}" for j in range(n_total)], dtype=object)
    existing_slots = np.where(existing, rng.choice([90, 135, 180, 270], n_total), 0).astype(float)
    max_extra = np.where(
        existing & (rng.random(n_total) < 0.5), rng.choice([15, 30, 45], n_total), 0
    )
    demo_existing = np.zeros(n_total, dtype=bool)
    # one district already has a demonstration facility (an existing one there)
    first = districts[0]
    cand = np.flatnonzero(existing & (district == first))
    if len(cand):
        demo_existing[cand[0]] = True
    sites = pd.DataFrame(
        {
            "district_id": district,
            "existing": existing,
            "existing_slots": existing_slots,
            "max_extra_slots": max_extra.astype(float),
            "expansion_cost_per_slot": np.where(existing, 25_000.0 * price, 0.0),
            "affordable": rng.random(n_total) < 0.8,
            "demonstration_existing": demo_existing,
        },
        index=pd.Index(site_ids, name="site_id"),
    )

    new = np.flatnonzero(~existing)
    big_plot = rng.random(len(new)) < 0.5
    base_cost = {"small": 1.25e6, "medium": 2.0e6, "large": 3.3e6, "demo": 3.9e6}
    slots = {"small": 45, "medium": 80, "large": 145, "demo": 145}
    rows = []
    for name in ("small", "medium", "large", "demo"):
        at = new[big_plot] if name == "demo" else new
        rows.append(
            pd.DataFrame(
                {
                    "site_id": site_ids[at],
                    "option": name,
                    "slots": float(slots[name]),
                    "cost": np.round(base_cost[name] * price[at], -3),
                    "demonstration": name == "demo",
                }
            )
        )
    options = pd.concat(rows, ignore_index=True)

    area_ids = np.array([f"A{i:05d}" for i in range(n_areas)], dtype=object)
    demand = pd.DataFrame(
        {"required": required, "area_id": area_ids, "kind": "resident"},
        index=pd.Index(area_ids, name="demand_id"),
    )
    dist = cKDTree(area_xy).sparse_distance_matrix(
        cKDTree(site_xy), radius_m, output_type="ndarray"
    )
    pairs = pd.DataFrame(
        {
            "demand_id": area_ids[dist["i"]],
            "site_id": site_ids[dist["j"]],
            "distance_m": np.round(dist["v"], 1),
        }
    )
    problem = SitingProblem(
        demand=demand,
        sites=sites,
        options=options,
        pairs=pairs,
        districts=districts,
        demonstration_per_district=1,
    )
    reached = np.zeros(n_areas, dtype=bool)
    reached[dist["i"]] = True
    info = {
        "side_km": side / 1000,
        "areas": n_areas,
        "sites": n_total,
        "new_sites": int((~existing).sum()),
        "existing": int(existing.sum()),
        "options": len(options),
        "pairs": len(pairs),
        "districts": len(districts),
        "required": float(required.sum()),
        "unreached_areas": int((~reached).sum()),
        "unreached_slots": float(required[~reached].sum()),
    }
    return problem, info


# ---------------------------------------------------------------------------
# solving
# ---------------------------------------------------------------------------


def _stage_rows(sol: Any) -> list[dict[str, Any]]:
    return [
        {
            "stage": s.name,
            "status": s.stats.status.value,
            "objective": s.stats.objective,
            "bound": s.stats.bound,
            "gap": s.stats.gap,
            "solve_s": s.stats.solve_s,
            "message": s.stats.message,
        }
        for s in sol.stages
    ]


def _metrics(model: Any, values: np.ndarray | None) -> dict[str, float]:
    """Plan figures that add up over independent groups."""
    if values is None:
        return {}
    ix = model.index
    return {
        "shortfall_slots": float(values[ix.s].sum()),
        "missing_demo": float(values[ix.t].sum()),
        "cost": float(model.cost @ values),
        "distance": float(model.distance @ values),
        "opened": float(values[ix.y].sum()),
    }


def _without_link_rows(model: Any, problem: SitingProblem) -> Any:
    """The model without the per-pair linking rows (block 4 of ``build_model``)."""
    n_i, n_j = len(problem.demand), len(problem.sites)
    existing = problem.sites["existing"].to_numpy(dtype=bool)
    pair_j = problem.sites.index.get_indexer(problem.pairs["site_id"])
    n_link = int((~existing[pair_j]).sum())
    first = n_i + 2 * n_j
    keep = np.r_[0:first, first + n_link : model.base.num_rows]
    base = replace(
        model.base,
        A=sp.csr_array(model.base.A)[keep],
        row_lower=model.base.row_lower[keep],
        row_upper=model.base.row_upper[keep],
    )
    return replace(model, base=base)


def solve_whole(
    problem: SitingProblem, *, time_limit_s: float, gap: float, config: str
) -> dict[str, Any]:
    """Build and solve the whole instance as one model."""
    import siting.solve as solve_mod
    from siting.model import build_model

    t0 = time.perf_counter()
    model = build_model(problem)
    build_s = time.perf_counter() - t0
    if config == "no-link":
        model = _without_link_rows(model, problem)
    t0 = time.perf_counter()
    greedy = solve_mod.greedy_start(model)
    greedy_s = time.perf_counter() - t0
    if config == "no-greedy":
        solve_mod.greedy_start = lambda m: None  # type: ignore[assignment,return-value]
    t0 = time.perf_counter()
    extra: dict[str, Any] = {}
    if config == "no-cost-start":
        # an infinitely expensive "start" is never preferred to stage 1's plan
        solve_mod.cost_greedy_start = lambda m: np.full(m.base.num_cols, np.inf)
    sol = solve_mod.solve_siting(model, time_limit_s=time_limit_s, gap=gap)
    wall_s = time.perf_counter() - t0
    return {
        **extra,
        "config": config,
        "rows": model.base.num_rows,
        "cols": model.base.num_cols,
        "integers": int(model.base.integer.sum()),
        "nonzeros": int(sp.csr_array(model.base.A).nnz),
        "build_s": build_s,
        "greedy_s": greedy_s,
        "greedy": _metrics(model, greedy),
        "solve_wall_s": wall_s,
        "status": sol.status.value,
        "stages": _stage_rows(sol),
        "plan": _metrics(model, sol.values),
    }


def components(problem: SitingProblem) -> tuple[np.ndarray, np.ndarray, int]:
    """Component label of each demand item and each site in the area-site graph."""
    from scipy.sparse.csgraph import connected_components

    n_i, n_j = len(problem.demand), len(problem.sites)
    pi = problem.demand.index.get_indexer(problem.pairs["demand_id"])
    pj = problem.sites.index.get_indexer(problem.pairs["site_id"])
    graph = sp.coo_array((np.ones(len(pi)), (pi, n_i + pj)), shape=(n_i + n_j, n_i + n_j))
    n, labels = connected_components(graph, directed=False)
    return labels[:n_i], labels[n_i:], int(n)


def _find(parent: np.ndarray, a: int) -> int:
    while parent[a] != a:
        parent[a] = parent[parent[a]]
        a = int(parent[a])
    return a


def group_components(
    problem: SitingProblem, *, pack_nodes: int
) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """Groups that can be solved independently, and the sizes before and after.

    Components are joined when they hold sites of one district that needs
    demonstration facilities and that could host one (or already host one): the
    district's demonstration row couples exactly those sites. The resulting
    groups are then packed, smallest first, into bins of at most ``pack_nodes``
    demand items plus sites, to save the per-model overhead on tiny groups.
    """
    if problem.budget is not None or problem.min_affordable_share is not None:
        raise ValueError("a budget or an affordable share couples every site: no decomposition")
    lab_i, lab_j, n = components(problem)
    parent = np.arange(n)
    sites = problem.sites
    opts = problem.options
    demo_capable = sites.index.isin(opts.loc[opts["demonstration"].astype(bool), "site_id"])
    has_demo = sites["demonstration_existing"].astype(bool).to_numpy()
    dist = sites["district_id"].astype(object).to_numpy()
    links = 0
    if problem.demonstration_per_district > 0:
        for d in problem.districts:
            members = np.flatnonzero((dist == d) & (demo_capable | has_demo))
            comps = np.unique(lab_j[members])
            links += len(comps)
            for c in comps[1:]:
                ra, rb = _find(parent, int(comps[0])), _find(parent, int(c))
                if ra != rb:
                    parent[rb] = ra
    root = np.array([_find(parent, c) for c in range(n)])
    _, group_of_comp = np.unique(root, return_inverse=True)
    g_i, g_j = group_of_comp[lab_i], group_of_comp[lab_j]
    n_groups = int(group_of_comp.max()) + 1
    size = np.bincount(g_i, minlength=n_groups) + np.bincount(g_j, minlength=n_groups)
    # pack: big groups alone, small ones filled into bins in order of size
    bin_of_group = np.empty(n_groups, dtype=np.int64)
    n_bins, fill = 0, pack_nodes
    for g in np.argsort(-size, kind="stable"):
        if size[g] >= pack_nodes or fill + size[g] > pack_nodes:
            n_bins += 1
            fill = 0
        bin_of_group[g] = n_bins - 1
        fill += size[g]
    comp_size = np.bincount(lab_i, minlength=n) + np.bincount(lab_j, minlength=n)
    info = {
        "components": n,
        "largest_component": int(comp_size.max()),
        "largest_component_areas": int(np.bincount(lab_i, minlength=n).max()),
        "groups": n_groups,
        "largest_group": int(size.max()),
        "largest_group_areas": int(np.bincount(g_i, minlength=n_groups).max()),
        "bins": n_bins,
    }
    return bin_of_group[g_i], bin_of_group[g_j], info


def _subproblem(problem: SitingProblem, take_i: np.ndarray, take_j: np.ndarray) -> SitingProblem:
    demand = problem.demand[take_i]
    sites = problem.sites[take_j]
    options = problem.options[problem.options["site_id"].isin(sites.index)]
    pairs = problem.pairs[problem.pairs["site_id"].isin(sites.index)]
    # the districts whose demonstration row lives in this group: those with a site
    # here that could host (or hosts) a demonstration facility
    demo_sites = set(options.loc[options["demonstration"].astype(bool), "site_id"])
    demo_sites |= set(sites.index[sites["demonstration_existing"].astype(bool)])
    here = set(sites.loc[sites.index.isin(list(demo_sites)), "district_id"])
    return replace(
        problem,
        demand=demand,
        sites=sites,
        options=options.reset_index(drop=True),
        pairs=pairs.reset_index(drop=True),
        districts=tuple(d for d in problem.districts if d in here),
    )


def solve_grouped(
    problem: SitingProblem, *, time_limit_s: float, gap: float, pack_nodes: int
) -> dict[str, Any]:
    """Split by components (joined by demonstration districts) and solve each group."""
    from siting.model import build_model
    from siting.solve import solve_siting

    t0 = time.perf_counter()
    bin_i, bin_j, info = group_components(problem, pack_nodes=pack_nodes)
    split_s = time.perf_counter() - t0
    n_bins = info["bins"]
    build_s = 0.0
    stage_s = [0.0, 0.0, 0.0]
    stage_obj = [0.0, 0.0, 0.0]
    stage_bound = [0.0, 0.0, 0.0]
    statuses: list[list[str]] = [[], [], []]
    plan: dict[str, float] = {}
    largest: dict[str, Any] = {}
    # districts that need a demonstration facility but have no site that could host one
    # are in no group: their shortfall is counted here, as the whole model would
    sub_t = 0.0
    wall0 = time.perf_counter()
    for b in range(n_bins):
        t0 = time.perf_counter()
        sub = _subproblem(problem, bin_i == b, bin_j == b)
        model = build_model(sub)
        build_s += time.perf_counter() - t0
        sol = solve_siting(model, time_limit_s=time_limit_s, gap=gap)
        rows = _stage_rows(sol)
        for k, r in enumerate(rows):
            stage_s[k] += r["solve_s"]
            stage_obj[k] += r["objective"] or 0.0
            stage_bound[k] += r["bound"] if r["bound"] is not None else np.nan
            statuses[k].append(r["status"])
        for key, v in _metrics(model, sol.values).items():
            plan[key] = plan.get(key, 0.0) + v
        if not largest or len(sub.demand) > largest["areas"]:
            largest = {
                "areas": len(sub.demand),
                "sites": len(sub.sites),
                "pairs": len(sub.pairs),
                "stages": rows,
            }
        sub_t += float(model.index.t_need.sum())
    wall_s = time.perf_counter() - wall0
    stages = []
    for k, name in enumerate(("shortfall", "cost", "distance")):
        obj, bnd = stage_obj[k], stage_bound[k]
        worst = "optimal" if all(s == "optimal" for s in statuses[k]) else "feasible"
        if any(s not in ("optimal", "feasible") for s in statuses[k]):
            worst = "mixed"
        stages.append(
            {
                "stage": name,
                "status": worst,
                "objective": obj,
                "bound": bnd,
                "gap": abs(obj - bnd) / max(abs(obj), 1e-9) if np.isfinite(bnd) else None,
                "solve_s": stage_s[k],
            }
        )
    return {
        "config": "grouped",
        "split_s": split_s,
        "build_s": build_s,
        "solve_wall_s": wall_s,
        "stages": stages,
        "plan": plan,
        "largest_bin": largest,
        **info,
    }


def worker(args: argparse.Namespace) -> dict[str, Any]:
    """Run one configuration in this process; return its figures with the peak memory."""
    t0 = time.perf_counter()
    problem, info = make_city(args.areas, args.sites, seed=args.seed)
    gen_s = time.perf_counter() - t0
    if args.config == "grouped":
        out = solve_grouped(
            problem, time_limit_s=args.time_limit, gap=args.gap, pack_nodes=args.pack_nodes
        )
    else:
        out = solve_whole(problem, time_limit_s=args.time_limit, gap=args.gap, config=args.config)
    out["generate_s"] = gen_s
    out["instance"] = info
    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


# ---------------------------------------------------------------------------
# the report
# ---------------------------------------------------------------------------


def _fmt_gap(g: float | None) -> str:
    return "-" if g is None or not np.isfinite(g) else f"{g:.3%}"


def print_table(name: str, results: list[dict[str, Any]]) -> None:
    """Print one line per configuration, then the plans side by side."""
    inst = results[0]["instance"]
    print(
        f"instance {name}: {inst['areas']} areas, {inst['sites']} sites "
        f"({inst['new_sites']} candidates, {inst['existing']} existing), {inst['options']} "
        f"options, {inst['pairs']} pairs within {RADIUS_M:.0f} m, {inst['districts']} districts, "
        f"{inst['required']:.0f} slots required ({inst['unreached_areas']} areas / "
        f"{inst['unreached_slots']:.0f} slots out of reach), city {inst['side_km']:.1f} km square"
    )
    head = (
        f"{'config':<11} {'build s':>8} {'st1 s':>7} {'st1 status/gap':>18} {'st2 s':>7} "
        f"{'st2 status/gap':>18} {'st3 s':>7} {'st3 status/gap':>18} {'total s':>8} "
        f"{'build/solve':>11} {'peak MB':>8}"
    )
    print(head)
    print("-" * len(head))
    for r in results:
        st = r["stages"] + [None] * (3 - len(r["stages"]))
        cells = []
        for s in st:
            if s is None:
                cells.append(f"{'-':>7} {'-':>18}")
            else:
                cells.append(
                    f"{s['solve_s']:>7.2f} {s['status'][:8] + ' ' + _fmt_gap(s['gap']):>18}"
                )
        solve = sum(s["solve_s"] for s in r["stages"])
        total = r["build_s"] + r["solve_wall_s"] + r.get("split_s", 0.0)
        print(
            f"{r['config']:<11} {r['build_s']:>8.2f} {' '.join(cells)} {total:>8.2f} "
            f"{r['build_s'] / max(solve, 1e-9):>11.1%} {r['peak_mb']:>8.0f}"
        )
    print()
    print(
        f"{'config':<11} {'shortfall':>10} {'no demo':>8} {'cost M CNY':>12} "
        f"{'slot-m':>14} {'opened':>7}"
    )
    for r in results:
        p = r["plan"]
        if not p:
            print(f"{r['config']:<11} (no plan)")
            continue
        print(
            f"{r['config']:<11} {p['shortfall_slots']:>10.1f} {p['missing_demo']:>8.0f} "
            f"{p['cost'] / 1e6:>12.2f} {p['distance']:>14.0f} {p['opened']:>7.0f}"
        )
    for r in results:
        if r["config"] == "monolithic":
            g = r["greedy"]
            print(
                f"greedy start ({r['greedy_s']:.2f} s): shortfall {g['shortfall_slots']:.1f}, "
                f"cost {g['cost'] / 1e6:.2f} M CNY, {g['opened']:.0f} opened; model "
                f"{r['rows']} rows x {r['cols']} cols ({r['integers']} integer), "
                f"{r['nonzeros']} nonzeros"
            )
        if r["config"] == "grouped":
            lb = r["largest_bin"]
            print(
                f"decomposition: {r['components']} components (largest {r['largest_component']} "
                f"nodes, {r['largest_component_areas']} areas) -> {r['groups']} groups after "
                f"joining by demonstration district (largest {r['largest_group']} nodes, "
                f"{r['largest_group_areas']} areas) -> {r['bins']} models after packing; "
                f"split {r['split_s']:.2f} s; largest model {lb['areas']} areas, {lb['sites']} "
                f"sites, {lb['pairs']} pairs, stages "
                + ", ".join(
                    f"{s['solve_s']:.1f} s {s['status']} {_fmt_gap(s['gap'])}" for s in lb["stages"]
                )
            )
    by = {r["config"]: r for r in results}
    if (
        "monolithic" in by
        and "grouped" in by
        and by["monolithic"]["plan"]
        and by["grouped"]["plan"]
    ):
        m, g = by["monolithic"]["plan"], by["grouped"]["plan"]
        print(
            f"grouped vs monolithic: shortfall {g['shortfall_slots'] - m['shortfall_slots']:+.2f} "
            f"slots, missing demonstration {g['missing_demo'] - m['missing_demo']:+.0f}, cost "
            f"{g['cost'] / m['cost'] - 1:+.3%}, distance {g['distance'] / m['distance'] - 1:+.3%}"
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stretch", action="store_true", help="10,000 areas and 4,000 sites")
    parser.add_argument("--areas", type=int, help="override the number of areas")
    parser.add_argument("--sites", type=int, help="override the number of candidate sites")
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds per stage")
    parser.add_argument("--gap", type=float, default=0.005)
    parser.add_argument("--pack-nodes", type=int, default=2000, help=argparse.SUPPRESS)
    parser.add_argument("--only", nargs="*", choices=CONFIGS, default=list(CONFIGS))
    parser.add_argument("--config", choices=CONFIGS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.areas is None:
        args.areas = 10_000 if args.stretch else 5_000
    if args.sites is None:
        args.sites = 4_000 if args.stretch else 2_000

    if args.config:
        sys.stdout.write(json.dumps(worker(args)) + "\n")
        return

    name = "stretch" if args.stretch else "city"
    print(
        f"{name}: seed {args.seed}, gap {args.gap:g}, time limit {args.time_limit:g} s per stage; "
        "each configuration in its own subprocess (peak MB = its ru_maxrss)"
    )
    results = []
    for config in args.only:
        cmd = [sys.executable, "-m", "benchmarks.model", "--config", config]
        cmd += ["--areas", str(args.areas), "--sites", str(args.sites), "--seed", str(args.seed)]
        cmd += ["--time-limit", str(args.time_limit), "--gap", str(args.gap)]
        cmd += ["--pack-nodes", str(args.pack_nodes)]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True)
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(f"  {config}: done", flush=True)
    print()
    print_table(name, results)


if __name__ == "__main__":
    main()
