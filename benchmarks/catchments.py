"""Residential areas given as points (a 小区 list): their catchments' speed, and what the
guess of their land does to demand (siting.inputs._catchments).

``python -m benchmarks.catchments [--points N ...] [--repeat N]`` times
:func:`siting.inputs._catchments.point_catchments` on N seeded points spread at about
one per 2.25 ha (half with dwellings), alone and among N / 10 outlines (400 m squares),
fastest of ``--repeat``, and asserts that every catchment holds its point and, alone,
none overlaps another. Then it plans the demand of the
bundled sample city twice: from its 182 outlines, and from a 小区 table of their
points (编号, 类型, 户数, 经度/纬度) at each radius of ``--radii`` (``auto`` is the
rule by dwellings), and prints what the areas hold.
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from siting.demand import estimate_demand
from siting.inputs import load_inputs
from siting.inputs._catchments import point_catchments
from siting.inputs._problems import _Report
from siting.scenario import LayerSpec, load_scenario

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


def points(n: int, *, seed: int = 0) -> gpd.GeoDataFrame:
    """n 小区 points over a square at one per 2.25 ha, in CGCS2000 GK zone 35."""
    rng = np.random.default_rng(seed)
    side = 150.0 * np.sqrt(n)
    xy = rng.uniform(0, side, (n, 2)) + np.array([35_500_000.0, 3_590_000.0])
    dwellings = np.where(rng.random(n) < 0.5, rng.integers(100, 4000, n), np.nan)
    return gpd.GeoDataFrame(
        {"status": rng.choice(["old", "new", "rural"], n), "dwellings": dwellings},
        geometry=shapely.points(xy),
        index=pd.Index([f"A{i}" for i in range(n)], name="area_id"),
        crs="EPSG:4523",
    )


def with_outlines(frame: gpd.GeoDataFrame, *, every: int = 10) -> gpd.GeoDataFrame:
    """``frame`` and one outline (a 400 m square on a 500 m grid) per ``every`` points: a
    neighbourhood's residential land that many points lie in."""
    x0, y0, x1, y1 = frame.total_bounds
    squares = [
        shapely.box(x, y, x + 400.0, y + 400.0)
        for x in np.arange(x0, x1, 500.0)
        for y in np.arange(y0, y1, 500.0)
    ][: len(frame) // every]
    outlines = gpd.GeoDataFrame(
        {"status": "old", "dwellings": np.nan},
        geometry=squares,
        index=pd.Index([f"O{i}" for i in range(len(squares))], name="area_id"),
        crs=frame.crs,
    )
    return gpd.GeoDataFrame(pd.concat([frame, outlines]), crs=frame.crs)


def time_catchments(n: int, *, repeat: int, outlines: bool = False) -> tuple[float, float]:
    """The fastest run's seconds, and the catchments' median area (ha); checked."""
    frame = with_outlines(points(n)) if outlines else points(n)
    best = np.inf
    for _ in range(repeat):
        start = time.perf_counter()
        out = point_catchments(frame, radius_m=None, report=_Report())
        best = min(best, time.perf_counter() - start)
    given = np.asarray(frame.geometry.to_numpy(), dtype=object)
    at = shapely.get_type_id(given) == 0
    geoms = np.asarray(out.geometry.to_numpy(), dtype=object)[at]
    assert shapely.contains(geoms, given[at]).all()
    if not outlines:  # among outlines, a point inside one shares its land with it
        overlap = shapely.area(geoms).sum() - shapely.union_all(geoms).area
        assert overlap < 1e-6 * shapely.area(geoms).sum()
    return best, float(np.median(shapely.area(geoms))) / 10_000


def sample_table(folder: Path) -> Path:
    """The sample's areas as a 小区 table (编号, 名称, 类型, 户数, 经度/纬度 in CGCS2000
    degrees to seven decimals): each outline's representative point."""
    areas = gpd.read_file(SAMPLE / "city.gpkg", layer="areas", engine="pyogrio")
    at = areas.to_crs("EPSG:4544").geometry.representative_point().to_crs("EPSG:4490")
    words = {"new": "新建", "old": "老旧小区", "rural": "农村"}
    table = pd.DataFrame(
        {
            "小区编号": areas["area_id"],
            "小区名称": areas["name"],
            "类型": areas["status"].map(words),
            "户数": areas["dwellings"],
            "经度": at.x.round(7),
            "纬度": at.y.round(7),
        }
    )
    path = folder / "小区.csv"
    table.to_csv(path, index=False, encoding="utf-8-sig")
    return path


def sample_demand(radii: list[str]) -> list[dict[str, object]]:
    """The sample's demand from its outlines and from its points at each radius."""
    scenario = load_scenario(SAMPLE / "scenario.toml")
    outlines = estimate_demand(load_inputs(scenario.inputs, crs=scenario.crs), scenario=scenario)
    drawn = gpd.read_file(SAMPLE / "city.gpkg", layer="areas", engine="pyogrio")
    drawn = drawn.to_crs("EPSG:4544").set_index("area_id").geometry
    rows: list[dict[str, object]] = [_row("outlines", outlines.areas, outlines.areas)]
    with tempfile.TemporaryDirectory() as tmp:
        table = sample_table(Path(tmp))
        for radius in radii:
            value = None if radius == "auto" else float(radius)
            spec = replace(
                scenario.inputs, areas=LayerSpec(path=table, crs="EPSG:4490", radius_m=value)
            )
            inputs = load_inputs(spec, crs=scenario.crs)
            demand = estimate_demand(inputs, scenario=replace(scenario, inputs=spec))
            land = inputs.areas.geometry
            on_own = land.intersection(drawn.reindex(land.index)).area / land.area
            row = _row(f"points, radius {radius}", demand.areas, outlines.areas)
            row["catchment on its outline (median)"] = f"{on_own.median():.1%}"
            rows.append(row)
    return rows


def _row(label: str, areas: pd.DataFrame, outlines: pd.DataFrame) -> dict[str, object]:
    old = outlines.index[outlines["status"] == "old"]
    ratio = (areas["population"] / outlines["population"]).reindex(old)
    low, mid, high = ratio.quantile([0.25, 0.5, 0.75])
    return {
        "areas from": label,
        "people held": f"{areas['population'].sum():,.0f}",
        "required slots": f"{areas['required_slots'].sum():,.0f}",
        "old area's people / outline's (quartiles)": f"{low:.2f} / {mid:.2f} / {high:.2f}",
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, nargs="+", default=[1_000, 10_000, 40_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--radii", nargs="+", default=["auto", "150", "230"])
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)
    print("| points | outlines | seconds (fastest) | median catchment (ha) |")
    print("|---|---|---|---|")
    for n in args.points:
        for outlines in (False, True):
            seconds, hectares = time_catchments(n, repeat=args.repeat, outlines=outlines)
            among = f"{n // 10:,} (400 m squares)" if outlines else "none"
            print(f"| {n:,} | {among} | {seconds:.2f} | {hectares:.1f} |")
    rows = sample_demand(args.radii)
    columns = list(dict.fromkeys(k for row in rows for k in row))
    print("\n| " + " | ".join(columns) + " |\n|" + "---|" * len(columns))
    for row in rows:
        print("| " + " | ".join(str(row.get(c, "")) for c in columns) + " |")


if __name__ == "__main__":
    main()
