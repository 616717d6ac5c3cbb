"""Solve every county: in this process one by one, or on a Dask cluster.

Each county is one task, :func:`solve_county`: prepare the county's share of the
inputs (:func:`siting.province.district_inputs`), solve it and extract its plan,
exactly as :func:`siting.pipeline.run_plan` does for a city. A county whose solve
fails (no plan, no candidate site, a bad layer) comes back as a failed
:class:`CountyResult` with its reason and its code (:data:`FAILURES`, which the
reports render in their language); the other counties go on.

On a cluster (``workers`` or ``scheduler``) the tasks are submitted with
``dask.distributed``; a worker that dies mid-task loses only its task, which the
scheduler gives to another worker (``distributed.scheduler.allowed-failures``
times, 3 by default). ``dask`` is imported only then.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import geopandas as gpd
import pandas as pd

from siting.candidates import default_costs_abroad
from siting.errors import (
    InputError,
    NetworkError,
    NoSolutionError,
    ScenarioError,
    SitingError,
    SolverError,
)
from siting.inputs import Inputs
from siting.plan import Plan
from siting.province.border import border_pass, serve_unplanned
from siting.province.cache import CountyCache
from siting.province.lifecircle import access_across_borders
from siting.province.merge import merge_counties
from siting.province.partition import district_ids, district_inputs, place_osm_facilities
from siting.scenario import Scenario

__all__ = [
    "CONNECT_TIMEOUT_S",
    "FAILURES",
    "ClusterError",
    "CountyResult",
    "CountyWatch",
    "failure_code",
    "map_tasks",
    "plan_by_district",
    "solve_county",
]

log = logging.getLogger(__name__)

Progress = Callable[[str], None]

CONNECT_TIMEOUT_S = 5.0
"""Seconds to wait for a ``--scheduler`` to answer before giving up."""

MEMORY_PER_WORKER = "2GiB"
"""The memory limit of each worker of a cluster started by ``--workers`` (issue #12's target)."""


class CountyWatch(Protocol):
    """What :func:`plan_by_district` tells as the counties run (:class:`CountyProgress`)."""

    def begin(self, total: int, names: dict[str, str]) -> None:
        """``total`` counties are to be solved; ``names`` maps their ids to names."""

    def started(self, district_id: str) -> None:
        """A county is running from now."""

    def finished(self, result: CountyResult) -> None:
        """A county's task returned."""

    def end(self) -> None:
        """Every county has returned (or the run is stopping)."""


POLL_S = 0.5
"""Seconds between two looks at which counties have finished or begun, with a ``watch``."""
COUNTY_BEGUN = "siting-county-begun"
"""The Dask event topic (with each run's own suffix) on which a worker says which
county's solve it begins."""


class ClusterError(SitingError, ConnectionError):
    """A Dask cluster could not be reached or started."""


FAILURES: dict[str, str] = {
    "no_sites": "no candidate parcel and no existing facility (status no_sites)",
    "infeasible": "the solver proved the county's model infeasible",
    "timed_out": "the time limit came before the solver found a plan",
    "unbounded": "the county's model is unbounded (a modelling error)",
    "solver_error": "the solver failed mid-way or returned a status siting cannot read",
    "solver": "the solver could not run (an option or the model rejected)",
    "inputs": "a layer of the county is unusable (InputError)",
    "scenario": "the scenario does not suit the county (ScenarioError)",
    "network": "the county's streets cannot be read or used (NetworkError)",
    "error": "another error while preparing or solving (ValueError, RuntimeError: a bug)",
    "lost": "the county's task failed on the cluster (its worker lost too often, or it raised)",
}
"""Why a county has no plan: each ``CountyResult.code`` and what it means. The reason
keeps the exception's own words beside it, as a technical detail."""


def failure_code(exc: BaseException) -> str:
    """The :data:`FAILURES` code of an exception that left a county without a plan.

    Examples
    --------
    >>> from siting.errors import NoSolutionError
    >>> failure_code(NoSolutionError("no plan", status="timed_out")), failure_code(KeyError())
    ('timed_out', 'error')
    """
    if isinstance(exc, NoSolutionError):
        solved = ("infeasible", "timed_out", "unbounded")
        return exc.status if exc.status in solved else "solver_error"
    for kind, code in (
        (SolverError, "solver"),
        (InputError, "inputs"),
        (ScenarioError, "scenario"),
        (NetworkError, "network"),
    ):
        if isinstance(exc, kind):
            return code
    return "error"


@dataclass(frozen=True)
class CountyResult:
    """What one county's task returns.

    Attributes
    ----------
    district_id
        The county.
    status
        ``"optimal"`` or ``"feasible"`` (a plan), ``"no_sites"`` (no candidate parcel
        and no existing facility) or ``"failed"`` (no plan; see ``reason``).
    reason
        Why there is no plan, one sentence; ``None`` with a plan.
    plan
        The county's plan, or ``None``.
    worker
        Where it ran: the Dask worker's address, or ``"local"``.
    seconds
        Wall-clock seconds of the task.
    reused
        Taken from the cache of an earlier run (``--resume``) rather than solved.
    code
        Why there is no plan, one of :data:`FAILURES`; ``None`` with a plan.
    residents
        Without a plan, the demand of the county's areas (:attr:`siting.demand.Demand.areas`:
        ``planned_population``, ``required_slots``, ``migrant_slots``, ...), as estimated
        before the failure or, when it failed before, estimated alone after it
        (:func:`siting.pipeline.loaded_demand`); ``None`` with a plan, or when the demand
        cannot be estimated.
    unestimated
        Without a plan and without ``residents``: why the demand of the county's areas
        could not be estimated (``None`` otherwise).
    """

    district_id: str
    status: str
    reason: str | None
    plan: Plan | None
    worker: str
    seconds: float
    reused: bool = False
    code: str | None = None
    residents: pd.DataFrame | None = None
    unestimated: str | None = None


def _said(exc: BaseException) -> str:
    """An exception that left a county without a plan, as its reason says it."""
    kind = "solver" if isinstance(exc, SolverError) else type(exc).__name__
    return f"{kind}: {exc}"


def _residents(
    scenario: Scenario, inputs: Inputs, district_id: str
) -> tuple[pd.DataFrame | None, str | None]:
    """The demand of a county's areas estimated alone, after it failed before estimating it,
    or why it cannot be (the demand estimate may itself be what failed)."""
    from siting.pipeline import loaded_demand

    if inputs.areas.empty:
        return None, None
    try:
        return loaded_demand(inputs, scenario=scenario)[1].areas, None
    except Exception as exc:  # the county has already failed: keep its record
        # a raster unreadable in the county (rasterio's OSError) or any other error here
        # would otherwise turn a county recorded as failed into a crash of the whole run
        log.debug("%s: the demand of a county without a plan: %s", district_id, exc)
        return None, _said(exc)


def _worker_name() -> str:
    if "distributed" not in sys.modules:
        return "local"
    from distributed import get_worker

    try:
        return str(get_worker().address)
    except ValueError:  # not on a worker
        return "local"


def solve_county(
    scenario: Scenario, inputs: Inputs, district_id: str, *, threads: int | None = None
) -> CountyResult:
    """Prepare, solve and extract one county's plan; never raises for a county's own fault.

    Parameters
    ----------
    scenario
        The whole run's scenario.
    inputs
        The county's share of the inputs (:func:`~siting.province.district_inputs`).
    district_id
        The county.
    threads
        Solver threads for this county when the scenario leaves them to the solver
        (``solver.threads`` unset): a Dask worker of one thread gets 1, so that two
        workers on two cores do not each start a second solver thread.

    Returns
    -------
    CountyResult
        Its plan, or why it has none.
    """
    from siting.pipeline import prepare_loaded, solve_prepared

    if threads is not None and scenario.solver.threads is None:
        scenario = scenario.replace(solver=dataclasses.replace(scenario.solver, threads=threads))

    start = time.perf_counter()
    worker = _worker_name()

    def result(
        status: str,
        reason: str | None,
        plan: Plan | None,
        code: str | None = None,
        residents: pd.DataFrame | None = None,
        estimated: bool = False,
    ) -> CountyResult:
        unestimated = None
        if plan is None and not estimated:  # failed before its demand was estimated
            residents, unestimated = _residents(scenario, inputs, district_id)
        return CountyResult(
            district_id=district_id,
            status=status,
            reason=reason,
            plan=plan,
            worker=worker,
            seconds=round(time.perf_counter() - start, 3),
            code=code,
            residents=residents,
            unestimated=unestimated,
        )

    facilities = inputs.facilities
    lease = scenario.candidates.lease_in_areas
    leasable = lease is not None and inputs.areas["status"].astype(str).isin(lease.status).any()
    if inputs.parcels.empty and (facilities is None or facilities.empty) and not leasable:
        return result(
            "no_sites", "no candidate parcel and no existing facility", None, code="no_sites"
        )
    quiet: Progress = lambda message: log.debug("%s: %s", district_id, message)  # noqa: E731
    residents = None  # the county's demand, once estimated: kept if the solve fails
    try:
        prepared = prepare_loaded(inputs, scenario=scenario, progress=quiet)
        residents = prepared.demand.areas if prepared.demand is not None else None
        plan = solve_prepared(prepared)
    except (SitingError, ValueError, RuntimeError) as exc:
        return result(
            "failed",
            _said(exc),
            None,
            code=failure_code(exc),
            residents=residents,
            estimated=residents is not None,
        )
    return result(str(plan.run["status"]), None, plan)


def plan_by_district(
    inputs: Inputs,
    *,
    scenario: Scenario,
    client: Any = None,
    progress: Progress | None = None,
    timings: dict[str, float] | None = None,
    cache: CountyCache | None = None,
    resume: bool = False,
    watch: CountyWatch | None = None,
) -> Plan:
    """Plan every county of ``inputs`` on its own and merge the plans.

    Parameters
    ----------
    inputs
        Validated inputs with a districts layer. The OSM file's existing facilities
        outside every district are first placed or left out
        (:func:`~siting.province.partition.place_osm_facilities`).
    scenario
        The scenario (``run.partition = "district"``).
    client
        A Dask client (:func:`dask_client`) to solve the counties on; ``None``
        solves them one by one in this process.
    progress
        Called with a short message as counties finish.
    timings
        Seconds of the steps already taken (reading the inputs).
    cache
        Where each county with a plan is kept as soon as it finishes.
    resume
        Reuse the counties ``cache`` holds for these inputs and this scenario, and
        solve only the others.
    watch
        Told when each county starts and finishes (a progress display); without
        it, ``progress`` is told of each county.

    Returns
    -------
    Plan
        The merged plan; ``run["status"]`` is ``"partial"`` when some county has none.

    Raises
    ------
    SolverError
        No county has a plan.
    """
    say = progress or (lambda message: log.info(message))
    inputs = place_osm_facilities(inputs, scenario=scenario)
    # the whole run's sites, said once (each county said it of its own, with its own centre)
    sites = [f.geometry for f in (inputs.parcels, inputs.facilities) if f is not None and len(f)]
    abroad = (
        default_costs_abroad(gpd.GeoDataFrame(geometry=pd.concat(sites)), scenario=scenario)
        if sites
        else []
    )
    for said in abroad:
        log.warning("%s", said)
    inputs = dataclasses.replace(inputs, findings=(*inputs.findings, *abroad))
    ids = district_ids(inputs)
    reused: dict[str, CountyResult] = {}
    if resume and cache is not None:
        for d in ids:
            kept = cache.load(d)
            if kept is not None:
                reused[d] = dataclasses.replace(kept, reused=True)
        if reused:
            say(f"reusing {len(reused)} finished counties: {', '.join(reused)}")
    todo = [d for d in ids if d not in reused]
    parts = [district_inputs(inputs, d, scenario=scenario) for d in todo]

    def keep(result: CountyResult) -> None:
        if cache is not None:
            cache.save(result)
        if watch is not None:
            watch.finished(result)

    start = time.perf_counter()
    if watch is not None and todo:
        watch.begin(len(todo), _county_names(inputs, todo))
    try:
        if not todo:
            solved: list[CountyResult] = []
            engine: dict[str, Any] = {"engine": "cache", "workers": 0}
        elif client is None:
            solved = []
            for k, (d, part) in enumerate(zip(todo, parts, strict=True), start=1):
                if watch is None:
                    say(f"county {d} ({k}/{len(todo)})")
                else:
                    watch.started(d)
                solved.append(solve_county(scenario, part, d))
                keep(solved[-1])
            engine = {"engine": "in-process", "workers": 1}
        else:
            tell = say if watch is None else None
            solved, engine = _on_cluster(
                client, scenario, todo, parts, say=tell, keep=keep, watch=watch
            )
    finally:
        if watch is not None and todo:
            watch.end()
    engine["wall_s"] = round(time.perf_counter() - start, 3)
    engine["county_s"] = round(sum(r.seconds for r in solved), 3)
    engine["solved"] = len(solved)
    engine["reused"] = len(reused)
    by_id = {**reused, **{r.district_id: r for r in solved}}
    results = [by_id[d] for d in ids]
    merged = merge_counties(
        results, inputs=inputs, scenario=scenario, engine=engine, timings=timings or {}
    )
    final = merged
    if scenario.run.cross_border_m > 0:
        say(f"border pass: areas within {scenario.run.cross_border_m:g} m of another district")
        final = border_pass(merged, results, inputs=inputs, scenario=scenario)
    final = serve_unplanned(final, inputs=inputs, scenario=scenario)
    say("measuring access across the county borders")
    return access_across_borders(final, counties=merged, inputs=inputs, scenario=scenario)


def _county_names(inputs: Inputs, ids: Sequence[str]) -> dict[str, str]:
    districts = inputs.districts
    if districts is None or "name" not in districts.columns:
        return {}
    names = {str(d): name for d, name in districts["name"].items() if isinstance(name, str)}
    return {d: names[d] for d in ids if d in names}


@contextlib.contextmanager
def dask_client(
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Progress | None = None,
) -> Iterator[Any]:
    """A Dask client for the counties, or ``None`` (and no Dask import) without either flag.

    Open it before reading the inputs, so that a scheduler that does not answer is
    reported within :data:`CONNECT_TIMEOUT_S` rather than after a province is read.

    Parameters
    ----------
    workers
        Start a ``LocalCluster`` of this many worker processes, one thread and
        :data:`MEMORY_PER_WORKER` each, and stop it on leaving.
    scheduler
        Connect to the running scheduler at this address instead.
    progress
        Told the dashboard's link.

    Yields
    ------
    distributed.Client or None
        The client.

    Raises
    ------
    ClusterError
        Dask is not installed, the scheduler does not answer, or the cluster
        cannot start.
    """
    if workers is None and scheduler is None:
        yield None
        return
    say = progress or (lambda message: log.info(message))
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ClusterError(
            "--workers and --scheduler need Dask. Fix: pip install 'siting[cluster]'."
        ) from None
    cluster = None
    try:
        if scheduler is not None:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT_S)
        else:
            cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                memory_limit=MEMORY_PER_WORKER,
                dashboard_address=":0",
            )
            client = Client(cluster)
    except (OSError, TimeoutError) as exc:
        if cluster is not None:
            cluster.close()
        where = f"no Dask scheduler answers at {scheduler}" if scheduler else "no local cluster"
        raise ClusterError(
            f"{where} within {CONNECT_TIMEOUT_S:g} s ({type(exc).__name__}); "
            "start one with 'dask scheduler' and 'dask worker ADDRESS', or use --workers N"
        ) from None
    try:
        say(f"Dask dashboard: {client.dashboard_link}")
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _on_cluster(
    client: Any,
    scenario: Scenario,
    ids: Sequence[str],
    parts: Sequence[Inputs],
    *,
    say: Progress | None,
    keep: Callable[[CountyResult], None],
    watch: CountyWatch | None = None,
) -> tuple[list[CountyResult], dict[str, Any]]:
    from distributed import as_completed

    info = client.scheduler_info()
    begun: list[str] = []  # told by the workers as each county's solve begins
    # a topic of this run's own: another run on a shared scheduler has its own counties
    topic = f"{COUNTY_BEGUN}-{uuid.uuid4().hex}"
    if watch is not None:  # nobody to tell otherwise: the workers' events go unheard
        client.subscribe_topic(topic, lambda event: begun.append(str(event[1])))
    futures = [
        client.submit(_county_on_worker, scenario, part, d, topic, key=f"county-{d}", pure=False)
        for d, part in zip(ids, parts, strict=True)
    ]
    by_key = {f.key: d for f, d in zip(futures, ids, strict=True)}
    done: dict[str, CountyResult] = {}

    def finish(future: Any) -> None:
        d = by_key[future.key]
        try:
            done[d] = future.result()
        except Exception as exc:  # a task lost more often than allowed, or a bug
            reason = f"{type(exc).__name__}: {exc}"
            done[d] = CountyResult(d, "failed", reason, None, "?", 0.0, code="lost")
        keep(done[d])
        if say is not None:
            say(f"county {d} {done[d].status} ({len(done)}/{len(ids)})")

    pending = as_completed(futures)
    try:
        if watch is None:
            for future in pending:
                finish(future)
        else:
            # Poll, so that the counties a worker has begun are told as they begin.
            while not pending.is_empty():
                if pending.has_ready():
                    for future in pending.next_batch(block=False):
                        finish(future)
                    continue
                for d in list(begun):
                    if d not in done:
                        watch.started(d)
                time.sleep(POLL_S)
    finally:
        if watch is not None:
            client.unsubscribe_topic(topic)
    engine = {
        "engine": "dask",
        "scheduler": str(info.get("address")),
        "workers": len(info.get("workers", {})),
        "dashboard": client.dashboard_link,
    }
    return [done[d] for d in ids], engine


def _county_on_worker(
    scenario: Scenario, inputs: Inputs, district_id: str, topic: str = COUNTY_BEGUN
) -> CountyResult:
    """:func:`solve_county` on a Dask worker, telling the client first that it begins.

    The scheduler's own list of a worker's tasks (``Client.processing``) also holds the
    tasks queued on it, so two counties per one-thread worker looked as if running.
    """
    from distributed import get_worker

    get_worker().log_event(topic, district_id)
    return solve_county(scenario, inputs, district_id, threads=1)


def map_tasks(
    client: Any,
    function: Callable[..., Any],
    tasks: Sequence[tuple[Any, ...]],
    *,
    shared: tuple[Any, ...] = (),
    keys: Sequence[str] | None = None,
    done: Callable[[Any], None] | None = None,
) -> list[Any]:
    """``function(*shared, *task)`` for every task: one by one here, or on a Dask cluster.

    The generic engine other rooms reuse (:mod:`siting.robust`): with ``client``
    ``None`` the tasks run in this process in order and nothing of Dask is
    imported; with a client (:func:`dask_client`) ``shared`` is scattered to the
    workers once and each task is submitted, and a task lost with its worker is
    given to another by the scheduler. ``function`` should return its own
    failures as values: an exception it raises is raised here.

    Parameters
    ----------
    client
        A Dask client, or ``None``.
    function
        A module-level function (it is pickled to the workers).
    tasks
        The arguments of each call after ``shared``.
    shared
        Arguments common to every call (large ones, such as inputs, sent once).
    keys
        The tasks' names on the cluster (unique); default ``task-<n>-<random>``.
    done
        Called with each result as it arrives.

    Returns
    -------
    list
        The results, in the order of ``tasks``.
    """
    if client is None:
        results = []
        for task in tasks:
            results.append(function(*shared, *task))
            if done is not None:
                done(results[-1])
        return results
    import secrets

    from distributed import as_completed

    token = secrets.token_hex(4)
    names = list(keys) if keys is not None else [f"task-{n}-{token}" for n in range(len(tasks))]
    sent = tuple(client.scatter(value, broadcast=True) for value in shared)
    futures = [
        client.submit(function, *sent, *task, key=name, pure=False)
        for task, name in zip(tasks, names, strict=True)
    ]
    if done is not None:
        for future in as_completed(futures):
            done(future.result())
    return [future.result() for future in futures]
