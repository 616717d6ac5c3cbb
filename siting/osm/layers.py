"""A scenario's inputs from one OpenStreetMap file: ``[inputs.osm]``.

A bureau without a parcel inventory can plan from a population raster and an
OSM XML file alone. :func:`read_osm_layers` reads the file once (offline, as
:func:`osmnx.features_from_xml` reads it, from the parse the run's street graph
shares: :func:`siting._osmxml.parse_once`) and gives each use in ``use`` as a
layer with ``siting``'s column names, which :mod:`siting.inputs` then checks
and normalizes exactly like a layer given by its own file:

============  ==============================================================  ===========
use           OSM features                                                    layer
============  ==============================================================  ===========
streets       ``highway=*`` ways (read later by                               streets
              :func:`siting.network.read_street_graph`)
areas         ``landuse=residential`` and ``residential=*`` polygons;         areas
              ``status`` is ``area_status`` (default ``"old"``), ``name``
              the ``name`` tag or the OSM id. With ``"blocks"`` in
              ``areas_from``, also street blocks
              (:func:`~siting.osm.blocks.street_blocks`): the land the
              ``highway`` ways of ``block_highways`` (by default
              :data:`~siting.osm.BLOCK_HIGHWAYS`) enclose, closed by the
              extract's edge, less those polygons and
              :data:`~siting.osm.NON_RESIDENTIAL_LAND`; ids
              ``osm/block/<16 hex>``, names of their longest streets
candidates    :func:`~siting.osm.candidates_from_osm` sites (parks,           parcels
              community, health, cultural and sports venues, idle land)
facilities    ``amenity=kindergarten|childcare`` and ``childcare=*``,         facilities
              ``slots`` from ``capacity`` or ``existing_slots_default``
hazards       :func:`~siting.osm.hazards_from_osm` features                   hazards
buildings     ``building=*`` polygons (closed ways and multipolygons;         buildings
              points and lines dropped; ``building=no`` is no building),
              ``levels`` from ``building:levels`` (:func:`parse_levels`),
              ``building`` the tag's value
============  ==============================================================  ===========

Ids are the OSM element's, ``osm/way/123``, so they are the same on every
run of the same file; a street block's is a digest of its outline in the
file's coordinates, ``osm/block/3f9a0c1d2e4b5a67``, the same on every run of
the same file in any working CRS.

Choices made on the planner's behalf, each said in the layers' notes:

* **Kindergartens.** With ``facilities`` in use, a kindergarten or childcare
  centre is an existing facility and never also a candidate. Without it, a
  kindergarten is a candidate (kind ``existing_childcare``) acquired by
  ``reuse``: a nursery class added in its building (托幼一体化).
* **Slots.** A childcare centre's OSM ``capacity`` tag (``amenity=childcare``
  or a ``childcare=*`` tag) is read as its slots (``slots_source = "osm
  capacity"``). A kindergarten's capacity counts children aged 3–6, so it is
  not read. Without it (or with ``capacity=0``) the facility gets
  ``existing_slots_default`` slots, ``slots_source = "assumed default"``.
  ``childcare=no`` on a kindergarten leaves it out; ``building=kindergarten``
  alone counts as a kindergarten.
* **Cost.** OSM says nothing about land prices: candidates carry no ``cost``.
* **Street blocks.** ``areas_from = ["landuse"]`` (the default) takes the
  mapped residential polygons alone, and a file without one is refused (the
  fix names ``areas_from``). ``["landuse", "blocks"]`` adds the street blocks
  where those polygons do not cover, ``["blocks"]`` takes street blocks alone.
  The land beyond the outermost streets is closed by the extract's box (its
  ``<bounds>``, else the box of its nodes in no way or relation), cut to the
  districts' outline when there are districts; the note says which.
  Land narrower than ``block_min_width_m`` (20 m) goes, and so do blocks with
  less than ``block_min_area_m2`` (1,000 m²) of land or more than
  ``block_max_area_m2`` (1 km²); the note counts what was dropped, and
  :func:`siting.demand.without_empty_blocks` leaves out those that hold nobody.
* **No streets.** With ``streets`` in use, a file without a single
  ``highway=*`` way is an error rather than a silent fall-back to straight
  lines; leave ``streets`` out of ``use`` to measure straight lines × the
  detour factor on purpose. Likewise a file without a building polygon is an
  error with ``buildings`` in use.
* **Buildings that house nobody.** Every building of the file is read (only
  those inside residential areas will matter). A building's weight is its
  floor area (``levels`` × footprint, else the footprint), except that a
  building of a kind in :data:`NON_RESIDENTIAL_BUILDINGS` (``school``,
  ``office``, ``commercial``, ``industrial``, ...) holds no people; ``yes``,
  the residential kinds (``apartments``, ``residential``, ``house``,
  ``dormitory``, ...) and any other value count (see
  :func:`siting.demand.estimate_demand`).
"""

from __future__ import annotations

import bz2
import dataclasses
import logging
import math
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyproj
import shapely

from siting._osmxml import extract_box, extract_edge, parse_once
from siting._said import Said
from siting.errors import InputError, Problem
from siting.osm.blocks import (
    BLOCK_BARRIERS,
    BLOCK_HIGHWAYS,
    NON_RESIDENTIAL_LAND,
    BlockCounts,
    BlockRules,
    block_lines,
    land_polygons,
    non_residential_land,
    street_blocks,
)
from siting.osm.features import (
    _NAME_KEYS,
    CANDIDATE_RULES,
    _candidates_from_features,
    _element_ids,
    _first_texts,
    _hazards_from_features,
    _projected,
    _read_features,
    _tags_query,
    parse_levels,
)
from siting.osm.pbf import is_pbf, xml_copy
from siting.scenario import (
    OSM_AREA_SOURCES,
    OSM_DEFAULT_HIGHWAYS,
    OSM_DEFAULT_USES,
    OSM_HIGHWAY_LINES,
    OSM_USES,
    resolve_block_highways,
)

__all__ = [
    "AREA_TAGS",
    "BUILDING_TAGS",
    "FACILITY_TAGS",
    "NON_RESIDENTIAL_BUILDINGS",
    "OsmLayers",
    "areas_from_osm",
    "buildings_from_osm",
    "facilities_from_osm",
    "read_osm_layers",
]

logger = logging.getLogger(__name__)

Tags = dict[str, bool | str | list[str]]

AREA_TAGS: Mapping[str, bool | list[str]] = {"landuse": ["residential"], "residential": True}
"""OSM tags of residential areas."""

FACILITY_TAGS: Mapping[str, bool | list[str]] = {
    "amenity": ["kindergarten", "childcare"],
    "childcare": True,
    "building": ["kindergarten"],
}
"""OSM tags of existing childcare (a ``childcare=no`` tag is not childcare; a
``building=kindergarten`` inside a kindergarten's grounds is the same one)."""

BUILDING_TAGS: Mapping[str, bool | list[str]] = {"building": True}
"""OSM tags of buildings (a ``building=no`` tag is not a building)."""

NON_RESIDENTIAL_BUILDINGS: frozenset[str] = frozenset(
    {
        # commercial and industrial
        "commercial", "hotel", "industrial", "kiosk", "office", "retail", "supermarket",
        "warehouse",
        # religious
        "cathedral", "chapel", "church", "mosque", "religious", "shrine", "synagogue", "temple",
        # civic and public
        "civic", "college", "fire_station", "government", "hospital", "kindergarten", "museum",
        "public", "school", "toilets", "train_station", "transportation", "university",
        # agricultural
        "barn", "cowshed", "farm_auxiliary", "greenhouse", "slurry_tank", "stable", "sty",
        # sports
        "grandstand", "pavilion", "riding_hall", "sports_centre", "sports_hall", "stadium",
        # storage, cars and boats
        "boathouse", "carport", "garage", "garages", "hangar", "parking", "shed",
        # technical and other
        "bridge", "bunker", "construction", "digester", "military", "roof", "ruins", "service",
        "silo", "storage_tank", "transformer_tower", "water_tower",
    }
)  # fmt: skip
"""``building=*`` values (OSM's commercial, religious, civic, agricultural, sports,
storage and technical kinds, plus ``hotel`` and ``construction``) whose buildings
house no residents, so they attract none of a cell's people. ``yes``, the
residential kinds (``apartments``, ``residential``, ``house``, ``dormitory``, ...)
and any value not listed count."""

_STREET_TAGS: Mapping[str, bool | list[str]] = {"highway": True}
_ARTERIAL = ("trunk", "primary")
_HAZARD_TAGS: Mapping[str, bool | list[str]] = {
    "amenity": ["fuel", "marketplace"],
    "power": ["line", "minor_line"],
    "shop": ["mall", "department_store", "wholesale"],
    "highway": list(_ARTERIAL),
}
_SECTION = "[inputs.osm]"


def _block_tags(highways: Collection[str]) -> Mapping[str, bool | list[str]]:
    """What street blocks read: the lines that bound them and the land taken out."""
    return {
        key: sorted(values)
        for query in ({"highway": highways}, BLOCK_BARRIERS, NON_RESIDENTIAL_LAND)
        for key, values in query.items()
    } | {"waterway": sorted(BLOCK_BARRIERS["waterway"] | NON_RESIDENTIAL_LAND["waterway"])}


@dataclass(frozen=True)
class OsmLayers:
    """The layers one OSM file gives a scenario, in a projected metric CRS.

    Attributes
    ----------
    path
        The OSM file.
    crs
        The CRS of every layer (the scenario's, or the UTM zone of the file).
    areas
        ``area_id``, ``name``, ``status``, ``osm_tags``, polygons; ``None``
        when ``areas`` is not in use.
    parcels
        ``site_id``, ``name``, ``kind``, ``acquisition``, ``land_area_m2``,
        ``floor_area_m2``, ``osm_tags`` (no ``cost``); ``None`` when not in use.
    facilities
        ``facility_id``, ``name``, ``slots``, ``slots_source``, ``osm_tags``;
        ``None`` when not in use.
    hazards
        ``hazard_id``, ``kind``, ``voltage_kv``, ``name``; ``None`` when not in use.
    buildings
        ``building_id``, ``building`` (the tag's value), ``levels`` (NaN when
        untagged), polygons; ``None`` when not in use.
    streets
        The file again when ``streets`` is in use, for the street network.
    notes
        Choices made, one sentence each.
    """

    path: Path
    crs: pyproj.CRS
    areas: gpd.GeoDataFrame | None = None
    parcels: gpd.GeoDataFrame | None = None
    facilities: gpd.GeoDataFrame | None = None
    hazards: gpd.GeoDataFrame | None = None
    buildings: gpd.GeoDataFrame | None = None
    streets: Path | None = None
    notes: tuple[str, ...] = ()


def _union(*queries: Mapping[str, bool | str | list[str]]) -> Tags:
    """One osmnx tag query matching what any of ``queries`` matches."""
    out: Tags = {}
    for query in queries:
        for key, value in query.items():
            old = out.get(key)
            if old is True or value is True:
                out[key] = True
                continue
            values = [value] if isinstance(value, str) else list(value)  # type: ignore[arg-type]
            before = old if isinstance(old, list) else []
            out[key] = before + [v for v in values if v not in before]
    return out


def _matching(
    gdf: gpd.GeoDataFrame, query: Mapping[str, bool | str | list[str]]
) -> npt.NDArray[np.bool_]:
    """Which features match ``query`` as osmnx matches a tag query (any key, any value)."""
    mask = np.zeros(len(gdf), dtype=bool)
    for key, value in query.items():
        if key not in gdf.columns:
            continue
        if value is True:
            mask |= gdf[key].notna().to_numpy(dtype=bool)
        else:
            values = [value] if isinstance(value, str) else list(value)  # type: ignore[arg-type]
            mask |= gdf[key].isin(values).to_numpy(dtype=bool)
    return mask


def _problem(message: str, path: Path, fix: str) -> Problem:
    return Problem(message, file=str(path), layer="osm", fix=fix)


def _sniff(path: Path) -> list[Problem]:
    """Whether ``path`` exists and starts like OSM XML."""
    if not path.is_file():
        return [
            _problem(
                "the OSM file does not exist",
                path,
                f"check path under {_SECTION} (a relative path is read from the scenario "
                "file's folder)",
            )
        ]
    try:
        if path.name.lower().endswith(".bz2"):
            with bz2.open(path, "rb") as handle:
                head = handle.read(4096)
        else:
            with path.open("rb") as handle:
                head = handle.read(4096)
    except (OSError, EOFError) as exc:
        return [
            _problem(
                f"the OSM file cannot be read ({exc})",
                path,
                f"give path under {_SECTION} an uncorrupted OSM XML file",
            )
        ]
    text = head.decode("utf-8", "replace").lstrip("\ufeff \t\r\n")
    if re.search(r"<osm[\s>]", text) is None:
        shown = text[:40].replace("\n", " ")
        what = "GeoJSON or JSON, not OSM XML" if text.startswith(("{", "[")) else "not OSM XML"
        return [
            _problem(
                f"the file is {what} (it starts with {shown!r})",
                path,
                f"give path under {_SECTION} an OSM XML file (.osm or .osm.bz2, with an <osm> "
                "root), e.g. an export from openstreetmap.org or osmium; give other formats "
                "as [inputs.areas], [inputs.parcels], ... layers",
            )
        ]
    return []


def _column(gdf: gpd.GeoDataFrame, key: str) -> pd.Series:
    if key in gdf.columns:
        return gdf[key].astype(object)
    return pd.Series([None] * len(gdf), index=gdf.index, dtype=object)


def _given(series: pd.Series) -> npt.NDArray[np.bool_]:
    given: npt.NDArray[np.bool_] = series.notna().to_numpy(dtype=bool)
    return given


def _areas_from_features(gdf: gpd.GeoDataFrame, *, status: str) -> gpd.GeoDataFrame:
    """Residential polygons among features already read (see :func:`areas_from_osm`)."""
    columns = ["area_id", "name", "status", "osm_tags"]
    if gdf.empty:
        return gpd.GeoDataFrame(
            {c: pd.Series(dtype=object) for c in columns}, geometry=gpd.GeoSeries([], crs=gdf.crs)
        )
    landuse = _column(gdf, "landuse")
    residential = _column(gdf, "residential")
    wanted = landuse.eq("residential").to_numpy() | (
        _given(residential) & ~residential.eq("no").to_numpy()
    )
    geoms = np.asarray(gdf.geometry.to_numpy(), dtype=object)
    # osmnx keeps a closed way tagged only residential=* as a ring: make it a polygon
    rings = shapely.is_closed(geoms) & np.isin(shapely.get_type_id(geoms), [1, 2])
    rings &= (shapely.get_num_coordinates(geoms) >= 4) & wanted
    if rings.any():
        geoms = geoms.copy()
        for i in np.flatnonzero(rings):
            geoms[i] = shapely.Polygon(geoms[i].coords)
    areal = np.isin(shapely.get_type_id(geoms), [3, 6])
    keep = wanted & areal
    ids = _element_ids(gdf)
    rows = gdf.loc[keep]
    kept_ids = [i for i, k in zip(ids, keep, strict=True) if k]
    names = [
        name or area_id
        for area_id, name in zip(kept_ids, _first_texts(rows, _NAME_KEYS), strict=True)
    ]
    tags = [
        "landuse=residential" if lu == "residential" else f"residential={res}"
        for lu, res in zip(landuse[keep], residential[keep], strict=True)
    ]
    return gpd.GeoDataFrame(
        {"area_id": kept_ids, "name": names, "status": status, "osm_tags": tags},
        geometry=geoms[keep],
        crs=gdf.crs,
    ).reset_index(drop=True)


def _no_areas(
    path: Path, *, mapped: int, sources: list[str], blocks: gpd.GeoDataFrame | None
) -> Problem:
    """The problem of a file that gives no area, with the fix that fits what was asked."""
    if blocks is None:
        return _problem(
            "the file has no residential area (no landuse=residential or residential=* "
            'polygon), but use includes "areas"',
            path,
            f'add street blocks with areas_from = ["landuse", "blocks"] under {_SECTION} '
            "(the land the streets enclose, less parks, schools, industry and other "
            "non-residential land use), give the areas as an [inputs.areas] layer and remove "
            f'"areas" from use under {_SECTION}, or give an OSM file that maps residential '
            "land use",
        )
    what = "no residential polygon and " if "landuse" in sources or not mapped else ""
    return _problem(
        f"the file gives {what}no street block (its streets enclose no land, or all of it "
        'is non-residential or too small), but use includes "areas"',
        path,
        "give an OSM file whose streets (highway=residential, tertiary, ...) enclose the "
        'housing, or give the areas as an [inputs.areas] layer and remove "areas" from '
        f"use under {_SECTION}",
    )


@dataclass(frozen=True)
class _BlockEdge:
    """The outline street blocks are closed against, in EPSG:4326, and what it is."""

    shape: shapely.Geometry | None
    said: str


def _block_edge(path: Path, plan_outline: shapely.Geometry | None, source: Path) -> _BlockEdge:
    """The extract's edge (:func:`siting._osmxml.extract_edge`: its box, cut to the land
    its nodes cover when a polygon cut it); with ``plan_outline``, the box cut to it
    instead (the districts say where the plan ends, and a polygon extract is usually cut
    by them: the land its nodes show reaches up to 150 m past its cut, or stops short of
    it where nobody mapped a building or a point of interest).

    Raises
    ------
    InputError
        When ``plan_outline`` and the box do not overlap (a wrong file, or a districts
        layer read in the wrong CRS): the blocks would be cut to nothing, and every
        feature of the file would lie outside every district. ``source`` is the file
        the scenario names (``path`` may be the XML copy of a ``.osm.pbf``).
    """
    if plan_outline is None:
        edge, _, how = extract_edge(path)
        return _BlockEdge(edge, f"the edge of the extract ({how})" if edge is not None else "")
    box, how = extract_box(path)
    if box is None:
        return _BlockEdge(None, "")
    edge = shapely.box(*box)
    said = f"the edge of the extract ({how})"
    outline = shapely.make_valid(plan_outline)
    # only the polygonal parts: a districts layer's spike (a boundary drawn out and
    # back) is a line in the outline made valid, and no edge of land
    parts = shapely.get_parts(shapely.intersection(edge, outline))
    edge = shapely.union_all(parts[shapely.get_type_id(parts) == 3])
    said += " cut to the districts' outline"
    if shapely.area(edge) == 0:
        raise InputError([_no_overlap(source, box, how, outline)])
    return _BlockEdge(edge, said)


def _no_overlap(
    path: Path, box: tuple[float, float, float, float], how: str, outline: shapely.Geometry
) -> Problem:
    """The problem of an OSM file whose extract ``box`` misses the districts' ``outline``."""

    def spans(west: float, south: float, east: float, north: float) -> str:
        return f"longitude {west:.4f} to {east:.4f}, latitude {south:.4f} to {north:.4f}"

    return _problem(
        f"the districts layer and the OSM file do not overlap: the file's extract ({how}) "
        f"spans {spans(*box)}; the districts span {spans(*shapely.bounds(outline))}",
        path,
        "check that the OSM file is of the districts' area (a wrong file?) and that the CRS "
        "of the districts layer is its coordinates' (a layer read in the wrong CRS lands "
        "elsewhere); export the extract over the districts",
    )


def _blocks_note(
    path: Path,
    counts: BlockCounts,
    *,
    rules: BlockRules,
    sources: list[str],
    status: str,
    edge: str,
    highways: Collection[str],
    planned: bool = False,
) -> str:
    """The run's note on the street blocks made; ``planned``: they lost the land of
    the planner's own layers too."""
    where = "where the residential polygons do not cover" if "landuse" in sources else ""
    added, left = sorted(set(highways) - BLOCK_HIGHWAYS), sorted(BLOCK_HIGHWAYS - set(highways))
    changes = (["with highway=" + ", ".join(added)] if added else []) + (
        ["without highway=" + ", ".join(left)] if left else []
    )
    bounded = f" ({' and '.join(changes)}: inputs.osm.block_highways)" if changes else ""
    return (
        f"osm: {counts.blocks:,} street blocks from {path.name} ({counts.blocks_m2 / 1e6:,.2f} "
        f"km²) {where}".rstrip()
        + f", each an area with status '{status}', named by its longest streets"
        + counts.said(
            rules,
            taken_by=", ".join(
                (["residential polygons"] if "landuse" in sources else [])
                + (["the areas or parcels of the [inputs] layers"] if planned else [])
            )
            + (" or " if "landuse" in sources or planned else "")
            + "non-residential land use (siting.osm.NON_RESIDENTIAL_LAND)",
            edge=edge,
            bounded=bounded,
        )
    )


def _capacity(value: Any) -> float:
    """The first whole number of a ``capacity`` tag (``"120"``, ``"约 60 人"``), or NaN."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return math.nan
    match = re.search(r"\d+", str(value))
    return float(match.group(0)) if match else math.nan


def _facilities_from_features(gdf: gpd.GeoDataFrame, *, slots_default: int) -> gpd.GeoDataFrame:
    """Existing childcare among features already read (see :func:`facilities_from_osm`)."""
    columns = ["facility_id", "name", "slots", "slots_source", "osm_tags"]
    if gdf.empty:
        return gpd.GeoDataFrame(
            {c: pd.Series(dtype=object) for c in columns}, geometry=gpd.GeoSeries([], crs=gdf.crs)
        )
    amenity = _column(gdf, "amenity")
    childcare = _column(gdf, "childcare")
    building = _column(gdf, "building")
    refused = childcare.eq("no").to_numpy()  # a kindergarten that says it has no nursery
    by_amenity = amenity.isin(["kindergarten", "childcare"]).to_numpy() & ~refused
    by_childcare = _given(childcare) & ~refused
    by_building = building.eq("kindergarten").to_numpy() & ~refused  # 幼儿园 drawn as a building
    kind = gdf.geometry.geom_type
    drawn = kind.isin(["Point", "Polygon", "MultiPolygon"]).to_numpy()
    keep = (by_amenity | by_childcare | by_building) & drawn
    rows = gdf.loc[keep]
    capacity = np.array([_capacity(v) for v in _column(rows, "capacity")], dtype=float)
    # a kindergarten's capacity counts its children aged 3-6, not places for under-3s: only
    # childcare's own capacity is read (360 for a 幼儿园 made it 18 nurseries' worth)
    nursery = amenity[keep].eq("childcare").to_numpy() | by_childcare[keep]
    tagged = ~np.isnan(capacity) & (capacity > 0) & nursery
    tags = [
        f"amenity={a}"
        if a in ("kindergarten", "childcare")
        else f"childcare={c}"
        if isinstance(c, str) and c
        else "building=kindergarten"
        for a, c in zip(amenity[keep], childcare[keep], strict=True)
    ]
    out = gpd.GeoDataFrame(
        {
            "facility_id": _element_ids(rows),
            "name": _first_texts(rows, _NAME_KEYS),
            "slots": np.where(tagged, capacity, float(slots_default)).astype(np.int64),
            "slots_source": np.where(tagged, "osm capacity", "assumed default").astype(object),
            "osm_tags": tags,
        },
        geometry=rows.geometry.to_numpy(),
        crs=gdf.crs,
    ).reset_index(drop=True)
    return _without_points_in_polygons(out)


def _without_points_in_polygons(facilities: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One facility mapped twice counts once: a node inside a facility polygon is dropped
    (it counted 2 × 20 assumed slots), and so is a polygon inside a larger one (the
    ``building=kindergarten`` on a kindergarten's grounds)."""
    geoms = np.asarray(facilities.geometry.to_numpy(), dtype=object)
    point = shapely.get_type_id(geoms) == 0
    areal = np.isin(shapely.get_type_id(geoms), (3, 6))
    if not areal.any():
        return facilities
    polygons = np.flatnonzero(areal)
    tree = shapely.STRtree(geoms[polygons])
    drop: list[int] = []
    if point.any():
        inside, _ = tree.query(geoms[point], predicate="within")
        drop += np.flatnonzero(point)[np.unique(inside)].tolist()
    if len(polygons) > 1:
        area = shapely.area(geoms[polygons])
        left, right = tree.query(shapely.point_on_surface(geoms[polygons]), predicate="within")
        nested = (left != right) & (area[right] > area[left])
        drop += polygons[np.unique(left[nested])].tolist()
    return facilities.drop(index=facilities.index[sorted(set(drop))]).reset_index(drop=True)


HOUSED_KINDS = ("community_centre", "health_centre", "cultural_venue", "sports_venue")
"""Candidate kinds that are buildings: mapped as a point, they take the building around it."""


def housed_in(
    points: npt.NDArray[np.object_], footprints: npt.NDArray[np.object_]
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Which of ``points`` stand in one of ``footprints`` (building polygons), and which
    footprint each takes: the first holding it, and one point per building (a
    社区服务中心 and a clinic in one tower would both get it)."""
    which, hit = shapely.STRtree(footprints).query(points, predicate="within")
    which, first = np.unique(which, return_index=True)  # the first building holding it
    hit = hit[first]
    hit, once = np.unique(hit, return_index=True)
    return which[once], hit


def _points_in_buildings(
    parcels: gpd.GeoDataFrame, every: gpd.GeoDataFrame
) -> tuple[gpd.GeoDataFrame, int]:
    """Candidates of a building kind drawn as a point (a 社区服务中心 node), given the
    footprint of the building polygon they stand in: a point has no land area and could
    never host a facility (284 of 388 candidates of a generated city). One storey of
    the building, and one venue per building (the first). Returns the parcels and how
    many took a building."""
    point = (parcels.geometry.geom_type == "Point").to_numpy()
    housed_kind = parcels["kind"].isin(HOUSED_KINDS).to_numpy()
    if not (point & housed_kind).any() or every.empty or "building" not in every.columns:
        return parcels, 0
    areal = every.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy()
    building = _column(every, "building")
    built = every.loc[areal & _given(building) & ~building.eq("no").to_numpy()]
    # a building that is a candidate itself (its polygon tagged as the venue) is not shared
    # (pandas' hashing: numpy's isin compares strings pairwise, 5 s for 60,000 × 3,000)
    built = built.loc[~pd.Index(_element_ids(built)).isin(parcels["site_id"])]
    if built.empty:
        return parcels, 0
    asked = np.flatnonzero(point & housed_kind)
    which, hit = housed_in(
        np.asarray(parcels.geometry.to_numpy(), dtype=object)[asked],
        np.asarray(built.geometry.to_numpy(), dtype=object),
    )
    rows = asked[which]
    shapes = np.asarray(built.geometry.to_numpy(), dtype=object)[hit]
    area = shapely.area(shapes)
    out = parcels.copy()
    geometry = np.asarray(out.geometry.to_numpy(), dtype=object).copy()
    geometry[rows] = shapes
    out = out.set_geometry(gpd.GeoSeries(geometry, crs=parcels.crs, index=out.index))
    out.loc[out.index[rows], "land_area_m2"] = area
    # one storey: the venue holds a floor of the building, not its whole height (an
    # 18-storey block's levels would give a ground-floor clinic 21,600 m²)
    out.loc[out.index[rows], "floor_area_m2"] = area
    return out, len(rows)


def _buildings_from_features(gdf: gpd.GeoDataFrame, *, source: str) -> gpd.GeoDataFrame:
    """Building polygons among features already read (see :func:`buildings_from_osm`)."""
    building = _column(gdf, "building")
    wanted = _given(building) & ~building.eq("no").to_numpy()
    areal = gdf.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy()
    dropped = int((wanted & ~areal).sum())
    if dropped:
        logger.info(
            "%s: dropped %d building%s drawn as points or lines",
            source,
            dropped,
            "" if dropped == 1 else "s",
        )
    rows = gdf.loc[wanted & areal]
    return gpd.GeoDataFrame(
        {
            "building_id": pd.Series(_element_ids(rows), dtype=object),
            "building": pd.Series(
                [str(v).strip().lower() for v in building[wanted & areal]], dtype=object
            ),
            "levels": np.array(
                [parse_levels(v) for v in _column(rows, "building:levels")], dtype=float
            ),
        },
        geometry=gpd.GeoSeries(rows.geometry.to_numpy(), crs=gdf.crs),
        crs=gdf.crs,
    )


def _read(
    path: Path, tags: Tags, working_crs: str | pyproj.CRS | None
) -> tuple[gpd.GeoDataFrame, pyproj.CRS]:
    """Features matching ``tags``, in ``working_crs`` or the UTM zone of the file."""
    gdf, crs = _read_lonlat(path, tags, working_crs)
    return gdf.to_crs(crs), crs


def _read_lonlat(
    path: Path, tags: Tags, working_crs: str | pyproj.CRS | None
) -> tuple[gpd.GeoDataFrame, pyproj.CRS]:
    """Features matching ``tags`` in EPSG:4326, as the file gives them, and the CRS to
    work in: ``working_crs`` or the UTM zone of the file."""
    if is_pbf(path):
        path = xml_copy(path)
    problems = _sniff(path)
    if problems:
        raise InputError(problems)
    given = _projected(working_crs, str(path)) if working_crs is not None else None
    wgs84 = pyproj.CRS("EPSG:4326")
    try:
        gdf = _read_features(path, tags, wgs84)
    except InputError as exc:
        raise InputError(
            [
                dataclasses.replace(p, layer="osm", fix=f"{p.fix} (path under {_SECTION})")
                for p in exc.problems
            ]
        ) from None
    if given is not None:
        crs = given
    elif len(gdf):
        crs = pyproj.CRS.from_user_input(gdf.estimate_utm_crs())
    else:
        crs = pyproj.CRS("EPSG:3857")  # nothing to measure
    if gdf.crs is None:
        gdf = gdf.set_crs(wgs84)
    return gdf, crs


def areas_from_osm(
    source: str | Path, *, working_crs: str | pyproj.CRS | None = None, status: str = "old"
) -> gpd.GeoDataFrame:
    """Residential areas from an OSM XML file.

    Parameters
    ----------
    source
        OSM XML file (``.osm``, ``.osm.bz2``).
    working_crs
        Projected metric CRS of the result; ``None`` uses the UTM zone of the file.
    status
        The ``status`` of every area (``"old"`` or ``"rural"``).

    Returns
    -------
    geopandas.GeoDataFrame
        ``area_id`` (``"osm/way/123"``), ``name`` (the ``name`` tag, else the
        id), ``status``, ``osm_tags`` and polygons.

    Raises
    ------
    InputError
        The file is missing or not OSM XML.
    """
    gdf, _ = _read(Path(source), _union(AREA_TAGS), working_crs)
    return _areas_from_features(gdf, status=status)


def facilities_from_osm(
    source: str | Path,
    *,
    working_crs: str | pyproj.CRS | None = None,
    slots_default: int = 20,
) -> gpd.GeoDataFrame:
    """Existing kindergartens and childcare centres from an OSM XML file.

    Parameters
    ----------
    source
        OSM XML file (``.osm``, ``.osm.bz2``).
    working_crs
        Projected metric CRS of the result; ``None`` uses the UTM zone of the file.
    slots_default
        Slots of a facility without a ``capacity`` tag.

    Returns
    -------
    geopandas.GeoDataFrame
        ``facility_id`` (``"osm/node/123"``), ``name``, ``slots``,
        ``slots_source`` (``"osm capacity"`` or ``"assumed default"``),
        ``osm_tags`` and points or polygons.

    Raises
    ------
    InputError
        The file is missing or not OSM XML.
    """
    gdf, _ = _read(Path(source), _union(FACILITY_TAGS), working_crs)
    return _facilities_from_features(gdf, slots_default=slots_default)


def buildings_from_osm(
    source: str | Path, *, working_crs: str | pyproj.CRS | None = None
) -> gpd.GeoDataFrame:
    """Buildings from an OSM XML file, with their storeys.

    Parameters
    ----------
    source
        OSM XML file (``.osm``, ``.osm.bz2``).
    working_crs
        Projected metric CRS of the result; ``None`` uses the UTM zone of the file.

    Returns
    -------
    geopandas.GeoDataFrame
        ``building_id`` (``"osm/way/123"``), ``building`` (the tag's value,
        lower case, e.g. ``"yes"``, ``"apartments"``, ``"school"``),
        ``levels`` (:func:`parse_levels` of ``building:levels``, NaN when
        untagged) and polygons of the closed ways and multipolygons tagged
        ``building=*`` (not ``building=no``).

    Raises
    ------
    InputError
        The file is missing or not OSM XML.
    """
    path = Path(source)
    gdf, _ = _read(path, _union(BUILDING_TAGS), working_crs)
    return _buildings_from_features(gdf, source=str(path))


def _refuse_unknown(
    key: str,
    given: Collection[str],
    known: Collection[str],
    path: Path,
    *,
    noun: tuple[str, str],
    fix: str,
    may_be_empty: bool = False,
) -> None:
    """Refuse a list argument of :func:`read_osm_layers` holding values not in ``known``
    (``noun`` says one and several of them), or holding none unless ``may_be_empty``: an
    :class:`~siting.errors.InputError` naming the file, with ``fix`` under the section."""
    strange = [g for g in given if g not in known]
    if not strange and (given or may_be_empty):
        return
    said = (
        f"has unknown {noun[len(strange) > 1]} " + ", ".join(map(repr, strange))
        if strange
        else "is empty"
    )
    raise InputError([_problem(f"{key} {said}", path, f"under {_SECTION}, {fix}")])


def _other_land(taken: gpd.GeoSeries | None, crs: pyproj.CRS) -> npt.NDArray[np.object_]:
    """The valid polygons of ``taken`` in ``crs`` (none without it)."""
    if taken is None or taken.empty:
        return np.empty(0, dtype=object)
    return land_polygons(taken.to_crs(crs).to_numpy())


@parse_once()  # the edge, the nodes and the features from one parse of the file
def read_osm_layers(
    source: str | Path,
    *,
    use: Collection[str] = OSM_DEFAULT_USES,
    working_crs: str | pyproj.CRS | None = None,
    area_status: str = "old",
    existing_slots_default: int = 20,
    arterial_highways: Collection[str] = _ARTERIAL,
    areas_from: Collection[str] = ("landuse",),
    block_rules: BlockRules | None = None,
    block_highways: Collection[str] = BLOCK_HIGHWAYS,
    plan_outline: shapely.Geometry | None = None,
    taken: gpd.GeoSeries | None = None,
    areas_needed: bool = True,
) -> OsmLayers:
    """Every layer ``use`` asks for, from one reading of an OSM XML file.

    Parameters
    ----------
    source
        OSM XML file (``.osm``, ``.osm.bz2``).
    use
        Any of :data:`siting.scenario.OSM_USES` (by default all but ``buildings``).
    working_crs
        Projected metric CRS of the layers; ``None`` uses the UTM zone of the file.
    area_status
        The ``status`` of every residential area.
    existing_slots_default
        Slots of a facility without a ``capacity`` tag.
    arterial_highways
        ``highway`` values that are arterial-road hazards.
    areas_from
        Where the areas come from, any of :data:`siting.scenario.OSM_AREA_SOURCES`:
        ``"landuse"`` (the mapped residential polygons) and ``"blocks"`` (street
        blocks, :func:`siting.osm.blocks.street_blocks`, where the mapped polygons in
        use do not cover).
    block_rules
        Sizes of the street blocks kept (:class:`~siting.osm.blocks.BlockRules`).
    block_highways
        The ``highway`` values whose ways bound a street block
        (:data:`~siting.osm.BLOCK_HIGHWAYS` by default), the item ``"default"``
        standing for those (``["default", "service"]``,
        :func:`siting.scenario.resolve_block_highways`).
    plan_outline
        The (multi)polygon in EPSG:4326 the plan covers (the districts' outline), or
        ``None``. Street blocks are closed against the extract's edge
        (:func:`siting._osmxml.extract_edge`: its box, or the land its nodes cover
        when a polygon cut it), cut to this outline; an edge that does not overlap it
        is a problem (a wrong file, or districts in the wrong CRS).
    taken
        Polygons, with their CRS, whose land is no street block's either: the
        planner's own residential areas and candidate parcels (``[inputs.areas]``,
        ``[inputs.parcels]``). Each face loses it with the file's own residential
        polygons, before its size and width are judged; ``None``: none.
    areas_needed
        ``False``: a file that gives no area is no problem, its ``areas`` an empty
        layer (the planner's layer holds the areas, or the street blocks are made
        apart once the planner's layers are projected).

    Returns
    -------
    OsmLayers
        The layers, with notes of the choices made.

    Raises
    ------
    InputError
        Every problem at once: an unknown use or area source, a missing file or
        one that is not OSM XML, or a use whose features the file lacks (no
        residential polygon or street block for ``areas``, no ``highway=*`` way
        for ``streets``, no building polygon for ``buildings``), an empty
        ``block_highways`` or one with a value not in
        :data:`siting.scenario.OSM_HIGHWAY_LINES`, an extract that does not overlap
        ``plan_outline`` (raised alone, with both extents in degrees).

    Examples
    --------
    >>> read_osm_layers("city.osm", use=["roads"])
    Traceback (most recent call last):
    ...
    siting.errors.InputError: 1 problem with the inputs:
      - file city.osm, layer 'osm': use has unknown word 'roads'. Fix: under [inputs.osm], use any of 'streets', 'areas', 'candidates', 'facilities', 'hazards', 'buildings'
    """  # noqa: E501
    path = Path(source)
    uses = list(dict.fromkeys(use))
    _refuse_unknown(
        "use",
        uses,
        OSM_USES,
        path,
        noun=("word", "words"),
        fix=f"use any of {', '.join(map(repr, OSM_USES))}",
        may_be_empty=True,
    )
    sources = list(dict.fromkeys(areas_from))
    _refuse_unknown(
        "areas_from",
        sources,
        OSM_AREA_SOURCES,
        path,
        noun=("word", "words"),
        fix=f"give areas_from any of {', '.join(map(repr, OSM_AREA_SOURCES))}",
    )
    block_highways = resolve_block_highways(block_highways)
    _refuse_unknown(
        "block_highways",
        block_highways,
        OSM_HIGHWAY_LINES,
        path,
        noun=("value(s)", "value(s)"),
        fix="give block_highways any of the highway values "
        f"{', '.join(map(repr, OSM_HIGHWAY_LINES))}, and "
        f'"{OSM_DEFAULT_HIGHWAYS}" for the road classes',
    )
    blocks_asked = "areas" in uses and "blocks" in sources
    if is_pbf(path):
        path = xml_copy(path)  # osmnx reads XML: a copy made once, cached by content
    hazard_tags = dict(_HAZARD_TAGS)
    hazard_tags["highway"] = list(arterial_highways)
    query_of: dict[str, Mapping[str, bool | str | list[str]]] = {
        "areas": AREA_TAGS,
        "candidates": _tags_query(CANDIDATE_RULES),
        "facilities": FACILITY_TAGS,
        "hazards": hazard_tags,
        "streets": _STREET_TAGS,
        "buildings": BUILDING_TAGS,
    }
    # candidates mapped as points stand in buildings: read those too, to give them a footprint
    wanted = [*uses, "buildings"] if "candidates" in uses else list(uses)
    queries = [query_of[u] for u in wanted]
    queries += [_block_tags(block_highways)] if blocks_asked else []
    edge = _BlockEdge(None, "")
    if blocks_asked or plan_outline is not None:  # a file that misses the districts: refused
        edge = _block_edge(path, plan_outline, Path(source))
    lonlat, crs = _read_lonlat(path, _union(*queries), working_crs)
    every = lonlat.to_crs(crs)

    def features(use: str) -> gpd.GeoDataFrame:
        """The features of one use, as if the file had been read for it alone."""
        return every.loc[_matching(every, query_of[use])]

    problems: list[Problem] = []
    notes: list[str] = []
    layers: dict[str, Any] = {}

    if "streets" in uses:
        gdf = features("streets")
        highway = _column(gdf, "highway")
        lines = gdf.geometry.geom_type.isin(["LineString", "MultiLineString"]).to_numpy()
        if not (_given(highway) & lines).any():
            problems.append(
                _problem(
                    'the file has no streets (no highway=* way), but use includes "streets"',
                    path,
                    f'remove "streets" from use under {_SECTION} to measure straight-line '
                    "distances × network.detour_factor, or give an OSM file that includes the "
                    "streets (or a streets = file under [inputs])",
                )
            )
        else:
            layers["streets"] = path
    if "areas" in uses:
        areas = _areas_from_features(features("areas"), status=area_status)
        mapped = len(areas)
        if "landuse" not in sources:
            areas = areas.iloc[:0]
        blocks, counts = None, BlockCounts()
        if blocks_asked:
            blocks, counts = street_blocks(
                block_lines(lonlat, highways=block_highways),
                crs=crs,
                taken=np.concatenate(
                    [
                        non_residential_land(every),
                        np.asarray(shapely.make_valid(areas.geometry.to_numpy()), dtype=object),
                        _other_land(taken, crs),
                    ]
                ),
                streets=every.loc[_matching(every, {"highway": list(block_highways)})],
                status=area_status,
                rules=block_rules,
                edge=edge.shape,
            )
            areas = pd.concat([areas, blocks], ignore_index=True) if len(areas) else blocks
        if areas.empty and areas_needed:
            problems.append(_no_areas(path, mapped=mapped, sources=sources, blocks=blocks))
        elif areas.empty:
            layers["areas"] = areas
        else:
            layers["areas"] = areas
            if "landuse" in sources:
                notes.append(
                    Said(
                        f"osm: {mapped} residential areas from {path.name}, each with status "
                        f"'{area_status}' (inputs.osm.area_status), named by their name tag or "
                        "OSM id",
                        code="osm_areas",
                        count=int(mapped),
                        file=path.name,
                        status=str(area_status),
                    )
                )
            if blocks_asked:
                notes.append(
                    _blocks_note(
                        path,
                        counts,
                        rules=block_rules or BlockRules(),
                        sources=sources,
                        status=area_status,
                        edge=edge.said,
                        highways=block_highways,
                        planned=taken is not None and not taken.empty,
                    )
                )
    facilities = None
    if "facilities" in uses:
        facilities = _facilities_from_features(
            features("facilities"), slots_default=existing_slots_default
        )
        layers["facilities"] = facilities
        assumed = int((facilities["slots_source"] == "assumed default").sum())
        notes.append(
            f"osm: {len(facilities)} existing childcare facilities from {path.name}"
            + (
                f"; {assumed} have no capacity tag and are ASSUMED to have "
                f"{existing_slots_default} slots each (inputs.osm.existing_slots_default; "
                "slots_source = 'assumed default' in the facilities outputs)"
                if assumed
                else ""
            )
        )
    if "candidates" in uses:
        parcels = _candidates_from_features(
            features("candidates"), crs=crs, rules=CANDIDATE_RULES, source=str(path)
        )
        childcare = (parcels["kind"] == "existing_childcare").to_numpy()
        if facilities is not None:
            twice = childcare | parcels["site_id"].isin(facilities["facility_id"]).to_numpy()
            if twice.any():
                notes.append(
                    f"osm: {int(twice.sum())} kindergartens/childcare centres are existing "
                    "facilities, not candidate sites"
                )
            parcels = parcels.loc[~twice].reset_index(drop=True)
        elif childcare.any():
            parcels = parcels.copy()
            parcels.loc[childcare, "acquisition"] = "reuse"
            notes.append(
                f"osm: {int(childcare.sum())} kindergartens are candidate sites (kind "
                "existing_childcare, acquisition reuse: a nursery class in the building); add "
                '"facilities" to inputs.osm.use to count them as existing facilities instead'
            )
        parcels, housed = _points_in_buildings(parcels, features("buildings"))
        layers["parcels"] = parcels
        points = int((parcels.geometry.geom_type == "Point").sum())
        notes.append(
            f"osm: {len(parcels)} candidate sites from {path.name}; OSM gives no land cost"
            + (
                f"; {housed} mapped as points took the building they stand in as their "
                "footprint (one storey; one venue per building)"
                if housed
                else ""
            )
            + (
                f"; {points} stay points (in no building, or not a building's kind): with "
                "no land area they cannot host a facility"
                if points
                else ""
            )
        )
    if "hazards" in uses:
        hazards = _hazards_from_features(
            features("hazards"), crs=crs, arterial_highways=arterial_highways, source=str(path)
        )
        layers["hazards"] = hazards
        notes.append(
            Said(
                f"osm: {len(hazards)} hazards from {path.name}",
                code="osm_hazards",
                count=len(hazards),
                file=path.name,
            )
        )
    if "buildings" in uses:
        buildings = _buildings_from_features(features("buildings"), source=str(path))
        if buildings.empty:
            problems.append(
                _problem(
                    "the file has no buildings (no building=* polygon), but use includes "
                    '"buildings"',
                    path,
                    f'remove "buildings" from use under {_SECTION} to share a cell\'s people among '
                    "areas by their overlap, or give an OSM file that maps buildings (or a "
                    "[inputs.buildings] layer)",
                )
            )
        else:
            layers["buildings"] = buildings
            housed = ~buildings["building"].isin(NON_RESIDENTIAL_BUILDINGS)
            notes.append(
                f"osm: {len(buildings)} buildings from {path.name} share each cell's people "
                f"among the areas by floor area; {int(buildings['levels'].notna().sum())} have "
                "building:levels (the others count their footprint once); "
                f"{int((~housed).sum())} of non-residential kinds (school, office, ...: "
                "siting.osm.NON_RESIDENTIAL_BUILDINGS) hold no people"
            )
    if problems:
        raise InputError(problems)
    for text in notes:
        logger.debug("%s", text)
    return OsmLayers(path=path, crs=crs, notes=tuple(notes), **layers)
