"""Fetching the platform's answers on each sync: decisions on this terminal's cases, and the
roster of its service point. Runs on the sync worker's thread, after the cases went up.

Nothing is trusted unless it is signed by the platform key the terminal received at
registration (`platform_signing_key`) and made for this terminal:

- Decisions come cursor-paged. Each page is checked item by item; the checked ones are stored
  (sealed) together with the cursor after them in one transaction, so a crash between fetch
  and store loses nothing (the cursor has not moved) and a page fetched again is harmless
  (a decision already held is kept as it is). The first item that fails its check stops the
  pull: it is refused, logged without personal data, and the cursor stays before it, so the
  next sync asks for it again and nothing after it is skipped.
- The roster is asked for with the etag held (`?have=`): 304 while current. A new one is
  checked, resealed under this terminal's storage key by the roster sink (the kiosk writes
  `face.roster_file` atomically), and only then is its etag remembered. A roster older than
  the one held (a replay) is refused.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from contract.decisions import DecisionError, read_decision, read_roster
from offline_queue.answers import VerifiedDecision
from offline_queue.client import PlatformClient
from offline_queue.errors import BadReply, StoreBroken, StoreError, SyncError
from offline_queue.store import CaseStore

log = logging.getLogger(__name__)

PAGE_SIZE = 100
MAX_PAGES_PER_SYNC = 50  # then the next sync goes on: one pull never holds the worker long

# Writes a checked roster document (the `kiosk-face-roster` format) sealed under this
# terminal's storage key; returns (templates, bytes on disk). Raises ValueError when the
# document is not a roster.
RosterSink = Callable[[dict[str, Any]], tuple[int, int]]


@dataclass
class AnswersReport:
    decisions: int = 0  # new decisions stored
    roster: str = ""  # "" not asked or failed | "current" | "updated"
    errors: list[str] = field(default_factory=list)  # each part's failure, asked again later


class AnswerPuller:
    def __init__(
        self,
        store: CaseStore,
        client: PlatformClient,
        platform_key: Ed25519PublicKey,
        terminal_id: str,
        roster_sink: RosterSink | None = None,
        *,
        page_size: int = PAGE_SIZE,
    ) -> None:
        self.store = store
        self.client = client
        self.platform_key = platform_key
        self.terminal_id = terminal_id
        self.roster_sink = roster_sink
        self.page_size = page_size

    def pull(self) -> AnswersReport:
        """Decisions, then the roster, each on its own: a decision refused does not hold up
        a new roster, nor the other way round. What was stored before a failure stays."""
        report = AnswersReport()
        try:
            report.decisions = self.pull_decisions()
        except (SyncError, StoreError) as exc:
            report.errors.append(f"decisions: {exc}")
        if self.roster_sink is not None:
            try:
                report.roster = "updated" if self.pull_roster() else "current"
            except (SyncError, StoreError) as exc:
                report.errors.append(f"roster: {exc}")
        for error in report.errors:
            log.warning("the platform's answers: %s", error)
        return report

    # --- decisions ----------------------------------------------------------------------

    def pull_decisions(self) -> int:
        after, new = self.store.decisions_cursor(), 0
        for _ in range(MAX_PAGES_PER_SYNC):
            page, following = self.client.decisions(after, self.page_size)
            good, refusal = self._checked(page, int(after or 0))
            if good:
                new += self.store.store_decisions(good)
                after = str(good[-1].cursor)
            if refusal:
                raise BadReply(refusal)
            if following is None or not page:
                break
        if new:
            log.info("%d new decision(s) from the platform", new)
        return new

    def _checked(
        self, page: list[tuple[int, Any]], after: int
    ) -> tuple[list[VerifiedDecision], str]:
        """The page's leading items that check out, and why the next one does not ("" if
        none fails). A message names the cursor and the failed field, never a value."""
        good: list[VerifiedDecision] = []
        last = after
        for cursor, document in page:
            if cursor <= last:
                return good, f"decision at cursor {cursor} is out of order: refused"
            try:
                decision = read_decision(document, self.platform_key)
            except DecisionError as exc:
                return good, f"decision at cursor {cursor} refused: {exc}"
            if decision.terminal_id != self.terminal_id:
                return good, f"decision at cursor {cursor} refused: made for another terminal"
            good.append(VerifiedDecision(cursor, decision, document))
            last = cursor
        return good, ""

    # --- the roster ---------------------------------------------------------------------

    def pull_roster(self) -> bool:
        """True when a new roster was written; False when the one held is current."""
        if self.roster_sink is None:
            return False
        held = self.store.get_meta("roster_etag")
        fetched = self.client.roster(held)
        if fetched is None:
            return False
        etag, document = fetched
        try:
            issued_at, roster = read_roster(document, self.platform_key, self.terminal_id)
        except DecisionError as exc:
            raise BadReply(f"roster refused: {exc}") from None
        held_issued = self.store.get_meta("roster_issued_at")
        if held and held_issued and _when(issued_at) < _when(held_issued):
            raise BadReply("roster refused: older than the one held (a replayed answer)")
        try:
            templates, size = self.roster_sink(roster)
        except ValueError as exc:
            raise BadReply(f"roster refused: {exc}") from None
        except OSError as exc:
            raise StoreBroken(f"cannot write the face roster: {exc.strerror or exc}") from None
        # Only now: a crash before this line fetches the same roster again next time.
        self.store.set_meta(
            {
                "roster_etag": etag,
                "roster_issued_at": issued_at,
                "roster_templates": str(templates),
                "roster_bytes": str(size),
                "roster_stored_at": _utc_now(),
            }
        )
        log.info("new face roster: %d templates, %d bytes", templates, size)
        return True


def _utc_now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _when(iso: str) -> dt.datetime:
    return dt.datetime.fromisoformat(iso)
