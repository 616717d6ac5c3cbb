"""The walking graph of a layer of street centrelines, at a city's size (siting.network.lines).

``python -m benchmarks.street_lines [--grid N ...] [--repeat N]`` builds a seeded grid
city of N × N streets 100 m apart, with a lane from a third of its blocks' sides, in
the two ways layers arrive: "cad" (each street one line through every crossing, no
junction drawn, each lane ending 0–0.4 m short of its street) and "osm" (a line per
block side, meeting at shared points, as Geofabrik's ways do), and times
:func:`siting.network.street_graph_from_lines` on each (fastest of ``--repeat``),
with the graph's nodes and edges, which are counted by hand below and asserted.
"""

from __future__ import annotations

import argparse
import time

import geopandas as gpd
import numpy as np
from shapely.geometry import LineString

from siting.network import street_graph_from_lines

SPACING = 100.0


def city(n: int, kind: str, *, seed: int = 0) -> tuple[gpd.GeoDataFrame, int]:
    """The lines of an n × n grid city, and how many lanes it has."""
    rng = np.random.default_rng(seed)
    span = (n - 1) * SPACING
    # a lane from a third of the blocks' south sides, 40 m into the block
    feet = [
        ((j + 0.5) * SPACING, i * SPACING)
        for i in range(n - 1)
        for j in range(n - 1)
        if rng.random() < 1 / 3
    ]
    lanes: list[LineString] = []
    for x, y in feet:
        short = rng.uniform(0.0, 0.4) if kind == "cad" else 0.0  # CAD's undershoot
        lanes.append(LineString([(x, y + short), (x, y + 40)]))
    if kind == "cad":  # each street one line through every crossing
        streets = [LineString([(0, i * SPACING), (span, i * SPACING)]) for i in range(n)]
        streets += [LineString([(i * SPACING, 0), (i * SPACING, span)]) for i in range(n)]
    else:  # a line per block side; a side with a lane has its node as a vertex
        on = set(feet)
        streets = []
        for i in range(n):
            for j in range(n - 1):
                x0, x1, y = j * SPACING, (j + 1) * SPACING, i * SPACING
                foot = ((x0 + x1) / 2, y)
                streets.append(
                    LineString([(x0, y), foot, (x1, y)] if foot in on else [(x0, y), (x1, y)])
                )
                streets.append(LineString([(y, x0), (y, x1)]))
    column, value = ("fclass", "residential") if kind == "osm" else ("道路等级", "支路")
    lines = streets + lanes
    return gpd.GeoDataFrame({column: [value] * len(lines)}, geometry=lines, crs="EPSG:4544"), len(
        lanes
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grid", type=int, nargs="+", default=[40, 100, 150])
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args(argv)
    print("| grid | layer | lines | nodes | edges | seconds |")
    print("|---|---|---|---|---|---|")
    for n in args.grid:
        for kind in ("osm", "cad"):
            frame, lanes = city(n, kind)
            best = np.inf
            for _ in range(args.repeat):
                start = time.perf_counter()
                g = street_graph_from_lines(frame, source=f"{kind}-{n}")
                best = min(best, time.perf_counter() - start)
            # by hand: the grid's n² crossings but its 4 corners (where two streets of a
            # class meet end to end and nothing else does: one street), and each lane's
            # foot and far end; a CAD drawing's four edge streets, joined at the corners,
            # are one closed line, whose seam stays a node
            seam = 1 if kind == "cad" else 0
            nodes = n * n - 4 + seam + 2 * lanes
            assert g.number_of_nodes() == nodes, (g.number_of_nodes(), nodes)
            # each street of the grid cut into n − 1 block sides (two of them one at each
            # corner), the lanes' sides in two, and each lane: every one an edge both ways
            expected = 2 * (2 * n * (n - 1) - 4 + seam + 2 * lanes)
            assert g.number_of_edges() == expected, (g.number_of_edges(), expected)
            edges = g.number_of_edges()
            print(f"| {n} × {n} | {kind} | {len(frame):,} | {nodes:,} | {edges:,} | {best:.2f} |")


if __name__ == "__main__":
    main()
