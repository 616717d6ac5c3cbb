"""The residual layer of a merged plan, capped for the whole plan as each county's is.

Each county's demand stage merges its residual raster cells (people no
residential area holds) into about 10,000 square blocks over its own window
(:func:`siting.allocation.allocate`), so a province of 183 counties would stack
close to a million blocks (a 300 MB ``residual.geojson`` and most of the map).
:func:`coarsen_residual` merges them again at the plan's scale: a square grid in
the working CRS whose side is chosen so that at most ``max_blocks`` blocks are
left, each county's blocks grouped by the grid square their centre falls in
(never across a county's line, so every block keeps one ``district_id``). A
merged block is the bounding box of the blocks it holds, with their
``residual_people`` and ``cells`` added up and their number in ``blocks``.

A census run's residual is its units (:mod:`siting.census`: ``cells`` = 0, a ``name``),
which keep their own outlines: a unit left alone keeps its outline, id and name, and
units merged to the cap are the union of their outlines, with their names (a unit's
bounding box drew an L-shaped 街道 over its neighbours' land). Units and raster blocks
are never merged together.

Totals are exact. A county's blocks count a cell cut by the county's outline by
its share, as its accounting (``run.json``, ``population_accounting``) does
(:func:`siting.allocation.allocate`), so they add up to its accounted residual.
With ``residual_by_district`` the blocks of each county are scaled to its
accounted residual all the same (a county kept by ``--resume`` from before blocks
counted shares counted a cut cell whole where its centre lay: 0.04 % apart on the
generated 12-county province), so the layer's ``residual_people`` add up to the
accounting's residual, county by county and in all.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from siting._text import first_few
from siting.errors import ScenarioError

__all__ = ["RESIDUAL_BLOCKS", "coarsen_residual"]

RESIDUAL_BLOCKS = 10_000
"""The most residual blocks a merged plan keeps (as each county's demand stage does)."""


def coarsen_residual(
    blocks: gpd.GeoDataFrame,
    *,
    max_blocks: int = RESIDUAL_BLOCKS,
    residual_by_district: Mapping[str, float] | None = None,
) -> gpd.GeoDataFrame:
    """Merge a plan's residual blocks into at most ``max_blocks``, county by county.

    Parameters
    ----------
    blocks
        The counties' residual blocks stacked, in a projected CRS (metres), with
        ``district_id``, ``residual_people`` and ``cells``.
    max_blocks
        The most blocks to keep; fewer blocks are left as they are (only scaled).
    residual_by_district
        Each county's accounted residual: its blocks are scaled to add up to it.
        A county missing from it, or whose blocks hold nobody, is left unscaled.

    Returns
    -------
    geopandas.GeoDataFrame
        ``district_id``, ``residual_people``, ``cells`` and ``blocks`` (county blocks
        merged), indexed by ``block_id`` (``<district_id>-R<k>``), in the blocks' CRS.

    Raises
    ------
    ScenarioError
        If ``max_blocks`` is below 1.
    """
    if max_blocks < 1:
        raise ScenarioError(f"max_blocks must be 1 or more, got {max_blocks}")
    district = blocks["district_id"].astype(str).to_numpy()
    people = blocks["residual_people"].to_numpy(dtype=np.float64)
    cells = blocks["cells"].to_numpy(dtype=np.float64)
    unit = cells == 0  # a census unit (siting.census), drawn as itself
    geoms = np.asarray(blocks.geometry.to_numpy(), dtype=object)
    bounds = shapely.bounds(geoms)
    if len(blocks) <= max_blocks:
        group = np.arange(len(blocks))
    else:  # units and blocks of one county are grouped apart
        group = _grid_groups(
            bounds, np.char.add(district.astype(str), np.where(unit, "|u", "")), max_blocks
        )
    frame = pd.DataFrame(
        {
            "group": group,
            "district_id": district,
            "residual_people": people,
            "cells": cells,
            "blocks": blocks["blocks"].to_numpy() if "blocks" in blocks.columns else 1,
            "minx": bounds[:, 0],
            "miny": bounds[:, 1],
            "maxx": bounds[:, 2],
            "maxy": bounds[:, 3],
        }
    )
    merged = frame.groupby("group", sort=True).agg(
        district_id=("district_id", "first"),
        residual_people=("residual_people", "sum"),
        cells=("cells", "sum"),
        blocks=("blocks", "sum"),
        minx=("minx", "min"),
        miny=("miny", "min"),
        maxx=("maxx", "max"),
        maxy=("maxy", "max"),
    )
    if residual_by_district is not None:
        held = merged.groupby("district_id")["residual_people"].transform("sum")
        target = merged["district_id"].map(
            {str(k): float(v) for k, v in residual_by_district.items()}
        )
        scale = np.where(target.notna() & (held > 0), target / held.where(held > 0, 1.0), 1.0)
        merged["residual_people"] = merged["residual_people"] * scale
    order = merged.reset_index(drop=True)
    number = order.groupby("district_id").cumcount() + 1
    ids = [f"{d}-R{k}" for d, k in zip(order["district_id"], number, strict=True)]
    shapes = shapely.box(order["minx"], order["miny"], order["maxx"], order["maxy"])
    names: list[object] = [None] * len(order)
    if unit.any():
        _as_units(blocks, group, unit, geoms, ids, shapes, names)
    out = gpd.GeoDataFrame(
        {
            "district_id": order["district_id"].to_numpy(),
            "residual_people": order["residual_people"].to_numpy(),
            "cells": np.rint(order["cells"].to_numpy()).astype(np.int64),
            "blocks": order["blocks"].to_numpy().astype(np.int64),
            **({"name": names} if unit.any() else {}),
        },
        geometry=shapes,
        crs=blocks.crs,
    )
    out.index = pd.Index(ids, name="block_id")
    return out


def _as_units(
    blocks: gpd.GeoDataFrame,
    group: np.ndarray,
    unit: np.ndarray,
    geoms: np.ndarray,
    ids: list[str],
    shapes: np.ndarray,
    names: list[object],
) -> None:
    """Give the merged groups of census units their own outlines and names in place of
    their bounding boxes (``shapes``), and a unit alone its own id (``ids``)."""
    own = blocks["name"].to_numpy(dtype=object) if "name" in blocks.columns else None
    index = blocks.index.astype(str)
    # groups are numbered 0, 1, 2 ... in the sorted order merged kept
    for g in np.unique(group[unit]):
        members = np.flatnonzero(group == g)
        shapes[g] = geoms[members[0]] if len(members) == 1 else shapely.union_all(geoms[members])
        if own is not None:
            names[g] = first_few(own[members], limit=3)
        if len(members) == 1:
            ids[g] = index[members[0]]


def _grid_groups(bounds: np.ndarray, district: np.ndarray, max_blocks: int) -> np.ndarray:
    """Each block's group: its county and the grid square of its centre, at most ``max_blocks``.

    The square's side starts where the blocks' own area would fill ``max_blocks``
    squares and grows until the groups are few enough (counties cut squares on
    their lines, so there are more groups than squares).
    """
    x = (bounds[:, 0] + bounds[:, 2]) / 2.0
    y = (bounds[:, 1] + bounds[:, 3]) / 2.0
    x, y = x - x.min(), y - y.min()
    covered = float(np.sum((bounds[:, 2] - bounds[:, 0]) * (bounds[:, 3] - bounds[:, 1])))
    side = max(math.sqrt(max(covered, 1e-9) / max_blocks), 1e-9)
    codes = pd.factorize(district)[0].astype(np.int64)
    extent = float(max(x.max(), y.max())) + 1.0
    while True:
        ix = np.floor(x / side).astype(np.int64)
        iy = np.floor(y / side).astype(np.int64)
        rows = int(iy.max()) + 1
        keys = (codes * (int(ix.max()) + 1) + ix) * rows + iy
        unique, group = np.unique(keys, return_inverse=True)
        if len(unique) <= max_blocks or side > extent:  # one square per county at most
            out: np.ndarray = group.reshape(-1)
            return out
        side *= max(math.sqrt(len(unique) / max_blocks), 1.05)
