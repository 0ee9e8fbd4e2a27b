"""Op hooks: functions called after a step succeeds or fails, in the step's process, with its resources.

A hook never changes the step's outcome: an exception in it is reported as an engine event of the run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from types import SimpleNamespace
from typing import Any, overload

from sdk.errors import DagsterInvalidDefinitionError


class HookDefinition:
    """A hook: what it calls, on which step outcome ("success" or "failure"), and the resources it needs."""

    def __init__(
        self,
        *,
        name: str,
        hook_fn: Callable[..., Any],
        required_resource_keys: Iterable[str] | None = None,
        triggers_on: str = "success",
        decorated_fn: Callable[..., Any] | None = None,
    ) -> None:
        self.name = name
        self.hook_fn = hook_fn
        self.required_resource_keys = frozenset(required_resource_keys or ())
        self.triggers_on = triggers_on
        self.decorated_fn = decorated_fn or hook_fn

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Applied to a job or op (`@my_hook` above `@job`), or called with a HookContext (unit tests)."""
        if len(args) == 1 and not kwargs and hasattr(args[0], "with_hooks"):
            return args[0].with_hooks({self})
        return self.decorated_fn(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<HookDefinition {self.name} on {self.triggers_on}>"


class HookContext:
    """What a hook function receives: the step it follows, the run, resources, outputs or the exception."""

    def __init__(
        self,
        *,
        hook_def: HookDefinition | None = None,
        op: Any = None,
        step_key: str = "",
        run_id: str = "",
        job_name: str = "",
        resources: Any = None,
        op_config: Any = None,
        log: Any = None,
        op_exception: BaseException | None = None,
        op_output_values: Mapping[str, Any] | None = None,
        instance: Any = None,
    ) -> None:
        self.hook_def = hook_def
        self.op = op
        self.step_key = step_key
        self.run_id = run_id
        self.job_name = job_name
        self.resources = resources if resources is not None else SimpleNamespace()
        self.op_config = op_config
        self.op_exception = op_exception
        self.op_output_values = dict(op_output_values or {})
        self._instance = instance
        if log is None:
            from sdk.context import RunLogger

            log = RunLogger(lambda level, msg: None)
        self.log = log

    @property
    def required_resource_keys(self) -> frozenset[str]:
        return self.hook_def.required_resource_keys if self.hook_def is not None else frozenset()

    @property
    def instance(self) -> Any:
        if self._instance is None:
            from sdk.instance import DagsterInstance

            self._instance = DagsterInstance.ephemeral()
        return self._instance

    @property
    def solid(self) -> Any:
        return self.op


class HookedNode:
    """context.op of a hook: the node (op invocation) the hook follows."""

    def __init__(self, name: str, definition: Any = None, tags: Mapping[str, str] | None = None) -> None:
        self.name = name
        self.definition = definition
        self.tags = dict(tags or {})

    def __repr__(self) -> str:
        return f"<Node {self.name}>"


def _decorator(triggers_on: str) -> Callable[..., Any]:
    def decorate(
        hook_fn: Callable[..., Any] | None = None,
        *,
        name: str | None = None,
        required_resource_keys: Iterable[str] | None = None,
    ) -> Any:
        def build(fn: Callable[..., Any]) -> HookDefinition:
            if not callable(fn):
                raise DagsterInvalidDefinitionError(f"@{triggers_on}_hook decorates a function; got {fn!r}.")
            return HookDefinition(
                name=name or fn.__name__,
                hook_fn=fn,
                required_resource_keys=required_resource_keys,
                triggers_on=triggers_on,
            )

        return build(hook_fn) if hook_fn is not None else build

    return decorate


@overload
def success_hook(hook_fn: Callable[..., Any]) -> HookDefinition: ...


@overload
def success_hook(
    hook_fn: None = None, *, name: str | None = None, required_resource_keys: Iterable[str] | None = None
) -> Callable[[Callable[..., Any]], HookDefinition]: ...


def success_hook(
    hook_fn: Callable[..., Any] | None = None,
    *,
    name: str | None = None,
    required_resource_keys: Iterable[str] | None = None,
) -> HookDefinition | Callable[[Callable[..., Any]], HookDefinition]:
    """A hook called with a HookContext after each step it is attached to succeeds."""
    return _decorator("success")(hook_fn, name=name, required_resource_keys=required_resource_keys)


@overload
def failure_hook(hook_fn: Callable[..., Any]) -> HookDefinition: ...


@overload
def failure_hook(
    hook_fn: None = None, *, name: str | None = None, required_resource_keys: Iterable[str] | None = None
) -> Callable[[Callable[..., Any]], HookDefinition]: ...


def failure_hook(
    hook_fn: Callable[..., Any] | None = None,
    *,
    name: str | None = None,
    required_resource_keys: Iterable[str] | None = None,
) -> HookDefinition | Callable[[Callable[..., Any]], HookDefinition]:
    """A hook called with a HookContext (op_exception set) after each step it is attached to fails."""
    return _decorator("failure")(hook_fn, name=name, required_resource_keys=required_resource_keys)


def build_hook_context(
    resources: Mapping[str, Any] | None = None,
    op: Any = None,
    run_id: str | None = None,
    job_name: str | None = None,
    op_exception: BaseException | None = None,
    instance: Any = None,
    op_output_values: Mapping[str, Any] | None = None,
) -> HookContext:
    """A HookContext for calling a hook directly in a unit test: `my_hook(build_hook_context(...))`."""
    node = None
    if op is not None:
        definition = getattr(op, "definition", op)  # an op, or an op with an alias (my_op.alias("x"))
        alias = getattr(op, "alias", None)
        name = alias if isinstance(alias, str) else definition.name
        node = HookedNode(name, definition, getattr(definition, "tags", {}))
    return HookContext(
        op=node,
        step_key=node.name if node is not None else "",
        run_id=run_id or "",
        job_name=job_name or "",
        resources=SimpleNamespace(**dict(resources or {})),
        op_exception=op_exception,
        instance=instance,
        op_output_values=op_output_values,
    )


def merge_hooks(*groups: Iterable[HookDefinition]) -> tuple[HookDefinition, ...]:
    """Hooks in order, each once (a hook given on the job and on an op runs once)."""
    out: dict[int, HookDefinition] = {}
    for group in groups:
        for hook in group:
            if not isinstance(hook, HookDefinition):
                raise DagsterInvalidDefinitionError(
                    f"hooks= takes functions decorated with @success_hook or @failure_hook; got {hook!r}."
                )
            out.setdefault(id(hook), hook)
    return tuple(out.values())
