"""Honest solver outcomes shared by every model in ``siting``.

PuLP reports ``status == Optimal`` even when CBC or HiGHS stopped on a time
limit with an unproven incumbent; its ``sol_status`` then says "Solution
Found". ``siting`` reads both (or the solver's own model status) and says
exactly what happened.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

__all__ = ["SolveStats", "Status"]


class Status(str, Enum):
    """What the solver proved about a model."""

    OPTIMAL = "optimal"
    """A solution was found and proven optimal within the requested gap."""
    FEASIBLE = "feasible"
    """A solution was found but not proven optimal (time or node limit); see the gap."""
    INFEASIBLE = "infeasible"
    """The solver proved that no solution satisfies the constraints."""
    TIMED_OUT = "timed_out"
    """The time limit was reached before any solution was found."""
    UNBOUNDED = "unbounded"
    """The objective can improve without limit (a modelling error)."""
    ERROR = "error"
    """The solver failed or returned a status ``siting`` cannot interpret."""

    @property
    def has_solution(self) -> bool:
        """Whether a usable solution exists (optimal or feasible)."""
        return self in (Status.OPTIMAL, Status.FEASIBLE)


@dataclass(frozen=True)
class SolveStats:
    """How a solve went.

    Attributes
    ----------
    status
        The honest outcome.
    objective
        Objective value of the incumbent, or ``None`` without one.
    bound
        Best proven bound on the objective (dual bound), or ``None``.
    gap
        Relative gap ``|objective - bound| / max(|objective|, 1e-9)``, or ``None``.
    solver
        Solver name and version, for example ``"highs 1.11.0"``.
    build_s
        Seconds spent building the model.
    solve_s
        Seconds spent in the solver.
    message
        The solver's own status text, for the record.
    """

    status: Status
    objective: float | None
    bound: float | None
    gap: float | None
    solver: str
    build_s: float
    solve_s: float
    message: str = ""
