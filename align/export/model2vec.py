"""``align export --format model2vec``: an align static model in model2vec's format.

model2vec writes it (``StaticModel(...).save_pretrained``), so it loads in model2vec's
``StaticModel.from_pretrained`` and runs wherever model2vec does (its Rust and JavaScript ports
included). The vectors are align's, except for texts with tokens the vocabulary does not know,
which model2vec leaves out (:mod:`align.embedding.model2vec`).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from align.embedding.static import StaticEmbedder
from align.export.result import ExportResult
from align.extras import require
from align.outputs import atomic_path, check_output

# Sentences embedded both ways after the export, to report the largest difference.
PROBES = (
    "I love natural language processing.",
    "我热爱自然语言处理。",
    "Ich liebe die Verarbeitung natürlicher Sprache.",
    "J'adore le traitement automatique des langues.",
)


def export_model2vec(
    model: str | os.PathLike, output: str | os.PathLike, *, force: bool = False
) -> ExportResult:
    """Write the static model ``model`` to the directory ``output`` in model2vec's format, with the
    largest difference between align's and model2vec's vectors of :data:`PROBES`."""
    require("model2vec", "exporting to model2vec's format")
    check_output(output, force=force, directory=True, inputs=[model])
    from model2vec import StaticModel

    source = StaticEmbedder.load(model)
    exported = StaticModel(
        vectors=source.table,
        tokenizer=source.tokenizer,
        normalize=True,
        base_model_name=Path(model).name,
        max_length=None,  # align's static models read the whole text
    )
    with atomic_path(output, kind="model") as tmp:
        exported.save_pretrained(str(tmp))
        reloaded = StaticModel.from_pretrained(str(tmp))
        difference = np.abs(reloaded.encode(list(PROBES)) - source(list(PROBES))).max()
    return ExportResult(
        Path(output),
        "model2vec",
        {"model.safetensors": float(difference)},
        "largest difference to align's vectors",
    )
