"""Checking a population raster: that it opens, has the band, a CRS, a geotransform and people.

The raster is only inspected here, never copied; the zonal sums read it later
(:mod:`siting.zonal`).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyproj
import rasterio
import rasterio.errors
import rasterio.windows

from siting.inputs._problems import _assumed_crs, _check_file, _gdal_message, _Report, _Where
from siting.scenario import RasterSpec

_RASTER_SCAN_CELLS = 1 << 22


@dataclass(frozen=True)
class _Raster:
    path: Path
    crs: pyproj.CRS
    bounds: tuple[float, float, float, float]


def _check_raster(spec: RasterSpec, name: str, report: _Report) -> _Raster | None:
    """Open a raster and check its CRS, band and content."""
    path = Path(spec.path)
    where = _Where(str(path), name)
    if not _check_file(
        path, where, report, noun="raster file", empty_fix="export the raster again"
    ):
        return None
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
    key = "bands" if spec.bands else "band"
    bad = [b for b in spec.band_list if not 1 <= b <= src.count]
    if bad:
        said = f"bands = {list(spec.bands)}" if spec.bands else f"band = {spec.band}"
        report.problems.append(
            where.problem(
                f"{said} under {section}, but the raster has {src.count} "
                f"band{'s' if src.count != 1 else ''}",
                fix=f"set {key} to {'numbers' if spec.bands else 'a number'} from 1 to {src.count}",
            )
        )
        return None
    crs: pyproj.CRS | None = None
    if src.crs is not None:
        crs = pyproj.CRS.from_user_input(src.crs.to_wkt())
    elif spec.crs is not None:
        crs = _assumed_crs(spec.crs, where, report, noun="raster")
        if crs is None:
            ok = False
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
    band = spec.band_list[0]
    nodata = src.nodatavals[band - 1]
    if nodata is None and not (src.mask_flag_enums[band - 1] and _has_mask(src, band)):
        report.note(f"{name}: the raster declares no nodata value; every cell counts as population")
    if not any(_has_population(src, b) for b in spec.band_list):
        report.problems.append(
            where.problem(
                f"every cell of band {band} is nodata or zero (all-nodata): the raster holds "
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
