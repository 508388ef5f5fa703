"""`kiosk demo`, `kiosk run` and `kiosk screenshots`: the touchscreen app from the command line."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from kiosk.command_args import Args, Group, pass_args
from kiosk.reports.commands import demo_seed
from screens import SCREENS

if TYPE_CHECKING:
    from kiosk.cli import Context

SIZES = {"portrait": (1080, 1920), "landscape": (1920, 1080)}
DOCS_SCREENS = Path(__file__).resolve().parent.parent / "docs" / "screens"


def _prepare_db(ctx: Context) -> Any:
    from kiosk.catalog import ensure_catalog
    from kiosk.queue import apply_queue_config

    ctx.db.upgrade()
    ensure_catalog(ctx.db)
    apply_queue_config(ctx.db, ctx.config)
    return ctx.db


def _make_app(ctx: Context, *, fullscreen: bool, headless: bool | None, clock: Any = None) -> Any:
    from screens import kivy_env

    cfg = ctx.config
    kivy_env.prepare(kivy_home=cfg.data_dir / "kivy", headless=headless)
    kivy_env.configure(size=SIZES[cfg.ui.orientation], fullscreen=fullscreen)
    from screens.app import KioskApp, make_announcer, make_printer

    db = _prepare_db(ctx)
    kwargs = {"clock": clock} if clock else {}
    return KioskApp(
        kiosk_config=cfg,
        db=db,
        printer=make_printer(cfg, db),
        announcer=make_announcer(cfg),
        **kwargs,
    )


def _run(ctx: Context, args: Args, *, fullscreen: bool) -> int:
    app = _make_app(ctx, fullscreen=fullscreen, headless=args.headless or None)
    cfg = ctx.config
    print(f"database: {ctx.db.safe_url}")
    print(f"printer: {cfg.printer.connection} (virtual printer PNGs in {cfg.data_dir / 'printer'})")
    print(f"screenshots: `kiosk screenshots` writes {DOCS_SCREENS}")
    if args.seconds:
        from kivy.clock import Clock

        Clock.schedule_once(lambda _dt: app.stop(), args.seconds)
    app.run()
    return 0


def _demo(ctx: Context, args: Args) -> int:
    return _run(ctx, args, fullscreen=False)


def _kiosk(ctx: Context, args: Args) -> int:
    return _run(ctx, args, fullscreen=ctx.config.ui.fullscreen)


@click.command(
    "screenshots", help="a PNG of every screen in both languages, with normal and larger text"
)
@click.option("--out", type=click.Path(path_type=Path), default=DOCS_SCREENS)
@click.option("--orientation", type=click.Choice(tuple(SIZES)), default="portrait")
@pass_args
def screenshots(ctx: Context, args: Args) -> int:
    from kiosk.config import parse_config
    from kiosk.db import Database
    from screens import kivy_env

    work = Path(tempfile.mkdtemp(prefix="kiosk-shots-"))
    # a fresh database and a fixed Wednesday morning, so the pictures do not depend on today
    cfg = parse_config({"paths": {"data_dir": str(work)}}, base_dir=work, source="screenshots")
    kivy_env.prepare(kivy_home=work / "kivy", headless=None)
    kivy_env.configure(size=SIZES[args.orientation], fullscreen=False)
    from kiosk.catalog import ensure_catalog
    from kiosk.queue import apply_queue_config
    from screens import headless, scenes
    from screens.app import KioskApp, make_announcer, make_printer

    db = Database(cfg.database_url)
    db.upgrade()
    ensure_catalog(db)
    apply_queue_config(db, cfg)
    morning = dt.datetime(2026, 11, 25, 8, 0, tzinfo=dt.UTC)
    # the default (virtual) printer and the speech bar, as a kiosk has them: without a
    # printer, attract and home would warn that it is down
    app = KioskApp(
        kiosk_config=cfg,
        db=db,
        clock=lambda: morning,
        printer=make_printer(cfg, db),
        announcer=make_announcer(cfg),
    )
    headless.start(app)
    out = args.out
    written = []
    for lang in ("bg", "en"):
        for name in SCREENS:
            for state in scenes.STATES.get(name, ("",)):
                scene = f"{name}-{state}" if state else name
                for suffix, large_text in (("", False), ("-large", True)):
                    scenes.show(app, name, language=lang, state=state)
                    app.large_text = large_text
                    written.append(headless.capture(app, out / f"{scene}-{lang}{suffix}.png"))
    headless.stop(app)
    db.dispose()
    ctx.out(f"wrote {len(written)} screenshots to {out}", [str(p) for p in written])
    return 0


def _window_options(callback: Callable[..., Any]) -> Callable[..., Any]:
    """--seconds and --headless, the options of each command that opens the kiosk's window."""
    callback = click.option(
        "--headless", is_flag=True, help="render off-screen even when a display exists"
    )(callback)
    return click.option("--seconds", type=float, help="exit after this many seconds")(callback)


@click.group(
    "demo",
    cls=Group,
    invoke_without_command=True,
    commands=[demo_seed],
    help="the kiosk in a window on the embedded default (SQLite, virtual printer)",
)
@_window_options
@click.pass_context
def demo(click_ctx: click.Context, **params: Any) -> int | None:
    # `kiosk demo` opens the window; `kiosk demo seed` only fills the database
    if click_ctx.invoked_subcommand is None:
        return _demo(click_ctx.obj, Args(**params))
    return None


run = click.command("run", help="the kiosk for the lobby: full screen as configured")(
    _window_options(pass_args(_kiosk))
)
kiosk = click.command("kiosk", help="same as run")(_window_options(pass_args(_kiosk)))
