"""Benchmark: the sparse walking-distance table against a networkx loop.

Run with ``.venv/bin/python -m benchmarks.network``. A seeded street-like graph
(a perturbed grid of ~70 m blocks with missing links and diagonal avenues, as
an osmnx-style MultiDiGraph with both directions of every street) gets 5,000
area points and 2,000 site points. Each contender runs in a fresh subprocess;
the table reports the wall time of an untraced call (best of three for
siting, one run of each networkx loop), the rise of the
subprocess's peak resident memory (``ru_maxrss``) during that call and the
process peak, and the tracemalloc peak of a second, traced call. The first
call of siting in a process also loads numba and its compiled kernel (about
0.7 s and 200 MB the first time); its time is shown apart.

Contenders
----------
siting
    ``siting.network.distance_table(..., max_distance_m=1000)``, graph
    conversion, snapping to the nearest street edge (the default) and the
    straight-line count included.
siting-node
    The same with ``snap="node"``, the snapping the networkx loops use.
nx-multidigraph
    ``networkx.single_source_dijkstra_path_length(G, node, cutoff=1000,
    weight="length")`` from every distinct site node over the osmnx graph.
nx-graph
    The same loop over a simple ``nx.Graph`` (conversion not timed).
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import subprocess
import sys
import time
import tracemalloc
from typing import Any, Literal

import geopandas as gpd
import networkx as nx
import numpy as np

CRS = "EPSG:32650"


def street_graph(n_side: int = 142, block_m: float = 70.0, seed: int = 0) -> nx.MultiDiGraph:
    """A seeded street-like MultiDiGraph with about ``n_side ** 2`` nodes."""
    rng = np.random.default_rng(seed)
    g = nx.MultiDiGraph(crs=CRS)
    jitter = rng.normal(0.0, block_m * 0.12, size=(n_side, n_side, 2))
    for i in range(n_side):
        for j in range(n_side):
            g.add_node(
                i * n_side + j,
                x=500_000.0 + j * block_m + jitter[i, j, 0],
                y=3_500_000.0 + i * block_m + jitter[i, j, 1],
            )

    def link(a: int, b: int) -> None:
        ax, ay = g.nodes[a]["x"], g.nodes[a]["y"]
        bx, by = g.nodes[b]["x"], g.nodes[b]["y"]
        length = math.hypot(ax - bx, ay - by) * float(rng.uniform(1.0, 1.15))
        g.add_edge(a, b, length=length, highway="residential")
        g.add_edge(b, a, length=length, highway="residential")

    for i in range(n_side):
        for j in range(n_side):
            a = i * n_side + j
            if j + 1 < n_side and rng.random() > 0.08:
                link(a, a + 1)
            if i + 1 < n_side and rng.random() > 0.08:
                link(a, a + n_side)
            # diagonal avenues every 20 blocks
            if (i - j) % 20 == 0 and i + 1 < n_side and j + 1 < n_side:
                link(a, a + n_side + 1)
    largest = max(nx.weakly_connected_components(g), key=len)
    out: nx.MultiDiGraph = g.subgraph(largest).copy()
    return out


def points(g: nx.MultiDiGraph, n: int, seed: int, id_name: str) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    xs = np.array([d["x"] for _, d in g.nodes(data=True)])
    ys = np.array([d["y"] for _, d in g.nodes(data=True)])
    x = rng.uniform(xs.min(), xs.max(), n)
    y = rng.uniform(ys.min(), ys.max(), n)
    return gpd.GeoDataFrame(
        {id_name: [f"{id_name[0]}{k}" for k in range(n)]},
        geometry=gpd.points_from_xy(x, y),
        crs=CRS,
    )


def run_one(name: str, n_areas: int, n_sites: int, max_m: float) -> dict[str, Any]:
    from scipy.spatial import cKDTree

    from siting.network import distance_table

    g = street_graph()
    areas = points(g, n_areas, 1, "area_id")
    sites = points(g, n_sites, 2, "site_id")
    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result: dict[str, Any] = {"name": name, "nodes": len(g), "edges": g.number_of_edges()}
    if name == "nx-graph":
        simple = nx.Graph()
        for u, v, length in g.edges(data="length"):
            if not simple.has_edge(u, v) or simple[u][v]["length"] > length:
                simple.add_edge(u, v, length=length)
        target: Any = simple
    else:
        target = g

    def call(limit_sources: int | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if name.startswith("siting"):
            snap: Literal["edge", "node"] = "node" if name == "siting-node" else "edge"
            table = distance_table(areas, sites, graph=g, max_distance_m=max_m, snap=snap)
            out["pairs"] = len(table)
            out["excluded_by_network"] = table.attrs["excluded_by_network"]
            return out
        node_ids = np.array(list(g.nodes))
        xy = np.array([[d["x"], d["y"]] for _, d in g.nodes(data=True)])
        sxy = np.column_stack([sites.geometry.x, sites.geometry.y])
        _, idx = cKDTree(xy).query(sxy)
        reached = 0
        for node in np.unique(node_ids[idx])[:limit_sources]:
            reached += len(
                nx.single_source_dijkstra_path_length(
                    target, int(node), cutoff=max_m, weight="length"
                )
            )
        out["reached"] = reached
        return out

    # 1. time, with nothing else running in the process: best of 3 for siting
    # (each call converts the graph again), one run of the slow networkx loop
    times = []
    for _ in range(3 if name.startswith("siting") else 1):
        start = time.perf_counter()
        result.update(call())
        times.append(time.perf_counter() - start)
    result["seconds"] = min(times)
    result["first_seconds"] = times[0]
    result["rss_increase_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - base_rss
    result["rss_peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # 2. memory, traced in a second call (tracemalloc slows Python code down);
    # the networkx loop keeps nothing between sources, so 200 sources show its peak
    tracemalloc.start()
    call(None if name.startswith("siting") else 200)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    result["tracemalloc_mb"] = peak / 2**20
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--areas", type=int, default=5000)
    parser.add_argument("--sites", type=int, default=2000)
    parser.add_argument("--max-m", type=float, default=1000.0)
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one, args.areas, args.sites, args.max_m)))
        return
    rows = []
    for name in ("siting", "siting-node", "nx-multidigraph", "nx-graph"):
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "benchmarks.network",
                "--one",
                name,
                "--areas",
                str(args.areas),
                "--sites",
                str(args.sites),
                "--max-m",
                str(args.max_m),
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    first = rows[0]
    print(
        f"graph: {first['nodes']:,} nodes, {first['edges']:,} edges; "
        f"{args.areas:,} areas x {args.sites:,} sites within {args.max_m:,.0f} m; "
        f"{first['pairs']:,} pairs, {first['excluded_by_network']:,} excluded by the network"
    )
    print("each contender in a fresh subprocess; seconds: untraced, best of 3 calls for siting,")
    print("one run for the networkx loops; memory: the rise of")
    print("the process peak RSS (ru_maxrss) during that call, and the tracemalloc peak of a")
    print("second, traced call (networkx: its first 200 sources; it keeps nothing between them);")
    print("1st call: the first call in the process (siting loads numba's compiled kernel then)")
    header = f"{'contender':<18}{'seconds':>9}{'1st call':>9}{'tracemalloc MB':>16}"
    header += f"{'RSS rise MB':>13}{'RSS peak MB':>13}{'speed-up':>10}"
    print(header)
    baseline = next(row["seconds"] for row in rows if row["name"] == "nx-multidigraph")
    for row in rows:
        ratio = row["seconds"] and baseline / row["seconds"]
        print(
            f"{row['name']:<18}{row['seconds']:>9.2f}{row['first_seconds']:>9.2f}"
            f"{row['tracemalloc_mb']:>16.1f}"
            f"{row['rss_increase_mb']:>13.1f}{row['rss_peak_mb']:>13.1f}{ratio:>9.1f}x"
        )
    print("speed-up is relative to the networkx loop over the osmnx MultiDiGraph")


if __name__ == "__main__":
    main()
