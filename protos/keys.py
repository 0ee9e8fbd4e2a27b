"""The text form of an asset key ("sales/orders"), as the CLI takes it and the host stores it.

Hand-written (like wire.py) because the CLI and the host's domain both need it and the CLI may
import nothing of the host's server side.
"""

from __future__ import annotations

from protos.weir.v1 import common_pb2


def asset_key_str(key: common_pb2.AssetKey) -> str:
    return "/".join(key.path)


def parse_asset_key(text: str) -> common_pb2.AssetKey:
    return common_pb2.AssetKey(path=[p for p in text.strip().split("/") if p])
