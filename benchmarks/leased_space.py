"""Leased units in old areas (``[candidates] lease_in_areas``): each city off and on.

Run with ``.venv/bin/python -m benchmarks.leased_space`` (``--cities nanjing`` for one).
The cities are the Nanjing OSM-only scenario (``data/nanjing``: no parcel inventory, the
candidates OSM maps) and the sample (``data/sample``: a parcels layer). Each is planned
as its scenario says (off) and with ``lease_in_areas = { floor_m2 = F }`` for each ``F``
of ``--floors`` (old areas, the default rent; 405 m² by default); printed per run: the
required slots, the shortfall, the cost, the units offered (after the hazard buffers and
the rule that an area the parcels in reach can hold gets none), the units the plan
opens with their floor and cost, and the seconds of the whole ``run_plan`` (reading,
demand, walks, solve), one run each.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CITIES = {
    "nanjing": ROOT / "data" / "nanjing" / "scenario.toml",
    "sample": ROOT / "data" / "sample" / "scenario.toml",
}


def main() -> None:
    """Plan each city off and on and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cities", nargs="+", choices=sorted(CITIES), default=list(CITIES))
    parser.add_argument(
        "--floors",
        nargs="+",
        type=float,
        default=[405.0],
        help="floor_m2 of the units, one run each",
    )
    args = parser.parse_args()
    logging.getLogger("siting").setLevel(logging.ERROR)  # the plans' findings are not the point

    from siting.leasing import LEASE_PREFIX, LEASED_KIND
    from siting.pipeline import run_plan
    from siting.scenario import CandidateSettings, LeaseInAreas, load_scenario

    header = (
        f"{'city':<8} {'lease':<6} {'required':>9} {'short':>8} {'cost':>14} {'offered':>8} "
        f"{'opened':>7} {'floor m²':>9} {'units cost':>12} {'seconds':>8}"
    )
    print(header)
    print("-" * len(header))
    for city in args.cities:
        plain = load_scenario(CITIES[city])
        runs = [("off", plain)] + [
            (
                f"{floor:,.0f}",
                dataclasses.replace(
                    plain, candidates=CandidateSettings(LeaseInAreas(floor_m2=floor))
                ),
            )
            for floor in args.floors
        ]
        for label, scenario in runs:
            start = time.perf_counter()
            plan = run_plan(scenario)
            seconds = time.perf_counter() - start
            totals = plan.run["totals"]
            offered = plan.candidates.index.astype(str).str.startswith(LEASE_PREFIX)
            kept = offered & (plan.candidates["state"] != "excluded")
            units = plan.facilities[plan.facilities["kind"] == LEASED_KIND]
            print(
                f"{city:<8} {label:<6} {totals['required_slots']:>9,.0f} "
                f"{totals['shortfall_slots']:>8,.1f} {totals['cost']:>14,.0f} "
                f"{int(kept.sum()):>8,} {len(units):>7,} "
                f"{units['floor_area_m2'].sum():>9,.0f} {units['cost'].sum():>12,.0f} "
                f"{seconds:>8.1f}"
            )


if __name__ == "__main__":
    main()
