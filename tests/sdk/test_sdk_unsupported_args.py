"""Arguments Weir accepts for Dagster compatibility but does not implement warn once per argument name,
naming the argument and the definition, instead of being dropped silently."""

from __future__ import annotations

import warnings

import pytest

import sdk as dg
from sdk import _unsupported


@pytest.fixture(autouse=True)
def fresh_warnings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts as a fresh process would: no argument warned about yet."""
    monkeypatch.setattr(_unsupported, "_warned", set())


def _caught(fn) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fn()
    return [str(w.message) for w in caught if issubclass(w.category, dg.WeirUnsupportedArgumentWarning)]


def test_pool_on_assets_warns_once_naming_the_argument_and_the_asset() -> None:
    def define() -> None:
        @dg.asset(pool="warehouse")
        def orders() -> int:
            return 1

        @dg.asset(pool="warehouse")
        def customers() -> int:
            return 2

        @dg.multi_asset(specs=[dg.AssetSpec("a")], pool="warehouse")
        def both() -> None:
            pass

    assert _caught(define) == ["Weir does not implement `pool=` yet (asset 'orders'); it is ignored."]
    assert issubclass(dg.WeirUnsupportedArgumentWarning, UserWarning)


def test_the_warning_points_at_the_users_line() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")

        @dg.asset(pool="warehouse")
        def orders() -> int:
            return 1

    assert caught and caught[0].filename == __file__


def test_each_unimplemented_argument_warns() -> None:
    def define() -> None:
        @dg.run_status_sensor(dg.DagsterRunStatus.SUCCESS, monitor_all_code_locations=True)
        def on_success(context) -> None:
            return None

        @dg.graph(ins={"x": object()})
        def wired(x):
            return None

    assert _caught(define) == [
        "Weir does not implement `monitor_all_code_locations=` yet (sensor 'on_success'); it is ignored.",
        "Weir does not implement `ins=` yet (graph 'wired'); it is ignored.",
    ]


def test_arguments_weir_implements_do_not_warn() -> None:
    def define() -> None:
        @dg.asset(retry_policy=dg.RetryPolicy(max_retries=1), code_version="1", owners=["team:data"])
        def orders() -> int:
            return 1

        dg.define_asset_job("nightly", selection=[orders])

    assert _caught(define) == []
