"""``districts.xlsx`` and ``facilities.xlsx`` with Chinese headers (openpyxl, imported lazily)."""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from siting.handin._names import field_alias
from siting.report import labels

logger = logging.getLogger(__name__)


def _table_frame(frame: pd.DataFrame, *, currency: str) -> pd.DataFrame:
    """Values as a bureau reads them (是/否, 新建 …) under Chinese headers."""
    text = labels("zh", currency=currency)
    out = pd.DataFrame(
        frame.drop(columns=frame.geometry.name) if isinstance(frame, gpd.GeoDataFrame) else frame
    )
    for col in out.columns:
        values = out[col]
        if values.dtype == bool:
            out[col] = values.map({True: text["yes"], False: text["no"]})
        elif col == "acquisition":
            out[col] = values.map(lambda v: text.get(str(v), v))
        elif col == "kind":
            out[col] = values.map(lambda v: text.get(f"site_kind_{v}", v))
        elif col == "cost_basis":
            out[col] = values.map(lambda v: text.get(f"basis_{v}", v))
        elif col == "shortfall_reason":
            out[col] = values.map(lambda v: text.get(f"reason_{v}", v) if v else v)
    out.columns = [field_alias(str(c), currency=currency) for c in out.columns]
    return out


def _write_xlsx(path: Path, frame: pd.DataFrame, *, sheet: str) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    ws = book.active
    ws.title = sheet
    ws.append(list(frame.columns))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in frame.itertuples(index=False):
        ws.append([_cell(v) for v in row])
    ws.freeze_panes = "A2"
    for i, col in enumerate(frame.columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = max(8, min(40, 2 * len(str(col)) + 2))
    book.save(path)


def _cell(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return None if math.isnan(float(value)) else float(value)
    if isinstance(value, (list, tuple, dict)):
        return str(value)
    if pd.isna(value) if not isinstance(value, str) else False:
        return None
    return value


def write_tables_xlsx(
    districts: pd.DataFrame,
    facilities: gpd.GeoDataFrame,
    folder: str | Path,
    *,
    prefix: str = "",
    currency: str = "CNY",
) -> list[Path]:
    """Write ``districts.xlsx`` and ``facilities.xlsx`` with Chinese headers.

    Parameters
    ----------
    districts
        The plan's district table (``district_id`` as index or column).
    facilities
        The facilities layer, in a projected CRS: its X and Y (m) and longitude
        and latitude are added as columns.
    folder
        Where to write them.
    prefix
        Put before each file name (:func:`division_prefix`).
    currency
        The currency costs are in (the cost header names it).

    Returns
    -------
    list of Path
        The two workbooks.
    """
    folder = Path(folder)
    table = districts.reset_index() if "district_id" not in districts.columns else districts
    table = table.drop(columns=[c for c in ("geometry",) if c in table.columns])
    lead = [c for c in ("district_id", "name") if c in table.columns]
    table = table[lead + [c for c in table.columns if c not in lead]]
    fac = facilities.copy()
    points = fac.geometry.representative_point()
    fac["x"], fac["y"] = points.x.round(2), points.y.round(2)
    lonlat = points.to_crs(4326) if fac.crs is not None else points
    fac["lon"], fac["lat"] = lonlat.x.round(6), lonlat.y.round(6)
    paths = [folder / f"{prefix}districts.xlsx", folder / f"{prefix}facilities.xlsx"]
    _write_xlsx(paths[0], _table_frame(table, currency=currency), sheet="分区县千人托位")
    _write_xlsx(paths[1], _table_frame(fac, currency=currency), sheet="规划托育机构")
    return paths


# --------------------------------------------------------------------------- File Geodatabase
