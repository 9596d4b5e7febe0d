"""Errors by audience.

`KioskError` is the root for the app's own failures (technician-facing, logged).
`ResidentNotice` is the other kind: its text is what a resident may read on screen or hear,
in plain Chinese, always saying what to do next. Never build one from a device's message.
"""

from __future__ import annotations


class KioskError(Exception):
    """Something in the kiosk failed; for logs and the technician."""


class ResidentNotice(Exception):
    """A message fit for the resident: what happened and what to do next."""

    def __init__(self, what: str, next_step: str, *, prompt_id: str = "") -> None:
        super().__init__(f"{what} {next_step}")
        self.what = what
        self.next_step = next_step
        self.prompt_id = prompt_id
