"""Small array helpers shared by the network modules."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

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


def _csr(rows: IntArray, cols: IntArray, weights: FloatArray, n: int) -> sp.csr_matrix:
    """CSR matrix of the shortest of duplicated entries (int32 indices, as csgraph wants)."""
    key = rows * n + cols
    order = np.lexsort((weights, key))
    key = key[order]
    first = np.ones(len(key), dtype=bool)
    np.not_equal(key[1:], key[:-1], out=first[1:])
    r, c, w = rows[order[first]], cols[order[first]], weights[order[first]]
    index_type = np.int32 if max(n, len(r)) < np.iinfo(np.int32).max else np.int64
    indptr = np.zeros(n + 1, dtype=index_type)
    np.cumsum(np.bincount(r, minlength=n), out=indptr[1:])
    return sp.csr_matrix((w, c.astype(index_type), indptr), shape=(n, n))
