"""File playback and simulated cameras on real clips, GIFs and photos (decoded by content)."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import pytest

from config.settings import CameraSettings
from devices.camera import create_camera
from devices.camera.base import CameraStalled, CameraUnavailable
from devices.camera.playback import FilePlaybackCamera, PlaybackEnded
from devices.camera.simulated import SimulatedCamera
from devices.camera.sources import sniff

pytestmark = pytest.mark.faces

SNIPPET = "videos/tune/eyeblink8_blink_snippets/calibration1_video1.mp4"  # 13 frames, 30 fps
GIF = "videos/tune/headpose_female_intel.gif"  # 23 frames


def read_all(camera: FilePlaybackCamera) -> list[float]:
    stamps = []
    while True:
        try:
            stamps.append(camera.read(2.0).timestamp_s)
        except PlaybackEnded:
            return stamps


def test_formats_are_recognised_by_content_not_name(testdata: Path, tmp_path: Path) -> None:
    disguised = tmp_path / "clip.mp4"
    shutil.copy(testdata / GIF, disguised)
    assert sniff(disguised) == "gif"
    assert sniff(testdata / "faces" / "tune" / "scarlett_johansson" / "3.webp") == "image"
    assert sniff(testdata / "videos" / "tune" / "antispoof_zubair_real.webm") == "video"
    camera = FilePlaybackCamera(disguised, pace="fast", loop=False)
    camera.open()
    try:
        stamps = read_all(camera)
    finally:
        camera.close()
    assert len(stamps) == 23
    # Pillow keeps the GIF's own frame durations (~83 ms here), not a guessed rate.
    assert stamps[1] - stamps[0] == pytest.approx(0.08, abs=0.01)


def test_image_folder_plays_images_in_name_order_and_skips_other_files(
    testdata: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "frames"
    folder.mkdir()
    tune = testdata / "faces" / "tune"
    shutil.copy(tune / "scarlett_johansson" / "3.webp", folder / "001.jpg")  # WEBP named .jpg
    shutil.copy(tune / "jeff_bezos" / "2.jpg", folder / "002.jpg")
    (folder / "notes.txt").write_text("not a frame")
    camera = FilePlaybackCamera(folder, pace="fast", loop=False, fps=5)
    camera.open()
    try:
        first, second = camera.read(1.0), camera.read(1.0)
        with pytest.raises(PlaybackEnded):
            camera.read(1.0)
    finally:
        camera.close()
    assert first.image.shape[:2] == (1800, 1350) and second.image.shape[:2] == (579, 439)
    assert second.timestamp_s == pytest.approx(0.2)


def test_fast_pace_returns_every_frame_and_loop_keeps_time_running(testdata: Path) -> None:
    camera = FilePlaybackCamera(testdata / SNIPPET, pace="fast", loop=True)
    camera.open()
    try:
        frames = [camera.read(1.0) for _ in range(30)]
    finally:
        camera.close()
    stamps = [f.timestamp_s for f in frames]
    assert stamps == sorted(stamps) and len(set(stamps)) == 30
    assert [f.index for f in frames] == list(range(30))


def test_realtime_pace_drops_stale_frames(testdata: Path) -> None:
    camera = FilePlaybackCamera(testdata / GIF, pace="realtime", loop=True)
    camera.open()
    try:
        first = camera.read(1.0)
        time.sleep(0.5)  # a slow consumer: ~6 frames fall due meanwhile
        latest = camera.read(1.0)
    finally:
        camera.close()
    assert first.timestamp_s < 0.2
    assert latest.timestamp_s >= 0.4  # the newest due frame, not the next queued one
    assert latest.index == first.index + 1  # the skipped frames were never delivered


def test_playback_reconnects_when_its_file_comes_back(testdata: Path, tmp_path: Path) -> None:
    source = tmp_path / "camera.mp4"
    shutil.copy(testdata / SNIPPET, source)
    camera = FilePlaybackCamera(source, pace="fast", loop=True)
    camera.open()
    try:
        for _ in range(13):
            camera.read(1.0)
        source.unlink()  # unplugged: noticed when the file is reopened at its end
        with pytest.raises(CameraUnavailable):
            camera.read(0.1)
        with pytest.raises(CameraUnavailable):
            camera.read(0.1)
        shutil.copy(testdata / GIF, source)  # a different source appears under the same name
        frame = camera.read(1.0)
    finally:
        camera.close()
    assert frame.image.shape[:2] == (270, 480)


def test_simulated_camera_without_source_says_what_to_set() -> None:
    camera = create_camera(CameraSettings(backend="simulated", source=""))
    assert isinstance(camera, SimulatedCamera)
    with pytest.raises(CameraUnavailable, match=r"\[camera\] source"):
        camera.open()


def test_simulated_unplug_and_replug_at_run_time(testdata: Path) -> None:
    settings = CameraSettings(source=str(testdata / SNIPPET), pace="fast")
    camera = create_camera(settings)
    assert isinstance(camera, SimulatedCamera)
    camera.open()
    try:
        assert camera.read(1.0).index == 0
        camera.set_fault("unplugged")
        with pytest.raises(CameraUnavailable):
            camera.read(1.0)
        camera.set_fault("none")
        frame = camera.read(1.0)
    finally:
        camera.close()
    assert frame.index == 0  # reopened from the start, as a re-plugged camera restarts


def test_simulated_stall_is_reported_after_the_timeout_not_waited_on(testdata: Path) -> None:
    camera = SimulatedCamera(str(testdata / SNIPPET), pace="fast", fault="stall")
    camera.open()
    try:
        started = time.monotonic()
        with pytest.raises(CameraStalled):
            camera.read(0.3)
        assert 0.25 <= time.monotonic() - started < 1.0
        # Cleared from another thread while a read waits: the read returns a frame at once.
        timer = threading.Timer(0.2, camera.set_fault, args=("none",))
        timer.start()
        started = time.monotonic()
        frame = camera.read(5.0)
        timer.join()
    finally:
        camera.close()
    assert frame.index == 0 and time.monotonic() - started < 2.0


def test_unknown_fault_is_refused(testdata: Path) -> None:
    camera = SimulatedCamera(str(testdata / SNIPPET))
    with pytest.raises(ValueError, match="unplugged"):
        camera.set_fault("on_fire")


def test_file_backend_needs_a_source() -> None:
    with pytest.raises(CameraUnavailable, match="source"):
        create_camera(CameraSettings(backend="file", source=""))
