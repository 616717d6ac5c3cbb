"""The Python API called with an analyst's own GeoDataFrames.

An analyst in a notebook builds frames from real data: int64 or text ids, a
MultiIndex after a groupby, pandas' nullable ``Int64``/``string``/``boolean``, a
categorical ``status`` (with unused categories, or NaN), a ``datetime`` column,
Polygon Z, empty or missing geometries, EPSG:4326 or no CRS at all. Each variation
below is made by a seeded generator from the sample city (``data/sample``) and from
real public data (Naples' GHS-POP raster, ``/work/shared/data``), and given to the
public entry points. Each must either give the answer of the plain frame, keyed by
the caller's own ids, or raise an :class:`~siting.errors.InputError` naming the
argument, the column and the fix; and no call may change the caller's frames.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely
from test_model import make_problem

from siting.accessibility import two_step_fca
from siting.demand import area_demand, estimate_demand
from siting.errors import InputError
from siting.export import write_plan
from siting.inputs import Inputs, check_loaded
from siting.lifecircle import coverage, facility_load
from siting.locate import cost_from_geodataframes, p_median
from siting.model import SitingProblem, build_model, check_problem
from siting.pipeline import prepare_loaded, solve_prepared
from siting.scenario import Scenario, load_scenario

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
GK = "EPSG:4544"
LAYERS = {
    "areas": "area_id",
    "parcels": "site_id",
    "facilities": "facility_id",
    "districts": "district_id",
    "subdistricts": "subdistrict_id",
}

Edit = Callable[[gpd.GeoDataFrame, np.random.Generator], gpd.GeoDataFrame]


@pytest.fixture(scope="module")
def city() -> dict[str, Any]:
    """The sample city's layers as load_inputs leaves them: indexed by their text ids,
    in the working CRS (the Gauss–Krüger zone of the scenario)."""
    layers: dict[str, Any] = {"crs": pyproj.CRS(GK)}
    for name, key in LAYERS.items():
        frame = gpd.read_file(SAMPLE / "city.gpkg", layer=name).set_index(key).to_crs(GK)
        frame.geometry = shapely.make_valid(frame.geometry.to_numpy())
        layers[name] = frame
    return layers


def _rows(frame: gpd.GeoDataFrame, rng: np.random.Generator, k: int = 3) -> np.ndarray:
    return np.sort(rng.choice(len(frame), size=k, replace=False))


def _set(column: str, value: Any, dtype: Any = None) -> Edit:
    """Set ``column`` to ``value`` in three seeded rows (after casting it to ``dtype``)."""

    def edit(frame: gpd.GeoDataFrame, rng: np.random.Generator) -> gpd.GeoDataFrame:
        out = frame.copy()
        if dtype is not None:
            out[column] = out[column].astype(dtype)
        out.iloc[_rows(out, rng), out.columns.get_loc(column)] = value
        return out

    return edit


def _cast(column: str, to: Callable[[pd.Series], Any]) -> Edit:
    return lambda frame, rng: frame.assign(**{column: to(frame[column])})


def _geometry(change: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> Edit:
    """The geometries of three seeded rows changed."""

    def edit(frame: gpd.GeoDataFrame, rng: np.random.Generator) -> gpd.GeoDataFrame:
        geoms = np.asarray(frame.geometry.to_numpy(), dtype=object).copy()
        rows = _rows(frame, rng)
        geoms[rows] = change(geoms[rows], rows)
        return frame.set_geometry(gpd.GeoSeries(geoms, index=frame.index, crs=frame.crs))

    return edit


def _multiindex(frame: gpd.GeoDataFrame, rng: np.random.Generator) -> gpd.GeoDataFrame:
    return frame.set_index("district_id", append=True).swaplevel()


def _int_ids(frame: gpd.GeoDataFrame, rng: np.random.Generator) -> gpd.GeoDataFrame:
    ids = rng.permutation(len(frame)) + 1001  # int64 codes, in no order
    return frame.set_axis(pd.Index(ids, name=frame.index.name))


def _repeated_id(frame: gpd.GeoDataFrame, rng: np.random.Generator) -> gpd.GeoDataFrame:
    first, second = _rows(frame, rng, 2)
    ids = frame.index.to_numpy(dtype=object).copy()
    ids[second] = ids[first]
    return frame.set_axis(pd.Index(ids, name=frame.index.name))


AREA_VARIATIONS: dict[str, Edit] = {
    "string status": _cast("status", lambda s: s.astype("string")),
    "categorical status, unused categories": _cast(
        "status", lambda s: s.astype(pd.CategoricalDtype(["new", "old", "rural", "mixed"]))
    ),
    "Int64 dwellings": _cast("dwellings", lambda s: s.round().astype("Int64")),
    "Float64 migrant_share": _cast("migrant_share", lambda s: s.astype("Float64")),
    "a datetime column": lambda f, rng: f.assign(surveyed=pd.Timestamp("2024-05-01")),
    "a boolean column with <NA>": lambda f, rng: f.assign(
        checked=pd.array(rng.choice([True, False, None], len(f)), dtype="boolean")
    ),
    "Polygon Z": _geometry(lambda g, rows: shapely.force_3d(g, 480.0)),
    # refused before the fix: NaN required slots, no people, a KeyError; then a file's words
    "status NaN": _set("status", np.nan),
    "categorical status NaN": _set(
        "status", np.nan, dtype=pd.CategoricalDtype(["new", "old", "rural"])
    ),
    "status in a file's words (新建, 老城, 农村, New)": _cast(
        "status",
        lambda s: s.map({"new": "新建", "old": "老城", "rural": "农村"}).where(
            np.arange(len(s)) % 2 == 0, s.str.title()
        ),
    ),
    "status no alias reads (Neubau)": _set("status", "Neubau"),
    "no status": lambda f, rng: f.drop(columns="status"),
    "no geometry": _geometry(lambda g, rows: np.array([None] * len(rows), dtype=object)),
    "empty geometry": _geometry(lambda g, rows: np.array([shapely.Polygon()] * len(rows))),
    "migrant_share in per cent": _set("migrant_share", 35.0),
    "dwellings as text": _set("dwellings", "1,200", dtype="object"),
    "repeated id": _repeated_id,
    "status twice (a concat)": lambda f, rng: pd.concat([f, f[["status"]]], axis=1),
    "no CRS": lambda f, rng: f.set_crs(None, allow_override=True),
    "a missing id": lambda f, rng: f.set_axis(
        pd.Index(np.where(np.arange(len(f)) == rng.integers(len(f)), None, f.index), name="id")
    ),
    # 0 people in every area, without a word
    "metres labelled EPSG:4326": lambda f, rng: f.set_crs(4326, allow_override=True),
    "longitude and latitude swapped": lambda f, rng: f.to_crs(4326).set_geometry(
        shapely.transform(f.to_crs(4326).geometry.to_numpy(), lambda xy: xy[:, ::-1])
    ),
}
"""Each variation of an analyst's areas and, for those refused, the column named
(``""`` for the layer's index, CRS or geometry)."""

AREAS_REFUSED = {
    "status NaN": "status",
    "categorical status NaN": "status",
    "status no alias reads (Neubau)": "status",
    "no status": "status",
    "no geometry": "",
    "empty geometry": "",
    "migrant_share in per cent": "migrant_share",
    "dwellings as text": "dwellings",
    "repeated id": "",
    "status twice (a concat)": "status",
    "no CRS": "",
    "a missing id": "",
    "metres labelled EPSG:4326": "",
    "longitude and latitude swapped": "",
}


@contextmanager
def unchanged(*frames: pd.DataFrame) -> Iterator[None]:
    """Assert that the block leaves every frame as it was: values, CRS, dtypes, index."""
    before = [
        (f.copy(deep=True), getattr(f, "crs", None), f.dtypes.copy(), f.index.copy())
        for f in frames
    ]
    yield
    for frame, (copy, crs, dtypes, index) in zip(frames, before, strict=True):
        assert frame.equals(copy)
        assert getattr(frame, "crs", None) == crs
        assert frame.dtypes.equals(dtypes)
        assert frame.index.equals(index) and frame.index.dtype == index.dtype
        assert frame.index.names == index.names


def _refusal(error: InputError, argument: str, column: str) -> str:
    """The one problem of ``error``, checked to name the argument, the column and a fix."""
    assert len(error.problems) >= 1, error
    problem = error.problems[0]
    text = str(problem)
    assert argument in text, text
    assert (problem.column or "") == column, text
    assert problem.fix, text
    return text


@pytest.mark.parametrize("seed", [7, 2026])
def test_area_demand_takes_an_analysts_areas_or_refuses_them_by_name(
    city: dict[str, Any], seed: int
) -> None:
    """Harmless variations give the plain frame's demand under the caller's own index;
    the others raise an InputError naming areas=, the column and the fix. Before, a
    status NaN, "新建" or a missing geometry planned less (3,711.6 or 3,696.9 slots for
    the sample's 3,724) without a word, and a dropped status was a bare KeyError."""
    rng = np.random.default_rng(seed)
    areas = city["areas"].iloc[np.sort(rng.choice(len(city["areas"]), 60, replace=False))]
    population = SAMPLE / "population.tif"
    scenario = Scenario()
    plain = area_demand(areas, population, scenario=scenario)
    assert plain["required_slots"].sum() > 0
    for label, edit in AREA_VARIATIONS.items():
        frame = edit(areas, rng)
        with unchanged(frame):
            if label in AREAS_REFUSED:
                with pytest.raises(InputError) as refused:
                    area_demand(frame, population, scenario=scenario)
                _refusal(refused.value, "areas=", AREAS_REFUSED[label])
                continue
            table = area_demand(frame, population, scenario=scenario)
        assert table.index.equals(frame.index), label
        pd.testing.assert_series_equal(
            table["required_slots"], plain["required_slots"], check_names=False, obj=label
        )


def test_area_demand_reads_numbers_held_as_objects(city: dict[str, Any]) -> None:
    """dwellings and migrant_share as numbers with None where missing, held as objects
    (a frame built from records, a concat) were read by area_demand before check_frame,
    then refused as "dwellings holds object values, not numbers"; they give the plain
    frame's required slots. Text stays refused (pandas would misread it)."""
    areas = city["areas"]
    plain = area_demand(areas, SAMPLE / "population.tif", scenario=Scenario())
    held = areas.assign(
        **{c: areas[c].astype(object).where(areas[c].notna(), None) for c in NUMBERS}
    )
    assert all(held[c].dtype == object and held[c].isna().any() for c in NUMBERS)
    table = area_demand(held, SAMPLE / "population.tif", scenario=Scenario())
    pd.testing.assert_series_equal(table["required_slots"], plain["required_slots"])
    texts = held.assign(dwellings=held["dwellings"].map(lambda v: v if v is None else str(v)))
    with pytest.raises(InputError, match=r"dwellings holds \w+ values, not numbers"):
        area_demand(texts, SAMPLE / "population.tif", scenario=Scenario())


NUMBERS = ("dwellings", "migrant_share")


def test_area_demand_refuses_what_is_not_a_geodataframe(city: dict[str, Any]) -> None:
    """A GeoSeries, a table without geometry and WKT text were AttributeError: 'GeoSeries'
    object has no attribute 'columns', 'DataFrame' object has no attribute 'geometry'
    and a shapely TypeError."""
    areas = city["areas"].iloc[:10]
    for given in (
        areas.geometry,
        pd.DataFrame(areas.drop(columns="geometry")),
        pd.DataFrame(areas).assign(geometry=areas.geometry.to_wkt()),
    ):
        with pytest.raises(InputError) as refused:
            area_demand(given, SAMPLE / "population.tif", scenario=Scenario())
        said = _refusal(refused.value, "areas=", "")
        assert f"areas is a {type(given).__name__}, not a GeoDataFrame" in said


def test_areas_drawn_as_closed_lines_in_memory_are_told_the_call_that_closes_them(
    city: dict[str, Any],
) -> None:
    """An analyst's areas as closed LineStrings (a CAD drawing read with geopandas) were
    told to run "ogr2ogr -oo CLOSED_LINE_AS_POLYGON=YES areas.gpkg (in memory, areas=)",
    a file that does not exist; the fix is now the call that makes them polygons, which
    then read as the areas they outline (the same required slots)."""
    areas = city["areas"].iloc[:10]
    lines = areas.set_geometry(shapely.get_exterior_ring(areas.geometry.to_numpy()), crs=areas.crs)
    with pytest.raises(InputError) as refused:
        area_demand(lines, SAMPLE / "population.tif", scenario=Scenario())
    (problem,) = refused.value.problems
    assert "they are closed rings" in problem.message
    assert "ogr2ogr" not in problem.fix and "(in memory" not in problem.fix
    call = "areas.set_geometry(shapely.build_area(areas.geometry.to_numpy()), crs=areas.crs)"
    assert call in problem.fix
    mended = eval(call, {"shapely": shapely}, {"areas": lines})
    got = area_demand(mended, SAMPLE / "population.tif", scenario=Scenario())
    plain = area_demand(areas, SAMPLE / "population.tif", scenario=Scenario())
    pd.testing.assert_series_equal(got["required_slots"], plain["required_slots"])


def test_area_demand_keeps_int_ids_a_multiindex_and_any_crs(city: dict[str, Any]) -> None:
    """Results are keyed by the caller's ids as given: int64 codes stay int64, a
    MultiIndex stays one, and EPSG:4326 areas hold the same people."""
    rng = np.random.default_rng(11)
    areas = city["areas"].iloc[:40]
    population = SAMPLE / "population.tif"
    plain = area_demand(areas, population, scenario=Scenario())["population"]
    for frame in (_int_ids(areas, rng), _multiindex(areas, rng), areas.to_crs(4326)):
        with unchanged(frame):
            table = area_demand(frame, population, scenario=Scenario())
        assert table.index.equals(frame.index)
        assert table.index.dtype == frame.index.dtype
        np.testing.assert_allclose(table["population"].to_numpy(), plain.to_numpy(), rtol=1e-6)


def _check(city: dict[str, Any], **layers: gpd.GeoDataFrame) -> list[str]:
    edited = SimpleNamespace(**{**city, **layers})
    with unchanged(*layers.values()):
        return [str(p) for p in check_loaded(edited)]


def test_layers_as_read_have_no_problems(city: dict[str, Any]) -> None:
    assert _check(city) == []
    assert _check(city, areas=city["areas"].iloc[:0], parcels=city["parcels"].iloc[:0]) == []
    rng = np.random.default_rng(3)
    for label, edit in AREA_VARIATIONS.items():
        if label not in AREAS_REFUSED:
            assert _check(city, areas=edit(city["areas"], rng)) == [], label


@pytest.mark.parametrize(
    ("layer", "edit", "said"),
    [
        # an area with a NaN status planned for no slots (3,711.6 of 3,724 on the sample)
        ("areas", _set("status", np.nan), "column 'status': 3 features have no status"),
        # '<NA>' affordable: "ValueError: cannot convert float NaN to bool" in the site table
        (
            "parcels",
            _set("affordable", pd.NA, dtype="boolean"),
            "column 'affordable': 3 features have no affordable (ids: P0"
            '%. Fix: frame["affordable"] = frame["affordable"].fillna(True)',
        ),
        # int and float district codes matched no district "510802": the areas and sites
        # planned in a district of their own, outside its demonstration facility
        (
            "areas",
            _cast("district_id", lambda s: s.astype("int64")),
            "district_id holds int64 values (510802",
        ),
        (
            "parcels",
            _cast("district_id", lambda s: s.astype(float)),
            'Fix: frame["district_id"] = frame["district_id"].astype("Int64").astype("string")',
        ),
        ("facilities", _set("district_id", "510899"), "3 features have a district_id that is "),
        ("areas", _cast("subdistrict_id", lambda s: s.astype("int64")), "subdistrict_id holds"),
        # "operands could not be broadcast together with shapes (182,2) (182,)"
        ("parcels", lambda f, rng: pd.concat([f, f[["cost"]]], axis=1), "more than one column"),
        # said "indexed by position"
        ("areas", _multiindex, "indexed by a MultiIndex (district_id, area_id), not by area_id"),
        # said "the layer is in None"
        ("areas", lambda f, rng: f.set_crs(None, allow_override=True), "has no CRS"),
    ],
)
def test_edited_layers_the_plan_misread_are_refused(
    city: dict[str, Any], layer: str, edit: Edit, said: str
) -> None:
    problems = _check(city, **{layer: edit(city[layer], np.random.default_rng(5))})
    assert len(problems) == 1, problems
    assert f"layer '{layer}'" in problems[0]
    head, _, tail = said.partition("%")
    assert head in problems[0] and tail in problems[0], problems[0]


def _inputs(city: dict[str, Any], **layers: gpd.GeoDataFrame) -> Inputs:
    merged = {**city, **layers}
    return Inputs(
        crs=city["crs"],
        crs_chosen=False,
        areas=merged["areas"],
        parcels=merged["parcels"],
        facilities=merged["facilities"],
        districts=merged["districts"],
        subdistricts=merged["subdistricts"],
        workplaces=None,
        hazards=None,
        population=SAMPLE / "population.tif",
        population_crs=city["crs"],
        migrant_population=None,
        streets=None,
    )


def test_estimate_demand_refuses_edited_areas_it_would_misread(city: dict[str, Any]) -> None:
    """estimate_demand takes inputs an analyst edited without prepare_loaded's check: a
    NaN status planned its area for no slots."""
    areas = _set("status", np.nan)(city["areas"], np.random.default_rng(1))
    with unchanged(areas), pytest.raises(InputError) as refused:
        estimate_demand(_inputs(city, areas=areas), scenario=Scenario())
    _refusal(refused.value, "inputs.areas", "status")


def test_a_files_status_words_are_read_alike_by_every_entry_point(
    city: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    """An analyst's status of 新建, 老城, 农村 or New, which a file's reader takes with a
    note, was refused by area_demand, estimate_demand and prepare_loaded's check as a
    status siting does not know. Each reads them now, on a copy, with the file reader's
    note, and gives the plain frame's demand; a word no alias names is still refused."""
    from siting.pipeline import loaded_demand

    areas = city["areas"].groupby("status").head(10)  # 10 new, old and rural ones
    words = {"new": "新建", "old": "老城", "rural": "农村"}
    worded = areas.assign(
        status=[words[s] if k % 2 else s.title() for k, s in enumerate(areas["status"].astype(str))]
    )
    assert set(worded["status"]) >= {"新建", "老城", "New", "Old"}
    population = SAMPLE / "population.tif"
    plain = area_demand(areas, population, scenario=Scenario())
    with unchanged(worded), caplog.at_level("INFO", logger="siting"):
        table = area_demand(worded, population, scenario=Scenario())
        demand = estimate_demand(_inputs(city, areas=worded), scenario=Scenario())
        inputs, loaded = loaded_demand(_inputs(city, areas=worded), scenario=Scenario())
    assert caplog.text.count("areas: read status 老城 as old, 新建 as new, 农村 as rural") == 3
    assert "areas: read status 老城 as old, 新建 as new, 农村 as rural" in inputs.notes
    assert set(inputs.areas["status"]) <= {"new", "old", "rural"}
    for got in (table, demand.areas, loaded.areas):
        pd.testing.assert_series_equal(got["status"], plain["status"])
        pd.testing.assert_series_equal(got["required_slots"], plain["required_slots"])
    assert _check(city, areas=worded) == []
    unknown = worded.assign(status=worded["status"].where(np.arange(len(worded)) != 3, "Neubau"))
    for call in (
        lambda: area_demand(unknown, population, scenario=Scenario()),
        lambda: estimate_demand(_inputs(city, areas=unknown), scenario=Scenario()),
    ):
        with unchanged(unknown), pytest.raises(InputError, match="Neubau"):
            call()


def test_prepare_loaded_refuses_nullable_booleans_before_the_site_table(
    city: dict[str, Any],
) -> None:
    parcels = _set("affordable", pd.NA, dtype="boolean")(city["parcels"], np.random.default_rng(2))
    with unchanged(parcels), pytest.raises(InputError) as refused:
        prepare_loaded(_inputs(city, parcels=parcels), scenario=Scenario())
    _refusal(refused.value, "(in memory)", "affordable")


@pytest.fixture(scope="module")
def naples(shared_data: Path) -> tuple[gpd.GeoDataFrame, Path]:
    """A seeded grid of residential areas over Naples (its real boundary) in its UTM
    zone, with int64 codes, and the real GHS-POP raster (EPSG:4326) of its people."""
    boundary = gpd.read_file(shared_data / "admin" / "naples-boundary.gpkg")
    local = boundary.to_crs(boundary.estimate_utm_crs())
    x0, y0, x1, y1 = local.total_bounds
    cells = [
        shapely.box(x, y, x + 1500, y + 1500)
        for x in np.arange(x0, x1, 1500)
        for y in np.arange(y0, y1, 1500)
    ]
    rng = np.random.default_rng(2026)
    grid = gpd.GeoDataFrame(
        {
            "status": rng.choice(["old", "new", "rural"], len(cells)),
            "dwellings": rng.integers(1, 3000, len(cells)).astype(float),
        },
        geometry=cells,
        index=pd.Index(np.arange(100, 100 + len(cells)), name="code"),
        crs=local.crs,
    )
    grid = grid[grid.intersects(local.union_all())]
    return grid, shared_data / "raster" / "naples-ghspop.tif"


def test_real_raster_demand_and_locate_keep_an_analysts_ids(
    naples: tuple[gpd.GeoDataFrame, Path],
) -> None:
    """Demand from the real raster, then costs, a 3-median and 2SFCA on it, each keyed by
    the analyst's int64 codes or by a (status, code) MultiIndex, as given."""
    grid, raster = naples
    plain = area_demand(grid, raster, scenario=Scenario())
    rng = np.random.default_rng(4)
    for areas in (
        grid,
        grid.to_crs(4326),
        _multiindex(grid.assign(district_id=grid["status"]), rng),
    ):
        with unchanged(areas):
            table = area_demand(areas, raster, scenario=Scenario())
        assert table.index.equals(areas.index)
        np.testing.assert_allclose(table["required_slots"], plain["required_slots"], rtol=1e-6)
    sites = grid.iloc[::9].set_axis(pd.Index([f"S{i}" for i in range(len(grid.iloc[::9]))]))
    for areas in (grid, _multiindex(grid.assign(district_id=grid["status"]), rng)):
        with unchanged(areas, sites):
            cost = cost_from_geodataframes(areas, sites)
            weights = area_demand(areas, raster, scenario=Scenario())["required_slots"]
            result = p_median(cost, weights, 3)
            score = two_step_fca(cost, weights, pd.Series(80.0, index=sites.index), max_cost=3000)
        assert cost.index.equals(areas.index)
        assert result.assignment.index.equals(areas.index)
        assert score.index.equals(areas.index)
        assert set(result.selected) <= set(sites.index)
    with pytest.raises(InputError) as refused:
        cost_from_geodataframes(grid.to_crs(4326), sites)
    assert "demand is in a geographic CRS" in str(refused.value)


def test_ids_that_read_the_same_but_differ_in_type_are_named(
    naples: tuple[gpd.GeoDataFrame, Path],
) -> None:
    """Weights joined from a CSV are indexed by the text "100", "101", the cost table by
    the grid's int64 codes: the problem said only "weights lacks some demand ids (ids:
    100, 101, …)", ids the analyst sees on both sides."""
    grid, _ = naples
    cost = cost_from_geodataframes(grid, grid.iloc[::9])
    weights = pd.Series(1.0, index=grid.index.astype(str))
    with unchanged(grid), pytest.raises(InputError) as refused:
        p_median(cost, weights, 2)
    text = str(refused.value)
    assert "weights gives str ids where the cost table has int64 ids" in text, text
    assert 'Fix: give both the same type: weights.index = weights.index.astype("int64")' in text
    with pytest.raises(InputError) as refused:
        p_median(cost, None, 2, required=[str(cost.columns[0])])
    assert 'required=list(pd.Index(required).astype("int64"))' in str(refused.value)
    score = two_step_fca(
        cost, weights.set_axis(grid.index), pd.Series(40.0, index=cost.columns), max_cost=2000
    )
    assert score.index.equals(grid.index)


def test_a_tiny_plan_writes_an_analysts_own_columns_or_refuses_them_before_the_solve(
    city: dict[str, Any], tmp_path: Path
) -> None:
    """The layers' own columns ride along into the plan's files. Dates with a zone,
    nullable Int64/boolean/string and categoricals are written; a duration column
    planned, then failed in write_plan with GDAL's "NotImplementedError: field type is
    not supported timedelta64[us]": it is refused with the inputs."""
    county = "510812"  # the sample's smallest district: 28 areas
    layers = {
        name: city[name][city[name]["district_id"] == county]
        for name in ("areas", "parcels", "facilities", "subdistricts")
    }
    layers["districts"] = city["districts"].loc[[county]]
    rng = np.random.default_rng(12)
    n = len(layers["areas"])
    areas = layers["areas"].assign(
        surveyed=pd.Timestamp("2024-05-01 09:30", tz="Asia/Shanghai"),
        checked=pd.array(rng.choice([True, False, None], n), dtype="boolean"),
        households=pd.array(rng.choice([120, 80, None], n), dtype="Int64"),
        block=pd.Categorical(rng.choice(["east", "west"], n), categories=["east", "west", "x"]),
    )
    scenario = load_scenario(SAMPLE / "scenario.toml")
    scenario = dataclasses.replace(
        scenario, solver=dataclasses.replace(scenario.solver, time_limit_s=20.0)
    )
    waits = areas.assign(wait=pd.to_timedelta(rng.integers(1, 30, n), unit="D"))
    with unchanged(waits), pytest.raises(InputError) as refused:
        prepare_loaded(_inputs(city, **{**layers, "areas": waits}), scenario=scenario)
    assert "timedelta64" in _refusal(refused.value, "(in memory)", "wait")
    with unchanged(areas):
        plan = solve_prepared(
            prepare_loaded(_inputs(city, **{**layers, "areas": areas}), scenario=scenario),
            scenario=scenario,
        )
        out = write_plan(plan, tmp_path / "plan")
    written = gpd.read_file(out / "areas.geojson").set_index("area_id").loc[areas.index]
    assert written["block"].tolist() == areas["block"].astype(str).tolist()
    assert written["checked"].isna().tolist() == areas["checked"].isna().tolist()
    assert (written["households"].fillna(-1) == areas["households"].fillna(-1)).all()


def _tables(district: Any = "510802") -> SitingProblem:
    """Two residential areas, two parcels: one small and one demonstration option each,
    in one district, "510802", that needs a demonstration facility; the sites' district
    given as ``district``."""
    options = [[("small", 45, 1e6, False), ("demo", 150, 4e6, True)]] * 2
    pairs = [(0, 0, 200.0), (1, 0, 200.0), (1, 1, 200.0)]
    plain = make_problem(
        [30.0, 50.0], options, pairs, districts=["510802"] * 2, demo_per_district=1
    )
    return dataclasses.replace(plain, sites=plain.sites.assign(district_id=[district] * 2))


def test_a_siting_problem_from_an_analysts_tables_is_checked_before_the_model() -> None:
    """The README's model without geometry, from four tables. Sites' district_id as int64
    510802 against districts ("510802",) built a model no site could meet the district's
    demonstration facility in (its slack open, without a word); a <NA> affordable was
    "cannot convert float NaN to bool", a NaN required reached HiGHS, a dropped column
    a bare KeyError, and pairs' text ids against an int64 demand index "refer to unknown
    ids (ids: 0, 1)"."""
    assert check_problem(_tables()) == []
    # numbers and flags held as objects (a table put together from pieces) are read
    pieces = _tables().sites.astype({"existing_slots": object, "existing": object})
    assert check_problem(dataclasses.replace(_tables(), sites=pieces)) == []
    assert build_model(_tables()).index.t.stop - build_model(_tables()).index.t.start == 1
    plain = _tables()
    nullable = plain.sites.assign(affordable=pd.array([True, None], dtype="boolean"))
    numbered = plain.demand.set_axis(pd.Index([0, 1], name="demand_id"))
    variations: dict[str, tuple[SitingProblem, str]] = {
        "int64 districts": (_tables(510802), "district_id"),
        "float districts": (_tables(510802.0), "district_id"),
        "<NA> affordable": (dataclasses.replace(plain, sites=nullable), "affordable"),
        "NaN required": (
            dataclasses.replace(plain, demand=plain.demand.assign(required=[30.0, np.nan])),
            "required",
        ),
        "no cost": (dataclasses.replace(plain, options=plain.options.drop(columns="cost")), "cost"),
        "text pair ids, int index": (
            dataclasses.replace(
                plain, demand=numbered, pairs=plain.pairs.assign(demand_id=["0", "1", "1"])
            ),
            "",
        ),
    }
    for label, (problem, column) in variations.items():
        frames = [problem.demand, problem.sites, problem.options, problem.pairs]
        with unchanged(*frames), pytest.raises(InputError) as refused:
            build_model(problem)
        said = str(refused.value.problems[0])
        assert (refused.value.problems[0].column or "") == column, (label, said)
        assert "Fix:" in said, (label, said)
    for label, said in (
        ("int64 districts", "gives int64 ids where SitingProblem.districts has str ids"),
        ("text pair ids, int index", "pairs' demand_id gives str ids where demand.index has int64"),
    ):
        with pytest.raises(InputError, match=re.escape(said)):
            build_model(variations[label][0])


def test_a_siting_problem_s_table_of_another_kind_or_a_missing_room_says_the_fix() -> None:
    """A pairs table given as a Series (``pairs["distance_m"]``) was refused with no fix,
    and a missing max_extra_slots (whose infinity is an unlimited room, allowed) was said
    as "missing, negative or infinite values", with the fix "a finite number"."""
    plain = _tables()
    series = dataclasses.replace(plain, pairs=plain.pairs.set_index(["demand_id", "site_id"]))
    series = dataclasses.replace(series, pairs=series.pairs["distance_m"])
    (problem,) = check_problem(series)
    assert problem.message == "SitingProblem.pairs is a Series, not a DataFrame"
    assert problem.fix == (
        "give a DataFrame with the columns demand_id, site_id, distance_m "
        "(a Series of pairs: pairs.reset_index())"
    )
    room = plain.sites.assign(max_extra_slots=[np.inf, np.nan])
    (problem,) = check_problem(dataclasses.replace(plain, sites=room))
    assert problem.message == (
        "SitingProblem.sites.max_extra_slots has 1 missing or negative values (nan)"
    )
    assert problem.fix == "give every row a number of zero or more (inf for no limit)"


def test_a_site_in_a_district_not_listed_is_told_how_to_list_it() -> None:
    """A site of a neighbouring district ("510811", text like the listed "510802") was told
    'districts are text: sites["district_id"] = sites["district_id"].astype(str)', which
    it was; the fix says to list its district or give the site None, with which the model
    builds (the site counts for no district's demonstration facility)."""
    plain = _tables()
    border = plain.sites.assign(district_id=["510802", "510811"])
    (problem,) = check_problem(dataclasses.replace(plain, sites=border))
    assert "('510811')" in problem.message
    assert problem.fix == (
        "give each site one of SitingProblem.districts, or None for a site that counts for "
        "no district's demonstration facility (one across the border), or add its district "
        "to SitingProblem.districts"
    )
    across = dataclasses.replace(plain, sites=plain.sites.assign(district_id=["510802", None]))
    assert check_problem(across) == []
    model = build_model(across)
    assert model.index.t.stop - model.index.t.start == 1  # one district needs one


def test_a_matrix_of_one_site_with_two_level_demand_ids_stays_a_matrix() -> None:
    """Demand ids of two levels (district, area) after a groupby, and one site: the
    matrix, one column indexed like the demand, was read as a long table of (demand,
    site) pairs once one-column tables were, and refused ("names demand ids that demand
    does not have (ids: D1, D2)"). By hand: S1's 30 slots within 15 of a1 (5) and a2
    (10), 150 people, 0.2 each; a3 at 40 reaches none."""
    ids = pd.MultiIndex.from_tuples(
        [("D1", "a1"), ("D1", "a2"), ("D2", "a3")], names=["district", "area"]
    )
    cost = pd.DataFrame({"S1": [5.0, 10.0, 40.0]}, index=ids)
    demand = pd.Series([100.0, 50.0, 30.0], index=ids)
    score = two_step_fca(cost, demand, pd.Series({"S1": 30.0}), max_cost=15)
    pd.testing.assert_series_equal(
        score, pd.Series([0.2, 0.2, 0.0], index=ids), check_names=False, atol=1e-12
    )


def test_a_long_cost_table_as_an_analyst_holds_it(naples: tuple[gpd.GeoDataFrame, Path]) -> None:
    """The pairs of a cost table as rows (area, site, metres), the form a routing engine
    gives. As a one-column table indexed by the pairs (``pairs[["m"]]``) the access score
    read it as a matrix of one site and said every pair was a demand id the demand lacked;
    with the ids as columns (``reset_index()``) it was NumPy's "could not convert string
    to float: 'S0'", in the access scores and the locate models alike."""
    grid, _ = naples
    sites = grid.iloc[::9].set_axis(pd.Index([f"S{i}" for i in range(len(grid.iloc[::9]))]))
    matrix = cost_from_geodataframes(grid, sites)
    pairs = matrix.rename_axis(index="code", columns="site").stack().rename("m")
    pairs = pairs[pairs <= 3000]
    demand = pd.Series(np.arange(len(grid)) % 7 * 10.0, index=grid.index)
    supply = pd.Series(80.0, index=sites.index)
    expected = two_step_fca(matrix.where(matrix <= 3000), demand, supply, max_cost=3000)
    with unchanged(pairs.to_frame()):
        score = two_step_fca(pairs.to_frame(), demand, supply, max_cost=3000)
    pd.testing.assert_series_equal(score, expected, check_names=False)
    rows = pairs.reset_index()
    for call in (
        lambda: two_step_fca(rows, demand, supply, max_cost=3000),
        lambda: p_median(rows, None, 2),
    ):
        with unchanged(rows), pytest.raises(InputError) as refused:
            call()
        said = str(refused.value)
        assert "cost holds values that are not numbers in columns site ('S0'" in said, said
        assert 'cost.set_index(["code", "site"])["m"]' in said, said


def test_life_circle_measures_of_an_analysts_own_walks_name_mistyped_ids() -> None:
    """Walks from a routing engine with int64 site ids, and the sites and slots given by
    the text ids of a CSV: no walk matched, so no point was covered and no facility
    carried a load, without a word. Hand-solved: p reaches F (1001) at 100 m and G
    (1002) at 600 m; with 30 and 10 slots weighing 1 and 0.5, F carries 10 × 30 / 35."""
    walks = pd.DataFrame(
        {"point_id": ["p", "p", "q"], "site_id": [1001, 1002, 1002], "distance_m": [100.0, 600, 90]}
    )
    bands = ((350.0, 1.0), (700.0, 0.5))
    required = pd.Series({"p": 10.0, "q": 0.0})
    load = facility_load(walks, required, pd.Series({1001: 30.0, 1002: 10.0}), bands=bands)
    assert load.round(4).tolist() == [8.5714, 1.4286]
    covered = coverage(walks, sites=[1001], limits_m=[350], points=pd.Index(["p", "q"]))
    assert covered["350"].tolist() == [True, False]
    with unchanged(walks):
        for call in (
            lambda: facility_load(walks, required, pd.Series({"1001": 30.0}), bands=bands),
            lambda: coverage(walks, sites=["1001"], limits_m=[350], points=pd.Index(["p"])),
        ):
            with pytest.raises(InputError, match="gives str ids where walks' site_id has int64"):
                call()


def test_layers_built_without_a_files_optional_columns_plan_as_a_files_do(
    city: dict[str, Any],
) -> None:
    """Layers built in memory may leave out what a file may: areas without district_id
    failed with KeyError: 'district_id', parcels without land_area_m2 had no land for any
    size (111.7 slots short on county 510812, none with the layers as read), facilities
    without district_id planned a district "(none)". They are given as load_inputs gives
    a file's (district ids from the districts, land measured from the polygons), so the
    plan is the layers-as-read plan, and the caller's frames are left as they were."""
    county = "510812"
    layers = {
        name: city[name][city[name]["district_id"] == county]
        for name in ("areas", "parcels", "facilities", "subdistricts")
    }
    layers["districts"] = city["districts"].loc[[county]]
    scenario = load_scenario(SAMPLE / "scenario.toml")
    scenario = dataclasses.replace(
        scenario, solver=dataclasses.replace(scenario.solver, time_limit_s=20.0)
    )
    given = solve_prepared(prepare_loaded(_inputs(city, **layers), scenario=scenario))
    lean = {
        "areas": layers["areas"].drop(columns=["district_id", "name", "migrant_share"]),
        "parcels": layers["parcels"].drop(columns=["district_id", "land_area_m2", "name"]),
        "facilities": layers["facilities"].drop(columns=["district_id", "affordable"]),
    }
    with unchanged(*lean.values()):
        plan = solve_prepared(
            prepare_loaded(_inputs(city, **{**layers, **lean}), scenario=scenario)
        )
    assert plan.districts.index.tolist() == [county]
    assert plan.run["totals"]["shortfall_slots"] == pytest.approx(
        given.run["totals"]["shortfall_slots"], abs=1e-6
    )
    assert given.run["totals"]["shortfall_slots"] == pytest.approx(0.0, abs=1e-6)
    assert plan.areas["district_id"].eq(county).all()
    assert plan.facilities["district_id"].eq(county).all()


def test_a_bureaus_yes_no_words_in_memory_are_read_as_a_files(city: dict[str, Any]) -> None:
    """A file's 普惠 column of 是/否 is read as yes/no; the same column in a frame built in
    memory (renamed to affordable) was refused ("affordable holds str values ('否', '是'),
    not True/False", with the fix frame["affordable"] == "yes"). It is read alike, with
    the file reader's note; a word it does not know, or a missing value, is still
    refused, and the caller's frames are left as they were."""
    county = "510812"
    layers = {
        name: city[name][city[name]["district_id"] == county]
        for name in ("areas", "parcels", "facilities", "subdistricts")
    }
    layers["districts"] = city["districts"].loc[[county]]
    parcels = layers["parcels"]
    facilities = layers["facilities"]
    words = {
        "parcels": parcels.assign(affordable=parcels["affordable"].map({True: "是", False: "否"})),
        "facilities": facilities.assign(
            affordable=facilities["affordable"].map({True: "yes", False: "No"}),
            demonstration=np.where(facilities["demonstration"], "Y", "n"),
        ),
    }
    scenario = load_scenario(SAMPLE / "scenario.toml")
    with unchanged(*words.values()):
        prepared = prepare_loaded(_inputs(city, **{**layers, **words}), scenario=scenario)
    for name, column in (
        ("parcels", "affordable"),
        ("facilities", "affordable"),
        ("facilities", "demonstration"),
    ):
        read = getattr(prepared.inputs, name)[column]
        assert read.dtype == bool
        assert read.tolist() == layers[name][column].tolist()
    assert "parcels: read affordable 否, 是 as true or false" in prepared.inputs.notes
    for bad in ("maybe", None):
        unknown = words["parcels"].copy()
        unknown.iloc[0, unknown.columns.get_loc("affordable")] = bad
        with pytest.raises(InputError) as refused:
            prepare_loaded(_inputs(city, **{**layers, "parcels": unknown}), scenario=scenario)
        _refusal(refused.value, "(in memory)", "affordable")


def test_parcels_that_no_size_fits_are_a_finding(city: dict[str, Any]) -> None:
    """Candidate parcels given as points without land_area_m2 have no land: the plan
    opened nothing, and the run said only that the demand had no site within walking
    distance (Naples: 150 points, 7,552 slots short at a cost of 0). A finding says that
    none fits any size, how many have no land, and the fix, in Chinese too."""
    from siting.report._labels import labels
    from siting.report._said import said_lines

    county = "510812"
    layers = {
        name: city[name][city[name]["district_id"] == county]
        for name in ("areas", "parcels", "facilities", "subdistricts")
    }
    layers["districts"] = city["districts"].loc[[county]]
    points = layers["parcels"][["kind", "acquisition", "district_id"]].set_geometry(
        layers["parcels"].representative_point()
    )
    scenario = load_scenario(SAMPLE / "scenario.toml")
    plan = solve_prepared(
        prepare_loaded(_inputs(city, **{**layers, "parcels": points}), scenario=scenario)
    )
    assert not plan.facilities.index.isin(points.index).any()  # no parcel could open
    (record,) = [r for r in plan.run["finding_records"] if r["code"] == "no_parcel_fits"]
    assert record["count"] == record["no_land"] == len(points)
    (english,) = [f for f in plan.run["findings"] if f.startswith("none of the")]
    assert f"none of the {len(points)} candidate parcels fits any size option" in english
    chinese, _ = said_lines(
        plan.run, "findings", labels("zh"), language="zh", districts={}, unit="元"
    )
    prefix = f"{len(points)}处候选用地均不能容纳任何规模的托育机构"
    assert any(line.startswith(prefix) for line in chinese), chinese
    # the layers as read: some parcels fit, no finding
    given = solve_prepared(prepare_loaded(_inputs(city, **layers), scenario=scenario))
    assert not [r for r in given.run["finding_records"] if r["code"] == "no_parcel_fits"]


def test_layers_held_in_memory_are_read_as_their_files_are(tmp_path: Path) -> None:
    """An analyst with the layers as GeoDataFrames (a 住建局 list renamed in pandas) had no
    documented way to plan them: ``Inputs`` built by hand, without the readers' renaming,
    typing, repairs and checks. ``load_frames`` reads each frame as its file is read: the
    sample's layers from memory, one with its Chinese column, give the layers read from
    ``city.gpkg``, and the caller's frames are not changed."""
    from siting.inputs import load_frames, load_inputs
    from siting.pipeline import prepare_loaded
    from siting.scenario import load_scenario

    scenario = load_scenario(SAMPLE / "scenario.toml")
    assert scenario.inputs is not None
    names = ("areas", "parcels", "facilities", "districts", "subdistricts", "workplaces")
    frames = {
        name: gpd.read_file(SAMPLE / "city.gpkg", layer=name, engine="pyogrio") for name in names
    }
    frames["areas"] = frames["areas"].rename(columns={"dwellings": "户数"})
    kept = {name: frame.copy() for name, frame in frames.items()}
    spec = dataclasses.replace(scenario.inputs, hazards=None, streets=None, osm=None)
    spec = dataclasses.replace(spec, **{n: getattr(spec, n) for n in names})
    from_files = load_inputs(spec, crs=scenario.crs)
    from_frames = load_frames(
        population=SAMPLE / "population.tif",
        columns={"areas": {"dwellings": "户数"}},
        crs=scenario.crs,
        **frames,
    )
    for name in names:
        a, b = getattr(from_files, name), getattr(from_frames, name)
        assert a.index.tolist() == b.index.tolist(), name
        assert a.columns.tolist() == b.columns.tolist(), name
        pd.testing.assert_frame_equal(pd.DataFrame(a.drop(columns="geometry")),
                                      pd.DataFrame(b.drop(columns="geometry")))  # fmt: skip
        assert a.geometry.geom_equals_exact(b.geometry, tolerance=1e-6).all(), name
        assert frames[name].equals(kept[name]), name  # the caller's frame is kept
    prepared = prepare_loaded(from_frames, scenario=dataclasses.replace(scenario, inputs=None))
    assert len(prepared.items) == len(prepare_loaded(from_files, scenario=scenario).items)
    with pytest.raises(InputError, match="load_frames has no layer 'area'"):
        load_frames(population=SAMPLE / "population.tif", areas=frames["areas"],
                    parcels=frames["parcels"], area=frames["areas"])  # fmt: skip


def test_load_frames_reads_a_dataframe_as_a_table_by_coordinates_or_address() -> None:
    """An analyst's ``pd.read_excel`` of a register is a DataFrame without geometry:
    ``load_frames`` reads it as its workbook would be read. The sample's facilities as
    a table of 经度/纬度 in CGCS2000 give the points of ``city.gpkg`` (to 1e-6 m), and as a
    register of 地址 naming each one's 小区 (F01 at the first area, F02 at the second …),
    the areas' points; a 合计 row is left out; a row with neither is named by its index."""
    from siting.inputs import load_frames

    scenario = load_scenario(SAMPLE / "scenario.toml")
    layers = {
        n: gpd.read_file(SAMPLE / "city.gpkg", layer=n) for n in ("areas", "parcels", "facilities")
    }
    given = layers["facilities"]
    lonlat = given.to_crs("EPSG:4490")
    table = (
        pd.DataFrame(given.drop(columns="geometry"))
        .assign(经度=lonlat.geometry.x, 纬度=lonlat.geometry.y)
        .astype(object)  # as pd.read_excel gives a column with a 合计 row's blanks
    )
    table.loc[len(table)] = {"facility_id": "合计", "slots": given["slots"].sum()}
    kept = table.copy()
    base = {"population": SAMPLE / "population.tif", "crs": scenario.crs}
    inputs = load_frames(
        areas=layers["areas"], parcels=layers["parcels"], facilities=table,
        layer_crs={"facilities": "EPSG:4490"}, **base,
    )  # fmt: skip
    read = inputs.facilities
    assert read.index.tolist() == given["facility_id"].tolist()  # 合计 left out
    expected = given.set_index("facility_id").to_crs(read.crs).geometry
    assert read.geometry.distance(expected).max() < 1e-6
    assert read["slots"].tolist() == given["slots"].tolist()
    assert table.equals(kept)  # the caller's table is kept
    # without its CRS, the fix names this function's keyword, not a scenario's key
    with pytest.raises(InputError) as no_crs:
        load_frames(areas=layers["areas"], parcels=layers["parcels"], facilities=table, **base)
    assert 'coordinates, give load_frames layer_crs={"facilities": "EPSG:4490"};' in str(
        no_crs.value
    )
    # a register of addresses: each facility in the 小区 of the same position
    areas = layers["areas"].set_index("area_id")
    register = pd.DataFrame(
        {
            "机构名称": given["facility_id"],
            "地址": [f"广元市利州区{n}" for n in areas["name"].iloc[: len(given)]],
            "托位数": given["slots"],
        }
    )
    register.loc[10] = ["无址托育园", None, 40]  # neither coordinates nor an address
    with pytest.raises(InputError) as refused:
        load_frames(
            areas=layers["areas"], parcels=layers["parcels"], facilities=register,
            columns={"facilities": {"facility_id": "机构名称", "slots": "托位数"}},
            address={"facilities": "地址"}, **base,
        )  # fmt: skip
    problem = str(refused.value)
    assert "facilities (a DataFrame)" in problem and "index 10" in problem, problem
    placed = load_frames(
        areas=layers["areas"], parcels=layers["parcels"], facilities=register.drop(index=10),
        columns={"facilities": {"facility_id": "机构名称", "slots": "托位数"}},
        address={"facilities": "地址"}, **base,
    ).facilities  # fmt: skip
    inside = areas.to_crs(placed.crs).geometry.iloc[: len(given)].to_numpy()
    assert placed.index.tolist() == given["facility_id"].tolist()
    assert shapely.within(placed.geometry.to_numpy(), inside).all()
    with pytest.raises(InputError, match="address or layer_crs names 'workplaces'"):
        load_frames(areas=layers["areas"], parcels=layers["parcels"],
                    address={"workplaces": "地址"}, **base)  # fmt: skip


def test_a_frame_picked_on_gaode_is_moved_back_by_load_frames_datum_shift() -> None:
    """A layer in GCJ-02 given to load_frames was found ("fits the population raster far
    better moved from GCJ-02") with a fix no frame can take (``datum_shift = "gcj02"`` under
    ``[inputs.areas]``), and stayed 439 m off: the sample's areas held 220,330 people, not
    314,588. ``datum_shift={"areas": "gcj02"}`` moves the frame back (the sample's areas
    to within a millimetre of their own outlines), the finding names that argument, and
    an unknown word is refused by name."""
    from siting.gcj02 import geometry_to_gcj02
    from siting.inputs import load_frames

    frames = {n: gpd.read_file(SAMPLE / "city.gpkg", layer=n) for n in ("areas", "parcels")}
    true = load_frames(population=SAMPLE / "population.tif", crs=GK, **frames)
    gaode = frames["areas"].to_crs("EPSG:4326")
    gaode = gaode.set_geometry(geometry_to_gcj02(gaode.geometry))
    given = {"population": SAMPLE / "population.tif", "parcels": frames["parcels"], "crs": GK}
    off = load_frames(areas=gaode, **given)
    fixes = [f for f in off.findings if "GCJ-02" in f]
    assert len(fixes) == 1
    assert 'load_frames(..., datum_shift={"areas": "gcj02"})' in fixes[0]
    assert "[inputs.areas]" not in fixes[0]
    moved = load_frames(areas=gaode, datum_shift={"areas": "gcj02"}, **given)
    assert not [f for f in moved.findings if "GCJ-02" in f]
    gaps = moved.areas.geometry.hausdorff_distance(true.areas.geometry, align=True)
    assert float(gaps.max()) < 1e-3
    with pytest.raises(InputError, match=r"datum_shift=\{'areas': 'gcj2'\}"):
        load_frames(areas=gaode, datum_shift={"areas": "gcj2"}, **given)


def test_a_layer_crs_pyproj_does_not_know_is_a_problem_naming_the_layer() -> None:
    """``layer_crs={"facilities": "EPSG:4490x"}`` (a typo) raised pyproj's own CRSError
    from inside load_frames, naming neither the keyword nor the layer."""
    from siting.inputs import load_frames

    layers = {n: gpd.read_file(SAMPLE / "city.gpkg", layer=n) for n in ("areas", "parcels")}
    table = pd.DataFrame({"facility_id": ["F1"], "slots": [30], "经度": [105.84], "纬度": [32.43]})
    with pytest.raises(InputError) as caught:
        load_frames(
            population=SAMPLE / "population.tif", areas=layers["areas"], parcels=layers["parcels"],
            facilities=table, layer_crs={"facilities": "EPSG:4490x"},
        )  # fmt: skip
    (problem,) = caught.value.problems
    assert (problem.file, problem.layer) == ("facilities (a DataFrame)", "facilities")
    assert problem.message.startswith(
        "load_frames's layer_crs gives facilities the CRS 'EPSG:4490x', which pyproj does not know"
    )
    assert problem.fix == (
        'give an EPSG code, such as layer_crs={"facilities": "EPSG:4490"} for CGCS2000 '
        "longitudes and latitudes"
    )


def test_a_frames_named_index_is_its_column_as_in_its_file() -> None:
    """An analyst's ``pd.read_excel(..., index_col="facility_id")`` or ``set_index``:
    the table raised a bare ValueError (invalid literal for int() with base 10: 'F01',
    from the hidden rows' check), and the areas with ``area_id`` as their index were
    refused, 'required column area_id is missing'. The named index is read as the column
    it was in the file: the sample's ten facilities and 182 areas by their ids."""
    from siting.inputs import load_frames

    layers = {
        n: gpd.read_file(SAMPLE / "city.gpkg", layer=n) for n in ("areas", "parcels", "facilities")
    }
    given = layers["facilities"]
    lonlat = given.to_crs("EPSG:4490")
    table = pd.DataFrame(given.drop(columns="geometry")).assign(
        经度=lonlat.geometry.x, 纬度=lonlat.geometry.y
    )
    inputs = load_frames(
        population=SAMPLE / "population.tif", areas=layers["areas"].set_index("area_id"),
        parcels=layers["parcels"], facilities=table.set_index("facility_id"),
        layer_crs={"facilities": "EPSG:4490"}, crs="EPSG:4544",
    )  # fmt: skip
    assert inputs.facilities.index.tolist() == [f"F{i:02d}" for i in range(1, 11)]
    assert inputs.facilities["slots"].tolist() == given["slots"].tolist()
    assert inputs.areas.index.tolist() == layers["areas"]["area_id"].tolist()
    assert len(inputs.areas) == 182


def test_an_18_digit_code_pandas_read_as_an_int_is_refused() -> None:
    """``pd.read_excel`` of 统一社会信用代码 typed into Excel as numbers makes each an
    ``int``: 125108004500000011 and …12 are both 125108004500000000 (Excel kept 15
    digits). A workbook's float is refused as a code that lost digits, but pandas' int
    was read as the id, two facilities 'sharing' it with a fix that cannot be followed.
    A 12-digit int is whole."""
    from siting.inputs import load_frames

    layers = {n: gpd.read_file(SAMPLE / "city.gpkg", layer=n) for n in ("areas", "parcels")}
    register = pd.DataFrame(  # as pd.read_excel gives the sheet: int64 columns
        {
            "备案编号": [125108004500000000, 510802003001, 125108004500000000],
            "托位数": [30, 30, 30],
            "经度": [105.84, 105.85, 105.86],
            "纬度": [32.43, 32.43, 32.43],
        }
    )
    base = {
        "population": SAMPLE / "population.tif", "areas": layers["areas"],
        "parcels": layers["parcels"], "layer_crs": {"facilities": "EPSG:4490"},
        "columns": {"facilities": {"facility_id": "备案编号", "slots": "托位数"}},
    }  # fmt: skip
    with pytest.raises(InputError) as caught:
        load_frames(facilities=register, **base)
    (problem,) = caught.value.problems
    assert problem.ids == ("index 0", "index 2")
    assert problem.message == (
        "2 features have a facility_id that lost its last digits (found: '125108004500000000')"
    )
    assert problem.fix is not None and problem.fix.startswith("Excel keeps 15 digits")
    kept = load_frames(facilities=register.iloc[[1]], **base).facilities
    assert kept.index.tolist() == ["510802003001"]


def test_a_dataframe_holding_geometries_is_read_as_its_geodataframe() -> None:
    """``pd.DataFrame(gdf)`` or ``df.merge(gdf)`` leaves a DataFrame whose column holds
    the geometries: it was read as a table 'with no coordinate columns', whose fix (x and
    y under [inputs.facilities]) does not apply. Its geometry column is read, in the CRS
    the column keeps (the sample's points, to 1e-6 m), or in layer_crs's for plain
    shapely objects."""
    from siting.inputs import load_frames

    layers = {
        n: gpd.read_file(SAMPLE / "city.gpkg", layer=n) for n in ("areas", "parcels", "facilities")
    }
    given = layers["facilities"]
    base = {
        "population": SAMPLE / "population.tif", "areas": layers["areas"],
        "parcels": layers["parcels"], "crs": "EPSG:4544",
    }  # fmt: skip
    read = load_frames(facilities=pd.DataFrame(given), **base).facilities
    expected = given.set_index("facility_id").to_crs("EPSG:4544").geometry
    assert read.index.tolist() == expected.index.tolist()
    assert read.geometry.distance(expected).max() < 1e-6
    plain = pd.DataFrame(given.drop(columns="geometry")).assign(
        geometry=list(given.geometry.to_numpy())
    )
    read = load_frames(facilities=plain, layer_crs={"facilities": given.crs}, **base).facilities
    assert read.geometry.distance(expected).max() < 1e-6


def test_a_frames_crs_fix_names_load_frames_datum_shift() -> None:
    """A table's coordinates without a CRS: the fix said to 'add datum_shift = "gcj02"'
    for 高德's, a scenario key; it names load_frames' own datum_shift."""
    from siting.inputs import load_frames

    layers = {n: gpd.read_file(SAMPLE / "city.gpkg", layer=n) for n in ("areas", "parcels")}
    table = pd.DataFrame({"facility_id": ["F1"], "slots": [30], "经度": [105.84], "纬度": [32.43]})
    with pytest.raises(InputError) as caught:
        load_frames(
            population=SAMPLE / "population.tif", areas=layers["areas"],
            parcels=layers["parcels"], facilities=table,
        )  # fmt: skip
    (problem,) = caught.value.problems
    assert problem.fix is not None and "datum_shift =" not in problem.fix
    assert problem.fix.endswith(
        'for those give load_frames datum_shift={"facilities": "gcj02"} (or "bd09") as well'
    )


def test_load_frames_notes_name_its_keywords_not_the_scenario() -> None:
    """The CRS a frame took from layer_crs, and the working CRS from crs=, were noted as
    'from the scenario', which load_frames has none of."""
    from siting.inputs import load_frames

    layers = {n: gpd.read_file(SAMPLE / "city.gpkg", layer=n) for n in ("areas", "parcels")}
    table = pd.DataFrame({"facility_id": ["F1"], "slots": [30], "经度": [105.84], "纬度": [32.43]})
    notes = load_frames(
        population=SAMPLE / "population.tif", areas=layers["areas"], parcels=layers["parcels"],
        facilities=table, layer_crs={"facilities": "EPSG:4490"}, crs="EPSG:4544",
    ).notes  # fmt: skip
    assert "facilities: the frame has no CRS; assumed EPSG:4490 from load_frames's layer_crs" in (
        notes
    )
    (working,) = [n for n in notes if n.startswith("working CRS: ")]
    assert working.endswith(") from load_frames's crs") and working.code == "crs_from_scenario"
    assert not any("from the scenario" in n for n in notes)


def test_a_where_compares_a_tables_numbers_as_numbers(tmp_path: Path) -> None:
    """A frame's int column (and a workbook's numbers) were text to ``where``: '托位数 >
    35' was refused, 'it compares a column with a value of another type', though a
    GeoDataFrame's numbers compare as numbers. F2 (40) and F3 (50) are kept."""
    import openpyxl

    from siting.inputs import load_frames, read_layer
    from siting.scenario import LayerSpec

    layers = {n: gpd.read_file(SAMPLE / "city.gpkg", layer=n) for n in ("areas", "parcels")}
    table = pd.DataFrame(
        {"备案编号": ["F1", "F2", "F3"], "托位数": [30, 40, 50], "经度": [105.84, 105.85, 105.86],
         "纬度": [32.43, 32.43, 32.43]}
    )  # fmt: skip
    columns = {"facility_id": "备案编号", "slots": "托位数"}
    read = load_frames(
        population=SAMPLE / "population.tif", areas=layers["areas"], parcels=layers["parcels"],
        facilities=table, layer_crs={"facilities": "EPSG:4490"}, crs="EPSG:4544",
        columns={"facilities": columns}, where={"facilities": "托位数 > 35"},
    ).facilities  # fmt: skip
    assert read.index.tolist() == ["F2", "F3"] and read["slots"].tolist() == [40, 50]
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in [list(table.columns), *table.itertuples(index=False)]:
        sheet.append(list(row))
    book.save(tmp_path / "f.xlsx")
    spec = LayerSpec(
        path=tmp_path / "f.xlsx", crs="EPSG:4490", columns=columns, where="托位数 > 35"
    )
    assert read_layer(spec, name="facilities").index.tolist() == ["F2", "F3"]
