"""The map's controls: the legend, the district filter and a phased plan's year filter."""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from siting.maps.features import _json_for_script
from siting.report import (
    PlanOutput,
    name_and_id,
)

if TYPE_CHECKING:
    import geopandas as gpd


def _legend_element(
    title: str, sections: Sequence[tuple[str, Sequence[str]]], notes: Sequence[str]
) -> Any:
    from branca.element import MacroElement
    from jinja2 import Template

    body = [
        "<details open><summary style='font-weight:bold;cursor:pointer'>"
        f"{html.escape(title)}</summary>"
    ]
    for heading, items in sections:
        if not items:
            continue
        if heading:
            body.append(
                f"<div style='margin-top:4px;font-weight:bold'>{html.escape(heading)}</div>"
            )
        body.extend(items)
    for note in notes:
        body.append(
            f"<div class='siting-legend-note' style='margin-top:4px;color:#b30000'>"
            f"{html.escape(note)}</div>"
        )
    body.append("</details>")

    class _Legend(MacroElement):
        _template = Template(
            """
            {% macro header(this, kwargs) %}
            <style>
            .siting-legend { background: rgba(255,255,255,0.92); padding: 6px 10px;
              font: 12px/1.45 "Noto Sans CJK SC", "Microsoft YaHei", Arial, sans-serif;
              border-radius: 4px; box-shadow: 0 0 6px rgba(0,0,0,0.3); max-width: 280px;
              max-height: calc(100vh - 190px); overflow-y: auto; }
            </style>
            {% endmacro %}
            {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.control({position: "bottomleft"});
            {{ this.get_name() }}.onAdd = function (map) {
                var div = L.DomUtil.create("div", "siting-legend");
                div.innerHTML = {{ this.legend_html|tojson }};
                L.DomEvent.disableClickPropagation(div);
                return div;
            };
            {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
            {% endmacro %}
            """
        )

        def __init__(self, legend_html: str) -> None:
            super().__init__()  # type: ignore[no-untyped-call]
            self._name = "SitingLegend"
            self.legend_html = legend_html

    return _Legend("".join(body))


# --------------------------------------------------------------------------- district filter


def _district_choices(out: PlanOutput) -> list[tuple[str, str]]:
    """The plan's districts as (district_id, name): from ``districts.csv`` or the areas."""
    table = out.district_table
    if table is not None and "district_id" in table.columns:
        rows = table.dropna(subset=["district_id"])
        ids = rows["district_id"].astype(str)
        names = rows["name"] if "name" in rows.columns else ids
        pairs = [(i, i if pd.isna(n) else str(n)) for i, n in zip(ids, names, strict=True)]
    elif "district_id" in out.areas.columns:
        pairs = [(str(i), str(i)) for i in out.areas["district_id"].dropna()]
    else:
        pairs = []
    return list(dict.fromkeys(pairs))


def _tag_districts(
    features: Sequence[dict[str, Any]],
    number: Mapping[str, int],
    *,
    area_district: Mapping[str, str],
    site_district: Mapping[str, str],
) -> None:
    """Give each feature ``district``: its district's number in the filter, if it has one.

    A feature's own ``district_id`` counts first, then its area's, then its
    site's (service lines have neither column of their own).
    """
    for feature in features:
        props = feature["properties"]
        did = props.get("district_id")
        if did is None and props.get("area_id") is not None:
            did = area_district.get(str(props["area_id"]))
        if did is None and props.get("site_id") is not None:
            did = site_district.get(str(props["site_id"]))
        if did is not None and str(did) in number:
            props["district"] = number[str(did)]


def _id_to_district(frame: gpd.GeoDataFrame | None, key: str) -> dict[str, str]:
    if frame is None or key not in frame.columns or "district_id" not in frame.columns:
        return {}
    pairs = frame[[key, "district_id"]].dropna()
    return dict(zip(pairs[key].astype(str), pairs["district_id"].astype(str), strict=True))


def _district_filter_element(
    districts: Sequence[tuple[str, str]],
    layers: Sequence[Any],
    labels: Sequence[tuple[Any, Any, int]],
    bounds: list[list[float]] | None,
    all_label: str,
) -> Any:
    """A Leaflet control with a ``<select>`` of the districts ("all" first).

    Choosing district ``d`` keeps, in each of ``layers``, the features whose
    ``properties.d`` is ``d`` or who have none, takes the others out of
    their layer (and back in on the next choice), hides the other districts'
    name labels (``labels``: group, marker, district number) and zooms to
    what is left; "all" shows everything and zooms to ``bounds``.
    """
    from branca.element import MacroElement
    from jinja2 import Template

    options = f'<option value="">{html.escape(all_label)}</option>' + "".join(
        f'<option value="{i}">{html.escape(name_and_id(name, did))}</option>'
        for i, (did, name) in enumerate(districts)
    )
    select = f'<select id="siting-district-filter">{options}</select>'

    class _DistrictFilter(MacroElement):
        _template = Template(
            """
            {% macro header(this, kwargs) %}
            <style>
            .siting-district { background: #fff; padding: 4px 6px; }
            .siting-district select { font: 13px "Noto Sans CJK SC", "Microsoft YaHei", Arial,
              sans-serif; max-width: 240px; }
            </style>
            {% endmacro %}
            {% macro script(this, kwargs) %}
            (function (map) {
                // each feature's properties.d is its district_id's number in the select
                var layers = [{{ this.layer_names|join(", ") }}];
                var labels = [{% for g, m, d in this.label_names %}[{{ g }}, {{ m }}, {{ d }}]
                    {%- if not loop.last %}, {% endif %}{% endfor %}];
                var everything = {{ this.bounds_js }};
                layers.forEach(function (g) { g._sitingAll = g.getLayers(); });
                function choose(d) {
                    var bounds = L.latLngBounds([]);
                    layers.forEach(function (g) {
                        g._sitingAll.forEach(function (l) {
                            var own = l.feature.properties.d;
                            var on = d === null || own === undefined || own === d;
                            if (on && !g.hasLayer(l)) { g.addLayer(l); }
                            if (!on && g.hasLayer(l)) { g.removeLayer(l); }
                            if (d !== null && own === d) {
                                bounds.extend(l.getLatLng ? l.getLatLng() : l.getBounds());
                            }
                        });
                    });
                    labels.forEach(function (x) {
                        var on = d === null || x[2] === d;
                        if (on && !x[0].hasLayer(x[1])) { x[0].addLayer(x[1]); }
                        if (!on && x[0].hasLayer(x[1])) { x[0].removeLayer(x[1]); }
                    });
                    if (d === null && everything) { map.fitBounds(everything); }
                    if (d !== null && bounds.isValid()) { map.fitBounds(bounds); }
                }
                var control = L.control({position: "topleft"});
                control.onAdd = function () {
                    var div = L.DomUtil.create("div", "siting-district leaflet-bar");
                    div.innerHTML = {{ this.select_js }};
                    var select = div.firstChild;
                    select.onchange = function () {
                        choose(select.value === "" ? null : Number(select.value));
                    };
                    L.DomEvent.disableClickPropagation(div);
                    L.DomEvent.disableScrollPropagation(div);
                    return div;
                };
                control.addTo(map);
            })({{ this._parent.get_name() }});
            {% endmacro %}
            """
        )

        def __init__(self) -> None:
            super().__init__()  # type: ignore[no-untyped-call]
            self._name = "SitingDistrictFilter"
            self.layer_names = [layer.get_name() for layer in layers]
            self.label_names = [(g.get_name(), m.get_name(), d) for g, m, d in labels]
            self.bounds_js = json.dumps(bounds)
            self.select_js = _json_for_script(select)

    return _DistrictFilter()


def _opening_years(out: PlanOutput) -> dict[str, int]:
    """A phased plan's opening (or expansion) year of each facility, by ``site_id``."""
    frame = out.facilities
    if frame is None or "opening_year" not in frame.columns or "site_id" not in frame.columns:
        return {}
    years = pd.to_numeric(frame["opening_year"], errors="coerce")
    keep = years.notna()
    return dict(
        zip(frame.loc[keep, "site_id"].astype(str), years[keep].astype(int).tolist(), strict=True)
    )


def _tag_years(features: Sequence[dict[str, Any]], opening: Mapping[str, int]) -> None:
    """Give each feature of a facility (or its service line) that opens in a year ``year``."""
    for feature in features:
        site = feature["properties"].get("site_id")
        if site is not None and str(site) in opening:
            feature["properties"]["year"] = opening[str(site)]


def _year_filter_element(
    years: Sequence[int], layers: Sequence[Any], all_label: str, by_label: str
) -> Any:
    """A Leaflet control with a ``<select>`` of a phased plan's years ("all" first).

    Choosing year ``Y`` keeps, in each of ``layers``, the features whose
    ``properties.y`` (opening or expansion year) is ``Y`` or earlier, or who
    have none (facilities open before the plan), and takes the others out. It
    keeps to the district filter's choice when there is one, and applies
    again after it.
    """
    from branca.element import MacroElement
    from jinja2 import Template

    options = f'<option value="">{html.escape(all_label)}</option>' + "".join(
        f'<option value="{y}">{html.escape(by_label.format(year=y))}</option>' for y in years
    )
    select = f'<select id="siting-year-filter">{options}</select>'

    class _YearFilter(MacroElement):
        _template = Template(
            """
            {% macro header(this, kwargs) %}
            <style>
            .siting-year { background: #fff; padding: 4px 6px; }
            .siting-year select { font: 13px "Noto Sans CJK SC", "Microsoft YaHei", Arial,
              sans-serif; max-width: 240px; }
            </style>
            {% endmacro %}
            {% macro script(this, kwargs) %}
            (function (map) {
                // each feature's properties.y is its facility's opening year
                var layers = [{{ this.layer_names|join(", ") }}];
                layers.forEach(function (g) {
                    g._sitingYearAll = g._sitingAll || g.getLayers();
                });
                var chosen = null;
                function apply() {
                    var dsel = document.getElementById("siting-district-filter");
                    var d = dsel && dsel.value !== "" ? Number(dsel.value) : null;
                    layers.forEach(function (g) {
                        g._sitingYearAll.forEach(function (l) {
                            var p = l.feature.properties;
                            var inYear = chosen === null || p.y === undefined || p.y <= chosen;
                            var inDistrict = d === null || p.d === undefined || p.d === d;
                            var on = inYear && inDistrict;
                            if (on && !g.hasLayer(l)) { g.addLayer(l); }
                            if (!on && g.hasLayer(l)) { g.removeLayer(l); }
                        });
                    });
                }
                var control = L.control({position: "topleft"});
                control.onAdd = function () {
                    var div = L.DomUtil.create("div", "siting-year leaflet-bar");
                    div.innerHTML = {{ this.select_js }};
                    var select = div.firstChild;
                    select.onchange = function () {
                        chosen = select.value === "" ? null : Number(select.value);
                        apply();
                    };
                    L.DomEvent.disableClickPropagation(div);
                    L.DomEvent.disableScrollPropagation(div);
                    return div;
                };
                control.addTo(map);
                var dsel = document.getElementById("siting-district-filter");
                if (dsel) { dsel.addEventListener("change", apply); }
            })({{ this._parent.get_name() }});
            {% endmacro %}
            """
        )

        def __init__(self) -> None:
            super().__init__()  # type: ignore[no-untyped-call]
            self._name = "SitingYearFilter"
            self.layer_names = [layer.get_name() for layer in layers]
            self.select_js = _json_for_script(select)

    return _YearFilter()
