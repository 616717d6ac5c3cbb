"""A layer on Xian 1980 or Beijing 1954 moved to CGCS2000 by ``datum_shift``
(siting.inputs._datum), checked against hand-computed offsets and pyproj's +towgs84."""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely.affinity
from _raster import write_raster
from shapely.geometry import Point, box

from siting.cli import main
from siting.errors import InputError
from siting.inputs import load_inputs, read_layer
from siting.report._labels import labels
from siting.report._said import said_lines
from siting.scenario import DatumShift, LayerSpec, load_scenario

GK = "EPSG:4544"  # CGCS2000 3° Gauss–Krüger CM 105E
BEIJING54 = "EPSG:2432"  # Beijing 1954 3° Gauss–Krüger CM 105E (Krassowsky 1940)
XIAN80 = "EPSG:2380"  # Xian 1980 3° Gauss–Krüger CM 105E (IAG 1975)
X0, Y0 = 579_000.0, 3_590_000.0  # central Guangyuan
SHIFT = (15.8, -154.4, -82.3, 1.2, -0.8, 2.5, 3.1)


def parcels(tmp_path: Path, crs: str) -> Path:
    frame = gpd.GeoDataFrame(
        {
            "site_id": ["P1", "P2"],
            "kind": ["idle_land", "idle_land"],
            "acquisition": ["new_build", "new_build"],
            "cost": [1_000_000.0, 1_000_000.0],
        },
        geometry=[Point(X0, Y0), Point(X0 + 3000.0, Y0 + 2000.0)],
        crs=crs,
    )
    path = tmp_path / "p.gpkg"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame.to_file(path, engine="pyogrio")
    return path


def read(tmp_path: Path, shift: DatumShift | None, crs: str = BEIJING54) -> gpd.GeoDataFrame:
    spec = LayerSpec(path=parcels(tmp_path, crs), datum_shift=shift)
    return read_layer(spec, name="parcels", crs=GK)


def lonlat(frame: gpd.GeoDataFrame) -> np.ndarray:
    xy = frame.to_crs("EPSG:4490").get_coordinates().to_numpy()
    return xy


def test_a_translation_moves_the_layer_by_its_metres(tmp_path: Path) -> None:
    """60 m along the local east and 80 m along the local north, as a geocentric
    translation at P1: P1 moves 100 m at azimuth atan2(60, 80) = 36.87° from where the
    zero shift (the ellipsoids' change alone) puts it."""
    zero = lonlat(read(tmp_path, DatumShift(towgs84=(0.0, 0.0, 0.0))))
    lon, lat = np.radians(
        pyproj.Transformer.from_crs(BEIJING54, "EPSG:4214", always_xy=True).transform(X0, Y0)
    )
    east = np.array([-math.sin(lon), math.cos(lon), 0.0])
    north = np.array(
        [-math.sin(lat) * math.cos(lon), -math.sin(lat) * math.sin(lon), math.cos(lat)]
    )
    translation = tuple(float(v) for v in 60.0 * east + 80.0 * north)
    moved = lonlat(read(tmp_path, DatumShift(towgs84=translation)))
    azimuth, _, metres = pyproj.Geod(ellps="GRS80").inv(
        zero[0, 0], zero[0, 1], moved[0, 0], moved[0, 1]
    )
    assert metres == pytest.approx(100.0, abs=0.01)
    assert azimuth == pytest.approx(math.degrees(math.atan2(60.0, 80.0)), abs=0.01)
    # the zero shift is the ellipsoids' change, as pyproj's own +towgs84=0,0,0 makes it
    plain = pyproj.Transformer.from_crs(
        pyproj.CRS(
            "+proj=tmerc +lat_0=0 +lon_0=105 +k=1 +x_0=500000 +y_0=0 +ellps=krass +units=m "
            "+towgs84=0,0,0"
        ),
        pyproj.CRS("+proj=longlat +ellps=GRS80 +towgs84=0,0,0"),
        always_xy=True,
    )
    assert zero[0] == pytest.approx(plain.transform(X0, Y0), abs=1e-8)


def towgs84_reference(params: tuple[float, ...], x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """pyproj's own +towgs84 (position vector) from Beijing 1954 GK to CGCS2000 GK."""
    source = pyproj.CRS(
        "+proj=tmerc +lat_0=0 +lon_0=105 +k=1 +x_0=500000 +y_0=0 +ellps=krass +units=m "
        f"+towgs84={','.join(str(v) for v in params)}"
    )
    target = pyproj.CRS(
        "+proj=tmerc +lat_0=0 +lon_0=105 +k=1 +x_0=500000 +y_0=0 +ellps=GRS80 +units=m "
        "+towgs84=0,0,0,0,0,0,0"
    )
    out = pyproj.Transformer.from_crs(source, target, always_xy=True).transform(x, y)
    return np.column_stack(out)


def test_seven_parameters_agree_with_pyprojs_towgs84(tmp_path: Path) -> None:
    """With rotations and a scale, by both conventions: ArcGIS's Coordinate Frame gives the
    rotations the other sign."""
    x, y = np.array([X0, X0 + 3000.0]), np.array([Y0, Y0 + 2000.0])
    expected = towgs84_reference(SHIFT, x, y)
    got = read(tmp_path, DatumShift(towgs84=SHIFT)).get_coordinates().to_numpy()
    assert got == pytest.approx(expected, abs=0.001)
    frame = (*SHIFT[:3], *(-r for r in SHIFT[3:6]), SHIFT[6])
    got = read(tmp_path, DatumShift(towgs84=frame, rotation="coordinate_frame"))
    assert got.get_coordinates().to_numpy() == pytest.approx(expected, abs=0.001)
    # the rotations matter: without them the points are metres away
    assert np.abs(towgs84_reference(SHIFT[:3], x, y) - expected).max() > 10.0


def test_a_pipeline_moves_the_layer_as_its_parameters_do(tmp_path: Path) -> None:
    pipeline = (
        "+proj=pipeline +step +inv +proj=tmerc +lon_0=105 +x_0=500000 +ellps=krass "
        "+step +proj=cart +ellps=krass "
        "+step +proj=helmert +x=15.8 +y=-154.4 +z=-82.3 +rx=1.2 +ry=-0.8 +rz=2.5 +s=3.1 "
        "+convention=position_vector +step +inv +proj=cart +ellps=GRS80"  # radians: pyproj
        # gives degrees
    )
    got = read(tmp_path, DatumShift(pipeline=pipeline)).get_coordinates().to_numpy()
    expected = towgs84_reference(SHIFT, np.array([X0, X0 + 3000.0]), np.array([Y0, Y0 + 2000.0]))
    assert got == pytest.approx(expected, abs=0.001)


@pytest.mark.parametrize(
    ("shift", "crs", "said"),
    [
        (DatumShift(towgs84=SHIFT[:6]), BEIJING54, "has 6 numbers in towgs84, not seven"),
        (DatumShift(), BEIJING54, "gives neither towgs84 nor pipeline"),
        (DatumShift(towgs84=SHIFT, pipeline="+proj=noop"), BEIJING54, "gives both"),
        (DatumShift(towgs84=(15.8, -1544.0, -82.3)), BEIJING54, "translations of -1544"),
        (DatumShift(towgs84=(*SHIFT[:3], 1.2, 80.0, 2.5, 3.1)), BEIJING54, "rotations of 80"),
        (DatumShift(towgs84=(*SHIFT[:6], 3100.0)), BEIJING54, "scale difference of 3100"),
        (DatumShift(towgs84=SHIFT, rotation="frame"), BEIJING54, "rotation = 'frame'"),
        (DatumShift(pipeline="+proj=pipeline +step +proj=nonsense"), BEIJING54, "PROJ does not"),
        # rotations 20× too big (a unit slip): the layer lands 1.8 km away
        (DatumShift(towgs84=(*SHIFT[:3], 24.0, -16.0, 50.0, 3.1)), BEIJING54, "moves it 1,796 m"),
        # a pipeline ending in metres, not degrees
        (DatumShift(pipeline="+proj=noop"), BEIJING54, "takes it to (580500.0, 3591000.0)"),
        (DatumShift(towgs84=SHIFT), GK, "is on China 2000 already"),
    ],
)
def test_a_shift_that_cannot_be_right_is_a_problem_naming_the_key(
    tmp_path: Path, shift: DatumShift, crs: str, said: str
) -> None:
    with pytest.raises(InputError) as caught:
        read(tmp_path, shift, crs)
    (problem,) = caught.value.problems
    assert problem.layer == "parcels"
    assert said in problem.message
    assert "datum_shift" in problem.message + (problem.fix or "")


def test_the_scenario_reads_datum_shift(tmp_path: Path) -> None:
    (tmp_path / "s.toml").write_text(
        "[inputs]\n"
        'population = { path = "pop.tif" }\n'
        'areas = { path = "a.gpkg" }\n'
        'parcels = { path = "p.gpkg", datum_shift = { towgs84 = [15.8, -154.4, -82.3, 1.2, '
        '-0.8, 2.5, 3.1], rotation = "coordinate_frame" } }\n',
        encoding="utf-8",
    )
    inputs = load_scenario(tmp_path / "s.toml").inputs
    assert inputs is not None and inputs.parcels is not None
    assert inputs.parcels.datum_shift == DatumShift(towgs84=SHIFT, rotation="coordinate_frame")


# --------------------------------------------------------------------------- without a shift


def tiny_city(folder: Path, *, parcels_crs: str, shift: str = "") -> Path:
    """One old area of 1,600 people in EPSG:4544 and two parcels beside it, written in
    ``parcels_crs`` 85 m west and 48 m north of where they are (the sweep's Xian 1980
    offset, 97.6 m); returns the scenario."""
    folder.mkdir(parents=True, exist_ok=True)
    people = np.zeros((10, 10))
    people[2:6, 2:6] = 100.0
    write_raster(folder / "pop.tif", people, crs=GK, x0=X0, y0=Y0 + 1000.0)
    area = box(X0 + 200, Y0 + 400, X0 + 600, Y0 + 800)
    gpd.GeoDataFrame({"area_id": ["A1"], "status": ["old"]}, geometry=[area], crs=GK).to_file(
        folder / "areas.gpkg"
    )
    sites = [Point(X0 + 300, Y0 + 600).buffer(20), Point(X0 + 500, Y0 + 600).buffer(20)]
    gpd.GeoDataFrame(
        {
            "site_id": ["P1", "P2"],
            "kind": ["idle_land", "idle_land"],
            "acquisition": ["new_build", "new_build"],
            "cost": [1_000_000.0, 2_000_000.0],
            "land_area_m2": [2000.0, 2000.0],
        },
        geometry=[shapely.affinity.translate(s, -85.0, 48.0) for s in sites],
        crs=GK,
    ).set_crs(parcels_crs, allow_override=True).to_file(folder / "parcels.gpkg")
    scenario = folder / "scenario.toml"
    scenario.write_text(
        f'name = "tiny"\ncrs = "{GK}"\n[inputs]\npopulation = {{ path = "pop.tif" }}\n'
        'areas = { path = "areas.gpkg" }\n'
        f'parcels = {{ path = "parcels.gpkg"{shift} }}\n'
        "[policy]\ndemonstration_per_district = 0\n",
        encoding="utf-8",
    )
    return scenario


def test_an_old_datum_without_a_shift_is_a_finding(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Xian 1980 parcels beside CGCS2000 areas were used 98 m off with a warning on stderr
    and a note in run.json alone: not in the findings, the summary or the report."""
    scenario = tiny_city(tmp_path / "xian", parcels_crs=XIAN80)
    # plannable, but not to be signed unread: listed, and --strict stops a script on it
    # (4: exit 1 is Python's own for a crash, and the plan would run)
    assert main(["validate", str(scenario), "--strict"]) == 4
    capsys.readouterr()
    assert main(["validate", str(scenario)]) == 0
    said = capsys.readouterr().out
    assert "1 finding(s) change the plan" in said
    assert "parcels: its CRS EPSG:2380 is on the Xian 1980 datum" in said
    out = tmp_path / "plan"
    assert main(["plan", str(scenario), "--out", str(out), "--no-map"]) == 0
    summary = capsys.readouterr().out
    assert "findings: 1 to check before signing the plan" in summary
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    (finding,) = [f for f in run["findings"] if "Xian 1980" in f]
    assert f"note: {finding}" in summary
    assert "likely 50–150 m off" in finding
    assert "datum_shift = { towgs84 = [dx, dy, dz, rx, ry, rz, ds] }" in finding
    assert not any("Xian 1980" in n for n in run["notes"])
    record = run["finding_records"][run["findings"].index(finding)]
    assert record == {
        "code": "old_datum_unshifted",
        "layer": "parcels",
        "crs": "EPSG:2380",
        "datum": "Xian 1980",
        "low_m": 50,
        "high_m": 150,
        "section": "[inputs.parcels]",
    }
    zh, english = said_lines(run, "findings", labels("zh"), language="zh", districts={}, unit="元")
    assert (
        "候选地块（parcels）的坐标系 EPSG:2380 采用1980西安坐标系，PROJ 没有其至 CGCS2000 的"
        "转换参数：该图层仅按投影换算，位置可能偏离50–150米" in zh[0]
    )
    assert "[inputs.parcels] 下以 datum_shift" in zh[0]
    assert finding not in english


def test_with_the_shift_the_layer_lies_where_it_is_and_nothing_is_found(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Parcels stored in Beijing 1954 come back to within a millimetre of where they are
    by the 3-parameter shift computed by hand from P1: the geocentric difference between
    its true place (on GRS80) and its stored one (on Krassowsky)."""
    lon, lat = pyproj.Transformer.from_crs(GK, "EPSG:4490", always_xy=True).transform(
        X0 + 300, Y0 + 600
    )
    stored = (X0 + 300 - 85.0, Y0 + 600 + 48.0)  # P1's centre as the file holds it
    old = pyproj.Transformer.from_crs(BEIJING54, "EPSG:4214", always_xy=True).transform(*stored)
    cart_old = pyproj.Transformer.from_crs(
        "+proj=longlat +ellps=krass", "+proj=geocent +ellps=krass", always_xy=True
    ).transform(*old, 0.0)
    cart_new = pyproj.Transformer.from_crs(
        "+proj=longlat +ellps=GRS80", "+proj=geocent +ellps=GRS80", always_xy=True
    ).transform(lon, lat, 0.0)
    towgs84 = ", ".join(f"{b - a:.4f}" for a, b in zip(cart_old, cart_new, strict=True))
    scenario = tiny_city(
        tmp_path / "beijing",
        parcels_crs=BEIJING54,
        shift=f", datum_shift = {{ towgs84 = [{towgs84}] }}",
    )
    assert main(["validate", str(scenario)]) == 0
    assert "inputs are valid" in capsys.readouterr().out
    inputs = load_scenario(scenario).inputs
    assert inputs is not None
    parcels = read_layer(inputs.parcels, name="parcels", crs=GK)  # type: ignore[arg-type]
    centre = parcels.geometry.centroid.iloc[0]
    assert (centre.x, centre.y) == pytest.approx((X0 + 300, Y0 + 600), abs=0.001)


def test_a_layer_on_a_local_datum_without_a_shift_is_a_finding_too(tmp_path: Path) -> None:
    """A city's own system (here on Bessel's ellipsoid, no towgs84): siting knows no offset,
    but the layer was moved by its projection alone, and that moves the plan."""
    local = "+proj=tmerc +lat_0=0 +lon_0=105 +k=1 +x_0=500000 +y_0=0 +ellps=bessel +units=m"
    scenario = tiny_city(tmp_path / "local", parcels_crs=local)
    inputs = load_scenario(scenario).inputs
    assert inputs is not None
    (finding,) = load_inputs(inputs, crs=GK).findings
    assert finding.code == "datum_unshifted"
    assert finding.values["layer"] == "parcels" and finding.values["section"] == "[inputs.parcels]"
    assert "PROJ knows no shift" in finding and "datum_shift under [inputs.parcels]" in finding
