"""`align train --hard-negatives K` against the same recipe without them, in one run: Tatoeba cmn,
mining F1 on the BUCC-style dev pool (benchmarks/encoder_figures.py) and, for the multilingual
recipe, the mean over all 112 Tatoeba languages (benchmarks/multilingual.py).

- **static** (defaults): the recipe trained as is, then trained again from scratch with the K
  hardest negatives of each pair, mined by the first model (a static run has no model of its own
  before training). ``--corpus en-zh`` (default) trains on train/en-zh; ``--corpus multilingual``
  on every English pair of train/ but the Tatoeba Challenge (``--pairs 'en-*'``);
- **fine-tuned** (``--model``, e.g. multilingual-e5-small, on ``--max-pairs`` en-zh pairs): the
  recipe as is, and with the negatives mined by the pretrained model itself.

Each recipe with negatives runs once for every ``--refresh`` mode: ``once`` (mined before training)
and ``epoch`` (mined again at the start of each later epoch by the model being trained).

    python benchmarks/hard_negatives.py --data ../shared/data --model /work/models/me5-small
    python benchmarks/hard_negatives.py --corpus multilingual --no-mining

Prints a table and writes benchmarks/results/hard_negatives.json.
"""

from __future__ import annotations

import sys
from pathlib import Path

if not __package__:  # run as a file: make the `benchmarks` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import tempfile
import time
from typing import Any

from sentence_transformers import SentenceTransformer

from align.training import TrainConfig, train
from align.training.config import with_defaults
from benchmarks.common import Report, script_arguments
from benchmarks.encoder_figures import mining, tatoeba
from benchmarks.multilingual import scores, trained_languages, training_data

REFRESH = ("once", "epoch")


def trained(config: TrainConfig) -> tuple[SentenceTransformer, float]:
    started = time.perf_counter()
    train(config)
    return SentenceTransformer(config.output, device="cpu"), time.perf_counter() - started


def figures(model: SentenceTransformer, data: Path, languages: list[str] | None, with_mining: bool) -> dict:
    """Tatoeba cmn and, with ``languages`` (those the model was trained on), all 112 languages."""
    if languages is None:
        found: dict[str, Any] = {"tatoeba_cmn": tatoeba(model, data)["cmn"]}
    else:
        every = scores(model, data, languages)
        found = {"tatoeba_cmn": {"mean": every["tatoeba"]["cmn"]}, "tatoeba_112": every}
    if with_mining:
        found["mining"] = mining(model, data)
    return found


def main(argv: list[str] | None = None) -> None:
    parser = script_arguments(__doc__, report="hard_negatives")
    parser.add_argument("--negatives", type=int, default=1, help="K, hard negatives a pair")
    parser.add_argument(
        "--corpus", choices=("en-zh", "multilingual"), default="en-zh", help="the static recipe's data"
    )
    parser.add_argument(
        "--refresh", choices=REFRESH, action="append", help="refresh modes to train (default: both)"
    )
    parser.add_argument("--model", default=None, help="a model to fine-tune too (default: static only)")
    parser.add_argument("--max-pairs", type=int, default=3200, help="pairs the fine-tuning trains on")
    parser.add_argument("--epochs", type=float, default=None, help="static epochs (default: align's)")
    parser.add_argument("--no-mining", action="store_true", help="skip the dev-pool mining F1")
    parser.add_argument("--no-static", action="store_true", help="only the fine-tuning recipes")
    parser.add_argument("--seed", type=int, default=42, help="training seed (batch order, split)")
    args = parser.parse_args(argv)
    refresh_modes = args.refresh or list(REFRESH)
    report = Report("hard_negatives", args.data / "train", args.output)
    runs: dict[str, dict] = {}
    print("| recipe | hard negatives | refreshed | Tatoeba 112 | Tatoeba cmn | mining F1 | train s |")
    print("|---|---|---|---|---|---|---|")

    def record(name: str, config: TrainConfig, languages: list[str] | None = None) -> None:
        model, seconds = trained(config)
        found = figures(model, args.data, languages, not args.no_mining)
        runs[name] = found | {
            "hard_negatives": config.hard_negatives,
            "refresh_negatives": config.refresh_negatives if config.hard_negatives else None,
            "train_seconds": round(seconds, 1),
        }
        every = found.get("tatoeba_112", {}).get("tatoeba_mean", float("nan"))
        f1 = found.get("mining", {}).get("f1", float("nan"))
        refreshed = runs[name]["refresh_negatives"] or "–"
        print(
            f"| {name} | {config.hard_negatives} | {refreshed} | {every:.2f} | "
            f"{found['tatoeba_cmn']['mean']:.2f} | {f1:.2f} | {seconds:.0f} |",
            flush=True,
        )

    with tempfile.TemporaryDirectory(prefix="hard-negatives-") as work:
        if not args.no_static:
            if args.corpus == "multilingual":
                corpus = training_data(args.data, Path(work), with_challenge=False)
                static: dict[str, Any] = {"pairs": "en-*", "data": str(corpus), "seed": args.seed}
                languages: list[str] | None = trained_languages(corpus)
            else:
                static = {"pairs": "en-zh", "data": str(args.data / "train/en-zh"), "seed": args.seed}
                languages = None
            static |= {"epochs": args.epochs} if args.epochs else {}
            record("static", TrainConfig(output=f"{work}/static", **static), languages)
            for refresh in refresh_modes:
                config = TrainConfig(
                    output=f"{work}/static-{refresh}",
                    hard_negatives=args.negatives,
                    negatives_model=f"{work}/static",
                    refresh_negatives=refresh,
                    **static,
                )
                record(f"static, negatives mined by the first, refreshed {refresh}", config, languages)
        if args.model:
            tuned = {
                "pairs": "en-zh",
                "data": str(args.data / "train/en-zh"),
                "seed": args.seed,
                "model": args.model,
                "max_pairs": args.max_pairs,
            }
            record("fine-tuned", TrainConfig(output=f"{work}/tuned", **tuned))
            one_epoch = with_defaults(TrainConfig(output="-", **tuned)).epochs <= 1
            for refresh in refresh_modes:
                if refresh == "epoch" and one_epoch:
                    print("(fine-tuning runs one epoch: refreshed every epoch is refreshed once)")
                    continue
                config = TrainConfig(
                    output=f"{work}/tuned-{refresh}",
                    hard_negatives=args.negatives,
                    refresh_negatives=refresh,
                    **tuned,
                )
                record(f"fine-tuned, negatives mined by the pretrained model, refreshed {refresh}", config)
    settings = vars(args) | {"data": str(args.data), "output": str(args.output)}
    report.write(settings, runs=runs)


if __name__ == "__main__":
    main()
