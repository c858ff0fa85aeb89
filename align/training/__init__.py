"""Training: the settings (:mod:`~align.training.config`, light), the losses, the trainer wiring,
and distillation into a static student. Names are imported on first use."""

from __future__ import annotations

from typing import TYPE_CHECKING

from align.lazy import lazy_exports

if TYPE_CHECKING:
    from align.training.config import DistillConfig, RunConfig, TrainConfig
    from align.training.distillation import distill
    from align.training.losses import (
        CachedTranslationRankingLoss,
        DistillationLoss,
        TranslationRankingLoss,
        distillation_loss,
        translation_ranking_loss,
    )
    from align.training.trainer import TrainResult, train

__getattr__, __all__ = lazy_exports(__name__, __file__)
