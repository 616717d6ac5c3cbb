"""Demand: how many childcare slots each residential area and workplace needs.

* **Resident population** of an area is its share of the population raster,
  allocated with exact cell coverage (:func:`siting.allocation.allocate`):
  by default **dasymetric**, so every person of a cell that residential areas
  touch goes to them, and the people of cells no area touches are the
  **residual** population, reported per district and never dropped
  (``demand.allocation = "area_weighted"`` is the plain zonal sum). With a
  buildings layer (``[inputs.buildings]``, or ``buildings`` in
  ``inputs.osm.use``), a cell's people are split among its areas by their
  buildings' residential floor area; buildings of non-residential kinds
  (:data:`siting.osm.NON_RESIDENTIAL_BUILDINGS`) hold nobody. Optionally
  the residual within ``demand.residual_to_nearest_m`` of an area is given to
  the nearest one.
* **Planned population** of a new area (R1) is ``dwellings × persons per
  household`` (2.36 in Guangyuan, 2020): the raster cannot see people who have
  not moved in yet. For old and rural areas it is the resident population.
* **Migrant population** (R4) comes from a migrant raster when one is given,
  otherwise from the area's ``migrant_share`` × its population. It is counted
  *in addition to* the resident population and kept in separate columns, so
  the plan can report migrant slots on their own. Workplaces add the migrant
  workers' households (``migrant_workers × migrant_persons_per_worker``).
* **Required slots** = ratio × population / 1,000, with the ratio of the
  area's class (new 10, old 8, rural 4.5 by default). The model serves this
  raw requirement (small neighbouring areas are met together); counts are
  rounded once where they are reported: ``required_slots_rounded`` per area
  rounds up only an area that needs at least a whole class, districts round
  their sum. ``demand.round_up`` restores rounding every area up
  (``required_rounded`` says which was used).
* **Demand-based estimate** beside it: children under three ≈ 3 × birth rate ×
  population, × take-up (30 %), as a second opinion for reports; with a
  children raster, also its under-threes × take-up (``children_estimate_slots``).
* **Accounting**: every raster's total over the study area, what the areas
  hold, the residual and the share, in :attr:`Demand.accounting`.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import rasterio
import shapely

from siting._said import Said
from siting._text import first_few
from siting.allocation import Allocation, allocate
from siting.census import allocate_census
from siting.errors import InputError, Problem
from siting.inputs import (
    Inputs,
    age_group_warning,
    ages_said,
    check_frame,
    read_census_units,
    read_frame_choices,
)
from siting.osm import BLOCK_ID_PREFIXES, NON_RESIDENTIAL_BUILDINGS
from siting.scenario import PopulationSpec, Scenario, population_count_problems

logger = logging.getLogger(__name__)

__all__ = [
    "Demand",
    "area_demand",
    "demand_items",
    "district_demand",
    "estimate_demand",
    "reported_slots",
    "residents_per_person",
    "whole_class",
    "without_empty_blocks",
    "workplace_demand",
]


@dataclass(frozen=True)
class Demand:
    """The demand of a run and how every raster's people were accounted for.

    Attributes
    ----------
    areas
        Demand per area (see :func:`area_demand`).
    accounting
        Per raster (``"population"``, ``"migrant_population"``, ``"children"``):
        ``method``, ``total`` over the study area, ``held`` by the areas,
        ``residual``, ``overlap`` (area-weighted only), ``held_share``,
        ``residual_share``, ``moved_to_nearest`` and ``residual_by_district``.
    residual
        The population residual as square blocks of cells (``residual_people``,
        ``cells``) in the areas' CRS, or ``None`` when there is none.
    findings
        Sentences worth a planner's attention, e.g. that the areas hold little
        of the raster's people.
    """

    areas: pd.DataFrame
    accounting: dict[str, dict[str, Any]] = field(default_factory=dict)
    residual: gpd.GeoDataFrame | None = None
    findings: tuple[Said, ...] = ()


def _slots(ratio: pd.Series | float, population: pd.Series, *, round_up: bool) -> pd.Series:
    raw = population * ratio / 1000.0
    # a tiny tolerance keeps 10 × 1000 / 1000 = 10.000000000000002 from rounding to 11
    out = np.ceil(raw - 1e-9) if round_up else raw
    return out.clip(lower=0) + 0.0  # + 0.0 turns -0.0 into 0.0


def whole_class(scenario: Scenario) -> int:
    """The smallest class the scenario's sizes use (10 for a 乳儿班 by default).

    An area whose raw requirement reaches it is reported as a whole number of
    slots; smaller ones are met together with their neighbours.
    """
    sizes = {"infant": 10, "toddler": 15, "older": 20, "mixed": 18}
    used = [
        size for name, size in sizes.items() for o in scenario.facility.options if getattr(o, name)
    ]
    return min(used) if used else 10


def reported_slots(raw: pd.Series, *, scenario: Scenario) -> pd.Series:
    """Slots as an area reports them: whole when it needs a whole class, else to 0.1.

    With ``demand.round_up`` every area's slots are already whole and are kept.

    Examples
    --------
    >>> import pandas as pd
    >>> from siting.scenario import Scenario
    >>> reported_slots(pd.Series([0.44, 9.96, 10.2]), scenario=Scenario()).tolist()
    [0.4, 10.0, 11.0]
    """
    if scenario.demand.round_up:
        return raw
    whole = np.ceil(raw - 1e-9)
    return raw.round(1).where(raw < whole_class(scenario) - 1e-9, whole)


def area_demand(
    areas: gpd.GeoDataFrame,
    population: str | Path | gpd.GeoDataFrame,
    *,
    scenario: Scenario,
    migrant_population: str | Path | None = None,
    counts: str | None = None,
    share_of_residents: float | None = None,
    column: str | None = None,
    layer: str | None = None,
) -> pd.DataFrame:
    """Population and required slots of every residential area.

    Parameters
    ----------
    areas
        Residential areas indexed by ``area_id`` with ``status``, ``dwellings``
        and ``migrant_share`` (as :func:`siting.inputs.load_inputs` returns them).
    population
        The population raster; or census units (七普 by 街道 or 社区), as
        ``[inputs.population]`` with a ``column`` gives them: a GeoDataFrame of polygons
        indexed by their ids, or the path of a vector file (Shapefile, GeoPackage).
        Each unit's people are shared among the areas overlapping it as
        ``demand.allocation`` says (:mod:`siting.census`); new areas take none of them
        (their people are their dwellings × persons per household).
    scenario
        Ratios and demand settings (``demand.allocation`` says how the raster
        is shared among the areas).
    migrant_population
        Optional raster of the migrant population.
    counts, share_of_residents
        Whom ``population`` counts, as ``[inputs.population]`` says it:
        ``counts="children"`` with ``share_of_residents`` (the share of the
        residents it counts, 0.086 for WorldPop's children 0–5 in Accra) turns
        its people into residents (÷ the share) before the ratios per 1,000
        residents apply; ``"residents"`` reads it as it is. Both ``None``
        (default): as the scenario's ``[inputs.population]`` says, else
        residents. A population raster whose name or band description says it
        counts an age group, read as residents, is a warning (logged, as
        :func:`siting.inputs.load_inputs` logs it).
    column, layer
        The census units' count column (``"常住人口"``, read as a file's numbers are:
        ``1,234``, ``0.3万``) and, for a file of several layers, their layer. A
        ``column`` or ``layer``, or a vector file, makes ``population`` census units.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``areas``, one row per area:

        * ``status``: ``new``, ``old`` or ``rural``, as read;
        * ``population``: people (raster or census, in residents);
        * ``planned_population``: people planned for: a new area's dwellings ×
          ``demand.persons_per_household``, else ``population``;
        * ``ratio``: the area's slots per 1,000 people (``ratios.new``, ``.old``,
          ``.rural``);
        * ``required_slots``: slots for the residents, ratio × planned population /
          1,000, raw (not rounded; whole with ``demand.round_up``);
        * ``required_slots_rounded``: the same as an area reports it, whole from a whole
          class (10 slots) up, else to 0.1 slot;
        * ``migrant_population`` and ``migrant_slots``: migrants (people) and their
          slots at ``ratios.migrant``, beside the residents' (a plan's
          ``required_slots`` adds the two);
        * ``demand_estimate_slots``: the demand-based second opinion, 3 × birth rate ×
          people × take-up, in slots;
        * ``required_rounded``: whether the slots were rounded up per area
          (``demand.round_up``), the same in every row.

    Examples
    --------
    Two 100 m cells of 1,000 and 3,000 people; an old area covers the first
    cell and a new one (1,000 dwellings) the second.

    >>> import geopandas as gpd, numpy as np, rasterio
    >>> from rasterio.transform import from_origin
    >>> from shapely.geometry import box
    >>> from siting.scenario import Scenario
    >>> path = getfixture("tmp_path") / "pop.tif"
    >>> with rasterio.open(path, "w", driver="GTiff", width=2, height=1, count=1,
    ...                    dtype="float32", crs="EPSG:4544",
    ...                    transform=from_origin(0, 100, 100, 100)) as dst:
    ...     dst.write(np.array([[1000.0, 3000.0]], dtype="float32"), 1)
    >>> areas = gpd.GeoDataFrame(
    ...     {"status": ["old", "new"], "dwellings": [np.nan, 1000.0],
    ...      "migrant_share": [0.1, np.nan]},
    ...     geometry=[box(0, 0, 100, 100), box(100, 0, 200, 100)],
    ...     index=pd.Index(["A1", "A2"], name="area_id"), crs="EPSG:4544")
    >>> table = area_demand(areas, path, scenario=Scenario())
    >>> table[["population", "planned_population", "required_slots", "migrant_slots"]]
             population  planned_population  required_slots  migrant_slots
    area_id
    A1           1000.0              1000.0             8.0            0.8
    A2           3000.0              2360.0            23.6            0.0

    The same raster read as children 5 % of the residents: each stands for 20.

    >>> table = area_demand(areas, path, scenario=Scenario(), counts="children",
    ...                     share_of_residents=0.05)
    >>> table["population"].tolist()
    [20000.0, 60000.0]

    Census units instead: one unit of 5,000 people over both areas. The new area
    takes none of them; the old one holds all 5,000.

    >>> units = gpd.GeoDataFrame({"常住人口": ["5,000"]}, index=["U1"],
    ...     geometry=[box(0, 0, 200, 100)], crs="EPSG:4544")
    >>> area_demand(areas, units, scenario=Scenario(), column="常住人口")["population"].tolist()
    [5000.0, 0.0]

    Raises
    ------
    InputError
        When ``counts`` or ``share_of_residents`` is not one the scenario's keys take
        (naming the argument), when ``areas`` cannot be read
        (:func:`siting.inputs.check_frame`: no CRS, repeated ids, a status missing or
        one siting reads, numbers out of range, features without a geometry), when the
        census units cannot be read (:func:`siting.inputs.read_census_units`, naming
        ``population=``), or as :func:`siting.allocation.allocate` does.
    """
    original = areas
    areas, _ = read_frame_choices(areas, "areas")  # 新建, 老城, New as a file's, on a copy
    problems = check_frame(areas, "areas", argument="areas")
    raster = None if _is_census(population, column=column, layer=layer) else population
    assert not isinstance(raster, gpd.GeoDataFrame)  # a frame is census units
    if not problems and raster is not None:
        problems = _off_the_raster(areas, raster, argument="areas")
    if problems:
        raise InputError(problems)
    said, share = _population_counts(scenario, counts, share_of_residents)
    if raster is None:
        units = _projected(read_census_units(population, layer=layer, column=column), areas)
        problems = _off_the_units(areas, units, argument="areas")
        if problems:
            raise InputError(problems)
        own = population is original  # the areas as their own units: each its own count
        people, _ = _census_held(areas, units, method=scenario.demand.allocation, own_counts=own)
    else:
        people = _allocate(areas, raster, scenario=scenario)
        if said != "children":
            _warn_of_age_group(raster)
    migrants = (
        _allocate(areas, migrant_population, scenario=scenario)
        if migrant_population is not None
        else None
    )
    return _area_table(
        areas,
        people.held * _per_person(said, share, scenario=scenario),
        None if migrants is None else migrants.held,
        scenario=scenario,
    )


def _is_census(
    population: str | Path | gpd.GeoDataFrame, *, column: str | None, layer: str | None
) -> bool:
    """Whether :func:`area_demand`'s ``population`` is census units: a frame, a ``column``
    or ``layer``, or a vector file (as ``[inputs.population]`` is told apart)."""
    if isinstance(population, gpd.GeoDataFrame):
        return True
    if not isinstance(population, str | Path):
        raise InputError(
            [
                Problem(
                    f"population is a {type(population).__name__}, not a raster's path or "
                    "census units",
                    file="(in memory, population=)",
                    layer="population",
                    fix="pass the population raster's path, or the census units as a "
                    'GeoDataFrame with column="<their count column>"',
                )
            ]
        )
    return PopulationSpec(path=Path(population), column=column, layer=layer).is_census


def residents_per_person(
    scenario: Scenario,
    *,
    counts: str | None = None,
    share_of_residents: float | None = None,
) -> float:
    """How many residents each person of the population raster stands for.

    Parameters
    ----------
    scenario
        Its ``[inputs.population]`` says whom the raster counts when neither
        option is given.
    counts, share_of_residents
        Whom the raster counts (``"residents"``, ``"dwellings"``, or ``"children"``
        with the share of the residents they are), overriding the scenario's;
        ``counts`` is ``"residents"`` when only the share is given.

    Returns
    -------
    float
        1 for a raster of residents, 1 ÷ ``share_of_residents`` for one of children,
        ``demand.persons_per_household`` for one of dwellings (households, 户数).

    Raises
    ------
    InputError
        As the scenario's keys are checked (:func:`siting.scenario.population_count_problems`),
        naming the argument.

    Examples
    --------
    >>> from siting.scenario import Scenario
    >>> residents_per_person(Scenario(), counts="children", share_of_residents=0.05)
    20.0
    >>> residents_per_person(Scenario())
    1.0
    """
    return _per_person(*_population_counts(scenario, counts, share_of_residents), scenario=scenario)


def _per_person(counts: str, share_of_residents: float | None, *, scenario: Scenario) -> float:
    if counts == "dwellings":  # 户数 of a register or census units: × persons per household
        return scenario.demand.persons_per_household
    return 1.0 / share_of_residents if counts == "children" and share_of_residents else 1.0


def _population_counts(
    scenario: Scenario, counts: str | None, share_of_residents: float | None
) -> tuple[str, float | None]:
    """Whom the population raster counts and their share: the options, checked, when either
    is given, else the scenario's ``[inputs.population]`` (see :func:`residents_per_person`)."""
    if counts is None and share_of_residents is None:
        spec = scenario.inputs
        if spec is None:
            return "residents", None
        return spec.population.counts, spec.population.share_of_residents
    said = "residents" if counts is None else counts
    problems = population_count_problems(said, share_of_residents)
    if problems:
        raise InputError(
            [Problem(message, layer="population", fix=fix) for message, fix in problems]
        )
    return said, share_of_residents


def _off_the_units(
    areas: gpd.GeoDataFrame, units: gpd.GeoDataFrame, *, argument: str
) -> list[Problem]:
    """The problem of areas none of which touches a census unit: every one would hold 0
    people without a word (the scenario's path says it as a finding, ``empty_areas_census``;
    an analyst's call is refused, as :func:`_off_the_raster` refuses areas off the raster)."""
    unit_geoms = np.asarray(units.geometry.to_numpy(), dtype=object)
    if not len(unit_geoms):
        return []
    boxed = ", ".join(f"{b:,.6g}" for b in shapely.total_bounds(unit_geoms))
    return _none_on(
        areas,
        shapely.union_all(unit_geoms),
        argument=argument,
        where="touches a census unit",
        beside=f", the units' ({boxed})",
        fix=f"check that {argument}.crs and the units' CRS name the CRS their coordinates "
        "are in, or give the census units of this city",
    )


def _none_on(
    areas: gpd.GeoDataFrame, footprint: Any, *, argument: str, where: str, beside: str, fix: str
) -> list[Problem]:
    """The problem of ``areas`` none of whose drawn features meets ``footprint`` (a raster's
    extent, census units), ``where`` saying what they miss; empty when one does."""
    geoms = np.asarray(areas.geometry.to_numpy(), dtype=object)
    drawn = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    if not len(drawn) or shapely.intersects(drawn, footprint).any():
        return []
    box = ", ".join(f"{b:,.6g}" for b in shapely.total_bounds(drawn))
    return [
        Problem(
            f"none of the {len(drawn):,} {argument} {where}: every one would hold 0 people "
            f"(the {argument}' bounds are ({box}) in {areas.crs.to_string()}{beside})",
            file=f"(in memory, {argument}=)",
            layer="areas",
            fix=fix,
        )
    ]


def _off_the_raster(areas: gpd.GeoDataFrame, raster: str | Path, *, argument: str) -> list[Problem]:
    """The problem of areas none of which lies on the raster's extent.

    An analyst's projected coordinates labelled EPSG:4326 (``set_crs`` where ``to_crs``
    was meant), longitude and latitude swapped, or another city's raster gave every
    area 0 people, and so no required slots, without a word. An unreadable raster is
    left to :func:`siting.allocation.allocate`, which says why.
    """
    try:
        with rasterio.open(raster) as src:
            bounds, crs = tuple(src.bounds), src.crs
        if crs is None:
            return []
        left, _, right, _ = bounds
        edge = shapely.segmentize(shapely.box(*bounds), (right - left) / 20.0)
        footprint = gpd.GeoSeries([edge], crs=crs).to_crs(areas.crs).iloc[0]
    except Exception:  # the raster, or its extent in the areas' CRS, is allocate's to say
        return []
    return _none_on(
        areas,
        footprint,
        argument=argument,
        where=f"lies on the population raster {Path(str(raster)).name}",
        beside="",
        fix=f"check {argument}.crs names the CRS its coordinates are in ({argument}."
        "set_crs(<their CRS>, allow_override=True) if they were labelled wrongly, "
        f"{argument}.to_crs(...) to reproject), or give the raster of this city",
    )


def _warn_of_age_group(population: str | Path) -> None:
    """Log the warning :func:`siting.inputs.load_inputs` gives a population raster named for
    an age group (``accra-age0-5-worldpop.tif``), for a caller of :func:`area_demand`,
    whose raster no loading checked."""
    with rasterio.open(population) as src:
        text = age_group_warning(
            population,
            [src.descriptions[0]],
            say_so='pass counts="children" and share_of_residents= (the share of the residents '
            "it counts)",
        )
    if text is not None:
        logger.warning("%s", text)


def estimate_demand(
    inputs: Inputs,
    *,
    scenario: Scenario,
    counts: str | None = None,
    share_of_residents: float | None = None,
) -> Demand:
    """Demand of every area of a run, with the accounting of every raster's people.

    Parameters
    ----------
    inputs
        The validated inputs (:func:`siting.inputs.load_inputs`).
    scenario
        Ratios and demand settings.
    counts, share_of_residents
        Whom the population raster counts (see :func:`area_demand`); both
        ``None`` (default): as the scenario's ``[inputs.population]`` says.

    Returns
    -------
    Demand
        The area table, the accounting and the residual layer.

    Raises
    ------
    InputError
        When ``counts`` or ``share_of_residents`` is not one the scenario's keys take, or
        the areas, edited in memory, cannot be read (:func:`siting.inputs.check_frame`).
    """
    areas, _ = read_frame_choices(inputs.areas, "areas")  # as area_demand reads them
    problems = check_frame(areas, "areas", argument="inputs.areas")
    if problems:
        raise InputError(problems)
    if areas is not inputs.areas:
        inputs = dataclasses.replace(inputs, areas=areas)
    spec = scenario.inputs
    counted_as, share = _population_counts(scenario, counts, share_of_residents)
    per_person = _per_person(counted_as, share, scenario=scenario)
    areas = inputs.areas
    zones = inputs.districts.geometry if inputs.districts is not None else None
    said: list[Said] = []  # what the buildings do, or do not do, to the shares
    allocation = scenario.demand.allocation
    if inputs.buildings is not None and allocation != "dasymetric":
        said.append(
            Said(
                "buildings: the layer weighs people only in the dasymetric allocation; with "
                f"[demand] allocation = {allocation!r} it is not used",
                code="buildings_unused",
                allocation=allocation,
            )
        )
    buildings = None
    if allocation == "dasymetric":
        buildings, weightless = _building_weights(inputs.buildings)
        said += weightless
    for line in said:
        logger.warning("%s", line)
    reach = scenario.demand.residual_to_nearest_m
    context = inputs.context_areas.geometry if inputs.context_areas is not None else None
    context_zones = (
        inputs.context_districts.geometry if inputs.context_districts is not None else None
    )

    def one(
        raster: Path | str, bands: Sequence[int], *, blocks: bool, factor: float = 1.0
    ) -> tuple[Allocation, dict[str, Any]]:
        result = _allocate(
            areas,
            raster,
            scenario=scenario,
            bands=bands,
            zones=zones,
            buildings=buildings,
            nearest_m=reach,
            blocks=blocks,
            context=context,
            context_zones=context_zones,
        )
        if factor == 1.0:
            return result, _accounting(result, raster)
        counted = result.total
        result = _as_residents(result, factor)
        return result, {
            **_accounting(result, raster),
            "counts": counted_as,
            "raster_people": counted,
        }

    accounting: dict[str, dict[str, Any]] = {}
    if inputs.census is not None:
        people, accounting["population"], residual = _census_people(
            inputs, scenario=scenario, buildings=buildings, factor=per_person, counts=counted_as
        )
        if reach is not None:
            said.append(_nearest_unused())
    else:
        assert inputs.population is not None
        people, accounting["population"] = one(
            inputs.population,
            _bands(spec, "population"),
            blocks=True,
            factor=per_person,
        )
        residual = _residual_blocks(people, crs=areas.crs)
    migrants = None
    if inputs.migrant_population is not None:
        migrants, accounting["migrant_population"] = one(
            inputs.migrant_population, _bands(spec, "migrant_population"), blocks=False
        )
    table = _area_table(
        areas, people.held, None if migrants is None else migrants.held, scenario=scenario
    )
    if inputs.children is not None:
        children, accounting["children"] = one(
            inputs.children, _bands(spec, "children"), blocks=False
        )
        under3 = (
            children.held.reindex(table.index).fillna(0.0) * scenario.demand.children_under3_share
        )
        table["children_under3"] = under3
        table["children_estimate_slots"] = under3 * scenario.demand.takeup
        said += _children_older_than_three(
            inputs.children,
            scenario.demand.children_under3_share,
            under3,
            bands=_bands(spec, "children"),
        )
    return Demand(
        areas=table,
        accounting=accounting,
        residual=residual,
        findings=tuple(
            said
            + _residents_said(table, _numbers(areas, "dwellings"), scenario=scenario)
            + _children_as_residents(accounting["population"])
            + _findings(accounting)
            + _empty_areas(
                table, census=inputs.census is not None, areas=areas, buildings=buildings
            )
            + (
                []
                if zones is None or context is not None
                else _outside_districts(areas, zones, accounting["population"])
            )
        ),
    )


def _census_people(
    inputs: Inputs,
    *,
    scenario: Scenario,
    buildings: gpd.GeoDataFrame | None,
    factor: float,
    counts: str = "residents",
) -> tuple[Allocation, dict[str, Any], gpd.GeoDataFrame | None]:
    """The census units' people shared among the areas (:func:`siting.census.allocate_census`),
    in residents: the allocation, its accounting (the raster's keys, ``source`` =
    ``"census"`` and the number of ``units``) and the residual units for the map.

    New areas take no share of a unit (unless the units are the areas themselves): the
    census counts today's residents, who live on the existing residential land, while a
    new area's people are its dwellings × persons per household. Shared by land, a new
    area took its unit's people and they were lost (the sample city's new areas, 1,507
    people by the raster, took 51,410 of the 319,992)."""
    assert inputs.census is not None
    result, left = _census_held(
        inputs.areas,
        inputs.census,
        method=scenario.demand.allocation,
        own_counts=inputs.census_is_areas,
        zones=inputs.districts.geometry if inputs.districts is not None else None,
        buildings=buildings,
        context=inputs.context_areas,
    )
    source = inputs.files.get("population", inputs.files.get("areas", ""))
    counted = result.total
    if factor != 1.0:
        result = _as_residents(result, factor)
        left = left.assign(residual_people=left["residual_people"] * factor)
    accounting = {
        **_accounting(result, source),
        "source": "census_areas" if inputs.census_is_areas else "census",
        "units": len(inputs.census),
        **({"counts": counts, "raster_people": counted} if factor != 1.0 else {}),
    }
    return result, accounting, left if len(left) else None


def _projected(units: gpd.GeoDataFrame, areas: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The census units in the CRS whose square metres share them out: the areas' when
    projected (as a run's working CRS), else the units' own, else the areas' UTM zone.
    In degrees, a unit's overlaps were off by 5 in a million at 30°N."""
    if areas.crs.is_projected:
        return units.to_crs(areas.crs)
    return units if units.crs.is_projected else units.to_crs(areas.estimate_utm_crs())


def _census_held(
    areas: gpd.GeoDataFrame,
    units: gpd.GeoDataFrame,
    *,
    method: str,
    own_counts: bool,
    zones: gpd.GeoSeries | None = None,
    buildings: gpd.GeoDataFrame | None = None,
    context: gpd.GeoDataFrame | None = None,
) -> tuple[Allocation, gpd.GeoDataFrame]:
    """The census units' people shared among ``areas`` (:func:`siting.census.allocate_census`),
    every area held (a new one 0), and the residual units: new areas take no share of a
    unit unless the units are the areas themselves (see :func:`_census_people`), and street
    blocks only of a unit no other area overlaps: spread by land over the blocks too (the
    land streets enclose, farmland and hills as well), the sample's census gave its OSM
    file's 332 blocks 188,395 of 319,992 people, its 182 areas keeping 131,597."""
    shared = areas
    if not own_counts:
        shared = areas[areas["status"].astype(str) != "new"]
        if context is not None:
            context = context[context["status"].astype(str) != "new"]
    blocks = _is_block(shared.index)
    if context is not None:
        blocks = np.concatenate([blocks, _is_block(context.index)])
    result, left = allocate_census(
        shared.geometry,
        units,
        method=method,
        zones=zones,
        buildings=buildings,
        context=context.geometry if context is not None else None,
        own_counts=own_counts,
        fill_in=blocks if blocks.any() else None,
    )
    if len(shared) < len(areas):
        result = dataclasses.replace(result, held=result.held.reindex(areas.index, fill_value=0.0))
    return result, left


def _nearest_unused() -> Said:
    """``demand.residual_to_nearest_m`` is for a raster's cells, not census units."""
    return Said(
        "demand.residual_to_nearest_m does not apply to census units: a unit no residential "
        "area touches keeps its people as the residual (a unit is too large to give to the "
        "nearest area); draw the areas where the unit's people live instead",
        code="nearest_unused_census",
    )


def _as_residents(result: Allocation, factor: float) -> Allocation:
    """An allocation of a children raster in residents: every count × ``factor``."""
    blocks = result.residual_blocks
    if not blocks.empty:
        blocks = blocks.assign(people=blocks["people"] * factor)
    return dataclasses.replace(
        result,
        held=result.held * factor,
        total=result.total * factor,
        residual=result.residual * factor,
        overlap=result.overlap * factor,
        residual_by_zone=result.residual_by_zone * factor,
        in_zones=None if result.in_zones is None else result.in_zones * factor,
        moved=result.moved * factor,
        residual_blocks=blocks,
    )


def _children_older_than_three(
    raster: Path | str, under3_share: float, under3: pd.Series, *, bands: Sequence[int]
) -> list[Said]:
    """A children raster whose name says it counts children of three and older too
    (``accra-age0-5-worldpop.tif``) read with ``demand.children_under3_share`` left at 1:
    every one of its children counted as under three, and the children's estimate and
    access per 1,000 children with them (WorldPop's Accra 0–5s: 16,763 slots by the
    estimate where 10,058 are the under-threes' at 0.6)."""
    found = ages_said(raster, bands=bands)  # a virtual raster's: the bands read
    if found is None:
        return []
    (low, high), names = found
    name = names[0] if len(names) == 1 else f"{names[0]} ({first_few(names[1:], limit=4)})"
    said_by = (  # what says the ages, and its verb
        f"the raster's name {name!r} says it counts"
        if len(names) == 1
        else f"the files stacked in {name} say they count"
    )
    if low >= 3:  # WorldPop's 5–9s (chn_m_05_…): no under-three
        return [
            Said(
                f"children: {said_by} ages {low}–{high}, "
                "none of them under three, so the children's estimate "
                "(children_estimate_slots) and the access per 1,000 children "
                f"({under3.sum():,.0f} children in the areas) are not about the "
                "under-threes. Fix: give the raster of the youngest children as "
                "[inputs.children] (WorldPop's age groups 0 and 1, the …_00_… and "
                "…_01_… files)",
                code="children_not_under_three",
                file=name,
                low=low,
                high=high,
                children=float(under3.sum()),
            )
        ]
    if high <= 3 or under3_share != 1.0:  # 0–3岁 are the under-threes
        return []
    share = max(0, min(high, 2) - low + 1) / (high - low + 1)
    return [
        Said(
            f"children: {said_by} ages {low}–{high}, but "
            "demand.children_under3_share is 1, so each of its children counts as under "
            f"three ({under3.sum():,.0f} in the areas): the children's estimate "
            "(children_estimate_slots) and the access per 1,000 children count the older "
            "ones too. Fix: set children_under3_share under [demand] to the share of them "
            f"under three: about {share:.2g} if it counts ages {low} to {high} in whole years"
            + (
                ""
                if f"{share:.2g}" == "0.6"
                else ", or 0.6 if it counts the children under five, as WorldPop's age0-5 "
                "rasters do (their 0 and 1–4 bands)"
            ),
            code="children_older_than_three",
            file=name,
            low=low,
            high=high,
            children=float(under3.sum()),
            suggested=f"{share:.2g}",
        )
    ]


def _children_as_residents(acc: Mapping[str, Any]) -> list[Said]:
    """What a population raster of children (``counts = "children"``) or of dwellings
    (``counts = "dwellings"``) was turned into."""
    if acc.get("counts") == "dwellings":
        dwellings, residents = float(acc["raster_people"]), float(acc["total"])
        return [
            Said(
                f"the population counts dwellings (inputs.population.counts): its "
                f"{dwellings:,.0f} dwellings in the study area stand for {residents:,.0f} "
                "residents at demand.persons_per_household, to whom the ratios per 1,000 "
                "residents apply",
                code="dwellings_as_residents",
                dwellings=dwellings,
                residents=residents,
            )
        ]
    if acc.get("counts") != "children":
        return []
    children, residents = float(acc["raster_people"]), float(acc["total"])
    share = children / residents if residents > 0 else float("nan")
    return [
        Said(
            f"the population raster counts children, {share:.2%} of the residents "
            f"(inputs.population.share_of_residents): its {children:,.0f} children in the "
            f"study area stand for {residents:,.0f} residents, to whom the ratios per 1,000 "
            "residents apply",
            code="children_as_residents",
            children=children,
            residents=residents,
            share=share,
        )
    ]


_LOW_HELD_SHARE = 0.5
"""Below this share of a raster's people held by the areas, the run says so."""


def _findings(accounting: dict[str, dict[str, Any]]) -> list[Said]:
    out = []
    for role, acc in accounting.items():
        share = acc.get("held_share")
        raster = f"{role.replace('_', ' ')} raster"
        census = str(acc.get("source", "")).startswith("census")
        # what holds the people, whose people, where the residual lives, what else to do
        holder, whose, left, more = (
            ("census units hold", "census units'", "units", "")
            if census
            else (
                f"{raster} holds",
                f"{raster}'s",
                "cells",
                ", or give the residual to the nearest area with demand.residual_to_nearest_m",
            )
        )
        # area-weighted, the residual is also the uncovered land of the cells areas touch
        left = (
            f"on the land of {left} that no area covers"
            if acc.get("method") == "area_weighted"
            else f"in {left} no area touches"
        )
        # the census's own codes: the Chinese report says 栅格 (cells) for a raster's
        suffix = "_census" if census else ""
        if acc["total"] <= 0:
            out.append(
                Said(
                    f"the {holder} nobody in the study area: check that "
                    f"{'they cover' if census else 'it covers'} the residential areas",
                    code=f"raster_empty{suffix}",
                    raster=role,
                )
            )
        elif share is not None and share < _LOW_HELD_SHARE:
            out.append(
                Said(
                    f"the residential areas hold only {share:.0%} of the {whose} "
                    f"{acc['total']:,.0f} people in the study area ({acc['residual']:,.0f} live "
                    f"{left}): check that the areas cover the housing{more}",
                    code=f"low_held_share{suffix}",
                    raster=role,
                    share=float(share),
                    total=float(acc["total"]),
                    residual=float(acc["residual"]),
                )
            )
    return out


_OUTSIDE_SHARE = 0.01
"""Above this share of the study area's people held from outside the districts, the run says so."""


def _outside_districts(
    areas: gpd.GeoDataFrame, zones: gpd.GeoSeries, acc: Mapping[str, Any]
) -> list[Said]:
    """Areas crossing the districts' outer edge, when they hold people from outside them."""
    inside = acc.get("districts_total")
    total = float(acc["total"])
    if inside is None or total <= 0 or total - float(inside) <= _OUTSIDE_SHARE * total:
        return []
    outer = zones.to_crs(areas.crs).union_all()
    crossing = [str(i) for i in areas.index[~areas.geometry.covered_by(outer).to_numpy()]]
    shown = first_few(crossing, limit=10)
    return [
        Said(
            f"the residential areas hold {total - float(inside):,.0f} people from cells outside "
            f"the districts ({(total - float(inside)) / total:.1%} of the {total:,.0f} counted; "
            f"the districts themselves hold {float(inside):,.0f}): {len(crossing):,} areas cross "
            f"the districts' outer edge ({shown}); check that the districts layer covers the "
            "city, or clip the areas to it",
            code="people_outside_districts",
            outside=total - float(inside),
            total=total,
            inside=float(inside),
            crossing=len(crossing),
            ids=crossing[:10],
        )
    ]


def _is_block(index: pd.Index) -> npt.NDArray[np.bool_]:
    """Which areas are street blocks (:mod:`siting.osm.blocks`), an OSM file's or a layer
    of centrelines'."""
    blocks: npt.NDArray[np.bool_] = np.array(
        [str(i).startswith(BLOCK_ID_PREFIXES) for i in index], dtype=bool
    )
    return blocks


def _empty(table: pd.DataFrame) -> npt.NDArray[np.bool_]:
    """Areas that the population raster gives nobody and nothing else gives demand."""
    # 1e-9: a county's share of a partitioned run leaves float noise (9.6e-15 slots)
    empty: npt.NDArray[np.bool_] = (
        (table["population"] <= 1e-9) & (table["required_slots"] <= 1e-9)
    ).to_numpy(dtype=bool)
    return empty


def _empty_areas(
    table: pd.DataFrame,
    *,
    census: bool = False,
    areas: gpd.GeoDataFrame | None = None,
    buildings: gpd.GeoDataFrame | None = None,
) -> list[Said]:
    """Areas that the population raster (or census) gives nobody and nothing else gives
    demand; with ``buildings`` (the weights of :func:`_building_weights`) those of them
    that hold no housing building are said apart: the buildings, not the raster, left
    them empty.

    Street blocks are left out: :func:`without_empty_blocks` counts them once.
    """
    table = table.loc[~_is_block(table.index)]
    empty = pd.Series(_empty(table), index=table.index)
    if not empty.any() or empty.all():
        return []  # none, or every one: the raster's own finding says so
    named = table.index[empty.to_numpy()]
    unbuilt = set()
    if areas is not None and buildings is not None and not census:
        unbuilt = _without_housing(areas.geometry.reindex(named), buildings)
    said = []
    if unbuilt:
        ids = [str(i) for i in named if i in unbuilt]
        said.append(
            Said(
                f"{len(ids):,} of {len(table):,} residential areas get nobody from the "
                f"population raster and need no slots ({first_few(ids, limit=10)}): they hold "
                "no housing building of the buildings layer, and the people of each raster "
                "cell they lie on went to the areas there that hold one; add their buildings "
                "to the layer, or leave buildings out",
                code="empty_areas_unbuilt",
                count=len(ids),
                areas=len(table),
                ids=ids[:10],
            )
        )
    ids = [str(i) for i in named if i not in unbuilt]
    if not ids:
        return said
    shown = first_few(ids, limit=10)
    where = (
        "census units and need no slots ({shown}): they lie outside every unit or in units of "
        "no people; check that the census covers them"
        if census
        else "raster and need no slots ({shown}): they lie on its nodata cells or outside it; "
        "check that the raster covers them"
    )
    return [
        *said,
        Said(
            f"{len(ids):,} of {len(table):,} residential areas get nobody from the population "
            + where.format(shown=shown)
            + ", or give new areas their dwellings",
            code="empty_areas_census" if census else "empty_areas",
            count=len(ids),
            areas=len(table),
            ids=ids[:10],
        ),
    ]


def _without_housing(outlines: gpd.GeoSeries, buildings: gpd.GeoDataFrame) -> set[Any]:
    """The ids of ``outlines`` that hold no building of positive weight (a building
    counts where its representative point lies, as the allocation counts it)."""
    housed = buildings.geometry[buildings["weight"].to_numpy() > 0].representative_point()
    tree = shapely.STRtree(np.asarray(housed.to_numpy(), dtype=object))
    return {
        i
        for i, outline in zip(outlines.index, outlines.to_numpy(), strict=True)
        if outline is None or not len(tree.query(outline, predicate="intersects"))
    }


def without_empty_blocks(inputs: Inputs, demand: Demand) -> tuple[Inputs, Demand]:
    """The inputs and demand without the street blocks that hold nobody, with a note.

    Street blocks (``[inputs.osm] areas_from`` with ``"blocks"``, or ``blocks = true``
    on a layer of street centrelines) cover every piece of land the streets enclose,
    and on a raster that does not cover the whole OSM file or layer, or has empty
    cells, many hold nobody: they would be areas of the plan, its map and its tables
    with no demand. They are left out after the demand is counted (they hold none of
    the raster's people, so the accounting is unchanged), and one note says how many
    blocks there were, how many people they hold and how many were left out.

    Parameters
    ----------
    inputs
        The run's inputs (:func:`siting.inputs.load_inputs`).
    demand
        Their demand (:func:`estimate_demand`).

    Returns
    -------
    tuple of Inputs and Demand
        Both unchanged when there is no street block; else without the empty
        blocks, and the inputs with the note.
    """
    blocks = _is_block(demand.areas.index)
    if not blocks.any():
        return inputs, demand
    table = demand.areas
    empty = blocks & _empty(table)
    people = float(table.loc[blocks, "population"].sum())
    held = float(table["population"].sum())
    share = f" ({people / held:.1%} of the {held:,.0f} the areas hold)" if held > 0 else ""
    census = inputs.census is not None
    text = (
        f"street blocks: {int(blocks.sum()):,} blocks hold {people:,.0f} people of the "
        f"{'census units' if census else 'population raster'}{share}"
    )
    if empty.any():
        why = (
            "no census unit covers them, or the areas drawn in theirs hold its people"
            if census
            else "the raster is empty there or does not cover them"
        )
        text += f"; {int(empty.sum()):,} hold nobody ({why}) and are left out of the plan"
    kept = table.index[~empty]
    out = dataclasses.replace(
        inputs, areas=inputs.areas.loc[inputs.areas.index.isin(kept)], notes=(*inputs.notes, text)
    )
    logger.info("%s", text)
    return out, dataclasses.replace(demand, areas=table.loc[kept])


def _bands(spec: Any, role: str) -> tuple[int, ...]:
    raster = getattr(spec, role, None) if spec is not None else None
    return tuple(raster.band_list) if raster is not None else (1,)


def _allocate(
    areas: gpd.GeoDataFrame,
    raster: str | Path,
    *,
    scenario: Scenario,
    bands: Sequence[int] = (1,),
    zones: gpd.GeoSeries | None = None,
    buildings: gpd.GeoDataFrame | None = None,
    nearest_m: float | None = None,
    blocks: bool = False,
    context: gpd.GeoSeries | None = None,
    context_zones: gpd.GeoSeries | None = None,
) -> Allocation:
    return allocate(
        areas.geometry,
        raster,
        method=scenario.demand.allocation,
        band=list(bands),
        zones=zones,
        buildings=buildings,  # None unless dasymetric (estimate_demand)
        nearest_m=nearest_m,
        residual_blocks=blocks,
        context=context,
        context_zones=context_zones,
    )


def _building_weights(
    buildings: gpd.GeoDataFrame | None,
) -> tuple[gpd.GeoDataFrame | None, list[Said]]:
    """Residential floor area per building, the weight that shares a cell's people, and
    the finding that housing points without a floor area weigh nothing.

    ``floor_area_m2``, else ``levels`` × footprint, else the footprint; 0 for
    a building whose ``residential`` is false or whose ``building`` kind is in
    :data:`siting.osm.NON_RESIDENTIAL_BUILDINGS` (``building=yes``, a
    residential kind and a kind not listed count). A building of weight 0 is
    left out, so a cell whose areas hold only such buildings is shared by
    overlap, as a cell without buildings.
    """
    if buildings is None or not len(buildings):
        return None, []
    footprint = buildings.geometry.area.to_numpy(dtype=float)
    floor = pd.to_numeric(buildings.get("floor_area_m2"), errors="coerce")
    levels = pd.to_numeric(buildings.get("levels"), errors="coerce")
    weight = np.where(
        np.isfinite(floor) & (floor > 0),
        floor,
        np.where(np.isfinite(levels) & (levels > 0), levels * footprint, footprint),
    )
    housed = np.ones(len(buildings), dtype=bool)
    if "residential" in buildings.columns:
        housed &= buildings["residential"].fillna(True).to_numpy(dtype=bool)
    if "building" in buildings.columns:
        kind = buildings["building"].astype("string").str.strip().str.lower()
        housed &= ~kind.isin(NON_RESIDENTIAL_BUILDINGS).to_numpy(dtype=bool)
    weight = np.where(housed, weight, 0.0)
    pointless = housed & (footprint <= 0) & ~(np.isfinite(floor) & (floor > 0))
    said = []
    if pointless.any():
        count, of = int(pointless.sum()), int(housed.sum())
        said.append(
            Said(
                f"buildings: {count} of {of} housing buildings are points without "
                "floor_area_m2: a point has no footprint, so levels × footprint is 0 and they "
                "weigh nothing (their cells are shared by overlap). Give floor_area_m2, or "
                "the footprints as polygons",
                code="buildings_weigh_nothing",
                count=count,
                of=of,
            )
        )
    weights = gpd.GeoDataFrame(
        {"weight": weight}, geometry=buildings.geometry.values, crs=buildings.crs
    )
    return weights, said


def _accounting(result: Allocation, raster: Path | str) -> dict[str, Any]:
    total = result.total
    held = float(result.held.sum())
    return {
        "raster": str(raster),
        "method": result.method,
        "total": total,
        "held": held,
        "residual": result.residual,
        "overlap": result.overlap,
        "held_share": held / total if total > 0 else None,
        "residual_share": result.residual / total if total > 0 else None,
        "moved_to_nearest": result.moved,
        "residual_by_district": {str(k): float(v) for k, v in result.residual_by_zone.items()},
        **({} if result.in_zones is None else {"districts_total": result.in_zones}),
    }


def _residual_blocks(result: Allocation, *, crs: Any) -> gpd.GeoDataFrame | None:
    """The residual blocks as polygons in ``crs``, or ``None`` when nobody is residual."""
    blocks = result.residual_blocks
    if blocks.empty:
        return None
    frame = gpd.GeoDataFrame(
        {
            "residual_people": blocks["people"].to_numpy(),
            "cells": blocks["cells"].to_numpy(),
        },
        geometry=shapely.box(blocks["x0"], blocks["y0"], blocks["x1"], blocks["y1"]),
        crs=result.crs,
    )
    frame.index = pd.Index([f"R{i + 1}" for i in range(len(frame))], name="block_id")
    return frame.to_crs(crs) if crs is not None else frame


def _area_table(
    areas: gpd.GeoDataFrame,
    pop: pd.Series,
    migrant_people: pd.Series | None,
    *,
    scenario: Scenario,
) -> pd.DataFrame:
    settings, ratios = scenario.demand, scenario.ratios
    pop = pop.astype(float)
    status = areas["status"].astype(str)
    dwellings = _numbers(areas, "dwellings")
    planned = pop.where(status != "new", dwellings.fillna(0.0) * settings.persons_per_household)
    counted = _resident_dwellings(status, dwellings, scenario=scenario)
    planned = planned.where(~counted, dwellings * settings.persons_per_household)
    ratio = status.map({"new": ratios.new, "old": ratios.old, "rural": ratios.rural}).astype(float)
    if migrant_people is not None:
        migrants = migrant_people.astype(float)
    else:
        residents = pop.where(~counted, planned)
        migrants = (residents * _numbers(areas, "migrant_share")).fillna(0.0)
    under3 = 3.0 * settings.birth_rate_per_1000 / 1000.0
    required = _slots(ratio, planned, round_up=settings.round_up)
    return pd.DataFrame(
        {
            "status": status,
            "population": pop,
            "planned_population": planned,
            "ratio": ratio,
            "required_slots": required,
            "required_slots_rounded": reported_slots(required, scenario=scenario),
            "migrant_population": migrants,
            "migrant_slots": _slots(ratios.migrant, migrants, round_up=settings.round_up),
            "demand_estimate_slots": (planned + migrants) * under3 * settings.takeup,
            "required_rounded": settings.round_up,
        },
        index=areas.index,
    )


def _resident_dwellings(
    status: pd.Series, dwellings: pd.Series, *, scenario: Scenario
) -> pd.Series:
    """The old and rural areas whose residents are their dwellings × persons per
    household (``demand.residents = "dwellings"`` and dwellings given)."""
    if scenario.demand.residents != "dwellings":
        return pd.Series(False, index=status.index)
    return (status != "new") & (dwellings > 0)


def _residents_said(table: pd.DataFrame, dwellings: pd.Series, *, scenario: Scenario) -> list[Said]:
    """What ``demand.residents = "dwellings"`` did: how many old and rural areas count
    their dwellings, their people against the population's there, and how many keep the
    population's people for want of dwellings."""
    if scenario.demand.residents != "dwellings":
        return []
    status = table["status"]
    counted = _resident_dwellings(status, dwellings.reindex(table.index), scenario=scenario)
    kept = int(((status != "new") & ~counted).sum())
    people = float(table.loc[counted, "planned_population"].sum())
    raster = float(table.loc[counted, "population"].sum())
    pph = scenario.demand.persons_per_household
    return [
        Said(
            f"demand.residents = 'dwellings': {int(counted.sum()):,} old or rural areas count "
            f"their dwellings × {pph:g} persons per household as their residents, "
            f"{people:,.0f} people (the population puts {raster:,.0f} on their land)"
            + (f"; {kept:,} without dwellings keep the population's people" if kept else ""),
            code="residents_from_dwellings",
            count=int(counted.sum()),
            people=round(people),
            population=round(raster),
            kept=kept,
            persons_per_household=pph,
        )
    ]


def _numbers(areas: pd.DataFrame, column: str) -> pd.Series:
    """An optional number column of the areas, NaN where it is missing or not a number."""
    if column not in areas.columns:
        return pd.Series(np.nan, index=areas.index, dtype=float)
    return pd.to_numeric(areas[column], errors="coerce").astype(float)


def workplace_demand(workplaces: gpd.GeoDataFrame, *, scenario: Scenario) -> pd.DataFrame:
    """Migrant demand at workplaces (R4).

    Parameters
    ----------
    workplaces
        Indexed by ``workplace_id`` with ``migrant_workers``.
    scenario
        Ratios and demand settings.

    Returns
    -------
    pandas.DataFrame
        ``migrant_population`` and ``migrant_slots`` per workplace.
    """
    workers = pd.to_numeric(workplaces["migrant_workers"], errors="coerce").fillna(0.0)
    people = workers * scenario.demand.migrant_persons_per_worker
    return pd.DataFrame(
        {
            "migrant_population": people,
            "migrant_slots": _slots(
                scenario.ratios.migrant, people, round_up=scenario.demand.round_up
            ),
        },
        index=workplaces.index,
    )


def demand_items(areas: pd.DataFrame, workplaces: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per thing the model must serve.

    Parameters
    ----------
    areas
        :func:`area_demand` output.
    workplaces
        :func:`workplace_demand` output, if any.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``demand_id``: ``A1`` for an area's residents, ``A1/migrant``
        for its migrants, ``W1/migrant`` for a workplace's; columns ``required``,
        ``area_id`` (``None`` for a workplace), ``workplace_id``, ``kind``, ``status``.
    """
    resident = pd.DataFrame(
        {
            "required": areas["required_slots"].to_numpy(),
            "area_id": areas.index.astype(str),
            "workplace_id": None,
            "kind": "resident",
            "status": areas["status"].to_numpy(),
        },
        index=areas.index.astype(str),
    )
    has_migrants = areas["migrant_slots"] > 0
    migrant = pd.DataFrame(
        {
            "required": areas.loc[has_migrants, "migrant_slots"].to_numpy(),
            "area_id": areas.index[has_migrants].astype(str),
            "workplace_id": None,
            "kind": "migrant",
            "status": areas.loc[has_migrants, "status"].to_numpy(),
        },
        index=areas.index[has_migrants].astype(str) + "/migrant",
    )
    parts = [resident, migrant]
    if workplaces is not None and len(workplaces):
        keep = workplaces["migrant_slots"] > 0
        parts.append(
            pd.DataFrame(
                {
                    "required": workplaces.loc[keep, "migrant_slots"].to_numpy(),
                    "area_id": None,
                    "workplace_id": workplaces.index[keep].astype(str),
                    "kind": "migrant",
                    "status": "workplace",
                },
                index=workplaces.index[keep].astype(str) + "/migrant",
            )
        )
    # a county with no residential area and no workplace (a partitioned run) has no item
    # and still plans its demonstration facility (R5); concat of nothing raised
    items = pd.concat([p for p in parts if len(p)] or [resident])
    items.index.name = "demand_id"
    return items


def district_demand(areas: pd.DataFrame, district_of: pd.Series) -> pd.DataFrame:
    """Demand summed by district.

    Parameters
    ----------
    areas
        :func:`area_demand` output.
    district_of
        The district id of each area (indexed like ``areas``).

    Returns
    -------
    pandas.DataFrame
        Per district: ``population``, ``planned_population``, ``required_slots``,
        ``migrant_population``, ``migrant_slots``, ``demand_estimate_slots``,
        ``areas`` (count).
    """
    table = areas.assign(district_id=district_of.reindex(areas.index).fillna("(none)"))
    out = table.groupby("district_id").agg(
        population=("population", "sum"),
        planned_population=("planned_population", "sum"),
        required_slots=("required_slots", "sum"),
        migrant_population=("migrant_population", "sum"),
        migrant_slots=("migrant_slots", "sum"),
        demand_estimate_slots=("demand_estimate_slots", "sum"),
        areas=("status", "size"),
    )
    return out
