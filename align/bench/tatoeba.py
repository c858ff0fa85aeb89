"""Tatoeba bitext retrieval (Artetxe & Schwenk 2019), as LASER and XTREME score it.

Files follow LASER's layout: ``tatoeba.XXX-eng.XXX`` line-aligned with ``tatoeba.XXX-eng.eng``.
For each non-English sentence, is its nearest English neighbour (cosine) its translation
(xx→en), and the reverse (en→xx)?
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from align.encode import Encoder, encode_texts
from align.files import InputFormatError, count_lines, iter_lines


@dataclass(frozen=True)
class TatoebaScore:
    language: str
    xx_to_en: float  # accuracy in %, each non-English sentence retrieving its English translation
    en_to_xx: float

    @property
    def mean(self) -> float:
        return (self.xx_to_en + self.en_to_xx) / 2


def retrieval_accuracy(queries: np.ndarray, candidates: np.ndarray) -> float:
    """% of rows i of ``queries`` whose most similar row of ``candidates`` is row i.

    Ties go to the lowest index, as with ``argmax``; embeddings must be L2-normalised.
    """
    best = np.argmax(queries @ candidates.T, axis=1)
    return float(np.mean(best == np.arange(len(queries))) * 100)


def load_tatoeba(data_dir: str | Path, language: str) -> tuple[list[str], list[str]]:
    """The (non-English, English) sentences of one language, checked to be line-aligned."""
    data_dir = Path(data_dir)
    foreign_path = data_dir / f"tatoeba.{language}-eng.{language}"
    english_path = data_dir / f"tatoeba.{language}-eng.eng"
    foreign = [text or "" for _, text in iter_lines(foreign_path)]
    english = [text or "" for _, text in iter_lines(english_path)]
    if len(foreign) != len(english):
        raise InputFormatError(
            foreign_path, f"has {len(foreign)} lines but {english_path} has {count_lines(english_path)}"
        )
    return foreign, english


def score_tatoeba(model: Encoder, data_dir: str | Path, language: str, batch_size: int = 256) -> TatoebaScore:
    foreign, english = load_tatoeba(data_dir, language)
    foreign_embeddings = encode_texts(model, foreign, batch_size=batch_size)
    english_embeddings = encode_texts(model, english, batch_size=batch_size)
    return TatoebaScore(
        language,
        retrieval_accuracy(foreign_embeddings, english_embeddings),
        retrieval_accuracy(english_embeddings, foreign_embeddings),
    )
