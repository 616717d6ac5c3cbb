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
