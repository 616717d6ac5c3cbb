"""QGIS layer styles for ``plan.gpkg``, in the web map's colours (the ``layer_styles`` table)."""

from __future__ import annotations

import logging
import math
import sqlite3
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from contextlib import closing
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from siting.handin._names import LAYER_TITLES
from siting.maps.style import (
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
)
from siting.report import labels

logger = logging.getLogger(__name__)


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


def _area_bands(text: Mapping[str, str]) -> list[tuple[str, str, str]]:
    """``(label, filter, colour)`` of each band of an area's slots per 1,000 against its
    target (as :func:`siting.maps.style._ratio_colour`)."""
    spk, tgt = '"slots_per_1000"', '"target_per_1000"'
    below = f"{tgt} > 0 AND {spk} < {tgt} - 1e-9"
    return [
        (text["area_meets"], f"{tgt} <= 0 OR {spk} >= {tgt} - 1e-9", _GREEN),
        (text["area_75"], f"{below} AND {spk} >= 0.75 * {tgt}", _LIGHT_GREEN),
        (
            text["area_50"],
            f"{tgt} > 0 AND {spk} < 0.75 * {tgt} AND {spk} >= 0.5 * {tgt}",
            _ORANGE,
        ),
        (text["area_below"], f"{tgt} > 0 AND {spk} < 0.5 * {tgt}", _RED),
        ("–", f"{spk} IS NULL OR {tgt} IS NULL", _GREY),
    ]


def _rules(name: str, frame: gpd.GeoDataFrame, text: Mapping[str, str]) -> list[Any]:
    """``(label, filter or None, (symbol class, properties), data-defined)`` per rule."""
    if name == "areas":
        return [
            *(
                (label, expression, _fill(colour, 0.55, "#555555", 0.26), None)
                for label, expression, colour in _area_bands(text)
            ),
            (
                text["area_shortfall"],
                '"shortfall_slots" > 0',
                _fill(None, 0, _RED, 1.0, dashed=True),
                None,
            ),
        ]
    if name == "area_points":  # the areas' bands, as circles at the 小区's points
        return [
            (label, expression, _marker(colour, "#555555", 2.6, 0.85), None)
            for label, expression, colour in _area_bands(text)
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
    :func:`siting.maps.style._ratio_colour`) and a red dashed outline where there is
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
    with closing(sqlite3.connect(gpkg)) as db, db:
        # QGIS finds a layer's style by its geometry column as the GeoPackage names it
        # (GDAL's "geom"), not as the frame does
        column_of = dict(
            db.execute("SELECT table_name, column_name FROM gpkg_geometry_columns").fetchall()
        )
        rows = []
        for name, frame in layers.items():
            if name not in LAYER_TITLES:
                continue
            title = labels(language)[LAYER_TITLES[name]]
            rows.append(
                (
                    name,
                    column_of.get(name, frame.geometry.name),
                    title,
                    layer_qml(name, frame, language=language),
                    "",
                    1,
                    f"siting: {title}",
                    "",
                )
            )
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
