"""When the face screen's guidance is spoken: after the action's prompt, never over it, and the
same guidance not again within a few seconds.

The clock is a test clock (seconds are set, not waited for); the speaker stands in for the
PromptPlayer and says whether it is busy, as the player's is_busy() does (the real player
and what is really heard: test_voice_player.py's audio tests).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from kiosk.flow.view import FaceGuide
from kiosk.qt.guidance_voice import QUIET_S, REPEAT_S, GuidanceVoice
from kiosk.voice.prompts import GUIDANCE_PROMPTS


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Speaker:
    def __init__(self) -> None:
        self.played: list[str] = []
        self.busy = False

    def play(self, prompt_id: str) -> None:
        self.played.append(prompt_id)

    def is_busy(self) -> bool:
        return self.busy


Parts = tuple[GuidanceVoice, Speaker, Clock, list[bool]]


@pytest.fixture
def parts(qtbot: QtBot) -> Iterator[Parts]:
    speaker, clock, active = Speaker(), Clock(), [True]
    guidance = GuidanceVoice(speaker, lambda: active[0], clock=clock)
    yield guidance, speaker, clock, active
    guidance.stop()


def view(code: str | None, prompt: str | None = None) -> FaceGuide:
    return FaceGuide(action="blink", guidance_code=code or "", prompt_id=prompt or "")


def test_guidance_waits_for_the_action_prompt_then_is_spoken(qtbot: QtBot, parts: Parts) -> None:
    guidance, speaker, clock, _active = parts
    speaker.busy = True  # the flow just queued "face.blink"
    guidance.follow(view("too_bright", "face.blink"))
    clock.now += 3.0
    guidance.follow(view("too_bright"))
    assert speaker.played == []  # still playing the action: not a word over it
    speaker.busy = False
    guidance.follow(view("too_bright"))
    assert speaker.played == []  # a pause first: the two do not run together
    clock.now += QUIET_S
    with qtbot.waitSignal(guidance.spoken, timeout=2000) as spoken:
        pass  # the next tick speaks it: no new progress view is needed
    assert spoken.args == [GUIDANCE_PROMPTS["too_bright"]]
    assert speaker.played == ["face.bright"]


def test_the_same_guidance_is_not_repeated_within_a_few_seconds(parts: Parts) -> None:
    guidance, speaker, clock, _active = parts
    guidance.follow(view("too_small"))
    assert speaker.played == ["face.closer"]
    for _ in range(5):  # the face engine says it again at every analysed frame
        clock.now += (REPEAT_S - 0.5) / 5
        guidance.follow(view("too_small"))
    assert speaker.played == ["face.closer"]
    clock.now += 1.0
    guidance.follow(view("too_small"))  # still too far away: said once more
    assert speaker.played == ["face.closer", "face.closer"]


def test_a_different_guidance_is_spoken_after_a_pause(parts: Parts) -> None:
    guidance, speaker, clock, _active = parts
    guidance.follow(view("too_small"))
    clock.now += 0.5
    guidance.follow(view("too_dark"))
    assert speaker.played == ["face.closer"]  # too soon after the last one
    clock.now += QUIET_S
    guidance.follow(view("too_dark"))
    assert speaker.played == ["face.closer", "face.dark"]


def test_no_guidance_no_words_and_nothing_once_the_screen_is_left(parts: Parts) -> None:
    guidance, speaker, clock, active = parts
    guidance.follow(view(None))
    guidance.follow(view("unknown_code"))
    assert speaker.played == []
    active[0] = False  # the resident moved on (or is asked "more time?")
    clock.now += REPEAT_S
    guidance.follow(view("no_face"))
    assert speaker.played == []


def test_a_new_capture_may_say_everything_again(parts: Parts) -> None:
    guidance, speaker, clock, _active = parts
    guidance.follow(view("blurred"))
    guidance.stop()
    clock.now += QUIET_S
    guidance.follow(view("blurred"))
    assert speaker.played == ["face.blurred", "face.blurred"]
