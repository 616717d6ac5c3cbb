"""Benchmark demand on a real-shaped city: dasymetric vs area-weighted allocation, and rounding.

Run with ``.venv/bin/python -m benchmarks.demand`` (``--help`` for the sizes).

The city is :mod:`benchmarks.realcity` (20,000 areas by default): a WorldPop-style
raster in EPSG:4326 and 10 m land-use blocks in EPSG:4544 that cover about a
third of the built-up ground. Each allocation runs in a fresh subprocess, which
reads the scenario and its inputs (:func:`siting.inputs.load_inputs`, timed on
its own), then calls :func:`siting.demand.estimate_demand` ``--repeat`` times;
the time is the fastest call. Peak memory is the subprocess's ``ru_maxrss``
(whole process), and "above start" subtracts the RSS just before the first call.

Printed per allocation: the people the areas hold and the residual, as shares
of the districts' total, and the required slots three ways: the raw
requirement the model serves, rounded up once per district, and rounded up
per area (the old behaviour), with the inflation of each over the raw sum.

``--country-tile N`` puts the city's raster in the middle of an N × N tile of
the same grid, as a WorldPop country tile hands it over (tiled 512 × 512,
deflate, BigTIFF; the rest land of 0 people with 400 towns of 64 × 64 cells,
and 40 % sea of nodata), so ``load s`` and the peak RSS show whether siting
reads only the study area's window: at 30,000 it took 29 s and 1.6 GB when
the inputs' check read every cell.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

METHODS = ("dasymetric", "area_weighted")


def _rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    return pages * resource.getpagesize() / 2**20


TILE_BLOCK = 512
TILE_TOWNS = 400
TILE_SEA = 0.4


def embed_in_country_tile(raster: Path, size: int, *, seed: int) -> float:
    """Rewrite ``raster`` as a ``size`` × ``size`` country tile with the city in the middle.

    The tile keeps the raster's grid, CRS and nodata; return its size on disk in MB.
    """
    import rasterio
    from affine import Affine
    from rasterio.windows import Window

    with rasterio.open(raster) as src:
        city, t, nodata, city_profile = src.read(1), src.transform, src.nodata, src.profile
    height, width = city.shape
    if size < max(height, width):
        raise SystemExit(f"--country-tile {size} is smaller than the city's raster {city.shape}")
    row0, col0 = (size - height) // 2, (size - width) // 2
    tile_t = Affine(t.a, 0.0, t.c - col0 * t.a, 0.0, t.e, t.f - row0 * t.e)
    rng = np.random.default_rng(seed)
    town_rows = rng.integers(0, size - 64, TILE_TOWNS)
    town_cols = rng.integers(0, int(size * (1 - TILE_SEA)) - 64, TILE_TOWNS)
    out = raster.with_suffix(".tile.tif")
    profile = {**city_profile, "width": size, "height": size, "transform": tile_t}
    profile |= {"compress": "deflate", "tiled": True, "BIGTIFF": "YES"}
    profile |= {"blockxsize": TILE_BLOCK, "blockysize": TILE_BLOCK}
    with rasterio.open(out, "w", **profile) as dst:
        for top in range(0, size, TILE_BLOCK):
            rows = min(TILE_BLOCK, size - top)
            strip = np.zeros((rows, size), dtype=np.float32)
            strip[:, int(size * (1 - TILE_SEA)) :] = nodata
            for r, c in zip(town_rows, town_cols, strict=True):
                lo, hi = max(int(r), top), min(int(r) + 64, top + rows)
                if lo < hi:
                    strip[lo - top : hi - top, c : c + 64] = rng.gamma(1.5, 20.0, (hi - lo, 64))
            lo, hi = max(row0, top), min(row0 + height, top + rows)
            if lo < hi:
                strip[lo - top : hi - top, col0 : col0 + width] = city[lo - row0 : hi - row0]
            dst.write(strip, 1, window=Window(0, top, size, rows))
    out.replace(raster)
    return raster.stat().st_size / 2**20


def run_one(method: str, scenario_path: Path, *, repeat: int) -> dict[str, Any]:
    """Estimate the city's demand with one allocation in this process; return its figures."""
    from siting.demand import estimate_demand
    from siting.inputs import load_inputs
    from siting.scenario import load_scenario

    scenario = load_scenario(scenario_path)
    scenario = dataclasses.replace(
        scenario, demand=dataclasses.replace(scenario.demand, allocation=method)
    )
    assert scenario.inputs is not None
    t0 = time.perf_counter()
    inputs = load_inputs(scenario.inputs, crs=scenario.crs)
    load_s = time.perf_counter() - t0
    start_mb = _rss_mb()
    times = []
    demand = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        demand = estimate_demand(inputs, scenario=scenario)
        times.append(time.perf_counter() - t0)
    assert demand is not None
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    table = demand.areas
    raw = table["required_slots"].astype(float)
    district = inputs.areas["district_id"].reindex(table.index).fillna("(none)")
    acc = demand.accounting["population"]
    return {
        "areas": len(table),
        "districts": int(district.nunique()),
        "load_s": load_s,
        "best_s": min(times),
        "first_s": times[0],
        "peak_mb": peak_mb,
        "peak_above_start_mb": peak_mb - start_mb,
        "total": acc["total"],
        "held": acc["held"],
        "residual": acc["residual"],
        "overlap": acc["overlap"],
        "held_share": acc["held_share"],
        "residual_share": acc["residual_share"],
        "raw": float(raw.sum()),
        "per_district": float(np.ceil(raw.groupby(district).sum() - 1e-9).sum()),
        "per_area": float(np.ceil(raw - 1e-9).sum()),
        "below_one_slot": float((raw < 1.0).mean()),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--areas", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", nargs="*", choices=METHODS, default=list(METHODS))
    parser.add_argument(
        "--country-tile",
        type=int,
        metavar="N",
        help="put the city's raster in an N x N country tile (30000: a WorldPop country)",
    )
    parser.add_argument("--method", choices=METHODS, help=argparse.SUPPRESS)
    parser.add_argument("--scenario", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--embed", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.embed:
        mb = embed_in_country_tile(args.embed, args.country_tile, seed=args.seed)
        sys.stdout.write(json.dumps(mb) + "\n")
        return
    if args.method:
        one = run_one(args.method, args.scenario, repeat=args.repeat)
        sys.stdout.write(json.dumps(one) + "\n")
        return

    from benchmarks.realcity import write_city

    with tempfile.TemporaryDirectory(prefix="bench-demand-") as tmp:
        t0 = time.perf_counter()
        city = write_city(Path(tmp), n_areas=args.areas, seed=args.seed)
        print(
            f"city: {city.n_areas:,} areas ({city.n_multipolygons} multipolygons, "
            f"{city.n_with_holes} with courtyards, {city.n_overlapping} overlapping copies), "
            f"blocks cover {city.block_coverage:.0%} of the residential superblocks; raster "
            f'{city.raster_shape[0]} x {city.raster_shape[1]} cells (EPSG:4326, 3"), '
            f"{city.raster_people:,.0f} people; seed {args.seed} "
            f"(made in {time.perf_counter() - t0:.1f} s); best of {args.repeat} calls of "
            "estimate_demand, each allocation in its own subprocess"
        )
        if args.country_tile:
            t0 = time.perf_counter()
            # in a subprocess: a child forked from a parent that wrote the tile would
            # count the parent's memory in its own peak (ru_maxrss is kept across exec)
            cmd = [sys.executable, "-m", "benchmarks.demand", "--embed", str(city.raster)]
            cmd += ["--country-tile", str(args.country_tile), "--seed", str(args.seed)]
            out = subprocess.run(cmd, check=True, capture_output=True, text=True)
            mb = json.loads(out.stdout.strip().splitlines()[-1])
            print(
                f"the raster is now the middle of a {args.country_tile:,} x "
                f"{args.country_tile:,} country tile ({mb:,.0f} MB, tiled, deflate; written in "
                f"{time.perf_counter() - t0:.1f} s)"
            )
        figures: dict[str, dict[str, Any]] = {}
        for method in args.only:
            cmd = [sys.executable, "-m", "benchmarks.demand", "--method", method]
            cmd += ["--scenario", str(city.scenario), "--repeat", str(args.repeat)]
            out = subprocess.run(cmd, check=True, capture_output=True, text=True)
            figures[method] = json.loads(out.stdout.strip().splitlines()[-1])

    header = (
        f"{'allocation':<14} {'best s':>7} {'first s':>8} {'load s':>7} {'peak MB':>8} "
        f"{'above start MB':>15} {'total':>11} {'held':>11} {'held %':>7} "
        f"{'residual':>11} {'resid. %':>8}"
    )
    print(header)
    print("-" * len(header))
    for method, f in figures.items():
        print(
            f"{method:<14} {f['best_s']:>7.3f} {f['first_s']:>8.3f} {f['load_s']:>7.2f} "
            f"{f['peak_mb']:>8.0f} {f['peak_above_start_mb']:>15.0f} {f['total']:>11,.0f} "
            f"{f['held']:>11,.0f} {f['held_share']:>7.1%} {f['residual']:>11,.0f} "
            f"{f['residual_share']:>8.1%}"
        )
    print()
    header = (
        f"{'allocation':<14} {'areas':>7} {'< 1 slot':>9} {'raw slots':>10} "
        f"{'per district':>13} {'+ slots':>8} {'per area':>9} {'+ slots':>8} {'+%':>6}"
    )
    print(header)
    print("-" * len(header))
    for method, f in figures.items():
        print(
            f"{method:<14} {f['areas']:>7,} {f['below_one_slot']:>9.1%} {f['raw']:>10,.1f} "
            f"{f['per_district']:>13,.0f} {f['per_district'] - f['raw']:>8,.1f} "
            f"{f['per_area']:>9,.0f} {f['per_area'] - f['raw']:>8,.1f} "
            f"{f['per_area'] / f['raw'] - 1:>6.1%}"
        )
    if len(figures) == 2:
        d, a = figures["dasymetric"], figures["area_weighted"]
        print(
            f"\narea-weighted holds {a['held'] / d['held']:.1%} of the people the dasymetric "
            f"allocation gives the areas (overlap counted twice: {a['overlap']:,.0f}); "
            f"the districts' total agrees to {abs(a['total'] / d['total'] - 1):.1e}"
        )


if __name__ == "__main__":
    main()
