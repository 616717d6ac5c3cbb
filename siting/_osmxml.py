"""Streaming the elements of an OSM XML file, for the readers of extracts clipped at their edge.

osmnx refuses a whole file when one way refers to a node the file does not hold.
The street graph (:mod:`siting.network.graph`) and the OSM features
(:mod:`siting.osm.features`) then read the file again element by element, with
:func:`osm_elements`, and keep what is whole. A province's extract holds tens of
millions of nodes, so the file is never held in memory.
"""

from __future__ import annotations

import bz2
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

__all__ = ["osm_elements"]

_TOP_LEVEL = ("node", "way", "relation")


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
    opener = bz2.open if path.name.lower().endswith(".bz2") else open
    with opener(path, "rb") as stream:
        root: ET.Element | None = None
        for event, element in ET.iterparse(stream, events=("start", "end")):
            if event == "start":
                root = element if root is None else root
                continue
            if element.tag not in _TOP_LEVEL:
                continue
            if element.tag == "node":
                if isinstance(nodes, dict):
                    nodes[element.get("id", "")] = (element.get("lat", ""), element.get("lon", ""))
                else:
                    nodes.add(element.get("id", ""))
            yield element
            element.clear()
            if root is not None:
                root.clear()  # else cleared elements stay attached: ~1.6 GB for 10 M nodes
