"""A layer on an old Chinese datum (Xian 1980, Beijing 1954) moved to CGCS2000 by the
bureau's own transformation, or a layer from a Chinese web map moved from GCJ-02 or BD-09
back to WGS 84.

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

``datum_shift = "gcj02"`` or ``"bd09"`` says the layer's longitudes and latitudes, which
its file calls WGS 84 (or CGCS2000), were read off a Chinese web map: Gaode/AutoNavi,
Tencent and Aliyun DataV draw in GCJ-02, Baidu in BD-09 (:mod:`siting.gcj02`). Every
vertex is moved back to WGS 84 by the inverse of that map's closed form, then projected
to the working CRS. Without the key, a layer whose CRS or file name names such a map, or
that carries DataV's columns, is a finding (:func:`web_map_finding`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pyproj
import shapely
from pyproj.exceptions import ProjError

from siting import gcj02
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


def shifted(
    frame: gpd.GeoDataFrame, shift: ToCgcs2000, work: pyproj.CRS, *, lands: pyproj.CRS = CGCS2000
) -> gpd.GeoDataFrame:
    """The layer moved by ``shift`` to ``lands`` (CGCS2000), then to the working CRS."""
    onward = pyproj.Transformer.from_crs(lands, work, always_xy=True)

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


WEB_MAPS = {"gcj02": "GCJ-02", "bd09": "BD-09"}
"""The web maps' datums ``datum_shift`` names, and how siting writes them."""

WEB_MAP_BASES = ("World Geodetic System 1984", "China 2000")
"""The datums (PROJ's names) a web map's longitudes and latitudes are saved as."""

_WEB_FIX = (
    'datum_shift = "gcj02" for longitudes and latitudes from Gaode/AutoNavi (高德), Tencent '
    '(腾讯) or Aliyun DataV, "bd09" for those from Baidu (百度)'
)


def _web_key(name: str) -> str | None:
    """``"gcj02"`` or ``"bd09"`` for the ways a planner writes them (GCJ-02, BD09), else None."""
    key = name.strip().lower().replace("-", "").replace("_", "")
    return key if key in WEB_MAPS else None


def _on_web_base(own: pyproj.CRS) -> bool:
    """Whether the CRS is longitude and latitude in degrees on WGS 84 or CGCS2000."""
    geodetic = own.geodetic_crs
    datum = geodetic.datum.name if geodetic is not None and geodetic.datum is not None else ""
    return own.is_geographic and any(base in datum for base in WEB_MAP_BASES)


def _label(own: pyproj.CRS) -> str:
    """The CRS by its EPSG code, or its name."""
    code = own.to_epsg()
    return f"EPSG:{code}" if code is not None else own.name


def from_web_map(
    frame: gpd.GeoDataFrame,
    own: pyproj.CRS,
    shift: DatumShift,
    work: pyproj.CRS,
    where: _Where,
    report: _Report,
) -> gpd.GeoDataFrame | None:
    """The layer's vertices moved from ``shift.web_map`` (GCJ-02 or BD-09) back to WGS 84,
    then projected to the working CRS; None, with a problem naming the key, when the key
    cannot apply: a datum siting does not know, with towgs84 or a pipeline beside it, on
    a CRS that is not degrees on WGS 84 or CGCS2000, or a layer wholly outside China
    (where no web map shifts anything)."""
    assert shift.web_map is not None
    said = f'datum_shift = "{shift.web_map}" under [inputs.{where.layer}]'
    key = _web_key(shift.web_map)
    if key is None:
        report.problems.append(
            where.problem(f"{said} names no web map's datum siting knows", fix=_WEB_FIX)
        )
        return None
    if shift.towgs84 or shift.pipeline is not None:
        report.problems.append(
            where.problem(
                f"{_key(where)} gives both web_map and towgs84 or a pipeline",
                fix=f"give one: {_WEB_FIX}, or the old datum's towgs84 or pipeline",
            )
        )
        return None
    crs = _label(own)
    if not _on_web_base(own):
        report.problems.append(
            where.problem(
                f"{said} moves longitudes and latitudes on WGS 84 or CGCS2000, but the layer's "
                f"CRS {crs} ({own.name}) is not",
                fix="declare the CRS the web map's coordinates were saved in (EPSG:4326, "
                "GeoJSON's own), or leave datum_shift out if the layer was converted from "
                f"{WEB_MAPS[key]} before it was projected",
            )
        )
        return None
    xy = shapely.get_coordinates(np.asarray(frame.geometry.to_numpy(), dtype=object))
    if len(xy) and not gcj02.in_china(xy[:, 0], xy[:, 1]).any():
        report.problems.append(
            where.problem(
                f"{said}, but the layer lies wholly outside China "
                f"({_bounds_text(xy)}), where {WEB_MAPS[key]} shifts nothing",
                fix=f"leave datum_shift out of [inputs.{where.layer}], or check the layer's "
                "coordinates (longitude first)",
            )
        )
        return None
    return shifted(frame, gcj02.TO_WGS84[key], work, lands=own)


def _bounds_text(xy: npt.NDArray[np.float64]) -> str:
    (west, south), (east, north) = xy.min(axis=0), xy.max(axis=0)
    return f"{west:.4f}–{east:.4f}°E, {south:.4f}–{north:.4f}°N"


DATAV_COLUMNS = (
    "adcode",
    "center",
    "centroid",
    "childrenNum",
    "level",
    "parent",
    "subFeatureIndex",
    "acroutes",
)
"""The properties Aliyun DataV.GeoAtlas writes on every boundary (beside ``name``); its
GeoJSON is in GCJ-02, though GeoJSON says WGS 84."""

_DATAV_FILE = re.compile(r"^\d{6}(_full)?\.json$", re.IGNORECASE)
"""DataV's file names: the adcode, ``_full`` with the subdivisions (``510800_full.json``)."""

_WEB_WORDS = {
    "bd09": re.compile(r"bd[-_ ]?09|baidu|百度", re.IGNORECASE),
    "gcj02": re.compile(
        r"gcj|gaode|autonavi|高德|火星|(?<![a-z])(amap|datav)(?![a-z])", re.IGNORECASE
    ),
}
"""Words in a CRS's text or a file's name that say a web map's datum, Baidu's first (a
BD-09 layer's name may mention GCJ-02 too); amap and datav only as words of their own
(``datamap.gpkg`` is no Gaode's)."""


def _web_map_evidence(
    frame: gpd.GeoDataFrame, own: pyproj.CRS, where: _Where
) -> tuple[str, str, list[str]] | None:
    """The datum key a layer looks to be on, what says so in words, and the names that do
    (the CRS's, the file's, DataV's columns); None when nothing does."""
    text = own.to_wkt()
    for key, words in _WEB_WORDS.items():
        if words.search(text):
            return key, f"its CRS is named {own.name}", [own.name]
    if not _on_web_base(own):
        return None
    file = Path(where.file).name
    for key, words in _WEB_WORDS.items():
        if words.search(file):
            return key, f"its file is named {file}", [file]
    names = {*map(str, frame.columns), *where.columns.values()}
    datav = [c for c in DATAV_COLUMNS if c in names]
    if "adcode" in datav and len(datav) >= 3:
        return "gcj02", f"its file {file} has Aliyun DataV's columns {', '.join(datav)}", datav
    if _DATAV_FILE.match(file):
        return "gcj02", f"its file is named {file}, as Aliyun DataV names its files", [file]
    return None


def web_map_finding(frame: gpd.GeoDataFrame, own: pyproj.CRS, where: _Where) -> Said | None:
    """The finding that a layer read without ``datum_shift`` looks to be from a Chinese web
    map (its CRS or file name names one, or it has DataV's columns), with how far that
    map's datum moves its centre; None when nothing says so or the layer is outside China."""
    evidence = _web_map_evidence(frame, own, where)
    if evidence is None:
        return None
    key, said, clues = evidence
    bounds = frame.total_bounds
    if not np.isfinite(bounds).all():
        return None
    to_lonlat = pyproj.Transformer.from_crs(own, CGCS2000, always_xy=True)
    lon, lat = to_lonlat.transform((bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2)
    if not gcj02.in_china(lon, lat):
        return None
    true_lon, true_lat = gcj02.TO_WGS84[key](lon, lat)
    metres = round(float(pyproj.Geod(ellps="WGS84").inv(lon, lat, true_lon, true_lat)[2]))
    name, datum, crs = where.layer, WEB_MAPS[key], _label(own)
    return Said(
        f"{name}: looks drawn on a Chinese web map in {datum} ({said}), though its CRS "
        f"{crs} says otherwise: {datum} lies {metres:,} m from WGS 84 at the layer's centre, "
        "against walking radii of a few hundred metres. Fix: if it is, add "
        f'datum_shift = "{key}" under [inputs.{name}]; if it was converted to WGS 84 '
        "already, nothing",
        code="web_datum_unshifted",
        layer=name,
        crs=crs,
        datum=datum,
        shift=key,
        clues=clues,
        offset_m=metres,
        section=f"[inputs.{name}]",
    )
