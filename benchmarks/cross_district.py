"""How much the single solve of the sample city serves across district lines.

Run with ``.venv/bin/python -m benchmarks.cross_district [SCENARIO]``. Plans the
scenario as one model (``run.partition`` unset), then counts the residents'
assignments whose area lies in another district than the facility serving it: in
slots and as a share of every resident slot served. With ``run.partition =
"district"`` those slots must be found inside each area's own county (or become
shortfall), so this is what county responsibility costs the plan. It then plans the
same scenario partitioned, with ``run.cross_border_m`` = each of ``--cross-border``
(default: 0 and the urban walking radius; :mod:`siting.province.border`), and prints
every plan's served slots, shortfall, cost and the border pass's seconds.
"""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

from siting.pipeline import run_plan
from siting.plan import Plan
from siting.scenario import RunSettings, load_scenario

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample" / "scenario.toml"


def cross_district(plan: Plan) -> tuple[float, float, int, int]:
    """Resident slots served across district lines, all resident slots, and both counts."""
    resident = plan.assignments.dropna(subset=["area_id"])
    area_district = resident["area_id"].map(plan.areas["district_id"]).astype(str)
    site_district = resident["site_id"].map(plan.facilities["district_id"]).astype(str)
    across = area_district != site_district
    return (
        float(resident.loc[across, "slots"].sum()),
        float(resident["slots"].sum()),
        int(across.sum()),
        len(resident),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", type=Path, default=SAMPLE)
    parser.add_argument(
        "--cross-border",
        type=float,
        nargs="*",
        metavar="M",
        help="run.cross_border_m values of the partitioned runs (default: 0 and radii.urban_m)",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    scenario = load_scenario(args.scenario)
    widths = args.cross_border if args.cross_border is not None else [0, scenario.radii.urban_m]
    runs = [RunSettings()] + [RunSettings(partition="district", cross_border_m=m) for m in widths]
    rows = []
    for settings in runs:
        start = time.perf_counter()
        plan = run_plan(scenario.replace(run=settings))
        seconds = time.perf_counter() - start
        across, served, n_across, n = cross_district(plan)
        totals = plan.run["totals"]
        label = "none (one model)"
        if settings.partition:
            label = f"{settings.partition}, cross_border_m = {settings.cross_border_m:g}"
        border = plan.run.get("border", {}).get("seconds")
        rows.append(
            f"| {label} | {served:,.1f} | {across:,.1f} "
            f"({across / served:.2%}; {n_across} of {n} assignments) | "
            f"{totals['shortfall_slots']:,.1f} | {totals['cost']:,.0f} | {seconds:.1f} s | "
            + (f"{border:.1f} s |" if border is not None else "– |")
        )
    print("| partition | resident slots served | of them across a district line | "
          "shortfall slots | cost | wall | border pass |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
