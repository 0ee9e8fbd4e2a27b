"""Arguments Weir accepts for Dagster compatibility but does not implement yet: they warn, never vanish."""

from __future__ import annotations

import warnings

from sdk.errors import WeirUnsupportedArgumentWarning

_warned: set[str] = set()


def warn_unsupported(owner: str, stacklevel: int = 3, **arguments: object) -> None:
    """Warn once per argument name (per process) for each argument given a value other than None/False.

    `owner` names the definition ("asset 'orders'"); stacklevel points at the user's line.
    """
    for name, value in arguments.items():
        if value is None or value is False or name in _warned:
            continue
        _warned.add(name)
        warnings.warn(
            WeirUnsupportedArgumentWarning(f"Weir does not implement `{name}=` yet ({owner}); it is ignored."),
            stacklevel=stacklevel,
        )
