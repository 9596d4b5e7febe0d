"""`kiosk run` (the kiosk window) and `kiosk demo` (one simulated check, saved as PNGs)."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from config import ConfigError, load_settings
from kiosk.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError

if TYPE_CHECKING:  # Qt and the app are imported only once a command needs them
    from PySide6.QtWidgets import QWidget

    from kiosk.app import StartupError


def register(subparsers: Any) -> None:
    run = subparsers.add_parser("run", help="start the kiosk")
    run.add_argument("--config", type=Path, help="terminal file (default: built-in defaults)")
    run.add_argument("--windowed", action="store_true", help="not full screen (development)")
    run.set_defaults(handler=_run)
    demo = subparsers.add_parser("demo", help="walk one simulated pension check")
    demo.add_argument("--config", type=Path)
    demo.add_argument("--headless", action="store_true", help="offscreen, no window")
    demo.add_argument("--out", type=Path, default=Path("out/demo"), help="folder for the PNGs")
    demo.add_argument("--size", default="", help="WxH, default from ui.orientation")
    demo.add_argument("--timeout", type=float, default=180.0)
    demo.add_argument(
        "--audit",
        action="store_true",
        help="also render every screen state to OUT/states/, measure text size, touch targets, "
        "contrast and clipping; the exit code is still 0 when the session passed: unmet "
        "targets are reported (targets_met, shortfalls), not failed",
    )
    demo.add_argument("--json", action="store_true", help="print the result as JSON")
    demo.set_defaults(handler=_demo)


def _size(text: str, orientation: str) -> tuple[int, int]:
    if not text:
        return (1080, 1920) if orientation == "portrait" else (1920, 1080)
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise UsageError(f"--size must look like 1920x1080, not {text!r}") from None
    if not (320 <= width <= 7680 and 320 <= height <= 7680):
        raise UsageError("--size must be between 320 and 7680 pixels each way")
    return width, height


def _qt_app(headless: bool, locale: str) -> Any:
    """The QApplication with the CJK font and the locale's translations installed."""
    if headless:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtWidgets import QApplication

    from kiosk.i18n import install_translator

    app = QApplication.instance() or QApplication(sys.argv[:1])
    install_translator(app, locale)  # before the window is built: its texts are set once
    return app


def install_font(app: Any, font_file: str) -> str:
    from screens.theme import install_font as install

    return install(app, font_file)


def _run(args: argparse.Namespace) -> int:
    try:
        settings = load_settings(args.config)
    except ConfigError as exc:
        return _show_config_error(exc)
    app = _qt_app(headless=False, locale=settings.terminal.locale)
    install_font(app, settings.ui.font_file)
    from kiosk.app import KioskRuntime, StartupError, setup_file_logging
    from kiosk.sdnotify import Notifier

    try:
        runtime = KioskRuntime.build(settings)
    except StartupError as exc:
        return _show_startup_error(app, exc)
    setup_file_logging(settings, runtime.data_dir)
    show_window(runtime.window, settings.ui, windowed=args.windowed)
    runtime.start()
    watchdog = _systemd_watchdog(Notifier.from_environment())
    try:
        app.exec()
    finally:
        runtime.shutdown()
    if watchdog is not None:
        watchdog.stop()
    notifier = Notifier.from_environment()
    if notifier is not None:
        notifier.stopping()
    return EXIT_OK


def show_window(window: Any, ui: Any, *, windowed: bool = False) -> str:
    """Show the kiosk window as `[ui]` says: full screen (the display as the compositor turns
    it; a display standing the other way than `ui.orientation` is logged, and returned), or
    windowed at the orientation's size."""
    from kiosk.app import orientation_problem

    width, height = _size("", ui.orientation)
    window.resize(width, height)
    if windowed or not ui.fullscreen:
        window.show()
        return ""
    window.showFullScreen()
    display = window.screen().geometry()
    problem = orientation_problem(ui.orientation, display.width(), display.height())
    if problem:  # the technician panel's log shows it too
        logging.getLogger("kiosk.run").warning("%s", problem)
    return problem


def _show_config_error(error: ConfigError) -> int:
    """The GUI's answer to a bad config: a technician-facing screen, never a traceback."""
    print(f"kiosk: configuration error: {error.message}", file=sys.stderr)
    app = _qt_app(headless=False, locale="zh_CN")
    install_font(app, "")
    from screens.config_error import ConfigErrorScreen

    _show_until_restarted(app, ConfigErrorScreen(error.message), "configuration error")
    return EXIT_USAGE


def _show_startup_error(app: Any, error: StartupError) -> int:
    """The terminal's own files stop the kiosk (a key file, the case store): the technician
    sees the file, the problem and the fix on screen; a data failure, so exit 3."""
    print(f"kiosk: cannot start: {error.message}", file=sys.stderr)
    from screens.config_error import StartupErrorScreen

    _show_until_restarted(app, StartupErrorScreen(error.detail), "start-up error")
    return EXIT_FAILED


def _show_until_restarted(app: Any, screen: QWidget, status: str) -> None:
    from kiosk.sdnotify import Notifier

    screen.showFullScreen()
    # Up and answering, only waiting for a technician: without the pings systemd would kill
    # and restart this screen every WatchdogSec, and the technician would see it flicker.
    watchdog = _systemd_watchdog(Notifier.from_environment(), status)
    app.exec()
    if watchdog is not None:
        watchdog.stop()


def _systemd_watchdog(notifier: Any, status: str = "kiosk running") -> Any:
    """Tell systemd the kiosk is up and keep pinging from the GUI thread: a frozen GUI
    stops the pings and systemd restarts the kiosk."""
    if notifier is None:
        return None
    from PySide6.QtCore import QTimer

    notifier.ready(status)
    if not notifier.watchdog_enabled:
        return None
    timer = QTimer()
    # The timer owns the notifier: Qt holds a plain object's bound method only weakly, so a
    # notifier nobody else kept would be collected and the pings would stop.
    timer.notifier = notifier  # type: ignore[attr-defined]
    timer.timeout.connect(notifier.watchdog)
    timer.start(int(notifier.ping_interval_s * 1000))
    return timer


def _demo(args: argparse.Namespace) -> int:
    base = load_settings(args.config)
    width, height = _size(args.size, base.ui.orientation)
    app = _qt_app(args.headless, base.terminal.locale)
    family = install_font(app, base.ui.font_file)
    from kiosk.app import KioskRuntime, StartupError
    from kiosk.qt.headless_demo import STATES_DIR, DemoDriver, DemoError, demo_setup

    args.out.mkdir(parents=True, exist_ok=True)
    for old in [*args.out.glob("*.png"), *(args.out / STATES_DIR).glob("*.png")]:
        old.unlink()
    try:
        setup = demo_setup(base, args.out)
    except DemoError as exc:
        print(f"kiosk demo: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print(f"kiosk demo: {setup.walk} walk ({setup.reason})", file=sys.stderr)
    try:
        runtime = KioskRuntime.build(setup.settings)
    except StartupError as exc:
        print(f"kiosk demo: cannot start: {exc.message}", file=sys.stderr)
        return EXIT_FAILED
    runtime.window.setFixedSize(width, height)  # the panel's size: layouts must fit it
    runtime.window.show()
    driver = DemoDriver(runtime, args.out, timeout_s=args.timeout, walk=setup.walk)
    runtime.start()
    try:
        app.exec()
    finally:
        runtime.shutdown()
    result = driver.result
    summary: dict[str, Any] = {
        "ok": result.ok,
        "error": result.error,
        "font": family,
        "size": f"{width}x{height}",
        "screens": [p.name for p in result.screens],
        "receipt": result.receipt.name if result.receipt else None,
        "out": str(args.out),
        "walk": setup.walk,
        "walk_reason": setup.reason,
    }
    if args.audit:
        # After the session: the devices are stopped, nothing but the states moves the window.
        summary = _audit(runtime.window, args.out, (width, height), summary)
    _report(summary, args.json, args.audit)
    return EXIT_OK if summary["ok"] else EXIT_FAILED


def _audit(
    window: Any, out: Path, panel: tuple[int, int], summary: dict[str, Any]
) -> dict[str, Any]:
    """The summary with the audit: "screens" becomes the figures of every state."""
    from kiosk.qt.headless_demo import (
        STATES_DIR,
        TARGETS,
        DemoError,
        audit_shortfalls,
        render_states,
    )

    try:
        results = render_states(window, out / STATES_DIR, panel)
    except DemoError as exc:
        return {**summary, "ok": False, "error": str(exc), "targets_met": False, "screens": []}
    misses = audit_shortfalls(results)
    session = summary.pop("screens")
    return {
        **summary,
        "targets": TARGETS,
        "targets_met": not misses,
        "shortfalls": misses,
        "screens": results,
        "session_screens": session,
        "states_dir": str(out / STATES_DIR),
    }


def _report(summary: dict[str, Any], as_json: bool, audited: bool) -> None:
    if as_json:
        print(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        out = Path(summary["out"])
        for name in summary["session_screens" if audited else "screens"]:
            print(out / name)
        if summary["receipt"]:
            print(out / summary["receipt"])
        if audited:
            for figures in summary["screens"]:
                print(_audit_line(figures))
    for name, misses in summary.get("shortfalls", {}).items():
        print(f"audit: {name}: {'; '.join(misses)}", file=sys.stderr)
    if not as_json:
        print(
            ("demo finished: " if summary["ok"] else "demo FAILED: ")
            + (summary["error"] or summary["out"]),
            file=sys.stderr,
        )


def _audit_line(figures: dict[str, Any]) -> str:
    clipped = ", ".join(figures["clipped"]) or "-"
    return (
        f"{figures['name']:<22} text {figures['min_font_px']} px  "
        f"target {figures['min_target_px']} px  contrast {figures['min_contrast']}:1  "
        f"clipped: {clipped}"
    )
