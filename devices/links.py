"""escpos' serial and network printers as the kiosk opens them; everything else is escpos'."""

from __future__ import annotations

import logging
from typing import Any

import serial
from escpos.exceptions import DeviceNotFoundError
from escpos.printer import Network, Serial

from devices.status import CheckedAnswers

log = logging.getLogger(__name__)


class UrlSerial(CheckedAnswers, Serial):
    """escpos' Serial on any pyserial URL: a device path, `loop://`, `socket://`, `rfc2217://`.

    Adds what escpos' Serial lacks: RTS/CTS flow control and a write timeout, a status
    answer read as the one byte it is, and stale input dropped before each query.
    """

    def __init__(
        self, *, rtscts: bool = False, write_timeout: float | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.rtscts = rtscts
        self.write_timeout = write_timeout

    def open(self, raise_not_found: bool = True) -> None:
        if self._device and self.device and self.device.is_open:
            self.close()
        try:
            self.device = serial.serial_for_url(
                self.devfile,
                baudrate=self.baudrate,
                bytesize=self.bytesize,
                parity=self.parity,
                stopbits=self.stopbits,
                timeout=self.timeout,
                write_timeout=self.write_timeout,
                xonxoff=self.xonxoff,
                rtscts=self.rtscts,
                dsrdtr=self.dsrdtr,
            )
        except (ValueError, serial.SerialException) as exc:
            self.device = None
            if raise_not_found:
                raise DeviceNotFoundError(str(exc)) from exc
            log.error("serial printer %s not found: %s", self.devfile, exc)

    def query_status(self, mode: bytes) -> bytes:
        # an echo or a late answer to an earlier query must not be read as this answer
        self.device.reset_input_buffer()
        return super().query_status(mode)

    def _read(self) -> bytes:
        # escpos reads 16 bytes, so on a serial line every query would wait out the timeout
        return self.device.read(1)


class AnsweringNetwork(CheckedAnswers, Network):
    """escpos' Network printer (raw TCP, usually port 9100) with its status answers checked."""
