"""Benchmark a big city's map: the size of ``map.html`` and how long Chromium takes to draw it.

Run with ``.venv/bin/python -m benchmarks.map`` (``--help`` for the sizes).

The city is :mod:`benchmarks.realcity` (5,759 areas, seed 1, by default),
planned with :func:`siting.pipeline.run_plan` and written with
:func:`siting.export.write_plan`; the map is then drawn again with
:func:`siting.maps.save_map` (timed) with ``--basemap`` (``none`` by default, so
no tile is asked for).

Load time: headless Chromium, offline (no host name resolves), opens a copy of
the page with one script added at its end. That script reads
``performance.now()`` when every layer has been built (from navigation start:
parsing the page, Leaflet, the layers' JSON and every SVG path), then clicks
the last drawn feature and times the popup opening, and writes both into the
page title, which ``--dump-dom`` prints. The figure is the median over
``--repeat`` runs; the whole browser run's wall time is printed beside it.

``--html FILE`` measures other map files the same way (a map from before the
page carried its own Leaflet, for example): folium's CDN links to Leaflet are
pointed at the bundled copy and its other CDN links dropped, so it can load
offline.
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

_PROBE = """
<script>
(function () {
    var built = performance.now();
    var paths = document.querySelectorAll("path.leaflet-interactive");
    var t0 = performance.now();
    if (paths.length) {
        paths[paths.length - 1].dispatchEvent(
            new MouseEvent("click", {bubbles: true, clientX: 600, clientY: 400}));
    }
    var popup = document.querySelector(".leaflet-popup-content");
    document.title = "built=" + built.toFixed(0) + ";paths=" + paths.length
        + ";popup=" + (popup ? (performance.now() - t0).toFixed(1) : "none");
})();
</script>
"""


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    raise SystemExit("headless Chromium not found (apt-get install -y chromium)")


def _offline_copy(html: str) -> str:
    """Point folium's CDN Leaflet at the bundled copy and drop its other CDN links."""
    from importlib import resources

    folder = Path(str(resources.files("siting").joinpath("static", "leaflet")))
    html = re.sub(
        r'<script src="https?://[^"]*/leaflet(?:\.min)?\.js"></script>',
        f'<script src="{(folder / "leaflet.js").as_uri()}"></script>',
        html,
    )
    html = re.sub(
        r'<link rel="stylesheet" href="https?://[^"]*/leaflet(?:\.min)?\.css"\s*/>',
        f'<link rel="stylesheet" href="{(folder / "leaflet.css").as_uri()}"/>',
        html,
    )
    html = re.sub(r'<script src="https?://[^"]*"></script>', "", html)
    return re.sub(r'<link rel="stylesheet" href="https?://[^"]*"\s*/>', "", html)


def load_in_chromium(page: Path, *, repeat: int, work: Path) -> dict[str, float | int | str]:
    """Open ``page`` offline in headless Chromium ``repeat`` times; return the median figures."""
    html = _offline_copy(page.read_text(encoding="utf-8"))
    end = html.rindex("</html>")
    probed = work / f"{page.stem}_probe.html"
    probed.write_text(html[:end] + _PROBE + html[end:], encoding="utf-8")
    browser = _chromium()
    built, popup, wall = [], [], []
    paths = 0
    for i in range(repeat):
        command = [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            f"--user-data-dir={work / f'profile{i}'}",
            "--window-size=1280,900",
            "--dump-dom",
            probed.as_uri(),
        ]
        t0 = time.perf_counter()
        result = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
        wall.append(time.perf_counter() - t0)
        found = re.search(
            r"<title>built=(\d+);paths=(\d+);popup=([\d.]+|none)</title>", result.stdout
        )
        if found is None:
            return {"error": "the page did not finish drawing (no Leaflet?)"}
        built.append(float(found.group(1)) / 1000)
        paths = int(found.group(2))
        popup.append(float("nan") if found.group(3) == "none" else float(found.group(3)))
    return {
        "built_s": statistics.median(built),
        "wall_s": statistics.median(wall),
        "popup_ms": statistics.median(popup),
        "paths": paths,
    }


def _row(name: str, page: Path, figures: dict[str, float | int | str]) -> str:
    size = page.stat().st_size / 1e6
    if "error" in figures:
        return f"{name:<28} {size:>8.1f}   {figures['error']}"
    return (
        f"{name:<28} {size:>8.1f} {figures['built_s']:>9.2f} {figures['wall_s']:>9.2f} "
        f"{figures['popup_ms']:>9.1f} {figures['paths']:>8,}"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--areas", type=int, default=5759, help="areas in the city (5759)")
    parser.add_argument("--seed", type=int, default=1, help="the city's seed (1)")
    parser.add_argument("--basemap", default="none", help="the map's base map (none)")
    parser.add_argument("--repeat", type=int, default=3, help="browser runs per page (3)")
    parser.add_argument("--keep", type=Path, help="write the city and its plan here, and keep them")
    parser.add_argument("--html", type=Path, nargs="*", default=[], help="other map files to load")
    args = parser.parse_args(argv)

    from benchmarks.realcity import write_city
    from siting.export import write_plan
    from siting.maps import save_map
    from siting.pipeline import run_plan

    with tempfile.TemporaryDirectory(prefix="siting-bench-map-") as tmp:
        work = Path(tmp)
        base = args.keep if args.keep is not None else work
        summary = write_city(base / "city", n_areas=args.areas, seed=args.seed)
        t0 = time.perf_counter()
        out = Path(write_plan(run_plan(summary.scenario), base / "out"))
        plan_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        page = save_map(out, out / "map.html", basemap=args.basemap)
        map_s = time.perf_counter() - t0
        print(
            f"city: {args.areas:,} areas (seed {args.seed}); plan and write {plan_s:.1f} s; "
            f"save_map (basemap {args.basemap}) {map_s:.1f} s"
        )
        print(
            f"load: headless Chromium, offline, median of {args.repeat}; built = every layer "
            "drawn, from navigation start"
        )
        header = f"{'map':<28} {'MB':>8} {'built s':>9} {'wall s':>9} {'popup ms':>9} {'paths':>8}"
        print(header)
        print("-" * len(header))
        rows = [(f"siting ({page.name})", page), *((path.name, path) for path in args.html)]
        for name, path in rows:
            print(_row(name, path, load_in_chromium(path, repeat=args.repeat, work=work)))


if __name__ == "__main__":
    main()
