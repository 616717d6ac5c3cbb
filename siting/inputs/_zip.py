"""A layer handed over zipped: the dataset inside a ``.zip``, taken out to read.

A bureau mails a Shapefile as a zip of its folder (``居住区.zip`` holding
``居住区/居住区.shp`` and its ``.dbf``, ``.shx``, ``.prj``, ``.cpg``). GDAL reads a
zip whose Shapefile lies at its root, but not one in a folder inside
("not recognized as being in a supported file format"). The layer's files are
taken out to a temporary folder and read as any layer is there (its ``.cpg`` and
its text's encoding checked as beside the scenario), the zip itself is left as it
is. Windows's own "Send to > Compressed folder" stores Chinese names in the
system's code page without the zip's UTF-8 flag, so such names are read as GBK (macOS's
own zipping, also without the flag, writes UTF-8: read so first).
"""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path, PurePosixPath

from siting._text import first_few
from siting.errors import Problem
from siting.inputs._problems import _Report, _Where

__all__ = ["VECTOR_MEMBERS", "archive_of", "layers_named", "unzipped", "zip_members"]

VECTOR_MEMBERS = (".shp", ".gpkg", ".geojson", ".json", ".fgb", ".kml", ".gml", ".tab", ".mif")
"""The files inside a zip that are layers (a Shapefile by its ``.shp``)."""

_MOST_BYTES = 8 << 30
"""The most a layer's files may hold once taken out (a zip bomb is refused)."""


def _member_name(info: zipfile.ZipInfo) -> str:
    """A member's name as its writer meant it: without the UTF-8 flag, Python reads the
    bytes as CP437; macOS's Finder wrote them in UTF-8 (GBK bytes of Chinese are hardly
    ever valid UTF-8, while UTF-8's often are valid GBK: 新建小区 read 鏂板缓灏忓尯), Chinese
    Windows in GBK."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:
        return info.filename
    for encoding in ("utf-8", "gbk"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return info.filename


def archive_of(path: Path) -> Path | None:
    """The ``.zip`` file a path is or lies inside (``pop.zip`` of ``pop.zip/a/pop.tif``)."""
    return next(
        (p for p in (path, *path.parents) if p.suffix.lower() == ".zip" and p.is_file()), None
    )


def zip_members(archive: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    """A zip's files by the names their writer meant (:func:`_member_name`), its folders
    and macOS's ``__MACOSX/`` copies (``__MACOSX/._pop.tif``) left out."""
    return {
        _member_name(info): info
        for info in archive.infolist()
        if not info.is_dir() and not info.filename.startswith("__MACOSX/")
    }


def layers_named(layers: list[str], layer: str | None) -> list[str]:
    """Among a zip's several layers, the Shapefile ``layer`` names (with its ``.shp`` as
    the zip lists it or without); all of them when it names none."""
    if len(layers) < 2 or layer is None:
        return layers
    named = [m for m in layers if layer in (PurePosixPath(m).stem, PurePosixPath(m).name)]
    return named or layers


def unzipped(
    path: Path,
    into: Path,
    where: _Where,
    report: _Report,
    *,
    layer: str | None = None,
    member: str | None = None,
) -> Path | None:
    """Take the one layer of a zip (or the Shapefile ``layer`` names among several) out
    into ``into`` and return its path there; or add a problem and return None.

    Parameters
    ----------
    path
        The ``.zip``.
    into
        An empty folder to take the files out to (the caller removes it).
    where, report
        The layer's role and name, and where the problems go.
    layer
        ``layer`` under ``[inputs.<layer>]``: among several files, the one of that name,
        with or without its ``.shp`` (a zip of Shapefiles, as a folder of them is read).
    member
        The layer's file inside the zip, when the path names it (``areas.zip/居住区/
        areas.shp``).

    Returns
    -------
    pathlib.Path or None
        The ``.shp`` (its sidecar files beside it) or other layer file, at its path inside
        the zip under ``into``; None with a problem when the zip cannot be read, holds no
        layer or several in different files.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            members = zip_members(archive)
            layers = [m for m in members if PurePosixPath(m).suffix.lower() in VECTOR_MEMBERS]
            if member is not None:
                if member not in layers:
                    shown = first_few(layers, limit=6) or "none"
                    report.problems.append(
                        where.problem(
                            f"the zip holds no {member} (its layers: {shown})",
                            fix=f"name one of its layers after {path.name}/, or give the zip "
                            "alone when it holds one",
                        )
                    )
                    return None
                layers = [member]
            layers = layers_named(layers, layer)
            if len(layers) != 1:
                report.problems.append(_layers_problem(layers, where))
                return None
            (inside,) = layers
            stem = str(PurePosixPath(inside).with_suffix("")).lower()
            wanted = (
                [m for m in members if str(PurePosixPath(m).with_suffix("")).lower() == stem]
                if inside.lower().endswith(".shp")
                else [inside]
            )
            if sum(members[m].file_size for m in wanted) > _MOST_BYTES:
                report.problems.append(
                    where.problem(
                        f"the zip's layer {inside} would take more than "
                        f"{_MOST_BYTES >> 30} GB once taken out",
                        fix="unzip it yourself and give the layer's file",
                    )
                )
                return None
            if into.resolve() not in (into / PurePosixPath(inside)).resolve().parents:
                report.problems.append(  # an absolute name, or one climbing out with ../
                    where.problem(
                        f"the zip's layer {inside} is named outside the zip's own folder, "
                        "and siting takes no file out there",
                        fix="unzip it yourself, check what it holds, and give the layer's file",
                    )
                )
                return None
            if any(members[m].flag_bits & 0x1 for m in wanted):  # WinRAR's or 7-Zip's
                report.problems.append(
                    where.problem(
                        "the zip's files are protected by a password",
                        fix="unzip it with its password and give the layer's file",
                    )
                )
                return None
            for name in wanted:  # a Shapefile's files, all beside its .shp
                target = into / PurePosixPath(name)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(archive.read(members[name]))
    except (
        zipfile.BadZipFile,
        OSError,
        RuntimeError,
        NotImplementedError,
        zlib.error,
        EOFError,
    ) as exc:  # EOFError, zlib.error: its data damaged
        report.problems.append(
            where.problem(
                f"the zip cannot be read ({exc})",
                fix="unzip it (7-Zip, WinRAR or the system's own) and give the layer's file",
            )
        )
        return None
    report.note(f"{where.layer}: read {inside} inside {path.name}")
    return into / PurePosixPath(inside)


def _layers_problem(layers: list[str], where: _Where) -> Problem:
    """No layer in the zip, or several: which to unzip and give."""
    if not layers:
        return where.problem(
            "the zip holds no layer (no .shp, .gpkg, .geojson, .fgb, .kml, .gml, .tab or .mif)",
            fix="check that this is the zip you meant, or unzip it and give the layer's file",
        )
    stems = ", ".join(f'"{PurePosixPath(name).stem}"' for name in layers[:2])
    several = "" if where.layer == "streets" else f", several with layer = [{stems}]"
    return where.problem(
        f"the zip holds {len(layers)} layers ({first_few(layers, limit=6)}) and the entry "
        "does not say which to read",
        fix=f'name the Shapefile to read with layer = "..." (its name without .shp){several}, '
        "or unzip it and give the layer's file",
    )
