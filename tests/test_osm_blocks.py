"""Tests of siting.osm.blocks: residential areas from the land the streets enclose.

The hand-made files are drawn in metres of UTM zone 50N (EPSG:32650) on its central
meridian (117°E, west of Nanjing), where the drawing's axes and those of longitude and
latitude agree (within 2 cm over the drawing), and written as lon/lat with nine decimals
(0.1 mm), so every expected area is worked out by hand on the metric drawing, a box in
lon/lat round it included.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import rasterio
import shapely
import shapely.affinity
from rasterio.transform import from_origin

from benchmarks.blocks import touched_people
from siting._osmxml import extract_box
from siting.cli import main
from siting.demand import Demand, estimate_demand, without_empty_blocks
from siting.errors import InputError, ScenarioError
from siting.gcj02 import wgs84_to_gcj02
from siting.inputs import Inputs, load_inputs, validate
from siting.osm import (
    BLOCK_HIGHWAYS,
    BLOCK_ID_PREFIX,
    BlockRules,
    OsmLayers,
    read_osm_layers,
    street_blocks,
)
from siting.plan import verify
from siting.scenario import (
    OSM_BLOCK_HIGHWAYS,
    InputsSpec,
    OsmSpec,
    RasterSpec,
    load_scenario,
)

UTM = "EPSG:32650"
X0, Y0 = 500_000.0, 3_546_000.0  # 117°E 32.04°N, in EPSG:32650
_TO_LONLAT = pyproj.Transformer.from_crs(UTM, "EPSG:4326", always_xy=True)

Square = tuple[float, float, float, float]


def grid_osm(
    path: Path,
    *,
    residential: Square | None = None,
    residential_outline: list[tuple[float, float]] | None = None,
    parks: tuple[Square, ...] = (),
    footway: bool = False,
    dual_carriageway: bool = False,
    bounds: Square | None = None,
    kindergartens: tuple[tuple[float, float], ...] = (),
) -> Path:
    """A 2 × 2 street grid: streets at x and y = 0, 200 and 400 m, each running 10 m
    past the last crossing, so four blocks of 200 m × 200 m = 40,000 m². The file's
    nodes (its box, as it has no ``<bounds>``) end there: the land beyond the outermost
    streets is a ring 10 m wide, of 12 faces (two along each street's end, four in the
    corners), too narrow for a block.

    ``residential`` and ``parks`` are ``(west, south, east, north)`` squares in metres
    tagged ``landuse=residential`` and ``leisure=park``; ``residential_outline`` is a
    residential polygon's outline in metres. ``footway`` adds a footway, a
    service road and a primary road in a tunnel across the north-west block, none of
    which cut it. ``dual_carriageway`` adds a second carriageway 15 m north of the
    middle street, leaving two strips of 200 m × 15 m between them and the northern
    blocks 185 m deep. ``bounds`` is the file's ``<bounds>``, a square in metres.
    ``kindergartens`` are ``(x, y)`` points in metres tagged ``amenity=kindergarten``.
    """
    nodes: list[str] = []
    ways: list[str] = []
    ids = iter(range(1, 10_000))

    def node(x: float, y: float) -> int:
        lon, lat = _TO_LONLAT.transform(X0 + x, Y0 + y)
        i = next(ids)
        nodes.append(f"<node id='{i}' lat='{lat:.9f}' lon='{lon:.9f}'/>")
        return i

    def way(points: list[tuple[float, float]], tags: dict[str, str], *, ring: bool) -> None:
        refs = [node(x, y) for x, y in points]
        if ring:
            refs.append(refs[0])
        body = "".join(f"<nd ref='{r}'/>" for r in refs)
        body += "".join(f"<tag k='{k}' v='{v}'/>" for k, v in tags.items())
        ways.append(f"<way id='{500 + len(ways)}'>{body}</way>")

    names = ("南街", "中街", "北街")
    for k, at in enumerate((0.0, 200.0, 400.0)):
        way([(-10, at), (410, at)], {"highway": "residential", "name": names[k]}, ring=False)
        way([(at, -10), (at, 410)], {"highway": "residential", "name": f"{k + 1}号路"}, ring=False)
    if footway:
        way([(100, 200), (100, 400)], {"highway": "footway"}, ring=False)
        way([(-5, 300), (205, 300)], {"highway": "service"}, ring=False)
        way([(50, 170), (50, 410)], {"highway": "primary", "tunnel": "yes"}, ring=False)
    if dual_carriageway:
        way([(-10, 215), (410, 215)], {"highway": "primary", "oneway": "yes"}, ring=False)

    def square(box: Square, tags: dict[str, str]) -> None:
        west, south, east, north = box
        way([(west, south), (east, south), (east, north), (west, north)], tags, ring=True)

    if residential is not None:
        square(residential, {"landuse": "residential", "name": "小区"})
    if residential_outline is not None:
        way(residential_outline, {"landuse": "residential", "name": "小区"}, ring=True)
    for park in parks:
        square(park, {"leisure": "park"})
    for x, y in kindergartens:
        node(x, y)
        nodes[-1] = nodes[-1].replace("/>", "><tag k='amenity' v='kindergarten'/></node>")
    box = []
    if bounds is not None:
        west, south = _TO_LONLAT.transform(X0 + bounds[0], Y0 + bounds[1])
        east, north = _TO_LONLAT.transform(X0 + bounds[2], Y0 + bounds[3])
        box.append(
            f"<bounds minlat='{south:.9f}' minlon='{west:.9f}' maxlat='{north:.9f}' "
            f"maxlon='{east:.9f}'/>"
        )
    return _write_osm(path, box + nodes + ways)


def _write_osm(path: Path, elements: list[str]) -> Path:
    """An OSM XML file of ``elements``, one a line."""
    path.write_text(
        "<?xml version='1.0' encoding='UTF-8'?>\n<osm version='0.6' generator='hand'>\n"
        + "\n".join(elements)
        + "\n</osm>\n",
        encoding="utf-8",
    )
    return path


def _blocks(path: Path, **options: object) -> tuple[list[str], dict[str, float], list[str]]:
    layers = read_osm_layers(path, use=["areas"], working_crs=UTM, **options)  # type: ignore[arg-type]
    assert layers.areas is not None
    areas = layers.areas
    ids = [str(i) for i in areas["area_id"]]
    return ids, dict(zip(ids, areas.area, strict=True)), list(layers.notes)


def _block_at(path: Path, x: float, y: float, **options: object) -> str:
    """The id of the area holding the point (x, y) of the drawing."""
    layers = read_osm_layers(path, use=["areas"], working_crs=UTM, **options)  # type: ignore[arg-type]
    assert layers.areas is not None
    inside = layers.areas.loc[layers.areas.contains(shapely.Point(X0 + x, Y0 + y))]
    assert len(inside) == 1
    return str(inside["area_id"].iloc[0])


def test_a_two_by_two_grid_gives_four_blocks_of_40000_m2(tmp_path: Path) -> None:
    path = grid_osm(tmp_path / "grid.osm", footway=True)
    ids, areas, notes = _blocks(path, areas_from=["blocks"])
    assert len(ids) == 4
    assert all(i.startswith(BLOCK_ID_PREFIX) and len(i) == len(BLOCK_ID_PREFIX) + 16 for i in ids)
    # 200 m × 200 m each, by hand; the footway, service road and tunnel cut nothing
    assert sorted(areas.values()) == pytest.approx([40_000.0] * 4, abs=1.0)
    assert "osm: 4 street blocks from grid.osm (0.16 km²)" in notes[0]
    assert "closed by the edge of the extract (the box of all its nodes)" in notes[0]
    # the 10 m ring beyond the outermost streets: 12 faces, all too narrow
    assert "of the 16 faces the streets enclose, 12 with less than 1,000 m² of land" in notes[0]


def test_blocks_are_named_by_their_longest_streets(tmp_path: Path) -> None:
    path = grid_osm(tmp_path / "grid.osm")
    layers = read_osm_layers(path, use=["areas"], working_crs=UTM, areas_from=["blocks"])
    assert layers.areas is not None
    names = set(layers.areas["name"])
    # each block has four 200 m sides, so the two first by name win the tie
    assert names == {"1号路 / 2号路", "2号路 / 3号路"}


def test_a_mapped_residential_polygon_takes_its_land_out_of_the_block(tmp_path: Path) -> None:
    path = grid_osm(tmp_path / "grid.osm", residential=(250, 250, 350, 350))
    ids, areas, notes = _blocks(path, areas_from=["landuse", "blocks"])
    mapped = [i for i in ids if not i.startswith(BLOCK_ID_PREFIX)]
    assert len(mapped) == 1 and areas[mapped[0]] == pytest.approx(10_000.0, abs=1.0)
    blocks = sorted(areas[i] for i in ids if i.startswith(BLOCK_ID_PREFIX))
    # the north-east block less the 100 m × 100 m polygon inside it
    assert blocks == pytest.approx([30_000.0, 40_000.0, 40_000.0, 40_000.0], abs=1.0)
    assert "where the residential polygons do not cover" in notes[1]
    # blocks alone: the polygon is not an area, and its land stays in its block
    ids, areas, _ = _blocks(path, areas_from=["blocks"])
    assert sorted(areas.values()) == pytest.approx([40_000.0] * 4, abs=1.0)


def test_a_park_is_not_a_block(tmp_path: Path) -> None:
    # a park over the whole south-west block and 10 m past its streets, and one of
    # 120 m × 60 m inside the south-east block, 30 m or more from its edges
    parks = ((-10, -10, 210, 210), (240, 40, 360, 100))
    path = grid_osm(tmp_path / "grid.osm", parks=parks)
    ids, areas, notes = _blocks(path, areas_from=["blocks"])
    # south-east: 40,000 - 120 × 60 - the first park's 10 m × 200 m = 30,800;
    # north-west: 40,000 - 200 × 10 = 38,000; north-east: 40,000 - 10 × 10 = 39,900
    assert sorted(areas.values()) == pytest.approx([30_800.0, 38_000.0, 39_900.0], abs=1.0)
    assert "1 wholly taken by" in notes[0]
    assert _block_at(path, 300, 150, areas_from=["blocks"]) in ids


def test_the_strips_of_a_dual_carriageway_are_dropped(tmp_path: Path) -> None:
    path = grid_osm(tmp_path / "grid.osm", dual_carriageway=True)
    _, areas, notes = _blocks(path, areas_from=["blocks"])
    # two strips of 200 m × 15 m: 3,000 m² each, more than 1,000 m², but 15 m wide;
    # the ring's faces are 10 m wide: 14, as the carriageway's ends split two more
    blocks = [37_000.0] * 2 + [40_000.0] * 2
    assert sorted(areas.values()) == pytest.approx(blocks, abs=1.0)
    assert "of the 20 faces the streets enclose, 16 with less than 1,000 m² of land" in notes[0]
    # narrower than the strips, wider than the ring
    _, areas, _ = _blocks(path, areas_from=["blocks"], block_rules=BlockRules(min_width_m=12))
    assert sorted(areas.values()) == pytest.approx([3_000.0] * 2 + blocks, abs=1.0)


def test_the_ring_a_mapped_polygon_leaves_goes_but_a_wide_corner_stays(tmp_path: Path) -> None:
    # a polygon 10 m inside the north-east block's streets, its north-east corner cut
    # off along x + y = 730 from (390, 340) to (340, 390)
    outline = [(210, 210), (390, 210), (390, 340), (340, 390), (210, 390)]
    path = grid_osm(tmp_path / "grid.osm", residential_outline=outline)
    ids, areas, _ = _blocks(path, areas_from=["landuse", "blocks"])
    mapped = [i for i in ids if not i.startswith(BLOCK_ID_PREFIX)]
    # 180 × 180 - 50 × 50 / 2 = 31,150 m²
    assert areas[mapped[0]] == pytest.approx(31_150.0, abs=1.0)
    # the 10 m ring goes; the corner between x + y = 730 and the streets stays: a right
    # triangle with legs of 70 m, 2,450 m² (the ring and the corner were 8,850 m²)
    blocks = sorted(areas[i] for i in ids if i.startswith(BLOCK_ID_PREFIX))
    assert blocks == pytest.approx([2_450.0, 40_000.0, 40_000.0, 40_000.0], abs=1.0)


def test_blocks_larger_than_the_limit_are_dropped_and_counted(tmp_path: Path) -> None:
    path = grid_osm(tmp_path / "grid.osm", residential=(250, 250, 350, 350))
    rules = BlockRules(max_area_m2=35_000)
    _, areas, notes = _blocks(path, areas_from=["landuse", "blocks"], block_rules=rules)
    assert sorted(areas.values()) == pytest.approx([10_000.0, 30_000.0], abs=1.0)
    assert "3 larger than 0.035 km² (0.12 km² in all" in notes[1]


def test_block_ids_are_the_same_on_every_reading_and_in_every_crs(tmp_path: Path) -> None:
    path = grid_osm(tmp_path / "grid.osm")
    first = _block_at(path, 300, 300, areas_from=["blocks"])
    assert _block_at(path, 300, 300, areas_from=["blocks"]) == first
    other = read_osm_layers(path, use=["areas"], working_crs="EPSG:4549", areas_from=["blocks"])
    assert other.areas is not None
    assert sorted(other.areas["area_id"]) == sorted(_blocks(path, areas_from=["blocks"])[0])
    # a mapped polygon changes the block's land, not its id: the id is its streets'
    mapped = grid_osm(tmp_path / "mapped.osm", residential=(250, 250, 350, 350))
    assert _block_at(mapped, 210, 210, areas_from=["landuse", "blocks"]) == first


def test_the_land_beyond_the_outermost_streets_makes_blocks_closed_by_the_edge(
    tmp_path: Path,
) -> None:
    """The grid in a ``<bounds>`` reaching 60 m past its crossings to the west and east,
    15 m to the north and 150 m to the south. Each street runs 10 m past its last
    crossing and is carried on to the edge when it ends within 100 m of it
    (EDGE_REACH_M) with no line on the way: the west, east and north ones, not the
    south ones (140 m). By hand:

    * west and east: two strips of 60 m × 200 m = 12,000 m² on each side;
    * south: one face of 520 m × 150 m = 78,000 m², the dead ends of 1号路, 2号路 and
      3号路 in it, its corners included;
    * north: two strips of 200 m × 15 m and two corners of 60 m × 15 m, narrower than
      20 m: dropped.
    """
    path = grid_osm(tmp_path / "grid.osm", bounds=(-60, -150, 460, 415))
    layers = read_osm_layers(path, use=["areas"], working_crs=UTM, areas_from=["blocks"])
    assert layers.areas is not None
    areas = layers.areas.set_index("area_id")
    edge = areas["osm_tags"] == "street block at the edge"
    assert sorted(areas.area[~edge]) == pytest.approx([40_000.0] * 4, abs=1.0)
    # (the lon/lat box's east side leans 2.5 cm off the drawing's x = 460 m)
    assert sorted(areas.area[edge]) == pytest.approx([12_000.0] * 4 + [78_000.0], abs=5.0)
    # named by the one street each runs along; the edge is no street
    names = {round(float(a)): n for a, n in zip(areas.area[edge], areas["name"][edge], strict=True)}
    assert names[78_000] == "南街"
    west = _block_at(path, -30, 100, areas_from=["blocks"])
    east = _block_at(path, 430, 300, areas_from=["blocks"])
    assert (areas.loc[west, "name"], areas.loc[east, "name"]) == ("1号路", "3号路")
    note = layers.notes[0]
    assert "closed by the edge of the extract (its <bounds>): 5 of the blocks (0.13 km²)" in note
    assert "of the 13 faces the streets enclose, 4 with less than 1,000 m² of land" in note
    # the same ids on every reading, in any working CRS; the blocks inside keep theirs
    other = read_osm_layers(path, use=["areas"], working_crs="EPSG:4549", areas_from=["blocks"])
    assert other.areas is not None
    assert sorted(other.areas["area_id"]) == sorted(areas.index)
    plain = grid_osm(tmp_path / "plain.osm")
    inside = {_block_at(plain, x, y, areas_from=["blocks"]) for x in (100, 300) for y in (100, 300)}
    assert inside == set(areas.index[~edge])
    # the max-area rule holds at the edge too: the southern face is land no street divides
    rules = BlockRules(max_area_m2=50_000)
    _, kept, notes = _blocks(path, areas_from=["blocks"], block_rules=rules)
    assert len(kept) == 8
    assert "1 larger than 0.05 km² (0.08 km² in all, 1 of them at the edge" in notes[0]


def test_street_blocks_closed_by_an_edge_with_a_hole_and_no_street() -> None:
    """Two streets crossing in a box with a hole of 30 m × 30 m (land outside the plan):
    the four quadrants, the north-east one less the hole, and no face for the hole. A
    second part of the edge with no street in it makes no block."""
    utm = pyproj.CRS(UTM)
    lines = [
        shapely.LineString([(X0 - 150, Y0), (X0 + 150, Y0)]),
        shapely.LineString([(X0, Y0 - 150), (X0, Y0 + 150)]),
    ]
    box = shapely.box(X0 - 100, Y0 - 100, X0 + 100, Y0 + 100)
    hole = shapely.box(X0 + 30, Y0 + 30, X0 + 60, Y0 + 60)
    empty = shapely.box(X0 + 300, Y0, X0 + 400, Y0 + 100)
    edge = shapely.MultiPolygon([box.difference(hole), empty])
    lonlat = gpd.GeoSeries([*lines, edge], crs=utm).to_crs("EPSG:4326").to_numpy()
    blocks, counts = street_blocks(lonlat[:2], crs=utm, edge=lonlat[2])
    # 100 m × 100 m each, the north-east one less the hole's 900 m²
    assert sorted(blocks.area) == pytest.approx([9_100.0] + [10_000.0] * 3, abs=1.0)
    assert (counts.faces, counts.blocks, counts.edge) == (4, 4, 4)


def test_dead_ends_carried_on_to_the_edge_never_cross() -> None:
    """A street across a box of 200 m × 190 m at y = 100 m, and two dead ends leaving
    it north-east from (50, 100) to (80, 130) and north-west from (150, 100) to
    (122, 128). Carried straight on, they would reach the top edge 85 m and 88 m on and
    cross at (101, 151), closing a face the edge does not touch; the shorter goes on
    alone. By hand (no width rule): the southern half, 200 × 100 = 20,000 m², and the
    northern half cut along (50, 100), (80, 130), (140, 190): 8,550 m² west of it,
    18,000 - 8,550 = 9,450 east."""
    utm = pyproj.CRS(UTM)
    drawn = [
        shapely.LineString([(-10, 100), (50, 100), (150, 100), (210, 100)]),
        shapely.LineString([(50, 100), (80, 130)]),
        shapely.LineString([(150, 100), (122, 128)]),
        shapely.box(0, 0, 200, 190),
    ]
    placed = [shapely.affinity.translate(g, X0, Y0) for g in drawn]
    lonlat = gpd.GeoSeries(placed, crs=utm).to_crs("EPSG:4326").to_numpy()
    rules = BlockRules(min_width_m=0)
    blocks, counts = street_blocks(lonlat[:3], crs=utm, edge=lonlat[3], rules=rules)
    assert sorted(blocks.area) == pytest.approx([8_550.0, 9_450.0, 20_000.0], abs=1.0)
    assert (counts.faces, counts.edge) == (3, 3)


def test_street_blocks_from_lines_alone() -> None:
    utm = pyproj.CRS(UTM)
    lines = [
        shapely.LineString([(X0 - 30, Y0 + y), (X0 + 230, Y0 + y)]) for y in (0.0, 100.0, 200.0)
    ] + [shapely.LineString([(X0 + x, Y0 - 30), (X0 + x, Y0 + 230)]) for x in (0.0, 200.0)]
    lonlat = np.array(
        [
            shapely.transform(g, lambda xy: np.column_stack(_TO_LONLAT.transform(*xy.T)))
            for g in lines
        ]
    )
    taken = np.array([shapely.box(X0 + 150, Y0 + 100, X0 + 250, Y0 + 250)])
    blocks, counts = street_blocks(lonlat, crs=utm, taken=taken)
    # two blocks of 200 m × 100 m; the northern one loses its eastern 50 m to `taken`
    assert sorted(blocks.area) == pytest.approx([15_000.0, 20_000.0], abs=1.0)
    assert (counts.faces, counts.blocks, counts.taken, counts.small, counts.large) == (
        2,
        2,
        0,
        0,
        0,
    )
    assert counts.blocks_m2 == pytest.approx(35_000.0, abs=1.0)
    assert set(blocks["osm_tags"]) == {"street block"}


def test_no_residential_polygon_is_refused_with_a_fix_naming_blocks(tmp_path: Path) -> None:
    path = grid_osm(tmp_path / "grid.osm")
    with pytest.raises(InputError) as caught:
        read_osm_layers(path, use=["areas"], working_crs=UTM)
    text = str(caught.value)
    assert "the file has no residential area" in text
    assert 'areas_from = ["landuse", "blocks"] under [inputs.osm]' in text
    ids, _, _ = _blocks(path, areas_from=["landuse", "blocks"])
    assert len(ids) == 4


def test_a_file_whose_streets_enclose_nothing_is_refused(tmp_path: Path) -> None:
    path = grid_osm(tmp_path / "grid.osm", parks=((-50, -50, 450, 450),))
    with pytest.raises(InputError, match="no street block"):
        read_osm_layers(path, use=["areas"], working_crs=UTM, areas_from=["blocks"])


@pytest.mark.parametrize("areas_from", [["street"], []])
def test_an_unknown_area_source_is_refused_by_the_reader(
    tmp_path: Path, areas_from: list[str]
) -> None:
    path = grid_osm(tmp_path / "grid.osm")
    with pytest.raises(InputError, match="areas_from any of 'landuse', 'blocks'"):
        read_osm_layers(path, use=["areas"], working_crs=UTM, areas_from=areas_from)


def _population(path: Path, *, east: float = 200.0) -> Path:
    """1,000 people in every 100 m cell from x = 0 to ``east`` and y = 0 to 400 m."""
    width = int(east // 100)
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=width,
        height=4,
        count=1,
        dtype="float32",
        crs=UTM,
        transform=from_origin(X0, Y0 + 400, 100, 100),
    ) as dst:
        dst.write(np.full((4, width), 1000.0, dtype=np.float32), 1)
    return path


def _scenario(folder: Path, extra: str, *, footway: bool = False) -> Path:
    """The grid, its western half peopled, one parcel, and ``extra`` under [inputs.osm]."""
    grid_osm(folder / "grid.osm", footway=footway)
    _population(folder / "population.tif")
    gpd.GeoDataFrame(
        {"site_id": ["P1"], "kind": ["idle_land"], "acquisition": ["purchase"]},
        geometry=[shapely.box(X0 + 90, Y0 + 90, X0 + 110, Y0 + 110)],
        crs=UTM,
    ).to_file(folder / "parcels.geojson", driver="GeoJSON")
    path = folder / "scenario.toml"
    path.write_text(
        f'name = "grid"\ncrs = "{UTM}"\n[inputs]\npopulation = {{ path = "population.tif" }}\n'
        'parcels = { path = "parcels.geojson" }\n'
        f'[inputs.osm]\npath = "grid.osm"\n'
        + ("" if "use = " in extra else 'use = ["areas"]\n')
        + extra,
        encoding="utf-8",
    )
    return path


def test_blocks_holding_nobody_are_left_out_with_one_note(tmp_path: Path) -> None:
    scenario = load_scenario(_scenario(tmp_path, 'areas_from = ["blocks"]\n'))
    assert scenario.inputs is not None
    inputs = load_inputs(scenario.inputs, crs=scenario.crs)
    # the inputs do not warn of blocks outside the raster: the note below counts them
    assert not any("outside the raster" in note for note in inputs.notes + inputs.findings)
    demand = estimate_demand(inputs, scenario=scenario)
    assert len(demand.areas) == 4
    # the raster covers the two western blocks: 8 cells of 1,000 people, 4,000 in each
    assert sorted(demand.areas["population"]) == pytest.approx([0, 0, 4000, 4000], rel=1e-4)
    assert not any("get nobody" in f for f in demand.findings)
    kept_inputs, kept = without_empty_blocks(inputs, demand)
    assert sorted(kept.areas["population"]) == pytest.approx([4000, 4000], rel=1e-4)
    assert list(kept_inputs.areas.index) == list(kept.areas.index)
    assert kept.accounting == demand.accounting
    assert kept_inputs.notes[-1] == (
        "street blocks: 4 blocks hold 8,000 people of the population raster (100.0% of the "
        "8,000 the areas hold); 2 hold nobody (the raster is empty there or does not cover "
        "them) and are left out of the plan"
    )


def _areas_layer_blocks(
    folder: Path, extra: str, a1: Square, a2: Square
) -> tuple[list[float], tuple[str, ...]]:
    """The areas of the grid (:func:`_scenario` with ``extra``) with an [inputs.areas]
    layer of two squares in metres, A1 and A2 (checked to be kept): the blocks' land
    (m², sorted) and the run's notes."""
    path = _scenario(folder, extra)
    gpd.GeoDataFrame(
        {"area_id": ["A1", "A2"], "name": ["小区一", "小区二"], "status": ["old", "old"]},
        geometry=[shapely.box(X0 + w, Y0 + s, X0 + e, Y0 + n) for w, s, e, n in (a1, a2)],
        crs=UTM,
    ).to_file(folder / "areas.geojson", driver="GeoJSON")
    text = path.read_text(encoding="utf-8").replace(
        "[inputs.osm]", 'areas = { path = "areas.geojson" }\n[inputs.osm]'
    )
    path.write_text(text, encoding="utf-8")
    scenario = load_scenario(path)
    assert scenario.inputs is not None
    inputs = load_inputs(scenario.inputs, crs=scenario.crs)
    areas = inputs.areas
    blocks = areas.index.str.startswith(BLOCK_ID_PREFIX)
    assert sorted(areas.index[~blocks]) == ["A1", "A2"]
    return sorted(areas.geometry[blocks].area), inputs.notes


_PLANNED_LAND = (
    "areas: the street blocks of grid.osm lose the land of the [inputs.areas] and "
    "[inputs.parcels] layers before their sizes are judged"
)


def test_an_areas_layer_given_too_takes_its_land_out_of_the_blocks(tmp_path: Path) -> None:
    # 100 m × 100 m inside the north-east block, and the whole south-west block
    land, notes = _areas_layer_blocks(
        tmp_path, 'areas_from = ["blocks"]\n', (250, 250, 350, 350), (-5, -5, 205, 205)
    )
    # the south-west block is gone; the two next to it lose the 5 m the second area
    # reaches past their streets, 40,000 - 5 × 200; the north-east one loses the
    # first area and the second's 5 m × 5 m corner, 40,000 - 10,000 - 25
    assert land == pytest.approx([29_975.0, 39_000.0, 39_000.0], abs=1.0)
    assert _PLANNED_LAND in notes
    assert (
        "1 wholly taken by the areas or parcels of the [inputs] layers or non-residential land use"
    ) in "\n".join(notes)


def test_a_face_too_large_keeps_the_land_the_areas_layer_leaves_as_a_block(
    tmp_path: Path,
) -> None:
    # every face of the grid is 40,000 m², over block_max_area_m2 = 30,000: only the
    # land the areas layer and the parcel leave is judged, as a layer of centrelines' is;
    # the areas: the west 125 m of the north-east block, the west 75 m of the south-west
    land, notes = _areas_layer_blocks(
        tmp_path,
        'areas_from = ["blocks"]\nblock_max_area_m2 = 30000.0\n',
        (200, 200, 325, 400),
        (0, 0, 75, 200),
    )
    # north-east: 75 m × 200 m; south-west: 125 m × 200 m less the parcel's 20 m × 20 m
    # (x 90-110 m) and the strip of 15 m × 20 m between it and the area, narrower than
    # 20 m, 25,000 - 400 - 300; the north-west and south-east faces keep their 40,000 m²
    # and are dropped
    assert land == pytest.approx([15_000.0, 24_300.0], abs=1.0)
    assert _PLANNED_LAND in notes


def _blocks_beside(
    folder: Path, areas: str, *, areas_from: str = '["blocks"]'
) -> tuple[list[float], gpd.GeoDataFrame]:
    """The blocks' land (m², sorted) of the grid (:func:`_scenario`, blocks alone) with
    ``areas`` as its [inputs.areas] entry, and the areas that entry gives."""
    path = _scenario(folder, f"areas_from = {areas_from}\n")
    _population(folder / "population.tif", east=400.0)  # every block peopled
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("[inputs.osm]", f"areas = {areas}\n[inputs.osm]"), "utf-8")
    scenario = load_scenario(path)
    assert scenario.inputs is not None
    inputs = load_inputs(scenario.inputs, crs=scenario.crs)
    blocks = inputs.areas.index.str.startswith(BLOCK_ID_PREFIX)
    return sorted(inputs.areas.geometry[blocks].area), inputs.areas.loc[~blocks]


@pytest.mark.parametrize("areas_from", ['["blocks"]', '["landuse", "blocks"]'])
def test_a_xiaoqu_lists_catchments_are_taken_out_of_the_blocks(
    tmp_path: Path, areas_from: str
) -> None:
    # one 小区 at the north-east block's centre, given by its longitude and latitude, its
    # catchment a disc of 50 m (a 64-gon): its land came only with the working CRS, after
    # the blocks were made, so the block kept it and the two shared its people. The grid
    # maps no residential polygon: with "landuse" asked too, that is no problem when the
    # blocks follow
    lon, lat = _TO_LONLAT.transform(X0 + 300, Y0 + 300)
    pd.DataFrame(
        {"编号": ["X1"], "名称": ["东北小区"], "类型": ["old"], "经度": [lon], "纬度": [lat]}
    ).to_csv(tmp_path / "小区.csv", index=False, encoding="utf-8")
    land, own = _blocks_beside(
        tmp_path,
        '{ path = "小区.csv", crs = "EPSG:4326", radius_m = 50, columns = { area_id = "编号", '
        'name = "名称", status = "类型" } }',
        areas_from=areas_from,
    )
    disc = 32 * 50.0**2 * math.sin(2 * math.pi / 64)  # 7,841.37 m²
    assert list(own.index) == ["X1"] and own.geometry.area.iloc[0] == pytest.approx(disc, abs=0.1)
    # the south-west block less the parcel's 20 m × 20 m
    assert land == pytest.approx([40_000.0 - disc, 39_600.0, 40_000.0, 40_000.0], abs=1.0)


def test_an_areas_layer_on_gcj02_is_taken_out_of_the_blocks_where_it_lies(
    tmp_path: Path,
) -> None:
    # the square 250-350 m of the north-east block, as Gaode (高德) draws it: 400-500 m
    # off in GCJ-02; read unshifted, it took no land from any block
    west, south = _TO_LONLAT.transform(X0 + 250, Y0 + 250)
    east, north = _TO_LONLAT.transform(X0 + 350, Y0 + 350)
    ring = [(west, south), (east, south), (east, north), (west, north)]
    lon, lat = wgs84_to_gcj02(np.array([p[0] for p in ring]), np.array([p[1] for p in ring]))
    gpd.GeoDataFrame(
        {"area_id": ["G1"], "name": ["高德小区"], "status": ["old"]},
        geometry=[shapely.Polygon(zip(lon, lat, strict=True))],
        crs="EPSG:4326",
    ).to_file(tmp_path / "gaode.geojson", driver="GeoJSON")
    land, own = _blocks_beside(tmp_path, '{ path = "gaode.geojson", datum_shift = "gcj02" }')
    assert own.geometry.area.iloc[0] == pytest.approx(10_000.0, abs=5.0)
    assert land == pytest.approx([30_000.0, 39_600.0, 40_000.0, 40_000.0], abs=5.0)


_BAD_OPTIONS: list[tuple[dict[str, object], str]] = [
    ({"areas_from": ("landuse", "street")}, "'inputs.osm.areas_from' has unknown word(s) 'street'"),
    ({"areas_from": ()}, "'inputs.osm.areas_from' is empty"),
    ({"block_min_area_m2": -1.0}, "'inputs.osm.block_min_area_m2' must be 0 or more"),
    ({"block_max_area_m2": 500.0}, "'inputs.osm.block_max_area_m2' must be more than"),
    ({"block_min_width_m": -5.0}, "'inputs.osm.block_min_width_m' must be 0 or more"),
    (
        {"areas_from": ("blocks",), "use": ("candidates",)},
        "'inputs.osm.areas_from' asks for street blocks, but 'inputs.osm.use' does not",
    ),
    (
        {"block_highways": ("residential", "servce")},
        "'inputs.osm.block_highways' has unknown value(s) 'servce'",
    ),
    (
        {"block_highways": ("defaults", "service")},
        "'inputs.osm.block_highways' has unknown value(s) 'defaults'",
    ),
    ({"block_highways": ()}, "'inputs.osm.block_highways' is empty: no street would bound"),
]


def _toml(options: dict[str, object]) -> str:
    def value(v: object) -> str:
        return json.dumps(list(v)) if isinstance(v, tuple) else repr(v)

    return "".join(f"{key} = {value(v)}\n" for key, v in options.items())


@pytest.mark.parametrize(("options", "said"), _BAD_OPTIONS)
def test_bad_block_options_are_refused_by_plan_and_validate_alike(
    tmp_path: Path, options: dict[str, object], said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _scenario(tmp_path, _toml(options))
    with pytest.raises(ScenarioError, match=said.replace("(", r"\(").replace(")", r"\)")):
        load_scenario(path)
    assert main(["validate", str(path)]) == 2
    assert said in capsys.readouterr().err
    spec = InputsSpec(
        population=RasterSpec(tmp_path / "population.tif"),
        osm=OsmSpec(tmp_path / "grid.osm", **({"use": ("areas",)} | options)),  # type: ignore[arg-type]
    )
    assert any(said in str(p) for p in validate(spec, crs=UTM))


def test_block_highways_choose_the_streets_that_bound_a_block(tmp_path: Path) -> None:
    """The service road across the north-west block (y = 300 m) cuts it in two once
    ``service`` is among the block highways; the footway (x = 100 m) does not. The road
    classes and service roads are ``["default", "service"]``: the list replaced the
    default, so a planner copied all 16 classes to add one."""
    for folder in ("default", "service", "words", "typo"):
        (tmp_path / folder).mkdir()
    default = _scenario(tmp_path / "default", 'areas_from = ["blocks"]\n', footway=True)
    assert load_scenario(default).inputs.osm.block_highways == OSM_BLOCK_HIGHWAYS  # type: ignore[union-attr]
    assert frozenset(OSM_BLOCK_HIGHWAYS) == BLOCK_HIGHWAYS
    service = json.dumps([*OSM_BLOCK_HIGHWAYS, "service"])
    path = _scenario(
        tmp_path / "service",
        f'areas_from = ["blocks"]\nblock_highways = {service}\n',
        footway=True,
    )
    scenario = load_scenario(path)
    assert scenario.inputs is not None
    inputs = load_inputs(scenario.inputs, crs=scenario.crs)
    # 200 m × 100 m twice, and the other three blocks whole, the south-west one less the
    # parcel's 20 m × 20 m
    assert sorted(inputs.areas.area) == pytest.approx(
        [20_000.0] * 2 + [39_600.0] + [40_000.0] * 2, abs=1.0
    )
    assert "the streets (with highway=service: inputs.osm.block_highways) enclose" in "\n".join(
        inputs.notes
    )
    # "default" stands for the road classes: the same blocks and note, with no list copied
    words = _scenario(
        tmp_path / "words",
        'areas_from = ["blocks"]\nblock_highways = ["default", "service", "residential"]\n',
        footway=True,
    )
    scenario = load_scenario(words)
    assert scenario.inputs is not None
    same = load_inputs(scenario.inputs, crs=scenario.crs)
    assert sorted(same.areas.area) == sorted(inputs.areas.area)
    assert [n for n in same.notes if "street blocks" in n] == [
        n for n in inputs.notes if "street blocks" in n
    ]
    # a typo is refused with the highway values OSM knows, service among them, and "default"
    typo = _scenario(tmp_path / "typo", 'areas_from = ["blocks"]\nblock_highways = ["servce"]\n')
    with pytest.raises(
        ScenarioError,
        match=r"fix: give any of the highway values 'motorway'.*'service'.*\"default\"",
    ):
        load_scenario(typo)


@pytest.mark.parametrize("highways", [["residential", "servce"], []])
def test_unknown_block_highways_are_refused_by_the_reader(
    tmp_path: Path, highways: list[str]
) -> None:
    path = grid_osm(tmp_path / "grid.osm")
    with pytest.raises(InputError, match="give block_highways any of the highway values"):
        read_osm_layers(
            path, use=["areas"], working_crs=UTM, areas_from=["blocks"], block_highways=highways
        )


def test_the_reader_takes_default_for_the_road_classes(tmp_path: Path) -> None:
    """``"default"`` among ``block_highways`` stands for :data:`BLOCK_HIGHWAYS`: the grid
    with its service road across the north-west block makes the same blocks and notes
    with ``["default", "service"]`` as with the 16 classes and ``service``."""
    path = grid_osm(tmp_path / "grid.osm", footway=True)
    listed = _blocks(path, areas_from=["blocks"], block_highways=[*OSM_BLOCK_HIGHWAYS, "service"])
    assert _blocks(path, areas_from=["blocks"], block_highways=["default", "service"]) == listed
    assert sorted(listed[1].values()) == pytest.approx([20_000.0] * 2 + [40_000.0] * 3, abs=1.0)


def test_the_default_takes_the_mapped_polygons_alone_and_reads_no_edge(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``areas_from = ["landuse"]`` (the default) is as it was: the mapped polygon, one
    note, and the extract's edge is never looked for."""
    path = grid_osm(
        tmp_path / "grid.osm", residential=(250, 250, 350, 350), bounds=(-60, -60, 460, 460)
    )

    def refuse(_: Path) -> None:
        raise AssertionError("the edge was read")

    monkeypatch.setattr("siting.osm.layers.extract_edge", refuse)
    ids, areas, notes = _blocks(path)
    assert len(ids) == 1 and ids[0].startswith("osm/way/")
    assert list(areas.values()) == pytest.approx([10_000.0], abs=1.0)
    assert len(notes) == 1 and "street block" not in notes[0]


NANJING = Path(__file__).resolve().parents[1] / "data" / "nanjing"


def _nanjing(areas_from: tuple[str, ...]) -> tuple[Inputs, Demand]:
    scenario = load_scenario(NANJING / "scenario.toml")
    assert scenario.inputs is not None and scenario.inputs.osm is not None
    osm = dataclasses.replace(scenario.inputs.osm, areas_from=areas_from)
    spec = dataclasses.replace(scenario.inputs, osm=osm)
    inputs = load_inputs(spec, crs=scenario.crs)
    return inputs, estimate_demand(inputs, scenario=scenario)


@pytest.mark.slow
def test_nanjing_blocks_hold_the_people_of_the_cells_they_cover() -> None:
    plain_inputs, plain = _nanjing(("landuse",))
    inputs, demand = _nanjing(("landuse", "blocks"))
    raster = NANJING / "population.tif"
    # the dasymetric allocation gives every person of a touched cell to the areas:
    # counted again here cell by cell, on the union of the areas
    for areas, result in ((plain_inputs.areas, plain), (inputs.areas, demand)):
        held = result.accounting["population"]["held"]
        assert held == pytest.approx(touched_people(areas, raster), rel=1e-6)
    before = plain.accounting["population"]["held"]
    after = demand.accounting["population"]["held"]
    assert (round(before), round(after)) == (74_439, 95_457)
    blocks = inputs.areas.index.str.startswith(BLOCK_ID_PREFIX)
    assert (len(inputs.areas), int(blocks.sum())) == (92, 81)
    # 27 of them closed by the extract's box (its 329 nodes in no way or relation)
    assert int((inputs.areas["osm_tags"] == "street block at the edge").sum()) == 27
    # the blocks leave the mapped polygons whole: the same 11, and no block overlaps one
    assert set(inputs.areas.index[~blocks]) == set(plain_inputs.areas.index)
    mapped = shapely.union_all(plain_inputs.areas.geometry.to_numpy())
    overlap = shapely.area(shapely.intersection(inputs.areas.geometry[blocks].to_numpy(), mapped))
    assert float(overlap.max()) < 1.0


@pytest.mark.slow
def test_nanjing_plans_end_to_end_with_blocks(tmp_path: Path) -> None:
    folder = tmp_path / "nanjing"
    folder.mkdir()
    for name in ("nanjing-xuanwu.osm", "population.tif"):
        (folder / name).write_bytes((NANJING / name).read_bytes())
    text = (NANJING / "scenario.toml").read_text(encoding="utf-8")
    text = text.replace(
        'area_status = "old"', 'area_status = "old"\nareas_from = ["landuse", "blocks"]'
    )
    (folder / "scenario.toml").write_text(text, encoding="utf-8")
    assert main(["plan", str(folder / "scenario.toml"), "--out", str(folder / "out")]) == 0
    out = folder / "out"
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert run["status"] == "optimal"
    notes = "\n".join(run["notes"])
    assert "osm: 81 street blocks from nanjing-xuanwu.osm" in notes
    assert "street blocks: 81 blocks hold 22,445 people" in notes
    areas = json.loads((out / "areas.geojson").read_text(encoding="utf-8"))["features"]
    ids = [f["properties"]["area_id"] for f in areas]
    assert sum(i.startswith(BLOCK_ID_PREFIX) for i in ids) == 81
    assert verify(out).ok


def _western_district(path: Path) -> Path:
    """The scenario at ``path`` partitioned by one district, ``W``, over the western
    column of blocks and 10 m short of the middle street (x from -50 to 190 m)."""
    gpd.GeoDataFrame(
        {"district_id": ["W"], "name": ["西"]},
        geometry=[shapely.box(X0 - 50, Y0 - 50, X0 + 190, Y0 + 450)],
        crs=UTM,
    ).to_file(path.parent / "districts.geojson", driver="GeoJSON")
    text = path.read_text(encoding="utf-8")
    text = text.replace("[inputs]\n", '[inputs]\ndistricts = { path = "districts.geojson" }\n', 1)
    path.write_text(text + '[run]\npartition = "district"\n', encoding="utf-8")
    return path


def test_blocks_are_cut_to_the_districts_outline(tmp_path: Path) -> None:
    """A districts layer smaller than the extract (the western column of blocks and
    10 m short of the middle street): the blocks are closed against the extract's edge
    cut to the districts' outline, so the eastern ones are not made and the western ones
    end where the district does. (Before, the eastern blocks were left out with a note,
    a partitioned run having refused them as rows to 'leave out', review; and the
    western ones reached 10 m past the district.)"""
    path = _western_district(_scenario(tmp_path, 'areas_from = ["blocks"]\n'))
    scenario = load_scenario(path)
    assert scenario.inputs is not None
    inputs = load_inputs(scenario.inputs, crs=scenario.crs)
    # 190 m × 200 m each, the southern one less the parcel's 20 m × 20 m; the 10 m ring
    # to the west is too narrow
    assert sorted(inputs.areas.area) == pytest.approx([37_600.0, 38_000.0], abs=1.0)
    assert set(inputs.areas["district_id"]) == {"W"}
    assert set(inputs.areas["osm_tags"]) == {"street block at the edge"}
    notes = "\n".join(inputs.notes)
    assert "box of all its nodes) cut to the districts' outline: 2 of the blocks" in notes
    assert "outside every district" not in notes
    assert main(["validate", str(path)]) == 0


def test_osm_sites_outside_every_district_are_left_out_a_layers_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two OSM parks, one in the district W (x < 190 m) and one east of it: a
    partitioned run refused the eastern one as a row to 'leave out of the layer', which
    no planner can do with the OSM file's sites; it is left out with a note. A parcel
    of the planner's own layer east of W is still refused."""
    path = _western_district(
        _scenario(tmp_path, 'use = ["areas", "candidates"]\nareas_from = ["blocks"]\n')
    )
    grid_osm(tmp_path / "grid.osm", parks=((20, 20, 80, 80), (300, 300, 340, 340)))
    scenario = load_scenario(path)
    assert scenario.inputs is not None
    inputs = load_inputs(scenario.inputs, crs=scenario.crs)
    parcels = inputs.parcels
    # P1 (the layer's, at x = 90-110 m) and the western park are kept, both in W
    assert len(parcels) == 2
    assert parcels.loc["P1", "district_id"] == "W"
    assert list(parcels.loc[parcels["source"] == "osm"].geometry.centroid.x) == pytest.approx(
        [X0 + 50], abs=0.01
    )
    assert set(parcels["district_id"]) == {"W"}
    assert (
        "parcels: 1 of the 2 candidate sites from grid.osm lie outside every district and "
        "are left out" in inputs.notes
    )
    assert main(["validate", str(path)]) == 0
    capsys.readouterr()
    gpd.GeoDataFrame(
        {"site_id": ["P1", "P2"], "kind": ["idle_land"] * 2, "acquisition": ["purchase"] * 2},
        geometry=[
            shapely.box(X0 + 90, Y0 + 90, X0 + 110, Y0 + 110),
            shapely.box(X0 + 290, Y0 + 90, X0 + 310, Y0 + 110),
        ],
        crs=UTM,
    ).to_file(tmp_path / "parcels.geojson", driver="GeoJSON")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr()
    assert "parcels P2 lie outside every district" in err.out + err.err
    assert "osm/" not in (err.out + err.err).partition("cannot split")[2]


def test_osm_facilities_outside_every_district_are_placed_by_a_partitioned_run(
    tmp_path: Path,
) -> None:
    """Three OSM kindergartens: in the district W (x < 190 m), 110 m east of it, and
    1,310 m east of it. A single run keeps the two outside under '(none)', as it keeps the
    planner's own, and residents within walking distance use them; a partitioned run
    refused them as rows to 'leave out of the layer', which no planner can do with the
    OSM file's. The one within walking reach (1,000 m, the largest radius) is now given
    to W, whose residents it serves; the farther one serves no district and is left out."""
    from siting.pipeline import run_plan

    path = _western_district(
        _scenario(tmp_path, 'use = ["areas", "facilities"]\nareas_from = ["blocks"]\n')
    )
    grid_osm(tmp_path / "grid.osm", kindergartens=((100, 100), (300, 100), (1500, 100)))
    scenario = load_scenario(path)
    assert scenario.inputs is not None
    inputs = load_inputs(scenario.inputs, crs=scenario.crs, radii=scenario.radii)
    facilities = inputs.facilities
    assert facilities is not None
    x = (facilities.geometry.x - X0).round().astype(int)
    ids = {int(at): str(i) for i, at in x.items()}
    assert sorted(ids) == [100, 300, 1500]
    # the single run's reading: kept, outside every district
    assert facilities["district_id"].isna().tolist() == [False, True, True]
    assert main(["validate", str(path)]) == 0
    plan = run_plan(scenario)
    existing = plan.facilities[plan.facilities["existing"].astype(bool)]
    assert existing["district_id"].to_dict() == {ids[100]: "W", ids[300]: "W"}
    assert (
        "facilities: 2 existing facilities from grid.osm lie outside every district; 1 within "
        "1,000 m of a district (the largest walking radius) is given to the nearest district, "
        "whose residents it serves (W: 1; the farthest 110 m away); 1 farther is left out, as "
        "no district's resident can walk to it"
    ) in plan.run["notes"]


def test_a_few_points_of_interest_in_one_street_do_not_make_the_extracts_box(
    tmp_path: Path,
) -> None:
    """Three kindergartens along y = 100 m are the file's only nodes in no way: their
    box is 0.1 m tall (the UTM line is not a parallel) and holds none of the streets'
    nodes, so it is not the extract's box; the box of all nodes is (it reaches the
    kindergarten 1,500 m east). Before, the blocks were cut to that sliver and the file
    made none."""
    grid_osm(tmp_path / "grid.osm", kindergartens=((100, 100), (300, 100), (1500, 100)))
    box, how = extract_box(tmp_path / "grid.osm")
    assert how == "the box of all its nodes"
    assert box is not None
    west, south = _TO_LONLAT.transform(X0 - 10, Y0 - 10)
    east, _ = _TO_LONLAT.transform(X0 + 1500, Y0 + 100)
    assert box[0] == pytest.approx(west, abs=1e-6) and box[1] == pytest.approx(south, abs=1e-6)
    assert box[2] == pytest.approx(east, abs=1e-6)


def test_osm_residential_polygons_outside_every_district_are_left_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two ``landuse=residential`` polygons: one across W's eastern edge (x = 150 to
    250 m, 40 m of its 100 inside W) and one wholly east of it (x = 300 to 380 m). A
    partitioned run refused the eastern one as a row to 'leave out of the layer' and a
    single run planned it under '(none)'; both now leave it out with a note, as street
    blocks are, and keep the one across the edge in W, the district it overlaps most, as
    they keep the planner's own areas. The people east of W are outside the study area
    (the districts): the eastern polygon's 4 cells are in no total. The planner's own
    area east of W is still refused by a partitioned run."""
    path = _western_district(_scenario(tmp_path, ""))
    grid_osm(
        tmp_path / "grid.osm",
        residential=(300, 20, 380, 80),
        residential_outline=[(150, 220), (250, 220), (250, 280), (150, 280)],
    )
    _population(tmp_path / "population.tif", east=400)
    single = path.with_name("single.toml")
    single.write_text(
        path.read_text(encoding="utf-8").replace('[run]\npartition = "district"\n', ""),
        encoding="utf-8",
    )
    for scenario in (load_scenario(path), load_scenario(single)):
        assert scenario.inputs is not None
        inputs = load_inputs(scenario.inputs, crs=scenario.crs)
        assert len(inputs.areas) == 1
        assert inputs.areas.geometry.iloc[0].bounds == pytest.approx(
            (X0 + 150, Y0 + 220, X0 + 250, Y0 + 280), abs=0.01
        )
        assert inputs.areas["district_id"].tolist() == ["W"]
        assert (
            "areas: 1 of the 2 residential areas from grid.osm lie outside every district and "
            "are left out (their people are outside the study area, the districts)"
        ) in inputs.notes
        demand = estimate_demand(inputs, scenario=scenario)
        # W covers the 4 cells west of x = 100 m and 9/10 of the 4 east of it; the area
        # across its edge holds all of its 2 cells (dasymetric: it is the only polygon in
        # them), 9/10 of the western one inside W, so W's residual is the rest; the
        # eastern polygon's 4 cells lie in no total
        accounting = demand.accounting["population"]
        assert accounting["held"] == pytest.approx(2000, rel=1e-4)
        assert accounting["districts_total"] == pytest.approx(7600, rel=1e-4)
        assert accounting["residual"] == pytest.approx(7600 - 900, rel=1e-4)
    assert main(["validate", str(path)]) == 0
    capsys.readouterr()
    gpd.GeoDataFrame(
        {"area_id": ["A1"], "status": ["old"]},
        geometry=[shapely.box(X0 + 300, Y0 + 120, X0 + 380, Y0 + 180)],
        crs=UTM,
    ).to_file(tmp_path / "areas.geojson", driver="GeoJSON")
    text = path.read_text(encoding="utf-8")
    text = text.replace("[inputs]\n", '[inputs]\nareas = { path = "areas.geojson" }\n', 1)
    path.write_text(text, encoding="utf-8")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr()
    assert "areas A1 lie outside every district" in err.out + err.err
    assert "osm/" not in (err.out + err.err).partition("cannot split")[2]


def test_districts_that_do_not_overlap_the_extract_are_named_with_both_extents(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A districts layer 50 km east of the grid's extract (a wrong file, or a layer whose
    CRS is wrong): the blocks were cut to nothing and the run said 'its streets enclose
    no land'. It says the two do not overlap, with both extents in degrees, and the fix."""
    path = _western_district(_scenario(tmp_path, 'areas_from = ["landuse", "blocks"]\n'))
    gpd.GeoDataFrame(
        {"district_id": ["W"], "name": ["西"]},
        geometry=[shapely.box(X0 + 50_000, Y0, X0 + 51_000, Y0 + 1_000)],
        crs=UTM,
    ).to_file(tmp_path / "districts.geojson", driver="GeoJSON")
    assert main(["validate", str(path)]) == 2
    said = capsys.readouterr().out
    assert "enclose no land" not in said
    box, how = extract_box(tmp_path / "grid.osm")
    assert box is not None and how == "the box of all its nodes"
    west, south, east, north = box
    # the districts' box in degrees: that of their 4 corners (a UTM square is no lon/lat box)
    lons, lats = _TO_LONLAT.transform(
        [X0 + 50_000, X0 + 51_000] * 2, [Y0, Y0, Y0 + 1_000, Y0 + 1_000]
    )
    d_west, d_south, d_east, d_north = min(lons), min(lats), max(lons), max(lats)
    assert (
        "the districts layer and the OSM file do not overlap: the file's extract (the box "
        f"of all its nodes) spans longitude {west:.4f} to {east:.4f}, latitude {south:.4f} "
        f"to {north:.4f}; the districts span longitude {d_west:.4f} to {d_east:.4f}, "
        f"latitude {d_south:.4f} to {d_north:.4f}"
    ) in said
    assert "wrong file" in said and "CRS of the districts layer" in said


def test_lone_nodes_that_stop_short_of_the_edge_do_not_make_the_extracts_box(
    tmp_path: Path,
) -> None:
    """Two kindergartens, at (-12, -12) and (205, 412) m, are the file's only nodes in no
    way: their box holds 7 of the streets' 12 nodes (58 %), but a node of only 5 of its 6
    streets (83 %): the eastern half of the grid lies beyond it, as a suburb where nobody
    mapped a point of interest. It is not the extract's box, and the box of all nodes is:
    the four blocks of 40,000 m² (before, the two eastern ones were cut off silently).
    With a ``<bounds>`` at x = 300 m, the faces beyond it are counted in the note: the
    halves east of x = 300 m of the two eastern blocks, 100 m × 200 m each."""
    path = grid_osm(tmp_path / "grid.osm", kindergartens=((-12, -12), (205, 412)))
    assert extract_box(path)[1] == "the box of all its nodes"
    _, areas, notes = _blocks(path, areas_from=["blocks"])
    assert sorted(areas.values()) == pytest.approx([40_000.0] * 4, abs=1.0)
    assert "beyond that edge" not in notes[0]
    cut = grid_osm(tmp_path / "cut.osm", bounds=(-10, -10, 300, 410))
    _, areas, notes = _blocks(cut, areas_from=["blocks"], block_rules=BlockRules(min_width_m=0))
    assert "the 2 faces (0.04 km²) the streets enclose beyond that edge are left out" in notes[0]


def test_every_bounds_of_a_josm_file_makes_the_extracts_box(tmp_path: Path) -> None:
    """JOSM writes one ``<bounds>`` per area downloaded: the grid downloaded as its
    western part (x = -60 to 200 m) and its eastern part (200 to 460 m), y = -150 to
    415 m, is the extract of the test above, with its blocks: four of 40,000 m² inside,
    two strips of 60 m × 200 m on each side and 520 m × 150 m to the south. Only the
    first ``<bounds>`` was read, and the blocks east of x = 200 m were cut off."""
    path = grid_osm(tmp_path / "josm.osm", bounds=(-60, -150, 200, 415))
    west = re.search(r"<bounds [^>]*/>", path.read_text(encoding="utf-8"))
    assert west is not None
    east = grid_osm(tmp_path / "east.osm", bounds=(200, -150, 460, 415)).read_text("utf-8")
    second = re.search(r"<bounds [^>]*/>", east)
    assert second is not None
    path.write_text(
        path.read_text("utf-8").replace(west.group(0), west.group(0) + second.group(0)), "utf-8"
    )
    _, areas, notes = _blocks(path, areas_from=["blocks"])
    expected = [12_000.0] * 4 + [40_000.0] * 4 + [78_000.0]
    assert sorted(areas.values()) == pytest.approx(expected, abs=5.0)
    assert "closed by the edge of the extract (the box of its 2 <bounds>)" in notes[0]


def test_a_districts_outline_with_a_spike_cuts_the_blocks_to_its_land(tmp_path: Path) -> None:
    """A district over the grid's western half (x = -10 to 200 m) with a spike drawn out
    to x = 300 m and back along y = 100 m: made valid, the outline is a polygon and a
    line, and so was the edge (a GeometryCollection, on which the faces failed with
    'shape mismatch'). The line bounds no land: the two western blocks of 40,000 m²."""
    ring = [(-10, -10), (200, -10), (200, 100), (300, 100), (200, 100), (200, 410), (-10, 410)]
    outline = shapely.Polygon([_TO_LONLAT.transform(X0 + x, Y0 + y) for x, y in ring])
    path = grid_osm(tmp_path / "grid.osm")
    _, areas, _ = _blocks(path, areas_from=["blocks"], plan_outline=outline)
    assert sorted(areas.values()) == pytest.approx([40_000.0] * 2, abs=1.0)


def test_read_osm_layers_parses_its_file_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The extract's edge and the features come from one parse of the file, when
    read_osm_layers is called alone (outside parse_once): it parsed the file twice."""
    import siting._osmxml as osmxml

    parsed: list[Path] = []
    real = osmxml._parse

    def counting(path: Path) -> dict[str, object]:
        parsed.append(path)
        return real(path)

    monkeypatch.setattr(osmxml, "_parse", counting)
    _blocks(grid_osm(tmp_path / "grid.osm"), areas_from=["blocks"])
    assert len(parsed) == 1


def _city_osm(path: Path) -> Path:
    """A city of streets every 200 m from x, y = -400 to 1,600 m (one way per street
    through its crossings), with four buildings of 20 m × 20 m in each block, 15 m in
    from its corners: the whole file, to be cut by :func:`benchmarks.polyclip.clip_osm`."""
    lines = np.arange(-400.0, 1_601.0, 200.0)
    ids = iter(range(1, 100_000))
    nodes: list[str] = []
    ways: list[str] = []

    def node(x: float, y: float) -> int:
        lon, lat = _TO_LONLAT.transform(X0 + x, Y0 + y)
        i = next(ids)
        nodes.append(f"<node id='{i}' lat='{lat:.9f}' lon='{lon:.9f}'/>")
        return i

    def way(refs: list[int], tags: dict[str, str]) -> None:
        body = "".join(f"<nd ref='{r}'/>" for r in refs)
        body += "".join(f"<tag k='{k}' v='{v}'/>" for k, v in tags.items())
        ways.append(f"<way id='{next(ids)}'>{body}</way>")

    crossing = {(x, y): node(x, y) for x in lines for y in lines}
    for at in lines:
        way([crossing[(at, y)] for y in lines], {"highway": "residential"})
        way([crossing[(x, at)] for x in lines], {"highway": "residential"})
    for x in lines[:-1]:
        for y in lines[:-1]:
            for bx in (x + 15, x + 165):
                for by in (y + 15, y + 165):
                    corners = [(bx, by), (bx + 20, by), (bx + 20, by + 20), (bx, by + 20)]
                    refs = [node(cx, cy) for cx, cy in corners]
                    way([*refs, refs[0]], {"building": "yes"})
    return _write_osm(path, nodes + ways)


def _lonlat_polygon(points: list[tuple[float, float]]) -> shapely.Polygon:
    return shapely.Polygon([_TO_LONLAT.transform(X0 + x, Y0 + y) for x, y in points])


def test_a_polygon_clipped_extract_makes_blocks_only_on_the_land_its_nodes_cover(
    tmp_path: Path,
) -> None:
    """The city cut by a diamond (centre (600, 600) m, 700 m to each corner) as osmium's
    complete_ways strategy cuts it, with the diamond's box (x, y = -100 to 1,300 m) as
    its ``<bounds>``: the streets crossing the diamond run on whole to x, y = -400 and
    1,600 m, and the file knows nothing else between the diamond and its box. The
    blocks lie within the land the buildings kept show (their convex hull, and a 20 m
    cell): the faces between those streets in the box's corners made blocks of up to
    200 m × 200 m there. The same city cut by the box itself keeps the box as its edge,
    and its blocks: 36 of 200 m × 200 m, 24 of 100 m × 200 m along the sides and 4 of
    100 m × 100 m in the corners (the land between the outer streets and the box)."""
    from benchmarks.polyclip import clip_osm

    city = _city_osm(tmp_path / "city.osm")
    diamond = _lonlat_polygon([(600, -100), (1_300, 600), (600, 1_300), (-100, 600)])
    cut = clip_osm(city, tmp_path / "diamond.osm", diamond, strategy="complete_ways")
    layers = read_osm_layers(cut, use=["areas"], working_crs=UTM, areas_from=["blocks"])
    assert layers.areas is not None
    # the buildings kept, and their hull
    with_nodes = read_osm_layers(cut, use=["buildings"], working_crs=UTM)
    assert with_nodes.buildings is not None
    hull = shapely.convex_hull(shapely.union_all(with_nodes.buildings.geometry.to_numpy()))
    beyond = layers.areas.geometry.difference(shapely.buffer(hull, 20.0)).area
    assert beyond.max() < 1.0
    # and so within the diamond, which the buildings kept do not cross
    assert layers.areas.geometry.difference(_metric(diamond)).area.max() < 1.0
    # the 12 blocks wholly inside the diamond keep the ids they have in the box's cut
    whole, inside = _cut_by_the_diamonds_box(city, tmp_path, diamond)
    assert whole.areas is not None
    assert set(inside) <= set(layers.areas["area_id"])
    expected = [10_000.0] * 4 + [20_000.0] * 24 + [40_000.0] * 36
    # (the box's sides, a lon/lat box round the drawing's square, lean up to 18 cm off it
    # 1.3 km from the central meridian)
    assert sorted(whole.areas.area) == pytest.approx(expected, abs=40.0)
    assert "closed by the edge of the extract (its <bounds>): 28 of the blocks" in whole.notes[0]
    assert "its <bounds>, cut to the land its nodes cover (42 % of that box)" in layers.notes[0]


def _metric(polygon: shapely.Polygon) -> shapely.Geometry:
    return gpd.GeoSeries([polygon], crs="EPSG:4326").to_crs(UTM).iloc[0]


def _cut_by_the_diamonds_box(
    city: Path, folder: Path, diamond: shapely.Polygon
) -> tuple[OsmLayers, list[str]]:
    """The blocks of the city cut by the box of the diamond (x, y = -100 to 1,300 m), and
    the ids of the 12 of them wholly inside the diamond."""
    from benchmarks.polyclip import clip_osm

    box = _lonlat_polygon([(-100, -100), (1_300, -100), (1_300, 1_300), (-100, 1_300)])
    boxed = clip_osm(city, folder / "box.osm", box, strategy="complete_ways")
    whole = read_osm_layers(boxed, use=["areas"], working_crs=UTM, areas_from=["blocks"])
    assert whole.areas is not None
    inside = whole.areas.loc[whole.areas.within(shapely.buffer(_metric(diamond), 1.0))]
    assert len(inside) == 12
    return whole, inside["area_id"].tolist()


def test_a_simple_clipped_extract_keeps_the_streets_crossing_the_cut(tmp_path: Path) -> None:
    """The city cut by the diamond as osmium's simple strategy cuts it: each way with a
    node inside kept with its references to the nodes outside, which the file lacks. Every
    street of the city is one way through it, so every one crosses the cut, and the reader
    left them all out: no block at all (central Nanjing's diamond: 12 blocks against 40).
    Trimmed to their nodes inside, the street at x = 600 m runs from y = 0 to 1,200 m (its
    crossings inside the diamond), and the 12 blocks wholly inside the diamond are made,
    with the ids they have in the box's cut, as with complete_ways."""
    from benchmarks.polyclip import clip_osm

    city = _city_osm(tmp_path / "city.osm")
    diamond = _lonlat_polygon([(600, -100), (1_300, 600), (600, 1_300), (-100, 600)])
    cut = clip_osm(city, tmp_path / "diamond.osm", diamond, strategy="simple")
    layers = read_osm_layers(
        cut,
        use=["areas", "hazards"],
        working_crs=UTM,
        areas_from=["blocks"],
        arterial_highways=["residential"],  # the streets' lines, read as hazards
    )
    assert layers.areas is not None
    assert layers.hazards is not None
    x = np.array([line.bounds[0] for line in layers.hazards.geometry]) - X0
    north_south = layers.hazards.geometry[np.abs(x - 600.0) < 1.0]
    assert len(north_south) == 1
    ends = np.asarray(north_south.iloc[0].coords) - (X0, Y0)
    assert ends[[0, -1]] == pytest.approx(np.array([[600.0, 0.0], [600.0, 1_200.0]]), abs=0.1)
    _, inside = _cut_by_the_diamonds_box(city, tmp_path, diamond)
    assert set(inside) <= set(layers.areas["area_id"])
    assert layers.areas.geometry.difference(_metric(diamond)).area.max() < 1.0


def test_an_area_crossing_the_cut_is_closed_across_the_nodes_the_file_lacks(
    tmp_path: Path,
) -> None:
    """A residential square of 200 m × 200 m, a node every 100 m round it, whose north-east
    corner lies beyond the cut (osmium's simple strategy keeps the reference, not the
    node): it was left out, and its land was the street blocks'. Closed by a straight line
    from (200, 100) to (100, 200) m, it is the square less that corner's triangle: 40,000 -
    100 × 100 / 2 = 35,000 m²."""
    ring = [(0, 0), (100, 0), (200, 0), (200, 100), (200, 200), (100, 200), (0, 200), (0, 100)]
    nodes = []
    for i, (x, y) in enumerate(ring, start=1):
        if (x, y) != (200, 200):
            lon, lat = _TO_LONLAT.transform(X0 + x, Y0 + y)
            nodes.append(f"<node id='{i}' lat='{lat:.9f}' lon='{lon:.9f}'/>")
    refs = "".join(f"<nd ref='{i}'/>" for i in [*range(1, len(ring) + 1), 1])
    way = f"<way id='50'>{refs}<tag k='landuse' v='residential'/></way>"
    path = _write_osm(tmp_path / "cut.osm", [*nodes, way])
    layers = read_osm_layers(path, use=["areas"], working_crs=UTM)
    assert layers.areas is not None
    assert layers.areas["area_id"].tolist() == ["osm/way/50"]
    assert layers.areas.area.iloc[0] == pytest.approx(35_000.0, abs=1.0)


# A block of the sample's OSM file (metres of its UTM zone 48N), once the areas of a
# 小区 list given as points took nothing from it: a hole (land the file maps as not
# residential) 3 m from its northern edge. GEOS's mitred growth of the block shrunk by
# 10 m crosses itself there, and its intersection with the land raised a
# TopologyException.
_SELF_CROSSING_BLOCK = (
    "POLYGON ((579606.1201645804 3588684.1327257846, 579540.2118467691 3588529.883778645, "
    "579349.6130649555 3588532.1815473866, 579341.5126544347 3588532.2839686223, "
    "579246.2201809448 3588583.28112404, 579182.2165610115 3588617.5791162155, "
    "579155.9667148092 3588652.7292636246, 579133.5190904937 3588802.3867712966, "
    "579117.1651423337 3588911.733539282, 579109.3138457298 3588963.88638317, "
    "579297.9124571964 3588936.2375120036, 579689.2680621307 3588878.877687772, "
    "579606.1201645804 3588684.1327257846), (579166.9586869999 3588916.083023717, "
    "579187.0445530802 3588909.808503931, 579193.9656187976 3588933.3180863014, "
    "579172.2591954599 3588951.412661977, 579158.6199461939 3588941.8062757663, "
    "579166.9586869999 3588916.083023717))"
)


def test_a_block_whose_mitred_opening_crosses_itself_keeps_its_wide_land() -> None:
    from siting.osm.blocks import _kept_parts

    land = shapely.from_wkt(_SELF_CROSSING_BLOCK)
    grown = shapely.buffer(shapely.buffer(land, -10, join_style="mitre"), 10, join_style="mitre")
    assert not grown.is_valid  # the GEOS behaviour this test guards against
    kept, area = _kept_parts(np.array([land], dtype=object), BlockRules(min_width_m=20.0))
    block = kept[0]
    assert block.is_valid and shapely.difference(block, land).area < 1e-6
    assert area[0] == pytest.approx(block.area)
    # the strip between the hole's top (579172.3, 3588951.4) and the edge 3 m north of
    # it, narrower than 20 m, goes; the block's wide middle stays, and it loses less
    # than 0.5 % of its 176,974 m²
    strip = shapely.Point(579172.3, 3588953.0)
    assert land.covers(strip) and not block.covers(strip)
    assert block.covers(shapely.Point(579400.0, 3588750.0))
    assert 0.995 * land.area < area[0] < land.area
