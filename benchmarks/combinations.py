"""Siting's input features in pairs, on the sample city: tracebacks and wrong figures.

Run with ``.venv/bin/python -m benchmarks.combinations [--only A+C ...] [--out DIR]
[--list]``.

Each input feature was built and tested alone; a hand-over combines them. The features,
each made from the bundled sample (``data/sample``):

* ``A`` the areas as a 小区 list: a CSV of 小区编号, 小区名称, 类型, 户数, 经度/纬度
  (each outline's representative point, CGCS2000 degrees), ``crs = "EPSG:4490"``;
* ``B`` the facilities as a register placed by address (机构编号, 机构名称, 地址, 托位数,
  no coordinates; each 地址 names the county and the 小区 whose land holds the facility,
  or the nearest, the first with a road before it, 乌龙路18号), ``address = "地址"``;
* ``Co`` street blocks from the OSM file (``[inputs.osm] use = ["areas"], areas_from =
  ["blocks"]``); ``Cl`` from a layer of its ways (``streets = { path = "roads.gpkg",
  blocks = true }``);
* ``D`` the areas in pieces, one file per county (``path`` a list);
* ``E`` the areas written in GCJ-02 (as a Gaode download) with ``datum_shift =
  "gcj02"``; with ``F`` the census units too;
* ``F`` the population from census units: each subdistrict's raster people (cell
  centres) as its 常住人口;
* ``G`` ``demand.residents = "dwellings"``, the old and rural areas given 户数 (their
  land × the sample's people per m² of such land ÷ 2.36, so the city's total is kept);
* ``H`` the phased scenario (``data/sample/scenario-phased.toml``'s phases); ``P`` the
  partitioned run (``[run] partition = "district"``);
* ``I`` a ``where`` on the areas that leaves out the rural ones;
* ``J`` ``--handin``;
* ``K`` the Python API: the layers read into GeoDataFrames by geopandas (a table's
  points made with ``points_from_xy``, pieces concatenated) and planned by
  ``load_frames``, ``prepare_loaded``, ``solve_prepared`` and ``write_plan``.

Each case (every single feature, every pair, and the clean sample as ``-``) is written
into its own folder and run in a subprocess: ``siting validate``, ``siting plan
--no-map`` (``K``: the API), and ``siting verify`` on the plan. Printed per case: validate's
exit and first problem, plan's exit, required slots, shortfall and cost, verify's verdict,
any traceback's last line, the people the areas hold against the raster's over the study
area, and the checks: validate's verdict is plan's (validate accepts ⇔ the plan does not
refuse the inputs, exit 2), the areas hold no more than the population over the study area,
no land is in two areas (their outlines' overlap, m²), every 小区 of the list is in
``area_points`` at its own point (within 1 m of where the list puts it, once shifted back),
each facility of the register stands at its 小区 (within 1 m), verify passes. A pair's
people held is printed beside its two features' own runs.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import tomllib

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
OUT = Path("combinations")

FEATURES = {
    "A": "小区 list (points)",
    "B": "register by address",
    "Co": "OSM file's blocks",
    "Cl": "centrelines' blocks",
    "D": "areas in pieces",
    "E": "GCJ-02 + datum_shift",
    "F": "census units",
    "G": "residents = dwellings",
    "H": "phased",
    "P": "partitioned",
    "I": "where on areas",
    "J": "--handin",
    "K": "Python API",
}
PAIRS = [
    *("A+Co", "A+Cl", "A+B", "A+D", "A+E", "A+F", "A+G", "A+H", "A+P", "A+I", "A+J", "A+K"),
    *("B+Co", "B+Cl", "B+D", "B+E", "B+K", "B+P", "Co+D", "Cl+D", "Co+E"),
    *("Cl+E", "Co+H", "Co+P", "Cl+P", "Co+J", "Co+F", "Cl+F", "Co+I", "D+E", "D+H"),
    *("D+P", "D+I", "E+F", "E+K", "E+P", "F+G", "F+P", "G+H", "G+P", "Cl+K", "I+K"),
]
EXCLUSIVE = ({"Co", "Cl"}, {"H", "P"})
"""Features one case cannot take both of."""

RASTER_IN_DISTRICTS = 319_910.6
"""The sample raster's people inside its districts (the clean run's ``districts_total``)."""
WORDS = {"new": "新建", "old": "老旧小区", "rural": "农村"}
COUNTIES = {"510802": "利州区", "510811": "昭化区", "510812": "朝天区"}


def sample(layer: str) -> gpd.GeoDataFrame:
    """A layer of the sample's city.gpkg (EPSG:4490)."""
    return gpd.read_file(SAMPLE / "city.gpkg", layer=layer, engine="pyogrio")


def with_dwellings(areas: gpd.GeoDataFrame, people: float) -> gpd.GeoDataFrame:
    """``areas`` with 户数 for every old and rural area: its land × the people per m² of
    such land (``people`` over their land) ÷ 2.36 persons per household, rounded."""
    areas = areas.copy()
    land = areas.to_crs("EPSG:4544").area
    old = areas["status"] != "new"
    density = people / float(land[old].sum())
    areas.loc[old, "dwellings"] = np.round(land[old] * density / 2.36)
    return areas


def area_points(areas: gpd.GeoDataFrame) -> gpd.GeoSeries:
    """Each outline's representative point (taken in EPSG:4544), in EPSG:4490."""
    at = areas.to_crs("EPSG:4544").geometry.representative_point()
    return at.to_crs("EPSG:4490").set_axis(areas["area_id"].to_numpy())


def to_gcj02(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``frame`` moved into GCJ-02 as a Gaode download holds it (EPSG:4326 said)."""
    from siting.gcj02 import geometry_to_gcj02

    out = frame.to_crs("EPSG:4326")
    return out.set_geometry(geometry_to_gcj02(out.geometry))


@dataclass
class Case:
    """One case's features and the scenario being written for it."""

    label: str
    features: frozenset[str]
    folder: Path
    scenario: dict[str, Any] = field(default_factory=dict)
    expect_points: dict[str, tuple[float, float]] = field(default_factory=dict)
    """A 小区 list's true points (EPSG:4544) by id."""
    expect_facilities: dict[str, tuple[float, float]] = field(default_factory=dict)
    """A register's facilities at their 小区's point (EPSG:4544) by id."""

    def has(self, feature: str) -> bool:
        return feature in self.features


def build(case: Case, base_people: float) -> None:
    """Write the case's files and scenario.toml into its folder."""
    folder = case.folder
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for name in ("city.gpkg", "population.tif", "streets.osm"):
        shutil.copy(SAMPLE / name, folder / name)
    text = (SAMPLE / "scenario.toml").read_text(encoding="utf-8")
    scenario = tomllib.loads(text)
    case.scenario = scenario
    inputs = scenario["inputs"]
    areas = sample("areas")
    if case.has("G"):
        areas = with_dwellings(areas, base_people)
        scenario.setdefault("demand", {})["residents"] = "dwellings"
    points = area_points(areas)
    true_xy = points.to_crs("EPSG:4544")
    if case.has("A"):
        case.expect_points = {str(k): (p.x, p.y) for k, p in true_xy.items()}
    inputs["areas"] = write_areas(case, areas, points)
    if case.has("B"):
        inputs["facilities"] = write_register(case, areas, true_xy)
    if case.has("Co"):
        inputs["osm"] = {"path": "streets.osm", "use": ["areas"], "areas_from": ["blocks"]}
    if case.has("Cl"):
        roads = shared_roads(folder.parent)
        shutil.copy(roads, folder / "roads.gpkg")
        inputs["streets"] = {"path": "roads.gpkg", "blocks": True}
    if case.has("F"):
        inputs["population"] = write_census(case)
    if case.has("H"):
        phased = tomllib.loads((SAMPLE / "scenario-phased.toml").read_text(encoding="utf-8"))
        scenario["phases"] = phased["phases"]
        scenario["solver"] = phased["solver"]
    if case.has("P"):
        scenario["run"] = {"partition": "district"}
    scenario["name"] = f"sample: {case.label}"
    (folder / "scenario.toml").write_text(toml_text(scenario), encoding="utf-8")


def write_areas(case: Case, areas: gpd.GeoDataFrame, points: gpd.GeoSeries) -> dict[str, Any]:
    """The areas' file(s) in the case's form, and their entry."""
    folder = case.folder
    gcj = case.has("E")
    entry: dict[str, Any] = {}
    if case.has("A"):
        at = points
        if gcj:
            from siting.gcj02 import wgs84_to_gcj02

            lon, lat = wgs84_to_gcj02(points.x.to_numpy(), points.y.to_numpy())
        else:
            lon, lat = points.x.to_numpy(), points.y.to_numpy()
        table = pd.DataFrame(
            {
                "小区编号": areas["area_id"].to_numpy(),
                "小区名称": areas["name"].to_numpy(),
                "类型": areas["status"].map(WORDS).to_numpy(),
                "户数": areas["dwellings"].to_numpy(),
                "经度": np.round(lon, 7),
                "纬度": np.round(lat, 7),
            },
            index=at.index,
        )
        parts = {"小区.csv": table}
        if case.has("D"):
            by = areas["district_id"].to_numpy()
            parts = {f"{COUNTIES[d]}小区.csv": table.loc[by == d] for d in COUNTIES}
        for name, part in parts.items():
            part.to_csv(folder / name, index=False, encoding="utf-8-sig")
        entry["crs"] = "EPSG:4490"
        if case.has("I"):
            entry["where"] = "类型 <> '农村'"
    else:
        frame = to_gcj02(areas) if gcj else areas
        parts = {"areas.gpkg": frame}
        if case.has("D"):
            by = areas["district_id"].to_numpy()
            suffix = ".geojson" if gcj else ".gpkg"
            parts = {f"{COUNTIES[d]}小区{suffix}": frame.loc[by == d] for d in COUNTIES}
        elif gcj:
            parts = {"areas_gcj.geojson": frame}
        for name, part in parts.items():
            part.to_file(folder / name, engine="pyogrio")
        if case.has("I"):
            entry["where"] = "status <> 'rural'"
    names = list(parts)
    entry = {"path": names if len(names) > 1 else names[0], **entry}
    if gcj:
        entry["datum_shift"] = "gcj02"
    return entry


def write_register(case: Case, areas: gpd.GeoDataFrame, true_xy: gpd.GeoSeries) -> dict[str, Any]:
    """The sample's facilities as a register of 地址 naming the 小区 whose land holds each
    (else the nearest) and its county."""
    facilities = sample("facilities").to_crs("EPSG:4544")
    land = areas.to_crs("EPSG:4544").set_index("area_id")
    rows = []
    for i, row in enumerate(facilities.itertuples()):
        distance = land.geometry.distance(row.geometry)
        area = str(distance.idxmin())
        county = COUNTIES[str(land.at[area, "district_id"])]
        road = "乌龙路18号" if i == 0 else ""  # a road before the 小区 (a block's name)
        address = f"四川省广元市{county}{road}{land.at[area, 'name']}{i % 9 + 1}栋1单元"
        rows.append([row.facility_id, row.name, address, int(row.slots)])
        case.expect_facilities[str(row.facility_id)] = (true_xy[area].x, true_xy[area].y)
    table = pd.DataFrame(rows, columns=["机构编号", "机构名称", "地址", "托位数"])
    table.to_csv(case.folder / "托育机构备案名单.csv", index=False, encoding="utf-8-sig")
    return {
        "path": "托育机构备案名单.csv",
        "columns": {"facility_id": "机构编号", "name": "机构名称", "slots": "托位数"},
        "address": "地址",
    }


def subdistrict_census() -> gpd.GeoDataFrame:
    """The sample's subdistricts (``subdistrict_id``, ``name``, EPSG:4490) with 常住人口, the
    raster's people whose cell centres each holds: a census to plan the sample from."""
    import rasterio
    import rasterio.features

    sub = sample("subdistricts")
    with rasterio.open(SAMPLE / "population.tif") as ds:
        values = ds.read(1, masked=True).filled(0.0).astype(np.float64)
        labels = rasterio.features.rasterize(
            [(g, i + 1) for i, g in enumerate(sub.to_crs(ds.crs).geometry)],
            out_shape=values.shape,
            transform=ds.transform,
            fill=0,
        )
    values[values < 0] = 0.0
    counts = np.bincount(labels.ravel(), weights=values.ravel(), minlength=len(sub) + 1)
    sub["常住人口"] = counts[1:]
    return sub[["subdistrict_id", "name", "常住人口", "geometry"]]


def write_census(case: Case) -> dict[str, Any]:
    """The sample's census (:func:`subdistrict_census`) and its entry, in GCJ-02 with
    ``E``."""
    units = subdistrict_census()
    entry: dict[str, Any] = {"column": "常住人口", "columns": {"unit_id": "subdistrict_id"}}
    if case.has("E"):
        to_gcj02(units).to_file(case.folder / "七普_gcj.geojson", engine="pyogrio")
        return {"path": "七普_gcj.geojson", **entry, "datum_shift": "gcj02"}
    units.to_file(case.folder / "七普.gpkg", layer="街道", engine="pyogrio")
    return {"path": "七普.gpkg", "layer": "街道", **entry}


def shared_roads(folder: Path) -> Path:
    """The sample's OSM ways as a line layer (Geofabrik's fclass and name), once."""
    path = folder / "_roads.gpkg"
    if not path.exists():
        from benchmarks.street_blocks import geofabrik_roads

        geofabrik_roads(SAMPLE / "streets.osm").to_file(path, engine="pyogrio")
    return path


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(value)


def toml_text(scenario: dict[str, Any]) -> str:
    """The scenario as TOML: its tables' dicts inline, ``phases`` an array of tables."""
    scalars = {k: v for k, v in scenario.items() if not isinstance(v, dict | list)}
    lines = [f"{k} = {toml_value(v)}" for k, v in scalars.items()]
    for key, value in scenario.items():
        if isinstance(value, dict):
            lines.append(f"\n[{key}]")
            lines += [f"{k} = {toml_value(v)}" for k, v in value.items()]
        elif isinstance(value, list):
            for item in value:
                lines.append(f"\n[[{key}]]")
                lines += [f"{k} = {toml_value(v)}" for k, v in item.items()]
    return "\n".join(lines) + "\n"


CLI = "import sys; from siting.cli import main; sys.exit(main(sys.argv[1:]))"


def run(args: list[str], *, timeout: float = 600.0) -> tuple[int, str, float]:
    """A subprocess of this tree's siting: its exit, its output and its seconds."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, env=env, timeout=timeout
    )
    return done.returncode, done.stdout + done.stderr, time.perf_counter() - start


def first_problem(text: str) -> str:
    """The first problem listed (``  - …``), else the first error line, cut to 160
    characters."""
    lines = [line.strip() for line in text.splitlines()]
    listed = [line[2:] for line in lines if line.startswith("- ")]
    errors = [line for line in lines if line.startswith(("error", "ERROR"))]
    return next(iter(listed + errors), "")[:160]


def last_traceback_line(text: str) -> str:
    if "Traceback (most recent call last)" not in text:
        return ""
    tail = text[text.rindex("Traceback (most recent call last)") :]
    lines = [line for line in tail.splitlines() if line.strip() and not line.startswith(" ")]
    return lines[-1][:200] if lines else ""


def api_plan(scenario_path: Path, out: Path, *, handin: bool) -> int:
    """``K``: the case's layers read into GeoDataFrames, planned through the Python API.
    Exit 2 when load_frames refuses them, as the CLI's."""
    from siting.errors import SitingError
    from siting.export import write_plan
    from siting.inputs import load_frames
    from siting.pipeline import prepare_loaded, solve_prepared
    from siting.scenario import load_scenario

    scenario = load_scenario(scenario_path)
    spec = scenario.inputs
    assert spec is not None
    frames: dict[str, pd.DataFrame] = {}
    columns: dict[str, dict[str, str]] = {}
    wheres: dict[str, str] = {}
    shifts: dict[str, Any] = {}
    crs_of: dict[str, str] = {}
    addresses: dict[str, str] = {}
    for name in ("areas", "parcels", "facilities", "districts", "subdistricts"):
        layer = getattr(spec, name)
        if layer is None:
            continue
        parts = []
        for piece in layer.pieces or [layer]:
            if piece.path.suffix.lower() == ".csv":  # a table in pandas, as an analyst's
                parts.append(pd.read_csv(piece.path, dtype=str, encoding="utf-8-sig"))
            else:
                parts.append(gpd.read_file(piece.path, layer=piece.layer, engine="pyogrio"))
        joined = pd.concat(parts, ignore_index=True)
        if isinstance(parts[0], gpd.GeoDataFrame):
            joined = gpd.GeoDataFrame(joined, crs=parts[0].crs)
        elif layer.crs is not None:
            crs_of[name] = layer.crs
        frames[name] = joined
        if layer.address is not None:
            addresses[name] = layer.address
        if layer.columns:
            columns[name] = dict(layer.columns)
        if layer.where:
            wheres[name] = layer.where
        if layer.datum_shift is not None:
            shifts[name] = layer.datum_shift
    for name in ("workplaces", "hazards"):
        layer = getattr(spec, name)
        if layer is not None:
            frames[name] = gpd.read_file(layer.path, layer=layer.layer, engine="pyogrio")
    areas, parcels = frames.pop("areas"), frames.pop("parcels")
    try:
        inputs = load_frames(
            population=spec.population.path,
            areas=areas,
            parcels=parcels,
            columns=columns,
            where=wheres,
            crs=scenario.crs,
            streets=spec.streets,
            radius_m=spec.areas.radius_m if spec.areas is not None else None,
            street_blocks=spec.street_blocks or False,
            datum_shift=shifts,
            layer_crs=crs_of,
            address=addresses,
            **frames,
        )
        plan = solve_prepared(prepare_loaded(inputs, scenario=scenario))
    except SitingError as error:
        print(f"error: {error}")
        return 2
    write_plan(plan, out, map_and_report=False, handin=handin)
    return 0 if plan.run.get("status") in {"optimal", "feasible"} else 1


@dataclass
class Result:
    label: str
    validate: int | None = None
    problem: str = ""
    plan: int | None = None
    required: float = math.nan
    short: float = math.nan
    cost: float = math.nan
    verify: str = ""
    traceback: str = ""
    held: float = math.nan
    total: float = math.nan
    in_districts: float = math.nan
    overlap_m2: float = math.nan
    checks: list[str] = field(default_factory=list)
    seconds: float = 0.0


def run_case(case: Case) -> Result:
    """Validate, plan and verify one case; read its figures and check them."""
    result = Result(case.label)
    scenario = case.folder / "scenario.toml"
    out = case.folder / "plan"
    shutil.rmtree(out, ignore_errors=True)
    seconds = 0.0
    if case.has("K"):
        code, text, took = run(
            ["-m", "benchmarks.combinations", "--api", str(scenario), str(out)]
            + (["--handin"] if case.has("J") else [])
        )
        result.validate = 2 if code == 2 else 0
        result.plan = code
        result.problem = first_problem(text) if code else ""
        seconds += took
    else:
        code, text, took = run(["-c", CLI, "-q", "validate", str(scenario)])
        result.validate, result.problem = code, first_problem(text) if code else ""
        result.traceback = last_traceback_line(text)
        seconds += took
        args = ["-c", CLI, "-q", "plan", str(scenario), "--out", str(out), "--no-map"]
        code, text, took = run(args + (["--handin"] if case.has("J") else []))
        result.plan = code
        seconds += took
        if code and not result.problem:
            result.problem = first_problem(text)
    result.traceback = result.traceback or last_traceback_line(text)
    if (out / "run.json").exists():
        code, text, took = run(["-c", CLI, "verify", str(out)])
        seconds += took
        result.verify = "ok" if code == 0 else f"exit {code}: " + first_violation(text)
        result.traceback = result.traceback or last_traceback_line(text)
        read_plan(case, out, result)
    result.seconds = seconds
    check(case, result)
    return result


def first_violation(text: str) -> str:
    lines = [line for line in text.splitlines() if not line.startswith("checked")]
    return (lines[0] if lines else "")[:120]


def read_plan(case: Case, out: Path, result: Result) -> None:
    """The plan's totals and the people held; the overlap of the areas' land, the 小区
    list's points and the register's facilities against where they belong."""
    run_json = json.loads((out / "run.json").read_text(encoding="utf-8"))
    totals = run_json.get("totals", {})
    result.required = totals.get("required_slots", math.nan)
    result.short = totals.get("shortfall_slots", math.nan)
    result.cost = totals.get("cost", math.nan)
    people = run_json.get("population_accounting", {}).get("population", {})
    result.held = people.get("held", math.nan)
    result.total = people.get("total", math.nan)
    result.in_districts = people.get("districts_total", math.nan)
    residual = people.get("residual", math.nan)
    if abs(result.held + residual - result.total) > 1.0:
        result.checks.append(f"held + residual {result.held + residual:,.0f} ≠ total")
    areas = gpd.read_file(out / "plan.gpkg", layer="areas", engine="pyogrio")
    if areas["area_id"].duplicated().any():
        result.checks.append(f"{int(areas['area_id'].duplicated().sum())} area ids twice")
    summed = float(areas["population"].sum())
    if abs(summed - result.held) > 0.05 * len(areas) + 0.5:  # written to 0.1 person
        result.checks.append(f"areas' population {summed:,.0f} ≠ held {result.held:,.0f}")
    land = np.asarray(areas.geometry.to_numpy(), dtype=object)
    result.overlap_m2 = float(shapely.area(land).sum() - shapely.union_all(land).area)
    if case.expect_points:
        try:
            points = gpd.read_file(out / "plan.gpkg", layer="area_points", engine="pyogrio")
        except Exception as error:  # a missing layer is a finding here
            result.checks.append(f"no area_points layer ({type(error).__name__})")
        else:
            at = points.set_index("area_id").geometry.to_crs("EPSG:4544")
            wanted = dict(case.expect_points)
            if case.has("I"):  # the where leaves out the rural areas
                rural = sample("areas").query("status == 'rural'")["area_id"]
                for area in rural:
                    wanted.pop(str(area), None)
            missing = sorted(set(wanted) - set(at.index))
            if missing:
                result.checks.append(f"{len(missing)} 小区 not in area_points ({missing[0]} …)")
            off = [
                (float(np.hypot(at[a].x - x, at[a].y - y)), a)
                for a, (x, y) in wanted.items()
                if a in at.index
            ]
            worst = max(off, default=(0.0, ""))
            if worst[0] > 1.0:
                result.checks.append(f"小区 {worst[1]} {worst[0]:.0f} m from its list's point")
    if case.expect_facilities:
        placed = gpd.read_file(out / "facilities.geojson", engine="pyogrio")
        placed = placed.loc[placed["existing"].astype(bool)].set_index("site_id")
        at = placed.geometry.to_crs("EPSG:4544")
        off = [
            (float(np.hypot(at[f].x - x, at[f].y - y)), f)
            for f, (x, y) in case.expect_facilities.items()
            if f in at.index
        ]
        worst = max(off, default=(0.0, ""))
        if worst[0] > 1.0:
            result.checks.append(f"facility {worst[1]} {worst[0]:.0f} m from its 小区's point")


def check(case: Case, result: Result) -> None:
    """The invariants beyond "no crash"."""
    if result.traceback:
        result.checks.append("traceback")
    if result.validate is not None and result.plan is not None:  # noqa: SIM102
        if (result.validate == 0) != (result.plan != 2):
            result.checks.append(f"validate {result.validate} but plan {result.plan}")
    if result.plan == 0 and result.verify != "ok":
        result.checks.append("verify fails")
    if result.held > result.total * (1 + 1e-9) + 1e-6:
        result.checks.append(f"held {result.held:,.0f} > total {result.total:,.0f}")
    if not case.has("F") and abs(result.in_districts - RASTER_IN_DISTRICTS) > 1.0:
        result.checks.append(f"raster's people in the districts {result.in_districts:,.0f}")
    if result.overlap_m2 > 100.0:
        result.checks.append(f"areas overlap {result.overlap_m2:,.0f} m²")


def recheck(case: Case, stored: dict[str, Any], base_people: float) -> Result:
    """A case's stored result checked again against the plan it wrote."""
    result = Result(**{**stored, "checks": []})
    with tempfile.TemporaryDirectory() as tmp:
        shadow = replace(case, folder=Path(tmp) / "case")
        build(shadow, base_people)
    if (case.folder / "plan" / "run.json").exists():
        read_plan(shadow, case.folder / "plan", result)
    check(shadow, result)
    return result


def cases(labels: list[str], out: Path) -> list[Case]:
    result = []
    for label in labels:
        features = frozenset(label.split("+")) - {"-"}
        unknown = features - set(FEATURES)
        if unknown:
            raise SystemExit(f"unknown feature {sorted(unknown)}; the features: {list(FEATURES)}")
        clash = [both for both in EXCLUSIVE if both <= features]
        if clash:
            raise SystemExit(f"{label}: {' and '.join(sorted(clash[0]))} cannot go together")
        result.append(Case(label, features, out / label.replace("+", "_")))
    return result


def fmt(value: float, spec: str = ",.0f") -> str:
    return (
        "—"
        if value is None or (isinstance(value, float) and math.isnan(value))
        else format(value, spec)
    )


def row(result: Result, held_of: Callable[[str], float]) -> str:
    parts = result.label.split("+")
    alone = " / ".join(fmt(held_of(p)) for p in parts) if len(parts) > 1 else ""
    return (
        f"| {result.label} | {result.validate} {result.problem[:70]} | {result.plan} | "
        f"{fmt(result.required)} | {fmt(result.short)} | {fmt(result.cost)} | "
        f"{result.verify or '—'} | {fmt(result.held)} of {fmt(result.total)} | {alone} | "
        f"{fmt(result.overlap_m2)} | {'; '.join(result.checks) or 'ok'} | "
        f"{result.traceback[:90]} | {result.seconds:.0f} |"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", help="cases (A+Co, B, -) instead of all")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--no-singles", action="store_true", help="pairs only")
    parser.add_argument("--api", nargs=2, type=Path, metavar=("SCENARIO", "OUT"))
    parser.add_argument("--handin", action="store_true")
    parser.add_argument(
        "--recheck", action="store_true", help="check the plans already written, no run"
    )
    args = parser.parse_args(argv)
    if args.api:
        return api_plan(args.api[0], args.api[1], handin=args.handin)
    pairs = args.only or PAIRS
    singles = [] if args.no_singles else ["-", *sorted({f for p in pairs for f in p.split("+")})]
    labels = list(dict.fromkeys([*singles, *pairs]))
    args.out.mkdir(parents=True, exist_ok=True)
    base_people = 314_588.4  # the clean sample's areas hold these (run.json)
    store = args.out / "results.json"
    done: dict[str, dict[str, Any]] = (
        json.loads(store.read_text(encoding="utf-8")) if store.exists() else {}
    )

    def held_of(label: str) -> float:
        return float(done.get(label, {}).get("held", math.nan))

    print(
        "| case | validate | plan | required | short | cost | verify | people held of the "
        "study area's | each alone | overlap m² | checks | traceback | s |"
    )
    print("|---" * 13 + "|")
    for case in cases(labels, args.out):
        if args.recheck:
            if case.label not in done:
                continue
            result = recheck(case, done[case.label], base_people)
        else:
            build(case, base_people)
            result = run_case(case)
        done[case.label] = result.__dict__
        store.write_text(json.dumps(done, ensure_ascii=False, indent=1), encoding="utf-8")
        print(row(result, held_of), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
