"""Find a code location's Definitions: import a file or a module and pick the Definitions object.

Runs only in child processes of the code server (the user process and run workers), never on the
control plane, because importing user code runs user code.
"""

from __future__ import annotations

import gc
import importlib
import importlib.util
import os
import sys
import traceback
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from codeserver.target import LoadTarget

if TYPE_CHECKING:  # protobuf is imported only when an error is reported: it is on the start-up path
    from protos.weir.v1 import common_pb2


class DefinitionsNotFound(Exception):
    """The code imported, but holds no usable Definitions object."""


def load_definitions(target: LoadTarget) -> Any:
    """Import the target and return its sdk.Definitions. User exceptions propagate."""
    from sdk import Definitions

    if target.working_directory:
        os.chdir(target.working_directory)
    gc.disable()  # a big module allocates many long-lived objects; collecting mid-import only costs time
    try:
        module = _import(target)
    finally:
        gc.enable()
    if target.attribute:
        if not hasattr(module, target.attribute):
            raise DefinitionsNotFound(f"{target.describe()} has no attribute {target.attribute!r}")
        value = _as_definitions(getattr(module, target.attribute))
        if value is None:
            raise DefinitionsNotFound(
                f"{target.describe()}: {target.attribute!r} is a {type(getattr(module, target.attribute)).__name__}, "
                "not a Definitions (or a @definitions function, or a @repository)"
            )
        return value
    found = {name: v for name, v in vars(module).items() if isinstance(v, Definitions)}
    if not found:  # a function marked @definitions (defined here, not imported)
        found = {name: _as_definitions(v) for name, v in vars(module).items() if _is_lazy(v, module)}
    if not found:  # Dagster's older form: one @repository
        found = {name: d for name, v in vars(module).items() if _is_repository(v) and (d := _as_definitions(v))}
    if len(found) == 1:
        return next(iter(found.values()))
    if not found:
        raise DefinitionsNotFound(
            f"no Definitions found in {target.describe()}: define "
            "`defs = Definitions(...)` at module level, or pass -a ATTRIBUTE"
        )
    raise DefinitionsNotFound(
        f"{target.describe()} holds several Definitions ({', '.join(sorted(found))}): pass -a ATTRIBUTE to choose one"
    )


def _is_repository(value: Any) -> bool:
    """A @repository, recognised without importing sdk.repository (loaded only if the code used it)."""
    module = sys.modules.get("sdk.repository")
    return module is not None and isinstance(value, module.RepositoryDefinition)


def _is_lazy(value: Any, module: ModuleType | None = None) -> bool:
    """A function marked @definitions (sdk.components), defined in `module` when one is given."""
    components = sys.modules.get("sdk.components.folder")
    if components is None or not isinstance(value, components.LazyDefinitions):
        return False
    return module is None or getattr(value.fn, "__module__", None) == module.__name__


def _as_definitions(value: Any) -> Any:
    """The Definitions a module attribute stands for: itself, a @definitions function's result, or a
    @repository's; None for anything else."""
    from sdk import Definitions

    if isinstance(value, Definitions):
        return value
    if _is_lazy(value):
        return value()
    if _is_repository(value):
        return value.definitions
    return None


def _import(target: LoadTarget) -> ModuleType:
    base = target.working_directory or os.getcwd()
    if base not in sys.path:
        sys.path.insert(0, base)
    if target.python_module:
        return importlib.import_module(target.python_module)
    path = Path(base, str(target.python_file)).resolve()
    if not path.is_file():
        raise FileNotFoundError(f"code location file not found: {path}")
    if str(path.parent) not in sys.path:
        sys.path.insert(0, str(path.parent))
    name = path.stem
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def error_from_exception(exc: BaseException, depth: int = 0) -> common_pb2.UserCodeError:
    """A user exception as data: type, message and traceback, with (a few levels of) its cause."""
    from codeserver.text import wire_text
    from protos.weir.v1 import common_pb2

    error = common_pb2.UserCodeError(
        type=type(exc).__name__,
        message=wire_text(str(exc)),
        traceback=wire_text("".join(traceback.format_exception(type(exc), exc, exc.__traceback__))),
    )
    cause = exc.__cause__ or exc.__context__
    if cause is not None and cause is not exc and depth < 3:
        error.cause.CopyFrom(error_from_exception(cause, depth + 1))
    return error
