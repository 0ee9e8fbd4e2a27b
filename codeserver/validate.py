"""`python -m codeserver.validate -f FILE | -m MODULE [-a ATTR] [-d DIR]`: load a code location in this
fresh process, as its code server would, and say whether it loads (for users' CI: `weir definitions
validate`). Exit 0 with a summary, or 1 with the load error and its traceback."""

from __future__ import annotations

import sys


def main(argv: list[str]) -> int:
    from codeserver.cli import parse_target

    target, location_name = parse_target(argv)
    from codeserver.loader import error_from_exception, load_definitions
    from codeserver.snapshot import build_snapshot
    from protos.weir.v1 import snapshot_pb2

    try:
        defs = load_definitions(target)
        defs.validate_loadable()
        blob = build_snapshot(defs, location_name)
    except BaseException as exc:  # any failure of user code is the answer
        error = error_from_exception(exc)
        print(f"location {location_name!r} ({target.describe()}): FAILED\n{error.traceback.rstrip()}", file=sys.stderr)
        return 1
    snapshot = snapshot_pb2.Snapshot.FromString(blob.data)
    counts = [
        (len(snapshot.assets), "assets"),
        (len(snapshot.jobs), "jobs"),
        (len(snapshot.schedules), "schedules"),
        (len(snapshot.sensors), "sensors"),
        (len(snapshot.resources), "resources"),
    ]
    summary = ", ".join(f"{n} {what}" for n, what in counts)
    print(f"location {location_name!r} ({target.describe()}): OK ({summary}; snapshot {blob.snapshot_id[:12]})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
