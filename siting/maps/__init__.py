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

The modules, in the order a map is drawn: :mod:`~siting.maps.basemaps` (the tiles),
:mod:`~siting.maps.style` (colours, sizes, legend swatches),
:mod:`~siting.maps.features` (display geometry, popups, compact GeoJSON),
:mod:`~siting.maps.layers`, :mod:`~siting.maps.controls` (legend and filters) and
:mod:`~siting.maps.compose` (:func:`plan_map`, :func:`save_map`).
"""

from siting.maps.basemaps import BASEMAPS, check_basemap, gaode_tile_url, tianditu_tile_url
from siting.maps.compose import DETAIL_LIMIT, plan_map, save_map
from siting.maps.features import (
    DISPLAY_DECIMALS,
    DISPLAY_TOLERANCE_M,
    display_geometry,
    popup_html,
)

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
