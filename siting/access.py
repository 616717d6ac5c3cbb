"""Who may be served where: the demand–site pairs within the service distance.

Walking distances come from :func:`siting.network.distance_table` (the
street network, or the straight line × a detour factor without one). The
rules then decide which pairs the model may use:

* residents and migrants of an **old** area: sites within ``radii.urban_m``
  (300 m, the 5-minute life circle);
* of a **rural** area: within ``radii.rural_m`` (R3);
* of a **new** area (R1): only its own co-located site and sites "beside" the
  development, within ``radii.new_beside_m`` of its boundary, unless
  ``policy.new_areas_colocated_only`` is off (then as an old area);
* migrants at a **workplace** (R4): sites within ``radii.workplace_m`` of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from siting._said import Said
from siting._text import first_few
from siting.candidates import NEW_PREFIX
from siting.leasing import LEASE_PREFIX
from siting.network import distance_table
from siting.scenario import Scenario

__all__ = ["Access", "service_pairs", "too_large_to_walk"]


@dataclass(frozen=True)
class Access:
    """The pairs and how they were measured.

    Attributes
    ----------
    pairs
        ``demand_id``, ``site_id``, ``distance_m``.
    nearest
        Per area, the walking distance to its nearest site of any kind
        (``NaN`` when none is within the largest radius).
    method
        ``"network"`` or ``"straight_line"``.
    info
        Counts for ``run.json``: pairs the street network excludes that the
        straight line would have allowed, and so on.
    table
        Every area × site walk up to the largest radius (``area_id``,
        ``site_id``, ``distance_m``), before the rules are applied; an area's own
        leased unit at the walk inside the area where the streets' walk is past its
        radius and that is within it (:func:`_with_own_units`).
    """

    pairs: pd.DataFrame
    nearest: pd.Series
    method: str
    info: dict[str, Any] = field(default_factory=dict)
    table: pd.DataFrame = field(default_factory=pd.DataFrame)

    def without_sites(self, site_ids: pd.Index) -> Access:
        """The same pairs and walks, less those of ``site_ids`` (an area's nearest site
        measured among the others)."""
        if not len(site_ids):
            return self
        table = self.table[~self.table["site_id"].isin(site_ids)]
        nearest = table.groupby("area_id")["distance_m"].min().reindex(self.nearest.index)
        return replace(
            self,
            pairs=self.pairs[~self.pairs["site_id"].isin(site_ids)].reset_index(drop=True),
            nearest=nearest,
            table=table.reset_index(drop=True),
        )


def service_pairs(
    items: pd.DataFrame,
    *,
    area_points: gpd.GeoDataFrame,
    areas: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    workplaces: gpd.GeoDataFrame | None,
    graph: nx.MultiDiGraph | Any | None,
    scenario: Scenario,
) -> Access:
    """Build the sparse demand × site table the model may use.

    Parameters
    ----------
    items
        :func:`siting.demand.demand_items` output.
    area_points
        Each area's population point(s) (:func:`siting.network.area_points`).
    areas
        Area polygons indexed by ``area_id`` (with ``status``).
    sites
        :func:`siting.candidates.sites_from_inputs` output.
    workplaces
        Workplaces indexed by ``workplace_id``, if any.
    graph
        Street graph or ``None`` for straight line × detour factor.
    scenario
        Radii and policy.

    Returns
    -------
    Access
        The pairs and how they were measured.
    """
    radii = scenario.radii
    limit = max(radii.urban_m, radii.rural_m, radii.new_beside_m + 1.0, radii.workplace_m)
    site_points = gpd.GeoDataFrame(
        {"site_id": sites.index.astype(str)}, geometry=sites.geometry.to_numpy(), crs=sites.crs
    )
    table = distance_table(
        area_points,
        site_points,
        graph=graph,
        max_distance_m=limit,
        origin_id="area_id",
        site_id="site_id",
        detour_factor=scenario.network.detour_factor,
        aggregate="share_weighted",
    )
    table = table.rename(columns={"origin_id": "area_id"})
    method = str(table.attrs.get("method", "straight_line"))
    status = areas["status"].astype(str)
    radius = status.map({"old": radii.urban_m, "rural": radii.rural_m, "new": radii.urban_m})
    table = _with_own_units(table, area_points, sites, radius)
    table["status"] = table["area_id"].map(status)
    table["radius"] = table["area_id"].map(radius)
    nearest = table.groupby("area_id")["distance_m"].min().reindex(areas.index.astype(str))

    ordinary = table["distance_m"] <= table["radius"]
    if scenario.policy.new_areas_colocated_only:
        new_ids = areas.index[status == "new"].astype(str)
        own = table["site_id"] == NEW_PREFIX + table["area_id"]
        beside = _beside(areas.loc[status == "new"], sites, radii.new_beside_m)
        next_to = pd.MultiIndex.from_frame(table[["area_id", "site_id"]]).isin(beside)
        is_new = table["area_id"].isin(new_ids)
        keep = np.where(is_new, own | next_to, ordinary)
        # a new area's own site is always paired, even when the snap makes the walk long
        missing_own = pd.DataFrame({"area_id": new_ids, "site_id": NEW_PREFIX + new_ids})
        have = pd.MultiIndex.from_frame(table.loc[own, ["area_id", "site_id"]])
        missing_own = missing_own[~pd.MultiIndex.from_frame(missing_own).isin(have)]
        area_pairs = pd.concat(
            [
                table.loc[keep, ["area_id", "site_id", "distance_m"]],
                missing_own.assign(distance_m=0.0),
            ],
            ignore_index=True,
        )
    else:
        area_pairs = table.loc[ordinary, ["area_id", "site_id", "distance_m"]]

    per_area = items.loc[items["area_id"].notna(), ["area_id"]].reset_index()
    pairs = per_area.merge(area_pairs, on="area_id")[["demand_id", "site_id", "distance_m"]]

    info: dict[str, Any] = {
        "method": method,
        "max_distance_m": limit,
        "detour_factor": scenario.network.detour_factor if method == "straight_line" else None,
        "pairs_within_straight_line": int(table.attrs.get("pairs_within_straight_line", 0)),
        "excluded_by_network": int(table.attrs.get("excluded_by_network", 0)),
        "excluded_by_detour": int(table.attrs.get("excluded_by_detour", 0)),
    }
    work_items = items.loc[items["workplace_id"].notna()]
    if workplaces is not None and len(work_items):
        wp = workplaces.loc[work_items["workplace_id"].to_numpy()]
        origins = gpd.GeoDataFrame(
            {"workplace_id": wp.index.astype(str)},
            geometry=wp.geometry.representative_point().to_numpy(),
            crs=wp.crs,
        )
        work = distance_table(
            origins,
            site_points,
            graph=graph,
            max_distance_m=max(radii.workplace_m, 1.0),
            origin_id="workplace_id",
            site_id="site_id",
            detour_factor=scenario.network.detour_factor,
        ).rename(columns={"origin_id": "workplace_id"})
        work = work.merge(
            work_items.reset_index()[["demand_id", "workplace_id"]], on="workplace_id"
        )[["demand_id", "site_id", "distance_m"]]
        pairs = pd.concat([pairs, work], ignore_index=True)
    pairs = pairs.drop_duplicates(["demand_id", "site_id"]).reset_index(drop=True)
    return Access(
        pairs=pairs,
        nearest=nearest,
        method=method,
        info=info,
        table=table[["area_id", "site_id", "distance_m"]],
    )


def _with_own_units(
    table: pd.DataFrame, area_points: gpd.GeoDataFrame, sites: gpd.GeoDataFrame, radius: pd.Series
) -> pd.DataFrame:
    """``table`` with each area's own leased unit (``lease/<area_id>``,
    :mod:`siting.leasing`) at the walk inside the area: the share-weighted straight line
    from its people's points to the unit, where that is within the area's radius and the
    streets' walk is not.

    The unit stands in the 小区, at its people; its residents reach it inside the 小区,
    not along the streets. Before, both points' snaps to the nearest street were walked
    (a 小区 whose people live 173 m from a mapped street was 346 m from its own unit, past
    the 300 m radius), and the area was "no site within walking distance" beside its own
    unit, left unused.
    """
    if "source" not in sites.columns:
        return table
    units = sites.geometry[(sites["source"] == "leased").to_numpy()]
    units.index = units.index.astype(str)
    own = LEASE_PREFIX + area_points["area_id"].astype(str)
    held = own.isin(units.index)
    if not held.any():
        return table
    points, own = area_points[held], own[held]
    gap = points.geometry.distance(units.loc[own].set_axis(points.index), align=False)
    share = points["share"].astype(float)
    by = [points["area_id"].astype(str), own]
    inside = (gap * share).groupby(by).sum() / share.groupby(by).sum().where(lambda w: w > 0, 1.0)
    inside.index.names = ["area_id", "site_id"]
    walked = table.set_index(["area_id", "site_id"])["distance_m"].reindex(inside.index)
    limit = radius.set_axis(radius.index.astype(str)).reindex(inside.index.get_level_values(0))
    better = (inside.to_numpy() <= limit.to_numpy()) & ~(walked.to_numpy() <= limit.to_numpy())
    if not better.any():
        return table
    rows = inside[better].rename("distance_m").reset_index()
    keep = ~pd.MultiIndex.from_frame(table[["area_id", "site_id"]]).isin(inside.index[better])
    return pd.concat([table[keep], rows], ignore_index=True)


def _beside(new_areas: gpd.GeoDataFrame, sites: gpd.GeoDataFrame, distance_m: float) -> pd.Index:
    """(area_id, site_id) pairs of sites within ``distance_m`` of a new area's polygon."""
    if new_areas.empty:
        return pd.MultiIndex.from_arrays([[], []], names=["area_id", "site_id"])
    site_idx, area_idx = new_areas.sindex.query(
        sites.geometry, predicate="dwithin", distance=distance_m
    )
    return pd.MultiIndex.from_arrays(
        [new_areas.index.astype(str)[area_idx], sites.index.astype(str)[site_idx]],
        names=["area_id", "site_id"],
    )


WALKABLE_WIDTH_RADII = 3.0
"""An area wider than this many walking radii (a disc of 1.5 radii's radius) is out of
every site's reach: its people's mean walk to a site at its very centre is 2/3 of its
half-width, more than the radius."""


def too_large_to_walk(
    areas: gpd.GeoDataFrame, items: pd.DataFrame, pairs: pd.DataFrame, *, scenario: Scenario
) -> list[Said]:
    """The areas no site reaches because they are too large to cross on foot.

    An area's walk to a site is its people's mean walk (several population points for
    one over 25 ha), so a whole municipality given as one residential area (Naples, 119
    km² of it, with 237 candidate parcels inside it) is reached by none of them: 0
    slots planned for 7,553 required, said only as "no site within walking distance".

    Parameters
    ----------
    areas
        The areas in the working CRS (metres), indexed by ``area_id``, with ``status``.
    items
        :func:`siting.demand.demand_items`: ``area_id`` and ``required`` by ``demand_id``.
    pairs
        The demand–site pairs the rules allow (:attr:`Access.pairs`).
    scenario
        Its radii.

    Returns
    -------
    list of Said
        One finding (code ``areas_too_large_to_walk``) naming the old and rural areas with
        required slots that no site reaches and whose land exceeds a disc of 1.5 walking
        radii, with their km²; none when there are none.
    """
    radii = scenario.radii
    status = areas["status"].astype(str).set_axis(areas.index.astype(str))
    radius = status.map({"old": radii.urban_m, "rural": radii.rural_m}).dropna()
    unreached = items.loc[
        items["area_id"].notna()
        & (items["required"] > 0)
        & ~items.index.isin(pairs["demand_id"].to_numpy())
    ]
    ids = pd.Index(unreached["area_id"].astype(str).unique()).intersection(radius.index)
    land = areas.geometry.area.set_axis(areas.index.astype(str))[ids]
    widest = np.pi * (WALKABLE_WIDTH_RADII / 2.0 * radius[ids]) ** 2
    large = land[land > widest].sort_values(ascending=False)
    if large.empty:
        return []
    named = [f"{a} {km2:,.1f} km²" for a, km2 in (large / 1e6).items()]
    r = float(radius[large.index[0]])
    radii_m = sorted(set(radius[large.index].astype(float)))
    both = len(radii_m) > 1  # old (300 m) and rural (1,000 m) areas
    if both:
        named = [f"{n}, {radius[a]:,.0f} m" for n, a in zip(named, large.index, strict=True)]
    grid = " or ".join(f"{2 * x:,.0f} m" for x in radii_m)  # about twice each radius
    one = len(large) == 1
    return [
        Said(
            f"{len(large)} residential {'area' if one else 'areas'} that no site reaches "
            f"{'is' if one else 'are'} too large to walk across ({first_few(named, limit=5)}): "
            "an area's walk to a site is its people's mean walk, which no site brings within "
            f"{'its walking radius' if both else f'the {r:,.0f} m radius'} once the area is "
            f"wider than about {WALKABLE_WIDTH_RADII:g} radii; split them into "
            "neighbourhoods (a residential land-use layer, street blocks of an OSM extract "
            f'with areas_from = ["blocks"], or a grid of cells about {grid} wide)',
            code="areas_too_large_to_walk",
            count=len(large),
            radius_m=r,
            ids=named[:8],
            **({"radii_m": radii_m} if both else {}),
        )
    ]
