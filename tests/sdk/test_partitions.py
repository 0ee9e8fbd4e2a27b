"""Partitions in the SDK: time-window keys (start, end, timezone, fmt, end_offset, cron, DST), ranges,
time windows in the context, partition mappings, IO managers per partition, backfill policies and
schedules built from partitioned jobs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

import sdk as dg
from sdk.partitions import RANGE_END_TAG, RANGE_START_TAG

NOW = datetime(2024, 1, 4, 5, 30, tzinfo=UTC)


def test_daily_keys_are_complete_windows_between_start_and_end() -> None:
    daily = dg.DailyPartitionsDefinition(start_date="2024-01-01", end_date="2024-02-01")
    keys = daily.get_partition_keys()
    assert len(keys) == 31 and keys[0] == "2024-01-01" and keys[-1] == "2024-01-31"


def test_open_ended_keys_stop_at_the_current_time_moved_by_end_offset() -> None:
    assert dg.DailyPartitionsDefinition(start_date="2024-01-01").get_partition_keys(NOW) == [
        "2024-01-01",
        "2024-01-02",
        "2024-01-03",
    ]
    ahead = dg.DailyPartitionsDefinition(start_date="2024-01-01", end_offset=1).get_partition_keys(NOW)
    assert ahead[-1] == "2024-01-04"
    behind = dg.DailyPartitionsDefinition(start_date="2024-01-01", end_offset=-2).get_partition_keys(NOW)
    assert behind == ["2024-01-01"]


def test_hourly_weekly_monthly_fmt_and_offsets() -> None:
    hourly = dg.HourlyPartitionsDefinition(start_date="2024-01-01-00:00", minute_offset=15)
    assert hourly.get_partition_keys(datetime(2024, 1, 1, 3, tzinfo=UTC)) == ["2024-01-01-00:15", "2024-01-01-01:15"]
    weekly = dg.WeeklyPartitionsDefinition(start_date="2024-01-01", day_offset=1)  # Mondays
    assert weekly.get_partition_keys(datetime(2024, 1, 20, tzinfo=UTC)) == ["2024-01-01", "2024-01-08"]
    monthly = dg.MonthlyPartitionsDefinition(start_date="2024-01-01", fmt="%Y/%m")
    assert monthly.get_partition_keys(datetime(2024, 4, 2, tzinfo=UTC)) == ["2024/01", "2024/02", "2024/03"]


def test_custom_cron_is_walked_with_croniter() -> None:
    every_6h = dg.TimeWindowPartitionsDefinition(start="2024-01-01-00", fmt="%Y-%m-%d-%H", cron_schedule="0 */6 * * *")
    assert every_6h.get_partition_keys(datetime(2024, 1, 2, 1, tzinfo=UTC)) == [
        "2024-01-01-00",
        "2024-01-01-06",
        "2024-01-01-12",
        "2024-01-01-18",
    ]


def test_daylight_saving_gap_skips_the_missing_hour_and_fold_keeps_one_key_per_wall_time() -> None:
    spring = dg.HourlyPartitionsDefinition(
        start_date="2024-03-31-00:00", end_date="2024-03-31-05:00", timezone="Europe/Berlin"
    )
    assert spring.get_partition_keys() == [
        "2024-03-31-00:00",
        "2024-03-31-01:00",
        "2024-03-31-03:00",
        "2024-03-31-04:00",
    ]
    autumn = dg.HourlyPartitionsDefinition(
        start_date="2024-10-27-01:00", end_date="2024-10-27-04:00", timezone="Europe/Berlin"
    )
    keys = autumn.get_partition_keys()
    assert keys == ["2024-10-27-01:00", "2024-10-27-02:00", "2024-10-27-03:00"]
    window = autumn.time_window_for_partition_key("2024-10-27-02:00")
    assert window.end.timestamp() - window.start.timestamp() == 7200  # the repeated hour belongs to it


def test_ranges_and_time_windows_and_timestamps() -> None:
    daily = dg.DailyPartitionsDefinition(start_date="2024-01-01", end_date="2024-02-01", timezone="America/New_York")
    assert daily.get_partition_keys_in_range(dg.PartitionKeyRange("2024-01-03", "2024-01-05")) == [
        "2024-01-03",
        "2024-01-04",
        "2024-01-05",
    ]
    with pytest.raises(ValueError, match="backwards"):
        daily.get_partition_keys_in_range(dg.PartitionKeyRange("2024-01-05", "2024-01-03"))
    window = daily.time_window_for_partition_key("2024-01-03")
    assert window.start.isoformat() == "2024-01-03T00:00:00-05:00" and window.end.day == 4
    assert daily.get_partition_key_for_timestamp(datetime(2024, 1, 3, 3, tzinfo=UTC).timestamp()) == "2024-01-02"


def test_bad_start_and_timezone_say_how_to_fix_them() -> None:
    with pytest.raises(ValueError, match="2024-01-01"):
        dg.DailyPartitionsDefinition(start_date="01/01/2024")
    with pytest.raises(ValueError, match="IANA"):
        dg.DailyPartitionsDefinition(start_date="2024-01-01", timezone="Mars/Base")


def test_dynamic_keys_come_from_the_store_and_multi_keys_combine_dimensions() -> None:
    files = dg.DynamicPartitionsDefinition(name="files")
    assert files.get_partition_keys(dynamic_partitions_store={"files": ["a", "b"]}) == ["a", "b"]
    with pytest.raises(ValueError, match="weir partitions add files"):
        files.get_partition_keys()
    multi = dg.MultiPartitionsDefinition(
        {
            "region": dg.StaticPartitionsDefinition(["eu", "us"]),
            "date": dg.DailyPartitionsDefinition("2024-01-01", "2024-01-03"),
        }
    )
    assert multi.get_partition_keys() == ["2024-01-01|eu", "2024-01-01|us", "2024-01-02|eu", "2024-01-02|us"]
    assert multi.keys_by_dimension("2024-01-02|us") == {"date": "2024-01-02", "region": "us"}
    assert files.build_add_request(["c"]).partition_keys == ("c",)


DAILY = dg.DailyPartitionsDefinition(start_date="2024-01-01", end_date="2024-01-11")


@dg.asset(partitions_def=DAILY)
def events(context: dg.AssetExecutionContext) -> str:
    return f"events {context.partition_key}"


@dg.asset(
    partitions_def=DAILY,
    ins={"events": dg.AssetIn(partition_mapping=dg.TimeWindowPartitionMapping(start_offset=-1, end_offset=-1))},
)
def yesterday(context: dg.AssetExecutionContext, events: str) -> str:
    window = context.partition_time_window
    return f"{context.partition_key} reads {events} ({window.start.day}-{window.end.day})"


@dg.asset(
    partitions_def=DAILY, ins={"events": dg.AssetIn(partition_mapping=dg.TimeWindowPartitionMapping(start_offset=-2))}
)
def three_days(events: dict) -> list[str]:
    return sorted(events)


@dg.asset
def everything(events: dict) -> int:
    return len(events)


def test_filesystem_io_manager_stores_each_partition_and_mappings_read_upstream_partitions(tmp_path) -> None:
    io = {"io_manager": dg.FilesystemIOManager(base_dir=str(tmp_path))}
    for day in ("2024-01-01", "2024-01-02", "2024-01-03"):
        dg.materialize([events], resources=io, partition_key=day)
    assert sorted(p.name for p in (tmp_path / "events").iterdir()) == ["2024-01-01", "2024-01-02", "2024-01-03"]
    result = dg.materialize(
        [events, yesterday, three_days], selection=[yesterday, three_days], resources=io, partition_key="2024-01-03"
    )
    assert result.output_for_node("yesterday") == "2024-01-03 reads events 2024-01-02 (3-4)"
    assert result.output_for_node("three_days") == ["2024-01-01", "2024-01-02", "2024-01-03"]


def test_an_unpartitioned_asset_reads_every_upstream_partition_and_mapping_errors_say_what_to_do(tmp_path) -> None:
    io = {"io_manager": dg.FilesystemIOManager(base_dir=str(tmp_path))}
    dg.materialize([events], resources=io, partition_key="2024-01-01")
    missing = dg.materialize([events, everything], selection=[everything], resources=io, raise_on_error=False)
    assert not missing.success  # only one of ten partitions exists
    for day in DAILY.get_partition_keys()[1:]:
        dg.materialize([events], resources=io, partition_key=day)
    assert (
        dg.materialize([events, everything], selection=[everything], resources=io).output_for_node("everything") == 10
    )
    first_day = dg.materialize(
        [events, yesterday], selection=[yesterday], resources=io, partition_key="2024-01-01", raise_on_error=False
    )
    failure = next(e for e in first_day.all_events if e.type == "STEP_FAILURE")
    assert "allow_nonexistent_upstream_partitions" in failure.message


def test_static_identity_and_last_mappings() -> None:
    regions = dg.StaticPartitionsDefinition(["eu", "us"])
    sites = dg.StaticPartitionsDefinition(["eu-west", "eu-north", "us-east"])
    mapping = dg.StaticPartitionMapping({"eu-west": "eu", "eu-north": "eu", "us-east": "us"})
    assert mapping.upstream_partition_keys(["eu"], regions, sites) == ["eu-west", "eu-north"]
    assert dg.IdentityPartitionMapping().upstream_partition_keys(["us"], regions, regions) == ["us"]
    assert dg.LastPartitionMapping().upstream_partition_keys(["eu"], regions, sites) == ["us-east"]
    assert dg.AllPartitionMapping().upstream_partition_keys([], None, sites) == ["eu-west", "eu-north", "us-east"]


@dg.asset(partitions_def=DAILY, backfill_policy=dg.BackfillPolicy.single_run())
def daily_totals(context: dg.AssetExecutionContext) -> dict:
    window = context.partition_time_window
    assert (window.end - window.start).days == len(context.partition_keys)
    return {key: len(key) for key in context.partition_keys}


def test_a_range_run_stores_and_reports_every_partition_of_the_range(tmp_path) -> None:
    io = {"io_manager": dg.FilesystemIOManager(base_dir=str(tmp_path))}
    tags = {RANGE_START_TAG: "2024-01-02", RANGE_END_TAG: "2024-01-05"}
    result = dg.materialize([daily_totals], resources=io, tags=tags)
    assert result.success
    partitions = [e.partition_key for e in result.all_events if e.type == "ASSET_MATERIALIZATION"]
    assert partitions == ["2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05"]
    assert sorted(p.name for p in (tmp_path / "daily_totals").iterdir()) == partitions
    context = dg.build_asset_context(
        partition_key_range=dg.PartitionKeyRange("2024-01-02", "2024-01-03"), partitions_def=DAILY
    )
    with pytest.raises(dg.DagsterInvariantViolationError, match="partition_key_range"):
        _ = context.partition_key


def test_backfill_policies() -> None:
    assert dg.BackfillPolicy.single_run().max_partitions_per_run is None
    assert dg.BackfillPolicy.multi_run(5).max_partitions_per_run == 5
    with pytest.raises(ValueError, match="at least 1"):
        dg.BackfillPolicy.multi_run(0)
    assert daily_totals.backfill_policy == dg.BackfillPolicy.single_run()


def test_schedule_from_a_partitioned_job_runs_the_latest_complete_partition() -> None:
    hourly = dg.HourlyPartitionsDefinition(start_date="2024-01-01-00:00", timezone="Europe/Berlin")
    job = dg.define_asset_job("hourly_job", selection=[events], partitions_def=hourly)
    schedule = dg.build_schedule_from_partitioned_job(job, minute_of_hour=5)
    assert schedule.cron_schedule == "5 * * * *" and schedule.execution_timezone == "Europe/Berlin"
    request = schedule(dg.build_schedule_context(datetime(2024, 1, 2, 10, 5, tzinfo=UTC)))
    assert request.partition_key == "2024-01-02-10:00" == request.run_key  # 11:05 in Berlin: 10:00-11:00 is done
    with pytest.raises(dg.DagsterInvalidDefinitionError, match="partitions_def"):
        dg.build_schedule_from_partitioned_job(dg.define_asset_job("plain", selection=[events]))
