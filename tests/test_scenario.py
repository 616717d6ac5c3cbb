"""Scenario loading: defaults from DOMAIN.md, strict keys, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from siting.errors import ScenarioError, SitingError
from siting.scenario import Scenario, load_scenario

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
        ('[solver]\nname = "gurobi"\n', "'solver.name' must be 'highs' or 'cbc'"),
        ("[policy]\ndemonstration_per_district = 1.5\n", "must be a whole number"),
        ('[facility]\noptions = [{ name = "x" }]\n', "'facility.options[0]' must have"),
        ("[inputs]\nareas = { path = 'a.gpkg' }\n", "[inputs] needs key(s) population."),
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
