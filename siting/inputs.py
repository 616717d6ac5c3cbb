"""Read, validate and normalize the input layers and rasters of a run.

Every vector layer is read with GDAL (through pyogrio) from any format it
reads: GeoPackage (with a layer name), Shapefile, GeoJSON, FlatGeobuf. Rasters
are read with rasterio. Validation collects every problem in every layer, then
raises one :class:`~siting.errors.InputError`; :func:`validate` returns the same
problems without raising. Each problem names the file, the layer, the column,
the offending ids and the fix.

After validation every layer is renamed to ``siting``'s column names, typed,
reprojected to the working CRS, indexed by its id (``area_id``, ``site_id``,
...) and given defaults for the optional columns it lacks. Geometry repairs and
choices ``siting`` made on the user's behalf are listed in :attr:`Inputs.notes`.
No input file is ever written to.

The canonical schemas (``siting`` names; map yours with ``[inputs.<layer>.columns]``):

========================  =================================================================
layer                     columns
========================  =================================================================
areas (polygons)          area_id, name, name_en, status (new/old/rural), dwellings,
                          migrant_share, district_id, subdistrict_id
parcels (polygons/points) site_id, name, kind, acquisition, land_area_m2, floor_area_m2,
                          cost, affordable, district_id
facilities                facility_id, name, slots, affordable, demonstration, district_id
districts (polygons)      district_id, name, name_en
subdistricts (polygons)   subdistrict_id, name, district_id
workplaces                workplace_id, name, migrant_workers
hazards                   hazard_id, kind, voltage_kv, name
========================  =================================================================
"""

from __future__ import annotations

import functools
import importlib.util
import logging
import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyogrio
import pyproj
import rasterio
import rasterio.errors
import rasterio.warp
import rasterio.windows
import shapely
from pyproj.aoi import AreaOfInterest
from pyproj.database import query_utm_crs_info
from pyproj.exceptions import CRSError

from siting.errors import InputError, Problem
from siting.scenario import InputsSpec, LayerSpec, RasterSpec

__all__ = ["LAYER_NAMES", "Inputs", "load_inputs", "read_layer", "validate"]

logger = logging.getLogger(__name__)

#: The vector layers of a run, in the order they are read.
LAYER_NAMES: tuple[str, ...] = (
    "areas",
    "parcels",
    "facilities",
    "districts",
    "subdistricts",
    "workplaces",
    "hazards",
)

_STUDY_AREA_BUFFER_M = 2000.0
_RASTER_SCAN_CELLS = 1 << 22
_USE_ARROW = importlib.util.find_spec("pyarrow") is not None

Kind = Literal["id", "str", "enum", "number", "int", "bool"]


@dataclass(frozen=True)
class Inputs:
    """Every input of a run, validated and in the working CRS.

    Attributes
    ----------
    crs
        The working CRS (projected, metres).
    crs_chosen
        True when ``siting`` picked the CRS (the UTM zone of the study area)
        rather than the scenario.
    areas
        Residential areas, indexed by ``area_id``.
    parcels
        Candidate parcels, indexed by ``site_id``.
    facilities
        Existing childcare facilities, indexed by ``facility_id``, if given.
    districts
        Counties and districts, indexed by ``district_id``, if given.
    subdistricts
        Streets and townships, indexed by ``subdistrict_id``, if given.
    workplaces
        Workplaces with migrant workers, indexed by ``workplace_id``, if given.
    hazards
        Hazards, indexed by ``hazard_id``, if given.
    population
        The resident population raster (validated, never copied).
    population_crs
        The population raster's CRS (the scenario's when the file has none).
    migrant_population
        The migrant population raster, if given.
    streets
        The street network file, if given.
    notes
        Repairs made and choices taken, one sentence each.
    files
        Every input file read, by role (``"areas"``, ``"population"``, ...), for hashing.
    migrant_population_crs
        The migrant population raster's CRS, if given.
    """

    crs: pyproj.CRS
    crs_chosen: bool
    areas: gpd.GeoDataFrame
    parcels: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame | None
    districts: gpd.GeoDataFrame | None
    subdistricts: gpd.GeoDataFrame | None
    workplaces: gpd.GeoDataFrame | None
    hazards: gpd.GeoDataFrame | None
    population: Path
    population_crs: pyproj.CRS
    migrant_population: Path | None
    streets: Path | None
    notes: tuple[str, ...] = ()
    files: Mapping[str, Path] = field(default_factory=dict)
    migrant_population_crs: pyproj.CRS | None = None


# --------------------------------------------------------------------------- schemas


@dataclass(frozen=True)
class _Column:
    name: str
    kind: Kind
    required: bool = False  # the column must exist
    nonnull: bool = False  # every value must be given
    choices: tuple[str, ...] = ()
    aliases: Mapping[str, str] = field(default_factory=dict)
    minimum: float | None = None
    maximum: float | None = None
    default: Any = None


@dataclass(frozen=True)
class _Schema:
    id: str
    geometry: tuple[str, ...]  # geometry families: "Polygon", "Point", "LineString"
    columns: tuple[_Column, ...]


_STATUS_ALIASES = {
    "新建": "new",
    "新建居住区": "new",
    "新区": "new",
    "老城": "old",
    "老城区": "old",
    "已建成": "old",
    "已建成居住区": "old",
    "旧城": "old",
    "existing": "old",
    "农村": "rural",
    "农村社区": "rural",
    "乡村": "rural",
}
_KIND_ALIASES = {
    "闲置土地": "idle_land",
    "闲置用地": "idle_land",
    "idle": "idle_land",
    "低效用地": "underused_land",
    "低效土地": "underused_land",
    "underused": "underused_land",
    "公园": "park",
    "社区活动中心": "community_centre",
    "社区综合服务中心": "community_centre",
    "community_center": "community_centre",
    "社区卫生服务中心": "health_centre",
    "health_center": "health_centre",
    "文化场馆": "cultural_venue",
    "文化馆": "cultural_venue",
    "体育场馆": "sports_venue",
    "工作场所": "workplace",
    "用人单位": "workplace",
    "托育机构": "existing_childcare",
    "其他": "other",
}
_ACQUISITION_ALIASES = {
    "新建": "new_build",
    "购置": "purchase",
    "置换": "swap",
    "租赁": "lease",
    "改造": "reuse",
    "利用": "reuse",
}
_HAZARD_ALIASES = {
    "加油站": "petrol_station",
    "高压线": "power_line",
    "电力线": "power_line",
    "商场": "mall",
    "市场": "market",
    "批发市场": "market",
    "主干道": "arterial_road",
}

_POLYGON: tuple[str, ...] = ("Polygon",)
_ANY: tuple[str, ...] = ("Point", "LineString", "Polygon")

_SCHEMAS: dict[str, _Schema] = {
    "areas": _Schema(
        "area_id",
        _POLYGON,
        (
            _Column("area_id", "id", required=True, nonnull=True),
            _Column("name", "str", required=True, nonnull=True),
            _Column("name_en", "str"),
            _Column(
                "status",
                "enum",
                required=True,
                nonnull=True,
                choices=("new", "old", "rural"),
                aliases=_STATUS_ALIASES,
            ),
            _Column("dwellings", "number", minimum=0.0, default=math.nan),
            _Column("migrant_share", "number", minimum=0.0, maximum=1.0, default=math.nan),
            _Column("district_id", "str"),
            _Column("subdistrict_id", "str"),
        ),
    ),
    "parcels": _Schema(
        "site_id",
        ("Polygon", "Point"),
        (
            _Column("site_id", "id", required=True, nonnull=True),
            _Column("name", "str"),
            _Column(
                "kind",
                "enum",
                required=True,
                nonnull=True,
                choices=(
                    "idle_land",
                    "underused_land",
                    "park",
                    "community_centre",
                    "health_centre",
                    "cultural_venue",
                    "sports_venue",
                    "workplace",
                    "existing_childcare",
                    "other",
                ),
                aliases=_KIND_ALIASES,
            ),
            _Column(
                "acquisition",
                "enum",
                required=True,
                nonnull=True,
                choices=("new_build", "purchase", "swap", "lease", "reuse"),
                aliases=_ACQUISITION_ALIASES,
            ),
            _Column("land_area_m2", "number", minimum=0.0, default=math.nan),
            _Column("floor_area_m2", "number", minimum=0.0, default=math.nan),
            _Column("cost", "number", required=True, nonnull=True, minimum=0.0),
            _Column("affordable", "bool", default=True),
            _Column("district_id", "str"),
        ),
    ),
    "facilities": _Schema(
        "facility_id",
        ("Point", "Polygon"),
        (
            _Column("facility_id", "id", required=True, nonnull=True),
            _Column("name", "str"),
            _Column("slots", "int", required=True, nonnull=True, minimum=0.0),
            _Column("affordable", "bool", default=True),
            _Column("demonstration", "bool", default=False),
            _Column("district_id", "str"),
        ),
    ),
    "districts": _Schema(
        "district_id",
        _POLYGON,
        (
            _Column("district_id", "id", required=True, nonnull=True),
            _Column("name", "str", required=True, nonnull=True),
            _Column("name_en", "str"),
        ),
    ),
    "subdistricts": _Schema(
        "subdistrict_id",
        _POLYGON,
        (
            _Column("subdistrict_id", "id", required=True, nonnull=True),
            _Column("name", "str", required=True, nonnull=True),
            _Column("district_id", "str"),
        ),
    ),
    "workplaces": _Schema(
        "workplace_id",
        _ANY,
        (
            _Column("workplace_id", "id", required=True, nonnull=True),
            _Column("name", "str"),
            _Column("migrant_workers", "number", required=True, nonnull=True, minimum=0.0),
        ),
    ),
    "hazards": _Schema(
        "hazard_id",
        _ANY,
        (
            _Column("hazard_id", "id", required=True, nonnull=True),
            _Column(
                "kind",
                "enum",
                required=True,
                nonnull=True,
                choices=("petrol_station", "power_line", "mall", "market", "arterial_road"),
                aliases=_HAZARD_ALIASES,
            ),
            _Column("voltage_kv", "number", minimum=0.0, default=math.nan),
            _Column("name", "str"),
        ),
    ),
}

_FAMILY_OF_TYPE_ID = {0: "Point", 4: "Point", 1: "LineString", 2: "LineString", 5: "LineString"}
_FAMILY_OF_TYPE_ID.update({3: "Polygon", 6: "Polygon", 7: "GeometryCollection"})
_FAMILY_WORDS = {
    "Point": "Point or MultiPoint",
    "LineString": "LineString or MultiLineString",
    "Polygon": "Polygon or MultiPolygon",
}
_TRUE = {"true", "t", "yes", "y", "1", "1.0", "是", "真", "对"}
_FALSE = {"false", "f", "no", "n", "0", "0.0", "否", "假", "不"}


# --------------------------------------------------------------------------- collector


@dataclass
class _Report:
    """Problems, notes and files gathered while reading."""

    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    files: dict[str, Path] = field(default_factory=dict)

    def note(self, text: str) -> None:
        logger.info("%s", text)
        self.notes.append(text)


@dataclass
class _Where:
    """Where a layer's problems are: fills the Problem fields."""

    file: str
    layer: str

    def problem(
        self,
        message: str,
        *,
        column: str | None = None,
        ids: Iterable[str] = (),
        fix: str | None = None,
    ) -> Problem:
        return Problem(
            message, file=self.file, layer=self.layer, column=column, ids=tuple(ids), fix=fix
        )


def _count(n: int, noun: str = "feature") -> str:
    """``"1 feature has"`` / ``"3 features have"``."""
    return f"1 {noun} has" if n == 1 else f"{n} {noun}s have"


def _quoted(values: Iterable[Any], limit: int = 5) -> str:
    shown = list(dict.fromkeys(str(v) for v in values))
    text = ", ".join(f"'{v}'" for v in shown[:limit])
    return text + (f" and {len(shown) - limit} more" if len(shown) > limit else "")


def _a(word: str) -> str:
    """``"a cost"``, ``"an affordable"``."""
    return f"an {word}" if word[:1] in "aeiou" else f"a {word}"


def _or_list(words: Sequence[str]) -> str:
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " or " + words[-1]


# --------------------------------------------------------------------------- vector reading


def _open_vector(spec: LayerSpec, name: str, report: _Report) -> gpd.GeoDataFrame | None:
    """Read the file of one layer, or add a problem and return None."""
    path = Path(spec.path)
    where = _Where(str(path), name)
    section = f"[inputs.{name}]"
    if not path.exists():
        report.problems.append(
            where.problem(
                "the file does not exist",
                fix=f"check the path under {section} (a relative path is read from the "
                "scenario file's folder)",
            )
        )
        return None
    if path.is_file() and path.stat().st_size == 0:
        report.problems.append(
            where.problem("the file is empty (0 bytes)", fix="export the layer to the file again")
        )
        return None
    report.files[name] = path
    if path.suffix.lower() == ".shp":
        for suffix in (".dbf", ".shx", ".prj", ".cpg"):
            sidecar = path.with_suffix(suffix)
            if sidecar.exists():
                report.files[f"{name}{suffix}"] = sidecar
    try:
        listed = pyogrio.list_layers(path)
    except Exception as exc:  # any GDAL failure: never a raw traceback
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
        report.problems.append(
            where.problem(
                f"the file has no layer '{layer}'; its layers are {_quoted(names, 20)}",
                fix=f'set layer = "{names[0]}" (or another of its layers) under {section}'
                if names
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
            report.problems.append(
                where.problem(
                    f"the file has {len(names)} layers ({_quoted(names, 20)}) and the scenario "
                    "does not say which to read",
                    fix=f'set layer = "{names[0]}" (or another of its layers) under {section}',
                )
            )
            return None
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            frame = gpd.read_file(path, layer=layer, engine="pyogrio", use_arrow=_USE_ARROW)
    except Exception as exc:
        report.problems.append(
            where.problem(
                f"the layer cannot be read (GDAL: {_gdal_message(exc)})",
                fix="open the file in QGIS to check it, or export it again",
            )
        )
        return None
    for warning in caught:
        report.note(f"{name}: reading {path.name}, GDAL said: {warning.message}")
    if not isinstance(frame, gpd.GeoDataFrame):  # a table without geometry
        report.problems.append(
            where.problem(
                "the layer has no geometry column",
                fix="give a layer with geometries (points, lines or polygons)",
            )
        )
        return None
    return frame


def _gdal_message(exc: Exception) -> str:
    text = str(exc).split(";")[0].strip()
    return text or type(exc).__name__


def _read(spec: LayerSpec, name: str, report: _Report) -> tuple[gpd.GeoDataFrame | None, _Where]:
    """Read, rename, type-check and repair one layer in its own CRS."""
    if name not in _SCHEMAS:
        raise ValueError(f"unknown layer name {name!r}; known: {', '.join(LAYER_NAMES)}")
    schema = _SCHEMAS[name]
    where = _Where(str(spec.path), name)
    raw = _open_vector(spec, name, report)
    if raw is None:
        return None, where
    section = f"[inputs.{name}]"
    if len(raw) == 0:
        report.problems.append(
            where.problem(
                "the layer has no features",
                fix=f"check that {section} points at the file and layer you meant",
            )
        )
        return None, where

    # CRS -----------------------------------------------------------------
    frame = raw
    if frame.crs is None:
        if spec.crs is not None:
            try:
                assumed = pyproj.CRS.from_user_input(spec.crs)
            except CRSError as exc:
                report.problems.append(
                    where.problem(
                        f"crs = '{spec.crs}' under {section} is not a CRS pyproj knows ({exc})",
                        fix='give an EPSG code such as crs = "EPSG:4544"',
                    )
                )
            else:
                frame = frame.set_crs(assumed)
                report.note(f"{name}: the file has no CRS; assumed {spec.crs} from the scenario")
        else:
            report.problems.append(
                where.problem(
                    "the layer has no CRS (coordinate reference system)",
                    fix="define the CRS in the file (a .prj beside a Shapefile), or say which "
                    f'CRS its coordinates are in with crs = "EPSG:4544" (for example) under '
                    f"{section}",
                )
            )

    # columns -------------------------------------------------------------
    frame = _rename(frame, spec, name, schema, where, report)
    ids = _ids(frame, schema, where, report)
    out: dict[str, Any] = {}
    for column in schema.columns:
        if column.kind == "id":
            continue
        out[column.name] = _convert(frame, column, ids, name, where, report)
    if name == "areas":
        _check_dwellings(out, ids, where, report)

    # geometry --------------------------------------------------------------
    geometry = _check_geometry(frame, schema, ids, name, where, report)

    extras = [c for c in frame.columns if c not in out and c != schema.id and c != "geometry"]
    extras = [c for c in extras if c != frame.geometry.name]
    index = pd.Index(ids, name=schema.id)
    data = pd.DataFrame({k: v.set_axis(index) for k, v in out.items()}, index=index)
    for extra in extras:
        data[extra] = frame[extra].to_numpy()
    result = gpd.GeoDataFrame(data, geometry=np.asarray(geometry, dtype=object), crs=frame.crs)
    return result, where


def _rename(
    frame: gpd.GeoDataFrame,
    spec: LayerSpec,
    name: str,
    schema: _Schema,
    where: _Where,
    report: _Report,
) -> gpd.GeoDataFrame:
    """Map the user's columns to siting's names; report required columns missing."""
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
    for column in schema.columns:
        source = spec.columns.get(column.name)
        if source is not None:
            if source in present:
                columns[column.name] = frame[source]
            else:
                report.problems.append(
                    where.problem(
                        f"column '{source}', mapped to {column.name} by {section}, is not in the "
                        f"layer (its columns: {', '.join(present) or 'none'})",
                        column=source,
                        fix=f'correct {column.name} = "{source}" under {section}',
                    )
                )
            continue
        if column.name in present:
            columns[column.name] = frame[column.name]
            continue
        truncated = column.name[:10]
        if len(column.name) > 10 and truncated in present:  # Shapefile field names
            columns[column.name] = frame[truncated]
            report.note(f"{name}: read column '{truncated}' as {column.name}")
            continue
        if column.required:
            report.problems.append(
                where.problem(
                    f"required column '{column.name}' is missing (the layer has: "
                    f"{', '.join(present) or 'no columns'})",
                    column=column.name,
                    fix=f"add the column, or map yours to it with {column.name} = "
                    f'"YOUR_COLUMN" under {section}',
                )
            )
    used = {spec.columns[k] for k in spec.columns if k in known} | set(columns)
    used.update(c.name[:10] for c in schema.columns if c.name in columns)
    extras = {c: frame[c] for c in present if c not in used and c not in known}
    data = pd.DataFrame({**columns, **extras}, index=frame.index)
    return gpd.GeoDataFrame(data, geometry=frame.geometry.to_numpy(), crs=frame.crs)


def _ids(frame: gpd.GeoDataFrame, schema: _Schema, where: _Where, report: _Report) -> list[str]:
    """The layer's ids as strings; rows without one are labelled ``row N``."""
    n = len(frame)
    rows = [f"row {i + 1}" for i in range(n)]
    if schema.id not in frame.columns:
        return rows
    values, _ = _apply(frame[schema.id], _id_string)
    missing = [rows[i] for i, v in enumerate(values) if v is None]
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


def _id_string(value: Any) -> str | None:
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    text = str(value).strip()
    return text or None


def _apply(series: pd.Series[Any], func: Any) -> tuple[list[Any], npt.NDArray[np.bool_]]:
    """``func`` of every given value (once per distinct value); ``None`` where missing."""
    values = series.to_numpy(dtype=object)
    missing = series.isna().to_numpy(dtype=bool)
    cache: dict[Any, Any] = {}
    out: list[Any] = []
    for value, absent in zip(values, missing, strict=True):
        if absent:
            out.append(None)
            continue
        try:
            result = cache[value]
        except KeyError:
            result = cache[value] = func(value)
        except TypeError:  # unhashable values, such as lists
            result = func(value)
        out.append(result)
    return out, missing


def _convert(
    frame: gpd.GeoDataFrame,
    column: _Column,
    ids: list[str],
    name: str,
    where: _Where,
    report: _Report,
) -> pd.Series[Any]:
    """Type one column, reporting bad values; absent optional columns get their default."""
    index = pd.RangeIndex(len(frame))
    col = column.name
    if col not in frame.columns:
        if column.kind in ("number", "int"):
            return pd.Series(np.full(len(frame), np.nan), index=index)
        if column.kind == "bool":
            return pd.Series(np.full(len(frame), bool(column.default)), index=index)
        return pd.Series([None] * len(frame), index=index, dtype=object)
    series = frame[col]
    missing = series.isna().to_numpy(dtype=bool)
    if column.nonnull and missing.any():
        report.problems.append(
            where.problem(
                f"{_count(int(missing.sum()))} no {col}",
                column=col,
                ids=[ids[i] for i in np.flatnonzero(missing)],
                fix=f"give every feature a {col}",
            )
        )
    if column.kind == "str":
        texts, _ = _apply(series, lambda v: str(v).strip())
        return pd.Series(texts, index=index, dtype=object)
    if column.kind == "enum":
        return _convert_enum(series, column, ids, name, where, report)
    if column.kind == "bool":
        return _convert_bool(series, column, ids, where, report)
    return _convert_number(series, column, ids, where, report)


_BAD = object()


def _convert_enum(
    series: pd.Series[Any],
    column: _Column,
    ids: list[str],
    name: str,
    where: _Where,
    report: _Report,
) -> pd.Series[Any]:
    col = column.name
    translated: dict[str, str] = {}

    def choose(value: Any) -> Any:
        text = str(value).strip()
        key = text.lower().replace(" ", "_").replace("-", "_")
        if key in column.choices:
            return key
        target = column.aliases.get(text, column.aliases.get(key))
        if target is None:
            return _BAD
        translated[text] = target
        return target

    out, _ = _apply(series, choose)
    bad = [i for i, v in enumerate(out) if v is _BAD]
    if translated:
        pairs = ", ".join(f"{k} as {v}" for k, v in translated.items())
        report.note(f"{name}: read {col} {pairs}")
    if bad:
        values = series.to_numpy(dtype=object)
        report.problems.append(
            where.problem(
                f"{_count(len(bad))} {_a(col)} that is not {_or_list(column.choices)} "
                f"(found: {_quoted(values[i] for i in bad)})",
                column=col,
                ids=[ids[i] for i in bad],
                fix=f"set {col} to one of {', '.join(column.choices)}, or map your column "
                f"with [inputs.{name}.columns]",
            )
        )
        for i in bad:
            out[i] = None
    return pd.Series(out, index=pd.RangeIndex(len(out)), dtype=object)


def _to_bool(value: Any) -> Any:
    if isinstance(value, bool | np.bool_):
        return bool(value)
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return _BAD


def _convert_bool(
    series: pd.Series[Any], column: _Column, ids: list[str], where: _Where, report: _Report
) -> pd.Series[Any]:
    col = column.name
    out, _ = _apply(series, _to_bool)
    bad = [i for i, v in enumerate(out) if v is _BAD]
    if bad:
        values = series.to_numpy(dtype=object)
        report.problems.append(
            where.problem(
                f"{_count(len(bad))} {_a(col)} value that is not true or false "
                f"(found: {_quoted(values[i] for i in bad)})",
                column=col,
                ids=[ids[i] for i in bad],
                fix="use true/false, 1/0, yes/no or 是/否",
            )
        )
    flags = [bool(column.default) if v is None or v is _BAD else v for v in out]
    return pd.Series(flags, index=pd.RangeIndex(len(out)), dtype=bool)


def _to_float(value: Any) -> Any:
    try:
        return float(value.strip()) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        return _BAD


def _convert_number(
    series: pd.Series[Any],
    column: _Column,
    ids: list[str],
    where: _Where,
    report: _Report,
) -> pd.Series[Any]:
    col = column.name
    n = len(series)
    bad: list[int] = []
    if series.dtype.kind in "iufb":
        numbers = series.to_numpy(dtype=float, na_value=np.nan)
    else:
        out, _ = _apply(series, _to_float)
        bad = [i for i, v in enumerate(out) if v is _BAD]
        numbers = np.array([np.nan if v is None or v is _BAD else v for v in out], dtype=float)
    if bad:
        values = series.to_numpy(dtype=object)
        report.problems.append(
            where.problem(
                f"{_count(len(bad))} {_a(col)} value that is not a number "
                f"(found: {_quoted(values[i] for i in bad)})",
                column=col,
                ids=[ids[i] for i in bad],
                fix=f"give {col} as a plain number",
            )
        )
    given = ~np.isnan(numbers)
    if column.minimum is not None:
        low = np.flatnonzero(given & (numbers < column.minimum))
        if low.size:
            what = (
                f"a negative {col} value"
                if column.minimum == 0
                else f"{col} below {column.minimum:g}"
            )
            if column.maximum is not None:
                what = f"{_a(col)} outside {column.minimum:g}–{column.maximum:g}"
            report.problems.append(
                where.problem(
                    f"{_count(low.size)} {what} (found: {_quoted(f'{numbers[i]:g}' for i in low)})",
                    column=col,
                    ids=[ids[i] for i in low],
                    fix=_range_fix(column),
                )
            )
    if column.maximum is not None:
        high = np.flatnonzero(given & (numbers > column.maximum))
        if high.size:
            report.problems.append(
                where.problem(
                    f"{_count(high.size)} {_a(col)} outside {column.minimum or 0:g}–"
                    f"{column.maximum:g} (found: {_quoted(f'{numbers[i]:g}' for i in high)})",
                    column=col,
                    ids=[ids[i] for i in high],
                    fix=_range_fix(column),
                )
            )
    if column.kind == "int":
        fraction = np.flatnonzero(given & (np.floor(numbers) != numbers))
        if fraction.size:
            report.problems.append(
                where.problem(
                    f"{_count(fraction.size)} {_a(col)} value that is not a whole number "
                    f"(found: {_quoted(f'{numbers[i]:g}' for i in fraction)})",
                    column=col,
                    ids=[ids[i] for i in fraction],
                    fix=f"give {col} as a whole number",
                )
            )
        if given.all() and not fraction.size:
            return pd.Series(numbers.astype(np.int64), index=pd.RangeIndex(n))
    return pd.Series(numbers, index=pd.RangeIndex(n))


def _range_fix(column: _Column) -> str:
    if column.name == "migrant_share":
        return "give migrant_share as a share between 0 and 1 (0.35 for 35%)"
    return f"give {column.name} as zero or more"


def _check_dwellings(out: dict[str, Any], ids: list[str], where: _Where, report: _Report) -> None:
    """R1: a new area's demand is its dwellings × persons per household."""
    status = out["status"].to_numpy()
    dwellings = out["dwellings"].to_numpy(dtype=float)
    lacking = np.flatnonzero((status == "new") & np.isnan(dwellings))
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


def _check_geometry(
    frame: gpd.GeoDataFrame,
    schema: _Schema,
    ids: list[str],
    name: str,
    where: _Where,
    report: _Report,
) -> npt.NDArray[np.object_]:
    """Check geometry presence and type, repair invalid geometries; returns the geometries."""
    geoms = np.asarray(frame.geometry.to_numpy(), dtype=object)
    empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if empty.any():
        report.problems.append(
            where.problem(
                f"{_count(int(empty.sum()))} no geometry",
                ids=[ids[i] for i in np.flatnonzero(empty)],
                fix="draw these features or delete them",
            )
        )
    families = np.array(
        [_FAMILY_OF_TYPE_ID.get(int(t), "?") for t in shapely.get_type_id(geoms)], dtype=object
    )
    wrong = ~empty & ~np.isin(families, list(schema.geometry))
    if wrong.any():
        found_names = sorted({g.geom_type for g in geoms[wrong]})
        expected = _or_list([_FAMILY_WORDS[f] for f in schema.geometry])
        report.problems.append(
            where.problem(
                f"{_count(int(wrong.sum()))} {'/'.join(found_names)} geometries where {expected} "
                "are expected",
                ids=[ids[i] for i in np.flatnonzero(wrong)],
                fix=f"give the {name} layer as {expected} features"
                + (" (the outlines, not centre points)" if schema.geometry == _POLYGON else ""),
            )
        )
    check = ~empty & ~wrong
    invalid = check & ~shapely.is_valid(geoms)
    if invalid.any():
        positions = np.flatnonzero(invalid)
        reasons = [str(shapely.is_valid_reason(geoms[i])) for i in positions]
        repaired = shapely.make_valid(geoms[positions], method="structure", keep_collapsed=False)
        families_after = np.array(
            [_FAMILY_OF_TYPE_ID.get(int(t), "?") for t in shapely.get_type_id(repaired)],
            dtype=object,
        )
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
            text = f"{name}: repaired {fixed.size} invalid {noun} with make_valid ({shown})"
            logger.warning("%s", text)
            report.notes.append(text)
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


# --------------------------------------------------------------------------- rasters


@dataclass(frozen=True)
class _Raster:
    path: Path
    crs: pyproj.CRS
    bounds: tuple[float, float, float, float]


def _check_raster(spec: RasterSpec, name: str, report: _Report) -> _Raster | None:
    """Open a raster and check its CRS, band and content."""
    path = Path(spec.path)
    where = _Where(str(path), name)
    section = f"[inputs.{name}]"
    if not path.exists():
        report.problems.append(
            where.problem(
                "the raster file does not exist",
                fix=f"check the path under {section} (a relative path is read from the "
                "scenario file's folder)",
            )
        )
        return None
    if path.is_file() and path.stat().st_size == 0:
        report.problems.append(
            where.problem("the raster file is empty (0 bytes)", fix="export the raster again")
        )
        return None
    report.files[name] = path
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", rasterio.errors.NotGeoreferencedWarning)
            with rasterio.open(path) as src:
                return _inspect_raster(src, spec, name, path, where, report)
    except (rasterio.errors.RasterioError, OSError, ValueError) as exc:
        report.problems.append(
            where.problem(
                f"the file cannot be read as a raster ({_gdal_message(exc)})",
                fix="give a GeoTIFF of persons per cell and check that it is not damaged",
            )
        )
        return None


def _inspect_raster(
    src: Any, spec: RasterSpec, name: str, path: Path, where: _Where, report: _Report
) -> _Raster | None:
    section = f"[inputs.{name}]"
    ok = True
    if not 1 <= spec.band <= src.count:
        report.problems.append(
            where.problem(
                f"band = {spec.band} under {section}, but the raster has {src.count} "
                f"band{'s' if src.count != 1 else ''}",
                fix=f"set band to a number from 1 to {src.count}",
            )
        )
        return None
    crs: pyproj.CRS | None = None
    if src.crs is not None:
        crs = pyproj.CRS.from_user_input(src.crs.to_wkt())
    elif spec.crs is not None:
        try:
            crs = pyproj.CRS.from_user_input(spec.crs)
        except CRSError as exc:
            report.problems.append(
                where.problem(
                    f"crs = '{spec.crs}' under {section} is not a CRS pyproj knows ({exc})",
                    fix='give an EPSG code such as crs = "EPSG:4544"',
                )
            )
            ok = False
        else:
            report.note(f"{name}: the raster has no CRS; assumed {spec.crs} from the scenario")
    else:
        report.problems.append(
            where.problem(
                "the raster has no CRS (coordinate reference system)",
                fix="define the CRS in the GeoTIFF, or say which CRS it is in with "
                f'crs = "EPSG:4326" (for example) under {section}',
            )
        )
        ok = False
    if src.transform.is_identity:
        report.problems.append(
            where.problem(
                "the raster is not georeferenced (it has no geotransform)",
                fix="export the raster again with its georeferencing",
            )
        )
        ok = False
    nodata = src.nodatavals[spec.band - 1]
    if nodata is None and not (src.mask_flag_enums[spec.band - 1] and _has_mask(src, spec.band)):
        report.note(f"{name}: the raster declares no nodata value; every cell counts as population")
    if not _has_population(src, spec.band):
        report.problems.append(
            where.problem(
                f"every cell of band {spec.band} is nodata or zero (all-nodata): the raster holds "
                "no population",
                fix="check the raster's nodata value and that this is the raster you meant",
            )
        )
        ok = False
    if not ok or crs is None:
        return None
    left, bottom, right, top = src.bounds
    return _Raster(path, crs, (float(left), float(bottom), float(right), float(top)))


def _has_mask(src: Any, band: int) -> bool:
    from rasterio.enums import MaskFlags

    return MaskFlags.all_valid not in src.mask_flag_enums[band - 1]


def _has_population(src: Any, band: int) -> bool:
    """Whether any valid cell is positive, scanning strips and stopping at the first."""
    rows = max(1, min(src.height, _RASTER_SCAN_CELLS // max(src.width, 1)))
    for start in range(0, src.height, rows):
        window = rasterio.windows.Window(0, start, src.width, min(rows, src.height - start))
        block = src.read(band, window=window, masked=True)
        values = np.ma.filled(block.astype(float), np.nan)
        if np.any(values[np.isfinite(values)] > 0):
            return True
    return False


# --------------------------------------------------------------------------- CRS and overlap


def _working_crs(crs: str | pyproj.CRS | None, report: _Report) -> pyproj.CRS | None:
    if crs is None:
        return None
    fix = (
        'set crs to a projected CRS in metres, such as crs = "EPSG:4544" (CGCS2000 3° '
        "Gauss–Krüger, central meridian 105°E) for Guangyuan, or leave it out to use the UTM "
        "zone of the study area"
    )
    try:
        parsed = pyproj.CRS.from_user_input(crs)
    except CRSError as exc:
        report.problems.append(
            Problem(f"the scenario key 'crs' = '{crs}' is not a CRS pyproj knows ({exc})", fix=fix)
        )
        return None
    units = {a.unit_name for a in parsed.axis_info}
    if not parsed.is_projected or not units <= {"metre", "meter"}:
        what = "geographic (degrees)" if parsed.is_geographic else f"in {', '.join(sorted(units))}"
        report.problems.append(
            Problem(
                f"the scenario key 'crs' = '{crs}' is {what}, but siting measures distances "
                "and areas in metres",
                fix=fix,
            )
        )
        return None
    return parsed


def _utm_crs(frame: gpd.GeoDataFrame) -> pyproj.CRS | None:
    """The UTM zone (WGS 84) at the centre of the layer's bounds."""
    geoms = frame.geometry[frame.geometry.notna() & ~frame.geometry.is_empty]
    if len(geoms) == 0:
        return None
    lonlat = _transform_bounds(
        geoms.total_bounds, pyproj.CRS.from_user_input(frame.crs), pyproj.CRS("EPSG:4326")
    )
    if lonlat is None:
        return None
    lon, lat = (lonlat[0] + lonlat[2]) / 2, (lonlat[1] + lonlat[3]) / 2
    found = query_utm_crs_info(
        datum_name="WGS 84",
        area_of_interest=AreaOfInterest(
            west_lon_degree=lon, south_lat_degree=lat, east_lon_degree=lon, north_lat_degree=lat
        ),
    )
    if not found:
        return None
    return pyproj.CRS.from_epsg(int(found[0].code))


def _crs_label(crs: pyproj.CRS) -> str:
    code = crs.to_epsg()
    return f"EPSG:{code}" if code is not None else crs.name


def _fmt_bounds(bounds: Sequence[float], crs: pyproj.CRS) -> str:
    digits = 4 if crs.is_geographic else 0
    return "(" + ", ".join(f"{b:.{digits}f}" for b in bounds) + ")"


@functools.lru_cache(maxsize=32)
def _transformer(src: pyproj.CRS, dst: pyproj.CRS) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(src, dst, always_xy=True)


def _transform_bounds(
    bounds: Sequence[float], src: pyproj.CRS, dst: pyproj.CRS
) -> tuple[float, float, float, float] | None:
    try:
        transformer = _transformer(src, dst)
        out = transformer.transform_bounds(
            bounds[0], bounds[1], bounds[2], bounds[3], densify_pts=21
        )
    except Exception:  # pyproj raises on points it cannot project
        return None
    if not all(math.isfinite(v) for v in out):
        return None
    return (float(out[0]), float(out[1]), float(out[2]), float(out[3]))


def _far_problem(
    where: _Where,
    what: str,
    own_bounds: Sequence[float],
    own_crs: pyproj.CRS,
    study: shapely.Polygon,
    work: pyproj.CRS,
    *,
    noun: str = "layer",
) -> Problem:
    study_bounds: Sequence[float] = study.bounds
    shown_crs = work
    in_own = _transform_bounds(study.bounds, work, own_crs)
    if in_own is not None:
        study_bounds, shown_crs = in_own, own_crs
    return where.problem(
        f"{what} lies nowhere near the study area (its bounds {_fmt_bounds(own_bounds, own_crs)} "
        f"in {_crs_label(own_crs)}; the study area's {_fmt_bounds(study_bounds, shown_crs)} "
        f"in {_crs_label(shown_crs)})",
        fix=f"check the {noun}'s CRS — a {noun} in EPSG:4544 metres declared as EPSG:4326 lands "
        "far away — and that it covers the same city as the areas",
    )


def _reproject(
    frame: gpd.GeoDataFrame,
    name: str,
    work: pyproj.CRS,
    study: shapely.Polygon | None,
    where: _Where,
    report: _Report,
) -> gpd.GeoDataFrame:
    """Reproject one layer to the working CRS and check it lies in the study area."""
    assert frame.crs is not None
    own_crs = pyproj.CRS.from_user_input(frame.crs)
    own_bounds = frame.total_bounds
    moved = frame.to_crs(work) if not own_crs.equals(work) else frame
    bounds = shapely.bounds(np.asarray(moved.geometry.to_numpy(), dtype=object))
    finite = np.isfinite(bounds).all(axis=1)
    present = ~(shapely.is_missing(moved.geometry.to_numpy()) | moved.geometry.is_empty.to_numpy())
    lost = present & ~finite
    if lost.any() and finite[present].any():
        report.problems.append(
            where.problem(
                f"{_count(int(lost.sum()))} coordinates that cannot be expressed in "
                f"{_crs_label(work)} (they lie outside the range of {_crs_label(own_crs)})",
                ids=[str(i) for i in moved.index[lost]],
                fix="check these features' coordinates and the layer's CRS",
            )
        )
    if study is not None:
        good = bounds[finite & present]
        near = False
        if len(good):
            box = shapely.box(*good[:, :2].min(axis=0), *good[:, 2:].max(axis=0))
            near = bool(box.intersects(study))
        if not near:
            report.problems.append(
                _far_problem(where, f"layer '{name}'", own_bounds, own_crs, study, work)
            )
    return moved


# --------------------------------------------------------------------------- districts


def _assign(
    target: gpd.GeoDataFrame,
    column: str,
    units: gpd.GeoDataFrame,
    *,
    by_overlap: bool,
    name: str,
    source: str,
    report: _Report,
) -> gpd.GeoDataFrame:
    """Fill null ``column`` values from the unit containing each feature."""
    need = target[column].isna().to_numpy()
    if not need.any() or len(units) == 0:
        return target
    geoms = np.asarray(target.geometry.to_numpy(), dtype=object)[need]
    unit_geoms = np.asarray(units.geometry.to_numpy(), dtype=object)
    unit_ids = np.asarray(units.index.to_numpy(), dtype=object)
    tree = shapely.STRtree(unit_geoms)
    found: list[str | None] = [None] * len(geoms)
    polygonal = shapely.get_type_id(geoms) == 3
    polygonal |= shapely.get_type_id(geoms) == 6
    if by_overlap and polygonal.any():
        left, right = tree.query(geoms, predicate="intersects")
        keep = polygonal[left]
        left, right = left[keep], right[keep]
        if left.size:
            areas = shapely.area(shapely.intersection(geoms[left], unit_geoms[right]))
            order = np.lexsort((-areas, left))
            first = np.unique(left[order], return_index=True)[1]
            for i, j in zip(left[order][first], right[order][first], strict=True):
                found[int(i)] = str(unit_ids[j])
    rest = np.array([f is None for f in found]) & ~shapely.is_empty(geoms)
    rest &= ~shapely.is_missing(geoms)
    if rest.any():
        points = shapely.point_on_surface(geoms[rest])
        left, right = tree.query(points, predicate="within")
        positions = np.flatnonzero(rest)
        first = np.unique(left, return_index=True)[1]
        for i, j in zip(left[first], right[first], strict=True):
            found[int(positions[i])] = str(unit_ids[j])
    values = target[column].to_numpy(dtype=object).copy()
    values[np.flatnonzero(need)] = found
    out = target.copy()
    out[column] = pd.Series(list(values), index=target.index, dtype=object)
    assigned = sum(f is not None for f in found)
    how = "largest overlap" if by_overlap else "the unit containing each feature"
    plural = "s" if assigned != 1 else ""
    text = f"{name}: assigned {column} to {assigned} feature{plural} from {source} ({how})"
    unplaced = len(found) - assigned
    if unplaced:
        text += f"; {unplaced} lie in none"
    report.note(text)
    return out


def _check_references(
    frame: gpd.GeoDataFrame,
    column: str,
    units: gpd.GeoDataFrame,
    where: _Where,
    report: _Report,
) -> None:
    values = frame[column]
    given = values.notna().to_numpy()
    unknown = given & ~values.isin(set(units.index.astype(str))).to_numpy()
    if unknown.any():
        target = column.removesuffix("_id") + "s"
        report.problems.append(
            where.problem(
                f"{_count(int(unknown.sum()))} {_a(column)} that is not in {target} "
                f"(found: {_quoted(values[unknown])})",
                column=column,
                ids=[str(i) for i in frame.index[unknown]],
                fix=f"use the {column} values of the {target} layer, or leave {column} empty "
                f"to assign it from the {target}' outlines",
            )
        )


# --------------------------------------------------------------------------- public API


def read_layer(
    spec: LayerSpec, *, name: str, crs: str | pyproj.CRS | None = None
) -> gpd.GeoDataFrame:
    """Read, validate and normalize one vector layer.

    Parameters
    ----------
    spec
        Where the layer is and how its columns map to ``siting``'s names.
    name
        Which ``siting`` layer it is, and so which schema applies: one of
        :data:`LAYER_NAMES` (``"areas"``, ``"parcels"``, ...).
    crs
        Reproject to this CRS. ``None`` keeps the layer's own CRS (the
        ``spec.crs`` one if the file has none).

    Returns
    -------
    geopandas.GeoDataFrame
        The layer indexed by its id (``area_id``, ``site_id``, ...), with the
        schema's columns first, then any other columns of the file.

    Raises
    ------
    InputError
        With every problem found in the layer.
    ValueError
        If ``name`` is not a layer ``siting`` knows.

    Examples
    --------
    >>> from siting.scenario import LayerSpec
    >>> read_layer(LayerSpec(path="missing.gpkg"), name="areas")
    Traceback (most recent call last):
    ...
    siting.errors.InputError: 1 problem with the inputs:
      - file missing.gpkg, layer 'areas': the file does not exist. Fix: check the path under [inputs.areas] (a relative path is read from the scenario file's folder)
    """  # noqa: E501
    report = _Report()
    work = None
    if crs is not None:
        try:
            work = pyproj.CRS.from_user_input(crs)
        except CRSError as exc:
            raise InputError(
                [Problem(f"crs = '{crs}' is not a CRS pyproj knows ({exc})")]
            ) from None
    frame, where = _read(spec, name, report)
    if frame is not None and frame.crs is not None:
        if work is not None:
            frame = _reproject(frame, name, work, None, where, report)
        if name == "parcels":
            frame = _fill_land_area(frame, report)
    if report.problems:
        raise InputError(report.problems)
    assert frame is not None
    for text in report.notes:
        logger.info("%s", text)
    return frame


def _fill_land_area(frame: gpd.GeoDataFrame, report: _Report) -> gpd.GeoDataFrame:
    need = frame["land_area_m2"].isna().to_numpy()
    if not need.any():
        return frame
    metric = frame
    if frame.crs is not None and not pyproj.CRS.from_user_input(frame.crs).is_projected:
        metric = frame.to_crs(frame.estimate_utm_crs())
    with np.errstate(invalid="ignore"):  # features that could not be reprojected
        area = shapely.area(np.asarray(metric.geometry.to_numpy(), dtype=object))
    area = np.nan_to_num(np.asarray(area, dtype=float), posinf=0.0)
    out = frame.copy()
    values = out["land_area_m2"].to_numpy(dtype=float).copy()
    values[need] = area[need]
    out["land_area_m2"] = values
    report.note(
        f"parcels: computed land_area_m2 of {int(need.sum())} parcel"
        f"{'s' if need.sum() != 1 else ''} from the geometry (0 for points)"
    )
    return out


@dataclass
class _Loaded:
    report: _Report
    crs: pyproj.CRS | None = None
    crs_chosen: bool = False
    layers: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)
    population: _Raster | None = None
    migrant: _Raster | None = None


def _load(spec: InputsSpec, crs: str | pyproj.CRS | None) -> _Loaded:
    report = _Report()
    loaded = _Loaded(report)
    work = _working_crs(crs, report)
    wheres: dict[str, _Where] = {}
    raw: dict[str, gpd.GeoDataFrame] = {}
    for name in LAYER_NAMES:
        layer_spec: LayerSpec | None = getattr(spec, name)
        if layer_spec is None:
            continue
        frame, where = _read(layer_spec, name, report)
        wheres[name] = where
        if frame is not None:
            raw[name] = frame
    loaded.population = _check_raster(spec.population, "population", report)
    if spec.migrant_population is not None:
        loaded.migrant = _check_raster(spec.migrant_population, "migrant_population", report)
    if spec.streets is not None:
        streets = Path(spec.streets)
        if streets.exists():
            report.files["streets"] = streets
        else:
            report.problems.append(
                Problem(
                    "the street network file does not exist",
                    file=str(streets),
                    layer="streets",
                    fix="check streets under [inputs], or leave it out to use straight-line "
                    "distances × the detour factor",
                )
            )

    areas = raw.get("areas")
    if crs is None and areas is not None and areas.crs is not None:
        work = _utm_crs(areas)
        if work is None:
            report.problems.append(
                wheres["areas"].problem(
                    "siting cannot pick a working CRS: the areas' coordinates "
                    f"{_fmt_bounds(areas.total_bounds, pyproj.CRS(areas.crs))} do not lie on "
                    f"the Earth in {_crs_label(pyproj.CRS(areas.crs))}",
                    fix="check the layer's CRS, or set crs in the scenario",
                )
            )
        else:
            loaded.crs_chosen = True
            report.note(
                f"working CRS: chose {_crs_label(work)} ({work.name}), the UTM zone of the study "
                'area; set crs in the scenario to use another (for Guangyuan, crs = "EPSG:4544")'
            )
    elif work is not None:
        report.note(f"working CRS: {_crs_label(work)} ({work.name}) from the scenario")
    loaded.crs = work
    if work is None:
        return loaded

    # the study area: the areas' box + 2 km, and the districts' box
    study: shapely.Polygon | None = None
    if areas is not None and areas.crs is not None:
        areas = _reproject(areas, "areas", work, None, wheres["areas"], report)
        raw["areas"] = areas
        good = areas.geometry[~areas.geometry.is_empty & areas.geometry.notna()]
        if len(good):
            study = shapely.box(*good.total_bounds).buffer(_STUDY_AREA_BUFFER_M, join_style="mitre")
    districts = raw.get("districts")
    if districts is not None and districts.crs is not None:
        districts = _reproject(districts, "districts", work, study, wheres["districts"], report)
        raw["districts"] = districts
        good = districts.geometry[~districts.geometry.is_empty & districts.geometry.notna()]
        finite = np.isfinite(good.total_bounds).all() if len(good) else False
        if finite:
            box = shapely.box(*good.total_bounds)
            study = box if study is None else shapely.box(*study.union(box).bounds)
    for name in LAYER_NAMES:
        if name in ("areas", "districts") or name not in raw or raw[name].crs is None:
            continue
        raw[name] = _reproject(raw[name], name, work, study, wheres[name], report)
    for role, raster in (("population", loaded.population), ("migrant_population", loaded.migrant)):
        if raster is None or study is None:
            continue
        box = _transform_bounds(raster.bounds, raster.crs, work)
        if box is None or not shapely.box(*box).intersects(study):
            where = _Where(str(raster.path), role)
            report.problems.append(
                _far_problem(
                    where, "the raster", raster.bounds, raster.crs, study, work, noun="raster"
                )
            )

    # normalization that needs the working CRS
    if "parcels" in raw and raw["parcels"].crs is not None:
        raw["parcels"] = _fill_land_area(raw["parcels"], report)
    projected = {n: f for n, f in raw.items() if f.crs is not None}
    districts = projected.get("districts")
    subdistricts = projected.get("subdistricts")
    if districts is not None:
        for name in ("areas", "parcels", "facilities", "subdistricts"):
            if name in projected:
                projected[name] = _assign(
                    projected[name],
                    "district_id",
                    districts,
                    by_overlap=name in ("areas", "subdistricts"),
                    name=name,
                    source="districts",
                    report=report,
                )
                _check_references(projected[name], "district_id", districts, wheres[name], report)
    if subdistricts is not None and "areas" in projected:
        projected["areas"] = _assign(
            projected["areas"],
            "subdistrict_id",
            subdistricts,
            by_overlap=True,
            name="areas",
            source="subdistricts",
            report=report,
        )
        _check_references(
            projected["areas"], "subdistrict_id", subdistricts, wheres["areas"], report
        )
    loaded.layers = projected
    return loaded


def validate(spec: InputsSpec, *, crs: str | pyproj.CRS | None = None) -> list[Problem]:
    """Every problem with the inputs, without raising.

    Parameters
    ----------
    spec
        The scenario's inputs.
    crs
        The working CRS (the scenario's ``crs``); ``None`` picks the UTM zone
        of the study area.

    Returns
    -------
    list of Problem
        Empty when the inputs are usable.
    """
    return list(_load(spec, crs).report.problems)


def load_inputs(spec: InputsSpec, *, crs: str | pyproj.CRS | None = None) -> Inputs:
    """Read every input, validate it and reproject it to the working CRS.

    Parameters
    ----------
    spec
        The scenario's inputs.
    crs
        The working CRS, projected in metres (the scenario's ``crs``). ``None``
        picks the UTM zone of the study area and says so in :attr:`Inputs.notes`.

    Returns
    -------
    Inputs
        Every layer normalized, with the notes of repairs and choices made.

    Raises
    ------
    InputError
        With every problem found, in every layer and raster, at once.
    """
    loaded = _load(spec, crs)
    report = loaded.report
    if report.problems:
        raise InputError(report.problems)
    assert loaded.crs is not None
    assert loaded.population is not None
    layers = loaded.layers
    return Inputs(
        crs=loaded.crs,
        crs_chosen=loaded.crs_chosen,
        areas=layers["areas"],
        parcels=layers["parcels"],
        facilities=layers.get("facilities"),
        districts=layers.get("districts"),
        subdistricts=layers.get("subdistricts"),
        workplaces=layers.get("workplaces"),
        hazards=layers.get("hazards"),
        population=loaded.population.path,
        population_crs=loaded.population.crs,
        migrant_population=loaded.migrant.path if loaded.migrant is not None else None,
        streets=report.files.get("streets"),
        notes=tuple(report.notes),
        files=dict(report.files),
        migrant_population_crs=loaded.migrant.crs if loaded.migrant is not None else None,
    )
