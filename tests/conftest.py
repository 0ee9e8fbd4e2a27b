"""Suite-wide ordering: the container tests run last, so .ci/run can prepare their engine and images
in the background while everything else runs."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: item.nodeid.startswith("tests/docker/"))  # stable: the rest keep their order
