"""Benchmark: one encoder for many languages, scored on all 112 Tatoeba languages (issue 15).

Trains static encoders with `align.train --pairs 'en-*'` on ../shared/data/train and scores each on
Tatoeba (all 112 languages, mean of both directions): the mean over all, over the languages the
model saw pairs of, and over the rest; Tatoeba cmn, deu, fra; FLORES-200 dev zho_Hans, deu_Latn,
rus_Cyrl, ces_Latn (out of domain). Which data each model saw is part of its row: by default
every folder but train/tatoeba-challenge, which comes from the same collection as the benchmark
(`--with-challenge` adds it).

    python benchmarks/multilingual.py --ablation --epochs 2     # alpha × batch composition
    python benchmarks/multilingual.py                            # the default settings, full epochs
    python benchmarks/multilingual.py --model PATH               # score a model made elsewhere too
    python benchmarks/multilingual.py --plain --no-train         # the plain sentence-transformers recipe

Tatoeba results are cached per model (align bench's cache), so scoring a transformer a second time
is free.

Writes benchmarks/results/multilingual.json.
"""

from __future__ import annotations

import sys
from pathlib import Path

if not __package__:  # run as a file: make the `benchmarks` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import itertools
import json
import tempfile
import time
from typing import Any

from align.bench.cache import ResultCache, default_cache_dir
from align.bench.model_card import trained_languages as recorded_languages
from align.bench.tatoeba import TatoebaTask, available_languages, retrieval_accuracy
from align.coverage import model_tokenizer
from align.coverage import unknown_by_script as unknown_by_script_of
from align.data import resolve_sources
from align.data.readers import read_source
from align.embedding import SentenceTransformerEmbedder
from align.encode import Encoder, encode_texts, load_encoder
from align.training import TrainConfig, train
from benchmarks.common import Report, read_lines, script_arguments
from benchmarks.train_static import train_plain_recipe

CHALLENGE = "tatoeba-challenge"
FLORES = ("zho_Hans", "deu_Latn", "rus_Cyrl", "ces_Latn")
SHOWN = ("cmn", "deu", "fra")
ABLATION = {
    "alpha 1.0, mixed batches": {"sampling_alpha": 1.0, "pair_batches": "mixed"},
    "alpha 0.3, mixed batches": {"sampling_alpha": 0.3, "pair_batches": "mixed"},
    "alpha 1.0, one pair a batch (default)": {"sampling_alpha": 1.0, "pair_batches": "single"},
    "alpha 0.3, one pair a batch": {"sampling_alpha": 0.3, "pair_batches": "single"},
}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = script_arguments(__doc__, report="multilingual")
    parser.add_argument("--ablation", action="store_true", help="train every setting of ABLATION")
    parser.add_argument("--epochs", type=float, help="passes over the data (default: align's)")
    parser.add_argument("--with-challenge", action="store_true", help=f"train on train/{CHALLENGE} too")
    parser.add_argument("--model", action="append", default=[], help="also score this model (repeatable)")
    parser.add_argument(
        "--plain", action="store_true", help="also train the plain sentence-transformers static recipe"
    )
    parser.add_argument("--no-train", action="store_true", help="do not train align's default static encoder")
    return parser.parse_args(argv)


def training_data(data: Path, work: Path, with_challenge: bool) -> Path:
    """A folder of links to the training folders to use (all of train/, or all but the Challenge)."""
    folder = work / "train"
    folder.mkdir()
    for child in sorted((data / "train").iterdir()):
        if child.is_dir() and (with_challenge or child.name != CHALLENGE):
            (folder / child.name).symlink_to(child.resolve())
    return folder


def trained_languages(data: Path) -> list[str]:
    """The non-English side of every pair `--pairs 'en-*'` takes from ``data``."""
    return sorted({source.target_lang for source in resolve_sources("en-*", data)})


def scores(model: Encoder, data: Path, trained: list[str]) -> dict[str, Any]:
    """Tatoeba (all languages; those trained on and the rest) and FLORES-200 dev, in %."""
    embed = SentenceTransformerEmbedder(model, "model")
    # the task splits its averages by the trained languages, as align bench does
    tatoeba = TatoebaTask(data / "eval/tatoeba", "all", trained=trained).evaluate(
        embed, ResultCache(default_cache_dir(), embed)
    )
    report = tatoeba.to_json()
    seen = sum(entry["trained"] for entry in report["languages"])
    english = encode_texts(model, read_lines(data / "eval/flores200-dev/dev.eng_Latn"))
    flores = {}
    for code in FLORES:
        foreign = encode_texts(model, read_lines(data / f"eval/flores200-dev/dev.{code}"))
        flores[code] = round(
            (retrieval_accuracy(foreign, english) + retrieval_accuracy(english, foreign)) / 2, 2
        )
    by_language = {s.language: round(s.mean, 2) for s in tatoeba.scores}
    unknown = unknown_by_script(model, data)
    rate = encoding_rate(model, tatoeba_sentences(data))
    return {
        "tatoeba_mean": round(tatoeba.main_score, 2),
        "tatoeba_trained_mean": _mean(report.get("average_trained")),
        "tatoeba_other_mean": _mean(report.get("average_other")),
        "trained_languages": seen,
        "other_languages": len(report["languages"]) - seen,
        "tatoeba": {code: by_language[code] for code in SHOWN},
        "flores": flores,
        "tatoeba_by_language": by_language,
        "unknown_tokens_by_script": unknown,
        "sentences_per_second": round(rate),
    }


def tatoeba_sentences(data: Path) -> list[str]:
    """Every non-English Tatoeba sentence, the languages interleaved (so any prefix mixes them)."""
    by_language = [
        read_lines(data / f"eval/tatoeba/tatoeba.{code}-eng.{code}")
        for code in available_languages(data / "eval/tatoeba")
    ]
    return [text for row in itertools.zip_longest(*by_language) for text in row if text]


def encoding_rate(model: Encoder, texts: list[str], seconds: float = 10.0, chunk: int = 2_000) -> float:
    """Sentences per second, encoding chunks of ``texts`` one after another for about ``seconds``
    (a static encoder gets through all of them in that time; a transformer through a few chunks)."""
    encode_texts(model, texts[:256])  # warm-up
    done, started = 0, time.perf_counter()
    while done < len(texts) and time.perf_counter() - started < seconds:
        done += len(encode_texts(model, texts[done : done + chunk]))
    return done / (time.perf_counter() - started)


def training_record(model: str) -> dict[str, Any]:
    """What a model made by align was trained on, and how long it took, from its align_training.json."""
    path = Path(model) / "align_training.json"
    if not path.is_file():
        return {"data": "(its own)"}
    record = json.loads(path.read_text(encoding="utf-8"))
    config = record.get("config", {})
    data = Path(config["data"]).name if config.get("data") else "the hub"
    return {
        "data": f"{config.get('pairs')} from {data}",
        "train_pairs": record.get("train_pairs"),
        "train_seconds": record.get("seconds"),
        "dev_mean": (record.get("dev_scores") or {}).get("mean"),
    }


def train_plain(train_dir: Path, work: Path) -> tuple[Encoder, int, float]:
    """The plain sentence-transformers static recipe (benchmarks/train_static.py) on every English
    pair under ``train_dir``, read as they are: no cleaning, no sampling by language."""
    sources, targets = [], []
    for source in resolve_sources("en-*", train_dir):
        for pair in read_source(source):
            sources.append(pair.source)
            targets.append(pair.target)
    started = time.perf_counter()
    model = train_plain_recipe(sources, targets, work / "plain")
    return model, len(sources), time.perf_counter() - started


def _mean(average: dict[str, float] | None) -> float | None:
    return round(average["mean"], 2) if average else None


def unknown_by_script(model: Encoder, data: Path) -> dict[str, float] | None:
    """% of unknown tokens in each script of the Tatoeba sentences (non-English sides); None for a
    tokenizer that has no unknown token."""
    found = model_tokenizer(model)
    if found is None:
        return None
    texts = [
        line
        for code in available_languages(data / "eval/tatoeba")
        for line in read_lines(data / f"eval/tatoeba/tatoeba.{code}-eng.{code}")
    ]
    return {
        script: round(entry.unknown_rate, 2) for script, entry in unknown_by_script_of(*found, texts).items()
    }


def markdown(rows: list[dict[str, Any]]) -> str:
    header = (
        "| model | data | 112 langs | trained | others | cmn | deu | fra | FLORES zho | FLORES deu "
        "| sent/s | training |"
    )
    lines = [header, "|" + "---|" * 12]
    for r in rows:
        s = r["scores"]
        trained = (
            f"{s['tatoeba_trained_mean']:.1f} ({s['trained_languages']})"
            if s["tatoeba_trained_mean"] is not None
            else "–"
        )
        other = (
            f"{s['tatoeba_other_mean']:.1f} ({s['other_languages']})"
            if s["tatoeba_other_mean"] is not None
            else "–"
        )
        seconds = f"{r['train_seconds']:.0f} s" if r.get("train_seconds") else "–"
        lines.append(
            f"| {r['name']} | {r['data']} | {s['tatoeba_mean']:.1f} | {trained} | {other} | "
            + " | ".join(f"{s['tatoeba'][c]:.1f}" for c in SHOWN)
            + f" | {s['flores']['zho_Hans']:.1f} | {s['flores']['deu_Latn']:.1f}"
            + f" | {s['sentences_per_second']:,} | {seconds} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    report = Report("multilingual", args.data, args.output)
    settings = ABLATION if args.ablation else {"align train defaults": {}}
    data_name = "train/ (all)" if args.with_challenge else f"train/ without {CHALLENGE}"
    rows = []
    with tempfile.TemporaryDirectory() as work:
        train_dir = training_data(args.data, Path(work), args.with_challenge)
        trained = trained_languages(train_dir)
        for name in args.model:
            rows.append(
                {
                    **training_record(name),
                    "name": name,
                    # what the model says it was trained on, else what this run's data holds
                    "scores": scores(load_encoder(name), args.data, recorded_languages(name) or trained),
                }
            )
            print(markdown(rows[-1:]), flush=True)
        if args.plain:
            model, pairs, seconds = train_plain(train_dir, Path(work))
            row = {
                "name": "plain sentence-transformers static recipe",
                "data": data_name,
                "train_pairs": pairs,
                "train_seconds": round(seconds, 1),
                "scores": scores(model, args.data, trained),
            }
            rows.append(row)
            print(markdown([row]), flush=True)
        for name, overrides in {} if args.no_train else settings.items():
            epochs = {"epochs": args.epochs} if args.epochs else {}
            config = TrainConfig(
                pairs="en-*",
                data=str(train_dir),
                output=str(Path(work) / "model"),
                force=True,
                **epochs,
                **overrides,
            )
            started = time.perf_counter()
            result = train(config)
            seconds = time.perf_counter() - started
            row = {
                "name": name,
                "data": data_name,
                "settings": {**overrides, **epochs},
                "train_pairs": result.train_pairs,
                "train_seconds": round(seconds, 1),
                "dev_mean": result.dev_scores.get("mean"),
                "scores": scores(result.model, args.data, trained),
            }
            rows.append(row)
            print(markdown([row]), flush=True)
    print("\n" + markdown(rows))
    report.write(
        {"ablation": args.ablation, "epochs": args.epochs, "with_challenge": args.with_challenge}, rows=rows
    )


if __name__ == "__main__":
    main()
