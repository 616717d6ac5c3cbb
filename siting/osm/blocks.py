"""Residential areas from street blocks: the land an OSM street network encloses.

Many OSM extracts map only a few ``landuse=residential`` polygons (central
Nanjing has 11 among about 1,280 buildings), so the population raster's people
outside them are the residual, reported but never planned for. A street block
stands in for the unmapped residential land: the planning unit the roads cut
the city into (GB 50180-2018 calls the smallest one, bounded by urban roads, a
居住街坊 of 2–4 ha).

The algorithm (:func:`street_blocks`):

1. **Lines.** The street ways whose ``highway`` value is in
   :data:`BLOCK_HIGHWAYS` (the classes of osmnx's ``drive`` network, plus
   pedestrian streets; ``inputs.osm.block_highways`` chooses others), except
   those in a tunnel, and the railways and rivers of :data:`BLOCK_BARRIERS`, in
   the file's own longitude and latitude. Footways, paths and service roads (a
   compound's driveways) do not cut a block by default: they would split every
   小区 into its lawns (add ``service`` where a city maps its lanes so).
2. **Faces.** The lines are noded (:func:`shapely.union_all`: every crossing
   becomes a vertex, ways drawn twice dissolve) and polygonized
   (:func:`shapely.polygonize`): every bounded face of the planar street graph
   is a block. Dead ends enclose nothing and make no block.
3. **The edge.** The land between the outermost streets and the edge of the
   extract belongs to no face of the streets alone, and every real extract is
   cut somewhere. Given an ``edge`` (:func:`siting._osmxml.extract_edge`: the
   extract's box, or, for an extract cut by a polygon, whose ``<bounds>`` is the
   polygon's box, the land its nodes cover; with districts, the box cut to their
   outline), its outline is noded with the streets, so the faces
   it closes are blocks too (``osm_tags`` ``"street block at the edge"``), and
   the faces beyond it are none: the file holds only the ways crossing out there,
   not the streets between them. A dead end within :data:`EDGE_REACH_M` (100 m)
   of the edge straight ahead, with no line on the way, is carried on to it: a
   clipped extract cuts a way at its last node inside. A face the edge alone
   bounds (a part of it with no street) is none. An edge face takes the land
   rules of step 5 like any other: a narrow strip along the edge goes, and one
   larger than ``max_area_m2`` is land the mapped streets do not divide (the
   file is complete inside its edge), whose people stay in the residual
   (``demand.residual_to_nearest_m`` gives them to the nearest area).
4. **Ids.** ``osm/block/<16 hex>``: a BLAKE2b digest of the face's normalized
   geometry in the file's own coordinates, so a block keeps its id on every run
   of the same file, whatever the working CRS. The edge and the dead ends
   carried on to it are worked out in longitude and latitude too (the reach on
   the ellipsoid), so an edge block's id is as stable, for the same file and
   the same districts; another edge (a districts layer added or redrawn, another
   download) changes the ids of the blocks along it only, as a street redrawn
   changes its blocks'. A block inside keeps the id it had without the edge.
5. **Land.** In the working CRS, each face loses the land already taken: the
   mapped residential areas in use and the polygons of
   :data:`NON_RESIDENTIAL_LAND`. Of what is left, land narrower than
   ``min_width_m`` goes (a morphological opening: the land shrunk by half that
   width and grown back, with mitred joins so square corners stay square): the
   strip between a dual carriageway's two centre lines, the ring between a
   mapped residential polygon and its streets. A part then smaller than
   ``min_area_m2`` goes too, and so does a block whose land left is smaller
   than ``min_area_m2`` or larger than ``max_area_m2`` (see
   :class:`BlockRules`).
6. **Names.** The names of the (at most two) named streets that run longest
   along the block's edge, ``"中山路 / 北京东路"`` (a street crossing the edge by
   its stretch inside; the edge is no street), else the id.

Blocks holding nobody on the population raster are left out of the plan by
:func:`siting.demand.without_empty_blocks`, and counted once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyproj
import shapely

from siting.scenario import OSM_BLOCK_HIGHWAYS

__all__ = [
    "BLOCK_BARRIERS",
    "BLOCK_HIGHWAYS",
    "BLOCK_ID_PREFIX",
    "BLOCK_ID_PREFIXES",
    "EDGE_REACH_M",
    "NON_RESIDENTIAL_LAND",
    "STREET_BLOCK_ID_PREFIX",
    "BlockCounts",
    "BlockRules",
    "block_lines",
    "land_polygons",
    "non_residential_land",
    "street_blocks",
]

BLOCK_ID_PREFIX = "osm/block/"
"""The start of the ``area_id`` of every street block of an OSM file."""

STREET_BLOCK_ID_PREFIX = "streets/block/"
"""The start of the ``area_id`` of every street block of a layer of street centrelines
(``[inputs] streets = { path = "道路中心线.shp", blocks = true }``)."""

BLOCK_ID_PREFIXES: tuple[str, ...] = (BLOCK_ID_PREFIX, STREET_BLOCK_ID_PREFIX)
"""The starts of every street block's ``area_id``, whatever its lines came from."""

BLOCK_HIGHWAYS: frozenset[str] = frozenset(OSM_BLOCK_HIGHWAYS)
"""``highway`` values whose ways bound a street block by default
(``inputs.osm.block_highways`` chooses others): the road classes osmnx's
``drive`` network keeps (it leaves out ``service``, ``track``, footways, paths,
cycleways and steps), plus ``pedestrian`` streets (步行街), which bound blocks
in old centres. A way tagged ``tunnel=yes`` (or ``building_passage``, ``culvert``)
runs under the land and bounds nothing; a closed way drawn as an area
(``area=yes``, a square) is not a line and bounds nothing either."""

BLOCK_BARRIERS: Mapping[str, frozenset[str]] = {
    "railway": frozenset({"rail", "light_rail", "narrow_gauge", "monorail"}),
    "waterway": frozenset({"river", "canal"}),
}
"""Other lines that cut a block: railways (not trams, which run in the street, and
not subways, which run in tunnels) and the centre lines of rivers and canals."""

NON_RESIDENTIAL_LAND: Mapping[str, frozenset[str]] = {
    "landuse": frozenset(
        {
            # B commercial, M industrial, W storage (GB 50137-2011)
            "commercial", "retail", "industrial", "garages", "depot", "port",
            # A public administration and services: education (A3), religion (A9)
            "education", "religious",
            # S transport, U utilities, H4 special (military)
            "railway", "landfill", "military",
            # E and H: land that is not built on, or not for housing
            "cemetery", "quarry", "farmland", "forest", "meadow", "orchard", "vineyard",
            "allotments", "reservoir", "basin", "aquaculture", "salt_pond", "plant_nursery",
            "greenhouse_horticulture", "brownfield", "greenfield", "recreation_ground",
            "winter_sports",
        }
    ),
    "leisure": frozenset(
        {"park", "nature_reserve", "golf_course", "stadium", "sports_centre", "marina",
         "water_park"}
    ),
    "amenity": frozenset(
        {"school", "university", "college", "hospital", "prison", "grave_yard",
         "place_of_worship"}
    ),
    "healthcare": frozenset({"hospital"}),
    "natural": frozenset(
        {"water", "wetland", "wood", "scrub", "heath", "grassland", "bare_rock", "scree",
         "sand", "beach", "glacier"}
    ),
    "waterway": frozenset({"riverbank", "dock"}),
    "aeroway": frozenset({"aerodrome"}),
    "power": frozenset({"plant", "substation"}),
    "man_made": frozenset({"wastewater_plant", "water_works", "works"}),
    "tourism": frozenset({"zoo", "theme_park"}),
}  # fmt: skip
"""Polygons of land that houses nobody, taken out of street blocks.

The classes of GB 50137-2011 (城市用地分类与规划建设用地标准) other than
residential land (R): commercial (B), industrial (M), storage (W), public
administration and services (A: schools, universities, hospitals, religious
sites), transport (S), utilities (U), green space (G: parks, recreation grounds),
special land (H4: military) and land not built on (E: water, woods, farmland),
each by the OSM tags that map it (OSM wiki, ``Key:landuse``, ``Key:leisure``,
``Key:natural``, ``Key:amenity``). Left in on purpose, because they lie inside
residential land or say nothing of who lives there: kindergartens (幼托 is part
of residential land, R22), ``landuse=grass``, ``village_green`` and
``flowerbed``, ``leisure=garden``, ``pitch`` and ``playground`` (a compound's
lawns and courts), ``amenity=parking``, ``landuse=farmyard`` (farmers live
there) and ``landuse=construction`` (perhaps housing being built: the raster
says whether anyone lives there). Staff housing mapped inside a campus is taken
out with the campus; map it ``landuse=residential`` to keep it."""

EDGE_REACH_M = 100.0
"""How far from the edge of the plan a dead-end street may end and still be taken to run
on to it, in metres. An extract clipped at its box cuts a way at its last node inside
(central Taichung: 24 of its 59 dead ends are carried on; without them the land beyond
its outermost streets made one face of 1.3 km², dropped as too large). A real dead end
so near the edge splits the land beyond the outermost street, never a block inside it
(the way to the edge would cross its streets)."""

_TUNNELS = frozenset({"yes", "building_passage", "culvert"})
_LINES = (1, 5)  # LineString, MultiLineString
_AREAL = (3, 6)  # Polygon, MultiPolygon


@dataclass(frozen=True)
class BlockRules:
    """Which faces of the street network are kept as blocks.

    Attributes
    ----------
    min_area_m2
        Smallest block, and smallest part of a block, in m² of land left: 1,000 m²
        (0.1 ha). The smallest 居住街坊 of GB 50180-2018 is 2 ha; the islands of a
        junction's slip lanes and the corners a mapped polygon leaves are smaller.
    max_area_m2
        Largest block, in m² of land left: 1 km² (100 ha), twice the 32–50 ha of a
        10-minute life circle (GB 50180-2018). A face larger than that is land the
        mapped streets do not divide (farmland, hills, a district whose streets
        are not mapped), not a block: it is dropped and counted, and its people
        stay in the residual.
    min_width_m
        Narrowest land kept in a block, in metres: 20 m. Land narrower than that
        (an opening by half of it) goes. Centre lines of a dual carriageway with
        its median lie 15–25 m apart, and a residential block measured between
        street centre lines is wider (a 12 m building depth plus setbacks plus
        half of each street).
    """

    min_area_m2: float = 1_000.0
    max_area_m2: float = 1_000_000.0
    min_width_m: float = 20.0


@dataclass(frozen=True)
class BlockCounts:
    """What :func:`street_blocks` made and dropped, for the run's notes.

    Attributes
    ----------
    faces
        Faces of the street network.
    blocks
        Blocks kept.
    blocks_m2
        Land of the blocks kept, in m².
    taken
        Faces wholly taken by mapped residential areas or non-residential land.
    small
        Faces whose land left, without its strips narrower than ``min_width_m``,
        was smaller than ``min_area_m2``.
    large
        Faces whose land left was larger than ``max_area_m2``.
    large_m2
        Their land, in m².
    edge
        Blocks kept that run along the edge (closed against it, see
        :func:`street_blocks`).
    edge_m2
        Their land, in m².
    edge_large
        Faces along the edge whose land left was larger than ``max_area_m2``.
    beyond
        Faces the streets and the edge enclose beyond the edge, left out (the file holds
        only the ways crossing out there, not the streets between them).
    beyond_m2
        Their area, in m².
    """

    faces: int = 0
    blocks: int = 0
    blocks_m2: float = 0.0
    taken: int = 0
    small: int = 0
    large: int = 0
    large_m2: float = 0.0
    edge: int = 0
    edge_m2: float = 0.0
    edge_large: int = 0
    beyond: int = 0
    beyond_m2: float = 0.0

    def said(
        self,
        rules: BlockRules,
        *,
        taken_by: str,
        edge: str,
        bounded: str = "",
        section: str = "inputs.osm",
    ) -> str:
        """The run's note on these blocks after its start (how many, from where): the edge
        they were closed by and the faces dropped.

        Parameters
        ----------
        rules
            The sizes the blocks were kept by.
        taken_by
            What the land taken was (``"non-residential land use"``).
        edge
            The edge the faces were closed by, ``""`` for none.
        bounded
            What the lines that bound them were, when not the defaults (``" (without
            highway=busway: inputs.osm.block_highways)"``).
        section
            Where the sizes are set (``"inputs.osm"``: ``inputs.osm.block_min_area_m2``).
        """
        dropped = []
        if self.taken:
            dropped.append(f"{self.taken:,} wholly taken by {taken_by}")
        if self.small:
            dropped.append(
                f"{self.small:,} with less than {rules.min_area_m2:,.0f} m² of land wider than "
                f"{rules.min_width_m:g} m ({section}.block_min_area_m2, block_min_width_m)"
            )
        if self.large:
            dropped.append(
                f"{self.large:,} larger than {rules.max_area_m2 / 1e6:g} km² "
                f"({self.large_m2 / 1e6:,.2f} km² in all"
                + (f", {self.edge_large:,} of them at the edge" if self.edge_large else "")
                + ": land the mapped streets do not divide; its people stay in the residual; "
                f"{section}.block_max_area_m2)"
            )
        along = (
            f"{self.edge:,} of the blocks ({self.edge_m2 / 1e6:,.2f} km²) run along that edge "
            "(osm_tags 'street block at the edge')"
            if self.edge
            else "no block runs along it"
        )
        if self.beyond:
            along += (
                f"; the {self.beyond:,} faces ({self.beyond_m2 / 1e6:,.2f} km²) the streets "
                "enclose beyond that edge are left out"
            )
        closed = f"; the land beyond the outermost streets is closed by {edge}: {along}"
        return (
            (closed if edge else "")
            + f"; of the {self.faces:,} faces the streets{bounded} enclose, "
            + ("; ".join(dropped) if dropped else "none was dropped")
            + (" were dropped" if dropped else "")
            + "; the blocks' people are counted with the demand"
        )


def _tag(features: gpd.GeoDataFrame, key: str) -> pd.Series:
    if key in features.columns:
        return features[key].astype(object)
    return pd.Series([None] * len(features), index=features.index, dtype=object)


def block_lines(
    features: gpd.GeoDataFrame, *, highways: Collection[str] = BLOCK_HIGHWAYS
) -> npt.NDArray[np.object_]:
    """The lines that bound street blocks among OSM features, in their CRS.

    Parameters
    ----------
    features
        OSM features (as :func:`osmnx.features_from_xml` gives them).
    highways
        The ``highway`` values whose ways bound a block (``inputs.osm.block_highways``).

    Returns
    -------
    numpy.ndarray
        Line geometries of ``highways`` ways not in a tunnel, and of
        :data:`BLOCK_BARRIERS`.
    """
    if features.empty:
        return np.empty(0, dtype=object)
    geoms = np.asarray(features.geometry.to_numpy(), dtype=object)
    lines = np.isin(shapely.get_type_id(geoms), _LINES)
    wanted = _tag(features, "highway").isin(list(highways)).to_numpy(dtype=bool).copy()
    for key, values in BLOCK_BARRIERS.items():
        wanted |= _tag(features, key).isin(values).to_numpy(dtype=bool)
    wanted &= ~_tag(features, "tunnel").isin(_TUNNELS).to_numpy(dtype=bool)
    out: npt.NDArray[np.object_] = geoms[lines & wanted]
    return out


def land_polygons(shapes: npt.ArrayLike) -> npt.NDArray[np.object_]:
    """The valid polygons among ``shapes``, the land a street block loses (a planner's
    areas, the candidate parcels): points, lines and missing shapes left out.

    Examples
    --------
    >>> import shapely
    >>> land = land_polygons([shapely.box(0, 0, 1, 1), shapely.Point(5, 5), None])
    >>> [shape.area for shape in land]
    [1.0]
    """
    every = np.asarray(shapes, dtype=object)
    every = every[~shapely.is_missing(every)]
    out: npt.NDArray[np.object_] = shapely.make_valid(
        every[np.isin(shapely.get_type_id(every), (3, 6))]
    )
    return out


def non_residential_land(features: gpd.GeoDataFrame) -> npt.NDArray[np.object_]:
    """Polygons of :data:`NON_RESIDENTIAL_LAND` among OSM features, in their CRS.

    Parameters
    ----------
    features
        OSM features (as :func:`osmnx.features_from_xml` gives them).

    Returns
    -------
    numpy.ndarray
        Their polygons and multipolygons, made valid.
    """
    if features.empty:
        return np.empty(0, dtype=object)
    geoms = np.asarray(features.geometry.to_numpy(), dtype=object)
    wanted = np.zeros(len(features), dtype=bool)
    for key, values in NON_RESIDENTIAL_LAND.items():
        wanted |= _tag(features, key).isin(values).to_numpy(dtype=bool)
    wanted &= np.isin(shapely.get_type_id(geoms), _AREAL)
    out: npt.NDArray[np.object_] = shapely.make_valid(geoms[wanted])
    return out


def _block_ids(faces: npt.NDArray[np.object_], prefix: str) -> list[str]:
    """``<prefix><16 hex>`` of each face, from its outline in the file's coordinates."""
    wkbs = shapely.to_wkb(shapely.normalize(faces), output_dimension=2, byte_order=1)
    return [prefix + hashlib.blake2b(w, digest_size=8).hexdigest() for w in wkbs]


def _faces(
    lines: npt.NDArray[np.object_], edge: shapely.Geometry | None
) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.bool_], npt.NDArray[np.object_]]:
    """Bounded faces of the planar graph of ``lines``, closed against ``edge``'s outline
    and cut to it, which of them run along that outline, and the faces beyond it, left
    out (all in EPSG:4326)."""
    none = np.empty(0, dtype=object)
    # an edge with no street in it bounds no block; the streets wholly beyond it are
    # noded too, so that the faces they close out there are counted as left out
    if edge is not None:
        shapely.prepare(edge)  # every contains/intersects below is against it
    if not len(lines) or (edge is not None and not shapely.intersects(lines, edge).any()):
        return none, np.empty(0, dtype=bool), none
    noded = shapely.get_parts(shapely.union_all(lines))
    if edge is None:
        faces: npt.NDArray[np.object_] = shapely.get_parts(shapely.polygonize(noded))
        return faces, np.zeros(len(faces), dtype=bool), none
    rim = shapely.boundary(edge)
    extra = np.concatenate([_to_edge(noded, edge, rim), shapely.get_parts(rim)])
    # only the pieces the edge or a line carried on to it crosses are noded again: the
    # others are noded already, and stay as they are (so do the blocks inside)
    shapely.prepare(extra)
    near = shapely.STRtree(extra).query(noded, predicate="intersects")[0]
    cut = np.zeros(len(noded), dtype=bool)
    cut[near] = True
    renoded = shapely.get_parts(shapely.union_all(np.concatenate([noded[cut], extra])))
    faces = shapely.get_parts(shapely.polygonize(np.concatenate([noded[~cut], renoded])))
    within = shapely.contains(edge, shapely.point_on_surface(faces))
    beyond, faces = faces[~within], faces[within]
    shapely.prepare(rim)
    touching = np.flatnonzero(shapely.intersects(rim, faces))
    # a face runs along the edge where a side of it lies on the edge's outline (its
    # middle within 1e-9°, 0.1 mm: the noded sides of the outline are not exactly on it),
    # not where a street ends on the edge; a face whose every side lies on the edge (a
    # part of the edge with no street in it) is no block
    sides, face = _segments(shapely.boundary(faces[touching]))
    middles = shapely.line_interpolate_point(sides, 0.5, normalized=True)
    on_rim = shapely.dwithin(rim, middles, 1e-9)
    at_edge = np.zeros(len(faces), dtype=bool)
    at_edge[touching[face[on_rim]]] = True
    keep = np.ones(len(faces), dtype=bool)
    keep[touching] = np.bincount(face[~on_rim], minlength=len(touching)) > 0
    return faces[keep], at_edge[keep], beyond


def _to_edge(
    noded: npt.NDArray[np.object_], edge: shapely.Geometry, rim: shapely.Geometry
) -> npt.NDArray[np.object_]:
    """Lines carrying each dead end on to the edge, straight on in the direction of its
    last stretch, where the edge lies within :data:`EDGE_REACH_M` that way (measured on
    the ellipsoid) and no other line crosses the way there. All in EPSG:4326, so that
    the faces, and their ids, are the same in every working CRS; each line reaches
    about 1 m past the edge, so that the edge is noded where it crosses it."""
    tips = np.concatenate([shapely.get_point(noded, 0), shapely.get_point(noded, -1)])
    xy = shapely.get_coordinates(tips)
    # a dead end: the end of one piece only (a point as one complex number: a fast unique)
    _, which, count = np.unique(xy[:, 0] + 1j * xy[:, 1], return_inverse=True, return_counts=True)
    dead = np.flatnonzero(count[which] == 1)
    dead = dead[shapely.contains(edge, tips[dead])]
    if not len(dead):
        return np.empty(0, dtype=object)
    behind = np.concatenate([shapely.get_point(noded, 1), shapely.get_point(noded, -2)])[dead]
    tip = xy[dead]
    way = tip - shapely.get_coordinates(behind)
    way /= np.maximum(np.hypot(way[:, 0], way[:, 1]), 1e-15)[:, None]
    # a ray of at least EDGE_REACH_M whichever way it heads (a degree of longitude is
    # the shorter one), then the nearest point where it meets the edge
    long_deg = 1.5 * EDGE_REACH_M / (111_320.0 * np.cos(np.radians(tip[:, 1])))
    rays = shapely.linestrings(np.stack([tip, tip + long_deg[:, None] * way], axis=1))
    # the rim's segments each ray meets, found through a tree: intersecting every ray with
    # the whole outline cost outline vertices × dead ends (a 20,000-vertex outline)
    segments, _ = _segments(np.asarray(shapely.get_parts(rim), dtype=object))
    ray, seg = shapely.STRtree(segments).query(rays, predicate="intersects")
    # the point of each segment met nearest the tip (in degrees, as before), and of those
    # the nearest for each ray
    nearest = shapely.shortest_line(
        shapely.points(tip[ray]), shapely.intersection(rays[ray], segments[seg])
    )
    order = np.lexsort((shapely.length(nearest), ray))
    first = order[np.r_[True, ray[order][1:] != ray[order][:-1]]] if len(ray) else order
    met = np.zeros(len(rays), dtype=bool)
    met[ray[first]] = True
    hit = np.full_like(tip, np.nan)
    hit[ray[first]] = shapely.get_coordinates(shapely.get_point(nearest[first], 1))
    reach = np.full(len(tip), np.inf)
    _, _, metres = pyproj.Geod(ellps="WGS84").inv(
        tip[met, 0], tip[met, 1], hit[met, 0], hit[met, 1]
    )
    reach[met] = metres
    go = (reach > 0) & (reach <= EDGE_REACH_M)  # a tip on the edge is noded as it is
    if not go.any():
        return np.empty(0, dtype=object)
    start, end, heading = tip[go], hit[go], way[go]
    lines = shapely.linestrings(np.stack([start, end + 1e-5 * heading], axis=1))
    probes = shapely.linestrings(np.stack([start + 1e-7 * heading, end], axis=1))
    crossing, _ = shapely.STRtree(noded).query(probes, predicate="intersects")
    clear = np.ones(len(lines), dtype=bool)
    clear[crossing] = False
    # two carried on across each other would close a face the edge does not touch: the
    # shorter way to the edge goes first, and one crossing it is not carried on
    one, other = shapely.STRtree(probes).query(probes, predicate="intersects")
    partners = pd.Series(other[one != other]).groupby(one[one != other]).agg(list)
    kept = np.zeros(len(lines), dtype=bool)
    for i in np.argsort(reach[go], kind="stable"):
        if clear[i] and not kept[partners.get(i, [])].any():
            kept[i] = True
    out: npt.NDArray[np.object_] = lines[kept]
    return out


def _land_left(
    faces: npt.NDArray[np.object_], taken: npt.NDArray[np.object_]
) -> npt.NDArray[np.object_]:
    """Each face minus the union of the ``taken`` polygons it meets."""
    left = faces.copy()
    if not len(taken) or not len(faces):
        return left
    tree = shapely.STRtree(taken)
    face, hit = tree.query(faces, predicate="intersects")
    if not len(face):
        return left
    order = np.argsort(face, kind="stable")
    face, hit = face[order], hit[order]
    starts = np.flatnonzero(np.r_[True, face[1:] != face[:-1]])
    ends = np.r_[starts[1:], len(face)]
    covers = np.array(
        [shapely.union_all(taken[hit[a:b]]) for a, b in zip(starts, ends, strict=True)],
        dtype=object,
    )
    which = face[starts]
    left[which] = shapely.difference(faces[which], covers)
    return left


def _kept_parts(
    land: npt.NDArray[np.object_], rules: BlockRules
) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.float64]]:
    """Each block's land without its thin strips and crumbs, and the land's area.

    The strips go by a morphological opening: the land shrunk by half of
    ``min_width_m`` and grown back, with mitred joins so that a square corner stays
    square (a 200 m block keeps its 40,000 m²). A part wider somewhere keeps its
    wide part only: the ring a mapped polygon leaves round itself in its block
    goes, and a corner of that ring wide enough to hold a building stays.
    """
    if rules.min_width_m > 0:
        half = rules.min_width_m / 2.0
        present = ~(shapely.is_missing(land) | shapely.is_empty(land))
        opened = land.copy()
        before = land[present]
        shrunk = shapely.buffer(before, -half, join_style="mitre")
        grown = shapely.buffer(shrunk, half, join_style="mitre")
        # GEOS's mitred growth can cross itself where a hole lies within the width of
        # the edge (a TopologyException in the intersection below): those grow round
        crossed = ~shapely.is_valid(grown)
        grown[crossed] = shapely.buffer(shrunk[crossed], half, join_style="round")
        # most blocks have no thin land and come back whole: they keep their exact
        # outline; the others are clipped to their land (no mitre spike reaches out)
        area = shapely.area(before)
        changed = np.abs(shapely.area(grown) - area) > 1e-9 * np.maximum(area, 1.0)
        grown[changed] = shapely.intersection(grown[changed], before[changed])
        grown[~changed] = before[~changed]
        opened[present] = grown
        land = opened
    parts, owner = shapely.get_parts(land, return_index=True)
    polygonal = shapely.get_type_id(parts) == 3
    parts, owner = parts[polygonal], owner[polygonal]
    area = shapely.area(parts)
    keep = (area > 0) & (area >= rules.min_area_m2)
    out = np.full(len(land), None, dtype=object)
    kept_area = np.zeros(len(land))
    parts, owner, area = parts[keep], owner[keep], area[keep]
    np.add.at(kept_area, owner, area)
    if len(parts):
        shapely.multipolygons(parts, indices=owner, out=out)  # owner is increasing
        alone = np.bincount(owner, minlength=len(land))[owner] == 1
        out[owner[alone]] = parts[alone]  # a block of one part stays a polygon
    return out, kept_area


def _segments(
    lines: npt.NDArray[np.object_],
) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.intp]]:
    """Every two-point segment of ``lines``, and the line each comes from."""
    parts, line_of_part = shapely.get_parts(lines, return_index=True)
    coords = shapely.get_coordinates(parts)
    part_of = np.repeat(np.arange(len(parts)), shapely.get_num_coordinates(parts))
    starts = np.flatnonzero(part_of[1:] == part_of[:-1])  # never across two parts
    segments: npt.NDArray[np.object_] = shapely.linestrings(
        np.stack([coords[starts], coords[starts + 1]], axis=1)
    )
    line_of: npt.NDArray[np.intp] = line_of_part[part_of[starts]]
    return segments, line_of


def _within(lines: npt.NDArray[np.object_], edge: shapely.Geometry) -> npt.NDArray[np.object_]:
    """Each line's stretch within ``edge``, ``None`` for one wholly beyond it.

    Only the lines crossing the edge's outline are cut, each by the parts of the edge it
    meets: all of them cut by the whole edge cost 17 s on 100 MB of tiles whose edge is
    the land their nodes cover (92 parts, 12,000 vertices), against 0.3 s.
    """
    shapely.prepare(edge)
    meets = shapely.intersects(edge, lines)
    crossing = np.flatnonzero(meets & ~shapely.contains_properly(edge, lines))
    out = np.full(len(lines), None, dtype=object)
    out[meets] = lines[meets]
    parts = np.asarray(shapely.get_parts(edge), dtype=object)
    line, part = shapely.STRtree(parts).query(lines[crossing], predicate="intersects")
    pieces = shapely.intersection(lines[crossing[line]], parts[part])
    alone = np.bincount(line, minlength=len(crossing))[line] == 1
    out[crossing[line[alone]]] = pieces[alone]
    for k in np.unique(line[~alone]):  # a line across two parts of the edge
        out[crossing[k]] = shapely.union_all(pieces[line == k])
    return out


def _names(faces: npt.NDArray[np.object_], streets: gpd.GeoDataFrame, ids: list[str]) -> list[str]:
    """The (at most two) named streets running longest along each face's edge.

    ``faces`` and ``streets`` are in the same projected CRS; ties of whole metres
    go to the first name.
    """
    names = [*ids]
    if streets.empty or not len(faces):
        return names
    geoms = np.asarray(streets.geometry.to_numpy(), dtype=object)
    text = _tag(streets, "name")
    named = text.notna().to_numpy(dtype=bool) & np.isin(shapely.get_type_id(geoms), _LINES)
    if not named.any():
        return names
    segments, street = _segments(geoms[named])
    labels = text[named].astype(str).to_numpy()[street]
    # a segment runs along a face when its middle lies on the face's edge (the faces
    # are made of these very segments, so no intersection needs computing)
    middles = shapely.line_interpolate_point(segments, 0.5, normalized=True)
    tree = shapely.STRtree(shapely.boundary(faces))
    hit, face = tree.query(middles, predicate="dwithin", distance=0.5)
    if not len(face):
        return names
    along = shapely.length(segments[hit])
    table = pd.DataFrame({"face": face, "name": labels[hit], "along": along})
    table = table.groupby(["face", "name"], sort=False)["along"].sum().reset_index()
    table = table.loc[table["along"] >= 10.0]  # a street that only touches a corner
    table["along"] = table["along"].round()  # whole metres: ties go to the first name
    table = table.sort_values(["face", "along", "name"], ascending=[True, False, True])
    rank = table.groupby("face", sort=False).cumcount().to_numpy()
    first = table.loc[rank == 0].set_index("face")["name"]
    second = table.loc[rank == 1].set_index("face")["name"]
    label = first.copy()
    label.loc[second.index] = first.loc[second.index] + " / " + second
    for i, text in zip(label.index.to_numpy(), label.to_numpy(), strict=True):
        names[int(i)] = str(text)
    return names


def street_blocks(
    lines: npt.NDArray[np.object_] | gpd.GeoSeries,
    *,
    crs: pyproj.CRS,
    taken: npt.NDArray[np.object_] | gpd.GeoSeries | None = None,
    streets: gpd.GeoDataFrame | None = None,
    status: str = "old",
    rules: BlockRules | None = None,
    edge: shapely.Geometry | None = None,
    id_prefix: str = BLOCK_ID_PREFIX,
) -> tuple[gpd.GeoDataFrame, BlockCounts]:
    """Street blocks as residential areas (see the module docstring).

    Parameters
    ----------
    lines
        The lines that bound blocks (:func:`block_lines`) in EPSG:4326, as the file
        gives them: the ids are digests of these coordinates.
    edge
        The (multi)polygon in EPSG:4326 that bounds the plan: the extract's box (the
        land its nodes cover, for an extract cut by a polygon), or the box cut to the
        districts' outline when there are districts. Its outline closes the
        faces the outermost streets leave open, and what lies beyond it makes no
        block. ``None``: the faces the lines enclose by themselves.
    crs
        The projected metric CRS of the result, where areas and widths are measured.
    taken
        Polygons in ``crs`` whose land is not a block's: mapped residential areas
        and :func:`non_residential_land`.
    streets
        Street features in ``crs`` with a ``name`` column, to name the blocks.
    status
        The ``status`` of every block.
    rules
        Sizes of the blocks kept; the defaults of :class:`BlockRules` if ``None``.
    id_prefix
        The start of every block's ``area_id``: :data:`BLOCK_ID_PREFIX` for an OSM
        file's, :data:`STREET_BLOCK_ID_PREFIX` for a layer of centrelines'.

    Returns
    -------
    tuple of geopandas.GeoDataFrame and BlockCounts
        ``area_id`` (``id_prefix`` and 16 hex digits, ``"osm/block/<16 hex>"``),
        ``name``, ``status``, ``osm_tags`` (``"street block"``) and (multi)polygons in
        ``crs``; and what was made and dropped.

    Examples
    --------
    Two streets across two others, 200 m apart, enclose one block of 200 m × 200 m:

    >>> import geopandas as gpd, pyproj, shapely
    >>> utm = pyproj.CRS("EPSG:32650")
    >>> x0, y0 = 668_000, 3_546_000
    >>> grid = [shapely.LineString([(x0 - 50, y0 + y), (x0 + 250, y0 + y)]) for y in (0, 200)]
    >>> grid += [shapely.LineString([(x0 + x, y0 - 50), (x0 + x, y0 + 250)]) for x in (0, 200)]
    >>> lines = gpd.GeoSeries(grid, crs=utm).to_crs("EPSG:4326")
    >>> blocks, counts = street_blocks(lines, crs=utm)
    >>> counts.faces, counts.blocks, round(float(blocks.area.iloc[0]))
    (1, 1, 40000)

    Closed against a box 40 m round the crossings, which the streets run past, the land
    beyond them makes eight more: four of 40 m × 200 m along the sides and four of
    40 m × 40 m at the corners, too small a block (1,600 m²) but not narrow:

    >>> box = gpd.GeoSeries([shapely.box(x0 - 40, y0 - 40, x0 + 240, y0 + 240)], crs=utm)
    >>> edge = box.to_crs("EPSG:4326").iloc[0]
    >>> blocks, counts = street_blocks(lines, crs=utm, edge=edge)
    >>> counts.blocks, counts.edge, sorted(round(float(a)) for a in blocks.area)
    (9, 8, [1600, 1600, 1600, 1600, 8000, 8000, 8000, 8000, 40000])
    """
    rules = rules or BlockRules()
    columns = ["area_id", "name", "status", "osm_tags"]
    raw = np.asarray(lines, dtype=object)
    faces84, at_edge, beyond84 = _faces(raw, edge)
    if not len(faces84):
        empty = gpd.GeoDataFrame(
            {c: pd.Series(dtype=object) for c in columns}, geometry=gpd.GeoSeries([], crs=crs)
        )
        return empty, BlockCounts()
    ids = _block_ids(faces84, id_prefix)
    faces = np.asarray(gpd.GeoSeries(faces84, crs="EPSG:4326").to_crs(crs).to_numpy(), dtype=object)
    # a face with a vertex a hair from another side can cross itself once projected (a
    # face of 829 m² along the stepped edge of a polygon's extract): made valid
    crossed = ~shapely.is_valid(faces)
    faces[crossed] = shapely.make_valid(faces[crossed])
    covered = np.asarray(taken if taken is not None else [], dtype=object)
    land = _land_left(faces, covered)
    gone = shapely.is_empty(land) | (shapely.area(land) <= 0)
    kept, area = _kept_parts(land, rules)
    large = area > rules.max_area_m2
    small = ~gone & ((area <= 0) | (area < rules.min_area_m2))
    keep = ~gone & ~small & ~large
    index = np.flatnonzero(keep)
    block_ids = [ids[i] for i in index]
    named = streets if streets is not None else gpd.GeoDataFrame()
    if edge is not None and not named.empty:
        # a street running on past the edge names the blocks by its stretch inside
        rim = gpd.GeoSeries([edge], crs="EPSG:4326").to_crs(crs).iloc[0]
        named = named.set_geometry(
            gpd.GeoSeries(
                _within(np.asarray(named.geometry.to_numpy(), dtype=object), rim),
                index=named.index,
                crs=named.crs,
            )
        )
    names = _names(kept[index], named, block_ids)
    blocks = gpd.GeoDataFrame(
        {
            "area_id": block_ids,
            "name": names,
            "status": status,
            "osm_tags": np.where(at_edge[index], "street block at the edge", "street block"),
        },
        geometry=gpd.GeoSeries(kept[index], crs=crs),
        crs=crs,
    )
    counts = BlockCounts(
        faces=len(faces),
        blocks=len(blocks),
        blocks_m2=float(area[keep].sum()),
        taken=int(gone.sum()),
        small=int(small.sum()),
        large=int(large.sum()),
        large_m2=float(area[large].sum()),
        edge=int((keep & at_edge).sum()),
        edge_m2=float(area[keep & at_edge].sum()),
        edge_large=int((large & at_edge).sum()),
        beyond=len(beyond84),
        beyond_m2=float(gpd.GeoSeries(beyond84, crs="EPSG:4326").to_crs(crs).area.sum()),
    )
    return blocks, counts
