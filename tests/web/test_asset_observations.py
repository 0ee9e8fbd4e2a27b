"""The asset page's events tab lists a run's observations of the asset with its materializations, each
observation marked as one, on a host of its own whose asset observes itself."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from protos.weir.v1 import common_pb2, host_pb2
from tests import support
from tests.support import dev_host, wait_for
from tests.web.conftest import UiHost, logged_in_page

CODE = """
import sdk as dg


@dg.asset
def table():
    yield dg.AssetObservation(asset_key="table", metadata={"rows_seen": 7})
    yield dg.MaterializeResult(metadata={"rows": 8})


defs = dg.Definitions(assets=[table])
"""


@pytest.fixture(scope="module")
def observed_host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UiHost]:
    tmp = tmp_path_factory.mktemp("observed")
    code = tmp / "observed.py"
    code.write_text(CODE)
    with dev_host(tmp / "home", ["-f", str(code), "--ui-port", "0"]) as host:
        client = host.client()
        wait_for(lambda: [loc.status for loc in client.locations()] == [host_pb2.LOCATION_LOADED], 60, what="load")
        info = support.host_json(tmp / "home")
        yield UiHost(info["ui_url"], info["token"], client, tmp / "home", code)


def test_the_events_tab_marks_observations(chromium: Any, observed_host: UiHost) -> None:
    client = observed_host.client
    (location,) = client.locations()
    request = host_pb2.LaunchRunRequest(location=location.name, asset_selection=[common_pb2.AssetKey(path=["table"])])
    run_id = client.launch_run(request).run_id
    assert client.wait_for_run(run_id, timeout=60).status == host_pb2.SUCCESS
    with logged_in_page(chromium, observed_host, "events-tab-observation") as ui:
        page = ui.open("/assets/table?tab=events")
        observation = page.locator(f'.event[data-run="{run_id}"][data-type="ASSET_OBSERVATION"]')
        observation.wait_for()
        assert observation.locator(".badge", has_text="observation").count() == 1
        assert observation.locator("dt", has_text="rows_seen").count() == 1
        materialization = page.locator(f'.event[data-run="{run_id}"][data-type="ASSET_MATERIALIZATION"]')
        assert materialization.locator("dt", has_text="rows").count() == 1
        assert materialization.locator(".badge", has_text="observation").count() == 0
        ui.shot("asset-events-observation")
