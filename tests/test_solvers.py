"""OR-Tools CP-SAT as a solver (``solver = "cpsat"``): optima, honest statuses, the grid."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from test_model import brute_force, make_problem, random_instance

from siting.mip import (
    MatrixModel,
    MipResult,
    cpsat_grid,
    onto_cpsat_grid,
    satisfies,
    solve_arrays,
    solve_model,
)
from siting.mip.cpsat import _cpsat_status
from siting.model import build_model
from siting.scenario import load_scenario, scenario_problems
from siting.solve import solve_siting
from siting.status import Status

pytest.importorskip("ortools")


def _knapsack(solver: str, threads: int | None) -> MipResult:
    # max 5a + 4b + 3c + z  s.t.  0.5a + 0.75b + 0.25c <= 1.25 (a row CP-SAT needs x100 for),
    # z <= 2.5 a (z continuous, z <= 2.25). By hand: a, b give 9 and z = 2.25: 11.25;
    # a, c give 8 + 2.25; b, c (without a) give 7: the optimum is a = b = 1, z = 2.25.
    return solve_arrays(
        [5.0, 4.0, 3.0, 1.0],
        sp.csr_array(np.array([[0.5, 0.75, 0.25, 0.0], [-2.5, 0.0, 0.0, 1.0]])),
        [-np.inf, -np.inf],
        [1.25, 0.0],
        [0, 0, 0, 0],
        [1, 1, 1, 2.25],
        [1, 1, 1, 0],
        sense="max",
        solver=solver,
        threads=threads,
    )


def test_knapsack_with_fractional_rows_and_a_continuous_column() -> None:
    result = _knapsack("cpsat", 1)
    assert result.stats.status is Status.OPTIMAL
    assert result.values is not None
    np.testing.assert_allclose(result.values, [1, 1, 0, 2.25])
    assert result.stats.objective == pytest.approx(11.25)
    assert result.stats.bound == pytest.approx(11.25)
    assert "units of 1/100" in result.stats.message


def test_highs_solves_on_any_thread_count_in_turn_off_the_main_thread() -> None:
    # HiGHS keeps a scheduler per calling thread, fixed by its first solve's thread count:
    # a Dask worker's thread solving on 2 then on 1 thread got "Not Set" (an error)
    import threading

    found: list[tuple[Status, float | None]] = []

    def solve_in_turn() -> None:
        for threads in (2, 1, 1, 2, None):
            result = _knapsack("highs", threads)
            found.append((result.stats.status, result.stats.objective))

    worker = threading.Thread(target=solve_in_turn)
    worker.start()
    worker.join()
    assert found == [(Status.OPTIMAL, pytest.approx(11.25))] * 5


def test_ctrl_c_returns_once_the_solvers_thread_has_ended() -> None:
    """Ctrl-C while the solver runs in its thread: the solver is told to stop and the
    interrupt is raised once its thread has ended. It was raised after 1 s, the solver
    still in a step without checks (HiGHS's presolve): the thread went on using a core
    after the call had returned."""
    import _thread
    import threading
    import time

    from siting.mip._interrupt import _wait_in_main_thread

    told, ended = threading.Event(), threading.Event()

    def solve() -> str:
        told.wait(10.0)
        time.sleep(1.5)  # the step in flight when told to stop
        ended.set()
        return "interrupted"

    before = set(threading.enumerate())
    threading.Timer(0.2, _thread.interrupt_main).start()
    with pytest.raises(KeyboardInterrupt):
        _wait_in_main_thread(solve, on_interrupt=told.set, done=threading.Event(), name="solver")
    assert told.is_set() and ended.is_set()
    assert [t.name for t in set(threading.enumerate()) - before] == []


def test_infeasible_is_named_infeasible() -> None:
    # x + y >= 3 with x, y in {0, 1}
    result = solve_arrays(
        [1.0, 1.0], [[1.0, 1.0]], [3.0], [np.inf], [0, 0], [1, 1], [1, 1], solver="cpsat"
    )
    assert result.stats.status is Status.INFEASIBLE
    assert result.values is None and result.stats.objective is None


def _market_split(seed: int, m: int = 4, n: int = 30) -> tuple[MatrixModel, np.ndarray]:
    """Cornuéjols-Dawande market split, as min total slack: hard to prove for any solver."""
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 100, (m, n)).astype(float)
    b = np.floor(a.sum(axis=1) / 2)
    # columns: x (n binaries), p and q (m each, continuous slacks): a x + p - q = b
    matrix = sp.hstack([sp.csr_array(a), sp.eye_array(m), -sp.eye_array(m)], format="csr")
    model = MatrixModel(
        c=np.r_[np.zeros(n), np.ones(2 * m)],
        A=matrix,
        row_lower=b,
        row_upper=b,
        col_lower=np.zeros(n + 2 * m),
        col_upper=np.r_[np.ones(n), np.full(2 * m, np.inf)],
        integer=np.r_[np.ones(n, bool), np.zeros(2 * m, bool)],
    )
    start = np.r_[np.zeros(n), b, np.zeros(m)]  # nothing chosen: slack p = b
    return model, start


def test_a_time_limited_stop_is_never_optimal() -> None:
    model, start = _market_split(5)
    assert satisfies(model, start)
    result = solve_model(model, solver="cpsat", time_limit_s=0.3, gap=0.0, threads=1, start=start)
    st = result.stats
    assert st.status in (Status.FEASIBLE, Status.TIMED_OUT)
    if st.status is Status.FEASIBLE:
        assert result.values is not None and satisfies(model, result.values)
        assert st.objective == pytest.approx(float(model.c @ result.values))
        assert st.objective <= float(model.c @ start)
        assert st.bound is not None and st.bound < st.objective
        assert st.gap is not None and st.gap > 1e-4


def test_status_mapping() -> None:
    # CP-SAT says OPTIMAL also when it stopped at the requested relative gap
    assert _cpsat_status("OPTIMAL", True, 0.0) is Status.OPTIMAL
    assert _cpsat_status("OPTIMAL", True, 0.004) is Status.FEASIBLE
    assert _cpsat_status("FEASIBLE", True, 0.0) is Status.FEASIBLE
    assert _cpsat_status("UNKNOWN", False, None) is Status.TIMED_OUT
    assert _cpsat_status("INFEASIBLE", False, None) is Status.INFEASIBLE
    assert _cpsat_status("FEASIBLE", False, None) is Status.ERROR  # its plan broke a row


@pytest.mark.parametrize("seed", [0, 1, 2, 5])
def test_cpsat_cost_stage_matches_enumeration(seed: int) -> None:
    required, site_options, pairs, existing, budget = random_instance(seed)
    # a tenth of a slot: CP-SAT counts the assignment in tenths, exactly
    required = [r + 0.5 * (k % 2) for k, r in enumerate(required)]
    problem = make_problem(required, site_options, pairs, existing=existing, budget=budget)
    expected = brute_force(problem, site_options, pairs, existing)
    model = build_model(problem)
    assert cpsat_grid(model.base) is model.base  # whole in tenths: nothing is rounded
    sol = solve_siting(model, solver="cpsat", gap=0.0, threads=1)
    assert sol.status is Status.OPTIMAL, sol.message
    assert sol.values is not None and satisfies(model.base, sol.values)
    assert sol.stages[1].stats.solver.startswith("cp-sat")
    assert sol.stages[0].stats.solver.startswith("highs")
    assert float(model.shortfall @ sol.values) == pytest.approx(expected[0], abs=1e-4)
    assert float(model.cost @ sol.values) == pytest.approx(expected[1], abs=1e-4)
    assert float(model.distance @ sol.values) == pytest.approx(expected[2], rel=1e-5, abs=1e-3)


def test_raw_demand_is_held_on_the_grid() -> None:
    # 7.8345 slots needed, one 5-slot site within reach: 2.8345 slots short. CP-SAT counts
    # thousandths of a slot, so the demand row asks for 7.835 and the shortfall held is
    # 2.835; the plan itself keeps within the model's bounds.
    problem = make_problem(
        [7.8345, 3.0], [[("s", 5, 100.0, False)], [("s", 5, 100.0, False)]], [(0, 0, 10.0)]
    )
    model = build_model(problem)
    grid = cpsat_grid(model.base)
    assert grid is not model.base
    assert grid.row_lower[0] == pytest.approx(7.835)
    sol = solve_siting(model, solver="cpsat", gap=0.0, threads=1)
    assert sol.values is not None and satisfies(model.base, sol.values)
    assert float(model.cost @ sol.values) == pytest.approx(100.0)  # site 1 serves nobody
    assert float(model.shortfall @ sol.values) == pytest.approx(2.8345 + 3.0, abs=1e-3)
    assert "shortfall held at 5.8350" in sol.stages[1].stats.message
    point = onto_cpsat_grid(model.base, sol.values)
    assert point is not None and satisfies(grid, point)


def test_scenario_names_cpsat(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text('[solver]\nname = "cpsat"\nthreads = 2\n', encoding="utf-8")
    scenario = load_scenario(path)
    assert scenario.solver.name == "cpsat"
    assert scenario_problems(scenario) == []


@pytest.mark.timing  # bounds the seconds a 1 s solve takes
def test_highs_is_held_to_its_time_limit_by_its_interrupt_callbacks() -> None:
    """HiGHS checks its own time_limit only between some steps (a 28,804-area city's 50.9 s
    cost stage ran 76.2 s). With its own limit out of the way, the callbacks alone stop a
    solve that takes 3.2-3.7 s of processor time to prove at the 1 s it was given, with
    its plan and an honest status.

    HiGHS's sub-MIP heuristics (RINS, RENS, the root's reduced-cost one) never call the
    interrupt callbacks; only HiGHS's own time_limit stops them, which every solve of the
    package with a limit sets (21 limits of 1.5-3.5 s on this city: at most 0.41 s late).
    With them on and that limit off, a deadline landing as one starts was 3-8 s late:
    4.2-5.0 s of processor time, all in HiGHS's thread, for limits of 1.6-3.0 s (the 3.4 s
    and 4.4 s once measured here and put down to other tests' threads; no test leaves one
    running). So they are off here. The bound is on the smaller of processor and wall time: on this
    2-core machine loaded by other runs the held solve took 4.9 s of wall time for 0.9 s of
    processor time. Held, five runs after the other solving tests in one process took
    0.65-0.76 s of processor time (1.45-1.87 s of wall time); unheld, the proof took
    3.2-3.7 s of processor time and more of wall time, so the test fails without the
    callbacks.
    """
    import time

    from test_cost_search import cost_stage, dense_city

    from siting.mip.highs import _solve_highs
    from siting.model import build_model
    from siting.status import Status

    stage, _, start = cost_stage(build_model(dense_city(600, 200)))
    options = {
        "time_limit": 1e9,
        "mip_heuristic_run_rins": False,
        "mip_heuristic_run_rens": False,
        "mip_heuristic_run_root_reduced_cost": False,
    }
    began, wall = time.process_time(), time.perf_counter()
    result = _solve_highs(stage, time_limit_s=1.0, gap=0.0, threads=1, start=start, options=options)
    # 1 s and the way to the callback's next check (the root LP's end), on either clock
    assert min(time.process_time() - began, time.perf_counter() - wall) < 2.5
    assert result.stats.status is Status.FEASIBLE
    assert "stopped at the deadline" in result.stats.message
    assert result.values is not None and satisfies(stage, result.values)
