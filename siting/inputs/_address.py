"""Placing a table's rows by the 小区 their address names, offline.

A health commission's register of 托育机构 (备案名单) or a list of employers comes as a
table of 机构名称, 地址 and 托位数, without coordinates. Most addresses name their
compound: ``广元市利州区东坝街道华龙新村3栋1单元`` names 华龙新村, and the run already
knows where each residential area is. With ``address = "地址"`` under
``[inputs.facilities]`` or ``[inputs.workplaces]``, each row of the table without
coordinates (:func:`siting.inputs._table.open_table` leaves its point empty) is placed
here, once the areas are in the working CRS:

* the candidates are the areas' names (their ``name`` column), each folded (no spaces,
  full-width characters as half-width, case folded) and looked for whole (明月小区), and
  also without a trailing 小区 (:func:`fold_name`: 华龙新村小区 as 华龙新村); a form
  shorter than :data:`SHORTEST_NAME` characters (明月), or a name that is only its
  area's id (a layer without names), is never matched;
* an address (folded alike, without dropping anything) matches every name that occurs in
  it, a name within a longer one aside (华龙新村 in 华龙新村二期); beside another, a 社区's
  or a 行政村's name (…社区, …村 but not …新村) is the 小区's committee, 居委会 or 村委会
  (东坝社区华龙新村, 光明村锦绣家园, 华龙新村（北门社区）), not the 小区; an address
  still naming two areas (兴隆苑旁清河花园) is refused;
* the district decides among the areas of the name, and refuses a 小区 of another
  district: the row's ``district_id`` when it gives one the areas or districts know, else
  the districts whose ``name`` occurs in the address outside the areas' names; an area's
  district is its ``district_id``, else the district holding its point. A row naming a
  小区 none of whose areas is in that district (广元市昭化区兴隆苑, 兴隆苑 being of 利州区)
  is refused; several areas left, the row is ambiguous;
* the row stands at the area's own point when the areas are a 小区 list (a point given,
  :attr:`siting.inputs.Inputs.area_points`), else at its ``representative_point()``,
  inside its outline.

Rows whose address names no area, ambiguous rows, and the rows naming two areas or a
小区 of another district are problems (the fix: their coordinates, or the 小区's name as
the areas layer writes it, or the district; a row naming none is shown the areas' names
that begin with two of its characters outside the districts' and subdistricts' names,
:class:`_Alike`: 兴隆小区 those of 兴隆新村, 兴隆苑 …); the rows placed are a
finding (``placed_by_address``): each stands for a facility somewhere in its 小区, not
at its door.

The names are looked up by every substring of the address of a length some name has
(a dict, no automaton): 5,000 addresses among 20,000 names take about 0.1 s.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyproj
import shapely

from siting._said import Said
from siting._text import first_few
from siting.errors import Problem
from siting.inputs._crs import _drawn
from siting.inputs._problems import _Report, _Where
from siting.inputs._table import ROW_OF
from siting.osm.blocks import BLOCK_ID_PREFIXES
from siting.scenario import InputsSpec, LayerSpec
from siting.scenario.checks import ADDRESSED_LAYERS

__all__ = ["COMMITTEES", "SHORTEST_NAME", "NameIndex", "fold_name", "place_by_address"]

logger = logging.getLogger(__name__)

SHORTEST_NAME = 3
"""The fewest characters of a folded area name that is matched: 明月 (明月小区 without its
小区) is a word of too many addresses (明月路, 明月小学) to name one compound, while
明月小区 whole names it."""

COMMITTEES = ("社区", "村")
"""The ends of a 社区's and a 行政村's names. A 社区 or a village written beside a 小区
(东坝社区华龙新村, 光明村锦绣家园, 华龙新村（东坝社区）) is the residents' or villagers'
committee (居委会, 村委会) the 小区 belongs to, not the compound: an area named so is not
taken for the row's 小区 when the address names another area too. A name ending in 新村
is a compound's (华龙新村), not a village's."""

_SPACE = re.compile(r"\s+")

_SHOWN = 5
"""How many rows a problem shows before saying how many more."""


def _fold(text: object) -> str:
    """NFKC (full-width as half-width), without spaces, case folded."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", str(text))).casefold()


def fold_name(name: object) -> str:
    """An area's name as an address is searched for it.

    Examples
    --------
    >>> fold_name("华龙 新村"), fold_name("明月小区"), fold_name("ＳＯＨＯ公寓")
    ('华龙新村', '明月', 'soho公寓')
    """
    folded = _fold(name)
    return folded.removesuffix("小区") if folded != "小区" else folded


@dataclass(frozen=True)
class NameIndex:
    """The areas' folded names, each with the positions of the areas it names.

    Attributes
    ----------
    positions
        ``{folded name: [area position, ...]}``.
    lengths
        The lengths the names have, longest first.
    """

    positions: Mapping[str, Sequence[int]]
    lengths: tuple[int, ...]

    @classmethod
    def of(cls, names: Sequence[object], ids: Sequence[object]) -> NameIndex:
        """The index of ``names`` (one per area, beside its id), each whole and without a
        trailing 小区: the names that are their area's id, and the forms shorter than
        :data:`SHORTEST_NAME`, left out."""
        positions: dict[str, list[int]] = {}
        for i, (name, own) in enumerate(zip(names, ids, strict=True)):
            if name is None or str(name) == str(own):
                continue
            for folded in dict.fromkeys((_fold(name), fold_name(name))):  # whole, less 小区
                if len(folded) >= SHORTEST_NAME:
                    positions.setdefault(folded, []).append(i)
        lengths = tuple(sorted({len(n) for n in positions}, reverse=True))
        return cls(positions, lengths)

    def named(self, address: str) -> list[tuple[str, list[int]]]:
        """The names in the folded ``address``, in its order, each with the areas it names:
        a name lying within a longer one found (华龙新村 in 华龙新村二期) is not one.

        Examples
        --------
        >>> index = NameIndex.of(["华龙新村", "华龙新村二期", "明月小区"], ["A1", "A2", "A3"])
        >>> index.named("东坝街道华龙新村二期3栋"), index.named("明月路1号")
        ([('华龙新村二期', [1])], [])
        >>> index.named("明月小区旁华龙新村")
        [('明月小区', [2]), ('华龙新村', [0])]
        """
        spans: list[tuple[int, int, str]] = []
        for length in self.lengths:
            for start in range(len(address) - length + 1):
                text = address[start : start + length]
                end = start + length
                if text in self.positions and all(end <= s or start >= e for s, e, _ in spans):
                    spans.append((start, end, text))
        return [(text, sorted(set(self.positions[text]))) for _, _, text in sorted(spans)]


def _area_districts(
    areas: gpd.GeoDataFrame, at: npt.NDArray[np.object_], districts: gpd.GeoDataFrame | None
) -> npt.NDArray[np.object_]:
    """Each area's district: its ``district_id``, else the district holding its point
    ``at``; None in none."""
    given = (
        areas["district_id"].to_numpy(dtype=object)
        if "district_id" in areas
        else np.full(len(areas), None, dtype=object)
    )
    out = np.array([_text(v) for v in given], dtype=object)
    lacking = np.flatnonzero([v is None for v in out])
    if districts is None or not lacking.size or not len(districts):
        return out
    tree = shapely.STRtree(np.asarray(districts.geometry.to_numpy(), dtype=object))
    left, right = tree.query(at[lacking], predicate="within")
    ids = districts.index.astype(str).to_numpy(dtype=object)
    for i, j in zip(left, right, strict=True):
        out[lacking[i]] = ids[j]
    return out


def _district_names(districts: gpd.GeoDataFrame | None) -> list[tuple[str, str]]:
    """Each district's id and its name folded, for the names of two characters or more
    (none: the districts have no names)."""
    if districts is None or "name" not in districts:
        return []
    named = zip(districts.index.astype(str), districts["name"], strict=True)
    return [
        (str(own), _fold(name))
        for own, name in named
        if name is not None and str(name) != own and len(_fold(name)) >= 2
    ]


@dataclass(frozen=True)
class _Placed:
    """Where each row of a layer stands by its address: its area's position, or None; the
    rows naming no area, those naming a 小区 several areas are called (with its name and
    their positions), those naming several areas (with their names), and those naming a
    小区 outside the district the row gives (its name, its areas and that district)."""

    area: list[int | None]
    unmatched: list[int]
    ambiguous: list[tuple[int, str, list[int]]]
    several: list[tuple[int, list[str]]]
    elsewhere: list[tuple[int, str, list[int], list[str]]]


def _the_xiaoqu(named: Sequence[tuple[str, list[int]]]) -> list[tuple[str, list[int]]]:
    """The names of :meth:`NameIndex.named` that may be the row's 小区: one per set of
    areas, and beside another, not a committee's (:data:`COMMITTEES`)."""
    distinct = list({tuple(found): (name, found) for name, found in named}.values())
    if len(distinct) > 1:
        return [(n, f) for n, f in distinct if not _committee(n)] or distinct
    return distinct


def _committee(name: str) -> bool:
    """Whether ``name`` (folded) is a 社区's or a 行政村's (:data:`COMMITTEES`)."""
    return name.endswith(COMMITTEES) and not name.endswith("新村")


def _match(
    addresses: Sequence[str],
    row_districts: Sequence[str | None],
    index: NameIndex,
    area_districts: npt.NDArray[np.object_],
    districts: gpd.GeoDataFrame | None,
) -> _Placed:
    """Each address's area (:class:`_Placed`), by :meth:`NameIndex.named`,
    :func:`_the_xiaoqu` and the district rule (:func:`_within`)."""
    placed = _Placed([], [], [], [], [])
    known = {str(d) for d in area_districts if d is not None}
    known |= set() if districts is None else set(districts.index.astype(str))
    district_names = _district_names(districts)
    for row, (text, district) in enumerate(zip(addresses, row_districts, strict=True)):
        address = _fold(text)
        every_name = index.named(address)
        named = _the_xiaoqu(every_name)
        placed.area.append(None)
        if not named:
            placed.unmatched.append(row)
            continue
        if len(named) > 1:
            placed.several.append((row, [name for name, _ in named]))
            continue
        ((name, every),) = named
        if district is not None and district in known:
            within = {district}
        else:  # the districts the address names, outside the areas' names (利州华府)
            rest = address
            for other, _ in every_name:
                rest = rest.replace(other, "|")
            within = {own for own, word in district_names if word in rest}
        found = _within(every, within, area_districts)
        if found is None:
            placed.elsewhere.append((row, name, every, sorted(within)))
        elif len(found) != 1:
            placed.ambiguous.append((row, name, every))
        else:
            placed.area[-1] = found[0]
    return placed


def _within(
    found: list[int], within: set[str], area_districts: npt.NDArray[np.object_]
) -> list[int] | None:
    """The areas ``found`` in the districts ``within`` (all, when ``within`` is empty or
    no area's district is known); None when each area's district is known and none is
    one of them: the row's district_id, or the county its address names, is another."""
    if not within:
        return found
    inside = [i for i in found if area_districts[i] in within]
    if inside or all(area_districts[i] is None for i in found):
        return inside or found
    return None


def _rows_said(
    rows: Sequence[int],
    labels: Sequence[str],
    addresses: Sequence[str],
    extra: Mapping[int, str] | None = None,
) -> str:
    """The first rows, each with its address (and ``extra``), and how many in all."""
    said = [
        f"{labels[r]}: '{addresses[r]}'" + (f" ({extra[r]})" if extra and r in extra else "")
        for r in rows
    ]
    return first_few(said, limit=_SHOWN, sep="; ")


def place_by_address(
    layers: dict[str, gpd.GeoDataFrame],
    spec: InputsSpec,
    wheres: Mapping[str, _Where],
    *,
    work: pyproj.CRS,
    area_points: gpd.GeoSeries | None,
    report: _Report,
) -> None:
    """Place the rows without a point of each table given ``address`` (in ``layers``,
    in place) at the residential area their address names.

    Parameters
    ----------
    layers
        The layers read, the areas (and districts) in the working CRS ``work``; a
        table's layer without coordinates has no CRS yet, and takes ``work``.
    spec
        The scenario's inputs: ``address`` under ``[inputs.facilities]`` or
        ``[inputs.workplaces]``.
    wheres
        Each layer's file, for its problems.
    work
        The working CRS.
    area_points
        The areas' given points (a 小区 list's), by ``area_id``; None when every area is
        an outline.
    report
        Where the problems and the finding go.
    """
    areas = layers.get("areas")
    if areas is None or areas.crs is None or not pyproj.CRS(areas.crs).equals(work):
        return  # the areas' own problem is said
    districts = layers.get("districts")
    districts = districts if districts is not None and districts.crs == areas.crs else None
    # the areas' points, districts and names: worked out once, for the first layer to place
    at: npt.NDArray[np.object_] | None = None
    area_districts: npt.NDArray[np.object_] | None = None
    index: NameIndex | None = None
    for name in ADDRESSED_LAYERS:
        entry: LayerSpec | None = getattr(spec, name)
        frame = layers.get(name)
        if entry is None or entry.address is None or frame is None:
            continue
        # the rows to place (a table's blank coordinates, not its unreadable ones), by id
        row_of: dict[str, str] | None = frame.attrs.pop(ROW_OF, None)
        if frame.crs is None and not len(_drawn(frame)):
            frame = frame.set_crs(work)  # a table without coordinates
        if frame.crs is None or not pyproj.CRS(frame.crs).equals(work):
            continue  # its CRS's problem is said
        geoms = np.asarray(frame.geometry.to_numpy(), dtype=object)
        empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
        if row_of is not None:
            empty &= np.asarray(frame.index.isin(list(row_of)), dtype=bool)
        waiting = np.flatnonzero(empty)
        cells = _address_cells(frame, entry)
        if not waiting.size or cells is None:
            layers[name] = frame
            continue
        if at is None or area_districts is None or index is None:
            at = _points(areas, area_points)
            area_districts = _area_districts(areas, at, districts)
            index = NameIndex.of(_xiaoqu_names(areas), areas.index.tolist())
        addresses = [str(v) for v in cells[waiting]]
        given = [_text(v) for v in frame["district_id"].to_numpy(dtype=object)[waiting]]
        ids = [str(i) for i in frame.index[waiting]]
        if not index.positions:  # no name to look for: said once, not row by row
            report.problems.append(_no_names(entry, name, ids, wheres[name]))
            layers[name] = frame
            continue
        placed = _match(addresses, given, index, area_districts, districts)
        labels = [str((row_of or {}).get(i, i)) for i in ids]
        hints = {}
        if placed.unmatched:
            places = [layers.get("districts"), layers.get("subdistricts")]
            alike = _Alike.of(_xiaoqu_names(areas), areas.index.tolist(), places)
            hints = {r: alike.said(addresses[r]) for r in placed.unmatched}
        _problems(
            placed,
            (labels, ids),
            addresses,
            (areas.index.astype(str).to_numpy(dtype=object), area_districts),
            hints,
            entry,
            wheres[name],
            report,
        )
        done = [(r, a) for r, a in enumerate(placed.area) if a is not None]
        if not done:
            layers[name] = frame
            continue
        rows, chosen = [waiting[r] for r, _ in done], [a for _, a in done]
        geoms = geoms.copy()
        geoms[rows] = at[chosen]
        # a row without a district_id is in its 小区's (its point may lie over the line)
        district = frame["district_id"].to_numpy(dtype=object).copy()
        district[rows] = [
            d if d is not None else a
            for d, a in zip((given[r] for r, _ in done), area_districts[chosen], strict=True)
        ]
        out = frame.set_geometry(gpd.GeoSeries(geoms, index=frame.index, crs=work))
        out["district_id"] = pd.Series(list(district), index=frame.index, dtype=object)
        layers[name] = out
        own = 0 if area_points is None else int(areas.index[chosen].isin(area_points.index).sum())
        report.find(_finding(name, entry.address, len(done), len(frame), own), by=logger)


@dataclass(frozen=True)
class _Alike:
    """The areas' names by their first two characters, and the districts' and
    subdistricts' names: the names an address naming none may have meant (兴隆小区:
    兴隆新村, 兴隆苑 …), a hint beside its problem, never a placing."""

    names: Mapping[str, Sequence[str]]
    places: Sequence[str]

    @classmethod
    def of(cls, names: Sequence[object], ids: Sequence[object], places: Sequence[object]) -> _Alike:
        """The index of the areas' ``names`` (beside their ``ids``; a name that is its id
        left out), and the names of the layers ``places`` (districts, subdistricts; None
        when absent)."""
        by_start: dict[str, list[str]] = {}
        for name, own in zip(names, ids, strict=True):
            folded = "" if name is None or str(name) == str(own) else _fold(name)
            if len(folded) >= SHORTEST_NAME:
                by_start.setdefault(folded[:2], []).append(str(name))
        words = [
            _fold(n)
            for layer in places
            if isinstance(layer, pd.DataFrame) and "name" in layer
            for n in layer["name"]
            if n is not None and len(_fold(n)) >= 2
        ]
        return cls({k: list(dict.fromkeys(v)) for k, v in by_start.items()}, words)

    def said(self, address: str) -> str:
        """``names beginning alike: 兴隆新村, 兴隆苑 …`` for the two characters of
        ``address`` outside the districts' and subdistricts' names (利州区, 东坝街道) that
        begin an area's name; "" when none do."""
        text = _fold(address)
        for place in self.places:
            text = text.replace(place, "|")
        found = [
            name
            for start in dict.fromkeys(text[i : i + 2] for i in range(len(text) - 1))
            for name in self.names.get(start, ())
        ]
        return f"names beginning alike: {first_few(found, limit=4)}" if found else ""


def _no_names(entry: LayerSpec, name: str, ids: Sequence[str], where: _Where) -> Problem:
    """The problem of the rows to place by their address when no area has a name."""
    return where.problem(
        f"{len(ids)} row{'s' if len(ids) > 1 else ''} without coordinates cannot be placed "
        f"by address (address = '{entry.address}' under [inputs.{name}]): the residential "
        "areas have no names to find in it (no name column, or every name is its area's id)",
        column=entry.address,
        ids=ids,
        fix='give the areas\' names: name = "小区名称" (your column) under '
        "[inputs.areas.columns]; or give those rows their 经度 and 纬度 (CGCS2000 degrees)",
    )


def _xiaoqu_names(areas: gpd.GeoDataFrame) -> list[object]:
    """The areas' names an address may name: a street block's is its streets' (乌龙路, 中山路 /
    北京东路), no 小区's, and stands as its id, which is never matched (an address naming
    its road before its 小区 named two areas beside an OSM file's blocks)."""
    return [
        str(i) if str(i).startswith(BLOCK_ID_PREFIXES) else name
        for i, name in zip(areas.index, areas["name"], strict=True)
    ]


def _address_cells(frame: gpd.GeoDataFrame, entry: LayerSpec) -> npt.NDArray[np.object_] | None:
    """The address of each row of ``frame``: its column, or the siting column it was read
    as (``facility_id = "地址"``: the ids; ``name = "地址"``); None when it has none."""
    if entry.address is None:
        return None
    read_as = [own for own, theirs in entry.columns.items() if theirs == entry.address]
    for column in (entry.address, *read_as):
        if column in frame.columns:
            return np.asarray(frame[column].to_numpy(dtype=object))
        if column == frame.index.name:
            return np.asarray(frame.index.to_numpy(dtype=object))
    return None


def _text(value: object) -> str | None:
    """A cell as text, None when empty (None or NaN)."""
    return None if value is None or value != value else str(value)


def _points(areas: gpd.GeoDataFrame, given: gpd.GeoSeries | None) -> npt.NDArray[np.object_]:
    """Each area's point: the one given (a 小区 list's), else a point inside its land."""
    inside = np.asarray(shapely.point_on_surface(areas.geometry.to_numpy()), dtype=object)
    if given is None:
        return inside
    own = given.reindex(areas.index).to_numpy(dtype=object)
    has = np.array([p is not None and not shapely.is_empty(p) for p in own], dtype=bool)
    return np.where(has, own, inside)


def _problems(
    placed: _Placed,
    rows_and_ids: tuple[Sequence[str], Sequence[str]],
    addresses: Sequence[str],
    areas: tuple[npt.NDArray[np.object_], npt.NDArray[np.object_]],
    hints: Mapping[int, str],
    entry: LayerSpec,
    where: _Where,
    report: _Report,
) -> None:
    """The problems of the rows whose address names no area, of the ambiguous ones, of
    those naming several areas and of those naming a 小区 of another district, each row
    said by its row in the table (and its address), and its id; ``areas`` are the areas'
    ids and districts, ``hints`` the names alike of each row naming none
    (:class:`_Alike`)."""
    labels, ids = rows_and_ids
    area_ids, area_districts = areas
    column = entry.address
    fix = (
        f"give those rows their 经度 and 纬度 (CGCS2000 degrees), or write the 小区 in the "
        f"address ('{column}') as the areas layer names it (its name column)"
    )
    kinds = (
        (
            {r: hints.get(r, "") for r in placed.unmatched},
            ("has an address that names", "have an address that names"),
            f"no residential area (names of {SHORTEST_NAME} characters or more, a trailing "
            "小区 aside)",
            fix,
        ),
        (
            {
                r: f"{name}: {first_few(area_ids[found], limit=4)}"
                for r, name, found in placed.ambiguous
            },
            ("names", "name"),
            "a 小区 that several residential areas are called, and neither the row's "
            "district_id nor a district named in the address tells which",
            fix + ", with its district (利州区) or the row's district_id",
        ),
        (
            {r: ", ".join(names) for r, names in placed.several},
            ("names", "name"),
            "several residential areas (a 社区's or a village's name beside another is taken "
            "for the 小区's 居委会 or 村委会, not the 小区)",
            fix + ", one 小区 in each address",
        ),
        (
            {
                r: f"{name}: {_in_districts(area_ids[found], area_districts[found])}, not "
                + ", ".join(within)
                for r, name, found, within in placed.elsewhere
            },
            ("names", "name"),
            "a 小区 of another district than the row's district_id, or than the 区县 its "
            "address names",
            "correct the row's district_id or the 区县 in its address, or " + fix,
        ),
    )
    for extra, (one, many), what, how in kinds:
        if not extra:
            continue
        rows = list(extra)
        count = len(rows)
        report.problems.append(
            where.problem(
                f"{count} row{'s' if count > 1 else ''} without coordinates "
                f"{many if count > 1 else one} {what}: "
                + _rows_said(rows, labels, addresses, {r: e for r, e in extra.items() if e}),
                column=column,
                ids=[ids[r] for r in rows],
                fix=how,
            )
        )


def _in_districts(area_ids: npt.NDArray[np.object_], districts: npt.NDArray[np.object_]) -> str:
    """``A011 (510802), A042 (510811)``: the first areas, each with its district."""
    return first_few([f"{a} ({d})" for a, d in zip(area_ids, districts, strict=True)], limit=4)


def _finding(layer: str, column: str, count: int, rows: int, at_points: int) -> Said:
    """The finding of the rows placed by their address."""
    return Said(
        f"{layer}: {count} of {rows} rows were placed by the 小区 their address ('{column}') "
        f"names (address under [inputs.{layer}]): {at_points} at the 小区's own point, "
        f"{count - at_points} at a point inside its outline; each stands somewhere in its "
        "小区, not surveyed (typically 100–300 m from the door); give 经度 and 纬度 for the "
        "rows where that matters",
        code="placed_by_address",
        layer=layer,
        column=column,
        count=count,
        of=rows,
        at_points=at_points,
        in_land=count - at_points,
    )
