"""Shapefiles for older desktops: UTF-8 (or GBK) with a ``.cpg``, and ``fields.csv`` of the
10-byte names."""

from __future__ import annotations

import csv
import logging
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from siting._text import first_few
from siting.errors import OutputError
from siting.handin._names import SHAPEFILE_ENCODINGS, field_alias, held, shapefile_field_names

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


_GBK_LDID = 0x4D
"""The dBASE language driver id of code page 936 (GBK), byte 29 of a ``.dbf``'s header:
what a reader that ignores the ``.cpg`` may still read."""


def write_shapefiles(
    layers: Mapping[str, gpd.GeoDataFrame],
    folder: str | Path,
    *,
    currency: str = "CNY",
    encoding: str = "utf-8",
) -> Path:
    """Write each layer as ``<layer>.shp`` (UTF-8 or GBK, with a ``.cpg``) and ``fields.csv``.

    A dBASE field name holds at most 10 bytes: ``fields.csv`` maps each
    layer's field to its shapefile name and Chinese name. A shapefile holds one
    geometry type, so a layer that mixes them (candidate points and parcels) is
    written as ``<layer>_point.shp``, ``<layer>_polygon.shp`` …, and Polygons
    mixed with MultiPolygons are written as MultiPolygons (likewise points, lines).

    In GBK, for a bureau's older ArcGIS and readers that ignore the ``.cpg`` (and
    showed the UTF-8 text garbled), the ``.cpg`` says 936 and the ``.dbf``'s header
    names code page 936 too; field names are cut to 10 bytes of GBK (5 Chinese
    characters). A character GBK cannot hold (𠮷, an emoji) is written as ``?`` (in a
    field name ``_``), with a warning naming the layer, the field and the values:
    ``plan.gpkg`` and the GeoJSON keep the text whole.

    Parameters
    ----------
    layers
        Layer name → its features in the working CRS.
    folder
        The folder to create.
    currency
        The currency of the cost fields (for the Chinese names).
    encoding
        ``"utf-8"`` or ``"gbk"``: the encoding of the text and field names.

    Returns
    -------
    Path
        The folder.

    Raises
    ------
    OutputError
        If ``encoding`` is neither.
    """
    code_page = SHAPEFILE_ENCODINGS.get(encoding.lower())
    if code_page is None:
        raise OutputError(
            f"shapefiles are written in {' or '.join(SHAPEFILE_ENCODINGS)}, not {encoding!r}"
        )
    encoding = encoding.lower()
    folder = Path(folder)
    folder.mkdir()
    rows = []
    for name, frame in layers.items():
        columns = [c for c in frame.columns if c != frame.geometry.name]
        names = shapefile_field_names(columns, encoding=encoding)
        out = _held_text(frame, name, encoding).rename(columns=names)
        for stem, part in _by_geometry_type(name, out):
            path = folder / f"{stem}.shp"
            part.to_file(path, driver="ESRI Shapefile", engine="pyogrio", encoding=code_page)
            if encoding == "gbk":
                with path.with_suffix(".dbf").open("r+b") as dbf:
                    dbf.seek(29)
                    dbf.write(bytes([_GBK_LDID]))
        rows += [(name, c, names[c], field_alias(c, currency=currency)) for c in columns]
    with (folder / "fields.csv").open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["layer", "field", "shapefile_field", "name_zh"])
        writer.writerows(rows)
    return folder


def _held_text(frame: gpd.GeoDataFrame, layer: str, encoding: str) -> gpd.GeoDataFrame:
    """``frame`` with the characters ``encoding`` cannot hold, in its text and its field
    names, replaced (``?``, ``_``), with a warning naming the layer, field and values."""
    if encoding == "utf-8":
        return frame
    out = frame
    for column in frame.columns:
        if column == frame.geometry.name:
            continue
        if held(str(column), encoding, instead="_") != str(column):
            logger.warning(
                "shapefile %s: the field name %r holds characters %s cannot: written with _ "
                "in their place (fields.csv gives the whole name)",
                layer,
                column,
                encoding.upper(),
            )
        if not pd.api.types.is_string_dtype(frame[column]):  # text, or object
            continue
        texts = frame[column].to_numpy(dtype=object)
        written = [held(v, encoding, instead="?") if isinstance(v, str) else v for v in texts]
        changed = [v for v, w in zip(texts, written, strict=True) if isinstance(v, str) and v != w]
        if not changed:
            continue
        if out is frame:
            out = frame.copy()
        out[column] = pd.Series(written, index=frame.index, dtype=frame[column].dtype)
        logger.warning(
            "shapefile %s: %d value%s of %s hold%s characters %s cannot (%s): written with ? "
            "in their place (plan.gpkg and the GeoJSON keep them whole)",
            layer,
            len(changed),
            "s" if len(changed) != 1 else "",
            column,
            "" if len(changed) != 1 else "s",
            encoding.upper(),
            first_few((repr(v) for v in dict.fromkeys(changed)), limit=5),
        )
    return out


# --------------------------------------------------------------------------- the figure
