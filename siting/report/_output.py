"""Reading a plan run's output folder back: its layers (in WGS84), tables and ``run.json``."""

from __future__ import annotations

import json
import logging
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from siting.errors import InputError, Problem, plan_folder
from siting.report._phases import last_year_rows

if TYPE_CHECKING:
    import geopandas as gpd

logger = logging.getLogger(__name__)

ACQUISITION_MODES = ("new_build", "purchase", "swap", "lease", "reuse", "existing")
"""Acquisition modes in the order reports list them (R1, R2, R6, and existing supply)."""


@dataclass(frozen=True)
class PlanOutput:
    """The files of one plan run's output folder, read back.

    Attributes
    ----------
    out_dir
        The folder.
    run
        ``run.json`` as a dict.
    areas, facilities, candidates, districts, hazards, service_lines, residual, area_points
        The GeoJSON layers (WGS84), or ``None`` when the file is absent.
    district_table
        ``districts.csv`` (or the districts layer's attributes), or ``None``;
        for a phased plan, its last year's rows.
    assignments
        ``assignments.csv``, or an empty table.
    district_years
        A phased plan's ``districts.csv``: one row per district and year; ``None``
        for a plan without phases.
    """

    out_dir: Path
    run: Mapping[str, Any]
    areas: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame | None = None
    candidates: gpd.GeoDataFrame | None = None
    districts: gpd.GeoDataFrame | None = None
    hazards: gpd.GeoDataFrame | None = None
    service_lines: gpd.GeoDataFrame | None = None
    residual: gpd.GeoDataFrame | None = None
    district_table: pd.DataFrame | None = None
    assignments: pd.DataFrame = field(default_factory=pd.DataFrame)
    district_years: pd.DataFrame | None = None
    area_points: gpd.GeoDataFrame | None = None


def _read_layer(path: Path, written: Collection[str] | None = None) -> gpd.GeoDataFrame | None:
    """A layer of the plan's folder in WGS 84, or ``None`` when it is absent: said (INFO)
    when the plan wrote it (``written``, ``run.json``'s ``files``), else only at DEBUG (a
    plan without districts writes no ``districts.geojson``, and the map and the report of
    every such run said so, naming the staging folder, ``.out.partial-…``, whose
    ``run.json`` lists no files yet)."""
    import geopandas as gpd

    if not path.is_file():
        level = logging.INFO if written is not None and path.name in written else logging.DEBUG
        logger.log(level, "%s not found; its layer is left out", path)
        return None
    frame = gpd.read_file(path)
    if frame.crs is None:
        frame = frame.set_crs("EPSG:4326")
    elif not frame.crs.equals("EPSG:4326"):
        frame = frame.to_crs("EPSG:4326")
    return frame


def read_plan_output(out_dir: str | Path, *, call: str = "read_plan_output") -> PlanOutput:
    """Read a plan run's output folder.

    Parameters
    ----------
    out_dir
        The folder a plan run wrote. ``run.json`` and ``areas.geojson`` are
        required; every other file is optional.
    call
        The public function reading it (``"plan_map"``), for the error when
        ``out_dir`` is not a path (a :class:`~siting.plan.Plan`).

    Returns
    -------
    PlanOutput
        The layers and tables.

    Raises
    ------
    InputError
        If the folder, ``run.json`` or ``areas.geojson`` is missing or unreadable.
    """
    folder = plan_folder(out_dir, call=call)
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
    files = run.get("files")
    written = {str(f) for f in files} if isinstance(files, list) else None
    districts_csv = folder / "districts.csv"
    districts = _read_layer(folder / "districts.geojson", written)
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
        facilities=_read_layer(folder / "facilities.geojson", written),
        candidates=_read_layer(folder / "candidates.geojson", written),
        districts=districts,
        hazards=_read_layer(folder / "hazards.geojson", written),
        service_lines=_read_layer(folder / "service_lines.geojson", written),
        residual=_read_layer(folder / "residual.geojson", written),
        area_points=_read_layer(folder / "area_points.geojson", written),
        district_table=last_year_rows(table),
        assignments=assignments,
        district_years=table if table is not None and "year" in table.columns else None,
    )


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
