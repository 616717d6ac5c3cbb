"""Small array helpers shared by the network modules."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def _unique(values: IntArray) -> IntArray:
    """Sorted unique integers (``np.unique`` is slow on large int arrays in numpy 2.4)."""
    ordered = np.sort(values)
    if len(ordered) == 0:
        return ordered
    keep = np.empty(len(ordered), dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    out: IntArray = ordered[keep]
    return out


def _groups(labels: IntArray, n_groups: int) -> tuple[IntArray, IntArray]:
    """Members ordered by group, and each group's start in that order (``n_groups + 1``)."""
    order = np.argsort(labels, kind="stable").astype(np.int64)
    bounds = np.searchsorted(labels[order], np.arange(n_groups + 1)).astype(np.int64)
    return order, bounds


def _expand(starts: IntArray, counts: IntArray) -> tuple[IntArray, IntArray]:
    """For ragged runs ``starts[i] : starts[i] + counts[i]``: (run of each item, item)."""
    run = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    offset = np.arange(len(run), dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
    return run, starts[run] + offset


def _members(order: IntArray, bounds: IntArray, group: IntArray) -> tuple[IntArray, IntArray]:
    """Every member of each listed group (from :func:`_groups`): (position in ``group``, member)."""
    which, pos = _expand(bounds[group], bounds[group + 1] - bounds[group])
    return which, order[pos]
