"""Keep Ctrl-C prompt while a solver's C++ code holds the calling thread."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

STOP_WAIT_S = 1.0
"""After Ctrl-C, the seconds the solver is waited for before saying why the call has not
returned yet."""


def _wait_in_main_thread(
    run: Callable[[], Any], *, on_interrupt: Callable[[], None], done: threading.Event, name: str
) -> Any:
    """``run()`` in a worker thread while the main thread waits, so Ctrl-C stays prompt.

    On ``KeyboardInterrupt``, ``on_interrupt()`` tells the solver to stop, the worker is
    waited for, and the interrupt is raised again: the worker has ended when this
    returns or raises, so a notebook's solve interrupted by Ctrl-C does not go on using
    a core. A solver stops within a fraction of a second at its next check; a step with
    no checks (HiGHS's root LP, its sub-MIP heuristics) is said after
    :data:`STOP_WAIT_S`, and a second Ctrl-C stops the waiting (the command line then
    exits at once). ``done`` is set when ``run`` has returned or raised (its error is
    raised here).
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
    worker = threading.Thread(target=work, name=name, daemon=True)
    worker.start()
    try:
        while not done.wait(0.05):
            pass
    except KeyboardInterrupt:
        on_interrupt()
        if not done.wait(STOP_WAIT_S):
            log.warning(
                "%s is finishing a step it does not check for Ctrl-C in; waiting for it "
                "(Ctrl-C again to stop waiting)",
                name,
            )
            done.wait()
        worker.join()  # past ``done``: only the thread's own end is left
        raise
    worker.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["status"]
