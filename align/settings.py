"""Settings declared once: a config dataclass field that also says how the command line offers it.

A field made with :func:`setting` carries its help text and, where the option's name or type
differs from the field's, how to spell and parse it. :mod:`align.cli_options` turns such fields into
typer options, so a default or a help text is never written twice. Plain fields stay API-only.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

HELP = "align.help"


def setting(
    default: Any = dataclasses.MISSING,
    help: str = "",
    *,
    flags: tuple[str, ...] = (),
    min: float | None = None,
    parse: Callable[[Any], Any] | None = None,
    cli_type: Any = None,
    argument: str | None = None,
    exists: str | None = None,
    default_factory: Callable[[], Any] | Any = dataclasses.MISSING,
) -> Any:
    """A dataclass field offered as a command-line option.

    ``flags`` names the option (default ``--field-name``; for a bool, ``"--on/--off"``), ``min``
    bounds a number, and ``parse`` turns what the option reads (of type ``cli_type``, default the
    field's type) into the field's value, e.g. ``"0,1"`` into ``("0", "1")``. ``argument`` makes it
    a positional argument of that name instead (``"INPUT"``); ``exists`` (``"file"``, ``"dir"`` or
    ``"path"``) has the command line check that the path it names exists before anything runs.
    """
    metadata = {HELP: help, "flags": flags, "min": min, "parse": parse, "cli_type": cli_type}
    metadata |= {"argument": argument, "exists": exists}
    if default_factory is not dataclasses.MISSING:
        return dataclasses.field(default_factory=default_factory, metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


def is_setting(field: dataclasses.Field) -> bool:
    return HELP in field.metadata


def help_of(cls: type, name: str) -> str:
    """The help text of setting ``name`` of dataclass ``cls``, for an option declared by hand."""
    return cls.__dataclass_fields__[name].metadata[HELP]  # type: ignore[attr-defined]


def values(config: Any) -> dict[str, Any]:
    """A flat config's fields as keyword arguments: the command line calls an API function with the
    options config whose field names are that function's parameters."""
    return {field.name: getattr(config, field.name) for field in dataclasses.fields(config)}


def force_setting() -> Any:
    """``--force``, as every command that writes offers it."""
    return setting(
        False, "Replace the outputs if they exist (a file, or a directory align wrote).", flags=("--force",)
    )


def batch_size_setting() -> Any:
    """``--batch-size``, as every command that embeds offers it."""
    return setting(None, "Sentences encoded at a time (default: 256; static encoders 4096).", min=1)
