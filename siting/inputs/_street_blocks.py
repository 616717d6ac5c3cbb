"""Street blocks from a layer of street centrelines: ``blocks = true`` on the streets entry.

``[inputs.osm] areas_from = ["landuse", "blocks"]`` adds an OSM file's street blocks
where the residential areas do not cover; a bureau's 道路中心线 or Geofabrik's
``gis_osm_roads_free_1.shp`` gives the same, written

.. code-block:: toml

    [inputs]
    streets = { path = "道路中心线.shp", encoding = "gbk", blocks = true }

The algorithm is :func:`siting.osm.blocks.street_blocks`'s; what this module chooses:

Lines
    By the layer's class column (:func:`siting.network.lines.class_column`) where it
    has one: OSM's ``highway`` or Geofabrik's ``fclass`` bound a block in the classes
    of :data:`siting.osm.BLOCK_HIGHWAYS` (``inputs.osm.block_highways`` when the
    scenario gives ``[inputs.osm]``; Geofabrik's ``unknown`` and an empty cell are OSM's
    ``road``), not in a tunnel (a ``tunnel`` column of OSM's values or Geofabrik's
    ``T``); a bureau's 道路等级 in every class but 高速公路 (:data:`NOT_BOUNDING`: an
    intercity expressway runs on embankments and viaducts past the blocks, a 快速路 and
    a 辅路 bound them). A layer without a class column: every line. A CAD drawing's
    lines at their heights are made flat.
Land taken
    The areas layer's outlines (the catchments of the areas given as points, the
    residential polygons of ``[inputs.osm]`` merged in) and the candidate parcels'
    (parks and idle land are not homes): a block is what the areas do not cover.
Edge
    The districts' outline when there is a districts layer, else the convex hull of the
    lines (the layer is drawn to where the bureau's survey ends; a box would add its
    empty corners as blocks along the edge).
Ids, names, status and sizes
    ``streets/block/<16 hex>`` (:data:`siting.osm.STREET_BLOCK_ID_PREFIX`), a digest
    of the block's outline in longitude and latitude from the layer's own
    coordinates (the same on every run of the same layer, in any working CRS; a layer
    in EPSG:4326 gives the digests OSM's file of the same ways gives); named by the
    two streets running longest along it (:data:`NAME_COLUMNS`); status
    ``block_status`` (``"old"``); the sizes of the entry's ``block_min_area_m2``,
    ``block_max_area_m2`` and ``block_min_width_m``, else ``[inputs.osm]``'s keys of
    those names, else their defaults (:func:`siting.scenario.street_block_sizes`).
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyproj
import shapely

from siting.inputs._osm import _merge, _plan_outline, _planned_land
from siting.inputs._problems import _Report, _Where
from siting.inputs._vector import _normalize
from siting.osm.blocks import (
    BLOCK_HIGHWAYS,
    STREET_BLOCK_ID_PREFIX,
    BlockCounts,
    BlockRules,
    land_polygons,
    street_blocks,
)
from siting.scenario import InputsSpec, LayerSpec, resolve_block_highways, street_block_sizes

NAME_COLUMNS: tuple[str, ...] = ("道路名称", "路名", "name")
"""Columns read as a street's name, the first the layer has (any case): a bureau's
道路名称 or ``NAME``, Geofabrik's ``name``."""

NOT_BOUNDING: tuple[str, ...] = ("高速", "motorway", "freeway")
"""Words of a bureau's road class whose lines bound no block (高速公路)."""

_TUNNELS = frozenset({"yes", "building_passage", "culvert", "T"})
"""A ``tunnel`` column's values of a line under the land: OSM's, and Geofabrik's ``T``."""


def bounding_lines(
    layer: gpd.GeoDataFrame, *, highways: Collection[str] = BLOCK_HIGHWAYS
) -> tuple[gpd.GeoDataFrame, str]:
    """The lines of a centreline layer that bound street blocks, and which those are.

    Parameters
    ----------
    layer
        The layer as read, in its own CRS.
    highways
        The OSM classes that bound a block, for a ``highway`` or ``fclass`` column.

    Returns
    -------
    tuple of geopandas.GeoDataFrame and str
        The lines (LineString and MultiLineString, in two dimensions), in the layer's
        CRS, with ``name``;
        and what they are, for the run's note (``"the classes of 道路等级 but 高速公路"``).
    """
    from siting.network.lines import class_column, classes_named, first_column

    # a CAD drawing's lines at their heights: the blocks are flat, as the areas are
    geoms = shapely.force_2d(np.asarray(layer.geometry.to_numpy(), dtype=object))
    keep = np.isin(shapely.get_type_id(geoms), (1, 5))
    column = class_column(layer)
    if column is None:
        said = "every line (the layer has no class column)"
    else:
        values = layer[column].astype("string").fillna("").str.strip().to_numpy(dtype=object)
        if column.lower() in {"highway", "fclass"}:
            # Geofabrik's "unknown" (highway=road) and an empty cell: a street of no known
            # class, as the walking graph reads them
            values = np.where((values == "") | (values == "unknown"), "road", values)
            keep &= np.isin(values, list(highways))
            said = f"the lines whose {column} is one of the road classes of the street blocks"
        else:
            keep &= ~classes_named(values, NOT_BOUNDING)
            said = f"the lines of every {column} but 高速公路"
    tunnel = first_column(layer, ("tunnel",))
    if tunnel is not None:
        keep &= ~layer[tunnel].isin(_TUNNELS).to_numpy(dtype=bool)
    name = first_column(layer, NAME_COLUMNS)
    names = pd.Series([None] * len(layer), dtype=object)
    if name is not None:
        text = layer[name].astype("string").str.strip().reset_index(drop=True)
        names = text.where(text != "", None).astype(object)
    lines = gpd.GeoDataFrame(
        {"name": names.to_numpy(dtype=object)[keep]}, geometry=geoms[keep], crs=layer.crs
    )
    return lines, said


def blocks_of_lines(
    layer: gpd.GeoDataFrame,
    *,
    crs: pyproj.CRS,
    taken: npt.NDArray[np.object_] | None = None,
    outline: shapely.Geometry | None = None,
    status: str = "old",
    rules: BlockRules | None = None,
    highways: Collection[str] = BLOCK_HIGHWAYS,
) -> tuple[gpd.GeoDataFrame, BlockCounts, str]:
    """The street blocks of a layer of centrelines (see the module docstring).

    Parameters
    ----------
    layer
        The layer as read, in its own CRS.
    crs
        The projected metric CRS of the blocks.
    taken
        Polygons in ``crs`` whose land is no block's.
    outline
        The districts' outline in EPSG:4326, the edge; ``None``: the lines' convex hull.
    status, rules
        As :func:`siting.osm.blocks.street_blocks` takes them.
    highways
        The OSM classes that bound a block, for a ``highway`` or ``fclass`` column.

    Returns
    -------
    tuple of geopandas.GeoDataFrame, BlockCounts and str
        The blocks (ids ``streets/block/<16 hex>``) and what was made and dropped, as
        :func:`~siting.osm.blocks.street_blocks` gives them; and the run's note after
        its start (which lines bound the blocks, the edge, the faces dropped).

    Examples
    --------
    Three streets across three others, 200 m apart and 50 m past the outer ones,
    enclose four blocks of 200 m × 200 m; closed by the lines' convex hull, the land
    beyond the outer streets makes eight of 200 m × 50 m and four corners of 1,250 m²:

    >>> import collections, pyproj, shapely
    >>> gk = pyproj.CRS("EPSG:4544")
    >>> def street(a, b):
    ...     return shapely.LineString([(500_000 + a[0], 3_580_000 + a[1]),
    ...                                (500_000 + b[0], 3_580_000 + b[1])])
    >>> grid = [street((-50, y), (450, y)) for y in (0, 200, 400)]
    >>> grid += [street((x, -50), (x, 450)) for x in (0, 200, 400)]
    >>> roads = gpd.GeoDataFrame({"道路名称": list("ABCDEF")}, geometry=grid, crs=gk)
    >>> blocks, counts, _ = blocks_of_lines(roads, crs=gk)
    >>> counts.blocks, counts.edge
    (16, 12)
    >>> sorted(collections.Counter(round(float(a)) for a in blocks.area).items())
    [(1250, 4), (10000, 8), (40000, 4)]
    """
    lines, bounded = bounding_lines(layer, highways=highways)
    lonlat = lines.to_crs("EPSG:4326")
    edge, said = outline, "the districts' outline"
    if edge is None:
        points = shapely.multipoints(shapely.get_coordinates(lonlat.geometry.to_numpy()))
        edge, said = shapely.convex_hull(points), "the convex hull of the lines"
    blocks, counts = street_blocks(
        np.asarray(lonlat.geometry.to_numpy(), dtype=object),
        crs=crs,
        taken=taken,
        streets=lines.to_crs(crs),
        status=status,
        rules=rules,
        edge=edge,
        id_prefix=STREET_BLOCK_ID_PREFIX,
    )
    taken_by = "the areas or the candidate parcels"
    return (
        blocks,
        counts,
        f", bounded by {bounded}"
        + counts.said(
            rules or BlockRules(), taken_by=taken_by, edge=said, section="inputs.streets"
        ),
    )


def add_street_blocks(
    spec: InputsSpec,
    layer: gpd.GeoDataFrame,
    raw: dict[str, gpd.GeoDataFrame],
    wheres: dict[str, _Where],
    report: _Report,
    *,
    work: pyproj.CRS,
) -> None:
    """Add the street blocks of ``layer`` to ``raw["areas"]`` (see the module docstring).

    Parameters
    ----------
    spec
        The run's inputs, with ``street_blocks`` (the blocks' status and sizes).
    layer
        The layer of street centrelines as read, in its own CRS.
    raw
        The layers in the working CRS (the areas' points made catchments); the blocks
        are merged into ``"areas"`` (``source`` ``"streets"``) or are its rows.
    wheres
        Each layer's file and name; ``"areas"`` is added when the blocks are all.
    report
        Where the note, and any problem of the blocks' rows, go.
    work
        The working CRS.
    """
    entry = spec.street_lines or LayerSpec(path=Path(spec.streets or "streets"))
    status = spec.street_blocks.status if spec.street_blocks is not None else "old"
    min_area_m2, max_area_m2, min_width_m = street_block_sizes(spec)
    planned = _planned_land(raw, crs=work)  # the areas' and the parcels' land
    blocks, counts, said = blocks_of_lines(
        layer,
        crs=work,
        taken=None if planned is None else land_polygons(planned.to_numpy()),
        outline=_plan_outline(raw.get("districts")),
        status=status,
        rules=BlockRules(min_area_m2=min_area_m2, max_area_m2=max_area_m2, min_width_m=min_width_m),
        highways=resolve_block_highways(spec.osm.block_highways) if spec.osm else BLOCK_HIGHWAYS,
    )
    file = entry.path.name
    explicit = raw.get("areas")
    report.note(
        f"streets: {counts.blocks:,} street blocks from {file} ({counts.blocks_m2 / 1e6:,.2f} "
        "km²)"
        + (" where the areas do not cover" if explicit is not None else "")
        + f", each an area with status '{status}' (inputs.streets.block_status), named by "
        "its longest streets" + said
    )
    where = _Where(str(entry.path), "areas", file_layer=entry.layer)
    if blocks.empty:
        if explicit is None:
            report.problems.append(
                where.problem(
                    "the streets enclose no street block (no land, or all of it taken by the "
                    "candidate parcels or too small), and there is no other residential area",
                    fix="check that streets points at the city's centreline layer and that its "
                    "class column keeps the streets, or give the areas as an [inputs.areas] "
                    "layer",
                )
            )
        return
    normal = _normalize(blocks, LayerSpec(path=entry.path), "areas", where, report)
    if normal is None:
        return
    normal["source"] = "streets"
    if explicit is None:
        raw["areas"], wheres["areas"] = normal, where
        return
    osm = spec.osm is not None and "areas" in spec.osm.use  # its areas are sourced
    raw["areas"] = _merge(explicit, normal, "areas", file, wheres["areas"], report, sourced=osm)
