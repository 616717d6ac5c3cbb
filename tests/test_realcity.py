"""A city shaped like a real hand-over (``benchmarks.realcity``), planned end to end.

The raster is WorldPop-like (EPSG:4326, 3-arc-second cells, nodata −99999),
the residential polygons are 10 m land-use blocks in EPSG:4544 that cover only
part of each cell, and every layer has the bureau's own column names. The
expected figures come from a second formulation: every cell's box intersected
with every block by shapely (and ``rasterize(all_touched=True)`` for the cells
the blocks touch), the raster summed over the districts by exactextract (or
:func:`siting.zonal.zonal_sums` without it), and the rounding recomputed from
those populations and the dwellings column.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
from rasterio.features import rasterize

from benchmarks.realcity import NODATA, Summary, write_city
from siting.demand import estimate_demand
from siting.export import write_plan
from siting.inputs import load_inputs
from siting.pipeline import run_plan
from siting.plan import Plan, verify
from siting.scenario import load_scenario

N_AREAS = 600


@dataclasses.dataclass(frozen=True)
class City:
    summary: Summary
    plan: Plan
    out: Path
    run: dict[str, Any]


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> City:
    folder = tmp_path_factory.mktemp("realcity")
    summary = write_city(folder / "city", n_areas=N_AREAS, seed=7)
    plan = run_plan(summary.scenario)
    out = write_plan(plan, folder / "out")
    run = json.loads((Path(out) / "run.json").read_text(encoding="utf-8"))
    return City(summary=summary, plan=plan, out=Path(out), run=run)


@pytest.fixture(scope="module")
def area_weighted(city: City) -> dict[str, Any]:
    """The city's demand with ``[demand] allocation = "area_weighted"``, and the dasymetric one."""
    scenario = load_scenario(city.summary.scenario)
    assert scenario.inputs is not None
    inputs = load_inputs(scenario.inputs, crs=scenario.crs)
    out = {"dasymetric": estimate_demand(inputs, scenario=scenario)}
    scenario = dataclasses.replace(
        scenario, demand=dataclasses.replace(scenario.demand, allocation="area_weighted")
    )
    out["area_weighted"] = estimate_demand(inputs, scenario=scenario)
    return out


@dataclasses.dataclass(frozen=True)
class Cells:
    """The raster's people and every (block, cell) overlap as a fraction of the cell."""

    people: np.ndarray  # rows × cols, nodata as 0
    touched: np.ndarray  # rows × cols, rasterize(all_touched=True)
    block: np.ndarray  # position of the block of each overlap
    cell: np.ndarray  # flat cell of each overlap
    fraction: np.ndarray  # share of the cell inside the block


@pytest.fixture(scope="module")
def cells(city: City) -> Cells:
    blocks = gpd.read_file(city.summary.areas).to_crs("EPSG:4326")
    with rasterio.open(city.summary.raster) as ds:
        values = ds.read(1).astype(np.float64)
        t, shape = ds.transform, ds.shape
    people = np.where(values == NODATA, 0.0, values)
    touched = rasterize(
        ((g, 1) for g in blocks.geometry), out_shape=shape, transform=t, all_touched=True
    ).astype(bool)
    rows, cols = np.indices(shape)
    x0, y0 = t.c + cols.ravel() * t.a, t.f + rows.ravel() * t.e
    boxes = shapely.box(x0, y0 + t.e, x0 + t.a, y0)
    block, cell = shapely.STRtree(boxes).query(
        np.asarray(blocks.geometry.values), predicate="intersects"
    )
    inter = shapely.area(
        shapely.intersection(np.asarray(blocks.geometry.values)[block], boxes[cell])
    )
    fraction = inter / (t.a * -t.e)
    keep = fraction > 0
    return Cells(people, touched, block[keep], cell[keep], fraction[keep])


def test_the_city_is_shaped_like_a_hand_over(city: City) -> None:
    s = city.summary
    assert s.n_areas >= N_AREAS
    assert s.n_multipolygons > 0 and s.n_with_holes > 0 and s.n_overlapping > 0
    assert 0.30 <= s.block_coverage <= 0.50
    assert s.areas.with_suffix(".cpg").read_text(encoding="ascii").strip().upper() == "UTF-8"
    areas = gpd.read_file(s.areas)
    assert areas.crs.to_epsg() == 4544
    assert {"XQBM", "XQMC", "LX", "HS"} <= set(areas.columns)
    assert set(areas["LX"]) == {"老城区", "新建", "农村"}
    for layer in ("dk", "qx"):
        assert gpd.read_file(s.city, layer=layer).crs.to_epsg() == 4490
    with rasterio.open(s.raster) as ds:
        assert ds.crs.to_epsg() == 4326 and ds.dtypes[0] == "float32"
        assert ds.nodata == NODATA
        assert ds.res == pytest.approx((1 / 1200, 1 / 1200))
        values = ds.read(1)
    assert (values == NODATA).any() and (values == 0).any()
    # the blocks are drawn between lanes, so most are smaller than a 90 m cell
    sizes = np.sqrt(areas.geometry.area)
    assert sizes.median() < 90 and sizes.min() >= 15 and sizes.max() > 140


def test_the_same_seed_writes_the_same_city(tmp_path: Path) -> None:
    def digest(folder: Path) -> str:
        s = write_city(folder, n_areas=120, seed=3)
        return hashlib.sha256(s.raster.read_bytes() + s.areas.read_bytes()).hexdigest()

    assert digest(tmp_path / "a") == digest(tmp_path / "b")


def test_every_person_is_held_or_residual_and_the_total_is_the_districts(city: City) -> None:
    acc = city.run["population_accounting"]["population"]
    assert acc["method"] == "dasymetric"
    assert acc["held"] + acc["residual"] == pytest.approx(acc["total"], rel=1e-9)
    assert sum(acc["residual_by_district"].values()) == pytest.approx(acc["residual"], rel=1e-9)
    districts = gpd.read_file(city.summary.city, layer="qx").dissolve().to_crs("EPSG:4326")
    try:
        from exactextract import exact_extract
    except ImportError:  # pragma: no cover - exactextract is in the bench extra
        from siting.zonal import zonal_sums

        exact = float(zonal_sums(districts, city.summary.raster).sum())
    else:
        exact = float(
            exact_extract(str(city.summary.raster), districts, "sum")[0]["properties"]["sum"]
        )
    # covered cells that straddle the districts' outline count whole: hence 0.1 %
    assert acc["total"] == pytest.approx(exact, rel=1e-3)
    assert acc["total"] < city.summary.raster_people  # the tile reaches past the districts


def test_dasymetric_holds_the_people_of_the_touched_cells(
    city: City, cells: Cells, area_weighted: dict[str, Any]
) -> None:
    acc = city.run["population_accounting"]["population"]
    touched_share = cells.people[cells.touched].sum() / acc["total"]
    assert acc["held_share"] > 0.9 * touched_share
    # per area, the second formulation: pop_i = Σ_c P_c a_ic / C_c
    flat = cells.people.ravel()
    cover = np.bincount(cells.cell, weights=cells.fraction, minlength=flat.size)
    n = int(cells.block.max()) + 1
    held = np.bincount(
        cells.block, weights=flat[cells.cell] * cells.fraction / cover[cells.cell], minlength=n
    )
    ids = gpd.read_file(city.summary.areas)["XQBM"].astype(str)
    expected = pd.Series(held, index=ids.to_numpy())
    dasymetric = area_weighted["dasymetric"].areas["population"].rename(index=str)
    np.testing.assert_allclose(
        dasymetric.reindex(expected.index).to_numpy(), expected.to_numpy(), rtol=1e-6, atol=1e-6
    )
    written = city.plan.areas["population"].rename(index=str).reindex(expected.index)
    np.testing.assert_allclose(written.to_numpy(), expected.to_numpy(), atol=0.05 + 1e-9)

    # the area-weighted variant keeps only the share of each cell the blocks cover
    aw = area_weighted["area_weighted"].accounting["population"]
    assert aw["total"] == pytest.approx(acc["total"], rel=1e-9)
    assert aw["held"] == pytest.approx((flat[cells.cell] * cells.fraction).sum(), rel=1e-6)
    # about the blocks' coverage of the cells they touch, far below the dasymetric share
    coverage = (flat * np.minimum(cover, 1)).sum() / flat[cover > 0].sum()
    assert aw["held_share"] == pytest.approx(acc["held_share"] * coverage, rel=0.02)
    assert aw["held_share"] < 0.6 * acc["held_share"]


def test_rounding_every_small_area_up_inflates_demand(
    city: City, area_weighted: dict[str, Any]
) -> None:
    rounding = city.run["rounding"]
    areas = gpd.read_file(city.summary.areas).set_index("XQBM")
    table = area_weighted["dasymetric"].areas
    population = table["population"].rename(index=str).reindex(areas.index)
    ratio = areas["LX"].map({"老城区": 8.0, "新建": 10.0, "农村": 4.5})
    planned = population.where(areas["LX"] != "新建", areas["HS"] * 2.36)
    raw = ratio * planned / 1000.0
    assert raw.sum() == pytest.approx(rounding["required_slots_raw"], rel=1e-9)
    per_area = float(np.ceil(raw - 1e-9).sum())
    assert rounding["required_slots_rounded_per_area"] == pytest.approx(per_area, abs=1)
    # most areas need less than one slot, so rounding each one up adds a lot
    assert (raw < 1).mean() > 0.4
    inflation = per_area / raw.sum() - 1
    assert inflation > 0.15
    district = city.plan.areas["district_id"].rename(index=str).reindex(areas.index)
    per_district = float(np.ceil(raw.groupby(district).sum() - 1e-9).sum())
    assert rounding["required_slots_rounded_per_district"] == pytest.approx(per_district)
    assert raw.sum() <= per_district < raw.sum() + 3  # three districts, no workplaces
    assert city.run["totals"]["required_slots"] == pytest.approx(raw.sum(), rel=1e-9)


def test_the_plan_verifies(city: City) -> None:
    report = verify(city.out)
    assert report.ok, report.problems
    assert city.run["status"] in ("optimal", "feasible")
    assert not city.run["unmet_demonstration"]


def test_verify_allows_the_rounding_of_written_slots_and_no_more(
    city: City, tmp_path: Path
) -> None:
    # a facility serving many small areas: each assignment is written to 0.001 slot, so
    # their sum may pass a full facility's slots by half a step per assignment
    out = tmp_path / "out"
    shutil.copytree(city.out, out)
    assignments = pd.read_csv(out / "assignments.csv", dtype={"area_id": str, "site_id": str})
    counts = assignments["site_id"].value_counts()
    site = str(counts.index[0])
    rows = assignments.index[assignments["site_id"] == site]
    assert len(rows) >= 5
    facilities = json.loads((out / "facilities.geojson").read_text(encoding="utf-8"))
    slots = next(
        f["properties"]["slots"]
        for f in facilities["features"]
        if f["properties"]["site_id"] == site
    )
    share = np.round(slots / len(rows), 3)
    assignments.loc[rows, "slots"] = share
    assignments.loc[rows[0], "slots"] += np.round(slots - share * len(rows), 3) + 0.0005 * (
        len(rows) - 1
    )
    assignments.to_csv(out / "assignments.csv", index=False)
    report = verify(out)
    assert not [p for p in report.problems if "more than it has" in p], report.problems
    assignments.loc[rows[0], "slots"] += 0.05
    assignments.to_csv(out / "assignments.csv", index=False)
    assert any(f"facility {site} serves" in p for p in verify(out).problems)


def test_verify_allows_the_rounding_of_an_area_s_assignments_and_no_more(
    city: City, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    shutil.copytree(city.out, out)
    assignments = pd.read_csv(out / "assignments.csv", dtype={"area_id": str, "site_id": str})
    counts = assignments["area_id"].value_counts()
    area = str(counts.index[0])
    assert counts.iloc[0] >= 2
    served = float(assignments.loc[assignments["area_id"] == area, "slots"].sum())
    path = out / "areas.geojson"
    raw = json.loads(path.read_text(encoding="utf-8"))
    (feature,) = [f for f in raw["features"] if f["properties"]["area_id"] == area]

    def problems_with(required: float) -> list[str]:
        feature["properties"].update(required_slots=required, shortfall_slots=0.0)
        path.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
        return [p for p in verify(out).problems if f"area {area}:" in p]

    # each assignment and the shortfall were rounded to 0.001 on writing: half a step each
    assert not problems_with(served - 0.0005 * counts.iloc[0] - 0.0004)
    assert problems_with(served - 0.05)
