"""Point layers handed over as tables: CSV (UTF-8, UTF-8 with BOM, GBK), Excel and ODS.

The sample city's facilities written as a table with 经度/纬度 columns must read as the
same facilities as its GeoPackage layer; a table's problems name its rows as the planner
sees them (the sheet's row, the CSV's line); a layer without a CRS is told the CRS its
numbers look like.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
from test_inputs import write

from siting.errors import InputError, Problem
from siting.inputs import read_layer
from siting.scenario import LayerSpec

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
CGCS2000 = "EPSG:4490"


def sample_facilities() -> gpd.GeoDataFrame:
    return gpd.read_file(SAMPLE / "city.gpkg", layer="facilities", engine="pyogrio")


def as_table(frame: gpd.GeoDataFrame) -> pd.DataFrame:
    """The layer as a bureau's table: its attributes, then 经度 and 纬度 (Python's repr of
    the floats, so no digit is lost)."""
    table = pd.DataFrame(frame.drop(columns="geometry"))
    table["经度"] = frame.geometry.x.to_numpy()
    table["纬度"] = frame.geometry.y.to_numpy()
    return table


def write_xlsx(path: Path, rows: list[list[Any]], *, sheet: str = "Sheet1") -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.title = sheet
    for row in rows:
        ws.append(row)
    book.save(path)
    return path


def table_rows(table: pd.DataFrame) -> list[list[Any]]:
    return [list(table.columns)] + [
        [v.item() if isinstance(v, np.generic) else v for v in row]
        for row in table.itertuples(index=False)
    ]


def write_as(table: pd.DataFrame, path: Path, kind: str) -> Path:
    if kind == "xlsx":
        return write_xlsx(path, table_rows(table))
    encoding = {"csv-utf8": "utf-8", "csv-bom": "utf-8-sig", "csv-gbk": "gbk"}[kind]
    table.to_csv(path, index=False, encoding=encoding)
    return path


def problems_of(spec: LayerSpec, name: str = "facilities") -> tuple[Problem, ...]:
    with pytest.raises(InputError) as caught:
        read_layer(spec, name=name)
    return caught.value.problems


def test_a_shapefile_without_prj_is_told_the_crs_its_numbers_look_like(tmp_path: Path) -> None:
    path = tmp_path / "f.shp"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the DBF cuts facility_id and subdistrict_id
        sample_facilities().set_crs(None, allow_override=True).to_file(path, encoding="utf-8")
    assert not path.with_suffix(".prj").exists()
    (problem,) = problems_of(LayerSpec(path=path))
    assert problem.message == "the layer has no CRS (coordinate reference system)"
    assert problem.fix.startswith(
        "define the CRS in the file (a .prj beside a Shapefile), or give it: the coordinates "
        "look like longitude and latitude in China (105.8209–105.8770°E, 32.3828–32.4751°N): "
        'if they are CGCS2000, GPS or 天地图 coordinates, add crs = "EPSG:4490"'
    )


@pytest.mark.parametrize(
    ("drawn", "declared", "said"),
    [("EPSG:4523", "EPSG:4544", "carry the zone number 35"), ("EPSG:4544", "EPSG:4523", "have no")],
)
def test_a_zone_number_the_crs_does_not_expect_is_named(
    tmp_path: Path, drawn: str, declared: str, said: str
) -> None:
    """Before, only the study-area check said so ("nowhere near"), and only with a study area:
    a layer read alone, or the areas themselves, went on with x 35,000 km off."""
    moved = sample_facilities().to_crs(drawn).set_crs(declared, allow_override=True)
    path = write(moved, tmp_path / "f.gpkg")
    (problem,) = problems_of(LayerSpec(path=path))
    assert said in problem.message
    assert problem.message.endswith(f"the coordinates are in {drawn} ({pyproj.CRS(drawn).name})")
