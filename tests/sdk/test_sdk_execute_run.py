"""execute_run: the run worker's entry point, with filesystem storage and the job's executor."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import sdk as dg
from sdk.events import Event
from sdk.execution import execute_run


class Params(dg.Config):
    factor: int = 1


@dg.asset
def base(config: Params) -> int:
    return config.factor


@dg.asset
def doubled(base: int) -> int:
    return base * 2


@dg.asset
def pid_a(doubled: int) -> int:
    return os.getpid()


@dg.asset
def pid_b(doubled: int) -> int:
    return os.getpid()


all_job = dg.define_asset_job("all_job")
serial_job = dg.define_asset_job("serial_job", executor_def=dg.in_process_executor)
defs = dg.Definitions(assets=[base, doubled, pid_a, pid_b], jobs=[all_job, serial_job])


@pytest.fixture(autouse=True)
def storage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("WEIR_STORAGE_DIR", str(tmp_path))
    return tmp_path


def _run(
    job_name: str | None = None, selection: list | None = None, run_config: dict | None = None, run_id: str = "r"
) -> tuple[bool, list[Event]]:
    events: list[Event] = []
    ok = execute_run(
        defs,
        run_id=run_id,
        job_name=job_name,
        asset_selection=selection,
        run_config=run_config or {},
        tags={},
        partition_key=None,
        on_event=events.append,
    )
    return ok, events


def test_implicit_job_over_all_assets_stores_outputs_on_disk(storage: Path) -> None:
    ok, events = _run(run_config={"ops": {"base": {"config": {"factor": 3}}}})
    assert ok and events[0].type == "RUN_START" and events[-1].type == "RUN_SUCCESS"
    assert (storage / "doubled").exists()


def test_a_later_run_loads_upstream_outputs_from_an_earlier_run() -> None:
    assert _run(run_config={"ops": {"base": {"config": {"factor": 5}}}}, run_id="first")[0]
    ok, events = _run(selection=[("pid_a",)], run_id="second")
    assert ok
    assert [e.step_key for e in events if e.type == "STEP_START"] == ["pid_a"]


def test_multiprocess_executor_forks_one_process_per_step() -> None:
    ok, _ = _run("all_job")
    assert ok
    values = {dg.AssetKey(n): None for n in ("pid_a", "pid_b")}
    import pickle

    storage = Path(os.environ["WEIR_STORAGE_DIR"])
    pids = {pickle.loads((storage / k.path[0]).read_bytes()) for k in values}
    assert os.getpid() not in pids and len(pids) == 2


def test_in_process_executor_runs_steps_in_this_process() -> None:
    ok, _ = _run("serial_job")
    import pickle

    assert ok and pickle.loads((Path(os.environ["WEIR_STORAGE_DIR"]) / "pid_a").read_bytes()) == os.getpid()


def test_invalid_run_config_fails_the_run_before_any_step() -> None:
    ok, events = _run(run_config={"ops": {"base": {"config": {"factor": "many"}}}})
    assert not ok
    assert [e.type for e in events] == ["RUN_START", "RUN_FAILURE"]
    assert "ops.base.config.factor" in events[-1].message and "int" in events[-1].message


def test_unknown_job_fails_the_run_with_the_job_names() -> None:
    ok, events = _run("nope")
    assert not ok and events[-1].type == "RUN_FAILURE" and "all_job" in events[-1].message


def test_cancel_ends_with_run_canceled() -> None:
    events: list[Event] = []
    ok = execute_run(
        defs,
        run_id="c",
        job_name="serial_job",
        asset_selection=None,
        run_config={},
        tags={},
        partition_key=None,
        on_event=events.append,
        should_cancel=lambda: True,
    )
    assert not ok and events[-1].type == "RUN_CANCELED"


def test_multiprocess_step_failure_is_reported_by_the_parent() -> None:
    @dg.asset
    def explodes() -> int:
        raise OSError("disk gone")

    @dg.asset
    def after(explodes: int) -> int:
        return explodes

    bad = dg.Definitions(assets=[explodes, after], jobs=[dg.define_asset_job("j")])
    events: list[Event] = []
    ok = execute_run(
        bad,
        run_id="f",
        job_name="j",
        asset_selection=None,
        run_config={},
        tags={},
        partition_key=None,
        on_event=events.append,
    )
    assert not ok
    failure = next(e for e in events if e.type == "STEP_FAILURE")
    assert failure.error.type == "OSError" and "disk gone" in failure.message
    assert [e.step_key for e in events if e.type == "STEP_SKIPPED"] == ["after"]
    assert events[-1].type == "RUN_FAILURE"


@dg.op
def emit_one() -> int:
    return 1


@dg.op
def add_one(x: int) -> int:
    return x + 1


@dg.op
def check_three(x: int) -> int:
    assert x == 3, x
    return x


@dg.job(executor_def=dg.multiprocess_executor)
def op_chain():
    check_three(add_one(add_one(emit_one())))


def _reexecute(run_id: str, steps: list[str], output_runs: dict[str, str]) -> tuple[bool, list[Event]]:
    events: list[Event] = []
    ok = execute_run(
        dg.Definitions(jobs=[op_chain]),
        run_id=run_id,
        job_name="op_chain",
        asset_selection=None,
        run_config={},
        tags={},
        partition_key=None,
        on_event=events.append,
        step_selection=steps,
        output_runs=output_runs,
    )
    return ok, events


def test_a_reexecution_runs_its_steps_and_loads_the_others_outputs_from_the_runs_that_made_them() -> None:
    assert _reexecute("first", [], {})[0]
    ok, events = _reexecute("second", [], {"emit_one": "first", "add_one": "first"})
    assert ok, [e.message for e in events]
    assert [e.step_key for e in events if e.type == "STEP_START"] == ["add_one_2", "check_three"]
    ok, events = _reexecute("third", ["check_three"], {"add_one_2": "second"})
    assert ok and [e.step_key for e in events if e.type == "STEP_START"] == ["check_three"]


def test_a_reexecution_names_an_unknown_step_and_an_input_no_run_produced() -> None:
    ok, events = _reexecute("r", ["nope"], {})
    assert not ok and "no step nope" in events[-1].message
    ok, events = _reexecute("r", ["check_three"], {})
    failure = next(e for e in events if e.type == "STEP_FAILURE")
    assert 'comes from step "add_one_2", which this re-execution does not execute' in failure.message
