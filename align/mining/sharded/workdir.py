"""The work directory of a sharded run: one folder per stage, each keyed by what it was made from.

A stage's folder holds ``stage.json`` with its cache key (a hash of the inputs' fingerprints, the
model's digest and the settings that stage depends on, chained through the stages before it). A
re-run with the same key reuses every output file in the folder; a changed key (an edited input, a
new model, another ``k``) empties the folder first, so stale shards are never read. Every output
is written atomically, so a file that exists is complete, whatever killed the run before.

``run.json`` names the two inputs; a work directory that holds another pair of inputs' run is
refused rather than emptied: it may be someone's finished work.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from align.errors import AlignError
from align.outputs import atomic_path

logger = logging.getLogger(__name__)

RUN_FILE = "run.json"
STAGE_FILE = "stage.json"


def input_fingerprint(path: str | os.PathLike) -> dict[str, Any]:
    """What identifies an input file cheaply: its absolute path, size and modification time.

    Hashing the contents would read a 100 GB corpus once more on every run; an edit, a copy over
    it or a truncation all change the size or the time.
    """
    resolved = Path(path).resolve()
    stat = resolved.stat()
    return {"path": str(resolved), "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def cache_key(*parts: Any) -> str:
    """A short hash of JSON-serialisable parts: the key of a stage made from them."""
    return hashlib.sha1(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]


def write_json(path: Path, value: Any) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(value, indent=2, sort_keys=True) + "\n", encoding="utf-8")


@dataclass
class Stage:
    """One stage's folder: where its outputs go, and whether each is already there."""

    name: str
    directory: Path
    key: str
    reused: int = 0  # outputs found finished by this run
    made: int = 0  # outputs this run wrote
    seconds: float = 0.0  # wall time this run spent writing them

    def path(self, name: str) -> Path:
        return self.directory / name

    def done(self, name: str) -> bool:
        return self.path(name).exists()


@dataclass
class WorkDir:
    """The folder a sharded run keeps its state in, opened for one pair of inputs."""

    root: Path
    stages: dict[str, Stage] = field(default_factory=dict)

    @classmethod
    def open(cls, root: str | os.PathLike, source: str, target: str) -> WorkDir:
        """Open (or start) the run of ``source`` × ``target`` in ``root``.

        Raises :class:`AlignError` when ``root`` holds the run of other inputs, or files align
        did not write.
        """
        root = Path(root)
        run_file = root / RUN_FILE
        inputs = {"source": str(Path(source).resolve()), "target": str(Path(target).resolve())}
        if run_file.is_file():
            try:
                recorded = json.loads(run_file.read_text(encoding="utf-8"))["inputs"]
            except (ValueError, KeyError):
                raise AlignError(f"{run_file}: not the run description align writes; remove {root}") from None
            if recorded != inputs:
                raise AlignError(
                    f"{root} holds the shards of another run (source {recorded.get('source')}, target "
                    f"{recorded.get('target')}); pass another --work-dir, or remove it"
                )
        elif root.exists() and any(root.iterdir()):
            raise AlignError(
                f"{root} is not empty and is not an align work directory; pass another --work-dir"
            )
        else:
            root.mkdir(parents=True, exist_ok=True)
            write_json(run_file, {"inputs": inputs})
        return cls(root)

    def stage(self, name: str, key: str) -> Stage:
        """The folder of stage ``name`` (``source/shards``, ``forward/search``, ...) for ``key``.

        Outputs made under another key are removed first, with a log line saying why.
        """
        directory = self.root / name
        stage_file = directory / STAGE_FILE
        if directory.exists():
            try:
                recorded = json.loads(stage_file.read_text(encoding="utf-8"))["key"]
            except (OSError, ValueError, KeyError):
                recorded = None
            if recorded != key:
                logger.info("%s: made from other inputs or settings; redoing it", name)
                shutil.rmtree(directory)
        if not directory.exists():
            directory.mkdir(parents=True)
            write_json(stage_file, {"key": key})
        stage = Stage(name, directory, key)
        self.stages[name] = stage
        return stage

    def summary(self) -> str:
        """One line: what this run reused and what it made, stage by stage, and how long it took."""
        parts = [
            f"{s.name} {s.reused} reused / {s.made} made" + (f" in {s.seconds:.1f} s" if s.seconds else "")
            for s in self.stages.values()
        ]
        return "Shards: " + "; ".join(parts)

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
