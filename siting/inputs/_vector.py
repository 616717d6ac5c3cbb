"""Reading one vector layer: open it, map and type its columns, check its ids and geometry.

The result is in the layer's own CRS (or the one the scenario gives for a
file without one), indexed by its id, with the schema's columns first.
Reprojection to the working CRS and the study-area check are in
:mod:`siting.inputs._crs`.
"""

from __future__ import annotations

import codecs
import dataclasses
import difflib
import importlib.util
import logging
import os
import re
import tempfile
import unicodedata
import warnings
from collections.abc import Collection, Iterator, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyogrio
import pyproj
import shapely

from siting._encoding import encodable, guess_encoding
from siting._said import Said
from siting._shortnames import SHAPEFILE_NAMES
from siting._text import first_few
from siting.errors import Problem, ScenarioError
from siting.inputs._columns import (
    _apply,
    _choices_said,
    _codes_as_text,
    _convert,
    _to_float,
    choice_of,
    names_its_unit,
)
from siting.inputs._crs import (
    _drawn,
    _not_degrees_problem,
    crs_suggestion,
    zone_number_problem,
)
from siting.inputs._kml import (
    closed_paths_as_polygons,
    description_columns,
    encoding_problem,
    folder_layers,
    is_kml,
    kml_columns,
    kml_fields,
    one_kml,
    outlines_of_mixed,
)
from siting.inputs._pieces import ROW_IDS, read_pieces
from siting.inputs._problems import (
    _assumed_crs,
    _check_file,
    _count,
    _gdal_message,
    _or_list,
    _quoted,
    _Report,
    _unknown_encoding,
    _Where,
)
from siting.inputs._schema import (
    _FAMILY_OF_TYPE_ID,
    _FAMILY_WORDS,
    _POLYGON,
    _SCHEMAS,
    COLUMN_WORDS,
    LAYER_NAMES,
    _Column,
    _Schema,
    plan_computed,
)
from siting.inputs._table import (
    BY_ADDRESS,
    ROW_OF,
    ROWS,
    SHEET,
    _fold,
    frame_table,
    index_as_columns,
    is_table,
    open_table,
    polygons_needed,
    unit_after,
)
from siting.inputs._where import FilteredLayer, kept_features, kept_positions
from siting.inputs._zip import archive_of, unzipped
from siting.scenario import LayerSpec

logger = logging.getLogger(__name__)

_USE_ARROW = importlib.util.find_spec("pyarrow") is not None


def _open_vector(spec: LayerSpec, name: str, report: _Report) -> gpd.GeoDataFrame | None:
    """Read the file of one layer, or add a problem and return None; a KML's Chinese
    attribute names as they are, its labels as their names, the folders within its folder
    with it, its outlines traced as closed paths as polygons, and its descriptions' names
    and values as columns (:mod:`siting.inputs._kml`)."""
    if not is_kml(Path(spec.path)):
        return _open_layer(spec, name, report)
    # filtered once its descriptions' names are columns (GDAL sees its ExtendedData only)
    whole = dataclasses.replace(spec, pieces=(), where=None)
    with kml_fields():
        layers = folder_layers(spec, name, report)
        if layers is None:
            frame = _open_layer(whole, name, report)
        else:
            frames = [
                _open_layer(dataclasses.replace(whole, layer=one), name, report) for one in layers
            ]
            read = [f for f in frames if f is not None]
            frame = None if len(read) < len(frames) else _joined(read)
    if frame is None:
        return None
    as_read = frame
    frame = kml_columns(frame, spec)
    wanted = _SCHEMAS[name].geometry if name in _SCHEMAS else ()
    if "Polygon" in wanted and "LineString" not in wanted:  # outlines, not lines
        frame = outlines_of_mixed(closed_paths_as_polygons(frame, name, report), name, report)
    frame = description_columns(frame, name, report)
    if spec.where is None:
        return frame
    # the filter takes GDAL's own names too (Name, Description, where siting renamed them)
    own = [c for c in as_read.columns if c not in frame.columns and c != as_read.geometry.name]
    attributes = pd.concat(
        [pd.DataFrame(frame.drop(columns=frame.geometry.name)), pd.DataFrame(as_read[own])], axis=1
    )
    where = _Where(str(spec.path), name, dict(spec.columns), dict(spec.units), spec.layer)
    kept = kept_positions(attributes, spec, where, report, noun="features")
    return None if kept is None else frame.iloc[kept]


def _drawn_frame(frame: Any, name: str, report: _Report) -> Any:
    """A :class:`pandas.DataFrame` with a column of shapely geometries (a GeoDataFrame
    become a DataFrame: ``pd.DataFrame(gdf)``, ``df.merge(gdf)``) as a GeoDataFrame of
    that column, in the CRS the column keeps (none for plain shapely objects: then
    ``layer_crs`` gives it), noted; any other frame as it is. Before, it was a table
    "with no coordinate columns", its fix a scenario's x and y."""
    for column in frame.columns:
        values = frame[column].dropna()
        if len(values) and all(isinstance(v, shapely.Geometry) for v in values):
            drawn = gpd.GeoDataFrame(frame, geometry=column)
            report.note(
                f"{name}: read the DataFrame's column '{column}' as its geometry, "
                + (f"in {drawn.crs.to_string()}" if drawn.crs is not None else "without a CRS")
                + " (a pandas DataFrame holding geometries: pd.DataFrame(gdf), df.merge(gdf))"
            )
            return drawn
    return frame


def _joined(frames: list[gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
    """A KML's folders read as one layer: their rows in order, a column one lacks blank
    there."""
    if len(frames) == 1:
        return frames[0]
    joined = pd.concat(frames, ignore_index=True)
    return gpd.GeoDataFrame(joined, geometry=frames[0].geometry.name, crs=frames[0].crs)


def _open_layer(spec: LayerSpec, name: str, report: _Report) -> gpd.GeoDataFrame | None:
    """Read the file of one layer, or add a problem and return None."""
    path = Path(spec.path)
    where = _Where(str(path), name)
    section = f"[inputs.{name}]"
    if polygons_needed(path, name, report):
        return None
    if is_table(path):
        return open_table(spec, name, report)
    if spec.x is not None or spec.y is not None:
        report.problems.append(
            where.problem(
                f"x and y under {section} name the coordinate columns of a table (CSV, "
                f"Excel, ODS), but {path.name} is read as a GIS layer with its own geometries",
                fix=f"leave x and y out of {section}, or point path at the table",
            )
        )
        return None
    if spec.address is not None:
        report.problems.append(
            where.problem(
                f"address under {section} names the address column of a table (CSV, Excel, "
                f"ODS), whose rows without coordinates it places, but {path.name} is read as "
                "a GIS layer with its own geometries",
                fix=f"leave address out of {section}, or point path at the table",
            )
        )
        return None
    archive = archive_of(path)
    if archive is not None and archive != path:  # areas.zip/居住区/areas.shp
        return _open_zipped(spec, name, report, archive=archive)
    if not _check_file(
        path, where, report, noun="file", empty_fix="export the layer to the file again"
    ):
        return None
    if path.suffix.lower() == ".zip":
        return _open_zipped(spec, name, report, archive=path)
    if path.suffix.lower() == ".shp":
        for suffix in (".dbf", ".shx", ".prj", ".cpg"):
            sidecar = path.with_suffix(suffix)
            if sidecar.exists():
                report.files[f"{name}{suffix}"] = sidecar
    try:
        listed = pyogrio.list_layers(path)
    except Exception as exc:  # any GDAL failure: never a raw traceback
        unread = encoding_problem(path, where) if is_kml(path) else None
        if unread is not None:
            report.problems.append(unread)
            return None
        report.problems.append(
            where.problem(
                f"the file cannot be read as a vector layer (GDAL: {_gdal_message(exc)})",
                fix="give a GeoPackage, Shapefile, GeoJSON or FlatGeobuf file and check that "
                "it is not damaged",
            )
        )
        return None
    names = [str(row[0]) for row in listed]
    layer = spec.layer
    if layer is not None and layer not in names:
        nearest = _nearest_layer(layer, names, name)
        report.problems.append(
            where.problem(
                f"the file has no layer '{layer}'; its layers are {_quoted(names, 20)}",
                fix=f'set layer = "{nearest}" (or another of its layers) under {section}'
                if nearest is not None
                else "check that this is the file you meant",
            )
        )
        return None
    if layer is None and len(names) > 1:
        if name in names:
            layer = name
            report.note(
                f"{name}: read layer '{name}' of {path.name}, which has {len(names)} layers"
            )
        else:
            several = ", ".join(f'"{n}"' for n in names)
            report.problems.append(
                where.problem(
                    f"the file has {len(names)} layers ({_quoted(names, 20)}) and the scenario "
                    "does not say which to read",
                    fix=f'set layer = "{names[0]}" (or another of its layers) under {section}'
                    + (
                        f"; a KML's folders of one kind (a folder per 街道) are read as one "
                        f"layer with layer = [{several}] (those of them it needs)"
                        if is_kml(path)
                        else ""
                    ),
                )
            )
            return None
    encoding = spec.encoding
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            report.problems.append(_unknown_encoding(encoding, where))
            return None
    if encoding is not None and path.suffix.lower() == ".gpkg":
        logger.warning(
            "%s: encoding = '%s' under %s is left aside: a GeoPackage's text is always UTF-8",
            name,
            encoding,
            section,
        )
        report.notes.append(
            f"{name}: encoding = '{encoding}' under {section} is left aside: a GeoPackage's "
            "text is always UTF-8"
        )
        encoding = None
    unread_cpg = None
    if encoding is None:
        encoding, unread_cpg = _cpg_gdal_misses(path, layer, name, report)
    options: dict[str, Any] = {"encoding": encoding} if encoding is not None else {}
    check_text = (encoding is None or unread_cpg is not None) and (
        _without_cpg(path) or unread_cpg is not None
    )
    filtered = None
    if spec.where is not None:
        filtered = FilteredLayer(path, layer or names[0], encoding, spec.where)
        where = dataclasses.replace(where, file_layer=filtered.layer)
        if check_text:  # GBK read as Latin-1 matches no filter: say the encoding first
            if not _check_text(filtered.sample(), path, where, report, cpg=unread_cpg):
                return None
            check_text = False
        options["where"] = filtered.gdal_where
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            frame = gpd.read_file(
                path, layer=layer, engine="pyogrio", use_arrow=_USE_ARROW, **options
            )
    except UnicodeDecodeError as exc:
        report.problems.append(_encoding_problem(exc, path, encoding, where))
        return None
    except Exception as exc:
        refused = None if filtered is None else filtered.problem(exc, spec, where)
        report.problems.append(
            refused
            or where.problem(
                f"the layer cannot be read (GDAL: {_gdal_message(exc)})",
                fix="open the file in QGIS to check it, or export it again",
            )
        )
        return None
    for warning in caught:
        report.note(f"{name}: reading {path.name}, GDAL said: {warning.message}")
    if encoding is not None and unread_cpg is None:
        report.note(
            f"{name}: read the text of {path.name} as {encoding} (encoding under {section})"
        )
    elif check_text and not _check_text(frame, path, where, report, cpg=unread_cpg):
        return None
    if not isinstance(frame, gpd.GeoDataFrame):  # a table without geometry
        report.problems.append(
            where.problem(
                "the layer has no geometry column",
                fix="give a layer with geometries (points, lines or polygons)",
            )
        )
        return None
    if filtered is not None and not filtered.kept(len(frame), spec, where, report, noun="features"):
        return None
    return frame


def _open_zipped(
    spec: LayerSpec, name: str, report: _Report, *, archive: Path
) -> gpd.GeoDataFrame | None:
    """A layer handed over zipped (:mod:`siting.inputs._zip`), the ``archive`` itself or a
    file inside it (``areas.zip/居住区/areas.shp``): its files taken out to a temporary
    folder and read there; problems name the file as ``the.zip/inside/it.shp``, and the
    zip stays the file recorded for the run."""
    given = Path(spec.path)
    member = given.relative_to(archive).as_posix() if given != archive else None
    before = len(report.problems)
    # a file GDAL still holds open (Windows) leaves the folder behind, not a traceback
    with tempfile.TemporaryDirectory(prefix="siting-zip-", ignore_cleanup_errors=True) as tmp:
        where = _Where(str(archive), name)
        inner = unzipped(archive, Path(tmp), where, report, layer=spec.layer, member=member)
        frame = None
        if inner is not None:
            layer = spec.layer if spec.layer not in (inner.stem, inner.name) else None
            frame = _open_vector(dataclasses.replace(spec, path=inner, layer=layer), name, report)
    folder, inside = f"{tmp}{os.sep}", f"{archive}{os.sep}"
    written = given.relative_to(archive.parent).as_posix()  # the zip, or a file inside it
    named = (f'path = "{inner.name}"', f'path = "{written}"') if inner is not None else None
    renamed = {
        id(p): dataclasses.replace(
            p,
            message=p.message.replace(folder, inside),  # GDAL's names the file it opened
            file=None if p.file is None else p.file.replace(folder, inside),
            fix=p.fix if p.fix is None or named is None else p.fix.replace(*named),  # the zip's
        )
        for p in report.problems[before:]
    }
    report.problems[before:] = [renamed[id(p)] for p in report.problems[before:]]
    report.emptied[:] = [renamed.get(id(p), p) for p in report.emptied]
    for key in [k for k, f in report.files.items() if str(f).startswith(tmp)]:
        del report.files[key]
    report.files[name] = archive
    return frame


def _nearest_layer(asked: str, names: list[str], role: str) -> str | None:
    """The layer of ``names`` a scenario's ``layer = asked`` most likely meant: the same name
    in another case (``Areas``), else the closest spelling (``area``, ``小区 ``), else the
    layer named after the role (``areas``), else the first; None when the file has none."""
    if not names:
        return None
    folded = {n.casefold().strip(): n for n in names}
    if asked.casefold().strip() in folded:
        return folded[asked.casefold().strip()]
    close = difflib.get_close_matches(asked, names, n=1, cutoff=0.6)
    if close:
        return close[0]
    return role if role in names else names[0]


def _encoding_problem(
    exc: UnicodeDecodeError, path: Path, encoding: str | None, where: _Where
) -> Problem:
    """The layer's text is not in the encoding it was read as: say which to give."""
    section = f"[inputs.{where.layer}]"
    found = (
        f"its text is not {exc.encoding.upper()} (byte {exc.object[exc.start : exc.start + 1]!r})"
    )
    guess = guess_encoding(bytes(exc.object)) if isinstance(exc.object, bytes) else None
    guess = guess or "gbk"
    if path.suffix.lower() == ".gpkg":
        return where.problem(
            f"the layer cannot be read: {found}, but a GeoPackage's text is always UTF-8",
            fix="open the file in QGIS to check it, or export the layer again",
        )
    if encoding is not None:
        return where.problem(
            f"the layer cannot be read with encoding = '{encoding}': {found}",
            fix=f'set encoding = "{guess}" under {section}'
            if guess != encoding.lower()
            else f"leave encoding out of {section}, or export the layer again as UTF-8",
        )
    cut = _cut_field_names(path)
    if cut:
        return where.problem(
            f"the layer cannot be read: {len(cut)} field name{'s' if len(cut) > 1 else ''} "
            f"({', '.join(cut[:4])}) {'were' if len(cut) > 1 else 'was'} cut in the middle of "
            "a character by the Shapefile's "
            "10-byte limit on field names (3 Chinese characters in UTF-8)",
            fix="rename those fields to 3 Chinese characters or fewer (or to ASCII names) in "
            "QGIS and map them with columns, or export the layer as a GeoPackage, which has "
            "no such limit",
        )
    cpg = path.with_suffix(".cpg")
    said = f" (its {cpg.name} says {exc.encoding.upper()})" if cpg.exists() else ""
    return where.problem(
        f"the layer cannot be read: {found}{said}; it looks like {guess.upper()}",
        fix=f'add encoding = "{guess}" to {section} (for example {where.layer} = '
        f'{{ path = "{path.name}", encoding = "{guess}" }})',
    )


def _cut_field_names(path: Path) -> list[str]:
    """A Shapefile's field names whose last UTF-8 character the 10-byte limit cut short
    (``流动人`` and one byte of ``口``), shown with … for the lost part."""
    dbf = next(
        (q for q in (path.with_suffix(".dbf"), path.with_suffix(".DBF")) if q.is_file()), None
    )
    if path.suffix.lower() not in (".shp", ".dbf") or dbf is None:
        return []
    try:
        with dbf.open("rb") as stream:
            header = stream.read(32)
            size = int.from_bytes(header[8:10], "little")
            fields = stream.read(max(size - 32, 0))
    except OSError:
        return []
    cut = []
    for start in range(0, len(fields) - 31, 32):
        raw = fields[start : start + 11].split(b"\x00")[0]
        if not raw or raw[0] == 0x0D:
            break
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start >= len(raw) - 3 and exc.reason == "unexpected end of data":
                cut.append(raw[: exc.start].decode("utf-8", "replace") + "…")
    return cut


_CODE_PAGE = re.compile(r"(?:ANSI|CP|WINDOWS)?[\s_-]*(\d{3,5})", re.IGNORECASE)
"""A code page as a ``.cpg`` may name it: ``936``, ``ANSI 936``, ``CP936``, ``Windows-936``."""


def _cpg_gdal_misses(
    path: Path, layer: str | None, name: str, report: _Report
) -> tuple[str | None, str | None]:
    """The encoding to read a Shapefile with when GDAL does not understand its ``.cpg``.

    GDAL reads ``936``, ``CP936`` or ``GBK`` in a ``.cpg``, but reads the text of one
    saying ``ANSI 936`` as Latin-1 without a word (``小区编号`` became
    ``Ð¡Çø±àºÅ``, and every mapped Chinese column was "not in the layer"). Returns
    ``(encoding, cpg)``: the Python codec the ``.cpg`` names (with a note) or None, and
    the ``.cpg``'s text when GDAL missed it (with no codec when none fits it either: the
    text is then checked as a Shapefile's without ``.cpg``), else None. A ``.cpg`` saying
    ``GB2312`` is read as GBK, its superset.
    """
    if path.suffix.lower() not in (".shp", ".dbf"):
        return None, None
    cpg = next(
        (path.with_suffix(s) for s in (".cpg", ".CPG") if path.with_suffix(s).is_file()), None
    )
    if cpg is None:
        return None, None
    said = cpg.read_bytes()[:64].decode("ascii", "replace").strip()
    if said.upper().replace("_", "").replace("-", "") in ("GB2312", "EUCCN"):
        # GDAL reads GB2312 strictly: a name with a GBK character beyond it (堃, 喆) came
        # out garbled whole, 堃苑小区 as 以沸∏, with only GDAL's warning
        report.note(
            f"{name}: {path.name}'s {cpg.name} says '{said}': read it as GBK, which holds "
            "GB2312 and the characters Chinese GIS save beyond it"
        )
        return "gbk", said
    try:
        read_as = str(pyogrio.read_info(path, layer=layer).get("encoding") or "")
    except Exception:  # the read that follows says what is wrong with the file
        return None, None
    if read_as.upper().replace("_", "-") not in ("ISO-8859-1", "LATIN1", "LATIN-1"):
        return None, None
    page = _CODE_PAGE.fullmatch(said)
    codec = f"cp{page[1]}" if page else said
    try:
        codec = codecs.lookup(codec).name
    except LookupError:
        return None, said
    if codec in ("latin-1", "iso8859-1", "cp1252"):
        return None, None
    report.note(
        f"{name}: {path.name}'s {cpg.name} says '{said}', which GDAL does not read (it "
        f"would read the text as Latin-1): read it as {codec}"
    )
    return codec, said


def _without_cpg(path: Path) -> bool:
    """Whether ``path`` is a Shapefile (or dBASE table) without a ``.cpg`` naming its encoding."""
    if path.suffix.lower() not in (".shp", ".dbf"):
        return False
    return not any(path.with_suffix(s).exists() for s in (".cpg", ".CPG"))


def _check_text(
    frame: pd.DataFrame, path: Path, where: _Where, report: _Report, *, cpg: str | None = None
) -> bool:
    """False, with a problem, when a Shapefile's text was read as Latin-1 but is GBK or UTF-8.

    GDAL reads the attributes of a Shapefile without ``.cpg`` (and without a
    code page in its ``.dbf`` header) as Latin-1, which turns GBK's 东坝 into
    ``¶«°Ó``. Such text has only characters up to U+00FF; encoded back to
    Latin-1 it gives the file's bytes, whose encoding :func:`guess_encoding`
    tells. ``cpg`` is a ``.cpg``'s text that names no encoding GDAL or Python knows.
    """
    found: dict[str, list[str]] = {}
    for column in frame.columns:
        # GBK column names (小区编码 read as Ð¡Çø±àÂë) with plain ASCII values
        name = str(column)
        if any("\x80" <= c <= "\xff" for c in name) and not any(c > "\xff" for c in name):
            named = guess_encoding(name.encode("latin-1"))
            if named is not None:
                found.setdefault(named, []).append(name)
        if column == getattr(frame, "_geometry_column_name", None):
            continue
        series = frame[column]
        if not (series.dtype == object or pd.api.types.is_string_dtype(series.dtype)):
            continue
        for value in series.dropna().unique()[:2000]:
            if not isinstance(value, str) or not any("\x80" <= c <= "\xff" for c in value):
                continue
            if any(c > "\xff" for c in value):
                continue
            guess = guess_encoding(value.encode("latin-1"))
            if guess is not None:
                found.setdefault(guess, []).append(value)
    if not found:
        return True
    guess = max(found, key=lambda g: len(found[g]))
    sample = found[guess][:3]
    shown = ", ".join(f"'{v}' (is '{v.encode('latin-1').decode(guess)}')" for v in sample)
    report.problems.append(
        where.problem(
            (
                f"its {path.with_suffix('.cpg').name} says '{cpg}', which names no encoding"
                if cpg is not None
                else "the Shapefile has no .cpg saying how its text is encoded"
            )
            + f", and its text is not Latin-1 as GDAL then reads it: it looks like "
            f"{guess.upper()} (read as Latin-1: {shown})",
            fix=f'add encoding = "{guess}" to [inputs.{where.layer}] (for example '
            f'{where.layer} = {{ path = "{path.name}", encoding = "{guess}" }}), or put a '
            f"{path.with_suffix('.cpg').name} file containing {guess.upper()} beside it"
            + (" instead" if cpg is not None else ""),
        )
    )
    return False


def _read(
    spec: LayerSpec,
    name: str,
    report: _Report,
    *,
    people: str | None = None,
    frame: pd.DataFrame | None = None,
    piece: bool = False,
) -> tuple[gpd.GeoDataFrame | None, _Where]:
    """Read, rename, type-check and repair one layer in its own CRS (``people``: the
    areas' column read as the population, see :func:`_normalize`); ``frame``: the layer
    given as a GeoDataFrame, read as its file would be (a copy: the caller's is kept). A
    layer in pieces (``spec.pieces``) is each piece read so, joined in the first piece's
    CRS (:func:`siting.inputs._pieces.read_pieces`); a ``piece``'s ids are said to be its
    rows' labels by ``attrs[ROW_IDS]``. A ``frame`` that is a :class:`pandas.DataFrame`
    without geometry is a table (:func:`siting.inputs._table.frame_table`)."""
    if spec.pieces and frame is None and not one_kml(spec):
        return read_pieces(
            spec,
            name,
            report,
            read=lambda one: _read(one, name, report, people=people, piece=True),
        )
    if name not in _SCHEMAS:
        raise ScenarioError(f"unknown layer name {name!r}; known: {', '.join(LAYER_NAMES)}")
    where = _Where(str(spec.path), name, dict(spec.columns), dict(spec.units), spec.layer)
    table = isinstance(frame, pd.DataFrame) and not isinstance(frame, gpd.GeoDataFrame)
    if table:  # pd.DataFrame(gdf), df.merge(gdf): its geometries kept, its CRS lost
        frame = _drawn_frame(frame, name, report)
        table = not isinstance(frame, gpd.GeoDataFrame)
    if frame is not None and not isinstance(frame, pd.DataFrame):
        report.problems.append(
            where.problem(
                f"the layer is a {type(frame).__name__}, not a GeoDataFrame",
                fix="give a geopandas.GeoDataFrame with its geometry and CRS, or a "
                "pandas.DataFrame of a table with its coordinate columns (or an address)",
            )
        )
        return None, where
    if table:  # a table in memory, read as its file would be (filtered by its rows too)
        raw = frame_table(frame, spec, name, report)
    elif frame is not None:
        # a frame's named index is a column, as in its file (an analyst's set_index("area_id"))
        raw = index_as_columns(frame.copy())
    else:
        raw = _open_vector(spec, name, report)
    if raw is None:
        return None, where
    if frame is not None and not table:  # filtered as its file would be
        raw = kept_features(raw, spec, where, report)
        if raw is None:
            return None, where
    if spec.layer is None and raw.attrs.get(SHEET) is not None:  # a workbook's first sheet
        where = dataclasses.replace(where, file_layer=str(raw.attrs[SHEET]))
    frame = _normalize(raw, spec, name, where, report, people=people)
    units = {} if frame is None else frame.attrs.pop(_UNITS, {})
    if frame is not None and not piece:
        frame.attrs.pop(ROW_IDS, None)
    if units != where.units:  # its headers' (投资（万元）), checked as units' are
        where = dataclasses.replace(where, units=units)
    return frame, where


_UNITS = "siting_units"
"""``attrs`` key of a normalized layer: the units its columns were read in, ``units``'
and its headers' (``投资（万元）``), for the checks that follow."""


def _normalize(
    raw: gpd.GeoDataFrame,
    spec: LayerSpec,
    name: str,
    where: _Where,
    report: _Report,
    *,
    people: str | None = None,
) -> gpd.GeoDataFrame | None:
    """Rename, type-check and repair one layer read from a file or made in memory.

    Parameters
    ----------
    raw
        The layer as read, with the user's column names.
    spec
        Its column mapping and assumed CRS.
    name
        Which ``siting`` layer it is (its schema).
    where
        The file and layer, for problems.
    report
        Where problems and notes go.
    people
        The areas' own head count column that ``[inputs.population]`` reads (the areas
        are their own census units): not said to be left unread.

    Returns
    -------
    geopandas.GeoDataFrame or None
        The layer in its own CRS, indexed by its id; None (with a problem) when
        it has no features.
    """
    if name not in _SCHEMAS:
        raise ScenarioError(f"unknown layer name {name!r}; known: {', '.join(LAYER_NAMES)}")
    schema = _SCHEMAS[name]
    section = f"[inputs.{name}]"
    if len(raw) == 0:
        report.holds_none(
            where.problem(
                "the layer has no features",
                fix=f"check that {section} points at the file and layer you meant",
            )
        )
        return None

    # CRS -----------------------------------------------------------------
    rows: list[str] | None = raw.attrs.get(ROWS)  # a table's rows as the planner sees them
    crs_from_scenario = raw.crs is None and spec.crs is not None
    frame = with_given_crs(raw, spec, where, report, section=section, table=rows is not None)

    if name == "hazards" and {"buffer_m", "reason"} <= set(frame.columns):
        report.problems.append(
            where.problem(
                "the layer holds a plan's hazard buffers (its columns buffer_m and reason), "
                "not the hazards: each would be buffered again, by as much once more",
                fix="point [inputs.hazards] at the hazards themselves (those of the "
                "scenario that wrote the plan: its run.json lists them under inputs)",
            )
        )
        return None

    shift = spec.datum_shift
    clue = _written_by_a_plan(frame, name, schema)
    if shift is not None and shift.web_map is not None and clue is not None:
        report.problems.append(
            where.problem(
                f'datum_shift = "{shift.web_map}" under {section} would move the layer a '
                f"second time: it was written by siting (its column {clue}), whose plans "
                "are in WGS 84 or CGCS2000, moved back from the web map's datum already",
                fix=f"leave datum_shift out of {section} for a plan's layer read back",
            )
        )

    # columns -------------------------------------------------------------
    frame = _rename(frame, spec, name, schema, where, report, people=people)
    spec = _units_in_headers(frame, spec, name, where, report)
    ids = _ids(frame, schema, where, report, rows=rows)
    out: dict[str, Any] = {}
    for column in schema.columns:
        if column.kind == "id":
            continue
        out[column.name] = _convert(frame, column, ids, name, where, report)
        if column.id_default:
            out[column.name] = _or_id(out[column.name], ids)
    _convert_units(out, frame, spec, name, where, report)
    if name == "areas":
        _check_dwellings(out, ids, where, report, given=frame.get("dwellings"))
        _say_unread_people(frame, schema, report, read=people)

    # geometry --------------------------------------------------------------
    geometry = _check_geometry(frame, schema, ids, name, where, report, placed=rows is None)
    not_degrees = _not_degrees_problem(frame, ids, where, assumed=crs_from_scenario)
    if not_degrees is None:
        not_degrees = zone_number_problem(frame, where, assumed=crs_from_scenario)
    crs = frame.crs
    if not_degrees is not None:
        report.problems.append(not_degrees)
        crs = None  # the layer cannot be placed: nothing downstream reprojects it

    extras = [c for c in frame.columns if c not in out and c != schema.id and c != "geometry"]
    extras = [c for c in extras if c != frame.geometry.name]
    index = pd.Index(ids, name=schema.id)
    data = pd.DataFrame({k: v.set_axis(index) for k, v in out.items()}, index=index)
    for extra, kept_as in _apart_by_case(extras, [schema.id, *out], name, report):
        data[kept_as] = frame[extra].to_numpy()
    layer = gpd.GeoDataFrame(data, geometry=np.asarray(geometry, dtype=object), crs=crs)
    layer.attrs[_UNITS] = dict(spec.units)
    layer.attrs[ROW_IDS] = schema.id not in frame.columns
    if BY_ADDRESS in raw.attrs:  # the rows placed by their address, later
        waiting = set(raw.attrs[BY_ADDRESS])
        layer.attrs[ROW_OF] = {
            i: row for i, row in zip(ids, rows or (), strict=True) if row in waiting
        }
    return layer


def _apart_by_case(
    extras: list[str], taken: list[str], name: str, report: _Report
) -> list[tuple[str, str]]:
    """Each of a layer's other columns and the name it is kept under: its own, or, when
    it differs from siting's column or an earlier one only in case (a GeoJSON's or a
    KML's ``NAME`` or ``Name`` beside ``name``), that name with ``_2`` (``_3`` …), noted;
    a GeoPackage, a File Geodatabase and a Shapefile hold one of the two only, and the
    plan's layers would not be written."""
    seen = {str(c).casefold() for c in taken}
    kept = []
    for extra in extras:
        kept_as, k = str(extra), 2
        while kept_as.casefold() in seen:
            kept_as, k = f"{extra}_{k}", k + 1
        seen.add(kept_as.casefold())
        if kept_as != extra:
            report.note(
                f"{name}: kept column '{extra}' as '{kept_as}': another column's name "
                "differs from it only in case, and a GeoPackage holds one of the two only"
            )
        kept.append((extra, kept_as))
    return kept


def with_given_crs(
    frame: gpd.GeoDataFrame,
    spec: LayerSpec,
    where: _Where,
    report: _Report,
    *,
    section: str,
    table: bool = False,
) -> gpd.GeoDataFrame:
    """``frame`` with the CRS its entry gives (``crs``) when its file holds none, noted;
    without one, or with one pyproj does not know, ``frame`` as it is and a problem
    (the CRS its numbers look like, for one without)."""
    if frame.crs is not None or (table and not len(_drawn(frame))):
        return frame  # a table without coordinates: its rows placed by their address
    if spec.crs is not None:
        assumed = _assumed_crs(spec.crs, where, report, noun="file")
        return frame if assumed is None else frame.set_crs(assumed)
    report.problems.append(
        where.problem(
            "the table's coordinates have no CRS (a table does not hold one)"
            if table
            else "the layer has no CRS (coordinate reference system)",
            fix=(
                ""
                if table
                else "define the CRS in the file (a .prj beside a Shapefile), or give it: "
            )
            + _crs_fix(frame, spec, section),
        )
    )
    return frame


def _crs_fix(frame: gpd.GeoDataFrame, spec: LayerSpec, section: str) -> str:
    """The CRS to give a layer without one: the web map's WGS 84 when its ``datum_shift``
    names one (its coordinates are that map's longitudes and latitudes), else what its
    numbers look like (:func:`crs_suggestion`)."""
    web = spec.datum_shift.web_map if spec.datum_shift is not None else None
    if web is not None:
        return (
            f'add crs = "EPSG:4326" under {section}: the longitudes and latitudes of a web '
            f'map, which datum_shift = "{web}" moves back'
        )
    return crs_suggestion(_drawn(frame).total_bounds, section)


def _written_by_a_plan(frame: pd.DataFrame, name: str, schema: _Schema) -> str | None:
    """A column that shows the layer is a plan's, read back (``site_id`` for a facility's
    id, ``exclusion_reason`` of the candidates, three or more of the columns a plan
    computes for each area), or ``None``."""
    present = {str(c) for c in frame.columns}
    for column in schema.columns:
        own = schema.plan_names.get(column.name)
        if own is not None and own in present and column.name not in present:
            return own
    if name == "parcels" and {"state", "exclusion_reason"} <= present:
        return "exclusion_reason"
    computed = sorted(c for c in present if plan_computed(name, c))
    return computed[0] if len(computed) >= 3 else None


_PEOPLE_WORDS = frozenset(
    {"人口", "人口数", "总人口", "常住人口", "户籍人口", "居住人口", "现状人口", "人数"}
    | {"population", "pop", "rk", "rks", "czrk", "zrk"}
)
"""Names a bureau gives an areas layer's own head count (RK, CZRK: 人口, 常住人口)."""


def _say_unread_people(
    frame: gpd.GeoDataFrame, schema: _Schema, report: _Report, *, read: str | None = None
) -> None:
    """Warn that an areas layer's own head count (a column 人口 or RK) is not read (unless
    it is ``read``, the column ``[inputs.population]`` takes the areas' people from).

    A bureau hands over its 小区 with their census people and expects the plan to use
    them; siting shares out the population raster instead, and the column rode along
    unread, without a word, however far its total was from the raster's.
    """
    known = {c.name for c in schema.columns}
    for column in frame.columns:
        text = str(column).strip()
        if text.casefold() not in _PEOPLE_WORDS or text in known or column == read:
            continue
        values, _ = _apply(frame[column], _to_float)
        people = [v for v in values if isinstance(v, float) and np.isfinite(v)]
        if not people:
            continue
        report.find(
            Said(
                f"areas: column '{text}' looks like each area's people ({sum(people):,.0f} in "
                "all), which siting does not read: it shares out the population raster among "
                "the areas (see the population accounting of the run), and a new area's "
                "dwellings add its planned people; to plan with these counts instead, give "
                f'population = {{ path = ..., layer = ..., column = "{text}" }} under [inputs] '
                "with the areas' file and layer",
                code="areas_people_unread",
                column=text,
                people=float(sum(people)),
            ),
            by=logger,
        )


_AREA_UNITS = {
    "m2": 1.0,
    "m²": 1.0,
    "平方米": 1.0,
    "平米": 1.0,
    "亩": 10_000 / 15,
    "mu": 10_000 / 15,
    "公顷": 10_000.0,
    "ha": 10_000.0,
    "hm²": 10_000.0,
    "hectare": 10_000.0,
    "万平方米": 10_000.0,
    "万m²": 10_000.0,
    "平方公里": 1e6,
    "平方千米": 1e6,
    "km²": 1e6,
}
_MONEY_UNITS = {
    "元": 1.0,
    "cny": 1.0,
    "yuan": 1.0,
    "千元": 1e3,
    "万元": 1e4,
    "万": 1e4,
    "亿元": 1e8,
    "亿": 1e8,
}
UNITS: dict[str, dict[str, float]] = {
    "land_area_m2": _AREA_UNITS,
    "floor_area_m2": _AREA_UNITS,
    "cost": _MONEY_UNITS,
}
"""The units ``[inputs.<layer>] units`` may give each number column, by their size in
the column's own unit (m² or CNY)."""


def _convert_units(
    out: dict[str, Any],
    frame: gpd.GeoDataFrame,
    spec: LayerSpec,
    name: str,
    where: _Where,
    report: _Report,
) -> None:
    """Convert the columns ``spec.units`` gives in a bureau's units (万元, 亩, 公顷) to
    siting's, in place, with a note; an unknown column or unit is a problem.

    A price that names its own unit (``210.5万``, 万元 as a price is said, already read as
    2,105,000 CNY from the layer as read, ``frame``) keeps it: the column's unit applies
    to its bare numbers only (a 万元 column's 210.5万 was multiplied twice,
    21,050,000,000 CNY). 万 names no unit of area: an area's 1.2万 in a 亩 column is
    12,000 亩."""
    section = f"[inputs.{name}]"
    for column, unit in spec.units.items():
        units = UNITS.get(column) if column in out else None
        if units is None:
            known = [c for c in UNITS if c in out]
            report.problems.append(
                where.problem(
                    f"units under {section} gives a unit for '{column}', which is not a "
                    f"{name} column that has one",
                    fix=f"give units for {_or_list(known)}"
                    if known
                    else f"leave units out of {section}",
                )
            )
            continue
        factor = _unit_factor(units, unit)
        if factor is None:
            report.problems.append(
                where.problem(
                    f"units under {section} says {column} is in '{unit}', a unit siting does "
                    "not know",
                    column=column,
                    fix=f"use one of {', '.join(units)}",
                )
            )
            continue
        if factor == 1.0:
            continue
        own = np.zeros(len(out[column]), dtype=bool)
        if units is _MONEY_UNITS and column in frame.columns:
            own = np.fromiter(map(names_its_unit, frame[column]), dtype=bool, count=len(own))
        values = out[column].to_numpy(dtype=float)
        out[column] = pd.Series(np.where(own, values, values * factor), index=out[column].index)
        said = f"{name}: read {column} in {unit} (units under {section}): × {factor:g}"
        if own.any():
            written = _quoted(frame[column].to_numpy(dtype=object)[own])
            said += (
                f", except {int(own.sum())} written with their unit ({written}), read as written"
            )
        report.note(said)


def _or_id(values: pd.Series[Any], ids: list[str]) -> pd.Series[Any]:
    """``values`` with each missing or blank one replaced by the feature's id."""
    blank = values.isna().to_numpy(dtype=bool) | (values.astype(str).str.strip() == "").to_numpy()
    if not blank.any():
        return values
    filled = values.to_numpy(dtype=object).copy()
    filled[blank] = np.asarray(ids, dtype=object)[blank]
    return pd.Series(filled, index=values.index, dtype=object)


def _unmapped_name(
    column: str, present: Collection[str], schema: _Schema
) -> tuple[str, str] | None:
    """The layer's column a column no ``columns`` maps is read from, and how it was found:
    ``"own"`` (siting's name), ``"cut"`` (a Shapefile's first 10 bytes of it) or
    ``"plan"`` (the name a plan of siting, or its shapefile, writes it under:
    ``facility_id`` for ``site_id``, ``demo`` for ``demonstration``); None if none is."""
    if column in present:
        return column, "own"
    if len(column) > 10 and column[:10] in present:  # Shapefile field names
        return column[:10], "cut"
    names = (schema.plan_names.get(column), SHAPEFILE_NAMES.get(column))
    own = next((n for n in names if n is not None and n in present), None)
    return None if own is None else (own, "plan")


def _bare_name(column: str) -> str:
    """A column's name as a table's are compared (:func:`~siting.inputs._table._fold`:
    NFKC, its unit in brackets aside, case folded), without spaces: ``托位数（个）`` is
    ``托位数``."""
    return _fold(column).replace(" ", "")


def _by_its_word(
    column: str, layer: str, present: Collection[str], *, taken: Collection[str]
) -> list[str]:
    """The layer's columns named as a bureau names ``column`` (:data:`COLUMN_WORDS`),
    but those ``columns`` maps to another: the one read, when there is one."""
    words = {w.casefold() for w in COLUMN_WORDS.get(layer, {}).get(column, ())}
    return [c for c in present if c not in taken and _bare_name(c) in words]


def _names_as_ids(
    frame: gpd.GeoDataFrame, layer: str, present: Collection[str], *, column: str, section: str
) -> str | None:
    """The fix for a layer without ids but with names (a 小区 list of 小区名称, 类型 and
    户数): whether its names could be the ids. They are never read as ids unasked: a name
    repeats (一期 and 二期 under one) and an id is a run's key. None without one name
    column."""
    named = _by_its_word("name", layer, present, taken=())
    if len(named) != 1:
        return None
    (own,) = named
    names = frame[own].astype("string").str.strip()
    blank = int((names.isna() | (names == "")).sum())
    repeated = names[names.duplicated(keep=False) & names.notna() & (names != "")]
    if not blank and repeated.empty:
        return (
            f'read the names as ids with {column} = "{own}" under {section} (its '
            f"{len(names):,} names are all different), or add an id column and map it with "
            f'{column} = "YOUR_COLUMN"'
        )
    why = [f"{blank:,} {'rows have' if blank > 1 else 'row has'} no name"] if blank else []
    if not repeated.empty:
        twice = repeated.value_counts()
        why.append(
            f"{int(twice.sum()):,} rows share "
            + (
                f"the name {twice.index[0]}"
                if len(twice) == 1
                else f"{len(twice):,} names ({first_few(twice.index, limit=3)})"
            )
        )
    return (
        f'add an id column and map it with {column} = "YOUR_COLUMN" under {section}: the '
        f"names in '{own}' cannot be the ids, as " + " and ".join(why)
    )


def _by_its_values(
    column: _Column, frame: gpd.GeoDataFrame, present: Collection[str], *, taken: Collection[str]
) -> list[str]:
    """For a column of choices (status, kind, acquisition): the layer's text columns
    whose every value is one of its words (新建, 老旧小区, 农村 for status): the one read,
    when there is one."""
    if column.kind != "enum":
        return []
    matches = []
    for own, values in _text_values(frame, present, taken=taken):
        distinct = pd.unique(values)[:1_000]
        if len(distinct) and all(choice_of(v, column) is not None for v in distinct):
            matches.append(own)
    return matches


def _nearly_by_its_values(
    column: _Column, frame: gpd.GeoDataFrame, present: Collection[str], *, taken: Collection[str]
) -> list[tuple[str, int, int, list[str]]]:
    """For a column of choices none was read as: the layer's text columns at least half of
    whose rows hold its words, but not all (a 小区 list's 类型 of 老旧小区 and 新建 with a
    商品房), each with how many rows do, of how many, and the values that are not."""
    if column.kind != "enum":
        return []
    found = []
    for own, values in _text_values(frame, present, taken=taken):
        if values.empty:
            continue
        known = values.map(lambda v: choice_of(v, column) is not None).to_numpy(dtype=bool)
        if 2 * known.sum() >= len(values) and not known.all():
            found.append((own, int(known.sum()), len(values), list(pd.unique(values[~known]))))
    return found


def _text_values(
    frame: gpd.GeoDataFrame, present: Collection[str], *, taken: Collection[str]
) -> Iterator[tuple[str, pd.Series[Any]]]:
    """The layer's text columns but those ``taken``, each with its values as text,
    stripped, the blank ones left out."""
    for own in present:
        if own in taken or not _is_text(frame[own]):
            continue
        values = frame[own].dropna().astype(str).str.strip()
        yield own, values[values != ""]


def _is_text(series: pd.Series[Any]) -> bool:
    return bool(pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series))


def _values_said(series: pd.Series[Any]) -> str:
    return first_few([str(v) for v in pd.unique(series.dropna().astype(str).str.strip())], limit=3)


def _geofabrik_kind(frame: gpd.GeoDataFrame, present: Collection[str]) -> tuple[str, str] | None:
    """Geofabrik's ``gis_osm_buildings_a_free_1`` keeps OSM's ``building=*`` kind in
    ``type`` (its ``fclass`` is ``building`` for every feature): ``("type", "geofabrik")``
    for such a layer, else None. A ``type`` column elsewhere may mean anything."""
    if not {"type", "fclass"} <= set(present) or not len(frame):
        return None
    return ("type", "geofabrik") if frame["fclass"].eq("building").all() else None


def _given_values(
    frame: gpd.GeoDataFrame,
    spec: LayerSpec,
    name: str,
    schema: _Schema,
    where: _Where,
    report: _Report,
) -> dict[str, pd.Series[Any]]:
    """The columns ``values = { status = "old" }`` gives every feature of a layer that
    lacks them, as text the column's own reading then types; problems for a key siting
    does not know, an id, and a column the layer has or ``columns`` maps."""
    section = f"[inputs.{name}]"
    mapped = {v for k, v in spec.columns.items() if k not in spec.values}  # read as others
    present = {str(c) for c in frame.columns if c != frame.geometry.name} - mapped
    kinds = {c.name: c.kind for c in schema.columns}
    out: dict[str, pd.Series[Any]] = {}
    for key, value in spec.values.items():
        if key not in kinds:
            report.problems.append(
                where.problem(
                    f"values under {section} gives '{key}', which is not a {name} column "
                    "siting knows",
                    column=key,
                    fix=f"use one of {', '.join(c.name for c in schema.columns)}",
                )
            )
            continue
        if kinds[key] == "id":
            report.problems.append(
                where.problem(
                    f"values under {section} gives every feature the id {value!r}: ids must "
                    "tell the features apart",
                    column=key,
                    fix=f"leave {key} out of values, and give the layer a column of ids",
                )
            )
            continue
        found = _unmapped_name(key, present, schema)  # the name _rename would read it under
        own = spec.columns.get(key) or (found[0] if found is not None else None)
        if own is not None:
            report.problems.append(
                where.problem(
                    f"values under {section} gives {key} = {value!r} to every feature, but the "
                    f"layer has its own column '{own}' for it",
                    column=own,
                    fix=f"leave {key} out of values to read the layer's column, or leave the "
                    f"column out of the layer (and of [inputs.{name}.columns]) to give every "
                    "feature the one value",
                )
            )
            continue
        text = str(value).lower() if isinstance(value, bool) else value
        column = next(c for c in schema.columns if c.name == key)
        tried = _Report()  # read once, as one feature: not one problem per feature
        _convert(pd.DataFrame({key: [text]}), column, ["-"], name, where, tried)
        if tried.problems:
            said = tried.problems[0]
            reason = re.sub(r"^1 feature has ", "", said.message.split(" (found:")[0])
            fix = re.sub(r", or map yours with \[inputs\.\w+\.columns\]$", "", said.fix or "")
            report.problems.append(
                where.problem(
                    f"values under {section} gives {key} = {value!r}: {reason}",
                    column=key,
                    fix=f"in values under {section}, {fix or f'give another {key}'}",
                )
            )
            continue
        out[key] = pd.Series([text] * len(frame), index=frame.index, dtype=object)
        report.note(f"{name}: every feature's {key} is {value!r}, from values under {section}")
    return out


def _rename(
    frame: gpd.GeoDataFrame,
    spec: LayerSpec,
    name: str,
    schema: _Schema,
    where: _Where,
    report: _Report,
    *,
    people: str | None = None,
) -> gpd.GeoDataFrame:
    """Map the user's columns to siting's names; report required columns missing.

    ``people`` (the areas' own count column that ``[inputs.population]`` reads) is kept
    even when its name is one of a plan's computed columns (``population``)."""
    known = {c.name for c in schema.columns}
    present = [c for c in frame.columns if c != frame.geometry.name]
    section = f"[inputs.{name}.columns]"
    unknown_keys = sorted(set(spec.columns) - known)
    for key in unknown_keys:
        report.problems.append(
            where.problem(
                f"{section} maps '{key}', which is not a {name} column siting knows",
                column=key,
                fix=f"use one of {', '.join(c.name for c in schema.columns)}",
            )
        )
    columns: dict[str, pd.Series[Any]] = {}
    read_back: set[str] = set()  # a plan's names of siting's columns
    given = _given_values(frame, spec, name, schema, where, report)
    for column in schema.columns:
        if column.name in spec.values:
            if column.name in given:
                columns[column.name] = given[column.name]
            continue
        source = spec.columns.get(column.name)
        if source is not None:
            cut = _cut_by_the_dbf(source, present, where.file)
            if source in present:
                columns[column.name] = frame[source]
            elif cut is not None:
                columns[column.name] = frame[cut]
                report.note(
                    f"{name}: read column '{cut}' as {column.name}: the Shapefile cut "
                    f"'{source}', mapped by {section}, to its first 10 bytes"
                )
            else:
                report.problems.append(
                    where.problem(
                        f"column '{source}', mapped to {column.name} by {section}, is not in the "
                        f"layer (its columns: {', '.join(present) or 'none'})",
                        column=source,
                        fix=f'correct {column.name} = "{source}" under {section}'
                        + (
                            f"; a KML has no fixed columns, only the names its placemarks "
                            f"use, so if none of them gives {source}, leave {column.name} "
                            f"out of {section}"
                            if is_kml(Path(where.file))
                            else ""
                        ),
                    )
                )
            continue
        taken = set(spec.columns.values()) | {s.name for s in columns.values()}
        found = _unmapped_name(column.name, present, schema)
        alike: list[str] = []  # a bureau's columns it may be: read when only one is
        if found is None:
            alike, how = _by_its_word(column.name, name, present, taken=taken), "word"
            if not alike:
                alike, how = _by_its_values(column, frame, present, taken=taken), "values"
            found = (alike[0], how) if len(alike) == 1 else None
        if found is None and name == "buildings" and column.name == "building":
            found = _geofabrik_kind(frame, present)
        if found is not None:
            own, how = found
            columns[column.name] = frame[own]
            if how == "cut":
                report.note(f"{name}: read column '{own}' as {column.name}")
            elif how == "plan":
                read_back.add(own)
                report.note(f"{name}: read column '{own}' as {column.name}, as a plan writes it")
            elif how in ("word", "values"):
                said = (
                    "by its name"
                    if how == "word"
                    else f"by its values ({_values_said(frame[own])}, all {column.name} words)"
                )
                report.note(
                    f"{name}: read column '{own}' as {column.name}, {said} (if it is not, map "
                    f'yours with {column.name} = "..." under {section})'
                )
            elif how == "geofabrik":
                report.note(
                    f"{name}: read column '{own}' as {column.name} (OSM's building=* kind: "
                    "school, office … hold nobody), as Geofabrik's buildings layer names it"
                )
            continue
        if len(alike) > 1:
            report.warn(
                f"{name}: columns {', '.join(repr(str(c)) for c in alike)} could each be "
                f"{column.name} ({'by their names' if how == 'word' else 'by their values'}), "
                f'so none is read: map the one meant with {column.name} = "..." under '
                f"{section}"
            )
        nearly = (
            _nearly_by_its_values(column, frame, present, taken=taken) if column.required else []
        )
        if column.required and len(nearly) == 1:
            ((own, holding, rows, unknown),) = nearly
            report.problems.append(
                where.problem(
                    f"required column '{column.name}' is missing: column '{own}' holds "
                    f"{column.name} words in {holding:,} of its {rows:,} rows, but also "
                    f"{first_few(unknown, limit=4)}, which are not "
                    f"{_or_list(column.choices)}, so it is not read as {column.name}",
                    column=column.name,
                    fix=f'map it with {column.name} = "{own}" under {section}, and give those '
                    f"rows one of {_choices_said(column)}",
                )
            )
        elif column.required:
            report.problems.append(
                where.problem(
                    f"required column '{column.name}' is missing (the layer has: "
                    f"{', '.join(present) or 'no columns'})",
                    column=column.name,
                    fix=(
                        column.name == schema.id
                        and _names_as_ids(frame, name, present, column=column.name, section=section)
                    )
                    or f'add the column, or map yours to it with {column.name} = "YOUR_COLUMN" '
                    f"under {section}"
                    + (
                        f"; or, every feature having the same, give it with values = "
                        f'{{ {column.name} = "..." }} under [inputs.{name}] '
                        f"(one of {_choices_said(column)})"
                        if column.kind == "enum"
                        else ""
                    ),
                )
            )
    used = {spec.columns[k] for k in spec.columns if k in known} | set(columns)
    used.update(
        c for k, v in spec.columns.items() if (c := _cut_by_the_dbf(v, present, where.file))
    )
    used.update(c.name[:10] for c in schema.columns if c.name in columns)
    used |= read_back
    extras = {c: frame[c] for c in present if c not in used and c not in known}
    computed = [c for c in extras if c != people and plan_computed(name, c)]
    if computed:  # a plan's layer, read back: this run computes them again
        report.note(
            f"{name}: left out {len(computed)} columns a plan computes "
            f"({first_few(computed, limit=4)}); this run computes them again"
        )
        extras = {c: v for c, v in extras.items() if c not in computed}
    data = pd.DataFrame({**columns, **extras}, index=frame.index)
    out = gpd.GeoDataFrame(data, geometry=frame.geometry.to_numpy(), crs=frame.crs)
    out.attrs[_HEADERS] = {k: str(v.name) for k, v in columns.items() if v.name is not None}
    return out


_HEADERS = "siting_headers"
"""``attrs`` key of a renamed layer: each of siting's columns, the layer's header it was
read from."""


def _units_in_headers(
    frame: gpd.GeoDataFrame, spec: LayerSpec, name: str, where: _Where, report: _Report
) -> LayerSpec:
    """``spec`` with the units the headers of its number columns give in brackets
    (``投资（万元）``, ``用地面积(亩)``), where ``units`` gives none, noted; a bracket naming
    a unit siting does not know (``用地面积（hm²）`` once) is a problem, not m² or CNY
    read unsaid."""
    headers: dict[str, str] = frame.attrs.get(_HEADERS, {})
    found = {}
    for column, header in headers.items():
        units = UNITS.get(column)
        unit = unit_after(header)
        if units is None or unit is None or column in spec.units:
            continue
        factor = _unit_factor(units, unit)
        if factor is None and units is _MONEY_UNITS and re.fullmatch("[A-Z]{3}", unit):
            factor = 1.0  # 费用（EUR）: a currency's code, the scenario's currency
        if factor is None and not _LOOKS_LIKE_A_UNIT.search(_unit_key(unit)):
            continue  # 建筑面积（地上）, 投资（估算）: a qualifier, not a unit
        if factor is None:
            base = "m²" if units is _AREA_UNITS else "the scenario's currency"
            report.problems.append(
                where.problem(
                    f"the column '{header}', read as {column}, says its unit is '{unit}', "
                    f"which siting does not know: its numbers would be read as {base}",
                    column=header,
                    fix=f'give its unit with units = {{ {column} = "..." }} under '
                    f"[inputs.{name}], one of {', '.join(units)}",
                )
            )
        elif factor != 1.0:  # 万元, 亩, 公顷: m² and 元 need no word
            found[column] = unit
            report.note(f"{name}: read {column} in {unit}, as its column '{header}' says")
    return dataclasses.replace(spec, units={**spec.units, **found}) if found else spec


_LOOKS_LIKE_A_UNIT = re.compile(r"[元圆亩米顷万亿千²]|平方|公里|^[a-z0-9/.²]+$")
"""A bracket's text (NFKC, case folded) that names a unit, known or not (万元人民币, hm²,
sqm), not a qualifier of the column (地上, 估算, 含税)."""


def _unit_factor(units: dict[str, float], unit: object) -> float | None:
    """The size of ``unit`` in ``units``, its column's own (m² or CNY), written any
    width or case (``ｍ２``, ``㎡``, ``HA``); None for a unit siting does not know."""
    key = _unit_key(unit)
    return next((f for u, f in units.items() if _unit_key(u) == key), None)


def _unit_key(unit: object) -> str:
    return unicodedata.normalize("NFKC", str(unit)).strip().replace(" ", "").casefold()


def _cut_by_the_dbf(source: str, present: Sequence[str], file: str) -> str | None:
    """The column of a Shapefile that is ``source`` cut to the DBF's 10 bytes, if exactly one is.

    A bureau maps its own long Chinese field names (``dwellings = "规划住宅户数"``), which a
    Shapefile keeps as their first 10 bytes: 5 Chinese characters in GBK (``规划住宅户``),
    3 in UTF-8. Before, the mapping was "not in the layer", with the fix to correct it to
    the same name.
    """
    if Path(file).suffix.lower() not in (".shp", ".dbf"):
        return None
    cuts = {
        source.encode(codec)[:10].decode(codec, "ignore").rstrip()
        for codec in ("gbk", "utf-8")
        if encodable(source, codec) and len(source.encode(codec)) > 10
    }
    found = [c for c in cuts if c and c in present]
    return found[0] if len(found) == 1 else None


def _ids(
    frame: gpd.GeoDataFrame,
    schema: _Schema,
    where: _Where,
    report: _Report,
    *,
    rows: list[str] | None = None,
) -> list[str]:
    """The layer's ids as strings; rows without one are labelled ``row N`` (or by ``rows``,
    a table's rows as the planner sees them: ``row 5`` of a sheet, ``line 5`` of a CSV)."""
    n = len(frame)
    rows = rows if rows is not None else [f"row {i + 1}" for i in range(n)]
    if schema.id not in frame.columns:
        return rows
    values, lost = _codes_as_text(frame[schema.id], schema.id, rows, where, report)
    missing = [rows[i] for i, v in enumerate(values) if v is None and not lost[i]]
    if missing:
        report.problems.append(
            where.problem(
                f"{_count(len(missing))} no {schema.id}",
                column=schema.id,
                ids=missing,
                fix=f"give every feature its own {schema.id}",
            )
        )
    ids = [v if v is not None else rows[i] for i, v in enumerate(values)]
    counts = pd.Series([v for v in values if v is not None], dtype=object).value_counts()
    duplicated = [str(v) for v in counts.index[counts.to_numpy() > 1]]
    if duplicated:
        total = int(counts[counts > 1].sum())
        report.problems.append(
            where.problem(
                f"{len(duplicated)} {schema.id} value{'s are' if len(duplicated) > 1 else ' is'} "
                f"shared by {total} features; ids must be unique",
                column=schema.id,
                ids=sorted(duplicated),
                fix=f"give every feature its own {schema.id}",
            )
        )
    return ids


def _check_dwellings(
    out: dict[str, Any],
    ids: list[str],
    where: _Where,
    report: _Report,
    *,
    given: pd.Series[Any] | None = None,
) -> None:
    """R1: a new area's demand is its dwellings × persons per household. A value that is
    there but not a number (``given``) is said once, by the column's own check."""
    status = out["status"].to_numpy()
    dwellings = out["dwellings"].to_numpy(dtype=float)
    blank = np.ones(len(dwellings), dtype=bool)
    if given is not None:
        text = given.astype("string").str.strip()
        blank = (given.isna() | text.eq("").fillna(True)).to_numpy(dtype=bool)
    lacking = np.flatnonzero((status == "new") & np.isnan(dwellings) & blank)
    if lacking.size:
        report.problems.append(
            where.problem(
                f"{_count(lacking.size, 'area')} status new but no dwellings",
                column="dwellings",
                ids=[ids[i] for i in lacking],
                fix="give the number of planned dwellings of every new area (R1: its demand is "
                "dwellings × persons per household)",
            )
        )
    zero = np.flatnonzero((status == "new") & (dwellings == 0))
    if zero.size:
        named = [ids[i] for i in zero]
        report.find(
            Said(
                f"{where.layer}: {_count(zero.size, 'new area')} 0 dwellings and plans for "
                f"nobody ({first_few(named, limit=10)}): a new area's demand is its dwellings × "
                "persons per household (R1); if the cells were left blank and saved as 0, give "
                "the planned dwellings",
                code="new_areas_without_dwellings",
                count=int(zero.size),
                ids=named[:10],
            ),
            by=logger,
        )


def _families(geoms: npt.NDArray[np.object_]) -> npt.NDArray[np.object_]:
    """The geometry family of each geometry ("Point", "LineString", "Polygon"; "?" if none)."""
    return np.array(
        [_FAMILY_OF_TYPE_ID.get(int(t), "?") for t in shapely.get_type_id(geoms)], dtype=object
    )


def _drawn_problems(
    geoms: npt.NDArray[np.object_],
    schema: _Schema,
    ids: list[str],
    name: str,
    where: _Where,
    report: _Report,
    *,
    placed: bool = True,
    called: str | None = None,
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """Problems for features without a geometry and with one of another type than the
    layer's; returns the two masks. A table's rows without a point (not ``placed``) were
    said by its reader, with their coordinates. ``called`` is the expression of a frame
    given in memory (``"areas"``), whose fixes are calls on it, not on a file."""
    empty = np.asarray(shapely.is_missing(geoms) | shapely.is_empty(geoms), dtype=bool)
    if empty.any() and placed:
        report.problems.append(
            where.problem(
                f"{_count(int(empty.sum()))} no geometry",
                ids=[ids[i] for i in np.flatnonzero(empty)],
                fix="draw these features or delete them",
            )
        )
    families = _families(geoms)
    wrong = ~empty & ~np.isin(families, list(schema.geometry))
    if wrong.any():
        found_names = sorted({g.geom_type for g in geoms[wrong]})
        expected = _or_list([w for f in schema.geometry for w in _FAMILY_WORDS[f].split(" or ")])
        message = (
            f"{_count(int(wrong.sum()))} {'/'.join(found_names)} geometries where {expected} "
            "are expected"
        )
        fix = f"give the {name} layer as {expected} features"
        if "Polygon" in schema.geometry and _closed_rings(geoms[wrong]):
            fix = f"give the {name} layer as {_FAMILY_WORDS['Polygon']} features"
            message += "; they are closed rings, as a CAD drawing's closed polylines read by GDAL"
            if called is not None:  # a frame in memory: no file to convert
                fix += (
                    f": make polygons of the closed lines, {called}.set_geometry(shapely."
                    f"build_area({called}.geometry.to_numpy()), crs={called}.crs)"
                )
            else:
                drawing = Path(where.file).name
                fix += ": " + _CAD_FIX.format(name=name, drawing=drawing, keys=_keys(schema))
        elif schema.geometry == _POLYGON and name == "areas" and called is not None:
            fix += (
                " (the outlines; a 小区 list of points is given land as a layer is read: "
                "pass it to siting.inputs.load_frames)"
            )
        elif schema.geometry == _POLYGON:
            fix += " (the outlines, not centre points)"
        elif name == "areas":
            fix += " (the outlines, or one point per 小区)"
        report.problems.append(
            where.problem(message, ids=[ids[i] for i in np.flatnonzero(wrong)], fix=fix)
        )
    return empty, wrong


_CAD_FIX = (
    "turn the closed polylines into polygons, in QGIS with Polygonize or Lines to polygons, "
    "or with GDAL: ogr2ogr -oo CLOSED_LINE_AS_POLYGON=YES {name}.gpkg {drawing} (the config "
    "option DXF_CLOSED_LINE_AS_POLYGON=TRUE does the same; both only for polylines drawn "
    "closed); a DXF carries no attribute but its Layer and Text, so join the {name} "
    "layer's columns ({keys}) to the polygons from a table"
)
"""The fix for polygons given as a CAD drawing's closed polylines (DXF, DWG): GDAL reads
them as closed LineStrings unless told (its DXF driver's ``CLOSED_LINE_AS_POLYGON``)."""


def _closed_rings(geoms: npt.NDArray[np.object_]) -> bool:
    """Whether every one of ``geoms`` is a line (or lines) whose every part is a closed ring."""
    if not np.isin(_families(geoms), ["LineString"]).all():
        return False
    parts = shapely.get_parts(geoms)
    return bool(len(parts)) and bool(
        (shapely.is_closed(parts) & (shapely.get_num_coordinates(parts) >= 4)).all()
    )


def _keys(schema: _Schema) -> str:
    """The layer's required columns, its id first."""
    required = [c.name for c in schema.columns if c.required and c.name != schema.id]
    return ", ".join([schema.id, *required])


def _flat(geoms: npt.NDArray[np.object_], name: str, report: _Report) -> npt.NDArray[np.object_]:
    """``geoms`` without their heights and measures (Z, M), with a note when any had them."""
    raised = shapely.has_z(geoms) | shapely.has_m(geoms)
    if not raised.any():
        return geoms
    n = int(raised.sum())
    report.note(
        f"{name}: dropped the heights (Z) or measures (M) of {n} feature"
        f"{'s' if n != 1 else ''}: siting plans in 2D"
    )
    return np.asarray(shapely.force_2d(geoms), dtype=object)


def _check_geometry(
    frame: gpd.GeoDataFrame,
    schema: _Schema,
    ids: list[str],
    name: str,
    where: _Where,
    report: _Report,
    *,
    placed: bool = True,
) -> npt.NDArray[np.object_]:
    """Check geometry presence and type, repair invalid geometries; returns the geometries.

    Heights and measures (Z and M, a 3D export of a survey, a FileGDB's PolygonZM) are
    dropped with a note: siting plans on the map's plane, and a layer with Z beside one
    without it gave service lines of 3D and 2D points, which shapely refused at the end of
    a plan (a traceback after the solve)."""
    geoms = _flat(np.asarray(frame.geometry.to_numpy(), dtype=object), name, report)
    empty, wrong = _drawn_problems(geoms, schema, ids, name, where, report, placed=placed)
    check = ~empty & ~wrong
    invalid = check & ~shapely.is_valid(geoms)
    if invalid.any():
        positions = np.flatnonzero(invalid)
        reasons = [str(shapely.is_valid_reason(geoms[i])) for i in positions]
        repaired = shapely.make_valid(geoms[positions], method="structure", keep_collapsed=False)
        families_after = _families(repaired)
        failed = shapely.is_empty(repaired) | ~np.isin(families_after, list(schema.geometry))
        geoms = geoms.copy()
        fixed = positions[~failed]
        geoms[fixed] = repaired[~failed]
        if fixed.size:
            shown = "; ".join(
                f"{ids[i]}: {r}"
                for i, r in zip(positions[~failed], np.array(reasons)[~failed], strict=True)
            )
            noun = "geometry" if fixed.size == 1 else "geometries"
            text = Said(
                f"{name}: repaired {fixed.size} invalid {noun} with make_valid ({shown})",
                code="geometries_repaired",
                layer=name,
                count=int(fixed.size),
                ids=[str(ids[i]) for i in positions[~failed][:10]],
            )
            report.warn(text, by=logger)
        if failed.any():
            report.problems.append(
                where.problem(
                    f"{_count(int(failed.sum()))} an invalid geometry that make_valid could not "
                    f"repair ({'; '.join(np.array(reasons)[failed][:3])})",
                    ids=[ids[i] for i in positions[failed]],
                    fix="redraw these features (for example with QGIS's Fix geometries tool)",
                )
            )
    return geoms


_LAND_UNITS = (
    (
        1 / 666.667,
        "mu (亩)",
        'multiply it by 666.667, or say units = { land_area_m2 = "亩" } under [inputs.parcels]',
    ),
    (
        1e-4,
        "hectares (公顷)",
        'multiply it by 10,000, or say units = { land_area_m2 = "公顷" } under [inputs.parcels]',
    ),
    (1e-6, "km²", "multiply it by 1,000,000"),
)
"""Units a bureau's land area may be in, by their size in m²."""
LAND_AREA_FACTOR = 20.0
"""How many times larger or smaller than the polygons the given land areas may be, by
their median, before the column is taken for another unit (a problem)."""


def _check_land_area(
    given: np.ndarray,
    area: np.ndarray,
    polygon: np.ndarray,
    where: _Where,
    report: _Report,
    *,
    ids: Sequence[Any] = (),
) -> None:
    """A problem when the parcels' land_area_m2 is not in m²: its median is under
    1/:data:`LAND_AREA_FACTOR` of the polygons' own areas (亩, hectares, a ``Shape_Area``
    in square degrees). Such parcels were all too small for any facility, and the run
    said "optimal". Over :data:`LAND_AREA_FACTOR` times is a warning only: polygons drawn
    as small markers with the true areas given. A polygon given ``land_area_m2 = 0`` is a
    problem (``ids`` names them): such a parcel fits no facility and was never chosen,
    without a word."""
    zero = polygon & (given == 0) & (area > 1.0)
    if zero.any():
        report.problems.append(
            where.problem(
                f"{_count(int(zero.sum()), 'parcel')} land_area_m2 = 0 though "
                f"{'its polygon measures' if zero.sum() == 1 else 'their polygons measure'} "
                f"{float(np.median(area[zero])):,.0f} m² (the median): a parcel of no land fits "
                "no facility, so these would never be chosen; 0 is how some exports write a "
                "blank",
                column="land_area_m2",
                ids=[str(i) for i in np.asarray(ids, dtype=object)[zero]],
                fix="leave land_area_m2 empty (NULL) where it is not known, and siting takes "
                "each polygon's own area",
            )
        )
    usable = polygon & np.isfinite(given) & (given > 0) & (area > 1.0)
    if usable.sum() < 3:
        return
    ratio = float(np.median(given[usable] / area[usable]))
    if ratio >= 1 / LAND_AREA_FACTOR:
        if ratio > LAND_AREA_FACTOR:  # drawn as small markers, with the true areas given
            text = (
                f"parcels: land_area_m2 is {ratio:.3g} times the polygons' own areas (the "
                f"median of {int(usable.sum())} parcels): the polygons look like markers, "
                "and land_area_m2 is used as given"
            )
            report.warn(text, by=logger)
        return
    unit = next(
        (
            f"it looks like {name}: {fix}"
            for size, name, fix in _LAND_UNITS
            if size / 2 < ratio < size * 2
        ),
        "it looks like another unit (a Shape_Area in square degrees?): convert it to m²",
    )
    report.problems.append(
        where.problem(
            f"land_area_m2 is {ratio:.3g} times the parcels' own polygon areas (the median of "
            f"{int(usable.sum())} parcels), so it is not square metres",
            column="land_area_m2",
            fix=f"{unit}, or leave land_area_m2 out to use each polygon's area",
        )
    )


MIN_COST_PER_M2 = 10.0
"""CNY per m² of land below which the parcels' costs look like 万元 (ten thousand yuan):
even a rural lease costs more than that."""
MIN_PARCEL_COST = 10_000.0
"""CNY below which the median price of the parcels looks like 万元 when they have no land
area to measure it by (points without land_area_m2): no site for childcare costs less."""


MIXED_UNIT_RATIO = 10**3.5
"""How many times off the median price per m² of land of its acquisition mode a parcel's
must be (either way) to look written in the other unit, 万元 among 元 or 元 among 万元:
10,000 times less a factor of √10 (land prices of one city differ tenfold, not a
thousandfold). There is no upper end: a purchase 44,922 times below its mode's median
(the sweep's P0148, 57.9 meaning 579,000) is no real price in either unit."""


def _check_cost_unit(frame: gpd.GeoDataFrame, where: _Where, report: _Report) -> None:
    """A problem when the parcels' ``cost`` looks like 万元 and no ``units`` says what it is
    in: 210.5 for a 700 m² parcel priced 2,105,000 CNY made every site nearly free, and
    the plan chose by distance alone. It was a warning, and the sample city handed over
    in 万元 planned at 129,559,646 "CNY" instead of 340,661,000, a plan written whole.

    Parcels priced 10,000 times off the others (:func:`_check_mixed_cost_units`) are a
    problem of their own, whatever ``units`` says."""
    cost = frame["cost"].to_numpy(dtype=float) if "cost" in frame.columns else np.zeros(0)
    land = frame["land_area_m2"].to_numpy(dtype=float) if len(cost) else np.zeros(0)
    priced = np.isfinite(cost) & (cost > 0)
    usable = priced & np.isfinite(land) & (land > 1.0)
    if usable.sum() >= 3:
        per_m2 = float(np.median(cost[usable] / land[usable]))
        if per_m2 >= MIN_COST_PER_M2 or "cost" in where.units:
            wan = _unit_factor(_MONEY_UNITS, where.units.get("cost", "")) == 1e4
            ids = frame.index.astype(str).to_numpy()
            # a mode's prices are of one kind: a park reused for a fitting-out price is not
            # a purchase of its land (0.67 CNY per m² against 3,100 looked like 万元)
            modes = (
                frame["acquisition"].astype(str).to_numpy()
                if "acquisition" in frame.columns
                else np.full(len(frame), "")
            )
            several = len(set(modes[usable])) > 1
            for mode in sorted(set(modes[usable])):
                mine = usable & (modes == mode)
                if mine.sum() >= 3:
                    _check_mixed_cost_units(
                        list(ids[mine]), cost[mine], land[mine], where, report, in_wan=wan,
                        of=f"parcels acquired by {mode}" if several else "parcels",
                    )  # fmt: skip
            return
        said = f"a median of {per_m2:.3g} CNY per m² of land over {int(usable.sum())} parcels"
    elif priced.sum() >= 3:  # parcels as points without land_area_m2: the prices alone
        median = float(np.median(cost[priced]))
        if median >= MIN_PARCEL_COST or "cost" in where.units:
            return
        said = (
            f"a median price of {median:,.4g} CNY over {int(priced.sum())} parcels (and no "
            "land area to compare it with)"
        )
    else:
        return
    section = f"[inputs.{where.layer}]"
    report.problems.append(
        where.problem(
            f"cost gives {said}: it looks like 万元 (ten thousand yuan), and the plan would "
            "take land as nearly free",
            column="cost",
            fix=f'add units = {{ cost = "万元" }} to {section} (siting multiplies the column '
            f'by 10,000), or units = {{ cost = "元" }} if these are the prices in yuan. '
            "cost is a capital price, paid once (the purchase of the land or building, or "
            'its construction), not a yearly rent: give a rented parcel acquisition = "lease" '
            "and no cost, and its rent per m² a year and the years of the lease as "
            "costs.lease_rent_per_m2_year and costs.lease_years in the scenario",
        )
    )


def _check_mixed_cost_units(
    ids: list[str],
    cost: npt.NDArray[np.float64],
    land: npt.NDArray[np.float64],
    where: _Where,
    report: _Report,
    *,
    in_wan: bool,
    of: str = "parcels",
) -> None:
    """A problem for the parcels whose price per m² of land is 10,000 times off the
    others' median (:data:`MIXED_UNIT_RATIO`): a layer in 元 with some prices in 万元
    (5 of 60 parcels at 210.5 meaning 2,105,000) passed unnoticed, and the plan would buy
    them 10,000 times too cheap; and, ``in_wan`` (a column said to be in 万元), some in
    元, 10,000 times too dear. A cell that writes its unit (``210.5万``, ``2,105,000元``)
    is read in it. ``of`` says which parcels these are (those of one acquisition mode,
    whose median they are measured against)."""
    per_m2 = cost / land
    median = float(np.median(per_m2))
    low = MIXED_UNIT_RATIO
    ways = [(median / per_m2, "below", "万元", "元", "too cheap")]
    if in_wan:
        ways.append((per_m2 / median, "above", "元", "万元", "too dear"))
    for off, way, unit, other, buys in ways:
        odd = np.flatnonzero(off >= low)
        if not odd.size:
            continue
        first = cost[odd[0]] / 10_000 if unit == "元" else cost[odd[0]]
        written = f"{first:,.10g}{'万' if unit == '万元' else '元'}"
        report.problems.append(
            where.problem(
                f"{_count(odd.size, 'parcel')} a price per m² of land {_times_off(off[odd])} "
                f"{way} the median of the {len(ids)} {of} ({median:,.4g} CNY per m²): "
                f"{'it looks' if odd.size == 1 else 'they look'} written in {unit} among "
                f"prices in {other}, and the plan would buy "
                f"{'it' if odd.size == 1 else 'them'} 10,000 times {buys}",
                column="cost",
                ids=[ids[i] for i in odd],
                fix=f"write the unit in the cell ({written}, which siting reads as "
                f"{first * (10_000 if unit == '万元' else 1):,.0f} CNY), or correct the price",
            )
        )


def _times_off(off: npt.NDArray[np.float64]) -> str:
    """``about 10,000 times`` for prices within √10 of 10,000 times off; else the range,
    ``10,309 to 44,922 times`` (a price 44,922 times below is no price in either unit)."""
    lo, hi = float(off.min()), float(off.max())
    if hi <= 10**4.5:
        return "about 10,000 times"
    return f"{lo:,.0f} times" if round(lo) == round(hi) else f"{lo:,.0f} to {hi:,.0f} times"


def _fill_land_area(
    frame: gpd.GeoDataFrame, report: _Report, where: _Where | None = None
) -> gpd.GeoDataFrame:
    """Parcels' missing land_area_m2 from their polygons; with ``where``, the given ones
    are checked against the polygons (:func:`_check_land_area`)."""
    need = frame["land_area_m2"].isna().to_numpy()
    if not need.any() and where is None:
        return frame
    metric = frame
    if frame.crs is not None and not pyproj.CRS.from_user_input(frame.crs).is_projected:
        metric = frame.to_crs(frame.estimate_utm_crs())
    geoms = np.asarray(metric.geometry.to_numpy(), dtype=object)
    with np.errstate(invalid="ignore"):  # features that could not be reprojected
        area = shapely.area(geoms)
    area = np.nan_to_num(np.asarray(area, dtype=float), posinf=0.0)
    if where is not None:
        polygon = np.isin(shapely.get_type_id(geoms), (3, 6))  # (Multi)Polygon
        given = frame["land_area_m2"].to_numpy(dtype=float)
        _check_land_area(given, area, polygon, where, report, ids=list(frame.index))
        land = np.where(np.isnan(given), area, given)
        _check_cost_unit(frame.assign(land_area_m2=land), where, report)
    if not need.any():
        return frame
    out = frame.copy()
    values = out["land_area_m2"].to_numpy(dtype=float).copy()
    values[need] = area[need]
    out["land_area_m2"] = values
    report.note(
        Said(
            f"parcels: computed land_area_m2 of {int(need.sum())} parcel"
            f"{'s' if need.sum() != 1 else ''} from the geometry (0 for points)",
            code="land_area_computed",
            count=int(need.sum()),
        )
    )
    return out
