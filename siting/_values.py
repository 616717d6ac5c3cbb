"""One number per id from what an analyst passes: a Series, a one-column table or an array.

The location models (:mod:`siting.locate`) and the access scores
(:mod:`siting.accessibility`) take demand weights, capacities and supply this
way. A :class:`pandas.Series` is matched to the ids by its index, whatever its
order; so is a one-column :class:`pandas.DataFrame` (``frame[["pop"]]``),
which would otherwise be read by position and, sorted another way than the
cost table, give every id another's value. An array or list is read in the
cost table's order. Pandas' nullable numbers (``Int64``, ``Float64``) and
numeric text are numbers; ``<NA>``, NaN, infinities, negative values, other
text and a column's name instead of the column are each a problem naming the
argument, the ids and the fix.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

from siting._text import first_few
from siting.errors import InputError, Problem

FloatArray = npt.NDArray[np.float64]


def as_series(values: object, *, name: str) -> object:
    """A one-column table as its column; the text of a column's name refused."""
    if isinstance(values, str):
        raise InputError(
            [
                Problem(
                    f"{name} is the text {values!r}, not its values",
                    fix=f"pass the column itself, e.g. frame[{values!r}]",
                )
            ]
        )
    if isinstance(values, pd.DataFrame):
        if values.shape[1] != 1:
            columns = ", ".join(map(str, values.columns[:6]))
            raise InputError(
                [
                    Problem(
                        f"{name} is a table of {values.shape[1]} columns ({columns})",
                        fix=f'pass one column, e.g. frame["{values.columns[0]}"]',
                    )
                ]
            )
        return values.iloc[:, 0]
    return values


def values_by_id(
    values: pd.Series | pd.DataFrame | npt.ArrayLike,
    ids: pd.Index,
    *,
    name: str,
    what: str,
    scalar: bool = False,
) -> FloatArray:
    """``values`` as floats aligned to ``ids``: a Series (or one-column table) by its
    index, anything else by position (one number for every id when ``scalar``).

    Parameters
    ----------
    values
        The values.
    ids
        The ids of the cost table's rows (demand) or columns (sites, supply).
    name
        The argument's name, for the problems (``"weights"``, ``"capacity"``).
    what
        What the ids are, for the problems (``"demand"``, ``"site"``).
    scalar
        Whether one number stands for every id.

    Returns
    -------
    numpy.ndarray
        One finite, non-negative float per id.

    Raises
    ------
    InputError
        Ids missing or repeated, a length that is not the number of ids, or
        values that are not finite numbers of zero or more.

    Examples
    --------
    >>> ids = pd.Index(["a", "b"])
    >>> values_by_id(pd.DataFrame({"pop": [2, 1]}, index=["b", "a"]), ids,
    ...              name="weights", what="demand").tolist()
    [1.0, 2.0]
    """
    values = as_series(values, name=name)
    if isinstance(values, pd.Series):
        repeated = values.index[values.index.duplicated()]
        if len(repeated):
            raise InputError(
                [
                    Problem(
                        f"{name} gives some {what} ids more than one value",
                        ids=tuple(str(i) for i in pd.unique(repeated)),
                        fix=f"give one value per {what} id, e.g. values.groupby(level=0).sum()",
                    )
                ]
            )
        missing = ids.difference(values.index)
        if len(missing):
            raise InputError([_missing_ids_problem(values.index, ids, missing, name, what)])
        aligned = values.reindex(ids)
    else:
        try:
            flat = np.asarray(values, dtype=np.float64).reshape(-1)
        except (TypeError, ValueError):  # text, None: said below, by id
            try:
                flat = np.array(values, dtype=object).reshape(-1)
            except ValueError as err:  # a ragged list
                raise InputError([Problem(f"{name} is not a list of numbers ({err})")]) from err
        if scalar and flat.size == 1:
            flat = np.repeat(flat, len(ids))
        if flat.shape != (len(ids),):
            raise InputError(
                [
                    Problem(
                        f"{name} has length {flat.size}, the cost table has {len(ids)} {what}s",
                        fix="give one value per id, in the cost table's order, or a Series "
                        "indexed by the ids",
                    )
                ]
            )
        aligned = pd.Series(flat, index=ids)
    numbers = pd.to_numeric(aligned, errors="coerce").astype("Float64")
    array = numbers.to_numpy(dtype=np.float64, na_value=np.nan)
    bad = ~np.isfinite(array) | (np.nan_to_num(array) < 0)
    if bad.any():
        raise InputError(
            [
                Problem(
                    f"{name} must be finite numbers and not negative; "
                    f"{int(bad.sum())} are not ({', '.join(map(str, aligned[bad].iloc[:4]))})",
                    ids=tuple(str(i) for i in ids[bad]),
                    fix=f"give every {what} a number (0 for none)",
                )
            ]
        )
    return np.asarray(array, dtype=np.float64)


def cost_limit(value: object, *, name: str, infinite: bool = False) -> float:
    """A radius or catchment (``name``) as a float: a number of zero or more (infinite too
    when ``infinite``), NumPy's too (``df["minutes"].max()`` of an int column is an
    ``np.int64``), not text or a bool."""
    number = isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_)
    limit = float(value) if number else math.nan  # type: ignore[arg-type]
    if not (limit >= 0 and (infinite or math.isfinite(limit))):
        raise InputError(
            [
                Problem(
                    f"{name} must be a {'' if infinite else 'finite '}cost of zero or more, "
                    f"got {value!r}",
                    fix="give a number in the cost matrix's unit (metres, minutes)",
                )
            ]
        )
    return limit


def _missing_ids_problem(
    given: pd.Index, ids: pd.Index, missing: pd.Index, name: str, what: str
) -> Problem:
    """The problem of ``name``'s index lacking ``missing`` of the cost table's ``ids``
    (:func:`mistyped_ids_problem` when they are there as another type)."""
    mistyped = mistyped_ids_problem(given, ids, missing, name, as_list=False)
    if mistyped is not None:
        return mistyped
    return Problem(
        f"{name} lacks some {what} ids of the cost table",
        ids=tuple(str(i) for i in missing),
        fix=f"give a {name} value for every {what} id (a Series indexed like the cost table)",
    )


def mistyped_ids_problem(
    given: pd.Index,
    ids: pd.Index,
    missing: Sequence[object] | pd.Index,
    name: str,
    *,
    as_list: bool,
    against: str = "the cost table",
) -> Problem | None:
    """The problem of ``missing`` ids of ``name`` that ``given`` holds as another type
    than the cost table's ``ids``, or None when some are not there at all.

    Ids that read the same as text but are of another type (the cost table's int64
    codes 1001, 1002 and ``name`` indexed by the text "1001", "1002" after a CSV join,
    or ``required=["1001"]``) were said as missing ids "1001, 1002", which the analyst
    sees on both sides: the types are named, and the cast that joins them (of the
    index of ``name``, or of the list when ``as_list``). ``against`` names what holds
    ``ids``.
    """
    # the ids missing from one side, read as text, are all on the other
    as_text = set(map(str, ids if as_list else given))
    if not len(missing) or not all(str(i) in as_text for i in missing):
        return None
    theirs = "tuple" if isinstance(given, pd.MultiIndex) else str(given.dtype)
    ours = "tuple" if isinstance(ids, pd.MultiIndex) else str(ids.dtype)
    text = pd.api.types.is_string_dtype(ids) or ids.dtype == object
    if as_list:
        cast = (
            f"{name}=[str(i) for i in {name}]"
            if text
            else f'{name}=list(pd.Index({name}).astype("{ours}"))'
        )
    else:
        cast = (
            f"{name}.index = {name}.index.astype(str)"
            if text
            else f'{name}.index = {name}.index.astype("{ours}") (or the cost table\'s to text)'
        )
    return Problem(
        f"{name} gives {theirs} ids where {against} has {ours} ids, which read the same "
        f"but do not match ({first_few([str(i) for i in missing], limit=4)})",
        fix=f"give both the same type: {cast}",
    )


def dense_costs(cost: pd.DataFrame) -> FloatArray:
    """The cost matrix ``cost`` (demand ids × site ids) as floats, NaN where empty.

    An analyst's long table of (demand, site, cost) rows, ``pairs.reset_index()``, was
    read as a matrix and failed with NumPy's "could not convert string to float: 'F1'":
    a table with text that is not numbers is refused, with the Series the long form
    is given as (:mod:`siting.accessibility`) or the pivot that makes the matrix.
    """
    try:
        dense: FloatArray = cost.to_numpy(dtype=np.float64, na_value=np.nan, copy=True)
        return dense
    except (TypeError, ValueError):
        pass
    numbers = cost.apply(lambda column: pd.to_numeric(column, errors="coerce"))
    text = [c for c in cost.columns if (numbers[c].isna() & cost[c].notna()).any()]
    found = ", ".join(
        map(repr, pd.unique(cost[text[0]][numbers[text[0]].isna() & cost[text[0]].notna()])[:3])
    )
    columns = [str(c) for c in cost.columns]
    if len(columns) == 3:
        d, s, c = columns
        fix = (
            f'for a long table of pairs, cost.set_index(["{d}", "{s}"])["{c}"] (the access '
            f'scores take it as it is), or the matrix: cost.pivot(index="{d}", columns="{s}", '
            f'values="{c}")'
        )
    else:
        fix = "give a matrix of numbers: demand ids as its index, site ids as its columns"
    raise InputError(
        [
            Problem(
                f"cost holds values that are not numbers in columns "
                f"{', '.join(map(str, text[:4]))} ({found}): it is read as a matrix of demand "
                "ids × site ids",
                fix=fix,
            )
        ]
    )
