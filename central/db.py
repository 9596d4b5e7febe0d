"""The reference platform's storage: terminals, one-time codes, cases, nonces, reference faces,
operator tokens, rate-limit state, decisions, staff and the audit log.

    db = PlatformDB("/var/lib/kiosk-central/central.sqlite3")     # the embedded default
    db = PlatformDB("postgresql://kiosk-central@/central", files_dir=Path("/var/lib/kiosk-central"))

One schema and one chain of migrations (SQLAlchemy Core, Alembic: `central.tables`,
`central/migrations`) for SQLite and PostgreSQL. Opening a database migrates it to this
release's schema (`central.migrate`) and refuses one a newer release migrated.

Beside the database, in files (`central.files`, 0600 in 0700 folders):
- the platform's private keys (`keys/`): a copy of the database holds no private key;
- the cases' attachments, named by their SHA-256 (`central.attachments`): faces stay out of
  the database, its backups and the feed.
For a SQLite file they are `<file>.keys/` and `<file>.attachments/` (as before the port);
for PostgreSQL, `files_dir` names the folder that holds `keys/` and `attachments/` (every
machine serving one database needs the same keys, and the same attachments: a shared mount).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from central import feed as feed_module
from central import intake, registry
from central.attachments import AttachmentMissing, Attachments, AttachmentStore, MemoryAttachments
from central.cases import MAX_BUNDLE_CASES, parse_bundle_cases
from central.errors import BundleRefused, CentralError
from central.files import private_folder, read_private, write_new_private
from central.ingest import IngestResult, ingest
from central.migrate import migrate
from central.registry import KeyRecord, Terminal, check_terminal_id
from central.store import MEMORY, Store, Target, UnsupportedDatabase, parse_target
from central.tables import (
    case_attachments,
    cases,
    platform_identity,
    platform_keys,
    reference_faces,
)
from contract import wire

__all__ = [
    "MEMORY",
    "IngestResult",
    "KeyRecord",
    "PlatformDB",
    "PlatformFiles",
    "Terminal",
    "check_terminal_id",
    "now_iso",
]

now_iso = intake.now_iso
FILES_ENV = "KIOSK_CENTRAL_FILES"


@dataclass(frozen=True)
class PlatformFiles:
    """Where the platform's keys and attachments are kept (None: in memory)."""

    keys: Path | None
    attachments: Path | None

    @staticmethod
    def beside(target: Target, files_dir: Path | None) -> PlatformFiles:
        if files_dir is not None:
            return PlatformFiles(files_dir / "keys", files_dir / "attachments")
        if target.path is not None:
            path = target.path
            return PlatformFiles(
                path.with_name(path.name + ".keys"), path.with_name(path.name + ".attachments")
            )
        if target.memory:
            return PlatformFiles(None, None)
        raise UnsupportedDatabase(
            "with PostgreSQL, name the folder of the platform's keys and attachments: "
            f"--files DIR (or ${FILES_ENV}); every machine serving this database needs the "
            "same one (its keys copied, its attachments on a shared mount)"
        )

    def open_attachments(self) -> Attachments:
        if self.attachments is None:
            return MemoryAttachments()
        return AttachmentStore(self.attachments)


class PlatformDB:
    def __init__(self, db: str | Path | Target, *, files_dir: Path | None = None) -> None:
        self.target = db if isinstance(db, Target) else parse_target(db)
        self.files = PlatformFiles.beside(self.target, files_dir)
        if files_dir is not None:
            private_folder(files_dir)
        self.store = Store(self.target)  # first: it makes a SQLite file's folder 0700
        self.attachments = self.files.open_attachments()
        # A hint to the decide worker in this process that work was added (others poll).
        self.work_added = threading.Event()
        try:
            migrate(self.store, self.attachments)
            self.bundle_key = X25519PrivateKey.from_private_bytes(
                self._platform_key("bundle_x25519", X25519PrivateKey.generate)
            )
            self.receipt_key = Ed25519PrivateKey.from_private_bytes(
                self._platform_key("receipt_ed25519", Ed25519PrivateKey.generate)
            )
        except BaseException:
            self.store.close()
            raise
        self.nonces = registry.Nonces(self.store)

    @property
    def path(self) -> Path | None:
        return self.target.path

    def close(self) -> None:
        self.store.close()

    def transaction(self) -> Any:
        """A transaction (`central.store.Tx`): committed at the end of the block."""
        return self.store.transaction()

    def rows(self, statement: Any, params: Any = None) -> list[tuple[Any, ...]]:
        """The rows of one statement (SQLAlchemy Core, or `sa.text`)."""
        if isinstance(statement, str):
            statement = sa.text(statement)
        return self.store.rows(statement, params)

    # --- the platform's own keys -----------------------------------------------------------

    def _platform_key(self, name: str, generate: Callable[[], Any]) -> bytes:
        """A private key of the platform's own, made once, kept in a 0600 file.

        A key an earlier release kept in the database moves to its file and leaves the
        database (SQLite's `secure_delete` overwrites it). The key's public half is recorded
        in the database: a key folder that holds another key is refused.
        """
        stored = self.rows(sa.select(platform_keys.c.value).where(platform_keys.c.name == name))
        if self.files.keys is None:  # an in-memory database (tests, `kiosk-central openapi`)
            return bytes(stored[0][0]) if stored else _raw(generate())
        path = private_folder(self.files.keys) / f"{name}.key"
        recorded = self.rows(
            sa.select(platform_identity.c.public_key).where(platform_identity.c.name == name)
        )
        if not path.exists():
            if recorded and not stored:
                raise CentralError(
                    f"{path} is missing, and {self.target} was set up with a key of that name: "
                    "copy the key folder from the platform's first machine (or restore it)"
                )
            write_new_private(path, bytes(stored[0][0]) if stored else _raw(generate()))
        raw = read_private(path)
        public = _public_b64(name, raw)
        if recorded and recorded[0][0] != public:
            raise CentralError(
                f"{path} is not the key {self.target} was set up with: copy the key folder "
                "from the platform's first machine (or restore it)"
            )
        with self.transaction() as tx:
            if stored:
                tx.execute(sa.delete(platform_keys).where(platform_keys.c.name == name))
            if not recorded:
                tx.execute(
                    tx.insert(platform_identity)
                    .values(name=name, public_key=public, recorded_at=now_iso())
                    .on_conflict_do_nothing()
                )
                first = tx.execute(
                    sa.select(platform_identity.c.public_key).where(
                        platform_identity.c.name == name
                    )
                ).scalar_one()
                if first != public:  # another machine made its own key at the same moment
                    raise CentralError(f"{path} is not the key {self.target} was set up with")
        return raw

    @property
    def bundle_public_b64(self) -> str:
        return wire.x25519_public_b64(self.bundle_key.public_key())

    @property
    def receipt_public_b64(self) -> str:
        return wire.b64e(
            self.receipt_key.public_key().public_bytes(
                serialization.Encoding.Raw, serialization.PublicFormat.Raw
            )
        )

    def import_bundle(
        self, bundle: dict[str, Any], max_cases: int = MAX_BUNDLE_CASES
    ) -> tuple[Terminal, list[IngestResult], dict[str, Any]]:
        """Check, decrypt and ingest a bundle; return the outcomes and a signed receipt."""
        terminal = self.terminal_by_key(str(bundle.get("key_id", "")))
        if terminal is None:
            raise BundleRefused("the bundle comes from an unknown or revoked terminal key")
        count = bundle.get("count")
        if type(count) is not int or not 0 <= count <= max_cases:
            raise BundleRefused(f"a bundle holds 0 to {max_cases} cases here")
        try:
            plain = wire.open_bundle_plaintext(bundle, terminal.public_key, self.bundle_key)
            cases_in = parse_bundle_cases(plain, count)
        except wire.WireError as exc:
            raise BundleRefused(str(exc)) from None
        outcomes = self.ingest(terminal, cases_in, "bundle")
        held = {
            outcome.case_id: wire.case_digest(case)
            for case, outcome in zip(cases_in, outcomes, strict=True)
            if outcome.status in ("accepted", "duplicate")
        }
        receipt = wire.sign_receipt(self.receipt_key, terminal.key_id, held)
        return terminal, outcomes, receipt

    # --- terminals (`central.registry`) ----------------------------------------------------

    def add_terminal(self, terminal_id: str, service_point: str = "") -> str:
        return registry.add_terminal(self.store, terminal_id, service_point)

    def register(self, terminal_id: str, code: str, public_key_b64: str) -> Terminal:
        return registry.register(self.store, terminal_id, code, public_key_b64)

    def revoke_terminal(self, terminal_id: str) -> int:
        return registry.revoke_terminal(self.store, terminal_id)

    def terminal_by_key(self, key_id: str) -> Terminal | None:
        return registry.terminal_by_key(self.store, key_id)

    def service_point(self, terminal_id: str) -> str:
        return registry.service_point(self.store, terminal_id)

    def terminals(self) -> list[dict[str, Any]]:
        return registry.list_terminals(self.store)

    def key_record(self, key_id: str) -> KeyRecord | None:
        return registry.key_record(self.store, key_id)

    def public_keys(self) -> dict[str, Ed25519PublicKey]:
        return registry.public_keys(self.store)

    def certificate_recorded(self, token_sha256: str) -> tuple[str, dt.datetime] | None:
        return registry.certificate_recorded(self.store, token_sha256)

    def use_nonce(self, key_id: str, nonce: str) -> None:
        self.nonces.use(key_id, nonce)

    # --- cases ----------------------------------------------------------------------------

    def ingest(self, terminal: Terminal, batch: list[Any], source: str) -> list[IngestResult]:
        """Check and store a batch in one transaction; one outcome per case, in order."""
        outcomes, new_work = ingest(self.store, self.attachments, terminal, batch, source)
        if new_work:
            self.work_added.set()
        return outcomes

    def feed(
        self, after: int, limit: int, test: bool | None = None
    ) -> tuple[list[dict[str, Any]], int | None]:
        """Changes after the cursor `after`, oldest first (`central.feed`)."""
        return feed_module.read_feed(self, after, limit, test)

    def cases_with_id(self, case_id: str, terminal_id: str | None = None) -> list[dict[str, Any]]:
        """The cases stored under `case_id` (one per terminal at most), oldest first."""
        return feed_module.cases_with_id(self, case_id, terminal_id)

    def case(self, case_id: str) -> dict[str, Any] | None:
        found = self.cases_with_id(case_id)
        return found[0] if found else None

    def attachment(self, terminal_id: str, case_id: str, name: str) -> bytes | None:
        rows = self.rows(
            sa.select(case_attachments.c.sha256).where(
                case_attachments.c.terminal_id == terminal_id,
                case_attachments.c.case_id == case_id,
                case_attachments.c.name == name,
            )
        )
        if not rows:
            return None
        data = self.attachments.get(rows[0][0])
        if data is None:
            raise AttachmentMissing(
                f"the attachment store has no file {rows[0][0][:12]}… that a case names "
                "(restored from an older backup than the database?)"
            )
        return data

    def count_cases(self) -> int:
        return int(self.rows(sa.select(sa.func.count()).select_from(cases))[0][0])

    # --- reference faces ------------------------------------------------------------------

    def put_reference_face(self, id_number: str, jpeg: bytes) -> None:
        """Store (or replace) a reference face; the decide worker makes its template."""
        with self.transaction() as tx:
            statement = tx.insert(reference_faces).values(
                id_number=id_number, jpeg=jpeg, updated_at=now_iso()
            )
            tx.execute(
                statement.on_conflict_do_update(
                    index_elements=["id_number"],
                    set_={
                        "jpeg": statement.excluded.jpeg,
                        "updated_at": statement.excluded.updated_at,
                    },
                )
            )
            intake.on_reference_face(tx, id_number)
        self.work_added.set()

    def reference_face(self, id_number: str) -> bytes | None:
        rows = self.rows(
            sa.select(reference_faces.c.jpeg).where(reference_faces.c.id_number == id_number)
        )
        return bytes(rows[0][0]) if rows else None


def _raw(key: X25519PrivateKey | Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )


def _public_b64(name: str, raw: bytes) -> str:
    if name.endswith("x25519"):
        return wire.x25519_public_b64(X25519PrivateKey.from_private_bytes(raw).public_key())
    public = Ed25519PrivateKey.from_private_bytes(raw).public_key()
    return wire.b64e(
        public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )
