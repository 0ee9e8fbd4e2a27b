"""Dagster's older config schema (Field, Shape, Permissive, Selector, Array, Noneable, Map, Enum, the *Source
env forms, config_schema= given a dict or a type, ConfigMapping) as Dagster's docs describe it: the function
reads plain values with defaults filled, every problem is reported with its config path before any step runs,
and the snapshot's JSON Schema makes the host refuse the same bad launches."""

from __future__ import annotations

import enum
import json
import re

import pytest

import sdk as dg


def _op_config_of(schema, run_config=None):  # type: ignore[no-untyped-def]
    """What context.op_config holds for a one-op job with this config_schema."""

    @dg.op(config_schema=schema)
    def probe(context):  # type: ignore[no-untyped-def]
        return context.op_config

    @dg.job
    def probe_job():  # type: ignore[no-untyped-def]
        probe()

    ops = {} if run_config is None else {"ops": {"probe": {"config": run_config}}}
    return probe_job.execute_in_process(run_config=ops).output_for_node("probe")


def test_fields_fill_defaults_noneable_and_nested_shapes() -> None:
    schema = {
        "word": str,
        "repeats": dg.Field(int, default_value=1, description="how many times"),
        "limit": dg.Noneable(int),
        "maybe": dg.Field(str, is_required=False),
        "retry": {"attempts": dg.Field(int, default_value=3), "delay": dg.Field(float, default_value=0.5)},
    }
    assert _op_config_of(schema, {"word": "hi"}) == {
        "word": "hi",
        "repeats": 1,
        "limit": None,
        "retry": {"attempts": 3, "delay": 0.5},
    }
    given = {"word": "a", "repeats": 4, "limit": 7, "maybe": "m", "retry": {"attempts": 1}}
    assert _op_config_of(schema, given)["retry"] == {"attempts": 1, "delay": 0.5}
    assert _op_config_of(schema, given)["maybe"] == "m"


def test_every_problem_is_reported_with_its_path_before_any_step() -> None:
    calls: list[int] = []

    @dg.op(config_schema={"word": str, "repeats": int, "retry": {"attempts": int}})
    def strict(context) -> None:  # type: ignore[no-untyped-def]
        calls.append(1)

    @dg.job
    def strict_job():  # type: ignore[no-untyped-def]
        strict()

    bad = {"repeats": "three", "retry": {"attempts": True, "extra": 1}, "wrod": "typo"}
    with pytest.raises(dg.DagsterInvalidConfigError) as caught:
        strict_job.execute_in_process(run_config={"ops": {"strict": {"config": bad}}})
    message = str(caught.value)
    assert 'ops.strict.config.word: missing required field "word" (expected str)' in message
    assert "ops.strict.config.repeats: expected int, got 'three'" in message
    assert "ops.strict.config.retry.attempts: expected int, got True" in message  # a bool is not an int
    assert 'ops.strict.config.retry.extra: unexpected field "extra"; the fields are: attempts' in message
    assert 'ops.strict.config.wrod: unexpected field "wrod"; the fields are: word, repeats, retry' in message
    result = strict_job.execute_in_process(raise_on_error=False)
    assert [e.type for e in result.all_events] == ["RUN_START", "RUN_FAILURE"] and calls == []


def test_permissive_passes_undeclared_keys_and_shape_rejects_them() -> None:
    assert _op_config_of(dg.Permissive({"known": int}), {"known": 1, "other": [1]}) == {"known": 1, "other": [1]}
    assert _op_config_of(dict, {"anything": {"goes": 1}}) == {"anything": {"goes": 1}}
    with pytest.raises(dg.DagsterInvalidConfigError, match=re.escape('config.other: unexpected field "other"')):
        _op_config_of(dg.Shape({"known": int}), {"known": 1, "other": 2})
    with pytest.raises(dg.DagsterInvalidConfigError, match=re.escape("config.known: expected int, got 'x'")):
        _op_config_of(dg.Permissive({"known": int}), {"known": "x"})


def test_selector_takes_exactly_one_choice() -> None:
    source = dg.Selector(
        {"csv": {"path": str}, "table": {"name": str, "schema": dg.Field(str, default_value="public")}}
    )
    assert _op_config_of({"source": source}, {"source": {"table": {"name": "t"}}}) == {
        "source": {"table": {"name": "t", "schema": "public"}}
    }
    with pytest.raises(
        dg.DagsterInvalidConfigError, match=re.escape("config.source: choose exactly one of: csv, table")
    ):
        _op_config_of({"source": source}, {"source": {"csv": {"path": "a"}, "table": {"name": "t"}}})
    with pytest.raises(
        dg.DagsterInvalidConfigError, match=re.escape("config.source: choose one of: csv, table; got none")
    ):
        _op_config_of({"source": source}, {"source": {}})
    with pytest.raises(dg.DagsterInvalidConfigError, match=re.escape('config.source.json: unexpected field "json"')):
        _op_config_of({"source": source}, {"source": {"json": {}}})
    greeting = dg.Field(
        dg.Selector({"en": {"whom": dg.Field(str, default_value="world")}, "fr": {"whom": str}}),
        default_value={"en": {}},
    )
    assert _op_config_of({"greeting": greeting}, {}) == {"greeting": {"en": {"whom": "world"}}}


class Color(enum.Enum):
    RED = 1
    BLUE = 2


def test_arrays_maps_enums_and_scalar_schemas() -> None:
    schema = {
        "tags": [str],
        "sizes": dg.Array(dg.Noneable(int)),
        "weights": {str: float},
        "mode": dg.Enum("Mode", [dg.EnumValue("fast", python_value=1), dg.EnumValue("exact")]),
        "color": dg.Field(dg.Enum.from_python_enum(Color), default_value="BLUE"),
        "anything": dg.Field(dg.Any, is_required=False),
        "flags": list,
    }
    given = {
        "tags": ["a"],
        "sizes": [1, None],
        "weights": {"x": 1},
        "mode": "fast",
        "anything": None,
        "flags": [1, "b"],
    }
    assert _op_config_of(schema, given) == {**given, "mode": 1, "color": Color.BLUE}
    bad = {**given, "tags": ["a", 2], "sizes": "1", "weights": {"x": "heavy"}, "mode": "slow"}
    with pytest.raises(dg.DagsterInvalidConfigError) as caught:
        _op_config_of(schema, bad)
    message = str(caught.value)
    assert "ops.probe.config.tags[1]: expected str, got 2" in message
    assert "ops.probe.config.sizes: expected a list of int or None, got '1'" in message
    assert "ops.probe.config.weights.x: expected float, got 'heavy'" in message
    assert "ops.probe.config.mode: expected one of 'fast', 'exact', got 'slow'" in message
    assert _op_config_of(int, 5) == 5 and _op_config_of(str, "s") == "s" and _op_config_of(dg.Float, 2) == 2
    with pytest.raises(
        dg.DagsterInvalidConfigError, match=r"ops\.probe\.config: missing required config \(expected int\)"
    ):
        _op_config_of(int)
    with pytest.raises(dg.DagsterInvalidConfigError, match=re.escape("ops.probe.config: expected str, got 5")):
        _op_config_of(str, 5)


def test_source_types_read_the_environment_when_the_run_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    schema = {"token": dg.StringSource, "port": dg.IntSource, "debug": dg.BoolSource}
    monkeypatch.setenv("WEIR_LEGACY_TOKEN", "s3cret")
    monkeypatch.setenv("WEIR_LEGACY_PORT", "5432")
    monkeypatch.setenv("WEIR_LEGACY_DEBUG", "false")
    from_env = {
        "token": {"env": "WEIR_LEGACY_TOKEN"},
        "port": {"env": "WEIR_LEGACY_PORT"},
        "debug": {"env": "WEIR_LEGACY_DEBUG"},
    }
    assert _op_config_of(schema, from_env) == {"token": "s3cret", "port": 5432, "debug": False}
    assert _op_config_of(schema, {"token": "t", "port": 1, "debug": True}) == {"token": "t", "port": 1, "debug": True}
    monkeypatch.setenv("WEIR_LEGACY_PORT", "not-a-number")
    monkeypatch.delenv("WEIR_LEGACY_TOKEN")
    with pytest.raises(dg.DagsterInvalidConfigError) as caught:
        _op_config_of(schema, {**from_env, "debug": "yes"})
    message = str(caught.value)
    assert 'ops.probe.config.token: Environment variable "WEIR_LEGACY_TOKEN" is not set' in message
    assert 'ops.probe.config.port: the value of environment variable "WEIR_LEGACY_PORT" is not a valid int' in message
    assert "not-a-number" not in message  # the value may be a secret
    assert "ops.probe.config.debug: expected bool or {'env': NAME}, got 'yes'" in message
    with pytest.raises(dg.DagsterInvalidConfigError, match=re.escape("expected str, got {'env': 'X'}")):
        _op_config_of({"plain": str}, {"plain": {"env": "X"}})  # only the *Source types read the environment


def test_asset_config_schema_through_materialize() -> None:
    @dg.asset(config_schema={"rows": dg.Field(int, default_value=10)})
    def table(context) -> int:  # type: ignore[no-untyped-def]
        return context.op_config["rows"]

    assert dg.materialize([table]).output_for_node("table") == 10
    assert dg.materialize([table], run_config={"ops": {"table": {"config": {"rows": 3}}}}).output_for_node("table") == 3
    with pytest.raises(dg.DagsterInvalidConfigError, match=re.escape("ops.table.config.rows: expected int, got 'x'")):
        dg.materialize([table], run_config={"ops": {"table": {"config": {"rows": "x"}}}})


def test_malformed_schemas_are_refused_when_defined() -> None:
    with pytest.raises(dg.DagsterInvalidDefinitionError, match=re.escape("required and has a default_value")):
        dg.Field(int, default_value=1, is_required=True)
    with pytest.raises(dg.DagsterInvalidDefinitionError, match=re.escape("Invalid default_value for Field")):
        dg.Field(int, default_value="one")
    with pytest.raises(dg.DagsterInvalidDefinitionError, match=r"Optional\[...\] is not a config type"):
        dg.op(config_schema={"x": int | None})(lambda context: None)
    with pytest.raises(dg.DagsterInvalidDefinitionError, match=re.escape("exactly one type")):
        dg.op(config_schema={"x": [int, str]})(lambda context: None)
    with pytest.raises(
        dg.DagsterInvalidDefinitionError,
        match=re.escape("config_schema of \"named\": <class 'object'> is not a config type"),
    ):
        dg.op(name="named", config_schema=object)(lambda context: None)


@dg.op(config_schema={"config_param": str})
def do_something(context) -> str:  # type: ignore[no-untyped-def]
    return context.op_config["config_param"]


class Simplified(dg.Config):
    param: str


def test_job_config_mapping_takes_the_whole_run_config() -> None:
    def simplified(val):  # type: ignore[no-untyped-def]
        return {"ops": {"do_something": {"config": {"config_param": val["simplified_param"]}}}}

    @dg.job(config=dg.ConfigMapping(config_fn=simplified, config_schema={"simplified_param": str}))
    def simple_job():  # type: ignore[no-untyped-def]
        do_something()

    result = simple_job.execute_in_process(run_config={"simplified_param": "stuff"})
    assert result.output_for_node("do_something") == "stuff"
    with pytest.raises(
        dg.DagsterInvalidConfigError, match=re.escape("run_config.simplified_param: expected str, got 1")
    ):
        simple_job.execute_in_process(run_config={"simplified_param": 1})

    @dg.config_mapping
    def typed(val: Simplified) -> dg.RunConfig:
        return dg.RunConfig(ops={"do_something": {"config": {"config_param": val.param.upper()}}})

    @dg.job(config=typed)
    def typed_job():  # type: ignore[no-untyped-def]
        do_something()

    assert typed_job.execute_in_process(run_config={"param": "x"}).output_for_node("do_something") == "X"


def test_graph_config_mapping_maps_its_own_config_to_its_ops() -> None:
    @dg.graph(
        config=dg.ConfigMapping(
            config_fn=lambda cfg: {"do_something": {"config": {"config_param": cfg["word"] * cfg["times"]}}},
            config_schema={"word": str, "times": dg.Field(int, default_value=2)},
        )
    )
    def doubled():  # type: ignore[no-untyped-def]
        return do_something()

    @dg.job
    def outer():  # type: ignore[no-untyped-def]
        doubled()

    result = outer.execute_in_process(run_config={"ops": {"doubled": {"config": {"word": "ha"}}}})
    assert result.output_for_node("doubled.do_something") == "haha"
    with pytest.raises(
        dg.DagsterInvalidConfigError, match=re.escape('ops.doubled.config.word: missing required field "word"')
    ):
        outer.execute_in_process(run_config={"ops": {"doubled": {"config": {}}}})
    as_job = doubled.to_job()  # the graph is the job: its config sits at ops.config
    assert (
        as_job.execute_in_process(run_config={"ops": {"config": {"word": "o"}}}).output_for_node("do_something") == "oo"
    )
    failing = dg.ConfigMapping(config_fn=lambda cfg: cfg["nope"], config_schema={"word": str})
    with pytest.raises(dg.DagsterInvalidConfigError, match=re.escape("The config mapping of the job raised KeyError")):
        dg.job(config=failing)(lambda: do_something()).execute_in_process(run_config={"word": "w"})


# the same schemas, checked by the host against the snapshot's JSON Schema before a run exists
SNAPSHOT_CODE_CASES = [
    ({"ops": {"probe": {"config": {"word": "a", "src": {"env": "X"}, "pick": {"b": 1}}}}}, None),
    (
        {"ops": {"probe": {"config": {"word": 1, "src": "s", "pick": {"b": 1}}}}},
        "ops.probe.config.word: 1 is not of type 'string'",
    ),
    ({"ops": {"probe": {"config": {"word": "a", "src": {"env": 1}, "pick": {"b": 1}}}}}, "ops.probe.config.src"),
    ({"ops": {"probe": {"config": {"word": "a", "src": "s", "pick": {"a": 1, "b": 2}}}}}, "ops.probe.config.pick"),
    ({"ops": {"probe": {"config": {"word": "a", "src": "s", "pick": {"b": 1}, "x": 1}}}}, "Additional properties"),
    ({"ops": {"probe": {"config": {"src": "s", "pick": {"b": 1}}}}}, "'word' is a required property"),
    (
        {"ops": {"probe": {"config": {"word": "a", "src": "s", "pick": {"b": 1}, "mode": "slow"}}}},
        "'slow' is not one of",
    ),
    ({}, "'ops' is a required property"),
]


def test_the_snapshot_schema_lets_the_host_refuse_bad_launches() -> None:
    from codeserver.snapshot import build_snapshot
    from host.domain.runs import check_config
    from host.errors import ConfigError
    from protos.weir.v1 import snapshot_pb2

    @dg.op(
        config_schema={
            "word": str,
            "src": dg.StringSource,
            "pick": dg.Selector({"a": int, "b": int}),
            "limit": dg.Noneable(int),
            "mode": dg.Field(dg.Enum("Mode", [dg.EnumValue("fast"), dg.EnumValue("exact")]), default_value="fast"),
        },
        required_resource_keys={"db"},
    )
    def probe(context) -> None:  # type: ignore[no-untyped-def]
        return None

    @dg.job
    def legacy_job():  # type: ignore[no-untyped-def]
        probe()

    @dg.resource(config_schema={"port": dg.IntSource})
    def db(context):  # type: ignore[no-untyped-def]
        return context.resource_config["port"]

    mapped = dg.job(name="mapped_job", config=dg.ConfigMapping(config_fn=lambda c: {}, config_schema={"day": str}))(
        lambda: do_something()
    )
    snapshot = snapshot_pb2.Snapshot()
    snapshot.ParseFromString(
        build_snapshot(dg.Definitions(jobs=[legacy_job, mapped], resources={"db": db}), "loc").data
    )
    jobs = {j.name: j for j in snapshot.jobs}
    for run_config, refusal in SNAPSHOT_CODE_CASES:
        if refusal is None:
            check_config(jobs["legacy_job"], json.dumps(run_config))
            continue
        with pytest.raises(ConfigError) as caught:
            check_config(jobs["legacy_job"], json.dumps(run_config))
        assert refusal in str(caught.value), (run_config, str(caught.value))
    resource_bad = {**SNAPSHOT_CODE_CASES[0][0], "resources": {"db": {"config": {"port": "5432"}}}}
    with pytest.raises(ConfigError, match=re.escape("resources.db.config.port")):
        check_config(jobs["legacy_job"], json.dumps(resource_bad))
    check_config(
        jobs["legacy_job"], json.dumps({**resource_bad, "resources": {"db": {"config": {"port": {"env": "P"}}}}})
    )
    check_config(jobs["mapped_job"], json.dumps({"day": "mon"}))
    with pytest.raises(ConfigError, match=re.escape("day: 1 is not of type 'string'")):
        check_config(jobs["mapped_job"], json.dumps({"day": 1}))
    resource = next(r for r in snapshot.resources if r.key == "db")
    assert json.loads(resource.config_schema)["properties"]["port"]["anyOf"][0] == {"type": "integer"}
