"""siting.province: the sample city split by district, in process and on a Dask cluster.

The reference is independent of :mod:`siting.province`: each district of the sample is
copied into its own GeoPackage (its rows of every layer, all hazards) and planned with
the ordinary single solve, given the other districts' areas as context (they take their
share of the raster cells on the border, as in one run of the whole city, see
:func:`siting.allocation.allocate`). The partitioned run must open the same facilities
at the same costs.
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pytest

from siting.cli import main
from siting.demand import estimate_demand
from siting.errors import ScenarioError
from siting.export import write_plan
from siting.pipeline import prepare_loaded, read_inputs, run_plan, solve_prepared
from siting.plan import Plan, verify
from siting.province import PARTIAL, district_inputs
from siting.scenario import RunSettings, load_scenario

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
DISTRICTS = ("510802", "510811", "510812")
BY_DISTRICT = ("areas", "parcels", "facilities", "districts", "subdistricts", "workplaces")
WHOLE = ("hazards",)


def _scenario_text(gpkg: Path, layers: list[str], *, partition: bool) -> str:
    """The sample scenario, reading ``gpkg`` and the sample's raster and streets."""
    lines = (SAMPLE / "scenario.toml").read_text(encoding="utf-8").splitlines()
    out = []
    for line in lines:
        if line.startswith("[inputs]"):
            if partition:
                out += ["[run]", 'partition = "district"', ""]
            out.append(line)
            out.append(f'population = {{ path = "{(SAMPLE / "population.tif").as_posix()}" }}')
            out.append(f'streets = "{(SAMPLE / "streets.osm").as_posix()}"')
            out += [
                f'{name} = {{ path = "{gpkg.as_posix()}", layer = "{name}" }}' for name in layers
            ]
            continue
        if line.split("=")[0].strip() in (*BY_DISTRICT, *WHOLE, "population", "streets"):
            continue
        out.append(line)
    return "\n".join(out) + "\n"


def _copy(folder: Path, *, keep: str | None, empty_sites: str | None = None) -> Path:
    """The sample with only district ``keep`` (all when None) and ``empty_sites`` siteless."""
    folder.mkdir(parents=True, exist_ok=True)
    gpkg = folder / "city.gpkg"
    layers = []
    for name in (*BY_DISTRICT, *WHOLE):
        layer = gpd.read_file(SAMPLE / "city.gpkg", layer=name)
        district = layer["district_id"].astype(str)
        if keep is not None and name in BY_DISTRICT:
            layer = layer[district == keep]
        if empty_sites is not None and name in ("parcels", "facilities"):
            layer = layer[layer["district_id"].astype(str) != empty_sites]
        if layer.empty:
            continue
        layer.to_file(gpkg, layer=name, driver="GPKG")
        layers.append(name)
    scenario = folder / "scenario.toml"
    scenario.write_text(_scenario_text(gpkg, layers, partition=keep is None), encoding="utf-8")
    return scenario


def _facilities(plan: Plan) -> pd.DataFrame:
    cols = ["district_id", "slots", "cost", "demonstration", "affordable"]
    return plan.facilities[cols].sort_index()


def plan_with_neighbours(scenario: Path, areas: gpd.GeoDataFrame) -> Plan:
    """The single solve of one district's copy, the other districts' ``areas`` as context."""
    settings, inputs = read_inputs(scenario)
    mine = set(inputs.areas["district_id"].astype(str))
    others = areas[~areas["district_id"].astype(str).isin(mine)].to_crs(inputs.crs)
    inputs = dataclasses.replace(inputs, context_areas=others)
    return solve_prepared(prepare_loaded(inputs, scenario=settings))


@pytest.fixture(scope="module")
def partitioned_scenario(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _copy(tmp_path_factory.mktemp("province"), keep=None)


@pytest.fixture(scope="module")
def one_by_one(
    tmp_path_factory: pytest.TempPathFactory, partitioned_scenario: Path
) -> pd.DataFrame:
    """Each district copied alone and planned with the single solve, its neighbours as context."""
    root = tmp_path_factory.mktemp("districts")
    areas = read_inputs(partitioned_scenario)[1].areas
    plans = [plan_with_neighbours(_copy(root / d, keep=d), areas) for d in DISTRICTS]
    for plan in plans:
        assert plan.run["status"] in ("optimal", "feasible")
    return pd.concat([_facilities(p) for p in plans]).sort_index()


@pytest.fixture(scope="module")
def partitioned(partitioned_scenario: Path) -> Plan:
    return run_plan(partitioned_scenario)


def test_partitioned_equals_the_districts_planned_one_by_one(
    partitioned: Plan, one_by_one: pd.DataFrame
) -> None:
    assert partitioned.run["status"] in ("optimal", "feasible")
    got = _facilities(partitioned)
    pd.testing.assert_frame_equal(got, one_by_one)
    assert partitioned.run["totals"]["cost"] == pytest.approx(one_by_one["cost"].sum())
    counties = partitioned.run["counties"]
    assert [c["district_id"] for c in counties] == list(DISTRICTS)
    assert {c["worker"] for c in counties} == {"local"}
    assert all(c["status"] in ("optimal", "feasible") for c in counties)


def test_partitioned_population_accounting_equals_the_single_run(
    partitioned: Plan, partitioned_scenario: Path
) -> None:
    """A raster cell on a county border gives its people once, shared as one run shares them."""
    scenario, inputs = read_inputs(partitioned_scenario)
    single = estimate_demand(inputs, scenario=scenario)
    want = single.accounting["population"]
    got = partitioned.run["population_accounting"]["population"]
    for key in ("total", "held", "residual", "held_share", "residual_share", "districts_total"):
        assert got[key] == pytest.approx(want[key], rel=1e-6), key
    assert got["residual_by_district"] == pytest.approx(want["residual_by_district"], rel=1e-6)
    # and area by area (the plan's layer says an area's people to 0.1)
    population = partitioned.areas["population"].reindex(single.areas.index).to_numpy()
    assert population == pytest.approx(single.areas["population"].round(1).to_numpy(), abs=1e-6)


def test_every_raster_is_shared_across_borders_once(partitioned_scenario: Path) -> None:
    """Migrant and children rasters and the residual moved to the nearest area, too."""
    scenario, inputs = read_inputs(partitioned_scenario)
    assert scenario.inputs is not None
    raster = scenario.inputs.population
    scenario = scenario.replace(
        inputs=dataclasses.replace(scenario.inputs, migrant_population=raster, children=raster),
        demand=dataclasses.replace(scenario.demand, residual_to_nearest_m=300.0),
    )
    inputs = dataclasses.replace(
        inputs, migrant_population=inputs.population, children=inputs.population
    )
    single = estimate_demand(inputs, scenario=scenario)
    parts = [
        estimate_demand(district_inputs(inputs, d, scenario=scenario), scenario=scenario)
        for d in DISTRICTS
    ]
    for role in ("population", "migrant_population", "children"):
        want = single.accounting[role]
        assert want["moved_to_nearest"] > 1000  # the 300 m rule moves people
        for key in ("total", "held", "residual", "moved_to_nearest", "districts_total"):
            got = sum(p.accounting[role][key] for p in parts)
            assert got == pytest.approx(want[key], rel=1e-6), (role, key)
    areas = pd.concat([p.areas for p in parts]).reindex(single.areas.index)
    for column in ("population", "migrant_population", "children_under3"):
        assert areas[column].to_numpy() == pytest.approx(single.areas[column].to_numpy(), rel=1e-6)


@pytest.fixture(scope="module")
def single() -> Plan:
    """The sample planned as one model: the reference of the border pass."""
    return run_plan(SAMPLE / "scenario.toml")


def test_border_pass_never_raises_the_shortfall_and_meets_the_single_solve(
    partitioned: Plan, partitioned_scenario: Path, single: Plan
) -> None:
    scenario = load_scenario(partitioned_scenario)
    wide = run_plan(scenario.replace(run=RunSettings(partition="district", cross_border_m=1000)))
    before, after = partitioned.run["totals"], wide.run["totals"]
    border = wide.run["border"]
    assert after["shortfall_slots"] <= before["shortfall_slots"] + 1e-6
    assert border["shortfall_after"] <= border["shortfall_before"] + 1e-6
    assert border["shortfall_before"] - border["shortfall_after"] == pytest.approx(
        before["shortfall_slots"] - after["shortfall_slots"], abs=1e-2
    )
    # on the sample, serving across borders closes the whole gap to the single solve's
    # shortfall (which serves 38 slots across district lines)
    assert before["shortfall_slots"] > single.run["totals"]["shortfall_slots"] + 10
    assert after["shortfall_slots"] == pytest.approx(
        single.run["totals"]["shortfall_slots"], abs=0.05
    )
    a = wide.assignments.dropna(subset=["area_id"])
    site_district = a["site_id"].map(wide.facilities["district_id"])
    crossing = a[site_district != a["area_id"].map(wide.areas["district_id"])]
    assert crossing["slots"].sum() == pytest.approx(border["slots_across_borders"], abs=1e-3)
    assert crossing["slots"].sum() > 0
    counties = wide.run["counties"]
    assert sum(c["border_in_slots"] for c in counties) == pytest.approx(
        border["slots_across_borders"], abs=1e-3
    )
    assert sum(c["cost"] for c in counties) == pytest.approx(after["cost"])
    assert after["served_slots"] == pytest.approx(float(wide.assignments["slots"].sum()))
    served = wide.assignments.dropna(subset=["area_id"]).groupby("area_id")["slots"].sum()
    short = (wide.areas["required_slots"] - served.reindex(wide.areas.index).fillna(0)).clip(0)
    assert wide.areas["shortfall_slots"].to_numpy() == pytest.approx(short.to_numpy(), abs=1e-3)
    # every site's assignments fit its slots
    load = wide.assignments.groupby("site_id")["slots"].sum()
    assert (load <= wide.facilities["slots"].reindex(load.index) + 1e-3).all()


def test_partition_serves_each_county_from_its_own_sites(partitioned: Plan) -> None:
    a = partitioned.assignments.dropna(subset=["area_id"])
    area_district = a["area_id"].map(partitioned.areas["district_id"])
    site_district = a["site_id"].map(partitioned.facilities["district_id"])
    assert (area_district == site_district).all()


def test_merged_plan_writes_and_verifies(partitioned: Plan, tmp_path: Path) -> None:
    out = tmp_path / "plan"
    write_plan(partitioned, out, basemap="none")
    report = verify(out)
    assert report.ok, report.problems
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert len(run["counties"]) == len(DISTRICTS)
    assert run["partition"] == "district"
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "分区县求解" in report
    for d in DISTRICTS:
        assert f"| {d} |" in report
    # a section per county, with its own figures from districts.csv
    sections = report.split("\n## 各区县规划\n", 1)[1].split("\n## ", 1)[0]
    assert sections.count("\n### ") == len(DISTRICTS)
    table = pd.read_csv(out / "districts.csv", dtype={"district_id": str})
    for d in DISTRICTS:
        row = table.set_index("district_id").loc[d]
        part = sections.split(f"（{d}）", 1)[1].split("\n### ", 1)[0]
        assert f"人口 {row['population']:,.0f}，" in part
        assert f"规划托位 {row['planned_slots']:,.0f}（" in part
    # each county's cost stage names its county (it repeated unnamed, once per county)
    stages = [line for line in report.splitlines() if "费用阶段：下界" in line]
    names = table.set_index("district_id")["name"]
    assert sorted(line.split("费用阶段", 1)[0] for line in stages) == sorted(
        f"{names[d]}（{d}）" for d in DISTRICTS
    )
    for name in ("facilities", "areas", "candidates"):
        layer = gpd.read_file(out / f"{name}.geojson")
        assert layer["district_id"].notna().all(), name


def test_district_inputs_keep_only_the_district(partitioned_scenario: Path) -> None:
    from siting.pipeline import read_inputs

    scenario, inputs = read_inputs(partitioned_scenario)
    part = district_inputs(inputs, "510811", scenario=scenario)
    assert set(part.areas["district_id"]) == {"510811"}
    assert set(part.parcels["district_id"]) == {"510811"}
    assert list(part.districts.index) == ["510811"]
    assert part.hazards is not None and inputs.hazards is not None
    assert len(part.hazards) == len(inputs.hazards)
    assert 0 < part.street_graph.number_of_nodes() < inputs.street_graph.number_of_nodes()


def test_county_without_sites_is_reported_and_the_rest_planned(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = _copy(tmp_path / "in", keep=None, empty_sites="510811")
    # validate names the county the plan will leave without a plan (it said only "valid")
    assert main(["validate", str(scenario)]) == 0
    said = capsys.readouterr().out
    assert "note: 510811: no candidate parcel and no existing facility in this district" in said
    assert "(a partial plan, exit 3;" in said and "inputs are valid" in said
    out = tmp_path / "out"
    code = main(["-q", "plan", str(scenario), "--out", str(out), "--basemap", "none"])
    assert code == 3
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert run["status"] == PARTIAL
    status = {c["district_id"]: c for c in run["counties"]}
    assert status["510811"]["status"] == "no_sites"
    assert "no candidate parcel" in status["510811"]["reason"]
    assert status["510802"]["status"] in ("optimal", "feasible")
    # verify checks the other counties and says the plan is partial, naming the county
    # and why (it said "plan holds" and exited 0: a planner would have handed it in)
    report = verify(out)
    assert report.problems == ()
    assert report.partial and not report.ok
    assert report.missing == (f"510811 昭化区: no_sites, {status['510811']['reason']}",)
    capsys.readouterr()
    assert main(["verify", str(out)]) == 3
    said = capsys.readouterr().out
    assert "NO PLAN: county 510811 昭化区: no_sites, no candidate parcel" in said
    assert "partial plan: 1 county has no plan" in said
    assert "plan holds" not in said
    # the county without a plan keeps its outline in the districts layer, as a hole
    for layer in (
        gpd.read_file(out / "districts.geojson"),
        gpd.read_file(out / "plan.gpkg", layer="districts"),
    ):
        rows = layer.set_index("district_id")
        assert list(rows.index) == list(DISTRICTS)
        assert rows.loc["510811", "status"] == "no_sites"
        assert "no candidate parcel" in rows.loc["510811", "reason"]
        assert rows.loc["510811", "name"] == "昭化区"
        assert not rows.loc["510811", "geometry"].is_empty
        assert rows.loc["510802", "status"] in ("optimal", "feasible")
        assert rows.loc["510802", "reason"] in ("", None)
    assert "未规划原因" in (out / "map.html").read_text(encoding="utf-8")


def test_county_whose_solve_fails_is_reported(
    partitioned_scenario: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import siting.pipeline
    from siting.errors import SolverError

    real = siting.pipeline.solve_prepared

    def failing(prepared: Any, **kwargs: Any) -> Plan:
        if list(prepared.inputs.districts.index) == ["510812"]:
            raise SolverError("the model is infeasible")
        return real(prepared, **kwargs)

    monkeypatch.setattr(siting.pipeline, "solve_prepared", failing)
    plan = run_plan(partitioned_scenario)
    assert plan.run["status"] == PARTIAL
    failed = [c for c in plan.run["counties"] if c["status"] == "failed"]
    assert [c["district_id"] for c in failed] == ["510812"]
    assert "infeasible" in failed[0]["reason"]
    # the failed county's existing facilities stand, marked, at their slots and no cost
    facilities = plan.facilities
    standing = facilities[facilities["in_failed_county"]]
    assert set(facilities.loc[~facilities["in_failed_county"], "district_id"]) == {
        "510802",
        "510811",
    }
    assert set(standing["district_id"]) == {"510812"} and standing["existing"].all()
    assert (standing["cost"] == 0).all() and (standing["new_slots"] == 0).all()
    assert len(standing) == plan.run["counties"][2]["facilities"] > 0
    shapes = plan.district_shapes
    assert shapes is not None
    assert list(shapes.index) == list(DISTRICTS)
    assert shapes.loc["510812", "status"] == "failed"
    assert "infeasible" in shapes.loc["510812", "reason"]
    assert shapes.loc["510812", "geometry"].area > 1e6  # the county's outline, in metres²
    assert list(shapes["status"].iloc[:2]) == [c["status"] for c in plan.run["counties"][:2]]
    out = tmp_path / "out"
    write_plan(plan, out, basemap="none")
    report = verify(out)  # the planned counties hold; the plan is partial
    assert report.problems == ()
    assert len(report.missing) == 1 and report.missing[0].startswith("510812 ")
    assert "failed, " in report.missing[0] and "infeasible" in report.missing[0]
    written = gpd.read_file(out / "plan.gpkg", layer="districts").set_index("district_id")
    assert written.loc["510812", "status"] == "failed"


def test_partition_options_are_checked() -> None:
    base = load_scenario(SAMPLE / "scenario.toml")
    with pytest.raises(ScenarioError, match=r"run\.partition"):
        run_plan(base.replace(run=RunSettings(partition="county")))
    budget = base.replace(
        run=RunSettings(partition="district"),
        policy=base.policy.__class__(budget=1e8),
    )
    with pytest.raises(ScenarioError, match=r"policy\.budget"):
        run_plan(budget)
    with pytest.raises(ScenarioError, match="partition"):
        run_plan(base, workers=2)


def test_validate_refuses_what_the_partition_would(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A districts layer without 510812, whose areas, parcels and facilities have no
    district_id: validate says what plan says (exit 2), and a partition without a
    districts layer is refused by both."""
    scenario = _copy(tmp_path / "city", keep=None)
    gpkg = tmp_path / "city" / "city.gpkg"
    for name in ("areas", "parcels", "facilities", "subdistricts", "workplaces"):
        layer = gpd.read_file(gpkg, layer=name)
        layer["district_id"] = layer["district_id"].where(layer["district_id"] != "510812")
        layer.to_file(gpkg, layer=name, driver="GPKG")
    districts = gpd.read_file(gpkg, layer="districts")
    districts[districts["district_id"] != "510812"].to_file(gpkg, layer="districts", driver="GPKG")
    assert main(["-q", "validate", str(scenario)]) == 2
    said = capsys.readouterr().out
    assert "1 problem(s):" in said
    assert "cannot split the inputs by district: areas " in said
    assert "lie outside every district" in said and "extend the districts layer" in said
    assert main(["-q", "plan", str(scenario), "--out", str(tmp_path / "o")]) == 2
    assert "cannot split the inputs by district: areas " in capsys.readouterr().err
    text = scenario.read_text(encoding="utf-8").splitlines()
    scenario.write_text(
        "\n".join(line for line in text if not line.startswith("districts")) + "\n",
        encoding="utf-8",
    )
    for command in (
        ["validate", str(scenario)],
        ["plan", str(scenario), "--out", str(tmp_path / "p")],
    ):
        assert main(["-q", *command]) == 2
        err = capsys.readouterr().err
        assert "run.partition" in err and "needs a districts layer to split the plan by" in err


def test_an_ordinary_run_imports_no_dask() -> None:
    code = (
        "import sys\n"
        "from siting.pipeline import run_plan\n"
        f"run_plan({str(SAMPLE / 'scenario.toml')!r})\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert done.stdout.strip().splitlines()[-1] == "[]"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_scheduler_where_nothing_listens_is_one_clear_sentence(
    partitioned_scenario: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("distributed")
    address = f"tcp://127.0.0.1:{_free_port()}"
    start = time.perf_counter()
    code = main(
        ["-q", "plan", str(partitioned_scenario), "--out", str(tmp_path / "o"),
         "--scheduler", address]
    )  # fmt: skip
    assert code == 2
    assert time.perf_counter() - start < 15  # before any input is read
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith(f"error: no Dask scheduler answers at {address}")
    assert not (tmp_path / "o").exists()


@pytest.mark.slow
def test_two_workers_give_the_same_plan(partitioned_scenario: Path, partitioned: Plan) -> None:
    pytest.importorskip("distributed")
    start = time.perf_counter()
    plan = run_plan(partitioned_scenario, workers=2)
    seconds = time.perf_counter() - start
    pd.testing.assert_frame_equal(_facilities(plan), _facilities(partitioned))
    assert plan.run["engine"]["engine"] == "dask"
    assert plan.run["engine"]["workers"] == 2
    assert all(c["worker"].startswith("tcp://") for c in plan.run["counties"])
    print(f"2-worker LocalCluster run: {seconds:.1f} s")


@pytest.mark.slow
def test_a_killed_worker_is_replaced_and_the_run_completes(
    partitioned_scenario: Path, partitioned: Plan
) -> None:
    distributed = pytest.importorskip("distributed")
    start = time.perf_counter()
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        pids: dict[str, int] = client.run(os.getpid)
        killed: list[str] = []

        def kill_the_first_busy_worker() -> None:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not killed:
                for address, keys in client.processing().items():
                    if any(str(k).startswith("county-") for k in keys):
                        os.kill(pids[address], signal.SIGKILL)
                        killed.append(address)
                        return
                time.sleep(0.02)

        killer = threading.Thread(target=kill_the_first_busy_worker)
        killer.start()
        plan = run_plan(partitioned_scenario, scheduler=cluster.scheduler_address)
        killer.join()
    seconds = time.perf_counter() - start
    assert killed, "no worker was busy with a county"
    assert plan.run["status"] in ("optimal", "feasible")
    pd.testing.assert_frame_equal(_facilities(plan), _facilities(partitioned))
    assert killed[0] not in {c["worker"] for c in plan.run["counties"]}
    print(f"killed {killed[0]}; run completed in {seconds:.1f} s")


def test_resume_solves_only_the_missing_counties(
    partitioned_scenario: Path,
    partitioned: Plan,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import siting.pipeline
    from siting.province import cache_folder

    real = siting.pipeline.solve_prepared
    solved: list[str] = []

    def interrupted_at_the_last(prepared: Any, **kwargs: Any) -> Plan:
        district = str(prepared.inputs.districts.index[0])
        if district == DISTRICTS[-1]:
            raise KeyboardInterrupt
        solved.append(district)
        return real(prepared, **kwargs)

    monkeypatch.setattr(siting.pipeline, "solve_prepared", interrupted_at_the_last)
    out = tmp_path / "out"
    args = ["-q", "plan", str(partitioned_scenario), "--out", str(out), "--basemap", "none"]
    assert main(args) == 130
    assert not out.exists()
    assert len(list(cache_folder(out).glob("*.pickle"))) == 2

    def counted(prepared: Any, **kwargs: Any) -> Plan:
        solved.append(str(prepared.inputs.districts.index[0]))
        return real(prepared, **kwargs)

    monkeypatch.setattr(siting.pipeline, "solve_prepared", counted)
    solved.clear()
    capsys.readouterr()
    assert main([*args, "--resume"]) == 0
    assert "county" not in capsys.readouterr().err  # -q: no progress
    assert solved == [DISTRICTS[-1]]
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert run["engine"]["solved"] == 1
    assert run["engine"]["reused"] == 2
    assert [c["reused"] for c in run["counties"]] == [True, True, False]
    facilities = gpd.read_file(out / "facilities.geojson").set_index("site_id").sort_index()
    expected = _facilities(partitioned)
    assert list(facilities.index) == list(expected.index)
    assert facilities["cost"].to_numpy() == pytest.approx(expected["cost"].to_numpy())
    assert not cache_folder(out).exists()  # a complete plan leaves nothing to resume
    assert verify(out).ok


def test_plan_shows_each_county_as_it_finishes(
    partitioned_scenario: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert main(["plan", str(partitioned_scenario), "--out", str(out), "--basemap", "none"]) == 0
    err = capsys.readouterr().err  # not a terminal: one line per county
    finished = [line for line in err.splitlines() if line.startswith("county ")]
    assert len(finished) == 3
    assert finished[-1].endswith("(3/3)")
    for district, name in zip(DISTRICTS, ("利州区", "昭化区", "朝天区"), strict=True):
        assert f"county {district} {name} " in err


def test_ctrl_c_names_the_running_county(
    partitioned_scenario: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import siting.pipeline

    def interrupted(prepared: Any, **kwargs: Any) -> Plan:
        raise KeyboardInterrupt

    monkeypatch.setattr(siting.pipeline, "solve_prepared", interrupted)
    args = ["plan", str(partitioned_scenario), "--out", str(tmp_path / "o"), "--basemap", "none"]
    assert main(args) == 130
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last == f"interrupted at stage 'county {DISTRICTS[0]}'; nothing written"


def test_resume_needs_a_partition(tmp_path: Path) -> None:
    scenario = str(SAMPLE / "scenario.toml")
    assert main(["-q", "plan", scenario, "--out", str(tmp_path / "o"), "--resume"]) == 2


GENERATOR = ROOT / "data" / "generate_province.py"


@pytest.mark.slow
@pytest.mark.skipif(not GENERATOR.is_file(), reason="data/generate_province.py not merged")
def test_generated_province_on_two_workers_equals_its_counties_one_by_one(
    tmp_path: Path,
) -> None:
    pytest.importorskip("distributed")
    import importlib.util

    spec = importlib.util.spec_from_file_location("generate_province", GENERATOR)
    assert spec is not None and spec.loader is not None
    gen = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = gen
    spec.loader.exec_module(gen)
    province = tmp_path / "province"
    gen.generate_province(province, counties=4, seed=3, areas_per_county=20, sites_per_county=10)
    text = (province / "scenario.toml").read_text(encoding="utf-8")
    raster = (province / "population.tif").as_posix()
    text = text.replace('path = "population.tif"', f'path = "{raster}"')
    (province / "scenario.toml").write_text(text, encoding="utf-8")
    assert '[run]\npartition = "district"' in text  # the generator's scenario is partitioned
    single = text.replace('[run]\npartition = "district"', "")
    start = time.perf_counter()
    plan = run_plan(province / "scenario.toml", workers=2)
    seconds = time.perf_counter() - start
    counties = [c["district_id"] for c in plan.run["counties"]]
    assert len(counties) == 4
    assert plan.run["status"] in ("optimal", "feasible")
    assert plan.run["engine"]["workers"] == 2

    references = []
    for d in counties:
        folder = tmp_path / d
        folder.mkdir()
        for name in ("areas", "parcels", "facilities", "districts"):
            layer = gpd.read_file(province / "city.gpkg", layer=name)
            layer[layer["district_id"].astype(str) == d].to_file(
                folder / "city.gpkg", layer=name, driver="GPKG"
            )
        (folder / "scenario.toml").write_text(single, encoding="utf-8")
        whole = gpd.read_file(province / "city.gpkg", layer="areas").set_index("area_id")
        references.append(_facilities(plan_with_neighbours(folder / "scenario.toml", whole)))
    pd.testing.assert_frame_equal(_facilities(plan), pd.concat(references).sort_index())
    print(f"4-county province on 2 workers: {seconds:.1f} s")


@pytest.mark.slow
def test_on_dask_a_county_runs_only_while_a_worker_solves_it(partitioned_scenario: Path) -> None:
    """A one-thread worker takes a second county into its queue; that one is not running yet."""
    pytest.importorskip("distributed")
    lock = threading.Lock()
    running: set[str] = set()
    seen: list[set[str]] = []

    class Recorder:
        def begin(self, total: int, names: dict[str, str]) -> None:
            pass

        def started(self, district_id: str) -> None:
            with lock:
                running.add(district_id)
                seen.append(set(running))

        def finished(self, result: Any) -> None:
            with lock:
                running.discard(result.district_id)

        def end(self) -> None:
            pass

    run_plan(partitioned_scenario, workers=1, counties=Recorder())
    assert seen, "no county was seen running"  # each takes seconds; the client looks every 0.5 s
    assert max(len(s) for s in seen) == 1, seen  # on one worker, one county at a time
    assert set().union(*seen) <= set(DISTRICTS)


def test_a_county_keeps_the_streets_of_its_areas_outside_its_outline(
    partitioned_scenario: Path,
) -> None:
    """The sweep's real county outlines (a boundary service's) against the planner's
    district codes: 510811's areas lie outside 510811's outline. Its streets were clipped
    to the outline alone, so the county had none and failed with "the street graph has no
    nodes" while validate and the single run passed. Here its outline is moved 30 km east."""
    import shapely
    from shapely.affinity import translate

    from siting.pipeline import read_inputs

    scenario, inputs = read_inputs(partitioned_scenario)
    assert inputs.districts is not None
    moved = inputs.districts.copy()
    moved.loc["510811", "geometry"] = translate(moved.loc["510811", "geometry"], xoff=30_000)
    inputs = dataclasses.replace(inputs, districts=moved)
    part = district_inputs(inputs, "510811", scenario=scenario)
    graph = part.street_graph
    assert graph.number_of_nodes() > 0
    # every node of the whole graph within the reach of one of the county's areas is kept
    radii = scenario.radii
    reach = 2 * max(radii.urban_m, radii.rural_m, radii.workplace_m, radii.new_beside_m)
    zone = part.areas.geometry.union_all().buffer(reach)
    whole = inputs.street_graph
    near = {n for n, d in whole.nodes(data=True) if zone.contains(shapely.Point(d["x"], d["y"]))}
    assert near and near <= set(graph.nodes)
