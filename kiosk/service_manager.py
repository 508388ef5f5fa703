"""Telling systemd how the process is (sd_notify(3)): ready, alive, what it does, stopping.

The datagrams are systemd-watchdog's; without NOTIFY_SOCKET (a demo, the tests, a shell)
every call does nothing. The caller decides where "alive" comes from: the kiosk app from
its UI loop, so a frozen screen stops the pings and systemd restarts it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping

from systemd_watchdog import WatchDog

log = logging.getLogger(__name__)


class ServiceManager:
    def __init__(self, environ: Mapping[str, str] = os.environ) -> None:
        self._watchdog = WatchDog(addr=environ.get("NOTIFY_SOCKET"))
        usec = environ.get("WATCHDOG_USEC", "")
        # WATCHDOG_PID is not checked, unlike sd_watchdog_enabled(3) and systemd-watchdog:
        # under cage the service's main process is cage (NotifyAccess=all), and the app,
        # its child, is the one that has to keep the watchdog fed
        self.watchdog_s: float | None = (
            int(usec) / 1e6 if self._watchdog.is_enabled and usec.isdigit() and int(usec) else None
        )

    @property
    def ping_every_s(self) -> float | None:
        """How often to say "alive": half the watchdog's time, as sd_watchdog_enabled(3) advises."""
        return self.watchdog_s / 2 if self.watchdog_s else None

    def _send(self, send: Callable[..., None], *args: str) -> None:
        try:
            send(*args)
        except OSError:  # systemd restarting, a socket gone: the service is not the worse for it
            log.warning("could not notify the service manager", exc_info=True)

    def ready(self, status: str) -> None:
        self._send(self._watchdog.status, status)
        self._send(self._watchdog.ready)

    def alive(self) -> None:
        self._send(self._watchdog.notify)

    def status(self, text: str) -> None:
        self._send(self._watchdog.status, text)

    def stopping(self) -> None:
        # systemd-watchdog 1.0 has no call of its own for STOPPING=1
        self._send(self._watchdog._send, "STOPPING=1\n")
