"""Generate a seeded synthetic province, county by county, for province-scale runs.

The province is drawn inside a real outline: the union of Guangyuan's seven
counties (``data/province/guangyuan-counties.geojson``, 16,331 km²; a
rectangle over 104.6–106.8°E, 31.5–32.9°N when that file is absent).
``--area-km2`` scales it (and the real county outlines) about its centroid to
that area: ``--area-km2 486000`` is Sichuan's size.

Counties
    ``--counties 7`` takes the real county outlines, with their ``adcode`` as
    ``district_id`` (510802 … 510824) and their names. Any other count draws
    seeded points at least :math:`0.6\\sqrt{A/N}` apart inside the outline and
    clips their Voronoi cells to it; ids are ``99dddd`` (99 is no province's
    code) and names are made of place names.
Urbanity
    Each county draws a factor :math:`f \\in [0.5, 1.5]` (the first county is
    the urban core, :math:`f = 1.5`). Its areas, sites and people are the
    ``--areas-per-county``, ``--sites-per-county`` and base population times
    :math:`f`, so urban counties are dense and mountain counties sparse, and the
    averages stay near the knobs.
Towns
    1–3 per county: the county seat near the county's most interior point
    (radius 1.5–3 km), the others at least 6 km from it (0.7–1.4 km).
Residential areas (layer ``areas``)
    Old areas (老城, irregular 1.5–4 ha lots) packed around the towns, a few new
    areas (新建, 5–15 ha, with ``dwellings``) at the towns' edges and rural
    villages (农村, 3–15 ha) scattered over the county. Every area lies inside
    its county and overlaps no other; a lot that finds no room in 60 draws is
    left out, so a small county can hold fewer areas than asked (183 counties
    of 300 areas in Guangyuan's outline hold about 50,600).
Candidate parcels (layer ``parcels``)
    Idle and underused land (new_build, purchase, swap, lease) and public
    buildings (community, health, cultural and sports venues: reuse), beside
    old areas and villages; none overlaps an area.
Existing facilities (layer ``facilities``)
    1–4 per county in its towns; the seat's first one is a demonstration
    facility in about half the counties.
Population (``population.tif``)
    One raster for the province: persons per cell on a ~100 m grid
    (0.00107° × 0.0009°) in EPSG:4490, float32, nodata -9999 outside the
    outline, deflate-compressed in 256 × 256 tiles so a county can be read
    through a window. People live in the areas (old 12,000–25,000 per km²,
    villages 1,500–4,000, new areas mostly not yet built), with a halo around
    each town and a thin rural spread (the residual). ``--people-per-county``
    rescales every cell so the province holds that many people per county on
    average (183 counties in Guangyuan's outline hold about 57 million
    unscaled; Sichuan's 84 million is ``--people-per-county 460000``, at
    densities up to about 1.5 times the unscaled ones).

Outputs (in ``--out``): ``city.gpkg`` (layers ``areas``, ``parcels``,
``facilities``, ``districts``; EPSG:4490, the sample city's columns),
``population.tif`` and ``scenario.toml`` (working CRS EPSG:4544,
straight-line distances: no street file). Ids carry their county:
``{district_id}-A001``, ``{district_id}-P001``, ``{district_id}-F01``.

Every draw comes from ``numpy.random.default_rng(seed)`` in a fixed order, so
one seed writes the same layers and the same raster. The raster is drawn and
written ``STRIP_ROWS`` rows at a time, never whole (``--cell-deg`` sets its
cell: ``0.000833333333333 0.000833333333333`` is WorldPop's 3 arc seconds).
Sichuan (``benchmarks/province.py``): ``--counties 183 --areas-per-county 300
--sites-per-county 120 --people-per-county 459016.4 --area-km2 486000``
``--cell-deg 0.000833333333333 0.000833333333333`` writes 55,253 areas, 22,208
parcels and a 9,203 × 14,259 raster in about 3 minutes and 750 MB.

Run ``python data/generate_province.py --counties 4 --seed 1 --out DIR``.
"""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import rasterio
import rasterio.features
import shapely
import shapely.affinity
import shapely.prepared
from rasterio.transform import from_origin
from rasterio.windows import Window
from shapely.geometry import MultiPolygon, Point, Polygon, box

__all__ = ["ProvinceSummary", "generate_province"]

STORED_CRS = "EPSG:4490"
METRIC_CRS = "EPSG:4544"
OUTLINE_PATH = Path(__file__).resolve().parent / "province" / "guangyuan-counties.geojson"
FALLBACK_BOUNDS = (104.6, 31.5, 106.8, 32.9)  # lon/lat rectangle around Guangyuan
RES_LON, RES_LAT = 0.00107, 0.0009  # about 100 m x 100 m at 32°N
STRIP_ROWS = 512  # raster rows drawn and written at once (two 256-row blocks)
NODATA = -9999.0
RURAL_PER_KM2 = 8.0  # thin rural spread outside the areas
HALO_PER_KM2 = 300.0  # around each town, outside the areas

PLACE = [
    ("嘉陵", "Jialing"),
    ("凤凰", "Fenghuang"),
    ("东坝", "Dongba"),
    ("万缘", "Wanyuan"),
    ("皇泽", "Huangze"),
    ("蜀门", "Shumen"),
    ("雪峰", "Xuefeng"),
    ("天成", "Tiancheng"),
    ("锦绣", "Jinxiu"),
    ("和平", "Heping"),
    ("兴隆", "Xinglong"),
    ("翠云", "Cuiyun"),
    ("桃园", "Taoyuan"),
    ("莲花", "Lianhua"),
    ("红星", "Hongxing"),
    ("望江", "Wangjiang"),
    ("白龙", "Bailong"),
    ("明月", "Mingyue"),
    ("朝阳", "Chaoyang"),
    ("太白", "Taibai"),
    ("千佛", "Qianfo"),
    ("栖凤", "Qifeng"),
    ("盘龙", "Panlong"),
    ("清河", "Qinghe"),
    ("紫荆", "Zijing"),
    ("长青", "Changqing"),
    ("新华", "Xinhua"),
    ("丽景", "Lijing"),
    ("瑞祥", "Ruixiang"),
    ("海棠", "Haitang"),
]
VILLAGE = [
    ("青岗", "Qinggang"),
    ("石龙", "Shilong"),
    ("金鱼", "Jinyu"),
    ("杨家", "Yangjia"),
    ("李家", "Lijia"),
    ("张家", "Zhangjia"),
    ("王家", "Wangjia"),
    ("柏林", "Bailin"),
    ("红岩", "Hongyan"),
    ("竹园", "Zhuyuan"),
    ("桂花", "Guihua"),
    ("白果", "Baiguo"),
    ("松林", "Songlin"),
    ("高坪", "Gaoping"),
    ("大湾", "Dawan"),
    ("河口", "Hekou"),
    ("双河", "Shuanghe"),
    ("龙潭", "Longtan"),
    ("石门", "Shimen"),
    ("沙河", "Shahe"),
    ("清水", "Qingshui"),
    ("柳林", "Liulin"),
    ("观音", "Guanyin"),
    ("青龙", "Qinglong"),
]
OLD_SUFFIX = [("小区", "Xiaoqu"), ("花园", "Huayuan"), ("新村", "Xincun"), ("家园", "Jiayuan")]
NEW_SUFFIX = [("华府", "Huafu"), ("悦府", "Yuefu"), ("新城", "Xincheng"), ("御景", "Yujing")]
SITE_KINDS = [
    # kind, acquisition choices, is a building, name suffix, weight
    ("idle_land", ("new_build",), False, "闲置地块", 0.30),
    ("underused_land", ("new_build", "purchase", "swap", "lease"), False, "低效用地", 0.20),
    ("community_centre", ("reuse",), True, "社区服务中心", 0.25),
    ("health_centre", ("reuse",), True, "卫生院", 0.10),
    ("cultural_venue", ("reuse",), True, "文化活动中心", 0.08),
    ("sports_venue", ("reuse", "lease"), True, "全民健身中心", 0.07),
]
SERVICES = ["full_day;half_day", "full_day", "full_day;half_day;hourly", "full_day;hourly"]


@dataclass(frozen=True)
class ProvinceSummary:
    """What :func:`generate_province` wrote."""

    out: Path
    counties: int
    areas: int
    parcels: int
    facilities: int
    people: float
    raster_shape: tuple[int, int]
    real_outlines: bool


@dataclass
class County:
    """One county in metric coordinates (EPSG:4544)."""

    district_id: str
    name: str
    name_en: str
    geometry: Any
    factor: float


# --------------------------------------------------------------------------- counties


def read_outline(area_km2: float | None = None) -> tuple[gpd.GeoDataFrame | None, Any]:
    """The real county outlines (metric) or None, and the province outline.

    With ``area_km2`` both are scaled about the outline's centroid to that area.
    """
    real = None
    if OUTLINE_PATH.exists():
        real = gpd.read_file(OUTLINE_PATH).to_crs(METRIC_CRS)
        real["adcode"] = real["adcode"].astype(str)
        real = real.sort_values("adcode").reset_index(drop=True)
        outline = shapely.union_all(shapely.make_valid(real.geometry.values))
    else:
        outline = gpd.GeoSeries([box(*FALLBACK_BOUNDS)], crs="EPSG:4326").to_crs(METRIC_CRS).iloc[0]
    if area_km2 is not None:
        k = math.sqrt(area_km2 * 1e6 / outline.area)
        centre = outline.centroid
        if real is not None:
            real["geometry"] = real.geometry.scale(k, k, origin=centre)
        outline = shapely.affinity.scale(outline, k, k, origin=centre)
    return real, outline


def spaced_points(
    rng: np.random.Generator,
    region: Any,
    n: int,
    min_dist: float,
    tries: int = 40,
    *,
    allow_fewer: bool = False,
) -> np.ndarray:
    """``n`` seeded points in ``region`` at least ``min_dist`` apart (relaxing it if needed).

    With ``allow_fewer`` a region too small for ``n`` gives the points it holds.
    """
    minx, miny, maxx, maxy = region.bounds
    pts: list[tuple[float, float]] = []
    for _ in range(tries):
        cand = np.column_stack([rng.uniform(minx, maxx, 512), rng.uniform(miny, maxy, 512)])
        cand = cand[shapely.contains_xy(region, cand[:, 0], cand[:, 1])]
        for x, y in cand:
            if len(pts) >= n:
                return np.asarray(pts)
            if pts and np.min(np.hypot(*(np.asarray(pts) - (x, y)).T)) < min_dist:
                continue
            pts.append((float(x), float(y)))
        min_dist *= 0.9
    if len(pts) < n and not allow_fewer:
        raise RuntimeError(f"could only place {len(pts)} of {n} points")
    return np.asarray(pts[:n]).reshape(-1, 2)


def as_multi(geom: Any) -> MultiPolygon:
    """The polygon parts of ``geom`` as a MultiPolygon."""
    parts = [p for p in shapely.get_parts(shapely.make_valid(geom)) if isinstance(p, Polygon)]
    return MultiPolygon([p for p in parts if p.area > 1.0])


def county_name(i: int) -> tuple[str, str]:
    """A made-up county name for county ``i`` (unique for ``i`` below 750)."""
    place, place_en = PLACE[i % len(PLACE)]
    kind, kind_en = ("区", "Qu") if i == 0 else ("县", "Xian")
    extra = "" if i < len(PLACE) else VILLAGE[(i // len(PLACE) - 1) % len(VILLAGE)][0]
    extra_en = "" if i < len(PLACE) else VILLAGE[(i // len(PLACE) - 1) % len(VILLAGE)][1]
    return f"{place}{extra}{kind}", f"{place_en}{extra_en.lower()} {kind_en}"


def make_counties(
    rng: np.random.Generator, n: int, *, area_km2: float | None = None
) -> tuple[list[County], Any, bool]:
    """The counties (real outlines for 7 when the file is there) and the province outline."""
    real, outline = read_outline(area_km2)
    factors = rng.uniform(0.5, 1.5, n)
    factors[0] = 1.5
    if n == 7 and real is not None:
        counties = [
            County(str(r.adcode), str(r.name), str(r.name_en), as_multi(r.geometry), float(f))
            for r, f in zip(real.itertuples(), factors, strict=True)
        ]
        return counties, outline, True
    pts = spaced_points(rng, outline, n, 0.6 * math.sqrt(outline.area / n))
    cells = shapely.get_parts(
        shapely.voronoi_polygons(shapely.MultiPoint(pts), extend_to=outline.envelope.buffer(1e4))
    )
    counties = []
    for i, (x, y) in enumerate(pts):
        cell = next(c for c in cells if c.contains(Point(x, y)))
        name, name_en = county_name(i)
        counties.append(
            County(
                f"99{i + 1:04d}",
                name,
                name_en,
                as_multi(shapely.intersection(cell, outline)),
                float(factors[i]),
            )
        )
    return counties, outline, False


# --------------------------------------------------------------------------- features


def irregular_lot(
    rng: np.random.Generator, cx: float, cy: float, area_m2: float
) -> npt.NDArray[np.float64]:
    """The vertices of an irregular 5–7 sided lot of about ``area_m2`` around (cx, cy)."""
    k = int(rng.integers(5, 8))
    th = np.sort(np.linspace(0.0, 2 * np.pi, k, endpoint=False) + rng.uniform(-0.3, 0.3, k))
    rr = rng.uniform(0.8, 1.2, k)
    x, y = rr * np.cos(th) * rng.uniform(1.0, 1.6), rr * np.sin(th)
    rot = math.radians(rng.uniform(0, 180))
    xr, yr = x * math.cos(rot) - y * math.sin(rot), x * math.sin(rot) + y * math.cos(rot)
    shoelace = 0.5 * abs(float(np.dot(xr, np.roll(yr, -1)) - np.dot(yr, np.roll(xr, -1))))
    scale = math.sqrt(area_m2 / shoelace)
    return np.column_stack([cx + scale * xr, cy + scale * yr])


class Placer:
    """Places polygons that overlap nothing placed before and stay inside a region.

    Each placed lot is held as the circle around its centre through its farthest
    vertex; a new lot fits when its circle clears every other by the gap, so
    lots can never overlap.
    """

    def __init__(self, region: Any, gap_m: float) -> None:
        self.region = shapely.prepared.prep(region.buffer(-30.0))
        self.gap_m = gap_m
        self.centres = np.empty((0, 2))
        self.radii = np.empty(0)

    def fits(
        self, centre: tuple[float, float], ring: npt.NDArray[np.float64], gap_m: float | None
    ) -> Polygon | None:
        """The lot as a polygon when it lies in the region, clear of everything placed."""
        r = float(np.max(np.hypot(ring[:, 0] - centre[0], ring[:, 1] - centre[1])))
        if len(self.radii):
            d = np.hypot(self.centres[:, 0] - centre[0], self.centres[:, 1] - centre[1])
            if np.any(d < self.radii + r + (self.gap_m if gap_m is None else gap_m)):
                return None
        poly = Polygon(ring)
        if not self.region.contains(poly):
            return None
        self.centres = np.vstack([self.centres, [centre]])
        self.radii = np.append(self.radii, r)
        return poly


def place(
    rng: np.random.Generator,
    placer: Placer,
    centre: tuple[float, float],
    spread_m: float,
    area_range: tuple[float, float],
    tries: int = 60,
    gap_m: float | None = None,
) -> Polygon | None:
    """A lot near ``centre`` (normal spread), widening the spread on failures."""
    for t in range(tries):
        s = spread_m * (1.0 + t / 15.0)
        x, y = centre[0] + rng.normal(0, s), centre[1] + rng.normal(0, s)
        poly = placer.fits((x, y), irregular_lot(rng, x, y, rng.uniform(*area_range)), gap_m)
        if poly is not None:
            return poly
    return None


def interior_point(geom: Any) -> tuple[float, float]:
    """A point deep inside ``geom`` (its largest part shrunk as far as it goes)."""
    part = max(shapely.get_parts(geom), key=lambda p: p.area)
    d = math.sqrt(part.area) / 6.0
    for _ in range(8):
        inner = part.buffer(-d)
        if not inner.is_empty:
            p = inner.representative_point()
            return float(p.x), float(p.y)
        d /= 2.0
    p = part.representative_point()
    return float(p.x), float(p.y)


def _centre(geom: Any) -> tuple[float, float]:
    """The centroid of ``geom`` as a pair of floats."""
    c = geom.centroid
    return float(c.x), float(c.y)


def split_count(total: int, shares: tuple[float, ...], minimum: tuple[int, ...]) -> list[int]:
    """Split ``total`` by ``shares``, each part at least its ``minimum``."""
    parts = [max(m, round(total * s)) for s, m in zip(shares, minimum, strict=True)]
    parts[0] = max(minimum[0], total - sum(parts[1:]))
    return parts


def make_county_features(
    rng: np.random.Generator, county: County, areas_n: int, sites_n: int
) -> dict[str, list[dict[str, Any]]]:
    """Towns, areas, parcels and facilities of one county (metric geometries)."""
    geom, did, f = county.geometry, county.district_id, county.factor
    urban = (f - 0.5) / 1.0  # 0 mountain … 1 urban
    n_areas = max(4, round(areas_n * f))
    n_sites = max(3, round(sites_n * f))

    # towns: the seat and 0–2 more
    seat = interior_point(geom)
    towns = [(seat, rng.uniform(1500.0, 3000.0) * (0.7 + 0.3 * urban), 1.0)]
    n_towns = int(rng.integers(1, 4))
    if n_towns > 1:
        region = shapely.difference(geom.buffer(-1500.0), Point(seat).buffer(6000.0))
        if not region.is_empty and region.area > 1e6:
            more = spaced_points(rng, region, n_towns - 1, 6000.0, allow_fewer=True)
            towns += [((float(x), float(y)), rng.uniform(700.0, 1400.0), 0.35) for x, y in more]
    weights = np.array([w for _, _, w in towns])
    weights /= weights.sum()

    rural_share = 0.55 - 0.35 * urban
    n_old, n_new, n_rural = split_count(n_areas, (0.9 - rural_share, 0.1, rural_share), (1, 1, 1))
    placer = Placer(geom, gap_m=40.0)
    areas: list[dict[str, Any]] = []

    def add_area(poly: Polygon | None, status: str, name: str, name_en: str, dw: Any) -> None:
        if poly is None:
            return
        areas.append(
            {
                "status": status,
                "name": name,
                "name_en": name_en,
                "dwellings": dw,
                "migrant_share": math.nan,
                "geometry": poly,
            }
        )

    town_of = rng.choice(len(towns), size=n_old, p=weights)
    for t in town_of:
        (cx, cy), r, _ = towns[t]
        poly = place(rng, placer, (cx, cy), r / 4.0, (15_000.0, 40_000.0))
        p, s = PLACE[int(rng.integers(len(PLACE)))], OLD_SUFFIX[int(rng.integers(4))]
        add_area(poly, "old", p[0] + s[0], f"{p[1]} {s[1]}", pd.NA)
    for k in range(n_new):
        (cx, cy), r, _ = towns[k % len(towns)]
        ang = rng.uniform(0, 2 * np.pi)
        edge = (cx + r * math.cos(ang), cy + r * math.sin(ang))
        poly = place(rng, placer, edge, r / 6.0, (50_000.0, 150_000.0))
        p, s = PLACE[int(rng.integers(len(PLACE)))], NEW_SUFFIX[int(rng.integers(4))]
        dwellings = int(rng.integers(8, 31)) * 100
        add_area(poly, "new", p[0] + s[0], f"{p[1]} {s[1]}", dwellings)
    rural_region = geom
    for (cx, cy), r, _ in towns:
        rural_region = shapely.difference(rural_region, Point(cx, cy).buffer(r * 1.2))
    if rural_region.is_empty:
        rural_region = geom
    villages = spaced_points(rng, rural_region, n_rural, 1500.0, allow_fewer=True)
    for x, y in villages:
        poly = place(rng, placer, (float(x), float(y)), 100.0, (30_000.0, 150_000.0))
        v = VILLAGE[int(rng.integers(len(VILLAGE)))]
        add_area(poly, "rural", v[0] + "村", f"{v[1]} Cun", pd.NA)
    for k, a in enumerate(areas, start=1):
        a["area_id"] = f"{did}-A{k:03d}"
        a["district_id"] = did

    # parcels beside old areas and villages, on the placer (no overlap with areas)
    groups = {
        status: (
            [a for a in areas if a["status"] == status],
            np.array([_centre(a["geometry"]) for a in areas if a["status"] == status]),
        )
        for status in ("old", "rural")
    }
    kinds_p = np.array([k[4] for k in SITE_KINDS])
    parcels: list[dict[str, Any]] = []
    sites_xy = np.empty((0, 2))
    for _ in range(n_sites):
        use_old = rng.random() < 0.5 + 0.3 * urban
        status = "old" if (use_old and groups["old"][0]) or not groups["rural"][0] else "rural"
        hosts, xy = groups[status]
        if not hosts:
            break
        reach_m = 200.0 if status == "old" else 700.0
        # prefer a host no parcel reaches yet, so the sites spread over the county
        if len(sites_xy):
            gaps = np.hypot(
                xy[:, None, 0] - sites_xy[None, :, 0], xy[:, None, 1] - sites_xy[None, :, 1]
            )
            far = np.flatnonzero(gaps.min(axis=1) > reach_m)
        else:
            far = np.arange(len(hosts))
        pool = far if len(far) else np.arange(len(hosts))
        h = int(pool[int(rng.integers(len(pool)))])
        host, (cx, cy) = hosts[h], xy[h]
        # between the host and its nearest neighbour, so one site reaches both
        d = np.hypot(xy[:, 0] - cx, xy[:, 1] - cy)
        d[h] = np.inf
        if len(d) > 1 and d.min() < 3.0 * reach_m:
            nx_, ny_ = xy[int(np.argmin(d))]
            cx, cy = (cx + nx_) / 2.0, (cy + ny_) / 2.0
        kind, acqs, building, suffix, _w = SITE_KINDS[
            int(rng.choice(len(SITE_KINDS), p=kinds_p / kinds_p.sum()))
        ]
        land = float(round(rng.uniform(600.0, 3500.0), -1))
        poly = place(rng, placer, (float(cx), float(cy)), 40.0, (land, land), gap_m=5.0)
        if poly is None:
            continue
        sites_xy = np.vstack([sites_xy, [_centre(poly)]])
        acq = acqs[int(rng.integers(len(acqs)))]
        floor = float(round(rng.uniform(500.0, min(3000.0, 2.5 * land)), -1)) if building else None
        if acq == "reuse":
            cost = float(floor or land) * rng.uniform(150.0, 500.0)
        elif acq == "lease":
            cost = land * rng.uniform(400.0, 1100.0)
        else:
            cost = land * rng.uniform(1200.0, 3500.0)
        parcels.append(
            {
                "name": host["name"] + suffix,
                "kind": kind,
                "acquisition": acq,
                "land_area_m2": land,
                "floor_area_m2": floor,
                "cost": float(round(cost, -3)),
                "affordable": bool(rng.random() < 0.7),
                "district_id": did,
                "geometry": poly,
            }
        )
    for k, parcel in enumerate(parcels, start=1):
        parcel["site_id"] = f"{did}-P{k:03d}"

    # existing facilities: points in the towns' old areas
    facilities: list[dict[str, Any]] = []
    old = [a for a in areas if a["status"] == "old"]
    n_fac = min(len(old), int(rng.integers(1, 3)) + round(2 * urban))
    demo = bool(rng.random() < 0.5)
    for k in range(n_fac):
        a = old[int(rng.integers(len(old)))] if k else old[0]
        pt = a["geometry"].representative_point()
        facilities.append(
            {
                "facility_id": f"{did}-F{k + 1:02d}",
                "name": a["name"] + ("示范托育中心" if k == 0 and demo else "托育园"),
                "slots": int(rng.integers(3, 16)) * 10,
                "affordable": bool(rng.random() < 0.7),
                "demonstration": bool(k == 0 and demo),
                "services": SERVICES[int(rng.integers(len(SERVICES)))],
                "district_id": did,
                "geometry": pt,
            }
        )
    return {
        "areas": areas,
        "parcels": parcels,
        "facilities": facilities,
        "towns": [{"x": x, "y": y, "r": r} for (x, y), r, _ in towns],
    }


# --------------------------------------------------------------------------- raster


@dataclass(frozen=True)
class Grid:
    """The raster's grid in EPSG:4490: cell size in degrees, top-left corner, shape."""

    res_lon: float
    res_lat: float
    west: float
    north: float
    nrow: int
    ncol: int

    @property
    def transform(self) -> Any:
        """The affine transform of the whole raster."""
        return from_origin(self.west, self.north, self.res_lon, self.res_lat)

    def strip_transform(self, row: int) -> Any:
        """The affine transform of the strip that starts at ``row``."""
        return from_origin(self.west, self.north - row * self.res_lat, self.res_lon, self.res_lat)


def make_grid(outline: Any, res: tuple[float, float]) -> Grid:
    """The grid over the province outline (metric), cells of ``res`` degrees (lon, lat)."""
    res_lon, res_lat = res
    minx, miny, maxx, maxy = (
        gpd.GeoSeries([outline], crs=METRIC_CRS).to_crs(STORED_CRS).total_bounds
    )
    west = math.floor(minx / res_lon) * res_lon
    north = math.ceil(maxy / res_lat) * res_lat
    ncol = math.ceil((maxx - west) / res_lon)
    nrow = math.ceil((north - miny) / res_lat)
    return Grid(res_lon, res_lat, west, north, nrow, ncol)


class Population:
    """Persons per cell over the province outline, computed one strip of rows at a time.

    The whole raster is never held: a strip of :attr:`strip_rows` rows is drawn from
    the shapes that reach it (the province outline, the towns' halos, the areas) and
    written before the next. The lognormal noise is drawn strip after strip in row
    order, so the cells do not depend on the strip height.
    """

    def __init__(
        self,
        rng: np.random.Generator,
        counties: list[County],
        outline: Any,
        features: list[dict[str, list[dict[str, Any]]]],
        grid: Grid,
        *,
        strip_rows: int,
    ) -> None:
        self.rng, self.grid, self.strip_rows = rng, grid, strip_rows
        self.outline = gpd.GeoSeries([outline], crs=METRIC_CRS).to_crs(STORED_CRS).iloc[0]
        halos = [
            Point(t["x"], t["y"]).buffer(t["r"] * 1.3, 16)
            for feat in features
            for t in feat["towns"]
        ]
        self.halos = gpd.GeoSeries(halos, crs=METRIC_CRS).to_crs(STORED_CRS)
        # areas: every cell they touch takes the area's density (people per km²)
        shapes_metric, values = [], []
        for county, feat in zip(counties, features, strict=True):
            for a in feat["areas"]:
                if a["status"] == "old":
                    d = rng.uniform(12_000.0, 25_000.0) * county.factor
                elif a["status"] == "new":
                    d = 0.0 if rng.random() < 0.7 else rng.uniform(500.0, 2000.0)
                else:
                    d = rng.uniform(1500.0, 4000.0)
                shapes_metric.append(a["geometry"])
                values.append(d)
        self.areas = gpd.GeoSeries(shapes_metric, crs=METRIC_CRS).to_crs(STORED_CRS)
        self.values = np.asarray(values, dtype=np.float64)
        self.order = np.argsort(self.values, kind="stable")  # denser areas win shared cells
        self.noise_state = rng.bit_generator.state

    def strips(self, scale: float | None = None) -> Any:
        """Yield ``(first row, cells)`` for every strip, top to bottom.

        ``scale`` multiplies every valid cell (in float32). Each call draws the
        same noise: the generator is set back to where the noise begins.
        """
        self.rng.bit_generator.state = self.noise_state
        g = self.grid
        halo_b = self.halos.bounds.to_numpy()
        area_b = self.areas.bounds.to_numpy()
        for r0 in range(0, g.nrow, self.strip_rows):
            r1 = min(g.nrow, r0 + self.strip_rows)
            shape = (r1 - r0, g.ncol)
            transform = g.strip_transform(r0)
            top = g.north - (r0 - 1) * g.res_lat  # one cell of margin either side
            bottom = g.north - (r1 + 1) * g.res_lat
            lat = g.north - (np.arange(r0, r1) + 0.5) * g.res_lat
            cell_km2 = (g.res_lon * math.pi / 180 * 6371.0 * np.cos(np.radians(lat)))[:, None] * (
                g.res_lat * math.pi / 180 * 6371.0
            )

            inside = rasterio.features.rasterize(
                [(self.outline, 1)], out_shape=shape, transform=transform, dtype="uint8"
            ).astype(bool)
            density = np.where(inside, RURAL_PER_KM2, 0.0)
            near = (halo_b[:, 3] >= bottom) & (halo_b[:, 1] <= top)
            if near.any():
                halo = rasterio.features.rasterize(
                    [(geom, 1) for geom in self.halos.values[near]],
                    out_shape=shape,
                    transform=transform,
                    dtype="uint8",
                ).astype(bool)
                density[halo & inside] = HALO_PER_KM2
            near = (area_b[:, 3] >= bottom) & (area_b[:, 1] <= top)
            order = self.order[near[self.order]]
            if len(order):
                area_density = rasterio.features.rasterize(
                    [(self.areas.values[i], float(self.values[i]) + 1.0) for i in order],
                    out_shape=shape,
                    transform=transform,
                    dtype="float64",
                    all_touched=True,
                    fill=0.0,
                )
                touched = area_density > 0
                density[touched] = area_density[touched] - 1.0
            noise = np.ones(shape)
            busy = density > RURAL_PER_KM2
            noise[busy] = self.rng.lognormal(0.0, 0.2, int(busy.sum()))
            cells = np.round(density * cell_km2 * noise, 1).astype(np.float32)
            if scale is not None:
                cells[inside] = cells[inside] * np.float32(scale)
            cells[~inside] = np.float32(NODATA)
            yield r0, cells


# --------------------------------------------------------------------------- writing


def frame(rows: list[dict[str, Any]], dtypes: dict[str, str]) -> gpd.GeoDataFrame:
    """Rows with metric geometries -> a GeoDataFrame in EPSG:4490 with explicit dtypes."""
    df = pd.DataFrame([{c: r[c] for c in dtypes} for r in rows], columns=list(dtypes))
    df = df.astype(dtypes)
    geoms = gpd.GeoSeries([r["geometry"] for r in rows], crs=METRIC_CRS).to_crs(STORED_CRS)
    return gpd.GeoDataFrame(df, geometry=geoms.values, crs=STORED_CRS)


SCENARIO = """\
# A synthetic province of {n} counties written by data/generate_province.py
{command}
# Every key not written here takes its default from DOMAIN.md (see README, "Scenario file").
name = "synthetic province ({n} counties, seed {seed})"
crs = "EPSG:4544"   # CGCS2000 / 3-degree Gauss-Kruger CM 105E

[run]
partition = "district"   # each county planned on its own; remove it for one model of the province

[inputs]   # no street file: straight-line distances x network.detour_factor
population = {{ path = "population.tif" }}
areas = {{ path = "city.gpkg", layer = "areas" }}
parcels = {{ path = "city.gpkg", layer = "parcels" }}
facilities = {{ path = "city.gpkg", layer = "facilities" }}
districts = {{ path = "city.gpkg", layer = "districts" }}

[ratios]        # slots per 1,000 residents (广府办发〔2020〕17号; national 2025 target)
new = 10.0
old = 8.0
rural = 4.5

[policy]
demonstration_per_district = 1

[solver]
name = "highs"
time_limit_s = 120.0
gap = 0.005
"""


def _comment_options(options: list[str]) -> str:
    """``# (--a 1 --b 2).`` as comment lines of at most 88 characters, an option never split."""
    lines = ["# (" + options[0]]
    for option in options[1:]:
        if len(lines[-1]) + 1 + len(option) > 86:
            lines.append("#  " + option)
        else:
            lines[-1] += " " + option
    return "\n".join(lines) + ")."


def generate_province(
    out: Path,
    *,
    counties: int = 4,
    seed: int = 1,
    areas_per_county: int = 60,
    sites_per_county: int = 25,
    people_per_county: float | None = None,
    area_km2: float | None = None,
    cell_deg: tuple[float, float] | None = None,
    strip_rows: int = STRIP_ROWS,
) -> ProvinceSummary:
    """Write a seeded synthetic province into ``out`` (see the module docstring).

    ``area_km2`` scales the outline (and the real county outlines) about its
    centroid to that area; ``cell_deg`` is the raster's cell (lon, lat) in
    degrees instead of the ~100 m default; ``strip_rows`` is how many raster
    rows are held at once.
    """
    if counties < 1:
        raise ValueError(f"counties must be 1 or more, got {counties}")
    if people_per_county is not None and not people_per_county > 0:
        raise ValueError(f"people_per_county must be more than 0, got {people_per_county}")
    if areas_per_county < 3 or sites_per_county < 1:
        raise ValueError("areas_per_county must be 3 or more and sites_per_county 1 or more")
    if area_km2 is not None and not area_km2 > 0:
        raise ValueError(f"area_km2 must be more than 0, got {area_km2}")
    if cell_deg is not None and not min(cell_deg) > 0:
        raise ValueError(f"cell_deg must be more than 0, got {cell_deg}")
    rng = np.random.default_rng(seed)
    county_list, outline, real = make_counties(rng, counties, area_km2=area_km2)
    features = [
        make_county_features(rng, c, areas_per_county, sites_per_county) for c in county_list
    ]
    grid = make_grid(outline, (RES_LON, RES_LAT) if cell_deg is None else cell_deg)
    population = Population(rng, county_list, outline, features, grid, strip_rows=strip_rows)
    scale = None
    if people_per_county is not None:
        # a first pass counts the people, so every cell can be rescaled so the
        # province holds counties x people_per_county
        total = sum(
            float(cells[cells != NODATA].sum(dtype=np.float64)) for _, cells in population.strips()
        )
        scale = people_per_county * len(county_list) / total

    out.mkdir(parents=True, exist_ok=True)
    gpkg = out / "city.gpkg"
    if gpkg.exists():
        gpkg.unlink()
    areas = [a for f in features for a in f["areas"]]
    parcels = [p for f in features for p in f["parcels"]]
    facilities = [x for f in features for x in f["facilities"]]
    districts = [
        {
            "district_id": c.district_id,
            "name": c.name,
            "name_en": c.name_en,
            "geometry": c.geometry,
        }
        for c in county_list
    ]
    layers = {
        "areas": frame(
            areas,
            {
                "area_id": "str",
                "name": "str",
                "name_en": "str",
                "status": "str",
                "dwellings": "Int64",
                "migrant_share": "float64",
                "district_id": "str",
            },
        ),
        "parcels": frame(
            parcels,
            {
                "site_id": "str",
                "name": "str",
                "kind": "str",
                "acquisition": "str",
                "land_area_m2": "float64",
                "floor_area_m2": "float64",
                "cost": "float64",
                "affordable": "bool",
                "district_id": "str",
            },
        ),
        "facilities": frame(
            facilities,
            {
                "facility_id": "str",
                "name": "str",
                "slots": "int64",
                "affordable": "bool",
                "demonstration": "bool",
                "services": "str",
                "district_id": "str",
            },
        ),
        "districts": frame(districts, {"district_id": "str", "name": "str", "name_en": "str"}),
    }
    for name, gdf in layers.items():
        gdf.to_file(gpkg, layer=name, driver="GPKG", promote_to_multi=name == "districts")

    profile = {
        "driver": "GTiff",
        "height": grid.nrow,
        "width": grid.ncol,
        "count": 1,
        "dtype": "float32",
        "crs": STORED_CRS,
        "transform": grid.transform,
        "nodata": NODATA,
        "compress": "deflate",
        "tiled": True,
        "blockxsize": 256,
        "blockysize": 256,
    }
    people = 0.0
    with rasterio.open(out / "population.tif", "w", **profile) as dst:
        for row, cells in population.strips(scale):
            dst.write(cells, 1, window=Window(0, row, grid.ncol, cells.shape[0]))
            people += float(cells[cells != NODATA].sum(dtype=np.float64))
        dst.set_band_description(1, "persons per cell (synthetic)")
        dst.update_tags(units="persons", source="siting data/generate_province.py (synthetic)")
    (out / "scenario.toml").write_text(
        SCENARIO.format(
            n=counties,
            seed=seed,
            command=_comment_options(
                [
                    f"--counties {counties}",
                    f"--seed {seed}",
                    f"--areas-per-county {areas_per_county}",
                    f"--sites-per-county {sites_per_county}",
                ]
                + (
                    []
                    if people_per_county is None
                    else [f"--people-per-county {people_per_county:g}"]
                )
                + ([] if area_km2 is None else [f"--area-km2 {area_km2:g}"])
                + ([] if cell_deg is None else [f"--cell-deg {cell_deg[0]:.9g} {cell_deg[1]:.9g}"])
            ),
        ),
        encoding="utf-8",
    )
    return ProvinceSummary(
        out=out,
        counties=len(county_list),
        areas=len(areas),
        parcels=len(parcels),
        facilities=len(facilities),
        people=people,
        raster_shape=(grid.nrow, grid.ncol),
        real_outlines=real,
    )


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--counties", type=int, default=4)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--areas-per-county", type=int, default=60)
    parser.add_argument("--sites-per-county", type=int, default=25)
    parser.add_argument(
        "--people-per-county",
        type=float,
        default=None,
        help="rescale the raster to this many people per county on average",
    )
    parser.add_argument(
        "--area-km2",
        type=float,
        default=None,
        help="scale the outline to this area (Sichuan: 486000); default Guangyuan's 16,331",
    )
    parser.add_argument(
        "--cell-deg",
        type=float,
        nargs=2,
        metavar=("LON", "LAT"),
        default=None,
        help=f"raster cell size in degrees (WorldPop's 3 arc-seconds: {1 / 1200:.9g} "
        f"{1 / 1200:.9g}); default {RES_LON} {RES_LAT}",
    )
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    s = generate_province(
        args.out,
        counties=args.counties,
        seed=args.seed,
        areas_per_county=args.areas_per_county,
        sites_per_county=args.sites_per_county,
        people_per_county=args.people_per_county,
        area_km2=args.area_km2,
        cell_deg=None if args.cell_deg is None else tuple(args.cell_deg),
    )
    outlines = "real Guangyuan outlines" if s.real_outlines else "Voronoi counties"
    print(
        f"province written to {s.out}: {s.counties} counties ({outlines}), {s.areas} areas, "
        f"{s.parcels} parcels, {s.facilities} facilities, {s.people:,.0f} people on a "
        f"{s.raster_shape[0]} x {s.raster_shape[1]} raster"
    )


if __name__ == "__main__":
    main()
