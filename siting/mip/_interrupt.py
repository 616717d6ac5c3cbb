"""Keep Ctrl-C prompt while a solver's C++ code holds the calling thread."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


def _wait_in_main_thread(
    run: Callable[[], Any], *, on_interrupt: Callable[[], None], done: threading.Event, name: str
) -> Any:
    """``run()`` in a worker thread while the main thread waits, so Ctrl-C stays prompt.

    On ``KeyboardInterrupt``, ``on_interrupt()`` tells the solver to stop, the worker
    is given a second, and the interrupt is raised again. ``done`` is set when
    ``run`` has returned or raised (its error is raised here).
    """
    outcome: dict[str, Any] = {}

    def work() -> None:
        try:
            outcome["status"] = run()
        except BaseException as exc:  # handed to the main thread
            outcome["error"] = exc
        finally:
            done.set()

    # Waiting on an Event, not Thread.join: a join interrupted by Ctrl-C can mark the
    # thread stopped while the solver still runs, and the process then aborts at exit.
    threading.Thread(target=work, name=name, daemon=True).start()
    try:
        while not done.wait(0.05):
            pass
    except KeyboardInterrupt:
        on_interrupt()
        done.wait(1.0)
        raise
    if "error" in outcome:
        raise outcome["error"]
    return outcome["status"]
