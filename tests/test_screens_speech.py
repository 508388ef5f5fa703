"""The kiosk speaks (EN 301 549 closed functionality): every screen, both languages, real espeak-ng."""

from __future__ import annotations

import shutil
import struct
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kiosk.spoken import bg_number, spoken_label
from screens import SCREENS
from tests.screens_touch import tap, type_keys, wait_for

pytestmark = pytest.mark.skipif(
    shutil.which("espeak-ng") is None, reason="espeak-ng is not installed (.ci/run installs it)"
)


@pytest.fixture
def speaking(app: Any, tmp_path: Path) -> Iterator[Any]:
    """The app with devices/' announcer on real espeak-ng, as on a kiosk that has it."""
    from devices.announcer import Announcer

    app.announcer, app.can_read_aloud = Announcer(tmp_path / "speech"), True
    yield app
    app.on_idle()
    app.announcer, app.can_read_aloud = None, False


def screen(app: Any) -> Any:
    return app.root.manager.current_screen


def seconds_and_peak(path: Path) -> tuple[float, int]:
    with wave.open(str(path), "rb") as wav:
        frames = wav.readframes(wav.getnframes())
        rate = wav.getframerate()
    samples = struct.unpack(f"<{len(frames) // 2}h", frames)
    return len(samples) / rate, max(abs(s) for s in samples)


def _open(app: Any, name: str) -> Any:
    """Each screen with what it needs to show: a service, a ticket, a registration."""
    from kiosk.messages import Draft, Kind
    from screens.issuing import take_ticket

    tap(screen(app))  # a visitor's first touch
    if name == "service":
        app.refresh_catalog()
        app.current_service = app.services[0]
    if name == "ticket":
        take_ticket(app, category="А", service=None)
        wait_for(lambda: app.print_result is not None)
        return screen(app)
    if name == "thanks":
        app.registration = app.messages.submit(
            Draft(kind=Kind.SUGGESTION, text="Пейки в чакалнята.")
        )
    app.go_to(name)
    return screen(app)


#: a few words each screen must say, in each language: what it is for
MUST_SAY = {
    ("attract", "bg"): "Докоснете екрана",
    ("attract", "en"): "Touch the screen",
    ("home", "bg"): "Вземете номер",
    ("home", "en"): "Take a ticket",
    ("categories", "bg"): "Изберете",
    ("categories", "en"): "Choose",
    ("services", "bg"): "Услуги",
    ("services", "en"): "Services",
    ("service", "bg"): "Документи",
    ("service", "en"): "Documents",
    ("ticket", "bg"): "Вашият номер",
    ("ticket", "en"): "Your number",
    ("rating", "bg"): "Много лошо. Лошо. Средно. Добре. Много добре",
    ("rating", "en"): "Very bad. Bad. So-so. Good. Very good",
    ("message", "bg"): "регистрационен номер",
    ("message", "en"): "registration number",
    ("thanks", "bg"): "Благодарим",
    ("thanks", "en"): "Thank you",
    ("message_status", "bg"): "кода за проверка от талона си",
    ("message_status", "en"): "the check code from your receipt",
    ("appointment", "bg"): "кода на записания си час",
    ("appointment", "en"): "the code of your booking",
    ("closed", "bg"): "не се издават номера",
    ("closed", "en"): "ticket",
    ("admin", "bg"): "Само за служители",
    ("admin", "en"): "staff",
}


@pytest.mark.parametrize("language", ["bg", "en"])
@pytest.mark.parametrize("name", SCREENS)
def test_every_screen_can_speak_in_its_language(speaking: Any, name: str, language: str) -> None:
    app = speaking
    app.language = language
    shown = _open(app, name)
    assert shown.name == name
    # WHEN the visitor asks for the screen to be read (a ticket has read itself: stop that)
    app.stop_speech()
    tap(app.root.speech_bar.ids.speak)
    # THEN what it says is what the screen shows, and espeak-ng makes real speech of it
    said = app.spoken
    assert said == shown.spoken_text() and MUST_SAY[name, language].lower() in said.lower()
    if name == "ticket":  # "А002" is said "А две", and in English "A two"
        assert spoken_label(app.current_ticket.label, language) in said
    wav = app.announcer.speak_wav(said, language)  # made once, by text: the file just played
    assert wav is not None and wav.name.startswith(f"say-{language}-")
    seconds, peak = seconds_and_peak(wav)
    assert seconds > 1.0 and peak > 1000, (name, language, said)


def test_a_ticket_is_spoken_when_issued_with_its_number_in_words(speaking: Any) -> None:
    app = speaking
    tap(screen(app))
    tap(screen(app).ids.take_ticket)
    tap({b.category: b for b in screen(app).ids.grid.children}["Б"])
    ticket = app.current_ticket
    wait_for(lambda: app.spoken != "")
    # spoken without asking: the number the Bulgarian way, and the counters
    assert spoken_label(ticket.label, "bg") in app.spoken
    assert ticket.label not in app.spoken
    number = int(ticket.label[1:])
    assert f"Б {bg_number(number)}" in app.spoken
    assert all(str(c) in app.spoken for c in ticket.counters)


def test_stop_repeat_next_action_and_volume_and_the_next_visitor_starts_fresh(
    speaking: Any,
) -> None:
    app = speaking
    bar = app.root.speech_bar
    tap(screen(app))
    home = screen(app)
    assert not app.speaking and bar.ids.speak.icon == "speaker"
    tap(bar.ids.speak)
    # the bar shows that the kiosk is speaking, and offers to stop
    assert app.speaking and app.speech_mode
    assert bar.ids.speak.icon == "stop" and "Чете се" in bar.ids.speak.text
    tap(bar.ids.speak)
    assert not app.speaking
    tap(bar.ids.repeat)
    assert app.speaking and app.spoken == home.spoken_text()
    # louder while it speaks does not stop it
    tap(bar.ids.louder)
    tap(bar.ids.louder)
    assert app.speaking and app.volume_step == 4 and bar.ids.louder.disabled
    assert "5" in bar.ids.volume.text
    # the next action stops the speech; in speech mode the next screen is read instead
    tap(home.ids.rate)
    wait_for(lambda: "Доволни ли сте" in app.spoken)
    assert screen(app).name == "rating" and app.volume_step == 4
    # the next visitor: silent, the default volume, no speech mode
    app.on_idle()
    assert (app.speaking, app.speech_mode, app.spoken) == (False, False, "")
    assert app.volume_step == 2


def test_what_a_visitor_types_is_never_spoken(speaking: Any) -> None:
    app = speaking
    tap(screen(app))
    tap(screen(app).ids.message)
    form = screen(app)
    tap({c.value: c for c in form.ids.kinds.children}["complaint"])
    tap(form.ids.name)
    tap(form.ids.keyboard.ids.phonetic)
    type_keys(form.ids.keyboard, "мария")
    tap(form.ids.contact)
    tap(form.ids.keyboard.ids.digits)
    type_keys(form.ids.keyboard, "0888123456")
    tap(app.root.speech_bar.ids.speak)
    assert "анонимни жалби" in app.spoken  # the charter's rule is read
    assert "мария" not in app.spoken and "0888123456" not in app.spoken


@pytest.mark.parametrize("large_text", [False, True], ids=["normal-text", "larger-text"])
def test_the_speech_bar_is_big_enough_to_read_and_touch(speaking: Any, large_text: bool) -> None:
    from screens import headless, scenes
    from tests.test_screens_sizes import physical, small_labels

    screen_size = physical(speaking)
    for language in ("bg", "en"):
        scenes.show(speaking, "home", language=language)
        speaking.large_text = large_text
        headless.pump(4)
        bar = speaking.root.speech_bar
        for speaking_now in (False, True):  # "Read aloud", then "Speaking… Stop"
            speaking.speaking = speaking_now
            headless.pump(4)
            assert not small_labels(speaking, screen_size.min_capital_px(large_text=large_text))
            for button in ("speak", "repeat", "quieter", "louder"):
                widget = bar.ids[button]
                assert min(widget.width, widget.height) >= screen_size.min_target_px, button
        speaking.speaking = False


def test_a_listening_visitor_is_asked_aloud_whether_they_need_more_time(speaking: Any) -> None:
    app = speaking
    tap(screen(app))
    tap(app.root.speech_bar.ids.speak)  # speech asked for on the home screen
    app.idle_warning_s = 20
    app.warn_idle()
    assert "Нужно ли ви е още време" in app.spoken and app.speaking
    tap(app.idle_warning)  # "yes": the warning goes, and so does its speech
    assert app.idle_warning is None and not app.speaking


def test_a_listening_visitor_hears_what_stops_the_message(speaking: Any) -> None:
    app = speaking
    tap(screen(app))
    tap(screen(app).ids.message)
    form = screen(app)
    tap(app.root.speech_bar.ids.speak)
    tap(form.ids.submit)  # nothing written yet
    assert app.spoken == "Моля, напишете съобщението си." and app.speaking
    tap(form.ids.text)
    tap(form.ids.keyboard.ids.phonetic)
    type_keys(form.ids.keyboard, "идиоти")
    tap(form.ids.submit)
    assert "«идиоти»" in app.spoken and "може да не бъде даден отговор" in app.spoken


def test_a_listening_visitor_hears_each_digit_of_the_booking_code(speaking: Any) -> None:
    app = speaking
    tap(screen(app))
    tap(screen(app).ids.appointment)
    form = screen(app)
    tap(app.root.speech_bar.ids.speak)
    assert "кода на записания си час" in app.spoken
    heard = []
    for digit in "407":
        type_keys(form.ids.keyboard, digit)
        heard.append(app.spoken)
    assert heard == ["4", "0", "7"]  # the visitor who cannot see the field hears what was typed
    form.ids.code.text = ""  # the clear (×): nothing is said for it
    assert app.spoken == "7"


def test_a_listening_visitor_hears_the_next_step_of_a_screen(speaking: Any) -> None:
    # GIVEN speech asked for on the home screen
    app = speaking
    tap(screen(app))
    tap(app.root.speech_bar.ids.speak)
    # WHEN a face is chosen: the reasons step is on the same screen, not a new one
    tap(screen(app).ids.rate)
    faces = list(reversed(screen(app).ids.faces.children))
    tap(faces[1])
    # THEN it is read too: the question and the reasons to choose from
    wait_for(lambda: "За какво се отнася" in app.spoken)
    assert "Дълго чакане" in app.spoken
    # AND so is who priority service is for, before the visitor says it is them
    app.go_to("categories")
    wait_for(lambda: "Изберете" in app.spoken)
    tap(next(b for b in screen(app).ids.grid.children if b.priority))
    wait_for(lambda: "Приоритетното обслужване е за" in app.spoken)
