"""The lobby's and the kiosk's voice: a chime, and where espeak-ng is installed speech (bg, en)."""

from __future__ import annotations

import hashlib
import io
import math
import shutil
import struct
import subprocess
import wave
from pathlib import Path

from kiosk.i18n import gettext_for
from kiosk.spoken import number_words, spoken_letter

RATE = 22050  # espeak-ng's own rate, so chime and speech join without resampling
VOICES = {"bg": "bg", "en": "en"}


def spoken_call(label: str, counter: int, language: str) -> str:
    """ "А023" at counter 3 → "Номер А двадесет и три, гише три": numbers as they are said."""
    _ = gettext_for(language, "devices")
    return _("Number {letter} {number}, counter {counter}").format(
        letter=spoken_letter(label[0], language),
        number=number_words(int(label[1:]), language),
        counter=number_words(counter, language),
    )


def _chime_frames() -> bytes:
    """Two soft tones, a sixth apart, with a fade so they do not click."""
    frames = bytearray()
    for freq in (659.25, 1046.5):
        n = int(RATE * 0.28)
        for i in range(n):
            envelope = min(1.0, i / (0.01 * RATE)) * (1 - i / n) ** 2
            frames += struct.pack(
                "<h", int(12000 * envelope * math.sin(2 * math.pi * freq * i / RATE))
            )
    return bytes(frames)


def _write(path: Path, frames: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(frames)
    return path


class Announcer:
    """Makes WAV files once and keeps them, named by what they say."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self.espeak = shutil.which("espeak-ng")

    def chime_wav(self) -> Path:
        path = self.out_dir / "chime.wav"
        return path if path.exists() else _write(path, _chime_frames())

    def _speech_frames(self, text: str, language: str) -> bytes | None:
        if self.espeak is None:
            return None
        result = subprocess.run(
            [self.espeak, "-v", VOICES[language], "-s", "140", "--stdout", text],
            capture_output=True,
            timeout=20,
            check=False,
        )
        if result.returncode != 0 or not result.stdout:
            return None
        with wave.open(io.BytesIO(result.stdout), "rb") as spoken:
            return spoken.readframes(spoken.getnframes())

    def speak_wav(self, text: str, language: str) -> Path | None:
        """The text read aloud offline, or None where espeak-ng is not installed."""
        path = self.out_dir / f"say-{language}-{hashlib.sha1(text.encode()).hexdigest()[:16]}.wav"
        if path.exists():
            return path
        frames = self._speech_frames(text, language)
        return None if frames is None else _write(path, frames)

    def call_wav(self, label: str, counter: int, language: str = "bg") -> Path:
        """The chime followed by "Номер А двадесет и три, гише три"; the chime alone without espeak-ng."""
        text = spoken_call(label, counter, language)
        path = self.out_dir / f"call-{language}-{hashlib.sha1(text.encode()).hexdigest()[:16]}.wav"
        if path.exists():
            return path
        speech = self._speech_frames(text, language)
        if speech is None:
            return self.chime_wav()
        pause = b"\x00\x00" * int(RATE * 0.2)
        return _write(path, _chime_frames() + pause + speech)
