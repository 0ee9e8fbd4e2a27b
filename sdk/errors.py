"""The SDK's exceptions: one small hierarchy, each message saying what to do."""

from __future__ import annotations


class WeirError(Exception):
    """Base of every error the SDK raises on purpose (never for a user's own exceptions)."""


class DagsterInvalidDefinitionError(WeirError):
    """A definition (asset, op, job, Definitions) is malformed; raised when it is declared."""


class DagsterInvalidSubsetError(DagsterInvalidDefinitionError):
    """An op or asset selection that names nothing the job has, or leaves an input without a source."""


class DagsterInvalidConfigError(WeirError):
    """Run config does not match the schema; raised before any step runs."""


class DagsterInvalidInvocationError(WeirError):
    """A definition was called in a way it does not support."""


class DagsterInvariantViolationError(WeirError):
    """Something that must hold does not, e.g. a job name that does not exist."""


class DagsterTypeCheckDidNotPass(WeirError):
    """A value did not pass its DagsterType or type hint check."""


class DagsterUserCodeExecutionError(WeirError):
    """User code (a step, a resource, a config mapping, a type check) raised; Dagster's base of those errors."""

    def __init__(self, *args: object, user_exception: BaseException | None = None, **kwargs: object) -> None:
        super().__init__(*args)
        self.user_exception = user_exception


class DagsterResourceFunctionError(DagsterUserCodeExecutionError):
    """A resource failed to set up."""


class DagsterUnknownResourceError(WeirError):
    """A step asked for a resource that the run does not provide."""


class DagsterExecutionStepExecutionError(DagsterUserCodeExecutionError):
    """User code raised inside a step; raised by materialize/execute_in_process with raise_on_error."""

    def __init__(self, message: str, user_exception: BaseException | None = None) -> None:
        super().__init__(message, user_exception=user_exception)


class DagsterExecutionStepNotFoundError(WeirError):
    """A re-execution names a step the job does not have, or needs an output no run produced."""


class DagsterConfigMappingFunctionError(DagsterUserCodeExecutionError):
    """A config mapping function raised."""


class DagsterTypeCheckError(DagsterUserCodeExecutionError):
    """A type check function itself raised (as opposed to a value failing it: DagsterTypeCheckDidNotPass)."""


class DagsterInvalidConfigDefinitionError(WeirError):
    """A config schema is malformed (not a value that fails a schema: DagsterInvalidConfigError)."""


class DagsterRunNotFoundError(WeirError):
    """A run id the instance does not have."""

    def __init__(self, *args: object, invalid_run_id: str | None = None, **kwargs: object) -> None:
        super().__init__(*args)
        self.invalid_run_id = invalid_run_id


class DagsterStepOutputNotFoundError(WeirError):
    """An output of a step that no run stored."""

    def __init__(self, *args: object, step_key: str | None = None, output_name: str | None = None) -> None:
        super().__init__(*args)
        self.step_key = step_key
        self.output_name = output_name


class DagsterSubprocessError(WeirError):
    """A step's subprocess failed."""


class DagsterUnknownPartitionError(WeirError):
    """A partition key its partitions definition does not have."""


class DagsterUnmetExecutorRequirementsError(WeirError):
    """The executor needs something the run lacks (e.g. a persistent instance)."""


class DagsterEventLogInvalidForRun(WeirError):
    """A run's event log cannot be read."""

    def __init__(self, run_id: str) -> None:
        super().__init__(f"Event logs invalid for run id {run_id}")
        self.run_id = run_id


class DagsterExecutionInterruptedError(BaseException):
    """Execution was interrupted (as Dagster: a BaseException, so `except Exception` does not swallow it)."""


class DagsterRunCanceled(WeirError):
    """The run was canceled while it executed."""


class Failure(Exception):
    """Raised by user code to fail a step on purpose, with a description and metadata."""

    def __init__(
        self, description: str | None = None, metadata: dict | None = None, allow_retries: bool = True
    ) -> None:
        super().__init__(description)
        self.description = description
        self.metadata = metadata or {}
        self.allow_retries = allow_retries


class RetryRequested(Exception):
    """Raised by user code to ask for the step to run again."""

    def __init__(self, max_retries: int = 1, seconds_to_wait: float = 0) -> None:
        super().__init__()
        self.max_retries = max_retries
        self.seconds_to_wait = seconds_to_wait


DagsterError = WeirError


class WeirUnsupportedArgumentWarning(UserWarning):
    """An argument Weir accepts for Dagster compatibility but ignores; filter it with this class."""


class PreviewWarning(Warning):
    """Dagster's warning for APIs in preview; Weir emits none today, so filters naming it keep working."""


class BetaWarning(Warning):
    """Dagster's warning for beta APIs; Weir emits none today, so filters naming it keep working."""


class SupersessionWarning(FutureWarning):
    """Dagster's warning for APIs superseded by others; Weir emits none today, so filters naming it keep working."""


class ConfigArgumentWarning(SyntaxWarning):
    """Dagster's warning for a config argument given in an unexpected form; Weir emits none today."""
