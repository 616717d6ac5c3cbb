"""A register's rows placed by the 小区 their address names: the speed of
:func:`siting.inputs._address.place_by_address`.

``python -m benchmarks.address [--rows N] [--areas N ...] [--repeat N]`` places N
register rows without coordinates (``广元市利州区东坝街道{name}3栋1单元``, each with its
小区's own county, 利州区 or 昭化区; one in ten
naming no area) among seeded areas (400 m squares, each with a name of 3–6 characters
drawn from 400 common ones, in two districts), fastest of ``--repeat``, and checks that
every row naming one area stands at its representative point.
"""

from __future__ import annotations

import argparse
import logging
import time

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from siting.inputs._address import place_by_address
from siting.inputs._problems import _Report, _Where
from siting.scenario import InputsSpec, LayerSpec, PopulationSpec

_CHARACTERS = (
    "华龙新村东坝花园家园苑府邸城庭小镇山水湖景江岸名都国际广场公寓大厦锦绣阳光金色翠屏"
    "白凤凰明月桃李春秋海棠兴隆嘉陵蜀门利州昭化朝天宝轮元坝南河上西下西雪峰回龙三江"
    "万达中央公园世纪天府蓝湾御景豪庭紫荆丽都香榭水岸半岛滨江星河时代印象首府壹号院"
    "学府书香雅居康乐和平幸福安居乐业富民永安长青青年北门文化路街巷里坊园林果树梨枣"
    "杏梅兰竹菊松柏杨柳槐桂荷莲泉溪河湖海洋川岭峰岩石玉珠宝翡翠琥珀珍珊瑚晶钻银铜铁"
    "福禄寿喜财吉祥如意平安康泰昌盛隆兴旺达通顺利美好佳丽秀雅静宁和睦融汇聚贤德信"
    "仁义礼智勇忠孝廉耻恒久远方圆正直清明朗润泽沛霖雨露霜雪云霞虹彩光辉煌耀炫灿烂"
)


def areas_and_register(
    n_areas: int, n_rows: int, *, seed: int = 0
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame, np.ndarray]:
    """Seeded areas (400 m squares on a 500 m grid, named), two districts, and a register
    of rows without points; each row's area by position (-1: it names none)."""
    rng = np.random.default_rng(seed)
    pool = np.array(list(dict.fromkeys(_CHARACTERS)))
    names = ["".join(rng.choice(pool, rng.integers(3, 7))) for _ in range(n_areas)]
    side = int(np.ceil(np.sqrt(n_areas)))
    x = 500_000.0 + 500.0 * (np.arange(n_areas) % side)
    y = 3_590_000.0 + 500.0 * (np.arange(n_areas) // side)
    crs = "EPSG:4544"
    areas = gpd.GeoDataFrame(
        {
            "name": names,
            "district_id": np.where(x < 500_000.0 + 250.0 * side, "510802", "510811"),
        },
        geometry=shapely.box(x, y, x + 400.0, y + 400.0),
        index=pd.Index([f"A{i}" for i in range(n_areas)], name="area_id"),
        crs=crs,
    )
    half = 500_000.0 + 250.0 * side
    districts = gpd.GeoDataFrame(
        {"name": ["利州区", "昭化区"]},
        geometry=[
            shapely.box(499_000.0, 3_589_000.0, half, 3_600_000.0 + 500.0 * side),
            shapely.box(half, 3_589_000.0, 501_000.0 + 500.0 * side, 3_600_000.0 + 500.0 * side),
        ],
        index=pd.Index(["510802", "510811"], name="district_id"),
        crs=crs,
    )
    named = rng.integers(0, n_areas, n_rows)
    named[rng.random(n_rows) < 0.1] = -1
    county = dict(zip(districts.index, districts["name"], strict=True))
    written = [county[d] for d in areas["district_id"]]  # each row its 小区's own county
    addresses = [
        f"广元市{written[a]}东坝街道{names[a]}{rng.integers(1, 30)}栋1单元"
        if a >= 0
        else "广元市某路1号"
        for a in named
    ]
    register = gpd.GeoDataFrame(
        {"地址": addresses, "district_id": None},
        geometry=[shapely.Point()] * n_rows,
        index=pd.Index([f"F{i}" for i in range(n_rows)], name="facility_id"),
        crs=crs,
    )
    return areas, districts, register, named


def time_placing(n_areas: int, n_rows: int, *, repeat: int) -> tuple[float, int, int]:
    """The fastest run's seconds, the rows placed, and those at their own area (checked:
    each placed row that names one area, among areas of unique names, stands at its point)."""
    areas, districts, register, named = areas_and_register(n_areas, n_rows)
    spec = InputsSpec(
        population=PopulationSpec(path="p.tif"),
        facilities=LayerSpec(path="list.csv", address="地址"),
    )
    best = np.inf
    for _ in range(repeat):
        layers = {"areas": areas, "districts": districts, "facilities": register}
        start = time.perf_counter()
        place_by_address(
            layers,
            spec,
            {"facilities": _Where("list.csv", "facilities")},
            work=pyproj.CRS(areas.crs),
            area_points=None,
            report=_Report(),
        )
        best = min(best, time.perf_counter() - start)
    placed = np.asarray(layers["facilities"].geometry.to_numpy(), dtype=object)
    done = ~shapely.is_empty(placed)
    inside = np.asarray(shapely.point_on_surface(areas.geometry.to_numpy()), dtype=object)
    unique = areas["name"].map(areas["name"].value_counts()).to_numpy() == 1
    own = (named >= 0) & unique[np.maximum(named, 0)] & done
    at_own = shapely.equals(placed[own], inside[named[own]])
    assert at_own.mean() > 0.95, at_own.mean()  # a longer name may occur in the address
    return best, int(done.sum()), int(at_own.sum())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_000)
    parser.add_argument("--areas", type=int, nargs="+", default=[2_000, 20_000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)
    print("| register rows | area names | seconds (fastest) | rows placed | at their own area |")
    print("|---|---|---|---|---|")
    for n in args.areas:
        seconds, placed, own = time_placing(n, args.rows, repeat=args.repeat)
        print(f"| {args.rows:,} | {n:,} | {seconds:.2f} | {placed:,} | {own:,} |")


if __name__ == "__main__":
    main()
