"""Regions of sites that share little demand, for the cost stage's decompositions.

Two parts of the cost search work region by region: the large-neighbourhood
search (:mod:`siting.search.lns`) frees one region's sites at a time and solves
that sub-problem exactly, and the decomposition bound
(:mod:`siting.search.decompose`) solves each region's own integer program with
the demand rows that cross regions moved into the objective. Both want regions
of about the same size that cut as little demand as possible, which is a graph
partition: sites are the vertices, and two sites are joined with the weight of
the demand (slots) they can both serve. METIS (through ``pymetis``) computes it
in milliseconds for thousands of sites; a hand-written partition would cut more.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

__all__ = ["demand_graph", "site_regions"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def demand_graph(
    pair_area: IntArray, pair_site: IntArray, required: FloatArray, n_sites: int
) -> sp.csr_array:
    """The sites' graph: the slots of demand two sites can both serve, per pair of sites.

    Parameters
    ----------
    pair_area, pair_site
        Each (demand item, site) pair within reach, as codes.
    required
        Slots each demand item needs.
    n_sites
        How many sites.

    Returns
    -------
    scipy.sparse.csr_array
        Symmetric, ``n_sites`` × ``n_sites``, zero diagonal.
    """
    n_areas = len(required)
    inc = sp.csr_array((np.ones(len(pair_area)), (pair_site, pair_area)), shape=(n_sites, n_areas))
    graph = sp.csr_array(inc @ sp.diags_array(np.asarray(required, dtype=np.float64)) @ inc.T)
    graph.setdiag(0)
    graph.eliminate_zeros()
    graph.sort_indices()
    return graph


def site_regions(graph: sp.csr_array, *, sites_per_region: int, seed: int = 0) -> IntArray:
    """Split the sites into regions of about ``sites_per_region`` that cut little demand.

    Parameters
    ----------
    graph
        The sites' graph (:func:`demand_graph`).
    sites_per_region
        The regions' target size.
    seed
        METIS's seed: another seed gives another partition of the same quality.

    Returns
    -------
    numpy.ndarray
        The region of each site, ``0 .. k-1``.
    """
    n = graph.shape[0]
    k = max(1, round(n / max(1, sites_per_region)))
    if k == 1 or n < 2:
        return np.zeros(n, dtype=np.int64)
    import pymetis

    weights = np.maximum(1, np.round(graph.data)).astype(np.int64)
    options = pymetis.Options(seed=int(seed))
    adjacency = pymetis.CSRAdjacency(graph.indptr.astype(np.int64), graph.indices.astype(np.int64))
    _, parts = pymetis.part_graph(k, adjacency, eweights=weights, options=options)
    return np.asarray(parts, dtype=np.int64)
