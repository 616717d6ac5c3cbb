"""A Chinese bureau's vector hand-over of the sample city, case by case, validated and planned.

Run with ``.venv/bin/python -m benchmarks.handover_vectors [--out DIR] [--only CASE ...]
[--no-plan] [--keep]``. Each case is the sample city (``data/sample``) with some layers handed
over as a bureau's tools write them (seeded): GBK Shapefiles with and without a
``.cpg`` (``936``, ``GBK``, ``GB2312``, ``ANSI 936`` …) and Chinese field names, long
names the DBF cuts to 10 bytes, CGCS2000 in its forms (zone number in the easting, an
ESRI ``.prj`` without authority, layers in other zones), Xian 1980 and Beijing 1954
parcels beside CGCS2000, costs in 万元 and areas in 亩 (with and without ``units``),
overlapping residential layers (two surveys merged; a 小区 and its buildings),
numbers written as text, zero-padded codes, Z geometries, a File Geodatabase (with
curves), the real Guangyuan counties as a GBK district Shapefile, and the inputs read
since e732a87: the facilities as Excel's GBK CSV with a title row and 高德's GCJ-02
经度/纬度 (with and without ``datum_shift``; without, the finding ``web_datum_fit``), the
workplaces as an .xlsx of a surveyor's
X坐标/Y坐标 (zone number in Y), DataV's GCJ-02 districts GeoJSON (with and without the
key), the population from the subdistricts' census (``54,662`` as text) and from the
areas' own ``人口`` column, and 5 parcels in 万元 among 元. For each it runs
``siting validate`` and ``siting plan --no-map`` in a subprocess and prints a row:
the exit codes, the required slots, shortfall and cost of the plan, the people the
areas hold, and the first problem or warning. The clean sample plans 3,860 required
slots, 228 short, at 340,661,000 CNY, its areas holding 314,588 people.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import struct
import subprocess
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyogrio.raw import write as raw_write

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
COUNTIES = ROOT.parent / "shared" / "data" / "admin" / "guangyuan-510800-counties.json"
OUT = Path("handover-vectors")


LAYERS = ("areas", "parcels", "facilities", "districts", "subdistricts", "workplaces", "hazards")

AREA_ZH = {
    "area_id": "小区编号",
    "name": "小区名称",
    "status": "类型",
    "dwellings": "户数",
    "migrant_share": "流动占比",
    "district_id": "区县代码",
    "subdistrict_id": "街道代码",
}
PARCEL_ZH = {
    "site_id": "地块编号",
    "name": "地块名称",
    "kind": "用地类型",
    "acquisition": "取得方式",
    "land_area_m2": "用地面积",
    "floor_area_m2": "建筑面积",
    "cost": "价格",
    "affordable": "普惠",
    "district_id": "区县代码",
}
STATUS_ZH = {"new": "新建", "old": "老旧小区", "rural": "农村"}

ESRI_GK105 = (
    'PROJCS["CGCS2000_3_Degree_GK_CM_105E",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",'
    'DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],'
    'UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",500000.0],'
    'PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",105.0],PARAMETER["Scale_Factor",1.0],'
    'PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]'
)
ESRI_XIAN105 = (
    'PROJCS["Xian_1980_3_Degree_GK_CM_105E",GEOGCS["GCS_Xian_1980",DATUM["D_Xian_1980",'
    'SPHEROID["Xian_1980",6378140.0,298.257]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],'
    'PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],'
    'PARAMETER["Central_Meridian",105.0],PARAMETER["Scale_Factor",1.0],PARAMETER["Latitude_Of_Origin",0.0],'
    'UNIT["Meter",1.0]]'
)


def sample(layer: str, crs: str = "EPSG:4544") -> gpd.GeoDataFrame:
    return gpd.read_file(SAMPLE / "city.gpkg", layer=layer).to_crs(crs)


def write(frame: gpd.GeoDataFrame, path: Path, layer: str | None = None, **kw) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame.to_file(path, layer=layer, engine="pyogrio", **kw)
    return path


def scenario(
    case: Path,
    layers: dict[str, str],
    *,
    crs: str | None = "EPSG:4544",
    population: str | None = None,
) -> None:
    lines = [f'name = "{case.name}"']
    if crs:
        lines.append(f'crs = "{crs}"')
    lines += [
        "",
        "[inputs]",
        "population = " + (population or f'{{ path = "{SAMPLE / "population.tif"}" }}'),
        f'streets = "{SAMPLE / "streets.osm"}"',
    ]
    for name in LAYERS:
        lines.append(
            f"{name} = "
            + layers.get(name, f'{{ path = "{SAMPLE / "city.gpkg"}", layer = "{name}" }}')
        )
    lines += [
        "",
        "[ratios]",
        "new = 10.0",
        "old = 8.0",
        "rural = 4.5",
        "",
        "[radii]",
        "urban_m = 300.0",
        "rural_m = 1000.0",
        "",
        "[policy]",
        "demonstration_per_district = 1",
        "min_affordable_share = 0.6",
        "",
        "[solver]",
        'name = "highs"',
        "time_limit_s = 60.0",
        "gap = 0.005",
        "",
    ]
    (case / "scenario.toml").write_text("\n".join(lines), encoding="utf-8")


def new_case(name: str, *, out: Path | None = None) -> Path:
    """An empty folder ``name`` under ``out`` (:data:`OUT` by default)."""
    case = (out or OUT) / name
    shutil.rmtree(case, ignore_errors=True)
    case.mkdir(parents=True)
    return case


def zh_areas() -> gpd.GeoDataFrame:
    a = sample("areas").drop(columns=["name_en"])
    a["status"] = a["status"].map(STATUS_ZH)
    return a.rename(columns=AREA_ZH)


def zh_parcels() -> gpd.GeoDataFrame:
    p = sample("parcels")
    p["affordable"] = np.where(p["affordable"], "是", "否")
    return p.rename(columns=PARCEL_ZH)


def cols(mapping: dict[str, str]) -> str:
    return "{ " + ", ".join(f'{k} = "{v}"' for k, v in mapping.items()) + " }"


def gbk_shapefiles(case: Path, cpg: str | None, encoding_key: str | None) -> dict[str, str]:
    layers = {}
    for name, frame, mapping in (
        ("areas", zh_areas(), AREA_ZH),
        ("parcels", zh_parcels(), PARCEL_ZH),
    ):
        path = write(frame, case / f"{name}.shp", encoding="GBK")
        path.with_suffix(".cpg").unlink(missing_ok=True)
        if cpg is not None:
            path.with_suffix(".cpg").write_text(cpg, encoding="ascii")
        enc = f', encoding = "{encoding_key}"' if encoding_key else ""
        layers[name] = f'{{ path = "{path.name}"{enc}, columns = {cols(mapping)} }}'
    return layers


def write_cases() -> None:
    """Write every case's files and ``scenario.toml`` under :data:`OUT`."""
    OUT.mkdir(parents=True, exist_ok=True)
    # 1. GBK shapefiles ----------------------------------------------------------
    case = new_case("c01_gbk_nocpg_encoding_key")
    scenario(case, gbk_shapefiles(case, None, "gbk"))
    case = new_case("c02_gbk_nocpg_no_key")
    scenario(case, gbk_shapefiles(case, None, None))
    for cpg in ("936", "GBK", "GB2312", "CP936", "ANSI 936", "GB18030"):
        case = new_case("c03_cpg_" + cpg.replace(" ", "_"))
        scenario(case, gbk_shapefiles(case, cpg, None))
    # Chinese names longer than 10 GBK bytes, cut by the DBF
    case = new_case("c04_gbk_cut_names")
    long = dict(AREA_ZH, name="小区名称全称", dwellings="规划住宅户数")
    a = sample("areas").drop(columns=["name_en"]).rename(columns=long)
    a[long["status"]] = a[long["status"]].map(STATUS_ZH)
    path = write(a, case / "areas.shp", encoding="GBK")
    path.with_suffix(".cpg").write_text("GBK", encoding="ascii")
    scenario(case, {"areas": f'{{ path = "areas.shp", columns = {cols(long)} }}'})
    # 2. CGCS2000 forms -----------------------------------------------------------
    case = new_case("c05_4523_zone_number_no_crs_key")
    layers = {}
    for name in LAYERS:
        write(sample(name, "EPSG:4523"), case / "city.gpkg", layer=name)
        layers[name] = f'{{ path = "city.gpkg", layer = "{name}" }}'
    scenario(case, layers, crs=None)
    case = new_case("c06_esri_prj_no_authority")
    layers = {}
    for name in ("areas", "parcels"):
        path = write(sample(name), case / f"{name}.shp", encoding="UTF-8")
        path.with_suffix(".prj").write_text(ESRI_GK105, encoding="ascii")
        layers[name] = f'{{ path = "{path.name}" }}'
    scenario(case, layers, crs=None)
    case = new_case("c07_mixed_zones")
    write(sample("parcels", "EPSG:4543"), case / "p.gpkg", layer="parcels")  # CM 102E
    write(sample("facilities", "EPSG:4523"), case / "f.gpkg", layer="facilities")
    scenario(case, {"parcels": '{ path = "p.gpkg" }', "facilities": '{ path = "f.gpkg" }'})
    # Xian 1980 beside CGCS2000: the parcels of an old cadastre, ESRI WKT, no authority.
    # A true Xian 1980 survey sits ~ (dx, dy) from CGCS2000; here the coordinates are the
    # CGCS2000 ones shifted by a plausible datum offset, as the bureau's old layer would be.
    case = new_case("c08_xian80_esri_beside_cgcs2000")
    p = sample("parcels")
    p = p.set_geometry(p.geometry.translate(-85.0, 48.0))
    path = write(p, case / "parcels.shp", encoding="UTF-8")
    path.with_suffix(".prj").write_text(ESRI_XIAN105, encoding="ascii")
    scenario(case, {"parcels": '{ path = "parcels.shp" }'})
    case = new_case("c09_beijing54_epsg")
    p = sample("parcels")
    p = p.set_geometry(p.geometry.translate(-60.0, 80.0)).set_crs("EPSG:2432", allow_override=True)
    write(p, case / "p.gpkg", layer="parcels")
    scenario(case, {"parcels": '{ path = "p.gpkg" }'})
    # the same two with the bureau's shift given (datum_shift): the translation that undoes
    # the offset at the parcels' centre, as a province's parameters would
    for name, prj, crs, (dx, dy) in (
        ("c08b_xian80_datum_shift", ESRI_XIAN105, "EPSG:2380", (-85.0, 48.0)),
        ("c09b_beijing54_datum_shift", None, "EPSG:2432", (-60.0, 80.0)),
    ):
        case = new_case(name)
        p = sample("parcels")
        towgs84 = undoing_shift(p, crs, dx, dy)
        p = p.set_geometry(p.geometry.translate(dx, dy)).set_crs(crs, allow_override=True)
        if prj is None:
            write(p, case / "p.gpkg", layer="parcels")
            path = "p.gpkg"
        else:
            path = write(p, case / "parcels.shp", encoding="UTF-8").name
            (case / "parcels.prj").write_text(prj, encoding="ascii")
        shift = ", ".join(f"{v:.3f}" for v in towgs84)
        scenario(
            case, {"parcels": f'{{ path = "{path}", datum_shift = {{ towgs84 = [{shift}] }} }}'}
        )
    # 3. units ------------------------------------------------------------------
    case = new_case("c10_cost_wanyuan")
    p = sample("parcels")
    p["cost"] = p["cost"] / 10_000
    write(p, case / "p.gpkg", layer="parcels")
    scenario(case, {"parcels": '{ path = "p.gpkg" }'})
    case = new_case("c21_cost_wanyuan_units_key")
    write(p, case / "p.gpkg", layer="parcels")
    scenario(case, {"parcels": '{ path = "p.gpkg", units = { cost = "万元" } }'})
    case = new_case("c11_cost_wanyuan_points")  # parcels as points: no polygon area
    p = sample("parcels")
    p["cost"] = p["cost"] / 10_000
    p = p.set_geometry(p.geometry.representative_point())
    write(p, case / "p.gpkg", layer="parcels")
    scenario(case, {"parcels": '{ path = "p.gpkg" }'})
    case = new_case("c12_land_mu_floor_m2")
    p = sample("parcels")
    p["land_area_m2"] = (p.geometry.area / 666.667).round(2)
    write(p, case / "p.gpkg", layer="parcels")
    scenario(case, {"parcels": '{ path = "p.gpkg" }'})
    case = new_case("c22_land_mu_units_key")
    write(p, case / "p.gpkg", layer="parcels")
    scenario(case, {"parcels": '{ path = "p.gpkg", units = { land_area_m2 = "亩" } }'})
    # 4. overlapping residential polygons --------------------------------------
    a = sample("areas")
    case = new_case("c13_two_surveys_merged")
    pick = a.sample(40, random_state=7)
    copy = pick.copy()
    copy["area_id"] = copy["area_id"] + "-2"
    copy = copy.set_geometry(copy.geometry.translate(3.0, -2.0))
    write(gpd.GeoDataFrame(pd_concat([a, copy]), crs=a.crs), case / "a.gpkg", layer="areas")
    scenario(case, {"areas": '{ path = "a.gpkg" }'})
    case = new_case("c14_xiaoqu_and_buildings")
    old = a[a["status"] == "old"].sample(25, random_state=3)
    rows = []
    for _, row in old.iterrows():
        minx, miny, maxx, maxy = row.geometry.bounds
        for k in range(3):
            cx = minx + (maxx - minx) * (0.25 + 0.25 * k)
            cy = (miny + maxy) / 2
            b = shapely.box(cx - 12, cy - 30, cx + 12, cy + 30).intersection(row.geometry)
            if b.is_empty:
                continue
            rows.append(
                {
                    **row.drop("geometry").to_dict(),
                    "area_id": f"{row['area_id']}-B{k + 1}",
                    "name": f"{row['name']}{k + 1}号楼",
                    "geometry": b,
                }
            )
    bld = gpd.GeoDataFrame(rows, geometry="geometry", crs=a.crs)
    write(gpd.GeoDataFrame(pd_concat([a, bld]), crs=a.crs), case / "a.gpkg", layer="areas")
    scenario(case, {"areas": '{ path = "a.gpkg" }'})
    # 5. numbers as text, ids, geometry kinds ----------------------------------
    case = new_case("c15_numbers_as_text")
    a = sample("areas")
    d = a["dwellings"].astype(object)
    new = np.flatnonzero(a["status"].eq("new").to_numpy())
    d.iloc[new[0]] = f"{int(a['dwellings'].iloc[new[0]]):,}"
    d.iloc[new[1]] = "".join(chr(ord(c) + 0xFEE0) for c in str(int(a["dwellings"].iloc[new[1]])))
    d.iloc[new[2]] = f"{a['dwellings'].iloc[new[2]] / 1e4:g}万"
    d.iloc[new[3]] = f"{int(a['dwellings'].iloc[new[3]])}户"
    d.iloc[new[4]] = f"{int(a['dwellings'].iloc[new[4]]):,}".replace(",", "，")
    a["dwellings"] = d.map(
        lambda v: None if v is None or (isinstance(v, float) and np.isnan(v)) else str(v)
    )
    write(a, case / "a.gpkg", layer="areas")
    scenario(case, {"areas": '{ path = "a.gpkg" }'})
    case = new_case("c16_ids_zero_padded")
    s = sample("subdistricts")
    code = {sid: f"{i + 1:04d}" for i, sid in enumerate(s["subdistrict_id"])}
    s["subdistrict_id"] = s["subdistrict_id"].map(code)
    a = sample("areas")
    a["subdistrict_id"] = a["subdistrict_id"].map(code).astype(int)
    write(s, case / "s.gpkg", layer="subdistricts")
    write(a, case / "a.gpkg", layer="areas")
    scenario(case, {"subdistricts": '{ path = "s.gpkg" }', "areas": '{ path = "a.gpkg" }'})
    case = new_case("c17_z_geometries")
    for name in ("areas", "parcels", "facilities"):
        f = sample(name)
        f = f.set_geometry(shapely.force_3d(f.geometry.to_numpy(), 512.0))
        write(f, case / f"{name}.shp", encoding="UTF-8")
    scenario(case, {n: f'{{ path = "{n}.shp" }}' for n in ("areas", "parcels", "facilities")})
    case = new_case("c18_filegdb_folder")
    gdb_layers = [n for n in LAYERS if n != "hazards"]  # points and lines: no FileGDB type
    for name in gdb_layers:
        write(sample(name), case / "city.gdb", layer=name, driver="OpenFileGDB")
    scenario(case, {n: f'{{ path = "city.gdb", layer = "{n}" }}' for n in gdb_layers})
    case = new_case("c20_filegdb_curves")
    a = sample("areas")
    wkbs = [curved(g) if i < 6 else shapely.to_wkb(g) for i, g in enumerate(a.geometry)]
    meta = {"crs": "EPSG:4544", "encoding": "UTF-8", "geometry_type": "MultiPolygon"}
    fields = [c for c in a.columns if c != "geometry"]
    raw_write(
        case / "city.gdb",
        np.array(wkbs, dtype=object),
        [a[c].to_numpy() for c in fields],
        fields,
        layer="areas",
        driver="OpenFileGDB",
        **meta,
    )
    scenario(case, {"areas": '{ path = "city.gdb", layer = "areas" }'})
    if COUNTIES.is_file():  # the real Guangyuan counties (../shared/data)
        case = new_case("c23_real_counties_gbk_shapefile")
        counties = gpd.read_file(COUNTIES)
        counties = counties[["adcode", "name", "geometry"]].rename(
            columns={"adcode": "区县代码", "name": "名称"}
        )
        counties = counties.set_crs("EPSG:4490", allow_override=True)
        path = write(counties, case / "districts.shp", encoding="GBK")
        path.with_suffix(".cpg").unlink(missing_ok=True)
        scenario(
            case,
            {
                "districts": '{ path = "districts.shp", encoding = "gbk", '
                'columns = { district_id = "区县代码", name = "名称" } }'
            },
        )
    today_cases()
    case = new_case("c19_null_and_empty_geometries")
    a = sample("areas")
    a.loc[a.index[:2], "geometry"] = None
    write(a, case / "a.gpkg", layer="areas")
    scenario(case, {"areas": '{ path = "a.gpkg" }'})


FACILITY_ZH = {
    "facility_id": "备案编号",
    "name": "机构名称",
    "slots": "托位数",
    "affordable": "普惠性",
    "demonstration": "示范性",
    "district_id": "所属区县代码",
}


def facilities_csv(path: Path) -> None:
    """The facilities as Excel on Chinese Windows saves a CSV: GBK, CRLF, the sheet's title
    row (``广元市托育机构备案名单``, its empty cells as commas) above the header, and
    经度/纬度 picked on 高德 (GCJ-02, six decimals)."""
    from siting.gcj02 import wgs84_to_gcj02

    f = sample("facilities", "EPSG:4490")
    lon, lat = wgs84_to_gcj02(f.geometry.x.to_numpy(), f.geometry.y.to_numpy())
    table = pd.DataFrame({zh: f[en] for en, zh in FACILITY_ZH.items()})
    for flag in ("普惠性", "示范性"):
        table[flag] = np.where(table[flag], "是", "否")
    table["经度"], table["纬度"] = np.round(lon, 6), np.round(lat, 6)
    title = "广元市托育机构备案名单" + "," * (len(table.columns) - 1)
    text = title + "\r\n" + table.to_csv(index=False, lineterminator="\r\n")
    path.write_bytes(text.encode("gbk"))


def workplaces_xlsx(path: Path) -> None:
    """The workplaces as an HR bureau's .xlsx: 企业名称, 外来务工人员数 and a surveyor's
    X坐标/Y坐标 in CGCS2000 Gauss-Kruger with the zone number (X the northing, Y the
    easting with 35 in front, EPSG:4523), each workplace at a point of its site."""
    w = sample("workplaces", "EPSG:4523")
    at = w.geometry.representative_point()
    table = pd.DataFrame(
        {
            "企业编号": w["workplace_id"],
            "企业名称": w["name"],
            "外来务工人员数": w["migrant_workers"],
            "X坐标": at.y.round(3),
            "Y坐标": at.x.round(3),
        }
    )
    table.to_excel(path, sheet_name="用工企业", index=False)


def datav_districts(path: Path) -> None:
    """The districts as Aliyun DataV's GeoJSON (``510800_full.json``'s shape): adcode,
    name, center, centroid, childrenNum, level, parent, acroutes, in GCJ-02."""
    from siting.gcj02 import geometry_to_gcj02

    d = sample("districts", "EPSG:4490")
    d = geometry_to_gcj02(d.set_crs("EPSG:4326", allow_override=True))
    features = []
    for _, row in d.iterrows():
        c = row.geometry.centroid
        properties = {
            "adcode": int(row["district_id"]),
            "name": row["name"],
            "center": [round(c.x, 6), round(c.y, 6)],
            "centroid": [round(c.x, 6), round(c.y, 6)],
            "childrenNum": 0,
            "level": "district",
            "parent": {"adcode": 510800},
            "acroutes": [100000, 510000, 510800],
        }
        geometry = shapely.geometry.mapping(row.geometry)
        features.append({"type": "Feature", "properties": properties, "geometry": geometry})
    path.write_text(
        json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False),
        encoding="utf-8",
    )


def variants(
    layer: str, file: str, writer: Callable[[Path], None], rest: str, keys: dict[str, str]
) -> None:
    """One case per entry of ``keys`` (case name: the keys given beside the path), each
    with ``layer`` written by ``writer`` to ``file``."""
    for name, given in keys.items():
        case = new_case(name)
        writer(case / file)
        scenario(case, {layer: f'{{ path = "{file}"{given}{rest} }}'})


def today_cases() -> None:
    """The inputs siting reads since e732a87 as a bureau hands them over: tables of points,
    web maps' GCJ-02, the population from census units, 万元 among 元."""
    from siting.zonal import zonal_sums

    variants(
        "facilities",
        "托育机构备案名单.csv",
        facilities_csv,
        f", columns = {cols(FACILITY_ZH)}",
        {
            "c24_facilities_gbk_csv_gcj02": ', crs = "EPSG:4490", datum_shift = "gcj02"',
            "c24b_facilities_gbk_csv_gcj02_no_shift": ', crs = "EPSG:4490"',
        },
    )
    work = {"workplace_id": "企业编号", "name": "企业名称", "migrant_workers": "外来务工人员数"}
    variants(
        "workplaces",
        "用工企业.xlsx",
        workplaces_xlsx,
        f", columns = {cols(work)}",
        {
            "c25_workplaces_xlsx_gk_zone": ', crs = "EPSG:4523"',
            "c25b_workplaces_xlsx_gk_zone_xy_keys": ', crs = "EPSG:4523", x = "Y坐标", y = "X坐标"',
            "c25c_workplaces_xlsx_gk_zone_no_crs": "",
        },
    )
    variants(
        "districts",
        "510800_full.json",
        datav_districts,
        ', columns = { district_id = "adcode" }',
        {
            "c26_districts_datav_gcj02": ', datum_shift = "gcj02"',
            "c26b_districts_datav_gcj02_no_shift": "",
        },
    )
    raster = SAMPLE / "population.tif"
    case = new_case("c27_population_census_subdistricts")
    s = sample("subdistricts")
    s["常住人口"] = [f"{round(v):,}" for v in zonal_sums(s.geometry, raster)]
    write(s, case / "七普街道.gpkg", layer="街道")
    scenario(
        case,
        {},
        population='{ path = "七普街道.gpkg", layer = "街道", column = "常住人口" }',
    )
    case = new_case("c28_population_areas_own_column")
    a = sample("areas")
    a["人口"] = [round(v) for v in zonal_sums(a.geometry, raster)]
    write(a, case / "a.gpkg", layer="areas")
    scenario(
        case,
        {"areas": '{ path = "a.gpkg", layer = "areas" }'},
        population='{ path = "a.gpkg", layer = "areas", column = "人口" }',
    )
    p = sample("parcels")
    priced = np.flatnonzero(p["cost"].to_numpy() > 0)
    wan = np.random.default_rng(24).choice(priced, 5, replace=False)
    for name, in_wan in (
        ("c29_cost_5_wanyuan_among_yuan", lambda v: v / 10_000),
        ("c29b_cost_5_wanyuan_written_wan", lambda v: f"{v / 10_000:g}万"),
    ):
        case = new_case(name)
        q = p.copy()
        q["cost"] = q["cost"].astype(object)
        q.loc[q.index[wan], "cost"] = [in_wan(v) for v in p["cost"].iloc[wan]]
        if name.endswith("written_wan"):
            q["cost"] = q["cost"].map(str)
        else:
            q["cost"] = q["cost"].astype(float)
        write(q, case / "p.gpkg", layer="parcels")
        scenario(case, {"parcels": '{ path = "p.gpkg" }'})


def undoing_shift(parcels: gpd.GeoDataFrame, crs: str, dx: float, dy: float) -> list[float]:
    """The geocentric translation (dx, dy, dz of a ``towgs84``) from ``crs``'s datum to
    CGCS2000 that takes the parcels' centre, stored ``(dx, dy)`` off in ``crs``, back to
    where it is in EPSG:4544."""
    import pyproj

    x, y = parcels.geometry.union_all().centroid.coords[0]
    lon, lat = pyproj.Transformer.from_crs("EPSG:4544", "EPSG:4490", always_xy=True).transform(x, y)
    old = pyproj.CRS(crs)
    lon0, lat0 = pyproj.Transformer.from_crs(old, old.geodetic_crs, always_xy=True).transform(
        x + dx, y + dy
    )
    ellipsoid = old.geodetic_crs.ellipsoid
    before = pyproj.Transformer.from_crs(
        f"+proj=longlat +a={ellipsoid.semi_major_metre} +rf={ellipsoid.inverse_flattening}",
        f"+proj=geocent +a={ellipsoid.semi_major_metre} +rf={ellipsoid.inverse_flattening}",
        always_xy=True,
    ).transform(lon0, lat0, 0.0)
    after = pyproj.Transformer.from_crs(
        "+proj=longlat +ellps=GRS80", "+proj=geocent +ellps=GRS80", always_xy=True
    ).transform(lon, lat, 0.0)
    return [b - a for a, b in zip(before, after, strict=True)]


def curved(g) -> bytes:
    """A CURVEPOLYGON of one CIRCULARSTRING: a circle of the polygon's area at its centroid,
    inside a MULTISURFACE, as ArcGIS keeps a round plot."""
    c = g.centroid
    r = (g.area / np.pi) ** 0.5
    pts = [(c.x + r, c.y), (c.x - r, c.y), (c.x + r, c.y)]
    ring = struct.pack("<BII", 1, 8, 3) + b"".join(struct.pack("<dd", *p) for p in pts)
    poly = struct.pack("<BII", 1, 10, 1) + ring
    return struct.pack("<BII", 1, 12, 1) + poly


def pd_concat(frames: list[gpd.GeoDataFrame]) -> pd.DataFrame:
    return pd.concat(frames, ignore_index=True)


_SUMMARY = re.compile(r"for (\d+) required; shortfall (\d+); cost ([\d,]+)")
_HELD = re.compile(r"residential areas hold ([\d,]+)")


def run_case(case: Path, *, plan: bool, width: int = 160) -> dict[str, str]:
    """Validate (and plan) one case; its exit codes, figures and first words (``width``
    characters of them)."""
    siting = [sys.executable, "-m", "siting.cli"]
    row = {"case": case.name}
    checked = subprocess.run(
        [*siting, "validate", "scenario.toml"], cwd=case, capture_output=True, text=True
    )
    row["validate"] = str(checked.returncode)
    said = [
        line.strip(" -")
        for line in (checked.stdout + checked.stderr).splitlines()
        if line.startswith(("WARNING", "  - ", "Traceback", "error:"))
        and "Self-intersection" not in line
        and "no site within walking distance" not in line
    ]
    row["said"] = said[0][:width] if said else ""
    if plan:
        done = subprocess.run(
            [*siting, "plan", "scenario.toml", "--out", str(case / "plan"), "--no-map"],
            cwd=case,
            capture_output=True,
            text=True,
        )
        row["plan"] = str(done.returncode)
        found, held = _SUMMARY.search(done.stdout), _HELD.search(done.stdout)
        if found and held:
            row |= {"required": found[1], "short": found[2], "cost": found[3], "held": held[1]}
        elif "Traceback" in done.stderr and not row["said"]:
            row["said"] = done.stderr.strip().splitlines()[-1][:160]
    return row


def sweep_options(doc: str, out: Path) -> argparse.Namespace:
    """A hand-over sweep's options (``--out``, ``--only``, ``--no-plan``, ``--keep``); ``doc``
    is its module's docstring, ``out`` where it writes its cases by default."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--out", type=Path, default=out, help="where the cases are written")
    parser.add_argument("--only", nargs="*", help="case names (prefixes) to run")
    parser.add_argument("--no-plan", action="store_true", help="validate only")
    parser.add_argument(
        "--keep",
        action="store_true",
        help="run the cases already under --out (an older siting on PYTHONPATH, for example)",
    )
    return parser.parse_args()


def chosen_cases(out: Path, only: list[str] | None) -> list[Path]:
    """The cases written under ``out`` whose names start with one of ``only`` (all: None)."""
    cases = sorted(p for p in out.iterdir() if (p / "scenario.toml").is_file())
    return [c for c in cases if not only or any(c.name.startswith(o) for o in only)]


def sweep(module: ModuleType) -> None:
    """A hand-over sweep ``module``'s run: its options (:func:`sweep_options`, its docstring
    the description, its ``OUT`` where cases go by default), its cases written by its
    ``write_cases`` under ``--out`` (unless ``--keep``), and a row printed for each case
    chosen."""
    args = sweep_options(module.__doc__ or "", module.OUT)
    if not args.keep:
        module.OUT = args.out
        module.write_cases()
    print_cases(args.out, args)


def main() -> None:
    sweep(sys.modules[__name__])


def print_cases(out: Path, args: argparse.Namespace) -> None:
    """Run the cases under ``out`` that ``args`` (:func:`sweep_options`) choose, a row each."""
    for case in chosen_cases(out, args.only):
        row = run_case(case, plan=not args.no_plan)
        print(
            f"{row['case']:<36} validate {row['validate']} plan {row.get('plan', '-')} "
            f"required {row.get('required', '-'):>5} short {row.get('short', '-'):>4} "
            f"cost {row.get('cost', '-'):>12} held {row.get('held', '-'):>8}  {row['said']}",
            flush=True,
        )


if __name__ == "__main__":
    main()
