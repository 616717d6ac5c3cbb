"""Street blocks from a layer of centrelines against an OSM file's, on the sample city.

Run with ``.venv/bin/python -m benchmarks.street_blocks [--out DIR] [--repeat N]
[--no-plan]``.

The sample city (``data/sample``) is planned with its areas layer (182 residential
areas) and street blocks added where they do not cover, three ways:

* ``osm file``: ``[inputs.osm]`` on ``streets.osm`` with ``use = ["areas"]`` and
  ``areas_from = ["blocks"]`` (the blocks lose the areas' and the parcels' land, and
  the file's 5 parks, before their sizes are judged);
* ``geofabrik gbk``: the file's ``highway=*`` ways as Geofabrik hands them over
  (``fclass``, ``name``, EPSG:4326), saved as GBK without ``.cpg``, ``streets = {
  path, encoding = "gbk", blocks = true }`` (the blocks lose the areas' and the
  parcels' land);
* ``bureau gbk``: the ways a bureau's 道路中心线 would hold (the road classes of
  :data:`siting.osm.BLOCK_HIGHWAYS`), its 道路等级 (主干路, 次干路, 支路) and 道路名称,
  in the scenario's Gauss–Krüger zone (EPSG:4544), GBK;

and once on the Geofabrik layer without blocks, the clean sample's plan, for the time
the blocks take.

Printed for each: the blocks added, their land, the people they hold and the people
all the areas hold (``siting.demand.without_empty_blocks``'s note), the seconds to read
and check the inputs and count the demand (fastest of ``--repeat``), and with the plan
(unless ``--no-plan``) its required slots, shortfall and cost.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import shutil
import tempfile
import time
from pathlib import Path

import geopandas as gpd

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"

BUREAU_CLASSES = {
    "motorway": "高速公路",
    "trunk": "快速路",
    "primary": "主干路",
    "secondary": "次干路",
}
"""A bureau's 道路等级 of an OSM class; the others of BLOCK_HIGHWAYS are 支路."""


def geofabrik_roads(osm: Path) -> gpd.GeoDataFrame:
    """The ``highway=*`` ways of an OSM file as Geofabrik's roads hand them over: a line
    per way with ``fclass`` and ``name``, in EPSG:4326 (the file's own coordinates)."""
    import osmnx as ox

    ways = ox.features_from_xml(osm, tags={"highway": True})
    ways = ways[ways.index.get_level_values(0) == "way"]
    return gpd.GeoDataFrame(
        {"fclass": ways["highway"].to_numpy(), "name": ways["name"].to_numpy()},
        geometry=ways.geometry.to_numpy(),
        crs="EPSG:4326",
    )


def write_layers(folder: Path) -> dict[str, Path]:
    """The sample in ``folder`` with its streets as the two layers, and the scenarios."""
    from siting.osm import BLOCK_HIGHWAYS

    for item in SAMPLE.iterdir():
        if item.is_file():
            shutil.copy(item, folder / item.name)
    geofabrik = geofabrik_roads(SAMPLE / "streets.osm")
    geofabrik.to_file(folder / "roads.shp", encoding="gbk")
    roads = geofabrik.loc[geofabrik["fclass"].isin(list(BLOCK_HIGHWAYS))]
    bureau = gpd.GeoDataFrame(
        {
            "道路等级": [BUREAU_CLASSES.get(c, "支路") for c in roads["fclass"]],
            "道路名称": roads["name"].to_numpy(),
        },
        geometry=roads.geometry.to_numpy(),
        crs="EPSG:4326",
    ).to_crs("EPSG:4544")
    bureau.to_file(folder / "道路中心线.shp", encoding="gbk")
    for name in ("roads.cpg", "道路中心线.cpg"):
        (folder / name).unlink(missing_ok=True)
    text = (folder / "scenario.toml").read_text(encoding="utf-8")
    osm = text + '\n[inputs.osm]\npath = "streets.osm"\nuse = ["areas"]\nareas_from = ["blocks"]\n'
    scenarios = {
        "osm file": osm,
        "geofabrik gbk": text.replace(
            'streets = "streets.osm"',
            'streets = { path = "roads.shp", encoding = "gbk", blocks = true }',
        ),
        "geofabrik gbk, no blocks": text.replace(
            'streets = "streets.osm"', 'streets = { path = "roads.shp", encoding = "gbk" }'
        ),
        "bureau gbk": text.replace(
            'streets = "streets.osm"',
            'streets = { path = "道路中心线.shp", encoding = "gbk", blocks = true }',
        ),
    }
    paths = {}
    for i, (label, body) in enumerate(scenarios.items()):
        paths[label] = folder / f"scenario-{i}.toml"
        paths[label].write_text(body, encoding="utf-8")
    return paths


def measure(path: Path, *, repeat: int) -> dict[str, float]:
    """The blocks' figures of one scenario and the fastest reading of its inputs."""
    from siting.demand import estimate_demand, without_empty_blocks
    from siting.inputs import load_inputs
    from siting.osm import BLOCK_ID_PREFIXES
    from siting.scenario import load_scenario

    scenario = load_scenario(path)
    assert scenario.inputs is not None
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        inputs = load_inputs(scenario.inputs, crs=scenario.crs)
        demand = estimate_demand(inputs, scenario=scenario)
        _, kept = without_empty_blocks(inputs, demand)
        best = min(best, time.perf_counter() - start)
    blocks = inputs.areas.index.astype(str).str.startswith(BLOCK_ID_PREFIXES)
    table = demand.areas
    in_blocks = table.index.astype(str).str.startswith(BLOCK_ID_PREFIXES)
    return {
        "blocks": int(blocks.sum()),
        "km2": float(inputs.areas.loc[blocks].area.sum() / 1e6),
        "kept": int(kept.areas.index.astype(str).str.startswith(BLOCK_ID_PREFIXES).sum()),
        "people": float(table.loc[in_blocks, "population"].sum()),
        "held": float(table["population"].sum()),
        "seconds": best,
    }


def plan(path: Path, out: Path) -> dict[str, float]:
    """The plan's required slots, shortfall and cost."""
    from siting.cli import main

    with contextlib.redirect_stdout(io.StringIO()):  # the plan's summary: the table only
        assert main(["plan", str(path), "--out", str(out), "--no-map", "--quiet"]) == 0
    totals = json.loads((out / "run.json").read_text(encoding="utf-8"))["totals"]
    return {k: float(totals[k]) for k in ("required_slots", "shortfall_slots", "cost")}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--no-plan", action="store_true")
    args = parser.parse_args(argv)
    folder = args.out or Path(tempfile.mkdtemp(prefix="street-blocks-"))
    folder.mkdir(parents=True, exist_ok=True)
    paths = write_layers(folder)
    print(
        "| source | blocks | land (km²) | blocks holding people | their people | "
        "held by all areas | inputs + demand (s) | required | short | cost (CNY) |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for label, path in paths.items():
        row = measure(path, repeat=args.repeat)
        planned = "| | | |"
        if not args.no_plan:
            p = plan(path, folder / f"out-{path.stem}")
            planned = (
                f"| {p['required_slots']:,.0f} | {p['shortfall_slots']:,.0f} | {p['cost']:,.0f} |"
            )
        print(
            f"| {label} | {row['blocks']:,} | {row['km2']:,.2f} | {row['kept']:,} | "
            f"{row['people']:,.0f} | {row['held']:,.0f} | {row['seconds']:.2f} {planned}"
        )


if __name__ == "__main__":
    main()
