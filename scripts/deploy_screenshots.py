"""Screenshots for docs/deploy.md: the technician PIN pad and panel on a simulated terminal, and
the screen a terminal shows when its config file is wrong.

    .venv/bin/python scripts/deploy_screenshots.py [--out docs/deploy]

Runs the real app offscreen with simulated devices (no face clip needed: the panel's camera
preview stays empty) and saves half-size PNGs.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import tempfile
from pathlib import Path

os.environ["QT_QPA_PLATFORM"] = "offscreen"
REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from config import ConfigError, load_settings  # noqa: E402
from kiosk.app import KioskRuntime  # noqa: E402
from kiosk.qt.headless_demo import stand_in_frame  # noqa: E402
from screens.config_error import ConfigErrorScreen  # noqa: E402
from screens.theme import install_font  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "deploy")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    app = QApplication([])
    install_font(app)
    base = load_settings()
    with tempfile.TemporaryDirectory() as tmp:
        # The preview shows a drawn stand-in: shared test clips may not be published.
        frames = Path(tmp) / "stand-in"
        frames.mkdir()
        stand_in_frame().save(str(frames / "0001.png"))
        settings = dataclasses.replace(
            base,
            terminal=dataclasses.replace(base.terminal, data_dir=Path(tmp) / "data"),
            voice=dataclasses.replace(base.voice, enabled=False),
            camera=dataclasses.replace(base.camera, source=str(frames)),
        )
        runtime = KioskRuntime.build(settings)
        runtime.window.setFixedSize(1920, 1080)
        runtime.window.show()
        runtime.start()
        technician = runtime.technician

        def save(name: str) -> None:
            image = runtime.window.grab().toImage().scaledToWidth(960)
            image.save(str(args.out / f"{name}.png"))
            print(args.out / f"{name}.png")

        def pin_pad() -> None:
            technician.open_pin_entry()
            QTimer.singleShot(300, lambda: save("technician-pin"))
            QTimer.singleShot(600, panel)

        def panel() -> None:
            technician.enter()
            QTimer.singleShot(2500, lambda: (save("technician-panel"), app.quit()))

        QTimer.singleShot(1500, pin_pad)
        app.exec()
        runtime.shutdown()
        save_config_error(Path(tmp), args.out)
    return 0


def save_config_error(tmp: Path, out: Path) -> None:
    """What `kiosk run` shows for a misspelt value, with the real loader's message."""
    broken = tmp / "etc-kiosk" / "terminal.toml"
    broken.parent.mkdir()
    broken.write_text('[printer]\nbackend = "thermal"\n', encoding="utf-8")
    try:
        load_settings(broken)
    except ConfigError as exc:
        message = exc.message.replace(str(broken), "/etc/kiosk/terminal.toml")
    else:
        raise SystemExit("the broken config loaded: the screenshot would show nothing")
    screen = ConfigErrorScreen(message)
    screen.setFixedSize(1920, 1080)
    screen.show()
    QApplication.processEvents()
    screen.grab().toImage().scaledToWidth(960).save(str(out / "config-error.png"))
    print(out / "config-error.png")
    screen.close()


if __name__ == "__main__":
    sys.exit(main())
