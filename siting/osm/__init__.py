"""OpenStreetMap: candidate sites, hazards and a scenario's input layers.

========================  ==============================================================
module                    owns
========================  ==============================================================
``siting.osm.features``   candidate sites and hazards by tag rules, hazard buffers and
                          excluding sites inside them (:func:`candidates_from_osm`,
                          :func:`hazards_from_osm`, :func:`hazard_buffers`,
                          :func:`exclude_hazardous`)
``siting.osm.blocks``     residential areas from street blocks: the land the streets
                          enclose, less non-residential land use (:func:`street_blocks`)
``siting.osm.layers``     the layers ``[inputs.osm]`` gives a scenario (streets, areas,
                          candidates, facilities, hazards, buildings) from one reading
                          of the file (:func:`read_osm_layers`)
========================  ==============================================================
"""

from __future__ import annotations

from siting.osm.blocks import (
    BLOCK_BARRIERS,
    BLOCK_HIGHWAYS,
    BLOCK_ID_PREFIX,
    BLOCK_ID_PREFIXES,
    NON_RESIDENTIAL_LAND,
    STREET_BLOCK_ID_PREFIX,
    BlockCounts,
    BlockRules,
    street_blocks,
)
from siting.osm.features import (
    CANDIDATE_KINDS,
    CANDIDATE_RULES,
    HAZARD_KINDS,
    TagRule,
    candidates_from_osm,
    exclude_hazardous,
    hazard_buffers,
    hazards_from_osm,
    parse_levels,
    parse_voltage_kv,
)
from siting.osm.layers import (
    AREA_TAGS,
    BUILDING_TAGS,
    FACILITY_TAGS,
    NON_RESIDENTIAL_BUILDINGS,
    OsmLayers,
    areas_from_osm,
    buildings_from_osm,
    facilities_from_osm,
    read_osm_layers,
)

__all__ = [
    "AREA_TAGS",
    "BLOCK_BARRIERS",
    "BLOCK_HIGHWAYS",
    "BLOCK_ID_PREFIX",
    "BLOCK_ID_PREFIXES",
    "BUILDING_TAGS",
    "CANDIDATE_KINDS",
    "CANDIDATE_RULES",
    "FACILITY_TAGS",
    "HAZARD_KINDS",
    "NON_RESIDENTIAL_BUILDINGS",
    "NON_RESIDENTIAL_LAND",
    "STREET_BLOCK_ID_PREFIX",
    "BlockCounts",
    "BlockRules",
    "OsmLayers",
    "TagRule",
    "areas_from_osm",
    "buildings_from_osm",
    "candidates_from_osm",
    "exclude_hazardous",
    "facilities_from_osm",
    "hazard_buffers",
    "hazards_from_osm",
    "parse_levels",
    "parse_voltage_kv",
    "read_osm_layers",
    "street_blocks",
]
