"""The working CRS, reprojection to it, and the check that every input lies in the study area.

The working CRS is the scenario's (projected, in metres) or the UTM zone of
the areas. A layer or raster that lands far from the study area almost always
has a wrong CRS, and the problem says so with both sets of bounds.
"""

from __future__ import annotations

import functools
import logging
import math
from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pyproj
import shapely
from pyproj.aoi import AreaOfInterest
from pyproj.database import query_utm_crs_info
from pyproj.exceptions import CRSError

from siting._scale import (
    GK_WITH_ZONE_NUMBER,
    GK_WITHOUT_ZONE_NUMBER,
    MAX_SCALE_ERROR,
    gk_zone,
    local_zone,
    worst_scale,
)
from siting.errors import Problem
from siting.inputs import _datum
from siting.inputs._problems import _count, _Report, _Where
from siting.scenario import DatumShift

logger = logging.getLogger(__name__)


def _working_crs(crs: str | pyproj.CRS | None, report: _Report) -> pyproj.CRS | None:
    if crs is None:
        return None
    fix = (
        'set crs to a projected CRS in metres, such as crs = "EPSG:4544" (CGCS2000 3° '
        "Gauss–Krüger, central meridian 105°E) for Guangyuan, or leave it out to use the areas' "
        "own projected CRS or their zone"
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


def _chosen_crs(
    frame: gpd.GeoDataFrame, *, whose: str = "the areas'"
) -> tuple[pyproj.CRS, str] | None:
    """The working CRS for a scenario that gives none, and why, from the areas' layer
    (``whose``: the layer it is said to be the own CRS of; the streets', when street
    blocks are the only areas).

    A planner's areas in a projected metric CRS that measures the study area
    within :data:`MAX_SCALE_ERROR` keep it (EPSG:4544 stays EPSG:4544, and the
    plan comes back in it); areas in CGCS2000 degrees (EPSG:4490) get their
    CGCS2000 3° Gauss–Krüger zone; anything else gets the UTM zone of the study
    area. Before, every one got the UTM zone (WGS 84), so a bureau's CGCS2000
    data came back in WGS 84 / UTM, and distances right at a radius measured
    0.04 % apart flipped pairs.
    """
    own = pyproj.CRS.from_user_input(frame.crs)
    geoms = _drawn(frame)
    if len(geoms) == 0:
        return None
    bounds = geoms.total_bounds
    metres = own.is_projected and all(
        (axis.unit_name or "").lower() in ("metre", "meter") for axis in own.axis_info
    )
    if metres and np.isfinite(bounds).all():
        found = worst_scale(own, bounds)
        if found is not None and abs(found[0] - 1.0) <= MAX_SCALE_ERROR:
            return own, f"{whose} own CRS"
    geodetic = own.geodetic_crs
    datum = geodetic.datum.name if geodetic is not None and geodetic.datum is not None else ""
    lonlat = _transform_bounds(bounds, own, pyproj.CRS("EPSG:4326"))
    if "China 2000" in datum and lonlat is not None:
        lon, lat = (lonlat[0] + lonlat[2]) / 2, (lonlat[1] + lonlat[3]) / 2
        zone = gk_zone(lon)
        if zone is not None and 0 < lat < 60:
            crs = pyproj.CRS.from_epsg(zone + GK_WITHOUT_ZONE_NUMBER)
            return crs, "the CGCS2000 3° Gauss–Krüger zone of the study area"
    utm = _utm_crs(frame)
    return None if utm is None else (utm, "the UTM zone of the study area")


def _check_scale(work: pyproj.CRS, study: shapely.Polygon, report: _Report) -> None:
    """A problem when the scenario's CRS measures the study area's metres wrongly.

    Web Mercator stretches them by 1/cos(latitude) (18 % at Guangyuan), and another
    city's Gauss–Krüger zone by a few percent: radii, areas and distances would all be
    off. The scale is PROJ's, at the study area's centre and corners.
    """
    found = worst_scale(work, study.bounds)
    if found is None:
        return
    worst, lon, lat = found
    if abs(worst - 1.0) <= MAX_SCALE_ERROR:
        return
    suggestion = local_zone(lon, lat, template='crs = "EPSG:{epsg}"')
    change = "stretches" if worst > 1 else "shrinks"
    report.problems.append(
        Problem(
            f"the working CRS {work.name} {change} distances by {abs(worst - 1.0):.1%} over the "
            f"study area (scale {worst:.4f} near {lon:.2f}°E, {lat:.2f}°N): "
            "walking radii, distances and areas would all be wrong",
            fix=f"use the study area's own zone, {suggestion}, or leave crs out to use the "
            "areas' own projected CRS or their zone",
        )
    )


_CLOSE_DATUMS = ("China 2000", "World Geodetic System 1984", "ITRF", "International Terrestrial")
"""Datums within a metre or so of CGCS2000: PROJ's zero shift between them is harmless."""


def _datum_name(crs: pyproj.CRS) -> str:
    geodetic = crs.geodetic_crs
    return geodetic.datum.name if geodetic is not None and geodetic.datum is not None else ""


def _close_datum(crs: pyproj.CRS) -> bool:
    """Whether the CRS is on CGCS2000 or a datum within a metre or so of it."""
    return any(close in _datum_name(crs) for close in _CLOSE_DATUMS)


def ballpark_datums(own: pyproj.CRS, work: pyproj.CRS) -> tuple[str, str] | None:
    """The datums of ``own`` and ``work`` when PROJ knows no shift between them and they
    differ by more than a metre (Xian 1980, Beijing 1954, a city's local system against
    CGCS2000): PROJ then moves coordinates by the projections alone. ``None`` otherwise."""
    own_geo, work_geo = own.geodetic_crs, work.geodetic_crs
    if own_geo is None or work_geo is None or own_geo.datum is None or work_geo.datum is None:
        return None
    datums = (own_geo.datum.name, work_geo.datum.name)
    if _close_datum(own) and _close_datum(work):
        return None
    # a QGIS custom definition on GRS80 or WGS 84's ellipsoid (+ellps=GRS80, +towgs84=0,0,0)
    # is almost always CGCS2000 or WGS 84 under another name: no word for it
    own_ellipsoid, work_ellipsoid = own_geo.ellipsoid, work_geo.ellipsoid
    if (
        own_ellipsoid is not None
        and work_ellipsoid is not None
        and abs(own_ellipsoid.semi_major_metre - work_ellipsoid.semi_major_metre) < 1.0
    ):
        return None
    transformer = pyproj.Transformer.from_crs(own, work, always_xy=True)
    if "Ballpark" not in transformer.description and transformer.accuracy != -1:
        return None
    return datums


def _warn_of_a_ballpark(own: pyproj.CRS, work: pyproj.CRS, name: str, report: _Report) -> None:
    """Warn when PROJ knows no datum shift from a layer's CRS to the working CRS and the
    datums differ by more than a metre (Xian 1980, Beijing 1954, a city's local system):
    it then moves nothing, and the layer may sit tens of metres off, against hazard buffers
    of 5-50 m and a 100 m "beside": a finding (:func:`siting.inputs._datum.unshifted_finding`),
    fixed by ``datum_shift``."""
    datums = ballpark_datums(own, work)
    if datums is None:
        return
    report.find(_datum.unshifted_finding(name, datums, _crs_label(own)), by=logger)


def _drawn(frame: gpd.GeoDataFrame) -> gpd.GeoSeries:
    """The layer's geometries that are present and not empty (by shapely, which does not
    warn, as geopandas's ``notna`` does about empty geometries)."""
    values = np.asarray(frame.geometry.to_numpy(), dtype=object)
    return frame.geometry[~(shapely.is_missing(values) | shapely.is_empty(values))]


def lonlat_centre(frame: gpd.GeoDataFrame) -> tuple[float, float] | None:
    """The longitude and latitude (WGS 84) of the centre of a layer's drawn geometries'
    bounds; None without a CRS, a drawn geometry, or bounds that project."""
    geoms = _drawn(frame)
    if frame.crs is None or len(geoms) == 0:
        return None
    lonlat = _transform_bounds(
        geoms.total_bounds, pyproj.CRS.from_user_input(frame.crs), pyproj.CRS("EPSG:4326")
    )
    if lonlat is None:
        return None
    return (lonlat[0] + lonlat[2]) / 2, (lonlat[1] + lonlat[3]) / 2


def _utm_crs(frame: gpd.GeoDataFrame) -> pyproj.CRS | None:
    """The UTM zone (WGS 84) at the centre of the layer's bounds."""
    centre = lonlat_centre(frame)
    if centre is None:
        return None
    lon, lat = centre
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
    landing = _landing_crs(own_bounds, own_crs, study, work)
    fix = (
        f"its coordinates land in the study area read as {landing}: declare that CRS for the "
        f"{noun} (in QGIS: Layer Properties → Source → Assigned CRS), or check that it "
        "covers the same city as the areas"
        if landing
        else f"check the {noun}'s CRS — a {noun} in EPSG:4544 metres declared as EPSG:4326 "
        "lands far away — and that it covers the same city as the areas"
    )
    return where.problem(
        f"{what} lies nowhere near the study area (its bounds {_fmt_bounds(own_bounds, own_crs)} "
        f"in {_crs_label(own_crs)}; the study area's {_fmt_bounds(study_bounds, shown_crs)} "
        f"in {_crs_label(shown_crs)})",
        fix=fix,
    )


def _landing_crs(
    own_bounds: Sequence[float], own_crs: pyproj.CRS, study: shapely.Polygon, work: pyproj.CRS
) -> str | None:
    """The CRS a misdeclared layer's coordinates were probably drawn in: the first of
    CGCS2000 geographic, Gauss–Krüger 3° with or without the zone number in front (the
    study area's own zone) and its UTM zone in which they land in the study area."""
    centre = _transform_bounds(study.bounds, work, pyproj.CRS.from_epsg(4326))
    if centre is None:
        return None
    lon = (centre[0] + centre[2]) / 2
    lat = (centre[1] + centre[3]) / 2
    zone = gk_zone(lon)
    codes = [4490]
    if zone is not None:
        codes += [zone + GK_WITH_ZONE_NUMBER, zone + GK_WITHOUT_ZONE_NUMBER]
    codes.append((32600 if lat >= 0 else 32700) + int((lon + 180) // 6) + 1)
    for code in codes:
        candidate = pyproj.CRS.from_epsg(code)
        if candidate.equals(own_crs):
            continue
        moved = _transform_bounds(own_bounds, candidate, work)
        if moved is not None and shapely.box(*moved).intersects(study):
            return _crs_label(candidate) + f" ({candidate.name})"
    return None


def _reproject(
    frame: gpd.GeoDataFrame,
    name: str,
    work: pyproj.CRS,
    study: shapely.Polygon | None,
    where: _Where,
    report: _Report,
    *,
    shift: DatumShift | None = None,
) -> gpd.GeoDataFrame:
    """Reproject one layer to the working CRS and check it lies in the study area.

    ``shift`` (``[inputs.<layer>] datum_shift``) moves a layer on an old datum to
    CGCS2000 first, or a layer from a Chinese web map back to WGS 84
    (:mod:`siting.inputs._datum`); a layer that looks drawn on such a map without it is
    a finding."""
    assert frame.crs is not None
    own_crs = pyproj.CRS.from_user_input(frame.crs)
    own_bounds = frame.total_bounds
    moved = frame
    if shift is None:
        web = _datum.web_map_finding(frame, own_crs, where)
        if web is not None:
            report.find(web, by=logger)
    if shift is not None and shift.web_map is not None:
        from_web = _datum.from_web_map(frame, own_crs, shift, work, where, report)
        if from_web is None:
            return frame
        moved = from_web
    elif shift is not None:
        if _close_datum(own_crs):
            report.problems.append(
                where.problem(
                    f"datum_shift under [inputs.{where.layer}] shifts a layer whose CRS "
                    f"{_crs_label(own_crs)} is on {_datum_name(own_crs)} already, "
                    "within a metre of CGCS2000",
                    fix=f"leave datum_shift out of [inputs.{where.layer}], declare the CRS "
                    "the layer was really drawn in (Xian 1980, Beijing 1954), or write "
                    'datum_shift = "gcj02" (or "bd09") for longitudes and latitudes from a '
                    "Chinese web map",
                )
            )
            return frame
        to_cgcs2000 = _datum.to_cgcs2000(own_crs, shift, where, report)
        if to_cgcs2000 is None or not _datum.check_shift(
            frame, own_crs, to_cgcs2000, where, report
        ):
            return frame
        moved = _datum.shifted(frame, to_cgcs2000, work)
    elif not own_crs.equals(work):
        _warn_of_a_ballpark(own_crs, work, name, report)
        moved = frame.to_crs(work)
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


def _likely_projected(bounds: Sequence[float]) -> str:
    """The projected CRS that metres with these bounds are probably in, in words.

    Chinese Gauss–Krüger coordinates often carry the zone number in front of
    the easting (35 579 000 is 579 000 m in zone 35): the zone names the EPSG
    code (CGCS2000 3° zones 25–45 are EPSG:4513–4533, 6° zones 13–23 are
    EPSG:4491–4501). Without it, eastings of 0–1,000,000 m fit any
    transverse Mercator zone.
    """
    west, east = bounds[0], bounds[2]
    zone = int(west // 1_000_000)
    if zone == int(east // 1_000_000):
        if 25 <= zone <= 45:
            return (
                f"EPSG:{GK_WITH_ZONE_NUMBER + zone} (CGCS2000 3° Gauss–Krüger zone {zone}: the "
                f"eastings start with the zone number {zone})"
            )
        if 13 <= zone <= 23:
            return (
                f"EPSG:{4478 + zone} (CGCS2000 6° Gauss–Krüger zone {zone}: the eastings start "
                f"with the zone number {zone})"
            )
    if west >= 0 and east <= 1_000_000:
        return (
            "a transverse Mercator CRS in metres: a CGCS2000 3° Gauss–Krüger zone without zone "
            "number (EPSG:4534–4554; EPSG:4544 for central meridian 105°E, Guangyuan) or a UTM "
            "zone (EPSG:32643–32653 across China)"
        )
    return "a projected CRS in metres (the CRS the data were drawn in)"


def _not_degrees_problem(
    frame: gpd.GeoDataFrame, ids: Sequence[str], where: _Where, *, assumed: bool
) -> Problem | None:
    """A problem when a layer in a geographic CRS holds coordinates that are not degrees.

    Metres labelled EPSG:4490 or EPSG:4326 cannot be reprojected (GEOS and
    PROJ fail on them, far from the study-area check that would catch a wrong
    projected CRS); the problem suggests the CRS they are probably in.
    """
    if frame.crs is None:
        return None
    crs = pyproj.CRS.from_user_input(frame.crs)
    if not crs.is_geographic:
        return None
    bounds = shapely.bounds(np.asarray(frame.geometry.to_numpy(), dtype=object))
    finite = np.isfinite(bounds).all(axis=1)
    outside = finite & (
        (bounds[:, 0] < -180) | (bounds[:, 2] > 360) | (bounds[:, 1] < -90) | (bounds[:, 3] > 90)
    )
    if not outside.any():
        return None
    bad = bounds[outside]
    box = (*bad[:, :2].min(axis=0), *bad[:, 2:].max(axis=0))
    count = int(outside.sum())
    shown = "(" + ", ".join(f"{b:.0f}" for b in box) + ")"
    ids_out = [ids[int(i)] for i in np.flatnonzero(outside)] if count < len(frame) else ()
    if box[0] >= -90 and box[2] <= 90 and box[1] >= -180 and box[3] <= 180:
        # latitude first: the axis order EPSG:4490 and EPSG:4326 define, written as x, y
        return where.problem(
            f"{_count(count)} coordinates that read as latitude, longitude (bounds {shown}: "
            f"x within ±90°, y beyond it), but {_crs_label(crs)} coordinates are stored "
            "longitude first: the axes are swapped",
            ids=ids_out,
            fix="export the layer again with longitude as x and latitude as y (a tool that "
            "followed the CRS's official latitude-first axis order wrote it swapped)",
        )
    likely = _likely_projected(box)
    if assumed:
        fix = f"set crs under [inputs.{where.layer}] to {likely}"
    else:
        fix = (
            f"assign the layer its true CRS, probably {likely} (in QGIS: Layer Properties ▸ "
            "Source ▸ Assigned CRS, then export again), without reprojecting"
        )
    said = "the scenario's" if assumed else "its declared"
    return where.problem(
        f"{_count(count)} coordinates that are not degrees (bounds {shown}), but {said} "
        f"CRS {_crs_label(crs)} is geographic (longitude and latitude): the coordinates look "
        "like metres of a projected CRS",
        ids=ids_out,
        fix=fix,
    )


_CHINA_LON = (73.0, 136.0)
_CHINA_LAT = (3.0, 54.0)
_NORTHINGS = (300_000.0, 6_100_000.0)
"""Gauss–Krüger northings in China (3°N to 54°N), metres."""
_EASTINGS = (150_000.0, 850_000.0)
"""Gauss–Krüger eastings within a zone (false easting 500 km ± 3° of longitude), metres."""


_OLDER_DATUMS = (
    "(the Xian 1980 or Beijing 1954 zone of the same number if the data are older than CGCS2000)"
)


def _zone_code(zone: int) -> int:
    """The EPSG code of CGCS2000's Gauss–Krüger zone ``zone`` with its number in front of
    the easting: 3° zones 25–45 (EPSG:4513–4533), 6° zones 13–23 (EPSG:4491–4501)."""
    return zone + (GK_WITH_ZONE_NUMBER if zone >= 25 else 4478)


def lonlat_in_china(west: float, south: float, east: float, north: float) -> bool:
    """Whether a box of longitudes (west, east) and latitudes (south, north) lies in
    China's; given the box with its axes exchanged, whether the coordinates are China's
    latitudes first (a table's columns, or a layer's axes, swapped)."""
    return (
        _CHINA_LON[0] <= west <= east <= _CHINA_LON[1]
        and _CHINA_LAT[0] <= south <= north <= _CHINA_LAT[1]
    )


def crs_suggestion(bounds: Sequence[float], section: str) -> str:
    """What a layer's coordinates without a CRS look like, and the ``crs`` to give under
    ``section``, from their bounds (west, south, east, north).

    Degrees in China are CGCS2000 (EPSG:4490: GPS and 天地图 coordinates), unless they
    were copied from 高德/腾讯 (GCJ-02) or 百度 (BD-09) maps, whose shift of several
    hundred metres ``datum_shift`` undoes; Gauss–Krüger metres with the zone number in
    front of x name their zone; without it, the central meridian is needed.

    Examples
    --------
    >>> crs_suggestion((35_431_000, 3_588_000, 35_436_000, 3_595_000), "[inputs.x]")[:60]
    'the coordinates look like metres of EPSG:4523 (CGCS2000 / 3-'
    """
    west, south, east, north = (float(b) for b in bounds)
    if not all(map(math.isfinite, (west, south, east, north))):
        return f'say which CRS its coordinates are in with crs = "EPSG:4544" (say) under {section}'
    in_china = lonlat_in_china(west, south, east, north)
    if in_china:
        return (
            "the coordinates look like longitude and latitude in China "
            f"({west:.4f}–{east:.4f}°E, {south:.4f}–{north:.4f}°N): "
            f'if they are CGCS2000, GPS or 天地图 coordinates, add crs = "EPSG:4490" under '
            f"{section}; coordinates picked on 高德/腾讯 maps (GCJ-02) or 百度 maps (BD-09) are "
            'shifted by several hundred metres: for those add datum_shift = "gcj02" or '
            '"bd09" as well'
        )
    if lonlat_in_china(south, west, north, east):  # x latitudes, y longitudes
        return (
            f"the coordinates look like latitude ({west:.4f}–{east:.4f}) and longitude "
            f"({south:.4f}–{north:.4f}) in China, in that order: x must be the longitude "
            f"(swap the columns, or x = and y = under {section}), then add "
            f'crs = "EPSG:4490" under {section}'
        )
    if -180 <= west <= east <= 360 and -90 <= south <= north <= 90:
        return (
            "the coordinates look like degrees of longitude and latitude outside China: "
            f'add crs = "EPSG:4326" (WGS 84) under {section}, or the CRS they were taken in'
        )
    zone = int(west // 1_000_000)
    northing = _NORTHINGS[0] <= south <= north <= _NORTHINGS[1]
    offsets = (west - zone * 1_000_000, east - zone * 1_000_000)
    within = _EASTINGS[0] <= offsets[0] and offsets[1] <= _EASTINGS[1]
    if (
        zone == int(east // 1_000_000)
        and (25 <= zone <= 45 or 13 <= zone <= 23)
        and northing
        and within
    ):
        code = _zone_code(zone)
        return (
            f"the coordinates look like metres of EPSG:{code} "
            f"({pyproj.CRS.from_epsg(code).name}): x starts with the zone number {zone}; "
            f'add crs = "EPSG:{code}" under {section} {_OLDER_DATUMS}'
        )
    if (
        2_000_000 <= west <= east <= 6_100_000
        and int(south // 1_000_000) == int(north // 1_000_000)
        and 13 <= int(south // 1_000_000) <= 45
    ):
        y_zone = int(south // 1_000_000)
        code = _zone_code(y_zone)
        return (
            "the coordinates look like Gauss–Krüger metres with x and y swapped, as "
            f"surveyors write them (X northing, Y easting with the zone number {y_zone}): "
            f'swap them (for a table, x = "Y坐标", y = "X坐标" under {section}: the easting '
            "column and the northing column; for a layer, export it again with x as the "
            f'easting), then add crs = "EPSG:{code}" ({pyproj.CRS.from_epsg(code).name}) '
            f"under {section} {_OLDER_DATUMS}"
        )
    if zone == 0 and within and northing:
        return (
            "the coordinates look like Gauss–Krüger (or UTM) metres without the zone number, "
            "which do not say their central meridian: add the CRS of the zone they were "
            f'measured in under {section}, crs = "EPSG:4544" for CGCS2000 3° zone 35 '
            "(central meridian 105°E, Guangyuan; EPSG:4534–4554 are the 3° zones of 75°–135°E)"
        )
    shown = "(" + ", ".join(f"{b:.0f}" for b in (west, south, east, north)) + ")"
    return (
        f"the coordinates {shown} look like no CRS siting knows by its numbers: say which "
        f'CRS they are in with crs = "EPSG:4544" (for example) under {section}'
    )


def _false_easting(crs: pyproj.CRS) -> float | None:
    operation = crs.coordinate_operation
    if operation is None:
        return None
    for param in operation.params:
        if param.name.lower() == "false easting":
            return float(param.value)
    return None


def _other_numbering(crs: pyproj.CRS, shift: float) -> pyproj.CRS | None:
    """The same Gauss–Krüger zone with the zone number added to (or taken from) its false
    easting: ``shift`` more metres (EPSG:4544 ↔ EPSG:4523, 21 codes apart in the 3°
    series of CGCS2000, Xian 1980 and Beijing 1954; 11 in the 6° series)."""
    code = crs.to_epsg()
    own = _false_easting(crs)
    if code is None or own is None or crs.coordinate_operation is None:
        return None
    centre = {p.name: p.value for p in crs.coordinate_operation.params}
    for step in (21, -21, 11, -11):
        try:
            other = pyproj.CRS.from_epsg(code + step)
        except CRSError:
            continue
        easting = _false_easting(other) if other.is_projected else None
        if (
            easting is not None
            and abs(easting - own - shift) < 1.0
            and other.coordinate_operation is not None
            and {p.name: p.value for p in other.coordinate_operation.params}.get(
                "Longitude of natural origin"
            )
            == centre.get("Longitude of natural origin")
            and _datum_name(other) == _datum_name(crs)
        ):
            return other
    return None


def zone_number_problem(frame: gpd.GeoDataFrame, where: _Where, *, assumed: bool) -> Problem | None:
    """A problem when a Gauss–Krüger layer's x carries the zone number (35 431 000) and
    its CRS is the zone without it (EPSG:4544), or the reverse; or when its x are
    northings and its y the zone's eastings (a surveyor's X and Y, taken as x and y).

    Either way the layer lands thousands of kilometres from the study area, and the
    check of that said only "nowhere near"; this names the zone's other EPSG code.
    """
    if frame.crs is None:
        return None
    crs = pyproj.CRS.from_user_input(frame.crs)
    easting = _false_easting(crs) if crs.is_projected else None
    geoms = _drawn(frame)
    if easting is None or len(geoms) == 0:
        return None
    west, south, east, north = (float(b) for b in geoms.total_bounds)
    own_zone = int(easting // 1_000_000)
    data_zone = int(west // 1_000_000)
    section = f"[inputs.{where.layer}]"
    offsets = (south - own_zone * 1_000_000, north - own_zone * 1_000_000)
    if (
        max(_EASTINGS[1], _NORTHINGS[0]) < west <= east <= _NORTHINGS[1]
        and _EASTINGS[0] <= offsets[0] <= offsets[1] <= _EASTINGS[1]
    ):  # x a northing, y an easting of the CRS's zone: a surveyor's X and Y
        return where.problem(
            f"x and y are swapped: x ({west:,.0f}–{east:,.0f}) are northings and y "
            f"({south:,.0f}–{north:,.0f}) eastings of {_crs_label(crs)} ({crs.name}), as "
            "surveyors write them (X northing, Y easting)",
            fix=f"swap them: for a table, give x = the easting column and y = the northing "
            f'column under {section} (x = "Y坐标", y = "X坐标"); for a layer, export it '
            "again with x as the easting",
        )
    if data_zone != int(east // 1_000_000) or data_zone == own_zone:
        return None
    if own_zone == 0 and 13 <= data_zone <= 45:
        said = (
            f"its x coordinates ({west:,.0f}–{east:,.0f}) carry the zone number {data_zone} in "
            f"front, but its CRS {_crs_label(crs)} ({crs.name}) is the zone without it"
        )
        other = _other_numbering(crs, data_zone * 1_000_000)
    elif own_zone >= 13 and data_zone == 0:
        said = (
            f"its x coordinates ({west:,.0f}–{east:,.0f}) have no zone number in front, but its "
            f"CRS {_crs_label(crs)} ({crs.name}) is the zone with the number {own_zone}"
        )
        other = _other_numbering(crs, -own_zone * 1_000_000)
    else:
        return None
    use = f"{_crs_label(other)} ({other.name})" if other is not None else "the zone's other CRS"
    fix = (
        f'give crs = "{_crs_label(other)}" under {section}'
        if assumed and other is not None
        else f"assign the layer {use} (in QGIS: Layer Properties ▸ Source ▸ Assigned CRS, then "
        "export again), without reprojecting"
    )
    return where.problem(
        f"{said}: every x is {abs(data_zone - own_zone) * 1000:,} km off; the coordinates "
        f"are in {use}",
        fix=fix,
    )
