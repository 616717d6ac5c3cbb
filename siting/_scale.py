"""How far a projected CRS stretches distances at a place, and the CRS to measure it in instead.

PROJ gives a projection's scale at any longitude and latitude: Web Mercator's is
1/cos(latitude) (1.18 at Guangyuan, so a 300 m walk measures 355 "metres"), a
Gauss–Krüger zone's grows with the distance from its central meridian (1.11 at
Guangyuan in the zone of 75°E). The inputs' working CRS and
:func:`siting.locate.cost_from_geodataframes` both refuse a CRS whose scale over
the data is off by more than :data:`MAX_SCALE_ERROR`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyproj
from pyproj.exceptions import CRSError

GK_WITH_ZONE_NUMBER = 4488
"""EPSG code of CGCS2000 3° Gauss–Krüger zone z, eastings with the zone number in front:
z + this (zones 25–45 are EPSG:4513–4533)."""
GK_WITHOUT_ZONE_NUMBER = 4509
"""EPSG code of the same zone without the zone number: z + this (EPSG:4534–4554)."""


def gk_zone(lon: float) -> int | None:
    """The CGCS2000 3° Gauss–Krüger zone of a longitude (central meridian 3 × zone), or
    ``None`` outside China's zones 25–45."""
    zone = round(lon / 3.0)
    return zone if 25 <= zone <= 45 else None


def local_zone(lon: float, lat: float, *, template: str = "EPSG:{epsg}") -> str:
    """The metric CRS to measure a place in, in words: its CGCS2000 3° Gauss–Krüger zone in
    China (``template`` formats the EPSG code), else "the local UTM or Gauss–Krüger zone"."""
    zone = gk_zone(lon)
    if zone is None or not 0 < lat < 60:
        return "the local UTM or Gauss–Krüger zone"
    code = template.format(epsg=zone + GK_WITHOUT_ZONE_NUMBER)
    return f"{code} (CGCS2000 3° Gauss–Krüger, central meridian {3 * zone}°E)"


MAX_SCALE_ERROR = 0.01
"""How far the working CRS may stretch or shrink distances over the study area (1 %)."""


def worst_scale(work: pyproj.CRS, bounds: Sequence[float]) -> tuple[float, float, float] | None:
    """PROJ's scale of ``work`` furthest from 1 at the centre and corners of ``bounds``
    (in ``work``), with the centre's longitude and latitude; ``None`` when PROJ has none."""
    to_lonlat = pyproj.Transformer.from_crs(work, 4326, always_xy=True)
    x0, y0, x1, y1 = bounds
    xs = [(x0 + x1) / 2, x0, x0, x1, x1]
    ys = [(y0 + y1) / 2, y0, y1, y0, y1]
    lon, lat = to_lonlat.transform(xs, ys)
    try:
        factors = pyproj.Proj(work).get_factors(lon, lat)
    except (CRSError, pyproj.exceptions.ProjError):  # a CRS PROJ cannot give factors for
        return None
    scales = np.concatenate(
        [np.atleast_1d(factors.meridional_scale), np.atleast_1d(factors.parallel_scale)]
    )
    scales = scales[np.isfinite(scales)]
    if not len(scales):
        return None
    return float(scales[np.argmax(np.abs(scales - 1.0))]), float(lon[0]), float(lat[0])


def degrees(value: float, positive: str, negative: str) -> str:
    """``105.84°E`` / ``102.30°W``."""
    return f"{abs(value):.2f}°{positive if value >= 0 else negative}"
