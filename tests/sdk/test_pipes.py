"""Dagster Pipes in process: an unmodified script using Dagster's own `dagster-pipes` package reports
materializations, check results, logs and custom messages back to the asset that ran it."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

import sdk as dg
from tests.support import location_venv


@pytest.fixture(scope="module")
def pipes_python() -> str:
    """A python with the real dagster-pipes package from PyPI (a cached venv)."""
    return str(location_venv(["dagster-pipes"]))


def _script(tmp_path: Path, body: str) -> str:
    path = tmp_path / "external.py"
    header = "import sys\nfrom dagster_pipes import open_dagster_pipes\n\nwith open_dagster_pipes() as pipes:\n"
    path.write_text(header + textwrap.indent(textwrap.dedent(body), "    "))
    return str(path)


def test_script_materialization_metadata_data_version_and_logs_reach_the_run(tmp_path: Path, pipes_python: str) -> None:
    script = _script(
        tmp_path,
        """
        pipes.log.info(f"processing {pipes.asset_key} for run {pipes.run_id} with {pipes.get_extra('rows')} rows")
        pipes.log.warning("careful")
        pipes.report_asset_materialization(
            metadata={"rows": pipes.get_extra("rows"), "report": {"raw_value": "# done", "type": "md"}},
            data_version="v7",
        )
        """,
    )

    @dg.asset
    def orders(context: dg.AssetExecutionContext, pipes_subprocess_client: dg.PipesSubprocessClient):
        return pipes_subprocess_client.run(
            command=[pipes_python, script], context=context, extras={"rows": 42}
        ).get_materialize_result()

    with dg.instance_for_test() as instance:
        result = dg.materialize(
            [orders], instance=instance, resources={"pipes_subprocess_client": dg.PipesSubprocessClient()}
        )
        assert result.success
        [mat] = result.asset_materializations_for_node("orders")
        assert mat.asset_key == dg.AssetKey("orders")
        assert mat.metadata["rows"] == dg.MetadataValue.int(42)
        assert mat.metadata["report"] == dg.MetadataValue.md("# done")
        assert mat.metadata["dagster/data_version"] == dg.MetadataValue.text("v7")
        messages = [e.user_message for e in instance.all_logs(result.run_id)]
    assert f"processing orders for run {result.run_id} with 42 rows" in messages
    assert "careful" in messages


def test_check_results_come_back_with_the_materialization_and_from_an_asset_check(
    tmp_path: Path, pipes_python: str
) -> None:
    script = _script(
        tmp_path,
        """
        if pipes.extras.get("mode") == "check":
            pipes.report_asset_check("fresh", passed=False, severity="WARN", metadata={"age": 3})
        else:
            pipes.report_asset_materialization(metadata={"n": 1})
            pipes.report_asset_check("not_empty", passed=True, metadata={"n": 1})
        """,
    )
    client = dg.PipesSubprocessClient(context_injector=dg.PipesEnvContextInjector())

    @dg.asset(check_specs=[dg.AssetCheckSpec("not_empty", asset="table")])
    def table(context: dg.AssetExecutionContext, pipes: dg.PipesSubprocessClient):
        return pipes.run(command=[pipes_python, script], context=context).get_materialize_result()

    @dg.asset_check(asset=table)
    def fresh(context: dg.AssetCheckExecutionContext, pipes: dg.PipesSubprocessClient) -> dg.AssetCheckResult:
        return pipes.run(
            command=[pipes_python, script], context=context, extras={"mode": "check"}
        ).get_asset_check_result()

    result = dg.materialize([table, fresh], resources={"pipes": client})
    assert result.success
    by_name = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert by_name["not_empty"].passed and by_name["not_empty"].metadata["n"] == dg.MetadataValue.int(1)
    assert not by_name["fresh"].passed
    assert by_name["fresh"].severity == dg.AssetCheckSeverity.WARN
    assert by_name["fresh"].metadata["age"] == dg.MetadataValue.int(3)


def test_several_assets_and_custom_messages(tmp_path: Path, pipes_python: str) -> None:
    script = _script(
        tmp_path,
        """
        for key in pipes.asset_keys:
            pipes.report_asset_materialization(asset_key=key, metadata={"key": key})
        pipes.report_custom_message({"partition": pipes.partition_key})
        """,
    )
    seen = []

    @dg.multi_asset(
        specs=[dg.AssetSpec("a"), dg.AssetSpec(["nested", "b"])],
        partitions_def=dg.StaticPartitionsDefinition(["p1", "p2"]),
    )
    def both(context: dg.AssetExecutionContext, pipes_subprocess_client: dg.PipesSubprocessClient):
        invocation = pipes_subprocess_client.run(command=[pipes_python, script], context=context)
        seen.extend(invocation.get_custom_messages())
        yield from invocation.get_results()

    result = dg.materialize(
        [both], partition_key="p2", resources={"pipes_subprocess_client": dg.PipesSubprocessClient()}
    )
    assert result.success
    keys = {m.asset_key: m.metadata["key"].value for m in result.asset_materializations_for_node("both")}
    assert keys == {dg.AssetKey("a"): "a", dg.AssetKey(["nested", "b"]): "nested/b"}
    assert seen == [{"partition": "p2"}]


def test_a_failing_script_fails_the_step_with_its_exit_code_and_stderr_tail(tmp_path: Path, pipes_python: str) -> None:
    script = _script(
        tmp_path,
        """
        print("could not reach the warehouse", file=sys.stderr)
        sys.exit(3)
        """,
    )

    @dg.asset
    def broken(context: dg.AssetExecutionContext, pipes_subprocess_client: dg.PipesSubprocessClient):
        return pipes_subprocess_client.run(command=[pipes_python, script], context=context).get_materialize_result()

    result = dg.materialize(
        [broken], raise_on_error=False, resources={"pipes_subprocess_client": dg.PipesSubprocessClient()}
    )
    assert not result.success
    [failure] = result.get_step_failure_events()
    assert "External execution process failed with code 3" in failure.message
    assert "could not reach the warehouse" in failure.message


def test_get_materialize_result_without_a_report_says_what_to_do(tmp_path: Path, pipes_python: str) -> None:
    script = _script(tmp_path, "pipes.log.info('nothing reported')\n")

    @dg.asset
    def silent(context: dg.AssetExecutionContext, pipes_subprocess_client: dg.PipesSubprocessClient):
        return pipes_subprocess_client.run(command=[pipes_python, script], context=context).get_materialize_result()

    with pytest.raises(Exception, match="report_asset_materialization"):
        dg.materialize([silent], resources={"pipes_subprocess_client": dg.PipesSubprocessClient()})


def test_a_command_that_never_opens_pipes_gets_a_warning_naming_open_dagster_pipes(pipes_python: str) -> None:
    @dg.op
    def plain(context: dg.OpExecutionContext, pipes_subprocess_client: dg.PipesSubprocessClient) -> None:
        assert pipes_subprocess_client.run(command=[pipes_python, "-c", "pass"], context=context).get_results() == []

    @dg.job(resource_defs={"pipes_subprocess_client": dg.PipesSubprocessClient()})
    def plain_job() -> None:
        plain()

    with dg.instance_for_test() as instance:
        result = plain_job.execute_in_process(instance=instance)
        assert result.success
        messages = [e.user_message for e in instance.all_logs(result.run_id)]
    assert any("sent no Pipes messages" in m and "open_dagster_pipes" in m for m in messages)


def test_env_cwd_a_shell_command_and_a_message_file_of_ones_own(tmp_path: Path, pipes_python: str) -> None:
    script = _script(
        tmp_path,
        """
        import os
        pipes.report_asset_materialization(
            metadata={"greeting": os.environ["GREETING"], "extra_env": os.environ["PER_RUN"], "cwd": os.getcwd()}
        )
        """,
    )
    work = tmp_path / "work"
    work.mkdir()
    messages = tmp_path / "messages.jsonl"
    client = dg.PipesSubprocessClient(
        env={"GREETING": "hi"},
        cwd=str(work),
        forward_stdio=False,
        message_reader=dg.PipesFileMessageReader(str(messages)),
    )

    @dg.asset
    def shell(context: dg.AssetExecutionContext, pipes_subprocess_client: dg.PipesSubprocessClient):
        command = f"{pipes_python} {script}"
        return pipes_subprocess_client.run(
            command=command, context=context, env={"PER_RUN": "1"}
        ).get_materialize_result()

    result = dg.materialize([shell], resources={"pipes_subprocess_client": client})
    [mat] = result.asset_materializations_for_node("shell")
    assert {k: v.value for k, v in mat.metadata.items()} == {"greeting": "hi", "extra_env": "1", "cwd": str(work)}
    methods = [json.loads(line)["method"] for line in messages.read_text().splitlines()]
    assert methods == ["opened", "report_asset_materialization", "closed"]
