"""Command-line options made from config dataclasses, so each setting is declared once.

    @app.command()
    @config_options()
    def mine(src: ..., mining: MiningConfig) -> None: ...

gives ``mine`` one option per :func:`align.settings.setting` field of :class:`MiningConfig` (nested
config dataclasses are flattened), and calls it with the config built from them. The option's
help, default and bounds are the field's; nothing is retyped here or in the command.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
from collections.abc import Callable, Collection
from typing import Annotated, Any, get_type_hints

import typer

from align.settings import HELP, is_setting


@dataclasses.dataclass(frozen=True)
class _Field:
    """One option: the dataclass field it fills and how to read it."""

    path: tuple[str, ...]  # (config parameter, [nested field, ...], field)
    field: dataclasses.Field
    hint: Any


def config_options(
    exclude: Collection[str] = (), **configs: type
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Replace each parameter named in ``configs`` by the options of its dataclass; without
    ``configs``, each parameter annotated with a dataclass.

    ``exclude`` names fields left at their default. A config class may define
    ``help_note(field_name) -> str | None`` to add to a field's help what the field cannot say
    itself, such as defaults that depend on another setting.
    """

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        nonlocal configs
        hints = get_type_hints(command, include_extras=True)
        configs = configs or {name: hint for name, hint in hints.items() if dataclasses.is_dataclass(hint)}
        fields = {name: list(_fields(cls, (name,), exclude)) for name, cls in configs.items()}
        parameters = []
        for parameter in inspect.signature(command).parameters.values():
            if parameter.name in configs:
                note = getattr(configs[parameter.name], "help_note", lambda name: None)
                parameters += [_option(f, note(f.field.name)) for f in fields[parameter.name]]
            else:
                annotation = hints.get(parameter.name, parameter.annotation)
                parameters.append(
                    parameter.replace(kind=inspect.Parameter.KEYWORD_ONLY, annotation=annotation)
                )

        @functools.wraps(command)
        def run(**values: Any) -> Any:
            for name, cls in configs.items():
                values[name] = _build(cls, (name,), fields[name], values)
            return command(**values)

        run.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
        run.__annotations__ = {p.name: p.annotation for p in parameters}
        del run.__wrapped__  # typer must see the new signature, not the command's
        return run

    return decorate


def _fields(cls: type, path: tuple[str, ...], exclude: Collection[str]):
    hints = get_type_hints(cls)
    for field in dataclasses.fields(cls):
        hint = hints[field.name]
        if dataclasses.is_dataclass(hint):
            yield from _fields(hint, (*path, field.name), exclude)
        elif is_setting(field) and field.name not in exclude:
            yield _Field((*path, field.name), field, hint)


def _option(f: _Field, note: str | None) -> inspect.Parameter:
    meta = f.field.metadata
    help_text = f"{meta[HELP]} {note}" if note else meta[HELP]
    exists = meta["exists"]
    checks = (
        {} if exists is None else {"exists": True, "file_okay": exists != "dir", "dir_okay": exists != "file"}
    )
    if meta["argument"]:
        option = typer.Argument(help=help_text, metavar=meta["argument"], **checks)
    else:
        option = typer.Option(*meta["flags"], help=help_text, min=meta["min"], **checks)
    if f.field.default is not dataclasses.MISSING:
        default = f.field.default
    elif f.field.default_factory is not dataclasses.MISSING:
        default = None  # e.g. an empty tuple, read as a repeatable option given no times
    else:
        default = inspect.Parameter.empty
    cli_type = meta["cli_type"] if meta["cli_type"] is not None else f.hint
    return inspect.Parameter(
        f.field.name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=Annotated[cli_type, option]
    )


def _build(cls: type, path: tuple[str, ...], fields: list[_Field], values: dict[str, Any]) -> Any:
    """The ``cls`` object at ``path``, its option fields taken out of ``values``."""
    kwargs: dict[str, Any] = {}
    for f in fields:
        if f.path[: len(path)] != path or len(f.path) != len(path) + 1:
            continue
        value = values.pop(f.field.name)
        parse = f.field.metadata["parse"]
        kwargs[f.field.name] = parse(value) if parse else value
    hints = get_type_hints(cls)
    for field in dataclasses.fields(cls):
        if dataclasses.is_dataclass(hints[field.name]):
            kwargs[field.name] = _build(hints[field.name], (*path, field.name), fields, values)
    return cls(**kwargs)


# typer shows each option's Python type (``<int range>``, ``<list[str]>``); align's help shows a
# plain placeholder instead, as Unix tools do.
_PLAIN_TYPES = {"int": "INTEGER", "float": "NUMBER", "file": "FILE", "dir": "DIR", "path": "PATH"}


def plain_placeholders(command: Any, ctx: Any) -> None:
    """Give each option of ``command`` (and of its subcommands) a plain placeholder, and its
    arguments none beside their names: ``--batch-size INTEGER``, ``--model MODEL``,
    ``--margin [ratio|distance|absolute]``, ``QUERY...``."""
    for param in getattr(command, "params", ()):
        if not hasattr(param, "display_type"):
            continue
        if param.param_type_name == "argument":
            param.display_type_rich = lambda ctx: None
            continue
        if param.metavar is not None or getattr(param, "is_flag", False):
            continue
        label = param.display_type(ctx).strip("<>").replace(" range", "")
        label = label.removeprefix("list[").removesuffix("]")
        if "|" in label:
            param.metavar = f"[{label}]"
        else:
            long_name = next((opt for opt in param.opts if opt.startswith("--")), param.name)
            param.metavar = _PLAIN_TYPES.get(label) or long_name.lstrip("-").replace("-", "_").upper()
    for name in getattr(command, "commands", {}):
        plain_placeholders(command.commands[name], ctx)
