"""The app shell: builds the services, devices and window from the settings and owns them.

    runtime = KioskRuntime.build(settings)
    runtime.start(); ...; runtime.shutdown()

Everything is opened explicitly here and closed explicitly in `shutdown()` (never in __del__).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import logging.handlers
import os
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from PySide6.QtCore import QObject, QTimer

from config.settings import Settings
from contract import wire
from contract.certificates import CHINA_TZ
from devices.camera import create_camera
from devices.card_reader import create_card_reader
from devices.printer import create_printer
from kiosk.face.engine import FaceEngine
from kiosk.face.holder_match import HolderMatcher
from kiosk.face.roster import roster_sink
from kiosk.flow import FlowConfig, SessionFlow
from kiosk.flow.view import Surroundings
from kiosk.qt.camera_bridge import CameraBridge
from kiosk.qt.card_bridge import CardReaderBridge
from kiosk.qt.controller import KioskController, SilentVoice, Voice
from kiosk.qt.face_bridge import FaceBridge
from kiosk.qt.gc_guard import MainThreadGarbageCollector
from kiosk.qt.printer_bridge import PrinterBridge
from kiosk.qt.record_bridge import RecordBridge
from kiosk.qt.runner import Done, Failed, OffGuiRunner, Result
from kiosk.qt.staff_call import StaffCallDesk
from kiosk.qt.technician.mode import TechnicianMode
from kiosk.records.print_jobs import DB_FILE, PrintJobStore, PrintStoreError, PrintStoreTooNew
from kiosk.records.receipts import PENDING_CHECK_AFTER_DAYS, ReceiptBuilder, verify_base_url
from kiosk.records.recorder import CaseRecorder
from kiosk.records.staff_calls import StaffCallRecorder
from kiosk.records.standing import LOOKUP_TIMEOUT_S, ResidentLookup
from kiosk.release import demo_clip
from kiosk.technician.staff import StaffGate
from offline_queue.answers_sync import RosterSink
from offline_queue.client import PlatformClient
from offline_queue.errors import NotRegistered, StoreBroken, StoreError, StoreFull, StoreTooNew
from offline_queue.keys import TerminalKeyError, TerminalKeys, load_or_create
from offline_queue.registration import load_registration, register_local_terminal
from offline_queue.runtime import make_worker, open_store, store_path
from offline_queue.store import CaseStore
from offline_queue.sync import SyncWorker
from screens.window import KioskWindow

log = logging.getLogger(__name__)
PURGE_EVERY_MS = 3_600_000  # hourly

KEYS_FIX = (
    "The key files must belong to the kiosk user and be readable by it only (chmod 600 FILE); "
    "do not delete one to get past this: a new storage key loses the queued cases, a new "
    "signing key the platform registration; restore it from a backup or call support"
)
NEWER_RELEASE_FIX = (
    "A newer release wrote it: install that release (or a later one) again; this one left "
    "the file as it was"
)
STORE_FIXES: tuple[tuple[type[StoreError], str], ...] = (
    (StoreTooNew, NEWER_RELEASE_FIX),
    (StoreFull, "Free disk space (old logs, not the data folder), then restart"),
    (
        StoreBroken,
        "If another kiosk program has it open (a second kiosk, `kiosk queue ...`, `kiosk "
        "selftest`), stop that one; if it is damaged, do not delete it: call support "
        "(`sudo kiosk queue export /media/usb` saves the pending cases)",
    ),
)
PRINT_JOBS_FIX = (
    "Do not delete it: it keeps the receipts for reprints (sealed with the storage key); check "
    "the disk and that the file belongs to the kiosk user, or call support"
)


class StartupError(Exception):
    """The kiosk cannot start until a technician fixes something on this terminal: the file,
    what is wrong with it and the fix. `kiosk run` shows it on screen, never a traceback."""

    def __init__(self, file: Path | str, problem: str, fix: str) -> None:
        self.file, self.problem, self.fix = str(file), problem, fix
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """One line, for stderr and the journal."""
        return f"{self.file}: {self.problem}. {self.fix}"

    @property
    def detail(self) -> str:
        """The file, the problem and the fix, one to a line, for the screen."""
        return "\n".join((self.file, self.problem, self.fix))


def data_dir_of(settings: Settings) -> Path:
    path = settings.terminal.data_dir
    try:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        if path.stat().st_mode & 0o077:  # made by hand or by an older release: 0755
            path.chmod(0o700)
        return path.resolve()
    except OSError as exc:
        raise StartupError(
            path,
            f"the data folder cannot be made or used: {exc.strerror}",
            f"It must belong to the kiosk user, mode 700 (sudo chown -R kiosk: {path})",
        ) from exc


def _terminal_keys(data_dir: Path) -> TerminalKeys:
    try:
        return load_or_create(data_dir)
    except TerminalKeyError as exc:
        raise StartupError(data_dir / "keys", str(exc), KEYS_FIX) from exc


def _case_store(settings: Settings, keys: TerminalKeys, data_dir: Path) -> CaseStore:
    try:
        return open_store(settings, keys, data_dir)
    except StoreError as exc:
        fix = next((text for kind, text in STORE_FIXES if isinstance(exc, kind)), "Call support")
        raise StartupError(store_path(settings, data_dir), str(exc), fix) from exc


def _print_jobs(data_dir: Path, keys: TerminalKeys) -> PrintJobStore:
    try:
        return PrintJobStore.in_data_dir(data_dir, keys.storage_key)
    except PrintStoreError as exc:  # a newer release's schema, a full disk, a damaged file
        fix = NEWER_RELEASE_FIX if isinstance(exc, PrintStoreTooNew) else PRINT_JOBS_FIX
        raise StartupError(data_dir / DB_FILE, str(exc), fix) from exc


def setup_file_logging(settings: Settings, data_dir: Path) -> None:
    log_path = Path(settings.logging.file)
    if not log_path.is_absolute():
        log_path = data_dir / log_path
    log_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    handler = PrivateRotatingFileHandler(
        log_path,
        maxBytes=settings.logging.max_bytes,
        backupCount=settings.logging.backups,
        encoding="utf-8",
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(settings.logging.level)


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """Log files 0600, the rotated ones too (a log names devices, cases and staff)."""

    def _open(self) -> Any:
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.fchmod(fd, 0o600)
        return os.fdopen(fd, self.mode, encoding=self.encoding, errors=self.errors)


@dataclass
class KioskRuntime:
    settings: Settings
    data_dir: Path
    keys: TerminalKeys
    store: CaseStore
    client: PlatformClient | None
    sync: SyncWorker | None
    controller: KioskController
    window: KioskWindow
    platform: Any = None  # the embedded central platform, when running one
    jobs: PrintJobStore | None = None
    technician: TechnicianMode | None = None
    _purge_timer: QTimer | None = None
    _gc: MainThreadGarbageCollector | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def build(cls, settings: Settings, *, rng: random.Random | None = None) -> KioskRuntime:
        """StartupError when the terminal's own files stop it (opened before anything that
        would need stopping)."""
        data_dir = data_dir_of(settings)
        keys = _terminal_keys(data_dir)
        store = _case_store(settings, keys, data_dir)
        try:
            jobs = _print_jobs(data_dir, keys)
        except BaseException:
            store.close()
            raise
        platform, url = _platform(settings, data_dir)
        sync = (
            make_worker(
                settings, store, keys, url, data_dir, _roster_sink(settings, data_dir, keys)
            )
            if url
            else None
        )
        client = sync.client if sync is not None else None
        asking = _lookup_client(settings, keys, url) if url else None
        window = KioskWindow()
        controller = _controller(
            settings,
            data_dir,
            keys,
            store,
            jobs,
            client,
            window,
            rng,
            sync.sync_now if sync is not None else None,
            asking,
        )
        runtime = cls(settings, data_dir, keys, store, client, sync, controller, window, platform)
        runtime.extras["lookup_client"] = asking
        runtime.jobs = jobs
        runtime.technician = TechnicianMode.for_runtime(runtime)
        return runtime

    def start(self) -> None:
        self._gc = MainThreadGarbageCollector(self.window)
        self._gc.start()
        self.controller.start()
        if self.technician is not None:
            self.technician.start()
        self._purge_timer = QTimer(self.window)
        self._purge_timer.timeout.connect(self.purge_print_jobs)
        self._purge_timer.start(PURGE_EVERY_MS)
        self.purge_print_jobs()
        if self.sync is not None:
            self.sync.start()

    def purge_print_jobs(self) -> None:
        """Printed receipts (masked data, sealed) are kept for 补打 for `retention_days`, a
        certificate for as long as it is valid (its keep_until) if that is longer."""
        jobs = self.jobs
        if jobs is None:
            return
        days = self.settings.terminal.retention_days
        now = dt.datetime.now(CHINA_TZ)
        cutoff = now - dt.timedelta(days=days)
        self.controller.background.run(lambda: jobs.purge(cutoff, now.date()), _log_purged)

    def shutdown(self) -> None:
        if self.technician is not None:
            self.technician.shutdown()
        self.controller.shutdown()
        if self.sync is not None:
            self.sync.stop()
        if self.client is not None:
            self.client.close()
        asking = self.extras.get("lookup_client")
        if asking is not None:
            asking.close()
        self.store.close()
        if self.jobs is not None:
            self.jobs.close()
        if self.platform is not None:
            self.platform.stop()
        if self._gc is not None:
            self._gc.stop()  # every thread is stopped: collect the rest here, on the GUI thread


def _log_purged(result: Result[int]) -> None:
    match result:
        case Failed(error):
            log.error("purging old print jobs failed: %s", error)
        case Done(purged) if purged:
            log.info("purged %s printed jobs past retention", purged)


def _roster_sink(settings: Settings, data_dir: Path, keys: TerminalKeys) -> RosterSink | None:
    """The sync worker (its own thread) reseals each new roster into face.roster_file."""
    if not settings.face.roster_file:
        return None
    return roster_sink(data_dir / settings.face.roster_file, keys.storage_key)


def _platform(settings: Settings, data_dir: Path) -> tuple[Any, str]:
    """The configured platform URL, or an embedded platform when none is configured."""
    if settings.platform.url or not settings.platform.embedded:
        return None, settings.platform.url
    from central.embedded import EmbeddedPlatform  # only demo terminals run one

    platform = EmbeddedPlatform(data_dir / "central.db")
    url = platform.start()
    register_local_terminal(
        platform, data_dir, settings.terminal.id, settings.terminal.service_point
    )
    return platform, url


def _camera_settings(settings: Settings) -> Any:
    camera = settings.camera
    clip = demo_clip()
    if camera.backend == "simulated" and not camera.source and clip is not None:
        return dataclasses.replace(camera, source=str(clip))
    return camera


def voice_for(settings: Settings) -> Voice:
    if not settings.voice.enabled:
        return SilentVoice()
    from kiosk.voice.player import PromptPlayer

    return PromptPlayer(
        settings.terminal.locale,
        settings.voice.prompts_dir,
        True,
        settings.voice.volume,
        voice=settings.voice.voice,
    )


def _controller(
    settings: Settings,
    data_dir: Path,
    keys: TerminalKeys,
    store: CaseStore,
    jobs: PrintJobStore,
    client: PlatformClient | None,
    window: KioskWindow,
    rng: random.Random | None,
    sync_now: Callable[[], None] | None = None,
    asking: PlatformClient | None = None,
) -> KioskController:
    card = CardReaderBridge(create_card_reader(settings.card_reader))
    camera_settings = _camera_settings(settings)
    camera = CameraBridge(create_camera(camera_settings), camera_settings.stall_timeout_s)
    matcher = HolderMatcher.from_settings(
        settings.face, data_dir, client.reference_face if client else None, keys.storage_key
    )
    face = FaceBridge(camera.latest, settings.face, matcher, FaceEngine.load, rng=rng)
    recorder = CaseRecorder(store, jobs, settings, keys, after_enqueue=sync_now)
    lookup = ResidentLookup(recorder, store, asking, _platform_key(data_dir) if asking else None)
    records = RecordBridge(recorder.record, lookup.lookup, rate=recorder.record_rating)
    printer = PrinterBridge(
        create_printer(settings.printer, data_dir),
        jobs,
        watch_interval_s=settings.printer.watch_interval_s,
    )
    voice = voice_for(settings)
    flow = SessionFlow(
        FlowConfig.from_limits(
            settings.flow,
            max_card_attempts=settings.card_reader.max_read_attempts,
            max_capture_attempts=settings.face.max_capture_attempts,
            staff_call_s=settings.staff_call.give_up_s,
        )
    )

    staff_gate = StaffGate(settings.technician, state_dir=data_dir)
    return KioskController(
        flow,
        window,
        card,
        camera,
        face,
        records,
        printer,
        voice,
        ReceiptBuilder(
            settings, recorder.holder, lambda: verify_base_url(settings, data_dir)
        ).build,
        staff_gate.identify,
        surroundings=lambda: screen_surroundings(settings),
        staff_desk=staff_desk_maker(settings, store, voice, sync_now),
    )


def _lookup_client(settings: Settings, keys: TerminalKeys, url: str) -> PlatformClient:
    """查询认证结果's own connection (the sync worker's is busy on its thread), with a short
    timeout: a resident waits on it, and the terminal's records answer when it is down."""
    timeout_s = min(settings.platform.timeout_s, LOOKUP_TIMEOUT_S)
    return PlatformClient(url, keys, ca_bundle=settings.platform.ca_bundle, timeout_s=timeout_s)


def _platform_key(data_dir: Path) -> Ed25519PublicKey | None:
    """The key the platform signs its answers with (registration's platform_signing_key);
    None when unknown: nothing from the platform is then believed."""
    try:
        key = load_registration(data_dir).platform_signing_key
        return wire.ed25519_from_b64(key) if key else None
    except (NotRegistered, wire.WireError) as exc:
        log.warning("the platform's signing key is unknown (%s): queries answered here", exc)
        return None


def staff_desk_maker(
    settings: Settings, store: CaseStore, voice: Voice, sync_now: Callable[[], None] | None
) -> Callable[[OffGuiRunner, QObject], StaffCallDesk]:
    """How the controller makes its staff call desk (kiosk.qt.staff_call), from `[staff_call]`."""
    config = settings.staff_call

    def make(records: OffGuiRunner, parent: QObject) -> StaffCallDesk:
        terminal = settings.terminal
        recorder = StaffCallRecorder(
            store.enqueue, terminal.id, terminal.service_point, after_enqueue=sync_now
        )
        chime = None
        if config.chime:
            from kiosk.voice.chime import AttentionChime

            busy: Callable[[], bool] = getattr(voice, "is_busy", lambda: False)
            interval, volume = config.chime_interval_s, config.chime_volume
            chime = AttentionChime(interval, volume, voice_busy=busy, parent=parent)
        return StaffCallDesk(
            recorder, chime, records, hook=config.hook, hook_timeout_s=config.hook_timeout_s,
            parent=parent,
        )  # fmt: skip

    return make


def orientation_problem(orientation: str, width: int, height: int) -> str:
    """What is wrong when the display the kiosk fills does not stand as `ui.orientation` says
    ('' when it does). The kiosk does not rotate the display: the compositor does (cage -r,
    xrandr --rotate; docs/deploy.md)."""
    standing = "portrait" if height > width else "landscape"
    if standing == orientation:
        return ""
    return (
        f"ui.orientation is {orientation} but the display is {width}x{height} ({standing}): "
        "the screens are laid out for the display as it is; to turn it, rotate the output in "
        "the compositor (kiosk.service: cage -r; Xorg: xrandr --rotate), see docs/deploy.md"
    )


def screen_surroundings(settings: Settings) -> Surroundings:
    """What the screens say beyond the flow's view: where and from when a pending case can be
    asked about (as the pending slip prints it)."""
    check_after = dt.datetime.now(CHINA_TZ).date() + dt.timedelta(days=PENDING_CHECK_AFTER_DAYS)
    return Surroundings(
        service_point=settings.terminal.service_point, check_after=check_after.isoformat()
    )
