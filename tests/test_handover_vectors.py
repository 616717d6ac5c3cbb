"""A Chinese bureau's vector hand-over, as the bureau's own tools write it.

Each test is a case of the sweep of real hand-over habits (GBK Shapefiles and their
``.cpg`` files, Chinese field names cut by the DBF, CGCS2000 and the old datums,
a bureau's units, overlapping survey layers, numbers written as text), built small
from the layers of :mod:`test_inputs`.
"""

from __future__ import annotations

import shutil
import warnings
from dataclasses import replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
import shapely.affinity
from test_inputs import GK, X0, Y0, areas_frame, gbk_shapefile, make_spec, write

from siting._digest import file_sha256
from siting.demand import area_demand
from siting.errors import InputError
from siting.inputs import load_inputs, validate
from siting.scenario import LayerSpec, Scenario


@pytest.mark.parametrize("cpg", ["ANSI 936", "ansi_936"])
def test_a_cpg_gdal_does_not_read_is_read_by_its_code_page(tmp_path: Path, cpg: str) -> None:
    """GDAL reads ``936`` in a ``.cpg`` but reads ``ANSI 936`` as Latin-1, silently: every
    mapped Chinese column was "not in the layer", with the fix to "correct" the name."""
    path = gbk_shapefile(tmp_path)
    path.with_suffix(".cpg").write_text(cpg, encoding="ascii")
    inputs = load_inputs(make_spec(tmp_path, areas=LayerSpec(path=path)), crs=GK)
    assert inputs.areas["name"].tolist() == ["东坝", "老城", "宝轮"]
    assert inputs.areas["status"].tolist() == ["new", "old", "rural"]
    assert (
        f"areas: areas.shp's areas.cpg says '{cpg}', which GDAL does not read (it would read "
        "the text as Latin-1): read it as gbk"
    ) in inputs.notes


def test_a_cpg_naming_no_encoding_is_a_problem_naming_the_encoding(tmp_path: Path) -> None:
    path = gbk_shapefile(tmp_path)
    path.with_suffix(".cpg").write_text("ANSI", encoding="ascii")
    with pytest.raises(InputError) as caught:
        load_inputs(make_spec(tmp_path, areas=LayerSpec(path=path)), crs=GK)
    (problem,) = caught.value.problems
    assert problem.layer == "areas" and problem.file == str(path)
    assert problem.message.startswith(
        "its areas.cpg says 'ANSI', which names no encoding, and its text is not Latin-1 "
        "as GDAL then reads it: it looks like GBK"
    )
    assert problem.fix.startswith('add encoding = "gbk" to [inputs.areas]')
    assert problem.fix.endswith("or put a areas.cpg file containing GBK beside it instead")


def test_long_chinese_field_names_cut_by_the_dbf_are_read(tmp_path: Path) -> None:
    """规划住宅户数 is 12 bytes in GBK: the DBF of an ArcGIS export keeps 规划住宅户 (10
    bytes), and the scenario that maps the bureau's full name was refused, with the fix to
    "correct" it to the same name. (In UTF-8 GDAL cuts a character in half, a problem of
    its own.)"""
    import pyogrio

    frame = areas_frame().rename(columns={"name": "小区名称全称", "dwellings": "规划住宅户数"})
    path = tmp_path / "areas.shp"
    with warnings.catch_warnings():  # GDAL says it laundered the names, in GBK bytes
        warnings.simplefilter("ignore")
        pyogrio.write_dataframe(frame, path, encoding="gbk")
    columns = {"name": "小区名称全称", "dwellings": "规划住宅户数"}
    spec = make_spec(tmp_path, areas=LayerSpec(path=path, columns=columns))
    inputs = load_inputs(spec, crs=GK)
    assert inputs.areas["dwellings"].tolist()[0] == 1200.0
    assert inputs.areas["name"].tolist() == ["东坝", "老城", "宝轮"]
    assert (
        "areas: read column '规划住宅户' as dwellings: the Shapefile cut '规划住宅户数', mapped by "
        "[inputs.areas.columns], to its first 10 bytes"
    ) in inputs.notes


def test_heights_are_dropped_so_a_3d_layer_plans_beside_2d_ones(tmp_path: Path) -> None:
    """PolygonZ areas and PointZ parcels beside 2D layers: validate passed, and the plan
    failed after the solve, drawing service lines between 3D and 2D points."""
    areas = areas_frame()
    areas = areas.set_geometry(shapely.force_3d(areas.geometry.to_numpy(), 512.0))
    path = tmp_path / "areas.shp"
    areas.to_file(path, engine="pyogrio")
    inputs = load_inputs(make_spec(tmp_path, areas=LayerSpec(path=path)), crs=GK)
    assert not shapely.has_z(inputs.areas.geometry.to_numpy()).any()
    assert inputs.areas.geometry.area.round(3).tolist() == [250_000.0] * 3
    assert "areas: dropped the heights (Z) or measures (M) of 3 features: siting plans in 2D" in (
        inputs.notes
    )


def test_a_file_geodatabase_is_hashed_as_the_inputs_files_are(tmp_path: Path) -> None:
    """A ``.gdb`` is a folder: it had no hash, so ``run.json`` did not record the layers
    read from it and ``--resume`` (keyed by the inputs' hashes) reused counties planned
    before the geodatabase was edited."""
    import pyogrio

    gdb = tmp_path / "city.gdb"
    pyogrio.write_dataframe(areas_frame(), gdb, layer="areas", driver="OpenFileGDB")
    spec = make_spec(tmp_path, areas=LayerSpec(path=gdb, layer="areas"))
    before = load_inputs(spec, crs=GK)
    assert before.files["areas"] == gdb
    assert before.file_hashes["areas"] == file_sha256(gdb)
    shutil.copytree(gdb, tmp_path / "copy.gdb")
    (tmp_path / "copy.gdb" / "areas.lock").write_text("ArcGIS has it open")
    assert file_sha256(tmp_path / "copy.gdb") == file_sha256(gdb)
    edited = areas_frame(dwellings=[2400.0, np.nan, np.nan])
    pyogrio.write_dataframe(edited, gdb, layer="areas", driver="OpenFileGDB")
    after = load_inputs(spec, crs=GK)
    assert after.areas["dwellings"].iloc[0] == 2400.0
    assert after.file_hashes["areas"] != before.file_hashes["areas"]


def _with(frame: gpd.GeoDataFrame, rows: list[dict[str, Any]]) -> gpd.GeoDataFrame:
    extra = gpd.GeoDataFrame(rows, geometry="geometry", crs=frame.crs)
    return gpd.GeoDataFrame(pd.concat([frame, extra], ignore_index=True), crs=frame.crs)


def test_new_areas_merged_from_two_surveys_are_refused(tmp_path: Path) -> None:
    """A1 (new, 1,200 dwellings) again as A1-2, from a second survey drawn 5 m apart: the
    planned population and the slots of its dwellings counted twice, without a word (the
    sample city with 11 of its new areas so copied: 3,860 required slots became 4,312)."""
    areas = areas_frame()
    copy = {**areas.iloc[0].to_dict(), "area_id": "A1-2"}
    copy["geometry"] = shapely.affinity.translate(areas.geometry.iloc[0], 5.0, -5.0)
    path = write(_with(areas, [copy]), tmp_path / "areas.gpkg")
    with pytest.raises(InputError) as caught:
        load_inputs(make_spec(tmp_path, areas=LayerSpec(path=path)), crs=GK)
    (problem,) = caught.value.problems
    assert problem.column == "dwellings" and problem.ids == ("A1", "A1-2")
    assert problem.message == (
        "1 pair of new areas overlap over more than half of the smaller one (A1 ∩ A1-2): a new "
        "area's demand is its own dwellings × persons per household, so the dwellings are "
        "counted in both (1,200 dwellings counted again)"
    )


def test_a_xiaoqu_given_with_its_buildings_shares_its_people_once(tmp_path: Path) -> None:
    """A2 (old, 500 m × 500 m on 25 whole 100 m cells of 5 people) and one of its buildings,
    A2-B1, on one whole cell: the cell's 5 people are shared (2.5 each), never counted
    twice, so the two hold A2's 125, and the pair is named in a warning."""
    areas = areas_frame()
    building = {**areas.iloc[1].to_dict(), "area_id": "A2-B1", "name": "老城1号楼"}
    building["geometry"] = shapely.box(X0 + 700, Y0 + 100, X0 + 800, Y0 + 200)
    path = write(_with(areas, [building]), tmp_path / "areas.gpkg")
    inputs = load_inputs(make_spec(tmp_path, areas=LayerSpec(path=path)), crs=GK)
    people = area_demand(inputs.areas, inputs.population, scenario=Scenario())["population"]
    assert people["A2"] == pytest.approx(122.5) and people["A2-B1"] == pytest.approx(2.5)
    assert (
        "areas: 1 pair of areas overlap over more than half of the smaller one (A2 ∩ A2-B1): "
        "the raster's people there are shared between them and counted once (with "
        'demand.allocation = "area_weighted", the plain zonal sum, they count in each; the '
        "accounting's overlap says how many). If one is a "
        "copy, or the buildings of a 小区 also given whole, delete it"
    ) in inputs.findings


def test_codes_that_lost_their_leading_zeros_are_read_as_the_units_own(tmp_path: Path) -> None:
    """The subdistricts' own codes are 0001 and 0002; the areas' column, joined in Excel,
    holds them as the numbers 1 and 2, and every area was "not in subdistricts". A number
    matching no code (7) is still named."""
    subdistricts = gpd.GeoDataFrame(
        {"subdistrict_id": ["0001", "0002", "0010"], "name": ["东坝街道", "宝轮镇", "嘉陵街道"]},
        geometry=[
            shapely.box(X0 - 100, Y0 - 100, X0 + 1000, Y0 + 600),
            shapely.box(X0 + 1000, Y0 - 100, X0 + 2000, Y0 + 600),
            shapely.box(X0 + 2000, Y0 - 100, X0 + 3000, Y0 + 600),
        ],
        crs=GK,
    )
    spec = make_spec(
        tmp_path,
        areas=LayerSpec(path=write(areas_frame(subdistrict_id=[1, 1, 2]), tmp_path / "a.gpkg")),
        subdistricts=LayerSpec(path=write(subdistricts, tmp_path / "s.gpkg")),
    )
    inputs = load_inputs(spec, crs=GK)
    assert inputs.areas["subdistrict_id"].tolist() == ["0001", "0001", "0002"]
    assert (
        "areas: read subdistrict_id 1 as 0001, 2 as 0002, the ids of the subdistricts layer: "
        "the column had lost their leading zeros (codes stored as numbers)"
    ) in inputs.notes
    wrong = write(areas_frame(subdistrict_id=[1, 7, 10]), tmp_path / "b.gpkg")
    with pytest.raises(InputError) as caught:
        load_inputs(replace(spec, areas=LayerSpec(path=wrong)), crs=GK)
    (problem,) = caught.value.problems
    assert problem.ids == ("A2",) and "(found: '7')" in problem.message


def _priced_parcels(tmp_path: Path, *, unit: float) -> Path:
    """Four 40 m × 50 m parcels (2,000 m²) priced 2,105,000, 3,000,000, 0 and 4,000,000
    CNY, written ``unit`` times that (1e-4: in 万元), with their areas in 亩 (3 mu)."""
    geoms = [
        shapely.box(X0 + 100 + 200 * i, Y0 + 100, X0 + 140 + 200 * i, Y0 + 150) for i in range(4)
    ]
    frame = gpd.GeoDataFrame(
        {
            "site_id": [f"P{i}" for i in range(4)],
            "kind": ["idle_land"] * 4,
            "acquisition": ["purchase"] * 4,
            "价格": [2_105_000.0 * unit, 3_000_000.0 * unit, 0.0, 4_000_000.0 * unit],
            "面积": [3.0] * 4,
        },
        geometry=geoms,
        crs=GK,
    )
    return write(frame, tmp_path / "p.gpkg")


def test_a_bureaus_units_are_said_and_converted(tmp_path: Path) -> None:
    """Costs in 万元 and land in 亩, as a bureau's table keeps them: without a way to say
    so, the costs were a warning (the plan took land as nearly free: the sample city at
    129,559,646 instead of 340,661,000) and the areas a problem that only editing the data
    could settle."""
    columns = {"cost": "价格", "land_area_m2": "面积"}
    units = {"cost": "万元", "land_area_m2": "亩"}
    layer = LayerSpec(path=_priced_parcels(tmp_path, unit=1e-4), columns=columns, units=units)
    inputs = load_inputs(make_spec(tmp_path, parcels=layer), crs=GK)
    assert inputs.parcels["cost"].tolist() == pytest.approx([2_105_000, 3_000_000, 0, 4_000_000])
    assert inputs.parcels["land_area_m2"].tolist() == pytest.approx([2_000.0] * 4)
    assert "parcels: read cost in 万元 (units under [inputs.parcels]): × 10000" in inputs.notes
    assert "parcels: read land_area_m2 in 亩 (units under [inputs.parcels]): × 666.667" in (
        inputs.notes
    )


def test_yuan_said_keeps_cheap_costs_and_unknown_units_are_problems(tmp_path: Path) -> None:
    path = _priced_parcels(tmp_path, unit=1e-4)
    columns = {"cost": "价格"}
    said = LayerSpec(path=path, columns=columns, units={"cost": "元"})
    inputs = load_inputs(make_spec(tmp_path, parcels=said), crs=GK)
    assert inputs.parcels["cost"].tolist() == pytest.approx([210.5, 300, 0, 400])
    wrong = LayerSpec(path=path, columns=columns, units={"cost": "美元", "slots": "个"})
    problems = validate(make_spec(tmp_path, parcels=wrong), crs=GK)
    assert [(p.column, p.message, p.fix) for p in problems] == [
        (
            "cost",
            "units under [inputs.parcels] says cost is in '美元', a unit siting does not know",
            "use one of 元, cny, yuan, 千元, 万元, 万, 亿元, 亿",
        ),
        (
            None,
            "units under [inputs.parcels] gives a unit for 'slots', which is not a parcels "
            "column that has one",
            "give units for land_area_m2, floor_area_m2 or cost",
        ),
    ]


def test_a_cpg_saying_gb2312_is_read_as_gbk(tmp_path: Path) -> None:
    """堃 and 喆 are GBK, not GB2312: GDAL, trusting the .cpg, garbled 堃苑小区 whole into
    以沸∏ and 喆园 into 丛, with only its own warning, and the plan named them so."""
    path = tmp_path / "areas.shp"
    frame = areas_frame(name=["堃苑小区", "喆园", "老城"], status=["新建", "老城", "农村"])
    frame.to_file(path, engine="pyogrio", encoding="gbk")
    path.with_suffix(".cpg").write_text("GB2312", encoding="ascii")
    inputs = load_inputs(make_spec(tmp_path, areas=LayerSpec(path=path)), crs=GK)
    assert inputs.areas["name"].tolist() == ["堃苑小区", "喆园", "老城"]
    assert (
        "areas: areas.shp's areas.cpg says 'GB2312': read it as GBK, which holds GB2312 and "
        "the characters Chinese GIS save beyond it"
    ) in inputs.notes


@pytest.mark.parametrize(
    ("written", "number"),
    [("1,200", 1200.0), ("１２００", 1200.0), ("１，２００", 1200.0), ("0.12万", 1200.0)],
)
def test_numbers_as_a_chinese_table_writes_them(
    tmp_path: Path, written: str, number: float
) -> None:
    """A full-width comma (１，２００, 2，540 in the sample's hand-over) and 万 (0.233万
    for 2,330 dwellings) were "not a number"; a word after the number still is."""
    areas = areas_frame(dwellings=[written, None, None])
    inputs = load_inputs(
        make_spec(tmp_path, areas=LayerSpec(path=write(areas, tmp_path / "a.gpkg"))), crs=GK
    )
    assert inputs.areas["dwellings"].iloc[0] == number


def test_a_word_after_a_number_is_still_named(tmp_path: Path) -> None:
    """户 after dwellings is their count (``1200户``, read as 1,200); 人 is people, not
    dwellings, and is still named."""
    areas = areas_frame(dwellings=["1200户", "1200人", None])
    spec = make_spec(tmp_path, areas=LayerSpec(path=write(areas, tmp_path / "a.gpkg")))
    (problem,) = validate(spec, crs=GK)
    assert (
        problem.message == "1 feature has a dwellings value that is not a number (found: '1200人')"
    )
    areas = areas_frame(dwellings=["1200户", "1,300套", None])
    spec = make_spec(tmp_path, areas=LayerSpec(path=write(areas, tmp_path / "a.gpkg")))
    assert load_inputs(spec, crs=GK).areas["dwellings"].tolist()[:2] == [1200.0, 1300.0]


@pytest.mark.parametrize("column", ["人口", "RK"])
def test_an_areas_own_head_count_is_said_to_be_unread(tmp_path: Path, column: str) -> None:
    """A 小区 layer with its census people (人口, RK in pinyin): siting shares out the
    raster instead, and the column rode along unread without a word."""
    areas = areas_frame(**{column: [3000, 2500, "1,200"]})
    spec = make_spec(tmp_path, areas=LayerSpec(path=write(areas, tmp_path / "a.gpkg")))
    inputs = load_inputs(spec, crs=GK)
    assert (
        f"areas: column '{column}' looks like each area's people (6,700 in all), which siting "
        "does not read: it shares out the population raster among the areas (see the "
        "population accounting of the run), and a new area's dwellings add its planned people; "
        "to plan with these counts instead, give population = { path = ..., layer = ..., "
        f'column = "{column}" }} under [inputs] with the areas\' file and layer'
    ) in inputs.findings


def test_costs_in_ten_thousand_yuan_on_points_without_land_are_refused(tmp_path: Path) -> None:
    """Parcels as points without land_area_m2 have no area to price the m² by: costs of
    210.5, 300 and 400 (万元) passed without a word, and every site was nearly free."""
    parcels = gpd.read_file(_priced_parcels(tmp_path, unit=1e-4)).drop(columns=["面积"])
    parcels = parcels.set_geometry(parcels.geometry.centroid)
    layer = LayerSpec(path=write(parcels, tmp_path / "points.gpkg"), columns={"cost": "价格"})
    (problem,) = validate(make_spec(tmp_path, parcels=layer), crs=GK)
    assert problem.column == "cost" and problem.source_column == "价格"
    assert problem.message == (
        "cost gives a median price of 300 CNY over 3 parcels (and no land area to compare it "
        "with): it looks like 万元 (ten thousand yuan), and the plan would take land as nearly "
        "free"
    )
    priced = LayerSpec(path=layer.path, columns={"cost": "价格"}, units={"cost": "万元"})
    assert validate(make_spec(tmp_path, parcels=priced), crs=GK) == []


def test_a_value_written_in_wan_keeps_its_unit_in_a_column_given_one(tmp_path: Path) -> None:
    """210.5万 in a column said to be in 万元: 万 made it 2,105,000 CNY, and the column's
    unit multiplied it again (21,050,000,000). A price that names its unit is read in it;
    the column's unit applies to its bare numbers (300 万元 here). 万 names no
    unit of area: 0.0003万 in a column of 亩 is 3 亩."""
    parcels = gpd.read_file(_priced_parcels(tmp_path, unit=1e-4))
    # a price with its unit written after it, as bureaus write it: 210.5万元, 4,000,000元
    # (both refused as "not a number" before)
    parcels["价格"] = ["210.5万元", "300", None, "4,000,000元"]
    parcels["面积"] = ["0.0003万", "3", "3", "3"]  # 万 is no unit of area: 3 亩 each
    columns = {"cost": "价格", "land_area_m2": "面积"}
    units = {"cost": "万元", "land_area_m2": "亩"}
    path = write(parcels, tmp_path / "text.gpkg")
    layer = LayerSpec(path=path, columns=columns, units=units)
    inputs = load_inputs(make_spec(tmp_path, parcels=layer), crs=GK)
    assert inputs.parcels["cost"].tolist()[:2] == [2_105_000.0, 3_000_000.0]
    assert np.isnan(inputs.parcels["cost"].iloc[2])
    assert inputs.parcels["cost"].iloc[3] == 4_000_000.0
    assert inputs.parcels["land_area_m2"].tolist() == pytest.approx([2_000.0] * 4)
    assert (
        "parcels: read cost in 万元 (units under [inputs.parcels]): × 10000, except 2 written "
        "with their unit ('210.5万元', '4,000,000元'), read as written"
    ) in inputs.notes


_STATUS_WORDS = {
    "old": ["老旧", "老旧小区", "存量", "存量小区", "既有", "既有小区", "现状", "旧城区", "建成区"],
    "new": ["新建", "拟建", "规划", "在建", "新增", "规划新建", "拟建小区"],
    "rural": ["农村", "乡村", "村庄", "行政村", "自然村", "农村居民点"],
}


def test_a_bureaus_status_words_are_read(tmp_path: Path) -> None:
    """老旧 on its own (老旧小区 was read) and 存量 were "not new, old or rural": the
    status words a bureau's 小区 layer uses, each read as the status it names."""
    words = [(word, status) for status, said in _STATUS_WORDS.items() for word in said]
    areas = gpd.GeoDataFrame(
        {
            "area_id": [f"A{i}" for i in range(len(words))],
            "status": [word for word, _ in words],
            "dwellings": [100.0] * len(words),
        },
        geometry=[
            shapely.box(X0 + 50 * i, Y0, X0 + 50 * i + 40, Y0 + 40) for i in range(len(words))
        ],
        crs=GK,
    )
    spec = make_spec(tmp_path, areas=LayerSpec(path=write(areas, tmp_path / "a.gpkg")))
    inputs = load_inputs(spec, crs=GK)
    assert inputs.areas["status"].tolist() == [status for _, status in words]


def test_heights_are_dropped_from_layers_edited_in_memory(tmp_path: Path) -> None:
    """An analyst swaps in areas edited in memory, with Z (a 3D survey's): only the layers
    read from files were flattened, and the 3D areas reached the plan."""
    from siting.pipeline import prepare_loaded

    inputs = load_inputs(make_spec(tmp_path), crs=GK)
    areas = inputs.areas.set_geometry(shapely.force_3d(inputs.areas.geometry.to_numpy(), 512.0))
    prepared = prepare_loaded(replace(inputs, areas=areas), scenario=Scenario())
    assert not shapely.has_z(prepared.inputs.areas.geometry.to_numpy()).any()
    assert prepared.inputs.areas.geometry.area.round(3).tolist() == [250_000.0] * 3
    assert shapely.has_z(areas.geometry.to_numpy()).all()  # the analyst's own layer kept
    assert prepared.inputs.notes[-1] == (
        "areas: dropped the heights (Z) or measures (M) of 3 features: siting plans in 2D"
    )


@pytest.mark.parametrize("cpg", [True, False])
def test_a_gbk_field_name_cut_mid_character_is_read(tmp_path: Path, cpg: bool) -> None:
    """A规划住宅户数 in GBK is 13 bytes: the DBF keeps 10, A and four characters and the first
    byte of 户 (0xBB). GDAL drops the half character (A规划住宅), and the mapped full name
    is read from that column, with a .cpg saying GBK or encoding = "gbk" without one."""
    import pyogrio

    frame = areas_frame().rename(columns={"dwellings": "A规划住宅户数"})
    path = tmp_path / "areas.shp"
    with warnings.catch_warnings():  # GDAL says it cut the name
        warnings.simplefilter("ignore")
        pyogrio.write_dataframe(frame, path, encoding="gbk")
    fields = path.with_suffix(".dbf").read_bytes()[32:160]
    assert fields[96:107] == "A规划住宅".encode("gbk") + b"\xbb\x00"  # 户 is BB A7
    if not cpg:
        path.with_suffix(".cpg").unlink()
    columns = {"dwellings": "A规划住宅户数"}
    layer = LayerSpec(path=path, columns=columns, encoding=None if cpg else "gbk")
    inputs = load_inputs(make_spec(tmp_path, areas=layer), crs=GK)
    assert inputs.areas["dwellings"].iloc[0] == 1200.0
    assert inputs.areas["name"].tolist() == ["东坝", "老城", "宝轮"]
    assert (
        "areas: read column 'A规划住宅' as dwellings: the Shapefile cut 'A规划住宅户数', mapped "
        "by [inputs.areas.columns], to its first 10 bytes"
    ) in inputs.notes


def test_a_surveyors_table_without_crs_is_told_the_zone_and_the_swap(tmp_path: Path) -> None:
    """An HR bureau's workplaces with a surveyor's X坐标 (northing) and Y坐标 (easting with
    the zone number 35) and no crs (the sweep's c25 without the key): the fix said only
    'swap them, then give the CRS', naming neither the keys of a table nor the zone's
    code, which the same numbers the right way round are told (EPSG:4523)."""
    from siting.inputs import read_layer

    x, y = X0 + 35_000_000, Y0  # the zone number in front of the easting
    table = pd.DataFrame(
        {
            "workplace_id": ["W1", "W2"],
            "migrant_workers": [5_800, 900],
            "X坐标": [y + 120.5, y + 3_400.0],
            "Y坐标": [x + 250.0, x + 410.25],
        }
    )
    table.to_csv(tmp_path / "用工企业.csv", index=False)
    with pytest.raises(InputError) as caught:
        read_layer(LayerSpec(path=tmp_path / "用工企业.csv"), name="workplaces")
    (problem,) = caught.value.problems
    assert problem.fix == (
        "the coordinates look like Gauss–Krüger metres with x and y swapped, as surveyors "
        "write them (X northing, Y easting with the zone number 35): swap them (for a "
        'table, x = "Y坐标", y = "X坐标" under [inputs.workplaces]: the easting column and '
        "the northing column; for a layer, export it again with x as the easting), then "
        'add crs = "EPSG:4523" (CGCS2000 / 3-degree Gauss-Kruger zone 35) under '
        "[inputs.workplaces] (the Xian 1980 or Beijing 1954 zone of the same number if the "
        "data are older than CGCS2000)"
    )
    right = LayerSpec(path=tmp_path / "用工企业.csv", crs="EPSG:4523", x="Y坐标", y="X坐标")
    assert read_layer(right, name="workplaces").geometry.x.round(2).tolist() == [
        x + 250.0,
        x + 410.25,
    ]
