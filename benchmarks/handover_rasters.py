"""The sample city's population raster handed over as real producers' tools write it, case by
case, validated and planned.

Run with ``.venv/bin/python -m benchmarks.handover_rasters [--out DIR] [--only CASE ...]
[--no-plan] [--keep]``. Each case is the sample city (``data/sample``) with only
``[inputs.population]`` replaced by the sample's own raster (``population.tif``: EPSG:4490,
0.00107° × 0.0009° cells, float32, nodata -9999, 320,000 people) written again with
rasterio's GDAL, as a producer or a bureau's GIS hands it over (seeded): WorldPop's
3-arc-second EPSG:4326 grid (nodata -99999, cells not aligned with the sample's), GHS-POP's
Mollweide (ESRI:54009, 100 m, nodata -200), integer rasters (uint16 with nodata 65535; int32
without nodata over a 0 background), a plain TIFF whose georeferencing is in a ``.tfw`` and
``.prj`` or an ``.aux.xml`` beside it, an ESRI ASCII grid with its ``.prj``, a GeoTIFF
inside a ``.zip`` (given as the ``.zip``, as ``pop.zip/pop.tif`` and as GDAL's
``/vsizip/``), a raster covering half of the areas, the city inside a country tile,
WorldPop's 30-arc-second (1 km) grid,
CGCS2000 and Xian 1980 Gauss-Kruger grids (EPSG:4544, the zone number in the easting
EPSG:4523, EPSG:2380, and an ESRI ``.prj`` without authority), a two-band raster (total and
under-fives) with and without ``band``, densities (persons per km², per hectare) handed over
as counts, a Cloud-Optimised GeoTIFF with overviews, a BigTIFF, and NaN outside the city
without a declared nodata.

Every reprojection sums the people of the cells (``Resampling.sum``) and each case's row
gives the people written (``written``: the valid cells' sum) beside the plan's. For each it
runs ``siting validate`` and ``siting plan --no-map`` in a subprocess and prints a row: the
exit codes, the required slots, shortfall and cost of the plan, the people the areas hold,
and the first problem or warning. The clean sample plans 3,860 required slots, 228 short, at
340,661,000 CNY, its areas holding 314,588 people.
"""

from __future__ import annotations

import shutil
import warnings
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
import rasterio.shutil
from affine import Affine
from rasterio.crs import CRS
from rasterio.warp import Resampling, calculate_default_transform, reproject

from benchmarks.handover_vectors import (
    ESRI_GK105,
    ESRI_XIAN105,
    chosen_cases,
    run_case,
    scenario,
    sweep_options,
)

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
RASTER = SAMPLE / "population.tif"
OUT = Path("handover-rasters")

#: WorldPop's grid: 3 arc-seconds (about 90 m at the equator), and 30 (about 1 km).
ARC3 = 3.0 / 3600.0
ARC30 = 30.0 / 3600.0


def new_case(name: str) -> Path:
    case = OUT / name
    shutil.rmtree(case, ignore_errors=True)
    case.mkdir(parents=True)
    return case


def source() -> tuple[np.ndarray, dict[str, Any]]:
    """The sample raster's people (NaN where nodata) and its profile."""
    with rasterio.open(RASTER) as src:
        data = src.read(1, masked=True).astype("float64").filled(np.nan)
        return data, dict(src.profile)


def total(path: str | Path, band: int = 1) -> float:
    """The people a raster holds: the sum of its valid cells (NaN left out)."""
    with rasterio.open(path) as src:
        data = src.read(band, masked=True).astype("float64")
    return float(np.nansum(data.filled(np.nan)))


def warped(
    crs: str,
    *,
    res: float | tuple[float, float] | None = None,
    origin: tuple[float, float] | None = None,
    shape: tuple[int, int] | None = None,
) -> tuple[np.ndarray, Affine]:
    """The sample's people on another grid, each cell the sum of the sample's people it
    covers (``Resampling.sum``, weighted by the share of each sample cell covered);
    NaN where no sample cell reaches. ``origin`` (top-left) snaps the grid there;
    default, GDAL's own grid over the sample."""
    data, profile = source()
    dst_crs = CRS.from_user_input(crs)
    left, bottom, right, top = rasterio.transform.array_bounds(
        profile["height"], profile["width"], profile["transform"]
    )
    transform, width, height = calculate_default_transform(
        profile["crs"],
        dst_crs,
        profile["width"],
        profile["height"],
        left,
        bottom,
        right,
        top,
        resolution=res,
    )
    if origin is not None:
        transform = Affine(transform.a, 0, origin[0], 0, transform.e, origin[1])
        width, height = width + 2, height + 2
    if shape is not None:
        height, width = shape
    out = np.full((height, width), np.nan, dtype="float64")
    reproject(
        data,
        out,
        src_transform=profile["transform"],
        src_crs=profile["crs"],
        src_nodata=np.nan,
        dst_transform=transform,
        dst_crs=dst_crs,
        dst_nodata=np.nan,
        resampling=Resampling.sum,
    )
    return out, transform


def write(
    path: Path,
    bands: np.ndarray | list[np.ndarray],
    transform: Affine | None,
    crs: Any,
    *,
    dtype: str = "float32",
    nodata: float | None = None,
    descriptions: tuple[str, ...] = (),
    **creation: Any,
) -> Path:
    """Write ``bands`` (NaN where nodata, written as ``nodata`` when one is given) as a GeoTIFF."""
    layers = [bands] if isinstance(bands, np.ndarray) else bands
    profile: dict[str, Any] = {
        "driver": "GTiff",
        "width": layers[0].shape[1],
        "height": layers[0].shape[0],
        "count": len(layers),
        "dtype": dtype,
        "compress": "deflate",
    }
    if transform is not None:
        profile["transform"] = transform
    if crs is not None:
        profile["crs"] = crs
    if nodata is not None:
        profile["nodata"] = nodata
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", rasterio.errors.NotGeoreferencedWarning)
        with rasterio.open(path, "w", **profile, **creation) as dst:
            for i, layer in enumerate(layers, start=1):
                values = layer if nodata is None else np.where(np.isnan(layer), nodata, layer)
                if np.issubdtype(np.dtype(dtype), np.integer):
                    values = np.rint(values)
                dst.write(values.astype(dtype), i)
                if i <= len(descriptions):
                    dst.set_band_description(i, descriptions[i - 1])
    return path


def plain(case: Path, name: str, **keys: str) -> tuple[Path, str]:
    """The scenario's population line for a raster file ``name`` in ``case``."""
    extra = "".join(f", {k} = {v}" for k, v in keys.items())
    return case / name, f'{{ path = "{name}"{extra} }}'


def write_cases() -> dict[str, float]:
    """Write every case's raster and ``scenario.toml`` under :data:`OUT`; the people each
    case's raster holds, by case."""
    OUT.mkdir(parents=True, exist_ok=True)
    written: dict[str, float] = {}
    rng = np.random.default_rng(16)
    data, profile = source()
    t = profile["transform"]

    def done(case: Path, path: str | Path, population: str, band: int = 1) -> None:
        scenario(case, {}, population=population)
        written[case.name] = total(path, band)

    # 1. WorldPop: EPSG:4326, 3 arc-seconds, float32, nodata -99999, its own grid origin
    case = new_case("r01_worldpop_4326_3arcsec")
    x0 = np.floor(t.c / ARC3) * ARC3 + rng.uniform(0.2, 0.8) * ARC3 - ARC3
    y0 = np.ceil(t.f / ARC3) * ARC3 - rng.uniform(0.2, 0.8) * ARC3 + ARC3
    people, grid = warped("EPSG:4326", res=ARC3, origin=(x0, y0))
    path, line = plain(case, "chn_ppp_2020_UNadj.tif")
    write(path, people, grid, "EPSG:4326", nodata=-99999, tiled=True)
    done(case, path, line)
    # 2. GHS-POP: Mollweide, 100 m, float32, nodata -200
    case = new_case("r02_ghspop_mollweide_100m")
    people, grid = warped("ESRI:54009", res=100.0)
    path, line = plain(case, "GHS_POP_E2020_GLOBE_R2023A_54009_100_V1_0_R6_C30.tif")
    write(path, people, grid, "ESRI:54009", nodata=-200)
    done(case, path, line)
    # 3. integers: uint16 with nodata 65535; int32 without nodata over a 0 background
    case = new_case("r03_uint16_nodata_65535")
    path, line = plain(case, "pop_uint16.tif")
    write(path, data, t, profile["crs"], dtype="uint16", nodata=65535)
    done(case, path, line)
    case = new_case("r04_int32_no_nodata_zero_background")
    path, line = plain(case, "pop_int32.tif")
    padded = np.zeros((data.shape[0] + 40, data.shape[1] + 40))
    padded[20:-20, 20:-20] = np.nan_to_num(data)
    write(path, padded, t * Affine.translation(-20, -20), profile["crs"], dtype="int32")
    done(case, path, line)
    # 4. georeferencing beside the raster: .tfw + .prj, .aux.xml; ESRI ASCII grid + .prj
    wkt = CRS.from_epsg(4490).to_wkt(version="WKT1_ESRI")
    case = new_case("r05_tiff_tfw_prj")
    path, line = plain(case, "pop.tif")
    write(path, data, None, None, nodata=-9999)
    path.with_suffix(".tfw").write_text(world_file(t), encoding="ascii")
    path.with_suffix(".prj").write_text(wkt, encoding="ascii")
    done(case, path, line)
    case = new_case("r05b_tiff_tfw_only")
    path, line = plain(case, "pop.tif")
    write(path, data, None, None, nodata=-9999)
    path.with_suffix(".tfw").write_text(world_file(t), encoding="ascii")
    done(case, path, line)
    case = new_case("r06_tiff_aux_xml")
    path, line = plain(case, "pop.tif")
    write(path, data, None, None, nodata=-9999)
    Path(f"{path}.aux.xml").write_text(aux_xml(t, CRS.from_epsg(4490).to_wkt()), encoding="utf-8")
    done(case, path, line)
    case = new_case("r07_esri_ascii_grid_4544")
    people, grid = warped("EPSG:4544", res=100.0)
    tif = write(case / "grid.tif", people, grid, "EPSG:4544", nodata=-9999)
    path, line = plain(case, "pop.asc")
    rasterio.shutil.copy(tif, path, driver="AAIGrid", DECIMAL_PRECISION=4)
    tif.unlink()
    done(case, path, line)
    # 5. a GeoTIFF inside a .zip: given as the .zip, as pop.zip/pop.tif, as GDAL's /vsizip/
    for name, given in (
        ("r08_zip_path", "pop.zip"),
        ("r08b_zip_vsizip", "/vsizip/pop.zip/pop.tif"),
        ("r08c_zip_member", "pop.zip/pop.tif"),
    ):
        case = new_case(name)
        tif = write(case / "pop.tif", data, t, profile["crs"], nodata=-9999)
        with zipfile.ZipFile(case / "pop.zip", "w", zipfile.ZIP_DEFLATED) as archive:
            archive.write(tif, "pop.tif")
        written[name] = total(tif)
        tif.unlink()
        scenario(case, {}, population=f'{{ path = "{given}" }}')
    # 6. extents: half the city; the city in a country tile; WorldPop's 1 km
    case = new_case("r09_half_the_areas")
    path, line = plain(case, "pop_west.tif")
    write(path, data[:, : data.shape[1] // 2], t, profile["crs"], nodata=-9999)
    done(case, path, line)
    case = new_case("r10_country_tile")
    path, line = plain(case, "chn_ppp_2020_tile.tif")
    rows, cols = 3000, 3000
    r0, c0 = 1400, 900
    tile = rng.gamma(0.3, 4.0, size=(rows, cols)).astype("float32")
    tile[rng.random((rows, cols)) < 0.2] = np.nan  # water, outside the country
    tile[r0 : r0 + data.shape[0], c0 : c0 + data.shape[1]] = data
    write(
        path,
        tile,
        t * Affine.translation(-c0, -r0),
        profile["crs"],
        nodata=-99999,
        tiled=True,
        blockxsize=512,
        blockysize=512,
    )
    done(case, path, line)
    case = new_case("r11_worldpop_1km")
    people, grid = warped("EPSG:4326", res=ARC30)
    path, line = plain(case, "chn_ppp_2020_1km_Aggregated.tif")
    write(path, people, grid, "EPSG:4326", nodata=-99999)
    done(case, path, line)
    # 7. Chinese grids: CGCS2000 3-degree GK (CM and zone-number forms), Xian 1980, ESRI .prj
    for name, crs, file in (
        ("r12_cgcs2000_gk_4544_100m", "EPSG:4544", "pop_4544.tif"),
        ("r12b_cgcs2000_gk_zone_4523", "EPSG:4523", "pop_4523.tif"),
        ("r13_xian80_gk_2380", "EPSG:2380", "pop_xian80.tif"),
    ):
        case = new_case(name)
        people, grid = warped(crs, res=100.0)
        path, line = plain(case, file)
        write(path, people, grid, crs, nodata=-9999)
        done(case, path, line)
    for name, prj in (
        ("r13b_cgcs2000_esri_prj_no_authority", ESRI_GK105),
        ("r13c_xian80_esri_prj_no_authority", ESRI_XIAN105),
    ):
        case = new_case(name)
        people, grid = warped("EPSG:4544", res=100.0)
        path, line = plain(case, "pop.tif")
        write(path, people, grid, None, nodata=-9999)
        path.with_suffix(".tfw").write_text(world_file(grid), encoding="ascii")
        path.with_suffix(".prj").write_text(prj, encoding="ascii")
        done(case, path, line)
    # 8. two bands: the total and the under-fives (about 6 % of it)
    under5 = np.where(np.isnan(data), np.nan, data * rng.uniform(0.04, 0.08, data.shape))
    for name, keys in (("r14_two_bands", {}), ("r14b_two_bands_band_2", {"band": "2"})):
        case = new_case(name)
        path, line = plain(case, "pop_bands.tif", **keys)
        write(
            path,
            [data, under5],
            t,
            profile["crs"],
            nodata=-9999,
            descriptions=("total population", "population under 5"),
        )
        done(case, path, line, band=int(keys.get("band", "1")))
    # 9. densities handed over as counts
    cell_km2 = cell_areas_km2(t, data.shape[0])
    case = new_case("r15_density_per_km2")
    path, line = plain(case, "pop_density.tif")
    write(path, data / cell_km2[:, None], t, profile["crs"], nodata=-9999)
    done(case, path, line)
    case = new_case("r15b_density_per_hectare")
    path, line = plain(case, "pop_per_ha.tif")
    write(path, data / (cell_km2[:, None] * 100.0), t, profile["crs"], nodata=-9999)
    done(case, path, line)
    case = new_case("r15c_worldpop_3arcsec_per_hectare")
    people, grid = warped("EPSG:4326", res=ARC3)
    path, line = plain(case, "chn_pd_2020_per_ha.tif")
    km2 = cell_areas_km2(grid, people.shape[0])
    write(path, people / (km2[:, None] * 100.0), grid, "EPSG:4326", nodata=-99999)
    done(case, path, line)
    # 10. formats: COG with overviews, BigTIFF, NaN outside without nodata
    case = new_case("r16_cog_overviews")
    tif = write(case / "plain.tif", data, t, profile["crs"], nodata=-9999)
    path, line = plain(case, "pop_cog.tif")
    rasterio.shutil.copy(
        tif,
        path,
        driver="COG",
        COMPRESS="DEFLATE",
        BLOCKSIZE=64,
        OVERVIEWS="AUTO",
        OVERVIEW_RESAMPLING="AVERAGE",
    )
    tif.unlink()
    done(case, path, line)
    case = new_case("r17_bigtiff")
    path, line = plain(case, "pop_big.tif")
    write(path, data, t, profile["crs"], nodata=-9999, BIGTIFF="YES")
    done(case, path, line)
    case = new_case("r18_nan_undeclared")
    path, line = plain(case, "pop_nan.tif")
    padded = np.full((data.shape[0] + 20, data.shape[1] + 20), np.nan)
    padded[10:-10, 10:-10] = data
    write(path, padded, t * Affine.translation(-10, -10), profile["crs"])
    done(case, path, line)
    return written


def cell_areas_km2(t: Affine, rows: int) -> np.ndarray:
    """Each row's cell area in km², in degrees on a sphere of the Earth's mean radius."""
    top = t.f + t.e * np.arange(rows + 1)
    band = np.abs(np.diff(np.sin(np.radians(top))))
    return 6371.0088**2 * abs(np.radians(t.a)) * band


def world_file(t: Affine) -> str:
    """An ESRI world file (``.tfw``): the cell's centre, not its corner, for the origin."""
    x, y = t * (0.5, 0.5)
    return "\n".join(f"{v:.12f}" for v in (t.a, t.d, t.b, t.e, x, y)) + "\n"


def aux_xml(t: Affine, wkt: str) -> str:
    """GDAL's PAM ``.aux.xml`` with a geotransform and an SRS, as QGIS's export leaves it."""
    gt = ", ".join(f"{v:.12e}" for v in t.to_gdal())
    return (
        "<PAMDataset>\n"
        f'  <SRS dataAxisToSRSAxisMapping="2,1">{wkt}</SRS>\n'
        f"  <GeoTransform>{gt}</GeoTransform>\n"
        "</PAMDataset>\n"
    )


def main() -> None:
    global OUT
    args = sweep_options(__doc__ or "", OUT)
    OUT = args.out
    written = {} if args.keep else write_cases()
    for case in chosen_cases(OUT, args.only):
        row = run_case(case, plan=not args.no_plan)
        people = f"{written[case.name]:,.0f}" if case.name in written else "-"
        print(
            f"{row['case']:<36} written {people:>10} validate {row['validate']} "
            f"plan {row.get('plan', '-')} required {row.get('required', '-'):>5} "
            f"short {row.get('short', '-'):>4} cost {row.get('cost', '-'):>12} "
            f"held {row.get('held', '-'):>8}  {row['said']}",
            flush=True,
        )


if __name__ == "__main__":
    main()
