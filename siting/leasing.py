"""Leased units in residential areas: the candidates ``[candidates] lease_in_areas`` adds.

R2 lets old and existing residential areas reach 8 slots per 1,000 "by purchase, swap
or lease" (购置、置换、租赁): in practice by renting a unit in or beside the 小区 (社区用房,
a ground-floor 底商). A city that hands over no parcel inventory (an OpenStreetMap extract
alone) has no such unit among its candidates, and its old areas end the plan as "no site
within walking distance". With ``lease_in_areas`` on, siting offers each of them an
assumed unit, priced as rent of its floor plus fit-out, and says in a finding that the
units of the plan are still to be found.

The rule, in three steps (:func:`leased_units`, :func:`unreached_only`, :func:`leased_findings`):

* every residential area of ``lease_in_areas.status`` that holds people gets a candidate
  ``lease/<area_id>`` of kind ``leased_space`` and acquisition ``lease``, at its given
  point (a 小区 list's) or the point inside it where its people are (its demand point,
  of the largest share in a large area), with its district and
  ``lease_in_areas.floor_m2`` of floor; the hazard buffers exclude it as any parcel;
* real candidates come first (R6: idle land and public buildings): an area loses its
  unit, whatever either costs, when the candidate parcels (and new areas' own sites)
  within its radius could hold its requirement, each at its largest size; a unit kept
  competes with them on cost and may serve every area it reaches;
* the units the plan opens are named in the finding ``leased_units``, with the floor to
  find in each.

A unit is priced by :func:`siting.candidates.site_options`: the floor ``F`` of the size
chosen (no more than ``floor_m2``) × (its rent capitalised over ``costs.lease_years`` at
``costs.discount_rate`` + ``costs.fitout_per_m2``), plus the demonstration tier's extra.
A parcel's lease is priced by its land (its yard, at the capitalised land rent), never its
floor; a unit has no land of its own, and its outdoor play area is taken from the 小区's
shared open space, unpriced (the finding says how much to arrange).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from siting._said import Said
from siting._text import first_few
from siting.scenario import Scenario

__all__ = [
    "LEASED_KIND",
    "LEASE_PREFIX",
    "floor_rent_per_m2",
    "leased_findings",
    "leased_units",
    "unreached_only",
]

LEASE_PREFIX = "lease/"
"""Id prefix of an area's leased unit: ``lease/A012``."""
LEASED_KIND = "leased_space"
"""The ``kind`` of a leased unit (a parcels layer cannot give it)."""
SHORT_SLOTS = 0.5
"""An area short of more than this many slots is said as still short (half a slot: the
solver's rounding is far below it, a whole child is not)."""


def floor_rent_per_m2(scenario: Scenario) -> float:
    """The price of a m² of a leased unit's floor: its yearly rent, capitalised.

    ``candidates.lease_in_areas.rent_per_m2_year``, else ``costs.lease_rent_per_m2_year``,
    over ``costs.lease_years`` paid in advance and discounted at ``costs.discount_rate``
    (:meth:`siting.scenario.Costs.capitalised_rent`).

    Examples
    --------
    >>> from siting.scenario import CandidateSettings, LeaseInAreas, Scenario
    >>> round(floor_rent_per_m2(Scenario()), 1)
    1087.0
    >>> lease = LeaseInAreas(rent_per_m2_year=600.0)
    >>> round(floor_rent_per_m2(Scenario(candidates=CandidateSettings(lease))), 1)
    4348.1
    """
    lease = scenario.candidates.lease_in_areas
    rent = lease.rent_per_m2_year if lease is not None else None
    costs = scenario.costs
    return costs.capitalised_rent(costs.lease_rent_per_m2_year if rent is None else rent)


def leased_units(
    areas: gpd.GeoDataFrame,
    people: pd.Series,
    *,
    given_points: gpd.GeoSeries | None,
    demand_points: gpd.GeoDataFrame | None = None,
    scenario: Scenario,
) -> gpd.GeoDataFrame | None:
    """A leased unit in each residential area of the statuses asked for that holds people.

    Parameters
    ----------
    areas
        Residential areas indexed by ``area_id`` (``status``, ``name``, ``district_id``,
        ``subdistrict_id`` when given), in the working CRS.
    people
        Each area's residents, by ``area_id`` (:func:`siting.demand.area_demand`'s
        ``population``).
    given_points
        The areas' given points (a 小区 list's), by ``area_id``; ``None`` when every area
        is an outline.
    demand_points
        The areas' demand points (:func:`siting.network.area_points`: ``area_id``,
        ``share``, a point inside the area where its people are): an area given as an
        outline gets its unit at the point of its largest share, else (``None``, or an
        area without one) at a point inside it. The polygon's own point may lie 400 m
        from the people of a large area, beyond its radius.
    scenario
        Its ``candidates.lease_in_areas``.

    Returns
    -------
    geopandas.GeoDataFrame or None
        Rows as a parcels layer gives them, indexed by ``site_id`` (``lease/<area_id>``):
        ``name``, ``kind`` (``leased_space``), ``acquisition`` (``lease``),
        ``land_area_m2`` (none), ``floor_area_m2``, ``cost`` (none: priced by its floor),
        ``affordable``, ``district_id``, ``subdistrict_id``, ``area_id`` and a point;
        ``None`` when the option is off.
    """
    lease = scenario.candidates.lease_in_areas
    if lease is None:
        return None
    from siting.candidates import site_points

    held = people.reindex(areas.index).fillna(0.0) > 0
    chosen = areas[areas["status"].astype(str).isin(lease.status) & held.to_numpy()]
    points = site_points(chosen.geometry)
    if demand_points is not None and len(demand_points) and len(chosen):
        ranked = demand_points.sort_values(["area_id", "share"], ascending=[True, False])
        first = ranked.drop_duplicates("area_id").set_index("area_id").geometry
        at_people = first.reindex(chosen.index.astype(str)).set_axis(chosen.index)
        points = points.where(at_people.isna(), at_people)
    if given_points is not None and len(chosen):
        given = given_points.reindex(chosen.index)
        points = points.where(given.isna() | given.is_empty, given)

    def column(name: str) -> pd.Series:
        if name in chosen.columns:
            return chosen[name]
        return pd.Series(None, index=chosen.index, dtype=object)

    names = column("name").fillna(chosen.index.to_series()).astype(str)
    units = gpd.GeoDataFrame(
        {
            "name": (names + " 租赁社区用房").to_numpy(),
            "kind": LEASED_KIND,
            "acquisition": "lease",
            "land_area_m2": np.nan,
            "floor_area_m2": float(lease.floor_m2),
            "cost": np.nan,
            "affordable": True,
            "district_id": column("district_id").to_numpy(),
            "subdistrict_id": column("subdistrict_id").to_numpy(),
            "area_id": chosen.index.astype(str),
        },
        geometry=points.to_numpy(),
        crs=areas.crs,
        index=pd.Index(LEASE_PREFIX + chosen.index.astype(str), name="site_id"),
    )
    return units


def unreached_only(
    sites: pd.DataFrame, pairs: pd.DataFrame, items: pd.DataFrame, options: pd.DataFrame
) -> pd.Index:
    """The leased units to drop: those of areas the real candidates in reach can hold (R6).

    An area keeps its unit when the candidate parcels (and new areas' own sites) that
    reach it could not hold its requirement even if each took its largest size for it
    alone; then the unit competes with them on cost.

    Parameters
    ----------
    sites
        The model's sites (:func:`siting.candidates.sites_from_inputs`), ``source``
        ``"leased"`` for the units.
    pairs
        The demand–site pairs within each item's radius (``demand_id``, ``site_id``).
    items
        The demand items (``area_id`` and ``required`` by ``demand_id``).
    options
        Every new site's size options (:func:`siting.candidates.site_options`): a
        candidate that fits none of them holds nobody.

    Returns
    -------
    pandas.Index
        The ``site_id`` of each unit whose area the real candidates in reach can hold.

    Examples
    --------
    >>> import pandas as pd
    >>> sites = pd.DataFrame({"source": ["parcel", "leased", "leased"]},
    ...     index=["P1", "lease/A", "lease/B"])
    >>> items = pd.DataFrame({"area_id": ["A", "B"], "required": [12.8, 25.6]},
    ...     index=["A", "B"])
    >>> pairs = pd.DataFrame({"demand_id": ["A", "B", "A", "B"],
    ...     "site_id": ["P1", "P1", "lease/A", "lease/B"]})
    >>> options = pd.DataFrame({"site_id": ["P1"], "slots": [18]})
    >>> list(unreached_only(sites, pairs, items, options))
    ['lease/A']
    """
    leased = sites.index[sites["source"] == "leased"]
    largest = options.groupby("site_id")["slots"].max()
    real = sites.index[sites["source"].isin(["parcel", "colocated"])]
    reach = pairs[pairs["site_id"].isin(real.intersection(largest.index))]
    reach = reach.assign(area_id=items["area_id"].reindex(reach["demand_id"]).to_numpy())
    reach = reach.dropna(subset=["area_id"]).drop_duplicates(["area_id", "site_id"])
    held = reach["site_id"].map(largest).groupby(reach["area_id"].astype(str)).sum()
    need = items.dropna(subset=["area_id"]).groupby("area_id")["required"].sum()
    enough = held.index[held.to_numpy() >= need.reindex(held.index).fillna(0.0).to_numpy()]
    return leased[leased.isin(LEASE_PREFIX + pd.Index(enough))]


def leased_findings(
    facilities: pd.DataFrame, areas: pd.DataFrame, *, scenario: Scenario
) -> list[Said]:
    """A finding naming the plan's leased units: assumed units, still to be found.

    Parameters
    ----------
    facilities
        The plan's facilities, indexed by ``site_id`` (``kind``, ``slots``,
        ``floor_area_m2`` (the size's floor), ``cost``).
    areas
        The plan's areas, indexed by ``area_id`` (``shortfall_slots``).
    scenario
        Its facility settings (the outdoor play area per child) and currency.

    Returns
    -------
    list of Said
        One finding (code ``leased_units``) when the plan opens a leased unit; none
        otherwise. It counts the areas whose own unit is open and which are still short
        (the unit's ``floor_m2`` caps it).
    """
    units = facilities[facilities["kind"] == LEASED_KIND]
    if units.empty:
        return []
    floor = units["floor_area_m2"].astype(float)
    slots = units["slots"].astype(float)
    outdoor = slots * scenario.facility.outdoor_m2_per_slot
    each = [
        f"{sid.removeprefix(LEASE_PREFIX)} {f:,.0f} m²"
        for sid, f in zip(units.index.astype(str), floor, strict=True)
    ]
    own = units.index.astype(str).str.removeprefix(LEASE_PREFIX)
    short = areas["shortfall_slots"].reindex(own).fillna(0.0)
    short = short[short > SHORT_SLOTS]
    still = (
        f" {len(short):,} of these areas {'is' if len(short) == 1 else 'are'} still "
        f"{short.sum():,.0f} slots short, {'its' if len(short) == 1 else 'each'} unit at the "
        "largest size its floor holds: raise candidates.lease_in_areas.floor_m2 where a "
        "larger unit may be found, or give parcels there."
        if len(short)
        else ""
    )
    return [
        Said(
            f"{len(units):,} residential areas that the candidate parcels in reach cannot hold "
            "get a leased "
            f"unit ({first_few(each, limit=10)}): {floor.sum():,.0f} m² of floor in all for "
            f"{slots.sum():,.0f} slots, at {units['cost'].sum():,.0f} {scenario.currency} "
            "(rent over costs.lease_years and fit-out). These are assumed units, not "
            "surveyed premises: find in or beside each 小区 a unit of about that floor "
            "(社区用房, a ground-floor 底商; children's rooms on floor 3 or lower, JGJ 39) and "
            f"{outdoor.sum():,.0f} m² of outdoor play space in its shared open space, or "
            f"give the parcels of the units found.{still}",
            code="leased_units",
            count=len(units),
            ids=each[:10],
            floor_m2=round(float(floor.sum())),
            slots=round(float(slots.sum())),
            cost=round(float(units["cost"].sum())),
            outdoor_m2=round(float(outdoor.sum())),
            short_areas=len(short),
            short_slots=round(float(short.sum())),
        )
    ]
