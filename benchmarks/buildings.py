"""What OSM building weights change: the Nanjing OSM-only city with and without ``buildings``.

Run with ``.venv/bin/python -m benchmarks.buildings`` (``--repeat N`` for the
timings). The scenario is ``data/nanjing/scenario.toml`` (a synthetic
population raster and the 2021 OSM extract of central Nanjing); the second
run adds ``"buildings"`` to ``inputs.osm.use``, so a raster cell shared by
residential areas splits its people by the floor area of the buildings in it
(``building:levels`` × footprint, else the footprint; non-residential kinds
hold nobody) instead of by overlap.

Printed:

* per area: the people without and with the weights, and the change;
* the summary: the largest change, the mean absolute change, how many areas
  change by more than 10 %, and the totals (which must not move: the weights
  only move people between the areas of a cell);
* the plan of each run: required slots, shortfall, cost, new facilities;
* timings: reading the OSM file, and the allocation (``estimate_demand``,
  weights included), each the fastest of ``--repeat`` calls.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "data" / "nanjing" / "scenario.toml"


def _fastest(call: Callable[[], Any], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    """Run both scenarios and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="calls per timing (fastest kept)")
    args = parser.parse_args()
    logging.getLogger("siting").setLevel(logging.ERROR)  # the plans' findings are not the point

    import pandas as pd

    from siting.demand import estimate_demand
    from siting.osm import read_osm_layers
    from siting.pipeline import prepare, solve_prepared
    from siting.scenario import load_scenario

    plain = load_scenario(SCENARIO)
    assert plain.inputs is not None and plain.inputs.osm is not None
    osm = plain.inputs.osm
    weighted = dataclasses.replace(
        plain,
        inputs=dataclasses.replace(
            plain.inputs, osm=dataclasses.replace(osm, use=(*osm.use, "buildings"))
        ),
    )
    runs = {"plain": prepare(plain), "buildings": prepare(weighted)}
    plans = {name: solve_prepared(prepared) for name, prepared in runs.items()}
    buildings = runs["buildings"].inputs.buildings
    assert buildings is not None

    before = runs["plain"].area_table["population"]
    after = runs["buildings"].area_table["population"].reindex(before.index)
    change = after - before
    share = change / before.where(before > 0)
    names = runs["plain"].inputs.areas["name"].reindex(before.index)
    table = pd.DataFrame(
        {
            "name": names.where(names != names.index, "").str.slice(0, 12),
            "without": before.round(0),
            "with": after.round(0),
            "change": change.round(0),
            "change_%": (100 * share).round(1),
        }
    )
    print(f"Nanjing OSM-only scenario ({SCENARIO.relative_to(ROOT)}), with and without buildings")
    print(
        f"buildings: {len(buildings)} from OSM, {int(buildings['levels'].notna().sum())} with "
        "building:levels"
    )
    print()
    print(table.to_string())
    print()
    big = int((share.abs() > 0.10).sum())
    top = share.abs().idxmax()
    print(f"areas: {len(before)}; changed by more than 10 %: {big}")
    print(
        f"largest change: {change[top]:+.0f} people ({100 * share[top]:+.1f} %) in {top}; "
        f"largest in people: {change.abs().max():.0f}"
    )
    print(
        f"mean absolute change: {change.abs().mean():.0f} people per area "
        f"({100 * share.abs().mean():.1f} %)"
    )
    accounts = {}
    for name, prepared in runs.items():
        assert prepared.demand is not None
        acc = accounts[name] = prepared.demand.accounting["population"]
        print(
            f"totals {name:>9}: raster {acc['total']:,.1f}  held by areas {acc['held']:,.1f}  "
            f"residual {acc['residual']:,.1f}"
        )
    moved = accounts["buildings"]["held"] - accounts["plain"]["held"]
    print(
        f"held by areas, with minus without: {moved:+.2g} people; "
        f"people moved between areas: {change.abs().sum() / 2:,.0f}"
    )
    print()
    print(f"{'plan':>9}  required  shortfall  new facilities  new slots  cost (CNY)  status")
    for name, plan in plans.items():
        totals = plan.run["totals"]
        print(
            f"{name:>9}  {totals['required_slots']:8.1f}  {totals['shortfall_slots']:9.1f}  "
            f"{totals['facilities_new']:14d}  {totals['new_slots']:9.0f}  "
            f"{totals['cost']:10,.0f}  {plan.run['status']}"
        )
    first, second = (plans[n].run["totals"] for n in ("plain", "buildings"))
    print(
        f"difference: shortfall {second['shortfall_slots'] - first['shortfall_slots']:+.1f} "
        f"slots, cost {second['cost'] - first['cost']:+,.0f} CNY"
    )
    print()
    path, crs = osm.path, runs["plain"].inputs.crs
    uses = {"plain": osm.use, "buildings": (*osm.use, "buildings")}
    for name, use in uses.items():
        seconds = _fastest(partial(read_osm_layers, path, use=use, working_crs=crs), 2)
        print(f"reading the OSM file, {name:>9}: {seconds:.3f} s (fastest of 2)")
    for name, prepared in runs.items():
        scenario = plain if name == "plain" else weighted
        seconds = _fastest(
            partial(estimate_demand, prepared.inputs, scenario=scenario), args.repeat
        )
        print(
            f"allocation (estimate_demand), {name:>9}: {seconds:.3f} s (fastest of {args.repeat})"
        )


if __name__ == "__main__":
    main()
