"""A layer handed over in pieces (siting.inputs._pieces): each county's file of its 小区
(``path`` a list of files), Geofabrik's points and polygons of one class in two layers of
one zip (``layer`` a list of layers), joined into one layer."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import re
import shutil
import zipfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from siting import gcj02
from siting.cli import main
from siting.demand import estimate_demand
from siting.errors import InputError, ScenarioError
from siting.inputs import check_inputs, load_inputs, read_layer
from siting.inputs._census import _read_census
from siting.inputs._problems import _Report
from siting.province.cache import CountyCache
from siting.report import write_report
from siting.report._labels import labels
from siting.report._said import said_lines
from siting.scenario import DatumShift, LayerPiece, LayerSpec, PopulationSpec, load_scenario

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
SAMPLE_AREAS = 'areas = { path = "city.gpkg", layer = "areas" }'
COUNTIES = {"510802": "利州区", "510812": "朝天区", "510811": "昭化区"}
"""The sample's districts (133, 28 and 21 areas), each handing over its own 小区."""


def _split_areas(folder: Path) -> list[str]:
    """The sample's areas as each county would send them: 利州区's a GBK Shapefile without
    .cpg and without the district and subdistrict columns (their names cut to ten
    characters), 朝天区's GeoJSON in EPSG:4326, 昭化区's a GeoPackage layer 小区."""
    areas = gpd.read_file(SAMPLE / "city.gpkg", layer="areas", engine="pyogrio")
    by = dict(tuple(areas.groupby("district_id")))
    lizhou = by["510802"].drop(columns=["district_id", "subdistrict_id"])
    lizhou = lizhou.rename(columns={"migrant_share": "migrant_sh"})
    lizhou.to_file(folder / "利州区小区.shp", encoding="gbk", engine="pyogrio")
    os.remove(folder / "利州区小区.cpg")  # as a Chinese desktop GIS saves it
    by["510812"].to_crs("EPSG:4326").to_file(folder / "朝天区小区.geojson", engine="pyogrio")
    by["510811"].to_file(folder / "昭化区.gpkg", layer="小区", engine="pyogrio")
    return ["利州区小区.shp", "朝天区小区.geojson", "昭化区.gpkg"]


def _scenario(folder: Path, areas: str, *, streets: bool = True) -> Path:
    """The sample's scenario in ``folder`` (its files copied there), its areas ``areas``."""
    for name in ("population.tif", "city.gpkg", "streets.osm"):
        shutil.copy(SAMPLE / name, folder / name)
    text = (SAMPLE / "scenario.toml").read_text(encoding="utf-8")
    assert SAMPLE_AREAS in text
    text = text.replace(SAMPLE_AREAS, areas)
    if not streets:
        text = text.replace('streets = "streets.osm"\n', "")
    (folder / "scenario.toml").write_text(text, encoding="utf-8")
    return folder / "scenario.toml"


@pytest.fixture(scope="module")
def split(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample's folder with its areas in three pieces, as three counties send them,
    encoding = "gbk" for 利州区's Shapefile (the GeoJSON and the GeoPackage say theirs)."""
    folder = tmp_path_factory.mktemp("split")
    files = _split_areas(folder)
    pieces = _toml(files)
    _scenario(folder, f'areas = {{ path = {pieces}, encoding = "gbk" }}')
    return folder


def test_three_counties_pieces_read_as_the_samples_one_layer(split: Path) -> None:
    """Three files in three formats and two CRSs (EPSG:4490, 4326) are the sample's 182
    areas: the same ids, columns and outlines (within a millimetre after EPSG:4326's round
    trip); 利州区's lack of district ids is filled from the districts, as a layer's is."""
    scenario = load_scenario(split / "scenario.toml")
    spec = scenario.inputs.areas
    assert spec is not None
    assert [(p.path.name, p.layer) for p in spec.pieces] == [
        ("利州区小区.shp", None),
        ("朝天区小区.geojson", None),
        ("昭化区.gpkg", None),
    ]
    joined = read_layer(spec, name="areas", crs="EPSG:4544")
    own = LayerSpec(path=SAMPLE / "city.gpkg", layer="areas")
    sample = read_layer(own, name="areas", crs="EPSG:4544")
    assert len(joined) == 182
    assert sorted(joined.index) == sorted(sample.index)
    joined = joined.loc[sample.index]
    for column in ("name", "status", "dwellings", "migrant_share"):
        pd.testing.assert_series_equal(joined[column], sample[column])
    assert joined.loc[sample["district_id"] == "510812", "district_id"].eq("510812").all()
    assert joined.loc[sample["district_id"] == "510802", "district_id"].isna().all()
    gaps = joined.geometry.hausdorff_distance(sample.geometry, align=False)
    assert float(gaps.max()) < 1e-3


@pytest.mark.slow
def test_the_sample_sent_by_three_counties_plans_to_the_sample(split: Path, tmp_path: Path) -> None:
    """The clean plan, 3,860 slots required, 228 short, 340,661,000 CNY (siting plan
    data/sample/scenario.toml); run.json and the report name every piece."""
    out = tmp_path / "out"
    assert main(["-q", "plan", str(split / "scenario.toml"), "--out", str(out), "--no-map"]) == 0
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    totals = run["totals"]
    assert round(totals["required_slots"]) == 3860
    assert round(totals["shortfall_slots"]) == 228
    assert totals["cost"] == 340_661_000
    pieces = [run["inputs"][role]["path"] for role in ("areas", "areas[2]", "areas[3]")]
    assert [Path(p).name for p in pieces] == ["利州区小区.shp", "朝天区小区.geojson", "昭化区.gpkg"]
    assert Path(run["inputs"]["areas.dbf"]["path"]).name == "利州区小区.dbf"
    assert len(run["scenario"]["inputs"]["areas"]["pieces"]) == 3
    markdown, _ = write_report(out, language="en")
    text = markdown.read_text(encoding="utf-8")
    assert "| areas [3] |" in text and "昭化区.gpkg" in text


def test_every_piece_is_in_the_resume_key(split: Path, tmp_path: Path) -> None:
    """--resume's county cache is keyed by the scenario, which holds every piece: a fourth
    county's file added is another key (the first piece alone is another still)."""
    three = load_scenario(split / "scenario.toml")
    text = (split / "scenario.toml").read_text(encoding="utf-8")
    (split / "four.toml").write_text(
        text.replace('"昭化区.gpkg"]', '"昭化区.gpkg", "苍溪县小区.shp"]'), encoding="utf-8"
    )
    four = load_scenario(split / "four.toml")
    assert four.inputs.areas is not None and len(four.inputs.areas.pieces) == 4
    paths = {CountyCache(tmp_path, scenario=s, hashes={})._path("510802") for s in (three, four)}
    assert len(paths) == 2


def _geofabrik(path: Path) -> Path:
    """Geofabrik's POIs in one zip: 4 points (2 community centres, a clinic, a pharmacy)
    and 4 polygons (2 parks, a community centre, a fuel station), osm_ids apart."""
    folder = path.parent / "geofabrik"
    folder.mkdir()
    points = [("101", "community_centre"), ("102", "clinic"), ("103", "community_centre"),
              ("104", "pharmacy")]  # fmt: skip
    polygons = [("201", "park"), ("202", "fuel"), ("203", "community_centre"), ("204", "park")]
    gpd.GeoDataFrame(
        {"osm_id": [p[0] for p in points], "fclass": [p[1] for p in points]},
        geometry=[shapely.Point(118.78 + 0.002 * i, 32.05) for i in range(4)],
        crs="EPSG:4326",
    ).to_file(folder / "gis_osm_pois_free_1.shp", encoding="UTF-8", engine="pyogrio")
    gpd.GeoDataFrame(
        {"osm_id": [p[0] for p in polygons], "fclass": [p[1] for p in polygons]},
        geometry=[
            shapely.box(118.78 + 0.002 * i, 32.06, 118.7805 + 0.002 * i, 32.0605) for i in range(4)
        ],
        crs="EPSG:4326",
    ).to_file(folder / "gis_osm_pois_a_free_1.shp", encoding="UTF-8", engine="pyogrio")
    with zipfile.ZipFile(path, "w") as archive:
        for file in sorted(folder.iterdir()):
            archive.write(file, file.name)
    return path


def test_geofabriks_points_and_polygons_are_one_parcels_layer(tmp_path: Path) -> None:
    """layer = [points, polygons] of one zip with where: the 2 community centres' points
    and the park and community centre polygons (5 of the 8, hand-counted), both kinds of
    geometry kept."""
    _geofabrik(tmp_path / "jiangsu-latest-free.shp.zip")
    spec = _entry(
        tmp_path,
        "parcels",
        "[inputs.parcels]\n"
        'path = "jiangsu-latest-free.shp.zip"\n'
        'layer = ["gis_osm_pois_free_1", "gis_osm_pois_a_free_1"]\n'
        "where = \"fclass IN ('community_centre','park')\"\n"
        'columns = { site_id = "osm_id", kind = "fclass" }\n'
        'values = { acquisition = "reuse" }',
    )
    assert [p.layer for p in spec.pieces] == ["gis_osm_pois_free_1", "gis_osm_pois_a_free_1"]
    parcels = read_layer(spec, name="parcels")
    assert sorted(parcels.index) == ["101", "103", "201", "203", "204"]
    assert parcels.geometry.geom_type.value_counts().to_dict() == {"Polygon": 3, "Point": 2}
    assert parcels["kind"].to_dict() == {
        "101": "community_centre",
        "103": "community_centre",
        "201": "park",
        "203": "community_centre",
        "204": "park",
    }
    assert parcels.loc[["101", "103"], "land_area_m2"].eq(0).all()
    assert (parcels.loc[["201", "203", "204"], "land_area_m2"] > 2_000).all()


def test_the_same_id_in_two_pieces_is_one_problem_naming_both(tmp_path: Path) -> None:
    """Two counties numbering their 小区 from A001 alike: one problem naming both files
    and the two ids the second repeats, never renumbered."""
    areas = gpd.read_file(SAMPLE / "city.gpkg", layer="areas", engine="pyogrio")
    first, second = areas.iloc[:5], areas.iloc[5:10].copy()
    second["area_id"] = ["A001", "A002", "X3", "X4", "X5"]  # A001, A002 are first's
    first.to_file(tmp_path / "利州区小区.gpkg", engine="pyogrio")
    second.to_file(tmp_path / "昭化区小区.gpkg", engine="pyogrio")
    assert first["area_id"].tolist()[:2] == ["A001", "A002"]
    spec = _areas_spec(tmp_path, ["利州区小区.gpkg", "昭化区小区.gpkg"])
    with pytest.raises(InputError) as raised:
        read_layer(spec, name="areas")
    (problem,) = raised.value.problems
    assert problem.file == f"{tmp_path / '利州区小区.gpkg'} and {tmp_path / '昭化区小区.gpkg'}"
    assert problem.ids == ("A001", "A002")
    assert problem.column == "area_id"
    assert problem.message == (
        "2 area_id values are in two pieces of the layer, 利州区小区.gpkg and 昭化区小区.gpkg; "
        "ids must be unique across a layer's pieces"
    )
    assert problem.fix is not None and "sent by both counties" in problem.fix


def test_pieces_without_ids_are_told_apart_by_their_file(tmp_path: Path) -> None:
    """Two files of building outlines without an id column (buildings may leave it out):
    every piece has a 'row 1', taken with its file's name."""
    boxes = [
        shapely.box(578_000 + 50 * i, 3_590_000, 578_020 + 50 * i, 3_590_020) for i in range(5)
    ]
    outlines = gpd.GeoDataFrame({"levels": [6, 6, 18, 2, 33]}, geometry=boxes, crs="EPSG:4544")
    outlines.iloc[:2].to_file(tmp_path / "a.gpkg", engine="pyogrio")
    outlines.iloc[2:].to_file(tmp_path / "b.gpkg", engine="pyogrio")
    spec = _entry(tmp_path, "buildings", 'buildings = { path = ["a.gpkg", "b.gpkg"] }')
    frame = read_layer(spec, name="buildings")
    assert frame["levels"].to_dict() == {
        "a.gpkg row 1": 6,
        "a.gpkg row 2": 6,
        "b.gpkg row 1": 18,
        "b.gpkg row 2": 2,
        "b.gpkg row 3": 33,
    }


def _entry(folder: Path, name: str, inputs: str) -> Any:
    """``[inputs.<name>]`` as a scenario in ``folder`` reads it, ``inputs`` its lines under
    ``[inputs]`` (a population, areas and parcels given where they give none)."""
    given = [
        f'{key} = {{ path = "{file}" }}'
        for key, file in (("population", "p.tif"), ("areas", "a.gpkg"), ("parcels", "p.gpkg"))
        if not re.search(rf"^{key} =|^\[inputs\.{key}\]", inputs, re.MULTILINE)
    ]
    (folder / "s.toml").write_text("[inputs]\n" + "\n".join([*given, inputs, ""]), "utf-8")
    return getattr(load_scenario(folder / "s.toml").inputs, name)


def _areas_spec(folder: Path, files: list[str]) -> LayerSpec:
    """``[inputs.areas]`` of ``files`` in ``folder``, as a scenario there reads it."""
    spec: LayerSpec = _entry(folder, "areas", f"areas = {{ path = {_toml(files)} }}")
    return spec


def _toml(files: list[str]) -> str:
    """A list of files as TOML writes it."""
    return json.dumps(files, ensure_ascii=False)


def test_a_bad_piece_is_a_problem_naming_its_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """利州区's GBK Shapefile without .cpg and a county's file that is not there: each a
    problem naming its own file, said by validate (the other pieces read)."""
    files = _split_areas(tmp_path)
    scenario = _scenario(
        tmp_path,
        f"areas = {{ path = {_toml([*files, '苍溪县小区.shp'])} }}",
        streets=False,
    )
    spec = load_scenario(scenario).inputs
    problems = check_inputs(spec).problems
    by_file = {Path(p.file or "").name: p for p in problems}
    assert sorted(by_file) == ["利州区小区.shp", "苍溪县小区.shp"], problems
    assert by_file["苍溪县小区.shp"].message == "the file does not exist"
    gbk = by_file["利州区小区.shp"]
    assert "it looks like GBK" in gbk.message
    assert main(["validate", str(scenario)]) == 2
    out = capsys.readouterr().out
    assert "2 problem(s):" in out
    assert "苍溪县小区.shp" in out and "利州区小区.shp" in out


@pytest.mark.parametrize(
    ("areas", "message"),
    [
        ("areas = { path = [] }", "'inputs.areas.path' is an empty list"),
        (
            "areas = { path = ['a.shp', 'b.shp', 'a.shp'] }",
            "[inputs.areas] names the piece a.shp twice",
        ),
        ("areas = { path = ['a.shp', 3] }", "'inputs.areas.path' must be a path string or a list"),
    ],
)
def test_a_bad_list_of_pieces_is_a_scenario_error(tmp_path: Path, areas: str, message: str) -> None:
    with pytest.raises(ScenarioError) as raised:
        _entry(tmp_path, "areas", areas)
    assert message in str(raised.value)


def test_files_and_layers_are_every_layer_of_every_file(tmp_path: Path) -> None:
    """Two provinces' Geofabrik zips, each with its points and polygons: four pieces."""
    spec = _entry(
        tmp_path, "parcels", 'parcels = { path = ["js.zip", "ah.zip"], layer = ["pois", "pois_a"] }'
    )
    assert [(p.path, p.layer) for p in spec.pieces] == [
        (tmp_path / "js.zip", "pois"),
        (tmp_path / "js.zip", "pois_a"),
        (tmp_path / "ah.zip", "pois"),
        (tmp_path / "ah.zip", "pois_a"),
    ]
    assert (spec.path, spec.layer) == (tmp_path / "js.zip", "pois")


def test_a_county_line_area_sent_by_both_counties_is_a_duplicate_geometry(
    tmp_path: Path,
) -> None:
    """朝天区's 小区 A1xx sent again by 昭化区 under its own id: the finding
    duplicate_geometries names the two ids (not a problem: two ids may be two places)."""
    files = _split_areas(tmp_path)
    zhaohua = gpd.read_file(tmp_path / "昭化区.gpkg", layer="小区", engine="pyogrio")
    chaotian = gpd.read_file(tmp_path / "朝天区小区.geojson", engine="pyogrio")
    copy = chaotian.iloc[[0]].to_crs(zhaohua.crs).assign(area_id="ZH-border")
    gpd.GeoDataFrame(pd.concat([zhaohua, copy]), crs=zhaohua.crs).to_file(
        tmp_path / "昭化区.gpkg", layer="小区", engine="pyogrio"
    )
    pieces = _toml(files)
    scenario = _scenario(
        tmp_path, f'areas = {{ path = {pieces}, encoding = "gbk" }}', streets=False
    )
    checked = check_inputs(load_scenario(scenario).inputs)
    assert checked.problems == ()
    (finding,) = [f for f in checked.findings if f.code == "duplicate_geometries"]
    assert finding.values["groups"] == [f"{chaotian['area_id'].iloc[0]} = ZH-border"]


def test_pieces_in_two_crss_with_one_datum_shift_are_a_problem(split: Path) -> None:
    """A datum_shift is one datum's: pieces in EPSG:4490 and 4326 cannot share it."""
    spec = load_scenario(split / "scenario.toml").inputs.areas
    assert spec is not None
    shifted = dataclasses.replace(spec, datum_shift=DatumShift(web_map="gcj02"))
    with pytest.raises(InputError) as raised:
        read_layer(shifted, name="areas")
    (problem,) = raised.value.problems
    assert problem.message.startswith(
        "the pieces are in different CRSs (利州区小区.shp in EPSG:4490; 朝天区小区.geojson in "
        "EPSG:4326; 昭化区.gpkg in EPSG:4490), and datum_shift"
    )


def test_a_piece_whose_filter_keeps_nothing_is_left_out_while_the_others_hold_some(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Geofabrik maps no park as a point: where = "fclass = 'park'" keeps the 2 park
    polygons, the points layer noted as holding none; a filter no piece keeps anything of
    is each piece's problem, as one layer's is."""
    zipped = _geofabrik(tmp_path / "jiangsu-latest-free.shp.zip")
    spec = LayerSpec(
        path=zipped,
        columns={"site_id": "osm_id", "kind": "fclass"},
        values={"acquisition": "reuse"},
        where="fclass = 'park'",
        pieces=(
            LayerPiece(zipped, "gis_osm_pois_free_1"),
            LayerPiece(zipped, "gis_osm_pois_a_free_1"),
        ),
    )
    with caplog.at_level(logging.INFO, logger="siting"):
        assert sorted(read_layer(spec, name="parcels").index) == ["201", "204"]
    said = [r.getMessage() for r in caplog.records]
    assert (
        "parcels: jiangsu-latest-free.shp.zip, layer gis_osm_pois_free_1 holds none of the "
        "layer's features, the other pieces do (where = \"fclass = 'park'\" under "
        "[inputs.parcels] keeps none of the layer's 4 features" in "\n".join(said)
    )
    assert (
        "parcels: joined 1 piece of its 2 (jiangsu-latest-free.shp.zip, layer "
        "gis_osm_pois_a_free_1: 2) into one layer of 2 features" in said
    )
    with pytest.raises(InputError) as raised:
        read_layer(dataclasses.replace(spec, where="fclass = 'school'"), name="parcels")
    assert [(p.file, p.file_layer) for p in raised.value.problems] == [
        (str(zipped / "gis_osm_pois_free_1.shp"), "gis_osm_pois_free_1"),
        (str(zipped / "gis_osm_pois_a_free_1.shp"), "gis_osm_pois_a_free_1"),
    ]
    assert raised.value.problems[0].message.startswith(
        "where = \"fclass = 'school'\" under [inputs.parcels] keeps none of the layer's 4 "
        "features; its column fclass holds 'community_centre'"
    )


def test_census_units_in_pieces_are_each_countys_units(tmp_path: Path) -> None:
    """七普 units sent by county (two 街道 in one GeoPackage, one in a Shapefile, 900, 600
    and 300 people): one layer of the three units, 1,800 people; the run's inputs name
    both files. A list of rasters is still the bands to stack."""
    units = gpd.GeoDataFrame(
        {"unit_id": ["U1", "U2", "U3"], "RK": [900.0, 600.0, 300.0]},
        geometry=[
            shapely.box(578_000 + 300 * i, 3_590_000, 578_300 + 300 * i, 3_590_100)
            for i in range(3)
        ],
        crs="EPSG:4544",
    )
    units.iloc[:2].to_file(tmp_path / "利州区七普.gpkg", layer="街道", engine="pyogrio")
    units.iloc[2:].to_file(tmp_path / "昭化区七普.shp", engine="pyogrio")
    population = _entry(
        tmp_path,
        "population",
        'population = { path = ["利州区七普.gpkg", "昭化区七普.shp"], column = "RK" }',
    )
    assert isinstance(population, PopulationSpec) and population.is_census
    report = _Report()
    read, _ = _read_census(population, report)
    assert report.problems == []
    assert read is not None and read["people"].to_dict() == {"U1": 900.0, "U2": 600.0, "U3": 300.0}
    assert set(report.files) == {"population", "population[2]", "population[2].dbf",
                                 "population[2].shx", "population[2].prj",
                                 "population[2].cpg"}  # fmt: skip
    with pytest.raises(ScenarioError, match="stack them as the bands of one virtual raster"):
        _entry(tmp_path, "population", 'population = { path = ["chn_t_00.tif", "chn_t_01.tif"] }')


def test_a_zipped_piece_with_its_own_cpg_is_read_by_it(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """encoding = "gbk" is for 利州区's Shapefile without .cpg; 昭化区 mailed its UTF-8
    Shapefile zipped in its folder, with a .cpg that says UTF-8. Its names were read as GBK
    (白龙家园 as 鐧介緳瀹跺洯, with only GDAL's note); they are read as its .cpg says."""
    frame = gpd.GeoDataFrame(
        {"area_id": ["L1", "Z1"], "name": ["利州苑", "白龙家园"], "status": ["old", "old"]},
        geometry=[shapely.box(0, 0, 100, 100), shapely.box(200, 0, 300, 100)],
        crs="EPSG:4544",
    )
    frame.iloc[[0]].to_file(tmp_path / "利州区小区.shp", encoding="gbk", engine="pyogrio")
    os.remove(tmp_path / "利州区小区.cpg")
    (tmp_path / "昭化区小区").mkdir()
    frame.iloc[[1]].to_file(tmp_path / "昭化区小区" / "昭化区小区.shp", engine="pyogrio")
    assert (tmp_path / "昭化区小区" / "昭化区小区.cpg").read_text() == "UTF-8"
    with zipfile.ZipFile(tmp_path / "昭化区小区.zip", "w") as archive:
        for part in sorted((tmp_path / "昭化区小区").iterdir()):
            archive.write(part, f"昭化区小区/{part.name}")
    shutil.rmtree(tmp_path / "昭化区小区")
    pieces = _toml(["利州区小区.shp", "昭化区小区.zip"])
    spec = _entry(tmp_path, "areas", f'areas = {{ path = {pieces}, encoding = "gbk" }}')
    with caplog.at_level(logging.INFO, logger="siting.inputs"):
        areas = read_layer(spec, name="areas")
    assert areas["name"].to_dict() == {"L1": "利州苑", "Z1": "白龙家园"}
    assert (
        "areas: read 昭化区小区.zip by its own encoding (its 昭化区小区.cpg in the zip says its "
        "encoding)" in caplog.text
    )


def test_a_piece_picked_on_gaode_is_found_though_joined_with_true_pieces(
    tmp_path: Path,
) -> None:
    """利州区 sends its 133 小区 as a list of points picked on Gaode (GCJ-02, labelled
    CGCS2000), the other counties their outlines in EPSG:4544. Joined in the first piece's
    CRS the list escaped the fit (behind the projected piece; measured with it, behind one
    in degrees): no finding. Measured alone, its catchments hold far more of the raster's
    people moved back 439 m; the finding names the piece, and its fix cannot be the
    entry's datum_shift, which would move the true outlines too."""
    areas = gpd.read_file(SAMPLE / "city.gpkg", layer="areas", engine="pyogrio")
    lizhou = areas["district_id"] == "510802"
    at = areas[lizhou].to_crs("EPSG:4544").representative_point().to_crs("EPSG:4490")
    lon, lat = gcj02.wgs84_to_gcj02(at.x.to_numpy(), at.y.to_numpy())
    table = pd.DataFrame(
        {"小区编号": areas["area_id"][lizhou], "类型": "老旧小区", "经度": lon, "纬度": lat}
    )
    table.to_csv(tmp_path / "利州区小区名录.csv", index=False, encoding="utf-8-sig")
    others = areas[~lizhou].to_crs("EPSG:4544")
    others.to_file(tmp_path / "昭化朝天小区.gpkg", engine="pyogrio")
    pieces = _toml(["昭化朝天小区.gpkg", "利州区小区名录.csv"])
    scenario = _scenario(
        tmp_path, f'areas = {{ path = {pieces}, crs = "EPSG:4490" }}', streets=False
    )
    checked = check_inputs(load_scenario(scenario).inputs, crs="EPSG:4544")
    assert checked.problems == ()
    (finding,) = [f for f in checked.findings if f.code.startswith("web_datum")]
    assert finding.code == "web_datum_fit_piece"
    values = finding.values
    assert (values["piece"], values["shift"], values["reference"]) == (
        "利州区小区名录.csv",
        "gcj02",
        "population",
    )
    assert (values["features"], values["measure"], values["crs"]) == (
        133,
        "people_held",
        "EPSG:4490",
    )
    assert values["moved"] > 1.5 * values["raw"] and values["rank_share"] <= 1e-3
    assert "areas: its piece 利州区小区名录.csv fits the population raster" in finding
    assert "move 利州区小区名录.csv back from GCJ-02 to WGS 84 before handing it over" in finding
    run = {"findings": [str(finding)], "finding_records": [finding.record()]}
    (zh,), english = said_lines(
        run, "findings", labels("zh"), language="zh", districts={}, unit="元"
    )
    assert english == []
    assert zh.startswith("居住区（areas）的分块 利州区小区名录.csv 疑似取自国内网络地图、为GCJ-02")


def test_a_xiaoqu_list_in_pieces_with_its_own_head_count_is_its_own_census(
    tmp_path: Path,
) -> None:
    """Two counties' 小区 lists (points with 常住人口), given as the areas and, with column,
    as the population: the areas' own counts, as one list is. Read as census units
    instead, each piece was refused (a table's points are no census polygons: "export the
    layer from GIS as a GeoPackage or Shapefile of polygons"), beside two findings telling
    the planner to give the population = { …, column = "常住人口" } just given."""
    areas = gpd.read_file(SAMPLE / "city.gpkg", layer="areas", engine="pyogrio")
    at = areas.to_crs("EPSG:4544").representative_point().to_crs("EPSG:4490")
    table = pd.DataFrame(
        {
            "小区编号": areas["area_id"],
            "类型": areas["status"].map({"new": "新建", "old": "老旧小区", "rural": "农村"}),
            "户数": areas["dwellings"],
            "常住人口": [1000 + 10 * i for i in range(len(areas))],
            "经度": at.x,
            "纬度": at.y,
        }
    )
    table.iloc[:100].to_csv(tmp_path / "利州区小区.csv", index=False, encoding="utf-8-sig")
    table.iloc[100:].to_csv(tmp_path / "昭化区小区.csv", index=False, encoding="utf-8-sig")
    pieces = _toml(["利州区小区.csv", "昭化区小区.csv"])
    scenario = _scenario(
        tmp_path, f'areas = {{ path = {pieces}, crs = "EPSG:4490" }}', streets=False
    )
    text = scenario.read_text(encoding="utf-8").replace(
        'population = { path = "population.tif" }',
        f'population = {{ path = {pieces}, column = "常住人口", crs = "EPSG:4490" }}',
    )
    scenario.write_text(text, encoding="utf-8")
    loaded = load_scenario(scenario)
    checked = check_inputs(loaded.inputs, crs=loaded.crs)
    assert checked.problems == ()
    assert [f.code for f in checked.findings if f.code.startswith("areas_")] == [
        "areas_as_points_own_counts"
    ]
    inputs = load_inputs(loaded.inputs, crs=loaded.crs)
    assert inputs.census_is_areas
    people = estimate_demand(inputs, scenario=loaded).areas["population"]
    old = table.set_index("小区编号")["类型"] != "新建"
    counts = table.set_index("小区编号")["常住人口"][old]
    assert people[counts.index].to_numpy() == pytest.approx(counts.to_numpy().astype(float))


def test_a_problem_found_after_the_join_names_the_pieces_holding_its_features(
    tmp_path: Path,
) -> None:
    """A district code no district has, found once the three counties' pieces are one
    layer: the problem names the file holding that 小区, not all three; two such 小区 in
    two files name those two."""
    areas = gpd.read_file(SAMPLE / "city.gpkg", layer="areas", engine="pyogrio")
    by = dict(tuple(areas.groupby("district_id")))
    names = {"510802": "利州区.gpkg", "510812": "朝天区.gpkg", "510811": "昭化区.gpkg"}
    lizhou, chaotian = by["510802"].copy(), by["510812"].copy()
    lizhou.loc[lizhou.index[3], "district_id"] = "510899"  # a code of no district
    wrong = str(lizhou["area_id"].iloc[3])
    for code, frame in (("510802", lizhou), ("510812", chaotian), ("510811", by["510811"])):
        frame.to_file(tmp_path / names[code], engine="pyogrio")
    scenario = _scenario(
        tmp_path, f"areas = {{ path = {_toml(list(names.values()))} }}", streets=False
    )
    (problem,) = check_inputs(load_scenario(scenario).inputs).problems
    assert problem.column == "district_id" and problem.ids == (wrong,)
    assert problem.file == str(tmp_path / "利州区.gpkg")
    chaotian.loc[chaotian.index[0], "district_id"] = "510898"
    chaotian.to_file(tmp_path / "朝天区.gpkg", engine="pyogrio")
    (problem,) = check_inputs(load_scenario(scenario).inputs).problems
    assert problem.file == f"{tmp_path / '利州区.gpkg'} and {tmp_path / '朝天区.gpkg'}"
    assert len(problem.ids) == 2
