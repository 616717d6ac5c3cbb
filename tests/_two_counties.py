"""The two-county city of the province tests: West and East, squares side by side.

:func:`write_two_counties` writes the population raster over both (100 m cells, the
same people in each) and gives the two districts; each test adds its own areas,
parcels and facilities. :func:`write_counties` does the same for a row of any number,
and :func:`write_city` writes the layers and a scenario reading them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
from _raster import write_raster
from shapely.geometry import Point, box

CRS = "EPSG:4544"
X0, Y0 = 500_000.0, 3_600_000.0
CELL = 100.0


def box_at(x0: float, y0: float, x1: float, y1: float) -> object:
    """A box ``x0``–``x1`` east and ``y0``–``y1`` south of the city's corner, in metres."""
    return box(X0 + x0, Y0 - y1, X0 + x1, Y0 - y0)


def idle_parcel(site_id: str, district_id: str, x: float, y: float) -> dict[str, Any]:
    """A row of idle land costing 1e6 with 2,000 m² of land, a 20 m disc ``x`` m east and
    ``y`` m south of the city's corner."""
    return {
        "site_id": site_id,
        "district_id": district_id,
        "kind": "idle_land",
        "acquisition": "new_build",
        "cost": 1e6,
        "land_area_m2": 2000.0,
        "geometry": Point(X0 + x, Y0 - y).buffer(20),
    }


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
    people = np.full((rows, cols), people_per_cell)
    write_raster(folder / "pop.tif", people, crs=CRS, x0=X0, y0=Y0, cell_m=CELL, nodata=None)
    return [
        {
            "district_id": d,
            "name": name,
            "geometry": box_at(k * side_m, 0, (k + 1) * side_m, side_m),
        }
        for k, (d, name) in enumerate(names.items())
    ]


def write_city(
    folder: Path,
    layers: dict[str, list[dict[str, Any]]],
    *,
    name: str,
    run: str = "",
    policy: str = "demonstration_per_district = 0",
) -> Path:
    """Write ``layers`` (name → rows) to ``folder/city.gpkg`` and a scenario reading them
    and ``folder/pop.tif``; return the scenario's path.

    ``run`` and ``policy`` are the bodies of the scenario's ``[run]`` (none when empty)
    and ``[policy]`` tables; the solver proves optimality (gap 0).
    """
    gpkg = folder / "city.gpkg"
    for layer, rows in layers.items():
        gpd.GeoDataFrame(rows, crs=CRS).to_file(gpkg, layer=layer)
    inputs = "\n".join(f'{layer} = {{ path = "city.gpkg", layer = "{layer}" }}' for layer in layers)
    run_table = f"[run]\n{run}\n" if run else ""
    scenario = folder / "scenario.toml"
    scenario.write_text(
        f'name = "{name}"\ncrs = "{CRS}"\n{run_table}'
        f'[inputs]\npopulation = {{ path = "pop.tif" }}\n{inputs}\n'
        f"[policy]\n{policy}\n[solver]\ngap = 0.0\n",
        encoding="utf-8",
    )
    return scenario
