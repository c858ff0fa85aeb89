"""Texts in, L2-normalised float32 matrix out: the form every index, miner and benchmark expects."""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

import numpy as np

from align.errors import AlignError, InputFormatError
from align.extras import require
from align.model_source import check_model_source
from align.outputs import atomic_path
from align.precision import at_precision, stored_layout

logger = logging.getLogger(__name__)

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

# A loaded sentence-transformers model. Named as a string so that importing this module (and every
# module that annotates with it) loads neither torch nor sentence-transformers: the commands check
# their inputs first, and only :func:`load_encoder` pays for the import.
Encoder: TypeAlias = "SentenceTransformer"

# Sentences per encoding batch. A transformer's cost is the forward pass, and 256 keeps padding and
# memory in check. A static encoder's forward pass is a lookup and a mean, so the per-batch overhead
# of sentence-transformers dominates: 4,096 a batch encodes 2.2× faster than 256 (e5's tokenizer).
TRANSFORMER_BATCH_SIZE = 256
STATIC_BATCH_SIZE = 4096


def default_batch_size(model: Encoder) -> int:
    """The encoding batch size that suits the model: large for static encoders."""
    from sentence_transformers.sentence_transformer.modules import StaticEmbedding

    return STATIC_BATCH_SIZE if isinstance(model[0], StaticEmbedding) else TRANSFORMER_BATCH_SIZE


def encode_texts(
    model: Encoder,
    texts: Sequence[str],
    *,
    batch_size: int | None = None,
    prompt_name: str | None = None,
    show_progress_bar: bool = False,
) -> np.ndarray:
    """Encode ``texts`` into a (len(texts), dim) float32 matrix with unit-length rows.

    ``prompt_name`` selects one of the model's own prompts (e.g. e5's ``query``); by default the
    model's ``default_prompt_name`` applies, as in sentence-transformers. ``model`` may also be an
    :class:`align.embedding.Embedder` (``prompt_name`` is then its role).
    """
    if not hasattr(model, "encode"):
        return np.ascontiguousarray(model(list(texts), role=prompt_name), dtype=np.float32)
    embeddings = model.encode(
        list(texts),
        batch_size=batch_size or default_batch_size(model),
        convert_to_numpy=True,
        normalize_embeddings=True,
        show_progress_bar=show_progress_bar,
        prompt_name=prompt_name,
    )
    return np.ascontiguousarray(embeddings, dtype=np.float32)


TextEmbedder = Callable[[list[str]], np.ndarray]
"""Texts to unit rows: what an alignment needs of a model (a benchmark's embedder is one)."""


def text_embedder(model: Encoder | TextEmbedder, batch_size: int | None = None) -> TextEmbedder:
    """``model`` as a :data:`TextEmbedder`: a sentence-transformers model encodes through
    :func:`encode_texts` (a progress bar past 10,000 texts); anything else is called as it is."""
    if not hasattr(model, "encode"):
        return model
    encoder: Encoder = model

    def embed(texts: list[str]) -> np.ndarray:
        return encode_texts(encoder, texts, batch_size=batch_size, show_progress_bar=len(texts) > 10_000)

    return embed


FINGERPRINT_TOLERANCE = 1e-3  # float32 encoding on another machine differs far less; another model far more
FINGERPRINT_PROBE = "align fingerprint: 我热爱自然语言处理 / I love natural language processing."


def model_fingerprint(model: Encoder, size: int = 16) -> list[float]:
    """The first ``size`` values of the model's embedding of a fixed probe sentence.

    Two different models (or one retrained) give different fingerprints, so an index can tell
    whether it is being queried with the model that built it, whatever path or name it was loaded by.
    """
    return [round(float(value), 6) for value in encode_texts(model, [FINGERPRINT_PROBE])[0][:size]]


def same_fingerprint(stored: Sequence[float], fingerprint: Sequence[float]) -> bool:
    """Whether two :func:`model_fingerprint` values are one model's (within float32's differences
    between machines and runtimes, far below another model's)."""
    return len(stored) == len(fingerprint) and bool(
        np.allclose(stored, fingerprint, atol=FINGERPRINT_TOLERANCE)
    )


def model_digest(model: Encoder) -> str:
    """A SHA-1 of every weight and buffer of the model (names, shapes and values) and its probe
    embedding (which reflects its prompt and pooling): the key of results computed with it.

    The probe alone (:func:`model_fingerprint`) cannot tell apart two static encoders that differ
    only in tokens the probe does not use, such as a distilled student and the same student
    widened to its teacher's vocabulary.
    """
    if not hasattr(model, "named_parameters"):  # an align.embedding.Embedder hashes itself
        return model.fingerprint()
    digest = hashlib.sha1(json.dumps(model_fingerprint(model)).encode())
    for name, tensor in [*model.named_parameters(), *model.named_buffers()]:
        digest.update(f"{name}{tuple(tensor.shape)}".encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


def encode_to_npy(
    model: Encoder,
    texts: Sequence[str],
    path: str | os.PathLike,
    *,
    batch_size: int | None = None,
    chunk_size: int = 16_384,
    prompt_name: str | None = None,
    show_progress_bar: bool = True,
    precision: str = "float32",
) -> np.ndarray:
    """Encode ``texts`` chunk by chunk into a ``.npy`` file and return it memory-mapped (read-only).

    Only one chunk of embeddings is in memory at a time, so a million sentences need no more RAM
    than a few thousand; the file is written atomically. ``precision`` keeps the rows as float16
    (half the file, for the shards of a large mining run; cosines move by about 1e-3), int8 or binary
    codes (:mod:`align.precision`). The bar moves a chunk at a
    time: 16,384 sentences are about a minute of a small transformer on two CPU cores.
    """
    from tqdm.auto import tqdm

    if not texts:
        raise AlignError("nothing to encode: no texts")
    dimension = model.get_embedding_dimension() if hasattr(model, "encode") else model.dimension
    width, dtype = stored_layout(dimension, precision)
    with atomic_path(path) as tmp:
        matrix = np.lib.format.open_memmap(tmp, mode="w+", dtype=dtype, shape=(len(texts), width))
        with tqdm(
            total=len(texts), desc="Encoding", unit=" sentences", disable=not show_progress_bar
        ) as progress:
            for start in range(0, len(texts), chunk_size):
                chunk = texts[start : start + chunk_size]
                vectors = encode_texts(model, chunk, batch_size=batch_size, prompt_name=prompt_name)
                matrix[start : start + len(chunk)] = at_precision(vectors, precision)
                progress.update(len(chunk))
        matrix.flush()
        del matrix
    return np.load(path, mmap_mode="r")


IN_MEMORY_UP_TO = 200_000  # texts; more are encoded to a memory-mapped file
PROGRESS_FROM = 10_000  # texts: fewer encode in about a second, without a bar


def encode_to_memory_or_npy(
    model: Encoder, texts: Sequence[str], path: str | os.PathLike, *, batch_size: int | None = None
) -> np.ndarray:
    """``texts`` encoded in memory when they are few, else into the ``.npy`` file ``path``
    (:func:`encode_to_npy`, memory-mapped): what mining and filtering do with a side of any size."""
    if len(texts) <= IN_MEMORY_UP_TO:
        return encode_texts(model, texts, batch_size=batch_size, show_progress_bar=len(texts) > PROGRESS_FROM)
    return encode_to_npy(model, texts, path, batch_size=batch_size)


def load_embeddings(path: str | os.PathLike) -> np.ndarray:
    """Open a ``.npy`` matrix memory-mapped, with an error naming the file if it is not a whole one."""
    try:
        matrix = np.load(path, mmap_mode="r", allow_pickle=False)
    except FileNotFoundError:
        raise InputFormatError(path, "no such file") from None
    except (ValueError, OSError, EOFError) as error:
        raise InputFormatError(
            path, f"not a complete .npy matrix ({error}); was it written to the end by align embed?"
        ) from None
    if matrix.ndim == 2 and matrix.dtype in (np.int8, np.uint8):
        raise InputFormatError(
            path,
            f"holds {matrix.dtype} codes (align embed --precision int8 or binary); this reads vectors: "
            "embed it at float32 or float16",
        )
    if matrix.ndim != 2 or not np.issubdtype(matrix.dtype, np.floating):
        raise InputFormatError(
            path, f"holds a {matrix.dtype} array of shape {matrix.shape}, not a (rows, dimension) matrix"
        )
    return matrix


def load_encoder(name_or_path: str | Path, device: str | None = None) -> Encoder:
    """Load any sentence-transformers model (a local directory, or a hub name when online).

    A name that is neither a directory nor reachable fails at once (:func:`check_model_source`),
    not after the hub's retries.
    """
    check_model_source(name_or_path)
    require("train", f"the model {str(name_or_path)!r} (not a static one)")
    from sentence_transformers import SentenceTransformer

    try:
        return SentenceTransformer(str(name_or_path), device=device)
    except Exception as error:  # the hub, transformers and torch raise many different types
        local = Path(name_or_path).exists()
        hint = "" if local else " It is not a local path; offline, the hub cannot be reached either."
        raise AlignError(
            f"could not load the model {name_or_path!r}: {type(error).__name__}: {error}.{hint}"
        ) from None
