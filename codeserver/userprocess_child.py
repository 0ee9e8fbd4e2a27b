"""`python -m codeserver.userprocess_child --channel R,W ...`: the child side of a user process.

It imports the location's code, reports the snapshot (or the import error) and then answers calls
into the code, all over the private channel whose descriptors R and W its parent passed it. Its own
stdin is /dev/null and its stdout is its stderr, at the descriptor level, so what user code, C
extensions or subprocesses print ends in the code server's log and never in the protocol. A call
whose header names an `output` FIFO writes there instead, for that call only (codeserver/output.py):
how a schedule's or sensor's output reaches its tick.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
import threading
import time
from typing import Any

from codeserver.channel import UserProcessError, read_frame, write_frame
from codeserver.output import redirected

# User code yields the CPU to the control plane: a sensor spinning in a loop must not slow handshakes.
USER_PROCESS_NICENESS = 10


def _isolate_stdio() -> None:
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    os.dup2(2, 1)
    if isinstance(sys.stdout, io.TextIOWrapper):  # it is the log now: show prints as they happen
        sys.stdout.reconfigure(line_buffering=True)


def _channel(argv: list[str]) -> tuple[int, int, list[str]]:
    """The channel's descriptors, private to this process (user code's subprocesses do not inherit them)."""
    parser = argparse.ArgumentParser(prog="codeserver.userprocess_child", add_help=False)
    parser.add_argument("--channel", required=True, help="R,W: descriptors to read calls from, write replies to")
    ns, rest = parser.parse_known_args(argv)
    requests, replies = (int(fd) for fd in ns.channel.split(","))
    for fd in (requests, replies):
        os.set_inheritable(fd, False)
    return requests, replies, rest


def _serve(defs: Any, requests: int, replies: int) -> None:
    from codeserver import evaluation
    from codeserver.instance_client import evaluation_endpoint
    from codeserver.text import wire_text

    handlers = evaluation.handlers(defs)
    log_fd = os.dup(2)  # where fd 1 and 2 point again after a call whose output is captured
    while True:
        try:
            header, body = read_frame(requests)
        except UserProcessError:
            return
        handler = handlers.get(header.get("method", ""))
        if handler is None:
            write_frame(replies, {"ok": False, "error": f"unknown method {header.get('method')!r}"})
            continue
        output = header.get("output")
        try:
            with (
                redirected(output, log_fd) if isinstance(output, str) else contextlib.nullcontext(),
                evaluation_endpoint(header.get("instance")),
            ):
                reply = handler(body)
        except Exception as exc:  # handlers answer errors as data; this is a bug in one, still an answer
            write_frame(replies, {"ok": False, "error": wire_text(f"{type(exc).__name__}: {exc}")})
            continue
        write_frame(replies, {"ok": True}, reply)


def _load_error(exc: BaseException) -> bytes:
    """The import error as data, through convert (which escapes what UTF-8 cannot carry) unless the
    sdk itself is what cannot be imported."""
    try:
        from codeserver.convert import error_to_proto
    except BaseException:
        from codeserver.loader import error_from_exception

        return error_from_exception(exc).SerializeToString()
    return error_to_proto(exc).SerializeToString()


def _exit_with_parent() -> None:
    """A user process must not outlive its code server, even while user code is stuck in a loop."""
    parent = os.getppid()
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


def main(argv: list[str]) -> None:
    _isolate_stdio()
    requests, replies, rest = _channel(argv)
    threading.Thread(target=_exit_with_parent, daemon=True).start()
    from codeserver.cli import parse_target

    target, location_name = parse_target(rest)
    from codeserver.loader import load_definitions

    try:
        defs = load_definitions(target)
        from codeserver.snapshot import build_snapshot

        blob = build_snapshot(defs, location_name)
    except BaseException as exc:
        write_frame(replies, {"ok": False}, _load_error(exc))
        return
    write_frame(replies, {"ok": True, "snapshot_id": blob.snapshot_id}, blob.data)
    os.nice(USER_PROCESS_NICENESS)  # loading ran at full speed; evaluations yield to the control plane
    _serve(defs, requests, replies)


if __name__ == "__main__":
    main(sys.argv[1:])
