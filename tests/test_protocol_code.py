"""The committed generated code matches the .proto sources, and the wire rules both ends share."""

from __future__ import annotations

import subprocess
import sys

from protos import wire
from tests.support import REPO


def test_generated_code_is_not_stale():
    result = subprocess.run(
        [sys.executable, "-m", "protos.generate", "--check"], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr


def test_same_major_version_is_compatible_and_another_is_not():
    assert wire.is_compatible("1.3", "1.0")
    assert wire.is_compatible("1.0", "1.7")
    assert not wire.is_compatible("1.0", "2.0")
    assert not wire.is_compatible("1.0", "garbage")
