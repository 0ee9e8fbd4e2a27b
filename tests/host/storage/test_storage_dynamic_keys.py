"""Dynamic partition keys that storage refuses, the same way on both backends: a key is a path
component of the IO manager's files and a part of range and multi-partition keys."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from host.errors import ConfigError
from host.storage import partitions

REFUSED = {
    "": "is empty",
    "..": "names a directory above",
    ".": "names a directory above",
    "../": "path separator",
    "../../x/escape": "path separator",
    "dir\\file": "path separator",
    "nul\0key": "control character",
    "line\nbreak": "control character",
    "k" * 201: "characters long",
    "2024-01-01...2024-01-31": "separates the ends of a partition range",
    "eu|a.csv": "separates the dimensions",
}


class DynamicKeyContract:
    backend: str

    @pytest.mark.parametrize("key", list(REFUSED), ids=lambda k: repr(k[:20]))
    def test_a_key_that_is_not_a_plain_name_is_refused_and_nothing_is_added(self, engine: Engine, key: str) -> None:
        with engine.begin() as conn:
            with pytest.raises(ConfigError, match=REFUSED[key]) as info:
                partitions.add_dynamic_partitions(conn, "files", ["fine.csv", key])
            assert "'files'" in str(info.value) and len(str(info.value)) < 300
            assert partitions.list_dynamic_partitions(conn, "files") == []

    def test_plain_names_with_dots_and_spaces_are_kept(self, engine: Engine) -> None:
        keys = ["a.csv", "..hidden", "2024-01-01", "name with spaces", "ünïcode", "k" * 200]
        with engine.begin() as conn:
            assert partitions.add_dynamic_partitions(conn, "files", keys) == len(keys)
            assert partitions.list_dynamic_partitions(conn, "files") == keys

    def test_deleting_a_key_with_nul_finds_nothing(self, engine: Engine) -> None:
        with engine.begin() as conn:
            assert not partitions.delete_dynamic_partition(conn, "files", "nul\0key")


class TestDynamicKeysSqlite(DynamicKeyContract):
    backend = "sqlite"


@pytest.mark.postgres
class TestDynamicKeysPostgres(DynamicKeyContract):
    backend = "postgres"
