"""Cameras. Backends are named in config and imported only when chosen."""

from __future__ import annotations

import importlib

from config.settings import CameraSettings
from devices.camera.base import Camera

BACKENDS: dict[str, str] = {
    "simulated": "devices.camera.simulated:SimulatedCamera",
    "file": "devices.camera.playback:FilePlaybackCamera",
    "opencv": "devices.camera.opencv:OpenCvCamera",
}


def create_camera(settings: CameraSettings) -> Camera:
    module_name, class_name = BACKENDS[settings.backend].split(":")
    backend_class = getattr(importlib.import_module(module_name), class_name)
    camera: Camera = backend_class.from_settings(settings)
    return camera
