"""The command line as a planner runs it: Ctrl-C during the solve."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"


@pytest.mark.timing
def test_ctrl_c_during_the_solve_exits_130_at_once_and_writes_nothing(tmp_path: Path) -> None:
    city = tmp_path / "city"
    shutil.copytree(SAMPLE, city)
    scenario = city / "scenario.toml"
    text = scenario.read_text(encoding="utf-8")
    assert "\ngap = 0.005\n" in text
    # An exact proof keeps HiGHS busy for seconds on the sample (0.5 s at the 0.5 % gap).
    scenario.write_text(text.replace("\ngap = 0.005\n", "\ngap = 0.0\n"), encoding="utf-8")
    before = {p.name: p.read_bytes() for p in city.iterdir()}
    out = tmp_path / "out"
    with subprocess.Popen(
        [sys.executable, "-m", "siting.cli", "plan", str(scenario), "--out", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        # a test run started in the background (``make test &``) ignores SIGINT, and
        # its children would inherit that: the CLI is given Ctrl-C as a terminal does
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    ) as proc:
        assert proc.stderr is not None
        seen = []
        try:
            for line in proc.stderr:
                seen.append(line)
                if "] solving (" in line:
                    break
            else:
                raise AssertionError("no 'solving' progress line:\n" + "".join(seen))
            time.sleep(0.3)
            sent = time.monotonic()
            proc.send_signal(signal.SIGINT)
            code = proc.wait(timeout=10)
            latency = time.monotonic() - sent
        finally:
            proc.kill()
        err = "".join(seen) + proc.stderr.read()
    assert code == 130, err
    assert latency < 2.0, latency
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1] == "interrupted at stage 'solving'; nothing written"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["city"]  # no staging, no lock
    assert {p.name: p.read_bytes() for p in city.iterdir()} == before


def test_plan_writes_an_offline_map_with_basemap_none(tmp_path: Path) -> None:
    """``siting plan --basemap none``: the map written with the plan asks for no tiles."""
    from siting.cli import main

    sample = Path(__file__).resolve().parents[1] / "data" / "sample"
    city = tmp_path / "city"
    shutil.copytree(sample, city)
    out = tmp_path / "plan"
    assert (
        main(["-q", "plan", str(city / "scenario.toml"), "--out", str(out), "--basemap", "none"])
        == 0
    )
    html = (out / "map.html").read_text(encoding="utf-8")
    assert "tile.openstreetmap.org" not in html and "{z}" not in html
    bad = [
        "plan",
        str(city / "scenario.toml"),
        "--out",
        str(tmp_path / "x"),
        "--basemap",
        "ftp://x",
    ]
    with pytest.raises(SystemExit) as info:
        main(bad)
    assert info.value.code == 2
    assert not (tmp_path / "x").exists()


def test_an_error_raised_from_ctrl_c_is_an_interruption(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Ctrl-C landing in a C extension's import surfaces as ``ImportError`` from it."""
    import siting.cli as cli

    def interrupted_import(args: object) -> int:
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as exc:
            raise ImportError("initialization failed") from exc

    def plain_import_error(args: object) -> int:
        raise ImportError("initialization failed")

    monkeypatch.setattr(cli, "_cmd_plan", interrupted_import)
    scenario = str(SAMPLE / "scenario.toml")
    assert cli.main(["plan", scenario, "--out", str(tmp_path / "o")]) == 130
    assert capsys.readouterr().err.strip().splitlines()[-1].startswith("interrupted")
    monkeypatch.setattr(cli, "_cmd_plan", plain_import_error)
    assert cli.main(["plan", scenario, "--out", str(tmp_path / "o")]) == cli.INTERNAL_EXIT
    said = capsys.readouterr().err.strip().splitlines()[-1]
    assert said.startswith("internal error at stage 'starting': ImportError: initialization")


def test_a_bug_is_one_sentence_and_a_report_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """An error siting did not foresee (here GEOS failing in the model's stage, as a
    block's self-crossing opening once did while the inputs were read) exits 70 with one
    sentence naming the stage and the error; the traceback goes to a report file; the
    output folder is not made; --debug raises it."""
    import tempfile

    import shapely.errors

    import siting.cli as cli
    import siting.pipeline

    def broken(*args: object, **kwargs: object) -> object:
        raise shapely.errors.GEOSException("TopologyException: found non-noded intersection")

    monkeypatch.setattr(siting.pipeline, "build_model", broken)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    scenario = str(SAMPLE / "scenario.toml")
    out = tmp_path / "plan"
    assert cli.main(["plan", scenario, "--out", str(out)]) == cli.INTERNAL_EXIT
    err = capsys.readouterr().err
    assert "Traceback" not in err
    said = err.strip().splitlines()[-1]
    assert said.startswith("internal error at stage 'building the model")
    assert "GEOSException: TopologyException: found non-noded intersection. This is a bug" in said
    assert "nothing was written, and an earlier plan in --out is left as it was" in said
    reports = list(tmp_path.glob("siting-error-*.txt"))
    assert len(reports) == 1 and f"the traceback is in {reports[0]}" in said
    text = reports[0].read_text(encoding="utf-8")
    assert "stage: building the model" in text and "Traceback (most recent call last)" in text
    assert f"\ncommand: siting plan {scenario} --out {out}\n" in text  # not pytest's own
    assert text.rstrip().endswith("GEOSException: TopologyException: found non-noded intersection")
    assert not out.exists()
    with pytest.raises(shapely.errors.GEOSException):
        cli.main(["--debug", "plan", scenario, "--out", str(out)])


@pytest.mark.parametrize("where", ["before", "after"])
def test_quiet_works_before_or_after_the_command(where: str) -> None:
    scenario = str(SAMPLE / "scenario.toml")
    args = ["-q", "validate", scenario] if where == "before" else ["validate", scenario, "-q"]
    done = subprocess.run(
        [sys.executable, "-m", "siting.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "inputs are valid" in done.stdout
    assert "WARNING siting.inputs._vector: districts: repaired" in done.stderr
    assert "INFO" not in done.stderr  # the working CRS and the street graph are INFO lines


def test_summary_line_tells_the_districts_people_from_the_counted() -> None:
    from siting.cli import _accounting_line

    acc = {"total": 49_541.6, "held": 23_913.1, "residual": 25_628.5, "method": "dasymetric"}
    line = _accounting_line("population", {**acc, "districts_total": 46_728.3})
    assert line.startswith("population: 49,542 in the study area (dasymetric)")
    assert line.endswith("; 46,728 of them inside the districts")
    assert "inside" not in _accounting_line("population", {**acc, "districts_total": 49_541.4})
    assert "inside" not in _accounting_line("population", acc)


def test_ctrl_c_while_the_options_are_read_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Ctrl-C in the first second (the options' types import numpy and pandas) printed a
    30-line KeyboardInterrupt traceback and exited -2."""
    import argparse

    from siting import cli

    def interrupted(self: argparse.ArgumentParser, *args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(argparse.ArgumentParser, "parse_args", interrupted)
    assert cli.main(["validate", "x.toml"]) == 130
    assert capsys.readouterr().err == "interrupted before anything was read; nothing written\n"


def test_a_bug_in_verify_of_an_unedited_plan_is_an_internal_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """verify read a KeyError as a file 'edited past what verify can read', whose fix
    (write the plan again) gives the same error again. With every file as siting wrote
    it (run.json's SHA-256), it is a bug: exit 70 and the report. Once a file is edited,
    the planner's edit is still said (exit 1)."""
    import tempfile

    from test_leased_space import P1, TWO_AREAS, _city

    import siting.cli as cli
    import siting.plan

    out = tmp_path / "out"
    scenario = str(_city(tmp_path, areas=TWO_AREAS, parcels=[P1]))
    assert cli.main(["plan", scenario, "--out", str(out), "--no-map"]) == 0

    def broken(*args: object, **kwargs: object) -> object:
        raise KeyError("slots_source")

    monkeypatch.setattr(siting.plan, "verify", broken)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    capsys.readouterr()
    assert cli.main(["verify", str(out)]) == cli.INTERNAL_EXIT
    said = capsys.readouterr().err.strip().splitlines()[-1]
    assert said.startswith("internal error at stage 'starting': KeyError: 'slots_source'")
    assert len(list(tmp_path.glob("siting-error-*.txt"))) == 1
    with (out / "assignments.csv").open("a", encoding="utf-8") as edited:
        edited.write("\n")
    assert cli.main(["verify", str(out)]) == 1
    assert "was edited past what verify can read" in capsys.readouterr().err


def test_a_bug_in_validate_names_its_stage(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """An internal error while validate read the inputs was said 'at stage 'starting''."""
    import tempfile

    import siting.cli as cli

    def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("GEOS failed")

    monkeypatch.setattr(cli, "_input_problems", broken)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    assert cli.main(["validate", str(SAMPLE / "scenario.toml")]) == cli.INTERNAL_EXIT
    said = capsys.readouterr().err.strip().splitlines()[-1]
    assert said.startswith(
        "internal error at stage 'reading and checking inputs': RuntimeError: GEOS failed."
    )
    assert "nothing was written" in said
