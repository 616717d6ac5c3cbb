"""Candidate sites and hazards from OpenStreetMap.

The policy (R6) asks cities to use parks, community centres, community health
centres, cultural and sports venues, idle resources, and idle or underused
land for childcare. :func:`candidates_from_osm` finds these in an OSM XML file
(read offline as :func:`osmnx.features_from_xml` reads it) and maps them to
``siting``'s parcel kinds. The first rule that matches a feature decides its
kind:

=====================================================  ==================  ===========
OSM tag                                                kind                acquisition
=====================================================  ==================  ===========
``amenity=kindergarten``, ``amenity=childcare``        existing_childcare  existing
``amenity=community_centre``                           community_centre    reuse
``amenity=clinic``, ``healthcare=clinic|centre``       health_centre       reuse
``amenity=library``, ``amenity=arts_centre``           cultural_venue      reuse
``leisure=sports_centre``, ``leisure=sports_hall``     sports_venue        reuse
``leisure=park``, ``leisure=garden``                   park                reuse
``landuse=brownfield|greenfield|vacant``               idle_land           purchase
``building=ruins``, ``disused:building|amenity|shop``  underused_land      purchase
``abandoned:building=*``, ``disused=yes``
=====================================================  ==================  ===========

Notes on the rules: in mainland China ``amenity=kindergarten`` is a 幼儿园
(ages 3–6); many can add a nursery class (托幼一体化), so they are listed as
existing childcare. Community health service centres (社区卫生服务中心) are
mapped as clinics; ``amenity=doctors`` (a private practice) and hospitals are
not candidates. ``landuse=construction`` is land already being built on and is
not idle. Line features (an unclosed park outline) are dropped: a site needs
an area or a point.

:func:`hazards_from_osm` finds what a childcare site must keep away from
(R9, DOMAIN.md §3, JGJ 39 §3.1.2):

========================================================  ==============
OSM tag                                                   hazard kind
========================================================  ==============
``amenity=fuel``                                          petrol_station
``power=line``, ``power=minor_line`` (``voltage`` in V)   power_line
``shop=mall``, ``shop=department_store``                  mall
``amenity=marketplace``, ``shop=wholesale``               market
``highway=trunk|primary`` (configurable)                  arterial_road
========================================================  ==============

:func:`hazard_buffers` buffers them (petrol station 50 m, GB 50156; power
lines by voltage, 电力设施保护条例: 5 m up to 10 kV, 10 m to 110 kV, 15 m to
330 kV, 20 m at 500 kV; malls and markets 100 m and arterial roads 10 m are
planning judgements, not standard numbers), and :func:`exclude_hazardous`
removes candidates that touch a buffer, recording why. The OSM power line is
the line's centre, not its outer conductor, so the protection zone is
measured from the centre line.
"""

from __future__ import annotations

import itertools
import logging
import math
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from siting._osmxml import Elements, _last_positions, _positions, overpass_json
from siting.errors import InputError, Problem

__all__ = [
    "CANDIDATE_KINDS",
    "CANDIDATE_RULES",
    "HAZARD_KINDS",
    "TagRule",
    "candidates_from_osm",
    "exclude_hazardous",
    "hazard_buffers",
    "hazards_from_osm",
    "parse_levels",
    "parse_voltage_kv",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TagRule:
    """One OSM tag rule: features with ``key`` in ``values`` (any value if empty).

    Attributes
    ----------
    key
        The OSM key.
    values
        Accepted values; an empty tuple accepts any value.
    kind
        The ``siting`` kind the rule gives.
    acquisition
        How the site would be acquired (``reuse``, ``purchase`` or ``existing``).
    """

    key: str
    values: tuple[str, ...]
    kind: str
    acquisition: str = ""

    def matches(self, value: Any) -> str | None:
        """The matching ``key=value`` text, or ``None``."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return None
        text = str(value)
        if self.values and text not in self.values:
            return None
        return f"{self.key}={text}"


CANDIDATE_RULES: tuple[TagRule, ...] = (
    TagRule("amenity", ("kindergarten", "childcare"), "existing_childcare", "existing"),
    TagRule("amenity", ("community_centre",), "community_centre", "reuse"),
    TagRule("amenity", ("clinic",), "health_centre", "reuse"),
    TagRule("healthcare", ("clinic", "centre"), "health_centre", "reuse"),
    TagRule("amenity", ("library", "arts_centre"), "cultural_venue", "reuse"),
    TagRule("leisure", ("sports_centre", "sports_hall"), "sports_venue", "reuse"),
    TagRule("leisure", ("park", "garden"), "park", "reuse"),
    TagRule("landuse", ("brownfield", "greenfield", "vacant"), "idle_land", "purchase"),
    TagRule("building", ("ruins",), "underused_land", "purchase"),
    TagRule("disused:building", (), "underused_land", "purchase"),
    TagRule("abandoned:building", (), "underused_land", "purchase"),
    TagRule("disused:amenity", (), "underused_land", "purchase"),
    TagRule("disused:shop", (), "underused_land", "purchase"),
    TagRule("disused", ("yes",), "underused_land", "purchase"),
)
"""Candidate tag rules in priority order (see the module docstring)."""

CANDIDATE_KINDS: tuple[str, ...] = (
    "park",
    "community_centre",
    "health_centre",
    "cultural_venue",
    "sports_venue",
    "idle_land",
    "underused_land",
    "existing_childcare",
)
"""Every kind :func:`candidates_from_osm` can give."""

HAZARD_KINDS: tuple[str, ...] = ("petrol_station", "power_line", "mall", "market", "arterial_road")
"""Every kind :func:`hazards_from_osm` can give."""

_HAZARD_LABELS = {
    "petrol_station": "petrol station",
    "power_line": "power line",
    "mall": "mall",
    "market": "market",
    "arterial_road": "arterial road",
}

_CANDIDATE_COLUMNS = [
    "site_id",
    "name",
    "kind",
    "acquisition",
    "land_area_m2",
    "floor_area_m2",
    "osm_tags",
]
_HAZARD_COLUMNS = ["hazard_id", "kind", "voltage_kv", "name"]


def _tags_query(rules: tuple[TagRule, ...]) -> dict[str, bool | str | list[str]]:
    query: dict[str, bool | str | list[str]] = {}
    for rule in rules:
        if not rule.values:
            query[rule.key] = True
        elif query.get(rule.key) is not True:
            old = query.get(rule.key, [])
            assert isinstance(old, list)
            query[rule.key] = old + [v for v in rule.values if v not in old]
    return query


def _projected(working_crs: str | pyproj.CRS, source: str) -> pyproj.CRS:
    try:
        crs = pyproj.CRS.from_user_input(working_crs)
    except pyproj.exceptions.CRSError as exc:
        raise InputError(
            [Problem(f"unknown working CRS {working_crs!r}", fix="give an EPSG code")]
        ) from exc
    if not crs.is_projected:
        raise InputError(
            [
                Problem(
                    f"the working CRS {crs.to_string()} is not projected, so areas and buffers "
                    "would be in degrees",
                    file=source,
                    fix="use a projected metric CRS such as EPSG:4544",
                )
            ]
        )
    return crs


def _read_features(
    source: str | Path, tags: dict[str, bool | str | list[str]], crs: pyproj.CRS
) -> gpd.GeoDataFrame:
    """Features matching ``tags`` from an OSM XML file, in ``crs``, or an empty frame.

    The file is parsed by :func:`siting._osmxml.overpass_json` (once per run, shared with
    the street graph) and the features built from it as :func:`osmnx.features_from_xml`
    builds them.
    """
    from osmnx._errors import InsufficientResponseError

    path = Path(source)
    if not path.is_file():
        raise InputError([Problem("OSM file not found", file=str(path), fix="check the path")])
    try:
        clipped = _clipped(overpass_json(path)["elements"])
        gdf = _features_from_elements(clipped.elements, tags)
        if clipped.trimmed:
            gdf = _with_trimmed_lines(gdf, clipped.trimmed)
        if clipped.cut:
            logger.warning(
                "%s: %d ways refer to nodes the file does not hold (an extract clipped at its "
                "edge): %d lines among them (streets, railways, rivers …) were kept trimmed to "
                "the runs of nodes it holds, %d areas closed by a straight line across each "
                "stretch of their outline it lacks, the other %d left out%s",
                path,
                clipped.cut,
                len(clipped.trimmed),
                clipped.areas,
                clipped.cut - len(clipped.trimmed) - clipped.areas,
                f", and {clipped.relations} relations (multipolygons) that lost a member to them"
                if clipped.relations
                else "",
            )
    except InsufficientResponseError:
        logger.info("%s: no OSM features match %s", path, sorted(tags))
        return gpd.GeoDataFrame(geometry=gpd.GeoSeries([], crs=crs))
    except Exception as exc:
        raise InputError(
            [
                Problem(
                    f"cannot read OSM features ({type(exc).__name__}: {exc})",
                    file=str(path),
                    fix="give complete OSM XML (.osm or .osm.bz2), e.g. an export from "
                    "openstreetmap.org or osmium",
                )
            ]
        ) from exc
    if gdf.empty:
        return gpd.GeoDataFrame(geometry=gpd.GeoSeries([], crs=crs))
    return gdf.to_crs(crs)


_MISC_COLUMNS = frozenset({"changeset", "timestamp", "uid", "user", "version"})
"""Element attributes :func:`osmnx.features_from_xml` drops from its features."""


def _features_from_elements(
    elements: Elements, tags: dict[str, bool | str | list[str]]
) -> gpd.GeoDataFrame:
    """What :func:`osmnx.features_from_xml` gives for a file of these parsed elements.

    osmnx 2.1's own steps (``osmnx.features._create_gdf`` and ``_process_features``), with
    the nodes' coordinates read from the parse's arrays: osmnx takes a dict of every
    node and keeps a dict of every node's coordinates and the geometry of every way
    (832,000 dicts and 123,000 geometries for 8 × 8 tiles of central Nanjing), where a
    way's geometry is needed only for a feature or a member of a relation. The geometries
    are osmnx's (``_build_way_geometry``, ``_build_relation_geometry``), of the same
    coordinates (the last node of an id, as osmnx's dict keeps). The features' dicts are
    let go once the frame holds them.
    """
    import osmnx.features
    from osmnx import settings
    from osmnx._errors import InsufficientResponseError
    from shapely import Polygon

    features = _feature_dicts(elements, set(tags))
    if not features:
        raise InsufficientResponseError(
            "No matching features. Check query location, tags, and log."
        )
    gdf = gpd.GeoDataFrame(data=features, geometry="geometry", crs=settings.default_crs)
    del features
    gdf = osmnx.features._filter_features(
        gdf.set_index(["element", "id"]).sort_index(), Polygon(), tags
    )
    return gdf.drop(columns=sorted(_MISC_COLUMNS & set(gdf.columns)))


def _feature_dicts(elements: Elements, keys: set[str]) -> list[dict[str, Any]]:
    """The features osmnx 2.1's ``_process_features`` gives for these elements and query
    keys (see :func:`_features_from_elements`): the nodes, then the ways, then the
    relations, each a dict of its attributes, tags and ``geometry``.

    osmnx pops and adds keys of every element it reads (and pops a ``geometry`` tag), so
    it is given copies: the parse stays whole for the street graph.
    """
    import osmnx.features
    from shapely import Point

    def fresh(e: dict[str, Any]) -> dict[str, Any]:
        copy = {**e, "tags": dict(e["tags"])} if "geometry" in e.get("tags", ()) else dict(e)
        copy.get("tags", {}).pop("geometry", None)
        return copy

    def matches(element: dict[str, Any]) -> bool:
        return len(keys & element.get("tags", {}).keys()) > 0

    feature_nodes = []
    for node in elements.tagged_nodes():
        node = fresh(node)
        _ = (node["id"], node["lon"], node["lat"])  # osmnx reads these of every node
        if matches(node):
            node["element"] = node.pop("type")
            node["geometry"] = Point(node.pop("lon"), node.pop("lat"))
            node.update(node.pop("tags"))
            feature_nodes.append(node)
    relations = [
        fresh(e)
        for e in elements.others
        if e["type"] == "relation"
        and e.get("tags", {}).get("type") in osmnx.features._RELATION_TYPES
    ]
    members = {m.get("ref") for r in relations for m in r["members"] if m.get("type") == "way"}
    asked = keys - {"geometry"}  # osmnx pops a geometry tag before it matches the keys
    built = [
        fresh(e)
        for e in elements.others
        if e["type"] == "way" and (asked & e.get("tags", {}).keys() or e["id"] in members)
    ]
    refs = np.array([ref for way in built for ref in way["nodes"]], dtype=np.int64)
    at = _last_positions(elements.ids, refs)
    found = at >= 0
    held = found.tolist()
    lon, lat = np.full(len(at), np.nan), np.full(len(at), np.nan)
    lon[found], lat[found] = elements.lon[at[found]], elements.lat[at[found]]
    refs_list = refs.tolist()
    feature_ways = []
    way_geoms = {}
    start = 0
    for way in built:
        end = start + len(way["nodes"])
        coordinates = {
            r: (x, y)
            for r, ok, x, y in zip(
                refs_list[start:end],
                held[start:end],
                lon[start:end].tolist(),
                lat[start:end].tolist(),
                strict=True,
            )
            if ok
        }
        start = end
        way["geometry"] = osmnx.features._build_way_geometry(
            way["id"], way.pop("nodes"), way.get("tags", {}), coordinates
        )
        way_geoms[way["id"]] = way["geometry"]
        if matches(way):
            way["element"] = way.pop("type")
            way.update(way.pop("tags"))
            feature_ways.append(way)
    for relation in relations:
        relation["element"] = "relation"
        relation.update(relation.pop("tags"))
        relation["geometry"] = osmnx.features._build_relation_geometry(
            relation.pop("members"), way_geoms
        )
    return [*feature_nodes, *feature_ways, *relations]


@dataclass(frozen=True)
class _Clipped:
    """The elements of a parse as osmnx is given them (:func:`_clipped`): ``elements``; the
    lines trimmed to the nodes the file holds, by way id (``trimmed``); and how many ways
    refer to nodes the file lacks (``cut``), areas among them were closed across their gaps
    (``areas``) and relations were left out (``relations``)."""

    elements: Elements
    trimmed: dict[int, shapely.Geometry]
    cut: int = 0
    areas: int = 0
    relations: int = 0


def _clipped(elements: Elements) -> _Clipped:
    """The elements of a parse with each way that refers to nodes the file does not hold
    (before it) trimmed to its runs of nodes the file holds, when osmnx would draw it as a
    line, or closed across its gaps, when an area; and without the relations that lose a
    member way to those.

    osmnx draws a way missing a node as nothing and refuses a multipolygon with such a
    member (an extract clipped at its edge: osmium's ``simple`` strategy keeps every way
    with a node inside the cut, with its references to the nodes outside). A street crossing
    the cut then bounded no block, and the blocks along the cut merged across it (central
    Nanjing cut by a diamond: 12 blocks against 40 with the ``complete_ways`` strategy). A
    line trimmed to the nodes the file holds is the stretch of it inside the cut, as
    :func:`osmnx.graph_from_polygon` truncates a street crossing its polygon. A trimmed
    way is given to osmnx with its first run (so it reads its tags as any way's), and its
    geometry is then all its runs of two nodes or more (``trimmed``: a line, or a
    multi-line for a way that leaves the cut and comes back).

    An area (a closed way osmnx draws as a polygon) that holds three nodes or more is
    given to osmnx with those alone, in their order, so each stretch of its outline beyond
    the cut is a straight line between its last node inside and its next: the land of it
    inside a convex cut, less the sliver between that line and the cut. Left out, the
    residential areas, parks and schools crossing the cut were land the street blocks
    took (central Nanjing's diamond: 5 residential polygons of 0.83 km² among 98 areas;
    its blocks held 80,560 people inside it, against 61,151 with them closed and 51,554 for
    the whole file's blocks cut to it). A multipolygon that lost a member is left out
    (its rings are of several ways, and would not close).
    """
    ways = [e for e in elements.others if e["type"] == "way"]
    refs = np.array([ref for way in ways for ref in way["nodes"]], dtype=np.int64)
    # each reference's first node of its id, and the nodes before its way
    first = _positions(elements.ids, refs)
    sizes = [len(way["nodes"]) for way in ways]
    before = np.repeat(
        [n for e, n in zip(elements.others, elements.before, strict=True) if e["type"] == "way"],
        sizes,
    ).astype(np.intp)
    missing = (first < 0) | (first >= before)
    way_of = np.repeat(np.arange(len(ways)), sizes)
    is_cut = iter((np.bincount(way_of[missing], minlength=len(ways)) > 0).tolist())
    cut: list[dict[str, Any]] = []
    cut_ids: set[int] = set()
    kept: list[dict[str, Any]] = []
    kept_before: list[int] = []  # the nodes before each kept way and relation
    relations = 0
    for element, n in zip(elements.others, elements.before, strict=True):
        if element["type"] == "way" and next(is_cut):
            cut.append(element)
            cut_ids.add(element["id"])
            continue
        if (
            element["type"] == "relation"
            and cut_ids
            and any(m.get("type") == "way" and m.get("ref") in cut_ids for m in element["members"])
        ):
            relations += 1
            continue
        kept.append(element)
        kept_before.append(n)
    if not cut:
        return _Clipped(elements, {})
    wanted = np.array([ref for way in cut for ref in way["nodes"]], dtype=np.int64)
    at = np.flatnonzero(np.isin(elements.ids, wanted))  # the last of an id's nodes counts
    coordinates = {e["id"]: (e["lon"], e["lat"]) for e in elements.nodes_at(at)}
    trimmed: dict[int, shapely.Geometry] = {}
    areas = 0
    for way in cut:
        if not _drawn_as_line(way["nodes"], way["tags"]):
            held = [ref for ref in way["nodes"][:-1] if ref in coordinates]
            if len(held) >= 3:
                kept.append({**way, "nodes": [*held, held[0]]})
                areas += 1
            continue
        runs = [
            list(run)
            for held, run in itertools.groupby(way["nodes"], key=coordinates.__contains__)
            if held
        ]
        runs = [run for run in runs if len(run) >= 2]
        if not runs:
            continue
        kept.append({**way, "nodes": runs[0]})
        lines = [[coordinates[ref] for ref in run] for run in runs]
        trimmed[way["id"]] = (
            shapely.LineString(lines[0]) if len(lines) == 1 else shapely.MultiLineString(lines)
        )
    kept_before += [len(elements.ids)] * (len(kept) - len(kept_before))  # after every node
    return _Clipped(elements.replaced(kept, kept_before), trimmed, len(cut), areas, relations)


def _drawn_as_line(refs: list[int], tags: dict[str, str]) -> bool:
    """Whether osmnx draws a way of these node references and tags as a line, not a polygon
    (its ``osmnx.features._build_way_geometry``: an open way, or a closed one tagged
    ``area=no`` or with no tag of its polygon features)."""
    from osmnx.features import _POLYGON_FEATURES

    if not refs or refs[0] != refs[-1] or tags.get("area") == "no":
        return True
    for key in tags.keys() & _POLYGON_FEATURES.keys():
        rule = _POLYGON_FEATURES[key]["polygon"]
        values = _POLYGON_FEATURES[key].get("values", set())
        if (
            rule == "all"
            or (rule == "passlist" and tags[key] in values)
            or (rule == "blocklist" and tags[key] not in values)
        ):
            return False
    return True


def _with_trimmed_lines(
    gdf: gpd.GeoDataFrame, trimmed: dict[int, shapely.Geometry]
) -> gpd.GeoDataFrame:
    """``gdf`` with the geometry of each of its ways in ``trimmed`` (by id) set to it."""
    if gdf.empty:
        return gdf
    element = gdf.index.get_level_values(0)
    ids = gdf.index.get_level_values(1)
    rows = np.flatnonzero((element == "way") & ids.isin(list(trimmed)))
    if not len(rows):
        return gdf
    gdf = gdf.copy()
    geometry = np.asarray(gdf.geometry.to_numpy(), dtype=object)
    geometry[rows] = [trimmed[int(i)] for i in ids[rows]]
    return gdf.set_geometry(gpd.GeoSeries(geometry, index=gdf.index, crs=gdf.crs))


def _element_ids(gdf: gpd.GeoDataFrame) -> list[str]:
    return [f"osm/{element}/{osm_id}" for element, osm_id in gdf.index]


def _missing(value: Any) -> bool:
    """Whether a tag value is absent (``None`` or NaN), as a feature's row gives it."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def _first_texts(gdf: pd.DataFrame, keys: tuple[str, ...]) -> list[str | None]:
    """Each feature's first given value of ``keys`` (in order) as text, or ``None``.

    Column by column, not row by row: a row of a wide features frame (hundreds of tag
    columns) costs a Series each, and a city's features are tens of thousands.
    """
    texts: list[str | None] = [None] * len(gdf)
    for key in keys:
        if key not in gdf.columns:
            continue
        values = gdf[key].to_numpy(dtype=object)
        texts = [
            text if text is not None or _missing(value) else str(value)
            for text, value in zip(texts, values, strict=True)
        ]
    return texts


_NAME_KEYS = ("name", "name:zh", "name:en")
"""The tags a feature's name is read from, the first given."""

_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def parse_levels(value: Any) -> float:
    """Storeys of an OSM ``building:levels`` tag: the highest number in it.

    A building with parts of different heights is often tagged ``"3;4"``;
    its highest part decides how many people it can hold.

    Parameters
    ----------
    value
        The tag value, for example ``"6"``, ``"6.5"`` or ``"3;4"``.

    Returns
    -------
    float
        The highest number, or NaN when there is none.

    Examples
    --------
    >>> parse_levels("6"), parse_levels("6.5"), parse_levels("3;4")
    (6.0, 6.5, 4.0)
    >>> parse_levels(""), parse_levels(None)
    (nan, nan)
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return math.nan
    numbers = [float(n) for n in _NUMBER.findall(str(value))]
    return max(numbers) if numbers else math.nan


def candidates_from_osm(
    source: str | Path,
    *,
    working_crs: str | pyproj.CRS,
    polygon: Any = None,
    rules: tuple[TagRule, ...] = CANDIDATE_RULES,
) -> gpd.GeoDataFrame:
    """Candidate sites from an OSM XML file, by the tag rules in the module docstring.

    Parameters
    ----------
    source
        OSM XML file (``.osm``, ``.osm.bz2``).
    working_crs
        Projected metric CRS of the result.
    polygon
        Optional shapely polygon in ``working_crs``; only features intersecting
        it are kept.
    rules
        Tag rules in priority order.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``site_id`` (``"osm/<element>/<id>"``), ``name``, ``kind``,
        ``acquisition``, ``land_area_m2`` (polygon area; NaN for points),
        ``floor_area_m2`` (``building:levels`` × footprint for a tagged
        building, else NaN), ``osm_tags`` (the matching tag) and ``geometry``
        (polygons or points in ``working_crs``).

    Raises
    ------
    InputError
        The file is missing or not OSM XML, or the CRS is not projected.
    """
    crs = _projected(working_crs, str(source))
    gdf = _read_features(source, _tags_query(rules), crs)
    out = _candidates_from_features(gdf, crs=crs, rules=rules, source=str(source))
    if polygon is not None:
        out = out.loc[out.intersects(polygon)].reset_index(drop=True)
    return out


def _candidates_from_features(
    gdf: gpd.GeoDataFrame, *, crs: pyproj.CRS, rules: tuple[TagRule, ...], source: str
) -> gpd.GeoDataFrame:
    """Candidate sites among features already read (see :func:`candidates_from_osm`)."""
    empty = gpd.GeoDataFrame(
        {c: pd.Series(dtype=object) for c in _CANDIDATE_COLUMNS},
        geometry=gpd.GeoSeries([], crs=crs),
    )
    if gdf.empty:
        return empty
    # the first rule (in priority order) that a feature matches, rule by rule over columns
    hits: list[tuple[TagRule, str] | None] = [None] * len(gdf)
    for rule in rules:
        if rule.key not in gdf.columns:
            continue
        values = gdf[rule.key].to_numpy(dtype=object)
        for i in np.flatnonzero([not _missing(v) for v in values]):
            if hits[i] is None:
                text = rule.matches(values[i])
                if text is not None:
                    hits[i] = (rule, text)
    kinds = [hit[0].kind if hit else None for hit in hits]
    acquisitions = [hit[0].acquisition if hit else None for hit in hits]
    matched = [hit[1] if hit else None for hit in hits]
    areal = gdf.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy()
    point = (gdf.geometry.geom_type == "Point").to_numpy()
    lines = int((~areal & ~point).sum())
    if lines:
        logger.info("%s: dropped %d candidate features drawn as lines", source, lines)
    land = np.where(areal, gdf.geometry.area.to_numpy(dtype=float), np.nan)
    levels_col = gdf["building:levels"] if "building:levels" in gdf.columns else None
    has_building = (
        gdf["building"].notna().to_numpy()
        if "building" in gdf.columns
        else np.zeros(len(gdf), dtype=bool)
    )
    levels = (
        np.array([parse_levels(v) for v in levels_col], dtype=float)
        if levels_col is not None
        else np.full(len(gdf), np.nan)
    )
    floor = np.where(areal & has_building & (levels > 0), levels * land, np.nan)
    out = gpd.GeoDataFrame(
        {
            "site_id": _element_ids(gdf),
            "name": _first_texts(gdf, _NAME_KEYS),
            "kind": kinds,
            "acquisition": acquisitions,
            "land_area_m2": land,
            "floor_area_m2": floor,
            "osm_tags": matched,
        },
        geometry=gdf.geometry.to_numpy(),
        crs=crs,
    )
    keep = (areal | point) & out["kind"].notna().to_numpy()
    out = out.loc[keep].reset_index(drop=True)
    logger.info(
        "%s: %d candidate sites (%s)",
        source,
        len(out),
        ", ".join(f"{k} {n}" for k, n in out["kind"].value_counts().items()),
    )
    return out


_VOLTAGE = re.compile(r"(\d+(?:\.\d+)?)\s*(k?v)?", re.IGNORECASE)


def parse_voltage_kv(value: Any) -> float:
    """Highest voltage of an OSM ``voltage`` tag, in kV.

    OSM gives volts, one value per circuit separated by ``;``. A value with an
    explicit ``kV`` unit is read as kilovolts.

    Parameters
    ----------
    value
        The tag value, for example ``"110000;10000"``.

    Returns
    -------
    float
        The highest voltage in kV, or NaN when there is none.

    Examples
    --------
    >>> parse_voltage_kv("110000;10000")
    110.0
    >>> parse_voltage_kv("10 kV")
    10.0
    >>> parse_voltage_kv(None)
    nan
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return math.nan
    best = math.nan
    for part in re.split(r"[;,]", str(value)):
        match = _VOLTAGE.search(part)
        if not match:
            continue
        number = float(match.group(1))
        unit = (match.group(2) or "").lower()
        kv = number if unit == "kv" else number / 1000.0
        if math.isnan(best) or kv > best:
            best = kv
    return best


def hazards_from_osm(
    source: str | Path,
    *,
    working_crs: str | pyproj.CRS,
    arterial_highways: Collection[str] = ("trunk", "primary"),
) -> gpd.GeoDataFrame:
    """Hazards and surroundings to avoid, from an OSM XML file.

    Parameters
    ----------
    source
        OSM XML file (``.osm``, ``.osm.bz2``).
    working_crs
        Projected metric CRS of the result.
    arterial_highways
        ``highway`` values counted as arterial roads (城市主干路). In Chinese
        OSM data ``trunk`` is the urban expressway and ``primary`` the main
        arterial.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``hazard_id`` (``"osm/<element>/<id>"``), ``kind`` (see
        :data:`HAZARD_KINDS`), ``voltage_kv`` (power lines; NaN otherwise or
        when untagged), ``name`` and ``geometry`` in ``working_crs``.

    Raises
    ------
    InputError
        The file is missing or not OSM XML, or the CRS is not projected.
    """
    crs = _projected(working_crs, str(source))
    tags: dict[str, bool | str | list[str]] = {
        "amenity": ["fuel", "marketplace"],
        "power": ["line", "minor_line"],
        "shop": ["mall", "department_store", "wholesale"],
    }
    if arterial_highways:
        tags["highway"] = list(arterial_highways)
    gdf = _read_features(source, tags, crs)
    return _hazards_from_features(
        gdf, crs=crs, arterial_highways=arterial_highways, source=str(source)
    )


def _hazards_from_features(
    gdf: gpd.GeoDataFrame, *, crs: pyproj.CRS, arterial_highways: Collection[str], source: str
) -> gpd.GeoDataFrame:
    """Hazards among features already read (see :func:`hazards_from_osm`)."""
    if gdf.empty:
        return gpd.GeoDataFrame(
            {c: pd.Series(dtype=float if c == "voltage_kv" else object) for c in _HAZARD_COLUMNS},
            geometry=gpd.GeoSeries([], crs=crs),
        )

    def column(key: str) -> pd.Series:
        if key in gdf.columns:
            return gdf[key].astype(object)
        return pd.Series([None] * len(gdf), index=gdf.index, dtype=object)

    amenity, power, shop, highway = (column(k) for k in ("amenity", "power", "shop", "highway"))
    kind = pd.Series([None] * len(gdf), index=gdf.index, dtype=object)
    # later assignments win: a fuel station tagged with a shop stays a petrol station
    kind[highway.isin(list(arterial_highways))] = "arterial_road"
    kind[amenity.eq("marketplace") | shop.eq("wholesale")] = "market"
    kind[shop.isin(["mall", "department_store"])] = "mall"
    kind[power.isin(["line", "minor_line"])] = "power_line"
    kind[amenity.eq("fuel")] = "petrol_station"
    # an arterial road is a line; a pedestrianised square tagged highway=primary is not
    is_line = gdf.geometry.geom_type.isin(["LineString", "MultiLineString"])
    kind[(kind == "arterial_road") & ~is_line] = None
    voltage = np.array(
        [
            parse_voltage_kv(v) if k == "power_line" else math.nan
            for k, v in zip(kind, column("voltage"), strict=True)
        ],
        dtype=float,
    )
    out = gpd.GeoDataFrame(
        {
            "hazard_id": _element_ids(gdf),
            "kind": kind.to_numpy(),
            "voltage_kv": voltage,
            "name": _first_texts(gdf, _NAME_KEYS),
        },
        geometry=gdf.geometry.to_numpy(),
        crs=crs,
    )
    out = out.loc[out["kind"].notna()].reset_index(drop=True)
    logger.info(
        "%s: %d hazards (%s)",
        source,
        len(out),
        ", ".join(f"{k} {n}" for k, n in out["kind"].value_counts().items()),
    )
    return out


_DEFAULT_POWER_BANDS: Mapping[float, float] = {10: 5, 110: 10, 330: 15, 500: 20}


def _power_line_m(kv: float, bands: Mapping[float, float], default_m: float) -> float:
    if math.isnan(kv):
        return default_m
    for top in sorted(bands):
        if kv <= top:
            return float(bands[top])
    return float(bands[max(bands)])


def hazard_buffers(
    hazards: gpd.GeoDataFrame,
    *,
    petrol_station_m: float = 50,
    power_line_m_by_kv: Mapping[float, float] = _DEFAULT_POWER_BANDS,
    power_line_default_m: float = 10,
    mall_m: float = 100,
    market_m: float = 100,
    arterial_road_m: float = 10,
    enabled: Collection[str] = HAZARD_KINDS,
) -> gpd.GeoDataFrame:
    """Buffer hazards by the distances a childcare site must keep.

    Parameters
    ----------
    hazards
        Output of :func:`hazards_from_osm` (or any frame with ``hazard_id``,
        ``kind``, ``voltage_kv`` and geometry in a metric CRS).
    petrol_station_m
        Petrol station clearance (GB 50156: 50 m from an important public
        building).
    power_line_m_by_kv
        Protection zone by the line's highest voltage: each key is the top of
        a band in kV (电力设施保护条例: up to 10 kV 5 m, 35–110 kV 10 m,
        154–330 kV 15 m, 500 kV 20 m). Above the top band the widest is used.
    power_line_default_m
        Zone of a power line without a voltage tag.
    mall_m, market_m
        Distance kept from large malls and (wholesale) markets (JGJ 39 §3.1.2
        says "not next to"; the number is a planning judgement).
    arterial_road_m
        Distance from an arterial road's centre line (JGJ 39 §3.1.2: the
        entrance must not open onto an arterial road; a proxy, since entrances
        are not known).
    enabled
        The hazard kinds to use; drop a kind to turn its rule off.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``hazard_id``, ``kind``, ``buffer_m``, ``reason`` (for example
        ``"within 50 m of petrol station osm/node/123"``) and polygon
        ``geometry``, in the hazards' CRS.

    Raises
    ------
    InputError
        The hazards have no CRS, a geographic CRS, an unknown kind in
        ``enabled``, or a negative distance.
    """
    problems: list[Problem] = []
    unknown = sorted(set(enabled) - set(HAZARD_KINDS))
    if unknown:
        problems.append(
            Problem(
                f"unknown hazard kinds {unknown}",
                fix=f"choose from {', '.join(HAZARD_KINDS)}",
            )
        )
    if hazards.crs is None or not pyproj.CRS.from_user_input(hazards.crs).is_projected:
        problems.append(
            Problem("hazards are not in a projected metric CRS", fix="project them first")
        )
    distances = {
        "petrol_station_m": petrol_station_m,
        "power_line_default_m": power_line_default_m,
        "mall_m": mall_m,
        "market_m": market_m,
        "arterial_road_m": arterial_road_m,
        **{f"power_line_m_by_kv[{k}]": v for k, v in power_line_m_by_kv.items()},
    }
    for name, value in distances.items():
        if not value >= 0:
            problems.append(Problem(f"{name} must not be negative, got {value}"))
    if problems:
        raise InputError(problems)
    fixed = {
        "petrol_station": float(petrol_station_m),
        "mall": float(mall_m),
        "market": float(market_m),
        "arterial_road": float(arterial_road_m),
    }
    chosen = hazards.loc[hazards["kind"].isin(list(enabled))]
    buffer_m: list[float] = []
    reasons: list[str] = []
    for hazard_id, kind, kv in zip(
        chosen["hazard_id"], chosen["kind"], chosen["voltage_kv"], strict=True
    ):
        label = _HAZARD_LABELS.get(str(kind), str(kind))
        if kind == "power_line":
            metres = _power_line_m(float(kv), power_line_m_by_kv, power_line_default_m)
            if not math.isnan(float(kv)):
                label = f"{label} ({float(kv):g} kV)"
        else:
            metres = fixed[str(kind)]
        buffer_m.append(metres)
        reasons.append(f"within {metres:g} m of {label} {hazard_id}")
    geometry = chosen.geometry.buffer(np.asarray(buffer_m, dtype=float)) if len(chosen) else None
    return gpd.GeoDataFrame(
        {
            "hazard_id": chosen["hazard_id"].to_numpy(),
            "kind": chosen["kind"].to_numpy(),
            "buffer_m": np.asarray(buffer_m, dtype=float),
            "reason": reasons,
        },
        geometry=geometry.to_numpy() if geometry is not None else gpd.GeoSeries([]).to_numpy(),
        crs=hazards.crs,
    )


def exclude_hazardous(
    sites: gpd.GeoDataFrame, buffers: gpd.GeoDataFrame, *, site_id: str = "site_id"
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Drop sites that touch a hazard buffer, and say why.

    A site is excluded when its geometry (point or parcel) intersects any
    buffer: a power line may not cross the site, and a parcel that reaches
    into a petrol station's 50 m is not safe as a whole. This is the cautious
    reading; a planner can turn single rules off in :func:`hazard_buffers`.

    Parameters
    ----------
    sites
        Candidate sites with an id column.
    buffers
        Output of :func:`hazard_buffers`.
    site_id
        The sites' id column.

    Returns
    -------
    tuple of geopandas.GeoDataFrame and pandas.DataFrame
        The kept sites (a copy, original order and columns), and one row per
        excluded site with ``site_id``, ``reason`` (every reason, joined by
        ``"; "``) and ``hazard_ids`` (joined the same way).

    Raises
    ------
    InputError
        The id column is missing, or either layer has no CRS.
    """
    problems: list[Problem] = []
    if site_id not in sites.columns:
        problems.append(Problem("sites have no id column", column=site_id))
    if sites.crs is None:
        problems.append(Problem("sites have no CRS", fix="set the layer's CRS"))
    if buffers.crs is None and len(buffers):
        problems.append(Problem("hazard buffers have no CRS"))
    if problems:
        raise InputError(problems)
    columns = [site_id, "reason", "hazard_ids"]
    if sites.empty or buffers.empty:
        return sites.copy(), pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    zones = buffers[["hazard_id", "reason", "geometry"]].to_crs(sites.crs)
    left = gpd.GeoDataFrame(
        {"_site": np.arange(len(sites))}, geometry=sites.geometry.to_numpy(), crs=sites.crs
    )
    hits = gpd.sjoin(left, zones, predicate="intersects", how="inner")
    if hits.empty:
        return sites.copy(), pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    hits = hits.sort_values(["_site", "hazard_id"])
    grouped = hits.groupby("_site", sort=True)
    positions = np.asarray(list(grouped.groups.keys()), dtype=np.int64)
    excluded = pd.DataFrame(
        {
            site_id: sites[site_id].to_numpy()[positions],
            "reason": grouped["reason"].agg("; ".join).to_numpy(),
            "hazard_ids": grouped["hazard_id"].agg("; ".join).to_numpy(),
        }
    )
    mask = np.ones(len(sites), dtype=bool)
    mask[positions] = False
    kept = sites.loc[mask].copy()
    logger.info("excluded %d of %d sites inside hazard buffers", len(excluded), len(sites))
    return kept, excluded
