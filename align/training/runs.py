"""The life of a training run on disk, shared by ``align train`` and ``align distill``.

Work in progress (the cleaned corpus, the initial model, checkpoints) lives in ``OUTPUT.work/``,
with ``run.json``: the run's settings and a fingerprint of each input file. A resumed run restarts
from its last checkpoint there, and only if its settings and inputs are the ones recorded: resuming
with other data or epochs would otherwise train on the old run's state and record the new
arguments, a false provenance. A run that fails before its first checkpoint removes its work
directory, so nothing blocks the rerun. The final model is written atomically
(:func:`align.outputs.atomic_path`), so ``OUTPUT`` is complete or absent, and only ever replaces
a model align wrote.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from sentence_transformers import SentenceTransformer

from align.data import CorpusSource
from align.errors import AlignError
from align.outputs import atomic_path, check_output

logger = logging.getLogger(__name__)

STATE_FILE = "align_training.json"
RUN_FILE = "run.json"
# What a work directory from before run.json held; with one of these it is align's to replace.
_LEGACY_WORK = ("pairs.arrow", "checkpoints", "initial-model", "initial-student")
_FINGERPRINT_BYTES = 1 << 20


def file_fingerprint(path: str | os.PathLike) -> dict[str, Any]:
    """Size and SHA-256 of the first and last MiB: cheap on a corpus of many GB, and changed by any
    edit that adds or removes text (an edit of the same length in the middle goes unseen)."""
    path = Path(path)
    size = path.stat().st_size
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        digest.update(handle.read(_FINGERPRINT_BYTES))
        if size > 2 * _FINGERPRINT_BYTES:
            handle.seek(size - _FINGERPRINT_BYTES)
        digest.update(handle.read(_FINGERPRINT_BYTES))
    return {"path": str(path.resolve()), "bytes": size, "sha256_head_tail": digest.hexdigest()}


def input_fingerprints(sources: Iterable[CorpusSource], watch: Iterable[str]) -> list[dict[str, Any]]:
    """Fingerprints of every file a run reads (corpora and ``--watch`` sets); hub datasets by name."""
    found: list[dict[str, Any]] = []
    for source in sources:
        paths = [source.path, source.target_path] if source.target_path else [source.path]
        for path in paths:
            if Path(path).is_file():
                found.append(file_fingerprint(path))
            elif Path(path).is_dir():  # a save_to_disk dataset: its Arrow files
                found += [file_fingerprint(p) for p in sorted(Path(path).rglob("*.arrow"))]
            else:
                found.append({"dataset": path, "config": source.hf_config, "split": source.hf_split})
    for spec in watch:
        found += [file_fingerprint(part) for part in spec.split(",") if Path(part).is_file()]
    return found


def run_record(settings: dict[str, Any], inputs: list[dict[str, Any]]) -> dict[str, Any]:
    """What ``run.json`` holds, normalised through JSON so that tuples and lists compare equal."""
    kept = {key: value for key, value in settings.items() if key not in ("resume", "force")}
    return json.loads(json.dumps({"settings": kept, "inputs": inputs}, ensure_ascii=False))


def _differences(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    changes = [
        f"{key} {old['settings'].get(key)!r} → {new['settings'].get(key)!r}"
        for key in sorted(set(old["settings"]) | set(new["settings"]))
        if old["settings"].get(key) != new["settings"].get(key)
    ]
    old_inputs = {item.get("path", item.get("dataset")): item for item in old["inputs"]}
    new_inputs = {item.get("path", item.get("dataset")): item for item in new["inputs"]}
    for name in sorted(set(old_inputs) | set(new_inputs), key=str):
        if name not in new_inputs:
            changes.append(f"input {name} is no longer read")
        elif name not in old_inputs:
            changes.append(f"input {name} is new")
        elif old_inputs[name] != new_inputs[name]:
            before, after = old_inputs[name].get("bytes"), new_inputs[name].get("bytes")
            changes.append(
                f"input {name} changed ({before:,} → {after:,} bytes)" if before else f"{name} changed"
            )
    return changes


def _has_checkpoint(work_dir: Path) -> bool:
    return any((work_dir / "checkpoints").glob("checkpoint-*"))


def _remove_partial_checkpoints(work_dir: Path) -> None:
    """Remove the checkpoints an interruption cut short, so that the run resumes from the last whole
    one: the trainer writes a checkpoint's ``trainer_state.json`` after everything else in it."""
    for checkpoint in (work_dir / "checkpoints").glob("checkpoint-*"):
        if not (checkpoint / "trainer_state.json").is_file():
            logger.warning("Removing %s: the interruption cut this checkpoint short", checkpoint)
            shutil.rmtree(checkpoint)


def _is_run_directory(work_dir: Path) -> bool:
    names = set(os.listdir(work_dir))
    return not names or RUN_FILE in names or bool(names & set(_LEGACY_WORK))


def work_directory(output: Path) -> Path:
    """Where the run writing ``output`` keeps its work: ``OUTPUT.work``."""
    return output.with_name(output.name + ".work")


def prepare_work_dir(output: Path, *, resume: bool, force: bool, record: dict[str, Any]) -> Path:
    """Check that ``output`` may be written and return the run's work directory, created.

    ``record`` (:func:`run_record`) is written to the new run's ``run.json``, and a resumed run
    must match the one recorded there.
    """
    if resume and output.exists():
        raise AlignError(f"resume=True: {output} already holds a finished model; there is nothing to resume")
    inputs = [item["path"] for item in record["inputs"] if "path" in item]
    check_output(output, force=force, directory=True, inputs=inputs)
    work_dir = work_directory(output)
    if work_dir.exists():
        if not work_dir.is_dir() or not _is_run_directory(work_dir):
            raise AlignError(f"{work_dir} exists and is not an align training run; move it out of the way")
        started = _has_checkpoint(work_dir)
        if resume and started:
            _check_resumable(work_dir, record)
            _remove_partial_checkpoints(work_dir)
            if _has_checkpoint(work_dir):
                return work_dir
        elif started and not force:
            raise AlignError(
                f"{work_dir} holds an unfinished run; "
                "pass resume=True to continue it or force=True to start again"
            )
        if resume:
            logger.warning("No checkpoint in %s yet; training from the start", work_dir)
        shutil.rmtree(work_dir)
    elif resume:
        raise AlignError(f"resume=True: there is no unfinished run in {work_dir}")
    work_dir.mkdir(parents=True)
    (work_dir / RUN_FILE).write_text(
        json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return work_dir


def _check_resumable(work_dir: Path, record: dict[str, Any]) -> None:
    path = work_dir / RUN_FILE
    if not path.is_file():
        logger.warning("%s has no %s (an older run): its settings cannot be checked", work_dir, RUN_FILE)
        return
    try:
        recorded = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        raise AlignError(f"{path} is damaged; start again with force=True") from None
    changes = _differences(recorded, record)
    if changes:
        raise AlignError(
            f"resume=True: the run in {work_dir} was started with other settings or inputs: "
            + "; ".join(changes)
            + ". Resume with the original ones, or start again with force=True."
        )


@contextlib.contextmanager
def run_directory(output: Path, *, resume: bool, force: bool, record: dict[str, Any]) -> Iterator[Path]:
    """:func:`prepare_work_dir` for the length of a run: if the run fails before its first
    checkpoint, its work directory goes, so that the rerun is not taken for an unfinished run."""
    work_dir = prepare_work_dir(output, resume=resume, force=force, record=record)
    try:
        yield work_dir
    except BaseException:
        if work_dir.is_dir() and not _has_checkpoint(work_dir):
            shutil.rmtree(work_dir, ignore_errors=True)
        raise


def save_run(model: SentenceTransformer, output: Path, work_dir: Path, state: dict[str, Any]) -> None:
    """Save the model with its run record atomically, then remove the finished run's work."""
    with atomic_path(output, kind="model") as tmp:
        model.save(str(tmp))
        (tmp / STATE_FILE).write_text(
            json.dumps(state, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    shutil.rmtree(work_dir)


def initial_model(path: Path, build: Callable[[], SentenceTransformer]) -> SentenceTransformer:
    """The run's starting model: built and saved at ``path`` once, so that a resumed run starts from
    exactly the same model before loading its checkpoint (building may not be reproducible)."""
    if path.is_dir():
        return SentenceTransformer(str(path), device="cpu")
    model = build()
    model.save(str(path))
    return model
