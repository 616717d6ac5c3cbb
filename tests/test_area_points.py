"""A 小区 list's points in the outputs: the ``area_points`` layer of ``plan.gpkg`` and
``area_points.geojson`` hold each area given as a point at that point, with the figures
the ``areas`` layer gives its catchment, and the map draws them.

The expected coordinates are the list's own 经度/纬度 (read from the CSV the test wrote),
and the expected figures the areas layer's, row by row."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from shapely.geometry import Point, box

from siting.export import write_plan
from siting.handin.styles import layer_qml
from siting.maps import plan_map
from siting.pipeline import run_plan
from siting.plan import Plan, located_areas
from siting.report import labels
from siting.scenario import LayerSpec, load_scenario

FIGURES = ["required_slots", "served_slots", "shortfall_slots", "slots_per_1000", "population"]


@pytest.fixture(scope="module")
def listed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Plan]:
    """The sample planned from its areas as a 小区 table, and the folder it was written to."""
    from benchmarks.catchments import SAMPLE, sample_table

    folder = tmp_path_factory.mktemp("xiaoqu")
    csv = sample_table(folder)
    scenario = load_scenario(SAMPLE / "scenario.toml")
    spec = replace(scenario.inputs, areas=LayerSpec(path=csv, crs="EPSG:4490"))
    plan = run_plan(replace(scenario, inputs=spec))
    write_plan(plan, folder / "out", map_and_report=False)
    return csv, folder / "out", plan


def test_the_plan_keeps_each_xiaoqu_at_its_point_with_its_figures(
    listed: tuple[Path, Path, Plan],
) -> None:
    csv, out, _ = listed
    table = pd.read_csv(csv, dtype={"小区编号": str}, encoding="utf-8-sig").set_index("小区编号")
    layers = dict(pyogrio.list_layers(out / "plan.gpkg"))
    assert layers["area_points"] == "Point" and layers["areas"] == "Polygon"
    areas = gpd.read_file(out / "plan.gpkg", layer="areas").set_index("area_id")
    points = gpd.read_file(out / "plan.gpkg", layer="area_points").set_index("area_id")
    assert sorted(points.index) == sorted(table.index) == sorted(areas.index)
    # in the working CRS (EPSG:4544); back in CGCS2000 degrees, the list's own cells
    lonlat = points.geometry.to_crs("EPSG:4490")
    assert np.abs(lonlat.x - table["经度"].reindex(points.index)).max() < 1e-7
    assert np.abs(lonlat.y - table["纬度"].reindex(points.index)).max() < 1e-7
    # each point lies in its own catchment, and carries that catchment's figures
    assert points.geometry.within(areas.geometry.reindex(points.index)).all()
    for column in FIGURES:
        pd.testing.assert_series_equal(
            points[column], areas[column].reindex(points.index), check_names=False
        )
    web = gpd.read_file(out / "area_points.geojson").set_index("area_id")
    assert np.abs(web.geometry.x - table["经度"].reindex(web.index)).max() < 2e-7
    assert web["required_slots"].sum() == pytest.approx(areas["required_slots"].sum(), abs=0.1)


def test_the_map_draws_the_points_and_outlines_alone_write_none(
    listed: tuple[Path, Path, Plan],
) -> None:
    csv, out, plan = listed
    table = pd.read_csv(csv, encoding="utf-8-sig")
    m = plan_map(out, basemap="none")
    group = next(
        child
        for child in m._children.values()
        if getattr(child, "layer_name", "") == labels("zh")["layer_area_points"]
    )
    (layer,) = group._children.values()
    drawn = np.array([f["geometry"]["coordinates"] for f in layer.data["features"]])
    assert {f["geometry"]["type"] for f in layer.data["features"]} == {"Point"}
    assert len(drawn) == len(table) == 182
    given = table[["经度", "纬度"]].to_numpy()  # CGCS2000 degrees, drawn as WGS 84's
    # the map writes six decimals (0.1 m), the list seven
    assert np.abs(np.sort(drawn, axis=0) - np.sort(given, axis=0)).max() <= 5.5e-7
    outlines = replace(plan, area_points=None)
    write_plan(outlines, out.parent / "outlines", map_and_report=False)
    assert "area_points" not in dict(pyogrio.list_layers(out.parent / "outlines" / "plan.gpkg"))
    assert not (out.parent / "outlines" / "area_points.geojson").exists()


def test_located_areas_takes_the_points_of_the_areas_kept() -> None:
    areas = gpd.GeoDataFrame(
        {"required_slots": [1.0, 2.0, 3.0]},
        geometry=[box(0, 0, 10, 10), box(20, 0, 30, 10), box(40, 0, 50, 10)],
        index=pd.Index(["a", "b", "c"], name="area_id"),
        crs="EPSG:4544",
    )
    # b was an outline; d was left out after its point was read
    given = gpd.GeoSeries([Point(5, 5), Point(45, 5), Point(99, 9)], index=["a", "c", "d"])
    located = located_areas(areas, given.set_crs("EPSG:4544"))
    assert located is not None
    assert list(located.index) == ["a", "c"]
    assert list(located["required_slots"]) == [1.0, 3.0]
    assert [(p.x, p.y) for p in located.geometry] == [(5.0, 5.0), (45.0, 5.0)]
    assert located_areas(areas, None) is None
    assert located_areas(areas, given.loc[["d"]].set_crs("EPSG:4544")) is None


def test_the_points_style_is_the_areas_bands_as_circles() -> None:
    frame = gpd.GeoDataFrame(geometry=[Point(0, 0)], crs="EPSG:4544")
    areas = ET.fromstring(layer_qml("areas", frame).split("\n", 1)[1])
    points = ET.fromstring(layer_qml("area_points", frame).split("\n", 1)[1])
    area_rules = [r.get("filter") for r in areas.iter("rule")]
    point_rules = [r.get("filter") for r in points.iter("rule")]
    assert point_rules == area_rules[:5]  # the bands, without the shortfall outline
    assert {s.get("type") for s in points.iter("symbol")} == {"marker"}
    assert points.findtext("layerGeometryType") == "0"
