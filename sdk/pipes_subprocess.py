"""PipesSubprocessClient: run a command in a subprocess that reports back through `dagster-pipes`.

The command's stdout goes straight to the step's file descriptor 1 (so to the run's compute logs);
its stderr is copied to descriptor 2 as it arrives and its tail kept, so a failing command fails the
step with its exit code and the end of what it printed.
"""

from __future__ import annotations

import collections
import os
import subprocess
import threading
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import Field

from sdk.pipes import (
    DagsterPipesExecutionError,
    PipesTempFileContextInjector,
    PipesTempFileMessageReader,
    open_pipes_session,
)
from sdk.pipes_results import PipesClientCompletedInvocation
from sdk.resources import ConfigurableResource

_STDERR_TAIL_LINES = 20


class PipesSubprocessClient(ConfigurableResource):
    """A resource that runs external commands with Dagster Pipes.

    Args:
        env: environment variables for every command (added to this process's environment).
        cwd: the working directory of every command.
        context_injector: how the context reaches the process (default: a temporary file).
        message_reader: how messages come back (default: a temporary file).
        forward_termination: when the step is interrupted (the run canceled), terminate the process too.
        forward_stdio: copy the process's stdout and stderr to the step's (the compute logs).
        termination_timeout_seconds: how long a terminated process gets before it is killed.
    """

    env: dict[str, str] | None = None
    cwd: str | None = None
    forward_termination: bool = True
    forward_stdio: bool = True
    termination_timeout_seconds: float = 20.0
    # objects, not config: fields so that the copy a run configures keeps them
    context_injector: Any = Field(default=None, description="how the context reaches the process")
    message_reader: Any = Field(default=None, description="how messages come back")

    def run(
        self,
        *,
        context: Any,
        command: str | Sequence[str],
        extras: Mapping[str, Any] | None = None,
        env: Mapping[str, str] | None = None,
        cwd: str | None = None,
    ) -> PipesClientCompletedInvocation:
        """Run `command` (a list of arguments, or a string for the shell) for this step and wait for it.

        Args:
            context: the asset, asset check or op execution context.
            command: what to run.
            extras: values the process reads with `context.get_extra(key)` / `context.extras`.
            env: more environment variables for this command.
            cwd: the working directory (overrides the client's).
        """
        injector = self.context_injector or PipesTempFileContextInjector()
        reader = self.message_reader or PipesTempFileMessageReader()
        with open_pipes_session(context, injector, reader, extras) as session:
            full_env = {**os.environ, **(self.env or {}), **(env or {}), **session.get_bootstrap_env_vars()}
            code, tail = self._run(command, full_env, cwd or self.cwd)
        if code != 0:
            shown = "".join(tail).rstrip()
            raise DagsterPipesExecutionError(
                f"External execution process failed with code {code}."
                + (f" Last lines of its stderr:\n{shown}" if shown else "")
            )
        if not session.message_handler.opened:
            context.log.warning(
                f"The external process {command!r} sent no Pipes messages: open them in it with "
                "`from dagster_pipes import open_dagster_pipes` / `with open_dagster_pipes() as pipes:`."
            )
        return PipesClientCompletedInvocation(session.get_results(), session.get_custom_messages())

    def _run(self, command: str | Sequence[str], env: dict[str, str], cwd: str | None) -> tuple[int, list[str]]:
        shell = isinstance(command, str)
        stdout = None if self.forward_stdio else subprocess.DEVNULL
        try:
            process = subprocess.Popen(
                command if shell else list(command),
                shell=shell,
                env=env,
                cwd=cwd,
                stdout=stdout,
                stderr=subprocess.PIPE,
            )
        except OSError as exc:
            raise DagsterPipesExecutionError(f"Could not start the external process {command!r}: {exc}") from exc
        tail: collections.deque[str] = collections.deque(maxlen=_STDERR_TAIL_LINES)
        copier = threading.Thread(
            target=_copy_stderr, args=(process.stderr, tail, self.forward_stdio), name="weir-pipes-stderr", daemon=True
        )
        copier.start()
        try:
            code = process.wait()
        except BaseException:
            if self.forward_termination:
                _terminate(process, self.termination_timeout_seconds)
            raise
        copier.join()
        return code, list(tail)


def _terminate(process: subprocess.Popen[bytes], timeout: float) -> None:
    """SIGTERM, then SIGKILL after the timeout: the step was interrupted, so is the process."""
    process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _copy_stderr(stream: Any, tail: collections.deque[str], forward: bool) -> None:
    """Copy the process's stderr to ours line by line (the compute logs), keeping the last lines."""
    for line in iter(stream.readline, b""):
        if forward:
            os.write(2, line)
        tail.append(line.decode("utf-8", "replace"))
    stream.close()
