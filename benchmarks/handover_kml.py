"""The sample city handed over as KML and KMZ, as 奥维互动地图, Google Earth and 91卫图 write
them, case by case, validated and planned.

Run with ``.venv/bin/python -m benchmarks.handover_kml [--out DIR] [--only CASE ...]
[--no-plan] [--keep]``. A street office or a planner marks its 小区, candidate plots and
existing 托育机构 on a web map and sends a ``.kml`` or a ``.kmz`` (a zip of ``doc.kml`` and
its icons). Each case is the sample city (``data/sample``) with some layers replaced by
such a file, its XML written here as those tools write it: placemarks in ``<Folder>`` s
(one per kind, 小区 / 候选地块 / 托育机构, or one per 街道, nested or not), the label in
``<name>``, the attributes in ``<ExtendedData>`` (``<Data name="户数">`` as Google Earth
writes them, ``<SchemaData>`` as QGIS and GDAL do), or only in ``<description>`` (an HTML
table as ArcGIS's Layer To KML writes it, or ``户数：1200`` lines); polygons,
MultiGeometry, points, closed LineStrings (a 小区 traced as a path), an altitude after each
longitude and latitude, 奥维's GCJ-02 mode (with and without ``datum_shift``), and a KML
saved in GBK. For each it runs ``siting validate`` and ``siting plan --no-map`` in a
subprocess and prints a row: the exit codes, the required slots, shortfall and cost of the
plan, the people the areas hold, and the first problem or warning. The clean sample plans
3,860 required slots, 228 short, at 340,661,000 CNY, its areas holding 314,588 people.
"""

from __future__ import annotations

import html
import sys
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from benchmarks.handover_vectors import (
    AREA_ZH,
    FACILITY_ZH,
    PARCEL_ZH,
    STATUS_ZH,
    cols,
    new_case,
    sample,
    scenario,
    sweep,
)

OUT = Path("handover-kml")

WGS84 = "EPSG:4326"
Attributes = str
"""How a placemark carries its attributes: ``"data"`` (``<ExtendedData><Data>``),
``"schema"`` (``<SchemaData>``), ``"html"`` (a table in ``<description>``), ``"lines"``
(``key：value`` lines in ``<description>``)."""

AREA_KEYS = {k: v for k, v in AREA_ZH.items() if k != "name"}
PARCEL_KEYS = {k: v for k, v in PARCEL_ZH.items() if k != "name"}
FACILITY_KEYS = {k: v for k, v in FACILITY_ZH.items() if k != "name"}


def zh_layer(name: str) -> gpd.GeoDataFrame:
    """The sample's ``name`` layer in WGS 84 with the Chinese headers a bureau writes (its
    ``name`` kept: it goes in ``<name>``)."""
    frame = sample(name, WGS84)
    if name == "areas":
        frame = frame.drop(columns=["name_en"])
        frame["status"] = frame["status"].map(STATUS_ZH)
        return frame.rename(columns=AREA_KEYS)
    for flag in ("affordable", "demonstration"):
        if flag in frame:
            frame[flag] = np.where(frame[flag], "是", "否")
    return frame.rename(columns=PARCEL_KEYS if name == "parcels" else FACILITY_KEYS)


def _text(value: Any) -> str | None:
    """A value as a KML tool writes it: integers without ``.0``; nothing for a blank."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _coords(ring: Iterable[tuple[float, ...]], altitude: float | None) -> str:
    z = "" if altitude is None else f",{altitude:g}"
    return " ".join(f"{x:.7f},{y:.7f}{z}" for x, y, *_ in ring)


def kml_geometry(geom: Any, *, altitude: float | None = None, as_lines: bool = False) -> str:
    """``geom`` as a placemark's KML geometry; a polygon's rings as closed LineStrings when
    ``as_lines`` (a 小区 traced as a path); ``altitude`` after every point's lon, lat."""
    alt = "<altitudeMode>absolute</altitudeMode>" if altitude is not None else ""
    if geom.geom_type == "Point":
        return f"<Point>{alt}<coordinates>{_coords(geom.coords, altitude)}</coordinates></Point>"
    if geom.geom_type == "LineString":
        return (
            f"<LineString><tessellate>1</tessellate>{alt}<coordinates>"
            f"{_coords(geom.coords, altitude)}</coordinates></LineString>"
        )
    if geom.geom_type == "Polygon":
        if as_lines:
            return kml_geometry(shapely.LineString(geom.exterior.coords), altitude=altitude)
        rings = [
            f"<outerBoundaryIs><LinearRing><coordinates>{_coords(geom.exterior.coords, altitude)}"
            "</coordinates></LinearRing></outerBoundaryIs>"
        ]
        rings += [
            f"<innerBoundaryIs><LinearRing><coordinates>{_coords(r.coords, altitude)}"
            "</coordinates></LinearRing></innerBoundaryIs>"
            for r in geom.interiors
        ]
        return f"<Polygon><tessellate>1</tessellate>{alt}{''.join(rings)}</Polygon>"
    parts = [kml_geometry(g, altitude=altitude, as_lines=as_lines) for g in geom.geoms]
    if len(parts) == 1:
        return parts[0]
    return f"<MultiGeometry>{''.join(parts)}</MultiGeometry>"


def description_of(fields: dict[str, str], how: Attributes, title: str) -> str:
    """A placemark's ``<description>``: ArcGIS's Layer To KML table (a title row, then a
    nested table of field and value rows) or a note's ``key：value`` lines."""
    if how == "html":
        rows = "".join(
            f'<tr bgcolor="{"#D4E4F3" if i % 2 else ""}"><td>{html.escape(k)}</td>'
            f"<td>{html.escape(v)}</td></tr>"
            for i, (k, v) in enumerate(fields.items())
        )
        table = (
            '<html><body><table border="1" style="border-collapse:collapse;">'
            f'<tr style="text-align:center;font-weight:bold;background:#9CBCE2"><td>{title}</td>'
            f'</tr><tr><td><table style="font-family:Arial">{rows}</table></td></tr>'
            "</table></body></html>"
        )
        return f"<description><![CDATA[{table}]]></description>"
    lines = "\n".join(f"{k}：{v}" for k, v in fields.items())
    return f"<description>{html.escape(lines)}</description>"


def placemarks(
    frame: gpd.GeoDataFrame,
    how: Attributes,
    *,
    schema: str | None = None,
    altitude: Callable[[int], float] | None = None,
    as_lines: bool = False,
) -> list[str]:
    """Each feature of ``frame`` as a ``<Placemark>``: its ``name`` in ``<name>``, its other
    columns as ``how`` says (``schema``: the ``<Schema>`` id its ``<SchemaData>`` cites)."""
    out = []
    fields_of = [c for c in frame.columns if c not in ("name", "geometry")]
    for i, (_, row) in enumerate(frame.iterrows()):
        fields = {c: t for c in fields_of if (t := _text(row[c])) is not None}
        if how == "data":
            data = "".join(
                f'<Data name="{k}"><value>{html.escape(v)}</value></Data>'
                for k, v in fields.items()
            )
            extra = f"<ExtendedData>{data}</ExtendedData>"
        elif how == "schema":
            data = "".join(
                f'<SimpleData name="{k}">{html.escape(v)}</SimpleData>' for k, v in fields.items()
            )
            data = f'<SchemaData schemaUrl="#{schema}">{data}</SchemaData>'
            extra = f"<ExtendedData>{data}</ExtendedData>"
        else:
            extra = description_of(fields, how, str(row["name"]))
        geometry = kml_geometry(
            row.geometry, altitude=None if altitude is None else altitude(i), as_lines=as_lines
        )
        out.append(
            f"<Placemark><name>{html.escape(str(row['name']))}</name><styleUrl>#s0</styleUrl>"
            f"{extra}{geometry}</Placemark>"
        )
    return out


def folder(name: str, content: Iterable[str]) -> str:
    return f"<Folder><name>{html.escape(name)}</name><open>1</open>{''.join(content)}</Folder>"


def kml_file(
    title: str, content: Iterable[str], schemas: dict[str, list[str]] | None = None
) -> str:
    """A whole KML document: its ``<Style>``, the ``<Schema>`` s its SchemaData cite, and
    ``content`` (folders or placemarks)."""
    schema_xml = "".join(
        f'<Schema name="{sid}" id="{sid}">'
        + "".join(f'<SimpleField name="{f}" type="string"/>' for f in fields)
        + "</Schema>"
        for sid, fields in (schemas or {}).items()
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<kml xmlns="http://www.opengis.net/kml/2.2" xmlns:gx="http://www.google.com/kml/ext/2.2">'
        f"<Document><name>{html.escape(title)}</name>"
        '<Style id="s0"><LineStyle><color>ff0000ff</color><width>2</width></LineStyle>'
        "<PolyStyle><color>400000ff</color></PolyStyle></Style>"
        f"{schema_xml}{''.join(content)}</Document></kml>\n"
    )


def write_kmz(path: Path, doc: str) -> None:
    """A ``.kmz`` as Google Earth saves one: ``doc.kml`` first, then its icon."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as kmz:
        kmz.writestr("doc.kml", doc.encode("utf-8"))
        kmz.writestr("files/icon.png", b"\x89PNG\r\n\x1a\n" + bytes(64))


def entry(path: str, keys: dict[str, str], *, layer: str | None = None, more: str = "") -> str:
    """A layer's entry in the scenario: its path, layer, columns (Chinese) and more keys."""
    at = f', layer = "{layer}"' if layer is not None else ""
    return f'{{ path = "{path}"{at}, columns = {cols(keys)}{more} }}'


KINDS = {"小区": ("areas", AREA_KEYS), "候选地块": ("parcels", PARCEL_KEYS)}
KINDS["托育机构"] = ("facilities", FACILITY_KEYS)


def three_folders(
    case: Path,
    *,
    gcj02: bool = False,
    altitude: bool = False,
    more: str = "",
) -> None:
    """One ``广元.kml`` with the folders 小区, 候选地块 and 托育机构, each a layer's entry."""
    from siting.gcj02 import geometry_to_gcj02

    rng = np.random.default_rng(7)
    content, layers = [], {}
    for title, (name, keys) in KINDS.items():
        frame = zh_layer(name)
        if gcj02:
            frame = geometry_to_gcj02(frame)
        heights = rng.uniform(470.0, 560.0, len(frame)).round(1) if altitude else None
        content.append(
            folder(
                title,
                placemarks(
                    frame, "data", altitude=None if heights is None else heights.__getitem__
                ),
            )
        )
        layers[name] = entry("广元.kml", keys, layer=title, more=more)
    (case / "广元.kml").write_text(kml_file("广元市托育规划底图", content), encoding="utf-8")
    scenario(case, layers)


def write_cases() -> None:
    """Write every case's files and ``scenario.toml`` under :data:`OUT`."""
    OUT.mkdir(parents=True, exist_ok=True)
    areas = zh_layer("areas")
    # 1. a .kmz of the areas, attributes in ExtendedData (Google Earth) -----------------
    case = new_case("k01_kmz_areas_extendeddata", out=OUT)
    write_kmz(case / "小区.kmz", kml_file("小区", [folder("小区", placemarks(areas, "data"))]))
    scenario(case, {"areas": entry("小区.kmz", AREA_KEYS)})
    case = new_case("k01b_kml_areas_schemadata", out=OUT)  # QGIS's and GDAL's <SchemaData>
    fields = [c for c in areas.columns if c not in ("name", "geometry")]
    doc = kml_file(
        "小区", [folder("小区", placemarks(areas, "schema", schema="xq"))], {"xq": fields}
    )
    (case / "小区.kml").write_text(doc, encoding="utf-8")
    scenario(case, {"areas": entry("小区.kml", AREA_KEYS)})
    # 2. attributes only in the description ---------------------------------------------
    case = new_case("k02_kmz_areas_html_description", out=OUT)  # ArcGIS's Layer To KML
    write_kmz(case / "小区.kmz", kml_file("小区", [folder("小区", placemarks(areas, "html"))]))
    scenario(case, {"areas": entry("小区.kmz", AREA_KEYS)})
    case = new_case("k02b_kml_areas_text_description", out=OUT)  # a note's 户数：1200 lines
    doc = kml_file("小区", [folder("小区", placemarks(areas, "lines"))])
    (case / "小区.kml").write_text(doc, encoding="utf-8")
    scenario(case, {"areas": entry("小区.kml", AREA_KEYS)})
    # 3. one file, three folders ---------------------------------------------------------
    three_folders(new_case("k03_kml_three_folders", out=OUT))
    # 4. the 小区 as points -----------------------------------------------------------------
    case = new_case("k04_kml_areas_points", out=OUT)
    points = areas.set_geometry(
        areas.to_crs("EPSG:4544").geometry.representative_point().to_crs(WGS84)
    )
    doc = kml_file("小区名录", [folder("小区", placemarks(points, "data"))])
    (case / "小区.kml").write_text(doc, encoding="utf-8")
    scenario(case, {"areas": entry("小区.kml", AREA_KEYS)})
    # 5. 奥维's GCJ-02 mode ------------------------------------------------------------------
    three_folders(
        new_case("k05_kml_gcj02_datum_shift", out=OUT), gcj02=True, more=', datum_shift = "gcj02"'
    )
    three_folders(new_case("k05b_kml_gcj02_no_shift", out=OUT), gcj02=True)
    # 6. polygons traced as closed paths -----------------------------------------------------
    case = new_case("k06_kml_areas_closed_linestrings", out=OUT)
    doc = kml_file("小区", [folder("小区", placemarks(areas, "data", as_lines=True))])
    (case / "小区.kml").write_text(doc, encoding="utf-8")
    scenario(case, {"areas": entry("小区.kml", AREA_KEYS)})
    # 7. an altitude after every lon, lat ----------------------------------------------------
    three_folders(new_case("k07_kml_altitude", out=OUT), altitude=True)
    # 8. a folder per 街道 -------------------------------------------------------------------
    streets = sample("subdistricts")[["subdistrict_id", "name"]]
    street_name = dict(zip(streets["subdistrict_id"], streets["name"], strict=True))
    by_street = [
        folder(street_name[sid], placemarks(group, "data"))
        for sid, group in areas.groupby(AREA_KEYS["subdistrict_id"], sort=True)
    ]
    case = new_case("k08_kml_street_folders_nested", out=OUT)  # 小区 ▸ 嘉陵街道 …
    doc = kml_file("小区", [folder("小区", by_street)])
    (case / "小区.kml").write_text(doc, encoding="utf-8")
    scenario(case, {"areas": entry("小区.kml", AREA_KEYS, layer="小区")})
    case = new_case("k08b_kml_street_folders_no_layer", out=OUT)  # 嘉陵街道, 东坝街道 … at the top
    (case / "小区.kml").write_text(kml_file("小区", by_street), encoding="utf-8")
    scenario(case, {"areas": entry("小区.kml", AREA_KEYS)})
    case = new_case("k08c_kml_street_folders_layer_list", out=OUT)
    (case / "小区.kml").write_text(kml_file("小区", by_street), encoding="utf-8")
    names = sorted({street_name[s] for s in areas[AREA_KEYS["subdistrict_id"]]})
    listed = "[" + ", ".join(f'"{n}"' for n in names) + "]"
    scenario(
        case,
        {"areas": f'{{ path = "小区.kml", layer = {listed}, columns = {cols(AREA_KEYS)} }}'},
    )
    # 9. a KML saved in GBK --------------------------------------------------------------
    case = new_case("k09_kml_gbk", out=OUT)
    doc = kml_file("小区", [folder("小区", placemarks(areas, "data"))])
    doc = doc.replace('encoding="UTF-8"', 'encoding="GBK"', 1)
    (case / "小区.kml").write_bytes(doc.encode("gbk"))
    scenario(case, {"areas": entry("小区.kml", AREA_KEYS)})


def main() -> None:
    sweep(sys.modules[__name__])


if __name__ == "__main__":
    main()
