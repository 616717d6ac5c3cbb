"""Benchmark writing a province's merged plan: layers, map and report, time and memory.

``python -m benchmarks.province_write DATA`` plans the generated province in
``DATA`` (``data/generate_province.py``, or the folder ``benchmarks.province``
made: ``/tmp/siting-province-183c-s1-seed1``) on a 2-worker ``LocalCluster``,
pickles the merged plan to ``DATA/merged-plan.pickle`` (or ``--pickle FILE``;
reused by the next run with ``--reuse``), then in a fresh process writes it as ``siting plan`` does,
step by step: the layers and tables (``write_plan(map_and_report=False)``),
``map.html`` (:func:`siting.maps.save_map`, ``basemap="none"``) and the report
(:func:`siting.report.write_report`). Printed: each step's seconds, the
process's peak RSS after it (and the rise above the loaded plan), the load
average, and every file's size.
"""

from __future__ import annotations

import argparse
import os
import pickle
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _peak_mb() -> float:
    """The process's peak RSS: ``VmHWM`` (``ru_maxrss`` keeps the parent's across exec)."""
    status = Path("/proc/self/status")
    if status.is_file():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return float(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def plan_and_pickle(data: Path, target: Path, workers: int) -> None:
    """Plan ``data/scenario.toml`` county by county and pickle the merged plan."""
    from siting.pipeline import read_inputs
    from siting.province import dask_client, plan_by_district

    start = time.perf_counter()
    with dask_client(workers=workers, progress=lambda message: None) as client:
        scenario, inputs = read_inputs(data / "scenario.toml")
        plan = plan_by_district(inputs, scenario=scenario, client=client)
    target.write_bytes(pickle.dumps(plan, protocol=5))
    print(f"planned in {time.perf_counter() - start:.1f} s; pickled {target}")


def write_steps(plan_file: Path, out: Path) -> None:
    """Write the pickled plan into ``out`` step by step, timing each."""
    from siting.export import write_plan
    from siting.maps import save_map
    from siting.report import write_report

    plan = pickle.loads(plan_file.read_bytes())
    loaded = _peak_mb()
    print(f"load average {os.getloadavg()[0]:.1f}; plan loaded, peak RSS {loaded:.0f} MB")
    steps = (
        ("layers", lambda: write_plan(plan, out, basemap="none", map_and_report=False)),
        ("map", lambda: save_map(out, basemap="none")),
        ("report", lambda: write_report(out)),
    )
    total = 0.0
    for name, step in steps:
        start = time.perf_counter()
        step()
        seconds = time.perf_counter() - start
        total += seconds
        peak = _peak_mb()
        print(f"{name:<8} {seconds:7.1f} s   peak RSS {peak:6.0f} MB (+{peak - loaded:.0f} MB)")
    print(f"{'all':<8} {total:7.1f} s   load average {os.getloadavg()[0]:.1f}")
    for path in sorted(out.iterdir()):
        print(f"  {path.name:<30} {path.stat().st_size / 1e6:9.2f} MB")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", type=Path, help="a generated province's folder")
    parser.add_argument("--workers", type=int, default=2, help="Dask workers to plan on")
    parser.add_argument(
        "--pickle", type=Path, help="where to keep the merged plan (DATA/merged-plan.pickle)"
    )
    parser.add_argument("--reuse", action="store_true", help="reuse the pickled merged plan")
    parser.add_argument("--write-only", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.write_only is not None:
        with tempfile.TemporaryDirectory(prefix="siting-province-write-") as tmp:
            write_steps(args.write_only, Path(tmp) / "plan")
        return
    pickled = args.pickle or args.data / "merged-plan.pickle"
    if not (args.reuse and pickled.is_file()):
        plan_and_pickle(args.data, pickled, args.workers)
    # a fresh process, so that the peak RSS is the writing's alone
    command = [sys.executable, "-m", "benchmarks.province_write", str(args.data)]
    subprocess.run([*command, "--write-only", str(pickled)], check=True)


if __name__ == "__main__":
    main()
