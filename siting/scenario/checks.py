"""Range and consistency checks of a scenario: every problem named by its key, found
before any input is read (``siting validate`` runs them too)."""

from __future__ import annotations

import dataclasses
import importlib.util
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from siting.errors import ScenarioError
from siting.scenario.settings import (
    _KNOWN_ACQUISITION,
    HAZARD_KINDS,
    LEASE_STATUSES,
    OSM_AREA_SOURCES,
    OSM_DEFAULT_HIGHWAYS,
    OSM_HIGHWAY_LINES,
    OSM_USES,
    PARTITIONS,
    PHASE_RULES,
    SOLVERS,
    InputsSpec,
    OsmSpec,
    PopulationSpec,
    Scenario,
    StreetBlocksSpec,
    resolve_block_highways,
)


def _check(s: Scenario, file: Path) -> None:
    """Range checks that name the key, raised as one error."""
    bad = scenario_problems(s)
    if bad:
        raise ScenarioError(f"{file}: " + "; ".join(bad) + ".")


NO_INPUTS = (
    "the scenario has no [inputs]: a plan needs a population (a raster of people per cell, "
    "or census units with a count column), residential areas and candidate sites. Fix: add "
    'an [inputs] table with population = { path = "..." } and areas and parcels (or '
    '[inputs.osm] with path = "city.osm" for the areas and candidates); see the README\'s '
    '"Inputs"'
)
"""What a run or ``siting validate`` of a scenario without ``[inputs]`` says."""


def required_inputs(scenario: Scenario, *, file: str | Path | None = None) -> InputsSpec:
    """The scenario's ``[inputs]``, or a :class:`~siting.errors.ScenarioError` saying what
    a plan needs (:data:`NO_INPUTS`), naming ``file`` when the scenario came from one."""
    if scenario.inputs is None:
        raise ScenarioError(f"{'' if file is None else f'{file}: '}{NO_INPUTS}.")
    return scenario.inputs


def check_scenario(scenario: Scenario) -> None:
    """Raise if any value of a scenario made in Python is out of range.

    :func:`~siting.scenario.load_scenario` checks a file's values; a scenario built or changed
    in Python (``Scenario(policy=Policy(budget=-1))``) is checked here, and
    :func:`siting.pipeline.prepare` and :func:`siting.pipeline.solve_prepared`
    call it.

    Parameters
    ----------
    scenario
        The scenario.

    Raises
    ------
    ScenarioError
        Naming every key out of range.

    Examples
    --------
    >>> from siting.scenario import Policy, Scenario
    >>> check_scenario(Scenario(policy=Policy(budget=-1.0)))
    Traceback (most recent call last):
    ...
    siting.errors.ScenarioError: scenario: 'policy.budget' must be zero or more (in CNY; leave it out for no budget), got -1.0.
    """  # noqa: E501
    bad = scenario_problems(scenario)
    if bad:
        raise ScenarioError("scenario: " + "; ".join(bad) + ".")


def _numbers(value: Any, key: str = "") -> list[tuple[str, float]]:
    """Every float in a scenario's plain values, with its dotted key."""
    if isinstance(value, float):
        return [(key, value)]
    if isinstance(value, Mapping):
        out: list[tuple[str, float]] = []
        for k, v in value.items():
            out.extend(_numbers(v, f"{key}.{k}" if key else str(k)))
        return out
    if isinstance(value, list | tuple):
        return [pair for i, v in enumerate(value) for pair in _numbers(v, f"{key}[{i}]")]
    return []


def scenario_problems(s: Scenario) -> list[str]:
    """Every value of ``s`` out of range, one sentence each naming the key.

    Parameters
    ----------
    s
        The scenario.

    Returns
    -------
    list of str
        Empty when every value is in range.
    """
    bad: list[str] = [
        f"'{key}' must be a finite number, got {value!r}"
        for key, value in _numbers(dataclasses.asdict(s))
        if not math.isfinite(value)
    ]

    def need(ok: bool, key: str, rule: str, value: Any) -> None:
        if not ok:
            bad.append(f"'{key}' {rule}, got {value!r}")

    for name in ("new", "old", "rural", "migrant", "national_target"):
        v = getattr(s.ratios, name)
        need(v >= 0, f"ratios.{name}", "must be zero or more slots per 1,000", v)
    for name in ("urban_m", "rural_m", "new_beside_m", "workplace_m"):
        v = getattr(s.radii, name)
        need(v > 0, f"radii.{name}", "must be a distance of more than 0 metres", v)
    d = s.demand
    need(
        d.birth_rate_per_1000 >= 0,
        "demand.birth_rate_per_1000",
        "must be zero or more births per 1,000",
        d.birth_rate_per_1000,
    )
    need(
        d.migrant_persons_per_worker >= 0,
        "demand.migrant_persons_per_worker",
        "must be zero or more",
        d.migrant_persons_per_worker,
    )
    need(
        d.max_persons_per_km2 > 0,
        "demand.max_persons_per_km2",
        "must be a density of more than 0 persons per km²",
        d.max_persons_per_km2,
    )
    need(
        s.run.partition is None or s.run.partition in PARTITIONS,
        "run.partition",
        "must be 'district' or left out (one model for the whole area)",
        s.run.partition,
    )
    need(
        math.isfinite(s.run.cross_border_m) and s.run.cross_border_m >= 0,
        "run.cross_border_m",
        "must be zero or more metres (0: each county serves its own areas)",
        s.run.cross_border_m,
    )
    need(
        s.run.partition is not None or not s.run.cross_border_m,
        "run.cross_border_m",
        "needs run.partition = 'district' (one model already serves across districts)",
        s.run.cross_border_m,
    )
    need(
        s.run.partition is None or s.inputs is None or s.inputs.districts is not None,
        "run.partition",
        "needs a districts layer to split the plan by: add [inputs.districts], or leave "
        "run.partition out",
        s.run.partition,
    )
    need(
        s.run.partition is None or s.policy.budget is None,
        "policy.budget",
        "cannot be split between counties: leave it out with run.partition = 'district'",
        s.policy.budget,
    )
    need(0 <= s.demand.takeup <= 1, "demand.takeup", "must be between 0 and 1", s.demand.takeup)
    need(
        s.demand.allocation in ("dasymetric", "area_weighted"),
        "demand.allocation",
        "must be 'dasymetric' or 'area_weighted'",
        s.demand.allocation,
    )
    need(
        s.demand.residents in ("population", "dwellings"),
        "demand.residents",
        "must be 'population' (the raster's or census units' people on an old or rural "
        "area's land) or 'dwellings' (its dwellings × persons per household)",
        s.demand.residents,
    )
    reach = s.demand.residual_to_nearest_m
    need(
        reach is None or 0 <= reach < float("inf"),
        "demand.residual_to_nearest_m",
        "must be zero or more metres (leave it out to keep the residual)",
        reach,
    )
    need(
        0 < s.demand.children_under3_share <= 1,
        "demand.children_under3_share",
        "must be in (0, 1]",
        s.demand.children_under3_share,
    )
    need(
        s.demand.persons_per_household > 0,
        "demand.persons_per_household",
        "must be positive",
        s.demand.persons_per_household,
    )
    need(len(s.facility.options) > 0, "facility.options", "must list at least one size", [])
    for i, o in enumerate(s.facility.options):
        need(o.slots > 0, f"facility.options[{i}]", "must have at least one class", o.name)
    names = [o.name for o in s.facility.options]
    need(len(set(names)) == len(names), "facility.options", "must have unique names", names)
    for i, o in enumerate(s.facility.options):
        for part in ("infant", "toddler", "older", "mixed"):
            v = getattr(o, part)
            need(v >= 0, f"facility.options[{i}].{part}", "must be zero or more classes", v)
        need(
            o.extra_floor_m2 >= 0,
            f"facility.options[{i}].extra_floor_m2",
            "must be zero or more m²",
            o.extra_floor_m2,
        )
    fac = s.facility
    need(fac.max_floors >= 1, "facility.max_floors", "must be 1 or more", fac.max_floors)
    need(
        fac.floor_m2_per_slot > 0,
        "facility.floor_m2_per_slot",
        "must be more than 0 m²",
        fac.floor_m2_per_slot,
    )
    need(
        fac.outdoor_m2_per_slot >= 0,
        "facility.outdoor_m2_per_slot",
        "must be zero or more m²",
        fac.outdoor_m2_per_slot,
    )
    need(
        fac.existing_max_extra_slots >= 0,
        "facility.existing_max_extra_slots",
        "must be zero or more slots",
        fac.existing_max_extra_slots,
    )
    need(
        0 < s.facility.reuse_max_floor_share <= 1,
        "facility.reuse_max_floor_share",
        "must be in (0, 1]",
        s.facility.reuse_max_floor_share,
    )
    for table in ("acquisition_factor", "land_per_m2"):
        for mode, v in getattr(s.costs, table).items():
            if mode not in _KNOWN_ACQUISITION:
                bad.append(
                    f"'costs.{table}.{mode}' is not an acquisition mode: use "
                    f"{', '.join(_KNOWN_ACQUISITION)}"
                )
            need(v >= 0, f"costs.{table}.{mode}", "must be zero or more", v)
    for name in (
        "lease_rent_per_m2_year",
        "construction_per_m2",
        "fitout_per_m2",
        "demonstration_extra",
        "expansion_per_slot",
    ):
        v = getattr(s.costs, name)
        need(v >= 0, f"costs.{name}", "must be zero or more", v)
    need(
        s.costs.lease_years >= 1,
        "costs.lease_years",
        "must be 1 or more years",
        s.costs.lease_years,
    )
    need(
        0 <= s.costs.discount_rate < 1,
        "costs.discount_rate",
        "must be a yearly rate in [0, 1) (0.08 for 8 %)",
        s.costs.discount_rate,
    )
    need(
        bool(s.currency.strip()),
        "currency",
        'must name a currency, such as "CNY" or "EUR"',
        s.currency,
    )
    hz = s.hazards
    for kv, metres in hz.power_line_m_by_kv.items():
        try:
            volts = float(kv)
        except ValueError:
            volts = math.nan
        need(
            math.isfinite(volts) and volts > 0,
            f"hazards.power_line_m_by_kv.{kv}",
            "must be keyed by a voltage in kV (such as 110)",
            kv,
        )
        need(metres >= 0, f"hazards.power_line_m_by_kv.{kv}", "must be zero or more metres", metres)
    for name in ("petrol_station_m", "power_line_default_m", "mall_m"):
        v = getattr(hz, name)
        need(v >= 0, f"hazards.{name}", "must be zero or more metres", v)
    unknown_kinds = [k for k in hz.enabled if k not in HAZARD_KINDS]
    need(
        not unknown_kinds,
        "hazards.enabled",
        f"must list hazard kinds among {', '.join(HAZARD_KINDS)}",
        unknown_kinds,
    )
    need(
        s.solver.name in SOLVERS,
        "solver.name",
        "must be 'highs', 'cbc' or 'cpsat'",
        s.solver.name,
    )
    need(
        s.solver.name != "cpsat" or importlib.util.find_spec("ortools") is not None,
        "solver.name",
        "'cpsat' needs OR-Tools: pip install 'siting[cpsat]' (or ortools), or use 'highs'",
        s.solver.name,
    )
    need(
        s.solver.time_limit_s > 0,
        "solver.time_limit_s",
        "must be more than 0 seconds",
        s.solver.time_limit_s,
    )
    threads = s.solver.threads
    need(threads is None or threads >= 1, "solver.threads", "must be 1 or more", threads)
    need(0 <= s.solver.gap < 1, "solver.gap", "must be in [0, 1)", s.solver.gap)
    odd = [p for p in s.solver.cost_search if p not in ("local", "lagrangian", "regions")]
    need(not odd, "solver.cost_search", "must list 'local', 'lagrangian' and/or 'regions'", odd)
    need(
        s.policy.demonstration_per_district >= 0,
        "policy.demonstration_per_district",
        "must be 0 or more",
        s.policy.demonstration_per_district,
    )
    budget = s.policy.budget
    need(
        budget is None or budget >= 0,
        "policy.budget",
        f"must be zero or more (in {s.currency}; leave it out for no budget)",
        budget,
    )
    share = s.policy.min_affordable_share
    need(
        share is None or 0 <= share <= 1,
        "policy.min_affordable_share",
        "must be between 0 and 1",
        share,
    )
    need(
        40 <= s.network.walking_speed_m_per_min <= 120,
        "network.walking_speed_m_per_min",
        "must be a walking pace (40–120 m/min)",
        s.network.walking_speed_m_per_min,
    )
    need(
        s.network.detour_factor >= 1,
        "network.detour_factor",
        "must be 1 or more",
        s.network.detour_factor,
    )
    acc = s.accessibility
    minutes = list(acc.life_circle_minutes)
    need(
        len(minutes) > 0
        and all(m > 0 for m in minutes)
        and all(minutes[i] < minutes[i + 1] for i in range(len(minutes) - 1)),
        "accessibility.life_circle_minutes",
        "must be increasing walks of more than 0 minutes, such as [5, 10, 15]",
        minutes,
    )
    need(
        len(acc.band_weights) == len(minutes) and all(w >= 0 for w in acc.band_weights),
        "accessibility.band_weights",
        f"must be one weight of zero or more per life circle ({len(minutes)})",
        list(acc.band_weights),
    )
    need(
        acc.desert_per_1000 is None or acc.desert_per_1000 >= 0,
        "accessibility.desert_per_1000",
        "must be zero or more slots per 1,000 (leave it out for half the target ratio)",
        acc.desert_per_1000,
    )
    lease = s.candidates.lease_in_areas
    if lease is not None:
        odd_status = [v for v in lease.status if v not in LEASE_STATUSES]
        need(
            len(lease.status) > 0 and not odd_status,
            "candidates.lease_in_areas.status",
            "must list 'old' and/or 'rural' (a new area's facility is built with its housing, R1)",
            list(lease.status),
        )
        smallest = min(
            (o.slots * fac.floor_m2_per_slot + o.extra_floor_m2 for o in fac.options),
            default=0.0,
        )
        need(
            lease.floor_m2 >= smallest,
            "candidates.lease_in_areas.floor_m2",
            f"must hold the smallest size's floor ({smallest:,.0f} m² at "
            f"{fac.floor_m2_per_slot:g} m² per slot), else no size fits a leased unit",
            lease.floor_m2,
        )
        rent = lease.rent_per_m2_year
        need(
            rent is None or rent >= 0,
            "candidates.lease_in_areas.rent_per_m2_year",
            "must be zero or more a year (leave it out for costs.lease_rent_per_m2_year)",
            rent,
        )
    bad.extend(phase_problems(s))
    if s.inputs is not None:
        bad.extend(input_source_problems(s.inputs))
    return bad


_RATIO_CLASSES = ("new", "old", "rural", "migrant")


def phase_problems(s: Scenario) -> list[str]:
    """Every value of ``s.phases`` out of range, one sentence each naming the key.

    Parameters
    ----------
    s
        The scenario.

    Returns
    -------
    list of str
        Empty when the phases are in order and every value is in range.

    Examples
    --------
    >>> from siting.scenario import Phase, Scenario
    >>> phase_problems(Scenario(phases=(Phase(year=2025), Phase(year=2020))))
    ["'phases[1].year' must be later than phases[0].year (phases earliest first), got 2020"]
    """
    bad: list[str] = []

    def need(ok: bool, key: str, rule: str, value: Any) -> None:
        if not ok:
            bad.append(f"'{key}' {rule}, got {value!r}")

    if s.phases:
        need(
            s.run.partition is None,
            "phases",
            "cannot be planned county by county: leave out run.partition with [[phases]]",
            s.run.partition,
        )
    for n, phase in enumerate(s.phases):
        key = f"phases[{n}]"
        if n > 0:
            before = s.phases[n - 1].year
            need(
                phase.year > before,
                f"{key}.year",
                f"must be later than phases[{n - 1}].year (phases earliest first)",
                phase.year,
            )
        unknown = [r for r in phase.rules if r not in PHASE_RULES]
        need(
            not unknown, f"{key}.rules", f"must list rules among {', '.join(PHASE_RULES)}", unknown
        )
        need(
            len(set(phase.rules)) == len(phase.rules),
            f"{key}.rules",
            "must name each rule once",
            list(phase.rules),
        )
        if phase.share is not None:
            need(0 <= phase.share <= 1, f"{key}.share", "must be between 0 and 1", phase.share)
            need(
                not phase.ratios,
                f"{key}.share",
                "cannot be given with ratios: give the share of the final ratios, or the ratios",
                phase.share,
            )
        for cls, value in phase.ratios.items():
            if cls not in _RATIO_CLASSES:
                bad.append(
                    f"'{key}.ratios.{cls}' is not an area class: use {', '.join(_RATIO_CLASSES)}"
                )
                continue
            final = float(getattr(s.ratios, cls))
            need(
                0 <= value <= final,
                f"{key}.ratios.{cls}",
                f"must be between 0 and the final ratio ratios.{cls} = {final:g}",
                value,
            )
        asks_slots = (phase.share is not None and phase.share > 0) or any(
            v > 0 for v in phase.ratios.values()
        )
        need(
            "ratios" in phase.rules or not asks_slots,
            f"{key}.rules",
            'must include "ratios" when the phase asks for slots (share or ratios above 0)',
            list(phase.rules),
        )
        need(
            phase.budget is None or phase.budget >= 0,
            f"{key}.budget",
            f"must be zero or more (in {s.currency}; leave it out for no yearly limit)",
            phase.budget,
        )
    return bad


_OSM_SUFFIXES = (".osm", ".osm.bz2", ".xml", ".xml.bz2", ".osm.pbf")


def _listed(
    key: str, given: tuple[str, ...], known: tuple[str, ...], *, unknown: str, empty: str, fix: str
) -> list[str]:
    """The problem with a list key whose values must be among ``known`` and which may not
    be empty, or none."""
    strange = [g for g in given if g not in known]
    if given and not strange:
        return []
    said = f"has unknown {unknown}(s) {', '.join(map(repr, strange))}" if strange else "is empty"
    return [f"'{key}' {said}{'' if strange else empty}; fix: {fix}"]


def input_source_problems(spec: InputsSpec) -> list[str]:
    """What is wrong with where the inputs come from, one sentence per problem.

    Checks ``[inputs.osm]`` (its ``use`` and ``areas_from`` words, file type,
    ``area_status``, ``existing_slots_default``, the street blocks' sizes), the status of
    the street blocks of a layer of centrelines, and that areas and candidate parcels
    each have a source: their own layer, the OSM file, or (areas) the street blocks.

    Parameters
    ----------
    spec
        The scenario's inputs.

    Returns
    -------
    list of str
        Each names the key and the fix; empty when the sources are complete.
    """
    bad: list[str] = []
    osm = spec.osm
    uses: tuple[str, ...] = ()
    if osm is not None:
        uses = osm.use
        unknown = [u for u in osm.use if u not in OSM_USES]
        if unknown:
            bad.append(
                f"'inputs.osm.use' has unknown word(s) {', '.join(repr(u) for u in unknown)}; "
                f"fix: use any of {', '.join(repr(u) for u in OSM_USES)}"
            )
        name = osm.path.name.lower()
        if not name.endswith(_OSM_SUFFIXES):
            bad.append(
                f"'inputs.osm.path' = '{osm.path}' is not an OSM file name; fix: give a "
                f"file ending in {', '.join(_OSM_SUFFIXES)} (an export from openstreetmap.org, "
                "Geofabrik or osmium)"
            )
        if osm.area_status not in ("old", "rural"):
            bad.append(
                f"'inputs.osm.area_status' must be 'old' or 'rural', got {osm.area_status!r} "
                "(a new area needs its planned dwellings, which OSM does not give; fix: give new "
                "areas in an [inputs.areas] layer with dwellings)"
            )
        bad += _listed(
            "inputs.osm.areas_from",
            osm.areas_from,
            OSM_AREA_SOURCES,
            unknown="word",
            empty="",
            fix=f"give any of {', '.join(map(repr, OSM_AREA_SOURCES))} "
            '(["landuse", "blocks"] adds street blocks where the residential polygons do '
            "not cover)",
        )
        if "blocks" in osm.areas_from and "areas" not in osm.use:
            bad.append(
                "'inputs.osm.areas_from' asks for street blocks, but 'inputs.osm.use' does not "
                'include "areas"; fix: add "areas" to use, or leave areas_from out'
            )
        bad += _listed(
            "inputs.osm.block_highways",
            resolve_block_highways(osm.block_highways),
            OSM_HIGHWAY_LINES,
            unknown="value",
            empty=": no street would bound a block",
            fix=f"give any of the highway values {', '.join(map(repr, OSM_HIGHWAY_LINES))}, "
            f'and "{OSM_DEFAULT_HIGHWAYS}" for the road classes (["{OSM_DEFAULT_HIGHWAYS}", '
            '"service"] adds service roads to them), or leave block_highways out for the '
            "road classes alone",
        )
        bad += _block_size_problems(
            "inputs.osm", osm.block_min_area_m2, osm.block_max_area_m2, osm.block_min_width_m
        )
        if osm.existing_slots_default < 0:
            bad.append(
                "'inputs.osm.existing_slots_default' must be 0 or more, got "
                f"{osm.existing_slots_default!r}"
            )
    bad.extend(_raster_count_problems(spec))
    bad.extend(_blank_filters(spec))
    bad.extend(_radius_problems(spec))
    bad.extend(_address_problems(spec))
    blocks = spec.street_blocks
    if blocks is not None and blocks.status not in ("old", "rural"):
        bad.append(
            f"'inputs.streets.block_status' must be 'old' or 'rural', got "
            f"{blocks.status!r} (a new area needs its planned dwellings, which a street "
            "block does not give; fix: give new areas in an [inputs.areas] layer with "
            "dwellings)"
        )
    if blocks is not None:
        bad += _block_size_problems("inputs.streets", *street_block_sizes(spec))
    if spec.areas is None and "areas" not in uses and spec.street_blocks is None:
        bad.append(
            "'inputs.areas' is missing: the run has no residential areas; fix: give areas = "
            '{ path = "..." } under [inputs], add "areas" to use under [inputs.osm], or '
            'add the street blocks of a layer of centrelines (streets = { path = "...", '
            "blocks = true })"
        )
    if spec.parcels is None and "candidates" not in uses:
        bad.append(
            "'inputs.parcels' is missing: the run has no candidate sites; fix: give parcels = "
            '{ path = "..." } under [inputs], or add "candidates" to use under [inputs.osm]'
        )
    return bad


def _block_size_problems(
    section: str, min_area_m2: float, max_area_m2: float, min_width_m: float
) -> list[str]:
    """The street blocks' sizes of ``section`` (``"inputs.osm"``) out of their ranges."""
    bad = []
    if min_area_m2 < 0:
        bad.append(f"'{section}.block_min_area_m2' must be 0 or more (m²), got {min_area_m2!r}")
    if max_area_m2 <= max(min_area_m2, 0.0):
        bad.append(
            f"'{section}.block_max_area_m2' must be more than block_min_area_m2 "
            f"({min_area_m2:g} m²), got {max_area_m2!r}"
        )
    if min_width_m < 0:
        bad.append(f"'{section}.block_min_width_m' must be 0 or more (metres), got {min_width_m!r}")
    return bad


def street_block_sizes(spec: InputsSpec) -> tuple[float, float, float]:
    """The smallest area, the largest area (m²) and the narrowest width (m) of the street
    blocks of a layer of centrelines: its entry's ``block_*`` keys, else
    ``[inputs.osm]``'s, else their defaults (:class:`OsmSpec`'s)."""
    osm = spec.osm or OsmSpec(path=Path("none.osm"))
    own = spec.street_blocks or StreetBlocksSpec()
    given = (own.min_area_m2, own.max_area_m2, own.min_width_m)
    shared = (osm.block_min_area_m2, osm.block_max_area_m2, osm.block_min_width_m)
    a, b, c = (float(o if o is not None else d) for o, d in zip(given, shared, strict=True))
    return a, b, c


def _blank_filters(spec: InputsSpec) -> list[str]:
    """A ``where`` left empty: it would filter nothing, which the planner did not mean."""
    blank = [
        field.name
        for field in dataclasses.fields(spec)
        if isinstance(where := getattr(getattr(spec, field.name), "where", None), str)
        and not where.strip()
    ]
    return [
        f"'inputs.{name}.where' is empty; fix: give the filter of the features to take, in "
        "the file's own column names (where = \"DLBM IN ('0701','0702')\"), or leave where out "
        "to take every feature"
        for name in blank
    ]


def _entries_giving(spec: InputsSpec, key: str) -> list[tuple[str, Any]]:
    """Each layer's name whose entry gives ``key``, with its value."""
    given = [(f.name, getattr(getattr(spec, f.name), key, None)) for f in dataclasses.fields(spec)]
    return [(name, value) for name, value in given if value is not None]


def _radius_problems(spec: InputsSpec) -> list[str]:
    """``radius_m``: for the areas' points only, and a positive number of metres."""
    bad = []
    for name, radius in _entries_giving(spec, "radius_m"):
        if name != "areas":
            bad.append(
                f"'inputs.{name}.radius_m' is for residential areas given as points "
                "only; fix: leave it out"
            )
        elif not (isinstance(radius, int | float) and 0 < radius <= 5_000):
            bad.append(
                f"'inputs.areas.radius_m' must be a radius in metres, more than 0 and at most "
                f"5,000, got {radius!r}; fix: give the radius of the land each 小区 point "
                "stands for (150 for a town compound of about 7 ha), or leave it out to take "
                "it from the dwellings"
            )
    return bad


ADDRESSED_LAYERS: tuple[str, ...] = ("facilities", "workplaces")
"""The layers whose rows ``address`` places by the 小区 they name."""


def _address_problems(spec: InputsSpec) -> list[str]:
    """``address``: for a table of facilities or workplaces only, and a column's name."""
    bad = []
    for name, address in _entries_giving(spec, "address"):
        if name not in ADDRESSED_LAYERS:
            bad.append(
                f"'inputs.{name}.address' is for the facilities and workplaces given as "
                "a table only (rows placed by the 小区 their address names); fix: leave it out"
            )
        elif not (isinstance(address, str) and address.strip()):
            bad.append(
                f"'inputs.{name}.address' must name the table's address column, got "
                f'{address!r}; fix: write address = "地址" (the column\'s header as the table '
                "writes it), or leave it out"
            )
    return bad


RASTER_COUNTS: tuple[str, ...] = ("residents", "children", "dwellings")
"""Whom a population raster may count (``[inputs.population] counts``)."""


def population_count_problems(
    counts: object,
    share_of_residents: object,
    *,
    counts_key: str = "counts",
    share_key: str = "share_of_residents",
) -> list[tuple[str, str | None]]:
    """What is wrong with whom a population raster counts, as ``(message, fix)`` pairs.

    The checks of ``[inputs.population] counts`` and ``share_of_residents``, and of
    the same keyword options of :func:`siting.demand.area_demand` and
    :func:`siting.demand.estimate_demand`: ``counts`` is ``"residents"`` or
    ``"children"``, ``"children"`` needs the share, the share is a number more
    than 0 and at most 1, and a share goes with ``"children"`` only.

    Parameters
    ----------
    counts, share_of_residents
        The values given.
    counts_key, share_key
        How the messages name them: the scenario's dotted keys, or the arguments.

    Returns
    -------
    list of tuple of str and (str or None)
        One message and its fix (or ``None``) per problem; empty when both are good.

    Examples
    --------
    >>> population_count_problems("children", None)[0][0][:54]
    "'counts' = 'children' needs 'share_of_residents', the "
    >>> population_count_problems("children", 0.05)
    []
    """
    problems: list[tuple[str, str | None]] = []
    if counts not in RASTER_COUNTS:
        problems.append(
            (
                f"'{counts_key}' must be 'residents', 'children' or 'dwellings', got {counts!r}",
                None,
            )
        )
    share = share_of_residents
    if counts == "children" and share is None:
        problems.append(
            (
                f"'{counts_key}' = 'children' needs '{share_key}', the share of the residents "
                "the raster counts, because the ratios are slots per 1,000 residents",
                "give it from the census, or from the same producer's total raster (its "
                "children ÷ its people: 0.086 for WorldPop's children 0–5 in Accra)",
            )
        )
    if share is not None and not (
        isinstance(share, int | float) and not isinstance(share, bool) and 0 < share <= 1
    ):
        # 8.6 for WorldPop's Accra, whose children are 8.6 % of its people, is a percentage
        percent = (
            float(share)
            if isinstance(share, int | float) and not isinstance(share, bool) and 1 < share <= 100
            else None
        )
        problems.append(
            (
                f"'{share_key}' must be a number more than 0 and at most 1, got {share!r}",
                None
                if percent is None
                else f"give the share, not a percentage: {percent:g} % is {percent / 100:g}",
            )
        )
    if share is not None and counts in ("residents", "dwellings"):
        problems.append(
            (
                f"'{share_key}' is given but counts = '{counts}' "
                + ("(every resident)" if counts == "residents" else "(× persons per household)"),
                "set counts = 'children' if the raster counts children, or leave "
                "share_of_residents out",
            )
        )
    return problems


def _raster_count_problems(spec: InputsSpec) -> list[str]:
    """``counts`` and ``share_of_residents``: known, said together, on the population only."""
    problems = [
        message if fix is None else f"{message}; fix: {fix}"
        for message, fix in population_count_problems(
            spec.population.counts,
            spec.population.share_of_residents,
            counts_key="inputs.population.counts",
            share_key="inputs.population.share_of_residents",
        )
    ]
    population = spec.population
    if isinstance(population, PopulationSpec) and not population.is_census:
        keys = [
            k
            for k in ("datum_shift", "encoding", "columns", "units", "where")
            if getattr(population, k)
        ]
        if keys:
            problems.append(
                f"'inputs.population' is a raster ({Path(population.path).name}): "
                f"{', '.join(keys)} are for census units (a vector layer with column) and "
                "would not be used; fix: leave them out (a raster is placed by its own CRS)"
            )
    for role in ("migrant_population", "children"):
        raster = getattr(spec, role)
        if raster is not None and (
            raster.counts != "residents" or raster.share_of_residents is not None
        ):
            problems.append(
                f"'inputs.{role}' takes neither counts nor share_of_residents (only "
                "[inputs.population] does); fix: leave them out"
            )
    return problems
