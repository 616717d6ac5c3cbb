"""The run record (``run.json``): what ran, with which versions and inputs, how each
solver stage ended, which rules a plan could not meet, and the plan's totals.

It reads the solved model's values (stage objectives, rows left unmet) and the
plan's tables; :mod:`siting.pipeline` calls it once a plan is extracted.
"""

from __future__ import annotations

import platform
import re
from collections.abc import Sequence
from importlib import metadata
from typing import Any

import numpy as np
import pandas as pd

from siting import __version__
from siting._said import said_records
from siting.access import Access
from siting.candidates import COST_BASES
from siting.inputs import Inputs
from siting.model import SitingModel
from siting.scenario import Scenario
from siting.solve import SitingSolution
from siting.summary import demonstration_cost, per_1000, rounding_summary, workplace_shortfall

__all__ = ["run_record", "unmet_rules"]


def unmet_rules(
    model: SitingModel, values: np.ndarray, *, scenario: Scenario
) -> tuple[list[str], list[str]]:
    """The rules a plan's values leave unmet, in words.

    Parameters
    ----------
    model
        The built siting model.
    values
        The plan's column values.
    scenario
        The scenario (for the affordable share's minimum).

    Returns
    -------
    tuple of two lists of str
        The districts short of demonstration facilities, and every unmet rule
        (those districts, then the affordable share when it is short).
    """
    ix = model.index
    unmet_demo = [
        f"district {d}: {values[ix.t][k]:.0f} demonstration facility(ies) missing"
        for k, d in enumerate(ix.t_district)
        if values[ix.t][k] > 0.5
    ]
    unmet = list(unmet_demo)
    if ix.u.stop > ix.u.start and values[ix.u][0] > 1e-3:
        unmet.append(
            f"affordable share: {values[ix.u][0]:.0f} affordable slots short of the "
            f"{scenario.policy.min_affordable_share:.0%} minimum"
        )
    return unmet_demo, unmet


def run_record(
    *,
    solution: SitingSolution,
    model: SitingModel,
    values: np.ndarray,
    scenario: Scenario,
    inputs: Inputs,
    access: Access,
    sites: pd.DataFrame,
    options: pd.DataFrame,
    items: pd.DataFrame,
    area_table: pd.DataFrame,
    areas: pd.DataFrame,
    facilities: pd.DataFrame,
    assignments: pd.DataFrame,
    districts: pd.DataFrame,
    accessibility: dict[str, Any],
    findings: Sequence[str],
    excluded: int,
    accounting: dict[str, Any],
    timings: dict[str, float],
) -> dict[str, Any]:
    """The run record of a solved single-period plan (``run.json``; a phased plan's
    ``phases`` are added by the pipeline).

    Parameters
    ----------
    solution
        The solver's result, stage by stage.
    model, values
        The built model and the plan's column values (the last year's, when phased).
    scenario, inputs, access
        The scenario, the loaded inputs and the walking-distance pairs.
    sites, options, items, area_table
        The model's sites, their size options, the demand items and the areas' demand.
    areas, facilities, assignments, districts
        The plan's tables.
    accessibility
        The life-circle coverage's record (:func:`siting.lifecircle.plan_life_circles`).
    findings
        The pre-solve findings (warnings about the data).
    excluded
        Candidate sites excluded before the model (hazards).
    accounting
        The population accounting of the demand estimate.
    timings
        Seconds per step so far.

    Returns
    -------
    dict
        The record, ready for JSON.
    """
    unmet_demo, unmet = unmet_rules(model, values, scenario=scenario)
    stage_terms = {
        "shortfall": float(model.shortfall @ values),
        "cost": float(model.cost @ values),
        "distance": float(model.distance @ values),
    }
    cost_by_mode = facilities.groupby("acquisition")["cost"].sum().to_dict()
    by_basis = facilities.groupby("cost_basis")["cost"].agg(["size", "sum"])
    by_basis = by_basis.reindex([b for b in COST_BASES if b in by_basis.index])
    total_slots = float(facilities["slots"].sum())
    affordable_slots = float(facilities.loc[facilities["affordable"].astype(bool), "slots"].sum())
    return {
        "status": solution.status.value,
        "message": solution.message,
        "gap": solution.gap,
        "objective": stage_terms,
        "stages": [
            {
                "name": s.name,
                "status": s.stats.status.value,
                "objective": s.stats.objective,
                "bound": s.stats.bound,
                "gap": s.stats.gap,
                "solve_s": round(s.stats.solve_s, 3),
                "message": s.stats.message,
                **({"search": s.detail} if s.detail else {}),
            }
            for s in solution.stages
        ],
        # every solver that ran a stage (with solver "cpsat": HiGHS and CP-SAT)
        "solver": ", ".join(dict.fromkeys(s.stats.solver for s in solution.stages)),
        "versions": _versions(),
        "timings_s": timings,
        "model_size": {
            "rows": model.base.num_rows,
            "columns": model.base.num_cols,
            "nonzeros": int(model.base.A.nnz),
            "pairs": len(access.pairs),
            "sites": len(sites),
            "options": len(options),
            "demand_items": len(items),
        },
        "crs": inputs.crs.to_string(),
        "scenario": scenario.to_dict(),
        "inputs": {
            name: {"path": str(inputs.files[name]), "sha256": digest, **_filter_of(scenario, name)}
            for name, digest in inputs.file_hashes.items()
        },
        "notes": list(inputs.notes),
        "note_records": said_records(inputs.notes),
        "findings": list(findings),
        "finding_records": said_records(findings),
        "unmet": unmet,
        "unmet_demonstration": unmet_demo,
        "distance_method": access.method,
        "distance": access.info,
        "excluded_sites": excluded,
        "required_slots_rounded_up": scenario.demand.round_up,
        "population_accounting": accounting,
        "accessibility": accessibility,
        "rounding": rounding_summary(items, districts, scenario=scenario),
        "totals": {
            "population": float(areas["population"].sum()),
            "planned_population": float(areas["planned_population"].sum()),
            "required_slots": float(areas["required_slots"].sum())
            + float(items.loc[items["workplace_id"].notna(), "required"].sum()),
            "planned_slots": total_slots,
            "new_slots": float(facilities["new_slots"].sum()),
            "served_slots": float(assignments["slots"].sum()),
            "served_per_1000": per_1000(
                float(areas["served_slots"].sum()),
                float(areas["planned_population"].sum() + areas["migrant_population"].sum()),
            ),
            "planned_per_1000": per_1000(
                total_slots,
                float(areas["planned_population"].sum() + areas["migrant_population"].sum()),
            ),
            "shortfall_slots": float(areas["shortfall_slots"].sum())
            + workplace_shortfall(items, assignments),
            "migrant_slots": float(
                assignments.loc[assignments["kind"] == "migrant", "slots"].sum()
            ),
            "demand_estimate_slots": float(area_table["demand_estimate_slots"].sum()),
            "children_estimate_slots": float(area_table["children_estimate_slots"].sum())
            if "children_estimate_slots" in area_table.columns
            else None,
            "affordable_share": affordable_slots / total_slots if total_slots else None,
            "cost": float(facilities["cost"].sum()),
            "cost_by_acquisition": {str(k): float(v) for k, v in cost_by_mode.items()},
            "facilities_by_cost_basis": {str(k): int(v) for k, v in by_basis["size"].items()},
            "cost_by_cost_basis": {str(k): float(v) for k, v in by_basis["sum"].items()},
            "facilities_new": int((~facilities["existing"].astype(bool)).sum()),
            "facilities_existing": int(facilities["existing"].astype(bool).sum()),
            "demonstration": demonstration_cost(facilities, options),
        },
    }


_PIECE_ROLE = re.compile(r"(?P<name>\w+)(?:\[(?P<number>\d+)\])?")
"""A layer's role among the inputs' files, ``areas``, or a piece's after the first,
``areas[2]`` (:func:`siting.inputs._pieces.piece_role`)."""


def _filter_of(scenario: Scenario, role: str) -> dict[str, str]:
    """``{"where": ...}`` for a layer read through a filter: its file alone does not say
    which of its features the run took (areas and parcels from one land-use layer); and
    ``{"layer": ...}`` for a piece of a layer in pieces, the piece's layer in its file
    (Geofabrik's points and polygons, two layers of one zip)."""
    matched = _PIECE_ROLE.fullmatch(role)
    if matched is None:
        return {}
    spec = getattr(scenario.inputs, matched["name"], None)
    where = getattr(spec, "where", None)
    said = {"where": where} if isinstance(where, str) else {}
    pieces = getattr(spec, "pieces", ())
    number = int(matched["number"] or 1)
    if pieces and number <= len(pieces) and pieces[number - 1].layer is not None:
        said = {"layer": pieces[number - 1].layer, **said}
    return said


def _versions() -> dict[str, str]:
    """The versions of siting, Python and the libraries a plan depends on."""
    out = {"siting": __version__, "python": platform.python_version()}
    for name in ("highspy", "pulp", "geopandas", "shapely", "pyproj", "rasterio", "osmnx"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    try:
        import pyogrio

        out["gdal"] = str(pyogrio.__gdal_version_string__)
    except ImportError:  # pragma: no cover
        pass
    return out
