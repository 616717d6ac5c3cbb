"""Phasing by year: the multi-period MIP against enumeration, and a phased sample run."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from siting.cli import _print_summary, main
from siting.demand import demand_items
from siting.errors import ScenarioError
from siting.model import SitingProblem, build_model
from siting.phasing import (
    PhaseTarget,
    build_phased_model,
    opening_years,
    phase_demands,
    phase_spending,
    solve_phased,
    year_values,
)
from siting.plan import verify
from siting.scenario import Phase, Scenario, load_scenario
from siting.status import Status

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


def tiny_problem(
    required: dict[str, float],
    site_options: dict[str, list[tuple[str, int, float, bool]]],
    pairs: list[tuple[str, str, float]],
    *,
    existing: dict[str, tuple[float, float, float]] | None = None,
    demo_per_district: int = 0,
    budget: float | None = None,
) -> SitingProblem:
    """A one-district problem; ``existing`` maps a site to (slots, most extra, cost per extra)."""
    existing = existing or {}
    names = list(site_options) + [s for s in existing if s not in site_options]
    demand = pd.DataFrame(
        {"required": list(required.values()), "area_id": list(required)},
        index=pd.Index(list(required), name="demand_id"),
    )
    demand["kind"] = "resident"
    sites = pd.DataFrame(
        {
            "district_id": "d0",
            "existing": [s in existing for s in names],
            "existing_slots": [existing.get(s, (0.0, 0.0, 0.0))[0] for s in names],
            "max_extra_slots": [existing.get(s, (0.0, 0.0, 0.0))[1] for s in names],
            "expansion_cost_per_slot": [existing.get(s, (0.0, 0.0, 0.0))[2] for s in names],
            "affordable": True,
            "demonstration_existing": False,
        },
        index=pd.Index(names, name="site_id"),
    )
    options = pd.DataFrame(
        [
            {"site_id": s, "option": name, "slots": q, "cost": c, "demonstration": demo}
            for s, opts in site_options.items()
            for name, q, c, demo in opts
        ],
        columns=["site_id", "option", "slots", "cost", "demonstration"],
    )
    pair_df = pd.DataFrame([{"demand_id": i, "site_id": j, "distance_m": d} for i, j, d in pairs])
    return SitingProblem(
        demand=demand,
        sites=sites,
        options=options,
        pairs=pair_df,
        districts=("d0",),
        demonstration_per_district=demo_per_district,
        budget=budget,
    )


def max_served(
    required: dict[str, float], capacity: dict[str, float], reach: dict[str, set[str]]
) -> float:
    """Most slots the open sites can serve: the min cut of the bipartite transport network.

    For every set ``S`` of areas, the flow is at most the requirement of the areas
    outside ``S`` plus the capacity of the sites ``S`` reaches (Hall / max-flow min-cut).
    """
    areas = list(required)
    best = float("inf")
    for r in range(len(areas) + 1):
        for subset in itertools.combinations(areas, r):
            outside = sum(required[a] for a in areas if a not in subset)
            sites = set().union(*(reach[a] for a in subset)) if subset else set()
            best = min(best, outside + sum(capacity.get(s, 0.0) for s in sites))
    return best


# Two years: 2020 needs a demonstration facility only (R5), 2025 the full slots.
# s1's demonstration size is the cheaper one in 2020, but only s0's serves a0's 60
# slots in 2025 within 2025's money: a year-by-year greedy would leave 30 slots short.
REQUIRED = {"a0": 60.0, "a1": 10.0}
OPTIONS = {
    "s0": [("small", 30, 100.0, False), ("demo", 60, 260.0, True)],
    "s1": [("small", 30, 100.0, False), ("demo", 60, 250.0, True)],
    "s2": [("small", 30, 120.0, False)],
}
PAIRS = [("a0", "s0", 100.0), ("a1", "s1", 100.0), ("a0", "s2", 200.0), ("a1", "s2", 200.0)]
SHARES = {2020: 0.0, 2025: 1.0}
BUDGETS = {2020: 300.0, 2025: 100.0}


def enumerate_phased() -> tuple[tuple[float, float, float], dict[str, tuple[str, int]]]:
    """Every opening-year assignment of the tiny instance, ranked lexicographically."""
    reach: dict[str, set[str]] = {a: set() for a in REQUIRED}
    for a, s, _ in PAIRS:
        reach[a].add(s)
    choices = {
        s: [None] + [(name, year) for name, *_ in opts for year in SHARES]
        for s, opts in OPTIONS.items()
    }
    size = {(s, name): (q, c, demo) for s, opts in OPTIONS.items() for name, q, c, demo in opts}
    best: tuple[float, float, float] | None = None
    best_plan: dict[str, tuple[str, int]] = {}
    for combo in itertools.product(*choices.values()):
        plan = {s: c for s, c in zip(choices, combo, strict=True) if c is not None}
        spent = {y: sum(size[s, n][1] for s, (n, yy) in plan.items() if yy == y) for y in SHARES}
        if any(spent[y] > BUDGETS[y] for y in SHARES):
            continue
        terms = []
        for year, share in SHARES.items():
            need = {a: r * share for a, r in REQUIRED.items()}
            open_now = {s: n for s, (n, yy) in plan.items() if yy <= year}
            capacity = {s: size[s, n][0] for s, n in open_now.items()}
            demos = sum(size[s, n][2] for s, n in open_now.items())
            weight = 1.0 + sum(need.values())
            short = sum(need.values()) - max_served(need, capacity, reach)
            terms.append(weight * max(1 - demos, 0) + short)
        key = (terms[0], terms[1], float(sum(spent.values())))
        if best is None or key < best:
            best, best_plan = key, plan
    assert best is not None
    return best, best_plan


def test_two_years_match_enumeration() -> None:
    problem = tiny_problem(REQUIRED, OPTIONS, PAIRS, demo_per_district=1)
    targets = [
        PhaseTarget(
            year=2020,
            required=problem.demand["required"] * 0.0,
            budget=BUDGETS[2020],
            demonstration=True,
        ),
        PhaseTarget(year=2025, required=problem.demand["required"], budget=BUDGETS[2025]),
    ]
    model = build_phased_model(problem, targets)
    assert [name for name, _ in model.objectives] == [
        "shortfall 2020",
        "shortfall 2025",
        "cost",
        "distance",
    ]
    solution = solve_phased(model, gap=0.0)
    assert solution.status is Status.OPTIMAL
    values = solution.values
    assert values is not None
    (best_2020, best_2025, best_cost), plan = enumerate_phased()
    got = [float(c @ values) for _, c in model.objectives[:3]]
    np.testing.assert_allclose(got, [best_2020, best_2025, best_cost], atol=1e-6)
    assert (best_2020, best_2025, best_cost) == (0.0, 0.0, 360.0)
    single = build_model(problem)
    years = opening_years(model, values, single=single)
    assert years.to_dict() == {s: y for s, (_, y) in plan.items()}
    assert years.to_dict() == {"s0": 2020, "s1": 2025}
    spent = phase_spending(model, values)
    assert spent.to_dict() == {2020: 260.0, 2025: 100.0}
    # the final year's state, on the single-period model, meets every requirement
    final = year_values(model, values, year=2025, single=single)
    assert float(single.shortfall @ final) == pytest.approx(0.0)
    assert float(single.cost @ final) == pytest.approx(360.0)


def test_a_facility_never_closes_and_an_expansion_is_paid_once() -> None:
    # a0 needs slots in 2020 only, a1 in 2025 only; s0 (near a0) opened in 2020 is still
    # open in 2025, serving nobody, and is not paid for again; the existing facility e0
    # grows once, in the year a1 needs it.
    problem = tiny_problem(
        {"a0": 20.0, "a1": 25.0},
        {"s0": [("small", 30, 100.0, False)], "s1": [("small", 30, 500.0, False)]},
        [("a0", "s0", 50.0), ("a1", "s1", 50.0), ("a1", "e0", 80.0)],
        existing={"e0": (10.0, 20.0, 4.0)},
    )
    req = problem.demand["required"]
    targets = [
        PhaseTarget(year=2020, required=req.where(req.index == "a0", 0.0), budget=150.0),
        PhaseTarget(year=2025, required=req.where(req.index == "a1", 0.0), budget=150.0),
    ]
    model = build_phased_model(problem, targets)
    solution = solve_phased(model, gap=0.0)
    assert solution.status is Status.OPTIMAL
    values = solution.values
    assert values is not None
    single = build_model(problem)
    ix = single.index
    first = year_values(model, values, year=2020, single=single)
    last = year_values(model, values, year=2025, single=single)
    opened_2020 = set(ix.y_site[first[ix.y] > 0.5])
    opened_2025 = set(ix.y_site[last[ix.y] > 0.5])
    assert opened_2020 == {"s0"}
    assert opened_2020 <= opened_2025
    assert opening_years(model, values, single=single).to_dict() == {"s0": 2020, "e0": 2025}
    # e0 grows by the 15 slots a1 lacks, at 4 a slot, in 2025 only
    assert last[ix.e].tolist() == [15.0]
    assert first[ix.e].tolist() == [0.0]
    assert phase_spending(model, values).to_dict() == {2020: 100.0, 2025: 60.0}
    # brute force: every (opening year or never) of s0, s1 and every expansion year and size
    best = None
    for s0, s1, (grow_year, extra) in itertools.product(
        (None, 2020, 2025),
        (None, 2020, 2025),
        [(None, 0)] + [(y, k) for y in (2020, 2025) for k in range(1, 21)],
    ):
        spend = {
            y: 100.0 * (s0 == y) + 500.0 * (s1 == y) + 4.0 * extra * (grow_year == y)
            for y in (2020, 2025)
        }
        if any(v > 150.0 for v in spend.values()):
            continue
        short_2020 = max(20.0 - 30.0 * (s0 == 2020), 0.0)
        e0 = 10.0 + (extra if grow_year is not None and grow_year <= 2025 else 0.0)
        s1_open = s1 is not None
        short_2025 = max(25.0 - e0 - 30.0 * s1_open, 0.0)
        key = (short_2020, short_2025, sum(spend.values()))
        best = key if best is None or key < best else best
    got = [float(c @ values) for _, c in model.objectives[:3]]
    assert best is not None
    np.testing.assert_allclose(got, list(best), atol=1e-6)


# --------------------------------------------------------------------- the scenario


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("year = 2020\nshare = 1.5", "'phases[0].share' must be between 0 and 1"),
        ("year = 2020\nrules = ['demo']", "'phases[0].rules' must list rules among"),
        ("year = 2020\nbudget = -1.0", "'phases[0].budget' must be zero or more"),
        ("year = 2020\nratios = { old = 9.0 }", "'phases[0].ratios.old' must be between 0"),
        ("year = 2020\nratios = { town = 1.0 }", "'phases[0].ratios.town' is not an area class"),
        ("year = 2020\nshare = 0.5\nratios = { old = 4.0 }", "cannot be given with ratios"),
        ("year = 2020\nshare = 0.5\nrules = ['demonstration']", 'must include "ratios"'),
        ("year = 2020\nbudgett = 1.0", "unknown key(s) 'budgett' in [phases[0]]"),
        ("share = 0.5", "[phases[0]] needs key(s) year"),
    ],
)
def test_bad_phases_are_refused_naming_the_key(tmp_path: Path, table: str, message: str) -> None:
    path = tmp_path / "s.toml"
    path.write_text(f"[[phases]]\n{table}\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert message in str(info.value)


def test_phases_must_come_in_order(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text("[[phases]]\nyear = 2025\n[[phases]]\nyear = 2020\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"'phases\[1\].year' must be later than"):
        load_scenario(path)


def test_the_sample_phased_scenario_reads() -> None:
    s = load_scenario(SAMPLE / "scenario-phased.toml")
    assert [p.year for p in s.phases] == [2020, 2025]
    assert s.phases[0].rules == ("demonstration",)
    assert all(p.budget is not None for p in s.phases)


# --------------------------------------------------------------------- the sample, phased


@pytest.fixture(scope="module")
def phased_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("phased") / "out"
    assert main(["-q", "plan", str(SAMPLE / "scenario-phased.toml"), "--out", str(out)]) == 0
    return out


def _read(out: Path) -> tuple[dict, gpd.GeoDataFrame, pd.DataFrame]:
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    facilities = gpd.read_file(out / "facilities.geojson")
    districts = pd.read_csv(out / "districts.csv", dtype={"district_id": str})
    return run, facilities, districts


def test_the_phased_sample_verifies(phased_run: Path) -> None:
    report = verify(phased_run)
    assert report.ok, report.problems
    assert "each year's budget, and its spending by district" in report.checks
    run, _, _ = _read(phased_run)
    assert [s["name"] for s in run["stages"]] == [
        "shortfall 2020",
        "shortfall 2025",
        "cost",
        "distance",
    ]
    assert run["status"] in ("optimal", "feasible")


def test_no_year_spends_beyond_its_budget(phased_run: Path) -> None:
    run, facilities, _ = _read(phased_run)
    scenario = load_scenario(SAMPLE / "scenario-phased.toml")
    opened = pd.to_numeric(facilities["opening_year"], errors="coerce")
    # every new facility opens in one of the years; existing ones only when they expand
    new = ~facilities["existing"].astype(bool)
    assert opened[new].isin([2020, 2025]).all()
    grew = facilities["existing"].astype(bool) & (facilities["new_slots"] > 0)
    assert opened[grew].isin([2020, 2025]).all()
    assert opened[facilities["existing"].astype(bool) & ~grew].isna().all()
    for phase, record in zip(scenario.phases, run["phases"], strict=True):
        spent = float(facilities.loc[opened == phase.year, "cost"].sum())
        assert phase.budget is not None
        assert spent <= phase.budget + 0.5
        assert record["spent"] == pytest.approx(spent)
    # 2020 asks for demonstration facilities only: when the cost stage is proven, it opens
    # nothing else (a later year's budget does not bind here)
    if run["stages"][2]["status"] == "optimal":
        assert facilities.loc[opened == 2020, "demonstration"].astype(bool).all()
        assert run["phases"][0]["facilities_opened"] >= 1


def test_per_year_totals_add_up(phased_run: Path) -> None:
    run, facilities, districts = _read(phased_run)
    assert list(districts.columns[:2]) == ["district_id", "year"]
    assert sorted(districts["year"].unique()) == [2020, 2025]
    # one row per district and year
    assert not districts.duplicated(["district_id", "year"]).any()
    assert districts.groupby("year").size().nunique() == 1
    opened = pd.to_numeric(facilities["opening_year"], errors="coerce")
    cumulative = 0.0
    for record in run["phases"]:
        rows = districts[districts["year"] == record["year"]]
        cumulative += record["spent"]
        assert rows["spent"].sum() == pytest.approx(record["spent"], abs=1.0)
        assert rows["cost"].sum() == pytest.approx(cumulative, abs=1.0)
        assert record["cost_to_date"] == pytest.approx(cumulative, abs=1.0)
        # districts count their areas' and workplaces' served slots, as the year's record
        assert rows["served_slots"].sum() == pytest.approx(record["served_slots"], abs=0.01)
        # and their shortfall with the year's workplace demand, not the final year's
        assert rows["shortfall_slots"].sum() == pytest.approx(record["shortfall_slots"], abs=0.01)
        # planned slots by the end of the year, from the facilities alone
        open_then = facilities["existing"].astype(bool) | (opened <= record["year"])
        slots = facilities["existing_slots"] + facilities["new_slots"].where(
            opened <= record["year"], 0.0
        )
        assert rows["planned_slots"].sum() == pytest.approx(float(slots[open_then].sum()), abs=0.01)
    assert cumulative == pytest.approx(run["totals"]["cost"], abs=1.0)
    # a facility never closes: no district has fewer slots or demonstration facilities later
    wide = districts.pivot(index="district_id", columns="year")
    assert (wide["planned_slots"][2025] >= wide["planned_slots"][2020]).all()
    assert (wide["demonstration_count"][2025] >= wide["demonstration_count"][2020]).all()
    # the last year's rows are the plan's
    areas = gpd.read_file(phased_run / "areas.geojson")
    last_rows = districts[districts["year"] == 2025]
    assignments = pd.read_csv(phased_run / "assignments.csv")
    at_work = assignments.loc[assignments["workplace_id"].notna(), "slots"].sum()
    assert at_work > 0
    assert last_rows["served_slots"].sum() == pytest.approx(
        areas["served_slots"].sum() + at_work, abs=0.01
    )
    last = run["phases"][-1]
    assert last["shortfall_slots"] == pytest.approx(run["totals"]["shortfall_slots"], abs=0.01)
    assert last["planned_slots"] == pytest.approx(run["totals"]["planned_slots"])


def test_the_report_and_map_show_the_years(phased_run: Path) -> None:
    report = (phased_run / "report.md").read_text(encoding="utf-8")
    assert "分年度实施" in report
    assert "report_phase_2020_per_1000.svg" in report
    assert (phased_run / "report_phase_2025_per_1000.svg").is_file()
    page = (phased_run / "map.html").read_text(encoding="utf-8")
    assert "siting-year-filter" in page
    assert "至 2020 年" in page
    assert "开设/扩建年份" in page  # the facilities' popups give their year


def test_phase_demands_scale_each_class_by_its_ratio() -> None:
    area_table = pd.DataFrame(
        {
            "status": ["old", "new", "rural"],
            "population": [1000.0, 0.0, 2000.0],
            "planned_population": [1000.0, 500.0, 2000.0],
            "ratio": [8.0, 10.0, 4.5],
            "required_slots": [8.0, 5.0, 9.0],
            "required_slots_rounded": [8.0, 5.0, 9.0],
            "migrant_population": [250.0, 0.0, 0.0],
            "migrant_slots": [2.0, 0.0, 0.0],
        },
        index=pd.Index(["A", "B", "C"], name="area_id"),
    )
    items = demand_items(area_table)
    scenario = Scenario(
        phases=(
            Phase(year=2020, rules=("demonstration",)),
            Phase(year=2023, share=0.5),
            Phase(year=2025, ratios={"old": 4.0, "migrant": 2.0}),
        )
    )
    first, half, by_class = phase_demands(items, area_table, scenario=scenario)
    assert first.items["required"].tolist() == [0.0, 0.0, 0.0, 0.0]
    assert first.target().demonstration and not first.target().affordable
    # A (old, 1,000 people), B (new, 500 planned), C (rural, 2,000), A's 250 migrants
    assert half.items["required"].to_dict() == {"A": 4.0, "B": 2.5, "C": 4.5, "A/migrant": 1.0}
    assert half.area_table["ratio"].tolist() == [4.0, 5.0, 2.25]
    assert by_class.items["required"].to_dict() == {
        "A": 4.0,
        "B": 5.0,
        "C": 9.0,
        "A/migrant": 0.5,
    }


def test_the_command_line_prints_each_year(
    phased_run: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run, _, _ = _read(phased_run)
    _print_summary(run, phased_run)
    lines = [
        line for line in capsys.readouterr().out.splitlines() if line[:5] in ("2020:", "2025:")
    ]
    assert len(lines) == 2
    assert lines[0].startswith(f"2020: spent {run['phases'][0]['spent']:,.0f} of 20,000,000 CNY")
    assert not any(p["demonstration_missing"] for p in run["phases"])
    assert not any("demonstration" in line for line in lines)
    # a year whose money bought no demonstration facility in two districts says where
    run["phases"][0]["demonstration_missing"] = ["510811", "510812"]
    _print_summary(run, phased_run)
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("2020:"))
    assert line.endswith("; no demonstration facility in 510811, 510812")


def test_a_phased_reports_district_named_by_its_id_is_written_once() -> None:
    """A phased plan without districts has one district, '(none)', named '(none)'; an
    unnamed district's name is NaN in districts.csv. Each year's table wrote them
    '(none) ((none))' and 'nan (D2)', as the report's other tables did before 015db55."""
    from siting.report import labels
    from siting.report._document import _Table
    from siting.report._phases import phase_blocks

    table = pd.DataFrame(
        {
            "year": [2026, 2026],
            "district_id": ["(none)", "D2"],
            "name": ["(none)", np.nan],
            **{
                column: [1.0, 2.0]
                for column in (
                    "required_slots",
                    "planned_slots",
                    "served_slots",
                    "shortfall_slots",
                    "slots_per_1000",
                    "target_per_1000",
                    "demonstration_count",
                    "spent",
                    "cost",
                )
            },
        }
    )
    run = {"phases": [{"year": 2026, "rules": [], "spent": 0.0}]}
    blocks = phase_blocks(run, table, labels("en"), language="en", national=None)
    (district_table,) = [
        b[1] for b in blocks if isinstance(b[1], _Table) and b[1].headers[0] == "District"
    ]
    assert [row[0] for row in district_table.rows] == ["(none)", "D2"]
