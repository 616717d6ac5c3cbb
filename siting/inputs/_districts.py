"""The district and subdistrict of each feature: filled in from their outlines, or checked."""

from __future__ import annotations

from collections.abc import Callable

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
    _stats_codes(frame, column, units, where.layer, report)
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
    read = _matched(frame, column, ids, lambda code: code.lstrip("0"))
    if not read:
        return
    target = column.removesuffix("_id") + "s"
    lost = (
        f"the {target} layer's ids had lost their leading zeros (codes stored as numbers "
        "there; give them as text to keep the codes whole)"
        if all(len(k) > len(v) for k, v in read.items())
        else "the column had lost their leading zeros (codes stored as numbers)"
    )
    _read_as_units(frame, column, read, name, lost, report)


STATS_DIGITS = 12
"""The digits of a 统计用区划代码: a county's 行政区划代码 (6 digits) or a 街道's or
乡镇's code (9 digits) with zeros after (510802 is 510802000000, 510802003 is
510802003000)."""


def _stats_codes(
    frame: gpd.GeoDataFrame, column: str, units: gpd.GeoDataFrame, name: str, report: _Report
) -> None:
    """Read a code in one of the two forms of China's division codes as the unit's own
    in the other, in place: the areas' 街道代码 510802003 as the subdistricts'
    统计用区划代码 510802003000, or the reverse; a county's 510802 as 510802000000.

    Before, every area was "not in subdistricts". Codes of 6, 9 and 12 digits are read as
    their 12-digit form; a value is matched only when exactly one unit's id has its form.
    """
    ids = [str(i) for i in units.index]
    forms = (6, 9, STATS_DIGITS)
    read = _matched(
        frame,
        column,
        ids,
        lambda code: code.ljust(STATS_DIGITS, "0") if len(code) in forms else None,
    )
    if read:
        said = (
            "the same units' codes, in 6 or 9 digits (行政区划代码) and in 12 (统计用区划代码: "
            "the same digits and zeros after)"
        )
        _read_as_units(frame, column, read, name, said, report)


def _matched(
    frame: gpd.GeoDataFrame, column: str, ids: list[str], key: Callable[[str], str | None]
) -> dict[str, str]:
    """The codes of ``column`` that are no unit's id, of digits alone, whose ``key`` is
    the key of exactly one unit's id (of digits alone), each with that id."""
    by_key: dict[str, list[str]] = {}
    for unit in ids:
        found = key(unit) if unit.isdigit() else None
        if found is not None:
            by_key.setdefault(found, []).append(unit)
    known = set(ids)
    read: dict[str, str] = {}
    for value in frame[column].dropna().unique():
        text = str(value)
        found = key(text) if text not in known and text.isdigit() else None
        if found is not None and len(by_key.get(found, [])) == 1:
            read[text] = by_key[found][0]
    return read


def _read_as_units(
    frame: gpd.GeoDataFrame,
    column: str,
    read: dict[str, str],
    name: str,
    why: str,
    report: _Report,
) -> None:
    """``column``'s codes that are keys of ``read`` as their units' ids, in place, and a
    note of the first few, and ``why``."""
    frame[column] = frame[column].map(lambda v: read.get(str(v), v) if v is not None else v)
    pairs = ", ".join(f"{k} as {v}" for k, v in list(read.items())[:4])
    more = f" and {len(read) - 4} more" if len(read) > 4 else ""
    target = column.removesuffix("_id") + "s"
    report.note(f"{name}: read {column} {pairs}{more}, the ids of the {target} layer: {why}")
