"""Inner loops compiled with numba on first use.

Two loops in siting cannot be vectorised with NumPy: the bounded Dijkstra of
:mod:`siting.network.paths` and the set-covering local search of
:mod:`siting.locate.heuristics`. Each is written as a plain Python function
and compiled here the first time it runs. numba is imported only then (it
loads LLVM: about 100 MB and a few tenths of a second), the machine code is
cached on disk (``cache=True``), and the compiled loop releases the GIL so
that threads can share the cores.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

__all__ = ["compiled"]


@functools.cache
def _compile(func: Callable[..., Any]) -> Callable[..., Any]:
    import numba

    kernel: Callable[..., Any] = numba.njit(cache=True, nogil=True)(func)
    return kernel


def compiled(func: F) -> F:
    """``func`` compiled by numba (once per process; cached on disk between runs).

    Parameters
    ----------
    func
        A module-level function that numba's ``nopython`` mode can compile.

    Returns
    -------
    callable
        The compiled function, which takes and returns the same values.
    """
    kernel: F = _compile(func)  # type: ignore[assignment]
    return kernel
