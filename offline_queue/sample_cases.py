"""Synthetic test cases for `kiosk queue fill-demo` and the benchmarks.

Every case is marked `test: true` (the platform files it as a test case) and carries a
synthetic ~20 KB face JPEG: a drawn face with sensor-like noise, the size of a real
320x400 best frame at the quality the flow stores. Names and ID numbers are made up; the ID
numbers use region 999999, which no real card has, with a correct check character.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from devices.card_reader.identity import id_number_check_char

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "秀英桂英玉兰建国建华志强淑珍德明春梅海燕"
FAKE_REGION = "999999"


def face_jpeg(seed: int, *, quality: int = 80) -> bytes:
    """A 320x400 synthetic face photo, ~20 KB as JPEG."""
    rng = np.random.default_rng(seed)
    tone = tuple(int(v) for v in rng.integers(150, 220, size=3))
    image = Image.new("RGB", (320, 400), (200, 205, 210))
    draw = ImageDraw.Draw(image)
    draw.ellipse((70, 70, 250, 320), fill=tone)
    for eye_x in (120, 200):
        draw.ellipse((eye_x - 14, 170, eye_x + 14, 186), fill=(60, 45, 40))
    draw.line((160, 190, 150, 245, 165, 250), fill=(120, 90, 80), width=3)
    draw.arc((120, 250, 200, 290), 20, 160, fill=(150, 60, 60), width=4)
    image = image.filter(ImageFilter.GaussianBlur(2))
    noise = rng.normal(0, 9, size=(400, 320, 3))
    pixels = np.clip(np.asarray(image, dtype=np.float64) + noise, 0, 255).astype(np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "JPEG", quality=quality)
    return out.getvalue()


def fake_id_number(rng: random.Random) -> str:
    born = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(0, 25 * 365))
    first17 = f"{FAKE_REGION}{born:%Y%m%d}{rng.randrange(0, 1000):03d}"
    return first17 + id_number_check_char(first17)


def demo_payload(rng: random.Random, terminal_id: str) -> dict[str, Any]:
    """A pension-check case shaped as the flow records it (docs/case-schema.json), made up."""
    id_number = fake_id_number(rng)
    outcome = rng.choices(["verified", "not_verified", "pending"], [8, 1, 1])[0]
    verified = outcome == "verified"
    distance = round(rng.uniform(0.25, 0.45) if verified else rng.uniform(0.5, 0.8), 4)
    valid_until = f"{dt.date.today().year + 1}-01-31" if verified else None
    reason = {
        "verified": "",
        "not_verified": rng.choice(["face_mismatch", "timeout"]),
        "pending": "platform_unreachable",
    }[outcome]
    live = reason != "timeout"
    payload: dict[str, Any] = {
        "service": "pension_check",
        "outcome": outcome,
        "reason": reason,
        "terminal_id": terminal_id,
        "service_point": "演示服务站 (test data)",
        "assisted_by": None,
        "resident": {
            "card_kind": "id_card",
            "name": rng.choice(SURNAMES) + rng.choice(GIVEN[::2]) + rng.choice(GIVEN[1::2]),
            "id_number": id_number,
            "sex": rng.choice(["1", "2"]),
            "birth_date": f"{id_number[6:10]}-{id_number[10:12]}-{id_number[12:14]}",
            "card_valid_to": "long_term",
            "card_expired": False,
        },
        "match": (
            {"distance": distance, "threshold": 0.51, "reference": "card_photo"}
            if reason in ("", "face_mismatch")
            else {}
        ),
        "liveness": {
            "passed": live,
            "reason": "passed" if live else "timeout",
            "restarts": 0,
            "actions": [
                {"action": action, "passed": live, "at_s": round(rng.uniform(1, 12), 1)}
                for action in rng.sample(["blink", "mouth_open", "turn_left", "turn_right"], 2)
            ],
            "best_frame_s": round(rng.uniform(1, 12), 2) if live else None,
        },
        "valid_until": valid_until,
    }
    if verified:
        number = f"DEMO-{rng.randrange(10**9):09d}"
        payload["certificate"] = {"certificate_no": number, "token": "", "valid_until": valid_until}
    return payload
