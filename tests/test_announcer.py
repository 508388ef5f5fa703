"""The lobby's voice: a chime made here, the call spoken in Bulgarian by espeak-ng, each WAV kept."""

from __future__ import annotations

import math
import shutil
import struct
import wave
from pathlib import Path

import pytest

from devices.announcer import RATE, Announcer, spoken_call

needs_espeak = pytest.mark.skipif(
    shutil.which("espeak-ng") is None, reason="espeak-ng is not installed (.ci/run installs it)"
)


def samples(path: Path) -> tuple[int, ...]:
    with wave.open(str(path), "rb") as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, RATE)
        frames = wav.readframes(wav.getnframes())
    return struct.unpack(f"<{len(frames) // 2}h", frames)


def strength(chunk: tuple[int, ...], freq: float) -> float:
    """How much of one frequency a stretch of sound holds (one bin of a Fourier transform)."""
    re = sum(s * math.cos(2 * math.pi * freq * i / RATE) for i, s in enumerate(chunk))
    im = sum(s * math.sin(2 * math.pi * freq * i / RATE) for i, s in enumerate(chunk))
    return math.hypot(re, im) / len(chunk)


@pytest.mark.parametrize(
    ("label", "counter", "language", "text"),
    [
        ("А023", 3, "bg", "Номер А двадесет и три, гише три"),
        ("П001", 12, "bg", "Номер П едно, гише дванадесет"),
        ("Б120", 4, "bg", "Номер Б сто и двадесет, гише четири"),
        ("Б120", 4, "en", "Number B one hundred twenty, counter four"),
    ],
)
def test_the_call_says_the_letter_then_the_number_in_words(
    label: str, counter: int, language: str, text: str
) -> None:
    assert spoken_call(label, counter, language) == text


def test_the_chime_is_two_tones_one_after_the_other(tmp_path: Path) -> None:
    sound = samples(Announcer(tmp_path).chime_wav())
    half = len(sound) // 2
    first, second = sound[half // 4 : half // 2], sound[half + half // 4 : half + half // 2]
    # GIVEN the two notes of the chime, WHEN each half is analysed, THEN each holds its own note
    assert strength(first, 659.25) > 10 * strength(first, 1046.5)
    assert strength(second, 1046.5) > 10 * strength(second, 659.25)
    assert max(abs(s) for s in sound) < 32767  # not clipped
    assert abs(sound[0]) < 500 and abs(sound[-1]) < 500  # faded in and out: no click


@needs_espeak
def test_a_call_is_the_chime_then_speech_and_is_made_once(tmp_path: Path) -> None:
    announcer = Announcer(tmp_path)
    chime = samples(announcer.chime_wav())
    wav = announcer.call_wav("А023", 3, "bg")
    call = samples(wav)
    assert call[: len(chime)] == chime
    speech = call[len(chime) :]
    assert len(speech) > RATE  # "Номер А 23, гише 3" takes more than a second to say
    assert max(abs(s) for s in speech) > 1000  # and is not silence
    made = wav.stat().st_mtime_ns
    assert announcer.call_wav("А023", 3, "bg") == wav
    assert wav.stat().st_mtime_ns == made  # cached by its text, not made again
    assert announcer.call_wav("А024", 3, "bg") != wav


@needs_espeak
def test_read_aloud_is_cached_by_text_and_language(tmp_path: Path) -> None:
    announcer = Announcer(tmp_path)
    bg = announcer.speak_wav("Удостоверение за наследници", "bg")
    assert bg is not None and len(samples(bg)) > RATE // 2
    assert announcer.speak_wav("Удостоверение за наследници", "bg") == bg
    assert announcer.speak_wav("Удостоверение за наследници", "en") not in (None, bg)


def test_without_espeak_a_call_is_the_chime_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a machine without espeak-ng on its PATH
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    announcer = Announcer(tmp_path / "sounds")
    # THEN a call is the chime, and reading aloud gives nothing to play
    assert samples(announcer.call_wav("А023", 3, "bg")) == samples(announcer.chime_wav())
    assert announcer.speak_wav("Добър ден", "bg") is None
