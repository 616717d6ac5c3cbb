"""The district and subdistrict of each feature: filled in from their outlines, or checked."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from siting.inputs._problems import _a, _count, _quoted, _Report, _Where


def _assign(
    target: gpd.GeoDataFrame,
    column: str,
    units: gpd.GeoDataFrame,
    *,
    by_overlap: bool,
    name: str,
    source: str,
    report: _Report,
    at: npt.NDArray[np.object_] | None = None,
) -> gpd.GeoDataFrame:
    """Fill null ``column`` values from the unit containing each feature.

    ``at``, by row, is the point of an area given as one (a 小区 list's, its geometry its
    catchment: :func:`siting.inputs._catchments.area_points`), None for the others: such
    an area lies in the unit holding its point, whatever share of its guessed land spills
    over a county line; a point in none is placed by its land, as an outline is."""
    need = target[column].isna().to_numpy()
    if not need.any() or len(units) == 0:
        return target
    geoms = np.asarray(target.geometry.to_numpy(), dtype=object)[need]
    unit_geoms = np.asarray(units.geometry.to_numpy(), dtype=object)
    unit_ids = np.asarray(units.index.to_numpy(), dtype=object)
    tree = shapely.STRtree(unit_geoms)
    found: list[str | None] = [None] * len(geoms)
    assert at is None or len(at) == len(target)
    points = np.full(len(geoms), None, dtype=object) if at is None else at[need]
    if not shapely.is_missing(points).all():
        left, right = tree.query(points, predicate="within")
        first = np.unique(left, return_index=True)[1]
        for i, j in zip(left[first], right[first], strict=True):
            found[int(i)] = str(unit_ids[j])
    polygonal = shapely.get_type_id(geoms) == 3
    polygonal |= shapely.get_type_id(geoms) == 6
    if by_overlap and polygonal.any():
        left, right = tree.query(geoms, predicate="intersects")
        keep = polygonal[left] & np.array([found[i] is None for i in left], dtype=bool)
        left, right = left[keep], right[keep]
        if left.size:
            areas = shapely.area(shapely.intersection(geoms[left], unit_geoms[right]))
            order = np.lexsort((-areas, left))
            first = np.unique(left[order], return_index=True)[1]
            for i, j in zip(left[order][first], right[order][first], strict=True):
                found[int(i)] = str(unit_ids[j])
    rest = np.array([f is None for f in found]) & ~shapely.is_empty(geoms)
    rest &= ~shapely.is_missing(geoms)
    if rest.any():
        points = shapely.point_on_surface(geoms[rest])
        left, right = tree.query(points, predicate="within")
        positions = np.flatnonzero(rest)
        first = np.unique(left, return_index=True)[1]
        for i, j in zip(left[first], right[first], strict=True):
            found[int(positions[i])] = str(unit_ids[j])
    values = target[column].to_numpy(dtype=object).copy()
    values[np.flatnonzero(need)] = found
    out = target.copy()
    out[column] = pd.Series(list(values), index=target.index, dtype=object)
    assigned = sum(f is not None for f in found)
    how = "largest overlap" if by_overlap else "the unit containing each feature"
    if by_overlap and not shapely.is_missing(points).all():
        how += "; an area given as a point, the unit holding its point"
    plural = "s" if assigned != 1 else ""
    text = f"{name}: assigned {column} to {assigned} feature{plural} from {source} ({how})"
    unplaced = len(found) - assigned
    if unplaced:
        text += f"; {unplaced} lie in none"
    report.note(text)
    return out


def _check_references(
    frame: gpd.GeoDataFrame,
    column: str,
    units: gpd.GeoDataFrame,
    where: _Where,
    report: _Report,
) -> None:
    _restore_zeros(frame, column, units, where.layer, report)
    values = frame[column]
    given = values.notna().to_numpy()
    unknown = given & ~values.isin(set(units.index.astype(str))).to_numpy()
    if unknown.any():
        target = column.removesuffix("_id") + "s"
        report.problems.append(
            where.problem(
                f"{_count(int(unknown.sum()))} {_a(column)} that is not in {target} "
                f"(found: {_quoted(values[unknown])})",
                column=column,
                ids=[str(i) for i in frame.index[unknown]],
                fix=f"use the {column} values of the {target} layer, or leave {column} empty "
                f"to assign it from the {target}' outlines",
            )
        )


def _restore_zeros(
    frame: gpd.GeoDataFrame, column: str, units: gpd.GeoDataFrame, name: str, report: _Report
) -> None:
    """Read a code that lost its leading zeros as the unit's own (3 as ``0003``), in place.

    A column of codes stored as numbers (an Excel join, a DBF numeric field) drops the
    zeros a bureau's own codes start with, and every area was "not in subdistricts"; so
    does the units' own id column (the areas' ``0003`` read as the subdistricts' ``3``).
    A value is matched only when it and a unit's id are digits that differ by leading
    zeros alone, and no other unit's id does (``12`` beside units ``012`` and ``0012`` is
    "not in subdistricts"): the zeros are never made up, only the unit named.
    """
    ids = [str(i) for i in units.index]
    by_digits: dict[str, list[str]] = {}
    for unit in ids:
        if unit.isdigit():
            by_digits.setdefault(unit.lstrip("0"), []).append(unit)
    known = set(ids)
    read: dict[str, str] = {}
    for value in frame[column].dropna().unique():
        text = str(value)
        if text in known or not text.isdigit():
            continue
        match = by_digits.get(text.lstrip("0"), [])
        if len(match) == 1:
            read[text] = match[0]
    if not read:
        return
    frame[column] = frame[column].map(lambda v: read.get(str(v), v) if v is not None else v)
    pairs = ", ".join(f"{k} as {v}" for k, v in list(read.items())[:4])
    more = f" and {len(read) - 4} more" if len(read) > 4 else ""
    target = column.removesuffix("_id") + "s"
    lost = (
        f"the {target} layer's ids had lost their leading zeros (codes stored as numbers "
        "there; give them as text to keep the codes whole)"
        if all(len(k) > len(v) for k, v in read.items())
        else "the column had lost their leading zeros (codes stored as numbers)"
    )
    report.note(f"{name}: read {column} {pairs}{more}, the ids of the {target} layer: {lost}")
