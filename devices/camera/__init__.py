"""Cameras. Backends are named in config and imported only when chosen."""

from __future__ import annotations

from config.settings import CameraSettings
from devices.camera.base import Camera
from devices.registry import backend_class

BACKENDS: dict[str, str] = {
    "simulated": "devices.camera.simulated:SimulatedCamera",
    "file": "devices.camera.playback:FilePlaybackCamera",
    "opencv": "devices.camera.opencv:OpenCvCamera",
}


def create_camera(settings: CameraSettings) -> Camera:
    camera: Camera = backend_class(BACKENDS, settings.backend).from_settings(settings)
    return camera
