"""Reading ``[inputs.population]`` given as census units (七普 by 街道 or 社区), not a raster.

A layer of polygons with a count column is read as any vector layer is (its
``columns``, ``crs``, ``encoding``, ``datum_shift``), its count column as a number
column (``1,234`` and ``0.3万`` too), and checked: the column must exist and hold a
count for every unit, units must not overlap (two censuses merged count the same
people twice: a problem), units that lie wholly outside the study area are left out
(a note), and units crossing the districts' outer edge are a finding. When the
layer is the residential areas themselves, each area's own count is read from the
areas layer (:func:`_areas_own_counts`). Sharing the counts out among the areas is
:mod:`siting.census`'s.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from siting._said import Said
from siting._text import first_few
from siting.errors import InputError
from siting.inputs._checks import _overlapping_pairs
from siting.inputs._columns import _BAD, _BLANK, _apply, _to_float
from siting.inputs._pieces import read_pieces
from siting.inputs._problems import _count, _Report, _Where
from siting.inputs._raster import RASTER_SUFFIXES
from siting.inputs._vector import _PEOPLE_WORDS, _normalize, _open_vector
from siting.scenario import LayerPiece, LayerSpec, PopulationSpec

logger = logging.getLogger(__name__)

_SECTION = "[inputs.population]"
RESIDUAL_DISTRICT = "residual_district_id"
"""The census units' column naming the district whose residual a unit no area holds
counts in (the one holding most of it), found on the whole layer; a name of its own, for
a census layer may carry a ``district_id`` of its own in another form."""
_CROSSING_SHARE = 0.01
"""A unit with more than this share of its land outside the districts crosses their edge."""


def _same_layer(population: PopulationSpec, areas: LayerSpec | None) -> bool:
    """Whether ``[inputs.population]`` names the file and layer of ``[inputs.areas]``, or
    the same pieces (each county's 小区 list with its 常住人口); other pieces are each
    read as census units."""
    if areas is None or population.where != areas.where:
        return False
    if areas.pieces or population.pieces:
        return _pieces_of(population.pieces) == _pieces_of(areas.pieces)
    same_file = Path(population.path).resolve() == Path(areas.path).resolve()
    return same_file and population.layer == areas.layer


def _pieces_of(pieces: Sequence[LayerPiece]) -> list[tuple[Path, str | None]]:
    """Each piece's file (resolved) and layer."""
    return [(Path(p.path).resolve(), p.layer) for p in pieces]


def _where(spec: PopulationSpec) -> _Where:
    columns = {} if spec.column is None else {"people": spec.column}
    return _Where(str(spec.path), "population", columns, dict(spec.units), spec.layer)


def _people_columns(frame: pd.DataFrame) -> list[str]:
    """The columns of ``frame`` named as a head count is (人口, 常住人口, RK)."""
    return [str(c) for c in frame.columns if str(c).strip().casefold() in _PEOPLE_WORDS]


def _column_problem(
    spec: PopulationSpec, frame: pd.DataFrame, report: _Report, *, to: str = f"under {_SECTION}"
) -> bool:
    """Add the problem of a count column not given, not in the layer or empty; whether
    there was one. ``to`` says where the column is given (``to area_demand``)."""
    where = _where(spec)
    present = [str(c) for c in frame.columns if c != frame.geometry.name]
    looks = _people_columns(frame)
    suggest = f'column = "{looks[0]}"' if looks else 'column = "YOUR_COUNT_COLUMN"'
    if spec.column is None:
        report.problems.append(
            where.problem(
                "the population is a layer of census units, but which column holds their "
                f"people is not said (the layer has: {', '.join(present) or 'no columns'})",
                fix=f"give {suggest} {to}",
            )
        )
        return True
    if spec.column not in frame.columns:
        report.problems.append(
            where.problem(
                f"the count column '{spec.column}' is not in the layer (its columns: "
                f"{', '.join(present) or 'none'})",
                column=spec.column,
                fix=f"correct column {to}"
                + (f" ({suggest})" if looks and looks[0] != spec.column else ""),
            )
        )
        return True
    values, _ = _apply(frame[spec.column], _to_float)
    if all(v is _BLANK or v is None or (isinstance(v, float) and np.isnan(v)) for v in values):
        report.problems.append(
            where.problem(
                f"the count column '{spec.column}' is empty: no unit has a count",
                column=spec.column,
                fix=f"fill in each unit's people, or name the column that holds them {to}",
            )
        )
        return True
    return False


def _read_census(
    spec: PopulationSpec, report: _Report, *, to: str = f"under {_SECTION}"
) -> tuple[gpd.GeoDataFrame | None, _Where]:
    """The census units in their own CRS, indexed by ``unit_id`` (``row N`` without one),
    with ``name`` and ``people``; ``None`` after a problem. Units in pieces (each county's
    街道) are each piece read so, joined (:func:`siting.inputs._pieces.read_pieces`)."""
    if spec.pieces:
        return read_pieces(
            spec.layer_spec(),
            "population",
            report,
            read=lambda one: _read_census(
                dataclasses.replace(
                    spec, path=one.path, layer=one.layer, encoding=one.encoding, pieces=()
                ),
                report,
                to=to,
            ),
        )
    where = _where(spec)
    if Path(spec.path).suffix.lower() in RASTER_SUFFIXES:
        report.problems.append(
            where.problem(
                "the population file is a raster, but column or layer is given as for census units",
                fix=f"for a raster, give no column or layer {to}; or give the census "
                "units' vector file (Shapefile, GeoPackage)",
            )
        )
        return None, where
    layer = spec.layer_spec()
    raw = _open_vector(layer, "population", report)
    if raw is None or _column_problem(spec, raw, report, to=to):
        return None, where
    return _normalize(raw, layer, "population", where, report), where


_OWN_KEYS = ("crs", "datum_shift", "encoding", "columns", "units")
"""The keys of ``[inputs.population]`` that the areas' own layer takes from ``[inputs.areas]``."""


def _own_keys_problem(spec: PopulationSpec, areas: LayerSpec, report: _Report) -> None:
    """Add the problem of keys under ``[inputs.population]`` that the areas as their own
    census units do not use (they are read as ``[inputs.areas]`` says), unless the same."""
    given = [k for k in _OWN_KEYS if getattr(spec, k) and getattr(spec, k) != getattr(areas, k)]
    if given:
        report.problems.append(
            _where(spec).problem(
                f"{_SECTION} names the residential areas' own layer, which is read as "
                f"[inputs.areas] says: {', '.join(given)} under {_SECTION} would not be used",
                fix="give them under [inputs.areas] (they apply to the areas and their counts "
                f"alike), and leave them out of {_SECTION}",
            )
        )


def _areas_own_counts(
    spec: PopulationSpec,
    areas: gpd.GeoDataFrame,
    report: _Report,
    *,
    noun: str = "area",
    to: str = f"under {_SECTION}",
) -> gpd.GeoDataFrame | None:
    """The areas as their own census units: each area's count from ``spec.column`` of the
    areas layer (read as the areas' other number columns are), or ``None`` after a problem
    (a missing or empty column, or an area without a count). ``noun`` names a feature of
    the layer (``"unit"`` for an analyst's census units) and ``to`` where the column is
    given."""
    if _column_problem(spec, areas, report, to=to):
        return None
    assert spec.column is not None
    where = _where(spec)
    values, _ = _apply(areas[spec.column], _to_float)
    ids = [str(i) for i in areas.index]
    blank = [ids[i] for i, v in enumerate(values) if v is _BLANK or v is None]
    bad = [
        ids[i]
        for i, v in enumerate(values)
        if v is _BAD or (isinstance(v, float) and not (np.isfinite(v) and v >= 0))
    ]
    for which, message, fix in (
        (blank, "no count", f"give every {noun} its people (0 for none)"),
        (bad, "a count that is not a number of 0 or more", "write each count as a number"),
    ):
        if which:
            report.problems.append(
                where.problem(
                    f"{_count(len(which), noun)} {message} in '{spec.column}'",
                    column=spec.column,
                    ids=which,
                    fix=fix,
                )
            )
    if blank or bad:
        return None
    people = np.array(values, dtype=float)
    return gpd.GeoDataFrame(
        {"name": areas.get("name", pd.Series(ids, index=areas.index)), "people": people},
        geometry=areas.geometry.to_numpy(),
        index=pd.Index(areas.index, name="unit_id"),
        crs=areas.crs,
    )


def largest_zone(
    units: npt.NDArray[np.object_], zones: npt.NDArray[np.object_]
) -> npt.NDArray[np.intp]:
    """The position of the zone holding the largest share of each unit, −1 for none.

    Examples
    --------
    >>> import numpy as np, shapely
    >>> zones = np.array([shapely.box(0, 0, 4, 1), shapely.box(4, 0, 10, 1)])
    >>> largest_zone(np.array([shapely.box(3, 0, 6, 1), shapely.box(20, 0, 21, 1)]), zones)
    array([ 1, -1])
    """
    unit_of, zone_of = shapely.STRtree(zones).query(units, predicate="intersects")
    share = shapely.area(shapely.intersection(units[unit_of], zones[zone_of]))
    best = np.zeros(len(units))
    zone = np.full(len(units), -1, dtype=np.intp)
    order = np.argsort(share, kind="stable")  # the largest share of each unit written last
    best[unit_of[order]] = share[order]
    zone[unit_of[order]] = zone_of[order]
    zone[best <= 0] = -1
    return zone


def _check_census(
    units: gpd.GeoDataFrame,
    *,
    study: shapely.Geometry | None,
    districts: gpd.GeoDataFrame | None,
    where: _Where,
    report: _Report,
) -> gpd.GeoDataFrame:
    """The units in the study area (those wholly outside it left out, with a note), after
    the problem of overlapping units and the finding of units crossing the districts'
    outer edge; with districts, each unit's :data:`RESIDUAL_DISTRICT` is the district
    holding most of it (the one whose residual it counts in, in a whole run and in a
    county's alike).

    Overlapping units are a problem, not a finding: two census layers merged (街道 over
    their 社区) count the same people twice, and no allocation can tell which count to
    keep. A unit crossing the districts' edge is a finding only: census and district
    boundaries from two bureaus often differ by slivers, and the unit's count is still the
    census's; it is counted whole (held by its areas, or in the residual of the district
    holding most of it).
    """
    pairs = _overlapping_pairs(units)
    if pairs is not None:
        ids = units.index.astype(str).to_numpy()
        shown = [f"{ids[i]} ∩ {ids[j]}" for i, j in zip(*pairs, strict=True)]
        report.problems.append(
            where.problem(
                f"{len(shown)} pair{'s' if len(shown) > 1 else ''} of census units overlap "
                f"({first_few(shown, limit=5)}): their people would be counted twice",
                ids=sorted({ids[i] for i in np.concatenate(pairs)}),
                fix="keep one level of the census (街道 or 社区), not both merged, or clip the "
                "units so that none covers another",
            )
        )
    outline = districts.geometry.union_all() if districts is not None else study
    if outline is None:
        return units
    geoms = np.asarray(units.geometry.to_numpy(), dtype=object)
    size = shapely.area(geoms)
    inside = shapely.area(shapely.intersection(geoms, outline))
    outside = inside <= 0
    if outside.any():
        report.note(
            Said(
                f"population: {int(outside.sum()):,} of the {len(units):,} census units lie "
                f"outside the study area and are left out "
                f"({float(units['people'].to_numpy()[outside].sum()):,.0f} people)",
                code="census_units_outside",
                count=int(outside.sum()),
                of=len(units),
            )
        )
    crossing = ~outside & (inside < (1.0 - _CROSSING_SHARE) * size)
    if districts is not None and crossing.any():
        ids = units.index.astype(str)[crossing].tolist()
        people = float(units["people"].to_numpy()[crossing].sum())
        report.find(
            Said(
                f"population: {len(ids):,} census units lie partly outside the districts "
                f"({first_few(ids, limit=5)}; {people:,.0f} people in them): each is counted "
                "whole, held by its residential areas or, with none, in the residual of the "
                "district holding most of it; check that the census and the districts are of "
                "the same boundaries, or clip the units to the districts",
                code="census_units_cross_districts",
                count=len(ids),
                people=people,
                ids=ids[:10],
            ),
            by=logger,
        )
    units = units.loc[~outside]
    if districts is None:
        return units
    zone = largest_zone(
        np.asarray(units.geometry.to_numpy(), dtype=object),
        np.asarray(districts.geometry.to_numpy(), dtype=object),
    )
    ids = districts.index.astype(str).to_numpy(dtype=object)
    return units.assign(**{RESIDUAL_DISTRICT: np.where(zone >= 0, ids[np.maximum(zone, 0)], None)})


def read_census_units(
    population: gpd.GeoDataFrame | str | Path,
    *,
    layer: str | None = None,
    column: str | None = None,
    argument: str = "population",
    to: str = "to area_demand",
) -> gpd.GeoDataFrame:
    """An analyst's census units (a frame, or a vector file), read and checked as
    ``[inputs.population]`` with a ``column`` is.

    Parameters
    ----------
    population
        The units: a GeoDataFrame of polygons indexed by their ids, or the path of a
        vector file (with ``layer`` for one of several).
    layer
        The file's layer; not for a frame.
    column
        The count column (``常住人口``), read as a file's numbers are (``1,234``, ``0.3万``).
    argument, to
        The argument's name and where the keys are given, for the problems.

    Returns
    -------
    geopandas.GeoDataFrame
        The units with ``people`` (and ``name``), in their own CRS, indexed by their ids.

    Raises
    ------
    InputError
        Naming the argument: a frame with ``layer`` or no CRS, a count column not given,
        absent or empty, a unit without a count, overlapping units, or a file that cannot
        be read as the scenario's.
    """
    report = _Report()
    if isinstance(population, gpd.GeoDataFrame):
        spec = PopulationSpec(path=Path(f"(in memory, {argument}=)"), column=column)
        where = _where(spec)
        if layer is not None:
            report.problems.append(
                where.problem(
                    f"layer={layer!r} names a layer of a file, but {argument} is a GeoDataFrame",
                    fix=f"leave layer out for a frame, or pass the file's path as {argument}",
                )
            )
        if population.crs is None:
            report.problems.append(
                where.problem(
                    f"{argument} has no CRS ({argument}.crs is None)",
                    fix=f'say which CRS its coordinates are in: {argument}.set_crs("EPSG:4544")',
                )
            )
        units = None
        if not report.problems:
            units = _areas_own_counts(spec, population, report, noun="unit", to=to)
    else:
        spec = PopulationSpec(path=Path(population), layer=layer, column=column)
        units, where = _read_census(spec, report, to=to)
        if units is not None and units.crs is None:
            report.problems.append(
                where.problem(
                    "the census units' file says no CRS",
                    fix="give the file its CRS (a .prj beside a Shapefile), or pass the "
                    f"units as a frame: gpd.read_file(...).set_crs(...) as {argument}",
                )
            )
            units = None
    if units is not None:
        units = _check_census(units, study=None, districts=None, where=where, report=report)
    if report.problems:
        raise InputError(report.problems)
    assert units is not None
    return units
