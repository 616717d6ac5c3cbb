"""The JavaScript and CSS a plan's map needs, bundled with the package.

Bureaus plan on intranets without internet, so ``map.html`` carries its own
Leaflet instead of loading it from a CDN. ``siting/static/leaflet/`` holds
Leaflet 1.9.3 (the version folium 0.20 links to) as published on npm
(``leaflet@1.9.3``, ``dist/``), with its BSD-2-Clause licence beside it.
:func:`leaflet_inline_html` returns it as one ``<style>`` and one ``<script>``
element; the images the stylesheet refers to (the layer control's icon, the
default marker) are inlined as ``data:`` URIs, so nothing is fetched.

The map needs nothing else folium links by default: it draws circle markers
and ``DivIcon`` labels, no Font Awesome or Glyphicons icons, and no jQuery or
Bootstrap code runs.
"""

from __future__ import annotations

import base64
import re
from functools import cache
from importlib import resources

__all__ = ["LEAFLET_VERSION", "leaflet_css", "leaflet_inline_html", "leaflet_js"]

LEAFLET_VERSION = "1.9.3"
"""The bundled Leaflet's version (folium 0.20 links to the same)."""


def _leaflet_file(name: str) -> bytes:
    return resources.files("siting").joinpath("static", "leaflet", name).read_bytes()


@cache
def leaflet_js() -> str:
    """The bundled ``leaflet.js`` (minified), its licence header kept.

    The ``sourceMappingURL`` comment is dropped (the source map is not
    bundled, and developer tools would try to fetch it).

    Returns
    -------
    str
        The script's text.

    Examples
    --------
    >>> leaflet_js().splitlines()[1].strip()
    '* Leaflet 1.9.3, a JS library for interactive maps. https://leafletjs.com'
    """
    text = _leaflet_file("leaflet.js").decode("utf-8")
    return re.sub(r"\n//# sourceMappingURL=\S*\s*$", "\n", text)


@cache
def leaflet_css() -> str:
    """The bundled ``leaflet.css`` with its ``images/*.png`` inlined as ``data:`` URIs.

    Returns
    -------
    str
        The stylesheet's text; it refers to no file or URL.

    Examples
    --------
    >>> "url(images/" in leaflet_css(), "url(data:image/png;base64," in leaflet_css()
    (False, True)
    """
    css = _leaflet_file("leaflet.css").decode("utf-8").replace("\r\n", "\n")

    def inline(match: re.Match[str]) -> str:
        data = base64.b64encode(_leaflet_file(f"images/{match.group(1)}")).decode("ascii")
        return f"url(data:image/png;base64,{data})"

    return re.sub(r"url\(images/([\w.-]+\.png)\)", inline, css)


def leaflet_inline_html() -> str:
    """Leaflet's stylesheet and script as HTML elements for a page's ``<head>``.

    Returns
    -------
    str
        ``<style>…</style>`` and ``<script>…</script>``.
    """
    return f"<style>\n{leaflet_css()}\n</style>\n<script>\n{leaflet_js()}\n</script>\n"
