"""Reading a scenario TOML file: every key and value checked against the settings' types,
relative paths taken from the file's folder."""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import re
import sys
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

from siting._encoding import looks_chinese
from siting.errors import ScenarioError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from siting.scenario.checks import _check
from siting.scenario.settings import (
    LINE_LAYER_SUFFIXES,
    VECTOR_SUFFIXES,
    DatumShift,
    InputsSpec,
    LayerSpec,
    LeaseInAreas,
    PopulationSpec,
    Scenario,
)

T = TypeVar("T")

logger = logging.getLogger(__name__)


def load_scenario(path: str | Path) -> Scenario:
    """Read a scenario TOML file.

    Parameters
    ----------
    path
        The TOML file. Relative input paths inside it are resolved against its folder.

    Returns
    -------
    Scenario
        The frozen scenario.

    Raises
    ------
    ScenarioError
        If the file is missing or unreadable, or a key is unknown or has a bad value.
    """
    path = Path(path)
    if path.is_dir():
        tomls = sorted(q.name for q in path.glob("*.toml"))
        inside = f" (it holds {', '.join(tomls[:3])})" if tomls else ""
        raise ScenarioError(
            f"{path} is a folder, not a scenario file{inside}. Fix: give the scenario's "
            "TOML file, such as "
            + str(path / ("scenario.toml" if "scenario.toml" in tomls or not tomls else tomls[0]))
        )
    if not path.is_file():
        raise ScenarioError(f"scenario file {path} does not exist. Fix: check the path.")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ScenarioError(
            f"scenario file {path} cannot be read ({exc.strerror or exc}). Fix: check that "
            "the file may be read by you."
        ) from None
    text = _scenario_text(data, path)
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(
            f"scenario file {path} is not valid TOML: {exc}{_syntax_hint(str(exc), text)}"
        ) from None
    scenario = _build(Scenario, table, key="", base=path.parent.resolve(), file=path)
    _check(scenario, path)
    return scenario


_BINARY_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"SQLite format 3\x00", "a GeoPackage (SQLite database)"),
    (b"PK\x03\x04", "a ZIP archive (or an Excel or Word file)"),
    (b"II*\x00", "a GeoTIFF"),
    (b"MM\x00*", "a GeoTIFF"),
    (b"%PDF", "a PDF document"),
    (b"\xd0\xcf\x11\xe0", "an old Office document"),
    (b"\x00\x00\x27\x0a", "a Shapefile"),
)
_UTF8_BOM = b"\xef\xbb\xbf"


def _scenario_text(data: bytes, path: Path) -> str:
    """The text of a scenario file: UTF-8, with a byte-order mark accepted and logged.

    A binary file (a GeoPackage given in place of the scenario, say) and a
    file in another encoding (GBK, as Chinese Windows editors save by
    default, or UTF-16) are errors that say what the file looks like.
    """
    fix_utf8 = (
        "save the scenario as UTF-8 (in Notepad: Save as, Encoding UTF-8; in VS Code: "
        "Save with Encoding, UTF-8)"
    )
    for signature, what in _BINARY_SIGNATURES:
        if data.startswith(signature):
            raise ScenarioError(
                f"scenario file {path} is {what}, not a scenario TOML file. Fix: give the "
                "scenario's .toml file, and name this file under [inputs] instead"
            )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ScenarioError(
            f"scenario file {path} is in UTF-16 (it starts with a UTF-16 byte-order mark), "
            f"not UTF-8. Fix: {fix_utf8}"
        )
    if b"\x00" in data[:4096]:
        raise ScenarioError(
            f"scenario file {path} is a binary file, not a scenario TOML file. Fix: give the "
            "scenario's .toml file"
        )
    bom = data.startswith(_UTF8_BOM)
    if bom:
        data = data[len(_UTF8_BOM) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        looks = "not UTF-8"
        if looks_chinese(data, "gb18030"):
            looks = "in GBK (GB18030), as Chinese Windows editors save by default, not UTF-8"
        raise ScenarioError(
            f"scenario file {path} is {looks} (the first byte that is not UTF-8 is on line "
            f"{line}). Fix: {fix_utf8}"
        ) from None
    if bom:
        logger.info("scenario file %s starts with a UTF-8 byte-order mark; read it as UTF-8", path)
    return text


_AT_LINE = re.compile(r"\(at line (\d+), column (\d+)\)")
_CHINESE_QUOTES = "“”‘’「」『』"
_FULL_WIDTH = {"＝": "=", "，": ",", "：": ":", "［": "[", "］": "]", "｛": "{", "｝": "}"}


def _syntax_hint(message: str, text: str) -> str:
    """The line a TOML syntax error is on, and the fix for the slips a Chinese or Windows
    editor makes: Chinese quotation marks, full-width ＝ and brackets typed with a Chinese
    input method, and a Windows path's backslashes in a "double-quoted" string."""
    found = _AT_LINE.search(message)
    if found is None:
        return ""
    lines = text.splitlines()
    number = int(found.group(1))
    line = lines[number - 1].strip() if 0 < number <= len(lines) else ""
    shown = f": {line}" if line else ""
    if any(q in line for q in _CHINESE_QUOTES):
        fix = (
            'it has Chinese quotation marks (“ ”): write text between straight quotes, "like this"'
        )
    elif any(c in line for c in _FULL_WIDTH) or "\u3000" in line:
        typed = ", ".join(f"{c} for {_FULL_WIDTH[c]}" for c in _FULL_WIDTH if c in line)
        typed = typed or "a full-width space"
        fix = (
            f"it has full-width punctuation typed with a Chinese input method ({typed}): "
            "switch the input method to English and type them again"
        )
    elif "unescaped '\\'" in message.lower() or "\\" in line:
        fix = (
            'a Windows path\'s backslashes (\\) start escapes in a "double-quoted" string: '
            'write the path with / between folders ("data/city.gpkg"), or in \'single '
            "quotes'"
        )
    else:
        return f" (line {number}{shown})"
    return f" (line {number}{shown}). Fix: {fix}"


def _build(cls: type[T], table: Any, *, key: str, base: Path, file: Path) -> T:
    if not isinstance(table, Mapping):
        fix = ""
        if isinstance(table, str) and "path" in {f.name for f in dataclasses.fields(cls)}:  # type: ignore[arg-type]
            leaf = key.rsplit(".", 1)[-1]
            fix = (
                f" Fix: write {leaf} = {{ path = {json.dumps(table, ensure_ascii=False)} }} "
                f'under [{key.rsplit(".", 1)[0]}] (with layer = "..." for a file of several '
                "layers)"
                if "." in key
                else ""
            )
        raise ScenarioError(f"{file}: [{key}] must be a table, got {type(table).__name__}.{fix}")
    if cls is InputsSpec:
        table = _street_lines(table, key=key, file=file)
    if (cls is LayerSpec and key in _PIECED_KEYS) or (
        cls is PopulationSpec and _census_in_pieces(table)
    ):
        table = _pieces_of(table, key=key, file=file)
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(table) - set(fields))
    if unknown:
        where = f"[{key}]" if key else "the top level"
        raise ScenarioError(
            f"{file}: unknown key(s) {', '.join(repr(u) for u in unknown)} in {where}. "
            f"Known keys: {', '.join(sorted(fields))}."
        )
    values: dict[str, Any] = {}
    for name, value in table.items():
        full = f"{key}.{name}" if key else name
        values[name] = _convert(hints[name], value, key=full, base=base, file=file)
    missing = [
        n
        for n, f in fields.items()
        if n not in values
        and f.default is dataclasses.MISSING
        and f.default_factory is dataclasses.MISSING
    ]
    if missing:
        where = f"[{key}]" if key else "the top level"
        fixes = [f for n in missing if (f := _MISSING_FIXES.get(f"{key}.{n}"))]
        said = f" Fix: {' '.join(fixes)}" if fixes else ""
        raise ScenarioError(f"{file}: {where} needs key(s) {', '.join(missing)}.{said}")
    return cls(**values)


_MISSING_FIXES: dict[str, str] = {
    "inputs.population": (
        'give population = { path = "population.tif" } under [inputs]: a raster of people '
        "per cell (WorldPop and GHS-POP cover every country; a raster of children takes "
        'counts = "children" and share_of_residents), or census units with a count column, '
        'population = { path = "units.gpkg", layer = "...", column = "..." }. The slot '
        "ratios are per 1,000 residents, and OpenStreetMap maps no residents: an OSM "
        "extract alone cannot be planned."
    ),
}
"""The fix a required key's absence is said with, by its full key."""


_RASTER_KEYS = ("inputs.population.", "inputs.children.", "inputs.migrant_population.")
"""The keys of rasters, whose ``path`` a list of files is said for as bands to stack."""


_STREET_BLOCK_KEYS = ("block_status", "block_min_area_m2", "block_max_area_m2", "block_min_width_m")
"""The keys of the streets entry that set its street blocks (:class:`StreetBlocksSpec`)."""

_STREET_LINE_KEYS = ("path", "layer", "crs", "encoding", "where", "blocks", *_STREET_BLOCK_KEYS)


def _street_lines(table: Mapping[str, Any], *, key: str, file: Path) -> Mapping[str, Any]:
    """``[inputs]`` with ``streets = { path, layer, crs, encoding, where, blocks,
    block_status, block_* }`` (a line layer's entry) split into ``streets`` (the path),
    ``street_lines`` (the layer's entry) and ``street_blocks`` (the blocks' keys, when
    ``blocks = true``)."""
    streets = table.get("streets")
    if not isinstance(streets, Mapping) or set(streets) <= {"path"}:
        return table
    unknown = sorted(set(streets) - set(_STREET_LINE_KEYS))
    if unknown or "path" not in streets:
        raise ScenarioError(
            f"{file}: [{key}.streets] takes {', '.join(_STREET_LINE_KEYS)} (path always; the "
            "others for a layer of street centrelines), got "
            f"{', '.join(repr(k) for k in streets)}."
        )
    path = str(streets["path"])
    if Path(path).suffix.lower() not in LINE_LAYER_SUFFIXES:
        blocks = (
            " For an OSM file's street blocks, give it as [inputs.osm] with "
            'areas_from = ["landuse", "blocks"].'
            if "blocks" in streets
            else ""
        )
        raise ScenarioError(
            f"{file}: [{key}.streets] takes layer, crs, encoding, where and blocks for a layer "
            f"of street centrelines only ({', '.join(LINE_LAYER_SUFFIXES)}), not for "
            f'{Path(path).name}. Fix: write streets = {{ path = "..." }} for OSM XML or '
            f"GraphML.{blocks}"
        )
    entry = {k: v for k, v in streets.items() if k != "blocks" and k not in _STREET_BLOCK_KEYS}
    given = {k.removeprefix("block_"): v for k, v in streets.items() if k in _STREET_BLOCK_KEYS}
    blocks = streets.get("blocks", False)
    if not isinstance(blocks, bool):
        raise ScenarioError(
            f"{file}: [{key}.streets] blocks must be true or false, got {blocks!r}. Fix: "
            'write streets = { path = "...", blocks = true } to add the street blocks as '
            "residential areas."
        )
    if given and not blocks:
        raise ScenarioError(
            f"{file}: [{key}.streets] gives {', '.join('block_' + k for k in given)} but not "
            "blocks = true: no street block is made. Fix: add blocks = true, or leave them out."
        )
    out = {**table, "streets": streets["path"], "street_lines": entry}
    return {**out, "street_blocks": given} if blocks else out


_PIECED_KEYS = tuple(
    f"inputs.{name}"
    for name, hint in typing.get_type_hints(InputsSpec).items()
    if LayerSpec in typing.get_args(hint) and name != "street_lines"
)
"""The keys of the vector layers that may be handed over in pieces (``inputs.areas`` …):
``[inputs]``'s layers but the streets' line layer."""


def _census_in_pieces(table: Mapping[str, Any]) -> bool:
    """Whether ``[inputs.population]`` is census units in pieces (each county's 街道): a list
    of files or layers with a ``column`` or ``layer``, or of vector files alone; a list of
    rasters is said as bands to stack (:func:`_several_files`)."""
    paths = table.get("path")
    if not isinstance(paths, list) and not isinstance(table.get("layer"), list):
        return False
    vector = isinstance(paths, list) and all(
        isinstance(p, str) and Path(p).suffix.lower() in VECTOR_SUFFIXES for p in paths
    )
    return "column" in table or "layer" in table or vector


def _pieces_of(table: Mapping[str, Any], *, key: str, file: Path) -> Mapping[str, Any]:
    """A layer's entry whose ``path`` is a list of files or ``layer`` a list of layers (a
    layer handed over in pieces) with ``pieces``, every layer of every file in order, and
    the first piece's ``path`` and ``layer``; an entry of one piece as it is."""
    paths, layers = table.get("path"), table.get("layer")
    if not isinstance(paths, list) and not isinstance(layers, list):
        return table
    if "path" not in table:
        raise ScenarioError(f"{file}: [{key}] needs key(s) path.")
    if "pieces" in table:
        raise ScenarioError(
            f"{file}: [{key}] gives pieces and a list of files or layers. Fix: give the "
            "files as path = [...] (and the layers as layer = [...]), without pieces."
        )
    given: dict[str, list[Any]] = {
        "path": paths if isinstance(paths, list) else [paths],
        "layer": layers if isinstance(layers, list) else [layers],
    }
    for leaf, items in given.items():
        if not items:
            raise ScenarioError(
                f"{file}: '{key}.{leaf}' is an empty list. Fix: give the {leaf} of each piece, "
                f'{leaf} = ["...", "..."], or one {leaf} as a string.'
            )
        if not all(isinstance(v, str) for v in items) and items != [None]:
            raise ScenarioError(
                f"{file}: '{key}.{leaf}' must be a {leaf} string or a list of them, got "
                f"{table[leaf]!r}."
            )
    pieces = [
        {"path": p} | ({} if layer is None else {"layer": layer})
        for p in given["path"]
        for layer in given["layer"]
    ]
    named = [f"{p['path']}" + (f", layer {p['layer']}" if "layer" in p else "") for p in pieces]
    twice = sorted({n for n in named if named.count(n) > 1})
    if twice:
        raise ScenarioError(
            f"{file}: [{key}] names the piece {'; '.join(twice)} twice: its features would be "
            "read twice. Fix: name each file (and layer) once."
        )
    first = {k: v for k, v in table.items() if k not in ("path", "layer")} | pieces[0]
    return first if len(pieces) == 1 else first | {"pieces": pieces}


def _several_files(key: str, value: list[str], *, file: Path) -> str:
    """What a list of files where one is read says: WorldPop's age and sex files, handed
    over as downloaded (``chn_t_00_…``, ``chn_t_01_…``), are stacked as one raster's bands,
    and a layer's pieces are merged into one layer."""
    names = ", ".join(value[:3]) + (", …" if len(value) > 3 else "")
    said = f"{file}: '{key}' is a list of {len(value)} files ({names}); siting reads one "
    if key.startswith(_RASTER_KEYS):
        bands = ", ".join(str(b) for b in range(1, len(value) + 1))
        return (
            said + "raster per key. Fix: to add rasters up (WorldPop's age or sex files, such as "
            "…_00_… and …_01_…), stack them as the bands of one virtual raster (QGIS: Raster ▸ "
            "Miscellaneous ▸ Build Virtual Raster, with 'Place each input file into a separate "
            "band'; or gdalbuildvrt -separate stack.vrt "
            + " ".join(Path(v).name for v in value[:3])
            + (" …" if len(value) > 3 else "")
            + f') and give {{ path = "stack.vrt", bands = [{bands}] }}.'
        )
    return (
        said + "file here (the layers of [inputs] read a list of files: areas, parcels, "
        "facilities …). Fix: merge them into one (QGIS: Vector ▸ Data Management Tools ▸ "
        "Merge Vector Layers; or ogr2ogr -append) and give its path."
    )


def _several_layers(key: str, value: list[str], *, file: Path) -> str:
    """What a list of layers says: Geofabrik's OSM download keeps a class's points and
    polygons in two layers (``gis_osm_pois_free_1``, ``gis_osm_pois_a_free_1``)."""
    names = ", ".join(value[:3]) + (", …" if len(value) > 3 else "")
    return (
        f"{file}: '{key}' is a list of {len(value)} layers ({names}); siting reads one layer "
        "here (the layers of [inputs] read a list of layers: areas, parcels, facilities …). "
        "Fix: give the one that holds the features, or merge them into one layer "
        "(QGIS: Vector ▸ Data Management Tools ▸ Merge Vector Layers, which merges layers of "
        "one geometry type: turn polygons into points first with Vector ▸ Geometry Tools ▸ "
        "Centroids) and give its path."
    )


def _convert(hint: Any, value: Any, *, key: str, base: Path, file: Path) -> Any:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        if set(inner) == {str, float, bool}:  # a layer's values = { status = "old" }
            if not isinstance(value, (str, int, float, bool)) or (
                isinstance(value, float) and not math.isfinite(value)
            ):
                raise ScenarioError(
                    f"{file}: '{key}' must be a string, a number or true/false, got {value!r}."
                )
            return value
        return _convert(inner[0], value, key=key, base=base, file=file)
    if hint is LeaseInAreas and isinstance(value, bool):
        return LeaseInAreas() if value else None  # lease_in_areas = true: its defaults
    if hint is DatumShift and isinstance(value, str):
        return DatumShift(web_map=value)  # datum_shift = "gcj02": a web map's datum
    if dataclasses.is_dataclass(hint):
        return _build(hint, value, key=key, base=base, file=file)  # type: ignore[arg-type]
    if hint is Path:
        if isinstance(value, Mapping) and set(value) == {"path"}:
            value = value["path"]  # { path = "streets.osm" }, written like the layers
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            raise ScenarioError(_several_files(key, value, file=file))
        if not isinstance(value, str):
            raise ScenarioError(
                f"{file}: '{key}' must be a path string (or {{ path = ... }}), got {value!r}."
            )
        p = Path(value)
        return p if p.is_absolute() else base / p
    if origin is tuple:
        if not isinstance(value, list):
            raise ScenarioError(f"{file}: '{key}' must be a list, got {value!r}.")
        return tuple(
            _convert(args[0], v, key=f"{key}[{i}]", base=base, file=file)
            for i, v in enumerate(value)
        )
    if origin in (Mapping, dict) or hint is Mapping:
        if not isinstance(value, Mapping):
            raise ScenarioError(f"{file}: '{key}' must be a table, got {value!r}.")
        return {
            str(k): _convert(args[1], v, key=f"{key}.{k}", base=base, file=file)
            for k, v in value.items()
        }
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ScenarioError(f"{file}: '{key}' must be a number, got {value!r}.")
        if not math.isfinite(value):
            raise ScenarioError(
                f"{file}: '{key}' must be a finite number, got {value!r}. Fix: give a number "
                "(TOML's nan and inf are not values siting can plan with)."
            )
        return float(value)
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ScenarioError(f"{file}: '{key}' must be a whole number, got {value!r}.")
        return value
    if hint is bool:
        if not isinstance(value, bool):
            raise ScenarioError(f"{file}: '{key}' must be true or false, got {value!r}.")
        return value
    if hint is str:
        leaf = key.rsplit(".", 1)[-1]
        if leaf == "layer" and isinstance(value, list) and all(isinstance(v, str) for v in value):
            raise ScenarioError(_several_layers(key, value, file=file))
        if not isinstance(value, str):
            said = f"EPSG:{value}" if leaf == "crs" and isinstance(value, int) else value
            fix = (
                f" Fix: put it in quotes, {leaf} = {json.dumps(said, ensure_ascii=False)}."
                if isinstance(value, (int, float)) and not isinstance(value, bool)
                else ""
            )
            raise ScenarioError(f"{file}: '{key}' must be a string, got {value!r}.{fix}")
        return value
    raise ScenarioError(f"{file}: '{key}' has a type siting cannot read ({hint}).")
