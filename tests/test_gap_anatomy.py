"""The gap-anatomy benchmark's harness (``benchmarks/gap_anatomy.py``) on a city HiGHS closes.

On 120 areas and 50 new sites HiGHS proves the optimum in seconds, so every figure
the benchmark prints has a known place: the relaxations below the optimum, the
package's plan on it.
"""

from __future__ import annotations

import pytest

from benchmarks.gap_anatomy import main, measure

# the package's 10 s stage must reach the optimum the proof finds
pytestmark = pytest.mark.timing


def test_measure_orders_the_bounds_and_plans_of_a_closed_city() -> None:
    r = measure(areas=120, sites=50, seed=7, stage_limit_s=10.0, proof_limit_s=60.0, threads=1)
    assert (r["areas"], r["sites"], r["existing"]) == (120.0, 51.0, 1.0)
    assert r["proven"] == 1.0
    optimum = r["proof_plan"]
    assert r["proof_bound"] == pytest.approx(optimum, rel=1e-6)
    # the relaxations: LP below HiGHS's root, both below the optimum, and strictly
    # (this city's LP is about 4 % below it)
    assert r["lp"] < r["root"] <= optimum + 1e-6
    assert r["lp"] < 0.98 * optimum
    # the package's plan and bound: the plan no cheaper than the optimum, the bound
    # no dearer; on this city the stage reaches the optimum itself
    assert r["stage_bound"] <= optimum + 1e-6
    assert r["stage_plan"] == pytest.approx(optimum, rel=1e-6)


def test_main_prints_the_table(capsys: pytest.CaptureFixture[str]) -> None:
    main(["--areas", "120", "--sites", "50", "--stage-limit", "5", "--proof-limit", "30"])
    out = capsys.readouterr().out
    assert "120 areas, 51 sites (1 existing)" in out
    lines = [line for line in out.splitlines() if "M CNY" not in line and "%" in line]
    assert len(lines) == 7  # six rows and the proof run's status
    assert "HiGHS's proof run: optimal" in out
