"""SDK values to wire values: events, metadata, errors, keys."""

from __future__ import annotations

import json

import sdk as dg
from codeserver.convert import (
    asset_key_from_proto,
    asset_key_to_proto,
    error_to_proto,
    event_from_proto,
    event_to_proto,
    metadata_to_proto,
    run_request_to_proto,
)
from protos.weir.v1 import common_pb2
from sdk.events import ErrorInfo, Event


def test_event_to_proto_keeps_every_field() -> None:
    event = Event(
        "ASSET_CHECK_EVALUATION",
        12.5,
        step_key="s",
        message="m",
        asset_key=("a", "b"),
        partition_key="p",
        metadata={"n": dg.MetadataValue.int(2)},
        check_name="c",
        check_passed=True,
        check_severity="WARN",
        duration_seconds=1.5,
        output_name="result",
        level="INFO",
    )
    msg = event_to_proto(event, "run-1", 7)
    assert (msg.run_id, msg.sequence, msg.type) == ("run-1", 7, common_pb2.ASSET_CHECK_EVALUATION)
    assert list(msg.asset_key.path) == ["a", "b"] and msg.metadata[0].value.int_value == 2
    assert msg.check_severity == "WARN" and msg.duration_seconds == 1.5 and msg.level == "INFO"
    assert event_from_proto(msg) == event


def test_metadata_kinds_map_to_the_oneof() -> None:
    entries = metadata_to_proto(
        {
            "b": True,
            "a": 1,
            "f": 1.5,
            "t": "x",
            "j": {"k": [1]},
            "u": dg.MetadataValue.url("http://h"),
            "p": dg.MetadataValue.path("/x"),
            "md": dg.MetadataValue.md("# h"),
            "n": None,
            "tab": dg.MetadataValue.table([{"c": 1}]),
        }
    )
    by_key = {e.key: e.value for e in entries}
    assert [e.key for e in entries] == sorted(by_key)
    assert by_key["a"].int_value == 1 and by_key["b"].bool_value and by_key["f"].float_value == 1.5
    assert json.loads(by_key["j"].json) == {"k": [1]} and by_key["u"].url == "http://h"
    assert by_key["n"].null_value and json.loads(by_key["tab"].table_json)["records"] == [{"c": 1}]


def test_error_to_proto_keeps_the_cause_chain() -> None:
    try:
        try:
            raise KeyError("inner")
        except KeyError as exc:
            raise ValueError("outer") from exc
    except ValueError as exc:
        msg = error_to_proto(ErrorInfo.from_exception(exc))
    assert msg.type == "ValueError" and msg.cause.type == "KeyError" and "Traceback" in msg.traceback


def test_asset_keys_round_trip_and_run_requests_convert() -> None:
    assert asset_key_from_proto(asset_key_to_proto(dg.AssetKey(["a", "b"]))) == ("a", "b")
    msg = run_request_to_proto(
        dg.RunRequest(
            run_key="k", asset_selection=["x"], tags={"t": 1}, run_config={"ops": {"x": {"config": {"v": 1}}}}
        ),
        "job",
    )
    assert msg.job_name == "job" and msg.tags == {"t": "1"} and json.loads(msg.run_config_json)["ops"]
