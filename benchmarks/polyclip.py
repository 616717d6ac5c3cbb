"""Street blocks on polygon-clipped OSM extracts: how far they reach past the polygon.

Run with ``.venv/bin/python -m benchmarks.polyclip`` (``--shared DIR`` for the real
extracts, ``--keep DIR`` to keep the clipped files).

An extract cut by a polygon (``osmium extract -p county.geojson``, a Geofabrik or
BBBike polygon extract) writes the polygon's bounding box as its ``<bounds>``, and the
file knows nothing of the land between the polygon and that box. :func:`clip_osm` makes
such extracts as osmium does, with either of its strategies:

* ``complete_ways`` (osmium's default): the nodes inside the polygon, every way with a
  node inside, made whole with its nodes outside, and every relation with a member
  kept (its members not completed);
* ``simple``: the nodes inside the polygon, and every way with a node inside with all
  its node references, the nodes outside missing (ways cut at the polygon).

Each of central Nanjing (``osm/nanjing-xuanwu.osm``) and central Taichung
(``osm/taichung.osm``) is clipped to a diamond (the rhombus through the middles of
the sides of the file's own extract box) and to a county-like polygon (an irregular
14-gon with bays, :data:`COUNTY`), with both strategies, and its street blocks made
(``areas_from = ["landuse", "blocks"]``; the clipped file is also read by
:func:`benchmarks.blocks.held`, which checks the people the areas hold cell by cell).
On the buildings raster of the whole file (:func:`benchmarks.blocks.buildings_raster`,
so there are people outside the polygon), printed (:func:`measure`): the blocks, those
with more than half their land outside the polygon, the people of the cells centred
inside and outside it whose ground the blocks cover (cell by cell,
:func:`benchmarks.blocks.touched_cells`), the blocks' land outside in km², the
farthest a block's vertex lies from the polygon in metres, and the edge the blocks
were closed against. The first row of each polygon, ``whole, cut``, is the whole
file's blocks cut to the polygon: what a perfect edge would give (its ``held out`` are
the cells straddling the polygon, centred outside, under blocks inside it).
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import shapely

from benchmarks.blocks import SHARED, buildings_raster, held, touched_cells

CITIES = {"nanjing": "EPSG:4549", "taichung": "EPSG:3826"}
"""The real extracts in ``osm/`` of the shared data, and their working CRS."""

DIAMOND = [(0.5, 0.0), (1.0, 0.5), (0.5, 1.0), (0.0, 0.5)]
"""The rhombus through the middles of a box's sides, in shares of its width and height."""

COUNTY = [
    (0.10, 0.20), (0.35, 0.05), (0.55, 0.25), (0.80, 0.00), (0.95, 0.30), (0.70, 0.45),
    (1.00, 0.65), (0.85, 0.95), (0.55, 0.80), (0.40, 1.00), (0.15, 0.90), (0.25, 0.60),
    (0.00, 0.50), (0.20, 0.40),
]  # fmt: skip
"""A county-like outline: a 14-gon with four bays, touching each side of its box."""

STRATEGIES = ("complete_ways", "simple")


def polygon_in(
    box: tuple[float, float, float, float], shape: list[tuple[float, float]]
) -> shapely.Polygon:
    """``shape`` (shares of width and height) drawn in ``box`` (west, south, east, north)."""
    west, south, east, north = box
    return shapely.Polygon(
        [(west + u * (east - west), south + v * (north - south)) for u, v in shape]
    )


def clip_osm(source: Path, out: Path, polygon: shapely.Polygon, *, strategy: str) -> Path:
    """Write the extract of ``source`` inside ``polygon`` (EPSG:4326) as osmium makes it
    with ``strategy`` (``complete_ways`` or ``simple``, see the module docstring), with
    the polygon's bounding box as its ``<bounds>``."""
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy {strategy!r} is none of {STRATEGIES}")
    root = ET.parse(source).getroot()
    nodes = root.findall("node")
    ways = root.findall("way")
    relations = root.findall("relation")
    xy = np.array([(float(n.get("lon", "nan")), float(n.get("lat", "nan"))) for n in nodes])
    shapely.prepare(polygon)
    inside_mask = shapely.contains_xy(polygon, xy[:, 0], xy[:, 1])
    inside = {n.get("id") for n, yes in zip(nodes, inside_mask.tolist(), strict=True) if yes}
    kept_ways = [w for w in ways if any(nd.get("ref") in inside for nd in w.iter("nd"))]
    kept_nodes = set(inside)
    if strategy == "complete_ways":
        for w in kept_ways:
            kept_nodes.update(nd.get("ref") for nd in w.iter("nd"))
    way_ids = {w.get("id") for w in kept_ways}
    kept_relations = [
        r
        for r in relations
        if any(
            (m.get("type") == "node" and m.get("ref") in kept_nodes)
            or (m.get("type") == "way" and m.get("ref") in way_ids)
            for m in r.iter("member")
        )
    ]
    west, south, east, north = polygon.bounds
    with out.open("w", encoding="utf-8") as stream:
        stream.write("<?xml version='1.0' encoding='UTF-8'?>\n")
        stream.write(f"<osm version='0.6' generator='benchmarks.polyclip {strategy}'>\n")
        stream.write(
            f"  <bounds minlat='{south:.7f}' minlon='{west:.7f}' maxlat='{north:.7f}' "
            f"maxlon='{east:.7f}'/>\n"
        )
        for element in [n for n in nodes if n.get("id") in kept_nodes] + kept_ways + kept_relations:
            element.tail = "\n"
            stream.write("  " + ET.tostring(element, encoding="unicode"))
        stream.write("</osm>\n")
    return out


def measure(
    osm: Path, crs: str, raster: Path, polygon: shapely.Polygon, *, cut: bool = False
) -> dict[str, float]:
    """The street blocks of ``osm`` (``areas_from = ["landuse", "blocks"]``) against
    ``polygon`` (cut to it when ``cut``): the people of the raster's cells centred inside
    it and outside it whose ground the blocks cover (cell by cell,
    :func:`benchmarks.blocks.touched_cells`), the blocks with more than half their land
    outside, that land in km², and the farthest a block's vertex lies from the polygon in
    metres."""
    import geopandas as gpd

    from siting.osm import read_osm_layers

    layers = read_osm_layers(osm, use=["areas"], working_crs=crs, areas_from=["landuse", "blocks"])
    assert layers.areas is not None
    blocks = layers.areas.loc[layers.areas["area_id"].str.startswith("osm/block/")]
    shape = gpd.GeoSeries([polygon], crs="EPSG:4326").to_crs(crs).iloc[0]
    if cut:
        blocks = blocks.set_geometry(blocks.geometry.intersection(shape))
    people, touched, centres = touched_cells(blocks, raster)
    inside = shapely.contains_xy(polygon, centres[:, 0], centres[:, 1])
    beyond = blocks.geometry.difference(shape).area
    vertices = shapely.points(shapely.get_coordinates(blocks.geometry.to_numpy()))
    return {
        "blocks": float(len(blocks)),
        "in": float(people[touched & inside].sum()),
        "out": float(people[touched & ~inside].sum()),
        "mostly": float((beyond > 0.5 * blocks.area).sum()),
        "km2": float(beyond.sum()) / 1e6,
        "far": float(shapely.distance(shape, vertices).max()) if len(vertices) else 0.0,
    }


def main() -> None:
    """Clip each real extract every way, and print its blocks beyond the polygon."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=SHARED)
    parser.add_argument("--keep", type=Path, default=None)
    args = parser.parse_args()
    logging.getLogger("siting").setLevel(logging.ERROR)
    from siting._osmxml import extract_box, extract_edge

    print(
        "city      polygon  strategy       blocks  mostly out  held in  held out  "
        "km² out  farthest m  edge of the file"
    )
    with tempfile.TemporaryDirectory() as temporary:
        folder = args.keep or Path(temporary)
        folder.mkdir(parents=True, exist_ok=True)
        for city, crs in CITIES.items():
            name = "nanjing-xuanwu" if city == "nanjing" else city
            source = args.shared / "osm" / f"{name}.osm"
            if not source.is_file():
                print(f"{city}: {source} absent, skipped")
                continue
            raster = folder / f"{city}.tif"
            buildings_raster(source, raster)
            box, _ = extract_box(source)
            assert box is not None
            for shape_name, shape in (("diamond", DIAMOND), ("county", COUNTY)):
                polygon = polygon_in(box, shape)
                rows = [("whole, cut", source, measure(source, crs, raster, polygon, cut=True))]
                for strategy in STRATEGIES:
                    out = folder / f"{city}-{shape_name}-{strategy}.osm"
                    osm = clip_osm(source, out, polygon, strategy=strategy)
                    held(osm, raster, crs, ("landuse", "blocks"))  # checked cell by cell
                    rows.append((strategy, osm, measure(osm, crs, raster, polygon)))
                for label, osm, o in rows:
                    edge = extract_edge(osm)
                    print(
                        f"{city:9} {shape_name:8} {label:14} {o['blocks']:6.0f} "
                        f"{o['mostly']:11.0f} {o['in']:8,.0f} {o['out']:9,.0f} "
                        f"{o['km2']:8.3f} {o['far']:11.0f}  {edge[2]}"
                    )
    print(
        "(held in, held out: the people of the raster's cells centred inside and outside the "
        "polygon whose ground the blocks cover; whole, cut: the whole file's blocks cut to "
        "the polygon, the figures a perfect edge would give; mostly out: blocks with more "
        "than half their land outside; farthest: the block vertex farthest from the polygon; "
        "the raster is the whole file's buildings raster)"
    )


if __name__ == "__main__":
    main()
