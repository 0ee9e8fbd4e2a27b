"""Resources of the older style, as Dagster's docs describe them: @resource with config_schema and
required_resource_keys, generator teardown, ResourceDefinition's helpers and .configured(), @io_manager with
config, ConfigurableIOManager, the legacy adapters, ResourceDependency, configure_at_launch() in nested
resources, and build_init_resource_context for calling a resource in a test."""

from __future__ import annotations

import re
from typing import Any
from unittest import mock

import pytest

import sdk as dg

EVENTS: list[str] = []


@dg.resource(config_schema={"url": dg.StringSource, "pool": dg.Field(int, default_value=2)})
def database(init_context):  # type: ignore[no-untyped-def]
    config = init_context.resource_config
    EVENTS.append(f"open {config['url']} pool={config['pool']}")
    yield f"conn({config['url']})"
    EVENTS.append("close database")


@dg.resource(required_resource_keys={"database"})
def repository(init_context):  # type: ignore[no-untyped-def]
    return f"repo over {init_context.resources.database}"


@dg.asset(required_resource_keys={"repository"})
def report(context) -> str:  # type: ignore[no-untyped-def]
    EVENTS.append("report")
    return context.resources.repository


def test_resource_config_required_resources_and_teardown_after_the_run(monkeypatch: pytest.MonkeyPatch) -> None:
    EVENTS.clear()
    monkeypatch.setenv("WEIR_LEGACY_DB_URL", "pg://db")
    run_config = {"resources": {"database": {"config": {"url": {"env": "WEIR_LEGACY_DB_URL"}}}}}
    result = dg.materialize([report], resources={"database": database, "repository": repository}, run_config=run_config)
    assert result.output_for_node("report") == "repo over conn(pg://db)"
    assert EVENTS == ["open pg://db pool=2", "report", "close database"]


def test_resource_config_errors_name_the_path_before_any_step() -> None:
    EVENTS.clear()
    resources = {"database": database, "repository": repository}
    bad = {"resources": {"database": {"config": {"url": 5, "pool": "two", "timeout": 1}}}}
    with pytest.raises(dg.DagsterInvalidConfigError) as caught:
        dg.materialize([report], resources=resources, run_config=bad)
    message = str(caught.value)
    assert "resources.database.config.url: expected str or {'env': NAME}, got 5" in message
    assert "resources.database.config.pool: expected int, got 'two'" in message
    assert 'resources.database.config.timeout: unexpected field "timeout"; the fields are: url, pool' in message
    with pytest.raises(
        dg.DagsterInvalidConfigError, match=re.escape("resources.database.config.url: missing required")
    ):
        dg.materialize([report], resources=resources)
    assert EVENTS == []


def test_calling_a_resource_directly_with_an_init_context() -> None:
    EVENTS.clear()
    with database(dg.build_init_resource_context(config={"url": "sqlite://"})) as conn:
        assert conn == "conn(sqlite://)" and EVENTS == ["open sqlite:// pool=2"]
    assert EVENTS[-1] == "close database"
    context = dg.build_init_resource_context(resources={"database": "fake-conn"})
    assert repository(context) == "repo over fake-conn"
    with pytest.raises(dg.DagsterInvalidInvocationError, match=re.escape("requires resources ['database']")):
        repository(dg.build_init_resource_context())
    with pytest.raises(dg.DagsterInvalidConfigError, match=re.escape("resource config.pool: expected int, got 'x'")):
        database(dg.build_init_resource_context(config={"url": "u", "pool": "x"}))

    @dg.resource
    def no_context() -> str:
        return "plain"

    assert no_context() == "plain"
    assert dg.materialize([_uses("thing")], resources={"thing": no_context}).output_for_node("uses_thing") == "plain"


def _uses(key: str) -> Any:
    @dg.asset(name=f"uses_{key}", required_resource_keys={key})
    def uses(context):  # type: ignore[no-untyped-def]
        return getattr(context.resources, key)

    return uses


def test_resource_definition_helpers() -> None:
    client = object()
    helpers = {
        "hard": dg.ResourceDefinition.hardcoded_resource(client, "a client built elsewhere"),
        "nothing": dg.ResourceDefinition.none_resource(),
        "mocked": dg.ResourceDefinition.mock_resource(),
        "text": dg.ResourceDefinition.string_resource(),
    }
    assets = [_uses(k) for k in helpers]
    result = dg.materialize(assets, resources=helpers, run_config={"resources": {"text": {"config": "hello"}}})
    assert result.output_for_node("uses_hard") is client and helpers["hard"].description == "a client built elsewhere"
    assert result.output_for_node("uses_nothing") is None
    assert isinstance(result.output_for_node("uses_mocked"), mock.MagicMock)
    assert result.output_for_node("uses_text") == "hello"


def test_configured_gives_config_in_code_or_maps_a_smaller_schema() -> None:
    fixed = database.configured({"url": "pg://fixed", "pool": 9})
    result = dg.materialize([report], resources={"database": fixed, "repository": repository})
    assert result.output_for_node("report") == "repo over conn(pg://fixed)"
    with pytest.raises(dg.DagsterInvalidConfigError, match=re.escape("given its config in code with .configured()")):
        dg.materialize(
            [report],
            resources={"database": fixed, "repository": repository},
            run_config={"resources": {"database": {"config": {"url": "other"}}}},
        )

    @dg.configured(database, config_schema={"host": str})
    def local_database(config: dict) -> dict:
        return {"url": f"pg://{config['host']}/app"}

    run_config = {"resources": {"database": {"config": {"host": "localhost"}}}}
    result = dg.materialize(
        [report], resources={"database": local_database, "repository": repository}, run_config=run_config
    )
    assert result.output_for_node("report") == "repo over conn(pg://localhost/app)"
    with pytest.raises(dg.DagsterInvalidConfigError, match=re.escape("resources.database.config.host: expected str")):
        dg.materialize(
            [report],
            resources={"database": local_database, "repository": repository},
            run_config={"resources": {"database": {"config": {"host": 1}}}},
        )
    with pytest.raises(dg.DagsterInvalidConfigError, match="expected int"):
        database.configured({"url": "u", "pool": "many"})  # checked where it is written


STORE: dict[str, Any] = {}


class KeyValueIOManager(dg.IOManager):
    """An IO manager of the older style: a plain class built by an @io_manager function."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def handle_output(self, context: dg.OutputContext, obj: Any) -> None:
        STORE[self.prefix + context.asset_key.to_user_string()] = obj

    def load_input(self, context: dg.InputContext) -> Any:
        return STORE[self.prefix + context.upstream_output.asset_key.to_user_string()]


@dg.io_manager(config_schema={"prefix": dg.Field(str, default_value="default/")})
def key_value_io_manager(init_context):  # type: ignore[no-untyped-def]
    return KeyValueIOManager(init_context.resource_config["prefix"])


@dg.asset
def upstream() -> int:
    return 1


@dg.asset
def downstream(upstream: int) -> int:
    return upstream + 1


def test_io_manager_function_with_config_from_code_and_from_run_config() -> None:
    STORE.clear()
    assert dg.materialize([upstream, downstream], resources={"io_manager": key_value_io_manager}).success
    assert STORE == {"default/upstream": 1, "default/downstream": 2}
    STORE.clear()
    run_config = {"resources": {"io_manager": {"config": {"prefix": "rc/"}}}}
    dg.materialize([upstream, downstream], resources={"io_manager": key_value_io_manager}, run_config=run_config)
    assert STORE == {"rc/upstream": 1, "rc/downstream": 2}
    STORE.clear()
    fixed = dg.IOManagerDefinition.hardcoded_io_manager(KeyValueIOManager("hard/"))
    dg.materialize([upstream, downstream], resources={"io_manager": fixed})
    assert STORE == {"hard/upstream": 1, "hard/downstream": 2}


class PrefixIOManager(dg.ConfigurableIOManager):
    prefix: str

    def handle_output(self, context: dg.OutputContext, obj: Any) -> None:
        STORE[self.prefix + context.asset_key.to_user_string()] = obj

    def load_input(self, context: dg.InputContext) -> Any:
        return STORE[self.prefix + context.upstream_output.asset_key.to_user_string()]


class AdaptedIOManager(dg.ConfigurableLegacyIOManagerAdapter):
    prefix: str

    @property
    def wrapped_io_manager(self) -> dg.IOManagerDefinition:
        return key_value_io_manager


def test_configurable_io_manager_and_the_legacy_adapter(monkeypatch: pytest.MonkeyPatch) -> None:
    STORE.clear()
    run_config = {"resources": {"io_manager": {"config": {"prefix": "launch/"}}}}
    io_manager = PrefixIOManager.configure_at_launch()
    dg.materialize([upstream, downstream], resources={"io_manager": io_manager}, run_config=run_config)
    assert STORE == {"launch/upstream": 1, "launch/downstream": 2}
    STORE.clear()
    monkeypatch.setenv("WEIR_LEGACY_PREFIX", "env/")
    adapted = AdaptedIOManager(prefix=dg.EnvVar("WEIR_LEGACY_PREFIX"))
    assert dg.materialize([upstream, downstream], resources={"io_manager": adapted}).success
    assert STORE == {"env/upstream": 1, "env/downstream": 2}


class AdaptedDatabase(dg.ConfigurableLegacyResourceAdapter):
    url: str

    @property
    def wrapped_resource(self) -> dg.ResourceDefinition:
        return database


def test_legacy_resource_adapter_tears_down_the_wrapped_generator() -> None:
    EVENTS.clear()
    result = dg.materialize([_uses("db")], resources={"db": AdaptedDatabase(url="mysql://a")})
    assert result.output_for_node("uses_db") == "conn(mysql://a)"
    assert EVENTS == ["open mysql://a pool=2", "close database"]


class Engine:
    def __init__(self, url: str) -> None:
        self.url = url


@dg.resource(config_schema={"url": str})
def engine(init_context):  # type: ignore[no-untyped-def]
    EVENTS.append("engine up")
    yield Engine(init_context.resource_config["url"])
    EVENTS.append("engine down")


class Warehouse(dg.ConfigurableResource):
    engine: dg.ResourceDependency[Engine]
    schema_name: str = "public"

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        EVENTS.append("warehouse up")

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        EVENTS.append("warehouse down")


def test_resource_dependency_on_a_function_resource_shares_the_bound_one() -> None:
    EVENTS.clear()

    @dg.asset(required_resource_keys={"engine"})
    def both(context, warehouse: Warehouse) -> bool:  # type: ignore[no-untyped-def]
        return warehouse.engine is context.resources.engine and warehouse.engine.url == "pg://w"

    resources = {"engine": engine, "warehouse": Warehouse(engine=engine)}
    run_config = {"resources": {"engine": {"config": {"url": "pg://w"}}}}
    assert dg.materialize([both], resources=resources, run_config=run_config).output_for_node("both") is True
    assert EVENTS == ["engine up", "warehouse up", "warehouse down", "engine down"]
    plain = Warehouse(engine=Engine("raw://"))
    assert dg.materialize([_uses("wh")], resources={"wh": plain}).output_for_node("uses_wh").engine.url == "raw://"


class CredentialsResource(dg.ConfigurableResource):
    username: str
    password: str


class FileStoreBucket(dg.ConfigurableResource):
    credentials: CredentialsResource
    region: str

    def path(self) -> str:
        return f"{self.credentials.username}@{self.region}"


@dg.asset
def bucket_user(bucket: FileStoreBucket) -> str:
    return bucket.path()


def test_configure_at_launch_in_a_nested_resource_takes_its_config_from_the_run() -> None:
    credentials = CredentialsResource.configure_at_launch()
    resources = {"credentials": credentials, "bucket": FileStoreBucket(credentials=credentials, region="eu-west-1")}
    run_config = {"resources": {"credentials": {"config": {"username": "ada", "password": "pw"}}}}
    result = dg.materialize([bucket_user], resources=resources, run_config=run_config)
    assert result.output_for_node("bucket_user") == "ada@eu-west-1"
    with pytest.raises(dg.DagsterInvalidConfigError, match=re.escape("resources.credentials.config.password: missing")):
        dg.materialize(
            [bucket_user], resources=resources, run_config={"resources": {"credentials": {"config": {"username": "a"}}}}
        )
    unbound = {"bucket": FileStoreBucket(credentials=credentials, region="eu")}
    with pytest.raises(dg.DagsterInvalidDefinitionError, match="bound to no resource key"):
        dg.materialize([bucket_user], resources=unbound)


class WriterResource(dg.ConfigurableResource):
    prefix: str

    def create_resource(self, context: dg.InitResourceContext) -> Any:
        return lambda text: f"{self.prefix}{text}"


def test_create_resource_hands_steps_another_object_and_context_is_reachable_in_tests() -> None:
    @dg.asset
    def written(writer: dg.ResourceParam[Any]) -> str:
        return writer("text")

    assert (
        dg.materialize([written], resources={"writer": WriterResource(prefix="> ")}).output_for_node("written")
        == "> text"
    )
    context = dg.build_init_resource_context(config={"k": 1})
    assert WriterResource(prefix="p").with_init_resource_context(context).get_resource_context() is context
