"""The output folder: refusals, --replace, the lock, the umask, recovery after a kill.

Every refusal is checked end to end through the command line on a copy of the
sample city, with every input file hashed before and after.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_pipeline import cell_box, parcel, write_tiny_city

from siting.cli import main
from siting.errors import OutputError
from siting.outdir import (
    PLAN_MARKER,
    is_plan,
    leftovers,
    lock_path,
    recover,
    replace_folder,
    staging_folder,
    stray_files,
)

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"


def digests(folder: Path) -> dict[str, str]:
    """SHA-256 of every file under ``folder``, by relative path."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def city(tmp_path: Path) -> Iterator[Path]:
    """A copy of the sample city in ``tmp_path/city``; its inputs must come out unchanged."""
    folder = tmp_path / "city"
    shutil.copytree(SAMPLE, folder)
    before = digests(folder)
    yield folder
    assert digests(folder) == before


def fake_plan(folder: Path, *, marker: bool = True) -> Path:
    """An earlier plan's folder (a real run's names, tiny contents)."""
    folder.mkdir(parents=True)
    run: dict[str, object] = {"status": "optimal"}
    if marker:
        run = {PLAN_MARKER: 1, **run, "files": ["areas.geojson", "run.json"]}
    (folder / "run.json").write_text(json.dumps(run), encoding="utf-8")
    (folder / "areas.geojson").write_text('{"type": "FeatureCollection", "features": []}')
    return folder


def refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """Run the command line, assert a refusal (exit 2, one line), return the message."""
    assert main(["-q", *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: --out ") or err.startswith("error: cannot write --out ")
    assert "\n" not in err
    assert "fix:" in err
    assert "Traceback" not in err
    return err


def test_out_is_the_inputs_folder(city: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = refused(["plan", str(city / "scenario.toml"), "--out", str(city)], capsys)
    assert f"--out {city.resolve()} is the scenario's folder" in err
    assert "would delete" in err


def test_out_is_dot_inside_the_inputs_folder(
    city: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(city)
    err = refused(["plan", "scenario.toml", "--out", "."], capsys)
    assert f"--out {city.resolve()} is the scenario's folder" in err


def test_out_holding_the_inputs_or_naming_one_is_refused(
    city: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = str(city / "scenario.toml")
    err = refused(["plan", scenario, "--out", str(city.parent)], capsys)
    assert f"--out {city.parent.resolve()} contains" in err
    err = refused(["plan", scenario, "--out", str(city / "city.gpkg")], capsys)
    assert f"is the input {(city / 'city.gpkg').resolve()}" in err
    assert f"such as {city.resolve() / 'plan'}" in err


def test_out_through_a_symlink_to_the_inputs_is_refused(
    city: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    link = city.parent / "link"
    link.symlink_to(city, target_is_directory=True)
    err = refused(["plan", str(city / "scenario.toml"), "--out", str(link)], capsys)
    assert f"--out {city.resolve()} is the scenario's folder" in err
    assert link.is_symlink()


def test_an_input_outside_the_scenario_folder_is_protected(
    city: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rasters = tmp_path / "rasters"
    rasters.mkdir()
    shutil.copy(city / "population.tif", rasters / "population.tif")
    text = (city / "scenario.toml").read_text(encoding="utf-8")
    scenario = tmp_path / "scenarios" / "s.toml"
    scenario.parent.mkdir()
    scenario.write_text(
        text.replace('"population.tif"', f'"{rasters / "population.tif"}"')
        .replace('"city.gpkg"', f'"{city / "city.gpkg"}"')
        .replace('"streets.osm"', f'"{city / "streets.osm"}"'),
        encoding="utf-8",
    )
    before = digests(rasters)
    err = refused(["plan", str(scenario), "--out", str(rasters)], capsys)
    assert f"contains the input {(rasters / 'population.tif').resolve()}" in err
    assert digests(rasters) == before


def test_out_is_an_existing_file(
    city: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("the planner's notes", encoding="utf-8")
    err = refused(["plan", str(city / "scenario.toml"), "--out", str(notes)], capsys)
    assert f"--out {notes.resolve()} is an existing file" in err
    assert notes.read_text(encoding="utf-8") == "the planner's notes"


def test_out_is_a_folder_that_is_not_a_plan(
    city: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "memo.docx").write_bytes(b"memo")
    (docs / "run.json").write_text("{}", encoding="utf-8")  # a run.json, but not a plan's
    before = digests(docs)
    err = refused(["plan", str(city / "scenario.toml"), "--out", str(docs)], capsys)
    assert f"--out {docs.resolve()} is a folder that is not a siting plan" in err
    assert digests(docs) == before


def test_a_plan_with_a_stray_file_is_replaced_only_with_replace(
    city: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = fake_plan(tmp_path / "out", marker=False)  # written before the marker existed
    (out / "notes.txt").write_text("the planner's notes", encoding="utf-8")
    before = digests(out)
    err = refused(["plan", str(city / "scenario.toml"), "--out", str(out)], capsys)
    assert f"--out {out.resolve()} is an earlier plan that also holds notes.txt" in err
    assert "--replace" in err
    assert digests(out) == before

    old_umask = os.umask(0o022)
    try:
        assert (
            main(["-q", "plan", str(city / "scenario.toml"), "--out", str(out), "--replace"]) == 0
        )
    finally:
        os.umask(old_umask)
    assert not (out / "notes.txt").exists()
    assert stat.S_IMODE(out.stat().st_mode) == 0o755  # the umask's, not mkdtemp's 0700
    assert stat.S_IMODE((out / "run.json").stat().st_mode) == 0o644
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert run[PLAN_MARKER] == 1
    assert sorted(run["files"]) == sorted(p.name for p in out.iterdir())
    assert sorted(run["paths"]) == sorted(p.relative_to(out).as_posix() for p in out.rglob("*"))
    assert stray_files(out) == []
    # Nothing else beside the plan: no staging folder, no old plan, no lock file.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["city", "out"]


def test_a_planners_files_named_like_the_plans_are_kept(
    city: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Files the plan did not write are the planner's, whatever their names and however
    deep: a GeoJSON and an SVG named like the plan's, and a file inside the plan's own
    shapefile folder. A second run refuses to replace the plan until --replace."""
    out = tmp_path / "out"
    scenario = str(city / "scenario.toml")
    assert main(["-q", "plan", scenario, "--out", str(out), "--shapefile"]) == 0
    assert (out / "shapefile").is_dir()
    timings = json.loads((out / "run.json").read_text(encoding="utf-8"))["timings_s"]
    assert timings["write"] > 0 and "solve" in timings  # writing the files is timed too
    (out / "会议记录.geojson").write_text("{}", encoding="utf-8")
    (out / "report_final.svg").write_text("<svg/>", encoding="utf-8")
    (out / "shapefile" / "mine.txt").write_text("keep", encoding="utf-8")
    (out / "shapefile" / "drafts").mkdir()
    (out / "shapefile" / "drafts" / "a.txt").write_text("keep", encoding="utf-8")
    assert stray_files(out) == [
        "report_final.svg",
        "shapefile/drafts",
        "shapefile/mine.txt",
        "会议记录.geojson",
    ]
    before = digests(out)
    err = refused(["plan", scenario, "--out", str(out)], capsys)
    assert "is an earlier plan that also holds report_final.svg, shapefile/drafts, " in err
    assert digests(out) == before
    assert main(["-q", "plan", scenario, "--out", str(out), "--replace"]) == 0
    assert stray_files(out) == [] and not (out / "shapefile").exists()


def test_staging_follows_the_umask(tmp_path: Path) -> None:
    for umask, mode in ((0o022, 0o755), (0o027, 0o750), (0o077, 0o700)):
        old_umask = os.umask(umask)
        try:
            folder = staging_folder(tmp_path / "out")
        finally:
            os.umask(old_umask)
        assert folder.name.startswith(".out.partial-")
        assert stat.S_IMODE(folder.stat().st_mode) == mode


def test_is_plan_and_stray_files(tmp_path: Path) -> None:
    assert is_plan(fake_plan(tmp_path / "new"))
    assert is_plan(fake_plan(tmp_path / "old", marker=False))
    bare = tmp_path / "bare"
    bare.mkdir()
    (bare / "run.json").write_text('{"status": "optimal"}', encoding="utf-8")
    assert not is_plan(bare)  # run.json alone, no marker and no areas
    for name in ("new", "old"):
        plan = tmp_path / name
        (plan / "facilities.geojson").write_text("{}", encoding="utf-8")  # a plan's name
        (plan / ".DS_Store").write_bytes(b"")
        (plan / "notes.txt").write_text("x", encoding="utf-8")
        (plan / "photos").mkdir()
    # the plan's run.json lists what it wrote: a name like a plan's is not enough
    assert stray_files(tmp_path / "new") == ["facilities.geojson", "notes.txt", "photos"]
    # written before the lists: judged by the names siting writes
    assert stray_files(tmp_path / "old") == ["notes.txt", "photos"]


def test_another_run_holding_the_lock_is_refused(
    city: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    with lock_path(out).open("w") as held:  # what a running `siting plan` holds
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        held.write("4242\n")
        held.flush()
        started = time.perf_counter()
        assert main(["-q", "plan", str(city / "scenario.toml"), "--out", str(out)]) == 2
        assert time.perf_counter() - started < 5  # fails at once, before reading
        err = capsys.readouterr().err
        assert f"another siting run (process 4242) is writing to --out {out.resolve()}" in err
        assert "wait for it to finish, or give another --out" in err
    assert not out.exists()


def test_a_second_process_cannot_take_the_lock(tmp_path: Path) -> None:
    out = tmp_path / "out"
    holder = (
        "import sys, time; from pathlib import Path; from siting.outdir import output_lock\n"
        "with output_lock(Path(sys.argv[1])):\n"
        "    print('held', flush=True); time.sleep(30)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with subprocess.Popen(
        [sys.executable, "-c", holder, str(out.resolve())], stdout=subprocess.PIPE, env=env
    ) as proc:
        try:
            assert proc.stdout is not None
            assert proc.stdout.readline().strip() == b"held"
            argv = ["plan", str(SAMPLE / "scenario.toml"), "--out", str(out)]
            second = subprocess.run(
                [sys.executable, "-m", "siting.cli", *argv],
                capture_output=True,
                text=True,
                env=env,
                timeout=60,
            )
        finally:
            proc.kill()
    assert second.returncode == 2
    assert f"another siting run (process {proc.pid}) is writing to" in second.stderr
    assert not out.exists()


def test_a_killed_replacement_is_recovered_by_the_next_run(
    city: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A run killed between its two renames: the old plan only under .out.old-*, and
    # its staging folder left too.
    out = tmp_path / "out"
    fake_plan(tmp_path / ".out.old-y" / "out")
    (tmp_path / ".out.partial-x").mkdir()
    (tmp_path / ".out.partial-x" / "areas.geojson").write_text("half", encoding="utf-8")

    assert main(["verify", str(out)]) == 2  # no plan under its own name
    printed = capsys.readouterr().out
    assert f"its previous version is in {tmp_path.resolve() / '.out.old-y' / 'out'}" in printed
    assert ".out.partial-x is the staging folder of a stopped run" in printed

    # The next run recovers before it reads anything: this one then fails on a
    # missing raster, and the restored plan stays.
    broken = tmp_path / "broken.toml"
    text = (city / "scenario.toml").read_text(encoding="utf-8")
    broken.write_text(
        text.replace('"population.tif"', '"missing.tif"')
        .replace('"city.gpkg"', f'"{city / "city.gpkg"}"')
        .replace('"streets.osm"', f'"{city / "streets.osm"}"'),
        encoding="utf-8",
    )
    assert main(["-q", "plan", str(broken), "--out", str(out)]) == 2
    assert "missing.tif" in capsys.readouterr().err
    assert is_plan(out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.toml", "city", "out"]


def test_recover_removes_an_old_plan_when_the_new_one_is_in_place(tmp_path: Path) -> None:
    out = fake_plan(tmp_path / "out")
    (out / "areas.geojson").write_text("new", encoding="utf-8")
    fake_plan(tmp_path / ".out.old-1" / "out")
    (tmp_path / ".out.old-2").mkdir()  # killed before the old plan moved in
    (tmp_path / ".out.partial-3").mkdir()
    (tmp_path / ".other.partial-4").mkdir()  # another output's staging: not ours
    assert len(leftovers(out)) == 3
    done = recover(out)
    assert len(done) == 3
    assert (out / "areas.geojson").read_text(encoding="utf-8") == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".other.partial-4", "out"]
    assert leftovers(out) == []


def test_replace_folder_swaps_whole_folders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = fake_plan(tmp_path / "out")
    new = staging_folder(out)
    (new / "run.json").write_text('{"siting_plan": 1, "n": 2}', encoding="utf-8")
    replace_folder(new, out)
    assert json.loads((out / "run.json").read_text(encoding="utf-8"))["n"] == 2
    assert not (out / "areas.geojson").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]

    # Where renameat2 is missing (not Linux): the old plan moves aside, then the new in.
    monkeypatch.setattr("siting.outdir._exchange", lambda a, b: False)
    new = staging_folder(out)
    (new / "run.json").write_text('{"siting_plan": 1, "n": 3}', encoding="utf-8")
    replace_folder(new, out)
    assert json.loads((out / "run.json").read_text(encoding="utf-8"))["n"] == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


@contextlib.contextmanager
def unwritable(folder: Path) -> Iterator[None]:
    """Make ``folder`` unwritable, for root too (the immutable flag) when run as root."""
    folder.chmod(0o555)
    immutable = os.geteuid() == 0
    if immutable:
        done = subprocess.run(["chattr", "+i", str(folder)], capture_output=True, check=False)
        if done.returncode != 0:
            pytest.skip("running as root, and chattr +i is not available to stop root writing")
    try:
        yield
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(folder)], check=True)
        folder.chmod(0o755)


NO_INPUTS = (
    '[inputs]\npopulation = { path = "nowhere.tif" }\n'
    'areas = { path = "nowhere.gpkg", layer = "areas" }\n'
    'parcels = { path = "nowhere.gpkg", layer = "parcels" }\n'
)
"""A scenario whose inputs do not exist: an error about them would mean they were read."""


def test_an_unwritable_parent_is_found_before_any_input_is_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = tmp_path / "scenario.toml"
    scenario.write_text(NO_INPUTS, encoding="utf-8")
    locked = tmp_path / "locked"
    locked.mkdir()
    with unwritable(locked):
        started = time.perf_counter()
        err = refused(["plan", str(scenario), "--out", str(locked / "out")], capsys)
        assert time.perf_counter() - started < 5
        assert f"cannot write --out {locked / 'out'}: no permission to create files in" in err
        assert "nowhere" not in err
        assert list(locked.iterdir()) == []


def test_a_parent_that_is_a_file_is_refused_before_reading(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = tmp_path / "scenario.toml"
    scenario.write_text(NO_INPUTS, encoding="utf-8")
    (tmp_path / "report.pdf").write_bytes(b"%PDF")
    err = refused(["plan", str(scenario), "--out", str(tmp_path / "report.pdf" / "out")], capsys)
    assert "report.pdf is a file, not a folder" in err
    assert "nowhere" not in err


def test_a_plan_changed_after_it_was_written_is_replaced_only_with_replace(
    city: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A layer and a style QGIS saved into plan.gpkg were lost by the next run (exit 0)."""
    import sqlite3

    import geopandas as gpd
    from shapely.geometry import Point

    from siting.outdir import changed_files, check_output

    out = tmp_path / "out"
    assert main(["-q", "plan", str(city / "scenario.toml"), "--out", str(out), "--no-map"]) == 0
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    # a digest for every file the run wrote (a GeoPackage's of its layers, counts and
    # styles), and none of them changed yet
    files = {k: v for k, v in digests(out).items() if k != "run.json"}
    assert set(run["sha256"]) == set(files)
    assert run["sha256"]["plan.gpkg"].startswith("gpkg:")
    assert all(run["sha256"][k] == v for k, v in files.items() if not k.endswith(".gpkg"))
    assert changed_files(out) == [] and check_output(out) == out.resolve()
    # QGIS only looking at the plan: it switches the file to write-ahead logging, which
    # changes its bytes, and not what it holds
    before_bytes = digests(out)["plan.gpkg"]
    db = sqlite3.connect(out / "plan.gpkg")
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("SELECT count(*) FROM areas").fetchone()
    db.execute("CREATE TABLE scratch (x)")  # something in the write-ahead log
    # while it is open, SQLite's -wal and -shm files beside it are the plan's, not strays,
    # and the plan counts as changed (what it holds is not all in the file yet)
    assert (out / "plan.gpkg-wal").stat().st_size > 0 and stray_files(out) == []
    assert changed_files(out) == ["plan.gpkg"]
    db.execute("DROP TABLE scratch")
    db.close()
    assert not (out / "plan.gpkg-wal").exists()
    assert digests(out)["plan.gpkg"] != before_bytes
    assert changed_files(out) == []
    # a later map into the plan is the plan's own: its digest is recorded too
    assert main(["-q", "map", str(out), "--basemap", "none"]) == 0
    assert changed_files(out) == []

    # the planner saves a sketch layer and a default style into the GeoPackage, as QGIS does
    sketch = gpd.GeoDataFrame({"note": ["新址"]}, geometry=[Point(0, 0)], crs="EPSG:4544")
    sketch.to_file(out / "plan.gpkg", layer="my_sketch", driver="GPKG")
    with sqlite3.connect(out / "plan.gpkg") as db:
        db.execute(
            "INSERT INTO layer_styles (f_table_name, styleName, styleQML) VALUES (?, ?, ?)",
            ("areas", "我的样式", "<qgis/>"),
        )
    before = digests(out)
    assert changed_files(out) == ["plan.gpkg"]
    err = refused(["plan", str(city / "scenario.toml"), "--out", str(out)], capsys)
    assert f"--out {out.resolve()} is an earlier plan whose plan.gpkg changed after" in err
    assert "--replace" in err
    assert digests(out) == before
    assert check_output(out, replace=True) == out.resolve()


def test_the_write_time_check_hashes_again_only_what_may_have_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check at a run's start and the one before it writes each hashed every file of
    the plan (seconds for a plan of several GB). A file changed in between is still
    refused, even with its size and modification time put back, and so is a GeoPackage
    opened in QGIS in between (its -wal)."""
    import sqlite3

    import geopandas as gpd
    from shapely.geometry import Point

    from siting import outdir

    out = tmp_path / "out"
    out.mkdir()
    (out / "table.csv").write_text("site_id,slots\nP1,40\n", encoding="utf-8")
    layer = gpd.GeoDataFrame({"site_id": ["P1"]}, geometry=[Point(0, 0)], crs="EPSG:4544")
    layer.to_file(out / "plan.gpkg", layer="facilities", driver="GPKG")
    run = outdir.record_files(out, {PLAN_MARKER: 1, "status": "optimal"})
    (out / "run.json").write_text(json.dumps(run), encoding="utf-8")
    hashed: list[str] = []
    sha256 = outdir._sha256
    monkeypatch.setattr(outdir, "_sha256", lambda p: hashed.append(p.name) or sha256(p))
    monkeypatch.setattr(outdir, "_SEEN", {})

    def check() -> list[str]:
        hashed.clear()
        assert outdir.check_output(out) == out.resolve()
        return sorted(hashed)

    both = ["plan.gpkg", "table.csv"]
    # files written within the last 2 s are hashed every time: a write in the same tick
    # of the file system's clock would leave their times as they are
    assert check() == both and check() == both
    monkeypatch.setattr(outdir, "_SETTLED_NS", 0)
    time.sleep(0.05)  # past the tick of the last write
    assert check() == both
    assert check() == []  # nothing changed: nothing hashed again

    # QGIS opens the GeoPackage: the -wal beside it is seen
    db = sqlite3.connect(out / "plan.gpkg")
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE scratch (x)")
    hashed.clear()
    assert outdir.changed_files(out) == ["plan.gpkg"] and hashed == ["plan.gpkg"]
    db.execute("DROP TABLE scratch")
    db.close()
    assert not (out / "plan.gpkg-wal").exists()
    time.sleep(0.05)
    assert check() == ["plan.gpkg"]  # its bytes changed, what it holds did not

    # the same number of bytes, the modification time put back: its change time differs
    table = out / "table.csv"
    before = table.stat()
    table.write_text("site_id,slots\nP1,80\n", encoding="utf-8")
    os.utime(table, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = table.stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    hashed.clear()
    with pytest.raises(OutputError, match=r"earlier plan whose table\.csv changed"):
        outdir.check_output(out)
    assert hashed == ["table.csv"]


def _siting_with_file_size_limit(argv: list[str], limit: int) -> subprocess.CompletedProcess[str]:
    """``siting argv`` in a process whose files may not grow past ``limit`` bytes (as a
    full disk stops them: Python ignores SIGXFSZ, so a write fails with EFBIG)."""
    import resource

    def set_limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))

    return subprocess.run(
        [sys.executable, "-m", "siting.cli", *argv],
        capture_output=True,
        text=True,
        preexec_fn=set_limit,
        timeout=600,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def test_a_full_disk_while_writing_is_one_sentence_and_nothing_is_written(
    city: Path, tmp_path: Path
) -> None:
    """The disk fills up while the plan is written (here: a file-size limit of 600 kB,
    which plan.gpkg passes). Before, GDAL's ``DataSourceError: Failed to commit
    transaction`` reached the planner as a traceback (exit 1); now it is one sentence
    naming --out, what the disk did and the fix (exit 2), and nothing is left behind."""
    out = tmp_path / "out"
    argv = ["-q", "plan", str(city / "scenario.toml"), "--out", str(out), "--no-map"]
    run = _siting_with_file_size_limit(argv, 600_000)
    err = run.stderr.strip()
    assert run.returncode == 2, err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if not line.startswith("WARNING")]
    assert len(lines) == 1, err
    assert lines[0].startswith(
        f"error: cannot write --out {out.resolve()}: a file grew past the size this system allows"
    )
    assert f"Nothing was written and {out.resolve()} is left as it was; fix: free space" in err
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["city"]


def test_siting_map_on_a_full_disk_is_one_sentence_and_leaves_the_plan_as_it_was(
    city: Path, tmp_path: Path
) -> None:
    """``siting map`` draws into a finished plan. Before, folium wrote map.html in place:
    a full disk (here a file-size limit of 200 kB, which the map passes) left a cut-off
    map.html and a traceback; now the map is written whole or not at all, and the error
    is one sentence (exit 2)."""
    out = tmp_path / "out"
    assert main(["-q", "plan", str(city / "scenario.toml"), "--out", str(out), "--no-map"]) == 0
    before = digests(out)
    assert "map.html" not in before
    run = _siting_with_file_size_limit(["-q", "map", str(out), "--basemap", "none"], 200_000)
    err = run.stderr.strip()
    assert run.returncode == 2, err
    assert "Traceback" not in err
    assert err.splitlines()[-1] == (
        f"error: cannot write into {out}: a file grew past the size this system allows "
        "(writing map.html); the files there are left as they were. Fix: free space on that "
        "disk (or make the folder writable), or copy the plan folder to another disk and "
        "draw it there"
    )
    assert digests(out) == before  # no map.html, cut off or whole, and no hidden part
    # without the limit the same map is drawn, and is larger than the limit
    assert main(["-q", "map", str(out), "--basemap", "none"]) == 0
    assert (out / "map.html").stat().st_size > 200_000


def test_write_whole_names_the_file_meant_and_leaves_no_part(tmp_path: Path) -> None:
    """A write that fails names the file meant, not the hidden one written first
    (review: '(writing .map.html.1a2b3c4d)'), and leaves nothing behind."""
    from siting.outdir import write_whole

    target = tmp_path / "gone" / "map.html"
    with pytest.raises(FileNotFoundError) as failed:
        write_whole(target, "<html></html>")
    assert failed.value.filename == str(target)
    write_whole(tmp_path / "map.html", "<html></html>")
    assert [p.name for p in tmp_path.iterdir()] == ["map.html"]
    assert (tmp_path / "map.html").read_text(encoding="utf-8") == "<html></html>"


def test_a_gdal_failure_of_no_known_cause_is_one_sentence_naming_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """GDAL fails while plan.gpkg is written, for no reason siting knows (a network share
    that fails mid-write, injected here). Before, the DataSourceError reached the planner
    as a traceback (exit 1); now it is one sentence naming --out, the file and GDAL's own
    message, and the earlier plan there is left whole (exit 2)."""
    import pyogrio
    import pyogrio.errors

    write = pyogrio.write_dataframe

    def failing(frame: Any, path: Any, *args: Any, **options: Any) -> Any:
        if Path(path).name == "plan.gpkg" and options.get("layer") == "facilities":
            raise pyogrio.errors.DataSourceError("sqlite3_exec(COMMIT) failed: network gone")
        return write(frame, path, *args, **options)

    scenario = write_tiny_city(
        tmp_path / "city",
        areas=[{"area_id": "A1", "name": "x", "status": "old", "geometry": cell_box(0, 0, 2, 2)}],
        parcels=[parcel("P1", 100, 100, cost=1.0)],
    )
    out = fake_plan(tmp_path / "out")
    before = digests(out)
    monkeypatch.setattr(pyogrio, "write_dataframe", failing)
    err = refused(["plan", str(scenario), "--out", str(out), "--no-map"], capsys)
    assert err == (
        f"error: cannot write --out {out.resolve()}: GDAL failed writing plan.gpkg "
        "(DataSourceError: sqlite3_exec(COMMIT) failed: network gone). Nothing was written "
        f"and the earlier plan in {out.resolve()} is left whole; fix: check that the disk (or "
        "network share) of --out is there and writable and run again, or give --out a folder "
        "on a local disk"
    )
    assert digests(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["city", "out"]


def test_an_error_in_siting_s_own_fields_is_not_called_a_failing_disk(tmp_path: Path) -> None:
    """Review: every GDAL or SQLite error of no known cause was said as a disk or network
    share that failed (exit 2, no traceback), a constraint or a field error too, which
    are siting's own. Only a failed data source and SQLite's OperationalError are."""
    import sqlite3

    import pyogrio.errors

    from siting.outdir import write_failure

    out = tmp_path / "out"
    for own in (
        sqlite3.IntegrityError("UNIQUE constraint failed: facilities.fid"),
        pyogrio.errors.FieldError("field 'slots' not found"),
        pyogrio.errors.GeometryError("unsupported geometry type"),
    ):
        assert write_failure(own, out) is None, own
    for medium in (
        sqlite3.OperationalError("SMB connection reset"),
        pyogrio.errors.DataSourceError("sqlite3_exec(COMMIT) failed: network gone"),
    ):
        failure = write_failure(medium, out)
        assert failure is not None and "network share" in str(failure), medium
