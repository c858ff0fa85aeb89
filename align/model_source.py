"""Where a model name points (a local directory, the Hugging Face cache, or the hub), checked before
anything heavy loads.

sentence-transformers reads ``models/en-zh`` as a hub id when no such directory exists, and offline
it retries the hub for over a minute before it says so. :func:`check_model_source` answers in
milliseconds instead: an existing directory passes; a name that can only be a path, or a hub id
that is neither cached nor reachable, fails naming the directory it looked in.
"""

from __future__ import annotations

import functools
import os
import socket
import threading
from pathlib import Path
from urllib.parse import urlsplit

from align.errors import AlignError

# What a --model option takes, as every command's help says it.
MODEL_HELP = (
    "A model: a directory saved by align train or any sentence-transformers model (path or hub name), "
    "an exported model's .onnx file, a model2vec directory, or an OpenAI-compatible endpoint "
    "(http://HOST/v1#MODEL)."
)
HUB_PROBE_SECONDS = 3.0  # how long a connection to the hub may take before it counts as unreachable
# A file every sentence-transformers or transformers repository on the hub holds.
_REPOSITORY_FILES = ("modules.json", "config.json")


def looks_like_path(name: str | os.PathLike) -> bool:
    """Whether ``name`` can only be a local path: a hub id is ``NAME`` or ``ORG/NAME``, without
    backslashes, and never starts with a slash, a dot or a tilde."""
    text = str(name)
    return text.startswith(("/", ".", "~")) or text.count("/") > 1 or "\\" in text


def check_model_source(name: object) -> None:
    """Fail at once, naming where it looked, if ``name`` cannot be a model that loads.

    Passes for an existing directory, an ONNX file, an endpoint's URL, a hub id in the local Hugging
    Face cache, and a hub id while the hub can be reached (the hub then says whether the repository
    exists). Anything that is not
    a name or a path (a loaded model, an embedder, None) has nothing to find, and passes too, so an
    API function that takes either calls this first whatever it was given.
    """
    if not isinstance(name, str | os.PathLike) or str(name).startswith(("http://", "https://")):
        return  # an endpoint answers for itself when align connects to it
    path = Path(name).expanduser()
    if path.is_dir() or (path.is_file() and path.suffix == ".onnx"):
        return
    if path.exists():
        raise AlignError(
            f"the model {str(name)!r} is a file; give the directory the model was saved to "
            "(or an exported model's .onnx file)"
        )
    looked = f"there is no directory {path.absolute()}"
    if looks_like_path(name):
        raise AlignError(f"could not load the model {str(name)!r}: {looked}")
    if _in_hub_cache(str(name)):
        return
    reason = _hub_unreachable()
    if reason:
        raise AlignError(
            f"could not load the model {str(name)!r}: {looked}, it is not in the Hugging Face cache, "
            f"and {reason}. Give the path of a saved model, or download it where the hub can be reached."
        )


def _in_hub_cache(repo_id: str) -> bool:
    from huggingface_hub import try_to_load_from_cache

    try:
        return any(isinstance(try_to_load_from_cache(repo_id, name), str) for name in _REPOSITORY_FILES)
    except ValueError:  # not a valid repository id
        return False


@functools.cache
def _hub_unreachable() -> str | None:
    """Why the hub cannot be reached (offline mode, or no connection within a few seconds), or None."""
    from huggingface_hub import constants

    if constants.HF_HUB_OFFLINE:
        return "HF_HUB_OFFLINE is set, so the hub is not asked"
    endpoint = urlsplit(constants.ENDPOINT)
    host, port = endpoint.hostname or "", endpoint.port or (443 if endpoint.scheme == "https" else 80)
    outcome: list[str | None] = []

    def connect() -> None:  # in a thread: name resolution itself can hang without a network
        try:
            socket.create_connection((host, port), timeout=HUB_PROBE_SECONDS).close()
            outcome.append(None)
        except OSError as error:
            outcome.append(f"the hub ({host}) cannot be reached: {error.strerror or error}")

    thread = threading.Thread(target=connect, daemon=True)
    thread.start()
    thread.join(HUB_PROBE_SECONDS)
    return outcome[0] if outcome else f"the hub ({host}) did not answer within {HUB_PROBE_SECONDS:g} s"


def recorded_model_name(model: str) -> str:
    """The name to store for ``model``: a local path made absolute, a hub name as given."""
    path = Path(model).expanduser()
    return str(path.resolve()) if path.exists() else model
