"""Demand: how many childcare slots each residential area and workplace needs.

* **Resident population** of an area is the exact area-weighted sum of the
  population raster over its polygon (:func:`siting.zonal.zonal_sums`).
* **Planned population** of a new area (R1) is ``dwellings × persons per
  household`` (2.36 in Guangyuan, 2020): the raster cannot see people who have
  not moved in yet. For old and rural areas it is the resident population.
* **Migrant population** (R4) comes from a migrant raster when one is given,
  otherwise from the area's ``migrant_share`` × its population. It is counted
  *in addition to* the resident population and kept in separate columns, so
  the plan can report migrant slots on their own. Workplaces add the migrant
  workers' households (``migrant_workers × migrant_persons_per_worker``).
* **Required slots** = ratio × population / 1,000, with the ratio of the
  area's class (new 10, old 8, rural 4.5 by default), rounded up per area
  (``required_rounded`` says so).
* **Demand-based estimate** beside it: children under three ≈ 3 × birth rate ×
  population, × take-up (30 %), as a second opinion for reports.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from siting.scenario import Scenario
from siting.zonal import zonal_sums

__all__ = ["area_demand", "demand_items", "district_demand", "workplace_demand"]


def _slots(ratio: pd.Series | float, population: pd.Series, *, round_up: bool) -> pd.Series:
    raw = population * ratio / 1000.0
    # a tiny tolerance keeps 10 × 1000 / 1000 = 10.000000000000002 from rounding to 11
    out = np.ceil(raw - 1e-9) if round_up else raw
    return out.clip(lower=0) + 0.0  # + 0.0 turns -0.0 into 0.0


def area_demand(
    areas: gpd.GeoDataFrame,
    population: str | Path,
    *,
    scenario: Scenario,
    migrant_population: str | Path | None = None,
) -> pd.DataFrame:
    """Population and required slots of every residential area.

    Parameters
    ----------
    areas
        Residential areas indexed by ``area_id`` with ``status``, ``dwellings``
        and ``migrant_share`` (as :func:`siting.inputs.load_inputs` returns them).
    population
        The population raster.
    scenario
        Ratios and demand settings.
    migrant_population
        Optional raster of the migrant population.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``areas``: ``status``, ``population`` (raster),
        ``planned_population``, ``ratio``, ``required_slots``,
        ``migrant_population``, ``migrant_slots``, ``demand_estimate_slots``,
        ``required_rounded``.

    Examples
    --------
    >>> import geopandas as gpd, numpy as np, rasterio
    >>> from rasterio.transform import from_origin
    >>> from shapely.geometry import box
    >>> from siting.scenario import Scenario
    >>> path = getfixture("tmp_path") / "pop.tif"
    >>> with rasterio.open(path, "w", driver="GTiff", width=2, height=1, count=1,
    ...                    dtype="float32", crs="EPSG:4544",
    ...                    transform=from_origin(0, 100, 100, 100)) as dst:
    ...     dst.write(np.array([[1000.0, 3000.0]], dtype="float32"), 1)
    >>> areas = gpd.GeoDataFrame(
    ...     {"status": ["old", "new"], "dwellings": [np.nan, 1000.0],
    ...      "migrant_share": [0.1, np.nan]},
    ...     geometry=[box(0, 0, 100, 100), box(100, 0, 200, 100)],
    ...     index=pd.Index(["A1", "A2"], name="area_id"), crs="EPSG:4544")
    >>> table = area_demand(areas, path, scenario=Scenario())
    >>> table[["population", "planned_population", "required_slots", "migrant_slots"]]
             population  planned_population  required_slots  migrant_slots
    area_id
    A1           1000.0              1000.0             8.0            1.0
    A2           3000.0              2360.0            24.0            0.0
    """
    settings, ratios = scenario.demand, scenario.ratios
    pop = zonal_sums(areas, population).astype(float)
    status = areas["status"].astype(str)
    dwellings = pd.to_numeric(areas.get("dwellings"), errors="coerce")
    if dwellings is None:
        dwellings = pd.Series(np.nan, index=areas.index)
    planned = pop.where(status != "new", dwellings.fillna(0.0) * settings.persons_per_household)
    ratio = status.map({"new": ratios.new, "old": ratios.old, "rural": ratios.rural}).astype(float)
    if migrant_population is not None:
        migrants = zonal_sums(areas, migrant_population).astype(float)
    else:
        share = pd.to_numeric(areas.get("migrant_share"), errors="coerce")
        migrants = (pop * (share if share is not None else 0.0)).fillna(0.0)
    under3 = 3.0 * settings.birth_rate_per_1000 / 1000.0
    table = pd.DataFrame(
        {
            "status": status,
            "population": pop,
            "planned_population": planned,
            "ratio": ratio,
            "required_slots": _slots(ratio, planned, round_up=settings.round_up),
            "migrant_population": migrants,
            "migrant_slots": _slots(ratios.migrant, migrants, round_up=settings.round_up),
            "demand_estimate_slots": (planned + migrants) * under3 * settings.takeup,
            "required_rounded": settings.round_up,
        },
        index=areas.index,
    )
    return table


def workplace_demand(workplaces: gpd.GeoDataFrame, *, scenario: Scenario) -> pd.DataFrame:
    """Migrant demand at workplaces (R4).

    Parameters
    ----------
    workplaces
        Indexed by ``workplace_id`` with ``migrant_workers``.
    scenario
        Ratios and demand settings.

    Returns
    -------
    pandas.DataFrame
        ``migrant_population`` and ``migrant_slots`` per workplace.
    """
    workers = pd.to_numeric(workplaces["migrant_workers"], errors="coerce").fillna(0.0)
    people = workers * scenario.demand.migrant_persons_per_worker
    return pd.DataFrame(
        {
            "migrant_population": people,
            "migrant_slots": _slots(
                scenario.ratios.migrant, people, round_up=scenario.demand.round_up
            ),
        },
        index=workplaces.index,
    )


def demand_items(areas: pd.DataFrame, workplaces: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per thing the model must serve.

    Parameters
    ----------
    areas
        :func:`area_demand` output.
    workplaces
        :func:`workplace_demand` output, if any.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``demand_id``: ``A1`` for an area's residents, ``A1/migrant``
        for its migrants, ``W1/migrant`` for a workplace's; columns ``required``,
        ``area_id`` (``None`` for a workplace), ``workplace_id``, ``kind``, ``status``.
    """
    resident = pd.DataFrame(
        {
            "required": areas["required_slots"].to_numpy(),
            "area_id": areas.index.astype(str),
            "workplace_id": None,
            "kind": "resident",
            "status": areas["status"].to_numpy(),
        },
        index=areas.index.astype(str),
    )
    has_migrants = areas["migrant_slots"] > 0
    migrant = pd.DataFrame(
        {
            "required": areas.loc[has_migrants, "migrant_slots"].to_numpy(),
            "area_id": areas.index[has_migrants].astype(str),
            "workplace_id": None,
            "kind": "migrant",
            "status": areas.loc[has_migrants, "status"].to_numpy(),
        },
        index=areas.index[has_migrants].astype(str) + "/migrant",
    )
    parts = [resident, migrant]
    if workplaces is not None and len(workplaces):
        keep = workplaces["migrant_slots"] > 0
        parts.append(
            pd.DataFrame(
                {
                    "required": workplaces.loc[keep, "migrant_slots"].to_numpy(),
                    "area_id": None,
                    "workplace_id": workplaces.index[keep].astype(str),
                    "kind": "migrant",
                    "status": "workplace",
                },
                index=workplaces.index[keep].astype(str) + "/migrant",
            )
        )
    items = pd.concat([p for p in parts if len(p)])
    items.index.name = "demand_id"
    return items


def district_demand(areas: pd.DataFrame, district_of: pd.Series) -> pd.DataFrame:
    """Demand summed by district.

    Parameters
    ----------
    areas
        :func:`area_demand` output.
    district_of
        The district id of each area (indexed like ``areas``).

    Returns
    -------
    pandas.DataFrame
        Per district: ``population``, ``planned_population``, ``required_slots``,
        ``migrant_population``, ``migrant_slots``, ``demand_estimate_slots``,
        ``areas`` (count).
    """
    table = areas.assign(district_id=district_of.reindex(areas.index).fillna("(none)"))
    out = table.groupby("district_id").agg(
        population=("population", "sum"),
        planned_population=("planned_population", "sum"),
        required_slots=("required_slots", "sum"),
        migrant_population=("migrant_population", "sum"),
        migrant_slots=("migrant_slots", "sum"),
        demand_estimate_slots=("demand_estimate_slots", "sum"),
        areas=("status", "size"),
    )
    return out
