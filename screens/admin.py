"""Staff only, behind a long press in the corner and the PIN: printer, paper, last sync, restart."""

from __future__ import annotations

import hmac
import logging
import threading
import time
from typing import Any

from kivy.clock import Clock
from kivy.properties import BooleanProperty, StringProperty

from kiosk.checks import Finding, Status
from kiosk.health import Health
from kiosk.labels import PRINTER_STATES, date_words, label
from screens.base import KioskScreen

log = logging.getLogger(__name__)
MAX_TRIES = 3
LOCKOUT_S = 60


class AdminScreen(KioskScreen):
    step = StringProperty("pin")  # pin | disabled | open
    status_text = StringProperty("")
    printer_text = StringProperty("")
    checks_text = StringProperty("")  # the doctor's quick checks, one line each
    message = StringProperty("")
    confirm_exit = BooleanProperty(False)  # "Exit" asks first: a dark screen helps nobody

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._tries = 0
        self._locked_until = 0.0
        self.ids.keyboard.attach(self.ids.pin)

    @property
    def health(self) -> Health:
        return Health(self.app.db, self.app.kiosk_config, clock=self.app.clock)

    def refresh(self) -> None:
        self.message = ""
        self.confirm_exit = False
        self.ids.pin.text = ""
        pin = self.app.kiosk_config.secret("ui.admin_pin")
        self.step = "pin" if pin else "disabled"
        # typed into at once, on the pad or a service keyboard, with no tap on the field first
        self.ids.pin.focus = self.step == "pin"

    def unlock(self) -> None:
        app = self.app
        pin = app.kiosk_config.secret("ui.admin_pin")
        if not pin or time.monotonic() < self._locked_until:
            self.message = app.tr("Too many wrong PINs: wait a minute.")
            return
        if hmac.compare_digest(self.ids.pin.text.strip().encode(), pin.encode()):
            self._tries = 0
            self.step = "open"
            self.show_status()
            return
        self._tries += 1
        self.ids.pin.text = ""
        if self._tries >= MAX_TRIES:
            self._tries = 0
            self._locked_until = time.monotonic() + LOCKOUT_S
        self.message = app.tr("Wrong PIN.")

    def show_status(self) -> None:
        app = self.app
        sync = self.health.last_sync()
        if sync is None:
            self.status_text = app.tr("Last sync: never run on this kiosk.")
        else:
            started = sync.started_at.astimezone(app.kiosk_config.tz)
            when = {"date": date_words(started.date(), app.language), "time": f"{started:%H:%M}"}
            self.status_text = (
                app.tr("Last sync: {date} at {time}, succeeded.").format(**when)
                if sync.ok
                else app.tr("Last sync: {date} at {time}, failed: {error}").format(
                    **when, error=sync.error or "?"
                )
            )
        self.printer_text = app.tr("Printer: checking…")
        app.printer_status(self._printer_state)
        self.show_checks()

    def show_checks(self) -> None:
        """The doctor's quick checks, off the UI thread: the database's check reads the file."""
        app = self.app
        self.checks_text = app.tr("Checks: running…")
        config, db, now = app.kiosk_config, app.db, app.clock()

        def work() -> None:
            from kiosk.doctor import examine

            try:
                findings: list[Finding] | None = examine(config, db, on_request=False, now=now)
            except Exception:  # a check's own trouble is a finding; this is the doctor's
                log.exception("the checks failed")
                findings = None
            Clock.schedule_once(lambda _dt: self._show_checks(findings))

        threading.Thread(target=work, daemon=True, name="kiosk-checks").start()

    def _show_checks(self, findings: list[Finding] | None) -> None:
        app, lang = self.app, self.app.language
        if findings is None:
            self.checks_text = app.tr("Checks: could not be run (see the log).")
            return
        results = {
            Status.OK: app.tr("All right"),
            Status.WARNING: app.tr("Warning"),
            Status.FAILURE: app.tr("Failure"),
        }
        lines = []
        for finding in findings:
            if finding.status is Status.OK:
                line = app.tr("{result}: {check}")
            else:  # what is wrong in a few words; the fix is the doctor's and the admin page's
                line = app.tr("{result}: {check} — {found}")
            lines.append(
                line.format(
                    result=results[finding.status],
                    check=finding.title(lang),
                    found=finding.found(lang),
                )
            )
        self.checks_text = "\n".join(lines)

    def _printer_state(self, result: Any) -> None:
        # the state in words; the driver's own detail (English, technical) goes to the log
        log.info("printer status: %s %s", result.state, result.detail)
        self.printer_text = self.app.tr("Printer: {state}").format(
            state=label(PRINTER_STATES, result.state, self.app.language)
        )

    def test_print(self) -> None:
        self.printer_text = self.app.tr("Printer: printing a test page…")
        self.app.refresh_catalog()
        service = self.app.services[0] if self.app.services else None
        if service is not None:
            self.app.print_service(service, self._printer_state)

    def paper_replaced(self) -> None:
        self.health.record_device(device="printer", status="paper_replaced", detail="kiosk admin")
        self.message = self.app.tr("Noted: paper replaced.")

    def cancel(self) -> None:
        """Opened by mistake: back to where the visitor was."""
        self.ids.pin.text = ""
        self.message = ""
        self.app.go_back()

    def leave(self) -> None:
        self.app.end_visit()

    def reset(self) -> None:
        self.step = "pin"
        self.confirm_exit = False
        self.ids.pin.text = ""


SCREEN = AdminScreen
