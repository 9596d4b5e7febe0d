"""What the technician panel shows (screens/technician.py renders it; kiosk.qt.technician builds
it): masked, scrubbed, no personal data. Every field has an empty default, so a view can be
built with only the parts a caller knows.

Kept receipts are listed by kind, time, certificate number, the printer state they failed
with and the attempts so far: the jobs hold masked data only, and nothing else of the
receipt's content is shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class DeviceLine:
    """One device's row: its state code ("ready", "paper_out", ...), whether that is fine, and
    a detail shown in brackets ("640x480", "待补打 2 张")."""

    state: str
    ok: bool
    detail: str = ""


@dataclass(frozen=True)
class QueueFigures:
    """The cases waiting for the platform."""

    pending: int = 0
    sending: int = 0
    failed: int = 0  # refused by the platform
    oldest_pending_age_s: float | None = None


@dataclass(frozen=True)
class KeptRow:
    """A receipt that could not print, e.g. job "pending_slip-C1", kind "pending_slip",
    when "2026-11-24 17:05" (China time), printer_status "paper_out"."""

    job_id: str
    kind: str
    when: str = ""
    printer_status: str = ""
    attempts: int = 0
    certificate_no: str = ""
    reprint: str = ""  # "", "printing", "printed" or the printer state a reprint met


@dataclass(frozen=True)
class KeptJobs:
    """How many receipts are kept, and the newest of them (the list may be shorter)."""

    count: int = 0
    jobs: tuple[KeptRow, ...] = ()


@dataclass(frozen=True)
class TechnicianView:
    """The whole panel. `devices` keeps its order: card_reader, camera, face_models, printer,
    platform."""

    terminal_id: str = ""
    version: str = ""
    registered: bool = False  # 注册终端 is offered only while not
    devices: Mapping[str, DeviceLine] = field(default_factory=dict)
    queue: QueueFigures = field(default_factory=QueueFigures)
    last_sync: str | None = None  # e.g. "2026-11-24T09:30:00+08:00"; None: never synced
    last_sync_error: str = ""
    backlog: tuple[tuple[str, int], ...] = ()  # cases not yet synced per day, oldest first
    logs: tuple[str, ...] = ()  # newest last
    config: Mapping[str, Any] = field(default_factory=dict)  # config_view(settings)
    busy: frozenset[str] = frozenset()  # names of the actions still running
    message: str = ""  # what the last action said
    kept: KeptJobs = field(default_factory=KeptJobs)
