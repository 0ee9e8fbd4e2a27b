"""The daemon's sections of weir.yaml: scheduler catch-up, sensors, leader lease."""

from __future__ import annotations

import pytest

from host.config import load_host_config
from host.errors import ConfigError


def test_daemon_sections_are_read_from_weir_yaml(tmp_path, monkeypatch):
    monkeypatch.setenv("WEIR_HOME", str(tmp_path / "empty-home"))
    path = tmp_path / "weir.yaml"
    path.write_text(
        "scheduler: {catch_up: all, max_catch_up_ticks: 3}\n"
        "sensors: {max_concurrent_evaluations: 2}\n"
        "daemon: {lease_seconds: 5}\n"
    )
    config = load_host_config(path)
    assert (config.scheduler.catch_up, config.scheduler.max_catch_up_ticks) == ("all", 3)
    assert config.sensors.max_concurrent_evaluations == 2 and config.daemon.lease_seconds == 5
    assert load_host_config(None).scheduler.catch_up == "latest"


def test_an_unknown_catch_up_policy_names_the_field_and_the_choices(tmp_path):
    path = tmp_path / "weir.yaml"
    path.write_text("scheduler: {catch_up: sometimes}\n")
    with pytest.raises(ConfigError, match=r"scheduler\.catch_up.*'latest', 'none' or 'all'"):
        load_host_config(path)
