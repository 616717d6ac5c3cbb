"""A register's rows placed by the 小区 their address names (``address = "地址"`` under
``[inputs.facilities]``, ``siting.inputs._address``).

The sample city's areas have names (A005 华龙新村, A002 兴隆新村, A003 明月小区, A006
桃园苑); the expected points are computed here from the sample's own file: each area's
``representative_point()`` in EPSG:4544, or, for the areas given as a 小区 list, the list's
own 经度/纬度 projected by pyproj. The rows' numbers are the CSV's lines, counted by hand
(the header is line 1)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest

from benchmarks.catchments import SAMPLE, sample_table
from siting.errors import ScenarioError
from siting.inputs import check_inputs, load_inputs
from siting.inputs._address import NameIndex, _match, fold_name
from siting.pipeline import run_plan
from siting.scenario import LayerSpec, Scenario, load_scenario

WORK = "EPSG:4544"

REGISTER = pd.DataFrame(
    {
        "机构名称": ["嘉陵托育", "华龙托育", "兴隆托育", "明月托育", "桃园托育"],
        "地址": [
            "广元市利州区嘉陵路1号",
            "广元市利州区东坝街道华龙新村3栋1单元",
            "利州区 兴隆新村 12号",  # spaces folded away
            "广元市利州区明月2栋",  # 明月 (明月小区 less 小区): two characters
            "广元市桃园苑5栋",  # two areas are 桃园苑 in the copy, both in 利州区
        ],
        "托位数": [30, 40, 50, 20, 10],
        "经度": [105.85, None, None, None, None],
        "纬度": [32.44, None, None, None, None],
    }
)
"""Line 2 has coordinates; lines 3 and 4 name A005 and A002; line 5 names no area (明月
alone is too short), line 6 two (A006 and A010 renamed 桃园苑)."""


@pytest.fixture(scope="module")
def sample() -> Scenario:
    """The sample without its streets (straight lines × the detour factor: faster)."""
    scenario = load_scenario(SAMPLE / "scenario.toml")
    return replace(scenario, inputs=replace(scenario.inputs, streets=None))


def register(folder: Path, rows: list[int]) -> LayerSpec:
    path = folder / "托育机构备案名单.csv"
    REGISTER.iloc[rows].to_csv(path, index=False, encoding="utf-8-sig")
    return LayerSpec(
        path=path,
        crs="EPSG:4490",
        columns={"facility_id": "机构名称", "slots": "托位数"},
        address="地址",
    )


def representative(area_ids: list[str]) -> list[float]:
    """x, y, x, y ... of each area's representative point in the working CRS."""
    areas = gpd.read_file(SAMPLE / "city.gpkg", layer="areas").set_index("area_id")
    at = areas.to_crs(WORK).geometry.representative_point()
    return [v for a in area_ids for v in (at[a].x, at[a].y)]


def xy(frame: gpd.GeoDataFrame, ids: list[str]) -> list[float]:
    return [v for i in ids for v in (frame.geometry[i].x, frame.geometry[i].y)]


def test_the_rows_naming_no_area_or_two_are_problems_with_their_fix(
    sample: Scenario, tmp_path: Path
) -> None:
    areas = gpd.read_file(SAMPLE / "city.gpkg", layer="areas")
    areas.loc[areas["area_id"] == "A010", "name"] = "桃园苑"  # as A006
    areas.to_file(tmp_path / "areas.gpkg", layer="areas")
    spec = replace(
        sample.inputs,
        areas=LayerSpec(path=tmp_path / "areas.gpkg", layer="areas"),
        facilities=register(tmp_path, [0, 1, 2, 3, 4]),
    )
    check = check_inputs(spec, crs=sample.crs)
    said = [str(p) for p in check.problems]
    assert len(said) == 2
    none, two = said
    assert "托育机构备案名单.csv" in none and "column '地址'" in none
    assert "1 row without coordinates has an address that names no residential area" in none
    assert "line 5: '广元市利州区明月2栋'" in none
    assert "give those rows their 经度 and 纬度 (CGCS2000 degrees)" in none
    assert "as the areas layer names it" in none
    assert "line 6: '广元市桃园苑5栋' (桃园苑: A006, A010)" in two
    assert [p.ids for p in check.problems] == [("明月托育",), ("桃园托育",)]
    assert "several residential areas are called" in two
    # the two rows placed are said, in validate as in the run
    (finding,) = [f for f in check.findings if f.code == "placed_by_address"]
    assert finding.values == {
        "layer": "facilities",
        "column": "地址",
        "count": 2,
        "of": 5,
        "at_points": 0,
        "in_land": 2,
    }


def test_each_row_stands_at_its_areas_point_inside_it(sample: Scenario, tmp_path: Path) -> None:
    spec = replace(sample.inputs, facilities=register(tmp_path, [0, 1, 2]))
    inputs = load_inputs(spec, crs=sample.crs)
    facilities = inputs.facilities
    assert facilities is not None
    assert xy(facilities, ["华龙托育", "兴隆托育"]) == pytest.approx(
        representative(["A005", "A002"]), abs=1e-6
    )
    # the row with coordinates keeps them
    lonlat = pyproj.Transformer.from_crs("EPSG:4490", WORK, always_xy=True)
    assert xy(facilities, ["嘉陵托育"]) == pytest.approx(list(lonlat.transform(105.85, 32.44)))
    assert facilities["district_id"].tolist() == ["510802"] * 3
    (finding,) = [f for f in inputs.findings if f.code == "placed_by_address"]
    assert "2 of 3 rows were placed by the 小区 their address ('地址') names" in finding


def test_a_xiaoqu_lists_rows_stand_at_its_own_point(sample: Scenario, tmp_path: Path) -> None:
    listed = sample_table(tmp_path)
    spec = replace(
        sample.inputs,
        areas=LayerSpec(path=listed, crs="EPSG:4490"),
        facilities=register(tmp_path, [1, 2]),
    )
    inputs = load_inputs(spec, crs=sample.crs)
    table = pd.read_csv(listed, dtype={"小区编号": str}, encoding="utf-8-sig")
    table = table.set_index("小区编号")
    lonlat = pyproj.Transformer.from_crs("EPSG:4490", WORK, always_xy=True)
    expected = [
        v
        for a in ("A005", "A002")
        for v in lonlat.transform(table.at[a, "经度"], table.at[a, "纬度"])
    ]
    assert inputs.facilities is not None
    assert xy(inputs.facilities, ["华龙托育", "兴隆托育"]) == pytest.approx(expected, abs=1e-6)
    (finding,) = [f for f in inputs.findings if f.code == "placed_by_address"]
    assert (finding.values["at_points"], finding.values["in_land"]) == (2, 0)


def test_the_placed_register_is_planned_with_its_slots(sample: Scenario, tmp_path: Path) -> None:
    fast = replace(sample.solver, time_limit_s=5.0, gap=0.05)
    spec = replace(sample.inputs, facilities=register(tmp_path, [0, 1, 2]))
    plan = run_plan(replace(sample, inputs=spec, solver=fast))
    existing = plan.facilities[plan.facilities["existing"]]
    assert sorted(existing.index) == ["兴隆托育", "华龙托育", "嘉陵托育"]
    assert existing["existing_slots"].to_dict() == {"兴隆托育": 50, "华龙托育": 40, "嘉陵托育": 30}
    assert (existing["slots"] >= existing["existing_slots"]).all()
    assert xy(existing, ["华龙托育", "兴隆托育"]) == pytest.approx(
        representative(["A005", "A002"]), abs=1e-6
    )


def test_the_longest_name_wins() -> None:
    index = NameIndex.of(["华龙 新村", "华龙新村二期", "明月小区", "A4"], ["A1", "A2", "A3", "A4"])
    assert index.named(fold_name("利州区华龙新村二期3栋")) == [("华龙新村二期", [1])]
    assert index.named(fold_name("利州区华龙新村3栋")) == [("华龙新村", [0])]
    # 明月 (明月小区 less its 小区) is too short, 明月小区 whole is not; A4 is only its id
    assert index.named(fold_name("明月2栋 A4")) == []
    assert index.named(fold_name("明月 小区2栋")) == [("明月小区", [2])]
    # a name is matched whole and without its 小区: 华龙新村小区 in an address as 华龙新村
    named = NameIndex.of(["华龙新村小区", "明月花园"], ["B1", "B2"])
    assert named.named(fold_name("华龙新村3栋")) == [("华龙新村", [0])]
    assert named.named(fold_name("华龙新村小区3栋")) == [("华龙新村小区", [0])]
    assert fold_name("ＳＯＨＯ　公寓小区") == "soho公寓"


def test_a_community_beside_a_xiaoqu_is_its_committee_and_two_xiaoqu_are_refused() -> None:
    """A 社区 (居委会) written before or after a 小区 is not the 小区, though an area is
    called so; an address naming two 小区 is refused. The longest name won: 北门社区居委会
    兴隆苑 stood at 北门社区 (4 characters against 3), 北门社区华龙新村 was ambiguous (4 and
    4), and 兴隆苑旁清河花园 stood at 清河花园."""
    index = NameIndex.of(["北门社区", "兴隆苑", "华龙新村", "清河花园"], ["A1", "A2", "A3", "A4"])
    placed = _match(
        [
            "北门社区居委会兴隆苑3栋",
            "兴隆苑（北门社区）",
            "北门社区华龙新村",
            "北门社区5栋",
            "兴隆苑旁清河花园",
        ],
        [None] * 5,
        index,
        np.array(["510802"] * 4, dtype=object),
        None,
    )
    assert placed.area == [1, 1, 2, 0, None]
    assert (placed.unmatched, placed.ambiguous) == ([], [])
    assert placed.several == [(4, ["兴隆苑", "清河花园"])]


def test_the_district_tells_two_of_one_name_apart() -> None:
    index = NameIndex.of(["华龙新村", "华龙新村"], ["A1", "A2"])
    area_districts = np.array(["510802", "510811"], dtype=object)
    districts = gpd.GeoDataFrame(
        {"name": ["利州区", "昭化区"]}, geometry=[None, None], index=["510802", "510811"]
    )
    placed = _match(
        ["昭化区华龙新村1栋", "华龙新村2栋", "华龙新村3栋", "利州区昭化区华龙新村"],
        [None, "510802", None, None],
        index,
        area_districts,
        districts,
    )
    assert placed.area == [1, 0, None, None]
    assert placed.unmatched == []
    assert placed.ambiguous == [(2, "华龙新村", [0, 1]), (3, "华龙新村", [0, 1])]


def test_a_xiaoqu_of_another_district_than_the_row_or_its_address_says_is_refused() -> None:
    """A 小区 of one name is placed only in the district the row's district_id (a known
    one), or else the 区县 its address names, gives; a 区县 inside the 小区's own name is
    not one. 广元市昭化区兴隆苑 stood at 利州区's 兴隆苑 (the county was read only to
    tell twins apart), as did a row whose district_id is 昭化区's; 朝天区华龙新村, of
    neither twin's county, was said to be ambiguous."""
    names = ["兴隆苑", "华龙新村", "华龙新村", "昭化区移民安置小区"]
    index = NameIndex.of(names, ["A1", "A2", "A3", "A4"])
    area_districts = np.array(["510802", "510802", "510811", "510802"], dtype=object)
    districts = gpd.GeoDataFrame(
        {"name": ["利州区", "昭化区", "朝天区"]},
        geometry=[None, None, None],
        index=["510802", "510811", "510812"],
    )
    placed = _match(
        [
            "广元市昭化区兴隆苑3号",
            "兴隆苑5栋",
            "兴隆苑6栋",
            "昭化区华龙新村1栋",
            "华龙新村2栋",
            "广元市昭化区移民安置小区5栋",
            "朝天区华龙新村",
        ],
        [None, "510811", "510802", None, "利州区", None, None],
        index,
        area_districts,
        districts,
    )
    assert placed.area == [None, None, 0, 2, None, 3, None]
    assert placed.elsewhere == [
        (0, "兴隆苑", [0], ["510811"]),
        (1, "兴隆苑", [0], ["510811"]),
        (6, "华龙新村", [1, 2], ["510812"]),
    ]
    assert placed.ambiguous == [(4, "华龙新村", [1, 2])]


def test_a_village_beside_a_xiaoqu_is_its_committee() -> None:
    """A 行政村 written before a 小区 built on its land, or in brackets after, is its
    村委会, not the 小区; a 新村 is a 小区; a village and a 社区 are two committees and
    refused. Those rows named two areas and were refused (光明村锦绣家园: 锦绣家园 and
    光明村), and 光明村丽景社区 stood at 光明村 (丽景社区 the committee)."""
    names = ["光明村", "锦绣家园", "丽景社区", "华龙新村"]
    index = NameIndex.of(names, ["A1", "A2", "A3", "A4"])
    addresses = ["宝轮镇光明村锦绣家园3栋", "锦绣家园（光明村）", "光明村村委会华龙新村"]
    addresses += ["光明村3组", "光明村丽景社区", "华龙新村旁光明村"]
    placed = _match(
        addresses,
        [None] * 6,
        index,
        np.array(["510811"] * 4, dtype=object),
        None,
    )
    assert placed.area == [1, 1, 3, 0, None, 3]
    assert placed.several == [(4, ["光明村", "丽景社区"])]


def test_a_row_naming_no_area_is_shown_the_names_beginning_alike(
    sample: Scenario, tmp_path: Path
) -> None:
    """A 小区 written without its suffix, or with another (兴隆小区 for one of the four
    兴隆 areas), names no area and is refused; its problem shows the sample's names that
    begin with two characters of the address outside the district's and subdistrict's
    names (not 利州华府 … for 利州区, nor 东坝公寓 for 东坝街道): 兴隆新村 A002, 兴隆苑
    A011, 兴隆宿舍区 A071, 兴隆华府 A130; 千佛宿舍区 A095, 千佛新城 A131 (a road's name
    would show those of its words too: 上西路, 上西新村). 万达广场 begins none and is said
    as before. It showed the rows alone."""
    path = tmp_path / "托育机构备案名单.csv"
    pd.DataFrame(
        {
            "机构名称": ["兴隆托育", "千佛托育", "路边托育"],
            "地址": ["广元市利州区东坝街道兴隆小区6号", "南河街道千佛22号楼", "利州区万达广场3楼"],
            "托位数": [30, 40, 20],
        }
    ).to_csv(path, index=False, encoding="utf-8-sig")
    entry = LayerSpec(
        path=path, columns={"facility_id": "机构名称", "slots": "托位数"}, address="地址"
    )
    check = check_inputs(replace(sample.inputs, facilities=entry), crs=sample.crs)
    (problem,) = check.problems
    assert problem.message.endswith(
        "line 2: '广元市利州区东坝街道兴隆小区6号' (names beginning alike: 兴隆新村, 兴隆苑, "
        "兴隆宿舍区, 兴隆华府); line 3: '南河街道千佛22号楼' (names beginning alike: "
        "千佛宿舍区, 千佛新城); line 4: '利州区万达广场3楼'"
    )


@pytest.mark.parametrize(
    ("table", "columns", "ids", "said", "placed"),
    [
        (
            {
                "机构名称": ["兴隆托育", "华龙托育"],
                "地址": ["利州区北门社区居委会兴隆苑3栋", "华龙新村旁兴隆新村"],
                "托位数": [30, 40],
            },
            {},
            ("华龙托育",),
            [
                "1 row without coordinates names several residential areas (a 社区's or a "
                "village's name beside another is taken for the 小区's 居委会 or 村委会, not "
                "the 小区): "
                "line 3: '华龙新村旁兴隆新村' (华龙新村, 兴隆新村)",
                "one 小区 in each address",
            ],
            (1, 2),
        ),
        (
            {
                "机构名称": ["兴隆托育", "华龙托育", "明月托育"],
                "地址": ["广元市昭化区兴隆苑3号", "华龙新村2栋", "利州区明月小区1栋"],
                "区县代码": ["", "510811", "510802"],
                "托位数": [30, 40, 20],
            },
            {"district_id": "区县代码"},
            ("兴隆托育", "华龙托育"),
            [
                "2 rows without coordinates name a 小区 of another district than the row's "
                "district_id, or than the 区县 its address names: line 2: '广元市昭化区兴隆苑"
                "3号' (兴隆苑: A011 (510802), not 510811); line 3: '华龙新村2栋' (华龙新村: "
                "A005 (510802), not 510811)",
                "correct the row's district_id or the 区县 in its address, or give",
            ],
            (1, 3),
        ),
    ],
)
def test_rows_naming_two_xiaoqu_or_one_of_another_district_are_a_problem(
    sample: Scenario,
    tmp_path: Path,
    table: dict[str, list[object]],
    columns: dict[str, str],
    ids: tuple[str, ...],
    said: list[str],
    placed: tuple[int, int],
) -> None:
    """The problem names the rows, their 小区 (and its areas' districts), and the fix;
    the other rows are placed (北门社区居委会兴隆苑: at 兴隆苑)."""
    path = tmp_path / "托育机构备案名单.csv"
    pd.DataFrame(table).to_csv(path, index=False, encoding="utf-8-sig")
    entry = LayerSpec(
        path=path,
        columns={"facility_id": "机构名称", "slots": "托位数", **columns},
        address="地址",
    )
    check = check_inputs(replace(sample.inputs, facilities=entry), crs=sample.crs)
    (problem,) = check.problems
    assert problem.ids == ids
    for words in said:
        assert words in str(problem)
    (finding,) = [f for f in check.findings if f.code == "placed_by_address"]
    assert (finding.values["count"], finding.values["of"]) == placed


@pytest.mark.parametrize(
    ("layer", "address", "said"),
    [
        ("parcels", "地址", "'inputs.parcels.address' is for the facilities and workplaces"),
        ("facilities", " ", "'inputs.facilities.address' must name the table's address column"),
    ],
)
def test_the_key_is_for_facilities_and_workplaces(
    tmp_path: Path, layer: str, address: str, said: str
) -> None:
    toml = tmp_path / "s.toml"
    toml.write_text(
        '[inputs]\npopulation = { path = "p.tif" }\nareas = { path = "a.gpkg" }\n'
        + ('parcels = { path = "b.gpkg" }\n' if layer != "parcels" else "")
        + f'{layer} = {{ path = "b.csv", address = "{address}" }}\n',
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError) as caught:
        load_scenario(toml)
    assert said in str(caught.value)


def test_without_the_key_an_address_column_is_refused_naming_it(
    sample: Scenario, tmp_path: Path
) -> None:
    path = tmp_path / "list.csv"
    REGISTER.drop(columns=["经度", "纬度"]).to_csv(path, index=False)
    entry = LayerSpec(path=path, columns={"facility_id": "机构名称", "slots": "托位数"})
    check = check_inputs(replace(sample.inputs, facilities=entry), crs=sample.crs)
    (said,) = [str(p) for p in check.problems]
    assert "siting does not geocode addresses" in said
    assert 'give address = "地址" under [inputs.facilities]' in said


def test_the_key_is_for_a_table(sample: Scenario) -> None:
    entry = replace(sample.inputs.facilities, address="地址")
    check = check_inputs(replace(sample.inputs, facilities=entry), crs=sample.crs)
    (said,) = [str(p) for p in check.problems]
    assert "address under [inputs.facilities] names the address column of a table" in said
    assert "city.gpkg is read as a GIS layer" in said


def test_a_workplace_list_is_placed_and_an_unreadable_coordinate_stays_a_problem(
    sample: Scenario, tmp_path: Path
) -> None:
    path = tmp_path / "用工单位.csv"
    pd.DataFrame(
        {
            "单位": ["华龙超市", "兴隆工厂"],
            "地址": ["华龙新村1号", "兴隆新村2号"],
            "外来务工人员": [120, 80],
            "经度": [None, "东经"],  # line 3: not a number, not blank
            "纬度": [None, None],
        }
    ).to_csv(path, index=False)
    entry = LayerSpec(
        path=path,
        crs="EPSG:4490",
        columns={"workplace_id": "单位", "migrant_workers": "外来务工人员"},
        address="地址",
    )
    check = check_inputs(replace(sample.inputs, workplaces=entry), crs=sample.crs)
    (said,) = [str(p) for p in check.problems]
    assert "1 row has no coordinates or coordinates that are not numbers (line 3:" in said
    assert "(a row whose 经度 and 纬度 are blank is placed by its address)" in said
    (finding,) = [f for f in check.findings if f.code == "placed_by_address"]
    assert (finding.values["layer"], finding.values["count"], finding.values["of"]) == (
        "workplaces",
        1,
        2,
    )


@pytest.mark.parametrize(
    ("addresses", "lines"),
    [
        (["广元市利州区东坝街道华龙新村3栋", None, "兴隆新村2栋"], ["line 3"]),
        ([None, "", "/"], ["line 2", "line 3", "line 4"]),
    ],
)
def test_a_row_with_neither_coordinates_nor_an_address_is_named_by_its_address_column(
    sample: Scenario, tmp_path: Path, addresses: list[str | None], lines: list[str]
) -> None:
    """A register without 经度/纬度 columns: a row whose 地址 is blank has nothing to place
    it by. The problem names the 地址 column and the rows (the CSV's lines, the header
    line 1), not the blank coordinate columns siting stands in for the missing ones."""
    path = tmp_path / "名单.csv"
    table = pd.DataFrame(
        {"机构名称": ["甲", "乙", "丙"], "地址": addresses, "托位数": [30, 40, 50]}
    )
    table.to_csv(path, index=False, encoding="utf-8-sig")
    entry = LayerSpec(
        path=path, columns={"facility_id": "机构名称", "slots": "托位数"}, address="地址"
    )
    check = check_inputs(replace(sample.inputs, facilities=entry), crs=sample.crs)
    (problem,) = check.problems
    assert "(no x)" not in str(problem)
    assert problem.column == "地址" and problem.ids == tuple(lines)
    assert "neither coordinates nor an address" in problem.message
    assert "give each its 地址 naming its 小区" in (problem.fix or "")


@pytest.mark.parametrize("siting_column", ["facility_id", "name"])
def test_an_address_column_read_as_the_ids_or_names_still_places_the_rows(
    sample: Scenario, tmp_path: Path, siting_column: str
) -> None:
    """A register whose only label is its 地址, mapped to facility_id (or name): the
    column is renamed on reading, and the rows were left at no point, unsaid, the run
    passing (every facility an empty point)."""
    path = tmp_path / "名单.csv"
    table = pd.DataFrame({"地址": ["华龙新村3栋", "兴隆新村12号"], "托位数": [30, 40]})
    table.to_csv(path, index=False, encoding="utf-8-sig")
    columns = {"slots": "托位数", siting_column: "地址"}
    if siting_column == "name":
        columns["facility_id"] = "托位数"  # ids of their own: 30 and 40
    entry = LayerSpec(path=path, columns=columns, address="地址")
    inputs = load_inputs(replace(sample.inputs, facilities=entry), crs=sample.crs)
    assert inputs.facilities is not None
    ids = ["华龙新村3栋", "兴隆新村12号"] if siting_column == "facility_id" else ["30", "40"]
    assert xy(inputs.facilities, ids) == pytest.approx(representative(["A005", "A002"]), abs=1e-6)


def test_areas_without_names_are_said_once_not_as_each_row_naming_none(
    sample: Scenario, tmp_path: Path
) -> None:
    """The areas layer without a name column: every row was said to name no area, its fix
    to write the 小区 as the areas layer's name column names it (there is none)."""
    areas = gpd.read_file(SAMPLE / "city.gpkg", layer="areas").drop(columns=["name"])
    areas.to_file(tmp_path / "areas.gpkg", layer="areas")
    spec = replace(
        sample.inputs,
        areas=LayerSpec(path=tmp_path / "areas.gpkg", layer="areas"),
        facilities=register(tmp_path, [0, 1, 2]),
    )
    (problem,) = check_inputs(spec, crs=sample.crs).problems
    assert "the residential areas have no names" in problem.message
    assert problem.column == "地址" and problem.ids == ("华龙托育", "兴隆托育")
    assert problem.fix is not None and "[inputs.areas.columns]" in problem.fix


def test_a_register_in_pieces_one_without_coordinates_is_placed(
    sample: Scenario, tmp_path: Path
) -> None:
    """A register handed over as two counties' files, one with no coordinate at all (no
    CRS to read): the joined layer was dropped, unsaid, and the run had no facilities."""
    from siting.scenario.settings import LayerPiece

    first, second = tmp_path / "利州区.csv", tmp_path / "昭化区.csv"
    REGISTER.iloc[[1, 2]].to_csv(first, index=False, encoding="utf-8-sig")  # both blank
    REGISTER.iloc[[0, 1]].assign(机构名称=["嘉陵托育", "华龙二托育"]).to_csv(
        second, index=False, encoding="utf-8-sig"
    )
    entry = replace(
        register(tmp_path, [0]), path=first, pieces=(LayerPiece(first), LayerPiece(second))
    )
    inputs = load_inputs(replace(sample.inputs, facilities=entry), crs=sample.crs)
    facilities = inputs.facilities
    assert facilities is not None and len(facilities) == 4
    at = representative(["A005", "A002", "A005"])
    assert xy(facilities, ["华龙托育", "兴隆托育", "华龙二托育"]) == pytest.approx(at, abs=1e-6)
    lonlat = pyproj.Transformer.from_crs("EPSG:4490", WORK, always_xy=True)
    assert xy(facilities, ["嘉陵托育"]) == pytest.approx(list(lonlat.transform(105.85, 32.44)))


def test_a_register_in_pieces_keeps_its_rows_unreadable_coordinates_unplaced(
    sample: Scenario, tmp_path: Path
) -> None:
    """Each piece's rows to place were lost joining the pieces: a row whose 经度 is
    unreadable ('东经') was placed by its address too (3 of 4 placed, not 2), and the
    rows were said by their ids, not their lines."""
    from siting.scenario.settings import LayerPiece

    first, second = tmp_path / "利州区.csv", tmp_path / "昭化区.csv"
    REGISTER.iloc[[1, 2]].to_csv(first, index=False, encoding="utf-8-sig")
    unreadable = REGISTER.iloc[[0, 3]].assign(
        机构名称=["嘉陵托育", "明月托育"], 经度=["东经", None]
    )
    unreadable.to_csv(second, index=False, encoding="utf-8-sig")
    entry = replace(
        register(tmp_path, [0]), path=first, pieces=(LayerPiece(first), LayerPiece(second))
    )
    check = check_inputs(replace(sample.inputs, facilities=entry), crs=sample.crs)
    (finding,) = [f for f in check.findings if f.code == "placed_by_address"]
    assert (finding.values["count"], finding.values["of"]) == (2, 4)
    none = next(p for p in check.problems if "names no residential area" in p.message)
    assert "昭化区.csv line 3: '广元市利州区明月2栋'" in none.message


def test_a_street_blocks_name_is_a_street_not_a_xiaoqu() -> None:
    """An OSM file's street blocks are named by their streets (a block along 乌龙路 alone is
    乌龙路), and a register's addresses were matched against those names too: beside the
    sample's OSM blocks, a row writing its road before its 小区 (广元市利州区乌龙路18号华龙
    新村3栋1单元) was refused as naming two areas (乌龙路, 华龙新村), and a row naming its
    road alone was taken for the block's, where without blocks the first stands at 华龙新村
    and the second names no 小区. By hand: F1 at A005's point, F2 a problem."""
    import shapely

    from siting.inputs._address import place_by_address
    from siting.inputs._problems import _Report, _Where
    from siting.scenario import InputsSpec, PopulationSpec

    x, y = 500_000.0, 3_590_000.0
    areas = gpd.GeoDataFrame(
        {"name": ["华龙新村", "乌龙路"], "district_id": ["510802", "510802"]},
        geometry=[shapely.box(x, y, x + 100, y + 100), shapely.box(x + 200, y, x + 300, y + 100)],
        index=pd.Index(["A005", "osm/block/00000000000000b1"], name="area_id"),
        crs=WORK,
    )
    register = gpd.GeoDataFrame(
        {
            "地址": ["广元市利州区乌龙路18号华龙新村3栋1单元", "广元市利州区乌龙路18号"],
            "district_id": [None, None],
        },
        geometry=[None, None],
        index=pd.Index(["F1", "F2"], name="facility_id"),
    )
    layers = {"areas": areas, "facilities": register}
    entry = LayerSpec(path=Path("名单.csv"), address="地址")
    spec = InputsSpec(population=PopulationSpec(path=Path("p.tif")), facilities=entry)
    report = _Report()
    wheres = {"facilities": _Where("名单.csv", "facilities")}
    place_by_address(layers, spec, wheres, work=pyproj.CRS(WORK), area_points=None, report=report)
    placed = layers["facilities"].geometry
    assert placed["F1"].equals(areas.geometry["A005"].point_on_surface())
    assert placed["F2"] is None or placed["F2"].is_empty
    (problem,) = report.problems
    assert "names no residential area" in str(problem)
    assert problem.ids == ("F2",)
