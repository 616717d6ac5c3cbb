"""What a plan adds up to: per district, per candidate parcel, per service line, and its demand.

These tables describe a solved plan for its outputs (``districts.csv``, the
candidates layer, the service lines, ``run.json``); they read the plan's own
tables and never the model.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import LineString

from siting.demand import workplace_demand
from siting.inputs import Inputs
from siting.scenario import Scenario

__all__ = [
    "candidate_states",
    "district_summary",
    "per_1000",
    "rounding_summary",
    "service_lines",
    "workplace_shortfall",
]


def rounding_summary(
    items: pd.DataFrame, districts: pd.DataFrame, *, scenario: Scenario
) -> dict[str, Any]:
    """The required slots both ways: served raw (rounded once per district) and rounded per area.

    Parameters
    ----------
    items
        The model's demand items (:func:`siting.demand.demand_items`).
    districts
        :func:`district_summary` output, whose ``required_slots`` are rounded once.
    scenario
        Says whether every area was rounded up (``demand.round_up``).

    Returns
    -------
    dict
        ``method``, ``required_slots_raw``, ``required_slots_rounded_per_area``
        and ``required_slots_rounded_per_district`` (a district's workplaces with its areas).
    """
    required = items["required"].astype(float)
    return {
        "method": "rounded up per area"
        if scenario.demand.round_up
        else "raw requirement served; counts rounded up once per district",
        "required_slots_raw": float(required.sum()),
        "required_slots_rounded_per_area": float(np.ceil(required - 1e-9).sum()),
        "required_slots_rounded_per_district": float(districts["required_slots"].sum()),
    }


def demonstration_cost(facilities: pd.DataFrame, options: pd.DataFrame) -> dict[str, Any]:
    """What the plan's new demonstration facilities (R5) cost, and how much of it is the
    demonstration tier's: each one's cost less its site's plain option of the same slots.

    The whole price of the rule is more (the sites chosen for it, not the cheapest): a
    plan without it (``policy.demonstration_per_district = 0``) measures that.

    Parameters
    ----------
    facilities
        The plan's facilities (``option``, ``slots``, ``cost``, ``demonstration``,
        ``existing``), indexed by ``site_id``.
    options
        Every site's size options (``site_id``, ``option``, ``slots``, ``cost``,
        ``demonstration``).

    Returns
    -------
    dict
        ``count`` new demonstration facilities, their ``cost`` and the ``premium`` (the
        tier's part; a facility whose site has no plain option of its slots adds none).

    Examples
    --------
    >>> fac = pd.DataFrame({"option": ["demonstration", "large"], "slots": [145, 145],
    ...     "cost": [3.0e6, 2.4e6], "demonstration": [True, False], "existing": [False, False]},
    ...     index=pd.Index(["P1", "P2"], name="site_id"))
    >>> opt = pd.DataFrame({"site_id": ["P1", "P1", "P2"], "option": ["large",
    ...     "demonstration", "large"], "slots": [145, 145, 145], "cost": [2.2e6, 3.0e6, 2.4e6],
    ...     "demonstration": [False, True, False]})
    >>> demonstration_cost(fac, opt)
    {'count': 1, 'cost': 3000000.0, 'premium': 800000.0}
    """
    new = facilities[
        facilities["demonstration"].astype(bool) & ~facilities["existing"].astype(bool)
    ]
    plain = options.loc[~options["demonstration"].astype(bool), ["site_id", "slots", "cost"]]
    cheapest = (
        plain.assign(slots=plain["slots"].astype(float))
        .groupby(["site_id", "slots"], as_index=False)["cost"]
        .min()
        .rename(columns={"cost": "plain"})
    )
    built = pd.DataFrame(
        {
            "site_id": new.index.to_numpy(),
            "slots": new["slots"].astype(float).to_numpy(),
            "cost": new["cost"].astype(float).to_numpy(),
        }
    ).merge(cheapest, on=["site_id", "slots"], how="left")
    premium = (built["cost"] - built["plain"]).fillna(0.0)
    return {"count": len(new), "cost": float(built["cost"].sum()), "premium": float(premium.sum())}


def per_1000(slots: float, people: float) -> float | None:
    """Slots per 1,000 people, to 3 decimals, or ``None`` without people."""
    return round(slots / people * 1000, 3) if people > 0 else None


def workplace_shortfall(items: pd.DataFrame, assignments: pd.DataFrame) -> float:
    """Slots that migrant demand at workplaces still lacks after the plan's assignments.

    Each workplace's requirement less the slots serving it, never below zero, summed
    (:func:`_workplace_balance`).
    """
    required = _required_at_workplaces(items)
    return float(_workplace_balance(required, assignments)["shortfall"].sum())


def _required_at_workplaces(items: pd.DataFrame) -> pd.Series:
    """The demand items' requirement summed by ``workplace_id`` (areas' items left out)."""
    work = items.dropna(subset=["workplace_id"])
    return work.groupby(work["workplace_id"].astype(str))["required"].sum().astype(float)


def _workplace_balance(required: pd.Series, assignments: pd.DataFrame) -> pd.DataFrame:
    """``required`` (indexed by ``workplace_id``), the slots the plan's ``assignments`` give
    each workplace (``served``) and what it still lacks (``shortfall``, never below zero)."""
    served = (
        assignments.dropna(subset=["workplace_id"])
        .groupby("workplace_id")["slots"]
        .sum()
        .reindex(required.index, fill_value=0.0)
        .astype(float)
    )
    return pd.DataFrame(
        {"required": required, "served": served, "shortfall": (required - served).clip(lower=0.0)}
    )


def district_summary(
    inputs: Inputs,
    areas: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    assignments: pd.DataFrame,
    *,
    scenario: Scenario,
    accounting: dict[str, Any],
    items: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per district: people, slots required and planned, cost and residual people.

    Parameters
    ----------
    inputs
        The run's inputs (for the districts' order and names).
    areas, facilities, assignments
        The plan's tables (:func:`siting.plan.extract_plan`).
    scenario
        For the national target and the demonstration count.
    accounting
        :attr:`siting.demand.Demand.accounting`, for the residual per district.
    items
        The model's demand items (:func:`siting.demand.demand_items`): a workplace's
        requirement is its item's (a phased plan's year scales it); without them it
        is worked out from the workplaces layer with the final ratios.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``district_id``; ``required_slots`` is the district's raw
        requirement (its areas' and its workplaces' migrant demand) rounded up
        once, and ``served_slots``, ``shortfall_slots`` and ``migrant_slots``
        count the demand of its areas and workplaces, so the rows add up to the
        run's totals. Areas and workplaces outside every district are
        ``"(none)"``.
    """
    area_d = areas["district_id"].fillna("(none)")
    fac_d = facilities["district_id"].fillna("(none)")
    work = _workplace_rows(inputs, assignments, scenario=scenario, items=items)
    people = areas["planned_population"] + areas["migrant_population"]
    required = areas["required_slots"].groupby(area_d).sum()
    # every district with an area, a workplace or a facility: a district may hold a facility
    # (its demonstration facility, say) and no residential area
    grouped = pd.DataFrame(
        index=pd.Index(sorted(set(area_d) | set(work["district_id"]) | set(fac_d)), dtype=object)
    )
    grouped["population"] = people.groupby(area_d).sum()
    # the migrant demand at workplaces counts in the workplace's district, beside its areas'
    # (it was in the run's totals and in no district: the rows did not add up to them)
    with_work = required.add(work.groupby("district_id")["required"].sum(), fill_value=0.0)
    # the policy's ratio applies to a district's residents: its count is rounded once
    grouped["required_slots"] = np.ceil(with_work - 1e-9) + 0.0  # + 0.0: no -0.0
    grouped["raw_required"] = required
    grouped["served_slots"] = (
        areas["served_slots"]
        .groupby(area_d)
        .sum()
        .add(work.groupby("district_id")["served"].sum(), fill_value=0.0)
    )
    grouped["shortfall_slots"] = (
        areas["shortfall_slots"]
        .groupby(area_d)
        .sum()
        .add(work.groupby("district_id")["shortfall"].sum(), fill_value=0.0)
    )
    grouped["planned_slots"] = facilities["slots"].groupby(fac_d).sum()
    grouped["new_slots"] = facilities["new_slots"].groupby(fac_d).sum()
    grouped["cost"] = facilities["cost"].groupby(fac_d).sum()
    affordable = facilities["slots"].where(facilities["affordable"].astype(bool), 0.0)
    grouped["affordable_slots"] = affordable.groupby(fac_d).sum()
    demo = facilities["demonstration"].astype(bool)
    grouped["demonstration_count"] = demo.groupby(fac_d).sum()
    # migrant slots by the district of the demand they serve, as served_slots counts them
    demand_d = (
        assignments["area_id"]
        .map(area_d)
        .fillna(assignments["workplace_id"].map(work["district_id"]))
        .fillna("(none)")
    )
    migrant = assignments["kind"] == "migrant"
    grouped["migrant_slots"] = assignments.loc[migrant, "slots"].groupby(demand_d[migrant]).sum()
    if inputs.districts is not None:
        grouped = grouped.reindex(
            list(inputs.districts.index.astype(str))
            + [d for d in grouped.index if d not in set(inputs.districts.index.astype(str))]
        )
        grouped["name"] = inputs.districts["name"].reindex(grouped.index)
    else:
        grouped["name"] = grouped.index
    residual = accounting.get("population", {}).get("residual_by_district", {})
    grouped["residual_population"] = pd.Series(residual, dtype=float)
    grouped = grouped.fillna({c: 0.0 for c in grouped.columns if c != "name"})
    pop = grouped["population"].where(grouped["population"] > 0)
    grouped["slots_per_1000"] = (grouped["planned_slots"] / pop * 1000).round(2)
    # the target is the ratio itself: the raw requirement, not the count rounded up
    grouped["target_per_1000"] = (grouped["raw_required"] / pop * 1000).round(2)
    grouped["national_target_per_1000"] = scenario.ratios.national_target
    grouped["demonstration_count"] = grouped["demonstration_count"].astype(int)
    grouped["demonstration_present"] = grouped["demonstration_count"] >= max(
        scenario.policy.demonstration_per_district, 1
    )
    grouped.index.name = "district_id"
    order = [
        "name",
        "population",
        "required_slots",
        "planned_slots",
        "new_slots",
        "served_slots",
        "shortfall_slots",
        "slots_per_1000",
        "target_per_1000",
        "national_target_per_1000",
        "demonstration_count",
        "demonstration_present",
        "migrant_slots",
        "affordable_slots",
        "cost",
        "residual_population",
    ]
    return grouped[order]


def _workplace_rows(
    inputs: Inputs,
    assignments: pd.DataFrame,
    *,
    scenario: Scenario,
    items: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Each workplace's district, migrant demand, the slots serving it and its shortfall."""
    columns = ["district_id", "required", "served", "shortfall"]
    if inputs.workplaces is None or inputs.workplaces.empty:
        return pd.DataFrame(columns=columns, dtype=float).astype({"district_id": object})
    places = inputs.workplaces
    index = places.index.astype(str)
    district = (
        places["district_id"]
        if "district_id" in places.columns
        else pd.Series(None, index=places.index)
    )
    if items is not None and "workplace_id" in items.columns:
        required = _required_at_workplaces(items).reindex(index, fill_value=0.0)
    else:
        migrant = workplace_demand(places, scenario=scenario)["migrant_slots"]
        required = pd.Series(migrant.to_numpy(dtype=float), index=index)
    rows = _workplace_balance(required, assignments)
    rows.insert(
        0,
        "district_id",
        district.astype(object).where(district.notna(), "(none)").astype(str).to_numpy(),
    )
    return rows[columns]


def candidate_states(
    parcels: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame, excluded: pd.DataFrame
) -> gpd.GeoDataFrame:
    """Every candidate parcel with its ``state``: chosen, not chosen or excluded (and why).

    Parameters
    ----------
    parcels
        All candidate parcels of the run, before the hazard filter.
    facilities
        The plan's facilities, indexed by ``site_id``.
    excluded
        ``site_id`` and ``reason`` of the parcels the hazard buffers excluded.

    Returns
    -------
    geopandas.GeoDataFrame
        The parcels' descriptive columns, ``state`` and ``exclusion_reason``.
    """
    keep = ["name", "kind", "acquisition", "land_area_m2", "floor_area_m2", "cost"]
    keep += ["affordable", "district_id", "source"]
    out = parcels[[c for c in keep if c in parcels.columns] + ["geometry"]].copy()
    reasons = excluded.set_index("site_id")["reason"] if len(excluded) else pd.Series(dtype=str)
    out["state"] = np.where(out.index.isin(facilities.index), "chosen", "not chosen")
    out.loc[out.index.isin(reasons.index), "state"] = "excluded"
    out["exclusion_reason"] = reasons.reindex(out.index).fillna("").to_numpy()
    return out


def service_lines(
    assignments: pd.DataFrame,
    facilities: gpd.GeoDataFrame,
    points: gpd.GeoDataFrame,
    inputs: Inputs,
) -> gpd.GeoDataFrame:
    """A straight line from each facility to the area or workplace of each assignment.

    An assignment whose facility stands at the very point it serves (a new area's own
    site) has no line (the assignments table still lists it).

    Parameters
    ----------
    assignments
        The plan's assignments.
    facilities
        The plan's facilities (points).
    points
        The areas' population points; an area's line ends at its largest one.
    inputs
        The run's inputs (for the workplaces).

    Returns
    -------
    geopandas.GeoDataFrame
        The assignment's ids, kind, slots and distance, with a line geometry.
    """
    area_xy = points.sort_values("share", ascending=False).drop_duplicates("area_id")
    area_pt = pd.Series(area_xy.geometry.to_numpy(), index=area_xy["area_id"].astype(str))
    if inputs.workplaces is not None:
        wp = inputs.workplaces.geometry.representative_point()
        work_pt = pd.Series(wp.to_numpy(), index=inputs.workplaces.index.astype(str))
    else:
        work_pt = pd.Series(dtype=object)
    geoms = []
    for row in assignments.itertuples():
        start = facilities.geometry[row.site_id]
        end = (
            area_pt.get(row.area_id)
            if isinstance(row.area_id, str)
            else work_pt.get(str(row.workplace_id))
        )
        # a site at the very point it serves (a new area's own site) has no line: a line
        # of two equal points is not a valid geometry
        geoms.append(LineString([start, end]) if end is not None and start != end else None)
    lines = gpd.GeoDataFrame(
        assignments[["site_id", "area_id", "demand_id", "kind", "slots", "distance_m"]].copy(),
        geometry=geoms,
        crs=inputs.crs,
    )
    return lines[lines.geometry.notna()].reset_index(drop=True)
