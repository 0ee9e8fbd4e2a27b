"""Asset and asset-check identities."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple


class _AssetKeyTuple(NamedTuple):
    path: tuple[str, ...]


class AssetKey(_AssetKeyTuple):
    """An asset's identity: a path such as ("sales", "orders"); the string form joins it with "/".

    A NamedTuple so that hashing and comparing keys (done millions of times for big graphs) runs in C.
    """

    __slots__ = ()

    def __new__(cls, path: str | Sequence[str]) -> AssetKey:
        parts = (path,) if type(path) is str else tuple(path)
        if not parts or not all(type(p) is str and p for p in parts):
            raise ValueError(f"An AssetKey needs one or more non-empty strings, got {path!r}.")
        return tuple.__new__(cls, (parts,))

    def to_user_string(self) -> str:
        return "/".join(self.path)

    def to_string(self) -> str:
        return self.to_user_string()

    def to_python_identifier(self) -> str:
        return "__".join(self.path).replace("-", "_").replace(".", "_")

    def with_prefix(self, prefix: str | Sequence[str]) -> AssetKey:
        pre = (prefix,) if isinstance(prefix, str) else tuple(prefix)
        return AssetKey((*pre, *self.path))

    @property
    def parent(self) -> AssetKey:
        return AssetKey(self.path[:-1])

    @staticmethod
    def from_user_string(value: str) -> AssetKey:
        return AssetKey(value.split("/"))

    @staticmethod
    def from_coercible(value: Any) -> AssetKey:
        return to_asset_key(value)

    def __repr__(self) -> str:
        return f"AssetKey({list(self.path)!r})"

    __str__ = __repr__

    def __getnewargs__(self) -> tuple:
        return (self.path,)


_SIMPLE: dict[str, AssetKey] = {}


def simple_key(name: str) -> AssetKey:
    """The one-part key for a name, shared: every parameter naming an upstream asset makes one."""
    key = _SIMPLE.get(name)
    if key is None:
        key = _SIMPLE[name] = AssetKey((name,))
    return key


def to_asset_key(value: Any) -> AssetKey:
    """Coerce what users pass as a key (str "a/b", list, AssetKey, a definition with a key) to AssetKey."""
    if type(value) is AssetKey:
        return value
    if isinstance(value, str):
        return AssetKey(value.split("/")) if "/" in value else AssetKey(value)
    if isinstance(value, (list, tuple)):
        return AssetKey(value)
    key = getattr(value, "key", None)
    if isinstance(key, AssetKey):
        return key
    raise TypeError(f"Cannot use {value!r} as an asset key; pass an AssetKey, a string, a list of strings or an asset.")


@dataclass(frozen=True, order=True)
class AssetCheckKey:
    """A check's identity: the asset it checks and its name."""

    asset_key: AssetKey
    name: str

    def to_user_string(self) -> str:
        return f"{self.asset_key.to_user_string()}:{self.name}"
