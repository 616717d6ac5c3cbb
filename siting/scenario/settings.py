"""The scenario's settings: a tree of frozen dataclasses, every default from
``DOMAIN.md`` with its source in each class's docstring."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from siting.errors import ScenarioError


@dataclass(frozen=True)
class DatumShift:
    """The bureau's transformation of a layer on an old datum to CGCS2000, or the web
    map's datum a layer's longitudes and latitudes are really in.

    Xian 1980 and Beijing 1954 data are moved to CGCS2000 in China with a province's
    7-parameter (Bursa-Wolf) or 4-parameter transformation, which PROJ does not ship:
    without one, the layer is moved by its projection alone and lies some tens of
    metres to 150 m off. Give one of ``towgs84`` and ``pipeline``.

    Points picked on Gaode/AutoNavi or Tencent maps, and boundaries from Aliyun DataV,
    are in GCJ-02; points picked on Baidu maps in BD-09. Their files say WGS 84, but
    they lie 340–470 m (GCJ-02) or about 1 km (BD-09) off in Guangyuan. The scenario
    writes ``datum_shift = "gcj02"`` or ``"bd09"``, read as ``web_map``.

    Attributes
    ----------
    towgs84
        ``[dx, dy, dz, rx, ry, rz, ds]`` from the layer's datum to CGCS2000 (or the
        three translations alone): metres, arc-seconds and parts per million, as
        PROJ's ``+towgs84`` takes them.
    rotation
        How the rotations are signed: ``"position_vector"`` (PROJ's ``+towgs84``,
        EPSG method 9606) or ``"coordinate_frame"`` (ArcGIS's "Coordinate Frame",
        EPSG method 9607: the same rotations with the opposite sign).
    pipeline
        A PROJ pipeline from the layer's coordinates, as stored, to CGCS2000
        longitude and latitude in degrees (EPSG:4490, longitude first): for a
        4-parameter plane transformation, for example ``+proj=pipeline +step
        +proj=helmert +x=.. +y=.. +theta=.. +s=.. +step +inv +proj=tmerc ...``.
    web_map
        ``"gcj02"`` or ``"bd09"``: the layer's longitudes and latitudes (on WGS 84 or
        CGCS2000, as the file says) are that web map's, moved back to WGS 84 vertex by
        vertex (:mod:`siting.gcj02`) before anything else.
    """

    towgs84: tuple[float, ...] = ()
    rotation: str = "position_vector"
    pipeline: str | None = None
    web_map: str | None = None


@dataclass(frozen=True)
class LayerPiece:
    """One piece of a layer handed over in pieces (:attr:`LayerSpec.pieces`).

    Attributes
    ----------
    path
        The piece's file.
    layer
        The piece's layer inside its file, if the file has several.
    """

    path: Path
    layer: str | None = None


@dataclass(frozen=True)
class LayerSpec:
    """Where a vector layer is and how its columns map to ``siting``'s names.

    Attributes
    ----------
    path
        Any file GDAL reads: GeoPackage, Shapefile, GeoJSON, FlatGeobuf.
        Relative paths are resolved against the scenario file's folder. For a
        layer in pieces, the first piece's file.
    layer
        The layer name inside a multi-layer file such as a GeoPackage (the first
        piece's, for a layer in pieces).
    columns
        ``{siting_name: your_column}``, for example ``{area_id = "XQBM"}``.
        Columns not listed are expected under ``siting``'s own names.
    crs
        The CRS to assume when the file has none (for example a Shapefile
        without ``.prj``). A file that has a CRS keeps it.
    encoding
        The encoding of the file's text, for a Shapefile without ``.cpg``
        whose attributes are not UTF-8: ``"gbk"`` for one saved by a Chinese
        desktop GIS. Without it such a file is an error that names the
        encoding its text looks like; it is never read as mojibake.
    units
        ``{siting_name: unit}`` for number columns a bureau keeps in its own
        units, converted when read: ``{cost = "万元"}`` (ten thousand yuan),
        ``{land_area_m2 = "亩"}`` (mu) or ``"公顷"`` (hectares). ``{cost = "元"}``
        says the costs are in yuan, however cheap they look (see
        :data:`siting.inputs.UNITS`).
    datum_shift
        The transformation of a layer on Xian 1980 or Beijing 1954 to CGCS2000
        (:class:`DatumShift`): ``datum_shift = { towgs84 = [dx, dy, dz, rx, ry,
        rz, ds] }``; or, for longitudes and latitudes from a Chinese web map,
        ``datum_shift = "gcj02"`` (Gaode/AutoNavi, Tencent, Aliyun DataV) or
        ``"bd09"`` (Baidu).
    values
        ``{siting_name: value}`` for a column the layer lacks, every feature taking
        the one value: ``values = { status = "old" }`` for a bureau's list of old
        residential areas without a status column, ``{ district_id = "510802" }``
        for a county's own layer. The value is read as the column's would be
        (``"老城"`` is old). A column the layer has (or maps with ``columns``) is
        not overwritten: giving both is an error.
    x, y
        For a table of points (CSV, Excel, ODS): the names of its coordinate
        columns (easting or longitude, northing or latitude). Without them the
        usual names are looked for: 经度/纬度, lon/lat, x/y, POINT_X/POINT_Y ...
        (:data:`siting.inputs._table.COORDINATE_NAMES`). ``layer`` names the
        sheet of a workbook (the first without it), and ``crs`` the CRS of the
        coordinates, which a table does not hold.
    where
        An attribute filter: the features of the file's layer this layer takes, in
        GDAL's SQL over the file's own column names (as GDAL reads them, a GBK
        Shapefile's decoded), applied as the layer is read, before ``columns``,
        ``units`` and ``values``: ``where = "DLBM IN ('0701','0702')"`` for the
        residential land of a bureau's 三调 layer (:mod:`siting.inputs._where`). A
        table's rows and a frame held in memory are filtered by the same OGR SQL.
    radius_m
        For residential areas given as points (a 小区 list: a table with coordinates,
        or a layer of points): the radius of the land each point stands for, in metres,
        the same for every point. Without it, a point's radius comes from its
        dwellings (:data:`siting.inputs.LAND_M2_PER_DWELLING`), or is 150 m (300 m in
        a rural area). The land is cut where it is nearer to another area's point
        (:mod:`siting.inputs._catchments`). Only ``[inputs.areas]`` takes it.
    address
        For a table of facilities or workplaces (a 托育机构 备案名单, a list of employers):
        the name of its address column (``address = "地址"``). A row without coordinates
        (the table has no coordinate columns, or the row's are blank) is placed at the
        residential area its address names (``广元市利州区东坝街道华龙新村3栋`` at 华龙新村):
        the area's own point when the areas are a 小区 list, else a point inside its
        outline (:mod:`siting.inputs._address`). Rows with coordinates keep them. Only
        ``[inputs.facilities]`` and ``[inputs.workplaces]`` take it.
    pieces
        Every piece of a layer handed over in pieces, in order: a county's file each
        (``path = ["利州区小区.shp", "昭化区小区.shp"]``), or a class's points and
        polygons in two layers of one file (Geofabrik's ``layer =
        ["gis_osm_pois_free_1", "gis_osm_pois_a_free_1"]``); a list of files and a
        list of layers give every layer of every file. Each piece is read as a layer
        on its own is, with the entry's other keys, and the pieces are joined into
        one layer (:mod:`siting.inputs._pieces`). Empty for a layer in one piece.
    """

    path: Path
    layer: str | None = None
    columns: Mapping[str, str] = field(default_factory=dict)
    crs: str | None = None
    encoding: str | None = None
    units: Mapping[str, str] = field(default_factory=dict)
    datum_shift: DatumShift | None = None
    values: Mapping[str, str | float | bool] = field(default_factory=dict)
    x: str | None = None
    y: str | None = None
    where: str | None = None
    radius_m: float | None = None
    address: str | None = None
    pieces: tuple[LayerPiece, ...] = ()

    def piece_specs(self) -> tuple[LayerSpec, ...]:
        """Each of :attr:`pieces` as the entry of a layer in one piece (``(self,)`` for
        a layer in one piece)."""
        if not self.pieces:
            return (self,)
        return tuple(
            dataclasses.replace(self, path=piece.path, layer=piece.layer, pieces=())
            for piece in self.pieces
        )


@dataclass(frozen=True)
class RasterSpec:
    """Where a raster is.

    Attributes
    ----------
    path
        A GeoTIFF (or any raster GDAL reads) of persons per cell.
    band
        The band to read, counted from 1.
    crs
        The CRS to assume when the raster has none.
    bands
        Several bands to add up instead of ``band``, for example WorldPop's
        age 0–1 and 1–4 bands of a children raster: ``bands = [1, 2]``.
    counts
        Whom the population raster counts: ``"residents"`` (default, every
        resident), ``"children"`` (one age group, such as WorldPop's
        children 0–5) or ``"dwellings"`` (households, 户数: census units' or a 小区
        register's count column). The ratios are slots per 1,000 *residents*, so a
        children raster's people are turned into residents first, ÷
        ``share_of_residents``, and dwellings × ``demand.persons_per_household``.
        Only ``[inputs.population]`` takes it.
    share_of_residents
        With ``counts = "children"``: the share of the residents the raster
        counts (0.086 for WorldPop's 0–5 in Accra, 336,486 of 3,915,942;
        about 0.0186 for children under three in Guangyuan, 3 × its 6.2 ‰ birth
        rate). Required then; from the census or the same producer's total raster.
    """

    path: Path
    band: int = 1
    crs: str | None = None
    bands: tuple[int, ...] = ()
    counts: str = "residents"
    share_of_residents: float | None = None

    @property
    def band_list(self) -> tuple[int, ...]:
        """The bands to read and add up."""
        return self.bands or (self.band,)

    @property
    def residents_per_person(self) -> float:
        """Residents each of the raster's people stands for: 1, or 1 ÷ ``share_of_residents``
        for a raster that counts children."""
        if self.counts == "children" and self.share_of_residents:
            return 1.0 / self.share_of_residents
        return 1.0


VECTOR_SUFFIXES: frozenset[str] = frozenset(
    {".shp", ".gpkg", ".geojson", ".json", ".fgb", ".gml", ".kml", ".sqlite", ".tab", ".mif"}
)
"""Files ``[inputs.population]`` reads as a layer of census units, not a raster."""

LINE_LAYER_SUFFIXES: tuple[str, ...] = (
    ".shp",
    ".gpkg",
    ".geojson",
    ".json",
    ".fgb",
    ".gdb",
    ".zip",
    ".dxf",
)
"""Files ``[inputs] streets`` reads as a layer of street centrelines, not OSM XML or GraphML
(a planning institute's CAD drawing too: a ``.dxf``, its CAD layer taken by ``where =
"Layer = '道路中心线'"``, its CRS given by ``crs``)."""


def census_spec(population: RasterSpec) -> PopulationSpec | None:
    """``[inputs.population]`` when it is a layer of census units, else ``None`` (a raster)."""
    return population if isinstance(population, PopulationSpec) and population.is_census else None


@dataclass(frozen=True)
class PopulationSpec(RasterSpec):
    """Where the resident population is: a raster, or a layer of census units.

    A raster takes :class:`RasterSpec`'s keys. A layer of census units (七普 by
    街道 or 社区: polygons with a count column) is given by ``column`` (with
    ``layer``, ``columns``, ``crs``, ``encoding``, ``units`` and ``datum_shift`` as
    any vector layer, :class:`LayerSpec`): each unit's people are shared among the
    residential areas overlapping it (:mod:`siting.census`). ``counts`` and
    ``share_of_residents`` apply to either.

    Attributes
    ----------
    layer
        The layer of the census units inside a multi-layer file.
    column
        The units' count column (``常住人口``, ``RK``): how many people each holds.
        Given, the file is read as census units.
    columns, encoding, units, datum_shift, where, pieces
        As :class:`LayerSpec`'s (``columns = { unit_id = "SQDM" }`` names the units;
        ``path = ["利州区街道.shp", "昭化区街道.shp"]`` with a ``column``, each county's
        units, are its ``pieces``).
    """

    layer: str | None = None
    column: str | None = None
    columns: Mapping[str, str] = field(default_factory=dict)
    encoding: str | None = None
    units: Mapping[str, str] = field(default_factory=dict)
    datum_shift: DatumShift | None = None
    where: str | None = None
    pieces: tuple[LayerPiece, ...] = ()

    @property
    def is_census(self) -> bool:
        """Whether the population is a layer of census units: a ``column`` or ``layer`` is
        given, or the file is a vector one (:data:`VECTOR_SUFFIXES`)."""
        vector = Path(self.path).suffix.lower() in VECTOR_SUFFIXES
        return self.column is not None or self.layer is not None or vector

    def layer_spec(self) -> LayerSpec:
        """The census units as a vector layer, its count column read as ``people``."""
        columns = dict(self.columns)
        if self.column is not None:
            columns["people"] = self.column
        return LayerSpec(
            path=self.path,
            layer=self.layer,
            columns=columns,
            crs=self.crs,
            encoding=self.encoding,
            units=dict(self.units),
            datum_shift=self.datum_shift,
            where=self.where,
            pieces=self.pieces,
        )


OSM_USES: tuple[str, ...] = (
    "streets",
    "areas",
    "candidates",
    "facilities",
    "hazards",
    "buildings",
)
"""What ``[inputs.osm]`` can provide, each turned on by its word in ``use``."""

OSM_AREA_SOURCES: tuple[str, ...] = ("landuse", "blocks")
"""Where ``[inputs.osm]`` areas come from (``areas_from``): ``landuse``, the mapped
``landuse=residential`` and ``residential=*`` polygons; ``blocks``, the street
blocks where those do not cover (:mod:`siting.osm.blocks`)."""

OSM_HIGHWAY_LINES: tuple[str, ...] = (
    "motorway", "trunk", "primary", "secondary", "tertiary", "unclassified", "residential",
    "motorway_link", "trunk_link", "primary_link", "secondary_link", "tertiary_link",
    "living_street", "service", "pedestrian", "track", "bus_guideway", "escape", "raceway",
    "road", "busway", "footway", "bridleway", "steps", "corridor", "path", "via_ferrata",
    "cycleway", "construction", "proposed",
)  # fmt: skip
"""The ``highway`` values of ways (OSM wiki, ``Key:highway``: roads, link roads, special
road types, paths, and roads being built or proposed), any of which may bound a street
block (``block_highways``)."""

OSM_BLOCK_HIGHWAYS: tuple[str, ...] = (
    "motorway", "motorway_link", "trunk", "trunk_link", "primary", "primary_link",
    "secondary", "secondary_link", "tertiary", "tertiary_link", "unclassified",
    "residential", "living_street", "road", "busway", "pedestrian",
)  # fmt: skip
"""The ``highway`` values whose ways bound a street block unless ``block_highways`` says
otherwise: the road classes of osmnx's ``drive`` network, plus ``pedestrian`` streets
(:data:`siting.osm.BLOCK_HIGHWAYS`)."""

OSM_DEFAULT_HIGHWAYS = "default"
"""The item of ``block_highways`` that stands for :data:`OSM_BLOCK_HIGHWAYS`:
``["default", "service"]`` is the road classes and service roads."""


def resolve_block_highways(given: Iterable[str]) -> tuple[str, ...]:
    """``block_highways`` as ``highway`` values: :data:`OSM_DEFAULT_HIGHWAYS` replaced by
    :data:`OSM_BLOCK_HIGHWAYS`, each value once, in the order given.

    Parameters
    ----------
    given
        The values and words of ``block_highways``; others are kept, to be checked
        against :data:`OSM_HIGHWAY_LINES`.

    Returns
    -------
    tuple of str
        The values.

    Examples
    --------
    >>> resolve_block_highways(["default", "service", "residential"])[-3:]
    ('busway', 'pedestrian', 'service')
    >>> resolve_block_highways(["residential", "service"])
    ('residential', 'service')
    """
    values: list[str] = []
    for value in given:
        values += OSM_BLOCK_HIGHWAYS if value == OSM_DEFAULT_HIGHWAYS else [value]
    return tuple(dict.fromkeys(values))


OSM_DEFAULT_USES: tuple[str, ...] = OSM_USES[:5]
"""``use`` when a scenario does not say: every word but ``buildings``, which
changes how a cell's people are shared and is asked for by name."""


@dataclass(frozen=True)
class OsmSpec:
    """An OpenStreetMap file as the source of some inputs (``[inputs.osm]``).

    Read offline by :mod:`siting.osm.layers`; each layer then goes through the
    same checks as a layer given by its own file.

    Attributes
    ----------
    path
        OSM XML (``.osm``, ``.osm.xml``, ``.osm.bz2``), or OSM PBF
        (``.osm.pbf``, read through an XML copy made with pyosmium, the
        optional ``siting[pbf]``; see :mod:`siting.osm.pbf`).
    use
        What to take from the file: ``streets`` (the walking network),
        ``areas`` (``landuse=residential`` and ``residential=*`` polygons),
        ``candidates`` (public buildings, parks and idle land, R6),
        ``facilities`` (existing kindergartens and childcare, with assumed
        slots where ``capacity`` is not tagged), ``hazards`` (R9) and
        ``buildings`` (``building=*`` polygons with ``levels`` from
        ``building:levels``: with the dasymetric allocation a cell's people
        are split among the residential areas by their buildings' floor area,
        and buildings of non-residential kinds, such as ``building=school``
        or ``office``, hold none; see
        :data:`siting.osm.NON_RESIDENTIAL_BUILDINGS`). Without ``use``, every
        word but ``buildings`` (:data:`OSM_DEFAULT_USES`).
    area_status
        The status of every OSM residential area: ``"old"`` (the raster's
        residents, 8 per 1,000, R2) or ``"rural"``. OSM does not say whether an
        area is newly built, and a new area needs its planned dwellings (R1).
    existing_slots_default
        Slots assumed at an OSM kindergarten or childcare centre without a
        ``capacity`` tag: 20, one 托大班 (24–36 months, at most 20 children,
        国卫人口发〔2019〕58号), the nursery class a kindergarten adds under
        托幼一体化. Outputs mark these slots ``"assumed default"``.
    areas_from
        Where the areas come from, any of :data:`OSM_AREA_SOURCES`: ``["landuse"]``
        (the default) takes the mapped residential polygons alone;
        ``["landuse", "blocks"]`` adds the street blocks (the land the streets
        enclose, less parks, schools, industry, water and other non-residential
        land use: :data:`siting.osm.NON_RESIDENTIAL_LAND`) where those polygons do
        not cover, for an extract that maps little residential land; ``["blocks"]``
        takes street blocks alone.
    block_min_area_m2
        Smallest street block kept, in m² of land: 1,000 (0.1 ha; the smallest
        居住街坊 of GB 50180-2018 is 2 ha, a junction's traffic islands are smaller).
    block_max_area_m2
        Largest street block kept, in m² of land: 1,000,000 (1 km², about twice a
        10-minute life circle of GB 50180-2018). A larger face is land the mapped
        streets do not divide (farmland, hills, a district without mapped streets);
        its people stay in the residual.
    block_min_width_m
        Narrowest land kept in a street block, in metres: 20. Land narrower than
        that goes (the strip between a dual carriageway's centre lines, the ring a
        mapped residential polygon leaves in its block); a wider corner stays.
    block_highways
        The ``highway`` values whose ways bound a street block, any of
        :data:`OSM_HIGHWAY_LINES`: by default :data:`OSM_BLOCK_HIGHWAYS`, the road
        classes of osmnx's ``drive`` network and ``pedestrian`` streets, for which
        the item ``"default"`` stands (:func:`resolve_block_highways`). Give
        ``["default", "service"]`` where a city's lanes are mapped as service roads
        (central Taichung's 巷); footways and service roads otherwise split every
        compound into its lawns.
    """

    path: Path
    use: tuple[str, ...] = OSM_DEFAULT_USES
    area_status: str = "old"
    existing_slots_default: int = 20
    areas_from: tuple[str, ...] = ("landuse",)
    block_min_area_m2: float = 1_000.0
    block_max_area_m2: float = 1_000_000.0
    block_min_width_m: float = 20.0
    block_highways: tuple[str, ...] = OSM_BLOCK_HIGHWAYS


@dataclass(frozen=True)
class StreetBlocksSpec:
    """The street blocks of a layer of street centrelines, written on its entry:
    ``streets = { path = "道路中心线.shp", blocks = true, block_status = "rural",
    block_max_area_m2 = 2000000 }``.

    Attributes
    ----------
    status
        ``block_status``: the status of every block, ``"old"`` or ``"rural"`` (as
        :attr:`OsmSpec.area_status`).
    min_area_m2, max_area_m2, min_width_m
        ``block_min_area_m2``, ``block_max_area_m2``, ``block_min_width_m``: the sizes of
        the blocks kept, as :class:`OsmSpec`'s keys of those names, which they override;
        ``None``: ``[inputs.osm]``'s when the scenario gives it, else their defaults.
    """

    status: str = "old"
    min_area_m2: float | None = None
    max_area_m2: float | None = None
    min_width_m: float | None = None


@dataclass(frozen=True)
class InputsSpec:
    """The input layers of a run.

    ``population`` is required; ``areas`` and ``parcels`` are required unless
    ``osm`` provides them (its ``use`` lists ``areas`` and ``candidates``).

    Attributes
    ----------
    population
        Resident population: a raster (persons per cell), or a layer of census
        units with a count column (:class:`PopulationSpec`).
    areas
        Residential-area polygons (``area_id``, ``name``, ``status``, ...).
    parcels
        Candidate parcels: idle and underused land, public buildings, employer sites.
    facilities
        Existing childcare facilities (points or polygons) with current ``slots``.
    districts
        County/district units (区/县), for the demonstration rule (R5) and reports.
    subdistricts
        Streets and townships (街道/乡镇) inside the districts, for reports (R11).
    workplaces
        Workplaces with ``migrant_workers`` counts (R4).
    hazards
        Petrol stations and power lines (R9).
    migrant_population
        Optional raster of the migrant (floating) population (R4).
    streets
        Optional street network: OSM XML (``.osm``, ``.osm.bz2``), GraphML, or a layer
        of street centrelines (a bureau's 道路中心线, Geofabrik's roads; ``.shp``,
        ``.gpkg``, ``.gdb``, ``.zip`` ...). Written ``streets = { path, layer, crs,
        encoding, where }`` for a line layer, the keys besides ``path`` go to ``street_lines``
        (and ``blocks``, ``block_status`` and the ``block_*`` sizes to ``street_blocks``).
    children
        Optional raster of young children (for example WorldPop's age 0–1 plus
        1–4 bands); its demand estimate is reported beside the ratio-based one.
    buildings
        Optional building footprints with ``floor_area_m2`` or ``levels``: with
        the dasymetric allocation, a cell's people are split among the
        residential areas by the floor area of their buildings. A building
        whose ``residential`` is false, or whose ``building`` kind is a
        non-residential one (:data:`siting.osm.NON_RESIDENTIAL_BUILDINGS`),
        holds nobody.
    street_lines
        The line layer of ``streets`` as a layer entry (its ``layer``, ``crs``,
        ``encoding`` and ``where``), when the scenario gives more than its path; ``None`` reads the
        file's one layer with its own CRS.
    street_blocks
        The street blocks a layer of street centrelines gives as residential areas
        (``streets = { path = "道路中心线.shp", blocks = true }``, with ``block_status``
        and the ``block_*`` sizes: :class:`StreetBlocksSpec`): the land its streets
        enclose, less the areas' and the candidate parcels' land
        (:mod:`siting.inputs._street_blocks`). ``None``: no blocks.
    osm
        Optional OpenStreetMap file providing streets, areas, candidates,
        facilities, hazards and buildings. A layer given both ways is read from both and
        merged (its ``source`` column says ``"layer"`` or ``"osm"``); streets
        given both ways come from ``streets`` and the run notes it.
    """

    # the first type is the one the scenario file builds (siting.scenario.load)
    population: PopulationSpec | RasterSpec
    areas: LayerSpec | None = None
    parcels: LayerSpec | None = None
    facilities: LayerSpec | None = None
    districts: LayerSpec | None = None
    subdistricts: LayerSpec | None = None
    workplaces: LayerSpec | None = None
    hazards: LayerSpec | None = None
    migrant_population: RasterSpec | None = None
    streets: Path | None = None
    children: RasterSpec | None = None
    buildings: LayerSpec | None = None
    osm: OsmSpec | None = None
    street_lines: LayerSpec | None = None
    street_blocks: StreetBlocksSpec | None = None


@dataclass(frozen=True)
class Ratios:
    """Required childcare slots per 1,000 residents, by area class.

    Attributes
    ----------
    new
        New residential areas (新建居住区): 10 per 1,000, built with the housing (R1).
        Source: 广府办发〔2020〕17号.
    old
        Old city and existing areas (老城区和已建成居住区): 8 per 1,000 (R2). Same source.
    rural
        Rural communities (R3). The policy sets no ratio; the default is the
        national 2025 target of 4.5 per 1,000 (14th Five-Year Plan).
    migrant
        Applied to the migrant population (R4); by default the old-area ratio.
    national_target
        The national 4.5 per 1,000 (2025), shown beside the local ratios in reports.
    """

    new: float = 10.0
    old: float = 8.0
    rural: float = 4.5
    migrant: float = 8.0
    national_target: float = 4.5


@dataclass(frozen=True)
class Radii:
    """Service distances in metres of walking.

    Attributes
    ----------
    urban_m
        300 m, the 5-minute life circle (GB 50180; JGJ 39 §3.1.3).
    rural_m
        Rural areas get a longer distance (R3); 1,000 m is the 15-minute
        life circle (GB 50180-2018, TD/T 1062-2021).
    new_beside_m
        A site "beside" a new development (R1) lies within this distance of its boundary.
    workplace_m
        Migrant demand at a workplace may be met by sites within this distance (R4).
    """

    urban_m: float = 300.0
    rural_m: float = 1000.0
    new_beside_m: float = 100.0
    workplace_m: float = 500.0


@dataclass(frozen=True)
class DemandSettings:
    """How demand is estimated.

    Attributes
    ----------
    allocation
        How a raster cell's people are shared among the residential areas:
        ``"dasymetric"`` (default: every person of a cell that residential
        areas touch goes to them, in proportion to their overlap; the people of
        cells no area touches are the reported *residual*) or
        ``"area_weighted"`` (a cell counts by the share of it an area covers;
        the people on roads and open land between blocks are lost to the plan).
    residual_to_nearest_m
        Give the residual people of a cell to the nearest residential area
        within this many metres (default: off). The report says how many moved.
        Only the study area's residual moves (cells inside the districts, or
        over the areas' box without them), so a reach of any length counts no
        cell beyond the window the raster's values are checked in (the areas'
        and districts' box + 2 km).
    children_under3_share
        Share of the children raster's people who are under three: 1.0 for a
        raster of 0–2-year-olds, 0.6 for WorldPop's 0–4 (ages 0–1 plus 1–4).
    max_persons_per_km2
        The highest plausible density of a population raster's cell: 100,000
        persons per km² (1,000 in a 100 m × 100 m cell). No city district
        averages more, but single 90 m cells of old quarters do (GHS-POP
        gives Naples' 215,000), so denser cells are a warning naming them;
        cells denser than ten times this (a million per km², 10,000 people in
        a 100 m cell) are an error: a units mistake, such as a raster of
        persons per km² or per hectare read as persons per cell.
    persons_per_household
        Guangyuan 2020: 2.36. Planned population of a new area = dwellings × this.
    birth_rate_per_1000
        Crude birth rate, Guangyuan 2021: 6.2‰.
    takeup
        Share of families with infants who want childcare: "over 30%" (national survey).
    migrant_persons_per_worker
        Migrant population counted per migrant worker at a workplace (R4). 1.0
        counts the workers themselves; raise it to count accompanying family.
    residents
        Where an old or rural area's residents come from: ``"population"`` (default:
        the ``[inputs.population]`` raster's or census units' people on its land) or
        ``"dwellings"`` (its dwellings × persons per household, where the area gives
        its dwellings: a 住建 or 物业 register of 小区 with 户数, the planning practice
        of 规划人口 = 户数 × 户均人口; an area without dwellings keeps the population's
        people). A new area's are its dwellings × persons per household either way.
        Its migrants (``migrant_share``) are a share of the same residents.
    round_up
        Round each area's required slots up to a whole slot before the model
        serves them (the old behaviour). Off by default: the policy's ratio
        applies to a residential district (居住区), not to each polygon, and
        rounding thousands of small areas up inflates a city's demand (17.6 %
        on a real 5,759-area city). The model serves the raw requirement, and
        counts are rounded once where they are reported (per district; per area
        only when it needs a whole class).
    """

    persons_per_household: float = 2.36
    birth_rate_per_1000: float = 6.2
    takeup: float = 0.30
    migrant_persons_per_worker: float = 1.0
    round_up: bool = False
    residents: str = "population"
    allocation: str = "dasymetric"
    residual_to_nearest_m: float | None = None
    children_under3_share: float = 1.0
    max_persons_per_km2: float = 100_000.0


@dataclass(frozen=True)
class SizeOption:
    """A facility size: a mix of classes (托育机构设置标准（试行）, 国卫人口发〔2019〕58号).

    Attributes
    ----------
    name
        The option's name, used in outputs.
    infant
        乳儿班 (6–12 months, at most 10 children).
    toddler
        托小班 (12–24 months, at most 15).
    older
        托大班 (24–36 months, at most 20).
    mixed
        Mixed classes from 18 months (at most 18).
    demonstration
        Whether this is the demonstration tier (示范性, R5): large, with training rooms.
    extra_floor_m2
        Floor area beyond the slots' own, for training rooms and parent classes.
    """

    name: str
    infant: int = 0
    toddler: int = 0
    older: int = 0
    mixed: int = 0
    demonstration: bool = False
    extra_floor_m2: float = 0.0

    @property
    def classes(self) -> int:
        """Number of classes."""
        return self.infant + self.toddler + self.older + self.mixed

    @property
    def slots(self) -> int:
        """Full-day-equivalent slots at the standard's class sizes (10/15/20/18)."""
        return 10 * self.infant + 15 * self.toddler + 20 * self.older + 18 * self.mixed


def _default_options() -> tuple[SizeOption, ...]:
    return (
        SizeOption("small-1", mixed=1),
        SizeOption("small-2", toddler=1, older=1),
        SizeOption("small", infant=1, toddler=1, older=1),
        SizeOption("medium", infant=1, toddler=2, older=2),
        SizeOption("large", infant=2, toddler=3, older=4),
        SizeOption(
            "demonstration", infant=2, toddler=3, older=4, demonstration=True, extra_floor_m2=300.0
        ),
    )


@dataclass(frozen=True)
class FacilitySettings:
    """Facility sizing rules.

    Attributes
    ----------
    options
        The size options a site may take. Defaults: the small class of JGJ 39
        (1–3 classes) as one mixed class (small-1, 18 slots: a community
        childcare point, 社区托育点, for children from 18 months), 托小班 +
        托大班 (small-2, 35 slots) and 1+1+1 classes (small, 45 slots); medium
        1+2+2 = 80 slots in 5 classes, large 9 classes (145 slots) and the
        demonstration tier (large plus 300 m² of training rooms). DOMAIN.md §2.
    floor_m2_per_slot
        Gross floor area per slot, about 9 m² (derived from Xiamen's 900 m² per
        10,000 residents at 10 slots per 1,000).
    outdoor_m2_per_slot
        Outdoor play area, at least 3 m² per child (JGJ 39-2016).
    max_floors
        Children's rooms on floor 3 or lower (JGJ 39; WS/T 821-2023): a new
        building's footprint is at least floor area / 3.
    reuse_max_floor_share
        Share of a reused public building's floor (park building, community
        centre, ...) that childcare may take.
    existing_can_expand
        Whether existing facilities may add slots.
    existing_max_extra_slots
        The most slots an existing facility may add.
    service_types
        Service mix offered (R7): full-day, half-day, hourly and temporary care.
    """

    options: tuple[SizeOption, ...] = field(default_factory=_default_options)
    floor_m2_per_slot: float = 9.0
    outdoor_m2_per_slot: float = 3.0
    max_floors: int = 3
    reuse_max_floor_share: float = 0.5
    existing_can_expand: bool = True
    existing_max_extra_slots: int = 40
    service_types: tuple[str, ...] = ("full_day", "half_day", "hourly", "temporary")


_LAND_PER_M2: Mapping[str, float] = {
    "new_build": 3000.0,
    "purchase": 3000.0,
    "swap": 3000.0,
    "reuse": 0.0,
}
"""Default land price per m² by acquisition mode (an assumption, see :class:`Costs`)."""


@dataclass(frozen=True)
class Costs:
    """Costs, in the scenario's ``currency`` (CNY by default).

    A parcel is priced one of two ways, and each option and each planned
    facility records which in its ``cost_basis`` column:

    * **"parcel cost"**: the parcel has a ``cost`` (its price); an option costs
      ``cost × acquisition_factor[mode]``, plus construction or fit-out.
    * **"land price"**: the parcels layer has no ``cost`` column, or the
      parcel's ``cost`` is empty. The option pays for the land it needs at
      :attr:`land_per_m2` of its acquisition mode, plus construction or
      fit-out. On bare land it needs the facility's footprint, floor ÷
      ``facility.max_floors`` plus the outdoor play area; in an existing
      building (``floor_area_m2`` given) the building is already there, so it
      needs only the outdoor play area (the yard the parcel's ``land_area_m2``
      must hold). That prices the building itself at its fit-out alone: give
      such parcels a ``cost`` when their price is known.

    Attributes
    ----------
    acquisition_factor
        Multiplier on the parcel ``cost`` by acquisition mode (R2: purchase,
        swap, lease; R6: reuse of public buildings; new_build on idle land).
        It does not apply to land priced at :attr:`land_per_m2`.
    land_per_m2
        Land price per m² by acquisition mode, for parcels without a ``cost``.
        Defaults: 3,000 for ``new_build`` (idle land), ``purchase`` and
        ``swap`` (about 2 million per mu), 0 for ``reuse`` (public buildings
        lend their land, R6). These are assumptions, of the order of
        residential and public-service land in a prefecture city such as
        Guangyuan; no official benchmark price (基准地价) is encoded, so set
        your city's. A mode left out of a scenario's table keeps its
        default. ``lease`` is absent by default: leased land pays the
        capitalised rent (:attr:`lease_rent_per_m2_year` over
        :attr:`lease_years`); a ``lease`` key here replaces that with a
        price per m² of its own.
    lease_rent_per_m2_year
        Annual land rent per m² of a leased parcel: 150, an assumption of 5 %
        of the 3,000 land price a year.
    lease_years
        Years of rent a lease is capitalised over: 10 by default (an
        assumption; 国卫人口发〔2019〕58号 asks for a lease of at least 3 years).
    discount_rate
        Rate at which future rent is discounted. Rent is paid at the start
        of each year, so the capitalised rent per m² is
        ``rent × (1 + r) × (1 − (1 + r)^−n) / r`` (``rent × n`` when ``r = 0``).
        Default 0.08, the social discount rate (社会折现率) of 建设项目经济评价方法与参数
        (third edition, 2006): 150 a year over 10 years is about 1,087 per m².
    construction_per_m2
        Building cost per m² of new floor (new_build).
    fitout_per_m2
        Fit-out cost per m² in an existing building (purchase, swap, lease, reuse).
    demonstration_extra
        Extra cost of the demonstration tier's equipment and training rooms.
    expansion_per_slot
        Cost of one extra slot at an existing facility.
    """

    acquisition_factor: Mapping[str, float] = field(
        default_factory=lambda: {
            "new_build": 1.0,
            "purchase": 1.0,
            "swap": 1.0,
            "lease": 1.0,
            "reuse": 1.0,
        }
    )
    land_per_m2: Mapping[str, float] = field(default_factory=lambda: dict(_LAND_PER_M2))
    lease_rent_per_m2_year: float = 150.0
    lease_years: int = 10
    discount_rate: float = 0.08
    construction_per_m2: float = 4000.0
    fitout_per_m2: float = 1500.0
    demonstration_extra: float = 500_000.0
    expansion_per_slot: float = 20_000.0

    def capitalised_rent(self, rent_per_m2_year: float) -> float:
        """A yearly rent per m² paid over :attr:`lease_years`, in advance and discounted.

        Examples
        --------
        >>> round(Costs().capitalised_rent(150.0), 1)
        1087.0
        >>> Costs(discount_rate=0.0).capitalised_rent(100.0)
        1000.0
        """
        years, rate = self.lease_years, self.discount_rate
        if rate == 0:
            return rent_per_m2_year * years
        return rent_per_m2_year * (1 + rate) * (1 - (1 + rate) ** -years) / rate

    @property
    def lease_per_m2(self) -> float:
        """The price of a m² of leased land: ``land_per_m2["lease"]``, or the capitalised rent.

        Examples
        --------
        >>> round(Costs().lease_per_m2, 1)
        1087.0
        >>> Costs(discount_rate=0.0).lease_per_m2
        1500.0
        """
        if "lease" in self.land_per_m2:
            return float(self.land_per_m2["lease"])
        return self.capitalised_rent(self.lease_rent_per_m2_year)

    def land_price(self, mode: str) -> float:
        """Price of a m² of land acquired by ``mode``; 0 for a mode without a price.

        Examples
        --------
        >>> Costs().land_price("purchase"), Costs().land_price("reuse")
        (3000.0, 0.0)
        """
        if mode == "lease":
            return self.lease_per_m2
        return float(self.land_per_m2.get(mode, _LAND_PER_M2.get(mode, 0.0)))


@dataclass(frozen=True)
class HazardSettings:
    """Safety buffers (R9), DOMAIN.md §3.

    Attributes
    ----------
    petrol_station_m
        At least 50 m from a petrol station (GB 50156).
    power_line_m_by_kv
        Protection zone by voltage (电力设施保护条例): up to 10 kV 5 m, 35–110 kV
        10 m, 154–330 kV 15 m, 500 kV 20 m. Keys are the upper voltage of each band.
    power_line_default_m
        Buffer for a power line without a voltage.
    mall_m
        Distance to keep from large malls and markets (JGJ 39 §3.1.2), if enabled.
    enabled
        Which hazard kinds are applied.
    """

    petrol_station_m: float = 50.0
    power_line_m_by_kv: Mapping[str, float] = field(
        default_factory=lambda: {"10": 5.0, "110": 10.0, "330": 15.0, "500": 20.0}
    )
    power_line_default_m: float = 10.0
    mall_m: float = 100.0
    enabled: tuple[str, ...] = ("petrol_station", "power_line")


@dataclass(frozen=True)
class NetworkSettings:
    """Walking distance settings.

    Attributes
    ----------
    walking_speed_m_per_min
        60–80 m/min in common planning tools; 70 by default.
    detour_factor
        Without a street network, walking distance = straight line × this.
    """

    walking_speed_m_per_min: float = 70.0
    detour_factor: float = 1.3


@dataclass(frozen=True)
class Policy:
    """Which rules apply and how strictly.

    Attributes
    ----------
    demonstration_per_district
        Demonstration facilities required per county/district (R5): 1 by end 2020.
    budget
        Optional total budget, in the scenario's ``currency``.
    min_affordable_share
        Optional minimum share of planned slots that are affordable (普惠, R8).
    new_areas_colocated_only
        New areas are served only by the facility built with the housing (R1).
    """

    demonstration_per_district: int = 1
    budget: float | None = None
    min_affordable_share: float | None = None
    new_areas_colocated_only: bool = True


@dataclass(frozen=True)
class SolverSettings:
    """Solver settings.

    Attributes
    ----------
    name
        ``"highs"`` (default, through highspy), ``"cbc"`` (bundled with PuLP) or
        ``"cpsat"``: the cost stage on OR-Tools CP-SAT (``pip install 'siting[cpsat]'``),
        the shortfall and distance stages on HiGHS. On dense cities CP-SAT finds a far
        cheaper plan in a minute than HiGHS does (5,000 areas: 1,513 M CNY against
        1,601 M, ``python -m benchmarks.solvers``), but proves a much weaker bound, so
        the reported gap is larger.
    time_limit_s
        Wall-clock limit per solve.
    gap
        Relative MIP gap at which the solver may stop. A plan stopped above 0.01 %
        is reported as "feasible, gap x %", never as optimal.
    threads
        Solver threads; ``None`` lets the solver choose.
    cost_search
        With HiGHS, what works on the cost stage besides it (:mod:`siting.search`):
        ``"local"`` (a local search over sites and sizes, which also polishes HiGHS's
        plans), ``"lagrangian"`` (a Lagrangian bound) and ``"regions"`` (regions of
        sites re-planned exactly one at a time, beside HiGHS on two threads or more;
        on one thread followed by a bound from the regions' own integer programs).
        ``[]``: HiGHS alone.
    """

    name: str = "highs"
    time_limit_s: float = 120.0
    gap: float = 0.005
    threads: int | None = None
    cost_search: tuple[str, ...] = ("local", "lagrangian", "regions")


@dataclass(frozen=True)
class AccessibilitySettings:
    """Access scores, life-circle coverage and childcare deserts of a plan (issue #13).

    Measured before (existing facilities only) and after (the plan) by
    :mod:`siting.lifecircle`; they describe a plan and never change it.

    Attributes
    ----------
    life_circle_minutes
        The life circles, in minutes of walking at ``network.walking_speed_m_per_min``:
        5, 10 and 15 (the 5-, 10- and 15-minute life circles of GB 50180-2018 and
        TD/T 1062-2021). Coverage is reported within each, and they are the
        edges of the E2SFCA bands.
    band_weights
        The E2SFCA weight of each band (a walk up to the first circle, then
        up to the second, ...): 1.0, 0.68 and 0.22, the step weights of Luo &
        Qi (2009).
    desert_per_1000
        An area whose access score (E2SFCA slots per 1,000 residents) is below
        this is a childcare desert. ``None`` (default): half of the area's own
        target ratio (5 for new, 4 for old and 2.25 for rural areas).
    """

    life_circle_minutes: tuple[float, ...] = (5.0, 10.0, 15.0)
    band_weights: tuple[float, ...] = (1.0, 0.68, 0.22)
    desert_per_1000: float | None = None


LEASE_STATUSES: tuple[str, ...] = ("old", "rural")
"""The area statuses ``candidates.lease_in_areas.status`` may list (R2's old areas, R3's
rural ones; a new area's facility is built with its housing, R1)."""


@dataclass(frozen=True)
class LeaseInAreas:
    """A leased unit offered in each residential area no candidate parcel reaches (R2).

    R2 lets old and existing areas reach their ratio "by purchase, swap or lease"
    (购置、置换、租赁): in practice by renting a unit in or beside the 小区 (社区用房, a
    ground-floor 底商). A city that hands over no parcel inventory (an OpenStreetMap
    extract alone) otherwise ends with "no site within walking distance" in its old
    areas. With this table each area of :attr:`status` that holds people gets a
    candidate ``lease/<area_id>`` (kind ``leased_space``, acquisition ``lease``) at its
    point: an assumed unit, still to be found, never a surveyed premises.

    Real candidates come first (R6: idle land and public buildings): an area gets no
    leased unit, whatever either costs, when the candidate parcels within its radius
    could hold its requirement (each at its largest size); a unit kept competes with
    them on cost and may serve the neighbours it reaches.

    Attributes
    ----------
    status
        The area statuses that get a unit: ``["old"]`` by default (R2); ``"rural"`` too.
    floor_m2
        The largest unit assumed findable, in m² of floor: 405 by default, the floor of
        the ``small`` size (45 slots × 9 m², JGJ 39's small nursery of 1–3 classes,
        DOMAIN.md §2), the most a ground-floor unit or 社区用房 of an old 小区 is
        likely to give; ``medium`` (720 m²) needs a building of its own. The sizes whose
        floor it holds may be opened; the plan leases only the floor of the size chosen.
    rent_per_m2_year
        Yearly rent per m² of the unit's floor, capitalised over ``costs.lease_years``
        at ``costs.discount_rate``. ``None`` (default): ``costs.lease_rent_per_m2_year``
        (150 a year, 12.5 a month: an assumption; a shop's rent in a large city's old
        quarter is several times that, so set your city's).
    """

    status: tuple[str, ...] = ("old",)
    floor_m2: float = 405.0
    rent_per_m2_year: float | None = None


@dataclass(frozen=True)
class CandidateSettings:
    """Candidate sites siting adds to the inputs' parcels, each opted into.

    Attributes
    ----------
    lease_in_areas
        A leased unit in each residential area no candidate reaches
        (:class:`LeaseInAreas`): ``None`` (default) offers none. ``{}`` (or ``true``)
        takes its defaults.
    """

    lease_in_areas: LeaseInAreas | None = None


SOLVERS: tuple[str, ...] = ("highs", "cbc", "cpsat")
"""The values ``solver.name`` may take."""

PARTITIONS: tuple[str, ...] = ("district",)
"""The values ``run.partition`` may take."""


@dataclass(frozen=True)
class RunSettings:
    """How a run is split (issue #12: a province, county by county).

    Attributes
    ----------
    partition
        ``None`` (default): one model for the whole study area. ``"district"``: one
        model per county/district, each county's demand met by sites in that county
        (county responsibility, R5/R11), solved one by one or on a Dask cluster
        (``siting plan --workers N`` / ``--scheduler``) and merged into one plan.
    cross_border_m
        With ``partition``: residential areas within this many metres of another
        district may also be served by that district's sites, in a border pass after
        the counties (:mod:`siting.province.border`). 0 (default): county
        responsibility only.
    """

    partition: str | None = None
    cross_border_m: float = 0.0


PHASE_RULES: tuple[str, ...] = ("ratios", "demonstration", "affordable")
"""The rules a phase may put in force (``phases[].rules``)."""


@dataclass(frozen=True)
class Phase:
    """One year of a phased plan (``[[phases]]``): what must hold by its end, and its money.

    The policy is phased: a demonstration facility in every county/district by
    the end of 2020 (R5), the slot ratios by 2025 (R2–R4; 14th Five-Year Plan).
    A facility opened in a year stays open in every later year; an existing
    facility may expand once, in any year. See :mod:`siting.phasing`.

    Attributes
    ----------
    year
        The year (the end of which the phase's targets are due).
    share
        The share of the final requirement (the ``[ratios]``) to reach by this
        year, in [0, 1]. Leave it out for 1 (or 0 when ``rules`` leaves out
        ``"ratios"``). Not with ``ratios``.
    ratios
        Instead of ``share``: this year's slots per 1,000 residents by area class
        (``new``, ``old``, ``rural``, ``migrant``), each at most the final ratio
        of ``[ratios]``; a class left out takes the final ratio.
    budget
        The money that may be spent in this year (new facilities opened and
        expansions made in it), in the scenario's ``currency``; not carried
        over. Leave it out for no yearly limit (``policy.budget``, when given,
        still bounds the total over all years).
    rules
        The rules in force by the end of the year: ``"ratios"`` (the slot
        requirement above), ``"demonstration"`` (R5, ``policy.demonstration_per_district``)
        and ``"affordable"`` (R8, ``policy.min_affordable_share``). All three by
        default; 2020 of the policy is ``["demonstration"]``.
    """

    year: int
    share: float | None = None
    ratios: Mapping[str, float] = field(default_factory=dict)
    budget: float | None = None
    rules: tuple[str, ...] = PHASE_RULES


@dataclass(frozen=True)
class Scenario:
    """One planning run.

    Attributes
    ----------
    name
        A label for reports.
    currency
        The currency every cost and the budget are in, as reports, maps and
        the command line print it: ``"CNY"`` (元) by default. It only labels
        the numbers; nothing is converted.
    crs
        The working CRS, metric. ``None`` keeps the areas' own projected CRS when it
        measures the study area within 1 %, else picks the CGCS2000 3° Gauss–Krüger
        zone for areas in CGCS2000 degrees, else the UTM zone of the study area.
        For Guangyuan use EPSG:4544 (CGCS2000 3° Gauss–Krüger, CM 105°E).
    inputs
        The input layers; ``None`` for a scenario used only from Python.
    candidates
        Candidate sites siting adds to the parcels, opted into
        (:class:`CandidateSettings`: a leased unit in each area no parcel reaches).
    phases
        The years of a phased plan (``[[phases]]``, :class:`Phase`), earliest
        first; empty (the default) for one plan with no years.
    """

    name: str = "scenario"
    currency: str = "CNY"
    crs: str | None = None
    inputs: InputsSpec | None = None
    ratios: Ratios = field(default_factory=Ratios)
    radii: Radii = field(default_factory=Radii)
    demand: DemandSettings = field(default_factory=DemandSettings)
    facility: FacilitySettings = field(default_factory=FacilitySettings)
    costs: Costs = field(default_factory=Costs)
    candidates: CandidateSettings = field(default_factory=CandidateSettings)
    hazards: HazardSettings = field(default_factory=HazardSettings)
    network: NetworkSettings = field(default_factory=NetworkSettings)
    policy: Policy = field(default_factory=Policy)
    solver: SolverSettings = field(default_factory=SolverSettings)
    run: RunSettings = field(default_factory=RunSettings)
    accessibility: AccessibilitySettings = field(default_factory=AccessibilitySettings)
    phases: tuple[Phase, ...] = ()

    def replace(self, **changes: Any) -> Scenario:
        """Return a copy with some top-level fields replaced.

        Raises
        ------
        ScenarioError
            A field the scenario does not have (``ratio=`` for ``ratios=``), naming the
            fields it has; it was Python's bare ``TypeError``.
        """
        fields = [f.name for f in dataclasses.fields(self)]
        unknown = sorted(set(changes) - set(fields))
        if unknown:
            raise ScenarioError(
                f"a scenario has no field {', '.join(unknown)}. Fix: replace one of "
                f"{', '.join(fields)} (a nested setting through its table: "
                "policy=dataclasses.replace(scenario.policy, budget=...))"
            )
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """The scenario as plain JSON-ready values (paths as strings)."""
        plain: dict[str, Any] = _plain(dataclasses.asdict(self))
        return plain


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value


_KNOWN_ACQUISITION = ("new_build", "purchase", "swap", "lease", "reuse")

HAZARD_KINDS: tuple[str, ...] = ("petrol_station", "power_line", "mall", "market", "arterial_road")
"""The hazard kinds ``hazards.enabled`` may list (those of :mod:`siting.osm.features`)."""
