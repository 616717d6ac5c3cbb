"""siting.province.progress: the counties' progress line, on a fake clock."""

from __future__ import annotations

import io

from siting.province import CountyProgress, CountyResult
from siting.province.progress import progress_line

NAMES = {"510802": "利州区", "510811": "昭化区", "510812": "朝天区"}


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _result(district_id: str, seconds: float) -> CountyResult:
    return CountyResult(district_id, "optimal", None, None, "local", seconds)


def test_line_counts_done_and_names_the_slowest_first() -> None:
    running = {"510811": 30.0, "510802": 0.0, "510812": 35.0}
    line = progress_line(1, 4, running, names=NAMES, now=42.0, bar=False, shown=2)
    assert line == "counties 1/4 running: 510802 利州区 (42 s), 510811 昭化区 (12 s), +1 more"


def test_bar_fills_with_the_counties_done() -> None:
    assert progress_line(0, 3, {}, now=0.0) == "counties 0/3 [------------------]"
    assert progress_line(2, 3, {}, now=0.0) == "counties 2/3 [############------]"
    assert progress_line(3, 3, {}, now=0.0) == "counties 3/3 [##################]"


def test_not_a_terminal_one_line_per_county_and_running_every_10_s() -> None:
    clock, out = FakeClock(), io.StringIO()
    shown = CountyProgress(out, tty=False, clock=clock, refresh_s=None)
    shown.begin(3, NAMES)
    shown.started("510802")
    clock.now = 5.0
    shown.started("510811")
    clock.now = 9.0
    shown.tick()
    assert out.getvalue() == ""  # under 10 s: nothing yet
    clock.now = 12.0
    shown.tick()
    clock.now = 13.0
    shown.finished(_result("510811", 8.0))
    shown.started("510812")
    clock.now = 20.0
    shown.tick()  # under 10 s since the last running line
    clock.now = 22.5
    shown.tick()
    shown.finished(_result("510802", 22.5))
    shown.finished(_result("510812", 9.5))
    shown.end()
    assert out.getvalue().splitlines() == [
        "running: 510802 利州区 (12 s), 510811 昭化区 (7.0 s)",
        "county 510811 昭化区 optimal in 8.0 s (1/3)",
        "running: 510802 利州区 (22 s), 510812 朝天区 (9.5 s)",
        "county 510802 利州区 optimal in 22 s (2/3)",
        "county 510812 朝天区 optimal in 9.5 s (3/3)",
    ]


def test_terminal_redraws_one_line_in_place() -> None:
    clock, out = FakeClock(), io.StringIO()
    shown = CountyProgress(out, tty=True, clock=clock, refresh_s=None)
    shown.begin(2, NAMES)
    shown.started("510802")
    clock.now = 3.0
    shown.tick()
    assert out.getvalue().endswith(
        "\r\x1b[Kcounties 0/2 [------------------] running: 510802 利州区 (3.0 s)"
    )
    shown.finished(_result("510802", 3.0))
    shown.finished(_result("510811", 1.0))
    shown.end()
    assert out.getvalue().endswith("\r\x1b[Kcounties 2/2 [##################]\n")
    assert "county 510802 利州区 optimal in 3.0 s (1/2)\n" in out.getvalue()


def test_the_refresh_thread_stops_at_the_end() -> None:
    out = io.StringIO()
    shown = CountyProgress(out, tty=True, refresh_s=0.01)
    shown.begin(1, {})
    shown.started("a")
    shown.finished(_result("a", 0.0))
    shown.end()
    assert shown._thread is None
    assert out.getvalue().endswith("counties 1/1 [##################]\n")
