"""Test helper: run one service call from several threads at once (PostgreSQL row-lock tests)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connections

from units.services import TransitionRefused


def run_parallel(action: Callable[[], object], *, threads: int) -> list[str]:
    """Run `action` in `threads` threads released together by a barrier; "ok" for each call that
    returned, the Chinese message for each that was refused (`TransitionRefused`). Each thread
    closes its database connections."""
    barrier = threading.Barrier(threads)
    outcomes, lock = [], threading.Lock()

    def run():
        try:
            barrier.wait()
            action()
            result = "ok"
        except TransitionRefused as exc:
            result = exc.messages[0]
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return outcomes
