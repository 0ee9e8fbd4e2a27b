"""Code references on assets, build_reconstructable_job, RunStatusChangeRecordsFilter, default loggers."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

import sdk as dg


@dg.asset
def orders() -> int:
    return 1


@dg.op
def emit() -> int:
    return 7


def make_job(name: str, tag: str) -> dg.JobDefinition:
    @dg.job(name=name, tags={"kind": tag}, executor_def=dg.in_process_executor)
    def built() -> None:
        emit()

    return built


def test_with_source_code_references_points_at_the_function_and_links_to_git() -> None:
    spec = dg.AssetSpec("external")
    [referenced, untouched] = dg.with_source_code_references([orders, spec])
    assert untouched is spec
    value = referenced.specs_by_key[orders.key].metadata["dagster/code_references"]
    assert isinstance(value, dg.CodeReferencesMetadataValue) and isinstance(value, dg.MetadataValue)
    [ref] = value.code_references
    assert ref == dg.LocalFileCodeReference(
        file_path=__file__, line_number=inspect.getsourcelines(orders.op.compute_fn)[1]
    )
    mapping = dg.AnchorBasedFilePathMapping(
        local_file_anchor=Path(__file__), file_anchor_path_in_repository="tests/sdk/test_more_names_code_refs.py"
    )
    [linked] = dg.link_code_references_to_git(
        [referenced], git_url="https://github.com/acme/repo", git_branch="main", file_path_mapping=mapping
    )
    [url] = linked.specs_by_key[orders.key].metadata["dagster/code_references"].code_references
    assert url == dg.UrlCodeReference(
        url=f"https://github.com/acme/repo/blob/main/tests/sdk/test_more_names_code_refs.py#L{ref.line_number}"
    )
    with pytest.raises(dg.DagsterInvalidDefinitionError, match='platform="github" or "gitlab"'):
        dg.link_code_references_to_git([referenced], "https://git.acme/repo", "main", mapping)
    assert dg.materialize(dg.with_source_code_references([orders])).success


def test_build_reconstructable_job_calls_the_factory_with_its_arguments() -> None:
    recon = dg.build_reconstructable_job(__name__, "make_job", ("built_job",), {"tag": "nightly"})
    with dg.instance_for_test() as instance:
        with dg.execute_job(recon, instance=instance) as result:
            assert result.success and result.output_for_node("emit") == 7
            assert result.dagster_run.job_name == "built_job" and result.dagster_run.tags["kind"] == "nightly"
        with pytest.raises(dg.DagsterInvariantViolationError, match='has no function "nope"'):
            dg.build_reconstructable_job(__name__, "nope")

        with dg.execute_job(dg.build_reconstructable_job(__name__, "make_job", ("other_job", "x")), instance) as other:
            assert other.success
        changes = instance.fetch_run_status_changes(
            dg.RunStatusChangeRecordsFilter(dg.DagsterEventType.RUN_SUCCESS, job_names=["other_job"]), limit=5
        )
        assert [r.event_log_entry.job_name for r in changes.records] == ["other_job"]
        both = instance.fetch_run_status_changes(dg.RunStatusChangeRecordsFilter(dg.DagsterEventType.RUN_SUCCESS), 5)
        assert len(both.records) == 2
        first_page = instance.fetch_run_status_changes(
            dg.RunStatusChangeRecordsFilter(dg.DagsterEventType.RUN_SUCCESS), limit=1
        )
        assert first_page.has_more and first_page.records[0].event_log_entry.job_name == "other_job"
    with pytest.raises(TypeError, match="run status event type"):
        dg.RunStatusChangeRecordsFilter(dg.DagsterEventType.ASSET_MATERIALIZATION)


def test_default_loggers() -> None:
    assert dg.default_loggers() == {"console": dg.colored_console_logger}
    [(logger_def, config)] = dg.default_system_loggers(None)
    assert logger_def is dg.colored_console_logger and config["log_level"] == "DEBUG"
