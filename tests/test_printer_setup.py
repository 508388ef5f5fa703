"""`kiosk printer setup`: finding the printer, the code-page sheet, kiosk.toml, the refusals.

The printers are pty pairs with the printer model of tests/printer_model.py on the master
side (the kiosk opens the slave as it would /dev/ttyUSB0); a USB printer is a directory
laid out as the kernel's /sys/bus/usb/devices, since no USB printer exists on a test machine.
"""

from __future__ import annotations

import os
import re
import threading
import tty
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from escpos.capabilities import get_profile

from devices import discovery, profiles, setup, sheet
from devices.discovery import Candidate, NoPrinterFound
from devices.factory import make_printer
from devices.layout import CodePage
from devices.render import decode
from kiosk.cli import main
from kiosk.config import load_config
from kiosk.printing import PrinterState
from tests.printer_model import PrinterModel
from tests.support import make_config

EXAMPLE = Path(__file__).resolve().parent.parent / "kiosk.toml.example"


@pytest.fixture
def pty_printer() -> Iterator[Callable[..., tuple[str, PrinterModel]]]:
    """Make printers on ptys: `make(answers=None)` gives the slave's path and the model."""
    opened: list[tuple[int, int, PrinterModel]] = []

    def make(answers: dict[int, int] | None = None) -> tuple[str, PrinterModel]:
        master, slave = os.openpty()
        tty.setraw(master)
        model = PrinterModel()
        if answers is not None:
            model.answers = answers
        model.serve(master)
        opened.append((master, slave, model))
        return os.ttyname(slave), model

    yield make
    for master, slave, model in opened:
        model.stop()
        os.close(master)
        os.close(slave)


def _wait_for(model: PrinterModel, needle: bytes) -> bytes:
    for _ in range(250):
        if needle in model.received:
            break
        threading.Event().wait(0.02)
    return bytes(model.received)


def _usb_printer(sysfs: Path, *, vendor: str, product: str, name: str, lp: bool) -> None:
    """A USB printer as the kernel lists it: the device, its printer-class interface, lp0."""
    device = sysfs / "1-1"
    device.mkdir(parents=True)
    for key, value in {"idVendor": vendor, "idProduct": product, "manufacturer": "EPSON",
                       "product": name}.items():  # fmt: skip
        (device / key).write_text(value + "\n")
    interface = sysfs / "1-1:1.0"
    interface.mkdir()
    (interface / "bInterfaceClass").write_text("07\n")
    if lp:
        (interface / "usbmisc" / "lp0").mkdir(parents=True)
    other = sysfs / "1-2:1.0"  # a keyboard: class 03, not a printer
    other.mkdir()
    (other / "bInterfaceClass").write_text("03\n")


def test_discovery_tells_a_printer_that_answers_from_a_port_that_does_not(
    pty_printer, tmp_path: Path
) -> None:
    # GIVEN a printer on one pty and a silent line on another
    printer, _ = pty_printer()
    silent, _ = pty_printer(answers={})
    # WHEN both are tried (the system's own list left out, no USB)
    found = discovery.discover(
        ports=[printer, silent], listed_ports=False, sysfs=tmp_path, baudrates=(9600, 19200)
    )
    # THEN the printer is found ready and the silent line is said to answer nothing
    assert [(c.address, c.state) for c in found] == [
        (printer, PrinterState.OK),
        (silent, PrinterState.NO_ANSWER),
    ]
    assert found[0].answers and not found[1].answers
    assert found[0].baudrate == 9600


def test_a_usb_printer_is_found_with_its_ids_and_its_lp_node(tmp_path: Path) -> None:
    _usb_printer(tmp_path, vendor="04b8", product="0e15", name="TM-T20II", lp=True)
    [found] = discovery.usb_printers(tmp_path)
    assert (found.connection, found.address, found.ids) == ("file", "/dev/usb/lp0", "04b8:0e15")
    assert found.description == "EPSON TM-T20II" and found.maker == "Epson"
    assert found.suggested_profile == "TM-T20II"
    assert found.state is None  # written to as a file: it cannot be asked


def test_a_usb_printer_without_the_usblp_driver_is_an_escpos_usb_printer(tmp_path: Path) -> None:
    _usb_printer(tmp_path, vendor="0416", product="5011", name="POS58", lp=False)
    [found] = discovery.usb_printers(tmp_path)
    assert (found.connection, found.vendor_id, found.product_id) == ("usb", 0x0416, 0x5011)
    values = setup.printer_values(found, profile="XP-58")
    assert values["usb_vendor"] == "0x0416" and values["usb_product"] == "0x5011"


def test_nothing_to_try_is_refused_with_its_code(tmp_path: Path) -> None:
    with pytest.raises(NoPrinterFound) as refused:
        discovery.discover(listed_ports=False, sysfs=tmp_path)
    assert refused.value.code == "printer_not_found" and refused.value.status == 404


def test_a_network_address_where_nothing_listens_answers_nothing() -> None:
    import socket

    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]  # bound, never listening: the connection is refused
        candidate = discovery.probe(discovery.network_printer("127.0.0.1", port))
    assert candidate.state is PrinterState.NO_ANSWER and not candidate.answers
    assert "nothing accepts a connection" in candidate.notes[0]


# --- the sheet ----------------------------------------------------------------------------

BLOCK = re.compile(rb"(\d+)\. ([A-Z0-9_-]+) \(ESC t (\d+)\)\n")


def _blocks_on_paper(data: bytes) -> dict[int, tuple[str, int, bytes]]:
    """Each numbered block of the sheet: its header's page and number, and its bytes."""
    heads = list(BLOCK.finditer(data))
    ends = [h.start() for h in heads[1:]] + [data.index(b"-" * 10, heads[-1].end())]
    return {
        int(h[1]): (h[2].decode(), int(h[3]), data[h.end() : end])
        for h, end in zip(heads, ends, strict=True)
    }


@pytest.mark.parametrize("profile", ["default", "XP-58", "TSP600", "CT-S310"])
def test_each_block_of_the_sheet_is_in_its_page_at_its_number(pty_printer, profile: str) -> None:
    # GIVEN a printer on a serial line
    url, model = pty_printer()
    config = make_config(Path("/nonexistent"), printer__connection="serial", printer__url=url)
    from devices.setup_dialogue import _send

    # WHEN the sheet for the profile is printed
    blocks = sheet.blocks(profile)
    _send(config, sheet.compose(profile, blocks))
    data = _wait_for(model, b"0: none of them.")
    # THEN every block is there, numbered from 1, CP866, CP855, CP1251 and ISO-8859-5 among them
    on_paper = _blocks_on_paper(data)
    assert sorted(on_paper) == list(range(1, len(blocks) + 1))
    assert {"CP866", "CP855", "CP1251", "ISO_8859-5"} <= {page for page, _, _ in on_paper.values()}
    # AND the profile's own Cyrillic pages come first, at the profile's numbers
    own = {
        (page, int(n))
        for n, page in get_profile(profile).codePages.items()
        if page in ("CP866", "CP855", "CP1251", "CP1125", "ISO_8859-5")
    }
    first = {(page, table) for page, table, _ in list(on_paper.values())[: len(own)]}
    assert first == own
    latin_pages = {int(n): page for n, page in get_profile(profile).codePages.items()}
    for page, table, body in on_paper.values():
        lines = [line for line in _lines(body) if line]
        # every line selects the block's table first
        assert all(line[0][0] == table for line in lines)
        codec = page.lower().replace("_", "-")
        text = [b"".join(chunk for _, chunk in line).decode(codec) for line in lines[:-1]]
        assert " ".join(text[:-1]) == sheet.PANGRAM and text[-1] == sheet.ALPHABET
        euro = lines[-1]
        if page == "CP1251":  # of the Cyrillic pages only CP1251 has €: in one table
            assert {t for t, _ in euro} == {table}
        else:  # a switch to a Latin page for the € and back, as a ticket does
            assert [t for t, _ in euro][:3] == [table, euro[1][0], table] != [table] * 3
        shown = "".join(
            chunk.decode(codec if t == table else latin_pages[t].lower()) for t, chunk in euro
        )
        assert shown == sheet.EURO_LINE


def _lines(body: bytes) -> list[list[tuple[int, bytes]]]:
    """The block's lines, each as (ESC t number, bytes) pieces: a table byte may be 0x0A."""
    lines: list[list[tuple[int, bytes]]] = [[]]
    table, i = -1, 0
    while i < len(body):
        if body[i : i + 2] == b"\x1bt":
            table, i = body[i + 2], i + 3
            lines[-1].append((table, b""))
            continue
        if body[i] == 0x0A:
            lines.append([])
        elif lines[-1]:
            lines[-1][-1] = (table, lines[-1][-1][1] + body[i : i + 1])
        i += 1
    return lines


def test_our_profiles_join_escpos_without_replacing_its_own() -> None:
    profiles.register()
    assert {"XP-58", "XP-80", "CT-S310", "EP-50", "EP-60"} <= set(profiles.profile_names())
    assert get_profile("XP-58").get_columns("a") == 32
    assert get_profile("XP-80").get_columns("a") == 48 and get_profile("XP-80").supports(
        "paperFullCut"
    )
    # inherited from escpos' POS-5890: its numbering of the Cyrillic pages
    assert get_profile("XP-58").codePages["73"] == "CP1251"
    assert get_profile("TM-T20II").notes == "Epson TM-T20II profile"


@pytest.mark.parametrize(
    ("profile", "page", "table", "latin"),
    [("default", "CP1251", 73, None), ("XP-58", "CP866", 59, "CP1252")],
)
def test_a_ticket_is_printed_in_the_chosen_page_at_the_chosen_number(
    tmp_path: Path, profile: str, page: str, table: int, latin: str | None
) -> None:
    config = make_config(
        tmp_path, printer__profile=profile, printer__code_page=page, printer__code_page_table=table
    )
    printer = make_printer(config)
    from devices.commands import test_slip

    slip = test_slip(config, "bg")
    result = printer.print_ticket(slip)
    assert result.ok
    data = printer.jobs[-1]
    assert b"\x1bt" + bytes([table]) in data
    job = decode(data, profile=profile, code_page=CodePage(page, table))
    assert job.code_pages[0] == page and "Вашият номер" in job.text.splitlines()
    # „“ and № are in CP1251; with CP866 the line switches to the profile's Latin page for „“
    assert "пл. „Свобода“ № 1, 8890 Твърдица" in job.text.splitlines() or (
        latin in job.code_pages and "пл. „Свобода“ No 1, 8890 Твърдица" in job.text.splitlines()
    )
    assert set(job.code_pages) == {page} | ({latin} if latin else set())


# --- the command --------------------------------------------------------------------------


@pytest.fixture
def no_listed_ports(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """This machine's own serial ports and USB devices are not the test's printer."""
    monkeypatch.setattr(discovery, "serial_ports", list)
    monkeypatch.setattr(discovery, "SYSFS_USB", tmp_path / "no-usb")
    monkeypatch.setattr(discovery, "usb_printers", lambda sysfs=None: [])


def test_setup_writes_the_choice_keeps_the_comments_and_prints_a_ticket(
    pty_printer, tmp_path: Path, no_listed_ports, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN the commented example as kiosk.toml and an XP-58 on a serial line
    path = tmp_path / "kiosk.toml"
    path.write_text(
        EXAMPLE.read_text(encoding="utf-8").replace('data_dir = "var"', f'data_dir = "{tmp_path}"'),
        encoding="utf-8",
    )
    url, model = pty_printer()
    blocks = sheet.blocks("XP-58")
    cp1251 = next(b for b in blocks if b.page == CodePage("CP1251", 73))
    # WHEN the installer runs the set-up and picks the CP1251 block
    code = main(
        ["--config", str(path), "printer", "setup", "--port", url, "--profile", "XP-58",
         "--printer", "1", "--code-page", str(cp1251.number), "--yes"]
    )  # fmt: skip
    out = capsys.readouterr().out
    # THEN it said what it found, showed the change, wrote it and printed the test ticket
    assert code == 0, out
    assert f"1. {url}: serial port: a printer answers: ready, paper loaded, at 9600 baud" in out
    assert '+code_page = "CP1251"' in out and "+code_page_table = 73" in out
    assert "Test ticket: ok" in out
    # AND kiosk.config reads the file back with the choice
    printer = load_config(path).printer
    assert (printer.connection, printer.url, printer.baudrate) == ("serial", url, 9600)
    assert (printer.profile, printer.code_page, printer.code_page_table) == ("XP-58", "CP1251", 73)
    # AND every comment of the example is still there, the other tables untouched
    text = path.read_text(encoding="utf-8")
    comments = [line.partition("#")[2] for line in EXAMPLE.read_text().splitlines() if "#" in line]
    assert all(comment in text for comment in comments)
    assert text.count("\n") == EXAMPLE.read_text().count("\n")
    # AND the ticket reached the printer in CP1251 at 73, after the sheet
    data = _wait_for(model, "Вашият номер".encode("cp1251"))
    ticket = data[data.index(b"0: none of them.") :]
    assert b"\x1bt\x49" in ticket and "Вашият номер".encode("cp1251") in ticket


def test_setup_refuses_when_nothing_answers_and_says_what_to_check(
    pty_printer, tmp_path: Path, no_listed_ports, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text('[site]\nid = "tvarditsa-ociu"\n', encoding="utf-8")
    silent, _ = pty_printer(answers={})
    code = main(["--config", str(path), "printer", "setup", "--port", silent, "--yes"])
    out = capsys.readouterr().out
    assert code == 1
    assert "opens, but nothing answers a status query" in out
    assert "No printer answers at any of these." in out and "What to check:" in out
    assert path.read_text() == '[site]\nid = "tvarditsa-ociu"\n'  # nothing written
    # AND chosen by number it is set up to print without asking its status first
    code = main(["--config", str(path), "printer", "setup", "--port", silent, "--printer", "1",
                 "--code-page", "1", "--yes"])  # fmt: skip
    printer = load_config(path).printer
    assert code == 0
    assert (printer.url, printer.status_query, printer.code_page) == (silent, False, "CP866")


def test_setup_with_nothing_to_try_says_what_to_check(
    tmp_path: Path, no_listed_ports, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["--config", str(tmp_path / "kiosk.toml"), "printer", "setup", "--yes"])
    out = capsys.readouterr().out
    assert code == 1 and "No printer found" in out and "--host 192.168.1.50" in out
    assert not (tmp_path / "kiosk.toml").exists()


def test_setup_writes_nothing_when_no_block_printed_right(
    pty_printer, tmp_path: Path, no_listed_ports, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text('# the site\'s config\n[printer]\nprofile = "default"  # as bought\n')
    url, _ = pty_printer()
    code = main(["--config", str(path), "printer", "setup", "--port", url, "--printer", "1",
                 "--code-page", "0", "--yes"])  # fmt: skip
    assert code == 1 and "nothing written" in capsys.readouterr().out
    assert path.read_text() == '# the site\'s config\n[printer]\nprofile = "default"  # as bought\n'


def test_a_new_printer_table_is_added_to_a_file_without_one() -> None:
    candidate = Candidate("network", "192.168.1.60", port=9100, state=PrinterState.OK)
    text = setup.with_printer(
        '# Tvarditsa\n[site]\nid = "tvarditsa-ociu"  # the town hall\n',
        setup.printer_values(candidate, profile="TM-T88V", code_page=CodePage("CP866", 17)),
    )
    assert text.startswith('# Tvarditsa\n[site]\nid = "tvarditsa-ociu"  # the town hall\n')
    config = setup.check(Path("kiosk.toml"), text)
    assert (config.printer.connection, config.printer.host, config.printer.code_page) == (
        "network",
        "192.168.1.60",
        "CP866",
    )


def test_a_network_printer_on_its_raw_port_is_found_answering() -> None:
    import socket

    model = PrinterModel()
    server = socket.create_server(("127.0.0.1", 0))
    connections: list[socket.socket] = []

    def accept() -> None:
        for _ in range(2):  # the reachability check, then the status query
            conn, _ = server.accept()
            connections.append(conn)
            model.serve(conn.fileno())

    acceptor = threading.Thread(target=accept, daemon=True)
    acceptor.start()
    try:
        candidate = discovery.probe(discovery.network_printer("127.0.0.1", server.getsockname()[1]))
    finally:
        acceptor.join(timeout=2)
        model.stop()
        for conn in connections:
            conn.close()
        server.close()
    assert candidate.state is PrinterState.OK and candidate.answers and not candidate.notes


def test_setup_in_json_tells_what_it_found_and_wrote(
    pty_printer, tmp_path: Path, no_listed_ports, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    path = tmp_path / "kiosk.toml"
    path.write_text(f'[paths]\ndata_dir = "{tmp_path}"\n', encoding="utf-8")
    url, _ = pty_printer()
    code = main(["--config", str(path), "--json", "printer", "setup", "--port", url,
                 "--printer", "1", "--code-page", "4", "--yes"])  # fmt: skip
    captured = capsys.readouterr()
    outcome = json.loads(captured.out)  # the questions and messages went to stderr
    assert code == 0 and "Test ticket: ok" in captured.err
    assert outcome["printer"] | {"url": "-"} == {
        "connection": "serial", "url": "-", "baudrate": 9600, "profile": "default",
        "code_page": "CP1251", "code_page_table": 46, "status_query": True,
    }  # fmt: skip
    assert outcome["found"][0]["state"] == "ok" and outcome["test_ticket"]["ok"]


@pytest.mark.parametrize(
    ("printer", "key"),
    [
        ({"printer__profile": "XP-85"}, "printer.profile"),
        ({"printer__profile": "TM-T88IV", "printer__code_page": "CP1251"}, "printer.code_page"),
    ],
)
def test_a_profile_or_page_escpos_does_not_know_stops_the_program_naming_the_key(
    tmp_path: Path, printer: dict[str, str], key: str
) -> None:
    from kiosk.config import ConfigError

    with pytest.raises(ConfigError) as refused:
        make_printer(make_config(tmp_path, **printer))
    assert refused.value.key == key
    # a page the profile lacks is taken where the set-up found its number
    fine = make_config(
        tmp_path, printer__profile="TM-T88IV", printer__code_page="CP1251",
        printer__code_page_table=46,
    )  # fmt: skip
    assert make_printer(fine).code_page == CodePage("CP1251", 46)
