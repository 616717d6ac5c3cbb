"""Sites outside China priced at siting's default costs (Guangyuan's, in CNY) are a
finding, and so are those prices under another currency; a city in China, or costs of
the planner's own, are not."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from siting.candidates import default_costs_abroad
from siting.scenario import Costs, Scenario

GENERATOR = Path(__file__).resolve().parents[1] / "data" / "generate_province.py"


def _sites(crs: str, x: float, y: float) -> gpd.GeoDataFrame:
    points = [shapely.Point(x + 300.0 * i, y + 200.0 * i) for i in range(3)]
    return gpd.GeoDataFrame({"site_id": ["S1", "S2", "S3"]}, geometry=points, crs=crs)


# central Accra in UTM 30N (5.60° N, 0.19° W); central Guangyuan in CGCS2000 GK 105°E
ACCRA = ("EPSG:32630", 812_000.0, 619_700.0)
GUANGYUAN = ("EPSG:4544", 584_000.0, 3_593_000.0)


def test_sites_abroad_at_the_default_costs_are_a_finding() -> None:
    (said,) = default_costs_abroad(_sites(*ACCRA), scenario=Scenario())
    assert said.code == "default_costs_abroad"
    lon, lat = float(said.values["lon"]), float(said.values["lat"])
    assert lon == pytest.approx(-0.19, abs=0.02) and lat == pytest.approx(5.61, abs=0.02)
    assert "outside China" in said and "land 3,000 per m², building 4,000 per m²" in said
    assert "Fix: set [costs]" in said


@pytest.mark.parametrize(
    ("where", "scenario"),
    [
        (GUANGYUAN, Scenario()),
        (ACCRA, Scenario(costs=Costs(construction_per_m2=2500.0))),
        (ACCRA, Scenario(currency="GHS", costs=Costs(construction_per_m2=2500.0))),
    ],
    ids=["in China", "own costs", "own costs and currency"],
)
def test_a_city_in_china_or_own_costs_or_currency_are_no_finding(
    where: tuple[str, float, float], scenario: Scenario
) -> None:
    assert default_costs_abroad(_sites(*where), scenario=scenario) == []


def test_the_chinese_report_says_it_in_chinese() -> None:
    from siting.report._labels import labels
    from siting.report._said import said_lines

    (said,) = default_costs_abroad(_sites(*ACCRA), scenario=Scenario())
    run = {"findings": [str(said)], "finding_records": [said.record()]}
    (zh,), english = said_lines(
        run, "findings", labels("zh"), language="zh", districts={}, unit="元"
    )
    assert english == []
    assert zh.startswith("造价：候选用地位于中国境外（中心经纬度 -0.181°，5.601°）")


def test_costs_of_ones_own_that_leave_the_prices_per_m2_are_still_a_finding() -> None:
    """[costs] demonstration_extra alone (or a lease's years) leaves land, building and
    fit-out at Guangyuan's: it silenced the finding, as any change to Costs did."""
    scenario = Scenario(costs=Costs(demonstration_extra=200_000.0, lease_years=5))
    (said,) = default_costs_abroad(_sites(*ACCRA), scenario=scenario)
    assert said.code == "default_costs_abroad"


def test_the_fix_does_not_offer_parcels_own_costs_as_enough() -> None:
    """A parcel's cost replaces its land price only (building and fit-out stay [costs]'s,
    siting.candidates): 'or give the parcels their own cost' left 4,000 per m² of
    Guangyuan's building, and the finding, in place."""
    (said,) = default_costs_abroad(_sites(*ACCRA), scenario=Scenario())
    assert "or give the parcels their own cost" not in said
    assert "a parcel's own cost replaces its land price only" in said


def test_a_partitioned_run_says_it_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each county said it of its own sites: a province of three counties abroad had
    three findings 'district 990001: costs: the sites lie outside China ...', one per
    county, each with its own centre. The generated province lies in Sichuan: China's
    box is moved out of its way."""
    import siting.candidates
    from siting.pipeline import run_plan

    spec = importlib.util.spec_from_file_location("generate_province", GENERATOR)
    assert spec is not None and spec.loader is not None
    gen = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = gen
    spec.loader.exec_module(gen)
    gen.generate_province(tmp_path, counties=2, seed=3, areas_per_county=6, sites_per_county=3)
    text = (tmp_path / "scenario.toml").read_text(encoding="utf-8")
    raster = (tmp_path / "population.tif").as_posix()
    (tmp_path / "scenario.toml").write_text(
        text.replace('path = "population.tif"', f'path = "{raster}"'), encoding="utf-8"
    )
    monkeypatch.setattr(siting.candidates, "lonlat_in_china", lambda *box: False)
    plan = run_plan(tmp_path / "scenario.toml")
    assert len(plan.run["counties"]) == 2
    said = [f for f in plan.run["findings"] if "outside China" in f]
    records = [r for r in plan.run["finding_records"] if r["code"] == "default_costs_abroad"]
    assert len(said) == len(records) == 1
    assert said[0].startswith("costs: the sites lie outside China")  # the whole run's


@pytest.mark.parametrize("where", [ACCRA, GUANGYUAN], ids=["Accra", "Guangyuan"])
def test_the_default_prices_under_another_currency_are_a_finding(
    where: tuple[str, float, float],
) -> None:
    """Naples planned with currency = "EUR" and no [costs] was priced at Guangyuan's CNY
    figures, labelled EUR, without a word: the finding looked only at CNY plans."""
    (said,) = default_costs_abroad(_sites(*where), scenario=Scenario(currency="EUR"))
    assert said.code == "default_costs_in_other_currency"
    assert said.startswith(
        "costs: the currency is EUR, but the prices are siting's defaults, assumed for a "
        "Chinese prefecture city such as Guangyuan, in CNY (land 3,000 per m², building "
        "4,000 per m², fit-out 1,500 per m²): the plan's costs are Guangyuan's CNY figures "
        "labelled EUR"
    )
    from siting.report._labels import labels
    from siting.report._said import said_lines

    run = {"findings": [str(said)], "finding_records": [said.record()]}
    (zh,), _ = said_lines(run, "findings", labels("zh"), language="zh", districts={}, unit="EUR")
    assert zh.startswith("造价：币种为EUR，但单价仍为 siting 的默认值")
