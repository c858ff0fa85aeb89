"""Training: the translation ranking loss and the trainer wiring."""

from align.train.losses import CachedTranslationRankingLoss, TranslationRankingLoss, translation_ranking_loss
from align.train.trainer import TrainConfig, TrainResult, train

__all__ = [
    "CachedTranslationRankingLoss",
    "TrainConfig",
    "TrainResult",
    "TranslationRankingLoss",
    "train",
    "translation_ranking_loss",
]
