"""Dynamic outputs: an op yields any number of DynamicOutputs (each with a mapping key); in a graph body
`.map(fn)` runs fn's ops once per value (steps "op[key]") and `.collect()` hands a downstream op the
list of results, in the order they were yielded. The plan expands at run time (sdk/execution/dynamic.py)."""

from __future__ import annotations

import re
from typing import Any

from sdk.errors import DagsterInvalidDefinitionError
from sdk.ops import Out
from sdk.outputs import Output

_MAPPING_KEY = re.compile(r"[A-Za-z0-9_]+")


class DynamicOut(Out):
    """An output that yields DynamicOutputs: `@op(out=DynamicOut())` or `out={"items": DynamicOut()}`."""

    is_dynamic = True


class DynamicOutput(Output):
    """One value of a dynamic output, identified by its mapping key (letters, digits, underscores)."""

    def __init__(
        self,
        value: Any,
        mapping_key: str,
        output_name: str = "result",
        metadata: dict[str, Any] | None = None,
    ) -> None:
        if not isinstance(mapping_key, str) or not _MAPPING_KEY.fullmatch(mapping_key):
            raise DagsterInvalidDefinitionError(
                f"DynamicOutput mapping_key {mapping_key!r} must be letters, digits and underscores "
                "(it becomes part of the step key, e.g. op[key])."
            )
        super().__init__(value, output_name, metadata)
        self.mapping_key = mapping_key

    def __repr__(self) -> str:
        return f"DynamicOutput({self.value!r}, mapping_key={self.mapping_key!r}, output_name={self.output_name!r})"
