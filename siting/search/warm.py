"""The compiled loops of the cost search, compiled before the stage's clock starts.

numba compiles a loop the first time it runs, and caches the machine code on
disk. On a machine where the cache is cold (the first run after installing,
or a cache folder that cannot be kept) compiling the move and the Lagrangian
step takes several seconds. Inside the stage those seconds came out of its
time limit: on a 28,804-area city the Lagrangian bound ran one step instead
of 154 in its share of a 60 s stage, and the run reported an 88.7 % gap for a
plan within 1.7 % (a warm cache: 2.9 %). :func:`warm_up` runs both loops once on a
two-area instance, so the stage starts with them compiled (or loaded from the
cache, a fraction of a second).
"""

from __future__ import annotations

import logging
import time

import numpy as np
import pandas as pd

from siting.model import SitingProblem, build_model
from siting.search.bound import lagrangian_bound
from siting.search.local import CostSearch

__all__ = ["warm_up"]

logger = logging.getLogger(__name__)


_done = False
"""Whether this process has run the loops once (two threads that both run them are
harmless: numba compiles under its own lock)."""


def warm_up() -> float:
    """Compile (or load from numba's cache) the cost search's loops, once per process.

    Returns
    -------
    float
        The seconds it took: the first call's, 0 for every later one (nothing to do).
    """
    global _done
    if _done:
        return 0.0
    began = time.perf_counter()
    problem = SitingProblem(
        demand=pd.DataFrame(
            {"required": [12.0, 30.0], "area_id": ["a0", "a1"], "kind": "resident"},
            index=pd.Index(["a0", "a1"], name="demand_id"),
        ),
        sites=pd.DataFrame(
            {
                "district_id": ["d0", "d0"],
                "existing": [False, True],
                "existing_slots": [0.0, 10.0],
                "max_extra_slots": [0.0, 5.0],
                "expansion_cost_per_slot": [0.0, 9_000.0],
                "affordable": [True, False],
                "demonstration_existing": False,
            },
            index=pd.Index(["s0", "s1"], name="site_id"),
        ),
        options=pd.DataFrame(
            {
                "site_id": ["s0", "s0"],
                "option": ["small", "demo"],
                "slots": [18.0, 45.0],
                "cost": [900_000.0, 2_000_000.0],
                "demonstration": [False, True],
            }
        ),
        pairs=pd.DataFrame(
            {
                "demand_id": ["a0", "a1", "a1"],
                "site_id": ["s0", "s0", "s1"],
                "distance_m": [100.0, 200.0, 50.0],
            }
        ),
        districts=("d0",),
    )
    model = build_model(problem)
    cap = float(problem.demand["required"].sum())
    search = CostSearch(model, shortfall_cap=cap)
    search.load_plan(np.zeros(model.base.num_cols))
    search.improve(time_limit_s=1.0)
    lagrangian_bound(model, shortfall_cap=cap, time_limit_s=1.0, max_iterations=2, search=search)
    _done = True
    seconds = time.perf_counter() - began
    logger.debug("the cost search's loops compiled or loaded in %.1f s", seconds)
    return seconds
