"""The inputs' findings in a Chinese report (siting.report._said): each code the inputs
and the demand now find, from the record its Said writes to run.json."""

from __future__ import annotations

from typing import Any

import pytest

from siting.report._labels import labels
from siting.report._said import said_lines

RECORDS: dict[str, dict[str, Any]] = {
    "datum_unshifted": {
        "layer": "hazards",
        "crs": "Guangyuan local",
        "datum": "Guangyuan 1990",
        "section": "[inputs.hazards]",
    },
    "areas_overlap": {"count": 1, "mixed": 0, "ids": ["A2 ∩ A2-B1"]},
    "duplicate_geometries": {"layer": "facilities", "count": 2, "groups": ["F1 = F2"]},
    "areas_partly_outside_raster": {
        "raster": "population",
        "file": "pop.tif",
        "count": 1,
        "low_share": 0.2,
        "high_share": 0.2,
        "ids": ["A2"],
    },
    "raster_short_of_districts": {
        "raster": "population",
        "file": "pop.tif",
        "count": 1,
        "ids": ["D2 86%"],
    },
    "areas_people_unread": {"column": "人口", "people": 6700.0},
    "raster_datum_unshifted": {
        "raster": "population",
        "file": "pop_xian80.tif",
        "crs": "EPSG:2380",
        "datum": "Xian 1980",
        "target": "China 2000",
    },
    "raster_coarser_than_areas": {
        "raster": "population",
        "file": "chn_ppp_2020_1km_Aggregated.tif",
        "cell_km2": 0.73,
        "count": 182,
        "of": 182,
        "median_km2": 0.165,
    },
    "raster_may_hold_density": {
        "raster": "population",
        "said": "chn_pd_2020_per_ha.tif",
        "per": "hectare",
        "people": 441575.0,
        "as_density": 320000.0,
    },
    "census_units_cross_districts": {"count": 1, "people": 300.0, "ids": ["U3"]},
    "nearest_unused_census": {},
    "raster_empty_census": {"raster": "population"},
    "low_held_share_census": {
        "raster": "population",
        "share": 850 / 1800,
        "total": 1800.0,
        "residual": 950.0,
    },
    "empty_areas_census": {"count": 1, "areas": 5, "ids": ["A5"]},
    "empty_areas_unbuilt": {"count": 1, "areas": 20, "ids": ["1262844793"]},
    "raster_may_count_children": {"said": "accra-age0-5-worldpop.tif"},
    "default_costs_in_other_currency": {"currency": "EUR"},
    "areas_too_large_to_walk": {"count": 1, "radius_m": 300.0, "ids": ["063049 119.2 km²"]},
    "children_older_than_three": {
        "file": "accra-age0-5-worldpop.tif",
        "low": 0,
        "high": 5,
        "children": 55876.27,
        "suggested": "0.5",
    },
    "children_not_under_three": {
        "file": "chn_m_05_2025_CN_100m_R2025A_v1.tif",
        "low": 5,
        "high": 9,
        "children": 1200.0,
    },
    "streets_miss_areas": {
        "count": 1,
        "of": 3,
        "share": 1 / 3,
        "file": "streets.osm",
        "ids": ["A2"],
    },
    "buildings_unused": {"allocation": "area_weighted"},
    "areas_as_points_own_counts": {
        "count": 182,
        "areas": 182,
        "low_m": 62,
        "high_m": 308,
        "shared": 0,
        "inside": 0,
        "column": "人口",
    },
    "new_areas_without_dwellings": {"count": 2, "ids": ["A1", "A7"]},
    "dwellings_as_residents": {"dwellings": 235_000, "residents": 554_600},
    "residents_from_dwellings": {
        "count": 106,
        "people": 120_000,
        "population": 98_000,
        "kept": 3,
        "persons_per_household": 2.36,
    },
    "areas_as_points": {
        "count": 182,
        "areas": 182,
        "low_m": 111,
        "high_m": 300,
        "shared": 1,
        "inside": 0,
    },
    "buildings_weigh_nothing": {"count": 1, "of": 3},
    "placed_by_address": {
        "layer": "facilities",
        "column": "地址",
        "count": 2,
        "of": 3,
        "at_points": 0,
        "in_land": 2,
    },
    "old_datum_unshifted": {
        "layer": "parcels",
        "crs": "EPSG:2432",
        "datum": "Beijing 1954",
        "low_m": 50,
        "high_m": 150,
        "section": "[inputs.parcels]",
    },
}


def chinese(code: str) -> str:
    run = {
        "findings": [f"English sentence of {code}"],
        "finding_records": [{"code": code, **RECORDS[code]}],
    }
    said, english = said_lines(
        run, "findings", labels("zh"), language="zh", districts={}, unit="元"
    )
    assert english == []  # not left in English, under 技术说明（英文）
    (line,) = said
    return line


@pytest.mark.parametrize("code", sorted(RECORDS))
def test_every_finding_of_the_inputs_is_said_in_chinese(code: str) -> None:
    line = chinese(code)
    assert "{" not in line.replace("{ towgs84", "") and "}" not in line.replace("] }", "")
    assert not any(word in line for word in ("None", "['", "']"))  # no Python repr


def test_the_findings_read_with_their_numbers() -> None:
    assert chinese("areas_partly_outside_raster") == (
        "常住人口栅格 pop.tif 未完全覆盖1个居住区（其用地的20%至20%在栅格外），这些居住区只计入"
        "栅格覆盖部分的人口（A2）：请提供完整覆盖这些居住区的栅格"
    )
    assert chinese("duplicate_geometries").startswith(
        "现有托育机构（facilities）中有2个要素与其他要素几何完全相同（F1 = F2）"
    )
    assert chinese("streets_miss_areas").startswith("3个居住区中有1个（33%）距路网 streets.osm")
    assert chinese("areas_people_unread").startswith(
        "居住区图层的“人口”字段似为各居住区人口（合计6,700人）"
    )
    assert "1954北京坐标系" in chinese("old_datum_unshifted")
    assert chinese("placed_by_address").startswith(
        "现有托育机构（facilities）中有2行（共3行）没有坐标，按其地址（“地址”列，address 键）"
        "中的小区名称定位：0个位于小区名录给出的点位，2个位于小区轮廓内的一点；"
    )


def test_a_record_without_a_number_its_template_needs_stays_in_english() -> None:
    """``siting map DIR --report`` of a plan whose run.json holds a finding's record from
    another siting, without a number today's template writes, stopped with a KeyError
    traceback; the line is now left in English, as a code with no template is."""
    record = dict(RECORDS["children_older_than_three"])
    del record["suggested"]
    run = {
        "findings": ["the English sentence"],
        "finding_records": [{"code": "children_older_than_three", **record}],
    }
    said, english = said_lines(
        run, "findings", labels("zh"), language="zh", districts={}, unit="元"
    )
    assert (said, english) == ([], ["the English sentence"])


def test_the_children_share_is_said_once_when_the_ages_are_the_under_fives() -> None:
    """Ages 0–4 in whole years give 0.6 already: the Chinese line offered 0.6 twice (once
    for the ages, once for WorldPop's under-fives)."""
    under_fives = {**RECORDS["children_older_than_three"], "high": 4, "suggested": "0.6"}
    run = {
        "findings": ["x"],
        "finding_records": [{"code": "children_older_than_three", **under_fives}],
    }
    (line,), _ = said_lines(run, "findings", labels("zh"), language="zh", districts={}, unit="元")
    assert line.endswith("其中3岁以下儿童的比例（若统计0–4周岁，约为0.6）")
    assert chinese("children_older_than_three").endswith(
        "（若统计0–5周岁，约为0.5；若统计5岁以下儿童，如 WorldPop 的 age0-5 栅格"
        "（0岁与1–4岁波段），取0.6）"
    )
