"""A layer on an old Chinese datum (Xian 1980, Beijing 1954) moved to CGCS2000 by the
bureau's own transformation.

PROJ ships no transformation from Xian 1980 or Beijing 1954 to CGCS2000: China's
provinces publish their own 7-parameter (Bursa-Wolf) or 4-parameter ones. Without one,
PROJ moves such a layer by its projection alone (a "ballpark" transformation) and it
lies some tens of metres to 150 m off. ``[inputs.<layer>] datum_shift`` gives the
transformation (:class:`siting.scenario.DatumShift`), either as the seven parameters

.. math::

    \\begin{pmatrix} X \\\\ Y \\\\ Z \\end{pmatrix}_{\\mathrm{CGCS2000}}
    = \\begin{pmatrix} d_x \\\\ d_y \\\\ d_z \\end{pmatrix}
    + (1 + d_s 10^{-6})
    \\begin{pmatrix} 1 & -r_z & r_y \\\\ r_z & 1 & -r_x \\\\ -r_y & r_x & 1 \\end{pmatrix}
    \\begin{pmatrix} X \\\\ Y \\\\ Z \\end{pmatrix}_{\\mathrm{old}}

on geocentric coordinates (the position-vector convention of PROJ's ``+towgs84``;
ArcGIS's "Coordinate Frame" signs :math:`r_x, r_y, r_z` the other way), or as a PROJ
pipeline from the layer's coordinates to CGCS2000 longitude and latitude. The layer
is then moved to CGCS2000 geographic coordinates and on to the working CRS.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pyproj
import shapely
from pyproj.exceptions import ProjError

from siting._said import Said
from siting.inputs._problems import _Report, _Where
from siting.scenario import DatumShift

CGCS2000 = pyproj.CRS.from_epsg(4490)
"""CGCS2000 geographic, where a datum shift lands (longitude first, with ``always_xy``)."""

ROTATIONS = {"position_vector": "position_vector", "coordinate_frame": "coordinate_frame"}
"""``datum_shift.rotation``: PROJ's ``+towgs84`` (EPSG 9606) or ArcGIS's "Coordinate
Frame" (EPSG 9607), by the names PROJ's ``helmert`` ``+convention`` takes."""

MAX_TRANSLATION_M = 1000.0
"""The largest plausible translation to CGCS2000: Xian 1980's and Beijing 1954's are
some tens to a few hundred metres."""

MAX_ROTATION_ARCSEC = 60.0
"""The largest plausible rotation, in arc-seconds (a province's are a few)."""

MAX_SCALE_PPM = 100.0
"""The largest plausible scale difference, in parts per million (a province's are a few)."""

MAX_SHIFT_M = 500.0
"""A shift that moves the layer further than this from where its projection alone puts
it has a sign, a unit or the rotation convention wrong: Xian 1980 and Beijing 1954 lie
within about 150 m of CGCS2000 across China."""

ToCgcs2000 = Callable[[npt.NDArray[np.float64], npt.NDArray[np.float64]], tuple[object, object]]
"""The layer's x, y to CGCS2000 longitude and latitude in degrees."""


def _key(where: _Where) -> str:
    return f"datum_shift under [inputs.{where.layer}]"


def _helmert(own: pyproj.CRS, shift: DatumShift) -> ToCgcs2000:
    """The layer's coordinates to its own longitude and latitude, then by the seven
    (or three) parameters on geocentric coordinates to CGCS2000's."""
    geodetic = own.geodetic_crs
    assert geodetic is not None
    ellipsoid = geodetic.ellipsoid
    assert ellipsoid is not None
    names = ("x", "y", "z", "rx", "ry", "rz", "s")
    params = " ".join(f"+{n}={v!r}" for n, v in zip(names, shift.towgs84, strict=False))
    helmert = pyproj.Transformer.from_pipeline(
        "+proj=pipeline +step +proj=unitconvert +xy_in=deg +xy_out=rad "
        f"+step +proj=cart +a={ellipsoid.semi_major_metre!r} +rf={ellipsoid.inverse_flattening!r} "
        f"+step +proj=helmert {params} +convention={ROTATIONS[shift.rotation]} "
        "+step +inv +proj=cart +ellps=GRS80 +step +proj=unitconvert +xy_in=rad +xy_out=deg"
    )
    lonlat = pyproj.Transformer.from_crs(own, geodetic, always_xy=True)

    def to_cgcs2000(
        x: npt.NDArray[np.float64], y: npt.NDArray[np.float64]
    ) -> tuple[object, object]:
        lon, lat = lonlat.transform(x, y)
        return helmert.transform(lon, lat)  # type: ignore[no-any-return]

    return to_cgcs2000


def _parameter_problems(shift: DatumShift, where: _Where) -> list[str]:
    """What is wrong with ``datum_shift``'s values, in words; empty when nothing is."""
    if (len(shift.towgs84) > 0) == (shift.pipeline is not None):
        return [
            "gives "
            + ("both towgs84 and pipeline" if shift.pipeline else "neither towgs84 nor pipeline")
        ]
    if shift.pipeline is not None:
        return []
    wrong = []
    if shift.rotation not in ROTATIONS:
        wrong.append(
            f"has rotation = '{shift.rotation}', which is neither of {', '.join(ROTATIONS)}"
        )
    values = shift.towgs84
    if len(values) not in (3, 7):
        return [*wrong, f"has {len(values)} numbers in towgs84, not seven (or three)"]
    limits = [(values[:3], MAX_TRANSLATION_M, "translations", "m")]
    if len(values) == 7:
        limits += [
            (values[3:6], MAX_ROTATION_ARCSEC, "rotations", '"'),
            (values[6:], MAX_SCALE_PPM, "scale difference", " ppm"),
        ]
    for part, limit, what, unit in limits:
        big = [v for v in part if not abs(v) <= limit]
        if big:
            wrong.append(
                f"has {what} of {', '.join(f'{v:g}' for v in big)}, beyond the plausible "
                f"±{limit:g}{unit}"
            )
    return wrong


def to_cgcs2000(
    own: pyproj.CRS, shift: DatumShift, where: _Where, report: _Report
) -> ToCgcs2000 | None:
    """The transformation ``datum_shift`` gives, from the layer's CRS to CGCS2000
    longitude and latitude; None, with a problem naming the key, when it is unusable."""
    fix = (
        "give the province's parameters from the layer's datum to CGCS2000 as "
        "datum_shift = { towgs84 = [dx, dy, dz, rx, ry, rz, ds] } (metres, arc-seconds, "
        'ppm; add rotation = "coordinate_frame" for parameters written for ArcGIS\'s '
        '"Coordinate Frame" method), or datum_shift = { pipeline = "+proj=pipeline ..." } '
        "from the layer's coordinates to CGCS2000 longitude and latitude"
    )
    wrong = _parameter_problems(shift, where)
    if wrong:
        report.problems.append(where.problem(f"{_key(where)} {'; '.join(wrong)}", fix=fix))
        return None
    if shift.pipeline is None:
        return _helmert(own, shift)
    try:
        pipeline = pyproj.Transformer.from_pipeline(shift.pipeline)
    except ProjError as exc:
        report.problems.append(
            where.problem(f"{_key(where)}: PROJ does not read its pipeline ({exc})", fix=fix)
        )
        return None
    return pipeline.transform  # type: ignore[no-any-return]


def check_shift(
    frame: gpd.GeoDataFrame,
    own: pyproj.CRS,
    shift: ToCgcs2000,
    where: _Where,
    report: _Report,
) -> bool:
    """Whether the shift moves the layer's centre to within :data:`MAX_SHIFT_M` of where
    its projection alone puts it; a problem naming the key when not (a sign, a unit or
    the rotation convention wrong, or a pipeline that does not end in degrees)."""
    bounds = frame.total_bounds
    if not np.isfinite(bounds).all():
        return True
    x, y = (bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2
    lon, lat = (float(np.ravel(v)[0]) for v in shift(np.array([x]), np.array([y])))  # type: ignore[call-overload]
    plain = pyproj.Transformer.from_crs(own, CGCS2000, always_xy=True)
    lon0, lat0 = plain.transform(x, y)
    metres = math.inf
    if math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 360 and -90 <= lat <= 90:
        metres = float(pyproj.Geod(ellps="GRS80").inv(lon0, lat0, lon, lat)[2])
    if metres <= MAX_SHIFT_M:
        return True
    moved = (
        f"moves it {metres:,.0f} m"
        if math.isfinite(metres)
        else f"takes it to ({lon:.1f}, {lat:.1f}), not degrees,"
    )
    report.problems.append(
        where.problem(
            f"{_key(where)} {moved} from where its projection alone puts its centre "
            f"({lon0:.5f}°E, {lat0:.5f}°N); Xian 1980 and Beijing 1954 lie within about 150 m "
            "of CGCS2000",
            fix="check the parameters' signs and units (metres, arc-seconds, ppm) and the "
            'rotation convention (rotation = "coordinate_frame" for ArcGIS\'s), or that the '
            "pipeline ends in CGCS2000 longitude and latitude in degrees",
        )
    )
    return False


def shifted(frame: gpd.GeoDataFrame, shift: ToCgcs2000, work: pyproj.CRS) -> gpd.GeoDataFrame:
    """The layer moved by ``shift`` to CGCS2000, then to the working CRS."""
    onward = pyproj.Transformer.from_crs(CGCS2000, work, always_xy=True)

    def move(xy: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        lon, lat = shift(xy[:, 0], xy[:, 1])
        x, y = onward.transform(lon, lat)
        return np.column_stack([np.asarray(x, dtype=float), np.asarray(y, dtype=float)])

    geoms = shapely.transform(np.asarray(frame.geometry.to_numpy(), dtype=object), move)
    out = frame.set_crs(work, allow_override=True)
    out[frame.geometry.name] = gpd.GeoSeries(geoms, index=frame.index, crs=work)
    return out


OLD_DATUMS = ("Xian 1980", "Beijing 1954", "New Beijing")
"""China's old datums (PROJ's names), which PROJ knows no shift from to CGCS2000."""

TYPICAL_OFFSET_M = (50, 150)
"""How far a layer on an old datum lies from CGCS2000 when moved by its projection
alone: the 7-parameter shifts China's provinces publish move points some 50 to 150 m
(the sweep's sample: 98 m)."""


def unshifted_finding(name: str, datums: tuple[str, str], label: str) -> Said:
    """The finding that layer ``name``, on ``datums[0]``, was moved to the working CRS's
    ``datums[1]`` with no shift (PROJ knowing none).

    On one of :data:`OLD_DATUMS` the offset is :data:`TYPICAL_OFFSET_M`: without the
    province's parameters siting cannot measure it, and any one province's would be as
    wrong elsewhere. On another datum (a city's local system) siting knows no offset.
    """
    old = next((d for d in datums if any(o in d for o in OLD_DATUMS)), None)
    if old is None:
        return Said(
            f"{name}: its CRS {label} is on the {datums[0]} datum, and PROJ knows no shift "
            f"from it to {datums[1]}: the layer was moved by its projection alone and may lie "
            "tens of metres off. Fix: give its transformation to CGCS2000 as datum_shift "
            f"under [inputs.{name}], or reproject it with the bureau's own transformation "
            "parameters (for example to EPSG:4490 in QGIS) before handing it over",
            code="datum_unshifted",
            layer=name,
            crs=label,
            datum=datums[0],
            section=f"[inputs.{name}]",
        )
    low, high = TYPICAL_OFFSET_M
    if any(o in datums[0] for o in OLD_DATUMS):
        fix = (
            f"give the province's transformation from {old} to CGCS2000 under "
            f"[inputs.{name}] as datum_shift = {{ towgs84 = [dx, dy, dz, rx, ry, rz, ds] }} "
            "(or reproject the layer to CGCS2000 with it before handing it over)"
        )
        section = f"[inputs.{name}]"
    else:  # the working CRS is on the old datum, the layer on CGCS2000
        fix = (
            "set crs in the scenario to a CGCS2000 zone (EPSG:4544 for central meridian "
            f"105°E) and give the layers on {old} their datum_shift"
        )
        section = "crs"
    return Said(
        f"{name}: its CRS {label} is on the {datums[0]} datum, and PROJ knows no shift from "
        f"it to {datums[1]}: the layer was used where its projection alone puts it, likely "
        f"{low}–{high} m off, and every walk to it (against radii of a few hundred metres) "
        f"and every hazard buffer (5–50 m) is measured from there. Fix: {fix}",
        code="old_datum_unshifted",
        layer=name,
        crs=label,
        datum=old,
        low_m=low,
        high_m=high,
        section=section,
    )
