"""Reading the inputs at scale, one tree of siting against another: load, demand, validate, tables.

Run with ``.venv/bin/python -m benchmarks.inputs_scale --trees OLD NEW`` (``--help`` for
the sizes), where each tree is a checkout of the repository (``git worktree add
/tmp/old e732a87``); without ``--trees``, this checkout alone. ``validate`` is the whole
``siting validate`` command, imports included; the other steps are timed from after the
imports.

The cities are :mod:`benchmarks.realcity` (5,003 and 55,002 areas for ``--areas 5000
55000``, seed 1), written once into ``--folder`` and reused. Beside the largest it
writes:

``census.toml``
    The same city with its population as ``--census-units`` census units
    (``units.gpkg``): Voronoi cells over the districts, each holding the raster's
    people whose cell centres it covers, rounded (``常住人口``, ids ``SQDM``).
``workplaces.csv``, ``workplaces.xlsx``
    ``--workplaces`` points over the raster's extent (经度/纬度, 单位编码 with leading
    zeros, 单位名称, 外来务工人员, 地址); the workbook as openpyxl's write-only mode saves
    it (no ``<dimension>``), ``workplaces_excel.xlsx`` with the ``<dimension>`` Excel
    writes (both with inline strings, as openpyxl writes them; Excel shares them), and
    ``workplaces.ods`` as GDAL's ODS driver (QGIS's "Save as ODS") writes it.

Every measure runs in a fresh interpreter with ``PYTHONPATH`` set to the tree (the
script is run by its path, so the current directory's ``siting`` is not imported),
the trees alternating, ``--repeat`` times: processor seconds and wall seconds of the
step, the process's peak RSS (``VmHWM``) and the 1-minute load average, and a
digest of what was read (areas and parcels, a table's points and cells as text) or the
demand's figures, which must agree between the trees. A tree without the census reader
or the tables reader skips those. ``--steps`` runs only some of the steps (``--steps
table`` for the tables alone); ``PYTHONPATH`` is kept after each tree's own (a package
installed beside the virtual environment).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve()


# --------------------------------------------------------------------------- the child


def _digest(frame: Any) -> str:
    import hashlib

    import pandas as pd

    h = hashlib.sha1()
    columns = sorted(c for c in frame.columns if c != "geometry")
    rows = pd.util.hash_pandas_object(frame[columns].astype(str), index=True)
    h.update(rows.to_numpy().tobytes())
    h.update(b"".join(frame.geometry.normalize().to_wkb()))
    return h.hexdigest()[:12]


def _peak_rss_mb() -> float:
    """This process's peak RSS since its exec (``VmHWM``): ``ru_maxrss`` would keep the
    parent's, which wrote the 55,002-area city before forking."""
    with open("/proc/self/status") as fh:
        line = next(x for x in fh if x.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def child(kind: str, path: Path) -> dict[str, Any]:
    """Measure one step in this process: ``load``, ``demand``, ``validate`` or a table read."""
    import time

    import siting

    out: dict[str, Any] = {"siting": str(Path(siting.__file__).parent), "load_avg": 0.0}
    out["load_avg"] = os.getloadavg()[0]
    c0, w0 = time.process_time(), time.perf_counter()
    if kind in ("load", "demand"):
        from siting.inputs import load_inputs
        from siting.scenario import load_scenario

        scenario = load_scenario(path)
        assert scenario.inputs is not None
        c0, w0 = time.process_time(), time.perf_counter()
        inputs = load_inputs(scenario.inputs, crs=scenario.crs)
        out |= {"areas": len(inputs.areas), "read": _digest(inputs.areas)}
        out["read"] += " " + _digest(inputs.parcels)
        if kind == "demand":
            from siting.demand import estimate_demand

            out["load_cpu_s"] = time.process_time() - c0
            demand = estimate_demand(inputs, scenario=scenario)
            acc = demand.accounting["population"]
            slots = float(demand.areas["required_slots"].sum())
            out["read"] = f"total {acc['total']:,.1f} held {acc['held']:,.1f} slots {slots:,.2f}"
    elif kind == "validate":
        from siting.cli import main

        try:
            out["exit"] = main(["validate", "-q", str(path)])
        except SystemExit as exc:  # an older main may exit rather than return
            out["exit"] = exc.code
    elif kind == "table":
        from siting.inputs._problems import _Report
        from siting.inputs._table import open_table
        from siting.scenario import LayerSpec

        c0, w0 = time.process_time(), time.perf_counter()
        report = _Report()
        frame = open_table(LayerSpec(path=path), "workplaces", report)
        assert frame is not None, report.problems
        out["read"] = f"{len(frame):,} points, {len(report.problems)} problems"
        out["read"] += f", {_digest(frame)}"
    elif kind == "pyogrio":
        import pyogrio

        c0, w0 = time.process_time(), time.perf_counter()
        frame = pyogrio.read_dataframe(
            path, read_geometry=False, HEADERS="DISABLE", FIELD_TYPES="STRING"
        )
        out["read"] = f"{len(frame):,} rows"
    out["cpu_s"] = time.process_time() - c0
    out["wall_s"] = time.perf_counter() - w0
    out["peak_mb"] = _peak_rss_mb()
    return out


# --------------------------------------------------------------------------- the inputs


def write_census(city: Path, units: int, *, seed: int) -> Path:
    """``units`` Voronoi census units over the city's districts, each its raster people."""
    import re

    import geopandas as gpd
    import rasterio
    import rasterio.features
    import shapely

    districts = gpd.read_file(city / "city.gpkg", layer="qx").to_crs("EPSG:4544")
    outline = shapely.union_all(districts.geometry.to_numpy())
    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = outline.bounds
    seeds: list[shapely.Point] = []
    while len(seeds) < units:
        point = shapely.Point(rng.uniform(minx, maxx), rng.uniform(miny, maxy))
        if outline.contains(point):
            seeds.append(point)
    cells = shapely.voronoi_polygons(shapely.MultiPoint(seeds), extend_to=outline.buffer(1000))
    parts = [shapely.intersection(c, outline) for c in shapely.get_parts(cells)]
    layer = gpd.GeoDataFrame(
        {"SQDM": [f"5108{k:05d}" for k in range(len(parts))]}, geometry=parts, crs="EPSG:4544"
    )
    with rasterio.open(city / "worldpop_3s.tif") as src:
        people = src.read(1, masked=True)
        labels = rasterio.features.rasterize(
            ((g, k + 1) for k, g in enumerate(layer.to_crs(src.crs).geometry)),
            out_shape=people.shape,
            transform=src.transform,
            dtype="int32",
        )
    weights = people.filled(0.0).astype("float64").ravel()
    sums = np.bincount(labels.ravel(), weights=weights, minlength=len(layer) + 1)[1:]
    layer["常住人口"] = np.round(sums).astype("int64")
    layer.to_file(city / "units.gpkg", layer="units", driver="GPKG")
    text = (city / "scenario.toml").read_text(encoding="utf-8")
    census = (
        '[inputs.population]\npath = "units.gpkg"\nlayer = "units"\ncolumn = "常住人口"\n'
        'columns = { unit_id = "SQDM" }\n'
    )
    text = re.sub(r'\[inputs\.population\]\npath = "worldpop_3s.tif"\n', census, text)
    (city / "census.toml").write_text(text, encoding="utf-8")
    return city / "census.toml"


def write_workplaces(city: Path, count: int, *, seed: int) -> list[Path]:
    """``count`` workplaces over the city's raster as CSV, two workbooks and an ODS."""
    import warnings

    import openpyxl
    import pandas as pd
    import pyogrio
    import rasterio

    with rasterio.open(city / "worldpop_3s.tif") as src:
        box = src.bounds
    rng = np.random.default_rng(seed)
    table = pd.DataFrame(
        {
            "单位编码": [f"{k:08d}" for k in range(count)],
            "单位名称": [f"单位{k}有限公司" for k in range(count)],
            "经度": np.round(rng.uniform(box.left, box.right, count), 6),
            "纬度": np.round(rng.uniform(box.bottom, box.top, count), 6),
            "外来务工人员": rng.integers(0, 400, count),
            "地址": [f"某区某路{k % 997}号" for k in range(count)],
        }
    )
    table.to_csv(city / "workplaces.csv", index=False, encoding="utf-8")
    rows = [list(table.columns), *(list(r) for r in table.itertuples(index=False))]
    streamed = openpyxl.Workbook(write_only=True)
    sheet = streamed.create_sheet("单位")
    for row in rows:
        sheet.append(row)
    streamed.save(city / "workplaces.xlsx")
    book = openpyxl.Workbook()
    assert book.active is not None
    for row in rows:
        book.active.append(row)
    book.save(city / "workplaces_excel.xlsx")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # no geometry, on purpose
        pyogrio.write_dataframe(table, city / "workplaces.ods", driver="ODS", layer="单位")
    return [city / f"workplaces{s}" for s in (".csv", ".xlsx", "_excel.xlsx", ".ods")]


# --------------------------------------------------------------------------- the runs


def run(tree: Path, kind: str, path: Path) -> dict[str, Any]:
    """:func:`child` in a fresh interpreter importing ``tree``'s siting."""
    cmd = [sys.executable, str(HERE), "--child", kind, str(path)]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(p for p in (str(tree), os.environ.get("PYTHONPATH")) if p),
    }
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"{kind} {path} on {tree} failed:\n{proc.stderr[-3000:]}")
    figures: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    if Path(figures["siting"]) != tree / "siting":
        raise SystemExit(f"{tree}: imported {figures['siting']}")
    return figures


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--trees", type=Path, nargs="*", default=[HERE.parent.parent])
    parser.add_argument("--areas", type=int, nargs="*", default=[5000, 55000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--census-units", type=int, default=400)
    parser.add_argument("--workplaces", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--folder", type=Path, default=Path("/tmp/siting-inputs-scale"))
    parser.add_argument(
        "--steps",
        nargs="*",
        choices=["load", "demand", "validate", "census", "table", "pyogrio"],
        default=None,
        help="only these steps (all without it)",
    )
    parser.add_argument("--child", nargs=2, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child is not None:
        print(json.dumps(child(args.child[0], Path(args.child[1]))))
        return

    from benchmarks.realcity import write_city

    cities: list[Path] = []
    for n in args.areas:
        folder = args.folder / f"city-{n}-seed{args.seed}"
        if not (folder / "scenario.toml").exists():
            write_city(folder, n_areas=n, seed=args.seed)
        cities.append(folder / "scenario.toml")
    big = cities[-1].parent
    census = big / "census.toml"
    if not census.exists() and (args.steps is None or "census" in args.steps):
        write_census(big, args.census_units, seed=args.seed)
    tables = [big / f"workplaces{s}" for s in (".csv", ".xlsx", "_excel.xlsx", ".ods")]
    if not all(t.exists() for t in tables):
        write_workplaces(big, args.workplaces, seed=args.seed)

    steps = [("load", c) for c in cities] + [("demand", cities[-1]), ("validate", cities[-1])]
    steps += [("demand", census)] + [("table", t) for t in tables]
    steps += [("pyogrio", tables[1])]
    if args.steps is not None:
        steps = [
            (kind, path)
            for kind, path in steps
            if ("census" if path == census else kind) in args.steps
        ]
    print("| step | input | tree | CPU s | wall s | peak MB | load | read |")
    print("|---|---|---|---|---|---|---|---|")
    for kind, path in steps:
        for _ in range(args.repeat):
            for tree in args.trees:
                if kind == "demand" and path == census and not (tree / "siting/census.py").exists():
                    continue
                if kind == "table" and not (tree / "siting/inputs/_table.py").exists():
                    continue
                if kind == "pyogrio" and tree != args.trees[-1]:
                    continue
                f = run(tree, kind, path)
                cpu = f"{f['cpu_s']:.2f}"
                if "load_cpu_s" in f:
                    cpu += f" (load {f['load_cpu_s']:.2f})"
                print(
                    f"| {kind} | {path.parent.name}/{path.name} | {tree.name} | {cpu} | "
                    f"{f['wall_s']:.1f} | {f['peak_mb']:,.0f} | {f['load_avg']:.1f} | "
                    f"{f.get('read', f.get('exit', ''))} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
