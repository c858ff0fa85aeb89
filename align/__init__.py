"""align: cross-lingual sentence-embedding alignment.

Train one encoder that puts a sentence and its translations at the same point, embed text with
it, and find translations. The public API is re-exported here; ``align.cli`` is a thin layer over it.

Names are imported on first use (PEP 562), so ``align --help`` does not wait for torch to load.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from align.lazy import lazy_exports
from align.version import __version__

if TYPE_CHECKING:
    from align.data import CleaningConfig, CorpusSource, SentencePair, read_source, resolve_sources
    from align.docalign import DocalignConfig, pair_documents, read_documents
    from align.embedding import Embedder, embed_file, load_embedder
    from align.encode import encode_texts, load_encoder
    from align.errors import AlignError, InputFormatError
    from align.mining.config import MiningConfig
    from align.mining.files import mine_files
    from align.mining.margin import mine
    from align.model_source import check_model_source
    from align.neighbours import file_neighbours, nearest_neighbours
    from align.retriever import Retriever
    from align.sentalign import SentalignConfig, align_sentences
    from align.sentalign.documents import align_paths
    from align.splitting import split_text
    from align.threads import set_threads
    from align.training import (
        CachedTranslationRankingLoss,
        DistillationLoss,
        DistillConfig,
        TrainConfig,
        TrainResult,
        TranslationRankingLoss,
        distill,
        train,
    )
    from align.training.encoders import build_static_encoder, train_tokenizer


__getattr__, __all__ = lazy_exports(__name__, __file__)
