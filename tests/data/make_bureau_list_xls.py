"""Write ``bureau_list.xls``, an Excel 97–2003 workbook as a bureau's old 备案名单.xls is.

No dependency of siting writes ``.xls``; this script was run once with xlwt 1.3.0
(``pip install --target /tmp/xlwt xlwt``, then ``PYTHONPATH=/tmp/xlwt python
tests/data/make_bureau_list_xls.py``) and the file it wrote is committed beside it.
``tests/test_tables.py`` reads it.

Sheet ``2025年``: a title merged across the columns, a blank row, the header (row 3),
then ``0101`` (text), ``510802`` (a number), degrees, minutes and seconds as text, a
full-width number, and a 备案日期 column of dates. Sheet ``待核``: the same header in
row 1, and row 3 without its 经度.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

HEADER = ["机构编号", "机构名称", "托位数", "经度", "纬度", "备案日期"]
LISTED: list[list[Any]] = [
    ["0101", "东坝托育园", 30, 105.84, 32.43, datetime.date(2024, 1, 2)],
    [510802, 123, 40, 105.85, 32.44, datetime.date(2024, 3, 15)],
    ["0103", "嘉陵托育园", 50, "105°50′30″", "32°26′", None],
    ["0104", "南河托育园", 60, "１０５．８６", 32.45, None],
]
PENDING: list[list[Any]] = [
    ["0201", "万缘托育园", 20, 105.83, 32.42, None],
    ["0202", "宝轮托育园", 25, None, 32.41, None],
]


def write(path: Path) -> Path:
    """Write the workbook to ``path``."""
    import xlwt  # not a dependency: see the module's docstring

    book = xlwt.Workbook(encoding="utf-8")
    date = xlwt.easyxf(num_format_str="yyyy-mm-dd")
    listed = book.add_sheet("2025年")
    listed.write_merge(0, 0, 0, len(HEADER) - 1, "广元市托育机构备案名单")
    for sheet, top, rows in ((listed, 2, LISTED), (book.add_sheet("待核"), 0, PENDING)):
        for j, name in enumerate(HEADER):
            sheet.write(top, j, name)
        for i, row in enumerate(rows, start=top + 1):
            for j, value in enumerate(row):
                if isinstance(value, datetime.date):
                    sheet.write(i, j, value, date)
                elif value is not None:
                    sheet.write(i, j, value)
    book.save(str(path))
    return path


if __name__ == "__main__":
    print(write(Path(__file__).with_name("bureau_list.xls")))
