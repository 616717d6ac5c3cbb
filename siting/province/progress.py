"""The counties' progress on the terminal: done / total and the slowest running ones.

:func:`~siting.province.plan_by_district` tells a :class:`CountyProgress` when each
county starts (:meth:`~CountyProgress.started`) and finishes
(:meth:`~CountyProgress.finished`). On a terminal one line is redrawn in place
(``\\r``), at least every second::

    counties 1/3 [######------------] running: 510811 昭化区 (12 s), 510812 朝天区 (3 s)

Elsewhere (a log file, a pipe) each finished county is one line, and every
:data:`RUNNING_EVERY_S` seconds a line names the slowest counties still running::

    county 510802 利州区 optimal in 8 s (1/3)
    running: 510811 昭化区 (42 s), 510812 朝天区 (10 s)

A county "runs" from the moment the engine starts it: in this process, when its
solve begins; on Dask, when its worker says it begins (a Dask event; the
scheduler's list of a worker's tasks also holds those queued behind it). The
redrawing runs in a daemon thread, so a long solve in this process does not
freeze the clock.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from siting.province.engine import CountyResult

__all__ = ["RUNNING_EVERY_S", "SLOWEST_SHOWN", "CountyProgress", "progress_line"]

RUNNING_EVERY_S = 10.0
"""Seconds between two "running: …" lines when the output is not a terminal."""

SLOWEST_SHOWN = 3
"""How many running counties are named, slowest first."""

BAR_WIDTH = 18


def progress_line(
    done: int,
    total: int,
    running: Mapping[str, float],
    *,
    names: Mapping[str, str] | None = None,
    now: float,
    bar: bool = True,
    shown: int = SLOWEST_SHOWN,
) -> str:
    """One line: counties done of total, and the slowest running ones with their seconds.

    Parameters
    ----------
    done
        Counties finished.
    total
        Counties to solve.
    running
        Each running county's start, on the clock of ``now``.
    names
        Each county's name, shown after its id.
    now
        The clock's reading.
    bar
        Draw a bar of ``#`` after the count.
    shown
        Name at most this many running counties; the others are counted.

    Returns
    -------
    str
        The line, without a line end.

    Examples
    --------
    >>> progress_line(1, 3, {"a": 0.0, "b": 5.0}, names={"a": "Lizhou"}, now=42.0, bar=False)
    'counties 1/3 running: a Lizhou (42 s), b (37 s)'
    >>> progress_line(3, 3, {}, now=0.0)
    'counties 3/3 [##################]'
    """
    names = names or {}
    parts = [f"counties {done}/{total}"]
    if bar:
        filled = round(BAR_WIDTH * done / total) if total else BAR_WIDTH
        parts.append("[" + "#" * filled + "-" * (BAR_WIDTH - filled) + "]")
    if running:
        parts.append(_running_text(running, names, now=now, shown=shown))
    return " ".join(parts)


def _running_text(
    running: Mapping[str, float], names: Mapping[str, str], *, now: float, shown: int
) -> str:
    slowest = sorted(running.items(), key=lambda item: (item[1], item[0]))  # earliest start first
    named = [
        " ".join(filter(None, (d, names.get(d)))) + f" ({_seconds(now - start)})"
        for d, start in slowest[:shown]
    ]
    more = len(slowest) - shown
    return "running: " + ", ".join(named) + (f", +{more} more" if more > 0 else "")


def _seconds(s: float) -> str:
    return f"{s:.1f} s" if s < 10 else f"{s:.0f} s"


class CountyProgress:
    """Shows the counties' progress on ``stream``; the engine calls it from one thread.

    Parameters
    ----------
    stream
        Where to write; standard error by default.
    tty
        Redraw one line in place; by default, when ``stream`` is a terminal.
    clock
        Seconds, monotonic (a fake one in tests).
    every_s
        Seconds between two "running: …" lines when not ``tty``.
    refresh_s
        Seconds between two redraws by the background thread; ``None`` starts no
        thread (tests call :meth:`tick`).
    """

    def __init__(
        self,
        stream: TextIO | None = None,
        *,
        tty: bool | None = None,
        clock: Callable[[], float] = time.monotonic,
        every_s: float = RUNNING_EVERY_S,
        refresh_s: float | None = 1.0,
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.clock = clock
        self.every_s = every_s
        self.refresh_s = refresh_s
        self.names: dict[str, str] = {}
        self.total = 0
        self.done = 0
        self.running: dict[str, float] = {}
        self._last_running_line = 0.0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._handlers: list[logging.Handler] = []

    def begin(self, total: int, names: Mapping[str, str]) -> None:
        """``total`` counties are to be solved; ``names`` maps their ids to names."""
        with self._lock:
            self.total, self.done = total, 0
            self.names = dict(names)
            self.running.clear()
            self._last_running_line = self.clock()
        if self.tty:  # a log record takes the line; the next redraw comes after it
            self._handlers = [
                h for h in logging.getLogger().handlers if getattr(h, "stream", None) is self.stream
            ]
            for handler in self._handlers:
                handler.addFilter(self._clear_line)
        if self.refresh_s is not None and self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._refresh, daemon=True)
            self._thread.start()

    def started(self, district_id: str) -> None:
        """County ``district_id`` is running from now."""
        with self._lock:
            self.running.setdefault(district_id, self.clock())
            self._draw()

    def finished(self, result: CountyResult) -> None:
        """A county's task returned ``result``."""
        with self._lock:
            d = result.district_id
            self.running.pop(d, None)
            self.done += 1
            label = " ".join(filter(None, (d, self.names.get(d))))
            line = f"county {label} {result.status} in {_seconds(result.seconds)}"
            line += f" ({self.done}/{self.total})"
            if self.tty:
                self._write("\r\x1b[K" + line + "\n")
            else:
                self._write(line + "\n")
            self._draw()

    def end(self) -> None:
        """Stop redrawing and leave the cursor on a fresh line."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        for handler in self._handlers:
            handler.removeFilter(self._clear_line)
        self._handlers = []
        with self._lock:
            if self.tty:
                self._write("\r\x1b[K" + self.line() + "\n")

    def line(self) -> str:
        """The current progress line."""
        return progress_line(
            self.done, self.total, self.running, names=self.names, now=self.clock(), bar=self.tty
        )

    def tick(self) -> None:
        """Redraw the line on a terminal, or say what runs if :attr:`every_s` has passed."""
        with self._lock:
            self._draw()

    def _draw(self) -> None:
        if self.tty:
            self._write("\r\x1b[K" + self.line())
        elif self.running and self.clock() - self._last_running_line >= self.every_s:
            self._last_running_line = self.clock()
            text = _running_text(self.running, self.names, now=self.clock(), shown=SLOWEST_SHOWN)
            self._write(text + "\n")

    def _clear_line(self, record: logging.LogRecord) -> bool:
        self._write("\r\x1b[K")
        return True

    def _write(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()

    def _refresh(self) -> None:
        assert self.refresh_s is not None
        while not self._stop.wait(self.refresh_s):
            self.tick()
