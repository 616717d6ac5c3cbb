"""Wording shared by messages: a long list of ids cut to its first few."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["first_few"]


def first_few(items: Iterable[object], *, limit: int, sep: str = ", ", more: str = "more") -> str:
    """The first ``limit`` of ``items`` joined by ``sep``, then how many are left out.

    Parameters
    ----------
    items
        What to list (ids, file names), in the order to show them; each is shown as ``str``.
    limit
        How many to show at most.
    sep
        What goes between two shown items.
    more
        The word after the count of those left out (``"more groups"``, say).

    Examples
    --------
    >>> first_few(["a1", "a2", "a3"], limit=3)
    'a1, a2, a3'
    >>> first_few(["a1", "a2", "a3", "a4", "a5"], limit=3)
    'a1, a2, a3 and 2 more'
    >>> first_few(["x = y", "u = v", "p = q"], limit=2, sep="; ", more="more groups")
    'x = y; u = v and 1 more groups'
    """
    shown = [str(item) for item in items]
    text = sep.join(shown[:limit])
    return text + (f" and {len(shown) - limit} {more}" if len(shown) > limit else "")
