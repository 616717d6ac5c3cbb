"""Split a province's vector layers by county: geopandas (what siting does) against dask-geopandas.

Run with ``python -m benchmarks.province_split [GPKG]``; the default is the
province ``benchmarks.province`` generates (183 counties; run it first). Each
contender runs in a fresh subprocess and makes the same thing: every county's
residential areas and candidate parcels as GeoDataFrames in the working CRS
(EPSG:4544), counted to check they agree. Printed: the wall time, the peak RSS
of the process (``ru_maxrss``) and what it rose by above the interpreter with
the libraries imported. ``CPU`` is the process's CPU seconds (every thread),
which the load of other work changes less than the wall time.

Contenders
    ``geopandas``
        What :mod:`siting.inputs` and :func:`siting.province.district_inputs` do:
        read each layer whole (pyogrio), reproject it, then one boolean mask of
        ``district_id`` per county.
    ``geopandas-groupby``
        The same read, split in one ``groupby`` pass.
    ``pyogrio-where``
        Each county read on its own with an SQL ``where`` on ``district_id``
        (what a worker could read itself if the province did not fit one
        process), reprojected per county.
    ``dask-geopandas``
        ``dask_geopandas.read_file`` in partitions of rows, reprojected,
        ``set_index("district_id")`` with one division per county (a shuffle),
        every partition computed (threads).
    ``dask-geopandas-spatial``
        ``dask_geopandas.read_file``, reprojected, ``spatial_shuffle`` (Hilbert
        order) into as many partitions as counties, computed, and then split by
        ``district_id`` (spatial partitions do not follow county lines).

``dask-geopandas`` needs ``pip install dask-geopandas`` (it brings pyarrow); it is
not a dependency of siting (see benchmarks/README.md for why).
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

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = Path("/tmp/siting-province-183c-s1-seed1/city.gpkg")
LAYERS = ("areas", "parcels")
CRS = "EPSG:4544"
CONTENDERS = (
    "geopandas",
    "geopandas-groupby",
    "pyogrio-where",
    "dask-geopandas",
    "dask-geopandas-spatial",
)


def _rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * resource.getpagesize() / 2**20


def _counts(parts: dict[str, dict[str, Any]]) -> dict[str, list[int]]:
    """Rows per county per layer, in county order (the check that contenders agree)."""
    return {d: [len(parts[d][layer]) for layer in LAYERS] for d in sorted(parts)}


def run_one(name: str, gpkg: Path, workers: int) -> dict[str, Any]:
    """Split ``gpkg`` by county with contender ``name`` in this process; its figures."""
    import geopandas as gpd
    import pandas as pd
    import pyogrio

    if name.startswith("dask"):
        import dask
        import dask_geopandas

        dask.config.set(scheduler="threads", num_workers=workers)
    ids = sorted(
        str(d) for d in pyogrio.read_dataframe(gpkg, layer="districts", columns=["district_id"],
                                               read_geometry=False)["district_id"]
    )  # fmt: skip
    start_mb = _rss_mb()
    t0 = time.perf_counter()
    c0 = time.process_time()
    parts: dict[str, dict[str, Any]] = {d: {} for d in ids}
    if name in ("geopandas", "geopandas-groupby"):
        for layer in LAYERS:
            gdf = gpd.read_file(gpkg, layer=layer).to_crs(CRS)
            if name == "geopandas":
                column = gdf["district_id"].astype(str)
                for d in ids:
                    parts[d][layer] = gdf[column == d]
            else:
                groups = dict(tuple(gdf.groupby("district_id", sort=False)))
                for d in ids:
                    parts[d][layer] = groups.get(d, gdf.iloc[:0])
    elif name == "pyogrio-where":
        for d in ids:
            for layer in LAYERS:
                gdf = pyogrio.read_dataframe(gpkg, layer=layer, where=f"district_id = '{d}'")
                parts[d][layer] = gdf.to_crs(CRS)
    elif name == "dask-geopandas":
        for layer in LAYERS:
            ddf = dask_geopandas.read_file(gpkg, layer=layer, npartitions=workers * 4).to_crs(CRS)
            ddf = ddf.set_index("district_id", divisions=[*ids, ids[-1]])
            frames = dask.compute(*ddf.to_delayed())
            for d, frame in zip(ids, frames, strict=True):
                parts[d][layer] = frame
    elif name == "dask-geopandas-spatial":
        for layer in LAYERS:
            ddf = dask_geopandas.read_file(gpkg, layer=layer, npartitions=workers * 4).to_crs(CRS)
            ddf = ddf.spatial_shuffle(by="hilbert", npartitions=len(ids))
            frames = dask.compute(*ddf.to_delayed())
            whole = pd.concat(frames)
            groups = dict(tuple(whole.groupby("district_id", sort=False)))
            for d in ids:
                parts[d][layer] = groups.get(d, whole.iloc[:0])
    else:
        raise SystemExit(f"unknown contender {name}")
    seconds = time.perf_counter() - t0
    cpu_s = time.process_time() - c0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "name": name,
        "seconds": seconds,
        "cpu_s": cpu_s,
        "peak_mb": peak_mb,
        "above_start_mb": peak_mb - start_mb,
        "counts": _counts(parts),
    }


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("gpkg", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--only", nargs="*", default=list(CONTENDERS), choices=CONTENDERS)
    parser.add_argument("--workers", type=int, default=2, help="dask threads")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child is not None:
        print(json.dumps(run_one(args.child, args.gpkg, args.workers)))
        return
    if not args.gpkg.exists():
        raise SystemExit(f"{args.gpkg} does not exist: run python -m benchmarks.province first")
    import os

    print(f"{args.gpkg} ({args.gpkg.stat().st_size / 2**20:,.0f} MB); dask threads {args.workers}")
    rows = []
    reference = None
    for name in args.only:
        runs = []
        for _ in range(args.repeat):
            load = os.getloadavg()[0]
            cmd = [sys.executable, "-m", "benchmarks.province_split", str(args.gpkg)]
            cmd += ["--child", name, "--workers", str(args.workers)]
            proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=False)
            if proc.returncode != 0:
                print(f"{name}: failed\n{proc.stderr[-2000:]}")
                break
            runs.append((json.loads(proc.stdout.strip().splitlines()[-1]), load))
        if not runs:
            continue
        best, load = min(runs, key=lambda r: r[0]["seconds"])
        if reference is None:
            reference = best["counts"]
        same = "yes" if best["counts"] == reference else "NO"
        areas = sum(c[0] for c in best["counts"].values())
        parcels = sum(c[1] for c in best["counts"].values())
        rows.append(
            f"| {name} | {best['seconds']:.2f} s | {best['cpu_s']:.2f} s | "
            f"{best['peak_mb']:,.0f} MB | "
            f"{best['above_start_mb']:,.0f} MB | {areas:,} / {parcels:,} | {same} | {load:.1f} |"
        )
    print(
        "| contender | read + split | CPU | peak RSS | above start | areas / parcels | "
        "same counties | load |"
    )
    print("|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
