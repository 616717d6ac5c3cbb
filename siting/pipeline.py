"""The one place that knows the order: inputs → demand → candidates → network → model → plan.

The summaries of a solved plan (per district, candidate states, service lines)
are in :mod:`siting.summary`.

Examples
--------
>>> from siting.pipeline import run_plan
>>> plan = run_plan("data/sample/scenario.toml")  # doctest: +SKIP
>>> plan.run["status"]  # doctest: +SKIP
'optimal'
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd

from siting._said import Said
from siting.access import Access, service_pairs, too_large_to_walk
from siting.candidates import (
    DEFAULT_COSTS,
    default_costs_abroad,
    expansion_room,
    no_parcel_fits,
    site_options,
    sites_from_inputs,
)
from siting.demand import (
    Demand,
    demand_items,
    estimate_demand,
    without_empty_blocks,
    workplace_demand,
)
from siting.errors import InputError, NoSolutionError, ScenarioError
from siting.inputs import (
    Inputs,
    check_loaded,
    complete_loaded,
    flat_loaded,
    load_inputs,
    read_loaded_choices,
)
from siting.leasing import leased_findings, leased_units, unreached_only
from siting.lifecircle import plan_life_circles
from siting.model import SitingProblem, build_model, presolve_checks
from siting.network import area_points, read_street_graph
from siting.osm import exclude_hazardous, hazard_buffers
from siting.phase_summary import phased_plan
from siting.phasing import build_phased_model, phase_demands, solve_phased, year_values
from siting.plan import Plan, extract_plan, located_areas
from siting.record import run_record
from siting.scenario import Scenario, check_scenario, load_scenario, required_inputs
from siting.solve import solve_siting
from siting.summary import (
    candidate_states,
    district_summary,
    service_lines,
)

if TYPE_CHECKING:
    from siting.province import CountyWatch

__all__ = [
    "RESOLVABLE",
    "Prepared",
    "loaded_demand",
    "plan_findings",
    "prepare",
    "prepare_loaded",
    "read_inputs",
    "run_plan",
    "siting_problem",
    "solve_prepared",
]

log = logging.getLogger(__name__)

Progress = Callable[[str], None]


def _stopwatch(timings: dict[str, float]) -> Callable[[str], None]:
    """A function that records, under a step's name, the seconds since its last call."""
    clock = [time.perf_counter()]

    def lap(name: str) -> None:
        now = time.perf_counter()
        timings[name] = round(now - clock[0], 3)
        clock[0] = now

    return lap


@dataclass(frozen=True)
class Prepared:
    """Everything before the model: inputs read, demand estimated, sites and walks measured.

    Preparing is the slow part (reading, zonal sums, the street network); solving a
    prepared city again with another budget, affordable share, demonstration count,
    facility sizes, costs or solver setting reuses it (see :func:`solve_prepared`).

    Attributes
    ----------
    scenario
        The scenario it was prepared with.
    inputs
        The validated inputs in the working CRS.
    area_table
        Demand per area (:func:`siting.demand.area_demand`).
    demand
        The demand with the accounting of every raster's people
        (:func:`siting.demand.estimate_demand`).
    items
        Demand items of the model (:func:`siting.demand.demand_items`).
    sites
        Every site of the model (:func:`siting.candidates.sites_from_inputs`).
    access
        The demand–site pairs and how they were measured.
    excluded
        Parcels excluded by hazard buffers, with reasons.
    buffers
        The hazard buffers, if any.
    points
        Each area's population point(s).
    timings
        Seconds per preparation step.
    """

    scenario: Scenario
    inputs: Inputs
    area_table: pd.DataFrame
    items: pd.DataFrame
    sites: gpd.GeoDataFrame
    access: Access
    excluded: pd.DataFrame
    buffers: gpd.GeoDataFrame | None
    points: gpd.GeoDataFrame
    timings: dict[str, float]
    demand: Demand | None = None


# Scenario parts that :func:`solve_prepared` may change without preparing again.
RESOLVABLE = (
    "name",
    "currency",
    "policy",
    "solver",
    "costs",
    "facility",
    "accessibility",
    "phases",
)


def run_plan(
    scenario: Scenario | str | Path,
    *,
    progress: Progress | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    counties_cache: str | Path | None = None,
    resume: bool = False,
    counties: CountyWatch | None = None,
) -> Plan:
    """Run the whole job: read, estimate demand, build and solve the model, extract the plan.

    With ``run.partition = "district"`` each county is prepared and solved on its own
    and the plans merged (:func:`siting.province.plan_by_district`).

    Parameters
    ----------
    scenario
        A :class:`~siting.scenario.Scenario` or the path of its TOML file.
    progress
        Called with a short message at the start of each step.
    workers
        With partitioning: solve the counties on a local Dask cluster of this many
        worker processes.
    scheduler
        With partitioning: solve the counties on the Dask cluster at this address.
    counties_cache
        With partitioning: keep each finished county in this folder
        (:func:`siting.province.cache_folder`).
    resume
        With partitioning: reuse the counties ``counties_cache`` holds for the same
        inputs and scenario.
    counties
        With partitioning: told when each county starts and finishes
        (:class:`siting.province.CountyProgress` shows it on the terminal).

    Returns
    -------
    Plan
        The plan, in the working CRS, with ``run`` holding the record for ``run.json``.

    Raises
    ------
    InputError
        Bad inputs (every problem listed).
    ScenarioError
        ``workers`` or ``scheduler`` without ``run.partition``.
    SolverError
        The solver failed or found no plan at all (in every county, when partitioned).
    """
    say = progress or (lambda message: log.info(message))
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    timings: dict[str, float] = {}
    if scenario.run.partition is None:
        if workers is not None or scheduler is not None:
            raise ScenarioError(
                "--workers and --scheduler solve counties apart, and this scenario is one "
                'model. Fix: add [run] partition = "district", or leave them out.'
            )
        scenario, inputs = read_inputs(scenario, progress=say, timings=timings)
        prepared = prepare_loaded(inputs, scenario=scenario, progress=say, timings=timings)
        return solve_prepared(prepared, progress=progress)
    from siting.province import CountyCache, dask_client, plan_by_district

    # the cluster first: a scheduler that does not answer is said before a province is read
    with dask_client(workers=workers, scheduler=scheduler, progress=say) as client:
        scenario, inputs = read_inputs(scenario, progress=say, timings=timings)
        cache = None
        if counties_cache is not None:
            cache = CountyCache(Path(counties_cache), scenario=scenario, hashes=inputs.file_hashes)
        return plan_by_district(
            inputs,
            scenario=scenario,
            client=client,
            progress=say,
            timings=timings,
            cache=cache,
            resume=resume,
            watch=counties,
        )


def prepare(scenario: Scenario | str | Path, *, progress: Progress | None = None) -> Prepared:
    """Read and check the inputs, estimate demand, and measure the walks to every site.

    Parameters
    ----------
    scenario
        A :class:`~siting.scenario.Scenario` or the path of its TOML file.
    progress
        Called with a short message at the start of each step.

    Returns
    -------
    Prepared
        What :func:`solve_prepared` needs.
    """
    say = progress or (lambda message: log.info(message))
    timings: dict[str, float] = {}
    scenario, inputs = read_inputs(scenario, progress=say, timings=timings)
    return prepare_loaded(inputs, scenario=scenario, progress=say, timings=timings)


def read_inputs(
    scenario: Scenario | str | Path,
    *,
    progress: Progress | None = None,
    timings: dict[str, float] | None = None,
) -> tuple[Scenario, Inputs]:
    """Load and check the scenario, then read and check its inputs.

    Parameters
    ----------
    scenario
        A :class:`~siting.scenario.Scenario` or the path of its TOML file.
    progress
        Called with a short message at the start of the step.
    timings
        If given, the seconds taken are recorded in it under ``"inputs"``.

    Returns
    -------
    tuple of Scenario and Inputs
        The checked scenario and its validated inputs in the working CRS.
    """
    say = progress or (lambda message: log.info(message))
    file = None if isinstance(scenario, Scenario) else scenario
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    check_scenario(scenario)  # a scenario made in Python: its values were never checked
    spec = required_inputs(scenario, file=file)
    lap = _stopwatch(timings if timings is not None else {})
    say("reading and checking inputs")
    inputs = load_inputs(
        spec,
        crs=scenario.crs,
        max_persons_per_km2=scenario.demand.max_persons_per_km2,
        radii=scenario.radii,
    )
    lap("inputs")
    return scenario, inputs


def loaded_demand(inputs: Inputs, *, scenario: Scenario) -> tuple[Inputs, Demand]:
    """The demand of inputs already read, as :func:`prepare_loaded` estimates it first.

    Also what :func:`siting.province.engine.solve_county` estimates of a county that failed
    before its demand was (the county's areas are rows of the merged plan all the same).

    Parameters
    ----------
    inputs
        Validated inputs, or one district's share of them.
    scenario
        The scenario they were read with.

    Returns
    -------
    tuple of Inputs and Demand
        The inputs (heights dropped, empty street blocks left out) and their demand.

    Raises
    ------
    InputError
        A layer swapped in memory is unusable (:func:`siting.inputs.check_loaded`).
    """
    inputs = read_loaded_choices(inputs)  # 新建, 老城, New as a file's, with its note
    edited = check_loaded(inputs)  # layers an analyst swapped in, in memory
    if edited:
        raise InputError(edited)
    inputs = complete_loaded(inputs)  # optional columns left out, given as a file's are
    inputs = flat_loaded(inputs)  # Z dropped as from a file's layers
    demand = estimate_demand(inputs, scenario=scenario)
    return without_empty_blocks(inputs, demand)


def prepare_loaded(
    inputs: Inputs,
    *,
    scenario: Scenario,
    progress: Progress | None = None,
    timings: dict[str, float] | None = None,
) -> Prepared:
    """Estimate demand and measure the walks of inputs already read (a city or one county).

    Parameters
    ----------
    inputs
        Validated inputs (:func:`read_inputs`), or one district's share of them
        (:func:`siting.province.district_inputs`).
    scenario
        The scenario they were read with.
    progress
        Called with a short message at the start of each step.
    timings
        Seconds of the steps already taken (``"inputs"``); the new steps are added.

    Returns
    -------
    Prepared
        What :func:`solve_prepared` needs.
    """
    say = progress or (lambda message: log.info(message))
    timings = dict(timings or {})
    lap = _stopwatch(timings)

    say("estimating demand")
    inputs, demand = loaded_demand(inputs, scenario=scenario)
    areas = inputs.areas
    area_table = demand.areas
    workplace_table = (
        workplace_demand(inputs.workplaces, scenario=scenario)
        if inputs.workplaces is not None
        else None
    )
    items = demand_items(area_table, workplace_table)
    lap("demand")

    say("filtering candidate sites")
    # where each area's people are: the walks start there, and a leased unit stands there
    points = area_points(areas.reset_index(), inputs.population, id_column="area_id")
    units = leased_units(
        areas,
        area_table["population"],
        given_points=inputs.area_points,
        demand_points=points,
        scenario=scenario,
    )
    if units is not None:  # [candidates] lease_in_areas: one more candidate per area
        inputs = replace(inputs, parcels=pd.concat([inputs.parcels, units]))
    parcels = inputs.parcels
    hz = scenario.hazards
    buffers = None
    excluded = pd.DataFrame(columns=["site_id", "reason"])
    if inputs.hazards is not None and len(inputs.hazards):
        hazards = inputs.hazards.reset_index()
        buffers = hazard_buffers(
            hazards,
            petrol_station_m=hz.petrol_station_m,
            power_line_m_by_kv={float(k): v for k, v in hz.power_line_m_by_kv.items()},
            power_line_default_m=hz.power_line_default_m,
            mall_m=hz.mall_m,
            market_m=hz.mall_m,
            enabled=hz.enabled,
        )
        kept, excluded = exclude_hazardous(parcels.reset_index(), buffers, site_id="site_id")
        parcels = kept.set_index("site_id")
    sites = sites_from_inputs(parcels, areas=areas, facilities=inputs.facilities, scenario=scenario)
    lap("candidates")

    say("measuring walking distances")
    graph = inputs.street_graph  # read and checked with the inputs
    if graph is None and inputs.streets is not None:
        graph = read_street_graph(inputs.streets, working_crs=inputs.crs)
    access = service_pairs(
        items,
        area_points=points,
        areas=areas,
        sites=sites,
        workplaces=inputs.workplaces,
        graph=graph,
        scenario=scenario,
    )
    if units is not None:  # R6: real candidates first; a reached area's unit goes
        gone = unreached_only(sites, access.pairs, items, site_options(sites, scenario=scenario))
        sites = sites.drop(gone)
        access = access.without_sites(gone)
        inputs = replace(inputs, parcels=inputs.parcels.drop(gone))
    lap("network")

    return Prepared(
        scenario=scenario,
        inputs=inputs,
        area_table=area_table,
        items=items,
        sites=sites,
        access=access,
        excluded=excluded,
        buffers=buffers,
        points=points,
        timings=timings,
        demand=demand,
    )


def siting_problem(
    prepared: Prepared, *, scenario: Scenario | None = None, items: pd.DataFrame | None = None
) -> tuple[SitingProblem, pd.DataFrame]:
    """The model's data of a prepared city under a scenario (no solve).

    Parameters
    ----------
    prepared
        The output of :func:`prepare`.
    scenario
        A scenario differing from the prepared one only in :data:`RESOLVABLE` parts;
        ``None`` uses the prepared scenario. Not checked here (:func:`solve_prepared`
        checks it).
    items
        The demand items to serve; ``None`` uses the prepared ones (a phased plan
        passes its last year's, :func:`siting.phasing.phase_demands`).

    Returns
    -------
    tuple of SitingProblem and pandas.DataFrame
        The problem, and the size options of every site
        (:func:`siting.candidates.site_options`).
    """
    if scenario is None:
        scenario = prepared.scenario
    inputs, sites = prepared.inputs, prepared.sites
    if items is None:
        items = prepared.items
    options = site_options(sites, scenario=scenario)
    model_sites = pd.DataFrame(
        {
            "district_id": sites["district_id"],
            "existing": sites["existing"].astype(bool),
            "existing_slots": sites["existing_slots"].astype(float),
            "max_extra_slots": expansion_room(sites, scenario=scenario),
            "expansion_cost_per_slot": scenario.costs.expansion_per_slot,
            "affordable": sites["affordable"].astype(bool),
            "demonstration_existing": sites["demonstration_existing"].astype(bool),
        },
        index=sites.index,
    )
    outside: tuple[str, ...] = ()
    if inputs.districts is not None:
        held = set(sites["district_id"].dropna().astype(str))
        held |= set(inputs.areas["district_id"].dropna().astype(str))
        every = [str(d) for d in inputs.districts.index]
        districts = tuple(d for d in every if d in held)
        outside = tuple(d for d in every if d not in held)
    else:
        districts = tuple(sorted(str(d) for d in sites["district_id"].dropna().unique()))
    problem = SitingProblem(
        demand=items,
        sites=model_sites,
        options=options,
        pairs=prepared.access.pairs,
        districts=districts,
        demonstration_per_district=scenario.policy.demonstration_per_district,
        budget=scenario.policy.budget,
        min_affordable_share=scenario.policy.min_affordable_share,
        outside_districts=outside,
    )
    return problem, options


def plan_findings(
    prepared: Prepared,
    problem: SitingProblem,
    *,
    options: pd.DataFrame,
    items: pd.DataFrame,
    scenario: Scenario,
) -> list[Said]:
    """What the model of a prepared city shows a planner must weigh, beyond the inputs'
    own findings (said when they were read): the demand's findings (a children raster of
    older children), demand no site reaches, areas too large to walk across, parcels none
    of which fits a size, sites priced at siting's Chinese default prices abroad.

    Parameters
    ----------
    prepared
        The output of :func:`prepare`.
    problem, options
        Its model's data and its sites' size options (:func:`siting_problem`).
    items
        The demand items the problem was built from.
    scenario
        The scenario solved.

    Returns
    -------
    list of Said
        The findings, in the order they are said.
    """
    findings = list(prepared.demand.findings) if prepared.demand is not None else []
    findings += presolve_checks(problem)
    findings += too_large_to_walk(prepared.inputs.areas, items, problem.pairs, scenario=scenario)
    findings += no_parcel_fits(prepared.sites, options)
    if not any(f.code in DEFAULT_COSTS for f in prepared.inputs.findings):
        findings += default_costs_abroad(prepared.sites, scenario=scenario)  # a province's
    return findings


def solve_prepared(
    prepared: Prepared,
    *,
    scenario: Scenario | None = None,
    progress: Progress | None = None,
    warn: bool = True,
) -> Plan:
    """Build, solve and extract the plan of a prepared city.

    Parameters
    ----------
    prepared
        The output of :func:`prepare`.
    scenario
        A scenario that differs from the prepared one only in :data:`RESOLVABLE`
        parts (policy, solver, costs, facility sizes, name, currency, phases); ``None``
        uses the prepared scenario. With ``phases`` the years are solved as one model
        (:mod:`siting.phasing`) and the plan is the last year's, with ``opening_year``
        on its facilities, ``district_years`` and ``run["phases"]``.
    progress
        Called with a short message at the start of each step.
    warn
        Log the plan's findings as warnings (``siting robust`` gathers its
        combinations' findings and says each once instead).

    Returns
    -------
    Plan
        The plan.

    Raises
    ------
    ScenarioError
        If ``scenario`` changes anything that needs preparing again.
    SolverError
        The solver failed or found no plan at all.
    """
    say = progress or (lambda message: log.info(message))
    if scenario is None:
        scenario = prepared.scenario
    check_scenario(scenario)
    changed = [
        f.name
        for f in fields(Scenario)
        if f.name not in RESOLVABLE
        and getattr(scenario, f.name) != getattr(prepared.scenario, f.name)
    ]
    if changed:
        raise ScenarioError(
            f"solve_prepared cannot change {', '.join(changed)}: those need prepare() again"
        )
    inputs, area_table, items = prepared.inputs, prepared.area_table, prepared.items
    sites, access, excluded = prepared.sites, prepared.access, prepared.excluded
    buffers, points = prepared.buffers, prepared.points
    areas = inputs.areas
    timings = dict(prepared.timings)
    lap = _stopwatch(timings)

    # a phased plan: the single-period stages see its last year (siting.phasing)
    demands = phase_demands(items, area_table, scenario=scenario) if scenario.phases else []
    if demands:
        items, area_table = demands[-1].items, demands[-1].area_table
    say("building the model")
    problem, options = siting_problem(prepared, scenario=scenario, items=items)
    found = plan_findings(prepared, problem, options=options, items=items, scenario=scenario)
    for finding in found if warn else ():
        log.warning(finding)
    findings = list(inputs.findings) + found  # warned of when read
    model = build_model(problem)
    phased = None
    if demands:
        phased = build_phased_model(
            problem, [d.target() for d in demands], discount_rate=scenario.costs.discount_rate
        )
    lap("build")

    say(f"solving ({scenario.solver.name}, up to {scenario.solver.time_limit_s:g} s per stage)")
    solver = scenario.solver
    if phased is None:
        solution = solve_siting(
            model,
            solver=solver.name,
            time_limit_s=solver.time_limit_s,
            gap=solver.gap,
            threads=solver.threads,
            cost_search=solver.cost_search,
        )
    else:
        solution = solve_phased(
            phased,
            solver=solver.name,
            time_limit_s=solver.time_limit_s,
            gap=solver.gap,
            threads=solver.threads,
        )
    lap("solve")
    if solution.values is None:
        raise NoSolutionError(
            f"no plan: the solver reports {solution.message}", status=solution.status.value
        )

    say("extracting the plan")
    values = solution.values
    if phased is not None:
        values = year_values(phased, values, year=phased.years[-1], single=model)
    facilities, area_out, assignments = extract_plan(
        model=model,
        problem=problem,
        values=values,
        sites=sites,
        options=options,
        areas=areas,
        area_table=area_table,
        items=items,
        nearest_site=access.table,
        scenario=scenario,
    )
    accounting = prepared.demand.accounting if prepared.demand is not None else {}
    district_table = district_summary(
        inputs,
        area_out,
        facilities,
        assignments,
        scenario=scenario,
        accounting=accounting,
        items=items,
    )
    leased = leased_findings(facilities, area_out, scenario=scenario)
    for finding in leased if warn else ():
        log.warning(finding)
    findings += leased
    candidates = candidate_states(inputs.parcels, facilities, excluded)
    lines = service_lines(assignments, facilities, points, inputs)
    district_shapes = None
    if inputs.districts is not None:
        district_shapes = gpd.GeoDataFrame(
            district_table.drop(columns=["name"], errors="ignore").join(
                inputs.districts[["name", "geometry"]], how="right"
            ),
            geometry="geometry",
            crs=inputs.crs,
        )
        district_shapes.index.name = "district_id"
    lap("extract")

    say("measuring access and life-circle coverage, before and after")
    circles = plan_life_circles(
        areas=area_out,
        facilities=facilities,
        sites=sites,
        points=points,
        graph=inputs.street_graph,
        scenario=scenario,
    )
    area_out = area_out.join(circles.areas.set_axis(area_out.index))
    district_table = district_table.join(circles.districts)
    if district_shapes is not None:
        district_shapes = district_shapes.join(circles.districts)
    lap("accessibility")

    run = run_record(
        solution=solution,
        model=model,
        values=values,
        scenario=scenario,
        inputs=inputs,
        access=access,
        sites=sites,
        options=options,
        items=items,
        area_table=area_table,
        areas=area_out,
        facilities=facilities,
        assignments=assignments,
        districts=district_table,
        accessibility=circles.run,
        findings=findings,
        excluded=len(excluded),
        accounting=accounting,
        timings=timings,
    )
    district_years = None
    if phased is not None:
        years = phased_plan(
            model=phased,
            solution=solution,
            problem=problem,
            demands=demands,
            sites=sites,
            options=options,
            areas=areas,
            nearest_site=access.table,
            inputs=inputs,
            scenario=scenario,
            accounting=accounting,
        )
        facilities["opening_year"] = years.opening_year.reindex(facilities.index.astype(str))
        district_years = years.districts
        run["phases"] = years.phases
        run["model_size"]["phased"] = {
            "rows": phased.base.num_rows,
            "columns": phased.base.num_cols,
            "nonzeros": int(phased.base.A.nnz),
        }
        lap("phases")
    return Plan(
        facilities=facilities,
        areas=area_out,
        assignments=assignments,
        districts=district_table,
        district_years=district_years,
        candidates=candidates,
        run=run,
        district_shapes=district_shapes,
        hazards=buffers.set_index("hazard_id") if buffers is not None else None,
        service_lines=lines,
        residual=prepared.demand.residual if prepared.demand is not None else None,
        area_points=located_areas(area_out, inputs.area_points),
    )
