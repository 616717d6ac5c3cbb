"""Hand-in files: QGIS styles in plan.gpkg, Excel tables, File Geodatabase, figure, shapefiles."""

from __future__ import annotations

import csv
import shutil
import sqlite3
import xml.etree.ElementTree as ET
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely
from _plan_output import write_plan_output
from openpyxl import load_workbook
from PIL import Image
from shapely.geometry import (
    LineString,
    MultiLineString,
    MultiPoint,
    MultiPolygon,
    Point,
    Polygon,
    box,
)

from siting import handin
from siting.cli import main
from siting.errors import InputError
from siting.maps import style
from siting.plan import verify

LAYERS = ("facilities", "areas", "candidates", "districts", "hazards", "service_lines", "residual")


@pytest.fixture(scope="module")
def layers(tmp_path_factory: pytest.TempPathFactory) -> dict[str, gpd.GeoDataFrame]:
    """The synthetic plan's layers in CGCS2000 3° Gauss–Krüger zone 35, as in plan.gpkg."""
    folder = write_plan_output(tmp_path_factory.mktemp("handin") / "run")
    return {name: gpd.read_file(folder / f"{name}.geojson").to_crs("EPSG:4544") for name in LAYERS}


@pytest.fixture(scope="module")
def gpkg(layers: dict[str, gpd.GeoDataFrame], tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("gpkg") / "plan.gpkg"
    for name, frame in layers.items():
        frame.to_file(path, layer=name, driver="GPKG", engine="pyogrio")
    handin.write_qgis_styles(path, layers)
    return path


def _styles(gpkg: Path) -> pd.DataFrame:
    with sqlite3.connect(gpkg) as db:
        return pd.read_sql(
            "SELECT f_table_name, f_geometry_column, styleQML, styleSLD, useAsDefault "
            "FROM layer_styles",
            db,
        )


def _qml(gpkg: Path, layer: str) -> ET.Element:
    styles = _styles(gpkg).set_index("f_table_name")
    return ET.fromstring(styles.at[layer, "styleQML"].split("\n", 1)[1])


def _rgb(colour: str) -> str:
    return handin.styles._rgba(colour).rsplit(",", 1)[0]


def test_each_layer_has_one_default_qgis_style(gpkg: Path, tmp_path: Path) -> None:
    styles = _styles(gpkg)
    assert sorted(styles["f_table_name"]) == sorted(LAYERS)
    assert styles["useAsDefault"].eq(1).all()
    # QGIS looks a layer's style up by the geometry column the GeoPackage has (GDAL
    # names it "geom"), not the frame's "geometry"
    with sqlite3.connect(gpkg) as db:
        columns = dict(db.execute("SELECT table_name, column_name FROM gpkg_geometry_columns"))
    assert set(columns.values()) == {"geom"}
    assert dict(zip(styles["f_table_name"], styles["f_geometry_column"], strict=True)) == columns
    for layer, column in columns.items():  # the row QgsOgrUtils::loadStoredStyle selects
        with sqlite3.connect(gpkg) as db:
            found = db.execute(
                "SELECT count(*) FROM layer_styles WHERE f_table_schema = '' AND "
                "f_table_name = ? AND f_geometry_column = ? AND useAsDefault",
                (layer, column),
            ).fetchone()
        assert found == (1,), layer
    assert styles["styleQML"].str.startswith("<!DOCTYPE qgis").all()
    # the table is registered, so GDAL (and QGIS through it) opens it
    assert "layer_styles" in {row[0] for row in pyogrio.list_layers(gpkg)}
    assert len(pyogrio.read_dataframe(gpkg, layer="layer_styles")) == len(LAYERS)
    # the plan's layers read as before
    assert len(gpd.read_file(gpkg, layer="areas")) == 4
    # written again, the table holds the new styles only
    again = tmp_path / "again.gpkg"
    shutil.copy(gpkg, again)
    handin.write_qgis_styles(again, {"areas": gpd.read_file(again, layer="areas")})
    assert list(_styles(again)["f_table_name"]) == ["areas"]


def test_area_style_follows_the_web_maps_bands(
    gpkg: Path, layers: dict[str, gpd.GeoDataFrame]
) -> None:
    root = _qml(gpkg, "areas")
    renderer = root.find("renderer-v2")
    assert renderer is not None and renderer.get("type") == "RuleRenderer"
    rules = renderer.findall("rules/rule")
    fills = {
        s.get("name"): s.find("layer/Option/Option[@name='color']").get("value")  # type: ignore[union-attr]
        for s in renderer.findall("symbols/symbol")
    }
    by_label = {r.get("label"): fills[r.get("symbol")] for r in rules}
    assert by_label["达到目标"].startswith(_rgb(style._GREEN))
    assert by_label["达到目标的75%–100%"].startswith(_rgb(style._LIGHT_GREEN))
    assert by_label["达到目标的50%–75%"].startswith(_rgb(style._ORANGE))
    assert by_label["低于目标的50%"].startswith(_rgb(style._RED))
    shortfall = next(r for r in rules if r.get("filter") == '"shortfall_slots" > 0')
    outline = renderer.find(f"symbols/symbol[@name='{shortfall.get('symbol')}']/layer")
    assert outline is not None
    assert outline.find("Option/Option[@name='outline_style']").get("value") == "dash"  # type: ignore[union-attr]
    # every area falls in exactly one band, and in the band the web map gives it
    bands = [r for r in rules if r.get("filter") != '"shortfall_slots" > 0']
    for _, area in layers["areas"].iterrows():
        matched = [r for r in bands if _holds(r.get("filter", ""), area)]
        assert len(matched) == 1, area["area_id"]
        colour = style._ratio_colour(area["slots_per_1000"], area["target_per_1000"])
        assert fills[matched[0].get("symbol")].startswith(_rgb(colour)), area["area_id"]


def _holds(expression: str, row: pd.Series) -> bool:
    """Evaluate the area rules' QGIS expressions on one row (their small grammar only)."""
    python = expression.replace('"', "").replace(" AND ", " and ").replace(" OR ", " or ")
    python = python.replace(" IS NULL", " is None")
    values = {k: (None if pd.isna(v) else v) for k, v in row.items() if k != "geometry"}
    return bool(eval(python, {}, values))


def test_facility_candidate_and_residual_styles(gpkg: Path) -> None:
    facilities = _qml(gpkg, "facilities")
    markers = facilities.findall("renderer-v2/symbols/symbol")
    assert {m.get("type") for m in markers} == {"marker"}
    colours = {m.find("layer/Option/Option[@name='color']").get("value") for m in markers}  # type: ignore[union-attr]
    assert {c.rsplit(",", 1)[0] for c in colours} == {
        _rgb(style._BLUE),
        _rgb(style._GOLD),
        _rgb(style._PURPLE),
    }
    size = facilities.find(".//data_defined_properties//Option[@name='size']")
    assert size is not None and "sqrt" in ET.tostring(size, encoding="unicode")
    states = {r.get("filter") for r in _qml(gpkg, "candidates").findall("renderer-v2/rules/rule")}
    assert states == {f"\"state\" = '{s}'" for s in ("chosen", "not chosen", "excluded")}
    residual = _qml(gpkg, "residual").findall("renderer-v2/symbols/symbol")
    purples = {_rgb(c) for c in style._RESIDUAL_COLOURS}
    assert residual and all(
        s.find("layer/Option/Option[@name='color']").get("value").rsplit(",", 1)[0] in purples  # type: ignore[union-attr]
        for s in residual
    )
    districts = _qml(gpkg, "districts")
    assert districts.get("labelsEnabled") == "1"
    assert districts.find("labeling/settings/text-style").get("fieldName") == "name"  # type: ignore[union-attr]


def test_workbooks_have_chinese_headers(
    layers: dict[str, gpd.GeoDataFrame], tmp_path: Path
) -> None:
    districts = pd.DataFrame(layers["districts"].drop(columns="geometry"))
    paths = handin.write_tables_xlsx(districts, layers["facilities"], tmp_path, prefix="x_")
    assert [p.name for p in paths] == ["x_districts.xlsx", "x_facilities.xlsx"]
    sheet = load_workbook(paths[0]).active
    rows = list(sheet.values)
    assert rows[0][:5] == ("区县代码", "名称", "人口", "需求托位", "规划托位")
    assert "千人托位" in rows[0] and "千人托位目标" in rows[0] and "费用（元）" in rows[0]
    assert rows[1][:3] == ("510802", "利州区", 17000)
    spk = rows[0].index("千人托位")
    assert [r[spk] for r in rows[1:]] == [13.24, 19.44]
    assert rows[1][rows[0].index("已有示范性机构")] == "是"
    facilities = list(load_workbook(paths[1]).active.values)
    head = facilities[0]
    assert head[:3] == ("用地编号", "名称", "类型")
    assert {"托位", "获取方式", "示范性", "普惠", "X坐标（m）", "经度", "纬度"} <= set(head)
    assert len(facilities) == 1 + len(layers["facilities"])
    lon = [r[head.index("经度")] for r in facilities[1:]]
    assert all(105.8 < v < 105.9 for v in lon)
    assert {r[head.index("获取方式")] for r in facilities[1:]} <= {
        "新建",
        "购置",
        "置换",
        "租赁",
        "利用公共设施",
        "现有",
    }
    # each site's kind in Chinese (was the layer's code: idle_land, park, community_centre)
    kinds = {r[head.index("类型")] for r in facilities[1:]}
    assert {"闲置用地", "公园", "社区服务中心"} <= kinds
    assert not kinds & {"idle_land", "park", "community_centre"}


def test_filegdb_has_every_layer_with_chinese_aliases(
    layers: dict[str, gpd.GeoDataFrame], tmp_path: Path
) -> None:
    assert "w" in pyogrio.list_drivers().get("OpenFileGDB", "")  # GDAL ≥ 3.6 writes it
    gdb = handin.write_filegdb(layers, tmp_path / "plan.gdb")
    # the synthetic candidates mix points and parcels: one feature class each
    split = {"candidates_point", "candidates_polygon"}
    assert {row[0] for row in pyogrio.list_layers(gdb)} == set(LAYERS) - {"candidates"} | split
    for name, frame in layers.items():
        parts = sorted(split) if name == "candidates" else [name]
        back = pd.concat([gpd.read_file(gdb, layer=part) for part in parts])
        assert len(back) == len(frame), name
        assert back.crs.to_epsg() == 4544
    areas = gpd.read_file(gdb, layer="areas").set_index("area_id")
    assert areas.at["A2", "name"] == "老城片区"
    assert areas.at["A2", "shortfall_slots"] == 16
    aliases = handin.gdb._field_aliases(gdb, "districts")
    assert aliases["slots_per_1000"] == "千人托位"
    assert aliases["district_id"] == "区县代码"


def test_areas_mixing_polygons_and_multipolygons_are_written_whole(
    layers: dict[str, gpd.GeoDataFrame], tmp_path: Path
) -> None:
    # Real areas mix Polygon and MultiPolygon (an estate across a road); a feature
    # class holds one type, and the .gdb was not written at all (the plan lost).
    # Square metres by hand: A1 two 100 m squares, 20,000; A2 a 200 × 50 m block
    # with a 20 × 20 m hole, 9,600; the others 50 × 40 m, 2,000.
    areas = layers["areas"].copy()
    x, y = 500_000.0, 3_590_000.0
    shapes = {
        "A1": MultiPolygon([box(x, y, x + 100, y + 100), box(x + 300, y, x + 400, y + 100)]),
        "A2": Polygon(
            box(x, y + 500, x + 200, y + 550).exterior.coords,
            [box(x + 10, y + 510, x + 30, y + 530).exterior.coords],
        ),
    }
    expected = {"A1": 20_000.0, "A2": 9_600.0}
    for k, area_id in enumerate(areas["area_id"]):
        if area_id not in shapes:
            shapes[area_id] = box(x + 1000 * k, y + 1000, x + 1000 * k + 50, y + 1040)
            expected[area_id] = 2_000.0
    areas = areas.set_geometry([shapes[a] for a in areas["area_id"]], crs=areas.crs)
    assert set(areas.geom_type) == {"Polygon", "MultiPolygon"}
    mixed = {**layers, "areas": areas}
    gdb = handin.write_filegdb(mixed, tmp_path / "plan.gdb")
    folder = handin.write_shapefiles(mixed, tmp_path / "shapefile")
    for back in (gpd.read_file(gdb, layer="areas"), gpd.read_file(folder / "areas.shp")):
        got = dict(zip(back["area_id"], back.area, strict=True))
        assert got.keys() == expected.keys()
        for area_id, area in expected.items():
            assert got[area_id] == pytest.approx(area, rel=1e-9), area_id
    assert pyogrio.read_info(gdb, layer="areas")["geometry_type"] == "MultiPolygon"
    assert not (folder / "areas_polygon.shp").exists()
    # the candidates' points and parcels stay apart
    assert {row[0] for row in pyogrio.list_layers(gdb)} >= {
        "candidates_point",
        "candidates_polygon",
    }


def test_single_and_multi_points_and_lines_share_a_feature_class(tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame(
        {"k": [1, 2, 3, 4]},
        geometry=[
            Point(500_000, 3_590_000),
            MultiPoint([(500_010, 3_590_000), (500_020, 3_590_000)]),
            LineString([(500_000, 3_590_100), (500_030, 3_590_140)]),  # 50 m
            MultiLineString([[(500_000, 3_590_200), (500_000, 3_590_260)]]),  # 60 m
        ],
        crs="EPSG:4544",
    )
    parts = dict(handin.shapefile._by_geometry_type("x", frame))
    assert list(parts) == ["x_line", "x_point"]
    assert list(parts["x_point"].geom_type) == ["MultiPoint", "MultiPoint"]
    assert list(parts["x_line"].geom_type) == ["MultiLineString", "MultiLineString"]
    gdb = handin.write_filegdb({"x": frame}, tmp_path / "x.gdb")
    lines = gpd.read_file(gdb, layer="x_line")
    assert list(lines.length) == pytest.approx([50.0, 60.0])
    points = gpd.read_file(gdb, layer="x_point")
    assert list(shapely.get_num_geometries(points.geometry)) == [1, 2]


def test_shapefiles_have_cpg_and_a_field_map(
    layers: dict[str, gpd.GeoDataFrame], tmp_path: Path
) -> None:
    folder = handin.write_shapefiles(layers, tmp_path / "shapefile")
    shapefiles = sorted(folder.glob("*.shp"))
    assert {p.stem for p in shapefiles} == set(LAYERS) - {"candidates"} | {
        "candidates_point",
        "candidates_polygon",
    }
    for shp in shapefiles:
        assert shp.with_suffix(".cpg").read_text().strip().upper() in ("UTF-8", "UTF8")
    with (folder / "fields.csv").open(encoding="utf-8-sig") as f:
        fields = list(csv.DictReader(f))
    assert all(len(f["shapefile_field"]) <= 10 for f in fields)
    short = {(f["layer"], f["field"]): f["shapefile_field"] for f in fields}
    assert short[("areas", "slots_per_1000")] == "slots_pk"
    assert short[("districts", "demonstration_present")] == "demo_pres"
    areas = gpd.read_file(folder / "areas.shp").set_index("area_id")
    assert areas.at["A1", "name"] == "东坝小区"
    assert areas.at["A2", short[("areas", "shortfall_slots")]] == 16


def test_shapefile_names_are_short_and_unique() -> None:
    names = handin.shapefile_field_names(["abcdefghijk1", "abcdefghijk2", "abcdefghij"])
    assert all(len(v) <= 10 for v in names.values())
    assert len({v.lower() for v in names.values()}) == 3


def test_shapefile_names_are_ten_bytes_cut_between_characters(
    layers: dict[str, gpd.GeoDataFrame], tmp_path: Path
) -> None:
    # A planner's own columns ride along into the plan's areas. A dBASE field name is
    # 10 *bytes*; GDAL cut 备注说明文字 (18 bytes in UTF-8) inside its fourth character,
    # and pyogrio (so geopandas, and QGIS's field list) could not read areas.shp at all.
    # Two such columns that cut to the same name must stay apart.
    areas = layers["areas"].copy()
    areas["备注说明文字"] = "保留"
    areas["规划备注一"] = "甲"  # 15 bytes: 规划备 (9 bytes) …
    areas["规划备注二"] = "乙"  # … the same 9 bytes
    names = handin.shapefile_field_names(list(areas.columns.drop("geometry")))
    assert names["备注说明文字"] == "备注说"
    assert all(len(v.encode("utf-8")) <= 10 for v in names.values())
    assert len({v.lower() for v in names.values()}) == len(names)
    assert names["规划备注一"] == "规划备"
    assert names["规划备注二"] != "规划备"
    folder = handin.write_shapefiles({"areas": areas}, tmp_path / "shapefile")
    back = pyogrio.read_dataframe(folder / "areas.shp")
    assert list(back.columns.drop("geometry")) == list(names.values())
    assert list(back[names["备注说明文字"]]) == ["保留"] * len(areas)
    assert list(back[names["规划备注二"]]) == ["乙"] * len(areas)
    with (folder / "fields.csv").open(encoding="utf-8-sig") as f:
        short = {r["field"]: r["shapefile_field"] for r in csv.DictReader(f)}
    assert short["备注说明文字"] == "备注说"


def _read_back(folder: Path, layer: str, **options: str) -> pd.DataFrame:
    """A layer's shapefile(s) as written, under the plan's own field names (fields.csv)."""
    with (folder / "fields.csv").open(encoding="utf-8-sig") as f:
        names = {r["shapefile_field"]: r["field"] for r in csv.DictReader(f) if r["layer"] == layer}
    parts = [pyogrio.read_dataframe(p, **options) for p in sorted(folder.glob(f"{layer}*.shp"))]
    return pd.concat(parts).rename(columns=names).drop(columns="geometry")


def test_shapefiles_in_gbk_read_back_as_the_data(
    layers: dict[str, gpd.GeoDataFrame], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A bureau's older ArcGIS ignores the .cpg and showed the UTF-8 shapefiles' Chinese
    garbled. In GBK the text reads back as written, the field names keep 10 bytes of GBK
    (5 Chinese characters), and a character GBK cannot hold is a ? named in a warning."""
    areas = layers["areas"].copy()
    areas["备注说明文字"] = "保留"  # 12 bytes of GBK: 备注说明文 (10)
    areas["规划备注一"] = "甲"  # 规划备注一 is 10 bytes of GBK: kept whole
    areas["A规划住宅户数"] = "乙"  # 13 bytes: A and 4 characters, not half of 户
    areas.loc[areas.index[0], "name"] = "𠮷祥小区"  # 𠮷 is GB18030, not GBK
    gbk = {**layers, "areas": areas}
    with caplog.at_level("WARNING", logger="siting.handin.shapefile"):
        folder = handin.write_shapefiles(gbk, tmp_path / "gbk", encoding="gbk")
    for shp in folder.glob("*.shp"):
        assert shp.with_suffix(".cpg").read_text() == "936"
        assert shp.with_suffix(".dbf").read_bytes()[29] == 0x4D  # code page 936's LDID
    with (folder / "fields.csv").open(encoding="utf-8-sig") as f:
        short = {
            r["field"]: r["shapefile_field"] for r in csv.DictReader(f) if r["layer"] == "areas"
        }
    assert [short[c] for c in ("备注说明文字", "规划备注一", "A规划住宅户数")] == [
        "备注说明文",
        "规划备注一",
        "A规划住宅",
    ]
    expected = {**gbk, "areas": areas.assign(name=["?祥小区", *areas["name"][1:]])}
    for name, frame in expected.items():
        back = _read_back(folder, name, encoding="gbk")
        for column in frame.columns.drop("geometry"):
            if pd.api.types.is_string_dtype(frame[column]):  # a DBF writes '' as null
                assert list(back[column].fillna("")) == list(frame[column].fillna("")), column
    # GDAL reads the .cpg's 936 as GBK by itself, as QGIS does
    assert list(_read_back(folder, "areas")["备注说明文字"]) == ["保留"] * len(areas)
    assert caplog.messages == [
        "shapefile areas: 1 value of name holds characters GBK cannot ('𠮷祥小区'): written "
        "with ? in their place (plan.gpkg and the GeoJSON keep them whole)"
    ]
    # the default stays UTF-8, its names 10 bytes of UTF-8
    utf8 = handin.write_shapefiles({"areas": areas}, tmp_path / "utf8")
    assert (utf8 / "areas.cpg").read_text() == "UTF-8"
    assert _read_back(utf8, "areas", encoding="utf-8")["name"].iloc[0] == "𠮷祥小区"
    assert "备注说" in pyogrio.read_dataframe(utf8 / "areas.shp").columns


def test_shapefile_encoding_is_an_option_of_plan() -> None:
    from siting.cli import build_parser

    args = build_parser().parse_args(["plan", "s.toml", "--out", "o"])
    assert args.shapefile_encoding == "utf-8"
    args = build_parser().parse_args(
        ["plan", "s.toml", "--out", "o", "--shapefile-encoding", "gbk"]
    )
    assert args.shapefile_encoding == "gbk"


def test_plan_figure_is_a_300_dpi_a4_jpg(
    layers: dict[str, gpd.GeoDataFrame], tmp_path: Path
) -> None:
    path = handin.write_plan_figure(layers, tmp_path / "plan.jpg", title="测试")
    with Image.open(path) as im:
        assert im.format == "JPEG"
        assert im.info["dpi"] == pytest.approx((300, 300))
        # A4 landscape at 300 dpi
        assert im.size[0] == pytest.approx(3508, abs=3) and im.size[1] == pytest.approx(2481, abs=3)


def test_division_prefix() -> None:
    table = pd.DataFrame({"name": ["利州区"]}, index=pd.Index(["510802"], name="district_id"))
    assert handin.division_prefix("510802", table) == "510802利州区_"
    assert handin.division_prefix("510811", table) == "510811_"
    with pytest.raises(InputError, match="6-digit"):
        handin.division_prefix("5108", table)
    # names that no file name may hold (a folder, or a Windows reserved character)
    for name, shown in (("利州区/经开区", "利州区-经开区"), ('利州区: "东区"?', "利州区- -东区")):
        named = pd.DataFrame({"name": [name]}, index=pd.Index(["510802"], name="district_id"))
        assert handin.division_prefix("510802", named) == f"510802{shown}_"


def test_cli_rejects_a_bad_division_code_before_solving(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["demo", "--out", str(tmp_path / "out"), "--name-by-division", "51080"])
    assert exit_info.value.code == 2
    assert "6-digit" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_sample_hand_in_named_by_division(tmp_path: Path) -> None:
    out = tmp_path / "out"
    code = main(["-q", "demo", "--out", str(out), "--name-by-division", "510802", "--shapefile"])
    assert code == 0
    # the canonical files stay, so verify and the map still work
    assert verify(out).ok
    for name in ("plan.gpkg", "map.html", "report.md", "districts.csv"):
        assert (out / name).is_file(), name
    prefix = "510802利州区_"
    for name in ("plan.gdb", "plan.jpg", "districts.xlsx", "facilities.xlsx", "shapefile"):
        assert (out / f"{prefix}{name}").exists(), name
    gpkg_layers = {row[0] for row in pyogrio.list_layers(out / "plan.gpkg")} - {"layer_styles"}
    gdb = out / f"{prefix}plan.gdb"
    assert {row[0] for row in pyogrio.list_layers(gdb)} == gpkg_layers
    for layer in gpkg_layers:
        assert (
            pyogrio.read_info(gdb, layer=layer)["features"]
            == (pyogrio.read_info(out / "plan.gpkg", layer=layer)["features"])
        ), layer
    districts = pd.read_csv(out / "districts.csv", dtype={"district_id": str})
    rows = list(load_workbook(out / f"{prefix}districts.xlsx").active.values)
    assert [r[0] for r in rows[1:]] == list(districts["district_id"])
    assert rows[1][1] == "利州区"
    assert rows[1][rows[0].index("千人托位")] == pytest.approx(districts["slots_per_1000"].iloc[0])
    with Image.open(out / f"{prefix}plan.jpg") as im:
        assert im.info["dpi"] == pytest.approx((300, 300))
    assert len(_styles(out / "plan.gpkg")) == len(gpkg_layers)


def test_before_and_after_fields_have_chinese_names() -> None:
    """48 access fields (access_*, walk_*, desert_*) reached plan.gdb's aliases, the
    workbooks' headers and fields.csv in English."""
    import re

    from siting.handin._names import field_alias

    columns = [
        f"{who}walk_{kind}_{minutes}min_{when}"
        for who in ("", "migrant_")
        for kind in ("free", "any")
        for minutes in (5, 10, 15)
        for when in ("before", "after")
    ]
    for when in ("before", "after"):
        columns += [
            f"access_{when}_per_1000",
            f"desert_{when}",
            f"desert_areas_{when}",
            f"desert_population_{when}",
        ]
    columns += ["desert_threshold_per_1000", "colocated_area_id"]
    names = [field_alias(c) for c in columns]
    assert not [n for n in names if re.search("[a-z]", n)]
    assert len(set(names)) == len(names)
    assert field_alias("walk_any_15min_after") == "规划后居民15分钟步行可达托育机构比例"
    assert field_alias("migrant_walk_free_5min_before") == (
        "规划前随迁人口5分钟步行可达有空余托位机构比例"
    )
    assert field_alias("desert_population_before") == "规划前托育服务盲区人口"
    assert field_alias("desert_after") == "规划后是否托育服务盲区"
