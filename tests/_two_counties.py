"""The two-county city of the province tests: West and East, squares side by side.

:func:`write_two_counties` writes the population raster over both (100 m cells, the
same people in each) and gives the two districts; each test adds its own areas,
parcels and facilities. :func:`write_counties` does the same for a row of any number.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import rasterio
from affine import Affine
from shapely.geometry import box

CRS = "EPSG:4544"
X0, Y0 = 500_000.0, 3_600_000.0
CELL = 100.0


def box_at(x0: float, y0: float, x1: float, y1: float) -> object:
    """A box ``x0``–``x1`` east and ``y0``–``y1`` south of the city's corner, in metres."""
    return box(X0 + x0, Y0 - y1, X0 + x1, Y0 - y0)


def write_two_counties(
    folder: Path, *, side_m: float, people_per_cell: float
) -> list[dict[str, Any]]:
    """Write ``folder/pop.tif`` over two ``side_m`` squares; return West's and East's rows."""
    return write_counties(
        folder, {"W": "West", "E": "East"}, side_m=side_m, people_per_cell=people_per_cell
    )


def write_counties(
    folder: Path, names: dict[str, str], *, side_m: float, people_per_cell: float
) -> list[dict[str, Any]]:
    """Write ``folder/pop.tif`` over a row of ``side_m`` squares, one per county of ``names``
    (id → name, west to east); return the districts' rows."""
    folder.mkdir(parents=True, exist_ok=True)
    rows, cols = round(side_m / CELL), round(len(names) * side_m / CELL)
    with rasterio.open(
        folder / "pop.tif",
        "w",
        driver="GTiff",
        width=cols,
        height=rows,
        count=1,
        dtype="float32",
        crs=CRS,
        transform=Affine(CELL, 0, X0, 0, -CELL, Y0),
    ) as dst:
        dst.write(np.full((rows, cols), people_per_cell, dtype="float32"), 1)
    return [
        {
            "district_id": d,
            "name": name,
            "geometry": box_at(k * side_m, 0, (k + 1) * side_m, side_m),
        }
        for k, (d, name) in enumerate(names.items())
    ]
