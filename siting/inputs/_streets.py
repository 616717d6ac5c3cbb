"""Checking a street network: that it parses, and that it covers the study area.

``plan`` reads the street file with :func:`siting.network.read_street_graph`;
so does ``validate``, through here, so that a broken file is found before the
solve by both. The graph read here is handed on in
:attr:`siting.inputs.Inputs.street_graph`, so a plan parses it once.

Coverage: an area is *near a street* when its outline lies within its
service radius (``radii.rural_m`` for a rural area, ``radii.urban_m`` for the
rest) of a street edge. When more than :data:`FAR_SHARE_WARNING` of the
areas are not, the run warns with their ids (the walks to them start with a
long straight line); when none is, the file covers another place (the wrong
city's extract, or one in the wrong CRS) and that is an error: a plan would
exclude every demand–site pair and still call itself optimal.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pyproj
import shapely

from siting import _heap
from siting._said import Said
from siting._text import first_few
from siting.errors import NetworkError
from siting.inputs._crs import _reproject
from siting.inputs._problems import _Report, _Where
from siting.inputs._where import kept_features
from siting.inputs._zip import archive_of
from siting.scenario import LayerSpec, Radii

logger = logging.getLogger(__name__)

#: The share of areas far from every street above which the run warns.
FAR_SHARE_WARNING = 0.10

_FIX = re.compile(r"^(?P<message>.*?)\s*\(fix: (?P<fix>.*)\)\s*$", re.DOTALL)


def _street_layer(entry: LayerSpec, report: _Report, *, frame: Any = None) -> Any:
    """The lines of a layer of street centrelines in their own CRS, or None with a
    problem: read as any layer is (a zip, a layer among several, a GBK Shapefile), its
    CRS the file's or the entry's; ``frame``: the lines given in memory instead."""
    from siting.inputs._vector import _open_vector, with_given_crs

    where = _Where(str(entry.path), "streets", file_layer=entry.layer)
    if frame is not None and not isinstance(frame, gpd.GeoDataFrame):
        report.problems.append(
            where.problem(
                f"the streets are a {type(frame).__name__}, not a GeoDataFrame",
                fix="give a geopandas.GeoDataFrame of the streets' centrelines with its CRS",
            )
        )
        return None
    if frame is not None:  # filtered as its file would be
        lines = kept_features(frame.copy(), entry, where, report)
    else:
        lines = _open_vector(entry, "streets", report)
    if lines is None:
        return None
    if len(lines) == 0:
        report.problems.append(
            where.problem(
                "the layer has no features",
                fix="check that [inputs] streets points at the roads' centreline layer",
            )
        )
        return None
    lines = with_given_crs(lines, entry, where, report, section="[inputs.streets]")
    return None if lines.crs is None else lines


def _read_street_lines(
    entry: LayerSpec, work: pyproj.CRS, report: _Report, *, frame: Any = None, layer: Any = None
) -> Any:
    """The lines of a layer of street centrelines in the working CRS, or None with a
    problem (:func:`_street_layer`); ``layer``: the lines it gave already."""
    lines = layer if layer is not None else _street_layer(entry, report, frame=frame)
    if lines is None:
        return None
    where = _Where(str(entry.path), "streets", file_layer=entry.layer)
    return _reproject(lines, "streets", work, None, where, report)


def _read_streets(
    path: Path,
    work: pyproj.CRS,
    report: _Report,
    *,
    entry: LayerSpec | None = None,
    frame: Any = None,
    layer: Any = None,
) -> Any:
    """The walking graph of ``path`` in the working CRS, or None with a problem; a layer
    of street centrelines is read with ``entry`` (its layer, CRS and encoding), or is
    ``frame``, held in memory (``path`` then names it), or is ``layer``, read already
    (:func:`_street_layer`, for its street blocks)."""
    from siting.network import read_street_graph, street_graph_from_lines
    from siting.network.graph import is_line_layer

    where = _Where(str(path), "streets")
    try:
        if (
            frame is not None
            or layer is not None
            or is_line_layer(path)
            or archive_of(path) is not None
        ):
            lines = _read_street_lines(
                entry or LayerSpec(path=path), work, report, frame=frame, layer=layer
            )
            if lines is None:
                return None
            return street_graph_from_lines(lines, source=str(path))
        return read_street_graph(path, working_crs=work)
    except NetworkError as exc:
        text = str(exc).removeprefix(f"{path}: ")
        match = _FIX.match(text)
        message, fix = (match["message"], match["fix"]) if match else (text, None)
        report.problems.append(
            where.problem(
                f"the street network cannot be used: {message}",
                fix=fix
                or "give an OSM XML or GraphML file of the city's streets, or leave streets "
                "out to use straight-line distances × the detour factor",
            )
        )
    except Exception as exc:  # any parser failure: never a raw traceback
        report.problems.append(
            where.problem(
                f"the street network cannot be read ({type(exc).__name__}: {exc})",
                fix="check that the file is complete OSM XML or osmnx GraphML; re-export it",
            )
        )
    finally:
        _heap.give_back()  # the raw graph and its filtered copies, freed
    return None


def _street_lines(graph: Any) -> np.ndarray[Any, np.dtype[np.object_]]:
    """Every edge of an osmnx graph as a line in the graph's CRS."""
    xy = {n: (d["x"], d["y"]) for n, d in graph.nodes(data=True)}
    lines = [
        data["geometry"] if "geometry" in data else shapely.LineString([xy[u], xy[v]])
        for u, v, data in graph.edges(data=True)
    ]
    return np.asarray(lines, dtype=object)


def _check_coverage(
    graph: Any,
    path: Path,
    areas: gpd.GeoDataFrame,
    radii: Radii,
    report: _Report,
) -> None:
    """Warn when many areas are far from every street; a problem when all are."""
    geoms = np.asarray(areas.geometry.to_numpy(), dtype=object)
    drawn = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if not drawn.any() or graph.number_of_edges() == 0:
        return
    lines = _street_lines(graph)
    tree = shapely.STRtree(lines)
    _, distance = tree.query_nearest(geoms[drawn], return_distance=True, all_matches=False)
    rural = areas["status"].to_numpy(dtype=object)[drawn] == "rural"
    radius = np.where(rural, radii.rural_m, radii.urban_m)
    far = distance > radius
    ids = [str(i) for i in areas.index[drawn][far]]
    n = int(drawn.sum())
    where = _Where(str(path), "streets")
    if far.all():
        box = shapely.bounds(shapely.union_all(lines)) if len(lines) < 200_000 else tree.bounds
        shown = ", ".join(f"{v:.0f}" for v in np.asarray(box).ravel()[:4])
        areas_box = ", ".join(f"{v:.0f}" for v in areas.total_bounds)
        report.problems.append(
            where.problem(
                f"none of the {n} areas lies within its radius ({radii.urban_m:g} m urban, "
                f"{radii.rural_m:g} m rural) of a street of this file (nearest "
                f"{float(distance.min()):,.0f} m): it covers another place (the streets' "
                f"bounds ({shown}), the areas' ({areas_box}), in the working CRS)",
                fix="give the street file of this city (an extract that covers the areas), or "
                "leave streets out to use straight-line distances × the detour factor",
            )
        )
        return
    if far.any():
        shown_ids = first_few(ids, limit=8)
        text = (
            f"streets: {len(ids)} of {n} areas ({far.mean():.0%}) lie further than their radius "
            f"({radii.urban_m:g} m urban, {radii.rural_m:g} m rural) from any street of "
            f"{path.name} (ids: {shown_ids})"
        )
        if far.mean() > FAR_SHARE_WARNING:  # their walks reach no site: a finding
            said = Said(
                text + "; check that the extract covers the whole study area",
                code="streets_miss_areas",
                count=len(ids),
                of=n,
                share=float(far.mean()),
                file=path.name,
                ids=list(ids[:8]),
            )
            report.find(said, by=logger)
        else:  # a few: no walk from them reaches a site, whatever lies near
            report.note(text + ": no walk from them can reach a site; check the streets near them")
