"""Captured step output as the CLI prints it: the text of `weir runs logs` as it was written, and the
per-step sizes `weir runs show` notes instead of listing each chunk."""

from __future__ import annotations

from dataclasses import dataclass
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


@dataclass
class _Sizes:
    stdout: int = 0
    stderr: int = 0
    dropped: int = 0


class CapturedSizes:
    """How many bytes of stdout and stderr each step wrote, counted from COMPUTE_LOG events."""

    def __init__(self) -> None:
        self._steps: dict[str, _Sizes] = {}

    def add(self, step_key: str, stream: str, text: str, dropped_bytes: int) -> None:
        sizes = self._steps.setdefault(step_key, _Sizes())
        if dropped_bytes:
            sizes.dropped += dropped_bytes  # the marker's text is Weir's words, not the step's output
        elif stream == "stderr":
            sizes.stderr += len(text.encode())
        else:
            sizes.stdout += len(text.encode())

    def notes(self, run_id: str) -> list[str]:
        """One line per step: the sizes, and the command that prints the output."""
        lines = []
        for step_key, sizes in self._steps.items():
            dropped = f" ({sizes.dropped:,} bytes past the cap dropped)" if sizes.dropped else ""
            command = f"weir runs logs {run_id}" + (f" --step {step_key}" if step_key else "")
            lines.append(
                f"{step_name(step_key)}: {sizes.stdout:,} bytes of stdout, {sizes.stderr:,} bytes of "
                f"stderr captured{dropped}: `{command} [--stderr]`"
            )
        return lines
