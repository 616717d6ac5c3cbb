"""Write a plan to a folder: GeoJSON, GeoPackage, CSV and ``run.json``, whole or not at all.

Everything is written into a staging folder beside the target and swapped
into place only when every file is complete, so a failed run never leaves a
half-written output folder (and never touches a previous one until then).
The target is checked, locked and recovered from a stopped run first by
:mod:`siting.outdir`, which refuses to write over inputs or other files.

* GeoJSON files are WGS84 lon/lat (RFC 7946), UTF-8, with Chinese names intact.
* ``plan.gpkg`` holds the land-use layers in the working CRS (for Guangyuan,
  CGCS2000 3° Gauss–Krüger, EPSG:4544), for QGIS and the territorial spatial
  plan (国土空间规划), with stable ids and typed fields, and a QGIS style per
  layer (its ``layer_styles`` table) in the web map's colours.
* On request, the files a bureau files (:mod:`siting.handin`).
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any, TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd

from siting.handin import write_handin, write_qgis_styles
from siting.outdir import (
    PLAN_MARKER,
    claim_output,
    record_files,
    replace_folder,
    staging_folder,
    write_failure,
)
from siting.plan import WRITTEN_SLOTS_STEP, Plan
from siting.report import currency_of

__all__ = ["GEOJSON_LAYERS", "write_plan"]

GEOJSON_LAYERS = (
    "facilities",
    "areas",
    "area_points",
    "candidates",
    "districts",
    "hazards",
    "service_lines",
    "residual",
)


def _layers(plan: Plan) -> dict[str, gpd.GeoDataFrame]:
    layers: dict[str, gpd.GeoDataFrame | None] = {
        "facilities": _as_whole(plan.facilities, WHOLE_SLOTS),
        "areas": _as_written(plan.areas, ("served_slots", "shortfall_slots")),
        "area_points": None
        if plan.area_points is None
        else _as_written(plan.area_points, ("served_slots", "shortfall_slots")),
        "candidates": plan.candidates,
        "districts": None
        if plan.district_shapes is None
        else _as_whole(plan.district_shapes, DISTRICT_WHOLE_SLOTS),
        "hazards": plan.hazards,
        "service_lines": None
        if plan.service_lines is None
        else _as_written(plan.service_lines, ("slots",)),
        "residual": plan.residual,
    }
    return {k: v for k, v in layers.items() if v is not None}


FrameT = TypeVar("FrameT", bound=pd.DataFrame)
_SLOT_DECIMALS = round(-np.log10(WRITTEN_SLOTS_STEP))

WHOLE_SLOTS = ("slots", "existing_slots", "new_slots")
"""A facility's slots: whole by construction (whole classes, existing slots, additions
rounded by :func:`siting.plan.extract`), written as integer fields."""


DISTRICT_WHOLE_SLOTS = ("planned_slots", "new_slots", "affordable_slots")
"""A district's sums of its facilities' slots, written as integer fields too."""


def _as_whole(frame: FrameT, columns: tuple[str, ...]) -> FrameT:
    """``frame`` with its ``columns`` as 64-bit integers where every value is whole.

    A plan keeps slots as floats; written so, QGIS, ArcGIS and the dBASE file showed
    a facility's 80 slots as the Real 80.0. A column with a missing or fractional
    value is left as it is.
    """
    out: FrameT = frame.copy()
    for column in (c for c in columns if c in frame.columns):
        values = pd.to_numeric(out[column], errors="coerce").to_numpy(dtype=float)
        if np.isfinite(values).all() and (values == np.round(values)).all():
            out[column] = values.astype(np.int64)
    return out


def _as_written(frame: FrameT, columns: tuple[str, ...]) -> FrameT:
    """``frame`` with its slots ``columns`` rounded to :data:`siting.plan.WRITTEN_SLOTS_STEP`.

    A plan keeps its slots as solved, so that served and shortfall slots add up
    (an area served exactly has a shortfall of exactly 0); its files show them
    to 0.001 slot, which :func:`siting.plan.verify` allows for.
    """
    present = [c for c in columns if c in frame.columns]
    if not present:
        return frame
    out: FrameT = frame.copy()
    for column in present:
        out[column] = np.round(pd.to_numeric(out[column], errors="coerce"), _SLOT_DECIMALS)
    return out


NOISE = 1e-9
"""Written numbers closer to 0 than this are 0: float sums leave -0.0, 4e-15 slots and
-6e-15 residual people, which read as "negative" or "needs slots" in QGIS."""


def _without_noise(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its float columns' near-zero values (and -0.0) written as 0."""
    floats = [c for c in frame.columns if pd.api.types.is_float_dtype(frame[c])]
    if not floats:
        return frame
    out = frame.copy()
    for col in floats:
        values = out[col].to_numpy(dtype=float, copy=True)
        values[np.abs(values) < NOISE] = 0.0
        out[col] = values
    return out


def _plain(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Index to column, object columns that hold lists or dicts to text, float noise to 0."""
    out = _without_noise(frame.reset_index(drop=frame.index.name is None))
    for col in out.columns:
        if col == out.geometry.name or out[col].dtype != object:
            continue
        if out[col].map(lambda v: isinstance(v, (list, dict, tuple))).any():
            out[col] = out[col].map(
                lambda v: json.dumps(v, ensure_ascii=False) if isinstance(v, (list, dict)) else v
            )
    return out


GEOJSON_DECIMALS = 7
"""Decimals of a degree GDAL's RFC 7946 GeoJSON writer keeps (its COORDINATE_PRECISION)."""


def _geojson_frame(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``frame`` in EPSG:4326 with its coordinates rounded as the GeoJSON file keeps them.

    GDAL's RFC 7946 writer rounds each vertex to :data:`GEOJSON_DECIMALS` decimals
    of a degree (about 1 cm) and writes what the rounding collapses as lines: a
    repaired self-intersecting district, whose thin slivers (0.002 m²) became
    lines, was written as a GeometryCollection of a polygon and lines, which
    QGIS and web maps do not draw as the district. The coordinates are rounded
    here first; a polygon the rounding would make invalid is snapped by GEOS's
    precision reducer instead (:func:`shapely.set_precision`), which drops
    what collapses, and only its polygonal parts are kept, as a MultiPolygon if
    it was one. GDAL's rounding then changes nothing.
    """
    import shapely

    out = frame.to_crs(4326)
    geoms = np.asarray(out.geometry.to_numpy(), dtype=object)
    grid = 10.0**-GEOJSON_DECIMALS
    rounded = shapely.set_precision(geoms, grid, mode="pointwise")
    broken = np.flatnonzero(shapely.is_valid(geoms) & ~shapely.is_valid(rounded))
    for i in broken:
        snapped = shapely.set_precision(geoms[i], grid)
        if geoms[i].geom_type in ("Polygon", "MultiPolygon"):
            parts = [p for p in shapely.get_parts(snapped) if p.geom_type == "Polygon"]
            if not parts:  # the whole polygon is under a centimetre: GDAL writes it
                continue
            multi = geoms[i].geom_type == "MultiPolygon" or len(parts) > 1
            snapped = shapely.MultiPolygon(parts) if multi else parts[0]
        elif snapped.is_empty:
            continue
        rounded[i] = snapped
    out[out.geometry.name] = gpd.GeoSeries(rounded, index=out.index, crs=out.crs)
    return out


def _write_geojson(frame: gpd.GeoDataFrame, path: Path) -> None:
    """Write a layer as RFC 7946 GeoJSON (lon/lat, 7 decimals), polygons kept polygons."""
    _geojson_frame(frame).to_file(
        path,
        driver="GeoJSON",
        engine="pyogrio",
        layer_options={"RFC7946": "YES", "WRITE_NAME": "NO"},
    )


_FEATURE_COLLECTION = '"type": "FeatureCollection",\n'
"""How GDAL's GeoJSON writer opens a file, before its ``name``, ``crs`` and features."""


def _write_working_geojson(frame: gpd.GeoDataFrame, path: Path) -> None:
    """Write a layer as GeoJSON in its own CRS, named in the file's ``crs`` member.

    GDAL names a CRS there only by its EPSG code (``urn:ogc:def:crs:EPSG::4544``).
    A bureau's own CRS has none (CGCS2000 Gauss–Krüger on a city's central
    meridian, from an ArcGIS ``.prj``), and the file held metres with no ``crs``
    member, which every reader takes for WGS 84 degrees. Its ``crs`` member then
    holds the CRS's WKT, which GDAL (and so QGIS) reads; ``plan.gpkg`` and the
    shapefiles hold the same CRS in their own ways.
    """
    frame.to_file(path, driver="GeoJSON", engine="pyogrio")
    if frame.crs is None or frame.crs.to_epsg() is not None:
        return
    text = path.read_text(encoding="utf-8")
    if '"crs":' in text.split('"features":', 1)[0]:
        return
    member = json.dumps({"type": "name", "properties": {"name": frame.crs.to_wkt()}})
    head, found, tail = text.partition(_FEATURE_COLLECTION)
    if not found:  # a GDAL that opens the file otherwise: write it through json
        raw = json.loads(text)
        text = json.dumps({"type": raw.pop("type"), "crs": json.loads(member), **raw})
    else:
        text = f'{head}{found}"crs": {member},\n{tail}'
    path.write_text(text, encoding="utf-8")


def write_plan(
    plan: Plan,
    out_dir: str | Path,
    *,
    working_crs_geojson: bool = False,
    map_and_report: bool = True,
    language: str = "zh",
    handin: bool = False,
    division: str | None = None,
    shapefile: bool = False,
    shapefile_encoding: str = "utf-8",
    replace: bool = False,
    basemap: str = "osm",
) -> Path:
    """Write every output file of a plan.

    Parameters
    ----------
    plan
        The plan.
    out_dir
        The folder to create, or an earlier plan's folder to replace. Refused
        (see :mod:`siting.outdir`) when it is or holds an input, is a file, or is a
        folder that is not a plan.
    working_crs_geojson
        Also write each GeoJSON layer in the working CRS as ``<layer>.<epsg>.geojson``
        (``<layer>.working.geojson`` with the CRS's WKT in its ``crs`` member, for a
        CRS that has no EPSG code).
    map_and_report
        Also write ``map.html``, ``report.html`` and ``report.md`` (inside the same
        all-or-nothing write).
    language
        ``"zh"`` or ``"en"`` labels for the map and report.
    handin
        Also write the files a bureau files (:mod:`siting.handin`): ``plan.gdb``,
        ``plan.jpg`` (300 dpi), ``districts.xlsx`` and ``facilities.xlsx``.
        ``plan.gpkg`` always carries its QGIS styles.
    division
        Name the hand-in files by this 6-digit division code and its district's
        name (``510802利州区_plan.gdb``); implies ``handin``.
    shapefile
        Also write every layer as a shapefile (``shapefile/``, UTF-8 with ``.cpg``).
    shapefile_encoding
        ``"gbk"`` writes the shapefiles in GBK (``.cpg`` 936), for readers that ignore
        the ``.cpg``; implies ``shapefile``.
    replace
        Replace an earlier plan's folder even when it holds files the plan did not write.
    basemap
        The map's base map: ``"osm"``, ``"none"`` (offline, no tiles), ``"tianditu"``,
        ``"gaode"`` or a tile URL template (see :func:`siting.maps.plan_map`).

    Returns
    -------
    Path
        The output folder.

    Raises
    ------
    OutputError
        If ``out_dir`` is refused, or another run is writing to it.
    """
    inputs = [entry["path"] for entry in plan.run.get("inputs", {}).values()]
    with claim_output(out_dir, inputs=inputs, replace=replace) as out:
        _write_into(
            plan,
            out,
            working_crs_geojson=working_crs_geojson,
            map_and_report=map_and_report,
            language=language,
            handin=handin,
            division=division,
            shapefile=shapefile,
            shapefile_encoding=shapefile_encoding,
            basemap=basemap,
        )
    return out


def _write_into(
    plan: Plan,
    out: Path,
    *,
    working_crs_geojson: bool,
    map_and_report: bool,
    language: str,
    handin: bool,
    division: str | None,
    shapefile: bool,
    shapefile_encoding: str = "utf-8",
    basemap: str = "osm",
) -> None:
    """Write the files into a staging folder beside ``out``, then swap it in."""
    began = time.perf_counter()
    tmp = staging_folder(out)
    writing: str | None = None  # the file GDAL or SQLite writes, for a failure's message
    try:
        layers = {name: _plain(gdf) for name, gdf in _layers(plan).items()}
        for name, gdf in layers.items():
            writing = f"{name}.geojson"
            _write_geojson(gdf, tmp / writing)
            if working_crs_geojson and gdf.crs is not None:
                writing = f"{name}.{gdf.crs.to_epsg() or 'working'}.geojson"
                _write_working_geojson(gdf, tmp / writing)
            writing = "plan.gpkg"
            gdf.to_file(tmp / writing, layer=name, driver="GPKG", engine="pyogrio")
        write_qgis_styles(tmp / "plan.gpkg", layers, language=language)
        writing = None
        _as_written(plan.assignments, ("slots",)).to_csv(tmp / "assignments.csv", index=False)
        by_year = plan.district_years  # a phased plan: one row per district and year
        table = plan.districts if by_year is None else by_year
        # 12 significant digits: 44438.8 people, not 44438.799999999996
        _without_noise(table.reset_index()).to_csv(
            tmp / "districts.csv", index=False, float_format="%.12g"
        )
        _write_run_json(tmp, {PLAN_MARKER: 1, **plan.run})
        shapefile = shapefile or shapefile_encoding.lower() != "utf-8"
        if handin or division or shapefile:
            writing = "the hand-in files"
            write_handin(
                layers,
                plan.districts,
                tmp,
                handin=handin or division is not None,
                division=division,
                shapefile=shapefile,
                shapefile_encoding=shapefile_encoding,
                title=str(plan.run.get("scenario", {}).get("name", "") or ""),
                currency=currency_of(plan.run),
                language=language,
            )
            writing = None
        if map_and_report:
            from siting.maps import save_map
            from siting.report import write_report

            save_map(tmp, language=language, basemap=basemap)
            write_report(tmp, language=language)
        _replace_dir(tmp, out, write_s=time.perf_counter() - began)
    except BaseException as exc:
        # before the staging folder frees its space
        failure = write_failure(exc, out, file=writing)
        shutil.rmtree(tmp, ignore_errors=True)
        if failure is not None:
            raise failure from exc
        raise


def _json_default(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, (set, tuple)):
        return list(value)
    if pd.isna(value):
        return None
    raise TypeError(f"cannot write {type(value).__name__} to run.json")


def _write_run_json(folder: Path, run: dict[str, Any]) -> None:
    (folder / "run.json").write_text(
        json.dumps(run, ensure_ascii=False, indent=2, default=_json_default),
        encoding="utf-8",
    )


def _replace_dir(new: Path, target: Path, *, write_s: float | None = None) -> None:
    """List the files of the complete folder ``new`` in its ``run.json``, then swap it in.

    The lists (``"files"``, ``"paths"``) tell a later run which files of the folder
    are the plan's, and so which ones replacing it would lose (see :mod:`siting.outdir`).
    ``write_s``, the seconds the files took, joins ``timings_s`` as ``"write"`` (the
    report, written before it, does not show it).
    """
    run = json.loads((new / "run.json").read_text(encoding="utf-8"))
    if write_s is not None:
        run["timings_s"] = {**run.get("timings_s", {}), "write": round(write_s, 3)}
    _write_run_json(new, record_files(new, run))
    replace_folder(new, target)
