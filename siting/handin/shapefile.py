"""Shapefiles for older desktops: UTF-8 ``.cpg`` and ``fields.csv`` of the 10-byte names."""

from __future__ import annotations

import csv
import logging
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from siting.handin._names import field_alias, shapefile_field_names

logger = logging.getLogger(__name__)

_FAMILY = {
    "Point": "point",
    "MultiPoint": "point",
    "LineString": "line",
    "MultiLineString": "line",
    "Polygon": "polygon",
    "MultiPolygon": "polygon",
}


_MULTI = {
    "Point": ("MultiPoint", shapely.multipoints),
    "LineString": ("MultiLineString", shapely.multilinestrings),
    "Polygon": ("MultiPolygon", shapely.multipolygons),
}


def _single_type(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``frame`` with its single geometries made one-part multi ones when it mixes the two.

    A shapefile or a File Geodatabase feature class holds one geometry type:
    Polygon and MultiPolygon together (real areas) cannot be written as they are.
    """
    types = frame.geom_type.to_numpy()
    geoms = np.asarray(frame.geometry.to_numpy(), dtype=object).copy()
    promoted = False
    for single, (multi, make) in _MULTI.items():
        # an empty geometry stays empty (it became MULTIPOLYGON (EMPTY))
        is_single = (types == single) & ~shapely.is_empty(geoms)
        if is_single.any() and (types == multi).any():
            geoms[is_single] = make(geoms[is_single].reshape(-1, 1))
            promoted = True
    if not promoted:
        return frame
    out = frame.copy()
    out[out.geometry.name] = gpd.GeoSeries(geoms, index=out.index, crs=out.crs)
    return out


def _by_geometry_type(name: str, frame: gpd.GeoDataFrame) -> list[tuple[str, gpd.GeoDataFrame]]:
    """The layer whole, or split ``<name>_point``, ``_line``, ``_polygon`` when it mixes them.

    Within each part, single geometries mixed with multi ones of their family
    become one-part multi geometries (a Polygon a MultiPolygon of one polygon),
    so each part has one geometry type.
    """
    family = frame.geom_type.map(_FAMILY).fillna("geometry")
    if family.nunique() <= 1:
        return [(name, _single_type(frame))]
    return [
        (f"{name}_{kind}", _single_type(frame[family == kind])) for kind in sorted(family.unique())
    ]


def write_shapefiles(
    layers: Mapping[str, gpd.GeoDataFrame], folder: str | Path, *, currency: str = "CNY"
) -> Path:
    """Write each layer as ``<layer>.shp`` (UTF-8, with a ``.cpg``) and ``fields.csv``.

    A dBASE field name holds at most 10 bytes: ``fields.csv`` maps each
    layer's field to its shapefile name and Chinese name. A shapefile holds one
    geometry type, so a layer that mixes them (candidate points and parcels) is
    written as ``<layer>_point.shp``, ``<layer>_polygon.shp`` …, and Polygons
    mixed with MultiPolygons are written as MultiPolygons (likewise points, lines).

    Parameters
    ----------
    layers
        Layer name → its features in the working CRS.
    folder
        The folder to create.
    currency
        The currency of the cost fields (for the Chinese names).

    Returns
    -------
    Path
        The folder.
    """
    folder = Path(folder)
    folder.mkdir()
    rows = []
    for name, frame in layers.items():
        columns = [c for c in frame.columns if c != frame.geometry.name]
        names = shapefile_field_names(columns)
        out = frame.rename(columns=names)
        for stem, part in _by_geometry_type(name, out):
            part.to_file(
                folder / f"{stem}.shp",
                driver="ESRI Shapefile",
                engine="pyogrio",
                layer_options={"ENCODING": "UTF-8"},
            )
        rows += [(name, c, names[c], field_alias(c, currency=currency)) for c in columns]
    with (folder / "fields.csv").open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["layer", "field", "shapefile_field", "name_zh"])
        writer.writerows(rows)
    return folder


# --------------------------------------------------------------------------- the figure
