"""A housing bureau's or a street office's 小区 register as it arrives, validated and planned.

Run with ``.venv/bin/python -m benchmarks.handover_registers [--out DIR] [--only CASE ...]
[--no-plan] [--keep]``. Each case is the sample city (``data/sample``) with its residential
areas handed over as a register of points (the 182 outlines' representative points, in
CGCS2000 degrees to six decimals, ``crs = "EPSG:4490"``), written as the bureau's tools
leave it (seeded): an ``.xlsx`` under its title row (广元市利州区住宅小区名录) with a 序号
column, a 合计 row and 户数 written ``1200户``, ``1,200`` or left blank; coordinates picked
on Baidu's map (BD-09) with and without ``datum_shift = "bd09"``; both numbers in one
经纬度 column; a list of 老旧小区 with 建成年代 and no 类型 (``values = { status =
"old" }``); the register's 户数 as its own population (``counts = "dwellings"``) and as
the residents beside the raster (``[demand] residents = "dwellings"``, some 小区 without
户数); a GBK CSV without a BOM; 人口 written ``0.23万``; two 小区 of one name under two
编号, a list without 编号 and one 小区 without its 编号; a register of 20,000 rows spread
over the sample's districts (``validate`` timed); and the 42 villages as a 行政村 list
beside the towns' outlines. An old or rural 小区's 户数 is the raster's people on its
outline ÷ 2.36, rounded; a new one's its planned dwellings. For each it runs ``siting
validate`` and ``siting plan --no-map`` in a subprocess and prints a row: the exit codes,
the required slots, shortfall and cost of the plan, the people the areas hold, and the
first problem or warning. The clean sample plans 3,860 required slots, 228 short, at
340,661,000 CNY, its areas holding 314,588 people (from its outlines).
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import rasterio
import rasterio.mask

from benchmarks.handover_tables import SEQ, blank, write_csv
from benchmarks.handover_tables import write_xlsx as write_sheet
from benchmarks.handover_vectors import SAMPLE, STATUS_ZH, new_case, sample, scenario, sweep

OUT = Path("handover-registers")

TITLE = "广元市利州区住宅小区名录"
HEADER = ["小区编号", "小区名称", "类型", "户数", "经度", "纬度"]
DEGREES = ', crs = "EPSG:4490"'
PERSONS = 2.36

Row = list[Any]


def outline_people() -> np.ndarray:
    """The raster's people on each of the sample's 182 outlines (cells whose centres it
    holds), in the layer's order."""
    with rasterio.open(SAMPLE / "population.tif") as src:
        areas = sample("areas", str(src.crs))
        people = []
        for g in areas.geometry:
            cells, _ = rasterio.mask.mask(src, [g], crop=True, filled=False)
            people.append(float(cells.sum()))
    return np.array(people)


def register() -> list[dict[str, Any]]:
    """The sample's areas as a register's rows: 编号, 名称, 类型, 户数 (new: planned; old and
    rural: the outline's people ÷ 2.36), 人口 (the outline's people), 区县代码 and the
    outline's representative point in CGCS2000 degrees to six decimals."""
    areas = sample("areas")
    at = gpd.GeoSeries(areas.geometry.representative_point(), crs=areas.crs).to_crs("EPSG:4490")
    people = outline_people()
    rows = []
    for (_, a), p, n in zip(areas.iterrows(), at, people, strict=True):
        households = int(a["dwellings"]) if a["status"] == "new" else round(n / PERSONS)
        rows.append(
            {
                "小区编号": a["area_id"],
                "小区名称": a["name"],
                "类型": STATUS_ZH[a["status"]],
                "户数": households,
                "人口": round(n),
                "区县代码": str(a["district_id"]),
                "经度": round(p.x, 6),
                "纬度": round(p.y, 6),
                "status": a["status"],
            }
        )
    return rows


def write_xlsx(path: Path, rows: list[Row], *, merges: tuple[str, ...] = ()) -> Path:
    """``rows`` as an ``.xlsx`` of one sheet, 小区."""
    return write_sheet(path, rows, merges=merges, sheet="小区")


def table(rows: list[dict[str, Any]], header: list[str] = HEADER) -> list[Row]:
    return [header, *[[r.get(c) for c in header] for r in rows]]


def areas_case(name: str, file: str, keys: str = DEGREES, **kw: Any) -> Path:
    """A new case whose areas are ``file`` (written by the caller), read with ``keys``."""
    case = new_case(name, out=OUT)
    scenario(case, {"areas": f'{{ path = "{file}"{keys} }}'}, **kw)
    return case


def add_section(case: Path, text: str) -> None:
    toml = case / "scenario.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + text, encoding="utf-8")


def write_cases() -> None:
    """Write every case's files and ``scenario.toml`` under :data:`OUT`."""
    OUT.mkdir(parents=True, exist_ok=True)
    rows = register()
    rng = np.random.default_rng(18)
    write_csv(areas_case("r00_csv_plain", "x.csv") / "x.csv", table(rows), encoding="utf-8-sig")
    write_xlsx(areas_case("r00b_xlsx_plain", "x.xlsx") / "x.xlsx", table(rows))

    # 1. a title row, 序号, a 合计 row, 户数 as 1200户 / 1,200 / blank ---------------------
    forms = ("{}户", "{:,}", "{}", None)
    head = [SEQ, *HEADER]
    body = []
    for i, r in enumerate(rows, start=1):
        form = forms[int(rng.integers(len(forms)))] if r["status"] != "new" else "{}户"
        cell = None if form is None else form.format(r["户数"])
        body.append([i, r["小区编号"], r["小区名称"], r["类型"], cell, r["经度"], r["纬度"]])
    total = blank(len(head))
    total[0], total[4] = "合计", sum(r["户数"] for r in rows)
    case = areas_case("r01_xlsx_title_seq_total_units", "x.xlsx")
    write_xlsx(
        case / "x.xlsx",
        [[TITLE, *blank(len(head) - 1)], head, *body, total],
        merges=("A1:G1",),
    )

    # 2. Baidu's BD-09, with and without datum_shift ---------------------------------------
    from siting.gcj02 import wgs84_to_bd09

    lon, lat = wgs84_to_bd09(
        np.array([r["经度"] for r in rows]), np.array([r["纬度"] for r in rows])
    )
    baidu = [
        dict(r, 经度=round(x, 6), 纬度=round(y, 6)) for r, x, y in zip(rows, lon, lat, strict=True)
    ]
    case = areas_case("r02_bd09_datum_shift", "x.xlsx", DEGREES + ', datum_shift = "bd09"')
    write_xlsx(case / "x.xlsx", table(baidu))
    write_xlsx(areas_case("r02b_bd09_undeclared", "x.xlsx") / "x.xlsx", table(baidu))

    # 3. both numbers in one 经纬度 column ----------------------------------------------------
    one = [dict(r, 经纬度=f"{r['经度']},{r['纬度']}") for r in rows]
    case = areas_case("r03_one_lnglat_column", "x.xlsx")
    write_xlsx(case / "x.xlsx", table(one, [*HEADER[:4], "经纬度"]))
    case = areas_case("r03b_one_lnglat_column_csv", "x.csv")
    write_csv(case / "x.csv", table(one, [*HEADER[:4], "经纬度"]), encoding="utf-8-sig")

    # 4. 老旧小区 with 建成年代, no 类型 -------------------------------------------------------
    old = [
        dict(r, 建成年代=f"{int(rng.integers(1985, 2005))}年") for r in rows if r["status"] == "old"
    ]
    case = areas_case(
        "r04_old_year_built_no_type", "x.xlsx", DEGREES + ', values = { status = "old" }'
    )
    write_xlsx(
        case / "x.xlsx", table(old, ["小区编号", "小区名称", "建成年代", "户数", "经度", "纬度"])
    )

    # 5. 户数 only, as its own population -----------------------------------------------------
    case = areas_case(
        "r05_dwellings_own_population",
        "x.xlsx",
        population='{ path = "x.xlsx", column = "户数", counts = "dwellings", crs = "EPSG:4490" }',
    )
    write_xlsx(case / "x.xlsx", table(rows))

    # 6. [demand] residents = "dwellings" with the raster, some 小区 without 户数 ------------
    some = [dict(r, 户数=None) if r["status"] != "new" and rng.random() < 0.2 else r for r in rows]
    case = areas_case("r06_residents_dwellings_some_blank", "x.xlsx")
    write_xlsx(case / "x.xlsx", table(some))
    add_section(case, '\n[demand]\nresidents = "dwellings"\n')

    # 7. GBK CSV without BOM; 人口 as 0.23万 -------------------------------------------------
    write_csv(areas_case("r07_gbk_csv_no_bom", "x.csv") / "x.csv", table(rows), encoding="gbk")
    wan = [
        dict(r, 人口=f"{r['人口'] / 1e4:.2f}万" if i % 3 == 0 else r["人口"])
        for i, r in enumerate(rows)
    ]
    case = areas_case(
        "r07b_population_wan",
        "x.xlsx",
        population='{ path = "x.xlsx", column = "人口", crs = "EPSG:4490" }',
    )
    write_xlsx(case / "x.xlsx", table(wan, [*HEADER[:4], "人口", *HEADER[4:]]))

    # 8. ids: one name under two 编号, no 编号 column, one 小区 without 编号 --------------
    twins = [dict(r) for r in rows]
    twins[5]["小区名称"] = twins[4]["小区名称"]
    write_xlsx(areas_case("r08_one_name_two_ids", "x.xlsx") / "x.xlsx", table(twins))
    case = areas_case("r08b_no_id_column", "x.xlsx")
    write_xlsx(case / "x.xlsx", table(rows, HEADER[1:]))
    case = areas_case("r08c_no_id_column_one_name_twice", "x.xlsx")
    write_xlsx(case / "x.xlsx", table(twins, HEADER[1:]))
    gap = [dict(r) for r in rows]
    gap[7]["小区编号"] = None
    write_xlsx(areas_case("r08d_one_row_without_id", "x.xlsx") / "x.xlsx", table(gap))

    # 9. 20,000 rows spread over the districts ----------------------------------------------
    write_xlsx(areas_case("r09_twenty_thousand_rows", "x.xlsx") / "x.xlsx", many_rows(20_000))

    # 10. the villages as a 行政村 list: alone, and beside the towns' outlines ----------------
    villages = [r for r in rows if r["status"] == "rural"]
    head = ["村代码", "行政村名称", "户数", "经度", "纬度"]
    listed = [
        [
            f"{r['区县代码']}{101 + i // 10:03d}{201 + i:03d}",
            r["小区名称"],
            r["户数"],
            r["经度"],
            r["纬度"],
        ]
        for i, r in enumerate(villages)
    ]
    case = areas_case("r10_village_list", "v.xlsx", DEGREES + ', values = { status = "rural" }')
    write_xlsx(case / "v.xlsx", [head, *listed])
    case = areas_case("r10b_village_list_beside_towns", "")
    towns = sample("areas")
    towns[towns["status"] != "rural"].to_file(case / "towns.gpkg", layer="areas", engine="pyogrio")
    write_xlsx(case / "v.xlsx", [[*head, "类型"], *[[*r, "行政村"] for r in listed]])
    scenario(case, {"areas": '{ path = ["towns.gpkg", "v.xlsx"], crs = "EPSG:4490" }'})


def many_rows(n: int) -> list[Row]:
    """``n`` 小区 at seeded points inside the sample's districts (a district a row's share
    by its land), 类型 old, new or rural (6 : 2 : 2), 户数 100–2,000."""
    rng = np.random.default_rng(20_000)
    districts = sample("districts")
    land = districts.geometry.union_all()
    x0, y0, x1, y1 = land.bounds
    import shapely

    points: list[Any] = []
    while len(points) < n:
        xy = rng.uniform((x0, y0), (x1, y1), size=(4 * n, 2))
        p = shapely.points(xy)
        points += list(p[shapely.contains_xy(land, xy[:, 0], xy[:, 1])])
    at = gpd.GeoSeries(points[:n], crs=districts.crs).to_crs("EPSG:4490")
    kinds = rng.choice(["老旧小区", "新建", "农村"], size=n, p=[0.6, 0.2, 0.2])
    households = rng.integers(100, 2001, size=n)
    rows = [
        [f"R{i:05d}", f"小区{i}", k, int(h), round(p.x, 6), round(p.y, 6)]
        for i, (k, h, p) in enumerate(zip(kinds, households, at, strict=True), start=1)
    ]
    return [HEADER, *rows]


def timed_validate(case: Path) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "siting.cli", "validate", "scenario.toml"],
        cwd=case,
        capture_output=True,
    )
    return time.perf_counter() - start


def main() -> None:
    sweep(sys.modules[__name__])
    big = OUT / "r09_twenty_thousand_rows"
    if big.is_dir():
        print(f"r09: siting validate took {timed_validate(big):.1f} s", flush=True)


if __name__ == "__main__":
    main()
