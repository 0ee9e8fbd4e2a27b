"""Dagster Pipes, orchestration side: run external code that reports back through `dagster-pipes`.

The external process is an unmodified script using Dagster's own `dagster-pipes` package
(`from dagster_pipes import open_dagster_pipes`). Weir speaks its protocol (version 0.1): two
environment variables, DAGSTER_PIPES_CONTEXT and DAGSTER_PIPES_MESSAGES, each holding
base64(zlib(json(params))). The context params say where the context data is (`path` to a JSON
file, or `data` inline); the messages params say where the script writes its messages (`path`: one
JSON object per line, appended). Each message is `{"__dagster_pipes_version", "method", "params"}`.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import tempfile
import threading
import time
import zlib
from collections.abc import Iterator, Mapping
from typing import Any

from sdk.errors import WeirError
from sdk.keys import AssetKey
from sdk.pipes_results import PipesResults, key_string

PIPES_PROTOCOL_VERSION = "0.1"
PIPES_PROTOCOL_VERSION_FIELD = "__dagster_pipes_version"
DAGSTER_PIPES_CONTEXT_ENV_VAR = "DAGSTER_PIPES_CONTEXT"
DAGSTER_PIPES_MESSAGES_ENV_VAR = "DAGSTER_PIPES_MESSAGES"
_POLL_SECONDS = 0.05


class DagsterPipesExecutionError(WeirError):
    """The external process failed (its exit code and the tail of its stderr are in the message)."""


def encode_param(value: Any) -> str:
    """Encode a bootstrap parameter as the external side reads it: base64(zlib(json))."""
    return base64.b64encode(zlib.compress(json.dumps(value).encode("utf-8"))).decode("ascii")


def decode_param(value: str) -> Any:
    return json.loads(zlib.decompress(base64.b64decode(value)).decode("utf-8"))


# ---- context: what the external process is told


def build_context_data(context: Any, extras: Mapping[str, Any] | None) -> dict[str, Any]:
    """The PipesContextData for a step: its assets, partition, run and the user's extras."""
    keys = _selected_keys(context)
    partition_key = getattr(context, "partition_key", None) if getattr(context, "has_partition_key", False) else None
    key_range = getattr(context, "partition_key_range", None) if partition_key is not None else None
    window = None
    if partition_key is not None:
        with contextlib.suppress(Exception):
            tw = context.partition_time_window
            window = {"start": tw.start.isoformat(), "end": tw.end.isoformat()}
    return {
        "asset_keys": [key_string(k) for k in keys] if keys is not None else None,
        "code_version_by_asset_key": {key_string(k): _code_version(context, k) for k in keys} if keys else None,
        "provenance_by_asset_key": {key_string(k): None for k in keys} if keys else None,
        "partition_key": partition_key,
        "partition_key_range": {"start": key_range.start, "end": key_range.end} if key_range is not None else None,
        "partition_time_window": window,
        "run_id": context.run_id,
        "job_name": getattr(context, "job_name", None),
        "retry_number": getattr(context, "retry_number", 0),
        "extras": dict(extras or {}),
    }


def _selected_keys(context: Any) -> list[AssetKey] | None:
    if getattr(context, "assets_def", None) is None:  # an asset check's step targets the checked assets
        checked = {spec.asset_key for spec in getattr(context, "check_specs", None) or ()}
        return sorted(checked) if checked else None
    return sorted(context.selected_asset_keys or context.assets_def.keys)


def _code_version(context: Any, key: AssetKey) -> str | None:
    with contextlib.suppress(Exception):
        return context.assets_def.spec_for(key).code_version
    return None  # no assets definition (an asset check), or no code version


class PipesEnvContextInjector:
    """Passes the context data inline, in the DAGSTER_PIPES_CONTEXT environment variable itself."""

    @contextlib.contextmanager
    def inject_context(self, context_data: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
        yield {"data": dict(context_data)}


class PipesTempFileContextInjector:
    """Writes the context data to a temporary JSON file and passes its path (the subprocess default)."""

    @contextlib.contextmanager
    def inject_context(self, context_data: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
        with tempfile.TemporaryDirectory(prefix="weir-pipes-") as tmp:
            path = os.path.join(tmp, "context.json")
            with open(path, "w", encoding="utf-8") as f:
                json.dump(context_data, f)
            yield {"path": path}


# ---- messages: what the external process reports


class PipesFileMessageReader:
    """Reads messages the external process appends to a file, one JSON object per line, as they arrive."""

    def __init__(self, path: str, include_stdio_in_messages: bool = False) -> None:
        self.path = path
        self.include_stdio_in_messages = include_stdio_in_messages

    @contextlib.contextmanager
    def read_messages(self, handler: PipesMessageHandler) -> Iterator[dict[str, Any]]:
        with open(self.path, "a", encoding="utf-8"):
            pass  # exists before the process starts, so the reader can open it
        stop = threading.Event()
        thread = threading.Thread(target=self._tail, args=(handler, stop), name="weir-pipes-reader", daemon=True)
        thread.start()
        try:
            params: dict[str, Any] = {"path": self.path}
            if self.include_stdio_in_messages:
                params["include_stdio_in_messages"] = True
            yield params
        finally:
            stop.set()
            thread.join()

    def _tail(self, handler: PipesMessageHandler, stop: threading.Event) -> None:
        with open(self.path, encoding="utf-8") as f:
            pending = ""
            while True:
                stopping = stop.is_set()  # read once more after the process is done: nothing is left behind
                chunk = f.read()
                pending += chunk
                *lines, pending = pending.split("\n")
                for line in lines:
                    if line.strip():
                        _handle(handler, line)
                if stopping:
                    if pending.strip():  # a last message without its newline
                        _handle(handler, pending)
                    return
                if not chunk:
                    time.sleep(_POLL_SECONDS)


def _handle(handler: PipesMessageHandler, line: str) -> None:
    """One message; a malformed one is logged, so the messages after it still arrive."""
    try:
        handler.handle_line(line)
    except Exception as exc:
        handler.warn(f"Pipes: could not handle the message {line[:300]!r}: {type(exc).__name__}: {exc}")


class PipesTempFileMessageReader(PipesFileMessageReader):
    """A PipesFileMessageReader on a fresh temporary file (the subprocess default)."""

    def __init__(self, include_stdio_in_messages: bool = False) -> None:
        super().__init__("", include_stdio_in_messages)

    @contextlib.contextmanager
    def read_messages(self, handler: PipesMessageHandler) -> Iterator[dict[str, Any]]:
        with tempfile.TemporaryDirectory(prefix="weir-pipes-") as tmp:
            self.path = os.path.join(tmp, "messages")
            with super().read_messages(handler) as params:
                yield params


class PipesMessageHandler:
    """Turns the external process's messages into logs and results, in the order they came."""

    def __init__(self, context: Any) -> None:
        self._context = context
        self.results = PipesResults(context)
        self.opened = False
        self.closed = False
        self.closed_exception: Mapping[str, Any] | None = None

    def warn(self, text: str) -> None:
        self._context.log.warning(text)

    def handle_line(self, line: str) -> None:
        try:
            message = json.loads(line)
        except json.JSONDecodeError:
            self._context.log.warning(f"Pipes: ignored a line that is not a message: {line[:200]!r}")
            return
        if not isinstance(message, dict) or PIPES_PROTOCOL_VERSION_FIELD not in message:
            return
        self.handle_message(message)

    def handle_message(self, message: Mapping[str, Any]) -> None:
        method, params = message.get("method"), message.get("params") or {}
        if method == "opened":
            self.opened = True
        elif method == "closed":
            self.closed = True
            self.closed_exception = params.get("exception")
        elif method == "log":
            self._log(str(params.get("level", "INFO")), str(params.get("message", "")))
        elif method == "log_external_stream":
            self._context.log.info(str(params.get("text", "")))
        else:
            self.results.handle(method, params)

    def _log(self, level: str, text: str) -> None:
        log = self._context.log
        writer = {"DEBUG": log.debug, "WARNING": log.warning, "ERROR": log.error, "CRITICAL": log.critical}
        writer.get(level.upper(), log.info)(text)


class PipesSession:
    """An open Pipes session: the bootstrap env vars to hand the external process, and what it reported."""

    def __init__(self, context_params: Mapping[str, Any], message_params: Mapping[str, Any], handler: Any) -> None:
        self.context_params = dict(context_params)
        self.message_reader_params = dict(message_params)
        self.message_handler = handler

    def get_bootstrap_env_vars(self) -> dict[str, str]:
        return {
            DAGSTER_PIPES_CONTEXT_ENV_VAR: encode_param(self.context_params),
            DAGSTER_PIPES_MESSAGES_ENV_VAR: encode_param(self.message_reader_params),
        }

    def get_bootstrap_params(self) -> dict[str, Any]:
        return {
            DAGSTER_PIPES_CONTEXT_ENV_VAR: self.context_params,
            DAGSTER_PIPES_MESSAGES_ENV_VAR: self.message_reader_params,
        }

    def get_results(self) -> list[Any]:
        return self.message_handler.results.get_results()

    def get_custom_messages(self) -> list[Any]:
        return list(self.message_handler.results.custom_messages)


@contextlib.contextmanager
def open_pipes_session(
    context: Any,
    context_injector: Any,
    message_reader: Any,
    extras: Mapping[str, Any] | None = None,
) -> Iterator[PipesSession]:
    """Open a Pipes session for a step: inject the context, read messages until the block ends.

    Args:
        context: the asset or op execution context.
        context_injector: where the context data goes (PipesTempFileContextInjector, PipesEnvContextInjector).
        message_reader: where messages come from (PipesTempFileMessageReader, PipesFileMessageReader).
        extras: values the external process reads with `context.get_extra(key)`.
    """
    handler = PipesMessageHandler(context)
    data = build_context_data(context, extras)
    with context_injector.inject_context(data) as context_params, message_reader.read_messages(handler) as msg_params:
        yield PipesSession(context_params, msg_params, handler)
