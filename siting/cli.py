"""The ``siting`` command line: thin wrappers over the library.

Exit codes: 0 a plan (or a passing check), 1 a plan that failed verification
or a solver failure, 2 bad input or usage (an ``--out`` refused or locked by
another run included, and a ``--scheduler`` that does not answer), 3 a partial
plan (``run.partition``: some county has no plan; the others are written and
``run.json`` says why), 70 an internal error (a bug in siting: one sentence, and the
traceback in a report file it names), 130 interrupted by Ctrl-C (nothing written).
"""

from __future__ import annotations

import argparse
import errno
import logging
import math
import os
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from siting._text import first_few
from siting.errors import (
    InputError,
    PlanFileError,
    Problem,
    ScenarioError,
    SitingError,
    SolverError,
)

if TYPE_CHECKING:
    from siting.scenario import Scenario

__all__ = ["main"]

log = logging.getLogger("siting")

PARTIAL = "partial"  # siting.province.PARTIAL, not imported: it would load the province room
PARTIAL_EXIT = 3
"""The exit code of a partitioned plan with some county unplanned."""
INTERNAL_EXIT = 70
"""The exit code of an internal error, a bug in siting (``EX_SOFTWARE`` of sysexits.h)."""

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample" / "scenario.toml"


def _progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message} …", file=sys.stderr, flush=True)


class _Stages:
    """The progress callback of a run: prints each step, and remembers it for Ctrl-C."""

    def __init__(self, *, quiet: bool) -> None:
        self.quiet = quiet
        self.current = "starting"
        self.written: Path | None = None
        self.counties: Any = None  # the CountyProgress of a partitioned run

    def __call__(self, message: str) -> None:
        self.current = message.split(" (")[0]
        if not self.quiet:
            _progress(message)


def _cmd_plan(args: argparse.Namespace) -> int:
    from siting.outdir import claim_output, input_paths
    from siting.scenario import load_scenario, required_inputs

    stages: _Stages = args.stages
    scenario_file = Path(args.scenario)
    scenario = load_scenario(scenario_file)
    required_inputs(scenario, file=scenario_file)
    resume = bool(getattr(args, "resume", False))
    counties_cache = None
    if scenario.run.partition is not None:
        from siting.province.cache import cache_folder

        counties_cache = cache_folder(args.out)
    elif resume:
        print("error: --resume reuses finished counties: it needs [run] partition", file=sys.stderr)
        return 2
    inputs = [scenario_file, *input_paths(scenario.inputs)]
    # The output folder is checked, locked and recovered before any input is read.
    with claim_output(
        args.out,
        inputs=inputs,
        scenario_folder=scenario_file.resolve().parent,
        replace=args.replace,
    ) as out:
        from siting.export import write_plan
        from siting.pipeline import run_plan

        watch = None
        if scenario.run.partition is not None and not stages.quiet:
            from siting.province import CountyProgress

            watch = stages.counties = CountyProgress(sys.stderr)
        plan = run_plan(
            scenario,
            progress=stages,
            workers=getattr(args, "workers", None),
            scheduler=getattr(args, "scheduler", None),
            counties_cache=counties_cache,
            resume=resume,
            counties=watch,
        )
        no_map = bool(getattr(args, "no_map", False))
        stages("writing the plan" + ("" if no_map else ", the map and the report"))
        write_plan(
            plan,
            out,
            map_and_report=not no_map,
            working_crs_geojson=args.working_crs,
            language=args.language,
            handin=args.handin,
            division=args.name_by_division,
            shapefile=args.shapefile,
            shapefile_encoding=args.shapefile_encoding,
            replace=args.replace,
            basemap=args.basemap,
        )
        stages.written = out
    if counties_cache is not None and plan.run["status"] != PARTIAL:
        shutil.rmtree(counties_cache, ignore_errors=True)  # complete: nothing to resume
    _print_summary(plan.run, out)
    if plan.run["status"] == PARTIAL:
        return PARTIAL_EXIT
    return 0 if plan.run["status"] in ("optimal", "feasible") else 1


def _print_summary(run: dict[str, Any], out: Path) -> None:
    from siting.report import currency_of

    totals = run["totals"]
    print(f"plan written to {out}")
    print(f"status: {run['message']}")
    print(
        f"slots: {totals['planned_slots']:.0f} planned ({totals['new_slots']:.0f} new) for "
        f"{totals['required_slots']:.0f} required; shortfall {totals['shortfall_slots']:.0f}; "
        f"cost {totals['cost']:,.0f} {currency_of(run)}"
    )
    for role, acc in run.get("population_accounting", {}).items():
        print(_accounting_line(role, acc))
    rounding = run.get("rounding")
    if rounding:
        print(
            f"required slots: {rounding['method']}: {rounding['required_slots_raw']:,.1f} raw, "
            f"{rounding['required_slots_rounded_per_district']:,.0f} rounded per district, "
            f"{rounding['required_slots_rounded_per_area']:,.0f} rounded per area"
        )
    bases = totals.get("facilities_by_cost_basis", {})
    if bases:
        print("priced by: " + ", ".join(f"{b} {n}" for b, n in bases.items()))
    findings = run["findings"]
    if findings:
        print(f"findings: {len(findings)} to check before signing the plan (note: lines below)")
    for line in findings + run["unmet"]:
        print(f"note: {line}")
    for phase in run.get("phases", []):
        budget = phase["budget"]
        of = f" of {budget:,.0f}" if budget is not None else ""
        missing = phase.get("demonstration_missing") or []
        lacking = f"; no demonstration facility in {', '.join(missing)}" if missing else ""
        print(
            f"{phase['year']}: spent {phase['spent']:,.0f}{of} {currency_of(run)}, "
            f"{phase['facilities_opened']} opened or expanded, "
            f"{phase['planned_slots']:.0f} slots, shortfall {phase['shortfall_slots']:.0f}"
            f"{lacking}"
        )
    for county in run.get("counties", []):
        gap = f", gap {county['gap']:.2%}" if county.get("gap") is not None else ""
        reason = f": {county['reason']}" if county.get("reason") else ""
        print(
            f"county {county['district_id']}: {county['status']}{gap}, "
            f"{county['seconds']:.1f} s on {county['worker']}{reason}"
        )


def _accounting_line(role: str, acc: dict[str, Any]) -> str:
    """One line saying where a raster's (or the census units') people went, for the summary."""
    total = float(acc["total"])
    held, residual = float(acc["held"]), float(acc["residual"])

    def share(x: float) -> str:
        return f"{x / total:.1%}" if total > 0 else "–"

    method = acc["method"]
    if str(acc.get("source", "")).startswith("census"):
        method = f"{acc.get('units', 0):,} census units, {method}"
    line = (
        f"{role.replace('_', ' ')}: {total:,.0f} in the study area ({method}); "
        f"residential areas hold {held:,.0f} ({share(held)}), residual {residual:,.0f} "
        f"({share(residual)})"
    )
    if acc.get("counts") in ("children", "dwellings"):
        line += (
            f"; residents from the population's {float(acc['raster_people']):,.0f} {acc['counts']}"
        )
    inside = acc.get("districts_total")
    if inside is not None and abs(total - float(inside)) >= 0.5:
        line += f"; {float(inside):,.0f} of them inside the districts"
    if acc.get("moved_to_nearest"):
        line += f"; {float(acc['moved_to_nearest']):,.0f} moved to the nearest area"
    if acc.get("overlap"):
        line += f"; {float(acc['overlap']):,.0f} counted twice by overlapping areas"
    return line


def _cmd_validate(args: argparse.Namespace) -> int:
    from siting.scenario import load_scenario, required_inputs

    scenario = load_scenario(args.scenario)
    required_inputs(scenario, file=args.scenario)
    stages: _Stages = args.stages
    stages.current = "reading and checking inputs"  # said by an internal error, not printed
    problems, findings, notes = _input_problems(scenario)
    for note in notes:
        print(f"note: {note}")
    if problems:
        print(f"{len(problems)} problem(s):")
        for problem in problems:
            print(f"  - {problem}")
        return 2
    if findings:
        print(
            f"{args.scenario}: the inputs can be planned, but {len(findings)} finding(s) "
            "change the plan; check them before signing it:"
        )
        for finding in findings:
            print(f"  - {finding}")
        # 4, not 1: a script can tell findings from a crash (Python's exit 1); the
        # plan would run, so only --strict stops a `validate && plan` script
        return 4 if args.strict else 0
    print(f"{args.scenario}: inputs are valid")
    return 0


def _input_problems(scenario: Scenario) -> tuple[list[Problem], list[str], list[str]]:
    """Every input problem and finding, and, with ``[run] partition``, what ``plan`` would
    refuse when it splits the inputs by district (every area, parcel and facility needs a
    district of the districts layer): the inputs are read once either way. The notes name
    the districts a partitioned plan would leave without a plan (no site in them)."""
    from siting.inputs import check_inputs, load_inputs
    from siting.province import district_ids, districts_without_sites, place_osm_facilities

    assert scenario.inputs is not None
    options: dict[str, Any] = {
        "crs": scenario.crs,
        "max_persons_per_km2": scenario.demand.max_persons_per_km2,
        "radii": scenario.radii,
    }
    if scenario.run.partition is None:
        check = check_inputs(scenario.inputs, **options)
        return list(check.problems), list(check.findings), []
    try:
        inputs = load_inputs(scenario.inputs, **options)
    except InputError as exc:
        return list(exc.problems), [], []
    inputs = place_osm_facilities(inputs, scenario=scenario)
    try:
        ids = district_ids(inputs)
    except ScenarioError as exc:
        return [Problem(str(exc))], list(inputs.findings), []
    lease = scenario.candidates.lease_in_areas
    bare = districts_without_sites(inputs, ids, lease_statuses=lease.status if lease else ())
    notes = (
        [
            f"{first_few(bare, limit=8)}: no candidate parcel and no existing facility in "
            f"{'this district' if len(bare) == 1 else f'these {len(bare)} districts'}, so "
            "siting plan leaves "
            f"{'it' if len(bare) == 1 else 'them'} without a plan (a partial plan, exit 3; "
            "no demonstration facility there). Fix: add parcels there, or leave "
            f"{'it' if len(bare) == 1 else 'them'} out of the districts layer"
        ]
        if bare
        else []
    )
    return [], list(inputs.findings), notes


def _cmd_verify(args: argparse.Namespace) -> int:
    from siting.outdir import leftovers
    from siting.plan import verify

    for note in leftovers(args.out_dir):
        print(f"note: {note}")
    try:
        report = verify(args.out_dir)
    except PlanFileError as exc:  # a plan, one of whose files is gone or cut short
        print(f"error: cannot check {args.out_dir}: {exc}", file=sys.stderr)
        return 1
    except SitingError:
        raise  # not a plan at all: said as any missing input is (exit 2)
    except (KeyError, ValueError, TypeError, OSError) as exc:  # a file edited past reading
        from siting.outdir import as_written

        if not isinstance(exc, OSError) and as_written(Path(args.out_dir)):
            raise  # no file was edited: a bug in siting (exit 70), not the planner's edit
        print(
            f"error: cannot check {args.out_dir}: {type(exc).__name__}: {exc}; a file of the "
            "plan is missing or was edited past what verify can read. Fix: write the plan "
            "again (siting plan), or undo the edit",
            file=sys.stderr,
        )
        return 1
    for check in report.checks:
        print(f"checked: {check}")
    for problem in report.problems:
        print(f"VIOLATION: {problem}")
    for county in report.missing:
        print(f"NO PLAN: county {county}")
    n = len(report.missing)
    partial = (
        f"partial plan: {n} {'county has' if n == 1 else 'counties have'} no plan: none "
        f"provides for {'its' if n == 1 else 'their'} residents (only the facilities that "
        f"stand serve them); fix what stopped "
        f"{'it' if n == 1 else 'them'} and plan again (siting plan --resume reuses the "
        "finished counties) before handing it in"
    )
    if report.problems:
        print(f"{len(report.problems)} violation(s)" + (f"; {partial}" if report.partial else ""))
        return 1
    if report.partial:
        print(f"{partial}; the planned counties hold")
        return PARTIAL_EXIT
    print("plan holds")
    return 0


def _cmd_compare(args: argparse.Namespace) -> int:
    from siting.report import compare_runs

    print(compare_runs(args.dir_a, args.dir_b))
    return 0


def _cmd_map(args: argparse.Namespace) -> int:
    from siting.maps import save_map
    from siting.outdir import WRITE_ERRNOS

    # the plan's own write failures, and a folder siting map may not write into
    disk = {**WRITE_ERRNOS, errno.EACCES: "the folder may not be written to"}

    try:
        path = save_map(args.out_dir, language=args.language, basemap=args.basemap)
        print(f"map written to {path}")
        if args.report:
            from siting.report import write_report

            md, page = write_report(args.out_dir, language=args.language)
            print(f"report written to {md} and {page}")
    except OSError as exc:  # each file is written whole or not at all (outdir.write_whole)
        if exc.errno not in disk:
            raise
        name = Path(str(exc.filename)).name if exc.filename else "a file"
        left = (
            # run.json is written last: the map (or report) before it is in place, unrecorded
            "the map or report was replaced but run.json could not record it, so a later "
            "siting plan --out there needs --replace"
            if name == "run.json"
            else "the files there are left as they were"
        )
        print(
            f"error: cannot write into {args.out_dir}: {disk[exc.errno]} (writing "
            f"{name}); {left}. Fix: free space on that disk (or make the folder writable), "
            "or copy the plan folder to another disk and draw it there",
            file=sys.stderr,
        )
        return 2
    return 0


def _cmd_frontier(args: argparse.Namespace) -> int:
    from siting.frontier import trace, write_frontier
    from siting.outdir import claim_output, input_paths
    from siting.scenario import load_scenario, required_inputs

    stages: _Stages = args.stages
    scenario_file = Path(args.scenario)
    scenario = load_scenario(scenario_file)
    inputs = [scenario_file, *input_paths(required_inputs(scenario, file=scenario_file))]
    # refused and locked before anything is read or solved
    with claim_output(
        args.out, inputs=inputs, scenario_folder=scenario_file.parent, replace=args.replace
    ) as out:
        curve = trace(
            scenario,
            points=args.points,
            time_limit_s=args.time_limit,
            gap=args.gap,
            progress=stages,
        )
        write_frontier(
            curve,
            out,
            scenario=scenario,
            language=args.language,
            replace=args.replace,
            inputs=[scenario_file],
        )
        stages.written = out
    print(f"frontier written to {out} ({len(curve.table)} points, {curve.seconds:.1f} s)")
    for row in curve.table.itertuples(index=False):
        gap = f", gap {row.gap:.2%}" if isinstance(row.gap, float) and row.gap == row.gap else ""
        print(
            f"budget {row.budget:,.0f}: shortfall {row.shortfall_slots:,.1f} slots, "
            f"coverage {row.coverage_share:.1%}, cost {row.cost:,.0f} ({row.status}{gap})"
        )
    if curve.findings:
        print(f"findings: {len(curve.findings)} to check before using the frontier")
    for line in curve.findings:
        print(f"note: {line}")
    return 0


def _cmd_robust(args: argparse.Namespace) -> int:
    from siting.outdir import claim_output, input_paths
    from siting.robust import parse_vary, robust_sites, write_robust
    from siting.scenario import load_scenario

    stages: _Stages = args.stages
    scenario_file = Path(args.scenario)
    scenario = load_scenario(scenario_file)
    vary = parse_vary(args.vary)
    inputs = [scenario_file, *input_paths(scenario.inputs)]
    with claim_output(
        args.out, inputs=inputs, scenario_folder=scenario_file.parent, replace=args.replace
    ) as out:
        result = robust_sites(
            scenario,
            vary,
            samples=args.samples,
            seed=args.seed,
            workers=args.workers,
            scheduler=args.scheduler,
            progress=stages,
        )
        write_robust(
            result,
            out,
            scenario=scenario,
            language=args.language,
            basemap=args.basemap,
            replace=args.replace,
        )
        stages.written = out
    sites = result.sites
    ok = int((result.combinations["status"] != "failed").sum())
    print(f"robust sites written to {out} ({ok} of {len(result.combinations)} combinations)")
    print(
        f"{int(sites['always'].sum())} site(s) chosen in every combination, "
        f"{len(sites) - int(sites['always'].sum())} in some"
    )
    for line in result.notes:
        print(f"note: {line}")
    return 0


def _basemap(value: str) -> str:
    from siting.maps import check_basemap

    try:
        return check_basemap(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _cmd_demo(args: argparse.Namespace) -> int:
    args.scenario = SAMPLE
    return _cmd_plan(args)


def _division_code(value: str) -> str:
    if len(value) != 6 or not value.isascii() or not value.isdigit():
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a 6-digit administrative division code (e.g. 510802 for 利州区)"
        )
    return value


def _positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number of 1 or more")
    return number


def _number(accept: Callable[[float], bool], what: str) -> Callable[[str], float]:
    """An argparse type: a finite number that ``accept`` takes, else ``what`` it must be."""

    def parse(value: str) -> float:
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if not (math.isfinite(number) and accept(number)):
            raise argparse.ArgumentTypeError(f"{value!r} is not {what}")
        return number

    return parse


_seconds = _number(lambda x: x > 0, "a number of seconds above 0")
_share = _number(lambda x: 0 <= x < 1, "a share in [0, 1) (0.005 for half a percent)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for documentation and tests)."""
    parser = argparse.ArgumentParser(
        prog="siting",
        description=(
            "Plan childcare facilities for children under three (广府办发〔2020〕17号): "
            "read the layers, estimate demand, solve the siting integer program, and "
            "write the plan, map and report."
        ),
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    parser.add_argument("-q", "--quiet", action="store_true", help="only warnings and errors")
    sub = parser.add_subparsers(dest="command", required=True)

    def outputs(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--out",
            type=Path,
            default=Path("out"),
            help="output folder: a new one, or an earlier plan's (replaced)",
        )
        p.add_argument(
            "--replace",
            action="store_true",
            help="replace an earlier plan's folder even if it holds other files (they are lost)",
        )
        p.add_argument("--language", choices=("zh", "en"), default="zh", help="map/report labels")
        p.add_argument(
            "--working-crs",
            action="store_true",
            help="also write each GeoJSON layer in the working CRS",
        )
        p.add_argument(
            "--handin",
            action="store_true",
            help="also write plan.gdb, plan.jpg (300 dpi), districts.xlsx and facilities.xlsx",
        )
        p.add_argument(
            "--name-by-division",
            metavar="CODE",
            type=_division_code,
            help="name the hand-in files by this 6-digit division code and its name "
            "(510802利州区_plan.gdb …); implies --handin",
        )
        p.add_argument(
            "--shapefile",
            action="store_true",
            help="also write each layer as a UTF-8 shapefile (shapefile/, with fields.csv)",
        )
        p.add_argument(
            "--shapefile-encoding",
            choices=("utf-8", "gbk"),
            default="utf-8",
            help="the shapefiles' encoding: gbk for an older ArcGIS or a reader that ignores "
            "the .cpg (field names of 10 GBK bytes; a character GBK cannot hold is written "
            "as ?, with a warning); implies --shapefile",
        )
        p.add_argument(
            "--basemap",
            type=_basemap,
            default="osm",
            metavar="none|osm|tianditu|gaode|URL",
            help="the map's base map; none draws the plan offline with no tiles, a tile URL "
            "template with {z}/{x}/{y} uses a bureau's own tile server",
        )

    p = sub.add_parser("plan", help="solve a scenario and write the plan, map and report")
    p.add_argument("scenario", type=Path, help="scenario TOML file")
    outputs(p)
    engine = p.add_mutually_exclusive_group()
    engine.add_argument(
        "--workers",
        type=_positive_int,
        metavar="N",
        help="with [run] partition: solve the counties on a local Dask cluster of N "
        "worker processes (pip install 'siting[cluster]')",
    )
    engine.add_argument(
        "--scheduler",
        metavar="tcp://HOST:PORT",
        help="with [run] partition: solve the counties on the running Dask cluster "
        "at this address (started with 'dask scheduler' and 'dask worker ADDRESS')",
    )
    p.add_argument(
        "--resume",
        action="store_true",
        help="with [run] partition: reuse the counties an interrupted or partial run into "
        "the same --out finished (same inputs and scenario), and solve only the rest",
    )
    p.add_argument(
        "--no-map",
        action="store_true",
        help="write the layers, tables and run.json only, no map.html or report (a huge "
        "run); draw them later with 'siting map OUT --report'",
    )
    p.set_defaults(func=_cmd_plan)

    p = sub.add_parser("demo", help="run the bundled sample city")
    outputs(p)
    p.set_defaults(func=_cmd_demo)

    p = sub.add_parser(
        "validate",
        help="check the inputs and list every problem and finding, no solve: exit 2 with "
        "problems, else 0 (with --strict, 4 when findings change the plan: a layer on Xian "
        "1980 used without datum_shift)",
    )
    p.add_argument("scenario", type=Path)
    p.add_argument(
        "--strict",
        action="store_true",
        help="exit 4 when the inputs can be planned but findings change the plan",
    )
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser("verify", help="re-check every constraint of a written plan")
    p.add_argument("out_dir", type=Path)
    p.set_defaults(func=_cmd_verify)

    p = sub.add_parser("compare", help="what changed between two runs")
    p.add_argument("dir_a", type=Path)
    p.add_argument("dir_b", type=Path)
    p.set_defaults(func=_cmd_compare)

    p = sub.add_parser(
        "frontier", help="the least shortfall for each budget, from zero to the plan's cost"
    )
    p.add_argument("scenario", type=Path, help="scenario TOML file")
    p.add_argument("--out", type=Path, default=Path("frontier"), help="output folder")
    p.add_argument("--points", type=_positive_int, default=10, help="budgets (2 or more)")
    p.add_argument(
        "--time-limit", type=_seconds, metavar="S", help="seconds per stage and point (scenario's)"
    )
    p.add_argument("--gap", type=_share, help="relative gap per stage (the scenario's)")
    p.add_argument("--replace", action="store_true", help="replace an earlier output folder")
    p.add_argument("--language", choices=("zh", "en"), default="zh", help="chart labels")
    p.set_defaults(func=_cmd_frontier)

    p = sub.add_parser(
        "robust", help="plan every combination of varied values; count how often sites are chosen"
    )
    p.add_argument("scenario", type=Path, help="scenario TOML file")
    p.add_argument(
        "--vary",
        action="append",
        required=True,
        metavar="KEY=V1,V2,...",
        help="a numeric scenario key and its values, e.g. ratios.old=7,8,9 (repeatable)",
    )
    p.add_argument("--samples", type=_positive_int, help="plan a seeded sample of K combinations")
    p.add_argument("--seed", type=int, default=0, help="the sample's seed")
    p.add_argument("--out", type=Path, default=Path("robust"), help="output folder")
    p.add_argument("--replace", action="store_true", help="replace an earlier output folder")
    p.add_argument("--language", choices=("zh", "en"), default="zh", help="map labels")
    p.add_argument("--basemap", choices=("osm", "none"), default="osm", help="the map's base tiles")
    robust_engine = p.add_mutually_exclusive_group()
    robust_engine.add_argument(
        "--workers",
        type=_positive_int,
        metavar="N",
        help="plan the combinations on a local Dask cluster of N worker processes",
    )
    robust_engine.add_argument(
        "--scheduler", metavar="tcp://HOST:PORT", help="plan them on this running Dask cluster"
    )
    p.set_defaults(func=_cmd_robust)

    p = sub.add_parser("map", help="re-render the map of an output folder")
    p.add_argument("out_dir", type=Path)
    p.add_argument("--language", choices=("zh", "en"), default="zh")
    p.add_argument(
        "--basemap",
        type=_basemap,
        default="osm",
        metavar="none|osm|tianditu|gaode|URL",
        help="base map; a tile URL template with {z}/{x}/{y} for a bureau's own tile server",
    )
    p.add_argument(
        "--report",
        action="store_true",
        help="also write report.md and report.html (a plan written with --no-map)",
    )
    p.set_defaults(func=_cmd_map)
    for command in sub.choices.values():  # also after the command: siting plan S.toml -q
        command.add_argument(
            "--debug", action="store_true", default=argparse.SUPPRESS, help="as siting --debug"
        )
        command.add_argument(
            "-q", "--quiet", action="store_true", default=argparse.SUPPRESS, help="as siting -q"
        )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line.

    Parameters
    ----------
    argv
        Arguments without the program name; ``None`` reads ``sys.argv``.

    Returns
    -------
    int
        The exit code.
    """
    try:
        # the options' types import siting.maps (numpy, pandas): a second or so
        args = build_parser().parse_args(argv)
    except KeyboardInterrupt:
        print("interrupted before anything was read; nothing written", file=sys.stderr)
        return 130
    level = logging.DEBUG if args.debug else (logging.WARNING if args.quiet else logging.INFO)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("siting").setLevel(level)
    for noisy in ("pyogrio", "fiona", "rasterio"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))
    # Dask sets its own loggers' levels from its config when imported (--workers, --scheduler):
    # its scheduler's and nannies' INFO lines are not the planner's business
    if not args.debug:
        os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "warning")
    args.stages = _Stages(quiet=args.quiet)
    args.argv = list(sys.argv[1:] if argv is None else argv)  # for an internal error's report
    try:
        try:
            code: int = args.func(args)
            return code
        except Exception as exc:
            # Ctrl-C inside a C extension's import or call can surface as another
            # error raised from the KeyboardInterrupt (pybind11's "initialization
            # failed" when it lands while highspy is being imported).
            if _from_interrupt(exc):
                raise KeyboardInterrupt from exc
            raise
    except KeyboardInterrupt:
        if args.debug:
            raise
        print(_interrupted(args), file=sys.stderr, flush=True)
        if argv is None:
            # The staging folder is gone and the lock released by now. After a second
            # Ctrl-C a solver thread may still be finishing a step it does not check
            # for interrupts in; the command ends now instead of waiting for it (and
            # HiGHS aborts the process if Python tears it down mid-solve).
            logging.shutdown()
            sys.stdout.flush()
            os._exit(130)
        return 130
    except (SitingError, OSError) as exc:
        if args.debug:
            raise
        if isinstance(exc, SolverError):
            print(f"solver error: {exc}", file=sys.stderr)
            return 1
        if isinstance(exc, OSError) and not isinstance(exc, SitingError):
            print(f"error: {exc.strerror or exc}: {exc.filename or ''}", file=sys.stderr)
        else:
            print(f"error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # a bug in siting, not a fault in the planner's files
        if args.debug:
            raise
        print(_internal_error(args, exc), file=sys.stderr, flush=True)
        return INTERNAL_EXIT


def _internal_error(args: argparse.Namespace, exc: Exception) -> str:
    """The sentence said for an error siting did not foresee (a bug), with the traceback
    written to a report file in the temporary folder for the developers."""
    import platform
    import tempfile
    import traceback

    from siting import __version__

    stages: _Stages = args.stages
    lines = str(exc).strip().splitlines()
    what = f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__
    stamp = time.strftime("%Y%m%d-%H%M%S")
    report = Path(tempfile.gettempdir()) / f"siting-error-{stamp}-{os.getpid()}.txt"
    text = (
        f"siting {__version__}, Python {platform.python_version()}, {platform.platform()}\n"
        f"command: siting {' '.join(args.argv) or args.command}\n"
        f"stage: {stages.current}\n\n" + "".join(traceback.format_exception(exc))
    )
    try:
        report.write_text(text, encoding="utf-8")
        where = f"the traceback is in {report}"
    except OSError:  # no temporary folder to write to: the traceback here, then
        where = "its traceback follows\n" + text
    written = (
        f"the plan was written to {stages.written} before it"
        if stages.written is not None
        else "nothing was written, and an earlier plan in --out is left as it was"
        if args.command in ("plan", "demo")
        else "nothing was written"
    )
    return (
        f"internal error at stage {stages.current!r}: {what}. This is a bug in siting, not a "
        f"fault in your files; {written}. Send the report to siting's developers with the "
        f"scenario ({where}), or run again with --debug to see it"
    )


def _from_interrupt(exc: BaseException) -> bool:
    """Whether ``exc`` was raised while handling, or from, a ``KeyboardInterrupt``."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, KeyboardInterrupt):
            return True
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return False


def _interrupted(args: argparse.Namespace) -> str:
    """The one line said after Ctrl-C."""
    stages: _Stages = args.stages
    if args.command not in ("plan", "demo"):
        return "interrupted"
    if stages.written is not None:
        return f"interrupted after the plan was written to {stages.written}"
    current = stages.current
    if stages.counties is not None and stages.counties.running:
        current = "county " + ", ".join(sorted(stages.counties.running))
    return f"interrupted at stage {current!r}; nothing written"


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
