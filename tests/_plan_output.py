"""A small synthetic plan output folder near Guangyuan, in the exact schema a plan run writes.

Used by ``test_maps.py``, ``test_report.py`` and ``test_browser.py``. Variant
``"b"`` changes the budget, opens one more facility (``P5``), resizes ``P2``
and closes the shortfall of area ``A3``.

Numbers of variant A that the tests check:

* totals: required 208, planned 400, served 190, shortfall 30, migrant 12,
  affordable share 0.925, cost 10,800,000 (new_build 3,200,000, purchase
  5,500,000, reuse 2,100,000);
* 利州区 510802: 13.24 slots per 1,000 against 8.59; 昭化区 510811: 19.44 against 6.83;
* shortfall areas: 老城片区 A2 (16, capacity) and 宝轮村 A3 (14, no site within reach).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
from shapely.geometry import LineString, Point, box

from siting.scenario import Scenario

LON0, LAT0 = 105.843, 32.435  # Guangyuan city government, 利州区
D = 0.003  # about 300 m


def _sq(dx: float, dy: float, size: float = D) -> Any:
    x, y = LON0 + dx, LAT0 + dy
    return box(x, y, x + size, y + size)


def _pt(dx: float, dy: float) -> Point:
    return Point(LON0 + dx, LAT0 + dy)


def write_plan_output(folder: Path, *, variant: str = "a") -> Path:
    """Write the synthetic output folder and return it."""
    folder.mkdir(parents=True, exist_ok=True)
    b = variant == "b"
    districts = gpd.GeoDataFrame(
        {
            "district_id": ["510802", "510811"],
            "name": ["利州区", "昭化区"],
            "population": [17000, 9000],
            "required_slots": [146, 62],
            "planned_slots": [225 if not b else 205, 175 + (45 if b else 0)],
            "slots_per_1000": [13.24 if not b else 12.06, 19.44 if not b else 24.44],
            "target_per_1000": [8.59, 6.83],
            "demonstration_count": [1, 1],
            "demonstration_present": [True, True],
            "migrant_slots": [12, 0],
            "affordable_slots": [225, 145 + (45 if b else 0)],
            "cost": [8_700_000, 2_100_000 + (900_000 if b else 0)],
            "residual_population": [180.4, 42.0],
        },
        geometry=[_sq(-0.01, -0.01, 0.02), _sq(0.01, -0.01, 0.02)],
        crs="EPSG:4326",
    )
    areas = gpd.GeoDataFrame(
        {
            "area_id": ["A1", "A2", "A3", "A4"],
            "name": ["东坝小区", "老城片区", "宝轮村", "昭化新城"],
            "name_en": ["Dongba", "Old town", "Baolun village", "Zhaohua new town"],
            "status": ["new", "old", "rural", "old"],
            "district_id": ["510802", "510802", "510811", "510811"],
            "subdistrict_id": ["51080201", "51080202", "51081101", "51081102"],
            "population": [0, 12000, 3000, 6000],
            "planned_population": [5000, 0, 0, 0],
            "migrant_demand": [0, 12, 0, 0],
            "required_slots": [50, 96, 14, 48],
            "served_slots": [50, 80, 14 if b else 0, 48],
            "shortfall_slots": [0, 16, 0 if b else 14, 0],
            "slots_per_1000": [10.0, 6.67, 4.67 if b else 0.0, 8.0],
            "target_per_1000": [10.0, 8.0, 4.5, 8.0],
            "demand_estimate_slots": [28, 67, 17, 33],
            "nearest_facility_m": [120.0, 240.0, 300.0 if b else 1850.0, 210.0],
            "shortfall_reason": ["", "capacity", "" if b else "no site within reach", ""],
        },
        geometry=[_sq(-0.006, 0.0), _sq(-0.002, 0.0), _sq(0.012, 0.004), _sq(0.014, -0.004)],
        crs="EPSG:4326",
    )
    fac_rows = [
        # site_id, name, kind, acquisition, option, slots, existing, new, classes(4), floor, cost,
        # district, demonstration, existing?, affordable, colocated, point
        (
            "P1",
            "东坝托育中心",
            "idle_land",
            "new_build",
            "medium",
            80,
            0,
            80,
            (1, 2, 2, 0),
            720.0,
            3_200_000,
            "510802",
            False,
            False,
            True,
            "A1",
            _pt(-0.0045, 0.0015),
        ),
        (
            "P2",
            "利州示范托育中心",
            "community_centre",
            "purchase",
            "large" if b else "demonstration",
            125 if b else 145,
            0,
            125 if b else 145,
            (2, 3, 4, 0) if not b else (2, 3, 3, 0),
            1605.0,
            5_500_000,
            "510802",
            not b,
            False,
            True,
            None,
            _pt(-0.0005, 0.0015),
        ),
        (
            "E1",
            "幸福托儿所",
            "existing",
            "existing",
            "",
            30,
            30,
            0,
            (0, 1, 0, 1),
            300.0,
            0,
            "510811",
            False,
            True,
            False,
            None,
            _pt(0.0155, -0.0025),
        ),
        (
            "P4",
            "昭化社区托育点",
            "park",
            "reuse",
            "demonstration",
            145,
            0,
            145,
            (2, 3, 4, 0),
            1605.0,
            2_100_000,
            "510811",
            True,
            False,
            True,
            None,
            _pt(0.0165, -0.0015),
        ),
    ]
    if b:
        fac_rows.append(
            (
                "P5",
                "文化馆托育点",
                "cultural_venue",
                "reuse",
                "small",
                45,
                0,
                45,
                (1, 1, 1, 0),
                405.0,
                900_000,
                "510811",
                False,
                False,
                True,
                None,
                _pt(0.0135, 0.0055),
            )
        )
    facilities = gpd.GeoDataFrame(
        {
            "site_id": [r[0] for r in fac_rows],
            "name": [r[1] for r in fac_rows],
            "kind": [r[2] for r in fac_rows],
            "acquisition": [r[3] for r in fac_rows],
            "option": [r[4] for r in fac_rows],
            "slots": [r[5] for r in fac_rows],
            "existing_slots": [r[6] for r in fac_rows],
            "new_slots": [r[7] for r in fac_rows],
            "classes_infant": [r[8][0] for r in fac_rows],
            "classes_toddler": [r[8][1] for r in fac_rows],
            "classes_older": [r[8][2] for r in fac_rows],
            "classes_mixed": [r[8][3] for r in fac_rows],
            "floor_area_m2": [r[9] for r in fac_rows],
            "cost": [r[10] for r in fac_rows],
            "district_id": [r[11] for r in fac_rows],
            "subdistrict_id": ["x"] * len(fac_rows),
            "demonstration": [r[12] for r in fac_rows],
            "existing": [r[13] for r in fac_rows],
            "affordable": [r[14] for r in fac_rows],
            "service_types": ["full_day,half_day,hourly,temporary"] * len(fac_rows),
            "colocated_area_id": [r[15] for r in fac_rows],
        },
        geometry=[r[16] for r in fac_rows],
        crs="EPSG:4326",
    )
    candidates = gpd.GeoDataFrame(
        {
            "site_id": ["P1", "P2", "P3", "P4", "P5"],
            "name": [
                "东坝托育中心",
                "利州示范托育中心",
                "加油站旁地块",
                "昭化社区托育点",
                "文化馆托育点",
            ],
            "kind": ["idle_land", "community_centre", "idle_land", "park", "cultural_venue"],
            "acquisition": ["new_build", "purchase", "new_build", "reuse", "reuse"],
            "cost": [3_200_000, 5_500_000, 1_000_000, 2_100_000, 900_000],
            "affordable": [True, True, True, True, True],
            "district_id": ["510802", "510802", "510802", "510811", "510811"],
            "state": ["chosen", "chosen", "excluded", "chosen", "chosen" if b else "not chosen"],
            "exclusion_reason": ["", "", "within 50 m of petrol station H1", "", ""],
        },
        geometry=[
            _pt(-0.0045, 0.0015),
            _pt(-0.0005, 0.0015),
            _pt(-0.0080, -0.0040),
            _pt(0.0165, -0.0015),
            _sq(0.0130, 0.0050, 0.001),
        ],
        crs="EPSG:4326",
    )
    hazards = gpd.GeoDataFrame(
        {
            "hazard_id": ["H1"],
            "kind": ["petrol_station"],
            "name": ["中石化加油站"],
            "buffer_m": [50.0],
        },
        geometry=[_pt(-0.0082, -0.0041).buffer(0.0005)],
        crs="EPSG:4326",
    )
    assign_rows = [
        ("d1", "A1", "P1", "resident", 50, 120.0),
        ("d2", "A2", "P2", "resident", 80, 260.0),
        ("m1", "A2", "P2", "migrant", 12, 240.0),
        ("d3", "A4", "E1", "resident", 30, 210.0),
        ("d4", "A4", "P4", "resident", 18, 280.0),
    ]
    if b:
        assign_rows.append(("d5", "A3", "P5", "resident", 14, 300.0))
    assignments = pd.DataFrame(
        assign_rows, columns=["demand_id", "area_id", "site_id", "kind", "slots", "distance_m"]
    )
    site_xy = {r[0]: r[16] for r in fac_rows}
    area_xy = {a: g.centroid for a, g in zip(areas["area_id"], areas.geometry, strict=True)}
    service_lines = gpd.GeoDataFrame(
        assignments[["site_id", "area_id", "demand_id", "kind", "slots", "distance_m"]],
        geometry=[
            LineString([site_xy[s], area_xy[a]])
            for s, a in zip(assignments["site_id"], assignments["area_id"], strict=True)
        ],
        crs="EPSG:4326",
    )
    residual = gpd.GeoDataFrame(
        {"block_id": ["R1", "R2"], "residual_people": [180.4, 42.0], "cells": [3, 1]},
        geometry=[_sq(0.0200, 0.0100, 0.002), _sq(-0.0120, 0.0090, 0.001)],
        crs="EPSG:4326",
    )
    for name, frame in (
        ("residual", residual),
        ("districts", districts),
        ("areas", areas),
        ("facilities", facilities),
        ("candidates", candidates),
        ("hazards", hazards),
        ("service_lines", service_lines),
    ):
        frame.to_file(folder / f"{name}.geojson", driver="GeoJSON")
    pd.DataFrame(districts.drop(columns="geometry")).to_csv(
        folder / "districts.csv", index=False, encoding="utf-8"
    )
    assignments.to_csv(folder / "assignments.csv", index=False, encoding="utf-8")

    scenario = Scenario(name="广元示例" if not b else "广元示例-预算")
    scenario_dict = scenario.to_dict()
    if b:
        scenario_dict["policy"]["budget"] = 9_000_000.0
    run = {
        "status": "optimal" if b else "feasible",
        "message": "" if b else "time limit reached with an incumbent",
        "gap": 0.0 if b else 0.0123,
        "objective": {"shortfall": 16.0 if b else 30.0, "cost": 11_700_000.0, "distance": 1.2e5},
        "stages": [],
        "solver": "highs 1.16.0",
        "versions": {"siting": "0.1.0"},
        "timings_s": {"solve": 1.0},
        "scenario": scenario_dict,
        "inputs": {"areas": {"path": "areas.gpkg", "sha256": "ab" * 32}},
        "notes": ["Required slots are rounded up per area."],
        "findings": ["宝轮村 has no site within 1,000 m."] if not b else [],
        "distance_method": "straight_line",
        "population_accounting": {
            "population": {
                "method": "dasymetric",
                "total": 26222.4,
                "held": 26000.0,
                "residual": 222.4,
                "overlap": 0.0,
                "held_share": 26000.0 / 26222.4,
                "residual_share": 222.4 / 26222.4,
                "moved_to_nearest": 0.0,
                "residual_by_district": {"510802": 180.4, "510811": 42.0},
            }
        },
        "rounding": {
            "method": "raw requirement served; counts rounded up once per district",
            "required_slots_raw": 205.3,
            "required_slots_rounded_per_area": 214.0,
            "required_slots_rounded_per_district": 208.0,
        },
        "totals": {
            "required_slots": 208,
            "planned_slots": 425 if b else 400,
            "served_slots": 204 if b else 190,
            "shortfall_slots": 16 if b else 30,
            "migrant_slots": 12,
            "affordable_share": 0.93 if b else 0.925,
            "cost": 11_700_000 if b else 10_800_000,
            "cost_by_acquisition": {
                "new_build": 3_200_000,
                "purchase": 5_500_000,
                "swap": 0,
                "lease": 0,
                "reuse": 3_000_000 if b else 2_100_000,
                "existing": 0,
            },
            "population": 26000,
        },
    }
    (folder / "run.json").write_text(json.dumps(run, ensure_ascii=False, indent=2), "utf-8")
    return folder
