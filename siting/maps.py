"""An interactive map of a plan run, for planners: folium (Leaflet) in one HTML file.

:func:`plan_map` reads a plan's output folder and draws, each as a named
layer in a layer control:

* population density by residential area (or a population raster);
* residential areas coloured by slots per 1,000 against their own target,
  with shortfall areas outlined thick, red and dashed;
* candidate sites: chosen, not chosen, and excluded (with the reason);
* planned facilities as circles sized by slots, demonstration ones (R5) gold;
* existing facilities;
* service lines from each facility to the areas it serves;
* district outlines with their names;
* hazards with their safety buffers (R9).

A phased plan (``[[phases]]``, :mod:`siting.phasing`) gets a year filter
beside it: choosing a year shows the facilities open by the end of it (and
their service lines), from each facility's ``opening_year``.

With two or more districts (``districts.csv``, e.g. ``[run] partition =
"district"``) a district filter in the top left corner shows one district at a
time: each feature carries its district's number (``d``, from its own
``district_id``, else its area's or site's), and choosing a district takes the
others' features out of every layer that has one and zooms to it.

Base maps (DOMAIN.md §6): OpenStreetMap by default. Tianditu (天地图, CGCS2000,
no shift) needs the user's key ``tk``; without one it is left out and the
legend says so. Gaode/AutoNavi tiles are in GCJ-02, so with
``basemap="gaode"`` every overlay coordinate is shifted to GCJ-02 first
(about 440 m in Guangyuan). On an intranet, ``basemap`` is a bureau's own
tile server's URL template (``https://tiles.bureau.local/{z}/{x}/{y}.png``,
Web Mercator tiles in WGS 84 or CGCS2000, no shift) or ``"none"``: no tiles,
the plan's layers on a plain background. The layers draw whether or not a
base map's server answers.

A big city stays usable: the layers are drawn from display copies of the
plan's geometry, simplified without changing any ring's topology at
:data:`DISPLAY_TOLERANCE_M` (0.5 m, one pixel at zoom 18) in the layer's UTM
zone, then rounded to :data:`DISPLAY_DECIMALS` decimals of a degree (about
0.1 m). Popups are tables styled by one stylesheet, not per cell, and each
layer is written as compact UTF-8 JSON. A 5,759-area generated city's map
(``python -m benchmarks.map``) is a fraction of what it was.

A province stays openable: above :data:`DETAIL_LIMIT` residential areas
(``detail_limit``; a merged plan of many counties, ``[run] partition``) the map
is an overview drawn on a canvas: each area is a point at its representative
point, sized by its people and coloured by its slots per 1,000, with its
popup; facilities keep their tooltips but not their popups; the population
density, service lines, candidate sites and access layers are left out, and
the legend says so. Every outline and row stays in ``plan.gpkg`` and the
GeoJSON layers. The 183-county generated province's map
(``python -m benchmarks.province``) is written in seconds, not minutes.

Offline: a map :func:`plan_map` makes carries its own Leaflet (bundled with
the package, see :mod:`siting._web_assets`), inlined into the page, and none
of the jQuery, Bootstrap and Font Awesome links folium adds by default, so
``map.html`` draws on an intranet with no internet; only the base map's tiles
come from a server.

folium is imported lazily, as geopandas does, and :func:`plan_map` takes
``m=`` so an analyst can add the layers to a map of their own (that map keeps
the script links it has).
"""

from __future__ import annotations

import html
import json
import logging
import math
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from siting._web_assets import leaflet_inline_html
from siting.gcj02 import geometry_to_gcj02, wgs84_to_gcj02
from siting.report import (
    PlanOutput,
    access_labels,
    as_number,
    currency_of,
    is_true,
    labels,
    not_a_number,
    phase_labels,
    read_plan_output,
)

if TYPE_CHECKING:
    import folium
    import geopandas as gpd

__all__ = [
    "BASEMAPS",
    "DETAIL_LIMIT",
    "DISPLAY_DECIMALS",
    "DISPLAY_TOLERANCE_M",
    "check_basemap",
    "display_geometry",
    "gaode_tile_url",
    "plan_map",
    "popup_html",
    "save_map",
    "tianditu_tile_url",
]

logger = logging.getLogger(__name__)

BASEMAPS = ("none", "osm", "tianditu", "tianditu_img", "gaode")
"""Named values of ``basemap``; a tile URL template (see :func:`check_basemap`) is accepted too."""

_TIANDITU_URL = (
    "https://t{{s}}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
    "&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
    "&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk={key}"
)
_TIANDITU_ATTR = '&copy; <a href="https://www.tianditu.gov.cn/">天地图 Tianditu</a>'
_GAODE_URLS = {
    "vec": "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8"
    "&x={x}&y={y}&z={z}",
    "img": "https://webst0{s}.is.autonavi.com/appmaptile?style=6&x={x}&y={y}&z={z}",
}
_GAODE_ATTR = '&copy; <a href="https://www.amap.com/">高德地图 AutoNavi</a>'

DISPLAY_TOLERANCE_M = 0.5
"""How far (m) a drawn outline may stray from the plan's: one pixel at zoom 18."""

DISPLAY_DECIMALS = 6
"""Decimals of a degree kept in the map's coordinates: 1e-6° is 0.11 m or less."""

DETAIL_LIMIT = 20_000
"""Residential areas above which the map is an overview (areas as points, fewer layers)."""

_POINT_RADII = (3.0, 4.0, 5.5, 7.0, 9.0)
"""An overview's area points, px, by quintile of people."""

# colours
_GREEN, _LIGHT_GREEN, _ORANGE, _RED = "#1a9641", "#a6d96a", "#fdae61", "#d7191c"
_BLUE, _PURPLE, _GOLD, _GREY = "#2b83ba", "#7b3294", "#ffc107", "#8c8c8c"
_POP_COLOURS = ("#ffffcc", "#c2e699", "#78c679", "#31a354", "#006837")
_RESIDUAL_COLOURS = ("#f2f0f7", "#cbc9e2", "#9e9ac8", "#756bb1", "#54278f")
"""Purples for the residual people, apart from the greens of the areas' density."""

_POPUP_CSS = (
    "<style>.sp{font-size:12px}"
    ".sp th{text-align:left;padding-right:8px;font-weight:normal;color:#555}"
    ".sp td.n{text-align:right}</style>"
)
"""The popup tables' one stylesheet (class ``sp``; ``td.n`` is a number)."""


def check_basemap(basemap: str) -> str:
    """Check a ``basemap`` value: one of :data:`BASEMAPS` or a tile URL template.

    Parameters
    ----------
    basemap
        ``"none"``, ``"osm"``, ``"tianditu"``, ``"tianditu_img"``, ``"gaode"``, or a
        Leaflet tile URL template for a bureau's own tile server, with ``{z}``,
        ``{x}`` and ``{y}`` (and optionally ``{s}``).

    Returns
    -------
    str
        ``basemap`` unchanged.

    Raises
    ------
    ValueError
        Naming the accepted values and what a URL template needs.

    Examples
    --------
    >>> check_basemap("https://tiles.bureau.local/{z}/{x}/{y}.png")
    'https://tiles.bureau.local/{z}/{x}/{y}.png'
    >>> check_basemap("https://tiles.bureau.local/{z}/{x}.png")
    Traceback (most recent call last):
    ...
    ValueError: basemap: a tile URL template needs {z}, {x} and {y}; \
'https://tiles.bureau.local/{z}/{x}.png' has no {y}
    """
    if basemap in BASEMAPS:
        return basemap
    if "{z}" not in basemap:
        raise ValueError(
            f"basemap must be one of {', '.join(BASEMAPS)} or a tile URL template with "
            f"{{z}}, {{x}} and {{y}} (https://tiles.bureau.local/{{z}}/{{x}}/{{y}}.png); "
            f"got {basemap!r}"
        )
    missing = [part for part in ("{x}", "{y}") if part not in basemap]
    if missing:
        raise ValueError(
            "basemap: a tile URL template needs {z}, {x} and {y}; "
            f"{basemap!r} has no {' or '.join(missing)}"
        )
    if any(c in basemap for c in "\"'<> \n"):
        raise ValueError(
            f"basemap: a tile URL template has no quotes, spaces or <>; got {basemap!r}"
        )
    return basemap


def _tile_server_name(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).netloc or url.split("{z}", 1)[0].rstrip("/") or url


def tianditu_tile_url(layer: str, key: str) -> str:
    """A Tianditu Web-Mercator (``_w``) WMTS tile URL for Leaflet.

    Parameters
    ----------
    layer
        ``"vec"`` (map), ``"cva"`` (map labels), ``"img"`` (imagery) or ``"cia"`` (imagery labels).
    key
        The user's Tianditu key, sent as ``tk``.

    Returns
    -------
    str
        A URL template with ``{s}``, ``{z}``, ``{x}`` and ``{y}`` (subdomains 0–7).

    Examples
    --------
    >>> tianditu_tile_url("vec", "KEY").split("?")[0]
    'https://t{s}.tianditu.gov.cn/vec_w/wmts'
    """
    if layer not in ("vec", "cva", "img", "cia"):
        raise ValueError(f"layer must be vec, cva, img or cia, got {layer!r}")
    return _TIANDITU_URL.format(layer=layer, key=key)


def gaode_tile_url(kind: str = "vec") -> str:
    """A Gaode/AutoNavi tile URL template (GCJ-02 tiles, subdomains 1–4).

    Parameters
    ----------
    kind
        ``"vec"`` (map) or ``"img"`` (imagery).

    Returns
    -------
    str
        The URL template.
    """
    return _GAODE_URLS[kind]


# --------------------------------------------------------------------------- helpers


def _utm_epsg(lonlat: gpd.GeoSeries) -> int:
    """The WGS 84 UTM zone (EPSG code) of a lon/lat layer's centre, without a database query."""
    minx, miny, maxx, maxy = (float(v) for v in lonlat.total_bounds)
    lon = (minx + maxx) / 2 if math.isfinite(minx + maxx) else 0.0
    lat = (miny + maxy) / 2 if math.isfinite(miny + maxy) else 0.0
    zone = min(max(int((lon + 180.0) // 6.0) + 1, 1), 60)
    return (32600 if lat >= 0 else 32700) + zone


def display_geometry(
    frame: gpd.GeoDataFrame,
    *,
    tolerance_m: float = DISPLAY_TOLERANCE_M,
    decimals: int = DISPLAY_DECIMALS,
    gcj02: bool = False,
) -> gpd.GeoDataFrame:
    """A copy of a layer for drawing: simplified, in lon/lat, coordinates rounded.

    Each geometry is simplified with Douglas–Peucker at ``tolerance_m``,
    keeping its topology (no ring crosses itself or another, none collapses:
    :func:`shapely.simplify` with ``preserve_topology=True``), in the layer's
    UTM zone, so the tolerance is in metres everywhere. It is then taken to
    EPSG:4326 (and to GCJ-02 with ``gcj02=True``), and its coordinates are
    rounded to ``decimals`` decimals of a degree. A geometry the rounding
    would make invalid is snapped by GEOS's precision reducer instead, which
    keeps it valid. Points only lose digits.

    Parameters
    ----------
    frame
        A layer with a CRS (EPSG:4326 if it has none).
    tolerance_m
        The simplification tolerance in metres; ``0`` keeps every vertex.
    decimals
        Decimals of a degree to keep.
    gcj02
        Shift to GCJ-02 for Gaode's tiles.

    Returns
    -------
    geopandas.GeoDataFrame
        The same rows and columns in EPSG:4326 (labelled so even when shifted).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import Polygon
    >>> square = Polygon([(0, 0), (50, 0.2), (100, 0), (100, 100), (0, 100)])
    >>> layer = gpd.GeoDataFrame(geometry=[square], crs="EPSG:4544").to_crs(4326)
    >>> shown = display_geometry(layer)
    >>> len(shown.geometry.iloc[0].exterior.coords), shown.crs.to_epsg()
    (5, 4326)
    """
    import geopandas as gpd
    import shapely

    geo = frame if frame.crs is not None else frame.set_crs("EPSG:4326")
    values = geo.geometry.to_crs("EPSG:4326")
    if tolerance_m > 0:
        metric = values.to_crs(_utm_epsg(values))
        simple = shapely.simplify(metric.to_numpy(), tolerance_m, preserve_topology=True)
        values = gpd.GeoSeries(simple, index=frame.index, crs=metric.crs).to_crs("EPSG:4326")
    shown = gpd.GeoDataFrame(
        pd.DataFrame(frame.drop(columns=frame.geometry.name)), geometry=values, crs="EPSG:4326"
    )
    if gcj02:
        shown = geometry_to_gcj02(shown)
    geoms = shown.geometry.to_numpy()
    grid = 10.0**-decimals
    rounded = shapely.set_precision(geoms, grid, mode="pointwise")
    broken = shapely.is_valid(geoms) & ~shapely.is_valid(rounded)
    if broken.any():
        rounded[broken] = shapely.set_precision(geoms[broken], grid)
    return shown.set_geometry(gpd.GeoSeries(rounded, index=shown.index, crs="EPSG:4326"))


def _esc(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return html.escape(str(value))


def _fmt(value: Any, digits: int = 0) -> str:
    x = as_number(value)
    if x is None:
        return _esc(value) if not_a_number(value) else "–"
    return f"{x:,.{digits}f}"


def _popup(title: str, rows: Sequence[tuple[str, str]], extra: str = "") -> dict[str, Any]:
    """A popup: its bold title (HTML), rows of (label text, value HTML), HTML after the table.

    The map writes each layer's labels once and each popup as label numbers
    and values; the browser builds the table when the popup opens
    (:func:`popup_html` is the same in Python).
    """
    popup: dict[str, Any] = {"title": title, "rows": [[k, v] for k, v in rows]}
    if extra:
        popup["extra"] = extra
    return popup


def popup_html(popup: Mapping[str, Any]) -> str:
    """The HTML a feature's popup shows, as the map's script builds it.

    Parameters
    ----------
    popup
        A feature's ``properties["popup"]``: ``title``, ``rows`` and optional ``extra``.

    Returns
    -------
    str
        ``<b>title</b><table class="sp">…</table>`` and the extra HTML.

    Examples
    --------
    >>> popup_html({"title": "宝轮村", "rows": [["缺口托位", "14"]]})
    '<b>宝轮村</b><table class="sp"><tr><th>缺口托位</th><td>14</td></tr></table>'
    """
    cells = "".join(f"<tr><th>{html.escape(k)}</th><td>{v}</td></tr>" for k, v in popup["rows"])
    return f'<b>{popup["title"]}</b><table class="sp">{cells}</table>{popup.get("extra", "")}'


def _records(frame: gpd.GeoDataFrame | None) -> list[tuple[dict[str, Any], Any]]:
    if frame is None or frame.empty:
        return []
    geom_col = frame.geometry.name
    plain = pd.DataFrame(frame.drop(columns=geom_col))
    out = []
    for rec, geom in zip(plain.to_dict("records"), frame.geometry, strict=True):
        if geom is None or geom.is_empty:
            continue
        clean = {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in rec.items()}
        out.append((clean, geom))
    return out


def _feature(geom: Any, properties: Mapping[str, Any], fid: str | None = None) -> dict[str, Any]:
    import shapely

    if geom.geom_type == "Point":  # most features of a big map: no JSON round trip
        geometry: Any = {"type": "Point", "coordinates": [geom.x, geom.y]}
    else:
        geometry = json.loads(shapely.to_geojson(geom))
    feature: dict[str, Any] = {
        "type": "Feature",
        "geometry": geometry,
        "properties": dict(properties),
    }
    if fid is not None:
        feature["id"] = fid
    return feature


def _json_for_script(data: Any) -> str:
    """``data`` as compact UTF-8 JSON that is safe inside a ``<script>`` element.

    folium's own ``tojson`` writes every non-ASCII character and every ``<``
    as a six-byte ``\\uXXXX`` escape, which more than doubles Chinese popups.
    Only ``</`` and ``<!--`` can end or confuse a script element, so only they
    are escaped (as ``<\\/`` and ``\\u003c!--``, both still JSON).

    Examples
    --------
    >>> _json_for_script({"popup": "<b>宝轮村</b><!-- x -->"})
    '{"popup":"<b>宝轮村<\\\\/b>\\\\u003c!-- x -->"}'
    """

    def plain(value: Any) -> Any:
        if isinstance(value, np.generic):
            return value.item()
        raise TypeError(f"{type(value).__name__} is not JSON serializable")

    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=plain)
    return text.replace("</", "<\\/").replace("<!--", "\\u003c!--")


def _compact_collection(
    features: Sequence[Mapping[str, Any]], *, geometry: bool = True
) -> dict[str, Any]:
    """A layer's features as the page carries them: what is drawn and shown, once.

    Each distinct style is written once in ``styles`` and each popup label
    once in ``labels``; a feature keeps its geometry and, as properties,
    ``s`` (its style's number), ``t`` (its tooltip) and ``p`` (its popup:
    ``[title, [label number, value, ...], extra]``) and ``d`` (its
    district's number in the district filter, when it has one) and ``y`` (a
    phased plan's opening year, for the year filter). Ids and other
    properties nothing shows are left out. With ``geometry=False`` the
    features have no geometry: the page copies it from another layer's.

    Examples
    --------
    >>> style = {"color": "#555555"}
    >>> pt = {"type": "Point", "coordinates": [105.8, 32.4]}
    >>> feature = {"type": "Feature", "id": "A1", "geometry": pt, "properties": {
    ...     "area_id": "A1", "style": style, "tooltip": "A",
    ...     "popup": {"title": "A", "rows": [["人口", "80"]]}}}
    >>> _compact_collection([feature, feature])["features"][1]["properties"]
    {'s': 0, 't': 'A', 'p': ['A', [0, '80']]}
    """
    styles: dict[str, int] = {}
    labels: dict[str, int] = {}
    out = []
    for feature in features:
        props = feature["properties"]
        small: dict[str, Any] = {}
        if props.get("style") is not None:
            key = json.dumps(props["style"], sort_keys=True)
            small["s"] = styles.setdefault(key, len(styles))
        if props.get("tooltip"):
            small["t"] = props["tooltip"]
        if props.get("district") is not None:
            small["d"] = props["district"]
        if props.get("year") is not None:
            small["y"] = props["year"]
        popup = props.get("popup")
        if popup:
            flat: list[Any] = []
            for label, value in popup["rows"]:
                flat += [labels.setdefault(html.escape(label), len(labels)), value]
            small["p"] = [popup["title"], flat, *([popup["extra"]] if popup.get("extra") else [])]
        compact: dict[str, Any] = {"type": "Feature", "properties": small}
        if geometry:
            compact["geometry"] = feature["geometry"]
        out.append(compact)
    return {
        "type": "FeatureCollection",
        "styles": [json.loads(key) for key in styles],
        "labels": list(labels),
        "features": out,
    }


@cache
def _layer_class() -> Callable[..., folium.GeoJson]:
    """A folium ``GeoJson`` that writes its data compactly and styles each feature itself.

    In Python (``layer.data``) each feature carries its Leaflet path options
    in ``properties.style`` (a point's include its ``radius``), its popup in
    ``properties.popup`` (see :func:`_popup`) and its tooltip in
    ``properties.tooltip``. The page carries :func:`_compact_collection` of
    them, and the popup's table is built when it opens.
    """
    import folium
    from jinja2 import Template

    class _Layer(folium.GeoJson):  # type: ignore[misc]
        _template = Template(
            """
            {% macro script(this, kwargs) %}
            var {{ this.get_name() }}_data = {{ this.data_js }};
            {%- if this.shares_geometry %}
            (function (own, from) {
                for (var i = 0; i < own.length; i++) { own[i].geometry = from[i].geometry; }
            })(
                {{ this.get_name() }}_data.features,
                {{ this.geometry_from.get_name() }}_data.features
            );
            {%- endif %}
            var {{ this.get_name() }} = L.geoJson({{ this.get_name() }}_data, {
                style: function (f) { return {{ this.get_name() }}_data.styles[f.properties.s]; },
                pointToLayer: function (f, latlng) {
                    var style = {{ this.get_name() }}_data.styles[f.properties.s];
                    return L.circleMarker(latlng, L.extend({radius: 6, fill: true}, style));
                },
                onEachFeature: function (f, layer) {
                    var p = f.properties, labels = {{ this.get_name() }}_data.labels;
                    if (p.p) {
                        layer.bindPopup(function () {
                            var rows = p.p[1], h = "<b>" + p.p[0] + '</b><table class="sp">';
                            for (var i = 0; i < rows.length; i += 2) {
                                h += "<tr><th>" + labels[rows[i]] + "</th><td>" + rows[i + 1]
                                    + "</td></tr>";
                            }
                            return h + "</table>" + (p.p[2] || "");
                        }, {maxWidth: 380});
                    }
                    if (p.t) { layer.bindTooltip(p.t, {sticky: true}); }
                }
            });
            {% endmacro %}
            """
        )

        def __init__(
            self, data: dict[str, Any], *, geometry_from: folium.GeoJson | None = None
        ) -> None:
            super().__init__(data, control=False)
            self.geometry_from = geometry_from

        @property
        def shares_geometry(self) -> bool:
            """Whether the page copies this layer's geometry from ``geometry_from``'s.

            Only when that layer's script comes first and its features have
            the same geometry, one for one (the population and the areas'
            layers draw the same areas).
            """
            source = self.geometry_from
            if source is None:
                return False
            mine, theirs = self.data["features"], source.data["features"]
            return len(mine) == len(theirs) and all(
                a["geometry"] == b["geometry"] for a, b in zip(mine, theirs, strict=True)
            )

        @property
        def data_js(self) -> str:
            features = self.data["features"]
            return _json_for_script(
                _compact_collection(features, geometry=not self.shares_geometry)
            )

    return _Layer


def _add_geojson(
    group: folium.FeatureGroup,
    features: list[dict[str, Any]],
    *,
    geometry_from: folium.GeoJson | None = None,
) -> folium.GeoJson | None:
    """Add ``features`` to ``group`` (points as circle markers); return the layer.

    ``geometry_from`` is a layer drawn earlier from the same geometries, one for
    one: the page then carries them once (see ``_layer_class``).
    """
    if not features:
        return None
    collection = {"type": "FeatureCollection", "features": features}
    layer = _layer_class()(collection, geometry_from=geometry_from)
    layer.add_to(group)
    return layer


def _ratio_colour(spk: Any, target: Any) -> str:
    try:
        s, t = float(spk), float(target)
    except (TypeError, ValueError):
        return _GREY
    if math.isnan(s) or math.isnan(t):
        return _GREY
    if t <= 0 or s >= t - 1e-9:
        return _GREEN
    ratio = s / t
    if ratio >= 0.75:
        return _LIGHT_GREEN
    if ratio >= 0.5:
        return _ORANGE
    return _RED


def _radius(slots: Any) -> float:
    try:
        s = max(float(slots), 0.0)
    except (TypeError, ValueError):
        s = 0.0
    return round(4.0 + 0.9 * math.sqrt(s), 1)


def _density_bins(values: np.ndarray) -> list[float]:
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return [0.0]
    edges = sorted({float(v) for v in np.quantile(finite, [0.2, 0.4, 0.6, 0.8])})
    return edges


def _bin_colour(value: float, edges: Sequence[float], palette: Sequence[str] = _POP_COLOURS) -> str:
    if not math.isfinite(value):
        return _GREY
    for i, edge in enumerate(edges):
        if value <= edge:
            return palette[min(i, len(palette) - 1)]
    return palette[min(len(edges), len(palette) - 1)]


# --------------------------------------------------------------------------- layers


def _population_layer(
    out: PlanOutput, areas: gpd.GeoDataFrame, text: Mapping[str, str], legend: list[str]
) -> list[dict[str, Any]]:
    metric = out.areas.to_crs(out.areas.estimate_utm_crs())
    hectares = metric.geometry.area.to_numpy() / 10_000.0
    pop = pd.to_numeric(areas.get("population"), errors="coerce").to_numpy(dtype=float)
    planned = pd.to_numeric(
        areas.get("planned_population", pd.Series(np.nan, index=areas.index)), errors="coerce"
    ).to_numpy(dtype=float)
    status = areas.get("status", pd.Series("", index=areas.index)).astype(str).to_numpy()
    persons = np.where((status == "new") & np.isfinite(planned) & (planned > 0), planned, pop)
    with np.errstate(divide="ignore", invalid="ignore"):
        density = np.where(hectares > 0, persons / hectares, np.nan)
    edges = _density_bins(density)
    lows = [0.0, *edges]
    for i, low in enumerate(lows[: len(_POP_COLOURS)]):
        high = edges[i] if i < len(edges) else None
        label = f"{low:,.0f}–{high:,.0f}" if high is not None else f"> {low:,.0f}"
        legend.append(_swatch(_POP_COLOURS[i], f"{label} {text['population_per_ha']}", box=True))
    features = []
    for (rec, geom), dens, people in zip(_records(areas), density, persons, strict=True):
        colour = _bin_colour(float(dens), edges)
        tooltip = (
            f"{_esc(rec.get('name'))}: {_fmt(dens, 1)} {html.escape(text['population_per_ha'])}"
            f" ({html.escape(text['population'])} {_fmt(people)})"
        )
        features.append(
            _feature(
                geom,
                {
                    "area_id": rec.get("area_id"),
                    "district_id": rec.get("district_id"),
                    "tooltip": tooltip,
                    "style": {
                        "color": colour,
                        "weight": 0.5,
                        "fillColor": colour,
                        "fillOpacity": 0.65,
                    },
                },
            )
        )
    return features


def _area_features(areas: gpd.GeoDataFrame, text: Mapping[str, str]) -> list[dict[str, Any]]:
    features = []
    for rec, geom in _records(areas):
        shortfall = float(rec.get("shortfall_slots") or 0.0)
        fill = _ratio_colour(rec.get("slots_per_1000"), rec.get("target_per_1000"))
        style: dict[str, Any] = {
            "color": "#555555",
            "weight": 1,
            "fillColor": fill,
            "fillOpacity": 0.55,
        }
        if shortfall > 0:
            style.update({"color": _RED, "weight": 4, "dashArray": "8 4", "opacity": 1.0})
        status = str(rec.get("status") or "")
        reason = str(rec.get("shortfall_reason") or "")
        people_key = "planned_population" if status == "new" else "population"
        rows = [
            (text["area_id"], _esc(rec.get("area_id"))),
            (text["status"], _esc(text.get(f"status_{status}", status))),
            (text[people_key], _fmt(rec.get(people_key))),
            (text["required_slots"], _fmt(rec.get("required_slots"))),
            (text["served_slots"], _fmt(rec.get("served_slots"))),
            (text["shortfall_slots"], _fmt(rec.get("shortfall_slots"))),
            (
                text["slots_per_1000"],
                f"{_fmt(rec.get('slots_per_1000'), 2)} / {_fmt(rec.get('target_per_1000'), 1)}",
            ),
            (text["migrant_demand"], _fmt(rec.get("migrant_demand"))),
            (text["nearest_facility_m"], _fmt(rec.get("nearest_facility_m"))),
        ]
        if shortfall > 0 or reason:
            rows.append(
                (text["shortfall_reason"], _esc(text.get(f"reason_{reason}", reason) or "–"))
            )
        popup = _popup(_esc(rec.get("name")), rows)
        tooltip = (
            f"{_esc(rec.get('name'))}: {_fmt(rec.get('slots_per_1000'), 1)}"
            f" / {_fmt(rec.get('target_per_1000'), 1)}"
        )
        if shortfall > 0:
            tooltip += f" ({html.escape(text['shortfall_slots'])} {_fmt(shortfall)})"
        features.append(
            _feature(
                geom,
                {
                    "area_id": rec.get("area_id"),
                    "district_id": rec.get("district_id"),
                    "popup": popup,
                    "tooltip": tooltip,
                    "style": style,
                },
                fid=str(rec.get("area_id")),
            )
        )
    return features


def _served_by_site(
    out: PlanOutput, text: Mapping[str, str]
) -> dict[str, list[tuple[str, str, float, float]]]:
    """site_id → [(area name, demand kind, slots, distance_m)] from assignments.csv."""
    names: dict[str, str] = {}
    if "area_id" in out.areas.columns:
        for aid, name in zip(
            out.areas["area_id"].astype(str),
            out.areas.get("name", out.areas["area_id"]).astype(str),
            strict=True,
        ):
            names[aid] = name
    served: dict[str, list[tuple[str, str, float, float]]] = {}
    table = out.assignments
    if table.empty or "site_id" not in table.columns:
        return served
    grouped = (
        table.assign(
            slots=pd.to_numeric(table["slots"], errors="coerce"),
            distance_m=pd.to_numeric(table["distance_m"], errors="coerce"),
        )
        .groupby(["site_id", "area_id", "kind"], sort=False)
        .agg(slots=("slots", "sum"), distance_m=("distance_m", "max"))
        .reset_index()
    )
    for row in grouped.itertuples(index=False):
        area = f"{names.get(str(row.area_id), str(row.area_id))} ({row.area_id})"
        kind = text.get(f"kind_{row.kind}", str(row.kind))
        served.setdefault(str(row.site_id), []).append(
            (area, kind, float(row.slots), float(row.distance_m))
        )
    return served


def _facility_popup(
    rec: Mapping[str, Any],
    served: Sequence[tuple[str, str, float, float]],
    text: Mapping[str, str],
) -> dict[str, Any]:
    classes = " · ".join(
        f"{html.escape(text[c])} {_fmt(rec.get(f'classes_{c}'))}"
        for c in ("infant", "toddler", "older", "mixed")
        if rec.get(f"classes_{c}") not in (None, 0)
    )
    services = ", ".join(
        html.escape(text.get(s.strip(), s.strip()))
        for s in str(rec.get("service_types") or "").split(",")
        if s.strip()
    )
    acquisition = str(rec.get("acquisition") or "")
    basis = str(rec.get("cost_basis") or "")
    slots = _fmt(rec.get("slots"))
    if rec.get("existing_slots") not in (None, 0):
        slots += (
            f" ({html.escape(text['existing_slots'])} {_fmt(rec.get('existing_slots'))},"
            f" {html.escape(text['new_slots'])} {_fmt(rec.get('new_slots'))})"
        )
    if rec.get("slots_source") == "assumed default":
        slots += f" <i>[{html.escape(text['slots_assumed'])}]</i>"
    rows = [
        (text["site_id"], _esc(rec.get("site_id"))),
        (text["kind"], _esc(rec.get("kind"))),
        (text["option"], _esc(rec.get("option") or "–")),
        (text["slots"], slots),
        (text["classes"], classes or "–"),
        (text["floor_area_m2"], _fmt(rec.get("floor_area_m2"))),
        (text["cost"], _fmt(rec.get("cost"))),
        (text["cost_basis"], _esc(text.get(f"basis_{basis}", basis) if basis else "–")),
        (text["acquisition"], _esc(text.get(acquisition, acquisition))),
        (text["demonstration"], text["yes"] if is_true(rec.get("demonstration")) else text["no"]),
        (text["affordable"], text["yes"] if is_true(rec.get("affordable")) else text["no"]),
        (text["service_types"], services or "–"),
    ]
    if rec.get("colocated_area_id"):
        rows.append((text["colocated"], _esc(rec.get("colocated_area_id"))))
    year = as_number(rec.get("opening_year"))
    if year is not None and "opening_year" in text:  # a phased plan (siting.phasing)
        rows.append((text["opening_year"], f"{year:.0f}"))
    extra = ""
    if served:
        head = (
            f"<tr><th>{html.escape(text['name'])}</th><th>{html.escape(text['demand_kind'])}</th>"
            f"<th>{html.escape(text['slots'])}</th><th>{html.escape(text['distance_m'])}</th></tr>"
        )
        body = "".join(
            f"<tr><td>{html.escape(area)}</td><td>{html.escape(kind)}</td>"
            f'<td class="n">{_fmt(slots)}</td>'
            f'<td class="n">{_fmt(dist)}</td></tr>'
            for area, kind, slots, dist in served
        )
        extra = (
            f"<div style='margin-top:4px'><b>{html.escape(text['serves'])}</b></div>"
            f'<table class="sp">{head}{body}</table>'
        )
    return _popup(_esc(rec.get("name")), rows, extra)


def _facility_features(
    out: PlanOutput,
    facilities: gpd.GeoDataFrame | None,
    text: Mapping[str, str],
    *,
    popups: bool = True,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    served = _served_by_site(out, text) if popups else {}
    planned: list[dict[str, Any]] = []
    existing: list[dict[str, Any]] = []
    for rec, geom in _records(facilities):
        point = geom if geom.geom_type == "Point" else geom.representative_point()
        demo = is_true(rec.get("demonstration"))
        is_existing = is_true(rec.get("existing"))
        if is_existing:
            style = {"color": "#3f007d", "weight": 2, "fillColor": _PURPLE, "fillOpacity": 0.8}
        elif demo:
            style = {"color": "#7a5200", "weight": 3, "fillColor": _GOLD, "fillOpacity": 0.95}
        else:
            style = {"color": "#08306b", "weight": 2, "fillColor": _BLUE, "fillOpacity": 0.85}
        style["radius"] = _radius(rec.get("slots"))
        site = str(rec.get("site_id"))
        tooltip = f"{_esc(rec.get('name'))}: {_fmt(rec.get('slots'))} {html.escape(text['slots'])}"
        if demo:
            tooltip = "★ " + tooltip + f" ({html.escape(text['demonstration'])})"
        feature = _feature(
            point,
            {
                "site_id": site,
                "district_id": rec.get("district_id"),
                "popup": _facility_popup(rec, served.get(site, []), text) if popups else None,
                "tooltip": tooltip,
                "style": style,
            },
            fid=site,
        )
        (existing if is_existing else planned).append(feature)
    return planned, existing


def _candidate_features(
    candidates: gpd.GeoDataFrame | None, text: Mapping[str, str]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    points: list[dict[str, Any]] = []
    shapes: list[dict[str, Any]] = []
    styles = {
        "chosen": {"color": _BLUE, "weight": 2, "fillColor": _BLUE, "fillOpacity": 0.4},
        "not chosen": {
            "color": "#636363",
            "weight": 1.5,
            "fillColor": "#ffffff",
            "fillOpacity": 0.6,
        },
        "excluded": {
            "color": "#000000",
            "weight": 1.5,
            "dashArray": "3 3",
            "fillColor": "#252525",
            "fillOpacity": 0.5,
        },
    }
    for rec, geom in _records(candidates):
        state = str(rec.get("state") or "not chosen")
        style = dict(styles.get(state, styles["not chosen"]))
        acquisition = str(rec.get("acquisition") or "")
        tooltip = (
            f"{_esc(rec.get('name'))} ({_esc(rec.get('site_id'))}): "
            f"{html.escape(text.get(f'state_{state}', state))}"
        )
        reason = str(rec.get("exclusion_reason") or "")
        if state == "excluded" and reason:
            tooltip += f" — {html.escape(text['exclusion_reason'])}: {html.escape(reason)}"
        rows = [
            (text["site_id"], _esc(rec.get("site_id"))),
            (text["kind"], _esc(rec.get("kind"))),
            (text["acquisition"], _esc(text.get(acquisition, acquisition))),
            (text["cost"], _fmt(rec.get("cost"))),
            (text["affordable"], text["yes"] if is_true(rec.get("affordable")) else text["no"]),
            (text["status"], _esc(text.get(f"state_{state}", state))),
        ]
        if reason:
            rows.append((text["exclusion_reason"], _esc(reason)))
        props = {
            "site_id": rec.get("site_id"),
            "district_id": rec.get("district_id"),
            "tooltip": tooltip,
            "popup": _popup(_esc(rec.get("name")), rows),
            "style": style,
        }
        if geom.geom_type in ("Point", "MultiPoint"):
            style["radius"] = 5
            points.append(_feature(geom, props))
        else:
            shapes.append(_feature(geom, props))
    return points, shapes


def _line_features(lines: gpd.GeoDataFrame | None, text: Mapping[str, str]) -> list[dict[str, Any]]:
    features = []
    for rec, geom in _records(lines):
        kind = str(rec.get("kind") or "resident")
        style: dict[str, Any] = {"color": _BLUE, "weight": 1.5, "opacity": 0.7}
        if kind == "migrant":
            style = {"color": _PURPLE, "weight": 1.5, "opacity": 0.8, "dashArray": "4 4"}
        tooltip = (
            f"{_esc(rec.get('site_id'))} → {_esc(rec.get('area_id'))}: "
            f"{_fmt(rec.get('slots'))} {html.escape(text['slots'])}, "
            f"{_fmt(rec.get('distance_m'))} m"
            f" ({html.escape(text.get(f'kind_{kind}', kind))})"
        )
        props = {
            "site_id": rec.get("site_id"),
            "area_id": rec.get("area_id"),
            "district_id": rec.get("district_id"),
            "tooltip": tooltip,
            "style": style,
        }
        features.append(_feature(geom, props))
    return features


def _district_features(
    districts: gpd.GeoDataFrame | None, text: Mapping[str, str]
) -> tuple[list[dict[str, Any]], list[tuple[float, float, str]]]:
    features = []
    names = []
    for rec, geom in _records(districts):
        style = {"color": "#252525", "weight": 2.5, "fillOpacity": 0.0, "opacity": 0.9}
        if rec.get("reason"):  # a county of a partitioned run that has no plan: a hole
            style = {"color": "#b2182b", "weight": 3, "dashArray": "8 6", "opacity": 0.9,
                     "fillColor": "#b2182b", "fillOpacity": 0.15}  # fmt: skip
        rows = [
            *([(text["county_reason"], _esc(rec.get("reason")))] if rec.get("reason") else []),
            (text["population"], _fmt(rec.get("population"))),
            (text["required_slots"], _fmt(rec.get("required_slots"))),
            (text["planned_slots"], _fmt(rec.get("planned_slots"))),
            (
                text["slots_per_1000"],
                f"{_fmt(rec.get('slots_per_1000'), 2)} / {_fmt(rec.get('target_per_1000'), 2)}",
            ),
            (text["demonstration_count"], _fmt(rec.get("demonstration_count"))),
        ]
        features.append(
            _feature(
                geom,
                {
                    "district_id": rec.get("district_id"),
                    "popup": _popup(_esc(rec.get("name")), rows),
                    "style": style,
                },
            )
        )
        label_point = geom.representative_point()
        names.append((label_point.y, label_point.x, str(rec.get("name") or "")))
    return features, names


def _hazard_features(
    hazards: gpd.GeoDataFrame | None, text: Mapping[str, str]
) -> list[dict[str, Any]]:
    features = []
    for rec, geom in _records(hazards):
        style = {"color": "#b35806", "weight": 1.5, "fillColor": "#e66101", "fillOpacity": 0.35}
        tooltip = (
            f"{_esc(rec.get('name'))} ({_esc(rec.get('kind'))}): "
            f"{html.escape(text['buffer_m'])} {_fmt(rec.get('buffer_m'))}"
        )
        features.append(_feature(geom, {"tooltip": tooltip, "style": style}))
    return features


def _residual_features(
    residual: gpd.GeoDataFrame | None, text: Mapping[str, str], legend: list[str]
) -> list[dict[str, Any]]:
    """Blocks of raster cells whose people no residential area holds, shaded by count."""
    records = _records(residual)
    if not records:
        return []
    people = np.array([float(rec.get("residual_people") or 0.0) for rec, _ in records])
    edges = _density_bins(people)
    features = []
    for (rec, geom), value in zip(records, people, strict=True):
        colour = _bin_colour(value, edges, _RESIDUAL_COLOURS)
        tooltip = (
            f"{html.escape(text['residual_people'])}: {_fmt(value)}; "
            f"{html.escape(text['residual_cells'])}: {_fmt(rec.get('cells'))}"
        )
        style = {"color": colour, "weight": 0.3, "fillColor": colour, "fillOpacity": 0.55}
        props = {"district_id": rec.get("district_id"), "tooltip": tooltip, "style": style}
        features.append(_feature(geom, props))
    lows = [0.0, *edges]
    for i, low in enumerate(lows[: len(_RESIDUAL_COLOURS)]):
        high = edges[i] if i < len(edges) else None
        label = f"{low:,.0f}–{high:,.0f}" if high is not None else f"> {low:,.0f}"
        legend.append(_swatch(_RESIDUAL_COLOURS[i], f"{label} {text['residual_people']}", box=True))
    return features


# --------------------------------------------------------------------------- access layers

_CIRCLE_COLOURS = ("#006837", "#31a354", "#addd8e")


def _access_layers(
    areas: gpd.GeoDataFrame, language: str
) -> list[tuple[str, list[dict[str, Any]], list[str], bool]]:
    """The access indicators of :mod:`siting.lifecircle`, one layer each, with its legend.

    Access before and after (green: meets the area's target ratio; light green: above
    the desert threshold; red: a desert), the life circle before and after (the
    smallest circle holding most of an area's residents within a walk of free
    slots), and the deserts (after, and those the plan lifts). Each item is
    ``(name, features, legend, one feature per area)``; none without the columns.
    """
    if "access_after_per_1000" not in areas.columns:
        return []
    t = access_labels(language)
    records = _records(areas)
    minutes = sorted(
        {
            float(c.removeprefix("walk_free_").removesuffix("min_after"))
            for c in areas.columns
            if c.startswith("walk_free_") and c.endswith("min_after")
        }
    )
    layers: list[tuple[str, list[dict[str, Any]], list[str], bool]] = []

    def style(colour: str) -> dict[str, Any]:
        return {"color": "#555555", "weight": 0.5, "fillColor": colour, "fillOpacity": 0.65}

    def props(rec: Mapping[str, Any], tooltip: str, colour: str) -> dict[str, Any]:
        return {
            "area_id": rec.get("area_id"),
            "district_id": rec.get("district_id"),
            "tooltip": tooltip,
            "style": style(colour),
        }

    for when in ("before", "after"):
        features = []
        for rec, geom in records:
            value = rec.get(f"access_{when}_per_1000")
            target, floor = rec.get("target_per_1000"), rec.get("desert_threshold_per_1000")
            if value is None:
                colour = _GREY
            elif target is not None and float(value) >= float(target) - 1e-9:
                colour = _GREEN
            elif floor is None or float(value) >= float(floor) - 1e-9:
                colour = _LIGHT_GREEN
            else:
                colour = _RED
            tooltip = (
                f"{_esc(rec.get('name'))}: {_fmt(value, 1)} / {_fmt(target, 1)} "
                f"({html.escape(t[when])})"
            )
            features.append(_feature(geom, props(rec, tooltip, colour)))
        legend = [
            _swatch(_GREEN, t["access_meets"]),
            _swatch(_LIGHT_GREEN, t["access_half"]),
            _swatch(_RED, t["access_desert"]),
        ]
        layers.append((t[f"layer_access_{when}"], features, legend, True))

    for when in ("before", "after"):
        features = []
        for rec, geom in records:
            colour, label = _RED, t["circle_none"].format(m=f"{minutes[-1]:g}")
            for m, shade in zip(minutes, _CIRCLE_COLOURS, strict=False):
                if float(rec.get(f"walk_free_{m:g}min_{when}") or 0.0) >= 0.5:
                    colour, label = shade, t["circle_within"].format(m=f"{m:g}")
                    break
            tooltip = f"{_esc(rec.get('name'))}: {html.escape(label)} ({html.escape(t[when])})"
            features.append(_feature(geom, props(rec, tooltip, colour)))
        legend = [
            _swatch(shade, t["circle_within"].format(m=f"{m:g}"))
            for m, shade in zip(minutes, _CIRCLE_COLOURS, strict=False)
        ] + [_swatch(_RED, t["circle_none"].format(m=f"{minutes[-1]:g}"))]
        layers.append((t[f"layer_circle_{when}"], features, legend, True))

    features = []
    for rec, geom in records:
        after, before = bool(rec.get("desert_after")), bool(rec.get("desert_before"))
        if not (after or before):
            continue
        colour, label = (_RED, t["desert_after"]) if after else (_BLUE, t["desert_lifted"])
        tooltip = (
            f"{_esc(rec.get('name'))}: {html.escape(label)} "
            f"({_fmt(rec.get('access_before_per_1000'), 1)} → "
            f"{_fmt(rec.get('access_after_per_1000'), 1)})"
        )
        features.append(_feature(geom, props(rec, tooltip, colour)))
    legend = [_swatch(_RED, t["desert_after"]), _swatch(_BLUE, t["desert_lifted"])]
    layers.append((t["layer_deserts"], features, legend, False))
    return layers


# --------------------------------------------------------------------------- legend


def _swatch(
    colour: str,
    label: str,
    *,
    box: bool = False,
    border: str | None = None,
    dashed: bool = False,
    circle: bool = False,
    line: bool = False,
) -> str:
    if line:
        dash = "dashed" if dashed else "solid"
        icon = (
            f'<span style="display:inline-block;width:22px;height:0;border-top:2px {dash} {colour};'
            'vertical-align:middle;margin-right:6px"></span>'
        )
    elif circle:
        icon = (
            f'<span style="display:inline-block;width:12px;height:12px;border-radius:50%;'
            f"background:{colour};border:2px solid {border or '#333'};vertical-align:middle;"
            'margin-right:6px"></span>'
        )
    else:
        style = "dashed" if dashed else "solid"
        width = 3 if dashed else 1
        icon = (
            f'<span style="display:inline-block;width:16px;height:12px;background:{colour};'
            f"border:{width}px {style} {border or '#555'};vertical-align:middle;"
            'margin-right:6px"></span>'
        )
    del box
    return f"<div>{icon}{html.escape(label)}</div>"


def _legend_element(
    title: str, sections: Sequence[tuple[str, Sequence[str]]], notes: Sequence[str]
) -> Any:
    from branca.element import MacroElement
    from jinja2 import Template

    body = [
        "<details open><summary style='font-weight:bold;cursor:pointer'>"
        f"{html.escape(title)}</summary>"
    ]
    for heading, items in sections:
        if not items:
            continue
        if heading:
            body.append(
                f"<div style='margin-top:4px;font-weight:bold'>{html.escape(heading)}</div>"
            )
        body.extend(items)
    for note in notes:
        body.append(
            f"<div class='siting-legend-note' style='margin-top:4px;color:#b30000'>"
            f"{html.escape(note)}</div>"
        )
    body.append("</details>")

    class _Legend(MacroElement):
        _template = Template(
            """
            {% macro header(this, kwargs) %}
            <style>
            .siting-legend { background: rgba(255,255,255,0.92); padding: 6px 10px;
              font: 12px/1.45 "Noto Sans CJK SC", "Microsoft YaHei", Arial, sans-serif;
              border-radius: 4px; box-shadow: 0 0 6px rgba(0,0,0,0.3); max-width: 280px; }
            </style>
            {% endmacro %}
            {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.control({position: "bottomleft"});
            {{ this.get_name() }}.onAdd = function (map) {
                var div = L.DomUtil.create("div", "siting-legend");
                div.innerHTML = {{ this.legend_html|tojson }};
                L.DomEvent.disableClickPropagation(div);
                return div;
            };
            {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
            {% endmacro %}
            """
        )

        def __init__(self, legend_html: str) -> None:
            super().__init__()  # type: ignore[no-untyped-call]
            self._name = "SitingLegend"
            self.legend_html = legend_html

    return _Legend("".join(body))


# --------------------------------------------------------------------------- district filter


def _district_choices(out: PlanOutput) -> list[tuple[str, str]]:
    """The plan's districts as (district_id, name): from ``districts.csv`` or the areas."""
    table = out.district_table
    if table is not None and "district_id" in table.columns:
        rows = table.dropna(subset=["district_id"])
        ids = rows["district_id"].astype(str)
        names = rows["name"] if "name" in rows.columns else ids
        pairs = [(i, i if pd.isna(n) else str(n)) for i, n in zip(ids, names, strict=True)]
    elif "district_id" in out.areas.columns:
        pairs = [(str(i), str(i)) for i in out.areas["district_id"].dropna()]
    else:
        pairs = []
    return list(dict.fromkeys(pairs))


def _tag_districts(
    features: Sequence[dict[str, Any]],
    number: Mapping[str, int],
    *,
    area_district: Mapping[str, str],
    site_district: Mapping[str, str],
) -> None:
    """Give each feature ``district``: its district's number in the filter, if it has one.

    A feature's own ``district_id`` counts first, then its area's, then its
    site's (service lines have neither column of their own).
    """
    for feature in features:
        props = feature["properties"]
        did = props.get("district_id")
        if did is None and props.get("area_id") is not None:
            did = area_district.get(str(props["area_id"]))
        if did is None and props.get("site_id") is not None:
            did = site_district.get(str(props["site_id"]))
        if did is not None and str(did) in number:
            props["district"] = number[str(did)]


def _id_to_district(frame: gpd.GeoDataFrame | None, key: str) -> dict[str, str]:
    if frame is None or key not in frame.columns or "district_id" not in frame.columns:
        return {}
    pairs = frame[[key, "district_id"]].dropna()
    return dict(zip(pairs[key].astype(str), pairs["district_id"].astype(str), strict=True))


def _district_filter_element(
    districts: Sequence[tuple[str, str]],
    layers: Sequence[Any],
    labels: Sequence[tuple[Any, Any, int]],
    bounds: list[list[float]] | None,
    all_label: str,
) -> Any:
    """A Leaflet control with a ``<select>`` of the districts ("all" first).

    Choosing district ``d`` keeps, in each of ``layers``, the features whose
    ``properties.d`` is ``d`` or who have none, takes the others out of
    their layer (and back in on the next choice), hides the other districts'
    name labels (``labels``: group, marker, district number) and zooms to
    what is left; "all" shows everything and zooms to ``bounds``.
    """
    from branca.element import MacroElement
    from jinja2 import Template

    options = f'<option value="">{html.escape(all_label)}</option>' + "".join(
        f'<option value="{i}">{html.escape(name)} ({html.escape(did)})</option>'
        for i, (did, name) in enumerate(districts)
    )
    select = f'<select id="siting-district-filter">{options}</select>'

    class _DistrictFilter(MacroElement):
        _template = Template(
            """
            {% macro header(this, kwargs) %}
            <style>
            .siting-district { background: #fff; padding: 4px 6px; }
            .siting-district select { font: 13px "Noto Sans CJK SC", "Microsoft YaHei", Arial,
              sans-serif; max-width: 240px; }
            </style>
            {% endmacro %}
            {% macro script(this, kwargs) %}
            (function (map) {
                // each feature's properties.d is its district_id's number in the select
                var layers = [{{ this.layer_names|join(", ") }}];
                var labels = [{% for g, m, d in this.label_names %}[{{ g }}, {{ m }}, {{ d }}]
                    {%- if not loop.last %}, {% endif %}{% endfor %}];
                var everything = {{ this.bounds_js }};
                layers.forEach(function (g) { g._sitingAll = g.getLayers(); });
                function choose(d) {
                    var bounds = L.latLngBounds([]);
                    layers.forEach(function (g) {
                        g._sitingAll.forEach(function (l) {
                            var own = l.feature.properties.d;
                            var on = d === null || own === undefined || own === d;
                            if (on && !g.hasLayer(l)) { g.addLayer(l); }
                            if (!on && g.hasLayer(l)) { g.removeLayer(l); }
                            if (d !== null && own === d) {
                                bounds.extend(l.getLatLng ? l.getLatLng() : l.getBounds());
                            }
                        });
                    });
                    labels.forEach(function (x) {
                        var on = d === null || x[2] === d;
                        if (on && !x[0].hasLayer(x[1])) { x[0].addLayer(x[1]); }
                        if (!on && x[0].hasLayer(x[1])) { x[0].removeLayer(x[1]); }
                    });
                    if (d === null && everything) { map.fitBounds(everything); }
                    if (d !== null && bounds.isValid()) { map.fitBounds(bounds); }
                }
                var control = L.control({position: "topleft"});
                control.onAdd = function () {
                    var div = L.DomUtil.create("div", "siting-district leaflet-bar");
                    div.innerHTML = {{ this.select_js }};
                    var select = div.firstChild;
                    select.onchange = function () {
                        choose(select.value === "" ? null : Number(select.value));
                    };
                    L.DomEvent.disableClickPropagation(div);
                    L.DomEvent.disableScrollPropagation(div);
                    return div;
                };
                control.addTo(map);
            })({{ this._parent.get_name() }});
            {% endmacro %}
            """
        )

        def __init__(self) -> None:
            super().__init__()  # type: ignore[no-untyped-call]
            self._name = "SitingDistrictFilter"
            self.layer_names = [layer.get_name() for layer in layers]
            self.label_names = [(g.get_name(), m.get_name(), d) for g, m, d in labels]
            self.bounds_js = json.dumps(bounds)
            self.select_js = _json_for_script(select)

    return _DistrictFilter()


# --------------------------------------------------------------------------- map


def _add_base_layers(
    m: folium.Map,
    *,
    basemap: str,
    tianditu_key: str | None,
    own_map: bool,
    text: Mapping[str, str],
) -> None:
    import folium

    if basemap == "none":
        return
    if basemap not in BASEMAPS:  # a bureau's own tile server
        if not own_map:
            name = _tile_server_name(basemap)
            folium.TileLayer(basemap, attr=html.escape(name), name=name, max_zoom=19).add_to(m)
        return
    if basemap == "gaode":
        if not own_map:
            folium.TileLayer(
                gaode_tile_url("vec"),
                attr=_GAODE_ATTR,
                name=text["base_gaode"],
                subdomains="1234",
                max_zoom=18,
            ).add_to(m)
            folium.TileLayer(
                gaode_tile_url("img"),
                attr=_GAODE_ATTR,
                name=text["base_gaode_img"],
                subdomains="1234",
                max_zoom=18,
                show=False,
            ).add_to(m)
        return
    show_osm = basemap == "osm" or not tianditu_key
    if not own_map:
        folium.TileLayer("OpenStreetMap", name=text["base_osm"], show=show_osm).add_to(m)
    if not tianditu_key:
        return
    for layer, name_key, overlay, show in (
        ("vec", "base_tdt_vec", False, basemap == "tianditu"),
        ("img", "base_tdt_img", False, basemap == "tianditu_img"),
        ("cva", "base_tdt_vec_labels", True, basemap == "tianditu"),
        ("cia", "base_tdt_img_labels", True, basemap == "tianditu_img"),
    ):
        folium.TileLayer(
            tianditu_tile_url(layer, tianditu_key),
            attr=_TIANDITU_ATTR,
            name=text[name_key],
            subdomains="01234567",
            max_zoom=18,
            overlay=overlay,
            show=show,
        ).add_to(m)


def _add_to_head(m: folium.Map, markup: str, name: str) -> None:
    from branca.element import Element, Figure

    root = m.get_root()
    assert isinstance(root, Figure)
    root.header.add_child(Element(markup), name=name)


def _use_bundled_leaflet(m: folium.Map) -> None:
    """Inline the bundled Leaflet into ``m``'s page and drop folium's CDN links."""
    # instance attributes shadow folium's class lists of CDN scripts and stylesheets
    m.default_js = []
    m.default_css = []
    _add_to_head(m, leaflet_inline_html(), "leaflet")


def _raster_overlay(
    path: Path, *, gaode: bool, name: str, legend: list[str], text: Mapping[str, str]
) -> Any:
    import folium
    import rasterio
    from rasterio.warp import Resampling, calculate_default_transform, reproject

    with rasterio.open(path) as src:
        data = src.read(1, masked=True).astype(float).filled(np.nan)
        src_crs = src.crs or "EPSG:4326"
        transform, width, height = calculate_default_transform(
            src_crs, "EPSG:4326", src.width, src.height, *src.bounds
        )
        out = np.full((height, width), np.nan)
        reproject(
            data,
            out,
            src_transform=src.transform,
            src_crs=src_crs,
            dst_transform=transform,
            dst_crs="EPSG:4326",
            resampling=Resampling.nearest,
            src_nodata=np.nan,
            dst_nodata=np.nan,
        )
    west, north = transform * (0, 0)
    east, south = transform * (width, height)
    if gaode:
        (west, east), (south, north) = wgs84_to_gcj02(
            np.array([west, east]), np.array([south, north])
        )
    positive = np.where(out > 0, out, np.nan)
    edges = _density_bins(positive.ravel())
    rgba = np.zeros((height, width, 4), dtype=np.uint8)
    for i, colour in enumerate(_POP_COLOURS):
        low = -np.inf if i == 0 else (edges[i - 1] if i - 1 < len(edges) else np.inf)
        high = edges[i] if i < len(edges) else np.inf
        mask = np.isfinite(positive) & (positive > low) & (positive <= high)
        r, g, b = (int(colour[k : k + 2], 16) for k in (1, 3, 5))
        rgba[mask] = (r, g, b, 190)
    lows = [0.0, *edges]
    for i, low in enumerate(lows[: len(_POP_COLOURS)]):
        top = edges[i] if i < len(edges) else None
        label = f"{low:,.0f}–{top:,.0f}" if top is not None else f"> {low:,.0f}"
        legend.append(_swatch(_POP_COLOURS[i], f"{label} / cell"))
    del text
    return folium.raster_layers.ImageOverlay(
        rgba, bounds=[[south, west], [north, east]], mercator_project=True, name=name
    )


def plan_map(
    out_dir: str | Path,
    *,
    m: folium.Map | None = None,
    language: str = "zh",
    basemap: str = "osm",
    tianditu_key: str | None = None,
    population_raster: str | Path | None = None,
    detail_limit: int = DETAIL_LIMIT,
) -> folium.Map:
    """Draw a plan run on an interactive folium map.

    Parameters
    ----------
    out_dir
        The folder a plan run wrote (``areas.geojson`` and ``run.json`` are
        required; the other layers are drawn when present).
    m
        A folium map to add the layers to. ``None`` makes a new one. On an
        existing map no base tiles are added, except Tianditu's when a key is
        given; a layer control is added unless the map has one.
    language
        ``"zh"`` (default) or ``"en"`` for layer names, legend and popups.
    basemap
        ``"osm"`` (default), ``"tianditu"`` or ``"tianditu_img"`` (shown first;
        needs ``tianditu_key``, otherwise OpenStreetMap is used and the legend
        says so), ``"gaode"``: Gaode/AutoNavi tiles, in GCJ-02, with every
        overlay coordinate converted to GCJ-02 first; ``"none"``: no tiles at
        all; or a tile URL template with ``{z}``, ``{x}`` and ``{y}``
        (``https://tiles.bureau.local/{z}/{x}/{y}.png``) for a bureau's own
        tile server, in WGS 84 / CGCS2000 Web Mercator.
    tianditu_key
        The user's Tianditu key (``tk``). With it, Tianditu map and imagery
        (``vec_w`` + ``cva_w``, ``img_w`` + ``cia_w``) are offered as base maps.
    population_raster
        Optional population raster (persons per cell) to draw instead of the
        per-area density choropleth.
    detail_limit
        Above this many residential areas the map is an overview (see the
        module's notes): areas as points sized by their people, on a canvas;
        no population density, service lines, candidates or access layers;
        facilities without popups.

    Returns
    -------
    folium.Map
        The map, fitted to the residential areas.

    Raises
    ------
    InputError
        If the output folder, ``run.json`` or ``areas.geojson`` is missing.
    ValueError
        If ``language`` or ``basemap`` is not one of the accepted values
        (:func:`check_basemap`).
    """
    import folium

    labels(language)  # a bad language or base map fails before any file is read
    check_basemap(basemap)
    out = read_plan_output(out_dir)
    text = labels(language, currency=currency_of(out.run))
    if out.run.get("phases"):
        text = {**text, **phase_labels(language)}
    gaode = basemap == "gaode"

    def shifted(frame: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame | None:
        if frame is None or frame.empty:
            return frame
        return display_geometry(frame, gcj02=gaode)

    overview = len(out.areas) > detail_limit
    areas = shifted(_as_points(out.areas) if overview else out.areas)
    assert areas is not None
    own_map = m is not None
    if m is None:
        m = folium.Map(tiles=None, control_scale=True, prefer_canvas=overview)
        _use_bundled_leaflet(m)
    _add_to_head(m, _POPUP_CSS, "siting_popup_css")
    _add_base_layers(m, basemap=basemap, tianditu_key=tianditu_key, own_map=own_map, text=text)

    notes: list[str] = []
    if not tianditu_key and basemap in ("osm", "tianditu", "tianditu_img") and not own_map:
        logger.info("no Tianditu key (tk) given: Tianditu base maps left out")
        notes.append(text["no_tianditu_key"])
        if basemap != "osm":
            logger.warning("basemap=%r needs tianditu_key; using OpenStreetMap instead", basemap)
    if gaode:
        notes.append(text["gcj02_note"])
    if overview:
        notes.append(text["map_overview_note"].format(areas=len(out.areas), limit=detail_limit))

    population_legend: list[str] = []
    groups: list[tuple[str, Any]] = []

    # the district filter, for a plan of two or more districts
    districts = _district_choices(out)
    number = {did: i for i, (did, _) in enumerate(districts)} if len(districts) > 1 else {}
    area_district = _id_to_district(out.areas, "area_id")
    site_district = _id_to_district(out.facilities, "site_id")
    filtered: list[Any] = []
    by_year: list[Any] = []  # layers a phased plan's year filter acts on
    district_labels: list[tuple[Any, Any, int]] = []

    def add(
        group: folium.FeatureGroup,
        features: list[dict[str, Any]],
        *,
        geometry_from: folium.GeoJson | None = None,
    ) -> folium.GeoJson | None:
        if number:
            _tag_districts(
                features, number, area_district=area_district, site_district=site_district
            )
        layer = _add_geojson(group, features, geometry_from=geometry_from)
        if layer is not None and any("district" in f["properties"] for f in features):
            filtered.append(layer)
        if layer is not None and any("year" in f["properties"] for f in features):
            by_year.append(layer)
        return layer

    # population
    pop_group = folium.FeatureGroup(name=text["layer_population"], show=False)
    pop_layer = None
    if population_raster is not None:
        _raster_overlay(
            Path(population_raster),
            gaode=gaode,
            name=text["layer_population"],
            legend=population_legend,
            text=text,
        ).add_to(pop_group)
    elif not overview:
        pop_layer = add(pop_group, _population_layer(out, areas, text, population_legend))
    if population_raster is not None or not overview:
        groups.append(("population", pop_group))

    district_features, district_names = _district_features(shifted(out.districts), text)
    if district_features:
        group = folium.FeatureGroup(name=text["layer_districts"])
        add(group, district_features)
        for feature, (lat, lon, name) in zip(district_features, district_names, strict=True):
            marker = folium.Marker(
                [lat, lon],
                icon=folium.DivIcon(
                    html=(
                        "<div style=\"font:bold 13px 'Noto Sans CJK SC',sans-serif;color:#252525;"
                        'text-shadow:0 0 3px #fff,0 0 3px #fff;white-space:nowrap">'
                        f"{html.escape(name)}</div>"
                    ),
                    icon_size=(80, 18),
                    icon_anchor=(40, 9),
                ),
            ).add_to(group)
            if "district" in feature["properties"]:
                district_labels.append((group, marker, feature["properties"]["district"]))
        groups.append(("districts", group))

    residual_legend: list[str] = []
    residual_features = _residual_features(shifted(out.residual), text, residual_legend)
    if residual_features:
        group = folium.FeatureGroup(name=text["layer_residual"], show=False)
        add(group, residual_features)
        groups.append(("residual", group))

    hazard_features = _hazard_features(shifted(out.hazards), text)
    if hazard_features:
        group = folium.FeatureGroup(name=text["layer_hazards"])
        add(group, hazard_features)
        groups.append(("hazards", group))

    group = folium.FeatureGroup(name=text["layer_areas"])
    area_features = _area_features(areas, text)
    if overview:
        _size_by_people(area_features, areas)
    add(group, area_features, geometry_from=pop_layer)
    groups.append(("areas", group))

    access_legends: list[tuple[str, Sequence[str]]] = []
    for name, features, legend, whole in [] if overview else _access_layers(areas, language):
        group = folium.FeatureGroup(name=name, show=False)
        add(group, features, geometry_from=pop_layer if whole else None)
        groups.append((f"access {name}", group))
        if access_legends and list(access_legends[-1][1]) == legend:  # before and after
            access_legends[-1] = (f"{access_legends[-1][0]} / {name}", legend)
        else:
            access_legends.append((name, legend))

    line_features = [] if overview else _line_features(shifted(out.service_lines), text)
    _tag_years(line_features, _opening_years(out))
    if line_features:
        group = folium.FeatureGroup(name=text["layer_service"])
        add(group, line_features)
        groups.append(("service", group))

    cand_points, cand_shapes = (
        ([], []) if overview else _candidate_features(shifted(out.candidates), text)
    )
    if cand_points or cand_shapes:
        group = folium.FeatureGroup(name=text["layer_candidates"])
        add(group, cand_shapes)
        add(group, cand_points)
        groups.append(("candidates", group))

    # an overview's tooltip names the facility and its slots; plan.gpkg has the rest
    planned, existing = _facility_features(out, shifted(out.facilities), text, popups=not overview)
    _tag_years([*planned, *existing], _opening_years(out))
    if existing:
        group = folium.FeatureGroup(name=text["layer_existing"])
        add(group, existing)
        groups.append(("existing", group))
    if planned:
        group = folium.FeatureGroup(name=text["layer_facilities"])
        add(group, planned)
        groups.append(("facilities", group))

    for _, group in groups:
        group.add_to(m)

    if not any(isinstance(child, folium.LayerControl) for child in m._children.values()):
        folium.LayerControl(collapsed=False).add_to(m)

    sections = [
        (
            text["layer_areas"],
            [
                _swatch(_GREEN, text["area_meets"]),
                _swatch(_LIGHT_GREEN, text["area_75"]),
                _swatch(_ORANGE, text["area_50"]),
                _swatch(_RED, text["area_below"]),
                _swatch("#ffffff", text["area_shortfall"], border=_RED, dashed=True),
            ],
        ),
        (
            "",
            [
                _swatch(_BLUE, text["facility_planned"], circle=True, border="#08306b"),
                _swatch(
                    _GOLD, "★ " + text["facility_demonstration"], circle=True, border="#7a5200"
                ),
                _swatch(_PURPLE, text["facility_existing"], circle=True, border="#3f007d"),
                _swatch(_BLUE, text["candidate_chosen"], border=_BLUE),
                _swatch("#ffffff", text["candidate_not_chosen"], border="#636363"),
                _swatch("#252525", text["candidate_excluded"], border="#000000"),
                _swatch("#e66101", text["hazard_buffer"], border="#b35806"),
                _swatch(_BLUE, text["line_resident"], line=True),
                _swatch(_PURPLE, text["line_migrant"], line=True, dashed=True),
            ],
        ),
        (text["layer_population"], population_legend),
        (text["layer_residual"], residual_legend),
        *access_legends,
    ]
    _legend_element(text["legend"], sections, notes).add_to(m)

    minx, miny, maxx, maxy = (float(v) for v in areas.total_bounds)
    bounds = None
    if all(math.isfinite(v) for v in (minx, miny, maxx, maxy)):
        bounds = [[miny, minx], [maxy, maxx]]
        m.fit_bounds(bounds)
    if number and filtered:
        _district_filter_element(
            districts, filtered, district_labels, bounds, text["district_all"]
        ).add_to(m)
    years = sorted({int(p["year"]) for p in out.run.get("phases") or []})
    if years and by_year:
        own = phase_labels(language)
        _year_filter_element(years, by_year, own["year_all"], own["year_by"]).add_to(m)
    return m


_OVERVIEW_AREA_COLUMNS = (
    "area_id", "district_id", "name", "status", "population", "planned_population",
    "required_slots", "served_slots", "shortfall_slots", "slots_per_1000", "target_per_1000",
    "migrant_demand", "nearest_facility_m", "shortfall_reason",
)  # fmt: skip
"""The columns an overview's area points show (its popup, tooltip and size)."""


def _as_points(areas: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The areas an overview shows: each at its representative point, with what it shows."""
    import geopandas as gpd

    keep = [c for c in _OVERVIEW_AREA_COLUMNS if c in areas.columns]
    points = areas.geometry.representative_point()
    return gpd.GeoDataFrame(areas[keep], geometry=points.to_numpy(), crs=areas.crs)


def _size_by_people(features: Sequence[dict[str, Any]], areas: gpd.GeoDataFrame) -> None:
    """Give each area point a radius by the quintile of its people (planned, for a new area)."""
    pop = pd.to_numeric(areas.get("population"), errors="coerce").to_numpy(dtype=float)
    planned = pd.to_numeric(
        areas.get("planned_population", pd.Series(np.nan, index=areas.index)), errors="coerce"
    ).to_numpy(dtype=float)
    status = areas.get("status", pd.Series("", index=areas.index)).astype(str).to_numpy()
    people = np.where((status == "new") & np.isfinite(planned) & (planned > 0), planned, pop)
    edges = _density_bins(people)
    kept = [geom is not None and not geom.is_empty for geom in areas.geometry]
    for feature, value in zip(features, people[np.asarray(kept, dtype=bool)], strict=True):
        size = len(_POINT_RADII) - 1
        for i, edge in enumerate(edges):
            if value <= edge:
                size = i
                break
        style = dict(feature["properties"]["style"])
        style["radius"] = _POINT_RADII[size] if math.isfinite(value) else _POINT_RADII[0]
        if style.get("weight", 1) > 2:  # a shortfall area's dashed red ring, thinner on a dot
            style["weight"] = 2
        feature["properties"]["style"] = style


def _opening_years(out: PlanOutput) -> dict[str, int]:
    """A phased plan's opening (or expansion) year of each facility, by ``site_id``."""
    frame = out.facilities
    if frame is None or "opening_year" not in frame.columns or "site_id" not in frame.columns:
        return {}
    years = pd.to_numeric(frame["opening_year"], errors="coerce")
    keep = years.notna()
    return dict(
        zip(frame.loc[keep, "site_id"].astype(str), years[keep].astype(int).tolist(), strict=True)
    )


def _tag_years(features: Sequence[dict[str, Any]], opening: Mapping[str, int]) -> None:
    """Give each feature of a facility (or its service line) that opens in a year ``year``."""
    for feature in features:
        site = feature["properties"].get("site_id")
        if site is not None and str(site) in opening:
            feature["properties"]["year"] = opening[str(site)]


def _year_filter_element(
    years: Sequence[int], layers: Sequence[Any], all_label: str, by_label: str
) -> Any:
    """A Leaflet control with a ``<select>`` of a phased plan's years ("all" first).

    Choosing year ``Y`` keeps, in each of ``layers``, the features whose
    ``properties.y`` (opening or expansion year) is ``Y`` or earlier, or who
    have none (facilities open before the plan), and takes the others out. It
    keeps to the district filter's choice when there is one, and applies
    again after it.
    """
    from branca.element import MacroElement
    from jinja2 import Template

    options = f'<option value="">{html.escape(all_label)}</option>' + "".join(
        f'<option value="{y}">{html.escape(by_label.format(year=y))}</option>' for y in years
    )
    select = f'<select id="siting-year-filter">{options}</select>'

    class _YearFilter(MacroElement):
        _template = Template(
            """
            {% macro header(this, kwargs) %}
            <style>
            .siting-year { background: #fff; padding: 4px 6px; }
            .siting-year select { font: 13px "Noto Sans CJK SC", "Microsoft YaHei", Arial,
              sans-serif; max-width: 240px; }
            </style>
            {% endmacro %}
            {% macro script(this, kwargs) %}
            (function (map) {
                // each feature's properties.y is its facility's opening year
                var layers = [{{ this.layer_names|join(", ") }}];
                layers.forEach(function (g) {
                    g._sitingYearAll = g._sitingAll || g.getLayers();
                });
                var chosen = null;
                function apply() {
                    var dsel = document.getElementById("siting-district-filter");
                    var d = dsel && dsel.value !== "" ? Number(dsel.value) : null;
                    layers.forEach(function (g) {
                        g._sitingYearAll.forEach(function (l) {
                            var p = l.feature.properties;
                            var inYear = chosen === null || p.y === undefined || p.y <= chosen;
                            var inDistrict = d === null || p.d === undefined || p.d === d;
                            var on = inYear && inDistrict;
                            if (on && !g.hasLayer(l)) { g.addLayer(l); }
                            if (!on && g.hasLayer(l)) { g.removeLayer(l); }
                        });
                    });
                }
                var control = L.control({position: "topleft"});
                control.onAdd = function () {
                    var div = L.DomUtil.create("div", "siting-year leaflet-bar");
                    div.innerHTML = {{ this.select_js }};
                    var select = div.firstChild;
                    select.onchange = function () {
                        chosen = select.value === "" ? null : Number(select.value);
                        apply();
                    };
                    L.DomEvent.disableClickPropagation(div);
                    L.DomEvent.disableScrollPropagation(div);
                    return div;
                };
                control.addTo(map);
                var dsel = document.getElementById("siting-district-filter");
                if (dsel) { dsel.addEventListener("change", apply); }
            })({{ this._parent.get_name() }});
            {% endmacro %}
            """
        )

        def __init__(self) -> None:
            super().__init__()  # type: ignore[no-untyped-call]
            self._name = "SitingYearFilter"
            self.layer_names = [layer.get_name() for layer in layers]
            self.select_js = _json_for_script(select)

    return _YearFilter()


def save_map(out_dir: str | Path, path: str | Path | None = None, **kwargs: Any) -> Path:
    """Draw a plan run with :func:`plan_map` and save it as one HTML file.

    Parameters
    ----------
    out_dir
        The folder a plan run wrote.
    path
        Where to write; default ``out_dir/map.html``.
    **kwargs
        Passed to :func:`plan_map` (``language``, ``basemap``, ``tianditu_key``, ...).

    Returns
    -------
    Path
        The HTML file written.
    """
    target = Path(path) if path is not None else Path(out_dir) / "map.html"
    m = plan_map(out_dir, **kwargs)
    m.save(str(target))
    logger.info("wrote %s", target)
    return target
