"""What planners read: a plan report (Markdown and self-contained HTML) and run comparisons.

A plan run writes an output folder (``facilities.geojson``, ``areas.geojson``,
``districts.csv``, ``assignments.csv``, ``run.json``, ...). This module reads
that folder back and writes ``report.md`` and ``report.html`` with the same
content: the headline numbers, slots per 1,000 residents by district against
the policy targets (广府办发〔2020〕17号: 10 for new areas, 8 for the old city,
4.5 rural) and the national 4.5, demonstration facilities per district (R5),
migrant slots (R4), the affordable share (R8), cost by acquisition mode, the
areas left short and why, every assumption with its source, and an honest
solver status line.

The HTML needs no network and no JavaScript: CSS is inline and the charts
are SVG generated here.

Examples
--------
>>> from siting.report import format_status
>>> format_status({"status": "feasible", "gap": 0.0123}, language="en")
'feasible, not proven optimal (gap 1.23%)'
>>> format_status({"status": "optimal", "gap": 0.0}, language="zh")
'已证明最优'
"""

from __future__ import annotations

import html
import json
import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from siting.errors import InputError, Problem

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "ACQUISITION_MODES",
    "ASSUMPTION_SOURCES",
    "PlanOutput",
    "compare_runs",
    "flatten_scenario",
    "format_status",
    "labels",
    "read_plan_output",
    "source_of",
    "write_report",
]

logger = logging.getLogger(__name__)

ACQUISITION_MODES = ("new_build", "purchase", "swap", "lease", "reuse", "existing")
"""Acquisition modes in the order reports list them (R1, R2, R6, and existing supply)."""

_POLICY = "广府办发〔2020〕17号"

ASSUMPTION_SOURCES: Mapping[str, str] = {
    "name": "scenario setting",
    "crs": "DOMAIN.md §6 (EPSG:4544, CGCS2000 3° Gauss–Krüger CM 105°E, for Guangyuan)",
    "ratios.new": f"{_POLICY} (R1: ≥10 per 1,000 in new residential areas)",
    "ratios.old": f"{_POLICY} (R2: ≥8 per 1,000 in the old city and built-up areas)",
    "ratios.rural": (
        "national 4.5 per 1,000, 14th Five-Year Plan (the policy sets no rural ratio, R3)"
    ),
    "ratios.migrant": f"{_POLICY} (R4; default: the old-area ratio)",
    "ratios.national_target": "14th Five-Year Plan: 4.5 per 1,000 by 2025",
    "radii.urban_m": "GB 50180; JGJ 39 §3.1.3 (300 m, 5-minute life circle)",
    "radii.rural_m": "GB 50180-2018; TD/T 1062-2021 (15-minute life circle)",
    "radii.new_beside_m": f"{_POLICY} (R1: inside or next to the development); distance assumed",
    "radii.workplace_m": f"{_POLICY} (R4: workplace facilities); distance assumed",
    "demand.persons_per_household": "Guangyuan 2020 census: 2.36 persons per household",
    "demand.birth_rate_per_1000": "Guangyuan 2021 crude birth rate: 6.2‰",
    "demand.takeup": "national survey: over 30% of families with infants want childcare",
    "demand.migrant_persons_per_worker": "assumption (R4)",
    "demand.round_up": "DOMAIN.md §4: required slots rounded up per area",
    "facility.options": "托育机构设置标准（试行）, 国卫人口发〔2019〕58号; JGJ 39-2016",
    "facility.floor_m2_per_slot": "derived from Xiamen's 900 m² per 10,000 residents",
    "facility.outdoor_m2_per_slot": "JGJ 39-2016 (≥3 m² per child)",
    "facility.max_floors": "JGJ 39; WS/T 821-2023 (children's rooms on floor 3 or lower)",
    "facility.reuse_max_floor_share": f"{_POLICY} (R6: reuse of public buildings); share assumed",
    "facility.existing_can_expand": "assumption",
    "facility.existing_max_extra_slots": "assumption",
    "facility.service_types": f"{_POLICY} (R7: 全日托、半日托、计时托、临时托)",
    "costs": "assumption (local cost data)",
    "hazards.petrol_station_m": "GB 50156 (≥50 m from an important public building)",
    "hazards.power_line_m_by_kv": "电力设施保护条例 (protection zones by voltage)",
    "hazards.power_line_default_m": "电力设施保护条例 (110 kV band, for lines without a voltage)",
    "hazards.mall_m": "JGJ 39 §3.1.2 (not next to malls and markets); distance assumed",
    "hazards.enabled": f"{_POLICY} (R9: safety)",
    "network.walking_speed_m_per_min": "planning tools in common use (60–80 m/min)",
    "network.detour_factor": "assumption (straight line × factor without a street network)",
    "policy.demonstration_per_district": f"{_POLICY} (R5: a demonstration facility per district)",
    "policy.budget": "scenario setting",
    "policy.min_affordable_share": f"{_POLICY} (R8: affordable supply first); share is a setting",
    "policy.new_areas_colocated_only": f"{_POLICY} (R1: 与住宅同步建设、同步验收)",
    "solver": "solver setting",
    "network": "scenario setting",
}
"""Where each scenario default comes from (DOMAIN.md), by flattened key or key prefix."""

_LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "layer_population": "人口密度",
        "layer_areas": "居住区千人托位",
        "layer_candidates": "候选用地",
        "layer_facilities": "规划托育机构",
        "layer_existing": "现有托育机构",
        "layer_service": "服务关系",
        "layer_districts": "区县",
        "layer_hazards": "危险源及安全距离",
        "base_osm": "OpenStreetMap",
        "base_tdt_vec": "天地图矢量",
        "base_tdt_vec_labels": "天地图矢量注记",
        "base_tdt_img": "天地图影像",
        "base_tdt_img_labels": "天地图影像注记",
        "base_gaode": "高德地图",
        "base_gaode_img": "高德影像",
        "legend": "图例",
        "no_tianditu_key": "未提供天地图密钥（tk），未加载天地图底图",
        "gcj02_note": "已将全部图层坐标转换为GCJ-02以匹配高德底图",
        "area_meets": "达到目标",
        "area_75": "达到目标的75%–100%",
        "area_50": "达到目标的50%–75%",
        "area_below": "低于目标的50%",
        "area_shortfall": "存在缺口（红色虚线边框）",
        "facility_planned": "规划托育机构（大小按托位）",
        "facility_demonstration": "示范性托育机构",
        "facility_existing": "现有托育机构",
        "candidate_chosen": "候选用地：选中",
        "candidate_not_chosen": "候选用地：未选中",
        "candidate_excluded": "候选用地：排除",
        "hazard_buffer": "危险源安全距离",
        "line_resident": "服务关系：常住人口",
        "line_migrant": "服务关系：随迁婴幼儿",
        "population_per_ha": "人/公顷",
        "state_chosen": "选中",
        "state_not chosen": "未选中",
        "state_excluded": "排除",
        "exclusion_reason": "排除原因",
        "site_id": "用地编号",
        "area_id": "居住区编号",
        "kind": "类型",
        "option": "规模",
        "slots": "托位",
        "existing_slots": "现有托位",
        "new_slots": "新增托位",
        "classes": "班级构成",
        "infant": "乳儿班",
        "toddler": "托小班",
        "older": "托大班",
        "mixed": "混龄班",
        "floor_area_m2": "建筑面积（m²）",
        "cost": "费用（元）",
        "acquisition": "获取方式",
        "demonstration": "示范性",
        "affordable": "普惠",
        "service_types": "服务类型",
        "colocated": "配建于",
        "serves": "服务的居住区",
        "distance_m": "距离（m）",
        "yes": "是",
        "no": "否",
        "status": "类别",
        "population": "人口",
        "planned_population": "规划人口",
        "required_slots": "需求托位",
        "served_slots": "已满足托位",
        "shortfall_slots": "缺口托位",
        "slots_per_1000": "千人托位",
        "target_per_1000": "千人托位目标",
        "migrant_demand": "随迁婴幼儿需求托位",
        "nearest_facility_m": "最近托育机构（m）",
        "shortfall_reason": "缺口原因",
        "buffer_m": "安全距离（m）",
        "name": "名称",
        "district": "区县",
        "demand_kind": "需求类型",
        "new_build": "新建",
        "purchase": "购置",
        "swap": "置换",
        "lease": "租赁",
        "reuse": "利用公共设施",
        "existing": "现有",
        "status_new": "新建居住区",
        "status_old": "老城区及已建成居住区",
        "status_rural": "农村社区",
        "reason_no site within reach": "服务半径内无可用用地",
        "reason_capacity": "容量不足",
        "reason_budget": "预算不足",
        "kind_resident": "常住人口",
        "kind_migrant": "随迁婴幼儿",
        "full_day": "全日托",
        "half_day": "半日托",
        "hourly": "计时托",
        "temporary": "临时托",
        # report
        "report_title": "婴幼儿托育设施规划报告",
        "scenario": "情景",
        "solver_status": "求解状态",
        "distance_method": "距离计算方式",
        "network": "步行路网距离",
        "straight_line": "直线距离（乘绕行系数）",
        "headline": "总体情况",
        "item": "指标",
        "value": "数值",
        "planned_slots": "规划托位",
        "planned_vs_required": "规划托位 / 需求托位",
        "overall_per_1000": "全市千人托位",
        "national_target": "国家目标（2025年）",
        "migrant_slots": "随迁婴幼儿托位",
        "affordable_share": "普惠托位占比",
        "total_cost": "总费用（元）",
        "by_district": "分区县千人托位",
        "district_per_1000_chart": "分区县千人托位与目标",
        "target": "目标",
        "meets_target": "达标",
        "demonstration_count": "示范性机构数",
        "demonstration_present": "已有示范性机构",
        "affordable_slots": "普惠托位",
        "cost_by_mode": "按获取方式的费用",
        "mode": "获取方式",
        "share": "占比",
        "shortfalls": "托位缺口",
        "no_shortfall": "所有居住区均已满足需求。",
        "notes": "说明",
        "findings": "主要发现",
        "assumptions": "参数假设及来源",
        "key": "参数",
        "source": "来源",
        "inputs": "输入数据",
        "path": "路径",
        "sha256": "SHA-256",
        "rounded_note": "各居住区需求托位按向上取整计算。",
        "status_optimal": "已证明最优",
        "status_optimal_gap": "已证明最优（允许间隙内，间隙 {gap}）",
        "status_feasible": "可行解，未证明最优（间隙 {gap}）",
        "status_feasible_nogap": "可行解，未证明最优（间隙未知）",
        "status_infeasible": "无可行解：约束条件无法同时满足",
        "status_timed_out": "达到时间上限，未找到可行解",
        "status_unbounded": "目标无界（模型错误）",
        "status_error": "求解器出错",
        "status_other": "状态：{status}",
        "solver": "求解器",
        "compare_title": "两次规划的比较",
        "run_a": "方案A",
        "run_b": "方案B",
        "difference": "差值（B−A）",
        "totals": "总量",
        "facilities_only_a": "仅在方案A中的机构",
        "facilities_only_b": "仅在方案B中的机构",
        "facilities_changed": "两方案均有但规模不同的机构",
        "areas_changed": "缺口发生变化的居住区",
        "scenario_changed": "不同的情景参数",
        "none": "无",
        "unit_10k_cny": "万元",
    },
    "en": {
        "layer_population": "Population density",
        "layer_areas": "Residential areas: slots per 1,000",
        "layer_candidates": "Candidate sites",
        "layer_facilities": "Planned facilities",
        "layer_existing": "Existing facilities",
        "layer_service": "Service lines",
        "layer_districts": "Districts",
        "layer_hazards": "Hazards and buffers",
        "base_osm": "OpenStreetMap",
        "base_tdt_vec": "Tianditu map",
        "base_tdt_vec_labels": "Tianditu map labels",
        "base_tdt_img": "Tianditu imagery",
        "base_tdt_img_labels": "Tianditu imagery labels",
        "base_gaode": "Gaode map",
        "base_gaode_img": "Gaode imagery",
        "legend": "Legend",
        "no_tianditu_key": "No Tianditu key (tk) given: Tianditu base maps left out",
        "gcj02_note": "All overlays converted to GCJ-02 to match the Gaode base map",
        "area_meets": "meets its target",
        "area_75": "75–100% of target",
        "area_50": "50–75% of target",
        "area_below": "below 50% of target",
        "area_shortfall": "shortfall (red dashed outline)",
        "facility_planned": "planned facility (size by slots)",
        "facility_demonstration": "demonstration facility",
        "facility_existing": "existing facility",
        "candidate_chosen": "candidate: chosen",
        "candidate_not_chosen": "candidate: not chosen",
        "candidate_excluded": "candidate: excluded",
        "hazard_buffer": "hazard safety buffer",
        "line_resident": "service line: residents",
        "line_migrant": "service line: migrant children",
        "population_per_ha": "persons/ha",
        "state_chosen": "chosen",
        "state_not chosen": "not chosen",
        "state_excluded": "excluded",
        "exclusion_reason": "Excluded because",
        "site_id": "Site id",
        "area_id": "Area id",
        "kind": "Kind",
        "option": "Size",
        "slots": "Slots",
        "existing_slots": "Existing slots",
        "new_slots": "New slots",
        "classes": "Classes",
        "infant": "infant",
        "toddler": "toddler",
        "older": "older toddler",
        "mixed": "mixed",
        "floor_area_m2": "Floor area (m²)",
        "cost": "Cost (CNY)",
        "acquisition": "Acquisition",
        "demonstration": "Demonstration",
        "affordable": "Affordable",
        "service_types": "Services",
        "colocated": "Built with",
        "serves": "Areas served",
        "distance_m": "Distance (m)",
        "yes": "yes",
        "no": "no",
        "status": "Class",
        "population": "Population",
        "planned_population": "Planned population",
        "required_slots": "Required slots",
        "served_slots": "Served slots",
        "shortfall_slots": "Shortfall slots",
        "slots_per_1000": "Slots per 1,000",
        "target_per_1000": "Target per 1,000",
        "migrant_demand": "Migrant demand (slots)",
        "nearest_facility_m": "Nearest facility (m)",
        "shortfall_reason": "Reason",
        "buffer_m": "Buffer (m)",
        "name": "Name",
        "district": "District",
        "demand_kind": "Demand",
        "new_build": "new build",
        "purchase": "purchase",
        "swap": "swap",
        "lease": "lease",
        "reuse": "reuse of public buildings",
        "existing": "existing",
        "status_new": "new residential area",
        "status_old": "old city / built-up area",
        "status_rural": "rural community",
        "reason_no site within reach": "no site within reach",
        "reason_capacity": "capacity",
        "reason_budget": "budget",
        "kind_resident": "residents",
        "kind_migrant": "migrant children",
        "full_day": "full-day",
        "half_day": "half-day",
        "hourly": "hourly",
        "temporary": "temporary",
        # report
        "report_title": "Childcare facility plan for children under three",
        "scenario": "Scenario",
        "solver_status": "Solver status",
        "distance_method": "Distances",
        "network": "walking distance on the street network",
        "straight_line": "straight line × detour factor",
        "headline": "Headline",
        "item": "Item",
        "value": "Value",
        "planned_slots": "Planned slots",
        "planned_vs_required": "Planned slots / required slots",
        "overall_per_1000": "Slots per 1,000 residents (all districts)",
        "national_target": "National target (2025)",
        "migrant_slots": "Slots for migrant children",
        "affordable_share": "Affordable share of slots",
        "total_cost": "Total cost (CNY)",
        "by_district": "Slots per 1,000 by district",
        "district_per_1000_chart": "Slots per 1,000 by district against target",
        "target": "target",
        "meets_target": "Meets target",
        "demonstration_count": "Demonstration facilities",
        "demonstration_present": "Has a demonstration facility",
        "affordable_slots": "Affordable slots",
        "cost_by_mode": "Cost by acquisition mode",
        "mode": "Mode",
        "share": "Share",
        "shortfalls": "Shortfalls",
        "no_shortfall": "Every residential area is fully served.",
        "notes": "Notes",
        "findings": "Findings",
        "assumptions": "Assumptions and their sources",
        "key": "Setting",
        "source": "Source",
        "inputs": "Inputs",
        "path": "Path",
        "sha256": "SHA-256",
        "rounded_note": "Each area's required slots are rounded up to a whole slot.",
        "status_optimal": "proven optimal",
        "status_optimal_gap": "proven optimal within the tolerance (gap {gap})",
        "status_feasible": "feasible, not proven optimal (gap {gap})",
        "status_feasible_nogap": "feasible, not proven optimal (gap unknown)",
        "status_infeasible": "infeasible: the constraints cannot all be met",
        "status_timed_out": "time limit reached before any solution was found",
        "status_unbounded": "unbounded (a modelling error)",
        "status_error": "the solver failed",
        "status_other": "status: {status}",
        "solver": "Solver",
        "compare_title": "Comparison of two plan runs",
        "run_a": "Run A",
        "run_b": "Run B",
        "difference": "Difference (B−A)",
        "totals": "Totals",
        "facilities_only_a": "Facilities only in A",
        "facilities_only_b": "Facilities only in B",
        "facilities_changed": "Facilities in both with a different size",
        "areas_changed": "Areas whose shortfall changed",
        "scenario_changed": "Scenario settings that differ",
        "none": "none",
        "unit_10k_cny": "10,000 CNY",
    },
}


def labels(language: str = "zh") -> Mapping[str, str]:
    """The label strings for maps and reports.

    Parameters
    ----------
    language
        ``"zh"`` (default, Simplified Chinese) or ``"en"``.

    Returns
    -------
    Mapping
        Label key → text.

    Raises
    ------
    ValueError
        If the language is not one of those.
    """
    if language not in _LABELS:
        raise ValueError(f"language must be one of {sorted(_LABELS)}, got {language!r}")
    return _LABELS[language]


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class PlanOutput:
    """The files of one plan run's output folder, read back.

    Attributes
    ----------
    out_dir
        The folder.
    run
        ``run.json`` as a dict.
    areas, facilities, candidates, districts, hazards, service_lines
        The GeoJSON layers (WGS84), or ``None`` when the file is absent.
    district_table
        ``districts.csv`` (or the districts layer's attributes), or ``None``.
    assignments
        ``assignments.csv``, or an empty table.
    """

    out_dir: Path
    run: Mapping[str, Any]
    areas: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame | None = None
    candidates: gpd.GeoDataFrame | None = None
    districts: gpd.GeoDataFrame | None = None
    hazards: gpd.GeoDataFrame | None = None
    service_lines: gpd.GeoDataFrame | None = None
    district_table: pd.DataFrame | None = None
    assignments: pd.DataFrame = field(default_factory=pd.DataFrame)


def _read_layer(path: Path) -> gpd.GeoDataFrame | None:
    import geopandas as gpd

    if not path.is_file():
        logger.info("%s not found; its layer is left out", path)
        return None
    frame = gpd.read_file(path)
    if frame.crs is None:
        frame = frame.set_crs("EPSG:4326")
    elif not frame.crs.equals("EPSG:4326"):
        frame = frame.to_crs("EPSG:4326")
    return frame


def read_plan_output(out_dir: str | Path) -> PlanOutput:
    """Read a plan run's output folder.

    Parameters
    ----------
    out_dir
        The folder a plan run wrote. ``run.json`` and ``areas.geojson`` are
        required; every other file is optional.

    Returns
    -------
    PlanOutput
        The layers and tables.

    Raises
    ------
    InputError
        If the folder, ``run.json`` or ``areas.geojson`` is missing or unreadable.
    """
    folder = Path(out_dir)
    fix = "run `siting plan` with this folder as its output first"
    if not folder.is_dir():
        raise InputError(
            [Problem("the plan output folder does not exist", file=str(folder), fix=fix)]
        )
    problems: list[Problem] = []
    run: dict[str, Any] = {}
    run_path = folder / "run.json"
    if not run_path.is_file():
        problems.append(Problem("run.json is missing", file=str(run_path), fix=fix))
    else:
        try:
            run = json.loads(run_path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            problems.append(Problem(f"run.json is not valid JSON ({exc})", file=str(run_path)))
    if not (folder / "areas.geojson").is_file():
        problems.append(
            Problem("areas.geojson is missing", file=str(folder / "areas.geojson"), fix=fix)
        )
    if problems:
        raise InputError(problems)
    areas = _read_layer(folder / "areas.geojson")
    assert areas is not None
    districts_csv = folder / "districts.csv"
    districts = _read_layer(folder / "districts.geojson")
    if districts_csv.is_file():
        table: pd.DataFrame | None = pd.read_csv(
            districts_csv, dtype={"district_id": str}, encoding="utf-8"
        )
    elif districts is not None:
        table = pd.DataFrame(districts.drop(columns=districts.geometry.name))
    else:
        table = None
    assignments_csv = folder / "assignments.csv"
    assignments = (
        pd.read_csv(
            assignments_csv,
            dtype={"demand_id": str, "area_id": str, "site_id": str},
            encoding="utf-8",
        )
        if assignments_csv.is_file()
        else pd.DataFrame(
            columns=["demand_id", "area_id", "site_id", "kind", "slots", "distance_m"]
        )
    )
    return PlanOutput(
        out_dir=folder,
        run=run,
        areas=areas,
        facilities=_read_layer(folder / "facilities.geojson"),
        candidates=_read_layer(folder / "candidates.geojson"),
        districts=districts,
        hazards=_read_layer(folder / "hazards.geojson"),
        service_lines=_read_layer(folder / "service_lines.geojson"),
        district_table=table,
        assignments=assignments,
    )


# --------------------------------------------------------------------------- formatting


def as_number(value: Any) -> float | None:
    """``value`` as a float, or ``None`` when it is missing (``None`` or NaN) or not a number."""
    if value is None:
        return None
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(x) else x


def is_true(value: Any) -> bool:
    """Read a yes/no field as written by GeoJSON, CSV or pandas (missing is no)."""
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return False
    return bool(value)


def not_a_number(value: Any) -> bool:
    """True for a present value that is not a number (text to show as it is)."""
    if value is None:
        return False
    try:
        float(value)
    except (TypeError, ValueError):
        return True
    return False


def _num(value: Any, digits: int = 0) -> str:
    """A number with thousands separators, or an en dash when missing."""
    x = as_number(value)
    if x is None:
        return str(value) if not_a_number(value) else "–"
    return f"{x:,.{digits}f}"


def _pct(value: Any, digits: int = 1) -> str:
    x = as_number(value)
    if x is None:
        return str(value) if not_a_number(value) else "–"
    return f"{100.0 * x:.{digits}f}%"


def _bool(value: Any, text: Mapping[str, str]) -> str:
    return text["yes"] if is_true(value) else text["no"]


def format_status(run: Mapping[str, Any], *, language: str = "zh") -> str:
    """Say honestly what the solver proved, from ``run.json``.

    Parameters
    ----------
    run
        ``run.json`` as a dict (``status`` and ``gap`` are read).
    language
        ``"zh"`` or ``"en"``.

    Returns
    -------
    str
        For example "proven optimal" or "feasible, not proven optimal (gap 1.23%)".
    """
    text = labels(language)
    status = str(run.get("status", "error"))
    raw_gap = run.get("gap")
    gap = float(raw_gap) if isinstance(raw_gap, (int, float)) else None
    gap_text = _pct(gap, 2) if gap is not None else None
    if status == "optimal":
        if gap is not None and gap > 1e-9:
            return text["status_optimal_gap"].format(gap=gap_text)
        return text["status_optimal"]
    if status == "feasible":
        if gap_text is None:
            return text["status_feasible_nogap"]
        return text["status_feasible"].format(gap=gap_text)
    key = f"status_{status}"
    if key in text:
        return text[key]
    return text["status_other"].format(status=status)


def _plain_value(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:,.10g}" if abs(value) >= 1000 else f"{value:g}"
    return str(value)


def flatten_scenario(scenario: Mapping[str, Any], *, prefix: str = "") -> dict[str, str]:
    """Flatten a nested scenario dict to ``"section.key" → text``.

    Lists of tables (facility size options) become ``facility.options[name].field``;
    lists of plain values are joined with commas.

    Parameters
    ----------
    scenario
        The scenario as in ``run.json`` (``Scenario.to_dict()``).
    prefix
        Prepended to every key (used in recursion).

    Returns
    -------
    dict
        Flattened keys in their original order, values as display text.

    Examples
    --------
    >>> flatten_scenario({"ratios": {"new": 10.0}, "policy": {"budget": None}})
    {'ratios.new': '10', 'policy.budget': '–'}
    """
    flat: dict[str, str] = {}
    for key, value in scenario.items():
        full = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, Mapping):
            if value:
                flat.update(flatten_scenario(value, prefix=full))
            else:
                flat[full] = "{}"
        elif isinstance(value, (list, tuple)):
            if value and all(isinstance(v, Mapping) for v in value):
                for i, item in enumerate(value):
                    tag = item.get("name", i)
                    rest = {k: v for k, v in item.items() if k != "name"}
                    flat.update(flatten_scenario(rest, prefix=f"{full}[{tag}]"))
            else:
                flat[full] = ", ".join(_plain_value(v) for v in value)
        else:
            flat[full] = _plain_value(value)
    return flat


def source_of(key: str) -> str:
    """The source of a flattened scenario key, from :data:`ASSUMPTION_SOURCES`.

    The longest matching key or key prefix wins; list indices are ignored.

    Parameters
    ----------
    key
        A key from :func:`flatten_scenario`, for example ``"ratios.new"``.

    Returns
    -------
    str
        The source, or "scenario setting" when none is recorded.
    """
    bare = key.split("[", 1)[0] if "[" in key else key
    parts = bare.split(".")
    for n in range(len(parts), 0, -1):
        candidate = ".".join(parts[:n])
        if candidate in ASSUMPTION_SOURCES:
            return ASSUMPTION_SOURCES[candidate]
    return "scenario setting"


# --------------------------------------------------------------------------- document model


@dataclass(frozen=True)
class _Table:
    headers: Sequence[str]
    rows: Sequence[Sequence[str]]
    numeric: Sequence[bool] = ()


@dataclass(frozen=True)
class _Chart:
    svg: str
    filename: str
    title: str


Block = tuple[str, Any]


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _render_md(blocks: Iterable[Block]) -> str:
    lines: list[str] = []
    for kind, content in blocks:
        if kind == "h1":
            lines += [f"# {content}", ""]
        elif kind == "h2":
            lines += [f"## {content}", ""]
        elif kind == "p":
            lines += [str(content), ""]
        elif kind == "ul":
            lines += [f"- {item}" for item in content] + [""]
        elif kind == "table":
            table: _Table = content
            lines.append("| " + " | ".join(_md_cell(h) for h in table.headers) + " |")
            aligns = [
                "---:" if (i < len(table.numeric) and table.numeric[i]) else "---"
                for i in range(len(table.headers))
            ]
            lines.append("| " + " | ".join(aligns) + " |")
            for row in table.rows:
                lines.append("| " + " | ".join(_md_cell(c) for c in row) + " |")
            lines.append("")
        elif kind == "chart":
            chart: _Chart = content
            lines += [f"![{chart.title}]({chart.filename})", ""]
    return "\n".join(lines).rstrip() + "\n"


_CSS = """
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC",
  "Microsoft YaHei", "Helvetica Neue", Arial, sans-serif; margin: 2em auto;
  max-width: 60em; padding: 0 1em; color: #222; line-height: 1.5; }
h1 { font-size: 1.6em; border-bottom: 2px solid #2b83ba; padding-bottom: .2em; }
h2 { font-size: 1.25em; margin-top: 1.6em; color: #1f4e79; }
table { border-collapse: collapse; margin: .6em 0 1.2em; font-size: .92em; }
th, td { border: 1px solid #ccc; padding: .25em .6em; vertical-align: top; }
th { background: #eef3f8; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: .6em 0 1.4em; }
figcaption { font-size: .9em; color: #555; }
p.status { font-weight: bold; }
"""


def _render_html(blocks: Iterable[Block], *, title: str, language: str) -> str:
    esc = html.escape
    body: list[str] = []
    for kind, content in blocks:
        if kind == "h1":
            body.append(f"<h1>{esc(str(content))}</h1>")
        elif kind == "h2":
            body.append(f"<h2>{esc(str(content))}</h2>")
        elif kind == "p":
            body.append(f"<p>{esc(str(content))}</p>")
        elif kind == "ul":
            items = "".join(f"<li>{esc(str(item))}</li>" for item in content)
            body.append(f"<ul>{items}</ul>")
        elif kind == "table":
            table: _Table = content
            head = "".join(f"<th>{esc(h)}</th>" for h in table.headers)
            rows = []
            for row in table.rows:
                cells = []
                for i, cell in enumerate(row):
                    cls = ' class="num"' if i < len(table.numeric) and table.numeric[i] else ""
                    cells.append(f"<td{cls}>{esc(cell)}</td>")
                rows.append("<tr>" + "".join(cells) + "</tr>")
            body.append(
                f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
            )
        elif kind == "chart":
            chart: _Chart = content
            body.append(f"<figure>{chart.svg}<figcaption>{esc(chart.title)}</figcaption></figure>")
    lang = "zh-CN" if language == "zh" else "en"
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{esc(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )


# --------------------------------------------------------------------------- charts

_SVG_FONT = (
    "font-family=\"'Noto Sans CJK SC','Source Han Sans SC','Microsoft YaHei',Arial,sans-serif\""
)


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    exponent = math.floor(math.log10(value))
    for step in (1.0, 2.0, 2.5, 5.0, 10.0):
        top = float(step * 10.0**exponent)
        if top >= value:
            return top
    return 10.0 ** (exponent + 1)  # pragma: no cover


def _svg_bars_with_targets(
    names: Sequence[str],
    values: Sequence[float],
    targets: Sequence[float],
    *,
    national: float | None,
    title: str,
    target_label: str,
    national_label: str,
) -> str:
    """Vertical bars, a short red mark at each bar's target, and a dashed national line."""
    esc = html.escape
    n = max(len(names), 1)
    bar_w, gap = 46, 34
    left, right, top, bottom = 56, 240, 34, 70
    width = left + n * (bar_w + gap) + right
    height = 320
    plot_h = height - top - bottom
    finite = [v for v in [*values, *targets, national or 0.0] if math.isfinite(v)]
    vmax = _nice_max(max(finite, default=1.0) * 1.1)

    def y(v: float) -> float:
        return top + plot_h * (1.0 - max(v, 0.0) / vmax)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" {_SVG_FONT} font-size="12">',
        f"<title>{esc(title)}</title>",
        f'<text x="{left}" y="18" font-size="14" font-weight="bold">{esc(title)}</text>',
    ]
    step = _nice_max(vmax / 5.0)
    vmax = step * math.ceil(vmax / step - 1e-9)
    for i in range(round(vmax / step) + 1):
        v = step * i
        yy = y(v)
        parts.append(
            f'<line x1="{left}" x2="{width - right + 10}" y1="{yy:.1f}" y2="{yy:.1f}" '
            'stroke="#e3e3e3"/>'
        )
        parts.append(f'<text x="{left - 6}" y="{yy + 4:.1f}" text-anchor="end">{v:g}</text>')
    for i, (name, value, target) in enumerate(zip(names, values, targets, strict=True)):
        x = left + gap / 2 + i * (bar_w + gap)
        ok = math.isfinite(value) and math.isfinite(target) and value >= target - 1e-9
        colour = "#1a9641" if ok else "#d7191c"
        v = value if math.isfinite(value) else 0.0
        parts.append(
            f'<rect x="{x:.1f}" y="{y(v):.1f}" width="{bar_w}" height="{top + plot_h - y(v):.1f}" '
            f'fill="{colour}" fill-opacity="0.8"/>'
        )
        parts.append(
            f'<text x="{x + bar_w / 2:.1f}" y="{y(v) - 4:.1f}" text-anchor="middle">{v:.1f}</text>'
        )
        if math.isfinite(target):
            parts.append(
                f'<line x1="{x - 6:.1f}" x2="{x + bar_w + 6:.1f}" y1="{y(target):.1f}" '
                f'y2="{y(target):.1f}" stroke="#000" stroke-width="3"/>'
            )
        parts.append(
            f'<text x="{x + bar_w / 2:.1f}" y="{top + plot_h + 16}" text-anchor="middle">'
            f"{esc(name)}</text>"
        )
    parts.append(
        f'<line x1="{left}" x2="{left}" y1="{top}" y2="{top + plot_h}" stroke="#444"/>'
        f'<line x1="{left}" x2="{width - right + 10}" y1="{top + plot_h}" '
        f'y2="{top + plot_h}" stroke="#444"/>'
    )
    if national is not None and math.isfinite(national):
        parts.append(
            f'<line x1="{left}" x2="{width - right + 10}" y1="{y(national):.1f}" '
            f'y2="{y(national):.1f}" stroke="#2b83ba" stroke-width="2" stroke-dasharray="6 4"/>'
        )
    lx = width - right + 20
    parts += [
        f'<line x1="{lx}" x2="{lx + 24}" y1="{top + 10}" y2="{top + 10}" stroke="#000" '
        'stroke-width="3"/>',
        f'<text x="{lx + 30}" y="{top + 14}">{esc(target_label)}</text>',
    ]
    if national is not None:
        parts += [
            f'<line x1="{lx}" x2="{lx + 24}" y1="{top + 30}" y2="{top + 30}" stroke="#2b83ba" '
            'stroke-width="2" stroke-dasharray="6 4"/>',
            f'<text x="{lx + 30}" y="{top + 34}">{esc(national_label)} {national:g}</text>',
        ]
    parts.append("</svg>")
    return "".join(parts)


def _svg_hbars(
    names: Sequence[str], values: Sequence[float], *, title: str, unit_divisor: float, unit: str
) -> str:
    """Horizontal bars with their values."""
    esc = html.escape
    n = max(len(names), 1)
    row_h, left, right, top = 26, 150, 120, 34
    width = 640
    height = top + n * row_h + 16
    plot_w = width - left - right
    vmax = max([v for v in values if math.isfinite(v)] + [0.0]) or 1.0
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" {_SVG_FONT} font-size="12">',
        f"<title>{esc(title)}</title>",
        f'<text x="8" y="18" font-size="14" font-weight="bold">{esc(title)}</text>',
    ]
    for i, (name, value) in enumerate(zip(names, values, strict=True)):
        yy = top + i * row_h
        w = plot_w * max(value, 0.0) / vmax if math.isfinite(value) else 0.0
        parts.append(
            f'<text x="{left - 8}" y="{yy + 16}" text-anchor="end">{esc(name)}</text>'
            f'<rect x="{left}" y="{yy + 4}" width="{w:.1f}" height="{row_h - 8}" '
            'fill="#2b83ba" fill-opacity="0.85"/>'
            f'<text x="{left + w + 6:.1f}" y="{yy + 16}">'
            f"{_num(value / unit_divisor, 1)} {esc(unit)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


# --------------------------------------------------------------------------- report


def _column(frame: pd.DataFrame | None, name: str, default: Any = None) -> pd.Series:
    if frame is None:
        return pd.Series(dtype=object)
    if name in frame.columns:
        return frame[name]
    return pd.Series([default] * len(frame), index=frame.index, dtype=object)


def _district_rows(out: PlanOutput) -> pd.DataFrame:
    table = out.district_table
    if table is None or table.empty:
        return pd.DataFrame(
            columns=[
                "district_id",
                "name",
                "population",
                "required_slots",
                "planned_slots",
                "slots_per_1000",
                "target_per_1000",
                "demonstration_count",
                "demonstration_present",
                "migrant_slots",
                "affordable_slots",
                "cost",
            ]
        )
    return table.copy()


def _report_blocks(out: PlanOutput, *, language: str) -> tuple[str, list[Block]]:
    text = labels(language)
    run = out.run
    scenario: Mapping[str, Any] = run.get("scenario", {}) or {}
    totals: Mapping[str, Any] = run.get("totals", {}) or {}
    name = str(scenario.get("name", out.out_dir.name))
    title = f"{text['report_title']}: {name}"
    blocks: list[Block] = [("h1", title)]

    status_line = f"{text['solver_status']}: {format_status(run, language=language)}"
    message = str(run.get("message", "") or "")
    if message:
        status_line += f" — {message}"
    blocks.append(("p", status_line))
    meta = []
    if run.get("solver"):
        meta.append(f"{text['solver']}: {run['solver']}")
    method = run.get("distance_method")
    if method:
        meta.append(f"{text['distance_method']}: {text.get(str(method), str(method))}")
    if meta:
        blocks.append(("p", "; ".join(meta)))

    # headline
    ratios: Mapping[str, Any] = scenario.get("ratios", {}) or {}
    national = ratios.get("national_target", 4.5)
    population = totals.get("population")
    planned = totals.get("planned_slots")
    required = totals.get("required_slots")
    overall = (
        1000.0 * float(planned) / float(population)
        if planned is not None and population not in (None, 0)
        else None
    )
    headline_rows = [
        [text["planned_vs_required"], f"{_num(planned)} / {_num(required)}"],
        [text["served_slots"], _num(totals.get("served_slots"))],
        [text["shortfall_slots"], _num(totals.get("shortfall_slots"))],
        [text["population"], _num(population)],
        [text["overall_per_1000"], _num(overall, 2)],
        [text["national_target"], _num(national, 1)],
        [text["migrant_slots"], _num(totals.get("migrant_slots"))],
        [text["affordable_share"], _pct(totals.get("affordable_share"))],
        [text["total_cost"], _num(totals.get("cost"))],
    ]
    blocks += [
        ("h2", text["headline"]),
        ("table", _Table([text["item"], text["value"]], headline_rows, (False, True))),
        ("p", text["rounded_note"]),
    ]

    # districts
    districts = _district_rows(out)
    blocks.append(("h2", text["by_district"]))
    rows = []
    for _, d in districts.iterrows():
        spk, target = d.get("slots_per_1000"), d.get("target_per_1000")
        meets = (
            _bool(float(spk) >= float(target) - 1e-9, text)
            if spk is not None and target is not None and not pd.isna(spk) and not pd.isna(target)
            else "–"
        )
        rows.append(
            [
                f"{d.get('name', '')} ({d.get('district_id', '')})",
                _num(d.get("population")),
                _num(d.get("required_slots")),
                _num(d.get("planned_slots")),
                _num(spk, 2),
                _num(target, 2),
                meets,
                _num(d.get("demonstration_count")),
                _num(d.get("migrant_slots")),
                _num(d.get("affordable_slots")),
                _num(d.get("cost")),
            ]
        )
    blocks.append(
        (
            "table",
            _Table(
                [
                    text["district"],
                    text["population"],
                    text["required_slots"],
                    text["planned_slots"],
                    text["slots_per_1000"],
                    text["target_per_1000"],
                    text["meets_target"],
                    text["demonstration_count"],
                    text["migrant_slots"],
                    text["affordable_slots"],
                    text["cost"],
                ],
                rows,
                (False, *([True] * 5), False, *([True] * 4)),
            ),
        )
    )
    if not districts.empty:
        chart = _svg_bars_with_targets(
            [str(v) for v in districts.get("name", districts["district_id"])],
            [float(v) for v in pd.to_numeric(districts["slots_per_1000"], errors="coerce")],
            [float(v) for v in pd.to_numeric(districts["target_per_1000"], errors="coerce")],
            national=float(national) if national is not None else None,
            title=text["district_per_1000_chart"],
            target_label=text["target"],
            national_label=text["national_target"],
        )
        blocks.append(
            ("chart", _Chart(chart, "report_slots_per_1000.svg", text["district_per_1000_chart"]))
        )

    # cost by acquisition mode
    by_mode: Mapping[str, Any] = totals.get("cost_by_acquisition", {}) or {}
    modes = [m for m in ACQUISITION_MODES if m in by_mode] + [
        m for m in by_mode if m not in ACQUISITION_MODES
    ]
    total_cost = sum(float(by_mode[m] or 0.0) for m in modes)
    blocks.append(("h2", text["cost_by_mode"]))
    blocks.append(
        (
            "table",
            _Table(
                [text["mode"], text["cost"], text["share"]],
                [
                    [
                        f"{text.get(m, m)} ({m})",
                        _num(by_mode[m]),
                        _pct(float(by_mode[m] or 0.0) / total_cost if total_cost else None),
                    ]
                    for m in modes
                ],
                (False, True, True),
            ),
        )
    )
    if modes:
        chart = _svg_hbars(
            [text.get(m, m) for m in modes],
            [float(by_mode[m] or 0.0) for m in modes],
            title=text["cost_by_mode"],
            unit_divisor=10_000.0,
            unit=text["unit_10k_cny"],
        )
        blocks.append(("chart", _Chart(chart, "report_cost_by_mode.svg", text["cost_by_mode"])))

    # shortfalls
    blocks.append(("h2", text["shortfalls"]))
    areas = out.areas
    short = pd.to_numeric(_column(areas, "shortfall_slots", 0), errors="coerce").fillna(0.0)
    gaps = areas[short > 0]
    if gaps.empty:
        blocks.append(("p", text["no_shortfall"]))
    else:
        gaps = gaps.assign(_short=short[short > 0]).sort_values("_short", ascending=False)
        rows = []
        for _, a in gaps.iterrows():
            reason = str(a.get("shortfall_reason", "") or "")
            rows.append(
                [
                    f"{a.get('name', '')} ({a.get('area_id', '')})",
                    text.get(f"status_{a.get('status', '')}", str(a.get("status", ""))),
                    str(a.get("district_id", "") or ""),
                    _num(a.get("required_slots")),
                    _num(a.get("served_slots")),
                    _num(a.get("shortfall_slots")),
                    _num(a.get("slots_per_1000"), 2),
                    _num(a.get("target_per_1000"), 2),
                    text.get(f"reason_{reason}", reason) if reason else "–",
                ]
            )
        blocks.append(
            (
                "table",
                _Table(
                    [
                        text["name"],
                        text["status"],
                        text["district"],
                        text["required_slots"],
                        text["served_slots"],
                        text["shortfall_slots"],
                        text["slots_per_1000"],
                        text["target_per_1000"],
                        text["shortfall_reason"],
                    ],
                    rows,
                    (False, False, False, True, True, True, True, True, False),
                ),
            )
        )

    findings = [str(f) for f in run.get("findings", []) or []]
    if findings:
        blocks += [("h2", text["findings"]), ("ul", findings)]
    notes = [str(n) for n in run.get("notes", []) or []]
    if notes:
        blocks += [("h2", text["notes"]), ("ul", notes)]

    # assumptions
    flat = flatten_scenario({k: v for k, v in scenario.items() if k != "inputs"})
    blocks += [
        ("h2", text["assumptions"]),
        (
            "table",
            _Table(
                [text["key"], text["value"], text["source"]],
                [[k, v, source_of(k)] for k, v in flat.items()],
            ),
        ),
    ]
    inputs: Mapping[str, Any] = run.get("inputs", {}) or {}
    if inputs:
        rows = []
        for layer, spec in inputs.items():
            if isinstance(spec, Mapping):
                rows.append([str(layer), str(spec.get("path", "")), str(spec.get("sha256", ""))])
            else:
                rows.append([str(layer), str(spec), ""])
        blocks += [
            ("h2", text["inputs"]),
            ("table", _Table([text["key"], text["path"], text["sha256"]], rows)),
        ]
    return title, blocks


def write_report(out_dir: str | Path, *, language: str = "zh") -> tuple[Path, Path]:
    """Write ``report.md`` and ``report.html`` into a plan's output folder.

    Both files hold the same content. The HTML is one self-contained file
    (inline CSS and SVG charts, no external URL, no JavaScript); the Markdown
    links the same charts, written beside it as ``report_*.svg``.

    Parameters
    ----------
    out_dir
        The folder a plan run wrote.
    language
        ``"zh"`` (default) or ``"en"``.

    Returns
    -------
    tuple of Path
        ``(report.md, report.html)``.

    Raises
    ------
    InputError
        If the folder, ``run.json`` or ``areas.geojson`` is missing.
    """
    labels(language)
    out = read_plan_output(out_dir)
    title, blocks = _report_blocks(out, language=language)
    md_path = out.out_dir / "report.md"
    html_path = out.out_dir / "report.html"
    for kind, content in blocks:
        if kind == "chart":
            (out.out_dir / content.filename).write_text(content.svg + "\n", encoding="utf-8")
    md_path.write_text(_render_md(blocks), encoding="utf-8")
    html_path.write_text(_render_html(blocks, title=title, language=language), encoding="utf-8")
    logger.info("wrote %s and %s", md_path, html_path)
    return md_path, html_path


# --------------------------------------------------------------------------- comparison


def _fmt_delta(a: Any, b: Any, digits: int = 0) -> str:
    try:
        fa, fb = float(a), float(b)
    except (TypeError, ValueError):
        return "–"
    if math.isnan(fa) or math.isnan(fb):
        return "–"
    delta = fb - fa
    sign = "+" if delta > 0 else ""
    return f"{sign}{delta:,.{digits}f}"


def _md_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(_md_cell(h) for h in headers) + " |"]
    lines.append("| " + " | ".join("---" for _ in headers) + " |")
    lines += ["| " + " | ".join(_md_cell(str(c)) for c in row) + " |" for row in rows]
    return [*lines, ""]


def _facility_key(frame: gpd.GeoDataFrame | None) -> dict[str, Mapping[str, Any]]:
    if frame is None or "site_id" not in frame.columns:
        return {}
    plain = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    return {str(r["site_id"]): r for r in plain.to_dict("records")}


def compare_runs(dir_a: str | Path, dir_b: str | Path, *, language: str = "zh") -> str:
    """Say what changed between two plan runs, as Markdown.

    Parameters
    ----------
    dir_a, dir_b
        The two output folders (A is the reference; differences are B − A).
    language
        ``"zh"`` (default) or ``"en"``.

    Returns
    -------
    str
        Markdown: totals side by side with differences, slots per 1,000 and
        demonstration facilities by district, facilities only in A, only in
        B, or in both with a different size, areas whose shortfall changed,
        and the scenario settings that differ.

    Raises
    ------
    InputError
        If either folder is not a plan output.
    """
    text = labels(language)
    a, b = read_plan_output(dir_a), read_plan_output(dir_b)
    ta: Mapping[str, Any] = a.run.get("totals", {}) or {}
    tb: Mapping[str, Any] = b.run.get("totals", {}) or {}
    lines = [
        f"# {text['compare_title']}",
        "",
        f"- {text['run_a']}: `{a.out_dir}` — {format_status(a.run, language=language)}",
        f"- {text['run_b']}: `{b.out_dir}` — {format_status(b.run, language=language)}",
        "",
        f"## {text['totals']}",
        "",
    ]
    rows = []
    keys = [
        "required_slots",
        "planned_slots",
        "served_slots",
        "shortfall_slots",
        "migrant_slots",
        "affordable_share",
        "cost",
        "population",
    ]
    keys += [k for k in {**ta, **tb} if k not in keys and k != "cost_by_acquisition"]
    for key in keys:
        va, vb = ta.get(key), tb.get(key)
        if isinstance(va, Mapping) or isinstance(vb, Mapping):
            continue
        if key == "affordable_share":
            rows.append([key, _pct(va), _pct(vb), _fmt_delta(va, vb, 3)])
        else:
            rows.append([key, _num(va), _num(vb), _fmt_delta(va, vb)])
    ma: Mapping[str, Any] = ta.get("cost_by_acquisition", {}) or {}
    mb: Mapping[str, Any] = tb.get("cost_by_acquisition", {}) or {}
    for mode in [m for m in ACQUISITION_MODES if m in ma or m in mb] + [
        m for m in {**ma, **mb} if m not in ACQUISITION_MODES
    ]:
        rows.append(
            [
                f"cost_by_acquisition.{mode}",
                _num(ma.get(mode)),
                _num(mb.get(mode)),
                _fmt_delta(ma.get(mode), mb.get(mode)),
            ]
        )
    lines += _md_table([text["item"], text["run_a"], text["run_b"], text["difference"]], rows)

    # districts
    da, db = _district_rows(a), _district_rows(b)
    lines += [f"## {text['by_district']}", ""]
    ia = {str(r["district_id"]): r for r in da.to_dict("records")}
    ib = {str(r["district_id"]): r for r in db.to_dict("records")}
    rows = []
    for did in sorted(set(ia) | set(ib)):
        ra, rb = ia.get(did, {}), ib.get(did, {})
        name = ra.get("name") or rb.get("name") or ""
        rows.append(
            [
                f"{name} ({did})",
                _num(ra.get("slots_per_1000"), 2),
                _num(rb.get("slots_per_1000"), 2),
                _fmt_delta(ra.get("slots_per_1000"), rb.get("slots_per_1000"), 2),
                _num(ra.get("demonstration_count")),
                _num(rb.get("demonstration_count")),
            ]
        )
    lines += _md_table(
        [
            text["district"],
            f"{text['slots_per_1000']} A",
            f"{text['slots_per_1000']} B",
            text["difference"],
            f"{text['demonstration_count']} A",
            f"{text['demonstration_count']} B",
        ],
        rows,
    )

    # facilities
    fa, fb = _facility_key(a.facilities), _facility_key(b.facilities)

    def describe(row: Mapping[str, Any]) -> list[str]:
        return [
            str(row.get("site_id", "")),
            str(row.get("name", "")),
            str(row.get("option", "") or ""),
            _num(row.get("slots")),
            text.get(str(row.get("acquisition", "")), str(row.get("acquisition", ""))),
            _num(row.get("cost")),
        ]

    fac_headers = [
        text["site_id"],
        text["name"],
        text["option"],
        text["slots"],
        text["acquisition"],
        text["cost"],
    ]
    for title_key, ids, source in (
        ("facilities_only_a", sorted(set(fa) - set(fb)), fa),
        ("facilities_only_b", sorted(set(fb) - set(fa)), fb),
    ):
        lines += [f"## {text[title_key]}", ""]
        if ids:
            lines += _md_table(fac_headers, [describe(source[i]) for i in ids])
        else:
            lines += [text["none"], ""]
    changed = [
        i
        for i in sorted(set(fa) & set(fb))
        if str(fa[i].get("option")) != str(fb[i].get("option"))
        or _num(fa[i].get("slots")) != _num(fb[i].get("slots"))
    ]
    lines += [f"## {text['facilities_changed']}", ""]
    if changed:
        lines += _md_table(
            [
                text["site_id"],
                text["name"],
                f"{text['option']} A",
                f"{text['option']} B",
                f"{text['slots']} A",
                f"{text['slots']} B",
            ],
            [
                [
                    i,
                    str(fb[i].get("name", "")),
                    str(fa[i].get("option", "") or ""),
                    str(fb[i].get("option", "") or ""),
                    _num(fa[i].get("slots")),
                    _num(fb[i].get("slots")),
                ]
                for i in changed
            ],
        )
    else:
        lines += [text["none"], ""]

    # areas
    def area_map(out: PlanOutput) -> dict[str, Mapping[str, Any]]:
        plain = pd.DataFrame(out.areas.drop(columns=out.areas.geometry.name))
        if "area_id" not in plain.columns:
            return {}
        return {str(r["area_id"]): r for r in plain.to_dict("records")}

    aa, ab = area_map(a), area_map(b)
    rows = []
    for aid in sorted(set(aa) | set(ab)):
        ra, rb = aa.get(aid, {}), ab.get(aid, {})
        sa, sb = ra.get("shortfall_slots"), rb.get("shortfall_slots")
        if _num(sa) == _num(sb):
            continue
        rows.append(
            [
                f"{ra.get('name') or rb.get('name') or ''} ({aid})",
                _num(sa),
                _num(sb),
                _fmt_delta(sa, sb),
                str(ra.get("shortfall_reason", "") or "–"),
                str(rb.get("shortfall_reason", "") or "–"),
            ]
        )
    lines += [f"## {text['areas_changed']}", ""]
    if rows:
        lines += _md_table(
            [
                text["name"],
                f"{text['shortfall_slots']} A",
                f"{text['shortfall_slots']} B",
                text["difference"],
                f"{text['shortfall_reason']} A",
                f"{text['shortfall_reason']} B",
            ],
            rows,
        )
    else:
        lines += [text["none"], ""]

    # scenario
    sa_flat = flatten_scenario(a.run.get("scenario", {}) or {})
    sb_flat = flatten_scenario(b.run.get("scenario", {}) or {})
    rows = [
        [key, sa_flat.get(key, "–"), sb_flat.get(key, "–")]
        for key in [*sa_flat, *[k for k in sb_flat if k not in sa_flat]]
        if sa_flat.get(key) != sb_flat.get(key)
    ]
    lines += [f"## {text['scenario_changed']}", ""]
    if rows:
        lines += _md_table([text["key"], text["run_a"], text["run_b"]], rows)
    else:
        lines += [text["none"], ""]
    return "\n".join(lines).rstrip() + "\n"
