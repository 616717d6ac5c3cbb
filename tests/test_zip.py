"""A layer handed over zipped (siting.inputs._zip): a Shapefile's folder in a zip, as a
bureau mails it, reads as the Shapefile itself; the zip is left as it is."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest

from siting.errors import InputError, Problem
from siting.inputs import read_layer
from siting.scenario import LayerSpec

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


@pytest.fixture(scope="module")
def shapefile(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The sample's areas as a Shapefile (UTF-8, with its .cpg): each file's bytes."""
    folder = tmp_path_factory.mktemp("shp")
    areas = gpd.read_file(SAMPLE / "city.gpkg", layer="areas", engine="pyogrio")
    areas[["area_id", "status", "dwellings", "geometry"]].to_file(
        folder / "areas.shp", encoding="utf-8", engine="pyogrio"
    )
    return {f.suffix: f.read_bytes() for f in folder.iterdir()}


class _Gbk(zipfile.ZipInfo):
    """A member named as Windows's "Send to > Compressed folder" names it on a Chinese
    system: the name's GBK bytes, without the zip's UTF-8 flag."""

    def _encodeFilenameFlags(self) -> tuple[bytes, int]:  # noqa: N802 - zipfile's own name
        return self.filename.encode("gbk"), self.flag_bits & ~0x800


def _zip(path: Path, files: dict[str, bytes], *, gbk: bool = False) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            info = _Gbk(name) if gbk else zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return path


def _problems(spec: LayerSpec) -> tuple[Problem, ...]:
    with pytest.raises(InputError) as caught:
        read_layer(spec, name="areas")
    return caught.value.problems


@pytest.mark.parametrize("gbk", [False, True])
def test_a_shapefile_folder_zipped_reads_as_the_shapefile(
    tmp_path: Path, shapefile: dict[str, bytes], gbk: bool
) -> None:
    """GDAL read only a zip whose Shapefile lies at its root; one in a folder inside (as
    a zipped folder always is) said "'/vsizip/…' not recognized as being in a supported
    file format"."""
    files = {f"居住区/居住区{suffix}": data for suffix, data in shapefile.items()}
    path = _zip(tmp_path / "居住区.zip", files, gbk=gbk)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    frame = read_layer(LayerSpec(path=path), name="areas")
    direct = tmp_path / "direct"
    direct.mkdir()
    for suffix, data in shapefile.items():
        (direct / f"areas{suffix}").write_bytes(data)
    expected = read_layer(LayerSpec(path=direct / "areas.shp"), name="areas")
    assert len(frame) == 182
    assert frame.index.tolist() == expected.index.tolist()
    assert frame["status"].tolist() == expected["status"].tolist()
    assert frame.geometry.equals(expected.geometry)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest  # the zip untouched


def test_a_zip_of_several_layers_is_read_by_layer(
    tmp_path: Path, shapefile: dict[str, bytes]
) -> None:
    files = {
        f"{stem}{suffix}": data
        for stem in ("老旧小区", "新建小区")
        for suffix, data in shapefile.items()
    }
    path = _zip(tmp_path / "小区.zip", files)
    (problem,) = _problems(LayerSpec(path=path))
    assert problem.message == (
        "the zip holds 2 layers (老旧小区.shp, 新建小区.shp) and the entry does not say which "
        "to read"
    )
    assert problem.fix == (
        'name the Shapefile to read with layer = "..." (its name without .shp), several with '
        'layer = ["老旧小区", "新建小区"], or unzip it and give the layer\'s file'
    )
    frame = read_layer(LayerSpec(path=path, layer="新建小区"), name="areas")
    assert len(frame) == 182
    empty = _zip(tmp_path / "empty.zip", {"说明.txt": b"nothing"})
    (problem,) = _problems(LayerSpec(path=empty))
    assert problem.message.startswith("the zip holds no layer")


def test_a_problem_inside_a_zip_names_the_zip(tmp_path: Path, shapefile: dict[str, bytes]) -> None:
    """The layer is read from a temporary folder: its problems name the zip (and the file
    inside, when GDAL cannot read it), never that folder."""
    files = {f"居住区/areas{suffix}": data for suffix, data in shapefile.items()}
    path = _zip(tmp_path / "areas.zip", files)
    first, *_ = _problems(LayerSpec(path=path, columns={"dwellings": "户数"}))
    assert first.file == str(path)
    assert first.message.startswith("column '户数', mapped to dwellings by [inputs.areas.co")
    damaged = _zip(tmp_path / "damaged.zip", {**files, "居住区/areas.shp": b"not a shapefile"})
    (problem,) = _problems(LayerSpec(path=damaged))
    assert problem.file == str(damaged / "居住区" / "areas.shp")
    assert problem.message.startswith("the file cannot be read as a vector layer (GDAL: ")
    broken = _zip(tmp_path / "broken.zip", {"a.shp": b"x"})
    broken.write_bytes(broken.read_bytes()[:40])
    (problem,) = _problems(LayerSpec(path=broken))
    assert problem.message.startswith("the zip cannot be read (")
    assert problem.file == str(broken)


def test_a_layer_named_inside_its_zip_is_read(tmp_path: Path, shapefile: dict[str, bytes]) -> None:
    """``path = "小区.zip/新建/areas.shp"`` names one layer inside a zip, as a raster's path
    may (``pop.zip/pop.tif``): it said "the file does not exist"."""
    files = {f"{folder}/areas{suffix}": data for folder in ("老旧", "新建") for suffix, data in
             shapefile.items()}  # fmt: skip
    path = _zip(tmp_path / "小区.zip", files)
    frame = read_layer(LayerSpec(path=path / "新建" / "areas.shp"), name="areas")
    assert len(frame) == 182
    (problem,) = _problems(LayerSpec(path=path / "新建" / "area.shp"))
    assert problem.message == (
        "the zip holds no 新建/area.shp (its layers: 老旧/areas.shp, 新建/areas.shp)"
    )
    assert problem.file == str(path)


def test_a_zip_naming_a_file_outside_it_is_a_problem(
    tmp_path: Path, shapefile: dict[str, bytes]
) -> None:
    """A member named by an absolute path or climbing out with ../ was never written, but
    the layer was then read at that name: an absolute one read the file of that name on
    the disk (182 areas from outside the zip), a climbing one said "does not exist"."""
    outside = tmp_path / "outside"
    outside.mkdir()
    for suffix, data in shapefile.items():
        (outside / f"areas{suffix}").write_bytes(data)
    absolute = _zip(tmp_path / "absolute.zip", {f"{outside}/areas{s}": b"x" for s in shapefile})
    climbing = _zip(tmp_path / "climbing.zip", {f"../areas{s}": d for s, d in shapefile.items()})
    for path in (absolute, climbing):
        (problem,) = _problems(LayerSpec(path=path))
        assert problem.file == str(path)
        assert problem.message.startswith("the zip's layer ")
        assert "outside the zip's own folder" in problem.message


def test_a_zip_whose_data_is_damaged_is_a_problem(
    tmp_path: Path, shapefile: dict[str, bytes]
) -> None:
    """Damaged deflated bytes raised zlib.error through siting (a traceback)."""
    path = _zip(tmp_path / "damaged.zip", {f"areas{s}": d for s, d in shapefile.items()})
    data = bytearray(path.read_bytes())
    start = data.find(b"areas.shp") + 60
    data[start : start + 40] = bytes(40)
    path.write_bytes(bytes(data))
    (problem,) = _problems(LayerSpec(path=path))
    assert problem.file == str(path)
    assert problem.message.startswith("the zip cannot be read (")


def test_gdal_s_message_inside_a_zip_names_the_zip(
    tmp_path: Path, shapefile: dict[str, bytes]
) -> None:
    """GDAL's message named the temporary folder the layer was read from."""
    files = {f"areas{s}": d for s, d in shapefile.items()}
    damaged = _zip(tmp_path / "damaged.zip", {**files, "areas.shp": b"not a shapefile"})
    (problem,) = _problems(LayerSpec(path=damaged))
    assert "siting-zip-" not in problem.message
    assert str(damaged / "areas.shp") in problem.message


class _Utf8Unflagged(zipfile.ZipInfo):
    """A member named as macOS's Finder ("Compress") names it: the name's UTF-8 bytes,
    without the zip's UTF-8 flag."""

    def _encodeFilenameFlags(self) -> tuple[bytes, int]:  # noqa: N802 - zipfile's own name
        return self.filename.encode("utf-8"), self.flag_bits & ~0x800


def test_a_zip_from_a_mac_reads_its_names_as_utf8(
    tmp_path: Path, shapefile: dict[str, bytes]
) -> None:
    """macOS zips UTF-8 names without the UTF-8 flag: read as GBK, 新建小区 was 鏂板缓灏忓尯,
    so layer = "新建小区" named none of the zip's layers."""
    path = tmp_path / "小区.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for stem in ("老旧小区", "新建小区"):
            for suffix, data in shapefile.items():
                archive.writestr(_Utf8Unflagged(f"{stem}{suffix}"), data)
    (problem,) = _problems(LayerSpec(path=path))
    assert problem.message == (
        "the zip holds 2 layers (老旧小区.shp, 新建小区.shp) and the entry does not say which "
        "to read"
    )
    assert len(read_layer(LayerSpec(path=path, layer="新建小区"), name="areas")) == 182


def test_a_zip_with_a_password_is_said_to_have_one(
    tmp_path: Path, shapefile: dict[str, bytes]
) -> None:
    """A zip whose files are encrypted (WinRAR's or 7-Zip's password) was "the zip cannot
    be read (File <ZipInfo filename='areas.shp' filemode='-rw-r--r--' file_size=…> is
    encrypted, password required for extraction)"."""
    path = _zip(tmp_path / "areas.zip", {f"areas{s}": d for s, d in shapefile.items()})
    data = bytearray(path.read_bytes())
    for signature, flags in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):  # the encrypted bit
        at = data.find(signature)
        while at >= 0:
            data[at + flags] |= 0x1
            at = data.find(signature, at + 4)
    path.write_bytes(bytes(data))
    (problem,) = _problems(LayerSpec(path=path))
    assert problem.message == "the zip's files are protected by a password"
    assert problem.fix == "unzip it with its password and give the layer's file"


def test_the_fix_of_a_zipped_layer_names_the_zip(tmp_path: Path) -> None:
    """A zipped Shapefile in GBK without its .cpg: the fix said to write
    areas = { path = "areas.shp", encoding = "gbk" }, a file the scenario's folder does not
    hold; the path to write is the zip's, and with it the layer is read."""
    areas = gpd.read_file(SAMPLE / "city.gpkg", layer="areas", engine="pyogrio")
    areas["名称"] = "老城区小区"
    folder = tmp_path / "gbk"
    folder.mkdir()
    areas[["area_id", "status", "dwellings", "名称", "geometry"]].to_file(
        folder / "areas.shp", encoding="gbk", engine="pyogrio"
    )
    files = {f.name: f.read_bytes() for f in folder.iterdir() if f.suffix != ".cpg"}
    path = _zip(tmp_path / "居住区.zip", files)
    (problem,) = _problems(LayerSpec(path=path))
    assert problem.fix is not None
    assert 'areas = { path = "居住区.zip", encoding = "gbk" }' in problem.fix
    frame = read_layer(LayerSpec(path=path, encoding="gbk"), name="areas")
    assert frame["名称"].unique().tolist() == ["老城区小区"]
    # the layer named inside the zip: that path, as written
    (problem,) = _problems(LayerSpec(path=path / "areas.shp"))
    assert problem.fix is not None
    assert 'areas = { path = "居住区.zip/areas.shp", encoding = "gbk" }' in problem.fix
