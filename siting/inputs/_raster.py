"""Checking a population raster: that it opens, has the band, a CRS, a north-up geotransform and
people, and that it covers the residential areas.

The raster is only inspected here, never copied; the zonal sums read it later
(:mod:`siting.zonal`). One pass over each band, in strips of about four
million cells (a 4,000 × 4,000 raster is read in four), checks its values
over the study area only: the window of whole cells over the areas' box + 2 km
and the districts (:func:`_study_lonlat`), as the plan reads it. A WorldPop
country tile of 30,000 × 30,000 cells was read whole, 29 s and 1.6 GB for a
city of 0.2 % of it; the cells beyond the window hold no one the plan counts,
whatever ``demand.residual_to_nearest_m`` is: only the residual inside the
districts (or over the areas' box without them) moves. A partitioned run's
county reads its neighbours' cells within the reach beyond it, and counts
none outside the districts.

* **negative cells** are an error giving their count and the rows, columns
  and bounds they span; when they all hold one value (-9999, -3.4e38) it is
  probably a nodata value the raster does not declare, and the fix says how
  to declare it;
* **NaN cells** are nodata: nobody is counted there, and a note gives their
  count, their share of the raster's cells, and the people those next to
  counted cells would hold if they were like their neighbours (a floor);
* **cells denser than** ``demand.max_persons_per_km2`` (100,000 per km² by
  default) are a warning (a note with their count, densest value and
  window), and cells denser than **ten times** that an error. No city
  district averages 100,000 per km², but a single 90 m cell of GHS-POP in
  the old quarters of Naples holds 215,000 per km², so the bound alone
  cannot tell a dense block from a mistake; a million per km² (10,000 people
  in a 100 m cell) is always a mistake, typically persons per km² or per
  hectare read as persons per cell, and would otherwise set the whole plan's
  demand. Each cell's area is computed from the geotransform; in a
  geographic CRS by its latitude (:func:`_cell_km2`);
* **an integer band's largest value** (255 in a Byte raster, 65535 in UInt16),
  when the raster declares no nodata and at least
  :data:`UNDECLARED_FILL_SHARE` of its cells hold it, is an error: it is the
  fill an export left outside the data (255 people in every cell around a
  city added 85,000 phantom people to the sample's 320,000, silently);
* **a raster whose name, band description or units say it holds a density** (``density``,
  ``per_ha``, ``/km2``, 密度, WorldPop's ``chn_pd_2020``) is a finding giving its people
  read as persons per cell and as the density (:func:`_warn_of_density`): WorldPop's
  persons per hectare on its 3-arc-second grid held 441,575 of the sample's 320,000,
  below the density bound.

Where the raster is: a raster without a CRS of its own takes the ``crs`` under
``[inputs.population]``, else the ESRI ``.prj`` beside it (``pop.prj`` or
``pop.tif.prj``, which GDAL does not read beside a TIFF; :func:`_prj_beside`); a
``.zip`` holding one raster, or ``pop.zip/pop.tif``, is read inside it
(:func:`_zip_member`).
"""

from __future__ import annotations

import logging
import re
import warnings
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pyproj
import rasterio
import rasterio.errors
import rasterio.windows
import shapely

from siting._grid import cells_over, grown_lonlat
from siting._said import Said
from siting._text import first_few
from siting.inputs._crs import (
    _crs_label,
    _drawn,
    _likely_projected,
    _transform_bounds,
    ballpark_datums,
)
from siting.inputs._datum import OLD_DATUMS, TYPICAL_OFFSET_M
from siting.inputs._problems import _assumed_crs, _check_file, _gdal_message, _Report, _Where
from siting.inputs._zip import archive_of, zip_members
from siting.osm.blocks import BLOCK_ID_PREFIXES
from siting.scenario import RasterSpec

_RASTER_SCAN_CELLS = 1 << 22

#: ``demand.max_persons_per_km2`` by default (:class:`siting.scenario.DemandSettings`).
DEFAULT_MAX_PERSONS_PER_KM2 = 100_000.0
# cells denser than this many times the bound are an error, not a warning
_ERROR_FACTOR = 10.0

#: The share of an integer band's cells holding its type's largest value (255 in a Byte
#: raster) that, with no nodata declared, is taken for an undeclared fill: a problem.
UNDECLARED_FILL_SHARE = 0.01

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Raster:
    path: Path
    crs: pyproj.CRS
    bounds: tuple[float, float, float, float]
    source: str | Path  # what to open: the path, or a vrt:// giving it the assumed CRS
    cell_km2: float | None = None  # a cell's mean area over the raster's rows


#: The files a raster is, whatever ``[inputs.population]`` says; a ``.zip`` holding one
#: is read inside it (:func:`_zip_member`).
RASTER_SUFFIXES = frozenset({".tif", ".tiff", ".img", ".vrt", ".asc", ".nc"})

_VSIZIP = "/vsizip/"


def _zip_member(path: Path, where: _Where, report: _Report) -> tuple[Path, str | Path] | None:
    """The file a raster's path names and what GDAL opens to read it: ``(path, path)`` for
    a plain file; ``(the .zip, /vsizip/…)`` for a ``.zip`` holding one raster, or for
    ``pop.zip/pop.tif`` (a raster inside it), as WorldPop and many portals hand them over.

    GDAL's own ``/vsizip/pop.zip/pop.tif`` is read like ``pop.zip/pop.tif`` when the
    ``.zip`` is an absolute path; a relative one GDAL would read from the folder siting
    runs in, not the scenario's (the raster "did not exist"): ``None``, with a problem
    giving the form to write. ``None`` too, with a problem, for a ``.zip`` holding no
    raster or several (they are named)."""
    given = str(path)
    if given.startswith(_VSIZIP):
        # the scenario's paths are Paths, which write GDAL's /vsizip//abs/a.zip with one slash
        inner = given[len(_VSIZIP) :]
        path = Path("/" + inner)
        if archive_of(path) is None:
            report.problems.append(
                where.problem(
                    f"GDAL reads {given} from the folder siting runs in, not the scenario's folder",
                    fix=f'write path = "{inner}" under [inputs.{where.layer}] (a raster inside '
                    "a .zip, read from the scenario's folder), or the .zip alone when it holds "
                    "one raster",
                )
            )
            return None
    archive = archive_of(path)
    if archive is None:
        return path, path
    try:
        with zipfile.ZipFile(archive) as zipped:
            members = zip_members(zipped)
    except (zipfile.BadZipFile, OSError) as exc:
        report.problems.append(
            where.problem(
                f"{archive.name} cannot be read as a .zip ({exc})",
                fix="download or zip it again, or unzip it and give the raster",
            )
        )
        return None
    names = list(members)
    rasters = [n for n in names if Path(n).suffix.lower() in RASTER_SUFFIXES]
    member = path.relative_to(archive).as_posix() if path != archive else None
    if member is None and len(rasters) == 1:
        member = rasters[0]
    if member is None or member not in names:
        held = first_few(rasters or names, limit=6) if names else "nothing"
        said = (
            f"holds no {member}"
            if member
            else (f"holds {len(rasters)} rasters" if rasters else "holds no raster")
        )
        example = rasters[0] if rasters else "pop.tif"
        report.problems.append(
            where.problem(
                f"{archive.name} {said} ({'it holds ' if names else ''}{held})",
                fix=f'name the raster inside it: path = "{archive.name}/{example}" under '
                f"[inputs.{where.layer}], or unzip it and give the raster",
            )
        )
        return None
    report.note(f"{where.layer}: read {member} inside {archive.name}")
    # GDAL reads a name stored without the zip's UTF-8 flag as CP437, as Python's zipfile
    return archive, f"{_VSIZIP}{archive}/{members[member].filename}"


def _with_crs(path: str | Path, crs: pyproj.CRS) -> str:
    """A GDAL ``vrt://`` source of ``path`` with ``crs`` assigned (the file is not touched)."""
    authority = crs.to_authority()
    srs = ":".join(authority) if authority else crs.to_proj4()
    return f"vrt://{path}?a_srs={srs}"


def _study_lonlat(
    layers: Sequence[gpd.GeoDataFrame], *, margin_m: float
) -> tuple[float, float, float, float] | None:
    """The box in longitude and latitude over the layers' bounds, grown by ``margin_m``.

    The part of a raster its values are checked in (:func:`_check_raster`);
    ``None`` when no layer has a CRS and drawn geometries.
    """
    boxes = []
    for frame in layers:
        if frame.crs is None:
            continue
        geoms = _drawn(frame)
        if not len(geoms) or not np.isfinite(geoms.total_bounds).all():
            continue
        found = _transform_bounds(
            geoms.total_bounds, pyproj.CRS.from_user_input(frame.crs), pyproj.CRS("EPSG:4326")
        )
        if found is not None:
            boxes.append(found)
    if not boxes:
        return None
    west, south = min(b[0] for b in boxes), min(b[1] for b in boxes)
    east, north = max(b[2] for b in boxes), max(b[3] for b in boxes)
    return grown_lonlat((west, south, east, north), margin_m)


def _study_window(
    src: Any, crs: pyproj.CRS | None, study: tuple[float, float, float, float] | None
) -> rasterio.windows.Window | None:
    """The whole cells of the raster over ``study`` (longitude and latitude): the whole
    raster without a study area or a CRS, ``None`` when the two do not meet."""
    whole = rasterio.windows.Window(0, 0, src.width, src.height)
    if study is None or crs is None or src.transform.is_identity:
        return whole
    box = _transform_bounds(study, pyproj.CRS("EPSG:4326"), crs)
    if box is None:
        return whole
    cells = cells_over(box, src.transform, (src.height, src.width))
    if cells is None:
        return None
    row0, col0, row1, col1 = cells
    return rasterio.windows.Window(col0, row0, col1 - col0, row1 - row0)


def _check_raster(
    spec: RasterSpec,
    name: str,
    report: _Report,
    *,
    max_persons_per_km2: float = DEFAULT_MAX_PERSONS_PER_KM2,
    study: tuple[float, float, float, float] | None = None,
) -> _Raster | None:
    """Open a raster and check its CRS, band and content (see :func:`_scan`).

    ``study`` (longitude and latitude, :func:`_study_lonlat`) limits the check of
    the values to the raster's cells over it; ``None``: every cell.
    """
    where = _Where(str(spec.path), name)
    found = _zip_member(Path(spec.path), where, report)
    if found is None:
        return None
    path, opened = found
    if not _check_file(
        path, where, report, noun="raster file", empty_fix="export the raster again"
    ):
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", rasterio.errors.NotGeoreferencedWarning)
            with rasterio.open(opened) as src:
                return _inspect_raster(
                    src, spec, name, path, where, report, max_persons_per_km2, study
                )
    except (rasterio.errors.RasterioError, OSError, ValueError) as exc:
        report.problems.append(
            where.problem(
                f"the file cannot be read as a raster ({_gdal_message(exc)})",
                fix="give a GeoTIFF of persons per cell and check that it is not damaged",
            )
        )
        return None


def _inspect_raster(
    src: Any,
    spec: RasterSpec,
    name: str,
    path: Path,
    where: _Where,
    report: _Report,
    max_persons_per_km2: float,
    study: tuple[float, float, float, float] | None,
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
    elif (prj := _prj_beside(path, src.name, where, report)) is not None:
        crs = prj if isinstance(prj, pyproj.CRS) else None
        ok = crs is not None
    else:
        report.problems.append(
            where.problem(
                "the raster has no CRS (coordinate reference system)",
                fix="define the CRS in the GeoTIFF (or put its .prj beside it), or say which "
                "CRS it is in with "
                f'crs = "EPSG:4326" (for example) under {section}',
            )
        )
        ok = False
    left, bottom, right, top = (float(b) for b in src.bounds)
    if (
        crs is not None
        and crs.is_geographic
        and not (
            min(left, right) >= -180
            and max(left, right) <= 360
            and min(bottom, top) >= -90
            and max(bottom, top) <= 90
        )
    ):
        shown = f"({left:.0f}, {bottom:.0f}, {right:.0f}, {top:.0f})"
        likely = _likely_projected((left, bottom, right, top))
        report.problems.append(
            where.problem(
                f"the raster's bounds {shown} are not degrees, but its CRS {_crs_label(crs)} is "
                "geographic (longitude and latitude): they look like metres of a projected CRS",
                fix=f"assign the raster its true CRS, probably {likely}"
                + (f" (crs under {section})" if src.crs is None else " (gdal_edit.py -a_srs)"),
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
    t = src.transform
    if not t.is_identity and (t.b != 0 or t.d != 0):
        report.problems.append(
            where.problem(
                "the raster's geotransform is rotated or sheared: its cells are not "
                "north-up squares",
                fix=f"warp it to a north-up grid first: gdalwarp {path.name} north-up.tif",
            )
        )
        ok = False
    elif t.e > 0:
        report.problems.append(
            where.problem(
                "the raster is stored south-up (its first row is the southernmost), which "
                "siting does not read",
                fix=f"write it north-up first: gdalwarp {path.name} north-up.tif",
            )
        )
        ok = False
    elif t.a < 0:
        report.problems.append(
            where.problem(
                "the raster is stored east to west (its first column is the easternmost), "
                "which siting does not read",
                fix=f"write it west to east first: gdalwarp {path.name} west-east.tif",
            )
        )
        ok = False
    packed = [
        (b, src.scales[b - 1], src.offsets[b - 1])
        for b in spec.band_list
        if src.scales[b - 1] != 1.0 or src.offsets[b - 1] != 0.0
    ]
    if packed:
        said = "; ".join(f"band {b}: scale {sc:g}, offset {off:g}" for b, sc, off in packed)
        report.problems.append(
            where.problem(
                f"the raster's values are packed ({said}): a cell holds stored value × scale "
                "+ offset persons, and siting reads the stored values",
                fix=f"write the persons out first: gdal_translate -unscale -ot Float32 "
                f"{path.name} persons.tif",
            )
        )
        ok = False
    if src.count > 1:
        _note_bands(src, spec, name, report)
    if name == "population" and spec.counts == "residents":
        _warn_of_age_group(src, spec, path, report)
    band = spec.band_list[0]
    nodata = src.nodatavals[band - 1]
    if nodata is None and not (src.mask_flag_enums[band - 1] and _has_mask(src, band)):
        report.note(f"{name}: the raster declares no nodata value; every cell counts as population")
    cell_km2 = _cell_km2(src, crs) if ok and not src.transform.is_identity else None
    window = _study_window(src, crs, study)
    if window is None:  # the raster misses the study area: a problem once the areas are read
        scans = []
    else:
        if (window.width, window.height) != (src.width, src.height):
            report.note(
                f"{name}: checked the {window.height:,} × {window.width:,} cells over the study "
                f"area (rows {window.row_off:,}–{window.row_off + window.height - 1:,}, columns "
                f"{window.col_off:,}–{window.col_off + window.width - 1:,}) of the raster's "
                f"{src.height:,} × {src.width:,}; the plan reads no others"
            )
        scans = [_scan(src, b, cell_km2, max_persons_per_km2, window) for b in spec.band_list]
    if scans and not any(scan.positive for scan in scans):
        report.problems.append(
            where.problem(
                f"every cell of band {band} is nodata or zero (all-nodata): the raster holds "
                "no population",
                fix="check the raster's nodata value and that this is the raster you meant",
            )
        )
        ok = False
    if scans and cell_km2 is not None:
        _warn_of_density(src, spec, path, scans[0], name, report)
    for b, scan in zip(spec.band_list if scans else (), scans, strict=True):
        ok &= _report_scan(src, b, scan, name, where, report, max_persons_per_km2)
    if not ok or crs is None:
        return None
    opened = path if src.name == str(path) else src.name  # a raster inside a .zip
    source = opened if src.crs is not None else _with_crs(opened, crs)
    mean_km2 = float(np.mean(cell_km2)) if cell_km2 is not None else None
    return _Raster(path, crs, (left, bottom, right, top), source, mean_km2)


def _prj_text(path: Path, opened: str) -> tuple[str, str] | None:
    """The name and text of the ``.prj`` beside a raster (``pop.prj`` or ``pop.tif.prj``
    beside ``pop.tif``), in its folder or, for a raster inside a ``.zip`` (``opened`` is
    its ``/vsizip/`` source, ``path`` the ``.zip``), inside the ``.zip`` beside it."""
    inside = f"{_VSIZIP}{path}/"
    if opened.startswith(inside):
        member = PurePosixPath(opened[len(inside) :])
        with zipfile.ZipFile(path) as zipped:
            names = set(zipped.namelist())
            for name in (str(member.with_suffix(".prj")), f"{member}.prj"):
                if name in names:
                    return PurePosixPath(name).name, zipped.read(name).decode("utf-8", "replace")
        return None
    for prj in (path.with_suffix(".prj"), Path(f"{path}.prj")):
        if prj.is_file():
            return prj.name, prj.read_text(encoding="utf-8", errors="replace")
    return None


def _prj_beside(
    path: Path, opened: str, where: _Where, report: _Report
) -> pyproj.CRS | bool | None:
    """The CRS of the ESRI ``.prj`` beside a raster that has none of its own
    (:func:`_prj_text`), as ArcGIS and many Chinese tools write it with a ``.tfw``: GDAL
    reads the ``.tfw`` but not the ``.prj``, and the raster was "without a CRS". ``None``
    when there is no such file; ``False``, with a problem, when it holds no CRS pyproj
    reads."""
    try:
        found = _prj_text(path, opened)
    except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, OSError) as exc:
        report.problems.append(  # a .prj damaged inside the .zip, or unreadable
            where.problem(
                f"the raster has no CRS of its own, and the .prj beside it cannot be read ({exc})",
                fix=f'say which CRS it is in with crs = "EPSG:4544" (for example) under '
                f"[inputs.{where.layer}], or zip or write the .prj again",
            )
        )
        return False
    if found is None:
        return None
    name, text = found
    try:
        crs = pyproj.CRS.from_user_input(text)
    except pyproj.exceptions.CRSError as exc:
        report.problems.append(
            where.problem(
                f"the raster has no CRS of its own, and {name} beside it holds none pyproj "
                f"reads ({exc})",
                fix=f'say which CRS it is in with crs = "EPSG:4544" (for example) under '
                f"[inputs.{where.layer}], or write {name} again from the GIS",
            )
        )
        return False
    report.note(
        f"{where.layer}: the raster has no CRS of its own; read {_crs_label(crs)} from "
        f"{name} beside it"
    )
    return crs


def _note_bands(src: Any, spec: RasterSpec, name: str, report: _Report) -> None:
    """Which of a multi-band raster's bands are read (GHS-POP stacks epochs, some exports
    age groups): band 1 was read without a word."""
    described = [
        f"{b} {d.strip()!r}" if (d := src.descriptions[b - 1]) and d.strip() else str(b)
        for b in range(1, src.count + 1)
    ]
    read = spec.band_list
    which = f"band {read[0]} is" if len(read) == 1 else f"bands {', '.join(map(str, read))} are"
    report.note(
        f"{name}: the raster has {src.count} bands ({first_few(described, limit=6)}); "
        f"{which} read (band, or bands to add several up, under [inputs.{name}])"
    )


_AGE_GROUP = re.compile(
    r"(?:^|[^a-z])(?:age[-_ ]?\d|child|kids?(?![a-z])|infant|toddler|under[-_ ]?\d"
    r"|u[35](?![a-z0-9]))"
    r"|^(?:[a-z]{3}|global)_[fmt]_\d{1,2}_\d{4}"  # WorldPop's age and sex: chn_f_0_2020.tif
    r"|儿童|幼儿|婴|托育|[0-9][-~～至][0-9]岁",
    re.IGNORECASE,
)
"""Words in a raster's file name or band description that say it counts one age group."""


_AGE_RANGES = (
    # age0-5, age_0_4, age00_04: an explicit range after "age"
    (re.compile(r"age[-_ ]?(\d{1,2})(?:[-_~]|to)(\d{1,2})(?![0-9])", re.IGNORECASE), 0),
    # 0-5岁, 0～4岁
    (re.compile(r"(\d{1,2})[-~～至到](\d{1,2})岁"), 0),
    # under5, under_5, u5: the ages below that number
    (re.compile(r"(?:^|[^a-z])(?:under[-_ ]?|u)(\d{1,2})(?![a-z0-9])", re.IGNORECASE), -1),
)
"""A raster name's age range, in whole years, and what its second number adds to the
upper age (``under5`` is 0–4)."""

_WORLDPOP_AGE = re.compile(r"^(?:[a-z]{3}|global)_[fmt]_(\d{1,2})_\d{4}", re.IGNORECASE)
"""WorldPop's age and sex structures, a country's or the global mosaic (``gha_t_1_2020.tif``,
R2025A's ``chn_t_00_2025_CN_100m_R2025A_v1.tif``, ``global_f_0_2020_1km.tif``): 0 is under
one, 1 is 1–4, then 5-year groups (5 is 5–9) to 80 and over."""


def age_range(raster: str | Path) -> tuple[int, int] | None:
    """The ages, in whole years from and to, a raster's file name says it counts.

    A virtual raster (``.vrt``) whose own name says none is read for its source files'
    names: WorldPop's age files stacked as its bands (``…_t_00_…``, ``…_t_01_…``) count
    ages 0–4 together.

    Parameters
    ----------
    raster
        The raster's path (or GDAL source); its file name is read.

    Returns
    -------
    tuple of int or None
        The youngest and oldest age, both included, or ``None`` when the name says none.

    Examples
    --------
    >>> age_range("accra-age0-5-worldpop.tif"), age_range("gha_under5_2020.tif")
    ((0, 5), (0, 4))
    >>> age_range("广元0-3岁婴幼儿.tif"), age_range("gha_t_1_2020.tif"), age_range("pop.tif")
    ((0, 3), (1, 4), None)
    >>> age_range("chn_t_00_2025_CN_100m_R2025A_v1.tif"), age_range("global_m_05_2025_1km.tif")
    ((0, 0), (5, 9))
    """
    said = ages_said(raster)
    return None if said is None else said[0]


def ages_said(
    raster: str | Path, *, bands: Sequence[int] | None = None
) -> tuple[tuple[int, int], tuple[str, ...]] | None:
    """The ages a raster counts (:func:`age_range`) and the file names that say so: the
    raster's own, or a virtual raster's and then its sources' (WorldPop's ``…_t_00_…`` and
    ``…_t_01_…`` stacked as bands: 0–4, said by ``("x.vrt", "…_t_00_….tif", …)``), those
    of ``bands`` only when given (a stack of every age group read for its first two)."""
    name = Path(str(raster)).name
    ages = _name_ages(name)
    if ages is not None:
        return ages, (name,)
    if not name.lower().endswith(".vrt"):
        return None
    sources = None if bands is None else _band_sources(raster, bands)
    if sources is None:
        try:
            with rasterio.open(raster) as src:
                sources = [Path(f).name for f in src.files[1:]]
        except rasterio.errors.RasterioError:  # unreadable: the raster's own checks say so
            return None
    if not sources:
        return None
    each = [_name_ages(f) for f in sources]
    known = [a for a in each if a is not None]
    if not known or len(known) < len(each):
        return None
    return (min(a[0] for a in known), max(a[1] for a in known)), (name, *sources)


def _band_sources(raster: str | Path, bands: Sequence[int]) -> list[str] | None:
    """The names of the files a virtual raster's ``bands`` read, in their order, each once;
    None when its XML cannot be read."""
    from xml.etree import ElementTree

    try:
        root = ElementTree.parse(raster).getroot()
    except (OSError, ElementTree.ParseError):
        return None
    by_band = {
        band.get("band"): [Path(e.text or "").name for e in band.iter("SourceFilename")]
        for band in root.iter("VRTRasterBand")
    }
    names = [n for b in bands for n in by_band.get(str(b), [])]
    return list(dict.fromkeys(names))


def _name_ages(name: str) -> tuple[int, int] | None:
    """The ages a file name says (:func:`age_range`)."""
    found = _WORLDPOP_AGE.match(name)
    if found is not None:
        age = int(found.group(1))
        if age in (0, 1):
            return (0, 0) if age == 0 else (1, 4)
        if age % 5 == 0 and age <= 80:
            return (age, age + 4) if age < 80 else (80, 120)
    for pattern, add in _AGE_RANGES:
        found = pattern.search(name)
        if found is None:
            continue
        if add:  # under N
            return (0, int(found.group(1)) + add)
        low, high = int(found.group(1)), int(found.group(2))
        if low <= high:
            return (low, high)
    return None


SAY_CHILDREN_IN_SCENARIO = (
    'say so under [inputs.population] with counts = "children" and share_of_residents (the '
    "share of the residents it counts); give the children raster as [inputs.children] beside "
    "a total-population raster for the children's estimate"
)
"""How a scenario says its population raster counts children (:func:`age_group_warning`)."""


def age_group_warning(
    raster: str | Path, descriptions: Sequence[str | None], *, say_so: str
) -> Said | None:
    """The warning for a population raster whose name says it counts one age group.

    A raster of children (WorldPop's children 0–5) read as residents asks for
    about a tenth of the slots, since the ratios are slots per 1,000 residents
    (WorldPop's Accra children 0–5 are 8.6 % of its residents).

    Parameters
    ----------
    raster
        The raster's path (or GDAL source), whose file name is looked at.
    descriptions
        The descriptions of the bands read.
    say_so
        How the caller says the raster counts children: the scenario's keys
        (:data:`SAY_CHILDREN_IN_SCENARIO`), or a function's arguments.

    Returns
    -------
    Said or None
        The warning (code ``raster_may_count_children``, the name or description that
        says so as ``said``), or ``None`` when neither the name nor a description says so.

    Examples
    --------
    >>> age_group_warning("accra-total-worldpop.tif", [None], say_so="…") is None
    True
    >>> age_group_warning("accra-age0-5-worldpop.tif", [None], say_so="…")[:75]
    "population: the raster's name 'accra-age0-5-worldpop.tif' says it may count"
    """
    name = Path(str(raster)).name
    said = [name] + [d for d in descriptions if d and d.strip()]
    hits = [text.strip() for text in said if _AGE_GROUP.search(text)]
    if not hits:
        return None
    return Said(
        f"population: the raster's {'name' if hits[0] == name else 'band description'} "
        f"{hits[0]!r} says it may count one age group (children), not every resident: the "
        "ratios are slots per 1,000 residents, so a children raster read as residents asks "
        f"for about a tenth of the slots. If it counts children, {say_so}; else ignore this",
        code="raster_may_count_children",
        said=hits[0],
    )


_DENSITY = re.compile(
    r"densit|密度|(?:per|/)[-_ ]?(?:km|sq|square|ha(?![a-z])|hectare)|人每|每平方|每公顷"
    r"|^[a-z]{3}_pd_\d{4}",  # WorldPop's densities: chn_pd_2020_1km.tif, persons per km²
    re.IGNORECASE,
)
"""Words in a raster's file name, band description or units that say it holds a density."""

_PER_HECTARE = re.compile(r"(?<![a-z])ha(?![a-z])|hectare|公顷", re.IGNORECASE)


def _warn_of_density(
    src: Any, spec: RasterSpec, path: Path, scan: _Scan, name: str, report: _Report
) -> None:
    """Warn when a raster's name, band description or units say it holds a density
    (persons per km² or per hectare), which siting would read as persons per cell.

    WorldPop's 3-arc-second persons per hectare read as persons per cell held 441,575 of
    the sample's 320,000 people at 32° N (a cell is 0.72 ha), without a word; per km² on
    100 m cells it is ten times denser than ``demand.max_persons_per_km2``, a problem
    already, but not on 1 km cells, whose per km² is near the count.
    """
    band = spec.band_list[0]
    said = [path.name, src.descriptions[band - 1], src.units[band - 1]]
    said += [src.tags(band).get("units"), src.tags().get("units")]
    hits = [text.strip() for text in said if text and text.strip() and _DENSITY.search(text)]
    if not hits:
        return
    hectare = _PER_HECTARE.search(hits[0]) is not None
    per, factor = ("hectare", 100.0) if hectare else ("km²", 1.0)
    as_density = scan.density_people * factor
    where = "the raster's cells" if scan.whole else "the raster's cells over the study area"
    report.find(
        Said(
            f"{name}: the raster's {'name' if hits[0] == path.name else 'band'} {hits[0]!r} says "
            f"it may hold a density (persons per {per}), but siting reads persons per cell: "
            f"{where} hold {scan.people:,.0f} people read as persons per cell, "
            f"{as_density:,.0f} read as persons per {per}. If it holds a density, write persons "
            f"per cell first (each cell's value × its area in {'hectares' if hectare else 'km²'}"
            "); else ignore this",
            code="raster_may_hold_density",
            raster=name,
            said=hits[0],
            per=per,
            people=scan.people,
            as_density=as_density,
        ),
        by=logger,
    )


def _warn_of_age_group(src: Any, spec: RasterSpec, path: Path, report: _Report) -> None:
    """Warn when the population raster's name says it counts one age group (children), not
    every resident (:func:`age_group_warning`)."""
    descriptions = [src.descriptions[b - 1] for b in spec.band_list]
    text = age_group_warning(path, descriptions, say_so=SAY_CHILDREN_IN_SCENARIO)
    if text is not None:
        report.find(text, by=logger)


def _has_mask(src: Any, band: int) -> bool:
    from rasterio.enums import MaskFlags

    return MaskFlags.all_valid not in src.mask_flag_enums[band - 1]


@dataclass
class _Scan:
    """What one pass over a band found."""

    positive: bool = False
    cells: int = 0  # every cell of the band read (the study area's window)
    whole: bool = True  # the window is the whole raster
    nan: int = 0  # NaN cells not masked as nodata
    nan_people: float = 0.0  # what NaN cells next to valid ones would hold, like their neighbours
    people: float = 0.0  # the positive valid cells' people
    density_people: float = 0.0  # their values × their cells' km²: the people of a density
    negative: int = 0
    negative_values: set[float] = field(default_factory=set)
    negative_window: list[int] = field(default_factory=lambda: [-1, -1, -1, -1])
    dense: int = 0
    dense_max_per_km2: float = 0.0
    dense_max_persons: float = 0.0
    dense_window: list[int] = field(default_factory=lambda: [-1, -1, -1, -1])
    extreme: int = 0  # denser than _ERROR_FACTOR × the bound
    extreme_window: list[int] = field(default_factory=lambda: [-1, -1, -1, -1])
    fill: float | None = None  # an integer band's largest value, when no nodata is declared
    at_fill: int = 0  # cells holding it
    at_fill_window: list[int] = field(default_factory=lambda: [-1, -1, -1, -1])


def _widen(window: list[int], rows: npt.NDArray[np.intp], cols: npt.NDArray[np.intp]) -> None:
    """Grow ``[row0, row1, col0, col1]`` to hold the given cells."""
    r0, r1, c0, c1 = int(rows.min()), int(rows.max()), int(cols.min()), int(cols.max())
    if window[0] < 0:
        window[:] = [r0, r1, c0, c1]
    else:
        window[:] = [min(window[0], r0), max(window[1], r1), min(window[2], c0), max(window[3], c1)]


def _cell_km2(src: Any, crs: pyproj.CRS | None) -> npt.NDArray[np.float64] | None:
    """The area of a cell of each row, in km² (rows differ only in a geographic CRS).

    Projected: |a·e| of the geotransform in the CRS's unit, converted to metres.
    Geographic: the cell on a sphere of the Earth's mean radius, R² · Δλ ·
    |sin φ₁ − sin φ₂| with φ the latitudes of the row's edges (within 0.5 % of
    the ellipsoid in China's latitudes; enough for a plausibility bound).
    """
    if crs is None:
        return None
    t = src.transform
    if crs.is_geographic:
        radius_km = 6371.0088
        top = t.f + t.e * np.arange(src.height + 1)
        phi = np.radians(np.clip(top, -90.0, 90.0))
        band = np.abs(np.diff(np.sin(phi)))
        out: npt.NDArray[np.float64] = radius_km**2 * abs(np.radians(t.a)) * band
        return out
    factor = crs.axis_info[0].unit_conversion_factor if crs.axis_info else 1.0
    area = abs(t.a * t.e - t.b * t.d) * factor**2 / 1e6
    return np.full(src.height, area, dtype=float)


def _neighbour_guess(
    data: npt.NDArray[np.float64], valid: npt.NDArray[np.bool_], nan: npt.NDArray[np.bool_]
) -> float:
    """People the NaN cells would hold if each were the mean of its valid 8 neighbours.

    A NaN cell with no valid neighbour (inside a large NaN patch) counts 0: the
    guess is a floor, not an estimate of the whole.
    """
    from scipy import ndimage

    filled = np.where(valid & (data > 0), data, 0.0)
    sums = ndimage.uniform_filter(filled, size=3, mode="constant") * 9.0
    counts = ndimage.uniform_filter(valid.astype(float), size=3, mode="constant") * 9.0
    near = counts[nan] > 0.5
    return float((sums[nan][near] / counts[nan][near]).sum())


def _undeclared_fill(src: Any, band: int) -> float | None:
    """The largest value of an integer band that declares no nodata (255 for Byte, 65535
    for UInt16): the fill such a raster's exporter most likely left outside the city."""
    dtype = np.dtype(src.dtypes[band - 1])
    if not np.issubdtype(dtype, np.integer) or src.nodatavals[band - 1] is not None:
        return None
    if src.mask_flag_enums[band - 1] and _has_mask(src, band):
        return None
    return float(np.iinfo(dtype).max)


def _scan(
    src: Any,
    band: int,
    cell_km2: npt.NDArray[np.float64] | None,
    max_per_km2: float,
    window: rasterio.windows.Window | None = None,
) -> _Scan:
    """One pass over a band's ``window`` (default: all of it), in strips of about four
    million cells.

    Counts the NaN cells (nodata), the negative cells, the cells denser than
    ``max_per_km2`` and, in an integer band without nodata, the cells holding the
    type's largest value (:func:`_undeclared_fill`), with the rows and columns they
    span (counted in the whole raster), and whether any valid cell is positive.
    """
    if window is None:
        window = rasterio.windows.Window(0, 0, src.width, src.height)
    row0, col0 = int(window.row_off), int(window.col_off)
    width, end = int(window.width), int(window.row_off + window.height)
    scan = _Scan(
        cells=width * int(window.height),
        whole=(width, int(window.height)) == (src.width, src.height),
        fill=_undeclared_fill(src, band),
    )
    rows = max(1, min(int(window.height), _RASTER_SCAN_CELLS // max(width, 1)))
    for start in range(row0, end, rows):
        height = min(rows, end - start)
        strip = rasterio.windows.Window(col0, start, width, height)
        block = src.read(band, window=strip, masked=True)
        data = np.asarray(np.ma.getdata(block), dtype=float)
        valid = ~np.ma.getmaskarray(block)
        nan = valid & np.isnan(data)
        scan.nan += int(nan.sum())
        valid &= ~nan
        if nan.any():
            scan.nan_people += _neighbour_guess(data, valid, nan)
        counted = valid & (data > 0)
        scan.people += float(data[counted].sum())
        if cell_km2 is not None:
            scan.density_people += float(
                (np.where(counted, data, 0.0) * cell_km2[start : start + height, None]).sum()
            )
        if not scan.positive:
            scan.positive = bool(np.any(data[valid] > 0))
        negative = valid & (data < 0)
        if negative.any():
            r, c = np.nonzero(negative)
            scan.negative += int(r.size)
            _widen(scan.negative_window, r + start, c + col0)
            if len(scan.negative_values) <= 3:
                scan.negative_values.update(np.unique(data[negative])[:4].tolist())
        if scan.fill is not None:
            at_fill = valid & (data == scan.fill)
            if at_fill.any():
                r, c = np.nonzero(at_fill)
                scan.at_fill += int(r.size)
                _widen(scan.at_fill_window, r + start, c + col0)
        if cell_km2 is not None:
            limit = max_per_km2 * cell_km2[start : start + height, None]
            dense = valid & (data > limit)
            if dense.any():
                r, c = np.nonzero(dense)
                c += col0
                scan.dense += int(r.size)
                _widen(scan.dense_window, r + start, c)
                with np.errstate(divide="ignore", invalid="ignore"):
                    density = data[dense] / cell_km2[start + r]
                extreme = density > _ERROR_FACTOR * max_per_km2
                if extreme.any():
                    scan.extreme += int(extreme.sum())
                    _widen(scan.extreme_window, r[extreme] + start, c[extreme])
                k = int(np.argmax(density))
                if density[k] > scan.dense_max_per_km2:
                    scan.dense_max_per_km2 = float(density[k])
                    scan.dense_max_persons = float(data[dense][k])
    return scan


def _where_cells(src: Any, window: list[int]) -> str:
    """``rows 3–5 and columns 10–12 (counted from 0; bounds (…))``."""
    r0, r1, c0, c1 = window
    t = src.transform
    xs = [t.c + c * t.a + r * t.b for c in (c0, c1 + 1) for r in (r0, r1 + 1)]
    ys = [t.f + c * t.d + r * t.e for c in (c0, c1 + 1) for r in (r0, r1 + 1)]
    digits = 4 if abs(t.a) < 0.1 else 0
    shown = ", ".join(f"{v:.{digits}f}" for v in (min(xs), min(ys), max(xs), max(ys)))
    return f"rows {r0}–{r1} and columns {c0}–{c1} (counted from 0; bounds ({shown}))"


def _report_scan(
    src: Any,
    band: int,
    scan: _Scan,
    name: str,
    where: _Where,
    report: _Report,
    max_per_km2: float,
) -> bool:
    """Add the problems and notes of one band's scan; False when there is a problem."""
    ok = True
    of_band = f" of band {band}" if src.count > 1 else ""
    of_what = "the raster" if scan.whole else "the cells over the study area"
    if scan.negative:
        values = sorted(scan.negative_values)
        cells = "1 cell" if scan.negative == 1 else f"{scan.negative:,} cells"
        message = (
            f"{cells}{of_band} hold{'s' if scan.negative == 1 else ''} a negative number of "
            f"people, in {_where_cells(src, scan.negative_window)}"
        )
        if len(values) == 1:
            message += f"; every one is {values[0]:g}"
            fix = (
                f"{values[0]:g} is probably a nodata value the raster does not declare: declare "
                f"it (gdal_edit.py -a_nodata {values[0]:g} {Path(where.file).name}, or in QGIS's "
                "export) or set those cells to 0"
            )
        else:
            message += f" (found: {', '.join(f'{v:g}' for v in values[:3])})"
            fix = "set these cells to 0 or declare them nodata; a population cannot be negative"
        report.problems.append(where.problem(message, fix=fix))
        ok = False
    if scan.fill is not None and scan.at_fill >= UNDECLARED_FILL_SHARE * scan.cells:
        dtype = src.dtypes[band - 1]
        fill = f"{scan.fill:.0f}"
        report.problems.append(
            where.problem(
                f"{scan.at_fill:,} cells{of_band} ({scan.at_fill / scan.cells:.0%} of "
                f"{of_what}) hold {fill}, the largest value of its {dtype} type, in "
                f"{_where_cells(src, scan.at_fill_window)}, and the raster declares no "
                f"nodata: {fill} is probably the fill outside the data, and every such cell "
                f"would count {fill} people",
                fix=f"declare it (gdal_edit.py -a_nodata {fill} {Path(where.file).name}, or in "
                "QGIS's export); if those cells really hold that many people, write the "
                "raster as Float32 so they are not cut at the type's limit",
            )
        )
        ok = False
    densest = (
        f"up to {scan.dense_max_per_km2:,.0f} per km², {scan.dense_max_persons:,.0f} persons in "
        "one cell"
    )
    if scan.extreme:
        cells = "1 cell" if scan.extreme == 1 else f"{scan.extreme:,} cells"
        limit = _ERROR_FACTOR * max_per_km2
        report.problems.append(
            where.problem(
                f"{cells}{of_band} hold{'s' if scan.extreme == 1 else ''} more than "
                f"{limit:,.0f} persons per km², ten times demand.max_persons_per_km2 "
                f"({densest}), in {_where_cells(src, scan.extreme_window)}",
                fix="check that the raster holds persons per cell (not per km² or per hectare) "
                "and that this is the raster you meant; if such densities are real, raise "
                "demand.max_persons_per_km2 in the scenario",
            )
        )
        ok = False
    elif scan.dense:
        cells = "1 cell" if scan.dense == 1 else f"{scan.dense:,} cells"
        text = (
            f"{name}: {cells}{of_band} hold{'s' if scan.dense == 1 else ''} more than "
            f"{max_per_km2:,.0f} persons per km² (demand.max_persons_per_km2; {densest}), in "
            f"{_where_cells(src, scan.dense_window)}: check them if the city has no blocks "
            "that dense"
        )
        report.warn(text, by=logger)
    if scan.nan:
        report.note(
            f"{name}: {scan.nan:,} cell{'s' if scan.nan != 1 else ''}{of_band} "
            f"({scan.nan / max(scan.cells, 1):.1%} of {of_what}) are NaN, read as nodata: "
            "nobody is counted there; those next to counted cells would hold about "
            f"{scan.nan_people:,.0f} people "
            f"({scan.nan_people / max(scan.people, 1e-300):.1%} of the {scan.people:,.0f} counted) "
            "if they were like their neighbours"
        )
    return ok


def _footprint(raster: _Raster, work: pyproj.CRS) -> shapely.Geometry | None:
    """The raster's extent as a polygon in ``work`` (its edges densified, so a grid in
    degrees keeps its true shape in metres); ``None`` when it cannot be projected."""
    left, bottom, right, top = raster.bounds
    edge = shapely.segmentize(shapely.box(left, bottom, right, top), (right - left) / 20.0)
    try:
        moved = gpd.GeoSeries([edge], crs=raster.crs).to_crs(work).iloc[0]
    except Exception:  # pyproj raises on points it cannot project
        return None
    return moved if moved is not None and moved.is_valid and not moved.is_empty else None


_PARTLY_OUTSIDE = 0.1
"""An area with more than this share of its land outside the raster is named."""


def _partly_outside(
    raster: _Raster,
    role: str,
    areas: gpd.GeoDataFrame,
    geoms: np.ndarray,
    touching: np.ndarray,
    footprint: shapely.Geometry,
    report: _Report,
) -> None:
    """Areas the raster's edge cuts: they get only the people of the part it covers (an
    area 42 % outside a raster cut mid-block held 709 of its 1,240 people, unnamed)."""
    # invalid polygons (those make_valid could not repair are reported elsewhere) would make
    # GEOS's intersection raise: they are left out of this count
    cut = touching & (shapely.area(geoms) > 0) & shapely.is_valid(geoms)
    cut[cut] = ~shapely.covered_by(geoms[cut], footprint)
    if not cut.any():
        return
    share = 1.0 - shapely.area(shapely.intersection(geoms[cut], footprint)) / shapely.area(
        geoms[cut]
    )
    named = share > _PARTLY_OUTSIDE
    if not named.any():
        return
    ids = [str(i) for i in areas.index[np.flatnonzero(cut)[named]]]
    shown = first_few(ids, limit=10)
    low, high = float(share[named].min()), float(share[named].max())
    span = f"{low:.0%}" if round(low, 2) == round(high, 2) else f"{low:.0%} to {high:.0%}"
    one = len(ids) == 1
    report.find(
        Said(
            f"{role}: {len(ids):,} residential area{'' if one else 's'} "
            f"lie{'s' if one else ''} partly outside the raster {raster.path.name} ({span} of "
            f"{'its' if one else 'their'} land) and get{'s' if one else ''} only the people of "
            f"the part it covers ({shown}); give a raster that covers "
            f"{'it' if one else 'them'} whole",
            code="areas_partly_outside_raster",
            raster=role,
            file=raster.path.name,
            count=len(ids),
            low_share=low,
            high_share=high,
            ids=ids[:10],
        ),
        by=logger,
    )


def warn_of_unshifted_raster(raster: _Raster, role: str, work: pyproj.CRS, report: _Report) -> None:
    """A finding when PROJ knows no datum shift from the raster's CRS to the working CRS
    (Xian 1980, Beijing 1954 against CGCS2000; :func:`siting.inputs._crs.ballpark_datums`):
    its cells are laid over the areas by the projections alone. A layer on such a datum is
    found so and takes ``datum_shift``; a raster takes none, and its people went to the
    areas from cells 50-150 m off without a word."""
    datums = ballpark_datums(raster.crs, work)
    if datums is None:
        return
    label = _crs_label(raster.crs)
    old = any(o in datums[0] for o in OLD_DATUMS)
    low, high = TYPICAL_OFFSET_M
    off = f"likely {low}–{high} m off" if old else "perhaps tens of metres off"
    report.find(
        Said(
            f"{role}: the raster {raster.path.name}'s CRS {label} is on the {datums[0]} datum, "
            f"and PROJ knows no shift from it to {datums[1]}: its cells were laid over the "
            f"areas by the projections alone, {off}, and their people given to the areas "
            f"there. Fix: warp the raster to {datums[1]} with the province's transformation "
            f'parameters (gdalwarp -ct "<their PROJ pipeline>" -t_srs {_crs_label(work)} '
            f"{raster.path.name} warped.tif, or QGIS's Warp with the bureau's "
            "transformation) before handing it over",
            code="raster_datum_unshifted",
            raster=role,
            file=raster.path.name,
            crs=label,
            datum=datums[0],
            target=datums[1],
        ),
        by=logger,
    )


_COARSE_SHARE = 0.5
"""The share of the residential areas smaller than one of the raster's cells that makes
the raster too coarse for them: a finding (:func:`_coarser_than_areas`)."""

_FINEST_KM2 = 0.0125
"""A cell no larger (a 100 m cell, a 3-arc-second one, with a quarter to spare) is as fine
as population rasters come: the finding's fix, a finer raster, has none to give."""


def _coarser_than_areas(
    raster: _Raster, role: str, areas_m2: npt.NDArray[np.float64], report: _Report
) -> None:
    """A finding when most residential areas are smaller than one of the raster's cells
    (WorldPop's 1 km grid over a city's 小区): the raster cannot say where in a cell its
    people live, so they are shared among the areas the cell touches by their land, not by
    where they live. The sample on WorldPop's 30-arc-second grid (0.73 km² cells, every
    area smaller) planned 467 slots short where its own 100 m raster planned 228, and its
    areas held 319,384 people where they hold 314,588, without a word. None for a raster
    as fine as they come (:data:`_FINEST_KM2`), over compounds under a hectare too."""
    if raster.cell_km2 is None or raster.cell_km2 <= _FINEST_KM2 or not len(areas_m2):
        return
    smaller = int((areas_m2 / 1e6 < raster.cell_km2).sum())
    if smaller < _COARSE_SHARE * len(areas_m2):
        return
    median = float(np.median(areas_m2)) / 1e6
    report.find(
        Said(
            f"{role}: the raster {raster.path.name}'s cells ({raster.cell_km2:.3g} km²) are "
            f"larger than {smaller:,} of the {len(areas_m2):,} residential areas (their median "
            f"is {median:.3g} km²): it cannot say where in a cell its people live, so they are "
            "shared among the areas the cell touches by their land, not by where they live. "
            "Give a finer raster (WorldPop's 100 m or 3 arc-seconds, GHS-POP's 100 m), or "
            "buildings to weigh the areas within a cell",
            code="raster_coarser_than_areas",
            raster=role,
            file=raster.path.name,
            cell_km2=raster.cell_km2,
            count=smaller,
            of=len(areas_m2),
            median_km2=median,
        ),
        by=logger,
    )


def _check_covers_areas(
    raster: _Raster,
    role: str,
    areas: gpd.GeoDataFrame,
    footprint: shapely.Geometry,
    report: _Report,
) -> None:
    """Areas outside the raster get nobody from it: none covered is a problem, some a warning.

    ``areas`` is the areas layer in ``work``, indexed by ``area_id``. Street blocks
    (``[inputs.osm] areas_from``) are named in neither warning: they cover all the land
    the streets enclose, the raster often less, and the demand leaves out those that
    hold nobody and counts them once (:func:`siting.demand.without_empty_blocks`).
    ``footprint`` is the raster's extent in the areas' CRS (:func:`_footprint`).
    """
    geoms = np.asarray(areas.geometry.to_numpy(), dtype=object)
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    outside = present & ~shapely.intersects(geoms, footprint)
    mapped = np.array([not str(i).startswith(BLOCK_ID_PREFIXES) for i in areas.index], dtype=bool)
    _partly_outside(raster, role, areas, geoms, present & ~outside & mapped, footprint, report)
    _coarser_than_areas(raster, role, shapely.area(geoms[present]), report)
    if not outside.any():
        return
    where = _Where(str(raster.path), role)
    if outside.sum() == present.sum():
        report.problems.append(
            where.problem(
                f"the raster covers none of the {int(present.sum()):,} residential areas "
                "(they all lie outside its extent), so nobody would live in them",
                fix="give the raster of this city, or check the raster's and the areas' CRS",
            )
        )
        return
    ids = [str(i) for i in areas.index[outside & mapped]]
    if not ids:
        return
    shown = first_few(ids, limit=10)
    text = (
        f"{role}: {len(ids):,} of {int((present & mapped).sum()):,} residential areas lie "
        f"outside the raster {raster.path.name} and get nobody from it ({shown}); give a "
        "raster that covers them, or leave them out of the areas"
    )
    report.warn(text, by=logger)


def _check_covers_districts(
    raster: _Raster,
    role: str,
    districts: gpd.GeoDataFrame,
    footprint: shapely.Geometry,
    report: _Report,
) -> None:
    """Districts the raster covers only in part: the people of their land beyond it are
    counted nowhere (a district 86 % outside a raster cut at the city's edge had a
    residual of 1,470 for its 14 %, unsaid), so they are named with the share outside.
    ``footprint`` is the raster's extent in the districts' CRS (:func:`_footprint`)."""
    geoms = np.asarray(districts.geometry.to_numpy(), dtype=object)
    good = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms)) & shapely.is_valid(geoms)
    good &= shapely.area(geoms) > 0
    if not good.any():
        return
    share = np.zeros(len(geoms))
    share[good] = 1.0 - shapely.area(shapely.intersection(geoms[good], footprint)) / shapely.area(
        geoms[good]
    )
    named = share > _PARTLY_OUTSIDE
    if not named.any():
        return
    order = np.flatnonzero(named)[np.argsort(-share[named], kind="stable")]
    shown = first_few([f"{districts.index[i]} {share[i]:.0%}" for i in order], limit=10)
    one = len(order) == 1
    report.find(
        Said(
            f"{role}: the raster {raster.path.name} covers only part of {len(order):,} "
            f"district{'' if one else 's'} (the share of {'its' if one else 'their'} land "
            f"beyond it: {shown}): the people there are counted nowhere, in no area and not in "
            "the residual, so the district totals are short; give a raster that covers the "
            "districts",
            code="raster_short_of_districts",
            raster=role,
            file=raster.path.name,
            count=len(order),
            ids=[f"{districts.index[i]} {share[i]:.0%}" for i in order[:10]],
        ),
        by=logger,
    )
