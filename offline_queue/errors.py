"""Errors of the offline queue, for technicians and logs.

The session flow catches `StoreError` around `CaseStore.enqueue` and shows "please ask staff":
a case that cannot be stored is refused loudly, never dropped silently.
"""

from __future__ import annotations

from offline_queue.sqlite_db import DatabaseBroken, DatabaseFull, SchemaTooNew


class QueueError(Exception):
    """Something in the offline queue failed."""


class StoreError(QueueError):
    """The case store cannot take or give a case."""


class StoreFull(StoreError, DatabaseFull):
    """The disk (or the store's configured size limit) is full: the new case was refused."""


class StoreBroken(StoreError, DatabaseBroken):
    """The database failed (corrupt, unreadable, locked by another writer, I/O error)."""


class StoreTooNew(StoreBroken, SchemaTooNew):
    """The store's schema comes from a newer release (an update, then a rollback): this
    software must not read or change it."""


class CaseNotFound(StoreError):
    """No case with that id."""


class SyncError(QueueError):
    """Talking to the platform failed."""


class PlatformUnreachable(SyncError):
    """No connection, a timeout, a TLS failure or a reply cut off: try again later."""


class PlatformBusy(SyncError):
    """The platform answered 429/5xx; `retry_after_s` is its Retry-After, if any."""

    def __init__(self, message: str, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class PlatformRefused(SyncError):
    """The platform refused the request itself (bad signature, unknown terminal, bad code)."""

    def __init__(self, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.status = status


class BadReply(SyncError):
    """The platform's answer is malformed, too large, for another terminal, or not signed by
    the platform's key: nothing of it was stored, and the next sync asks again."""


class InvalidPlatformURL(QueueError, ValueError):
    """A platform URL the terminal will not use: not http(s), or plain HTTP off this machine."""


class NotRegistered(QueueError):
    """The terminal has no registration with a platform yet (`kiosk register`)."""


class BundleError(QueueError):
    """An export bundle cannot be written or read."""
