"""The issue's target: one automation tick over 5,000 layered eager() assets in <= 1 s of CPU (a second
attempt only when the first misses it: the machine is shared), and the cascade tick requests every
eager asset at once."""

from __future__ import annotations

from bench.automation_bench import TARGET_SECONDS, TICKS, weir_ticks


def test_one_tick_over_5000_layered_eager_assets_meets_the_target() -> None:
    result = weir_ticks(5000)
    assert result["cascade_requested"] == 4990 and result["quiet_requested"] == 0
    if max(result[name] for name in TICKS) > TARGET_SECONDS:
        result = weir_ticks(5000)
    assert max(result[name] for name in TICKS) <= TARGET_SECONDS, result
