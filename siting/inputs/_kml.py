"""A layer handed over as KML or KMZ: 奥维互动地图's, Google Earth's or 91卫图's marks.

A street office or a planner marks its 小区, candidate plots and 托育机构 on a web map and
sends a ``.kml`` (or a ``.kmz``: a zip of ``doc.kml`` and its icons). GDAL reads it (its
LIBKML driver, or the older KML one), each ``<Folder>`` a layer; what is not read as a
planner means it, this module reads so:

1. **Chinese attribute names.** LIBKML launders the names of ``<ExtendedData><Data
   name="户数">`` to ASCII by default, each Chinese character an underscore: 户数 and 类型
   are one column ``______``, holding whichever came last (a silent mix of two columns).
   A KML is read with ``LIBKML_LAUNDER_FIELD_NAMES=NO`` (GDAL's config option, set while
   it is read and put back after): ``户数`` is ``户数``. A placemark's label
   (``<name>``, GDAL's ``Name``) is its ``name`` (:func:`kml_columns`).
2. **Attributes only in** ``<description>``. ArcGIS's Layer To KML and many web maps'
   exports put a feature's fields in its balloon, an HTML table of name and value rows,
   or 奥维's ``户数：1200`` lines; GDAL keeps the description as one text. The rows of
   two cells (``<td>户数</td><td>1200</td>``, in nested tables too) and the lines of a
   name, a colon (``:`` or ``：``) and a value are read as columns
   (:func:`description_columns`), the layer's own column of a name winning; the run notes
   which. Any other text is left as it is.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio

from siting._text import first_few
from siting.inputs._problems import _Report
from siting.scenario import LayerSpec

__all__ = ["KML_SUFFIXES", "description_columns", "is_kml", "kml_columns", "kml_fields"]

KML_SUFFIXES = (".kml", ".kmz")
"""The files read as KML."""

_LAUNDER = "LIBKML_LAUNDER_FIELD_NAMES"


def is_kml(path: Path) -> bool:
    """Whether ``path`` is a KML or KMZ file, by its suffix."""
    return path.suffix.lower() in KML_SUFFIXES


@contextlib.contextmanager
def kml_fields() -> Iterator[None]:
    """GDAL's LIBKML reading ``<Data name="户数">`` as ``户数``, not laundered to ASCII
    (``______``), while the block runs; the option's former value is put back after."""
    before = pyogrio.get_gdal_config_option(_LAUNDER)
    pyogrio.set_gdal_config_options({_LAUNDER: "NO"})
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options({_LAUNDER: before})


_STYLE_FIELDS = ("altitudeMode", "tessellate", "extrude", "visibility", "drawOrder", "icon")
"""LIBKML's fields of how a placemark is drawn, dropped: nothing of the plan's."""
_EMPTY_FIELDS = ("id", "timestamp", "begin", "end", "snippet", "description")
"""LIBKML's other own fields, dropped when no placemark fills them."""


def kml_columns(frame: gpd.GeoDataFrame, spec: LayerSpec) -> gpd.GeoDataFrame:
    """``frame`` (a KML layer as GDAL read it) with its placemarks' labels (``<name>``,
    GDAL's ``Name``) as its ``name`` column, as a planner means them, unless ``columns``
    maps ``Name`` itself or the layer has a ``name`` of its own (a GeoPackage cannot hold
    both ``Name`` and ``name``: the plan's layer would not be written); the older KML
    driver's ``Description`` as ``description``; and LIBKML's fields of how a
    placemark is drawn (``tessellate``, ``extrude`` …) and its own empty ones
    (``timestamp``, ``begin`` …) left out, so the plan's layers do not carry them."""
    mapped = set(spec.columns.values())
    renamed = {
        own: plain
        for own, plain in (("Name", "name"), ("Description", "description"))
        if own in frame.columns and plain not in frame.columns and own not in mapped
    }
    dropped = [c for c in _STYLE_FIELDS if c in frame.columns and c not in mapped]
    dropped += [
        c for c in _EMPTY_FIELDS if c in frame.columns and c not in mapped and frame[c].isna().all()
    ]
    return frame.drop(columns=dropped).rename(columns=renamed)


# 2. attributes in the description -------------------------------------------------------

_NAME_VALUE = re.compile(r"^\s*([^:：\s][^:：]{0,29}?)\s*[:：]\s*(?!//)(.*?)\s*$")
"""A line of a name (up to 30 characters, no colon), a colon and a value (a URL's ``://``
is no such line)."""
_TAG = re.compile(r"<[^>]*>")
_BREAK = re.compile(r"<\s*(br|/p|/div|/li)\b[^>]*>", re.IGNORECASE)


class _Rows(HTMLParser):
    """The two-cell rows of an HTML description's tables, nested ones too, as (name,
    value); a cell's own text only (a nested table's text is its rows')."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pairs: list[tuple[str, str]] = []
        self._tables: list[dict[str, Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._tables.append({"row": None, "cell": None})
        elif not self._tables:
            return
        elif tag == "tr":
            self._end_row()
            self._tables[-1]["row"] = []
        elif tag in ("td", "th"):
            self._end_cell()
            self._tables[-1]["cell"] = []
        elif tag == "br" and self._tables[-1]["cell"] is not None:
            self._tables[-1]["cell"].append(" ")

    def handle_endtag(self, tag: str) -> None:
        if not self._tables:
            return
        if tag in ("td", "th"):
            self._end_cell()
        elif tag == "tr":
            self._end_row()
        elif tag == "table":
            self._end_row()
            self._tables.pop()

    def handle_data(self, data: str) -> None:
        if self._tables and self._tables[-1]["cell"] is not None:
            self._tables[-1]["cell"].append(data)

    def _end_cell(self) -> None:
        table = self._tables[-1]
        if table["cell"] is not None:
            if table["row"] is None:
                table["row"] = []
            table["row"].append(" ".join("".join(table["cell"]).split()))
            table["cell"] = None

    def _end_row(self) -> None:
        self._end_cell()
        row = self._tables[-1]["row"]
        if row is not None and len(row) == 2 and row[0]:
            self.pairs.append((row[0].rstrip(":："), row[1]))
        self._tables[-1]["row"] = None


def _fields(description: object) -> dict[str, str]:
    """A placemark's description read as names and values: an HTML table's two-cell rows
    when it has a table, else its ``name：value`` lines."""
    if not isinstance(description, str) or not description.strip():
        return {}
    if re.search(r"<\s*t[dh]\b", description, re.IGNORECASE):
        rows = _Rows()
        rows.feed(description)
        rows.close()
        return {k: v for k, v in rows.pairs if v}
    text = unescape(_TAG.sub("", _BREAK.sub("\n", description)))
    out: dict[str, str] = {}
    for line in text.splitlines():
        found = _NAME_VALUE.match(line)
        if found and found[2]:
            out.setdefault(found[1], found[2])
    return out


def description_columns(frame: pd.DataFrame, name: str, report: _Report) -> pd.DataFrame:
    """``frame`` (a KML layer as GDAL read it) with the names and values of its
    placemarks' descriptions (:func:`_fields`) as columns of text, before its own columns
    are mapped; a name the layer has as a column already (its ``<ExtendedData>``) is left
    to it. The run notes the columns so read; ``frame`` is returned as it is when its
    descriptions hold none."""
    if "description" not in frame.columns:
        return frame
    fields = [_fields(d) for d in frame["description"]]
    names = list(dict.fromkeys(k for f in fields for k in f))
    own = [n for n in names if n in frame.columns]
    names = [n for n in names if n not in frame.columns]
    if not names:
        return frame
    out = frame.copy()
    for column in names:
        out[column] = pd.Series([f.get(column) for f in fields], index=frame.index, dtype=object)
    held = sum(1 for f in fields if f)
    left = f"; left to the layer's own columns: {first_few(own, limit=6)}" if own else ""
    report.note(
        f"{name}: read {len(names)} columns from the placemarks' descriptions "
        f"({first_few(names, limit=8)}; {held:,} of {len(frame):,} placemarks hold them){left}"
    )
    return out
