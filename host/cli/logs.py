"""Captured step output as the CLI prints it: the text of `weir runs logs` as it was written, and the
per-step sizes `weir runs show` notes instead of listing each chunk."""

from __future__ import annotations

from typing import TextIO

from protos.weir.v1 import host_pb2


class LogPrinter:
    """Writes each chunk's text as it is; when the output is of every step, a `==> step <==` line (as
    `tail` heads files) wherever the step changes."""

    def __init__(self, out: TextIO, *, headers: bool) -> None:
        self._out, self._headers = out, headers
        self._step: str | None = None
        self._ends_line = True

    def write(self, chunk: host_pb2.LogChunk) -> None:
        if self._headers and chunk.step_key != self._step:
            lead = "" if self._ends_line else "\n"
            self._out.write(f"{lead}==> {step_name(chunk.step_key)} <==\n")
            self._step = chunk.step_key
        if chunk.text:
            self._out.write(chunk.text)
            self._ends_line = chunk.text.endswith("\n")

    def flush(self) -> None:
        self._out.flush()


def step_name(step_key: str) -> str:
    return step_key or "(outside any step)"


def size_notes(run_id: str, sizes: host_pb2.RunLogSizes, step_key: str | None = None) -> list[str]:
    """One line per step that wrote output (only `step_key`, when given): the sizes, and the command
    that prints the output."""
    lines = []
    for size in sizes.steps:
        if step_key is not None and size.step_key != step_key:
            continue
        dropped = f" ({size.dropped_bytes:,} bytes past the cap dropped)" if size.dropped_bytes else ""
        command = f"weir runs logs {run_id}" + (f" --step {size.step_key}" if size.step_key else "")
        lines.append(
            f"{step_name(size.step_key)}: {size.stdout_bytes:,} bytes of stdout, {size.stderr_bytes:,} bytes of "
            f"stderr captured{dropped}: `{command} [--stderr]`"
        )
    return lines
