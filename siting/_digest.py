"""Content hashes of files: the inputs recorded in ``run.json``, the county cache's key (with
the code's own), the name of an OSM PBF file's XML copy."""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

__all__ = ["code_sha256", "file_sha256"]


def file_sha256(path: str | Path) -> str:
    """The SHA-256 of a file's bytes, read in 1 MiB blocks, as hex; of a folder (a File
    Geodatabase), of its files' names and hashes in name order, leaving out the ``.lock``
    files ArcGIS keeps while it has the geodatabase open.

    Before, a ``.gdb`` input had no hash: ``run.json`` did not record it, and ``--resume``
    reused counties planned on a geodatabase edited since.

    Examples
    --------
    >>> p = getfixture("tmp_path") / "a.txt"
    >>> _ = p.write_bytes(b"abc")
    >>> file_sha256(p)[:16]
    'ba7816bf8f01cfea'
    """
    digest = hashlib.sha256()
    root = Path(path)
    if root.is_dir():  # a File Geodatabase (city.gdb) is a folder: its files, by name
        for file in sorted(q for q in root.rglob("*") if q.is_file() and q.suffix != ".lock"):
            digest.update(f"{file.relative_to(root).as_posix()}\n".encode())
            digest.update(bytes.fromhex(file_sha256(file)))
        return digest.hexdigest()
    with root.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@functools.cache
def code_sha256() -> str:
    """The SHA-256 of siting's own source: every ``.py`` file of the package, by its path
    within it and its bytes, in path order (computed once per process).

    The version number stays the same while the code changes (an installed checkout, a
    fix in place): what reuses results made by earlier code, such as the county cache of
    ``--resume``, keys them by this digest too.

    Examples
    --------
    >>> len(code_sha256())
    64
    """
    package = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()
