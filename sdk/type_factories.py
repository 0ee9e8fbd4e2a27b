"""Dagster's type factories of older code, `In(dg.List[int])`, `Out(dg.Optional[str])`: here the typing
generics themselves, which every place that takes a type resolves to a DagsterType (the container is
checked; its items are not)."""

from __future__ import annotations

import typing

List = typing.List  # noqa: UP006
Dict = typing.Dict  # noqa: UP006
Set = typing.Set  # noqa: UP006
Tuple = typing.Tuple  # noqa: UP006
Optional = typing.Optional
