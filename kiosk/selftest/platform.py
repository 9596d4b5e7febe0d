"""Self-test of the platform link: reachable, this terminal registered, clocks close enough.

A terminal works offline (cases wait in the queue), so a remote platform out of reach does
not fail the self-test on its own; a wrong registration or a clock the platform would refuse
does. With no platform URL and `embedded = true` (demo mode) the embedded platform is
started on a scratch database and probed, which also proves the bundle carries it.
"""

from __future__ import annotations

import email.utils
import logging
import tempfile
import time
from pathlib import Path

import requests

from config.settings import Settings
from contract.wire import MAX_CLOCK_SKEW_S
from kiosk.selftest.result import Check, CheckFailed, said
from offline_queue.client import PlatformClient
from offline_queue.errors import NotRegistered
from offline_queue.keys import TerminalKeyError, load
from offline_queue.registration import load_registration

log = logging.getLogger(__name__)

HEALTH_PATH = "/api/v1/health"
PROBE_TIMEOUT_S = 5.0


def _probe_timeout(settings: Settings) -> float:
    return min(settings.platform.timeout_s, PROBE_TIMEOUT_S)


# --- reachable ------------------------------------------------------------------------------


def _check_embedded() -> str:
    # Imported here: only demo terminals run the embedded platform (FastAPI, uvicorn).
    from central.embedded import EmbeddedPlatform, EmbeddedPlatformError

    with tempfile.TemporaryDirectory(prefix="kiosk-selftest-") as scratch:
        platform = EmbeddedPlatform(Path(scratch) / "central.db")
        try:
            url = platform.start()
            with PlatformClient(url) as client:
                answering = client.probe()
        except EmbeddedPlatformError as exc:
            raise CheckFailed(said("platform", "内置平台启动不了", str(exc))) from None
        finally:
            platform.stop()
    if not answering:
        raise CheckFailed(said("platform", "内置平台不回答", f"embedded platform at {url} silent"))
    return said("platform", "正常（演示模式，内置平台）", "embedded demo platform answers")


def _check_ca_bundle(settings: Settings, part: str, *, required: bool | None = None) -> None:
    ca_bundle = settings.platform.ca_bundle
    if ca_bundle and not Path(ca_bundle).is_file():
        raise CheckFailed(
            said(part, "找不到平台证书文件", f"platform.ca_bundle {ca_bundle} does not exist"),
            required=required,
        )


def check_platform(settings: Settings) -> str:
    platform = settings.platform
    if not platform.url:
        if not platform.embedded:
            raise CheckFailed(
                said("platform", "没有设置地址", "no platform.url and embedded = false")
            )
        return _check_embedded()
    # Without its CA bundle no request can ever succeed: a config fault, not a network one.
    _check_ca_bundle(settings, "platform", required=True)
    try:
        client = PlatformClient(
            platform.url,
            ca_bundle=platform.ca_bundle,
            timeout_s=platform.timeout_s,
            probe_timeout_s=_probe_timeout(settings),
        )
    except ValueError as exc:
        raise CheckFailed(said("platform", "地址写错了", str(exc))) from None
    with client:
        if client.probe():
            return said("platform", "可以连接", f"reachable at {platform.url}")
    raise CheckFailed(
        said("platform", "连接不上（业务记录先存在本机）", f"{platform.url} not reachable")
    )


PLATFORM = Check(
    "platform",
    check_platform,
    lambda s: _probe_timeout(s) + 20.0,  # the embedded platform takes a few seconds to start
    "检查网络和配置里的 platform.url、platform.ca_bundle。没有网络时业务照常办理，记录存在本机，"
    "联网后自动上传。/ Check the network, platform.url and platform.ca_bundle. Offline the "
    "kiosk keeps working: cases wait on this terminal and are sent once the link is back.",
    required=lambda s: not s.platform.url,
)


# --- registered -----------------------------------------------------------------------------


def check_registration(settings: Settings) -> str:
    if not settings.platform.url:
        return said("registration", "演示模式不需要登记", "demo mode: registered at each start")
    data_dir = settings.terminal.data_dir
    try:
        registration = load_registration(data_dir)
        keys = load(data_dir)
    except (NotRegistered, TerminalKeyError) as exc:
        raise CheckFailed(said("registration", "还没有登记", str(exc))) from None
    wrong = []
    if registration.terminal_id != settings.terminal.id:
        wrong.append(
            f"registered as {registration.terminal_id}, configured as {settings.terminal.id}"
        )
    if registration.platform_url.rstrip("/") != settings.platform.url.rstrip("/"):
        wrong.append(f"registered with {registration.platform_url}")
    if registration.key_id != keys.key_id:
        wrong.append("the terminal keys changed since the registration")
    if wrong:
        raise CheckFailed(said("registration", "和配置不一致，需要重新登记", "; ".join(wrong)))
    return said(
        "registration",
        "已登记",
        f"{registration.terminal_id} since {registration.registered_at} (key {keys.key_id[:8]})",
    )


REGISTRATION = Check(
    "registration",
    check_registration,
    lambda s: 5.0,
    "用平台发的登记码运行 kiosk register 登记本终端。"
    "/ Register this terminal with `kiosk register` and the code the platform gave you.",
)


# --- clock ----------------------------------------------------------------------------------


def _platform_time(settings: Settings) -> tuple[float, float]:
    """(platform time, local time at the middle of the request) from the HTTP Date header."""
    platform = settings.platform
    _check_ca_bundle(settings, "clock", required=False)
    started = time.time()
    try:
        response = requests.get(
            platform.url.rstrip("/") + HEALTH_PATH,
            timeout=_probe_timeout(settings),
            verify=platform.ca_bundle or True,  # never off, as in offline_queue.client
        )
    except requests.RequestException as exc:
        raise CheckFailed(
            said(
                "clock", "无法核对（平台连接不上）", f"platform not reachable: {type(exc).__name__}"
            ),
            required=False,
        ) from None
    local = (started + time.time()) / 2
    date = response.headers.get("Date")
    try:
        remote = email.utils.parsedate_to_datetime(date or "").timestamp()
    except (TypeError, ValueError):
        raise CheckFailed(
            said("clock", "无法核对", "the platform's reply carries no Date header"),
            required=False,
        ) from None
    return remote, local


def check_clock(settings: Settings) -> str:
    if not settings.platform.url:
        return said("clock", "正常（平台在本机）", "the embedded platform shares this clock")
    remote, local = _platform_time(settings)
    skew = local - remote
    detail = f"{skew:+.0f} s from the platform's clock (limit {MAX_CLOCK_SKEW_S} s)"
    if abs(skew) > MAX_CLOCK_SKEW_S:
        raise CheckFailed(said("clock", "不准，平台会拒收", detail))
    return said("clock", "正常", detail)


CLOCK = Check(
    "clock",
    check_clock,
    lambda s: _probe_timeout(s) + 5.0,
    "校正本机时间（timedatectl set-ntp true，或 date -s 手动设置）；相差超过5分钟平台会拒收。"
    "/ Set the clock right (timedatectl set-ntp true, or date -s); the platform refuses "
    "requests more than 5 minutes off.",
)
