"""A health commission's register of 托育机构 or a bureau's list of employers placed by the
小区 its addresses name, as real registers write them.

Run with ``.venv/bin/python -m benchmarks.handover_addresses [--out DIR] [--only CASE ...]
[--no-plan] [--keep]``. Each case is the sample city (``data/sample``) with its facilities
(or once its workplaces) handed over as a table of 机构编号, 机构名称, 地址 and 托位数
without coordinates, read with ``address = "地址"``, its addresses built (seeded) from the
sample's 182 area names and its districts' and subdistricts' names as clerks write them:
省市区街道 prefixes with 栋/单元/号/楼/室 after; the 小区 with its suffix dropped, another
one added, 一期/二期 after; a 社区 (居委会) or a 行政村 (村委会) before it or in brackets
after; full-width digits and spaces; road, school and hospital addresses that name no
小区 (嘉陵路12号, 明月小学), and roads before a 小区; two 小区 of one name in two
counties; a county or a 区县代码 that disagrees with the 小区's; 经度/纬度 for some rows
of an ``.xlsx``; a GBK CSV; and a list of employers (职工人数, 外来务工人员数). Each
row's area is the one the
generator meant, or none (an address that names no 小区, or that names it with a county
it is not in).

For each case it places the rows as ``siting validate`` does (in this process, the
streets left out, :func:`siting.inputs._address.place_by_address` watched) and counts the
rows kept at their coordinates, placed at the area meant (right), placed at another area
(WRONG, the worst), refused as naming no area and refused as ambiguous (or as named with
another county), and of the refused those meant to be placed; then it runs ``siting
validate`` and ``siting plan --no-map`` in a subprocess (the plan runs only when every row
is placed) and prints their exit codes, the plan's required slots, shortfall and cost, and
the first problem of the addresses (else the first problem or warning).
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from benchmarks.handover_tables import write_csv, write_xlsx
from benchmarks.handover_vectors import (
    chosen_cases,
    new_case,
    run_case,
    sample,
    scenario,
    sweep_options,
)

OUT = Path("handover-addresses")

HEADER = ["机构编号", "机构名称", "地址", "托位数"]
FACILITIES = (
    '{{ path = "{file}", columns = {{ facility_id = "机构编号", slots = "托位数"{more} }}, '
    'address = "地址"{keys} }}'
)
WORKPLACES = (
    '{{ path = "{file}", columns = {{ workplace_id = "统一社会信用代码", '
    'migrant_workers = "外来务工人员数" }}, address = "地址"{keys} }}'
)
MEANT = "meant.json"
"""Each case's rows: the area the generator meant (its id), null for none, "coords" for a
row with its own coordinates."""

SUFFIXES = ("宿舍区", "小区", "花园", "家园", "新村", "社区", "公寓", "锦园", "华府", "悦府")
SUFFIXES += ("壹号", "御景", "新城", "苑", "村")
COMMITTEES = ("东坝社区", "南河社区", "河西社区", "上西社区", "万缘社区", "北门社区", "嘉陵社区")
"""社区 (居委会) written before a 小区 (of a town: a village has its 村委会 instead, a11):
four that no area is called, three that areas are."""


def village(name: str) -> bool:
    """Whether ``name`` is a 行政村's (赵家村; not 华龙新村)."""
    return name.endswith("村") and not name.endswith("新村")


class Areas:
    """The sample's areas (or a case's copy) with their districts' and subdistricts'
    names, and the seeded writing of addresses."""

    def __init__(self, areas: gpd.GeoDataFrame, rng: np.random.Generator) -> None:
        self.areas = areas.set_index("area_id")
        self.rng = rng
        self.district = dict(sample("districts")[["district_id", "name"]].to_numpy())
        self.subdistrict = dict(sample("subdistricts")[["subdistrict_id", "name"]].to_numpy())

    def pick(self, n: int, *, where: Callable[[str], bool] = lambda name: True) -> list[str]:
        ids = [a for a, name in self.areas["name"].items() if where(str(name))]
        return [str(a) for a in self.rng.choice(ids, size=n, replace=False)]

    def name(self, area: str) -> str:
        return str(self.areas.at[area, "name"])

    def county(self, area: str) -> str:
        return self.district[self.areas.at[area, "district_id"]]

    def prefix(self, area: str) -> str:
        """省市区街道 as clerks write them, from none to all."""
        county, street = self.county(area), self.subdistrict[self.areas.at[area, "subdistrict_id"]]
        forms = ("", "广元市", "四川省广元市{c}", "广元市{c}{s}", "四川省广元市{c}{s}办事处")
        forms += ("{c}{s}", "{s}", "广元市{c}")
        return str(self.rng.choice(forms)).format(c=county, s=street)

    def door(self) -> str:
        """门牌 and 栋/单元/号/楼/室 after the 小区."""
        n, u, r = (int(v) for v in self.rng.integers(1, 30, size=3))
        forms = ("{n}栋{u}单元{r}02室", "{n}号", "{n}号楼", "{n}幢{u}单元", "{n}栋1楼门面")
        forms += ("{n}-{u}-{r}", "附{n}号", "", "{u}期{n}栋", "内")
        return str(self.rng.choice(forms)).format(n=n, u=u % 3 + 1, r=r % 6 + 1)

    def stem(self, area: str) -> str:
        """The area's name without its suffix (华龙新村: 华龙)."""
        name = self.name(area)
        return next((name.removesuffix(s) for s in SUFFIXES if name.endswith(s)), name)

    def swapped(self, area: str) -> str:
        """The area's stem with another suffix (华龙新村: 华龙小区), or the stem alone when
        that is another area's name (文化壹号: not 文化小区, an area of the sample)."""
        other = self.stem(area) + ("小区" if not self.name(area).endswith("小区") else "花园")
        return self.stem(area) if other in set(self.areas["name"]) else other

    def address(self, area: str) -> str:
        return self.prefix(area) + self.name(area) + self.door()


def rows_of(
    addresses: list[tuple[str, str | None]], *, start: int = 1, kind: str = "托育中心"
) -> tuple[list[list[Any]], dict[str, str | None]]:
    """A register's rows (机构编号, 机构名称, 地址, 托位数) of ``(address, meant area)``, and
    each row's meant area by its 机构编号."""
    rows, meant = [], {}
    for i, (address, area) in enumerate(addresses, start=start):
        own = f"TY{i:04d}"
        rows.append([own, f"第{i}{kind}", address, 20 + 10 * (i % 8)])
        meant[own] = area
    return rows, meant


def facilities_case(
    name: str,
    rows: list[list[Any]],
    meant: dict[str, str | None],
    *,
    header: list[str] = HEADER,
    file: str = "托育机构备案名单.xlsx",
    keys: str = "",
    more: str = "",
    layers: dict[str, str] | None = None,
    encoding: str = "utf-8-sig",
) -> Path:
    """A case whose facilities are ``rows`` under ``header`` in ``file`` (.xlsx or CSV)."""
    case = new_case(name, out=OUT)
    if file.endswith(".xlsx"):
        write_xlsx(case / file, [header, *rows])
    else:
        write_csv(case / file, [header, *rows], encoding=encoding)
    entry = FACILITIES.format(file=file, more=more, keys=keys)
    scenario(case, {"facilities": entry, **(layers or {})})
    (case / MEANT).write_text(json.dumps(meant, ensure_ascii=False), encoding="utf-8")
    return case


def write_cases() -> None:
    """Write every case's files, ``scenario.toml`` and meant areas under :data:`OUT`."""
    OUT.mkdir(parents=True, exist_ok=True)
    city = Areas(sample("areas"), np.random.default_rng(19))

    # 1. 省市区街道 before, 栋/单元/号/室 after ----------------------------------------------
    picked = city.pick(60)
    facilities_case("a01_prefix_door", *rows_of([(city.address(a), a) for a in picked]))

    # 2. the 小区 with its suffix dropped, another added, 一期/二期 after -------------------
    towns = city.pick(60, where=lambda n: not n.endswith("村") or n.endswith("新村"))
    forms: list[Callable[[str], str]] = [
        lambda a: city.name(a).removesuffix("小区") + "小区",  # 华龙新村小区
        lambda a: city.name(a) + str(city.rng.choice(["一期", "二期", "三期"])),
        lambda a: city.stem(a),  # 华龙
        lambda a: city.swapped(a),  # 华龙小区
    ]
    written = [
        (city.prefix(a) + forms[i % len(forms)](a) + city.door(), a) for i, a in enumerate(towns)
    ]
    villages = city.pick(12, where=lambda n: n.endswith("村") and not n.endswith("新村"))
    written += [
        (city.prefix(a) + city.name(a) + f"{1 + i % 9}组", a) for i, a in enumerate(villages)
    ]
    facilities_case("a02_suffix_forms", *rows_of(written))

    # 3. a 社区 (居委会) before the 小区, or in brackets after -------------------------------
    committee_names = {c.removesuffix("社区") for c in COMMITTEES}
    plain = city.pick(56, where=lambda n: not n.endswith("社区") and not village(n))
    forms = [
        lambda a, c: f"{c}{city.name(a)}",
        lambda a, c: f"{c}居委会{city.name(a)}",
        lambda a, c: f"{city.name(a)}（{c}）",
        lambda a, c: f"{c}{city.name(a).removesuffix('小区')}小区",
    ]
    written = []
    for i, a in enumerate(plain):
        c = COMMITTEES[i % len(COMMITTEES)]
        if city.stem(a) in committee_names:
            c = COMMITTEES[0]
        written.append((city.prefix(a) + forms[(i // len(COMMITTEES)) % 4](a, c) + city.door(), a))
    facilities_case("a03_community_before", *rows_of(written))

    # 4. full-width digits and spaces, a space inside the name ------------------------------
    picked = city.pick(40)
    wide = str.maketrans("0123456789-", "０１２３４５６７８９－")
    written = []
    for i, a in enumerate(picked):
        name = city.name(a)
        name = name[:2] + " " + name[2:] if i % 3 == 0 else name
        text = f"{city.prefix(a)}　{name}　{city.door()}".translate(wide)
        written.append((text if i % 2 else text.replace("　", " "), a))
    facilities_case("a04_full_width_spaces", *rows_of(written))

    # 5. roads, schools and hospitals naming no 小区; a road before a 小区 -------------------
    stems = sorted({city.stem(a) for a in city.areas.index})
    chosen = [str(s) for s in city.rng.choice(stems, size=30, replace=False)]
    nowhere = ("路{n}号", "街{n}号", "大道{n}段", "巷{n}号", "小学", "中学", "幼儿园旁", "医院")
    written = [
        ("广元市利州区" + s + nowhere[i % len(nowhere)].format(n=3 + i), None)
        for i, s in enumerate(chosen)
    ]
    written += [
        ("广元市利州区" + s, None)
        for s in ("嘉陵路12号", "利州东路二段88号", "蜀门南路", "市中心医院旁", "万达广场3楼")
    ]
    picked = city.pick(25)
    written += [
        (f"广元市{city.county(a)}{city.stem(a)}路{i + 1}号{city.name(a)}{city.door()}", a)
        for i, a in enumerate(picked[:15])
    ]
    written += [(f"{city.prefix(a)}{city.name(a)}幼儿园", a) for a in picked[15:]]
    facilities_case("a05_roads_schools", *rows_of(written))

    # 6. two 小区 of one name in two counties -----------------------------------------------
    twins = sample("areas")
    renamed = {"A042": "华龙新村", "A080": "明月小区", "A107": "桃园苑"}  # 昭化区, 朝天区, 昭化区
    for area, name in renamed.items():
        twins.loc[twins["area_id"] == area, "name"] = name
    city_twins = Areas(twins, city.rng)
    pairs = [("A005", "A042"), ("A003", "A080"), ("A006", "A107")]
    written, codes = [], []
    for pair in pairs:
        for a in pair:
            district = str(city_twins.areas.at[a, "district_id"])
            for form in range(4):
                door = city_twins.door()
                name = city_twins.name(a)
                if form == 0:  # its 区县代码 given
                    written.append((f"广元市{name}{door}", a))
                    codes.append(district)
                elif form == 1:  # its county in the address
                    written.append((f"广元市{city_twins.county(a)}{name}{door}", a))
                    codes.append("")
                elif form == 2:  # neither: two areas are called so
                    written.append((f"广元市{name}{door}", None))
                    codes.append("")
                else:  # its county's code and its county
                    written.append((f"{city_twins.county(a)}{name}{door}", a))
                    codes.append(district)
    rows, meant = rows_of(written)
    rows = [[*r[:3], c, r[3]] for r, c in zip(rows, codes, strict=True)]
    layer = '{ path = "areas.gpkg", layer = "areas" }'
    head = [*HEADER[:3], "区县代码", HEADER[3]]
    case = facilities_case(
        "a06_two_of_one_name",
        rows,
        meant,
        header=head,
        more=', district_id = "区县代码"',
        layers={"areas": layer},
    )
    twins.to_file(case / "areas.gpkg", layer="areas", engine="pyogrio")

    # 7. a county, or a 区县代码, other than the 小区's ---------------------------------------
    counties = list(city.district.items())
    picked = city.pick(30)
    written, codes = [], []
    for i, a in enumerate(picked):
        own = str(city.areas.at[a, "district_id"])
        other_code, other = next((c, n) for c, n in counties if c != own)
        if i % 3 == 0:  # the address names another county
            written.append((f"广元市{other}{city.name(a)}{city.door()}", None))
            codes.append("")
        elif i % 3 == 1:  # the row's 区县代码 is another county's
            written.append((f"广元市{city.name(a)}{city.door()}", None))
            codes.append(other_code)
        else:  # both agree
            written.append((f"广元市{city.county(a)}{city.name(a)}{city.door()}", a))
            codes.append(own)
    rows, meant = rows_of(written)
    rows = [[*r[:3], c, r[3]] for r, c in zip(rows, codes, strict=True)]
    facilities_case(
        "a07_county_disagrees", rows, meant, header=head, more=', district_id = "区县代码"'
    )

    # 8. an .xlsx with 经度/纬度 for a third of its rows ---------------------------------------
    picked = city.pick(30)
    at = gpd.GeoSeries(
        city.areas.loc[picked].geometry.representative_point(), crs=city.areas.crs
    ).to_crs("EPSG:4490")
    rows, meant = rows_of([(city.address(a), a) for a in picked])
    for i, (row, p) in enumerate(zip(rows, at, strict=True)):
        given = i % 3 == 0
        row += [round(p.x, 6), round(p.y, 6)] if given else [None, None]
        meant[row[0]] = "coords" if given else meant[row[0]]
    facilities_case(
        "a08_xlsx_some_coordinates",
        rows,
        meant,
        header=[*HEADER, "经度", "纬度"],
        keys=', crs = "EPSG:4490"',
    )

    # 9. a GBK CSV -----------------------------------------------------------------------------
    picked = city.pick(40)
    rows, meant = rows_of([(city.address(a), a) for a in picked])
    facilities_case("a09_gbk_csv", rows, meant, file="托育机构备案名单.csv", encoding="gbk")

    # 10. a list of employers: shops in 小区, factories on roads and in parks ----------------
    picked = city.pick(24)
    written = [(f"{city.prefix(a)}{city.name(a)}{city.door()}", a) for a in picked]
    written += [
        ("广元经济技术开发区袁家坝工业园", None),
        ("利州区南河街道嘉陵路12号", None),
        ("昭化区宝轮镇宝轮工业园区", None),
        ("朝天区朝天镇物流园3号库", None),
        ("广元市利州区利州东路二段", None),
        ("广元市中心医院", None),
    ]
    employers = [["统一社会信用代码", "单位名称", "地址", "职工人数", "外来务工人员数"]]
    meant = {}
    for i, (address, area) in enumerate(written, start=1):
        own = f"91510802MA{i:08d}"
        employers.append([own, f"第{i}用工单位", address, 30 + 7 * i, 5 + 3 * i])
        meant[own] = area
    case = new_case("a10_workplaces", out=OUT)
    write_xlsx(case / "用工单位.xlsx", employers, sheet="用工单位")
    scenario(case, {"workplaces": WORKPLACES.format(file="用工单位.xlsx", keys="")})
    (case / MEANT).write_text(json.dumps(meant, ensure_ascii=False), encoding="utf-8")

    # 11. a 行政村 (村委会) before a 小区 built on its land, or in brackets after ------------
    picked = city.pick(30, where=lambda n: not village(n) and not n.endswith("社区"))
    forms = [
        lambda a, v: f"{v}{city.name(a)}",
        lambda a, v: f"{v}村委会{city.name(a)}",
        lambda a, v: f"{city.name(a)}（{v}）",
    ]
    written = []
    for i, a in enumerate(picked):
        near = city.pick(1, where=village)[0]  # a village of the sample, not necessarily near
        v = city.name(near)
        written.append((city.prefix(a) + forms[i % 3](a, v) + city.door(), a))
    facilities_case("a11_village_before", *rows_of(written))


def placements(case: Path) -> dict[str, Any]:
    """Each row's fate in ``case`` as ``siting validate`` places it (streets left out):
    ``{"placed": {id: area id}, "refused": {id: "none" | "ambiguous"}}``."""
    import siting.inputs._load as load
    from siting.inputs import check_inputs
    from siting.inputs._address import _points
    from siting.scenario import load_scenario

    seen: dict[str, str] = {}
    original = load.place_by_address

    def watched(layers: dict[str, gpd.GeoDataFrame], *args: Any, **kw: Any) -> None:
        empty = {
            n: set(f.index[shapely.is_missing(f.geometry.to_numpy()) | f.geometry.is_empty])
            for n, f in layers.items()
            if n in ("facilities", "workplaces")
        }
        original(layers, *args, **kw)
        areas = layers["areas"]
        at = gpd.GeoSeries(_points(areas, kw["area_points"]), index=areas.index)
        for name, rows in empty.items():
            frame = layers[name]
            for own in rows:
                g = frame.geometry[own]
                if g is not None and not g.is_empty:
                    seen[str(own)] = str(at.index[int(np.argmin(at.distance(g).to_numpy()))])

    scenario_ = load_scenario(case / "scenario.toml")
    load.place_by_address = watched
    logging.disable(logging.WARNING)
    try:
        check = check_inputs(replace(scenario_.inputs, streets=None), crs=scenario_.crs)
    finally:
        load.place_by_address = original
        logging.disable(logging.NOTSET)
    refused = {
        str(i): "none" if "names no residential area" in str(p) else "ambiguous"
        for p in check.problems
        if p.column == "地址"
        for i in p.ids
    }
    first = next((p.message for p in check.problems if p.column == "地址"), "")
    return {"placed": seen, "refused": refused, "first": first}


def counted(case: Path) -> tuple[dict[str, int], str]:
    """The rows of ``case`` by fate against the areas meant (:data:`MEANT`), and the first
    problem of the addresses."""
    meant: dict[str, str | None] = json.loads((case / MEANT).read_text(encoding="utf-8"))
    fate = placements(case)
    out = dict.fromkeys(("rows", "coords", "right", "WRONG", "none", "ambiguous", "missed"), 0)
    for own, area in meant.items():
        out["rows"] += 1
        if area == "coords":
            out["coords"] += 1
        elif own in fate["placed"]:
            out["right" if fate["placed"][own] == area else "WRONG"] += 1
        elif own in fate["refused"]:
            out[fate["refused"][own]] += 1
            out["missed"] += area is not None
    return out, fate["first"]


def main() -> None:
    global OUT
    args = sweep_options(__doc__ or "", OUT)
    if not args.keep:
        OUT = args.out
        write_cases()
    print(
        f"{'case':<28} {'rows':>4} {'coords':>6} {'right':>5} {'WRONG':>5} {'none':>4} "
        f"{'ambig':>5} {'missed':>6}  validate plan  required short cost  first problem",
        flush=True,
    )
    for case in chosen_cases(args.out, args.only):
        n, said = counted(case)
        row = run_case(case, plan=not args.no_plan and not said)
        said = said or row["said"]
        print(
            f"{case.name:<28} {n['rows']:>4} {n['coords']:>6} {n['right']:>5} {n['WRONG']:>5} "
            f"{n['none']:>4} {n['ambiguous']:>5} {n['missed']:>6}  {row['validate']:>8} "
            f"{row.get('plan', '-'):>4}  {row.get('required', '-')} {row.get('short', '-')} "
            f"{row.get('cost', '-')}  {said[:100]}",
            flush=True,
        )


if __name__ == "__main__":
    sys.exit(main())
