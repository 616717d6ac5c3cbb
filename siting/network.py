"""Walking distances on the street network.

A 300 m service radius drawn as a circle is a promise a parent cannot keep:
rivers, rail lines, walls and gated compounds make the real walk longer. This
module turns an OpenStreetMap street network into a sparse table of walking
distances between demand points (areas) and candidate sites.

The steps, and the choices made at each:

Graph
    :func:`read_street_graph` reads an OSM XML file (``.osm``, ``.osm.bz2``,
    ``.osm.xml``; offline, with :func:`osmnx.graph_from_xml`) or a saved
    GraphML file. :func:`download_street_graph` downloads by place name or
    bounding box when the user asks for it, and caches the result to a GraphML
    file the next run reuses. The walking filter (see
    :data:`DROPPED_HIGHWAYS`) keeps footpaths, steps and pedestrian streets,
    and drops motorways, ways under construction, ways with ``foot=no`` or
    ``access=private/no`` (unless ``foot`` says walkers are allowed), and
    ``trunk`` roads without a tagged sidewalk (in Chinese cities ``trunk`` is
    mostly the urban expressway, 城市快速路, which pedestrians cannot use).
    The graph is projected into the working CRS, and edge lengths are
    checked to be metres.
Representative points
    :func:`area_points` places each area's demand. A small area gets one
    point: the population-weighted centroid of the raster cells whose centres
    fall inside it (not the polygon centroid, which may sit in a park or a
    lake). A large area gets several points, one per cluster of a weighted
    k-means of its cell centres, each with its share of the area's
    population. An area with no population in the raster (a new development)
    gets its polygon's representative point.
Snapping
    The issue asked to "snap each area's and each site's representative point
    to the nearest graph node, and add the snap distance to the walk". With
    intersections up to ~200 m apart that snap eats most of a 300 m radius, so
    by default (``snap="edge"``) a point joins the network at the nearest point
    (its *foot*) of the nearest street edge instead: the edge's drawn line,
    its osmnx ``geometry`` or the straight line between its nodes. The search
    is exact, over the edges cut into pieces of at most 100 m indexed by a
    KD-tree on their midpoints (:class:`StreetEdges`). The straight distance
    to the foot is added at both ends and counts towards the limit. Each foot
    becomes a node of the graph that splits its edge, with the walk along the
    edge to each end (the edge's ``length`` times the fraction of its line);
    feet on one edge are chained in order, so two points on the same street
    walk the stretch between them. ``snap="node"`` keeps the nearest-node
    snap, which overestimates walks that start mid-block by up to half a block
    at each end.
Distances
    :func:`distance_table` converts the graph once to a symmetric sparse
    matrix (walking ignores one-way rules; parallel edges keep their shortest
    length), adds the feet, and runs bounded Dijkstra from the distinct site
    feet with :func:`siting.paths.bounded_pairs`, a compiled loop that visits
    only the nodes within the limit and reports only the areas' feet (SciPy's
    ``csgraph.dijkstra`` returns a dense row over the whole graph per source).
    Only pairs within the largest service radius are returned.
Fallback
    With no graph, the walk is the straight line times a detour factor
    (default 1.3), and the table says ``method = "straight_line"``.

The table's ``attrs`` record how many area–site pairs the straight-line circle
would have allowed and the network excludes (:func:`excluded_by_network`).
"""

from __future__ import annotations

import contextlib
import logging
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, overload

import geopandas as gpd
import networkx as nx
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyproj
import scipy.sparse as sp
from scipy.spatial import cKDTree

from siting.errors import InputError, NetworkError, Problem
from siting.paths import bounded_pairs

__all__ = [
    "DROPPED_HIGHWAYS",
    "OSM_XML_SUFFIXES",
    "StreetEdges",
    "WalkMatrix",
    "area_points",
    "distance_table",
    "download_street_graph",
    "excluded_by_network",
    "read_street_graph",
    "walk_matrix",
    "walk_minutes",
]

logger = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

OSM_XML_SUFFIXES: tuple[str, ...] = (".osm", ".osm.bz2", ".osm.xml", ".xml", ".xml.bz2")
"""File name endings read as OSM XML by :func:`read_street_graph`."""

DROPPED_HIGHWAYS: frozenset[str] = frozenset(
    {
        "abandoned",
        "bus_guideway",
        "construction",
        "cycleway",
        "motorway",
        "motorway_link",
        "motorway_junction",
        "no",
        "planned",
        "platform",
        "proposed",
        "raceway",
        "razed",
        "rest_area",
        "services",
    }
)
"""``highway`` values that are never part of the walking network.

The same list as osmnx's ``"walk"`` network type. ``trunk`` and ``trunk_link``
are kept only with a sidewalk or an explicit ``foot`` permission (see
:func:`read_street_graph`).
"""

_TRUNKS = frozenset({"trunk", "trunk_link"})
_FOOT_ALLOWED = frozenset({"yes", "designated", "permissive", "official"})
_SIDEWALK_PRESENT = frozenset({"yes", "both", "left", "right"})
_NO_ACCESS = frozenset({"private", "no"})
_WAY_TAGS = (
    "access",
    "area",
    "foot",
    "highway",
    "service",
    "sidewalk",
    "sidewalk:both",
    "sidewalk:left",
    "sidewalk:right",
)
_LENGTH_TOLERANCE = 0.05
_PIECE_M = 100.0  # longest straight piece of a street in the snapping index


# ---------------------------------------------------------------------------
# Reading the street graph


@contextlib.contextmanager
def _osmnx_settings(**values: Any) -> Iterator[None]:
    """Set osmnx settings for the duration of a block, then restore them."""
    import osmnx as ox

    old = {name: getattr(ox.settings, name) for name in values}
    try:
        for name, value in values.items():
            setattr(ox.settings, name, value)
        yield
    finally:
        for name, value in old.items():
            setattr(ox.settings, name, value)


def _useful_way_tags() -> list[str]:
    import osmnx as ox

    tags = list(ox.settings.useful_tags_way)
    return tags + [tag for tag in _WAY_TAGS if tag not in tags]


def _values(value: Any) -> list[str]:
    """Tag values of an edge attribute, which simplification may have made a list."""
    if value is None:
        return []
    if isinstance(value, list | tuple | set):
        return [str(v) for v in value]
    if isinstance(value, float) and math.isnan(value):
        return []
    return [str(value)]


def _walkable(data: dict[str, Any], *, trunk_requires_sidewalk: bool) -> bool:
    """Whether an edge belongs to the walking network (see :func:`read_street_graph`)."""
    highways = _values(data.get("highway"))
    if not highways or all(h in DROPPED_HIGHWAYS for h in highways):
        return False
    foot = set(_values(data.get("foot")))
    foot_allowed = bool(foot & _FOOT_ALLOWED)
    if "no" in foot and not foot_allowed:
        return False
    if "yes" in _values(data.get("area")):
        return False
    if set(_values(data.get("access"))) & _NO_ACCESS and not foot_allowed:
        return False
    if "private" in _values(data.get("service")) and not foot_allowed:
        return False
    sidewalks = set()
    for key in ("sidewalk", "sidewalk:both", "sidewalk:left", "sidewalk:right"):
        sidewalks |= set(_values(data.get(key)))
    if "separate" in sidewalks and not foot_allowed:
        # the sidewalks are mapped as their own footways, which are kept
        return False
    if trunk_requires_sidewalk and all(h in _TRUNKS for h in highways):
        return foot_allowed or bool(sidewalks & _SIDEWALK_PRESENT)
    return True


def _filter_walk(g: nx.MultiDiGraph, *, trunk_requires_sidewalk: bool) -> nx.MultiDiGraph:
    """Return a copy of ``g`` keeping walkable edges and the nodes they touch."""
    keep = [
        (u, v, k)
        for u, v, k, data in g.edges(keys=True, data=True)
        if _walkable(data, trunk_requires_sidewalk=trunk_requires_sidewalk)
    ]
    return _edge_subgraph(g, keep)


def _edge_subgraph(g: nx.MultiDiGraph, keep: list[tuple[Any, Any, Any]]) -> nx.MultiDiGraph:
    out: nx.MultiDiGraph = g.edge_subgraph(keep).copy()
    return out


def _largest_component(g: nx.MultiDiGraph) -> nx.MultiDiGraph:
    if g.number_of_nodes() == 0:
        return g
    largest = max(nx.weakly_connected_components(g), key=len)
    out: nx.MultiDiGraph = g.subgraph(largest).copy()
    return out


def _as_crs(crs: str | pyproj.CRS) -> pyproj.CRS:
    try:
        out = pyproj.CRS.from_user_input(crs)
    except pyproj.exceptions.CRSError as exc:
        raise NetworkError(
            f"The working CRS {crs!r} is not a coordinate reference system pyproj knows "
            "(fix: give an EPSG code such as 'EPSG:4544')"
        ) from exc
    if not out.is_projected:
        raise NetworkError(
            f"The working CRS {out.to_string()} is not projected, so distances would be in "
            "degrees (fix: use a projected metric CRS such as EPSG:4544, CGCS2000 3-degree "
            "Gauss-Kruger zone 35)"
        )
    return out


def _check_metres(g: nx.MultiDiGraph, source: str) -> None:
    """Check that edge ``length`` agrees with the projected edge geometry, in metres."""
    total_length = 0.0
    total_projected = 0.0
    for u, v, data in g.edges(data=True):
        length = data.get("length")
        if length is None:
            continue
        geom = data.get("geometry")
        if geom is not None:
            projected = float(geom.length)
        else:
            projected = math.hypot(
                g.nodes[u]["x"] - g.nodes[v]["x"], g.nodes[u]["y"] - g.nodes[v]["y"]
            )
        total_length += float(length)
        total_projected += projected
    if total_projected <= 0:
        return
    ratio = total_length / total_projected
    if abs(ratio - 1.0) > _LENGTH_TOLERANCE:
        raise NetworkError(
            f"{source}: edge lengths add up to {total_length:,.0f} but the projected edges "
            f"measure {total_projected:,.0f} (ratio {ratio:.3f}), so lengths are not metres in "
            "the working CRS (fix: use a conformal metric CRS for the study area, e.g. the local "
            "Gauss-Kruger or UTM zone, not Web Mercator; or rebuild the GraphML with osmnx)"
        )


def _fill_lengths(g: nx.MultiDiGraph) -> int:
    """Give edges without ``length`` their projected length; return how many."""
    missing = 0
    for u, v, data in g.edges(data=True):
        if data.get("length") is None:
            geom = data.get("geometry")
            data["length"] = (
                float(geom.length)
                if geom is not None
                else math.hypot(
                    g.nodes[u]["x"] - g.nodes[v]["x"], g.nodes[u]["y"] - g.nodes[v]["y"]
                )
            )
            missing += 1
    return missing


def _finish(
    g: nx.MultiDiGraph,
    *,
    source: str,
    working_crs: pyproj.CRS,
    network: str,
    trunk_requires_sidewalk: bool,
    retain_all: bool,
    simplify: bool,
) -> nx.MultiDiGraph:
    """Filter, keep the largest component, simplify and project a raw graph."""
    import osmnx as ox

    before = g.number_of_edges()
    if network == "walk":
        g = _filter_walk(g, trunk_requires_sidewalk=trunk_requires_sidewalk)
    else:
        # OSM XML gives every way (buildings too) to the graph: keep the streets
        g = _edge_subgraph(g, [(u, v, k) for u, v, k, h in g.edges(keys=True, data="highway") if h])
    if not retain_all:
        g = _largest_component(g)
    if g.number_of_edges() == 0:
        raise NetworkError(
            f"{source}: no walkable street is left after filtering ({before:,} edges read) "
            "(fix: check that the file covers the study area and contains highway=* ways)"
        )
    if simplify and not g.graph.get("simplified"):
        g = ox.simplify_graph(g)
    g = ox.project_graph(g, to_crs=working_crs)
    missing = _fill_lengths(g)
    if missing:
        logger.info("%s: %d edges had no length; used their projected length", source, missing)
    _check_metres(g, source)
    g.graph["source"] = source
    g.graph["network"] = network
    logger.info(
        "street graph from %s: %d nodes, %d edges (%s network)",
        source,
        g.number_of_nodes(),
        g.number_of_edges(),
        network,
    )
    return g


def _check_network(network: str) -> None:
    if network not in ("walk", "all"):
        raise ValueError(f"network must be 'walk' or 'all', not {network!r}")


def read_street_graph(
    source: str | Path,
    *,
    working_crs: str | pyproj.CRS,
    network: str = "walk",
    trunk_requires_sidewalk: bool = True,
    retain_all: bool = False,
    simplify: bool = True,
) -> nx.MultiDiGraph:
    """Read a street graph from OSM XML or GraphML, for walking, in the working CRS.

    Parameters
    ----------
    source
        An OSM XML file (``.osm``, ``.osm.bz2``, ``.osm.xml``), read offline with
        :func:`osmnx.graph_from_xml`, or a GraphML file saved by osmnx (``.graphml``).
    working_crs
        The projected metric CRS to work in, for example ``"EPSG:4544"``.
    network
        ``"walk"`` keeps the walking network (see the module docstring);
        ``"all"`` keeps every ``highway=*`` edge as read.
    trunk_requires_sidewalk
        Keep ``highway=trunk``/``trunk_link`` only where a sidewalk or ``foot``
        permission is tagged.
    retain_all
        Keep every connected piece, not only the largest one. Small pieces at the
        edge of a clipped extract trap the points that snap to them.
    simplify
        Merge the nodes in the middle of a street into one edge (osmnx's
        simplification). Unsimplified graphs snap more closely but are larger.

    Returns
    -------
    networkx.MultiDiGraph
        An osmnx-style graph with node ``x``/``y`` and edge ``length`` in metres,
        with ``graph["crs"]`` the working CRS.

    Raises
    ------
    NetworkError
        The file is missing, unreadable, has no walkable streets, or its lengths
        are not metres. The message names the file and says how to fix it.
    """
    import osmnx as ox

    _check_network(network)
    crs = _as_crs(working_crs)
    path = Path(source)
    name = str(path)
    if not path.is_file():
        raise NetworkError(
            f"{name}: street network file not found (fix: check the path, or leave the network "
            "out to fall back to straight-line distances)"
        )
    lower = path.name.lower()
    try:
        if lower.endswith(".graphml"):
            raw = ox.load_graphml(path)
        elif lower.endswith(OSM_XML_SUFFIXES):
            with _osmnx_settings(useful_tags_way=_useful_way_tags()):
                raw = ox.graph_from_xml(path, bidirectional=True, simplify=False, retain_all=True)
        else:
            raise NetworkError(
                f"{name}: unknown street network format (fix: give an OSM XML file ending in "
                f"{', '.join(OSM_XML_SUFFIXES)} or a .graphml file)"
            )
    except NetworkError:
        raise
    except Exception as exc:
        raise NetworkError(
            f"{name}: cannot read the street network ({type(exc).__name__}: {exc}) "
            "(fix: check that the file is complete OSM XML or osmnx GraphML; re-export it)"
        ) from exc
    return _finish(
        raw,
        source=name,
        working_crs=crs,
        network=network,
        trunk_requires_sidewalk=trunk_requires_sidewalk,
        retain_all=retain_all,
        simplify=simplify,
    )


def download_street_graph(
    *,
    place: str | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    cache: Path,
    working_crs: str | pyproj.CRS,
    network: str = "walk",
    trunk_requires_sidewalk: bool = True,
) -> nx.MultiDiGraph:
    """Download the street graph of a place or bounding box, or reuse the cached copy.

    Only this function uses the network. When ``cache`` exists it is read and
    nothing is downloaded; otherwise the unprojected graph is downloaded from
    the Overpass API and saved to ``cache`` (GraphML) before it is projected.

    Parameters
    ----------
    place
        A place name Nominatim knows, for example ``"利州区, 广元市"``.
    bbox
        ``(west, south, east, north)`` in degrees (WGS84), osmnx 2's order.
    cache
        GraphML file to reuse or create.
    working_crs
        The projected metric CRS to work in.
    network
        ``"walk"`` or ``"all"``, as for :func:`read_street_graph`.
    trunk_requires_sidewalk
        As for :func:`read_street_graph`.

    Returns
    -------
    networkx.MultiDiGraph
        The projected walking graph.

    Raises
    ------
    NetworkError
        Neither or both of ``place`` and ``bbox`` were given, or the download failed.
    """
    import osmnx as ox

    _check_network(network)
    cache = Path(cache)
    if cache.is_file():
        logger.info("reusing the street network cached in %s", cache)
        return read_street_graph(
            cache,
            working_crs=working_crs,
            network=network,
            trunk_requires_sidewalk=trunk_requires_sidewalk,
        )
    if (place is None) == (bbox is None):
        raise NetworkError(
            "give exactly one of place or bbox to download a street network "
            f"(fix: set one of them; no cache at {cache})"
        )
    crs = _as_crs(working_crs)
    network_type = "walk" if network == "walk" else "all"
    what = f"place {place!r}" if place is not None else f"bbox {bbox}"
    try:
        with _osmnx_settings(useful_tags_way=_useful_way_tags(), use_cache=False):
            if place is not None:
                raw = ox.graph_from_place(place, network_type=network_type, simplify=False)
            else:
                assert bbox is not None
                raw = ox.graph_from_bbox(bbox, network_type=network_type, simplify=False)
    except Exception as exc:
        raise NetworkError(
            f"cannot download the street network for {what} ({type(exc).__name__}: {exc}) "
            "(fix: check the connection and the place name, or give an OSM XML file instead)"
        ) from exc
    raw = ox.simplify_graph(raw)
    cache.parent.mkdir(parents=True, exist_ok=True)
    ox.save_graphml(raw, cache)
    logger.info("downloaded the street network for %s and cached it in %s", what, cache)
    return _finish(
        raw,
        source=str(cache),
        working_crs=crs,
        network=network,
        trunk_requires_sidewalk=trunk_requires_sidewalk,
        retain_all=False,
        simplify=True,
    )


# ---------------------------------------------------------------------------
# Representative points of areas


def _metric_crs(gdf: gpd.GeoDataFrame) -> pyproj.CRS:
    crs = pyproj.CRS.from_user_input(gdf.crs)
    if crs.is_projected:
        return crs
    utm = gdf.estimate_utm_crs()
    return pyproj.CRS.from_user_input(utm)


def _weighted_kmeans(
    xy: FloatArray, weights: FloatArray, k: int, *, seed: int, iterations: int = 50
) -> IntArray:
    """Label points by a weighted k-means (k-means++ start, Lloyd iterations)."""
    rng = np.random.default_rng(seed)
    p = weights / weights.sum()
    centres = [xy[rng.choice(len(xy), p=p)]]
    for _ in range(1, k):
        d2 = np.min(((xy[:, None, :] - np.asarray(centres)[None, :, :]) ** 2).sum(-1), axis=1)
        score = weights * d2
        if score.sum() <= 0:
            break
        centres.append(xy[rng.choice(len(xy), p=score / score.sum())])
    c = np.asarray(centres)
    labels = np.zeros(len(xy), dtype=np.int64)
    for _ in range(iterations):
        d2 = ((xy[:, None, :] - c[None, :, :]) ** 2).sum(-1)
        new = np.argmin(d2, axis=1).astype(np.int64)
        for j in range(len(c)):
            members = new == j
            if members.any():
                c[j] = np.average(xy[members], axis=0, weights=weights[members])
        if np.array_equal(new, labels):
            break
        labels = new
    return labels


def _inside_or_nearest(
    point: FloatArray, polygon: Any, cells: FloatArray, weights: FloatArray
) -> FloatArray:
    """The weighted centroid if it lies inside the polygon, else the nearest populated cell."""
    import shapely

    if shapely.contains_xy(polygon, point[0], point[1]):
        return point
    populated = cells[weights > 0]
    nearest = populated[np.argmin(((populated - point) ** 2).sum(axis=1))]
    return np.asarray(nearest, dtype=np.float64)


def area_points(
    areas: gpd.GeoDataFrame,
    population: str | Path,
    *,
    id_column: str = "area_id",
    max_single_point_area_m2: float = 250_000,
    cell_step: int = 1,
    seed: int = 0,
) -> gpd.GeoDataFrame:
    """Place each area's demand at one or more population-weighted points.

    A small area (up to ``max_single_point_area_m2``) gets one point: the
    population-weighted centroid of the raster cells whose centres lie inside
    it. If that centroid falls outside the polygon (a U-shaped area), the
    nearest populated cell centre is used instead. A larger area gets
    ``k = ceil(area / max_single_point_area_m2)`` points (at most one per
    populated cell): the weighted centroids of a seeded weighted k-means of its
    cell centres, each with its share of the area's population. An area with
    no populated cell centre gets its polygon's representative point with share
    1 (new developments the raster cannot see yet; areas smaller than a cell).

    Parameters
    ----------
    areas
        Area polygons with an id column.
    population
        A population-count raster (people per cell). Any CRS.
    id_column
        The areas' id column.
    max_single_point_area_m2
        Largest area, in square metres, that gets a single point.
    cell_step
        Sum the raster over blocks of ``cell_step`` × ``cell_step`` cells first
        (for very fine rasters).
    seed
        Seed of the k-means start.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``area_id`` (named ``id_column``), ``point_id``
        (``"<area_id>/<n>"``), ``share`` (sums to 1 per area), ``population``
        (raster people assigned to the point), ``method``
        (``"population_weighted"``, ``"population_clusters"`` or
        ``"representative_point"``) and point ``geometry`` in ``areas.crs``.

    Raises
    ------
    InputError
        The id column is missing or duplicated, or the raster cannot be read.
    """
    import rasterio
    import rasterio.features
    import rasterio.windows
    from rasterio.transform import Affine

    problems: list[Problem] = []
    if id_column not in areas.columns:
        problems.append(Problem("no such column", column=id_column, fix="name the area id column"))
    elif areas[id_column].duplicated().any():
        dup = areas.loc[areas[id_column].duplicated(), id_column].astype(str)
        problems.append(
            Problem(
                "area ids are not unique",
                column=id_column,
                ids=tuple(dup),
                fix="give every area its own id",
            )
        )
    if areas.crs is None:
        problems.append(Problem("areas have no CRS", fix="set the layer's CRS"))
    if cell_step < 1:
        problems.append(Problem(f"cell_step must be at least 1, not {cell_step}"))
    if problems:
        raise InputError(problems)
    columns = [id_column, "point_id", "share", "population", "method"]
    if areas.empty:
        return gpd.GeoDataFrame(columns=[*columns, "geometry"], geometry="geometry", crs=areas.crs)

    mcrs = _metric_crs(areas)
    metric = areas.to_crs(mcrs)
    path = Path(population)
    try:
        src = rasterio.open(path)
    except Exception as exc:
        raise InputError(
            [
                Problem(
                    f"cannot read the population raster ({exc})",
                    file=str(path),
                    fix="give a GeoTIFF of people per cell",
                )
            ]
        ) from exc
    with src:
        rcrs = pyproj.CRS.from_user_input(src.crs)
        in_raster = areas.to_crs(rcrs)
        left, bottom, right, top = in_raster.total_bounds
        full = rasterio.windows.Window(0, 0, src.width, src.height)
        try:
            window = (
                rasterio.windows.from_bounds(left, bottom, right, top, transform=src.transform)
                .round_offsets(op="floor")
                .round_lengths(op="ceil")
            )
            window = window.intersection(full)
            data = src.read(1, window=window, masked=True).astype(np.float64)
            transform = src.transform @ Affine.translation(window.col_off, window.row_off)
        except rasterio.errors.WindowError:
            data = np.ma.zeros((0, 0))
            transform = src.transform
    values = np.asarray(data.filled(0.0), dtype=np.float64)
    values[~np.isfinite(values) | (values < 0)] = 0.0
    if cell_step > 1 and values.size:
        rows = -(-values.shape[0] // cell_step) * cell_step
        cols = -(-values.shape[1] // cell_step) * cell_step
        padded = np.zeros((rows, cols))
        padded[: values.shape[0], : values.shape[1]] = values
        values = padded.reshape(rows // cell_step, cell_step, cols // cell_step, cell_step).sum(
            axis=(1, 3)
        )
        transform = transform @ Affine.scale(cell_step)

    if values.size:
        labels = rasterio.features.rasterize(
            ((geom, i + 1) for i, geom in enumerate(in_raster.geometry) if geom is not None),
            out_shape=values.shape,
            transform=transform,
            fill=0,
            all_touched=False,
            dtype="int32",
        )
        rr, cc = np.nonzero((labels > 0) & (values > 0))
        cell_area = labels[rr, cc] - 1
        cell_pop = values[rr, cc]
        xs, ys = rasterio.transform.xy(transform, rr, cc, offset="center")
        to_metric = pyproj.Transformer.from_crs(rcrs, mcrs, always_xy=True)
        mx, my = to_metric.transform(np.asarray(xs, dtype=float), np.asarray(ys, dtype=float))
        cell_xy = np.column_stack([np.asarray(mx, dtype=float), np.asarray(my, dtype=float)])
    else:
        cell_area = np.zeros(0, dtype=np.int64)
        cell_pop = np.zeros(0)
        cell_xy = np.zeros((0, 2))

    order = np.argsort(cell_area, kind="stable")
    cell_area, cell_pop, cell_xy = cell_area[order], cell_pop[order], cell_xy[order]
    starts = np.searchsorted(cell_area, np.arange(len(areas)), side="left")
    ends = np.searchsorted(cell_area, np.arange(len(areas)), side="right")

    records: list[dict[str, Any]] = []
    xy_out: list[FloatArray] = []
    for i, (area_id, polygon) in enumerate(zip(metric[id_column], metric.geometry, strict=True)):
        pops = cell_pop[starts[i] : ends[i]]
        xy = cell_xy[starts[i] : ends[i]]
        total = float(pops.sum())
        if polygon is None or polygon.is_empty:
            continue
        if total <= 0:
            rp = polygon.representative_point()
            records.append(
                {"share": 1.0, "population": 0.0, "method": "representative_point", "id": area_id}
            )
            xy_out.append(np.array([rp.x, rp.y]))
            continue
        k = 1
        if polygon.area > max_single_point_area_m2:
            k = min(math.ceil(polygon.area / max_single_point_area_m2), len(pops))
        if k == 1:
            centre = np.average(xy, axis=0, weights=pops)
            records.append(
                {"share": 1.0, "population": total, "method": "population_weighted", "id": area_id}
            )
            xy_out.append(_inside_or_nearest(centre, polygon, xy, pops))
            continue
        labels_k = _weighted_kmeans(xy, pops, k, seed=seed)
        for j in np.unique(labels_k):
            members = labels_k == j
            pop_j = float(pops[members].sum())
            if pop_j <= 0:
                continue
            centre = np.average(xy[members], axis=0, weights=pops[members])
            records.append(
                {
                    "share": pop_j / total,
                    "population": pop_j,
                    "method": "population_clusters",
                    "id": area_id,
                }
            )
            xy_out.append(_inside_or_nearest(centre, polygon, xy[members], pops[members]))

    frame = pd.DataFrame.from_records(records)
    frame.insert(0, id_column, frame.pop("id"))
    frame.insert(1, "point_id", frame.groupby(id_column, sort=False).cumcount())
    frame["point_id"] = frame[id_column].astype(str) + "/" + frame["point_id"].astype(str)
    pts = np.asarray(xy_out).reshape(-1, 2)
    out = gpd.GeoDataFrame(
        frame[columns],
        geometry=gpd.points_from_xy(pts[:, 0], pts[:, 1]),
        crs=mcrs,
    ).to_crs(areas.crs)
    return out


# ---------------------------------------------------------------------------
# Distance table


@dataclass(frozen=True)
class StreetEdges:
    """The street edges of a :class:`WalkMatrix`, cut into short straight pieces for snapping.

    Attributes
    ----------
    nodes
        Each edge's two nodes (m × 2 positions in the matrix), ordered like its
        line; the two directions of a street are one edge.
    length
        Each edge's walking length in metres (its ``length`` attribute).
    line_length
        Each edge's drawn length (its geometry, or the straight line between its
        nodes), in CRS units.
    start, end
        Each piece's end points (k × 2). A piece is a stretch of an edge's line
        at most ``piece_m`` long.
    edge
        The edge each piece belongs to.
    along
        The drawn distance from the edge's first node to the piece's start.
    piece_m
        The longest piece.
    """

    nodes: IntArray
    length: FloatArray
    line_length: FloatArray
    start: FloatArray
    end: FloatArray
    edge: IntArray
    along: FloatArray
    piece_m: float

    @property
    def tree(self) -> cKDTree:
        """A KD-tree on the pieces' midpoints (built on first use)."""
        cached = self.__dict__.get("_tree")
        if cached is None:
            cached = cKDTree((self.start + self.end) / 2)
            object.__setattr__(self, "_tree", cached)
        return cached


@dataclass(frozen=True)
class WalkMatrix:
    """A street graph converted once for bounded shortest paths.

    Attributes
    ----------
    node_ids
        The graph's node ids, in matrix order.
    xy
        Node coordinates (n × 2) in ``crs``.
    matrix
        Symmetric CSR matrix of edge lengths in metres (shortest parallel edge).
    crs
        The graph's CRS.
    streets
        The street edges points snap to; ``None`` allows only node snapping.
    """

    node_ids: npt.NDArray[Any]
    xy: FloatArray
    matrix: sp.csr_matrix
    crs: pyproj.CRS
    streets: StreetEdges | None = None

    @property
    def tree(self) -> cKDTree:
        """A KD-tree on the node coordinates (built on first use)."""
        cached = self.__dict__.get("_tree")
        if cached is None:
            cached = cKDTree(self.xy)
            object.__setattr__(self, "_tree", cached)
        return cached


def _graph_arrays(
    graph: nx.MultiDiGraph, weight: str
) -> tuple[npt.NDArray[Any], FloatArray, IntArray, IntArray, FloatArray, list[dict[str, Any]]]:
    """Node ids, node xy, and every edge's (u, v, length, attributes) in one pass."""
    n = graph.number_of_nodes()
    index: dict[Any, int] = {}
    xy = np.empty((n, 2))
    for i, (node, data) in enumerate(graph.nodes(data=True)):
        index[node] = i
        xy[i, 0] = data["x"]
        xy[i, 1] = data["y"]
    node_ids = np.fromiter(index, dtype=object, count=n)
    rows_l: list[int] = []
    cols_l: list[int] = []
    data_l: list[dict[str, Any]] = []
    multi = graph.is_multigraph()
    for u, nbrs in graph.adjacency():
        iu = index[u]
        for v, keyed in nbrs.items():
            iv = index[v]
            # a multigraph maps keys to attribute dicts; a simple graph has the dict itself
            if multi:
                for data in keyed.values():
                    rows_l.append(iu)
                    cols_l.append(iv)
                    data_l.append(data)
            else:
                rows_l.append(iu)
                cols_l.append(iv)
                data_l.append(keyed)
    rows = np.fromiter(rows_l, dtype=np.int64, count=len(rows_l))
    cols = np.fromiter(cols_l, dtype=np.int64, count=len(cols_l))
    # None becomes NaN
    lengths = np.asarray([d.get(weight) for d in data_l], dtype=np.float64)
    return node_ids, xy, rows, cols, lengths, data_l


def _csr(rows: IntArray, cols: IntArray, weights: FloatArray, n: int) -> sp.csr_matrix:
    """CSR matrix of the shortest of duplicated entries (int32 indices, as csgraph wants)."""
    key = rows * n + cols
    order = np.lexsort((weights, key))
    key = key[order]
    first = np.ones(len(key), dtype=bool)
    np.not_equal(key[1:], key[:-1], out=first[1:])
    r, c, w = rows[order[first]], cols[order[first]], weights[order[first]]
    index_type = np.int32 if max(n, len(r)) < np.iinfo(np.int32).max else np.int64
    indptr = np.zeros(n + 1, dtype=index_type)
    np.cumsum(np.bincount(r, minlength=n), out=indptr[1:])
    return sp.csr_matrix((w, c.astype(index_type), indptr), shape=(n, n))


def _street_edges(
    xy: FloatArray,
    u: IntArray,
    v: IntArray,
    length: FloatArray,
    geoms: list[Any],
    *,
    piece_m: float = _PIECE_M,
) -> StreetEdges | None:
    """The streets to snap to, cut into pieces (see :class:`StreetEdges`).

    ``u``, ``v``, ``length`` and ``geoms`` describe one edge per street (the
    caller keeps one of its two directions). An edge without a geometry is the
    straight line between its nodes; an edge of zero drawn length cannot be
    snapped to and is left out.
    """
    import shapely

    u, v = u.copy(), v.copy()
    m = len(u)
    has_geom = np.fromiter((g is not None for g in geoms), dtype=bool, count=m)
    straight = np.flatnonzero(~has_geom)
    seg_a = [xy[u[straight]]]
    seg_b = [xy[v[straight]]]
    seg_edge = [straight]
    curved = np.flatnonzero(has_geom)
    if len(curved):
        lines = np.empty(len(curved), dtype=object)
        lines[:] = [geoms[i] for i in curved]
        coords, which = shapely.get_coordinates(lines, return_index=True)
        # orient each line from u to v: swap (u, v) when the line starts nearer v
        first = np.searchsorted(which, np.arange(len(curved)))
        start = coords[np.minimum(first, len(coords) - 1)]
        to_u = ((start - xy[u[curved]]) ** 2).sum(axis=1)
        to_v = ((start - xy[v[curved]]) ** 2).sum(axis=1)
        flip = curved[to_v < to_u]
        u[flip], v[flip] = v[flip], u[flip]
        same = which[1:] == which[:-1]
        seg_a.append(coords[:-1][same])
        seg_b.append(coords[1:][same])
        seg_edge.append(curved[which[:-1][same]])
    a = np.concatenate(seg_a)
    b = np.concatenate(seg_b)
    edge = np.concatenate(seg_edge).astype(np.int64)
    by_edge = np.argsort(edge, kind="stable")  # the segments of a line stay in order
    a, b, edge = a[by_edge], b[by_edge], edge[by_edge]
    seg_len = np.hypot(*(b - a).T)
    line_length = np.bincount(edge, weights=seg_len, minlength=m).astype(np.float64)
    ends = np.cumsum(seg_len)
    line_start = np.zeros(m)
    line_start[1:] = np.cumsum(line_length)[:-1]
    along = ends - seg_len - line_start[edge]
    # keep lines that have a length, and their segments that have one
    usable = line_length > 0
    renumber = np.cumsum(usable) - 1
    seg_keep = usable[edge] & (seg_len > 0)
    a, b, seg_len, along = a[seg_keep], b[seg_keep], seg_len[seg_keep], along[seg_keep]
    edge = renumber[edge[seg_keep]]
    if not usable.any():
        return None
    # cut each segment into pieces of at most piece_m
    count = np.maximum(np.ceil(seg_len / piece_m).astype(np.int64), 1)
    seg, _ = _expand(np.zeros(len(count), dtype=np.int64), count)
    part = np.arange(len(seg)) - np.repeat(np.cumsum(count) - count, count)
    f0 = (part / count[seg])[:, None]
    f1 = ((part + 1) / count[seg])[:, None]
    delta = b[seg] - a[seg]
    return StreetEdges(
        nodes=np.column_stack([u, v])[usable],
        length=length[usable],
        line_length=line_length[usable],
        start=a[seg] + delta * f0,
        end=a[seg] + delta * f1,
        edge=edge[seg],
        along=along[seg] + seg_len[seg] * f0[:, 0],
        piece_m=float(np.max(seg_len / count)) if len(count) else 0.0,
    )


def walk_matrix(graph: nx.MultiDiGraph, *, weight: str = "length") -> WalkMatrix:
    """Convert an osmnx graph to a :class:`WalkMatrix` (undirected, shortest parallel edge).

    Parameters
    ----------
    graph
        A projected osmnx-style graph with node ``x``/``y`` and ``graph["crs"]``.
        Edge ``geometry`` (osmnx's, for edges simplification merged) is used to
        snap points to streets; an edge without one is a straight line.
    weight
        The edge attribute holding lengths in metres.

    Returns
    -------
    WalkMatrix
        The graph as a symmetric CSR matrix, with node coordinates and the
        street edges to snap to.

    Raises
    ------
    NetworkError
        The graph has no CRS, no nodes, or edges without a length.
    """
    crs_value = graph.graph.get("crs")
    if crs_value is None:
        raise NetworkError(
            "the street graph has no 'crs' attribute (fix: build it with read_street_graph)"
        )
    crs = pyproj.CRS.from_user_input(crs_value)
    n = graph.number_of_nodes()
    if n == 0:
        raise NetworkError("the street graph has no nodes (fix: check the network source)")
    node_ids, xy, rows, cols, lengths, attributes = _graph_arrays(graph, weight)
    missing = int(np.isnan(lengths).sum())
    if missing:
        raise NetworkError(
            f"{missing} street edges have no '{weight}' "
            "(fix: build the graph with read_street_graph, which fills lengths)"
        )
    # walking is undirected: one sort by node pair, then length, gives each
    # street once (its two directions share ends and length) and the shortest
    # of parallel edges first
    lo = np.minimum(rows, cols)
    key = lo * n + np.maximum(rows, cols)
    order = np.lexsort((lengths, key))
    key, length = key[order], lengths[order]
    new_pair = np.ones(len(key), dtype=bool)
    np.not_equal(key[1:], key[:-1], out=new_pair[1:])
    new_street = new_pair.copy()
    new_street[1:] |= length[1:] != length[:-1]
    pick = order[new_street]
    streets = _street_edges(
        xy, rows[pick], cols[pick], lengths[pick], [attributes[i].get("geometry") for i in pick]
    )
    shortest = order[new_pair & (rows[order] != cols[order])]  # no loops
    r, c = rows[shortest], cols[shortest]
    w = np.maximum(lengths[shortest], 1e-6)  # an explicit zero is fragile
    matrix = sp.csr_matrix(
        (np.concatenate([w, w]), (np.concatenate([r, c]), np.concatenate([c, r]))), shape=(n, n)
    )
    return WalkMatrix(
        node_ids=node_ids,
        xy=xy,
        matrix=matrix,
        crs=crs,
        streets=streets,
    )


def _points_xy(gdf: gpd.GeoDataFrame, crs: pyproj.CRS) -> FloatArray:
    geoms = gdf.geometry.to_crs(crs)
    if not (geoms.geom_type == "Point").all():
        geoms = geoms.representative_point()
    return np.column_stack([geoms.x.to_numpy(dtype=float), geoms.y.to_numpy(dtype=float)])


def _validate_points(
    gdf: gpd.GeoDataFrame, id_column: str, what: str, *, points_column: str | None
) -> list[Problem]:
    problems: list[Problem] = []
    if id_column not in gdf.columns:
        problems.append(
            Problem(f"{what} have no id column", column=id_column, fix=f"name the {what} id column")
        )
        return problems
    if gdf.crs is None:
        problems.append(Problem(f"{what} have no CRS", fix="set the layer's CRS"))
    bad = gdf.geometry.isna() | gdf.geometry.is_empty
    if bad.any():
        problems.append(
            Problem(
                f"{what} without a geometry",
                ids=tuple(gdf.loc[bad, id_column].astype(str)),
                fix="drop them or give them a location",
            )
        )
    key = [id_column] if points_column is None else [id_column, points_column]
    dup = gdf.duplicated(subset=key)
    if dup.any():
        problems.append(
            Problem(
                f"{what} ids are not unique",
                column=id_column,
                ids=tuple(gdf.loc[dup, id_column].astype(str)),
                fix="give every row its own id (several points per area need a point_id column)",
            )
        )
    return problems


def _unique(values: IntArray) -> IntArray:
    """Sorted unique integers (``np.unique`` is slow on large int arrays in numpy 2.4)."""
    ordered = np.sort(values)
    if len(ordered) == 0:
        return ordered
    keep = np.empty(len(ordered), dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    out: IntArray = ordered[keep]
    return out


def _groups(labels: IntArray, n_groups: int) -> tuple[IntArray, IntArray]:
    """Members ordered by group, and each group's start in that order (``n_groups + 1``)."""
    order = np.argsort(labels, kind="stable").astype(np.int64)
    bounds = np.searchsorted(labels[order], np.arange(n_groups + 1)).astype(np.int64)
    return order, bounds


def _expand(starts: IntArray, counts: IntArray) -> tuple[IntArray, IntArray]:
    """For ragged runs ``starts[i] : starts[i] + counts[i]``: (run of each item, item)."""
    run = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    offset = np.arange(len(run), dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
    return run, starts[run] + offset


def _snap_to_edges(
    streets: StreetEdges, xy: FloatArray, *, k: int = 16
) -> tuple[IntArray, FloatArray, FloatArray, FloatArray]:
    """Each point's nearest street edge, the walk along it, and the distance to it.

    Returns ``(edge, along, offset, foot)``: the edge (a row of
    ``streets.nodes``), the walk from the edge's first node to the point's foot
    on it (the edge's ``length`` times the fraction of its line), the straight
    distance from the point to its foot, and the foot's coordinates. Among
    equally near edges (parallel edges drawn as one line) the shortest wins.

    The search is exact: the piece whose midpoint is nearest gives an upper
    bound ``d`` on the distance, and every piece within ``d`` has its midpoint
    within ``d + piece_m / 2``; all of those are measured.
    """
    tree = streets.tree
    _, nearest = tree.query(xy)
    first_d, _ = _to_pieces(streets, xy, np.asarray(nearest, dtype=np.int64))
    bound = first_d + streets.piece_m / 2 + 1e-9
    point = np.arange(len(xy), dtype=np.int64)
    found_p: list[IntArray] = []
    found_i: list[IntArray] = []
    todo = point
    while len(todo):
        kk = min(k, tree.n)
        own = bound[todo][:, None]
        dd, ii = tree.query(xy[todo], k=kk, distance_upper_bound=float(own.max()))
        dd = np.asarray(dd).reshape(len(todo), kk)
        ii = np.asarray(ii).reshape(len(todo), kk)
        hit = dd <= own
        rows, cols = np.nonzero(hit)
        found_p.append(todo[rows])
        found_i.append(ii[rows, cols].astype(np.int64))
        full = hit[:, -1] if kk < tree.n else np.zeros(len(todo), dtype=bool)
        # points with k pieces in range may have more: ask again for twice as many
        todo = todo[full]
        k *= 2
    cand_p = np.concatenate(found_p)
    cand_i = np.concatenate(found_i)
    if len(found_p) > 1:
        key = _unique(cand_p * len(streets.edge) + cand_i)
        cand_p, cand_i = key // len(streets.edge), key % len(streets.edge)
    dist, tau = _to_pieces(streets, xy[cand_p], cand_i)
    edge = streets.edge[cand_i]
    order = np.lexsort((streets.length[edge], dist, cand_p))
    first = np.ones(len(order), dtype=bool)
    first[1:] = cand_p[order][1:] != cand_p[order][:-1]
    best = order[first]  # one per point, in point order
    piece = cand_i[best]
    edge = edge[best]
    ab = streets.end[piece] - streets.start[piece]
    foot = streets.start[piece] + ab * tau[best, None]
    drawn = streets.along[piece] + tau[best] * np.hypot(*ab.T)
    along = np.clip(drawn / streets.line_length[edge], 0.0, 1.0) * streets.length[edge]
    return edge, along, dist[best], foot


def _to_pieces(
    streets: StreetEdges, xy: FloatArray, piece: IntArray
) -> tuple[FloatArray, FloatArray]:
    """Distance from each point to a piece, and the fraction along it of the foot."""
    a = streets.start[piece]
    ab = streets.end[piece] - a
    ap = xy - a
    sq = (ab**2).sum(axis=1)
    tau = np.clip((ap * ab).sum(axis=1) / np.where(sq > 0, sq, 1.0), 0.0, 1.0)
    foot = a + ab * tau[:, None]
    dist: FloatArray = np.hypot(*(xy - foot).T)
    return dist, tau


def _with_feet(
    wm: WalkMatrix, edge: IntArray, along: FloatArray, foot_xy: FloatArray
) -> tuple[sp.csr_matrix, IntArray, FloatArray]:
    """The walk matrix with a node at each foot, splitting the edge it lies on.

    The feet on one edge are chained in order along it, from its first node to
    its last, so a walk between two feet on the same edge is the stretch
    between them and a walk leaving an edge goes out through either end. The
    original edge stays, so a foot is never a shortcut. A foot on an end of
    its edge is that end's node, and feet on the same spot share a node, so
    no link has zero length.

    Returns the matrix, each foot's node, and the new nodes' coordinates.
    """
    streets = wm.streets
    assert streets is not None
    n = wm.matrix.shape[0]
    order = np.lexsort((along, edge))
    e, t = edge[order], along[order]
    length = streets.length[e]
    spot = np.ones(len(e), dtype=bool)  # the first foot on its spot
    spot[1:] = (e[1:] != e[:-1]) | (t[1:] != t[:-1])
    inner = spot & (t > 0) & (t < length)
    node_sorted = np.empty(len(e), dtype=np.int64)
    node_sorted[inner] = n + np.arange(int(inner.sum()))
    node_sorted[t <= 0] = streets.nodes[e[t <= 0], 0]
    node_sorted[t >= length] = streets.nodes[e[t >= length], 1]
    # a later foot on a spot takes the node of the spot's first foot
    first_of_spot = np.maximum.accumulate(np.where(spot, np.arange(len(e)), 0))
    node_sorted = node_sorted[first_of_spot]
    foot_node = np.empty(len(e), dtype=np.int64)
    foot_node[order] = node_sorted
    # chain the new nodes along each edge
    ce, ct, cn = e[inner], t[inner], node_sorted[inner]
    k = len(ce)
    opens = np.ones(k, dtype=bool)  # the first new node on its edge
    opens[1:] = ce[1:] != ce[:-1]
    closes = np.ones(k, dtype=bool)  # the last new node on its edge
    closes[:-1] = opens[1:]
    prev_node = np.empty(k, dtype=np.int64)
    prev_node[1:] = cn[:-1]
    prev_node[opens] = streets.nodes[ce[opens], 0]
    prev_t = np.empty(k)
    prev_t[1:] = ct[:-1]
    prev_t[opens] = 0.0
    rows = np.concatenate([prev_node, cn[closes]])
    cols = np.concatenate([cn, streets.nodes[ce[closes], 1]])
    w = np.concatenate([ct - prev_t, streets.length[ce[closes]] - ct[closes]])
    links = _csr(np.concatenate([rows, cols]), np.concatenate([cols, rows]), np.tile(w, 2), n + k)
    base = wm.matrix
    indptr = np.concatenate([base.indptr, np.full(k, base.indptr[-1], dtype=base.indptr.dtype)])
    padded = sp.csr_matrix((base.data, base.indices, indptr), shape=(n + k, n + k))
    out: sp.csr_matrix = (padded + links).tocsr()
    return out, foot_node, foot_xy[order][inner]


def _network_pairs(
    wm: WalkMatrix,
    origin_xy: FloatArray,
    site_xy: FloatArray,
    max_distance_m: float,
    *,
    snap: Literal["edge", "node"] = "edge",
) -> tuple[IntArray, IntArray, FloatArray]:
    """(origin point, site, walk) for every pair whose walk is within the limit.

    Each point is snapped (see :func:`distance_table`). Bounded Dijkstra
    (:func:`siting.paths.bounded_pairs`) then runs from the distinct site entry
    nodes, each up to the limit less the snap of its nearest site and of the
    nearest origin, and reports only the origins' entry nodes; the straight
    snap distances are added at both ends.
    """
    if snap == "edge" and wm.streets is not None:
        e_s, t_s, snap_s, foot_s = _snap_to_edges(wm.streets, site_xy)
        e_o, t_o, snap_o, foot_o = _snap_to_edges(wm.streets, origin_xy)
        matrix, foot_node, _ = _with_feet(
            wm, np.concatenate([e_s, e_o]), np.concatenate([t_s, t_o]), np.vstack([foot_s, foot_o])
        )
        node_s = foot_node[: len(site_xy)]
        origin_node = foot_node[len(site_xy) :]
    else:
        snap_s_raw, node_s_raw = wm.tree.query(site_xy)
        snap_o_raw, node_o = wm.tree.query(origin_xy)
        snap_s = np.asarray(snap_s_raw, dtype=np.float64)
        snap_o = np.asarray(snap_o_raw, dtype=np.float64)
        node_s = np.asarray(node_s_raw, dtype=np.int64)
        matrix = wm.matrix
        origin_node = np.asarray(node_o, dtype=np.int64)
    # sites at one node share a Dijkstra source; so do origins at one node
    sources, s_inv_raw = np.unique(node_s, return_inverse=True)
    s_inv = s_inv_raw.astype(np.int64)
    targets, o_inv_raw = np.unique(origin_node, return_inverse=True)
    o_inv = o_inv_raw.astype(np.int64)
    # the nearest site of each source and origin of each target bound the walk
    s_min_snap = np.full(len(sources), np.inf)
    np.minimum.at(s_min_snap, s_inv, snap_s)
    t_min_snap = np.full(len(targets), np.inf)
    np.minimum.at(t_min_snap, o_inv, snap_o)
    o_min_snap = float(snap_o.min())
    src, tgt, net = bounded_pairs(
        matrix.indptr,
        matrix.indices,
        matrix.data,
        sources,
        max_distance_m - o_min_snap - s_min_snap,
        targets,
        target_extra=t_min_snap - o_min_snap,
    )
    # every origin at the target node, then every site at the source node
    o_order, o_bounds = _groups(o_inv, len(targets))
    which, o_pos = _expand(o_bounds[tgt], o_bounds[tgt + 1] - o_bounds[tgt])
    origin = o_order[o_pos]
    src, net = src[which], net[which] + snap_o[origin]
    ok = net + s_min_snap[src] <= max_distance_m
    src, net, origin = src[ok], net[ok], origin[ok]
    s_order, s_bounds = _groups(s_inv, len(sources))
    which, s_pos = _expand(s_bounds[src], s_bounds[src + 1] - s_bounds[src])
    site = s_order[s_pos]
    origin, walk = origin[which], net[which] + snap_s[site]
    ok = walk <= max_distance_m
    return origin[ok], site[ok], walk[ok]


def distance_table(
    origins: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    *,
    graph: nx.MultiDiGraph | WalkMatrix | None,
    max_distance_m: float,
    origin_id: str = "area_id",
    site_id: str = "site_id",
    detour_factor: float = 1.3,
    aggregate: Literal["share_weighted", "min"] | None = None,
    point_id: str = "point_id",
    share: str = "share",
    snap: Literal["edge", "node"] = "edge",
) -> pd.DataFrame:
    """Walking distances between origins and sites, up to ``max_distance_m``.

    Parameters
    ----------
    origins
        Demand points (for example the output of :func:`area_points`), or
        polygons (their representative points are used). Several rows may share
        an ``origin_id`` when they have distinct ``point_id`` values.
    sites
        Candidate sites, points or polygons (their representative points).
    graph
        The street graph from :func:`read_street_graph`, or a :class:`WalkMatrix`
        made from it to reuse the conversion; ``None`` to use straight-line
        distance × ``detour_factor``.
    max_distance_m
        Largest walking distance to keep, in metres (the largest service radius).
    origin_id, site_id
        Id columns.
    detour_factor
        Multiplier of the straight line when there is no graph.
    aggregate
        How to combine several points of one origin: ``None`` keeps one row per
        point (with ``point_id`` and ``share``); ``"min"`` keeps the nearest
        point; ``"share_weighted"`` takes the share-weighted mean walk, and keeps
        the pair only when every point of the origin is within the limit.
    point_id, share
        Point id and share columns of ``origins`` (optional).
    snap
        Where a point joins the street network: ``"edge"`` (the default) at
        the nearest point of the nearest street, ``"node"`` at the nearest
        graph node (see the module docstring). Ignored without a graph.

    Returns
    -------
    pandas.DataFrame
        Columns ``origin_id``, [``point_id``, ``share``,] ``site_id``,
        ``distance_m`` (the walk, both snap distances included), ``straight_m``
        and ``method`` (``"network"`` or ``"straight_line"``), sorted by origin
        (input order) and distance. ``attrs`` holds ``method``, ``max_distance_m``,
        ``detour_factor``, ``pairs_within_straight_line`` (pairs inside the
        ``max_distance_m`` circle), ``excluded_by_network`` (of those, the pairs
        beyond the limit on foot) and ``excluded_by_detour`` (the same for the
        straight-line fallback).

    Raises
    ------
    InputError
        Missing id columns, missing CRS or geometries, duplicated ids.
    NetworkError
        The graph cannot be converted.
    """
    if max_distance_m <= 0:
        raise ValueError(f"max_distance_m must be positive, not {max_distance_m}")
    if snap not in ("edge", "node"):
        raise ValueError(f"snap must be 'edge' or 'node', not {snap!r}")
    if detour_factor < 1:
        raise ValueError(f"detour_factor must be at least 1, not {detour_factor}")
    has_points = point_id in origins.columns
    problems = _validate_points(
        origins, origin_id, "origins", points_column=point_id if has_points else None
    )
    problems += _validate_points(sites, site_id, "sites", points_column=None)
    if problems:
        raise InputError(problems)

    wm: WalkMatrix | None
    if graph is None:
        wm = None
        crs = pyproj.CRS.from_user_input(origins.crs) if origins.crs is not None else None
        if crs is None or not crs.is_projected:
            crs = _metric_crs(origins)
    else:
        wm = graph if isinstance(graph, WalkMatrix) else walk_matrix(graph)
        crs = wm.crs
    oxy = _points_xy(origins, crs)
    sxy = _points_xy(sites, crs)
    o_ids = origins[origin_id].to_numpy()
    s_ids = sites[site_id].to_numpy()
    shares = (
        origins[share].to_numpy(dtype=float) if share in origins.columns else np.ones(len(origins))
    )
    p_ids = origins[point_id].to_numpy() if has_points else o_ids

    method = "network" if wm is not None else "straight_line"
    if len(oxy) == 0 or len(sxy) == 0:
        empty = [origin_id, *([point_id, share] if has_points and aggregate is None else [])]
        out = pd.DataFrame(columns=[*empty, site_id, "distance_m", "straight_m", "method"])
        out.attrs = _table_attrs(method, max_distance_m, detour_factor, 0, 0)
        return out

    n_sites = len(sxy)
    codes, _ = pd.factorize(o_ids)  # origin ids numbered in input order
    codes = codes.astype(np.int64)
    expand = aggregate is not None and has_points
    if wm is not None:
        n_o, n_s, n_d = _network_pairs(wm, oxy, sxy, max_distance_m, snap=snap)
    if wm is not None and not expand:
        # the network pairs are all the rows; the circle is only counted
        o_idx, s_idx, walk = n_o, n_s, n_d
        in_circle_total: int | None = int(
            cKDTree(oxy).count_neighbors(cKDTree(sxy), max_distance_m)
        )
    else:
        # every point-level pair within the limit either way, as sorted integer keys
        in_circle_total = None
        straight_pairs = cKDTree(oxy).sparse_distance_matrix(
            cKDTree(sxy), max_distance_m, output_type="ndarray"
        )
        c_keys = straight_pairs["i"].astype(np.int64) * n_sites + straight_pairs["j"]
        keys = _unique(c_keys if wm is None else np.concatenate([c_keys, n_o * n_sites + n_s]))
        if expand:
            # expand to every point of each origin, so that aggregates see all points
            area_keys = _unique(codes[keys // n_sites] * n_sites + keys % n_sites)
            by_code = np.argsort(codes, kind="stable")
            starts = np.searchsorted(codes[by_code], np.arange(codes.max() + 2))
            counts = np.diff(starts)[area_keys // n_sites]
            first = np.repeat(starts[area_keys // n_sites], counts)
            offset = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
            o_idx = by_code[first + offset]
            s_idx = np.repeat(area_keys % n_sites, counts)
        else:
            o_idx = keys // n_sites
            s_idx = keys % n_sites
        walk = np.full(len(o_idx), np.inf)
        if wm is not None and len(n_o):
            net_keys = n_o * n_sites + n_s
            order = np.argsort(net_keys)
            net_keys, net_d = net_keys[order], n_d[order]
            want = o_idx * n_sites + s_idx
            pos = np.minimum(np.searchsorted(net_keys, want), len(net_keys) - 1)
            found = net_keys[pos] == want
            walk[found] = net_d[pos[found]]
    straight = np.hypot(*(oxy[o_idx] - sxy[s_idx]).T)
    if wm is None:
        walk = straight * detour_factor

    if aggregate is None:
        columns: dict[str, Any] = {origin_id: o_ids[o_idx]}
        if has_points:
            columns[point_id] = p_ids[o_idx]
            columns[share] = shares[o_idx]
        order_code = codes[o_idx]
        columns[site_id] = s_ids[s_idx]
        columns["distance_m"] = walk
        columns["straight_m"] = straight
    elif aggregate in ("min", "share_weighted"):
        frame = pd.DataFrame(
            {"code": codes[o_idx], "s": s_idx, "w": shares[o_idx], "d": walk, "l": straight}
        )
        grouped = frame.groupby(["code", "s"], sort=False)
        if aggregate == "min":
            agg = grouped[["d", "l"]].min()
        else:
            total = grouped["w"].transform("sum")
            w = frame["w"] / total.where(total > 0, 1.0)
            agg = (
                frame.assign(d=frame["d"] * w, l=frame["l"] * w)
                .groupby(["code", "s"], sort=False)[["d", "l"]]
                .sum()
            )
        order_code = agg.index.get_level_values("code").to_numpy(dtype=np.int64)
        first_row = np.zeros(codes.max() + 1 if len(codes) else 0, dtype=np.int64)
        first_row[codes[::-1]] = np.arange(len(codes))[::-1]
        columns = {
            origin_id: o_ids[first_row[order_code]],
            site_id: s_ids[agg.index.get_level_values("s").to_numpy(dtype=np.int64)],
            "distance_m": agg["d"].to_numpy(dtype=float),
            "straight_m": agg["l"].to_numpy(dtype=float),
        }
    else:
        raise ValueError(f"aggregate must be None, 'min' or 'share_weighted', not {aggregate!r}")

    dist = np.asarray(columns["distance_m"], dtype=float)
    in_circle = np.asarray(columns["straight_m"], dtype=float) <= max_distance_m
    on_foot = dist <= max_distance_m
    if in_circle_total is None:
        in_circle_total = int(in_circle.sum())
    excluded = in_circle_total - int((in_circle & on_foot).sum())
    keep = np.flatnonzero(on_foot)
    # by origin, then distance (a stable sort of 16-bit codes is a radix sort)
    keep = keep[np.argsort(dist[keep])]
    codes_kept = order_code[keep]
    if len(codes_kept) and codes_kept.max() < 2**16:
        codes_kept = codes_kept.astype(np.uint16)
    keep = keep[np.argsort(codes_kept, kind="stable")]
    out = pd.DataFrame({name: np.asarray(values)[keep] for name, values in columns.items()})
    out["method"] = method
    out.attrs = _table_attrs(method, max_distance_m, detour_factor, in_circle_total, excluded)
    if wm is not None:
        logger.info(
            "walking distances: %d pairs within %.0f m; the network excludes %d of the %d pairs "
            "inside the straight-line circle",
            len(out),
            max_distance_m,
            excluded,
            in_circle_total,
        )
    else:
        logger.info(
            "no street network: straight-line distance x %.2f; %d pairs within %.0f m",
            detour_factor,
            len(out),
            max_distance_m,
        )
    return out


def _table_attrs(
    method: str, max_distance_m: float, detour_factor: float, in_circle: int, excluded: int
) -> dict[str, Any]:
    network = method == "network"
    return {
        "method": method,
        "max_distance_m": float(max_distance_m),
        "detour_factor": None if network else float(detour_factor),
        "pairs_within_straight_line": in_circle,
        "excluded_by_network": excluded if network else 0,
        "excluded_by_detour": 0 if network else excluded,
    }


def excluded_by_network(table: pd.DataFrame) -> int:
    """How many pairs inside the straight-line radius the network puts beyond it.

    Parameters
    ----------
    table
        A table returned by :func:`distance_table` (its ``attrs`` carry the count).

    Returns
    -------
    int
        The number of origin–site pairs within ``max_distance_m`` as the crow
        flies but farther on foot (0 for the straight-line fallback).

    Raises
    ------
    ValueError
        The table did not come from :func:`distance_table` (or lost its ``attrs``).
    """
    if "excluded_by_network" not in table.attrs:
        raise ValueError(
            "the table has no 'excluded_by_network' record; pass the table distance_table "
            "returned, before operations that drop DataFrame.attrs"
        )
    return int(table.attrs["excluded_by_network"])


@overload
def walk_minutes(distance_m: float, *, speed_m_per_min: float = ...) -> float: ...
@overload
def walk_minutes(distance_m: FloatArray, *, speed_m_per_min: float = ...) -> FloatArray: ...
@overload
def walk_minutes(distance_m: pd.Series, *, speed_m_per_min: float = ...) -> pd.Series: ...
def walk_minutes(
    distance_m: float | pd.Series | FloatArray | Sequence[float],
    *,
    speed_m_per_min: float = 70.0,
) -> float | pd.Series | FloatArray:
    """Walking time in minutes.

    Parameters
    ----------
    distance_m
        Walking distance(s) in metres.
    speed_m_per_min
        Walking speed in metres per minute. Planning tools use 60–80 m/min
        (DOMAIN.md §3); the default 70 is the middle. An adult pushing a pram
        or walking with a toddler is at the slow end.

    Returns
    -------
    float or pandas.Series or numpy.ndarray
        Minutes, the same shape as ``distance_m``.

    Examples
    --------
    >>> walk_minutes(350.0)
    5.0
    >>> walk_minutes(300.0, speed_m_per_min=60)
    5.0
    """
    if not speed_m_per_min > 0:
        raise ValueError(f"speed_m_per_min must be positive, not {speed_m_per_min}")
    if isinstance(distance_m, pd.Series):
        return distance_m / speed_m_per_min
    if isinstance(distance_m, int | float):
        return float(distance_m) / speed_m_per_min
    minutes: FloatArray = np.asarray(distance_m, dtype=np.float64) / speed_m_per_min
    return minutes
