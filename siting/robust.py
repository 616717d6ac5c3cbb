"""Robust sites: which sites a plan chooses whatever the uncertain numbers turn out to be.

A plan answers one set of assumptions. :func:`robust_sites` plans every
combination of a few varied scenario values (``--vary ratios.old=7,8,9``), or a
seeded sample of them, each as an ordinary run (:func:`siting.pipeline.prepare_loaded`
and :func:`siting.pipeline.solve_prepared`, every rule and stage), and counts per
site how often it was chosen. A site chosen in every combination is a safe first
purchase; one chosen only under high demand can wait.

Any numeric scenario key can be varied, by its dotted path as in the TOML file
(``ratios.old``, ``demand.persons_per_household``, ``radii.urban_m``,
``policy.budget``); an unknown key, a key that is not a number, and a value out of
range are errors naming the key. The inputs are read once per distinct reading
setting (a varied radius or density limit reads them again); each combination
then estimates demand, measures walks and solves.

Not every key moves the plan. The model serves the policy ratios (``ratios.*``,
R1–R4) times the population; ``demand.birth_rate_per_1000`` and
``demand.takeup`` give only the report's second, demand-based estimate. Each
combination records a digest of its model's data, and a key whose values never
changed the model is named in the result's ``notes``.

With ``workers`` or ``scheduler`` the combinations run on a Dask cluster through
the province engine (:func:`siting.province.engine.map_tasks`); without them they
run one by one here and Dask is not imported. Each combination is one model for
the whole study area (``run.partition`` is not applied).
"""

from __future__ import annotations

import dataclasses
import hashlib
import html
import itertools
import json
import logging
import math
import secrets
import sys
import time
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from siting.errors import ScenarioError, SitingError, SolverError
from siting.scenario import Scenario, check_scenario, load_scenario

__all__ = [
    "Combination",
    "RobustSites",
    "combinations",
    "parse_vary",
    "plan_combination",
    "robust_map",
    "robust_sites",
    "scenario_with",
    "write_robust",
]

log = logging.getLogger(__name__)

Progress = Callable[[str], None]

# Scenario parts that change how the inputs are read (siting.pipeline.read_inputs).
_READ_KEYS = ("inputs", "crs", "radii")


def parse_vary(texts: Sequence[str]) -> dict[str, tuple[float, ...]]:
    """Read ``--vary KEY=V1,V2,...`` arguments.

    Parameters
    ----------
    texts
        One ``KEY=V1,V2,...`` per varied key.

    Returns
    -------
    dict
        Values per key, in the order given.

    Raises
    ------
    ScenarioError
        A text without ``=``, without values, with a value that is not a number,
        or a key given twice.

    Examples
    --------
    >>> parse_vary(["ratios.old=7,8", "demand.takeup=0.3"])
    {'ratios.old': (7.0, 8.0), 'demand.takeup': (0.3,)}
    """
    out: dict[str, tuple[float, ...]] = {}
    for text in texts:
        key, sep, rest = text.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ScenarioError(
                f"--vary {text!r} is not KEY=V1,V2,... Fix: for example --vary ratios.old=7,8,9"
            )
        if key in out:
            raise ScenarioError(f"--vary {key} is given twice. Fix: list all its values once.")
        values = []
        for part in rest.split(","):
            try:
                value = float(part)
            except ValueError:
                raise ScenarioError(
                    f"--vary {key}: {part.strip()!r} is not a number. Fix: give numbers "
                    "separated by commas, such as 7,8,9"
                ) from None
            if not math.isfinite(value):
                raise ScenarioError(f"--vary {key}: {part.strip()!r} is not a finite number.")
            values.append(value)
        if not values:
            raise ScenarioError(f"--vary {key} has no values. Fix: {key}=V1,V2,...")
        out[key] = tuple(values)
    return out


def _numeric(hint: Any) -> type | None:
    """``float`` or ``int`` for a number field (optional or not); ``None`` otherwise."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(hint) if a is not type(None)]
        return _numeric(inner[0]) if len(inner) == 1 else None
    return hint if hint in (float, int) else None


def _set(node: Any, parts: list[str], value: float, *, key: str, where: str) -> Any:
    if not dataclasses.is_dataclass(node) or isinstance(node, type):
        raise ScenarioError(
            f"--vary {key}: [{where}] is not a table of the scenario here (it is "
            f"{'missing' if node is None else type(node).__name__}). Fix: vary a number "
            "inside a table, such as ratios.old"
        )
    names = {f.name for f in dataclasses.fields(node)}
    name = parts[0]
    if name not in names:
        inside = f"[{where}]" if where else "the top level"
        raise ScenarioError(
            f"--vary {key}: unknown key {name!r} in {inside}. Known keys: "
            f"{', '.join(sorted(names))}."
        )
    here = f"{where}.{name}" if where else name
    if len(parts) > 1:
        child = _set(getattr(node, name), parts[1:], value, key=key, where=here)
        return dataclasses.replace(node, **{name: child})
    kind = _numeric(typing.get_type_hints(type(node))[name])
    if kind is None:
        raise ScenarioError(
            f"--vary {key}: '{here}' is not a number (it is "
            f"{type(getattr(node, name)).__name__}); only numeric keys can be varied."
        )
    if kind is int:
        if value != int(value):
            raise ScenarioError(f"--vary {key}: '{here}' takes whole numbers, got {value:g}.")
        return dataclasses.replace(node, **{name: int(value)})
    return dataclasses.replace(node, **{name: float(value)})


def scenario_with(scenario: Scenario, values: Mapping[str, float]) -> Scenario:
    """A copy of ``scenario`` with numeric keys set by their dotted paths, then checked.

    Parameters
    ----------
    scenario
        The scenario.
    values
        ``{"ratios.old": 9.0, ...}``.

    Returns
    -------
    Scenario
        The changed scenario.

    Raises
    ------
    ScenarioError
        An unknown key, a key that is not a number, or a value out of range,
        naming the key.

    Examples
    --------
    >>> scenario_with(Scenario(), {"ratios.old": 9}).ratios.old
    9.0
    >>> scenario_with(Scenario(), {"ratios.olde": 9})
    Traceback (most recent call last):
    ...
    siting.errors.ScenarioError: --vary ratios.olde: unknown key 'olde' in [ratios]. Known keys: migrant, national_target, new, old, rural.
    """  # noqa: E501
    for key, value in values.items():
        scenario = _set(scenario, key.split("."), value, key=key, where="")
    try:
        check_scenario(scenario)
    except ScenarioError as exc:
        raise ScenarioError(f"--vary {', '.join(values)}: {exc}") from None
    return scenario


def combinations(
    vary: Mapping[str, Sequence[float]], *, samples: int | None = None, seed: int = 0
) -> list[dict[str, float]]:
    """Every combination of the varied values, or a seeded sample of ``samples`` of them.

    Parameters
    ----------
    vary
        Values per key (:func:`parse_vary`).
    samples
        How many combinations to draw without replacement; ``None`` (or more than
        there are) takes them all.
    seed
        The seed of the draw.

    Returns
    -------
    list of dict
        In grid order (the last key varies fastest).

    Examples
    --------
    >>> combinations({"a": (1, 2), "b": (3, 4)})
    [{'a': 1, 'b': 3}, {'a': 1, 'b': 4}, {'a': 2, 'b': 3}, {'a': 2, 'b': 4}]
    >>> len(combinations({"a": (1, 2), "b": (3, 4)}, samples=3, seed=1))
    3
    """
    keys = list(vary)
    grid = [dict(zip(keys, values, strict=True)) for values in itertools.product(*vary.values())]
    if samples is None or samples >= len(grid):
        return grid
    if samples < 1:
        raise ScenarioError(f"--samples must be 1 or more, got {samples}")
    picked = np.random.default_rng(seed).choice(len(grid), size=samples, replace=False)
    return [grid[k] for k in sorted(picked.tolist())]


@dataclasses.dataclass(frozen=True)
class Combination:
    """One combination's plan, as far as robustness needs it.

    Attributes
    ----------
    number
        Its position among the combinations, from 1.
    values
        The varied values.
    status
        The plan's status (``"optimal"``, ``"feasible"``) or ``"failed"``.
    reason
        Why it has no plan; ``None`` with one.
    message
        The solver's sentence.
    cost, shortfall_slots, required_slots
        The plan's totals.
    chosen
        One row per site with new slots: ``site_id``, ``district_id``, ``option``,
        ``slots``, ``new_slots``, ``existing``, ``lon``, ``lat``.
    digest
        A hash of the model's data (demand, sites, options, pairs, rules): equal
        digests mean the same model.
    seconds
        Wall-clock seconds (prepare and solve).
    worker
        Where it ran.
    findings
        The plan's findings beyond the inputs' (said once when they were read): demand
        no site reaches, areas too large to walk across, ... (not logged per combination:
        :func:`robust_sites` says each once).
    """

    number: int
    values: dict[str, float]
    status: str
    reason: str | None
    message: str
    cost: float
    shortfall_slots: float
    required_slots: float
    chosen: pd.DataFrame
    digest: str
    seconds: float
    worker: str
    findings: tuple[str, ...] = ()


def _digest(problem: Any) -> str:
    digest = hashlib.sha256()
    for frame in (problem.demand[["required"]], problem.sites, problem.options, problem.pairs):
        digest.update(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes())
    digest.update(
        repr(
            (
                problem.districts,
                problem.demonstration_per_district,
                problem.budget,
                problem.min_affordable_share,
            )
        ).encode()
    )
    return digest.hexdigest()[:16]


def _chosen(plan: Any) -> pd.DataFrame:
    facilities = plan.facilities
    keep = ~facilities["existing"].astype(bool) | (facilities["new_slots"] > 0)
    picked = facilities.loc[keep]
    lonlat = picked.geometry.representative_point().to_crs(4326)
    return pd.DataFrame(
        {
            "site_id": picked.index.astype(str),
            # a site in no district (a city planned without a districts layer) has none,
            # not the text "nan" or "None"
            "district_id": [None if pd.isna(d) else str(d) for d in picked["district_id"]],
            "option": picked["option"].astype(str).to_numpy(),
            "slots": picked["slots"].astype(float).to_numpy(),
            "new_slots": picked["new_slots"].astype(float).to_numpy(),
            "existing": picked["existing"].astype(bool).to_numpy(),
            "lon": lonlat.x.to_numpy(),
            "lat": lonlat.y.to_numpy(),
        }
    )


def plan_combination(
    inputs: Any, scenario: Scenario, number: int, values: dict[str, float]
) -> Combination:
    """Prepare and solve one combination; never raises for the combination's own fault.

    Parameters
    ----------
    inputs
        The inputs read with ``scenario`` (:func:`siting.pipeline.read_inputs`).
    scenario
        The combination's scenario.
    number
        Its position, from 1.
    values
        The varied values.

    Returns
    -------
    Combination
        Its chosen sites, or why it has none.
    """
    from siting.pipeline import prepare_loaded, siting_problem, solve_prepared
    from siting.province.engine import _worker_name

    began = time.perf_counter()
    quiet: Progress = lambda message: log.debug("combination %d: %s", number, message)  # noqa: E731
    empty = pd.DataFrame(
        columns=["site_id", "district_id", "option", "slots", "new_slots", "existing", "lon", "lat"]
    )
    digest = ""
    try:
        prepared = prepare_loaded(inputs, scenario=scenario, progress=quiet)
        digest = _digest(siting_problem(prepared, scenario=scenario)[0])
        plan = solve_prepared(prepared, progress=quiet, warn=False)
    except (SitingError, ValueError, RuntimeError) as exc:
        kind = "solver" if isinstance(exc, SolverError) else type(exc).__name__
        return Combination(
            number=number,
            values=values,
            status="failed",
            reason=f"{kind}: {exc}",
            message="",
            cost=math.nan,
            shortfall_slots=math.nan,
            required_slots=math.nan,
            chosen=empty,
            digest=digest,
            seconds=round(time.perf_counter() - began, 3),
            worker=_worker_name(),
        )
    totals = plan.run["totals"]
    return Combination(
        number=number,
        values=values,
        status=str(plan.run["status"]),
        reason=None,
        message=str(plan.run["message"]),
        cost=float(totals["cost"]),
        shortfall_slots=float(totals["shortfall_slots"]),
        required_slots=float(totals["required_slots"]),
        chosen=_chosen(plan),
        digest=digest,
        seconds=round(time.perf_counter() - began, 3),
        worker=_worker_name(),
        findings=tuple(str(f) for f in plan.run["findings"] if f not in inputs.findings),
    )


@dataclasses.dataclass(frozen=True)
class RobustSites:
    """What :func:`robust_sites` found.

    Attributes
    ----------
    sites
        One row per site chosen in at least one combination, most often first:
        ``site_id``, ``district_id``, ``times_chosen``, ``share`` (of the
        combinations with a plan), ``always`` (chosen in every one: a safe first
        purchase), ``sizes_chosen`` (``option (slots) ×times``, most frequent first),
        ``chosen_in`` (the combinations' numbers), ``existing``, ``lon``, ``lat``.
    combinations
        One row per combination: its number, the varied values, ``status``,
        ``cost``, ``shortfall_slots``, ``required_slots``, ``facilities``,
        ``model`` (the number of the first combination with the same model),
        ``seconds``, ``worker``, ``reason``.
    notes
        Sentences worth reading first: keys that never changed the model,
        combinations without a plan.
    engine
        How the combinations ran (``"in-process"`` or ``"dask"``, workers, seconds).
    vary
        The varied values per key.
    findings
        The combinations' plans' findings beyond the inputs', each once (with the
        combinations that have it, when not every one does).
    """

    sites: pd.DataFrame
    combinations: pd.DataFrame
    notes: list[str]
    engine: dict[str, Any]
    vary: dict[str, tuple[float, ...]]
    findings: list[str] = dataclasses.field(default_factory=list)


def _no_effect(runs: Sequence[Combination], keys: Sequence[str]) -> list[str]:
    """Keys whose values never changed the model among combinations alike in every other key."""
    quiet = []
    for key in keys:
        groups: dict[tuple[Any, ...], set[str]] = {}
        compared = False
        for run in runs:
            if not run.digest:
                continue
            other = tuple(run.values[k] for k in keys if k != key)
            groups.setdefault(other, set())
            if groups[other]:
                compared = True
            groups[other].add(run.digest)
        if compared and all(len(digests) == 1 for digests in groups.values()):
            quiet.append(key)
    return quiet


def _summarize(runs: Sequence[Combination], keys: Sequence[str]) -> pd.DataFrame:
    ok = [r for r in runs if r.status != "failed"]
    frames = [r.chosen.assign(number=r.number) for r in ok if len(r.chosen)]
    columns = [
        "site_id",
        "district_id",
        "times_chosen",
        "share",
        "always",
        "sizes_chosen",
        "chosen_in",
        "existing",
        "lon",
        "lat",
    ]
    if not frames:
        return pd.DataFrame(columns=columns)
    chosen = pd.concat(frames, ignore_index=True)
    chosen["size"] = [
        f"+{n:.0f} expansion" if e else f"{o} ({s:.0f})"
        for o, s, n, e in zip(
            chosen["option"], chosen["slots"], chosen["new_slots"], chosen["existing"], strict=True
        )
    ]
    rows = []
    for site_id, part in chosen.groupby("site_id", sort=False):
        sizes = part["size"].value_counts()
        times = int(part["number"].nunique())
        rows.append(
            {
                "site_id": str(site_id),
                "district_id": part["district_id"].iloc[0],
                "times_chosen": times,
                "share": times / len(ok),
                "always": times == len(ok),
                "sizes_chosen": "; ".join(f"{s} ×{n}" for s, n in sizes.items()),
                "chosen_in": ",".join(str(n) for n in sorted(part["number"].unique())),
                "existing": bool(part["existing"].iloc[0]),
                "lon": float(part["lon"].iloc[0]),
                "lat": float(part["lat"].iloc[0]),
            }
        )
    table = pd.DataFrame(rows, columns=columns)
    return table.sort_values(["times_chosen", "site_id"], ascending=[False, True]).reset_index(
        drop=True
    )


def robust_sites(
    scenario: Scenario | str | Path,
    vary: Mapping[str, Sequence[float]],
    *,
    samples: int | None = None,
    seed: int = 0,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Progress | None = None,
) -> RobustSites:
    """Plan every combination of the varied values and count how often each site is chosen.

    Parameters
    ----------
    scenario
        A :class:`~siting.scenario.Scenario` or the path of its TOML file.
    vary
        Values per dotted numeric key (:func:`parse_vary`), such as
        ``{"ratios.old": (7, 8, 9)}``.
    samples
        Plan a seeded sample of this many combinations instead of all.
    seed
        The sample's seed.
    workers
        Plan the combinations on a local Dask cluster of this many worker processes.
    scheduler
        Plan them on the running Dask cluster at this address.
    progress
        Called with a short message at each step.

    Returns
    -------
    RobustSites
        Per site, how often it was chosen; per combination, its plan's totals.

    Raises
    ------
    ScenarioError
        No key varied, or a key or value is refused (naming the key).
    SolverError
        No combination has a plan.
    """
    from siting.pipeline import read_inputs
    from siting.province.engine import dask_client, map_tasks

    say = progress or (lambda message: log.info(message))
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    if not vary:
        raise ScenarioError(
            "nothing to vary. Fix: give a key and its values, vary={'ratios.old': (7, 8, 9)} "
            "(--vary KEY=V1,V2,... at least once)"
        )
    keys = list(vary)
    combos = combinations(vary, samples=samples, seed=seed)
    scenarios = [scenario_with(scenario, values) for values in combos]  # every refusal first
    began = time.perf_counter()
    with dask_client(workers=workers, scheduler=scheduler, progress=say) as client:
        # The inputs are read once per distinct reading setting.
        groups: dict[str, list[int]] = {}
        for k, s in enumerate(scenarios):
            reading = repr(
                (*(getattr(s, name) for name in _READ_KEYS), s.demand.max_persons_per_km2)
            )
            groups.setdefault(reading, []).append(k)
        runs: list[Combination] = []
        for members in groups.values():
            say("reading and checking inputs")
            _, inputs = read_inputs(scenarios[members[0]], progress=lambda message: None)
            token = secrets.token_hex(3)

            def finished(run: Combination, total: int = len(combos)) -> None:
                shown = ", ".join(f"{k}={v:g}" for k, v in run.values.items())
                say(f"combination {run.number}/{total} ({shown}): {run.status}")

            runs += map_tasks(
                client,
                plan_combination,
                [(scenarios[k], k + 1, combos[k]) for k in members],
                shared=(inputs,),
                keys=[f"combination-{k + 1}-{token}" for k in members],
                done=finished,
            )
        engine: dict[str, Any] = (
            {"engine": "in-process", "workers": 1}
            if client is None
            else {
                "engine": "dask",
                "scheduler": str(client.scheduler_info().get("address")),
                "workers": len(client.scheduler_info().get("workers", {})),
            }
        )
    engine["wall_s"] = round(time.perf_counter() - began, 3)
    engine["combination_s"] = round(sum(r.seconds for r in runs), 3)
    runs.sort(key=lambda r: r.number)
    ok = [r for r in runs if r.status != "failed"]
    if not ok:
        reasons = "; ".join(f"{r.number}: {r.reason}" for r in runs[:3])
        raise SolverError(f"no combination has a plan ({reasons})")

    first_of: dict[str, int] = {}
    for r in runs:
        if r.digest:
            first_of.setdefault(r.digest, r.number)
    table = pd.DataFrame(
        [
            {
                "combination": r.number,
                **r.values,
                "status": r.status,
                "cost": r.cost,
                "shortfall_slots": r.shortfall_slots,
                "required_slots": r.required_slots,
                "facilities": len(r.chosen),
                "model": first_of.get(r.digest),
                "seconds": r.seconds,
                "worker": r.worker,
                "reason": r.reason,
            }
            for r in runs
        ]
    )
    notes = []
    quiet = _no_effect(runs, keys)
    if quiet:
        notes.append(
            f"{', '.join(quiet)} did not change the model in any combination (the same "
            "demand, sites and pairs): the model serves the policy ratios (ratios.*) times "
            "the population, and keys such as demand.birth_rate_per_1000 and demand.takeup "
            "only give the report's demand-based estimate. To test demand, vary ratios.old, "
            "ratios.new, ratios.rural, ratios.migrant or demand.persons_per_household."
        )
    distinct = len(set(first_of))
    if distinct < len(ok):
        notes.append(f"{len(ok)} combinations with a plan gave {distinct} distinct model(s)")
    failed = [r for r in runs if r.status == "failed"]
    for r in failed:
        notes.append(f"combination {r.number} has no plan: {r.reason}")
    for note in notes:
        log.warning(note)
    findings = _findings(ok)
    for finding in findings:
        log.warning(finding)
    return RobustSites(
        sites=_summarize(runs, keys),
        combinations=table,
        notes=notes,
        engine=engine,
        vary={k: tuple(float(v) for v in vals) for k, vals in vary.items()},
        findings=findings,
    )


def _findings(runs: Sequence[Combination]) -> list[str]:
    """Each finding of the combinations' plans once, with the combinations that have it
    when not all do (a finding's numbers change with the varied values)."""
    where: dict[str, list[int]] = {}
    for r in runs:
        for finding in r.findings:
            where.setdefault(finding, []).append(r.number)
    return [
        finding
        if len(numbers) == len(runs)
        else f"{finding} (combinations {', '.join(map(str, numbers))})"
        for finding, numbers in where.items()
    ]


_TEXT = {
    "en": {
        "layer": "Robust sites",
        "legend": "Chosen in",
        "always": "every combination (safe first purchase)",
        "most": "half or more",
        "some": "fewer than half",
        "site": "site",
        "district": "district",
        "times": "chosen",
        "sizes": "sizes",
    },
    "zh": {
        "layer": "稳健选址",
        "legend": "入选情景",
        "always": "所有情景（可优先购置）",
        "most": "半数及以上",
        "some": "少于半数",
        "site": "地块",
        "district": "区县",
        "times": "入选",
        "sizes": "规模",
    },
}


def robust_map(result: RobustSites, *, language: str = "zh", basemap: str = "osm") -> Any:
    """A folium map of the robust sites, coloured by how often each was chosen.

    Parameters
    ----------
    result
        What :func:`robust_sites` found.
    language
        ``"zh"`` or ``"en"``.
    basemap
        ``"osm"`` or ``"none"`` (no tiles, offline).

    Returns
    -------
    folium.Map
        The map, fitted to the sites.
    """
    import folium

    from siting.maps.compose import _use_bundled_leaflet

    text = _TEXT[language]
    sites = result.sites
    m = folium.Map(tiles=None, control_scale=True)
    _use_bundled_leaflet(m)
    if basemap != "none":
        folium.TileLayer("OpenStreetMap", name="OpenStreetMap").add_to(m)
    group = folium.FeatureGroup(name=text["layer"])
    colours = (("#1a9641", text["always"]), ("#a6d96a", text["most"]), ("#fdae61", text["some"]))
    for row in sites.itertuples(index=False):
        colour = colours[0][0] if row.always else colours[1 if row.share >= 0.5 else 2][0]
        popup = (
            f"<b>{text['site']} {html.escape(row.site_id)}</b><br>{text['district']}: "
            f"{html.escape(row.district_id or '')}<br>{text['times']}: {row.times_chosen} "
            f"({row.share:.0%})<br>{text['sizes']}: {html.escape(row.sizes_chosen)}"
        )
        folium.CircleMarker(
            [row.lat, row.lon],
            radius=3 + 4 * float(row.share),
            color="#252525",
            weight=1,
            fill=True,
            fill_color=colour,
            fill_opacity=0.9,
            tooltip=folium.Tooltip(popup),  # a popup would need jQuery, not bundled
        ).add_to(group)
    group.add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    legend = "".join(
        f'<div><span style="display:inline-block;width:12px;height:12px;border-radius:6px;'
        f'background:{c};border:1px solid #252525;margin-right:6px"></span>{html.escape(t)}</div>'
        for c, t in colours
    )
    m.get_root().html.add_child(  # type: ignore[attr-defined]
        folium.Element(
            '<div style="position:fixed;bottom:24px;left:12px;z-index:9999;background:#fff;'
            'padding:8px 10px;border:1px solid #999;font:12px sans-serif">'
            f"<b>{html.escape(text['legend'])}</b>{legend}</div>"
        )
    )
    if len(sites):
        m.fit_bounds(
            [
                [float(sites["lat"].min()), float(sites["lon"].min())],
                [float(sites["lat"].max()), float(sites["lon"].max())],
            ]
        )
    return m


def write_robust(
    result: RobustSites,
    out_dir: str | Path,
    *,
    scenario: Scenario | None = None,
    language: str = "zh",
    basemap: str = "osm",
    replace: bool = False,
) -> Path:
    """Write the robust sites (``robust.csv``, ``robust.geojson``, ``map.html``) and the runs.

    The folder goes through :mod:`siting.outdir` (refused when unsafe, locked,
    written whole and swapped in).

    Parameters
    ----------
    result
        What :func:`robust_sites` found.
    out_dir
        The folder to create, or an earlier output of siting's to replace.
    scenario
        The base scenario, recorded in ``run.json``; its inputs are protected.
    language
        ``"zh"`` or ``"en"`` map labels.
    basemap
        ``"osm"`` or ``"none"``.
    replace
        Replace an earlier output folder even when it holds other files.

    Returns
    -------
    Path
        The output folder.
    """
    import geopandas as gpd

    from siting.outdir import input_paths, staged_output

    protected = input_paths(scenario.inputs) if scenario is not None else []
    with staged_output(out_dir, inputs=protected, replace=replace, kind="robust") as tmp:
        result.sites.drop(columns=["lon", "lat"]).to_csv(tmp / "robust.csv", index=False)
        result.combinations.to_csv(tmp / "combinations.csv", index=False)
        layer = gpd.GeoDataFrame(
            result.sites.drop(columns=["lon", "lat"]),
            geometry=gpd.points_from_xy(result.sites["lon"], result.sites["lat"]),
            crs=4326,
        )
        layer.to_file(tmp / "robust.geojson", driver="GeoJSON", engine="pyogrio")
        robust_map(result, language=language, basemap=basemap).save(str(tmp / "map.html"))
        run = {
            "vary": result.vary,
            "notes": result.notes,
            "findings": result.findings,
            "engine": result.engine,
            "combinations": json.loads(result.combinations.to_json(orient="records")),
            "always_chosen": result.sites.loc[result.sites["always"], "site_id"].tolist(),
            "scenario": scenario.to_dict() if scenario is not None else None,
            "python": sys.version.split()[0],
        }
        (tmp / "run.json").write_text(
            json.dumps(run, ensure_ascii=False, indent=2), encoding="utf-8"
        )
    return Path(out_dir).expanduser().resolve()
