"""A bureau's codes and ids as Excel, pandas and number fields leave them.

Each test is a case of ``benchmarks.handover_codes`` built small: 区县代码 written as a
float, with separators, in full-width digits or with a tab; 18-digit 统一社会信用代码 and
12-digit 统计用区划代码 cut by Excel's scientific form or its 15 digits, and 9-digit
街道代码 in a single-precision float field. A code that lost digits is refused, never
guessed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
from shapely.geometry import box
from test_inputs import GK, X0, Y0, areas_frame, districts_frame, make_spec, write

from siting.errors import InputError
from siting.inputs import Inputs, load_inputs, read_layer
from siting.scenario import LayerSpec

CGCS2000 = "EPSG:4490"
HEADER = ["备案编号", "托位数", "所属区县代码", "经度", "纬度"]
COLUMNS = {"facility_id": "备案编号", "slots": "托位数", "district_id": "所属区县代码"}


def facilities_csv(path: Path, rows: list[list[str]]) -> Path:
    """A commission's list as a CSV of text: 备案编号, 托位数, 所属区县代码, 经度, 纬度."""
    lines = [",".join(HEADER), *(",".join(f'"{c}"' for c in row) for row in rows)]
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    return path


def read_facilities(path: Path) -> gpd.GeoDataFrame:
    return read_layer(LayerSpec(path=path, crs=CGCS2000, columns=COLUMNS), name="facilities")


def with_subdistricts(
    tmp_path: Path, codes: list[Any], areas: gpd.GeoDataFrame, **layers: LayerSpec
) -> Inputs:
    """The inputs of ``areas`` beside two subdistricts coded ``codes`` (and ``layers``)."""
    subdistricts = gpd.GeoDataFrame(
        {"subdistrict_id": codes},
        geometry=[box(X0, Y0, X0 + 900, Y0 + 600), box(X0 + 900, Y0, X0 + 1800, Y0 + 600)],
        crs=GK,
    )
    spec = make_spec(
        tmp_path,
        areas=LayerSpec(path=write(areas, tmp_path / "a.gpkg")),
        subdistricts=LayerSpec(path=write(subdistricts, tmp_path / "s.gpkg")),
        **layers,
    )
    return load_inputs(spec, crs=GK)


def test_codes_written_as_floats_in_groups_or_full_width_are_the_codes(tmp_path: Path) -> None:
    """pandas writes a code column with a gap as ``510802.0``; Excel's number format puts
    separators in (``510,802``); a typed code may be full-width or end in a tab or an
    ideographic space. Each was a district_id "not in districts"."""
    path = facilities_csv(
        tmp_path / "f.csv",
        [
            ["F1", "30", "510802.0", "105.84", "32.43"],
            ["F2", "30", "510,811", "105.85", "32.43"],
            ["F3", "30", "５１０８１２", "105.86", "32.43"],
            ["F4", "30", "510802\t", "105.87", "32.43"],
            ["Ｆ５", "30", "\u3000510811", "105.88", "32.43"],
            ["F6", "30", "5.10802E+05", "105.89", "32.43"],
        ],
    )
    frame = read_facilities(path)
    assert frame.index.tolist() == ["F1", "F2", "F3", "F4", "F5", "F6"]
    assert frame["district_id"].tolist() == [
        "510802",
        "510811",
        "510812",
        "510802",
        "510811",
        "510802",
    ]


def test_an_id_that_is_a_name_is_kept_as_the_planner_wrote_it(tmp_path: Path) -> None:
    """NFKC makes a full-width code its digits (``Ｆ５`` is ``F5``), but it also made a
    name given as an id half-width: 托育园（二期） was 托育园(二期) in the plan's layers
    and problems, which a planner's own list, joined by id, does not hold; ①号园 was
    1号园. An id that is not a code once NFKC is done is kept as written, stripped."""
    path = facilities_csv(
        tmp_path / "f.csv",
        [
            ["嘉陵托育园（二期）", "30", "510802", "105.84", "32.43"],
            ["①号园 ", "30", "510802", "105.85", "32.43"],
            ["Ｆ５", "30", "510802", "105.86", "32.43"],
        ],
    )
    frame = read_facilities(path)
    assert frame.index.tolist() == ["嘉陵托育园（二期）", "①号园", "F5"]


def test_a_code_excel_saved_in_scientific_form_is_refused(tmp_path: Path) -> None:
    """Excel shows an 18-digit credit code as ``1.25108E+17`` and saves the CSV so: two
    institutions' codes were "1 facility_id value is shared by 2 features", whose fix
    (give each its own) cannot be followed from the file."""
    path = facilities_csv(
        tmp_path / "f.csv",
        [
            ["1.25108E+17", "30", "510802", "105.84", "32.43"],
            ["52510802MJ0000000X", "30", "510802", "105.85", "32.43"],
            ["1.25108E+17", "30", "510802", "105.86", "32.43"],
        ],
    )
    with pytest.raises(InputError) as caught:
        read_facilities(path)
    (problem,) = caught.value.problems
    assert problem.file == str(path) and problem.column == "facility_id"
    assert problem.source_column == "备案编号"
    assert problem.ids == ("line 2", "line 4")
    assert problem.message == (
        "2 features have a facility_id that lost its last digits (found: '1.25108E+17')"
    )
    assert problem.fix is not None
    assert "set the column to text (设置单元格格式 → 文本) and save the CSV again" in problem.fix


def test_an_18_digit_code_typed_into_excel_as_a_number_is_refused(tmp_path: Path) -> None:
    """Excel keeps 15 digits of a number: 125108004500000011 and …12 typed as numbers are
    both 125108004500000000, read before as two facilities of one id. A 12-digit code
    stored as a number is whole, and read as it is."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    sheet.append([1.25108004500000e17, 30, 510802, 105.84, 32.43])
    sheet.append([510802003001, 30, 510802, 105.85, 32.43])
    sheet.append([1.25108004500000e17, 30, 510802, 105.86, 32.43])
    book.save(tmp_path / "f.xlsx")
    with pytest.raises(InputError) as caught:
        read_facilities(tmp_path / "f.xlsx")
    (problem,) = caught.value.problems
    assert problem.ids == ("row 2", "row 4")
    assert problem.message == (
        "2 features have a facility_id that lost its last digits (found: '125108004500000000')"
    )
    assert problem.fix is not None and problem.fix.startswith("Excel keeps 15 digits")
    sheet.delete_rows(4)
    sheet.delete_rows(2)
    book.save(tmp_path / "f.xlsx")
    assert read_facilities(tmp_path / "f.xlsx").index.tolist() == ["510802003001"]


def test_codes_in_a_single_precision_float_field_are_refused(tmp_path: Path) -> None:
    """A Float field (single precision) holds 7 digits: 街道代码 510802003 and 510802001
    are both 510802016 there, read before as that code. A 6-digit 区县代码 is whole."""
    areas = areas_frame(
        subdistrict_id=pd.Series([510802003.0, 510802001.0, 510802001.0], dtype="float32"),
        district_id=pd.Series([510802.0, 510802.0, 510811.0], dtype="float32"),
    )
    path = write(areas, tmp_path / "areas.fgb")
    with pytest.raises(InputError) as caught:
        read_layer(LayerSpec(path=path), name="areas")
    (problem,) = caught.value.problems
    assert problem.column == "subdistrict_id" and sorted(problem.ids) == ["A1", "A2", "A3"]
    assert problem.message == (
        "3 features have a subdistrict_id that lost its last digits (found: '510802016')"
    )
    assert problem.fix is not None and "keeps 7 digits" in problem.fix


def test_a_dbf_float_code_with_a_gap_joins_the_districts_integer_adcode(tmp_path: Path) -> None:
    """A Shapefile's float field (510802.0, one empty) against the districts' integer
    ``adcode``: the same districts, the empty one placed by its outline."""
    areas = areas_frame(dist=[510802.0, None, 510811.0])
    shp = write(areas, tmp_path / "areas.shp")
    districts = districts_frame().rename(columns={"district_id": "adcode"})
    districts["adcode"] = districts["adcode"].astype("int64")
    spec = make_spec(
        tmp_path,
        areas=LayerSpec(path=shp, columns={"district_id": "dist"}),
        districts=LayerSpec(
            path=write(districts, tmp_path / "d.gpkg"), columns={"district_id": "adcode"}
        ),
    )
    inputs = load_inputs(spec, crs=GK)
    assert inputs.areas["district_id"].tolist() == ["510802", "510802", "510811"]


def test_codes_the_units_layer_lost_the_zeros_of_are_read_as_its_own(tmp_path: Path) -> None:
    """The subdistricts' codes 0001 and 0002 stored as numbers (1, 2) in the subdistricts
    layer itself, the areas' as text: each area is read in the one subdistrict whose
    code differs by leading zeros alone, and the note says the subdistricts lost them (it
    said "the column", the areas', had). The other way round is
    test_handover_vectors.test_codes_that_lost_their_leading_zeros_are_read_as_the_units_own."""
    areas = areas_frame(subdistrict_id=["0001", "0001", "0002"])
    inputs = with_subdistricts(tmp_path, [1, 2], areas)
    assert inputs.areas["subdistrict_id"].tolist() == ["1", "1", "2"]
    assert (
        "areas: read subdistrict_id 0001 as 1, 0002 as 2, the ids of the subdistricts layer: "
        "the subdistricts layer's ids had lost their leading zeros (codes stored as numbers "
        "there; give them as text to keep the codes whole)"
    ) in inputs.notes


def test_division_codes_of_9_and_12_digits_name_the_same_units(tmp_path: Path) -> None:
    """The areas' 街道代码 in 9 digits (510802003) and 区县代码 in 6 (510802) beside
    subdistricts and districts coded by 统计用区划代码 (510802003000, 510802000000): the
    same units, the digits followed by zeros. Every area was "not in subdistricts" and
    "not in districts"."""
    districts = districts_frame()
    districts["district_id"] = ["510802000000", "510811000000"]
    areas = areas_frame(
        district_id=["510802", "510802", "510811"],
        subdistrict_id=["510802003", "510802003", "510811001"],
    )
    inputs = with_subdistricts(
        tmp_path,
        ["510802003000", "510811001000"],
        areas,
        districts=LayerSpec(path=write(districts, tmp_path / "d.gpkg")),
    )
    assert inputs.areas["district_id"].tolist() == ["510802000000"] * 2 + ["510811000000"]
    assert inputs.areas["subdistrict_id"].tolist() == ["510802003000"] * 2 + ["510811001000"]
    assert (
        "areas: read subdistrict_id 510802003 as 510802003000, 510811001 as 510811001000, the "
        "ids of the subdistricts layer: the same units' codes, in 6 or 9 digits (行政区划代码) "
        "and in 12 (统计用区划代码: the same digits and zeros after)"
    ) in inputs.notes


def test_a_code_pandas_wrote_in_scientific_form_is_refused(tmp_path: Path) -> None:
    """pandas writes a float of 17 digits or more as Python does, ``1.251080045e+17``
    (an 18-digit code Excel had cut to 125108004500000000): read as the id
    '1.251080045e+17', two facilities shared it, a fix that cannot be followed."""
    path = facilities_csv(
        tmp_path / "f.csv",
        [
            ["1.251080045e+17", "30", "510802", "105.84", "32.43"],
            ["1.251080045e+17", "30", "510802", "105.86", "32.43"],
        ],
    )
    with pytest.raises(InputError) as caught:
        read_facilities(path)
    (problem,) = caught.value.problems
    assert problem.ids == ("line 2", "line 3")
    assert problem.message == (
        "2 features have a facility_id that lost its last digits (found: '1.251080045e+17')"
    )
