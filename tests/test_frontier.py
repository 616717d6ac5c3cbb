"""siting.frontier: the cost–coverage frontier against brute force and independent flows.

* A hand-built instance small enough to enumerate: every point's shortfall equals
  the least shortfall over every choice of sizes within the budget (each choice
  scored by a transportation LP, :func:`test_model.transport_lp`).
* The sample city (4 points, short limits): the points are monotone, budget zero
  gives the shortfall of the existing facilities alone (a maximum flow computed
  with networkx), and the last point gives the unconstrained plan's shortfall
  (the ordinary pipeline's plan).
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from test_model import make_problem, transport_lp

from siting.cli import main
from siting.errors import InputError, OutputError, ScenarioError
from siting.frontier import COLUMNS, Frontier, trace, trace_problem, write_frontier
from siting.mip import PROVEN_GAP
from siting.pipeline import Prepared, prepare, solve_prepared
from siting.plan import verify

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample" / "scenario.toml"

# 3 areas, 4 sites: s0 reaches a0 only, s1 reaches a0 and a1, s2 reaches a1 and a2, s3 a2
REQUIRED = [30.0, 25.0, 40.0]
OPTIONS = [
    [("small", 18, 2.0, False), ("large", 35, 3.5, False)],
    [("small", 18, 2.5, False), ("large", 45, 4.0, False)],
    [("small", 18, 1.5, False), ("large", 35, 3.0, False)],
    [("large", 45, 5.0, False)],
]
PAIRS = [(0, 0, 100.0), (0, 1, 200.0), (1, 1, 150.0), (1, 2, 250.0), (2, 2, 100.0), (2, 3, 90.0)]


def brute_force(budget: float) -> float:
    """The least shortfall over every choice of sizes costing at most ``budget``."""
    best = float("inf")
    for combo in itertools.product(*[[None, *range(len(o))] for o in OPTIONS]):
        cost = sum(OPTIONS[j][k][2] for j, k in enumerate(combo) if k is not None)
        if cost > budget + 1e-9:
            continue
        capacity = np.array(
            [float(OPTIONS[j][k][1]) if k is not None else 0.0 for j, k in enumerate(combo)]
        )
        best = min(best, transport_lp(np.array(REQUIRED), capacity, PAIRS, "shortfall"))
    return best


def test_tiny_frontier_equals_brute_force_at_every_budget() -> None:
    problem = make_problem(REQUIRED, OPTIONS, PAIRS, budget=1.0)  # the budget is ignored
    curve = trace_problem(problem, points=7, time_limit_s=30.0, gap=0.0)
    table = curve.table
    assert list(table.columns) == list(COLUMNS)
    assert table["budget"].iloc[0] == 0.0
    assert table["budget"].iloc[-1] == pytest.approx(curve.unconstrained["cost"])
    for row in table.itertuples(index=False):
        assert row.shortfall_slots == pytest.approx(brute_force(row.budget), abs=1e-5)
        assert row.cost <= row.budget + 1e-6
        assert row.status == "optimal"
        assert row.shortfall_slots + row.served_slots == pytest.approx(sum(REQUIRED))
    assert table["shortfall_slots"].iloc[0] == pytest.approx(sum(REQUIRED))
    assert table["shortfall_slots"].iloc[-1] == pytest.approx(brute_force(1e9))


def test_a_point_stopped_by_a_limit_says_so_and_the_curve_stays_monotone() -> None:
    problem = make_problem(REQUIRED, OPTIONS, PAIRS)
    curve = trace_problem(problem, points=5, time_limit_s=0.0, gap=0.0)
    table = curve.table
    assert (np.diff(table["objective"]) <= 1e-6).all()
    for row in table.itertuples(index=False):
        assert row.status in ("optimal", "feasible")
        if row.status == "optimal":
            assert row.gap is not None and row.gap <= PROVEN_GAP
        else:
            assert row.status == "feasible"
        assert row.cost <= row.budget + 1e-6
    # a stop at the limit is never passed off as a proof
    assert (table["status"] == "feasible").any()


def test_fewer_than_two_points_is_refused() -> None:
    with pytest.raises(ScenarioError, match="--points"):
        trace_problem(make_problem(REQUIRED, OPTIONS, PAIRS), points=1)


@pytest.fixture(scope="module")
def prepared() -> Prepared:
    return prepare(SAMPLE)


@pytest.fixture(scope="module")
def sample_curve(prepared: Prepared) -> Frontier:
    return trace(prepared.scenario, points=4, prepared=prepared, time_limit_s=2.0, gap=0.05)


def test_sample_frontier_is_monotone(sample_curve: Frontier) -> None:
    table = sample_curve.table
    assert len(table) == 4
    assert (np.diff(table["budget"]) > 0).all()
    # the weighted shortfall the model minimizes never grows with the budget ...
    assert (np.diff(table["objective"]) <= 1e-6 * table["objective"].abs().max()).all()
    # ... and on the sample neither do the unserved slots alone
    assert (np.diff(table["shortfall_slots"]) <= 1e-6).all()
    assert (np.diff(table["coverage_share"]) >= -1e-9).all()
    assert (table["cost"] <= table["budget"] + 1e-6).all()
    for row in table.itertuples(index=False):
        if row.status == "optimal":
            assert row.gap is not None and row.gap <= PROVEN_GAP and not row.note
        else:  # requested 5 %: a point stopped there says so, with its gap or none
            assert row.status == "feasible"
            assert row.gap is None or row.gap > 0


def test_zero_budget_gives_the_shortfall_of_the_existing_facilities(
    sample_curve: Frontier, prepared: Prepared
) -> None:
    first = sample_curve.table.iloc[0]
    assert first["budget"] == 0.0 and first["cost"] == 0.0 and first["new_facilities"] == 0
    # Independent: a maximum flow from demand through the pairs to existing slots.
    items, sites = prepared.items, prepared.sites
    graph = nx.DiGraph()
    for demand_id, required in items["required"].items():
        graph.add_edge("source", ("d", demand_id), capacity=float(required))
    existing = sites.loc[sites["existing"].astype(bool), "existing_slots"].astype(float)
    for site_id, slots in existing.items():
        graph.add_edge(("s", site_id), "sink", capacity=float(slots))
    for pair in prepared.access.pairs.itertuples(index=False):
        if pair.site_id in existing.index:
            graph.add_edge(("d", pair.demand_id), ("s", pair.site_id))  # no capacity: unbounded
    served = nx.maximum_flow_value(graph, "source", "sink") if len(existing) else 0.0
    required = float(items["required"].sum())
    assert first["served_slots"] == pytest.approx(served, abs=1e-6)
    assert first["shortfall_slots"] == pytest.approx(required - served, abs=1e-6)
    assert first["status"] == "optimal"


def test_last_point_equals_the_unconstrained_plan(
    sample_curve: Frontier, prepared: Prepared
) -> None:
    plan = solve_prepared(prepared)  # the ordinary plan, no budget in the sample
    assert prepared.scenario.policy.budget is None
    shortfall = plan.run["totals"]["shortfall_slots"]
    # the plan writes each area's shortfall rounded to 0.001 slot (siting.plan)
    rounding = 0.0005 * len(prepared.items)
    last = sample_curve.table.iloc[-1]
    assert last["shortfall_slots"] == pytest.approx(shortfall, abs=rounding)
    assert sample_curve.unconstrained["shortfall_slots"] == pytest.approx(shortfall, abs=rounding)
    assert last["budget"] == pytest.approx(sample_curve.unconstrained["cost"])


def test_write_frontier_goes_through_the_output_folder_rules(
    sample_curve: Frontier, tmp_path: Path
) -> None:
    out = write_frontier(sample_curve, tmp_path / "frontier", language="en")
    table = pd.read_csv(out / "frontier.csv")
    assert list(table.columns) == list(COLUMNS)
    assert len(table) == 4
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert run["kind"] == "frontier" and run["siting_plan"] == 1
    assert set(run["files"]) == {"frontier.csv", "frontier.svg", "report.html", "run.json"}
    svg = (out / "frontier.svg").read_text(encoding="utf-8")
    assert svg.startswith("<svg") and svg.count("<circle") == 4 + 1  # points + legend
    assert "<svg" in (out / "report.html").read_text(encoding="utf-8")
    with pytest.raises(OutputError, match="frontier output, not a plan"):
        verify(out)
    write_frontier(sample_curve, out, language="zh")  # its own folder: replaced
    other = tmp_path / "mine"
    other.mkdir()
    (other / "notes.txt").write_text("keep", encoding="utf-8")
    with pytest.raises(OutputError, match="not a siting plan"):
        write_frontier(sample_curve, other)
    assert (other / "notes.txt").read_text(encoding="utf-8") == "keep"


def test_cli_frontier_refuses_a_folder_it_did_not_write(tmp_path: Path) -> None:
    other = tmp_path / "mine"
    other.mkdir()
    (other / "notes.txt").write_text("keep", encoding="utf-8")
    assert main(["-q", "frontier", str(SAMPLE), "--points", "2", "--out", str(other)]) == 2
    assert sorted(p.name for p in other.iterdir()) == ["notes.txt"]


def test_served_slots_count_no_slot_beyond_an_items_need(sample_curve: Frontier) -> None:
    """A facility may assign an area more than it needs (capacity to spare); those slots
    serve nobody, so at every budget served + short is the requirement, and coverage at
    most 1 (on the sample, points assigned more than needed before: the test failed)."""
    table = sample_curve.table
    required = table["served_slots"] + table["shortfall_slots"]
    assert np.allclose(required, required.iloc[0], rtol=1e-9)
    assert (table["coverage_share"] <= 1 + 1e-12).all()
    assert table["coverage_share"].to_numpy() == pytest.approx(
        (table["served_slots"] / required).to_numpy()
    )


@pytest.mark.parametrize(
    ("flag", "value"), [("--gap", "2"), ("--gap", "-0.1"), ("--gap", "nan"),
                        ("--time-limit", "0"), ("--time-limit", "-1"), ("--time-limit", "nan")],
)  # fmt: skip
def test_cli_frontier_refuses_a_gap_or_limit_out_of_range(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], flag: str, value: str
) -> None:
    with pytest.raises(SystemExit) as info:
        main(["frontier", str(SAMPLE), flag, value, "--out", str(tmp_path / "f")])
    assert info.value.code == 2
    assert f"argument {flag}: {value!r} is not" in capsys.readouterr().err
    assert not (tmp_path / "f").exists()


def test_trace_refuses_a_gap_out_of_range_and_phases() -> None:
    problem = make_problem(REQUIRED, OPTIONS, PAIRS)
    for kwargs in ({"gap": 2.0}, {"gap": float("nan")}, {"time_limit_s": -1.0}):
        with pytest.raises(ScenarioError, match=r"--gap|--time-limit"):
            trace_problem(problem, points=2, **kwargs)  # type: ignore[arg-type]
    phased = SAMPLE.with_name("scenario-phased.toml")
    with pytest.raises(ScenarioError, match=r"cannot follow \[\[phases\]\]"):
        trace(phased, points=2)


def test_the_frontier_says_the_findings_a_plan_says(sample_curve: Frontier, tmp_path: Path) -> None:
    """The frontier said none of the findings a plan of the same scenario says (demand no
    site reaches, a children raster of older children, ...): they are in its run.json, on
    its page (in Chinese from their records) and after its table."""
    (finding,) = sample_curve.findings  # the sample's plan: "findings: 1"
    assert finding.startswith(
        "8 demand item(s) needing 222 slots have no site within walking distance: A011, A013"
    )
    out = write_frontier(sample_curve, tmp_path / "frontier", language="zh")
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert run["findings"] == [finding]
    assert run["finding_records"][0]["code"] == "unreachable_demand"
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "<h2>使用前沿前请核查的情况</h2>" in page
    assert "<li>8个需求单元共需222个托位，步行距离内没有任何候选用地或现有托育机构：A011、" in page


def test_python_callers_are_told_the_keyword_they_gave_not_only_the_flag(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """trace(points=1), robust_sites(s, {}), write_plan(division="12") and
    Scenario().replace(ratio=...) said "--points", "--vary", "--name-by-division" (flags a
    notebook never typed) or raised Python's bare TypeError; each names the keyword.
    trace refuses its options before reading the city (it read and measured the sample,
    25 s, to refuse points=1)."""
    import siting.pipeline
    from siting.handin import division_prefix
    from siting.robust import robust_sites
    from siting.scenario import Scenario, load_scenario

    sample = load_scenario(SAMPLE)

    def unread(*args: object, **kwargs: object) -> None:
        raise AssertionError("trace read the inputs before checking its options")

    monkeypatch.setattr(siting.pipeline, "prepare", unread)
    with pytest.raises(ScenarioError, match=r"^points \(--points\) must be 2 or more"):
        trace(sample, points=1)
    with pytest.raises(ScenarioError, match=r"^gap \(--gap\) must be a share"):
        trace(sample, points=3, gap=2.0)
    with pytest.raises(ScenarioError, match=r"vary=\{'ratios.old': \(7, 8, 9\)\}"):
        robust_sites(Scenario(), {})
    with pytest.raises(InputError, match=r"division \(--name-by-division\): '12' is not"):
        division_prefix("12", None)
    with pytest.raises(ScenarioError, match=r"no field ratio\. Fix: replace one of name, "):
        Scenario().replace(ratio=1)
