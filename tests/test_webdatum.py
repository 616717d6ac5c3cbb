"""Layers on Chinese web maps' datums, GCJ-02 and BD-09: ``datum_shift = "gcj02"`` or
``"bd09"`` moves them back to WGS 84 (siting.inputs._datum, siting.gcj02), and a layer
that looks drawn on such a map without the key is a finding."""

from __future__ import annotations

import json
import warnings
from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Geod
from shapely.geometry import Point

from siting.cli import main
from siting.errors import InputError
from siting.gcj02 import (
    bd09_to_gcj02,
    bd09_to_wgs84,
    gcj02_to_bd09,
    geometry_to_bd09,
    geometry_to_gcj02,
    in_china,
    wgs84_to_bd09,
)
from siting.inputs import load_inputs, read_layer
from siting.pipeline import prepare
from siting.report._labels import labels
from siting.report._said import said_lines
from siting.scenario import DatumShift, LayerSpec, load_scenario

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
GK = "EPSG:4544"
GEOD = Geod(ellps="WGS84")
TO_WEB_MAP = {"gcj02": geometry_to_gcj02, "bd09": geometry_to_bd09}

# wandergis/coordtransform, README.md and test/app.js (commit 242324636abd): from
# (116.404, 39.915), gcj02tobd09 -> [116.41036949371029, 39.92133699351021] and
# bd09togcj02 -> [116.39762729119315, 39.90865673957631] (the library's one-step inverse).
COORDTRANSFORM_GCJ = (116.404, 39.915)
COORDTRANSFORM_BD = (116.41036949371029, 39.92133699351021)
COORDTRANSFORM_BACK = (116.39762729119315, 39.90865673957631)
# googollee/eviltransform, matlab/test/testSuite.m (gcj2bdTest, bd2gcjTest): BD-09
# (39.90851 N, 116.43351 E) is GCJ-02 (39.90245 N, 116.42703 E), to its five decimals.
EVILTRANSFORM_BD = (116.43351, 39.90851)
EVILTRANSFORM_GCJ = (116.42703, 39.90245)


# --------------------------------------------------------------------------- the transforms


def test_gcj02_to_bd09_matches_coordtransform() -> None:
    lon, lat = gcj02_to_bd09(*COORDTRANSFORM_GCJ)
    assert (lon, lat) == pytest.approx(COORDTRANSFORM_BD, abs=1e-12)
    lon, lat = gcj02_to_bd09(*EVILTRANSFORM_GCJ)
    assert (lon, lat) == pytest.approx(EVILTRANSFORM_BD, abs=1e-5)
    assert bd09_to_gcj02(*EVILTRANSFORM_BD) == pytest.approx(EVILTRANSFORM_GCJ, abs=1e-5)


def test_bd09_to_gcj02_inverts_the_closed_form_exactly() -> None:
    """coordtransform's inverse subtracts the nudges at the BD-09 point, 2-4·10⁻⁷° off
    here; the iteration's answer goes forward to the BD-09 point it came from."""
    lon, lat = bd09_to_gcj02(*COORDTRANSFORM_GCJ)
    assert (lon, lat) == pytest.approx(COORDTRANSFORM_BACK, abs=1e-6)
    assert gcj02_to_bd09(lon, lat) == pytest.approx(COORDTRANSFORM_GCJ, abs=1e-12)
    assert gcj02_to_bd09(*COORDTRANSFORM_BACK) != pytest.approx(COORDTRANSFORM_GCJ, abs=1e-7)


def test_round_trips_over_china_to_1e7_degrees() -> None:
    grid = np.meshgrid(np.linspace(73.5, 134.5, 62), np.linspace(18.5, 53.5, 36))
    lon, lat = grid[0].ravel(), grid[1].ravel()
    assert in_china(lon, lat).all()
    for forward, inverse in ((gcj02_to_bd09, bd09_to_gcj02), (wgs84_to_bd09, bd09_to_wgs84)):
        there = forward(lon, lat)
        back = inverse(*there)
        assert np.abs(back[0] - lon).max() < 1e-7 and np.abs(back[1] - lat).max() < 1e-7
        again = forward(*back)
        assert np.abs(again[0] - there[0]).max() < 1e-7
        assert np.abs(again[1] - there[1]).max() < 1e-7


def test_bd09_moves_guangyuan_about_1_km_and_nothing_outside_china() -> None:
    lon, lat = 105.843, 32.435  # the city government (DOMAIN.md §5)
    _, _, metres = GEOD.inv(lon, lat, *wgs84_to_bd09(lon, lat))
    assert metres == pytest.approx(1046.8, abs=1.0)
    naples = (14.25, 40.85)
    assert gcj02_to_bd09(*naples) == naples and bd09_to_wgs84(*naples) == naples


# --------------------------------------------------------------------------- the sample's layers


def web_map_copy(layer: str, datum: str, path: Path) -> Path:
    """The sample's ``layer`` as a web map would hand it over: every vertex moved to
    ``datum`` by siting.gcj02's forward transform, in a GeoJSON that says WGS 84."""
    frame = gpd.read_file(SAMPLE / "city.gpkg", layer=layer)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        TO_WEB_MAP[datum](frame).to_file(path, engine="pyogrio")
    return path


@pytest.mark.parametrize("datum", ["gcj02", "bd09"])
def test_the_samples_layers_come_back_to_within_a_centimetre(tmp_path: Path, datum: str) -> None:
    """Districts (polygons) and facilities (points) moved into the web map's datum and read
    with the key lie within 0.01 m of the originals in the working CRS; without it, 438 m
    (GCJ-02) or about 1,045 m (BD-09) away."""
    off = {"gcj02": (437.0, 440.0), "bd09": (1029.0, 1051.0)}[datum]
    for layer in ("districts", "facilities"):
        original = read_layer(LayerSpec(path=SAMPLE / "city.gpkg", layer=layer), name=layer, crs=GK)
        path = web_map_copy(layer, datum, tmp_path / f"{layer}.geojson")
        back = read_layer(LayerSpec(path=path, datum_shift=DatumShift(web_map=datum)), name=layer)
        assert back.crs is not None and back.crs.to_epsg() == 4326  # no working CRS: kept
        back = read_layer(
            LayerSpec(path=path, datum_shift=DatumShift(web_map=datum)), name=layer, crs=GK
        )
        assert list(back.index) == list(original.index)
        apart = shapely.hausdorff_distance(original.geometry.values, back.geometry.values)
        assert apart.max() < 0.01
        unshifted = read_layer(LayerSpec(path=path), name=layer, crs=GK)
        apart = shapely.hausdorff_distance(original.geometry.values, unshifted.geometry.values)
        assert off[0] < apart.min() and apart.max() < off[1]


def points(path: Path, xy: list[tuple[float, float]], crs: str) -> Path:
    gpd.GeoDataFrame(
        {"facility_id": [f"F{i}" for i in range(len(xy))], "slots": [80] * len(xy)},
        geometry=[Point(x, y) for x, y in xy],
        crs=crs,
    ).to_file(path)
    return path


@pytest.mark.parametrize(
    ("shift", "xy", "crs", "said"),
    [
        # projected metres: the key moves degrees
        ("gcj02", [(579_000.0, 3_590_000.0)], GK, "the layer's CRS EPSG:4544"),
        # Naples: no web map shifts anything there
        ("gcj02", [(14.25, 40.85)], "EPSG:4326", "lies wholly outside China"),
        ("wgs84", [(105.84, 32.43)], "EPSG:4326", "names no web map's datum"),
    ],
)
def test_a_key_that_cannot_apply_is_a_problem_naming_it(
    tmp_path: Path, shift: str, xy: list[tuple[float, float]], crs: str, said: str
) -> None:
    spec = LayerSpec(
        path=points(tmp_path / "f.gpkg", xy, crs), datum_shift=DatumShift(web_map=shift)
    )
    with pytest.raises(InputError) as caught:
        read_layer(spec, name="facilities", crs=GK)
    (problem,) = caught.value.problems
    assert problem.layer == "facilities" and said in problem.message
    assert f'datum_shift = "{shift}" under [inputs.facilities]' in problem.message
    both = LayerSpec(
        path=spec.path, datum_shift=DatumShift(web_map="gcj02", towgs84=(15.0, -150.0, -80.0))
    )
    with pytest.raises(InputError, match="gives both web_map and towgs84"):
        read_layer(both, name="facilities", crs=GK)


def test_the_scenario_reads_datum_shift_as_a_web_maps_name(tmp_path: Path) -> None:
    (tmp_path / "s.toml").write_text(
        "[inputs]\n"
        'population = { path = "pop.tif" }\n'
        'areas = { path = "a.gpkg", datum_shift = "GCJ-02" }\n'
        'parcels = { path = "p.gpkg", datum_shift = "bd09" }\n',
        encoding="utf-8",
    )
    inputs = load_scenario(tmp_path / "s.toml").inputs
    assert inputs is not None and inputs.areas is not None and inputs.parcels is not None
    assert inputs.areas.datum_shift == DatumShift(web_map="GCJ-02")
    assert inputs.parcels.datum_shift == DatumShift(web_map="bd09")
    # "GCJ-02" is read as gcj02
    path = points(tmp_path / "f.gpkg", [(105.85, 32.44)], "EPSG:4326")
    frame = read_layer(
        LayerSpec(path=path, datum_shift=inputs.areas.datum_shift), name="facilities", crs=GK
    )
    same = read_layer(
        LayerSpec(path=path, datum_shift=DatumShift(web_map="gcj02")), name="facilities", crs=GK
    )
    assert frame.geometry.iloc[0].equals(same.geometry.iloc[0])


# --------------------------------------------------------------------------- the finding


DATAV = {
    "center": [105.826194, 32.432276],
    "centroid": [105.759939, 32.444899],
    "childrenNum": 0,
    "level": "district",
    "parent": {"adcode": 510800},
    "subFeatureIndex": 0,
    "acroutes": [100000, 510000, 510800],
}
"""Aliyun DataV.GeoAtlas's properties beside adcode and name (as in
../shared/data/admin/guangyuan-510800-counties.json, 利州区)."""


def datav_districts(path: Path, *, properties: bool) -> Path:
    """The sample's districts in GCJ-02 as DataV writes its GeoJSON: adcode (a number),
    name and, with ``properties``, DataV's other properties."""
    frame = gpd.read_file(SAMPLE / "city.gpkg", layer="districts")
    moved = geometry_to_gcj02(frame)
    features = []
    for row, geometry in zip(frame.itertuples(), moved.geometry, strict=True):
        said = {"adcode": int(row.district_id), "name": row.name}
        features.append(
            {
                "type": "Feature",
                "properties": {**said, **(DATAV if properties else {})},
                "geometry": shapely.geometry.mapping(geometry),
            }
        )
    path.write_text(
        json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8"
    )
    return path


@pytest.mark.parametrize(
    ("file", "properties", "clues"),
    [
        ("districts.json", True, ["adcode", "center", "centroid", "childrenNum"]),
        ("510800_full.json", False, ["510800_full.json"]),
    ],
)
def test_a_datav_geojson_without_the_key_is_a_finding(
    tmp_path: Path, file: str, properties: bool, clues: list[str]
) -> None:
    """DataV's boundaries are GCJ-02 though GeoJSON says WGS 84: its columns, or its file
    name, say so. With the key the layer comes back and nothing is found."""
    scenario = load_scenario(SAMPLE / "scenario.toml")
    assert scenario.inputs is not None
    path = datav_districts(tmp_path / file, properties=properties)
    layer = LayerSpec(path=path, columns={"district_id": "adcode"})
    spec = replace(scenario.inputs, streets=None, districts=layer)
    (finding,) = load_inputs(spec, crs=GK).findings
    assert finding.code == "web_datum_unshifted"
    assert finding.values["clues"][: len(clues)] == clues
    assert finding.values["offset_m"] == 438
    assert 'add datum_shift = "gcj02" under [inputs.districts]' in finding
    run = {"findings": [str(finding)], "finding_records": [finding.record()]}
    (zh,), english = said_lines(
        run, "findings", labels("zh"), language="zh", districts={}, unit="元"
    )
    assert english == []
    assert zh.startswith("区县（districts）疑似取自国内网络地图、坐标为GCJ-02（国测局加密）坐标")
    assert "约438米" in zh and '[inputs.districts] 下加 datum_shift = "gcj02"' in zh
    shifted = replace(layer, datum_shift=DatumShift(web_map="gcj02"))
    assert load_inputs(replace(spec, districts=shifted), crs=GK).findings == ()
    # the sample's own districts (a GeoPackage in EPSG:4490, siting's names) say nothing
    assert load_inputs(replace(spec, districts=scenario.inputs.districts), crs=GK).findings == ()


def test_a_crs_named_for_baidu_is_a_finding_for_bd09(tmp_path: Path) -> None:
    """A .prj some tools write for Baidu's coordinates: WGS 84 by its numbers, BD09 by name."""
    crs = 'GEOGCRS["BD09",DATUM["World Geodetic System 1984",ELLIPSOID["WGS 84",6378137,298.257223563]],CS[ellipsoidal,2],AXIS["longitude",east],AXIS["latitude",north],ANGLEUNIT["degree",0.0174532925199433]]'  # noqa: E501
    scenario = load_scenario(SAMPLE / "scenario.toml")
    assert scenario.inputs is not None
    path = points(tmp_path / "f.gpkg", [(105.86, 32.45)], crs)
    spec = replace(scenario.inputs, streets=None, facilities=LayerSpec(path=path))
    (finding,) = load_inputs(spec, crs=GK).findings
    assert finding.code == "web_datum_unshifted" and finding.values["shift"] == "bd09"
    assert finding.values["clues"] == ["BD09"]


# --------------------------------------------------------------------------- the plan


CLEAN_REACH = {
    "A015": "F01",
    "A027": "F07",
    "A053": "F02",
    "A060": "F09",
    "A072": "F06",
    "A092": "F03",
    "A158": "F10",  # rural, 540 m of the 1,000 m
    "A173": "F08",
}
"""The sample's areas with an existing facility within walking reach, and which
(``siting.pipeline.prepare("data/sample/scenario.toml").access.pairs``)."""


@pytest.mark.slow
def test_the_sample_plan_with_gcj02_facilities_and_the_key_is_the_clean_plan(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The sample's facilities handed over in GCJ-02 and read with the key: the plan is the
    clean one (siting plan data/sample/scenario.toml: 3,860 slots required, 228 short,
    340,661,000 CNY). Without the key they lie 438 m off: seven of the eight areas with an
    existing facility within walking reach lose it, and three others gain one they do not
    have."""
    web_map_copy("facilities", "gcj02", tmp_path / "facilities.geojson")
    text = (SAMPLE / "scenario.toml").read_text(encoding="utf-8")
    text = text.replace('"population.tif"', json.dumps(str(SAMPLE / "population.tif")))
    text = text.replace('"streets.osm"', json.dumps(str(SAMPLE / "streets.osm")))
    text = text.replace('"city.gpkg"', json.dumps(str(SAMPLE / "city.gpkg")))
    text = text.replace(
        f'facilities = {{ path = {json.dumps(str(SAMPLE / "city.gpkg"))}, layer = "facilities" }}',
        'facilities = { path = "facilities.geojson", datum_shift = "gcj02" }',
    )
    assert 'datum_shift = "gcj02"' in text
    (tmp_path / "scenario.toml").write_text(text, encoding="utf-8")
    out = tmp_path / "plan"
    assert main(["-q", "plan", str(tmp_path / "scenario.toml"), "--out", str(out), "--no-map"]) == 0
    capsys.readouterr()
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    totals = run["totals"]
    assert not any(r and r["code"] == "web_datum_unshifted" for r in run["finding_records"])
    assert round(totals["required_slots"]) == 3860 and round(totals["shortfall_slots"]) == 228
    assert (totals["cost"], totals["planned_slots"]) == (340_661_000.0, 6156.0)
    assert totals["facilities_existing"] == 10

    scenario = load_scenario(tmp_path / "scenario.toml")
    assert scenario.inputs is not None and scenario.inputs.facilities is not None
    unshifted = replace(scenario.inputs.facilities, datum_shift=None)
    prepared = prepare(replace(scenario, inputs=replace(scenario.inputs, facilities=unshifted)))
    # a plain facilities.geojson: nothing in its name, CRS or columns says GCJ-02, but 5
    # of the 10 lie in a residential area as given, 10 moved back (tests/test_webfit.py)
    assert [f.code for f in prepared.inputs.findings] == ["web_datum_fit"]
    assert prepared.inputs.facilities is not None
    pairs = prepared.access.pairs
    existing = pairs[pairs["site_id"].isin(prepared.inputs.facilities.index)]
    reach = dict(zip(existing["demand_id"], existing["site_id"], strict=True))
    assert {a: f for a, f in reach.items() if CLEAN_REACH.get(a) == f} == {"A158": "F10"}
    assert sorted(set(reach) - set(CLEAN_REACH)) == ["A068", "A086", "A125"]


def test_a_plans_layer_read_back_with_a_web_maps_key_is_a_problem(tmp_path: Path) -> None:
    """A plan's facilities.geojson fed to next year's run with this year's
    datum_shift = "gcj02" left in: siting wrote it in WGS 84, so the key would move it a
    second time, 480 m off. Before, it was moved without a word (the sample's facilities
    then no longer stood on their parcels, which was all that showed)."""
    path = tmp_path / "facilities.geojson"
    gpd.GeoDataFrame(  # as a plan writes them: site_id, acquisition, slots_source
        {
            "site_id": ["F1"],
            "slots": [80],
            "acquisition": ["existing"],
            "slots_source": ["layer"],
        },
        geometry=[Point(105.84, 32.43)],
        crs="EPSG:4326",
    ).to_file(path)
    spec = LayerSpec(path=path, datum_shift=DatumShift(web_map="gcj02"))
    with pytest.raises(InputError) as caught:
        read_layer(spec, name="facilities", crs=GK)
    (problem,) = caught.value.problems
    assert problem.layer == "facilities" and problem.file == str(path)
    assert "written by siting (its column site_id)" in problem.message
    assert problem.fix.startswith("leave datum_shift out of [inputs.facilities]")
    read_layer(replace(spec, datum_shift=None), name="facilities", crs=GK)  # as it is: fine
