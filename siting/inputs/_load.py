"""Reading every input of a run, in order, into one validated :class:`Inputs`.

:func:`load_inputs` and :func:`validate` read every vector layer and raster,
choose the working CRS, reproject, check that everything lies in the study
area, then fill in districts; :func:`read_layer` does the same for one layer.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from pyproj.exceptions import CRSError

from siting._digest import file_sha256
from siting._osmxml import parse_once
from siting._said import Said
from siting.errors import InputError, Problem
from siting.inputs import _fit
from siting.inputs._address import place_by_address
from siting.inputs._catchments import area_points, point_catchments
from siting.inputs._census import (
    _areas_own_counts,
    _check_census,
    _own_keys_problem,
    _read_census,
    _same_layer,
)
from siting.inputs._checks import (
    _check_duplicate_geometries,
    _check_overlapping_areas,
    _check_shared_ids,
    _parcels_in_buildings,
    _without_built_parcels,
)
from siting.inputs._columns import absent_column
from siting.inputs._crs import (
    _check_scale,
    _chosen_crs,
    _crs_label,
    _drawn,
    _far_problem,
    _fmt_bounds,
    _reproject,
    _transform_bounds,
    _working_crs,
)
from siting.inputs._datum import WEB_MAPS
from siting.inputs._districts import _assign, _check_references
from siting.inputs._osm import _add_osm, _source_problems, add_osm_blocks, osm_blocks_wait
from siting.inputs._pieces import PIECES, Piece
from siting.inputs._problems import _path_fix, _Report, _Where
from siting.inputs._raster import (
    DEFAULT_MAX_PERSONS_PER_KM2,
    _check_covers_areas,
    _check_covers_districts,
    _check_raster,
    _footprint,
    _Raster,
    _study_lonlat,
    warn_of_unshifted_raster,
)
from siting.inputs._schema import _SCHEMAS, LAYER_NAMES
from siting.inputs._street_blocks import add_street_blocks
from siting.inputs._streets import _check_coverage, _read_streets, _street_layer
from siting.inputs._table import polygons_needed
from siting.inputs._vector import _fill_land_area, _flat, _read
from siting.osm.blocks import BLOCK_ID_PREFIX
from siting.scenario import (
    DatumShift,
    InputsSpec,
    LayerSpec,
    OsmSpec,
    PopulationSpec,
    Radii,
    RasterSpec,
    StreetBlocksSpec,
    census_spec,
)
from siting.scenario.settings import LINE_LAYER_SUFFIXES

logger = logging.getLogger(__name__)

_STUDY_AREA_BUFFER_M = 2000.0


@dataclass(frozen=True)
class Inputs:
    """Every input of a run, validated and in the working CRS.

    Attributes
    ----------
    crs
        The working CRS (projected, metres).
    crs_chosen
        True when ``siting`` picked the CRS (the areas' own, their Gauss–Krüger
        zone or the UTM zone of the study area: see :func:`load_inputs`) rather than
        the scenario.
    areas
        Residential areas, indexed by ``area_id``.
    parcels
        Candidate parcels, indexed by ``site_id``.
    facilities
        Existing childcare facilities, indexed by ``facility_id``, if given.
    districts
        Counties and districts, indexed by ``district_id``, if given.
    subdistricts
        Streets and townships, indexed by ``subdistrict_id``, if given.
    workplaces
        Workplaces with migrant workers, indexed by ``workplace_id``, if given.
    hazards
        Hazards, indexed by ``hazard_id``, if given.
    population
        The resident population raster (validated, never copied): its path or, when
        the file has no CRS and the scenario gives one, a GDAL ``vrt://`` source of it
        that assigns that CRS (:attr:`files` has the path). Likewise the other rasters.
        ``None`` when the population is a layer of census units (:attr:`census`).
    population_crs
        The population raster's CRS (the scenario's when the file has none).
    migrant_population
        The migrant population raster, if given.
    streets
        The street network file, if given.
    notes
        Repairs made and choices taken, one sentence each.
    findings
        What the inputs do to the plan that a planner must weigh before signing it (a
        layer on an old datum used without a shift), one :class:`~siting._said.Said`
        each: the run's findings, beside the demand's and the model's.
    files
        Every input file read, by role (``"areas"``, ``"population"``, ...).
    file_hashes
        The SHA-256 of each of ``files`` that is a file, by role: hashed once when the
        inputs are read, for ``run.json`` and the county cache.
    migrant_population_crs
        The migrant population raster's CRS, if given.
    buildings
        Building footprints (or points), indexed by ``building_id``, if given.
    children
        The children raster, if given.
    street_graph
        The walking graph of :attr:`streets` in the working CRS
        (:func:`siting.network.read_street_graph`), read while checking it.
    context_areas
        One county's share of a partitioned run (:func:`siting.province.district_inputs`):
        the other districts' areas near it. They take their share of the raster cells
        they cover (see :func:`siting.allocation.allocate`'s ``context``) but are not
        planned here; ``None`` otherwise.
    context_districts
        Likewise, the other districts near the county (the residual given to the
        nearest area, ``demand.residual_to_nearest_m``).
    census
        The population as census units (``[inputs.population]`` with a ``column``),
        indexed by ``unit_id``, with ``name`` and ``people``, in the working CRS and in
        the study area; ``None`` for a raster. See :mod:`siting.census`.
    census_is_areas
        Whether the census units are the residential areas themselves (each area's own
        count, ``[inputs.population]`` naming the areas' file and layer).
    area_points
        Where an area was given as a point (a 小区 list's 经度/纬度, a points layer), that
        point in the working CRS, indexed by ``area_id`` (its polygon in :attr:`areas` is
        the catchment guessed around it); ``None`` when every area is an outline.
    """

    crs: pyproj.CRS
    crs_chosen: bool
    areas: gpd.GeoDataFrame
    parcels: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame | None
    districts: gpd.GeoDataFrame | None
    subdistricts: gpd.GeoDataFrame | None
    workplaces: gpd.GeoDataFrame | None
    hazards: gpd.GeoDataFrame | None
    population: Path | str | None
    population_crs: pyproj.CRS
    migrant_population: Path | str | None
    streets: Path | None
    notes: tuple[str, ...] = ()
    findings: tuple[Said, ...] = ()
    files: Mapping[str, Path] = field(default_factory=dict)
    file_hashes: Mapping[str, str] = field(default_factory=dict)
    migrant_population_crs: pyproj.CRS | None = None
    buildings: gpd.GeoDataFrame | None = None
    children: Path | str | None = None
    street_graph: Any = None
    context_areas: gpd.GeoDataFrame | None = None
    context_districts: gpd.GeoDataFrame | None = None
    census: gpd.GeoDataFrame | None = None
    census_is_areas: bool = False
    area_points: gpd.GeoSeries | None = None


def flat_loaded(inputs: Inputs) -> Inputs:
    """``inputs`` with the heights and measures (Z, M) of every layer dropped, each with
    the note a layer read from a file has.

    :func:`load_inputs` drops them from the layers it reads; a layer an analyst edits in
    memory and swaps in (``dataclasses.replace``) kept them, and a PolygonZ area beside
    2D parcels failed after the solve, drawing service lines between 3D and 2D points.
    """
    report = _Report()
    layers: dict[str, gpd.GeoDataFrame] = {}
    for name in LAYER_NAMES:
        frame = getattr(inputs, name, None)
        if frame is None:
            continue
        geoms = np.asarray(frame.geometry.to_numpy(), dtype=object)
        flat = _flat(geoms, name, report)
        if flat is not geoms:
            layers[name] = frame.set_geometry(gpd.GeoSeries(flat, index=frame.index, crs=frame.crs))
    if not layers:
        return inputs
    return replace(inputs, **layers, notes=(*inputs.notes, *report.notes))


def complete_loaded(inputs: Inputs) -> Inputs:
    """``inputs`` with the optional columns an edited layer lacks given as
    :func:`load_inputs` gives a file's layer that lacks them.

    A layer built in memory (a notebook's grid of areas, parcels from a list of points)
    may leave out what a file may leave out. Before, areas without ``district_id``
    failed with ``KeyError: 'district_id'`` (after the solve, without districts), parcels
    without ``land_area_m2`` had no land for any size (Guangyuan's county 510812: 111.7
    slots short for none), and facilities without ``district_id`` planned a district
    ``(none)`` of their own. Now, as from a file: a layer without ``district_id`` takes
    it from the districts (areas and subdistricts by largest overlap, the others by the
    district holding each), with the same note; parcels' missing ``land_area_m2`` is
    measured from their polygons (0 for points); any other optional column takes its
    default (a name is the feature's id, a yes/no its default, a number NaN). The
    caller's frames are never changed; a layer that lacks nothing is kept as it is.
    """
    report = _Report()
    layers: dict[str, gpd.GeoDataFrame] = {}
    for name in LAYER_NAMES:
        frame = getattr(inputs, name, None)
        if frame is None or not isinstance(frame, gpd.GeoDataFrame):
            continue
        completed = _with_defaults(frame, name)
        if name == "parcels" and completed["land_area_m2"].isna().any():
            completed = _fill_land_area(completed, report)
        # the district ids a layer left out (a districts layer has none to leave out)
        lacks_districts = "district_id" in completed.columns and "district_id" not in frame
        if lacks_districts and inputs.districts is not None:
            with report.warnings_of(name):
                completed = _assign(
                    completed,
                    "district_id",
                    inputs.districts,
                    by_overlap=name in ("areas", "subdistricts"),
                    name=name,
                    source="districts",
                    report=report,
                )
        if completed is not frame:
            layers[name] = completed
    if not layers:
        return inputs
    return replace(inputs, **layers, notes=(*inputs.notes, *report.notes))


def _with_defaults(frame: gpd.GeoDataFrame, name: str) -> gpd.GeoDataFrame:
    """``frame``, or a copy with the optional columns of ``name``'s schema it lacks, each
    with the value :func:`_read` gives a file's layer that lacks it."""
    absent = [
        column
        for column in _SCHEMAS[name].columns
        if column.kind != "id" and not column.required and column.name not in frame.columns
    ]
    if not absent:
        return frame
    ids = frame.index.to_numpy(dtype=object)
    added: dict[str, Any] = {
        column.name: [str(i) for i in ids]
        if column.id_default
        else absent_column(column, frame.index)
        for column in absent
    }
    return frame.assign(**added)


def read_layer(
    spec: LayerSpec, *, name: str, crs: str | pyproj.CRS | None = None
) -> gpd.GeoDataFrame:
    """Read, validate and normalize one vector layer.

    Parameters
    ----------
    spec
        Where the layer is and how its columns map to ``siting``'s names.
    name
        Which ``siting`` layer it is, and so which schema applies: one of
        :data:`LAYER_NAMES` (``"areas"``, ``"parcels"``, ...).
    crs
        Reproject to this CRS. ``None`` keeps the layer's own CRS (the
        ``spec.crs`` one if the file has none).

    Returns
    -------
    geopandas.GeoDataFrame
        The layer indexed by its id (``area_id``, ``site_id``, ...), with the
        schema's columns first, then any other columns of the file.

    Raises
    ------
    InputError
        With every problem found in the layer.
    ValueError
        If ``name`` is not a layer ``siting`` knows.

    Examples
    --------
    >>> from siting.scenario import LayerSpec
    >>> read_layer(LayerSpec(path="missing.gpkg"), name="areas")
    Traceback (most recent call last):
    ...
    siting.errors.InputError: 1 problem with the inputs:
      - file missing.gpkg, layer 'areas': the file does not exist. Fix: check the path under [inputs.areas] (a relative path is read from the scenario file's folder)
    """  # noqa: E501
    report = _Report()
    work = None
    if crs is not None:
        try:
            work = pyproj.CRS.from_user_input(crs)
        except CRSError as exc:
            raise InputError(
                [Problem(f"crs = '{crs}' is not a CRS pyproj knows ({exc})")]
            ) from None
    with report.warnings_of(name):
        frame, where = _read(spec, name, report)
        if frame is not None and frame.crs is not None:
            if work is not None:
                frame = _reproject(frame, name, work, None, where, report, shift=spec.datum_shift)
            if name == "parcels":
                frame = _fill_land_area(frame, report, where)
    if report.problems:
        raise InputError(report.problems)
    assert frame is not None
    for text in report.notes:
        logger.info("%s", text)
    return frame


@dataclass
class _Loaded:
    report: _Report
    crs: pyproj.CRS | None = None
    crs_chosen: bool = False
    layers: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)
    population: _Raster | None = None
    migrant: _Raster | None = None
    children: _Raster | None = None
    street_graph: Any = None
    census: gpd.GeoDataFrame | None = None
    census_is_areas: bool = False
    area_points: gpd.GeoSeries | None = None


def _generated_inside(
    frame: gpd.GeoDataFrame,
    generated: np.ndarray,
    what: str,
    name: str,
    report: _Report,
    *,
    then: str = "",
) -> gpd.GeoDataFrame:
    """``frame`` without the ``generated`` rows that no district holds (their
    ``district_id`` left empty by the districts' outlines), with a note saying how many
    of ``what`` were left out (and ``then``, after it).

    Street blocks and residential polygons (``areas_from``) cover the land an OSM
    extract's streets enclose or its mappers drew, and the OSM file's candidate sites
    lie anywhere in it, so a districts layer smaller than the extract leaves some
    outside every district: a partitioned run refused them ("lie outside every district
    ... leave out the rows"), though they are no planner's rows to leave out, and a
    single run planned them under ``(none)``. An area partly inside keeps the district
    it overlaps most, as the planner's own areas do; a site, the district holding a
    point of it. The rows of the planner's own layers are kept (and refused by a
    partitioned run).
    """
    outside = generated & frame["district_id"].isna().to_numpy()
    if not outside.any():
        return frame
    report.note(
        Said(
            f"{name}: {int(outside.sum()):,} of the {int(generated.sum()):,} {what} lie "
            f"outside every district and are left out{then}",
            code="generated_outside_districts",
            layer=name,
            count=int(outside.sum()),
            of=int(generated.sum()),
        )
    )
    return frame.loc[~outside]


def _osm_inside(layers: dict[str, gpd.GeoDataFrame], osm: OsmSpec | None, report: _Report) -> None:
    """Leave out of ``layers`` the OSM file's residential areas (its polygons and street
    blocks) and candidate sites that lie outside every district
    (:func:`_generated_inside`); the areas' people are then outside the study area,
    which the districts are."""
    if osm is None:
        return
    areas = layers.get("areas")
    if areas is not None and "source" in areas.columns:  # "osm", or "layer" when merged
        from_osm = (areas["source"] == "osm").to_numpy()
        blocks = areas.index.astype(str).str.startswith(BLOCK_ID_PREFIX)
        what = (
            "street blocks" if blocks[from_osm].all() else f"residential areas from {osm.path.name}"
        )
        then = " (their people are outside the study area, the districts)"
        layers["areas"] = _generated_inside(areas, from_osm, what, "areas", report, then=then)
    parcels = layers.get("parcels")
    if "candidates" in osm.use and parcels is not None and "source" in parcels.columns:
        from_osm = (parcels["source"] == "osm").to_numpy()
        what = f"candidate sites from {osm.path.name}"
        layers["parcels"] = _generated_inside(parcels, from_osm, what, "parcels", report)


def _shift(spec: InputsSpec, name: str) -> DatumShift | None:
    """``[inputs.<name>] datum_shift``, if the layer is given and gives one."""
    layer: LayerSpec | None = getattr(spec, name, None)
    return layer.datum_shift if layer is not None else None


def _load(
    spec: InputsSpec,
    crs: str | pyproj.CRS | None,
    max_persons_per_km2: float = DEFAULT_MAX_PERSONS_PER_KM2,
    radii: Radii | None = None,
    frames: Mapping[str, gpd.GeoDataFrame] | None = None,
) -> _Loaded:
    # [inputs.osm]'s layers and the street graph of the same file share one parse of it;
    # the graph is read last (_load_parsed_once), and lets the parse go once built
    with parse_once():
        return _load_parsed_once(spec, crs, max_persons_per_km2, radii, frames or {})


def _load_parsed_once(
    spec: InputsSpec,
    crs: str | pyproj.CRS | None,
    max_persons_per_km2: float,
    radii: Radii | None,
    frames: Mapping[str, gpd.GeoDataFrame],
) -> _Loaded:
    report = _Report()
    loaded = _Loaded(report)
    work = _working_crs(crs, report)
    wheres: dict[str, _Where] = {}
    raw: dict[str, gpd.GeoDataFrame] = {}
    census = census_spec(spec.population)
    own_counts = census is not None and _same_layer(census, spec.areas)
    for name in LAYER_NAMES:
        layer_spec: LayerSpec | None = getattr(spec, name)
        if layer_spec is None:
            continue
        people = census.column if census is not None and own_counts and name == "areas" else None
        with report.warnings_of(name):
            frame, where = _read(layer_spec, name, report, people=people, frame=frames.get(name))
        wheres[name] = where
        if frame is not None:
            raw[name] = frame
            _check_duplicate_geometries(frame, name, report)
            if name == "areas":
                _check_overlapping_areas(frame, where, report)
    # the layers that may be on a web map's datum, by their own CRS (before projection),
    # and the pieces that may be, of a layer joined from pieces in several CRSs
    shifted = {n for n in LAYER_NAMES if _shift(spec, n) is not None}
    pieces = {n: f.attrs.pop(PIECES) for n, f in raw.items() if PIECES in f.attrs}
    suspected = _fit.suspects(raw, shifted, pieces=pieces)
    suspected_pieces = _fit.piece_suspects(pieces, shifted)
    osm_blocks_later = False
    if _source_problems(spec, report):
        osm_blocks_later = osm_blocks_wait(spec, raw)
        with report.warnings_of("osm"):
            _add_osm(spec, work, raw, wheres, report, blocks_later=osm_blocks_later)
    # a layer of centrelines giving street blocks is read once, in its own CRS: for the
    # blocks (after the areas' catchments) and for the walking graph (last)
    said = len(report.problems)
    street_layer = _street_layer_for_blocks(spec, frames, report)
    unread = street_layer is None and len(report.problems) > said  # said once, not again
    dense = max_persons_per_km2
    # the rasters' values are checked over the study area only (a country tile is not read)
    lonlat = _study_lonlat(
        [raw[n] for n in ("areas", "districts") if n in raw], margin_m=_STUDY_AREA_BUFFER_M
    )
    units: gpd.GeoDataFrame | None = None
    if census is None:
        if not polygons_needed(Path(spec.population.path), "population", report):
            with report.warnings_of("population"):
                loaded.population = _check_raster(
                    spec.population, "population", report, max_persons_per_km2=dense, study=lonlat
                )
    elif not own_counts:
        with report.warnings_of("population"):
            keys = {"to": FRAMES_CENSUS} if frames else {}  # load_frames's caller's
            units, wheres["population"] = _read_census(census, report, **keys)
    elif spec.areas is not None:
        _own_keys_problem(census, spec.areas, report)
    if spec.migrant_population is not None:
        with report.warnings_of("migrant_population"):
            loaded.migrant = _check_raster(
                spec.migrant_population,
                "migrant_population",
                report,
                max_persons_per_km2=dense,
                study=lonlat,
            )
    if spec.children is not None:
        with report.warnings_of("children"):
            loaded.children = _check_raster(
                spec.children, "children", report, max_persons_per_km2=dense, study=lonlat
            )
    if spec.streets is not None:
        streets = Path(spec.streets)
        if streets.exists():
            report.files["streets"] = streets
        else:
            report.problems.append(
                Problem(
                    "the street network file does not exist",
                    file=str(streets),
                    layer="streets",
                    fix=_path_fix(streets, "[inputs] streets")
                    or "check streets under [inputs], or leave it out to use straight-line "
                    "distances × the detour factor",
                )
            )

    areas = raw.get("areas")
    whose = "the areas'"
    if areas is None and street_layer is not None:  # the areas are the streets' blocks
        areas, whose = street_layer, "the streets'"
    if crs is None and areas is not None and areas.crs is not None:
        chosen = _chosen_crs(areas, whose=whose)
        work = chosen[0] if chosen is not None else None
        if chosen is None:
            report.problems.append(
                wheres.get("areas", _Where(str(spec.streets), "streets")).problem(
                    "siting cannot pick a working CRS: the areas' coordinates "
                    f"{_fmt_bounds(areas.total_bounds, pyproj.CRS(areas.crs))} do not lie on "
                    f"the Earth in {_crs_label(pyproj.CRS(areas.crs))}",
                    fix="check the layer's CRS, or set crs in the scenario",
                )
            )
        else:
            loaded.crs_chosen = True
            report.note(
                Said(
                    f"working CRS: chose {_crs_label(chosen[0])} ({chosen[0].name}), "
                    f"{chosen[1]}; set crs in the scenario to use another",
                    code="crs_chosen",
                    crs=_crs_label(chosen[0]),
                    crs_name=chosen[0].name,
                )
            )
    elif work is not None:
        report.note(
            Said(
                f"working CRS: {_crs_label(work)} ({work.name}) from the scenario",
                code="crs_from_scenario",
                crs=_crs_label(work),
                crs_name=work.name,
            )
        )
    loaded.crs = work
    if work is None:
        return loaded

    # the study area: the areas' box + 2 km, and the districts' box
    study: shapely.Polygon | None = None
    points = None  # the areas' points, where given as points: their districts hold them
    areas = raw.get("areas")
    if areas is not None and areas.crs is not None:
        with report.warnings_of("areas"):
            areas = _reproject(
                areas, "areas", work, None, wheres["areas"], report, shift=_shift(spec, "areas")
            )
        if areas.crs is not None and pyproj.CRS(areas.crs).is_projected:
            radius = spec.areas.radius_m if spec.areas is not None else None
            points = area_points(areas)
            if points is not None:
                given = np.array([p is not None for p in points], dtype=bool)
                loaded.area_points = gpd.GeoSeries(
                    points[given], index=areas.index[given], crs=areas.crs
                )
                own = census.column if census is not None and own_counts else None
                areas = point_catchments(
                    areas,
                    radius_m=radius,
                    report=report,
                    people=own,
                    units=census is not None,
                    at=points,
                )
        raw["areas"] = areas
        good = _drawn(areas)
        if len(good) and np.isfinite(good.total_bounds).all():
            study = shapely.box(*good.total_bounds).buffer(_STUDY_AREA_BUFFER_M, join_style="mitre")
    districts = raw.get("districts")
    if districts is not None and districts.crs is not None:
        with report.warnings_of("districts"):
            districts = _reproject(
                districts,
                "districts",
                work,
                study,
                wheres["districts"],
                report,
                shift=_shift(spec, "districts"),
            )
        raw["districts"] = districts
        good = _drawn(districts)
        finite = np.isfinite(good.total_bounds).all() if len(good) else False
        if finite:
            box = shapely.box(*good.total_bounds)
            study = box if study is None else shapely.box(*study.union(box).bounds)
    if study is not None and not loaded.crs_chosen:
        _check_scale(work, study, report)
    for name in LAYER_NAMES:
        if name in ("areas", "districts") or name not in raw or raw[name].crs is None:
            continue
        with report.warnings_of(name):
            raw[name] = _reproject(
                raw[name], name, work, study, wheres[name], report, shift=_shift(spec, name)
            )
    if units is not None and units.crs is not None and census is not None:
        with report.warnings_of("population"):
            units = _reproject(
                units,
                "population",
                work,
                study,
                wheres["population"],
                report,
                shift=census.datum_shift,
            )
    rasters = (
        ("population", loaded.population),
        ("migrant_population", loaded.migrant),
        ("children", loaded.children),
    )
    for role, raster in rasters:
        if raster is None or study is None:
            continue
        warn_of_unshifted_raster(raster, role, work, report)
        box = _transform_bounds(raster.bounds, raster.crs, work)
        if box is None or not shapely.box(*box).intersects(study):
            where = _Where(str(raster.path), role)
            report.problems.append(
                _far_problem(
                    where, "the raster", raster.bounds, raster.crs, study, work, noun="raster"
                )
            )
        elif "areas" in raw and raw["areas"].crs is not None and role != "children":
            footprint = _footprint(raster, work)  # once, for the areas and the districts
            if footprint is not None:
                _check_covers_areas(raster, role, raw["areas"], footprint, report)
                if role == "population" and "districts" in raw and raw["districts"].crs is not None:
                    _check_covers_districts(raster, role, raw["districts"], footprint, report)

    # normalization that needs the working CRS
    if "parcels" in raw and raw["parcels"].crs is not None:
        with report.warnings_of("parcels"):
            raw["parcels"] = _fill_land_area(raw["parcels"], report, wheres.get("parcels"))
    # a table's rows without coordinates, at the 小区 their address names (address = ...)
    place_by_address(raw, spec, wheres, work=work, area_points=loaded.area_points, report=report)
    if osm_blocks_later and "osm" in report.files:  # the file was read
        with report.warnings_of("osm"):
            add_osm_blocks(spec, work, raw, wheres, report)
    if street_layer is not None:
        with report.warnings_of("areas"):
            add_street_blocks(spec, street_layer, raw, wheres, report, work=work)
    if points is not None and "areas" in raw and len(raw["areas"]) > len(points):
        # the blocks follow the areas (siting.inputs._osm._merge): outlines, no point
        extra = np.full(len(raw["areas"]) - len(points), None, dtype=object)
        points = np.concatenate([np.asarray(points, dtype=object), extra])
    projected = {n: f for n, f in raw.items() if f.crs is not None}
    districts = projected.get("districts")
    subdistricts = projected.get("subdistricts")
    if districts is not None:
        for name in ("areas", "parcels", "facilities", "workplaces", "subdistricts"):
            if name in projected:
                with report.warnings_of(name):
                    projected[name] = _assign(
                        projected[name],
                        "district_id",
                        districts,
                        by_overlap=name in ("areas", "subdistricts"),
                        name=name,
                        source="districts",
                        report=report,
                        at=points if name == "areas" else None,
                    )
                _check_references(projected[name], "district_id", districts, wheres[name], report)
        _osm_inside(projected, spec.osm, report)
    if subdistricts is not None and "areas" in projected:
        with report.warnings_of("areas"):
            projected["areas"] = _assign(
                projected["areas"],
                "subdistrict_id",
                subdistricts,
                by_overlap=True,
                name="areas",
                source="subdistricts",
                report=report,
                at=points,
            )
        _check_references(
            projected["areas"], "subdistrict_id", subdistricts, wheres["areas"], report
        )
    if census is not None and "areas" in projected:
        with report.warnings_of("population"):
            if own_counts:
                loaded.census = _areas_own_counts(census, projected["areas"], report)
                loaded.census_is_areas = True
            elif units is not None and units.crs is not None:
                loaded.census = _check_census(
                    units,
                    study=study,
                    districts=projected.get("districts"),
                    where=wheres["population"],
                    report=report,
                )
    projected = _parcels_in_buildings(_without_built_parcels(projected, report), report)
    framed = frozenset(frames) & frozenset(LAYER_NAMES)
    _check_web_fit(projected, suspected, suspected_pieces, loaded, report, in_memory=framed)
    _check_shared_ids(projected, wheres, report)
    street_file = report.files.get("streets")
    in_memory = frames.get(STREETS_FRAME)
    if street_file is None and in_memory is not None:
        street_file = Path(STREETS_FRAME)
    if street_file is not None and not unread:
        with report.warnings_of("streets"):
            lines = spec.street_lines
            loaded.street_graph = _read_streets(
                street_file, work, report, entry=lines, frame=in_memory, layer=street_layer
            )
            if loaded.street_graph is not None and "areas" in projected:
                _check_coverage(
                    loaded.street_graph, street_file, projected["areas"], radii or Radii(), report
                )
    loaded.layers = projected
    return loaded


def _street_layer_for_blocks(
    spec: InputsSpec, frames: Mapping[str, gpd.GeoDataFrame], report: _Report
) -> gpd.GeoDataFrame | None:
    """The layer of street centrelines in its own CRS when it gives street blocks
    (``blocks = true``), else ``None`` (a missing file is said by the streets' check)."""
    in_memory = frames.get(STREETS_FRAME)  # load_frames's GeoDataFrame of centrelines
    if spec.street_blocks is None or (spec.streets is None and in_memory is None):
        return None
    if in_memory is None and not Path(str(spec.streets)).exists():
        return None
    entry = spec.street_lines or LayerSpec(path=Path(str(spec.streets or STREETS_FRAME)))
    with report.warnings_of("streets"):
        layer: gpd.GeoDataFrame | None = _street_layer(entry, report, frame=in_memory)
    return layer


def _check_web_fit(
    layers: dict[str, gpd.GeoDataFrame],
    suspected: dict[str, str],
    pieces: list[tuple[str, Piece]],
    loaded: _Loaded,
    report: _Report,
    *,
    in_memory: frozenset[str] = frozenset(),
) -> None:
    """A finding for each layer (or piece of one) in degrees that fits the others clearly
    better moved from GCJ-02 or BD-09 (:mod:`siting.inputs._fit`), unless its CRS, file
    name or columns said so already; ``in_memory`` are :func:`load_frames`'s layers."""
    said = {f.values.get("layer") for f in report.findings if f.code == "web_datum_unshifted"}
    suspected = {n: crs for n, crs in suspected.items() if n not in said and n in layers}
    pieces = [(n, piece) for n, piece in pieces if n not in said and n in layers]
    if not (suspected or pieces) or loaded.crs is None:
        return
    raster = loaded.population
    source = (raster.source, raster.crs) if raster is not None else None
    found = _fit.web_fit_findings(
        layers, suspected, loaded.crs, raster=source, pieces=pieces, in_memory=in_memory
    )
    for finding in found:
        report.find(finding, by=logger)


@dataclass(frozen=True)
class InputsCheck:
    """What reading the inputs found, without raising (:func:`check_inputs`).

    Attributes
    ----------
    problems
        Every problem; empty when the inputs are usable.
    findings
        What the inputs would do to the plan that a planner must weigh before signing it
        (:attr:`Inputs.findings`).
    notes
        Repairs made and choices taken (:attr:`Inputs.notes`).
    """

    problems: tuple[Problem, ...]
    findings: tuple[Said, ...]
    notes: tuple[str, ...]


def check_inputs(
    spec: InputsSpec,
    *,
    crs: str | pyproj.CRS | None = None,
    max_persons_per_km2: float = DEFAULT_MAX_PERSONS_PER_KM2,
    radii: Radii | None = None,
) -> InputsCheck:
    """Every problem, finding and note of the inputs, without raising (``siting
    validate``); the parameters are :func:`validate`'s."""
    report = _load(spec, crs, max_persons_per_km2, radii).report
    return InputsCheck(tuple(report.problems), tuple(report.findings), tuple(report.notes))


def validate(
    spec: InputsSpec,
    *,
    crs: str | pyproj.CRS | None = None,
    max_persons_per_km2: float = DEFAULT_MAX_PERSONS_PER_KM2,
    radii: Radii | None = None,
) -> list[Problem]:
    """Every problem with the inputs, without raising.

    Parameters
    ----------
    spec
        The scenario's inputs.
    crs
        The working CRS (the scenario's ``crs``); ``None`` chooses one as
        :func:`load_inputs` does.
    max_persons_per_km2
        The densest plausible raster cell (``demand.max_persons_per_km2``).
    radii
        The service radii (``[radii]``), for the street network's coverage;
        ``None`` takes the defaults.

    Returns
    -------
    list of Problem
        Empty when the inputs are usable.
    """
    return list(
        check_inputs(spec, crs=crs, max_persons_per_km2=max_persons_per_km2, radii=radii).problems
    )


def load_inputs(
    spec: InputsSpec,
    *,
    crs: str | pyproj.CRS | None = None,
    max_persons_per_km2: float = DEFAULT_MAX_PERSONS_PER_KM2,
    radii: Radii | None = None,
    frames: Mapping[str, gpd.GeoDataFrame] | None = None,
) -> Inputs:
    """Read every input, validate it and reproject it to the working CRS.

    Parameters
    ----------
    spec
        The scenario's inputs.
    crs
        The working CRS, projected in metres (the scenario's ``crs``). ``None``
        keeps the areas' own projected CRS when it measures the study area within
        1 %, else picks the CGCS2000 3° Gauss–Krüger zone for areas in CGCS2000
        degrees, else the UTM zone of the study area, and says so in
        :attr:`Inputs.notes`.
    max_persons_per_km2
        The densest plausible raster cell (``demand.max_persons_per_km2``):
        ten times denser is a problem, denser a warning.
    radii
        The service radii (``[radii]``), for the street network's coverage;
        ``None`` takes the defaults.
    frames
        Layers given as GeoDataFrames, by name (``areas``, ``parcels`` …), read in place
        of their entries' files, as those files would be (:func:`load_frames` builds the
        entries).

    Returns
    -------
    Inputs
        Every layer normalized, with the notes of repairs and choices made.

    Raises
    ------
    InputError
        With every problem found, in every layer and raster, at once.
    """
    loaded = _load(spec, crs, max_persons_per_km2, radii, frames)
    report = loaded.report
    if report.problems:
        raise InputError(report.problems)
    assert loaded.crs is not None
    assert loaded.population is not None or loaded.census is not None
    layers = loaded.layers
    population = loaded.population
    return Inputs(
        crs=loaded.crs,
        crs_chosen=loaded.crs_chosen,
        areas=layers["areas"],
        parcels=layers["parcels"],
        facilities=layers.get("facilities"),
        districts=layers.get("districts"),
        subdistricts=layers.get("subdistricts"),
        workplaces=layers.get("workplaces"),
        hazards=layers.get("hazards"),
        population=population.source if population is not None else None,
        population_crs=population.crs if population is not None else loaded.crs,
        migrant_population=loaded.migrant.source if loaded.migrant is not None else None,
        streets=report.files.get("streets"),
        notes=tuple(report.notes),
        findings=tuple(report.findings),
        files=dict(report.files),
        file_hashes={
            role: file_sha256(path) for role, path in report.files.items() if Path(path).exists()
        },
        migrant_population_crs=loaded.migrant.crs if loaded.migrant is not None else None,
        buildings=layers.get("buildings"),
        children=loaded.children.source if loaded.children is not None else None,
        street_graph=loaded.street_graph,
        census=loaded.census,
        census_is_areas=loaded.census_is_areas,
        area_points=_kept_points(loaded.area_points, layers["areas"]),
    )


def _kept_points(points: gpd.GeoSeries | None, areas: gpd.GeoDataFrame) -> gpd.GeoSeries | None:
    """The areas' given points, of the areas kept (an OSM area outside every district is
    left out after the points were taken)."""
    if points is None:
        return None
    kept = points[points.index.isin(areas.index)]
    return kept if len(kept) else None


STREETS_FRAME = "streets (a GeoDataFrame)"
"""The key of :func:`load_frames`'s streets among the frames, and their name in problems."""
FRAMES_CENSUS = "to load_frames as population=PopulationSpec(path=..., column=...)"
"""Where :func:`load_frames`'s caller gives a census layer's keys, as its problems' fixes
say (``[inputs.population]`` is a scenario's)."""


def _frame_kind(frame: object) -> str:
    """How a layer given to :func:`load_frames` is named in its problems."""
    table = isinstance(frame, pd.DataFrame) and not isinstance(frame, gpd.GeoDataFrame)
    return "DataFrame" if table else "GeoDataFrame"


def load_frames(
    *,
    population: str | Path | RasterSpec,
    areas: pd.DataFrame,
    parcels: pd.DataFrame,
    columns: Mapping[str, Mapping[str, str]] | None = None,
    crs: str | pyproj.CRS | None = None,
    streets: str | Path | gpd.GeoDataFrame | None = None,
    where: Mapping[str, str] | None = None,
    radius_m: float | None = None,
    street_blocks: bool | StreetBlocksSpec = False,
    address: Mapping[str, str] | None = None,
    layer_crs: Mapping[str, str | pyproj.CRS] | None = None,
    datum_shift: Mapping[str, str | DatumShift] | None = None,
    **layers: pd.DataFrame,
) -> Inputs:
    """Read layers held in memory as the scenario's files are read: an analyst's frames.

    Each frame goes through what its file would (columns renamed and typed, ids, a
    bureau's words, geometries repaired, the checks and findings, the working CRS);
    the caller's frames are not changed. Problems name the layer as
    ``"areas (a GeoDataFrame)"``. A layer given as a :class:`pandas.DataFrame` without
    geometry (``pd.read_excel`` of a register) is a table, read as a CSV or workbook
    is: its coordinate columns (经度/纬度, x/y …, or ``x``/``y`` in ``columns``) in the
    CRS ``layer_crs`` gives it, or its rows placed by their ``address``; its rows are
    named by the frame's index (``"facilities (a DataFrame)", index 3``). Plan with
    :func:`siting.pipeline.prepare_loaded` and :func:`siting.pipeline.solve_prepared`.

    Parameters
    ----------
    population
        The population raster (a path, or a :class:`~siting.scenario.RasterSpec`), or
        census units as ``[inputs.population]`` gives them: a
        :class:`~siting.scenario.PopulationSpec` with the file's ``column`` of counts (a
        census layer's path alone is refused, its fix naming that argument).
    areas, parcels
        The residential areas and the candidate parcels.
    columns
        Each layer's own column names for siting's, by layer (``{"areas": {"dwellings":
        "户数"}}``), as ``[inputs.<layer>.columns]``.
    crs
        The working CRS (the scenario's ``crs``); ``None`` chooses as
        :func:`load_inputs` does.
    streets
        The streets, for walks along them: an OSM XML or GraphML file, a line layer's
        file, or a GeoDataFrame of street centrelines with its CRS (read as a line layer,
        :func:`siting.network.street_graph_from_lines`).
    where
        Each layer's filter of its rows by layer (``{"areas": "DLBM IN ('0701','0702')"}``),
        as ``[inputs.<layer>] where``: GDAL's OGR SQL over the frame's own column names.
    radius_m
        For areas given as points (a 小区 list), the radius of the land each stands for,
        as ``[inputs.areas] radius_m``; ``None`` takes it from the dwellings
        (:mod:`siting.inputs._catchments`).
    street_blocks
        With ``streets`` a GeoDataFrame of street centrelines or a line layer's file, add
        its street blocks as residential areas where ``areas`` do not cover, as ``blocks =
        true`` on the streets entry (:mod:`siting.inputs._street_blocks`): ``True`` with
        the defaults, a :class:`~siting.scenario.StreetBlocksSpec` with its status and
        sizes.
    address
        Each table's address column by layer (``{"facilities": "地址"}``), as
        ``[inputs.<layer>] address``: its rows without coordinates are placed at the
        residential area their address names (:mod:`siting.inputs._address`).
    layer_crs
        The CRS of a layer's coordinates where the layer holds none (a table's, a
        GeoDataFrame without ``crs``), by layer (``{"facilities": "EPSG:4490"}``), as
        ``[inputs.<layer>] crs``.
    datum_shift
        Each layer's datum by layer, as ``[inputs.<layer>] datum_shift``: ``"gcj02"`` for a
        frame in GCJ-02 (picked on Gaode/AutoNavi or Tencent), ``"bd09"`` (Baidu), or a
        :class:`~siting.scenario.DatumShift` (an old datum's transformation):
        ``{"areas": "gcj02"}``.
    **layers
        ``facilities``, ``districts``, ``subdistricts``, ``workplaces``, ``hazards``,
        ``buildings``.

    Returns
    -------
    Inputs
        As :func:`load_inputs` returns.

    Raises
    ------
    InputError
        With every problem found; an unknown layer's name too.
    """
    frames = {"areas": areas, "parcels": parcels, **layers}
    unknown = sorted(set(frames) - set(LAYER_NAMES))
    if unknown:
        raise InputError(
            [
                Problem(
                    f"load_frames has no layer {', '.join(map(repr, unknown))}",
                    fix=f"give the layers by siting's names: {', '.join(LAYER_NAMES)}",
                )
            ]
        )
    mapped, wheres = dict(columns or {}), dict(where or {})
    in_memory = streets if isinstance(streets, gpd.GeoDataFrame) else None
    path = None if streets is None or in_memory is not None else Path(streets)
    filtered = set(frames) | ({"streets"} if in_memory is not None or path is not None else set())
    stray = sorted(set(wheres) - filtered)
    if "streets" in wheres and path is not None and path.suffix.lower() not in LINE_LAYER_SUFFIXES:
        stray.append(f"streets ({path.name}, not a layer of street centrelines)")
    lines = in_memory is not None or (
        path is not None and path.suffix.lower() in LINE_LAYER_SUFFIXES
    )
    if street_blocks is not False and not lines:
        had = "no streets" if path is None else f"streets {path.name}"
        raise InputError(
            [
                Problem(
                    f"load_frames's street_blocks needs a layer of street centrelines, and "
                    f"it is given {had}",
                    fix="give streets= a GeoDataFrame of street centrelines or a line "
                    "layer's file (an OSM file's blocks come from [inputs.osm] "
                    'areas_from = ["blocks"] in a scenario)',
                )
            ]
        )
    if stray:
        raise InputError(
            [
                Problem(
                    f"load_frames's where filters {', '.join(stray)}, which it is not given "
                    "as a layer: the filter would be left unread",
                    fix=f"filter the layers given ({', '.join(sorted(filtered))}) by their "
                    "names, or give the layer",
                )
            ]
        )
    addresses, crs_of = dict(address or {}), dict(layer_crs or {})
    loose = sorted((set(addresses) | set(crs_of)) - set(frames))
    if loose:
        raise InputError(
            [
                Problem(
                    f"load_frames's address or layer_crs names {', '.join(map(repr, loose))}, "
                    "which it is not given as a layer",
                    fix=f"name the layers given ({', '.join(sorted(frames))}), or give the layer",
                )
            ]
        )
    shifts = _frame_shifts(datum_shift or {}, frames)
    layer_crs_text: dict[str, str] = {}
    unknown_crs: list[Problem] = []
    for name, given_crs in crs_of.items():
        try:
            layer_crs_text[name] = str(pyproj.CRS(given_crs).to_string())
        except CRSError as exc:
            unknown_crs.append(
                Problem(
                    f"load_frames's layer_crs gives {name} the CRS {str(given_crs)!r}, which "
                    f"pyproj does not know ({exc})",
                    file=f"{name} (a {_frame_kind(frames[name])})",
                    layer=name,
                    fix=f'give an EPSG code, such as layer_crs={{"{name}": "EPSG:4490"}} for '
                    "CGCS2000 longitudes and latitudes",
                )
            )
    if unknown_crs:
        raise InputError(unknown_crs)
    entries: dict[str, Any] = {  # each layer's entry, as [inputs.<layer>] would give it
        name: LayerSpec(
            path=Path(f"{name} (a {_frame_kind(frame)})"),
            columns=mapped.get(name, {}),
            where=wheres.get(name),
            radius_m=radius_m if name == "areas" else None,
            address=addresses.get(name),
            crs=layer_crs_text.get(name),
            datum_shift=shifts.get(name),
        )
        for name, frame in frames.items()
    }
    if "streets" in wheres:
        entries["street_lines"] = LayerSpec(
            path=path or Path(STREETS_FRAME), where=wheres["streets"]
        )
    raster = population if isinstance(population, RasterSpec) else None
    spec = replace(
        InputsSpec(
            population=raster or PopulationSpec(path=Path(str(population))),
            streets=path,
            street_blocks=StreetBlocksSpec() if street_blocks is True else street_blocks or None,
        ),
        **entries,
    )
    given = frames if in_memory is None else {**frames, STREETS_FRAME: in_memory}
    try:
        inputs = load_inputs(spec, crs=crs, frames=given)
    except InputError as exc:  # a CRS's fix said as this function's keyword, not a key
        raise InputError([_as_frames_fix(p) for p in exc.problems]) from None
    return replace(inputs, notes=tuple(_as_frames_note(n) for n in inputs.notes))


_FRAMES_WORDS = (
    ("the file has no CRS; assumed", " from the scenario", " from load_frames's layer_crs"),
    ("the file has no CRS; assumed", "the file has no CRS", "the frame has no CRS"),
    ("working CRS: ", ") from the scenario", ") from load_frames's crs"),
    (
        "working CRS: ",
        "set crs in the scenario to use another",
        "give load_frames crs= for another",
    ),
)
"""A note's words for a scenario's key, and load_frames's keyword for it: (in the note,
the words, the keyword's)."""


def _as_frames_note(note: str) -> str:
    """A note of :func:`load_frames` naming its keywords (``layer_crs``, ``crs``) where a
    scenario's run names the scenario's keys; its code and values kept."""
    text = str(note)
    for within, old, new in _FRAMES_WORDS:
        if within in text:
            text = text.replace(old, new)
    if text == note:
        return note
    return Said(text, code=note.code, **note.values) if isinstance(note, Said) else text


_CRS_FIX = re.compile(r'add crs = "([^"]+)" under \[inputs\.(\w+)\]')
_NO_PRJ = "define the CRS in the file (a .prj beside a Shapefile), or give it: "
_DATUM_FIX = 'add datum_shift = "gcj02" or "bd09" as well'


def _as_frames_fix(problem: Problem) -> Problem:
    """A problem of :func:`load_frames` whose fix gives a layer's CRS as its keyword
    (``layer_crs={"facilities": "EPSG:4490"}``), not as a scenario's key."""
    fix = problem.fix
    if fix is None or _CRS_FIX.search(fix) is None:
        return problem
    table = "(a DataFrame)" in (problem.file or "")  # no CRS of its own to set
    said = r'give load_frames layer_crs={"\2": "\1"}' + (
        "" if table else " (or set_crs on the frame)"
    )
    layer = _CRS_FIX.search(fix).group(2)  # type: ignore[union-attr]
    shifted = f'give load_frames datum_shift={{"{layer}": "gcj02"}} (or "bd09") as well'
    fix = _CRS_FIX.sub(said, fix.replace(_NO_PRJ, "")).replace(_DATUM_FIX, shifted)
    return replace(problem, fix=fix)


def _frame_shifts(
    given: Mapping[str, str | DatumShift], frames: Mapping[str, pd.DataFrame]
) -> dict[str, DatumShift]:
    """:func:`load_frames`'s ``datum_shift`` as each layer's :class:`DatumShift`; a layer
    not given, or a word that is no web map's datum, is refused by name."""
    problems = []
    shifts = {}
    for name, value in given.items():
        if name not in frames:
            problems.append(
                Problem(
                    f"load_frames's datum_shift={ {name: value}!r} names a layer it is not "
                    "given: the shift would be left unread",
                    fix=f"shift the layers given ({', '.join(sorted(frames))}) by their names",
                )
            )
        elif isinstance(value, str) and value not in WEB_MAPS:
            problems.append(
                Problem(
                    f"load_frames's datum_shift={ {name: value}!r} is no web map's datum",
                    fix='give "gcj02" (Gaode/AutoNavi, Tencent, Aliyun DataV) or "bd09" '
                    "(Baidu), or a siting.scenario.DatumShift for an old datum",
                )
            )
        else:
            shifts[name] = DatumShift(web_map=value) if isinstance(value, str) else value
    if problems:
        raise InputError(problems)
    return shifts
