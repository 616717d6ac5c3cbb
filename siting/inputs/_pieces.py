"""A layer handed over in pieces: each county's Shapefile of its 小区 (``path`` a list of
files), or Geofabrik's points and polygons of one class in two layers of one zip
(``layer`` a list of layers).

Each piece is read as a layer given on its own is (its own CRS, encoding, zip, and the
entry's ``columns``, ``units``, ``values`` and ``where``), its problems naming its file
and layer; the pieces are then joined into one layer in the first piece's CRS, which is
reprojected to the working CRS as any layer is. A piece holding no features (none its
``where`` keeps: Geofabrik maps no park as a point) is noted while another holds some, its
problem said only when none does. The same id in two pieces is a problem
naming both; a piece without an id column has its features' row labels taken with the
piece's name (``昭化区小区.shp row 3``), since every piece has a ``row 3``. A feature
drawn the same in two pieces (a 小区 on the county line sent by both counties) is the
finding ``duplicate_geometries`` of the joined layer, or, under one id, the shared id.
"""

from __future__ import annotations

import codecs
import dataclasses
import logging
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path, PurePosixPath

import geopandas as gpd
import pandas as pd
import pyproj

from siting._text import first_few
from siting.errors import Problem
from siting.inputs._crs import _crs_label, _drawn
from siting.inputs._problems import _Report, _Where
from siting.inputs._schema import _SCHEMAS
from siting.inputs._table import ROW_OF
from siting.inputs._zip import VECTOR_MEMBERS, archive_of, layers_named, zip_members
from siting.scenario import LayerSpec

logger = logging.getLogger(__name__)

ROW_IDS = "siting_row_ids"
"""``attrs`` key of a normalized layer: whether its ids are its rows' labels (``row 3``),
the layer having no id column."""

PIECES = "siting_pieces"
"""``attrs`` key of a layer joined from pieces: its :class:`Piece` s, in order."""


@dataclasses.dataclass(frozen=True)
class Piece:
    """One piece of a joined layer, as it was handed over.

    Attributes
    ----------
    label
        Its file's name, and its layer if it names one (``昭化区小区.shp``).
    crs
        Its own CRS, before the pieces were joined in the first one's.
    ids
        Its features' ids in the joined layer.
    """

    label: str
    crs: pyproj.CRS
    ids: tuple[object, ...]


ReadOne = Callable[[LayerSpec], "tuple[gpd.GeoDataFrame | None, _Where]"]
"""How one piece is read: a layer's entry of one piece to the layer and its ``_Where``."""


def piece_role(name: str, number: int) -> str:
    """The role a piece's files are recorded under (``Inputs.files``, ``run.json``'s
    inputs): ``areas`` for the first piece, ``areas[2]`` for the second …"""
    return name if number == 1 else f"{name}[{number}]"


def read_pieces(
    spec: LayerSpec, name: str, report: _Report, *, read: ReadOne
) -> tuple[gpd.GeoDataFrame | None, _Where]:
    """Read each of ``spec``'s pieces by ``read`` and join them into one layer.

    Parameters
    ----------
    spec
        The layer's entry, with its :attr:`~siting.scenario.LayerSpec.pieces`.
    name
        Which ``siting`` layer it is.
    report
        Where problems, notes and the pieces' files (by :func:`piece_role`) go.
    read
        How one piece is read (``siting.inputs._vector``'s reader of one layer).

    Returns
    -------
    tuple
        The joined layer in the first piece's CRS (``None`` when a piece cannot be
        read, its problem said), and the ``_Where`` naming every piece.
    """
    pieces = [_with_own_encoding(piece, name, report) for piece in spec.piece_specs()]
    read_ones: list[tuple[gpd.GeoDataFrame, _Where]] = []
    wheres: list[_Where] = []
    empty: list[tuple[_Where, list[Problem]]] = []
    failed = False
    for number, piece in enumerate(pieces, start=1):
        before = len(report.problems)
        frame, where = _read_as_piece(piece, name, number, report, read=read)
        wheres.append(where)
        said = report.problems[before:]
        if frame is not None:
            read_ones.append((frame, where))
        elif said and all(any(p is e for e in report.emptied) for p in said):
            del report.problems[before:]  # said below: the others may hold the features
            empty.append((where, said))
        else:
            failed = True
    joint = _joint_where(spec, name, wheres)
    if not read_ones:  # no piece holds a feature: each empty one's problem stands
        report.problems.extend(p for _, said in empty for p in said)
    for where, said in empty if read_ones else ():
        report.note(
            f"{name}: {_label(where)} holds none of the layer's features, the other pieces "
            f"do ({said[0].message})"
        )
    frames = _labelled(read_ones, name)
    if not _ids_apart(frames, name, report) or failed or not frames:
        return None, joint
    placed = _in_one_crs(frames, spec, name, joint, report)
    if placed is None:
        return None, joint
    joint = dataclasses.replace(  # a problem about some features names the pieces holding them
        joint, pieces=tuple((w.file, w.file_layer, frozenset(map(str, f.index))) for f, w in frames)
    )
    joined = gpd.GeoDataFrame(pd.concat([f for f, _ in placed]), crs=placed[0][0].crs)
    if any(ROW_OF in f.attrs for f, _ in frames):  # each piece's rows placed by address
        joined.attrs[ROW_OF] = {
            i: f"{_label(w)} {row}" for f, w in frames for i, row in f.attrs.get(ROW_OF, {}).items()
        }
    joined.attrs[PIECES] = tuple(  # a piece in degrees on a web map's base is measured alone
        Piece(_label(w), pyproj.CRS.from_user_input(own), tuple(f.index))
        for (f, w), (joined_as, _) in zip(frames, placed, strict=True)
        # a table without coordinates (placed by address) takes the others' CRS, or none
        if (own := f.crs if f.crs is not None else joined_as.crs) is not None
    )
    of = "" if len(frames) == len(pieces) else f" of its {len(pieces)}"
    report.note(
        f"{name}: joined {len(frames)} piece{'' if len(frames) == 1 else 's'}{of} ("
        + "; ".join(f"{_label(w)}: {len(f):,}" for f, w in frames)
        + f") into one layer of {len(joined):,} feature{'' if len(joined) == 1 else 's'}"
    )
    return joined, joint


def _read_as_piece(
    piece: LayerSpec, name: str, number: int, report: _Report, *, read: ReadOne
) -> tuple[gpd.GeoDataFrame | None, _Where]:
    """One piece read, the files it was read from recorded under its own role
    (:func:`piece_role`): ``areas[2]``, ``areas[2].dbf`` …"""

    def own(key: str) -> bool:
        return key == name or key.startswith(f"{name}.")

    before = dict(report.files)
    for key in [k for k in before if own(k)]:
        del report.files[key]
    frame, where = read(piece)
    role = piece_role(name, number)
    mine = {role + k[len(name) :]: path for k, path in report.files.items() if own(k)}
    added = {k: path for k, path in report.files.items() if not own(k) and k not in before}
    report.files.clear()
    report.files.update({**before, **added, **mine})
    return frame, where


def _with_own_encoding(piece: LayerSpec, name: str, report: _Report) -> LayerSpec:
    """``piece``, without the entry's ``encoding`` when its file says its own (noted): a
    Shapefile with a ``.cpg``, a GeoPackage, a GeoJSON whose text is UTF-8 (RFC 7946's).
    The entry's ``encoding`` is for the pieces that do not say theirs (a county's GBK
    Shapefile without ``.cpg``); the others are read as they say."""
    if piece.encoding is None:
        return piece
    path = Path(piece.path)
    archive = archive_of(path)
    own = _own_encoding(path) if archive is None else _zipped_encoding(path, archive, piece)
    if own is None:
        return piece
    report.note(
        f"{name}: read {path.name} by its own encoding ({own}); encoding = "
        f"'{piece.encoding}' under [inputs.{name}] is for the pieces that do not say theirs"
    )
    return dataclasses.replace(piece, encoding=None)


def _own_encoding(path: Path) -> str | None:
    """What says the encoding of a layer's file, if anything does."""
    suffix = path.suffix.lower()
    if suffix == ".shp" and path.with_suffix(".cpg").is_file():
        return f"its {path.with_suffix('.cpg').name} says its encoding"
    if suffix == ".gpkg" and path.is_file():
        return _GEOPACKAGE
    if suffix in (".geojson", ".json") and path.is_file() and _is_utf8(path):
        return "its text is UTF-8, as a GeoJSON's is"
    return None


_GEOPACKAGE = "a GeoPackage's text is always UTF-8"


def _zipped_encoding(path: Path, archive: Path, piece: LayerSpec) -> str | None:
    """What says the encoding of a zipped piece's layer (the file its path names inside
    the zip, its one layer, or the Shapefile its ``layer`` names): its Shapefile's
    ``.cpg`` beside it in the zip (昭化区小区.zip's 昭化区小区/昭化区小区.cpg), a
    GeoPackage; None when nothing does, or the zip cannot say which layer is read (a
    problem when it is read)."""
    try:
        with zipfile.ZipFile(archive) as opened:
            members = list(zip_members(opened))
    except (zipfile.BadZipFile, OSError):
        return None
    if path != archive:
        chosen = [path.relative_to(archive).as_posix()]
    else:
        layers = [m for m in members if PurePosixPath(m).suffix.lower() in VECTOR_MEMBERS]
        chosen = layers_named(layers, piece.layer)
    if len(chosen) != 1:
        return None
    inside = PurePosixPath(chosen[0])
    if inside.suffix.lower() == ".gpkg":
        return _GEOPACKAGE
    cpg = str(inside.with_suffix(".cpg")).lower()
    if inside.suffix.lower() == ".shp" and any(m.lower() == cpg for m in members):
        return f"its {inside.with_suffix('.cpg').name} in the zip says its encoding"
    return None


def _is_utf8(path: Path) -> bool:
    """Whether a file's bytes are UTF-8 text, read in 1 MiB blocks."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                decoder.decode(block)
            decoder.decode(b"", final=True)
    except (UnicodeDecodeError, OSError):
        return False
    return True


def _label(where: _Where) -> str:
    """A piece as a planner named it: its file's name, and its layer if it names one."""
    named = Path(where.file).name
    return f"{named}, layer {where.file_layer}" if where.file_layer else named


def _joint_where(spec: LayerSpec, name: str, wheres: Sequence[_Where]) -> _Where:
    """The ``_Where`` of the joined layer: every piece's file, and every layer named."""
    files = list(dict.fromkeys(w.file for w in wheres))
    layers = list(dict.fromkeys(w.file_layer for w in wheres if w.file_layer))
    units: dict[str, str] = {}
    for where in wheres:
        units.update(where.units)
    return _Where(
        " and ".join(files),
        name,
        dict(spec.columns),
        units,
        ", ".join(layers) if layers else None,
    )


def _labelled(
    read_ones: list[tuple[gpd.GeoDataFrame, _Where]], name: str
) -> list[tuple[gpd.GeoDataFrame, _Where]]:
    """The pieces, those without an id column with their rows' labels taken with the
    piece's name (``昭化区小区.shp row 3``): every piece has a ``row 3``."""
    out = []
    for frame, where in read_ones:
        if frame.attrs.pop(ROW_IDS, False):
            index = pd.Index([f"{_label(where)} {i}" for i in frame.index], name=frame.index.name)
            frame = frame.set_axis(index)
        out.append((frame, where))
    return out


def _ids_apart(frames: list[tuple[gpd.GeoDataFrame, _Where]], name: str, report: _Report) -> bool:
    """Whether no id is in two pieces; each pair of pieces sharing ids is a problem naming
    both pieces and the ids (never renumbered: an id is the bureau's)."""
    column = _SCHEMAS[name].id
    apart = True
    for i, (first, one) in enumerate(frames):
        for second, other in frames[i + 1 :]:
            shared = first.index.intersection(second.index)
            if shared.empty:
                continue
            apart = False
            files = one.file if one.file == other.file else f"{one.file} and {other.file}"
            layers = (
                None
                if one.file_layer == other.file_layer
                else f"{one.file_layer or name} and {other.file_layer or name}"
            )
            same = "is" if len(shared) == 1 else "are"
            report.problems.append(
                _Where(files, name, one.columns, file_layer=layers or one.file_layer).problem(
                    f"{len(shared):,} {column} value{'' if len(shared) == 1 else 's'} {same} "
                    f"in two pieces of the layer, {_label(one)} and {_label(other)}; ids must "
                    "be unique across a layer's pieces",
                    column=column,
                    ids=sorted(map(str, shared)),
                    fix=f"give each feature its own {column} across the files (a county's "
                    "code before each, say); a feature both pieces hold (a 小区 on the county "
                    "line sent by both counties) is kept in one of them only",
                )
            )
    return apart


def _in_one_crs(
    frames: list[tuple[gpd.GeoDataFrame, _Where]],
    spec: LayerSpec,
    name: str,
    joint: _Where,
    report: _Report,
) -> list[tuple[gpd.GeoDataFrame, _Where]] | None:
    """The pieces in the first one's CRS, the others reprojected to it, noted; ``None``
    when a piece has no CRS (its problem said), or when pieces in different CRSs share a
    ``datum_shift``, which is one datum's (a problem)."""
    # a table without any coordinates (its rows placed by their address) has no CRS
    blank = {id(f) for f, _ in frames if f.crs is None and not len(_drawn(f))}
    if any(frame.crs is None and id(frame) not in blank for frame, _ in frames):
        return None
    drawn = [(f, w) for f, w in frames if id(f) not in blank]
    if not drawn:
        return frames  # every piece placed by address, in the working CRS later
    lead = pyproj.CRS.from_user_input(drawn[0][0].crs)
    frames = [(f.set_crs(lead) if id(f) in blank else f, w) for f, w in frames]
    other = [
        (frame, where)
        for frame, where in frames[1:]
        if not pyproj.CRS.from_user_input(frame.crs).equals(lead)
    ]
    if not other:
        return frames
    crss = first_few(
        dict.fromkeys(
            f"{_label(w)} in {_crs_label(pyproj.CRS.from_user_input(f.crs))}" for f, w in frames
        ),
        limit=4,
        sep="; ",
    )
    if spec.datum_shift is not None:
        report.problems.append(
            joint.problem(
                f"the pieces are in different CRSs ({crss}), and datum_shift under "
                f"[inputs.{name}] moves one datum's coordinates",
                fix="export every piece in the one CRS the shift is for (QGIS: Export ▸ Save "
                "Features As, with that CRS) and give those files",
            )
        )
        return None
    for frame, where in other:
        report.note(
            f"{name}: {_label(where)} reprojected from "
            f"{_crs_label(pyproj.CRS.from_user_input(frame.crs))} to {_crs_label(lead)}, the "
            f"CRS of {_label(drawn[0][1])}, to join the pieces"
        )
    moved = {id(frame) for frame, _ in other}
    return [(frame.to_crs(lead) if id(frame) in moved else frame, w) for frame, w in frames]
