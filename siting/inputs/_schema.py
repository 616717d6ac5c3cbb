"""The schema of every vector layer: its id, geometry types, columns and the values they take.

Each layer's columns are declared once here, with their kind (id, text,
choice, number, whole number, yes/no), whether they are required, their range,
their default and the Chinese and English aliases read for choice values.
Every layer's ``name`` is optional: a feature without one is named by its id.
A parcel's ``cost`` is optional too: without it the parcel is priced by the
land it needs (:class:`siting.scenario.Costs`).
Reading (:mod:`siting.inputs._vector`) and typing
(:mod:`siting.inputs._columns`) are driven by these declarations.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from siting._shortnames import SHAPEFILE_NAMES

#: The vector layers of a run, in the order they are read.
LAYER_NAMES: tuple[str, ...] = (
    "areas",
    "parcels",
    "facilities",
    "districts",
    "subdistricts",
    "workplaces",
    "hazards",
    "buildings",
)

Kind = Literal["id", "ref", "str", "enum", "number", "int", "bool"]
"""``id``: the layer's own id; ``ref``: another layer's id (``district_id`` in areas), read
as ids are, so ``510802.0`` from a REAL column is ``"510802"``; ``str``: text."""


@dataclass(frozen=True)
class _Column:
    name: str
    kind: Kind
    required: bool = False  # the column must exist
    nonnull: bool = False  # every value must be given
    choices: tuple[str, ...] = ()
    aliases: Mapping[str, str] = field(default_factory=dict)
    minimum: float | None = None
    maximum: float | None = None
    default: Any = None
    id_default: bool = False  # a missing or empty value is the feature's id


@dataclass(frozen=True)
class _Schema:
    id: str
    geometry: tuple[str, ...]  # geometry families: "Polygon", "Point", "LineString"
    columns: tuple[_Column, ...]
    # {column: the name a plan's layer gives it}: a plan's layers read back as inputs
    plan_names: Mapping[str, str] = field(default_factory=dict)


_STATUS_ALIASES = {
    "新建": "new",
    "新建居住区": "new",
    "新区": "new",
    "老城": "old",
    "老城区": "old",
    "已建成": "old",
    "已建成居住区": "old",
    "旧城": "old",
    "existing": "old",
    "农村": "rural",
    "农村社区": "rural",
    "乡村": "rural",
    "既有": "old",
    "既有小区": "old",
    "现状": "old",
    "现状小区": "old",
    "已建": "old",
    "老旧小区": "old",
    "城中村": "old",
    "新建小区": "new",
    "在建": "new",
    "拟建": "new",
    "规划": "new",
    "村庄": "rural",
    "农村居民点": "rural",
    # a bureau's other words for the three (老旧 on its own was "not new, old or rural")
    "老旧": "old",
    "老旧城区": "old",
    "旧城区": "old",
    "旧区": "old",
    "老区": "old",
    "建成区": "old",
    "存量": "old",
    "存量小区": "old",
    "存量住宅": "old",
    "现有": "old",
    "现有小区": "old",
    "既有居住区": "old",
    "已建小区": "old",
    "已建成小区": "old",
    "保留": "old",
    "保留小区": "old",
    "新增": "new",
    "增量": "new",
    "待建": "new",
    "新城": "new",
    "新城区": "new",
    "规划新建": "new",
    "规划新增": "new",
    "规划小区": "new",
    "规划居住区": "new",
    "拟建小区": "new",
    "在建小区": "new",
    "村": "rural",
    "行政村": "rural",
    "自然村": "rural",
    "乡村社区": "rural",
    "农村居住区": "rural",
    "农村住宅": "rural",
    # a land-use layer's 农村宅基地: 三调's 0702 (read with its name: 用地用海's 0702 is
    # 城镇社区服务设施用地) and 用地用海's 0703, which 三调 does not use; 0701 城镇住宅用地
    # says nothing of new or old, and is not read
    "农村宅基地": "rural",
    "0703": "rural",
    "070301": "rural",  # 一类农村宅基地
    "070302": "rural",  # 二类农村宅基地
}
_KIND_ALIASES = {
    "闲置土地": "idle_land",
    "闲置用地": "idle_land",
    "闲置地": "idle_land",
    "空闲地": "idle_land",
    "1201": "idle_land",  # 第三次国土调查: 空闲地
    "idle": "idle_land",
    "低效用地": "underused_land",
    "低效土地": "underused_land",
    "underused": "underused_land",
    "公园": "park",
    "公园与绿地": "park",
    "0810": "park",  # 第三次国土调查: 公园与绿地
    # 国土空间规划 用地用海分类 (its 1201 is 铁路用地, railway land: not read as one)
    "2301": "idle_land",  # 用地用海: 空闲地
    "1401": "park",  # 用地用海: 公园绿地
    "公园绿地": "park",
    "社区活动中心": "community_centre",
    "社区综合服务中心": "community_centre",
    "社区服务中心": "community_centre",
    "党群服务中心": "community_centre",
    "community_center": "community_centre",
    "社区卫生服务中心": "health_centre",
    "health_center": "health_centre",
    "文化场馆": "cultural_venue",
    "文化馆": "cultural_venue",
    "体育场馆": "sports_venue",
    "工作场所": "workplace",
    "用人单位": "workplace",
    "托育机构": "existing_childcare",
    "其他": "other",
    # Geofabrik's OSM Shapefiles' fclass words (gis_osm_pois_free_1 / _a_free_1) for the
    # tags siting.osm reads as these kinds; park and community_centre are siting's own
    "clinic": "health_centre",
    "library": "cultural_venue",
    "arts_centre": "cultural_venue",
    "sports_centre": "sports_venue",
    "kindergarten": "existing_childcare",
}
_ACQUISITION_ALIASES = {
    "新建": "new_build",
    "购置": "purchase",
    "置换": "swap",
    "租赁": "lease",
    "租用": "lease",
    "收购": "purchase",
    "购买": "purchase",
    "改造": "reuse",
    "利用": "reuse",
}
_HAZARD_ALIASES = {
    "加油站": "petrol_station",
    "高压线": "power_line",
    "电力线": "power_line",
    "商场": "mall",
    "市场": "market",
    "批发市场": "market",
    "主干道": "arterial_road",
    # Geofabrik's fclass words: gis_osm_traffic_free_1's fuel, gis_osm_pois_free_1's
    # market_place and department_store (siting.osm reads shop=department_store as a mall)
    "fuel": "petrol_station",
    "market_place": "market",
    "department_store": "mall",
}

_POLYGON: tuple[str, ...] = ("Polygon",)
_ANY: tuple[str, ...] = ("Point", "LineString", "Polygon")

_SCHEMAS: dict[str, _Schema] = {
    "areas": _Schema(
        "area_id",
        ("Polygon", "Point"),  # points: a 小区 list, given catchments (siting.inputs._catchments)
        (
            _Column("area_id", "id", required=True, nonnull=True),
            _Column("name", "str", id_default=True),
            _Column("name_en", "str"),
            _Column(
                "status",
                "enum",
                required=True,
                nonnull=True,
                choices=("new", "old", "rural"),
                aliases=_STATUS_ALIASES,
            ),
            _Column("dwellings", "number", minimum=0.0, default=math.nan),
            _Column("migrant_share", "number", minimum=0.0, maximum=1.0, default=math.nan),
            _Column("district_id", "ref"),
            _Column("subdistrict_id", "ref"),
        ),
    ),
    "parcels": _Schema(
        "site_id",
        ("Polygon", "Point"),
        (
            _Column("site_id", "id", required=True, nonnull=True),
            _Column("name", "str", id_default=True),
            _Column(
                "kind",
                "enum",
                required=True,
                nonnull=True,
                choices=(
                    "idle_land",
                    "underused_land",
                    "park",
                    "community_centre",
                    "health_centre",
                    "cultural_venue",
                    "sports_venue",
                    "workplace",
                    "existing_childcare",
                    "other",
                ),
                aliases=_KIND_ALIASES,
            ),
            _Column(
                "acquisition",
                "enum",
                required=True,
                nonnull=True,
                choices=("new_build", "purchase", "swap", "lease", "reuse"),
                aliases=_ACQUISITION_ALIASES,
            ),
            _Column("land_area_m2", "number", minimum=0.0, default=math.nan),
            _Column("floor_area_m2", "number", minimum=0.0, default=math.nan),
            # optional: a parcel without a cost is priced at costs.land_per_m2
            _Column("cost", "number", minimum=0.0, default=math.nan),
            _Column("affordable", "bool", default=True),
            _Column("district_id", "ref"),
        ),
    ),
    "facilities": _Schema(
        "facility_id",
        ("Point", "Polygon"),
        (
            _Column("facility_id", "id", required=True, nonnull=True),
            _Column("name", "str", id_default=True),
            _Column("slots", "int", required=True, nonnull=True, minimum=0.0),
            _Column("affordable", "bool", default=True),
            _Column("demonstration", "bool", default=False),
            _Column("district_id", "ref"),
            # the building's floor: an expansion adds no more slots than it holds
            _Column("floor_area_m2", "number", minimum=0.0, default=math.nan),
        ),
        # next year's existing facilities are this year's plan (siting.export's
        # facilities layer), whose id is the site's
        plan_names={"facility_id": "site_id"},
    ),
    "districts": _Schema(
        "district_id",
        _POLYGON,
        (
            _Column("district_id", "id", required=True, nonnull=True),
            _Column("name", "str", id_default=True),
            _Column("name_en", "str"),
        ),
    ),
    "subdistricts": _Schema(
        "subdistrict_id",
        _POLYGON,
        (
            _Column("subdistrict_id", "id", required=True, nonnull=True),
            _Column("name", "str", id_default=True),
            _Column("district_id", "ref"),
        ),
    ),
    "workplaces": _Schema(
        "workplace_id",
        _ANY,
        (
            _Column("workplace_id", "id", required=True, nonnull=True),
            _Column("name", "str", id_default=True),
            _Column("migrant_workers", "number", required=True, nonnull=True, minimum=0.0),
            _Column("district_id", "ref"),
        ),
    ),
    "hazards": _Schema(
        "hazard_id",
        _ANY,
        (
            _Column("hazard_id", "id", required=True, nonnull=True),
            _Column(
                "kind",
                "enum",
                required=True,
                nonnull=True,
                choices=("petrol_station", "power_line", "mall", "market", "arterial_road"),
                aliases=_HAZARD_ALIASES,
            ),
            # China's highest line voltage is 1,100 kV: more is volts, read as the top band
            _Column("voltage_kv", "number", minimum=0.0, maximum=1_200.0, default=math.nan),
            _Column("name", "str", id_default=True),
        ),
    ),
    "buildings": _Schema(
        "building_id",
        ("Polygon", "Point"),
        (
            _Column("building_id", "id"),
            _Column("floor_area_m2", "number", minimum=0.0, default=math.nan),
            _Column("levels", "number", minimum=0.0, default=math.nan),
            # OSM's building=* value; a non-residential kind (school, office, ...) holds nobody
            _Column("building", "str"),
            # false: the building holds nobody, whatever its kind
            _Column("residential", "bool", default=True),
        ),
    ),
}

_SCHEMAS["population"] = _Schema(
    # census units ([inputs.population] with a column, siting.inputs._census): not one of
    # LAYER_NAMES, read apart from them; ``people`` is the scenario's ``column``
    "unit_id",
    _POLYGON,
    (
        _Column("unit_id", "id"),
        _Column("name", "str", id_default=True),
        _Column("people", "number", required=True, nonnull=True, minimum=0.0),
    ),
)

_DISTRICT_WORDS = ("区县代码", "区县编码", "行政区代码", "行政区划代码", "县级行政区代码", "XZQDM")
_SUBDISTRICT_WORDS = ("街道代码", "街道编码", "乡镇代码", "乡镇街道代码", "JDDM")

COLUMN_WORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "areas": {
        "area_id": (
            *("小区编号", "小区编码", "小区代码", "居住区编号", "居住区编码", "编号"),
            *("村代码", "村编码", "村编号", "行政村代码", "行政村编码", "村级代码"),
        ),
        "name": ("小区名称", "居住区名称", "小区名", "名称", "村名称", "行政村名称", "村名"),
        "status": ("小区类型", "居住区类型", "新旧类型", "建设状态"),
        "dwellings": ("户数", "住宅户数", "总户数", "规划户数", "住宅套数", "套数"),
        "migrant_share": ("流动人口比例", "流动人口占比"),
        "district_id": _DISTRICT_WORDS,
        "subdistrict_id": _SUBDISTRICT_WORDS,
    },
    "parcels": {
        "site_id": ("地块编号", "地块编码", "地块代码", "宗地编号", "宗地代码", "编号"),
        "name": ("地块名称", "宗地名称", "名称"),
        "kind": ("用地类型", "地类名称", "土地类型"),
        "acquisition": ("获取方式", "取得方式", "供地方式", "建设方式"),
        "land_area_m2": ("用地面积", "占地面积", "土地面积", "地块面积", "宗地面积"),
        "floor_area_m2": ("建筑面积",),
        "cost": ("费用", "成本", "造价", "估算造价", "投资", "投资估算"),
        "affordable": ("普惠", "是否普惠", "普惠性"),
        "district_id": _DISTRICT_WORDS,
    },
    "facilities": {
        "facility_id": ("机构编号", "机构编码", "设施编号", "统一社会信用代码", "编号"),
        "name": ("机构名称", "托育机构名称", "设施名称", "名称"),
        "slots": ("托位数", "托位", "托位数量", "核定托位数", "备案托位数"),
        "affordable": ("普惠", "是否普惠", "普惠性"),
        "demonstration": ("示范", "是否示范", "示范性"),
        "district_id": _DISTRICT_WORDS,
        "subdistrict_id": _SUBDISTRICT_WORDS,
    },
    "districts": {
        "district_id": (*_DISTRICT_WORDS, "adcode"),
        "name": ("区县名称", "行政区名称", "XZQMC", "名称"),
    },
    "subdistricts": {
        "subdistrict_id": _SUBDISTRICT_WORDS,
        "name": ("街道名称", "乡镇名称", "乡镇街道名称", "名称"),
        "district_id": _DISTRICT_WORDS,
    },
    "workplaces": {
        "workplace_id": ("单位编号", "企业编号", "统一社会信用代码", "编号"),
        "name": ("单位名称", "企业名称", "名称"),
        "migrant_workers": ("外来务工人员", "外来务工人数", "务工人员数", "流动人口"),
        "district_id": _DISTRICT_WORDS,
    },
}
"""A bureau's usual names of siting's columns, by layer: a column no ``columns`` maps,
absent under siting's own name, is read from the layer's one column of such a name (its
unit in brackets aside: ``托位数（个）``), and the run notes it. Names only one column
of a layer can mean; a layer with two of them (编号 and 小区编号) reads neither."""


_FAMILY_OF_TYPE_ID = {0: "Point", 4: "Point", 1: "LineString", 2: "LineString", 5: "LineString"}
_FAMILY_OF_TYPE_ID.update({3: "Polygon", 6: "Polygon", 7: "GeometryCollection"})
_FAMILY_WORDS = {
    "Point": "Point or MultiPoint",
    "LineString": "LineString or MultiLineString",
    "Polygon": "Polygon or MultiPolygon",
}
TRUE_WORDS = frozenset(
    {"true", "t", "yes", "y", "1", "1.0", "是", "真", "对", "有"} | {"√", "✓", "✔", "☑"}
)
"""Words read as true (lower-cased, stripped): in the inputs, and in a plan ``verify`` reads.
A Chinese table ticks a yes with √ and says 有 (has: 有普惠托位)."""
FALSE_WORDS = frozenset(
    {"false", "f", "no", "n", "0", "0.0", "否", "假", "不", "无"} | {"×", "✗", "✘", "☐"}
)
"""Words read as false, likewise: × and 无 (has not) as a Chinese table says no."""


_LONG_NAMES = {short: long for long, short in SHAPEFILE_NAMES.items()}
"""A plan's shapefile's short names of its columns, back to the columns."""

_PLAN_AREA_COLUMNS = re.compile(
    r"population|planned_population|migrant_population|migrant_demand|required_slots"
    r"|required_slots_rounded|children_under3|children_estimate_slots|served_slots"
    r"|shortfall_slots|slots_per_1000|target_per_1000|demand_estimate_slots"
    r"|nearest_facility_m|shortfall_reason|desert_threshold_per_1000"
    r"|access(_children)?_(before|after)_per_1000|walk_(free|any)_[\d.]+min_(before|after)"
    r"|desert_(before|after)"
)
"""The columns a plan computes for each area (``areas`` of :mod:`siting.export`, README's
"Outputs"): a plan's areas layer read back as next year's areas leaves them out, since
the run computes them again (and a stale one collided with the new one, or outlived it)."""


_PLAN_AREA_CUT_NAMES = re.compile(
    r"access_(bef|aft|chi|be\d+|af\d+|ch\d+)|walk_(free_|any_)\w*|walk_(free|fre|any)\d+"
    r"|desert_(thr|bef|aft|th\d+|be\d+|af\d+)|in_failed_?\d*|in_failed_county"
)
"""The same columns as a plan's shapefile names them when :data:`siting._shortnames.
SHAPEFILE_NAMES` gives them no short name: cut to 10 bytes and numbered apart
(``walk_free_``, ``walk_free1``, ``access_bef``, ``desert_thr``), and the areas of a
county without a plan (``in_failed_county``)."""


def plan_computed(layer: str, column: str) -> bool:
    """Whether ``column`` of a layer is one a plan computes, not an input: by its name, or
    by its name in a plan's shapefile (``req_slots``, ``serv_slots``, ``walk_free1``).

    Examples
    --------
    >>> plan_computed("areas", "walk_free_10min_after"), plan_computed("areas", "status")
    (True, False)
    >>> plan_computed("areas", "serv_slots"), plan_computed("areas", "walk_free3")
    (True, True)
    """
    if layer != "areas":
        return False
    long = _LONG_NAMES.get(column, column)
    return (
        _PLAN_AREA_COLUMNS.fullmatch(long) is not None
        or _PLAN_AREA_CUT_NAMES.fullmatch(column) is not None
    )
