"""Letters to a complainant: the extension notice and the answer, printable, each a recorded view."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select

from kiosk.cli import main
from kiosk.db import Database
from kiosk.messages import Draft, Kind, Messages
from kiosk.models import MessageEvent
from kiosk.register import Register, Status
from kiosk.reports.render.letters import render_letter
from tests.support import Clock


def test_extension_notice_and_answer_letters(sqlite_db: Database, config, clock: Clock) -> None:
    reg = Messages(sqlite_db, config, clock=clock).submit(
        Draft(
            kind=Kind.SIGNAL,
            text="Незаконно строителство.",
            name="Мария Георгиева",
            contact="maria@example.bg",
            consent=True,
        )
    )
    register = Register(sqlite_db, config, clock=clock)
    clock.advance(days=50)
    register.extend(
        message_uuid=reg.uuid,
        actor="quality1",
        reason="Очакваме становище на ДНСК.",
        final_due_date=dt.date(2027, 3, 1),
    )
    notice = render_letter(
        register.letter(
            message_uuid=reg.uuid, kind=Status.EXTENDED, actor="quality1", role="quality"
        ),
        message_kind="signal",
        config=config,
    )
    assert "Мария Георгиева" in notice and "maria@example.bg" in notice
    assert f"Относно: Ваш сигнал с рег. № {reg.reg_number} от 25.11.2026" in notice
    assert "Очакваме становище на ДНСК." in notice
    assert "най-късно до 01.03.2027" in notice
    clock.advance(days=10)
    register.answer(message_uuid=reg.uuid, actor="Кмет", text="Строежът е спрян.")
    answer = render_letter(
        register.letter(
            message_uuid=reg.uuid, kind=Status.ANSWERED, actor="quality1", role="admin"
        ),
        message_kind="signal",
        config=config,
    )
    assert "Строежът е спрян." in answer and "Кмет" in answer
    with sqlite_db.read() as s:
        views = list(s.scalars(select(MessageEvent.text).where(MessageEvent.kind == "pii_viewed")))
    assert views == ["letter:extended", "letter:answered"]


def test_cli_prints_the_letter(tmp_path: Path) -> None:
    toml = tmp_path / "kiosk.toml"
    toml.write_text(f'[paths]\ndata_dir = "{tmp_path / "var"}"\n', encoding="utf-8")
    assert main(["--config", str(toml), "db", "upgrade"]) == 0
    from kiosk.cli import Context

    ctx = Context(config_path=toml)
    reg = Messages(ctx.db, ctx.config).submit(
        Draft(
            kind=Kind.COMPLAINT,
            text="Чаках.",
            name="Иван Петров",
            contact="0888 123 456",
            consent=True,
        )
    )
    Register(ctx.db, ctx.config).answer(message_uuid=reg.uuid, actor="Кмет", text="Извиняваме се.")
    ctx.db.dispose()
    out = tmp_path / "letter.html"
    args = ["register", "letter", reg.reg_number, "--kind", "answer", "--actor", "anna", "--out"]
    assert main(["--config", str(toml), *args, str(out)]) == 0
    assert "Иван Петров" in out.read_text(encoding="utf-8")
    assert (
        main(["--config", str(toml), *args[:4], "extension", "--actor", "anna", "--out", str(out)])
        == 1
    )
