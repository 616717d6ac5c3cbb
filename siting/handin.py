"""The files a bureau files: QGIS styles, Excel tables, a File Geodatabase, a 300 dpi figure.

A natural-resources bureau (自然资源局) receives a territorial spatial plan's
data by the Ministry's hand-in rules: vector data as an Esri File Geodatabase
(``.gdb``), plan figures as 300 dpi JPG, and every file named by the 6-digit
administrative division code and name (``510802利州区…``). Its planners open
the GeoPackage in QGIS and file the tables as Excel workbooks. This module
writes those files from a plan's layers (the plain GeoDataFrames that
:func:`siting.export.write_plan` writes to ``plan.gpkg``, in the working CRS):

* :func:`write_qgis_styles` adds the ``layer_styles`` table QGIS reads when it
  opens a GeoPackage, one default style per layer, in the web map's colours
  (:mod:`siting.maps`): areas by slots per 1,000 against their target,
  facilities as circles sized by slots, candidates by state, hazards,
  districts, service lines and the residual people in purples;
* :func:`write_tables_xlsx` writes ``districts.xlsx`` and ``facilities.xlsx``
  with Chinese headers;
* :func:`write_filegdb` writes ``plan.gdb`` with GDAL's OpenFileGDB driver
  (no Esri software), the same layers with Chinese layer aliases;
* :func:`write_plan_figure` draws ``plan.jpg`` at 300 dpi with matplotlib
  (legend, scale bar, north arrow; no tiles);
* :func:`write_shapefiles` writes each layer as a shapefile with a UTF-8
  ``.cpg`` and ``fields.csv``, the mapping to the 10-character field names.

:func:`write_handin` writes them all, named by :func:`division_prefix`.
matplotlib and openpyxl are imported lazily.
"""

from __future__ import annotations

import csv
import logging
import math
import re
import sqlite3
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from contextlib import closing
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from siting.errors import InputError, SitingError
from siting.maps import (
    _BLUE,
    _GOLD,
    _GREEN,
    _GREY,
    _LIGHT_GREEN,
    _ORANGE,
    _PURPLE,
    _RED,
    _RESIDUAL_COLOURS,
    _density_bins,
    _ratio_colour,
)
from siting.report import labels

__all__ = [
    "LAYER_TITLES",
    "division_prefix",
    "field_alias",
    "layer_qml",
    "shapefile_field_names",
    "write_filegdb",
    "write_handin",
    "write_plan_figure",
    "write_qgis_styles",
    "write_shapefiles",
    "write_tables_xlsx",
]

logger = logging.getLogger(__name__)

FIGURE_DPI = 300
"""Dots per inch of ``plan.jpg`` (the hand-in rules ask for 300 dpi figures)."""

LAYER_TITLES = {
    "facilities": "layer_facilities",
    "areas": "layer_areas",
    "candidates": "layer_candidates",
    "districts": "layer_districts",
    "hazards": "layer_hazards",
    "service_lines": "layer_service",
    "residual": "layer_residual",
}
"""Each layer's label key in :func:`siting.report.labels` (its alias in QGIS and the .gdb)."""

# columns whose Chinese name is not a map or report label (or is a different one)
_EXTRA_ZH = {
    "district_id": "区县代码",
    "subdistrict_id": "乡镇（街道）代码",
    "demand_id": "需求编号",
    "block_id": "块编号",
    "hazard_id": "危险源编号",
    "existing": "现有机构",
    "cost_basis": "费用依据",
    "classes_infant": "乳儿班（班）",
    "classes_toddler": "托小班（班）",
    "classes_older": "托大班（班）",
    "classes_mixed": "混龄班（班）",
    "slots_source": "托位来源",
    "name_en": "英文名称",
    "dwellings": "住宅套数",
    "migrant_share": "流动人口比例",
    "migrant_population": "流动人口",
    "required_slots_rounded": "需求托位（取整）",
    "demand_estimate_slots": "按入托意愿估算托位",
    "children_under3": "婴幼儿数",
    "children_estimate_slots": "婴幼儿栅格估算需求托位",
    "state": "状态",
    "reason": "原因",
    "national_target_per_1000": "国家目标千人托位（2025年）",
    "migrant_slots": "随迁婴幼儿托位",
    "cost": "费用（{currency}）",
    "x": "X坐标（m）",
    "y": "Y坐标（m）",
    "lon": "经度",
    "lat": "纬度",
}

_LABEL_KEYS = {  # column → label key, where the key differs from the column
    "kind": "kind",
    "population": "population",
    "residual_population": "accounting_residual",
    "residual_people": "residual_people",
    "cells": "residual_cells",
}

# short names for the shapefile's 10-character field names
_SHAPEFILE_NAMES = {
    "existing_slots": "exist_slot",
    "floor_area_m2": "floor_m2",
    "demonstration": "demo",
    "classes_infant": "cls_infant",
    "classes_toddler": "cls_toddlr",
    "classes_older": "cls_older",
    "classes_mixed": "cls_mixed",
    "district_id": "dist_id",
    "subdistrict_id": "subdist_id",
    "colocated_area_id": "coloc_area",
    "slots_source": "slots_src",
    "service_types": "serv_types",
    "acquisition": "acquisitn",
    "migrant_share": "migr_share",
    "planned_population": "plan_pop",
    "migrant_population": "migr_pop",
    "migrant_demand": "migr_dem",
    "required_slots": "req_slots",
    "required_slots_rounded": "req_round",
    "served_slots": "serv_slots",
    "shortfall_slots": "short_slot",
    "slots_per_1000": "slots_pk",
    "target_per_1000": "target_pk",
    "demand_estimate_slots": "dem_est",
    "nearest_facility_m": "nearest_m",
    "shortfall_reason": "short_why",
    "exclusion_reason": "excl_why",
    "planned_slots": "plan_slots",
    "national_target_per_1000": "nat_tgt_pk",
    "demonstration_count": "demo_count",
    "demonstration_present": "demo_pres",
    "affordable_slots": "aff_slots",
    "residual_population": "resid_pop",
    "residual_people": "resid_ppl",
    "children_under3": "child_u3",
    "children_estimate_slots": "child_est",
    "migrant_slots": "migr_slots",
}


def field_alias(column: str, *, currency: str = "CNY") -> str:
    """The Chinese name of a plan column, for Excel headers and field aliases.

    Parameters
    ----------
    column
        A column of a plan layer or table.
    currency
        The currency costs are in.

    Returns
    -------
    str
        The Chinese name (the map and report label where there is one), or
        ``column`` itself when none is known.

    Examples
    --------
    >>> field_alias("slots_per_1000"), field_alias("cost"), field_alias("whatever")
    ('千人托位', '费用（元）', 'whatever')
    """
    text = labels("zh", currency=currency)
    unit = "元" if currency == "CNY" else currency
    if column in _EXTRA_ZH:
        return _EXTRA_ZH[column].replace("{currency}", unit)
    key = _LABEL_KEYS.get(column, column)
    return text.get(key, column)


# --------------------------------------------------------------------------- QGIS styles


def _rgba(colour: str, alpha: float = 1.0) -> str:
    r, g, b = (int(colour[k : k + 2], 16) for k in (1, 3, 5))
    return f"{r},{g},{b},{round(255 * alpha)}"


def _option_map(parent: ET.Element, props: Mapping[str, str]) -> None:
    """Symbol layer properties, as QGIS ≥ 3.26 writes them and as older QGIS reads them."""
    options = ET.SubElement(parent, "Option", type="Map")
    for key, value in props.items():
        ET.SubElement(options, "Option", type="QString", name=key, value=value)
    for key, value in props.items():
        ET.SubElement(parent, "prop", k=key, v=value)


def _data_defined(parent: ET.Element, expressions: Mapping[str, str]) -> None:
    dd = ET.SubElement(parent, "data_defined_properties")
    root = ET.SubElement(dd, "Option", type="Map")
    ET.SubElement(root, "Option", type="QString", name="name", value="")
    props = ET.SubElement(root, "Option", type="Map", name="properties")
    for name, expression in expressions.items():
        prop = ET.SubElement(props, "Option", type="Map", name=name)
        ET.SubElement(prop, "Option", type="bool", name="active", value="true")
        ET.SubElement(prop, "Option", type="QString", name="expression", value=expression)
        ET.SubElement(prop, "Option", type="int", name="type", value="3")
    ET.SubElement(root, "Option", type="QString", name="type", value="collection")


def _fill(
    colour: str | None, alpha: float, outline: str, width_mm: float, *, dashed: bool = False
) -> tuple[str, dict[str, str]]:
    return "SimpleFill", {
        "color": _rgba(colour, alpha) if colour else "255,255,255,0",
        "style": "solid" if colour else "no",
        "outline_color": _rgba(outline),
        "outline_style": "dash" if dashed else "solid",
        "outline_width": f"{width_mm:g}",
        "outline_width_unit": "MM",
        "joinstyle": "bevel",
    }


def _line(colour: str, width_mm: float, alpha: float = 1.0, *, dashed: bool = False) -> Any:
    return "SimpleLine", {
        "line_color": _rgba(colour, alpha),
        "line_style": "dash" if dashed else "solid",
        "line_width": f"{width_mm:g}",
        "line_width_unit": "MM",
        "capstyle": "round",
        "joinstyle": "round",
    }


def _marker(colour: str, outline: str, size_mm: float, alpha: float = 1.0) -> Any:
    return "SimpleMarker", {
        "name": "circle",
        "color": _rgba(colour, alpha),
        "outline_color": _rgba(outline),
        "outline_style": "solid",
        "outline_width": "0.4",
        "outline_width_unit": "MM",
        "size": f"{size_mm:g}",
        "size_unit": "MM",
        "scale_method": "diameter",
    }


_SYMBOL_TYPE = {"SimpleFill": "fill", "SimpleLine": "line", "SimpleMarker": "marker"}
_GEOMETRY_TYPE = {"marker": "0", "line": "1", "fill": "2"}

# a facility's circle: the web map's radius 4 + 0.9 √slots CSS pixels, as a diameter in mm
_FACILITY_SIZE_MM = '0.53 * (4 + 0.9 * sqrt(max(coalesce("slots", 0), 0)))'


def _rules(name: str, frame: gpd.GeoDataFrame, text: Mapping[str, str]) -> list[Any]:
    """``(label, filter or None, (symbol class, properties), data-defined)`` per rule."""
    spk, tgt = '"slots_per_1000"', '"target_per_1000"'
    if name == "areas":
        below = f"{tgt} > 0 AND {spk} < {tgt} - 1e-9"
        return [
            (
                text["area_meets"],
                f"{tgt} <= 0 OR {spk} >= {tgt} - 1e-9",
                _fill(_GREEN, 0.55, "#555555", 0.26),
                None,
            ),
            (
                text["area_75"],
                f"{below} AND {spk} >= 0.75 * {tgt}",
                _fill(_LIGHT_GREEN, 0.55, "#555555", 0.26),
                None,
            ),
            (
                text["area_50"],
                f"{tgt} > 0 AND {spk} < 0.75 * {tgt} AND {spk} >= 0.5 * {tgt}",
                _fill(_ORANGE, 0.55, "#555555", 0.26),
                None,
            ),
            (
                text["area_below"],
                f"{tgt} > 0 AND {spk} < 0.5 * {tgt}",
                _fill(_RED, 0.55, "#555555", 0.26),
                None,
            ),
            ("–", f"{spk} IS NULL OR {tgt} IS NULL", _fill(_GREY, 0.55, "#555555", 0.26), None),
            (
                text["area_shortfall"],
                '"shortfall_slots" > 0',
                _fill(None, 0, _RED, 1.0, dashed=True),
                None,
            ),
        ]
    if name == "facilities":
        size = {"size": _FACILITY_SIZE_MM}
        return [
            (
                text["facility_planned"],
                'NOT "existing" AND NOT "demonstration"',
                _marker(_BLUE, "#08306b", 4, 0.85),
                size,
            ),
            (
                "★ " + text["facility_demonstration"],
                'NOT "existing" AND "demonstration"',
                _marker(_GOLD, "#7a5200", 4, 0.95),
                size,
            ),
            (text["facility_existing"], '"existing"', _marker(_PURPLE, "#3f007d", 4, 0.8), size),
        ]
    if name == "candidates":
        return [
            (text["candidate_chosen"], "\"state\" = 'chosen'", _fill(_BLUE, 0.4, _BLUE, 0.5), None),
            (
                text["candidate_not_chosen"],
                "\"state\" = 'not chosen'",
                _fill("#ffffff", 0.6, "#636363", 0.4),
                None,
            ),
            (
                text["candidate_excluded"],
                "\"state\" = 'excluded'",
                _fill("#252525", 0.5, "#000000", 0.4, dashed=True),
                None,
            ),
        ]
    if name == "hazards":
        return [(text["hazard_buffer"], None, _fill("#e66101", 0.35, "#b35806", 0.4), None)]
    if name == "districts":
        return [(text["layer_districts"], None, _fill(None, 0, "#252525", 0.66), None)]
    if name == "service_lines":
        return [
            (text["line_resident"], "\"kind\" <> 'migrant'", _line(_BLUE, 0.4, 0.7), None),
            (
                text["line_migrant"],
                "\"kind\" = 'migrant'",
                _line(_PURPLE, 0.4, 0.8, dashed=True),
                None,
            ),
        ]
    if name == "residual":
        people = pd.to_numeric(frame.get("residual_people"), errors="coerce").to_numpy(float)
        edges = _density_bins(people)
        lows = [-math.inf, *edges]
        rules = []
        for i, low in enumerate(lows[: len(_RESIDUAL_COLOURS)]):
            high = edges[i] if i < len(edges) else None
            conds = ([] if i == 0 else [f'"residual_people" > {low!r}']) + (
                [f'"residual_people" <= {high!r}'] if high is not None else []
            )
            lo_text = 0.0 if i == 0 else low
            label = f"{lo_text:,.0f}–{high:,.0f}" if high is not None else f"> {lo_text:,.0f}"
            colour = _RESIDUAL_COLOURS[i]
            rules.append(
                (
                    f"{label} {text['residual_people']}",
                    " AND ".join(conds) or None,
                    _fill(colour, 0.55, colour, 0.1),
                    None,
                )
            )
        return rules
    return []


def layer_qml(name: str, frame: gpd.GeoDataFrame, *, language: str = "zh") -> str:
    """The QGIS style (QML) of one plan layer, in the web map's colours.

    A rule-based renderer whose rules are the web map's legend entries. Areas
    get one fill per band of slots per 1,000 against the area's target (as
    :func:`siting.maps._ratio_colour`) and a red dashed outline where there is
    a shortfall; facilities are circles whose diameter grows with the root of
    their slots; district outlines are labelled with their names.

    Parameters
    ----------
    name
        The layer (a key of :data:`LAYER_TITLES`).
    frame
        The layer's features (the residual layer's classes are its quintiles).
    language
        ``"zh"`` or ``"en"`` rule labels.

    Returns
    -------
    str
        The QML document.
    """
    text = labels(language)
    rules = _rules(name, frame, text)
    if not rules:
        raise ValueError(f"no style for layer {name!r}; layers are {sorted(LAYER_TITLES)}")
    root = ET.Element("qgis", version="3.34.0", styleCategories="Symbology|Labeling")
    root.set("labelsEnabled", "1" if name == "districts" else "0")
    renderer = ET.SubElement(
        root,
        "renderer-v2",
        type="RuleRenderer",
        symbollevels="0",
        enableorderby="0",
        forceraster="0",
        referencescale="-1",
    )
    rules_el = ET.SubElement(renderer, "rules", key="{root}")
    symbols = ET.SubElement(renderer, "symbols")
    kind = "fill"
    for i, (label, expression, (klass, props), data_defined) in enumerate(rules):
        attrs = {"key": f"{{rule-{i}}}", "label": label, "symbol": str(i)}
        if expression:
            attrs["filter"] = expression
        ET.SubElement(rules_el, "rule", attrs)
        kind = _SYMBOL_TYPE[klass]
        symbol = ET.SubElement(
            symbols,
            "symbol",
            type=kind,
            name=str(i),
            alpha="1",
            clip_to_extent="1",
            force_rhr="0",
        )
        layer = ET.SubElement(symbol, "layer", {"class": klass, "enabled": "1", "pass": "0"})
        layer.set("locked", "0")
        _option_map(layer, props)
        if data_defined:
            _data_defined(layer, data_defined)
    if name == "districts":
        labeling = ET.SubElement(root, "labeling", type="simple")
        settings = ET.SubElement(labeling, "settings", calloutType="simple")
        ET.SubElement(
            settings,
            "text-style",
            fieldName="name",
            isExpression="0",
            fontSize="11",
            fontSizeUnit="Point",
            fontWeight="75",
            textColor="37,37,37,255",
            textOpacity="1",
        )
        ET.SubElement(
            settings, "text-buffer", bufferDraw="1", bufferSize="1", bufferColor="255,255,255,255"
        )
        ET.SubElement(settings, "placement", placement="1")
    ET.SubElement(root, "layerGeometryType").text = _GEOMETRY_TYPE[kind]
    ET.indent(root)
    doctype = "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
    return doctype + ET.tostring(root, encoding="unicode") + "\n"


_LAYER_STYLES_SQL = """
CREATE TABLE IF NOT EXISTS layer_styles (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    f_table_catalog TEXT(256),
    f_table_schema TEXT(256),
    f_table_name TEXT(256),
    f_geometry_column TEXT(256),
    styleName TEXT(30),
    styleQML TEXT,
    styleSLD TEXT,
    useAsDefault BOOLEAN,
    description TEXT,
    owner TEXT(30),
    ui TEXT(30),
    update_time DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
)
"""


def write_qgis_styles(
    gpkg: str | Path, layers: Mapping[str, gpd.GeoDataFrame], *, language: str = "zh"
) -> None:
    """Add a ``layer_styles`` table to a GeoPackage: one default QGIS style per layer.

    QGIS applies the style marked ``useAsDefault`` when it opens the layer. The
    table is registered in ``gpkg_contents`` as an attribute table, as QGIS
    does when it saves a style. ``styleSLD`` is left empty: QGIS reads the QML.

    Parameters
    ----------
    gpkg
        A GeoPackage that GDAL has written the layers to.
    layers
        Layer name → its features (only layers with a style are styled).
    language
        ``"zh"`` or ``"en"`` rule labels.
    """
    rows = []
    for name, frame in layers.items():
        if name not in LAYER_TITLES:
            continue
        title = labels(language)[LAYER_TITLES[name]]
        rows.append(
            (
                name,
                frame.geometry.name,
                title,
                layer_qml(name, frame, language=language),
                "",
                1,
                f"siting: {title}",
                "",
            )
        )
    with closing(sqlite3.connect(gpkg)) as db, db:
        # the layers' own time stamp, so the styles add no new one
        (stamp,) = db.execute(
            "SELECT coalesce(max(last_change), strftime('%Y-%m-%dT%H:%M:%fZ','now')) "
            "FROM gpkg_contents"
        ).fetchone()
        db.execute(_LAYER_STYLES_SQL)
        db.execute("DELETE FROM layer_styles")
        db.executemany(
            "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
            "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, owner, "
            "update_time) VALUES ('', '', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(*row, stamp) for row in rows],
        )
        db.execute(
            "INSERT OR REPLACE INTO gpkg_contents (table_name, data_type, identifier, "
            "description, last_change) VALUES ('layer_styles', 'attributes', 'layer_styles', "
            "'QGIS layer styles', ?)",
            (stamp,),
        )


# --------------------------------------------------------------------------- Excel tables


def _table_frame(frame: pd.DataFrame, *, currency: str) -> pd.DataFrame:
    """Values as a bureau reads them (是/否, 新建 …) under Chinese headers."""
    text = labels("zh", currency=currency)
    out = pd.DataFrame(
        frame.drop(columns=frame.geometry.name) if isinstance(frame, gpd.GeoDataFrame) else frame
    )
    for col in out.columns:
        values = out[col]
        if values.dtype == bool:
            out[col] = values.map({True: text["yes"], False: text["no"]})
        elif col == "acquisition":
            out[col] = values.map(lambda v: text.get(str(v), v))
        elif col == "cost_basis":
            out[col] = values.map(lambda v: text.get(f"basis_{v}", v))
        elif col == "shortfall_reason":
            out[col] = values.map(lambda v: text.get(f"reason_{v}", v) if v else v)
    out.columns = [field_alias(str(c), currency=currency) for c in out.columns]
    return out


def _write_xlsx(path: Path, frame: pd.DataFrame, *, sheet: str) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    ws = book.active
    ws.title = sheet
    ws.append(list(frame.columns))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in frame.itertuples(index=False):
        ws.append([_cell(v) for v in row])
    ws.freeze_panes = "A2"
    for i, col in enumerate(frame.columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = max(8, min(40, 2 * len(str(col)) + 2))
    book.save(path)


def _cell(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return None if math.isnan(float(value)) else float(value)
    if isinstance(value, (list, tuple, dict)):
        return str(value)
    if pd.isna(value) if not isinstance(value, str) else False:
        return None
    return value


def write_tables_xlsx(
    districts: pd.DataFrame,
    facilities: gpd.GeoDataFrame,
    folder: str | Path,
    *,
    prefix: str = "",
    currency: str = "CNY",
) -> list[Path]:
    """Write ``districts.xlsx`` and ``facilities.xlsx`` with Chinese headers.

    Parameters
    ----------
    districts
        The plan's district table (``district_id`` as index or column).
    facilities
        The facilities layer, in a projected CRS: its X and Y (m) and longitude
        and latitude are added as columns.
    folder
        Where to write them.
    prefix
        Put before each file name (:func:`division_prefix`).
    currency
        The currency costs are in (the cost header names it).

    Returns
    -------
    list of Path
        The two workbooks.
    """
    folder = Path(folder)
    table = districts.reset_index() if "district_id" not in districts.columns else districts
    table = table.drop(columns=[c for c in ("geometry",) if c in table.columns])
    lead = [c for c in ("district_id", "name") if c in table.columns]
    table = table[lead + [c for c in table.columns if c not in lead]]
    fac = facilities.copy()
    points = fac.geometry.representative_point()
    fac["x"], fac["y"] = points.x.round(2), points.y.round(2)
    lonlat = points.to_crs(4326) if fac.crs is not None else points
    fac["lon"], fac["lat"] = lonlat.x.round(6), lonlat.y.round(6)
    paths = [folder / f"{prefix}districts.xlsx", folder / f"{prefix}facilities.xlsx"]
    _write_xlsx(paths[0], _table_frame(table, currency=currency), sheet="分区县千人托位")
    _write_xlsx(paths[1], _table_frame(fac, currency=currency), sheet="规划托育机构")
    return paths


# --------------------------------------------------------------------------- File Geodatabase


def write_filegdb(
    layers: Mapping[str, gpd.GeoDataFrame], path: str | Path, *, currency: str = "CNY"
) -> Path:
    """Write the layers to an Esri File Geodatabase with GDAL's OpenFileGDB driver.

    Each feature class keeps the GeoPackage's field names and CRS, takes its
    Chinese title as the layer alias (``LAYER_ALIAS``) and each field its
    Chinese name (:func:`field_alias`) as the field alias. Booleans are stored
    as 0/1 short integers (a File Geodatabase has no boolean type), integers
    as 32-bit (64-bit ones need ArcGIS Pro 3.2). A layer that mixes geometry
    types is split into ``<layer>_point``, ``<layer>_polygon`` ….

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
            # a feature class holds one geometry type: a mixed layer is split by type
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


def shapefile_field_names(columns: Sequence[str]) -> dict[str, str]:
    """Each column's name in a shapefile: at most 10 characters, unique.

    Examples
    --------
    >>> shapefile_field_names(["site_id", "existing_slots", "slots_per_1000"])
    {'site_id': 'site_id', 'existing_slots': 'exist_slot', 'slots_per_1000': 'slots_pk'}
    """
    names: dict[str, str] = {}
    taken: set[str] = set()
    for col in columns:
        short = col if len(col) <= 10 else _SHAPEFILE_NAMES.get(col, col[:10])
        base, n = short, 1
        while short.lower() in taken:
            suffix = str(n)
            short = base[: 10 - len(suffix)] + suffix
            n += 1
        taken.add(short.lower())
        names[col] = short
    return names


_FAMILY = {
    "Point": "point",
    "MultiPoint": "point",
    "LineString": "line",
    "MultiLineString": "line",
    "Polygon": "polygon",
    "MultiPolygon": "polygon",
}


def _by_geometry_type(name: str, frame: gpd.GeoDataFrame) -> list[tuple[str, gpd.GeoDataFrame]]:
    """The layer whole, or split ``<name>_point``, ``_line``, ``_polygon`` when it mixes them."""
    family = frame.geom_type.map(_FAMILY).fillna("geometry")
    if family.nunique() <= 1:
        return [(name, frame)]
    return [(f"{name}_{kind}", frame[family == kind]) for kind in sorted(family.unique())]


def write_shapefiles(
    layers: Mapping[str, gpd.GeoDataFrame], folder: str | Path, *, currency: str = "CNY"
) -> Path:
    """Write each layer as ``<layer>.shp`` (UTF-8, with a ``.cpg``) and ``fields.csv``.

    A dBASE field name holds at most 10 characters: ``fields.csv`` maps each
    layer's field to its shapefile name and Chinese name. A shapefile holds one
    geometry type, so a layer that mixes them (candidate points and parcels) is
    written as ``<layer>_point.shp``, ``<layer>_polygon.shp`` ….

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

_CJK_FONTS = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
    "Noto Sans SC",
)
_CJK_FILES = ("notosanscjk", "sourcehansans", "wqy", "simhei", "msyh", "pingfang", "notosanssc")


def _cjk_font() -> str | None:
    """A font family that draws Chinese, registering a system file matplotlib skipped."""
    from matplotlib import font_manager

    known = {f.name for f in font_manager.fontManager.ttflist}
    for family in _CJK_FONTS:
        if family in known:
            return family
    for path in font_manager.findSystemFonts():
        if any(key in Path(path).name.lower().replace("-", "") for key in _CJK_FILES):
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError):
                continue
            name: str = font_manager.FontProperties(fname=path).get_name()
            return name
    return None


def _nice_length(span_m: float) -> float:
    """A round scale-bar length near a fifth of the map's width."""
    target = span_m / 5
    power = 10 ** math.floor(math.log10(target))
    return float(max(s * power for s in (1, 2, 5) if s * power <= target))


def write_plan_figure(
    layers: Mapping[str, gpd.GeoDataFrame],
    path: str | Path,
    *,
    title: str = "",
    language: str = "zh",
    dpi: int = FIGURE_DPI,
) -> Path:
    """Draw the plan as a static JPG: areas, facilities and districts, no tiles.

    Areas are filled by slots per 1,000 against their target (the web map's
    colours), shortfall areas outlined red; facilities are circles sized by
    slots (planned blue, demonstration gold, existing purple); district
    outlines carry their names. A legend, a scale bar and a north arrow are
    drawn in the map frame. The figure is A4 landscape.

    Parameters
    ----------
    layers
        Layer name → features in a projected CRS (metres), as in ``plan.gpkg``.
    path
        The ``.jpg`` to write.
    title
        The figure's title.
    language
        ``"zh"`` or ``"en"`` legend labels.
    dpi
        Dots per inch (300 for the hand-in rules).

    Returns
    -------
    Path
        The picture.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import FancyArrow, Patch, Rectangle

    text = labels(language)
    font = _cjk_font()
    if font is None and language == "zh":
        logger.warning("no font with Chinese characters found; plan.jpg's labels may not show")
    rc: dict[str, Any] = {
        "font.family": [font, "sans-serif"] if font else ["sans-serif"],
        "axes.unicode_minus": False,
    }
    frames = {k: v for k, v in layers.items() if v is not None and not v.empty}
    crs = next(iter(frames.values())).crs if frames else None
    if crs is not None and not crs.is_projected:
        metric = next(iter(frames.values())).estimate_utm_crs()
        frames = {k: v.to_crs(metric) for k, v in frames.items()}
    with plt.rc_context(rc):  # type: ignore[arg-type]
        fig, ax = plt.subplots(figsize=(11.69, 8.27))
        areas = frames.get("areas")
        if areas is not None:
            fills = (
                [
                    _ratio_colour(s, t)
                    for s, t in zip(
                        areas.get("slots_per_1000", np.nan),
                        areas.get("target_per_1000", np.nan),
                        strict=False,
                    )
                ]
                if "slots_per_1000" in areas
                else [_GREY] * len(areas)
            )
            areas.plot(ax=ax, color=fills, edgecolor="#555555", linewidth=0.2, alpha=0.75, zorder=2)
            short = areas[
                pd.to_numeric(areas.get("shortfall_slots", 0), errors="coerce").fillna(0) > 0
            ]
            if not short.empty:
                short.boundary.plot(ax=ax, color=_RED, linewidth=0.8, linestyle="--", zorder=3)
        hazards = frames.get("hazards")
        if hazards is not None:
            hazards.plot(
                ax=ax, color="#e66101", alpha=0.35, edgecolor="#b35806", linewidth=0.3, zorder=2
            )
        districts = frames.get("districts")
        if districts is not None:
            districts.boundary.plot(ax=ax, color="#252525", linewidth=1.2, zorder=4)
            for name, point in zip(
                districts.get("name", [""] * len(districts)),
                districts.geometry.representative_point(),
                strict=True,
            ):
                if isinstance(name, str) and name:
                    ax.annotate(
                        name,
                        (point.x, point.y),
                        ha="center",
                        va="center",
                        fontsize=11,
                        color="#252525",
                        zorder=6,
                        bbox={
                            "boxstyle": "round,pad=0.2",
                            "fc": "white",
                            "ec": "none",
                            "alpha": 0.7,
                        },
                    )
        facilities = frames.get("facilities")
        if facilities is not None:
            existing = facilities.get("existing", pd.Series(False, index=facilities.index)).astype(
                bool
            )
            demo = facilities.get("demonstration", pd.Series(False, index=facilities.index)).astype(
                bool
            )
            slots = (
                pd.to_numeric(facilities.get("slots", 0), errors="coerce").fillna(0).clip(lower=0)
            )
            colours = np.where(existing, _PURPLE, np.where(demo, _GOLD, _BLUE))
            edges = list(np.where(existing, "#3f007d", np.where(demo, "#7a5200", "#08306b")))
            pts = facilities.geometry.representative_point()
            ax.scatter(
                pts.x,
                pts.y,
                s=(1.5 + 0.35 * np.sqrt(slots.to_numpy())) ** 2,
                c=colours,
                edgecolors=edges,
                linewidths=0.5,
                alpha=0.9,
                zorder=5,
            )
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_xlabel("")
        ax.set_ylabel("")
        if title:
            ax.set_title(title, fontsize=15)
        # legend
        handles = [
            Patch(fc=_GREEN, ec="#555555", label=text["area_meets"]),
            Patch(fc=_LIGHT_GREEN, ec="#555555", label=text["area_75"]),
            Patch(fc=_ORANGE, ec="#555555", label=text["area_50"]),
            Patch(fc=_RED, ec="#555555", label=text["area_below"]),
            Patch(fc="white", ec=_RED, ls="--", label=text["area_shortfall"]),
            Line2D(
                [],
                [],
                ls="",
                marker="o",
                ms=8,
                mfc=_BLUE,
                mec="#08306b",
                label=text["facility_planned"],
            ),
            Line2D(
                [],
                [],
                ls="",
                marker="o",
                ms=8,
                mfc=_GOLD,
                mec="#7a5200",
                label=text["facility_demonstration"],
            ),
            Line2D(
                [],
                [],
                ls="",
                marker="o",
                ms=8,
                mfc=_PURPLE,
                mec="#3f007d",
                label=text["facility_existing"],
            ),
            Patch(fc="#e66101", alpha=0.35, ec="#b35806", label=text["hazard_buffer"]),
            Line2D([], [], color="#252525", lw=1.2, label=text["layer_districts"]),
        ]
        ax.legend(
            handles=handles,
            title=text["legend"],
            loc="upper left",
            bbox_to_anchor=(1.01, 1.0),
            fontsize=9,
            title_fontsize=10,
            framealpha=0.9,
            fancybox=False,
            edgecolor="#555555",
        )
        # scale bar (lower left) and north arrow (upper right), in data units (metres)
        x0, x1 = ax.get_xlim()
        y0, y1 = ax.get_ylim()
        width, height = x1 - x0, y1 - y0
        length = _nice_length(width)
        bx, by, bh = x0 + 0.04 * width, y0 + 0.05 * height, 0.008 * height
        for k in range(4):
            ax.add_patch(
                Rectangle(
                    (bx + k * length / 4, by),
                    length / 4,
                    bh,
                    fc="black" if k % 2 == 0 else "white",
                    ec="black",
                    lw=0.6,
                    zorder=7,
                )
            )
        unit, scale = ("km", 1000.0) if length >= 1000 else ("m", 1.0)
        for k, pos in ((0, 0.0), (2, 0.5), (4, 1.0)):
            ax.text(
                bx + pos * length,
                by + 2 * bh,
                f"{k * length / 4 / scale:g}",
                ha="center",
                va="bottom",
                fontsize=8,
                zorder=7,
            )
        ax.text(
            bx + length + 0.01 * width,
            by + bh / 2,
            unit,
            ha="left",
            va="center",
            fontsize=8,
            zorder=7,
        )
        nx, ny = x1 - 0.05 * width, y1 - 0.14 * height
        ax.add_patch(
            FancyArrow(
                nx,
                ny,
                0,
                0.07 * height,
                width=0.012 * width,
                head_width=0.03 * width,
                head_length=0.035 * height,
                length_includes_head=True,
                fc="black",
                ec="black",
                zorder=7,
            )
        )
        ax.text(
            nx,
            ny + 0.08 * height,
            "北" if language == "zh" else "N",
            ha="center",
            va="bottom",
            fontsize=13,
            zorder=7,
        )
        if crs is not None:
            epsg = crs.to_epsg()
            ax.text(
                1.0,
                -0.01,
                f"EPSG:{epsg}" if epsg else crs.name,
                transform=ax.transAxes,
                ha="right",
                va="top",
                fontsize=7,
                color="#555555",
            )
        fig.tight_layout()
        path = Path(path)
        fig.savefig(path, dpi=dpi, format="jpg", pil_kwargs={"quality": 90, "dpi": (dpi, dpi)})
        plt.close(fig)
    return path


# --------------------------------------------------------------------------- all of them


def division_prefix(code: str, districts: pd.DataFrame | None) -> str:
    """``"510802利州区_"``: the 6-digit division code and its name from the plan's districts.

    Parameters
    ----------
    code
        The administrative division code (6 digits).
    districts
        The plan's district table (``district_id`` index or column, ``name``).

    Returns
    -------
    str
        Code, name (empty when the plan has no district of that code) and ``_``.

    Raises
    ------
    InputError
        If ``code`` is not 6 digits.

    Examples
    --------
    >>> import pandas as pd
    >>> division_prefix("510802", pd.DataFrame({"district_id": ["510802"], "name": ["利州区"]}))
    '510802利州区_'
    >>> division_prefix("510899", None)
    '510899_'
    """
    if not re.fullmatch(r"\d{6}", str(code)):
        raise InputError(
            f"--name-by-division: {code!r} is not a 6-digit administrative division code "
            "(e.g. 510802 for 利州区)"
        )
    name = ""
    if districts is not None and "name" in districts.columns:
        table = districts.reset_index() if "district_id" not in districts.columns else districts
        match = table[table["district_id"].astype(str) == str(code)]
        if not match.empty and isinstance(match["name"].iloc[0], str):
            name = match["name"].iloc[0]
    if not name:
        logger.warning(
            "division %s is not one of the plan's districts: files named %s_…", code, code
        )
    return f"{code}{name}_"


def write_handin(
    layers: Mapping[str, gpd.GeoDataFrame],
    districts: pd.DataFrame,
    folder: str | Path,
    *,
    division: str | None = None,
    shapefile: bool = False,
    handin: bool = True,
    title: str = "",
    currency: str = "CNY",
    language: str = "zh",
) -> list[Path]:
    """Write the hand-in files into a plan folder.

    With ``handin``: ``plan.gdb``, ``plan.jpg``, ``districts.xlsx`` and
    ``facilities.xlsx``; with ``shapefile``: ``shapefile/`` (each layer and
    ``fields.csv``). With ``division``, each of these names starts with the
    division's code and name (``510802利州区_plan.gdb``).

    Parameters
    ----------
    layers
        Layer name → features in the working CRS (as written to ``plan.gpkg``).
    districts
        The plan's district table.
    folder
        The plan folder (or its staging folder).
    division
        A 6-digit administrative division code to name the files by.
    shapefile
        Also write the shapefiles.
    handin
        Write the File Geodatabase, the figure and the workbooks.
    title
        The figure's title.
    currency
        The currency of costs.
    language
        Labels of the figure's legend.

    Returns
    -------
    list of Path
        The files and folders written.
    """
    folder = Path(folder)
    prefix = division_prefix(division, districts) if division else ""
    written: list[Path] = []
    if handin:
        written.append(write_filegdb(layers, folder / f"{prefix}plan.gdb", currency=currency))
        written.append(
            write_plan_figure(layers, folder / f"{prefix}plan.jpg", title=title, language=language)
        )
        if "facilities" in layers:
            written += write_tables_xlsx(
                districts, layers["facilities"], folder, prefix=prefix, currency=currency
            )
    if shapefile:
        written.append(write_shapefiles(layers, folder / f"{prefix}shapefile", currency=currency))
    return written
