"""What a training run shows: one progress bar, its postfix the latest loss and dev accuracy.

Left alone, the Hugging Face trainer prints every log entry as a raw dict under its bar, and the
libraries around it draw bars of their own (``datasets``' "Map", sentence-transformers' "Computing
widget examples") and warn about checkpoint order on a fast run. :func:`align.training.trainer.fit`
replaces the trainer's bar with :class:`TrainingProgress` and uses the helpers here for the rest.
With INFO logging on (``align --verbose`` sets the root logger to INFO) each log entry is written
under the bar again, as the trainer's own bar writes it.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

import datasets
from tqdm.auto import tqdm
from transformers import TrainerCallback

from align.training.evaluation import SELECTION_METRIC

DEV_ACCURACY = "eval_dev_mean_accuracy"


class TrainingProgress(TrainerCallback):
    """A bar over the training steps; its postfix is the latest loss and, once evaluated, the latest
    dev accuracy (and combined score, when watch sets are scored too) and the best score so far,
    the checkpoint the run ends on."""

    def __init__(self) -> None:
        self.bar: tqdm | None = None
        self.step = 0
        self.postfix: dict[str, str] = {}
        self.best: float | None = None

    def on_train_begin(self, args, state, control, **kwargs) -> None:
        if state.is_world_process_zero:
            # A resumed run starts at its checkpoint's step.
            self.step = state.global_step
            self.bar = tqdm(
                total=state.max_steps, initial=self.step, desc="Training", unit=" steps", dynamic_ncols=True
            )

    def on_step_end(self, args, state, control, **kwargs) -> None:
        if self.bar is not None:
            self.bar.update(state.global_step - self.step)
            self.step = state.global_step

    def on_log(self, args, state, control, logs: dict[str, Any] | None = None, **kwargs) -> None:
        if self.bar is None or not logs:
            return
        if "loss" in logs:
            self.postfix["loss"] = f"{logs['loss']:.4g}"
        per_pair = [v for k, v in logs.items() if k.startswith("eval_dev_") and k.endswith("_mean_accuracy")]
        if DEV_ACCURACY in logs:
            self.postfix["dev"] = f"{100 * logs[DEV_ACCURACY]:.1f}%"
        elif per_pair:  # several language pairs: their mean
            self.postfix["dev"] = f"{100 * sum(per_pair) / len(per_pair):.1f}%"
        if SELECTION_METRIC in logs:
            score = logs[SELECTION_METRIC]
            if any(key.startswith("eval_watch_") for key in logs):
                self.postfix["score"] = f"{100 * score:.1f}%"
            self.best = score if self.best is None else max(self.best, score)
            self.postfix["best"] = f"{100 * self.best:.1f}%"
        self.bar.set_postfix(self.postfix, refresh=False)
        if logging.getLogger().isEnabledFor(logging.INFO):  # align --verbose
            entry = ", ".join(f"{key} {_short(value)}" for key, value in logs.items() if key != "total_flos")
            self.bar.write(f"step {state.global_step}/{state.max_steps}: {entry}")

    def on_train_end(self, args, state, control, **kwargs) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def _short(value: object) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def map_quietly(dataset: datasets.Dataset, function: Callable, **kwargs: Any) -> datasets.Dataset:
    """``dataset.map(function, **kwargs)`` without ``datasets``' progress bar (these maps take
    a second or less per 100,000 pairs)."""
    was_disabled = datasets.utils.are_progress_bars_disabled()
    datasets.disable_progress_bars()
    try:
        return dataset.map(function, **kwargs)
    finally:
        if not was_disabled:
            datasets.enable_progress_bars()


def set_card_examples(card: Any, train_set: datasets.Dataset) -> None:
    """Have sentence-transformers pick the model card's widget examples now, its "Computing widget
    examples" bar silenced; its trainer skips that step when the card already has a widget."""
    from sentence_transformers.base import model_card

    with mock.patch.object(model_card, "tqdm", functools.partial(tqdm, disable=True)):
        card.set_widget_examples(train_set)


class _DropMessage(logging.Filter):
    def __init__(self, prefix: str) -> None:
        super().__init__()
        self.prefix = prefix

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(self.prefix)


@contextmanager
def quiet_checkpoint_order() -> Iterator[None]:
    """Drop transformers' "mtime may not be reliable on this filesystem" warning: it means only
    that two checkpoints were saved within a second (a short run), and the step order it falls
    back to is the right one."""
    filter_ = _DropMessage("mtime may not be reliable")
    utils_logger = logging.getLogger("transformers.trainer_utils")
    utils_logger.addFilter(filter_)
    try:
        yield
    finally:
        utils_logger.removeFilter(filter_)
