"""False alarms and detections of ``web_datum_fit`` (siting.inputs._fit) on true layers.

Run with ``.venv/bin/python -m benchmarks.webfit [--draws N] [--no-osm]``. Every layer here is on
true coordinates: the sample's (``data/sample``: facilities, areas, parcels against each
other and the population raster) and the OSM extracts' (``/work/shared/data/osm``:
Nanjing Xuanwu and Taichung, their amenity and shop nodes against their residential
landuse, candidate sites and buildings; their areas and parcels against the buildings).
Each is measured as it is (a finding is a false alarm) and moved to GCJ-02 and to BD-09
by :mod:`siting.gcj02`'s forward transforms (a finding naming that datum is a detection),
whole and in ``--draws`` random draws of 10, 20 and 50 points (seeded).
"""

from __future__ import annotations

import argparse
import bz2
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyproj

from siting import gcj02
from siting.inputs._fit import layer_fits, web_fit_finding

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
OSM = ROOT.parent / "shared" / "data" / "osm"
EXTRACTS = ("nanjing-xuanwu.osm", "taichung.osm")
FORWARD = {None: None, "gcj02": gcj02.geometry_to_gcj02, "bd09": gcj02.geometry_to_bd09}


def as_handed_over(
    frame: gpd.GeoDataFrame, datum: str | None, work: pyproj.CRS
) -> gpd.GeoDataFrame:
    """The layer in longitude and latitude as a web map gives it (``datum``), or true,
    back in the working CRS."""
    if datum is None:
        return frame.to_crs(work)
    moved = FORWARD[datum](frame.to_crs("EPSG:4326"))
    return moved.set_crs("EPSG:4326", allow_override=True).to_crs(work)


def said(frame, refs, work, raster=None) -> str:
    fits = layer_fits("layer", frame, refs, work, raster=raster)
    found = web_fit_finding(fits, crs="EPSG:4326")
    if found is None:
        best = min(fits, key=lambda f: f.rank_share, default=None)
        return "none" + (
            f" (best rank {best.rank_share:.4f}, {best.reference} {best.shift})" if best else ""
        )
    v = found.values
    raw, moved = v["raw"], v["moved"]
    if v["measure"] == "land_in":
        raw, moved = f"{raw:.0%}", f"{moved:.0%}"
    elif isinstance(raw, float):
        raw, moved = f"{raw:,.0f}", f"{moved:,.0f}"
    rank = f"rank {v['rank_share']:.5f}"
    return f"{v['shift']} by {v['reference']} ({v['measure']} {raw} -> {moved}, {rank})"


def draws(frame, refs, work, datum, n, count, rng) -> str:
    fired = right = 0
    for _ in range(count):
        sub = frame.iloc[np.sort(rng.choice(len(frame), n, replace=False))]
        found = web_fit_finding(layer_fits("layer", sub, refs, work), crs="x")
        fired += found is not None
        right += found is not None and found.values["shift"] == datum
    return f"{fired} of {count} fired" + (f", {right} naming {datum}" if datum else "")


def pois(path: Path) -> gpd.GeoDataFrame:
    """The file's nodes tagged amenity or shop, as points in EPSG:4326."""
    opener = bz2.open if path.suffix == ".bz2" else open
    xy = []
    with opener(path, "rb") as f:
        for _, el in ET.iterparse(f):
            if el.tag == "node":
                keys = {t.get("k") for t in el.findall("tag")}
                if keys & {"amenity", "shop"}:
                    xy.append((float(el.get("lon")), float(el.get("lat"))))
                el.clear()
    lon, lat = np.array(xy).T
    return gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat, crs="EPSG:4326"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=100)
    parser.add_argument("--no-osm", action="store_true", help="the sample's layers only")
    args = parser.parse_args()
    rng = np.random.default_rng(1)
    work = pyproj.CRS("EPSG:4544")
    raster = (SAMPLE / "population.tif", pyproj.CRS("EPSG:4490"))
    layers = {
        n: gpd.read_file(SAMPLE / "city.gpkg", layer=n) for n in ("facilities", "areas", "parcels")
    }
    for name, frame in layers.items():
        refs = {n: f.to_crs(work) for n, f in layers.items() if n not in (name, "facilities")}
        for datum in FORWARD:
            t = time.perf_counter()
            text = said(as_handed_over(frame, datum, work), refs, work, raster)
            took = f"[{time.perf_counter() - t:.2f} s]"
            print(f"sample {name} ({len(frame)}) as {datum}: {text}  {took}", flush=True)
    if args.no_osm:
        return
    from siting.osm.layers import read_osm_layers
    from siting.scenario import OSM_USES

    for extract in EXTRACTS:
        path = OSM / extract
        osm = read_osm_layers(path, use=tuple(OSM_USES))
        work = pyproj.CRS(osm.buildings.crs)
        refs = {n: getattr(osm, n) for n in ("areas", "parcels", "buildings")}
        points = pois(path)
        sizes = {n: len(f) for n, f in refs.items()}
        print(f"{extract}: {len(points)} amenity/shop nodes; {sizes}", flush=True)
        for datum in FORWARD:
            frame = as_handed_over(points, datum, work)
            print(f"  points as {datum}: {said(frame, refs, work)}", flush=True)
            for n in (10, 20, 50):
                print(
                    f"    draws of {n}: {draws(frame, refs, work, datum, n, args.draws, rng)}",
                    flush=True,
                )
        for name in ("areas", "parcels"):
            others = {n: f for n, f in refs.items() if n != name}
            for datum in FORWARD:
                frame = as_handed_over(refs[name], datum, work)
                print(
                    f"  {name} ({len(frame)}) as {datum}: {said(frame, others, work)}", flush=True
                )


if __name__ == "__main__":
    main()
