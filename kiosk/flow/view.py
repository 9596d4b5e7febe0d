"""What the screens are given to render: typed views, masked values only."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FaceGuide:
    """The face capture's progress, from the face thread: the action asked for now, how far
    the resident is, and what to change (too far, too dark, ...)."""

    action: str = ""  # blink | turn_left | ... ('' before the first)
    action_index: int = 0  # 0-based
    actions_total: int = 0
    guidance_code: str = ""  # screens.texts.GUIDANCE_TEXT's keys ('' : nothing to change)
    guidance_text: str = ""  # the engine's own words, for logs and the technician
    prompt_id: str = ""  # the action's voice prompt, once per action ('' : nothing to say)
