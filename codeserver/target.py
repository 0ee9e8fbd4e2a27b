"""Where a location's code lives. Plain data, free of the sdk: the control plane passes it to the
child processes (user processes, run workers) that import the code (codeserver/loader.py)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LoadTarget:
    """Where a location's code lives: a file or a module, and optionally the attribute to use."""

    python_file: str | None = None
    python_module: str | None = None
    attribute: str | None = None
    working_directory: str | None = None

    def describe(self) -> str:
        return f"file {self.python_file}" if self.python_file else f"module {self.python_module}"

    def to_args(self) -> list[str]:
        """Command-line flags that rebuild this target in a child process."""
        args = ["-f", self.python_file] if self.python_file else ["-m", str(self.python_module)]
        if self.attribute:
            args += ["-a", self.attribute]
        if self.working_directory:
            args += ["-d", self.working_directory]
        return args
