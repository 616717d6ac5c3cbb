"""The cells of a north-up raster grid over a box, and a box in degrees grown by metres."""

from __future__ import annotations

import math
from collections.abc import Sequence

from affine import Affine

METRES_PER_DEGREE = 111_320.0
"""A degree of latitude (and of longitude at the equator), in metres."""


def cells_over(
    box: Sequence[float], transform: Affine, shape: tuple[int, int]
) -> tuple[int, int, int, int] | None:
    """The whole cells over ``box`` (xmin, ymin, xmax, ymax in the grid's CRS).

    Parameters
    ----------
    box
        The box, in the grid's CRS.
    transform
        The grid's north-up (unrotated) geotransform.
    shape
        The grid's rows and columns.

    Returns
    -------
    tuple of int or None
        ``(row0, col0, row1, col1)``, ends excluded, clipped to the grid; ``None``
        when the box misses it.

    Examples
    --------
    >>> cells_over((150.0, -250.0, 420.0, -90.0), Affine(100, 0, 0, 0, -100, 0), (10, 10))
    (0, 1, 3, 5)
    """
    t = transform
    cols = sorted(((box[0] - t.c) / t.a, (box[2] - t.c) / t.a))
    rows = sorted(((box[1] - t.f) / t.e, (box[3] - t.f) / t.e))
    col0, row0 = max(math.floor(cols[0]), 0), max(math.floor(rows[0]), 0)
    col1, row1 = min(math.ceil(cols[1]), shape[1]), min(math.ceil(rows[1]), shape[0])
    if col1 <= col0 or row1 <= row0:
        return None
    return row0, col0, row1, col1


def grown_lonlat(box: Sequence[float], margin_m: float) -> tuple[float, float, float, float]:
    """A box in longitude and latitude grown by ``margin_m`` on every side.

    A degree of longitude is measured at the box's latitude furthest from the
    equator, so the margin is at least ``margin_m`` everywhere.

    Examples
    --------
    >>> [round(v, 4) for v in grown_lonlat((105.0, 32.0, 106.0, 33.0), 1113.2)]
    [104.9881, 31.99, 106.0119, 33.01]
    """
    dlat = margin_m / METRES_PER_DEGREE
    widest = min(max(abs(box[1]), abs(box[3])) + dlat, 89.0)
    dlon = dlat / math.cos(math.radians(widest))
    return (box[0] - dlon, max(box[1] - dlat, -90.0), box[2] + dlon, min(box[3] + dlat, 90.0))
