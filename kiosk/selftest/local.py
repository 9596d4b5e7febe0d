"""Self-test of what lives on this terminal: the case queue and its disk, the face models.

The queue is read through a read-only SQLite connection: the running kiosk holds the
store's writer lock, and a self-test must neither wait for it nor create a store.
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import time
from pathlib import Path

from config.settings import Settings
from kiosk.face.engine import FaceEngine, ModelPaths
from kiosk.face.errors import ModelLoadError
from kiosk.selftest.result import Check, CheckFailed, said
from offline_queue.store import DEFAULT_MIN_FREE_BYTES

log = logging.getLogger(__name__)

QUEUE_FILE = "queue.db"  # as kiosk.app opens it: <data_dir>/queue.db
# Below this the store starts refusing cases (its reserve plus room for a few cases).
MIN_FREE_BYTES = 2 * DEFAULT_MIN_FREE_BYTES
OLD_PENDING_S = 3 * 86400
MIB = 1024 * 1024


def _existing(path: Path) -> Path:
    for folder in (path, *path.parents):
        if folder.exists():
            return folder
    return Path.cwd()


def _free_space(data_dir: Path) -> str:
    folder = _existing(data_dir.absolute())
    if folder == data_dir.absolute() and not os.access(folder, os.W_OK | os.X_OK):
        raise CheckFailed(said("queue", "数据目录不能写入", f"{data_dir} is not writable"))
    free = shutil.disk_usage(folder).free
    if free < MIN_FREE_BYTES:
        raise CheckFailed(
            said("queue", "磁盘空间不足", f"only {free // MIB} MiB free for {data_dir}"),
        )
    return f"{free // MIB} MiB free"


def _counts(db_path: Path) -> dict[str, tuple[int, float | None]]:
    uri = db_path.absolute().as_uri() + "?mode=ro"
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=2.0)
        try:
            rows = conn.execute(
                "SELECT status, COUNT(*), MIN(created_ts) FROM cases GROUP BY status"
            ).fetchall()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise CheckFailed(said("queue", "数据库打不开", f"{db_path} unreadable: {exc}")) from None
    return {str(status): (int(count), first) for status, count, first in rows}


def check_queue(settings: Settings) -> str:
    data_dir = settings.terminal.data_dir
    free = _free_space(data_dir)
    db_path = data_dir / QUEUE_FILE
    if not db_path.exists():
        return said("queue", "正常（还没有记录）", f"no cases yet; {free}")
    counts = _counts(db_path)
    depth = sum(counts.get(s, (0, None))[0] for s in ("pending", "sending"))
    rejected = counts.get("rejected", (0, None))[0]
    first = counts.get("pending", (0, None))[1]
    oldest = "" if first is None else f", oldest {(time.time() - first) / 3600:.1f} h"
    detail = f"{depth} waiting to send{oldest}, {rejected} rejected; {free}"
    if first is not None and time.time() - first > OLD_PENDING_S:
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
