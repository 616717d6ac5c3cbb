"""Benchmark a Sichuan-sized province planned county by county on Dask (issue #12).

Run the whole province with ``python -m benchmarks.province`` (183 counties, 84
million people; generating it takes a few minutes the first time) or a reduced one
with ``python -m benchmarks.province --counties 12`` (``--scale 0.5`` halves the
areas and sites per county as well). ``--help`` lists the options.

The province
    ``data/generate_province.py`` writes it once into ``--data`` (reused while its
    parameters match): ``--counties`` counties (183, Sichuan's county-level
    units) over Guangyuan's outline scaled to 486,000 km² x counties / 183, so a
    county keeps Sichuan's average 2,660 km² whatever their number; 300
    residential areas and 120 candidate parcels per county on average times
    ``--scale`` (urban counties up to 1.5 times that, mountain counties down to
    half); 84 million / 183 people per county on a WorldPop-style raster (3 arc
    seconds, ~90 m, EPSG:4490, 256 x 256 tiles), drawn and written a strip of
    rows at a time. Straight-line distances (the generated scenario has no
    street file).
The runs
    Each in a fresh subprocess, so that its memory is its own, one after the
    other: ``serial`` (the counties one by one in the process, no Dask), then
    ``--workers`` (1 and 2 by default) on a ``LocalCluster`` started by
    :func:`siting.province.dask_client` (one thread and 2 GiB per worker
    process). Each reads the inputs (:func:`siting.pipeline.read_inputs`) and
    plans them (:func:`siting.province.plan_by_district`: split, solve, merge),
    as ``siting plan`` does. The last run also writes the plan folder
    (:func:`siting.export.write_plan`, ``--basemap none``) unless ``--no-write``.

Figures printed
    * ``cluster``: seconds to start the cluster; ``read``: reading and checking
      the inputs; ``counties``: the engine's wall time from the first county
      submitted to the last returned; ``sum of counties``: the counties' own
      task times added up; ``split + merge``: the rest of planning; ``write``:
      the plan folder; ``total``: all of it.
    * ``overhead``: the share of the workers' time not spent inside a county's
      task, ``1 - sum of counties / (workers x counties wall)``: scheduling,
      shipping each county's inputs, and workers idle while the last county runs.
      The serial run's overhead is the loop around the tasks. ``vs serial`` is
      the 1-worker run's counties wall against the serial run's.
    * ``peak RSS``: each Dask worker process's ``ru_maxrss`` (asked of every
      worker with ``Client.run`` at the end of the run: the peak of its whole
      life), and the client process's.
    * The speed-up from 1 to 2 workers, of the counties' wall time and of the
      whole run; the slowest counties with their gaps; the machine's load
      average before and after each run (other work shares the 2 cores).
    * An estimate for 16 workers from the measured per-county times: the
      serial parts (read, split + merge, write) measured here, plus the
      counties scheduled on 16 workers in the order Dask runs them (the
      districts' order, each county to the first free worker) and longest
      first (LPT), each county's time plus the measured per-county overhead of
      the 1-worker run; the lower bound is the longest county or the total over
      16, whichever is more.
"""

from __future__ import annotations

import argparse
import contextlib
import heapq
import itertools
import json
import os
import pickle
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
GENERATOR = ROOT / "data" / "generate_province.py"

SICHUAN_COUNTIES = 183
SICHUAN_PEOPLE = 84_000_000
SICHUAN_KM2 = 486_000.0
AREAS_PER_COUNTY = 300
SITES_PER_COUNTY = 120
WORLDPOP_DEG = 1 / 1200  # 3 arc seconds


# --------------------------------------------------------------------------- the province


def province_args(counties: int, scale: float, seed: int) -> list[str]:
    """The generator's arguments for a province of ``counties`` Sichuan-sized counties."""
    return [
        "--counties",
        str(counties),
        "--seed",
        str(seed),
        "--areas-per-county",
        str(max(3, round(AREAS_PER_COUNTY * scale))),
        "--sites-per-county",
        str(max(1, round(SITES_PER_COUNTY * scale))),
        "--people-per-county",
        f"{SICHUAN_PEOPLE / SICHUAN_COUNTIES:.1f}",
        "--area-km2",
        f"{SICHUAN_KM2 * counties / SICHUAN_COUNTIES:.1f}",
        "--cell-deg",
        f"{WORLDPOP_DEG:.12g}",
        f"{WORLDPOP_DEG:.12g}",
    ]


def ensure_province(folder: Path, args: list[str]) -> dict[str, Any]:
    """Generate the province into ``folder`` unless it already holds one made with ``args``."""
    stamp = folder / "benchmark.json"
    if stamp.exists():
        kept = json.loads(stamp.read_text(encoding="utf-8"))
        if kept.get("args") == args and (folder / "scenario.toml").exists():
            return dict(kept, reused=True)
    if folder.exists():
        shutil.rmtree(folder)
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, str(GENERATOR), *args, "--out", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"generating the province failed:\n{proc.stderr}")
    info = {
        "args": args,
        "seconds": round(time.perf_counter() - start, 1),
        "peak_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),
        "summary": proc.stdout.strip(),
    }
    stamp.write_text(json.dumps(info, indent=1), encoding="utf-8")
    return dict(info, reused=False)


# --------------------------------------------------------------------------- one run


def _peak_rss_mb() -> float:
    """This process's peak resident set size in MB (Linux: ru_maxrss is in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_s() -> float:
    """This process's CPU seconds so far (user and system)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@contextlib.contextmanager
def _task_stream(client: Any) -> Iterator[Any]:
    """Dask's record of every task's start and stop (``None`` without a client)."""
    if client is None:
        yield None
        return
    from distributed import get_task_stream

    with get_task_stream(client) as stream:
        yield stream


def _stream_figures(stream: Any, begin: float, end: float) -> dict[str, float]:
    """Where the workers' time went, from the task stream (epoch seconds).

    ``first_s``: from the call to the first county starting on any worker (splitting
    the inputs, shipping the first county, a worker's first imports); ``gap_*``:
    between a county's end and the next county's start on the same worker;
    ``tail_s``: from the last county's end to the merged plan.
    """
    by_worker: dict[str, list[tuple[float, float]]] = {}
    for task in stream.data:
        for ss in task["startstops"]:
            if ss["action"] == "compute":
                by_worker.setdefault(task["worker"], []).append((ss["start"], ss["stop"]))
    gaps: list[float] = []
    for spans in by_worker.values():
        spans.sort()
        gaps += [b[0] - a[1] for a, b in itertools.pairwise(spans)]
    starts = [a for spans in by_worker.values() for a, _ in spans]
    stops = [b for spans in by_worker.values() for _, b in spans]
    gaps.sort()
    return {
        "first_s": min(starts) - begin,
        "gap_median_s": gaps[len(gaps) // 2] if gaps else 0.0,
        "gap_sum_s": sum(gaps),
        "tail_s": end - max(stops),
        "computes": float(len(starts)),
    }


def run_one(scenario_path: Path, workers: int | None, write_to: Path | None) -> dict[str, Any]:
    """Plan the province in this process (serial) or on ``workers`` Dask workers; the figures."""
    from siting.pipeline import read_inputs
    from siting.province import dask_client, district_ids, district_inputs, plan_by_district

    figures: dict[str, Any] = {"workers": workers, "load_before": os.getloadavg()}
    t0 = time.perf_counter()
    with dask_client(workers=workers, progress=lambda message: None) as client:
        t1 = time.perf_counter()
        scenario, inputs = read_inputs(scenario_path)
        t2 = time.perf_counter()
        cpu_before = client.run(_cpu_s) if client is not None else {}
        c2 = time.process_time()
        with _task_stream(client) as stream:
            e2 = time.time()
            plan = plan_by_district(inputs, scenario=scenario, client=client)
            e3 = time.time()
        figures["client_cpu_s"] = time.process_time() - c2
        t3 = time.perf_counter()
        if client is not None:
            cpu_after = client.run(_cpu_s)
            figures["worker_cpu_s"] = sorted(
                cpu_after[w] - cpu_before.get(w, 0.0) for w in cpu_after
            )
            figures["worker_peak_mb"] = sorted(client.run(_peak_rss_mb).values())
            figures["stream"] = _stream_figures(stream, e2, e3)
    t4 = time.perf_counter()
    engine = plan.run["engine"]
    figures.update(
        cluster_s=t1 - t0,
        read_s=t2 - t1,
        plan_s=t3 - t2,
        close_s=t4 - t3,
        counties_wall_s=engine["wall_s"],
        counties_sum_s=engine["county_s"],
        engine=engine["engine"],
        engine_workers=engine["workers"],
        status=plan.run["status"],
        counties=[
            {k: c.get(k) for k in ("district_id", "status", "gap", "seconds", "solve_s", "worker")}
            for c in plan.run["counties"]
        ],
        areas=len(inputs.areas),
        parcels=len(inputs.parcels),
        people=plan.run["population_accounting"]["population"]["total"],
        totals=plan.run["totals"],
    )
    if workers is None:
        # what a cluster would have to ship: every county's share of the inputs, pickled
        s = time.perf_counter()
        sizes = [
            len(pickle.dumps(district_inputs(inputs, d, scenario=scenario)))
            for d in district_ids(inputs)
        ]
        figures["shipped_mb"] = sum(sizes) / 2**20
        figures["ship_pickle_s"] = time.perf_counter() - s
    if write_to is not None:
        from siting.export import write_plan

        s = time.perf_counter()
        write_plan(plan, write_to, basemap="none", replace=write_to.exists())
        figures["write_s"] = time.perf_counter() - s
    figures["client_peak_mb"] = _peak_rss_mb()
    figures["load_after"] = os.getloadavg()
    return figures


def run_in_subprocess(
    scenario_path: Path, workers: int | None, write_to: Path | None
) -> dict[str, Any]:
    """:func:`run_one` in a fresh interpreter; its figures."""
    cmd = [sys.executable, "-m", "benchmarks.province", "--child", str(scenario_path)]
    if workers is not None:
        cmd += ["--child-workers", str(workers)]
    if write_to is not None:
        cmd += ["--child-write", str(write_to)]
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"run {workers or 'serial'} failed:\n{proc.stderr[-4000:]}")
    figures: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    figures["process_s"] = time.perf_counter() - start
    return figures


# --------------------------------------------------------------------------- estimates


def list_schedule(times: list[float], workers: int) -> float:
    """The makespan of ``times`` run in this order, each on the first worker to be free."""
    free = [0.0] * workers
    for t in times:
        heapq.heappush(free, heapq.heappop(free) + t)
    return max(free)


def estimate(
    times: list[float], workers: int, *, per_county_s: float, serial_s: float
) -> dict[str, float]:
    """Seconds for ``workers``: Dask's order, longest first, and the lower bound."""
    padded = [t + per_county_s for t in times]
    return {
        "in_order": serial_s + list_schedule(padded, workers),
        "lpt": serial_s + list_schedule(sorted(padded, reverse=True), workers),
        "bound": serial_s + max(max(padded), sum(padded) / workers),
    }


# --------------------------------------------------------------------------- report


def _load(run: dict[str, Any]) -> str:
    a, b = run["load_before"][0], run["load_after"][0]
    return f"{a:.1f} → {b:.1f}"


def _total(run: dict[str, Any]) -> float:
    return float(
        run["cluster_s"] + run["read_s"] + run["plan_s"] + run["close_s"] + run.get("write_s", 0.0)
    )


def report(runs: dict[str, dict[str, Any]], province: dict[str, Any], big_workers: int) -> str:
    """The benchmark's tables as Markdown."""
    lines = [f"province: {province['summary']}"]
    gen = "reused from an earlier run" if province.get("reused") else "generated"
    lines.append(
        f"({gen}: {province['seconds']:.0f} s, generator peak {province['peak_mb']:,} MB; "
        f"{os.cpu_count()} cores)"
    )
    first = next(iter(runs.values()))
    lines.append(
        f"read: {first['areas']:,} areas, {first['parcels']:,} parcels, "
        f"{len(first['counties'])} counties, {first['people']:,.0f} people"
    )
    lines += [
        "",
        "| run | cluster | read | counties | sum of counties | overhead | split + merge "
        "| write | total | peak RSS per worker | client peak | load (1 min) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in runs.items():
        n = r["engine_workers"] or 1
        overhead = 1.0 - r["counties_sum_s"] / (n * r["counties_wall_s"])
        peaks = r.get("worker_peak_mb")
        peak = "-" if not peaks else ", ".join(f"{p:,.0f}" for p in peaks) + " MB"
        write = f"{r['write_s']:.1f} s" if "write_s" in r else "-"
        lines.append(
            f"| {name} | {r['cluster_s']:.1f} s | {r['read_s']:.1f} s | "
            f"{r['counties_wall_s']:.1f} s | {r['counties_sum_s']:.1f} s | {overhead:.1%} | "
            f"{r['plan_s'] - r['counties_wall_s']:.1f} s | {write} | {_total(r):.1f} s | "
            f"{peak} | {r['client_peak_mb']:,.0f} MB | {_load(r)} |"
        )
    lines.append("")
    if "serial" in runs and "1 worker" in runs:
        s, one = runs["serial"], runs["1 worker"]
        lines.append(
            f"Dask with 1 worker against serial: counties {one['counties_wall_s']:.1f} s vs "
            f"{s['counties_wall_s']:.1f} s "
            f"({one['counties_wall_s'] / s['counties_wall_s'] - 1:+.1%})"
        )
    if "serial" in runs and "shipped_mb" in runs["serial"]:
        s = runs["serial"]
        lines.append(
            f"every county's inputs pickled (what the client ships): {s['shipped_mb']:,.1f} MB "
            f"in {s['ship_pickle_s']:.1f} s"
        )
    if "1 worker" in runs and "2 workers" in runs:
        one, two = runs["1 worker"], runs["2 workers"]
        lines.append(
            "speed-up 1 → 2 workers: counties "
            f"{one['counties_wall_s'] / two['counties_wall_s']:.2f}x "
            f"({one['counties_wall_s']:.1f} → {two['counties_wall_s']:.1f} s); whole run without "
            f"writing {_total(one) / (_total(two) - two.get('write_s', 0.0)):.2f}x"
        )
    # slowest counties
    base = runs.get("serial") or first
    counties = sorted(base["counties"], key=lambda c: -float(c["seconds"] or 0.0))
    statuses: dict[str, int] = {}
    for c in base["counties"]:
        statuses[c["status"]] = statuses.get(c["status"], 0) + 1
    lines.append("county statuses: " + ", ".join(f"{k} {v}" for k, v in sorted(statuses.items())))
    lines += ["", "| slowest counties | status | gap | task | solve |", "|---|---|---|---|---|"]
    for c in counties[:5]:
        gap = "-" if c["gap"] is None else f"{c['gap']:.2%}"
        solve = "-" if c["solve_s"] is None else f"{c['solve_s']:.2f} s"
        lines.append(
            f"| {c['district_id']} | {c['status']} | {gap} | {c['seconds']:.2f} s | {solve} |"
        )
    times = [float(c["seconds"] or 0.0) for c in base["counties"]]
    mean = sum(times) / len(times)
    lines.append(
        f"\nper-county task time ({'serial' if 'serial' in runs else 'first'} run): "
        f"mean {mean:.2f} s, median {sorted(times)[len(times) // 2]:.2f} s, "
        f"longest {max(times):.2f} s, total {sum(times):.1f} s"
    )
    # CPU seconds: what the runs cost whatever else shares the machine
    if any("worker_cpu_s" in r for r in runs.values()):
        lines += [
            "",
            "| run | CPU while planning | in the workers | client | busiest worker |",
            "|---|---|---|---|---|",
        ]
        for name, r in runs.items():
            workers = r.get("worker_cpu_s", [])
            total = sum(workers) + r["client_cpu_s"]
            each = ", ".join(f"{c:.1f}" for c in workers) + " s" if workers else "-"
            busiest = f"{max(workers):.1f} s" if workers else "-"
            lines.append(
                f"| {name} | {total:.1f} s | {each} | {r['client_cpu_s']:.1f} s | {busiest} |"
            )
        cpu_runs = {k: r for k, r in runs.items() if "client_cpu_s" in r}
        if "serial" in cpu_runs and "2 workers" in cpu_runs:
            serial = cpu_runs["serial"]["client_cpu_s"]
            two = cpu_runs["2 workers"]
            lines.append(
                f"CPU speed-up serial → 2 workers (serial CPU / busiest worker's CPU, a core "
                f"each): {serial / max(two['worker_cpu_s']):.2f}x; Dask's extra CPU "
                f"{sum(two['worker_cpu_s']) + two['client_cpu_s'] - serial:+.1f} s "
                f"({(sum(two['worker_cpu_s']) + two['client_cpu_s']) / serial - 1:+.1%})"
            )
        lines.append("")
    # where the Dask runs' time went
    for name, r in runs.items():
        st = r.get("stream")
        if st:
            lines.append(
                f"{name}: first county started {st['first_s']:.1f} s after the call; between "
                f"two counties on a worker {st['gap_median_s'] * 1000:.0f} ms (median), "
                f"{st['gap_sum_s']:.1f} s in all; last county to merged plan {st['tail_s']:.1f} s"
            )
    # the estimate for many workers
    dask_runs = [r for r in runs.values() if r.get("stream")]
    if not dask_runs:
        return "\n".join(lines)
    ref = dask_runs[0]  # the fewest workers: the least contention on this machine
    st = ref["stream"]
    last = list(runs.values())[-1]
    before = last["cluster_s"] + last["read_s"] + st["first_s"]
    after = st["tail_s"] + last.get("write_s", 0.0)
    lines += [
        "",
        f"estimate: {before:.1f} s before the first county (cluster, read, split, first "
        f"shipment) + the counties, each with {st['gap_median_s'] * 1000:.0f} ms between "
        f"tasks + {after:.1f} s after (merge, write)",
        "",
        "| workers | Dask's order | longest first | lower bound | idle machine |",
        "|---|---|---|---|---|",
    ]
    share = 1.0
    if "client_cpu_s" in runs.get("serial", {}):
        share = min(1.0, runs["serial"]["client_cpu_s"] / runs["serial"]["counties_wall_s"])
    for w in sorted({1, 2, 4, 8, big_workers, 32}):
        e = estimate(times, w, per_county_s=st["gap_median_s"], serial_s=before + after)
        lines.append(
            f"| {w} | {e['in_order']:.1f} s | {e['lpt']:.1f} s | {e['bound']:.1f} s | "
            f"{e['in_order'] * share:.1f} s |"
        )
    lines.append(
        f"idle machine: Dask's order x {share:.2f}, the CPU share the serial run's counties "
        "had (its CPU seconds / its wall seconds), as if every part were CPU-bound"
    )
    stop = sum(times) / max(times)
    lines.append(
        f"\nthe counties stop scaling near {stop:.0f} workers (total / longest county); "
        f"the parts before and after the counties take {before + after:.1f} s"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--counties", type=int, default=SICHUAN_COUNTIES)
    parser.add_argument(
        "--scale", type=float, default=1.0, help="areas and sites per county, times 300 and 120"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data", type=Path, default=None, help="the province's folder")
    parser.add_argument("--workers", type=int, nargs="*", default=[1, 2])
    parser.add_argument("--no-serial", action="store_true", help="skip the run without Dask")
    parser.add_argument("--no-write", action="store_true", help="do not write the plan folder")
    parser.add_argument("--estimate-workers", type=int, default=16)
    parser.add_argument("--json", type=Path, default=None, help="also save the figures here")
    parser.add_argument("--child", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--child-workers", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--child-write", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child is not None:
        figures = run_one(args.child, args.child_workers, args.child_write)
        print(json.dumps(figures, default=float))
        return

    folder = args.data or Path("/tmp") / (
        f"siting-province-{args.counties}c-s{args.scale:g}-seed{args.seed}"
    )
    print(f"province in {folder}", flush=True)
    province = ensure_province(folder, province_args(args.counties, args.scale, args.seed))
    print(province["summary"], flush=True)
    scenario = folder / "scenario.toml"
    plans = [(None, "serial")] if not args.no_serial else []
    plans += [(w, f"{w} worker{'s' if w > 1 else ''}") for w in args.workers]
    runs: dict[str, dict[str, Any]] = {}
    for k, (workers, name) in enumerate(plans):
        write_to = None if args.no_write or k < len(plans) - 1 else folder / "plan"
        print(f"running {name} ...", flush=True)
        runs[name] = run_in_subprocess(scenario, workers, write_to)
        r = runs[name]
        print(
            f"  {name}: counties {r['counties_wall_s']:.1f} s, total {_total(r):.1f} s, "
            f"load {_load(r)}",
            flush=True,
        )
    text = report(runs, province, args.estimate_workers)
    print()
    print(text)
    if args.json is not None:
        args.json.write_text(
            json.dumps({"province": province, "runs": runs}, indent=1, default=float),
            encoding="utf-8",
        )


if __name__ == "__main__":
    main()
