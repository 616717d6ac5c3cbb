"""Cost matrices from GeoDataFrames, the thin adapter in front of :mod:`siting.locate`'s models."""

from __future__ import annotations

from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from siting._scale import MAX_SCALE_ERROR, degrees, local_zone, worst_scale
from siting.errors import InputError, Problem

__all__ = ["cost_from_geodataframes"]


def cost_from_geodataframes(
    demand: gpd.GeoDataFrame | gpd.GeoSeries,
    sites: gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    demand_id: str | None = None,
    site_id: str | None = None,
    metric: Literal["euclidean", "manhattan"] = "euclidean",
) -> pd.DataFrame:
    """Straight-line cost matrix between demand points and candidate sites.

    Polygons and lines are represented by a point guaranteed to lie on them
    (``representative_point``); points by themselves.

    Parameters
    ----------
    demand
        Demand features, in a projected CRS (metres) that measures them truly:
        within 1 % of their length where they lie, like a local UTM or
        Gauss–Krüger zone. Web Mercator (EPSG:3857) stretches distances by
        1/cos(latitude), 15 % at 30°N, and is refused, as is another place's
        zone.
    sites
        Candidate sites, in the same CRS.
    demand_id
        Column holding demand ids; ``None`` uses the index (a MultiIndex stays
        one). The ids must be unique: every model's result is keyed by them.
    site_id
        Column holding site ids; ``None`` uses the index.
    metric
        ``"euclidean"`` or ``"manhattan"`` distance in CRS units.

    Returns
    -------
    pandas.DataFrame
        Demand ids as index, site ids as columns, distances in CRS units.

    Raises
    ------
    InputError
        If a CRS is missing, geographic or stretches distances where the
        features lie, the CRSs differ, an id column is missing, ids repeat or
        geometries are empty.

    Examples
    --------
    Three homes and two sites in Guangyuan's Gauss–Krüger zone, the homes' ids
    in a column; :func:`~siting.locate.p_median` then answers by those ids:

    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> from siting.locate import p_median
    >>> homes = gpd.GeoDataFrame(
    ...     {"code": ["h1", "h2", "h3"], "people": [100, 300, 200]},
    ...     geometry=[Point(500_000, 3_590_000), Point(500_300, 3_590_400),
    ...               Point(501_000, 3_590_000)], crs="EPSG:4544")
    >>> sites = gpd.GeoDataFrame(
    ...     geometry=[Point(500_000, 3_590_400), Point(501_000, 3_590_300)],
    ...     index=["s1", "s2"], crs="EPSG:4544")
    >>> cost = cost_from_geodataframes(homes, sites, demand_id="code")
    >>> cost.round(1)
    site_id        s1      s2
    demand_id
    h1          400.0  1044.0
    h2          300.0   707.1
    h3         1077.0   300.0

    Opening s1 costs 100 × 400 + 300 × 300 + 200 × 1077.0 = 345,407 person-metres,
    s2 376,535:

    >>> result = p_median(cost, homes.set_index("code")["people"], 1)
    >>> result.selected, round(result.objective)
    (('s1',), 345407)
    >>> result.assignment.to_dict()
    {'h1': 's1', 'h2': 's1', 'h3': 's1'}

    In Web Mercator those metres are 1/cos(32.4°) = 1.18 times too long, and
    the layers are refused:

    >>> cost_from_geodataframes(homes.to_crs(3857), sites.to_crs(3857))
    Traceback (most recent call last):
    ...
    siting.errors.InputError: 1 problem with the inputs:
      - demand and sites are in WGS 84 / Pseudo-Mercator, which stretches distances by 18.5% ...
    """
    demand, sites = _as_frame(demand, "demand"), _as_frame(sites, "sites")
    problems: list[Problem] = []
    for name, frame, column in (("demand", demand, demand_id), ("sites", sites, site_id)):
        problems.extend(_id_problems(frame, name, column))
        if frame.crs is None:
            problems.append(Problem(f"{name} has no CRS", fix="set a projected CRS in metres"))
        elif frame.crs.is_geographic:
            problems.append(
                Problem(
                    f"{name} is in a geographic CRS ({frame.crs.to_string()})",
                    fix="reproject to a projected CRS in metres, e.g. with estimate_utm_crs()",
                )
            )
        empty = frame.geometry.is_empty | frame.geometry.isna()
        if empty.any():
            problems.append(
                Problem(
                    f"{name} has {int(empty.sum())} empty geometries",
                    ids=tuple(str(i) for i in frame.index[empty]),
                    fix=f"give them a location, or leave them out: {name}[~{name}.is_empty "
                    f"& {name}.geometry.notna()]",
                )
            )
    if demand.crs is not None and sites.crs is not None and demand.crs != sites.crs:
        problems.append(
            Problem(
                f"demand is in {demand.crs.to_string()} and sites in {sites.crs.to_string()}",
                fix="reproject one to the other's CRS: sites.to_crs(demand.crs)",
            )
        )
    if not problems and demand.crs is not None and demand.crs.is_projected:
        stretched = _stretch_problem(demand, sites)
        if stretched is not None:
            problems.append(stretched)
    if metric not in ("euclidean", "manhattan"):
        problems.append(Problem(f"unknown metric {metric!r}", fix="use euclidean or manhattan"))
    if problems:
        raise InputError(problems)

    def points(frame: gpd.GeoDataFrame) -> np.ndarray:
        geom = frame.geometry
        pts = geom.where(geom.geom_type == "Point", geom.representative_point())
        return np.column_stack([pts.x.to_numpy(), pts.y.to_numpy()])

    a = points(demand)
    b = points(sites)
    delta = a[:, None, :] - b[None, :, :]
    dist = (
        np.hypot(delta[..., 0], delta[..., 1]) if metric == "euclidean" else np.abs(delta).sum(-1)
    )
    index = _ids(demand, demand_id, "demand_id")
    columns = _ids(sites, site_id, "site_id")
    return pd.DataFrame(dist, index=index, columns=columns)


def _as_frame(frame: gpd.GeoDataFrame | gpd.GeoSeries, name: str) -> gpd.GeoDataFrame:
    """A GeoSeries as a one-column GeoDataFrame; anything but the two refused."""
    if isinstance(frame, gpd.GeoSeries):
        return gpd.GeoDataFrame(geometry=frame)
    if not isinstance(frame, gpd.GeoDataFrame):
        raise InputError(
            [
                Problem(
                    f"{name} is a {type(frame).__name__}, not a GeoDataFrame",
                    fix="pass a GeoDataFrame, e.g. geopandas.GeoDataFrame(frame, "
                    'geometry=geopandas.points_from_xy(frame["x"], frame["y"]), crs=...)',
                )
            ]
        )
    return frame


def _ids(frame: gpd.GeoDataFrame, column: str | None, name: str) -> pd.Index:
    """The ids of ``frame``'s features: ``column``'s values, or its index (a MultiIndex,
    after a groupby, stays one, with its own level names)."""
    if column is not None:
        return pd.Index(frame[column], name=name)
    if isinstance(frame.index, pd.MultiIndex):
        return frame.index.copy()
    return pd.Index(frame.index, name=name)


def _id_problems(frame: gpd.GeoDataFrame, name: str, column: str | None) -> list[Problem]:
    """A missing id column, and ids that repeat or are missing: the models key every
    result by id, so two features under one id cannot be told apart."""
    if column is not None and column not in frame.columns:
        return [
            Problem(
                f"{name} has no column {column!r}",
                column=column,
                fix=f"use one of {', '.join(map(str, frame.columns[:8]))}, or None for the index",
            )
        ]
    ids = _ids(frame, column, "id")
    where = f"column {column!r}" if column is not None else "the index"
    problems = []
    if ids.has_duplicates:
        problems.append(
            Problem(
                f"the ids of {name} ({where}) repeat",
                column=column,
                ids=tuple(str(i) for i in ids[ids.duplicated()].unique()),
                fix=f"give every feature its own id, or number them: {name}.reset_index(drop=True)",
            )
        )
    if not isinstance(ids, pd.MultiIndex) and ids.isna().any():
        problems.append(
            Problem(
                f"{name} has {int(ids.isna().sum())} features without an id ({where})",
                column=column,
                fix="give every feature an id",
            )
        )
    return problems


def _stretch_problem(demand: gpd.GeoDataFrame, sites: gpd.GeoDataFrame) -> Problem | None:
    """The problem of a CRS whose scale where the features lie is off by more than
    :data:`~siting._scale.MAX_SCALE_ERROR`: every cost, and a radius compared with it,
    would be off as much (Web Mercator's 1/cos(latitude), another place's zone)."""
    x0, y0, x1, y1 = np.column_stack([demand.total_bounds, sites.total_bounds])
    found = worst_scale(demand.crs, (x0.min(), y0.min(), x1.max(), y1.max()))
    if found is None or abs(found[0] - 1.0) <= MAX_SCALE_ERROR:
        return None
    scale, lon, lat = found
    return Problem(
        f"demand and sites are in {demand.crs.name}, which "
        f"{'stretches' if scale > 1 else 'shrinks'} distances by {abs(scale - 1.0):.1%} where "
        f"they lie (scale {scale:.4f} near {degrees(lon, 'E', 'W')}, {degrees(lat, 'N', 'S')}): "
        "every cost, and a radius compared with them, would be off as much",
        fix=f"reproject both to the CRS of the place, {local_zone(lon, lat)}, or "
        "demand.estimate_utm_crs()",
    )
