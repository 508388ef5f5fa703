"""The ticket printer over a real serial port: the exact bytes, the status answers, the faults.

The port is a pty pair: the kiosk opens the slave side with pyserial as it would
/dev/ttyUSB0; on the master side a small printer model answers DLE EOT status queries
with the bytes a real printer sends (or stays silent) and keeps everything else. That
byte stream is the only stand-in: a paper sensor cannot exist on a test machine.
"""

from __future__ import annotations

import os
import socket
import threading
import tty
import wave
from collections.abc import Iterator
from pathlib import Path

import pytest
import serial
from sqlalchemy import select as sql_select

from devices import layout, status
from devices.announcer import Announcer, spoken_call
from devices.factory import STATUS_TIMEOUT, make_printer, serial_connection
from devices.links import UrlSerial
from devices.printer import VirtualPrinter
from devices.render import decode
from kiosk.catalog import shipped_catalog
from kiosk.config import Config
from kiosk.db import Database
from kiosk.messages import Draft, Kind, Messages, spaced_code
from kiosk.models import DeviceEvent, Ticket, TicketEvent
from kiosk.printing import (
    PrinterState,
    TicketSlip,
    complaint_receipt,
    print_issued_ticket,
    ticket_slip,
)
from kiosk.queue import Queue
from tests.printer_model import ONLINE, PAPER_OK, PrinterModel
from tests.support import Clock, make_config


@pytest.fixture
def serial_line(tmp_path: Path) -> Iterator[tuple[Config, PrinterModel]]:
    master, slave = os.openpty()
    tty.setraw(master)
    model = PrinterModel()
    model.serve(master)
    config = make_config(
        tmp_path,
        printer__connection="serial",
        printer__url=os.ttyname(slave),
        printer__timeout_s=3.0,
    )
    yield config, model
    model.stop()
    os.close(master)
    os.close(slave)


@pytest.fixture
def tcp_printer() -> Iterator[tuple[int, PrinterModel]]:
    """A printer model behind a TCP port on loopback: one connection per job, as the kiosk opens."""
    model = PrinterModel()
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.05)
    connections: list[socket.socket] = []
    done = threading.Event()

    def accept() -> None:
        while not done.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            connections.append(conn)
            model.serve(conn.fileno())

    acceptor = threading.Thread(target=accept, daemon=True)
    acceptor.start()
    yield server.getsockname()[1], model
    done.set()
    model.stop()
    acceptor.join(timeout=2)
    for conn in connections:
        conn.close()
    server.close()


def _issue_and_print(config: Config, db: Database, clock: Clock) -> tuple[object, object]:
    queue = Queue(db, config, clock=clock)
    service = next(s for s in shipped_catalog().services if s.id == "2016")
    issued = queue.issue(category="А", service_id=service.id)
    slip = ticket_slip(issued=issued, config=config, service=service, language="bg")
    printer = make_printer(config, db)
    result = print_issued_ticket(queue=queue, printer=printer, slip=slip)
    return issued, result


def _wait_for(model: PrinterModel, needle: bytes) -> None:
    for _ in range(100):
        if needle in model.received:
            return
        threading.Event().wait(0.02)


def test_the_ticket_reaches_the_port_as_cp1251_text_with_native_qr(
    serial_line, sqlite_db: Database, clock: Clock
) -> None:
    config, model = serial_line
    issued, result = _issue_and_print(config, sqlite_db, clock)
    assert result.ok and result.state is PrinterState.OK
    _wait_for(model, b"\x1dV")
    data = bytes(model.received)
    assert data.startswith(b"\x1b@")  # initialise first
    assert b"\x1bt\x2e" in data  # code page 46: CP1251, which has € too
    assert "А001".encode("cp1251") in data and "наследници".encode("cp1251") in data
    assert b"\x1d(k\x1d\x001P0https://www.tvarditsa.org/" in data  # native QR, store the data
    assert b"\x1d(k\x03\x001Q0" in data  # … and print it
    assert data.endswith(b"\x1dV\x00")  # the cut
    job = decode(data)
    assert job.initialised and job.code_pages == ["CP1251"] and job.cut
    assert job.qr_data == ["https://www.tvarditsa.org/"]
    lines = job.text.splitlines()
    assert "Вашият номер" in lines and "Гишета 1, 2" in lines
    # the category and the chosen service, and where the centre is
    assert "Гражданско състояние (ГРАО)" in lines
    assert "Издаване на удостоверение за наследници" in lines
    assert "пл. „Свобода“ № 1, 8890 Твърдица" in lines
    assert "Няма чакащи преди вас" in lines  # not "0 души"
    assert len(data) <= 600
    with sqlite_db.read() as s:
        kinds = list(
            s.scalars(sql_select(TicketEvent.kind).where(TicketEvent.ticket_uuid == issued.uuid))
        )
    assert kinds == ["issued", "printed"]


@pytest.mark.parametrize(
    ("answers", "state"),
    [
        ({1: ONLINE, 4: 0x72}, PrinterState.PAPER_OUT),  # paper end sensor
        ({1: 0x1A, 2: 0x16}, PrinterState.COVER_OPEN),  # offline, cause: cover open
        ({1: 0x1A, 2: 0x32}, PrinterState.PAPER_OUT),  # offline, stopped for paper
        ({1: 0x1A, 2: 0x12}, PrinterState.OFFLINE),
        ({1: None}, PrinterState.NO_ANSWER),  # switched off: silence
        ({1: 0x00}, PrinterState.NO_ANSWER),  # line noise is not a status answer
    ],
)
def test_a_printer_fault_leaves_one_ticket_and_a_clear_result(
    serial_line, sqlite_db: Database, clock: Clock, answers: dict, state: PrinterState
) -> None:
    config, model = serial_line
    model.answers = answers
    issued, result = _issue_and_print(config, sqlite_db, clock)
    assert not result.ok and result.state is state
    assert (
        b"\x1b@" not in model.received
    )  # nothing of the job was sent to a printer that cannot print
    with sqlite_db.read() as s:
        assert list(s.scalars(sql_select(Ticket.label))) == ["А001"]  # the ticket exists, once
        kinds = list(
            s.scalars(sql_select(TicketEvent.kind).where(TicketEvent.ticket_uuid == issued.uuid))
        )
        faults = list(s.scalars(sql_select(DeviceEvent.status)))
    assert kinds == ["issued", "print_failed"]
    assert faults == [state.value]  # staff see it in the panel


def test_paper_near_end_still_prints_and_warns(
    serial_line, sqlite_db: Database, clock: Clock
) -> None:
    config, model = serial_line
    model.answers = {1: ONLINE, 4: 0x1E}
    _, result = _issue_and_print(config, sqlite_db, clock)
    assert result.ok and result.state is PrinterState.PAPER_NEAR_END
    with sqlite_db.read() as s:
        assert list(s.scalars(sql_select(DeviceEvent.status))) == ["paper_near_end"]


def test_a_late_byte_is_not_read_as_the_next_answer(
    serial_line, sqlite_db: Database, clock: Clock
) -> None:
    # GIVEN a printer that sends a stray byte after its online answer
    config, model = serial_line
    model.answers = {1: bytes([ONLINE, 0x00]), 4: 0x1E}
    # WHEN a ticket is printed, THEN the paper answer is the printer's, not the stray byte
    _, result = _issue_and_print(config, sqlite_db, clock)
    assert result.ok and result.state is PrinterState.PAPER_NEAR_END


def test_unplugged_printer_gives_a_result_not_an_exception(
    tmp_path: Path, sqlite_db: Database, clock: Clock
) -> None:
    config = make_config(
        tmp_path, printer__connection="serial", printer__url=str(tmp_path / "ttyUSB9")
    )
    issued, result = _issue_and_print(config, sqlite_db, clock)
    assert not result.ok and result.state is PrinterState.OFFLINE
    with sqlite_db.read() as s:
        assert (
            s.scalar(sql_select(TicketEvent.kind).where(TicketEvent.kind == "print_failed"))
            == "print_failed"
        )
    assert issued.label == "А001"


def _slip(config: Config, db: Database, clock: Clock) -> TicketSlip:
    queue = Queue(db, config, clock=clock)
    service = next(s for s in shipped_catalog().services if s.id == "2016")
    issued = queue.issue(category="А", service_id=service.id)
    return ticket_slip(issued=issued, config=config, service=service, language="bg")


def _link_config(tmp_path: Path, link: str, port: int) -> Config:
    if link == "network":
        where = {"printer__host": "127.0.0.1", "printer__port": port}
    else:  # escpos' Serial on a pyserial URL: a TCP serial server, here the model
        where = {"printer__connection": "serial", "printer__url": f"socket://127.0.0.1:{port}"}
    return make_config(
        tmp_path,
        **{"printer__connection": link, **where},
        printer__profile="TM-T88IV",
        printer__timeout_s=3.0,
    )


@pytest.mark.parametrize("link", ["serial", "network"])
@pytest.mark.parametrize(
    ("answers", "state", "printed"),
    [
        ({1: ONLINE, 4: PAPER_OK}, PrinterState.OK, True),
        ({1: ONLINE, 4: 0x1E}, PrinterState.PAPER_NEAR_END, True),
        ({1: ONLINE, 4: 0x72}, PrinterState.PAPER_OUT, False),
        ({1: 0x1A, 2: 0x16}, PrinterState.COVER_OPEN, False),
    ],
)
def test_a_ticket_over_a_socket_url_or_the_network_in_cp866(
    tmp_path: Path,
    tcp_printer,
    sqlite_db: Database,
    clock: Clock,
    link: str,
    answers: dict,
    state: PrinterState,
    printed: bool,
) -> None:
    # GIVEN a printer whose profile has CP866 for Cyrillic and CP1252 for „“, behind TCP
    port, model = tcp_printer
    model.answers = answers
    config = _link_config(tmp_path, link, port)
    slip = _slip(config, sqlite_db, clock)
    # WHEN the kiosk prints a ticket
    result = make_printer(config, sqlite_db).print_ticket(slip)
    # THEN the status answers decide, and what reached the printer reads back as the ticket
    assert result.ok is printed and result.state is state
    if not printed:
        assert b"\x1b@" not in model.received
        return
    _wait_for(model, b"\x1dV")
    data = bytes(model.received)
    assert data.startswith(b"\x1b@") and data.endswith(b"\x1dV\x00")
    assert b"\x1bt\x11" in data  # code page 17 of this profile: CP866
    assert "А001".encode("cp866") in data
    assert b"\x1d(k\x1d\x001P0https://www.tvarditsa.org/" in data  # native QR
    job = decode(data, profile="TM-T88IV")
    assert job.initialised and job.cut and job.code_pages[0] == "CP866"
    assert job.qr_data == ["https://www.tvarditsa.org/"]
    lines = job.text.splitlines()
    assert "Вашият номер" in lines and "А001" in lines
    assert "Издаване на удостоверение за наследници" in lines
    assert "пл. „Свобода“ № 1, 8890 Твърдица" in lines  # „“ from the Latin page


def test_an_echo_is_not_a_status_answer_and_loop_url_returns_the_job(
    tmp_path: Path, sqlite_db: Database, clock: Clock
) -> None:
    # GIVEN escpos' Serial on pyserial's loop://, where every byte sent comes back
    printer = UrlSerial(devfile="loop://", profile="TM-T88IV", timeout=0.2)
    printer.open()
    # WHEN the status is asked, the line answers with the query itself (0x10 …)
    state = status.read_state(printer)
    # THEN that is no answer; escpos alone would take the echo for "online"
    assert state is PrinterState.NO_ANSWER
    config = make_config(tmp_path, printer__profile="TM-T88IV")
    printer.device.reset_input_buffer()
    layout.ticket(layout.Paper(printer, language="bg"), _slip(config, sqlite_db, clock))
    job = decode(printer.device.read(4096), profile="TM-T88IV")
    printer.close()
    assert job.initialised and job.cut and job.qr_data == ["https://www.tvarditsa.org/"]
    assert "Вашият номер" in job.text.splitlines() and "А001" in job.text.splitlines()


@pytest.mark.parametrize("flow", ["none", "rtscts", "dsrdtr", "xonxoff"])
def test_the_serial_port_opens_as_configured(tmp_path: Path, serial_line, flow: str) -> None:
    line, _ = serial_line
    config = make_config(
        tmp_path / "flow",
        printer__connection="serial",
        printer__url=line.printer.url,
        printer__baudrate=19200,
        printer__flow_control=flow,
        printer__timeout_s=3.0,
    )
    printer = serial_connection(config)()
    port = printer.device
    printer.close()
    assert isinstance(port, serial.Serial) and port.baudrate == 19200
    # escpos' Serial defaults to DSR/DTR; the config says which flow control, if any
    assert (port.rtscts, port.dsrdtr, port.xonxoff) == (
        flow == "rtscts",
        flow == "dsrdtr",
        flow == "xonxoff",
    )
    assert port.timeout == STATUS_TIMEOUT and port.write_timeout == 3.0


def test_virtual_printer_keeps_bytes_and_renders_png(
    tmp_path: Path, sqlite_db: Database, clock: Clock
) -> None:
    config = make_config(tmp_path)
    printer = make_printer(config)
    assert isinstance(printer, VirtualPrinter)
    queue = Queue(sqlite_db, config, clock=clock)
    issued = queue.issue(category="Б")
    result = printer.print_ticket(
        ticket_slip(issued=issued, config=config, service=None, language="en")
    )
    assert result.ok and Path(result.detail).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    job = decode(printer.jobs[-1])
    assert "Б001" in job.text and "Your number" in job.text
    registration = Messages(sqlite_db, config, clock=clock).submit(
        Draft(kind=Kind.COMPLAINT, text="Тест", anonymous=True)
    )
    printer.print_receipt(
        complaint_receipt(registration=registration, config=config, language="bg")
    )
    receipt = decode(printer.jobs[-1])
    assert (
        registration.reg_number in receipt.text
        and "Не подлежи на разглеждане: анонимно" in receipt.text
    )
    assert "Не подлежи на разглеждане" in receipt.text.splitlines()  # the review status
    # the check code, large and in groups of three, under its own title
    assert registration.check_code is not None
    lines = receipt.text.splitlines()
    assert lines[lines.index("Код за проверка") + 1] == spaced_code(registration.check_code)


def test_a_profile_without_cyrillic_gets_latin_letters(
    tmp_path: Path, sqlite_db: Database, clock: Clock
) -> None:
    config = make_config(tmp_path, printer__profile="TM-U220")
    printer = make_printer(config)
    issued = Queue(sqlite_db, config, clock=clock).issue(category="А")
    printer.print_ticket(ticket_slip(issued=issued, config=config, service=None, language="bg"))
    data = printer.jobs[-1]
    assert b"\x1bt" not in data  # no code page to choose: plain ASCII
    assert "Obshtina Tvarditsa" in decode(data, profile="TM-U220").text


def test_announcer_chime_and_bulgarian_speech(tmp_path: Path) -> None:
    assert spoken_call("А023", 3, "bg") == "Номер А двадесет и три, гише три"
    announcer = Announcer(tmp_path)
    chime = announcer.chime_wav()
    call = announcer.call_wav("А023", 3, "bg")
    with wave.open(str(chime)) as c, wave.open(str(call)) as w:
        chime_frames, call_frames = c.getnframes(), w.getnframes()
        assert w.getframerate() == c.getframerate()
    if announcer.espeak:  # .ci/run installs espeak-ng: the call is the chime plus speech
        assert call_frames > chime_frames * 2
    else:
        assert call == chime
    assert announcer.call_wav("А023", 3, "bg") == call  # made once, then kept
