"""Dagster's quickstart-style project (pandas assets reading a CSV, writing a CSV, markdown previews with
`MetadataValue.md(df.head().to_markdown())`, an asset job, a daily schedule, `Definitions`) ported by
changing only `import dagster as dg`: its location runs in its own environment (pandas, tabulate),
`weir dev` serves it, the job materializes every asset, and the host shows the markdown metadata."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import yaml

from protos.weir.v1 import host_pb2
from tests.support import REPO, dev_host, location_venv, wait_for

REQUIREMENTS = ["pandas==2.2.3", "tabulate==0.9.0"]

# quickstart_etl/assets.py, as a Dagster user writes it; only the import line differs
ASSETS = '''
import os

import pandas as pd

import sdk as dg  # was: import dagster as dg

DATA = dg.file_relative_path(__file__, "../data")


@dg.asset(group_name="quickstart", compute_kind="pandas")
def raw_orders(context: dg.AssetExecutionContext) -> pd.DataFrame:
    """The shop's order export."""
    df = pd.read_csv(os.path.join(DATA, "orders.csv"))
    context.add_output_metadata(
        {"num_records": len(df), "preview": dg.MetadataValue.md(df.head().to_markdown())}
    )
    return df


@dg.asset(group_name="quickstart", compute_kind="pandas")
def product_sales(raw_orders: pd.DataFrame) -> dg.MaterializeResult:
    """Units and revenue per product, written to data/product_sales.csv."""
    orders = raw_orders.assign(revenue=raw_orders["quantity"] * raw_orders["price"])
    sales = orders.groupby("product", as_index=False)[["quantity", "revenue"]].sum()
    sales.to_csv(os.path.join(DATA, "product_sales.csv"), index=False)
    return dg.MaterializeResult(
        metadata={
            "num_records": dg.MetadataValue.int(len(sales)),
            "preview": dg.MetadataValue.md(sales.head().to_markdown(index=False)),
        }
    )


@dg.asset(deps=[product_sales], group_name="quickstart", compute_kind="pandas")
def top_product() -> dg.MaterializeResult:
    """The product with the most revenue."""
    sales = pd.read_csv(os.path.join(DATA, "product_sales.csv"))
    top = sales.sort_values("revenue", ascending=False).iloc[0]
    return dg.MaterializeResult(
        metadata={"product": dg.MetadataValue.text(str(top["product"])), "revenue": float(top["revenue"])}
    )
'''

# quickstart_etl/definitions.py
DEFINITIONS = """
import sdk as dg  # was: import dagster as dg

from quickstart_etl import assets

all_assets = dg.load_assets_from_modules([assets])

quickstart_job = dg.define_asset_job(name="quickstart_job", selection=dg.AssetSelection.groups("quickstart"))

daily_refresh_schedule = dg.ScheduleDefinition(job=quickstart_job, cron_schedule="0 0 * * *")

defs = dg.Definitions(assets=all_assets, jobs=[quickstart_job], schedules=[daily_refresh_schedule])
"""

ORDERS_CSV = """order_id,product,quantity,price
1,apple,3,0.5
2,pear,2,0.75
3,apple,4,0.5
4,plum,10,0.2
5,pear,1,0.75
6,fig,6,1.25
"""

SALES_PREVIEW = """| product   |   quantity |   revenue |
|:----------|-----------:|----------:|
| apple     |          7 |      3.5  |
| fig       |          6 |      7.5  |
| pear      |          3 |      2.25 |
| plum      |         10 |      2    |"""


def _project(root: Path) -> Path:
    package = root / "quickstart_etl"
    package.mkdir(parents=True)
    (root / "data").mkdir()
    (root / "data" / "orders.csv").write_text(ORDERS_CSV)
    (package / "__init__.py").write_text("")
    (package / "assets.py").write_text(textwrap.dedent(ASSETS))
    (package / "definitions.py").write_text(textwrap.dedent(DEFINITIONS))
    return root


def _assets_show(home: Path, key: str) -> dict:  # type: ignore[type-arg]
    done = subprocess.run(
        [sys.executable, "-m", "host.cli", "assets", "show", key, "--json"],
        env={**os.environ, "WEIR_HOME": str(home), "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def _metadata(event: dict) -> dict:  # type: ignore[type-arg]
    return {entry["key"]: entry["value"] for entry in event["metadata"]}


def test_the_quickstart_project_materializes_under_weir_dev_after_changing_the_import(tmp_path: Path) -> None:
    python = location_venv(REQUIREMENTS)
    project = _project(tmp_path / "quickstart")
    workspace = tmp_path / "workspace.yaml"
    entry = {
        "python_module": {
            "module_name": "quickstart_etl.definitions",
            "location_name": "quickstart_etl",
            "working_directory": str(project),
            "executable_path": str(python),
        }
    }
    workspace.write_text(yaml.safe_dump({"load_from": [entry]}))
    home = tmp_path / "home"
    with dev_host(home, ["-w", str(workspace), "--no-ui"]) as host:
        client = host.client()
        wait_for(
            lambda: [loc.status for loc in client.locations()] == [host_pb2.LOCATION_LOADED],
            60,
            what=f"the location to load; {[loc.load_error.message for loc in client.locations()]}",
        )
        assert [s.name for s in client.instigators(host_pb2.SCHEDULE)] == ["quickstart_job_schedule"]

        run = client.launch_run(host_pb2.LaunchRunRequest(location="quickstart_etl", job_name="quickstart_job"))
        done = client.wait_for_run(run.run_id, timeout=90)
        assert done.status == host_pb2.SUCCESS, (done.failure_reason, host.stderr())

        raw = _metadata(_assets_show(home, "raw_orders")["materializations"][0])
        assert raw["num_records"] == {"int_value": "6"}
        assert raw["preview"]["md"].splitlines()[0].replace(" ", "") == "||order_id|product|quantity|price|"
        assert len(raw["preview"]["md"].splitlines()) == 2 + 5  # header, rule, df.head()

        sales = _assets_show(home, "product_sales")
        assert sales["details"]["node"]["group_name"] == "quickstart"
        latest = _metadata(sales["materializations"][0])
        assert latest == {"num_records": {"int_value": "4"}, "preview": {"md": SALES_PREVIEW}}
        assert sales["materializations"][0]["run_id"] == run.run_id

        top = _metadata(_assets_show(home, "top_product")["materializations"][0])
        assert top == {"product": {"text": "fig"}, "revenue": {"float_value": 7.5}}
    assert (project / "data" / "product_sales.csv").read_text().splitlines()[0] == "product,quantity,revenue"
