"""Translations of the resident's screens.

Source strings are zh_CN (the default, complete by construction). Each other locale is one
file pair here: `kiosk_<locale>.ts` (edited by translators, kept in step with the sources by
`python -m kiosk.i18n update`) and `kiosk_<locale>.qm` (compiled from it at setup by
`python -m kiosk.i18n build`, which `./dev setup` runs). Adding a locale is adding a `.ts`:
`python -m kiosk.i18n update --add fr`.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QTranslator

from kiosk.i18n.extract import (
    I18N_DIR,
    SOURCE_LANGUAGE,
    I18nError,
    read_ts,
    scan,
    ts_language,
    write_ts,
)

log = logging.getLogger(__name__)

__all__ = ["I18nError", "build", "install_translator", "locales", "qm_path", "ts_path", "update"]

_installed: QTranslator | None = None  # kept referenced: Qt does not own it


def ts_path(locale: str, folder: Path = I18N_DIR) -> Path:
    return folder / f"kiosk_{locale}.ts"


def qm_path(locale: str, folder: Path = I18N_DIR) -> Path:
    return folder / f"kiosk_{locale}.qm"


def locales(folder: Path = I18N_DIR) -> list[str]:
    """Every locale the kiosk can show: the source language and each translation file."""
    found = sorted(p.stem.removeprefix("kiosk_") for p in folder.glob("kiosk_*.ts"))
    return [SOURCE_LANGUAGE, *found]


def install_translator(
    app: QCoreApplication, locale: str, *, folder: Path = I18N_DIR, strict: bool = False
) -> QTranslator | None:
    """Show the screens in `locale` from now on (re-render them to see it).

    zh_CN needs no translator. A locale whose `.qm` is missing or unreadable leaves the
    screens in Chinese (logged; with `strict` it raises I18nError instead).
    """
    global _installed  # noqa: PLW0603 - one translator for the whole app, replaced on switch
    if _installed is not None:
        app.removeTranslator(_installed)
        _installed = None
    if locale == SOURCE_LANGUAGE:
        return None
    path = qm_path(locale, folder)
    translator = QTranslator(app)
    if not path.exists() or not translator.load(str(path)):
        message = f"no compiled translation for {locale} at {path}: run ./dev setup"
        if strict:
            raise I18nError(message)
        log.error("%s; the screens stay in Chinese", message)
        return None
    app.installTranslator(translator)
    _installed = translator
    return translator


def _lrelease() -> str:
    beside = Path(sys.executable).with_name("pyside6-lrelease")
    found = str(beside) if beside.exists() else shutil.which("pyside6-lrelease")
    if not found:
        raise I18nError("pyside6-lrelease not found (it comes with PySide6)")
    return found


def build(folder: Path = I18N_DIR, *, force: bool = False) -> list[Path]:
    """Compile every `.ts` whose `.qm` is missing or older; return the `.qm` files written."""
    written = []
    for ts in sorted(folder.glob("kiosk_*.ts")):
        qm = ts.with_suffix(".qm")
        if not force and qm.exists() and qm.stat().st_mtime >= ts.stat().st_mtime:
            continue
        proc = subprocess.run(  # noqa: S603 - a fixed tool on our own files
            [_lrelease(), "-silent", str(ts), "-qm", str(qm)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if proc.returncode != 0 or not qm.exists():
            raise I18nError(f"lrelease failed for {ts.name}: {proc.stderr.strip()[-300:]}")
        written.append(qm)
    return written


def update(folder: Path = I18N_DIR, add: tuple[str, ...] = ()) -> dict[str, dict[str, int]]:
    """Rescan the sources into every `.ts` (and new ones for `add`); return counts per locale."""
    sources = scan()
    for locale in add:
        if locale != SOURCE_LANGUAGE and not ts_path(locale, folder).exists():
            write_ts(ts_path(locale, folder), locale, sources, {})
    counts = {}
    for ts in sorted(folder.glob("kiosk_*.ts")):
        old = read_ts(ts)
        write_ts(ts, ts_language(ts), sources, old)
        now = read_ts(ts)
        live = [m for m in now.values() if not m.vanished]
        counts[ts.stem.removeprefix("kiosk_")] = {
            "sources": len(live),
            "finished": sum(m.finished for m in live),
            "unfinished": sum(not m.finished for m in live),
            "vanished": len(now) - len(live),
        }
    return counts
