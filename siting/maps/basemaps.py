"""Base maps: OpenStreetMap, Tianditu (天地图, with the user's key), Gaode (GCJ-02), a
bureau's own tile server, or none; checked before a plan runs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from siting.errors import ScenarioError

if TYPE_CHECKING:
    pass

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
    ScenarioError
        Naming the accepted values and what a URL template needs.

    Examples
    --------
    >>> check_basemap("https://tiles.bureau.local/{z}/{x}/{y}.png")
    'https://tiles.bureau.local/{z}/{x}/{y}.png'
    >>> check_basemap("https://tiles.bureau.local/{z}/{x}.png")
    Traceback (most recent call last):
    ...
    siting.errors.ScenarioError: basemap: a tile URL template needs {z}, {x} and {y}; \
'https://tiles.bureau.local/{z}/{x}.png' has no {y}
    """
    if basemap in BASEMAPS:
        return basemap
    if "{z}" not in basemap:
        raise ScenarioError(
            f"basemap must be one of {', '.join(BASEMAPS)} or a tile URL template with "
            f"{{z}}, {{x}} and {{y}} (https://tiles.bureau.local/{{z}}/{{x}}/{{y}}.png); "
            f"got {basemap!r}"
        )
    missing = [part for part in ("{x}", "{y}") if part not in basemap]
    if missing:
        raise ScenarioError(
            "basemap: a tile URL template needs {z}, {x} and {y}; "
            f"{basemap!r} has no {' or '.join(missing)}"
        )
    if any(c in basemap for c in "\"'<> \n"):
        raise ScenarioError(
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
        raise ScenarioError(f"layer must be vec, cva, img or cia, got {layer!r}")
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
