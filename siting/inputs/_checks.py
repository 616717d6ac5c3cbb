"""Checks across a layer's features or across layers, made once every layer is read.

* **Ids shared by a parcel and an existing facility**: both become sites of
  the model (:func:`siting.candidates.sites_from_inputs`), indexed by their
  id, so an id used by both is a problem here, before the solve, unless the
  facility stands on that parcel (a plan's facilities fed back as next year's
  existing ones): the parcel is then built on and is no longer a candidate.
* **Duplicated geometries**: two features of one layer with the same
  geometry (a polygon pasted twice, a layer merged with itself) are a
  warning with the ids of each group, since the same residential block
  counted twice doubles its demand.
"""

from __future__ import annotations

import dataclasses
import logging
import numbers
from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyproj
import shapely

from siting._said import Said
from siting._text import first_few
from siting.errors import Problem
from siting.inputs._columns import _BAD, _convert, _convert_enum, _to_bool
from siting.inputs._problems import _a, _count, _Report, _Where
from siting.inputs._schema import (
    _POLYGON,
    _SCHEMAS,
    LAYER_NAMES,
    _Column,
    _Schema,
)
from siting.inputs._vector import _check_dwellings, _drawn_problems

logger = logging.getLogger(__name__)

_DUPLICATE_CHECKED = ("areas", "parcels", "facilities", "districts", "subdistricts")


ON_PARCEL_M = 1.0
"""An existing facility this close to the parcel of its own id stands on that parcel."""


def _parcels_in_buildings(
    layers: Mapping[str, gpd.GeoDataFrame], report: _Report
) -> dict[str, gpd.GeoDataFrame]:
    """``layers`` with each parcel of a public building given as a bare point (a
    community centre from a list of coordinates, Geofabrik's POI points: no land, no
    floor area, so it could never host a facility) given the footprint of the building
    of ``[inputs.buildings]`` it stands in, as ``[inputs.osm]`` gives its own: one storey,
    one venue per building."""
    from siting.osm.layers import HOUSED_KINDS, housed_in

    parcels, buildings = layers.get("parcels"), layers.get("buildings")
    if parcels is None or buildings is None or parcels.empty or buildings.empty:
        return dict(layers)
    bare = (
        (parcels.geometry.geom_type == "Point").to_numpy()
        & parcels["kind"].isin(HOUSED_KINDS).to_numpy()
        # a point's land is its polygon area, 0: neither it nor a floor area was given
        & (parcels["land_area_m2"].fillna(0.0) <= 0).to_numpy()
        & (parcels["floor_area_m2"].fillna(0.0) <= 0).to_numpy()
    )
    areal = buildings.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy()
    if not bare.any() or not areal.any():
        return dict(layers)
    asked = np.flatnonzero(bare)
    footprints = np.asarray(buildings.geometry.to_numpy(), dtype=object)[areal]
    points = np.asarray(parcels.geometry.to_numpy(), dtype=object)[asked]
    which, hit = housed_in(points, footprints)
    if not len(which):
        return dict(layers)
    rows, shapes = asked[which], footprints[hit]
    out = parcels.copy()
    geometry = np.asarray(out.geometry.to_numpy(), dtype=object).copy()
    geometry[rows] = shapes
    out = out.set_geometry(gpd.GeoSeries(geometry, crs=parcels.crs, index=out.index))
    area = shapely.area(shapes)
    out.loc[out.index[rows], "land_area_m2"] = area
    out.loc[out.index[rows], "floor_area_m2"] = area  # one storey of the building
    # the points in a building another took (one venue per building), and in none
    inside = np.unique(shapely.STRtree(footprints).query(points, predicate="within")[0])
    shared = len(inside) - len(rows)
    none = len(asked) - len(inside)
    left = [
        f"{n} stand{'s' if n == 1 else ''} in {where}"
        for n, where in ((shared, "a building another took"), (none, "none"))
        if n
    ]
    report.note(
        f"parcels: {len(rows)} public building{'s' if len(rows) > 1 else ''} given as a point "
        f"({first_few(out.index[rows], limit=6)}) took the footprint of the building of "
        "[inputs.buildings] it stands in, one storey each"
        + (f"; {' and '.join(left)}, with no land to host a facility" if left else "")
    )
    return {**layers, "parcels": out}


def _without_built_parcels(
    layers: Mapping[str, gpd.GeoDataFrame], report: _Report
) -> dict[str, gpd.GeoDataFrame]:
    """``layers`` without the parcels an existing facility of the same id stands on.

    Next year's existing facilities are this year's plan, whose facilities keep the
    ids of the parcels they were built on (``0101``), at a point on each parcel.
    Such a parcel is built on: it is no longer a candidate (it was refused as an id
    shared by a parcel and a facility, so a plan could not be fed back). An id
    shared by a facility elsewhere is still :func:`_check_shared_ids`' problem.
    """
    parcels, facilities = layers.get("parcels"), layers.get("facilities")
    if parcels is None or facilities is None:
        return dict(layers)
    shared = parcels.index.intersection(facilities.index)
    if not len(shared):
        return dict(layers)
    on = shapely.dwithin(
        np.asarray(parcels.geometry.loc[shared].to_numpy(), dtype=object),
        np.asarray(facilities.geometry.loc[shared].to_numpy(), dtype=object),
        ON_PARCEL_M,
    )
    built = shared[on]
    if not len(built):
        return dict(layers)
    which = f"{len(built)} parcel{'s' if len(built) > 1 else ''} ({first_few(built, limit=8)})"
    report.note(
        f"parcels: an existing facility of the same id stands on {which}: built on, "
        "no longer a candidate"
    )
    return {**layers, "parcels": parcels.drop(index=built)}


def _check_shared_ids(
    layers: Mapping[str, gpd.GeoDataFrame], wheres: Mapping[str, _Where], report: _Report
) -> None:
    """A problem when an existing facility's id is also a parcel's."""
    parcels, facilities = layers.get("parcels"), layers.get("facilities")
    if parcels is None or facilities is None:
        return
    shared = sorted(set(parcels.index.astype(str)) & set(facilities.index.astype(str)))
    if shared:
        report.problems.append(
            wheres["facilities"].problem(
                f"{len(shared)} facility_id value{'s are' if len(shared) > 1 else ' is'} also "
                "the site_id of a parcel; a facility and a parcel become sites of one plan, so "
                "their ids must differ",
                column="facility_id",
                ids=shared,
                fix="give existing facilities ids that no parcel uses (a prefix such as F- will "
                "do)",
            )
        )


def _check_duplicate_geometries(frame: gpd.GeoDataFrame, name: str, report: _Report) -> None:
    """A warning naming the groups of features of ``frame`` drawn with the same geometry."""
    if name not in _DUPLICATE_CHECKED or len(frame) < 2:
        return
    geoms = np.asarray(frame.geometry.to_numpy(), dtype=object)
    drawn = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if drawn.sum() < 2:
        return
    # normalized WKB: the same shape drawn from another vertex or the other way round matches
    keys = pd.Series(
        shapely.to_wkb(shapely.normalize(geoms[drawn]), output_dimension=2),
        index=frame.index[drawn].astype(str),
    )
    groups = keys.groupby(keys, sort=False).groups
    repeated = [sorted(map(str, ids)) for ids in groups.values() if len(ids) > 1]
    if not repeated:
        return
    repeated.sort()
    shown = first_few((" = ".join(g) for g in repeated), limit=8, sep="; ", more="more groups")
    count = sum(len(g) for g in repeated)
    text = Said(
        f"{name}: {count} features share their geometry with another ({shown}); each is "
        "counted on its own: delete the copies if they are the same place",
        code="duplicate_geometries",
        layer=name,
        count=count,
        groups=[" = ".join(g) for g in repeated[:8]],
    )
    report.find(text, by=logger)  # a facility's slots, a parcel's site, counted twice


def check_loaded(inputs: Any) -> list[Problem]:
    """What is wrong with :class:`~siting.inputs.Inputs` edited in memory.

    An analyst swaps an edited layer into the inputs (``dataclasses.replace``) and
    prepares them again. The layers must still be as :func:`load_inputs` left them:
    indexed by their ids as text, in the working CRS, with the columns' values typed.
    Before, ``areas.reset_index()`` planned for areas numbered 0, 1, 2 … that matched
    no site's reach, and a status typo reached HiGHS as "a bug in siting's model".
    The required columns, numbers, yes/no columns and geometries are checked as
    :func:`load_inputs` checks a file's (:func:`_typed_problems`), a file's words for a
    choice (``新建``, ``New``) read as its are (:func:`read_loaded_choices` reads them
    before the demand).
    """
    problems: list[Problem] = []
    for name in LAYER_NAMES:
        frame = getattr(inputs, name, None)
        if frame is None:
            continue
        schema = _SCHEMAS[name]
        where = _Where("(in memory)", name)
        index = frame.index
        if isinstance(index, pd.MultiIndex):
            problems.append(_multiindex_problem(index, schema.id, where))
            continue
        if index.name != schema.id:
            problems.append(
                where.problem(
                    f"the layer is indexed by {index.name or 'position'}, not by {schema.id}",
                    fix=f'index it by its ids: frame.set_index("{schema.id}")',
                )
            )
            continue
        if not all(isinstance(i, str) for i in index):
            problems.append(
                where.problem(
                    f"{schema.id} are not all text, as siting reads ids",
                    fix="frame.index = frame.index.astype(str)",
                )
            )
        if index.has_duplicates:
            problems.append(
                where.problem(
                    f"{schema.id} repeats",
                    ids=[str(i) for i in index[index.duplicated()].unique()[:8]],
                    fix="give every feature its own id",
                )
            )
        crs = getattr(frame, "crs", None)
        if crs is None:
            problems.append(
                where.problem(
                    "the layer has no CRS (frame.crs is None)",
                    fix="say which CRS its coordinates are in, then reproject: "
                    'frame.set_crs("EPSG:4326").to_crs(inputs.crs)',
                )
            )
        elif not pyproj.CRS.from_user_input(crs).equals(inputs.crs):
            problems.append(
                where.problem(
                    f"the layer is in {crs}, not in the working CRS {inputs.crs.to_string()}",
                    fix="frame.to_crs(inputs.crs)",
                )
            )
        repeated = _repeated_columns(frame, where, called="frame")
        if repeated is not None:
            problems.append(repeated)
            continue
        read, _ = read_frame_choices(frame, name)  # as read_loaded_choices reads them
        problems.extend(_typed_problems(read, schema, name, where))
        problems.extend(_unwritable_columns(frame, where))
    problems.extend(_reference_problems(inputs))
    return problems


def _unwritable_columns(frame: gpd.GeoDataFrame, where: _Where) -> list[Problem]:
    """The columns of an edited layer that no GIS file can hold.

    A layer's own columns ride along into the plan's files. A durations column
    (``timedelta64``) an analyst added planned, then failed in :func:`siting.export.write_plan`
    with GDAL's "NotImplementedError: field type is not supported timedelta64[us]",
    after the solve; complex numbers, ``float16`` and ``uint64`` beyond the int64
    range failed alike. Dates, times with a zone, nullable ``Int64``/``boolean``,
    categoricals and text are written as they are.
    """
    problems: list[Problem] = []
    for column in frame.columns:
        if column == frame.geometry.name:
            continue
        values = frame[column]
        dtype = values.dtype
        if isinstance(dtype, pd.CategoricalDtype) or not isinstance(dtype, np.dtype):
            continue
        wide = dtype.kind == "u" and dtype.itemsize == 8 and bool((values > 2**63 - 1).any())
        if dtype.kind == "m":
            fix = f'frame["{column}"] = frame["{column}"].dt.total_seconds() / 60 (minutes)'
        elif dtype.kind == "c" or dtype == np.float16 or wide:
            fix = f'frame["{column}"] = frame["{column}"].astype(str)'
        else:
            continue
        problems.append(
            where.problem(
                f"{column} holds {dtype} values, which no GIS file holds: the plan's files, "
                "which keep the layer's columns, could not be written",
                column=str(column),
                fix=f"{fix}, or drop it: frame.drop(columns={str(column)!r})",
            )
        )
    return problems


def read_frame_choices(frame: gpd.GeoDataFrame, name: str) -> tuple[gpd.GeoDataFrame, list[str]]:
    """An analyst's frame with the words of its choice columns read as a file's are.

    A file's ``status`` of ``新建``, ``老城`` or ``New`` is read as ``new``, ``old`` or
    ``new`` (the layer's aliases, :func:`siting.inputs.load_inputs`), with a note; the
    same words in a frame given in memory were refused by :func:`check_frame` as a status
    siting does not know. They are now read alike, on a copy: the caller's frame is never
    changed. Words no alias names are kept as they are, for :func:`check_frame` to refuse.
    So are a yes/no column's words (``是``/``否``, ``yes``/``no``: a bureau's 普惠 column
    renamed to ``affordable``), read as True/False when every value is one.

    Parameters
    ----------
    frame
        The analyst's frame, with siting's column names.
    name
        Which layer it stands for (its schema): one of :data:`LAYER_NAMES`.

    Returns
    -------
    tuple of geopandas.GeoDataFrame and list of str
        ``frame`` itself when no word needed reading, else a copy with the words read;
        and the notes (``areas: read status 新建 as new``), logged as a file's are.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> areas = gpd.GeoDataFrame({"status": ["新建", "old", "New"]},
    ...     geometry=[shapely.box(0, 0, 1, 1)] * 3, crs="EPSG:4544")
    >>> read, notes = read_frame_choices(areas, "areas")
    >>> read["status"].tolist(), areas["status"].tolist(), notes
    (['new', 'old', 'new'], ['新建', 'old', 'New'], ['areas: read status 新建 as new'])
    """
    if not isinstance(frame, gpd.GeoDataFrame) or frame.columns.has_duplicates:
        return frame, []  # check_frame says why it cannot be read
    report = _Report()
    where = _Where("(in memory)", name)
    ids = [str(i) for i in frame.index]
    read: dict[str, pd.Series] = {}
    for column in _SCHEMAS[name].columns:
        if column.name not in frame.columns:
            continue
        series = frame[column.name]
        if column.kind == "bool":
            yes_no = _yes_no_words(series, column.name, name)
            if yes_no is not None:
                read[column.name] = yes_no[0]
                report.note(yes_no[1])
            continue
        if column.kind != "enum":
            continue
        given = series.to_numpy(dtype=object)
        if series.isna().all() or series.dropna().isin(column.choices).all():
            continue
        # the note is the file reader's (logged); the words it cannot read are kept
        words = _convert_enum(series, column, ids, name, where, report).to_numpy(dtype=object)
        changed = [w is not None and w != g for w, g in zip(words, given, strict=True)]
        if any(changed):
            kept = np.where(changed, words, given)
            read[column.name] = pd.Series(kept, index=frame.index, dtype=object)
    if not read:
        return frame, []
    return frame.assign(**read), report.notes


def _yes_no_words(series: pd.Series, column: str, name: str) -> tuple[pd.Series, str] | None:
    """A yes/no column of an analyst's frame held as a file's words (``是``/``否``,
    ``yes``/``no``, ``Y``/``N``), read as True/False as a file's are, and the note;
    ``None`` when it holds bools already, or anything but known words (missing values
    included), which :func:`check_loaded` refuses."""
    if pd.api.types.is_bool_dtype(series) or series.isna().any() or len(series) == 0:
        return None
    given = series.to_numpy(dtype=object)
    if not all(isinstance(v, str | bool | np.bool_) for v in given):
        return None
    flags = [_to_bool(v) for v in given]  # as a file's cells are read
    if any(v is None or v is _BAD for v in flags):  # a blank, or a word it does not know
        return None
    words = sorted({str(v) for v in given if isinstance(v, str)})
    note = f"{name}: read {column} {', '.join(words)} as true or false"
    return pd.Series(flags, index=series.index, dtype=bool), note


def read_loaded_choices(inputs: Any) -> Any:
    """``inputs`` with the words of every edited layer's choice columns read as a file's
    are (:func:`read_frame_choices`), each with its note in ``inputs.notes``; ``inputs``
    itself when none needed reading."""
    layers: dict[str, gpd.GeoDataFrame] = {}
    notes: list[str] = []
    for name in LAYER_NAMES:
        frame = getattr(inputs, name, None)
        if frame is None:
            continue
        read, said = read_frame_choices(frame, name)
        if read is not frame:
            layers[name] = read
            notes += said
    if not layers:
        return inputs
    return dataclasses.replace(inputs, **layers, notes=(*inputs.notes, *notes))


def check_frame(frame: gpd.GeoDataFrame, name: str, *, argument: str) -> list[Problem]:
    """What is wrong with an analyst's own frame, given as ``argument`` to a function
    that reads it as siting's ``name`` layer (:func:`siting.demand.area_demand`'s
    ``areas=``).

    Its index may be any unique ids (int64, text, a MultiIndex), which the results
    keep, and any CRS; its columns are checked as :func:`check_loaded` checks an edited
    layer's. Before, a status of ``"New"`` or ``"新建"`` (or NaN) gave its area NaN
    required slots, a missing status a bare ``KeyError``, a feature without a geometry
    no people, and a ``migrant_share`` of 30 (per cent) thirty times the migrants, each
    without a word.

    Parameters
    ----------
    frame
        The analyst's frame, with siting's column names (``status``, ``dwellings``, ...).
    name
        Which layer it stands for (its schema): one of :data:`LAYER_NAMES`.
    argument
        The argument's name, for the problems (``"areas"``), or the expression the
        frame was given as (``"inputs.areas"``).

    Returns
    -------
    list of Problem
        Empty when the frame can be read.
    """
    schema = _SCHEMAS[name]
    where = _Where(f"(in memory, {argument}{'=' if argument.isidentifier() else ''})", name)
    if not isinstance(frame, gpd.GeoDataFrame):
        return [
            where.problem(
                f"{argument} is a {type(frame).__name__}, not a GeoDataFrame",
                fix="pass a GeoDataFrame of the features with their columns, e.g. "
                "geopandas.GeoDataFrame(table, geometry=..., crs=...)",
            )
        ]
    problems: list[Problem] = []
    if getattr(frame, "crs", None) is None:
        problems.append(
            where.problem(
                f"{argument} has no CRS ({argument}.crs is None)",
                fix=f'say which CRS its coordinates are in: {argument}.set_crs("EPSG:4326") '
                "(or the projected CRS they were drawn in)",
            )
        )
    if frame.index.has_duplicates:
        repeated = frame.index[frame.index.duplicated()].unique()
        problems.append(
            where.problem(
                f"the ids of {argument} (its index) repeat, so its results could not be told apart",
                ids=[str(i) for i in repeated[:8]],
                fix=f'give every feature its own id: {argument}.set_index("{schema.id}"), or '
                f"number them: {argument}.reset_index(drop=True)",
            )
        )
    if not isinstance(frame.index, pd.MultiIndex) and frame.index.hasnans:
        problems.append(
            where.problem(
                f"{_count(int(frame.index.isna().sum()))} no id (a missing value in "
                f"{argument}.index)",
                fix=f"give every feature an id, or number them: {argument}.reset_index(drop=True)",
            )
        )
    repeated = _repeated_columns(frame, where, called=argument)
    if repeated is not None:
        return [*problems, repeated]
    problems.extend(_typed_problems(frame, schema, name, where, called=argument, objects=True))
    return problems


def _repeated_columns(frame: gpd.GeoDataFrame, where: _Where, *, called: str) -> Problem | None:
    """The problem of a frame with two columns of one name (a ``concat`` or a merge
    without suffixes): ``frame["status"]`` is then a table, and reading it failed with
    "operands could not be broadcast together with shapes (182,2) (182,)"."""
    names = frame.columns[frame.columns.duplicated()].unique()
    if not len(names):
        return None
    shown = ", ".join(map(str, names[:6]))
    return where.problem(
        f"the layer has more than one column named {shown}",
        column=str(names[0]),
        fix=f"keep one of each: {called} = {called}.loc[:, ~{called}.columns.duplicated()]",
    )


def _multiindex_problem(index: pd.MultiIndex, id_name: str, where: _Where) -> Problem:
    """A layer indexed by several levels (a ``groupby`` or ``set_index([...])`` left it so):
    siting keys every feature by its one id."""
    names = [str(n) for n in index.names]
    others = [n for n in names if n != id_name]
    fix = (
        f"keep {id_name} alone: frame.reset_index(level={others!r})"
        if id_name in names
        else f'index it by its ids: frame.reset_index().set_index("{id_name}")'
    )
    return where.problem(
        f"the layer is indexed by a MultiIndex ({', '.join(names)}), not by {id_name}", fix=fix
    )


_REFERENCES = (
    ("areas", "district_id", "districts"),
    ("areas", "subdistrict_id", None),
    ("parcels", "district_id", "districts"),
    ("parcels", "subdistrict_id", None),
    ("facilities", "district_id", "districts"),
    ("workplaces", "district_id", "districts"),
    ("subdistricts", "district_id", "districts"),
)
"""The columns of edited layers that hold another layer's ids, and that layer when every
id given must be one of its own (a partitioned run's county keeps the areas whose
largest overlap is a subdistrict of the next county, so ``subdistrict_id`` is only typed)."""


def _reference_problems(inputs: Any) -> list[Problem]:
    """District and subdistrict ids of edited layers that are not text, or name no district.

    siting reads every id as text. An analyst's ``district_id`` of 510802 (int64, or
    510802.0 after a merge left NaN in it) matched no district ``"510802"``: the areas
    and sites planned under a district of their own, outside the district's
    demonstration facility and its row of districts.csv, without a word.
    """
    problems: list[Problem] = []
    for name, column, target in _REFERENCES:
        frame = getattr(inputs, name, None)
        if frame is None or column not in frame.columns:
            continue
        where = _Where("(in memory)", name)
        values = frame[column]
        given = values.notna().to_numpy(dtype=bool)
        text = np.array([isinstance(v, str) for v in values.to_numpy(dtype=object)], dtype=bool)
        untyped = given & ~text
        if untyped.any():
            found = ", ".join(map(repr, pd.unique(values[untyped].to_numpy(dtype=object))[:4]))
            cast = '.astype("Int64")' if pd.api.types.is_float_dtype(values) else ""
            problems.append(
                where.problem(
                    f"{column} holds {values.dtype} values ({found}), not text: siting reads "
                    f"ids as text, so they match no {column} of the layer they name",
                    column=column,
                    ids=[str(i) for i in frame.index[untyped][:8]],
                    fix=f'frame["{column}"] = frame["{column}"]{cast}.astype("string")',
                )
            )
            continue
        units = getattr(inputs, target, None) if target is not None else None
        if units is None:
            continue
        unknown = given & ~values.isin(set(units.index.astype(str))).to_numpy(dtype=bool)
        if unknown.any():
            found = ", ".join(map(repr, pd.unique(values[unknown].to_numpy(dtype=object))[:4]))
            problems.append(
                where.problem(
                    f"{_count(int(unknown.sum()))} {_a(column)} that is not in {target} ({found})",
                    column=column,
                    ids=[str(i) for i in frame.index[unknown][:8]],
                    fix=f"use the ids of {target}.index, or leave {column} empty (None)",
                )
            )
    return problems


def _typed_problems(
    frame: gpd.GeoDataFrame,
    schema: _Schema,
    name: str,
    where: _Where,
    *,
    called: str = "frame",
    objects: bool = False,
) -> list[Problem]:
    """What an edited layer's columns and geometries hold that a file's could not.

    A required column dropped (``KeyError: 'status'`` deep in the demand step), numbers
    out of their range or missing where every feature needs one (a ``migrant_share`` of
    1.5 doubled the required slots, a negative parcel ``cost`` gave a plan costing
    -748 million, a facility's NaN ``slots`` reached HiGHS as "a bug in siting's
    model"), numbers or yes/no values held as text (``"no"`` is true to pandas), a new
    area without dwellings and a feature without a geometry (left out of the plan
    without a word) are each a problem, worded as :func:`load_inputs` words a file's.
    With ``objects``, numbers held as objects (``None`` where missing) are numbers
    (:func:`_numbers`): the functions :func:`check_frame` guards read them as such.
    """
    report = _Report()
    ids = [str(i) for i in frame.index]

    def say(column: str, message: str, fix: str) -> None:
        report.problems.append(where.problem(message, column=column, fix=fix))

    for column in schema.columns:
        col = column.name
        if column.kind == "id" or (col not in frame.columns and not column.required):
            continue
        if col not in frame.columns:
            one_of = f" (one of {', '.join(column.choices)})" if column.choices else ""
            fix = f"keep the {col} column read_inputs gave, or add one{one_of}"
            say(col, f"the layer has no column {col}", fix)
            continue
        series = frame[col]
        if column.kind in ("number", "int"):
            if not _numbers(series, objects=objects):
                fix = f'{called}["{col}"] = pd.to_numeric({called}["{col}"])'
                say(col, f"{col} holds {series.dtype} values, not numbers", fix)
            else:
                _convert(frame, column, ids, name, where, report)
        elif column.kind == "bool" and not pd.api.types.is_bool_dtype(series):
            found = ", ".join(map(repr, pd.unique(series.dropna())[:4]))
            say(
                col,
                f"{col} holds {series.dtype} values ({found}), not True/False; pandas takes "
                "any text, even 'no', for true",
                f'make it True or False, e.g. {called}["{col}"] == "yes"',
            )
        elif column.kind in ("bool", "enum"):
            _missing_or_unknown(series, column, ids, where, report, called=called)
    typed = {"status", "dwellings"} <= set(frame.columns) and _numbers(
        frame["dwellings"], objects=objects
    )
    if name == "areas" and typed:
        dwellings = pd.Series(pd.to_numeric(frame["dwellings"]).to_numpy(float, na_value=np.nan))
        _check_dwellings({"status": frame["status"], "dwellings": dwellings}, ids, where, report)
    geoms = np.asarray(frame.geometry.to_numpy(), dtype=object)
    if name == "areas":  # points are given land as a layer is read, not after
        schema = dataclasses.replace(schema, geometry=_POLYGON)
    _drawn_problems(geoms, schema, ids, name, where, report, called=called)
    return report.problems


def _numbers(series: pd.Series, *, objects: bool) -> bool:
    """Whether a column holds numbers: of a numeric dtype (not bool), or, with
    ``objects``, numbers and missing values held as objects (``None`` where missing, as
    a frame built from records or a concat holds them); not text, which pandas would
    misread."""
    if pd.api.types.is_bool_dtype(series):
        return False
    if pd.api.types.is_numeric_dtype(series):
        return True
    if not objects or series.dtype != object:
        return False
    given = series[series.notna()].to_numpy()
    return all(isinstance(v, numbers.Real) and not isinstance(v, bool | np.bool_) for v in given)


def _missing_or_unknown(
    series: pd.Series,
    column: _Column,
    ids: list[str],
    where: _Where,
    report: _Report,
    *,
    called: str,
) -> None:
    """The missing values of a yes/no or choice column (``<NA>`` of a nullable
    ``boolean``, NaN in a categorical ``status``) and the choices siting does not know.

    A file's empty yes/no cell takes the column's default and an empty status is a
    problem; in memory, an ``<NA>`` affordable failed deep in the site table ("cannot
    convert float NaN to bool") and a NaN status planned its area for no slots.
    """
    col = column.name
    missing = series.isna().to_numpy(dtype=bool)
    if missing.any() and (column.kind == "bool" or column.nonnull):
        fill = (
            f'{called}["{col}"] = {called}["{col}"].fillna({column.default!r})'
            if column.kind == "bool"
            else f"give every feature {_a(col)}: one of {', '.join(column.choices)}"
        )
        report.problems.append(
            where.problem(
                f"{_count(int(missing.sum()))} no {col}",
                column=col,
                ids=[ids[i] for i in np.flatnonzero(missing)],
                fix=fill,
            )
        )
    if column.kind != "enum":
        return
    bad = ~missing & ~series.isin(column.choices).to_numpy(dtype=bool)
    if bad.any():
        report.problems.append(
            where.problem(
                f"{_count(int(bad.sum()))} {_a(col)} siting does not know "
                f"({', '.join(sorted(set(map(str, series[bad])))[:5])})",
                column=col,
                ids=[ids[i] for i in np.flatnonzero(bad)][:8],
                fix=f"use one of {', '.join(column.choices)}",
            )
        )


OVERLAP_SHARE = 0.5
"""Share of the smaller of two residential areas that the other must cover for the pair
to be named: a copy from a second survey, a 小区 given with its own buildings. Shared
edges and digitizing slivers stay far below it."""


def _overlapping_pairs(
    frame: gpd.GeoDataFrame,
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]] | None:
    """The positions of the pairs of polygons of which one covers more than
    :data:`OVERLAP_SHARE` of the other, or ``None`` when there is none."""
    geoms = np.asarray(frame.geometry.to_numpy(), dtype=object)
    polygonal = np.isin(shapely.get_type_id(geoms), (3, 6)) & ~shapely.is_empty(geoms)
    drawn = np.flatnonzero(polygonal)
    if drawn.size < 2:
        return None
    shapes = geoms[drawn]
    left, right = shapely.STRtree(shapes).query(shapes)  # boxes that meet
    left, right = left[left < right], right[left < right]
    # the boxes' overlap bounds the polygons': neighbours that only touch go first (a
    # province's 55,000 areas in 0.3 s instead of 9 s of intersections)
    size = shapely.area(shapes)
    box = shapely.bounds(shapes)
    wide = np.minimum(box[left, 2], box[right, 2]) - np.maximum(box[left, 0], box[right, 0])
    high = np.minimum(box[left, 3], box[right, 3]) - np.maximum(box[left, 1], box[right, 1])
    floor = OVERLAP_SHARE * np.minimum(size[left], size[right])
    near = (wide > 0) & (high > 0) & (wide * high > floor)
    left, right, floor = left[near], right[near], floor[near]
    try:
        over = shapely.area(shapely.intersection(shapes[left], shapes[right])) > floor
    except shapely.errors.GEOSException:  # an invalid polygon make_valid left: no word
        return None
    if not over.any():
        return None
    return drawn[left[over]], drawn[right[over]]


def _check_overlapping_areas(frame: gpd.GeoDataFrame, where: _Where, report: _Report) -> None:
    """Name the residential areas that cover more than :data:`OVERLAP_SHARE` of another.

    The raster's people are shared out once among the polygons over a cell (the
    dasymetric allocation divides a cell by their total cover), so overlapping areas
    split the people between them and none are counted twice: a finding. The
    area-weighted allocation (the plain zonal sum) counts them in each, and its
    accounting's ``overlap`` says how many. A new area's
    demand, though, is its own dwellings × persons per household: two new areas that
    overlap (two surveys merged) count the same dwellings twice, which raised the sample
    city's requirement from 3,860 to 4,312 slots without a word. That is a problem.
    Pairs drawn with the same geometry are left to :func:`_check_duplicate_geometries`'s
    warning unless both are new.
    """
    found = _overlapping_pairs(frame)
    if found is None:
        return
    left, right = found
    ids = frame.index.astype(str).to_numpy()
    status = frame["status"].to_numpy(dtype=object) if "status" in frame else np.full(len(ids), "")
    dwellings = (
        frame["dwellings"].to_numpy(dtype=float) if "dwellings" in frame else np.zeros(len(ids))
    )
    counted = (status == "new") & (np.nan_to_num(dwellings) > 0)
    twice = counted[left] & counted[right]
    if twice.any():
        pairs = [f"{ids[i]} ∩ {ids[j]}" for i, j in zip(left[twice], right[twice], strict=True)]
        extra = float(np.nansum(dwellings[right[twice]]))
        report.problems.append(
            where.problem(
                f"{len(pairs)} pair{'s' if len(pairs) > 1 else ''} of new areas overlap over "
                f"more than half of the smaller one ({first_few(pairs, limit=6, sep='; ')}): "
                "a new area's demand is its own dwellings × persons per household, so the "
                f"dwellings are counted in both ({extra:,.0f} dwellings counted again)",
                column="dwellings",
                ids=sorted({ids[i] for i in np.concatenate([left[twice], right[twice]])}),
                fix="delete the copies (two surveys merged?), or give each dwelling to one "
                "area only",
            )
        )
    geoms = np.asarray(frame.geometry.to_numpy(), dtype=object)
    same = shapely.equals(geoms[left], geoms[right])
    rest = ~twice & ~same
    if not rest.any():
        return
    pairs = [f"{ids[i]} ∩ {ids[j]}" for i, j in zip(left[rest], right[rest], strict=True)]
    mixed = int((status[left[rest]] != status[right[rest]]).sum())
    text = Said(
        f"areas: {len(pairs)} pair{'s' if len(pairs) > 1 else ''} of areas overlap over more "
        f"than half of the smaller one ({first_few(pairs, limit=6, sep='; ')}): the raster's "
        "people there are shared between them and counted once (with demand.allocation = "
        '"area_weighted", the plain zonal sum, they count in each; the accounting\'s '
        "overlap says how many)"
        + (
            f", {mixed} pair{'s' if mixed > 1 else ''} at different ratios (status)"
            if mixed
            else ""
        )
        + ". If one is a copy, or the buildings of a 小区 also given whole, delete it",
        code="areas_overlap",
        count=len(pairs),
        mixed=mixed,
        ids=pairs[:6],
    )
    report.find(text, by=logger)  # each served apart, at its own ratio
