"""The settings of ``align serve``, light to import (the command line builds its options from them
before FastAPI or any model loads)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import PurePath

from align.errors import AlignError
from align.settings import setting

API_KEY_ENV = "ALIGN_SERVE_API_KEY"  # when set, requests must carry "Authorization: Bearer <it>"


def named(
    entries: list[str] | tuple[str, ...] | None, option: str = "--model"
) -> tuple[tuple[str, str], ...]:
    """``["e5=models/e5", "models/en-zh"]`` → ``(("e5", "models/e5"), ("en-zh", "models/en-zh"))``:
    the name before ``=``, else the last path part (a hub id's, after its "/")."""
    found: dict[str, str] = {}
    for entry in entries or ():
        name, _, target = entry.partition("=") if "=" in entry else (PurePath(entry).name, "", entry)
        if not name or not target:
            raise AlignError(f"{option} {entry!r}: write NAME=PATH, or PATH alone")
        if name in found:
            raise AlignError(f"{option}: the name {name!r} is given twice; name one of them NAME=PATH")
        found[name] = target
    return tuple(found.items())


@dataclass(frozen=True)
class ServeConfig:
    """What ``align serve`` serves, where, and within which limits: the arguments of
    :func:`align.serve.run.serve`."""

    models: tuple[tuple[str, str], ...] = setting(
        (),
        "A model to serve, NAME=MODEL or MODEL (named by its last path part); repeat for several. "
        'Clients name it in their requests\' "model".',
        flags=("--model",),
        cli_type=list[str] | None,
        parse=functools.partial(named, option="--model"),
    )
    stores: tuple[tuple[str, str], ...] = setting(
        (),
        "A store made by align index to search and update, NAME=DIR or DIR; repeat for several. "
        "Its own model embeds its queries and documents.",
        flags=("--store",),
        cli_type=list[str] | None,
        parse=functools.partial(named, option="--store"),
    )
    host: str = setting("127.0.0.1", "Address to listen on (127.0.0.1: this machine only; 0.0.0.0: all).")
    port: int = setting(8000, "Port to listen on.", min=1)
    batching: bool = setting(
        True,
        "Embed the requests that queue while the model works in one model call (off: each alone).",
        flags=("--batching/--no-batching",),
    )
    batch_wait_ms: float = setting(
        0.0, "With batching, how long a call waits after its first request for more to arrive.", min=0
    )
    batch_texts: int = setting(256, "Most texts one model call embeds when requests are batched.", min=1)
    max_inputs: int = setting(2048, "Most inputs one request may hold (more: 413).", min=1)
    max_chars: int = setting(20_000, "Longest input, in characters (longer: 422).", min=1)
    max_body: int = setting(16 * 2**20, "Largest request body, in bytes (larger: 413).", min=1)
    cors: tuple[str, ...] = setting(
        (),
        "An origin whose web pages may call this API (CORS), e.g. https://app.example.com, or * for any; "
        "repeat for several. Without it, browsers let only the server's own page call it.",
        flags=("--cors",),
        cli_type=list[str] | None,
        parse=lambda origins: tuple(origins or ()),
    )
