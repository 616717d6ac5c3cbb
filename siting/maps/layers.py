"""The map's layers: population, residential areas, candidate sites, facilities, service
lines, districts, hazards, residual people, access circles, and an overview's area points."""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from siting.maps.features import _esc, _feature, _fmt, _popup, _records
from siting.maps.style import (
    _BLUE,
    _GOLD,
    _GREEN,
    _GREY,
    _LIGHT_GREEN,
    _POINT_RADII,
    _POP_COLOURS,
    _PURPLE,
    _RED,
    _RESIDUAL_COLOURS,
    _bin_colour,
    _density_bins,
    _radius,
    _ratio_colour,
    _swatch,
)
from siting.report import (
    PlanOutput,
    access_labels,
    as_number,
    county_reason,
    is_true,
    name_and_id,
)

if TYPE_CHECKING:
    import geopandas as gpd


def _population_layer(
    out: PlanOutput, areas: gpd.GeoDataFrame, text: Mapping[str, str], legend: list[str]
) -> list[dict[str, Any]]:
    metric = out.areas.to_crs(out.areas.estimate_utm_crs())
    hectares = metric.geometry.area.to_numpy() / 10_000.0
    pop = pd.to_numeric(areas.get("population"), errors="coerce").to_numpy(dtype=float)
    planned = pd.to_numeric(
        areas.get("planned_population", pd.Series(np.nan, index=areas.index)), errors="coerce"
    ).to_numpy(dtype=float)
    status = areas.get("status", pd.Series("", index=areas.index)).astype(str).to_numpy()
    persons = np.where((status == "new") & np.isfinite(planned) & (planned > 0), planned, pop)
    with np.errstate(divide="ignore", invalid="ignore"):
        density = np.where(hectares > 0, persons / hectares, np.nan)
    edges = _density_bins(density)
    lows = [0.0, *edges]
    for i, low in enumerate(lows[: len(_POP_COLOURS)]):
        high = edges[i] if i < len(edges) else None
        label = f"{low:,.0f}–{high:,.0f}" if high is not None else f"> {low:,.0f}"
        legend.append(_swatch(_POP_COLOURS[i], f"{label} {text['population_per_ha']}", box=True))
    features = []
    for (rec, geom), dens, people in zip(_records(areas), density, persons, strict=True):
        colour = _bin_colour(float(dens), edges)
        tooltip = (
            f"{_esc(rec.get('name'))}: {_fmt(dens, 1)} {html.escape(text['population_per_ha'])}"
            f" ({html.escape(text['population'])} {_fmt(people)})"
        )
        features.append(
            _feature(
                geom,
                {
                    "area_id": rec.get("area_id"),
                    "district_id": rec.get("district_id"),
                    "tooltip": tooltip,
                    "style": {
                        "color": colour,
                        "weight": 0.5,
                        "fillColor": colour,
                        "fillOpacity": 0.65,
                    },
                },
            )
        )
    return features


_NO_PLAN_STYLE: dict[str, Any] = {
    "color": "#b2182b",
    "weight": 3,
    "dashArray": "8 6",
    "opacity": 0.9,
    "fillColor": "#b2182b",
    "fillOpacity": 0.15,
}
"""A county of a partitioned run that has no plan (a hole), and its residential areas."""


def _area_features(areas: gpd.GeoDataFrame, text: Mapping[str, str]) -> list[dict[str, Any]]:
    features = []
    for rec, geom in _records(areas):
        shortfall = float(rec.get("shortfall_slots") or 0.0)
        fill = _ratio_colour(rec.get("slots_per_1000"), rec.get("target_per_1000"))
        style: dict[str, Any] = {
            "color": "#555555",
            "weight": 1,
            "fillColor": fill,
            "fillOpacity": 0.55,
        }
        if shortfall > 0:
            style.update({"color": _RED, "weight": 4, "dashArray": "8 4", "opacity": 1.0})
        no_plan = is_true(rec.get("in_failed_county"))
        if no_plan:  # in a county without a plan: drawn as its hole is
            style = dict(_NO_PLAN_STYLE)
        status = str(rec.get("status") or "")
        reason = str(rec.get("shortfall_reason") or "")
        people_key = "planned_population" if status == "new" else "population"
        rows = [
            (text["area_id"], _esc(rec.get("area_id"))),
            (text["status"], _esc(text.get(f"status_{status}", status))),
            (text[people_key], _fmt(rec.get(people_key))),
            (text["required_slots"], _fmt(rec.get("required_slots"))),
            (text["served_slots"], _fmt(rec.get("served_slots"))),
            (text["shortfall_slots"], _fmt(rec.get("shortfall_slots"))),
            (
                text["slots_per_1000"],
                f"{_fmt(rec.get('slots_per_1000'), 2)} / {_fmt(rec.get('target_per_1000'), 1)}",
            ),
            (text["migrant_demand"], _fmt(rec.get("migrant_demand"))),
            (text["nearest_facility_m"], _fmt(rec.get("nearest_facility_m"))),
        ]
        if shortfall > 0 or reason:
            rows.append(
                (text["shortfall_reason"], _esc(text.get(f"reason_{reason}", reason) or "–"))
            )
        if no_plan:
            rows.append((text["in_failed_county"], text["yes"]))
        popup = _popup(_esc(rec.get("name")), rows)
        tooltip = (
            f"{_esc(rec.get('name'))}: {_fmt(rec.get('slots_per_1000'), 1)}"
            f" / {_fmt(rec.get('target_per_1000'), 1)}"
        )
        if shortfall > 0:
            tooltip += f" ({html.escape(text['shortfall_slots'])} {_fmt(shortfall)})"
        features.append(
            _feature(
                geom,
                {
                    "area_id": rec.get("area_id"),
                    "district_id": rec.get("district_id"),
                    "popup": popup,
                    "tooltip": tooltip,
                    "style": style,
                },
                fid=str(rec.get("area_id")),
            )
        )
    return features


def _served_by_site(
    out: PlanOutput, text: Mapping[str, str]
) -> dict[str, list[tuple[str, str, float, float]]]:
    """site_id → [(area name, demand kind, slots, distance_m)] from assignments.csv."""
    names: dict[str, str] = {}
    if "area_id" in out.areas.columns:
        for aid, name in zip(
            out.areas["area_id"].astype(str),
            out.areas.get("name", out.areas["area_id"]).astype(str),
            strict=True,
        ):
            names[aid] = name
    served: dict[str, list[tuple[str, str, float, float]]] = {}
    table = out.assignments
    if table.empty or "site_id" not in table.columns:
        return served
    grouped = (
        table.assign(
            slots=pd.to_numeric(table["slots"], errors="coerce"),
            distance_m=pd.to_numeric(table["distance_m"], errors="coerce"),
        )
        .groupby(["site_id", "area_id", "kind"], sort=False)
        .agg(slots=("slots", "sum"), distance_m=("distance_m", "max"))
        .reset_index()
    )
    for row in grouped.itertuples(index=False):
        area = name_and_id(names.get(str(row.area_id)), row.area_id)
        kind = text.get(f"kind_{row.kind}", str(row.kind))
        served.setdefault(str(row.site_id), []).append(
            (area, kind, float(row.slots), float(row.distance_m))
        )
    return served


def _facility_popup(
    rec: Mapping[str, Any],
    served: Sequence[tuple[str, str, float, float]],
    text: Mapping[str, str],
) -> dict[str, Any]:
    classes = " · ".join(
        f"{html.escape(text[c])} {_fmt(rec.get(f'classes_{c}'))}"
        for c in ("infant", "toddler", "older", "mixed")
        if rec.get(f"classes_{c}") not in (None, 0)
    )
    services = ", ".join(
        html.escape(text.get(s.strip(), s.strip()))
        for s in str(rec.get("service_types") or "").split(",")
        if s.strip()
    )
    acquisition = str(rec.get("acquisition") or "")
    basis = str(rec.get("cost_basis") or "")
    slots = _fmt(rec.get("slots"))
    if rec.get("existing_slots") not in (None, 0):
        slots += (
            f" ({html.escape(text['existing_slots'])} {_fmt(rec.get('existing_slots'))},"
            f" {html.escape(text['new_slots'])} {_fmt(rec.get('new_slots'))})"
        )
    if rec.get("slots_source") == "assumed default":
        slots += f" <i>[{html.escape(text['slots_assumed'])}]</i>"
    rows = [
        (text["site_id"], _esc(rec.get("site_id"))),
        (text["kind"], _esc(text.get(f"site_kind_{rec.get('kind')}", rec.get("kind")))),
        (text["option"], _esc(rec.get("option") or "–")),
        (text["slots"], slots),
        (text["classes"], classes or "–"),
        (text["floor_area_m2"], _fmt(rec.get("floor_area_m2"))),
        (text["cost"], _fmt(rec.get("cost"))),
        (text["cost_basis"], _esc(text.get(f"basis_{basis}", basis) if basis else "–")),
        (text["acquisition"], _esc(text.get(acquisition, acquisition))),
        (text["demonstration"], text["yes"] if is_true(rec.get("demonstration")) else text["no"]),
        (text["affordable"], text["yes"] if is_true(rec.get("affordable")) else text["no"]),
        (text["service_types"], services or "–"),
    ]
    if rec.get("colocated_area_id"):
        rows.append((text["colocated"], _esc(rec.get("colocated_area_id"))))
    if is_true(rec.get("in_failed_county")):  # stands in a county without a plan
        rows.append((text["in_failed_county"], text["yes"]))
    year = as_number(rec.get("opening_year"))
    if year is not None and "opening_year" in text:  # a phased plan (siting.phasing)
        rows.append((text["opening_year"], f"{year:.0f}"))
    extra = ""
    if served:
        head = (
            f"<tr><th>{html.escape(text['name'])}</th><th>{html.escape(text['demand_kind'])}</th>"
            f"<th>{html.escape(text['slots'])}</th><th>{html.escape(text['distance_m'])}</th></tr>"
        )
        body = "".join(
            f"<tr><td>{html.escape(area)}</td><td>{html.escape(kind)}</td>"
            f'<td class="n">{_fmt(slots)}</td>'
            f'<td class="n">{_fmt(dist)}</td></tr>'
            for area, kind, slots, dist in served
        )
        extra = (
            f"<div style='margin-top:4px'><b>{html.escape(text['serves'])}</b></div>"
            f'<table class="sp">{head}{body}</table>'
        )
    return _popup(_esc(rec.get("name")), rows, extra)


def _facility_features(
    out: PlanOutput,
    facilities: gpd.GeoDataFrame | None,
    text: Mapping[str, str],
    *,
    popups: bool = True,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    served = _served_by_site(out, text) if popups else {}
    planned: list[dict[str, Any]] = []
    existing: list[dict[str, Any]] = []
    for rec, geom in _records(facilities):
        point = geom if geom.geom_type == "Point" else geom.representative_point()
        demo = is_true(rec.get("demonstration"))
        is_existing = is_true(rec.get("existing"))
        if is_existing:
            style = {"color": "#3f007d", "weight": 2, "fillColor": _PURPLE, "fillOpacity": 0.8}
        elif demo:
            style = {"color": "#7a5200", "weight": 3, "fillColor": _GOLD, "fillOpacity": 0.95}
        else:
            style = {"color": "#08306b", "weight": 2, "fillColor": _BLUE, "fillOpacity": 0.85}
        style["radius"] = _radius(rec.get("slots"))
        site = str(rec.get("site_id"))
        tooltip = f"{_esc(rec.get('name'))}: {_fmt(rec.get('slots'))} {html.escape(text['slots'])}"
        if demo:
            tooltip = "★ " + tooltip + f" ({html.escape(text['demonstration'])})"
        feature = _feature(
            point,
            {
                "site_id": site,
                "district_id": rec.get("district_id"),
                "popup": _facility_popup(rec, served.get(site, []), text) if popups else None,
                "tooltip": tooltip,
                "style": style,
            },
            fid=site,
        )
        (existing if is_existing else planned).append(feature)
    return planned, existing


def _candidate_features(
    candidates: gpd.GeoDataFrame | None, text: Mapping[str, str]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    points: list[dict[str, Any]] = []
    shapes: list[dict[str, Any]] = []
    styles = {
        "chosen": {"color": _BLUE, "weight": 2, "fillColor": _BLUE, "fillOpacity": 0.4},
        "not chosen": {
            "color": "#636363",
            "weight": 1.5,
            "fillColor": "#ffffff",
            "fillOpacity": 0.6,
        },
        "excluded": {
            "color": "#000000",
            "weight": 1.5,
            "dashArray": "3 3",
            "fillColor": "#252525",
            "fillOpacity": 0.5,
        },
    }
    for rec, geom in _records(candidates):
        state = str(rec.get("state") or "not chosen")
        style = dict(styles.get(state, styles["not chosen"]))
        acquisition = str(rec.get("acquisition") or "")
        tooltip = (
            f"{html.escape(name_and_id(rec.get('name'), rec.get('site_id')))}: "
            f"{html.escape(text.get(f'state_{state}', state))}"
        )
        reason = str(rec.get("exclusion_reason") or "")
        if state == "excluded" and reason:
            tooltip += f" — {html.escape(text['exclusion_reason'])}: {html.escape(reason)}"
        rows = [
            (text["site_id"], _esc(rec.get("site_id"))),
            (text["kind"], _esc(text.get(f"site_kind_{rec.get('kind')}", rec.get("kind")))),
            (text["acquisition"], _esc(text.get(acquisition, acquisition))),
            (text["cost"], _fmt(rec.get("cost"))),
            (text["affordable"], text["yes"] if is_true(rec.get("affordable")) else text["no"]),
            (text["status"], _esc(text.get(f"state_{state}", state))),
        ]
        if reason:
            rows.append((text["exclusion_reason"], _esc(reason)))
        props = {
            "site_id": rec.get("site_id"),
            "district_id": rec.get("district_id"),
            "tooltip": tooltip,
            "popup": _popup(_esc(rec.get("name")), rows),
            "style": style,
        }
        if geom.geom_type in ("Point", "MultiPoint"):
            style["radius"] = 5
            points.append(_feature(geom, props))
        else:
            shapes.append(_feature(geom, props))
    return points, shapes


def _line_features(lines: gpd.GeoDataFrame | None, text: Mapping[str, str]) -> list[dict[str, Any]]:
    features = []
    for rec, geom in _records(lines):
        kind = str(rec.get("kind") or "resident")
        style: dict[str, Any] = {"color": _BLUE, "weight": 1.5, "opacity": 0.7}
        if kind == "migrant":
            style = {"color": _PURPLE, "weight": 1.5, "opacity": 0.8, "dashArray": "4 4"}
        tooltip = (
            f"{_esc(rec.get('site_id'))} → {_esc(rec.get('area_id'))}: "
            f"{_fmt(rec.get('slots'))} {html.escape(text['slots'])}, "
            f"{_fmt(rec.get('distance_m'))} m"
            f" ({html.escape(text.get(f'kind_{kind}', kind))})"
        )
        props = {
            "site_id": rec.get("site_id"),
            "area_id": rec.get("area_id"),
            "district_id": rec.get("district_id"),
            "tooltip": tooltip,
            "style": style,
        }
        features.append(_feature(geom, props))
    return features


def _district_features(
    districts: gpd.GeoDataFrame | None, text: Mapping[str, str]
) -> tuple[list[dict[str, Any]], list[tuple[float, float, str]]]:
    features = []
    names = []
    for rec, geom in _records(districts):
        style = {"color": "#252525", "weight": 2.5, "fillOpacity": 0.0, "opacity": 0.9}
        if rec.get("reason"):  # a county of a partitioned run that has no plan: a hole
            style = dict(_NO_PLAN_STYLE)
        rows = [
            *(
                [(text["county_reason"], _esc(county_reason(rec, text)))]
                if rec.get("reason")
                else []
            ),
            (text["population"], _fmt(rec.get("population"))),
            (text["required_slots"], _fmt(rec.get("required_slots"))),
            (text["planned_slots"], _fmt(rec.get("planned_slots"))),
            (
                text["slots_per_1000"],
                f"{_fmt(rec.get('slots_per_1000'), 2)} / {_fmt(rec.get('target_per_1000'), 2)}",
            ),
            (text["demonstration_count"], _fmt(rec.get("demonstration_count"))),
        ]
        features.append(
            _feature(
                geom,
                {
                    "district_id": rec.get("district_id"),
                    "popup": _popup(_esc(rec.get("name")), rows),
                    "style": style,
                },
            )
        )
        label_point = geom.representative_point()
        names.append((label_point.y, label_point.x, str(rec.get("name") or "")))
    return features, names


def _hazard_features(
    hazards: gpd.GeoDataFrame | None, text: Mapping[str, str]
) -> list[dict[str, Any]]:
    features = []
    for rec, geom in _records(hazards):
        style = {"color": "#b35806", "weight": 1.5, "fillColor": "#e66101", "fillOpacity": 0.35}
        tooltip = (
            f"{_esc(rec.get('name'))} ({_esc(rec.get('kind'))}): "
            f"{html.escape(text['buffer_m'])} {_fmt(rec.get('buffer_m'))}"
        )
        features.append(_feature(geom, {"tooltip": tooltip, "style": style}))
    return features


def _residual_features(
    residual: gpd.GeoDataFrame | None, text: Mapping[str, str], legend: list[str]
) -> list[dict[str, Any]]:
    """Blocks of raster cells (or census units, by their name) whose people no residential
    area holds, shaded by count."""
    records = _records(residual)
    if not records:
        return []
    people = np.array([float(rec.get("residual_people") or 0.0) for rec, _ in records])
    edges = _density_bins(people)
    features = []
    for (rec, geom), value in zip(records, people, strict=True):
        colour = _bin_colour(value, edges, _RESIDUAL_COLOURS)
        cells, name = rec.get("cells"), rec.get("name")
        said = (  # a census unit has no cells: its name says which
            html.escape(str(name))
            if not cells and name is not None
            else f"{html.escape(text['residual_cells'])}: {_fmt(cells)}"
        )
        tooltip = f"{html.escape(text['residual_people'])}: {_fmt(value)}; {said}"
        style = {"color": colour, "weight": 0.3, "fillColor": colour, "fillOpacity": 0.55}
        props = {"district_id": rec.get("district_id"), "tooltip": tooltip, "style": style}
        features.append(_feature(geom, props))
    lows = [0.0, *edges]
    for i, low in enumerate(lows[: len(_RESIDUAL_COLOURS)]):
        high = edges[i] if i < len(edges) else None
        label = f"{low:,.0f}–{high:,.0f}" if high is not None else f"> {low:,.0f}"
        legend.append(_swatch(_RESIDUAL_COLOURS[i], f"{label} {text['residual_people']}", box=True))
    return features


# --------------------------------------------------------------------------- access layers

_CIRCLE_COLOURS = ("#006837", "#31a354", "#addd8e")


def _access_layers(
    areas: gpd.GeoDataFrame, language: str
) -> list[tuple[str, list[dict[str, Any]], list[str], bool]]:
    """The access indicators of :mod:`siting.lifecircle`, one layer each, with its legend.

    Access before and after (green: meets the area's target ratio; light green: above
    the desert threshold; red: a desert), the life circle before and after (the
    smallest circle holding most of an area's residents within a walk of free
    slots), and the deserts (after, and those the plan lifts). Each item is
    ``(name, features, legend, one feature per area)``; none without the columns.
    """
    if "access_after_per_1000" not in areas.columns:
        return []
    t = access_labels(language)
    records = _records(areas)
    minutes = sorted(
        {
            float(c.removeprefix("walk_free_").removesuffix("min_after"))
            for c in areas.columns
            if c.startswith("walk_free_") and c.endswith("min_after")
        }
    )
    layers: list[tuple[str, list[dict[str, Any]], list[str], bool]] = []

    def style(colour: str) -> dict[str, Any]:
        return {"color": "#555555", "weight": 0.5, "fillColor": colour, "fillOpacity": 0.65}

    def props(rec: Mapping[str, Any], tooltip: str, colour: str) -> dict[str, Any]:
        return {
            "area_id": rec.get("area_id"),
            "district_id": rec.get("district_id"),
            "tooltip": tooltip,
            "style": style(colour),
        }

    for when in ("before", "after"):
        features = []
        for rec, geom in records:
            value = rec.get(f"access_{when}_per_1000")
            target, floor = rec.get("target_per_1000"), rec.get("desert_threshold_per_1000")
            if value is None:
                colour = _GREY
            elif target is not None and float(value) >= float(target) - 1e-9:
                colour = _GREEN
            elif floor is None or float(value) >= float(floor) - 1e-9:
                colour = _LIGHT_GREEN
            else:
                colour = _RED
            tooltip = (
                f"{_esc(rec.get('name'))}: {_fmt(value, 1)} / {_fmt(target, 1)} "
                f"({html.escape(t[when])})"
            )
            features.append(_feature(geom, props(rec, tooltip, colour)))
        legend = [
            _swatch(_GREEN, t["access_meets"]),
            _swatch(_LIGHT_GREEN, t["access_half"]),
            _swatch(_RED, t["access_desert"]),
        ]
        layers.append((t[f"layer_access_{when}"], features, legend, True))

    for when in ("before", "after"):
        features = []
        for rec, geom in records:
            colour, label = _RED, t["circle_none"].format(m=f"{minutes[-1]:g}")
            for m, shade in zip(minutes, _CIRCLE_COLOURS, strict=False):
                if float(rec.get(f"walk_free_{m:g}min_{when}") or 0.0) >= 0.5:
                    colour, label = shade, t["circle_within"].format(m=f"{m:g}")
                    break
            tooltip = f"{_esc(rec.get('name'))}: {html.escape(label)} ({html.escape(t[when])})"
            features.append(_feature(geom, props(rec, tooltip, colour)))
        legend = [
            _swatch(shade, t["circle_within"].format(m=f"{m:g}"))
            for m, shade in zip(minutes, _CIRCLE_COLOURS, strict=False)
        ] + [_swatch(_RED, t["circle_none"].format(m=f"{minutes[-1]:g}"))]
        layers.append((t[f"layer_circle_{when}"], features, legend, True))

    features = []
    for rec, geom in records:
        after, before = bool(rec.get("desert_after")), bool(rec.get("desert_before"))
        if not (after or before):
            continue
        colour, label = (_RED, t["desert_after"]) if after else (_BLUE, t["desert_lifted"])
        tooltip = (
            f"{_esc(rec.get('name'))}: {html.escape(label)} "
            f"({_fmt(rec.get('access_before_per_1000'), 1)} → "
            f"{_fmt(rec.get('access_after_per_1000'), 1)})"
        )
        features.append(_feature(geom, props(rec, tooltip, colour)))
    legend = [_swatch(_RED, t["desert_after"]), _swatch(_BLUE, t["desert_lifted"])]
    layers.append((t["layer_deserts"], features, legend, False))
    return layers


_OVERVIEW_AREA_COLUMNS = (
    "area_id", "district_id", "name", "status", "population", "planned_population",
    "required_slots", "served_slots", "shortfall_slots", "slots_per_1000", "target_per_1000",
    "migrant_demand", "nearest_facility_m", "shortfall_reason",
)  # fmt: skip
"""The columns an overview's area points show (its popup, tooltip and size)."""


def _as_points(areas: gpd.GeoDataFrame, given: gpd.GeoDataFrame | None = None) -> gpd.GeoDataFrame:
    """The areas an overview shows: each at its representative point, or at the point it
    was given as (``area_points.geojson``, a 小区 list's), with what it shows."""
    import geopandas as gpd

    keep = [c for c in _OVERVIEW_AREA_COLUMNS if c in areas.columns]
    points = areas.geometry.representative_point()
    if given is not None and not given.empty and "area_id" in areas.columns:
        at = given.set_index(given["area_id"].astype(str)).geometry.to_crs(areas.crs)
        on = areas["area_id"].astype(str).map(at)
        points = points.where(on.isna(), gpd.GeoSeries(on.to_numpy(), index=points.index))
    return gpd.GeoDataFrame(areas[keep], geometry=points.to_numpy(), crs=areas.crs)


def _size_by_people(features: Sequence[dict[str, Any]], areas: gpd.GeoDataFrame) -> None:
    """Give each area point a radius by the quintile of its people (planned, for a new area)."""
    pop = pd.to_numeric(areas.get("population"), errors="coerce").to_numpy(dtype=float)
    planned = pd.to_numeric(
        areas.get("planned_population", pd.Series(np.nan, index=areas.index)), errors="coerce"
    ).to_numpy(dtype=float)
    status = areas.get("status", pd.Series("", index=areas.index)).astype(str).to_numpy()
    people = np.where((status == "new") & np.isfinite(planned) & (planned > 0), planned, pop)
    edges = _density_bins(people)
    kept = [geom is not None and not geom.is_empty for geom in areas.geometry]
    for feature, value in zip(features, people[np.asarray(kept, dtype=bool)], strict=True):
        size = len(_POINT_RADII) - 1
        for i, edge in enumerate(edges):
            if value <= edge:
                size = i
                break
        style = dict(feature["properties"]["style"])
        style["radius"] = _POINT_RADII[size] if math.isfinite(value) else _POINT_RADII[0]
        if style.get("weight", 1) > 2:  # a shortfall area's dashed red ring, thinner on a dot
            style["weight"] = 2
        feature["properties"]["style"] = style
