"""Synthetic presentation attacks made from live tune frames, for bench/pad.py.

The tune data holds four real attacks; these add more of each kind from the live photos and
clips: the live face shown on a phone or a monitor (perspective warp into a bezel, screen gamma
and colour cast, raised black level, moire from the screen's pixel grid, glare) or printed on
paper (paper white and texture, ink contrast, a bent sheet), filmed against a plain room wall
(sometimes with a door frame) with camera noise. They are only as good as this model of a
screen or a print: a cue that looks for exactly what is drawn here (moire, glare, a bezel)
will look better on them than on real attacks, so their figures are reported apart.
"""

from __future__ import annotations

import random

import cv2
import numpy as np

Image = np.ndarray
KINDS = ("phone", "monitor", "print")
SIZE = (640, 480)


class Scene:
    """One attack set-up (device, placement, light), kept fixed over a clip with small jitter."""

    def __init__(self, kind: str, rng: random.Random) -> None:
        if kind not in KINDS:
            raise ValueError(kind)
        self.kind = kind
        self.rng = rng
        width, height = SIZE
        self.wall = _wall(rng)
        if kind == "phone":
            self.screen = (270, 480)  # portrait, content size in pixels before the warp
            self.border = (14, 40)  # bezel thickness at the sides, top/bottom
            span = rng.uniform(0.6, 0.85) * height  # held close to the camera
        elif kind == "monitor":
            self.screen = (640, 400)
            self.border = (18, 18)
            span = rng.uniform(0.6, 0.8) * height
        else:
            self.screen = (420, 560)  # a photo print, portrait
            self.border = (24, 24)  # white paper margin
            span = rng.uniform(0.55, 0.75) * height
        sh = self.screen[1]
        self.scale = span / (sh + 2 * self.border[1])
        self.centre = (width / 2 + rng.uniform(-40, 40), height / 2 + rng.uniform(-30, 30))
        self.tilt = [rng.uniform(-0.06, 0.06) for _ in range(8)]  # corner offsets (perspective)
        self.gamma = rng.uniform(0.8, 1.2)
        self.cast = np.array([rng.uniform(1.0, 1.25), rng.uniform(0.95, 1.1), 1.0])  # B, G, R
        self.black = rng.uniform(15, 40)
        self.moire_period = rng.uniform(2.2, 3.5)
        self.moire_angle = rng.uniform(0, np.pi)
        self.moire_depth = rng.uniform(0.04, 0.1)
        self.glare = (rng.uniform(0.2, 0.8), rng.uniform(0.2, 0.8), rng.uniform(0.3, 0.7))

    def render(self, content: Image, t: float = 0.0) -> Image:
        """The scene with `content` (a BGR frame with a face) on the device, as filmed."""
        sw, sh = self.screen
        shown = _fill(content, sw, sh)
        if self.kind == "print":
            sheet = _print(shown, self.rng)
            face_colour = (235, 240, 242)
        else:
            sheet = _screen(shown, self)
            face_colour = (20, 20, 22)
        bx, by = self.border
        device = np.full((sh + 2 * by, sw + 2 * bx, 3), face_colour, np.uint8)
        device[by : by + sh, bx : bx + sw] = sheet
        return _place(device, self, t)


def _wall(rng: random.Random) -> Image:
    width, height = SIZE
    base = np.array([rng.uniform(150, 220), rng.uniform(150, 220), rng.uniform(150, 220)])
    gradient = np.linspace(0.85, 1.1, width)[None, :, None]
    wall = np.clip(base[None, None, :] * gradient * np.ones((height, 1, 1)), 0, 255)
    wall = wall.astype(np.uint8)
    if rng.random() < 0.5:  # a door frame somewhere: straight edges that are not a device
        x = rng.randrange(20, width - 120)
        cv2.rectangle(wall, (x, 30), (x + 100, height), (90, 110, 130), 6)
    return wall


def _fill(content: Image, width: int, height: int) -> Image:
    """Centre-crop to the target aspect and resize (faces keep their shape)."""
    rows, cols = content.shape[:2]
    scale = max(width / cols, height / rows)
    cw, ch = round(width / scale), round(height / scale)
    left, top = (cols - cw) // 2, (rows - ch) // 2
    return cv2.resize(content[top : top + ch, left : left + cw], (width, height))


def _screen(image: Image, scene: Scene) -> Image:
    out = image.astype(np.float32) / 255.0
    out = out**scene.gamma * scene.cast[None, None, :]
    out = scene.black / 255.0 + out * (1 - scene.black / 255.0)
    height, width = out.shape[:2]
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    phase = (xx * np.cos(scene.moire_angle) + yy * np.sin(scene.moire_angle)) / scene.moire_period
    out *= (1 + scene.moire_depth * np.sin(2 * np.pi * phase))[..., None]
    gx, gy, radius = scene.glare
    blob = np.exp(-(((xx / width - gx) ** 2 + (yy / height - gy) ** 2) / (radius * 0.25) ** 2))
    out += 0.5 * blob[..., None]
    return np.clip(out * 255, 0, 255).astype(np.uint8)


def _print(image: Image, rng: random.Random) -> Image:
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)[..., None].astype(np.float32)
    out = 0.7 * image.astype(np.float32) + 0.3 * grey  # ink gamut: less saturated
    out = 30 + out * (225 - 30) / 255.0  # paper white, ink black: a smaller range
    height, width = out.shape[:2]
    np_rng = np.random.default_rng(rng.randrange(1 << 30))
    fibres = cv2.GaussianBlur(np_rng.normal(0, 1, (height, width)).astype(np.float32), (0, 0), 2)
    grain = np_rng.normal(0, 4, (height, width)).astype(np.float32)
    out += (6 * fibres + grain)[..., None]
    out = cv2.GaussianBlur(out, (0, 0), 0.8)  # halftone dots blur into each other
    return np.clip(out, 0, 255).astype(np.uint8)


def _place(device: Image, scene: Scene, t: float) -> Image:
    height, width = device.shape[:2]
    s = scene.scale
    cx, cy = scene.centre
    # A hand holding it: a slow sway of a few pixels.
    cx += 4 * np.sin(2 * np.pi * 0.7 * t)
    cy += 3 * np.sin(2 * np.pi * 0.5 * t + 1)
    w, h = width * s, height * s
    k = scene.tilt
    corners = np.float32(
        [
            [cx - w / 2 + k[0] * w, cy - h / 2 + k[1] * h],
            [cx + w / 2 + k[2] * w, cy - h / 2 + k[3] * h],
            [cx + w / 2 + k[4] * w, cy + h / 2 + k[5] * h],
            [cx - w / 2 + k[6] * w, cy + h / 2 + k[7] * h],
        ]
    )
    source = np.float32([[0, 0], [width, 0], [width, height], [0, height]])
    matrix = cv2.getPerspectiveTransform(source, corners)
    frame = scene.wall.copy()
    warped = cv2.warpPerspective(device, matrix, SIZE, flags=cv2.INTER_AREA)
    mask = cv2.warpPerspective(np.ones((height, width), np.uint8), matrix, SIZE) > 0
    frame[mask] = warped[mask]
    noise = np.random.default_rng(int(t * 1000) + 7).normal(0, 3, frame.shape)
    frame = cv2.GaussianBlur(frame, (0, 0), 0.6).astype(np.float32) + noise
    return np.clip(frame, 0, 255).astype(np.uint8)
