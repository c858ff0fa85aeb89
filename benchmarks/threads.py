"""Threads on a shared machine: ``align train --pairs en-zh`` on the 55k pairs of train/en-zh with
align's default thread count (auto: the cores other processes leave idle), with ``--threads 1``, and
with one thread per core (what torch and FAISS take by themselves), first on an idle machine and
then beside a second CPU-bound job.

The second job is a pure-Python loop per ``--busy-jobs`` process, started ``--warm-up`` seconds
before the runs and stopped after them (or by itself after ``--limit`` seconds). Every figure is a
ratio to ``--threads 1`` measured in the same phase.

    python benchmarks/threads.py --epochs 3
"""

from __future__ import annotations

import sys
from pathlib import Path

if not __package__:  # run as a file: make the `benchmarks` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import multiprocessing
import tempfile
import time

from align.threads import available_cores
from benchmarks.common import Report, run_align_measured, script_arguments

SETTINGS = {"default (auto)": [], "--threads 1": ["--threads", "1"]}


def _spin(stop_after: float) -> None:
    """A CPU-bound job: a Python loop that stops by itself after ``stop_after`` seconds."""
    end = time.monotonic() + stop_after
    while time.monotonic() < end:
        sum(i * i for i in range(10_000))


def train_once(threads: list[str], data: Path, epochs: float | None, output: Path) -> float:
    options = ["--epochs", str(epochs)] if epochs else []
    run = run_align_measured(
        *threads, "train", "--pairs", "en-zh", "--data", data, "--output", output, "--force", *options
    )
    return run.seconds


def phase(name: str, data: Path, epochs: float | None, repeats: int, work: Path) -> dict[str, object]:
    """Each setting ``repeats`` times, interleaved; the median seconds and the ratio to one thread."""
    seconds: dict[str, list[float]] = {label: [] for label in SETTINGS}
    for repeat in range(repeats):
        for label, threads in SETTINGS.items():
            taken = train_once(threads, data, epochs, work / "model")
            seconds[label].append(taken)
            print(f"{name}, run {repeat + 1}: {label:>22}  {taken:7.1f} s", flush=True)
    medians = {label: sorted(values)[len(values) // 2] for label, values in seconds.items()}
    one = medians["--threads 1"]
    return {
        "seconds": seconds,
        "median_seconds": medians,
        "ratio_to_one_thread": {label: round(value / one, 3) for label, value in medians.items()},
    }


def main(argv: list[str] | None = None) -> None:
    parser = script_arguments(__doc__, report="threads")
    parser.add_argument("--epochs", type=float, default=None, help="Passes (default: align train's).")
    parser.add_argument("--repeats", type=int, default=1, help="Runs of each setting per phase.")
    parser.add_argument("--busy-jobs", type=int, default=1, help="CPU-bound processes in the busy phase.")
    parser.add_argument("--warm-up", type=float, default=75.0, help="Seconds the busy job runs first.")
    parser.add_argument(
        "--limit", type=float, default=3600.0, help="The busy job stops by itself after this."
    )
    args = parser.parse_args(argv)
    data = args.data / "train" / "en-zh"
    cores = available_cores()
    SETTINGS[f"--threads {cores} (one a core)"] = ["--threads", str(cores)]
    report = Report("threads", data, args.output)
    with tempfile.TemporaryDirectory(prefix="align-threads-") as tmp:
        work = Path(tmp)
        idle = phase("idle", data, args.epochs, args.repeats, work)
        jobs = [
            multiprocessing.Process(target=_spin, args=(args.limit,), daemon=True)
            for _ in range(args.busy_jobs)
        ]
        for job in jobs:
            job.start()
        try:
            time.sleep(args.warm_up)
            busy = phase(f"beside {args.busy_jobs} busy job(s)", data, args.epochs, args.repeats, work)
        finally:
            for job in jobs:
                job.terminate()
                job.join()
    print("\n| machine | setting | seconds (median) | ratio to --threads 1 |\n|---|---|---|---|")
    for name, figures in (("idle", idle), (f"{args.busy_jobs} busy job(s)", busy)):
        for label, value in figures["median_seconds"].items():
            print(f"| {name} | {label} | {value:.1f} | {figures['ratio_to_one_thread'][label]:.2f} |")
    settings = {"epochs": args.epochs, "repeats": args.repeats, "busy_jobs": args.busy_jobs, "cores": cores}
    report.write(settings, idle=idle, busy=busy)


if __name__ == "__main__":
    main()
