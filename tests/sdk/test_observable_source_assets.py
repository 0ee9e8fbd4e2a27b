"""Observable source assets: observing runs the function and records an ASSET_OBSERVATION with its
data version in `dagster/data_version`, as Dagster does."""

from __future__ import annotations

import pytest

import sdk as dg


def test_observe_records_the_data_version_as_an_observation() -> None:
    @dg.observable_source_asset(group_name="raw", description="A file another team writes.")
    def raw_file() -> dg.DataVersion:
        return dg.DataVersion("abc123")

    with dg.instance_for_test() as instance:
        result = dg.observe([raw_file], instance=instance)
        assert result.success
        [obs] = result.asset_observations_for_node("raw_file")
        assert obs.asset_key == dg.AssetKey("raw_file")
        assert obs.metadata["dagster/data_version"] == dg.MetadataValue.text("abc123")
        assert result.asset_materializations_for_node("raw_file") == []
        [record] = instance.fetch_observations(dg.AssetKey("raw_file"), limit=10).records
        assert record.asset_observation.metadata["dagster/data_version"].value == "abc123"


class Store(dg.ConfigurableResource):
    version: str


def test_observe_result_with_metadata_resources_and_context() -> None:
    @dg.observable_source_asset(key=["lake", "events"])
    def events(context: dg.AssetExecutionContext, store: Store) -> dg.ObserveResult:
        context.log.info("looking at the lake")
        return dg.ObserveResult(data_version=dg.DataVersion(store.version), metadata={"files": 12})

    result = dg.observe([events], resources={"store": Store(version="v9")})
    [obs] = result.asset_observations_for_node("lake__events")
    assert obs.asset_key == dg.AssetKey(["lake", "events"])
    assert obs.metadata["files"] == dg.MetadataValue.int(12)
    assert obs.metadata["dagster/data_version"] == dg.MetadataValue.text("v9")


def test_source_asset_observe_fn_and_a_downstream_asset_in_one_materialize() -> None:
    source = dg.SourceAsset("upstream_table", observe_fn=lambda: dg.DataVersion("7"))

    @dg.asset(deps=["upstream_table"])
    def report() -> dg.MaterializeResult:
        return dg.MaterializeResult(metadata={"ok": True})

    result = dg.materialize([source, report])
    assert result.success
    events = [(e.event_type_value, e.asset_key) for e in result.all_events if e.asset_key is not None]
    assert ("ASSET_OBSERVATION", dg.AssetKey("upstream_table")) in events
    assert ("ASSET_MATERIALIZATION", dg.AssetKey("report")) in events
    assert ("ASSET_MATERIALIZATION", dg.AssetKey("upstream_table")) not in events


def test_an_observation_job_selects_the_source_and_runs_on_a_schedule() -> None:
    @dg.observable_source_asset
    def feed() -> dg.DataVersion:
        return dg.DataVersion("1")

    job = dg.define_asset_job("observe_feed", selection=[feed])
    schedule = dg.ScheduleDefinition(job=job, cron_schedule="*/5 * * * *")
    defs = dg.Definitions(assets=[feed], jobs=[job], schedules=[schedule])
    result = defs.get_job_def("observe_feed").execute_in_process()
    assert [o.metadata["dagster/data_version"].value for o in result.asset_observations_for_node("feed")] == ["1"]
    assert defs.get_schedule_def("observe_feed_schedule").job_name == "observe_feed"


def test_a_function_returning_something_else_fails_with_what_to_return() -> None:
    @dg.observable_source_asset
    def wrong() -> int:
        return 3

    result = dg.observe([wrong], raise_on_error=False)
    assert not result.success
    [failure] = result.get_step_failure_events()
    assert "return a DataVersion" in failure.message


def test_observe_refuses_assets_that_are_not_observable() -> None:
    @dg.asset
    def plain() -> int:
        return 1

    with pytest.raises(dg.DagsterInvariantViolationError, match="observable source assets"):
        dg.observe([plain])


def test_auto_observe_interval_is_accepted_with_a_warning() -> None:
    with pytest.warns(dg.WeirUnsupportedArgumentWarning, match="auto_observe_interval_minutes"):

        @dg.observable_source_asset(auto_observe_interval_minutes=30)
        def polled() -> dg.DataVersion:
            return dg.DataVersion("x")

    assert dg.observe([polled]).success
