"""A retried step on the run page, on a host of its own: an op that fails twice then succeeds under its
RetryPolicy has three bars on its Gantt row (the failed two in the failure colour), a click on one
filters the log to that step and attempt, and the compute logs' attempt picker shows each attempt's
output on its own."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from protos.weir.v1 import host_pb2
from tests import support
from tests.support import dev_host, wait_for
from tests.web.conftest import UiHost, logged_in_page

CODE = """
import time
from pathlib import Path

import sdk as dg

TRIES = Path({tries!r})


@dg.op(retry_policy=dg.RetryPolicy(max_retries=2, delay=0.4))
def flaky():
    attempt = len(TRIES.read_text()) + 1 if TRIES.exists() else 1
    TRIES.write_text("x" * attempt)
    print(f"attempt {{attempt}} says hi", flush=True)
    time.sleep(0.3)
    if attempt < 3:
        raise RuntimeError(f"attempt {{attempt}} failed on purpose")
    return attempt


@dg.op
def after(value):
    print(f"after got {{value}}", flush=True)


@dg.job
def flaky_job():
    after(flaky())


defs = dg.Definitions(jobs=[flaky_job])
"""


@pytest.fixture(scope="module")
def retry_host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[UiHost, str]]:
    """The host, and the run of flaky_job it finished."""
    tmp = tmp_path_factory.mktemp("attempts")
    code = tmp / "flaky.py"
    code.write_text(CODE.format(tries=str(tmp / "tries")))
    with dev_host(tmp / "home", ["-f", str(code), "--ui-port", "0"]) as host:
        client = host.client()
        wait_for(lambda: [loc.status for loc in client.locations()] == [host_pb2.LOCATION_LOADED], 60, what="load")
        info = support.host_json(tmp / "home")
        (location,) = client.locations()
        run_id = client.launch_run(host_pb2.LaunchRunRequest(location=location.name, job_name="flaky_job")).run_id
        assert client.wait_for_run(run_id, timeout=60).status == host_pb2.SUCCESS
        yield UiHost(info["ui_url"], info["token"], client, tmp / "home", code), run_id


def bars(page: Any) -> dict[tuple[str, int], tuple[int, int]]:
    """Each attempt's bar on the Gantt: (step, attempt) -> its middle (x, y) on the canvas."""
    found = {}
    for entry in str(page.locator(".gantt-canvas").get_attribute("data-bars")).split(";"):
        step, attempt, left, right, middle = entry.split("|")
        found[(step, int(attempt))] = ((int(left) + int(right)) // 2, int(middle))
    return found


def pixel(page: Any, x: int, y: int) -> list[int]:
    script = "([x, y]) => { const c = document.querySelector('.gantt-canvas'); const r = devicePixelRatio || 1;"
    script += " return [...c.getContext('2d').getImageData(x * r, y * r, 1, 1).data].slice(0, 3); }"
    return list(page.evaluate(script, [x, y]))


def test_a_retried_step_has_a_bar_per_attempt_and_each_attempts_events_and_output(
    chromium: Any, retry_host: tuple[UiHost, str]
) -> None:
    host, run_id = retry_host
    with logged_in_page(chromium, host, "run-attempts") as ui:
        page = ui.open(f"/runs/{run_id}")
        gantt = page.locator(".gantt-canvas")
        assert "flaky SUCCESS in 3 attempts" in str(gantt.get_attribute("aria-label"))
        drawn = bars(page)
        assert sorted(k for k in drawn if k[0] == "flaky") == [("flaky", 1), ("flaky", 2), ("flaky", 3)]
        assert ("after", 1) not in drawn  # a step run once keeps its one bar
        (x1, y), (x2, _), (x3, _) = drawn[("flaky", 1)], drawn[("flaky", 2)], drawn[("flaky", 3)]
        assert x1 < x2 < x3
        assert pixel(page, x1, y) == pixel(page, x2, y) == [0xC6, 0x28, 0x28]  # failed: the failure colour
        assert pixel(page, x3, y) == [0x1A, 0x7F, 0x37]
        gantt.hover(position={"x": x2, "y": y})
        assert "attempt 2 of 3, failed, retried" in str(gantt.get_attribute("title"))
        ui.shot("three-attempts")

        gantt.click(position={"x": x2, "y": y})
        page.wait_for_url(re.compile(r"attempt=2"))
        assert "step=flaky" in page.url
        page.locator(".event-count", has_text="events match").wait_for()  # the filtered page is in
        rows = page.locator(".event-row .ev-step").all_inner_texts()
        assert rows and all(text == "flaky #2" for text in rows), rows
        messages = "\n".join(page.locator(".event-row").all_inner_texts())
        assert "step restarted" in messages and "attempt 2 failed on purpose" in messages
        assert "attempt 1 says hi" not in messages and "attempt 3 says hi" not in messages
        assert page.locator(".event-filters select[aria-label=attempt]").input_value() == "2"
        ui.shot("attempt-2-events")

        page.get_by_role("tab", name="Compute logs").click()
        page.locator(".log-controls select[aria-label=step]").select_option("flaky")
        picker = page.locator(".log-controls select[aria-label=attempt]")
        assert picker.locator("option").all_inner_texts() == [
            "Attempt 1 of 3: failed, retried",
            "Attempt 2 of 3: failed, retried",
            "Attempt 3 of 3: succeeded",
        ]
        view = page.locator(".log-view")
        view.filter(has_text="attempt 3 says hi").wait_for()  # the latest attempt first
        picker.select_option("1")
        view.filter(has_text="attempt 1 says hi").wait_for()
        assert "attempt 3" not in view.inner_text() and "logattempt=1" in page.url
        ui.shot("attempt-1-compute-logs")

        api = f"{host.url}/api/runs/{run_id}/logs"
        download = page.request.get(f"{api}?step=flaky&stream=stdout&attempt=2&download=1")
        assert download.text() == "attempt 2 says hi\n"
        assert "attempt2" in download.headers["content-disposition"]
        for query, problem in [
            ("attempt=2", "attempt=2 needs a step: pass step=KEY too"),
            ("step=flaky&attempt=4", "step 'flaky' has 3 attempt(s), not an attempt 4"),
            ("step=flaky&attempt=two", "attempt='two' is not a whole number"),
        ]:
            answer = page.request.get(f"{api}?{query}")
            assert (answer.status, problem in answer.text()) == (400, True), answer.text()
