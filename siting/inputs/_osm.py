"""Adding the layers of ``[inputs.osm]`` to a run's inputs, merged with explicit layers.

:func:`siting.osm.read_osm_layers` reads the OSM file once; each layer it
gives then goes through the same checks and normalization as a layer read
from its own file (:func:`siting.inputs._vector._normalize`). The rules:

* a layer that only the OSM file gives gets ``source = "osm"``;
* a layer given both ways (``[inputs.parcels]`` and ``candidates`` in use,
  say) is read from both and merged, one row per feature, with ``source``
  ``"layer"`` or ``"osm"``; an id used by both is a problem. OSM facilities
  and buildings are not matched against the layer's, so the same
  kindergarten drawn in both counts twice, and so does the floor area of a
  building (the run's notes say so);
* existing facilities carry ``slots_source``: ``"layer"``, ``"osm capacity"``
  or ``"assumed default"``;
* streets given both ways cannot be merged: ``[inputs] streets`` wins, and
  the run's notes say so;
* street blocks (``areas_from`` with ``"blocks"``) lose the land of the
  ``[inputs.areas]`` and ``[inputs.parcels]`` layers given too with the file's own
  residential polygons, before their sizes and widths are judged (as a layer of
  centrelines' do, :mod:`siting.inputs._street_blocks`), so no person is held
  twice and a face the planner's areas cover mostly leaves the rest as a block;
  the run's notes say so. With a districts layer, the blocks are closed against
  the extract's edge cut to the districts' outline. Where that land is not yet what it
  will be as the file is read (a 小区 list's points, whose catchments need the working
  CRS, or a layer moved by its ``datum_shift``), the blocks are made once the layers
  are projected (:func:`add_osm_blocks`), their features taken again from the run's
  one parse of the file (:func:`siting._osmxml.parse_once`).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from siting import _heap
from siting.errors import InputError, Problem
from siting.inputs._catchments import area_points
from siting.inputs._problems import _check_file, _Report, _Where
from siting.inputs._vector import _normalize
from siting.osm.blocks import BlockRules
from siting.osm.layers import OsmLayers, read_osm_layers
from siting.scenario import InputsSpec, LayerSpec, OsmSpec, input_source_problems

_LAYERS = ("areas", "parcels", "facilities", "hazards", "buildings")


def _source_problems(spec: InputsSpec, report: _Report) -> bool:
    """Add a problem per missing source or bad ``[inputs.osm]`` key; True when there are none."""
    texts = input_source_problems(spec)
    for text in texts:
        message, _, fix = text.partition("; fix: ")
        report.problems.append(Problem(message, layer="inputs", fix=fix or None))
    return not texts


def _block_rules(osm: OsmSpec) -> BlockRules:
    """The sizes of the street blocks kept, from ``[inputs.osm]``."""
    return BlockRules(
        min_area_m2=osm.block_min_area_m2,
        max_area_m2=osm.block_max_area_m2,
        min_width_m=osm.block_min_width_m,
    )


def _plan_outline(districts: gpd.GeoDataFrame | None) -> shapely.Geometry | None:
    """The districts' outline in EPSG:4326, which street blocks are cut to; ``None``
    without a districts layer (or one with no CRS, a problem reported elsewhere)."""
    if districts is None or districts.crs is None or districts.empty:
        return None
    shapes = np.asarray(districts.to_crs("EPSG:4326").geometry.to_numpy(), dtype=object)
    return shapely.union_all(shapely.make_valid(shapes[~shapely.is_missing(shapes)]))


def osm_blocks_wait(spec: InputsSpec, raw: dict[str, gpd.GeoDataFrame]) -> bool:
    """Whether an OSM file's street blocks wait for the layers to be projected
    (:func:`add_osm_blocks`): the ``[inputs.areas]`` layer is a 小区 list (its points'
    catchments are the land the blocks lose) or the areas, the parcels or the
    districts are moved by a ``datum_shift`` (read in their own CRS, they lie some
    hundred metres off)."""
    osm = spec.osm
    if osm is None or "areas" not in osm.use or "blocks" not in osm.areas_from:
        return False
    areas = raw.get("areas")
    if areas is not None and areas.crs is not None and area_points(areas) is not None:
        return True
    for name in ("areas", "parcels", "districts"):
        layer: LayerSpec | None = getattr(spec, name)
        if name in raw and layer is not None and layer.datum_shift is not None:
            return True
    return False


def _add_osm(
    spec: InputsSpec,
    crs: pyproj.CRS | None,
    raw: dict[str, gpd.GeoDataFrame],
    wheres: dict[str, _Where],
    report: _Report,
    *,
    blocks_later: bool = False,
) -> None:
    """Read ``spec.osm`` and add its layers to ``raw`` (and its files to the report).

    Parameters
    ----------
    spec
        The run's inputs; nothing happens without ``spec.osm``.
    crs
        The working CRS, if the scenario gives one.
    raw
        The explicit layers read so far, by name, in their own CRS; OSM layers
        are added or merged in.
    wheres
        Each layer's file and name, for problems; OSM-only layers are added.
    report
        Where problems, notes and files go.
    blocks_later
        Leave the street blocks to :func:`add_osm_blocks` (:func:`osm_blocks_wait`).
    """
    osm = spec.osm
    if osm is None:
        return
    # a missing file's fix says a Windows path or one written from the working directory
    # as such, as the layers' do; read_osm_layers would only say 'check the path'
    if not _check_file(
        osm.path,
        _Where(str(osm.path), "osm"),
        report,
        noun="OSM file",
        empty_fix="export the OSM file again",
    ):
        return
    use, areas_from = osm.use, osm.areas_from
    if blocks_later:
        areas_from = tuple(s for s in areas_from if s != "blocks")
        if not areas_from:  # blocks alone: no areas now (areas_from unread without them)
            use, areas_from = tuple(u for u in use if u != "areas"), ("landuse",)
    # the residential polygons may be none when the blocks follow (most of China's)
    layers = _read(
        spec, osm, crs, raw, report, use=use, areas_from=areas_from, needed=not blocks_later
    )
    if layers is None:
        return
    report.files["osm"] = osm.path
    for text in layers.notes:
        report.note(text)
    if layers.streets is not None:
        if spec.streets is not None:
            report.note(
                f"streets: the street network is read from {spec.streets.name} ([inputs] "
                f"streets), not from {osm.path.name}: two networks cannot be merged, so the "
                'explicit one wins over "streets" in inputs.osm.use'
            )
        else:  # the file itself, not the XML copy of a .osm.pbf (a temporary path)
            report.files["streets"] = osm.path
    for name in _LAYERS:
        frame: gpd.GeoDataFrame | None = getattr(layers, name)
        if frame is None:
            continue
        if frame.empty:
            if name == "parcels" and getattr(spec, name) is None:
                report.problems.append(
                    Problem(
                        "the OSM file has no candidate site (no park, community, health, "
                        'cultural or sports venue, or idle land), but use includes "candidates" '
                        "and there is no [inputs.parcels] layer",
                        file=str(osm.path),
                        layer="osm",
                        fix="give candidate parcels as an [inputs.parcels] layer",
                    )
                )
            continue
        _add_layer(spec, name, frame, raw, wheres, report)


def add_osm_blocks(
    spec: InputsSpec,
    crs: pyproj.CRS,
    raw: dict[str, gpd.GeoDataFrame],
    wheres: dict[str, _Where],
    report: _Report,
) -> None:
    """Add the street blocks of ``[inputs.osm]`` to the areas once the layers are in the
    working CRS ``crs`` (when :func:`osm_blocks_wait`): they lose the land of a 小区
    list's catchments and of layers moved by their ``datum_shift`` where it lies, and
    are closed against the districts' outline where it lies. The file's features are
    read again for its blocks alone, from the run's parse of it."""
    osm = spec.osm
    assert osm is not None
    # no block is a problem when the file's areas are all there is
    needed = raw.get("areas") is None or raw["areas"].empty
    layers = _read(
        spec, osm, crs, raw, report, use=("areas",), areas_from=("blocks",), needed=needed
    )
    if layers is None:
        return
    for text in layers.notes:
        report.note(text)
    if layers.areas is not None and not layers.areas.empty:
        # the areas were merged with the file's residential polygons, or not
        _add_layer(
            spec, "areas", layers.areas, raw, wheres, report, sourced="landuse" in osm.areas_from
        )


def _read(
    spec: InputsSpec,
    osm: OsmSpec,
    crs: pyproj.CRS | None,
    raw: dict[str, gpd.GeoDataFrame],
    report: _Report,
    *,
    use: tuple[str, ...],
    areas_from: tuple[str, ...],
    needed: bool = True,
) -> OsmLayers | None:
    """The file's layers of ``use``, its street blocks losing the land of the
    ``[inputs.areas]`` and ``[inputs.parcels]`` layers in ``raw`` (said in a note);
    ``None`` when the file has problems (in ``report``); ``needed``: a file with no
    area is one."""
    taken = _planned_land(raw) if "areas" in use and "blocks" in areas_from else None
    try:
        layers = read_osm_layers(
            osm.path,
            use=use,
            working_crs=crs,
            area_status=osm.area_status,
            existing_slots_default=osm.existing_slots_default,
            areas_from=areas_from,
            block_rules=_block_rules(osm),
            block_highways=osm.block_highways,
            plan_outline=_plan_outline(raw.get("districts")),
            taken=taken,
            areas_needed=needed,
        )
    except InputError as exc:
        report.problems.extend(exc.problems)
        return None
    finally:
        _heap.give_back()  # the features' frames, freed: the street graph is built next
    if taken is not None and layers.areas is not None:
        held = [
            f"[inputs.{n}]" for n in ("areas", "parcels") if n in raw and raw[n].crs is not None
        ]
        report.note(
            f"areas: the street blocks of {osm.path.name} lose the land of the "
            f"{' and '.join(held)} layer{'s' if len(held) > 1 else ''} before their sizes "
            "are judged"
        )
    return layers


def _add_layer(
    spec: InputsSpec,
    name: str,
    frame: gpd.GeoDataFrame,
    raw: dict[str, gpd.GeoDataFrame],
    wheres: dict[str, _Where],
    report: _Report,
    *,
    sourced: bool = False,
) -> None:
    """Add one layer of the OSM file to ``raw``, normalized as a layer's file is, alone
    or merged with the explicit layer (``sourced``: whose ``source`` siting wrote)."""
    assert spec.osm is not None
    path = spec.osm.path
    where = _Where(str(path), name)
    normal = _normalize(frame, LayerSpec(path=path), name, where, report)
    if normal is None:
        return
    normal["source"] = "osm"
    explicit = raw.get(name)
    if explicit is None or explicit.crs is None:
        if getattr(spec, name) is None:
            raw[name] = normal
            wheres[name] = where
        return
    raw[name] = _merge(explicit, normal, name, path.name, wheres[name], report, sourced=sourced)


def _planned_land(
    raw: dict[str, gpd.GeoDataFrame], *, crs: str | pyproj.CRS = "EPSG:4326"
) -> gpd.GeoSeries | None:
    """The shapes of the ``[inputs.areas]`` and ``[inputs.parcels]`` layers read so far
    (in ``crs``; a layer with no CRS, a problem reported elsewhere, left out), which
    street blocks lose (an OSM file's, a layer of centrelines'); ``None`` without
    either."""
    parts = [
        raw[name].geometry.to_crs(crs)
        for name in ("areas", "parcels")
        if name in raw and raw[name].crs is not None
    ]
    if not parts:
        return None
    return gpd.GeoSeries(pd.concat(parts, ignore_index=True), crs=crs)


def _merge(
    explicit: gpd.GeoDataFrame,
    osm: gpd.GeoDataFrame,
    name: str,
    osm_file: str,
    where: _Where,
    report: _Report,
    *,
    sourced: bool = False,
) -> gpd.GeoDataFrame:
    """One layer of the explicit layer's rows then the OSM rows (or the street blocks of a
    layer of centrelines), with ``source``; ``sourced``: ``explicit`` has siting's
    ``source`` already (the areas merged with an OSM file's before the street blocks
    are), else its rows are ``"layer"`` (a column of the layer's own so named too)."""
    mine = explicit.copy()
    if not sourced or "source" not in mine.columns:
        mine["source"] = "layer"
    if name == "facilities":
        mine["slots_source"] = "layer"
    theirs = osm.to_crs(mine.crs)
    shared = mine.index.intersection(theirs.index)
    if len(shared):
        report.problems.append(
            where.problem(
                f"{len(shared)} id(s) are used both by the layer and by the OSM file {osm_file}",
                column=str(mine.index.name),
                ids=[str(i) for i in shared],
                fix=f"give the layer's features ids of their own, or remove {name} from use "
                "under [inputs.osm]",
            )
        )
    merged = gpd.GeoDataFrame(pd.concat([mine, theirs]), geometry=mine.geometry.name, crs=mine.crs)
    merged.index.name = mine.index.name
    text = (
        f"{name}: {len(mine)} from the layer and {len(theirs)} from {osm_file}, merged "
        "(column source says which)"
    )
    if name == "facilities":
        text += "; an OSM facility that the layer also lists counts twice"
    if name == "buildings":
        text += "; a building drawn in both counts twice in its cell"
    report.note(text)
    return merged
