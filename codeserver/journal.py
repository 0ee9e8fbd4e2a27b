"""A run worker's journal: its events, appended as length-prefixed RunEvent messages.

The worker is the only writer; the code server reads it from any offset. A record is written with
one write() call, so a reader sees either a whole record or a truncated tail it retries later.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator
from pathlib import Path

from protos.weir.v1 import common_pb2

_LENGTH = struct.Struct(">I")


class JournalWriter:
    """Appends events and fsyncs at run boundaries (the journal is what survives a crash)."""

    def __init__(self, path: Path) -> None:
        self._file = open(path, "ab")  # noqa: SIM115 - held for the worker's life

    def append(self, event: common_pb2.RunEvent) -> None:
        data = event.SerializeToString()
        self._file.write(_LENGTH.pack(len(data)) + data)
        self._file.flush()

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

    def read(self, *, after_sequence: int = -1, limit: int = 10_000) -> list[common_pb2.RunEvent]:
        """Whole events appended since the last call, with sequence > after_sequence (at most limit)."""
        try:
            with open(self._path, "rb") as f:
                f.seek(self._offset)
                data = f.read()
        except FileNotFoundError:
            return []
        events: list[common_pb2.RunEvent] = []
        consumed = 0
        for end, event in _parse(data):
            consumed = end
            if event.sequence > after_sequence:
                events.append(event)
                if len(events) >= limit:
                    break
        self._offset += consumed
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
        event.ParseFromString(data[pos + _LENGTH.size:end])
        yield end, event
        pos = end


def read_all(path: Path) -> list[common_pb2.RunEvent]:
    """Every whole event in a journal."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return []
    return [event for _, event in _parse(data)]
