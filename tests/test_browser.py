"""Render the saved map in headless Chromium and check it really draws.

folium pages load Leaflet from a CDN, which CI cannot reach. This test uses a
local Leaflet instead, found in this order:

1. ``$SITING_LEAFLET_DIR`` (a folder with ``leaflet.js`` and ``leaflet.css``);
2. ``tests/artifacts/leaflet/`` (for example ``npm pack leaflet@1.9.3`` unpacked
   there: ``package/dist``);
3. Debian's ``libjs-leaflet`` in ``/usr/share/javascript/leaflet``.

It rewrites the Leaflet URLs in a copy of the HTML to ``file://`` paths and
drops the other CDN links (jQuery, Bootstrap, Font Awesome), which the map
does not need: if it did, the page would throw. Base-map tiles stay blank
offline. The screenshot is kept at ``tests/artifacts/map.png`` (git-ignored).

Needs: ``apt-get install -y chromium libjs-leaflet fonts-wqy-microhei``
(the font only makes the Chinese labels legible in the screenshot).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import warnings
from pathlib import Path

import numpy as np
import pytest
from _plan_output import write_plan_output
from test_maps import LAYER_KEYS

from siting.maps import save_map
from siting.report import labels

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _leaflet_dir() -> Path | None:
    candidates = []
    if os.environ.get("SITING_LEAFLET_DIR"):
        candidates.append(Path(os.environ["SITING_LEAFLET_DIR"]))
    candidates += [
        ARTIFACTS / "leaflet" / "package" / "dist",
        ARTIFACTS / "leaflet",
        Path("/usr/share/javascript/leaflet"),
    ]
    for folder in candidates:
        if (folder / "leaflet.js").is_file() and (folder / "leaflet.css").is_file():
            return folder
    return None


def _localize(html: str, leaflet: Path) -> str:
    """Point Leaflet at the local copy and drop every other remote script or stylesheet."""
    html, n_js = re.subn(
        r'<script src="https?://[^"]*/leaflet(?:\.min)?\.js"></script>',
        f'<script src="{(leaflet / "leaflet.js").as_uri()}"></script>',
        html,
    )
    html, n_css = re.subn(
        r'<link rel="stylesheet" href="https?://[^"]*/leaflet(?:\.min)?\.css"\s*/>',
        f'<link rel="stylesheet" href="{(leaflet / "leaflet.css").as_uri()}"/>',
        html,
    )
    assert n_js == 1 and n_css == 1, "folium's Leaflet links were not found"
    html = re.sub(r'<script src="https?://[^"]*"></script>', "", html)
    html = re.sub(r'<link rel="stylesheet" href="https?://[^"]*"\s*/>', "", html)
    assert not re.search(r'<script src="https?://', html)
    return html


def _run(browser: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
        "--window-size=1280,900",
        "--virtual-time-budget=5000",
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    browser = _chromium()
    if browser is None:
        pytest.skip("headless Chromium not found (apt-get install -y chromium)")
    leaflet = _leaflet_dir()
    if leaflet is None:
        pytest.skip(
            "no local Leaflet: apt-get install -y libjs-leaflet, or unpack "
            "`npm pack leaflet@1.9.3` into tests/artifacts/leaflet, or set SITING_LEAFLET_DIR"
        )
    base = tmp_path_factory.mktemp("browser")
    plan = write_plan_output(base / "run")
    saved = save_map(plan)
    local = base / "map_local.html"
    local.write_text(_localize(saved.read_text(encoding="utf-8"), leaflet), encoding="utf-8")
    return browser, local


def test_map_renders_without_javascript_errors(page: tuple[str, Path], tmp_path: Path) -> None:
    browser, local = page
    result = _run(
        browser,
        tmp_path / "profile",
        "--enable-logging=stderr",
        "--v=0",
        "--dump-dom",
        local.as_uri(),
    )
    assert result.returncode == 0, result.stderr[-2000:]
    console = [line for line in result.stderr.splitlines() if "CONSOLE" in line]
    errors = [line for line in console if re.search(r"Uncaught|Error", line)]
    assert not errors, "\n".join(errors)
    dom = result.stdout
    # Leaflet built the map and its layer control with every layer name
    assert "leaflet-container" in dom
    control = dom[dom.index("leaflet-control-layers-overlays") :]
    text = labels("zh")
    for key in LAYER_KEYS:
        assert text[key] in control, text[key]
    # the legend control and the features were drawn as SVG paths
    assert 'class="siting-legend' in dom and "图例" in dom
    assert dom.count("leaflet-interactive") >= 4 + 4 + 5 + 5 + 1
    assert "利州区" in dom  # district label


def test_screenshot_is_not_blank(page: tuple[str, Path], tmp_path: Path) -> None:
    import rasterio
    from rasterio.errors import NotGeoreferencedWarning

    browser, local = page
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "map.png"
    shot.unlink(missing_ok=True)
    result = _run(browser, tmp_path / "profile", f"--screenshot={shot}", local.as_uri())
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
