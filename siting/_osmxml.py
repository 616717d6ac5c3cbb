"""Reading OSM XML: one streaming pass per file, shared by every reader of a run.

osmnx reads a file twice for every call (an ElementTree parse of the whole
document for its root's attributes, then a SAX pass), and a run read it once for
the OSM features (:mod:`siting.osm.features`) and again for the street graph
(:mod:`siting.network.graph`): four passes over a city's 100 MB extract.
:func:`overpass_json` reads the file in one streaming pass into the structure
osmnx builds its graphs and features from (Overpass JSON), and within
:func:`parse_once` each file is read once, whoever asks. The file is never held as
an XML tree, but its parse is held, as dicts: about 1.2 KB per node, so a province's
extract of tens of millions of nodes takes tens of GB.

osmnx also refuses a whole file when one way refers to a node the file does not
hold. The readers of a clipped extract then keep what is whole; a reader that
needs only the elements (not osmnx's structure) streams them with
:func:`osm_elements`. :func:`extract_box` finds where an extract was cut, for
the street blocks closed against its edge.
"""

from __future__ import annotations

import bz2
import contextlib
import contextvars
import gc
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["extract_box", "osm_elements", "overpass_json", "parse_once"]

_TOP_LEVEL = ("node", "way", "relation")
_FLOATS = ("lat", "lon")
_INTEGERS = ("changeset", "id", "uid", "version")

_WAYS_HELD = 0.95
"""The share of an extract's ways that must have a node in the box of its nodes in no way
for that box to be the extract's (:func:`extract_box`)."""

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


def _parse(path: Path) -> dict[str, Any]:
    root: dict[str, str] = {}
    bounds: list[dict[str, str]] = []
    with _collector_paused():
        elements = [_overpass_element(element) for element in _top_level(path, root, bounds)]
    if "OSMnx" in root.get("generator", ""):
        warnings.warn(  # osmnx's own warning, which its readers gave
            "The XML file you are loading appears to have been generated by OSMnx: this use "
            "case is not supported and may not behave as expected. To save/load graphs "
            "to/from disk for later use in OSMnx, use the `io.save_graphml` and "
            "`io.load_graphml` functions instead. Refer to the documentation for details.",
            UserWarning,
            stacklevel=3,
        )
    return {**root, "elements": elements, **({"bounds": bounds} if bounds else {})}


def overpass_json(path: Path) -> dict[str, Any]:
    """An OSM XML file as osmnx's readers parse it, in one streaming pass.

    Parameters
    ----------
    path
        An OSM XML file; one whose name ends in ``.bz2`` (in any case) is decompressed.

    Returns
    -------
    dict
        The root's attributes and ``"elements"``: every node, way and relation in the
        file's order, each a dict as ``osmnx.features_from_xml`` and
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
    >>> parsed["version"], parsed["elements"][1]
    ('0.6', {'type': 'way', 'tags': {'highway': 'residential'}, 'id': 9, 'nodes': [1]})
    >>> with parse_once():
    ...     overpass_json(p) is overpass_json(p)
    True
    """
    parses = _PARSES.get()
    if parses is None:
        return _parse(path)
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key not in parses:
        parses[key] = _parse(path)
        if not gc.get_freeze_count():  # kept until parse_once ends (see there)
            gc.freeze()
    return parses[key]


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
    parsed = overpass_json(path)
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
        return (west, south, east, north), how
    listed: set[int] = set()
    ids: list[int] = []
    xy_list: list[tuple[float, float]] = []
    ways: list[list[int]] = []
    for element in parsed["elements"]:
        if element["type"] == "node":
            ids.append(element["id"])
            xy_list.append((element.get("lon", np.nan), element.get("lat", np.nan)))
        elif element["type"] == "way":
            listed.update(element["nodes"])
            ways.append(element["nodes"])
        else:
            listed.update(m["ref"] for m in element["members"] if m.get("type") == "node")
    xy = np.array(xy_list, dtype=float) if ids else np.empty((0, 2))
    xy_ok = np.isfinite(xy).all(axis=1)
    in_ways = np.array([i in listed for i in ids], dtype=bool)
    alone = xy_ok & ~in_ways
    if alone.sum() >= 2:
        west, south = xy[alone].min(axis=0)
        east, north = xy[alone].max(axis=0)
        inside = xy_ok & (xy[:, 0] >= west) & (xy[:, 0] <= east)
        inside &= (xy[:, 1] >= south) & (xy[:, 1] <= north)
        held = {i for i, yes in zip(ids, inside.tolist(), strict=True) if yes}
        reached = [any(n in held for n in nodes) for nodes in ways if nodes]
        if west < east and south < north and (not reached or np.mean(reached) >= _WAYS_HELD):
            how = f"the box of its {int(alone.sum()):,} nodes in no way or relation"
            return (float(west), float(south), float(east), float(north)), how
    if not xy_ok.any():
        return None, "no node"
    west, south = xy[xy_ok].min(axis=0)
    east, north = xy[xy_ok].max(axis=0)
    return (float(west), float(south), float(east), float(north)), "the box of all its nodes"
