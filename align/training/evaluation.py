"""What training watches: translation retrieval on held-out pairs, and on pairs it does not train.

Fine-tuning a multilingual encoder on one language pair can make it forget the others. Scoring a
*watch* set (e.g. FLORES dev deu-eng while training en-zh) at every evaluation, and keeping the
checkpoint with the best mean over all sets, guards against that.
"""

from __future__ import annotations

import statistics
from pathlib import Path

from sentence_transformers.sentence_transformer.evaluation import SequentialEvaluator, TranslationEvaluator

from align.errors import AlignError, InputFormatError
from align.files import iter_lines

# The key under which the sentence-transformers trainer reports the combined score.
SELECTION_METRIC = "eval_sequential_score"


# Pairs read from each watch set: enough to measure, few enough to score in seconds.
WATCH_PAIRS = 1000


def read_parallel_files(spec: str, limit: int = WATCH_PAIRS) -> tuple[str, list[str], list[str]]:
    """``"SRC_FILE,TGT_FILE"`` -> (a name for the set, its first ``limit`` source and target lines).

    The two files must be line-aligned; the name joins their last suffixes, so
    ``dev.deu_Latn,dev.eng_Latn`` is called ``deu_Latn-eng_Latn``.
    """
    parts = [part.strip() for part in spec.split(",")]
    if len(parts) != 2 or not all(parts):
        raise AlignError(f"--watch {spec!r}: give two line-aligned files as SOURCE_FILE,TARGET_FILE")
    sides = [[text or "" for _, text in iter_lines(path, hint=None)] for path in parts]
    if len(sides[0]) != len(sides[1]):
        raise InputFormatError(
            parts[1], f"has {len(sides[1]):,} lines but {parts[0]} has {len(sides[0]):,}; they must align"
        )
    for number, (source, target) in enumerate(zip(*sides, strict=True), start=1):
        if not source.strip() or not target.strip():
            raise InputFormatError(parts[0] if not source.strip() else parts[1], "empty line", number)
    name = "-".join(Path(part).suffix.lstrip(".") or Path(part).name for part in parts)
    return name, sides[0][:limit], sides[1][:limit]


def build_evaluator(
    dev_sets: dict[str, tuple[list[str], list[str]]], watch: tuple[str, ...], batch_size: int = 256
) -> SequentialEvaluator | None:
    """Translation retrieval on each language pair's dev split and on each watch set.

    One dev split is called ``dev``; several, ``dev_en-de`` and so on. The main score, which picks
    the checkpoint, is the mean of the dev splits' mean and each watch set's score, so a hundred
    language pairs do not drown the watch sets."""
    evaluators = [
        TranslationEvaluator(
            *pairs, name="dev" if len(dev_sets) == 1 else f"dev_{key}", batch_size=batch_size, write_csv=False
        )
        for key, pairs in dev_sets.items()
    ]
    for spec in watch:
        name, sources, targets = read_parallel_files(spec)
        evaluators.append(
            TranslationEvaluator(
                sources, targets, name=f"watch_{name}", batch_size=batch_size, write_csv=False
            )
        )
    if not evaluators:
        return None
    dev_count = len(dev_sets)

    def selection_score(scores: list[float]) -> float:
        dev, rest = scores[:dev_count], scores[dev_count:]
        return statistics.fmean(([statistics.fmean(dev)] if dev else []) + rest)

    return SequentialEvaluator(evaluators, main_score_function=selection_score)


def retrieval_scores(
    evaluator: SequentialEvaluator | None, model
) -> tuple[dict[str, dict[str, float]], dict[str, dict[str, float]]]:
    """Final accuracies in % (source→target, target→source, their mean): by dev split (``dev``, or
    each language pair) and by watch set."""
    dev: dict[str, dict[str, float]] = {}
    watch: dict[str, dict[str, float]] = {}
    if evaluator is None:
        return dev, watch
    metrics = evaluator(model)
    for sub in evaluator.evaluators:
        scores = {
            "src2trg": round(100 * metrics[f"{sub.name}_src2trg_accuracy"], 2),
            "trg2src": round(100 * metrics[f"{sub.name}_trg2src_accuracy"], 2),
            "mean": round(100 * metrics[f"{sub.name}_mean_accuracy"], 2),
        }
        if sub.name.startswith("watch_"):
            watch[sub.name.removeprefix("watch_")] = scores
        else:
            dev[sub.name.removeprefix("dev_")] = scores
    return dev, watch


def mean_scores(by_set: dict[str, dict[str, float]]) -> dict[str, float]:
    """The macro average of several sets' scores (each language pair counts once)."""
    if not by_set:
        return {}
    keys = next(iter(by_set.values()))
    return {key: round(statistics.fmean(s[key] for s in by_set.values()), 2) for key in keys}
