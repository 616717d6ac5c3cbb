"""Read, validate and normalize the input layers and rasters of a run.

Every vector layer is read with GDAL (through pyogrio) from any format it
reads: GeoPackage (with a layer name), Shapefile, GeoJSON, FlatGeobuf. Rasters
are read with rasterio. Validation collects every problem in every layer, then
raises one :class:`~siting.errors.InputError`; :func:`validate` returns the same
problems without raising. Each problem names the file, the layer, the column,
the offending ids and the fix.

After validation every layer is renamed to ``siting``'s column names, typed,
reprojected to the working CRS, indexed by its id (``area_id``, ``site_id``,
...) and given defaults for the optional columns it lacks. Geometry repairs and
choices ``siting`` made on the user's behalf are listed in :attr:`Inputs.notes`;
what the inputs do to the plan that a planner must weigh (a layer on an old datum used
without a shift) in :attr:`Inputs.findings`, which the run lists among its findings.
No input file is ever written to.

The canonical schemas (``siting`` names; map yours with ``[inputs.<layer>.columns]``):

========================  =================================================================
layer                     columns
========================  =================================================================
areas (polygons/points)   area_id, name, name_en, status (new/old/rural), dwellings,
                          migrant_share, district_id, subdistrict_id
parcels (polygons/points) site_id, name, kind, acquisition, land_area_m2, floor_area_m2,
                          cost, affordable, district_id
facilities                facility_id, name, slots, affordable, demonstration, district_id
districts (polygons)      district_id, name, name_en
subdistricts (polygons)   subdistrict_id, name, district_id
workplaces                workplace_id, name, migrant_workers
hazards                   hazard_id, kind, voltage_kv, name
========================  =================================================================

The modules of this package, in the order the data flows through them:

=========================  ============================================================
module                     owns
=========================  ============================================================
``_schema``                each layer's id, geometry types and columns (kinds, ranges,
                           defaults, Chinese and English aliases)
``_problems``              collecting problems and notes, and wording them
``_vector``                reading one vector layer: file, layer, columns, ids, geometry
``_columns``               typing a layer's columns (text, choices, yes/no, numbers)
``_raster``                checking a population raster: CRS, band, and its values
                           (negative, NaN and implausibly dense cells)
``_crs``                   the working CRS, reprojection, the study-area check and
                           coordinates that are not degrees in a geographic CRS
``_catchments``            the land of residential areas given as points (a 小区 list)
``_datum``                 a layer on Xian 1980 or Beijing 1954 moved to CGCS2000 by the
                           bureau's transformation (``datum_shift``), or found without one
``_districts``             filling in and checking district and subdistrict ids
``_checks``                checks across layers (facility ids that are parcel ids) and
                           duplicated geometries
``_streets``               parsing the street network and its coverage of the areas
``_osm``                   the layers ``[inputs.osm]`` gives (:mod:`siting.osm.layers`),
                           checked like a file's and merged with explicit layers
``_load``                  :class:`Inputs`, :func:`read_layer`, :func:`validate`,
                           :func:`check_inputs`, :func:`load_inputs`, :func:`flat_loaded`,
                           :func:`complete_loaded`, :func:`load_frames`
=========================  ============================================================
"""

from __future__ import annotations

from siting.inputs._catchments import DEFAULT_RADIUS_M, LAND_M2_PER_DWELLING
from siting.inputs._census import read_census_units
from siting.inputs._checks import (
    check_frame,
    check_loaded,
    read_frame_choices,
    read_loaded_choices,
)
from siting.inputs._load import (
    Inputs,
    InputsCheck,
    check_inputs,
    complete_loaded,
    flat_loaded,
    load_frames,
    load_inputs,
    read_layer,
    validate,
)
from siting.inputs._raster import age_group_warning, age_range, ages_said
from siting.inputs._schema import FALSE_WORDS, LAYER_NAMES, TRUE_WORDS
from siting.inputs._vector import UNITS

__all__ = [
    "DEFAULT_RADIUS_M",
    "FALSE_WORDS",
    "LAND_M2_PER_DWELLING",
    "LAYER_NAMES",
    "TRUE_WORDS",
    "UNITS",
    "Inputs",
    "InputsCheck",
    "age_group_warning",
    "age_range",
    "ages_said",
    "check_frame",
    "check_inputs",
    "check_loaded",
    "complete_loaded",
    "flat_loaded",
    "load_frames",
    "load_inputs",
    "read_census_units",
    "read_frame_choices",
    "read_layer",
    "read_loaded_choices",
    "validate",
]
