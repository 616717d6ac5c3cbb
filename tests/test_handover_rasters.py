"""A population raster handed over as producers and bureaus write it.

Each test is a case of the sweep of real raster hand-overs
(:mod:`benchmarks.handover_rasters`) that siting read wrongly or refused with a misleading
word, built small from the layers of :mod:`test_inputs`: a plain TIFF with its ``.tfw``
and ``.prj`` beside it, and a GeoTIFF inside a ``.zip``.
"""

from __future__ import annotations

import warnings
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import rasterio
from affine import Affine
from shapely.geometry import box
from test_inputs import GK, X0, Y0, areas_frame, make_spec, write, write_raster
from test_zip import _zip

from siting.demand import estimate_demand
from siting.errors import InputError
from siting.inputs import load_inputs
from siting.scenario import LayerSpec, RasterSpec, Scenario

ESRI_GK105 = (
    'PROJCS["CGCS2000_3_Degree_GK_CM_105E",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",'
    'DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],'
    'UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",'
    '500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",105.0],'
    'PARAMETER["Scale_Factor",1.0],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]'
)
"""The ``.prj`` ArcGIS writes for EPSG:4544: ESRI WKT, no authority."""

VALUES = np.arange(600, dtype="float32").reshape(20, 30) / 10.0
"""People per cell of the test's 100 m grid; area A1 covers rows 5–9, columns 5–9 whole."""


def people(tmp_path: Path, spec: RasterSpec) -> tuple[pd.Series, list[str]]:
    """Each area's people read from ``spec``, and the notes."""
    inputs = load_inputs(make_spec(tmp_path, population=spec), crs=GK)
    return estimate_demand(inputs, scenario=Scenario()).areas["population"], inputs.notes


def plain_tiff(path: Path) -> Path:
    """The test grid as a TIFF without georeferencing, its ``.tfw`` beside it (the centre
    of the top-left cell), as ArcGIS's "export as TIFF + world file" leaves it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", rasterio.errors.NotGeoreferencedWarning)
        with rasterio.open(
            path, "w", driver="GTiff", width=30, height=20, count=1, dtype="float32", nodata=-1
        ) as dst:
            dst.write(VALUES, 1)
    x, y = X0 - 500 + 50, Y0 + 1000 - 50
    path.with_suffix(".tfw").write_text(f"100\n0\n0\n-100\n{x}\n{y}\n", encoding="ascii")
    return path


@pytest.mark.parametrize("prj_name", ["pop.prj", "pop.tif.prj"])
def test_a_raster_without_crs_reads_the_prj_beside_it(tmp_path: Path, prj_name: str) -> None:
    """GDAL reads a ``.tfw`` beside a TIFF but not its ``.prj``: the raster "had no CRS",
    and the fix asked to define what the ``.prj`` beside it already said."""
    path = plain_tiff(tmp_path / "pop.tif")
    (tmp_path / prj_name).write_text(ESRI_GK105, encoding="ascii")
    by_prj, notes = people(tmp_path, RasterSpec(path=path))
    assert (
        f"population: the raster has no CRS of its own; read EPSG:4544 from {prj_name} beside it"
        in notes
    )
    # A1 covers columns 5-9 and rows 5-9 of the 100 m grid whole: its cells sum by hand
    assert by_prj["A1"] == pytest.approx(VALUES[5:10, 5:10].sum(), rel=1e-6)
    by_key, _ = people(tmp_path, RasterSpec(path=path, crs=GK))
    pd.testing.assert_series_equal(by_prj, by_key)


def test_a_prj_holding_no_crs_is_a_problem_naming_it(tmp_path: Path) -> None:
    path = plain_tiff(tmp_path / "pop.tif")
    path.with_suffix(".prj").write_text("Gauss Kruger 105", encoding="ascii")
    with pytest.raises(InputError) as caught:
        load_inputs(make_spec(tmp_path, population=RasterSpec(path=path)), crs=GK)
    (problem,) = caught.value.problems
    assert problem.message.startswith(
        "the raster has no CRS of its own, and pop.prj beside it holds none pyproj reads"
    )
    assert problem.fix.startswith('say which CRS it is in with crs = "EPSG:4544"')


def zipped(tmp_path: Path, *names: str) -> Path:
    """``pop.zip`` holding the test raster under each of ``names`` (a ``readme.txt`` too)."""
    tif = write_raster(tmp_path / "inside.tif", values=VALUES)
    archive = tmp_path / "pop.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        out.writestr("readme.txt", "WorldPop")
        for name in names:
            out.write(tif, name)
    tif.unlink()
    return archive


@pytest.mark.parametrize(
    ("inside", "given"),
    [
        (("chn_ppp_2020.tif",), "pop.zip"),
        (("a/chn_ppp_2020.tif", "b/chn_ppp_2019.tif"), "pop.zip/a/chn_ppp_2020.tif"),
    ],
)
def test_a_raster_inside_a_zip_is_read(tmp_path: Path, inside: tuple[str, ...], given: str) -> None:
    """A WorldPop download is a ``.zip``: given as it is, GDAL did not recognise it ("not
    recognized as being in a supported file format"), and GDAL's ``/vsizip/`` form was
    "a raster file that does not exist"."""
    zipped(tmp_path, *inside)
    found, notes = people(tmp_path, RasterSpec(path=tmp_path / given))
    assert f"population: read {inside[0]} inside pop.zip" in notes
    assert found["A1"] == pytest.approx(VALUES[5:10, 5:10].sum(), rel=1e-6)


def test_a_zip_holding_several_rasters_names_them(tmp_path: Path) -> None:
    archive = zipped(tmp_path, "chn_ppp_2020.tif", "chn_ppp_2019.tif")
    with pytest.raises(InputError) as caught:
        load_inputs(make_spec(tmp_path, population=RasterSpec(path=archive)), crs=GK)
    (problem,) = caught.value.problems
    assert problem.file == str(archive)
    assert problem.message == (
        "pop.zip holds 2 rasters (it holds chn_ppp_2020.tif, chn_ppp_2019.tif)"
    )
    assert problem.fix.startswith(
        'name the raster inside it: path = "pop.zip/chn_ppp_2020.tif" under [inputs.population]'
    )


def test_a_relative_vsizip_path_is_a_problem_giving_the_path_to_write(tmp_path: Path) -> None:
    """GDAL reads a relative ``/vsizip/`` path from the working folder, not the scenario's:
    "the raster file does not exist" sent the planner looking for a file that was there."""
    zipped(tmp_path, "pop.tif")
    spec = RasterSpec(path=Path("/vsizip/pop.zip/pop.tif"))
    with pytest.raises(InputError) as caught:
        load_inputs(make_spec(tmp_path, population=spec), crs=GK)
    (problem,) = caught.value.problems
    assert "does not exist" not in problem.message
    assert problem.fix.startswith('write path = "pop.zip/pop.tif" under [inputs.population]')
    found, _ = people(tmp_path, RasterSpec(path=Path(f"/vsizip/{tmp_path}/pop.zip/pop.tif")))
    assert found["A1"] == pytest.approx(VALUES[5:10, 5:10].sum(), rel=1e-6)


def test_a_raster_named_for_a_density_is_warned_of_with_both_totals(tmp_path: Path) -> None:
    """WorldPop's persons per hectare on its 3-arc-second grid, read as persons per cell,
    held 441,575 of the sample's 320,000 people (a cell is 0.72 ha at 32° N), without a
    word: its densest cell is below ``demand.max_persons_per_km2``. On the test's 100 m
    grid a cell is 1 ha, so persons per hectare are the counts; per km² they are 100 times
    them: 5 persons per km² is 0.05 persons in a 1 ha cell."""
    path = write_raster(tmp_path / "gk_pd_2020_per_km2.tif", values=np.full((20, 30), 5.0))
    inputs = load_inputs(make_spec(tmp_path, population=RasterSpec(path=path)), crs=GK)
    (finding,) = [f for f in inputs.findings if f.code == "raster_may_hold_density"]
    assert finding.values["said"] == "gk_pd_2020_per_km2.tif"
    assert finding.values["per"] == "km²"
    assert finding.values["people"] == pytest.approx(600 * 5.0)
    assert finding.values["as_density"] == pytest.approx(600 * 5.0 * 0.01)
    assert str(finding).startswith(
        "population: the raster's name 'gk_pd_2020_per_km2.tif' says it may hold a density "
        "(persons per km²), but siting reads persons per cell: the raster's cells hold 3,000 "
        "people read as persons per cell, 30 read as persons per km²"
    )


@pytest.mark.parametrize(
    ("name", "description"),
    [("chn_ppp_2020_UNadj.tif", None), ("pop.tif", "persons per cell"), ("hamburg.tif", None)],
)
def test_a_raster_of_persons_per_cell_is_not_warned_of_a_density(
    tmp_path: Path, name: str, description: str | None
) -> None:
    path = write_raster(tmp_path / name, values=VALUES)
    if description is not None:
        with rasterio.open(path, "r+") as dst:
            dst.set_band_description(1, description)
    inputs = load_inputs(make_spec(tmp_path, population=RasterSpec(path=path)), crs=GK)
    assert not [f for f in inputs.findings if f.code == "raster_may_hold_density"]


def test_a_raster_coarser_than_the_areas_is_a_finding(tmp_path: Path) -> None:
    """WorldPop's 1 km grid over a city whose 小区 are all smaller than a cell planned 467
    slots short where the sample's own 100 m raster planned 228, without a word: a cell's
    people are shared among the areas it touches by their land. The test's areas are
    500 m squares (0.25 km²); 1 km cells are larger than all three, 100 m cells than none."""
    fine = load_inputs(make_spec(tmp_path), crs=GK)
    assert not [f for f in fine.findings if f.code == "raster_coarser_than_areas"]
    path = write_raster(
        tmp_path / "pop_1km.tif",
        values=np.full((3, 4), 500.0),
        transform=Affine(1000.0, 0.0, X0 - 1000, 0.0, -1000.0, Y0 + 1500),
    )
    inputs = load_inputs(make_spec(tmp_path, population=RasterSpec(path=path)), crs=GK)
    (finding,) = [f for f in inputs.findings if f.code == "raster_coarser_than_areas"]
    assert finding.values | {"cell_km2": round(finding.values["cell_km2"], 6)} == {
        "raster": "population",
        "file": "pop_1km.tif",
        "cell_km2": 1.0,
        "count": 3,
        "of": 3,
        "median_km2": pytest.approx(0.25),
    }
    assert str(finding).startswith(
        "population: the raster pop_1km.tif's cells (1 km²) are larger than 3 of the 3 "
        "residential areas (their median is 0.25 km²)"
    )


def test_a_100_m_raster_over_smaller_areas_is_no_finding(tmp_path: Path) -> None:
    """Compounds under a hectare (an old town's 老旧小区) under a 100 m raster were the
    finding, whose fix (a finer raster: WorldPop's 100 m or 3 arc-seconds, GHS-POP's
    100 m) is the raster given: no finer one is usual, so no finding."""
    small = areas_frame()
    small.geometry = [box(X0 + 600 * i, Y0, X0 + 600 * i + 80, Y0 + 80) for i in range(3)]
    areas = write(small, tmp_path / "small.gpkg", layer="areas")
    inputs = load_inputs(make_spec(tmp_path, areas=LayerSpec(path=areas, layer="areas")), crs=GK)
    assert not [f for f in inputs.findings if f.code == "raster_coarser_than_areas"]


def test_a_raster_on_xian_1980_is_a_finding_as_a_layer_would_be(tmp_path: Path) -> None:
    """A layer on Xian 1980 is the finding old_datum_unshifted and takes datum_shift; a
    raster on it was laid over the areas by the projections alone (50-150 m off against
    100 m cells) without a word."""
    fine = load_inputs(make_spec(tmp_path), crs=GK)
    assert not [f for f in fine.findings if f.code == "raster_datum_unshifted"]
    path = write_raster(tmp_path / "pop_xian80.tif", values=VALUES, crs="EPSG:2380")
    inputs = load_inputs(make_spec(tmp_path, population=RasterSpec(path=path)), crs=GK)
    (finding,) = [f for f in inputs.findings if f.code == "raster_datum_unshifted"]
    assert finding.values == {
        "raster": "population",
        "file": "pop_xian80.tif",
        "crs": "EPSG:2380",
        "datum": "Xian 1980",
        "target": "China 2000",
    }
    assert "warp the raster to China 2000 with" in finding
    assert f"-t_srs {GK} pop_xian80.tif warped.tif" in finding
    # the working CRS's code, not Guangyuan's: CGCS2000's 3-degree zone of 108°E
    east = load_inputs(make_spec(tmp_path, population=RasterSpec(path=path)), crs="EPSG:4545")
    (finding,) = [f for f in east.findings if f.code == "raster_datum_unshifted"]
    assert "-t_srs EPSG:4545 pop_xian80.tif warped.tif" in finding
    assert str(finding).startswith(
        "population: the raster pop_xian80.tif's CRS EPSG:2380 is on the Xian 1980 datum, and "
        "PROJ knows no shift from it to China 2000: its cells were laid over the areas by the "
        "projections alone, likely 50–150 m off"
    )


@pytest.mark.parametrize("gbk", [False, True])
def test_a_zip_of_a_tiff_its_tfw_and_its_prj_is_read_whole(tmp_path: Path, gbk: bool) -> None:
    """ArcGIS's export zipped as it is: the TIFF, its ``.tfw`` and its ``.prj`` in a
    folder 人口 (named in GBK by Windows's "Send to > Compressed folder", or in UTF-8), and
    macOS's ``__MACOSX/`` copy of the TIFF, which is no second raster."""
    tif = plain_tiff(tmp_path / "pop.tif")
    tif.with_suffix(".prj").write_text(ESRI_GK105, encoding="ascii")
    files = {f"人口/pop{s}": tif.with_suffix(s).read_bytes() for s in (".tif", ".tfw", ".prj")}
    files["__MACOSX/人口/._pop.tif"] = b"\x00\x05\x16\x07"
    for suffix in (".tif", ".tfw", ".prj"):
        tif.with_suffix(suffix).unlink()
    archive = _zip(tmp_path / "export.zip", files, gbk=gbk)
    found, notes = people(tmp_path, RasterSpec(path=archive))
    assert "population: read 人口/pop.tif inside export.zip" in notes
    assert (
        "population: the raster has no CRS of its own; read EPSG:4544 from pop.prj beside it"
        in (notes)
    )
    assert found["A1"] == pytest.approx(VALUES[5:10, 5:10].sum(), rel=1e-6)


def test_a_damaged_prj_inside_a_zip_is_a_problem(tmp_path: Path) -> None:
    """The TIFF and .tfw whole, the .prj's bytes damaged inside the .zip: reading the .prj
    raised zipfile's BadZipFile or zlib.error through siting (a traceback)."""
    tif = plain_tiff(tmp_path / "pop.tif")
    tif.with_suffix(".prj").write_text(ESRI_GK105, encoding="ascii")
    files = {f"pop{s}": tif.with_suffix(s).read_bytes() for s in (".tif", ".tfw", ".prj")}
    for suffix in (".tif", ".tfw", ".prj"):
        tif.with_suffix(suffix).unlink()
    archive = _zip(tmp_path / "export.zip", files)
    with zipfile.ZipFile(archive) as zipped:
        info = zipped.getinfo("pop.prj")
    data = bytearray(archive.read_bytes())
    start = info.header_offset + 30 + len(info.filename)
    data[start : start + 20] = bytes(20)
    archive.write_bytes(bytes(data))
    with pytest.raises(InputError) as caught:
        load_inputs(make_spec(tmp_path, population=RasterSpec(path=archive)), crs=GK)
    (problem,) = caught.value.problems
    assert problem.file == str(archive)
    assert problem.message.startswith(
        "the raster has no CRS of its own, and the .prj beside it cannot be read ("
    )
