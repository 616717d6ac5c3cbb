"""A health commission's list of childcare institutions as it really arrives, validated and planned.

Run with ``.venv/bin/python -m benchmarks.handover_tables [--out DIR] [--only CASE ...]
[--no-plan] [--keep]``. Each case is the sample city (``data/sample``) with its
facilities (and in one case its workplaces, as points of their sites) handed over as a
bureau's table, written as Excel, WPS and hand-editing leave it: a 合计 totals row at the
bottom, 小计 subtotals per district, notes under the table (注：坐标系为CGCS2000,
数据来源, 填报单位 and 填报日期), a two-row header (坐标 merged over 经度/纬度, 托位数 over
总托位/普惠托位), the district column merged down each district's rows, blank rows and a
序号 column, counts written with their units (``150个``, ``30人``, ``" 130 "``), yes/no
as ``√``/``×`` and ``有``/``无``, formulas without a saved value (as a script writes
them), and CSVs with ``;`` or tab separators and WPS's UTF-8 BOM. The coordinates are
the sample's, in CGCS2000 degrees to six decimals (``crs = "EPSG:4490"``). For each it
runs ``siting validate`` and ``siting plan --no-map`` in a subprocess and prints a row:
the exit codes, the required slots, shortfall and cost of the plan, the people the areas
hold, and the first problem or warning. The clean sample plans 3,860 required slots, 228
short, at 340,661,000 CNY, its areas holding 314,588 people.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.handover_vectors import (
    FACILITY_ZH,
    cols,
    new_case,
    sample,
    scenario,
    sweep,
)

OUT = Path("handover-tables")

SEQ = "序号"
TITLE = "广元市托育机构备案名单（2025年3月）"
NOTES = (
    "注：坐标系为CGCS2000，经纬度保留6位小数。",
    "数据来源：市卫健委",
    "填报单位：广元市卫生健康委员会    填报日期：2025年3月",
)
COLUMNS = f", columns = {cols(FACILITY_ZH)}"
DEGREES = ', crs = "EPSG:4490"'

Row = list[Any]


def facility_rows(*, seq: bool = False) -> tuple[Row, list[Row]]:
    """The sample's facilities as the commission's table: its header and rows (ids as
    text, yes/no as 是/否, 经度/纬度 in CGCS2000 degrees to six decimals), 序号 first when
    ``seq``."""
    f = sample("facilities", "EPSG:4490")
    header = [*FACILITY_ZH.values(), "经度", "纬度"]
    rows = []
    for _, r in f.iterrows():
        rows.append(
            [
                r["facility_id"],
                r["name"],
                int(r["slots"]),
                "是" if r["affordable"] else "否",
                "是" if r["demonstration"] else "否",
                str(r["district_id"]),
                round(r.geometry.x, 6),
                round(r.geometry.y, 6),
            ]
        )
    if seq:
        header = [SEQ, *header]
        rows = [[i, *row] for i, row in enumerate(rows, start=1)]
    return header, rows


def write_xlsx(
    path: Path,
    rows: Sequence[Row],
    *,
    merges: Sequence[str] = (),
    sheet: str = "托育机构",
) -> Path:
    """``rows`` as openpyxl writes a sheet (a formula as written, with no saved value),
    ``merges`` merged (``"A3:A8"``): only their first cell keeps its value, as Excel does."""
    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.title = sheet
    for row in rows:
        ws.append(row)
    for merged in merges:
        ws.merge_cells(merged)
    book.save(path)
    return path


def write_xls(path: Path, rows: Sequence[Row], *, merges: Sequence[str] = ()) -> Path | None:
    """``rows`` as an Excel 97–2003 workbook (xlwt, not a dependency: ``pip install
    --target /tmp/xlwt xlwt`` and ``/tmp/xlwt`` on ``PYTHONPATH``), ``merges`` merged; None
    without xlwt."""
    try:
        import xlwt
    except ImportError:
        return None
    from openpyxl.utils import range_boundaries

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("托育机构")
    merged = [range_boundaries(m) for m in merges]  # (first column, row, last column, row)
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            if value is not None and not any(
                c0 <= j + 1 <= c1 and r0 < i + 1 <= r1 for c0, r0, c1, r1 in merged
            ):
                sheet.write(i, j, value)
    for c0, r0, c1, r1 in merged:  # the value in the first cell, the range merged
        sheet.merge(r0 - 1, r1 - 1, c0 - 1, c1 - 1)
    book.save(str(path))
    return path


def write_csv(path: Path, rows: Sequence[Row], *, sep: str = ",", encoding: str = "utf-8") -> Path:
    """``rows`` as a CSV with CRLF, its cells as Excel writes them (a cell with ``sep`` or
    a quote quoted)."""
    import csv
    import io

    text = io.StringIO()
    csv.writer(text, delimiter=sep, lineterminator="\r\n").writerows(
        ["" if c is None else c for c in row] for row in rows
    )
    path.write_bytes(text.getvalue().encode(encoding))
    return path


def blank(width: int) -> Row:
    return [None] * width


def totals_row(header: Row, rows: Sequence[Row], word: str) -> Row:
    """A row of ``word`` in the first column and the slots summed, no coordinates."""
    out: Row = [None] * len(header)
    out[0] = word
    slots = header.index("托位数")
    out[slots] = sum(int(r[slots]) for r in rows)
    return out


def by_district(header: Row, rows: list[Row]) -> list[list[Row]]:
    """The rows in runs of one district each (the sample's are in district order)."""
    at = header.index("所属区县代码")
    runs: list[list[Row]] = []
    for row in rows:
        if runs and runs[-1][0][at] == row[at]:
            runs[-1].append(row)
        else:
            runs.append([row])
    return runs


def facilities_case(name: str, file: str, keys: str = DEGREES + COLUMNS) -> Path:
    """A new case whose facilities are ``file`` (written by the caller), read with ``keys``."""
    case = new_case(name, out=OUT)
    scenario(case, {"facilities": f'{{ path = "{file}"{keys} }}'})
    return case


def write_cases() -> None:
    """Write every case's files and ``scenario.toml`` under :data:`OUT`."""
    OUT.mkdir(parents=True, exist_ok=True)
    header, rows = facility_rows()
    sheet = [header, *rows]
    write_xlsx(facilities_case("t00_xlsx_plain", "f.xlsx") / "f.xlsx", sheet)
    write_csv(facilities_case("t00b_csv_plain", "f.csv") / "f.csv", sheet)

    # 1. totals row at the bottom --------------------------------------------------
    sh, srows = facility_rows(seq=True)
    case = facilities_case("t01_total_row_xlsx", "f.xlsx")
    write_xlsx(case / "f.xlsx", [sh, *srows, totals_row(sh, srows, "合计")])
    case = facilities_case("t01b_total_row_gbk_csv", "f.csv")
    write_csv(case / "f.csv", [sh, *srows, totals_row(sh, srows, "总计")], encoding="gbk")
    case = facilities_case("t01c_total_row_spaced_in_id", "f.xlsx")
    write_xlsx(case / "f.xlsx", [header, *rows, totals_row(header, rows, "合  计")])
    dashed = [*totals_row(sh, srows, "合计")[:-2], "/", "/"]
    write_xlsx(facilities_case("t01d_total_row_slashes", "f.xlsx") / "f.xlsx", [sh, *srows, dashed])

    # 2. subtotals per district ------------------------------------------------------
    body: list[Row] = []
    for run in by_district(sh, srows):
        body += [*run, totals_row(sh, run, "小计")]
    case = facilities_case("t02_subtotals_xlsx", "f.xlsx")
    write_xlsx(case / "f.xlsx", [sh, *body, totals_row(sh, srows, "合计")])

    # 3. notes under the table ------------------------------------------------------------
    notes = [[note, *blank(len(sh) - 1)] for note in NOTES]
    case = facilities_case("t03_notes_xlsx", "f.xlsx")
    write_xlsx(
        case / "f.xlsx",
        [[TITLE, *blank(len(sh) - 1)], sh, *srows, blank(len(sh)), *notes],
        merges=["A1:I1"] + [f"A{14 + i}:I{14 + i}" for i in range(len(NOTES))],
    )
    case = facilities_case("t03b_notes_gbk_csv", "f.csv")
    write_csv(case / "f.csv", [sh, *srows, *notes], encoding="gbk")

    # 4. a two-row header ------------------------------------------------------------------
    top = ["备案编号", "机构名称", "托位数", None, "普惠性", "示范性", "所属区县代码", "坐标", None]
    under = [None, None, "总托位", "普惠托位", None, None, None, "经度", "纬度"]
    two = [
        [r[0], r[1], r[2], r[2] if r[3] == "是" else 0, r[3], r[4], r[5], r[6], r[7]] for r in rows
    ]
    merges = ["A1:A2", "B1:B2", "C1:D1", "E1:E2", "F1:F2", "G1:G2", "H1:I1"]
    two_columns = dict(FACILITY_ZH, slots="总托位")
    for name, keys in (
        ("t04_two_row_header_xlsx", DEGREES + f", columns = {cols(two_columns)}"),
        ("t04b_two_row_header_slots_as_top", DEGREES + COLUMNS),
    ):
        case = facilities_case(name, "f.xlsx", keys)
        write_xlsx(case / "f.xlsx", [top, under, *two], merges=merges)

    # 5. the district column merged down each district's rows ---------------------------------
    merged_rows: list[Row] = []
    district_merges = []
    at = sh.index("所属区县代码")
    for run in by_district(sh, srows):
        first = len(merged_rows) + 2
        merged_rows += [run[0], *[[*r[:at], None, *r[at + 1 :]] for r in run[1:]]]
        if len(run) > 1:
            letter = chr(ord("A") + at)
            district_merges.append(f"{letter}{first}:{letter}{first + len(run) - 1}")
    case = facilities_case("t05_merged_district_xlsx", "f.xlsx")
    write_xlsx(case / "f.xlsx", [sh, *merged_rows], merges=district_merges)
    case = facilities_case("t05b_district_left_empty_not_merged", "f.xlsx")
    write_xlsx(case / "f.xlsx", [sh, *merged_rows])
    # 普惠性 merged down each run of 是 (F01–F03, F07–F10)
    flag = header.index("普惠性")
    runs, run_merges = [], []
    for i, row in enumerate(rows):
        if runs and runs[-1][1] == row[flag] and row[flag] == "是":
            runs[-1][2] = i
        else:
            runs.append([i, row[flag], i])
    flagged = [list(r) for r in rows]
    for first, _, last in runs:
        for r in flagged[first + 1 : last + 1]:
            r[flag] = None
        if last > first:
            letter = chr(ord("A") + flag)
            run_merges.append(f"{letter}{first + 2}:{letter}{last + 2}")
    case = facilities_case("t05c_affordable_merged_down", "f.xlsx")
    write_xlsx(case / "f.xlsx", [header, *flagged], merges=run_merges)

    # the same as an Excel 97–2003 .xls, with a 合计 row and a note under it
    xls = [sh, *merged_rows, totals_row(sh, srows, "合计"), [NOTES[0], *blank(len(sh) - 1)]]
    case = facilities_case("t05d_xls_97_merged_district_totals", "f.xls")
    if write_xls(case / "f.xls", xls, merges=district_merges) is None:
        shutil.rmtree(case)  # no xlwt: the case is not written

    # 6. blank rows between data rows, a 序号 column first --------------------------------------
    spaced: list[Row] = []
    for i, row in enumerate(srows):
        spaced += [row] + ([blank(len(sh))] if i % 3 == 2 else [])
    write_xlsx(facilities_case("t06_blank_rows_seq_xlsx", "f.xlsx") / "f.xlsx", [sh, *spaced])

    # 7. counts with their units or separators -----------------------------------------------
    rng = np.random.default_rng(7)
    slots = header.index("托位数")
    forms = ("{}个", "{}人", " {} ", "{}张", "{}", "{:,}个托位", "{}名")
    unit_rows = [
        [*r[:slots], forms[int(rng.integers(len(forms)))].format(r[slots]), *r[slots + 1 :]]
        for r in rows
    ]
    unit_rows[0][slots] = f"{rows[0][slots]}个"  # F01: at least one of each of the first two
    unit_rows[1][slots] = f"{rows[1][slots]}人"
    write_xlsx(
        facilities_case("t07_slots_with_units_xlsx", "f.xlsx") / "f.xlsx", [header, *unit_rows]
    )
    case = facilities_case("t07b_slots_with_units_csv", "f.csv")
    write_csv(case / "f.csv", [header, *unit_rows])

    # 8. yes/no as marks and words ----------------------------------------------------------
    for name, yes, no in (("t08_yesno_ticks", "√", "×"), ("t08b_yesno_you_wu", "有", "无")):
        marked = [
            [*r[:3], yes if r[3] == "是" else no, yes if r[4] == "是" else no, *r[5:]] for r in rows
        ]
        write_xlsx(facilities_case(name, "f.xlsx") / "f.xlsx", [header, *marked])

    # 9. formulas without a saved value ----------------------------------------------------------
    fh = [*header[:2], "普惠托位", "其他托位", *header[2:]]
    formula_rows = []
    for n, r in enumerate(rows, start=2):
        share = r[2] if r[3] == "是" else 0
        formula_rows.append([*r[:2], share, r[2] - share, f"=C{n}+D{n}", *r[3:]])
    case = facilities_case("t09_formula_no_saved_value", "f.xlsx")
    write_xlsx(case / "f.xlsx", [fh, *formula_rows])
    seq_formulas = [["=ROW()-1", *r] for r in rows]
    case = facilities_case("t09b_formula_in_unused_seq_column", "f.xlsx")
    write_xlsx(case / "f.xlsx", [[SEQ, *header], *seq_formulas])

    # 10. separators and encodings ---------------------------------------------------------
    write_csv(facilities_case("t10_csv_semicolon", "f.csv") / "f.csv", sheet, sep=";")
    write_csv(facilities_case("t10b_txt_tab", "f.txt") / "f.txt", sheet, sep="\t")
    write_csv(facilities_case("t10c_csv_bom_wps", "f.csv") / "f.csv", sheet, encoding="utf-8-sig")
    comma_decimal = [
        [*r[:6], f"{r[6]}".replace(".", ","), f"{r[7]}".replace(".", ",")] for r in rows
    ]
    case = facilities_case("t10d_csv_semicolon_decimal_comma", "f.csv")
    write_csv(case / "f.csv", [header, *comma_decimal], sep=";")

    # 11. the workplaces as an HR bureau's list with a totals row ------------------------------
    w = sample("workplaces", "EPSG:4490")
    at_site = w.geometry.representative_point()
    wh = [SEQ, "企业编号", "企业名称", "外来务工人员数", "经度", "纬度"]
    wrows = [
        [
            i,
            r["workplace_id"],
            r["name"],
            f"{int(r['migrant_workers']):,}人",
            round(p.x, 6),
            round(p.y, 6),
        ]
        for i, ((_, r), p) in enumerate(zip(w.iterrows(), at_site, strict=True), start=1)
    ]
    total = [None] * len(wh)
    total[0], total[3] = "合计", sum(int(r["migrant_workers"]) for _, r in w.iterrows())
    case = new_case("t11_workplaces_total_row_units", out=OUT)
    write_xlsx(
        case / "w.xlsx", [wh, *wrows, total, [NOTES[1], *blank(len(wh) - 1)]], sheet="用工企业"
    )
    work = {"workplace_id": "企业编号", "name": "企业名称", "migrant_workers": "外来务工人员数"}
    scenario(case, {"workplaces": f'{{ path = "w.xlsx"{DEGREES}, columns = {cols(work)} }}'})

    # 12. units in the header: 经度（°）, 托位数（个） ------------------------------
    uh = [*header[:2], "托位数（个）", *header[3:6], "经度（°）", "纬度（°）"]
    case = facilities_case(
        "t12_header_units",
        "f.xlsx",
        DEGREES + f", columns = {cols(dict(FACILITY_ZH, slots='托位数（个）'))}",
    )
    write_xlsx(case / "f.xlsx", [uh, *rows])

    # 13. closed institutions filtered away (hidden rows) ------------------------------
    closed_hidden(facilities_case("t13_hidden_closed_rows", "f.xlsx"), header, rows)


def closed_hidden(case: Path, header: Row, rows: list[Row]) -> None:
    """The list with two institutions 已注销 (closed: F02's and F05's names, 80 slots each,
    about 200 m east of them) in rows 12 and 13, filtered away in Excel (hidden rows)."""
    import openpyxl

    closed = [
        [
            f"F{10 + k}",
            f"{rows[i][1]}（已注销）",
            80,
            "是",
            "否",
            rows[i][5],
            rows[i][6] + 0.002,
            rows[i][7],
        ]
        for k, i in ((1, 1), (2, 4))
    ]
    path = write_xlsx(case / "f.xlsx", [header, *rows, *closed])
    book = openpyxl.load_workbook(path)
    for row in (12, 13):
        book["托育机构"].row_dimensions[row].hidden = True
    book.save(path)


def main() -> None:
    sweep(sys.modules[__name__])


if __name__ == "__main__":
    main()
