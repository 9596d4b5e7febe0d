"""A card reader that "reads" the identity from config, with fault knobs for tests and demos.

Knobs (config `card_reader.simulated.fault`): none, unreadable (every read fails as a torn
read), unplugged (no reader), slow (each read takes `slow_delay_s`), pcscd_gone (the PC/SC
service is down). `insert()`, `remove()` and `set_fault()` let tests and the demo act as
the resident or the technician; they are thread-safe, everything else runs on the owner.
"""

from __future__ import annotations

import datetime as dt
import logging
import queue
import threading
import time
from pathlib import Path

from config.settings import CardReaderSettings, SimulatedCardSettings
from devices.card_reader.base import (
    CardEvent,
    CardInserted,
    CardReader,
    CardReadError,
    CardRemoved,
    ReaderState,
    ReaderStateChanged,
    ReaderUnavailable,
    ReadFailed,
)
from devices.card_reader.identity import LONG_TERM, CardKind, Identity, InvalidIdentity

log = logging.getLogger(__name__)

_FAULT_STATES = {
    "unplugged": (ReaderState.NO_READER, "simulated reader unplugged"),
    "pcscd_gone": (ReaderState.SERVICE_DOWN, "simulated PC/SC service stopped"),
}


def identity_from_settings(sim: SimulatedCardSettings) -> Identity:
    photo = Path(sim.photo).read_bytes() if sim.photo else None
    fmt = None
    if sim.photo:
        fmt = "png" if sim.photo.lower().endswith(".png") else "jpeg"
    identity = Identity(
        card_kind=CardKind.ID_CARD,
        name=sim.name,
        id_number=sim.id_number,
        sex=sim.sex,
        nation="01",
        address="示范省示范市示范县示范村1号",
        issuing_authority="示范县公安局",
        valid_from=dt.date(2016, 3, 1),
        valid_to=LONG_TERM if sim.valid_to == LONG_TERM else dt.date.fromisoformat(sim.valid_to),
        photo_bytes=photo,
        photo_format=fmt,
    )
    return identity.validated()


class SimulatedCardReader(CardReader):
    def __init__(
        self,
        identity: Identity | None,
        fault: str = "none",
        insert_after_s: float | None = None,
        slow_delay_s: float = 3.0,
        lift_after_s: float = 3.0,
    ) -> None:
        self._identity = identity
        self._fault = fault
        self._slow_delay_s = slow_delay_s
        self._actions: queue.SimpleQueue[str] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._opened = False
        self._present = False
        self._reported_state: ReaderState | None = None
        # Auto mode acts as a resident: places the card insert_after_s after the reader is
        # free and lifts it again lift_after_s after it was read.
        self._insert_after_s = insert_after_s
        self._lift_after_s = lift_after_s
        self._auto_insert_at: float | None = None
        self._auto_lift_at: float | None = None

    @classmethod
    def from_settings(cls, settings: CardReaderSettings) -> SimulatedCardReader:
        sim = settings.simulated
        try:
            identity: Identity | None = identity_from_settings(sim)
        except InvalidIdentity:
            log.warning("simulated card identity is invalid: reads will fail")
            identity = None
        return cls(identity, sim.fault, sim.insert_after_s, sim.slow_delay_s)

    # -- knobs, callable from any thread -------------------------------------------------
    def insert(self, identity: Identity | None = None) -> None:
        with self._lock:
            if identity is not None:
                self._identity = identity
        self._actions.put("insert")

    def remove(self) -> None:
        self._actions.put("remove")

    def set_fault(self, fault: str) -> None:
        with self._lock:
            self._fault = fault
        self._actions.put("fault")

    # -- the owner thread's interface ---------------------------------------------------
    def open(self) -> None:
        with self._lock:
            fault = self._fault
        if fault in _FAULT_STATES:
            raise ReaderUnavailable(_FAULT_STATES[fault][1])
        self._opened = True

    def close(self) -> None:
        self._opened = False

    def wait_event(self, timeout_s: float) -> CardEvent | None:
        state_event = self._state_event()
        if state_event is not None:
            return state_event
        self._auto_step(time.monotonic())
        try:
            action = self._actions.get(timeout=timeout_s)
        except queue.Empty:
            return None
        return self._act(action)

    def _auto_step(self, now: float) -> None:
        if self._insert_after_s is None:
            return
        if self._present:
            if self._auto_lift_at is None:
                self._auto_lift_at = now + self._lift_after_s
            elif now >= self._auto_lift_at:
                self._auto_lift_at = None
                self._actions.put("remove")
            return
        if self._auto_insert_at is None:
            self._auto_insert_at = now + self._insert_after_s
        elif now >= self._auto_insert_at:
            self._auto_insert_at = None
            self._actions.put("insert")

    def _state_event(self) -> CardEvent | None:
        with self._lock:
            fault = self._fault
        state, detail = _FAULT_STATES.get(fault, (ReaderState.READY, ""))
        if state is ReaderState.READY and self._present:
            state = ReaderState.CARD_PRESENT
        if state != self._reported_state:
            self._reported_state = state
            return ReaderStateChanged(state, detail)
        return None

    def _act(self, action: str) -> CardEvent | None:
        with self._lock:
            fault, identity = self._fault, self._identity
        if action == "fault" or fault in _FAULT_STATES:
            return self._state_event()
        if action == "remove":
            if not self._present:
                return None
            self._present = False
            return CardRemoved()
        self._present = True
        if fault == "slow":
            time.sleep(self._slow_delay_s)
        if fault == "unreadable":
            self._present = False  # a torn read: the resident has to place it again
            return ReadFailed(CardReadError("simulated torn read: card lifted during the read"))
        if identity is None:
            return ReadFailed(CardReadError("simulated card holds no valid identity"))
        return CardInserted(identity)
