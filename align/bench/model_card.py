"""What a saved model says about itself that a benchmark table uses: the languages it was trained on
(tables split their averages by it)."""

from __future__ import annotations

import contextlib
import json
import os
import re
from pathlib import Path

from align.embedding.onnx import model_directory


def trained_languages(model_path: str | os.PathLike) -> tuple[str, ...] | None:
    """The languages a saved model says it was trained on: ``languages`` in the
    ``align_training.json`` align writes, else the ``language:`` list of its model card; None for
    a hub name, an endpoint or a model that does not say. An ONNX file speaks for its directory."""
    directory = Path(model_path)
    if directory.suffix == ".onnx":
        directory = model_directory(directory)
    record = directory / "align_training.json"
    if record.is_file():
        with contextlib.suppress(ValueError, KeyError, TypeError):
            return tuple(json.loads(record.read_text(encoding="utf-8"))["languages"])
    card = directory / "README.md"
    if not card.is_file():
        return None
    front = card.read_text(encoding="utf-8").split("---")
    match = re.search(r"^language:\n((?:- .+\n)+)", front[1] if len(front) > 2 else "", re.MULTILINE)
    return tuple(line[2:].strip() for line in match.group(1).splitlines()) if match else None
