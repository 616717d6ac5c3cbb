"""A layer's attribute filter (siting.inputs._where): the residential areas and the
candidate parcels taken from a bureau's one land-use layer (the 三调 layer's DLBM codes),
in a GeoPackage, a GBK Shapefile, a zip, a table and a frame held in memory."""

from __future__ import annotations

import json
import logging
import os
import shutil
import zipfile
from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from siting.cli import main
from siting.errors import InputError, Problem
from siting.inputs import load_frames, read_layer
from siting.province.cache import CountyCache
from siting.report import write_report
from siting.scenario import LayerSpec, load_scenario

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"

# a 三调 layer near the sample city (EPSG:4544, CM 105°E): its BSM, DLBM, DLMC, area in m²
SURVEY = [
    ("T1", "0701", "城镇住宅用地", 40_000.0),
    ("T2", "0701", "城镇住宅用地", 40_000.0),
    ("T3", "0702", "农村宅基地", 40_000.0),
    ("T4", "1201", "空闲地", 2_500.0),
    ("T5", "1201", "空闲地", 3_000.0),
    ("T6", "0810", "公园与绿地", 6_000.0),
    ("T7", "0601", "工业用地", 9_000.0),
]


def _survey() -> gpd.GeoDataFrame:
    """Seven squares 200 m wide, 300 m apart, at the sample city (578 km E, 3,590 km N)."""
    boxes = [
        shapely.box(578_000 + 300 * i, 3_590_000, 578_200 + 300 * i, 3_590_200)
        for i in range(len(SURVEY))
    ]
    return gpd.GeoDataFrame(
        {
            "BSM": [r[0] for r in SURVEY],
            "DLBM": [r[1] for r in SURVEY],
            "DLMC": [r[2] for r in SURVEY],
            "TBMJ": [r[3] for r in SURVEY],
        },
        geometry=boxes,
        crs="EPSG:4544",
    )


@pytest.fixture(scope="module")
def survey(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The layer as a GeoPackage, a File Geodatabase (layer DLTB) and GeoJSON, a GBK
    Shapefile without .cpg whose column names are Chinese (地类编码 …), and that
    Shapefile zipped in a folder."""
    folder = tmp_path_factory.mktemp("survey")
    frame = _survey()
    frame.to_file(folder / "三调.gpkg", layer="DLTB", engine="pyogrio")
    frame.to_file(folder / "三调.gdb", layer="DLTB", driver="OpenFileGDB", engine="pyogrio")
    frame.to_file(folder / "三调.geojson", engine="pyogrio")
    chinese = frame.rename(
        columns={"BSM": "标识码", "DLBM": "地类编码", "DLMC": "地类名称", "TBMJ": "图斑面积"}
    )
    chinese.to_file(folder / "dltb.shp", encoding="gbk", engine="pyogrio")
    os.remove(folder / "dltb.cpg")  # as a Chinese desktop GIS saves it: GBK, no .cpg
    with zipfile.ZipFile(folder / "三调.zip", "w") as archive:
        for part in folder.glob("dltb.*"):
            archive.write(part, f"地类图斑/{part.name}")
    return {
        "gpkg": folder / "三调.gpkg",
        "gdb": folder / "三调.gdb",
        "geojson": folder / "三调.geojson",
        "shp": folder / "dltb.shp",
        "zip": folder / "三调.zip",
    }


def _areas(path: Path, where: str, **keys: object) -> LayerSpec:
    return LayerSpec(
        path=path,
        layer="DLTB" if path.suffix in (".gpkg", ".gdb") else None,
        columns={"area_id": "BSM"},
        values={"status": "old"},
        where=where,
        **keys,  # type: ignore[arg-type]
    )


def _problems(spec: LayerSpec, name: str = "areas") -> tuple[Problem, ...]:
    with pytest.raises(InputError) as caught:
        read_layer(spec, name=name)
    return caught.value.problems


@pytest.mark.parametrize("file", ["gpkg", "gdb", "geojson"])
def test_where_takes_the_residential_land_of_the_layer(
    survey: dict[str, Path], caplog: pytest.LogCaptureFixture, file: str
) -> None:
    """T1, T2 (0701) and T3 (0702) of the seven; the log says 3 of 7. SQLite's dialect
    (GeoPackage) and OGR SQL (the others) read it alike."""
    with caplog.at_level(logging.INFO, logger="siting"):
        areas = read_layer(_areas(survey[file], "DLBM IN ('0701','0702')"), name="areas")
    assert areas.index.tolist() == ["T1", "T2", "T3"]
    assert areas["status"].tolist() == ["old", "old", "old"]  # values apply after it
    assert f"areas: where DLBM IN ('0701','0702') kept 3 of the 7 features of 三调.{file}" in (
        caplog.text
    )
    bigger = read_layer(_areas(survey[file], "DLBM LIKE '07%' AND TBMJ > 30000"), name="areas")
    assert bigger.index.tolist() == ["T1", "T2", "T3"]


def test_where_takes_the_parcels_with_columns_and_units_after_it(survey: dict[str, Path]) -> None:
    """1201 空闲地 and 0810 公园与绿地 read as kinds (the filter names DLMC, the kind is
    DLBM's); TBMJ said to be in 公顷 is converted on the three kept, T4, T5 and T6:
    2,500, 3,000 and 6,000 公顷 are 25, 30 and 60 million m²."""
    spec = LayerSpec(
        path=survey["gpkg"],
        layer="DLTB",
        columns={"site_id": "BSM", "kind": "DLBM", "land_area_m2": "TBMJ"},
        values={"acquisition": "new_build"},
        units={"land_area_m2": "公顷"},
        where="DLBM = '1201' OR DLMC = '公园与绿地'",
    )
    parcels = read_layer(spec, name="parcels")
    assert parcels.index.tolist() == ["T4", "T5", "T6"]
    assert parcels["kind"].tolist() == ["idle_land", "idle_land", "park"]
    assert parcels["land_area_m2"].tolist() == [25_000_000.0, 30_000_000.0, 60_000_000.0]


@pytest.mark.parametrize("file", ["shp", "zip"])
def test_where_reads_a_gbk_shapefile_by_its_chinese_column_names(
    survey: dict[str, Path], file: str
) -> None:
    """The DBF's names and values are GBK; where is written in them as GDAL decodes them,
    the bare Chinese name too (OGR SQL alone would refuse 地类编码 unquoted)."""
    for where in (
        "地类编码 IN ('0701', '0702')",
        "\"地类名称\" <> '工业用地' AND 图斑面积 > 30000",
    ):
        spec = LayerSpec(
            path=survey[file],
            columns={"area_id": "标识码"},
            values={"status": "old"},
            encoding="gbk",
            where=where,
        )
        assert read_layer(spec, name="areas").index.tolist() == ["T1", "T2", "T3"], where
    parcels = LayerSpec(
        path=survey[file],
        columns={"site_id": "标识码", "kind": "地类名称", "land_area_m2": "图斑面积"},
        values={"acquisition": "new_build"},
        encoding="gbk",
        where="地类编码 IN ('1201', '0810')",
    )
    kept = read_layer(parcels, name="parcels")
    assert kept.index.tolist() == ["T4", "T5", "T6"]
    assert kept["kind"].tolist() == ["idle_land", "idle_land", "park"]  # 空闲地, 公园与绿地
    assert kept["land_area_m2"].tolist() == [2_500.0, 3_000.0, 6_000.0]


def test_a_gbk_shapefile_without_its_encoding_says_the_encoding_not_the_filter(
    survey: dict[str, Path],
) -> None:
    """Read as Latin-1, 地类编码 is 'µØÀà±àÂë' and no filter in Chinese matches: the
    problem is the missing encoding (as without where), not GDAL's syntax error over the
    garbled columns."""
    spec = LayerSpec(path=survey["shp"], columns={"area_id": "标识码"}, where="地类编码 = '0701'")
    [problem] = _problems(spec)
    assert "the Shapefile has no .cpg saying how its text is encoded" in problem.message
    assert "it looks like GBK" in problem.message
    assert 'add encoding = "gbk" to [inputs.areas]' in (problem.fix or "")


@pytest.mark.parametrize(
    ("where", "said", "fix"),
    [
        (
            "DLBM IN ('0701', '0702'",
            "cannot be applied: its brackets do not pair (GDAL: SQL Expression Parsing Error: "
            "syntax error, unexpected end of string, expecting ')')",
            "close each ( with )",
        ),
        (
            "DLBM = '0701",
            "cannot be applied: a text value's quotes are not closed (GDAL: Did not find "
            "end-of-string character)",
            "close each text in single quotes",
        ),
        (
            "status = 'old'",
            "the layer has no column 'status': that is siting's name for the file's column 'DLMC'",
            "write the file's name in where: DLMC in place of status",
        ),
        ("DLBN = '0701'", "the layer has no column 'DLBN'", "write 'DLBM' if that is"),
        ("地类编号 = '0701'", "the layer has no column '地类编号'", "write '地类编码' if that is"),
        ('DLBM = "0701"', "a text in double quotes is a column's name", "single quotes: '0701'"),
        ("DLBM IN (‘0701’)", "typed with a Chinese input method", "input method in English"),
    ],
)
@pytest.mark.parametrize("file", ["gpkg", "shp"])
def test_a_bad_expression_is_a_problem_with_gdals_reason_and_the_columns(
    survey: dict[str, Path], file: str, where: str, said: str, fix: str
) -> None:
    """Before, where did not exist; a bad one is now one problem naming the file, the
    layer, the expression and the columns, never GDAL's traceback."""
    if file == "gpkg" and ('"0701"' in where or "地类" in where):
        pytest.skip('the Shapefile\'s own: its names are Chinese, and OGR SQL reads "0701"')
    path = survey[file]
    spec = LayerSpec(
        path=path,
        layer="DLTB" if file == "gpkg" else None,
        columns={"area_id": "BSM" if file == "gpkg" else "标识码", "status": "DLMC"},
        encoding=None if file == "gpkg" else "gbk",
        where=where if file == "gpkg" else where.replace("DLBM", "地类编码"),
    )
    [problem] = _problems(spec)
    text = str(problem)
    assert problem.file == str(path) and problem.layer == "areas"
    assert problem.file_layer == ("DLTB" if file == "gpkg" else "dltb")
    assert f"where = {spec.where!r} under [inputs.areas]" in text
    columns = (
        "BSM', 'DLBM', 'DLMC', 'TBMJ"
        if file == "gpkg"
        else "标识码', '地类编码', '地类名称', '图斑面积"
    )
    assert f"the layer's columns are '{columns}'" in text
    if file == "gpkg" or "DLBM" not in said + fix:
        assert said.replace("DLBM", "地类编码") in text
        assert fix in (problem.fix or "")


def test_a_filter_that_keeps_nothing_says_the_values_its_column_holds(
    survey: dict[str, Path],
) -> None:
    """'701' for '0701' (the code's leading 0 lost, as Excel loses it): nothing kept, and
    the column's values by frequency: 0701 and 1201 twice, then the others."""
    [problem] = _problems(_areas(survey["gpkg"], "DLBM = '701'"))
    assert problem.message == (
        "where = \"DLBM = '701'\" under [inputs.areas] keeps none of the layer's 7 features; "
        "its column DLBM holds '0701', '1201', '0702', '0810', '0601'"
    )


def test_a_filter_on_a_table_and_on_a_frame_is_the_same_ogr_sql(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The survey's centroids as a CSV (its cells text) and the sample's areas as a frame:
    where keeps what it keeps in a file (T4, T5, T6 of the seven; the sample's 42 rural
    areas of 182); a CSV's number is compared as one through CAST."""
    frame = _survey()
    table = pd.DataFrame(frame.drop(columns="geometry"))
    table["x"], table["y"] = frame.centroid.x, frame.centroid.y
    table.to_csv(tmp_path / "survey.csv", index=False)

    def entry(where: str) -> LayerSpec:
        return LayerSpec(
            path=tmp_path / "survey.csv",
            crs="EPSG:4544",
            columns={"site_id": "BSM", "kind": "DLBM"},
            values={"acquisition": "new_build"},
            where=where,
        )

    with caplog.at_level(logging.INFO, logger="siting"):
        kept = read_layer(entry("DLBM IN ('1201', '0810')"), name="parcels")
    assert kept.index.tolist() == ["T4", "T5", "T6"]
    assert "parcels: where DLBM IN ('1201', '0810') kept 3 of the 7 rows of survey.csv" in (
        caplog.text
    )
    cast = "DLBM <> '0601' AND CAST(TBMJ AS float) < 5000"
    assert read_layer(entry(cast), name="parcels").index.tolist() == ["T4", "T5"]
    [problem] = _problems(entry("TBMJ < 5000"), name="parcels")
    assert "it compares a column with a value of another type" in problem.message
    assert "CAST(TBMJ AS float) > 5000" in (problem.fix or "")
    [problem] = _problems(entry("MJ > 1"), name="parcels")
    assert "the layer has no column 'MJ'" in problem.message
    assert "'BSM', 'DLBM', 'DLMC', 'TBMJ', 'x', 'y'" in problem.message

    # a row the filter leaves out is not read: its empty coordinates are no problem; one it
    # keeps is named by its line in the file (line 1 is the header, T5 is on line 6)
    table.loc[len(table)] = ["T8", "0601", "工业用地", 1000.0, None, None]
    table.loc[4, "x"] = None
    table.to_csv(tmp_path / "survey.csv", index=False)
    [problem] = _problems(entry("DLBM IN ('1201', '0810')"), name="parcels")
    assert problem.ids == ("line 6",)
    table.loc[4, "x"] = frame.centroid.x.iloc[4]
    table.to_csv(tmp_path / "survey.csv", index=False)
    assert read_layer(entry("DLBM = '1201'"), name="parcels").index.tolist() == ["T4", "T5"]

    areas = gpd.read_file(SAMPLE / "city.gpkg", layer="areas", engine="pyogrio")
    parcels = gpd.read_file(SAMPLE / "city.gpkg", layer="parcels", engine="pyogrio")
    inputs = load_frames(
        population=SAMPLE / "population.tif",
        areas=areas,
        parcels=parcels,
        where={"areas": "status = 'rural'", "parcels": "kind IN ('idle_land', 'park')"},
    )
    assert len(inputs.areas) == 42 and set(inputs.areas["status"]) == {"rural"}
    assert len(inputs.parcels) == 115 + 28
    assert (len(areas), len(parcels)) == (182, 382)  # the caller's frames are kept


def test_where_is_recorded_and_changes_the_county_cache_key(tmp_path: Path) -> None:
    """run.json's scenario holds it, and --resume's key differs with another filter."""
    text = (
        (SAMPLE / "scenario.toml")
        .read_text(encoding="utf-8")
        .replace(
            'areas = { path = "city.gpkg", layer = "areas" }',
            'areas = { path = "city.gpkg", layer = "areas", where = "status <> \'new\'" }',
        )
    )
    (tmp_path / "s.toml").write_text(text, encoding="utf-8")
    scenario = load_scenario(tmp_path / "s.toml")
    assert scenario.to_dict()["inputs"]["areas"]["where"] == "status <> 'new'"
    other = load_scenario(SAMPLE / "scenario.toml")
    one = CountyCache(tmp_path, scenario=scenario, hashes={})
    two = CountyCache(tmp_path, scenario=other, hashes={})
    assert one._path("510802") != two._path("510802")


def test_an_empty_where_is_a_scenario_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (
        (SAMPLE / "scenario.toml")
        .read_text(encoding="utf-8")
        .replace('layer = "areas" }', 'layer = "areas", where = " " }')
    )
    (tmp_path / "s.toml").write_text(text, encoding="utf-8")
    for name in ("population.tif", "city.gpkg", "streets.osm"):
        shutil.copy(SAMPLE / name, tmp_path / name)
    assert main(["validate", str(tmp_path / "s.toml")]) != 0
    assert "'inputs.areas.where' is empty" in capsys.readouterr().err


@pytest.mark.slow
def test_the_sample_planned_from_one_merged_layer_is_the_sample(tmp_path: Path) -> None:
    """The sample's areas and parcels merged into one land-use layer (with DLBM 0701 for
    the areas, 1201 for the parcels), each taken back by where: the clean plan, 3,860
    slots required, 228 short, 340,661,000 CNY (siting plan data/sample/scenario.toml)."""
    folder = tmp_path / "sample"
    shutil.copytree(SAMPLE, folder)
    areas = gpd.read_file(SAMPLE / "city.gpkg", layer="areas", engine="pyogrio")
    parcels = gpd.read_file(SAMPLE / "city.gpkg", layer="parcels", engine="pyogrio")
    merged = pd.concat([areas.assign(DLBM="0701"), parcels.assign(DLBM="1201")])
    gpd.GeoDataFrame(merged, crs=areas.crs).to_file(
        folder / "landuse.gpkg", layer="DLTB", engine="pyogrio"
    )
    text = (folder / "scenario.toml").read_text(encoding="utf-8")
    for layer, code in (("areas", "0701"), ("parcels", "1201")):
        given = f'{layer} = {{ path = "city.gpkg", layer = "{layer}" }}'
        assert given in text
        text = text.replace(
            given,
            f'{layer} = {{ path = "landuse.gpkg", layer = "DLTB", where = "DLBM = \'{code}\'" }}',
        )
    (folder / "scenario.toml").write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["-q", "plan", str(folder / "scenario.toml"), "--out", str(out), "--no-map"]) == 0
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    totals = run["totals"]
    assert round(totals["required_slots"]) == 3860
    assert round(totals["shortfall_slots"]) == 228
    assert totals["cost"] == 340_661_000
    assert run["scenario"]["inputs"]["areas"]["where"] == "DLBM = '0701'"
    assert run["inputs"]["parcels"]["where"] == "DLBM = '1201'"
    assert "where" not in run["inputs"]["population"]
    markdown, _ = write_report(out, language="en")
    assert "landuse.gpkg (where DLBM = '0701')" in markdown.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("status", "read"),
    [
        ("农村宅基地", "rural"),
        ("0702农村宅基地", "rural"),
        ("0702 农村宅基地", "rural"),
        ("0703", "rural"),  # 用地用海's 农村宅基地; 三调 has no 0703
        ("070301", "rural"),
        ("0702", None),  # 三调's 农村宅基地, 用地用海's 城镇社区服务设施用地
        ("0701", None),  # 城镇住宅用地: built, or planned new?
        ("城镇住宅用地", None),
    ],
)
def test_a_land_use_code_is_a_status_only_when_it_says_one(
    tmp_path: Path, status: str, read: str | None
) -> None:
    frame = _survey().iloc[[2]].assign(ZT=status)
    frame.to_file(tmp_path / "a.gpkg", engine="pyogrio")
    spec = LayerSpec(path=tmp_path / "a.gpkg", columns={"area_id": "BSM", "status": "ZT"})
    if read is None:
        [problem] = _problems(spec)
        assert f"a status that is not new, old or rural (found: '{status}')" in problem.message
        assert f"{status} is a land-use class: it says what the land is" in (problem.fix or "")
        assert 'values = { status = "old" } under [inputs.areas]' in (problem.fix or "")
    else:
        assert read_layer(spec, name="areas")["status"].tolist() == [read]


def test_census_units_with_another_filter_are_not_the_areas_themselves() -> None:
    """[inputs.population] naming the areas' file and layer reads the areas' own head
    counts; over another subset of that layer it is a layer of census units of its own."""
    from siting.inputs._census import _same_layer
    from siting.scenario import PopulationSpec

    areas = LayerSpec(path=Path("三调.gpkg"), layer="DLTB", where="DLBM = '0701'")
    same = PopulationSpec(path=Path("三调.gpkg"), layer="DLTB", column="RK", where="DLBM = '0701'")
    assert _same_layer(same, areas)
    assert not _same_layer(replace(same, where=None), areas)
    assert not _same_layer(replace(same, where="DLBM = '0702'"), areas)


def test_census_units_are_taken_by_where_too(tmp_path: Path) -> None:
    """A province's 七普 units (here the survey's squares with 100, 200 … 700 people):
    where takes the three of 07, 100 + 200 + 300 = 600 people."""
    from siting.inputs._census import _read_census
    from siting.inputs._problems import _Report
    from siting.scenario import PopulationSpec

    units = _survey().assign(RK=[100.0 * (i + 1) for i in range(len(SURVEY))])
    units.to_file(tmp_path / "七普.gpkg", layer="units", engine="pyogrio")
    spec = PopulationSpec(
        path=tmp_path / "七普.gpkg",
        layer="units",
        column="RK",
        columns={"unit_id": "BSM"},
        where="DLBM LIKE '07%'",
    )
    report = _Report()
    read, _ = _read_census(spec, report)
    assert not report.problems
    assert read is not None and read.index.tolist() == ["T1", "T2", "T3"]
    assert read["people"].sum() == 600.0
