"""What each part's click commands share: how a command function gets its input, its groups.

A command is a function `f(ctx, args) -> exit code`; `pass_args` makes it the callback of
a click command, with the run's `Context` and the parsed parameters as attributes
(`args.counter`), so a function reads the same whichever options declare them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import fields, is_dataclass
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import click

from kiosk.text import Text

if TYPE_CHECKING:
    from kiosk.cli import Context

#: A command's parsed parameters, read as attributes (`args.counter`).
Args = SimpleNamespace


def pass_args(func: Callable[..., int], **fixed: Any) -> Callable[..., int]:
    """A click callback calling `func(ctx, args)`: `args` holds the parameters and `fixed`."""

    @functools.wraps(func)
    def callback(**params: Any) -> int:
        ctx: Context = click.get_current_context().obj
        return func(ctx, Args(**params, **fixed))

    return callback


def json_record(value: Any) -> Any:
    """A domain view as `--json` prints it: its fields by name, a bilingual `Text` field as the
    two keys `<name>_bg` and `<name>_en` that scripts read since before views held `Text`."""
    if isinstance(value, list | tuple):
        return [json_record(item) for item in value]
    if not is_dataclass(value) or isinstance(value, type):
        return value
    record: dict[str, Any] = {}
    for field in fields(value):
        item = getattr(value, field.name)
        if isinstance(item, Text):
            record[f"{field.name}_bg"], record[f"{field.name}_en"] = item.bg, item.en
        else:
            record[field.name] = json_record(item)
    return record


class Group(click.Group):
    """A click group listing its commands in the order they were added, each with its help's
    first paragraph whole (click would sort them and cut the text at the line's end)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [
            (name, (command.help or "").split("\n\n")[0]) for name, command in self.commands.items()
        ]
        with formatter.section("Commands"):
            formatter.write_dl(rows)
