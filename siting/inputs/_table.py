"""Reading a point layer handed over as a table: CSV, TSV or text, Excel or ODS.

A health commission's list of registered childcare institutions, an HR bureau's
list of employers or a petrol-station list arrives as a table with two
coordinate columns, not as a GIS layer. As QGIS's "delimited text" import does,
the table becomes a point layer:

1. The rows are read as text (CSV) or as the cells' own values (Excel ``.xlsx``,
   ``.xlsm``, ``.xlsb`` and 97–2003 ``.xls``, and ODS, by python-calamine), with the
   row number the planner sees beside each: the CSV line, or the sheet's row (row 1
   is the sheet's first, above any title). Ids stay text (``0101`` keeps its
   zero). A binary workbook (97–2003 ``.xls``, ``.xlsb``) is opened first in a process
   of its own (:func:`_ends_its_process`): a damaged one can make python-calamine abort
   its process. A CSV's encoding is ``encoding`` under ``[inputs.<layer>]``, else
   UTF-8 (with or without BOM), else GBK when its bytes look like GBK
   (:func:`siting._encoding.guess_encoding`), as Excel on Chinese Windows saves it.
2. The coordinate columns are ``x`` and ``y`` under ``[inputs.<layer>]``, else
   the first pair of usual names found (:data:`COORDINATE_NAMES`, compared
   case-insensitively).
3. Each coordinate is read as the other number columns are
   (:func:`siting.inputs._columns._to_float`: ``１０５．８５``, ``1,030``), or as
   degrees, minutes and seconds (``105°50′30″``, ``N32°26'``). A row with an
   empty or unreadable coordinate is a problem that names it by its row.

The layer has no CRS: ``crs`` under ``[inputs.<layer>]`` gives it, and without
it the loader's problem suggests one from the numbers
(:func:`siting.inputs._crs.crs_suggestion`).
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re
import subprocess
import sys
import unicodedata
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from siting._encoding import guess_encoding
from siting._text import first_few
from siting.errors import Problem
from siting.inputs._columns import _BAD, _BLANK, _to_float, whole
from siting.inputs._crs import lonlat_in_china
from siting.inputs._problems import (
    _check_file,
    _quoted,
    _Report,
    _unknown_encoding,
    _Where,
)
from siting.inputs._schema import _SCHEMAS
from siting.inputs._where import kept_positions
from siting.scenario import LayerSpec

if TYPE_CHECKING:
    from python_calamine import CalamineWorkbook

__all__ = [
    "BY_ADDRESS",
    "COORDINATE_NAMES",
    "ROWS",
    "ROW_OF",
    "SHEET",
    "TABLE_SUFFIXES",
    "is_table",
    "open_table",
    "polygons_needed",
]

TABLE_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".xlsb", ".xls", ".ods")
"""Files read as tables of points rather than through GDAL's vector drivers."""

COORDINATE_NAMES: tuple[tuple[str, str], ...] = (
    ("经度", "纬度"),
    ("lon", "lat"),
    ("lng", "lat"),
    ("long", "lat"),
    ("longitude", "latitude"),
    ("x", "y"),
    ("x坐标", "y坐标"),
    ("坐标x", "坐标y"),
    ("横坐标", "纵坐标"),
    ("point_x", "point_y"),
    ("东坐标", "北坐标"),
    ("easting", "northing"),
    ("东经", "北纬"),
    ("gps经度", "gps纬度"),
    ("经度坐标", "纬度坐标"),
    ("xcoord", "ycoord"),
    ("x_coord", "y_coord"),
)
"""Usual names of a table's coordinate columns, x (easting, longitude) then y, in the
order they are tried; compared after NFKC and case folding (``POINT_X``, ``Ｘ坐标``)."""

PAIR_NAMES: dict[str, bool] = {
    **dict.fromkeys(("坐标", "经纬度", "经纬度坐标", "坐标经纬度", "gps坐标", "点位坐标"), False),
    **dict.fromkeys(("lnglat", "lng_lat", "lonlat", "lon_lat", "coordinates", "coords"), False),
    **dict.fromkeys(("location", "经度,纬度", "经度,纬度坐标"), False),
    **dict.fromkeys(("latlng", "lat_lng", "latlon", "lat_lon", "纬度,经度", "纬经度"), True),
}
"""Usual names of one column holding both coordinates (``105.857687,32.444327``, as 高德's
and 百度's coordinate pickers copy them), compared as :data:`COORDINATE_NAMES`; True when
the name says latitude first (``latlng``)."""

_PAIR_SPLIT = re.compile(r"\s*[,，;；/]\s*|\s+")
"""Between the two numbers of a coordinate pair: a comma (also full-width), a semicolon, a
slash or spaces."""

_ADDRESS_NAMES = frozenset(
    {"地址", "详细地址", "机构地址", "单位地址", "注册地址", "地点", "位置", "门牌地址"}
    | {"address", "addr", "location"}
)
"""Names of an address column: a table with one and no coordinates needs geocoding."""

_NO_COORDINATES = ("(no x)", "(no y)")
"""The blank coordinate columns of a table without any, whose rows are all placed by their
address (``address`` under ``[inputs.<layer>]``)."""

ROWS = "siting_rows"
"""The key of a table's ``attrs`` holding each feature's row as the planner sees it."""

BY_ADDRESS = "siting_by_address"
"""The key of a table's ``attrs`` holding the rows placed by their address (``address``
under ``[inputs.<layer>]``), by their labels."""

ROW_OF = "siting_row_of"
"""The key of a table's layer's ``attrs`` holding the row of each feature placed by its
address, by its id, once read (``{"F3": "line 4"}``)."""

SHEET = "siting_sheet"
"""The key of a workbook's table's ``attrs`` holding the sheet it was read from."""

_CSV_DELIMITERS = ",;\t|"
_TEXT_SUFFIXES = (".csv", ".tsv", ".txt")


def is_table(path: Path) -> bool:
    """Whether ``path`` is read as a table of points (by its suffix)."""
    return path.suffix.lower() in TABLE_SUFFIXES


_NEEDS = {
    "districts": "the districts need polygons (their boundaries)",
    "subdistricts": "the subdistricts (街道/乡镇) need polygons (their boundaries)",
    "population": "the population needs a raster of persons per cell, or census units "
    "(七普 by 街道 or 社区) as polygons with a count column",
}
"""What each layer that a table of points cannot be needs instead."""


def polygons_needed(path: Path, name: str, report: _Report) -> bool:
    """Add the problem of a table given for a layer of polygons (or the population), whose
    rows would be points; whether there was one.

    A table's rows become points, which as districts or census units hold no land: one
    problem that says so, not the missing columns and point geometries reading it would
    add. (As residential areas they are a 小区 list, given land by
    :mod:`siting.inputs._catchments`.)"""
    if name not in _NEEDS or not is_table(path):
        return False
    report.problems.append(
        _Where(str(path), name).problem(
            f"the file is a table (CSV, Excel, ODS), whose rows siting reads as points, but "
            f"{_NEEDS[name]}",
            fix=f"export the layer from GIS as a GeoPackage or Shapefile of polygons and point "
            f"[inputs.{name}] at it"
            + (" (or give the population raster)" if name == "population" else ""),
        )
    )
    return True


_UNIT_AFTER = re.compile(r"\s*[(\[【][^()\[\]【】]*[)\]】]$")
"""A unit in brackets after a column's name: ``经度（°）``, ``X坐标(m)``, ``纬度\\n(度)``."""


def _fold(name: object) -> str:
    """A column's name as it is compared with the usual names: NFKC, without a unit in
    brackets after it, stripped, case-folded (``经度（°）`` and ``POINT_X`` are ``经度``
    and ``point_x``).

    Examples
    --------
    >>> [_fold(n) for n in ("经度（°）", "X坐标 (m)", "纬度\\n(度)", "POINT_X", "Ｘ坐标")]
    ['经度', 'x坐标', '纬度', 'point_x', 'x坐标']
    """
    text = unicodedata.normalize("NFKC", str(name)).strip()
    return _UNIT_AFTER.sub("", text).strip().casefold() or text.casefold()


def unit_after(name: object) -> str | None:
    """The unit in brackets after a column's name (NFKC), as :func:`_fold` sets it aside:
    ``万元`` of ``投资估算（万元）``, ``m2`` of ``用地面积 (㎡)``; None without one.

    Examples
    --------
    >>> [unit_after(n) for n in ("投资估算（万元）", "用地面积 (㎡)", "托位数")]
    ['万元', 'm2', None]
    """
    found = _UNIT_AFTER.search(unicodedata.normalize("NFKC", str(name)).strip())
    return None if found is None else found.group(0).strip().strip("([【)]】").strip()


def open_table(spec: LayerSpec, name: str, report: _Report) -> gpd.GeoDataFrame | None:
    """Read a table of points, or add problems and return None.

    Parameters
    ----------
    spec
        The layer's entry: its file, sheet (``layer``), ``encoding`` and the
        coordinate columns ``x`` and ``y``.
    name
        Which ``siting`` layer it is.
    report
        Where problems and notes go.

    Returns
    -------
    geopandas.GeoDataFrame or None
        One point per row, without a CRS, with the table's other columns as text
        (CSV) or as the cells hold them; ``attrs[ROWS]`` gives each row's label
        (``row 5``, ``line 5``). None with a problem when the table cannot be read or
        has no coordinate columns. A row whose coordinates cannot be read is a
        problem, and its point is empty.
    """
    path = Path(spec.path)
    where = _Where(str(path), name)
    if not _check_file(path, where, report, noun="file", empty_fix="save the table again"):
        return None
    suffix = path.suffix.lower()
    sheet = None
    hidden: frozenset[int] = frozenset()
    if suffix in _TEXT_SUFFIXES:
        read = _read_csv(path, spec, where, report)
    else:
        found = _read_workbook(path, spec.layer, where, report)
        read, sheet, hidden = (None, None, frozenset()) if found is None else found
        if sheet is not None:  # the sheet read, named in the problems as a layer is
            where = dataclasses.replace(where, file_layer=sheet)
    if read is None:
        return None
    prefix = "line" if suffix in _TEXT_SUFFIXES else "row"
    return _points_of(
        read, spec, name, where, report, prefix=prefix, sheet=sheet, hidden=hidden, source=path.name
    )


def frame_table(
    table: pd.DataFrame, spec: LayerSpec, name: str, report: _Report
) -> gpd.GeoDataFrame | None:
    """Read a table held in memory (a :class:`pandas.DataFrame` without geometry, an
    analyst's ``pd.read_excel``) as a file's table is read (:func:`open_table`): its
    coordinate columns or ``spec.address``, its totals and notes rows, its count words.
    Rows are labelled by the frame's index (``index 3``), its columns' names are its
    header; a named index (``pd.read_excel(..., index_col="备案编号")``, ``set_index``) is a
    column too, as it was in the workbook."""
    where = _Where(str(spec.path), name)
    labels = table.index.tolist()
    table = index_as_columns(table)
    header: list[Any] = [str(c) for c in table.columns]
    cells = table.astype(object).where(table.notna(), None)
    read = [
        (-1, header),
        *zip(labels, cells.to_numpy(dtype=object).tolist(), strict=True),
    ]
    return _points_of(read, spec, name, where, report, prefix="index", source=str(spec.path))


def index_as_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its named index levels as columns (ahead of the others), as they
    were in the file it was read from (``set_index("area_id")``, ``index_col="备案编号"``);
    ``frame`` itself when its index is unnamed or its name is a column already."""
    named = [n for n in frame.index.names if n is not None and n not in frame.columns]
    return frame.reset_index(level=named) if named else frame


def _numbers_typed(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` (its cells as read, ``object``) with each column whose cells are all
    numbers (a workbook's, a pandas frame's) as numbers, for a ``where`` that compares
    them (``托位数 > 35``); a CSV's cells, text, stay text."""
    typed = {}
    for column in table.columns:
        values = table[column].dropna()
        if len(values) and all(
            isinstance(v, int | float | np.number) and not isinstance(v, bool | np.bool_)
            for v in values
        ):
            typed[column] = pd.to_numeric(table[column])
    return table.assign(**typed) if typed else table


def _points_of(
    read: Sequence[tuple[Any, Sequence[Any]]],
    spec: LayerSpec,
    name: str,
    where: _Where,
    report: _Report,
    *,
    prefix: str,
    source: str,
    sheet: str | None = None,
    hidden: frozenset[int] = frozenset(),
) -> gpd.GeoDataFrame | None:
    """The points of a table's rows as read (each row's number and its cells, the
    header's first), as :func:`open_table` returns them; ``prefix`` labels the rows
    (``line 5``, ``row 5``, ``index 5``), ``source`` names the table in the note."""
    table, labels = _rows_of(read, prefix, spec, where, report)
    if not len(table.columns):
        report.problems.append(
            where.problem("the table has no header row", fix="put the column names in row 1")
        )
        return None
    if spec.where is not None:  # the rows it keeps, before their coordinates are read
        kept = kept_positions(_numbers_typed(table), spec, where, report, noun="rows")
        if kept is None:
            return None
        table = table.iloc[kept].reset_index(drop=True)
        labels = [labels[i] for i in kept]
    if spec.address is not None and spec.address not in table.columns:
        report.problems.append(
            where.problem(
                f"address = '{spec.address}' under [inputs.{name}] is not a column of the "
                f"table (its columns: {', '.join(map(str, table.columns))})",
                fix=f"give the header of the table's address column as address = under "
                f"[inputs.{name}]",
            )
        )
        return None
    pair = _pair_column(table, spec)
    if pair is not None:
        table, x_name, y_name, lat_first = _split_pair(table, pair[0], lat_first=pair[1])
    else:
        said = len(report.problems)
        columns = _coordinate_columns(table, spec, where, report)
        if columns is None and (spec.address is None or len(report.problems) > said):
            return None
        # without coordinate columns, every row is placed by its address: blank ones
        x_name, y_name = columns or _NO_COORDINATES
        if columns is None:
            table = table.assign(**dict.fromkeys(_NO_COORDINATES))
    table, labels = _without_totals_and_notes(table, labels, x_name, y_name, name, report)
    _hidden_rows_said(labels, hidden, sheet, name, report)
    said = len(report.problems)
    table = _without_unsaved_formulas(table, labels, (x_name, y_name), spec, where, report)
    if len(report.problems) > said:
        return None  # the columns read would be empty where the formulas are: said once
    x, bad_x = _coordinates(table[x_name])
    y, bad_y = _coordinates(table[y_name])
    if not len(table):
        report.problems.append(
            where.problem("the table has a header but no rows", fix="check the file and sheet")
        )
        return None
    zero = ~(bad_x | bad_y) & (x == 0) & (y == 0)  # blank cells a spreadsheet saved as 0
    unplaced = bad_x | bad_y | zero
    by_address, lacking = _by_address(table, spec, x_name, y_name, zero)
    if lacking.any():  # blank coordinates and a blank address: nothing to place it by
        _lacking_said(np.flatnonzero(lacking), labels, spec, name, where, report)
    unread = unplaced & ~by_address & ~lacking  # coordinates that cannot be read
    if (unplaced & ~by_address).all():
        if not unread.any():
            return None  # said above
        report.problems.append(
            where.problem(
                f"no row of the table has coordinates that can be read in columns '{x_name}' "
                f"and '{y_name}' (the first: {_quoted(map(_shown, table[x_name].iloc[:3]))} "
                f"and {_quoted(map(_shown, table[y_name].iloc[:3]))})",
                fix=f"check that '{x_name}' and '{y_name}' hold the coordinates as numbers, "
                f"or name the right columns with x = and y = under [inputs.{name}]",
            )
        )
        return None
    if unread.any():
        positions = np.flatnonzero(unread)
        shown = [
            f"{labels[i]}: {x_name} '{_shown(table[x_name].iloc[i])}', "
            f"{y_name} '{_shown(table[y_name].iloc[i])}'"
            for i in positions[:4]
        ]
        count = len(positions)
        report.problems.append(
            where.problem(
                f"{count} row{'s have' if count > 1 else ' has'} no coordinates or "
                f"coordinates that are not numbers ({'; '.join(shown)})"
                + ("; 0 and 0 are blank cells saved as 0, not a place" if zero.any() else ""),
                ids=[labels[i] for i in positions],
                fix=f"give every row its {x_name} and {y_name} as numbers (decimal degrees "
                "such as 105.8437, or degrees, minutes and seconds such as 105°50′37″), or "
                "delete the rows"
                + (
                    f" (a row whose {x_name} and {y_name} are blank is placed by its address)"
                    if spec.address is not None
                    else ""
                ),
            )
        )
    if _swapped(x[~unplaced], y[~unplaced]):
        report.problems.append(
            where.problem(
                f"column '{x_name}' holds latitudes ({np.nanmin(x):.4f}–{np.nanmax(x):.4f}) and "
                f"'{y_name}' longitudes ({np.nanmin(y):.4f}–{np.nanmax(y):.4f}): x must be the "
                "longitude (east), y the latitude (north)",
                fix=f'give x = "{y_name}" and y = "{x_name}" under [inputs.{name}], or swap '
                "the two columns' names",
            )
        )
        return None
    points = shapely.points(np.where(unplaced, np.nan, x), np.where(unplaced, np.nan, y))
    points = np.where(unplaced, shapely.Point(), points)
    data = table.drop(columns=[x_name, y_name])
    frame = gpd.GeoDataFrame(data, geometry=np.asarray(points, dtype=object), crs=None)
    frame.attrs[ROWS] = labels
    if spec.address is not None:
        frame.attrs[BY_ADDRESS] = [labels[i] for i in np.flatnonzero(by_address)]
    if sheet is not None:
        frame.attrs[SHEET] = sheet
    read_from = (
        f"columns '{x_name}' and '{y_name}'"
        if pair is None
        else f"column '{pair[0]}' (two numbers: {'latitude, longitude' if lat_first else 'x, y'})"
    )
    if (x_name, y_name) == _NO_COORDINATES:
        read_from = "without coordinates"
    if by_address.any():
        read_from += f", {int(by_address.sum())} to be placed by their address ('{spec.address}')"
    report.note(f"{name}: read {len(frame)} points from {source}, {read_from}")
    return frame


_TOTALS = frozenset({"合计", "总计", "小计", "共计", "总合计", "合计数", "全市合计", "总数"})
"""A totals row's first cell (its spaces taken out, ``合  计``; a colon after it allowed)."""

_NOTE = re.compile(
    r"^(?:(?:注|备注|说明|附注)\d*[:：]|(?:注|备注|说明)\d+|数据来源|资料来源|来源[:：]|"
    r"填报单位|填表单位|填报人|填表人|制表人?[:：]|审核人?[:：]|负责人[:：]|联系人[:：]|"
    r"联系电话|填报日期|填表日期|统计日期|统计时间|截至日期|截止日期)"
)
"""The start of a notes row's first cell under a table: 注：…, 数据来源：…, 填报单位：…"""


def _totals_or_notes(cells: Sequence[Any]) -> str | None:
    """The first cell of a row that is a table's totals or notes (``合计``, ``小计``,
    ``注：坐标系为CGCS2000``, ``数据来源：市卫健委``, ``填报单位：…``), else None.

    Examples
    --------
    >>> [_totals_or_notes(r) for r in (["合  计", "", 1070], [None, "注：坐标系"], ["合计家园"])]
    ['合  计', '注：坐标系', None]
    """
    first = next((c for c in cells if not _blank(c)), None)
    if not isinstance(first, str):
        return None
    text = "".join(unicodedata.normalize("NFKC", first).split())
    if text.rstrip(":") in _TOTALS or _NOTE.match(text):
        return first.strip()
    return None


_NOT_GIVEN = frozenset({"/", "-", "--", "—", "——", "－", "无", "n/a", "na"})
"""What a Chinese table writes in a cell with nothing to say (NFKC, case-folded): a
totals row's coordinates are often ``/`` or ``—``."""


def _nothing(cell: Any) -> bool:
    """Whether a cell is empty or says nothing (``/``, ``—``, ``无``)."""
    return _blank(cell) or (isinstance(cell, str) and _fold(cell) in _NOT_GIVEN)


def _without_totals_and_notes(
    table: pd.DataFrame,
    labels: list[str],
    x_name: str,
    y_name: str,
    name: str,
    report: _Report,
) -> tuple[pd.DataFrame, list[str]]:
    """The table without its totals, subtotals and notes rows, with a note naming them.

    A row is left out only when both its coordinate cells are empty (or say nothing:
    ``/``, ``—``, :data:`_NOT_GIVEN`) and its first filled cell is a totals word
    (``合计``, ``总计``, ``小计``) or starts a note (``注：``, ``数据来源``, ``填报单位``,
    :func:`_totals_or_notes`): a bureau's list sums its slots in a 合计 row and says its
    CRS and source under the table. Any other row without coordinates stays, and is
    said to lack them."""
    cells = table.to_numpy(dtype=object)
    x_at, y_at = table.columns.get_loc(x_name), table.columns.get_loc(y_name)
    left: list[tuple[int, str]] = []
    for i, row in enumerate(cells):
        if _nothing(row[x_at]) and _nothing(row[y_at]):
            first = _totals_or_notes(row)
            if first is not None:
                left.append((i, first))
    if not left:
        return table, labels
    said = [f"{labels[i]} ({first if len(first) <= 20 else first[:19] + '…'})" for i, first in left]
    report.note(
        f"{name}: left out {len(left)} row{'s' if len(left) > 1 else ''} of totals or notes "
        f"without coordinates: {first_few(said, limit=6)}"
    )
    keep = np.ones(len(table), dtype=bool)
    keep[[i for i, _ in left]] = False
    return table.loc[keep].reset_index(drop=True), [
        lab for lab, k in zip(labels, keep, strict=True) if k
    ]


def _by_address(
    table: pd.DataFrame, spec: LayerSpec, x_name: str, y_name: str, zero: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Which rows are placed by their address (``address`` under ``[inputs.<layer>]``,
    :mod:`siting.inputs._address`): those whose coordinate cells are both blank (or say
    nothing, or are 0 and 0: ``zero``) and whose address is filled; and which rows lack
    both, their address blank too. None of either without the key."""
    if spec.address is None:
        none = np.zeros(len(table), dtype=bool)
        return none, none
    cells = zip(table[x_name], table[y_name], strict=True)
    blank = np.array([_nothing(x) and _nothing(y) for x, y in cells], dtype=bool) | zero
    filled = np.array([not _nothing(a) for a in table[spec.address]], dtype=bool)
    return np.asarray(blank & filled, dtype=bool), np.asarray(blank & ~filled, dtype=bool)


def _lacking_said(
    positions: np.ndarray,
    labels: Sequence[str],
    spec: LayerSpec,
    name: str,
    where: _Where,
    report: _Report,
) -> None:
    """The problem of the rows at ``positions`` whose coordinates and address are both
    blank (a table placed by ``address``): named by the address column, not by the
    coordinate columns (a table without any has none to name)."""
    count = len(positions)
    shown = first_few([labels[i] for i in positions], limit=5)
    report.problems.append(
        where.problem(
            f"{count} row{'s have' if count > 1 else ' has'} neither coordinates nor an "
            f"address ({shown}: '{spec.address}' blank), so siting cannot place "
            f"{'them' if count > 1 else 'it'}",
            column=spec.address,
            ids=[labels[i] for i in positions],
            fix=f"give each its {spec.address} naming its 小区 (…华龙新村3栋), or its 经度 and "
            f"纬度 (CGCS2000 degrees), or delete the row (address under [inputs.{name}])",
        )
    )


def _swapped(x: np.ndarray, y: np.ndarray) -> bool:
    """Whether x holds China's latitudes and y its longitudes (every point)."""
    return bool(len(x)) and lonlat_in_china(
        float(y.min()), float(x.min()), float(y.max()), float(x.max())
    )


def _shown(value: Any) -> str:
    return "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)


def _blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


_TITLE_ROWS = 10
"""How many rows a sheet's title (广元市托育机构备案名单, a date, a unit) may take above the
header."""


def _header_at(filled: Sequence[tuple[int, Sequence[Any]]], spec: LayerSpec) -> int:
    """Which of the first rows is the header: the first that names the coordinate columns
    (``x`` and ``y``, or a pair of usual names), else the first that names a column of
    pairs or an address, else the first. A two-row header's upper row (``坐标`` merged
    over ``经度`` and ``纬度``) is not the header: the row naming x and y is."""
    later = None
    for i, (_, cells) in enumerate(filled[:_TITLE_ROWS]):
        names = [str(c).strip() for c in cells if not _blank(c)]
        if spec.x is not None and spec.y is not None:
            if spec.x in names and spec.y in names:
                return i
            continue
        folded = {_fold(n) for n in names}
        if any(x in folded and y in folded for x, y in COORDINATE_NAMES):
            return i
        if later is None and (
            folded & _ADDRESS_NAMES or {n.replace(" ", "") for n in folded} & PAIR_NAMES.keys()
        ):
            later = i  # unless a row below names x and y: 坐标 merged over 经度 and 纬度
    return later or 0


def _rows_of(
    rows: Sequence[tuple[int, Sequence[Any]]],
    prefix: str,
    spec: LayerSpec,
    where: _Where,
    report: _Report,
) -> tuple[pd.DataFrame, list[str]]:
    """The table under its header, without blank rows, and each row's label
    (``f"{prefix} {number}"``). The header is the first row that is not blank, or a later
    one that names the coordinates, under a sheet's title rows (:func:`_header_at`)."""
    filled = [(n, list(cells)) for n, cells in rows if not all(_blank(c) for c in cells)]
    if not filled:
        return pd.DataFrame(), []
    first = _header_at(filled, spec)
    if first:
        report.note(
            f"{where.layer}: the table's header is {prefix} {filled[first][0]}; read the "
            f"{first} row{'s' if first > 1 else ''} above it as its title"
        )
    filled = filled[first:]
    header = [str(c).strip() if not _blank(c) else "" for c in filled[0][1]]
    width = len(header)
    while width and not header[width - 1]:
        width -= 1
    header = [h or f"column {i + 1}" for i, h in enumerate(header[:width])]
    seen: dict[str, int] = {}
    for i, h in enumerate(header):  # a name given twice: the second is "name (2)"
        seen[h] = seen.get(h, 0) + 1
        if seen[h] > 1:
            header[i] = f"{h} ({seen[h]})"
    body = [
        [None if _blank(c) else c for c in (cells + [None] * width)[:width]]
        for _, cells in filled[1:]
    ]
    labels = [f"{prefix} {n}" for n, _ in filled[1:]]
    table = pd.DataFrame(body, columns=header, dtype=object)
    return table, labels


def _read_csv(
    path: Path, spec: LayerSpec, where: _Where, report: _Report
) -> list[tuple[int, Sequence[Any]]] | None:
    """A CSV's cells as text, and each row's line number."""
    data = path.read_bytes()
    section = f"[inputs.{where.layer}]"
    encoding = spec.encoding
    if encoding is None:
        if data.startswith(b"\xef\xbb\xbf"):
            encoding = "utf-8-sig"
        else:
            guess = guess_encoding(data)
            encoding = guess or "utf-8"
            if guess == "gbk":
                report.note(
                    f"{where.layer}: read the text of {path.name} as GBK (it is not UTF-8; "
                    f'Excel on Chinese Windows saves CSV so); say encoding = "..." under '
                    f"{section} if it is another"
                )
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        found = f"byte {exc.object[exc.start : exc.start + 1]!r} at {exc.start}"
        report.problems.append(
            where.problem(
                f"the table's text is not {encoding.upper()} ({found})"
                if spec.encoding is not None
                else f"the table's text is neither UTF-8 nor GBK ({found})",
                fix=f'give its encoding with encoding = "..." under {section} ("gb18030", '
                '"big5"), or save it again as CSV UTF-8',
            )
        )
        return None
    except LookupError:
        report.problems.append(_unknown_encoding(encoding, where))
        return None
    text = text.lstrip("\ufeff")
    if path.suffix.lower() == ".tsv":
        delimiter = "\t"
    else:
        try:
            delimiter = csv.Sniffer().sniff(text[:20_000], delimiters=_CSV_DELIMITERS).delimiter
        except csv.Error:
            delimiter = ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[tuple[int, Sequence[Any]]] = []
    try:
        start = 1
        for cells in reader:
            rows.append((start, cells))
            start = reader.line_num + 1
    except csv.Error as exc:
        report.problems.append(
            where.problem(
                f"the table cannot be read as CSV at line {reader.line_num} ({exc})",
                fix="open it in Excel or WPS and save it again as CSV",
            )
        )
        return None
    return rows


def _sheet(
    asked: str | None, sheets: list[str], shown: list[str], where: _Where, report: _Report
) -> str | None:
    """The sheet ``layer`` names, else the first of ``shown`` (the worksheets not hidden, as
    Excel opens the workbook) or of all; or None with a problem."""
    if not sheets:
        report.problems.append(where.problem("the workbook has no sheets"))
        return None
    if asked is None:
        first = (shown or sheets)[0]
        if len(sheets) > 1:
            hidden = [s for s in sheets if s not in shown] if shown else []
            report.note(
                f"{where.layer}: read sheet '{first}', the first{' shown' if hidden else ''} "
                f"of the workbook's {len(sheets)} ({_quoted(sheets, 20)}"
                f"{'; hidden or charts: ' + _quoted(hidden, 20) if hidden else ''}); say "
                f'layer = "..." under [inputs.{where.layer}] for another'
            )
        return first
    if asked in sheets:
        return asked
    report.problems.append(
        where.problem(
            f"the workbook has no sheet '{asked}'; its sheets are {_quoted(sheets, 20)}",
            fix=f'set layer = "{sheets[0]}" (or another of its sheets) under '
            f"[inputs.{where.layer}]",
        )
    )
    return None


def _read_workbook(
    path: Path, asked: str | None, where: _Where, report: _Report
) -> tuple[list[tuple[int, Sequence[Any]]], str, frozenset[int]] | None:
    """A sheet's cells as the workbook stores them, each row's number in the sheet, the
    sheet's name, and the numbers of its hidden rows (an ``.xlsx``'s, :func:`_sheet_marks`).

    Excel (``.xlsx``, ``.xlsm``, ``.xlsb``, 97–2003 ``.xls``) and ODS are read by
    python-calamine: numbers stay numbers (a whole number is an ``int``, as openpyxl gave
    it: 510802, not 510802.0; one of 15 digits or more stays a float, :func:`whole`),
    text stays text (``0101``), dates are dates, booleans booleans, and an empty or error
    cell (``#N/A``) is ``""``. Row 1 is the sheet's first row, whatever is blank above
    the data."""
    import python_calamine  # a dependency, imported when a workbook is read

    try:
        ended = _ends_its_process(path)
        if ended is not None:
            report.problems.append(
                where.problem(
                    ended,
                    fix="open it in Excel or WPS and save it again as .xlsx, or as CSV UTF-8",
                )
            )
            return None
        with _open_workbook(path) as book:
            shown = [
                m.name
                for m in book.sheets_metadata
                if m.visible == python_calamine.SheetVisibleEnum.Visible
                and m.typ == python_calamine.SheetTypeEnum.WorkSheet
            ]
            sheet = _sheet(asked, list(book.sheet_names), shown, where, report)
            if sheet is None:
                return None
            far = _far_cell(path, sheet)
            if far is not None:
                report.problems.append(_far_problem(far, sheet, where))
                return None
            read = book.get_sheet_by_name(sheet)
            if read.height * read.width > _MOST_CELLS:  # .xls, .xlsb, .ods: told by calamine
                row, column = read.end or (0, 0)
                far = (f"{_column_letters(column + 1)}{row + 1}", read.height * read.width)
                report.problems.append(_far_problem(far, sheet, where))
                return None
            cells = read.to_python(skip_empty_area=False)
            merged = list(getattr(read, "merged_cell_ranges", None) or ())  # python-calamine 0.9
            if not merged and path.suffix.lower() == ".ods":
                merged = _ods_merged_down(path, sheet)  # python-calamine gives None for ODS
    except BaseException as exc:  # a damaged or mislabelled workbook: never a raw traceback
        if not isinstance(exc, Exception) and type(exc).__name__ != "PanicException":
            raise  # Ctrl-C, exit; calamine's Rust panic is pyo3's PanicException, not Exception
        if isinstance(exc, python_calamine.PasswordError) or _encrypted(path):
            report.problems.append(
                where.problem(
                    "the workbook is protected by a password (its contents are encrypted)",
                    fix="open it in Excel or WPS with its password, remove the password (File "
                    "> Info > Protect Workbook > Encrypt with Password, left empty) and save it "
                    "again, or save it as CSV UTF-8",
                )
            )
            return None
        report.problems.append(
            where.problem(
                f"the workbook cannot be read ({type(exc).__name__}: {exc})",
                fix="open it in LibreOffice or WPS and save it again, or save it as CSV UTF-8"
                if path.suffix.lower() == ".ods"
                else "open it in Excel or WPS and save it again as .xlsx, or as CSV UTF-8",
            )
        )
        return None
    _fill_merged_down(cells, merged)
    formulas, hidden = _sheet_marks(path, sheet)
    for (row, column), formula in formulas.items():
        if row < len(cells) and column < len(cells[row]) and _blank(cells[row][column]):
            cells[row][column] = _Unsaved(formula, f"{_column_letters(column + 1)}{row + 1}")
    return (
        [(n, [whole(c) for c in row]) for n, row in enumerate(cells, start=1)],
        sheet,
        hidden,
    )


def _hidden_rows_said(
    labels: list[str], hidden: frozenset[int], sheet: str | None, name: str, report: _Report
) -> None:
    """Warn of the table's rows the sheet hides (filtered out or hidden in Excel or WPS):
    they are read as the others, though the planner who handed the list over may not
    have seen them (an institution 已注销, filtered away)."""
    if not hidden:  # a CSV's, a frame's (labelled by its index: index F01)
        return
    shown = [label for label in labels if int(label.split()[-1]) in hidden]
    if not shown:
        return
    report.warn(
        f"{name}: {len(shown)} row{'s' if len(shown) > 1 else ''} of the table "
        f"{'are' if len(shown) > 1 else 'is'} hidden in sheet '{sheet}' (filtered out or "
        f"hidden in Excel or WPS) and read as the others: {first_few(shown, limit=6)}; "
        "delete the rows that are not to be read, or unhide them to check"
    )


class _Unsaved(str):
    """A cell holding a formula and no saved value (:func:`_sheet_marks`): its text is
    the formula, ``cell`` where it is (``E2``)."""

    cell: str

    def __new__(cls, formula: str, cell: str) -> _Unsaved:
        made = super().__new__(cls, formula)
        made.cell = cell
        return made


def _without_unsaved_formulas(
    table: pd.DataFrame,
    labels: list[str],
    coordinates: tuple[str, str],
    spec: LayerSpec,
    where: _Where,
    report: _Report,
) -> pd.DataFrame:
    """The table with its formulas without a saved value (:class:`_Unsaved`) emptied, and
    a problem for each column read (the coordinates, the layer's columns) that holds one:
    its cells would read empty (the slots "not given", with no word of why)."""
    section = f"[inputs.{where.layer}]"
    schema = {column.name for column in _SCHEMAS[where.layer].columns}
    into = {str(source): column for column, source in spec.columns.items()}
    out = table.copy()
    for name in table.columns:
        cells = table[name].to_numpy(dtype=object)
        unsaved = [i for i, v in enumerate(cells) if isinstance(v, _Unsaved)]
        if not unsaved:
            continue
        out[name] = [None if isinstance(v, _Unsaved) else v for v in cells]
        column = into.get(str(name), str(name))
        if column not in schema and name not in coordinates:
            continue  # a column siting does not read (序号 =ROW()-1)
        first, count = cells[unsaved[0]], len(unsaved)
        report.problems.append(
            where.problem(
                f"{count} cell{'s' if count > 1 else ''} of column '{name}' "
                f"hold{'' if count > 1 else 's'} a formula with no saved value (the first, "
                f"{first.cell}: {first}), which reads as empty: the workbook was written by a "
                "program that does not calculate formulas (a script), not saved by Excel, WPS "
                "or LibreOffice",
                ids=[labels[i] for i in unsaved],
                fix="open the workbook in Excel, WPS or LibreOffice and save it (each formula's "
                f"value is then saved beside it), or paste the column as values; {section} "
                "reads values, not formulas",
            )
        )
    return out


_ODS_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"


def _ods_merged_down(path: Path, sheet: str) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """An ODS sheet's cells merged down more than one row, as python-calamine gives an
    ``.xlsx``'s: ``((first row, column), (last row, last column))`` from 0.

    LibreOffice writes a merged cell as ``table:number-rows-spanned`` on its first cell
    (and covered cells under it); rows and cells repeated (``number-rows-repeated``,
    ``number-columns-repeated``) count as many."""
    import xml.etree.ElementTree as ET

    try:
        with zipfile.ZipFile(path) as book:
            data = book.read("content.xml")
        if b"number-rows-spanned" not in data:
            return []
        tables = ET.fromstring(data).iter(f"{_ODS_TABLE}table")
        table = next(t for t in tables if t.get(f"{_ODS_TABLE}name") == sheet)
    except (KeyError, StopIteration, OSError, zipfile.BadZipFile, SyntaxError):
        return []
    merged = []
    row = 0
    for element in table.iter(f"{_ODS_TABLE}table-row"):
        column = 0
        for cell in element:
            if cell.tag not in (f"{_ODS_TABLE}table-cell", f"{_ODS_TABLE}covered-table-cell"):
                continue
            rows = int(cell.get(f"{_ODS_TABLE}number-rows-spanned", "1"))
            columns = int(cell.get(f"{_ODS_TABLE}number-columns-spanned", "1"))
            if rows > 1:
                merged.append(((row, column), (row + rows - 1, column + columns - 1)))
            column += int(cell.get(f"{_ODS_TABLE}number-columns-repeated", "1"))
        row += int(element.get(f"{_ODS_TABLE}number-rows-repeated", "1"))
    return merged


def _fill_merged_down(
    cells: list[list[Any]], merged: Sequence[tuple[tuple[int, int], tuple[int, int]]]
) -> None:
    """Give each cell of a range merged down several rows its first cell's value, in place.

    Excel keeps a merged range's value in its first cell only: a district's name or code
    merged down its facilities' rows (区县 as Chinese tables write it), or a header's
    备案编号 merged over two header rows, would leave the rows below empty. Only the
    ranges the workbook says are merged are filled (``merged``: python-calamine's
    ``merged_cell_ranges``, ``((first row, first column), (last row, last column))``
    from 0), and only down their first column: a title or a note merged across the
    columns stays in its one cell, and a cell merely left empty stays empty."""
    for (top, left), (bottom, _) in merged:
        if top >= len(cells) or left >= len(cells[top]):
            continue
        value = cells[top][left]
        for row in cells[top + 1 : bottom + 1]:
            if left < len(row) and _blank(row[left]):
                row[left] = value


_MOST_CELLS = 20_000_000
"""The most cells (rows × columns between the sheet's first and last value) read from a
sheet: python-calamine allocates every one (a value at row 1,048,576 and column Z took
1.3 GB and 15 s; at XFD1,048,576 it aborted the process, asking for 550 GB). An
``.xlsx`` is measured before calamine reads the sheet; another workbook after (its
allocation made, the Python lists and their 15 s not)."""

_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')
_VALUE_CELL = re.compile(
    rb'<(?:\w+:)?c\s[^>]*?\br="([A-Z]+)(\d+)"[^>]*?(?<!/)>\s*<(?:\w+:)?(?:v|is|f)\b'
)


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _column_letters(number: int) -> str:
    """A sheet's column by its letters: 1 is ``A``, 26 ``Z``, 27 ``AA``."""
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _far_cell(path: Path, sheet: str) -> tuple[str, int] | None:
    """In an ``.xlsx`` or ``.xlsm``, the last cell holding a value (``Z1048576``) and the
    cells python-calamine would allocate, when more than :data:`_MOST_CELLS`; else None.

    The sheet's ``<dimension>`` (its used range, formatted cells too) decides cheaply; only
    a sheet whose used range is that large is scanned for its cells with a value."""
    if not zipfile.is_zipfile(path):
        return None
    import xml.etree.ElementTree as ET

    try:
        with zipfile.ZipFile(path) as book:
            part = _sheet_part(book, sheet)
            with book.open(part) as stream:
                head = stream.read(65_536)
            found = _DIMENSION.search(head)
            if found is not None and found[3] is not None:
                rows = int(found[4]) - int(found[2]) + 1
                columns = _column_number(found[3]) - _column_number(found[1]) + 1
                if rows * columns <= _MOST_CELLS:
                    return None
            data = book.read(part)
    except (KeyError, StopIteration, ValueError, OSError, zipfile.BadZipFile, ET.ParseError):
        return None  # python-calamine says what is wrong with it
    first_row = first_column = 1 << 30
    last_row = last_column = 0
    far = ""
    for cell in _VALUE_CELL.finditer(data):
        row, column = int(cell[2]), _column_number(cell[1])
        first_row, first_column = min(first_row, row), min(first_column, column)
        if row >= last_row or column >= last_column:
            far = (cell[1] + cell[2]).decode()
        last_row, last_column = max(last_row, row), max(last_column, column)
    cells = (last_row - first_row + 1) * (last_column - first_column + 1)
    return (far, cells) if last_row and cells > _MOST_CELLS else None


def _sheet_part(book: zipfile.ZipFile, sheet: str) -> str:
    """The part of an ``.xlsx`` holding the sheet named ``sheet`` (``xl/worksheets/sheet1.xml``).

    Raises KeyError, StopIteration or ElementTree's ParseError when the workbook does
    not say."""
    import xml.etree.ElementTree as ET

    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    ids = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    listed = ET.fromstring(book.read("xl/workbook.xml"))
    rid = next(e.get(ids) for e in listed.iter(f"{main}sheet") if e.get("name") == sheet)
    rels = ET.fromstring(book.read("xl/_rels/workbook.xml.rels"))
    target = next(e.get("Target", "") for e in rels if e.get("Id") == rid)
    return target.lstrip("/") if target.startswith("/") else f"xl/{target}"


_FORMULA_CELL = re.compile(
    rb'<(?:\w+:)?c\s[^>]*?\br="([A-Z]+)(\d+)"[^>]*?(?<!/)>(.*?)</(?:\w+:)?c>', re.DOTALL
)
_FORMULA = re.compile(rb"<(?:\w+:)?f\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?f>)", re.DOTALL)
_SAVED_VALUE = re.compile(rb"<(?:\w+:)?(?:v|is)\b[^>]*>[^<]")


_HIDDEN_ROW = re.compile(rb'<(?:\w+:)?row\s(?=[^>]*\bhidden="(?:1|true)")[^>]*?\br="(\d+)"')


def _sheet_marks(path: Path, sheet: str) -> tuple[dict[tuple[int, int], str], frozenset[int]]:
    """In an ``.xlsx`` or ``.xlsm``, the cells holding a formula and no saved value, by
    (row, column) from 0, each with its formula (``=C2+D2``; ``=…`` for a shared one); and
    the numbers of the rows the sheet hides (from 1, as Excel numbers them).

    Excel, WPS and LibreOffice save each formula's value beside it, which is what
    python-calamine reads; a workbook written by a script (openpyxl, pandas) holds the
    formula alone, and the cell reads empty. python-calamine does not say which rows are
    hidden; the sheet's XML does."""
    if not zipfile.is_zipfile(path):
        return {}, frozenset()
    try:
        with zipfile.ZipFile(path) as book:
            data = book.read(_sheet_part(book, sheet))
    except (KeyError, StopIteration, ValueError, OSError, zipfile.BadZipFile, SyntaxError):
        return {}, frozenset()
    hidden = frozenset(int(row[1]) for row in _HIDDEN_ROW.finditer(data))
    if b"<f" not in data and b":f" not in data:
        return {}, hidden
    found = {}
    for cell in _FORMULA_CELL.finditer(data):
        formula = _FORMULA.search(cell[3])
        if formula is None or _SAVED_VALUE.search(cell[3]):
            continue
        text = (formula[1] or b"\xe2\x80\xa6").decode("utf-8", "replace")
        found[(int(cell[2]) - 1, _column_number(cell[1]) - 1)] = "=" + text
    return found, hidden


def _far_problem(far: tuple[str, int], sheet: str, where: _Where) -> Problem:
    cell, cells = far
    return where.problem(
        f"sheet '{sheet}' holds a value as far as cell {cell}, which would make siting read "
        f"{cells:,} cells (at most {_MOST_CELLS:,})",
        fix=f"delete what is in {cell} and in the empty-looking rows and columns up to it "
        "(in Excel or WPS: Ctrl+End finds it), or copy the table to a new sheet",
    )


_OPEN_APART = """
import sys

try:  # its memory capped (POSIX), so that a damaged length fails rather than swaps
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (int(sys.argv[2]), int(sys.argv[2])))
except (ImportError, ValueError, OSError):
    pass
import python_calamine

book = python_calamine.CalamineWorkbook.from_path(sys.argv[1])
for name in book.sheet_names:
    book.get_sheet_by_name(name)
"""
"""What :func:`_ends_its_process` runs in a process of its own."""

_OPEN_APART_BYTES = 4 << 30
"""The memory that process may ask for: a 97–2003 workbook's most cells (65,536 rows ×
256 columns) take about 0.6 GB in python-calamine."""

_OPEN_APART_S = 120.0
"""How long that process may take."""


def _ends_its_process(path: Path) -> str | None:
    """What is wrong with a binary workbook python-calamine cannot open without ending its
    process or panicking, or None when it opens.

    A 97–2003 ``.xls`` (an OLE file, whatever its suffix) or an ``.xlsb`` is parsed from
    lengths its own bytes give: one damaged byte of ``tests/data/bureau_list.xls`` made
    python-calamine (0.9) ask for 1,030,784,103,120 bytes and abort, killing siting with
    no word. Such a workbook is first opened in a process of its own, with its memory
    capped at :data:`_OPEN_APART_BYTES`, and read here only when that process ends well
    or with an error Python raises (said as before); a panic is said from that process's
    message, so that Rust's panic line is not printed again here."""
    try:
        with path.open("rb") as f:
            ole = f.read(8) == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    except OSError:
        return None  # the read that follows says what is wrong
    if not ole and path.suffix.lower() != ".xlsb":
        return None
    if not Path(sys.executable).name.lower().startswith("python"):
        return None  # embedded (QGIS's own executable): no Python to start apart
    try:
        done = subprocess.run(
            [sys.executable, "-c", _OPEN_APART, str(path), str(_OPEN_APART_BYTES)],
            capture_output=True,
            timeout=_OPEN_APART_S,
            check=False,
            creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0),  # no console (Windows)
        )
    except subprocess.TimeoutExpired:
        return (
            f"the workbook did not open in {_OPEN_APART_S:g} s (python-calamine was stopped; "
            "it may be damaged)"
        )
    except OSError:
        return None  # no process to spare: read it here, as before
    lines = [line.strip() for line in done.stderr.decode("utf-8", "replace").splitlines()]
    if done.returncode == 1 and lines and lines[-1].startswith("pyo3_runtime.PanicException"):
        # a panic: said from here, so that Rust's panic message is not printed again
        return f"the workbook cannot be read ({lines[-1].removeprefix('pyo3_runtime.')})"
    if done.returncode in (0, 1):  # opened, or a Python error the read here says
        return None
    said = [line for line in lines if "memory allocation of" in line or "panicked at" in line]
    return "the workbook is damaged: python-calamine stopped reading it" + (
        f" ({said[0]})" if said else f" (exit {done.returncode})"
    )


def _encrypted(path: Path) -> bool:
    """Whether the file is Office's encrypted package (an OLE file holding an
    ``EncryptedPackage`` stream), as Excel and WPS save a workbook with a password."""
    try:
        data = path.read_bytes()
    except OSError:
        return False
    return data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1") and (
        "EncryptedPackage".encode("utf-16-le") in data
    )


_TABLE_TAG_SPACE = re.compile(rb"\s+(?=</?table:)|(</?table:[^>]*>)\s+")
"""Layout whitespace beside an ODS table element (a row, a cell)."""


def _open_workbook(path: Path) -> CalamineWorkbook:
    """The workbook by python-calamine, an ODS with layout whitespace taken out if need be.

    GDAL's ODS writer (QGIS's "Save Features As… ODS", ``ogr2ogr -f ODS``) puts a newline
    between a row's cells, where python-calamine (0.9.1) stops ("Expecting 'table-cell'");
    such a file is read again with the whitespace beside its table elements removed (text
    inside a cell is left as it is). LibreOffice writes none (its XML is not indented).
    A workbook its suffix mislabels (a 97–2003 ``.xls`` named ``.xlsx``) is read by its
    bytes."""
    import python_calamine  # a dependency, imported when a workbook is read

    try:
        return python_calamine.CalamineWorkbook.from_path(path)
    except python_calamine.CalamineError:
        if path.suffix.lower() != ".ods" or not zipfile.is_zipfile(path):
            try:  # by its bytes: an .xls saved as .xlsx, an .xlsx named .xls, as WPS may
                return python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(path.read_bytes()))
            except python_calamine.CalamineError:
                pass
            raise
    squeezed = io.BytesIO()
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(squeezed, "w") as out:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "content.xml":
                data = _TABLE_TAG_SPACE.sub(lambda m: m[1] or b"", data)
            out.writestr(item, data)
    squeezed.seek(0)
    return python_calamine.CalamineWorkbook.from_filelike(squeezed)


def _coordinate_columns(
    table: pd.DataFrame, spec: LayerSpec, where: _Where, report: _Report
) -> tuple[str, str] | None:
    """The names of the x and y columns, or None with a problem."""
    section = f"[inputs.{where.layer}]"
    present = [str(c) for c in table.columns]
    if spec.x is not None or spec.y is not None:
        missing = [
            f"{key} = '{given}'"
            for key, given in (("x", spec.x), ("y", spec.y))
            if given is not None and given not in present
        ]
        if spec.x is None or spec.y is None:
            report.problems.append(
                where.problem(
                    f"{section} names only the {'y' if spec.x is None else 'x'} column",
                    fix=f"give both: x = and y = under {section}",
                )
            )
        elif missing:
            report.problems.append(
                where.problem(
                    f"{' and '.join(missing)} under {section} "
                    f"{'are' if len(missing) > 1 else 'is'} not a column of the table "
                    f"(its columns: {', '.join(present)})",
                    fix=f"give the names of the table's coordinate columns under {section}",
                )
            )
        else:
            return spec.x, spec.y
        return None
    folded: dict[str, str] = {}
    for column in present:
        folded.setdefault(_fold(column), column)
    for x_word, y_word in COORDINATE_NAMES:
        if x_word in folded and y_word in folded:
            return folded[x_word], folded[y_word]
    if spec.address is not None:
        return None  # every row placed by its address
    address = [c for c in present if _fold(c) in _ADDRESS_NAMES]
    if address:
        report.problems.append(
            where.problem(
                f"the table has an address column ('{address[0]}') but no coordinate columns: "
                "siting does not geocode addresses (it works offline)",
                fix="add two columns of coordinates, 经度 and 纬度 in CGCS2000 degrees (from "
                "天地图's map or a survey; points picked on 高德/腾讯 or 百度 maps are shifted "
                "by several hundred metres), or place the points in QGIS and give that layer; "
                f"or, where the addresses name their 小区 (…华龙新村3栋), give address = "
                f'"{address[0]}" under {section}: each row is placed at the 小区 its address '
                "names, among the residential areas' names",
            )
        )
        return None
    report.problems.append(
        where.problem(
            f"the table has no coordinate columns siting recognises (its columns: "
            f"{', '.join(present)})",
            fix=f'name them with x = "..." and y = "..." under {section}, or call them 经度 '
            "and 纬度 (lon and lat, x and y)",
        )
    )
    return None


_DMS = re.compile(
    r"""^(?P<before>[NSEW东西南北]|东经|西经|南纬|北纬)?\s*
    (?P<deg>\d+(?:\.\d+)?)\s*[°度]\s*
    (?:(?P<min>\d+(?:\.\d+)?)\s*(?:['′’]|分)\s*)?
    (?:(?P<sec>\d+(?:\.\d+)?)\s*(?:"|″|”|′′|''|’’|秒)\s*)?
    (?P<after>[NSEW东西南北])?$""",
    re.VERBOSE | re.IGNORECASE,
)
"""Degrees, minutes and seconds as a table writes them: ``105°50′30″``, ``105度50分30秒``,
``N32°26.5'``, ``32°26'E``."""


def _dms(text: str) -> float | None:
    """Degrees from ``105°50′30″`` (105.841667), or None when the text is not that.

    Examples
    --------
    >>> round(_dms("105°50′30″"), 6), _dms("32°26'S"), _dms("105°70'")
    (105.841667, -32.43333333333333, None)
    """
    found = _DMS.match(unicodedata.normalize("NFKC", text).strip())
    if found is None:
        return None
    minutes = float(found["min"] or 0.0)
    seconds = float(found["sec"] or 0.0)
    if minutes >= 60 or seconds >= 60:
        return None
    hemisphere = (found["before"] or found["after"] or "").upper()
    sign = -1.0 if hemisphere[:1] in ("S", "W", "西", "南") else 1.0
    return sign * (float(found["deg"]) + minutes / 60 + seconds / 3600)


def _coordinate(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    number = _to_float(value)
    if number is _BLANK or number is _BAD or number is None:
        return _dms(value) if isinstance(value, str) else None
    return float(number) if np.isfinite(number) else None


def _pair(value: Any) -> tuple[float, float] | None:
    """The two numbers of a coordinate pair (``105.857687,32.444327``), or None."""
    if not isinstance(value, str):
        return None
    parts = [p for p in _PAIR_SPLIT.split(value.strip().strip("()（）[]")) if p]
    if len(parts) != 2:
        return None
    first, second = _coordinate(parts[0]), _coordinate(parts[1])
    return None if first is None or second is None else (first, second)


def _split_pair(
    table: pd.DataFrame, column: str, *, lat_first: bool
) -> tuple[pd.DataFrame, str, str, bool]:
    """The table with the pair column split into an x and a y column (named ``坐标: x`` and
    ``坐标: y``), in the order the numbers say (inside China a latitude is below 55°, a
    longitude above 73°; anywhere a number of degrees above 90 is a longitude), else the
    name's; and whether the pairs were read latitude first."""
    pairs = [_pair(v) for v in table[column].to_numpy(dtype=object)]
    first = np.array([np.nan if p is None else p[0] for p in pairs])
    second = np.array([np.nan if p is None else p[1] for p in pairs])
    read = ~np.isnan(first)
    one, two = np.abs(first[read]), np.abs(second[read])
    if read.any() and _swapped(first[read], second[read]):
        lat_first = True
    elif read.any() and _swapped(second[read], first[read]):
        lat_first = False
    elif read.any() and max(one.max(), two.max()) <= 180.0:  # degrees: no latitude above 90
        if one.max() > 90.0 >= two.max():
            lat_first = False
        elif two.max() > 90.0 >= one.max():
            lat_first = True  # Google Maps's "lat, lng" in Mexico or Japan
    x, y = (second, first) if lat_first else (first, second)
    x_name, y_name = f"{column}: x", f"{column}: y"
    cells = table[column].tolist()  # an unreadable pair shown as written, under x
    split = table.drop(columns=[column]).assign(
        **{
            x_name: [float(v) if ok else cell for v, ok, cell in zip(x, read, cells, strict=True)],
            y_name: [float(v) if ok else "" for v, ok in zip(y, read, strict=True)],
        }
    )
    return split, x_name, y_name, lat_first


def _pair_column(table: pd.DataFrame, spec: LayerSpec) -> tuple[str, bool] | None:
    """The column holding both coordinates, and whether its name says latitude first:
    named by ``x`` and ``y`` both, else by its usual name (:data:`PAIR_NAMES`) when most of
    its filled cells read as pairs, and when no x and y columns have their usual names
    (:data:`COORDINATE_NAMES`: a list's X坐标 and Y坐标 are read before its 经纬度)."""
    present = [str(c) for c in table.columns]
    if spec.x is not None and spec.x == spec.y and spec.x in present:
        return spec.x, False
    if spec.x is not None or spec.y is not None:
        return None
    folded = {_fold(column) for column in present}
    if any(x in folded and y in folded for x, y in COORDINATE_NAMES):
        return None
    for column in present:
        lat_first = PAIR_NAMES.get(_fold(column).replace(" ", ""))
        if lat_first is None:
            continue
        filled = [v for v in table[column].to_numpy(dtype=object) if not _blank(v)]
        if filled and sum(_pair(v) is not None for v in filled) >= 0.8 * len(filled):
            return column, lat_first
    return None


def _coordinates(column: pd.Series[Any]) -> tuple[np.ndarray, np.ndarray]:
    """The column's numbers (NaN where unreadable) and the mask of unreadable ones."""
    values = np.array([_coordinate(v) for v in column.to_numpy(dtype=object)], dtype=object)
    bad = np.array([v is None for v in values], dtype=bool)
    return np.where(bad, np.nan, values).astype(float), bad
