"""Checks on the committed synthetic sample city in ``data/sample/``.

The sample is produced by ``data/generate_sample.py``; these tests pin its schema,
its size and its determinism (regenerating it reproduces the same content).
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pyogrio
import pytest
import rasterio
import rasterio.features

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
GENERATOR = ROOT / "data" / "generate_sample.py"
GPKG = SAMPLE / "city.gpkg"
RASTER = SAMPLE / "population.tif"
OSM = SAMPLE / "streets.osm"

LAYERS = {
    "boundary": {"name": "object", "name_en": "object"},
    "districts": {"district_id": "object", "name": "object", "name_en": "object"},
    "subdistricts": {
        "subdistrict_id": "object",
        "name": "object",
        "name_en": "object",
        "district_id": "object",
    },
    "areas": {
        "area_id": "object",
        "name": "object",
        "name_en": "object",
        "status": "object",
        "dwellings": "float64",
        "migrant_share": "float64",
        "district_id": "object",
        "subdistrict_id": "object",
    },
    "parcels": {
        "site_id": "object",
        "name": "object",
        "kind": "object",
        "acquisition": "object",
        "land_area_m2": "float64",
        "floor_area_m2": "float64",
        "cost": "float64",
        "affordable": "bool",
        "district_id": "object",
        "subdistrict_id": "object",
    },
    "facilities": {
        "facility_id": "object",
        "name": "object",
        "slots": "int64",
        "affordable": "bool",
        "demonstration": "bool",
        "district_id": "object",
    },
    "workplaces": {
        "workplace_id": "object",
        "name": "object",
        "name_en": "object",
        "migrant_workers": "int64",
    },
    "hazards": {"hazard_id": "object", "name": "object", "kind": "object", "voltage_kv": "float64"},
}
KINDS = {
    "idle_land",
    "underused_land",
    "park",
    "community_centre",
    "health_centre",
    "cultural_venue",
    "sports_venue",
    "workplace",
}
ACQUISITIONS = {"new_build", "purchase", "swap", "lease", "reuse"}


def _read(layer: str, path: Path = GPKG) -> gpd.GeoDataFrame:
    return gpd.read_file(path, layer=layer)


@pytest.fixture(scope="module")
def layers() -> dict[str, gpd.GeoDataFrame]:
    return {name: _read(name) for name in LAYERS}


def _layer_digest(path: Path, layer: str) -> str:
    """SHA-256 of a layer's attribute table and geometry (WKB), independent of file bytes."""
    df = gpd.read_file(path, layer=layer)
    h = hashlib.sha256()
    attrs = pd.DataFrame(df.drop(columns="geometry"))
    h.update(attrs.to_csv(index=False, float_format="%.6f").encode())
    for wkb in df.geometry.to_wkb():
        h.update(wkb)
    h.update(str(df.crs.to_epsg()).encode())
    return h.hexdigest()


def _raster_digest(path: Path) -> str:
    with rasterio.open(path) as src:
        arr = src.read(1)
        meta = (src.crs.to_epsg(), tuple(src.transform), src.nodata, arr.dtype.str, arr.shape)
    return hashlib.sha256(repr(meta).encode() + arr.tobytes()).hexdigest()


def test_files_exist_and_are_small() -> None:
    total = 0
    for path in (GPKG, RASTER, OSM, SAMPLE / "README.md"):
        assert path.is_file(), path
        total += path.stat().st_size
    assert total < 5_000_000


def test_layer_names_columns_and_dtypes(layers: dict[str, gpd.GeoDataFrame]) -> None:
    names = {row[0] for row in pyogrio.list_layers(GPKG)}
    assert set(LAYERS) <= names
    for name, columns in LAYERS.items():
        df = layers[name]
        for col, dtype in columns.items():
            assert col in df.columns, (name, col)
            if dtype == "object":  # text: "object" or pandas' "str" dtype
                ok = pd.api.types.is_string_dtype(df[col]) or df[col].dtype == object
            else:
                ok = str(df[col].dtype) == dtype
            assert ok, (name, col, df[col].dtype)


def test_everything_is_cgcs2000(layers: dict[str, gpd.GeoDataFrame]) -> None:
    for name, df in layers.items():
        assert df.crs is not None and df.crs.to_epsg() == 4490, name
    with rasterio.open(RASTER) as src:
        assert src.crs.to_epsg() == 4490


def test_districts_and_subdistricts(layers: dict[str, gpd.GeoDataFrame]) -> None:
    districts, subs = layers["districts"], layers["subdistricts"]
    assert len(districts) >= 3
    assert {"510802", "510811", "510812"} <= set(districts.district_id)
    assert 8 <= len(subs) <= 15
    assert set(subs.district_id) <= set(districts.district_id)
    assert subs.subdistrict_id.is_unique
    # every subdistrict lies inside its district
    dm = districts.to_crs(4544).set_index("district_id").geometry
    for _, row in subs.to_crs(4544).iterrows():
        assert row.geometry.difference(dm[row.district_id].buffer(1.0)).area < 1.0


def test_areas(layers: dict[str, gpd.GeoDataFrame]) -> None:
    areas = layers["areas"]
    assert len(areas) >= 150
    assert areas.area_id.is_unique
    assert set(areas.status) == {"new", "old", "rural"}
    counts = areas.status.value_counts()
    assert counts["old"] >= 80 and counts["new"] >= 25 and counts["rural"] >= 30
    new = areas[areas.status == "new"]
    assert new.dwellings.notna().all() and (new.dwellings > 0).all()
    assert (new.dwellings == np.round(new.dwellings)).all()
    assert areas[areas.status != "new"].dwellings.isna().all()
    share = areas.migrant_share.dropna()
    assert 10 <= len(share) < len(areas) and share.between(0, 1).all()
    assert areas.name_en.str.len().gt(0).all()
    metric = areas.to_crs(4544)
    assert metric.is_valid.all()
    # no overlaps, and not rectangles
    overlaps = gpd.sjoin(metric, metric, predicate="overlaps")
    assert overlaps.empty
    n_vertices = metric.geometry.apply(lambda g: len(g.exterior.coords) - 1)
    assert (n_vertices > 4).mean() > 0.9


def test_parcels(layers: dict[str, gpd.GeoDataFrame]) -> None:
    parcels = layers["parcels"]
    assert len(parcels) >= 300
    assert parcels.site_id.is_unique
    assert set(parcels.kind) == KINDS
    assert set(parcels.acquisition) == ACQUISITIONS
    assert (parcels.land_area_m2 > 250).all() and (parcels.land_area_m2 < 5500).all()
    assert (parcels.cost >= 0).all()
    bare = parcels.acquisition == "new_build"
    assert parcels.loc[bare, "floor_area_m2"].isna().all()
    assert (parcels.loc[parcels.floor_area_m2.notna(), "floor_area_m2"] > 0).all()
    assert parcels.affordable.mean() > 0.7
    metric = parcels.to_crs(4544)
    assert np.allclose(metric.area, parcels.land_area_m2, rtol=0.01)


def test_second_pass_adds_centres_and_keeps_the_pockets_cut_off(
    layers: dict[str, gpd.GeoDataFrame],
) -> None:
    """P0333… are service centres and small idle plots, none near the two pockets."""
    parcels = layers["parcels"]
    assert len(parcels) == 382
    assert list(parcels.site_id) == [f"P{k:04d}" for k in range(1, 383)]
    second = parcels.iloc[332:]
    centres = second[second.kind == "community_centre"]
    plots = second[second.kind == "idle_land"]
    assert (len(centres), len(plots)) == (43, 7)
    base = centres.name.str.replace(r"（\d+）$", "", regex=True)  # 红星社区服务中心（2）
    assert base.str.endswith(("社区服务中心", "村党群服务中心")).all()
    assert (centres.acquisition == "reuse").all()
    # half of a reused building may take childcare: room for the small option (45 × 9 m²)
    assert (centres.floor_area_m2 >= 2 * 45 * 9).all()
    assert (plots.acquisition == "new_build").all() and plots.floor_area_m2.isna().all()
    metric = second.to_crs(4544)
    areas = layers["areas"].to_crs(4544).set_index("area_id")
    for pocket in ("A013", "A103"):
        assert metric.distance(areas.at[pocket, "geometry"]).min() >= 400.0


def test_facilities_and_workplaces(layers: dict[str, gpd.GeoDataFrame]) -> None:
    fac, work = layers["facilities"], layers["workplaces"]
    assert 8 <= len(fac) <= 12
    assert fac.slots.between(30, 150).all()
    demo_districts = set(fac.loc[fac.demonstration, "district_id"])
    assert set(layers["districts"].district_id) - demo_districts, "R5 needs a gap"
    assert 3 <= len(work) <= 6
    assert (work.migrant_workers >= 500).all()


def test_hazards_exclude_some_parcels(layers: dict[str, gpd.GeoDataFrame]) -> None:
    hz = layers["hazards"].to_crs(4544)
    parcels = layers["parcels"].to_crs(4544)
    stations = hz[hz.kind == "petrol_station"]
    lines = hz[hz.kind == "power_line"]
    assert 5 <= len(stations) <= 10 and 1 <= len(lines) <= 2
    assert set(lines.voltage_kv) <= {110.0, 220.0}
    near_fuel = parcels.distance(stations.union_all()) < 50.0
    near_line = parcels.distance(lines.union_all()) < 15.0
    assert near_fuel.sum() >= 2 and near_line.sum() >= 2


def _zonal_sums(areas: gpd.GeoDataFrame) -> np.ndarray:
    with rasterio.open(RASTER) as src:
        arr = src.read(1)
        valid = arr != src.nodata
        out = []
        for geom in areas.geometry:
            mask = rasterio.features.geometry_mask(
                [geom], arr.shape, src.transform, invert=True, all_touched=False
            )
            out.append(float(arr[mask & valid].sum()))
    return np.asarray(out)


def test_population_raster(layers: dict[str, gpd.GeoDataFrame]) -> None:
    with rasterio.open(RASTER) as src:
        assert src.nodata == -9999
        assert src.dtypes[0] == "float32"
        res_x, res_y = src.res
        arr = src.read(1, masked=True)
        assert (arr.mask).any()  # nodata outside the boundary and on the river
    assert 0.0009 <= res_x <= 0.0012 and 0.0008 <= res_y <= 0.0010
    assert arr.min() >= 0
    assert 250_000 <= float(arr.sum()) <= 400_000
    areas = layers["areas"]
    sums = _zonal_sums(areas)
    new = (areas.status == "new").to_numpy()
    old = (areas.status == "old").to_numpy()
    planned = areas.loc[new, "dwellings"].to_numpy() * 2.36
    assert (sums[new] <= 0.05 * planned).all()
    assert sums[old].mean() > 10 * sums[new].mean()
    assert (sums[old] > 0).all()


@pytest.mark.slow
def test_streets_load_and_cross_the_river(layers: dict[str, gpd.GeoDataFrame]) -> None:
    ox = pytest.importorskip("osmnx")
    graph = ox.graph_from_xml(OSM, simplify=True, retain_all=False)
    assert len(graph) > 500
    highways = {str(d.get("highway")) for _, _, d in graph.edges(data=True)}
    assert "motorway" in highways and {"primary", "residential", "footway"} <= highways
    bridges = [d for _, _, d in graph.edges(data=True) if d.get("bridge") == "yes"]
    assert len(bridges) >= 4
    # the river pocket (west bank) and the community centre facing it across the river
    # are both in the single retained component, but far apart on foot
    assert nx.is_weakly_connected(graph)
    pocket = layers["areas"].set_index("area_id").loc["A013", "geometry"]
    parcels = layers["parcels"]
    across = parcels[parcels.name == "滨江社区活动中心"].geometry.iloc[0]
    a = ox.distance.nearest_nodes(graph, pocket.centroid.x, pocket.centroid.y)
    b = ox.distance.nearest_nodes(graph, across.centroid.x, across.centroid.y)
    walk = nx.shortest_path_length(graph.to_undirected(), a, b, weight="length")
    straight = gpd.GeoSeries([pocket.centroid, across.centroid], crs=4490).to_crs(4544)
    assert walk > 3.0 * straight.iloc[0].distance(straight.iloc[1])


@pytest.mark.slow
def test_regeneration_is_deterministic(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, str(GENERATOR), "--out", str(tmp_path)],
        check=True,
        capture_output=True,
        text=True,
    )
    for layer in LAYERS:
        assert _layer_digest(tmp_path / "city.gpkg", layer) == _layer_digest(GPKG, layer), layer
    assert _raster_digest(tmp_path / "population.tif") == _raster_digest(RASTER)
    assert (tmp_path / "streets.osm").read_bytes() == OSM.read_bytes()
