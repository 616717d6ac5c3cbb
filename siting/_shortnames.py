"""The short names ``siting`` gives its columns in a shapefile, whose field names hold 10 bytes.

Written by :func:`siting.handin.shapefile_field_names` and read back by
:mod:`siting.inputs`, so a plan's shapefiles can be next year's inputs.
"""

from __future__ import annotations

__all__ = ["SHAPEFILE_NAMES"]

SHAPEFILE_NAMES = {
    "existing_slots": "exist_slot",
    "floor_area_m2": "floor_m2",
    "demonstration": "demo",
    "classes_infant": "cls_infant",
    "classes_toddler": "cls_toddlr",
    "classes_older": "cls_older",
    "classes_mixed": "cls_mixed",
    "district_id": "dist_id",
    "subdistrict_id": "subdist_id",
    "colocated_area_id": "coloc_area",
    "slots_source": "slots_src",
    "service_types": "serv_types",
    "acquisition": "acquisitn",
    "migrant_share": "migr_share",
    "planned_population": "plan_pop",
    "migrant_population": "migr_pop",
    "migrant_demand": "migr_dem",
    "required_slots": "req_slots",
    "required_slots_rounded": "req_round",
    "served_slots": "serv_slots",
    "shortfall_slots": "short_slot",
    "slots_per_1000": "slots_pk",
    "target_per_1000": "target_pk",
    "demand_estimate_slots": "dem_est",
    "nearest_facility_m": "nearest_m",
    "shortfall_reason": "short_why",
    "exclusion_reason": "excl_why",
    "planned_slots": "plan_slots",
    "national_target_per_1000": "nat_tgt_pk",
    "demonstration_count": "demo_count",
    "demonstration_present": "demo_pres",
    "affordable_slots": "aff_slots",
    "residual_population": "resid_pop",
    "residual_people": "resid_ppl",
    "children_under3": "child_u3",
    "children_estimate_slots": "child_est",
    "migrant_slots": "migr_slots",
}
"""Column → its name in a plan's shapefiles, for the columns longer than 10 bytes."""
