"""The touchscreen's staff screen lists the doctor's quick checks, in the screen's language."""

from __future__ import annotations

from typing import Any

from kiosk.models import SyncRun
from tests.screens_touch import open_staff_screen, tap, wait_for


def test_the_staff_screen_lists_the_checks_with_the_clock_alert(app: Any) -> None:
    # GIVEN the last sync found this PC's clock 15 minutes ahead of the centre's
    with app.db.write() as s:
        run = SyncRun(started_at=app.test_clock(), ok=True, pushed={}, clock_skew_s=900.0)
        s.add(run)
        s.flush()
        run_id = run.id
    try:
        _staff_screen_shows_the_alert(app)
    finally:  # the app and its database are shared with the other screen tests
        with app.db.write() as s:
            s.delete(s.get(SyncRun, run_id))


def _staff_screen_shows_the_alert(app: Any) -> None:
    # WHEN staff open their screen with the PIN
    admin = open_staff_screen(app)
    # THEN each quick check has its line, what is wrong in words
    wait_for(lambda: "изпълняват се" not in admin.checks_text)
    lines = admin.checks_text.splitlines()
    assert "Наред: База данни на обекта" in lines
    # the clock's failure says by how much (the NTP check may also say "Часовникът …")
    clock = [line for line in lines if "Часовник спрямо централния сървър" in line]
    assert any(
        line.startswith("Неизправност: Часовник спрямо централния сървър — ")
        and "избързвал с 15 мин" in line
        for line in clock
    ), lines
    assert admin.ids.checks.text == admin.checks_text and admin.ids.checks.height > 0
    # and the network's, the printer's and the speech's are not run here
    assert not any("Централен сървър" in line or "Говор" in line for line in lines)
    tap(admin.ids.leave)
