"""Self-test of what lives on this terminal: the case queue and its disk, the face models and
the presentation-attack (PAD) model.

The queue is read with `offline_queue.store.read_status` (read-only, no keys, no writer
lock): the running kiosk holds the store's lock, and a self-test must neither wait for it nor
create a store.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import time
from pathlib import Path

from config.settings import Settings
from kiosk.face.engine import FaceEngine, ModelPaths
from kiosk.face.errors import ModelLoadError
from kiosk.face.pad import PadStage
from kiosk.selftest.result import Check, CheckFailed, said
from kiosk.technician.status import answers_summary
from offline_queue.answers import read_answers_status
from offline_queue.errors import StoreError
from offline_queue.runtime import MB, store_path
from offline_queue.store import read_status

log = logging.getLogger(__name__)

# The store refuses cases below its reserve: fail before that, while a few still fit.
RESERVE_FACTOR = 2
OLD_PENDING_S = 3 * 86400


def _existing(path: Path) -> Path:
    for folder in (path, *path.parents):
        if folder.exists():
            return folder
    return Path.cwd()


def _free_space(settings: Settings, db_path: Path) -> str:
    folder = _existing(db_path.parent.absolute())
    if folder == db_path.parent.absolute() and not os.access(folder, os.W_OK | os.X_OK):
        raise CheckFailed(said("queue", "数据目录不能写入", f"{folder} is not writable"))
    free = shutil.disk_usage(folder).free
    needed = max(1, settings.queue.min_free_mb) * MB * RESERVE_FACTOR
    if free < needed:
        raise CheckFailed(
            said("queue", "磁盘空间不足", f"only {free // MB} MiB free in {folder}"),
        )
    return f"{free // MB} MiB free"


def check_queue(settings: Settings) -> str:
    db_path = store_path(settings)
    free = _free_space(settings, db_path)
    if not db_path.exists():
        return said("queue", "正常（还没有记录）", f"no cases yet; {free}")
    try:
        status = read_status(db_path)
    except StoreError as exc:
        raise CheckFailed(said("queue", "数据库打不开", f"{db_path}: {exc}")) from None
    depth = status["pending"] + status["sending"]
    age = status["oldest_pending_age_s"]
    oldest = "" if age is None else f", oldest {age / 3600:.1f} h"
    detail = f"{depth} waiting to send{oldest}, {status['rejected']} rejected; {free}"
    if age is not None and age > OLD_PENDING_S:
        return said("queue", "正常，但有记录超过3天没有上传", detail)
    return said("queue", "正常", detail)


QUEUE = Check(
    "queue",
    check_queue,
    lambda s: 10.0,
    "清理磁盘或检查数据目录的权限；不要删除 queue.db，里面有还没上传的业务记录。"
    "/ Free disk space or fix the data folder's owner; never delete queue.db: it holds "
    "cases not yet sent.",
)


def check_answers(settings: Settings) -> str:
    """What the platform answered: decisions received, checks awaiting one, and the face
    roster held (its size and age, or that there is none). Information, never a failure of
    the whole self-test: a terminal works without them."""
    db_path = store_path(settings)
    try:
        figures = read_answers_status(db_path)
    except StoreError as exc:
        raise CheckFailed(said("answers", "读不出来", f"{db_path}: {exc}")) from None
    zh, en = answers_summary(figures, dt.datetime.now(dt.UTC), bool(settings.face.roster_file))
    return said("answers", zh, en)


ANSWERS = Check(
    "answers",
    check_answers,
    lambda s: 10.0,
    "平台的答复读不出来：运行 kiosk queue sync 看同步是否正常。"
    "/ The platform's answers cannot be read: run `kiosk queue sync` and read its errors.",
    required=lambda s: False,
)


def check_face_models(settings: Settings) -> str:
    try:
        paths = ModelPaths.from_package()
        started = time.monotonic()
        FaceEngine.load(paths)
    except ModelLoadError as exc:
        raise CheckFailed(said("face_models", "缺失或损坏", str(exc))) from None
    took = time.monotonic() - started
    return said("face_models", "正常", f"loaded in {took:.1f} s from {paths.encoder.parent}")


FACE_MODELS = Check(
    "face_models",
    check_face_models,
    lambda s: 60.0,
    "人脸模型文件缺失或损坏：重新安装本软件包。"
    "/ The face model files are missing or damaged: install the bundle again.",
)


def check_pad_model(settings: Settings) -> str:
    """The PAD stage loads: its model file is there, matches its pinned sha256 and loads in
    OpenCV's DNN module. The kiosk refuses to check anyone without it (kiosk.qt.face_bridge)."""
    pad = settings.face.pad
    if not pad.enabled:
        return said("pad_model", "已关闭", "off in config (face.pad.enabled = false)")
    try:
        started = time.monotonic()
        stage = PadStage.load(pad)
    except ModelLoadError as exc:
        raise CheckFailed(said("pad_model", "缺失或损坏", str(exc))) from None
    took = time.monotonic() - started
    if stage.model is None:
        return said("pad_model", "未使用（只用图像特征）", "no learned model (face.pad.model)")
    return said("pad_model", "正常", f"{stage.model.name} loaded in {took:.1f} s, sha256 checked")


PAD_MODEL = Check(
    "pad_model",
    check_pad_model,
    lambda s: 30.0,
    "防翻拍模型文件缺失或损坏，终端不会进行人脸认证：重新安装本软件包。"
    "/ The anti-spoofing model is missing or damaged and no face check will run: "
    "install the bundle again.",
)
