"""Render the default prompts to WAV with espeak-ng (voice cmn-latn-pinyin), once.

    python -m kiosk.voice.render [--out DIR] [--force] [--quiet]

Skips prompts whose WAV is newer than their text; with no espeak-ng it says so and exits 0
(the kiosk then runs silently and shows everything on screen).
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

from kiosk.voice.prompts import PROMPTS_ZH

log = logging.getLogger(__name__)
DEFAULT_OUT = Path(__file__).with_name("prompts") / "zh_CN"
VOICE = "cmn-latn-pinyin"


def render_all(out_dir: Path, *, force: bool = False) -> int:
    """Render what is missing or changed; return how many files were written."""
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        log.warning("espeak-ng not found: voice prompts not rendered")
        return 0
    out_dir.mkdir(parents=True, exist_ok=True)
    index_path = out_dir / "index.json"
    index = json.loads(index_path.read_text()) if index_path.exists() else {}
    written = 0
    for prompt_id, text in PROMPTS_ZH.items():
        digest = hashlib.sha256(text.encode()).hexdigest()[:16]
        wav = out_dir / f"{prompt_id}.wav"
        if not force and wav.exists() and index.get(prompt_id) == digest:
            continue
        cmd = [espeak, "-v", VOICE, "-s", "130", "-w", str(wav), text]
        subprocess.run(cmd, check=True, capture_output=True, timeout=60)  # noqa: S603 - fixed argv
        index[prompt_id] = digest
        written += 1
    index_path.write_text(json.dumps(index, indent=1, sort_keys=True))
    return written


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--force", action="store_true")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args()
    written = render_all(args.out, force=args.force)
    if not args.quiet or written:
        print(f"voice prompts: {written} rendered into {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
