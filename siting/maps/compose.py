"""The map itself: base layers, the bundled Leaflet, the layers and controls put together
(:func:`plan_map`), and :func:`save_map`."""

from __future__ import annotations

import html
import logging
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from siting._grid import cells_over, grown_lonlat
from siting._web_assets import leaflet_inline_html
from siting.errors import plan_folder
from siting.gcj02 import wgs84_to_gcj02
from siting.maps.basemaps import (
    _GAODE_ATTR,
    _TIANDITU_ATTR,
    BASEMAPS,
    _tile_server_name,
    check_basemap,
    gaode_tile_url,
    tianditu_tile_url,
)
from siting.maps.controls import (
    _district_choices,
    _district_filter_element,
    _id_to_district,
    _legend_element,
    _opening_years,
    _tag_districts,
    _tag_years,
    _year_filter_element,
)
from siting.maps.features import _add_geojson, display_geometry
from siting.maps.layers import (
    _access_layers,
    _area_features,
    _as_points,
    _candidate_features,
    _district_features,
    _facility_features,
    _hazard_features,
    _line_features,
    _population_layer,
    _residual_features,
    _size_by_people,
)
from siting.maps.style import (
    _BLUE,
    _GOLD,
    _GREEN,
    _LIGHT_GREEN,
    _ORANGE,
    _POP_COLOURS,
    _POPUP_CSS,
    _PURPLE,
    _RED,
    _density_bins,
    _swatch,
)
from siting.outdir import note_written, write_whole
from siting.report import (
    currency_of,
    labels,
    phase_labels,
    read_plan_output,
)

if TYPE_CHECKING:
    import folium
    import geopandas as gpd

logger = logging.getLogger(__name__)

DETAIL_LIMIT = 20_000
"""Residential areas above which the map is an overview (areas as points, fewer layers)."""
_LEGEND_PAD_PX = 300
"""The first view's left margin, in pixels: the legend's width and a little more."""


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


_OVERLAY_MARGIN_M = 2000.0
"""How far beyond the plan's areas and districts the population raster is drawn."""


def _overlay_window(src: Any, crs: Any, lonlat: Sequence[float] | None) -> Any:
    """The raster's whole cells over ``lonlat`` (west, south, east, north) + 2 km: a
    country tile is drawn over the city, not read whole; the whole raster without it."""
    import rasterio.windows
    from rasterio.warp import transform_bounds

    whole = rasterio.windows.Window(0, 0, src.width, src.height)
    if lonlat is None or not np.isfinite(np.asarray(lonlat, dtype=float)).all():
        return whole
    grown = grown_lonlat(lonlat, _OVERLAY_MARGIN_M)
    box = transform_bounds("EPSG:4326", crs, *grown, densify_pts=21)
    cells = cells_over(box, src.transform, (src.height, src.width))
    if cells is None:
        return whole
    row0, col0, row1, col1 = cells
    return rasterio.windows.Window(col0, row0, col1 - col0, row1 - row0)


def _lonlat_bounds(frames: Sequence[gpd.GeoDataFrame]) -> tuple[float, ...] | None:
    """The box in longitude and latitude around the frames, ``None`` for none."""
    boxes = [f.to_crs("EPSG:4326").total_bounds for f in frames if f.crs is not None]
    if not boxes:
        return None
    stacked = np.array(boxes, dtype=float)
    return (
        float(np.nanmin(stacked[:, 0])),
        float(np.nanmin(stacked[:, 1])),
        float(np.nanmax(stacked[:, 2])),
        float(np.nanmax(stacked[:, 3])),
    )


def _raster_overlay(
    path: str | Path,
    *,
    gaode: bool,
    name: str,
    legend: list[str],
    text: Mapping[str, str],
    lonlat: Sequence[float] | None = None,
) -> Any:
    import folium
    import rasterio
    import rasterio.windows
    from rasterio.warp import Resampling, calculate_default_transform, reproject

    with rasterio.open(path) as src:
        src_crs = src.crs or "EPSG:4326"
        window = _overlay_window(src, src_crs, lonlat)
        data = src.read(1, window=window, masked=True).astype(float).filled(np.nan)
        t = src.transform  # the window's own (rasterio.windows.transform warns, affine >= 3.1)
        src_transform = type(t)(
            t.a, 0.0, t.c + window.col_off * t.a, 0.0, t.e, t.f + window.row_off * t.e
        )
        corners = [src_transform * (0, 0), src_transform * (data.shape[1], data.shape[0])]
        xs, ys = sorted(c[0] for c in corners), sorted(c[1] for c in corners)
        bounds = (xs[0], ys[0], xs[1], ys[1])
        transform, width, height = calculate_default_transform(
            src_crs, "EPSG:4326", data.shape[1], data.shape[0], *bounds
        )
        out = np.full((height, width), np.nan)
        reproject(
            data,
            out,
            src_transform=src_transform,
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
        per-area density choropleth: a path, or a GDAL source string such as
        ``vrt:///path/pop.tif?a_srs=EPSG:4326``.
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
    out = read_plan_output(out_dir, call="plan_map")
    text = labels(language, currency=currency_of(out.run))
    if out.run.get("phases"):
        text = {**text, **phase_labels(language)}
    gaode = basemap == "gaode"

    def shifted(frame: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame | None:
        if frame is None or frame.empty:
            return frame
        return display_geometry(frame, gcj02=gaode)

    overview = len(out.areas) > detail_limit
    areas = shifted(_as_points(out.areas, out.area_points) if overview else out.areas)
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
        drawn = [f for f in (out.areas, out.districts) if f is not None and not f.empty]
        _raster_overlay(
            population_raster,  # a GDAL source string (vrt://...) stays one
            gaode=gaode,
            name=text["layer_population"],
            legend=population_legend,
            text=text,
            lonlat=_lonlat_bounds(drawn),
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
    given = None if overview else shifted(out.area_points)
    if given is not None and not given.empty:  # a 小区 list's points, on their catchments
        group = folium.FeatureGroup(name=text["layer_area_points"])
        point_features = _area_features(_as_points(given), text)
        _size_by_people(point_features, given)
        add(group, point_features)
        groups.append(("area points", group))

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
            # only the layers the map draws (an overview leaves candidates and lines out)
            [
                _swatch(_BLUE, text["facility_planned"], circle=True, border="#08306b"),
                _swatch(
                    _GOLD, "★ " + text["facility_demonstration"], circle=True, border="#7a5200"
                ),
                *(
                    [_swatch(_PURPLE, text["facility_existing"], circle=True, border="#3f007d")]
                    if existing
                    else []
                ),
                *(
                    [
                        _swatch(_BLUE, text["candidate_chosen"], border=_BLUE),
                        _swatch("#ffffff", text["candidate_not_chosen"], border="#636363"),
                        _swatch("#252525", text["candidate_excluded"], border="#000000"),
                    ]
                    if cand_points or cand_shapes
                    else []
                ),
                *(
                    [_swatch("#e66101", text["hazard_buffer"], border="#b35806")]
                    if hazard_features
                    else []
                ),
                *(
                    [
                        _swatch(_BLUE, text["line_resident"], line=True),
                        _swatch(_PURPLE, text["line_migrant"], line=True, dashed=True),
                    ]
                    if line_features
                    else []
                ),
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
        # the open legend (bottom left, at most 280 px wide) must not hide the first view
        m.fit_bounds(bounds, padding_top_left=(_LEGEND_PAD_PX, 10))
    if number and filtered:
        _district_filter_element(
            districts, filtered, district_labels, bounds, text["district_all"]
        ).add_to(m)
    years = sorted({int(p["year"]) for p in out.run.get("phases") or []})
    if years and by_year:
        own = phase_labels(language)
        _year_filter_element(years, by_year, own["year_all"], own["year_by"]).add_to(m)
    return m


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
    folder = plan_folder(out_dir, call="save_map")
    target = Path(path) if path is not None else folder / "map.html"
    m = plan_map(folder, **kwargs)
    write_whole(target, m.get_root().render())  # as m.save, but whole or not at all
    note_written(out_dir, [target])
    logger.info("wrote %s", target)
    return target
