"""Training in N processes (``torchrun --nproc-per-node N``) against one process, on the same data
and the same global batch: the one process trains with ``--batch-size G``, the N with ``G / N``
each and their negatives gathered, so both see G pairs a step, each pair ranked among G.

    python benchmarks/train_distributed.py --data ../shared/data --pairs en-zh
    python benchmarks/train_distributed.py --data ../shared/data --pairs en-zh \\
        --model /work/models/me5-small --max-pairs 6400 --global-batch 64

Each run is ``align train`` in child processes, one after the other on the same machine; the
figures are the dev retrieval accuracy, Tatoeba (cmn for en-zh) and the time a step (the run's
wall time over its steps). On a CPU the N processes share its cores (torchrun gives each one
thread; the one process uses all of them), so the ratio says what the distributed path costs, not
what N devices give. Prints a table and writes benchmarks/results/train_distributed.json.
"""

from __future__ import annotations

import sys
from pathlib import Path

if not __package__:  # run as a file: make the `benchmarks` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import json
import os
import socket
import subprocess
import tempfile
import time

from align.bench.runner import bench_embedder
from align.bench.tatoeba import score_tatoeba
from benchmarks.common import Report, align_command, script_arguments

TATOEBA_CODE = {"zh": "cmn", "de": "deu", "fr": "fra", "ja": "jpn"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run_training(processes: int, arguments: list[str]) -> float:
    """``align train`` with ``arguments`` in ``processes`` processes; its wall time."""
    command = align_command("train", *arguments)
    if processes > 1:
        launcher = [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", str(processes)]
        command = [*launcher, "--master-port", str(free_port()), *command[1:]]
    started = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, text=True)
    if completed.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{(completed.stdout + completed.stderr)[-4000:]}")
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> None:
    parser = script_arguments(__doc__, report="train_distributed")
    parser.add_argument("--pairs", default="en-zh")
    parser.add_argument("--model", default=None, help="a model to fine-tune (default: a static encoder)")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--global-batch", type=int, default=512)
    parser.add_argument("--epochs", type=float, default=None)
    parser.add_argument("--max-pairs", type=int, default=None)
    args = parser.parse_args(argv)
    corpus = args.data / "train" / args.pairs
    tatoeba = args.data / "eval" / "tatoeba"
    code = TATOEBA_CODE[args.pairs.split("-")[1]]
    report = Report("train_distributed", corpus, args.output)
    common = ["--pairs", args.pairs, "--data", str(corpus)]
    if args.model:
        common += ["--model", args.model]
    for option, value in (("--epochs", args.epochs), ("--max-pairs", args.max_pairs)):
        if value is not None:
            common += [option, str(value)]
    runs: dict[str, dict] = {}
    print(f"| run | batch a process | global batch | steps | s a step | dev src→tgt | Tatoeba {code} |")
    print("|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="train-distributed-") as work:
        for processes in (1, args.processes):
            per_process = args.global_batch // processes
            output = Path(work) / f"model-{processes}"
            seconds = run_training(
                processes, [*common, "--output", str(output), "--batch-size", str(per_process)]
            )
            state = json.loads((output / "align_training.json").read_text(encoding="utf-8"))
            steps = state["steps"]
            from sentence_transformers import SentenceTransformer

            score = score_tatoeba(
                bench_embedder(SentenceTransformer(str(output), device="cpu"), "model"), tatoeba, code
            )
            name = "1 process" if processes == 1 else f"torchrun, {processes} processes"
            runs[name] = {
                "processes": processes,
                "batch_per_process": per_process,
                "global_batch": state["global_batch_size"],
                "gather_negatives": state["gather_negatives"],
                "steps": steps,
                "seconds": round(seconds, 1),
                "seconds_per_step": round(seconds / steps, 3),
                "dev": state["dev_scores"],
                "tatoeba": {"xx_to_en": score.xx_to_en, "en_to_xx": score.en_to_xx, "mean": score.mean},
            }
            entry = runs[name]
            print(
                f"| {name} | {per_process} | {entry['global_batch']} | {steps} | {entry['seconds_per_step']} "
                f"| {entry['dev'].get('src2trg', float('nan')):.2f} | {score.mean:.2f} |",
                flush=True,
            )
    one, many = runs["1 process"], runs[f"torchrun, {args.processes} processes"]
    ratio = round(many["seconds_per_step"] / one["seconds_per_step"], 2)
    print(f"Time a step, {args.processes} processes / 1: {ratio}")
    settings = vars(args) | {"data": str(args.data), "output": str(args.output), "cpus": os.cpu_count()}
    report.write(settings, runs=runs, step_time_ratio=ratio)


if __name__ == "__main__":
    main()
