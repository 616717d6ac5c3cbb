"""A Chinese bureau's vector hand-over, as the bureau's own tools write it.

Each test is a case of the sweep of real hand-over habits (GBK Shapefiles and their
``.cpg`` files, Chinese field names cut by the DBF, CGCS2000 and the old datums,
a bureau's units, overlapping survey layers, numbers written as text), built small
from the layers of :mod:`test_inputs`.
"""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest
import shapely
from test_inputs import GK, areas_frame, gbk_shapefile, make_spec

from siting._digest import file_sha256
from siting.errors import InputError
from siting.inputs import load_inputs
from siting.scenario import LayerSpec


@pytest.mark.parametrize("cpg", ["ANSI 936", "ansi_936"])
def test_a_cpg_gdal_does_not_read_is_read_by_its_code_page(tmp_path: Path, cpg: str) -> None:
    """GDAL reads ``936`` in a ``.cpg`` but reads ``ANSI 936`` as Latin-1, silently: every
    mapped Chinese column was "not in the layer", with the fix to "correct" the name."""
    path = gbk_shapefile(tmp_path)
    path.with_suffix(".cpg").write_text(cpg, encoding="ascii")
    inputs = load_inputs(make_spec(tmp_path, areas=LayerSpec(path=path)), crs=GK)
    assert inputs.areas["name"].tolist() == ["东坝", "老城", "宝轮"]
    assert inputs.areas["status"].tolist() == ["new", "old", "rural"]
    assert (
        f"areas: areas.shp's areas.cpg says '{cpg}', which GDAL does not read (it would read "
        "the text as Latin-1): read it as gbk"
    ) in inputs.notes


def test_a_cpg_naming_no_encoding_is_a_problem_naming_the_encoding(tmp_path: Path) -> None:
    path = gbk_shapefile(tmp_path)
    path.with_suffix(".cpg").write_text("ANSI", encoding="ascii")
    with pytest.raises(InputError) as caught:
        load_inputs(make_spec(tmp_path, areas=LayerSpec(path=path)), crs=GK)
    (problem,) = caught.value.problems
    assert problem.layer == "areas" and problem.file == str(path)
    assert problem.message.startswith(
        "its areas.cpg says 'ANSI', which names no encoding, and its text is not Latin-1 "
        "as GDAL then reads it: it looks like GBK"
    )
    assert problem.fix.startswith('add encoding = "gbk" to [inputs.areas]')
    assert problem.fix.endswith("or put a areas.cpg file containing GBK beside it instead")


def test_long_chinese_field_names_cut_by_the_dbf_are_read(tmp_path: Path) -> None:
    """规划住宅户数 is 12 bytes in GBK: the DBF of an ArcGIS export keeps 规划住宅户 (10
    bytes), and the scenario that maps the bureau's full name was refused, with the fix to
    "correct" it to the same name. (In UTF-8 GDAL cuts a character in half, a problem of
    its own.)"""
    import pyogrio

    frame = areas_frame().rename(columns={"name": "小区名称全称", "dwellings": "规划住宅户数"})
    path = tmp_path / "areas.shp"
    with warnings.catch_warnings():  # GDAL says it laundered the names, in GBK bytes
        warnings.simplefilter("ignore")
        pyogrio.write_dataframe(frame, path, encoding="gbk")
    columns = {"name": "小区名称全称", "dwellings": "规划住宅户数"}
    spec = make_spec(tmp_path, areas=LayerSpec(path=path, columns=columns))
    inputs = load_inputs(spec, crs=GK)
    assert inputs.areas["dwellings"].tolist()[0] == 1200.0
    assert inputs.areas["name"].tolist() == ["东坝", "老城", "宝轮"]
    assert (
        "areas: read column '规划住宅户' as dwellings: the Shapefile cut '规划住宅户数', mapped by "
        "[inputs.areas.columns], to its first 10 bytes"
    ) in inputs.notes


def test_heights_are_dropped_so_a_3d_layer_plans_beside_2d_ones(tmp_path: Path) -> None:
    """PolygonZ areas and PointZ parcels beside 2D layers: validate passed, and the plan
    failed after the solve, drawing service lines between 3D and 2D points."""
    areas = areas_frame()
    areas = areas.set_geometry(shapely.force_3d(areas.geometry.to_numpy(), 512.0))
    path = tmp_path / "areas.shp"
    areas.to_file(path, engine="pyogrio")
    inputs = load_inputs(make_spec(tmp_path, areas=LayerSpec(path=path)), crs=GK)
    assert not shapely.has_z(inputs.areas.geometry.to_numpy()).any()
    assert inputs.areas.geometry.area.round(3).tolist() == [250_000.0] * 3
    assert "areas: dropped the heights (Z) or measures (M) of 3 features: siting plans in 2D" in (
        inputs.notes
    )


def test_a_file_geodatabase_is_hashed_as_the_inputs_files_are(tmp_path: Path) -> None:
    """A ``.gdb`` is a folder: it had no hash, so ``run.json`` did not record the layers
    read from it and ``--resume`` (keyed by the inputs' hashes) reused counties planned
    before the geodatabase was edited."""
    import pyogrio

    gdb = tmp_path / "city.gdb"
    pyogrio.write_dataframe(areas_frame(), gdb, layer="areas", driver="OpenFileGDB")
    spec = make_spec(tmp_path, areas=LayerSpec(path=gdb, layer="areas"))
    before = load_inputs(spec, crs=GK)
    assert before.files["areas"] == gdb
    assert before.file_hashes["areas"] == file_sha256(gdb)
    shutil.copytree(gdb, tmp_path / "copy.gdb")
    (tmp_path / "copy.gdb" / "areas.lock").write_text("ArcGIS has it open")
    assert file_sha256(tmp_path / "copy.gdb") == file_sha256(gdb)
    edited = areas_frame(dwellings=[2400.0, np.nan, np.nan])
    pyogrio.write_dataframe(edited, gdb, layer="areas", driver="OpenFileGDB")
    after = load_inputs(spec, crs=GK)
    assert after.areas["dwellings"].iloc[0] == 2400.0
    assert after.file_hashes["areas"] != before.file_hashes["areas"]
