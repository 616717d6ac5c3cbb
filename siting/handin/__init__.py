"""The files a bureau files: QGIS styles, Excel tables, a File Geodatabase, a 300 dpi figure.

A natural-resources bureau (自然资源局) receives a territorial spatial plan's
data by the Ministry's hand-in rules: vector data as an Esri File Geodatabase
(``.gdb``), plan figures as 300 dpi JPG, and every file named by the 6-digit
administrative division code and name (``510802利州区…``). Its planners open
the GeoPackage in QGIS and file the tables as Excel workbooks. This module
writes those files from a plan's layers (the plain GeoDataFrames that
:func:`siting.export.write_plan` writes to ``plan.gpkg``, in the working CRS):

* :func:`write_qgis_styles` adds the ``layer_styles`` table QGIS reads when it
  opens a GeoPackage, one default style per layer, in the web map's colours
  (:mod:`siting.maps`): areas by slots per 1,000 against their target,
  facilities as circles sized by slots, candidates by state, hazards,
  districts, service lines and the residual people in purples;
* :func:`write_tables_xlsx` writes ``districts.xlsx`` and ``facilities.xlsx``
  with Chinese headers;
* :func:`write_filegdb` writes ``plan.gdb`` with GDAL's OpenFileGDB driver
  (no Esri software), the same layers with Chinese layer aliases;
* :func:`write_plan_figure` draws ``plan.jpg`` at 300 dpi with matplotlib
  (legend, scale bar, north arrow; no tiles);
* :func:`write_shapefiles` writes each layer as a shapefile with a UTF-8 (or GBK)
  ``.cpg`` and ``fields.csv``, the mapping to the 10-byte field names.

:func:`write_handin` writes them all, named by :func:`division_prefix`.
matplotlib and openpyxl are imported lazily.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import pandas as pd

from siting.errors import InputError
from siting.handin._names import LAYER_TITLES, field_alias, shapefile_field_names
from siting.handin.figure import FIGURE_DPI, write_plan_figure
from siting.handin.gdb import write_filegdb
from siting.handin.shapefile import write_shapefiles
from siting.handin.styles import layer_qml, write_qgis_styles
from siting.handin.tables import write_tables_xlsx

__all__ = [
    "FIGURE_DPI",
    "LAYER_TITLES",
    "division_prefix",
    "field_alias",
    "layer_qml",
    "shapefile_field_names",
    "write_filegdb",
    "write_handin",
    "write_plan_figure",
    "write_qgis_styles",
    "write_shapefiles",
    "write_tables_xlsx",
]


logger = logging.getLogger(__name__)


def division_prefix(code: str, districts: pd.DataFrame | None) -> str:
    """``"510802利州区_"``: the 6-digit division code and its name from the plan's districts.

    Parameters
    ----------
    code
        The administrative division code (6 digits).
    districts
        The plan's district table (``district_id`` index or column, ``name``).

    Returns
    -------
    str
        Code, name (empty when the plan has no district of that code) and ``_``.

    Raises
    ------
    InputError
        If ``code`` is not 6 digits.

    Examples
    --------
    >>> import pandas as pd
    >>> division_prefix("510802", pd.DataFrame({"district_id": ["510802"], "name": ["利州区"]}))
    '510802利州区_'
    >>> division_prefix("510899", None)
    '510899_'
    """
    if not re.fullmatch(r"\d{6}", str(code)):
        raise InputError(
            f"division (--name-by-division): {code!r} is not a 6-digit administrative "
            "division code (e.g. 510802 for 利州区)"
        )
    name = ""
    if districts is not None and "name" in districts.columns:
        table = districts.reset_index() if "district_id" not in districts.columns else districts
        match = table[table["district_id"].astype(str) == str(code)]
        if not match.empty and isinstance(match["name"].iloc[0], str):
            # a name like 利州区/经开区 must not make a folder: characters no file name
            # may hold (on Windows too) become "-"
            name = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "-", match["name"].iloc[0]).strip(" .-")
    if not name:
        logger.warning(
            "division %s is not one of the plan's districts: files named %s_…", code, code
        )
    return f"{code}{name}_"


def write_handin(
    layers: Mapping[str, gpd.GeoDataFrame],
    districts: pd.DataFrame,
    folder: str | Path,
    *,
    division: str | None = None,
    shapefile: bool = False,
    shapefile_encoding: str = "utf-8",
    handin: bool = True,
    title: str = "",
    currency: str = "CNY",
    language: str = "zh",
) -> list[Path]:
    """Write the hand-in files into a plan folder.

    With ``handin``: ``plan.gdb``, ``plan.jpg``, ``districts.xlsx`` and
    ``facilities.xlsx``; with ``shapefile``: ``shapefile/`` (each layer and
    ``fields.csv``). With ``division``, each of these names starts with the
    division's code and name (``510802利州区_plan.gdb``).

    Parameters
    ----------
    layers
        Layer name → features in the working CRS (as written to ``plan.gpkg``).
    districts
        The plan's district table.
    folder
        The plan folder (or its staging folder).
    division
        A 6-digit administrative division code to name the files by.
    shapefile
        Also write the shapefiles.
    shapefile_encoding
        Their encoding: ``"utf-8"`` or ``"gbk"`` (:func:`write_shapefiles`).
    handin
        Write the File Geodatabase, the figure and the workbooks.
    title
        The figure's title.
    currency
        The currency of costs.
    language
        Labels of the figure's legend.

    Returns
    -------
    list of Path
        The files and folders written.
    """
    folder = Path(folder)
    prefix = division_prefix(division, districts) if division else ""
    written: list[Path] = []
    if handin:
        written.append(write_filegdb(layers, folder / f"{prefix}plan.gdb", currency=currency))
        written.append(
            write_plan_figure(layers, folder / f"{prefix}plan.jpg", title=title, language=language)
        )
        if "facilities" in layers:
            written += write_tables_xlsx(
                districts, layers["facilities"], folder, prefix=prefix, currency=currency
            )
    if shapefile:
        written.append(
            write_shapefiles(
                layers,
                folder / f"{prefix}shapefile",
                currency=currency,
                encoding=shapefile_encoding,
            )
        )
    return written
