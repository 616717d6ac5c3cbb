"""Chinese names of the hand-in layers and fields, and the shapefile's 10-byte names."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

from siting._encoding import encodable
from siting._shortnames import SHAPEFILE_NAMES
from siting.report import labels

logger = logging.getLogger(__name__)

LAYER_TITLES = {
    "facilities": "layer_facilities",
    "areas": "layer_areas",
    "area_points": "layer_area_points",
    "candidates": "layer_candidates",
    "districts": "layer_districts",
    "hazards": "layer_hazards",
    "service_lines": "layer_service",
    "residual": "layer_residual",
}
"""Each layer's label key in :func:`siting.report.labels` (its alias in QGIS and the .gdb)."""

# columns whose Chinese name is not a map or report label (or is a different one)
_EXTRA_ZH = {
    "district_id": "区县代码",
    "subdistrict_id": "乡镇（街道）代码",
    "demand_id": "需求编号",
    "block_id": "块编号",
    "hazard_id": "危险源编号",
    "existing": "现有机构",
    "cost_basis": "费用依据",
    "classes_infant": "乳儿班（班）",
    "classes_toddler": "托小班（班）",
    "classes_older": "托大班（班）",
    "classes_mixed": "混龄班（班）",
    "slots_source": "托位来源",
    "name_en": "英文名称",
    "dwellings": "住宅套数",
    "migrant_share": "流动人口比例",
    "migrant_population": "流动人口",
    "required_slots_rounded": "需求托位（取整）",
    "demand_estimate_slots": "按入托意愿估算托位",
    "children_under3": "婴幼儿数",
    "children_estimate_slots": "婴幼儿栅格估算需求托位",
    "state": "状态",
    "reason": "原因",
    "national_target_per_1000": "国家目标千人托位（2025年）",
    "migrant_slots": "随迁婴幼儿托位",
    "cost": "费用（{currency}）",
    "x": "X坐标（m）",
    "y": "Y坐标（m）",
    "lon": "经度",
    "lat": "纬度",
    "blocks": "合并的县级居住区外人口块数",
    "colocated_area_id": "配建居住区编号",
    "desert_threshold_per_1000": "托育服务盲区阈值（千人托位）",
}

_LABEL_KEYS = {  # column → label key, where the key differs from the column
    "kind": "kind",
    "population": "population",
    "residual_population": "accounting_residual",
    "residual_people": "residual_people",
    "cells": "residual_cells",
}


def field_alias(column: str, *, currency: str = "CNY") -> str:
    """The Chinese name of a plan column, for Excel headers and field aliases.

    Parameters
    ----------
    column
        A column of a plan layer or table.
    currency
        The currency costs are in.

    Returns
    -------
    str
        The Chinese name (the map and report label where there is one), or
        ``column`` itself when none is known.

    Examples
    --------
    >>> field_alias("slots_per_1000"), field_alias("cost"), field_alias("whatever")
    ('千人托位', '费用（元）', 'whatever')
    """
    text = labels("zh", currency=currency)
    unit = "元" if currency == "CNY" else currency
    if column in _EXTRA_ZH:
        return _EXTRA_ZH[column].replace("{currency}", unit)
    key = _LABEL_KEYS.get(column, column)
    if key in text:
        return text[key]
    return _before_after_alias(column) or column


_WHEN = {"before": "规划前", "after": "规划后"}
_BEFORE_AFTER = re.compile(
    r"(?P<migrant>migrant_)?(?:"
    r"walk_(?P<kind>free|any)_(?P<minutes>\d+)min"
    r"|(?P<access>access)|desert_(?P<desert>areas|population)|(?P<flag>desert)"
    r")_(?P<when>before|after)(?P<per>_per_1000)?"
)


def _before_after_alias(column: str) -> str | None:
    """The Chinese name of a before/after access column (``walk_free_5min_after`` …), or
    ``None``: 48 such fields reached plan.gdb, the workbooks and fields.csv in English.

    Examples
    --------
    >>> _before_after_alias("migrant_walk_free_10min_before")
    '规划前随迁人口10分钟步行可达有空余托位机构比例'
    >>> _before_after_alias("access_after_per_1000"), _before_after_alias("desert_areas_after")
    ('规划后千人可达托位', '规划后托育服务盲区数')
    """
    match = _BEFORE_AFTER.fullmatch(column)
    if match is None:
        return None
    when = _WHEN[match["when"]]
    who = "随迁人口" if match["migrant"] else "居民" if match["kind"] else ""
    if match["kind"]:
        what = "有空余托位机构" if match["kind"] == "free" else "托育机构"
        return f"{when}{who}{match['minutes']}分钟步行可达{what}比例"
    if match["access"]:
        return f"{when}千人可达托位"
    if match["desert"]:
        return f"{when}托育服务盲区{'数' if match['desert'] == 'areas' else '人口'}"
    return f"{when}是否托育服务盲区"


# --------------------------------------------------------------------------- QGIS styles


SHAPEFILE_FIELD_BYTES = 10
"""A dBASE field name's length, in bytes (of the encoding the plan's ``.cpg`` names)."""

SHAPEFILE_ENCODINGS = {"utf-8": "UTF-8", "gbk": "936"}
"""The encodings a plan's shapefiles may be written in, and what their ``.cpg`` says:
GBK as code page 936, the name ArcGIS and GDAL both read."""


def _cut(name: str, size: int, encoding: str = "utf-8") -> str:
    """``name`` cut to at most ``size`` bytes of ``encoding``, between characters."""
    return name.encode(encoding)[:size].decode(encoding, errors="ignore")


def held(text: str, encoding: str, *, instead: str) -> str:
    """``text`` with each character ``encoding`` cannot hold replaced by ``instead``.

    Examples
    --------
    >>> held("𠮷祥小区", "gbk", instead="?")
    '?祥小区'
    """
    if encodable(text, encoding):
        return text
    return "".join(c if encodable(c, encoding) else instead for c in text)


def shapefile_field_names(columns: Sequence[str], *, encoding: str = "utf-8") -> dict[str, str]:
    """Each column's name in a shapefile: at most 10 bytes of ``encoding``, unique.

    A planner's own columns ride along into the plan (``备注说明文字``, 18 bytes):
    GDAL cut such a name at byte 10, inside a character, and the shapefile could
    not be read. Names are cut between characters instead, and one that another
    already took gets a number (``规划备`` and ``规划备1``). In GBK a Chinese
    character is 2 bytes, so 5 of them are kept (``备注说明文``); a character GBK
    cannot hold becomes ``_``.

    Examples
    --------
    >>> shapefile_field_names(["site_id", "existing_slots", "slots_per_1000"])
    {'site_id': 'site_id', 'existing_slots': 'exist_slot', 'slots_per_1000': 'slots_pk'}
    >>> shapefile_field_names(["备注说明文字", "规划备注一", "规划备注二"])
    {'备注说明文字': '备注说', '规划备注一': '规划备', '规划备注二': '规划备1'}
    >>> shapefile_field_names(["备注说明文字", "A规划住宅户数"], encoding="gbk")
    {'备注说明文字': '备注说明文', 'A规划住宅户数': 'A规划住宅'}
    """
    names: dict[str, str] = {}
    taken: set[str] = set()
    for col in columns:
        name = held(SHAPEFILE_NAMES.get(col, col), encoding, instead="_")
        short = _cut(name, SHAPEFILE_FIELD_BYTES, encoding)
        base, n = short, 1
        while short.lower() in taken:
            suffix = str(n)
            short = _cut(base, SHAPEFILE_FIELD_BYTES - len(suffix), encoding) + suffix
            n += 1
        taken.add(short.lower())
        names[col] = short
    return names
