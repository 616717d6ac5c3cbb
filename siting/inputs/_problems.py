"""Collecting the problems and notes of a run's inputs, and wording them.

Every reader adds to one :class:`_Report` rather than raising, so that all the
problems of all the layers are found before :class:`~siting.errors.InputError`
is raised once. :class:`_Where` fills in the file and layer of each problem.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyproj
from pyproj.exceptions import CRSError

from siting._said import Said
from siting._text import first_few
from siting.errors import Problem

logger = logging.getLogger(__name__)


@dataclass
class _Report:
    """Problems, findings, notes and files gathered while reading."""

    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    files: dict[str, Path] = field(default_factory=dict)
    findings: list[Said] = field(default_factory=list)
    """What the inputs do to the plan that a planner must weigh before signing it (a layer
    lying 100 m off, people counted nowhere): the run's findings, not its notes."""
    emptied: list[Problem] = field(default_factory=list)
    """Those of :attr:`problems` that say a layer holds no features (none at all, or none
    its ``where`` keeps), by :meth:`holds_none`."""

    def holds_none(self, problem: Problem) -> None:
        """The problem that a layer holds no features: a piece of a layer in pieces may
        hold none while the others hold some (:mod:`siting.inputs._pieces`)."""
        self.problems.append(problem)
        self.emptied.append(problem)

    def find(self, said: Said, *, by: logging.Logger = logger) -> None:
        """A finding, also a warning on the terminal, logged by the module ``by``."""
        by.warning("%s", said)
        self.findings.append(said)

    def note(self, text: str) -> None:
        logger.info("%s", text)
        self.notes.append(text)

    def warn(self, text: str, *, by: logging.Logger = logger) -> None:
        """A note that is also a warning on the terminal, logged by the module ``by``."""
        by.warning("%s", text)
        self.notes.append(text)

    @contextlib.contextmanager
    def warnings_of(self, layer: str) -> Iterator[None]:
        """Catch the Python warnings GDAL, pyogrio, pyproj, shapely or osmnx raise while
        ``layer`` is read or checked, and log them (and note them) with the layer named,
        instead of letting them reach stderr raw.
        """
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield
        seen: set[str] = set()
        for warning in caught:
            text = f"{layer}: {warning.category.__name__}: {warning.message}"
            if text in seen:
                continue
            seen.add(text)
            logger.warning("%s", text)
            self.notes.append(text)


@dataclass
class _Where:
    """Where a layer's problems are: fills the Problem fields."""

    file: str
    layer: str
    columns: Mapping[str, str] = field(default_factory=dict)
    """``[inputs.<layer>.columns]``: siting's column names to the layer's."""
    units: Mapping[str, str] = field(default_factory=dict)
    """``[inputs.<layer>.units]``: the units the layer's number columns are in."""
    file_layer: str | None = None
    """``[inputs.<layer>] layer``: the layer's own name inside its file."""
    pieces: tuple[tuple[str, str | None, frozenset[str]], ...] = ()
    """A layer read in pieces: each piece's file, its layer and the ids it holds, so that
    a problem about some features names the pieces holding them."""

    def problem(
        self,
        message: str,
        *,
        column: str | None = None,
        ids: Iterable[str] = (),
        fix: str | None = None,
    ) -> Problem:
        ids = tuple(ids)
        file, file_layer = self.file, self.file_layer
        holding = [p for p in self.pieces if any(str(i) in p[2] for i in ids)]
        if holding and len(holding) < len(self.pieces):
            file = " and ".join(dict.fromkeys(f for f, _, _ in holding))
            file_layer = ", ".join(dict.fromkeys(n for _, n, _ in holding if n)) or None
        return Problem(
            message,
            file=file,
            layer=self.layer,
            column=column,
            ids=ids,
            fix=fix,
            source_column=self.columns.get(column) if column is not None else None,
            file_layer=file_layer,
        )


def _count(n: int, noun: str = "feature") -> str:
    """``"1 feature has"`` / ``"3 features have"``."""
    return f"1 {noun} has" if n == 1 else f"{n} {noun}s have"


def _quoted(values: Iterable[Any], limit: int = 5) -> str:
    return first_few((f"'{v}'" for v in dict.fromkeys(str(v) for v in values)), limit=limit)


def _a(word: str) -> str:
    """``"a cost"``, ``"an affordable"``."""
    return f"an {word}" if word[:1] in "aeiou" else f"a {word}"


def _or_list(words: Sequence[str]) -> str:
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " or " + words[-1]


def _gdal_message(exc: Exception) -> str:
    text = str(exc).split(";")[0].strip()
    return text or type(exc).__name__


def _check_file(path: Path, where: _Where, report: _Report, *, noun: str, empty_fix: str) -> bool:
    """Whether an input file exists and is not empty; records it, by role, for hashing.

    Parameters
    ----------
    path
        The file.
    where
        Its role (``where.layer``, the key under ``[inputs]``) and name, for the problems.
    report
        Where the problems go and the file is recorded.
    noun
        What the file is called in the problems (``"file"``, ``"raster file"``).
    empty_fix
        How to fix an empty file.

    Returns
    -------
    bool
        False, with a problem added, when the file is missing or empty.
    """
    section = f"[inputs.{where.layer}]"
    if not path.exists():
        report.problems.append(
            where.problem(f"the {noun} does not exist", fix=_missing_file_fix(path, section))
        )
        return False
    if path.is_file() and path.stat().st_size == 0:
        report.problems.append(where.problem(f"the {noun} is empty (0 bytes)", fix=empty_fix))
        return False
    report.files[where.layer] = path
    return True


_WINDOWS_DRIVE = re.compile(r"(?:^|[\\/])([A-Za-z]:[\\/].*)$")
"""A Windows absolute path (``D:\\GIS\\city.gpkg``) inside the path siting made of it."""

_TOML_ESCAPES = {
    "\b": ("\\b", "a backspace"),
    "\t": ("\\t", "a tab"),
    "\n": ("\\n", "a newline"),
    "\f": ("\\f", "a form feed"),
    "\r": ("\\r", "a carriage return"),
    "\x1b": ("\\e", "an escape character"),  # TOML 1.1
}
"""The control characters a backslash and a letter stand for in a double-quoted TOML
string, each with the escape that made it and its name."""

_AS_TYPED = str.maketrans({char: escape for char, (escape, _) in _TOML_ESCAPES.items()})


def _on_windows() -> bool:
    """Whether this machine is Windows, where drive letters and backslashes are its own."""
    return os.name == "nt"


def _windows_path_fix(path: Path, section: str) -> str | None:
    """How to fix an input path written on Windows, or None if it does not look like one.

    A scenario written on Windows gives ``data\\city.gpkg`` (a backslash is a
    character of a file name elsewhere), ``D:\\GIS\\city.gpkg`` or ``D:/GIS/city.gpkg``
    (read as a relative path), or, in a double-quoted string, ``"data\\table.gpkg"``,
    whose ``\\t`` TOML reads as a tab: each is said as such, with the path to write. On
    Windows (:func:`_on_windows`) only the last is a slip: a missing ``D:\\GIS\\city.gpkg``
    there is simply missing.
    """
    text = str(path)
    controls = [char for char in _TOML_ESCAPES if char in text]
    typed = text.translate(_AS_TYPED)  # the path as the scenario has it
    names = " and ".join(_TOML_ESCAPES[c][1] for c in controls)
    read = f'TOML reads {" and ".join(_TOML_ESCAPES[c][0] for c in controls)} in "double quotes"'
    drive = _WINDOWS_DRIVE.search(typed)
    windows = _on_windows()
    if drive is not None and not windows:
        return (
            f"'{drive.group(1)}' under {section} is a Windows path, which this machine cannot "
            + (f"open (it holds {names}, as {read}): " if controls else "open: ")
            + "copy the file beside the scenario and give its path relative to the "
            "scenario file's folder, with / between folders"
        )
    if windows and not controls:
        return None
    marks = controls or ["\\"]
    parts = path.parts
    first = next((i for i, part in enumerate(parts) if any(m in part for m in marks)), None)
    if first is None:
        return None
    written = (
        drive.group(1) if drive is not None else "/".join(parts[first:]).translate(_AS_TYPED)
    ).replace("\\", "/")
    exists = Path(typed.replace("\\", "/")).exists()
    if controls:
        return (
            f"the path under {section} holds {names}, as {read}: write it with forward "
            f'slashes or single quotes, as "{written}"{"; that file exists" if exists else ""} '
            "(in single quotes the backslashes stay, and only Windows reads them as folders)"
        )
    return (
        f"the path under {section} has Windows backslashes (\\), which are part of a file "
        f'name here: write it with / between folders, as "{written}"'
        + (" (that file exists)" if exists else "")
    )


def _working_directory_fix(path: Path, section: str) -> str | None:
    """How to fix a relative input path written from the working directory rather than the
    scenario file's folder, or None when no such file exists.

    ``areas = "data/sample/areas.gpkg"`` in ``data/sample/scenario.toml`` is read as
    ``data/sample/data/sample/areas.gpkg``; from the working directory the planner typed
    it in, the file is there. The scenario file's folder is not known here: it is the
    deepest existing folder of ``path`` that holds a ``.toml`` file and after which the
    rest of ``path``, read from the working directory, is a file. The rest holds a
    folder (``data/sample/areas.gpkg``, not ``areas.gpkg``): a bare file name that
    exists in the working directory is as likely another project's file.
    """
    cwd = Path.cwd()
    parts = path.parts
    for k in range(len(parts) - 2, 1, -1):  # a folder below the root; typed has a folder
        folder, typed = Path(*parts[:k]), Path(*parts[k:])
        there = cwd / typed
        if not there.exists() or not folder.is_dir() or not any(folder.glob("*.toml")):
            continue
        written = Path(os.path.relpath(there, folder)).as_posix()
        return (
            f"'{typed.as_posix()}' under {section} does not exist in {folder}; a file of that "
            f"name exists relative to the working directory {cwd}: paths in a scenario are "
            f'read from the scenario file\'s folder; write it as "{written}" or an absolute path'
        )
    return None


def _path_fix(path: Path, section: str) -> str | None:
    """How to fix the path of an input file that does not exist, when it was written on
    Windows (:func:`_windows_path_fix`) or from the working directory
    (:func:`_working_directory_fix`); None otherwise."""
    return _windows_path_fix(path, section) or _working_directory_fix(path, section)


def _missing_file_fix(path: Path, section: str) -> str:
    """How to fix the path of an input file that does not exist (see :func:`_path_fix`)."""
    return _path_fix(path, section) or (
        f"check the path under {section} (a relative path is read from the scenario file's folder)"
    )


def _unknown_encoding(encoding: str, where: _Where) -> Problem:
    """The problem of an ``encoding`` under ``[inputs.<layer>]`` that Python does not know."""
    return where.problem(
        f"encoding = '{encoding}' under [inputs.{where.layer}] is not an encoding Python knows",
        fix='use "gbk" (or "gb18030") for Chinese Windows files, "utf-8", or "big5"',
    )


def _assumed_crs(crs: str, where: _Where, report: _Report, *, noun: str) -> pyproj.CRS | None:
    """The CRS the scenario gives for a file that has none, noted; a problem if it is not a CRS.

    Parameters
    ----------
    crs
        The ``crs`` under the input's ``[inputs.<role>]`` section.
    where
        The input, for the problem.
    report
        Where the note or the problem goes.
    noun
        What the input is called in the note (``"file"``, ``"raster"``).

    Returns
    -------
    pyproj.CRS or None
        None, with a problem added, when pyproj does not know ``crs``.
    """
    try:
        assumed = pyproj.CRS.from_user_input(crs)
    except CRSError as exc:
        report.problems.append(
            where.problem(
                f"crs = '{crs}' under [inputs.{where.layer}] is not a CRS pyproj knows ({exc})",
                fix='give an EPSG code such as crs = "EPSG:4544"',
            )
        )
        return None
    report.note(
        Said(
            f"{where.layer}: the {noun} has no CRS; assumed {crs} from the scenario",
            code="crs_assumed",
            layer=where.layer,
            crs=crs,
        )
    )
    return assumed
