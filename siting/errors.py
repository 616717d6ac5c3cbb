"""The exceptions ``siting`` raises.

Every error derives from :class:`SitingError`, and each specific error also
derives from the matching built-in, so callers can catch broadly
(``except SitingError``) or narrowly (``except ValueError``).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from siting._text import first_few

__all__ = [
    "InputError",
    "NetworkError",
    "NoSolutionError",
    "OutputError",
    "PlanFileError",
    "Problem",
    "ScenarioError",
    "SitingError",
    "SolverError",
    "plan_folder",
]


class SitingError(Exception):
    """Base class of every error raised by ``siting``."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, said so that a planner can fix it.

    Parameters
    ----------
    message
        What is wrong, in one sentence.
    file
        The file the problem is in, if any.
    layer
        Which of siting's layers it is (``areas``, ``parcels`` ...), if any.
    column
        The column, if the problem is about one.
    ids
        The offending feature ids (at most a handful are shown).
    fix
        How to fix it.
    source_column
        The layer's own name for ``column``, when ``[inputs.<layer>.columns]`` maps it
        (``户数`` for ``dwellings``).
    file_layer
        The layer's own name inside its file, when ``[inputs.<layer>] layer`` names
        one other than ``layer`` (Naples's boundary file's ``napoli`` read as the areas).
    """

    message: str
    file: str | None = None
    layer: str | None = None
    column: str | None = None
    ids: tuple[str, ...] = ()
    fix: str | None = None
    source_column: str | None = None
    file_layer: str | None = None

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(f"file {self.file}")
        if self.layer and self.file_layer and self.file_layer != self.layer:
            where.append(f"layer '{self.file_layer}' (read as {self.layer})")
        elif self.layer:
            where.append(f"layer '{self.layer}'")
        if self.column and self.source_column and self.source_column != self.column:
            where.append(f"column '{self.source_column}' (read as {self.column})")
        elif self.column:
            where.append(f"column '{self.column}'")
        text = (", ".join(where) + ": " if where else "") + self.message
        if self.ids:
            text += f" (ids: {first_few(self.ids, limit=8)})"
        if self.fix:
            text += f". Fix: {self.fix}"
        return text


class InputError(SitingError, ValueError):
    """One or more input layers or rasters are unusable.

    All problems found are collected first and reported together in
    :attr:`problems`.
    """

    def __init__(self, problems: Iterable[Problem] | str) -> None:
        if isinstance(problems, str):
            problems = [Problem(problems)]
        self.problems: tuple[Problem, ...] = tuple(problems)
        count = len(self.problems)
        head = "1 problem with the inputs" if count == 1 else f"{count} problems with the inputs"
        body = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{head}:\n{body}")


class ScenarioError(SitingError, ValueError):
    """The scenario file has an unknown key or a bad value."""


class NetworkError(SitingError, ValueError):
    """The street network cannot be read or used."""


class OutputError(SitingError, ValueError):
    """The output folder cannot be used (see :mod:`siting.outdir`).

    Writing there would destroy files that are not a plan, another run is
    writing there, or its parent folder cannot be written.
    """


class PlanFileError(OutputError):
    """A written plan's file is missing or cannot be read: ``siting verify`` cannot check it."""


class SolverError(SitingError, RuntimeError):
    """The solver failed to run, as opposed to finding the model infeasible."""


class NoSolutionError(SolverError):
    """The solver ran and returned no plan: the model is infeasible or unbounded, the time
    ran out before a first solution, or the solver failed mid-way.

    Parameters
    ----------
    message
        What the solver reports, in one sentence.
    status
        The solver's :class:`~siting.status.Status` value (``"infeasible"``,
        ``"timed_out"``, ``"unbounded"`` or ``"error"``).
    """

    def __init__(self, message: str, *, status: str = "error") -> None:
        super().__init__(message)
        self.status = status


def plan_folder(out_dir: Any, *, call: str) -> Path:
    """``out_dir`` as the path of a plan's folder, for ``call`` (``"plan_map"``).

    The functions that read a written plan (the map, the report, ``compare_runs``,
    ``verify``) take its folder. Given the :class:`~siting.plan.Plan` itself, as a
    notebook holds it, each failed with Python's ``TypeError: expected str, bytes or
    os.PathLike object, not Plan``; they say what to pass instead.

    Raises
    ------
    InputError
        When ``out_dir`` is not a path (a ``str`` or ``os.PathLike``).
    """
    if isinstance(out_dir, str | os.PathLike):
        return Path(out_dir)
    what = type(out_dir).__name__
    fix = (
        f"write it first, out = siting.export.write_plan(plan, 'out'), then {call}(out)"
        if what == "Plan"
        else f"give {call} the folder siting plan --out or write_plan wrote"
    )
    raise InputError([Problem(f"{call} reads a plan's folder, not a {what}", fix=fix)])
