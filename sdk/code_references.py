"""Source code references of assets: where each asset's function is (a local file and line), linked to
a git host for the UI. They are metadata under "dagster/code_references", as in Dagster."""

from __future__ import annotations

import functools
import inspect
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sdk.errors import DagsterInvalidDefinitionError
from sdk.metadata import JsonMetadataValue

CODE_REFERENCES_KEY = "dagster/code_references"


@dataclass(frozen=True, kw_only=True)
class LocalFileCodeReference:
    """A place in a local file: an absolute path and a line."""

    file_path: str
    line_number: int | None = None
    label: str | None = None


@dataclass(frozen=True, kw_only=True)
class UrlCodeReference:
    """A place in source code at a URL (e.g. a file on GitHub)."""

    url: str
    label: str | None = None


class CodeReferencesMetadataValue(JsonMetadataValue):
    """The code references of an asset (stored as JSON)."""

    @staticmethod
    def _make(code_references: Sequence[Any] = ()) -> Any:
        refs = []
        for ref in code_references:
            if isinstance(ref, LocalFileCodeReference):
                refs.append({"file_path": ref.file_path, "line_number": ref.line_number, "label": ref.label})
            elif isinstance(ref, UrlCodeReference):
                refs.append({"url": ref.url, "label": ref.label})
            else:
                raise TypeError(
                    f"CodeReferencesMetadataValue takes LocalFileCodeReference and UrlCodeReference, got {ref!r}."
                )
        return {"code_references": refs}

    @property
    def code_references(self) -> list[LocalFileCodeReference | UrlCodeReference]:
        out: list[LocalFileCodeReference | UrlCodeReference] = []
        for ref in self.value.get("code_references", []):
            if "url" in ref:
                out.append(UrlCodeReference(url=ref["url"], label=ref.get("label")))
            else:
                out.append(
                    LocalFileCodeReference(
                        file_path=ref["file_path"], line_number=ref.get("line_number"), label=ref.get("label")
                    )
                )
        return out


class FilePathMapping:
    """Maps a local file path to its path in a source control repository."""

    def convert_to_source_control_path(self, local_path: Path) -> str:
        raise NotImplementedError(f"{type(self).__name__} must define convert_to_source_control_path(local_path).")


@dataclass(frozen=True)
class AnchorBasedFilePathMapping(FilePathMapping):
    """A local file (the anchor, e.g. this file) and its path in the repository; other files map by their
    path relative to the anchor's."""

    local_file_anchor: Path
    file_anchor_path_in_repository: str

    def convert_to_source_control_path(self, local_path: Path) -> str:
        relative = os.path.relpath(
            os.path.abspath(local_path), os.path.dirname(os.path.abspath(self.local_file_anchor))
        )
        base = os.path.dirname(self.file_anchor_path_in_repository)
        return os.path.normpath(os.path.join(base, relative)).replace(os.sep, "/")


def with_source_code_references(assets_defs: Sequence[Any]) -> list[Any]:
    """Each asset with a reference to the file and line of its function, added to its metadata."""
    from sdk.assets import AssetsDefinition, map_asset_specs

    out: list[Any] = []
    for item in assets_defs:
        fn = getattr(getattr(item, "op", None), "compute_fn", None) if isinstance(item, AssetsDefinition) else None
        reference = _reference_of(fn)
        if reference is None:
            out.append(item)
            continue
        refs: list[Any] = [reference]
        out.extend(map_asset_specs(functools.partial(_with_references, refs=refs, replace=False), [item]))
    return out


def link_code_references_to_git(
    assets_defs: Sequence[Any],
    git_url: str,
    git_branch: str,
    file_path_mapping: FilePathMapping,
    platform: str | None = None,
) -> list[Any]:
    """Each local file reference of these assets turned into a link to the file on GitHub or GitLab."""
    from sdk.assets import map_asset_specs

    if platform is None:
        platform = "github" if "github" in git_url else "gitlab" if "gitlab" in git_url else None
    if platform not in ("github", "gitlab"):
        raise DagsterInvalidDefinitionError(
            f'link_code_references_to_git cannot tell the platform of "{git_url}": pass platform="github" or "gitlab".'
        )
    base = git_url.rstrip("/")
    blob = f"{base}/blob/{git_branch}" if platform == "github" else f"{base}/-/blob/{git_branch}"

    def link(ref: Any) -> Any:
        if not isinstance(ref, LocalFileCodeReference):
            return ref
        path = file_path_mapping.convert_to_source_control_path(Path(ref.file_path))
        line = f"#L{ref.line_number}" if ref.line_number else ""
        return UrlCodeReference(url=f"{blob}/{path}{line}", label=ref.label)

    def convert(spec: Any) -> Any:
        current = spec.metadata.get(CODE_REFERENCES_KEY)
        if not isinstance(current, CodeReferencesMetadataValue):
            return spec
        return _with_references(spec, [link(r) for r in current.code_references], replace=True)

    return map_asset_specs(convert, assets_defs)


def _reference_of(fn: Any) -> LocalFileCodeReference | None:
    if fn is None:
        return None
    fn = inspect.unwrap(fn)
    try:
        path = inspect.getsourcefile(fn)
        _lines, line = inspect.getsourcelines(fn)
    except (OSError, TypeError):
        return None
    return LocalFileCodeReference(file_path=os.path.abspath(path), line_number=line) if path else None


def _with_references(spec: Any, refs: list[Any], replace: bool) -> Any:
    current = spec.metadata.get(CODE_REFERENCES_KEY)
    existing = current.code_references if isinstance(current, CodeReferencesMetadataValue) and not replace else []
    value = CodeReferencesMetadataValue(code_references=[*existing, *refs])
    return spec.replace_attributes(metadata={**spec.metadata, CODE_REFERENCES_KEY: value})
