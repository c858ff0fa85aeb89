"""The life of a training run on disk, shared by ``align train`` and ``align distill``.

Work in progress (the cleaned corpus, the initial model, checkpoints) lives in ``OUTPUT.work/``; a
resumed run restarts from its last checkpoint there. The final model is written to a temporary
directory and renamed, so ``OUTPUT`` is complete or absent, and only ever replaces a model.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sentence_transformers import SentenceTransformer

from align.files import AlignError, atomic_path, refuse_overwrite

STATE_FILE = "align_training.json"


def prepare_work_dir(output: Path, *, resume: bool, force: bool) -> Path:
    """Check that ``output`` may be written and return the run's work directory, created."""
    work_dir = output.with_name(output.name + ".work")
    if not resume:
        refuse_overwrite(output, force)
        if output.exists() and not (output / "modules.json").is_file():
            raise AlignError(
                f"{output} exists and is not a sentence-transformers model; "
                "refusing to replace it even with --force"
            )
        if work_dir.exists():
            if not force:
                raise AlignError(
                    f"{work_dir} holds an unfinished run; pass --resume to continue it "
                    "or --force to start again"
                )
            shutil.rmtree(work_dir)
    elif not work_dir.is_dir():
        raise AlignError(f"--resume: there is no unfinished run in {work_dir}")
    work_dir.mkdir(parents=True, exist_ok=True)
    return work_dir


def save_run(model: SentenceTransformer, output: Path, work_dir: Path, state: dict[str, Any]) -> None:
    """Save the model with its run record atomically, then remove the finished run's work."""
    with atomic_path(output) as tmp:
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
