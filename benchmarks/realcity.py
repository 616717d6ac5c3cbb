"""A seeded city shaped like a real hand-over: WorldPop raster, land-use blocks, own columns.

A bureau's data rarely look like the sample's. This generator writes what one
real hand-over looked like, so the pipeline can be proved on it and measured:

``worldpop_3s.tif``
    People per cell in **EPSG:4326** on WorldPop's 3-arc-second grid (about
    78 × 93 m at 32.4°N), float32, nodata −99999. People live mostly in the
    built-up cells (a lognormal density in the residential superblocks, a few
    people in the industrial ones, a few cells exactly 0), with a thin rural
    spread and villages outside; a river across the city and a few scattered
    cells are nodata. The grid reaches past the districts, as a national
    tile does.
``xq.shp`` (+ ``.dbf``, ``.shx``, ``.prj``, ``.cpg`` UTF-8)
    Residential polygons (小区) in **EPSG:4544** (CGCS2000 3° Gauss–Krüger,
    CM 105°E), drawn as 10 m land-use blocks: superblocks of 200 m between
    20 m arterial roads are cut into blocks of 20–150 m with 6–14 m lanes
    between them, and only some of those become housing, so the blocks cover
    about 30–50 % of the built-up area (``Summary.block_coverage``). Some
    superblocks are large estates; about 5 % of the blocks have a courtyard
    (a hole), 3 % of the areas are multipolygons and 1 % are a second,
    shifted copy of a block that overlaps it. Columns are the bureau's own:
    ``XQBM`` (id), ``XQMC`` (name), ``LX`` (老城区 / 新建 / 农村), ``HS``
    (dwellings), ``MJ`` (area in m², unused).
``city.gpkg``
    Layers ``dk`` (candidate parcels: ``DKBM``, ``DKMC``, ``YDLX`` kind in
    Chinese, ``QDFS`` acquisition in Chinese, ``TDMJ`` land m², ``JZMJ``
    floor m² (empty for bare land), ``JG`` price in 元, empty for some) and
    ``qx`` (three districts: ``QXDM``, ``QXMC``), both in **EPSG:4490**.
``scenario.toml``
    Maps every column with ``[inputs.<layer>.columns]``; straight-line
    distances (no street file).

Run ``python -m benchmarks.realcity --areas 2000 --seed 1 --out DIR``; from
Python, :func:`write_city` returns a :class:`Summary` with the paths and the
shape's figures.
"""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import rasterio
import shapely
import shapely.affinity
from affine import Affine
from pyproj import Transformer

__all__ = ["Summary", "write_city"]

AREAS_CRS = "EPSG:4544"
STORED_CRS = "EPSG:4490"
RASTER_CRS = "EPSG:4326"
CELL_DEG = 1.0 / 1200.0  # 3 arc-seconds
NODATA = -99999.0
ORIGIN = (579_000.0, 3_591_000.0)  # EPSG:4544, near Guangyuan (105.84°E, 32.43°N)
PITCH_M = 220.0  # superblock plus arterial road
ROAD_M = 20.0
RURAL_RING_M = 2_500.0  # countryside around the built-up city, inside the districts
TILE_MARGIN_M = 1_500.0  # raster beyond the districts
RURAL_SHARE = 0.06  # share of the areas that are villages (农村)
RIVER_HALF_M = 45.0
DISTRICTS = (("510802", "利州区"), ("510811", "昭化区"), ("510812", "朝天区"))
_PLACES = ("东坝", "嘉陵", "南河", "万缘", "上西", "下西", "雪峰", "宝轮", "回龙", "蜀门", "凤凰")
_ESTATES = ("花园", "苑", "家园", "名都", "新城", "华府")
_KINDS = ("闲置土地", "低效用地", "公园", "社区活动中心", "社区卫生服务中心")
_BUILDING_KINDS = {"社区活动中心", "社区卫生服务中心"}


@dataclass(frozen=True)
class Summary:
    """What :func:`write_city` wrote and the shape of it.

    Attributes
    ----------
    folder, scenario, raster, areas, city
        The output folder, ``scenario.toml``, the raster, ``xq.shp`` and ``city.gpkg``.
    n_areas
        Areas written (ids), of which ``n_multipolygons`` are multipolygons,
        ``n_with_holes`` have a courtyard and ``n_overlapping`` overlap a block.
    n_parcels
        Candidate parcels.
    block_coverage
        Share of the residential superblocks' ground (pitch² each, roads
        included) that the blocks cover.
    raster_people
        People in the whole raster (nodata excluded).
    raster_shape
        Rows and columns of the raster.
    """

    folder: Path
    scenario: Path
    raster: Path
    areas: Path
    city: Path
    n_areas: int
    n_multipolygons: int
    n_with_holes: int
    n_overlapping: int
    n_parcels: int
    block_coverage: float
    raster_people: float
    raster_shape: tuple[int, int]


@dataclass
class _Block:
    geometry: shapely.Geometry
    status: str  # 老城区 / 新建 / 农村
    name: str


def _split(
    rect: tuple[float, float, float, float],
    rng: np.random.Generator,
    out: list[tuple[float, float, float, float]],
) -> None:
    """Cut a rectangle by lanes (guillotine cuts) into blocks of at most 150 m."""
    x0, y0, x1, y1 = rect
    w, h = x1 - x0, y1 - y0
    if max(w, h) <= 150.0 and (max(w, h) < 60.0 or rng.random() < 0.45):
        out.append(rect)
        return
    gap = rng.uniform(6.0, 14.0)
    if w >= h:
        cut = x0 + w * rng.uniform(0.3, 0.7)
        _split((x0, y0, cut - gap / 2, y1), rng, out)
        _split((cut + gap / 2, y0, x1, y1), rng, out)
    else:
        cut = y0 + h * rng.uniform(0.3, 0.7)
        _split((x0, y0, x1, cut - gap / 2), rng, out)
        _split((x0, cut + gap / 2, x1, y1), rng, out)


def _with_courtyard(geom: shapely.Geometry, rng: np.random.Generator) -> shapely.Geometry:
    x0, y0, x1, y1 = geom.bounds
    f = rng.uniform(0.3, 0.5)
    cx, cy, hw, hh = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) * f / 2, (y1 - y0) * f / 2
    return geom.difference(shapely.box(cx - hw, cy - hh, cx + hw, cy + hh))


def _river(
    x: npt.NDArray[np.float64], y: npt.NDArray[np.float64], size_m: float
) -> npt.NDArray[np.float64]:
    """Distance to the river, a straight line across the city (slope 0.35)."""
    cx, cy = ORIGIN[0] + size_m / 2, ORIGIN[1] + size_m * 0.4
    out: npt.NDArray[np.float64] = np.abs((y - cy) - 0.35 * (x - cx)) / math.hypot(1.0, 0.35)
    return out


def _blocks(
    n_urban: int, rng: np.random.Generator
) -> tuple[list[_Block], list[shapely.Geometry], dict[tuple[int, int], str], float]:
    """The urban blocks, the free lots (parcels), the superblocks' uses and the city's size."""
    grid = max(2, math.ceil(math.sqrt(n_urban / 3.0)))
    size_m = grid * PITCH_M
    ij = np.array([(i, j) for i in range(grid) for j in range(grid)])
    centre = (grid - 1) / 2
    dist = np.hypot(ij[:, 0] - centre, ij[:, 1] - centre) + rng.uniform(0, 1.5, len(ij))
    blocks: list[_Block] = []
    lots: list[shapely.Geometry] = []
    uses: dict[tuple[int, int], str] = {}
    for k in np.argsort(dist):
        if len(blocks) >= n_urban:
            break
        i, j = (int(v) for v in ij[k])
        x0, y0 = ORIGIN[0] + i * PITCH_M + ROAD_M / 2, ORIGIN[1] + j * PITCH_M + ROAD_M / 2
        rect = (x0, y0, x0 + PITCH_M - ROAD_M, y0 + PITCH_M - ROAD_M)
        mid = np.array([(rect[0] + rect[2]) / 2]), np.array([(rect[1] + rect[3]) / 2])
        if _river(mid[0], mid[1], size_m)[0] < RIVER_HALF_M + 110:
            uses[(i, j)] = "river"
            continue
        draw = rng.random()
        place = _PLACES[int(rng.integers(len(_PLACES)))]
        if draw < 0.12:  # industry, a park, a school: few people, a candidate lot
            uses[(i, j)] = "other"
            lot = shapely.box(*rect).buffer(-rng.uniform(40, 70))
            lots.append(lot)
            continue
        if draw < 0.22:  # a large estate, new half of the time
            uses[(i, j)] = "estate"
            new = rng.random() < 0.5
            w, h = rng.uniform(140, 190), rng.uniform(90, 190)
            geom = shapely.box(rect[0] + 5, rect[1] + 5, rect[0] + 5 + w, rect[1] + 5 + h)
            if rng.random() < 0.3:
                geom = _with_courtyard(geom, rng)
            name = f"{place}{_ESTATES[int(rng.integers(len(_ESTATES)))]}"
            blocks.append(_Block(geom, "新建" if new else "老城区", name))
            if h < 150:
                lots.append(shapely.box(rect[0] + 10, rect[1] + h + 20, rect[2] - 10, rect[3] - 10))
            continue
        uses[(i, j)] = "housing"
        leaves: list[tuple[float, float, float, float]] = []
        _split(rect, rng, leaves)
        pending: shapely.Geometry | None = None
        for n, leaf in enumerate(leaves):
            margin = rng.uniform(2.0, 8.0)
            lx0, ly0, lx1, ly1 = leaf
            if min(lx1 - lx0, ly1 - ly0) < 20.0 + 2 * margin:
                continue
            if rng.random() > 0.68:  # shops, a clinic, open land
                if rng.random() < 0.3:
                    lots.append(shapely.box(lx0 + margin, ly0 + margin, lx1 - margin, ly1 - margin))
                continue
            geom = shapely.box(lx0 + margin, ly0 + margin, lx1 - margin, ly1 - margin)
            if min(lx1 - lx0, ly1 - ly0) > 60.0 and rng.random() < 0.05:
                geom = _with_courtyard(geom, rng)
            if pending is not None:  # the second part of a multipolygon area
                geom, pending = shapely.MultiPolygon([pending, geom]), None
            elif rng.random() < 0.03 and n + 1 < len(leaves):
                pending = geom
                continue
            blocks.append(_Block(geom, "老城区", f"{place}{i}-{j}号院{n + 1}"))
            if rng.random() < 0.01:  # a block digitised twice, shifted
                dx, dy = rng.uniform(5, 15, 2)
                copy = shapely.affinity.translate(shapely.get_parts(geom)[0], dx, dy)
                blocks.append(_Block(copy, "老城区", f"{place}{i}-{j}号院{n + 1}(重)"))
    return blocks, lots, uses, size_m


def _villages(
    n_rural: int, size_m: float, rng: np.random.Generator
) -> tuple[list[_Block], npt.NDArray[np.float64], list[shapely.Geometry]]:
    """Villages of a few small blocks in the rural ring, their centres and idle plots."""
    n_villages = max(1, math.ceil(n_rural / 6))
    blocks: list[_Block] = []
    centres = []
    lots = []
    for _ in range(n_villages):
        while True:
            x = ORIGIN[0] - RURAL_RING_M + rng.uniform(300, size_m + 2 * RURAL_RING_M - 300)
            y = ORIGIN[1] - RURAL_RING_M + rng.uniform(300, size_m + 2 * RURAL_RING_M - 300)
            inside = ORIGIN[0] - 300 < x < ORIGIN[0] + size_m + 300
            inside &= ORIGIN[1] - 300 < y < ORIGIN[1] + size_m + 300
            if not inside and _river(np.array([x]), np.array([y]), size_m)[0] > 250:
                break
        centres.append((x, y))
        lots.append(shapely.box(x + 130, y - 60, x + 130 + rng.uniform(40, 60), y - 10))
        name = f"{_PLACES[int(rng.integers(len(_PLACES)))]}村"
        for b in range(6):
            if len(blocks) >= n_rural:
                break
            bx, by = x + rng.uniform(-140, 120), y + rng.uniform(-140, 120)
            w, h = rng.uniform(20, 50, 2)
            blocks.append(_Block(shapely.box(bx, by, bx + w, by + h), "农村", f"{name}{b + 1}组"))
    return blocks, np.array(centres, dtype=float).reshape(-1, 2), lots


def _districts(
    size_m: float, urban_x: npt.NDArray[np.float64], rng: np.random.Generator
) -> list[shapely.Geometry]:
    """Three districts side by side over the city and its rural ring, with kinked borders.

    The borders cut the built-up city into thirds (by the blocks' x), so every
    district has urban areas and room for a demonstration facility.
    """
    x0, y0 = ORIGIN[0] - RURAL_RING_M, ORIGIN[1] - RURAL_RING_M
    x1, y1 = ORIGIN[0] + size_m + RURAL_RING_M, ORIGIN[1] + size_m + RURAL_RING_M
    cuts = [x0, *np.quantile(urban_x, [1 / 3, 2 / 3]).tolist(), x1]
    kinks = [0.0] + [rng.uniform(-0.05, 0.05) * (x1 - x0) for _ in range(2)] + [0.0]
    ym = (y0 + y1) / 2
    shapes = []
    for k in range(3):
        left = [(cuts[k], y0), (cuts[k] + kinks[k], ym), (cuts[k], y1)]
        right = [(cuts[k + 1], y1), (cuts[k + 1] + kinks[k + 1], ym), (cuts[k + 1], y0)]
        shapes.append(shapely.Polygon(left + right))
    return shapes


def _population(
    *,
    size_m: float,
    uses: dict[tuple[int, int], str],
    estates_new: set[tuple[int, int]],
    village_xy: npt.NDArray[np.float64],
    rng: np.random.Generator,
) -> tuple[npt.NDArray[np.float32], Affine]:
    """The WorldPop-style grid over the districts plus a margin, in EPSG:4326."""
    to_geo = Transformer.from_crs(AREAS_CRS, RASTER_CRS, always_xy=True)
    to_metric = Transformer.from_crs(RASTER_CRS, AREAS_CRS, always_xy=True)
    pad = RURAL_RING_M + TILE_MARGIN_M
    corners_x = [ORIGIN[0] - pad, ORIGIN[0] + size_m + pad]
    corners_y = [ORIGIN[1] - pad, ORIGIN[1] + size_m + pad]
    lon, lat = to_geo.transform(np.repeat(corners_x, 2), np.tile(corners_y, 2))
    west = math.floor(min(lon) / CELL_DEG) * CELL_DEG
    north = math.ceil(max(lat) / CELL_DEG) * CELL_DEG
    width = math.ceil((max(lon) - west) / CELL_DEG)
    height = math.ceil((north - min(lat)) / CELL_DEG)
    transform = Affine(CELL_DEG, 0.0, west, 0.0, -CELL_DEG, north)
    cols, rows = np.meshgrid(np.arange(width), np.arange(height))
    x, y = to_metric.transform(west + (cols + 0.5) * CELL_DEG, north - (rows + 0.5) * CELL_DEG)
    people = rng.gamma(1.2, 1.0, size=x.shape)  # the thin rural spread, about 1.2 a cell
    i = np.floor((x - ORIGIN[0]) / PITCH_M).astype(int)
    j = np.floor((y - ORIGIN[1]) / PITCH_M).astype(int)
    use = np.array([uses.get((a, b), "") for a, b in zip(i.ravel(), j.ravel(), strict=True)])
    use = use.reshape(x.shape)
    housing = (use == "housing") | (use == "estate")
    density = rng.lognormal(math.log(120.0), 0.45, size=x.shape)
    new = np.array([(a, b) in estates_new for a, b in zip(i.ravel(), j.ravel(), strict=True)])
    density[new.reshape(x.shape)] *= 0.3  # half-sold new estates: the raster sees few people
    people = np.where(housing, density, people)
    other = use == "other"
    people = np.where(other, rng.uniform(2.0, 25.0, size=x.shape), people)
    people[other & (rng.random(x.shape) < 0.3)] = 0.0  # parks and plants: a few zero cells
    for vx, vy in village_xy:
        near = np.hypot(x - vx, y - vy) < 180.0
        people[near] += rng.uniform(15.0, 40.0, size=int(near.sum()))
    values = people.astype(np.float32)
    values[_river(x, y, size_m) < RIVER_HALF_M] = NODATA
    values[rng.random(x.shape) < 0.002] = NODATA  # scattered missing cells
    return values, transform


def write_city(folder: str | Path, *, n_areas: int = 2000, seed: int = 1) -> Summary:
    """Write the city into ``folder`` (created); return the paths and its shape.

    Parameters
    ----------
    folder
        Where to write; existing files of the same names are replaced.
    n_areas
        About how many residential areas (ids) to draw; villages are 6 % of them.
    seed
        The seed of every random draw: the same seed writes the same files.

    Returns
    -------
    Summary
        Paths and figures.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    n_rural = max(6, round(RURAL_SHARE * n_areas))
    urban, lots, uses, size_m = _blocks(n_areas - n_rural, rng)
    rural, village_xy, village_lots = _villages(n_rural, size_m, rng)
    blocks = urban + rural

    new_keys = set()
    for b in urban:
        if b.status == "新建":
            c = b.geometry.centroid
            new_keys.add((int((c.x - ORIGIN[0]) // PITCH_M), int((c.y - ORIGIN[1]) // PITCH_M)))
    values, transform = _population(
        size_m=size_m, uses=uses, estates_new=new_keys, village_xy=village_xy, rng=rng
    )
    raster = folder / "worldpop_3s.tif"
    with rasterio.open(
        raster,
        "w",
        driver="GTiff",
        width=values.shape[1],
        height=values.shape[0],
        count=1,
        dtype="float32",
        crs=RASTER_CRS,
        transform=transform,
        nodata=NODATA,
        compress="deflate",
        tiled=True,
        blockxsize=256,
        blockysize=256,
    ) as dst:
        dst.write(values, 1)

    geoms = [b.geometry for b in blocks]
    area_m2 = shapely.area(np.array(geoms, dtype=object))
    status = [b.status for b in blocks]
    floors = rng.integers(3, 8, len(blocks))
    hs = np.where(
        np.array(status) == "新建",
        np.round(area_m2 * 2.5 / 100.0),  # plot ratio 2.5, 100 m² a dwelling
        np.round(area_m2 * floors * 0.8 / 90.0),
    ).astype(np.int64)
    areas = gpd.GeoDataFrame(
        {
            "XQBM": [f"XQ{k + 1:06d}" for k in range(len(blocks))],
            "XQMC": [b.name for b in blocks],
            "LX": status,
            "HS": hs,
            "MJ": np.round(area_m2, 1),
        },
        geometry=geoms,
        crs=AREAS_CRS,
    )
    areas_path = folder / "xq.shp"
    areas.to_file(areas_path, driver="ESRI Shapefile", encoding="UTF-8")
    if not areas_path.with_suffix(".cpg").exists():  # pragma: no cover - GDAL writes it
        areas_path.with_suffix(".cpg").write_text("UTF-8", encoding="ascii")

    parcels = _parcels(lots + village_lots, rng)
    city = folder / "city.gpkg"
    city.unlink(missing_ok=True)
    parcels.to_crs(STORED_CRS).to_file(city, layer="dk", driver="GPKG")
    districts = gpd.GeoDataFrame(
        {"QXDM": [d[0] for d in DISTRICTS], "QXMC": [d[1] for d in DISTRICTS]},
        geometry=_districts(size_m, np.array([b.geometry.centroid.x for b in urban]), rng),
        crs=AREAS_CRS,
    )
    districts.to_crs(STORED_CRS).to_file(city, layer="qx", driver="GPKG")
    scenario = folder / "scenario.toml"
    scenario.write_text(_SCENARIO.format(n=len(blocks), seed=seed), encoding="utf-8")

    housing = [k for k, u in uses.items() if u in ("housing", "estate")]
    covered = float(shapely.union_all(np.array([b.geometry for b in urban], dtype=object)).area)
    finite = values[values != NODATA]
    return Summary(
        folder=folder,
        scenario=scenario,
        raster=raster,
        areas=areas_path,
        city=city,
        n_areas=len(blocks),
        n_multipolygons=int(sum(g.geom_type == "MultiPolygon" for g in geoms)),
        n_with_holes=int(sum(_has_hole(g) for g in geoms)),
        n_overlapping=int(sum(b.name.endswith("(重)") for b in blocks)),
        n_parcels=len(parcels),
        block_coverage=covered / (len(housing) * PITCH_M**2) if housing else 0.0,
        raster_people=float(finite.sum(dtype=np.float64)),
        raster_shape=(int(values.shape[0]), int(values.shape[1])),
    )


def _has_hole(geom: shapely.Geometry) -> bool:
    return any(shapely.get_num_interior_rings(p) > 0 for p in shapely.get_parts(geom))


def _parcels(lots: list[shapely.Geometry], rng: np.random.Generator) -> gpd.GeoDataFrame:
    """Candidate parcels on the free lots, in the bureau's own columns."""
    lots = [g for g in lots if not g.is_empty and g.area >= 400.0]
    kinds = rng.choice(_KINDS, size=len(lots), p=[0.35, 0.25, 0.15, 0.15, 0.10])
    land = np.array([g.area for g in lots])
    building = np.isin(kinds, list(_BUILDING_KINDS))
    floor = np.where(building, np.round(np.minimum(land, 3000.0) * rng.uniform(0.3, 0.8)), np.nan)
    acquisition = np.where(
        building,
        "改造",
        rng.choice(["新建", "购置", "租赁", "置换"], size=len(lots), p=[0.5, 0.2, 0.2, 0.1]),
    )
    price = np.round(land * rng.uniform(1500.0, 4000.0, len(lots)), -3)
    price[rng.random(len(lots)) < 0.2] = np.nan  # not priced yet: siting prices the land
    names = [f"{_PLACES[k % len(_PLACES)]}{kind}{k + 1}" for k, kind in enumerate(kinds)]
    return gpd.GeoDataFrame(
        {
            "DKBM": [f"DK{k + 1:05d}" for k in range(len(lots))],
            "DKMC": names,
            "YDLX": kinds,
            "QDFS": acquisition,
            "TDMJ": np.round(land, 1),
            "JZMJ": floor,
            "JG": price,
        },
        geometry=lots,
        crs=AREAS_CRS,
    )


_SCENARIO = """\
# A city shaped like a real hand-over (benchmarks/realcity.py, {n} areas, seed {seed}):
# a WorldPop 3-arc-second raster in EPSG:4326, 小区 blocks in EPSG:4544 with the bureau's
# own columns, parcels and districts in EPSG:4490.
name = "real-shaped city, seed {seed}"
crs = "EPSG:4544"   # CGCS2000 / 3-degree Gauss-Kruger CM 105E

[inputs.population]
path = "worldpop_3s.tif"

[inputs.areas]
path = "xq.shp"

[inputs.areas.columns]
area_id = "XQBM"
name = "XQMC"
status = "LX"
dwellings = "HS"

[inputs.parcels]
path = "city.gpkg"
layer = "dk"

[inputs.parcels.columns]
site_id = "DKBM"
name = "DKMC"
kind = "YDLX"
acquisition = "QDFS"
land_area_m2 = "TDMJ"
floor_area_m2 = "JZMJ"
cost = "JG"

[inputs.districts]
path = "city.gpkg"
layer = "qx"

[inputs.districts.columns]
district_id = "QXDM"
name = "QXMC"

[policy]
demonstration_per_district = 1

[solver]
time_limit_s = 60.0
gap = 0.01
"""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--areas", type=int, default=2000, help="about how many areas")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    s = write_city(args.out, n_areas=args.areas, seed=args.seed)
    print(
        f"{s.n_areas} areas ({s.n_multipolygons} multipolygons, {s.n_with_holes} with "
        f"courtyards, {s.n_overlapping} overlapping copies), {s.n_parcels} parcels; blocks cover "
        f"{s.block_coverage:.0%} of the residential superblocks; raster "
        f"{s.raster_shape[0]} x {s.raster_shape[1]} cells, {s.raster_people:,.0f} people; "
        f"scenario {s.scenario}"
    )


if __name__ == "__main__":
    main()
