"""A text file embedded into a ``.npy`` matrix, row i for line i: ``align embed``."""

from __future__ import annotations

import logging
import os

import numpy as np

from align.coverage import warn_about_unknown_scripts
from align.embedding.loading import as_embedder
from align.embedding.protocol import Embedder
from align.embedding.sentence_transformer import on_devices
from align.encode import Encoder, encode_to_npy
from align.errors import AlignError
from align.files import MAX_LINE_CHARS, LineGuard, iter_lines
from align.model_source import check_model_source
from align.outputs import check_output
from align.precision import stored_layout

logger = logging.getLogger(__name__)


def embed_file(
    model: Encoder | Embedder | str,
    input_path: str | os.PathLike,
    output_path: str | os.PathLike,
    *,
    batch_size: int | None = None,
    force: bool = False,
    skip_bad_lines: bool = False,
    max_chars: int = MAX_LINE_CHARS,
    precision: str = "float32",
    show_progress_bar: bool = True,
    devices: tuple[str, ...] = (),
) -> np.ndarray:
    """Encode each line of a UTF-8 text file to ``output_path`` (``.npy``), written atomically.

    Row i of the matrix is line i of the file, blank lines included (as the embedding of an empty
    text), so line numbers stay valid downstream; with ``skip_bad_lines`` an undecodable line is
    embedded as a blank one, and a line over ``max_chars`` is cut to that length; both are counted
    in the log. ``model`` may be a name or path, loaded once the input has been read and checked.
    The matrix is written chunk by chunk and returned memory-mapped, so a file of millions of lines
    needs no more memory than one chunk; ``precision`` keeps it as float16, int8 or binary codes
    (:mod:`align.precision`). ``devices`` (two or more, e.g. ``("cuda:0", "cuda:1")``) runs a
    sentence-transformers model on all of them at once (:func:`on_devices`).
    """
    check_output(output_path, force=force, inputs=[input_path])
    check_model_source(model)
    stored_layout(8, precision)  # an unknown precision fails before any work
    guard = LineGuard(max_chars)
    lines = [text for _, text in iter_lines(input_path, skip_undecodable=skip_bad_lines)]
    texts = [guard.cut(text or "") for text in lines]
    if not any(texts):
        empty = "empty" if not lines else f"blank ({len(lines):,} blank lines)"
        raise AlignError(f"{input_path}: the file is {empty}; nothing to encode")
    if bad := lines.count(None):
        logger.warning("%s: %d lines are not UTF-8; embedded as blank lines", input_path, bad)
    for warning in guard.warnings(input_path, cut=True):
        logger.warning(warning)
    encoder = as_embedder(model)
    warn_about_unknown_scripts(encoder, texts, str(input_path))
    with on_devices(encoder, devices) as running:
        return encode_to_npy(
            running,
            texts,
            output_path,
            batch_size=batch_size,
            show_progress_bar=show_progress_bar,
            precision=precision,
        )
