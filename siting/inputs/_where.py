"""A layer's attribute filter, ``where``: the features of a bureau's whole land-use layer
that one of siting's layers takes.

A natural-resources bureau keeps one land-use layer for the city (the 三调 layer,
``DLBM`` 0701 城镇住宅用地, 0702 农村宅基地, 1201 空闲地 …); the residential areas and
the candidate parcels are subsets of it. ``where`` under ``[inputs.<layer>]`` takes the
subset as the layer is read:

1. A layer GDAL reads (GeoPackage, Shapefile, File Geodatabase, GeoJSON, zipped ones)
   is filtered by GDAL itself (pyogrio's ``read_dataframe(where=...)``), in the file's
   own SQL: SQLite's for a GeoPackage, OGR SQL for the others. The column names are the
   file's, as GDAL reads them (a GBK Shapefile's decoded). OGR SQL reads a bare name of
   ASCII letters only, so a bare Chinese column name that the layer has (``地类编码 =
   '0701'``) is put in double quotes before GDAL sees it; nothing else is changed.
2. A table (CSV, Excel) and a frame held in memory are filtered by the same OGR SQL:
   their rows are written to an in-memory GeoJSON (text as text, numbers as numbers)
   and read back through the filter, so a filter means what it means for a file.
3. An expression GDAL refuses is a problem naming the file, the layer, the expression,
   GDAL's reason in plain words and the layer's columns; a filter that keeps nothing is
   a problem too, with the values its column holds when it names one. How many features
   the filter kept, of how many, is a note of the run.
"""

from __future__ import annotations

import difflib
import functools
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyogrio

from siting.errors import Problem
from siting.inputs._problems import _gdal_message, _quoted, _Report, _Where
from siting.scenario import LayerSpec

__all__ = ["FilteredLayer", "kept_features", "kept_positions"]

_TOKENS = re.compile(r"'(?:[^']|'')*'?|\"(?:[^\"]|\"\")*\"?|[^\W\d]\w*|.", re.DOTALL)
"""A where expression's pieces: quoted text, quoted names, bare words, other characters."""

_CHINESE_PUNCTUATION = "‘’“”，（）＝＜＞"
_MEMORY_LAYER = "rows"


def _named(expression: str, fields: list[str]) -> list[str]:
    """The layer's columns the expression names, bare or in double quotes, in its order."""
    by_fold = {f.casefold(): f for f in fields}
    named: list[str] = []
    for token in _TOKENS.findall(expression):
        word = token[1:-1].replace('""', '"') if token.startswith('"') else token
        field = by_fold.get(word.casefold())
        if field is not None and not token.startswith("'") and field not in named:
            named.append(field)
    return named


def quoted_names(expression: str, fields: list[str]) -> str:
    """``expression`` with each bare column name outside ASCII put in double quotes.

    OGR SQL's bare names are ASCII letters, digits and ``_``: ``地类编码 = '0701'`` is a
    syntax error to it, ``"地类编码" = '0701'`` is not. SQLite reads either.

    Examples
    --------
    >>> quoted_names("地类编码 IN ('0701', '地类编码')", ["地类编码"])
    '"地类编码" IN (\\'0701\\', \\'地类编码\\')'
    """
    present = set(fields)
    return "".join(
        f'"{token}"' if token in present and not token.isascii() else token
        for token in _TOKENS.findall(expression)
    )


def _reason(message: str, expression: str) -> str:
    """GDAL's own reason, without the SQL statement it quotes."""
    text = message.split(". Occurred around", 1)[0]
    if expression in text:  # SQLite's: Failed to prepare SQL SELECT … WHERE <expr>: no such column
        text = text.rsplit(expression, 1)[1].lstrip(" :)")
    return text.strip() or message


def _plain(reason: str, expression: str, fields: list[str], spec: LayerSpec) -> tuple[str, str]:
    """What GDAL's reason means, and the fix, in a planner's words."""
    unknown = re.search(
        r'"?([^"]+)"? not recognised as an available field|no such column: (.+)', reason
    )
    generic = (
        "write where in the file's own column names and GDAL's SQL, as QGIS's Query Builder "
        "(Layer Properties ▸ Source ▸ Query Builder) takes it: DLBM IN ('0701','0702')"
    )
    # a bare Chinese name is a syntax error to OGR SQL, not an unknown column: when the
    # layer has it, quoted_names quoted it, so a bare one left is a name it lacks
    bare = [
        t
        for t in _TOKENS.findall(expression)
        if not t.isascii() and t[:1].isalpha() and t not in fields
    ]
    if unknown is not None or bare:
        name = bare[0] if unknown is None else unknown.group(1) or unknown.group(2) or ""
        name = name.strip().strip("\"'")
        siting_names = {k.casefold(): v for k, v in spec.columns.items()}
        if name.casefold() in siting_names:
            own = siting_names[name.casefold()]
            return (
                f"the layer has no column '{name}': that is siting's name for the file's "
                f"column '{own}' (columns maps it), and where is applied to the file as it is",
                f"write the file's name in where: {own} in place of {name}",
            )
        if name.casefold() in {k.casefold() for k in spec.values}:
            return (
                f"the layer has no column '{name}': values under the layer gives every "
                "feature it, after the filter",
                "filter by a column the file has",
            )
        if f'"{name}"' in expression:
            return (
                f"the layer has no column '{name}': a text in double quotes is a column's name "
                "to GDAL",
                f"put text values in single quotes: '{name}'",
            )
        near = difflib.get_close_matches(name, fields, n=1, cutoff=0.6) or [
            f for f in fields if f.casefold() == name.casefold()
        ]
        return (
            f"the layer has no column '{name}'",
            f"write '{near[0]}' if that is the column you meant; {generic}" if near else generic,
        )
    if "Type mismatch" in reason:
        said = "it compares a column with a value of another type (text with a number)"
        fix = (
            "put text values in single quotes (DLBM = '0701': a 三调 code is text, its 0 "
            "kept); a number held as text, as a CSV's cells are, is compared as a number with "
            "CAST(TBMJ AS float) > 5000"
        )
    elif "end-of-string" in reason or "unrecognized token" in reason:
        said, fix = "a text value's quotes are not closed", "close each text in single quotes"
    elif expression.count("(") != expression.count(")"):
        said, fix = "its brackets do not pair", "close each ( with )"
    else:
        said, fix = "GDAL cannot read it as a filter", generic
    typed = [c for c in _CHINESE_PUNCTUATION if c in expression]
    if typed:
        said += f" (it has {' '.join(typed)} typed with a Chinese input method)"
        fix = "type quotes, commas, brackets and = with the input method in English"
    return said, fix


@dataclass(frozen=True)
class FilteredLayer:
    """A layer GDAL reads through ``where``: its file (or bytes), layer and encoding."""

    data: Path | bytes
    layer: str
    encoding: str | None
    expression: str
    hidden: str | None = None
    """A column siting added (the row positions of a table written to memory)."""

    @functools.cached_property
    def _info(self) -> dict[str, Any]:
        """GDAL's account of the layer, its features counted (read once)."""
        info: dict[str, Any] = pyogrio.read_info(
            self.data, layer=self.layer, encoding=self.encoding, force_feature_count=True
        )
        return info

    @property
    def fields(self) -> list[str]:
        """The layer's columns, as GDAL reads them (none when it cannot be read: its
        reading says why)."""
        try:
            return [str(f) for f in self._info["fields"] if f != self.hidden]
        except Exception:  # any GDAL failure: the read itself reports it
            return []

    def sample(self) -> pd.DataFrame:
        """The layer's first 2,000 features' attributes, unfiltered (none when it cannot
        be read: its reading says why)."""
        try:
            frame: pd.DataFrame = pyogrio.read_dataframe(
                self.data,
                layer=self.layer,
                encoding=self.encoding,
                read_geometry=False,
                max_features=2_000,
            )
        except Exception:  # any GDAL failure: the read itself reports it
            return pd.DataFrame()
        return frame

    @property
    def gdal_where(self) -> str:
        """The expression as GDAL is given it (:func:`quoted_names`)."""
        return quoted_names(self.expression, self.fields)

    def problem(self, exc: Exception, spec: LayerSpec, where: _Where) -> Problem | None:
        """The problem of an expression GDAL refused, or ``None`` when ``exc`` (raised as
        the layer was read through it) is not about the expression."""
        try:  # GDAL's reason: pyogrio's where says only "Invalid SQL query"
            pyogrio.read_dataframe(
                self.data,
                encoding=self.encoding,
                sql=f'SELECT * FROM "{self.layer}" WHERE {self.gdal_where}',
                sql_dialect="OGRSQL",
                read_geometry=False,
                max_features=1,
            )
            message = _gdal_message(exc)
            if "SQL" not in message:
                return None
        except Exception as diagnosed:
            message = _gdal_message(diagnosed)
        fields = self.fields
        reason = _reason(message, self.gdal_where)
        said, fix = _plain(reason, self.expression, fields, spec)
        return where.problem(
            f"where = {self.expression!r} under [inputs.{where.layer}] cannot be applied: "
            f"{said} (GDAL: {reason}); the layer's columns are {_quoted(fields, 30)}",
            fix=fix,
        )

    def kept(
        self, count: int, spec: LayerSpec, where: _Where, report: _Report, *, noun: str
    ) -> bool:
        """Note how many ``noun`` (features, rows) the filter kept; a problem when it kept
        none."""
        total = int(self._info["features"])
        shown = Path(where.file).name
        if count:
            report.note(
                f"{where.layer}: where {self.expression} kept {count:,} of the {total:,} "
                f"{noun} of {shown}"
            )
            return True
        fix = (
            "write where with values the column holds (a 三调 code is text: DLBM = '0701'), "
            "or check that the entry points at the layer you meant"
        )
        if where.layer not in _REQUIRED:  # a city may have none: a layer that may be left out
            fix += f"; a city without any may leave [inputs.{where.layer}] out"
        if not total:
            report.holds_none(
                where.problem(
                    f"where = {self.expression!r} under [inputs.{where.layer}] keeps nothing: "
                    f"the layer holds no {noun} at all",
                    fix=fix,
                )
            )
            return False
        named = _named(self.expression, self.fields)
        held = ""
        if len(named) == 1:
            values = pyogrio.read_dataframe(
                self.data,
                layer=self.layer,
                encoding=self.encoding,
                columns=named,
                read_geometry=False,
            )[named[0]]
            held = f"; its column {named[0]} holds {_held(values)}"
        report.holds_none(
            where.problem(
                f"where = {self.expression!r} under [inputs.{where.layer}] keeps none of the "
                f"layer's {total:,} {noun}{held}",
                fix=fix,
            )
        )
        return False


_REQUIRED = ("areas", "parcels", "population")
"""The layers a plan cannot do without (unless [inputs.osm] gives them)."""


def _held(values: pd.Series[Any]) -> str:
    """A column's values, the most frequent first, the first few of them."""
    counts = values.dropna().astype(str).value_counts(sort=True)
    return _quoted(counts.index, 8) if len(counts) else "no value (every feature's is empty)"


def _json_ready(frame: pd.DataFrame, row: str) -> pd.DataFrame:
    """The attributes of ``frame`` as GeoJSON holds them: numbers, true/false and dates as
    they are, anything else as text (empty stays empty), and each row's position."""
    data = pd.DataFrame(index=range(len(frame)))
    for name in frame.columns:
        column = frame[name]
        kind = column.dtype
        if (
            pd.api.types.is_bool_dtype(kind)
            or pd.api.types.is_datetime64_any_dtype(kind)
            or (pd.api.types.is_numeric_dtype(kind) and not pd.api.types.is_complex_dtype(kind))
        ):
            data[str(name)] = column.to_numpy()
        else:
            data[str(name)] = [None if _empty(v) else str(v) for v in column]
    data[row] = np.arange(len(frame))
    return data


def _empty(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # a list or an array in a cell
        return False


def kept_positions(
    frame: pd.DataFrame, spec: LayerSpec, where: _Where, report: _Report, *, noun: str
) -> npt.NDArray[np.intp] | None:
    """The positions of the rows of a table or an in-memory frame's attributes (without
    its geometry) that ``spec.where`` keeps, by GDAL's OGR SQL over their values; None
    with a problem when it keeps none or cannot be applied. ``noun`` names the rows in
    the note (``"rows"``)."""
    assert spec.where is not None
    row = "siting_row"
    while row in {str(c) for c in frame.columns}:
        row = f"_{row}"
    buffer = io.BytesIO()
    pyogrio.write_dataframe(_json_ready(frame, row), buffer, driver="GeoJSON", layer=_MEMORY_LAYER)
    layer = FilteredLayer(buffer.getvalue(), _MEMORY_LAYER, None, spec.where, hidden=row)
    try:
        kept = pyogrio.read_dataframe(
            layer.data, where=layer.gdal_where, read_geometry=False, columns=None
        )[row]
    except Exception as exc:
        problem = layer.problem(exc, spec, where)
        if problem is None:
            raise
        report.problems.append(problem)
        return None
    if not layer.kept(len(kept), spec, where, report, noun=noun):
        return None
    return np.sort(kept.to_numpy(dtype=np.intp))


def kept_features(
    frame: gpd.GeoDataFrame, spec: LayerSpec, where: _Where, report: _Report
) -> gpd.GeoDataFrame | None:
    """An in-memory layer's features that ``spec.where`` keeps (all with no ``where``),
    filtered as its file would be; None with a problem (:func:`kept_positions`)."""
    if spec.where is None:
        return frame
    kept = kept_positions(
        pd.DataFrame(frame.select_dtypes(exclude="geometry")), spec, where, report, noun="rows"
    )
    return None if kept is None else frame.iloc[kept]
