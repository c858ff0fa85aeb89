"""The figures that describe a pretrained, fine-tuned or distilled encoder, for side-by-side tables.

Shared by benchmarks/finetune_e5.py and benchmarks/distill_static.py:

- Tatoeba cmn-eng and deu-eng (1,000 pairs each), both directions;
- FLORES-200 dev zho_Hans-eng and deu_Latn-eng (997 long news sentences), both directions;
- mining F1 on the BUCC-style dev pool of benchmarks/mine_quality.py (2,250 gold pairs among 20k + 20k
  distractors, max-margin ratio mining, k = 4, exact search, threshold calibrated on the gold);
- encoding speed in sentences per second on a fixed sample of sentences.
"""

from __future__ import annotations

import time
from pathlib import Path

from align.bench.runner import bench_embedder
from align.bench.tatoeba import retrieval_accuracy, score_tatoeba
from align.encode import Encoder, encode_texts
from benchmarks.common import read_lines
from benchmarks.pools import DISTRACTORS, EXACT_MINING, build_pool, dev_pairs, score_pool

TATOEBA = ("cmn", "deu")
FLORES = ("zho_Hans", "deu_Latn")


def _both_ways(xx2en: float, en2xx: float) -> dict[str, float]:
    """Accuracies (already in %) and their mean, rounded as the tables show them."""
    return {"xx2en": round(xx2en, 2), "en2xx": round(en2xx, 2), "mean": round((xx2en + en2xx) / 2, 2)}


def tatoeba(model: Encoder, data: Path) -> dict[str, dict[str, float]]:
    embed = bench_embedder(model, "model")
    scores = {}
    for language in TATOEBA:
        score = score_tatoeba(embed, data / "eval/tatoeba", language)
        scores[language] = _both_ways(score.xx_to_en, score.en_to_xx)
    return scores


def flores(model: Encoder, data: Path) -> dict[str, dict[str, float]]:
    english = encode_texts(model, read_lines(data / "eval/flores200-dev/dev.eng_Latn"))
    scores = {}
    for language in FLORES:
        foreign = encode_texts(model, read_lines(data / f"eval/flores200-dev/dev.{language}"))
        scores[language] = _both_ways(
            retrieval_accuracy(foreign, english), retrieval_accuracy(english, foreign)
        )
    return scores


def mining(model: Encoder, data: Path, seed: int = 1) -> dict[str, float]:
    pool = build_pool(data, [pair for pairs in dev_pairs(data).values() for pair in pairs], DISTRACTORS, seed)
    started = time.perf_counter()
    source = encode_texts(model, pool.source_texts, show_progress_bar=True)
    target = encode_texts(model, pool.target_texts, show_progress_bar=True)
    encode_seconds = time.perf_counter() - started
    result = score_pool(source, target, pool.gold, EXACT_MINING)
    return {
        "f1": round(result["f1"], 2),  # calibrate_threshold reports %
        "precision": round(result["precision"], 2),
        "recall": round(result["recall"], 2),
        "threshold": round(result["threshold"], 4),
        "encode_seconds": round(encode_seconds, 1),
    }


def encode_rate(model: Encoder, sentences: list[str]) -> float:
    """Sentences per second at the model's default batch size, after a warm-up."""
    encode_texts(model, sentences[:4096])
    started = time.perf_counter()
    encode_texts(model, sentences)
    return round(len(sentences) / (time.perf_counter() - started), 1)


def rate_sample(data: Path, size: int) -> list[str]:
    """Both sides of the first Tatoeba cmn-eng and deu-eng pairs: short everyday sentences."""
    sentences: list[str] = []
    for language in TATOEBA:
        sentences += read_lines(data / f"eval/tatoeba/tatoeba.{language}-eng.{language}")
        sentences += read_lines(data / f"eval/tatoeba/tatoeba.{language}-eng.eng")
    return (sentences * (size // len(sentences) + 1))[:size]


def evaluate(model: Encoder, data: Path, rate_sentences: list[str], with_mining: bool = True) -> dict:
    started = time.perf_counter()
    figures = {"tatoeba": tatoeba(model, data), "flores": flores(model, data)}
    if with_mining:
        figures["mining"] = mining(model, data)
    figures["sentences_per_second"] = encode_rate(model, rate_sentences)
    figures["eval_seconds"] = round(time.perf_counter() - started, 1)
    return figures


def markdown_table(rows: dict[str, dict]) -> str:
    """One row per model: Tatoeba and FLORES as xx→en / en→xx (mean), mining F1, speed, train time."""
    header = (
        "| model | Tatoeba cmn | Tatoeba deu | FLORES zho | FLORES deu | mining F1 | sent/s | train time |"
    )
    out = [header, "|---|---|---|---|---|---|---|---|"]

    def cell(score: dict[str, float]) -> str:
        return f"{score['xx2en']:.1f} / {score['en2xx']:.1f} ({score['mean']:.2f})"

    for name, figures in rows.items():
        mining_f1 = f"{figures['mining']['f1']:.1f}" if "mining" in figures else "–"
        seconds = figures.get("train_seconds")
        out.append(
            f"| {name} | {cell(figures['tatoeba']['cmn'])} | {cell(figures['tatoeba']['deu'])} | "
            f"{cell(figures['flores']['zho_Hans'])} | {cell(figures['flores']['deu_Latn'])} | {mining_f1} | "
            f"{figures['sentences_per_second']:,.0f} | {f'{seconds:.0f} s' if seconds else '–'} |"
        )
    return "\n".join(out)
