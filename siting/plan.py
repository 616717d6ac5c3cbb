"""The plan: what to build where, whom it serves, what it costs, and what is still missing.

:func:`extract_plan` turns solver values back into tables keyed by the
caller's ids. :func:`verify` re-checks a written plan from its output files
alone, with none of the model code, so a bug in the model cannot hide itself.
"""

from __future__ import annotations

import html
import json
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from siting.demand import reported_slots
from siting.errors import OutputError, PlanFileError, SolverError, plan_folder
from siting.inputs import FALSE_WORDS, TRUE_WORDS
from siting.model import SitingModel, SitingProblem
from siting.scenario import Scenario

__all__ = ["Plan", "VerifyReport", "extract_plan", "verify", "without_excess"]

TOL = 1e-3
"""Slots closer than this count as equal (the solver's tolerance, well below one slot)."""
WRITTEN_SLOTS_STEP = 1e-3
"""Written slots are rounded to this, so a sum of ``k`` of them may be off by ``k`` half-steps."""
NOISE = 1e-9
"""A shortfall below this is float noise of a sum that meets its requirement: 0."""


def shortfall(required: Any, served: Any) -> Any:
    """Slots still missing: ``required − served``, never negative, and exactly 0 where the
    served slots meet the requirement but for float noise (below :data:`NOISE`).

    Parameters
    ----------
    required, served
        Slots required and served (numbers, arrays or aligned Series), unrounded.

    Returns
    -------
    Any
        The shortfall, of the type of ``required − served``.

    Examples
    --------
    >>> float(shortfall(12.6077, 9.646 + 2.9617)), float(shortfall(3.0, 2.25))
    (0.0, 0.75)
    """
    gap = np.clip(required - served, 0.0, None)
    return gap * (gap >= NOISE)


@dataclass(frozen=True)
class Plan:
    """A planning result, in the working CRS.

    Attributes
    ----------
    facilities
        One point per opened or kept facility, with its ``cost`` and what the
        cost rests on (``cost_basis``, one of :data:`siting.candidates.COST_BASES`).
    areas
        One polygon per residential area with required, served and shortfall slots.
    assignments
        ``demand_id``, ``area_id``, ``site_id``, ``kind``, ``slots``, ``distance_m``.
    districts
        Per-district summary (may be empty without a districts layer).
    candidates
        Every candidate parcel with its state: chosen, not chosen or excluded.
    run
        Status, objective terms, solver, timings, scenario, input hashes, notes.
    district_shapes
        The districts with their summary, if a districts layer was given.
    hazards
        The hazard buffers, if any.
    service_lines
        A line from each facility to each area it serves.
    residual
        The people of the population raster that no residential area holds,
        as square blocks of cells (``residual_people``), if any.
    area_points
        Where an area was given as a point (a 小区 list), that point with the area's
        figures (the columns of ``areas``), indexed by ``area_id``; ``None`` when every
        area was an outline.
    district_years
        A phased plan's districts year by year (``year`` first, then the
        columns of ``districts``; :mod:`siting.phase_summary`); ``None``
        without ``[[phases]]``.
    """

    facilities: gpd.GeoDataFrame
    areas: gpd.GeoDataFrame
    assignments: pd.DataFrame
    districts: pd.DataFrame
    candidates: gpd.GeoDataFrame
    run: dict[str, Any] = field(default_factory=dict)
    district_shapes: gpd.GeoDataFrame | None = None
    hazards: gpd.GeoDataFrame | None = None
    service_lines: gpd.GeoDataFrame | None = None
    residual: gpd.GeoDataFrame | None = None
    district_years: pd.DataFrame | None = None
    area_points: gpd.GeoDataFrame | None = None

    def _summary(self) -> list[tuple[str, str]]:
        """The few figures a notebook shows for a plan (not its 35,000 characters)."""
        totals = self.run.get("totals", {})

        def figure(key: str, unit: str = "") -> str:
            value = totals.get(key)
            return f"{value:,.0f}{unit}" if isinstance(value, int | float) else "–"

        crs = self.run.get("crs")  # the run's own, before asking a frame without geometry
        if crs is None:
            crs = self.facilities.crs
        return [
            ("status", str(self.run.get("message", self.run.get("status", "–")))),
            ("facilities", f"{len(self.facilities):,}"),
            ("areas", f"{len(self.areas):,}"),
            ("required slots", figure("required_slots")),
            ("planned slots", figure("planned_slots")),
            ("shortfall slots", figure("shortfall_slots")),
            # in the scenario's currency, which only labels the numbers (EUR for Naples)
            (
                "cost",
                figure("cost", f" {self.run.get('scenario', {}).get('currency', '')}".rstrip()),
            ),
            ("CRS", str(crs)),
        ]

    def __repr__(self) -> str:
        return "Plan(" + ", ".join(f"{k}={v}" for k, v in self._summary()) + ")"

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><th style='text-align:left'>{html.escape(k)}</th>"
            f"<td style='text-align:left'>{html.escape(v)}</td></tr>"
            for k, v in self._summary()
        )
        return f"<table><caption>siting Plan</caption>{rows}</table>"


def without_excess(
    slots: np.ndarray,
    *,
    demand: np.ndarray,
    distance_m: np.ndarray,
    required: pd.Series,
) -> np.ndarray:
    """Assigned slots with whatever an item gets beyond its requirement taken off, farthest first.

    The model asks only that an item be served *at least* its requirement
    (:math:`\\sum_j x_{ij} + s_i \\ge R_i`), so a distance stage stopped at its
    time limit, or a site at distance 0, may leave an item served more than it
    needs. Those slots serve nobody; the plan reports the need met, no more.

    Parameters
    ----------
    slots
        Slots per assignment (the model's :math:`x_{ij}`).
    demand
        The demand id of each assignment.
    distance_m
        The walking distance of each assignment.
    required
        The requirement :math:`R_i`, indexed by demand id.

    Returns
    -------
    numpy.ndarray
        The slots, no item's sum above its requirement.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> without_excess(np.array([0.5, 0.5, 2.0]), demand=np.array(["A", "A", "B"]),
    ...                distance_m=np.array([100.0, 900.0, 50.0]),
    ...                required=pd.Series({"A": 0.75, "B": 3.0})).tolist()
    [0.5, 0.25, 2.0]
    """
    frame = pd.DataFrame(
        {"demand": demand, "slots": slots, "far": -np.asarray(distance_m, dtype=float)}
    )
    frame["position"] = np.arange(len(frame))
    frame = frame.sort_values(["demand", "far"], kind="stable")
    total = frame.groupby("demand")["slots"].transform("sum")
    excess = (total - required.reindex(frame["demand"]).fillna(0.0).to_numpy()).clip(lower=0.0)
    before = frame.groupby("demand")["slots"].cumsum() - frame["slots"]
    taken = (excess - before).clip(lower=0.0)
    frame["slots"] -= np.minimum(taken, frame["slots"])
    out: np.ndarray = frame.sort_values("position")["slots"].to_numpy(dtype=float)
    return out


def extract_plan(
    *,
    model: SitingModel,
    problem: SitingProblem,
    values: np.ndarray,
    sites: gpd.GeoDataFrame,
    options: pd.DataFrame,
    areas: gpd.GeoDataFrame,
    area_table: pd.DataFrame,
    items: pd.DataFrame,
    nearest_site: pd.DataFrame,
    scenario: Scenario,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, pd.DataFrame]:
    """Map solver values back to facilities, areas and assignments.

    Parameters
    ----------
    model, problem
        The model and its data.
    values
        Column values of the final stage.
    sites, options
        :mod:`siting.candidates` outputs.
    areas
        Area polygons indexed by ``area_id``.
    area_table
        :func:`siting.demand.area_demand` output.
    items
        :func:`siting.demand.demand_items` output.
    nearest_site
        The full area × site walking-distance table (``area_id``, ``site_id``,
        ``distance_m``), for each area's nearest open facility.
    scenario
        The scenario.

    Returns
    -------
    tuple
        ``(facilities, areas, assignments)``.
    """
    ix = model.index
    y = values[ix.y] > 0.5
    chosen = pd.DataFrame({"site_id": ix.y_site[y], "option": ix.y_option[y]})
    chosen = chosen.merge(options, on=["site_id", "option"], how="left")
    extra = pd.Series(np.round(values[ix.e]), index=ix.e_site, dtype=float)

    existing = sites.loc[sites["existing"].astype(bool)]
    rows = []
    for site_id, site in existing.iterrows():
        added = float(extra.get(site_id, 0.0))
        rows.append(
            {
                "site_id": site_id,
                "option": "existing" + (f"+{added:.0f}" if added > 0 else ""),
                "slots": float(site["existing_slots"]) + added,
                "existing_slots": float(site["existing_slots"]),
                "new_slots": added,
                "cost": added * scenario.costs.expansion_per_slot,
                "cost_basis": "existing facility",
                "floor_area_m2": np.nan,
                "demonstration": bool(site["demonstration_existing"]),
                "existing": True,
                "classes_infant": 0,
                "classes_toddler": 0,
                "classes_older": 0,
                "classes_mixed": 0,
            }
        )
    for _, row in chosen.iterrows():
        rows.append(
            {
                "site_id": row["site_id"],
                "option": row["option"],
                "slots": float(row["slots"]),
                "existing_slots": 0.0,
                "new_slots": float(row["slots"]),
                "cost": float(row["cost"]),
                "cost_basis": str(row["cost_basis"]),
                "floor_area_m2": float(row["floor_m2"]),
                "demonstration": bool(row["demonstration"]),
                "existing": False,
                "classes_infant": int(row["classes_infant"]),
                "classes_toddler": int(row["classes_toddler"]),
                "classes_older": int(row["classes_older"]),
                "classes_mixed": int(row["classes_mixed"]),
            }
        )
    columns = [
        "site_id",
        "option",
        "slots",
        "existing_slots",
        "new_slots",
        "cost",
        "cost_basis",
        "floor_area_m2",
        "demonstration",
        "existing",
        "classes_infant",
        "classes_toddler",
        "classes_older",
        "classes_mixed",
    ]
    fac = pd.DataFrame(rows, columns=columns).set_index("site_id")
    info = sites.loc[
        fac.index,
        [
            "name",
            "kind",
            "acquisition",
            "district_id",
            "subdistrict_id",
            "affordable",
            "colocated_area_id",
            "slots_source",
            "geometry",
        ],
    ]
    facilities = gpd.GeoDataFrame(fac.join(info), geometry="geometry", crs=sites.crs)
    facilities["service_types"] = ",".join(scenario.facility.service_types)
    first = ["name", "kind", "acquisition", "option", "slots", "existing_slots", "new_slots"]
    facilities = facilities[first + [c for c in facilities.columns if c not in first]]
    facilities = facilities.sort_index()

    x = without_excess(
        values[ix.x],
        demand=ix.x_demand,
        distance_m=ix.x_distance,
        required=items["required"].astype(float),
    )
    # Solver tolerances leave traces (1e-6 slots) on closed sites; a real assignment is larger.
    used = (x > TOL) & pd.Index(ix.x_site).isin(facilities.index)
    stray = (x > 0.01) & ~pd.Index(ix.x_site).isin(facilities.index)
    if stray.any():
        raise SolverError(
            f"the solution assigns {x[stray].sum():.2f} slots to sites it does not open "
            f"({', '.join(map(str, ix.x_site[stray][:5]))}); this is a bug in siting"
        )
    # slots as solved: served and shortfall add up unrounded (an area served exactly from
    # two sites is short 0, not 0.001); the files round them (siting.export)
    assignments = pd.DataFrame(
        {
            "demand_id": ix.x_demand[used],
            "site_id": ix.x_site[used],
            "slots": x[used],
            "distance_m": np.round(ix.x_distance[used], 1),
        }
    )
    for column in ("area_id", "workplace_id", "kind"):
        assignments[column] = assignments["demand_id"].map(items[column])
    assignments = assignments[
        ["demand_id", "area_id", "workplace_id", "site_id", "kind", "slots", "distance_m"]
    ]
    assignments = assignments.sort_values(["demand_id", "site_id"]).reset_index(drop=True)

    out = areas.copy()
    table = area_table.reindex(out.index)
    served = assignments.dropna(subset=["area_id"]).groupby("area_id")["slots"].sum()
    required = table["required_slots"] + table["migrant_slots"]
    out["population"] = table["population"].round(1)
    out["planned_population"] = table["planned_population"].round(1)
    out["migrant_population"] = table["migrant_population"].round(1)
    out["migrant_demand"] = table["migrant_slots"]
    out["required_slots"] = required
    out["required_slots_rounded"] = reported_slots(required, scenario=scenario)
    out["served_slots"] = served.reindex(out.index.astype(str)).fillna(0.0).to_numpy()
    out["shortfall_slots"] = shortfall(required, out["served_slots"])
    people = table["planned_population"] + table["migrant_population"]
    out["slots_per_1000"] = np.round(
        np.where(people > 0, out["served_slots"] / people.where(people > 0, 1) * 1000, np.nan), 2
    )
    out["target_per_1000"] = table["ratio"]
    out["demand_estimate_slots"] = table["demand_estimate_slots"].round(1)
    if "children_estimate_slots" in table.columns:
        out["children_under3"] = table["children_under3"].round(1)
        out["children_estimate_slots"] = table["children_estimate_slots"].round(1)
    open_ids = set(facilities.index)
    near = nearest_site[nearest_site["site_id"].isin(open_ids)]
    out["nearest_facility_m"] = (
        near.groupby("area_id")["distance_m"].min().reindex(out.index.astype(str)).round(1)
    ).to_numpy()
    out["shortfall_reason"] = _reasons(out, problem, values, model)
    return facilities, out, assignments


def located_areas(areas: gpd.GeoDataFrame, points: gpd.GeoSeries | None) -> gpd.GeoDataFrame | None:
    """The areas given as points, at their points, with the plan's figures for each.

    Parameters
    ----------
    areas
        The plan's areas (:func:`extract_plan`), indexed by ``area_id``: a point's
        polygon there is the catchment guessed around it.
    points
        :attr:`siting.inputs.Inputs.area_points`.

    Returns
    -------
    geopandas.GeoDataFrame or None
        ``areas``' rows and columns for the areas given as points, each at its point;
        ``None`` when no area was.
    """
    if points is None:
        return None
    kept = points[points.index.isin(areas.index)]
    if not len(kept):
        return None
    rows = areas.loc[areas.index.isin(kept.index)]
    return rows.set_geometry(kept.reindex(rows.index).to_numpy(), crs=areas.crs)


def _reasons(
    areas: pd.DataFrame, problem: SitingProblem, values: np.ndarray, model: SitingModel
) -> list[str]:
    """Why an area is short: no site within reach, none within reach that fits a facility
    (every one too small for any size, and no existing facility), the budget, or capacity."""
    reached = set(problem.pairs["demand_id"])
    sites = problem.sites
    room = sites["existing"].astype(bool) & (
        sites["existing_slots"].astype(float) + sites["max_extra_slots"].astype(float) > 0
    )
    usable = set(problem.options["site_id"]) | set(sites.index[room.to_numpy()])
    fitting = set(problem.pairs.loc[problem.pairs["site_id"].isin(usable), "demand_id"])
    spent = float(model.cost @ values)
    cheapest = float(problem.options["cost"].min()) if len(problem.options) else 0.0
    budget_binds = problem.budget is not None and spent > problem.budget - cheapest
    reasons = []
    for area_id, short in zip(areas.index.astype(str), areas["shortfall_slots"], strict=True):
        if short < WRITTEN_SLOTS_STEP / 2:  # written as 0: no shortfall to explain
            reasons.append("")
        elif area_id not in reached:
            reasons.append("no site within reach")
        elif area_id not in fitting:
            reasons.append("no site within reach fits a facility")
        elif budget_binds:
            reasons.append("budget")
        else:
            reasons.append("capacity")
    return reasons


@dataclass(frozen=True)
class VerifyReport:
    """What :func:`verify` found.

    Attributes
    ----------
    checks
        Names of the checks run.
    problems
        One sentence per violated constraint; empty when the plan holds.
    missing
        The counties of a partitioned plan (``[run] partition``) that have no plan, one
        line each: its id, name and why (``510812 朝天区: no_sites, no candidate
        parcel and no existing facility``); empty when every county has one.
    """

    checks: tuple[str, ...]
    problems: tuple[str, ...]
    missing: tuple[str, ...] = ()

    @property
    def partial(self) -> bool:
        """True when some county has no plan: the plan holds at most for the others."""
        return bool(self.missing)

    @property
    def ok(self) -> bool:
        """True when every check passed and the plan is whole (no county is missing)."""
        return not self.problems and not self.missing


def _demonstration_reported(run: dict[str, Any], district_id: str) -> bool:
    """Whether ``run.json`` says a district misses demonstration facilities.

    It does in ``unmet_demonstration`` (``"district D: N demonstration facility(ies)
    missing"``), or by a finding whose code says so: the district's hosts are too few
    (``demonstration_hosts_short``) or the budget cannot buy them
    (``budget_below_demonstration``), or it lies outside the study area and none is
    required there (``districts_outside_study_area``). A ``run.json`` without
    ``finding_records`` (or whose outside districts are listed only in part) is
    read by its findings' words. Before, any finding that named the district's id (a
    raster covering it in part) counted, and so did any id it held as a prefix.
    """
    for line in run.get("unmet_demonstration", []) or []:
        if str(line).startswith(f"district {district_id}: "):
            return True
    findings = [str(f) for f in run.get("findings", []) or []]
    records = run.get("finding_records")
    if not isinstance(records, list) or len(records) != len(findings):
        return any(
            "demonstration" in f and re.search(rf"\b{re.escape(district_id)}\b", f)
            for f in findings
        )
    for record, line in zip(records, findings, strict=True):
        if not isinstance(record, dict):
            continue
        if record.get("code") == "districts_outside_study_area":
            every = record.get("districts")
            if isinstance(every, list):
                if district_id in {str(d) for d in every}:
                    return True
            elif re.search(rf"\b{re.escape(district_id)}\b", line):
                return True
        if record.get("code") == "budget_below_demonstration":
            return True
        if (
            record.get("code") == "demonstration_hosts_short"
            and str(record.get("district_id")) == district_id
        ):
            return True
    return False


def verify(out_dir: str | Path) -> VerifyReport:
    """Re-check every constraint of a written plan from its output files alone.

    Checks ratios and shortfalls, capacities, distances within radius, the
    demonstration facility in each district (or an honest report of its
    absence), the budget, the minimum affordable share and R1 co-location.

    Parameters
    ----------
    out_dir
        A folder written by ``siting plan``.

    Returns
    -------
    VerifyReport
        The checks run and the problems found.
    """
    out = plan_folder(out_dir, call="verify")
    if not (out / "run.json").is_file():
        what = "does not exist" if not out.exists() else "has no run.json"
        raise OutputError(
            f"{out} {what}: verify checks a folder written by siting plan. Fix: give the "
            "folder that siting plan --out wrote"
        )
    try:
        run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PlanFileError(
            f"{out / 'run.json'} cannot be read ({exc}): it was edited or cut short. Fix: "
            "write the plan again (siting plan)"
        ) from None
    if not isinstance(run, dict) or ("scenario" not in run and "kind" not in run):
        raise PlanFileError(f"{out / 'run.json'} is not the record siting plan writes")
    kind = run.get("kind", "plan")
    if kind != "plan":  # a frontier's or robust sites' folder (siting.outdir.staged_output)
        raise OutputError(
            f"{out} holds siting's {kind} output, not a plan; verify checks plan folders "
            "(written by siting plan)"
        )
    scenario = run["scenario"]
    crs = run.get("crs")
    facilities = _read_layer(out / "facilities.geojson")
    areas = _read_layer(out / "areas.geojson")
    if facilities.empty:  # a plan may open nothing (a budget of 0): GeoJSON keeps no fields
        facilities = gpd.GeoDataFrame(
            {
                "site_id": pd.Series(dtype=str),
                "slots": pd.Series(dtype=float),
                "cost": pd.Series(dtype=float),
                "demonstration": pd.Series(dtype=bool),
                "affordable": pd.Series(dtype=bool),
                "district_id": pd.Series(dtype=str),
                "colocated_area_id": pd.Series(dtype=str),
            },
            geometry=gpd.GeoSeries([], crs=4326),
        )
    problems: list[str] = []
    checks = ["the written tables hold what a plan writes"]
    assignments = _read_table(out / "assignments.csv", {"area_id": str, "site_id": str}, problems)
    districts = _read_table(out / "districts.csv", {"district_id": str}, problems)
    _tidy(facilities, "facilities.geojson", "site_id", _FACILITY_COLUMNS, problems)
    _tidy(
        areas,
        "areas.geojson",
        "area_id",
        _AREA_COLUMNS,
        problems,
        unestimated=_in_failed_county(areas),
    )
    _tidy(assignments, "assignments.csv", None, _ASSIGNMENT_COLUMNS, problems)
    if (out / "plan.gpkg").is_file():
        checks.append("plan.gpkg holds the same facilities and areas")
        problems += _geopackage_problems(out / "plan.gpkg", facilities, areas)
    facilities = facilities.drop_duplicates("site_id").set_index("site_id")
    areas = areas.drop_duplicates("area_id").set_index("area_id")
    lost = sorted(set(assignments["area_id"].dropna()) - set(areas.index))
    if lost:
        problems.append(f"assignments serve areas that are not in areas.geojson: {lost[:5]}")
    by_year = districts if "year" in districts.columns else None
    if by_year is not None:  # a phased plan: the facilities are its last year's
        districts = by_year[by_year["year"] == by_year["year"].max()]
    if crs:
        facilities, areas = facilities.to_crs(crs), areas.to_crs(crs)

    checks.append("assignments go to facilities in the plan")
    unknown = sorted(set(assignments["site_id"]) - set(facilities.index))
    if unknown:
        problems.append(f"assignments use sites that are not in the plan: {unknown[:5]}")

    checks.append("capacity")
    by_site = assignments.groupby("site_id")["slots"]
    load = by_site.sum()
    over = load - facilities["slots"].reindex(load.index)
    # each written assignment is rounded to 0.001: many small ones may add up past a full site
    slack = TOL + by_site.size() * WRITTEN_SLOTS_STEP / 2
    for site_id, amount in over[over > slack].items():
        problems.append(f"facility {site_id} serves {amount:.2f} slots more than it has")

    checks.append("served + shortfall = required")
    by_area = assignments.dropna(subset=["area_id"]).groupby("area_id")["slots"]
    served = by_area.sum().reindex(areas.index, fill_value=0.0)
    # the assignments, the served and the shortfall slots are each written to 0.001
    area_slack = TOL + (by_area.size().reindex(areas.index, fill_value=0) + 1) * (
        WRITTEN_SLOTS_STEP / 2
    )
    if ((served - areas["served_slots"]).abs() > area_slack).any():
        problems.append("areas' served_slots differ from the sum of their assignments")
    balance = areas["required_slots"] - served - areas["shortfall_slots"]
    for area_id, gap in balance[balance.abs() > area_slack].items():
        problems.append(f"area {area_id}: required − served − shortfall = {gap:.3f}, not 0")
    checks.append("ratios")
    people = areas["planned_population"] + areas["migrant_population"]
    # the raw requirement, or rounded up per area when the run said so (demand.round_up)
    rounded = bool(scenario.get("demand", {}).get("round_up", True))

    def whole(slots: pd.Series) -> pd.Series:
        return np.ceil(slots - 1e-9) if rounded else slots

    need = whole(people * areas["target_per_1000"] / 1000)
    need = need.where(
        areas["status"] != "new",
        whole(areas["planned_population"] * areas["target_per_1000"] / 1000),
    )
    short_of_ratio = (
        areas["served_slots"] + areas["shortfall_slots"] + TOL < need - areas["migrant_demand"]
    )
    for area_id in areas.index[short_of_ratio & (areas["status"] == "new")]:
        problems.append(f"new area {area_id}: required slots below the ratio")

    checks.append("distance within radius")
    radii = scenario["radii"]
    status = areas["status"].to_dict()
    limit = {"old": radii["urban_m"], "rural": radii["rural_m"], "new": radii["urban_m"]}
    resident = assignments.dropna(subset=["area_id"])
    for row in resident.itertuples():
        st = status.get(row.area_id)
        if st == "new" and scenario["policy"]["new_areas_colocated_only"]:
            continue
        if st is not None and row.distance_m > limit[st] + 0.05:
            problems.append(
                f"area {row.area_id} is served from {row.site_id} at {row.distance_m} m, "
                f"beyond its {limit[st]:.0f} m radius"
            )
    work = assignments[assignments["area_id"].isna()]
    for row in work[work["distance_m"] > radii["workplace_m"] + 0.05].itertuples():
        problems.append(f"{row.demand_id} is served beyond the workplace radius")

    checks.append("R1 co-location")
    if scenario["policy"]["new_areas_colocated_only"]:
        new_rows = resident[resident["area_id"].map(status) == "new"]
        for row in new_rows.itertuples():
            if row.site_id not in facilities.index or row.area_id not in areas.index:
                continue  # said above: a site or an area that is not in the plan
            own = facilities.at[row.site_id, "colocated_area_id"] == row.area_id
            if own:
                continue
            gap_m = float(facilities.geometry[row.site_id].distance(areas.geometry[row.area_id]))
            if gap_m > radii["new_beside_m"] + 0.5:
                problems.append(
                    f"new area {row.area_id} is served from {row.site_id}, {gap_m:.0f} m from "
                    "the development: neither inside nor beside it (R1)"
                )

    checks.append("demonstration facility per district")
    per_district = scenario["policy"]["demonstration_per_district"]
    demo = facilities[facilities["demonstration"].astype(bool)]
    counts = demo.groupby("district_id").size()
    findings = " ".join(run.get("findings", []))
    listed = set(districts["district_id"].dropna().astype(str))
    # a county without a plan has no row; its existing facilities stay in the layer
    listed |= {
        str(c.get("district_id"))
        for c in run.get("counties", []) or []
        if isinstance(c, dict) and c.get("reason") not in (None, "")
    }
    held = {
        str(d)
        for frame in (areas, facilities)
        for d in frame.get("district_id", pd.Series(dtype=object)).dropna()
        if str(d).strip() not in ("", "(none)")
    }
    for district_id in sorted(held - listed)[:5]:
        problems.append(
            f"districts.csv has no row for district {district_id}, which holds areas or "
            "facilities of the plan: its demonstration facility cannot be checked"
        )
    for row in districts.itertuples():
        if str(row.district_id) == "(none)":
            continue  # sites in no district: the model has no district to hold R5 to
        have = int(counts.get(row.district_id, 0))
        if have != int(row.demonstration_count):
            problems.append(f"district {row.district_id}: demonstration_count is wrong")
        if have < per_district and not _demonstration_reported(run, str(row.district_id)):
            problems.append(
                f"district {row.district_id} has {have} demonstration facilities, "
                f"{per_district} required, and the run does not report it"
            )

    checks.append("budget")
    budget = scenario["policy"]["budget"]
    total = float(facilities["cost"].sum())
    if budget is not None and total > budget + 0.5:
        problems.append(f"cost {total:,.0f} exceeds the budget {budget:,.0f}")

    if run.get("phases"):
        problems += _phase_problems(run["phases"], facilities, by_year)
        checks.append("each year's budget, and its spending by district")

    checks.append("affordable share")
    share_min = scenario["policy"]["min_affordable_share"]
    # the existing facilities of a county without a plan stand outside every county's
    # share (no solve held them to it): the share is the planned counties'
    planned = facilities[~_in_failed_county(facilities)]
    total_slots = float(planned["slots"].sum())
    aff = float(planned.loc[planned["affordable"].astype(bool), "slots"].sum())
    reported = "affordable" in findings + " ".join(run.get("unmet", []))
    if (
        share_min is not None
        and total_slots > 0
        and aff / total_slots + 1e-9 < share_min
        and not reported
    ):
        problems.append(
            f"affordable share {aff / total_slots:.1%} is below {share_min:.0%} unreported"
        )
    missing = _missing_counties(run, out)
    if "counties" in run:
        checks.append("every county has a plan")
    return VerifyReport(checks=tuple(checks), problems=tuple(problems), missing=missing)


def _in_failed_county(facilities: pd.DataFrame) -> pd.Series:
    """Which written facilities stand in a county without a plan (``in_failed_county``,
    a bool or a true word as a spreadsheet may have written it back)."""
    if "in_failed_county" not in facilities.columns:
        return pd.Series(False, index=facilities.index)
    return _read_bool(facilities["in_failed_county"])


def _words(values: pd.Series) -> pd.Series:
    """A column's cells as words, stripped and lower-cased (``nan`` for a blank)."""
    return values.astype(str).str.strip().str.lower()


def _read_bool(values: pd.Series) -> pd.Series:
    """A bool column as written back: a bool, or a true word (:data:`TRUE_WORDS`)."""
    if pd.api.types.is_bool_dtype(values):
        return values.astype(bool)
    return _words(values).isin(TRUE_WORDS)


def _missing_counties(run: dict[str, Any], out: Path) -> tuple[str, ...]:
    """The counties of a partitioned plan without a plan: id, name, status and reason."""
    counties = run.get("counties")
    if not isinstance(counties, list):
        return ()
    failed = [c for c in counties if isinstance(c, dict) and c.get("reason") not in (None, "")]
    if not failed and run.get("status") == "partial":  # the record lost its counties' reasons
        return ("some county (run.json says the plan is partial, without naming it)",)
    names: dict[str, str] = {}
    path = out / "districts.geojson"  # it keeps a county without a plan, named, as a hole
    try:
        layer = _read_layer(path) if path.is_file() else gpd.GeoDataFrame()
    except PlanFileError:  # the names are a courtesy: the ids and reasons suffice
        layer = gpd.GeoDataFrame()
    if {"district_id", "name"} <= set(layer.columns):
        names = {
            str(d): str(n)
            for d, n in zip(layer["district_id"], layer["name"], strict=True)
            if isinstance(n, str) and n
        }
    lines = []
    for c in failed:
        district = str(c.get("district_id"))
        name = f" {names[district]}" if district in names else ""
        lines.append(f"{district}{name}: {c.get('status') or 'failed'}, {c.get('reason')}")
    return tuple(lines)


_FACILITY_COLUMNS = {
    "slots": "number",
    "cost": "number",
    "demonstration": "bool",
    "affordable": "bool",
    "colocated_area_id": "text",
    "district_id": "text",
}
_AREA_COLUMNS = {
    "required_slots": "number",
    "served_slots": "number",
    "shortfall_slots": "number",
    "planned_population": "number",
    "migrant_population": "number",
    "migrant_demand": "number",
    "target_per_1000": "number",
    "status": "text",
}
_ASSIGNMENT_COLUMNS = {
    "slots": "number",
    "distance_m": "number",
    "site_id": "text",
    "area_id": "text",
    "demand_id": "text",
}
_GIVEN = {"slots", "cost", "distance_m", "required_slots", "served_slots", "shortfall_slots"}
"""Number columns a plan always fills: a blank there is a hand edit."""
_FALSE = FALSE_WORDS | {""}
"""The inputs' false words (:data:`siting.inputs.FALSE_WORDS`), and an emptied cell."""


_COMPARED = {
    "facilities": ("site_id", ("slots", "cost", "demonstration", "affordable")),
    "areas": ("area_id", ("required_slots", "served_slots", "shortfall_slots")),
}
"""What :func:`_geopackage_problems` compares in each layer: its id and columns."""


def _geopackage_problems(path: Path, facilities: pd.DataFrame, areas: pd.DataFrame) -> list[str]:
    """Where ``plan.gpkg`` (the layers a planner opens and edits in QGIS) no longer says
    what the GeoJSON layers say: a facility pasted twice, deleted or resized there."""
    problems: list[str] = []
    for layer, geojson in (("facilities", facilities), ("areas", areas)):
        key, columns = _COMPARED[layer]
        try:
            gpkg = _read_layer(path, layer=layer)
        except PlanFileError as exc:
            problems.append(f"plan.gpkg: layer {layer}: {exc}")
            continue
        if key not in gpkg.columns:
            problems.append(f"plan.gpkg: layer {layer} has no {key} column")
            continue
        mine = gpkg[key].astype(str)
        theirs = geojson[key].astype(str)
        twice = sorted(set(mine[mine.duplicated()]) - set(theirs[theirs.duplicated()]))
        if twice:
            problems.append(f"plan.gpkg: layer {layer} lists {key} {twice[:5]} more than once")
        gone = sorted(set(theirs) - set(mine))
        if gone:
            problems.append(f"plan.gpkg: layer {layer} lacks {gone[:5]} (in {layer}.geojson)")
        extra = sorted(set(mine) - set(theirs))
        if extra:
            problems.append(f"plan.gpkg: layer {layer} has {extra[:5]}, not in {layer}.geojson")
        a = gpkg.assign(**{key: mine}).drop_duplicates(key).set_index(key)
        b = geojson.assign(**{key: theirs}).drop_duplicates(key).set_index(key)
        both = a.index.intersection(b.index)
        for column in columns:
            if column not in a.columns or column not in b.columns:
                continue
            x = pd.to_numeric(a.loc[both, column], errors="coerce").astype(float)
            y = pd.to_numeric(b.loc[both, column], errors="coerce").astype(float)
            differ = ~np.isclose(x, y, rtol=1e-9, atol=1e-3) & ~(x.isna() & y.isna())
            for i in list(both[differ.to_numpy()])[:5]:
                problems.append(
                    f"plan.gpkg: {column} of {i} is {a.at[i, column]} in layer {layer}, "
                    f"{b.at[i, column]} in {layer}.geojson"
                )
    return problems


def _read_layer(path: Path, *, layer: str | None = None) -> gpd.GeoDataFrame:
    """A plan's layer as written or hand-edited (a column of mixed types is read as text,
    quietly); one that is gone or cut short is a :class:`PlanFileError`."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return gpd.read_file(path, layer=layer)
    except (OSError, RuntimeError, ValueError) as exc:  # pyogrio's DataSourceError, …
        raise PlanFileError(
            f"{path} cannot be read ({type(exc).__name__}: {str(exc).splitlines()[0]}): it is "
            "missing or was edited past reading. Fix: write the plan again (siting plan), "
            "or undo the edit"
        ) from None


def _read_table(path: Path, dtype: dict[str, Any], problems: list[str]) -> pd.DataFrame:
    """A plan's CSV as written (UTF-8), or as Excel saves it on a Chinese Windows (GBK)."""
    try:
        return pd.read_csv(path, dtype=dtype, encoding="utf-8-sig")
    except UnicodeDecodeError:
        problems.append(
            f"{path.name} is not UTF-8 as siting wrote it (saved again by Excel?); read as GBK"
        )
        return pd.read_csv(path, dtype=dtype, encoding="gb18030")


def _tidy(
    frame: pd.DataFrame,
    name: str,
    key: str | None,
    columns: dict[str, str],
    problems: list[str],
    *,
    unestimated: pd.Series | None = None,
) -> None:
    """Say what a hand edit broke in a written table, and type its columns in place so the
    checks can go on: a missing column, a repeated id, a blank or a word in a number
    column, a word that is not true or false. The rows ``unestimated`` marks (areas of a
    county without a plan, whose demand may not have been estimated) may leave the
    figures a plan gives every other row blank."""
    ids = frame[key].astype(str) if key is not None and key in frame.columns else frame.index
    if key is not None:
        if key not in frame.columns:
            problems.append(f"{name} has no {key} column")
            frame[key] = [f"?{i}" for i in range(len(frame))]
        else:
            twice = sorted(set(ids[ids.duplicated()]))
            if twice:
                problems.append(f"{name} lists {key} {twice[:5]} more than once")
    for column, kind in columns.items():
        if column not in frame.columns:
            problems.append(f"{name} has no {column} column")
            frame[column] = np.nan if kind == "number" else (False if kind == "bool" else None)
            continue
        values = frame[column]
        if kind == "number":
            typed = pd.to_numeric(values, errors="coerce")
            bad = typed.isna() if column in _GIVEN else typed.isna() & values.notna()
            if unestimated is not None:
                bad &= ~unestimated
            if bad.any():
                shown = [str(i) for i in np.asarray(ids)[bad.to_numpy()][:5]]
                problems.append(f"{name}: {column} is blank or not a number for {shown}")
            frame[column] = typed
        elif kind == "bool" and not pd.api.types.is_bool_dtype(values):
            unknown = ~_words(values).isin(TRUE_WORDS | _FALSE) & values.notna()
            if unknown.any():
                shown = sorted(set(values[unknown].astype(str)))[:5]
                problems.append(f"{name}: {column} holds {shown}, not true or false")
            frame[column] = _read_bool(values)


def _phase_problems(
    phases: list[dict[str, Any]], facilities: pd.DataFrame, by_year: pd.DataFrame | None
) -> list[str]:
    """A phased plan's years: every facility opens in one, and no year spends beyond its money."""
    problems: list[str] = []
    years = [int(p["year"]) for p in phases]
    opening = pd.to_numeric(
        facilities.get("opening_year", pd.Series(np.nan, index=facilities.index)),
        errors="coerce",
    )
    new = (
        ~facilities["existing"].astype(bool)
        if "existing" in facilities.columns
        else opening.notna()
    )
    stray = facilities.index[
        (new & ~opening.isin(years)) | (opening.notna() & ~opening.isin(years))
    ]
    if len(stray):
        problems.append(f"facilities with no opening year among {years}: {list(stray[:5])}")
    for phase in phases:
        year = int(phase["year"])
        spent = float(facilities.loc[opening == year, "cost"].sum())
        budget = phase.get("budget")
        if budget is not None and spent > float(budget) + 0.5:
            problems.append(f"{year} spends {spent:,.0f}, beyond its budget {float(budget):,.0f}")
        if by_year is not None and "spent" in by_year.columns:
            table = float(by_year.loc[by_year["year"] == year, "spent"].sum())
            if abs(table - spent) > 0.5 + 1e-9 * spent:
                problems.append(
                    f"districts.csv says {year} spent {table:,.0f}; "
                    f"its facilities cost {spent:,.0f}"
                )
    return problems
