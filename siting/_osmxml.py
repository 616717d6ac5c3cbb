"""Reading OSM XML: one streaming pass per file, shared by every reader of a run.

osmnx reads a file twice for every call (an ElementTree parse of the whole
document for its root's attributes, then a SAX pass), and a run read it once for
the OSM features (:mod:`siting.osm.features`) and again for the street graph
(:mod:`siting.network.graph`): four passes over a city's 100 MB extract.
:func:`overpass_json` reads the file in one streaming pass into the structure
osmnx builds its graphs and features from (Overpass JSON), and within
:func:`parse_once` each file is read once, whoever asks. The file is never held as
an XML tree, but its parse is held (:class:`Elements`): the untagged nodes, most of
a file's, as rows of arrays, the other elements as dicts. The 830,400 nodes and
122,880 ways of 8 × 8 tiles of central Nanjing (100 MB) take 224 MB so (472 MB as
dicts), so a province's extract of tens of millions of nodes still takes GB. The
street graph, read last in a run, lets the parse go once built (``last=True``).

osmnx also refuses a whole file when one way refers to a node the file does not
hold. The readers of a clipped extract then keep what is whole; a reader that
needs only the elements (not osmnx's structure) streams them with
:func:`osm_elements`. :func:`extract_box` finds the box an extract was cut by, and
:func:`extract_edge` the outline (that box, or the land its nodes cover when a polygon
cut it), for the street blocks closed against its edge.
"""

from __future__ import annotations

import bz2
import contextlib
import contextvars
import gc
import math
import warnings
import xml.etree.ElementTree as ET
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
import shapely.geometry

__all__ = ["Elements", "extract_box", "extract_edge", "osm_elements", "overpass_json", "parse_once"]

_TOP_LEVEL = ("node", "way", "relation")
_FLOATS = ("lat", "lon")
_INTEGERS = ("changeset", "id", "uid", "version")

_WAYS_HELD = 0.95
"""The share of an extract's ways that must have a node in the box of its nodes in no way
for that box to be the extract's (:func:`extract_box`)."""

_SEED_SPAN_M = 150.0
"""The longest span, in metres, of a way whose nodes show the land an extract covers
(:func:`extract_edge`): a cut keeps a way only with a node inside, so each of its nodes
lies within this of the cut."""
_CELL_M = 20.0
"""The side of the cells in which the land an extract's nodes cover is found, in metres
(more for an extract of more than :data:`_MAX_CELLS` of them, 400 km²: 30 m for the
900 km² box of 100 MB of tiles of central Nanjing, whose land took 0.3 s to find)."""
_MAX_CELLS = 1_000_000
_KNOWN_REACH_M = 250.0
"""The radius of the closing of the cells holding a node that shows the land an extract
covers, in metres: a gap between them narrower than twice this is land it covers."""
_KNOWN_SHARE = 0.8
"""The share of its box the land an extract's nodes cover below which the box is not the
cut (:func:`extract_edge`)."""
_WAYS_CROSSING = 0.75
"""The share of the ways with a node in an extract's box beyond the land its nodes cover
that must also have a node in that land for the box not to be the cut (:func:`extract_edge`):
a cut by a polygon keeps only the ways with a node inside it."""
_M_PER_DEG = 111_320.0

_PARSES: contextvars.ContextVar[dict[tuple[str, int, int], dict[str, Any]] | None] = (
    contextvars.ContextVar("siting_osm_parses", default=None)
)


def _top_level(
    path: Path, root_attributes: dict[str, str], bounds: list[dict[str, str]] | None = None
) -> Iterator[ET.Element]:
    """Each node, way and relation of ``path`` (see :func:`osm_elements`); the root's
    attributes are copied into ``root_attributes`` when the root opens, and those of
    every ``<bounds>`` are added to ``bounds`` (JOSM writes one per area downloaded)."""
    opener = bz2.open if path.name.lower().endswith(".bz2") else open
    with opener(path, "rb") as stream:
        root: ET.Element | None = None
        for event, element in ET.iterparse(stream, events=("start", "end")):
            if event == "start":
                if root is None:
                    root = element
                    root_attributes.update(element.attrib)
                elif element.tag == "bounds" and bounds is not None:
                    bounds.append(dict(element.attrib))
                continue
            if element.tag not in _TOP_LEVEL:
                continue
            yield element
            element.clear()
            if root is not None:
                root.clear()  # else cleared elements stay attached: ~1.6 GB for 10 M nodes


def osm_elements(path: Path, nodes: set[str] | dict[str, tuple[str, str]]) -> Iterator[ET.Element]:
    """The nodes, ways and relations of an OSM XML file, in the file's order.

    Parameters
    ----------
    path
        An OSM XML file; one whose name ends in ``.bz2`` (in any case) is decompressed.
    nodes
        Filled as the file is read: each node's id is added before the node is yielded,
        with its ``(lat, lon)`` as written in the file when ``nodes`` is a dict. A way or
        relation can so be checked against the nodes before it (OSM XML lists nodes first).

    Yields
    ------
    xml.etree.ElementTree.Element
        Each top-level element with its children (a way's ``nd`` and ``tag``, a
        relation's ``member``). It is cleared, and dropped from the document's root,
        once the loop moves past it: keep what you need of it, not the element.

    Examples
    --------
    >>> p = getfixture("tmp_path") / "a.osm"
    >>> _ = p.write_text(
    ...     "<osm><node id='1' lat='32.0' lon='118.8'/><node id='2' lat='32.1' lon='118.8'/>"
    ...     "<way id='9'><nd ref='1'/><nd ref='3'/></way></osm>"
    ... )
    >>> seen: set[str] = set()
    >>> for element in osm_elements(p, seen):
    ...     if element.tag == "way":
    ...         print([nd.get("ref") in seen for nd in element.iter("nd")])
    [True, False]
    >>> coordinates: dict[str, tuple[str, str]] = {}
    >>> _ = list(osm_elements(p, coordinates))
    >>> coordinates["2"]
    ('32.1', '118.8')
    """
    for element in _top_level(path, {}):
        if element.tag == "node":
            if isinstance(nodes, dict):
                nodes[element.get("id", "")] = (element.get("lat", ""), element.get("lon", ""))
            else:
                nodes.add(element.get("id", ""))
        yield element


def _overpass_element(element: ET.Element) -> dict[str, Any]:
    """One element as osmnx's SAX reader (``osmnx._osm_xml._OSMContentHandler``) gives it:
    the same keys in the same order, ``lat``/``lon`` floats (nodes and ways), ids ints."""
    kind = element.tag
    tags: dict[str, str] = {}
    out: dict[str, Any]
    if kind == "relation":
        members: list[dict[str, Any]] = []
        out = {"type": kind, "tags": tags, "members": members, **element.attrib}
        for child in element:
            if child.tag == "tag":
                tags[child.get("k", "")] = child.get("v", "")
            elif child.tag == "member":
                members.append({k: int(v) if k == "ref" else v for k, v in child.items()})
    else:
        out = {"type": kind, "tags": tags, **element.attrib}
        refs: list[int] = []
        if kind == "way":
            out["nodes"] = refs
        for child in element:
            if child.tag == "tag":
                tags[child.get("k", "")] = child.get("v", "")
            elif child.tag == "nd":
                refs.append(int(child.get("ref", "")))
        for key in _FLOATS:
            if key in out:
                out[key] = float(out[key])
    for key in _INTEGERS:
        if key in out:
            out[key] = int(out[key])
    return out


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off within the block (as it was after it).

    A parse makes a million dicts and lists that all stay alive, and each time the
    objects grow by a quarter the collector walks them all: 10.7 s of an 18.5 s parse
    of 8 × 8 tiles of Nanjing (100 MB). They hold no cycles, so nothing is left
    uncollected by pausing it.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


_PLAIN = ("id", "lat", "lon")
"""The attributes of a node as Overpass and most tools write it, in their order."""
_NO_ID = np.iinfo(np.int64).min
"""The id held for a node the file gives none (its dict has no ``id``)."""
_CHUNK = 1 << 16
"""Nodes made into dicts at a time when :class:`Elements` is walked."""


class Elements:
    """A file's nodes, ways and relations, as :func:`overpass_json` gives them.

    Walked, it gives each element in the file's order as the dict osmnx builds from
    (:func:`_overpass_element`). The nodes without tags (most of a city's: 830,400 of
    the 100 MB of 8 × 8 tiles of central Nanjing, 96 % of them) are not held as dicts
    but as rows of arrays (id, latitude, longitude, the order of their attributes and
    the values of any other attribute), and each walk gives a fresh dict of each; a
    dict of a node took about 400 bytes, a row 26. The other elements are held as
    their dicts, and a walk gives those same dicts.

    Attributes
    ----------
    ids, lat, lon
        Every node's id and coordinates, in the file's order (:data:`_NO_ID` and NaN
        where it gives none).
    others
        The ways and relations, in the file's order, as dicts.
    before
        How many nodes come before each of ``others`` in the file.
    """

    def __init__(
        self,
        ids: npt.NDArray[np.int64],
        lat: npt.NDArray[np.float64],
        lon: npt.NDArray[np.float64],
        *,
        shape: npt.NDArray[np.uint16],
        shapes: list[tuple[str, ...]],
        extra: dict[int, tuple[Any, ...]],
        full: dict[int, dict[str, Any]],
        others: list[dict[str, Any]],
        before: list[int],
    ) -> None:
        self.ids, self.lat, self.lon = ids, lat, lon
        self._shape, self._shapes, self._extra = shape, shapes, extra
        self._full = full  # the nodes held as dicts (tagged ones), by position
        self.others = others  # the ways and relations, in order
        self.before = before  # how many nodes come before each of them

    def __len__(self) -> int:
        return len(self.ids) + len(self.others)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        start = 0
        for element, before in zip(self.others, self.before, strict=True):
            if before > start:
                yield from self.nodes_at(range(start, before))
                start = before
            yield element
        yield from self.nodes_at(range(start, len(self.ids)))

    def tagged_nodes(self) -> list[dict[str, Any]]:
        """The nodes held as dicts (those with tags, and any without an id or a
        coordinate), in the file's order."""
        return [self._full[i] for i in sorted(self._full)]

    def nodes_at(self, positions: range | npt.NDArray[np.intp]) -> Iterator[dict[str, Any]]:
        """The dicts of the nodes at these positions (increasing), in their order."""
        plain = self._shapes.index(_PLAIN) if _PLAIN in self._shapes else -1
        for lo in range(0, len(positions), _CHUNK):
            part = positions[lo : lo + _CHUNK]
            at = slice(part.start, part.stop) if isinstance(part, range) else part
            ids, lats, lons = (self.ids[at].tolist(), self.lat[at].tolist(), self.lon[at].tolist())
            shapes = self._shape[at].tolist()
            for k, i in enumerate(part if isinstance(part, range) else part.tolist()):
                full = self._full.get(i)
                if full is not None:
                    yield full
                elif shapes[k] == plain:
                    yield {"type": "node", "tags": {}, "id": ids[k], "lat": lats[k], "lon": lons[k]}
                else:
                    yield self._node(i, self._shapes[shapes[k]], (ids[k], lats[k], lons[k]))

    def _node(
        self, i: int, keys: tuple[str, ...], plain: tuple[int, float, float]
    ) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "node", "tags": {}}
        extra = iter(self._extra.get(i, ()))
        for key in keys:
            out[key] = plain[_PLAIN.index(key)] if key in _PLAIN else next(extra)
        return out

    def replaced(self, others: list[dict[str, Any]], before: list[int]) -> Elements:
        """The same nodes with these ways and relations, ``before[i]`` nodes before the
        ``i``-th."""
        return Elements(
            self.ids, self.lat, self.lon, shape=self._shape, shapes=self._shapes,
            extra=self._extra, full=self._full, others=others, before=before,
        )  # fmt: skip


def _parse(path: Path) -> dict[str, Any]:
    root: dict[str, str] = {}
    bounds: list[dict[str, str]] = []
    ids, lat, lon, shape = array("q"), array("d"), array("d"), array("H")
    shapes: dict[tuple[str, ...], int] = {}
    extra: dict[int, tuple[Any, ...]] = {}
    full: dict[int, dict[str, Any]] = {}
    others: list[dict[str, Any]] = []
    before: list[int] = []
    with _collector_paused():
        for element in _top_level(path, root, bounds):
            if element.tag != "node":
                others.append(_overpass_element(element))
                before.append(len(ids))
                continue
            attrib = element.attrib
            keys = tuple(attrib)
            plain = "id" in attrib and "lat" in attrib and "lon" in attrib
            if len(element) or not plain:  # tags (or children), or an odd node: a dict
                out = _overpass_element(element)
                full[len(ids)] = out
                keys = ()
                ids.append(out.get("id", _NO_ID))
                lat.append(out.get("lat", math.nan))
                lon.append(out.get("lon", math.nan))
            else:
                ids.append(int(attrib["id"]))
                lat.append(float(attrib["lat"]))
                lon.append(float(attrib["lon"]))
                if keys != _PLAIN:
                    extra[len(ids) - 1] = tuple(
                        int(attrib[k]) if k in _INTEGERS else attrib[k]
                        for k in keys
                        if k not in _PLAIN
                    )
            shape.append(shapes.setdefault(keys, len(shapes)))
    if "OSMnx" in root.get("generator", ""):
        warnings.warn(  # osmnx's own warning, which its readers gave
            "The XML file you are loading appears to have been generated by OSMnx: this use "
            "case is not supported and may not behave as expected. To save/load graphs "
            "to/from disk for later use in OSMnx, use the `io.save_graphml` and "
            "`io.load_graphml` functions instead. Refer to the documentation for details.",
            UserWarning,
            stacklevel=3,
        )
    elements = Elements(
        np.frombuffer(ids, dtype=np.int64) if len(ids) else np.empty(0, dtype=np.int64),
        np.frombuffer(lat, dtype=np.float64) if len(lat) else np.empty(0),
        np.frombuffer(lon, dtype=np.float64) if len(lon) else np.empty(0),
        shape=np.frombuffer(shape, dtype=np.uint16) if len(shape) else np.empty(0, np.uint16),
        shapes=list(shapes),
        extra=extra,
        full=full,
        others=others,
        before=before,
    )
    return {**root, "elements": elements, **({"bounds": bounds} if bounds else {})}


def overpass_json(path: Path, *, last: bool = False) -> dict[str, Any]:
    """An OSM XML file as osmnx's readers parse it, in one streaming pass.

    Parameters
    ----------
    path
        An OSM XML file; one whose name ends in ``.bz2`` (in any case) is decompressed.
    last
        The caller is the last reader of the file within :func:`parse_once`: the parse
        is given to it and no longer kept (a later reader parses the file again). The
        street graph, read last, so lets go of it before filtering, simplifying and
        projecting the graph (224 MB of 100 MB of tiles of central Nanjing).

    Returns
    -------
    dict
        The root's attributes and ``"elements"`` (:class:`Elements`): every node, way
        and relation in the file's order, each a dict as ``osmnx.features_from_xml`` and
        ``osmnx.graph_from_xml`` build from (``type``, ``tags``, the attributes with
        ``lat``/``lon`` as floats and ids as ints, a way's ``nodes``, a relation's
        ``members``); and ``"bounds"``, the attributes of each of the file's
        ``<bounds>`` elements (a list), when it has any. Within :func:`parse_once` the
        same object is given to every caller: copy what you change.

    Raises
    ------
    xml.etree.ElementTree.ParseError
        The file is not well-formed XML.

    Examples
    --------
    >>> p = getfixture("tmp_path") / "a.osm"
    >>> _ = p.write_text(
    ...     "<osm version='0.6'><node id='1' lat='32.0' lon='118.8'/>"
    ...     "<way id='9'><nd ref='1'/><tag k='highway' v='residential'/></way></osm>"
    ... )
    >>> parsed = overpass_json(p)
    >>> parsed["version"], list(parsed["elements"])[1]
    ('0.6', {'type': 'way', 'tags': {'highway': 'residential'}, 'id': 9, 'nodes': [1]})
    >>> with parse_once():
    ...     first = overpass_json(p)
    ...     first is overpass_json(p, last=True), first is overpass_json(p)
    (True, False)
    """
    parses = _PARSES.get()
    if parses is None:
        return _parse(path)
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key not in parses:
        if last:
            return _parse(path)
        parses[key] = _parse(path)
        if not gc.get_freeze_count():  # kept until parse_once ends (see there)
            gc.freeze()
    return parses.pop(key) if last else parses[key]


@contextlib.contextmanager
def parse_once() -> Iterator[None]:
    """Within this block :func:`overpass_json` parses each file once (by its path, size and
    modification time) and gives every later caller that parse; the parses are let go
    when the outermost block ends.

    A run reads its inputs within one block (:func:`siting.inputs.load_inputs`): the
    OSM features of ``[inputs.osm]`` and the street graph are built from one parse.

    The objects alive after a parse (the parse's million dicts and lists among them)
    are frozen out of the cyclic garbage collector's walks (:func:`gc.freeze`) until
    the block ends: building the features and the graph from 8 × 8 tiles of Nanjing
    made it walk them 11 times, for 8.8 s. Nothing is frozen when something else
    already froze objects (:func:`gc.unfreeze` would thaw those too).
    """
    if _PARSES.get() is not None:
        yield
        return
    ours = not gc.get_freeze_count()  # what another caller froze stays frozen
    token = _PARSES.set({})
    try:
        yield
    finally:
        if ours:
            gc.unfreeze()
        _PARSES.reset(token)


def extract_box(path: Path) -> tuple[tuple[float, float, float, float] | None, str]:
    """The box an OSM XML extract was cut by, in its own longitude and latitude.

    An extract made with a box (openstreetmap.org's export, osmium, JOSM) says so in
    its ``<bounds>`` element; JOSM writes one per area downloaded, and the box of all
    of them is taken. An Overpass query for a box
    writes none, and with its ways made whole (``(._;>;);``) the nodes of a long road
    or river reach kilometres past the box (central Nanjing's: 18 km × 32 km round a
    box of 3 km × 1.8 km). Every node that no way or relation lists lies inside the
    box, though, since only the ways and relations bring in nodes from beyond it: their
    box is the extract's (central Nanjing has 329 of them), if it is the query's box.
    Then (almost) every way has a node in it, since the query brought each in by one:
    central Nanjing's box holds a node of 98.4 % of its 1,920 ways (the others are
    members of relations), central Taichung's of all 1,356, an Overpass query of
    central Nanjing's 6 × 6 tiles of 99.7 % of 69,120. A file whose nodes in no way
    stop short of its edge (a suburb where nobody mapped a shop or a bus stop: central
    Taichung without its 159 such nodes east of 120.605°E holds 70.5 %, and lost 21 of
    its 32 blocks inside) is not that box, so at least :data:`_WAYS_HELD` (95 %) of the
    ways must have a node in it. A file with fewer than two nodes in no way, whose box
    of them has no width or height, or whose box of them fails that test (a few points
    of interest in one street of a file that is otherwise all ways) falls back to the
    box of all its nodes.

    Parameters
    ----------
    path
        An OSM XML file; one whose name ends in ``.bz2`` (in any case) is decompressed.

    Returns
    -------
    tuple
        ``(west, south, east, north)`` in degrees, ``None`` for a file without
        nodes; and how it was found, for the run's notes.

    Examples
    --------
    >>> p = getfixture("tmp_path") / "a.osm"
    >>> _ = p.write_text(
    ...     "<osm><node id='1' lat='32.06' lon='118.86'/><node id='2' lat='32.1' lon='118.9'/>"
    ...     "<node id='3' lat='31.0' lon='118.0'/><way id='9'><nd ref='1'/><nd ref='3'/></way>"
    ...     "<node id='4' lat='32.05' lon='118.85'/></osm>"
    ... )
    >>> extract_box(p)
    ((118.85, 32.05, 118.9, 32.1), 'the box of its 2 nodes in no way or relation')
    >>> _ = p.write_text(
    ...     "<osm><bounds minlat='32.0' minlon='118.7' maxlat='32.1' maxlon='118.8'/>"
    ...     "<node id='1' lat='32.0' lon='118.8'/></osm>"
    ... )
    >>> extract_box(p)
    ((118.7, 32.0, 118.8, 32.1), 'its <bounds>')
    """
    box, how, _ = _extract(overpass_json(path))
    return box, how


@dataclass(frozen=True)
class _Nodes:
    """An extract's nodes: their ``(lon, lat)`` (NaN where the file gives none) and
    whether a way or relation lists each; and its ways' node references, flattened:
    the node each is (its position, -1 for a node the file lacks) and the way it comes
    from (increasing)."""

    xy: npt.NDArray[np.float64]
    listed: npt.NDArray[np.bool_]
    node: npt.NDArray[np.intp]
    way: npt.NDArray[np.intp]


def _extract(
    parsed: dict[str, Any],
) -> tuple[tuple[float, float, float, float] | None, str, _Nodes | None]:
    """:func:`extract_box` of a parse, and the nodes read for it (``None`` when its
    ``<bounds>`` gave the box: they were not read)."""
    boxes = []
    for bounds in parsed.get("bounds", []):
        try:
            west, south, east, north = (
                float(bounds.get(k, "")) for k in ("minlon", "minlat", "maxlon", "maxlat")
            )
        except ValueError:
            continue  # a <bounds> without its numbers says nothing
        if west < east and south < north:
            boxes.append((west, south, east, north))
    if boxes:
        west, south = min(b[0] for b in boxes), min(b[1] for b in boxes)
        east, north = max(b[2] for b in boxes), max(b[3] for b in boxes)
        how = "its <bounds>" if len(boxes) == 1 else f"the box of its {len(boxes)} <bounds>"
        return (west, south, east, north), how, None
    nodes = _nodes(parsed)
    xy = nodes.xy
    xy_ok = np.isfinite(xy).all(axis=1)
    alone = xy_ok & ~nodes.listed
    if alone.sum() >= 2:
        west, south = xy[alone].min(axis=0)
        east, north = xy[alone].max(axis=0)
        inside = xy_ok & (xy[:, 0] >= west) & (xy[:, 0] <= east)
        inside &= (xy[:, 1] >= south) & (xy[:, 1] <= north)
        node = nodes.node
        held = np.zeros(len(nodes.way), dtype=bool)
        held[node >= 0] = inside[node[node >= 0]]
        reached = np.bincount(nodes.way[held], minlength=_ways(nodes)) > 0
        reached = reached[np.bincount(nodes.way, minlength=_ways(nodes)) > 0]
        if west < east and south < north and (not len(reached) or reached.mean() >= _WAYS_HELD):
            how = f"the box of its {int(alone.sum()):,} nodes in no way or relation"
            return (float(west), float(south), float(east), float(north)), how, nodes
    if not xy_ok.any():
        return None, "no node", nodes
    west, south = xy[xy_ok].min(axis=0)
    east, north = xy[xy_ok].max(axis=0)
    box = (float(west), float(south), float(east), float(north))
    return box, "the box of all its nodes", nodes


def _nodes(parsed: dict[str, Any]) -> _Nodes:
    """The nodes and the ways' references of a parse (see :class:`_Nodes`)."""
    elements: Elements = parsed["elements"]
    ids = elements.ids
    refs: list[int] = []
    sizes: list[int] = []
    members: list[int] = []
    for element in elements.others:
        if element["type"] == "way":
            refs.extend(element["nodes"])
            sizes.append(len(element["nodes"]))
        else:
            members.extend(m["ref"] for m in element["members"] if m.get("type") == "node")
    ref_ids = np.array(refs, dtype=np.int64)
    return _Nodes(
        xy=np.column_stack([elements.lon, elements.lat]) if len(ids) else np.empty((0, 2)),
        listed=np.isin(ids, np.concatenate([ref_ids, np.array(members, dtype=np.int64)])),
        node=_positions(ids, ref_ids),
        way=np.repeat(np.arange(len(sizes)), sizes),
    )


def _ways(nodes: _Nodes) -> int:
    return int(nodes.way[-1]) + 1 if len(nodes.way) else 0


def _positions(ids: npt.NDArray[np.int64], refs: npt.NDArray[np.int64]) -> npt.NDArray[np.intp]:
    """The position among ``ids`` of each of ``refs``, -1 for one not among them."""
    if not len(ids):
        return np.full(len(refs), -1, dtype=np.intp)
    order = np.argsort(ids, kind="stable")
    at = np.minimum(np.searchsorted(ids, refs, sorter=order), len(order) - 1)
    out: npt.NDArray[np.intp] = np.where(ids[order[at]] == refs, order[at], -1)
    return out


def _last_positions(
    ids: npt.NDArray[np.int64], refs: npt.NDArray[np.int64]
) -> npt.NDArray[np.intp]:
    """The position among ``ids`` of the last of each of ``refs``, -1 for one not among them."""
    if not len(ids):
        return np.full(len(refs), -1, dtype=np.intp)
    order = np.argsort(ids, kind="stable")
    at = np.maximum(np.searchsorted(ids, refs, side="right", sorter=order) - 1, 0)
    out: npt.NDArray[np.intp] = np.where(ids[order[at]] == refs, order[at], -1)
    return out


def extract_edge(
    path: Path,
) -> tuple[shapely.Geometry | None, tuple[float, float, float, float] | None, str]:
    """The outline an OSM XML extract was cut by, as far as its nodes show, in its own
    longitude and latitude: the street blocks' edge.

    The box of :func:`extract_box`, unless the extract was cut by a polygon. An extract
    cut by a polygon (``osmium extract -p``, a Geofabrik or BBBike extract, an Overpass
    ``poly:`` query) writes the polygon's bounding box as its ``<bounds>``, and knows
    nothing of the land between the polygon and that box; with osmium's default
    strategy (``complete_ways``) it keeps each way crossing the polygon whole, so the
    tails of those ways cut that land into faces, which were blocks (central Nanjing
    cut by a diamond: 15 of its 44 blocks mostly outside, 2.1 km² of blocks beyond it).

    What an extract covers is shown by the nodes that lie within the cut whatever its
    shape and the tool's strategy: its nodes in no way or relation, and the nodes of
    its ways spanning at most :data:`_SEED_SPAN_M` (150 m: a cut keeps a way only with
    a node inside, so each of these lies within 150 m of the cut: buildings, short
    streets). The land they cover (:func:`_known_land`) is the cells of
    :data:`_CELL_M` (20 m; more beyond 400 km²) that hold one, closed by a disc of
    :data:`_KNOWN_REACH_M` (250 m: a gap narrower than 500 m between them is land they
    cover, a wider bay is not), with its holes filled. The box is not the cut when that
    land covers less than :data:`_KNOWN_SHARE` (80 %) of it (central Nanjing's covers 88 %, central
    Taichung's 97 %; cut by a diamond 47–53 %, by a county-like outline 56–67 %) and
    at least :data:`_WAYS_CROSSING` (75 %) of the ways with a node in the box beyond
    that land have a node in it too (the tails of the ways crossing the cut; a file
    with streets mapped beyond that land, as a few buildings in a street grid, keeps
    its box): the edge is then the box cut to that land. It follows the cut to a cell,
    reaches up to 150 m past it where a building or a short way crosses it, bridges
    a bay narrower than 500 m, and stops short of it where the land inside shows no
    such node for more than 500 m (streets alone mapped there).

    Parameters
    ----------
    path
        An OSM XML file; one whose name ends in ``.bz2`` (in any case) is decompressed.

    Returns
    -------
    tuple
        The edge, a (multi)polygon in degrees (``None`` for a file without nodes); the
        box of :func:`extract_box`; and how the edge was found, for the run's notes.

    Examples
    --------
    Points of interest 0.001° apart (95 m and 111 m) over 380 m × 445 m, in a
    ``<bounds>`` of 0.01° × 0.01° (944 m × 1,113 m): the edge is the land they cover.

    >>> p = getfixture("tmp_path") / "a.osm"
    >>> points = [(32.0 + 0.001 * i, 118.7 + 0.001 * j) for i in range(5) for j in range(5)]
    >>> _ = p.write_text(
    ...     "<osm><bounds minlat='32.0' minlon='118.7' maxlat='32.01' maxlon='118.71'/>"
    ...     + "".join(f"<node id='{k}' lat='{y}' lon='{x}'/>" for k, (y, x) in enumerate(points))
    ...     + "</osm>"
    ... )
    >>> edge, box, how = extract_edge(p)
    >>> box
    (118.7, 32.0, 118.71, 32.01)
    >>> how
    'its <bounds>, cut to the land its nodes cover (16 % of that box)'
    >>> [round(v, 4) for v in edge.bounds]
    [118.7, 32.0, 118.704, 32.0041]
    """
    parsed = overpass_json(path)
    box, how, nodes = _extract(parsed)
    if box is None:
        return None, None, how
    edge = shapely.box(*box)
    land, share = _known_land(nodes if nodes is not None else _nodes(parsed), box)
    if land is None:
        return edge, box, how
    parts = shapely.get_parts(shapely.intersection(edge, land))
    cut = shapely.union_all(parts[shapely.get_type_id(parts) == 3])
    if shapely.area(cut) == 0:  # the nodes that show it all lie beyond the box
        return edge, box, how
    how += f", cut to the land its nodes cover ({share * 100:.0f} % of that box)"
    return cut, box, how


def _known_land(
    nodes: _Nodes, box: tuple[float, float, float, float]
) -> tuple[shapely.Geometry | None, float]:
    """The land an extract's nodes cover (see :func:`extract_edge`), in degrees, and its
    share of ``box``; the land is ``None`` when it covers at least :data:`_KNOWN_SHARE`
    of the box (or no node shows it: the box stands)."""
    from rasterio.features import shapes
    from rasterio.transform import Affine
    from scipy import ndimage

    west, south, east, north = box
    kx = _M_PER_DEG * math.cos(math.radians((south + north) / 2))  # metres per degree
    ky = _M_PER_DEG
    x, y = nodes.xy[:, 0] * kx, nodes.xy[:, 1] * ky
    ok = np.isfinite(x) & np.isfinite(y)
    # the span of each way over the nodes the file holds (the references are in the
    # order of the ways)
    held = nodes.node >= 0
    ways = _ways(nodes)
    at, way = nodes.node[held], nodes.way[held]
    first = np.flatnonzero(np.r_[True, way[1:] != way[:-1]]) if len(way) else way
    low = [np.minimum.reduceat(v[at], first) for v in (x, y)] if len(way) else [way, way]
    high = [np.maximum.reduceat(v[at], first) for v in (x, y)] if len(way) else [way, way]
    short = np.zeros(ways, dtype=bool)
    short[way[first]] = np.hypot(high[0] - low[0], high[1] - low[1]) <= _SEED_SPAN_M
    seed = ~nodes.listed
    seed[at[short[way]]] = True
    seed &= ok
    if not seed.any():
        return None, 1.0
    cell = max(_CELL_M, math.sqrt((east - west) * kx * (north - south) * ky / _MAX_CELLS))
    pad = math.ceil(_KNOWN_REACH_M / cell) + 1
    x0, y0 = west * kx - pad * cell, south * ky - pad * cell
    inner = (math.ceil((east - west) * kx / cell), math.ceil((north - south) * ky / cell))
    nx, ny = inner[0] + 2 * pad, inner[1] + 2 * pad
    col = np.floor((x[seed] - x0) / cell).astype(np.int64)
    row = np.floor((y[seed] - y0) / cell).astype(np.int64)
    on = (col >= 0) & (col < nx) & (row >= 0) & (row < ny)
    filled = np.zeros((ny, nx), dtype=bool)
    filled[row[on], col[on]] = True
    # a closing by a disc (a square leaves the notches of a diagonal edge open): the cells
    # within its reach of a seed's, less those within its reach of a cell beyond; then
    # the holes
    reach = _KNOWN_REACH_M / cell
    near = ndimage.distance_transform_edt(~filled) <= reach
    closed = (ndimage.distance_transform_edt(near) > reach) | filled
    closed = ndimage.binary_fill_holes(closed)
    share = float(closed[pad : pad + inner[1], pad : pad + inner[0]].mean())
    if share >= _KNOWN_SHARE:
        return None, share
    # the ways beyond that land: most must cross in from it (the tails a cut by a polygon
    # keeps whole), else the file maps land beyond it and the box stands
    col = np.floor((x - x0) / cell).astype(np.int64)
    row = np.floor((y - y0) / cell).astype(np.int64)
    in_grid = ok & (col >= 0) & (col < nx) & (row >= 0) & (row < ny)
    known = np.zeros(len(x), dtype=bool)
    known[in_grid] = closed[row[in_grid], col[in_grid]]
    lon, lat = nodes.xy[:, 0], nodes.xy[:, 1]
    in_box = ok & (lon >= west) & (lon <= east) & (lat >= south) & (lat <= north)
    beyond = np.bincount(way[in_box[at] & ~known[at]], minlength=ways) > 0
    crossing = np.bincount(way[known[at]], minlength=ways) > 0
    if beyond.any() and (beyond & crossing).sum() < _WAYS_CROSSING * beyond.sum():
        return None, share
    to_degrees = Affine(cell / kx, 0.0, x0 / kx, 0.0, cell / ky, y0 / ky)
    polygons = [
        shapely.geometry.shape(shape)
        for shape, _ in shapes(closed.astype(np.uint8), mask=closed, transform=to_degrees)
    ]
    # the parts of a raster's shapes are disjoint (touching at most at a corner)
    land = shapely.make_valid(shapely.multipolygons(polygons))
    return shapely.simplify(land, cell / ky / 2), share
