"""Execute the notebooks in notebooks/ and check what they show.

Each notebook runs in a fresh ``python3`` kernel with ``notebooks/`` as its
working directory, as a reader would run it; any cell error fails the test.
The notebooks write only to temporary folders. No network is used (the map's
base tiles are referenced, never fetched).
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
NAMES = (
    "01-quickstart.ipynb",
    "02-your-own-data.ipynb",
    "03-scenarios.ipynb",
    "04-osm-only.ipynb",
    "05-phasing.ipynb",
    "06-frontier-robust.ipynb",
)
PROBE = "__probe__:"


def _execute(name: str, probe: str | None = None) -> Any:
    """Run a notebook; ``probe`` is an extra last cell (test-only) whose stdout is returned."""
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    if probe is not None:
        nb.cells.append(nbformat.v4.new_code_cell(probe))
    client = nbclient.NotebookClient(
        nb,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    client.execute()  # raises CellExecutionError on the first failing cell
    return nb


def _outputs(nb: Any) -> list[Any]:
    return [out for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs]


def _stdout(nb: Any) -> str:
    return "".join(
        out.get("text", "")
        for out in _outputs(nb)
        if out.output_type == "stream" and out.name == "stdout"
    )


def _data(nb: Any, mime: str) -> list[str]:
    return [
        out.data[mime]
        for out in _outputs(nb)
        if out.output_type in ("execute_result", "display_data") and mime in out.data
    ]


def _probe_value(nb: Any) -> Any:
    lines = [line for line in _stdout(nb).splitlines() if line.startswith(PROBE)]
    assert len(lines) == 1, "the probe cell printed nothing"
    return json.loads(lines[0][len(PROBE) :])


@pytest.mark.parametrize("name", NAMES)
def test_notebooks_are_committed_without_outputs(name: str) -> None:
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None, f"{name}: clear outputs"


@pytest.mark.slow
def test_quickstart_plans_verifies_and_maps_the_sample() -> None:
    nb = _execute("01-quickstart.ipynb")
    verify_cells = [c for c in nb.cells if c.cell_type == "code" and "verify(out)" in c.source]
    assert len(verify_cells) == 1
    results = [o for o in verify_cells[0].outputs if o.output_type == "execute_result"]
    assert [o.data["text/plain"] for o in results] == ["True"]
    # the folium map is rendered inline as HTML
    maps = [h for h in _data(nb, "text/html") if "leaflet" in h.lower() and "folium" in h.lower()]
    assert len(maps) == 1
    # the districts table shows the three sample districts
    assert any("利州区" in h and "slots_per_1000" in h for h in _data(nb, "text/html"))
    assert "areas have a shortfall" in _stdout(nb)


@pytest.mark.slow
def test_own_data_notebook_shows_validation_problems_then_loads() -> None:
    probe = (
        f"import json; print({PROBE!r} + json.dumps("
        "{'problems': [str(p) for p in problems], 'fixed': len(validate(scenario.inputs, "
        "crs=scenario.crs)), 'areas': len(inputs.areas), "
        "'status': sorted(inputs.areas['status'].unique()), "
        "'listed': len(listed_inputs.areas), "
        "'new_people': [float(t.loc[t['status'] == 'new', 'planned_population'].sum()) "
        "for t in (outlines, points)], "
        "'registered': from_register.facilities.index.tolist(), "
        "'slots': [int(v) for v in from_register.facilities['slots']], "
        "'in_its_xiaoqu': [bool(from_register.areas.loc[from_register.areas['name'] == n]"
        ".geometry.iloc[0].covers(p)) for n, p in zip(nearest['小区'], "
        "from_register.facilities.geometry)]}))"
    )
    nb = _execute("02-your-own-data.ipynb", probe=probe)
    text = _stdout(nb)
    # every problem printed, naming the column and the ids
    assert "2 problem(s):" in text
    assert "area_id value is shared by 2 features" in text and "A001" in text
    assert "column 'LX'" in text and "is not in the layer" in text
    assert "problems: []" in text
    assert "read status 老城 as old" in text  # the note on Chinese status values
    value = _probe_value(nb)
    assert len(value["problems"]) == 2
    assert value["fixed"] == 0
    assert value["areas"] == 182
    assert value["status"] == ["new", "old", "rural"]
    # the 小区 list: its points read as areas, said to be a guess of their land; the new
    # areas' people are their 户数 × 2.36 either way
    assert "finding: areas: 182 of 182 areas are points, not outlines" in text
    assert value["listed"] == 182
    outlines_new, listed_new = value["new_people"]
    assert listed_new == pytest.approx(outlines_new) and outlines_new > 0
    # the register read in pandas: every row placed in the 小区 its address names, its
    # 托位数 '60个' read as 60 (the sample's own slots)
    assert value["registered"] == [f"F{i:02d}" for i in range(1, 11)]
    sample = gpd.read_file(NOTEBOOKS.parent / "data" / "sample" / "city.gpkg", layer="facilities")
    assert value["slots"] == [int(s) for s in sample["slots"]]
    assert all(value["in_its_xiaoqu"])
    assert "finding: facilities: 10 of 10 rows" in text


@pytest.mark.slow
def test_scenarios_notebook_sweeps_budgets_and_compares_2020_with_2025() -> None:
    probe = f"print({PROBE!r} + curve.to_json(orient='records'))"
    nb = _execute("03-scenarios.ipynb", probe=probe)
    rows = _probe_value(nb)
    assert len(rows) == 4  # one row per budget
    budgets = [r["budget_m_cny"] for r in rows]
    assert budgets[-1] is None  # the last one is unlimited
    assert budgets[:-1] == sorted(budgets[:-1])
    costs = [r["cost_m_cny"] for r in rows]
    for budget, cost in zip(budgets[:-1], costs[:-1], strict=True):
        assert cost <= budget + 0.1  # within the budget (both rounded to 0.1 M)
    shortfall = [r["shortfall_slots"] for r in rows]
    assert all(a >= b for a, b in itertools.pairwise(shortfall)), shortfall
    assert shortfall[0] > shortfall[-1]
    served = [r["served_per_1000"] for r in rows]
    assert served[-1] > served[0]
    assert all(r["status"] in ("optimal", "feasible") for r in rows)
    # the comparison is rendered as Markdown
    compared = [m for m in _data(nb, "text/markdown") if "Comparison of two plan runs" in m]
    assert len(compared) == 1
    assert "2020" in compared[0] and "2025" in compared[0]
    assert "Slots per 1,000 by district" in compared[0]


@pytest.mark.slow
def test_osm_only_notebook_plans_nanjing_from_osm_alone() -> None:
    probe = (
        f"import json; print({PROBE!r} + json.dumps("
        "{'problems': len(problems), 'areas': len(inputs.areas), "
        "'parcels': len(inputs.parcels), 'status': plan.run['status'], 'ok': bool(check.ok), "
        "'ids': [str(i) for i in plan.facilities.index], "
        "'held': [round(c['people held']) for c in compared.values()], "
        "'blocks': int(blocks_plan.areas.index.str.startswith('osm/block/').sum()), "
        "'blocks_status': blocks_plan.run['status']}))"
    )
    nb = _execute("04-osm-only.ipynb", probe=probe)
    text = _stdout(nb)
    assert "problems: []" in text
    assert "osm: 11 residential areas" in text
    value = _probe_value(nb)
    assert (value["problems"], value["areas"], value["parcels"]) == (0, 11, 17)
    assert value["status"] == "optimal"
    assert value["ok"] is True
    # OSM polygons, and the health centre mapped as a point inside its building
    assert value["ids"] == ["osm/node/4697397790", "osm/way/446638070", "osm/way/607559945"]
    # street blocks: the people the areas hold, as benchmarks.blocks counts them cell by
    # cell (landuse 74,439; with the blocks closed against the extract's edge 95,457)
    assert value["held"] == [74_439, 95_457]
    assert value["blocks"] == 81 and value["blocks_status"] == "optimal"


@pytest.mark.slow
def test_phasing_notebook_plans_2020_and_2025_within_each_budget() -> None:
    probe = (
        f"import json; print({PROBE!r} + json.dumps("
        "{'ok': bool(check.ok), 'years': [p['year'] for p in plan.run['phases']], "
        "'spent': [p['spent'] for p in plan.run['phases']], "
        "'budgets': [p.budget for p in scenario.phases], "
        "'rows': len(plan.district_years), 'districts': len(plan.districts)}))"
    )
    nb = _execute("05-phasing.ipynb", probe=probe)
    value = _probe_value(nb)
    assert value["ok"] is True
    assert value["years"] == [2020, 2025]
    for spent, budget in zip(value["spent"], value["budgets"], strict=True):
        assert spent <= budget + 0.5
    assert value["rows"] == 2 * value["districts"]
    assert "report_phase_2020_per_1000.svg" in _stdout(nb)


def test_frontier_robust_notebook_draws_a_monotone_frontier_and_counts_sites() -> None:
    probe = (
        f"import json; print({PROBE!r} + json.dumps("
        "{'shortfall': curve.table['shortfall_slots'].tolist(), "
        "'objective': curve.table['objective'].tolist(), "
        "'status': curve.table['status'].tolist(), "
        "'runs': len(result.combinations), 'always': int(result.sites['always'].sum()), "
        "'some': int((~result.sites['always']).sum())}))"
    )
    nb = _execute("06-frontier-robust.ipynb", probe=probe)
    value = _probe_value(nb)
    assert len(value["shortfall"]) == 4
    assert all(a >= b - 1e-6 for a, b in itertools.pairwise(value["objective"]))
    assert value["shortfall"][0] > value["shortfall"][-1]
    assert all(s in ("optimal", "feasible") for s in value["status"])
    assert value["runs"] == 2 and value["always"] > 0
    assert len(_data(nb, "image/png")) == 1  # the frontier plot
    assert "sites chosen in every combination" in _stdout(nb)
