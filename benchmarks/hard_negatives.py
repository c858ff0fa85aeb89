"""`align train --hard-negatives K` against the same recipe without them, in one run: Tatoeba cmn and
mining F1 on the BUCC-style dev pool (benchmarks/encoder_figures.py).

- **static** (en-zh, defaults): the recipe trained as is, then trained again from scratch with the
  K hardest negatives of each pair, mined by the first model (a static run has no model of its own
  before training);
- **fine-tuned** (``--model``, e.g. multilingual-e5-small, on ``--max-pairs`` pairs): the recipe as
  is, and with the negatives mined by the pretrained model itself.

    python benchmarks/hard_negatives.py --data ../shared/data --model /work/models/me5-small

Prints a table and writes benchmarks/results/hard_negatives.json.
"""

from __future__ import annotations

import sys
from pathlib import Path

if not __package__:  # run as a file: make the `benchmarks` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import tempfile
import time

from sentence_transformers import SentenceTransformer

from align.training import TrainConfig, train
from benchmarks.common import Report, script_arguments
from benchmarks.encoder_figures import mining, tatoeba


def trained(config: TrainConfig) -> tuple[SentenceTransformer, float]:
    started = time.perf_counter()
    train(config)
    return SentenceTransformer(config.output, device="cpu"), time.perf_counter() - started


def figures(model: SentenceTransformer, data: Path, seconds: float, with_mining: bool) -> dict:
    found = {"tatoeba_cmn": tatoeba(model, data)["cmn"], "train_seconds": round(seconds, 1)}
    if with_mining:
        found["mining"] = mining(model, data)
    return found


def main(argv: list[str] | None = None) -> None:
    parser = script_arguments(__doc__, report="hard_negatives")
    parser.add_argument("--negatives", type=int, default=1, help="K, hard negatives a pair")
    parser.add_argument("--model", default=None, help="a model to fine-tune too (default: static only)")
    parser.add_argument("--max-pairs", type=int, default=3200, help="pairs the fine-tuning trains on")
    parser.add_argument("--epochs", type=float, default=None, help="static epochs (default: align's)")
    parser.add_argument("--no-mining", action="store_true", help="skip the dev-pool mining F1")
    parser.add_argument("--no-static", action="store_true", help="only the fine-tuning recipes")
    parser.add_argument("--seed", type=int, default=42, help="training seed (batch order, split)")
    args = parser.parse_args(argv)
    corpus = args.data / "train" / "en-zh"
    report = Report("hard_negatives", corpus, args.output)
    runs: dict[str, dict] = {}
    common = {"pairs": "en-zh", "data": str(corpus), "seed": args.seed}
    print("| recipe | hard negatives | Tatoeba cmn | mining F1 | train s |")
    print("|---|---|---|---|---|")

    def record(name: str, model: SentenceTransformer, seconds: float, negatives: int) -> None:
        runs[name] = figures(model, args.data, seconds, not args.no_mining) | {"hard_negatives": negatives}
        f1 = runs[name].get("mining", {}).get("f1", float("nan"))
        print(
            f"| {name} | {negatives} | {runs[name]['tatoeba_cmn']['mean']:.2f} | {f1:.2f} | {seconds:.0f} |",
            flush=True,
        )

    with tempfile.TemporaryDirectory(prefix="hard-negatives-") as work:
        if not args.no_static:
            static = {**common, "epochs": args.epochs} if args.epochs else common
            plain, seconds = trained(TrainConfig(output=f"{work}/static", **static))
            record("static", plain, seconds, 0)
            again, seconds = trained(
                TrainConfig(
                    output=f"{work}/static-negatives",
                    hard_negatives=args.negatives,
                    negatives_model=f"{work}/static",
                    **static,
                )
            )
            record("static, negatives mined by the first", again, seconds, args.negatives)
        if args.model:
            tuned = {**common, "model": args.model, "max_pairs": args.max_pairs}
            plain, seconds = trained(TrainConfig(output=f"{work}/tuned", **tuned))
            record("fine-tuned", plain, seconds, 0)
            again, seconds = trained(
                TrainConfig(output=f"{work}/tuned-negatives", hard_negatives=args.negatives, **tuned)
            )
            record("fine-tuned, negatives mined by the pretrained model", again, seconds, args.negatives)
    settings = vars(args) | {"data": str(args.data), "output": str(args.output)}
    report.write(settings, runs=runs)


if __name__ == "__main__":
    main()
