"""BackfillPolicy: how many partitions of an asset one backfill run covers."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BackfillPolicy:
    """max_partitions_per_run None: one run for the whole backfill (the function reads
    context.partition_key_range); n: runs of at most n partitions; the default is one run per partition."""

    max_partitions_per_run: int | None = 1

    def __post_init__(self) -> None:
        if self.max_partitions_per_run is not None and self.max_partitions_per_run < 1:
            raise ValueError(
                f"BackfillPolicy.multi_run needs at least 1 partition per run, not {self.max_partitions_per_run}."
            )

    @staticmethod
    def single_run() -> BackfillPolicy:
        """One run materializes every partition of the backfill."""
        return BackfillPolicy(None)

    @staticmethod
    def multi_run(max_partitions_per_run: int = 1) -> BackfillPolicy:
        """Runs of at most max_partitions_per_run consecutive partitions each."""
        return BackfillPolicy(max_partitions_per_run)

    @property
    def policy_type(self) -> str:
        return "SINGLE_RUN" if self.max_partitions_per_run is None else "MULTI_RUN"
