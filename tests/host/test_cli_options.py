"""--config and --tag read the same way in every command: JSON or YAML text or a file, YAML dates as ISO
strings; a malformed tag is a usage error naming it (weir backfill used to drop it silently)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pytest

from host.cli.options import parse_tags, read_config
from tests.support import REPO


def test_config_accepts_json_yaml_and_files_with_dates_as_iso_strings(tmp_path: Path) -> None:
    expected = {"ops": {"load": {"config": {"day": "2023-01-21", "rows": 3}}}}
    yaml_text = "ops:\n  load:\n    config:\n      day: 2023-01-21\n      rows: 3\n"
    (tmp_path / "run.yaml").write_text(yaml_text)
    (tmp_path / "run.json").write_text(json.dumps(expected))
    for given in (json.dumps(expected), yaml_text, str(tmp_path / "run.yaml"), str(tmp_path / "run.json")):
        assert json.loads(read_config(given)) == expected, given
    assert read_config(None) == "{}" and read_config("") == "{}"


def test_config_that_is_neither_json_nor_yaml_is_a_usage_error() -> None:
    with pytest.raises(click.BadParameter, match="neither JSON nor YAML"):
        read_config("ops: [")
    with pytest.raises(click.BadParameter, match="must be a mapping"):
        read_config("- just\n- a list\n")


def test_tags_must_be_key_value() -> None:
    assert parse_tags(("team=data", "empty=")) == {"team": "data", "empty": ""}
    for bad in ("materialize", "=value"):
        with pytest.raises(click.BadParameter, match="should look like key=value"):
            parse_tags((bad,))


def test_backfill_refuses_a_malformed_tag_before_calling_the_host(tmp_path: Path) -> None:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "host.cli",
            "backfill",
            "--location",
            "sales",
            "--select",
            "a",
            "--partitions",
            "a...b",
            "--tag",
            "materialize",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
        env={"WEIR_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    assert out.returncode == 2, out.stderr
    assert "tag 'materialize' should look like key=value" in out.stderr and "Traceback" not in out.stderr
