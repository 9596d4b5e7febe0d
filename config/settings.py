"""Every setting a terminal has, declared once.

`config/default.toml` mirrors these defaults (a test keeps the two in step); a terminal file
such as `config/terminal.example.toml` overrides them key by key.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal


def _range(default: Any, low: float, high: float) -> Any:
    return field(default=default, metadata={"min": low, "max": high})


# A certificate token (contract.certificates) must stay under 300 characters, what a cheap
# phone reads off a thermal-paper QR code. With every other field at its longest (payload
# version 2: a name of up to 99 characters whose two kept characters take 4 bytes each, an
# 18-character ID number, outcome "pending", a 10-digit time) and the header naming its
# algorithm "Ed25519" (RFC 9864; "EdDSA" was 2 characters shorter and left 28), 27 bytes are
# left for the terminal id as the token's JSON carries it; tests/printtests/test_tokens.py
# recomputes this with the real signer.
TERMINAL_ID_MAX_BYTES = 27


@dataclass(frozen=True)
class TerminalSettings:
    id: str = "SIM-0001"
    service_point: str = "示范村便民服务站"
    locale: Literal["zh_CN", "en"] = "zh_CN"
    data_dir: Path = Path("var")
    # Synced cases' metadata, and printed notices and slips for 补打; a printed certificate
    # stays for 补打 (sealed, masked, no face) until its validity ends when that is later.
    retention_days: int = _range(30, 0, 3650)

    def problems(self) -> list[tuple[str, str, str]]:
        """Keys that cannot work, as (key, problem, fix); the loader reports them."""
        size = len(json.dumps(self.id, ensure_ascii=False).encode()) - 2  # quotes
        if self.id.strip() and size <= TERMINAL_ID_MAX_BYTES:
            return []
        fix = (
            f"Use 1 to {TERMINAL_ID_MAX_BYTES} bytes (a letter, digit or '-' is 1, a Chinese "
            "character 3), e.g. GD0106-017: a longer id does not fit the certificate's QR code."
        )
        return [("id", f"{self.id!r} is {size} bytes long", fix)]


@dataclass(frozen=True)
class UiSettings:
    # How the panel stands. The kiosk fills the display as the compositor gives it; it does not
    # rotate it (cage -r, xrandr --rotate: docs/deploy.md). This sets the window's size when not
    # full screen (the demo, --windowed), and a full-screen start logs a warning when the
    # display stands the other way.
    orientation: Literal["landscape", "portrait"] = "landscape"
    fullscreen: bool = True
    font_file: str = ""


@dataclass(frozen=True)
class FlowSettings:
    """Each step's time limit, in seconds: one `<step>_s` per step of kiosk.flow (a test checks).

    Where the resident is waited on: no touch this long -> "还需要更多时间吗?", answered within
    more_time_answer_s or the visit ends and its data is wiped. Where the machine works
    (matching, lookup, a print job in flight): no answer this long -> the way on.
    """

    read_card_s: int = _range(90, 10, 3600)
    confirm_identity_s: int = _range(90, 10, 3600)
    consent_s: int = _range(90, 10, 3600)
    face_capture_s: int = _range(90, 10, 3600)
    matching_s: int = _range(60, 5, 600)
    lookup_s: int = _range(30, 5, 600)
    result_s: int = _range(90, 10, 3600)
    print_s: int = _range(60, 10, 3600)
    rate_s: int = _range(60, 10, 3600)
    thanks_s: int = _range(8, 2, 120)
    help_s: int = _range(300, 10, 3600)
    device_fault_s: int = _range(300, 10, 3600)
    more_time_answer_s: int = _range(30, 5, 600)


@dataclass(frozen=True)
class VoiceSettings:
    enabled: bool = True
    # The rendered prompts' speaker (kiosk.voice.prompts.VOICES; docs/voice.md).
    voice: Literal["female", "male"] = "female"
    prompts_dir: str = ""
    volume: float = _range(1.0, 0.0, 1.0)


@dataclass(frozen=True)
class StaffCallSettings:
    """呼叫工作人员: what a staff call does at the service point (docs/deploy.md)."""

    # The attention chime (kiosk/voice/chime.wav, louder than the prompts: docs/voice.md),
    # played again every chime_interval_s until staff answer with their PIN, the resident
    # cancels, or give_up_s pass (the call is recorded as timed out).
    chime: bool = True
    chime_interval_s: float = _range(15.0, 3.0, 600.0)
    chime_volume: float = _range(1.0, 0.0, 1.0)
    give_up_s: int = _range(300, 30, 3600)
    # A local command for a buzzer or signal light: the program and its arguments; the
    # call's reason (resident, printer_paper_out, ...) is added as the last argument. Run
    # off the GUI thread, killed after hook_timeout_s; a failure is logged, the call goes on.
    hook: tuple[str, ...] = ()
    hook_timeout_s: float = _range(5.0, 0.5, 60.0)


@dataclass(frozen=True)
class TechnicianSettings:
    # PBKDF2-SHA256 as "pbkdf2_sha256$iterations$salt_hex$hash_hex"; default PIN 246810.
    pin_hash: str = (
        "pbkdf2_sha256$200000$6b696f736b2d64656661756c74$"
        "9faa53ece7bdae20368a90ff55ee2089ccacc1af4759e547d1ff3708a1b0c1ac"
    )
    staff_pin_hash: str = ""
    # Staff who may unlock an assisted check, each "staff number:pin_hash"; the case records
    # the number. Empty: staff_pin_hash (or the technician PIN) unlocks as "staff".
    staff: tuple[str, ...] = ()
    max_attempts: int = _range(5, 1, 20)
    lockout_s: int = _range(300, 10, 86400)


@dataclass(frozen=True)
class SimulatedCardSettings:
    name: str = "张秀英"
    id_number: str = "110101195001011239"
    sex: Literal["1", "2", "0", "9"] = "2"
    photo: str = ""
    fault: Literal["none", "unreadable", "unplugged", "slow", "pcscd_gone"] = "none"
    insert_after_s: float = _range(1.0, 0.0, 600.0)
    slow_delay_s: float = _range(3.0, 0.0, 60.0)
    valid_to: str = "长期"  # the card's validity: 长期 (long-term) or its last day, YYYY-MM-DD

    def problems(self) -> list[tuple[str, str, str]]:
        if self.valid_to == "长期" or _iso_date(self.valid_to):
            return []
        fix = 'Use "长期" or the card\'s last valid day as "YYYY-MM-DD", e.g. "2020-06-30".'
        return [("valid_to", f"{self.valid_to!r} is no date", fix)]


def _iso_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10


@dataclass(frozen=True)
class CardReaderSettings:
    backend: Literal["simulated", "pcsc", "sam-serial"] = "simulated"
    reader: str = ""
    port: str = "/dev/ttyUSB0"
    baud: Literal[9600, 19200, 38400, 57600, 115200] = 115200
    poll_interval_ms: int = _range(500, 300, 5000)
    read_timeout_s: float = _range(3.0, 0.2, 30.0)
    wlt_decoder: str = ""
    max_read_attempts: int = _range(3, 1, 10)
    simulated: SimulatedCardSettings = field(default_factory=SimulatedCardSettings)

    def problems(self) -> list[tuple[str, str, str]]:
        """Keys that cannot work together, as (key, problem, fix); the loader reports them."""
        if self.backend == "sam-serial" and not self.port.strip():
            fix = 'Set it to the reader\'s serial device, e.g. "/dev/ttyUSB0".'
            return [("port", 'is empty but backend is "sam-serial"', fix)]
        return []


@dataclass(frozen=True)
class CameraSettings:
    backend: Literal["simulated", "opencv", "file"] = "simulated"
    device: int = _range(0, 0, 63)
    source: str = ""
    width: int = _range(640, 160, 3840)
    height: int = _range(480, 120, 2160)
    fps: int = _range(25, 1, 120)
    pace: Literal["realtime", "fast"] = "realtime"
    loop: bool = True
    stall_timeout_s: float = _range(3.0, 0.5, 60.0)
    fault: Literal["none", "unplugged", "stall"] = "none"


@dataclass(frozen=True)
class PadSettings:
    """Presentation-attack detection (kiosk/face/pad): refuse a photo, screen or phone replay."""

    enabled: bool = True
    # Learned backend from kiosk.face.pad.model.BACKENDS; "none" = classical cues only (weaker).
    model: Literal["fr_liveness", "none"] = "fr_liveness"
    # Fused attack score at or above which a session is refused (0.5 = each signal's own point).
    threshold: float = _range(0.5, 0.05, 0.95)
    # Decide early, after this many analysed frames with a face, once the verdict is an attack.
    decide_after_frames: int = _range(20, 3, 600)
    # An action already under way this soon after its prompt did not answer it.
    reaction_s: float = _range(0.3, 0.0, 2.0)
    # A random pause before each prompt after the first, so a replay cannot know when it comes.
    prompt_gap_min_s: float = _range(0.5, 0.0, 10.0)
    prompt_gap_max_s: float = _range(1.5, 0.0, 10.0)

    def problems(self) -> list[tuple[str, str, str]]:
        if self.prompt_gap_min_s <= self.prompt_gap_max_s:
            return []
        fix = "Make prompt_gap_min_s at most prompt_gap_max_s."
        return [("prompt_gap_min_s", "is above prompt_gap_max_s", fix)]


@dataclass(frozen=True)
class FaceSettings:
    # Frozen on faces/tune: 0 of 2118 impostor pairs accepted, 7 of 160 genuine pairs rejected
    # (frr 0.04375; kiosk face evaluate ../shared/testdata/faces/tune).
    threshold: float = _range(0.51, 0.2, 1.0)
    challenge_actions: int = _range(2, 1, 5)
    actions: tuple[str, ...] = ("blink", "mouth_open", "turn_left", "turn_right", "nod")
    action_timeout_s: float = _range(20.0, 3.0, 120.0)
    max_capture_attempts: int = _range(3, 1, 10)
    analysis_fps: float = _range(10.0, 1.0, 30.0)
    face_lost_s: float = _range(2.0, 0.2, 10.0)
    max_restarts: int = _range(3, 0, 20)
    roster_file: str = "face_roster.sealed"  # fetched from the platform on each sync
    pad: PadSettings = field(default_factory=PadSettings)


@dataclass(frozen=True)
class PrinterSettings:
    backend: Literal["simulated", "escpos"] = "simulated"
    target: str = ""
    paper_width_mm: Literal[58, 80] = 80
    dots_per_line: int = _range(576, 200, 1024)
    text_mode: Literal["gb18030", "raster"] = "gb18030"
    qr_mode: Literal["native", "image"] = "native"
    timeout_s: float = _range(5.0, 0.5, 60.0)
    status_timeout_s: float = _range(0.5, 0.05, 10.0)
    # Between jobs, ask the printer's status this often (0: only when printing).
    watch_interval_s: float = _range(10.0, 0.0, 3600.0)
    font_file: str = ""
    fault: Literal["none", "paper_out", "offline", "cover_open"] = "none"


# The longest public base URL a certificate's QR code may carry before the token: with the
# longest token (299 characters) the link stays within QR version 15 at error correction M.
VERIFY_URL_MAX_CHARS = 60


@dataclass(frozen=True)
class PlatformSettings:
    url: str = ""
    # The platform's public address as a phone reaches it: the certificate's QR code opens
    # <verify_url>/verify/<token>. Empty: the URL this terminal registered with, else `url`.
    verify_url: str = ""
    embedded: bool = True
    ca_bundle: str = ""
    timeout_s: float = _range(10.0, 1.0, 120.0)
    sync_interval_s: int = _range(60, 5, 86400)
    batch_size: int = _range(20, 1, 500)
    max_backoff_s: int = _range(3600, 10, 86400)

    def problems(self) -> list[tuple[str, str, str]]:
        url = self.verify_url
        if not url:
            return []
        fix = (
            f"Use the platform's public base URL, http(s)://host[/path], at most "
            f"{VERIFY_URL_MAX_CHARS} characters and without ? or #, e.g. "
            '"https://yanglao.example.gov.cn": the QR code adds /verify/<token> to it.'
        )
        scheme, _, rest = url.partition("://")
        good = (
            scheme in ("http", "https")
            and rest.strip("/")
            and url.isascii()
            and not any(c in url for c in "?# ")
            and len(url) <= VERIFY_URL_MAX_CHARS
        )
        return [] if good else [("verify_url", f"{url!r} is not such a URL", fix)]


@dataclass(frozen=True)
class QueueSettings:
    file: str = "queue.db"
    max_db_mb: int = _range(2048, 1, 1_000_000)
    min_free_mb: int = _range(50, 0, 100_000)
    backoff_base_s: float = _range(5.0, 0.01, 3600.0)
    probe_interval_s: float = _range(30.0, 1.0, 3600.0)


@dataclass(frozen=True)
class LoggingSettings:
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    file: str = "logs/kiosk.log"
    max_bytes: int = _range(5_000_000, 10_000, 1_000_000_000)
    backups: int = _range(5, 0, 100)


@dataclass(frozen=True)
class Settings:
    terminal: TerminalSettings = field(default_factory=TerminalSettings)
    ui: UiSettings = field(default_factory=UiSettings)
    flow: FlowSettings = field(default_factory=FlowSettings)
    voice: VoiceSettings = field(default_factory=VoiceSettings)
    staff_call: StaffCallSettings = field(default_factory=StaffCallSettings)
    technician: TechnicianSettings = field(default_factory=TechnicianSettings)
    card_reader: CardReaderSettings = field(default_factory=CardReaderSettings)
    camera: CameraSettings = field(default_factory=CameraSettings)
    face: FaceSettings = field(default_factory=FaceSettings)
    printer: PrinterSettings = field(default_factory=PrinterSettings)
    platform: PlatformSettings = field(default_factory=PlatformSettings)
    queue: QueueSettings = field(default_factory=QueueSettings)
    logging: LoggingSettings = field(default_factory=LoggingSettings)
    # Where the file(s) came from, for messages and for resolving relative paths.
    source: str = field(default="<defaults>", metadata={"internal": True})
