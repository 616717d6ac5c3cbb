"""A layer handed over as KML or KMZ (siting.inputs._kml): 奥维互动地图's, Google Earth's and
91卫图's marks, their Chinese attribute names, their balloons' tables, their folders and
their outlines traced as paths, read as a planner means them."""

from __future__ import annotations

import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely

from siting.errors import InputError
from siting.inputs import read_layer
from siting.scenario import LayerPiece, LayerSpec

COLUMNS = {"area_id": "小区编号", "status": "类型", "dwellings": "户数"}
STREETS = {**COLUMNS, "migrant_share": "流动占比"}

SQUARE = "105.840,32.430 105.841,32.430 105.841,32.431 105.840,32.431 105.840,32.430"
"""A square of 0.001° a side near 广元's government, closed."""


def _polygon(dx: float = 0.0) -> str:
    ring = " ".join(f"{float(x) + dx:.3f},{y}" for x, y in (p.split(",") for p in SQUARE.split()))
    return (
        "<Polygon><outerBoundaryIs><LinearRing><coordinates>"
        f"{ring}</coordinates></LinearRing></outerBoundaryIs></Polygon>"
    )


def _placemark(label: str, data: dict[str, str], *, dx: float = 0.0, more: str = "") -> str:
    fields = "".join(f'<Data name="{k}"><value>{v}</value></Data>' for k, v in data.items())
    extended = f"<ExtendedData>{fields}</ExtendedData>" if data else ""
    return f"<Placemark><name>{label}</name>{more}{extended}{_polygon(dx)}</Placemark>"


def _kml(*content: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2">'
        f"<Document><name>广元</name>{''.join(content)}</Document></kml>"
    )


def _folder(name: str, *content: str) -> str:
    return f"<Folder><name>{name}</name>{''.join(content)}</Folder>"


TWO = (
    _placemark("华龙新村", {"小区编号": "A1", "类型": "新建", "户数": "1200"}),
    _placemark("兴隆苑", {"小区编号": "A2", "类型": "老旧小区"}, dx=0.002),
)
"""Two 小区 as Google Earth writes them: a new one with 户数 and an old one without."""


@pytest.mark.parametrize("kmz", [False, True])
def test_chinese_extendeddata_names_are_each_their_own_column(tmp_path: Path, kmz: bool) -> None:
    """GDAL's LIBKML laundered <Data name="户数"> and "类型" to ASCII, both one column
    '______' holding whichever came last: every mapped column was "not in the layer"."""
    doc = _kml(_folder("小区", *TWO))
    if kmz:
        path = tmp_path / "小区.kmz"
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("doc.kml", doc.encode("utf-8"))
            archive.writestr("files/icon.png", b"\x89PNG\r\n\x1a\n")
    else:
        path = tmp_path / "小区.kml"
        path.write_text(doc, encoding="utf-8")
    areas = read_layer(LayerSpec(path=path, columns=COLUMNS), name="areas")
    assert list(areas.index) == ["A1", "A2"]
    assert list(areas["status"]) == ["new", "old"]
    assert areas.loc["A1", "dwellings"] == 1200
    assert np.isnan(areas.loc["A2", "dwellings"])
    assert pyogrio.get_gdal_config_option("LIBKML_LAUNDER_FIELD_NAMES") is None  # put back


def test_the_placemarks_label_is_the_name_and_gdals_drawing_fields_are_left_out(
    tmp_path: Path,
) -> None:
    """<name> was an extra column 'Name' beside the name siting defaults to the id (A1),
    and a GeoPackage cannot hold 'Name' and 'name': writing the plan raised
    "Error adding field 'Name' to layer"."""
    path = tmp_path / "小区.kml"
    path.write_text(_kml(_folder("小区", *TWO)), encoding="utf-8")
    areas = read_layer(LayerSpec(path=path, columns=COLUMNS), name="areas")
    assert list(areas["name"]) == ["华龙新村", "兴隆苑"]
    left = {"Name", "tessellate", "extrude", "visibility", "altitudeMode", "timestamp"}
    assert not left & set(areas.columns)


ARCGIS_TABLE = (
    '<table border="1"><tr><td>{label}</td></tr><tr><td><table>'
    "<tr><td>小区编号</td><td>{id}</td></tr>"
    '<tr bgcolor="#D4E4F3"><td>类型</td><td>{status}</td></tr>'
    "<tr><td>户数</td><td>{dwellings}</td></tr></table></td></tr></table>"
)
"""A balloon as ArcGIS's Layer To KML writes it: a title row, then a nested table of a
field and its value a row."""
NOTE_LINES = "小区编号：{id}\n类型：{status}\n户数: {dwellings}\n备注：http://example.com/a"
"""A description as a mark's note is typed: a field, a colon (full-width or not) and its value a
line."""


@pytest.mark.parametrize("template", [ARCGIS_TABLE, NOTE_LINES], ids=["html", "lines"])
def test_attributes_only_in_the_description_are_read(tmp_path: Path, template: str) -> None:
    """GDAL keeps a placemark's description as one text: 小区编号, 类型 and 户数 in its
    table or lines were "not in the layer"."""
    marks = []
    for i, (label, status, dwellings) in enumerate(
        [("华龙新村", "新建", "1,200"), ("兴隆苑", "农村", "35")]
    ):
        text = template.format(label=label, id=f"A{i + 1}", status=status, dwellings=dwellings)
        description = f"<description><![CDATA[{text}]]></description>"
        marks.append(_placemark(label, {}, dx=0.002 * i, more=description))
    path = tmp_path / "小区.kml"
    path.write_text(_kml(_folder("小区", *marks)), encoding="utf-8")
    areas = read_layer(LayerSpec(path=path, columns=COLUMNS), name="areas")
    assert list(areas.index) == ["A1", "A2"]
    assert list(areas["status"]) == ["new", "rural"]
    assert list(areas["dwellings"]) == [1200, 35]
    assert list(areas["name"]) == ["华龙新村", "兴隆苑"]


def test_a_name_in_both_extendeddata_and_the_description_is_the_extendeddatas(
    tmp_path: Path,
) -> None:
    path = tmp_path / "小区.kml"
    description = "<description>户数：999\n楼栋数：12</description>"
    mark = _placemark(
        "华龙新村", {"小区编号": "A1", "类型": "新建", "户数": "1200"}, more=description
    )
    path.write_text(_kml(_folder("小区", mark)), encoding="utf-8")
    areas = read_layer(LayerSpec(path=path, columns=COLUMNS), name="areas")
    assert areas.loc["A1", "dwellings"] == 1200
    assert areas.loc["A1", "楼栋数"] == "12"


def _streets(path: Path, *, nested: bool) -> None:
    """Four 小区 in folders by 街道 (嘉陵街道: 2, 东坝街道: 1 without 流动占比, and one
    loose), inside a folder 小区 when ``nested``."""
    jialing = _folder(
        "嘉陵街道",
        _placemark("a", {"小区编号": "A1", "类型": "新建", "户数": "100", "流动占比": "0.2"}),
        _placemark("b", {"小区编号": "A2", "类型": "老旧小区", "流动占比": "0.1"}, dx=0.002),
    )
    dongba = _folder("东坝街道", _placemark("c", {"小区编号": "A3", "类型": "农村"}, dx=0.004))
    loose = _placemark("d", {"小区编号": "A4", "类型": "老旧小区"}, dx=0.006)
    content = [_folder("小区", loose, jialing, dongba)] if nested else [jialing, dongba]
    path.write_text(_kml(*content), encoding="utf-8")


def test_a_folder_is_read_with_the_folders_inside_it(tmp_path: Path) -> None:
    """LIBKML makes each folder a layer of its own placemarks: layer = "小区" read only A4,
    the other three, in its 街道 folders, silently left out."""
    path = tmp_path / "小区.kml"
    _streets(path, nested=True)
    areas = read_layer(LayerSpec(path=path, layer="小区", columns=STREETS), name="areas")
    assert sorted(areas.index) == ["A1", "A2", "A3", "A4"]
    assert areas.loc["A1", "migrant_share"] == pytest.approx(0.2)
    assert np.isnan(areas.loc["A3", "migrant_share"])


def test_a_list_of_folders_is_one_layer_a_name_one_folder_lacks_blank_there(
    tmp_path: Path,
) -> None:
    """Read as pieces, 东坝街道 (whose placemarks give no 流动占比) was refused: "column
    '流动占比', mapped to migrant_share …, is not in the layer"."""
    path = tmp_path / "小区.kml"
    _streets(path, nested=False)
    pieces = tuple(LayerPiece(path=path, layer=f) for f in ("嘉陵街道", "东坝街道"))
    spec = LayerSpec(path=path, layer="嘉陵街道", columns=STREETS, pieces=pieces)
    areas = read_layer(spec, name="areas")
    assert sorted(areas.index) == ["A1", "A2", "A3"]
    assert list(areas.loc[["A1", "A2"], "migrant_share"]) == pytest.approx([0.2, 0.1])
    assert np.isnan(areas.loc["A3", "migrant_share"])


def test_folders_without_a_layer_say_how_to_read_them_all(tmp_path: Path) -> None:
    """The fix named one folder (layer = "嘉陵街道"), which would read a third of them."""
    path = tmp_path / "小区.kml"
    _streets(path, nested=False)
    with pytest.raises(InputError) as caught:
        read_layer(LayerSpec(path=path, columns=COLUMNS), name="areas")
    (problem,) = caught.value.problems
    assert 'layer = ["嘉陵街道", "东坝街道"]' in (problem.fix or "")


def test_an_outline_traced_as_a_closed_path_is_its_polygon(tmp_path: Path) -> None:
    """A closed <LineString> was refused with a CAD drawing's fix (ogr2ogr's DXF option,
    "a DXF carries no attribute"), though the path holds the 小区's attributes."""
    path_mark = (
        "<Placemark><name>华龙新村</name><ExtendedData>"
        '<Data name="小区编号"><value>A1</value></Data>'
        '<Data name="类型"><value>老旧小区</value></Data></ExtendedData>'
        f"<LineString><coordinates>{SQUARE}</coordinates></LineString></Placemark>"
    )
    path = tmp_path / "小区.kml"
    path.write_text(_kml(_folder("小区", path_mark)), encoding="utf-8")
    spec = LayerSpec(path=path, columns={"area_id": "小区编号", "status": "类型"})
    areas = read_layer(spec, name="areas")
    (outline,) = areas.geometry
    assert outline.geom_type == "Polygon"
    assert outline.area == pytest.approx(0.001 * 0.001)  # the square, in degrees²


@pytest.mark.parametrize("declared", [True, False])
def test_a_gbk_kml_is_a_problem_saying_to_save_it_as_utf8(tmp_path: Path, declared: bool) -> None:
    """GDAL cannot parse a GBK KML ("unknown encoding", "not well-formed"): the problem
    said "the file cannot be read as a vector layer" and to give a GeoPackage instead."""
    doc = _kml(_folder("小区", *TWO))
    if declared:
        doc = doc.replace('encoding="UTF-8"', 'encoding="GBK"')
    path = tmp_path / "小区.kml"
    path.write_bytes(doc.encode("gbk"))
    with pytest.raises(InputError) as caught:
        read_layer(LayerSpec(path=path, columns=COLUMNS), name="areas")
    (problem,) = caught.value.problems
    how = 'declares encoding="GBK"' if declared else "its text is GBK"
    assert how in problem.message
    assert "GDAL reads a KML only in UTF-8" in problem.message
    assert 'set encoding="UTF-8" in its first line' in (problem.fix or "")


def test_a_column_named_as_another_but_for_case_is_kept_apart(tmp_path: Path) -> None:
    """A GeoJSON (or a KML exported to one) with 'NAME' beside its mapped 小区名称 was
    read; writing the plan's GeoPackage then raised "Error adding field 'NAME' to
    layer"."""
    frame = gpd.GeoDataFrame(
        {"小区编号": ["A1"], "类型": ["新建"], "户数": [1200], "小区名称": ["华龙新村"]},
        geometry=[shapely.box(105.840, 32.430, 105.841, 32.431)],
        crs="EPSG:4326",
    )
    frame["NAME"] = "Hualong Xincun"
    frame.to_file(tmp_path / "areas.geojson", engine="pyogrio")
    spec = LayerSpec(path=tmp_path / "areas.geojson", columns={**COLUMNS, "name": "小区名称"})
    areas = read_layer(spec, name="areas")
    assert (areas.loc["A1", "name"], areas.loc["A1", "NAME_2"]) == ("华龙新村", "Hualong Xincun")
    areas.to_file(tmp_path / "areas.gpkg", layer="areas", engine="pyogrio")


def test_an_outline_beside_its_labels_pin_is_the_outline(tmp_path: Path) -> None:
    """A <MultiGeometry> of a 小区's polygon and a <Point> (GDAL's GeometryCollection) was
    "1 feature has GeometryCollection geometries where Polygon … are expected"."""
    pin = "<Point><coordinates>105.8405,32.4305</coordinates></Point>"
    mark = _placemark("华龙新村", {"小区编号": "A1", "类型": "老旧小区"})
    mark = mark.replace("<Polygon>", f"<MultiGeometry>{pin}<Polygon>")
    mark = mark.replace("</Polygon>", "</Polygon></MultiGeometry>")
    path = tmp_path / "小区.kml"
    path.write_text(_kml(_folder("小区", mark)), encoding="utf-8")
    spec = LayerSpec(path=path, columns={"area_id": "小区编号", "status": "类型"})
    (outline,) = read_layer(spec, name="areas").geometry
    assert outline.geom_type == "Polygon"
    assert outline.area == pytest.approx(0.001 * 0.001)


def test_a_mapped_name_no_placemark_uses_says_it_may_be_left_out(tmp_path: Path) -> None:
    """A KML's columns are the names its placemarks use: 流动占比, given by none, was
    refused with only "correct migrant_share = "流动占比"", though the name was right."""
    path = tmp_path / "小区.kml"
    path.write_text(_kml(_folder("小区", *TWO)), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_layer(LayerSpec(path=path, columns=STREETS), name="areas")
    (problem,) = caught.value.problems
    assert "'流动占比'" in problem.message
    assert "if none of them gives 流动占比, leave migrant_share out of" in (problem.fix or "")


def test_a_where_filter_takes_the_names_of_the_descriptions(tmp_path: Path) -> None:
    """A 奥维 mark's 类型 kept only in its note is read as a column, but ``where`` went to
    GDAL, which sees the ExtendedData alone: ``类型 <> '农村'`` was "the layer has no
    column '类型'", a fix that cannot be followed. It is applied once the descriptions
    are read: A2, the rural one, left out; the label's ``Name`` is still a name it takes."""
    marks = []
    for i, (label, status) in enumerate(
        [("华龙新村", "新建"), ("兴隆苑", "农村"), ("老街", "老旧小区")]
    ):
        text = NOTE_LINES.format(id=f"A{i + 1}", status=status, dwellings="300")
        marks.append(_placemark(label, {}, dx=0.002 * i, more=f"<description>{text}</description>"))
    path = tmp_path / "小区.kml"
    path.write_text(_kml(_folder("小区", *marks)), encoding="utf-8")
    spec = LayerSpec(path=path, columns=COLUMNS, where="类型 <> '农村'")
    assert list(read_layer(spec, name="areas").index) == ["A1", "A3"]
    by_label = LayerSpec(path=path, columns=COLUMNS, where="Name <> '老街'")
    assert list(read_layer(by_label, name="areas").index) == ["A1", "A2"]
