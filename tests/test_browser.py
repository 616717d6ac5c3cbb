"""Render the saved map in headless Chromium, offline, and check it really draws.

``map.html`` carries its own Leaflet (bundled with the package and inlined),
so nothing here is copied or rewritten: the page is the file ``save_map``
wrote. Chromium runs with every host name unresolvable and with a proxy on
127.0.0.1 that records each request and answers 502, so no request can leave
the machine and each one tried is seen. With ``basemap="none"`` the page asks
for nothing at all; with the default OpenStreetMap base map it asks only for
tiles, which fail, and the plan's layers draw all the same.

A copy of the page gets one extra script at its end that clicks an area and
reads the popup Leaflet opens, and writes what it found into the title, which
``--dump-dom`` prints. The screenshot is kept at ``tests/artifacts/map.png``
(git-ignored).

Needs: ``apt-get install -y chromium fonts-wqy-microhei`` (the font only makes
the Chinese labels legible in the screenshot).
"""

from __future__ import annotations

import re
import shutil
import socketserver
import subprocess
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from _plan_output import write_plan_output
from test_maps import LAYER_KEYS

from siting.maps import save_map
from siting.report import labels

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"

_PROBE = """
<script>
(function () {
    var paths = document.querySelectorAll("path.leaflet-interactive");
    var area = null;
    for (var i = 0; i < paths.length; i++) {
        if (paths[i].getAttribute("stroke-dasharray") === "8 4") { area = paths[i]; break; }
    }
    area.dispatchEvent(new MouseEvent("click", {bubbles: true, clientX: 600, clientY: 400}));
    var popup = document.querySelector(".leaflet-popup-content");
    document.title = "probe:" + (popup ? popup.innerHTML : "no popup");
})();
</script>
"""
"""Clicks the first shortfall area (dashed red outline) and puts its popup's HTML in the title."""


_BROWSER_OWN_HOSTS = frozenset(
    {
        "accounts.google.com",
        "clients2.google.com",
        "clientservices.googleapis.com",
        "content-autofill.googleapis.com",
        "optimizationguide-pa.googleapis.com",
        "redirector.gvt1.com",
        "safebrowsing.googleapis.com",
        "update.googleapis.com",
    }
)
"""Chromium's own services (updates, network time, sign-in), which it asks whatever the page."""


def _host(request_line: str) -> str:
    """The host a proxied request line is for: ``CONNECT h:443 ...`` or ``GET http://h/... ...``."""
    target = request_line.split()[1]
    return re.sub(r"^[a-z]+://", "", target).split("/", 1)[0].rsplit(":", 1)[0]


def _page_requests(proxy: _RecordingProxy) -> list[str]:
    return [r for r in proxy.requests if _host(r) not in _BROWSER_OWN_HOSTS]


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


_REFUSAL = b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"


class _RecordingProxy(socketserver.ThreadingTCPServer):
    """An HTTP proxy on 127.0.0.1 that forwards nothing: it records each request and answers 502."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        self.requests: list[str] = []
        super().__init__(("127.0.0.1", 0), _ProxyHandler)


class _ProxyHandler(socketserver.StreamRequestHandler):
    server: _RecordingProxy

    def handle(self) -> None:
        self.connection.settimeout(5)
        try:
            line = self.rfile.readline(8192).decode("latin-1").strip()
            while self.rfile.readline(8192).strip():
                pass
        except OSError:
            return
        if line:
            self.server.requests.append(line)
        self.wfile.write(_REFUSAL)


@pytest.fixture(scope="module")
def proxy() -> Iterator[_RecordingProxy]:
    server = _RecordingProxy()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def _run(
    browser: str, profile: Path, proxy: _RecordingProxy, *args: str
) -> subprocess.CompletedProcess[str]:
    port = proxy.server_address[1]
    command = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--no-default-browser-check",
        "--no-pings",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-domain-reliability",
        "--disable-client-side-phishing-detection",
        "--disable-default-apps",
        "--disable-sync",
        "--disable-dev-shm-usage",
        # offline: no name resolves, and every request goes to the recording proxy
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        f"--proxy-server=http://127.0.0.1:{port}",
        "--proxy-bypass-list=<-loopback>",
        f"--user-data-dir={profile}",
        "--window-size=1280,900",
        "--virtual-time-budget=5000",
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture(scope="module")
def browser() -> str:
    found = _chromium()
    if found is None:
        pytest.skip("headless Chromium not found (apt-get install -y chromium)")
    return found


@pytest.fixture(scope="module")
def plan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_plan_output(tmp_path_factory.mktemp("browser") / "run")


def _with_probe(page: Path, probe: str = _PROBE) -> Path:
    """A copy of ``page`` with ``probe`` (a script) run at its end."""
    html = page.read_text(encoding="utf-8")
    end = html.rindex("</html>")
    probed = page.with_name(page.stem + "_probe.html")
    probed.write_text(html[:end] + probe + html[end:], encoding="utf-8")
    return probed


@pytest.mark.parametrize("basemap", ["none", "osm"])
def test_map_draws_offline_and_asks_only_for_tiles(
    browser: str, plan: Path, proxy: _RecordingProxy, tmp_path: Path, basemap: str
) -> None:
    page = save_map(plan, tmp_path / f"map_{basemap}.html", basemap=basemap)
    proxy.requests.clear()
    result = _run(
        browser,
        tmp_path / "profile",
        proxy,
        "--enable-logging=stderr",
        "--v=0",
        "--dump-dom",
        _with_probe(page).as_uri(),
    )
    assert result.returncode == 0, result.stderr[-2000:]
    console = [line for line in result.stderr.splitlines() if "CONSOLE" in line]
    errors = [line for line in console if re.search(r"Uncaught|Error", line)]
    assert not errors, "\n".join(errors)
    # nothing but base-map tiles was asked for, and nothing left the machine
    asked = _page_requests(proxy)
    if basemap == "none":
        assert asked == [], asked
    else:
        assert asked, "the OSM page asked for no tiles"
        assert {_host(r) for r in asked} == {"tile.openstreetmap.org"}, asked
    dom = result.stdout
    # Leaflet (the inlined copy) built the map and its layer control with every layer name
    assert "leaflet-container" in dom
    control = dom[dom.index("leaflet-control-layers-overlays") :]
    text = labels("zh")
    for key in LAYER_KEYS:
        assert text[key] in control, text[key]
    # the legend control and the features were drawn as SVG paths: areas, facilities, ...
    assert 'class="siting-legend' in dom and "图例" in dom
    assert dom.count("leaflet-interactive") >= 4 + 4 + 5 + 5 + 1
    assert dom.count('stroke-dasharray="8 4"') >= 1  # a shortfall area
    assert dom.count('fill="#ffc107"') >= 1  # the demonstration facility
    assert "利州区" in dom  # district label
    # a click on an area opens its popup, built from the layer's labels
    title = re.search(r"<title>probe:(.*?)</title>", dom, re.S)
    assert title is not None, dom[:500]
    popup = title.group(1)
    assert "需求托位" in popup and "缺口托位" in popup and "&lt;table" in popup


def test_screenshot_is_not_blank(
    browser: str, plan: Path, proxy: _RecordingProxy, tmp_path: Path
) -> None:
    import rasterio
    from rasterio.errors import NotGeoreferencedWarning

    page = save_map(plan, tmp_path / "map.html", basemap="none")
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "map.png"
    shot.unlink(missing_ok=True)
    result = _run(browser, tmp_path / "profile", proxy, f"--screenshot={shot}", page.as_uri())
    assert result.returncode == 0, result.stderr[-2000:]
    assert shot.is_file() and shot.stat().st_size > 5_000
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        with rasterio.open(shot) as src:
            rgb = src.read()[:3]
    assert rgb.shape == (3, 900, 1280)
    pixels = rgb.reshape(3, -1).T
    colours = np.unique(pixels, axis=0)
    assert len(colours) > 50, "the screenshot is nearly a single colour"
    # the thick red dashed outline of the shortfall areas is on screen (#d7191c)
    red = np.all(pixels == (0xD7, 0x19, 0x1C), axis=1).sum()
    assert red > 200


_FILTER_PROBE = """
<script>
(function () {
    function areas() {
        var n = 0, paths = document.querySelectorAll("path.leaflet-interactive");
        for (var i = 0; i < paths.length; i++) {
            var stroke = paths[i].getAttribute("stroke");
            if (stroke === "#555555" || stroke === "#d7191c") { n++; }
        }
        return n;
    }
    var select = document.getElementById("siting-district-filter");
    var counts = [areas()];
    select.value = "1";
    select.dispatchEvent(new Event("change"));
    counts.push(areas());
    select.value = "";
    select.dispatchEvent(new Event("change"));
    counts.push(areas());
    document.title = "filter:" + counts.join(",");
})();
</script>
"""
"""Counts the drawn area paths (grey or red outline): every district, district 1, all again."""


def test_district_filter_hides_other_districts_areas(
    browser: str, plan: Path, proxy: _RecordingProxy, tmp_path: Path
) -> None:
    probed = _with_probe(save_map(plan, tmp_path / "map.html", basemap="none"), _FILTER_PROBE)
    result = _run(
        browser,
        tmp_path / "profile",
        proxy,
        "--enable-logging=stderr",
        "--v=0",
        "--dump-dom",
        probed.as_uri(),
    )
    assert result.returncode == 0, result.stderr[-2000:]
    errors = [
        line
        for line in result.stderr.splitlines()
        if "CONSOLE" in line and re.search(r"Uncaught|Error", line)
    ]
    assert not errors, "\n".join(errors)
    title = re.search(r"<title>filter:(.*?)</title>", result.stdout, re.S)
    assert title is not None, result.stdout[:500]
    # 4 areas; district 1 (昭化区, 510811) holds A3 and A4
    assert title.group(1) == "4,2,4"


_COVER_PROBE = """
<script>
(function () {
    var select = document.getElementById("siting-district-filter");
    var legend = document.querySelector(".siting-legend");
    var r = select.getBoundingClientRect(), l = legend.getBoundingClientRect();
    var hit = document.elementFromPoint((r.left + r.right) / 2, (r.top + r.bottom) / 2);
    document.title = "cover:" + (hit === select || select.contains(hit)) + "," +
        Math.round(l.top) + "," + Math.round(r.bottom);
})();
</script>
"""
"""Whether the district filter's centre is the filter (not the legend above it), and the
legend's top and the filter's bottom in pixels."""


@pytest.mark.parametrize("height", [900, 600])
def test_the_legend_leaves_the_district_filter_visible(
    browser: str, plan: Path, proxy: _RecordingProxy, tmp_path: Path, height: int
) -> None:
    """The legend (bottom left) grows up to every section's swatches; on a window 900 or
    600 px tall it scrolls instead of covering the district filter (top left)."""
    probed = _with_probe(save_map(plan, tmp_path / "map.html", basemap="none"), _COVER_PROBE)
    result = _run(
        browser, tmp_path / "profile", proxy, f"--window-size=1280,{height}", "--dump-dom",
        probed.as_uri(),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    title = re.search(r"<title>cover:(.*?)</title>", result.stdout, re.S)
    assert title is not None, result.stdout[:500]
    visible, legend_top, filter_bottom = title.group(1).split(",")
    assert visible == "true"
    assert int(legend_top) >= int(filter_bottom)


def test_a_xiaoqu_lists_points_draw_over_their_catchments(
    browser: str, proxy: _RecordingProxy, tmp_path: Path
) -> None:
    """An output folder with ``area_points.geojson`` (a plan from a 小区 list) draws one
    more circle per point, in a layer of its own, and the page stays free of errors."""
    import geopandas as gpd

    folder = write_plan_output(tmp_path / "run")
    areas = gpd.read_file(folder / "areas.geojson")
    points = areas.set_geometry(areas.to_crs("EPSG:4544").representative_point().to_crs(4326))
    counts = {}
    for name in ("outlines", "points"):
        if name == "points":
            points.to_file(folder / "area_points.geojson", driver="GeoJSON")
        page = save_map(folder, tmp_path / f"map_{name}.html", basemap="none")
        result = _run(browser, tmp_path / "profile", proxy, "--enable-logging=stderr", "--v=0",
                      "--dump-dom", page.as_uri())  # fmt: skip
        assert result.returncode == 0, result.stderr[-2000:]
        errors = [line for line in result.stderr.splitlines() if "CONSOLE" in line]
        assert not [line for line in errors if re.search(r"Uncaught|Error", line)], errors
        control = result.stdout[result.stdout.index("leaflet-control-layers-overlays") :]
        assert (labels("zh")["layer_area_points"] in control) == (name == "points")
        counts[name] = result.stdout.count("leaflet-interactive")
    assert counts["points"] - counts["outlines"] == len(areas)
