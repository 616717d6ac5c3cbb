"""Convert coordinates between WGS84, GCJ-02 (Gaode/AutoNavi, Tencent) and BD-09 (Baidu).

Chinese web maps other than Tianditu (天地图) draw their tiles in GCJ-02, a
published but deliberately distorted version of WGS84. In Guangyuan the shift
is about 440 m (DOMAIN.md §6), so true coordinates drawn on Gaode tiles land
in the wrong place unless they are converted first. Baidu's BD-09 shifts GCJ-02
once more, by another 880–930 m in Guangyuan. Outside China (the usual rectangle test) no
shift is applied, by either.

The forward transform is the widely used closed form (Krasovsky 1940
ellipsoid). There is no closed-form inverse; :func:`gcj02_to_wgs84` inverts it
by fixed-point iteration, to well under a centimetre.

BD-09 is GCJ-02 turned into polar form about the origin, nudged and moved back:
with :math:`x_\\pi = \\pi \\cdot 3000 / 180`,

.. math::

    z = \\sqrt{x^2 + y^2} + 2 \\cdot 10^{-5} \\sin(y\\, x_\\pi), \\quad
    \\theta = \\operatorname{atan2}(y, x) + 3 \\cdot 10^{-6} \\cos(x\\, x_\\pi),

    x_{\\mathrm{BD}} = z \\cos\\theta + 0.0065, \\quad y_{\\mathrm{BD}} = z \\sin\\theta + 0.006

(:func:`gcj02_to_bd09`), with :math:`(x, y)` GCJ-02 longitude and latitude. The
usual inverse subtracts the nudges at the BD-09 point, which is off by up to
2·10⁻⁶° (0.2 m) across China; :func:`bd09_to_gcj02` inverts the closed form by the same
fixed-point iteration instead.

Examples
--------
>>> from siting.gcj02 import wgs84_to_gcj02, gcj02_to_wgs84
>>> lon, lat = wgs84_to_gcj02(105.843, 32.435)
>>> round(float(lon), 5), round(float(lat), 5)
(105.84671, 32.4326)
>>> back = gcj02_to_wgs84(lon, lat)
>>> round(float(back[0]), 7), round(float(back[1]), 7)
(105.843, 32.435)
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, TypeVar, cast

import numpy as np
from numpy.typing import ArrayLike, NDArray

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "TO_WGS84",
    "bd09_to_gcj02",
    "bd09_to_wgs84",
    "gcj02_to_bd09",
    "gcj02_to_wgs84",
    "geometry_to_bd09",
    "geometry_to_gcj02",
    "geometry_to_wgs84",
    "in_china",
    "wgs84_to_bd09",
    "wgs84_to_gcj02",
]

logger = logging.getLogger(__name__)

_A_M = 6378245.0
"""Semi-major axis of the Krasovsky 1940 ellipsoid used by GCJ-02, in metres."""
_EE = 0.00669342162296594323
"""First eccentricity squared of that ellipsoid."""

_LON_MIN, _LON_MAX = 72.004, 137.8347
_LAT_MIN, _LAT_MAX = 0.8293, 55.8271

G = TypeVar("G", bound="gpd.GeoSeries | gpd.GeoDataFrame")


def in_china(lon: ArrayLike, lat: ArrayLike) -> NDArray[np.bool_]:
    """Whether points lie in the rectangle where GCJ-02 applies.

    Parameters
    ----------
    lon, lat
        Longitudes and latitudes in degrees (scalars or arrays of one shape).

    Returns
    -------
    numpy.ndarray
        Boolean array, ``True`` where the shift applies.
    """
    x = np.asarray(lon, dtype=float)
    y = np.asarray(lat, dtype=float)
    inside: NDArray[np.bool_] = (
        (x >= _LON_MIN) & (x <= _LON_MAX) & (y >= _LAT_MIN) & (y <= _LAT_MAX)
    )
    return inside


def _shift(lon: NDArray[np.float64], lat: NDArray[np.float64]) -> tuple[NDArray[np.float64], ...]:
    """The GCJ-02 offset (degrees) at WGS84 positions, zero outside China."""
    x = lon - 105.0
    y = lat - 35.0
    sqrt_abs_x = np.sqrt(np.abs(x))
    common = (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    d_lat = (
        -100.0
        + 2.0 * x
        + 3.0 * y
        + 0.2 * y * y
        + 0.1 * x * y
        + 0.2 * sqrt_abs_x
        + common
        + (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
        + (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    )
    d_lon = (
        300.0
        + x
        + 2.0 * y
        + 0.1 * x * x
        + 0.1 * x * y
        + 0.1 * sqrt_abs_x
        + common
        + (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
        + (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    )
    rad_lat = np.radians(lat)
    magic = 1.0 - _EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A_M * (1.0 - _EE)) / (magic * sqrt_magic) * np.pi)
    d_lon = (d_lon * 180.0) / (_A_M / sqrt_magic * np.cos(rad_lat) * np.pi)
    inside = in_china(lon, lat)
    return np.where(inside, d_lon, 0.0), np.where(inside, d_lat, 0.0)


def _as_output(values: NDArray[np.float64], like: Any) -> Any:
    """Return a Python float for scalar input, an array otherwise."""
    if np.ndim(like) == 0:
        return float(values)
    return values


def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[Any, Any]:
    """Shift WGS84 longitudes and latitudes to GCJ-02.

    Parameters
    ----------
    lon, lat
        WGS84 degrees; scalars or numpy arrays of one shape.

    Returns
    -------
    tuple
        ``(lon, lat)`` in GCJ-02: floats for scalar input, arrays otherwise.
        Points outside China are returned unchanged.
    """
    x = np.asarray(lon, dtype=float)
    y = np.asarray(lat, dtype=float)
    d_lon, d_lat = _shift(x, y)
    return _as_output(x + d_lon, lon), _as_output(y + d_lat, lat)


def _inverse(
    forward: Any,
    lon: ArrayLike,
    lat: ArrayLike,
    *,
    tolerance_deg: float,
    max_iter: int,
) -> tuple[Any, Any]:
    """Invert ``forward`` (a shift that varies slowly) by the fixed-point iteration
    ``p = q - (forward(p) - p)``, from ``p = q``."""
    qx = np.asarray(lon, dtype=float)
    qy = np.asarray(lat, dtype=float)
    px, py = qx.copy(), qy.copy()
    for _ in range(max_iter):
        fx, fy = forward(px, py)
        nx, ny = qx - (fx - px), qy - (fy - py)
        step = max(
            float(np.max(np.abs(nx - px), initial=0.0)), float(np.max(np.abs(ny - py), initial=0.0))
        )
        px, py = nx, ny
        if step < tolerance_deg:
            break
    else:  # pragma: no cover - the iteration converges in < 10 steps in practice
        logger.warning("%s's inverse did not converge in %d iterations", forward.__name__, max_iter)
    return _as_output(px, lon), _as_output(py, lat)


def gcj02_to_wgs84(
    lon: ArrayLike, lat: ArrayLike, *, tolerance_deg: float = 1e-10, max_iter: int = 30
) -> tuple[Any, Any]:
    """Convert GCJ-02 longitudes and latitudes back to WGS84.

    The forward shift varies slowly, so the fixed-point iteration
    ``wgs = gcj - shift(wgs)`` converges in a handful of steps.

    Parameters
    ----------
    lon, lat
        GCJ-02 degrees; scalars or numpy arrays of one shape.
    tolerance_deg
        Stop when every point moves less than this between iterations
        (``1e-10`` degrees is about 0.01 mm).
    max_iter
        Upper bound on iterations.

    Returns
    -------
    tuple
        ``(lon, lat)`` in WGS84: floats for scalar input, arrays otherwise.
    """
    return _inverse(wgs84_to_gcj02, lon, lat, tolerance_deg=tolerance_deg, max_iter=max_iter)


X_PI = np.pi * 3000.0 / 180.0
"""The angular factor of BD-09's nudges, :math:`x_\\pi = \\pi \\cdot 3000 / 180`."""


def gcj02_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[Any, Any]:
    """Shift GCJ-02 longitudes and latitudes to Baidu's BD-09 (the closed form above).

    Parameters
    ----------
    lon, lat
        GCJ-02 degrees; scalars or numpy arrays of one shape.

    Returns
    -------
    tuple
        ``(lon, lat)`` in BD-09: floats for scalar input, arrays otherwise. Points
        outside China are returned unchanged.
    """
    x = np.asarray(lon, dtype=float)
    y = np.asarray(lat, dtype=float)
    z = np.hypot(x, y) + 0.00002 * np.sin(y * X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * X_PI)
    inside = in_china(x, y)
    bx = np.where(inside, z * np.cos(theta) + 0.0065, x)
    by = np.where(inside, z * np.sin(theta) + 0.006, y)
    return _as_output(bx, lon), _as_output(by, lat)


def bd09_to_gcj02(
    lon: ArrayLike, lat: ArrayLike, *, tolerance_deg: float = 1e-10, max_iter: int = 30
) -> tuple[Any, Any]:
    """Convert BD-09 longitudes and latitudes back to GCJ-02, inverting
    :func:`gcj02_to_bd09` by fixed-point iteration (its nudges vary slowly).

    Parameters
    ----------
    lon, lat
        BD-09 degrees; scalars or numpy arrays of one shape.
    tolerance_deg
        Stop when every point moves less than this between iterations.
    max_iter
        Upper bound on iterations.

    Returns
    -------
    tuple
        ``(lon, lat)`` in GCJ-02: floats for scalar input, arrays otherwise.
    """
    return _inverse(gcj02_to_bd09, lon, lat, tolerance_deg=tolerance_deg, max_iter=max_iter)


def wgs84_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[Any, Any]:
    """Shift WGS84 longitudes and latitudes to BD-09, by way of GCJ-02: scalars or arrays
    in, ``(lon, lat)`` out as :func:`wgs84_to_gcj02` takes and gives them."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[Any, Any]:
    """Convert BD-09 longitudes and latitudes back to WGS84, by way of GCJ-02: scalars or
    arrays in, ``(lon, lat)`` out as :func:`gcj02_to_wgs84` takes and gives them."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def _transform_geoms(data: G, func: Any) -> G:
    import shapely

    if data.crs is not None and not data.crs.equals("EPSG:4326"):
        data = data.to_crs("EPSG:4326")

    def coords(xy: NDArray[np.float64]) -> NDArray[np.float64]:
        x, y = func(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    import geopandas as gpd

    geoms = shapely.transform(np.asarray(data.geometry.values), coords)
    series = gpd.GeoSeries(geoms, index=data.index, crs=data.crs)
    if isinstance(data, gpd.GeoSeries):
        return cast(G, series.rename(data.name))
    out = data.copy()
    out[data.geometry.name] = series
    return cast(G, out)


def geometry_to_gcj02(data: G) -> G:
    """Return a copy of a GeoDataFrame or GeoSeries with every vertex in GCJ-02.

    Parameters
    ----------
    data
        Geometries in any CRS; they are first brought to WGS84 lon/lat.

    Returns
    -------
    geopandas.GeoDataFrame or geopandas.GeoSeries
        Same type and index. The CRS is still labelled EPSG:4326, as web maps
        expect lon/lat; the coordinates are GCJ-02 and are meant only for
        drawing on GCJ-02 tiles (Gaode/AutoNavi, Tencent).
    """
    return _transform_geoms(data, wgs84_to_gcj02)


def geometry_to_wgs84(data: G, *, datum: str = "gcj02") -> G:
    """Undo :func:`geometry_to_gcj02` (or :func:`geometry_to_bd09`): a copy with every
    vertex from GCJ-02 (or BD-09) back to WGS84.

    Parameters
    ----------
    data
        Geometries whose lon/lat coordinates are GCJ-02 (for example traced on Gaode tiles)
        or BD-09 (picked on Baidu maps).
    datum
        Which: ``"gcj02"`` or ``"bd09"``.

    Returns
    -------
    geopandas.GeoDataFrame or geopandas.GeoSeries
        Same type and index, coordinates in WGS84.
    """
    return _transform_geoms(data, TO_WGS84[datum])


def geometry_to_bd09(data: G) -> G:
    """As :func:`geometry_to_gcj02`, but every vertex in BD-09: for drawing on Baidu's
    maps, or making test data as Baidu hands it over."""
    return _transform_geoms(data, wgs84_to_bd09)


TO_WGS84 = {"gcj02": gcj02_to_wgs84, "bd09": bd09_to_wgs84}
"""Each web-map datum's inverse, by its name in ``datum_shift``."""
