"""Retry policies for steps."""

from __future__ import annotations

import enum
import random
from dataclasses import dataclass


class Backoff(enum.Enum):
    """How the delay grows between attempts."""

    LINEAR = "LINEAR"
    EXPONENTIAL = "EXPONENTIAL"


class Jitter(enum.Enum):
    """Randomness added to the delay, so that retries of many steps do not align."""

    FULL = "FULL"
    PLUS_MINUS = "PLUS_MINUS"


@dataclass(frozen=True)
class RetryPolicy:
    """Run a failed step again up to max_retries times, waiting delay seconds (grown by backoff)."""

    max_retries: int = 1
    delay: float | None = None
    backoff: Backoff | None = None
    jitter: Jitter | None = None

    def __post_init__(self) -> None:
        if self.max_retries < 0:
            raise ValueError(f"RetryPolicy.max_retries must be >= 0, got {self.max_retries}.")

    def delay_for_attempt(self, attempt: int) -> float:
        """Seconds to wait before retry number `attempt` (1-based)."""
        base = self.delay or 0.0
        if self.backoff is Backoff.LINEAR:
            base *= attempt
        elif self.backoff is Backoff.EXPONENTIAL:
            base *= 2 ** (attempt - 1)
        if self.jitter is Jitter.FULL:
            base = random.uniform(0, base)
        elif self.jitter is Jitter.PLUS_MINUS:
            base = max(0.0, base + random.uniform(-base, base) / 2)
        return base
