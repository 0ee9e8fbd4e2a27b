"""Config validated before execution; resources set up, passed by name, and always torn down."""

from __future__ import annotations

import pytest

import sdk as dg


class Params(dg.Config):
    factor: int = 2
    name: str


@dg.asset
def configured(config: Params) -> str:
    return f"{config.name}:{config.factor}"


def test_dict_and_run_config_forms() -> None:
    r1 = dg.materialize([configured], run_config={"ops": {"configured": {"config": {"name": "a"}}}})
    r2 = dg.materialize([configured], run_config=dg.RunConfig(ops={"configured": Params(name="b", factor=3)}))
    assert r1.output_for_node("configured") == "a:2" and r2.output_for_node("configured") == "b:3"


def test_wrong_type_names_field_and_expected_type_before_any_step() -> None:
    with pytest.raises(dg.DagsterInvalidConfigError, match=r"ops\.configured\.config\.factor: expected int"):
        dg.materialize([configured], run_config={"ops": {"configured": {"config": {"name": "a", "factor": "x"}}}})
    result = dg.materialize([configured], raise_on_error=False)
    assert [e.type for e in result.all_events] == ["RUN_START", "RUN_FAILURE"]
    assert 'missing required field "name" (expected str)' in result.all_events[-1].message


def test_unknown_field_and_unknown_op_are_rejected() -> None:
    with pytest.raises(dg.DagsterInvalidConfigError, match='unexpected field "nmae"'):
        dg.materialize([configured], run_config={"ops": {"configured": {"config": {"nmae": "a"}}}})
    with pytest.raises(dg.DagsterInvalidConfigError, match="no op named 'other'"):
        dg.materialize([configured], run_config={"ops": {"other": {"config": {}}}})


class Client(dg.ConfigurableResource):
    token: str


class Broken(dg.ConfigurableResource):
    def setup_for_execution(self, context) -> None:
        raise ConnectionError("db down")


def test_env_var_is_read_when_the_run_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    @dg.asset
    def uses(client: Client) -> str:
        return client.token

    monkeypatch.setenv("WEIR_TEST_TOKEN", "s3cret")
    result = dg.materialize([uses], resources={"client": Client(token=dg.EnvVar("WEIR_TEST_TOKEN"))})
    assert result.output_for_node("uses") == "s3cret"
    monkeypatch.delenv("WEIR_TEST_TOKEN")
    with pytest.raises(dg.DagsterInvalidConfigError, match='Environment variable "WEIR_TEST_TOKEN" is not set'):
        dg.materialize([uses], resources={"client": Client(token=dg.EnvVar("WEIR_TEST_TOKEN"))})


LIFECYCLE: list[str] = []


class Tracked(dg.ConfigurableResource):
    label: str = "t"

    def setup_for_execution(self, context) -> None:
        LIFECYCLE.append(f"setup:{self.label}")

    def teardown_after_execution(self, context) -> None:
        LIFECYCLE.append(f"teardown:{self.label}")


def test_teardown_runs_also_when_a_step_fails() -> None:
    LIFECYCLE.clear()

    @dg.asset
    def fails(res: Tracked) -> int:
        raise RuntimeError("boom")

    result = dg.materialize([fails], resources={"res": Tracked()}, raise_on_error=False)
    assert not result.success and LIFECYCLE == ["setup:t", "teardown:t"]


def test_resource_config_from_run_config_and_required_resource_keys() -> None:
    @dg.asset(required_resource_keys={"res"})
    def legacy(context) -> str:
        return context.resources.res.label

    result = dg.materialize(
        [legacy], resources={"res": Tracked()}, run_config={"resources": {"res": {"config": {"label": "from-config"}}}}
    )
    assert result.output_for_node("legacy") == "from-config"


def test_resource_whose_setup_raises_fails_the_run_naming_it() -> None:
    @dg.asset
    def needs(db: Broken) -> int:
        return 1

    result = dg.materialize([needs], resources={"db": Broken()}, raise_on_error=False)
    assert result.all_events[-1].type == "RUN_FAILURE"
    assert 'Resource "db" failed to set up: ConnectionError: db down' in result.all_events[-1].message
    with pytest.raises(dg.DagsterResourceFunctionError, match="db down"):
        dg.materialize([needs], resources={"db": Broken()})


def test_missing_resource_is_named() -> None:
    @dg.asset(required_resource_keys={"warehouse"})
    def needs_wh(context) -> int:
        return 1

    with pytest.raises(dg.DagsterInvalidDefinitionError, match='needs resource "warehouse"'):
        dg.materialize([needs_wh])


def test_function_resource_with_generator_teardown() -> None:
    events: list[str] = []

    @dg.resource
    def conn(context):
        events.append("open")
        yield "connection"
        events.append("close")

    @dg.asset(required_resource_keys={"conn"})
    def reads(context) -> str:
        return context.resources.conn

    assert dg.materialize([reads], resources={"conn": conn}).output_for_node("reads") == "connection"
    assert events == ["open", "close"]


def test_config_is_a_pydantic_model_with_json_schema() -> None:
    import pydantic

    assert issubclass(dg.Config, pydantic.BaseModel)
    assert Params.model_json_schema()["required"] == ["name"]


class Credentials(dg.Config):
    password: str


class Warehouse(dg.ConfigurableResource):
    client: Client
    credentials: Credentials
    hosts: list[str] = []


class ProdClient(Client):
    region: str = "eu"


def test_env_var_in_a_nested_resource_or_config_is_read_when_the_run_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    @dg.asset
    def uses(warehouse: Warehouse) -> tuple:
        return (warehouse.client.token, warehouse.credentials.password, warehouse.hosts, type(warehouse.client))

    warehouse = Warehouse(
        client=ProdClient(token=dg.EnvVar("WEIR_TEST_TOKEN")),
        credentials=Credentials(password=dg.EnvVar("WEIR_TEST_PASSWORD")),
        hosts=["fixed", dg.EnvVar("WEIR_TEST_HOST")],
    )
    monkeypatch.setenv("WEIR_TEST_TOKEN", "s3cret")
    monkeypatch.setenv("WEIR_TEST_PASSWORD", "hunter2")
    monkeypatch.setenv("WEIR_TEST_HOST", "db.internal")
    result = dg.materialize([uses], resources={"warehouse": warehouse})
    assert result.output_for_node("uses") == ("s3cret", "hunter2", ["fixed", "db.internal"], ProdClient)
    monkeypatch.delenv("WEIR_TEST_PASSWORD")
    with pytest.raises(dg.DagsterInvalidConfigError, match='Environment variable "WEIR_TEST_PASSWORD" is not set'):
        dg.materialize([uses], resources={"warehouse": warehouse})


def test_env_var_in_op_config_given_as_a_config_object(monkeypatch: pytest.MonkeyPatch) -> None:
    @dg.asset
    def login(config: Credentials) -> str:
        return config.password

    monkeypatch.setenv("WEIR_TEST_PASSWORD", "hunter2")
    run_config = dg.RunConfig(ops={"login": Credentials(password=dg.EnvVar("WEIR_TEST_PASSWORD"))})
    assert dg.materialize([login], run_config=run_config).output_for_node("login") == "hunter2"
    assert run_config.to_config_dict() == {"ops": {"login": {"config": {"password": {"env": "WEIR_TEST_PASSWORD"}}}}}
