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
   or a note's ``户数：1200`` lines; GDAL keeps the description as one text. The rows of
   two cells (``<td>户数</td><td>1200</td>``, in nested tables too) and the lines of a
   name, a colon (``:`` or ``：``) and a value are read as columns
   (:func:`description_columns`), the layer's own column of a name winning; the run notes
   which. Any other text is left as it is.
3. **Folders in folders.** LIBKML makes each ``<Folder>`` a layer of its own placemarks,
   so ``layer = "小区"`` of a 小区 folder holding a folder per 街道 read none of them.
   A folder with folders inside is read with all of them, and ``layer = [...]`` of a
   KML's folders reads them as one layer (:func:`folder_layers`).
4. **Outlines traced as paths.** A 小区 or a plot traced round as a path (a closed
   ``<LineString>``) in a layer of outlines was refused with a CAD drawing's fix; it is
   read as the polygon it encloses (:func:`closed_paths_as_polygons`): a KML keeps its
   attributes on the path, unlike a CAD drawing's closed polylines. A ``<MultiGeometry>``
   of an outline and its label's pin is its outline (:func:`outlines_of_mixed`).

A KML written in GBK (its XML declaring ``encoding="GBK"``, or not declaring it), which
GDAL's readers cannot parse ("unknown encoding", "not well-formed"), is a problem saying
so and how to save it as UTF-8 (:func:`encoding_problem`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
import zipfile
from collections.abc import Iterator
from html import unescape
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from typing import Any
from xml.etree import ElementTree

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from siting._encoding import guess_encoding
from siting._text import first_few
from siting.errors import Problem
from siting.inputs._problems import _Report, _Where
from siting.scenario import LayerSpec

__all__ = [
    "KML_SUFFIXES",
    "closed_paths_as_polygons",
    "description_columns",
    "encoding_problem",
    "folder_layers",
    "is_kml",
    "kml_columns",
    "kml_fields",
    "one_kml",
    "outlines_of_mixed",
]

KML_SUFFIXES = (".kml", ".kmz")
"""The files read as KML."""

# 1. Chinese attribute names, the label --------------------------------------------------

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


_DECLARED = re.compile(rb"""^\s*<\?xml[^>]*\bencoding\s*=\s*["']([^"']+)["']""")
_EXPAT_READS = ("utf-8", "utf8", "utf-16", "utf16", "us-ascii", "ascii", "iso-8859-1", "latin-1")


def encoding_problem(path: Path, where: _Where) -> Problem | None:
    """The problem of a KML (or a KMZ's ``doc.kml``) at ``path`` that GDAL cannot read
    because its text is in an encoding GDAL's KML readers (expat) do not know, such as
    GBK; None when its text is UTF-8 (or cannot be read here)."""
    text = _document(path)
    if text is None:
        return None
    declared = _DECLARED.match(text[:200])
    said = None if declared is None else declared[1].decode("ascii", "replace")
    if said is not None and said.lower() not in _EXPAT_READS:
        how = f'its XML declares encoding="{said}"'
    elif guess_encoding(text) == "gbk":
        how = "its text is GBK" + (
            f', though its XML declares encoding="{said}"'
            if said is not None
            else ", with no XML declaration of it"
        )
    else:
        return None
    kmz = path.suffix.lower() == ".kmz"
    document = "its doc.kml (unzip the .kmz, then zip it again)" if kmz else path.name
    return where.problem(
        f"the KML cannot be read: {how}, and GDAL reads a KML only in UTF-8",
        fix=f"save {document} as UTF-8: open it in a text editor (记事本, VS Code), set "
        'encoding="UTF-8" in its first line and save it with the encoding UTF-8; or export '
        "it again from the map tool in UTF-8",
    )


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


# 3. folders in folders ----------------------------------------------------------------

_KML_TAG = re.compile(r"^(\{[^}]*\})?")


def _local(tag: str) -> str:
    return _KML_TAG.sub("", tag)


def _document(path: Path) -> bytes | None:
    """The KML text of a ``.kml``, or of a ``.kmz``'s main document (its ``doc.kml``,
    else its first ``.kml``); None when it cannot be read."""
    try:
        if path.suffix.lower() != ".kmz":
            return path.read_bytes()
        with zipfile.ZipFile(path) as kmz:
            kmls = [n for n in kmz.namelist() if n.lower().endswith(".kml")]
            main = next((n for n in kmls if PurePosixPath(n).name.lower() == "doc.kml"), None)
            main = main or next(iter(kmls), None)
            return None if main is None else kmz.read(main)
    except (OSError, zipfile.BadZipFile, KeyError):
        return None


@dataclasses.dataclass
class _Folder:
    layer: str
    placemarks: int = 0
    inside: list[_Folder] = dataclasses.field(default_factory=list)

    def all_within(self) -> list[_Folder]:
        return [self, *(f for g in self.inside for f in g.all_within())]


def _folders(text: bytes) -> list[_Folder] | None:
    """Every ``<Folder>`` of a KML in document order, named as GDAL's LIBKML names its
    layers (``新建``, then ``新建 (#2)``); None when the XML cannot be parsed."""
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError:
        return None
    seen: dict[str, int] = {}
    order: list[_Folder] = []

    def walk(element: ElementTree.Element, parent: _Folder | None) -> None:
        for child in element:
            tag = _local(child.tag)
            if tag == "Placemark" and parent is not None:
                parent.placemarks += 1
            elif tag == "Folder":
                title = next((c.text or "" for c in child if _local(c.tag) == "name"), "")
                title = title.strip()
                seen[title] = seen.get(title, 0) + 1
                layer = title if seen[title] == 1 else f"{title} (#{seen[title]})"
                folder = _Folder(layer)
                order.append(folder)
                if parent is not None:
                    parent.inside.append(folder)
                walk(child, folder)
            elif tag in ("Document", "kml"):
                walk(child, parent)

    walk(root, None)
    return order


def one_kml(spec: LayerSpec) -> bool:
    """Whether ``spec`` is of one KML or KMZ file, in one piece or in several folders of
    it (``layer = ["嘉陵街道", "东坝街道"]``), which :func:`folder_layers` reads as one."""
    path = Path(spec.path)
    return is_kml(path) and all(Path(p.path) == path for p in spec.pieces)


def folder_layers(spec: LayerSpec, name: str, report: _Report) -> list[str] | None:
    """The layers (folders) GDAL reads for ``spec`` of a KML, joined as one layer, or None
    to read ``spec`` as any layer is.

    ``layer`` a folder with folders inside (小区 ▸ 嘉陵街道, 东坝街道 …) is it and every
    folder within it that holds placemarks, so ``layer = "小区"`` reads all the 小区
    (noted); ``layer = [...]`` of the file's folders is each of them so. A KML has no
    schema, each folder's columns being the names its placemarks' ``<Data>`` use, so the
    folders are joined as one layer, a name one folder lacks blank there (not pieces,
    each of which must have every mapped column). None when the folders cannot be told
    apart as GDAL lists them (``layer = [...]`` is then its layers as listed): nothing is
    guessed."""
    path = Path(spec.path)
    asked = [p.layer for p in spec.pieces] if spec.pieces else [spec.layer]
    if not one_kml(spec) or None in asked:
        return None
    given = [str(a) for a in asked] if spec.pieces else None  # a list: each read, at least
    text = _document(path) if path.is_file() else None
    folders = None if text is None else _folders(text)
    try:
        listed = {str(row[0]) for row in pyogrio.list_layers(path)} if folders else set()
    except Exception:  # GDAL's own problem is said when the layer is read
        listed = set()
    by_layer = {f.layer: f for f in folders or ()}
    if not by_layer or not set(by_layer) <= listed or not set(asked) <= set(by_layer):
        return given
    within = [f for a in asked for f in by_layer[str(a)].all_within()]
    layers = list(dict.fromkeys(f.layer for f in within if f.placemarks))
    nested = [str(a) for a in asked if by_layer[str(a)].inside]
    if not nested:
        return given
    report.note(
        f"{name}: read the folders within {first_few(nested, limit=4)} of {path.name} "
        f"with {'it' if len(nested) == 1 else 'them'}: {first_few(layers, limit=12)}"
    )
    return layers or given


# 4. outlines traced as paths, or beside a pin -------------------------------------------


def closed_paths_as_polygons(
    frame: gpd.GeoDataFrame, name: str, report: _Report
) -> gpd.GeoDataFrame:
    """``frame`` (a KML layer of outlines) with each placemark drawn as a closed path (a
    ``<LineString>`` whose first point is its last, or a MultiGeometry of such, as a
    track or Google Earth's Path leaves a 小区 traced round) as the polygon it encloses (a
    ring inside another a hole: :func:`shapely.build_area`); noted. A path not closed is
    left as it is, for the layer's geometry check to say."""
    geoms = frame.geometry.to_numpy()
    lines = np.isin(shapely.get_type_id(geoms), [1, 2, 5])  # LineString, LinearRing, Multi
    closed = np.zeros(len(geoms), dtype=bool)
    for i in np.flatnonzero(lines):
        parts = shapely.get_parts(geoms[i])
        closed[i] = bool(
            (shapely.is_closed(parts) & (shapely.get_num_coordinates(parts) >= 4)).all()
        )
    if not closed.any():
        return frame
    out = frame.copy()
    areas = shapely.build_area(geoms[closed])
    out.loc[out.index[closed], out.geometry.name] = areas
    report.note(
        f"{name}: read {int(closed.sum()):,} placemarks drawn as closed paths (LineStrings "
        "whose last point is their first) as the polygons they enclose"
    )
    return out


def outlines_of_mixed(frame: gpd.GeoDataFrame, name: str, report: _Report) -> gpd.GeoDataFrame:
    """``frame`` (a KML layer of outlines) with each placemark whose ``<MultiGeometry>``
    mixes outlines with points or lines (a 小区's polygon and the pin of its label: GDAL's
    GeometryCollection) as its outlines alone, the rest left out, noted. A
    MultiGeometry without a polygon is left as it is, for the layer's geometry check to
    say."""
    geoms = frame.geometry.to_numpy()
    mixed = np.flatnonzero(shapely.get_type_id(geoms) == 7)  # GeometryCollection
    kept = {}
    for i in mixed:
        parts = shapely.get_parts(geoms[i])
        polygons = parts[np.isin(shapely.get_type_id(parts), [3, 6])]
        if len(polygons):
            kept[i] = shapely.union_all(polygons) if len(polygons) > 1 else polygons[0]
    if not kept:
        return frame
    out = frame.copy()
    at = list(kept)
    out.loc[out.index[at], out.geometry.name] = [kept[i] for i in at]
    report.note(
        f"{name}: read {len(kept):,} placemarks whose MultiGeometry mixes outlines with "
        "points or lines as their outlines alone (the points and lines left out)"
    )
    return out
