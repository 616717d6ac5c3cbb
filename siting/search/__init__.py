"""The cost stage's own search: a local search for better plans and a Lagrangian bound.

=================  =====================================================================
module             owns
=================  =====================================================================
``_kernels``       the compiled loops (a move with exact rerouting; the per-site bound)
``local``          :class:`CostSearch`, the local search over options and extra slots
``bound``          :func:`lagrangian_bound`, the Lagrangian bound of the cost stage
=================  =====================================================================
"""

from __future__ import annotations

from siting.search.local import CostSearch, SearchStats

__all__ = ["CostSearch", "SearchStats"]
