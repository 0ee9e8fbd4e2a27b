"""The `forecast` code location: a naive forecast, and the tabulate version this environment has."""

import itertools

import tabulate

import sdk as dg


@dg.asset(group_name="forecast", description="Last weeks' demand.")
def history() -> list[int]:
    return [100, 110, 120, 130]


@dg.asset(group_name="forecast", description="Next week's demand: the last value plus the mean step.")
def next_week(history: list[int]) -> float:
    steps = [b - a for a, b in itertools.pairwise(history)]
    return history[-1] + sum(steps) / len(steps)


@dg.asset(key_prefix="forecast", group_name="forecast", description="Which tabulate this environment sees.")
def tabulate_version(context: dg.AssetExecutionContext) -> str:
    context.log.info(f"forecast sees tabulate {tabulate.__version__}")
    return tabulate.__version__


defs = dg.Definitions(assets=[history, next_week, tabulate_version])
