"""Which queued runs the queue starts, under max_concurrent_runs and tag limits."""

from __future__ import annotations

from host.config import RunQueueConfig, TagConcurrencyLimit
from host.daemon.run_queue import choose_runs
from host.storage.records import RunRecord


def _run(run_id: str, created: float, status: str = "QUEUED", **tags: str) -> RunRecord:
    return RunRecord(
        run_id=run_id,
        location="l",
        job_name="j",
        status=status,
        asset_selection=(),
        run_config_json="{}",
        tags=tags,
        snapshot_id="s",
        created_at=created,
    )


def test_oldest_first_up_to_the_free_slots():
    config = RunQueueConfig(max_concurrent_runs=2)
    chosen = choose_runs([_run("c", 3), _run("a", 1), _run("b", 2)], [], config)
    assert [r.run_id for r in chosen] == ["a", "b"]
    assert choose_runs([_run("a", 1)], [_run("x", 0, "STARTED"), _run("y", 0, "STARTING")], config) == []


def test_tag_limit_holds_only_runs_with_that_tag():
    config = RunQueueConfig(tag_concurrency_limits=[TagConcurrencyLimit(key="db", limit=1)])
    running = [_run("r", 0, "STARTED", db="warehouse")]
    queued = [_run("same", 1, db="warehouse"), _run("other-value", 2, db="lake"), _run("untagged", 3)]
    assert [r.run_id for r in choose_runs(queued, running, config)] == ["other-value", "untagged"]


def test_tag_limit_with_a_value_counts_only_that_value():
    config = RunQueueConfig(tag_concurrency_limits=[TagConcurrencyLimit(key="db", value="warehouse", limit=1)])
    queued = [_run("a", 1, db="warehouse"), _run("b", 2, db="warehouse"), _run("c", 3, db="lake")]
    assert [r.run_id for r in choose_runs(queued, [], config)] == ["a", "c"]
