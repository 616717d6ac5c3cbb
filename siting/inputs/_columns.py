"""Typing a layer's columns: ids, text, choices, yes/no values and numbers.

Each value is converted once per distinct value; values that do not convert
are reported with the ids of their features, and optional columns a layer
lacks get their schema default.
"""

from __future__ import annotations

import decimal
import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd

from siting.inputs._problems import _a, _count, _or_list, _quoted, _Report, _Where
from siting.inputs._schema import FALSE_WORDS, TRUE_WORDS, _Column

_SCIENTIFIC = re.compile(r"^(\d)(?:\.(\d+))?[Ee]\+(\d{2})$")
"""A code as Excel's General format shows one of 12 digits or more, and so saves it in a
CSV: ``5.10802E+11`` (six significant digits of 510802003001); or as Python and pandas
write a float of 17 digits or more: ``1.251080045e+17``."""
_WRITTEN_FLOAT = re.compile(r"^\d+\.0+$")
"""A whole number written as a float: ``510802.0`` (pandas' CSV of a column with a gap)."""
_GROUPED = re.compile(r"^\d{1,3}(?:,\d{3})+$")
"""Digits in groups of three: ``510,802`` (Excel's number format with separators)."""

EXCEL_DIGITS = 15
"""The significant digits Excel keeps of a number: an 18-digit 统一社会信用代码 typed as one
is 125108004500000000, its last three digits gone (and a float64 holds no more)."""
SINGLE_LIMIT = 2**24
"""The first whole number a single-precision float (a File Geodatabase's Float field) does
not hold exactly: 510802003 is read as 510802016."""


def whole(cell: Any) -> Any:
    """A workbook's number as an ``int`` when it is a whole one (510802.0 as 510802), unless
    it has :data:`EXCEL_DIGITS` digits or more: Excel kept no more, so such a code has lost
    digits (:func:`_lost_digits`), which an ``int`` would hide."""
    if isinstance(cell, float) and cell.is_integer() and abs(cell) < 10.0**EXCEL_DIGITS:
        return int(cell)
    return cell


def _id_string(value: Any) -> str | None:
    """A code or id as text: a float that is a whole number as that number's
    (510802.0 as ``510802``), and a code as NFKC makes it, stripped (full-width
    ``５１０８０２`` and a trailing tab as ``510802``; an id NFKC leaves other than ASCII,
    such as a 小区's name ``金色家园（二期）``, as written, stripped: outputs and problems
    name it so, and its full-width brackets are the planner's), a float written out (``510802.0``)
    and digits in groups (``510,802``) as the digits alone, and Excel's scientific form
    that kept every digit (``5.10802E+05``) as its number. A code that lost digits
    (:func:`_lost_digits`) is the caller's to refuse.

    Examples
    --------
    >>> [_id_string(v) for v in (510802.0, "５１０８０２\t", "510802.0", "510,802", "LZ-001")]
    ['510802', '510802', '510802', '510802', 'LZ-001']
    >>> _id_string("金色家园（二期）")
    '金色家园（二期）'
    """
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    written = str(value).strip()
    text = unicodedata.normalize("NFKC", written).strip()
    if not text.isascii():  # a name as an id (金色家园（二期）): kept as the planner wrote it
        return written or None
    if _WRITTEN_FLOAT.match(text) or _GROUPED.match(text):
        text = text.partition(".")[0].replace(",", "")
    elif _SCIENTIFIC.match(text):
        text = str(int(decimal.Decimal(text)))
    return text or None


def _lost_digits(series: pd.Series[Any]) -> tuple[npt.NDArray[np.bool_], str]:
    """Which of a column's codes lost digits that nothing can give back, and how:
    ``"scientific"``, Excel's ``5.10802E+11`` of a code of more digits than it shows;
    ``"number"``, a float of :data:`EXCEL_DIGITS` digits or more (an 18-digit code
    typed into Excel as a number), or a whole number of more whose digits past the 15th
    are zeros (:func:`_excel_whole`); ``"single"``, a single-precision float of
    :data:`SINGLE_LIMIT` or more."""
    if series.dtype.kind == "f":
        numbers = np.abs(series.to_numpy(dtype=float, na_value=np.nan))
        single = series.dtype.itemsize < 8
        limit = SINGLE_LIMIT if single else 10.0**EXCEL_DIGITS
        return np.asarray(numbers >= limit, dtype=bool), "single" if single else "number"
    lost = np.zeros(len(series), dtype=bool)
    how = "number"
    for i, value in enumerate(series.to_numpy(dtype=object)):
        if (isinstance(value, float) and abs(value) >= 10.0**EXCEL_DIGITS) or _excel_whole(value):
            lost[i] = True
        elif isinstance(value, str):
            found = _SCIENTIFIC.match(unicodedata.normalize("NFKC", value).strip())
            if found and int(found[3]) + 1 > 1 + len(found[2] or ""):
                lost[i], how = True, "scientific"
    return lost, how


def _excel_whole(value: Any) -> bool:
    """Whether ``value`` is a whole number of 16 digits or more whose digits past the
    15th are zeros: Excel's number of a longer code, made an ``int`` by pandas
    (``pd.read_excel`` of 18-digit codes typed as numbers: 125108004500000000), which
    the float check does not see."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        return False
    digits = str(abs(int(value)))
    return len(digits) > EXCEL_DIGITS and not digits[EXCEL_DIGITS:].strip("0")


_LOST_FIX = {
    "scientific": "Excel shows a code of 12 digits or more as {found} in its General "
    "format and saves the CSV so (pandas writes the float Excel kept of a code of 17 "
    "digits or more so too), keeping only the digits it shows; siting does not guess "
    "the others. In the workbook, set the column to text (设置单元格格式 → 文本) and save "
    "the CSV again, or hand over the workbook itself (.xlsx keeps a 12-digit number whole)",
    "number": "Excel keeps 15 digits of a number (and a float field no more), so a code of "
    "16 digits or more stored as a number (an 18-digit 统一社会信用代码) ends in zeros; "
    "siting does not guess the digits lost. Set the column to text (in Excel 设置单元格格式 "
    "→ 文本; in a layer a text field) and enter the codes again from their source",
    "single": "a single-precision float field (Float) keeps 7 digits, so {found} is not the "
    "code written into it; siting does not guess the digits lost. Store the codes in a "
    "text field (or a Long or Double field) at their source and export the layer again",
}


def _codes_as_text(
    series: pd.Series[Any], col: str, ids: list[str], where: _Where, report: _Report
) -> tuple[list[str | None], npt.NDArray[np.bool_]]:
    """A column of ids or codes as text (:func:`_id_string`), None where missing, and
    which lost digits: those are None too, and a problem names them by ``ids`` (the
    features', or a table's rows'), with the fix."""
    texts, _ = _apply(series, _id_string)
    lost, how = _lost_digits(series)
    if lost.any():
        positions = np.flatnonzero(lost)
        shown = [
            f"{v:.0f}" if isinstance(v, float) else str(v).strip()
            for v in series.to_numpy(dtype=object)[positions]
        ]
        report.problems.append(
            where.problem(
                f"{_count(len(positions))} {_a(col)} that lost its last digits "
                f"(found: {_quoted(shown)})",
                column=col,
                ids=[ids[i] for i in positions],
                fix=_LOST_FIX[how].format(found=shown[0]),
            )
        )
        for i in positions:
            texts[i] = None
    return texts, lost


def _apply(series: pd.Series[Any], func: Any) -> tuple[list[Any], npt.NDArray[np.bool_]]:
    """``func`` of every given value (once per distinct value); ``None`` where missing."""
    values = series.to_numpy(dtype=object)
    missing = series.isna().to_numpy(dtype=bool)
    cache: dict[Any, Any] = {}
    out: list[Any] = []
    for value, absent in zip(values, missing, strict=True):
        if absent:
            out.append(None)
            continue
        try:
            result = cache[value]
        except KeyError:
            result = cache[value] = func(value)
        except TypeError:  # unhashable values, such as lists
            result = func(value)
        out.append(result)
    return out, missing


def absent_column(column: _Column, index: pd.Index[Any]) -> pd.Series[Any]:
    """The values an optional column a layer lacks takes, on ``index``: NaN for a number,
    the default for a yes/no, None for the rest (an id-like default is the caller's)."""
    if column.kind in ("number", "int"):
        return pd.Series(np.full(len(index), np.nan), index=index)
    if column.kind == "bool":
        return pd.Series(np.full(len(index), bool(column.default)), index=index)
    return pd.Series([None] * len(index), index=index, dtype=object)


def _convert(
    frame: gpd.GeoDataFrame,
    column: _Column,
    ids: list[str],
    name: str,
    where: _Where,
    report: _Report,
) -> pd.Series[Any]:
    """Type one column, reporting bad values; absent optional columns get their default."""
    index = pd.RangeIndex(len(frame))
    col = column.name
    if col not in frame.columns:
        return absent_column(column, index)
    series = frame[col]
    missing = series.isna().to_numpy(dtype=bool)
    if column.nonnull and missing.any():
        report.problems.append(
            where.problem(
                f"{_count(int(missing.sum()))} no {col}",
                column=col,
                ids=[ids[i] for i in np.flatnonzero(missing)],
                fix=f"give every feature a {col}",
            )
        )
    if column.kind == "str":
        texts, _ = _apply(series, lambda v: str(v).strip())
        return pd.Series(texts, index=index, dtype=object)
    if column.kind == "ref":
        refs, _ = _codes_as_text(series, col, ids, where, report)
        return pd.Series(refs, index=index, dtype=object)
    if column.kind == "enum":
        return _convert_enum(series, column, ids, name, where, report)
    if column.kind == "bool":
        return _convert_bool(series, column, ids, where, report)
    return _convert_number(series, column, ids, where, report)


_BAD = object()


def choice_of(text: str, column: _Column) -> str | None:
    """The choice of an enum ``column`` a value's text (stripped) stands for: the choice
    itself in any case, a bureau's word for it, or a land-use code with its name
    (``0810公园与绿地``); None if none."""
    key = text.lower().replace(" ", "_").replace("-", "_")
    if key in column.choices:
        return key
    target = column.aliases.get(text, column.aliases.get(key))
    coded = _CODED.match(text)
    if target is None and coded:  # "0810公园与绿地": a land-use code and its name
        target = column.aliases.get(coded[2].strip(), column.aliases.get(coded[1]))
    return target


def _convert_enum(
    series: pd.Series[Any],
    column: _Column,
    ids: list[str],
    name: str,
    where: _Where,
    report: _Report,
) -> pd.Series[Any]:
    col = column.name
    translated: dict[str, str] = {}

    def choose(value: Any) -> Any:
        text = str(value).strip()
        target = choice_of(text, column)
        if target is None:
            return _BAD
        if target != text.lower().replace(" ", "_").replace("-", "_"):  # a word, not the choice
            translated[text] = target
        return target

    out, _ = _apply(series, choose)
    bad = [i for i, v in enumerate(out) if v is _BAD]
    if translated:
        pairs = ", ".join(f"{k} as {v}" for k, v in translated.items())
        report.note(f"{name}: read {col} {pairs}")
    if bad:
        found = series.to_numpy(dtype=object)[bad]
        _values_problem(
            bad,
            f"{_a(col)} that is not {_or_list(column.choices)}",
            found=found,
            fix=f"set {col} to one of {_choices_said(column)}"
            + ("" if col in where.columns else f", or map yours with [inputs.{name}.columns]")
            + _land_use_fix(col, found, name),
            column=col,
            ids=ids,
            where=where,
            report=report,
        )
        for i in bad:
            out[i] = None
    return pd.Series(out, index=pd.RangeIndex(len(out)), dtype=object)


_LAND_USE = re.compile(r"^\d{4,6}[A-Z]?\d{0,2}$|用地$")
"""A land-use code (0701, 070101, 08H2) or class name (城镇住宅用地) of a 三调 or 用地用海 layer."""


def _land_use_fix(col: str, found: Iterable[Any], name: str) -> str:
    """What to give for a status read from a land-use layer's codes (DLBM 0701 城镇住宅用地
    says what the land is, not whether the area is new or old)."""
    coded = [str(v).strip() for v in found if _LAND_USE.search(str(v).strip())]
    if col != "status" or not coded:
        return ""
    return (
        f". {coded[0]} is a land-use class: it says what the land is, not whether the area "
        "is new, old or rural (a survey's 城镇住宅用地 is built, a plan's may be new). Give "
        "status its own column; or take the survey's urban housing alone with where = "
        f'"DLBM = \'0701\'" and values = {{ status = "old" }} under [inputs.{name}], '
        "without status in columns"
    )


def _choices_said(column: _Column) -> str:
    """``new (新建, 新区 …), old (…), rural (…)``: the values, and the words read as each."""
    said = []
    for choice in column.choices:
        words = [w for w, to in column.aliases.items() if to == choice and not w.isascii()]
        said.append(f"{choice} ({', '.join(words[:4])})" if words else choice)
    return ", ".join(said)


def _to_bool(value: Any) -> Any:
    if isinstance(value, bool | np.bool_):
        return bool(value)
    text = str(value).strip().lower()
    if not text:
        return None  # an empty cell is a value left out: the column's default
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    return _BAD


def _convert_bool(
    series: pd.Series[Any], column: _Column, ids: list[str], where: _Where, report: _Report
) -> pd.Series[Any]:
    col = column.name
    out, _ = _apply(series, _to_bool)
    bad = [i for i, v in enumerate(out) if v is _BAD]
    if bad:
        _values_problem(
            bad,
            f"{_a(col)} value that is not true or false",
            found=series.to_numpy(dtype=object)[bad],
            fix="use true/false, 1/0, yes/no, 是/否, 有/无 or √/×",
            column=col,
            ids=ids,
            where=where,
            report=report,
        )
    # a blank cell beside cells marked true (是 for the few that are) is a no; in a column
    # with no true at all it is left out, and takes the column's default
    blank = False if any(v is True for v in out) else bool(column.default)
    flags = [blank if v is None else bool(column.default) if v is _BAD else v for v in out]
    return pd.Series(flags, index=pd.RangeIndex(len(out)), dtype=bool)


_BLANK = object()
_CODED = re.compile(r"^(\d{2,4}[A-Z]?\d{0,2})\s*[-_ ]?\s*(\D.*)$")
"""A value written as a land-use code and its name, 0810公园与绿地 or 1201 空闲地."""
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
"""A number with thousands separators: 1,030 or 12,345.5 (never a decimal comma, 1,5)."""


_WRITTEN_UNITS = (("亿元", 1e8), ("万元", 1e4), ("亿", 1e8), ("万", 1e4), ("元", 1.0))
"""Units a Chinese table writes after a number, longest first, and what each multiplies by."""


def _written_unit(text: str) -> tuple[str, float] | None:
    """The unit a cell's (NFKC, stripped) text ends with, and its factor."""
    for unit, factor in _WRITTEN_UNITS:
        if text.endswith(unit) and len(text) > len(unit):
            return unit, factor
    return None


COUNT_WORDS: dict[str, tuple[str, ...]] = {
    "slots": ("个托位", "托位", "个", "人", "名", "位", "张"),
    "dwellings": ("户", "套"),
    "migrant_workers": ("人", "名"),
}
"""The words a Chinese table writes after a count in each counting column (``150个``
slots, ``30人`` children, ``1,200户`` dwellings, ``300人`` workers), longest first: a
count, not a unit. Another word is still "not a number" (``1200人`` is no count of
dwellings)."""


_WHOLE_COUNT = re.compile(r"^(?:\d+|\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?[万亿])$")
"""What a count written with its word holds: a whole number (``1,200``), or 万 or 亿 of one
(``1.2万``); ``1.030套`` is no count (1,030 with a European separator, or 1.03)."""


def _without_count_word(text: str, words: Sequence[str]) -> str:
    """``text`` without the count word of ``words`` it ends with, when a whole count is
    before it: ``150个`` is ``150``; ``1.030套`` is left as it is (not a number)."""
    for word in words:
        if text.endswith(word) and _WHOLE_COUNT.match(text[: -len(word)].strip()):
            return text[: -len(word)].strip()
    return text


def names_its_unit(value: Any) -> bool:
    """Whether a cell writes its number with its own unit: ``210.5万``, ``210.5万元``,
    ``2,105,000元``, ``1.2亿``, ``０.２３３万``.

    A price so written names its own unit, so the unit ``[inputs.<layer>] units``
    gives its column applies only to the column's bare numbers.

    Examples
    --------
    >>> [names_its_unit(v) for v in ("210.5万", "210.5万元", "2,105,000元", "300", 300)]
    [True, True, True, False, False]
    """
    if not isinstance(value, str):
        return False
    return _written_unit(unicodedata.normalize("NFKC", value).strip()) is not None


def _to_float(value: Any, words: Sequence[str] = ()) -> Any:
    """A number from a cell, as a Chinese table may write it: ``1,030``, full-width
    ``２，５４０`` (NFKC makes it 2,540; its comma was "not a number" before), ``0.233万``
    (2,330: 万 is ten thousand), a price with its unit: ``210.5万元`` (2,105,000),
    ``2,105,000元``, ``1.2亿`` (120,000,000), and a count with one of ``words`` after it
    (:data:`COUNT_WORDS`: slots ``150个``, ``30人``; dwellings ``1,200户``).

    Examples
    --------
    >>> [_to_float(v) for v in ("0.233万", "210.5万元", "2,105,000元", "1.2亿", "１，０３０")]
    [2330.0, 2105000.0, 2105000.0, 120000000.0, 1030.0]
    >>> [_to_float(v, COUNT_WORDS["slots"]) for v in ("150个", "30 人", "1,100个托位", "2万人")]
    [150.0, 30.0, 1100.0, 20000.0]
    >>> [_to_float(v, COUNT_WORDS["dwellings"]) is _BAD for v in ("1200人", "1.030套", "1,030套")]
    [True, True, False]
    """
    if isinstance(value, str) and not value.strip():
        return _BLANK  # an empty text cell is a value left out, not a bad one
    scale = 1
    if isinstance(value, str):
        value = _without_count_word(unicodedata.normalize("NFKC", value).strip(), words)
        written = _written_unit(value)
        if written is not None:
            scale, value = int(written[1]), value[: -len(written[0])].strip()
    if isinstance(value, str) and _THOUSANDS.match(value):
        value = value.replace(",", "")  # "1,030" as a Chinese (or English) table writes it
    try:  # 万 through Decimal: 0.233 × 10,000 is 2,330, not 2330.0000000000005
        number = float(decimal.Decimal(value) * scale) if scale != 1 else float(value)
    except (TypeError, ValueError, ArithmeticError):
        return _BAD
    if isinstance(value, str) and not np.isfinite(number):
        return _BAD  # "nan", "inf" written as text: not a value a plan can use
    return number


def _convert_number(
    series: pd.Series[Any],
    column: _Column,
    ids: list[str],
    where: _Where,
    report: _Report,
) -> pd.Series[Any]:
    col = column.name
    n = len(series)
    bad: list[int] = []
    if series.dtype.kind in "iufb":
        numbers = series.to_numpy(dtype=float, na_value=np.nan)
    else:
        words = COUNT_WORDS.get(col, ())
        out, _ = _apply(series, lambda value: _to_float(value, words))
        bad = [i for i, v in enumerate(out) if v is _BAD]
        blank = [i for i, v in enumerate(out) if v is _BLANK]
        if column.nonnull and blank:
            report.problems.append(
                where.problem(
                    f"{_count(len(blank))} no {col}",
                    column=col,
                    ids=[ids[i] for i in blank],
                    fix=f"give every feature a {col}",
                )
            )
        numbers = np.array(
            [np.nan if v is None or v is _BAD or v is _BLANK else v for v in out], dtype=float
        )
    if bad:
        _values_problem(
            bad,
            f"{_a(col)} value that is not a number",
            found=series.to_numpy(dtype=object)[bad],
            fix=_number_fix(column),
            column=col,
            ids=ids,
            where=where,
            report=report,
        )
    infinite = np.flatnonzero(np.isinf(numbers))
    if infinite.size:
        _values_problem(
            infinite,
            f"{_a(col)} value that is not a finite number",
            found=(f"{numbers[i]:g}" for i in infinite),
            fix=_number_fix(column),
            column=col,
            ids=ids,
            where=where,
            report=report,
        )
        numbers = np.where(np.isinf(numbers), np.nan, numbers)
    given = ~np.isnan(numbers)
    if column.minimum is not None:
        low = np.flatnonzero(given & (numbers < column.minimum))
        if low.size:
            what = (
                f"a negative {col} value"
                if column.minimum == 0
                else f"{col} below {column.minimum:g}"
            )
            if column.maximum is not None:
                what = f"{_a(col)} outside {column.minimum:g}–{column.maximum:g}"
            _values_problem(
                low,
                what,
                found=(f"{numbers[i]:g}" for i in low),
                fix=_range_fix(column),
                column=col,
                ids=ids,
                where=where,
                report=report,
            )
    if column.maximum is not None:
        high = np.flatnonzero(given & (numbers > column.maximum))
        if high.size:
            _values_problem(
                high,
                f"{_a(col)} outside {column.minimum or 0:g}–{column.maximum:g}",
                found=(f"{numbers[i]:g}" for i in high),
                fix=_range_fix(column),
                column=col,
                ids=ids,
                where=where,
                report=report,
            )
    if column.kind == "int":
        fraction = np.flatnonzero(given & (np.floor(numbers) != numbers))
        if fraction.size:
            _values_problem(
                fraction,
                f"{_a(col)} value that is not a whole number",
                found=(f"{numbers[i]:g}" for i in fraction),
                fix=f"give {col} as a whole number",
                column=col,
                ids=ids,
                where=where,
                report=report,
            )
        if given.all() and not fraction.size:
            return pd.Series(numbers.astype(np.int64), index=pd.RangeIndex(n))
    return pd.Series(numbers, index=pd.RangeIndex(n))


def _values_problem(
    positions: Sequence[int] | npt.NDArray[np.intp],
    what: str,
    *,
    found: Iterable[Any],
    fix: str,
    column: str,
    ids: list[str],
    where: _Where,
    report: _Report,
) -> None:
    """Add a problem: the features at ``positions`` have ``what``, quoting the values found."""
    report.problems.append(
        where.problem(
            f"{_count(len(positions))} {what} (found: {_quoted(found)})",
            column=column,
            ids=[ids[i] for i in positions],
            fix=fix,
        )
    )


def _number_fix(column: _Column) -> str:
    if column.name == "cost":
        return (
            "give cost as a plain number (the parcel's price, without units or words such as "
            "面议), or leave it empty to price the parcel's land at [costs] land_per_m2"
        )
    return f"give {column.name} as a plain number"


def _range_fix(column: _Column) -> str:
    if column.name == "migrant_share":
        return "give migrant_share as a share between 0 and 1 (0.35 for 35%)"
    if column.name == "voltage_kv":
        return "give voltage_kv in kilovolts (220 for a 220 kV line, not 220000 volts)"
    return f"give {column.name} as zero or more"
