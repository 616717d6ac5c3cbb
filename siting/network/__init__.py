"""Walking distances on the street network.

A 300 m service radius drawn as a circle is a promise a parent cannot keep:
rivers, rail lines, walls and gated compounds make the real walk longer. This
module turns an OpenStreetMap street network into a sparse table of walking
distances between demand points (areas) and candidate sites.

The steps, and the choices made at each:

Graph
    :func:`read_street_graph` reads an OSM XML file (``.osm``, ``.osm.bz2``,
    ``.osm.xml``; offline, as :func:`osmnx.graph_from_xml` reads it), a saved
    GraphML file, or a layer of street centrelines (a bureau's 道路中心线,
    Geofabrik's roads: :mod:`siting.network.lines`). :func:`download_street_graph`
    downloads by place name or bounding box when the user asks for it, and caches
    the result to a GraphML file the next run reuses. The walking filter (see
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
    to the foot is added at both ends and counts towards the limit. A foot
    is joined to both ends of its edge, at the walk along the edge to each
    (the edge's ``length`` times the fraction of its line), and two points on
    the same street also have the direct walk between their feet; the graph
    itself is not changed. ``snap="node"`` keeps the nearest-node
    snap, which overestimates walks that start mid-block by up to half a block
    at each end.
Distances
    :func:`distance_table` converts the graph once to a symmetric sparse
    matrix (walking ignores one-way rules; parallel edges keep their shortest
    length) and runs bounded Dijkstra from the distinct site feet with
    :func:`siting.network.paths.bounded_pairs`, a compiled loop that starts
    at both ends of a foot's edge, visits only the nodes within the limit and
    reports only the areas' feet (SciPy's ``csgraph.dijkstra`` returns a
    dense row over the whole graph per source, and would need every foot as a
    node). Only pairs within the largest service radius are returned.
Fallback
    With no graph, the walk is the straight line times a detour factor
    (default 1.3), and the table says ``method = "straight_line"``.

The table's ``attrs`` record how many area–site pairs the straight-line circle
would have allowed and the network excludes (:func:`excluded_by_network`).

Modules, in the order the data flows: :mod:`~siting.network.graph` (reading
and filtering), :mod:`~siting.network.points` (demand points),
:mod:`~siting.network.matrix` (the graph as a matrix, and its streets),
:mod:`~siting.network.snap` (joining points to streets),
:mod:`~siting.network.paths` (the compiled bounded Dijkstra) and
:mod:`~siting.network.table` (the distance table).
"""

from __future__ import annotations

from siting.network.graph import (
    DROPPED_HIGHWAYS,
    OSM_XML_SUFFIXES,
    download_street_graph,
    is_line_layer,
    read_street_graph,
    street_graph_from_lines,
)
from siting.network.matrix import StreetEdges, WalkMatrix, walk_matrix
from siting.network.points import area_points
from siting.network.table import distance_table, excluded_by_network, walk_minutes

__all__ = [
    "DROPPED_HIGHWAYS",
    "OSM_XML_SUFFIXES",
    "StreetEdges",
    "WalkMatrix",
    "area_points",
    "distance_table",
    "download_street_graph",
    "excluded_by_network",
    "is_line_layer",
    "read_street_graph",
    "street_graph_from_lines",
    "walk_matrix",
    "walk_minutes",
]
