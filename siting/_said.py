"""A sentence of a run's record that carries its code and its numbers.

``run.json`` keeps its findings and notes as English sentences, for the terminal and the
English report. A report in another language must not translate those sentences by
pattern: it renders the same statement from a code and the numbers it was built from
(:mod:`siting.report._said`). :class:`Said` is both: a ``str`` (the English sentence,
unchanged wherever a finding or a note is read as text) that also holds ``code`` and
``values``, which :func:`said_records` writes to ``run.json`` beside the sentences.

Examples
--------
>>> line = Said("3 parcels dropped", code="parcels_dropped", count=3)
>>> line, line.code, said_records([line, "plain words"])
('3 parcels dropped', 'parcels_dropped', [{'code': 'parcels_dropped', 'count': 3}, None])
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["Said", "said_records"]


class Said(str):
    """An English sentence with the code and the numbers it says.

    Parameters
    ----------
    text
        The English sentence, as ``run.json`` records it.
    code
        What kind of statement it is (``"unreachable_demand"``, ``"crs_from_scenario"``).
    **values
        The numbers and ids it was built from, JSON-ready (numbers, strings, lists).
    """

    code: str
    values: dict[str, Any]

    def __new__(cls, text: str, *, code: str, **values: Any) -> Said:
        said = super().__new__(cls, text)
        said.code = code
        said.values = dict(values)
        return said

    def __reduce__(self) -> tuple[Any, ...]:  # pickled with its code (a county's cache)
        return (_said, (str(self), self.code, self.values))

    def record(self) -> dict[str, Any]:
        """``{"code": ..., **values}``, as ``run.json`` holds it."""
        return {"code": self.code, **self.values}


def _said(text: str, code: str, values: dict[str, Any]) -> Said:
    return Said(text, code=code, **values)


def said_records(lines: Iterable[str]) -> list[dict[str, Any] | None]:
    """The code and numbers of each line, ``None`` for a plain sentence; one per line."""
    return [line.record() if isinstance(line, Said) else None for line in lines]
