"""How much of a raster's people street blocks bring into the plan, and what they cost.

Run with ``.venv/bin/python -m benchmarks.blocks`` (``--shared DIR`` for the
real extracts, ``--grid N`` for the size of the generated city, ``--repeat N``).

Printed:

* **held share.** For central Nanjing (``data/nanjing``) and central Taichung
  (``../shared/data/osm/taichung.osm``, skipped when absent): the people of the
  population raster the areas hold, with ``[inputs.osm] areas_from`` =
  ``["landuse"]`` (the default), ``["landuse", "blocks"]`` and ``["blocks"]``,
  on two rasters:

  - ``bundled``: Nanjing's own synthetic raster (``data/nanjing/population.tif``),
    which puts most people on the residential polygons, so it favours
    ``landuse``;
  - ``buildings``: a seeded raster made here from the buildings alone
    (:func:`buildings_raster`), which knows nothing of the residential polygons:
    a cell holds a thin background plus the residents of its housing floor area.

  Each figure is checked against an independent count, the people of the cells the
  areas touch, cell by cell (:func:`touched_people`). Taichung has a fourth row,
  ``landuse+blocks+service``, with ``highway=service`` among ``block_highways`` (its
  lanes are mapped so).

* **timings** on a generated OSM city of ``N × N`` street blocks
  (:func:`grid_city`): reading the file's areas with ``landuse`` alone and with
  ``blocks`` too, the fastest of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import math
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import geopandas as gpd

ROOT = Path(__file__).resolve().parents[1]
NANJING = ROOT / "data" / "nanjing"
SHARED = ROOT.parent / "shared" / "data"

CELL_DEG = 1 / 1200
"""3 arc-seconds, WorldPop's grid."""
BACKGROUND = 22.0
"""People per cell everywhere (about 3,000 per km²), as ``generate_population.py``."""
FLOOR_M2_PER_PERSON = 38.6
"""Urban housing floor area per person, China's 2020 census (城镇人均住房建筑面积)."""
DEFAULT_LEVELS = 6.0
"""Storeys of a building without ``building:levels``: a 多层 walk-up (GB 50096: 4–6)."""
NOISE_SIGMA = 0.25
MARGIN_M = 300.0


def buildings_raster(osm: Path, out: Path, *, seed: int = 2021_06_12) -> float:
    """Write a synthetic population raster from an OSM file's buildings alone.

    A 3″ cell (EPSG:4326) holds ``BACKGROUND`` plus the residents of the housing
    floor area whose footprint falls in it (levels × footprint / 38.6 m² per
    person; untagged buildings have 6 storeys; buildings of the non-residential
    kinds of :data:`siting.osm.NON_RESIDENTIAL_BUILDINGS` house nobody), times
    seeded log-normal noise. Footprints are shared among cells on a 10 × 10
    sub-grid. Returns the people written.
    """
    import rasterio
    from rasterio.features import rasterize
    from rasterio.transform import from_origin

    from siting.osm import NON_RESIDENTIAL_BUILDINGS, buildings_from_osm

    buildings = buildings_from_osm(osm)
    housing = buildings.loc[~buildings["building"].isin(NON_RESIDENTIAL_BUILDINGS)]
    levels = housing["levels"].fillna(DEFAULT_LEVELS).clip(lower=1.0)
    people = (housing.geometry.area * levels / FLOOR_M2_PER_PERSON).to_numpy()
    density = people / housing.geometry.area.to_numpy()  # residents per m² of footprint
    lonlat = housing.geometry.to_crs("EPSG:4326")
    west, south, east, north = buildings.geometry.to_crs("EPSG:4326").total_bounds
    lat = (south + north) / 2
    pad_lat = MARGIN_M / 111_320
    pad_lon = MARGIN_M / (111_320 * math.cos(math.radians(lat)))
    west = math.floor((west - pad_lon) / CELL_DEG) * CELL_DEG
    north = math.ceil((north + pad_lat) / CELL_DEG) * CELL_DEG
    width = math.ceil((east + pad_lon - west) / CELL_DEG)
    height = math.ceil((north - (south - pad_lat)) / CELL_DEG)
    sub = 10
    # a sub-cell's ground area in m², to turn footprint shares into residents
    sub_m2 = (CELL_DEG / sub * 111_320) ** 2 * math.cos(math.radians(lat))
    fine = rasterize(
        zip(lonlat, density * sub_m2, strict=True),
        out_shape=(height * sub, width * sub),
        transform=from_origin(west, north, CELL_DEG / sub, CELL_DEG / sub),
        dtype="float64",
        merge_alg=rasterio.enums.MergeAlg.add,
    )
    housed = fine.reshape(height, sub, width, sub).sum(axis=(1, 3))
    rng = np.random.default_rng(seed)
    noise = rng.lognormal(mean=-(NOISE_SIGMA**2) / 2, sigma=NOISE_SIGMA, size=(height, width))
    raster = ((BACKGROUND + housed) * noise).astype(np.float32)
    write_people(out, raster, west=west, north=north)
    return float(raster.astype(float).sum())


def write_people(out: Path, people: np.ndarray, *, west: float, north: float) -> None:
    """Write persons per 3″ cell (EPSG:4326, float32, nodata −99999) from ``west``, ``north``."""
    import rasterio
    from rasterio.transform import from_origin

    height, width = people.shape
    with rasterio.open(
        out,
        "w",
        driver="GTiff",
        width=width,
        height=height,
        count=1,
        dtype="float32",
        crs="EPSG:4326",
        transform=from_origin(west, north, CELL_DEG, CELL_DEG),
        nodata=-99999.0,
    ) as dst:
        dst.write(people.astype(np.float32), 1)


def touched_cells(
    areas: gpd.GeoDataFrame, raster: Path
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The people of each cell of the raster (flattened), whether any area covers ground
    of the cell, and the cells' centres (x, y in the raster's CRS)."""
    import rasterio
    import shapely

    with rasterio.open(raster) as src:
        people = src.read(1, masked=True).filled(0.0).astype(float)
        transform, crs = src.transform, src.crs
    land = shapely.union_all(areas.to_crs(crs).geometry.to_numpy())
    rows, cols = np.indices(people.shape)
    x0, y0 = transform * (cols.ravel(), rows.ravel())
    x1, y1 = transform * (cols.ravel() + 1, rows.ravel() + 1)
    cells = shapely.box(x0, y1, x1, y0)
    touched = shapely.area(shapely.intersection(cells, land)) > 0
    centres = np.stack([(np.asarray(x0) + x1) / 2, (np.asarray(y0) + y1) / 2], axis=1)
    return people.ravel(), touched, centres


def touched_people(areas: gpd.GeoDataFrame, raster: Path) -> float:
    """People of the raster cells whose ground any area covers, counted cell by cell on
    the union of the areas: an independent count of what the dasymetric allocation
    gives the areas."""
    people, touched, _ = touched_cells(areas, raster)
    return float(people[touched].sum())


def held(
    osm: Path,
    raster: Path,
    crs: str,
    areas_from: tuple[str, ...],
    highways: tuple[str, ...] | None = None,
) -> dict[str, float]:
    """The raster's people the areas hold with ``areas_from`` (and ``highways`` bounding
    the blocks, the default if ``None``), by estimate_demand and cell by cell."""
    from siting.demand import estimate_demand, without_empty_blocks
    from siting.inputs import load_inputs
    from siting.scenario import InputsSpec, OsmSpec, RasterSpec, Scenario

    blocks_by = {} if highways is None else {"block_highways": highways}
    spec = InputsSpec(
        population=RasterSpec(raster),
        osm=OsmSpec(osm, use=("areas", "candidates"), areas_from=areas_from, **blocks_by),
    )
    scenario = dataclasses.replace(Scenario(), crs=crs, inputs=spec)
    start = time.perf_counter()
    inputs = load_inputs(spec, crs=crs)
    demand = estimate_demand(inputs, scenario=scenario)
    seconds = time.perf_counter() - start
    kept, _ = without_empty_blocks(inputs, demand)
    acc = demand.accounting["population"]
    blocks = demand.areas.index.str.startswith("osm/block/")
    cells = touched_people(inputs.areas, raster)
    assert math.isclose(cells, float(acc["held"]), rel_tol=1e-6), (cells, acc["held"])
    return {
        "areas": float(len(demand.areas)),
        "blocks": float(blocks.sum()),
        "edge": float((inputs.areas["osm_tags"] == "street block at the edge").sum()),
        "kept": float(len(kept.areas)),
        "total": float(acc["total"]),
        "held": float(acc["held"]),
        "share": float(acc["held_share"]),
        "seconds": seconds,
    }


def grid_city(path: Path, n: int, *, spacing_m: float = 150.0, seed: int = 1) -> None:
    """An OSM city of ``n × n`` street blocks: residential streets every ``spacing_m``
    (nodes jittered by up to 10 m), a primary road every tenth, a footway across
    every block, one block in ten mapped ``landuse=residential`` and one in twenty a
    park, written as OSM XML near central Nanjing."""
    import pyproj

    rng = np.random.default_rng(seed)
    to_lonlat = pyproj.Transformer.from_crs("EPSG:32650", "EPSG:4326", always_xy=True)
    x0, y0 = 640_000.0, 3_520_000.0
    jitter = rng.uniform(-10, 10, size=(n + 1, n + 1, 2))
    xs = x0 + np.arange(n + 1)[:, None] * spacing_m + jitter[:, :, 0]
    ys = y0 + np.arange(n + 1)[None, :] * spacing_m + jitter[:, :, 1]
    lon, lat = to_lonlat.transform(xs, ys)
    ids = np.arange(1, (n + 1) ** 2 + 1).reshape(n + 1, n + 1)
    next_id = int(ids.max()) + 1
    with path.open("w", encoding="utf-8") as out:
        out.write("<?xml version='1.0' encoding='UTF-8'?>\n<osm version='0.6'>\n")
        for i in range(n + 1):
            for j in range(n + 1):
                out.write(f"<node id='{ids[i, j]}' lat='{lat[i, j]:.7f}' lon='{lon[i, j]:.7f}'/>\n")
        extra_nodes: list[str] = []
        ways: list[str] = []
        way_id = 1

        def way(refs: list[int], tags: dict[str, str]) -> None:
            nonlocal way_id
            body = "".join(f"<nd ref='{r}'/>" for r in refs)
            body += "".join(f"<tag k='{k}' v='{v}'/>" for k, v in tags.items())
            ways.append(f"<way id='{way_id}'>{body}</way>\n")
            way_id += 1

        for i in range(n + 1):
            kind = "primary" if i % 10 == 0 else "residential"
            way([int(r) for r in ids[i, :]], {"highway": kind, "name": f"{i}路"})
            way([int(r) for r in ids[:, i]], {"highway": kind, "name": f"{i}街"})
        for i in range(n):
            for j in range(n):
                corners = [ids[i, j], ids[i + 1, j], ids[i + 1, j + 1], ids[i, j + 1]]
                pick = rng.random()
                if pick < 0.15:
                    # a polygon inset 15 m in the block
                    cx, cy = xs[i : i + 2, j : j + 2].mean(), ys[i : i + 2, j : j + 2].mean()
                    half = spacing_m / 2 - 15
                    ring = []
                    for dx, dy in ((-1, -1), (1, -1), (1, 1), (-1, 1)):
                        plon, plat = to_lonlat.transform(cx + dx * half, cy + dy * half)
                        extra_nodes.append(
                            f"<node id='{next_id}' lat='{plat:.7f}' lon='{plon:.7f}'/>\n"
                        )
                        ring.append(next_id)
                        next_id += 1
                    tags = {"landuse": "residential"} if pick < 0.10 else {"leisure": "park"}
                    way([*ring, ring[0]], tags)
                way([int(corners[0]), int(corners[2])], {"highway": "footway"})
        out.writelines(extra_nodes)
        out.writelines(ways)
        out.write("</osm>\n")


def _fastest(call: object, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        call()  # type: ignore[operator]
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    """Measure the held shares and the timings, and print them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=SHARED)
    parser.add_argument("--grid", type=int, nargs="*", default=[40, 100])
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    logging.getLogger("siting").setLevel(logging.ERROR)
    from siting.scenario import OSM_BLOCK_HIGHWAYS

    plain = (("landuse",), None), (("landuse", "blocks"), None), (("blocks",), None)
    service = (*OSM_BLOCK_HIGHWAYS, "service")
    cities = [("nanjing", NANJING / "nanjing-xuanwu.osm", "EPSG:4549", plain)]
    taichung = args.shared / "osm" / "taichung.osm"
    if taichung.is_file():
        # its lanes (巷) are highway=service: a row with them bounding blocks
        cities.append(
            ("taichung", taichung, "EPSG:3826", (*plain, (("landuse", "blocks"), service)))
        )
    import rasterio

    print(
        "city      raster     areas_from          areas  blocks  edge  kept  study area     "
        "held  share  of raster"
    )
    with tempfile.TemporaryDirectory() as folder:
        for name, osm, crs, sources in cities:
            rasters = {"buildings": Path(folder) / f"{name}.tif"}
            people = buildings_raster(osm, rasters["buildings"])
            if name == "nanjing":
                rasters = {"bundled": NANJING / "population.tif", **rasters}
            for label, raster in rasters.items():
                with rasterio.open(raster) as src:
                    everyone = float(src.read(1, masked=True).sum())
                for areas_from, highways in sources:
                    r = held(osm, raster, crs, areas_from, highways)
                    said = "+".join(areas_from) + ("+service" if highways else "")
                    print(
                        f"{name:9} {label:10} {said:19} {r['areas']:5.0f} "
                        f"{r['blocks']:7.0f} {r['edge']:5.0f} {r['kept']:5.0f} "
                        f"{r['total']:11,.0f} {r['held']:8,.0f} {r['share']:6.1%} "
                        f"{r['held'] / everyone:10.1%}"
                    )
            print(f"          (the buildings raster of {name} holds {people:,.0f} people)")
        print(
            "(study area: the raster's people round the areas, as the run counts them; edge: "
            "blocks along the extract's edge; every held figure equals the people of the "
            "cells the areas touch, counted cell by cell)"
        )
        from siting.osm import read_osm_layers

        print("\ngenerated city: reading its areas (fastest of --repeat)")
        print("blocks   ways   landuse s   +blocks s   blocks made")
        for n in args.grid:
            path = Path(folder) / f"grid{n}.osm"
            grid_city(path, n)
            counts: list[int] = []

            def read(
                areas_from: tuple[str, ...], osm: Path = path, out: list[int] = counts
            ) -> None:
                layers = read_osm_layers(
                    osm, use=["areas"], working_crs="EPSG:32650", areas_from=areas_from
                )
                assert layers.areas is not None
                out.append(len(layers.areas))

            plain = _fastest(lambda: read(("landuse",)), args.repeat)
            both = _fastest(lambda: read(("landuse", "blocks")), args.repeat)
            print(
                f"{n * n:6}  {2 * (n + 1) + n * n:6}  {plain:9.2f}  {both:10.2f}   "
                f"{counts[-1] - counts[0]:,}"
            )


if __name__ == "__main__":
    main()
