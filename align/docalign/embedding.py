"""One vector per document, made from its sentences' embeddings, so that documents can be paired
with the same k-NN search and margin as sentences.

- ``mean``: the weighted mean of the sentence embeddings. Two documents with the same sentences in
  any order get the same vector.
- ``pert``: Thompson & Koehn's (2020) order-aware embedding, written from the paper's description.
  The document's length is covered by ``windows`` overlapping windows, each a PERT distribution
  (a Beta distribution over the relative position 0..1, peaked at the window's centre; higher
  ``peakedness`` is narrower). Each window sums the sentence embeddings weighted by the window at
  the sentence's relative position, and the document's vector is the windows' unit sums side by
  side. Its cosine with another document's is the mean of the windows' cosines: the beginning of
  one is compared with the beginning of the other, and so on.

With ``downweight``, each sentence also counts by how rare it is in its collection,
``log(1 + documents / documents holding it)``: a line that every page of a site repeats (menus,
copyright notices) counts a tenth of a line of its own in a collection of a thousand.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

from align.docalign.config import DocalignConfig


def _unit(rows: np.ndarray) -> np.ndarray:
    return rows / np.maximum(np.linalg.norm(rows, axis=-1, keepdims=True), 1e-12)


def sentence_key(sentence: str) -> str:
    """What makes two sentences the same line for document frequency: case and spacing aside."""
    return " ".join(sentence.casefold().split())


def rarity_weights(documents: Sequence[Sequence[str]]) -> list[np.ndarray]:
    """Each sentence's ``log(1 + D / df)``, with D the documents and df those holding the sentence."""
    keys = [[sentence_key(sentence) for sentence in document] for document in documents]
    frequency = Counter(key for document in keys for key in set(document))
    count = len(documents)
    return [
        np.log1p(count / np.array([frequency[key] for key in document], dtype=np.float64))
        for document in keys
    ]


def pert_windows(positions: np.ndarray, windows: int, peakedness: float) -> np.ndarray:
    """``(len(positions), windows)``: each window's PERT density at each relative position (0..1),
    the windows' peaks evenly spread over the document."""
    modes = (np.arange(windows) + 0.5) / windows
    alpha = 1 + peakedness * modes
    beta = 1 + peakedness * (1 - modes)
    x = positions[:, None]
    log_density = (alpha - 1) * np.log(x) + (beta - 1) * np.log1p(-x)
    return np.exp(log_density - log_density.max(axis=0, keepdims=True))  # each window's peak is 1


def document_vector(sentences: np.ndarray, weights: np.ndarray, config: DocalignConfig) -> np.ndarray:
    """One document's unit vector from its sentence embeddings (rows, in order) and their weights."""
    weights = weights if weights.sum() > 0 else np.ones_like(weights)
    if config.embedding == "mean":
        return _unit(weights @ sentences)
    positions = (np.arange(len(sentences)) + 0.5) / len(sentences)
    window_weights = pert_windows(positions, config.windows, config.peakedness) * weights[:, None]
    parts = _unit(window_weights.T @ sentences)  # (windows, dim)
    return parts.reshape(-1) / np.sqrt(config.windows)


def document_embeddings(
    sentence_embeddings: Sequence[np.ndarray], texts: Sequence[Sequence[str]], config: DocalignConfig
) -> np.ndarray:
    """``(documents, dim × windows)`` float32 unit rows (``dim`` for ``mean``), one per document;
    ``texts`` are the documents' sentences, for the rarity weights."""
    flat = [np.ones(len(document)) for document in texts]
    weights = rarity_weights(texts) if config.downweight else flat
    rows = [
        document_vector(np.asarray(embeddings, dtype=np.float64), weight, config)
        for embeddings, weight in zip(sentence_embeddings, weights, strict=True)
    ]
    return np.ascontiguousarray(np.vstack(rows), dtype=np.float32)
