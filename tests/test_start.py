"""Starting plans are feasible, and the cost-aware one is cheaper than the first."""

from __future__ import annotations

import numpy as np
import pytest
from test_model import city, make_problem

from siting.model import build_model
from siting.start import cost_greedy_start, greedy_start, is_feasible


@pytest.mark.parametrize("seed", range(5))
def test_starts_are_feasible_with_the_greedy_shortfall(seed: int) -> None:
    model = build_model(city(seed, 300, 120))
    first = greedy_start(model)
    cheap = cost_greedy_start(model)
    assert is_feasible(model, first)
    assert is_feasible(model, cheap)
    # both serve what they can: the cheap plan is never worse on shortfall here
    assert model.shortfall @ cheap <= model.shortfall @ first + 1e-6
    assert model.cost @ cheap < model.cost @ first


def test_start_meets_demonstration_and_uses_existing_capacity() -> None:
    opts = [("small", 45, 100.0, False), ("demo", 145, 900.0, True)]
    problem = make_problem(
        [40.0, 10.0],
        [opts, opts, []],
        [(0, 0, 50.0), (1, 1, 50.0), (1, 2, 10.0)],
        existing={2: 20.0},
        demo_per_district=1,
    )
    model = build_model(problem)
    cheap = cost_greedy_start(model)
    assert is_feasible(model, cheap)
    ix = model.index
    chosen = {
        (s, o) for s, o, v in zip(ix.y_site, ix.y_option, cheap[ix.y], strict=True) if v > 0.5
    }
    # area a1's 10 slots fit the free existing facility; a0 needs a site; one demo per district
    assert chosen == {("s0", "demo")}
    assert cheap[ix.s].tolist() == [0.0, 0.0]
    assert cheap[ix.t].tolist() == [0.0]


def test_infeasible_values_are_detected() -> None:
    model = build_model(city(1, 50, 20))
    values = greedy_start(model)
    values[model.index.x.start] += 1000.0
    assert not is_feasible(model, values)
    assert np.isfinite(values).all()
