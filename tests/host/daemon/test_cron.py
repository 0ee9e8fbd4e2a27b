"""Cron slots in a time zone, by the documented daylight-saving rules (host/daemon/cron.py)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from host.domain.cron import CronError, CronSchedule


def _local(tz: str, text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(tz)).timestamp()


def _day(expression: str, tz: str, day: str) -> list[str]:
    """The slots of one local day, as local times with their UTC offsets."""
    start = _local(tz, f"{day}T00:00:00") - 1
    end = start + 30 * 3600
    slots, _ = CronSchedule((expression,), tz).slots_between(start, end)
    return [
        datetime.fromtimestamp(s, ZoneInfo(tz)).isoformat()[11:]
        for s in slots
        if datetime.fromtimestamp(s, ZoneInfo(tz)).date().isoformat() == day
    ]


def test_spring_gap_daily_fires_at_the_end_of_the_gap():
    assert _day("30 2 * * *", "Europe/Berlin", "2026-03-29") == ["03:00:00+02:00"]
    assert _day("30 2 * * *", "America/New_York", "2026-03-08") == ["03:00:00-04:00"]


def test_spring_gap_hourly_fires_every_real_hour_once():
    berlin = _day("0 * * * *", "Europe/Berlin", "2026-03-29")
    assert berlin[:4] == ["00:00:00+01:00", "01:00:00+01:00", "03:00:00+02:00", "04:00:00+02:00"]
    assert len(berlin) == 23
    assert len(_day("0 * * * *", "America/New_York", "2026-03-08")) == 23


def test_autumn_fold_daily_fires_at_the_first_occurrence_only():
    assert _day("30 2 * * *", "Europe/Berlin", "2026-10-25") == ["02:30:00+02:00"]
    assert _day("30 1 * * *", "America/New_York", "2026-11-01") == ["01:30:00-04:00"]


def test_autumn_fold_hourly_fires_at_both_occurrences():
    berlin = _day("0 * * * *", "Europe/Berlin", "2026-10-25")
    assert berlin[2:5] == ["02:00:00+02:00", "02:00:00+01:00", "03:00:00+01:00"]
    assert len(berlin) == 25
    new_york = _day("*/30 * * * *", "America/New_York", "2026-11-01")
    assert new_york[2:7] == ["01:00:00-04:00", "01:30:00-04:00", "01:00:00-05:00", "01:30:00-05:00", "02:00:00-05:00"]


def test_newest_slots_listed_backwards_match_the_forward_listing():
    schedule = CronSchedule(("*/30 * * * *", "0 1 * * *"), "America/New_York")
    start, end = _local("America/New_York", "2026-10-31T20:00:00"), _local("America/New_York", "2026-11-01T06:00:00")
    forward, _ = schedule.slots_between(start, end)
    newest, truncated = schedule.slots_between(start, end, newest=5)
    assert newest == forward[-5:] and truncated
    assert len(forward) == len(set(forward))  # 01:00 from both expressions fires once


@pytest.mark.parametrize(("crons", "tz"), [(("not a cron",), ""), (("0 3 * * *",), "Mars/Olympus")])
def test_bad_cron_or_zone_is_an_error_that_names_the_fix(crons, tz):
    with pytest.raises(CronError, match=r"cron expression|IANA"):
        CronSchedule(crons, tz)
