"""A province, county by county: split a city or province by district, solve, merge (issue #12).

``[run] partition = "district"`` makes each county/district one sub-problem: its
residential areas, its candidate parcels, its existing facilities and workplaces, its
share of the population raster (read through the window of the district's outline)
and the streets within reach of it. A county's demand is met by sites in that county
(county responsibility, R5/R11). The counties are solved one by one in this process,
or on a Dask cluster (:mod:`siting.province.engine`; Dask is imported only then),
and merged into one :class:`~siting.plan.Plan` (:mod:`siting.province.merge`).

Modules
-------
partition
    :func:`district_inputs`: one district's share of the inputs;
    :func:`place_osm_facilities`: the OSM file's facilities outside every district.
engine
    :func:`plan_by_district`: solve every county and merge them.
merge
    :func:`merge_counties`: one plan from the counties' plans.
border
    :func:`~siting.province.border.border_pass`: with ``run.cross_border_m``, the areas
    near a border planned again with the neighbours' sites too;
    :func:`~siting.province.border.serve_unplanned`: the areas of a county without a
    plan served from what stands free within their walk.
lifecircle
    :func:`~siting.province.lifecircle.access_across_borders`: the access figures of the
    areas near a border measured again against every facility of the merged plan.
progress
    :class:`CountyProgress`: counties done / total and the slowest running, on the terminal.
cache
    :class:`CountyCache`: finished counties kept for ``--resume``.
"""

from siting.province.cache import CountyCache, cache_folder
from siting.province.engine import (
    ClusterError,
    CountyResult,
    CountyWatch,
    dask_client,
    map_tasks,
    plan_by_district,
    solve_county,
)
from siting.province.merge import PARTIAL, merge_counties
from siting.province.partition import (
    district_ids,
    district_inputs,
    districts_without_sites,
    place_osm_facilities,
)
from siting.province.progress import CountyProgress

__all__ = [
    "PARTIAL",
    "ClusterError",
    "CountyCache",
    "CountyProgress",
    "CountyResult",
    "CountyWatch",
    "cache_folder",
    "dask_client",
    "district_ids",
    "district_inputs",
    "districts_without_sites",
    "map_tasks",
    "merge_counties",
    "place_osm_facilities",
    "plan_by_district",
    "solve_county",
]
