"""Write a plan to a folder: GeoJSON, GeoPackage, CSV and ``run.json``, whole or not at all.

Everything is written into a temporary folder beside the target and moved
into place only when every file is complete, so a failed run never leaves a
half-written output folder (and never touches a previous one until then).

* GeoJSON files are WGS84 lon/lat (RFC 7946), UTF-8, with Chinese names intact.
* ``plan.gpkg`` holds the land-use layers in the working CRS (for Guangyuan,
  CGCS2000 3° Gauss–Krüger, EPSG:4544), for QGIS and the territorial spatial
  plan (国土空间规划), with stable ids and typed fields, and a QGIS style per
  layer (its ``layer_styles`` table) in the web map's colours.
* On request, the files a bureau files (:mod:`siting.handin`).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from siting.handin import write_handin, write_qgis_styles
from siting.plan import Plan
from siting.report import currency_of

__all__ = ["GEOJSON_LAYERS", "write_plan"]

GEOJSON_LAYERS = (
    "facilities",
    "areas",
    "candidates",
    "districts",
    "hazards",
    "service_lines",
    "residual",
)


def _layers(plan: Plan) -> dict[str, gpd.GeoDataFrame]:
    layers: dict[str, gpd.GeoDataFrame | None] = {
        "facilities": plan.facilities,
        "areas": plan.areas,
        "candidates": plan.candidates,
        "districts": plan.district_shapes,
        "hazards": plan.hazards,
        "service_lines": plan.service_lines,
        "residual": plan.residual,
    }
    return {k: v for k, v in layers.items() if v is not None}


def _plain(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Index to column, and object columns that hold lists or dicts to text."""
    out = frame.reset_index(drop=frame.index.name is None)
    for col in out.columns:
        if col == out.geometry.name or out[col].dtype != object:
            continue
        if out[col].map(lambda v: isinstance(v, (list, dict, tuple))).any():
            out[col] = out[col].map(
                lambda v: json.dumps(v, ensure_ascii=False) if isinstance(v, (list, dict)) else v
            )
    return out


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
) -> Path:
    """Write every output file of a plan.

    Parameters
    ----------
    plan
        The plan.
    out_dir
        The folder to create or replace.
    working_crs_geojson
        Also write each GeoJSON layer in the working CRS as ``<layer>.<epsg>.geojson``.
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

    Returns
    -------
    Path
        The output folder.
    """
    out = Path(out_dir).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    try:
        layers = {name: _plain(gdf) for name, gdf in _layers(plan).items()}
        for name, gdf in layers.items():
            gdf.to_crs(4326).to_file(
                tmp / f"{name}.geojson",
                driver="GeoJSON",
                engine="pyogrio",
                layer_options={"RFC7946": "YES", "WRITE_NAME": "NO"},
            )
            if working_crs_geojson and gdf.crs is not None:
                epsg = gdf.crs.to_epsg() or "working"
                gdf.to_file(tmp / f"{name}.{epsg}.geojson", driver="GeoJSON", engine="pyogrio")
            gdf.to_file(tmp / "plan.gpkg", layer=name, driver="GPKG", engine="pyogrio")
        write_qgis_styles(tmp / "plan.gpkg", layers, language=language)
        plan.assignments.to_csv(tmp / "assignments.csv", index=False)
        plan.districts.reset_index().to_csv(tmp / "districts.csv", index=False)
        (tmp / "run.json").write_text(
            json.dumps(plan.run, ensure_ascii=False, indent=2, default=_json_default),
            encoding="utf-8",
        )
        if handin or division or shapefile:
            write_handin(
                layers,
                plan.districts,
                tmp,
                handin=handin or division is not None,
                division=division,
                shapefile=shapefile,
                title=str(plan.run.get("scenario", {}).get("name", "") or ""),
                currency=currency_of(plan.run),
                language=language,
            )
        if map_and_report:
            from siting.maps import save_map
            from siting.report import write_report

            save_map(tmp, language=language)
            write_report(tmp, language=language)
        _replace_dir(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


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


def _replace_dir(new: Path, target: Path) -> None:
    """Move ``new`` to ``target``, replacing an old ``target`` only once ``new`` is complete."""
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
        os.rename(target, old / target.name)
        try:
            os.rename(new, target)
        except BaseException:
            os.rename(old / target.name, target)
            raise
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.rename(new, target)
