"""Street blocks from a layer of street centrelines (siting.inputs._street_blocks).

The grids are drawn in metres of UTM zone 50N (EPSG:32650), their streets 200 m apart
and running 50 m past the outer ones, so every block's land is worked out by hand: an
inner block 200 m × 200 m (40,000 m²), a strip between an outer street and the lines'
convex hull 200 m × 50 m (10,000 m²), a corner of the hull a right triangle of legs
50 m (1,250 m²).
"""

from __future__ import annotations

import collections
import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import rasterio
import shapely
from osmnx import features_from_xml
from rasterio.transform import from_origin

from benchmarks.street_blocks import geofabrik_roads
from siting.demand import estimate_demand, without_empty_blocks
from siting.errors import InputError, ScenarioError
from siting.inputs import load_inputs
from siting.inputs._street_blocks import blocks_of_lines
from siting.osm import STREET_BLOCK_ID_PREFIX, read_osm_layers
from siting.osm.blocks import non_residential_land
from siting.scenario import StreetBlocksSpec, load_scenario

UTM = "EPSG:32650"
X0, Y0 = 500_000.0, 3_546_000.0
SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
GK = "EPSG:4544"


def _street(a: tuple[float, float], b: tuple[float, float]) -> shapely.LineString:
    return shapely.LineString([(X0 + a[0], Y0 + a[1]), (X0 + b[0], Y0 + b[1])])


def _grid() -> list[shapely.LineString]:
    """Three streets each way, at 0, 200 and 400 m, each 50 m past the outer ones."""
    lines = [_street((-50, y), (450, y)) for y in (0, 200, 400)]
    return lines + [_street((x, -50), (x, 450)) for x in (0, 200, 400)]


def _areas(blocks: gpd.GeoDataFrame) -> list[tuple[int, int]]:
    """Each block size in whole m², with how many blocks have it."""
    return sorted(collections.Counter(round(float(a)) for a in blocks.area).items())


GRID = [(1_250, 4), (10_000, 8), (40_000, 4)]
"""The grid's blocks closed by the hull: 4 inner, 8 strips along it, 4 corners."""


def test_a_bureaus_class_column_bounds_blocks_by_every_class_but_its_expressways() -> None:
    # a 高速公路 across the southern blocks at y = 100 and a 快速路 across the northern
    # ones at y = 300, each from hull to hull
    lines = [*_grid(), _street((-50, 100), (450, 100)), _street((-50, 300), (450, 300))]
    classes = ["支路"] * 6 + ["高速公路", "城市快速路"]
    names = ["一路", "二路", "三路", "一街", "二街", "三街", "京昆高速", "快速路"]
    roads = gpd.GeoDataFrame({"道路等级": classes, "道路名称": names}, geometry=lines, crs=UTM)
    blocks, counts, said = blocks_of_lines(roads, crs=UTM)
    # the 快速路 cuts the two northern blocks and the two strips west and east of them in
    # halves: 2 blocks of 20,000 m² and 2 strips of 5,000 m² for one of each
    assert _areas(blocks) == [(1_250, 4), (5_000, 4), (10_000, 6), (20_000, 4), (40_000, 2)]
    assert counts.blocks == 20 and "the lines of every 道路等级 but 高速公路" in said
    assert blocks["area_id"].str.startswith(STREET_BLOCK_ID_PREFIX).all()
    # the block south-west of the grid's centre is named by its two streets (200 m each)
    inner = blocks.loc[blocks.area.round() == 40_000].geometry.centroid
    south_west = blocks.loc[inner.index[np.argmin(inner.x + inner.y)], "name"]
    assert south_west == "一街 / 一路"
    # without a class column every line bounds a block: the 高速公路 cuts the southern
    # blocks too
    unclassed = roads.rename(columns={"道路等级": "备注"})
    blocks, counts, said = blocks_of_lines(unclassed, crs=UTM)
    assert _areas(blocks) == [(1_250, 4), (5_000, 8), (10_000, 4), (20_000, 8)]
    assert "every line (the layer has no class column)" in said


def test_geofabriks_classes_bound_blocks_as_an_osm_files_do() -> None:
    # a footway across the southern blocks, a primary in a tunnel across the northern
    # ones, one street of the grid of Geofabrik's class "unknown" (OSM's highway=road) and
    # one of no class (a street, as the walking graph reads it)
    lines = [*_grid(), _street((-50, 100), (450, 100)), _street((-50, 300), (450, 300))]
    fclass = ["residential"] * 4 + ["", "unknown", "footway", "primary"]
    tunnel = ["F"] * 7 + ["T"]
    roads = gpd.GeoDataFrame({"fclass": fclass, "tunnel": tunnel}, geometry=lines, crs=UTM)
    blocks, counts, said = blocks_of_lines(roads, crs=UTM)
    assert _areas(blocks) == GRID
    assert counts.edge == 12 and "whose fclass is one of the road classes" in said
    # out of its tunnel, the primary cuts the northern blocks
    roads.loc[7, "tunnel"] = "F"
    blocks, _, _ = blocks_of_lines(roads, crs=UTM)
    assert _areas(blocks) == [(1_250, 4), (5_000, 4), (10_000, 6), (20_000, 4), (40_000, 2)]


def test_a_cad_drawings_lines_at_their_heights_give_flat_blocks() -> None:
    lines = [shapely.force_3d(line, 12.5) for line in _grid()]  # 12.5 m above the datum
    roads = gpd.GeoDataFrame({"道路名称": list("ABCDEF")}, geometry=lines, crs=UTM)
    blocks, _, _ = blocks_of_lines(roads, crs=UTM)
    assert _areas(blocks) == GRID and not blocks.geometry.has_z.any()


@pytest.fixture(scope="module")
def sample_ways(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample's OSM streets as Geofabrik hands them over: a Shapefile of a line per
    ``highway=*`` way, with ``fclass`` and ``name``, in EPSG:4326."""
    path = tmp_path_factory.mktemp("ways") / "gis_osm_roads_free_1.shp"
    geofabrik_roads(SAMPLE / "streets.osm").to_file(path, encoding="utf-8")
    return path


def test_the_samples_streets_as_a_layer_give_the_osm_files_blocks(sample_ways: Path) -> None:
    districts = gpd.read_file(SAMPLE / "city.gpkg", layer="districts").to_crs("EPSG:4326")
    outline = shapely.union_all(shapely.make_valid(districts.geometry.to_numpy()))
    osm = read_osm_layers(
        SAMPLE / "streets.osm",
        use=["areas"],
        areas_from=["blocks"],
        working_crs=GK,
        plan_outline=outline,
    ).areas
    assert osm is not None
    # the OSM file's blocks lose its 5 parks, and are closed by its box cut to the
    # districts' outline: given the same land and the same edge, the layer's blocks are
    # the file's, digest for digest (the same coordinates), name for name
    parks = non_residential_land(features_from_xml(SAMPLE / "streets.osm"))
    assert len(parks) == 5
    taken = np.asarray(gpd.GeoSeries(parks, crs="EPSG:4326").to_crs(GK).to_numpy(), dtype=object)
    box = shapely.box(105.7881428, 32.3783171, 105.8982629, 32.4897242)  # its <bounds>
    layer = gpd.read_file(sample_ways)
    same, _, _ = blocks_of_lines(
        layer, crs=GK, taken=taken, outline=shapely.intersection(box, outline)
    )
    assert len(same) == len(osm) == 457
    ours = same.set_index(same["area_id"].str.removeprefix(STREET_BLOCK_ID_PREFIX))
    theirs = osm.set_index(osm["area_id"].str.removeprefix("osm/block/"))
    assert set(ours.index) == set(theirs.index)
    ours = ours.loc[theirs.index]
    assert (ours["name"] == theirs["name"]).all()
    assert np.allclose(ours.area, theirs.area, rtol=0, atol=1e-6)
    # a run closes them by the districts' outline itself, which reaches past the box: the
    # blocks' land differs by no more than the districts' land outside the box
    run, _, _ = blocks_of_lines(layer, crs=GK, taken=taken, outline=outline)
    beyond = gpd.GeoSeries([shapely.difference(outline, box)], crs="EPSG:4326").to_crs(GK)
    assert len(run) == 457
    assert 0 < abs(run.area.sum() - osm.area.sum()) <= float(beyond.area.iloc[0])


def _population(path: Path) -> Path:
    """250 people in every 50 m cell from x = 50 to 150 and y = 50 to 350 m: 1,500 in
    each of the two western blocks, the raster 50 m inside their streets (a face's
    corners lie a few millimetres off the drawing's, its lines being straight in
    longitude and latitude)."""
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=2,
        height=6,
        count=1,
        dtype="float32",
        crs=UTM,
        transform=from_origin(X0 + 50, Y0 + 350, 50, 50),
    ) as dst:
        dst.write(np.full((6, 2), 250.0, dtype=np.float32), 1)
    return path


def _scenario(folder: Path, streets: str, *, areas: bool = False) -> Path:
    """The grid as a bureau's GBK Shapefile, its two western blocks peopled, a parcel of
    20 m × 20 m inside the south-western block, and with ``areas`` a residential area
    that is the north-western block."""
    roads = gpd.GeoDataFrame(
        {"道路名称": ["一路", "二路", "三路", "一街", "二街", "三街"]}, geometry=_grid(), crs=UTM
    )
    roads.to_file(folder / "道路中心线.shp", encoding="gbk")
    (folder / "道路中心线.cpg").unlink(missing_ok=True)
    _population(folder / "population.tif")
    layers = {  # the parcel 90–110 m each way, the area the north-western block
        "parcels": (
            {"site_id": "P1", "kind": "idle_land", "acquisition": "purchase"},
            shapely.box(X0 + 90, Y0 + 90, X0 + 110, Y0 + 110),
        ),
        "areas": (
            # a column of its own named source, which siting's source replaces
            {"area_id": "A1", "name": "西北小区", "status": "old", "source": "普查"},
            shapely.box(X0, Y0 + 200, X0 + 200, Y0 + 400),
        ),
    }
    for name, (row, square) in layers.items():
        frame = gpd.GeoDataFrame([row], geometry=[square], crs=UTM)
        frame.to_file(folder / f"{name}.geojson", driver="GeoJSON")
    path = folder / "scenario.toml"
    path.write_text(
        f'name = "grid"\ncrs = "{UTM}"\n[inputs]\npopulation = {{ path = "population.tif" }}\n'
        'parcels = { path = "parcels.geojson" }\n'
        + ('areas = { path = "areas.geojson" }\n' if areas else "")
        + f"streets = {streets}\n",
        encoding="utf-8",
    )
    return path


def test_street_blocks_are_the_areas_where_the_layer_gives_none(tmp_path: Path) -> None:
    entry = '{ path = "道路中心线.shp", encoding = "gbk", blocks = true }'
    scenario = load_scenario(_scenario(tmp_path, entry))
    assert scenario.inputs is not None
    assert scenario.inputs.street_blocks == StreetBlocksSpec(status="old")
    inputs = load_inputs(scenario.inputs, crs=scenario.crs)
    assert inputs.street_graph is not None
    # the grid's 16 blocks, the parcel's 400 m² out of the south-western one
    assert len(inputs.areas) == 16 and (inputs.areas["source"] == "streets").all()
    assert (inputs.areas["status"] == "old").all()
    assert sorted(round(a) for a in inputs.areas.area)[-4:] == [39_600, 40_000, 40_000, 40_000]
    assert any(n.startswith("streets: 16 street blocks from 道路中心线.shp") for n in inputs.notes)
    demand = estimate_demand(inputs, scenario=scenario)
    kept_inputs, kept = without_empty_blocks(inputs, demand)
    assert sorted(kept.areas["population"]) == pytest.approx([1500, 1500], abs=0.1)
    assert kept_inputs.notes[-1] == (
        "street blocks: 16 blocks hold 3,000 people of the population raster (100.0% of the "
        "3,000 the areas hold); 14 hold nobody (the raster is empty there or does not cover "
        "them) and are left out of the plan"
    )


def test_a_working_crs_picked_from_the_streets_layer_is_said_to_be_its(tmp_path: Path) -> None:
    """Without crs and without an areas layer, the blocks' layer gives the working CRS,
    and the note says whose it is (it said "the areas' own CRS")."""
    path = _scenario(tmp_path, '{ path = "道路中心线.shp", encoding = "gbk", blocks = true }')
    path.write_text(path.read_text(encoding="utf-8").replace(f'crs = "{UTM}"\n', ""), "utf-8")
    scenario = load_scenario(path)
    assert scenario.crs is None and scenario.inputs is not None
    inputs = load_inputs(scenario.inputs, crs=None)
    assert pyproj.CRS(inputs.crs) == pyproj.CRS(UTM) and inputs.crs_chosen
    (said,) = [n for n in inputs.notes if n.startswith("working CRS")]
    assert "the streets' own CRS" in said and "areas'" not in said


def test_street_blocks_fill_in_where_the_areas_layer_does_not_cover(tmp_path: Path) -> None:
    entry = '{ path = "道路中心线.shp", encoding = "gbk", blocks = true, block_status = "rural" }'
    scenario = load_scenario(_scenario(tmp_path, entry, areas=True))
    assert scenario.inputs is not None
    inputs = load_inputs(scenario.inputs, crs=scenario.crs)
    # the north-western block is the area A1's: 15 blocks are left
    assert inputs.areas["source"].value_counts().to_dict() == {"streets": 15, "layer": 1}
    blocks = inputs.areas.loc[inputs.areas["source"] == "streets"]
    assert (blocks["status"] == "rural").all()
    assert sorted(round(a) for a in blocks.area)[-3:] == [39_600, 40_000, 40_000]
    demand = estimate_demand(inputs, scenario=scenario)
    _, kept = without_empty_blocks(inputs, demand)
    # A1 holds the north-western cells' 1,500 people, the south-western block the others
    south_west = blocks.area.round().eq(39_600).idxmax()
    assert kept.areas["population"].to_dict() == pytest.approx(
        {"A1": 1500, south_west: 1500}, abs=0.1
    )


@pytest.mark.parametrize(
    ("streets", "message"),
    [
        ('{ path = "streets.osm", blocks = true }', r"For an OSM file's street blocks"),
        ('{ path = "道路中心线.shp", blocks = "yes" }', r"blocks must be true or false"),
        ('{ path = "道路中心线.shp", block_status = "old" }', r"not blocks = true"),
        (
            '{ path = "道路中心线.shp", blocks = true, block_status = "new" }',
            r"'inputs.streets.block_status' must be 'old' or 'rural', got 'new'",
        ),
        (
            '{ path = "道路中心线.shp", blocks = true, block_max_area_m2 = 500 }',
            r"'inputs.streets.block_max_area_m2' must be more than block_min_area_m2 "
            r"\(1000 m²\), got 500",
        ),
        ('{ path = "道路中心线.shp", block_min_width_m = 10 }', r"gives block_min_width_m"),
    ],
)
def test_the_blocks_keys_are_refused_where_they_make_no_blocks(
    tmp_path: Path, streets: str, message: str
) -> None:
    with pytest.raises(ScenarioError, match=message):
        load_scenario(_scenario(tmp_path, streets))


def test_street_blocks_keep_an_osm_files_areas_apart(sample_ways: Path, tmp_path: Path) -> None:
    """The sample with its areas layer, the OSM file's 12 residential polygons and the
    street blocks of its ways as a layer: each area keeps its source, and no block takes
    the land of an area of either."""
    for part in [*SAMPLE.iterdir(), *sample_ways.parent.glob("gis_osm_roads_free_1.*")]:
        if part.is_file():
            shutil.copy(part, tmp_path / part.name)
    text = (SAMPLE / "scenario.toml").read_text(encoding="utf-8")
    text = text.replace(
        'streets = "streets.osm"', 'streets = { path = "gis_osm_roads_free_1.shp", blocks = true }'
    )
    text += '\n[inputs.osm]\npath = "streets.osm"\nuse = ["areas"]\n'
    (tmp_path / "scenario.toml").write_text(text, encoding="utf-8")
    scenario = load_scenario(tmp_path / "scenario.toml")
    assert scenario.inputs is not None
    inputs = load_inputs(scenario.inputs, crs=scenario.crs)
    source = inputs.areas["source"].value_counts().to_dict()
    assert source["layer"] == 182 and source["osm"] == 12 and source["streets"] > 0
    blocks = inputs.areas.loc[inputs.areas["source"] == "streets"].geometry
    others = shapely.union_all(inputs.areas.loc[inputs.areas["source"] != "streets"].geometry)
    assert float(blocks.intersection(others).area.sum()) < 1.0  # m², of 62 km² of blocks


def test_a_layer_whose_lines_bound_no_block_and_no_areas_is_refused(tmp_path: Path) -> None:
    path = _scenario(tmp_path, '{ path = "道路中心线.shp", encoding = "gbk", blocks = true }')
    roads = gpd.read_file(tmp_path / "道路中心线.shp", encoding="gbk")
    roads["道路等级"] = "高速公路"  # expressways alone: no line bounds a block
    roads.to_file(tmp_path / "道路中心线.shp", encoding="gbk")
    scenario = load_scenario(path)
    assert scenario.inputs is not None
    with pytest.raises(InputError) as raised:
        load_inputs(scenario.inputs, crs=scenario.crs)
    problem = next(p for p in raised.value.problems if "no street block" in p.message)
    assert problem.file is not None and problem.file.endswith("道路中心线.shp")
    assert problem.fix is not None and "class column" in problem.fix


def test_the_entrys_block_sizes_choose_the_blocks_kept(tmp_path: Path) -> None:
    entry = '{ path = "道路中心线.shp", encoding = "gbk", blocks = true, block_min_area_m2 = 2000 }'
    scenario = load_scenario(_scenario(tmp_path, entry))
    assert scenario.inputs is not None
    inputs = load_inputs(scenario.inputs, crs=scenario.crs)
    # the hull's four corners of 1,250 m² are too small: the 4 inner blocks and 8 strips
    assert sorted(round(a) for a in inputs.areas.area)[:2] == [10_000, 10_000]
    assert len(inputs.areas) == 12
    note = next(n for n in inputs.notes if n.startswith("streets: 12 street blocks"))
    assert "4 with less than 2,000 m² of land wider than 20 m (inputs.streets." in note


@pytest.mark.parametrize("broken", ["no features", "no CRS"])
def test_a_blocks_layer_that_cannot_be_read_is_one_problem(tmp_path: Path, broken: str) -> None:
    """The layer read for its blocks and for the walking graph: a layer of 0 rows, or one
    without a .prj, was said twice, once by each read."""
    path = _scenario(tmp_path, '{ path = "道路中心线.shp", encoding = "gbk", blocks = true }')
    if broken == "no features":
        roads = gpd.read_file(tmp_path / "道路中心线.shp", encoding="gbk")
        roads.iloc[:0].to_file(tmp_path / "道路中心线.shp", encoding="gbk")
    else:
        (tmp_path / "道路中心线.prj").unlink()
    scenario = load_scenario(path)
    assert scenario.inputs is not None
    with pytest.raises(InputError) as raised:
        load_inputs(scenario.inputs, crs=scenario.crs)
    (problem,) = raised.value.problems
    assert problem.layer == "streets" and f"the layer has {broken}" in problem.message
    assert problem.file is not None and problem.file.endswith("道路中心线.shp")


def test_street_blocks_beside_a_xiaoqu_lists_points_in_districts(tmp_path: Path) -> None:
    """An area given as a point (a 小区 list's) and the street blocks, with a districts
    layer: the areas' points were aligned with the areas before the blocks were added,
    and assigning the districts failed on an assertion (a traceback, no problem)."""
    path = _scenario(
        tmp_path, '{ path = "道路中心线.shp", encoding = "gbk", blocks = true }', areas=True
    )
    point = shapely.Point(X0 + 100, Y0 + 300)  # the north-western block's centre
    area = {"area_id": "A1", "name": "西北小区", "status": "old"}
    gpd.GeoDataFrame([area], geometry=[point], crs=UTM).to_file(tmp_path / "areas.geojson")
    county = shapely.box(X0 - 100, Y0 - 100, X0 + 500, Y0 + 500)
    gpd.GeoDataFrame([{"district_id": "D1"}], geometry=[county], crs=UTM).to_file(
        tmp_path / "districts.geojson"
    )
    text = path.read_text(encoding="utf-8")
    path.write_text(text + 'districts = { path = "districts.geojson" }\n', encoding="utf-8")
    scenario = load_scenario(path)
    assert scenario.inputs is not None
    inputs = load_inputs(scenario.inputs, crs=scenario.crs)
    assert inputs.area_points is not None and list(inputs.area_points.index) == ["A1"]
    assert inputs.area_points["A1"].equals(point)
    assert inputs.areas.loc["A1", "source"] == "layer"
    assert (inputs.areas["source"] == "streets").sum() == len(inputs.areas) - 1 > 0
    assert (inputs.areas["district_id"] == "D1").all()


def test_load_frames_takes_the_blocks_of_a_frame_of_centrelines(tmp_path: Path) -> None:
    """An analyst's frames: the grid's centrelines as a GeoDataFrame with street_blocks
    give the grid's 16 blocks beside the one area (the north-western block's land, so its
    block is taken whole: 15 blocks added), the parcel's 400 m² out of its block; without
    centrelines, street_blocks is refused."""
    from siting.inputs import load_frames

    roads = gpd.GeoDataFrame({"道路名称": ["一路"] * 6}, geometry=_grid(), crs=UTM)
    area = gpd.GeoDataFrame(
        {"area_id": ["A1"], "status": ["old"]},
        geometry=[shapely.box(X0, Y0 + 200, X0 + 200, Y0 + 400)],
        crs=UTM,
    )
    parcel = gpd.GeoDataFrame(
        {"site_id": ["P1"], "kind": ["idle_land"], "acquisition": ["purchase"]},
        geometry=[shapely.box(X0 + 90, Y0 + 90, X0 + 110, Y0 + 110)],
        crs=UTM,
    )
    population = _population(tmp_path / "population.tif")
    inputs = load_frames(
        population=population, areas=area, parcels=parcel, streets=roads, street_blocks=True
    )
    blocks = inputs.areas[inputs.areas["source"] == "streets"]
    assert len(blocks) == 15 and (blocks["status"] == "old").all()
    assert _areas(blocks) == [(1_250, 4), (10_000, 8), (39_600, 1), (40_000, 2)]
    assert inputs.street_graph is not None and len(roads) == 6  # the caller's frame kept
    rural = load_frames(
        population=population,
        areas=area,
        parcels=parcel,
        streets=roads,
        street_blocks=StreetBlocksSpec(status="rural"),
    )
    assert (rural.areas.loc[rural.areas["source"] == "streets", "status"] == "rural").all()
    with pytest.raises(InputError, match="street_blocks needs a layer of street centrelines"):
        load_frames(population=population, areas=area, parcels=parcel, street_blocks=True)
