"""The scenario's settings as a flat table, with the source of each default (DOMAIN.md)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

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
    "demand.round_up": (
        "off: the ratio applies to a residential district (居住区), so counts are rounded once "
        "per district (DOMAIN.md §4 rounded per area)"
    ),
    "demand.residents": (
        "population: the raster's or census units' people on an old or rural area's land; "
        "dwellings: 户数 × persons per household (规划人口 = 户数 × 户均人口)"
    ),
    "demand.allocation": "dasymetric (masked area-weighted), as in PySAL tobler and WorldPop",
    "demand.residual_to_nearest_m": "scenario setting (off: the residual is only reported)",
    "demand.children_under3_share": "1.0 for a raster of 0–2-year-olds; 0.6 for WorldPop's 0–4",
    "facility.options": "托育机构设置标准（试行）, 国卫人口发〔2019〕58号; JGJ 39-2016",
    "facility.floor_m2_per_slot": "derived from Xiamen's 900 m² per 10,000 residents",
    "facility.outdoor_m2_per_slot": "JGJ 39-2016 (≥3 m² per child)",
    "facility.max_floors": "JGJ 39; WS/T 821-2023 (children's rooms on floor 3 or lower)",
    "facility.reuse_max_floor_share": f"{_POLICY} (R6: reuse of public buildings); share assumed",
    "facility.existing_can_expand": "assumption",
    "facility.existing_max_extra_slots": "assumption",
    "facility.service_types": f"{_POLICY} (R7: 全日托、半日托、计时托、临时托)",
    "costs": "assumption (local cost data)",
    "costs.land_per_m2": "assumption: land of a prefecture city such as Guangyuan (set your own)",
    "costs.lease_rent_per_m2_year": "assumption: 5% of the land price a year",
    "costs.lease_years": "assumption; 国卫人口发〔2019〕58号 asks for leases of ≥3 years",
    "costs.discount_rate": "social discount rate 8%, 建设项目经济评价方法与参数 (3rd ed., 2006)",
    "candidates.lease_in_areas": f"{_POLICY} (R2: purchase, swap or lease); off unless opted in",
    "candidates.lease_in_areas.status": f"{_POLICY} (R2 old areas; R3 rural areas if listed)",
    "candidates.lease_in_areas.floor_m2": (
        "JGJ 39-2016 small nursery (1–3 classes): 45 slots × 9 m²; assumed findable in an old 小区"
    ),
    "candidates.lease_in_areas.rent_per_m2_year": (
        "assumption (empty: costs.lease_rent_per_m2_year); set your city's rent of a shop"
    ),
    "currency": "scenario setting (labels costs; nothing is converted)",
    "hazards.petrol_station_m": "GB 50156 (≥50 m from an important public building)",
    "hazards.power_line_m_by_kv": "电力设施保护条例 (protection zones by voltage)",
    "hazards.power_line_default_m": "电力设施保护条例 (110 kV band, for lines without a voltage)",
    "hazards.mall_m": "JGJ 39 §3.1.2 (not next to malls and markets); distance assumed",
    "hazards.enabled": f"{_POLICY} (R9: safety)",
    "network.walking_speed_m_per_min": "planning tools in common use (60–80 m/min)",
    "network.detour_factor": "assumption (straight line × factor without a street network)",
    "accessibility.life_circle_minutes": "5-, 10- and 15-minute life circles (GB 50180-2018)",
    "accessibility.band_weights": "E2SFCA step weights of Luo & Qi (2009)",
    "accessibility.desert_per_1000": "scenario setting (default: half the area's target ratio)",
    "policy.demonstration_per_district": f"{_POLICY} (R5: a demonstration facility per district)",
    "policy.budget": "scenario setting",
    "policy.min_affordable_share": f"{_POLICY} (R8: affordable supply first); share is a setting",
    "policy.new_areas_colocated_only": f"{_POLICY} (R1: 与住宅同步建设、同步验收)",
    "solver": "solver setting",
    "network": "scenario setting",
}
"""Where each scenario default comes from (DOMAIN.md), by flattened key or key prefix."""

_POLICY_ZH = "《关于促进3岁以下婴幼儿照护服务发展的实施意见》（广府办发〔2020〕17号）"
_PLAN_ZH = "《中华人民共和国国民经济和社会发展第十四个五年规划和2035年远景目标纲要》"
_NURSERY = "《托儿所、幼儿园建筑设计规范》JGJ 39"
_SETTING_ZH = "情景设置"

ASSUMPTION_SOURCES_ZH: Mapping[str, str] = {
    "name": _SETTING_ZH,
    "crs": "DOMAIN.md §6（EPSG:4544，CGCS2000 3度带高斯-克吕格投影，中央经线105°E，适用于广元）",
    "ratios.new": f"{_POLICY_ZH}（R1：新建居住区每千人不少于10个托位）",
    "ratios.old": f"{_POLICY_ZH}（R2：老城区和已建成居住区每千人不少于8个托位）",
    "ratios.rural": f"{_PLAN_ZH}：全国每千人4.5个托位（该政策未规定农村指标，R3）",
    "ratios.migrant": f"{_POLICY_ZH}（R4；默认取老城区指标）",
    "ratios.national_target": f"{_PLAN_ZH}：2025年每千人4.5个托位",
    "radii.urban_m": (
        f"《城市居住区规划设计规范》GB 50180-93；{_NURSERY} 第3.1.3条（300米，5分钟生活圈）"
    ),
    "radii.rural_m": (
        "《城市居住区规划设计标准》GB 50180-2018；《社区生活圈规划技术指南》TD/T 1062-2021"
        "（15分钟生活圈）"
    ),
    "radii.new_beside_m": f"{_POLICY_ZH}（R1：在开发项目内或紧邻设置）；距离为假设值",
    "radii.workplace_m": f"{_POLICY_ZH}（R4：用人单位在工作场所举办）；距离为假设值",
    "demand.persons_per_household": "广元市2020年第七次全国人口普查：户均2.36人",
    "demand.birth_rate_per_1000": "广元市2021年人口出生率：6.2‰",
    "demand.takeup": "全国调查：超过30%的婴幼儿家庭有托育需求",
    "demand.migrant_persons_per_worker": "假设（R4）",
    "demand.round_up": (
        "关闭：千人指标适用于居住区，需求托位按区县向上取整一次（DOMAIN.md §4 为逐区取整）"
    ),
    "demand.residents": (
        "默认按人口数据：老旧小区和农村社区取其用地上的人口栅格或普查人口；或按户数：户数×户均人口"
        "（规划人口 = 户数 × 户均人口）"
    ),
    "demand.allocation": "按居住区分配（dasymetric，掩膜面积加权），同 PySAL tobler 与 WorldPop",
    "demand.residual_to_nearest_m": f"{_SETTING_ZH}（关闭：居住区外人口只列出，不计入需求）",
    "demand.children_under3_share": "0–2岁婴幼儿栅格取1.0；WorldPop 0–4岁栅格取0.6",
    "facility.options": (
        "《托育机构设置标准（试行）》（国卫人口发〔2019〕58号）；"
        "《托儿所、幼儿园建筑设计规范》JGJ 39-2016"
    ),
    "facility.floor_m2_per_slot": "由厦门市每万人900平方米推算",
    "facility.outdoor_m2_per_slot": f"{_NURSERY}-2016（每名儿童不少于3平方米）",
    "facility.max_floors": (
        f"{_NURSERY}；《托育机构质量评估标准》WS/T 821-2023（儿童生活用房设在三层及以下）"
    ),
    "facility.reuse_max_floor_share": f"{_POLICY_ZH}（R6：利用公共设施）；比例为假设值",
    "facility.existing_can_expand": "假设",
    "facility.existing_max_extra_slots": "假设",
    "facility.service_types": f"{_POLICY_ZH}（R7：全日托、半日托、计时托、临时托）",
    "costs": "假设（请用当地造价数据）",
    "costs.land_per_m2": "假设：广元等地级市的地价（请按当地设置）",
    "costs.lease_rent_per_m2_year": "假设：每年为地价的5%",
    "costs.lease_years": (
        "假设；《托育机构设置标准（试行）》（国卫人口发〔2019〕58号）要求租赁期不少于3年"
    ),
    "costs.discount_rate": "社会折现率8%，《建设项目经济评价方法与参数》（第三版，2006年）",
    "candidates.lease_in_areas": f"{_POLICY_ZH}（R2：购置、置换、租赁）；默认关闭，按需启用",
    "candidates.lease_in_areas.status": f"{_POLICY_ZH}（R2 老城区；列出时含 R3 农村社区）",
    "candidates.lease_in_areas.floor_m2": (
        f"{_NURSERY}-2016 小型托儿所（1–3个班）：45个托位×9平方米；假定老旧小区内可以找到"
    ),
    "candidates.lease_in_areas.rent_per_m2_year": (
        "假设（未设置时取 costs.lease_rent_per_m2_year）；请按当地商铺租金设置"
    ),
    "currency": f"{_SETTING_ZH}（仅标注费用单位，不作换算）",
    "hazards.petrol_station_m": (
        "《汽车加油加气加氢站技术标准》GB 50156（距重要公共建筑不少于50米）"
    ),
    "hazards.power_line_m_by_kv": "《电力设施保护条例》（按电压等级划定保护区）",
    "hazards.power_line_default_m": "《电力设施保护条例》（无电压信息的线路按110千伏计）",
    "hazards.mall_m": f"{_NURSERY} 第3.1.2条（不与大型商场、集贸市场毗邻）；距离为假设值",
    "hazards.enabled": f"{_POLICY_ZH}（R9：安全）",
    "network.walking_speed_m_per_min": "常用规划工具（60–80米/分钟）",
    "network.detour_factor": "假设（无街道路网时以直线距离乘此系数）",
    "accessibility.life_circle_minutes": (
        "5、10、15分钟生活圈（《城市居住区规划设计标准》GB 50180-2018）"
    ),
    "accessibility.band_weights": (
        "E2SFCA 分段权重：Luo & Qi (2009), An enhanced two-step floating catchment area "
        "(E2SFCA) method for measuring spatial accessibility to primary care physicians"
    ),
    "accessibility.desert_per_1000": f"{_SETTING_ZH}（默认：该居住区目标千人指标的一半）",
    "policy.demonstration_per_district": f"{_POLICY_ZH}（R5：每个县区至少一个示范性托育机构）",
    "policy.budget": _SETTING_ZH,
    "policy.min_affordable_share": f"{_POLICY_ZH}（R8：普惠优先）；比例为情景设置",
    "policy.new_areas_colocated_only": f"{_POLICY_ZH}（R1：与住宅同步建设、同步验收）",
    "solver": "求解器设置",
    "network": _SETTING_ZH,
}
""":data:`ASSUMPTION_SOURCES` in Chinese: a Chinese document by its Chinese title, a
foreign one by its own."""

_SOURCES = {
    "zh": (ASSUMPTION_SOURCES_ZH, _SETTING_ZH),
    "en": (ASSUMPTION_SOURCES, "scenario setting"),
}


def _plain_value(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:,.10g}" if abs(value) >= 1000 else f"{value:g}"
    return str(value)


_VALUES_ZH: Mapping[str, str] = {
    "dasymetric": "按居住区分配",
    "population": "按人口数据",
    "dwellings": "按户数",
    "area_weighted": "按面积加权",
    "full_day": "全日托",
    "half_day": "半日托",
    "hourly": "计时托",
    "temporary": "临时托",
    "petrol_station": "加油站",
    "power_line": "高压线",
    "mall": "大型商场",
    "market": "批发市场",
    "arterial_road": "城市主干道",
    "local": "局部搜索",
    "lagrangian": "拉格朗日松弛",
    "regions": "分区搜索",
    "district": "按区县",
}
"""The words a scenario's settings take (``demand.allocation``, ``facility.service_types``,
``hazards.enabled``, ``solver.cost_search``, ``run.partition``) in the Chinese report; the
setting itself follows in brackets, as the scenario file has it."""

_JOINER = {"en": ", ", "zh": "、"}


def _value_text(value: Any, language: str) -> str:
    """A scenario value as the report shows it: yes/no and the settings' words in Chinese
    for ``"zh"`` (``全日托（full_day）``), as written in the scenario for ``"en"``."""
    if language == "zh":
        if isinstance(value, bool):
            return "是" if value else "否"
        if isinstance(value, str) and value in _VALUES_ZH:
            return f"{_VALUES_ZH[value]}（{value}）"
    return _plain_value(value)


def flatten_scenario(
    scenario: Mapping[str, Any], *, prefix: str = "", language: str = "en"
) -> dict[str, str]:
    """Flatten a nested scenario dict to ``"section.key" → text``.

    Lists of tables (facility size options) become ``facility.options[name].field``;
    lists of plain values are joined with commas (``、`` in Chinese).

    Parameters
    ----------
    scenario
        The scenario as in ``run.json`` (``Scenario.to_dict()``).
    prefix
        Prepended to every key (used in recursion).
    language
        ``"en"`` (the values as the scenario file writes them) or ``"zh"`` (yes/no as
        是/否, and the settings' words in Chinese with the setting in brackets).

    Returns
    -------
    dict
        Flattened keys in their original order, values as display text.

    Examples
    --------
    >>> flatten_scenario({"ratios": {"new": 10.0}, "policy": {"budget": None}})
    {'ratios.new': '10', 'policy.budget': '–'}
    >>> flatten_scenario({"demand": {"round_up": False, "allocation": "dasymetric"}}, language="zh")
    {'demand.round_up': '否', 'demand.allocation': '按居住区分配（dasymetric）'}
    """
    flat: dict[str, str] = {}
    for key, value in scenario.items():
        full = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, Mapping):
            if value:
                flat.update(flatten_scenario(value, prefix=full, language=language))
            else:
                flat[full] = "{}"
        elif isinstance(value, (list, tuple)):
            if value and all(isinstance(v, Mapping) for v in value):
                for i, item in enumerate(value):
                    tag = item.get("name", i)
                    rest = {k: v for k, v in item.items() if k != "name"}
                    flat.update(flatten_scenario(rest, prefix=f"{full}[{tag}]", language=language))
            else:
                flat[full] = _JOINER[language].join(_value_text(v, language) for v in value)
        else:
            flat[full] = _value_text(value, language)
    return flat


def source_of(key: str, *, language: str = "en") -> str:
    """The source of a flattened scenario key, from :data:`ASSUMPTION_SOURCES`.

    The longest matching key or key prefix wins; list indices are ignored.

    Parameters
    ----------
    key
        A key from :func:`flatten_scenario`, for example ``"ratios.new"``.
    language
        ``"en"`` or ``"zh"`` (:data:`ASSUMPTION_SOURCES_ZH`).

    Returns
    -------
    str
        The source, or "scenario setting" (情景设置) when none is recorded.

    Examples
    --------
    >>> source_of("hazards.power_line_m_by_kv.110", language="zh")
    '《电力设施保护条例》（按电压等级划定保护区）'
    >>> source_of("unknown.key", language="zh"), source_of("unknown.key")
    ('情景设置', 'scenario setting')
    """
    sources, setting = _SOURCES[language]
    bare = key.split("[", 1)[0] if "[" in key else key
    parts = bare.split(".")
    for n in range(len(parts), 0, -1):
        candidate = ".".join(parts[:n])
        if candidate in sources:
            return sources[candidate]
    return setting
