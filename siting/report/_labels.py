"""The label strings of maps and reports, in Simplified Chinese and English."""

from __future__ import annotations

from collections.abc import Mapping

from siting.errors import ScenarioError

_LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "layer_population": "人口密度",
        "layer_areas": "居住区千人托位",
        "layer_area_points": "小区点位千人托位",
        "layer_candidates": "候选用地",
        "layer_facilities": "规划托育机构",
        "layer_existing": "现有托育机构",
        "layer_service": "服务关系",
        "layer_districts": "区县",
        "layer_hazards": "危险源及安全距离",
        "layer_residual": "居住区外人口（未计入需求）",
        "residual_people": "居住区外人口",
        "residual_cells": "栅格数",
        "accounting": "人口核算",
        "accounting_raster": "栅格",
        "accounting_source": "人口数据",
        "accounting_method": "分配方法",
        "accounting_total": "研究区总人口",
        "accounting_held": "居住区内人口",
        "accounting_residual": "居住区外人口",
        "accounting_overlap": "重叠重复计数",
        "accounting_moved": "并入最近居住区",
        "raster_population": "常住人口",
        "raster_migrant_population": "流动人口",
        "raster_children": "婴幼儿",
        "method_dasymetric": "按居住区分配（dasymetric）",
        "method_area_weighted": "按面积加权",
        "accounting_note": (
            "按居住区分配：与居住区相交的每个栅格的人口全部分给这些居住区（按相交面积比例），"
            "不与任何居住区相交的栅格人口作为居住区外人口单独列出，不会丢失。"
        ),
        "accounting_note_area_weighted": (
            "按面积加权：每个栅格只按居住区覆盖的面积比例计入，道路、商业和空地上的人口不计入需求。"
        ),
        "accounting_note_census": (
            "人口取自人口普查单元（七普街道/社区）：每个单元的人口全部分给与其相交的居住区（按相交"
            "面积或建筑面积比例），在单元内按居住用地均匀分布；没有居住区的单元人口作为居住区外人口"
            "单独列出，并在地图上显示为该单元。"
        ),
        "rounding_raw": (
            "模型满足各居住区的实际需求托位（不逐区取整，相邻小区合并满足）；"
            "各区县托位数向上取整一次：合计 {per_district}"
            "（逐区取整则为 {per_area}，实际需求 {raw}）。"
        ),
        "children_estimate": "婴幼儿栅格估算需求托位",
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
        "map_overview_note": (
            "概览图：居住区 {areas:,} 个，超过地图细节上限 {limit:,} 个，以点表示（大小按人口）；"
            "人口密度、服务连线、候选地块与可达性图层从略，设施不附弹窗。"
            "完整图形与属性见 plan.gpkg 与各 GeoJSON 图层"
        ),
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
        "site_kind_idle_land": "闲置用地",
        "site_kind_underused_land": "低效用地",
        "site_kind_park": "公园",
        "site_kind_community_centre": "社区服务中心",
        "site_kind_health_centre": "社区卫生服务中心",
        "site_kind_cultural_venue": "文化场馆",
        "site_kind_sports_venue": "体育场馆",
        "site_kind_workplace": "用人单位",
        "site_kind_existing_childcare": "现有托育机构",
        "site_kind_colocated": "新建居住区配建",
        "site_kind_other": "其他",
        "option": "规模",
        "slots": "托位",
        "existing_slots": "现有托位",
        "in_failed_county": "所在区县无规划",
        "slots_assumed": "假定值：OSM 未标注容量",
        "new_slots": "新增托位",
        "classes": "班级构成",
        "infant": "乳儿班",
        "toddler": "托小班",
        "older": "托大班",
        "mixed": "混龄班",
        "floor_area_m2": "建筑面积（m²）",
        "cost": "费用（{currency}）",
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
        "district_all": "全部区县",
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
        "reason_no site within reach fits a facility": "服务半径内用地均不足以设置托育设施",
        "reason_capacity": "容量不足",
        "reason_budget": "预算不足",
        "reason_no plan": "所在区县无规划",
        "no_plan": "无规划",
        "compare_no_plan": "{run}：{county} 无规划：{reason}",
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
        "colon": "：",
        "semicolon": "；",
        "list_joiner": "、",
        "of_county": "{county}{line}",
        "input_areas": "居住区（areas）",
        "input_parcels": "候选地块（parcels）",
        "input_facilities": "现有托育机构（facilities）",
        "input_districts": "区县（districts）",
        "input_subdistricts": "乡镇街道（subdistricts）",
        "input_workplaces": "用人单位工作场所（workplaces）",
        "input_hazards": "危险源（hazards）",
        "input_population": "常住人口（population）",
        "input_migrant_population": "流动人口栅格（migrant_population）",
        "input_children": "婴幼儿栅格（children）",
        "input_streets": "路网（streets）",
        "input_buildings": "建筑（buildings）",
        "input_osm": "OpenStreetMap 数据（osm）",
        "distance_method": "距离计算方式",
        "network": "步行路网距离",
        "straight_line": "直线距离（乘绕行系数）",
        "distance_methods_by_county": "各区县不同：{methods}",
        "distance_methods_joiner": "、",
        "headline": "总体情况",
        "item": "指标",
        "value": "数值",
        "planned_slots": "规划托位",
        "planned_vs_required": "规划托位 / 需求托位",
        "overall_per_1000": "全市千人托位",
        "national_target": "国家目标（2025年）",
        "migrant_slots": "随迁婴幼儿托位",
        "affordable_share": "普惠托位占比",
        "total_cost": "总费用（{currency}）",
        "by_district": "分区县千人托位",
        "by_county": "分区县求解（按区县分别规划）",
        "county_status": "求解状态",
        "county_gap": "间隙",
        "county_seconds": "用时（秒）",
        "county_worker": "计算节点",
        "county_facilities": "设施数",
        "county_reason": "未规划原因",
        "county_reused": "（沿用上次结果）",
        "county_sections": "各区县规划",
        "county_section": "{name}（{id}）",
        "county_summary": "求解状态：{status}，间隙 {gap}，用时 {seconds} 秒（{worker}）。"
        "人口 {population}，需求托位 {required}，规划托位 {planned}（千人 {per_1000}，"
        "目标 {target}），缺口 {shortfall}，设施 {facilities} 处，费用 {cost}。",
        "county_failed": "求解状态：{status}，本区县无规划：{reason}。",
        "county_failed_existing": "区内现有托育机构 {facilities} 处（托位 {slots}）照常开放，"
        "保留在方案图层中并计入邻区县的服务与可达性。",
        "county_failed_demonstration": (
            "示范性托育机构（每区县 {need} 处）未满足：缺 {missing} 处。"
        ),
        "county_failed_residents": "区内居住区人口 {population}，需求托位 {required}，未纳入规划。",
        "county_failed_unestimated": "区内居住区需求未能估算（技术细节：{reason}），"
        "其人口与需求托位在居住区图层中空缺。",
        "county_failed_served": "步行范围内现有托育机构可满足其中 {served}，缺口 {shortfall}"
        "（不计入方案合计）。",
        "failed_counties_slots": "无规划区县居住区：需求 / 已满足 / 缺口（不计入上述合计）",
        "border_pass": "跨界服务（距其他区县 {m} 米内的 {areas} 个居住区可由邻区县设施服务）："
        "跨界托位 {across}，缺口 {short0} → {short1}，"
        "费用 {cost0} → {cost1}，新开设施 {opened} 处。",
        "district_per_1000_chart": "分区县千人托位与目标",
        "target": "目标",
        "meets_target": "达标",
        "demonstration_count": "示范性机构数",
        "demonstration_present": "已有示范性机构",
        "affordable_slots": "普惠托位",
        "cost_by_mode": "按获取方式的费用",
        "cost_by_basis": "费用依据",
        "demonstration_cost": (
            "示范性托育机构（R5）：新建{count}个，费用{cost}{currency}，其中{premium}{currency}为"
            "示范性的额外费用（较同一地块同规模的普通机构）。该规则的全部代价还包括为其选址的差价，"
            "可与不设示范性机构的方案比较得出：siting robust 方案文件 --vary "
            "policy.demonstration_per_district=0,1"
        ),
        "cost_basis": "费用依据",
        "facility_count": "机构数",
        "basis_parcel cost": "用地报价（cost）",
        "basis_land price": "按地价估算（land_per_m2）",
        "basis_co-located": "配建，无土地费用",
        "basis_existing facility": "现有机构扩建",
        "mode": "获取方式",
        "share": "占比",
        "shortfalls": "托位缺口",
        "no_shortfall": "所有居住区均已满足需求。",
        "notes": "说明",
        "notes_english": "技术说明（英文）",
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
        "cost_search_line": (
            "费用阶段：下界 {bound}（来自{source}），方案由{found}找到；用时 局部搜索 {ls} 秒、"
            "拉格朗日 {lr} 秒、拉格朗日启发式 {lh} 秒、HiGHS {highs} 秒、分区搜索 {rs} 秒、"
            "分区下界 {rb} 秒"
        ),
        "search_highs": "HiGHS",
        "search_lagrangian": "拉格朗日松弛",
        "search_local search": "局部搜索",
        "search_highs + local search": "HiGHS 与局部搜索",
        "search_start": "初始方案",
        "search_regions": "分区整数规划（分解下界）",
        "search_region search": "分区搜索（逐区精确重排）",
        "search_region search + local search": "分区搜索与局部搜索",
        "search_lagrangian plan": "拉格朗日启发式（按松弛解选址后修复）",
        "search_lagrangian plan + local search": "拉格朗日启发式与局部搜索",
        "status_infeasible": "无可行解：约束条件无法同时满足",
        "status_timed_out": "达到时间上限，未找到可行解",
        "status_unbounded": "目标无界（模型错误）",
        "status_error": "求解器出错",
        "status_other": "状态：{status}",
        "status_partial": "部分区县无规划",
        "run_optimal": "已证明最优",
        "run_feasible": "可行解",
        "run_infeasible": "无可行解",
        "run_timed_out": "超时，未找到可行解",
        "run_unbounded": "目标无界",
        "run_error": "求解器出错",
        "run_no_sites": "无候选用地",
        "run_failed": "求解失败",
        "run_feasible_gap": "可行解，间隙 {gap}",
        "run_feasible_nogap": "可行解，间隙未知",
        "run_joiner": "；",
        "stage_shortfall": "缺口最小化：{status}",
        "stage_cost": "费用最小化：{status}",
        "stage_distance": "距离最小化：{status}",
        "counties_optimal": "{n} 个区县均已证明最优",
        "counties_feasible": "各区县最大间隙 {gap}",
        "counties_partial": "{planned}/{n} 个区县有规划；无规划：{failed}",
        "county_no_plan": "{id}（{reason}）",
        "county_reason_no_sites": "无候选用地，也无现有托育机构",
        # why a county has no plan: siting.province.engine.FAILURES (English: the reason)
        "county_reason_infeasible": "模型无可行解：约束条件无法同时满足",
        "county_reason_timed_out": "达到求解时间上限，未找到可行方案",
        "county_reason_unbounded": "目标无界（模型错误）",
        "county_reason_solver_error": "求解器中途出错或返回无法识别的状态",
        "county_reason_solver": "求解器无法运行（参数或模型被拒绝）",
        "county_reason_inputs": "本区县的输入图层无法使用",
        "county_reason_scenario": "情景设置不适用于本区县",
        "county_reason_network": "本区县的路网无法读取或使用",
        "county_reason_error": "准备或求解时出错（程序错误）",
        "county_reason_lost": "集群上的计算任务失败（计算节点多次丢失或任务出错）",
        "county_reason_failed": "求解失败",
        "county_reason_detail": "{reason}（技术细节：{detail}）",
        "border_not_optimal": (
            "各区县均已证明最优；跨界服务：{parts} 个部分中 {optimal} 个已证明最优，"
            "{changed} 个为降低缺口作了调整，其余保持各区县的方案"
        ),
        "worker_local": "本机",
        "solver_part_local search": "局部搜索",
        "solver_part_lagrangian": "拉格朗日松弛",
        "solver_part_regions": "分区搜索",
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
        "unit_10k_cny": "万{currency}",
    },
    "en": {
        "layer_population": "Population density",
        "layer_areas": "Residential areas: slots per 1,000",
        "layer_area_points": "Residential areas at their points: slots per 1,000",
        "layer_candidates": "Candidate sites",
        "layer_facilities": "Planned facilities",
        "layer_existing": "Existing facilities",
        "layer_service": "Service lines",
        "layer_districts": "Districts",
        "layer_hazards": "Hazards and buffers",
        "layer_residual": "Residual population (outside residential areas)",
        "residual_people": "People outside residential areas",
        "residual_cells": "Raster cells",
        "accounting": "Population accounted for",
        "accounting_raster": "Raster",
        "accounting_source": "Population data",
        "accounting_method": "Allocation",
        "accounting_total": "Total in the study area",
        "accounting_held": "Held by residential areas",
        "accounting_residual": "Residual (no residential area)",
        "accounting_overlap": "Counted twice (overlaps)",
        "accounting_moved": "Moved to the nearest area",
        "raster_population": "Residents",
        "raster_migrant_population": "Migrants",
        "raster_children": "Young children",
        "method_dasymetric": "dasymetric",
        "method_area_weighted": "area-weighted",
        "accounting_note": (
            "Dasymetric allocation: every person of a raster cell that residential areas touch "
            "goes to those areas, in proportion to their overlap; the people of cells that no "
            "residential area touches are the residual, listed and never dropped."
        ),
        "accounting_note_area_weighted": (
            "Area-weighted sums: a cell counts only by the share of it that residential areas "
            "cover, so people on roads, shops and open land between the blocks are not in demand."
        ),
        "accounting_note_census": (
            "Population from census units (七普 by 街道/社区): every person of a unit goes to the "
            "residential areas overlapping it, by their overlap (or their buildings' floor "
            "area), spread evenly over its residential land; the people of units no area "
            "touches are the residual, listed and drawn on the map as the units themselves."
        ),
        "rounding_raw": (
            "The model serves each area's raw requirement (small neighbouring areas are met "
            "together); each district's count is rounded up once: {per_district} in all "
            "({per_area} if every area were rounded up; {raw} raw)."
        ),
        "children_estimate": "Demand estimated from the children raster",
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
        "map_overview_note": (
            "Overview: {areas:,} residential areas, above the map's detail limit of {limit:,}, "
            "drawn as points sized by their people; population density, service lines, "
            "candidate sites and access layers left out, facilities without popups. Every "
            "outline and attribute is in plan.gpkg and the GeoJSON layers"
        ),
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
        "in_failed_county": "In a county without a plan",
        "slots_assumed": "assumed: no OSM capacity tag",
        "new_slots": "New slots",
        "classes": "Classes",
        "infant": "infant",
        "toddler": "toddler",
        "older": "older toddler",
        "mixed": "mixed",
        "floor_area_m2": "Floor area (m²)",
        "cost": "Cost ({currency})",
        "site_kind_idle_land": "idle land",
        "site_kind_underused_land": "underused land",
        "site_kind_park": "park",
        "site_kind_community_centre": "community centre",
        "site_kind_health_centre": "health centre",
        "site_kind_cultural_venue": "cultural venue",
        "site_kind_sports_venue": "sports venue",
        "site_kind_workplace": "workplace",
        "site_kind_existing_childcare": "existing childcare",
        "site_kind_colocated": "built with a new area",
        "site_kind_other": "other",
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
        "district_all": "All districts",
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
        "reason_no site within reach fits a facility": "no site within reach fits a facility",
        "reason_capacity": "capacity",
        "reason_budget": "budget",
        "reason_no plan": "the county has no plan",
        "no_plan": "no plan",
        "compare_no_plan": "{run}: {county} has no plan: {reason}",
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
        "colon": ": ",
        "semicolon": "; ",
        "list_joiner": ", ",
        "of_county": "{county}: {line}",
        "distance_method": "Distances",
        "network": "walking distance on the street network",
        "straight_line": "straight line × detour factor",
        "distance_methods_by_county": "{methods}, by county",
        "distance_methods_joiner": " or ",
        "headline": "Headline",
        "item": "Item",
        "value": "Value",
        "planned_slots": "Planned slots",
        "planned_vs_required": "Planned slots / required slots",
        "overall_per_1000": "Slots per 1,000 residents (all districts)",
        "national_target": "National target (2025)",
        "migrant_slots": "Slots for migrant children",
        "affordable_share": "Affordable share of slots",
        "total_cost": "Total cost ({currency})",
        "by_district": "Slots per 1,000 by district",
        "by_county": "Counties solved one by one",
        "county_status": "Status",
        "county_gap": "Gap",
        "county_seconds": "Seconds",
        "county_worker": "Worker",
        "county_facilities": "Facilities",
        "county_reason": "Why no plan",
        "county_reused": "(reused from an earlier run)",
        "county_sections": "County by county",
        "county_section": "{name} ({id})",
        "county_summary": "Status: {status}, gap {gap}, {seconds} s ({worker}). "
        "Population {population}, required slots {required}, planned slots {planned} "
        "({per_1000} per 1,000 against {target}), shortfall {shortfall}, "
        "{facilities} facilities, cost {cost}.",
        "county_failed": "Status: {status}; this county has no plan: {reason}.",
        "county_failed_existing": " Its {facilities} existing facilities ({slots} slots) stand: "
        "they stay in the plan's layers and count in the neighbours' service and access.",
        "county_failed_demonstration": " Its demonstration facilities ({need} per county) "
        "are unmet: {missing} missing.",
        "county_failed_residents": " Its residential areas hold {population} people, "
        "who need {required} slots: no plan serves them.",
        "county_failed_unestimated": " The demand of its residential areas could not be "
        "estimated ({reason}): their people and slots are left empty in the areas layer.",
        "county_failed_served": " Standing facilities within their walk serve {served} of "
        "those slots; {shortfall} short (outside the plan's totals).",
        "failed_counties_slots": "Areas of counties without a plan: required / served / "
        "short (not in the totals above)",
        "border_pass": "Across borders ({areas} areas within {m} m of another district may be "
        "served by its sites): {across} slots served across borders, shortfall {short0} → "
        "{short1}, cost {cost0} → {cost1}, {opened} sites opened.",
        "district_per_1000_chart": "Slots per 1,000 by district against target",
        "target": "target",
        "meets_target": "Meets target",
        "demonstration_count": "Demonstration facilities",
        "demonstration_present": "Has a demonstration facility",
        "affordable_slots": "Affordable slots",
        "cost_by_mode": "Cost by acquisition mode",
        "cost_by_basis": "What the costs rest on",
        "demonstration_cost": (
            "Demonstration facilities (R5): {count} new, costing {cost} {currency}, of which "
            "{premium} {currency} is the demonstration tier's extra over a plain facility of "
            "the same size on the same site. The rule's whole price also holds the sites "
            "chosen for it; a plan without it measures that: siting robust SCENARIO.toml "
            "--vary policy.demonstration_per_district=0,1"
        ),
        "cost_basis": "Cost basis",
        "facility_count": "Facilities",
        "basis_parcel cost": "the parcel's cost",
        "basis_land price": "land price (land_per_m2)",
        "basis_co-located": "co-located, no land cost",
        "basis_existing facility": "existing facility, expansion",
        "mode": "Mode",
        "share": "Share",
        "shortfalls": "Shortfalls",
        "no_shortfall": "Every residential area is fully served.",
        "notes": "Notes",
        "notes_english": "Technical notes",
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
        "cost_search_line": (
            "Cost stage: bound {bound} (from {source}), plan found by {found}; "
            "local search {ls} s, Lagrangian {lr} s, Lagrangian plan {lh} s, HiGHS {highs} s, "
            "region search {rs} s, region bound {rb} s"
        ),
        "search_highs": "HiGHS",
        "search_lagrangian": "the Lagrangian relaxation",
        "search_local search": "the local search",
        "search_highs + local search": "HiGHS and the local search",
        "search_start": "the starting plan",
        "search_regions": "the regions' own integer programs (a decomposition bound)",
        "search_region search": "the region search (regions re-planned exactly)",
        "search_region search + local search": "the region search and the local search",
        "search_lagrangian plan": "the Lagrangian heuristic (the relaxation's sites, repaired)",
        "search_lagrangian plan + local search": "the Lagrangian heuristic and the local search",
        "status_infeasible": "infeasible: the constraints cannot all be met",
        "status_timed_out": "time limit reached before any solution was found",
        "status_unbounded": "unbounded (a modelling error)",
        "status_error": "the solver failed",
        "status_other": "status: {status}",
        "status_partial": "partial: some counties have no plan",
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
        "unit_10k_cny": "10,000 {currency}",
    },
}


_MONEY_KEYS = ("cost", "total_cost", "unit_10k_cny")
"""Labels that name the currency, written with a ``{currency}`` placeholder."""


def labels(language: str = "zh", *, currency: str = "CNY") -> Mapping[str, str]:
    """The label strings for maps and reports.

    Parameters
    ----------
    language
        ``"zh"`` (default, Simplified Chinese) or ``"en"``.
    currency
        The currency costs are in (the scenario's ``currency``). Chinese
        labels write CNY as 元; every other currency is written as given.

    Returns
    -------
    Mapping
        Label key → text.

    Raises
    ------
    ScenarioError
        If the language is not one of those.

    Examples
    --------
    >>> labels("zh")["cost"], labels("en", currency="EUR")["total_cost"]
    ('费用（元）', 'Total cost (EUR)')
    """
    if language not in _LABELS:
        raise ScenarioError(f"language must be one of {sorted(_LABELS)}, got {language!r}")
    text = _LABELS[language]
    unit = "元" if language == "zh" and currency == "CNY" else currency
    return {**text, **{k: text[k].replace("{currency}", unit) for k in _MONEY_KEYS}}
