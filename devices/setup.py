"""What `kiosk printer setup` writes: the [printer] keys for a found printer, into kiosk.toml.

The file is edited with tomlkit, which keeps every comment, the order of the keys and the
layout of the rest of the file; only the keys of [printer] that change are touched. The
new text is checked by kiosk.config before it is written, and written by replacing the
file in one rename, so a kiosk starting meanwhile reads the old file or the new one.
"""

from __future__ import annotations

import difflib
import os
import tempfile
from pathlib import Path
from typing import Any

import tomlkit

from devices.discovery import Candidate
from devices.layout import CodePage
from kiosk.config import Config, parse_config


def printer_values(
    candidate: Candidate, *, profile: str, code_page: CodePage | None = None
) -> dict[str, Any]:
    """The [printer] keys that make the kiosk print to `candidate` as the sheet chose."""
    values: dict[str, Any] = {"connection": candidate.connection}
    if candidate.connection == "serial":
        values |= {"url": candidate.address, "baudrate": candidate.baudrate}
    elif candidate.connection == "file":
        values["device"] = candidate.address
    elif candidate.connection == "usb":
        values |= {
            "usb_vendor": f"0x{candidate.vendor_id or 0:04x}",
            "usb_product": f"0x{candidate.product_id or 0:04x}",
        }
    elif candidate.connection == "network":
        values |= {"host": candidate.address, "port": candidate.port}
    values["profile"] = profile
    if code_page is not None:
        values |= {"code_page": code_page.name, "code_page_table": code_page.table}
    # a link that does not answer DLE EOT would make every ticket wait for a status first
    values["status_query"] = candidate.answers
    return values


def with_printer(text: str, values: dict[str, Any]) -> str:
    """The TOML `text` with the keys of [printer] set to `values`, everything else as it was."""
    document = tomlkit.parse(text)
    if "printer" not in document:
        document["printer"] = tomlkit.table()
    table = document["printer"]
    for key, value in values.items():
        if key not in table:
            table[key] = value
        elif table[key] != value:
            table[key] = _aligned(table[key], tomlkit.item(value))
    return tomlkit.dumps(document)


def _aligned(old: Any, new: Any) -> Any:
    """`new` with `old`'s comment, kept in its column where the longer value leaves room."""
    new.trivia.comment, new.trivia.comment_ws = old.trivia.comment, old.trivia.comment_ws
    if old.trivia.comment:
        room = len(old.trivia.comment_ws) - (len(new.as_string()) - len(old.as_string()))
        new.trivia.comment_ws = " " * max(1, room)
    return new


def diff(path: Path, old: str, new: str) -> str:
    return "".join(
        difflib.unified_diff(
            old.splitlines(keepends=True),
            new.splitlines(keepends=True),
            fromfile=str(path),
            tofile=f"{path} (new)",
        )
    )


def check(path: Path, text: str) -> Config:
    """The config the new text makes: refused (ConfigError, naming the key) before writing."""
    return parse_config(
        tomlkit.parse(text).unwrap(), base_dir=path.resolve().parent, source=str(path)
    )


def write(path: Path, text: str) -> None:
    """Replace the file in one rename, with the old file's owner and permissions."""
    old = path.stat() if path.exists() else None
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, old.st_mode & 0o7777 if old else 0o644)
        if old is not None and os.geteuid() == 0:  # /etc/kiosk/kiosk.toml is root:kiosk 0640
            os.chown(temporary, old.st_uid, old.st_gid)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
