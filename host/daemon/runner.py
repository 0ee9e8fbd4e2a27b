"""Runs the daemon's loops in threads and remembers when each last completed a pass, for
`weir daemon status`. A loop that raises is logged and tried again on its next interval."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger("weir.daemon")


@dataclass
class Loop:
    name: str
    tick: Callable[[], object]
    interval_seconds: float
    last_pass: float = 0.0
    last_error: str = ""


class Daemon:
    def __init__(self, loops: list[Loop], clock: Callable[[], float] = time.time) -> None:
        self.loops = loops
        self._clock = clock
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        for loop in self.loops:
            thread = threading.Thread(target=self._run, args=(loop,), name=f"daemon-{loop.name}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def _run(self, loop: Loop) -> None:
        while not self._stop.is_set():
            try:
                loop.tick()
                loop.last_error = ""
            except Exception as exc:
                loop.last_error = f"{type(exc).__name__}: {exc}"
                log.exception("daemon loop %s failed", loop.name)
            loop.last_pass = self._clock()
            self._stop.wait(loop.interval_seconds)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)
