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
    dev_pairs: tuple[list[str], list[str]] | None, watch: tuple[str, ...], batch_size: int = 256
) -> SequentialEvaluator | None:
    """Translation retrieval on the dev split and on each watch set; the main score is their mean."""
    evaluators = []
    if dev_pairs is not None:
        evaluators.append(
            TranslationEvaluator(*dev_pairs, name="dev", batch_size=batch_size, write_csv=False)
        )
    for spec in watch:
        name, sources, targets = read_parallel_files(spec)
        name = f"watch_{name}"
        evaluators.append(
            TranslationEvaluator(sources, targets, name=name, batch_size=batch_size, write_csv=False)
        )
    if not evaluators:
        return None
    return SequentialEvaluator(evaluators, main_score_function=statistics.fmean)


def retrieval_scores(evaluator: SequentialEvaluator | None, model) -> dict[str, dict[str, float]]:
    """Final accuracies in % per evaluated set: source→target, target→source and their mean."""
    if evaluator is None:
        return {}
    metrics = evaluator(model)
    scores = {}
    for sub in evaluator.evaluators:
        scores[sub.name.removeprefix("watch_")] = {
            "src2trg": round(100 * metrics[f"{sub.name}_src2trg_accuracy"], 2),
            "trg2src": round(100 * metrics[f"{sub.name}_trg2src_accuracy"], 2),
            "mean": round(100 * metrics[f"{sub.name}_mean_accuracy"], 2),
        }
    return scores
