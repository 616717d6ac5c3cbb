"""A city handed over as Geofabrik's OpenStreetMap Shapefiles, planned beside the same OSM XML.

``python -m benchmarks.geofabrik [--shared DIR] [--out DIR] [--time-limit S]`` takes each
real OSM extract in ``../shared/data/osm`` (central Nanjing, central Taichung,
Aguascalientes; skipped when absent) and:

1. writes the layers Geofabrik's free download (``china-latest-free.shp.zip``) holds for
   it, as Geofabrik writes them (:func:`write_geofabrik`): ``gis_osm_roads_free_1`` (a
   line per ``highway=*`` way of Geofabrik's classes, with ``osm_id``, ``code``,
   ``fclass``, ``name``, ``ref``, ``oneway`` F/T/B, ``maxspeed``, ``layer``, ``bridge``
   and ``tunnel`` T/F), ``gis_osm_landuse_a_free_1`` (polygons: residential, park,
   commercial …), ``gis_osm_pois_free_1`` and ``gis_osm_pois_a_free_1`` (points and
   polygons: kindergarten, community_centre, park …), ``gis_osm_traffic_free_1`` (fuel …)
   and ``gis_osm_buildings_a_free_1`` (``type`` the ``building`` tag), all EPSG:4326,
   UTF-8 with ``.cpg``, zipped flat beside a ``README`` as the download is. The features
   come from ``osmnx.features_from_xml`` (offline); ``fclass`` and ``code`` follow
   Geofabrik's "OpenStreetMap Data in Layered GIS Format" (:data:`ROADS`,
   :data:`LANDUSE`, :data:`POIS`);
2. writes the scenarios over the same population raster (Nanjing's bundled
   ``data/nanjing/population.tif``; for the others one made by
   ``data/nanjing/generate_population.py`` from the file, seeded): ``geofabrik.toml``,
   which reads the zip alone (areas = the landuse layer ``where fclass = 'residential'``,
   parcels = the polygon POIs of the venues siting's kinds name, facilities = the
   kindergartens of the first POI layer holding one, hazards = the fuel stations of the
   traffic layer or else the malls and markets of the POIs, streets = the roads layer;
   an entry whose filter would keep nothing is left out, as ``siting validate``'s fix
   says), ``geofabrik-buildings.toml``, the same with ``gis_osm_buildings_a_free_1`` as
   ``buildings``, and ``osm.toml``, the OSM-only scenario of ``data/nanjing/scenario.toml``
   over the XML (``[inputs.osm]``); for an extract without residential polygons also
   ``osm-blocks.toml``, with ``areas_from = ["landuse", "blocks"]``;
3. runs ``siting validate`` and ``siting plan --no-map`` on each and prints a table: the
   city, the source, the areas and parcels planned, the walking graph's nodes and
   edges, the required slots, the shortfall, the cost and the first problem or finding.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import re
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
NANJING = ROOT / "data" / "nanjing"

ROADS: dict[str, int] = {
    "motorway": 5111,
    "trunk": 5112,
    "primary": 5113,
    "secondary": 5114,
    "tertiary": 5115,
    "unclassified": 5121,
    "residential": 5122,
    "living_street": 5123,
    "pedestrian": 5124,
    "busway": 5125,
    "motorway_link": 5131,
    "trunk_link": 5132,
    "primary_link": 5133,
    "secondary_link": 5134,
    "tertiary_link": 5135,
    "service": 5141,
    "track": 5142,
    "track_grade1": 5143,
    "track_grade2": 5144,
    "track_grade3": 5145,
    "track_grade4": 5146,
    "track_grade5": 5147,
    "bridleway": 5151,
    "cycleway": 5152,
    "footway": 5153,
    "path": 5154,
    "steps": 5155,
    "unknown": 5199,
}
"""Geofabrik's road classes (``fclass``) and codes; ``highway=road`` is ``unknown``."""

LANDUSE: dict[tuple[str, str], tuple[str, int]] = {
    ("landuse", "forest"): ("forest", 7201),
    ("natural", "wood"): ("forest", 7201),
    ("leisure", "park"): ("park", 7202),
    ("leisure", "common"): ("park", 7202),
    ("landuse", "residential"): ("residential", 7203),
    ("landuse", "industrial"): ("industrial", 7204),
    ("landuse", "cemetery"): ("cemetery", 7206),
    ("landuse", "allotments"): ("allotments", 7207),
    ("landuse", "meadow"): ("meadow", 7208),
    ("landuse", "commercial"): ("commercial", 7209),
    ("leisure", "nature_reserve"): ("nature_reserve", 7210),
    ("leisure", "recreation_ground"): ("recreation_ground", 7211),
    ("landuse", "recreation_ground"): ("recreation_ground", 7211),
    ("landuse", "retail"): ("retail", 7212),
    ("landuse", "military"): ("military", 7213),
    ("landuse", "quarry"): ("quarry", 7214),
    ("landuse", "orchard"): ("orchard", 7215),
    ("landuse", "vineyard"): ("vineyard", 7216),
    ("landuse", "scrub"): ("scrub", 7217),
    ("natural", "scrub"): ("scrub", 7217),
    ("landuse", "grass"): ("grass", 7218),
    ("natural", "heath"): ("heath", 7219),
    ("boundary", "national_park"): ("national_park", 7220),
    ("landuse", "farmland"): ("farmland", 7228),
    ("landuse", "farmyard"): ("farmyard", 7229),
}
"""Geofabrik's land-use classes: ``(key, value)`` → ``(fclass, code)``; the first match wins."""

POIS: dict[tuple[str, str], tuple[str, int]] = {
    ("amenity", "police"): ("police", 2001),
    ("amenity", "fire_station"): ("fire_station", 2002),
    ("amenity", "post_office"): ("post_office", 2005),
    ("amenity", "library"): ("library", 2007),
    ("amenity", "townhall"): ("town_hall", 2008),
    ("amenity", "courthouse"): ("courthouse", 2009),
    ("amenity", "community_centre"): ("community_centre", 2012),
    ("amenity", "nursing_home"): ("nursing_home", 2013),
    ("amenity", "arts_centre"): ("arts_centre", 2014),
    ("amenity", "marketplace"): ("market_place", 2016),
    ("amenity", "university"): ("university", 2081),
    ("amenity", "school"): ("school", 2082),
    ("amenity", "kindergarten"): ("kindergarten", 2083),
    ("amenity", "college"): ("college", 2084),
    ("amenity", "pharmacy"): ("pharmacy", 2101),
    ("amenity", "hospital"): ("hospital", 2110),
    ("amenity", "clinic"): ("clinic", 2111),
    ("amenity", "doctors"): ("doctors", 2120),
    ("amenity", "dentist"): ("dentist", 2121),
    ("amenity", "theatre"): ("theatre", 2201),
    ("amenity", "cinema"): ("cinema", 2203),
    ("leisure", "park"): ("park", 2204),
    ("leisure", "playground"): ("playground", 2205),
    ("leisure", "sports_centre"): ("sports_centre", 2251),
    ("leisure", "pitch"): ("pitch", 2252),
    ("leisure", "swimming_pool"): ("swimming_pool", 2253),
    ("leisure", "stadium"): ("stadium", 2256),
    ("amenity", "restaurant"): ("restaurant", 2301),
    ("amenity", "fast_food"): ("fast_food", 2302),
    ("amenity", "cafe"): ("cafe", 2303),
    ("amenity", "bar"): ("bar", 2305),
    ("shop", "supermarket"): ("supermarket", 2501),
    ("shop", "mall"): ("mall", 2504),
    ("shop", "department_store"): ("department_store", 2505),
    ("shop", "convenience"): ("convenience", 2511),
    ("amenity", "bank"): ("bank", 2601),
    ("amenity", "toilets"): ("toilet", 2901),
}
"""Geofabrik's POI classes used here (the public, education, health, leisure, catering and
shopping groups' common ones): ``(key, value)`` → ``(fclass, code)``."""

TRAFFIC: dict[tuple[str, str], tuple[str, int]] = {
    ("amenity", "fuel"): ("fuel", 5250),
    ("amenity", "parking"): ("parking", 5260),
}
"""The traffic layer's classes used here."""

PARCEL_CLASSES = ("park", "community_centre", "clinic", "library", "arts_centre", "sports_centre")
"""The POI classes a scenario takes as candidate parcels: siting's kinds by Geofabrik's words."""

TAGS: dict[str, bool | list[str]] = {
    "highway": True,
    "landuse": True,
    "leisure": True,
    "amenity": True,
    "shop": True,
    "building": True,
    "natural": True,
    "boundary": ["national_park"],
}

README = """OpenStreetMap data in the layered GIS format of Geofabrik's free Shapefiles,
written from an OSM XML extract by siting's benchmarks/geofabrik.py (not by Geofabrik).
(c) OpenStreetMap contributors, ODbL 1.0.
"""


@dataclass(frozen=True)
class City:
    name: str
    osm: Path
    crs: str  # the working CRS, as the OSM-only scenarios give it


def cities(shared: Path) -> list[City]:
    """The real extracts present under ``shared``."""
    found = [
        City("nanjing", shared / "osm" / "nanjing-xuanwu.osm", "EPSG:4549"),
        City("taichung", shared / "osm" / "taichung.osm", "EPSG:3826"),
        City("aguascalientes", shared / "osm" / "aguascalientes.osm.bz2", "EPSG:32613"),
    ]
    return [c for c in found if c.osm.is_file()]


def _classify(
    frame: gpd.GeoDataFrame, table: dict[tuple[str, str], tuple[str, int]]
) -> gpd.GeoDataFrame:
    """The features one of ``table``'s tags names, with ``fclass`` and ``code`` (first match)."""
    fclass = pd.Series(None, index=frame.index, dtype=object)
    code = pd.Series(0, index=frame.index, dtype="int64")
    for (key, value), (word, number) in table.items():
        if key not in frame.columns:
            continue
        hit = fclass.isna() & frame[key].eq(value)
        fclass[hit] = word
        code[hit] = number
    kept = fclass.notna()
    return _base(frame[kept], code[kept], fclass[kept])


def _base(frame: gpd.GeoDataFrame, code: pd.Series, fclass: pd.Series) -> gpd.GeoDataFrame:
    """Geofabrik's common columns: ``osm_id`` (text), ``code``, ``fclass``, ``name``."""
    ids = [str(i) for i in frame.index.get_level_values("id")]
    return gpd.GeoDataFrame(
        {
            "osm_id": ids,
            "code": code.to_numpy(dtype="int32"),
            "fclass": fclass.to_numpy(dtype=object),
            "name": _tag(frame, "name"),
        },
        geometry=frame.geometry.to_numpy(),
        crs="EPSG:4326",
    )


def _tag(frame: gpd.GeoDataFrame, key: str) -> list[object]:
    """A tag's values, ``None`` where a feature lacks it (or no feature has it)."""
    if key not in frame.columns:
        return [None] * len(frame)
    return [v if isinstance(v, str) else None for v in frame[key]]


def _flag(frame: gpd.GeoDataFrame, key: str) -> list[str]:
    """Geofabrik's T/F: ``T`` for any value but ``no``."""
    return ["T" if v is not None and v != "no" else "F" for v in _tag(frame, key)]


def _number(value: object) -> int:
    """The leading integer of a tag (``"40"``, ``"40 km/h"``), 0 without one."""
    if not isinstance(value, str):
        return 0
    digits = ""
    for ch in value.strip().lstrip("-"):
        if not ch.isdigit():
            break
        digits += ch
    if not digits:
        return 0
    return -int(digits) if value.strip().startswith("-") else int(digits)


def roads(features: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``gis_osm_roads_free_1``: a line per way of Geofabrik's road classes."""
    ways = features[
        features.geom_type.eq("LineString") & features.get("highway", pd.Series()).notna()
    ]
    highway = ways["highway"].replace({"road": "unknown"})
    if "tracktype" in ways.columns:
        graded = highway.eq("track") & ways["tracktype"].isin([f"grade{i}" for i in range(1, 6)])
        highway = highway.where(~graded, "track_" + ways["tracktype"].astype(str))
    ways = ways[highway.isin(list(ROADS))]
    highway = highway[ways.index]
    out = _base(ways, highway.map(ROADS), highway)
    out["ref"] = _tag(ways, "ref")
    out["oneway"] = [
        "F" if v in ("yes", "true", "1") else "T" if v == "-1" else "B"
        for v in _tag(ways, "oneway")
    ]
    out["maxspeed"] = [_number(v) for v in _tag(ways, "maxspeed")]
    out["layer"] = [_number(v) for v in _tag(ways, "layer")]
    out["bridge"] = _flag(ways, "bridge")
    out["tunnel"] = _flag(ways, "tunnel")
    return out[
        [
            "osm_id",
            "code",
            "fclass",
            "name",
            "ref",
            "oneway",
            "maxspeed",
            "layer",
            "bridge",
            "tunnel",
            "geometry",
        ]
    ]


def _areas(features: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return features[features.geom_type.isin(["Polygon", "MultiPolygon"])]


def buildings(features: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``gis_osm_buildings_a_free_1``: fclass ``building``, ``type`` the tag (none for ``yes``)."""
    polygons = _areas(features)
    polygons = polygons[polygons["building"].notna() & polygons["building"].ne("no")]
    out = _base(
        polygons,
        pd.Series(1500, index=polygons.index),
        pd.Series("building", index=polygons.index),
    )
    out.insert(4, "type", [None if v == "yes" else v for v in polygons["building"]])
    return out


def layers(osm: Path) -> dict[str, gpd.GeoDataFrame]:
    """Geofabrik's layers of one OSM XML file, by their file names (without ``.shp``)."""
    import osmnx as ox

    features = ox.features_from_xml(osm, tags=TAGS).to_crs("EPSG:4326")
    points = features[features.geom_type.eq("Point")]
    polygons = _areas(features)
    return {
        "gis_osm_roads_free_1": roads(features),
        "gis_osm_landuse_a_free_1": _classify(polygons, LANDUSE),
        "gis_osm_pois_free_1": _classify(points, POIS),
        "gis_osm_pois_a_free_1": _classify(polygons, POIS),
        "gis_osm_traffic_free_1": _classify(points, TRAFFIC),
        "gis_osm_buildings_a_free_1": buildings(features),
    }


def write_geofabrik(osm: Path, out: Path) -> dict[str, gpd.GeoDataFrame]:
    """Write ``out`` (a zip) as Geofabrik's free download; return its layers."""
    written = layers(osm)
    folder = out.parent / (out.name + ".d")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for name, frame in written.items():
        frame.to_file(folder / f"{name}.shp", encoding="UTF-8", engine="pyogrio")
    (folder / "README").write_text(README, encoding="utf-8")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.iterdir()):
            zf.write(path, path.name)
    shutil.rmtree(folder)
    return written


def _population(city: City, folder: Path) -> Path:
    """Nanjing's bundled raster; for the others one ``generate_population.py`` writes."""
    if city.name == "nanjing":
        return NANJING / "population.tif"
    out = folder / "population.tif"
    spec = importlib.util.spec_from_file_location(
        "generate_population", NANJING / "generate_population.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.generate(city.osm, out)
    return out


ENTRIES: dict[str, tuple[tuple[str, ...], tuple[str, ...], str]] = {
    "parcels": (
        # a point has no land to build on, but with the buildings it takes its footprint
        ("gis_osm_pois_a_free_1", "gis_osm_pois_free_1"),
        PARCEL_CLASSES,
        'columns = { site_id = "osm_id", kind = "fclass" }\nvalues = { acquisition = "reuse" }',
    ),
    "facilities": (
        ("gis_osm_pois_free_1", "gis_osm_pois_a_free_1"),
        ("kindergarten",),
        'columns = { facility_id = "osm_id" }\nvalues = { slots = 20 }',
    ),
    "hazards": (
        ("gis_osm_traffic_free_1", "gis_osm_pois_free_1"),
        ("fuel", "mall", "department_store", "market_place"),
        'columns = { hazard_id = "osm_id", kind = "fclass" }',
    ),
}
"""Each layer a scenario takes from the zip: the zip's layers that may hold it (every one
holding any is read, as a layer in pieces; the parcels' points only with the buildings),
the classes it keeps, and its columns and values."""


def _where(classes: tuple[str, ...]) -> str:
    if len(classes) == 1:
        return f"fclass = '{classes[0]}'"
    return "fclass IN (" + ", ".join(f"'{c}'" for c in classes) + ")"


def geofabrik_scenario(
    written: dict[str, gpd.GeoDataFrame],
    zip_name: str,
    population: str,
    *,
    name: str,
    crs: str,
    buildings: bool = False,
) -> tuple[str, list[str]]:
    """The scenario that plans a city from Geofabrik's zip alone, and what it left out.

    The residential areas are always read (an extract without them is the planner's
    problem to see); parcels, facilities and hazards are read from every one of their
    layers (:data:`ENTRIES`) that holds one of their classes, as a layer in pieces, and
    left out without one, as a planner does once ``siting validate`` says the filter
    keeps nothing. With ``buildings`` the buildings layer is read too, and the parcels'
    points with it (each takes the footprint of the building it stands in).
    """
    text = [
        f'name = "{name} — Geofabrik Shapefiles"',
        f'crs = "{crs}"',
        "",
        "[inputs]",
        f'population = {{ path = "{population}" }}',
        f'streets = {{ path = "{zip_name}", layer = "gis_osm_roads_free_1" }}',
        "",
        "[inputs.areas]",
        f'path = "{zip_name}"',
        'layer = "gis_osm_landuse_a_free_1"',
        "where = \"fclass = 'residential'\"",
        'columns = { area_id = "osm_id" }',
        'values = { status = "old" }',
    ]
    left_out = []
    for entry, (names, classes, mapping) in ENTRIES.items():
        holding = [n for n in names if written[n]["fclass"].isin(classes).any()]
        if entry == "parcels" and not buildings and "gis_osm_pois_free_1" in holding:
            points = int(written["gis_osm_pois_free_1"]["fclass"].isin(classes).sum())
            left_out.append(f"parcels: {points} of gis_osm_pois_free_1 not read (no land)")
            holding.remove("gis_osm_pois_free_1")
        if not holding:
            left_out.append(f"{entry}: left out (no {' / '.join(classes)} in the zip)")
            continue
        layer = f'"{holding[0]}"' if len(holding) == 1 else json.dumps(holding)
        text += [
            "",
            f"[inputs.{entry}]",
            f'path = "{zip_name}"',
            f"layer = {layer}",
            f'where = "{_where(classes)}"',
            mapping,
        ]
    if buildings:  # Geofabrik's have no levels, so each weighs its footprint
        text += ["", "[inputs.buildings]", f'path = "{zip_name}"']
        text += ['layer = "gis_osm_buildings_a_free_1"']
    text += ["", "[radii]", "urban_m = 500.0", "", "[solver]", 'name = "highs"']
    text += ["time_limit_s = 60.0", ""]
    return "\n".join(text), left_out


def osm_scenario(osm: Path, population: str, *, name: str, crs: str, blocks: bool = False) -> str:
    """The OSM-only scenario of ``data/nanjing/scenario.toml`` over ``osm`` (with
    ``blocks``, street blocks too: ``areas_from = ["landuse", "blocks"]``)."""
    areas_from = 'areas_from = ["landuse", "blocks"]\n' if blocks else ""
    return f"""name = "{name} — OSM XML"
crs = "{crs}"

[inputs]
population = {{ path = "{population}" }}

[inputs.osm]
path = "{osm.as_posix()}"
use = ["streets", "areas", "candidates", "facilities", "hazards"]
area_status = "old"
existing_slots_default = 20
{areas_from}
[radii]
urban_m = 500.0

[solver]
name = "highs"
time_limit_s = 60.0
"""


def write_city(
    city: City, folder: Path
) -> tuple[list[tuple[str, Path]], dict[str, int], list[str]]:
    """Write the zip, the raster and the scenarios into ``folder``: ``(source, scenario)``
    for the zip, the XML, the zip with its buildings and, when the zip holds no
    residential polygon, the XML with street blocks; each layer's count; what the zip's
    scenario left out."""
    folder.mkdir(parents=True, exist_ok=True)
    zip_name = f"{city.name}-latest-free.shp.zip"
    written = write_geofabrik(city.osm, folder / zip_name)
    population = _population(city, folder).resolve().as_posix()
    text, left_out = geofabrik_scenario(written, zip_name, population, name=city.name, crs=city.crs)
    scenarios = [("geofabrik", folder / "geofabrik.toml"), ("osm xml", folder / "osm.toml")]
    scenarios[0][1].write_text(text, encoding="utf-8")
    xml = city.osm.resolve()
    scenarios[1][1].write_text(
        osm_scenario(xml, population, name=city.name, crs=city.crs), encoding="utf-8"
    )
    with_buildings, _ = geofabrik_scenario(
        written, zip_name, population, name=city.name, crs=city.crs, buildings=True
    )
    scenarios.append(("geofabrik + buildings", folder / "geofabrik-buildings.toml"))
    scenarios[-1][1].write_text(with_buildings, encoding="utf-8")
    if not written["gis_osm_landuse_a_free_1"]["fclass"].eq("residential").any():
        scenarios.append(("osm xml + blocks", folder / "osm-blocks.toml"))
        scenarios[-1][1].write_text(
            osm_scenario(xml, population, name=city.name, crs=city.crs, blocks=True),
            encoding="utf-8",
        )
    return scenarios, {n: len(f) for n, f in written.items()}, left_out


CLI = "import sys; from siting.cli import main; sys.exit(main(sys.argv[1:]))"
"""The ``siting`` command of this checkout (``python -m siting`` has no ``__main__``)."""


def _siting(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", CLI, *args],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=False,
    )


def _first_line(text: str, *starts: str) -> str:
    """The first line of ``text`` that starts with one of ``starts``, without the file and
    layer a problem names first (the table's column is narrow)."""
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and (not starts or stripped.startswith(starts)):
            return re.sub(
                r"^- file .*?, layer '[^']*'( \(read as \w+\))?(, column .*?)?: ", "", stripped
            )
    return ""


def run(scenario: Path, out: Path) -> dict[str, Any]:
    """``siting validate`` and ``siting plan --no-map`` on ``scenario``: the table's figures."""
    valid = _siting("validate", str(scenario))
    row: dict[str, Any] = {"validate": valid.returncode}
    graph = re.search(r"street graph from .*: (\d+) nodes, (\d+) edges", valid.stderr)
    row["network"] = f"{int(graph[1]):,} / {int(graph[2]):,}" if graph else "–"
    if valid.returncode != 0:
        row["first"] = _first_line(valid.stdout + valid.stderr, "-", "*", "error", "Error")
        row["first"] = row["first"] or _first_line(valid.stdout + valid.stderr)
        return row
    plan = _siting("plan", str(scenario), "--no-map", "--out", str(out))
    row["plan"] = plan.returncode
    if plan.returncode != 0:
        row["first"] = _first_line(plan.stderr) or _first_line(plan.stdout)
        return row
    record = json.loads((out / "run.json").read_text(encoding="utf-8"))
    totals = record["totals"]
    row.update(
        required=totals["required_slots"],
        short=totals["shortfall_slots"],
        cost=totals["cost"],
        new=totals["facilities_new"],
        existing=totals["facilities_existing"],
    )
    row["areas"] = len(_read(out / "areas.geojson"))
    row["parcels"] = len(_read(out / "candidates.geojson"))
    findings = [*record.get("warnings", []), *record.get("findings", [])]
    row["first"] = str(findings[0]) if findings else ""
    row["notes"] = record.get("notes", [])
    return row


def _read(path: Path) -> list[Any]:
    if not path.is_file():
        return []
    return list(json.loads(path.read_text(encoding="utf-8"))["features"])


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, float | int):
        return f"{value:,.0f}"
    return str(value)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=SHARED)
    parser.add_argument("--out", type=Path, default=Path("/tmp/siting-geofabrik"))
    args = parser.parse_args(argv)
    rows = []
    for city in cities(args.shared):
        scenarios, counts, left_out = write_city(city, args.out / city.name)
        print(f"{city.name}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        for line in left_out:
            print(f"  {line}")
        for source, scenario in scenarios:
            row = run(scenario, args.out / city.name / f"plan-{scenario.stem}")
            rows.append((city.name, source, row))
    print()
    print(
        "| city | source | areas | parcels | street nodes / edges | required | short | cost (CNY)"
        " | first problem / finding |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for name, source, row in rows:
        print(
            f"| {name} | {source} | {_cell(row.get('areas'))} | {_cell(row.get('parcels'))} | "
            f"{row['network']} | {_cell(row.get('required'))} | {_cell(row.get('short'))} | "
            f"{_cell(row.get('cost'))} | {row.get('first', '')[:160]} |"
        )


if __name__ == "__main__":
    main()
