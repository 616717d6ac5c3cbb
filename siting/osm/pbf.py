"""OpenStreetMap PBF (``.osm.pbf``): an OSM XML copy written with pyosmium.

osmnx reads OSM XML only, while Geofabrik, BBBike and most bureaus hand over
PBF. :func:`xml_copy` writes an XML copy of a PBF file with pyosmium (the
Python bindings of libosmium, the maintained PBF reader) into a cache folder
keyed by the file's content, so a second run, or a second use of the same file
in one run, reuses it. The copy is written under a temporary name and renamed
when complete. It keeps the PBF's header: its box (a Geofabrik or osmium
extract's, the box of the polygon it was cut by) is the copy's ``<bounds>``, the
edge of the street blocks (:func:`siting._osmxml.extract_edge`). pyosmium is an
optional dependency: ``pip install siting[pbf]`` (or ``pip install osmium``).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from siting._digest import file_sha256
from siting.errors import InputError, Problem

__all__ = ["PBF_SUFFIX", "is_pbf", "xml_copy"]

PBF_SUFFIX = ".pbf"
"""The name ending of an OSM PBF file (``city.osm.pbf``)."""

_COPY_FORMAT = "2"
"""The format of the copies, in their names: a copy made before the header's box was
written as ``<bounds>`` (format 1, whose name has no mark) is not reused."""


def is_pbf(path: str | Path) -> bool:
    """Whether ``path`` names an OSM PBF file.

    Examples
    --------
    >>> is_pbf("sichuan-latest.osm.pbf"), is_pbf("city.osm")
    (True, False)
    """
    return str(path).lower().endswith(PBF_SUFFIX)


def xml_copy(path: str | Path, *, cache: str | Path | None = None) -> Path:
    """An OSM XML copy of a PBF file, made once and reused.

    Parameters
    ----------
    path
        The ``.osm.pbf`` file.
    cache
        The folder of the copies; by default ``siting-osm`` in the system's
        temporary folder. The copy's name carries the file's content hash, so
        an edited PBF gets a new copy, and the copy's format
        (:data:`_COPY_FORMAT`).

    Returns
    -------
    Path
        The ``.osm`` copy.

    Raises
    ------
    InputError
        The file is missing, pyosmium is not installed, or the file is not
        readable as PBF.
    """
    source = Path(path)
    fix_convert = f"or convert it yourself: osmium cat {source.name} -o {_xml_name(source)}"
    if not source.is_file():
        raise InputError(
            [Problem("the OSM file does not exist", file=str(source), fix="check the path")]
        )
    try:
        import osmium
    except ImportError:
        raise InputError(
            [
                Problem(
                    "reading OSM PBF needs pyosmium, which is not installed",
                    file=str(source),
                    fix=f"pip install 'siting[pbf]' (or pip install osmium), {fix_convert}",
                )
            ]
        ) from None
    folder = Path(cache) if cache is not None else Path(tempfile.gettempdir()) / "siting-osm"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{file_sha256(source)[:20]}-{_COPY_FORMAT}-{_xml_name(source)}"
    if target.is_file():
        return target
    handle, partial = tempfile.mkstemp(prefix=".partial-", suffix=".osm", dir=folder)
    os.close(handle)
    os.unlink(partial)  # pyosmium refuses to overwrite a file
    try:
        processor = osmium.FileProcessor(str(source))
        # the header's box (osmium.io.Header.box) is written as <bounds>, and its generator
        with osmium.SimpleWriter(partial, header=processor.header) as writer:
            for obj in processor:
                writer.add(obj)
        os.replace(partial, target)
    except Exception as exc:  # libosmium's errors are RuntimeError and its own kinds
        Path(partial).unlink(missing_ok=True)
        raise InputError(
            [
                Problem(
                    f"the file cannot be read as OSM PBF ({type(exc).__name__}: {exc})",
                    file=str(source),
                    fix=f"give an uncorrupted .osm.pbf (e.g. from Geofabrik), {fix_convert}",
                )
            ]
        ) from None
    return target


def _xml_name(source: Path) -> str:
    name = source.name
    stem = name[: -len(PBF_SUFFIX)] if name.lower().endswith(PBF_SUFFIX) else name
    return stem if stem.lower().endswith(".osm") else f"{stem}.osm"
