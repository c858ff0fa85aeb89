"""Where align writes: one output policy for every command and the Python API.

1. A path align did not create is never deleted: ``force`` replaces a file, or a directory that
   align wrote (it holds :data:`MARKER`, or is a model or index from before the marker existed).
2. The current directory, a directory above it, an input, a directory that holds an input, and a
   directory of someone else's files are refused, with or without ``force``.
3. :func:`check_output` says all this, and whether the place can be written, before the long work
   starts; :func:`atomic_path` checks again when it writes, so the API is as safe as the CLI.
4. Outputs are written to a hidden temporary beside the target and renamed into place when
   complete, with the permissions the umask gives (not the 0600 of temporary files).
5. Temporaries are removed on any exit Python sees; one left by a killed process (``kill -9``)
   is swept by the next write of the same target.

A directory that align writes carries :data:`MARKER`, a small JSON manifest with each file's size
and SHA-256, so that a reader can tell a damaged or edited output from a good one
(:func:`verify_manifest`).
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import json
import os
import re
import shutil
import socket
import stat
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from align.errors import AlignError, InputFormatError
from align.version import __version__

MARKER = ".align.json"
# Directories align wrote before it left a marker: a trained model, or an index.
LEGACY_CONTENTS = (("align_training.json",), ("index.json", "index.faiss"))
_CHUNK = 1 << 20


def cache_dir(kind: str) -> Path:
    """Where align keeps results it can recompute (``$XDG_CACHE_HOME/align/KIND``): benchmark
    scores, a teacher's embeddings of a corpus. Safe to delete."""
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return cache / "align" / kind


def _resolved(path: str | os.PathLike) -> Path:
    return Path(os.path.abspath(os.path.expanduser(path))).resolve()


def is_align_output(path: str | os.PathLike) -> bool:
    """Whether ``path`` is a directory align wrote (its marker, or a legacy model or index)."""
    directory = Path(path)
    if not directory.is_dir():
        return False
    if (directory / MARKER).is_file():
        return True
    return any(all((directory / name).is_file() for name in names) for names in LEGACY_CONTENTS)


def check_output(
    path: str | os.PathLike,
    *,
    force: bool,
    directory: bool = False,
    inputs: Iterable[str | os.PathLike | None] = (),
) -> Path:
    """Raise a clear :class:`AlignError` unless align may write ``path``; return it.

    ``directory`` says the output is a directory (an index, a model); ``inputs`` are the files
    the command reads, which the output must neither be nor contain. Nothing is created: the
    nearest existing parent is checked for writing with a probe file that is removed at once.
    """
    target = Path(path)
    resolved = _resolved(target)
    here = Path.cwd().resolve()
    if resolved == here or resolved in here.parents:
        raise AlignError(f"{path}: refusing to write over the current directory or one above it")
    for source in inputs:
        if source is None:
            continue
        source_path = _resolved(source)
        if source_path == resolved:
            raise AlignError(f"{path} is also an input of this command; choose another output")
        if resolved in source_path.parents:
            raise AlignError(f"{path} holds the input {source}; choose another output")
    if target.is_dir() and not target.is_symlink():
        entries = len(os.listdir(target))
        if not directory:
            raise AlignError(f"{path} is a directory; give a file name, e.g. {target / 'out'}")
        if entries and not is_align_output(target):
            raise AlignError(
                f"{path} is a directory of {entries} entries that align did not write; refusing to "
                "replace it, even with force=True: choose a new path"
            )
        if entries and not force:
            raise AlignError(f"{path} already exists; pass force=True to replace it")
    elif os.path.lexists(target) and not force:
        raise AlignError(f"{path} already exists; pass force=True to replace it")
    _check_writable(target)
    return target


def check_writable_directory(path: str | os.PathLike) -> Path:
    """Fail now if files cannot be written in the directory ``path`` (made later if missing), such as
    a cache directory that a long run fills as it goes."""
    target = Path(path)
    if target.is_dir():
        _check_writable(target / "probe")
    elif target.exists():
        raise AlignError(f"{target}: a file, not a directory")
    else:
        _check_writable(target)
    return target


def _check_writable(target: Path) -> None:
    parent = target.absolute().parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise AlignError(f"{target}: cannot create it, {parent} is a file and not a directory")
    try:
        descriptor, probe = tempfile.mkstemp(prefix=".align-probe-", dir=parent)
    except OSError as error:
        raise AlignError(f"{target}: cannot write in {parent}: {error.strerror}") from None
    os.close(descriptor)
    os.unlink(probe)


def _host() -> str:
    return re.sub(r"[^A-Za-z0-9]", "", socket.gethostname())[:32] or "host"


def _temporary_prefix(target: Path) -> str:
    return f".{target.name}.align-{_host()}-{os.getpid()}-"


_TEMPORARY = re.compile(r"\.(?P<name>.+)\.align-(?P<host>[A-Za-z0-9]*)-(?P<pid>\d+)-\w+\.(partial|old)")


def sweep_stale_temporaries(target: str | os.PathLike) -> int:
    """Remove temporaries of ``target`` left by align processes of this host that no longer run.

    Returns how many were removed. Only names that :func:`atomic_path` makes are touched.
    """
    target = Path(target)
    parent = target.absolute().parent
    if not parent.is_dir():
        return 0
    removed = 0
    for entry in parent.iterdir():
        match = _TEMPORARY.fullmatch(entry.name)
        if not match or match["name"] != target.name or match["host"] != _host():
            continue
        if _running(int(match["pid"])):
            continue
        _remove(entry)
        removed += 1
    return removed


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, someone else's
        return True
    return True


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, *, kind: str | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; move it onto ``path`` if the block succeeds.

    The block writes a file or makes a directory there. A directory gets :data:`MARKER`, naming
    ``kind`` and listing its files. An existing ``path`` is replaced only where the policy allows
    (a file, or a directory align wrote); on any error the temporary goes and ``path`` is untouched.
    """
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise AlignError(f"{target}: cannot create {target.parent}: {error.strerror}") from None
    sweep_stale_temporaries(target)
    tmp = Path(tempfile.mkdtemp(prefix=_temporary_prefix(target), suffix=".partial", dir=target.parent))
    tmp_target = tmp / target.name
    try:
        yield tmp_target
        if tmp_target.is_dir():
            write_manifest(tmp_target, kind)
        _apply_umask(tmp_target)
        _replace(tmp_target, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _replace(new: Path, target: Path) -> None:
    """Move ``new`` onto ``target``. A file replaces a file in one rename; otherwise what is there
    (an align directory, or a file that a directory replaces) is set aside first, then removed."""
    target_is_dir = target.is_dir() and not target.is_symlink()
    if not target_is_dir and (new.is_file() or not os.path.lexists(target)):
        os.replace(new, target)
        return
    if target_is_dir and new.is_file():
        raise AlignError(f"{target} is a directory; refusing to replace it with a file")
    if target_is_dir and os.listdir(target) and not is_align_output(target):
        raise AlignError(f"{target} is a directory that align did not write; refusing to replace it")
    old = Path(tempfile.mkdtemp(prefix=_temporary_prefix(target), suffix=".old", dir=target.parent))
    os.replace(target, old / target.name)
    try:
        os.replace(new, target)
    except BaseException:
        os.replace(old / target.name, target)
        raise
    finally:
        shutil.rmtree(old, ignore_errors=True)


def _current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _apply_umask(path: Path) -> None:
    """Give ``path`` (and everything below it) the permissions a plain ``open`` or ``mkdir`` would."""
    mask = _current_umask()
    paths = [path, *path.rglob("*")] if path.is_dir() else [path]
    for item in paths:
        if item.is_symlink():
            continue
        mode = 0o777 if item.is_dir() else 0o666
        executable = item.is_file() and item.stat().st_mode & stat.S_IXUSR
        os.chmod(item, (0o777 if executable else mode) & ~mask)


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def write_manifest(directory: Path, kind: str | None) -> None:
    """Write :data:`MARKER` into ``directory``: what wrote it, and each file's size and SHA-256."""
    files = {
        item.relative_to(directory).as_posix(): {"bytes": item.stat().st_size, "sha256": file_digest(item)}
        for item in sorted(directory.rglob("*"))
        if item.is_file() and item.name != MARKER
    }
    manifest = {
        "written_by": f"align {__version__}",
        "kind": kind,
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "files": files,
    }
    (directory / MARKER).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")


def read_manifest(directory: str | os.PathLike) -> dict[str, Any] | None:
    """The directory's manifest, or ``None`` for a directory align wrote before it kept one."""
    path = Path(directory) / MARKER
    if not path.is_file():
        return None
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        files = manifest["files"]
        if not isinstance(files, dict):
            raise TypeError
    except (ValueError, KeyError, TypeError):
        raise InputFormatError(path, "damaged manifest (not the JSON align writes)") from None
    return manifest


def verify_manifest(directory: str | os.PathLike, names: Iterable[str]) -> bool:
    """Check ``names`` in ``directory`` against its manifest; raise naming the first file that differs.

    Returns ``False`` where there is no manifest to check against (an older output).
    """
    directory = Path(directory)
    manifest = read_manifest(directory)
    if manifest is None:
        return False
    for name in names:
        path = directory / name
        expected = manifest["files"].get(name)
        if expected is None:
            raise InputFormatError(path, f"not listed in {MARKER}: was it added after align wrote it?")
        if not path.is_file():
            raise InputFormatError(path, "missing: align wrote it, and it has since been removed")
        size = path.stat().st_size
        if size != expected["bytes"]:
            raise InputFormatError(
                path, f"{size:,} bytes, but align wrote {expected['bytes']:,}: it is truncated or was edited"
            )
        if file_digest(path) != expected["sha256"]:
            raise InputFormatError(path, "its checksum differs from the one align recorded: it was edited")
    return True
