"""``plan.gdb``: a File Geodatabase from GDAL's OpenFileGDB driver, with Chinese aliases."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd

from siting.errors import SitingError
from siting.handin._names import LAYER_TITLES, field_alias
from siting.handin.shapefile import _by_geometry_type
from siting.report import labels

logger = logging.getLogger(__name__)


def write_filegdb(
    layers: Mapping[str, gpd.GeoDataFrame], path: str | Path, *, currency: str = "CNY"
) -> Path:
    """Write the layers to an Esri File Geodatabase with GDAL's OpenFileGDB driver.

    Each feature class keeps the GeoPackage's field names and CRS, takes its
    Chinese title as the layer alias (``LAYER_ALIAS``) and each field its
    Chinese name (:func:`field_alias`) as the field alias. Booleans are stored
    as 0/1 short integers (a File Geodatabase has no boolean type), integers
    as 32-bit (64-bit ones need ArcGIS Pro 3.2). A layer that mixes geometry
    types is split into ``<layer>_point``, ``<layer>_polygon`` …; Polygons mixed
    with MultiPolygons (most real area layers) are written as MultiPolygons, as
    a feature class holds one geometry type (likewise points, lines).

    Parameters
    ----------
    layers
        Layer name → its features in the working CRS.
    path
        The ``.gdb`` folder to write (it must not exist).
    currency
        The currency of the cost fields (for their aliases).

    Returns
    -------
    Path
        The ``.gdb`` folder.

    Raises
    ------
    SitingError
        If the installed GDAL cannot write the format (before 3.6).
    """
    import pyogrio

    if "w" not in pyogrio.list_drivers().get("OpenFileGDB", ""):
        raise SitingError(
            f"GDAL {pyogrio.__gdal_version_string__} cannot write a File Geodatabase "
            "(its OpenFileGDB driver writes from GDAL 3.6): upgrade pyogrio, or leave out --handin"
        )
    path = Path(path)
    text = labels("zh", currency=currency)
    field_aliases: dict[str, dict[str, str]] = {}
    for name, frame in layers.items():
        out = frame.copy()
        columns = [c for c in out.columns if c != out.geometry.name]
        for col in columns:
            if out[col].dtype == bool:
                out[col] = out[col].astype("int16")
            elif out[col].dtype.kind in "iu" and out[col].abs().max() < 2**31:
                out[col] = out[col].astype("int32")  # Integer64 needs ArcGIS Pro 3.2
        options = {"LAYER_ALIAS": text[LAYER_TITLES[name]]} if name in LAYER_TITLES else {}
        aliases = {c: field_alias(c, currency=currency) for c in columns}
        for stem, part in _by_geometry_type(name, out):
            # a feature class holds one geometry type: a mixed layer is split by family,
            # its single geometries made multi where it mixes the two
            part.to_file(
                path, layer=stem, driver="OpenFileGDB", engine="pyogrio", layer_options=options
            )
            field_aliases[stem] = aliases
    _set_field_aliases(path, field_aliases)
    return path


def _gdal() -> Any:
    """The GDAL library pyogrio loaded, through ctypes, or ``None`` when it cannot be found."""
    import ctypes

    import pyogrio

    base = Path(pyogrio.__file__).parent
    patterns = (
        "../pyogrio.libs/libgdal*",
        "../pyogrio.libs/gdal*.dll",
        ".dylibs/libgdal*",
        "libgdal*",
        "gdal*.dll",
    )
    found = [p for pattern in patterns for p in sorted(base.glob(pattern))]
    if not found:
        return None
    try:
        g = ctypes.CDLL(str(found[0]))
        ptr, text, cint = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int
        for fn, res, args in (
            ("GDALOpenEx", ptr, [text, ctypes.c_uint, ptr, ptr, ptr]),
            ("GDALClose", None, [ptr]),
            ("GDALDatasetGetLayerByName", ptr, [ptr, text]),
            ("OGR_L_GetLayerDefn", ptr, [ptr]),
            ("OGR_FD_GetFieldIndex", cint, [ptr, text]),
            ("OGR_FD_GetFieldDefn", ptr, [ptr, cint]),
            ("OGR_Fld_GetType", cint, [ptr]),
            ("OGR_Fld_Create", ptr, [text, cint]),
            ("OGR_Fld_Destroy", None, [ptr]),
            ("OGR_Fld_SetAlternativeName", None, [ptr, text]),
            ("OGR_Fld_GetAlternativeNameRef", text, [ptr]),
            ("OGR_L_AlterFieldDefn", cint, [ptr, cint, ptr, cint]),
        ):
            getattr(g, fn).restype = res
            getattr(g, fn).argtypes = args
    except (OSError, AttributeError):
        return None
    return g


_GDAL_OF_VECTOR, _GDAL_OF_UPDATE = 0x04, 0x01
_ALTER_ALTERNATIVE_NAME_FLAG = 0x80  # ogr_core.h, GDAL ≥ 3.6


def _set_field_aliases(gdb: Path, aliases: Mapping[str, Mapping[str, str]]) -> bool:
    """Give each field of a .gdb its alias (Esri's field alias, GDAL's alternative name).

    pyogrio cannot set a field's alternative name, so this calls GDAL's C API
    (``OGR_L_AlterFieldDefn`` with ``ALTER_ALTERNATIVE_NAME_FLAG``) on the
    library pyogrio loaded. Without it the .gdb is complete but unaliased.
    """
    g = _gdal()
    ds = (
        g.GDALOpenEx(str(gdb).encode(), _GDAL_OF_VECTOR | _GDAL_OF_UPDATE, None, None, None)
        if g
        else None
    )
    if not ds:
        logger.warning(
            "%s: GDAL's C API is not reachable; fields written without aliases", gdb.name
        )
        return False
    failed = []
    try:
        for layer_name, names in aliases.items():
            layer = g.GDALDatasetGetLayerByName(ds, layer_name.encode())
            defn = g.OGR_L_GetLayerDefn(layer) if layer else None
            for column, alias in names.items():
                index = g.OGR_FD_GetFieldIndex(defn, column.encode()) if defn else -1
                if index < 0 or alias == column:
                    continue
                old = g.OGR_FD_GetFieldDefn(defn, index)
                new = g.OGR_Fld_Create(column.encode(), g.OGR_Fld_GetType(old))
                g.OGR_Fld_SetAlternativeName(new, alias.encode())
                if g.OGR_L_AlterFieldDefn(layer, index, new, _ALTER_ALTERNATIVE_NAME_FLAG) != 0:
                    failed.append(f"{layer_name}.{column}")
                g.OGR_Fld_Destroy(new)
    finally:
        g.GDALClose(ds)
    if failed:
        logger.warning("%s: no alias for %s", gdb.name, ", ".join(failed))
    return not failed


def _field_aliases(gdb: str | Path, layer_name: str) -> dict[str, str]:
    """Field → alias of one layer of a .gdb, read back through GDAL (for checks)."""
    g = _gdal()
    ds = g.GDALOpenEx(str(gdb).encode(), _GDAL_OF_VECTOR, None, None, None) if g else None
    if not ds:
        return {}
    try:
        import pyogrio

        defn = g.OGR_L_GetLayerDefn(g.GDALDatasetGetLayerByName(ds, layer_name.encode()))
        out = {}
        for column in pyogrio.read_info(gdb, layer=layer_name)["fields"]:
            ref = g.OGR_Fld_GetAlternativeNameRef(
                g.OGR_FD_GetFieldDefn(defn, g.OGR_FD_GetFieldIndex(defn, str(column).encode()))
            )
            out[str(column)] = ref.decode() if ref else ""
        return out
    finally:
        g.GDALClose(ds)


# --------------------------------------------------------------------------- shapefiles
