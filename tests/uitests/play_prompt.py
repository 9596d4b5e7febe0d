"""Child process for the voice tests: play one prompt with PromptPlayer, print what happened.

    python play_prompt.py PROMPT_ID [--override DIR] [--stop-after S] [--replay] [--limit S]
                          [--guidance CODE]

Runs in its own process so that the PulseAudio server it talks to (PULSE_SERVER) and the Qt
audio backend start fresh, whatever else the test session did. Prints one JSON object:
{"events": [[name, seconds], ...], "prompts": [[name, prompt id, seconds], ...],
"file": path or null, "elapsed_s": s}.

With --guidance, PROMPT_ID is played as a face action's prompt and, at the same moment, the
face capture reports that guidance code (as the face service does): the kiosk's GuidanceVoice
decides when it is spoken; the run ends when the guidance prompt has finished.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from PySide6.QtCore import QCoreApplication, QTimer

from kiosk.flow.view import FaceGuide
from kiosk.qt.guidance_voice import GuidanceVoice
from kiosk.voice.player import PromptPlayer
from kiosk.voice.prompts import GUIDANCE_PROMPTS


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("prompt_id")
    parser.add_argument("--override", default="")
    parser.add_argument("--stop-after", type=float, default=0.0)
    parser.add_argument("--replay", action="store_true")
    parser.add_argument("--limit", type=float, default=20.0)
    parser.add_argument("--guidance", default="")
    args = parser.parse_args()

    app = QCoreApplication([])
    player = PromptPlayer("zh_CN", args.override, True, 1.0)
    t0 = time.monotonic()
    events: list[tuple[str, float]] = []
    prompts: list[tuple[str, str, float]] = []
    plays_left = [2 if args.replay or args.guidance else 1]
    guidance = GuidanceVoice(player, lambda: True, parent=app)

    def note(name: str, prompt: str = "") -> None:
        events.append((name, round(time.monotonic() - t0, 3)))
        if prompt:
            prompts.append((name, prompt, round(time.monotonic() - t0, 3)))

    def on_started(prompt: str) -> None:
        note("started", prompt)
        if args.stop_after:
            QTimer.singleShot(int(args.stop_after * 1000), lambda: (note("stop"), player.stop()))

    def on_finished(prompt: str) -> None:
        note("finished", prompt)
        plays_left[0] -= 1
        if plays_left[0] <= 0:
            app.quit()
        elif not args.guidance:
            note("replay")
            player.replay()

    player.started.connect(on_started)
    player.finished.connect(on_finished)
    QTimer.singleShot(int(args.limit * 1000), lambda: (note("limit"), app.quit()))
    note("play")
    player.play(args.prompt_id)
    if args.guidance:
        guidance.spoken.connect(lambda prompt: note("guidance", prompt))
        guidance.follow(FaceGuide(guidance_code=args.guidance, prompt_id=args.prompt_id))
    if args.guidance and player.resolve(GUIDANCE_PROMPTS[args.guidance]) is None:
        QTimer.singleShot(0, app.quit)
    if player.resolve(args.prompt_id) is None:
        QTimer.singleShot(0, app.quit)
    app.exec()
    resolved = player.resolve(args.prompt_id)
    out = {
        "events": events,
        "prompts": prompts,
        "file": str(resolved) if resolved else None,
        "elapsed_s": round(time.monotonic() - t0, 3),
    }
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
