"""再听一遍 shows only where it does something: not while voice is off, nor for a screen whose
prompt has no file. A real runtime (simulated devices, offscreen) with voice off, and the same
with a stand-in player that has files for some prompts only."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.app import KioskRuntime
from kiosk.voice.player import PromptPlayer
from tests.test_app_session import _runtime_with, tap, wait_for

pytestmark = [pytest.mark.faces, pytest.mark.slow]


def replay_shown(rt: KioskRuntime) -> bool:
    return rt.window.current_screen().replay_button.isVisibleTo(rt.window)


class PartlyRecordedVoice:
    """A player with files for `recorded` prompts only (the audio path has its own tests)."""

    def __init__(self, recorded: set[str]) -> None:
        self.recorded = recorded
        self.played: list[str] = []

    def play(self, prompt_id: str) -> None:
        self.played.append(prompt_id)

    def replay(self) -> None:
        self.played.append("<replay>")

    def stop(self) -> None:
        """Nothing playing."""

    def can_play(self, prompt_id: str) -> bool:
        return prompt_id in self.recorded


def test_no_replay_button_while_voice_is_off(qtbot, tmp_path: Path, testdata: Path) -> None:
    rt = _runtime_with(qtbot, tmp_path)  # voice.enabled = false
    try:
        assert not replay_shown(rt)
        tap(rt, "service_pension_check")
        wait_for(qtbot, rt, "confirm_identity")
        assert not replay_shown(rt)
    finally:
        rt.shutdown()


def test_the_replay_button_follows_the_screens_prompt_file(
    qtbot, tmp_path: Path, testdata: Path
) -> None:
    rt = _runtime_with(qtbot, tmp_path, insert_after_s=60.0)  # the card comes when asked
    try:
        voice = PartlyRecordedVoice({"screen.read_card"})
        rt.controller.voice = voice
        tap(rt, "service_pension_check")
        wait_for(qtbot, rt, "read_card")
        assert replay_shown(rt)  # its prompt has a file: 再听一遍 plays it again
        tap(rt, "replay")
        assert voice.played[-1] == "<replay>"
        tap(rt, "back")
        wait_for(qtbot, rt, "idle")
        voice.recorded.clear()
        tap(rt, "service_pension_check")
        wait_for(qtbot, rt, "read_card")
        assert not replay_shown(rt)  # nothing to hear: no button that does nothing
    finally:
        rt.shutdown()


def test_a_disabled_player_can_play_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "zh_CN" / "female"
    folder.mkdir(parents=True)
    (folder / "screen.idle.wav").write_bytes(b"RIFF")
    player = PromptPlayer("zh_CN", "", enabled=False, prompts_root=tmp_path)
    assert player.resolve("screen.idle") is not None and not player.can_play("screen.idle")
