"""The run's findings and notes in the report's language, from their codes and numbers.

``run.json`` holds each finding and note as an English sentence and, beside it in
``finding_records`` / ``note_records``, the code and numbers it was built from
(:class:`siting._said.Said`). The English report prints the sentences as they are. The
Chinese report renders each record from its own template here, with the report's number
formatting; a line with no record, or with a code this module has no template for (the
many rare notes of the input readers: GDAL's warnings, columns read under another name,
...), is listed apart under 技术说明（英文）, in English, rather than half translated.

Coded and rendered in Chinese: every finding (demand no site reaches, candidate parcels
none of which fits a size, districts outside
the study area, too few hosts for a demonstration facility, a budget below the cheapest
demonstration facilities, a raster holding nobody or too few of its people in the areas,
areas given nobody, people from outside the districts, and the inputs' findings: a layer
on an old datum used without its shift, a layer that looks drawn on a Chinese web map
(by its name, or by fitting the other layers better moved back from one),
overlapping or duplicated features, a raster short of areas or districts or named for
children, a children raster of older children counted as under three or of no
child under three, an areas layer's
own head count left unread, streets that miss many areas, buildings that weigh nothing),
and the commonest notes (the working CRS, chosen or from the scenario; a CRS assumed for
a file; geometries repaired; generated rows left out; parcels' land areas computed; the
OSM areas and hazards).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from siting.report._format import _num, _pct

_POINTS_LAND = (
    "{areas}个居住区中有{count}个以点给出（小区名录），而非轮廓：每个点代表其周边{low_m}至"
    "{high_m}米内、离它比离其他居住区更近的用地（半径按户数推算，或由 radius_m 统一给出"
    "{points_apart}）；"
)
"""The opening of the findings of areas given as points: the land each stands for."""

_ZH: Mapping[str, str] = {
    # findings
    "unreachable_demand": (
        "{count}个需求单元共需{slots}个托位，步行距离内没有任何候选用地或现有托育机构：{ids}"
    ),
    "default_costs_abroad": (
        "造价：候选用地位于中国境外（中心经纬度 {lon}°，{lat}°），但造价仍为 siting 的默认值，"
        "即按广元等地级市估计的人民币价格（土地每平方米3,000元、新建每平方米4,000元、装修每平方米"
        "1,500元）：规划的费用是广元的而非本地的，哪些用地最便宜也可能因此不同。请在 [costs] 中"
        "设置本地的 land_per_m2、construction_per_m2、fitout_per_m2 等及 currency（用地自己的 "
        "cost 只替代其土地价格）"
    ),
    "no_parcel_fits": (
        "{count}处候选用地均不能容纳任何规模的托育机构（其中{no_land}处没有用地面积：点要素，"
        "或 land_area_m2 为0）：规划无法新建任何设施。请提供候选用地的 land_area_m2（或将其绘制"
        "为面），或在 facility.options 中设置更小的规模"
    ),
    "default_costs_in_other_currency": (
        "造价：币种为{currency}，但单价仍为 siting 的默认值，即以人民币计、按广元等地级市"
        "设定的单价：方案费用是广元的人民币数值，却标为{currency}，费用最低的选址也可能由此"
        "而定。请在 [costs] 下以{currency}设置本地的 land_per_m2、construction_per_m2、"
        "fitout_per_m2 等"
    ),
    "leased_units": (
        "{count}个步行范围内候选用地容纳不下其需求的居住区在规划中租赁社区用房（{ids}）：共需建筑面积{floor_m2}"
        "平方米、{slots}个托位，费用{cost}{unit}（租期内租金及装修）。这些是假定的用房，并非已"
        "调查的房源：请在各小区内或旁边寻找面积相当的用房（社区用房、底层商铺；儿童用房不高于"
        "三层，JGJ 39），并在小区公共空间中安排共{outdoor_m2}平方米室外活动场地，或将找到的"
        "用房作为候选用地提供{still_short}"
    ),
    "areas_too_large_to_walk": (
        "{count}个无任何用地可达的居住区面积过大，步行无法穿越（{ids}）：居住区到设施的步行距离"
        "按其人口的平均步行距离计，居住区宽度超过约3倍服务半径（{radius_m}米）时，任何设施都不在"
        '服务半径内；请将其细分为居住街坊（居住用地图层、OSM 的街区 areas_from = ["blocks"]，'
        "或约两倍服务半径见方的网格）"
    ),
    "districts_outside_study_area": (
        "区县图层中有{count}个区县既无居住区也无候选用地（{ids}），位于研究区外，"
        "不在其中规划示范性托育机构"
    ),
    "demonstration_hosts_short": (
        "{district}需要{need}个示范性托育机构，但区内只有{hosts}处候选用地规模足以承载"
    ),
    "budget_below_demonstration": (
        "预算{budget}{unit}低于各区县所需示范性托育机构的最低费用{cheapest}{unit}"
    ),
    "raster_empty": "{raster}栅格在研究区内没有人口：请检查其是否覆盖居住区",
    "low_held_share": (
        "居住区仅容纳{raster}栅格研究区内{total}人中的{share}（另有{residual}人所在栅格"
        "不与任何居住区相交）：请检查居住区是否覆盖住宅用地，或用 "
        "demand.residual_to_nearest_m 将居住区外人口并入最近的居住区"
    ),
    "raster_empty_census": "人口普查单元在研究区内没有人口：请检查其是否覆盖居住区",
    "low_held_share_census": (
        "居住区仅容纳人口普查单元研究区内{total}人中的{share}（另有{residual}人不在任何居住区"
        "内）：请检查居住区是否覆盖住宅用地"
    ),
    "empty_areas": (
        "{areas}个居住区中有{count}个从人口栅格分不到人口、需求托位为0（{ids}）：它们位于"
        "栅格的无数据像元上或栅格范围之外；请检查栅格是否覆盖这些居住区，或为新建居住区"
        "提供住宅套数"
    ),
    "empty_areas_unbuilt": (
        "{areas}个居住区中有{count}个从人口栅格分不到人口、需求托位为0（{ids}）：建筑图层中没有"
        "位于它们内的住宅建筑，它们所在栅格像元的人口全部分给了像元内有住宅建筑的居住区；请在"
        "建筑图层中补充它们的建筑，或不使用建筑图层"
    ),
    "empty_areas_census": (
        "{areas}个居住区中有{count}个从人口普查单元分不到人口、需求托位为0（{ids}）：它们位于所有"
        "普查单元之外或无人口的单元内；请检查普查单元是否覆盖这些居住区，或为新建居住区提供住宅套数"
    ),
    "people_outside_districts": (
        "居住区容纳的人口中有{outside}人来自区县范围外的栅格（占计入的{total}人的{share}；"
        "区县范围内{inside}人）：{crossing}个居住区跨越区县外边界（{ids}）；请检查区县图层"
        "是否覆盖全市，或将居住区裁剪至区县范围内"
    ),
    "old_datum_unshifted": (
        "{layer}的坐标系 {crs} 采用{datum}，PROJ 没有其至 CGCS2000 的转换参数：该图层仅按投影"
        "换算，位置可能偏离{low_m}–{high_m}米，到它的步行距离（服务半径数百米）和危险源缓冲"
        "（5–50米）都从偏离的位置量起。请在 {section} 下以 datum_shift = {{ towgs84 = [dx, dy, "
        "dz, rx, ry, rz, ds] }} 给出本省至 CGCS2000 的七参数，或先将图层转换至 CGCS2000"
    ),
    "datum_unshifted": (
        "{layer}的坐标系 {crs} 采用{datum}基准，PROJ 没有其至 CGCS2000 的转换参数：该图层仅按"
        "投影换算，可能偏离数十米。请在 {section} 下以 datum_shift 给出其至 CGCS2000 的转换参数，"
        "或先用本单位的转换参数将其转换至 CGCS2000（如在 QGIS 中转为 EPSG:4490）"
    ),
    "web_datum_unshifted": (
        "{layer}疑似取自国内网络地图、坐标为{datum}（依据：{clues}），而非其坐标系 {crs} 所称的"
        "坐标：在图层中心{datum}偏离 WGS 84 约{offset_m}米，而步行服务半径只有数百米。如确是，"
        '请在 {section} 下加 datum_shift = "{shift}"；如已转换为 WGS 84，可忽略'
    ),
    "web_datum_fit": (
        "{layer}疑似取自国内网络地图、为{datum}（与其坐标系 {crs} 所称不符）：按{datum}平移回"
        " WGS 84（{offset_m}米）后与{reference}吻合得多：{measure}；在{radius_m}米内的其他所有"
        '平移中只有{rank_share}同样吻合。如确是，请在 {section} 下加 datum_shift = "{shift}"；'
        "如坐标无误，可忽略"
    ),
    "web_datum_fit_piece": (
        "{layer}的分块 {piece} 疑似取自国内网络地图、为{datum}（与其坐标系 {crs} 所称不符）："
        "按{datum}平移回 WGS 84（{offset_m}米）后与{reference}吻合得多：{measure}；在{radius_m}米内"
        "的其他所有平移中只有{rank_share}同样吻合。如确是，请先将该文件转换回 WGS 84 再提供"
        '（Python：siting.gcj02.geometry_to_wgs84(layer, datum="{shift}")），因 {section} 下的'
        " datum_shift 会平移所有分块；如各分块都是且坐标系相同，可加 datum_shift；"
        "如坐标无误，可忽略"
    ),
    "dwellings_as_residents": (
        "人口数据为户数（inputs.population.counts）：研究区内{dwellings}户按户均人口折合"
        "常住人口{residents}人，千人指标按常住人口计算"
    ),
    "residents_from_dwellings": (
        "按 demand.residents = 'dwellings'，{count}个老旧小区或农村社区以户数×户均"
        "{persons_per_household}人计常住人口，共{people}人（人口数据在其用地上为{population}人）；"
        "另有{kept}个未给户数，仍用人口数据"
    ),
    "areas_as_points": (
        _POINTS_LAND + "老旧小区和农村社区的需求{people_by_land}，只是估计（demand.residents = "
        "'dwellings' 时，给出户数的按户数×户均人口计算）；如有小区轮廓，请改用轮廓"
    ),
    "new_areas_without_dwellings": (
        "有{count}个新建居住区的户数为0，不产生需求（{ids}）：新建居住区的人口为户数×户均人口（R1）；"
        "如为空白单元格存成了0，请补充规划户数"
    ),
    "areas_as_points_own_counts": (
        _POINTS_LAND + "其人口取自身的{column}列，这片用地只用于确定步行的起点"
    ),
    "placed_by_address": (
        "{layer}中有{count}行（共{of}行）没有坐标，按其地址（“{column}”列，address 键）中的"
        "小区名称定位：{at_points}个位于小区名录给出的点位，{in_land}个位于小区轮廓内的一点；"
        "均非实测位置（通常距大门100–300米），位置要紧的请补充经度、纬度"
    ),
    "areas_overlap": (
        "有{count}对居住区相互重叠超过较小者面积的一半（{ids}）：重叠处的栅格人口由二者分摊、"
        "只计一次（按面积加权分配 area_weighted 时计入二者，人口核算中的重叠人数即重复部分），"
        "但二者各按自身类型的千人指标计算托位、分别配置服务（其中{mixed}对类型不同）；"
        "如其一为重复图形，或小区与其楼栋同时给出，请删除其一"
    ),
    "duplicate_geometries": (
        "{layer}中有{count}个要素与其他要素几何完全相同（{groups}），各自单独计算：如为同一"
        "位置的重复要素，请删除副本"
    ),
    "areas_partly_outside_raster": (
        "{raster}栅格 {file} 未完全覆盖{count}个居住区（其用地的{low_share}至{high_share}在栅格"
        "外），这些居住区只计入栅格覆盖部分的人口（{ids}）：请提供完整覆盖这些居住区的栅格"
    ),
    "raster_short_of_districts": (
        "{raster}栅格 {file} 只覆盖{count}个区县的一部分（栅格外用地所占比例：{ids}）：栅格外"
        "的人口既不计入居住区，也不计入剩余人口，区县人口合计偏少；请提供覆盖全部区县的栅格"
    ),
    "areas_people_unread": (
        "居住区图层的“{column}”字段似为各居住区人口（合计{people}人），siting 不读取该字段："
        "居住区人口由人口栅格分配（见人口核算），新建居住区另按住宅套数计算规划人口；如要按该字段"
        "规划，请在 [inputs.population] 下以居住区的文件和图层为 path 和 layer，"
        'column = "{column}"'
    ),
    "census_units_cross_districts": (
        "人口普查单元中有{count}个部分位于区县范围之外（{ids}；共{people}人）：每个单元的人口整体"
        "计入，由其中的居住区承接，没有居住区的计入其主要所在区县的剩余人口；请核对普查单元与区县"
        "边界是否一致，或将普查单元裁剪到区县范围内"
    ),
    "nearest_unused_census": (
        "demand.residual_to_nearest_m 不适用于人口普查单元：没有居住区的单元，其人口计为剩余人口"
        "（单元面积太大，不宜整体划给最近的居住区）；请补绘这些单元中人口实际居住的居住区"
    ),
    "raster_may_count_children": (
        "人口栅格的名称或波段说明“{said}”表明它可能只统计某一年龄段（儿童），而非全部常住人口："
        "千人指标按常住人口计算，把儿童栅格当作常住人口，所需托位约只有应有的十分之一。如确为"
        '儿童栅格，请在 [inputs.population] 下设置 counts = "children" 和 share_of_residents；'
        "否则可忽略"
    ),
    "raster_datum_unshifted": (
        "{raster}栅格 {file} 的坐标系 {crs} 采用{datum}，PROJ 没有其至 {target} 的转换参数：栅格"
        "单元仅按投影换算叠加到居住区上，位置可能偏离数十至上百米，其人口按偏离的位置分给居住区。"
        "请先用本省的七参数将栅格转换（gdalwarp 或 QGIS 栅格重投影）至 {target} 后再提供"
    ),
    "raster_coarser_than_areas": (
        "{raster}栅格 {file} 的单元（{cell_km2}平方公里）大于{of}个居住区中的{count}个（居住区面积"
        "中位数{median_km2}平方公里）：栅格无法反映单元内人口居住在何处，单元人口只能按用地面积分给"
        "其覆盖的居住区，而非按实际居住位置。请提供更精细的栅格（如 WorldPop 100米或3弧秒、GHS-POP "
        "100米），或提供建筑图层在单元内加权"
    ),
    "raster_may_hold_density": (
        "{raster}栅格的名称或波段说明“{said}”表明它可能存放人口密度（每{per}人数），而 siting "
        "按每个栅格单元的人数读取：按每单元人数计为{people}人，按每{per}人数计为{as_density}人。"
        "如确为密度，请先换算为每单元人数（各单元数值 × 其以{per}计的面积）；否则可忽略"
    ),
    "children_older_than_three": (
        "婴幼儿栅格的名称“{file}”表明它统计{low}–{high}岁儿童，但 demand.children_under3_share "
        "为1，其中每名儿童都按3岁以下计（居住区内{children}人）：婴幼儿栅格估算需求托位和每千名"
        "婴幼儿可达托位把3岁及以上儿童也算在内。请在 [demand] 下将 children_under3_share 设为"
        "其中3岁以下儿童的比例（若统计{low}–{high}周岁，约为{suggested}{under_five}）"
    ),
    "children_not_under_three": (
        "婴幼儿栅格的名称“{file}”表明它统计{low}–{high}岁儿童，其中没有3岁以下婴幼儿（居住区内"
        "{children}人）：婴幼儿栅格估算需求托位和每千名婴幼儿可达托位都不是3岁以下婴幼儿的。请在 "
        "[inputs.children] 下改用最小年龄组的栅格（WorldPop 的0岁与1–4岁年龄组，即文件名中的 "
        "…_00_… 与 …_01_…）"
    ),
    "streets_miss_areas": (
        "{of}个居住区中有{count}个（{share}）距路网 {file} 中任何道路都超过服务半径，步行到不了"
        "任何托育设施（{ids}）：请检查路网数据是否覆盖整个研究区"
    ),
    "buildings_unused": (
        "建筑图层只在 dasymetric 人口分配方式下用于加权；当前 [demand] allocation = "
        "{allocation}，该图层未被使用"
    ),
    "buildings_weigh_nothing": (
        "{of}栋住宅建筑中有{count}栋是没有 floor_area_m2 的点：点没有占地面积，层数 × 占地"
        "面积为0，不参与加权（所在栅格的人口按面积重叠分配）；请提供 floor_area_m2 或建筑轮廓"
    ),
    # notes
    "crs_from_scenario": "工作坐标系：{crs}，取自情景设置",
    "crs_chosen": (
        "工作坐标系：自动选用{crs}；如需其他坐标系，请在情景文件中设置 crs（广元可用 EPSG:4544）"
    ),
    "crs_assumed": "{layer}：文件未声明坐标系，按情景设置假定为 {crs}",
    "geometries_repaired": "{layer}：用 make_valid 修复了{count}个无效几何（{ids}）",
    "generated_outside_districts": (
        "{layer}：自动生成的{of}个要素中有{count}个位于所有区县之外，已剔除"
    ),
    "land_area_computed": (
        "候选地块：{count}个地块的用地面积（land_area_m2）按几何图形计算（点要素为0）"
    ),
    "osm_areas": (
        "OSM：从 {file} 读取{count}个居住区，均按{status}处理（inputs.osm.area_status），"
        "以名称标签或 OSM 编号命名"
    ),
    "osm_hazards": "OSM：从 {file} 读取{count}个危险源",
    "census_units_outside": "人口：{of}个普查单元中有{count}个位于研究区之外，已剔除",
}
"""Each code's Chinese sentence; its fields are the record's values, formatted by
:func:`_fields` (a CRS by its code alone: pyproj names it in English)."""


_DATUMS: Mapping[str, str] = {
    "Xian 1980": "1980西安坐标系",
    "Beijing 1954": "1954北京坐标系",
    "New Beijing": "新1954北京坐标系",
    "GCJ-02": "GCJ-02（国测局加密）坐标",
    "BD-09": "BD-09（百度）坐标",
    "China 2000": "2000国家大地坐标系（CGCS2000）",
    "China Geodetic Coordinate System 2000": "2000国家大地坐标系（CGCS2000）",
    "World Geodetic System 1984": "WGS 84",
    "World Geodetic System 1984 ensemble": "WGS 84",
}
"""China's old datums as a Chinese report names them, by PROJ's names, and the web maps'
datums by siting's."""


_FIT_MEASURES: Mapping[str, str] = {
    "points_in": "{features}个点中原有{raw}个位于{reference}内，平移后{moved}个",
    "land_in": "其用地原有{raw}位于{reference}内，平移后{moved}",
    "people_held": "其范围内原有人口栅格的{raw}人，平移后{moved}人",
    "people_at": "其各点所在栅格原有{raw}人，平移后{moved}人",
}
"""A ``web_datum_fit`` finding's measure (:data:`siting.inputs._fit.MEASURES`)."""


def _fit_fields(record: Mapping[str, Any], text: Mapping[str, str]) -> dict[str, str]:
    """A ``web_datum_fit`` record's measure and reference, as the Chinese sentence says them."""
    share = record["measure"] == "land_in"
    raw, moved = (float(record[k]) for k in ("raw", "moved"))
    reference = text.get(f"input_{record['reference']}", str(record["reference"]))
    return {
        "reference": reference,
        "rank_share": _pct(float(record["rank_share"]), 2),
        "measure": _FIT_MEASURES[str(record["measure"])].format(
            raw=_pct(raw, 0) if share else _num(raw),
            moved=_pct(moved, 0) if share else _num(moved),
            features=_num(int(record["features"])),
            reference=reference,
        ),
    }


def _ids(record: Mapping[str, Any]) -> str:
    """The ids a record shows, ``、``-joined, with 等 when it shows only the first few."""
    ids = [str(i) for i in record.get("ids", [])]
    more = int(record.get("count", len(ids)) or 0) > len(ids)
    return "、".join(ids) + ("等" if more else "")


def _fields(record: Mapping[str, Any], text: Mapping[str, str], unit: str) -> dict[str, str]:
    """A record's values as the Chinese sentence writes them."""
    fields: dict[str, str] = {}
    for key, value in record.items():
        if key in ("code", "ids"):
            continue
        if key == "share" or key.endswith("_share"):
            fields[key] = _pct(value, 0)
        elif key == "slots":
            slots = float(value)
            fields[key] = _num(slots, 0 if slots >= 10 or slots == round(slots) else 1)
        elif key == "raster":
            fields[key] = text.get(f"raster_{value}", str(value))
        elif key == "layer":
            fields[key] = text.get(f"input_{value}", str(value))
        elif key == "status":
            fields[key] = text.get(f"status_{value}", str(value))
        elif key.endswith("_km2"):
            fields[key] = f"{float(value):.3g}"
        elif key == "per":
            fields[key] = {"km²": "平方公里", "hectare": "公顷"}.get(str(value), str(value))
        elif key in ("datum", "target"):  # a datum, and the one it should be moved to
            fields[key] = _DATUMS.get(str(value), str(value))
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            fields[key] = _num(value)
        elif isinstance(value, list):
            fields[key] = "、".join(str(v) for v in value)
        else:
            fields[key] = str(value)
    if record["code"] in ("web_datum_fit", "web_datum_fit_piece"):
        fields |= _fit_fields(record, text)
    if record["code"] == "areas_too_large_to_walk" and record.get("radii_m"):
        fields["radius_m"] = "、".join(_num(float(r)) for r in record["radii_m"])  # old, rural
    if record["code"] == "children_older_than_three":  # 0–4 in whole years is already 0.6
        fields["under_five"] = (
            ""
            if fields.get("suggested") == "0.6"
            else "；若统计5岁以下儿童，如 WorldPop 的 age0-5 栅格（0岁与1–4岁波段），取0.6"
        )
    if str(record["code"]).startswith("areas_as_points"):  # the counts that are not 0
        said = (
            (record.get("shared", 0), "个与其他点位置重合"),
            (record.get("inside", 0), "个位于以轮廓给出的居住区内、与之分摊重叠处人口"),
        )
        fields["points_apart"] = "".join(f"；{_num(n)}{words}" for n, words in said if n)
        fields["people_by_land"] = (
            "按这片用地分摊普查单元的人口"
            if record.get("population") == "census"
            else "取这片用地上的栅格人口"
        )
    if record["code"] == "leased_units":  # the areas its unit cannot fill, when any
        fields["still_short"] = (
            f"。其中{fields['short_areas']}个居住区的用房已取其面积所能容纳的最大规模，仍缺"
            f"{fields['short_slots']}个托位：可在能找到更大用房处提高 "
            "candidates.lease_in_areas.floor_m2，或提供该处的候选用地"
            if record.get("short_areas")
            else ""
        )
    if record["code"] == "people_outside_districts":
        fields["share"] = _pct(float(record["outside"]) / float(record["total"]), 1)
    fields["ids"] = _ids(record)
    fields["unit"] = unit
    return fields


def said_lines(
    run: Mapping[str, Any],
    key: str,
    text: Mapping[str, str],
    *,
    language: str,
    districts: Mapping[str, str],
    unit: str,
) -> tuple[list[str], list[str]]:
    """``run[key]`` (``"findings"`` or ``"notes"``) in the report's language.

    Parameters
    ----------
    run
        ``run.json``.
    key
        ``"findings"`` or ``"notes"``; their records are ``run[key[:-1] + "_records"]``.
    text
        The report's labels (:func:`siting.report._labels.labels`).
    language
        ``"zh"`` or ``"en"``.
    districts
        Each district's name as the report writes it, by id.
    unit
        The currency as the report writes it (元).

    Returns
    -------
    tuple of list of str
        The lines rendered in the report's language, and the English lines that have no
        rendering in it (none in English: its report prints every sentence as it is).
    """
    lines = [str(line) for line in run.get(key, []) or []]
    if language == "en":
        return lines, []
    records: Sequence[Any] = run.get(f"{key[:-1]}_records") or [None] * len(lines)
    said, english = [], []
    for line, record in zip(lines, records, strict=False):
        template = _ZH.get(str(record.get("code"))) if isinstance(record, Mapping) else None
        if template is None or not isinstance(record, Mapping):
            english.append(line)
            continue
        fields = _fields(record, text, unit)
        district = record.get("district_id")
        if district is not None:
            fields["district"] = districts.get(str(district), str(district))
        try:
            sentence = template.format(**fields)
        except KeyError:  # a record written by another siting, without a number it needs
            english.append(line)
            continue
        if district is not None and "{district}" not in template:  # a county's own line
            sentence = f"{fields['district']}：{sentence}"
        said.append(sentence)
    return said, english
