"""Display geometry (simplified and rounded, in WGS 84 or GCJ-02), popups, and the
compact GeoJSON layers the map is drawn from."""

from __future__ import annotations

import html
import json
import math
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from siting.gcj02 import geometry_to_gcj02
from siting.report import (
    as_number,
    not_a_number,
)

if TYPE_CHECKING:
    import folium
    import geopandas as gpd

DISPLAY_TOLERANCE_M = 0.5
"""How far (m) a drawn outline may stray from the plan's: one pixel at zoom 18."""

DISPLAY_DECIMALS = 6
"""Decimals of a degree kept in the map's coordinates: 1e-6° is 0.11 m or less."""


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
