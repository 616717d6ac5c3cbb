"""Convert coordinates between WGS84 and GCJ-02, the datum of Gaode/AutoNavi and Tencent tiles.

Chinese web maps other than Tianditu (天地图) draw their tiles in GCJ-02, a
published but deliberately distorted version of WGS84. In Guangyuan the shift
is about 440 m (DOMAIN.md §6), so true coordinates drawn on Gaode tiles land
in the wrong place unless they are converted first. Outside China (the usual
rectangle test) no shift is applied.

The forward transform is the widely used closed form (Krasovsky 1940
ellipsoid). There is no closed-form inverse; :func:`gcj02_to_wgs84` inverts it
by fixed-point iteration, to well under a centimetre.

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
    "gcj02_to_wgs84",
    "geometry_to_gcj02",
    "geometry_to_wgs84",
    "in_china",
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
    gx = np.asarray(lon, dtype=float)
    gy = np.asarray(lat, dtype=float)
    wx, wy = gx.copy(), gy.copy()
    for _ in range(max_iter):
        d_lon, d_lat = _shift(wx, wy)
        nx, ny = gx - d_lon, gy - d_lat
        step = max(
            float(np.max(np.abs(nx - wx), initial=0.0)), float(np.max(np.abs(ny - wy), initial=0.0))
        )
        wx, wy = nx, ny
        if step < tolerance_deg:
            break
    else:  # pragma: no cover - the iteration converges in < 10 steps in practice
        logger.warning("gcj02_to_wgs84 did not converge in %d iterations", max_iter)
    return _as_output(wx, lon), _as_output(wy, lat)


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


def geometry_to_wgs84(data: G) -> G:
    """Undo :func:`geometry_to_gcj02`: a copy with every vertex from GCJ-02 back to WGS84.

    Parameters
    ----------
    data
        Geometries whose lon/lat coordinates are GCJ-02 (for example traced on Gaode tiles).

    Returns
    -------
    geopandas.GeoDataFrame or geopandas.GeoSeries
        Same type and index, coordinates in WGS84.
    """
    return _transform_geoms(data, gcj02_to_wgs84)
