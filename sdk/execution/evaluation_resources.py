"""Resources for one schedule or sensor evaluation in a code location, built as a run builds them.

A code location evaluates a schedule or sensor without a run; its function still asks for resources
(parameters annotated with a resource class, `required_resource_keys` read from `context.resources`).
They are built from the location's `Definitions(resources=...)` for each evaluation and torn down
when it ends, also when the function raised, as Dagster does.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from sdk._invocation import BuiltResources, split_parameters
from sdk.execution.resources import ResourceManager


def evaluation_resource_keys(definition: Any) -> list[str]:
    """The resource keys an evaluation of `definition` needs: its resource parameters and required keys."""
    keys = set(getattr(definition, "required_resource_keys", None) or ())
    fn: Callable[..., Any] | None = getattr(definition, "_raw_fn", None)  # the function the user decorated
    if fn is not None:
        keys.update(split_parameters(fn)[1])
    return sorted(keys)


@contextmanager
def evaluation_resources(location_resources: Mapping[str, Any], keys: list[str]) -> Iterator[BuiltResources]:
    """The values of `keys` built from the location's resources, as the evaluation context's
    `resources` (resource parameters are filled from them as they are); torn down (in reverse) on exit.

    A resource that fails to build raises DagsterResourceFunctionError naming it (those built before it
    are torn down); an unknown key raises DagsterUnknownResourceError listing the known ones.
    """
    manager = ResourceManager(location_resources, {}, "")
    try:
        yield BuiltResources(**{key: manager.get(key) for key in keys})
    finally:
        for key, exc in manager.teardown():
            # the evaluation's answer stands; the failed teardown shows in the evaluation's output
            print(f'resource "{key}" failed to tear down: {type(exc).__name__}: {exc}', file=sys.stderr)
