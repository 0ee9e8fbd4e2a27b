"""(A copy of ../shared/bench/gen_workload.py, so the bench runs from a clone alone.)

Emit a code-location module with N assets, in plain Dagster-style API.

usage: python gen_workload.py N SHAPE PKG > defs.py
  SHAPE: chain | layered (10 wide, each asset depends on all of the layer above) | fan (one root, N-1 leaves)
  PKG:   the package to import as `dg` (dagster, sdk, ...)
The same file runs against any package that offers the core API under these names.
"""

import sys


def main() -> None:
    n, shape, pkg = int(sys.argv[1]), sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "dagster"
    out = [
        f"import {pkg} as dg",
        "",
        "",
        "class Params(dg.Config):",
        "    factor: int = 1",
        "",
        "",
        "class Store(dg.ConfigurableResource):",
        "    prefix: str = 'x'",
        "",
        "",
    ]
    width = 10
    for i in range(n):
        if shape == "chain":
            ups = [i - 1] if i else []
        elif shape == "layered":
            layer = i // width
            ups = list(range((layer - 1) * width, min(layer * width, n))) if layer else []
        elif shape == "fan":
            ups = [0] if i else []
        else:
            raise SystemExit(f"unknown shape {shape}")
        args = ", ".join(f"a{u}" for u in ups)
        body = " + ".join(f"a{u}" for u in ups) or "1"
        if i == 0:
            out += [
                "@dg.asset(group_name='g0')",
                "def a0(config: Params, store: Store) -> int:",
                "    return config.factor",
                "",
                "",
            ]
        else:
            out += [f"@dg.asset(group_name='g{i // 100}')", f"def a{i}({args}) -> int:", f"    return {body}", "", ""]
    names = ", ".join(f"a{i}" for i in range(n))
    out += [
        "all_job = dg.define_asset_job('all_job', selection=dg.AssetSelection.all())",
        "",
        "nightly = dg.ScheduleDefinition(job=all_job, cron_schedule='0 3 * * *')",
        "",
        "",
        "@dg.sensor(job=all_job, minimum_interval_seconds=30)",
        "def ping_sensor(context):",
        "    return dg.SkipReason('nothing new')",
        "",
        "",
        f"defs = dg.Definitions(assets=[{names}], jobs=[all_job], schedules=[nightly],",
        "                      sensors=[ping_sensor], resources={'store': Store()})",
        "",
    ]
    sys.stdout.write("\n".join(out))


if __name__ == "__main__":
    main()
