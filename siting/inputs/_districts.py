"""The district and subdistrict of each feature: filled in from their outlines, or checked."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
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
) -> gpd.GeoDataFrame:
    """Fill null ``column`` values from the unit containing each feature."""
    need = target[column].isna().to_numpy()
    if not need.any() or len(units) == 0:
        return target
    geoms = np.asarray(target.geometry.to_numpy(), dtype=object)[need]
    unit_geoms = np.asarray(units.geometry.to_numpy(), dtype=object)
    unit_ids = np.asarray(units.index.to_numpy(), dtype=object)
    tree = shapely.STRtree(unit_geoms)
    found: list[str | None] = [None] * len(geoms)
    polygonal = shapely.get_type_id(geoms) == 3
    polygonal |= shapely.get_type_id(geoms) == 6
    if by_overlap and polygonal.any():
        left, right = tree.query(geoms, predicate="intersects")
        keep = polygonal[left]
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
