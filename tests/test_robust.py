"""siting.robust: robust sites on a tiny city whose answer is known by hand.

The city (EPSG:4544, straight-line walks × 1.3, 300 m urban radius):

* area ``A`` (old, 8,100 residents) far west; the only site within its reach is
  parcel ``P1`` at its centre, so ``P1`` is chosen in every combination;
* area ``B`` (old, 2,400 residents) far east, beside an existing facility ``E``
  of 25 slots and parcel ``P2``. At 8 slots per 1,000 ``B`` needs 19.2 slots,
  which ``E`` holds; at 16 per 1,000 it needs 38.4, and ``P2`` must open: it is
  chosen only in the high-ratio combinations;
* parcel ``P3`` is 3 km from everyone and never chosen.

``demand.takeup`` is varied too; it only changes the report's demand estimate,
so it must be named as a key that did not change the model.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
from affine import Affine
from shapely.geometry import Point, box

from siting.cli import main
from siting.errors import ScenarioError
from siting.robust import (
    combinations,
    parse_vary,
    robust_sites,
    scenario_with,
    write_robust,
)
from siting.scenario import Scenario

CRS = "EPSG:4544"
X0, Y0 = 500_000.0, 3_600_000.0
CELL = 100.0
COLS, ROWS = 60, 10  # 6 km × 1 km


def _cells(col: int, row: int, n: int) -> object:
    return box(X0 + CELL * col, Y0 - CELL * (row + n), X0 + CELL * (col + n), Y0 - CELL * row)


def _centre(col: int, row: int, n: int) -> Point:
    return Point(X0 + CELL * (col + n / 2), Y0 - CELL * (row + n / 2))


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("robust-city")
    pop = np.zeros((ROWS, COLS), dtype="float32")
    pop[3:6, 2:5] = 900.0  # A: 3 × 3 cells, 8,100 people
    pop[4:6, 50:52] = 600.0  # B: 2 × 2 cells, 2,400 people
    with rasterio.open(
        folder / "pop.tif",
        "w",
        driver="GTiff",
        width=COLS,
        height=ROWS,
        count=1,
        dtype="float32",
        crs=CRS,
        nodata=-9999,
        transform=Affine(CELL, 0, X0, 0, -CELL, Y0),
    ) as dst:
        dst.write(pop, 1)
    gpkg = folder / "city.gpkg"
    areas = [
        {"area_id": "A", "status": "old", "dwellings": None, "geometry": _cells(2, 3, 3)},
        {"area_id": "B", "status": "old", "dwellings": None, "geometry": _cells(50, 4, 2)},
    ]
    gpd.GeoDataFrame(areas, crs=CRS).to_file(gpkg, layer="areas")
    a, b = _centre(2, 3, 3), _centre(50, 4, 2)
    parcels = [
        {"site_id": site, "kind": "idle_land", "acquisition": "new_build",
         "land_area_m2": 3000.0, "floor_area_m2": None, "cost": 1_000_000.0,
         "geometry": point.buffer(15.0)}
        for site, point in (
            ("P1", a),
            ("P2", Point(b.x + 40, b.y)),
            ("P3", Point(X0 + 3000, Y0 - 500)),
        )
    ]  # fmt: skip
    gpd.GeoDataFrame(parcels, crs=CRS).to_file(gpkg, layer="parcels")
    existing = [{"facility_id": "E", "slots": 25, "geometry": Point(b.x - 40, b.y)}]
    gpd.GeoDataFrame(existing, crs=CRS).to_file(gpkg, layer="facilities")
    district = [{"district_id": "D1", "geometry": box(X0, Y0 - CELL * ROWS, X0 + 6000, Y0)}]
    gpd.GeoDataFrame(district, crs=CRS).to_file(gpkg, layer="districts")
    scenario = folder / "scenario.toml"
    scenario.write_text(
        f"""name = "robust tiny"
crs = "{CRS}"
[inputs]
population = {{ path = "pop.tif" }}
areas = {{ path = "city.gpkg", layer = "areas" }}
parcels = {{ path = "city.gpkg", layer = "parcels" }}
facilities = {{ path = "city.gpkg", layer = "facilities" }}
districts = {{ path = "city.gpkg", layer = "districts" }}
[policy]
demonstration_per_district = 0
[facility]
existing_can_expand = false
[solver]
gap = 0.0
time_limit_s = 30.0
""",
        encoding="utf-8",
    )
    return scenario


VARY = {"ratios.old": (8.0, 16.0), "demand.takeup": (0.2, 0.4)}


def test_counts_on_the_tiny_city(city: Path, tmp_path: Path) -> None:
    result = robust_sites(city, VARY)
    runs = result.combinations
    assert list(runs["ratios.old"]) == [8.0, 8.0, 16.0, 16.0]
    assert list(runs["status"]) == ["optimal"] * 4
    sites = result.sites.set_index("site_id")
    assert sorted(sites.index) == ["P1", "P2"]  # P3 never; E never grows
    assert sites.loc["P1", "times_chosen"] == 4 and bool(sites.loc["P1", "always"])
    assert sites.loc["P1", "share"] == 1.0
    assert sites.loc["P2", "times_chosen"] == 2 and not bool(sites.loc["P2", "always"])
    assert sites.loc["P2", "chosen_in"] == "3,4"  # only where ratios.old = 16
    assert sites.loc["P2", "share"] == 0.5
    # 8/1000 × 8,100 = 64.8 slots: one 80-slot size; 16/1000: 129.6, one 145-slot size
    assert sites.loc["P1", "sizes_chosen"] == "medium (80) ×2; large (145) ×2"
    assert sites.loc["P2", "sizes_chosen"] == "small-1 (18) ×2"  # 38.4 - 25 = 13.4 slots
    assert list(runs["required_slots"]) == pytest.approx([84.0, 84.0, 168.0, 168.0])
    assert list(runs["shortfall_slots"]) == pytest.approx([0.0] * 4, abs=1e-6)
    # takeup changes only the report's estimate: same model, named in the notes
    assert list(runs["model"]) == [1, 1, 3, 3]
    assert any(note.startswith("demand.takeup did not change the model") for note in result.notes)
    assert not any("ratios.old did not" in note for note in result.notes)
    assert result.engine["engine"] == "in-process"

    out = write_robust(result, tmp_path / "robust", language="en", basemap="none")
    table = pd.read_csv(out / "robust.csv")
    assert list(table.columns[:5]) == ["site_id", "district_id", "times_chosen", "share", "always"]
    assert table.set_index("site_id").loc["P1", "times_chosen"] == 4
    layer = gpd.read_file(out / "robust.geojson")
    assert len(layer) == 2 and layer.crs.to_epsg() == 4326
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert run["kind"] == "robust" and run["always_chosen"] == ["P1"]
    assert "robust.csv" in run["files"] and (out / "map.html").is_file()
    page = (out / "map.html").read_text(encoding="utf-8")
    assert "P2" in page and '<script src="http' not in page  # bundled Leaflet, offline
    assert "$(`" not in page  # no jQuery call: the bundled page has no jQuery


def test_vary_keys_are_checked_and_named() -> None:
    base = Scenario()
    assert (
        scenario_with(base, {"demand.persons_per_household": 2.5}).demand.persons_per_household
        == 2.5
    )
    assert scenario_with(base, {"policy.budget": 1e6}).policy.budget == 1e6  # optional number
    assert (
        scenario_with(
            base, {"policy.demonstration_per_district": 2.0}
        ).policy.demonstration_per_district
        == 2
    )
    with pytest.raises(ScenarioError, match=r"ratios\.olde: unknown key 'olde' in \[ratios\]"):
        scenario_with(base, {"ratios.olde": 8})
    with pytest.raises(ScenarioError, match=r"'solver\.name' is not a number"):
        scenario_with(base, {"solver.name": 1})
    with pytest.raises(ScenarioError, match=r"'ratios\.old' must be zero or more"):
        scenario_with(base, {"ratios.old": -1})
    with pytest.raises(ScenarioError, match="whole numbers"):
        scenario_with(base, {"policy.demonstration_per_district": 1.5})
    with pytest.raises(ScenarioError, match=r"\[inputs\] is not a table"):
        scenario_with(base, {"inputs.population": 1})
    with pytest.raises(ScenarioError, match="'x' is not a number"):
        parse_vary(["ratios.old=8,x"])
    with pytest.raises(ScenarioError, match="KEY=V1"):
        parse_vary(["ratios.old"])
    with pytest.raises(ScenarioError, match="given twice"):
        parse_vary(["ratios.old=8", "ratios.old=9"])


def test_seeded_sample_is_a_repeatable_subset() -> None:
    vary = {"a": (1.0, 2.0, 3.0), "b": (4.0, 5.0, 6.0)}
    grid = combinations(vary)
    assert len(grid) == 9
    drawn = combinations(vary, samples=4, seed=7)
    assert drawn == combinations(vary, samples=4, seed=7)
    assert len(drawn) == 4 and all(d in grid for d in drawn)
    assert len({tuple(d.values()) for d in drawn}) == 4
    assert combinations(vary, samples=20) == grid


def test_cli_robust_refuses_a_bad_key_before_reading(
    city: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        ["-q", "robust", str(city), "--vary", "ratios.oldd=8,9", "--out", str(tmp_path / "r")]
    )
    assert code == 2
    assert "unknown key 'oldd'" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


def test_serial_run_imports_no_dask(city: Path) -> None:
    import subprocess

    code = (
        "import sys\n"
        "from siting.robust import robust_sites\n"
        f"robust_sites({str(city)!r}, {{'ratios.old': (8.0,)}})\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.slow
def test_two_workers_give_the_same_counts(city: Path) -> None:
    pytest.importorskip("distributed")
    vary = {"ratios.old": (8.0, 16.0)}
    serial = robust_sites(city, vary)
    parallel = robust_sites(city, vary, workers=2)
    assert parallel.engine["engine"] == "dask" and parallel.engine["workers"] == 2
    pd.testing.assert_frame_equal(parallel.sites, serial.sites)
    assert list(parallel.combinations["status"]) == ["optimal", "optimal"]
    assert all(worker.startswith("tcp://") for worker in parallel.combinations["worker"])


def test_each_finding_is_said_once_with_the_combinations_that_have_it(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Each combination's plan logged its findings again (the sample's unreachable demand
    once per combination, the same sentence or one with other numbers), and the robust
    run's outputs held none of them: each is now said once, with the combinations whose
    plans have it when not all do."""
    from dataclasses import replace

    from siting.robust import Combination, _findings
    from siting.scenario import load_scenario

    def run(number: int, *findings: str) -> Combination:
        return Combination(number, {}, "optimal", None, "", 0.0, 0.0, 0.0, pd.DataFrame(),
                           "", 0.0, "here", findings)  # fmt: skip

    runs = [run(1, "a", "b"), run(2, "a"), run(3, "a", "c")]
    assert _findings(runs) == ["a", "b (combinations 1)", "c (combinations 3)"]
    sample = load_scenario(
        Path(__file__).resolve().parents[1] / "data" / "sample" / "scenario.toml"
    )
    fast = replace(sample, solver=replace(sample.solver, gap=0.05, time_limit_s=10.0))
    with caplog.at_level("WARNING"):
        result = robust_sites(fast, {"ratios.old": (8.0, 9.0)})
    said = [r.getMessage() for r in caplog.records if "no site within walking" in r.getMessage()]
    assert said == result.findings  # once each, not once per combination
    eight, nine = result.findings  # 8 or 9 slots per 1,000: other slots needing a site
    assert eight.startswith("8 demand item(s) needing 222 slots have no site within walking")
    assert eight.endswith(" (combinations 1)")
    assert nine.startswith("8 demand item(s) needing ") and nine.endswith(" (combinations 2)")
    out = write_robust(result, tmp_path / "robust", basemap="none")
    assert json.loads((out / "run.json").read_text(encoding="utf-8"))["findings"] == said


def test_sites_of_a_city_without_districts_have_no_district(city: Path, tmp_path: Path) -> None:
    """Planned without a districts layer, a site's district is missing; robust.sites,
    robust.csv and the map said 'nan' (central Nanjing from OSM: every site)."""
    text = city.read_text(encoding="utf-8")
    text = text.replace('districts = { path = "city.gpkg", layer = "districts" }\n', "")
    scenario = city.parent / "no-districts.toml"  # beside the layers it reads
    scenario.write_text(text, encoding="utf-8")
    result = robust_sites(scenario, {"ratios.old": (8.0, 16.0)})
    assert sorted(result.sites["site_id"]) == ["P1", "P2"]
    assert result.sites["district_id"].isna().all()
    out = write_robust(result, tmp_path / "robust", language="en", basemap="none")
    assert pd.read_csv(out / "robust.csv")["district_id"].isna().all()
    assert "nan" not in (out / "map.html").read_text(encoding="utf-8").split("P1", 1)[1][:300]
