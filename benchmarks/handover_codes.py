"""A bureau's codes and ids as Excel and DBF number fields leave them, validated and planned.

Run with ``.venv/bin/python -m benchmarks.handover_codes [--out DIR] [--only CASE ...]
[--no-plan] [--keep]``. Each case is the sample city (``data/sample``) with one layer's
codes handed over mangled (seeded): 区县代码 510802 as a number in an ``.xlsx`` and as
``510802.0`` text (pandas' CSV of a float column with an empty cell), 18-digit 统一社会
信用代码 as Excel's CSV writes them (``1.25108E+17``) and as an ``.xlsx`` number (15 digits
kept), thousands separators (``510,802``), full-width digits, spaces and a tab; the areas
as a Shapefile whose DBF holds the codes as integers or as floats (``510802.0``, one
empty), the districts with the code as an integer ``adcode``, 12-digit 统计用区划代码 for
the subdistricts with the areas' codes as Excel's CSV left them (``5.10802E+11``, joined
into the Shapefile), as floats and as a File Geodatabase's single-precision floats, and
codes that lost their leading zeros. For each it runs ``siting validate`` and ``siting
plan --no-map`` in a subprocess and prints a row: the exit codes, the required slots,
shortfall and cost of the plan, the first problem or warning, and whether the plan's
areas lie in the districts they lie in in the clean plan (``areas`` the count per
district; ``R5`` the districts with a demonstration facility). The clean sample plans
3,860 required slots, 228 short, at 340,661,000 CNY.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import pandas as pd

from benchmarks.handover_tables import facility_rows, write_csv, write_xlsx
from benchmarks.handover_vectors import (
    FACILITY_ZH,
    chosen_cases,
    cols,
    new_case,
    run_case,
    sample,
    scenario,
    sweep_options,
    write,
)

OUT = Path("handover-codes")

DEGREES = ', crs = "EPSG:4490"'
COLUMNS = f", columns = {cols(FACILITY_ZH)}"
CREDIT = [f"1251080045000000{i:02d}" for i in range(1, 11)]
"""Ten 统一社会信用代码 of public institutions (事业单位, 12…), all digits: the facilities' ids."""
STATS = {s: f"{s}000" for s in sample("subdistricts")["subdistrict_id"]}
"""The subdistricts' 12-digit 统计用区划代码 (510802003 → 510802003000)."""


def excel_general(code: str) -> str:
    """A code of 12 digits or more as Excel's General format shows it, and so saves it in a
    CSV: six significant digits (510802003000 → ``5.10802E+11``)."""
    mantissa, exponent = f"{float(code):.5E}".split("E")
    return f"{mantissa.rstrip('0').rstrip('.')}E{exponent}"


def fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in text)


def facilities(
    name: str,
    file: str,
    district: Callable[[str, int], object] | None = None,
    ident: Callable[[str, int], object] | None = None,
) -> None:
    """A case whose facilities are the commission's list (``.xlsx`` or CSV by ``file``'s
    suffix), each row's 所属区县代码 ``district(code, i)`` and 备案编号 ``ident(id, i)``."""
    header, rows = facility_rows()
    at, fid = header.index("所属区县代码"), header.index("备案编号")
    for i, row in enumerate(rows):
        if district is not None:
            row[at] = district(row[at], i)
        if ident is not None:
            row[fid] = ident(row[fid], i)
    case = new_case(name, out=OUT)
    scenario(case, {"facilities": f'{{ path = "{file}"{DEGREES}{COLUMNS} }}'})
    if file.endswith(".xlsx"):
        write_xlsx(case / file, [header, *rows])
    else:
        write_csv(case / file, [header, *rows])


def areas_case(
    name: str,
    areas: gpd.GeoDataFrame,
    *,
    file: str = "a.gpkg",
    subdistricts: gpd.GeoDataFrame | None = None,
    districts: tuple[gpd.GeoDataFrame, str] | None = None,
    keys: str = "",
) -> None:
    """A case with the areas (and the subdistricts, the districts with their id column's
    name) given: ``file`` (a Shapefile: short names, ``dist`` and ``subdist``)."""
    case = new_case(name, out=OUT)
    layers = {}
    if file.endswith(".shp"):
        areas = areas.rename(columns={"district_id": "dist", "subdistrict_id": "subdist"})
        keys += ', columns = { district_id = "dist", subdistrict_id = "subdist" }'
    write(areas, case / file, layer=None if file.endswith(".shp") else "areas")
    layers["areas"] = f'{{ path = "{file}"{keys} }}'
    if subdistricts is not None:
        write(subdistricts, case / "s.gpkg", layer="subdistricts")
        layers["subdistricts"] = '{ path = "s.gpkg" }'
    if districts is not None:
        frame, column = districts
        write(frame, case / "d.gpkg", layer="districts")
        layers["districts"] = f'{{ path = "d.gpkg", columns = {{ district_id = "{column}" }} }}'
    scenario(case, layers)


def write_cases() -> None:
    """Write every case's files and ``scenario.toml`` under :data:`OUT`."""
    OUT.mkdir(parents=True, exist_ok=True)
    # 1. the facilities' 所属区县代码 in a commission's table ----------------------------------
    facilities("k01_xlsx_district_number", "f.xlsx", lambda c, i: int(c))
    facilities(
        "k02_xlsx_district_number_one_empty", "f.xlsx", lambda c, i: None if i == 3 else int(c)
    )
    facilities("k03_csv_district_float_text", "f.csv", lambda c, i: "" if i == 3 else f"{c}.0")
    facilities("k04_csv_district_thousands", "f.csv", lambda c, i: f"{int(c):,}")
    facilities("k05_csv_district_fullwidth", "f.csv", lambda c, i: fullwidth(c))
    facilities("k06_csv_district_spaces_tab", "f.csv", lambda c, i: f" {c}\t" if i % 2 else f"{c} ")
    facilities("k07_xlsx_district_fullwidth_space", "f.xlsx", lambda c, i: f"\u3000{fullwidth(c)}")
    # 2. the facilities' ids as 18-digit credit codes ------------------------------------------
    facilities("k10_xlsx_credit_text", "f.xlsx", ident=lambda f, i: CREDIT[i])
    facilities("k11_csv_credit_scientific", "f.csv", ident=lambda f, i: excel_general(CREDIT[i]))
    facilities(
        "k12_xlsx_credit_number_15_digits",
        "f.xlsx",
        ident=lambda f, i: float(f"{float(CREDIT[i]):.14e}"),
    )
    # 3. the areas' codes in a Shapefile's DBF, the districts' as a number --------------------
    a = sample("areas")
    ints = a.assign(district_id=a["district_id"].astype("int64"))
    ints["subdistrict_id"] = ints["subdistrict_id"].astype("int64")
    areas_case("k20_shp_codes_integer", ints, file="a.shp")
    floats = ints.assign(district_id=ints["district_id"].astype(float))
    floats["subdistrict_id"] = floats["subdistrict_id"].astype(float)
    areas_case("k21_shp_codes_float", floats, file="a.shp")
    empty = floats.copy()
    empty.loc[[0, 5], "district_id"] = float("nan")
    areas_case("k22_shp_codes_float_two_empty", empty, file="a.shp")
    d = sample("districts").rename(columns={"district_id": "adcode"})
    areas_case(
        "k23_districts_adcode_integer",
        a,
        districts=(d.assign(adcode=d["adcode"].astype("int64")), "adcode"),
    )
    areas_case(
        "k24_districts_adcode_float_areas_text",
        a,
        districts=(d.assign(adcode=d["adcode"].astype(float)), "adcode"),
    )
    # 4. 12-digit 统计用区划代码 for the subdistricts --------------------------------------------
    s = sample("subdistricts")
    s12 = s.assign(subdistrict_id=s["subdistrict_id"].map(STATS))
    a12 = a.assign(subdistrict_id=a["subdistrict_id"].map(STATS))
    areas_case("k30_stats_codes_text", a12, subdistricts=s12)
    areas_case(
        "k31_stats_codes_float",
        a12.assign(subdistrict_id=a12["subdistrict_id"].astype(float)),
        file="a.shp",
        subdistricts=s12,
    )
    areas_case(
        "k32_stats_codes_scientific",
        a12.assign(subdistrict_id=a12["subdistrict_id"].map(excel_general)),
        file="a.shp",
        subdistricts=s12,
    )
    areas_case("k34_stats_codes_beside_9_digit_areas", a, subdistricts=s12)
    county = {c: f"{c}000000" for c in d["adcode"]}
    areas_case(
        "k35_districts_12_digit", a, districts=(d.assign(adcode=d["adcode"].map(county)), "adcode")
    )
    gdb = new_case("k33_filegdb_single_float", out=OUT)
    write(
        a.assign(subdistrict_id=a["subdistrict_id"].astype("float32")),
        gdb / "a.gdb",
        layer="areas",
        driver="OpenFileGDB",
    )
    scenario(gdb, {"areas": '{ path = "a.gdb", layer = "areas" }'})
    # 5. leading zeros ------------------------------------------------------------------------
    zeros = {sid: f"{i + 1:04d}" for i, sid in enumerate(s["subdistrict_id"])}
    areas_case(
        "k40_zeros_lost_in_areas",
        a.assign(subdistrict_id=a["subdistrict_id"].map(zeros).astype(int)),
        subdistricts=s.assign(subdistrict_id=s["subdistrict_id"].map(zeros)),
    )
    areas_case(
        "k41_zeros_lost_in_subdistricts",
        a.assign(subdistrict_id=a["subdistrict_id"].map(zeros)),
        subdistricts=s.assign(subdistrict_id=s["subdistrict_id"].map(zeros).astype(int)),
    )


def by_district(plan: Path) -> str:
    """The plan's areas per district (``510802:133 …``) and the districts with a
    demonstration facility, a district's 统计用区划代码 (510802000000) as its 6 digits."""
    areas = json.loads((plan / "areas.geojson").read_text(encoding="utf-8"))
    counts = pd.Series(
        [str(f["properties"].get("district_id")).removesuffix("000000") for f in areas["features"]]
    )
    said = " ".join(f"{k}:{v}" for k, v in counts.value_counts().sort_index().items())
    table = pd.read_csv(plan / "districts.csv", dtype={"district_id": str})
    shown = table.loc[table["demonstration_present"].astype(bool), "district_id"]
    return f"areas {said} R5 {','.join(d.removesuffix('000000') for d in shown)}"


def main() -> None:
    global OUT
    args = sweep_options(__doc__ or "", OUT)
    OUT = args.out
    if not args.keep:
        write_cases()
    clean = "" if args.no_plan else by_district(_clean_plan())
    if clean:
        print(f"{'clean sample':<40} {clean}", flush=True)
    for case in chosen_cases(args.out, args.only):
        if case.name == "clean":
            continue
        shutil.rmtree(case / "plan", ignore_errors=True)  # a plan of an earlier run
        row = run_case(case, plan=not args.no_plan, width=1000)
        said = re.sub(r"^file [^:]*: ", "", row["said"])[:300]
        plan = case / "plan"
        where = by_district(plan) if (plan / "areas.geojson").is_file() else ""
        kept = "" if not where else ("kept" if where == clean else f"MOVED {where}")
        print(
            f"{row['case']:<40} validate {row['validate']} plan {row.get('plan', '-')} "
            f"required {row.get('required', '-'):>5} short {row.get('short', '-'):>4} "
            f"cost {row.get('cost', '-'):>12} {kept:<5} {said}",
            flush=True,
        )


def _clean_plan() -> Path:
    """The clean sample's plan, under ``OUT``."""
    case = new_case("clean", out=OUT)
    scenario(case, {})
    run_case(case, plan=True)
    return case / "plan"


if __name__ == "__main__":
    main()
