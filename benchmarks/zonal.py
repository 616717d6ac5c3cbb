"""Benchmark exact zonal sums: siting.zonal vs exactextract, rasterstats and one-pass rasterize.

``siting_dasymetric`` is :func:`siting.allocation.allocate` (the dasymetric
allocation that demand uses by default) on the same data; the Voronoi cells tile
the raster, so its sums equal the area-weighted ones up to rounding.

Run with ``.venv/bin/python -m benchmarks.zonal`` (``--help`` for the sizes).

The data are seeded: a float32 raster in EPSG:4544 with 100 m cells, written to a
temporary GeoTIFF, and Voronoi cells of random points clipped to the raster's
extent, written to a GeoPackage. Each contender runs in a fresh subprocess, which
reads the polygons, then calls the contender ``--repeat`` times; the time is the
fastest call (the first call, and the least CPU time of a call, are also shown).
Peak memory is the subprocess's ``ru_maxrss`` (whole process, including Python
and the libraries), and "peak above start" subtracts the RSS measured just
before the first call (after the imports and the polygons are loaded).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

CONTENDERS = (
    "siting",
    "siting_dasymetric",
    "exactextract",
    "rasterstats",
    "rasterize_bincount",
)
CELL_M = 100.0
ORIGIN = (500_000.0, 3_600_000.0)


def make_data(workdir: Path, *, size: int, n_polygons: int, seed: int) -> None:
    """Write the seeded raster and polygons into ``workdir``."""
    import geopandas as gpd
    import rasterio
    import shapely
    from affine import Affine

    rng = np.random.default_rng(seed)
    values = rng.gamma(2.0, 5.0, size=(size, size)).astype(np.float32)
    transform = Affine(CELL_M, 0.0, ORIGIN[0], 0.0, -CELL_M, ORIGIN[1])
    profile = {
        "driver": "GTiff",
        "width": size,
        "height": size,
        "count": 1,
        "dtype": "float32",
        "crs": "EPSG:4544",
        "transform": transform,
        "nodata": -1.0,
        "tiled": True,
        "blockxsize": 256,
        "blockysize": 256,
    }
    with rasterio.open(workdir / "raster.tif", "w", **profile) as ds:
        ds.write(values, 1)
    extent = shapely.box(ORIGIN[0], ORIGIN[1] - size * CELL_M, ORIGIN[0] + size * CELL_M, ORIGIN[1])
    x = ORIGIN[0] + rng.random(n_polygons) * size * CELL_M
    y = ORIGIN[1] - rng.random(n_polygons) * size * CELL_M
    cells = shapely.get_parts(
        shapely.voronoi_polygons(shapely.multipoints(np.column_stack([x, y])), extend_to=extent)
    )
    cells = shapely.intersection(cells, extent)
    gdf = gpd.GeoDataFrame(
        {"area_id": np.arange(len(cells))}, geometry=cells, crs="EPSG:4544"
    ).set_index("area_id")
    gdf.to_file(workdir / "polygons.gpkg", driver="GPKG")
    np.save(workdir / "total.npy", np.array([values.sum(dtype=np.float64)]))


def _rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def _contender(name: str, workdir: Path) -> Callable[[], np.ndarray]:
    import geopandas as gpd

    raster = str(workdir / "raster.tif")
    gdf = gpd.read_file(workdir / "polygons.gpkg").set_index("area_id")
    if name == "siting":
        from siting.zonal import zonal_sums

        return lambda: zonal_sums(gdf, raster).to_numpy()
    if name == "siting_dasymetric":
        from siting.allocation import allocate

        return lambda: allocate(gdf, raster).held.to_numpy()
    if name == "exactextract":
        from exactextract import exact_extract

        return lambda: exact_extract(raster, gdf, "sum", output="pandas")["sum"].to_numpy()
    if name == "rasterstats":
        from rasterstats import zonal_stats

        def run_rasterstats() -> np.ndarray:
            stats = zonal_stats(gdf, raster, stats="sum", boundless=False)
            return np.array([s["sum"] or 0.0 for s in stats], dtype=np.float64)

        return run_rasterstats
    if name == "rasterize_bincount":
        import rasterio
        from rasterio.features import rasterize

        def run_rasterize() -> np.ndarray:
            with rasterio.open(raster) as ds:
                values = ds.read(1, masked=False)
                nodata = ds.nodata
                labels = rasterize(
                    zip(gdf.geometry.values, np.arange(1, len(gdf) + 1), strict=True),
                    out_shape=values.shape,
                    transform=ds.transform,
                    fill=0,
                    dtype="int32",
                )
            values[values == nodata] = 0
            sums = np.bincount(labels.ravel(), weights=values.ravel(), minlength=len(gdf) + 1)
            return sums[1:]

        return run_rasterize
    raise ValueError(f"unknown contender {name!r}")


def run_one(name: str, workdir: Path, *, repeat: int) -> dict[str, float]:
    """Run one contender in this process and return its figures."""
    call = _contender(name, workdir)
    start_mb = _rss_mb()
    times = []
    cpu = []
    result = np.zeros(0)
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        result = call()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    np.save(workdir / f"result-{name}.npy", np.asarray(result, dtype=np.float64))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "best_s": min(times),
        "first_s": times[0],
        "cpu_s": min(cpu),
        "peak_mb": peak_mb,
        "peak_above_start_mb": peak_mb - start_mb,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=4000, help="raster width = height, cells")
    parser.add_argument("--polygons", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", nargs="*", choices=CONTENDERS, default=list(CONTENDERS))
    parser.add_argument("--contender", choices=CONTENDERS, help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.contender:
        figures = run_one(args.contender, args.workdir, repeat=args.repeat)
        sys.stdout.write(json.dumps(figures) + "\n")
        return

    with tempfile.TemporaryDirectory(prefix="bench-zonal-") as tmp:
        workdir = Path(tmp)
        t0 = time.perf_counter()
        make_data(workdir, size=args.size, n_polygons=args.polygons, seed=args.seed)
        print(
            f"data: {args.size} x {args.size} float32 raster, {args.polygons} Voronoi polygons, "
            f"seed {args.seed} (made in {time.perf_counter() - t0:.1f} s); "
            f"best of {args.repeat} calls, each contender in its own subprocess"
        )
        figures: dict[str, dict[str, float]] = {}
        for name in args.only:
            cmd = [sys.executable, "-m", "benchmarks.zonal", "--contender", name]
            cmd += ["--workdir", str(workdir), "--repeat", str(args.repeat)]
            out = subprocess.run(cmd, check=True, capture_output=True, text=True)
            figures[name] = json.loads(out.stdout.strip().splitlines()[-1])
        total = float(np.load(workdir / "total.npy")[0])
        results = {name: np.load(workdir / f"result-{name}.npy") for name in figures}

    base = figures.get("siting", {}).get("best_s", float("nan"))
    header = (
        f"{'contender':<20} {'best s':>8} {'first s':>8} {'CPU s':>7} {'x siting':>9} "
        f"{'peak MB':>8} {'peak above start MB':>20} {'sum / raster total - 1':>23}"
    )
    print(header)
    print("-" * len(header))
    for name, fig in figures.items():
        rel_total = results[name].sum() / total - 1.0
        print(
            f"{name:<20} {fig['best_s']:>8.3f} {fig['first_s']:>8.3f} {fig['cpu_s']:>7.3f} "
            f"{fig['best_s'] / base:>9.2f} {fig['peak_mb']:>8.0f} "
            f"{fig['peak_above_start_mb']:>20.0f} {rel_total:>23.2e}"
        )
    if "siting" in results and "exactextract" in results:
        ours, theirs = results["siting"], results["exactextract"]
        rel = np.abs(ours - theirs) / np.maximum(np.abs(theirs), 1e-300)
        print(
            f"siting vs exactextract: max relative difference {rel.max():.2e}, "
            f"max absolute difference {np.abs(ours - theirs).max():.2e}"
        )
    if "siting" in results and "rasterize_bincount" in results:
        ours, theirs = results["siting"], results["rasterize_bincount"]
        rel = np.abs(ours - theirs) / np.maximum(np.abs(ours), 1e-300)
        print(
            f"rasterize_bincount vs siting (not area-weighted): max relative diff {rel.max():.2e}"
        )


if __name__ == "__main__":
    main()
