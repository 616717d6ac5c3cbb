"""A 小区 register as a housing bureau or a street office hands it over
(``benchmarks.handover_registers``): a village list's own column names, and a list
without ids told whether its names could be them. Expected words and counts are the
tables' own, counted by hand."""

from __future__ import annotations

from pathlib import Path

import pyproj
import pytest
from test_inputs import GK, X0, Y0
from test_tables import problems_of, write_xlsx

from siting.inputs import read_layer
from siting.scenario import LayerSpec


def lonlat(dx: float) -> tuple[float, float]:
    """The point ``dx`` m east of the tests' origin, in CGCS2000 degrees."""
    to = pyproj.Transformer.from_crs(GK, "EPSG:4490", always_xy=True)
    lon, lat = to.transform(X0 + dx, Y0 + 500.0)
    return round(lon, 7), round(lat, 7)


def test_a_village_list_reads_its_village_codes_and_names(tmp_path: Path) -> None:
    """A 行政村 list (村代码, 行政村名称, 户数, 经度, 纬度) reads its codes as the ids and
    its names as the names; they were 'required column area_id is missing'."""
    rows = [
        ["村代码", "行政村名称", "户数", "经度", "纬度"],
        ["510811101201", "石井铺村", 420, *lonlat(0.0)],
        ["510811101202", "清水村", "380户", *lonlat(900.0)],
    ]
    path = write_xlsx(tmp_path / "行政村.xlsx", rows)
    spec = LayerSpec(path=path, crs="EPSG:4490", values={"status": "rural"})
    areas = read_layer(spec, name="areas")
    assert list(areas.index) == ["510811101201", "510811101202"]
    assert list(areas["name"]) == ["石井铺村", "清水村"]
    assert list(areas["dwellings"]) == [420, 380]


@pytest.mark.parametrize(
    ("names", "fix"),
    [
        (
            ["阳光小区", "华龙新村", "白龙家园"],
            'read the names as ids with area_id = "小区名称" under [inputs.areas.columns] (its '
            "3 names are all different), or add an id column and map it with area_id = "
            '"YOUR_COLUMN"',
        ),
        (
            ["阳光小区", "华龙新村", "华龙新村"],
            "the names in '小区名称' cannot be the ids, as 2 rows share the name 华龙新村",
        ),
        (
            ["阳光小区", None, "阳光小区"],
            "the names in '小区名称' cannot be the ids, as 1 row has no name and 2 rows "
            "share the name 阳光小区",
        ),
    ],
)
def test_a_list_without_ids_is_told_whether_its_names_could_be_them(
    tmp_path: Path, names: list[str | None], fix: str
) -> None:
    """A 小区 list of 小区名称, 类型, 户数 and 经度/纬度 without 编号: the problem's fix says
    whether the names could be the ids (all different) or why not (blank, repeated);
    the names are never taken as ids unasked. It said only 'add the column, or map yours
    to it with area_id = "YOUR_COLUMN"'."""
    rows: list[list[object]] = [["小区名称", "类型", "户数", "经度", "纬度"]]
    rows += [[n, "老旧小区", 500, *lonlat(600.0 * i)] for i, n in enumerate(names)]
    path = write_xlsx(tmp_path / "小区.xlsx", rows)
    (problem,) = problems_of(LayerSpec(path=path, crs="EPSG:4490"), name="areas")
    assert "required column 'area_id' is missing" in str(problem)
    assert fix in str(problem)


def test_a_list_of_one_kind_without_a_type_column_is_told_of_values(tmp_path: Path) -> None:
    """A 行政村 list without 类型 (all villages, as a 民政 list is): the status problem's
    fix names values = { status = ... } under [inputs.areas] beside mapping a column; it
    named only the column."""
    rows = [
        ["村代码", "行政村名称", "户数", "经度", "纬度"],
        ["510811101201", "石井铺村", 420, *lonlat(0)],
    ]
    path = write_xlsx(tmp_path / "行政村.xlsx", rows)
    (problem,) = problems_of(LayerSpec(path=path, crs="EPSG:4490"), name="areas")
    assert "required column 'status' is missing" in str(problem)
    assert 'give it with values = { status = "..." } under [inputs.areas] (one of new (' in str(
        problem
    )
