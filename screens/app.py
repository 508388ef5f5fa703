"""The kiosk App: screens loaded on first use, shared visitor state, idle reset, lockdown.

Screens hold layout (kv) and behaviour (Python) and call the domain in `kiosk/`; the
state one screen hands to the next (the chosen service, the issued ticket, the rating,
the registration) lives here as Kivy properties. Printing and speech run off the UI
thread and come back with `Clock.schedule_once`.
"""

from __future__ import annotations

import datetime as dt
import gc
import importlib
import logging
import os
import shutil
import sys
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kivy.app import App
from kivy.base import ExceptionHandler, ExceptionManager
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.factory import Factory
from kivy.lang import Builder
from kivy.properties import (
    BooleanProperty,
    NumericProperty,
    ObjectProperty,
    StringProperty,
)
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.floatlayout import FloatLayout
from kivy.uix.screenmanager import NoTransition, ScreenManager

from kiosk.catalog import Service, load_catalog
from kiosk.config import Config
from kiosk.db import Database, StorageFailed
from kiosk.feedback import Feedback
from kiosk.health import Health
from kiosk.i18n import gettext_for, ngettext_for
from kiosk.models import utcnow
from kiosk.printing import (
    NO_PRINTER,
    PrinterState,
    PrintResult,
    TicketPrinter,
    complaint_receipt,
    print_issued_ticket,
    ticket_slip,
)
from kiosk.queue import IssuedTicket, Queue
from kiosk.service_manager import ServiceManager
from screens import SCREENS
from screens.base import as_sentences, shown_texts
from screens.theme import LARGE_TEXT_SCALE, theme_for
from screens.widgets import IdleWarning

log = logging.getLogger(__name__)
HERE = Path(__file__).parent


def screen_class(name: str) -> type:
    """A screen's class, its module imported the first time the screen opens.

    Not before the attract screen's first frame: the screens behind it and the domain they
    bring (the register, the status check) cost a lobby kiosk's start some 150 ms.
    """
    if name not in SCREENS:
        raise KeyError(name)
    return importlib.import_module(f"screens.{name}").SCREEN


STAFF_CORNER = 90  # px: the top-left square where a long press opens the admin screen
STAFF_PRESS_S = 3.0
KEY_ESCAPE, KEY_F1 = 27, 282
#: Speech volume steps; every visitor starts at the default one (EN 301 549 5.1.3.13).
VOLUMES = (0.3, 0.5, 0.7, 0.85, 1.0)
DEFAULT_VOLUME = 2

if TYPE_CHECKING:
    from devices.announcer import Announcer
    from kiosk.check_in import CheckedIn
    from kiosk.messages import Messages, Registration
    from kiosk.search import SearchIndex


class KioskRoot(FloatLayout):
    """The window's one child: the screens above the speech bar, and the hidden staff gesture.

    The speech bar is the same on every screen, in the same place, so a visitor who has
    found it once finds it again (and a tactile marker on the frame can point to it).
    """

    manager = ObjectProperty()

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.manager = ScreenManager(transition=NoTransition())
        self.speech_bar = Factory.SpeechBar()
        column = BoxLayout(orientation="vertical")
        column.add_widget(self.manager)
        column.add_widget(self.speech_bar)
        self.add_widget(column)
        self._staff_press: Any = None

    def on_touch_down(self, touch: Any) -> bool:
        app = App.get_running_app()
        if app.idle_warning is not None:
            app.stop_speech()
            app.touched()  # the touch answers "more time?"; it presses nothing beneath
            return True
        app.touched()
        if not self.speech_bar.collide_point(*touch.pos):
            app.stop_speech()  # speech stops by itself at the visitor's next action
        if touch.x < STAFF_CORNER and touch.y > self.height - STAFF_CORNER:
            self._staff_press = Clock.schedule_once(
                lambda _dt: self._open_staff(touch), STAFF_PRESS_S
            )
        return super().on_touch_down(touch)

    def _open_staff(self, touch: Any) -> None:
        # The corner is also the top bar's "Back": the finger lifted after the long press
        # must not press it, so whatever holds this touch lets go of it first.
        for ref in list(touch.grab_list):
            widget = ref()
            if widget is None:
                continue
            touch.ungrab(widget)
            if isinstance(widget, ButtonBehavior):
                widget._do_release()  # drawn as not pressed; no on_release
        App.get_running_app().go_to("admin")

    def on_touch_up(self, touch: Any) -> bool:
        if self._staff_press is not None:
            self._staff_press.cancel()
            self._staff_press = None
        return super().on_touch_up(touch)


class StorageFailures(ExceptionHandler):
    """A screen that cannot read or write the database for a full or read-only disk: the
    visitor reads that no ticket can be issued and to ask at a counter, and the app goes on."""

    def handle_exception(self, inst: BaseException) -> int:
        app = App.get_running_app()
        if not isinstance(inst, StorageFailed) or app is None or app.root is None:
            return ExceptionManager.RAISE
        log.error("the database cannot be used: %s", inst)
        app.storage_failed = True
        app.go_to("closed")
        return ExceptionManager.PASS


# --- the printer: the one place where the screens meet devices/ ---------------------------


def make_printer(config: Config, db: Database) -> TicketPrinter:
    """The configured printer from devices/."""
    # here, not at the top: python-escpos and its kin cost a kiosk without a printer (the
    # tests, bench/ui_start.py) a quarter of a second at start
    from devices.factory import make_printer

    return make_printer(config, db)


def make_announcer(config: Config) -> Announcer | None:
    """The offline speech of devices/, or None without espeak-ng."""
    if shutil.which("espeak-ng") is None:
        return None
    # imported here, not at the top: it costs the attract screen's first frame 25 ms
    from devices.announcer import Announcer

    return Announcer(config.data_dir / "speech")


class KioskApp(App):
    language = StringProperty("bg")
    large_text = BooleanProperty(False)
    high_contrast = BooleanProperty(False)
    # rebind: kv rules read app.theme.<colour>, and follow when the whole theme is swapped
    theme = ObjectProperty(theme_for(high_contrast=False), rebind=True)
    font_scale = NumericProperty(1.0)
    landscape = BooleanProperty(False)
    site_name = StringProperty("")
    can_read_aloud = BooleanProperty(False)
    speaking = BooleanProperty(False)  # shown on the speech bar while the kiosk talks
    speech_mode = BooleanProperty(False)  # once asked for, every next screen is read too
    volume_step = NumericProperty(DEFAULT_VOLUME)
    spoken = StringProperty("")  # what was said last: "Repeat" says it again
    printer_ok = BooleanProperty(True)  # the printer's last answer; False shows a notice
    storage_failed = BooleanProperty(False)  # the last ticket could not be stored (full disk)

    # what one screen hands to the next
    current_service = ObjectProperty(None, allownone=True)
    current_ticket = ObjectProperty(None, allownone=True)
    current_check_in = ObjectProperty(None, allownone=True)  # a booked visitor's, with the ticket
    print_result = ObjectProperty(None, allownone=True)
    rating = ObjectProperty(None, allownone=True)
    registration = ObjectProperty(None, allownone=True)
    message_kind = StringProperty("opinion")
    receipt_result = ObjectProperty(None, allownone=True)

    use_kivy_settings = False

    def __init__(
        self,
        *,
        kiosk_config: Config,
        db: Database,
        clock: Callable[[], dt.datetime] = utcnow,
        printer: TicketPrinter | None = None,
        announcer: Any = None,
        service_manager: ServiceManager | None = None,
        **kwargs: Any,
    ) -> None:
        self.register_event_type("on_end_visit")
        super().__init__(**kwargs)
        self.kiosk_config = kiosk_config
        self.db = db
        self.clock = clock
        self.queue = Queue(db, kiosk_config, clock=clock)
        self.feedback = Feedback(db, kiosk_config, clock=clock)
        self.printer = printer
        self.printer_state = PrinterState.OK
        self.health = Health(db, kiosk_config, clock=clock)
        self.service_manager = service_manager or ServiceManager()
        self.announcer = announcer
        self.can_read_aloud = announcer is not None
        self.default_language = kiosk_config.languages.default
        self.language = self.default_language
        self.idle_timeout = float(kiosk_config.ui.idle_timeout_s)
        self.services: tuple[Service, ...] = ()
        self.search_index: SearchIndex | None = None  # made with the catalogue, on first use
        self._catalog_revision = -1
        self._history: list[str] = []
        self._idle: Any = None
        self.idle_warning: Any = None
        self.idle_warning_s = float(kiosk_config.ui.idle_warning_s)
        self._jobs = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kiosk-print")
        self._speech = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kiosk-speech")
        self._speech_turn = 0  # a WAV made for an older request is not played
        self._sound: Any = None
        self.title = kiosk_config.site.name.bg

    @cached_property
    def messages(self) -> Messages:
        """The message box, made when a visitor first leaves a message: importing it cost
        every start some 20-30 ms of CPU before the first frame, for a screen few open."""
        from kiosk.messages import Messages

        return Messages(self.db, self.kiosk_config, clock=self.clock)

    # --- text ---------------------------------------------------------------------------

    def tr(self, message: str, language: str | None = None) -> str:
        """Translate a screen's text; kv passes app.language so the text follows a switch."""
        return gettext_for(language or self.language, "screens")(message)

    def ntr(self, singular: str, plural: str, n: int, language: str | None = None) -> str:
        return ngettext_for(language or self.language, "screens")(singular, plural, n)

    def on_language(self, *_args: object) -> None:
        self.site_name = self.kiosk_config.site.name.get(self.language)

    def on_high_contrast(self, *_args: object) -> None:
        self.theme = theme_for(high_contrast=self.high_contrast)

    def on_large_text(self, *_args: object) -> None:
        self.font_scale = LARGE_TEXT_SCALE if self.large_text else 1.0

    def toggle_language(self) -> None:
        available = self.kiosk_config.languages.available
        self.language = available[(available.index(self.language) + 1) % len(available)]

    # --- the App's life -----------------------------------------------------------------

    def build(self) -> KioskRoot:
        self.on_language()
        Builder.load_file(str(HERE / "widgets.kv"))
        Window.bind(on_keyboard=self._on_keyboard, size=self._on_window_size)
        Window.bind(on_flip=self._first_frame)
        ExceptionManager.add_handler(StorageFailures())
        Window.clearcolor = self.theme.background
        self._on_window_size(Window, Window.size)
        root = KioskRoot()
        self.root = root
        self.go_to("attract")
        return root

    def on_theme(self, *_args: object) -> None:
        Window.clearcolor = self.theme.background

    def _first_frame(self, *_args: object) -> None:
        """The attract screen is drawn: tell systemd, and from now on say so from this loop.

        The pings and the heartbeat are Clock events of the UI loop, never a thread's: a
        frozen screen stops them, and systemd's watchdog restarts the app.
        """
        Window.unbind(on_flip=self._first_frame)
        # What the start made stays for the kiosk's life: frozen out of the collector's view,
        # it is not walked again by every full collection during the visits.
        gc.freeze()
        gc.enable()
        manager = self.service_manager
        manager.ready(self._status_text())
        if manager.ping_every_s:
            Clock.schedule_interval(lambda _dt: manager.alive(), manager.ping_every_s)
        self.beat()
        Clock.schedule_interval(lambda _dt: self.beat(), self.kiosk_config.health.heartbeat_s)

    def beat(self) -> None:
        """Note for staff that the kiosk is alive, with the printer's state; skipped when busy."""
        try:
            self.health.beat(printer=self.printer_state.value)
        except Exception:  # a full or read-only disk: staff see that from the web, not from here
            log.exception("heartbeat not recorded")

    def _status_text(self) -> str:
        """systemd's one-line status of the app (`systemctl status kiosk-app`)."""
        if self.printer_state is PrinterState.OK:
            return "ready"
        return f"ready; printer: {self.printer_state.value.replace('_', ' ')}"

    def _printer_answered(self, result: PrintResult) -> None:
        changed = result.state is not self.printer_state
        self.printer_state = result.state
        self.printer_ok = result.ok
        if changed:  # the status line says what changed, not every check of the printer
            self.service_manager.status(self._status_text())

    def on_stop(self) -> None:
        self.service_manager.stopping()
        self.stop_speech()
        self._jobs.shutdown(wait=False, cancel_futures=True)
        self._speech.shutdown(wait=False, cancel_futures=True)

    def open_settings(self, *_args: object) -> bool:
        return False  # no settings panel for a visitor, whatever key is pressed

    def _on_keyboard(self, _window: Any, key: int, *_args: object) -> bool:
        # Escape would leave the app and F1 open Kivy's settings: a visitor gets neither.
        return key in (KEY_ESCAPE, KEY_F1)

    def _on_window_size(self, _window: Any, size: tuple[int, int]) -> None:
        self.landscape = size[0] > size[1]

    # --- navigation ---------------------------------------------------------------------

    def screen(self, name: str) -> Any:
        """The screen of that name, loading its module and kv file the first time."""
        manager = self.root.manager
        if not manager.has_screen(name):
            make = screen_class(name)  # a KeyError for a name that is no screen
            Builder.load_file(str(HERE / f"{name}.kv"))
            manager.add_widget(make(name=name))
        return manager.get_screen(name)

    def go_to(self, name: str) -> None:
        screen = self.screen(name)
        manager = self.root.manager
        if manager.current and manager.current != name:
            self._history.append(manager.current)
        manager.current = screen.name
        self.touched()
        self.stop_speech()
        if screen.speaks_on_entry:
            # after this frame: the screen has filled itself on entry by then
            Clock.schedule_once(lambda _dt: self.speak_screen(screen))

    def start_visit(self) -> None:
        """From the attract screen: the full menu while tickets are issued, else the closed one."""
        self.go_to("home" if self.queue.open_state().can_issue else "closed")

    def go_back(self) -> None:
        previous = self._history.pop() if self._history else "home"
        self.root.manager.current = self.screen(previous).name

    @property
    def current_screen(self) -> Any:
        return self.root.manager.current_screen

    # --- idle: "more time?", then the end of the visit ----------------------------------

    def touched(self) -> None:
        self._dismiss_idle_warning()
        if self._idle is not None:
            self._idle.cancel()
        self._idle = Clock.schedule_once(self.warn_idle, self.idle_timeout)

    def warn_idle(self, *_args: object) -> None:
        """Ask whether the visitor needs more time, with a countdown (WCAG 2.2.1)."""
        if self.root is None:
            return
        if self.root.manager.current == "attract":
            self.end_visit()  # nobody is here: nothing to ask
            return
        if getattr(self.current_screen, "holds_when_idle", False):
            self.touched()  # e.g. an unprinted ticket number stays until dismissed
            return
        if self.idle_warning is None:
            self.idle_warning = IdleWarning(seconds_left=int(self.idle_warning_s))
            self.root.add_widget(self.idle_warning)
            if self.speech_mode:  # a visitor who listens is asked aloud too
                self.say(as_sentences(shown_texts(self.idle_warning)))
        if self._idle is not None:
            self._idle.cancel()  # one timer at a time, whoever asked
        self._idle = Clock.schedule_interval(self._count_down, 1.0)

    def _count_down(self, *_args: object) -> bool:
        warning = self.idle_warning
        if warning is None:
            return False
        warning.seconds_left -= 1
        if warning.seconds_left > 0:
            return True
        self.end_visit()
        return False

    def _dismiss_idle_warning(self) -> None:
        if self.idle_warning is not None:
            self.root.remove_widget(self.idle_warning)
            self.idle_warning = None

    def on_idle(self, *_args: object) -> None:
        """The idle timer with nobody answering: kept as the name tests and scenes use."""
        self.end_visit()

    def end_visit(self) -> None:
        """Every way a visit ends (done, thanks, idle, staff leaving): all visitor state to defaults.

        Screens forget what was typed, chosen and scrolled; the App its hand-over state and
        the visitor's language, text size and contrast. Other parts (speech, volume) bind
        to `on_end_visit`.
        """
        if self.root is None:
            return
        if self._idle is not None:
            self._idle.cancel()
        self._dismiss_idle_warning()
        self.current_service = self.current_ticket = self.print_result = None
        self.current_check_in = None
        self.rating = self.registration = self.receipt_result = None
        self.message_kind = "opinion"
        self.language = self.default_language
        self.large_text = self.high_contrast = False
        self.reset_speech()
        for screen in self.root.manager.screens:
            screen.end_visit()
        self._history.clear()
        self.dispatch("on_end_visit")
        self.root.manager.current = self.screen("attract").name

    def on_end_visit(self) -> None:
        """Kivy event: the visit is over and the next visitor starts from the defaults."""

    # --- the catalogue ------------------------------------------------------------------

    def refresh_catalog(self) -> None:
        """Load the catalogue if it changed (a nightly pull); screens that show it call this."""
        # kiosk.search here, not at the top: it and rapidfuzz cost the first frame ~30 ms
        from kiosk.search import SearchIndex

        doc = load_catalog(self.db)
        if doc.revision != self._catalog_revision:
            self.services = doc.services
            self.search_index = SearchIndex(doc.services)
            self._catalog_revision = doc.revision

    # --- printing and speech, off the UI thread -----------------------------------------

    def _in_background(
        self, pool: ThreadPoolExecutor, job: Callable[[], Any], done: Callable[[Any], None]
    ) -> Future:
        future = pool.submit(job)

        def back_on_ui_thread(f: Future) -> None:
            if f.cancelled():  # the app is stopping: nobody waits for the answer
                return
            try:
                result = f.result()
            except Exception as exc:  # a printer driver must not take the kiosk down
                log.exception("background job failed")
                result = PrintResult(ok=False, state=PrinterState.ERROR, detail=str(exc))
            Clock.schedule_once(lambda _dt: done(result))

        future.add_done_callback(back_on_ui_thread)
        return future

    def print_ticket(
        self, ticket: IssuedTicket, service: Service | None, *, check_in: CheckedIn | None = None
    ) -> None:
        """Print the ticket in the background; the result lands in `print_result`."""
        self.print_result = None
        slip = ticket_slip(
            issued=ticket,
            config=self.kiosk_config,
            service=service,
            language=self.language,
            check_in=check_in,
        )
        printer = self.printer

        def job() -> PrintResult:
            return print_issued_ticket(queue=self.queue, printer=printer, slip=slip)

        def done(result: PrintResult) -> None:
            self._printer_answered(result)
            if self.current_ticket is ticket:
                self.print_result = result

        self._in_background(self._jobs, job, done)

    def print_receipt(self, registration: Registration) -> None:
        self.receipt_result = None
        receipt = complaint_receipt(
            registration=registration, config=self.kiosk_config, language=self.language
        )
        printer = self.printer
        self._in_background(
            self._jobs,
            lambda: printer.print_receipt(receipt) if printer else NO_PRINTER,
            lambda result: setattr(self, "receipt_result", result),
        )

    def print_service(self, service: Service, done: Callable[[PrintResult], None]) -> None:
        printer, lang = self.printer, self.language
        self._in_background(
            self._jobs,
            lambda: printer.print_service(service, lang) if printer else NO_PRINTER,
            done,
        )

    def printer_status(self, done: Callable[[PrintResult], None]) -> None:
        printer = self.printer
        self._in_background(self._jobs, lambda: printer.status() if printer else NO_PRINTER, done)

    def check_printer(self) -> None:
        """Ask the printer how it is; the attract and home screens warn while it is down."""
        self.printer_status(self._printer_answered)

    # --- speech: what the screen shows, read aloud (EN 301 549 5.1.3) ---------------------

    def read_aloud(self) -> None:
        """Read the current screen aloud, and from now on each screen the visitor opens."""
        self.speech_mode = True
        self.speak_screen(self.current_screen)

    def speak_screen(self, screen: Any) -> None:
        if self.current_screen is screen:
            self.say(screen.spoken_text())

    def say(self, text: str) -> None:
        """Speak in the screen's language (espeak-ng through devices/); nothing without it."""
        self.stop_speech()
        if self.announcer is None or not text:
            return
        self.spoken = text
        self.speaking = True
        turn = self._speech_turn
        announcer, lang = self.announcer, self.language

        def play(wav: Any) -> None:
            if turn == self._speech_turn:
                self._play(wav)

        self._in_background(self._speech, lambda: announcer.speak_wav(text, lang), play)

    def _play(self, wav: Any) -> None:
        from kivy.core.audio import SoundLoader

        sound = SoundLoader.load(str(wav)) if isinstance(wav, Path) else None
        if sound is None:
            self.speaking = False
            return
        sound.volume = VOLUMES[self.volume_step]
        sound.bind(on_stop=lambda played: self._ended(played))
        self._sound = sound
        sound.play()

    def _ended(self, sound: Any) -> None:
        if sound is self._sound:
            self._sound = None
            self.speaking = False

    def stop_speech(self) -> None:
        self._speech_turn += 1
        sound, self._sound = self._sound, None
        if sound is not None:
            sound.stop()
        self.speaking = False

    def repeat_speech(self) -> None:
        self.say(self.spoken or self.current_screen.spoken_text())

    def change_volume(self, steps: int) -> None:
        self.volume_step = min(len(VOLUMES) - 1, max(0, self.volume_step + steps))
        if self._sound is not None:
            self._sound.volume = VOLUMES[self.volume_step]

    def reset_speech(self) -> None:
        """The next visitor starts silent, at the default volume."""
        self.stop_speech()
        self.speech_mode = False
        self.volume_step = DEFAULT_VOLUME
        self.spoken = ""

    # --- staff --------------------------------------------------------------------------

    def restart(self) -> None:
        self.stop()
        os.execv(sys.executable, [sys.executable, *sys.argv])
