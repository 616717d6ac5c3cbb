"""Sites a facility may go on, the sizes each can take, and what each costs.

Three kinds of site enter the model:

* **candidate parcels** (R6: idle and underused land, parks, community
  centres, health centres, cultural and sports venues, employer sites) that
  survive the hazard buffers (R9); excluded ones are kept with their reason;
* **co-located sites** of new residential areas (R1): one per new area, at
  the area's representative point, built with the housing at no land cost
  (none for an area whose site is built: an existing facility ``new:<area_id>``,
  a plan's facilities fed back as next year's existing ones);
* **existing facilities**, always open with their current slots, which may
  add up to ``existing_max_extra_slots`` if the scenario allows, and no more
  than their building's ``floor_area_m2`` holds when the layer gives it
  (:func:`expansion_room`).

Which sizes fit a site
----------------------
With ``f`` m² of floor per slot, ``o`` m² outdoors per child and children's
rooms on at most ``n`` floors, an option with ``q`` slots and ``e`` m² of
extra rooms needs floor ``F = q·f + e`` and outdoor space ``O = q·o``:

* bare land (no ``floor_area_m2``): ``land_area_m2 ≥ F / n + O`` (a new building);
* an existing building: usable floor ``≥ F`` and ``land_area_m2 ≥ O``, where the
  usable floor of a reused public building (``acquisition = reuse``) is only
  ``reuse_max_floor_share`` of it;
* a co-located site of a new area: every option fits (planned with the housing).

What an option costs
--------------------
An option costs its land, plus construction (new building) or fit-out
(existing building) per m² of ``F``, plus the demonstration tier's extra cost.
Its land is priced one of two ways, recorded in ``cost_basis``:

* ``"parcel cost"``: the parcel's ``cost`` × the acquisition mode's factor;
* ``"land price"`` (the parcel has no ``cost``): the land the option needs ×
  the mode's price per m² (:meth:`siting.scenario.Costs.land_price`). On bare
  land it needs the footprint ``F / n + O``; in an existing building only the
  outdoor area ``O`` (the building is already there). Leased land is priced at
  its capitalised rent, reused public land is free.

A co-located site of a new area (R1) has no land cost (``"co-located"``), and
an existing facility pays only for the slots it adds (``"existing facility"``).

An area's leased unit (``[candidates] lease_in_areas``, :mod:`siting.leasing`) has no
land: every option whose floor ``F`` its ``floor_area_m2`` holds fits (its outdoor play
area is the 小区's open space), and it pays the rent of ``F``, capitalised, plus fit-out
(``"leased floor"``).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from siting._said import Said
from siting.errors import InputError, Problem
from siting.inputs._crs import lonlat_centre, lonlat_in_china
from siting.leasing import LEASED_KIND, floor_rent_per_m2
from siting.scenario import Costs, Scenario

__all__ = [
    "COST_BASES",
    "DEFAULT_COSTS",
    "EXISTING_PREFIX",
    "NEW_PREFIX",
    "expansion_room",
    "no_parcel_fits",
    "site_options",
    "site_points",
    "sites_from_inputs",
]

NEW_PREFIX = "new:"
"""Id prefix of the co-located site of a new area: ``new:A012``."""
EXISTING_PREFIX = ""
"""Existing facilities keep their own ``facility_id`` as ``site_id``."""
COST_BASES = ("parcel cost", "land price", "leased floor", "co-located", "existing facility")
"""What a site's cost rests on: its ``cost``, the land price, the rent of a leased unit's
floor (:mod:`siting.leasing`), nothing (R1), or expansion."""

SITE_COLUMNS = [
    "name",
    "kind",
    "acquisition",
    "land_area_m2",
    "floor_area_m2",
    "parcel_cost",
    "affordable",
    "district_id",
    "subdistrict_id",
    "existing",
    "existing_slots",
    "demonstration_existing",
    "colocated_area_id",
    "source",
    "slots_source",
]


def _col(frame: pd.DataFrame, name: str, default: object) -> pd.Series:
    if name in frame.columns:
        return frame[name]
    return pd.Series(default, index=frame.index, dtype=object if default is None else None)


def sites_from_inputs(
    parcels: gpd.GeoDataFrame,
    *,
    areas: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame | None = None,
    scenario: Scenario,
) -> gpd.GeoDataFrame:
    """Every site of the model, as points in the working CRS, indexed by ``site_id``.

    Parameters
    ----------
    parcels
        Candidate parcels (already filtered for hazards), indexed by ``site_id``.
    areas
        Residential areas indexed by ``area_id``; each new one gets a co-located site.
    facilities
        Existing facilities indexed by ``facility_id``.
    scenario
        Facility settings.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns :data:`SITE_COLUMNS` and a point geometry.

    Raises
    ------
    InputError
        If a facility id and a parcel id are the same.
    """
    frames = []
    p = parcels
    frames.append(
        pd.DataFrame(
            {
                "name": _col(p, "name", None),
                "kind": p["kind"],
                "acquisition": p["acquisition"],
                "land_area_m2": pd.to_numeric(_col(p, "land_area_m2", np.nan)),
                "floor_area_m2": pd.to_numeric(_col(p, "floor_area_m2", np.nan)),
                "parcel_cost": pd.to_numeric(_col(p, "cost", np.nan)),
                "affordable": _col(p, "affordable", True).astype(bool),
                "district_id": _col(p, "district_id", None),
                "subdistrict_id": _col(p, "subdistrict_id", None),
                "existing": False,
                "existing_slots": 0.0,
                "demonstration_existing": False,
                "colocated_area_id": None,
                # an area's leased unit (siting.leasing) is priced by its floor
                "source": np.where(p["kind"] == LEASED_KIND, "leased", "parcel"),
                "slots_source": None,
                "geometry": site_points(p.geometry),
            },
            index=p.index.astype(str),
        )
    )
    new = areas[areas["status"] == "new"]
    if facilities is not None and len(new):
        # its site is built: last year's plan, fed back as an existing facility
        built = (NEW_PREFIX + new.index.astype(str)).isin(facilities.index.astype(str))
        new = new[~built]
    if len(new):
        frames.append(
            pd.DataFrame(
                {
                    "name": _col(new, "name", None).fillna(new.index.to_series()).astype(str)
                    + " 配建托育",
                    "kind": "colocated",
                    "acquisition": "new_build",
                    "land_area_m2": np.nan,
                    "floor_area_m2": np.nan,
                    "parcel_cost": 0.0,
                    "affordable": True,
                    "district_id": _col(new, "district_id", None),
                    "subdistrict_id": _col(new, "subdistrict_id", None),
                    "existing": False,
                    "existing_slots": 0.0,
                    "demonstration_existing": False,
                    "colocated_area_id": new.index.astype(str),
                    "source": "colocated",
                    "slots_source": None,
                    "geometry": site_points(new.geometry),
                },
            ).set_axis(NEW_PREFIX + new.index.astype(str))
        )
    if facilities is not None and len(facilities):
        f = facilities
        frames.append(
            pd.DataFrame(
                {
                    "name": _col(f, "name", None),
                    "kind": "existing_childcare",
                    "acquisition": "existing",
                    "land_area_m2": np.nan,
                    # the building's floor, when the layer gives it: it bounds the expansion
                    "floor_area_m2": pd.to_numeric(_col(f, "floor_area_m2", np.nan)),
                    "parcel_cost": 0.0,
                    "affordable": _col(f, "affordable", True).astype(bool),
                    "district_id": _col(f, "district_id", None),
                    "subdistrict_id": _col(f, "subdistrict_id", None),
                    "existing": True,
                    "existing_slots": pd.to_numeric(f["slots"]).astype(float),
                    "demonstration_existing": _col(f, "demonstration", False).astype(bool),
                    "colocated_area_id": None,
                    "source": "existing",
                    # a plan's new facility, fed back, has none: its slots are the layer's
                    "slots_source": _col(f, "slots_source", "layer").fillna("layer"),
                    "geometry": site_points(f.geometry),
                },
                index=EXISTING_PREFIX + f.index.astype(str),
            )
        )
    sites = pd.concat(frames)
    sites.index.name = "site_id"
    dup = sites.index[sites.index.duplicated()].unique()
    if len(dup):
        raise InputError(
            [
                Problem(
                    "the same id is used by a parcel and an existing facility",
                    ids=tuple(map(str, dup)),
                    fix="give existing facilities ids that no parcel uses",
                )
            ]
        )
    return gpd.GeoDataFrame(sites, geometry="geometry", crs=parcels.crs)


def site_options(sites: pd.DataFrame, *, scenario: Scenario) -> pd.DataFrame:
    """The size options each new site can take, with their cost.

    Parameters
    ----------
    sites
        :func:`sites_from_inputs` output.
    scenario
        Facility and cost settings.

    Returns
    -------
    pandas.DataFrame
        One row per (site, option) that fits: ``site_id``, ``option``, ``slots``,
        ``demonstration``, ``floor_m2``, ``outdoor_m2``, ``building`` (``"new"``
        or ``"existing"``), ``cost``, ``cost_basis`` (``"parcel cost"``,
        ``"land price"`` or ``"co-located"``, see the module docstring), and the
        option's class counts
        ``classes_infant``, ``classes_toddler``, ``classes_older``, ``classes_mixed``.

    Examples
    --------
    >>> import pandas as pd
    >>> from siting.scenario import Scenario
    >>> sites = pd.DataFrame({"existing": [False], "source": ["parcel"],
    ...     "acquisition": ["new_build"], "land_area_m2": [800.0],
    ...     "floor_area_m2": [float("nan")], "parcel_cost": [1_000_000.0]},
    ...     index=pd.Index(["P1"], name="site_id"))
    >>> site_options(sites, scenario=Scenario())[["site_id", "option", "slots", "cost"]]
      site_id   option  slots       cost
    0      P1  small-1     18  1648000.0
    1      P1  small-2     35  2260000.0
    2      P1    small     45  2620000.0
    3      P1   medium     80  3880000.0

    Without a parcel cost, the small-1 option's footprint (162 m² of floor on
    3 floors, plus 54 m² outdoors) is priced at 3,000 a m²:
    108 × 3,000 + 162 × 4,000 = 972,000.

    >>> sites["parcel_cost"] = float("nan")
    >>> site_options(sites, scenario=Scenario())[["option", "cost", "cost_basis"]].head(1)
        option      cost  cost_basis
    0  small-1  972000.0  land price
    """
    fac, costs = scenario.facility, scenario.costs
    opts = pd.DataFrame(
        {
            "option": [o.name for o in fac.options],
            "slots": [o.slots for o in fac.options],
            "demonstration": [o.demonstration for o in fac.options],
            "extra_floor_m2": [o.extra_floor_m2 for o in fac.options],
            "classes_infant": [o.infant for o in fac.options],
            "classes_toddler": [o.toddler for o in fac.options],
            "classes_older": [o.older for o in fac.options],
            "classes_mixed": [o.mixed for o in fac.options],
        }
    )
    opts["floor_m2"] = opts["slots"] * fac.floor_m2_per_slot + opts["extra_floor_m2"]
    opts["outdoor_m2"] = opts["slots"] * fac.outdoor_m2_per_slot
    new_sites = sites.loc[~sites["existing"].astype(bool)]
    grid = new_sites.reset_index()[
        ["site_id", "source", "acquisition", "land_area_m2", "floor_area_m2", "parcel_cost"]
    ].merge(opts, how="cross")
    floor = grid["floor_area_m2"].fillna(0.0)
    land = grid["land_area_m2"].fillna(0.0)
    building = floor > 0
    usable = floor * np.where(grid["acquisition"] == "reuse", fac.reuse_max_floor_share, 1.0)
    fits_land = land >= grid["floor_m2"] / fac.max_floors + grid["outdoor_m2"]
    fits_building = (usable >= grid["floor_m2"]) & (land >= grid["outdoor_m2"])
    colocated = grid["source"] == "colocated"
    # a leased unit has no land: its play area is the 小区's open space (siting.leasing)
    leased = (grid["source"] == "leased").to_numpy()
    fits = colocated | np.where(
        leased, floor >= grid["floor_m2"], np.where(building, fits_building, fits_land)
    )
    factor = grid["acquisition"].map(costs.acquisition_factor).fillna(1.0)
    per_m2 = np.where(building & ~colocated, costs.fitout_per_m2, costs.construction_per_m2)
    grid["building"] = np.where(building & ~colocated, "existing", "new")
    priced = grid["parcel_cost"].notna().to_numpy() | colocated.to_numpy()
    # the land an option needs: an existing building's yard, or a new building's footprint
    land_m2 = grid["outdoor_m2"] + np.where(building, 0.0, grid["floor_m2"] / fac.max_floors)
    price = grid["acquisition"].map(
        {mode: costs.land_price(mode) for mode in grid["acquisition"].unique()}
    )
    land_cost = np.where(
        priced, grid["parcel_cost"].fillna(0.0) * factor, price.to_numpy(dtype=float) * land_m2
    )
    if leased.any():  # the rent of the size's floor, not of land
        land_cost = np.where(leased, floor_rent_per_m2(scenario) * grid["floor_m2"], land_cost)
    # in whole units of money, as the model sums them: a lease's rent paid in advance and
    # discounted left fractions (…299.168), and the costs by district, by acquisition mode
    # and the total did not add up as printed
    grid["cost"] = np.round(
        land_cost
        + per_m2 * grid["floor_m2"]
        + np.where(grid["demonstration"], costs.demonstration_extra, 0.0)
    )
    grid["cost_basis"] = np.where(
        colocated,
        "co-located",
        np.where(leased, "leased floor", np.where(priced, "parcel cost", "land price")),
    )
    keep = [
        "site_id",
        "option",
        "slots",
        "demonstration",
        "floor_m2",
        "outdoor_m2",
        "building",
        "cost",
        "cost_basis",
        "classes_infant",
        "classes_toddler",
        "classes_older",
        "classes_mixed",
    ]
    return grid.loc[np.asarray(fits), keep].reset_index(drop=True)


_POINT_GRID_M = 0.001
"""Coordinates are rounded to this (1 mm) before a site's point is chosen."""


def expansion_room(sites: pd.DataFrame, *, scenario: Scenario) -> npt.NDArray[np.float64]:
    """The most slots each site may add to what it already has.

    A new site adds nothing here (its sizes are its options). An existing
    facility may add ``facility.existing_max_extra_slots`` when
    ``facility.existing_can_expand``; when its layer gives the building's
    ``floor_area_m2``, no more than that floor holds at
    ``facility.floor_m2_per_slot`` beyond its current slots (a demonstration
    facility's floor also holds the largest extra rooms of the demonstration
    sizes). A facility of last year's plan fed back holds exactly the floor its
    size needed, so it adds nothing.

    Parameters
    ----------
    sites
        :func:`sites_from_inputs`' columns ``existing``, ``existing_slots``,
        ``floor_area_m2`` and ``demonstration_existing``.
    scenario
        Facility settings.

    Returns
    -------
    numpy.ndarray
        Extra slots per site, in ``sites``' order (whole slots, never negative).

    Examples
    --------
    >>> import pandas as pd
    >>> from siting.scenario import Scenario
    >>> sites = pd.DataFrame({"existing": [True, True, True, False],
    ...     "existing_slots": [45.0, 45.0, 45.0, 0.0],
    ...     "floor_area_m2": [float("nan"), 405.0, 585.0, 900.0],
    ...     "demonstration_existing": [False, False, False, False]})
    >>> expansion_room(sites, scenario=Scenario()).tolist()
    [40.0, 0.0, 20.0, 0.0]
    """
    fac = scenario.facility
    existing = sites["existing"].astype(bool).to_numpy()
    if not fac.existing_can_expand:
        return np.zeros(len(sites))
    room = np.full(len(sites), float(fac.existing_max_extra_slots))
    floor = pd.to_numeric(sites["floor_area_m2"], errors="coerce").to_numpy(dtype=np.float64)
    extra = max((o.extra_floor_m2 for o in fac.options if o.demonstration), default=0.0)
    rooms = floor - np.where(sites["demonstration_existing"].astype(bool), extra, 0.0)
    # 1e-9: a floor of exactly q·f holds q slots, whatever the rounding of q·f
    held = np.floor(rooms / fac.floor_m2_per_slot + 1e-9)
    by_floor = np.clip(held - sites["existing_slots"].to_numpy(dtype=np.float64), 0.0, None)
    room = np.where(np.isnan(floor), room, np.minimum(room, by_floor))
    return np.where(existing, room, 0.0)


def site_points(geoms: gpd.GeoSeries) -> gpd.GeoSeries:
    """Each site's point, the same whatever the false easting of the CRS it is drawn in.

    GEOS's ``representative_point`` scans a polygon along a horizontal line and
    takes the middle of its widest crossing. A block built round a centred
    courtyard has two crossings of equal width, and rounding noise picks one:
    the same area in EPSG:4544 and in its zone-numbered twin EPSG:4523 (35,000 km
    further east) put its co-located site 101 m apart, and the plan's cost moved
    by 8.4 %. Each geometry is moved to its own origin (the floor of its bounds,
    to whole metres) with its coordinates rounded to 1 mm first, so GEOS sees the
    same numbers in either CRS.

    Parameters
    ----------
    geoms
        Points, lines or polygons, in a projected CRS.

    Returns
    -------
    geopandas.GeoSeries
        One point per geometry, inside it (points are kept as they are).
    """
    values = np.asarray(geoms.to_numpy(), dtype=object)
    out = values.copy()
    todo = np.flatnonzero(
        ~shapely.is_missing(values) & ~shapely.is_empty(values) & (shapely.get_type_id(values) != 0)
    )
    if todo.size:
        part = values[todo]
        origin = np.floor(shapely.bounds(part)[:, :2])
        coords, which = shapely.get_coordinates(part, return_index=True)
        local = np.round((coords - origin[which]) / _POINT_GRID_M) * _POINT_GRID_M
        moved = shapely.set_coordinates(part.copy(), local)  # new geometries: part is a copy
        # rounding may make a thin polygon invalid: such a one keeps its own point
        bad = ~shapely.is_valid(moved) & shapely.is_valid(part)
        points = shapely.get_coordinates(shapely.point_on_surface(moved)) + origin
        chosen = shapely.points(points)
        chosen[bad] = shapely.point_on_surface(part[bad])
        out[todo] = chosen
    return gpd.GeoSeries(out, index=geoms.index, crs=geoms.crs)


DEFAULT_COSTS = ("default_costs_abroad", "default_costs_in_other_currency")
"""The codes of :func:`default_costs_abroad`'s findings (a province says them once)."""


def default_costs_abroad(sites: gpd.GeoDataFrame, *, scenario: Scenario) -> list[Said]:
    """A finding when sites outside China are priced at siting's default costs.

    The defaults of :class:`siting.scenario.Costs` are assumptions for a Chinese
    prefecture city such as Guangyuan, in CNY (land 3,000 per m², building 4,000 per m²,
    fit-out 1,500 per m²). A planner in Accra or Naples who follows the README gets a
    plan priced in them, its report in "CNY", without a word (the README-only user's
    Accra plan: 185,382,000 "CNY").

    Parameters
    ----------
    sites
        The model's sites (:func:`sites_from_inputs`), in the working CRS.
    scenario
        Its ``costs`` and ``currency``.

    Returns
    -------
    list of Said
        One finding when the prices per m² (land, building, fit-out) are the defaults:
        code ``default_costs_in_other_currency`` when the currency is not CNY (wherever
        the sites lie: the prices are CNY), ``default_costs_abroad`` when it is and the
        sites' centre lies outside China; none otherwise.
    """
    costs, default = scenario.costs, Costs()
    prices = ("land_per_m2", "construction_per_m2", "fitout_per_m2")  # what the finding names
    if any(getattr(costs, p) != getattr(default, p) for p in prices):
        return []  # the planner's own prices (a demonstration's extra alone leaves them)
    said_prices = (
        f"land {costs.land_per_m2['purchase']:,.0f} per m², building "
        f"{costs.construction_per_m2:,.0f} per m², fit-out {costs.fitout_per_m2:,.0f} per m²"
    )
    if scenario.currency != "CNY":  # Naples with currency = "EUR" and Guangyuan's prices
        return [
            Said(
                f"costs: the currency is {scenario.currency}, but the prices are siting's "
                "defaults, assumed for a Chinese prefecture city such as Guangyuan, in CNY "
                f"({said_prices}): the plan's costs are Guangyuan's CNY figures labelled "
                f"{scenario.currency}, and which sites are cheapest may follow from them. Fix: "
                "set [costs] (land_per_m2, construction_per_m2, fitout_per_m2, ...) in "
                f"{scenario.currency} for your city",
                code="default_costs_in_other_currency",
                currency=scenario.currency,
            )
        ]
    centre = lonlat_centre(sites)
    if centre is None:
        return []
    lon, lat = centre
    if lonlat_in_china(lon, lat, lon, lat):
        return []
    return [
        Said(
            f"costs: the sites lie outside China (their centre at {lon:.3f}°, {lat:.3f}°), "
            "but the costs are siting's defaults, assumed for a Chinese prefecture city "
            f"such as Guangyuan, in CNY ({said_prices}): the plan's costs are Guangyuan's, not "
            "your city's, and which sites are cheapest may follow from them. Fix: set "
            "[costs] (land_per_m2, construction_per_m2, fitout_per_m2, ...) and currency "
            "for your city (a parcel's own cost replaces its land price only)",
            code="default_costs_abroad",
            lon=f"{lon:.3f}",  # text: the report's numbers are rounded to whole ones
            lat=f"{lat:.3f}",
        )
    ]


def no_parcel_fits(sites: gpd.GeoDataFrame, options: pd.DataFrame) -> list[Said]:
    """A finding when not one candidate parcel fits any size option.

    Candidate parcels given as points without ``land_area_m2`` (a notebook's list of
    sites, a geocoded table) have no land, and no size fits them: the plan opens no new
    facility and the run said only that the demand had "no site within walking
    distance" (Naples, 150 points: 7,552 slots short, at a cost of 0).

    Parameters
    ----------
    sites
        The model's sites (:func:`sites_from_inputs`).
    options
        The size options of every site (:func:`site_options`).

    Returns
    -------
    list of Said
        One finding (code ``no_parcel_fits``) when there are parcels and none of them has
        a size option; none otherwise (existing facilities and new areas' own sites
        aside).
    """
    parcels = sites[~sites["existing"].astype(bool) & sites["colocated_area_id"].isna()]
    if parcels.empty or parcels.index.isin(options["site_id"]).any():
        return []
    land = pd.to_numeric(parcels["land_area_m2"], errors="coerce").fillna(0.0)
    no_land = int((land <= 0).sum())
    return [
        Said(
            f"none of the {len(parcels):,} candidate parcels fits any size option "
            f"({no_land:,} of them have no land: points, or land_area_m2 of 0): the plan "
            "can open no new facility. Fix: give the parcels their land_area_m2 (or draw "
            "them as polygons), or smaller sizes in facility.options",
            code="no_parcel_fits",
            count=len(parcels),
            no_land=no_land,
        )
    ]
