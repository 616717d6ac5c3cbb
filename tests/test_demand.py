"""Demand per area and workplace, checked against hand computations."""

from __future__ import annotations

import dataclasses
import html
import logging
import re
import shutil
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
from affine import Affine
from shapely.geometry import box

from siting.demand import (
    _building_weights,
    area_demand,
    demand_items,
    district_demand,
    workplace_demand,
)
from siting.errors import InputError, ScenarioError
from siting.osm import NON_RESIDENTIAL_BUILDINGS
from siting.scenario import DemandSettings, Ratios, Scenario

CRS = "EPSG:4544"


@pytest.fixture
def raster(tmp_path: Path) -> Path:
    """A 4 × 4 raster of 100 m cells: 100 people in each cell, 0 in the last column."""
    values = np.full((4, 4), 100.0, dtype="float32")
    values[:, 3] = 0.0
    path = tmp_path / "pop.tif"
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=4,
        height=4,
        count=1,
        dtype="float32",
        crs=CRS,
        nodata=-9999,
        transform=Affine(100, 0, 0, 0, -100, 400),
    ) as dst:
        dst.write(values, 1)
    return path


def areas() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "status": ["old", "new", "rural", "old"],
            "dwellings": [np.nan, 1000.0, np.nan, np.nan],
            "migrant_share": [0.25, np.nan, np.nan, np.nan],
            "district_id": ["d1", "d1", "d2", "d2"],
        },
        geometry=[
            box(0, 200, 200, 400),  # 4 full cells: 400 people
            box(200, 200, 400, 400),  # 2 cells of 100 + 2 empty cells: 200 people, new
            box(0, 0, 150, 200),  # 2 full cells + 2 half cells: 300 people, rural
            box(150, 0, 300, 200),  # 2 half cells + 2 full cells: 300 people
        ],
        index=pd.Index(["A1", "A2", "A3", "A4"], name="area_id"),
        crs=CRS,
    )


ROUND_UP = Scenario(demand=DemandSettings(round_up=True))


def test_area_demand_by_hand(raster: Path) -> None:
    table = area_demand(areas(), raster, scenario=ROUND_UP)
    assert table["population"].tolist() == pytest.approx([400, 200, 300, 300])
    # new area: 1,000 dwellings × 2.36 persons; others: the raster population
    assert table["planned_population"].tolist() == pytest.approx([400, 2360, 300, 300])
    assert table["ratio"].tolist() == [8.0, 10.0, 4.5, 8.0]
    # ceil(3.2)=4, ceil(23.6)=24, ceil(1.35)=2, ceil(2.4)=3
    assert table["required_slots"].tolist() == [4, 24, 2, 3]
    assert table["migrant_population"].tolist() == pytest.approx([100, 0, 0, 0])
    assert table["migrant_slots"].tolist() == [1, 0, 0, 0]  # ceil(0.8)
    under3 = 3 * 6.2 / 1000 * 0.30
    assert table["demand_estimate_slots"].tolist() == pytest.approx(
        [(400 + 100) * under3, 2360 * under3, 300 * under3, 300 * under3]
    )


def test_residents_from_dwellings_by_hand(raster: Path) -> None:
    """demand.residents = "dwellings": an old area with 1,000 dwellings (the raster puts
    400 there) has 2,360 residents, a rural one with 500 has 1,180; an old one without
    dwellings keeps the raster's 300; the migrants are a share of the same residents."""
    frame = areas()
    frame["dwellings"] = [1000.0, 1000.0, 500.0, np.nan]
    scenario = Scenario(demand=DemandSettings(residents="dwellings"))
    table = area_demand(frame, raster, scenario=scenario)
    assert table["population"].tolist() == pytest.approx([400, 200, 300, 300])
    assert table["planned_population"].tolist() == pytest.approx([2360, 2360, 1180, 300])
    assert table["required_slots"].tolist() == pytest.approx([18.88, 23.6, 5.31, 2.4])
    assert table["migrant_population"].tolist() == pytest.approx([590, 0, 0, 0])  # 0.25
    default = area_demand(frame, raster, scenario=Scenario())
    assert default["planned_population"].tolist() == pytest.approx([400, 2360, 300, 300])
    assert default["migrant_population"].tolist() == pytest.approx([100, 0, 0, 0])


def test_residents_must_be_a_known_word() -> None:
    from siting.scenario import check_scenario

    with pytest.raises(ScenarioError, match=r"demand\.residents"):
        check_scenario(Scenario(demand=DemandSettings(residents="households")))
    check_scenario(Scenario(demand=DemandSettings(residents="dwellings")))


def test_default_serves_the_raw_requirement_and_rounds_only_whole_classes(raster: Path) -> None:
    table = area_demand(areas(), raster, scenario=Scenario())
    # 400 × 8, 2,360 × 10, 300 × 4.5, 300 × 8 per 1,000
    assert table["required_slots"].tolist() == pytest.approx([3.2, 23.6, 1.35, 2.4])
    assert table["migrant_slots"].tolist() == pytest.approx([0.8, 0, 0, 0])
    # only A2 reaches a whole class (10 slots, a 乳儿班): reported as 24; the rest to 0.1
    assert table["required_slots_rounded"].tolist() == pytest.approx([3.2, 24, 1.4, 2.4])
    assert not table["required_rounded"].any()


def test_without_rounding_and_other_ratios(raster: Path) -> None:
    s = Scenario(ratios=Ratios(new=12, old=9), demand=DemandSettings(round_up=False))
    table = area_demand(areas(), raster, scenario=s)
    assert table["required_slots"].tolist() == pytest.approx([3.6, 28.32, 1.35, 2.7])
    assert not table["required_rounded"].any()


def test_exact_ratio_is_not_rounded_up_past_itself(tmp_path: Path, raster: Path) -> None:
    # 1,000 planned people × 10 / 1,000 = exactly 10 slots, not 11
    new = areas().iloc[[1]].assign(dwellings=1000 / 2.36)
    table = area_demand(new, raster, scenario=ROUND_UP)
    assert table["required_slots"].tolist() == [10]


def test_migrant_raster_overrides_share(tmp_path: Path, raster: Path) -> None:
    table = area_demand(areas(), raster, scenario=Scenario(), migrant_population=raster)
    assert table["migrant_population"].tolist() == pytest.approx([400, 200, 300, 300])


def test_workplaces_and_demand_items(raster: Path) -> None:
    wp = gpd.GeoDataFrame(
        {"migrant_workers": [1000, 0]},
        geometry=[box(0, 0, 10, 10), box(10, 10, 20, 20)],
        index=pd.Index(["W1", "W2"], name="workplace_id"),
        crs=CRS,
    )
    work = workplace_demand(wp, scenario=ROUND_UP)
    assert work["migrant_slots"].tolist() == [8, 0]
    table = area_demand(areas(), raster, scenario=ROUND_UP)
    items = demand_items(table, work)
    assert items.index.tolist() == ["A1", "A2", "A3", "A4", "A1/migrant", "W1/migrant"]
    assert items["required"].tolist() == [4, 24, 2, 3, 1, 8]
    assert items.loc["W1/migrant", "area_id"] is None
    assert items.loc["A1/migrant", "kind"] == "migrant"
    per_district = district_demand(table, areas()["district_id"])
    assert per_district.loc["d1", "required_slots"] == 28
    assert per_district.loc["d2", "population"] == pytest.approx(600)


def test_no_area_and_no_workplace_is_no_demand_item() -> None:
    # a county holding parcels only (a partitioned run): concat of nothing raised
    table = pd.DataFrame(
        {"required_slots": [], "migrant_slots": [], "status": []},
        index=pd.Index([], name="area_id", dtype=object),
    )
    empty = workplace_demand(
        gpd.GeoDataFrame({"migrant_workers": []}, geometry=[], crs=CRS), scenario=ROUND_UP
    )
    for work in (None, empty):
        items = demand_items(table, work)
        assert items.empty
        assert items.index.name == "demand_id"
        assert {"required", "area_id", "workplace_id", "kind", "status"} <= set(items.columns)


def test_building_weights_are_residential_floor_area() -> None:
    # 10 m × 10 m footprints: 100 m² each
    buildings = gpd.GeoDataFrame(
        {
            "floor_area_m2": [350.0, np.nan, np.nan, np.nan, np.nan, np.nan, np.nan],
            "levels": [9.0, 6.0, np.nan, 6.0, 6.0, 3.0, 2.0],
            "building": ["apartments", "yes", None, "School", " office ", "yes", "house"],
            "residential": [True, True, True, True, True, False, True],
        },
        geometry=[box(0, 0, 10, 10)] * 7,
        crs=CRS,
    )
    weights, said = _building_weights(buildings)
    assert weights is not None and said == []
    # floor area first, then levels × footprint, then the footprint; a school, an
    # office (any case, any spaces) and a building marked not residential hold nobody
    assert weights["weight"].tolist() == pytest.approx([350, 600, 100, 0, 0, 0, 200])
    assert "school" in NON_RESIDENTIAL_BUILDINGS and "yes" not in NON_RESIDENTIAL_BUILDINGS
    # without the kind and flag columns every building counts
    plain, _ = _building_weights(buildings.drop(columns=["building", "residential"]))
    assert plain is not None
    assert plain["weight"].tolist() == pytest.approx([350, 600, 100, 600, 600, 300, 200])


def test_point_buildings_with_levels_only_are_found() -> None:
    """Points with levels weigh levels × footprint = 0: the layer did nothing, silently;
    then a warning on the terminal alone; now a finding of the run."""
    import geopandas as gpd
    from shapely.geometry import Point, box

    from siting.demand import _building_weights

    buildings = gpd.GeoDataFrame(
        {"levels": [6.0, 6.0, 3.0], "floor_area_m2": [None, 900.0, None]},
        geometry=[Point(0, 0), Point(10, 0), box(20, 0, 30, 10)],
        crs="EPSG:4544",
    )
    weights, (said,) = _building_weights(buildings)
    assert weights is not None
    assert weights["weight"].tolist() == [0.0, 900.0, 300.0]
    assert said.startswith("buildings: 1 of 3 housing buildings are points without floor_area_m2")
    assert said.record() == {"code": "buildings_weigh_nothing", "count": 1, "of": 3}


def test_people_from_outside_the_districts_are_named(tmp_path: Path) -> None:
    """The sample city with one district shrunk by 400 m: the areas crossing its edge hold
    people of cells outside it, and the run tells them apart from the district's own."""
    import dataclasses

    import shapely
    from rasterio.features import geometry_window

    from siting.demand import estimate_demand
    from siting.pipeline import read_inputs

    sample = Path(__file__).resolve().parents[1] / "data" / "sample" / "scenario.toml"
    scenario, inputs = read_inputs(sample)
    assert inputs.districts is not None
    districts = inputs.districts.copy()
    shrunk = districts.index[0]
    districts.loc[shrunk, "geometry"] = districts.geometry[shrunk].buffer(-400.0)
    demand = estimate_demand(dataclasses.replace(inputs, districts=districts), scenario=scenario)
    acc = demand.accounting["population"]

    # the raster's people inside the districts, each cell by its exact share (shapely)
    with rasterio.open(inputs.population) as ds:
        zones = districts.to_crs(ds.crs).geometry
        window = geometry_window(ds, list(zones))
        values = ds.read(1, window=window, masked=True).filled(0.0).astype(float)
        t = ds.window_transform(window)
    rows, cols = np.indices(values.shape)
    x0, y0 = t.c + cols.ravel() * t.a, t.f + rows.ravel() * t.e
    cells = shapely.box(x0, y0 + t.e, x0 + t.a, y0)
    share = shapely.area(shapely.intersection(cells, zones.union_all())) / shapely.area(cells)
    expected = float((values.ravel() * share).sum())
    assert acc["districts_total"] == pytest.approx(expected, rel=1e-9)
    assert acc["total"] - acc["districts_total"] > 0.01 * acc["total"]

    crossing = inputs.areas.index[
        ~inputs.areas.geometry.covered_by(districts.to_crs(inputs.areas.crs).union_all())
    ]
    assert len(crossing) > 0
    (line,) = [f for f in demand.findings if "outside the districts" in f]
    assert f"{len(crossing):,} areas cross" in line
    assert str(crossing[0]) in line
    # the sample as it comes: its districts cover every area, so nothing is said
    assert not any(
        "outside the districts" in f for f in estimate_demand(inputs, scenario=scenario).findings
    )


def _children_scenario(tmp_path: Path, raster: Path, population: str) -> Path:
    """A scenario over the four hand areas whose population raster is ``raster``."""
    gpkg = tmp_path / "city.gpkg"
    areas().reset_index().to_file(gpkg, layer="areas")
    parcels = gpd.GeoDataFrame(
        {"site_id": ["P1"], "kind": ["idle_land"], "acquisition": ["new_build"]},
        geometry=[box(10, 10, 50, 50)],
        crs=CRS,
    )
    parcels.to_file(gpkg, layer="parcels")
    path = tmp_path / "scenario.toml"
    path.write_text(
        f'name = "children"\ncrs = "{CRS}"\n[inputs]\n'
        f'population = {{ path = "{raster.name}"{population} }}\n'
        'areas = { path = "city.gpkg", layer = "areas" }\n'
        'parcels = { path = "city.gpkg", layer = "parcels" }\n',
        encoding="utf-8",
    )
    return path


def test_a_children_raster_given_as_population_is_turned_into_residents(
    tmp_path: Path, raster: Path
) -> None:
    """The ratios are slots per 1,000 residents: a raster of children 0–5 read as residents
    gave Accra's blocks 8.6 % of their slots (WorldPop: 336,486 children of 3,915,942).
    Said to count children 5 % of the residents, each child stands for 20 residents."""
    from siting.demand import estimate_demand
    from siting.errors import ScenarioError
    from siting.inputs import load_inputs
    from siting.scenario import load_scenario

    said = ', counts = "children", share_of_residents = 0.05'
    scenario = load_scenario(_children_scenario(tmp_path, raster, said))
    assert scenario.inputs is not None
    inputs = load_inputs(scenario.inputs, crs=scenario.crs)
    demand = estimate_demand(inputs, scenario=scenario)
    table = demand.areas
    # the hand areas hold 400, 200, 300 and 300 children (test_area_demand_by_hand)
    assert table["population"].to_dict() == pytest.approx(
        {"A1": 8000.0, "A2": 4000.0, "A3": 6000.0, "A4": 6000.0}
    )
    # old 8, new 10 (dwellings × 2.36, not the raster), rural 4.5 per 1,000 residents
    assert table["required_slots"].to_dict() == pytest.approx(
        {"A1": 64.0, "A2": 23.6, "A3": 27.0, "A4": 48.0}
    )
    acc = demand.accounting["population"]
    assert acc["counts"] == "children"
    assert acc["raster_people"] == pytest.approx(1200.0)
    assert (acc["total"], acc["held"], acc["residual"]) == pytest.approx((24_000.0, 24_000.0, 0))
    assert (
        "the population raster counts children, 5.00% of the residents (inputs.population."
        "share_of_residents): its 1,200 children in the study area stand for 24,000 residents, "
        "to whom the ratios per 1,000 residents apply"
    ) in demand.findings
    # counting children needs their share of the residents
    with pytest.raises(ScenarioError, match=r"needs 'inputs\.population\.share_of_residents'"):
        load_scenario(_children_scenario(tmp_path, raster, ', counts = "children"'))
    with pytest.raises(ScenarioError, match="is given but counts = 'residents'"):
        load_scenario(_children_scenario(tmp_path, raster, ", share_of_residents = 0.05"))


CHILDREN = {"counts": "children", "share_of_residents": 0.05}
"""The hand raster's 1,200 people said to be children, 5 % of the residents: 24,000."""


def test_the_api_reads_a_children_raster_as_the_scenario_does(tmp_path: Path, raster: Path) -> None:
    """An analyst calling area_demand or estimate_demand with a Scenario() (no [inputs]) had
    no way to say the raster counts children: its 1,200 children were read as 1,200
    residents. The keyword options give the scenario's numbers: 1,200 ÷ 0.05 = 24,000."""
    from siting.demand import estimate_demand
    from siting.inputs import load_inputs
    from siting.scenario import load_scenario

    said = ', counts = "children", share_of_residents = 0.05'
    scenario = load_scenario(_children_scenario(tmp_path, raster, said))
    assert scenario.inputs is not None
    inputs = load_inputs(scenario.inputs, crs=scenario.crs)
    by_scenario = estimate_demand(inputs, scenario=scenario)
    bare = Scenario()
    by_api = estimate_demand(inputs, scenario=bare, **CHILDREN)
    pd.testing.assert_frame_equal(by_api.areas, by_scenario.areas)
    assert by_api.accounting == by_scenario.accounting
    assert by_api.findings == by_scenario.findings
    table = area_demand(areas(), raster, scenario=bare, **CHILDREN)
    # 400, 200, 300 and 300 children (test_area_demand_by_hand) × 20
    assert table["population"].to_dict() == pytest.approx(
        {"A1": 8000.0, "A2": 4000.0, "A3": 6000.0, "A4": 6000.0}
    )
    assert table["population"].sum() == pytest.approx(24_000.0)
    pd.testing.assert_frame_equal(table, by_scenario.areas[table.columns])
    # the scenario's [inputs.population] is read when no option is given
    pd.testing.assert_frame_equal(area_demand(areas(), raster, scenario=scenario), table)
    # and the options win over it: said to count residents, the raster's own 1,200
    residents = area_demand(areas(), raster, scenario=scenario, counts="residents")
    assert residents["population"].sum() == pytest.approx(1_200.0)


def test_a_population_of_dwellings_is_times_persons_per_household(raster: Path) -> None:
    """counts = "dwellings": the hand raster's 400, 200, 300 and 300 (households, 户数)
    stand for 944, 472, 708 and 708 residents at 2.36 persons each, 1,200 at 2.5 for 3,000."""
    table = area_demand(areas(), raster, scenario=Scenario(), counts="dwellings")
    assert table["population"].tolist() == pytest.approx([944.0, 472.0, 708.0, 708.0])
    assert table["required_slots"][["A1", "A3"]].tolist() == pytest.approx([7.552, 3.186])
    pph = Scenario(demand=DemandSettings(persons_per_household=2.5))
    assert area_demand(areas(), raster, scenario=pph, counts="dwellings")[
        "population"
    ].sum() == pytest.approx(3_000.0)
    with pytest.raises(InputError, match="is given but counts = 'dwellings'"):
        area_demand(
            areas(), raster, scenario=Scenario(), counts="dwellings", share_of_residents=0.5
        )


@pytest.mark.parametrize(
    ("options", "said"),
    [
        ({"counts": "kids"}, "'counts' must be 'residents', 'children' or 'dwellings', got 'kids'"),
        ({"counts": "children"}, "'counts' = 'children' needs 'share_of_residents'"),
        ({**CHILDREN, "share_of_residents": 0.0}, "'share_of_residents' must be a number more"),
        (
            {**CHILDREN, "share_of_residents": 8.6},
            "'share_of_residents' must be a number more than 0 and at most 1, got 8.6. Fix: "
            "give the share, not a percentage: 8.6 % is 0.086",
        ),
        ({**CHILDREN, "share_of_residents": True}, "'share_of_residents' must be a number more"),
        ({"share_of_residents": 0.05}, "'share_of_residents' is given but counts = 'residents'"),
    ],
)
def test_the_api_checks_whom_the_raster_counts_as_the_scenario_does(
    raster: Path, options: dict[str, Any], said: str
) -> None:
    """The keyword options are checked as [inputs.population]'s keys are, naming the
    argument (a share of 8.6, a percentage, would have asked for 1/86 of the slots)."""
    from siting.errors import InputError

    with pytest.raises(InputError, match=re.escape(said)):
        area_demand(areas(), raster, scenario=Scenario(), **options)


def test_the_api_warns_of_a_raster_named_for_children_as_the_cli_does(
    tmp_path: Path, raster: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """area_demand read accra-age0-5-worldpop.tif as residents without a word: the warning
    came only from load_inputs, which a notebook calling area_demand never runs. It is now
    logged as every API warning is (logging, WARNING, which a notebook shows on stderr),
    in the CLI's words but for the arguments."""
    from siting.inputs import load_inputs
    from siting.scenario import load_scenario

    named = raster.rename(tmp_path / "accra-age0-5-worldpop.tif")
    scenario = load_scenario(_children_scenario(tmp_path, named, ""))
    assert scenario.inputs is not None
    with caplog.at_level(logging.WARNING, logger="siting"):
        # a finding of the run since the input warnings that move a plan are findings
        (cli,) = [n for n in load_inputs(scenario.inputs).findings if "age group" in n]
        (loaded,) = [r for r in caplog.records if "age group" in r.getMessage()]
        caplog.clear()
        area_demand(areas(), named, scenario=Scenario())
    (api,) = [r for r in caplog.records if "age group" in r.getMessage()]
    assert (loaded.getMessage(), loaded.levelno) == (cli, logging.WARNING)
    assert (api.name, api.levelno) == ("siting.demand", logging.WARNING)
    same = cli[: cli.index("If it counts children")]
    assert same.startswith("population: the raster's name 'accra-age0-5-worldpop.tif' says")
    assert api.getMessage() == (
        same + 'If it counts children, pass counts="children" and share_of_residents= (the '
        "share of the residents it counts); else ignore this"
    )
    # said to count children, by the options or by the scenario: no warning
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="siting"):
        area_demand(areas(), named, scenario=Scenario(), **CHILDREN)
        said = ', counts = "children", share_of_residents = 0.05'
        area_demand(
            areas(), named, scenario=load_scenario(_children_scenario(tmp_path, named, said))
        )
    assert not [r for r in caplog.records if "age group" in r.getMessage()]


@pytest.mark.parametrize(
    ("name", "demand", "said"),
    [
        # WorldPop's Accra children 0–5 beside the total: every child counted under three
        ("accra-age0-5-worldpop.tif", "", "ages 0–5"),
        ("gha_under5_2020.tif", "", "ages 0–4"),
        # the share said, or a raster of under-threes (0–3岁 are the under-threes): nothing
        ("accra-age0-5-worldpop.tif", "children_under3_share = 0.6", None),
        ("广元0-3岁婴幼儿.tif", "", None),
        ("kids-age0-2.tif", "", None),
        # WorldPop R2025A's under-ones (…_t_00_…) were read as its 1–4s: "ages 1–4, set 0.5"
        ("chn_t_00_2025_CN_100m_R2025A_v1.tif", "", None),
        # its 1–4s, and the global mosaic's, whose "global_" prefix was not read
        ("chn_t_01_2025_CN_100m_R2025A_v1.tif", "", "ages 1–4"),
        ("global_f_1_2020_1km.tif", "", "ages 1–4"),
    ],
)
def test_a_children_raster_of_older_children_asks_for_their_share_under_three(
    tmp_path: Path, raster: Path, name: str, demand: str, said: str | None
) -> None:
    """A children raster of 0–5-year-olds (WorldPop's Accra) beside the total raster, with
    demand.children_under3_share at its default 1, counted all 55,876 of the areas' 0–5s as
    under three without a word: the children's estimate said 16,763 slots where the
    under-threes' (0.6 of them, WorldPop's under-fives) ask 10,058."""
    import shutil

    from siting.demand import estimate_demand
    from siting.inputs import load_inputs
    from siting.scenario import load_scenario

    children = shutil.copy(raster, tmp_path / name)
    path = _children_scenario(tmp_path, raster, "")
    text = path.read_text(encoding="utf-8") + f'children = {{ path = "{name}" }}\n'
    path.write_text(text + (f"[demand]\n{demand}\n" if demand else ""), encoding="utf-8")
    scenario = load_scenario(path)
    assert scenario.inputs is not None and scenario.inputs.children is not None
    assert scenario.inputs.children.path == Path(children)
    found = estimate_demand(load_inputs(scenario.inputs, crs=scenario.crs), scenario=scenario)
    # the hand areas hold 400, 200, 300 and 300 of the raster's children
    share = 0.6 if demand else 1.0
    assert found.areas["children_under3"].sum() == pytest.approx(1200.0 * share)
    lines = [f for f in found.findings if f.code == "children_older_than_three"]
    if said is None:
        assert lines == []
        return
    (line,) = lines
    suggested = "0.6" if said == "ages 0–4" else "0.5"  # 3 of 6 ages, 2 of 4 (1 and 2)
    assert line == (
        f"children: the raster's name '{name}' says it counts {said}, but "
        "demand.children_under3_share is 1, so each of its children counts as under three "
        "(1,200 in the areas): the children's estimate (children_estimate_slots) and the "
        "access per 1,000 children count the older ones too. Fix: set children_under3_share "
        f"under [demand] to the share of them under three: about {suggested} if it counts "
        f"{said.replace('–', ' to ')} in whole years"
        + (
            ", or 0.6 if it counts the children under five, as WorldPop's age0-5 rasters do "
            "(their 0 and 1–4 bands)"
            if suggested == "0.5"
            else ""
        )
    )


def _stack_vrt(path: Path, files: list[Path]) -> None:
    """``gdalbuildvrt -separate``'s virtual raster of same-grid GeoTIFFs: a band per file."""
    with rasterio.open(files[0]) as src:
        width, height, nodata = src.width, src.height, src.nodata
        head = (
            f'<VRTDataset rasterXSize="{width}" rasterYSize="{height}">'
            f"<SRS>{html.escape(src.crs.to_wkt())}</SRS>"
            f"<GeoTransform>{', '.join(map(str, src.transform.to_gdal()))}</GeoTransform>"
        )
    rect = f'xOff="0" yOff="0" xSize="{width}" ySize="{height}"'
    bands = "".join(
        f'<VRTRasterBand dataType="Float32" band="{b}"><NoDataValue>{nodata}</NoDataValue>'
        f'<SimpleSource><SourceFilename relativeToVRT="1">{f.name}</SourceFilename>'
        f"<SourceBand>1</SourceBand><SrcRect {rect}/><DstRect {rect}/></SimpleSource>"
        "</VRTRasterBand>"
        for b, f in enumerate(files, start=1)
    )
    path.write_text(head + bands + "</VRTDataset>", encoding="utf-8")


def test_worldpop_age_files_are_read_as_the_bands_of_a_virtual_raster(
    tmp_path: Path, raster: Path
) -> None:
    """WorldPop hands its age groups over as files (``chn_t_00_…``, ``chn_t_01_…``): a list
    of them as ``path`` said only "must be a path string"; it now says to stack them as a
    virtual raster's bands, and that route reads both (the hand areas hold 1,200 of the
    first file's children and 600 of the second's)."""
    from siting.demand import estimate_demand
    from siting.inputs import load_inputs
    from siting.scenario import load_scenario

    under_ones, ones_to_fours = tmp_path / "chn_t_00_2025.tif", tmp_path / "chn_t_01_2025.tif"
    shutil.copy(raster, under_ones)
    with rasterio.open(raster) as src:
        profile, values = src.profile, src.read(1)
    with rasterio.open(ones_to_fours, "w", **profile) as dst:
        dst.write(values / 2, 1)
    path = _children_scenario(tmp_path, raster, "")
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text + 'children = { path = ["chn_t_00_2025.tif", "chn_t_01_2025.tif"] }\n',
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError) as said:
        load_scenario(path)
    assert str(said.value) == (
        f"{path}: 'inputs.children.path' is a list of 2 files (chn_t_00_2025.tif, "
        "chn_t_01_2025.tif); siting reads one raster per key. Fix: to add rasters up "
        "(WorldPop's age or sex files, such as …_00_… and …_01_…), stack them as the bands "
        "of one virtual raster (QGIS: Raster ▸ Miscellaneous ▸ Build Virtual Raster, with "
        "'Place each input file into a separate band'; or gdalbuildvrt -separate stack.vrt "
        'chn_t_00_2025.tif chn_t_01_2025.tif) and give { path = "stack.vrt", bands = [1, 2] }.'
    )
    _stack_vrt(tmp_path / "stack.vrt", [under_ones, ones_to_fours])
    for share in ("", "children_under3_share = 0.6"):
        path.write_text(
            text + f'children = {{ path = "stack.vrt", bands = [1, 2] }}\n[demand]\n{share}\n',
            encoding="utf-8",
        )
        scenario = load_scenario(path)
        found = estimate_demand(load_inputs(scenario.inputs, crs=scenario.crs), scenario=scenario)
        under3 = (1200.0 + 600.0) * (0.6 if share else 1.0)
        assert found.areas["children_under3"].sum() == pytest.approx(under3)
        said = [f for f in found.findings if f.code == "children_older_than_three"]
        # the stacked files' names say ages 0 and 1–4: with the share at 1, say so
        assert (
            said == []
            if share
            else said[0].startswith(
                "children: the files stacked in stack.vrt (chn_t_00_2025.tif, chn_t_01_2025.tif) "
                "say they count ages 0–4, but demand.children_under3_share is 1, so each of its "
                "children counts as under three (1,800 in the areas)"
            )
        )
        if not share:
            assert said[0].endswith("about 0.6 if it counts ages 0 to 4 in whole years")


@pytest.mark.parametrize("demand", ["", "children_under3_share = 0.6"])
def test_a_children_raster_of_no_under_three_says_so(
    tmp_path: Path, raster: Path, demand: str
) -> None:
    """WorldPop's 5–9s (R2025A's ``…_m_05_…``) given as the children raster were counted as
    under-threes without a word (its name's age group was read only for 0 and 1): whatever
    the share, none of them is under three."""
    import shutil

    from siting.demand import estimate_demand
    from siting.inputs import load_inputs
    from siting.scenario import load_scenario

    name = "chn_m_05_2025_CN_100m_R2025A_v1.tif"
    shutil.copy(raster, tmp_path / name)
    path = _children_scenario(tmp_path, raster, "")
    text = path.read_text(encoding="utf-8") + f'children = {{ path = "{name}" }}\n'
    path.write_text(text + (f"[demand]\n{demand}\n" if demand else ""), encoding="utf-8")
    scenario = load_scenario(path)
    assert scenario.inputs is not None
    found = estimate_demand(load_inputs(scenario.inputs, crs=scenario.crs), scenario=scenario)
    share = 0.6 if demand else 1.0
    assert found.areas["children_under3"].sum() == pytest.approx(1200.0 * share)
    assert [f for f in found.findings if f.code == "children_older_than_three"] == []
    (line,) = [f for f in found.findings if f.code == "children_not_under_three"]
    assert line == (
        f"children: the raster's name '{name}' says it counts ages 5–9, none of them under "
        "three, so the children's estimate (children_estimate_slots) and the access per "
        f"1,000 children ({1200 * share:,.0f} children in the areas) are not about the "
        "under-threes. Fix: give the raster of the youngest children as [inputs.children] "
        "(WorldPop's age groups 0 and 1, the …_00_… and …_01_… files)"
    )


def test_a_reach_beyond_the_raster_check_moves_no_unchecked_cell(tmp_path: Path) -> None:
    """The raster's values are checked over the areas' and districts' box + 2 km; a
    demand.residual_to_nearest_m of 5 km reaches cells 3 km beyond that, which hold -50
    people here (a check would refuse them). Only residual cells inside the study area
    (the districts) move, so the plan counts none of them: the same numbers as the clean
    raster, in one run and in a partitioned county's, whose window does read them."""
    from test_inputs import X0, Y0, districts_frame, make_spec, write, write_raster

    from siting.allocation import allocate
    from siting.demand import estimate_demand
    from siting.inputs import load_inputs
    from siting.scenario import LayerSpec, RasterSpec

    # districts span X0 - 1,000 .. X0 + 3,000; the areas X0 .. X0 + 1,700 (test_inputs)
    x0, y0 = X0 - 8_000, Y0 + 6_000
    people = np.full((110, 180), 5.0, dtype="float32")
    bad = people.copy()
    for x in (X0 - 4_000, X0 + 6_000):  # 3 km beyond the districts, within 5 km of an area
        bad[:, int((x - x0) // 100)] = -50.0
    districts = LayerSpec(path=write(districts_frame(), tmp_path / "districts.fgb"))
    spec = make_spec(tmp_path, districts=districts)
    scenario = Scenario(demand=DemandSettings(residual_to_nearest_m=5_000.0))
    seen = []
    for name, values in (("bad.tif", bad), ("clean.tif", people)):
        raster = write_raster(tmp_path / name, values=values, origin=(x0, y0))
        inputs = load_inputs(dataclasses.replace(spec, population=RasterSpec(path=raster)))
        demand = estimate_demand(inputs, scenario=scenario)
        # the left district's county, its neighbour as context: its window reaches 5 km
        # beyond its box, over the bad column 3 km left of the districts
        left = inputs.areas["district_id"] == "510802"
        county = allocate(
            inputs.areas.geometry[left],
            inputs.population,
            zones=inputs.districts.geometry.loc[["510802"]],
            context=inputs.areas.geometry[~left],
            context_zones=inputs.districts.geometry.loc[["510811"]],
            nearest_m=5_000.0,
        )
        seen.append((demand.areas["population"].to_dict(), demand.accounting, county))
    (areas_bad, acc_bad, county_bad), (areas_clean, acc_clean, county_clean) = seen
    assert areas_bad == pytest.approx(areas_clean)
    # 40 × 30 cells of 5 inside the districts, every one moved to or held by an area
    assert acc_bad["population"]["total"] == pytest.approx(6_000.0)
    assert {k: v for k, v in acc_bad["population"].items() if k != "raster"} == {
        k: v for k, v in acc_clean["population"].items() if k != "raster"
    }
    assert county_bad.held.to_dict() == pytest.approx(county_clean.held.to_dict())
    assert (county_bad.total, county_bad.moved) == pytest.approx(
        (county_clean.total, county_clean.moved)
    )


def test_area_demand_takes_areas_without_the_optional_columns(raster: Path) -> None:
    """Areas made in a notebook with a status only (no dwellings, no migrant_share) raised
    AttributeError: 'numpy.float64' object has no attribute 'fillna' (pd.to_numeric of
    the missing column is NaN, not None). They are now areas without dwellings or migrants."""
    table = area_demand(areas()[["status", "geometry"]], raster, scenario=Scenario())
    assert table["population"].tolist() == pytest.approx([400, 200, 300, 300])
    # old 8, rural 4.5 per 1,000; the new area has no dwellings, so no planned people
    assert table["required_slots"].tolist() == pytest.approx([3.2, 0.0, 1.35, 2.4])
    assert table["migrant_population"].tolist() == [0.0, 0.0, 0.0, 0.0]


def test_a_virtual_raster_s_ages_are_those_of_the_bands_read(tmp_path: Path, raster: Path) -> None:
    """WorldPop's age files stacked as one virtual raster (0, 1–4, 5–9), its bands 1 and 2
    read as the children: the finding said every stacked file's ages, "ages 0–9 … about
    0.3", where the children read are 0–4 (about 0.6)."""
    from siting.demand import estimate_demand
    from siting.inputs import load_inputs
    from siting.scenario import load_scenario

    names = ["chn_t_00_2025.tif", "chn_t_01_2025.tif", "chn_t_05_2025.tif"]
    for name in names:
        shutil.copy(raster, tmp_path / name)
    _stack_vrt(tmp_path / "ages.vrt", [tmp_path / name for name in names])
    path = _children_scenario(tmp_path, raster, "")
    text = path.read_text(encoding="utf-8")
    path.write_text(text + 'children = { path = "ages.vrt", bands = [1, 2] }\n', "utf-8")
    scenario = load_scenario(path)
    found = estimate_demand(load_inputs(scenario.inputs, crs=scenario.crs), scenario=scenario)
    assert found.areas["children_under3"].sum() == pytest.approx(2400.0)
    (line,) = [f for f in found.findings if f.code == "children_older_than_three"]
    assert line.startswith(
        "children: the files stacked in ages.vrt (chn_t_00_2025.tif, chn_t_01_2025.tif) "
        "say they count ages 0–4, but"
    )
    assert line.endswith("about 0.6 if it counts ages 0 to 4 in whole years")
