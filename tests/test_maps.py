"""Tests for siting.maps on a small synthetic plan output folder."""

from __future__ import annotations

import json
import logging
import re
import shutil
from pathlib import Path
from typing import Any

import folium
import pytest
from _plan_output import write_plan_output

from siting.errors import InputError
from siting.gcj02 import wgs84_to_gcj02
from siting.maps import plan_map, popup_html, save_map
from siting.report import labels

LAYER_KEYS = (
    "layer_population",
    "layer_areas",
    "layer_candidates",
    "layer_facilities",
    "layer_existing",
    "layer_service",
    "layer_districts",
    "layer_hazards",
    "layer_residual",
)


@pytest.fixture(scope="module")
def plan_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_plan_output(tmp_path_factory.mktemp("maps") / "run_a")


def _groups(m: folium.Map) -> dict[str, folium.FeatureGroup]:
    return {
        child.layer_name: child
        for child in m._children.values()
        if isinstance(child, folium.FeatureGroup)
    }


def _features(group: folium.FeatureGroup) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for child in group._children.values():
        if isinstance(child, folium.GeoJson):
            out.extend(child.data["features"])
    return out


def _by_id(group: folium.FeatureGroup, key: str, value: str) -> dict[str, Any]:
    matches = [f for f in _features(group) if f["properties"].get(key) == value]
    assert len(matches) == 1, f"{key}={value} found {len(matches)} times"
    return matches[0]


def _js(text: str) -> str:
    """How folium writes a string into the HTML (JSON, non-ASCII escaped)."""
    return json.dumps(text)[1:-1]


def test_every_layer_is_a_named_group_in_the_layer_control(plan_dir: Path) -> None:
    m = plan_map(plan_dir)
    text = labels("zh")
    names = [text[k] for k in LAYER_KEYS]
    assert sorted(_groups(m)) == sorted(names)
    assert names[0] == "人口密度"
    controls = [c for c in m._children.values() if isinstance(c, folium.LayerControl)]
    assert len(controls) == 1
    html = m.get_root().render()
    overlays = html[html.index("overlays :") :]
    for name in names:
        assert f'"{_js(name)}"' in overlays
    assert _js("规划托育机构") in html


def test_facility_popup_has_classes_slots_cost_mode_and_served_areas(plan_dir: Path) -> None:
    m = plan_map(plan_dir)
    facilities = _groups(m)["规划托育机构"]
    p2 = _by_id(facilities, "site_id", "P2")
    popup = popup_html(p2["properties"]["popup"])
    assert "利州示范托育中心" in popup
    assert "乳儿班 2 · 托小班 3 · 托大班 4" in popup
    assert "145" in popup  # slots
    assert "5,500,000" in popup  # cost
    assert "购置" in popup  # acquisition: purchase
    assert "<th>" in popup and "示范性" in popup
    # the areas it serves, from assignments.csv: 80 resident slots at 260 m, 12 migrant at 240 m
    assert "老城片区 (A2)" in popup
    assert '常住人口</td><td class="n">80</td>' in popup
    assert ">260</td>" in popup
    assert '随迁婴幼儿</td><td class="n">12</td>' in popup
    assert ">240</td>" in popup
    assert "全日托, 半日托, 计时托, 临时托" in popup
    # demonstration facilities are marked: gold fill and a star in the tooltip
    assert p2["properties"]["style"]["fillColor"] == "#ffc107"
    assert p2["properties"]["tooltip"].startswith("★ ")
    p1 = _by_id(facilities, "site_id", "P1")
    assert p1["properties"]["style"]["fillColor"] != "#ffc107"
    assert p1["properties"]["style"]["radius"] < p2["properties"]["style"]["radius"]
    # existing facilities are in their own layer
    existing = _groups(m)["现有托育机构"]
    assert [f["properties"]["site_id"] for f in _features(existing)] == ["E1"]


def test_area_popup_has_required_served_shortfall_and_reason(plan_dir: Path) -> None:
    m = plan_map(plan_dir)
    areas = _groups(m)["居住区千人托位"]
    a3 = _by_id(areas, "area_id", "A3")
    popup = popup_html(a3["properties"]["popup"])
    assert "宝轮村" in popup
    assert "需求托位</th><td>14</td>" in popup
    assert "已满足托位</th><td>0</td>" in popup
    assert "缺口托位</th><td>14</td>" in popup
    assert "服务半径内无可用用地" in popup
    # shortfall areas are unmistakable: thick red dashed outline
    assert a3["properties"]["style"]["color"] == "#d7191c"
    assert a3["properties"]["style"]["weight"] == 4
    assert a3["properties"]["style"]["dashArray"] == "8 4"
    a1 = _by_id(areas, "area_id", "A1")
    assert "dashArray" not in a1["properties"]["style"]
    assert "缺口原因" not in popup_html(a1["properties"]["popup"])


def test_excluded_candidate_tooltip_gives_the_reason(plan_dir: Path) -> None:
    m = plan_map(plan_dir)
    candidates = _groups(m)["候选用地"]
    p3 = _by_id(candidates, "site_id", "P3")
    assert "排除" in p3["properties"]["tooltip"]
    assert "within 50 m of petrol station H1" in p3["properties"]["tooltip"]
    states = {
        f["properties"]["site_id"]: f["properties"]["style"]["fillColor"]
        for f in _features(candidates)
    }
    assert states["P1"] != states["P3"] != states["P5"]
    # P5 is a polygon candidate, drawn as a shape
    p5 = _by_id(candidates, "site_id", "P5")
    assert p5["geometry"]["type"] == "Polygon"


def test_english_labels(plan_dir: Path) -> None:
    m = plan_map(plan_dir, language="en")
    names = set(_groups(m))
    assert {"Planned facilities", "Existing facilities", "Hazards and buffers"} <= names
    a2 = _by_id(_groups(m)["Residential areas: slots per 1,000"], "area_id", "A2")
    assert "Shortfall slots</th><td>16</td>" in popup_html(a2["properties"]["popup"])
    assert "capacity" in popup_html(a2["properties"]["popup"])
    html = m.get_root().render()
    assert "Legend" in html
    with pytest.raises(ValueError, match="language"):
        plan_map(plan_dir, language="fr")


def test_layers_added_to_an_existing_map(plan_dir: Path) -> None:
    mine = folium.Map(location=[32.4, 105.8], zoom_start=10, tiles=None)
    folium.Marker([32.4, 105.8], tooltip="my own marker").add_to(mine)
    out = plan_map(plan_dir, m=mine)
    assert out is mine
    assert "规划托育机构" in _groups(mine)
    assert any(isinstance(c, folium.Marker) for c in mine._children.values())
    # no base tiles of ours on the analyst's map
    assert not any(isinstance(c, folium.TileLayer) for c in mine._children.values())


def test_tianditu_left_out_without_key(plan_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="siting.maps"):
        m = plan_map(plan_dir)
    html = m.get_root().render()
    assert "tianditu.gov.cn" not in html
    assert "Tianditu" in caplog.text
    assert _js("未提供天地图密钥") in html  # visible note in the legend


def test_tianditu_with_key(plan_dir: Path) -> None:
    m = plan_map(plan_dir, basemap="tianditu", tianditu_key="KEY123")
    tiles = {c.layer_name: c for c in m._children.values() if isinstance(c, folium.TileLayer)}
    for layer in ("vec_w", "cva_w", "img_w", "cia_w"):
        urls = [t.tiles for t in tiles.values() if f"/{layer}/" in t.tiles]
        assert len(urls) == 1 and urls[0].endswith("tk=KEY123")
    assert tiles["天地图矢量"].show and not tiles["OpenStreetMap"].show
    html = m.get_root().render()
    assert "tk=KEY123" in html
    assert _js("未提供天地图密钥") not in html


def test_gaode_shifts_overlays_to_gcj02(plan_dir: Path) -> None:
    plain = plan_map(plan_dir)
    gaode = plan_map(plan_dir, basemap="gaode")
    lon, lat = _by_id(_groups(plain)["规划托育机构"], "site_id", "P1")["geometry"]["coordinates"]
    glon, glat = _by_id(_groups(gaode)["规划托育机构"], "site_id", "P1")["geometry"]["coordinates"]
    assert (lon, lat) == pytest.approx((105.843 - 0.0045, 32.435 + 0.0015))
    expected = wgs84_to_gcj02(lon, lat)
    # shifted, then rounded to 1e-6° (0.1 m) like every coordinate of the map
    assert glon == pytest.approx(expected[0], abs=5e-7)
    assert glat == pytest.approx(expected[1], abs=5e-7)
    assert abs(glon - lon) > 0.003  # several hundred metres
    html = gaode.get_root().render()
    assert "autonavi.com" in html
    tiles = [c for c in gaode._children.values() if isinstance(c, folium.TileLayer)]
    assert tiles and all("autonavi.com" in t.tiles for t in tiles)


def _tiles(m: folium.Map) -> list[folium.TileLayer]:
    return [c for c in m._children.values() if isinstance(c, folium.TileLayer)]


def test_no_basemap_draws_the_layers_on_no_tiles(plan_dir: Path) -> None:
    m = plan_map(plan_dir, basemap="none")
    assert _tiles(m) == []
    assert "规划托育机构" in _groups(m)
    html = m.get_root().render()
    assert "L.tileLayer" not in html and "openstreetmap" not in html
    assert _js("未提供天地图密钥") not in html  # no Tianditu note: none was asked for


def test_a_bureaus_tile_server_by_url_template(plan_dir: Path) -> None:
    url = "https://tiles.bureau.local/{z}/{x}/{y}.png"
    m = plan_map(plan_dir, basemap=url)
    (tiles,) = _tiles(m)
    assert tiles.tiles == url and tiles.layer_name == "tiles.bureau.local"
    html = m.get_root().render()
    assert "openstreetmap" not in html and url in html
    # not shifted: the overlays are where the OSM map puts them
    plain = plan_map(plan_dir)
    p1 = _by_id(_groups(m)["规划托育机构"], "site_id", "P1")["geometry"]["coordinates"]
    assert p1 == _by_id(_groups(plain)["规划托育机构"], "site_id", "P1")["geometry"]["coordinates"]
    # an analyst's own map gets no tiles of ours
    mine = folium.Map(tiles=None)
    plan_map(plan_dir, m=mine, basemap=url)
    assert _tiles(mine) == []


@pytest.mark.parametrize(
    ("basemap", "message"),
    [
        ("bing", "must be one of none, osm"),
        ("https://tiles.bureau.local/{z}/{x}.png", "has no {y}"),
        ("https://tiles.bureau.local/{z}/{x}/{y}.png'+alert(1)+'", "no quotes"),
    ],
)
def test_bad_basemap_is_refused_before_reading(tmp_path: Path, basemap: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        plan_map(tmp_path / "nowhere", basemap=basemap)


def test_cli_map_basemap(
    plan_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from siting.cli import main

    out = tmp_path / "run"
    shutil.copytree(plan_dir, out)
    assert main(["map", str(out), "--basemap", "none"]) == 0
    assert "L.tileLayer" not in (out / "map.html").read_text(encoding="utf-8")
    url = "http://10.1.2.3:8080/tiles/{z}/{x}/{y}.png"
    assert main(["map", str(out), "--basemap", url]) == 0
    assert url in (out / "map.html").read_text(encoding="utf-8")
    with pytest.raises(SystemExit) as exc:
        main(["map", str(out), "--basemap", "bing"])
    assert exc.value.code == 2
    assert "--basemap" in capsys.readouterr().err


def test_fit_bounds_to_areas(plan_dir: Path) -> None:
    m = plan_map(plan_dir)
    fits = [c for c in m._children.values() if type(c).__name__ == "FitBounds"]
    assert len(fits) == 1
    (south, west), (north, east) = fits[0].bounds
    assert west == pytest.approx(105.843 - 0.006)
    assert east == pytest.approx(105.843 + 0.017)
    assert south == pytest.approx(32.435 - 0.004)
    assert north == pytest.approx(32.435 + 0.007)
    # the first view keeps the areas right of the open legend (bottom left, 280 px)
    assert fits[0].options["paddingTopLeft"] == (300, 10)


def test_save_map_writes_html(plan_dir: Path) -> None:
    path = save_map(plan_dir)
    assert path == plan_dir / "map.html"
    html = path.read_text(encoding="utf-8")
    assert "L.control.layers" in html
    other = save_map(plan_dir, plan_dir / "en.html", language="en")
    assert "Planned facilities" in other.read_text(encoding="utf-8")


def test_map_html_loads_nothing_from_the_network(plan_dir: Path) -> None:
    from siting._web_assets import LEAFLET_VERSION, leaflet_css, leaflet_js

    html = save_map(plan_dir, plan_dir / "offline.html").read_text(encoding="utf-8")
    # no script, stylesheet or other resource comes from a URL: Leaflet is inlined
    assert not re.search(r"<script[^>]*\ssrc=", html)
    assert not re.search(r"<link[^>]*\shref=", html)
    assert not re.search(r"""url\(\s*['"]?(?!data:|#)""", html)
    for gone in ("jquery", "bootstrap", "fontawesome", "awesome-markers", "glyphicons"):
        assert gone not in html.lower(), gone
    # the only http(s) addresses are the tile template, attribution links and SVG's namespace
    urls = set(re.findall(r"https?://[^\s\"'<>\\)]+", html))
    loaded = {
        u
        for u in urls
        if "{z}" not in u
        and "www.w3.org" not in u
        and not u.startswith(("https://leafletjs.com", "https://www.openstreetmap.org/copyright"))
        and "bugzilla.mozilla.org" not in u  # a comment in leaflet.js
    }
    assert not loaded, loaded
    assert "sourceMappingURL" not in html
    assert f"Leaflet {LEAFLET_VERSION}" in html
    assert leaflet_js() in html and leaflet_css() in html
    # Leaflet comes before the map's own script, after the charset declaration
    head = html[: html.index("</head>")]
    assert head.index("charset=UTF-8") < head.index("Leaflet 1.9.3") < html.index("L.map(")


def test_bundled_leaflet_is_installed_with_its_licence() -> None:
    from importlib import resources

    folder = resources.files("siting").joinpath("static", "leaflet")
    licence = folder.joinpath("LICENSE").read_text(encoding="utf-8")
    assert "BSD 2-Clause" in licence and "Vladimir Agafonkin" in licence
    assert "leaflet@1.9.3" in str(folium.Map.default_js)  # the version folium expects
    assert folder.joinpath("leaflet.js").read_text(encoding="utf-8").count("Leaflet 1.9.3") == 1


def test_missing_folder_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        plan_map(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match=r"run\.json is missing"):
        plan_map(tmp_path / "empty")


@pytest.mark.parametrize("as_vrt", [False, True])
def test_population_raster_instead_of_area_choropleth(
    plan_dir: Path, tmp_path: Path, as_vrt: bool
) -> None:
    """The raster as a path, or as a GDAL vrt:// source string (a raster given its CRS by
    the scenario is opened so): the string is opened as it is, not folded by Path()."""
    import numpy as np
    import rasterio
    from rasterio.transform import from_origin

    path = tmp_path / "population.tif"
    data = np.arange(1, 13, dtype="float32").reshape(3, 4)
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=4,
        height=3,
        count=1,
        dtype="float32",
        crs="EPSG:4326",
        transform=from_origin(105.83, 32.445, 0.005, 0.005),
        nodata=-1,
    ) as dst:
        dst.write(data, 1)
    source = f"vrt://{path}?a_srs=EPSG:4326" if as_vrt else path
    m = plan_map(plan_dir, population_raster=source)
    group = _groups(m)["人口密度"]
    overlays = [
        c for c in group._children.values() if isinstance(c, folium.raster_layers.ImageOverlay)
    ]
    assert len(overlays) == 1
    (south, west), (north, east) = overlays[0].bounds
    assert (west, north) == pytest.approx((105.83, 32.445))
    assert (east, south) == pytest.approx((105.85, 32.43))
    assert overlays[0].url.startswith("data:image/png;base64,")


def test_a_population_raster_larger_than_the_city_is_drawn_over_the_city(
    plan_dir: Path, tmp_path: Path
) -> None:
    """A country tile given as the population raster was read and reprojected whole for the
    overlay (a 30,000 × 30,000 WorldPop tile: 7 GB as float64, twice): only the window over
    the plan's areas and districts, + 2 km, is drawn."""
    import geopandas as gpd
    import numpy as np
    import rasterio
    from rasterio.transform import from_origin

    path = tmp_path / "country.tif"
    profile = {"driver": "GTiff", "width": 2000, "height": 1500, "count": 1}
    profile |= {"dtype": "float32", "crs": "EPSG:4326", "nodata": -1, "tiled": True}
    with rasterio.open(path, "w", transform=from_origin(95.0, 40.0, 0.01, 0.01), **profile) as d:
        d.write(np.full((1500, 2000), 3.0, dtype="float32"), 1)
    m = plan_map(plan_dir, population_raster=path)
    (overlay,) = [
        c
        for c in _groups(m)["人口密度"]._children.values()
        if isinstance(c, folium.raster_layers.ImageOverlay)
    ]
    (south, west), (north, east) = overlay.bounds
    # the areas and districts span about 105.83–105.87°E and 32.43–32.45°N; 2 km is about
    # 0.02° of latitude and 0.025° of longitude there, and the window keeps whole 0.01° cells
    inside = gpd.read_file(plan_dir / "districts.geojson").total_bounds
    assert west == pytest.approx(np.floor((inside[0] - 0.025) * 100) / 100, abs=0.011)
    assert east == pytest.approx(np.ceil((inside[2] + 0.025) * 100) / 100, abs=0.011)
    assert south == pytest.approx(np.floor((inside[1] - 0.018) * 100) / 100, abs=0.011)
    assert north == pytest.approx(np.ceil((inside[3] + 0.018) * 100) / 100, abs=0.011)


def test_residual_people_are_a_layer_of_their_own(plan_dir: Path) -> None:
    m = plan_map(plan_dir)
    group = _groups(m)["居住区外人口（未计入需求）"]
    features = _features(group)
    # the two residual blocks of the run, with their people, in purples (not the density greens)
    tips = sorted(f["properties"]["tooltip"] for f in features)
    assert tips == ["居住区外人口: 180; 栅格数: 3", "居住区外人口: 42; 栅格数: 1"]
    colours = {f["properties"]["style"]["fillColor"] for f in features}
    assert colours <= {"#f2f0f7", "#cbc9e2", "#9e9ac8", "#756bb1", "#54278f"}
    assert group.show is False


# --------------------------------------------------------------------------- a big city's map


@pytest.fixture(scope="module")
def city_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 300-area real-shaped generated city, planned and written (map included)."""
    from benchmarks.realcity import write_city
    from siting.export import write_plan
    from siting.pipeline import run_plan

    folder = tmp_path_factory.mktemp("city")
    summary = write_city(folder / "city", n_areas=300, seed=3)
    return Path(write_plan(run_plan(summary.scenario), folder / "out"))


def _metric(frame: Any) -> Any:
    from siting.maps.features import _utm_epsg

    return frame.geometry.to_crs(_utm_epsg(frame.geometry.to_crs(4326)))


def test_display_geometry_is_valid_rounded_and_within_tolerance(city_run: Path) -> None:
    import numpy as np
    import shapely

    from siting.maps import DISPLAY_TOLERANCE_M, display_geometry
    from siting.report import read_plan_output

    out = read_plan_output(city_run)
    for name in ("areas", "candidates", "residual", "service_lines", "districts"):
        layer = getattr(out, name)
        shown = display_geometry(layer)
        assert list(shown.index) == list(layer.index) and shown.crs.to_epsg() == 4326
        pd_cols = [c for c in layer.columns if c != layer.geometry.name]
        assert list(shown[pd_cols].columns) == pd_cols
        before, after = _metric(layer).to_numpy(), _metric(shown).to_numpy()
        # valid wherever the plan's geometry was valid, and nothing vanished
        valid = shapely.is_valid(before)
        assert shapely.is_valid(after[valid]).all(), name
        assert not shapely.is_empty(after).any(), name
        # no drawn outline strays more than the tolerance and the rounding (0.1 m) from the plan's
        gap = shapely.hausdorff_distance(before, after)
        assert np.nanmax(gap) <= DISPLAY_TOLERANCE_M + 0.15, (name, np.nanmax(gap))
        # every coordinate has at most 6 decimals of a degree
        coords = shapely.get_coordinates(shown.geometry.to_numpy())
        assert np.abs(coords - np.round(coords, 6)).max() < 1e-9, name


def test_display_geometry_drops_vertices_nobody_can_see() -> None:
    import geopandas as gpd
    import shapely

    from siting.maps import display_geometry

    # a round plaza (r = 60 m, 1,024 vertices) and a square courtyard block, in CGCS2000 metres
    plaza = shapely.Point(500_000, 3_590_000).buffer(60, quad_segs=256)
    block = shapely.box(500_200, 3_590_000, 500_300, 3_590_100).difference(
        shapely.box(500_230, 3_590_030, 500_270, 3_590_070)
    )
    layer = gpd.GeoDataFrame({"area_id": ["P", "B"]}, geometry=[plaza, block], crs="EPSG:4544")
    shown = display_geometry(layer.to_crs(4326))
    kept = shapely.get_num_coordinates(shown.geometry.to_numpy())
    assert kept[0] < shapely.get_num_coordinates(plaza) / 4  # the circle needs far fewer
    assert kept[1] == shapely.get_num_coordinates(block)  # corners all stay
    assert shown.geometry.iloc[1].interiors and shown.is_valid.all()
    back = shown.to_crs(4544).geometry.to_numpy()
    assert shapely.hausdorff_distance(back[0], plaza) <= 0.5 + 0.15
    assert shapely.hausdorff_distance(back[1], block) <= 0.15  # the rounding only


def test_a_city_map_is_compact_and_rounded(city_run: Path) -> None:
    import re

    from siting.maps.features import _compact_collection, _json_for_script

    m = plan_map(city_run)
    areas = _features(_groups(m)["居住区千人托位"])
    assert len(areas) >= 250
    compact = _json_for_script(_compact_collection(areas))
    # what folium's GeoJson (jinja's tojson) writes for the same, already simplified, features
    from jinja2.utils import htmlsafe_json_dumps

    with_html = [
        {**f, "properties": {**f["properties"], "popup": popup_html(f["properties"]["popup"])}}
        for f in areas
    ]
    folium_way = htmlsafe_json_dumps({"type": "FeatureCollection", "features": with_html})
    assert len(compact.encode()) < 0.4 * len(str(folium_way).encode())
    # popups keep only label numbers and values; each label is written once per layer
    assert compact.count('"需求托位"') == 1
    html = (city_run / "map.html").read_text(encoding="utf-8")
    numbers = re.findall(r"-?\d+\.(\d+)", html[html.index("_data = ") :])
    assert numbers and max(len(n) for n in numbers) <= 6
    assert "</" not in compact and "\\u" not in compact.replace("\\u003c!--", "")
    # the areas' layer carries no geometry of its own: the page copies the population layer's
    layer = next(
        c for c in _groups(m)["居住区千人托位"]._children.values() if isinstance(c, folium.GeoJson)
    )
    assert layer.shares_geometry and '"coordinates"' not in layer.data_js
    # so do the four access layers of every area (access and life circle, before and after)
    assert html.count("own[i].geometry = from[i].geometry") == 1 + 4


def _page_data(html: str) -> list[dict[str, Any]]:
    """Each layer's compact data as the page carries it."""
    return [
        json.loads(raw.replace("<\\/", "</"))
        for raw in re.findall(r"var geo_json_\w+_data = (\{.*?\});\n", html)
    ]


def test_district_filter_lists_every_district(plan_dir: Path) -> None:
    html = save_map(plan_dir, plan_dir / "filter.html").read_text(encoding="utf-8")
    assert 'id=\\"siting-district-filter\\"' in html
    assert "全部区县" in html
    for i, (did, name) in enumerate((("510802", "利州区"), ("510811", "昭化区"))):
        assert f'<option value=\\"{i}\\">{name} ({did})' in html
    assert "district_id" in html[html.index("siting-district-filter") - 3000 :]
    # areas, facilities, candidates, service lines and districts carry their district's number
    by_district = {0: 0, 1: 0}
    for layer in _page_data(html):
        for feature in layer["features"]:
            if "d" in feature["properties"]:
                by_district[feature["properties"]["d"]] += 1
    # per district: 2 areas twice (population, areas), its outline, and at least a facility,
    # a candidate and a service line
    assert by_district[0] >= 2 * 2 + 1 + 3 and by_district[1] >= 2 * 2 + 1 + 3, by_district
    m = plan_map(plan_dir)
    areas = _features(_groups(m)[labels("zh")["layer_areas"]])
    assert {f["properties"]["area_id"]: f["properties"]["district"] for f in areas} == {
        "A1": 0,
        "A2": 0,
        "A3": 1,
        "A4": 1,
    }
    service = _features(_groups(m)[labels("zh")["layer_service"]])
    assert all("district" in f["properties"] for f in service)


def test_no_district_filter_with_one_district(plan_dir: Path, tmp_path: Path) -> None:
    import geopandas as gpd
    import pandas as pd

    one = tmp_path / "one"
    shutil.copytree(plan_dir, one)
    table = pd.read_csv(one / "districts.csv", dtype={"district_id": str})
    table.iloc[:1].to_csv(one / "districts.csv", index=False, encoding="utf-8")
    outlines = gpd.read_file(one / "districts.geojson")
    outlines.iloc[:1].to_file(one / "districts.geojson", driver="GeoJSON")
    html = save_map(one).read_text(encoding="utf-8")
    assert "siting-district-filter" not in html
    assert not any("d" in f["properties"] for layer in _page_data(html) for f in layer["features"])
