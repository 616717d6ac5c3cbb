"""The output folder: refusing unsafe targets, locking, staging and recovery.

A plan is written whole or not at all into ``OUT``, and nothing else of the
planner's is ever lost on the way:

* **Refusals** (:func:`check_output`). ``OUT`` is refused when it is or
  contains an input file or the scenario's folder (symlinks resolved), when it
  is an existing file, when it is an existing folder that is not a plan, and
  when it is a plan that also holds other files or whose files were changed
  since it was written (:func:`changed_files`), unless ``replace`` is given.
  Its parent must be a folder this user can write in. All of this is checked
  before any input is read.
* **A plan** is a folder whose ``run.json`` carries the marker
  ``"siting_plan": 1`` (:data:`PLAN_MARKER`) and, under ``"paths"``, every file
  and folder the run wrote, inside its subfolders too (:func:`record_files`);
  anything else there is the planner's (:func:`stray_files`). A folder written
  before the marker existed counts as a plan when it holds ``run.json`` and
  ``areas.geojson``.
* **A lock** (:func:`output_lock`): the file ``.OUT.lock`` beside ``OUT``,
  held with ``fcntl.flock`` (``msvcrt.locking`` on Windows) while a run checks,
  computes and writes. A second run into the same ``OUT`` fails at once,
  naming the process that holds it; it does not wait. The kernel drops the
  lock of a killed process, and the next run removes the file.
* **Staging and replacing** (:func:`staging_folder`, :func:`replace_folder`).
  Files are written into ``.OUT.partial-*`` beside ``OUT`` (created with the
  user's umask), then swapped with the old plan in one atomic
  ``renameat2(RENAME_EXCHANGE)`` on Linux, so the plan is never only under a
  hidden name. Where that call is missing, the old plan moves to
  ``.OUT.old-*/OUT`` and the new one into place: two renames.
* **Recovery** (:func:`recover`), by the next run into the same ``OUT``, under
  the lock: a staging folder left by a killed run is removed (it was never a
  finished plan); an old plan in ``.OUT.old-*/OUT`` is put back when ``OUT``
  is missing (the run died between the two renames) and removed otherwise.
  :func:`leftovers` lists what recovery would do, for ``siting verify``.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import hashlib
import json
import logging
import os
import re
import secrets
import shutil
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from siting._text import first_few
from siting.errors import OutputError

if TYPE_CHECKING:
    from siting.scenario import InputsSpec

__all__ = [
    "PLAN_MARKER",
    "WRITE_ERRNOS",
    "as_written",
    "changed_files",
    "check_output",
    "claim_output",
    "input_paths",
    "is_plan",
    "leftovers",
    "lock_path",
    "note_written",
    "output_lock",
    "record_files",
    "recover",
    "replace_folder",
    "staged_output",
    "staging_folder",
    "stray_files",
    "write_failure",
    "write_whole",
]

log = logging.getLogger(__name__)

PLAN_MARKER = "siting_plan"
"""The key of ``run.json`` that marks a folder as a plan (its value is the layout version, 1)."""

_OWN_NAMES = re.compile(
    r"(run\.json|plan\.gpkg|assignments\.csv|districts\.csv|map\.html|report\.(html|md)"
    r"|report_\w+\.svg|[^/]+\.geojson"
    r"|(\d{6}[^/]*_)?(plan\.gdb|plan\.jpg|districts\.xlsx|facilities\.xlsx|shapefile))"
)
"""Names ``siting`` writes into a plan, recognised in a plan without ``run.json``'s lists
(written before the lists existed): the layers, tables, map and report, and the
hand-in files, plain or named by a division code (``510802利州区_plan.gdb``)."""

_OS_LITTER = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})
"""Files a file manager leaves in any folder; replacing a plan may drop them."""


def input_paths(inputs: InputsSpec | None) -> list[Path]:
    """Every file a scenario's ``[inputs]`` names.

    Parameters
    ----------
    inputs
        The scenario's inputs (``None`` for none).

    Returns
    -------
    list of Path
        The paths, as the scenario gives them.
    """
    if inputs is None:
        return []
    paths = []
    for value in vars(inputs).values():
        path = value if isinstance(value, Path) else getattr(value, "path", None)
        if path is not None:
            paths.append(Path(path))
    return paths


def is_plan(folder: Path) -> bool:
    """Whether ``folder`` holds a plan written by ``siting``.

    Parameters
    ----------
    folder
        An existing folder.

    Returns
    -------
    bool
        True when its ``run.json`` has :data:`PLAN_MARKER`, or (a plan written
        before the marker) when it holds ``run.json`` and ``areas.geojson``.
    """
    run = _run_json(folder)
    if run is None:
        return False
    return PLAN_MARKER in run or (folder / "areas.geojson").is_file()


def stray_files(folder: Path) -> list[str]:
    """The names in a plan folder that the plan did not write.

    A plan's ``run.json`` lists every path the run wrote (``"paths"``, inside its
    subfolders too): anything else in the folder, at any depth, is a stray. A plan
    written before that list existed lists only its top-level names (``"files"``),
    and one written before either is judged by the names ``siting`` writes.

    Parameters
    ----------
    folder
        A plan folder (see :func:`is_plan`).

    Returns
    -------
    list of str
        Sorted paths inside ``folder`` (``shapefile/notes.txt``; a stray folder once,
        not its contents); replacing the plan would delete them.
    """
    run = _run_json(folder) or {}
    paths, listed = run.get("paths"), run.get("files")
    if isinstance(paths, list):
        own = {str(p) for p in paths}
        return sorted(_unlisted(folder, folder, own))
    if isinstance(listed, list):
        own = {str(p) for p in listed}
        return sorted(
            e.name for e in folder.iterdir() if e.name not in own and e.name not in _OS_LITTER
        )
    return sorted(
        entry.name
        for entry in folder.iterdir()
        if not _OWN_NAMES.fullmatch(entry.name) and entry.name not in _OS_LITTER
    )


_SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")
"""SQLite's files beside a database open in QGIS (``plan.gpkg-wal``): the plan's own."""


def _unlisted(root: Path, folder: Path, own: set[str]) -> Iterator[str]:
    for entry in folder.iterdir():
        if entry.name in _OS_LITTER:
            continue
        rel = entry.relative_to(root).as_posix()
        if any(rel.endswith(c) and rel.removesuffix(c) in own for c in _SQLITE_COMPANIONS):
            continue  # what they hold is read with the database (changed_files)
        if rel not in own:
            yield rel
        elif entry.is_dir() and not entry.is_symlink():
            yield from _unlisted(root, entry, own)


def record_files(folder: Path, run: dict[str, Any]) -> dict[str, Any]:
    """``run`` with the lists of what the run wrote into ``folder``, for :func:`stray_files`.

    Parameters
    ----------
    folder
        The complete staging folder, ``run.json`` aside.
    run
        Its ``run.json`` record.

    Returns
    -------
    dict
        ``run`` with ``"files"`` (the top-level names) and ``"paths"`` (every file
        and folder inside, as ``shapefile/areas.shp``), ``run.json`` included.
    """
    paths = {p.relative_to(folder).as_posix() for p in folder.rglob("*")}
    return {
        **run,
        "files": sorted({*(p.name for p in folder.iterdir()), "run.json"}),
        "paths": sorted({*paths, "run.json"}),
        "sha256": {
            rel: _sha256(folder / rel)
            for rel in sorted(paths)
            if rel != "run.json" and (folder / rel).is_file()
        },
    }


def _sha256(path: Path) -> str:
    """A file's SHA-256; a GeoPackage's is of what it holds (:func:`_geopackage_digest`)."""
    if path.suffix.lower() == ".gpkg":
        held = _geopackage_digest(path)
        if held is not None:
            return held
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _geopackage_digest(path: Path) -> str | None:
    """SHA-256 of a GeoPackage's layers, their feature counts and its styles, or ``None``
    when SQLite cannot read it.

    QGIS changes a GeoPackage's bytes by merely opening it (it switches the file to
    write-ahead logging, which the header records), so the file's own digest would
    call a plan a planner only looked at "changed". What a planner adds is a layer, a
    style or features; those are what this digest sees. (A feature edited in place
    is not seen.) A GeoPackage with a write-ahead log beside it is open in QGIS, or
    was left so, and counts as changed.
    """
    import sqlite3

    wal = path.with_name(path.name + "-wal")
    if wal.exists() and wal.stat().st_size > 0:
        # open in QGIS now (or left so): what it holds is not all in the file yet
        return "gpkg:open"
    digest = hashlib.sha256()
    try:
        # immutable: read without locks, so SQLite writes no -shm beside the plan
        with contextlib.closing(
            sqlite3.connect(f"file:{path.resolve().as_posix()}?immutable=1", uri=True)
        ) as db:
            tables = db.execute(
                "SELECT table_name, data_type, identifier FROM gpkg_contents ORDER BY table_name"
            ).fetchall()
            for name, kind, identifier in tables:
                (count,) = db.execute(f'SELECT count(*) FROM "{name}"').fetchone()
                digest.update(repr((name, kind, identifier, count)).encode())
            has_styles = db.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'layer_styles'"
            ).fetchone()[0]
            if has_styles:
                for row in db.execute(
                    "SELECT f_table_name, f_geometry_column, styleName, styleQML, styleSLD, "
                    "useAsDefault, description FROM layer_styles ORDER BY 1, 3, 4"
                ):
                    digest.update(repr(row).encode())
    except sqlite3.Error:
        return None
    return "gpkg:" + digest.hexdigest()


def as_written(folder: Path) -> bool:
    """Whether every file a plan's ``run.json`` records is there as ``siting`` wrote it
    (its SHA-256 the same, none deleted); False for a plan written before the digests
    were kept (see :func:`changed_files`)."""
    digests = (_run_json(folder) or {}).get("sha256")
    if not isinstance(digests, dict) or not digests:
        return False
    whole = all((folder / str(rel)).is_file() for rel in digests)
    return whole and not changed_files(folder)


def changed_files(folder: Path) -> list[str]:
    """The files of a plan that were changed after ``siting`` wrote them.

    A plan's ``run.json`` keeps the SHA-256 of every file the run wrote
    (``"sha256"``); a file whose content differs now (a layer or a style added
    to ``plan.gpkg`` in QGIS, a table saved again by Excel) holds the planner's
    work, which replacing the plan would lose. A file deleted since is not
    listed, nor is anything in a plan written before the digests existed.

    Parameters
    ----------
    folder
        A plan folder (see :func:`is_plan`).

    Returns
    -------
    list of str
        Sorted paths inside ``folder``, as ``plan.gpkg`` or ``shapefile/areas.dbf``.
    """
    digests = (_run_json(folder) or {}).get("sha256")
    if not isinstance(digests, dict):
        return []
    changed = []
    for rel, digest in digests.items():
        path = folder / str(rel)
        try:
            if path.is_file() and _sha256_unless_seen(path) != digest:
                changed.append(str(rel))
        except OSError:
            changed.append(str(rel))  # unreadable now: not ours to replace unseen
    return sorted(changed)


_SEEN: dict[Path, tuple[tuple[int, ...], str]] = {}
"""The digests :func:`changed_files` computed in this process, by path, with the file's
:func:`_signature` then: a run checks its plan folder at the start and again when it
writes (:func:`siting.export.write_plan`), and hashing a plan of several GB twice takes
seconds. One entry a path, so the dict stays as small as the plans checked."""

_SETTLED_NS = 2_000_000_000
"""A digest is kept only for a file last changed this long before it was hashed (2 s).

A write in the same tick of the file system's clock as the one before it leaves
``st_mtime_ns`` as it was (``st_ctime_ns`` too; FAT keeps times to 2 s), so the
signature of a file changed just before it was hashed could hide a second change: such a
file is hashed again next time (git's "racily clean" entries)."""


def _signature(path: Path) -> tuple[tuple[int, ...], int]:
    """What changes when a file's bytes do, and the newest of its times (ns).

    The device, inode, size, modification and change times of the file, and of a
    GeoPackage's ``-wal`` beside it, whose content :func:`_geopackage_digest` sees.
    """
    stats = [path.stat()]
    if path.suffix.lower() == ".gpkg":
        with contextlib.suppress(FileNotFoundError):
            stats.append(path.with_name(path.name + "-wal").stat())
    key = tuple(
        n for s in stats for n in (s.st_dev, s.st_ino, s.st_size, s.st_mtime_ns, s.st_ctime_ns)
    )
    return key, max(max(s.st_mtime_ns, s.st_ctime_ns) for s in stats)


def _sha256_unless_seen(path: Path) -> str:
    """:func:`_sha256`, or the digest this process last computed of ``path`` when its
    :func:`_signature` has not changed since (see :data:`_SEEN`)."""
    started = time.time_ns()
    key, newest = _signature(path)
    seen = _SEEN.get(path)
    if seen is not None and seen[0] == key:
        return seen[1]
    digest = _sha256(path)
    if _signature(path)[0] == key and newest < started - _SETTLED_NS:
        _SEEN[path] = (key, digest)
    else:
        _SEEN.pop(path, None)  # changed while hashed, or too lately to trust its times
    return digest


def note_written(folder: str | Path, paths: Iterable[str | Path]) -> None:
    """Add files written into a finished plan (``siting map``, ``siting map --report``) to
    its ``run.json`` lists, so a later run knows them as the plan's, not the planner's.

    Parameters
    ----------
    folder
        The plan folder. Without a ``run.json`` that lists the plan's files, nothing is
        done (an older plan is judged by the names ``siting`` writes).
    paths
        The files written; those outside ``folder`` are left out.
    """
    root = Path(folder).resolve()
    run = _run_json(root)
    if run is None or not isinstance(run.get("files"), list):
        return
    rel = []
    for path in paths:
        full = Path(path).resolve()
        if root in full.parents:
            rel.append(full.relative_to(root).as_posix())
    if not rel:
        return
    run["files"] = sorted({*map(str, run["files"]), *(r.split("/")[0] for r in rel)})
    if isinstance(run.get("paths"), list):
        run["paths"] = sorted({*map(str, run["paths"]), *rel})
    if isinstance(run.get("sha256"), dict):
        for r in rel:
            if (root / r).is_file():
                run["sha256"][r] = _sha256(root / r)
    write_whole(root / "run.json", json.dumps(run, ensure_ascii=False, indent=2))


def write_whole(path: str | Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` whole or not at all.

    It goes into a hidden file beside ``path`` first, renamed over ``path`` once
    written: a disk that fills up leaves ``path`` as it was (or absent) and no
    partial file behind (``siting map`` into a finished plan).

    Parameters
    ----------
    path
        The file to write.
    text
        Its content.
    """
    target = Path(path)
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, target)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError) and exc.filename in (None, str(tmp)):
            exc.filename = str(target)  # name the file meant, not the hidden one (or none)
        raise


def _run_json(folder: Path) -> dict[str, Any] | None:
    try:
        run = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return run if isinstance(run, dict) else None


def check_output(
    out: str | Path,
    *,
    inputs: Iterable[str | Path] = (),
    scenario_folder: str | Path | None = None,
    replace: bool = False,
) -> Path:
    """Refuse an output folder that is unsafe to write, before anything is read.

    Parameters
    ----------
    out
        The output folder asked for.
    inputs
        The input files of the run.
    scenario_folder
        The folder of the scenario file.
    replace
        Replace a plan folder whole, other files in it included.

    Returns
    -------
    Path
        ``out`` with symlinks resolved.

    Raises
    ------
    OutputError
        Naming the path and the fix: ``out`` is or contains an input or the
        scenario's folder, is a file, is a folder that is not a plan, is a plan
        holding other files or files changed since it was written (without
        ``replace``), or its parent cannot be written.
    """
    target = Path(out).expanduser().resolve()
    protected = {Path(p).expanduser().resolve(): "the input" for p in inputs}
    if scenario_folder is not None:
        protected[Path(scenario_folder).expanduser().resolve()] = "the scenario's folder"
    clashes = [(path, "is") for path in protected if path == target] + [
        (path, "contains") for path in protected if target in path.parents
    ]
    for path, verb in clashes[:1]:
        what = protected[path]
        raise OutputError(
            f"--out {target} {verb} {what} {path}, which writing the plan would delete; "
            f"fix: give --out a folder of its own, such as {_suggest(target, protected)}"
        )
    if target.exists() and not target.is_dir():
        raise OutputError(
            f"--out {target} is an existing file, which writing the plan would replace; "
            f"fix: give --out a folder (a plan is a folder of files), such as {target}-plan"
        )
    if target.is_dir() and any(target.iterdir()):
        if not is_plan(target):
            raise OutputError(
                f"--out {target} is a folder that is not a siting plan (it has no plan's "
                "run.json) and writing the plan would delete everything in it; fix: give "
                f"--out a new folder, such as {target / 'plan'}"
            )
        strays = stray_files(target)
        if strays and not replace:
            names = first_few(strays, limit=5)
            raise OutputError(
                f"--out {target} is an earlier plan that also holds {names}, which replacing "
                "it would delete; fix: move them out, or add --replace to replace the whole folder"
            )
        changed = [] if replace else changed_files(target)
        if changed:
            names = first_few(changed, limit=5)
            raise OutputError(
                f"--out {target} is an earlier plan whose {names} changed after siting wrote "
                f"{'them' if len(changed) > 1 else 'it'} (edited in QGIS or Excel, say), which "
                "replacing the plan would lose; fix: copy the plan elsewhere first, give --out "
                "a new folder, or add --replace to replace the whole folder"
            )
    _check_writable_parent(target)
    return target


def _suggest(target: Path, protected: Iterable[Path]) -> Path:
    """A folder beside the inputs that holds none of them."""
    protected = list(protected)
    for base in (target, target.parent):
        if base.exists() and not base.is_dir():
            continue
        candidate = base / "plan"
        if not any(p == candidate or candidate in p.parents for p in protected):
            return candidate
    return target.parent / f"{target.name}-plan"


def _check_writable_parent(target: Path) -> None:
    """The nearest existing ancestor of ``target`` must be a folder this user can write in."""
    ancestor = target.parent
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise OutputError(
            f"cannot write --out {target}: {ancestor} is a file, not a folder; "
            "fix: give --out a path inside a folder"
        )
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise OutputError(
            f"cannot write --out {target}: no permission to create files in {ancestor}; "
            "fix: give --out a folder you can write in"
        )


def lock_path(target: Path) -> Path:
    """The lock file of an output folder: ``.OUT.lock`` beside it."""
    return target.parent / f".{target.name}.lock"


_HELD: dict[Path, int] = {}
_HELD_LOCK = threading.Lock()


@contextlib.contextmanager
def output_lock(target: Path) -> Iterator[None]:
    """Hold the lock of an output folder; a second run into it fails at once.

    The lock is reentrant within a process (the command line holds it for the
    whole run and :func:`siting.export.write_plan` takes it again).

    Parameters
    ----------
    target
        The resolved output folder; its parent must exist.

    Raises
    ------
    OutputError
        If another process holds the lock.
    """
    with _HELD_LOCK:
        if target in _HELD:
            _HELD[target] += 1
            reentered = True
        else:
            reentered = False
    if reentered:
        try:
            yield
        finally:
            with _HELD_LOCK:
                _HELD[target] -= 1
        return
    path = lock_path(target)
    fd = _acquire(path, target)
    with _HELD_LOCK:
        _HELD[target] = 1
    try:
        yield
    finally:
        with _HELD_LOCK:
            del _HELD[target]
        _release(fd, path)


def _acquire(path: Path, target: Path) -> int:
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            if not _try_lock(fd):
                raise OutputError(
                    f"another siting run{_holder(fd)} is writing to --out {target} (it holds "
                    f"the lock {path}); fix: wait for it to finish, or give another --out"
                )
            # A run that finished between our open and our lock removed the file:
            # lock the file now at ``path`` instead.
            if sys.platform != "win32" and os.fstat(fd).st_ino != _inode(path):
                os.close(fd)
                continue
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
            return fd
        except BaseException:
            with contextlib.suppress(OSError):
                os.close(fd)
            raise


def _inode(path: Path) -> int | None:
    try:
        return os.stat(path).st_ino
    except FileNotFoundError:
        return None


def _holder(fd: int) -> str:
    try:
        pid = os.pread(fd, 32, 0).decode().strip() if hasattr(os, "pread") else ""
    except OSError:
        pid = ""
    return f" (process {pid})" if pid.isdigit() else ""


def _try_lock(fd: int) -> bool:
    if sys.platform == "win32":  # pragma: no cover - not tested on Windows
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _release(fd: int, path: Path) -> None:
    if sys.platform == "win32":  # pragma: no cover - Windows cannot remove an open file
        os.close(fd)
        with contextlib.suppress(OSError):
            path.unlink()
        return
    # Removed while still locked, so a waiting run sees a changed inode and retries.
    with contextlib.suppress(OSError):
        path.unlink()
    os.close(fd)


def _hidden(target: Path, kind: str) -> list[Path]:
    """``.OUT.<kind>-*`` beside ``target``, newest first."""
    prefix = f".{target.name}.{kind}-"
    try:
        found = [p for p in target.parent.iterdir() if p.name.startswith(prefix) and p.is_dir()]
    except OSError:
        return []
    return sorted(found, key=lambda p: p.stat().st_mtime, reverse=True)


def leftovers(target: str | Path) -> list[str]:
    """What an interrupted run left beside an output folder, and what the next run does with it.

    Parameters
    ----------
    target
        The output folder.

    Returns
    -------
    list of str
        One sentence per staging folder or old plan found; empty when none.
    """
    target = Path(target).resolve()
    notes = []
    restore = None if target.exists() else _restorable(target)
    for old in _hidden(target, "old"):
        if old == restore:
            notes.append(
                f"the plan is missing but its previous version is in {old / target.name} "
                "(a run was stopped while replacing it); the next run into this folder "
                "puts it back"
            )
        else:
            notes.append(
                f"{old} holds an older plan left by a stopped run; the next run removes it"
            )
    for partial in _hidden(target, "partial"):
        notes.append(f"{partial} is the staging folder of a stopped run; the next run removes it")
    return notes


def _restorable(target: Path) -> Path | None:
    for old in _hidden(target, "old"):
        if (old / target.name).is_dir():
            return old
    return None


def recover(target: Path) -> list[str]:
    """Clean up after a run that was killed while writing into ``target``.

    Call it holding :func:`output_lock`: staging folders are removed; an old
    plan is put back when ``target`` is missing, and removed otherwise.

    Parameters
    ----------
    target
        The resolved output folder.

    Returns
    -------
    list of str
        One sentence per thing done (also logged as warnings).
    """
    done = []
    restore = None if target.exists() else _restorable(target)
    if restore is not None:
        os.rename(restore / target.name, target)
        done.append(
            f"put back the previous plan {target} from {restore} (a run was stopped "
            "while replacing it)"
        )
    for old in _hidden(target, "old"):
        shutil.rmtree(old)
        if old != restore:
            done.append(f"removed {old}, an older plan left by a stopped run")
    for partial in _hidden(target, "partial"):
        shutil.rmtree(partial)
        done.append(f"removed {partial}, the staging folder of a stopped run")
    for line in done:
        log.warning(line)
    return done


@contextlib.contextmanager
def claim_output(
    out: str | Path,
    *,
    inputs: Iterable[str | Path] = (),
    scenario_folder: str | Path | None = None,
    replace: bool = False,
) -> Iterator[Path]:
    """Check an output folder, lock it and recover it from a stopped run.

    Parameters
    ----------
    out, inputs, scenario_folder, replace
        As in :func:`check_output`.

    Yields
    ------
    Path
        The resolved output folder, locked until the block ends.

    Raises
    ------
    OutputError
        As :func:`check_output`, or when another run holds the lock.
    """
    inputs = list(inputs)
    target = check_output(out, inputs=inputs, scenario_folder=scenario_folder, replace=replace)
    target.parent.mkdir(parents=True, exist_ok=True)
    with output_lock(target):
        if recover(target):  # a plan put back must pass the checks too
            check_output(target, inputs=inputs, scenario_folder=scenario_folder, replace=replace)
        yield target


WRITE_ERRNOS = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is used up",
    errno.EFBIG: "a file grew past the size this system allows",
    errno.EROFS: "the disk is read-only",
    errno.EIO: "the disk failed to write (an input/output error)",
}
"""Write failures of the disk or the system, not of siting, by errno, as said to a planner."""

_GDAL_WRITE_FAILURES = (
    ("disk is full", "the disk is full"),
    ("no space left", "the disk is full"),
    ("file too large", "a file grew past the size this system allows"),
    ("read-only", "the disk is read-only"),
    ("readonly", "the disk is read-only"),
    ("disk i/o error", "the disk failed to write (an input/output error)"),
)
"""What GDAL (through pyogrio) and SQLite say when the disk refuses a write."""

_LOW_SPACE_BYTES = 1 << 20


def write_failure(exc: BaseException, out: Path, *, file: str | None = None) -> OutputError | None:
    """The output error to raise when writing a folder into ``out`` failed because of the
    disk, or inside GDAL or SQLite; ``None`` for any other failure.

    Writing is the last step of a run: when the disk fills up (or is read-only, or its
    quota is used up) GDAL raises ``pyogrio.errors.DataSourceError: Failed to commit
    transaction`` or ``FeatureError: … database or disk is full``, and SQLite and Python
    raise their own errors, each a traceback from deep inside a library. The staging
    folder is removed by then and ``out`` left as it was, which the message says. A GDAL
    or SQLite error of no known cause (a network share that fails mid-write) is said
    with the file and GDAL's own words.

    Parameters
    ----------
    exc
        What writing the staging folder raised.
    out
        The output folder being written.
    file
        The file being written when it failed (``plan.gpkg``), if known.

    Returns
    -------
    OutputError or None
        The error naming ``out``, the disk's state (or the file and the library's words)
        and the fix.
    """
    why: str | None = None
    what = ""
    library = ""
    if isinstance(exc, OSError) and exc.errno in WRITE_ERRNOS:
        why = WRITE_ERRNOS[exc.errno]
        if exc.filename:
            what = f" (writing {Path(str(exc.filename)).name})"
    elif isinstance(exc, Exception) and _is_gdal_or_sqlite(exc):
        # GDAL often loses the reason ("Failed to commit transaction"): the disk is asked
        text = str(exc).lower()
        why = next((said for found, said in _GDAL_WRITE_FAILURES if found in text), None)
        if why is None and 0 <= _free_bytes(out.parent) < _LOW_SPACE_BYTES:
            why = "the disk is full"
        if why is None and "commit" in text and _file_size_limit() is not None:
            why = f"a file grew past the size this system allows ({_file_size_limit():,} bytes)"
        if why is not None:
            what = f" ({type(exc).__name__}: {exc})"
        elif _from_the_medium(exc):
            library = "SQLite" if type(exc).__module__.startswith("sqlite3") else "GDAL"
    if why is None and not library:
        return None
    left = (
        f"the earlier plan in {out} is left whole" if is_plan(out) else f"{out} is left as it was"
    )
    if library:
        writing = f" writing {file}" if file else ""
        return OutputError(
            f"cannot write --out {out}: {library} failed{writing} ({type(exc).__name__}: "
            f"{exc}). Nothing was written and {left}; fix: check that the disk (or network "
            "share) of --out is there and writable and run again, or give --out a folder on "
            "a local disk"
        )
    free = _free_bytes(out.parent)
    space = f"; {free / 1e6:,.1f} MB free there" if free >= 0 else ""
    return OutputError(
        f"cannot write --out {out}: {why}{what}{space}. Nothing was written and {left}; fix: "
        "free space on that disk (or make it writable), or give --out a folder on another disk"
    )


def _is_gdal_or_sqlite(exc: Exception) -> bool:
    import sqlite3

    if isinstance(exc, sqlite3.Error):
        return True
    try:
        import pyogrio.errors
    except ImportError:  # pragma: no cover - pyogrio is a dependency
        return False
    return isinstance(
        exc,
        (
            pyogrio.errors.DataSourceError,
            pyogrio.errors.DataLayerError,
            pyogrio.errors.FeatureError,
            pyogrio.errors.FieldError,
            pyogrio.errors.GeometryError,
        ),
    )


def _from_the_medium(exc: Exception) -> bool:
    """Whether a GDAL or SQLite error of no known cause may come from where the files are
    written (a network share gone, a lock, an I/O error): a data source that failed
    (``pyogrio.errors.DataSourceError``) or SQLite's ``OperationalError``. An error in a
    field, a feature, a geometry or a constraint (``IntegrityError``) is siting's own
    and keeps its traceback."""
    import sqlite3

    import pyogrio.errors

    return isinstance(exc, (sqlite3.OperationalError, pyogrio.errors.DataSourceError))


def _file_size_limit() -> int | None:
    """The largest file this process may write (``ulimit -f``), in bytes; None if unlimited."""
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        return None
    soft = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
    return None if soft == resource.RLIM_INFINITY else int(soft)


def _free_bytes(folder: Path) -> int:
    """Bytes free on the disk of ``folder``; -1 when it cannot be told."""
    try:
        return int(shutil.disk_usage(folder).free)
    except OSError:
        return -1


def staging_folder(target: Path) -> Path:
    """Create the empty folder ``.OUT.partial-<random>`` beside ``target``, with the umask's mode.

    Parameters
    ----------
    target
        The resolved output folder.

    Returns
    -------
    Path
        The new folder.
    """
    while True:
        path = target.parent / f".{target.name}.partial-{secrets.token_hex(4)}"
        try:
            path.mkdir(mode=0o777)
        except FileExistsError:
            continue
        return path


def replace_folder(new: Path, target: Path) -> None:
    """Move the complete folder ``new`` to ``target``, replacing an old ``target``.

    On Linux the two are swapped in one atomic rename and the old plan (now at
    ``new``) is removed. Elsewhere the old plan moves to ``.OUT.old-*/OUT``
    first, and :func:`recover` puts it back if the process dies before the
    second rename.

    Parameters
    ----------
    new
        A staging folder beside ``target``.
    target
        The resolved output folder.
    """
    if not target.exists():
        os.rename(new, target)
        return
    if _exchange(new, target):
        shutil.rmtree(new, ignore_errors=True)
        return
    old = target.parent / f".{target.name}.old-{secrets.token_hex(4)}"
    old.mkdir(mode=0o700)
    os.rename(target, old / target.name)
    try:
        os.rename(new, target)
    except BaseException:
        os.rename(old / target.name, target)
        raise
    shutil.rmtree(old, ignore_errors=True)


_AT_FDCWD = -100
_RENAME_EXCHANGE = 2
_UNSUPPORTED = frozenset({errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.ENOTSUP})


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically with Linux's ``renameat2``; False where it is unavailable."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_uint,
    ]
    renameat2.restype = ctypes.c_int
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in _UNSUPPORTED:
        return False
    raise OSError(code, os.strerror(code), str(b))


@contextlib.contextmanager
def staged_output(
    out: str | Path,
    *,
    inputs: Iterable[str | Path] = (),
    scenario_folder: str | Path | None = None,
    replace: bool = False,
    kind: str,
) -> Iterator[Path]:
    """Write an output folder of another kind than a plan (a frontier, robust sites) whole.

    ``out`` is claimed (:func:`claim_output`: refused when unsafe, locked,
    recovered); the block writes its files into the staging folder it is given,
    ``run.json`` included; on leaving, ``run.json`` gets :data:`PLAN_MARKER`,
    ``"kind"`` and the list of files, and the folder is swapped in
    (:func:`replace_folder`). On an error the staging folder is removed and
    ``out`` is left as it was.

    Parameters
    ----------
    out, inputs, scenario_folder, replace
        As in :func:`check_output`.
    kind
        What the folder holds, recorded as ``run.json``'s ``"kind"``.

    Yields
    ------
    Path
        The staging folder to write into.
    """
    inputs = list(inputs)
    with claim_output(
        out, inputs=inputs, scenario_folder=scenario_folder, replace=replace
    ) as target:
        tmp = staging_folder(target)
        try:
            yield tmp
            run = _run_json(tmp) or {}
            run = record_files(tmp, {PLAN_MARKER: 1, "kind": kind, **run})
            (tmp / "run.json").write_text(
                json.dumps(run, ensure_ascii=False, indent=2), encoding="utf-8"
            )
            replace_folder(tmp, target)
        except BaseException as exc:
            failure = write_failure(exc, target)  # before the staging folder frees its space
            shutil.rmtree(tmp, ignore_errors=True)
            if failure is not None:
                raise failure from exc
            raise
