"""Where a real raster's people go: dasymetric against area-weighted, on the shared rasters.

Run with ``.venv/bin/python -m benchmarks.conservation`` (needs ``../shared/data``).

For each real raster (Naples GHS-POP, Accra WorldPop total and age 0–5) it draws
seeded residential blocks over the populated cells, the way land-use polygons
lie over a ~90 m grid: blocks of 30–120 m with gaps (roads) between them, so
that they cover only part of each cell they touch. The study area is the
Naples municipal boundary, or the raster's extent for Accra. It prints, for
both allocations, the study area's total, what the blocks hold, the residual
and the share, checks held + residual − overlap = total, compares the total
with exactextract's sum over the study area (a second implementation) when
exactextract is installed, and times both allocations.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import rasterio
import shapely

from siting.allocation import allocate

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
RASTERS = {
    "naples-ghspop": ("raster/naples-ghspop.tif", "admin/naples-boundary.gpkg"),
    "accra-total-worldpop": ("raster/accra-total-worldpop.tif", None),
    "accra-age0-5-worldpop": ("raster/accra-age0-5-worldpop.tif", None),
}


def blocks_over(path: Path, *, n: int, seed: int) -> gpd.GeoSeries:
    """``n`` residential blocks (30–120 m) over the populated cells of a raster, in UTM."""
    rng = np.random.default_rng(seed)
    with rasterio.open(path) as ds:
        values = ds.read(1, masked=True).filled(0)
        values[~np.isfinite(values)] = 0
        rows, cols = np.nonzero(values > np.quantile(values[values > 0], 0.3))
        pick = rng.choice(len(rows), size=min(n, len(rows)), replace=False)
        xs, ys = rasterio.transform.xy(ds.transform, rows[pick], cols[pick])
        crs = ds.crs
    centres = gpd.GeoSeries(gpd.points_from_xy(xs, ys), crs=crs)
    utm = centres.estimate_utm_crs()
    pts = centres.to_crs(utm)
    x = pts.x.to_numpy() + rng.uniform(-40, 40, len(pts))
    y = pts.y.to_numpy() + rng.uniform(-40, 40, len(pts))
    w, h = rng.uniform(30, 120, len(pts)), rng.uniform(30, 120, len(pts))
    return gpd.GeoSeries(shapely.box(x - w / 2, y - h / 2, x + w / 2, y + h / 2), crs=utm)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blocks", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=20240601)
    args = parser.parse_args(argv)
    try:
        from exactextract import exact_extract
    except ImportError:  # pragma: no cover
        exact_extract = None
    print(
        f"{'raster':<24} {'allocation':<14} {'total':>11} {'held':>11} {'share':>7} "
        f"{'residual':>11} {'overlap':>9} {'s':>6} {'exactextract total':>19}"
    )
    for name, (raster_rel, zone_rel) in RASTERS.items():
        path = SHARED / raster_rel
        if not path.is_file():
            print(f"{name}: {path} is absent, skipped")
            continue
        with rasterio.open(path) as ds:
            if zone_rel is not None:
                zones = gpd.read_file(SHARED / zone_rel).to_crs(ds.crs).geometry
            else:
                zones = gpd.GeoSeries([shapely.box(*ds.bounds)], crs=ds.crs)
        blocks = blocks_over(path, n=args.blocks, seed=args.seed)
        exact = float("nan")
        if exact_extract is not None:
            frame = gpd.GeoDataFrame(geometry=zones.values, crs=zones.crs)
            exact = float(exact_extract(str(path), frame, "sum", output="pandas")["sum"].sum())
        for method in ("dasymetric", "area_weighted"):
            t0 = time.perf_counter()
            out = allocate(blocks, path, method=method, zones=zones)
            seconds = time.perf_counter() - t0
            held = float(out.held.sum())
            assert abs(held + out.residual - out.overlap - out.total) <= 1e-9 * out.total
            print(
                f"{name:<24} {method:<14} {out.total:>11,.0f} {held:>11,.0f} "
                f"{out.held_share:>7.1%} {out.residual:>11,.0f} {out.overlap:>9,.0f} "
                f"{seconds:>6.2f} {exact:>19,.0f}"
            )


if __name__ == "__main__":
    main()
