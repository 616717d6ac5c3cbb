"""Inner loops compiled with numba on first use.

Some loops in siting cannot be vectorised with NumPy: the bounded Dijkstra of
:mod:`siting.network.paths`, the set-covering local search of
:mod:`siting.locate.heuristics`, and the cost search's move and bound of
:mod:`siting.search`. Each is written as a plain Python function
and compiled here the first time it runs. numba is imported only then (it
loads LLVM: about 100 MB and a few tenths of a second), the machine code is
cached on disk (``cache=True``), and the compiled loop releases the GIL so
that threads can share the cores.

Where the cache goes: numba's own choice first (``NUMBA_CACHE_DIR`` when set,
else ``__pycache__`` beside the source, else ``~/.cache/numba``). When none of
those can be written (an installed package in a read-only ``site-packages``,
run by a user whose ``HOME`` is not writable, a service account), numba
refuses to compile with ``cache=True``; siting then caches in a folder of its
own under the system's temporary folder (``siting-numba-<user>``), and when
even that cannot be written it compiles without a cache (a few seconds more
per run). Either way it logs which, once, and never fails for want of a cache.
"""

from __future__ import annotations

import functools
import getpass
import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

__all__ = ["compiled"]

logger = logging.getLogger(__name__)


def _fallback_cache_dir() -> Path | None:
    """A writable folder of siting's own under the temporary folder, or None."""
    try:
        user = getpass.getuser()
    except Exception:  # no user name (a container without /etc/passwd entry)
        user = str(os.getuid()) if hasattr(os, "getuid") else "user"
    folder = Path(tempfile.gettempdir()) / f"siting-numba-{user}"
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError:
        return None
    return folder


@functools.cache
def _compile(func: Callable[..., Any]) -> Callable[..., Any]:
    import numba

    try:
        kernel: Callable[..., Any] = numba.njit(cache=True, nogil=True)(func)
        return kernel
    except RuntimeError as exc:  # "cannot cache function ...: no locator available"
        if "cannot cache" not in str(exc):
            raise
    folder = _fallback_cache_dir()
    if folder is not None:
        numba.config.CACHE_DIR = str(folder)  # type: ignore[attr-defined]
        try:
            kernel = numba.njit(cache=True, nogil=True)(func)
        except RuntimeError as exc:
            if "cannot cache" not in str(exc):
                raise
        else:
            _say_once(f"numba cannot write its cache beside siting or in HOME; caching in {folder}")
            return kernel
    _say_once(
        "numba cannot write a cache anywhere (not beside siting, in HOME or in the temporary "
        "folder); compiling without one, which adds a few seconds to each run. Set "
        "NUMBA_CACHE_DIR to a writable folder to cache."
    )
    kernel = numba.njit(cache=False, nogil=True)(func)
    return kernel


@functools.cache
def _say_once(text: str) -> None:
    logger.info("%s", text)


def compiled(func: F) -> F:
    """``func`` compiled by numba (once per process; cached on disk between runs).

    Parameters
    ----------
    func
        A module-level function that numba's ``nopython`` mode can compile.

    Returns
    -------
    callable
        The compiled function, which takes and returns the same values. It is
        cached on disk where a folder can be written, and compiled afresh in
        each process otherwise; never an error for want of a cache.
    """
    kernel: F = _compile(func)  # type: ignore[assignment]
    return kernel
