"""What a phased plan adds up to each year: opening years, districts by year, yearly totals.

A phased plan (:mod:`siting.phasing`) is solved once over all its years. Each
year's state is projected onto the single-period model and extracted with
:func:`siting.plan.extract_plan` and :func:`siting.summary.district_summary`,
as a plan of one year is, so every year's rows have the same columns and
meanings as a plan without phases (``cost`` is what the district's
facilities have cost up to that year; ``spent`` what the year itself spent).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from siting.inputs import Inputs
from siting.model import SitingProblem, build_model
from siting.phasing import (
    PhaseDemand,
    PhasedModel,
    opening_years,
    phase_spending,
    single_problem,
    year_values,
)
from siting.plan import extract_plan
from siting.scenario import Scenario
from siting.solve import SitingSolution
from siting.summary import district_summary, per_1000, workplace_shortfall

__all__ = ["PhasedPlan", "phased_plan"]


@dataclass(frozen=True)
class PhasedPlan:
    """The year-by-year tables of a phased plan.

    Attributes
    ----------
    opening_year
        The year each facility opens or (an existing one) expands, by ``site_id``;
        existing facilities that do not expand are not in it.
    districts
        One row per district and year: ``year``, then the columns of
        :func:`siting.summary.district_summary` for that year's plan, and
        ``spent`` (what the year spent in the district).
    phases
        One record per year for ``run.json``: the year's targets and money,
        what it spent, its slots, shortfall and facilities, and the status of
        its shortfall stage.
    """

    opening_year: pd.Series
    districts: pd.DataFrame
    phases: list[dict[str, Any]]


def phased_plan(
    *,
    model: PhasedModel,
    solution: SitingSolution,
    problem: SitingProblem,
    demands: Sequence[PhaseDemand],
    sites: gpd.GeoDataFrame,
    options: pd.DataFrame,
    areas: gpd.GeoDataFrame,
    nearest_site: pd.DataFrame,
    inputs: Inputs,
    scenario: Scenario,
    accounting: dict[str, Any],
) -> PhasedPlan:
    """Extract every year of a solved phased plan.

    Parameters
    ----------
    model, solution
        The phased model and its solution (with values).
    problem
        The single-period problem the phased model was built from.
    demands
        :func:`siting.phasing.phase_demands`, one per year.
    sites, options, areas, nearest_site
        As :func:`siting.plan.extract_plan` takes them.
    inputs, scenario, accounting
        As :func:`siting.summary.district_summary` takes them.

    Returns
    -------
    PhasedPlan
        Opening years, districts by year and yearly totals.
    """
    values = solution.values
    assert values is not None
    spent = phase_spending(model, values)
    single = build_model(problem)
    opened = opening_years(model, values, single=single)
    stage_status = {s.name: s.stats.status.value for s in solution.stages}
    tables: list[pd.DataFrame] = []
    records: list[dict[str, Any]] = []
    for demand in demands:
        year = demand.phase.year
        year_problem = single_problem(problem, demand)
        year_model = build_model(year_problem)
        year_vals = year_values(model, values, year=year, single=year_model)
        facilities, area_out, assignments = extract_plan(
            model=year_model,
            problem=year_problem,
            values=year_vals,
            sites=sites,
            options=options,
            areas=areas,
            area_table=demand.area_table,
            items=demand.items,
            nearest_site=nearest_site,
            scenario=scenario,
        )
        table = district_summary(
            inputs,
            area_out,
            facilities,
            assignments,
            scenario=scenario,
            accounting=accounting,
            items=demand.items,  # the year's workplace demand
        )
        this_year = opened.reindex(facilities.index) == year
        fac_d = facilities["district_id"].fillna("(none)")
        table["spent"] = (
            facilities["cost"].where(this_year.fillna(False).to_numpy(), 0.0).groupby(fac_d).sum()
        )
        table["spent"] = table["spent"].fillna(0.0)
        table.insert(0, "year", year)
        tables.append(table)
        ix = year_model.index
        missing_demo = (
            [str(d) for k, d in enumerate(ix.t_district) if year_vals[ix.t][k] > 0.5]
            if "demonstration" in demand.phase.rules
            else []
        )
        people = float(area_out["planned_population"].sum() + area_out["migrant_population"].sum())
        total_slots = float(facilities["slots"].sum())
        affordable = float(facilities.loc[facilities["affordable"].astype(bool), "slots"].sum())
        records.append(
            {
                "year": year,
                "share": demand.phase.share,
                "ratios": dict(demand.phase.ratios),
                "rules": list(demand.phase.rules),
                "budget": demand.phase.budget,
                "spent": float(spent[year]),
                "cost_to_date": float(facilities["cost"].sum()),
                "required_slots": float(demand.items["required"].sum()),
                "served_slots": float(assignments["slots"].sum()),
                "shortfall_slots": float(area_out["shortfall_slots"].sum())
                + workplace_shortfall(demand.items, assignments),
                "planned_slots": total_slots,
                "new_slots": float(facilities["new_slots"].sum()),
                "served_per_1000": per_1000(float(area_out["served_slots"].sum()), people),
                "affordable_share": affordable / total_slots if total_slots else None,
                "facilities_opened": int(this_year.fillna(False).sum()),
                "facilities_open": int((~facilities["existing"].astype(bool)).sum()),
                "demonstration_missing": missing_demo,
                "shortfall_stage_status": stage_status.get(f"shortfall {year}"),
            }
        )
    districts = pd.concat(tables)
    districts.index.name = "district_id"
    districts["spent"] = np.round(districts["spent"].astype(float), 2)
    return PhasedPlan(opening_year=opened, districts=districts, phases=records)
