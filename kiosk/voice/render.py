"""Render the default prompts to WAV at set-up, once, for every locale and the chosen voice(s).

    python -m kiosk.voice.render [--out DIR] [--locale zh_CN|en]... [--voice female|male]...
                                 [--all-voices] [--prompt ID]... [--engine auto|neural|espeak]
                                 [--workers N] [--force] [--quiet]

Writes `DIR/<locale>/<voice>/<prompt-id>.wav` (24 kHz mono 16-bit with the neural voice) and
that folder's `index.json`, the manifest: the engine and style that spoke each prompt, its
text, the pinyin or phonemes actually spoken, its duration, loudness and peaks. A prompt whose
manifest entry matches (same engine, style, text and recipe) is skipped, so a second run loads
no model and changes nothing; an espeak-ng run never replaces a neural render of the same
text. Every prompt is normalised to one loudness (loudness.py).

The engine is the neural voice (neural.py) when it is installed; otherwise espeak-ng, and the
run says so once. With no engine at all it says so and exits 0 (the kiosk then runs silently
and shows everything on screen). A damaged model (wrong digest) is an error: exit 1.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import hashlib
import json
import logging
import multiprocessing
import os
import sys
import tempfile
import time
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from kiosk.voice import espeak, neural
from kiosk.voice.loudness import LoudnessError
from kiosk.voice.pinyin import PinyinError
from kiosk.voice.prompts import DEFAULT_VOICE, PROMPTS_BY_LOCALE, VOICES

log = logging.getLogger(__name__)
DEFAULT_ROOT = Path(__file__).with_name("prompts")
MANIFEST = "index.json"
RECIPE = 2  # bump when the rendering changes in a way the digest does not see
DEFAULT_WORKERS = 2  # each worker holds the model (~430-560 MB) and uses one core


@dataclass(frozen=True)
class Job:
    locale: str
    voice: str  # female | male
    style: str  # the Kokoro style or espeak-ng voice that speaks it
    prompt_id: str
    text: str
    digest: str


def recipe(engine: str) -> dict[str, Any]:
    """What, besides the text and style, decides how a prompt sounds (part of every digest)."""
    from kiosk.voice.loudness import CEILING_DBTP, TARGET_LUFS

    shared = {"recipe": RECIPE, "target_lufs": TARGET_LUFS, "ceiling_dbtp": CEILING_DBTP}
    if engine == neural.ENGINE:
        return shared | {
            "model_sha256": neural.MODEL_SHA256,
            "speed": neural.SPEED,
            "pauses_s": [neural.SENTENCE_PAUSE_S, neural.CLAUSE_PAUSE_S],
        }
    return shared | {"wpm": espeak.SPEED_WPM}


def style_of(engine: str, locale: str, voice: str) -> str:
    if engine == neural.ENGINE:
        return VOICES[voice][locale]
    return PROMPTS_BY_LOCALE[locale][0]


def digest(engine: str, style: str, text: str) -> str:
    blob = json.dumps([engine, style, recipe(engine), text], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def read_manifest(folder: Path) -> dict[str, Any]:
    try:
        data = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError):
        return {"prompts": {}}
    if not isinstance(data, dict) or not isinstance(data.get("prompts"), dict):
        return {"prompts": {}}  # the espeak-only index of old: everything renders again
    return data


def stale_jobs(
    root: Path,
    engine: str,
    locales: list[str],
    voices: list[str],
    *,
    prompts: list[str] | None = None,
    force: bool = False,
) -> list[Job]:
    """The prompts to render: missing, or rendered from another text, style, engine or recipe.

    A prompt the neural voice rendered is never replaced by an espeak-ng one (the fallback
    renders what is missing; it does not undo a better render of the same text).
    """
    jobs = []
    for locale in locales:
        texts = PROMPTS_BY_LOCALE[locale][1]
        for voice in voices:
            folder = root / locale / voice
            done = read_manifest(folder)["prompts"]
            style = style_of(engine, locale, voice)
            for prompt_id, text in texts.items():
                if prompts and prompt_id not in prompts:
                    continue
                want = digest(engine, style, text)
                good = {want}
                if engine == espeak.ENGINE:
                    good.add(digest(neural.ENGINE, style_of(neural.ENGINE, locale, voice), text))
                entry = done.get(prompt_id, {})
                fresh = entry.get("digest") in good and (folder / f"{prompt_id}.wav").is_file()
                if force or not fresh:
                    jobs.append(Job(locale, voice, style, prompt_id, text, want))
    return jobs


def pick_engine(wanted: str) -> str:
    """The engine to render with; says once why the neural voice is not used."""
    why = neural.missing()
    if wanted == "neural" or (wanted == "auto" and not why):
        if why:
            raise SystemExit(f"voice prompts: the neural voice is {why} (./dev setup installs it)")
        return neural.ENGINE
    if wanted == "auto":
        print(f"voice prompts: neural voice {why}; using espeak-ng", file=sys.stderr)
    return espeak.ENGINE


def render_all(
    root: Path,
    *,
    locales: list[str] | None = None,
    voices: list[str] | None = None,
    prompts: list[str] | None = None,
    engine: str = "auto",
    workers: int = DEFAULT_WORKERS,
    force: bool = False,
) -> int:
    """Render what is missing or changed into `root/<locale>/<voice>/`; return how many."""
    chosen = pick_engine(engine)
    for locale in locales or list(PROMPTS_BY_LOCALE):
        _drop_old_layout(root / locale)
    if chosen == espeak.ENGINE and espeak.missing():
        log.warning("no voice engine (neither the neural voice nor espeak-ng): nothing rendered")
        return 0
    jobs = stale_jobs(
        root,
        chosen,
        locales or list(PROMPTS_BY_LOCALE),
        voices or [DEFAULT_VOICE],
        prompts=prompts,
        force=force,
    )
    if not jobs:
        return 0
    for job, spoken, seconds in _speak(chosen, jobs, workers):
        _store(root, chosen, job, spoken, seconds)
    return len(jobs)


def _drop_old_layout(folder: Path) -> None:
    """Files of the one-voice layout of old (<locale>/<id>.wav), which nothing plays any more."""
    for old in [*folder.glob("*.wav"), folder / MANIFEST]:
        old.unlink(missing_ok=True)


def _speak(engine: str, jobs: list[Job], workers: int) -> Any:
    """Yield (job, Spoken, render seconds) for every job, in order."""
    if engine == espeak.ENGINE:
        for job in jobs:
            started = time.monotonic()
            audio, rate = espeak.say(job.style, job.text)
            yield job, (audio, rate, job.text), time.monotonic() - started
        return
    with tempfile.TemporaryDirectory(prefix="kiosk-kokoro-") as folder:
        model = neural.prepare(Path(folder))
        workers = max(1, min(workers, len(jobs), os.cpu_count() or 1))
        if workers == 1:
            voice = neural.NeuralVoice(model, threads=2)
            yield from ((job, *_speak_with(voice, job)) for job in jobs)
            return
        context = multiprocessing.get_context("spawn")
        with concurrent.futures.ProcessPoolExecutor(
            workers, mp_context=context, initializer=_init_worker, initargs=(model,)
        ) as pool:
            for job, (spoken, seconds) in zip(jobs, pool.map(_speak_one, jobs), strict=True):
                yield job, spoken, seconds


# A worker process's own model, loaded once by the pool's initializer (one per process).
_worker: dict[str, neural.NeuralVoice] = {}


def _init_worker(model: neural.ModelFiles) -> None:
    _worker["voice"] = neural.NeuralVoice(model, threads=1)


def _speak_one(job: Job) -> tuple[tuple[Any, int, str], float]:
    return _speak_with(_worker["voice"], job)


def _speak_with(voice: neural.NeuralVoice, job: Job) -> tuple[tuple[Any, int, str], float]:
    started = time.monotonic()
    spoken = voice.say(job.locale, job.style, job.text)
    return (spoken.audio, neural.RATE, spoken.said), time.monotonic() - started


def _store(root: Path, engine: str, job: Job, spoken: tuple[Any, int, str], seconds: float) -> None:
    from kiosk.voice.loudness import TARGET_LUFS, measure, normalise

    audio, rate, said = spoken
    folder = root / job.locale / job.voice
    folder.mkdir(parents=True, exist_ok=True)
    samples = write_wav(folder / f"{job.prompt_id}.wav", normalise(audio, rate), rate)
    level = measure(samples, rate)
    manifest = read_manifest(folder)
    manifest["target_lufs"] = TARGET_LUFS
    manifest["prompts"][job.prompt_id] = {
        "digest": job.digest,
        "engine": engine,
        "style": job.style,
        "text": job.text,
        "spoken": said,
        "seconds": round(level.seconds, 3),
        "lufs": round(level.lufs, 2),
        "true_peak_dbtp": round(level.true_peak_dbtp, 2),
        "sample_peak_dbfs": round(level.sample_peak_dbfs, 2),
        "render_s": round(seconds, 2),
    }
    tmp = folder / f".{MANIFEST}.tmp"
    tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True))
    tmp.replace(folder / MANIFEST)


def write_wav(path: Path, samples: Any, rate: int) -> Any:
    """Write 16-bit mono PCM; return the samples as written (as floats), for measuring."""
    pcm = np.clip(np.round(np.asarray(samples) * 32767.0), -32767, 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())
    return pcm.astype(np.float64) / 32767.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_ROOT, help="prompts root folder")
    parser.add_argument("--locale", action="append", choices=sorted(PROMPTS_BY_LOCALE))
    parser.add_argument("--voice", action="append", choices=sorted(VOICES))
    parser.add_argument("--all-voices", action="store_true", help="every voice (for a bundle)")
    parser.add_argument("--prompt", action="append", help="only this prompt id (repeatable)")
    parser.add_argument("--engine", choices=["auto", "neural", "espeak"], default="auto")
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS)
    parser.add_argument("--force", action="store_true")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    voices = sorted(VOICES) if args.all_voices else args.voice
    started = time.monotonic()
    try:
        written = render_all(
            args.out,
            locales=args.locale,
            voices=voices,
            prompts=args.prompt,
            engine=args.engine,
            workers=args.workers,
            force=args.force,
        )
    except (neural.NeuralVoiceError, PinyinError, LoudnessError) as exc:
        # A damaged model, or a text the voice cannot say: what was rendered before it stays.
        print(f"voice prompts: {exc}", file=sys.stderr)
        return 1
    if not args.quiet or written:
        took = time.monotonic() - started
        print(f"voice prompts: {written} rendered into {args.out} in {took:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
