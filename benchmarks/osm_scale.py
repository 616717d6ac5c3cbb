"""How often ``siting plan`` reads its OSM file, and what each stage costs on a city's extract.

Run with ``.venv/bin/python -m benchmarks.osm_scale`` (``--tiles N``, ``--folder DIR``,
``--command validate``, ``--areas-from landuse blocks``, ``--no-map``, ``--time-v``,
``--steps``). ``--tiles 8`` writes 100 MB of XML, ``--tiles 14`` 310 MB.

The city (:func:`tiled_city`, written once into ``--folder`` and reused): central
Nanjing (``data/nanjing``, a 1.6 MB OSM extract of 12,975 nodes) copied into a
grid of ``N × N`` tiles, each shifted by the extent of Nanjing's population raster
(58 × 37 cells of 3″) and given fresh ids (``id + k × 10¹⁰`` for tile ``k``, refs
and members alike), so the 8 × 8 default holds 830,400 nodes in about 100 MB.
Streets and relations that reach beyond the raster overlap the next tiles without
sharing a node. The population raster is Nanjing's own in every tile, times a seeded
log-normal factor per tile and per cell, on a seeded background; the scenario is
Nanjing's OSM-only one (``data/nanjing/scenario.toml``: streets, areas, candidates,
facilities and hazards from the file, 500 m walks).

The command runs in a fresh subprocess (:func:`child`), with ``siting.cli.main`` as
the CLI runs it, and prints:

* each stage of the run (the CLI's progress lines: reading and checking inputs,
  demand, candidates, walking distances, model, solve, extraction, access, writing)
  with its seconds and its own peak RSS (``VmHWM``, reset at each stage's start
  through ``/proc/self/clear_refs``);
* every parse of the OSM file by whom: osmnx's two passes per read (an ElementTree
  parse of the whole file for the root's attributes, then a SAX pass), siting's own
  reader when present, osmnx's graph and feature building, siting's streaming reader
  of clipped extracts, and the file's SHA-256 digests; their seconds and share of
  the run;
* the process's peak RSS: the largest stage's; with ``--time-v`` the run is made
  without resetting the peak, under ``/usr/bin/time -v``, whose maximum resident set
  size is then the whole run's (resetting ``VmHWM`` also resets what it reports);
  and the run's CPU seconds (``time.process_time``), which a loaded machine moves less
  than its wall time;
* with ``--steps``, the steps of reading the OSM inputs (:data:`STEPS`: the parse, the
  features, the layers, the street graph's raw read, walking filter, largest piece,
  simplification and projection, the coverage check), each with its wall and CPU
  seconds, its peak RSS (``/proc/self/statm`` sampled every 20 ms) and the RSS it
  leaves; a step within another is indented under it.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

import numpy as np

from benchmarks.blocks import BACKGROUND, CELL_DEG, write_people

ROOT = Path(__file__).resolve().parents[1]
NANJING = ROOT / "data" / "nanjing"
ID_STRIDE = 10**10
"""Tile ``k``'s ids are the file's plus ``k × ID_STRIDE`` (Nanjing's largest id is 8.8 × 10⁹)."""


def _peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return float(line.split()[1]) / 1024
    return float("nan")


def _reset_peak() -> None:
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


STEPS = (
    ("siting._osmxml", "_parse", "parse of the file"),
    ("siting.osm.layers", "_block_edge", "the extract's edge (street blocks)"),
    ("siting.osm.layers", "_read_lonlat", "features of every use"),
    ("siting.osm.features", "_clipped", "ways missing nodes"),
    ("siting.osm.features", "_features_from_elements", "features from the parse"),
    ("siting.osm.layers", "street_blocks", "street blocks"),
    ("siting.osm.layers", "_candidates_from_features", "candidates"),
    ("siting.osm.layers", "_points_in_buildings", "candidates in buildings"),
    ("siting.osm.layers", "_hazards_from_features", "hazards"),
    ("siting.inputs._load", "_add_osm", "the layers of [inputs.osm]"),
    ("siting.inputs._load", "_read_streets", "street graph"),
    ("siting.network.graph", "_read_raw", "raw graph (osmnx's builder)"),
    ("siting.network.graph", "_filter_walk", "walking filter"),
    ("siting.network.graph", "_largest_component", "largest piece"),
    ("osmnx", "simplify_graph", "osmnx simplification"),
    ("osmnx", "project_graph", "osmnx projection"),
    ("siting.inputs._load", "_check_coverage", "streets' coverage of the areas"),
    ("siting._heap", "give_back", "memory given back"),
)
"""The steps ``--steps`` times: (module, function, label); a module or function an older
commit lacks is left out."""


def _watch_steps() -> tuple[list[list[Any]], list[tuple[float, float]]]:
    """Wrap each of :data:`STEPS` to record it, and sample the RSS every 20 ms.

    Returns the records (label, depth, start, end, CPU seconds, RSS at the end, filled as
    the steps run) and the samples (time, MB)."""
    import importlib
    import threading

    page = os.sysconf("SC_PAGE_SIZE") / 2**20
    samples: list[tuple[float, float]] = []
    statm = Path("/proc/self/statm")

    def rss() -> float:
        return int(statm.read_text().split()[1]) * page

    def sample() -> None:
        while True:
            samples.append((time.perf_counter(), rss()))
            time.sleep(0.02)

    threading.Thread(target=sample, daemon=True).start()
    records: list[list[Any]] = []
    depth = [0]
    for module_name, name, label in STEPS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError:
            continue
        function = getattr(module, name, None)
        if function is None:
            continue

        def wrapper(*args: Any, _f: Any = function, _label: str = label, **kwargs: Any) -> Any:
            start, cpu = time.perf_counter(), time.process_time()
            depth[0] += 1
            try:
                return _f(*args, **kwargs)
            finally:
                depth[0] -= 1
                end = time.perf_counter()
                records.append([_label, depth[0], start, end, time.process_time() - cpu, rss()])

        setattr(module, name, wrapper)
    return records, samples


def _read_source(path: Path) -> tuple[list[Any], list[Any], list[Any], str]:
    """Nodes, ways and relations of a small OSM file, ready to be shifted and written."""
    import xml.etree.ElementTree as ET

    def tags(element: ET.Element) -> str:
        return "".join(
            f"<tag k={quoteattr(t.get('k', ''))} v={quoteattr(t.get('v', ''))}/>"
            for t in element.iter("tag")
        )

    nodes, ways, relations = [], [], []
    root = ET.parse(path).getroot()
    generator = root.get("generator", "")
    for element in root:
        if element.tag == "node":
            nodes.append(
                (int(element.get("id", "0")), float(element.get("lat", "0")),
                 float(element.get("lon", "0")), tags(element))
            )  # fmt: skip
        elif element.tag == "way":
            refs = [int(nd.get("ref", "0")) for nd in element.iter("nd")]
            ways.append((int(element.get("id", "0")), refs, tags(element)))
        elif element.tag == "relation":
            members = [
                (m.get("type", ""), int(m.get("ref", "0")), quoteattr(m.get("role", "")))
                for m in element.iter("member")
            ]
            relations.append((int(element.get("id", "0")), members, tags(element)))
    return nodes, ways, relations, generator


def tiled_city(folder: Path, tiles: int, *, seed: int = 1, areas_from: tuple[str, ...]) -> Path:
    """Write ``city.osm``, ``population.tif`` and ``scenario.toml`` into ``folder``.

    See the module docstring. Returns the scenario file.
    """
    import rasterio

    folder.mkdir(parents=True, exist_ok=True)
    with rasterio.open(NANJING / "population.tif") as src:
        people = src.read(1).astype(np.float64)
        nodata = src.nodata
        west, north = src.bounds.left, src.bounds.top
        rows, cols = src.shape
    people[people == nodata] = BACKGROUND
    step_lon, step_lat = cols * CELL_DEG, rows * CELL_DEG
    osm = folder / "city.osm"
    if not osm.is_file():
        nodes, ways, relations, generator = _read_source(NANJING / "nanjing-xuanwu.osm")
        partial = folder / ".city.osm.partial"
        with partial.open("w", encoding="utf-8") as out:
            out.write("<?xml version='1.0' encoding='UTF-8'?>\n")
            out.write(f"<osm version='0.6' generator={quoteattr(generator)}>\n")
            for k in range(tiles * tiles):
                shift = k * ID_STRIDE
                dlat, dlon = -(k // tiles) * step_lat, (k % tiles) * step_lon
                out.writelines(
                    f"<node id='{i + shift}' lat='{lat + dlat:.7f}' lon='{lon + dlon:.7f}'>"
                    f"{t}</node>\n"
                    for i, lat, lon, t in nodes
                )
            for k in range(tiles * tiles):
                shift = k * ID_STRIDE
                out.writelines(
                    f"<way id='{i + shift}'>"
                    + "".join(f"<nd ref='{r + shift}'/>" for r in refs)
                    + f"{t}</way>\n"
                    for i, refs, t in ways
                )
            for k in range(tiles * tiles):
                shift = k * ID_STRIDE
                out.writelines(
                    f"<relation id='{i + shift}'>"
                    + "".join(
                        f"<member type='{kind}' ref='{r + shift}' role={role}/>"
                        for kind, r, role in members
                    )
                    + f"{t}</relation>\n"
                    for i, members, t in relations
                )
            out.write("</osm>\n")
        partial.replace(osm)
    raster = folder / "population.tif"
    if not raster.is_file():
        margin = 12
        rng = np.random.default_rng(seed)
        height, width = tiles * rows + 2 * margin, tiles * cols + 2 * margin
        grid = BACKGROUND * rng.lognormal(-(0.125**2) / 2, 0.125, size=(height, width))
        for k in range(tiles * tiles):
            r0, c0 = margin + (k // tiles) * rows, margin + (k % tiles) * cols
            factor = rng.lognormal(-(0.2**2) / 2, 0.2)
            noise = rng.lognormal(-(0.1**2) / 2, 0.1, size=people.shape)
            grid[r0 : r0 + rows, c0 : c0 + cols] = people * factor * noise
        write_people(raster, grid, west=west - margin * CELL_DEG, north=north + margin * CELL_DEG)
    scenario = folder / "scenario.toml"
    text = (NANJING / "scenario.toml").read_text(encoding="utf-8")
    text = text.replace('path = "nanjing-xuanwu.osm"', 'path = "city.osm"')
    text = text.replace(
        "existing_slots_default = 20",
        f"existing_slots_default = 20\nareas_from = {json.dumps(list(areas_from))}",
    )
    scenario.write_text(text, encoding="utf-8")
    return scenario


def child(
    command: str, scenario: Path, out: Path, *, no_map: bool, reset: bool, steps: bool = False
) -> None:
    """Run one ``siting`` command in this process, timing its stages and the OSM reads."""
    import logging

    import osmnx._osm_xml as ox_xml
    import osmnx.features
    import osmnx.graph

    import siting._digest
    import siting._osmxml
    import siting.cli
    import siting.inputs._load

    logging.getLogger().setLevel(logging.WARNING)
    calls: dict[str, int] = {}
    seconds: dict[str, float] = {}

    def timed(owner: Any, name: str, label: str) -> None:
        function = getattr(owner, name, None)
        if function is None:
            return

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                calls[label] = calls.get(label, 0) + 1
                seconds[label] = seconds.get(label, 0.0) + time.perf_counter() - start

        setattr(owner, name, wrapper)

    timed(ox_xml, "etree_parse", "osmnx: ElementTree parse of the whole file (root attrs)")
    timed(ox_xml, "sax_parse", "osmnx: SAX parse to Overpass JSON")
    timed(siting._osmxml, "_parse", "siting: one-pass parse to Overpass JSON")
    timed(osmnx.features, "_create_gdf", "osmnx: features from the JSON")
    features = sys.modules["siting.osm.features"]
    timed(features, "_features_from_elements", "features from the parse (osmnx's builders)")
    timed(osmnx.graph, "_create_graph", "osmnx: graph from the JSON")
    timed(siting.inputs._load, "file_sha256", "SHA-256 of an input file")
    original = siting._osmxml.osm_elements

    def streamed(*args: Any, **kwargs: Any) -> Any:
        calls["siting: osm_elements stream (clipped extract)"] = 1 + calls.get(
            "siting: osm_elements stream (clipped extract)", 0
        )
        yield from original(*args, **kwargs)

    for module in ("siting.network.graph", "siting.osm.features"):
        __import__(module)
        if hasattr(sys.modules[module], "osm_elements"):
            sys.modules[module].osm_elements = streamed  # type: ignore[attr-defined]

    stages: list[dict[str, Any]] = [{"stage": "starting (scenario, output folder)"}]
    clock = [time.perf_counter()]

    def close_stage() -> None:
        now = time.perf_counter()
        if stages:
            stages[-1]["seconds"] = now - clock[0]
            stages[-1]["peak_mb"] = _peak_mb()
        clock[0] = now
        if reset:
            _reset_peak()

    def progress(message: str) -> None:
        close_stage()
        stages.append({"stage": message.split(" (")[0].split(" …")[0]})

    siting.cli._progress = progress
    records, samples = _watch_steps() if steps else ([], [])
    start, cpu = time.perf_counter(), time.process_time()
    argv = [command, str(scenario)]
    if command == "plan":
        argv += ["--out", str(out), "--replace", "--basemap", "none"]
        argv += ["--no-map"] if no_map else []
    code = siting.cli.main(argv)
    close_stage()
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    done = sorted(records, key=lambda r: r[2])
    peaks = [max((mb for t, mb in samples if r[2] <= t <= r[3]), default=r[5]) for r in done]
    print(
        "RESULT "
        + json.dumps(
            {
                "code": code,
                "wall": wall,
                "cpu": cpu,
                "steps": [
                    [r[0], r[1], r[3] - r[2], r[4], p, r[5]]
                    for r, p in zip(done, peaks, strict=True)
                ],
                "stages": stages,
                "calls": calls,
                "seconds": seconds,
                "siting": str(Path(siting.cli.__file__).parent),
            }
        )
    )


def _run(
    command: str, scenario: Path, out: Path, *, no_map: bool, time_v: bool, steps: bool
) -> tuple[dict[str, Any], str]:
    argv = [sys.executable, "-m", "benchmarks.osm_scale", "--child", command, str(scenario)]
    argv += ["--out", str(out)] + (["--no-map"] if no_map else [])
    argv += ["--steps"] if steps else []
    if time_v:
        argv = ["/usr/bin/time", "-v", *argv, "--time-v"]
    # run from elsewhere with this checkout last on the path, so that a PYTHONPATH naming
    # another copy of siting (an older commit's, to compare) decides which one runs
    paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([*paths, str(ROOT)])}
    done = subprocess.run(
        argv, capture_output=True, text=True, check=False, cwd=tempfile.gettempdir(), env=env
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if not lines:
        sys.stderr.write(done.stdout[-3000:] + done.stderr[-5000:])
        raise SystemExit(f"the {command} run failed (exit {done.returncode})")
    peak = ""
    for line in done.stderr.splitlines():
        if "Maximum resident set size" in line:
            peak = f"{int(line.split(':')[1]) / 1024:,.0f} MB"
    return json.loads(lines[-1].removeprefix("RESULT ")), peak


def main() -> None:
    """Generate the city if needed, run the command and print its stages and reads."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiles", type=int, default=8, help="N for an N × N grid of Nanjings")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--folder", type=Path, default=None, help="where the city is written")
    parser.add_argument("--command", choices=("plan", "validate"), default="plan")
    parser.add_argument("--areas-from", nargs="+", default=["landuse"])
    parser.add_argument("--no-map", action="store_true", help="plan with --no-map")
    parser.add_argument("--out", type=Path, default=None, help="the plan's output folder")
    parser.add_argument(
        "--time-v", action="store_true", help="the whole run's peak from /usr/bin/time -v"
    )
    parser.add_argument(
        "--steps", action="store_true", help="time the steps of reading the OSM inputs"
    )
    parser.add_argument("--child", nargs=2, metavar=("COMMAND", "SCENARIO"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(
            args.child[0],
            Path(args.child[1]),
            args.out,
            no_map=args.no_map,
            reset=not args.time_v,
            steps=args.steps,
        )
        return
    name = f"siting-osm-scale-{args.tiles}x{args.tiles}-s{args.seed}-{'+'.join(args.areas_from)}"
    folder = args.folder or Path(tempfile.gettempdir()) / name
    started = time.perf_counter()
    scenario = tiled_city(folder, args.tiles, seed=args.seed, areas_from=tuple(args.areas_from))
    osm = folder / "city.osm"
    print(
        f"city: {args.tiles} × {args.tiles} tiles of central Nanjing, "
        f"{osm.stat().st_size / 1e6:,.0f} MB, {args.tiles**2 * 12_975:,} nodes "
        f"({time.perf_counter() - started:.0f} s to prepare); areas_from "
        f"{'+'.join(args.areas_from)}; load average {os.getloadavg()[0]:.1f}"
    )
    out = (args.out or folder / "plan").resolve()
    scenario = scenario.resolve()
    result, peak = _run(
        args.command, scenario, out, no_map=args.no_map, time_v=args.time_v, steps=args.steps
    )
    wall = float(result["wall"])
    if not peak:
        largest = max(float(stage.get("peak_mb", 0.0)) for stage in result["stages"])
        peak = f"{largest:,.0f} MB (the largest stage's)"
    print(
        f"\nsiting {args.command} ({result['siting']}): exit {result['code']}, {wall:,.1f} s "
        f"({float(result.get('cpu', math.nan)):,.1f} s CPU), peak RSS {peak}"
    )
    if result.get("steps"):
        print(f"\n{'step':44} {'seconds':>8} {'CPU s':>6} {'peak MB':>8} {'after MB':>8}")
        for label, depth, seconds, cpu, top, after in result["steps"]:
            name = ("  " * depth + label)[:44]
            print(f"{name:44} {seconds:8.1f} {cpu:6.1f} {top:8,.0f} {after:8,.0f}")
    print(f"\n{'stage':52} {'seconds':>8} {'share':>6} {'peak MB':>8}")
    for stage in result["stages"]:
        s = float(stage.get("seconds", math.nan))
        print(f"{stage['stage'][:52]:52} {s:8.1f} {s / wall:6.1%} {stage.get('peak_mb', 0):8,.0f}")
    print(f"\n{'reading the OSM file':60} {'calls':>5} {'seconds':>8} {'share':>6}")
    parsing = 0.0
    for label, n in result["calls"].items():
        s = float(result["seconds"].get(label, math.nan))
        print(f"{label[:60]:60} {n:5d} {s:8.1f} {s / wall:6.1%}")
        if "parse" in label:
            parsing += s
    print(f"{'every parse of the file':60} {'':5} {parsing:8.1f} {parsing / wall:6.1%}")


if __name__ == "__main__":
    main()
