"""A population raster for the small generated cities of the tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import rasterio
from affine import Affine


def write_raster(
    path: Path,
    people: np.ndarray,
    *,
    crs: Any,
    x0: float,
    y0: float,
    cell_m: float = 100.0,
    nodata: float | None = -9999,
) -> Path:
    """Write ``people`` (rows × columns) as a float32 GeoTIFF whose top-left corner is
    ``(x0, y0)`` in ``crs``, with square cells of ``cell_m`` metres and ``nodata``
    (``None``: no nodata value, every cell counts)."""
    rows, cols = people.shape
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=cols,
        height=rows,
        count=1,
        dtype="float32",
        crs=crs,
        nodata=nodata,
        transform=Affine(cell_m, 0, x0, 0, -cell_m, y0),
    ) as dst:
        dst.write(people.astype("float32"), 1)
    return path
