"""Scenario loading: defaults from DOMAIN.md, strict keys, clear errors."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from siting.errors import ScenarioError, SitingError
from siting.scenario import (
    Policy,
    Radii,
    Scenario,
    check_scenario,
    load_scenario,
    scenario_problems,
)

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample" / "scenario.toml"


def test_defaults_are_the_domain_numbers() -> None:
    s = Scenario()
    assert (s.ratios.new, s.ratios.old, s.ratios.rural) == (10.0, 8.0, 4.5)
    assert s.radii.urban_m == 300.0
    assert s.demand.persons_per_household == 2.36
    assert s.demand.birth_rate_per_1000 == 6.2
    assert s.demand.takeup == 0.30
    assert s.facility.floor_m2_per_slot == 9.0
    assert s.facility.outdoor_m2_per_slot == 3.0
    assert s.hazards.petrol_station_m == 50.0
    assert s.solver.cost_search == ("local", "lagrangian", "regions")
    medium = next(o for o in s.facility.options if o.name == "medium")
    assert (medium.infant, medium.toddler, medium.older, medium.slots) == (1, 2, 2, 80)
    assert medium.classes == 5


def test_sample_scenario_loads_with_resolved_paths() -> None:
    s = load_scenario(SAMPLE)
    assert s.crs == "EPSG:4544"
    assert s.inputs is not None
    assert s.inputs.areas.path == SAMPLE.parent.resolve() / "city.gpkg"
    assert s.inputs.areas.layer == "areas"
    assert s.inputs.streets == SAMPLE.parent.resolve() / "streets.osm"
    assert s.policy.min_affordable_share == 0.6
    with pytest.raises(AttributeError):
        s.ratios.new = 1.0  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[ratios]\nnwe = 10\n", "unknown key(s) 'nwe' in [ratios]"),
        ("colour = 1\n", "unknown key(s) 'colour' in the top level"),
        ('[ratios]\nnew = "ten"\n', "'ratios.new' must be a number, got 'ten'"),
        ("[ratios]\nold = -1\n", "'ratios.old' must be zero or more slots per 1,000"),
        ("[demand]\ntakeup = 1.5\n", "'demand.takeup' must be between 0 and 1"),
        ('[solver]\nname = "gurobi"\n', "'solver.name' must be 'highs', 'cbc' or 'cpsat'"),
        (
            '[solver]\ncost_search = ["local", "region"]\n',
            "'solver.cost_search' must list 'local', 'lagrangian' and/or 'regions', got ['region']",
        ),
        ("[policy]\ndemonstration_per_district = 1.5\n", "must be a whole number"),
        ('[facility]\noptions = [{ name = "x" }]\n', "'facility.options[0]' must have"),
        ("[inputs]\nareas = { path = 'a.gpkg' }\n", "[inputs] needs key(s) population."),
        # an OSM extract and no population (central Taichung, Aguascalientes): the fix says
        # what the population can be, and that OSM alone cannot give it
        (
            "[inputs.osm]\npath = 'taichung.osm'\n",
            "[inputs] needs key(s) population. Fix: give population = { path = "
            '"population.tif" } under [inputs]: a raster of people per cell (WorldPop and '
            "GHS-POP cover every country;",
        ),
        ("[inputs.osm]\npath = 'c.osm'\n", "OpenStreetMap maps no residents"),
        # WorldPop's Accra children are 8.6 % of its people: a percentage, not the share
        (
            "[inputs]\npopulation = { path = 'p.tif', counts = 'children', "
            "share_of_residents = 8.6 }\nareas = { path = 'a.gpkg' }\n"
            "parcels = { path = 'a.gpkg' }\n",
            "'inputs.population.share_of_residents' must be a number more than 0 and at most 1, "
            "got 8.6; fix: give the share, not a percentage: 8.6 % is 0.086.",
        ),
        (
            "[inputs]\npopulation = { path = 'p.tif' }\nareas = { path = 'a.gpkg' }\n",
            "'inputs.parcels' is missing: the run has no candidate sites; fix: give parcels = "
            '{ path = "..." } under [inputs], or add "candidates" to use under [inputs.osm]',
        ),
        (
            "[inputs]\npopulation = { path = 'p.tif' }\n"
            "osm = { path = 'c.osm', use = ['candidates'] }\n",
            "'inputs.areas' is missing",
        ),
        (
            "[inputs]\npopulation = { path = 'p.tif' }\n"
            "osm = { path = 'c.osm', use = ['areas', 'candidates', 'roads'] }\n",
            "'inputs.osm.use' has unknown word(s) 'roads'; fix: use any of 'streets', 'areas', "
            "'candidates', 'facilities', 'hazards', 'buildings'",
        ),
        (
            "[inputs]\npopulation = { path = 'p.tif' }\nosm = { path = 'city.geojson' }\n",
            "'inputs.osm.path' = ",
        ),
        (
            "[inputs]\npopulation = { path = 'p.tif' }\n"
            "osm = { path = 'c.osm', area_status = 'new' }\n",
            "'inputs.osm.area_status' must be 'old' or 'rural', got 'new'",
        ),
        (
            "[inputs]\npopulation = { path = 'p.tif' }\n"
            "osm = { path = 'c.osm', existing_slots_default = -5 }\n",
            "'inputs.osm.existing_slots_default' must be 0 or more",
        ),
        (
            "[inputs]\npopulation = { path = 'p.tif' }\nosm = { path = 'c.osm', use = 'areas' }\n",
            "'inputs.osm.use' must be a list",
        ),
        ("[network]\nwalking_speed_m_per_min = 300\n", "must be a walking pace"),
        ("not toml [", "is not valid TOML"),
        # slips of a Chinese input method or a Windows path: the line and the fix (sweep)
        (
            'name = "x"\ncrs = “EPSG:4544”\n',
            "(line 2: crs = “EPSG:4544”). Fix: it has Chinese quotation marks (“ ”): write "
            'text between straight quotes, "like this"',
        ),
        (
            "[radii]\nurban_m ＝ 300\n",
            "(line 2: urban_m ＝ 300). Fix: it has full-width punctuation typed with a Chinese "
            "input method (＝ for =): switch the input method to English",
        ),
        (
            '[inputs]\npopulation = { path = "data\\pop.tif" }\n',
            '(line 2: population = { path = "data\\pop.tif" }). Fix: a Windows path\'s '
            'backslashes (\\) start escapes in a "double-quoted" string: write the path with / '
            "between folders",
        ),
        (
            '[inputs]\npopulation = { path = "p.tif" }\nareas = "city.gpkg"\n',
            '[inputs.areas] must be a table, got str. Fix: write areas = { path = "city.gpkg" '
            "} under [inputs]",
        ),
        (
            "crs = 4544\n",
            "'crs' must be a string, got 4544. Fix: put it in quotes, crs = \"EPSG:4544\".",
        ),
        (
            "[costs]\nland_per_m2 = { purchase = -3000 }\n",
            "'costs.land_per_m2.purchase' must be zero or more, got -3000.0",
        ),
        (
            "[costs]\nland_per_m2 = { buy = 3000 }\n",
            "'costs.land_per_m2.buy' is not an acquisition mode: use new_build, purchase, swap",
        ),
        (
            "[costs]\nacquisition_factor = { rent = 1 }\n",
            "'costs.acquisition_factor.rent' is not an acquisition mode",
        ),
        (
            "[costs]\nlease_rent_per_m2_year = -5\n",
            "'costs.lease_rent_per_m2_year' must be zero or more",
        ),
        ("[costs]\nlease_years = 0\n", "'costs.lease_years' must be 1 or more years"),
        ("[costs]\nlease_years = -3\n", "'costs.lease_years' must be 1 or more years"),
        ("[costs]\nlease_years = 2.5\n", "'costs.lease_years' must be a whole number"),
        ("[costs]\ndiscount_rate = 8\n", "'costs.discount_rate' must be a yearly rate"),
        ('[costs]\nland_per_m2 = { swap = "面议" }\n', "'costs.land_per_m2.swap' must be a number"),
        ('currency = ""\n', "'currency' must name a currency"),
        ("currency = 978\n", "'currency' must be a string"),
        # every number finite
        ("[radii]\nurban_m = nan\n", "'radii.urban_m' must be a finite number, got nan"),
        ("[radii]\nrural_m = inf\n", "'radii.rural_m' must be a finite number, got inf"),
        ("[ratios]\nold = -inf\n", "'ratios.old' must be a finite number, got -inf"),
        ("[demand]\ntakeup = nan\n", "'demand.takeup' must be a finite number, got nan"),
        ("[policy]\nbudget = inf\n", "'policy.budget' must be a finite number, got inf"),
        ("[costs]\nland_per_m2 = { swap = nan }\n", "'costs.land_per_m2.swap' must be a finite"),
        ("[solver]\ntime_limit_s = inf\n", "'solver.time_limit_s' must be a finite number"),
        # radii > 0
        ("[radii]\nurban_m = 0\n", "'radii.urban_m' must be a distance of more than 0 metres"),
        ("[radii]\nworkplace_m = -100\n", "'radii.workplace_m' must be a distance of more"),
        ("[radii]\nnew_beside_m = 0.0\n", "'radii.new_beside_m' must be a distance of more"),
        # budgets and costs ≥ 0
        ("[policy]\nbudget = -1\n", "'policy.budget' must be zero or more (in CNY; leave it"),
        ("[costs]\nexpansion_per_slot = -1\n", "'costs.expansion_per_slot' must be zero or more"),
        ("[costs]\nacquisition_factor = { lease = -1 }\n", "'costs.acquisition_factor.lease'"),
        # shares in [0, 1]
        ("[policy]\nmin_affordable_share = 1.2\n", "'policy.min_affordable_share' must be betw"),
        ("[policy]\nmin_affordable_share = -0.1\n", "'policy.min_affordable_share' must be"),
        ("[demand]\ntakeup = -0.1\n", "'demand.takeup' must be between 0 and 1"),
        ("[demand]\nchildren_under3_share = 0\n", "'demand.children_under3_share' must be in"),
        ("[facility]\nreuse_max_floor_share = 2\n", "'facility.reuse_max_floor_share' must be"),
        # other numbers
        ("[demand]\nmax_persons_per_km2 = 0\n", "'demand.max_persons_per_km2' must be a dens"),
        ("[demand]\nbirth_rate_per_1000 = -6.2\n", "'demand.birth_rate_per_1000' must be zero"),
        ("[demand]\nmigrant_persons_per_worker = -1\n", "'demand.migrant_persons_per_worker'"),
        ("[demand]\npersons_per_household = 0\n", "'demand.persons_per_household' must be pos"),
        ("[facility]\nfloor_m2_per_slot = 0\n", "'facility.floor_m2_per_slot' must be more"),
        ("[facility]\noutdoor_m2_per_slot = -3\n", "'facility.outdoor_m2_per_slot' must be zero"),
        ("[facility]\nexisting_max_extra_slots = -40\n", "'facility.existing_max_extra_slots'"),
        ("[facility]\nmax_floors = 0\n", "'facility.max_floors' must be 1 or more, got 0"),
        (
            '[facility]\noptions = [{ name = "x", older = 2, infant = -1 }]\n',
            "'facility.options[0].infant' must be zero or more classes, got -1",
        ),
        ("[hazards]\npetrol_station_m = -50\n", "'hazards.petrol_station_m' must be zero or more"),
        ("[hazards]\npower_line_m_by_kv = { 110 = -10 }\n", "'hazards.power_line_m_by_kv.110'"),
        (
            "[hazards]\npower_line_m_by_kv = { high = 10 }\n",
            "'hazards.power_line_m_by_kv.high' must be keyed by a voltage in kV",
        ),
        (
            '[hazards]\nenabled = ["petrol_station", "volcano"]\n',
            "'hazards.enabled' must list hazard kinds among petrol_station, power_line, mall, "
            "market, arterial_road, got ['volcano']",
        ),
        ("[solver]\nthreads = 0\n", "'solver.threads' must be 1 or more, got 0"),
        ("[solver]\ntime_limit_s = 0\n", "'solver.time_limit_s' must be more than 0 seconds"),
        ("[network]\ndetour_factor = 0.5\n", "'network.detour_factor' must be 1 or more, got 0.5"),
        ("[solver]\ngap = nan\n", "'solver.gap' must be a finite number, got nan"),
        ("[radii]\nrural_m = -inf\n", "'radii.rural_m' must be a finite number, got -inf"),
        ("[costs]\nlease_rent_per_m2_year = nan\n", "'costs.lease_rent_per_m2_year' must be a fin"),
        ("[demand]\nmax_persons_per_km2 = -1\n", "'demand.max_persons_per_km2' must be a density"),
        ("[demand]\nresidual_to_nearest_m = inf\n", "'demand.residual_to_nearest_m' must be a fin"),
        (
            "[inputs]\npopulation = { path = 'p.tif' }\nparcels = { path = 'p.gpkg' }\n"
            "areas = { path = 'a.shp', encoding = 936 }\n",
            "'inputs.areas.encoding' must be a string, got 936",
        ),
        (
            "[inputs]\npopulation = { path = 'p.tif' }\nparcels = { path = 'p.gpkg' }\n"
            "areas = { path = 'a.shp' }\nstreets = { path = 's.osm', layer = 'lines' }\n",
            "[inputs.streets] takes layer, crs, encoding, where and blocks for a layer of street "
            "centrelines only (.shp, .gpkg, .geojson, .json, .fgb, .gdb, .zip, .dxf), "
            "not for s.osm",
        ),
        (  # streets in pieces (a layer in pieces is read: tests/test_pieces.py)
            "[inputs]\npopulation = { path = 'p.tif' }\nparcels = { path = 'p.gpkg' }\n"
            "areas = { path = 'a.shp' }\nstreets = ['a.osm', 'b.osm']\n",
            "'inputs.streets' is a list of 2 files (a.osm, b.osm); siting reads one file here "
            "(the layers of [inputs] read a list of files: areas, parcels, facilities …). Fix: "
            "merge them into one (QGIS: Vector ▸ Data Management Tools ▸ Merge Vector Layers; "
            "or ogr2ogr -append) and give its path.",
        ),
    ],
)
def test_bad_scenarios_name_the_key(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "s.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert message in str(info.value)
    assert isinstance(info.value, SitingError)
    assert isinstance(info.value, ValueError)


def test_streets_may_be_written_like_a_layer(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text(
        "[inputs]\npopulation = { path = 'p.tif' }\nparcels = { path = 'p.gpkg' }\n"
        "areas = { path = 'a.shp' }\nstreets = { path = 'streets.osm' }\n",
        encoding="utf-8",
    )
    inputs = load_scenario(path).inputs
    assert inputs is not None and inputs.streets == tmp_path.resolve() / "streets.osm"


def test_missing_scenario_file(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="does not exist"):
        load_scenario(tmp_path / "nope.toml")


def test_custom_options_and_round_trip_to_dict(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text(
        '[facility]\noptions = [{ name = "home", mixed = 1 }, '
        '{ name = "demo", infant = 2, toddler = 3, older = 4, demonstration = true }]\n',
        encoding="utf-8",
    )
    s = load_scenario(path)
    assert [(o.name, o.slots) for o in s.facility.options] == [("home", 18), ("demo", 145)]
    plain = s.to_dict()
    assert plain["facility"]["options"][1]["demonstration"] is True
    assert plain["ratios"]["new"] == 10.0


def test_land_prices_and_currency_from_toml(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text(
        'currency = "EUR"\n[costs]\nland_per_m2 = { purchase = 800, lease = 120 }\n'
        "lease_years = 5\ndiscount_rate = 0.0\n",
        encoding="utf-8",
    )
    s = load_scenario(path)
    assert s.currency == "EUR"
    assert s.costs.land_price("purchase") == 800.0
    assert s.costs.land_price("lease") == 120.0  # a lease price of its own, not the rent
    assert s.costs.land_price("new_build") == 3000.0  # left out: the default
    assert s.costs.land_price("reuse") == 0.0
    assert s.to_dict()["currency"] == "EUR"
    assert Scenario().currency == "CNY"


GBK_TEXT = 'name = "利州区托育规划"\n[ratios]\nold = 8\n'


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (GBK_TEXT.encode("gbk"), "is in GBK (GB18030), as Chinese Windows editors save by default"),
        ("name = 'Zürich'\n".encode("latin-1"), "is not UTF-8 (the first byte that is not UTF-8"),
        (GBK_TEXT.encode("utf-16"), "is in UTF-16 (it starts with a UTF-16 byte-order mark)"),
        (b"SQLite format 3\x00" + bytes(200), "is a GeoPackage (SQLite database), not a scenario"),
        (b"II*\x00" + bytes(200), "is a GeoTIFF, not a scenario TOML file"),
        (b"PK\x03\x04" + bytes(200), "is a ZIP archive"),
        (b"name = 'x'\n\x00\x01\x02", "is a binary file, not a scenario TOML file"),
    ],
    ids=["gbk", "latin1", "utf16", "geopackage", "geotiff", "zip", "binary"],
)
def test_scenario_encoding_and_binary_files_are_named(
    tmp_path: Path, data: bytes, message: str
) -> None:
    path = tmp_path / "s.toml"
    path.write_bytes(data)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    text = str(info.value)
    assert message in text
    assert str(path) in text
    if b"\x00" not in data[:2]:
        assert "Fix:" in text


def test_gbk_error_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_bytes(b"[ratios]\nold = 8\n" + GBK_TEXT.encode("gbk"))
    with pytest.raises(ScenarioError, match="on line 3"):
        load_scenario(path)


def test_utf8_bom_is_accepted_and_logged(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "s.toml"
    path.write_bytes(b"\xef\xbb\xbf" + GBK_TEXT.encode("utf-8"))
    with caplog.at_level("INFO", logger="siting.scenario"):
        s = load_scenario(path)
    assert s.name == "利州区托育规划"
    assert "byte-order mark" in caplog.text


def test_hazard_kinds_match_the_osm_reader() -> None:
    from siting.osm.features import HAZARD_KINDS as OSM_KINDS
    from siting.scenario import HAZARD_KINDS

    assert HAZARD_KINDS == OSM_KINDS


def test_cli_names_a_bad_scenario_with_exit_2(tmp_path: Path) -> None:
    from siting.cli import main

    path = tmp_path / "s.toml"
    path.write_bytes(GBK_TEXT.encode("gbk"))
    assert main(["validate", str(path)]) == 2
    (tmp_path / "g.toml").write_bytes(b"SQLite format 3\x00" + bytes(100))
    assert main(["validate", str(tmp_path / "g.toml")]) == 2


@pytest.mark.parametrize("command", ["validate", "plan"])
def test_cli_names_a_scenario_without_inputs_and_the_fix(
    tmp_path: Path, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """``siting validate`` printed "the scenario has no [inputs] table" on standard output,
    with neither the file nor the fix, while ``siting plan`` said the fix without the file."""
    from siting.cli import main

    path = tmp_path / "s.toml"
    path.write_text('name = "Accra"\n', encoding="utf-8")
    extra = ["--out", str(tmp_path / "out")] if command == "plan" else []
    assert main([command, str(path), *extra]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"error: {path}: the scenario has no [inputs]: a plan needs ")
    assert 'Fix: add an [inputs] table with population = { path = "..." }' in captured.err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"policy": Policy(budget=-1.0)}, "'policy.budget' must be zero or more"),
        ({"radii": Radii(urban_m=float("inf"))}, "'radii.urban_m' must be a finite number"),
        ({"radii": Radii(rural_m=0.0)}, "'radii.rural_m' must be a distance of more than 0"),
        ({"policy": Policy(min_affordable_share=float("nan"))}, "'policy.min_affordable_share'"),
    ],
    ids=["negative_budget", "infinite_radius", "zero_radius", "nan_share"],
)
def test_scenarios_made_in_python_are_checked(changes: dict[str, Any], message: str) -> None:
    scenario = Scenario().replace(**changes)
    with pytest.raises(ScenarioError, match=re.escape(message)):
        check_scenario(scenario)
    assert message in "; ".join(scenario_problems(scenario))
    assert scenario_problems(Scenario()) == []


def test_prepare_refuses_a_negative_budget_before_reading(tmp_path: Path) -> None:
    from siting.pipeline import prepare

    scenario = load_scenario(SAMPLE).replace(policy=Policy(budget=-5.0))
    with pytest.raises(ScenarioError, match=re.escape("'policy.budget' must be zero or more")):
        prepare(scenario)


def test_a_folder_given_as_the_scenario_names_its_toml(tmp_path: Path) -> None:
    """run_plan("data/sample") said "scenario file data/sample does not exist"."""
    (tmp_path / "scenario.toml").write_text("", encoding="utf-8")
    (tmp_path / "other.toml").write_text("", encoding="utf-8")
    with pytest.raises(ScenarioError, match="is a folder, not a scenario file") as caught:
        load_scenario(tmp_path)
    assert str(caught.value).endswith(
        f"Fix: give the scenario's TOML file, such as {tmp_path / 'scenario.toml'}"
    )


def test_bad_options_of_the_python_api_are_siting_errors() -> None:
    """A wrong language, base map layer or distance option raised a bare ValueError: an
    analyst's ``except SitingError`` missed them (it still is a ValueError)."""
    import geopandas as gpd
    from shapely.geometry import Point

    from siting.maps.basemaps import tianditu_tile_url
    from siting.network import distance_table
    from siting.report import labels

    points = gpd.GeoDataFrame(
        {"area_id": ["a"], "site_id": ["s"]}, geometry=[Point(0, 0)], crs="EPSG:4544"
    )
    calls = [
        (lambda: labels("fr"), "language must be one of"),
        (lambda: tianditu_tile_url("bing", "key"), "layer must be vec, cva, img or cia"),
        (
            lambda: distance_table(points, points, graph=None, max_distance_m=0),
            "max_distance_m must be positive",
        ),
        (
            lambda: distance_table(points, points, graph=None, max_distance_m=300, snap="x"),
            "snap must be 'edge' or 'node'",
        ),
    ]
    for call, message in calls:
        with pytest.raises(SitingError, match=message) as caught:
            call()
        assert isinstance(caught.value, ValueError)
