"""Time-ordered case ids (UUIDv7, RFC 9562): made on the kiosk, unique without a server."""

from __future__ import annotations

import secrets
import threading
import time
import uuid

_lock = threading.Lock()
_last_ms = 0
_last_counter = 0


def uuid7(now_ms: int | None = None) -> str:
    """A UUIDv7 string; ids made in one process are strictly increasing."""
    global _last_ms, _last_counter  # monotonic state for this process
    with _lock:
        ms = time.time_ns() // 1_000_000 if now_ms is None else now_ms
        if ms <= _last_ms:
            # Same (or earlier, clock stepped back) millisecond: keep order with a counter.
            ms, counter = _last_ms, _last_counter + 1
            if counter >= 1 << 12:
                ms, counter = ms + 1, secrets.randbits(11)
        else:
            counter = secrets.randbits(11)
        _last_ms, _last_counter = ms, counter
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= counter << 64
    value |= 0b10 << 62
    value |= secrets.randbits(62)
    return str(uuid.UUID(int=value))


def is_uuid7(text: str) -> bool:
    try:
        parsed = uuid.UUID(text)
    except (ValueError, TypeError, AttributeError):
        return False
    return parsed.version == 7 and str(parsed) == text
