"""Writing a province's plan: the residual merged again, the overview map, ``--no-map``.

The residual blocks are checked against sums done by hand on a grid of blocks,
and on a generated 4-county province against the plan's own accounting. The
overview map (above ``detail_limit`` areas) is drawn from the small synthetic
plan folder of ``_plan_output`` with the limit lowered, not from a huge plan.
"""

from __future__ import annotations

import html
import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from _plan_output import write_plan_output
from shapely.geometry import box

from siting.cli import main
from siting.maps import plan_map
from siting.plan import verify
from siting.province.residual import coarsen_residual
from siting.report import labels

ROOT = Path(__file__).resolve().parents[1]
GENERATOR = ROOT / "data" / "generate_province.py"


def _grid(district: str, x0: float, n: int, people: float) -> gpd.GeoDataFrame:
    """``n`` x ``n`` blocks of 100 m from ``x0``, block k holding ``people * (k + 1)``."""
    rows = [
        (
            district,
            people * (k + 1),
            k % 3 + 1,
            box(x0 + i * 100, j * 100, x0 + i * 100 + 100, j * 100 + 100),
        )
        for k, (i, j) in enumerate((i, j) for i in range(n) for j in range(n))
    ]
    return gpd.GeoDataFrame(
        pd.DataFrame(rows, columns=["district_id", "residual_people", "cells", "geometry"]),
        geometry="geometry",
        crs="EPSG:4544",
    )


def test_residual_blocks_merged_to_the_cap_keep_each_countys_people() -> None:
    # two counties side by side, 10 x 10 blocks each (a shared edge at x = 1,000 m)
    blocks = pd.concat([_grid("A", 0.0, 10, 1.0), _grid("B", 1000.0, 10, 2.0)])
    blocks = gpd.GeoDataFrame(blocks, geometry="geometry", crs="EPSG:4544")
    merged = coarsen_residual(blocks, max_blocks=12)
    assert 2 <= len(merged) <= 12
    by_d = merged.groupby("district_id")
    # 1 + 2 + ... + 100 = 5,050 people in A; twice that in B; cells 1,2,3 repeating
    assert by_d["residual_people"].sum().to_dict() == pytest.approx({"A": 5050.0, "B": 10100.0})
    cells = sum(k % 3 + 1 for k in range(100))
    assert by_d["cells"].sum().to_dict() == {"A": cells, "B": cells}
    assert by_d["blocks"].sum().to_dict() == {"A": 100, "B": 100}
    # no merged block crosses a county's line: A's stay left of 1,000 m, B's right of it
    bounds = merged.geometry.bounds
    assert (bounds["maxx"][merged["district_id"] == "A"] <= 1000.0 + 1e-9).all()
    assert (bounds["minx"][merged["district_id"] == "B"] >= 1000.0 - 1e-9).all()
    assert merged.index[0] == "A-R1" and merged.index.name == "block_id"

    # scaled to the accounted residual of each county (cells cut by a line counted by share)
    scaled = coarsen_residual(
        blocks, max_blocks=12, residual_by_district={"A": 5000.0, "B": 10200.0}
    )
    sums = scaled.groupby("district_id")["residual_people"].sum()
    assert sums.to_dict() == pytest.approx({"A": 5000.0, "B": 10200.0}, rel=1e-12)
    # the same block shapes, only the people scaled
    assert np.allclose(scaled.geometry.area, merged.geometry.area)

    # under the cap nothing is merged, and one county is never cut to less than one block
    assert len(coarsen_residual(blocks, max_blocks=500)) == 200
    assert len(coarsen_residual(blocks, max_blocks=1)) == 2


def _generator() -> Any:
    spec = importlib.util.spec_from_file_location("generate_province", GENERATOR)
    assert spec is not None and spec.loader is not None
    gen = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = gen
    spec.loader.exec_module(gen)
    return gen


@pytest.fixture(scope="module")
def province(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not GENERATOR.is_file():
        pytest.skip("data/generate_province.py not merged")
    folder = tmp_path_factory.mktemp("province")
    _generator().generate_province(
        folder, counties=3, seed=5, areas_per_county=12, sites_per_county=6
    )
    return folder / "scenario.toml"


def test_no_map_plan_writes_the_layers_and_siting_map_draws_them_later(
    province: Path, tmp_path: Path
) -> None:
    out = tmp_path / "plan"
    assert (
        main(["-q", "plan", str(province), "--out", str(out), "--no-map", "--basemap", "none"]) == 0
    )
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert not (out / "map.html").exists() and not (out / "report.html").exists()
    assert "map.html" not in run["files"] and "residual.geojson" in run["files"]
    # the residual layer: every block names its county, and they add up to the accounting
    residual = gpd.read_file(out / "residual.geojson")
    accounting = run["population_accounting"]["population"]
    assert residual["residual_people"].sum() == pytest.approx(accounting["residual"], rel=1e-9)
    by_d = residual.groupby("district_id")["residual_people"].sum()
    for district, value in accounting["residual_by_district"].items():
        assert by_d.get(district, 0.0) == pytest.approx(value, rel=1e-9, abs=1e-6)
    assert run["residual_layer"]["blocks"] == len(residual) <= 10_000
    assert verify(out).ok
    # drawn later, into the same folder; verify still accepts it
    assert main(["-q", "map", str(out), "--basemap", "none", "--report"]) == 0
    assert (out / "map.html").stat().st_size > 0 and (out / "report.html").is_file()
    assert verify(out).ok
    # replacing the plan keeps to its own files (the map and report are siting's)
    assert (
        main(["-q", "plan", str(province), "--out", str(out), "--no-map", "--basemap", "none"]) == 0
    )


@pytest.fixture(scope="module")
def plan_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_plan_output(tmp_path_factory.mktemp("overview") / "run_a")


def _groups(m: folium.Map) -> dict[str, folium.FeatureGroup]:
    return {c.layer_name: c for c in m._children.values() if isinstance(c, folium.FeatureGroup)}


def _features(group: folium.FeatureGroup) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for child in group._children.values():
        if isinstance(child, folium.GeoJson):
            out.extend(child.data["features"])
    return out


def test_above_the_detail_limit_the_map_is_an_overview_of_points(plan_dir: Path) -> None:
    areas = gpd.read_file(plan_dir / "areas.geojson")
    text = labels("en")
    full = plan_map(plan_dir, language="en", basemap="none", detail_limit=len(areas))
    assert text["layer_service"] in _groups(full)  # at the limit: the whole map
    m = plan_map(plan_dir, language="en", basemap="none", detail_limit=len(areas) - 1)
    groups = _groups(m)
    for left_out in ("layer_population", "layer_service", "layer_candidates"):
        assert text[left_out] not in groups
    features = _features(groups[text["layer_areas"]])
    assert [f["geometry"]["type"] for f in features] == ["Point"] * len(areas)
    # each point is its area's representative point, to the map's 1e-6 degree
    by_id = areas.set_index("area_id").geometry.representative_point()
    for f in features:
        x, y = f["geometry"]["coordinates"]
        p = by_id[f["properties"]["area_id"]]
        assert (x, y) == pytest.approx((p.x, p.y), abs=1e-6)
        assert "popup" in f["properties"]  # the area's figures stay a click away
    # the most populous area gets the largest dot, the least the smallest
    people = areas.set_index("area_id")["population"]
    radius = {f["properties"]["area_id"]: f["properties"]["style"]["radius"] for f in features}
    assert radius[people.idxmax()] == max(radius.values()) > radius[people.idxmin()]
    facilities = _features(groups[text["layer_facilities"]])
    assert facilities and not any(f["properties"].get("popup") for f in facilities)
    page = m.get_root().render()
    assert '"preferCanvas": true' in page
    note = text["map_overview_note"].format(areas=len(areas), limit=len(areas) - 1)
    legends = [c.legend_html for c in m._children.values() if hasattr(c, "legend_html")]
    assert len(legends) == 1 and html.escape(note) in legends[0]
    # the legend shows only what the overview draws; the whole map shows candidates and lines
    whole = next(c.legend_html for c in full._children.values() if hasattr(c, "legend_html"))
    for left_out in ("candidate_chosen", "line_resident"):
        assert html.escape(text[left_out]) in whole
        assert html.escape(text[left_out]) not in legends[0]


def test_census_residual_units_keep_their_own_outlines() -> None:
    """A census run's residual is its units (``cells`` = 0), not square blocks: merged, a
    unit became its bounding box (an L-shaped 街道 of 30,000 m² drawn as 40,000) and lost
    its id and name. Now a unit keeps its outline, id and name; units merged to the cap
    are their union; a raster's blocks stay boxes."""
    ell = shapely.Polygon([(0, 0), (200, 0), (200, 100), (100, 100), (100, 200), (0, 200)])
    units = gpd.GeoDataFrame(
        {
            "district_id": ["A", "A", "B"],
            "residual_people": [300.0, 100.0, 50.0],
            "cells": [0, 0, 0],
            "name": ["嘉陵街道", "东坝街道", "回龙村"],
        },
        geometry=[ell, box(200, 0, 300, 100), box(1000, 0, 1100, 100)],
        index=pd.Index(["U1", "U2", "U3"], name="block_id"),
        crs="EPSG:4544",
    )
    merged = coarsen_residual(units)
    assert merged.index.tolist() == ["U1", "U2", "U3"]
    assert merged["name"].tolist() == ["嘉陵街道", "东坝街道", "回龙村"]
    assert merged.geometry.iloc[0].equals(ell) and merged.geometry.iloc[0].area == 30_000.0
    # to the cap of one block per county: A's two units are their union, 40,000 m²
    capped = coarsen_residual(units, max_blocks=1)
    assert capped.index.tolist() == ["A-R1", "U3"]
    assert capped.geometry.iloc[0].equals(shapely.union_all([ell, box(200, 0, 300, 100)]))
    assert capped.geometry.area.tolist() == [40_000.0, 10_000.0]
    assert capped["residual_people"].tolist() == [400.0, 50.0]
    assert capped["name"].tolist() == ["嘉陵街道, 东坝街道", "回龙村"]
    # a raster's blocks (cells > 0) beside them stay the boxes of what they merge
    blocks = pd.concat([_grid("C", 2000.0, 2, 1.0), units.reset_index(drop=True)])
    mixed = coarsen_residual(gpd.GeoDataFrame(blocks, geometry="geometry", crs="EPSG:4544"))
    assert mixed.geometry.iloc[0].equals(box(2000, 0, 2100, 100))
    assert mixed.geometry.iloc[4].equals(ell)
