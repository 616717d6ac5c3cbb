"""``values = { status = "old" }``: one value for every feature of a layer that lacks the
column (a bureau's list of old residential areas without a status column).

The sample's areas without their ``status`` column, given ``values``, must read as the
same areas with the column filled in the file; a column the layer has, an id, and a
column siting does not know are refused with the fix.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from siting.cli import main
from siting.errors import InputError, ScenarioError
from siting.inputs import read_layer
from siting.scenario import LayerSpec, load_scenario

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


def _areas(tmp_path: Path, *, status: str | None) -> Path:
    areas = gpd.read_file(SAMPLE / "city.gpkg", layer="areas", engine="pyogrio")
    areas = areas.drop(columns="status")
    if status is not None:
        areas["status"] = status
    path = tmp_path / f"areas-{status or 'none'}.gpkg"
    areas.to_file(path, layer="areas", engine="pyogrio")
    return path


def test_a_value_for_every_feature_reads_as_the_column_filled_in(tmp_path: Path) -> None:
    given = read_layer(
        LayerSpec(path=_areas(tmp_path, status=None), values={"status": "老城"}), name="areas"
    )
    filled = read_layer(LayerSpec(path=_areas(tmp_path, status="old")), name="areas")
    assert len(given) == len(filled) == 182
    assert set(given["status"]) == {"old"}  # 老城 read as the column's word would be
    pd.testing.assert_frame_equal(
        pd.DataFrame(given.drop(columns="geometry")), pd.DataFrame(filled.drop(columns="geometry"))
    )


def test_a_value_for_a_column_the_layer_has_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        read_layer(
            LayerSpec(path=_areas(tmp_path, status="old"), values={"status": "new"}),
            name="areas",
        )
    (problem,) = err.value.problems
    assert problem.column == "status"
    assert "has its own column 'status'" in problem.message
    assert "leave status out of values" in problem.fix


def test_a_value_for_an_id_or_an_unknown_column_is_refused(tmp_path: Path) -> None:
    path = _areas(tmp_path, status="old")
    with pytest.raises(InputError) as err:
        read_layer(LayerSpec(path=path, values={"area_id": "A1", "colour": "red"}), name="areas")
    said = {p.column: p for p in err.value.problems}
    assert set(said) == {"area_id", "colour"}
    assert "ids must tell the features apart" in said["area_id"].message
    assert "not a areas column siting knows" in said["colour"].message


def test_the_scenario_reads_values_and_refuses_a_list(tmp_path: Path) -> None:
    areas = _areas(tmp_path, status=None)
    text = (SAMPLE / "scenario.toml").read_text(encoding="utf-8")
    old = 'areas = { path = "city.gpkg", layer = "areas" }'
    assert old in text
    for name in ("city.gpkg", "population.tif", "streets.osm"):
        text = text.replace(f'"{name}"', f'"{(SAMPLE / name).as_posix()}"')
    good = tmp_path / "good.toml"
    good.write_text(
        text.replace(
            f'areas = {{ path = "{(SAMPLE / "city.gpkg").as_posix()}", layer = "areas" }}',
            f'areas = {{ path = "{areas.as_posix()}", values = {{ status = "old" }} }}',
        ),
        encoding="utf-8",
    )
    scenario = load_scenario(good)
    assert scenario.inputs.areas is not None
    assert dict(scenario.inputs.areas.values) == {"status": "old"}
    assert main(["validate", str(good)]) == 0
    bad = tmp_path / "bad.toml"
    bad.write_text(good.read_text(encoding="utf-8").replace('"old" }', '["old"] }'), "utf-8")
    with pytest.raises(ScenarioError, match=r"values\.status' must be a string, a number"):
        load_scenario(bad)


def test_a_problem_names_the_files_own_layer_and_the_role_it_is_read_as(tmp_path: Path) -> None:
    """Naples's boundary file, its layer 'napoli' given as the areas, said "layer 'areas'",
    a name the file does not have."""
    areas = gpd.read_file(SAMPLE / "city.gpkg", layer="areas", engine="pyogrio")
    path = tmp_path / "boundary.gpkg"
    areas.drop(columns="status").to_file(path, layer="napoli", engine="pyogrio")
    with pytest.raises(InputError) as err:
        read_layer(LayerSpec(path=path, layer="napoli"), name="areas")
    (problem,) = err.value.problems
    assert str(problem).startswith(
        f"file {path}, layer 'napoli' (read as areas), column 'status': required column "
        "'status' is missing"
    )
    # the file's layer named as the role: said once
    areas.drop(columns="status").to_file(path, layer="areas", engine="pyogrio")
    with pytest.raises(InputError) as err:
        read_layer(LayerSpec(path=path, layer="areas"), name="areas")
    assert str(err.value.problems[0]).startswith(f"file {path}, layer 'areas', column 'status'")


@pytest.mark.parametrize(
    ("values", "column"),
    [({"status": "旧"}, "status"), ({"migrant_share": 1.5}, "migrant_share")],
    ids=["not a status", "above 1"],
)
def test_a_value_siting_cannot_read_is_one_problem_naming_values(
    tmp_path: Path, values: dict[str, object], column: str
) -> None:
    """It was the column's problem on every feature: '182 features have a status that is
    not new, old or rural (ids: A001, A002, ... and 174 more)', naming no ``values``."""
    areas = gpd.read_file(SAMPLE / "city.gpkg", layer="areas", engine="pyogrio")
    path = tmp_path / "areas.gpkg"
    areas.drop(columns=["status", "migrant_share"]).to_file(path, layer="areas", engine="pyogrio")
    with pytest.raises(InputError) as err:
        read_layer(LayerSpec(path=path, values=values), name="areas")
    (problem,) = [p for p in err.value.problems if p.column == column]
    assert problem.message.startswith(f"values under [inputs.areas] gives {column} = ")
    assert problem.ids == () and "182" not in problem.message
    assert problem.fix is not None and problem.fix.startswith("in values under [inputs.areas], ")
    assert "map yours" not in problem.fix


def test_a_value_for_a_column_a_shapefile_cut_to_10_bytes_is_refused(tmp_path: Path) -> None:
    """A Shapefile keeps migrant_share as 'migrant_sh', which siting reads as it: values
    gave every area 0.9 over the file's own shares without a word."""
    areas = gpd.read_file(SAMPLE / "city.gpkg", layer="areas", engine="pyogrio")
    path = tmp_path / "areas.shp"
    short = {"migrant_share": "migrant_sh", "district_id": "district", "subdistrict_id": "sub"}
    areas.rename(columns=short).to_file(path, engine="pyogrio")
    with pytest.raises(InputError) as err:
        read_layer(LayerSpec(path=path, values={"migrant_share": 0.9}), name="areas")
    (problem,) = err.value.problems
    assert "has its own column 'migrant_sh' for it" in problem.message


def test_a_column_of_the_layers_mapped_to_another_name_leaves_its_name_to_values(
    tmp_path: Path,
) -> None:
    """The layer's 'status' column holds something else, read as name by columns =
    { name = "status" }: values = { status = "old" } was refused, 'the layer has its own
    column 'status' for it'."""
    areas = gpd.read_file(SAMPLE / "city.gpkg", layer="areas", engine="pyogrio")
    areas["status"] = areas["name"]
    path = tmp_path / "areas.gpkg"
    areas.drop(columns="name").to_file(path, layer="areas", engine="pyogrio")
    spec = LayerSpec(path=path, columns={"name": "status"}, values={"status": "old"})
    read = read_layer(spec, name="areas")
    assert set(read["status"]) == {"old"}
    assert list(read["name"]) == list(areas["name"])
