"""Write a synthetic population raster over the Nanjing OSM extract (seeded, deterministic).

The OSM-only scenario (``scenario.toml`` beside this file) needs a population
raster, and no real one of central Nanjing is bundled. This script makes a
WorldPop-like one from the OSM file itself:

* cells of 3 arc-seconds (1/1200°, about 79 m × 93 m at 32°N, WorldPop's
  grid), in EPSG:4326, covering the extract's residential areas and buildings
  plus a 500 m margin;
* persons per cell = ``BACKGROUND`` + ``RESIDENTIAL`` × the share of the
  cell inside ``landuse=residential`` + ``BUILDING`` × the share covered by
  buildings, times log-normal noise (σ = ``NOISE_SIGMA``) drawn from
  ``numpy.random.default_rng(seed)``. Shares are measured on a 10 × 10
  sub-grid of each cell.

With the defaults, a cell fully inside a residential area holds about 255
people (35,000 per km²) and the background about 22 (3,000 per km²): the
order of magnitude of Xuanwu and Gulou (玄武区, 鼓楼区), not their census
figures. The output is float32, deflate-compressed, and byte-identical for
the same seed and OSM file.

Run ``python data/nanjing/generate_population.py [--osm FILE] [--out FILE] [--seed N]``.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np
import rasterio
from rasterio.features import rasterize
from rasterio.transform import from_origin

HERE = Path(__file__).resolve().parent
OSM = HERE / "nanjing-xuanwu.osm"
OUT = HERE / "population.tif"
SEED = 2021_06_12  # the extract's OSM timestamp
CELL_DEG = 1 / 1200  # 3 arc-seconds, as WorldPop
SUB = 10  # sub-cells per cell side for the shares
MARGIN_M = 500.0
BACKGROUND = 22.0
RESIDENTIAL = 233.0
BUILDING = 180.0
NOISE_SIGMA = 0.25
NODATA = -99999.0


def generate(osm: Path = OSM, out: Path = OUT, *, seed: int = SEED) -> dict[str, float]:
    """Write the raster and return summary numbers.

    Parameters
    ----------
    osm
        The OSM XML file.
    out
        The GeoTIFF to write.
    seed
        Seed of the noise.

    Returns
    -------
    dict
        ``cells``, ``people``, ``width``, ``height``.
    """
    import osmnx as ox

    features = ox.features_from_xml(osm, tags={"landuse": ["residential"], "building": True})
    features = features.to_crs("EPSG:4326")
    polygons = features[features.geom_type.isin(["Polygon", "MultiPolygon"])]
    landuse = polygons["landuse"] if "landuse" in polygons.columns else None
    residential = polygons[landuse == "residential"] if landuse is not None else polygons.iloc[:0]
    buildings = polygons[polygons["building"].notna()]
    west, south, east, north = polygons.total_bounds
    lat = (south + north) / 2
    pad_lat = MARGIN_M / 111_320
    pad_lon = MARGIN_M / (111_320 * math.cos(math.radians(lat)))
    west = math.floor((west - pad_lon) / CELL_DEG) * CELL_DEG
    north = math.ceil((north + pad_lat) / CELL_DEG) * CELL_DEG
    width = math.ceil((east + pad_lon - west) / CELL_DEG)
    height = math.ceil((north - (south - pad_lat)) / CELL_DEG)
    fine = from_origin(west, north, CELL_DEG / SUB, CELL_DEG / SUB)

    def share(shapes: list[object]) -> np.ndarray:
        if not shapes:
            return np.zeros((height, width))
        mask = rasterize(
            ((s, 1) for s in shapes), out_shape=(height * SUB, width * SUB), transform=fine
        )
        return mask.reshape(height, SUB, width, SUB).mean(axis=(1, 3))

    res_share = share(list(residential.geometry))
    bld_share = share(list(buildings.geometry))
    rng = np.random.default_rng(seed)
    noise = rng.lognormal(mean=-(NOISE_SIGMA**2) / 2, sigma=NOISE_SIGMA, size=(height, width))
    people = (BACKGROUND + RESIDENTIAL * res_share + BUILDING * bld_share) * noise
    raster = np.round(people, 2).astype(np.float32)
    profile = {
        "driver": "GTiff",
        "width": width,
        "height": height,
        "count": 1,
        "dtype": "float32",
        "crs": "EPSG:4326",
        "transform": from_origin(west, north, CELL_DEG, CELL_DEG),
        "nodata": NODATA,
        "compress": "deflate",
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    with rasterio.open(out, "w", **profile) as dst:
        dst.write(raster, 1)
        dst.set_band_description(1, "persons per cell (synthetic)")
        dst.update_tags(
            units="persons", source="siting data/nanjing/generate_population.py (synthetic)"
        )
    return {
        "cells": float(width * height),
        "people": float(raster.astype(float).sum()),
        "width": float(width),
        "height": float(height),
    }


def main() -> None:
    """Command line: ``--osm``, ``--out``, ``--seed``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--osm", type=Path, default=OSM)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args()
    summary = generate(args.osm, args.out, seed=args.seed)
    print(
        f"{args.out}: {summary['width']:.0f} × {summary['height']:.0f} cells, "
        f"{summary['people']:,.0f} people"
    )


if __name__ == "__main__":
    main()
