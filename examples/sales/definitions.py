"""The `sales` code location: orders, a daily summary, and the tabulate version this environment has."""

import tabulate

import sdk as dg


@dg.asset(group_name="sales", description="Orders as they come from the shop.")
def raw_orders() -> list[dict]:
    return [{"id": 1, "amount": 120.0}, {"id": 2, "amount": 80.5}, {"id": 3, "amount": 42.0}]


@dg.asset(group_name="sales", description="Total revenue over all orders.")
def revenue(context: dg.AssetExecutionContext, raw_orders: list[dict]) -> float:
    total = sum(o["amount"] for o in raw_orders)
    context.log.info(f"revenue {total:.2f} from {len(raw_orders)} orders")
    print(f"revenue computed: {total}")
    # Shown on the asset's page in the UI: numbers are plotted over time, markdown is rendered as text
    # and formatting only (raw HTML such as <b> stays visible text, never markup).
    table = f"| orders | total |\n|---:|---:|\n| {len(raw_orders)} | {total:.2f} |"
    report = f"## Revenue\n\n{table}\n\n<b>raw HTML</b> stays text"
    context.add_output_metadata({"orders": len(raw_orders), "total": total, "report": dg.MetadataValue.md(report)})
    return total


@dg.asset(key_prefix="sales", group_name="sales", description="Which tabulate this environment sees.")
def tabulate_version(context: dg.AssetExecutionContext) -> str:
    context.log.info(f"sales sees tabulate {tabulate.__version__}")
    return tabulate.__version__


sales_job = dg.define_asset_job("sales_job", selection=dg.AssetSelection.groups("sales"))

every_minute = dg.ScheduleDefinition(name="every_minute", job=sales_job, cron_schedule="* * * * *")

defs = dg.Definitions(assets=[raw_orders, revenue, tabulate_version], jobs=[sales_job], schedules=[every_minute])
