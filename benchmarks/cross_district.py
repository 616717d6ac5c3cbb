"""How much the single solve of the sample city serves across district lines.

Run with ``.venv/bin/python -m benchmarks.cross_district [SCENARIO]``. Plans the
scenario as one model (``run.partition`` unset), then counts the residents'
assignments whose area lies in another district than the facility serving it: in
slots and as a share of every resident slot served. With ``run.partition =
"district"`` those slots must be found inside each area's own county (or become
shortfall), so this is what county responsibility costs the plan. It then plans the
same scenario partitioned and prints both plans' served slots, shortfall and cost.
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
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    scenario = load_scenario(args.scenario)
    rows = []
    for partition in (None, "district"):
        start = time.perf_counter()
        plan = run_plan(scenario.replace(run=RunSettings(partition=partition)))
        seconds = time.perf_counter() - start
        across, served, n_across, n = cross_district(plan)
        totals = plan.run["totals"]
        rows.append(
            f"| {partition or 'none (one model)'} | {served:,.0f} | {across:,.0f} "
            f"({across / served:.2%}; {n_across} of {n} assignments) | "
            f"{totals['shortfall_slots']:,.0f} | {totals['cost']:,.0f} | {seconds:.1f} s |"
        )
    print("| partition | resident slots served | of them across a district line | "
          "shortfall slots | cost | wall |")  # fmt: skip
    print("|---|---|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
