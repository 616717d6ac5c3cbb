"""A layer on GCJ-02 or BD-09 that nothing declares, found by how it fits the other layers
(siting.inputs._fit): points a bureau geocoded on Gaode, labelled CGCS2000."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely

from siting.gcj02 import TO_WGS84, geometry_to_gcj02, wgs84_to_bd09, wgs84_to_gcj02
from siting.inputs import load_inputs
from siting.inputs._fit import (
    MIN_FEATURES,
    _offsets_m,
    _transformers,
    layer_fits,
    web_fit_findings,
)
from siting.report._labels import labels
from siting.report._said import said_lines
from siting.scenario import DatumShift, LayerSpec, load_scenario
from tests._raster import write_raster

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
GK = pyproj.CRS("EPSG:4544")
TO_GK = pyproj.Transformer.from_crs("EPSG:4490", GK, always_xy=True)
TO_LONLAT = pyproj.Transformer.from_crs(GK, "EPSG:4490", always_xy=True)
CENTRE = TO_GK.transform(105.843, 32.435)  # Guangyuan's city government


def _rectangles(n: int, seed: int) -> np.ndarray:
    """``n`` disjoint axis-aligned rectangles (west, south, east, north) of 60-200 m
    scattered over a 4 km square about Guangyuan's centre, metres in EPSG:4544."""
    rng = np.random.default_rng(seed)
    boxes: list[tuple[float, float, float, float]] = []
    while len(boxes) < n:
        w, h = rng.uniform(60, 200, 2)
        x, y = CENTRE[0] + rng.uniform(-2000, 2000), CENTRE[1] + rng.uniform(-2000, 2000)
        box = (x, y, x + w, y + h)
        if all(box[2] < b[0] or b[2] < box[0] or box[3] < b[1] or b[3] < box[1] for b in boxes):
            boxes.append(box)
    return np.array(boxes)


def _inside(x: np.ndarray, y: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """Whether each point lies in one of the rectangles, by comparison alone."""
    return (
        (x[:, None] >= boxes[:, 0])
        & (x[:, None] <= boxes[:, 2])
        & (y[:, None] >= boxes[:, 1])
        & (y[:, None] <= boxes[:, 3])
    ).any(axis=1)


BOXES = _rectangles(60, seed=7)
AREAS = gpd.GeoDataFrame(
    {"area_id": [f"A{i:02d}" for i in range(len(BOXES))]},
    geometry=[shapely.box(*b) for b in BOXES],
    crs=GK,
).set_index("area_id")
# a facility 10 m inside the south-west corner of each of the first 20 areas
TRUE_X, TRUE_Y = BOXES[:20, 0] + 10.0, BOXES[:20, 1] + 10.0


def _handed_over(datum: str | None) -> gpd.GeoDataFrame:
    """The facilities as a bureau hands them over: longitudes and latitudes labelled
    CGCS2000, true (``None``) or as Gaode's or Baidu's geocoder gives them; in EPSG:4544."""
    lon, lat = TO_LONLAT.transform(TRUE_X, TRUE_Y)
    if datum is not None:
        lon, lat = {"gcj02": wgs84_to_gcj02, "bd09": wgs84_to_bd09}[datum](lon, lat)
    return gpd.GeoDataFrame(
        {"facility_id": [f"F{i:02d}" for i in range(len(TRUE_X))]},
        geometry=gpd.points_from_xy(*TO_GK.transform(lon, lat)),
        crs=GK,
    ).set_index("facility_id")


@pytest.mark.parametrize("datum", ["gcj02", "bd09"])
def test_points_geocoded_on_a_web_map_fit_the_areas_moved_back(datum: str) -> None:
    """20 facilities 10 m inside the corner of 20 of 60 scattered areas, handed over in
    GCJ-02 (or BD-09): as given only those that land in some area by chance lie in one
    (counted here by comparing coordinates with the rectangles), moved back all 20."""
    facilities = _handed_over(datum)
    given = _inside(facilities.geometry.x.to_numpy(), facilities.geometry.y.to_numpy(), BOXES)
    (finding,) = web_fit_findings(
        {"areas": AREAS, "facilities": facilities}, {"facilities": "EPSG:4490"}, GK
    )
    assert finding.code == "web_datum_fit"
    values = finding.values
    said = (values["shift"], values["reference"], values["measure"])
    assert said == (datum, "areas", "points_in")
    assert (values["raw"], values["moved"], values["features"]) == (int(given.sum()), 20, 20)
    assert int(given.sum()) <= 3
    assert values["rank_share"] <= 1e-3
    assert f'add datum_shift = "{datum}" under [inputs.facilities]' in finding
    assert f"{int(given.sum())} of its 20 points lie in the areas as given, 20 moved" in finding
    run = {"findings": [str(finding)], "finding_records": [finding.record()]}
    (zh,), english = said_lines(
        run, "findings", labels("zh"), language="zh", districts={}, unit="元"
    )
    assert english == []
    assert zh.startswith("现有托育机构（facilities）疑似取自国内网络地图、为")
    assert f"20个点中原有{int(given.sum())}个位于居住区（areas）内，平移后20个" in zh
    assert f'[inputs.facilities] 下加 datum_shift = "{datum}"' in zh
    radius = values["radius_m"]  # twice BD-09's offset, ~1,050 m in Guangyuan
    assert 2000 <= radius <= 2200 and f"of every other offset up to {radius:,} m" in finding


def test_true_points_and_too_few_points_are_no_finding() -> None:
    """The same facilities on their true coordinates fit best as given: moved by either
    datum's inverse only the areas they land in by chance hold them. Nine points are too
    few to say anything, and a reference without polygons nothing."""
    facilities = _handed_over(None)
    fits = layer_fits("facilities", facilities, {"areas": AREAS}, GK)
    assert {(f.shift, f.fires) for f in fits} == {("gcj02", False), ("bd09", False)}
    assert all(f.rank_share > 0.05 for f in fits)
    layers = {"areas": AREAS, "facilities": facilities}
    assert web_fit_findings(layers, {"facilities": "EPSG:4490"}, GK) == []
    few = _handed_over("gcj02").iloc[: MIN_FEATURES - 1]
    assert layer_fits("facilities", few, {"areas": AREAS}, GK) == []
    # a reference with no polygon on the grid says nothing (its field is flat)
    assert layer_fits("facilities", _handed_over("gcj02"), {"areas": AREAS.iloc[:0]}, GK) == []


def test_the_samples_facilities_from_gaode_are_a_finding_and_with_the_key_none(
    tmp_path: Path,
) -> None:
    """The sweep's c24b: the sample's 10 facilities picked on Gaode, labelled EPSG:4490.
    5 of them land in a residential area as given (the other 5 lie 32-265 m outside one),
    all 10 moved back; the sample's own layers, and the key, say nothing."""
    scenario = load_scenario(SAMPLE / "scenario.toml")
    assert scenario.inputs is not None
    f = gpd.read_file(SAMPLE / "city.gpkg", layer="facilities")
    lon, lat = wgs84_to_gcj02(f.geometry.x.to_numpy(), f.geometry.y.to_numpy())
    f = f.set_geometry(gpd.points_from_xy(lon, lat, crs="EPSG:4490"))
    path = tmp_path / "facilities.gpkg"
    f.to_file(path, layer="facilities")
    layer = LayerSpec(path=path)
    spec = replace(scenario.inputs, streets=None, facilities=layer)
    (finding,) = load_inputs(spec, crs=GK).findings
    assert finding.code == "web_datum_fit"
    assert (finding.values["raw"], finding.values["moved"]) == (5, 10)
    shifted = replace(layer, datum_shift=DatumShift(web_map="gcj02"))
    assert load_inputs(replace(spec, facilities=shifted), crs=GK).findings == ()
    # the sample's own layers give none (test_webdatum's DataV test loads them)


def test_areas_traced_on_gaode_hold_the_rasters_people_moved_back(tmp_path: Path) -> None:
    """30 areas of one or four 100 m cells, each cell of them holding 500 people on a
    raster of nobody else: traced on Gaode (GCJ-02), they hold what shapely's
    intersections with the cells give (computed here cell by cell), moved back all
    their 500 × cells; on their true coordinates nothing is found."""
    rng = np.random.default_rng(3)
    x0, y0 = round(CENTRE[0]) - 3000, round(CENTRE[1]) + 3000
    people = np.zeros((60, 60))
    squares = []
    while len(squares) < 30:
        r, c = (int(v) for v in rng.integers(2, 56, 2))
        size = int(rng.integers(1, 3))
        if people[r - 1 : r + size + 1, c - 1 : c + size + 1].any():
            continue
        people[r : r + size, c : c + size] = 500.0
        squares.append(
            shapely.box(x0 + 100 * c, y0 - 100 * (r + size), x0 + 100 * (c + size), y0 - 100 * r)
        )
    raster = write_raster(tmp_path / "people.tif", people, crs=GK, x0=x0, y0=y0, nodata=None)
    true = gpd.GeoDataFrame(geometry=squares, crs=GK)
    traced = geometry_to_gcj02(true).set_crs("EPSG:4490", allow_override=True).to_crs(GK)
    cells = [
        (shapely.box(x0 + 100 * c, y0 - 100 * (r + 1), x0 + 100 * (c + 1), y0 - 100 * r), v)
        for (r, c), v in np.ndenumerate(people)
        if v
    ]
    held = sum(g.intersection(cell).area / 10_000 * v for g in traced.geometry for cell, v in cells)
    source = (raster, GK)
    (finding,) = web_fit_findings({"areas": traced}, {"areas": "EPSG:4490"}, GK, raster=source)
    values = finding.values
    assert (values["shift"], values["reference"], values["measure"]) == (
        "gcj02",
        "population",
        "people_held",
    )
    assert values["raw"] == pytest.approx(held, rel=1e-6)
    assert values["moved"] == pytest.approx(people.sum(), rel=1e-6)
    assert held < 0.5 * people.sum()
    assert web_fit_findings({"areas": true}, {"areas": "EPSG:4490"}, GK, raster=source) == []


def test_a_point_without_coordinates_does_not_hide_the_rest() -> None:
    """One facility at (NaN, NaN) beside the 20 handed over in GCJ-02: the others are
    still a finding. The layer's median point was NaN, so no feature lay in the window
    and the layer was never measured."""
    facilities = _handed_over("gcj02")
    facilities.loc["F99", "geometry"] = shapely.Point(np.nan, np.nan)
    (finding,) = web_fit_findings(
        {"areas": AREAS, "facilities": facilities}, {"facilities": "EPSG:4490"}, GK
    )
    assert (finding.values["moved"], finding.values["features"]) == (20, 20)


def test_one_layer_that_cannot_be_measured_leaves_the_others_checked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The layers are measured together; one failure (here the parcels') dropped every
    layer's check, the facilities' handed over in GCJ-02 among them."""
    from siting.inputs import _fit

    measure = _fit.layers_fits

    def failing_on_parcels(measured: Any, *args: Any, **kwargs: Any) -> Any:
        if "parcels" in measured:
            raise ValueError("a parcel that cannot be drawn")
        return measure(measured, *args, **kwargs)

    monkeypatch.setattr(_fit, "layers_fits", failing_on_parcels)
    parcels = AREAS.iloc[40:52].rename_axis("site_id")  # none holds a facility
    (finding,) = web_fit_findings(
        {"areas": AREAS, "facilities": _handed_over("gcj02"), "parcels": parcels},
        {"facilities": "EPSG:4490", "parcels": "EPSG:4490"},
        GK,
    )
    assert finding.values["layer"] == "facilities" and finding.values["moved"] == 20


@pytest.mark.parametrize("work", ["EPSG:4544", "EPSG:2383"])  # CGCS2000 and Xian 1980 GK
def test_the_web_datums_move_is_taken_without_a_datum_change_to_wgs84(work: str) -> None:
    crs = pyproj.CRS(work)
    points = gpd.GeoDataFrame(geometry=[shapely.Point(496_000, 3_592_000)], crs=crs)
    _transformers.cache_clear()
    moves = _offsets_m(points, crs)
    # the same move through EPSG:4326, each datum's inverse from siting.gcj02
    to_wgs = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    back = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    lon, lat = to_wgs.transform(496_000, 3_592_000)
    assert moves is not None and set(moves) == set(TO_WGS84)
    for key, inverse in TO_WGS84.items():
        x, y = back.transform(*inverse(lon, lat))
        assert moves[key] == pytest.approx((x - 496_000, y - 3_592_000), abs=0.01)
    # the projection's own longitudes and latitudes: no look-up of a datum change in
    # PROJ's database (0.09 s each way, in every load_inputs with a layer in degrees)
    assert _transformers(crs)[0].target_crs.datum == crs.datum
