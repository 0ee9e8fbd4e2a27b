"""Run config from YAML: config_from_files, config_from_yaml_strings and config_from_pkg_resources merge
their documents into one dict, later ones winning key by key (nested dicts merged), as Dagster does."""

from __future__ import annotations

import glob
from collections.abc import Mapping, Sequence
from importlib import resources
from typing import Any

from sdk.errors import DagsterInvariantViolationError


def _merge(base: dict[str, Any], update: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in update.items():
        out[key] = _merge(out[key], value) if isinstance(value, Mapping) and isinstance(out.get(key), dict) else value
    return out


def _documents(texts: Sequence[tuple[str, str]]) -> dict[str, Any]:
    import yaml

    merged: dict[str, Any] = {}
    for where, text in texts:
        try:
            document = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise DagsterInvariantViolationError(f"Run config {where} is not valid YAML: {exc}") from exc
        if document is None:
            continue
        if not isinstance(document, Mapping):
            raise DagsterInvariantViolationError(
                f"Run config {where} is a {type(document).__name__}; it must be a mapping (ops:, resources:, ...)."
            )
        merged = _merge(merged, document)
    return merged


def config_from_yaml_strings(yaml_strings: Sequence[str]) -> dict[str, Any]:
    """One run config dict from YAML documents, later ones winning.

    Args:
        yaml_strings: YAML texts, each a mapping.
    """
    return _documents([(f"string {i}", text) for i, text in enumerate(yaml_strings)])


def config_from_files(config_files: Sequence[str]) -> dict[str, Any]:
    """One run config dict from YAML files (glob patterns allowed), later ones winning.

    Args:
        config_files: paths or glob patterns of YAML files.
    """
    paths: list[str] = []
    for pattern in config_files:
        matched = sorted(glob.glob(pattern))
        if not matched:
            raise DagsterInvariantViolationError(f'No run config file matches "{pattern}"; check the path.')
        paths.extend(matched)
    texts = []
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            texts.append((f'file "{path}"', handle.read()))
    return _documents(texts)


def config_from_pkg_resources(pkg_resource_defs: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """One run config dict from YAML files shipped inside packages, later ones winning.

    Args:
        pkg_resource_defs: (package name, file name inside it) pairs.
    """
    texts = []
    for package, name in pkg_resource_defs:
        try:
            text = resources.files(package).joinpath(name).read_text(encoding="utf-8")
        except (FileNotFoundError, ModuleNotFoundError) as exc:
            raise DagsterInvariantViolationError(f'No run config "{name}" in package "{package}": {exc}') from exc
        texts.append((f'"{name}" of package "{package}"', text))
    return _documents(texts)
