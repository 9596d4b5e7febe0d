"""Render the default prompts to WAV with espeak-ng, once, for every locale.

    python -m kiosk.voice.render [--out DIR] [--locale zh_CN|en] [--force] [--quiet]

Writes `DIR/<locale>/<prompt-id>.wav` (Mandarin with the voice `cmn-latn-pinyin`, English with
`en-us`). Skips prompts whose WAV was rendered from the same text; with no espeak-ng it says so
and exits 0 (the kiosk then runs silently and shows everything on screen).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import shutil
import subprocess
import sys
from pathlib import Path

from kiosk.voice.prompts import PROMPTS_BY_LOCALE

log = logging.getLogger(__name__)
DEFAULT_ROOT = Path(__file__).with_name("prompts")
SPEED_WPM = 130  # slower than espeak's 175: the listeners are elderly


def render_locale(out_dir: Path, locale: str, *, force: bool = False) -> int:
    """Render what is missing or changed for one locale; return how many files were written."""
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        log.warning("espeak-ng not found: voice prompts not rendered")
        return 0
    voice, texts = PROMPTS_BY_LOCALE[locale]
    out_dir.mkdir(parents=True, exist_ok=True)
    index_path = out_dir / "index.json"
    index = json.loads(index_path.read_text()) if index_path.exists() else {}
    written = 0
    for prompt_id, text in texts.items():
        # The voice is part of the digest: a changed voice re-renders like a changed text.
        digest = hashlib.sha256(f"{voice}\n{text}".encode()).hexdigest()[:16]
        wav = out_dir / f"{prompt_id}.wav"
        if not force and wav.exists() and index.get(prompt_id) == digest:
            continue
        cmd = [espeak, "-v", voice, "-s", str(SPEED_WPM), "-w", str(wav), text]
        subprocess.run(cmd, check=True, capture_output=True, timeout=60)  # noqa: S603 - fixed argv
        index[prompt_id] = digest
        written += 1
    index_path.write_text(json.dumps(index, indent=1, sort_keys=True))
    return written


def render_all(root: Path, *, locales: list[str] | None = None, force: bool = False) -> int:
    """Render every locale (or the ones named) into `root/<locale>/`."""
    return sum(
        render_locale(root / locale, locale, force=force)
        for locale in (locales or list(PROMPTS_BY_LOCALE))
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=DEFAULT_ROOT, help="prompts root folder")
    parser.add_argument("--locale", action="append", choices=sorted(PROMPTS_BY_LOCALE))
    parser.add_argument("--force", action="store_true")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args()
    written = render_all(args.out, locales=args.locale, force=args.force)
    if not args.quiet or written:
        print(f"voice prompts: {written} rendered into {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
