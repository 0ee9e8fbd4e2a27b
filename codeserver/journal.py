"""A run worker's journal: its events, appended as length-prefixed RunEvent messages.

The worker is the only writer; the code server reads it from any offset. A record is written with
one write() call, so a reader sees either a whole record or a truncated tail it retries later.
No record is larger than `wire.MAX_EVENT_BYTES` (`bounded_event` cuts its big fields with a marker),
and a read returns at most `wire.MAX_EVENT_BATCH_BYTES`, so a batch always fits in a gRPC message.
"""

from __future__ import annotations

import errno
import os
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from protos import wire
from protos.weir.v1 import common_pb2

JOURNAL = "events.journal"  # a run's journal in its run dir
_LENGTH = struct.Struct(">I")
# A worker that cannot journal for lack of disk space exits with this code (ENOSPC's errno).
EXIT_DISK_FULL = 28
_MARKER = "\n… [truncated by Weir: {size:,} bytes, of which the first {kept:,} are kept]"


def bounded_event(event: common_pb2.RunEvent, limit: int = wire.MAX_EVENT_BYTES) -> common_pb2.RunEvent:
    """The event itself if it fits in `limit` bytes, else a copy with its largest parts cut to fit.

    The largest text (message, an error's message or traceback) is cut with a marker saying how much
    was kept; a large metadata value is replaced by a note, since half a JSON document is none."""
    if event.ByteSize() <= limit:
        return event
    event = common_pb2.RunEvent.FromString(event.SerializeToString())
    while event.ByteSize() > limit:
        size, part, name = max(_parts(event), key=lambda p: p[0])
        if size <= 1024:  # only small parts left: drop the metadata wholesale, then give up cutting
            if not event.metadata:
                break
            del event.metadata[:]
            continue
        if isinstance(part, common_pb2.MetadataEntry):
            part.value.Clear()
            part.value.text = f"[a value of {size:,} bytes dropped by Weir: events are limited to {limit:,} bytes]"
        else:
            _cut(part, name, event.ByteSize() - limit)
    return event


def _parts(event: common_pb2.RunEvent) -> list[tuple[int, Any, str]]:
    """(size, holder, field) of every part that can be cut."""
    parts: list[tuple[int, Any, str]] = [(len(event.message.encode()), event, "message")]
    error = event.error
    while error.ByteSize():
        parts += [(len(error.message.encode()), error, "message"), (len(error.traceback.encode()), error, "traceback")]
        error = error.cause
    parts += [(entry.value.ByteSize(), entry, "") for entry in event.metadata]
    return parts


def _cut(holder: Any, field: str, excess: int) -> None:
    """Shorten a text field by at least `excess` bytes (room for the marker included), on a character boundary."""
    data = getattr(holder, field).encode()
    keep = max(0, len(data) - excess - 200)
    kept = data[:keep].decode(errors="ignore")
    setattr(holder, field, kept + _MARKER.format(size=len(data), kept=len(kept.encode())))


class JournalFull(BaseException):
    """The disk is full: the run cannot go on without losing events. A BaseException, so that user
    code's `except Exception` around a log call cannot swallow it."""


class JournalWriter:
    """Appends events and fsyncs at run boundaries (the journal is what survives a crash)."""

    def __init__(self, path: Path) -> None:
        self._file = open(path, "ab")  # noqa: SIM115 - held for the worker's life

    def append(self, event: common_pb2.RunEvent) -> None:
        data = bounded_event(event).SerializeToString()
        try:
            self._file.write(_LENGTH.pack(len(data)) + data)
            self._file.flush()
        except OSError as exc:
            if exc.errno == errno.ENOSPC:
                raise JournalFull(str(exc)) from exc
            raise

    def sync(self) -> None:
        self._file.flush()
        os.fsync(self._file.fileno())

    def close(self) -> None:
        self.sync()
        self._file.close()


class JournalReader:
    """Reads a journal incrementally, remembering where it stopped."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._offset = 0

    def read(
        self, *, after_sequence: int = -1, limit: int = 10_000, max_bytes: int = wire.MAX_EVENT_BATCH_BYTES
    ) -> list[common_pb2.RunEvent]:
        """Whole events appended since the last call with sequence > after_sequence: at most `limit`
        of them and, unless the first alone is larger, at most `max_bytes` of them."""
        try:
            f = open(self._path, "rb")  # noqa: SIM115 - closed below; a missing journal is no error
        except FileNotFoundError:
            return []
        events: list[common_pb2.RunEvent] = []
        total = 0
        with f:
            f.seek(self._offset)
            while len(events) < limit:
                head = f.read(_LENGTH.size)
                if len(head) < _LENGTH.size:
                    break
                (size,) = _LENGTH.unpack(head)
                if events and total + size > max_bytes:
                    break
                body = f.read(size)
                if len(body) < size:
                    break  # a record still being written
                self._offset += _LENGTH.size + size
                event = common_pb2.RunEvent.FromString(body)
                if event.sequence > after_sequence:
                    events.append(bounded_event(event))
                    total += size
        return events


def _parse(data: bytes) -> Iterator[tuple[int, common_pb2.RunEvent]]:
    """Yield (end offset, event) for each whole record; stop at a truncated tail."""
    pos = 0
    while pos + _LENGTH.size <= len(data):
        (size,) = _LENGTH.unpack_from(data, pos)
        end = pos + _LENGTH.size + size
        if end > len(data):
            return
        event = common_pb2.RunEvent()
        event.ParseFromString(data[pos + _LENGTH.size : end])
        yield end, event
        pos = end


def read_all(path: Path) -> list[common_pb2.RunEvent]:
    """Every whole event in a journal."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return []
    return [event for _, event in _parse(data)]


def write_atomically(path: Path, text: str) -> None:
    """Write a small file of the run's directory (pid, exit, ended) so a reader sees it whole or not at all."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    tmp.replace(path)
