"""Generate the synthetic sample city used by the ``siting`` demo and tests.

The sample is a small, deterministic, *synthetic* city modelled on the urban core
of Guangyuan (广元市利州区, about 105.84°E, 32.43°N): a valley city on both banks
of the Jialing River (嘉陵江) with the Nan He (南河) joining from the east, four
bridges, and hills at the east and west edges.  Everything is built in the
metric 3° Gauss–Krüger CRS EPSG:4544 and written in CGCS2000 (EPSG:4490).

Outputs (in ``--out``, default ``data/sample/``):

``city.gpkg``
    Layers ``boundary``, ``districts``, ``subdistricts``, ``areas``, ``parcels``,
    ``facilities``, ``workplaces`` and ``hazards``.
``population.tif``
    Persons per ~100 m cell (float32, nodata -9999, deflate).
``streets.osm``
    OSM XML 0.6 street network readable by ``osmnx.graph_from_xml``.

The parcels come in two passes. The first (``P0001``…``P0332``) draws from the
main random stream with everything else. The second (``P0333``…) adds community
service centres and small idle plots where no candidate is within walking reach;
it draws from its own stream, ``default_rng([seed, CENTRE_STREAM])``, so changing
it changes no other feature.

Run ``python data/generate_sample.py [--out DIR] [--seed N]``.
"""

from __future__ import annotations

import argparse
import itertools
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import rasterio
import shapely
from pyproj import Transformer
from rasterio.transform import from_origin
from scipy.spatial import Voronoi
from shapely.geometry import LineString, MultiPolygon, Point, Polygon
from shapely.ops import linemerge

SEED = 2020_17
STORED_CRS = "EPSG:4490"
METRIC_CRS = "EPSG:4544"
LON0, LAT0 = 105.843, 32.435  # Guangyuan city government
PERSONS_PER_HOUSEHOLD = 2.36
RES_LON, RES_LAT = 0.00107, 0.0009  # about 100 m x 100 m at 32.4°N
NODATA = -9999.0

RIVER_HALF = 115.0  # Jialing half width (m)
NANHE_HALF = 45.0
STREET_WATER_CLEAR = 15.0  # streets stop this far from the water
EAST_ROAD_S = 150.0  # riverside roads (normal offset from the centreline)
WEST_ROAD_S_SOUTH, WEST_ROAD_S_NORTH = -150.0, -185.0
MOTORWAY_S = -150.0
MOTORWAY_BEND_Y = 1500.0
JIALING_BRIDGES = (
    (2700.0, "上西大桥", "Shangxi Daqiao", "secondary"),
    (900.0, "利州大桥", "Lizhou Daqiao", "primary"),
    (-2000.0, "嘉陵江大桥", "Jialingjiang Daqiao", "secondary"),
    (-4200.0, "宝轮大桥", "Baolun Daqiao", "secondary"),
)
NANHE_JUNCTION_Y = -1300.0
ISOLATION_M = 550.0  # no candidate within this straight-line distance of a pocket

_E0N0 = Transformer.from_crs("EPSG:4326", METRIC_CRS, always_xy=True).transform(LON0, LAT0)
E0, N0 = float(_E0N0[0]), float(_E0N0[1])


# --------------------------------------------------------------------------- names

PLACE = [
    ("嘉陵", "Jialing"),
    ("滨江", "Binjiang"),
    ("凤凰", "Fenghuang"),
    ("利州", "Lizhou"),
    ("东坝", "Dongba"),
    ("万缘", "Wanyuan"),
    ("上西", "Shangxi"),
    ("皇泽", "Huangze"),
    ("蜀门", "Shumen"),
    ("南河", "Nanhe"),
    ("雪峰", "Xuefeng"),
    ("天成", "Tiancheng"),
    ("锦绣", "Jinxiu"),
    ("和平", "Heping"),
    ("建设", "Jianshe"),
    ("兴隆", "Xinglong"),
    ("翠云", "Cuiyun"),
    ("金岸", "Jin'an"),
    ("桃园", "Taoyuan"),
    ("莲花", "Lianhua"),
    ("红星", "Hongxing"),
    ("文化", "Wenhua"),
    ("工农", "Gongnong"),
    ("望江", "Wangjiang"),
    ("乌龙", "Wulong"),
    ("白龙", "Bailong"),
    ("明月", "Mingyue"),
    ("朝阳", "Chaoyang"),
    ("西华", "Xihua"),
    ("北门", "Beimen"),
    ("太白", "Taibai"),
    ("千佛", "Qianfo"),
    ("栖凤", "Qifeng"),
    ("盘龙", "Panlong"),
    ("回龙", "Huilong"),
    ("清河", "Qinghe"),
    ("金轮", "Jinlun"),
    ("紫荆", "Zijing"),
    ("长青", "Changqing"),
    ("杨柳", "Yangliu"),
    ("宏达", "Hongda"),
    ("新华", "Xinhua"),
    ("春华", "Chunhua"),
    ("丽景", "Lijing"),
    ("瑞祥", "Ruixiang"),
    ("华龙", "Hualong"),
    ("海棠", "Haitang"),
    ("银杏", "Yinxing"),
    ("翠屏", "Cuiping"),
    ("安居", "Anju"),
]
OLD_SUFFIX = [
    ("小区", "Xiaoqu"),
    ("花园", "Huayuan"),
    ("新村", "Xincun"),
    ("苑", "Yuan"),
    ("家园", "Jiayuan"),
    ("公寓", "Gongyu"),
    ("宿舍区", "Sushequ"),
    ("社区", "Shequ"),
]
NEW_SUFFIX = [
    ("华府", "Huafu"),
    ("悦府", "Yuefu"),
    ("新城", "Xincheng"),
    ("御景", "Yujing"),
    ("锦园", "Jinyuan"),
    ("壹号", "Yihao"),
]
VILLAGE = [
    ("青岗", "Qinggang"),
    ("石龙", "Shilong"),
    ("三堆", "Sandui"),
    ("金鱼", "Jinyu"),
    ("杨家", "Yangjia"),
    ("李家", "Lijia"),
    ("张家", "Zhangjia"),
    ("王家", "Wangjia"),
    ("黄家", "Huangjia"),
    ("何家", "Hejia"),
    ("赵家", "Zhaojia"),
    ("陈家", "Chenjia"),
    ("柏林", "Bailin"),
    ("红岩", "Hongyan"),
    ("竹园", "Zhuyuan"),
    ("桂花", "Guihua"),
    ("马鞍", "Ma'an"),
    ("白果", "Baiguo"),
    ("梨树", "Lishu"),
    ("松林", "Songlin"),
    ("高坪", "Gaoping"),
    ("大湾", "Dawan"),
    ("河口", "Hekou"),
    ("双河", "Shuanghe"),
    ("五星", "Wuxing"),
    ("七里", "Qili"),
    ("龙潭", "Longtan"),
    ("石盘", "Shipan"),
    ("新民", "Xinmin"),
    ("永胜", "Yongsheng"),
    ("团结", "Tuanjie"),
    ("民主", "Minzhu"),
    ("光明", "Guangming"),
    ("长坪", "Changping"),
    ("石门", "Shimen"),
    ("凉水", "Liangshui"),
    ("沙河", "Shahe"),
    ("白岩", "Baiyan"),
    ("庙垭", "Miaoya"),
    ("清水", "Qingshui"),
    ("柳林", "Liulin"),
    ("桥亭", "Qiaoting"),
    ("白杨", "Baiyang"),
    ("观音", "Guanyin"),
    ("飞龙", "Feilong"),
    ("金台", "Jintai"),
    ("响水", "Xiangshui"),
    ("青龙", "Qinglong"),
]
STREET_SUFFIX = [("路", "Lu"), ("街", "Jie"), ("巷", "Xiang")]

DISTRICTS = [
    ("510802", "利州区", "Lizhou Qu"),
    ("510811", "昭化区", "Zhaohua Qu"),
    ("510812", "朝天区", "Chaotian Qu"),
]
# (id, name, pinyin, district, d = offset from the river centreline, y)
SUBDISTRICTS = [
    ("510802001", "嘉陵街道", "Jialing Jiedao", "510802", 700.0, 300.0),
    ("510802002", "东坝街道", "Dongba Jiedao", "510802", 900.0, 2200.0),
    ("510802003", "河西街道", "Hexi Jiedao", "510802", -800.0, -400.0),
    ("510802004", "南河街道", "Nanhe Jiedao", "510802", 900.0, -2300.0),
    ("510802005", "上西街道", "Shangxi Jiedao", "510802", -900.0, 1900.0),
    ("510802006", "雪峰街道", "Xuefeng Jiedao", "510802", 3300.0, 1200.0),
    ("510802007", "大石镇", "Dashi Zhen", "510802", 4000.0, -3300.0),
    ("510802008", "荣山镇", "Rongshan Zhen", "510802", -3600.0, 2000.0),
    ("510811001", "宝轮镇", "Baolun Zhen", "510811", -900.0, -4000.0),
    ("510811002", "元坝镇", "Yuanba Zhen", "510811", -3600.0, -1000.0),
    ("510812001", "中子镇", "Zhongzi Zhen", "510812", -1500.0, 4700.0),
    ("510812002", "朝天镇", "Chaotian Zhen", "510812", 1500.0, 4700.0),
]


# --------------------------------------------------------------------------- geometry helpers


def river_x(y: np.ndarray | float) -> np.ndarray:
    """Easting (local metres) of the Jialing centreline at northing ``y``."""
    y = np.asarray(y, dtype=float)
    return (
        -700.0
        + 650.0 * np.sin(2 * np.pi * y / 9000.0 + 0.4)
        + 200.0 * np.sin(2 * np.pi * y / 3500.0)
    )


def river_dx(y: np.ndarray | float) -> np.ndarray:
    """Derivative d(river_x)/dy."""
    y = np.asarray(y, dtype=float)
    return 650.0 * 2 * np.pi / 9000.0 * np.cos(2 * np.pi * y / 9000.0 + 0.4) + (
        200.0 * 2 * np.pi / 3500.0 * np.cos(2 * np.pi * y / 3500.0)
    )


def river_offset(y: np.ndarray | float, s: np.ndarray | float) -> np.ndarray:
    """Points at normal offset ``s`` (east positive) from the Jialing centreline.

    Returns an array of shape (n, 2).
    """
    y = np.atleast_1d(np.asarray(y, dtype=float))
    s = np.broadcast_to(np.asarray(s, dtype=float), y.shape)
    dx = river_dx(y)
    norm = np.sqrt(1.0 + dx**2)
    return np.column_stack([river_x(y) + s / norm, y - s * dx / norm])


def nanhe_y(x: np.ndarray | float) -> np.ndarray:
    """Northing of the Nan He centreline at easting ``x`` (east of the junction)."""
    xj = float(river_x(NANHE_JUNCTION_Y))
    x = np.asarray(x, dtype=float)
    return NANHE_JUNCTION_Y + 0.12 * (x - xj) + 180.0 * np.sin((x - xj) / 800.0)


def wobbly_circle(cx: float, cy: float, r: float, rng: np.random.Generator, n: int = 28) -> Polygon:
    """An irregular round polygon (a village or estate footprint)."""
    th = np.linspace(0.0, 2 * np.pi, n, endpoint=False)
    p1, p2 = rng.uniform(0, 2 * np.pi, 2)
    rr = r * (1.0 + 0.16 * np.sin(2 * th + p1) + 0.09 * np.sin(3 * th + p2))
    return Polygon(np.column_stack([cx + rr * np.cos(th), cy + rr * np.sin(th)]))


def irregular_lot(rng: np.random.Generator, target_area: float) -> Polygon:
    """An irregular 5–6 sided lot of about ``target_area`` m², centred on (0, 0)."""
    k = int(rng.integers(5, 7))
    th = np.linspace(0.0, 2 * np.pi, k, endpoint=False) + rng.uniform(-0.25, 0.25, k)
    th += rng.uniform(0, 2 * np.pi)
    rr = rng.uniform(0.8, 1.2, k)
    stretch = rng.uniform(1.0, 1.7)
    rot = rng.uniform(0, np.pi)
    x, y = rr * np.cos(th) * stretch, rr * np.sin(th)
    xr = x * math.cos(rot) - y * math.sin(rot)
    yr = x * math.sin(rot) + y * math.cos(rot)
    poly = Polygon(np.column_stack([xr, yr]))
    scale = math.sqrt(target_area / poly.area)
    return shapely.affinity.scale(poly, scale, scale, origin=(0, 0))


def largest_polygon(geom: Any) -> Polygon | None:
    """The largest polygon part of ``geom`` or None if empty."""
    if geom is None or geom.is_empty:
        return None
    parts = [g for g in shapely.get_parts(geom) if isinstance(g, Polygon) and not g.is_empty]
    if not parts:
        return None
    return max(parts, key=lambda g: g.area)


def curvy(line: LineString, rng: np.random.Generator, amp_frac: float = 0.08) -> LineString:
    """Bend a straight line into a smooth curve with fixed end points."""
    a = np.asarray(line.coords[0])
    b = np.asarray(line.coords[-1])
    length = float(np.hypot(*(b - a)))
    if length < 40.0:
        return line
    n = max(int(length / 45.0), 3)
    t = np.linspace(0.0, 1.0, n + 1)
    normal = np.array([-(b - a)[1], (b - a)[0]]) / length
    amp = min(amp_frac * length, 90.0) * rng.choice([-1.0, 1.0])
    k = int(rng.integers(1, 3))
    off = amp * np.sin(np.pi * t) * np.sin(np.pi * k * t + 0.5 * (k - 1))
    pts = a[None, :] + t[:, None] * (b - a)[None, :] + off[:, None] * normal[None, :]
    return LineString(pts)


def between_curves_x(left: np.ndarray, right: np.ndarray, ys: np.ndarray) -> Polygon:
    """Polygon between two x(y) curves sampled at ``ys``."""
    ring = np.vstack([np.column_stack([left, ys]), np.column_stack([right, ys])[::-1]])
    return shapely.make_valid(Polygon(ring))


def below_curve_y(xs: np.ndarray, ys: np.ndarray, floor: float = -9000.0) -> Polygon:
    """Polygon below a y(x) curve."""
    ring = np.vstack([np.column_stack([xs, ys]), [[xs[-1], floor], [xs[0], floor]]])
    return shapely.make_valid(Polygon(ring))


def sample_points(
    rng: np.random.Generator,
    region: Any,
    n: int,
    min_dist: float,
    avoid: np.ndarray | None = None,
    max_batches: int = 60,
) -> np.ndarray:
    """Dart-throwing sample of ``n`` points inside ``region`` at least ``min_dist`` apart."""
    minx, miny, maxx, maxy = region.bounds
    pts = np.empty((0, 2)) if avoid is None else np.asarray(avoid, dtype=float)
    n0 = len(pts)
    for _ in range(max_batches):
        cand = np.column_stack([rng.uniform(minx, maxx, 2048), rng.uniform(miny, maxy, 2048)])
        cand = cand[shapely.contains_xy(region, cand[:, 0], cand[:, 1])]
        for x, y in cand:
            if len(pts) - n0 >= n:
                break
            if len(pts) and np.min(np.hypot(pts[:, 0] - x, pts[:, 1] - y)) < min_dist:
                continue
            pts = np.vstack([pts, [[x, y]]])
        if len(pts) - n0 >= n:
            return pts[n0:]
    raise RuntimeError(f"could only place {len(pts) - n0} of {n} points")


# --------------------------------------------------------------------------- the city


@dataclass
class City:
    """All generated layers in local metric coordinates (EPSG:4544 minus E0/N0)."""

    boundary: Polygon
    water: Any
    jialing: LineString
    nanhe: LineString
    districts: list[dict[str, Any]] = field(default_factory=list)
    subdistricts: list[dict[str, Any]] = field(default_factory=list)
    areas: list[dict[str, Any]] = field(default_factory=list)
    workplaces: list[dict[str, Any]] = field(default_factory=list)
    parcels: list[dict[str, Any]] = field(default_factory=list)
    facilities: list[dict[str, Any]] = field(default_factory=list)
    hazards: list[dict[str, Any]] = field(default_factory=list)
    ways: list[dict[str, Any]] = field(default_factory=list)
    pois: list[dict[str, Any]] = field(default_factory=list)
    checks: dict[str, float] = field(default_factory=dict)


def make_frame(base: City) -> City:
    """Boundary, rivers and the study frame."""
    th = np.linspace(0.0, 2 * np.pi, 240, endpoint=False)
    a, b, p = 5000.0, 6000.0, 4.0
    r = (np.abs(np.cos(th) / a) ** p + np.abs(np.sin(th) / b) ** p) ** (-1.0 / p)
    r *= 1.0 + 0.03 * np.sin(3 * th + 0.5) + 0.02 * np.sin(7 * th + 1.3)
    boundary = Polygon(np.column_stack([r * np.cos(th), r * np.sin(th)]))
    ys = np.arange(-7500.0, 7500.1, 25.0)
    jialing = LineString(np.column_stack([river_x(ys), ys]))
    xj = float(river_x(NANHE_JUNCTION_Y))
    xs = np.arange(xj, 7500.1, 25.0)
    nanhe = LineString(np.column_stack([xs, nanhe_y(xs)]))
    water = shapely.intersection(
        shapely.union(jialing.buffer(RIVER_HALF), nanhe.buffer(NANHE_HALF)), boundary
    )
    base.boundary, base.water, base.jialing, base.nanhe = boundary, water, jialing, nanhe
    return base


def make_admin(city: City) -> None:
    """Districts and subdistricts (synthetic split of the study area)."""
    b = city.boundary
    xs = np.linspace(-7000, 7000, 281)
    ys = np.linspace(-7000, 7000, 281)
    north_line = 2900.0 + 250.0 * np.sin(xs / 900.0)
    chaotian = shapely.difference(b, below_curve_y(xs, north_line))
    west_of_river = between_curves_x(np.full_like(ys, -9000.0), river_x(ys), ys)
    south = below_curve_y(xs, -2000.0 + 300.0 * np.sin(xs / 1100.0 + 0.5))
    west_hills = between_curves_x(
        np.full_like(ys, -9000.0), -3700.0 + 200.0 * np.sin(ys / 700.0), ys
    )
    west_hills = shapely.intersection(west_hills, below_curve_y(xs, np.full_like(xs, 1200.0)))
    zhaohua = shapely.union(shapely.intersection(south, west_of_river), west_hills)
    zhaohua = shapely.difference(shapely.intersection(zhaohua, b), chaotian)
    lizhou = shapely.difference(shapely.difference(b, chaotian), zhaohua)
    geoms = {"510802": lizhou, "510811": zhaohua, "510812": chaotian}
    for did, name, name_en in DISTRICTS:
        poly = MultiPolygon(
            [g for g in shapely.get_parts(geoms[did]) if isinstance(g, Polygon) and g.area > 1.0]
        )
        city.districts.append(
            {"district_id": did, "name": name, "name_en": name_en, "geometry": poly}
        )

    # sectors: west bank, east bank north / south of the Nan He
    xj = float(river_x(NANHE_JUNCTION_Y))
    nx_ = np.linspace(xj, 7500.0, 200)
    south_nanhe = shapely.make_valid(
        Polygon(
            np.vstack(
                [
                    np.column_stack([nx_, nanhe_y(nx_)]),
                    [[7500, -9000], [-9000, -9000], [-9000, NANHE_JUNCTION_Y]],
                ]
            )
        )
    )
    east = shapely.difference(b, west_of_river)
    sectors = [
        shapely.intersection(b, west_of_river),
        shapely.difference(east, south_nanhe),
        shapely.intersection(east, south_nanhe),
    ]
    pieces: dict[str, list[Any]] = {s[0]: [] for s in SUBDISTRICTS}
    for did, _, _ in DISTRICTS:
        dgeom = geoms[did]
        seeds = [s for s in SUBDISTRICTS if s[3] == did]
        seed_pts = {s[0]: Point(float(river_x(s[5])) + s[4], s[5]) for s in seeds}
        for sector in sectors:
            part = shapely.intersection(dgeom, sector)
            if part.is_empty or part.area < 1.0:
                continue
            inside = [s for s in seeds if part.buffer(1.0).contains(seed_pts[s[0]])]
            if not inside:
                # attach to the nearest seed of the district
                near = min(seeds, key=lambda s: part.distance(seed_pts[s[0]]))
                pieces[near[0]].append(part)
                continue
            if len(inside) == 1:
                pieces[inside[0][0]].append(part)
                continue
            mp = shapely.MultiPoint([seed_pts[s[0]] for s in inside])
            cells = shapely.get_parts(
                shapely.voronoi_polygons(mp, extend_to=b.buffer(5000), ordered=True)
            )
            for s, cell in zip(inside, cells, strict=True):
                pieces[s[0]].append(shapely.intersection(cell, part))
    for sid, name, name_en, did, _, _ in SUBDISTRICTS:
        geom = MultiPolygon(
            [
                g
                for g in shapely.get_parts(shapely.union_all(pieces[sid]))
                if isinstance(g, Polygon) and g.area > 1.0
            ]
        )
        city.subdistricts.append(
            {
                "subdistrict_id": sid,
                "name": name,
                "name_en": name_en,
                "district_id": did,
                "geometry": geom,
            }
        )


def zones(city: City) -> dict[str, Any]:
    """Land-use zones: core (old city), new-housing zone, rural land, workplaces."""
    land = shapely.difference(city.boundary, city.water)
    ys = np.linspace(-7500, 7500, 601)
    xs = np.linspace(-7500, 7500, 601)
    c = river_x(ys)
    core_half = 1500.0 + 200.0 * np.sin(ys / 800.0)
    core = between_curves_x(c - core_half, c + core_half, ys)
    ylim = shapely.difference(
        below_curve_y(xs, 3400.0 + 300.0 * np.sin(xs / 1000.0)),
        below_curve_y(xs, -3400.0 - 300.0 * np.sin(xs / 1000.0 + 1.0)),
    )
    core = shapely.intersection(shapely.intersection(core, ylim), land)
    vhalf = 2300.0 + 300.0 * np.sin(ys / 1700.0 + 1.0)
    valley = shapely.intersection(between_curves_x(c - vhalf, c + vhalf, ys), land)
    return {"land": land, "core": core, "valley": valley}


def make_workplaces(city: City, rng: np.random.Generator) -> Any:
    """Workplaces with migrant-worker counts; returns their union."""
    specs = [
        (
            "W1",
            "广元经济技术开发区",
            "Guangyuan Jingji Jishu Kaifaqu",
            1150.0,
            -4050.0,
            650.0,
            5800,
        ),
        ("W2", "广元市中心医院", "Guangyuan Shi Zhongxin Yiyuan", 1050.0, -650.0, 130.0, 900),
        ("W3", "广元市人民政府", "Guangyuan Shi Renmin Zhengfu", None, 0.0, 110.0, 500),
        ("W4", "宝轮工业园", "Baolun Gongyeyuan", -1500.0, -4300.0, 380.0, 2400),
        ("W5", "朝天物流园", "Chaotian Wuliuyuan", 1300.0, 4500.0, 330.0, 1100),
    ]
    for wid, name, name_en, d, y, r, workers in specs:
        x = 0.0 if d is None else float(river_x(y)) + d
        poly = wobbly_circle(x, y, r, rng, n=18)
        poly = shapely.difference(poly, city.water.buffer(60.0))
        city.workplaces.append(
            {
                "workplace_id": wid,
                "name": name,
                "name_en": name_en,
                "migrant_workers": int(workers),
                "geometry": largest_polygon(poly),
            }
        )
    return shapely.union_all([w["geometry"] for w in city.workplaces])


def road_corridors() -> dict[str, LineString]:
    """Major road centrelines fixed before the areas are cut."""
    ys = np.arange(-7500.0, 7500.1, 25.0)
    east = LineString(river_offset(ys, EAST_ROAD_S))
    t = np.clip((ys - 1000.0) / 1000.0, 0.0, 1.0)
    west_s = WEST_ROAD_S_SOUTH + (WEST_ROAD_S_NORTH - WEST_ROAD_S_SOUTH) * (t * t * (3 - 2 * t))
    west = LineString(river_offset(ys, west_s))
    # motorway: west bank north of the bend, then west through the hills
    ym = np.arange(MOTORWAY_BEND_Y, 7500.1, 25.0)[::-1]
    north_part = river_offset(ym, MOTORWAY_S)
    p0 = north_part[-1]
    p1 = np.array([p0[0] - 350.0, 500.0])
    p2 = np.array([-3200.0, -700.0])
    tt = np.linspace(0.0, 1.0, 40)[1:, None]
    bez = (1 - tt) ** 2 * p0 + 2 * (1 - tt) * tt * p1 + tt**2 * p2
    tail = np.array([[-4200.0, -950.0], [-5200.0, -1150.0], [-6500.0, -1300.0]])
    motorway = LineString(np.vstack([north_part, bez, tail]))
    motorway_river = LineString(north_part)
    yt = np.arange(-3700.0, 3700.1, 25.0)
    trunk_w = LineString(np.column_stack([river_x(yt) - 850 + 80 * np.sin(yt / 600.0), yt]))
    trunk_e = LineString(np.column_stack([river_x(yt) + 850 + 80 * np.sin(yt / 650.0), yt]))
    return {
        "east": east,
        "west": west,
        "motorway": motorway,
        "motorway_river": motorway_river,
        "trunk_w": trunk_w,
        "trunk_e": trunk_e,
    }


def make_areas(
    city: City,
    rng: np.random.Generator,
    zn: dict[str, Any],
    work_union: Any,
    roads: dict[str, LineString],
) -> tuple[np.ndarray, list[str], list[Polygon]]:
    """Residential areas as clipped Voronoi cells; returns seeds, statuses, cells."""
    core, valley, land = zn["core"], zn["valley"], zn["land"]
    band = Polygon([(-9000, -5200), (9000, -5200), (9000, 5200), (-9000, 5200)])
    new_zone = shapely.difference(shapely.intersection(valley, band), core.buffer(150.0))
    new_zone = shapely.difference(new_zone, work_union.buffer(150.0))
    rural_zone = shapely.difference(land, valley.buffer(100.0))
    rural_zone = shapely.union(
        rural_zone, shapely.difference(shapely.difference(land, band), work_union.buffer(200))
    )
    rural_zone = shapely.difference(rural_zone, new_zone.buffer(300.0))
    rural_zone = shapely.difference(rural_zone, core.buffer(500.0))
    rural_zone = shapely.difference(rural_zone.buffer(-250.0), city.water.buffer(250.0))

    old_seeds = sample_points(
        rng, shapely.difference(core.buffer(-40.0), work_union.buffer(60.0)), 106, 240.0
    )
    new_seeds = sample_points(rng, new_zone.buffer(-120.0), 34, 620.0, avoid=old_seeds)
    rural_seeds = sample_points(rng, rural_zone, 42, 850.0, avoid=np.vstack([old_seeds, new_seeds]))
    seeds = np.vstack([old_seeds, new_seeds, rural_seeds])
    status = ["old"] * len(old_seeds) + ["new"] * len(new_seeds) + ["rural"] * len(rural_seeds)
    dummies = np.array([[-60000, -60000], [60000, -60000], [60000, 60000], [-60000, 60000]])
    vor = Voronoi(np.vstack([seeds, dummies]))
    cells: list[Polygon] = []
    for i in range(len(seeds)):
        region = vor.regions[vor.point_region[i]]
        if -1 in region:
            raise RuntimeError("unbounded Voronoi cell")
        cells.append(Polygon(vor.vertices[region]))

    major = shapely.union_all(
        [
            roads["east"].buffer(10.0),
            roads["west"].buffer(10.0),
            roads["trunk_w"].buffer(9.0),
            roads["trunk_e"].buffer(9.0),
            roads["motorway"].buffer(30.0),
        ]
    )
    cut = shapely.union_all([city.water.buffer(45.0), work_union.buffer(15.0), major])
    shapely.prepare(cut)

    old_pairs = rng.permutation(len(PLACE) * len(OLD_SUFFIX))
    new_pairs = rng.permutation(len(PLACE) * len(NEW_SUFFIX))
    villages = rng.permutation(len(VILLAGE))
    n_old = n_new = n_rural = 0
    raw: list[dict[str, Any]] = []
    for i, (seed, st, cell) in enumerate(zip(seeds, status, cells, strict=True)):
        if st == "old":
            geom = shapely.intersection(cell, core)
        elif st == "new":
            r = rng.uniform(190.0, 330.0)
            geom = shapely.intersection(cell, wobbly_circle(seed[0], seed[1], r, rng))
            geom = shapely.intersection(geom, land)
        else:
            r = rng.uniform(280.0, 470.0)
            geom = shapely.intersection(cell, wobbly_circle(seed[0], seed[1], r, rng))
            geom = shapely.intersection(geom, land)
        geom = shapely.difference(geom, cut).buffer(-6.0)
        poly = largest_polygon(geom)
        if poly is None or poly.area < 12_000.0:
            continue
        poly = shapely.simplify(poly, 2.0)
        if st == "old":
            pi = int(old_pairs[n_old])
            zh = PLACE[pi // len(OLD_SUFFIX)][0] + OLD_SUFFIX[pi % len(OLD_SUFFIX)][0]
            en = PLACE[pi // len(OLD_SUFFIX)][1] + " " + OLD_SUFFIX[pi % len(OLD_SUFFIX)][1]
            n_old += 1
        elif st == "new":
            pi = int(new_pairs[n_new])
            zh = PLACE[pi // len(NEW_SUFFIX)][0] + NEW_SUFFIX[pi % len(NEW_SUFFIX)][0]
            en = PLACE[pi // len(NEW_SUFFIX)][1] + " " + NEW_SUFFIX[pi % len(NEW_SUFFIX)][1]
            n_new += 1
        else:
            vi = int(villages[n_rural])
            zh, en = VILLAGE[vi][0] + "村", VILLAGE[vi][1] + " Cun"
            n_rural += 1
        raw.append({"seed_index": i, "status": st, "name": zh, "name_en": en, "geometry": poly})

    # dwellings for new areas (planned housing): ~9,000 dwellings per km², 300–3,000
    for k, a in enumerate(raw):
        a["area_id"] = f"A{k + 1:03d}"
        if a["status"] == "new":
            dw = a["geometry"].area / 1e6 * rng.uniform(7000.0, 11000.0)
            a["dwellings"] = int(np.clip(round(dw / 10.0) * 10, 300, 3000))
        else:
            a["dwellings"] = None
        a["migrant_share"] = float("nan")
    city.areas = raw
    return seeds, status, cells


def assign_admin(city: City, geom: Any) -> tuple[str, str]:
    """District and subdistrict with the largest overlap (or containing the point)."""
    best, best_val = city.subdistricts[0], -1.0
    for sd in city.subdistricts:
        if isinstance(geom, Point):
            val = 1.0 if sd["geometry"].covers(geom) else -sd["geometry"].distance(geom)
        else:
            val = shapely.intersection(sd["geometry"], geom).area
        if val > best_val:
            best, best_val = sd, val
    return best["district_id"], best["subdistrict_id"]


def make_hazards(city: City) -> list[dict[str, Any]]:
    """Petrol stations and two high-voltage lines."""
    stations = [
        ("H01", "中石化利州东路加油站", river_offset(2000.0, EAST_ROAD_S + 30.0)[0]),
        ("H02", "中石油利州西路加油站", river_offset(-2700.0, WEST_ROAD_S_SOUTH - 30.0)[0]),
        ("H03", "中石化万缘路加油站", [float(river_x(-2800.0)) + 880.0, -2800.0]),
        ("H04", "中石油蜀门路加油站", [float(river_x(1800.0)) - 880.0, 1800.0]),
        ("H05", "朝天滨江加油站", river_offset(4300.0, EAST_ROAD_S + 30.0)[0]),
        ("H06", "宝轮加油站", river_offset(-4800.0, WEST_ROAD_S_SOUTH - 30.0)[0]),
        ("H07", "开发区加油站", river_offset(-3300.0, EAST_ROAD_S + 30.0)[0]),
    ]
    out = []
    for hid, name, xy in stations:
        out.append(
            {
                "hazard_id": hid,
                "name": name,
                "kind": "petrol_station",
                "voltage_kv": float("nan"),
                "geometry": Point(float(xy[0]), float(xy[1])),
            }
        )
    x1 = float(river_x(1300.0)) + 650.0
    line110 = LineString([(5600, 2700), (4200, 2450), (2600, 2050), (1500, 1600), (x1, 1300)])
    line220 = LineString(
        [
            (5600, -2500),
            (3600, -2750),
            (1800, -3050),
            (-300, -3350),
            (-2600, -3550),
            (-4400, -3300),
            (-5800, -3400),
        ]
    )
    out.append(
        {
            "hazard_id": "H08",
            "name": "东坝110kV输电线",
            "kind": "power_line",
            "voltage_kv": 110.0,
            "geometry": shapely.intersection(line110, city.boundary),
        }
    )
    out.append(
        {
            "hazard_id": "H09",
            "name": "广昭220kV输电线",
            "kind": "power_line",
            "voltage_kv": 220.0,
            "geometry": shapely.intersection(line220, city.boundary),
        }
    )
    city.hazards = out
    return out


KIND_LABEL = {
    "idle_land": "闲置地块",
    "underused_land": "低效用地",
    "park": "公园",
    "community_centre": "社区活动中心",
    "health_centre": "社区卫生服务中心",
    "cultural_venue": "文化馆",
    "sports_venue": "全民健身中心",
    "workplace": "职工托育点",
}
ACQ_PROBS = {
    "idle_land": {"new_build": 1.0},
    "underused_land": {"new_build": 0.5, "purchase": 0.2, "swap": 0.2, "lease": 0.1},
    "park": {"reuse": 1.0},
    "community_centre": {"reuse": 0.7, "lease": 0.3},
    "health_centre": {"reuse": 0.6, "swap": 0.2, "lease": 0.2},
    "cultural_venue": {"reuse": 0.5, "lease": 0.3, "purchase": 0.2},
    "sports_venue": {"reuse": 0.6, "lease": 0.4},
    "workplace": {"lease": 0.4, "reuse": 0.4, "purchase": 0.2},
}
LOT_SIZE = {
    "idle_land": (800.0, 5000.0),
    "underused_land": (600.0, 4000.0),
    "park": (1500.0, 5000.0),
    "community_centre": (400.0, 2000.0),
    "health_centre": (400.0, 2000.0),
    "cultural_venue": (500.0, 3000.0),
    "sports_venue": (800.0, 5000.0),
    "workplace": (400.0, 3000.0),
}
# kind -> (count, weights for old/new/rural hosts)
QUOTA = {
    "idle_land": (70, (0.55, 0.15, 0.30)),
    "underused_land": (70, (0.85, 0.0, 0.15)),
    "park": (28, (0.8, 0.2, 0.0)),
    "community_centre": (40, (0.65, 0.0, 0.35)),
    "health_centre": (24, (0.8, 0.0, 0.2)),
    "cultural_venue": (18, (0.9, 0.0, 0.1)),
    "sports_venue": (18, (0.85, 0.15, 0.0)),
    "workplace": (22, (0.0, 0.0, 0.0)),
}


def parcel_economics(
    rng: np.random.Generator,
    kind: str,
    acq: str,
    land: float,
    status: str,
    floor_range: tuple[float, float] = (250.0, 1500.0),
) -> tuple[float, float, bool]:
    """Floor area, cost (CNY) and affordability of a candidate.

    The floor area is drawn from ``floor_range`` (m²) and capped at 1.6 × the land.
    """
    has_building = kind not in ("idle_land", "park") and not (
        kind == "underused_land" and acq == "new_build"
    )
    floor = (
        float(round(min(rng.uniform(*floor_range), land * 1.6) / 10.0) * 10.0)
        if (has_building)
        else float("nan")
    )
    price = {"old": (3000.0, 5000.0), "new": (2000.0, 3500.0), "rural": (600.0, 1200.0)}[status]
    if acq == "new_build":
        cost = land * rng.uniform(*price)
    elif acq == "purchase":
        cost = floor * rng.uniform(5500.0, 8000.0)
    elif acq == "swap":
        cost = floor * rng.uniform(1500.0, 3000.0)
    elif acq == "lease":  # five years of rent at 25–40 CNY/m²/month, capitalised
        cost = floor * rng.uniform(25.0, 40.0) * 12.0 * 5.0
    else:  # reuse: fit-out of public premises or park land
        basis = floor if not math.isnan(floor) else 0.3 * land
        cost = basis * rng.uniform(200.0, 500.0)
    affordable = bool(rng.random() < (0.65 if acq in ("lease", "purchase") else 0.92))
    return floor, float(round(cost / 1000.0) * 1000.0), affordable


def area_prefix(a: dict[str, Any]) -> str:
    """An area's name without its estate or village suffix: 桃园苑 -> 桃园."""
    nm = str(a["name"])
    for suf in [s[0] for s in OLD_SUFFIX + NEW_SUFFIX] + ["村"]:
        if nm.endswith(suf):
            return nm[: -len(suf)]
    return nm


def pick_pockets(city: City) -> list[dict[str, Any]]:
    """Two old neighbourhoods that will get no candidate within walking distance."""
    old = [a for a in city.areas if a["status"] == "old"]
    mid = -550.0  # between the 利州大桥 (900) and 嘉陵江大桥 (-2000) bridges

    def river_pocket_score(a: dict[str, Any]) -> float:
        c = a["geometry"].centroid
        d = c.x - float(river_x(c.y))
        if d > 0:
            return 1e9
        return a["geometry"].distance(city.jialing) + abs(c.y - mid)

    west = min(old, key=river_pocket_score)

    def hill_score(a: dict[str, Any]) -> float:
        c = a["geometry"].centroid
        d = c.x - float(river_x(c.y))
        return d if 0.0 < c.y < 2600.0 else 1e9

    hill = min(old, key=hill_score)
    return [west, hill]


def place_parcels(
    city: City, rng: np.random.Generator, work_union: Any, pockets: list[dict[str, Any]]
) -> None:
    """Candidate parcels, including deliberate hazard and river cases."""
    water_buf = city.water.buffer(20.0)
    shapely.prepare(water_buf)
    pocket_zone = shapely.union_all([p["geometry"].buffer(ISOLATION_M) for p in pockets])
    shapely.prepare(pocket_zone)
    stations = [h["geometry"] for h in city.hazards if h["kind"] == "petrol_station"]
    lines = {h["hazard_id"]: h["geometry"] for h in city.hazards if h["kind"] == "power_line"}
    hazard_keepout = shapely.union_all(
        [s.buffer(80.0) for s in stations] + [ln.buffer(30.0) for ln in lines.values()]
    )
    shapely.prepare(hazard_keepout)
    placed: list[Polygon] = []
    out: list[dict[str, Any]] = []
    land_ok = shapely.difference(
        city.boundary.buffer(-50.0), shapely.union(work_union, city.water.buffer(60.0))
    )
    shapely.prepare(land_ok)

    def free(poly: Polygon) -> bool:
        if placed and bool(np.any(shapely.dwithin(np.asarray(placed), poly, 12.0))):
            return False
        return not water_buf.intersects(poly)

    def add(
        poly: Polygon,
        kind: str,
        name: str,
        status: str,
        acq: str | None = None,
        cost: float | None = None,
    ) -> None:
        if acq is None:
            probs = ACQ_PROBS[kind]
            acq = str(rng.choice(list(probs), p=list(probs.values())))
        land = float(round(poly.area, 1))
        floor, c, aff = parcel_economics(rng, kind, acq, land, status)
        if cost is not None:
            c, aff = cost, True
        placed.append(poly)
        out.append(
            {
                "name": name,
                "kind": kind,
                "acquisition": acq,
                "land_area_m2": land,
                "floor_area_m2": floor,
                "cost": c,
                "affordable": aff,
                "geometry": poly,
            }
        )

    def lot_in(host: Polygon, kind: str, tries: int = 300) -> Polygon | None:
        lo, hi = LOT_SIZE[kind]
        minx, miny, maxx, maxy = host.bounds
        for _ in range(tries):
            target = float(np.exp(rng.uniform(np.log(lo), np.log(hi))))
            lot = irregular_lot(rng, target)
            x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
            lot = shapely.affinity.translate(lot, x, y)
            if not host.contains(lot) or pocket_zone.intersects(lot):
                continue
            if hazard_keepout.intersects(lot) or not free(lot):
                continue
            return lot
        return None

    names_used: dict[str, int] = {}

    def uname(base: str) -> str:
        names_used[base] = names_used.get(base, 0) + 1
        n = names_used[base]
        return base if n == 1 else f"{base}（{n}）"

    # 1. hazard cases: near petrol stations (< 50 m) and the power lines
    for si, (kind, gap) in zip(
        (0, 1, 2),
        (("underused_land", 25.0), ("idle_land", 35.0), ("community_centre", 20.0)),
        strict=True,
    ):
        st = stations[si]
        lot = irregular_lot(rng, 700.0)
        for ang in np.linspace(0, 2 * np.pi, 24, endpoint=False):
            direction = np.array([math.cos(ang), math.sin(ang)])
            cand = shapely.affinity.translate(
                lot, st.x + direction[0] * 60, st.y + direction[1] * 60
            )
            shift = cand.distance(st) - gap
            cand = shapely.affinity.translate(cand, -direction[0] * shift, -direction[1] * shift)
            if free(cand) and not cand.contains(st):
                add(
                    cand,
                    kind,
                    uname(f"加油站旁{KIND_LABEL[kind]}"),
                    "old",
                    acq="reuse" if kind == "community_centre" else "new_build",
                )
                break
    for hid, frac, gap, kind in (
        ("H09", 0.62, 8.0, "idle_land"),
        ("H09", 0.45, -1.0, "underused_land"),
        ("H08", 0.55, 6.0, "idle_land"),
        ("H08", 0.35, 13.0, "idle_land"),
    ):
        ln = lines[hid]
        lot = irregular_lot(rng, 1500.0)
        for step in range(40):
            f = frac + (step // 2 + 1) * 0.01 * (1 if step % 2 else -1) if step else frac
            p = ln.interpolate(f, normalized=True)
            q = ln.interpolate(f + 0.005, normalized=True)
            tdir = np.array([q.x - p.x, q.y - p.y])
            tdir /= np.hypot(*tdir)
            normal = np.array([-tdir[1], tdir[0]])
            if gap < 0:  # the line crosses the lot
                cand = shapely.affinity.translate(lot, p.x, p.y)
            else:
                cand = shapely.affinity.translate(lot, p.x + normal[0] * 80, p.y + normal[1] * 80)
                for _ in range(3):
                    shift = cand.distance(ln) - gap
                    cand = shapely.affinity.translate(cand, -normal[0] * shift, -normal[1] * shift)
            if free(cand) and land_ok.contains(cand) and not pocket_zone.intersects(cand):
                break
        else:
            raise RuntimeError(f"power-line lot near {hid} collides")
        add(cand, kind, uname(f"高压线旁{KIND_LABEL[kind]}"), "old", acq="new_build")

    # 2. the river pocket: a candidate just across the river (close in a straight line)
    west_pocket = pockets[0]["geometry"]
    c = west_pocket.centroid
    lot = irregular_lot(rng, 900.0)
    across = None
    for dy in (0.0, 40.0, -40.0, 80.0, -80.0, 120.0, -120.0):
        xy = river_offset(c.y + dy, EAST_ROAD_S + 40.0)[0]
        cand = shapely.affinity.translate(lot, xy[0], xy[1])
        shift = cand.distance(city.jialing) - (EAST_ROAD_S + 15.0)
        dx = river_dx(c.y + dy)
        nrm = np.array([1.0, -float(dx)]) / math.sqrt(1 + float(dx) ** 2)
        cand = shapely.affinity.translate(cand, -nrm[0] * shift, -nrm[1] * shift)
        if free(cand):
            across = cand
            break
    if across is None:
        raise RuntimeError("cannot place the across-river lot")
    add(across, "community_centre", uname("滨江社区活动中心"), "old", acq="reuse")
    city.checks["across_river_straight_m"] = float(across.distance(west_pocket))

    # 3. planned childcare land inside every new area (R1: no land cost)
    for a in city.areas:
        if a["status"] != "new":
            continue
        lot = lot_in(a["geometry"].buffer(-5.0), "idle_land")
        if lot is None:
            raise RuntimeError(f"no planned lot fits in {a['area_id']}")
        add(lot, "idle_land", uname(f"{a['name']}配套托育用地"), "new", acq="new_build", cost=0.0)

    # 4. the general pool
    hosts = {st: [a for a in city.areas if a["status"] == st] for st in ("old", "new", "rural")}
    work_hosts = list(city.workplaces)
    for kind in QUOTA:
        count, weights = QUOTA[kind]
        done = 0
        while done < count:
            if kind == "workplace":
                w = work_hosts[int(rng.choice(len(work_hosts), p=[0.35, 0.15, 0.15, 0.2, 0.15]))]
                lot = lot_in(w["geometry"].buffer(-5.0), kind, tries=200)
                if lot is None:
                    continue
                add(lot, kind, uname(f"{w['name']}{KIND_LABEL[kind]}"), "old")
                done += 1
                continue
            st = str(rng.choice(["old", "new", "rural"], p=list(weights)))
            a = hosts[st][int(rng.integers(len(hosts[st])))]
            lot = lot_in(a["geometry"].buffer(-3.0), kind, tries=60)
            if lot is None:
                continue
            add(lot, kind, uname(f"{area_prefix(a)}{KIND_LABEL[kind]}"), st)
            done += 1

    for k, p in enumerate(out):
        p["site_id"] = f"P{k + 1:04d}"
    city.parcels = out


SERVICE_MIXES = [
    "full_day;half_day;hourly;temporary",
    "full_day;half_day",
    "full_day",
    "full_day;hourly",
    "half_day;hourly;temporary",
]


def make_facilities(city: City, rng: np.random.Generator, pockets: list[dict[str, Any]]) -> None:
    """Existing childcare facilities with their current slots."""
    keep_out = shapely.union_all([p["geometry"].buffer(800.0) for p in pockets])
    parcels = shapely.union_all([p["geometry"].buffer(15.0) for p in city.parcels])
    plan = [
        ("old", "510802", 6),
        ("old", "510811", 1),
        ("rural", "510811", 1),
        ("old", "510812", 1),
        ("rural", "510812", 1),
    ]
    names = [
        "妇幼保健院托育中心",
        "宝贝托育园",
        "小天使托育中心",
        "阳光托育园",
        "彩虹托育中心",
        "童乐托育园",
        "托育中心",
        "童心托育园",
        "爱心托育园",
        "小太阳托育点",
    ]
    sd_names = {sd["subdistrict_id"]: sd["name"] for sd in city.subdistricts}
    out: list[dict[str, Any]] = []
    used: set[str] = set()
    for st, did, n in plan:
        cands = [
            a
            for a in city.areas
            if a["status"] == st
            and a["district_id"] == did
            and not keep_out.intersects(a["geometry"])
            and a["area_id"] not in used
        ]
        if len(cands) < n:
            cands = [
                a
                for a in city.areas
                if a["district_id"] == did
                and not keep_out.intersects(a["geometry"])
                and a["area_id"] not in used
            ]
        order = rng.permutation(len(cands))
        picked = 0
        for oi in order:
            a = cands[int(oi)]
            if picked == n:
                break
            if out and min(a["geometry"].distance(f["geometry"]) for f in out) < 600.0:
                continue
            geom = a["geometry"].buffer(-10.0)
            pt = None
            for _ in range(200):
                minx, miny, maxx, maxy = geom.bounds
                cand = Point(rng.uniform(minx, maxx), rng.uniform(miny, maxy))
                if geom.contains(cand) and not parcels.contains(cand):
                    pt = cand
                    break
            if pt is None:
                continue
            used.add(a["area_id"])
            k = len(out)
            out.append(
                {
                    "facility_id": f"F{k + 1:02d}",
                    "name": sd_names[a["subdistrict_id"]].removesuffix("街道") + names[k],
                    "slots": int(rng.integers(3, 16)) * 10,
                    "affordable": bool(k not in (3, 5)),
                    "demonstration": k == 0,
                    "services": SERVICE_MIXES[k % len(SERVICE_MIXES)],
                    "district_id": did,
                    "subdistrict_id": a["subdistrict_id"],
                    "geometry": pt,
                }
            )
            picked += 1
    out[0]["slots"] = 150
    city.facilities = out


# --------------------------------------------------------------------------- streets

PRIORITY = {
    "motorway_link": 9,
    "primary": 8,
    "secondary": 7,
    "tertiary": 6,
    "residential": 5,
    "service": 4,
    "footway": 3,
    "steps": 3,
    "path": 2,
}


def make_streets(
    city: City,
    rng: np.random.Generator,
    seeds: np.ndarray,
    status: list[str],
    cells: list[Polygon],
    roads: dict[str, LineString],
    work_union: Any,
) -> None:
    """Build a noded street network and store it as OSM-like ways in ``city.ways``."""
    b = city.boundary
    sources: list[dict[str, Any]] = []

    street_names = [(p[0] + s[0], p[1] + " " + s[1]) for p in PLACE for s in STREET_SUFFIX]
    name_order = rng.permutation(len(street_names))
    name_i = [0]

    def next_name() -> tuple[str, str]:
        nm = street_names[int(name_order[name_i[0] % len(name_order)])]
        name_i[0] += 1
        return nm

    def add(
        geom: Any,
        highway: str,
        name: tuple[str, str] | None = None,
        bridge: bool = False,
        clip: bool = True,
    ) -> None:
        geom = shapely.intersection(geom, b)
        for g in shapely.get_parts(geom):
            if isinstance(g, LineString) and g.length > 1.0:
                sources.append(
                    {"geom": g, "highway": highway, "name": name, "bridge": bridge, "clip": clip}
                )

    # Voronoi ridges between neighbourhood seeds
    dummies = np.array([[-60000, -60000], [60000, -60000], [60000, 60000], [-60000, 60000]])
    vor = Voronoi(np.vstack([seeds, dummies]))
    n = len(seeds)
    for (p, q), verts in zip(vor.ridge_points, vor.ridge_vertices, strict=True):
        if p >= n or q >= n or -1 in verts:
            continue
        seg = LineString(vor.vertices[verts])
        sp, sq = status[p], status[q]
        if "rural" in (sp, sq):
            seg = curvy(seg, rng, 0.10)
            hw = "tertiary" if "old" not in (sp, sq) else "residential"
        elif sp == sq == "old":
            hw = "tertiary" if rng.random() < 0.25 else "residential"
        else:
            hw = "tertiary"
        add(seg, hw, next_name() if rng.random() < 0.7 else None)

    # major roads
    add(roads["east"], "primary", ("利州东路", "Lizhou Donglu"))
    add(roads["west"], "primary", ("利州西路", "Lizhou Xilu"))
    add(roads["trunk_w"], "secondary", ("蜀门路", "Shumen Lu"))
    add(roads["trunk_e"], "secondary", ("万缘路", "Wanyuan Lu"))
    for s, nm in ((75.0, ("南河北路", "Nanhe Beilu")), (-75.0, ("南河南路", "Nanhe Nanlu"))):
        add(city.nanhe.offset_curve(s), "secondary", nm)
    # bridges over the Jialing (the only crossings) and over the Nan He
    water_b = city.water.buffer(STREET_WATER_CLEAR)
    for y, zh, en, hw in JIALING_BRIDGES:
        yy = np.linspace(y - 40.0, y + 40.0, 2)
        xx = river_x(y) + np.array([-1000.0, 1000.0])
        line = LineString(np.column_stack([xx, yy]))
        add(shapely.intersection(line, water_b), hw, (zh, en), bridge=True, clip=False)
        add(
            shapely.difference(line, water_b),
            hw,
            (zh.replace("大桥", "路"), en.replace("Daqiao", "Lu")),
            clip=False,
        )
    nanhe_b = shapely.intersection(water_b, city.nanhe.buffer(NANHE_HALF + 40.0))
    for line, hw, nm in (
        (roads["east"], "primary", ("南河口大桥", "Nanhekou Daqiao")),
        (roads["trunk_e"], "secondary", ("万缘桥", "Wanyuan Qiao")),
    ):
        part = shapely.intersection(
            shapely.intersection(line, nanhe_b),
            Point(float(river_x(NANHE_JUNCTION_Y)), -1300).buffer(2500),
        )
        add(part, hw, nm, bridge=True, clip=False)
    xb = 2800.0
    yb = float(nanhe_y(xb))
    line = LineString([(xb - 30, yb - 500), (xb + 30, yb + 500)])
    add(
        shapely.intersection(line, nanhe_b),
        "tertiary",
        ("东坝桥", "Dongba Qiao"),
        bridge=True,
        clip=False,
    )
    add(shapely.difference(line, nanhe_b), "tertiary", ("东坝桥路", "Dongbaqiao Lu"))

    # streets inside the neighbourhoods: rays from the seed to the first street they meet
    net = shapely.union_all([src["geom"] for src in sources])
    shapely.prepare(net)

    def ray(origin: np.ndarray, ang: float, cellb: Polygon, overshoot: float) -> LineString | None:
        direction = np.array([math.cos(ang), math.sin(ang)])
        long = LineString([origin, origin + direction * 3000.0])
        hits = shapely.get_coordinates(shapely.intersection(long, net))
        along = (hits - origin) @ direction if len(hits) else np.empty(0)
        along = along[along > 5.0]
        if len(along):
            return LineString([origin, origin + direction * (float(along.min()) + overshoot)])
        return largest_line(shapely.intersection(long, cellb))

    for seed, st, cell in zip(seeds, status, cells, strict=True):
        cellb = cell.buffer(4.0)
        ang = rng.uniform(0, 2 * np.pi)
        if st == "old":
            dist_r = seed[0] - float(river_x(seed[1]))
            u = rng.random()
            hw = (
                "service"
                if u < 0.5
                else ("steps" if abs(dist_r) > 1150 and u < 0.75 else "footway")
            )
            nm = next_name() if cell.area > 100_000.0 else None
            for a2, kind in (
                (ang, hw),
                (ang + np.pi, hw),
                (ang + np.pi / 2, "residential"),
                (ang - np.pi / 2, "residential"),
            ):
                r_ = ray(seed, a2, cellb, 3.0)
                if r_ is not None:
                    add(r_, kind, nm if kind == "residential" else None)
            if cell.area > 80_000.0:
                start_pt = seed + np.array([math.cos(ang), math.sin(ang)]) * rng.uniform(40, 90)
                r_ = ray(start_pt, ang + np.pi / 2 + rng.uniform(-0.4, 0.4), cellb, 3.0)
                if r_ is not None:
                    add(r_, "footway")
        elif st == "new":
            nm = next_name()
            for j in range(4):
                r_ = ray(seed, ang + j * np.pi / 2, cellb, 3.0)
                if r_ is not None:
                    add(r_, "residential", nm)
        else:
            k = int(rng.integers(2, 4))
            for j in range(k):
                a2 = ang + j * 2 * np.pi / k + rng.uniform(-0.3, 0.3)
                r_ = ray(seed, a2, cellb, 12.0)
                if r_ is not None:
                    add(curvy(r_, rng, 0.08), "residential" if j == 0 else "path")
    # industrial park service roads
    for w in city.workplaces:
        c = w["geometry"].centroid
        r = math.sqrt(w["geometry"].area / math.pi) + 40.0
        for ang in (0.3, 0.3 + np.pi / 2):
            d = np.array([math.cos(ang), math.sin(ang)]) * r
            add(LineString([(c.x - d[0], c.y - d[1]), (c.x + d[0], c.y + d[1])]), "service")

    # motorway (not noded with the streets) and its ramp
    motorway = largest_line(shapely.intersection(roads["motorway"], b))
    if motorway is None:
        raise RuntimeError("motorway outside the study area")
    motorway = shapely.set_precision(motorway, 0.05)
    y_ramp = 3600.0
    mpt = roads["motorway"].interpolate(
        roads["motorway"].project(Point(*river_offset(y_ramp, MOTORWAY_S)[0]))
    )
    mcoords = np.asarray(motorway.coords)
    j = int(np.argmin(np.hypot(mcoords[:, 0] - mpt.x, mcoords[:, 1] - mpt.y)))
    ramp_start = mcoords[j]
    ramp_end = river_offset(y_ramp - 90.0, WEST_ROAD_S_NORTH - 40.0)[0]
    add(LineString([ramp_start, ramp_end]), "motorway_link", None, clip=False)

    # clip everything except bridges and the ramp away from the water and the motorway corridor
    corridor = shapely.union(water_b, roads["motorway_river"].buffer(18.0))
    clipped: list[dict[str, Any]] = []
    for s in sources:
        if s["clip"]:
            g = shapely.difference(s["geom"], corridor)
            for part in shapely.get_parts(g):
                if isinstance(part, LineString) and part.length > 1.0:
                    clipped.append({**s, "geom": part})
        else:
            clipped.append(s)

    geoms = np.asarray([s["geom"] for s in clipped])
    noded = shapely.union_all(geoms, grid_size=0.05)
    pieces = [p for p in shapely.get_parts(noded) if p.length > 0]
    tree = shapely.STRtree(geoms)
    owner: list[int] = []
    for p in pieces:
        mid = p.interpolate(0.5, normalized=True)
        idx = tree.query(mid, predicate="dwithin", distance=0.2)
        if len(idx) == 0:
            idx = np.array([int(tree.nearest(mid))])
        best = min(
            (int(i) for i in idx),
            key=lambda i: (-PRIORITY[clipped[i]["highway"]] - 10 * clipped[i]["bridge"], i),
        )
        owner.append(best)

    def key(xy: np.ndarray | tuple[float, float]) -> tuple[int, int]:
        return (round(float(xy[0]) * 20), round(float(xy[1]) * 20))

    mkeys = [key(c) for c in np.asarray(motorway.coords)]
    alive = list(range(len(pieces)))
    for _ in range(3):
        deg: dict[tuple[int, int], int] = {}
        for k in alive:
            cs = pieces[k].coords
            for e in (key(cs[0]), key(cs[-1])):
                deg[e] = deg.get(e, 0) + 1
        for e in mkeys:
            deg[e] = deg.get(e, 0) + 2
        keep = []
        for k in alive:
            cs = pieces[k].coords
            stub = deg[key(cs[0])] == 1 or deg[key(cs[-1])] == 1
            if stub and pieces[k].length < 50.0 and not clipped[owner[k]]["bridge"]:
                continue
            keep.append(k)
        alive = keep

    g = nx.Graph()
    for k in alive:
        cs = pieces[k].coords
        g.add_edge(key(cs[0]), key(cs[-1]), piece=k, length=pieces[k].length)
    for a_, b_ in itertools.pairwise(mkeys):
        g.add_edge(a_, b_, piece=-1, length=0.0)
    comp = max(nx.connected_components(g), key=lambda c: (len(c), min(c)))
    if mkeys[0] not in comp:
        raise RuntimeError("motorway is not connected to the street network")
    alive = [k for k in alive if key(pieces[k].coords[0]) in comp]

    # check: no non-bridge street crosses the water
    for k in alive:
        src_k = clipped[owner[k]]
        if (
            not src_k["bridge"]
            and src_k["highway"] != "motorway_link"
            and pieces[k].intersects(city.water)
        ):
            raise RuntimeError("a street crosses the river outside a bridge")

    # assemble ways per source
    by_source: dict[int, list[LineString]] = {}
    for k in alive:
        by_source.setdefault(owner[k], []).append(pieces[k])
    ways: list[dict[str, Any]] = []
    for si in sorted(by_source):
        s = clipped[si]
        merged = linemerge(by_source[si]) if len(by_source[si]) > 1 else by_source[si][0]
        for part in shapely.get_parts(merged):
            tags = {"highway": s["highway"]}
            if s["name"] is not None:
                tags["name"] = s["name"][0]
                tags["name:en"] = s["name"][1]
            if s["bridge"]:
                tags["bridge"] = "yes"
                tags["layer"] = "1"
            if s["highway"] == "motorway_link":
                tags["oneway"] = "no"
            if s["highway"] in ("primary", "secondary"):
                tags["lanes"] = "4" if s["highway"] == "primary" else "2"
            ways.append({"coords": np.asarray(part.coords), "tags": tags})
    ways.append(
        {
            "coords": np.asarray(motorway.coords),
            "tags": {
                "highway": "motorway",
                "name": "京昆高速",
                "name:en": "Jingkun Gaosu",
                "ref": "G5",
                "oneway": "no",
                "maxspeed": "100",
            },
        }
    )
    city.ways = ways

    # walking graph for the checks (motorway and ramp excluded)
    walk = nx.Graph()
    for k in alive:
        if clipped[owner[k]]["highway"] == "motorway_link":
            continue
        cs = pieces[k].coords
        walk.add_edge(key(cs[0]), key(cs[-1]), length=pieces[k].length, geom=pieces[k])
    city.checks["_walk"] = walk  # type: ignore[assignment]


def largest_line(geom: Any) -> LineString | None:
    """The longest LineString part of ``geom``."""
    parts = [g for g in shapely.get_parts(geom) if isinstance(g, LineString) and g.length > 1]
    return max(parts, key=lambda g: g.length) if parts else None


def check_walking(city: City, pockets: list[dict[str, Any]]) -> None:
    """Verify node coverage of areas and the walking shortfall of the pockets."""
    walk: nx.Graph = city.checks.pop("_walk")  # type: ignore[assignment]
    nodes = sorted(walk.nodes)
    xy = np.asarray(nodes, dtype=float) / 20.0
    tree = shapely.STRtree(shapely.points(xy))
    worst = 0.0
    for a in city.areas:
        rp = a["geometry"].point_on_surface()
        d = float(shapely.distance(rp, tree.geometries[tree.nearest(rp)]))
        worst = max(worst, d)
        inside = tree.query(a["geometry"].buffer(10.0), predicate="intersects")
        if d > 250.0 or len(inside) == 0:
            raise RuntimeError(f"{a['area_id']} is not reached by the street network ({d:.0f} m)")
    city.checks["worst_area_node_m"] = worst

    def access(geom: Any, radius: float) -> list[tuple[int, int]]:
        idx = tree.query(geom.buffer(radius), predicate="intersects")
        if len(idx) == 0:
            idx = [int(tree.nearest(geom))]
        return [nodes[int(i)] for i in idx]

    pocket = pockets[0]["geometry"]
    src = access(pocket, 30.0)
    dist = nx.multi_source_dijkstra_path_length(walk, src, weight="length")
    across = next(p for p in city.parcels if p["name"].startswith("滨江社区活动中心"))
    dst = access(across["geometry"], 30.0)
    walk_m = min(dist.get(n, math.inf) for n in dst)
    city.checks["across_river_walk_m"] = float(walk_m)
    if walk_m < 1000.0:
        raise RuntimeError(f"across-river lot is only {walk_m:.0f} m away on foot")
    for pk in pockets:
        src = access(pk["geometry"], 30.0)
        dist = nx.multi_source_dijkstra_path_length(walk, src, cutoff=300.0, weight="length")
        for p in city.parcels:
            if any(n in dist for n in access(p["geometry"], 0.0)):
                raise RuntimeError(f"{p['site_id']} is within 300 m walk of {pk['area_id']}")


# --------------------------------------------------------------------------- service centres

CENTRE_STREAM = 1  # the second parcel pass draws from default_rng([seed, CENTRE_STREAM])
# hazard zones siting applies by default (DOMAIN.md §3): petrol station, 110 kV, 220 kV
LEGAL_CLEAR_M = {"petrol_station": 50.0, 110.0: 10.0, 220.0: 15.0}
RADIUS_M = {"old": 300.0, "rural": 1000.0}  # walking radii of the demo scenario
TABLE_LIMIT_M = 1000.0  # siting keeps a pair only when every point of the area is this near
REACH_SHARE = 0.9  # an area counts as reached when a site is within this share of its radius
SINGLE_POINT_M2 = 250_000.0  # siting's largest area with a single demand point
POCKET_CLEAR_M = 400.0  # no second-pass parcel this near a pocket (walk >= straight line)
CENTRE_SHARE = 0.75  # the rest of the second pass are small idle plots
CENTRE_LAND, CENTRE_FLOOR = (600.0, 2000.0), (850.0, 1800.0)
PLOT_LAND = (600.0, 1500.0)


def _key(xy: Any) -> tuple[int, int]:
    return (round(float(xy[0]) * 20), round(float(xy[1]) * 20))


class Walker:
    """Walks on the check graph; a point joins it at the nearest point of the nearest street."""

    def __init__(self, walk: nx.Graph) -> None:
        self.walk = walk
        self.edges: list[tuple[tuple[int, int], tuple[int, int], LineString]] = []
        for _, _, d in walk.edges(data=True):
            g = d["geom"]
            self.edges.append((_key(g.coords[0]), _key(g.coords[-1]), g))
        self.tree = shapely.STRtree([e[2] for e in self.edges])

    def snap(self, pt: Point) -> tuple[int, float, float]:
        """(edge, distance along it, straight distance to it)."""
        i = int(self.tree.nearest(pt))
        g = self.edges[i][2]
        return i, float(g.project(pt)), float(g.distance(pt))

    def from_point(self, pt: Point, cutoff: float) -> Any:
        """A function giving the walk from ``pt`` to other points (inf beyond ``cutoff``)."""
        i, t, off = self.snap(pt)
        a, b, g = self.edges[i]
        da = nx.single_source_dijkstra_path_length(self.walk, a, cutoff=cutoff, weight="length")
        db = nx.single_source_dijkstra_path_length(self.walk, b, cutoff=cutoff, weight="length")

        def node(n: tuple[int, int]) -> float:
            return float(
                min(off + t + da.get(n, math.inf), off + g.length - t + db.get(n, math.inf))
            )

        def to(points: list[Point]) -> np.ndarray:
            out = np.empty(len(points))
            for k, q in enumerate(points):
                j, tq, offq = self.snap(q)
                a2, b2, g2 = self.edges[j]
                d = min(node(a2) + tq, node(b2) + g2.length - tq) + offq
                if j == i:
                    d = min(d, off + abs(t - tq) + offq)
                out[k] = d
            return out

        return to


def demand_points(
    city: City, raster: np.ndarray, transform: Any
) -> dict[str, tuple[list[Point], np.ndarray]]:
    """Each area's demand point(s) and weights, as siting places them (approximately).

    An area up to ``SINGLE_POINT_M2`` gets the population-weighted centroid of the
    raster cells whose centres lie inside it (the nearest populated cell centre if
    that falls outside); a larger one gets all its populated cell centres, weighted,
    in place of siting's weighted k-means centroids. Without people: its
    representative point.
    """
    to_met = Transformer.from_crs(STORED_CRS, METRIC_CRS, always_xy=True)
    rows, cols = np.nonzero(raster > 0)
    lon, lat = transform * (cols + 0.5, rows + 0.5)
    x, y = to_met.transform(np.asarray(lon), np.asarray(lat))
    cells = shapely.points(np.asarray(x) - E0, np.asarray(y) - N0)
    people = raster[rows, cols].astype(float)
    tree = shapely.STRtree(cells)
    out: dict[str, tuple[list[Point], np.ndarray]] = {}
    for a in city.areas:
        g = a["geometry"]
        idx = tree.query(g, predicate="contains")
        if len(idx) == 0:
            out[a["area_id"]] = ([g.representative_point()], np.ones(1))
            continue
        xy, w = shapely.get_coordinates(cells[idx]), people[idx] / people[idx].sum()
        k = min(math.ceil(g.area / SINGLE_POINT_M2), len(idx))
        if k > 1:
            label = weighted_kmeans(xy, w, k)
            groups = [label == j for j in range(k) if (label == j).any()]
            pts = [Point(np.average(xy[m], axis=0, weights=w[m])) for m in groups]
            out[a["area_id"]] = (pts, np.array([w[m].sum() for m in groups]))
            continue
        c = Point(w @ xy)
        if not g.contains(c):
            c = cells[idx][int(np.argmin(shapely.distance(cells[idx], c)))]
        out[a["area_id"]] = ([c], np.ones(1))
    return out


def weighted_kmeans(xy: np.ndarray, w: np.ndarray, k: int, rounds: int = 30) -> np.ndarray:
    """Cluster labels of a weighted k-means started from spread-out points (no randomness)."""
    centres = [xy[int(np.argmax(w))]]
    while len(centres) < k:
        d = np.min([np.hypot(*(xy - c).T) for c in centres], axis=0)
        centres.append(xy[int(np.argmax(d * w))])
    c = np.asarray(centres)
    label = np.zeros(len(xy), dtype=int)
    for _ in range(rounds):
        label = np.argmin(
            np.hypot(xy[:, None, 0] - c[None, :, 0], xy[:, None, 1] - c[None, :, 1]), 1
        )
        for j in range(k):
            if (label == j).any():
                c[j] = np.average(xy[label == j], axis=0, weights=w[label == j])
    return label


def add_service_centres(
    city: City,
    pockets: list[dict[str, Any]],
    work_union: Any,
    points: dict[str, tuple[list[Point], np.ndarray]],
    seed: int,
) -> list[dict[str, Any]]:
    """A second parcel pass: community service centres and small idle plots.

    Every community (社区) and village has a service centre (社区服务中心, 村党群服务中心),
    and there are small idle plots: the first choices of the policy (R6). An old or
    rural area that no usable candidate or facility reaches within ``REACH_SHARE`` ×
    its walking radius (the population-weighted mean walk of its demand points on
    the check graph) gets one near its people: a centre (``community_centre``,
    ``reuse``, 850–1,800 m² of floor) or, one time in four, a small idle plot
    (``idle_land``, ``new_build``). A candidate inside a hazard's legal zone does not
    count (siting excludes it), so such an area gets a second one. Nothing comes
    within ``POCKET_CLEAR_M`` of a pocket. The pass draws from its own random stream
    and appends after the first pass, so earlier parcels keep their ids and values.
    """
    rng = np.random.default_rng([seed, CENTRE_STREAM])
    water_buf = city.water.buffer(20.0)
    pocket_ids = {p["area_id"] for p in pockets}
    pocket_zone = shapely.union_all([p["geometry"].buffer(POCKET_CLEAR_M) for p in pockets])
    legal = shapely.union_all(
        [
            h["geometry"].buffer(
                LEGAL_CLEAR_M[
                    "petrol_station" if h["kind"] == "petrol_station" else h["voltage_kv"]
                ]
            )
            for h in city.hazards
        ]
    )
    # a building is not on a petrol station's forecourt nor under a line
    physical = shapely.union_all(
        [h["geometry"].buffer(15.0 if h["kind"] == "petrol_station" else 5.0) for h in city.hazards]
    )
    fac_pts = shapely.union_all([f["geometry"].buffer(15.0) for f in city.facilities])
    for g in (water_buf, pocket_zone, legal, physical, fac_pts):
        shapely.prepare(g)
    # the test of check_walking: no lot's nodes within 300 m on foot of a pocket's nodes
    walk: nx.Graph = city.checks["_walk"]  # type: ignore[assignment]
    nodes = sorted(walk.nodes)
    node_tree = shapely.STRtree(shapely.points(np.asarray(nodes, dtype=float) / 20.0))

    def access(geom: Any, radius: float) -> set[tuple[int, int]]:
        idx = node_tree.query(geom.buffer(radius), predicate="intersects")
        return {nodes[int(i)] for i in (idx if len(idx) else [node_tree.nearest(geom)])}

    walker = Walker(walk)
    near_pockets: set[tuple[int, int]] = set()
    for pk in pockets:
        src = access(pk["geometry"], 30.0)
        near_pockets |= set(nx.multi_source_dijkstra_path_length(walk, src, 300.0, weight="length"))
    placed = [p["geometry"] for p in city.parcels]
    usable = [p["geometry"] for p in city.parcels if not legal.intersects(p["geometry"])]
    usable += [f["geometry"] for f in city.facilities]

    counts: dict[str, int] = {}
    for p in city.parcels:
        base = str(p["name"]).split("（")[0]
        counts[base] = counts.get(base, 0) + 1

    def uname(base: str) -> str:
        counts[base] = counts.get(base, 0) + 1
        return base if counts[base] == 1 else f"{base}（{counts[base]}）"

    def serves(walks: np.ndarray, w: np.ndarray, limit: float) -> bool:
        """siting's test: every point within the table's limit, their weighted mean within limit."""
        return bool(walks.max() <= TABLE_LIMIT_M and float(w @ walks) <= limit)

    walks_from: dict[int, Any] = {}  # one bounded Dijkstra per usable site (list position)

    def reached(a: dict[str, Any], limit: float) -> bool:
        pts, w = points[a["area_id"]]
        zone = a["geometry"].buffer(limit)
        for k, site in enumerate(usable):
            if not zone.intersects(site):
                continue
            if k not in walks_from:
                walks_from[k] = walker.from_point(site.representative_point(), TABLE_LIMIT_M)
            if serves(walks_from[k](pts), w, limit):
                return True
        return False

    def place(a: dict[str, Any], kind: str, limit: float) -> Polygon | None:
        pts, w = points[a["area_id"]]
        cx, cy = float(w @ shapely.get_x(pts)), float(w @ shapely.get_y(pts))
        host = a["geometry"].buffer(-3.0)
        lo, hi = CENTRE_LAND if kind == "community_centre" else PLOT_LAND
        for attempt in range(240):
            target = float(np.exp(rng.uniform(np.log(lo), np.log(hi))))
            lot = irregular_lot(rng, target)
            r = (40.0 + attempt * 1.5) * math.sqrt(rng.random())
            ang = rng.uniform(0.0, 2.0 * np.pi)
            lot = shapely.affinity.translate(lot, cx + r * math.cos(ang), cy + r * math.sin(ang))
            if not host.contains(lot) or pocket_zone.intersects(lot) or work_union.intersects(lot):
                continue
            if water_buf.intersects(lot) or physical.intersects(lot) or fac_pts.intersects(lot):
                continue
            if bool(np.any(shapely.dwithin(np.asarray(placed), lot, 12.0))):
                continue
            if access(lot, 0.0) & near_pockets:
                continue
            if not serves(
                walker.from_point(lot.representative_point(), TABLE_LIMIT_M)(pts), w, limit
            ):
                continue
            return lot
        return None

    out: list[dict[str, Any]] = []
    for a in city.areas:
        st = a["status"]
        if st == "new" or a["area_id"] in pocket_ids:
            continue
        limit = REACH_SHARE * RADIUS_M[st]
        if reached(a, limit):
            continue
        for _ in range(2):
            kind = "community_centre" if rng.random() < CENTRE_SHARE else "idle_land"
            lot = place(a, kind, limit)
            if lot is None:
                break
            land = float(round(lot.area, 1))
            if kind == "community_centre":
                acq = "reuse"
                name = (
                    f"{a['name']}党群服务中心" if st == "rural" else f"{area_prefix(a)}社区服务中心"
                )
                floor, cost, aff = parcel_economics(rng, kind, acq, land, st, CENTRE_FLOOR)
            else:
                acq = "new_build"
                name = f"{area_prefix(a)}{KIND_LABEL[kind]}"
                floor, cost, aff = parcel_economics(rng, kind, acq, land, st)
            out.append(
                {
                    "name": uname(name),
                    "kind": kind,
                    "acquisition": acq,
                    "land_area_m2": land,
                    "floor_area_m2": floor,
                    "cost": cost,
                    "affordable": aff,
                    "geometry": lot,
                    "for_area": a["area_id"],
                }
            )
            placed.append(lot)
            if not legal.intersects(lot):
                usable.append(lot)
                break
    first = len(city.parcels)
    for k, p in enumerate(out):
        p["site_id"] = f"P{first + k + 1:04d}"
    city.parcels.extend(out)
    return out


# --------------------------------------------------------------------------- population


def make_population(city: City, rng: np.random.Generator) -> tuple[np.ndarray, Any, dict]:
    """Persons per cell on a CGCS2000 grid, with 4 x 4 sub-sampling for area shares."""
    to_geo = Transformer.from_crs(METRIC_CRS, STORED_CRS, always_xy=True)
    to_met = Transformer.from_crs(STORED_CRS, METRIC_CRS, always_xy=True)
    minx, miny, maxx, maxy = city.boundary.bounds
    lons, lats = to_geo.transform(
        np.array([minx, maxx, minx, maxx]) + E0, np.array([miny, miny, maxy, maxy]) + N0
    )
    west = math.floor(min(lons) / 0.001) * 0.001
    north = math.ceil(max(lats) / 0.001) * 0.001
    ncol = math.ceil((max(lons) - west) / RES_LON) + 1
    nrow = math.ceil((north - min(lats)) / RES_LAT) + 1
    transform = from_origin(west, north, RES_LON, RES_LAT)
    k = 4
    sub = (np.arange(k) + 0.5) / k
    cc, rr = np.meshgrid(np.arange(ncol), np.arange(nrow))
    lon = west + (cc[..., None, None] + sub[None, None, None, :]) * RES_LON
    lat = north - (rr[..., None, None] + sub[None, None, :, None]) * RES_LAT
    lon, lat = np.broadcast_arrays(lon, lat)
    x, y = to_met.transform(lon.ravel(), lat.ravel())
    x, y = np.asarray(x) - E0, np.asarray(y) - N0
    pts = shapely.points(x, y)
    inside = shapely.contains_xy(city.boundary, x, y)
    wet = shapely.contains_xy(city.water, x, y)

    # per-sample density (persons / km²)
    dens = np.zeros(x.shape)
    land = inside & ~wet
    dist_core = np.abs(x - river_x(y))
    dens[land] = 60.0 * np.exp(-np.maximum(dist_core[land] - 1500.0, 0.0) / 1500.0)
    work = shapely.union_all([w["geometry"] for w in city.workplaces])
    dens[shapely.contains_xy(work, x, y)] = 0.0
    geoms = np.asarray([a["geometry"] for a in city.areas])
    tree = shapely.STRtree(geoms)
    pi, ai = tree.query(pts, predicate="within")
    area_density = np.zeros(len(city.areas))
    for j, a in enumerate(city.areas):
        c = a["geometry"].centroid
        r = math.hypot(c.x, c.y)
        if a["status"] == "old":
            area_density[j] = 28000.0 * math.exp(-r / 3500.0) * rng.lognormal(0.0, 0.35)
        elif a["status"] == "new":
            area_density[j] = 0.0 if rng.random() < 0.7 else rng.uniform(100.0, 300.0)
        else:
            area_density[j] = (
                1300.0 * math.exp(-max(r - 3000.0, 0) / 3000.0) * rng.uniform(0.6, 1.4)
            )
    dens[pi] = area_density[ai]
    # cell area in km² at each sample's latitude
    cell_km2 = (RES_LON * math.pi / 180 * 6371.0 * np.cos(np.radians(lat.ravel()))) * (
        RES_LAT * math.pi / 180 * 6371.0
    )
    persons = (dens * cell_km2 / (k * k)).reshape(nrow, ncol, k * k)
    noise = rng.lognormal(0.0, 0.2, size=(nrow, ncol))
    arr = persons.sum(axis=2) * noise
    valid = (inside & ~wet).reshape(nrow, ncol, k * k).mean(axis=2) >= 0.5
    # rescale so the old city holds 270,000 residents and the total about 320,000
    is_old = np.zeros(len(city.areas), bool)
    is_old[[j for j, a in enumerate(city.areas) if a["status"] == "old"]] = True
    old_samples = np.zeros(x.shape, bool)
    old_samples[pi[is_old[ai]]] = True
    old_share = (persons * old_samples.reshape(nrow, ncol, k * k)).sum(axis=2) * noise
    old_total = float(old_share[valid].sum())
    rest_total = float((arr - old_share)[valid].sum())
    factor_old, factor_rest = 270_000.0 / old_total, 50_000.0 / rest_total
    arr = old_share * factor_old + (arr - old_share) * factor_rest
    arr = np.round(arr, 2).astype(np.float32)
    arr[~valid] = np.float32(NODATA)
    return arr, transform, {"total": float(arr[valid].sum())}


# --------------------------------------------------------------------------- writing


def to_stored(geoms: list[Any]) -> gpd.GeoSeries:
    """Local metric geometries -> GeoSeries in EPSG:4490."""
    moved = [shapely.affinity.translate(g, E0, N0) for g in geoms]
    return gpd.GeoSeries(moved, crs=METRIC_CRS).to_crs(STORED_CRS)


def frame(
    rows: list[dict[str, Any]], columns: list[str], dtypes: dict[str, str]
) -> gpd.GeoDataFrame:
    """A GeoDataFrame in EPSG:4490 with ordered columns and explicit dtypes."""
    df = pd.DataFrame([{c: r[c] for c in columns} for r in rows], columns=columns)
    df = df.astype(dtypes)
    return gpd.GeoDataFrame(df, geometry=to_stored([r["geometry"] for r in rows]))


def write_osm(city: City, path: Path) -> int:
    """Write the street ways and a few POIs as OSM XML 0.6; returns the node count."""
    to_geo = Transformer.from_crs(METRIC_CRS, STORED_CRS, always_xy=True)
    node_ids: dict[tuple[int, int], int] = {}
    node_xy: list[tuple[float, float]] = []
    node_tags: dict[int, dict[str, str]] = {}

    def nid(xy: np.ndarray) -> int:
        kk = (round(float(xy[0]) * 20), round(float(xy[1]) * 20))
        if kk not in node_ids:
            node_ids[kk] = 1_000_000_001 + len(node_xy)
            node_xy.append((kk[0] / 20.0, kk[1] / 20.0))
        return node_ids[kk]

    ways_out: list[tuple[list[int], dict[str, str]]] = []
    for w in city.ways:
        refs = [nid(c) for c in w["coords"]]
        refs = [r for i, r in enumerate(refs) if i == 0 or r != refs[i - 1]]
        if len(refs) >= 2:
            ways_out.append((refs, w["tags"]))
    n_street_nodes = len(node_xy)

    # POIs use their own nodes (never shared with streets)
    def poi_node(xy: np.ndarray, tags: dict[str, str]) -> int:
        node = 1_000_000_001 + len(node_xy)
        node_xy.append((float(xy[0]), float(xy[1])))
        if tags:
            node_tags[node] = tags
        return node

    def poi_way(coords: np.ndarray, tags: dict[str, str], closed: bool) -> None:
        refs = [poi_node(c, {}) for c in coords]
        if closed:
            refs.append(refs[0])
        ways_out.append((refs, tags))

    for h in city.hazards:
        g = h["geometry"]
        if h["kind"] == "petrol_station":
            poi_node(np.array([g.x, g.y]), {"amenity": "fuel", "name": h["name"]})
        else:
            volt = str(int(h["voltage_kv"] * 1000))
            poi_way(
                np.asarray(g.coords),
                {"power": "line", "voltage": volt, "name": h["name"]},
                closed=False,
            )
    for f in city.facilities:
        poi_node(
            np.array([f["geometry"].x, f["geometry"].y]),
            {"amenity": "kindergarten", "name": f["name"]},
        )
    cc = [p for p in city.parcels if p["kind"] == "community_centre"][:6]
    for p in cc:
        c = p["geometry"].centroid
        poi_node(np.array([c.x, c.y]), {"amenity": "community_centre", "name": p["name"]})
    for p in [p for p in city.parcels if p["kind"] == "park"][:5]:
        poi_way(
            np.asarray(p["geometry"].exterior.coords)[:-1],
            {"leisure": "park", "name": p["name"]},
            closed=True,
        )
    for a in [a for a in city.areas if a["status"] in ("old", "new")][:12]:
        poi_way(
            np.asarray(a["geometry"].exterior.coords)[:-1],
            {"landuse": "residential", "name": a["name"]},
            closed=True,
        )

    xy = np.asarray(node_xy)
    lon, lat = to_geo.transform(xy[:, 0] + E0, xy[:, 1] + N0)
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<osm version="0.6" generator="siting data/generate_sample.py">',
        "  <note>Synthetic sample city modelled on Guangyuan (not real OSM data).</note>",
        f'  <bounds minlat="{min(lat):.7f}" minlon="{min(lon):.7f}" '
        f'maxlat="{max(lat):.7f}" maxlon="{max(lon):.7f}"/>',
    ]
    for i in range(len(node_xy)):
        node = 1_000_000_001 + i
        head = (
            f'  <node id="{node}" version="1" visible="true" lat="{lat[i]:.7f}" lon="{lon[i]:.7f}"'
        )
        tags = node_tags.get(node)
        if tags:
            lines.append(head + ">")
            lines.extend(f"    <tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags.items())
            lines.append("  </node>")
        else:
            lines.append(head + "/>")
    for wi, (refs, tags) in enumerate(ways_out):
        lines.append(f'  <way id="{2_000_000_001 + wi}" version="1" visible="true">')
        lines.extend(f'    <nd ref="{r}"/>' for r in refs)
        lines.extend(f"    <tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags.items())
        lines.append("  </way>")
    lines.append("</osm>")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return n_street_nodes


def write_outputs(
    city: City, out: Path, raster: np.ndarray, transform: Any, rng: np.random.Generator
) -> dict[str, float]:
    """Write the GeoPackage, the raster and the OSM file."""
    out.mkdir(parents=True, exist_ok=True)
    gpkg = out / "city.gpkg"
    if gpkg.exists():
        gpkg.unlink()
    layers: list[tuple[str, gpd.GeoDataFrame]] = []
    layers.append(
        (
            "boundary",
            frame(
                [
                    {
                        "name": "样例城市研究范围",
                        "name_en": "Sample study area",
                        "geometry": city.boundary,
                    }
                ],
                ["name", "name_en"],
                {"name": "str", "name_en": "str"},
            ),
        )
    )
    layers.append(
        (
            "districts",
            frame(
                city.districts,
                ["district_id", "name", "name_en"],
                dict.fromkeys(["district_id", "name", "name_en"], "str"),
            ),
        )
    )
    sd_cols = ["subdistrict_id", "name", "name_en", "district_id"]
    layers.append(
        ("subdistricts", frame(city.subdistricts, sd_cols, dict.fromkeys(sd_cols, "str")))
    )
    a_cols = [
        "area_id",
        "name",
        "name_en",
        "status",
        "dwellings",
        "migrant_share",
        "district_id",
        "subdistrict_id",
    ]
    layers.append(
        (
            "areas",
            frame(
                city.areas,
                a_cols,
                {
                    "area_id": "str",
                    "name": "str",
                    "name_en": "str",
                    "status": "str",
                    "dwellings": "Int64",
                    "migrant_share": "float64",
                    "district_id": "str",
                    "subdistrict_id": "str",
                },
            ),
        )
    )
    p_cols = [
        "site_id",
        "name",
        "kind",
        "acquisition",
        "land_area_m2",
        "floor_area_m2",
        "cost",
        "affordable",
        "district_id",
        "subdistrict_id",
    ]
    layers.append(
        (
            "parcels",
            frame(
                city.parcels,
                p_cols,
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
                    "subdistrict_id": "str",
                },
            ),
        )
    )
    f_cols = [
        "facility_id",
        "name",
        "slots",
        "affordable",
        "demonstration",
        "services",
        "district_id",
        "subdistrict_id",
    ]
    layers.append(
        (
            "facilities",
            frame(
                city.facilities,
                f_cols,
                {
                    "facility_id": "str",
                    "name": "str",
                    "slots": "int64",
                    "affordable": "bool",
                    "demonstration": "bool",
                    "services": "str",
                    "district_id": "str",
                    "subdistrict_id": "str",
                },
            ),
        )
    )
    w_cols = ["workplace_id", "name", "name_en", "migrant_workers", "district_id", "subdistrict_id"]
    layers.append(
        (
            "workplaces",
            frame(
                city.workplaces,
                w_cols,
                {
                    "workplace_id": "str",
                    "name": "str",
                    "name_en": "str",
                    "migrant_workers": "int64",
                    "district_id": "str",
                    "subdistrict_id": "str",
                },
            ),
        )
    )
    h_cols = ["hazard_id", "name", "kind", "voltage_kv", "district_id"]
    layers.append(
        (
            "hazards",
            frame(
                city.hazards,
                h_cols,
                {
                    "hazard_id": "str",
                    "name": "str",
                    "kind": "str",
                    "voltage_kv": "float64",
                    "district_id": "str",
                },
            ),
        )
    )
    for name, gdf in layers:
        promote = name in ("districts", "subdistricts")
        gdf.to_file(gpkg, layer=name, driver="GPKG", promote_to_multi=promote)

    profile = {
        "driver": "GTiff",
        "height": raster.shape[0],
        "width": raster.shape[1],
        "count": 1,
        "dtype": "float32",
        "crs": STORED_CRS,
        "transform": transform,
        "nodata": NODATA,
        "compress": "deflate",
        "predictor": 1,
    }
    with rasterio.open(out / "population.tif", "w", **profile) as dst:
        dst.write(raster, 1)
        dst.set_band_description(1, "persons per cell (synthetic)")
        dst.update_tags(units="persons", source="siting data/generate_sample.py (synthetic)")
    n_nodes = write_osm(city, out / "streets.osm")
    return {"street_nodes": float(n_nodes)}


def generate(out: Path, seed: int = SEED) -> dict[str, float]:
    """Generate the whole sample into ``out`` and return summary numbers."""
    rng = np.random.default_rng(seed)
    city = make_frame(
        City(boundary=Polygon(), water=None, jialing=LineString(), nanhe=LineString())
    )
    make_admin(city)
    zn = zones(city)
    work_union = make_workplaces(city, rng)
    roads = road_corridors()
    seeds, status, cells = make_areas(city, rng, zn, work_union, roads)
    for a in city.areas:
        a["district_id"], a["subdistrict_id"] = assign_admin(city, a["geometry"])
    for w in city.workplaces:
        w["district_id"], w["subdistrict_id"] = assign_admin(city, w["geometry"])
    # migrant share for the neighbourhoods closest to the industrial park
    park = city.workplaces[0]["geometry"]
    near = sorted(
        (a for a in city.areas if a["status"] in ("old", "new")),
        key=lambda a: (a["geometry"].distance(park), a["area_id"]),
    )[:20]
    for a in near:
        a["migrant_share"] = float(round(rng.uniform(0.10, 0.35), 3))
    hazards = make_hazards(city)
    for h in hazards:
        h["district_id"] = assign_admin(city, h["geometry"].centroid)[0]
    pockets = pick_pockets(city)
    place_parcels(city, rng, work_union, pockets)
    for p in city.parcels:
        p["district_id"], p["subdistrict_id"] = assign_admin(city, p["geometry"])
    make_facilities(city, rng, pockets)
    make_streets(city, rng, seeds, status, cells, roads, work_union)
    raster, transform, pop = make_population(city, rng)
    # the second parcel pass has its own random stream: nothing above changes with it
    points = demand_points(city, raster, transform)
    centres = add_service_centres(city, pockets, work_union, points, seed)
    for p in centres:
        p["district_id"], p["subdistrict_id"] = assign_admin(city, p["geometry"])
    check_walking(city, pockets)
    info = write_outputs(city, out, raster, transform, rng)
    info.update(pop)
    info.update({k: v for k, v in city.checks.items() if isinstance(v, float)})
    info["areas"] = float(len(city.areas))
    info["parcels"] = float(len(city.parcels))
    info["second_pass"] = float(len(centres))
    info["pocket_river"] = float(int(pockets[0]["area_id"][1:]))
    info["pocket_hill"] = float(int(pockets[1]["area_id"][1:]))
    return info


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "sample")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    info = generate(args.out, args.seed)
    print(
        f"sample written to {args.out}: {int(info['areas'])} areas, {int(info['parcels'])} "
        f"parcels ({int(info['second_pass'])} in the second pass), {info['total']:,.0f} "
        f"residents, {int(info['street_nodes'])} street nodes; "
        f"pockets A{int(info['pocket_river']):03d} (river) and A{int(info['pocket_hill']):03d} "
        f"(hill); across-river lot {info['across_river_straight_m']:.0f} m straight, "
        f"{info['across_river_walk_m']:.0f} m walking; worst area-to-node "
        f"{info['worst_area_node_m']:.0f} m"
    )


if __name__ == "__main__":
    main()
