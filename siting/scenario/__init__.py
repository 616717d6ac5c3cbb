"""A scenario: everything one planning run needs, loaded from a TOML file.

A scenario is a tree of frozen dataclasses. Every number has a default taken
from ``DOMAIN.md`` (the Guangyuan policy 广府办发〔2020〕17号 and the national
standards it relies on); the source is given in each class's docstring. A TOML
file overrides any of them. Unknown keys and values of the wrong type are
errors that name the key.

Examples
--------
>>> from siting.scenario import Scenario
>>> s = Scenario()
>>> s.ratios.new, s.ratios.old, s.ratios.rural
(10.0, 8.0, 4.5)
>>> s.radii.urban_m
300.0
>>> [o.slots for o in s.facility.options]
[18, 35, 45, 80, 145, 145]
"""

from siting.scenario.checks import (
    check_scenario,
    input_source_problems,
    phase_problems,
    population_count_problems,
    required_inputs,
    scenario_problems,
    street_block_sizes,
)
from siting.scenario.load import load_scenario
from siting.scenario.settings import (
    HAZARD_KINDS,
    LEASE_STATUSES,
    OSM_AREA_SOURCES,
    OSM_BLOCK_HIGHWAYS,
    OSM_DEFAULT_HIGHWAYS,
    OSM_DEFAULT_USES,
    OSM_HIGHWAY_LINES,
    OSM_USES,
    PARTITIONS,
    PHASE_RULES,
    SOLVERS,
    AccessibilitySettings,
    CandidateSettings,
    Costs,
    DatumShift,
    DemandSettings,
    FacilitySettings,
    HazardSettings,
    InputsSpec,
    LayerPiece,
    LayerSpec,
    LeaseInAreas,
    NetworkSettings,
    OsmSpec,
    Phase,
    Policy,
    PopulationSpec,
    Radii,
    RasterSpec,
    Ratios,
    RunSettings,
    Scenario,
    SizeOption,
    SolverSettings,
    StreetBlocksSpec,
    census_spec,
    resolve_block_highways,
)

__all__ = [
    "HAZARD_KINDS",
    "LEASE_STATUSES",
    "OSM_AREA_SOURCES",
    "OSM_BLOCK_HIGHWAYS",
    "OSM_DEFAULT_HIGHWAYS",
    "OSM_DEFAULT_USES",
    "OSM_HIGHWAY_LINES",
    "OSM_USES",
    "PARTITIONS",
    "PHASE_RULES",
    "SOLVERS",
    "AccessibilitySettings",
    "CandidateSettings",
    "Costs",
    "DatumShift",
    "DemandSettings",
    "FacilitySettings",
    "HazardSettings",
    "InputsSpec",
    "LayerPiece",
    "LayerSpec",
    "LeaseInAreas",
    "NetworkSettings",
    "OsmSpec",
    "Phase",
    "Policy",
    "PopulationSpec",
    "Radii",
    "RasterSpec",
    "Ratios",
    "RunSettings",
    "Scenario",
    "SizeOption",
    "SolverSettings",
    "StreetBlocksSpec",
    "census_spec",
    "check_scenario",
    "input_source_problems",
    "load_scenario",
    "phase_problems",
    "population_count_problems",
    "required_inputs",
    "resolve_block_highways",
    "scenario_problems",
    "street_block_sizes",
]
