"""AssetSelection as Dagster documents it: every method, the checks it selects, and the string syntax
(from_string, and strings given to define_asset_job)."""

from __future__ import annotations

import pytest

import sdk as dg

S = dg.AssetSelection


@dg.asset(group_name="raw", tags={"tier": "gold"}, kinds=["python"], owners=["team:data"])
def events() -> int:
    return 1


@dg.asset(group_name="raw", tags={"pii": ""})
def sessions(events: int) -> int:
    return events


@dg.asset(key_prefix="mart", ins={"sessions": dg.AssetIn("sessions")}, tags={"tier": "silver"})
def daily(sessions: int) -> int:
    return sessions


@dg.asset(ins={"daily": dg.AssetIn(["mart", "daily"])}, kinds=["snowflake"])
def report(daily: int) -> int:
    return daily


vendor = dg.AssetSpec("vendor")


@dg.asset(deps=[vendor])
def vendor_copy() -> None:
    return None


@dg.multi_asset(specs=[dg.AssetSpec("left"), dg.AssetSpec("right")])
def pair() -> None:
    return None


@dg.asset_check(asset=events)
def events_positive(events: int) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=events > 0)


@dg.asset_check(asset=report)
def report_positive(report: int) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=report > 0)


DEFS = dg.Definitions(
    assets=[events, sessions, daily, report, vendor, vendor_copy, pair],
    asset_checks=[events_positive, report_positive],
)
GRAPH = DEFS.asset_graph


def keys(selection: dg.AssetSelection) -> list[str]:
    return sorted(k.to_user_string() for k in selection.resolve(GRAPH))


def checks(selection: dg.AssetSelection) -> list[str]:
    return sorted(k.to_user_string() for k in selection.resolve_checks(GRAPH))


def test_graph_walks_ends_and_neighbors() -> None:
    assert keys(S.keys("report").upstream()) == ["events", "mart/daily", "report", "sessions"]
    assert keys(S.keys("report").upstream(depth=1, include_self=False)) == ["mart/daily"]
    assert keys(S.keys("events").downstream(depth=2)) == ["events", "mart/daily", "sessions"]
    assert keys(S.groups("raw").downstream().sinks()) == ["report"]
    assert keys((S.keys("report").upstream()).roots()) == ["events"]
    assert keys(S.keys("report").upstream().sources()) == ["events"]  # Dagster's older name for roots
    assert keys(S.keys("left").required_multi_asset_neighbors()) == ["left", "right"]
    assert keys(S.keys("vendor_copy").upstream_source_assets()) == ["vendor"]
    assert keys(S.all(include_sources=True) - S.all()) == ["vendor"]
    assert keys(S.all(include_sources=True).materializable()) == keys(S.all())


def test_filters_by_key_group_tag_owner_kind() -> None:
    assert keys(S.key_prefixes("mart")) == ["mart/daily"]
    assert keys(S.key_substring("ess")) == ["sessions"]
    assert keys(S.groups("raw")) == ["events", "sessions"]
    assert keys(S.tag("tier", "gold")) == ["events"]
    assert keys(S.tag_string("tier=silver")) == ["mart/daily"]
    assert keys(S.owner("team:data")) == ["events"]
    assert keys(S.kind("snowflake")) == ["report"]
    assert keys(S.assets(events, daily) & S.groups("raw")) == ["events"]
    assert keys(S.groups("raw") | S.kind("snowflake")) == ["events", "report", "sessions"]
    assert keys(S.all() - S.groups("raw") - S.keys("left", "right")) == ["mart/daily", "report", "vendor_copy"]


def test_checks_follow_their_assets_unless_selected_apart() -> None:
    assert checks(S.groups("raw")) == ["events:events_positive"]
    assert checks(S.groups("raw").without_checks()) == []
    assert checks(S.all_asset_checks()) == ["events:events_positive", "report:report_positive"]
    assert keys(S.all_asset_checks()) == []
    assert checks(S.checks_for_assets(report)) == ["report:report_positive"]
    assert checks(S.checks(events_positive)) == ["events:events_positive"]
    assert checks(S.all() - S.checks_for_assets(events)) == ["report:report_positive"]
    job = dg.Definitions(
        assets=[events, report, daily, sessions],
        asset_checks=[events_positive, report_positive],
        jobs=[dg.define_asset_job("only_checks", S.checks_for_assets(report))],
    ).resolve_job_def("only_checks")
    assert sorted(k.to_user_string() for k in job.check_keys) == ["report:report_positive"]
    assert job.asset_keys == frozenset()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tag:pii", ["sessions"]),  # Dagster: the tag with an empty value (a label)
        ("tag:tier", []),
        ("tag:tier=gold", ["events"]),
        ('tag:"tier"="silver"', ["mart/daily"]),
        ("group:raw", ["events", "sessions"]),
        ("kind:snowflake", ["report"]),
        ('owner:"team:data"', ["events"]),
        ('key:"mart/daily"', ["mart/daily"]),
        ("key:mart*", ["mart/daily"]),
        ("+key:report", ["events", "mart/daily", "report", "sessions"]),
        ("1+key:report", ["mart/daily", "report"]),
        ("key:events+", ["events", "mart/daily", "report", "sessions"]),
        ("key:events+1", ["events", "sessions"]),
        ("+report", ["mart/daily", "report"]),  # the plain list: one layer per +
        ("*report", ["events", "mart/daily", "report", "sessions"]),
        ("events*", ["events", "mart/daily", "report", "sessions"]),
        ("sessions++", ["mart/daily", "report", "sessions"]),
        ("events, report", ["events", "report"]),
        ("group:raw and not key:events", ["sessions"]),
        ("group:raw or kind:snowflake", ["events", "report", "sessions"]),
        ("roots(key:events+)", ["events"]),
        ("sinks(group:raw)", ["sessions"]),
        ("(group:raw or key:report) and tag:tier=gold", ["events"]),
    ],
)
def test_from_string(text: str, expected: list[str]) -> None:
    assert keys(S.from_string(text)) == expected


def test_from_string_errors_name_the_column_and_the_fix() -> None:
    with pytest.raises(dg.DagsterInvalidDefinitionError, match="unknown filter color:"):
        S.from_string("color:red")
    with pytest.raises(dg.DagsterInvalidDefinitionError, match=r"write 1\+key or \+key:name"):
        S.from_string("+report and group:raw")
    with pytest.raises(dg.DagsterInvalidDefinitionError, match="column 11"):
        S.from_string("group:raw garbage")


def test_define_asset_job_takes_a_selection_string() -> None:
    defs = dg.Definitions(assets=[events, sessions, daily, report], jobs=[dg.define_asset_job("raw", "group:raw")])
    job = defs.resolve_job_def("raw")
    assert sorted(k.to_user_string() for k in job.asset_keys) == ["events", "sessions"]
    assert job.execute_in_process().success
    assert DEFS.get_implicit_global_asset_job_def().asset_keys == frozenset(GRAPH.executable_keys)
