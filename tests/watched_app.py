"""The real kiosk app under `App.run()`, its UI loop frozen and released on a test's word.

Run as `python -m tests.watched_app DIR` (Kivy allows one window per process, and the
notifications must come from a fresh app's start). The test creates DIR/freeze: a Clock
callback then blocks the UI loop, as a hung handler would, until the file is gone; DIR/stop
ends the app.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from kiosk.catalog import ensure_catalog
from screens import kivy_env
from tests.support import Clock, make_config, upgraded


def main(work: Path) -> None:
    config = make_config(work, health__heartbeat_s=5)
    kivy_env.prepare(kivy_home=work / "kivy", headless=True)
    kivy_env.configure(size=(540, 960), fullscreen=False)
    from kivy.clock import Clock as KivyClock

    from screens.app import KioskApp

    db = upgraded(f"sqlite:///{work / 'site.sqlite'}", config)
    ensure_catalog(db)
    app = KioskApp(kiosk_config=config, db=db, clock=Clock())

    def obey(_dt: float) -> None:
        if (work / "freeze").exists():
            (work / "frozen").touch()
            while (work / "freeze").exists():
                time.sleep(0.01)  # the UI loop is stuck here: no frame, no Clock event
            (work / "frozen").unlink()
        if (work / "stop").exists():
            app.stop()

    KivyClock.schedule_interval(obey, 0.05)
    app.run()
    db.dispose()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
