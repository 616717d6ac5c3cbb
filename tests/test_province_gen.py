"""Checks on the synthetic province written by ``data/generate_province.py``.

A 4-county province with about 20 areas per county is generated once into a
temporary folder; the tests check its layers county by county, that the
scenario validates, plans as one solve and verifies, that a seed reproduces it,
and that ``--counties 7`` takes the real Guangyuan county codes.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
from rasterio.windows import from_bounds

from siting.cli import main

ROOT = Path(__file__).resolve().parents[1]
GENERATOR = ROOT / "data" / "generate_province.py"
LAYERS = ("areas", "parcels", "facilities", "districts")
GUANGYUAN_CODES = ["510802", "510811", "510812", "510821", "510822", "510823", "510824"]


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate_province", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


gen = _load_generator()


def _write(out: Path, seed: int = 3, counties: int = 4) -> object:
    return gen.generate_province(
        out, counties=counties, seed=seed, areas_per_county=20, sites_per_county=10
    )


@pytest.fixture(scope="module")
def province(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("province")
    _write(out)
    return out


def _layers(folder: Path) -> dict[str, gpd.GeoDataFrame]:
    return {name: gpd.read_file(folder / "city.gpkg", layer=name) for name in LAYERS}


def test_every_county_has_areas_parcels_and_a_polygon(province: Path) -> None:
    layers = _layers(province)
    districts = layers["districts"]
    assert len(districts) == 4 and districts["district_id"].is_unique
    assert set(districts.geom_type) == {"MultiPolygon"}
    assert str(districts.crs) == "EPSG:4490"
    ids = set(districts["district_id"])
    for name in ("areas", "parcels", "facilities"):
        assert set(layers[name]["district_id"]) <= ids, name
    for name in ("areas", "parcels"):
        assert set(layers[name]["district_id"]) == ids, name
    areas = layers["areas"]
    assert set(areas["status"]) == {"old", "new", "rural"}
    new = areas["status"] == "new"
    assert areas.loc[new, "dwellings"].notna().all() and areas.loc[~new, "dwellings"].isna().all()
    # the first county is urban (factor 1.5): it has more areas than the average
    counts = areas["district_id"].value_counts()
    assert counts[districts["district_id"].iloc[0]] >= counts.mean()


def test_ids_are_unique_across_layers(province: Path) -> None:
    layers = _layers(province)
    ids = pd.concat(
        [
            layers["areas"]["area_id"],
            layers["parcels"]["site_id"],
            layers["facilities"]["facility_id"],
        ]
    )
    assert ids.is_unique
    assert ids.notna().all()


def test_each_feature_lies_in_its_county(province: Path) -> None:
    layers = _layers(province)
    counties = layers["districts"].to_crs("EPSG:4544").set_index("district_id").geometry
    for name in ("areas", "parcels", "facilities"):
        gdf = layers[name].to_crs("EPSG:4544")
        inside = [
            counties[d].buffer(1.0).contains(g)
            for d, g in zip(gdf["district_id"], gdf.geometry, strict=True)
        ]
        assert all(inside), name
    # areas never overlap each other or a parcel
    areas = layers["areas"].to_crs("EPSG:4544")
    parcels = layers["parcels"].to_crs("EPSG:4544")
    both = pd.concat([areas.geometry, parcels.geometry], ignore_index=True)
    assert both.union_all().area == pytest.approx(both.area.sum(), rel=1e-9)


def test_raster_covers_the_province_and_reads_through_windows(province: Path) -> None:
    districts = gpd.read_file(province / "city.gpkg", layer="districts")
    with rasterio.open(province / "population.tif") as src:
        assert str(src.crs) == "EPSG:4490"
        assert src.nodata == -9999.0
        assert src.block_shapes[0] == (256, 256)
        assert abs(src.res[0] - 0.00107) < 1e-12 and abs(src.res[1] - 0.0009) < 1e-12
        whole = src.read(1)
        total = float(whole[whole != src.nodata].sum(dtype=np.float64))
        assert total > 0
        for bounds in districts.bounds.itertuples(index=False):
            part = src.read(1, window=from_bounds(*bounds, src.transform))
            assert 0 < part[part != src.nodata].sum() < total


def test_scenario_validates_plans_and_verifies(province: Path, tmp_path: Path) -> None:
    scenario = province / "scenario.toml"
    text = scenario.read_text(encoding="utf-8")
    assert '[run]\npartition = "district"' in text
    assert main(["-q", "validate", str(scenario)]) == 0
    out = tmp_path / "plan"
    assert main(["-q", "plan", str(scenario), "--out", str(out), "--basemap", "none"]) == 0
    assert main(["-q", "verify", str(out)]) == 0
    districts = pd.read_csv(out / "districts.csv", dtype={"district_id": str})
    assert (
        len(set(districts["district_id"]) & set(_layers(province)["districts"]["district_id"])) == 4
    )


def test_same_seed_same_layers(province: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    _write(again)
    first, second = _layers(province), _layers(again)
    for name in LAYERS:
        pd.testing.assert_frame_equal(
            pd.DataFrame(first[name]), pd.DataFrame(second[name]), check_exact=True
        )
    assert (province / "population.tif").read_bytes() == (again / "population.tif").read_bytes()
    assert (province / "scenario.toml").read_bytes() == (again / "scenario.toml").read_bytes()
    other = tmp_path / "other"
    _write(other, seed=4)
    assert not _layers(other)["areas"].geometry.equals(first["areas"].geometry)


def test_people_per_county_rescales_the_raster(tmp_path: Path) -> None:
    summary = gen.generate_province(
        tmp_path, counties=2, seed=5, areas_per_county=5, sites_per_county=2, people_per_county=5e4
    )
    assert summary.people == pytest.approx(1e5, rel=1e-3)
    with rasterio.open(tmp_path / "population.tif") as src:
        cells = src.read(1)
    assert float(cells[cells != src.nodata].sum(dtype=np.float64)) == pytest.approx(1e5, rel=1e-3)
    assert "--people-per-county 50000" in (tmp_path / "scenario.toml").read_text(encoding="utf-8")


@pytest.mark.skipif(not gen.OUTLINE_PATH.exists(), reason="data/province outline file absent")
def test_seven_counties_are_guangyuan(tmp_path: Path) -> None:
    summary = gen.generate_province(
        tmp_path, counties=7, seed=1, areas_per_county=5, sites_per_county=2
    )
    assert summary.real_outlines
    districts = gpd.read_file(tmp_path / "city.gpkg", layer="districts")
    assert sorted(districts["district_id"]) == GUANGYUAN_CODES
    assert dict(zip(districts["district_id"], districts["name"], strict=True))["510802"] == "利州区"
    areas = gpd.read_file(tmp_path / "city.gpkg", layer="areas")
    assert sorted(set(areas["district_id"])) == GUANGYUAN_CODES


def test_raster_strips_do_not_change_the_cells(tmp_path: Path) -> None:
    # one strip of every row and strips of 64 rows draw the same raster (noise included)
    kwargs = {
        "counties": 3,
        "seed": 6,
        "areas_per_county": 12,
        "sites_per_county": 4,
        "people_per_county": 2e5,
        "area_km2": 4000.0,
        "cell_deg": (1 / 1200, 1 / 1200),
    }
    whole = gen.generate_province(tmp_path / "whole", strip_rows=100_000, **kwargs)
    strips = gen.generate_province(tmp_path / "strips", strip_rows=64, **kwargs)
    cells = []
    for summary in (whole, strips):
        with rasterio.open(summary.out / "population.tif") as src:
            assert src.res == pytest.approx((1 / 1200, 1 / 1200), abs=1e-15)
            cells.append(src.read(1))
    assert cells[0].shape[0] > 3 * 64
    np.testing.assert_array_equal(cells[0], cells[1])
    valid = cells[0] != -9999.0
    assert float(cells[0][valid].sum(dtype=np.float64)) == pytest.approx(6e5, rel=1e-4)
    assert strips.people == pytest.approx(6e5, rel=1e-4)
    # the outline was scaled to 4,000 km² (Guangyuan's is 16,331 km²)
    districts = gpd.read_file(strips.out / "city.gpkg", layer="districts").to_crs("EPSG:4544")
    assert districts.area.sum() / 1e6 == pytest.approx(4000.0, rel=1e-3)
    assert "--area-km2 4000" in (strips.out / "scenario.toml").read_text(encoding="utf-8")
