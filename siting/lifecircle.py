r"""A plan's life circles: access scores, walking coverage and childcare deserts, before and after.

Every plan is measured twice on the same walks: **before** (the existing
facilities with their current slots) and **after** (the plan's facilities, new
and kept, with their planned slots). Nothing here changes the plan.

Walks
    From each area's population points (:func:`siting.network.area_points`,
    each with its ``share`` of the area's people) to every site, on the street
    network when the run has one (straight line × ``network.detour_factor``
    without), up to the largest life circle. The walks of the model
    (:attr:`siting.access.Access.table`) stop at the largest service radius
    (1,000 m by default) and average an area's points, so they are measured
    again here, point by point, up to the 15-minute walk (1,050 m at 70 m/min).
Life circles and bands
    ``accessibility.life_circle_minutes`` (5, 10, 15) times
    ``network.walking_speed_m_per_min`` (70) give walks of 350, 700 and 1,050 m.
    They are the coverage thresholds, and the edges of the E2SFCA bands, weighed
    ``accessibility.band_weights`` (1, 0.68, 0.22, Luo & Qi 2009): the planning
    standard's life circles (GB 50180-2018) in place of Luo & Qi's 10/20/30
    minutes of driving. The 5-minute circle at 70 m/min (350 m) is a little
    longer than the 300 m service radius of the model (5 minutes at 60 m/min).
Access score
    E2SFCA (:func:`siting.accessibility.enhanced_two_step_fca`) with the
    points as demand (the area's people × the point's share; people are the
    planned population plus migrants, the plan's own denominator) and slots as
    supply, times 1,000: **slots per 1,000 residents** within walking reach,
    shared with everyone else who can reach them. An area's score is the
    share-weighted mean of its points'; a district's and the city's are the
    people-weighted means of their areas', which equal their slots within reach
    per 1,000 people. With a children raster the same score per 1,000
    children under three is added (``access_children_*``).
Free slots
    A facility has free slots when at least one of its slots is left after
    the demand within reach is shared among the facilities it can reach, each
    in proportion to its slots times the band weight of the walk (the
    selection probability of Huff's model, as 3SFCA uses it, Wan et al. 2012):

    .. math:: L_j = \sum_i R_i \frac{W(d_{ij}) S_j}{\sum_k W(d_{ik}) S_k},
              \qquad \text{free}_j \iff S_j - L_j \ge 1

    with :math:`R_i` the required slots (residents and migrants) at point
    :math:`i`. The plan's own assignments are not used, so before and after are
    measured by one rule.
Coverage
    The share of residents (planned population) and, separately, of migrants
    within each life circle of a facility with free slots (``walk_free_*``),
    and of any facility (``walk_any_*``). Within an area migrants are taken to
    live where its residents do, so an area's two shares are equal; they differ
    for districts and the city. Migrant demand at workplaces is not counted.
Deserts
    An area with people whose access score is below
    ``accessibility.desert_per_1000`` (default: half the area's own target
    ratio) is a childcare desert.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from siting._values import mistyped_ids_problem
from siting.accessibility import band_weights, enhanced_two_step_fca
from siting.errors import InputError
from siting.network import distance_table
from siting.scenario import Scenario

__all__ = [
    "WHEN",
    "LifeCircles",
    "coverage",
    "facility_load",
    "life_circle_walks",
    "measure_life_circles",
    "merge_life_circles",
    "plan_life_circles",
    "point_shares",
    "summarise_life_circles",
    "walking_bands",
]

WHEN = ("before", "after")
"""The two states every indicator is measured in."""


@dataclass(frozen=True)
class LifeCircles:
    """The indicators of one plan, before and after.

    Attributes
    ----------
    areas
        Indexed by ``area_id``: ``access_{when}_per_1000``, (with children)
        ``access_children_{when}_per_1000``, ``walk_free_{m}min_{when}``,
        ``walk_any_{m}min_{when}`` (shares 0–1), ``desert_{when}`` and
        ``desert_threshold_per_1000``.
    districts
        Indexed by ``district_id``: the same scores and resident shares, the
        migrants' shares (``migrant_walk_*``), ``desert_areas_{when}`` and
        ``desert_population_{when}``.
    run
        For ``run.json``: the settings, the rules, and ``before`` and ``after``
        totals for the whole plan under the districts' column names.
    """

    areas: pd.DataFrame
    districts: pd.DataFrame
    run: dict[str, Any] = field(default_factory=dict)


def walking_bands(scenario: Scenario) -> tuple[tuple[float, float], ...]:
    """The E2SFCA bands in metres: each life circle's walk and its weight.

    Parameters
    ----------
    scenario
        ``accessibility`` and ``network.walking_speed_m_per_min``.

    Returns
    -------
    tuple of (float, float)
        ``(metres, weight)`` per life circle.

    Examples
    --------
    >>> walking_bands(Scenario())
    ((350.0, 1.0), (700.0, 0.68), (1050.0, 0.22))
    """
    speed = scenario.network.walking_speed_m_per_min
    acc = scenario.accessibility
    return tuple(
        (float(m) * speed, float(w))
        for m, w in zip(acc.life_circle_minutes, acc.band_weights, strict=True)
    )


def _minutes(value: float) -> str:
    return f"{value:g}min"


def life_circle_walks(
    points: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    *,
    graph: nx.MultiDiGraph | Any | None,
    max_distance_m: float,
    detour_factor: float,
) -> pd.DataFrame:
    """Walks from every area point to every site within ``max_distance_m``.

    Parameters
    ----------
    points
        ``area_id``, ``point_id``, ``share`` and point geometry
        (:func:`siting.network.area_points`).
    sites
        Indexed by ``site_id``, points or polygons.
    graph
        The street graph, or ``None`` for straight line × ``detour_factor``.
    max_distance_m
        The longest walk kept (the largest life circle).
    detour_factor
        Straight line × this without a graph.

    Returns
    -------
    pandas.DataFrame
        ``area_id``, ``point_id``, ``share``, ``site_id``, ``distance_m``; its
        ``attrs["method"]`` is ``"network"`` or ``"straight_line"``.
    """
    site_points = gpd.GeoDataFrame(
        {"site_id": sites.index.astype(str)}, geometry=sites.geometry.to_numpy(), crs=sites.crs
    )
    origins = points[["area_id", "point_id", "share", "geometry"]].copy()
    origins["area_id"] = origins["area_id"].astype(str)
    table = distance_table(
        origins,
        site_points,
        graph=graph,
        max_distance_m=max_distance_m,
        origin_id="area_id",
        site_id="site_id",
        detour_factor=detour_factor,
    )
    out = table[["area_id", "point_id", "share", "site_id", "distance_m"]].copy()
    out.attrs = {"method": str(table.attrs.get("method", "straight_line"))}
    return out


def coverage(
    walks: pd.DataFrame, *, sites: Iterable[str], limits_m: Sequence[float], points: pd.Index
) -> pd.DataFrame:
    """Whether each point has one of ``sites`` within each walking limit.

    Parameters
    ----------
    walks
        ``point_id``, ``site_id``, ``distance_m``.
    sites
        The sites that count.
    limits_m
        Walking limits in metres (a walk of exactly the limit is within).
    points
        Every point id (points with no walk are not covered).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``points``, one boolean column per limit.

    Examples
    --------
    >>> import pandas as pd
    >>> walks = pd.DataFrame({"point_id": ["p", "p", "q"], "site_id": ["F", "G", "G"],
    ...                       "distance_m": [400.0, 700.0, 100.0]})
    >>> coverage(walks, sites=["F"], limits_m=[350, 700], points=pd.Index(["p", "q", "r"]))
         350    700
    p  False   True
    q  False  False
    r  False  False
    """
    wanted = walks[walks["site_id"].isin(list(sites))]
    if wanted.empty:
        _same_ids(walks["site_id"], pd.Index(list(sites)), "sites", "site_id")
    nearest = wanted.groupby("point_id")["distance_m"].min().reindex(points)
    nearest = nearest.fillna(np.inf)
    return pd.DataFrame(
        {f"{limit:g}": (nearest <= limit).to_numpy() for limit in limits_m}, index=points
    )


def facility_load(
    walks: pd.DataFrame,
    required: pd.Series,
    supply: pd.Series,
    *,
    bands: Sequence[tuple[float, float]],
) -> pd.Series:
    """The required slots each facility carries when demand picks in proportion to slots × weight.

    Parameters
    ----------
    walks
        ``point_id``, ``site_id``, ``distance_m``.
    required
        Required slots by point id.
    supply
        Slots by site id (sites absent or without slots draw nobody).
    bands
        ``(metres, weight)`` step weights (:func:`walking_bands`).

    Returns
    -------
    pandas.Series
        The load by site id of ``supply``.

    Examples
    --------
    Point p (10 slots needed) reaches F (30 slots) at weight 1 and G (10 slots)
    at weight 0.5: F draws 10 × 30 / (30 + 5) and G 10 × 5 / 35.

    >>> import pandas as pd
    >>> walks = pd.DataFrame({"point_id": ["p", "p"], "site_id": ["F", "G"],
    ...                       "distance_m": [100.0, 600.0]})
    >>> facility_load(walks, pd.Series({"p": 10.0}), pd.Series({"F": 30.0, "G": 10.0}),
    ...               bands=((350.0, 1.0), (700.0, 0.5))).round(4).tolist()
    [8.5714, 1.4286]
    """
    slots_of = walks["site_id"].map(supply)
    if slots_of.isna().all():
        _same_ids(walks["site_id"], supply.index, "supply", "site_id")
    slots = slots_of.fillna(0.0).to_numpy(dtype=float)
    attraction = band_weights(walks["distance_m"].to_numpy(dtype=float), bands) * slots
    total = pd.Series(attraction).groupby(walks["point_id"].to_numpy()).transform("sum")
    denominator = total.to_numpy(dtype=float)
    share = np.divide(attraction, denominator, out=np.zeros_like(attraction), where=denominator > 0)
    need_of = walks["point_id"].map(required)
    if need_of.isna().all():
        _same_ids(walks["point_id"], required.index, "required", "point_id")
    need = need_of.fillna(0.0).to_numpy(dtype=float)
    load = pd.Series(need * share).groupby(walks["site_id"].to_numpy()).sum()
    return load.reindex(supply.index, fill_value=0.0).astype(float)


def _same_ids(walked: pd.Series, given: pd.Index, name: str, column: str) -> None:
    """Refuse ``given`` ids that ``walks[column]`` holds only as another type (called when
    none matched): an analyst's own walks with int64 site ids and supply by the text
    "1001" matched no walk, and every point was uncovered and every facility unloaded,
    without a word."""
    found = pd.Index(walked.unique())
    missing = given.difference(found)
    if not len(missing):
        return
    mistyped = mistyped_ids_problem(
        given, found, missing, name, as_list=True, against=f"walks' {column}"
    )
    if mistyped is not None:
        fix = f"give {name} and walks[{column!r}] the same type of ids (both text, as siting's)"
        raise InputError([replace(mistyped, column=column, fix=fix)])


def _weighted_mean(values: pd.Series, weights: pd.Series, groups: pd.Series | None) -> Any:
    product = values * weights
    if groups is None:
        total = float(weights.sum())
        return float(product.sum()) / total if total > 0 else None
    top = product.groupby(groups).sum()
    bottom = weights.groupby(groups).sum()
    return top / bottom.where(bottom > 0)


def point_shares(points: gpd.GeoDataFrame, area_ids: pd.Index) -> pd.DataFrame:
    """The population points of ``area_ids``: ``area_id`` and ``share``, indexed by ``point_id``.

    Parameters
    ----------
    points
        :func:`siting.network.area_points` output.
    area_ids
        The areas measured (points of other areas are left out).

    Returns
    -------
    pandas.DataFrame
        ``area_id`` (str) and ``share``, indexed by ``point_id`` (str).
    """
    pts = pd.DataFrame(
        {"area_id": points["area_id"].astype(str).to_numpy(), "share": points["share"]},
    ).set_axis(pd.Index(points["point_id"].astype(str), name="point_id"))
    return pts[pts["area_id"].isin(area_ids.astype(str))]


def measure_life_circles(
    walks: pd.DataFrame,
    points: pd.DataFrame,
    areas: pd.DataFrame,
    supply: dict[str, pd.Series],
    *,
    scenario: Scenario,
) -> tuple[pd.DataFrame, dict[str, pd.Index]]:
    """Every area's indicators, before and after, on walks already measured.

    Parameters
    ----------
    walks
        ``point_id``, ``site_id``, ``distance_m`` (:func:`life_circle_walks`); walks to
        sites without supply are ignored.
    points
        :func:`point_shares` of the areas.
    areas
        Indexed by ``area_id`` (str), as for :func:`plan_life_circles`.
    supply
        Slots by site id (str) for ``"before"`` and ``"after"``, each above 0.
    scenario
        ``accessibility`` and ``network``.

    Returns
    -------
    pandas.DataFrame
        The area columns of :attr:`LifeCircles.areas`, indexed by ``area_id``.
    dict
        The sites with free slots, before and after.
    """
    bands = walking_bands(scenario)
    limits = [m for m, _ in bands]
    minutes = list(scenario.accessibility.life_circle_minutes)
    area_ids = areas.index
    people = areas["planned_population"].astype(float) + areas["migrant_population"].astype(float)
    point_of = points["area_id"]
    cost = walks.set_index(["point_id", "site_id"])["distance_m"]
    cost = cost[cost.index.get_level_values(0).isin(points.index)]

    def at_points(per_area: pd.Series) -> pd.Series:
        return per_area.reindex(point_of.to_numpy()).to_numpy() * points["share"]

    def per_area(per_point: pd.Series) -> pd.Series:
        return (per_point * points["share"]).groupby(point_of).sum().reindex(area_ids, fill_value=0)

    out = pd.DataFrame(index=area_ids)
    demands = {"access": people}
    if "children_under3" in areas.columns:
        demands["access_children"] = areas["children_under3"].astype(float).fillna(0.0)
    required = at_points(areas["required_slots"].astype(float))
    free: dict[str, pd.Index] = {}
    for when in WHEN:
        s = supply[when]
        for name, demand in demands.items():
            score = enhanced_two_step_fca(
                cost[cost.index.get_level_values(1).isin(s.index)],
                at_points(demand),
                s,
                bands=bands,
            )
            out[f"{name}_{when}_per_1000"] = (per_area(score) * 1000.0).round(3)
        load = facility_load(walks, required, s, bands=bands)
        free[when] = s.index[(s - load) >= 1.0 - 1e-9]
        for kind, chosen in (("free", free[when]), ("any", s.index)):
            covered = coverage(walks, sites=chosen, limits_m=limits, points=points.index)
            for m, limit in zip(minutes, limits, strict=True):
                share = per_area(covered[f"{limit:g}"].astype(float))
                out[f"walk_{kind}_{_minutes(m)}_{when}"] = share.round(4)
    threshold = scenario.accessibility.desert_per_1000
    out["desert_threshold_per_1000"] = (
        float(threshold) if threshold is not None else areas["target_per_1000"].astype(float) / 2.0
    )
    for when in WHEN:
        below = out[f"access_{when}_per_1000"] < out["desert_threshold_per_1000"] - 1e-9
        out[f"desert_{when}"] = below & (people > 0)
    out.index.name = "area_id"
    return out, free


def plan_life_circles(
    *,
    areas: pd.DataFrame,
    facilities: pd.DataFrame,
    sites: gpd.GeoDataFrame,
    points: gpd.GeoDataFrame,
    graph: nx.MultiDiGraph | Any | None,
    scenario: Scenario,
) -> LifeCircles:
    """Access scores, life-circle coverage and deserts of a plan, before and after.

    Parameters
    ----------
    areas
        The plan's areas (:attr:`siting.plan.Plan.areas`): ``district_id``,
        ``planned_population``, ``migrant_population``, ``required_slots``,
        ``target_per_1000`` and, with a children raster, ``children_under3``.
    facilities
        The plan's facilities, indexed by ``site_id``, with ``slots``.
    sites
        Every site of the run (:func:`siting.candidates.sites_from_inputs`):
        ``existing`` and ``existing_slots`` give the state before.
    points
        The areas' population points (:func:`siting.network.area_points`).
    graph
        The street graph of the run, or ``None``.
    scenario
        ``accessibility``, ``network`` and the ratios.

    Returns
    -------
    LifeCircles
        Per area, per district and for ``run.json``.
    """
    bands = walking_bands(scenario)
    minutes = list(scenario.accessibility.life_circle_minutes)
    existing = sites["existing"].astype(bool)
    supply = {
        "before": sites.loc[existing, "existing_slots"].astype(float),
        "after": facilities["slots"].astype(float),
    }
    for when in WHEN:
        supply[when].index = supply[when].index.astype(str)
        supply[when] = supply[when][supply[when] > 0]
    measured = sorted(set(supply["before"].index) | set(supply["after"].index))
    site_frame = sites.set_axis(sites.index.astype(str))
    walks = life_circle_walks(
        points,
        site_frame.loc[measured],
        graph=graph,
        max_distance_m=bands[-1][0],
        detour_factor=scenario.network.detour_factor,
    )
    area_ids = areas.index.astype(str)
    frame = areas.set_axis(area_ids)
    out, free = measure_life_circles(
        walks, point_shares(points, area_ids), frame, supply, scenario=scenario
    )
    free_count = {when: len(free[when]) for when in WHEN}
    threshold = scenario.accessibility.desert_per_1000
    residents = frame["planned_population"].astype(float)
    migrants = frame["migrant_population"].astype(float)
    people = residents + migrants
    district = frame["district_id"].fillna("(none)").astype(str)
    districts, totals = _summaries(out, district, people, residents, migrants, frame, minutes)
    run: dict[str, Any] = {
        "method": "E2SFCA (Luo & Qi 2009) on walks from the areas' population points",
        "distance_method": walks.attrs.get("method"),
        "walking_speed_m_per_min": scenario.network.walking_speed_m_per_min,
        "life_circle_minutes": minutes,
        "bands_m": [[m, w] for m, w in bands],
        "desert_per_1000": threshold if threshold is not None else "half the target ratio",
        "free_slots_rule": (
            "a facility has free slots when at least one slot is left after the required "
            "slots within reach pick facilities in proportion to slots x band weight"
        ),
        "facilities": {when: len(supply[when]) for when in WHEN},
        "facilities_with_free_slots": free_count,
        "walk_pairs": len(walks),
        **totals,
    }
    return LifeCircles(areas=out, districts=districts, run=run)


def _summaries(
    out: pd.DataFrame,
    district: pd.Series,
    people: pd.Series,
    residents: pd.Series,
    migrants: pd.Series,
    frame: pd.DataFrame,
    minutes: Sequence[float],
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The districts' table and the whole plan's totals, under the same names."""
    districts = pd.DataFrame(index=pd.Index(sorted(set(district)), name="district_id"))
    totals: dict[str, dict[str, Any]] = {when: {} for when in WHEN}
    children = (
        frame["children_under3"].astype(float).fillna(0.0)
        if "children_under3" in frame.columns
        else None
    )
    for when in WHEN:
        columns: list[tuple[str, pd.Series, pd.Series]] = [
            ("access", out[f"access_{when}_per_1000"], people)
        ]
        if children is not None:
            columns.append(("access_children", out[f"access_children_{when}_per_1000"], children))
        for name, values, weights in columns:
            key = f"{name}_{when}_per_1000"
            districts[key] = _weighted_mean(values, weights, district).round(3)
            total = _weighted_mean(values, weights, None)
            totals[when][f"{name}_per_1000"] = round(total, 3) if total is not None else None
        for kind in ("free", "any"):
            for m in minutes:
                col = f"walk_{kind}_{_minutes(m)}_{when}"
                for prefix, weights in (("", residents), ("migrant_", migrants)):
                    districts[prefix + col] = _weighted_mean(out[col], weights, district).round(4)
                    total = _weighted_mean(out[col], weights, None)
                    totals[when][f"{prefix}walk_{kind}_{_minutes(m)}"] = (
                        round(total, 4) if total is not None else None
                    )
        desert = out[f"desert_{when}"]
        districts[f"desert_areas_{when}"] = desert.groupby(district).sum().astype(int)
        districts[f"desert_population_{when}"] = people.where(desert, 0.0).groupby(district).sum()
        totals[when]["desert_areas"] = int(desert.sum())
        totals[when]["desert_population"] = round(float(people[desert].sum()), 1)
    return districts, totals


def summarise_life_circles(
    areas: pd.DataFrame, minutes: Sequence[float]
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The districts' rows and the whole plan's totals, from the areas' indicators.

    Parameters
    ----------
    areas
        Areas with ``district_id``, ``planned_population``, ``migrant_population``
        (and ``children_under3``, if measured) and the indicator columns of
        :attr:`LifeCircles.areas`.
    minutes
        The life circles, in minutes.

    Returns
    -------
    pandas.DataFrame
        The district columns of :attr:`LifeCircles.districts`, by ``district_id``.
    dict
        The ``before`` and ``after`` totals of :attr:`LifeCircles.run`.
    """
    residents = areas["planned_population"].astype(float)
    migrants = areas["migrant_population"].astype(float)
    district = areas["district_id"].fillna("(none)").astype(str)
    return _summaries(
        areas, district, residents + migrants, residents, migrants, areas, list(minutes)
    )


def merge_life_circles(runs: Sequence[dict[str, Any]], areas: pd.DataFrame) -> dict[str, Any]:
    """The ``run.json`` record of plans made apart (county by county) and stacked.

    Parameters
    ----------
    runs
        Each plan's :attr:`LifeCircles.run`, made with the same scenario.
    areas
        The stacked areas of those plans, with their indicator columns.

    Returns
    -------
    dict
        The first record's settings, the counts summed, and the ``before`` and
        ``after`` totals computed again over every area.
    """
    merged = dict(runs[0])
    for key in ("facilities", "facilities_with_free_slots"):
        merged[key] = {when: sum(int(r[key][when]) for r in runs) for when in WHEN}
    merged["walk_pairs"] = sum(int(r["walk_pairs"]) for r in runs)
    _, totals = summarise_life_circles(areas, merged["life_circle_minutes"])
    merged.update(totals)
    return merged
