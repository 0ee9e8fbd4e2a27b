"""How every `weir` command reports a Weir error: one clear line and exit status 1, never a traceback."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import Any

import click

from host.errors import WeirError


def friendly(fn: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except WeirError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(1)

    return wrapper
