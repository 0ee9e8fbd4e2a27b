"""Evaluations of user code (sensors, schedule functions) run beside the daemon's passes, not inside them.

A pass hands each due instigator's evaluation to a long-lived bounded pool and returns at once, so a slow
or hanging evaluation delays only itself: each instigator has at most one evaluation in flight (a pass
skips it meanwhile), and the others keep their own pace, `max_concurrent_evaluations` at a time.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Hashable
from concurrent.futures import Future, ThreadPoolExecutor

log = logging.getLogger("weir.daemon")


class EvaluationPool:
    """At most one job per key, `max_workers` at once; errors are kept for the next pass to raise."""

    def __init__(self, max_workers: int, name: str) -> None:
        self._max_workers = max_workers
        self._name = name
        self._idle = threading.Condition()
        self._executor: ThreadPoolExecutor | None = None
        self._in_flight: dict[Hashable, Future[None]] = {}
        self._errors: list[BaseException] = []
        self._closed = False

    def busy(self, key: Hashable) -> bool:
        """Whether an evaluation of this instigator is queued or running."""
        with self._idle:
            return key in self._in_flight

    def submit(self, key: Hashable, job: Callable[[], object]) -> bool:
        """Queue job unless one for key is in flight or the pool is closed; returns whether it was queued."""
        with self._idle:
            if self._closed or key in self._in_flight:
                return False
            if self._executor is None:  # threads only once there is user code to call
                self._executor = ThreadPoolExecutor(self._max_workers, thread_name_prefix=self._name)
            self._in_flight[key] = self._executor.submit(self._run, key, job)
            return True

    def _run(self, key: Hashable, job: Callable[[], object]) -> None:
        try:
            job()
        except BaseException as exc:  # kept, and raised by the loop's next pass, which logs and shows it
            with self._idle:
                self._errors.append(exc)
        finally:
            with self._idle:
                self._in_flight.pop(key, None)
                self._idle.notify_all()

    def raise_errors(self) -> None:
        """Raise the first error of the jobs that failed since the last call; log the others."""
        with self._idle:
            errors, self._errors = self._errors, []
        for extra in errors[1:]:
            log.error("%s evaluation failed", self._name, exc_info=extra)
        if errors:
            raise errors[0]

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until no job is in flight (at most timeout seconds); returns whether none is."""
        with self._idle:
            return self._idle.wait_for(lambda: not self._in_flight, timeout)

    def close(self) -> None:
        """Take no more jobs and drop the queued ones; running ones finish on their own (see wait)."""
        with self._idle:
            self._closed = True
            executor = self._executor
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)
        with self._idle:
            for key, future in list(self._in_flight.items()):
                if future.cancelled():
                    del self._in_flight[key]
            self._idle.notify_all()


def tick_output(output: str) -> str | None:
    """An evaluation's output as a tick stores it: None when there was none; NUL (which storage refuses,
    and which a code server of another version may still send) as U+FFFD."""
    return output.replace("\0", "\ufffd") or None
