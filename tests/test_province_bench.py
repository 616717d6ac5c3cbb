"""The province benchmark's harness (``benchmarks/province.py``) on a tiny province.

The schedules are checked against makespans worked by hand, the task-stream
summary against a stream written out, and one run on a one-worker cluster against
the plan's own record: the figures the benchmark prints come from these.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from benchmarks.province import _stream_figures, estimate, list_schedule, run_one

ROOT = Path(__file__).resolve().parents[1]


def test_list_schedule_and_longest_first_by_hand() -> None:
    # in this order on 2 workers: 1 | 1, then 1 -> (2, 1), 1 -> (2, 2), 4 -> (6, 2)
    assert list_schedule([1.0, 1.0, 1.0, 1.0, 4.0], 2) == 6.0
    e = estimate([1.0, 1.0, 1.0, 1.0, 4.0], 2, per_county_s=0.0, serial_s=10.0)
    # longest first: 4 | 1+1+1+1; the bound is max(4, 8 / 2)
    assert e == {"in_order": 16.0, "lpt": 14.0, "bound": 14.0}
    # 0.5 s added to every county: in order (1.5, 1.5) (3, 3) then 4.5 -> 7.5
    e = estimate([1.0, 1.0, 1.0, 1.0, 4.0], 2, per_county_s=0.5, serial_s=0.0)
    assert e == {"in_order": 7.5, "lpt": 6.0, "bound": 5.25}
    assert list_schedule([3.0, 2.0], 16) == 3.0


class _Stream:
    def __init__(self, data: list[dict[str, object]]) -> None:
        self.data = data


def test_stream_figures_by_hand() -> None:
    def task(worker: str, start: float, stop: float) -> dict[str, object]:
        return {
            "worker": worker,
            "startstops": [
                {"action": "transfer", "start": start - 0.5, "stop": start - 0.1},
                {"action": "compute", "start": start, "stop": stop},
            ],
        }

    tasks = [(102.0, 105.0, "a"), (103.0, 104.0, "b"), (105.2, 106.0, "a"), (104.4, 107.0, "b")]
    stream = _Stream([task(worker, start, stop) for start, stop, worker in tasks])
    figures = _stream_figures(stream, 100.0, 107.5)
    assert figures["first_s"] == pytest.approx(2.0)
    assert figures["gap_sum_s"] == pytest.approx(0.2 + 0.4)
    assert figures["gap_median_s"] == pytest.approx(0.4)  # the upper of two
    assert figures["tail_s"] == pytest.approx(0.5)
    assert figures["computes"] == 4


@pytest.mark.slow
def test_one_worker_run_measures_the_plans_own_counties(tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    spec = importlib.util.spec_from_file_location(
        "generate_province", ROOT / "data" / "generate_province.py"
    )
    assert spec is not None and spec.loader is not None
    gen = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = gen
    spec.loader.exec_module(gen)
    summary = gen.generate_province(
        tmp_path,
        counties=2,
        seed=2,
        areas_per_county=8,
        sites_per_county=4,
        area_km2=3000.0,
        cell_deg=(1 / 600, 1 / 600),
    )
    figures = run_one(tmp_path / "scenario.toml", 1, None)
    assert figures["engine"] == "dask" and figures["engine_workers"] == 1
    assert figures["areas"] == summary.areas and figures["parcels"] == summary.parcels
    assert figures["people"] == pytest.approx(summary.people, rel=1e-3)
    counties = figures["counties"]
    assert len(counties) == 2 and {c["worker"] for c in counties} != {"local"}
    assert figures["counties_sum_s"] == pytest.approx(sum(c["seconds"] for c in counties), abs=2e-3)
    # the task stream saw both counties, inside the engine's wall time
    stream = figures["stream"]
    assert stream["computes"] == 2
    assert 0 < stream["first_s"] < figures["plan_s"]
    assert figures["counties_sum_s"] <= figures["counties_wall_s"] + 0.1
    # one worker process, with a peak of its own below the 2 GiB limit
    (peak,) = figures["worker_peak_mb"]
    assert 50 < peak < 2048
    # the worker's CPU during the run: it solved both counties (not more than it had time for)
    (cpu,) = figures["worker_cpu_s"]
    assert 0 < cpu <= figures["counties_wall_s"] + figures["stream"]["first_s"] + 1.0
