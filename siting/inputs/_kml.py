"""A layer handed over as KML or KMZ: 奥维互动地图's, Google Earth's or 91卫图's marks.

A street office or a planner marks its 小区, candidate plots and 托育机构 on a web map and
sends a ``.kml`` (or a ``.kmz``: a zip of ``doc.kml`` and its icons). GDAL reads it (its
LIBKML driver, or the older KML one), each ``<Folder>`` a layer; what is not read as a
planner means it, this module reads so:

1. **Chinese attribute names.** LIBKML launders the names of ``<ExtendedData><Data
   name="户数">`` to ASCII by default, each Chinese character an underscore: 户数 and 类型
   are one column ``______``, holding whichever came last (a silent mix of two columns).
   A KML is read with ``LIBKML_LAUNDER_FIELD_NAMES=NO`` (GDAL's config option, set while
   it is read and put back after): ``户数`` is ``户数``. A placemark's label
   (``<name>``, GDAL's ``Name``) is its ``name`` (:func:`kml_columns`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import pyogrio

from siting.scenario import LayerSpec

__all__ = ["KML_SUFFIXES", "is_kml", "kml_columns", "kml_fields"]

KML_SUFFIXES = (".kml", ".kmz")
"""The files read as KML."""

_LAUNDER = "LIBKML_LAUNDER_FIELD_NAMES"


def is_kml(path: Path) -> bool:
    """Whether ``path`` is a KML or KMZ file, by its suffix."""
    return path.suffix.lower() in KML_SUFFIXES


@contextlib.contextmanager
def kml_fields() -> Iterator[None]:
    """GDAL's LIBKML reading ``<Data name="户数">`` as ``户数``, not laundered to ASCII
    (``______``), while the block runs; the option's former value is put back after."""
    before = pyogrio.get_gdal_config_option(_LAUNDER)
    pyogrio.set_gdal_config_options({_LAUNDER: "NO"})
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options({_LAUNDER: before})


_STYLE_FIELDS = ("altitudeMode", "tessellate", "extrude", "visibility", "drawOrder", "icon")
"""LIBKML's fields of how a placemark is drawn, dropped: nothing of the plan's."""
_EMPTY_FIELDS = ("id", "timestamp", "begin", "end", "snippet", "description")
"""LIBKML's other own fields, dropped when no placemark fills them."""


def kml_columns(frame: gpd.GeoDataFrame, spec: LayerSpec) -> gpd.GeoDataFrame:
    """``frame`` (a KML layer as GDAL read it) with its placemarks' labels (``<name>``,
    GDAL's ``Name``) as its ``name`` column, as a planner means them, unless ``columns``
    maps ``Name`` itself or the layer has a ``name`` of its own (a GeoPackage cannot hold
    both ``Name`` and ``name``: the plan's layer would not be written); the older KML
    driver's ``Description`` as ``description``; and LIBKML's fields of how a
    placemark is drawn (``tessellate``, ``extrude`` …) and its own empty ones
    (``timestamp``, ``begin`` …) left out, so the plan's layers do not carry them."""
    mapped = set(spec.columns.values())
    renamed = {
        own: plain
        for own, plain in (("Name", "name"), ("Description", "description"))
        if own in frame.columns and plain not in frame.columns and own not in mapped
    }
    dropped = [c for c in _STYLE_FIELDS if c in frame.columns and c not in mapped]
    dropped += [
        c for c in _EMPTY_FIELDS if c in frame.columns and c not in mapped and frame[c].isna().all()
    ]
    return frame.drop(columns=dropped).rename(columns=renamed)
