"""Point layers handed over as tables: CSV (UTF-8, UTF-8 with BOM, GBK), Excel and ODS.

The sample city's facilities written as a table with 经度/纬度 columns must read as the
same facilities as its GeoPackage layer; a table's problems name its rows as the planner
sees them (the sheet's row, the CSV's line); a layer without a CRS is told the CRS its
numbers look like.
"""

from __future__ import annotations

import datetime
import json
import logging
import shutil
import warnings
import zipfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyproj
import pytest
from test_inputs import GK, X0, Y0, make_spec, write

from benchmarks import handover_tables
from siting.cli import main
from siting.errors import InputError, Problem
from siting.inputs import read_layer, validate
from siting.inputs._table import _dms
from siting.scenario import LayerSpec

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
CGCS2000 = "EPSG:4490"


def sample_facilities() -> gpd.GeoDataFrame:
    return gpd.read_file(SAMPLE / "city.gpkg", layer="facilities", engine="pyogrio")


def as_table(frame: gpd.GeoDataFrame) -> pd.DataFrame:
    """The layer as a bureau's table: its attributes, then 经度 and 纬度 (Python's repr of
    the floats, so no digit is lost)."""
    table = pd.DataFrame(frame.drop(columns="geometry"))
    table["经度"] = frame.geometry.x.to_numpy()
    table["纬度"] = frame.geometry.y.to_numpy()
    return table


def write_xlsx(
    path: Path, rows: list[list[Any]], *, sheet: str = "Sheet1", merges: tuple[str, ...] = ()
) -> Path:
    """``rows`` as openpyxl writes them, ``merges`` (``"A2:A4"``) merged as Excel merges:
    only the range's first cell keeps its value (the hand-over sweep's writer)."""
    return handover_tables.write_xlsx(path, rows, sheet=sheet, merges=merges)


_ODS_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
)
_ODS_MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest='
    '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
    '<manifest:file-entry manifest:full-path="/" '
    'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
    "</manifest:manifest>"
)


def _ods_cell(value: Any) -> str:
    if value is None:
        return "<table:table-cell/>"
    if isinstance(value, int | float):
        kind = f'office:value-type="float" office:value="{value}"'
    elif isinstance(value, datetime.date):
        kind = f'office:value-type="date" office:date-value="{value.isoformat()}"'
    else:
        kind = 'office:value-type="string"'
    return f"<table:table-cell {kind}><text:p>{value}</text:p></table:table-cell>"


def write_ods(path: Path, rows: list[list[Any]], *, sheet: str = "Sheet1") -> Path:
    """An ODS as LibreOffice saves one: its blank rows as one repeated row, a row of one
    value (a title) merged across the columns, each cell typed (float, date, string)."""
    width = max(len(r) for r in rows)
    body = []
    for row in rows:
        filled = [v for v in row if v is not None]
        if not filled:
            cells = f'<table:table-cell table:number-columns-repeated="{width}"/>'
            if body and body[-1][0] == cells:
                body[-1] = (cells, body[-1][1] + 1)
                continue
        elif len(filled) == 1 and row[0] is not None and width > 1:
            spanned = f'<table:table-cell table:number-columns-spanned="{width}" '
            covered = f'<table:covered-table-cell table:number-columns-repeated="{width - 1}"/>'
            cells = _ods_cell(row[0]).replace("<table:table-cell ", spanned) + covered
        else:
            cells = "".join(_ods_cell(v) for v in row)
        body.append((cells, 1))
    xml = "".join(
        f'<table:table-row table:number-rows-repeated="{n}">{c}</table:table-row>'
        if n > 1
        else f"<table:table-row>{c}</table:table-row>"
        for c, n in body
    )
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {_ODS_NS} '
        f'office:version="1.2"><office:body><office:spreadsheet><table:table table:name='
        f'"{sheet}">{xml}</table:table></office:spreadsheet></office:body>'
        "</office:document-content>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        book.writestr("content.xml", content)
        book.writestr("META-INF/manifest.xml", _ODS_MANIFEST)
    return path


def table_rows(table: pd.DataFrame) -> list[list[Any]]:
    return [list(table.columns)] + [
        [v.item() if isinstance(v, np.generic) else v for v in row]
        for row in table.itertuples(index=False)
    ]


def write_as(table: pd.DataFrame, path: Path, kind: str) -> Path:
    if kind == "xlsx":
        return write_xlsx(path, table_rows(table))
    if kind == "ods":  # GDAL's ODS driver (pandas would need odfpy)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # no geometry, on purpose
            pyogrio.write_dataframe(table, path, driver="ODS", layer="托育机构")
        return path
    encoding = {"csv-utf8": "utf-8", "csv-bom": "utf-8-sig", "csv-gbk": "gbk"}[kind]
    table.to_csv(path, index=False, encoding=encoding)
    return path


def problems_of(spec: LayerSpec, name: str = "facilities") -> tuple[Problem, ...]:
    with pytest.raises(InputError) as caught:
        read_layer(spec, name=name)
    return caught.value.problems


@pytest.mark.parametrize("kind", ["csv-utf8", "csv-bom", "csv-gbk", "xlsx", "ods"])
def test_the_sample_facilities_as_a_table_are_its_geopackage_layer(
    tmp_path: Path, kind: str
) -> None:
    layer = read_layer(LayerSpec(path=SAMPLE / "city.gpkg", layer="facilities"), name="facilities")
    suffix = "." + kind if kind in ("xlsx", "ods") else ".csv"
    path = write_as(as_table(sample_facilities()), tmp_path / f"facilities{suffix}", kind)
    table = read_layer(LayerSpec(path=path, crs=CGCS2000), name="facilities")
    assert table.index.tolist() == layer.index.tolist() == [f"F{i:02d}" for i in range(1, 11)]
    assert pyproj.CRS(table.crs).equals(pyproj.CRS(layer.crs))
    np.testing.assert_allclose(table.geometry.x, layer.geometry.x, rtol=0, atol=1e-7)
    np.testing.assert_allclose(table.geometry.y, layer.geometry.y, rtol=0, atol=1e-7)
    for column in ("slots", "name", "affordable", "demonstration", "district_id"):
        assert table[column].tolist() == layer[column].tolist(), column
    assert "经度" not in table.columns and "纬度" not in table.columns


@pytest.mark.slow
def test_the_sample_plans_the_same_with_its_facilities_as_a_csv(tmp_path: Path) -> None:
    """The clean sample plans 3,860 required slots, 228 short, at 340,661,000 CNY
    (``siting plan data/sample/scenario.toml``, measured on the GeoPackage)."""
    folder = tmp_path / "sample"
    shutil.copytree(SAMPLE, folder)
    as_table(sample_facilities()).to_csv(folder / "facilities.csv", index=False)
    text = (folder / "scenario.toml").read_text(encoding="utf-8")
    gpkg = 'facilities = { path = "city.gpkg", layer = "facilities" }'
    assert gpkg in text
    text = text.replace(gpkg, 'facilities = { path = "facilities.csv", crs = "EPSG:4490" }')
    (folder / "scenario.toml").write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["-q", "plan", str(folder / "scenario.toml"), "--out", str(out), "--no-map"]) == 0
    totals = json.loads((out / "run.json").read_text(encoding="utf-8"))["totals"]
    assert round(totals["required_slots"]) == 3860
    assert round(totals["shortfall_slots"]) == 228
    assert totals["cost"] == 340_661_000


def test_ids_keep_their_leading_zeros_and_text_numbers_are_read(tmp_path: Path) -> None:
    """A CSV's ids are text (0101 is not 101); a coordinate written full-width or in
    degrees, minutes and seconds is read as the number it says."""
    path = tmp_path / "f.csv"
    path.write_text(
        "facility_id,slots,X坐标,Y坐标\n"
        f"0101,30,{X0},{Y0}\n"
        f'0102,"1,030",{X0 + 100:.1f},{Y0 + 100:.1f}\n'.replace("579100.0", "５７９１００．０"),
        encoding="utf-8",
    )
    frame = read_layer(LayerSpec(path=path, crs=GK), name="facilities")
    assert frame.index.tolist() == ["0101", "0102"]
    assert frame["slots"].tolist() == [30, 1030]
    assert frame.geometry.x.tolist() == [X0, X0 + 100]
    assert frame.geometry.y.tolist() == [Y0, Y0 + 100]


def test_degrees_minutes_and_seconds() -> None:
    assert _dms("105°50′30″") == pytest.approx(105 + 50 / 60 + 30 / 3600, abs=1e-12)
    assert _dms("105度50分30秒") == pytest.approx(105 + 50 / 60 + 30 / 3600, abs=1e-12)
    assert _dms("N32°26.5'") == pytest.approx(32 + 26.5 / 60, abs=1e-12)
    assert _dms("105°50'30\"W") == pytest.approx(-(105 + 50 / 60 + 30 / 3600), abs=1e-12)
    assert _dms("105°60′") is None and _dms("105.5") is None and _dms("东坝") is None


def test_bad_rows_are_named_by_their_excel_row_numbers(tmp_path: Path) -> None:
    """Row 1 is the header; row 3 is blank and is skipped without shifting the rows after.
    Row 7's 经度 and 纬度 are 0, blank cells Excel saved as 0: it lay off Africa, and the
    only problem was the working CRS's "stretches distances by 306.8% … near 2.00°E,
    37.89°N" (Guangyuan's zone), naming no row."""
    rows: list[list[Any]] = [
        ["facility_id", "slots", "经度", "纬度"],
        ["F1", 30, 105.84, 32.43],
        [None, None, None, None],
        ["F2", 40, None, 32.44],  # row 4: no 经度
        ["F3", 50, "105°50′30″", "32°26′"],  # read
        ["F4", 60, "abc", 32.45],  # row 6: not a number
        ["F5", 70, 0, "0.0"],  # row 7: blanks saved as 0
    ]
    path = write_xlsx(tmp_path / "f.xlsx", rows)
    problems = problems_of(LayerSpec(path=path, crs=CGCS2000))
    assert [p.ids for p in problems] == [("row 4", "row 6", "row 7")]
    assert problems[0].message == (
        "3 rows have no coordinates or coordinates that are not numbers (row 4: 经度 '', "
        "纬度 '32.44'; row 6: 经度 'abc', 纬度 '32.45'; row 7: 经度 '0', 纬度 '0.0'); 0 and 0 "
        "are blank cells saved as 0, not a place"
    )
    # the same rows in a CSV are named by their lines
    csv = tmp_path / "f.csv"
    csv.write_text(
        "facility_id,slots,经度,纬度\nF1,30,105.84,32.43\n\nF2,40,,32.44\nF3,50,105.85,32.44\n"
        "F4,60,abc,32.45\nF5,70,0,0\n",
        encoding="utf-8",
    )
    lines = [p.ids for p in problems_of(LayerSpec(path=csv, crs=CGCS2000))]
    assert lines == [("line 4", "line 6", "line 7")]


def test_a_sheets_title_rows_are_skipped_and_its_rows_keep_their_numbers(
    tmp_path: Path,
) -> None:
    """A bureau's sheet opens with its title (and a date) above the header."""
    rows: list[list[Any]] = [
        ["广元市托育机构备案名单", None, None, None],
        ["截至2025年6月", None, None, None],
        [None, None, None, None],
        ["机构编号", "托位数", "经度", "纬度"],  # row 4
        ["0101", 30, 105.84, 32.43],
        ["0102", 40, "", 32.44],  # row 6
    ]
    path = write_xlsx(tmp_path / "f.xlsx", rows)
    columns = {"facility_id": "机构编号", "slots": "托位数"}
    (problem,) = problems_of(LayerSpec(path=path, crs=CGCS2000, columns=columns))
    assert problem.ids == ("row 6",)
    rows[5][2] = 105.85
    write_xlsx(path, rows)
    frame = read_layer(LayerSpec(path=path, crs=CGCS2000, columns=columns), name="facilities")
    assert frame.index.tolist() == ["0101", "0102"]
    assert frame["slots"].tolist() == [30, 40]


def test_an_ods_sheets_rows_keep_their_numbers_under_its_title(tmp_path: Path) -> None:
    """LibreOffice's ODS with two blank rows at the top, a title merged across the columns
    and a blank row above the header, and a blank row among the data: a bad row is named
    by its row in the sheet, as in Excel. Before, GDAL's ODS driver put a header of its
    own (Field1, Field2 …) above the two blank rows, so every row was named one too far
    down (the row without 经度, row 8, was 'row 9'), and gave the blank row among the data
    as NaN, read as a facility without id, slots and coordinates (three problems)."""
    rows: list[list[Any]] = [
        [None, None, None, None],
        [None, None, None, None],
        ["广元市托育机构备案名单", None, None, None],  # row 3
        [None, None, None, None],
        ["机构编号", "托位数", "经度", "纬度"],  # row 5
        ["0101", 30, 105.84, 32.43],
        [None, None, None, None],  # row 7
        ["0102", 40, None, 32.44],  # row 8
        ["0103", 50, "105°50′30″", "32°26′"],
    ]
    path = write_ods(tmp_path / "f.ods", rows, sheet="托育机构")
    columns = {"facility_id": "机构编号", "slots": "托位数"}
    (problem,) = problems_of(LayerSpec(path=path, crs=CGCS2000, columns=columns))
    assert problem.ids == ("row 8",)
    assert problem.message == (
        "1 row has no coordinates or coordinates that are not numbers (row 8: 经度 '', "
        "纬度 '32.44')"
    )
    rows[7][2] = 105.85
    write_ods(path, rows, sheet="托育机构")
    frame = read_layer(LayerSpec(path=path, crs=CGCS2000, columns=columns), name="facilities")
    assert frame.index.tolist() == ["0101", "0102", "0103"]
    assert frame["slots"].tolist() == [30, 40, 50]
    assert frame.geometry.x.tolist() == [105.84, 105.85, 105 + 50 / 60 + 30 / 3600]
    assert frame.geometry.y.tolist() == [32.43, 32.44, 32 + 26 / 60]


def test_a_workbooks_cells_are_read_as_openpyxl_reads_them(tmp_path: Path) -> None:
    """python-calamine gives every cell as openpyxl (the reader before it) did: a whole
    number as an int (510802, whose id is '510802', not '510802.0'), text ids with their
    zeros, a number formatted as text still a number, dates, booleans, merged title
    cells, blank rows in place. It gives an empty cell as '' where openpyxl gave None, an
    error cell (#N/A) as '' where openpyxl gave its text, and a date at midnight as a
    date where openpyxl gave a datetime."""
    import openpyxl

    from siting.inputs._problems import _Report, _Where
    from siting.inputs._table import _read_workbook

    rows: list[list[Any]] = [
        ["广元市托育机构备案名单", None, None, None, None, None],
        [None] * 6,
        ["facility_id", "name", "slots", "经度", "纬度", "备案日期"],
        [510802, 123, 30, 105.84, 32.43, datetime.datetime(2024, 1, 2)],
        ["0101", "东坝托育园", 40.0, "１０５．８５", "32°26′", datetime.datetime(2024, 3, 5, 9)],
        [None] * 6,
        ["0102", "0102", 50, "105°50′30″", 32.44, True],
        ["0103", "#N/A", 60, 105.86, 32.45, None],  # an error cell: openpyxl writes it so
    ]
    path = write_xlsx(tmp_path / "f.xlsx", rows)
    book = openpyxl.load_workbook(path)
    sheet = book.active
    assert sheet is not None
    sheet.merge_cells("A1:F1")
    sheet["B7"].number_format = "@"  # text: '0102' stays text
    sheet["C4"].number_format = "@"  # a number formatted as text after it was typed
    book.save(path)
    old = openpyxl.load_workbook(path, read_only=True, data_only=True)
    stored = list(enumerate(old.active.iter_rows(min_row=1, values_only=True), start=1))
    old.close()

    def seen(cell: Any) -> Any:
        if cell is None or cell == "#N/A":  # an empty cell, an error
            return ""
        if isinstance(cell, datetime.datetime) and cell.time() == datetime.time():
            return cell.date()
        return cell

    found = _read_workbook(path, None, _Where(str(path), "facilities"), _Report())
    assert found is not None
    read, sheet, hidden = found
    assert sheet == "Sheet1" and hidden == frozenset()
    assert [(n, [seen(c) for c in cells]) for n, cells in stored] == read
    assert [type(c) for c in read[3][1]] == [int, int, int, float, float, datetime.date]
    frame = read_layer(LayerSpec(path=path, crs=CGCS2000), name="facilities")
    assert frame.index.tolist() == ["510802", "0101", "0102", "0103"]
    assert frame["name"].tolist() == ["123", "东坝托育园", "0102", "0103"]  # 0103: its id
    assert frame["slots"].tolist() == [30, 40, 50, 60]


def test_an_excel_97_2003_workbook_is_read(tmp_path: Path) -> None:
    """A bureau's 备案名单.xls (tests/data/bureau_list.xls, written by xlwt: see
    tests/data/make_bureau_list_xls.py): read by its sheet, under its merged title, with
    its rows named as in the sheet. Before, an .xls was refused ("save it as .xlsx")."""
    path = Path(__file__).parent / "data" / "bureau_list.xls"
    columns = {"facility_id": "机构编号", "name": "机构名称", "slots": "托位数"}
    frame = read_layer(LayerSpec(path=path, crs=CGCS2000, columns=columns), name="facilities")
    assert frame.index.tolist() == ["0101", "510802", "0103", "0104"]
    assert frame["name"].tolist() == ["东坝托育园", "123", "嘉陵托育园", "南河托育园"]
    assert frame["slots"].tolist() == [30, 40, 50, 60]
    assert frame.geometry.x.tolist() == [105.84, 105.85, 105 + 50 / 60 + 30 / 3600, 105.86]
    assert frame.geometry.y.tolist() == [32.43, 32.44, 32 + 26 / 60, 32.45]
    pending = LayerSpec(path=path, layer="待核", crs=CGCS2000, columns=columns)
    (problem,) = problems_of(pending)
    assert problem.ids == ("row 3",)
    assert problem.message.endswith("(row 3: 经度 '', 纬度 '32.41')")
    copy = shutil.copy(path, tmp_path / "备案名单.XLS")
    (problem,) = problems_of(LayerSpec(path=Path(copy), layer="2024年", crs=CGCS2000))
    assert problem.message == "the workbook has no sheet '2024年'; its sheets are '2025年', '待核'"


@pytest.mark.parametrize("suffix", [".xlsx", ".xls", ".ods"])
def test_a_damaged_workbook_is_a_problem(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"f{suffix}"
    path.write_text("机构编号,经度,纬度\n0101,105.84,32.43\n", encoding="utf-8")
    (problem,) = problems_of(LayerSpec(path=path, crs=CGCS2000))
    assert problem.message.startswith("the workbook cannot be read (")
    assert problem.fix.startswith(
        "open it in LibreOffice or WPS" if suffix == ".ods" else "open it in Excel or WPS"
    )


def test_a_workbook_python_calamine_panics_on_is_a_problem(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """One byte of tests/data/bureau_list.xls changed (2549: 0x01 -> 0xF2) makes calamine
    0.37 panic ("range end index 2 out of range for slice of length 0"): pyo3 raises that as
    PanicException, a BaseException that ``except Exception`` let through as a traceback.
    Rust's own panic line ("thread '<unnamed>' panicked at …") was printed beside the
    problem; the workbook opened apart first keeps it there."""
    problem = _damaged_bureau_list(tmp_path, 2549, 0xF2)
    assert problem.message == (
        "the workbook cannot be read (PanicException: range end index 2 out of range for "
        "slice of length 0)"
    )
    assert "panicked" not in capfd.readouterr().err


def _damaged_bureau_list(tmp_path: Path, at: int, byte: int) -> Problem:
    """The one problem of tests/data/bureau_list.xls with the byte ``at`` changed."""
    data = bytearray((Path(__file__).parent / "data" / "bureau_list.xls").read_bytes())
    data[at] = byte
    path = tmp_path / "备案名单.xls"
    path.write_bytes(bytes(data))
    (problem,) = problems_of(LayerSpec(path=path, crs=CGCS2000))
    assert problem.file == str(path)
    return problem


def test_a_workbook_python_calamine_aborts_on_is_a_problem(tmp_path: Path) -> None:
    """One byte of tests/data/bureau_list.xls changed (2678: 0x00 -> 0x83) makes
    python-calamine ask for 1,030,784,103,120 bytes when it opens the workbook, and abort:
    the process running siting ended with no word (SIGABRT). The workbook is now opened in
    a process of its own first."""
    problem = _damaged_bureau_list(tmp_path, 2678, 0x83)
    assert problem.message == (
        "the workbook is damaged: python-calamine stopped reading it (memory allocation of "
        "1030784103120 bytes failed)"
    )
    assert problem.fix == "open it in Excel or WPS and save it again as .xlsx, or as CSV UTF-8"


def test_a_workbooks_problems_name_the_sheet_read_without_layer(tmp_path: Path) -> None:
    """The sheet read by default (the first shown) was named in problems only when
    ``layer`` named it: a row's problem said "row 3" of a workbook of several sheets."""
    path = write_xlsx(
        tmp_path / "备案名单.xlsx",
        [["机构编号", "经度", "纬度"], ["0101", 105.84, 32.43], ["0102", "", 32.44]],
        sheet="2025年",
    )
    problem, _ = problems_of(
        LayerSpec(path=path, crs=CGCS2000, columns={"facility_id": "机构编号"})
    )  # and slots missing, below
    assert str(problem).startswith(
        f"file {path}, layer '2025年' (read as facilities): 1 row has no coordinates"
    )
    complete = write_xlsx(
        tmp_path / "complete.xlsx",
        [["机构编号", "经度", "纬度"], ["0101", 105.84, 32.43]],
        sheet="2025年",
    )
    (problem,) = problems_of(
        LayerSpec(path=complete, crs=CGCS2000, columns={"facility_id": "机构编号"})
    )
    assert str(problem).startswith(
        f"file {complete}, layer '2025年' (read as facilities), column 'slots': required column"
    )


def test_a_value_far_from_the_table_is_a_problem_not_gigabytes(tmp_path: Path) -> None:
    """A space typed in Z1,048,576 made python-calamine allocate 27 million cells (1.3 GB,
    15 s), one in XFD1,048,576 550 GB (the process aborted): the problem names the cell.
    Cells formatted that far, without values, are read as before."""
    import openpyxl
    from openpyxl.styles import Font

    rows: list[list[Any]] = [["facility_id", "slots", "经度", "纬度"], ["0101", 30, 105.84, 32.43]]
    far = write_xlsx(tmp_path / "far.xlsx", rows, sheet="托育机构")
    book = openpyxl.load_workbook(far)
    sheet = book.active
    assert sheet is not None
    sheet["Z1048576"] = " "
    book.save(far)
    (problem,) = problems_of(LayerSpec(path=far, crs=CGCS2000))
    assert problem.message == (
        "sheet '托育机构' holds a value as far as cell Z1048576, which would make siting read "
        "27,262,976 cells (at most 20,000,000)"
    )
    assert problem.fix is not None and problem.fix.startswith("delete what is in Z1048576")
    del sheet["Z1048576"]
    sheet["Z1048576"].font = Font(bold=True)  # formatted, empty: the used range A1:Z1048576
    book.save(far)
    frame = read_layer(LayerSpec(path=far, crs=CGCS2000), name="facilities")
    assert frame.index.tolist() == ["0101"]


def test_a_workbooks_hidden_first_sheet_is_not_read(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """WPS's and Excel's workbooks often begin with a hidden sheet (a template's lists):
    the table is the first sheet shown, as Excel opens it. Before, the hidden sheet was
    read ('no coordinate columns ... (its columns: 区划代码)')."""
    import openpyxl

    path = write_xlsx(tmp_path / "f.xlsx", [["区划代码"], [510802]], sheet="字典")
    book = openpyxl.load_workbook(path)
    book["字典"].sheet_state = "hidden"
    table = book.create_sheet("托育机构")
    for row in (["facility_id", "slots", "经度", "纬度"], ["0101", 30, 105.84, 32.43]):
        table.append(row)
    book.save(path)
    with caplog.at_level(logging.INFO, logger="siting"):
        frame = read_layer(LayerSpec(path=path, crs=CGCS2000), name="facilities")
    assert frame.index.tolist() == ["0101"]
    assert (
        "facilities: read sheet '托育机构', the first shown of the workbook's 2 ('字典', "
        "'托育机构'; hidden or charts: '字典'); say layer = \"...\" under [inputs.facilities] "
        "for another"
    ) in caplog.messages


def test_empty_coordinates_are_shown_empty_not_none(tmp_path: Path) -> None:
    """An empty cell, an error cell (#VALUE!) or a formula never calculated is shown as ''
    in the problem, as the sheet shows it; it was 'None'."""
    rows: list[list[Any]] = [["facility_id", "经度", "纬度"], ["0101", None, 32.43]]
    rows += [["0102", "#VALUE!", 32.44]]
    path = write_xlsx(tmp_path / "f.xlsx", rows)
    (problem,) = problems_of(LayerSpec(path=path, crs=CGCS2000))
    assert "(the first: '' and '32.43', '32.44')" in problem.message


def test_a_workbook_its_suffix_mislabels_is_read_by_its_bytes(tmp_path: Path) -> None:
    """tests/data/bureau_list.xls copied as .xlsx, and an .xlsx named .xls (as WPS and
    government systems save them), are read: they were 'the workbook cannot be read
    (ZipError: invalid Zip archive: Could not find EOCD)' and '(... Invalid OLE ...)'."""
    columns = {"facility_id": "机构编号", "name": "机构名称", "slots": "托位数"}
    xls = shutil.copy(Path(__file__).parent / "data" / "bureau_list.xls", tmp_path / "a.xlsx")
    frame = read_layer(LayerSpec(path=Path(xls), crs=CGCS2000, columns=columns), name="facilities")
    assert frame.index.tolist() == ["0101", "510802", "0103", "0104"]
    rows: list[list[Any]] = [["facility_id", "slots", "经度", "纬度"], ["0101", 30, 105.84, 32.43]]
    xlsx = write_xlsx(tmp_path / "b.xls", rows)
    frame = read_layer(LayerSpec(path=xlsx, crs=CGCS2000), name="facilities")
    assert frame.geometry.x.tolist() == [105.84]


@pytest.mark.parametrize("suffix", [".xlsx", ".xls"])
def test_a_workbook_with_a_password_is_said_to_be(tmp_path: Path, suffix: str) -> None:
    """Excel and WPS save a workbook with a password as an OLE file holding an
    EncryptedPackage stream (its header and that stream's name, the rest left out here):
    it was 'the workbook cannot be read (ZipError: invalid Zip archive ...)'."""
    path = tmp_path / f"f{suffix}"
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    path.write_bytes(header + "EncryptedPackage".encode("utf-16-le") + bytes(1024))
    (problem,) = problems_of(LayerSpec(path=path, crs=CGCS2000))
    assert problem.message == "the workbook is protected by a password (its contents are encrypted)"
    assert problem.fix is not None and problem.fix.startswith("open it in Excel or WPS with")


def test_a_value_far_from_an_ods_table_is_a_problem(tmp_path: Path) -> None:
    """A space in AD1,048,003 of an ODS (LibreOffice's repeated empty rows and cells up to
    it) made siting build 31 million cells in Python (2.5 GB, 14 s)."""
    rows: list[list[Any]] = [["facility_id", "slots", "经度", "纬度"], ["0101", 30, 105.84, 32.43]]
    path = write_ods(tmp_path / "f.ods", rows, sheet="托育机构")
    with zipfile.ZipFile(path) as book:
        parts = {i.filename: book.read(i) for i in book.infolist()}
    far = (
        '<table:table-row table:number-rows-repeated="1048000"><table:table-cell '
        'table:number-columns-repeated="30"/></table:table-row><table:table-row>'
        '<table:table-cell table:number-columns-repeated="29"/><table:table-cell '
        'office:value-type="string"><text:p> </text:p></table:table-cell></table:table-row>'
    )
    parts["content.xml"] = parts["content.xml"].replace(
        b"</table:table>", far.encode() + b"</table:table>"
    )
    with zipfile.ZipFile(path, "w") as book:
        for name, data in parts.items():
            book.writestr(name, data)
    (problem,) = problems_of(LayerSpec(path=path, crs=CGCS2000))
    assert problem.message == (
        "sheet '托育机构' holds a value as far as cell AD1048003, which would make siting read "
        "31,440,090 cells (at most 20,000,000)"
    )


def test_latitudes_in_the_longitude_column_are_said_to_be_swapped(tmp_path: Path) -> None:
    table = as_table(sample_facilities()).rename(columns={"经度": "纬度", "纬度": "经度"})
    table.to_csv(tmp_path / "f.csv", index=False)
    (problem,) = problems_of(LayerSpec(path=tmp_path / "f.csv", crs=CGCS2000))
    assert problem.message.startswith(
        "column '经度' holds latitudes (32.3828–32.4751) and '纬度' longitudes (105.8209–"
    )
    assert problem.fix.startswith('give x = "纬度" and y = "经度" under [inputs.facilities]')


def test_a_tables_problems_are_all_said_by_validate(tmp_path: Path) -> None:
    """validate says what plan would: a bad row, a bad value, an id missing (by its row)."""
    path = tmp_path / "f.csv"
    path.write_text(
        f"facility_id,slots,x,y\nF1,30,{X0},{Y0}\nF2,many,{X0 + 50},{Y0}\n,40,{X0},\n",
        encoding="utf-8",
    )
    problems = validate(make_spec(tmp_path, facilities=LayerSpec(path=path, crs=GK)), crs=GK)
    said = {(p.layer, p.column, p.ids) for p in problems}
    assert ("facilities", None, ("line 4",)) in said  # its y is empty
    assert ("facilities", "slots", ("F2",)) in said
    assert ("facilities", "facility_id", ("line 4",)) in said


def test_a_csv_in_an_encoding_it_is_not_in_is_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes("facility_id,slots,x,y\n托育,30,1,2\n".encode("gbk"))
    (problem,) = problems_of(LayerSpec(path=path, crs=GK, encoding="utf-8"))
    assert problem.message == "the table's text is not UTF-8 (byte b'\\xcd' at 22)"
    (problem,) = problems_of(LayerSpec(path=path, crs=GK, encoding="gbkk"))
    assert problem.message == (
        "encoding = 'gbkk' under [inputs.facilities] is not an encoding Python knows"
    )


def test_a_wrong_sheet_lists_the_sheets(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "f.xlsx", [["facility_id", "经度", "纬度"]], sheet="托育机构")
    (problem,) = problems_of(LayerSpec(path=path, layer="Sheet1", crs=CGCS2000))
    assert problem.message == "the workbook has no sheet 'Sheet1'; its sheets are '托育机构'"
    assert problem.fix == (
        'set layer = "托育机构" (or another of its sheets) under [inputs.facilities]'
    )


def test_columns_named_by_x_and_y_and_an_address_without_coordinates(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text(f"facility_id,slots,东,北\nF1,30,{X0},{Y0}\n", encoding="utf-8")
    frame = read_layer(LayerSpec(path=path, crs=GK, x="东", y="北"), name="facilities")
    assert frame.geometry.x.tolist() == [X0] and frame.geometry.y.tolist() == [Y0]
    (problem,) = problems_of(LayerSpec(path=path, crs=GK))
    assert problem.message.startswith("the table has no coordinate columns siting recognises")
    address = tmp_path / "a.csv"
    address.write_text("facility_id,地址\nF1,利州区东坝街道1号\n", encoding="utf-8")
    (problem,) = problems_of(LayerSpec(path=address, crs=GK))
    assert "siting does not geocode addresses" in problem.message
    gpkg = write(sample_facilities(), tmp_path / "f.gpkg")
    (problem,) = problems_of(LayerSpec(path=gpkg, x="经度", y="纬度"))
    assert problem.message.startswith("x and y under [inputs.facilities] name the coordinate")


def test_one_column_of_coordinate_pairs_is_read(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """高德's and 百度's coordinate pickers copy both numbers as one text
    (``105.857687,32.444327``), and a bureau's list keeps them so, in a 坐标 or 经纬度
    column: such a table was refused ("no coordinate columns siting recognises", with a
    fix naming x and y, which one column cannot give)."""
    path = tmp_path / "备案名单.csv"
    path.write_text(
        "机构编号,坐标,托位数\n"
        '0101,"105.857687,32.444327",30\n'
        "0102,105.854412，32.450797,40\n"  # a full-width comma: no quotes needed
        "0103,(105.85 32.46),50\n",
        encoding="utf-8",
    )
    columns = {"facility_id": "机构编号", "slots": "托位数"}
    with caplog.at_level(logging.INFO, logger="siting"):
        frame = read_layer(LayerSpec(path=path, crs=CGCS2000, columns=columns), name="facilities")
    assert frame.index.tolist() == ["0101", "0102", "0103"]
    assert frame.geometry.x.tolist() == [105.857687, 105.854412, 105.85]
    assert frame.geometry.y.tolist() == [32.444327, 32.450797, 32.46]
    assert frame["slots"].tolist() == [30, 40, 50]
    assert "坐标" not in frame.columns and "坐标: x" not in frame.columns
    assert (
        "facilities: read 3 points from 备案名单.csv, column '坐标' (two numbers: x, y)"
        in caplog.text
    )
    # latitude first (Google's "lat, lng") in a 经纬度 column: in China the numbers say so
    flipped = tmp_path / "flipped.csv"
    flipped.write_text('facility_id,slots,经纬度\nF1,30,"32.444327, 105.857687"\n', "utf-8")
    frame = read_layer(LayerSpec(path=flipped, crs=CGCS2000), name="facilities")
    assert (frame.geometry.x.tolist(), frame.geometry.y.tolist()) == ([105.857687], [32.444327])
    # outside China a number of degrees above 90 is a longitude: Google's "lat, lng" in
    # Aguascalientes (21.88, -102.29) in a 坐标 column, which says longitude first
    mexico = tmp_path / "mexico.csv"
    mexico.write_text('facility_id,slots,坐标\nF1,30,"21.8818, -102.2916"\n', "utf-8")
    frame = read_layer(LayerSpec(path=mexico, crs="EPSG:4326"), name="facilities")
    assert (frame.geometry.x.tolist(), frame.geometry.y.tolist()) == ([-102.2916], [21.8818])
    # else the name says it: latlng is latitude first, lnglat longitude first
    accra = tmp_path / "accra.csv"
    accra.write_text('facility_id,slots,latlng,lnglat\nF1,30,"5.6037, -0.1870","-0.1870, 5.6037"\n')
    frame = read_layer(LayerSpec(path=accra, crs="EPSG:4326"), name="facilities")
    assert (frame.geometry.x.tolist(), frame.geometry.y.tolist()) == ([-0.187], [5.6037])
    assert frame["lnglat"].tolist() == ["-0.1870, 5.6037"]  # the first pair column is read
    # any column, named as x and y both; an unreadable pair is named by its line
    named = tmp_path / "named.csv"
    named.write_text('facility_id,slots,位置\nF1,30,"105.85,32.44"\nF2,40,"105.86"\n', "utf-8")
    (problem,) = problems_of(LayerSpec(path=named, crs=CGCS2000, x="位置", y="位置"))
    assert problem.ids == ("line 3",)
    assert problem.message == (
        "1 row has no coordinates or coordinates that are not numbers "
        "(line 3: 位置: x '105.86', 位置: y '')"
    )
    # under a sheet's title rows, as a bureau's list sits
    rows: list[list[Any]] = [
        ["广元市托育机构备案名单"],
        ["2025-06"],
        ["机构编号", "托位数", "坐标"],
    ]
    book = write_xlsx(tmp_path / "备案名单.xlsx", [*rows, ["0101", 30, "105.85,32.44"]])
    frame = read_layer(LayerSpec(path=book, crs=CGCS2000, columns=columns), name="facilities")
    assert frame.index.tolist() == ["0101"] and frame.geometry.x.tolist() == [105.85]
    # a location column of addresses is still an address
    address = tmp_path / "a.csv"
    address.write_text("facility_id,location\nF1,利州区东坝街道1号\n", encoding="utf-8")
    (problem,) = problems_of(LayerSpec(path=address, crs=CGCS2000))
    assert "siting does not geocode addresses" in problem.message


def test_a_table_without_crs_is_told_the_crs_its_numbers_look_like(tmp_path: Path) -> None:
    """Degrees in China: EPSG:4490 (and gcj02/bd09 for web maps' points); metres with the
    zone number 35 in front: EPSG:4523; metres without it: the central meridian is needed."""
    facilities = sample_facilities()
    degrees = as_table(facilities).to_csv(tmp_path / "d.csv", index=False)
    assert degrees is None
    (problem,) = problems_of(LayerSpec(path=tmp_path / "d.csv"))
    assert problem.message == "the table's coordinates have no CRS (a table does not hold one)"
    assert 'add crs = "EPSG:4490" under [inputs.facilities]' in problem.fix
    assert 'datum_shift = "gcj02" or "bd09"' in problem.fix
    zoned = as_table(facilities.to_crs("EPSG:4523"))
    assert (zoned["经度"] // 1_000_000 == 35).all()
    zoned.to_csv(tmp_path / "z.csv", index=False)
    (problem,) = problems_of(LayerSpec(path=tmp_path / "z.csv"))
    assert problem.fix.startswith(
        "the coordinates look like metres of EPSG:4523 (CGCS2000 / 3-degree Gauss-Kruger zone "
        '35): x starts with the zone number 35; add crs = "EPSG:4523" under [inputs.facilities]'
    )
    (easting,) = (
        p.value for p in pyproj.CRS("EPSG:4523").coordinate_operation.params if "easting" in p.name
    )
    assert easting == 35_500_000  # the zone number in front
    # the zone number in front of degrees is no Gauss–Krüger layer: y is no northing
    mixed = as_table(facilities).assign(经度=lambda t: t["经度"] + 35_000_000)
    mixed.to_csv(tmp_path / "m.csv", index=False)
    (problem,) = problems_of(LayerSpec(path=tmp_path / "m.csv"))
    assert "EPSG:4523" not in problem.fix
    assert "look like no CRS siting knows by its numbers" in problem.fix
    as_table(facilities.to_crs(GK)).to_csv(tmp_path / "g.csv", index=False)
    (problem,) = problems_of(LayerSpec(path=tmp_path / "g.csv"))
    assert problem.fix.startswith(
        "the coordinates look like Gauss–Krüger (or UTM) metres without the zone number, which "
        "do not say their central meridian"
    )


def test_a_shapefile_without_prj_is_told_the_crs_its_numbers_look_like(tmp_path: Path) -> None:
    path = tmp_path / "f.shp"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the DBF cuts facility_id and subdistrict_id
        sample_facilities().set_crs(None, allow_override=True).to_file(path, encoding="utf-8")
    assert not path.with_suffix(".prj").exists()
    (problem,) = problems_of(LayerSpec(path=path))
    assert problem.message == "the layer has no CRS (coordinate reference system)"
    assert problem.fix.startswith(
        "define the CRS in the file (a .prj beside a Shapefile), or give it: the coordinates "
        "look like longitude and latitude in China (105.8209–105.8770°E, 32.3828–32.4751°N): "
        'if they are CGCS2000, GPS or 天地图 coordinates, add crs = "EPSG:4490"'
    )


@pytest.mark.parametrize(
    ("drawn", "declared", "said"),
    [("EPSG:4523", "EPSG:4544", "carry the zone number 35"), ("EPSG:4544", "EPSG:4523", "have no")],
)
def test_a_zone_number_the_crs_does_not_expect_is_named(
    tmp_path: Path, drawn: str, declared: str, said: str
) -> None:
    """Before, only the study-area check said so ("nowhere near"), and only with a study area:
    a layer read alone, or the areas themselves, went on with x 35,000 km off."""
    moved = sample_facilities().to_crs(drawn).set_crs(declared, allow_override=True)
    path = write(moved, tmp_path / "f.gpkg")
    (problem,) = problems_of(LayerSpec(path=path))
    assert said in problem.message
    assert problem.message.endswith(f"the coordinates are in {drawn} ({pyproj.CRS(drawn).name})")
    as_table(moved).to_csv(tmp_path / "f.csv", index=False)
    (problem,) = problems_of(LayerSpec(path=tmp_path / "f.csv", crs=declared))
    assert problem.fix == f'give crs = "{drawn}" under [inputs.facilities]'


@pytest.mark.parametrize(
    ("role", "keys", "noun"),
    [
        ("districts", {}, "the districts need polygons"),
        ("population", {}, "the population needs a raster of persons per cell"),
        ("population", {"column": "人口"}, "the population needs a raster of persons per cell"),
    ],
)
def test_a_table_given_where_polygons_are_needed_is_one_problem_saying_so(
    tmp_path: Path, role: str, keys: dict[str, str], noun: str
) -> None:
    """A table's rows are points: as districts or census units it is one problem that
    says polygons are needed (as areas they are a 小区 list, tests/test_catchments.py).
    Before, a population table without column was 'cannot be read as a raster ... check
    that it is not damaged'."""
    from siting.scenario import PopulationSpec

    path = tmp_path / "t.csv"
    path.write_text(f"id,人口,经度,纬度\nA1,300,105.84,32.43\nA2,200,{105.85},32.44\n", "utf-8")
    spec: LayerSpec = (
        PopulationSpec(path=path, **keys)  # type: ignore[arg-type]
        if role == "population"
        else LayerSpec(path=path)
    )
    problems = [p for p in validate(make_spec(tmp_path, **{role: spec}), crs=GK) if p.layer == role]
    assert [p.file for p in problems] == [str(path)]
    (problem,) = problems
    assert "is a table" in problem.message and noun in problem.message
    assert "GeoPackage or Shapefile" in problem.fix


@pytest.mark.parametrize("declared", ["EPSG:4523", "EPSG:4544"])
def test_a_surveyors_x_northing_y_easting_is_said_to_be_swapped(
    tmp_path: Path, declared: str
) -> None:
    """A surveyor's table writes X坐标 as the northing and Y坐标 as the easting; siting takes
    X坐标 as x. With its CRS given, only the study-area check caught it ('nowhere near',
    and read_layer not at all); now a problem names the two columns' swap."""
    drawn = sample_facilities().to_crs(declared)
    table = pd.DataFrame(
        {
            "facility_id": drawn["facility_id"],
            "slots": drawn["slots"],
            "X坐标": drawn.geometry.y.round(2),
            "Y坐标": drawn.geometry.x.round(2),
        }
    )
    table.to_csv(tmp_path / "f.csv", index=False)
    (problem,) = problems_of(LayerSpec(path=tmp_path / "f.csv", crs=declared))
    assert "x and y are swapped" in problem.message and "X northing, Y easting" in problem.message
    assert "swap" in problem.fix
    right = LayerSpec(path=tmp_path / "f.csv", crs=declared, x="Y坐标", y="X坐标")
    assert len(read_layer(right, name="facilities")) == len(drawn)


def test_a_web_map_table_without_crs_is_told_the_crs_alone(tmp_path: Path) -> None:
    """A table of 高德 points given datum_shift = "gcj02" but no crs: the fix says the crs
    to add beside the key it has. Before, it said to add datum_shift 'as well'."""
    from siting.scenario import DatumShift

    as_table(sample_facilities()).to_csv(tmp_path / "f.csv", index=False)
    spec = LayerSpec(path=tmp_path / "f.csv", datum_shift=DatumShift(web_map="gcj02"))
    (problem,) = problems_of(spec)
    assert problem.fix.startswith(
        'add crs = "EPSG:4326" under [inputs.facilities]: the longitudes and latitudes of '
        'a web map, which datum_shift = "gcj02" moves back'
    )


def test_x_and_y_columns_are_read_before_a_column_of_pairs(tmp_path: Path) -> None:
    """A bureau's list with its Gauss-Krüger X坐标 and Y坐标 and a 经纬度 column beside them
    was read from the 经纬度 pairs (degrees) under the scenario's crs of the X and Y (the
    point 105.85 m east of the CRS's origin); before the pairs were read, the X and Y were,
    and are again."""
    path = tmp_path / "备案名单.csv"
    path.write_text(
        f'facility_id,slots,X坐标,Y坐标,经纬度\nF1,30,{X0 + 500},{Y0 + 800},"105.85,32.44"\n',
        encoding="utf-8",
    )
    frame = read_layer(LayerSpec(path=path, crs=GK), name="facilities")
    assert (frame.geometry.x.tolist(), frame.geometry.y.tolist()) == ([X0 + 500], [Y0 + 800])
    assert frame["经纬度"].tolist() == ["105.85,32.44"]


def test_a_workbook_that_does_not_open_in_time_is_said_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A binary workbook whose process of its own ran out of time was said as "did not
    open it in 120 s", a sentence without its subject."""
    import siting.inputs._table as table

    monkeypatch.setattr(table, "_OPEN_APART_S", 0.001)
    path = shutil.copy(Path(__file__).parent / "data" / "bureau_list.xls", tmp_path / "a.xls")
    (problem,) = problems_of(LayerSpec(path=Path(path), crs=CGCS2000))
    assert problem.message == (
        "the workbook did not open in 0.001 s (python-calamine was stopped; it may be damaged)"
    )


def test_a_bureaus_totals_subtotals_and_notes_rows_are_left_out_and_named(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A commission's list sums its slots in 小计 rows per district and a 合计 row, and
    says its CRS and source under the table; those rows have no coordinates. Before, each
    was "a row with no coordinates", and the list could not be read as handed over."""
    rows: list[list[Any]] = [
        ["序号", "机构编号", "托位数", "经度", "纬度"],
        [1, "F1", 30, 105.84, 32.43],
        [2, "F2", 40, 105.85, 32.44],
        ["小计", None, 70, None, None],  # row 4
        [3, "F3", 50, 105.86, 32.45],
        ["小 计", None, 50, None, None],  # row 6
        ["合  计", None, 120, None, None],  # row 7
        [None, None, None, None, None],
        ["注：坐标系为CGCS2000", None, None, None, None],  # row 9
        ["填报单位：市卫健委    填报日期：2025年3月", None, None, None, None],  # row 10
    ]
    path = write_xlsx(tmp_path / "f.xlsx", rows)
    columns = {"facility_id": "机构编号", "slots": "托位数"}
    with caplog.at_level(logging.INFO, logger="siting"):
        frame = read_layer(LayerSpec(path=path, crs=CGCS2000, columns=columns), name="facilities")
    assert frame.index.tolist() == ["F1", "F2", "F3"]
    assert frame["slots"].tolist() == [30, 40, 50]
    assert (
        "facilities: left out 5 rows of totals or notes without coordinates: row 4 (小计), "
        "row 6 (小 计), row 7 (合  计), row 9 (注：坐标系为CGCS2000), "
        "row 10 (填报单位：市卫健委    填报日期：2…)" in caplog.messages
    )
    # the same in a GBK CSV, by its lines; the 总计 row's id cell holds the word
    csv = tmp_path / "f.csv"
    csv.write_bytes(
        "机构编号,托位数,经度,纬度\r\nF1,30,105.84,32.43\r\n总计,30,,\r\n数据来源：市卫健委,,,\r\n".encode(
            "gbk"
        )
    )
    frame = read_layer(LayerSpec(path=csv, crs=CGCS2000, columns=columns), name="facilities")
    assert frame.index.tolist() == ["F1"]


def test_a_row_without_coordinates_that_is_no_totals_row_is_still_a_problem(
    tmp_path: Path,
) -> None:
    """Only a row whose first cell is a totals word or a note, and with no coordinates, is
    left out: a facility named 合计家园 without coordinates, or a 合计 row with them, is
    a row of the layer (so said)."""
    rows: list[list[Any]] = [
        ["机构编号", "机构名称", "托位数", "经度", "纬度"],
        ["F1", "东坝", 30, 105.84, 32.43],
        ["合计家园", "合计家园", 40, None, None],  # row 3: a name, not the word
        ["合计", None, 70, 105.85, 32.44],  # row 4: has coordinates, so read as a row
        ["F5", "注意", 30, None, ""],  # row 5
    ]
    path = write_xlsx(tmp_path / "f.xlsx", rows)
    columns = {"facility_id": "机构编号", "slots": "托位数"}
    (problem,) = problems_of(LayerSpec(path=path, crs=CGCS2000, columns=columns))
    assert problem.ids == ("row 3", "row 5")


def test_a_district_merged_down_its_rows_is_read_on_each_row(tmp_path: Path) -> None:
    """区县 merged down a district's facilities (Excel keeps the value in the first cell
    only): each row is in its district. A cell merely left empty stays empty. Before,
    F2 and F3 had no district, unsaid."""
    rows: list[list[Any]] = [
        ["机构编号", "区县代码", "托位数", "经度", "纬度"],
        ["F1", "510802", 30, 105.84, 32.43],
        ["F2", None, 40, 105.85, 32.44],
        ["F3", None, 50, 105.86, 32.45],
        ["F4", "510811", 60, 105.87, 32.46],
        ["F5", None, 70, 105.88, 32.47],  # not merged: left empty by the bureau
    ]
    path = write_xlsx(tmp_path / "f.xlsx", rows, merges=("B2:B4",))
    columns = {"facility_id": "机构编号", "district_id": "区县代码", "slots": "托位数"}
    frame = read_layer(LayerSpec(path=path, crs=CGCS2000, columns=columns), name="facilities")
    assert frame["district_id"].tolist() == ["510802", "510802", "510802", "510811", None]


def test_a_two_row_header_with_merged_groups_is_read_by_its_lower_row(tmp_path: Path) -> None:
    """坐标 merged over 经度 and 纬度, 托位数 over 总托位 and 普惠托位, and the other names
    merged down both header rows. Before, the upper row (its 坐标 a column of pairs' name)
    was the header, and the table had "no coordinate columns"."""
    rows: list[list[Any]] = [
        ["机构编号", "托位数", None, "坐标", None],
        [None, "总托位", "普惠托位", "经度", "纬度"],
        ["F1", 30, 30, 105.84, 32.43],
        ["F2", 40, 0, 105.85, 32.44],
    ]
    path = write_xlsx(tmp_path / "f.xlsx", rows, merges=("A1:A2", "B1:C1", "D1:E1"))
    columns = {"facility_id": "机构编号", "slots": "总托位"}
    frame = read_layer(LayerSpec(path=path, crs=CGCS2000, columns=columns), name="facilities")
    assert frame.index.tolist() == ["F1", "F2"]
    assert frame["slots"].tolist() == [30, 40]
    assert frame.geometry.x.tolist() == [105.84, 105.85]


def test_counts_with_their_words_and_yes_no_as_ticks_and_you_wu(tmp_path: Path) -> None:
    """托位数 written ``150个``, ``30人``, ``" 130 "``, ``1,100个托位``; 普惠性 ticked √
    or ×, 示范性 有 or 无. Before, each was "not a number" or "not true or false"."""
    rows: list[list[Any]] = [
        ["机构编号", "托位数", "普惠性", "示范性", "经度", "纬度"],
        ["F1", "150个", "√", "有", 105.84, 32.43],
        ["F2", "30人", "×", "无", 105.85, 32.44],
        ["F3", " 130 ", "✓", "无", 105.86, 32.45],
        ["F4", "1,100个托位", "×", "无", 105.87, 32.46],
    ]
    columns = {
        "facility_id": "机构编号",
        "slots": "托位数",
        "affordable": "普惠性",
        "demonstration": "示范性",
    }
    for path in (write_xlsx(tmp_path / "f.xlsx", rows), tmp_path / "f.csv"):
        if path.suffix == ".csv":
            pd.DataFrame(rows[1:], columns=rows[0]).to_csv(path, index=False)
        spec = LayerSpec(path=path, crs=CGCS2000, columns=columns)
        frame = read_layer(spec, name="facilities")
        assert frame["slots"].tolist() == [150, 30, 130, 1100], path.name
        assert frame["affordable"].tolist() == [True, False, True, False], path.name
        assert frame["demonstration"].tolist() == [True, False, False, False], path.name


def test_a_formula_without_a_saved_value_is_a_problem_naming_its_cells(tmp_path: Path) -> None:
    """A workbook written by a script holds 托位数 as ``=B2+C2`` with no value (Excel, WPS
    and LibreOffice save the value beside the formula): before, every slots cell read
    empty, "no slots" with no word of why. A formula with its saved value is read as the
    value; one in a column siting does not read (序号 ``=ROW()-1``) is no problem."""
    rows: list[list[Any]] = [
        ["序号", "机构编号", "普惠托位", "其他托位", "托位数", "经度", "纬度"],
        ["=ROW()-1", "F1", 30, 0, "=C2+D2", 105.84, 32.43],
        ["=ROW()-1", "F2", 20, 20, "=C3+D3", 105.85, 32.44],
    ]
    path = write_xlsx(tmp_path / "f.xlsx", rows)
    columns = {"facility_id": "机构编号", "slots": "托位数"}
    (problem,) = problems_of(LayerSpec(path=path, crs=CGCS2000, columns=columns))
    assert problem.message.startswith(
        "2 cells of column '托位数' hold a formula with no saved value (the first, E2: =C2+D2)"
    )
    assert problem.ids == ("row 2", "row 3")
    # the same workbook as Excel saves it: each formula's value beside it
    saved = tmp_path / "saved.xlsx"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(saved, "w") as out:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                for formula, value in (("ROW()-1", "1"), ("C2+D2", "30"), ("C3+D3", "40")):
                    data = data.replace(
                        f"<f>{formula}</f><v />".encode(),
                        f"<f>{formula}</f><v>{value}</v>".encode(),
                    )
            out.writestr(item, data)
    frame = read_layer(LayerSpec(path=saved, crs=CGCS2000, columns=columns), name="facilities")
    assert frame["slots"].tolist() == [30, 40]
    rows = [[r[0], r[1], 30 if i == 0 else 40, *r[5:]] for i, r in enumerate(rows[1:])]
    path = write_xlsx(
        tmp_path / "seq.xlsx", [["序号", "机构编号", "托位数", "经度", "纬度"], *rows]
    )
    frame = read_layer(LayerSpec(path=path, crs=CGCS2000, columns=columns), name="facilities")
    assert frame["slots"].tolist() == [30, 40]


def test_coordinate_columns_named_with_their_unit_are_found(tmp_path: Path) -> None:
    """经度（°） and 纬度（°） under a title row, as a bureau writes the unit in the header
    (Alt+Enter in Excel puts it on a line of its own). Before: "no coordinate columns
    siting recognises"."""
    rows: list[list[Any]] = [
        ["广元市托育机构备案名单", None, None, None],
        ["机构编号", "托位数（个）", "经度（°）", "纬度\n(°)"],
        ["F1", 30, 105.84, 32.43],
        ["F2", 40, 105.85, 32.44],
    ]
    path = write_xlsx(tmp_path / "f.xlsx", rows)
    columns = {"facility_id": "机构编号", "slots": "托位数（个）"}
    frame = read_layer(LayerSpec(path=path, crs=CGCS2000, columns=columns), name="facilities")
    assert frame.index.tolist() == ["F1", "F2"]
    assert frame.geometry.x.tolist() == [105.84, 105.85]
    assert frame.geometry.y.tolist() == [32.43, 32.44]


def test_rows_the_sheet_hides_are_read_and_warned_of(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A commission's list with its closed institutions (已注销) filtered away in Excel: the
    rows are in the file, hidden. They are read (a row is never dropped unsaid), and the
    warning names them; before, nothing was said."""
    import openpyxl

    rows: list[list[Any]] = [
        ["机构编号", "托位数", "状态", "经度", "纬度"],
        ["F1", 30, "正常", 105.84, 32.43],
        ["F2", 40, "已注销", 105.85, 32.44],  # row 3, hidden
        ["F3", 50, "正常", 105.86, 32.45],
        ["F4", 60, "已注销", 105.87, 32.46],  # row 5, hidden
    ]
    path = write_xlsx(tmp_path / "f.xlsx", rows, sheet="名单")
    book = openpyxl.load_workbook(path)
    for row in (3, 5):
        book["名单"].row_dimensions[row].hidden = True
    book.save(path)
    columns = {"facility_id": "机构编号", "slots": "托位数"}
    with caplog.at_level(logging.INFO, logger="siting"):
        frame = read_layer(LayerSpec(path=path, crs=CGCS2000, columns=columns), name="facilities")
    assert frame.index.tolist() == ["F1", "F2", "F3", "F4"]
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warned == [
        "facilities: 2 rows of the table are hidden in sheet '名单' (filtered out or hidden "
        "in Excel or WPS) and read as the others: row 3, row 5; delete the rows that are not "
        "to be read, or unhide them to check"
    ]


def test_a_district_merged_down_an_ods_sheet_is_read_on_each_row(tmp_path: Path) -> None:
    """LibreOffice's ODS writes a merged cell as ``number-rows-spanned`` with covered cells
    under it; python-calamine gives no merged ranges for ODS, so F2 and F3 had no district.
    A repeated blank row above the header counts as its rows."""
    cell = _ods_cell
    spanned = cell("510802").replace(
        "<table:table-cell ", '<table:table-cell table:number-rows-spanned="3" ', 1
    )
    covered = "<table:covered-table-cell/>"
    rows = [
        '<table:table-row table:number-rows-repeated="2"><table:table-cell '
        'table:number-columns-repeated="5"/></table:table-row>',
        "".join(cell(v) for v in ("机构编号", "区县代码", "托位数", "经度", "纬度")),
        cell("F1") + spanned + "".join(cell(v) for v in (30, 105.84, 32.43)),
        cell("F2") + covered + "".join(cell(v) for v in (40, 105.85, 32.44)),
        cell("F3") + covered + "".join(cell(v) for v in (50, 105.86, 32.45)),
        "".join(cell(v) for v in ("F4", None, 60, 105.87, 32.46)),  # left empty
    ]
    xml = rows[0] + "".join(f"<table:table-row>{r}</table:table-row>" for r in rows[1:])
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {_ODS_NS} '
        'office:version="1.2"><office:body><office:spreadsheet><table:table table:name='
        f'"名单">{xml}</table:table></office:spreadsheet></office:body>'
        "</office:document-content>"
    )
    path = tmp_path / "f.ods"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        book.writestr("content.xml", content)
        book.writestr("META-INF/manifest.xml", _ODS_MANIFEST)
    columns = {"facility_id": "机构编号", "district_id": "区县代码", "slots": "托位数"}
    frame = read_layer(LayerSpec(path=path, crs=CGCS2000, columns=columns), name="facilities")
    assert frame.index.tolist() == ["F1", "F2", "F3", "F4"]
    assert frame["district_id"].tolist() == ["510802", "510802", "510802", None]


@pytest.mark.parametrize("nothing", ["/", "—", "－", "无"])
def test_a_totals_row_whose_coordinates_say_nothing_is_left_out(
    tmp_path: Path, nothing: str
) -> None:
    """A 合计 row with ``/`` (or ``—``, ``－``, ``无``) in its coordinate cells, as a
    Chinese table fills a cell with nothing to say: before, "coordinates that are not
    numbers". A facility's row with ``/`` is still a problem."""
    rows: list[list[Any]] = [
        ["机构编号", "托位数", "经度", "纬度"],
        ["F1", 30, 105.84, 32.43],
        ["F2", 40, 105.85, 32.44],
        ["合计", 70, nothing, nothing],
    ]
    columns = {"facility_id": "机构编号", "slots": "托位数"}
    path = write_xlsx(tmp_path / "f.xlsx", rows)
    frame = read_layer(LayerSpec(path=path, crs=CGCS2000, columns=columns), name="facilities")
    assert frame.index.tolist() == ["F1", "F2"]
    rows[2][2:] = [nothing, nothing]
    write_xlsx(path, rows)
    (problem,) = problems_of(LayerSpec(path=path, crs=CGCS2000, columns=columns))
    assert problem.ids == ("row 3",)
