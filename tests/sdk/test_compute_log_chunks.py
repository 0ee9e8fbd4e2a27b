"""How captured output becomes COMPUTE_LOG events: chunks no larger than one read, capped with one
marker, decoded without breaking a character that a read split in two."""

from __future__ import annotations

import os

from sdk.events import Event
from sdk.execution.capture import COMPUTE_LOG_CHUNK_BYTES, StreamLog, read_available


def _log(cap: int = 1000) -> tuple[StreamLog, list[Event]]:
    events: list[Event] = []
    return StreamLog("step", "stdout", events.append, cap=cap), events


def test_a_character_split_between_reads_is_decoded_whole_and_invalid_bytes_are_replaced():
    log, events = _log()
    data = "é€\n".encode()
    log.feed(data[:1])
    log.feed(data[1:] + b"\xff\n")
    log.finish()
    assert "".join(e.message for e in events) == "é€\n\ufffd\n"
    assert all(e.type == "COMPUTE_LOG" and e.step_key == "step" and e.stream == "stdout" for e in events)


def test_a_full_pipe_is_read_in_chunks_of_at_most_the_chunk_size():
    log, events = _log(cap=10 * COMPUTE_LOG_CHUNK_BYTES)
    r, w = os.pipe()
    try:
        os.set_blocking(r, False)
        os.write(w, b"x" * (COMPUTE_LOG_CHUNK_BYTES // 2))
        os.write(w, b"y" * (COMPUTE_LOG_CHUNK_BYTES // 2 - 1))
        assert read_available(r, log.feed)  # still open
        os.close(w)
        w = -1
        assert not read_available(r, log.feed)
    finally:
        os.close(r)
        if w >= 0:
            os.close(w)
    assert all(len(e.message.encode()) <= COMPUTE_LOG_CHUNK_BYTES for e in events)
    assert "".join(e.message for e in events) == "x" * (COMPUTE_LOG_CHUNK_BYTES // 2) + "y" * (
        COMPUTE_LOG_CHUNK_BYTES // 2 - 1
    )


def test_past_the_cap_bytes_are_counted_and_reported_once():
    log, events = _log(cap=10)
    log.feed(b"0123456")
    log.feed(b"789abcdef")
    log.feed(b"ghij")
    log.finish()
    log.finish()  # nothing new: no second marker
    texts = [e for e in events if not e.dropped_bytes]
    markers = [e for e in events if e.dropped_bytes]
    assert "".join(e.message for e in texts) == "0123456789"
    assert len(markers) == 1 and markers[0].dropped_bytes == 10
    assert markers[0].message == (
        "\n[Weir dropped 10 bytes of stdout of step 'step': each stream of a step keeps at most 10 bytes]\n"
    )
    log.feed(b"more")
    log.finish()
    assert events[-1].dropped_bytes == 4  # the cap stays spent


def test_a_nul_character_reaches_the_log_as_a_replacement_character():
    log, events = _log()
    log.feed(b"a\x00b\n")
    log.finish()
    assert events[0].message == "a\ufffdb\n"
