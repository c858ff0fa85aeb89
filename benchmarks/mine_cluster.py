"""Benchmark: sharded mining on Ray against the local engine and the sentence-transformers recipe.

    python benchmarks/mine_cluster.py --model MODEL [--size 2000000] [--shard-size 250000] \\
        [--workers 1,2] [--equivalence-size 50000] [--no-in-memory] [--no-recipe]

On pools of joined real sentences (`benchmarks.pools.joined_pool`, 10 % of the items translations):

1. **Equivalence**: a pool of ``--equivalence-size`` mined in memory with ``--index-factory Flat``
   and on the local Ray cluster in shards of a seventh of it: the pairs must be the same and the
   scores equal to 1e-4.
2. **Scale**: the ``--size`` pool mined end to end (`align mine` in a child process, encoding
   included, the default index) in memory as before sharding existed, in shards with ``--engine
   local``, then ``--engine ray`` with each of ``--workers``: wall time, sentences a second, peak
   resident memory of the driver and of the largest Ray worker (each process's high-water mark,
   read from /proc while it runs), and each run's time as a ratio to the local engine's in the
   same run (Ray's overhead; for the in-memory run, what sharding costs).
3. **The sentence-transformers recipe** (its `bitext_mining.py` example with
   `bitext_mining_utils.kNN`: FAISS `IndexIVFFlat` with min(32,768, n / 1,000) lists probed 3 at a
   time, k = 4, ratio margin, each sentence once) on the same pool and model. Its optional PCA to
   128 dimensions is left off, so that the model is the same; the pool needs no length filter.
   ``--recipe-only`` runs this alone (it holds both sides' float32 vectors and two flat IVF
   indexes: about 16 GB at 2M × 2M).

F1 is each output's best over score thresholds, against the pool's translations.

Writes benchmarks/results/mine_cluster.json.
"""

from __future__ import annotations

import sys
from pathlib import Path

if not __package__:  # run as a file: make the `benchmarks` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import os
import resource
import shutil
import subprocess
import tempfile
import threading
import time

import numpy as np

from align.encode import encode_texts, load_encoder
from align.mining import MinedPairs, calibrate_threshold
from benchmarks.common import Report, align_command, script_arguments, write_lines
from benchmarks.pools import joined_pool

RECIPE_LISTS = 32_768  # the recipe's defaults: most IVF lists, lists probed per query, neighbours
RECIPE_VECTORS_PER_LIST = 1_000  # its kNN: min(RECIPE_LISTS, n / 1,000) lists
RECIPE_PROBES = 3
RECIPE_K = 4


class TreeMemory:
    """High-water marks of resident memory (VmHWM) of a process and all its descendants, sampled."""

    def __init__(self, root: int, every: float = 0.5) -> None:
        self.root = root
        self.every = every
        self.peaks: dict[int, tuple[str, int]] = {}  # pid → (command, peak KiB)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _watch(self) -> None:
        while not self._stop.wait(self.every):
            for pid in self._descendants():
                peak = _status_kib(pid, "VmHWM")
                if peak is not None and peak > self.peaks.get(pid, ("", 0))[1]:
                    self.peaks[pid] = (_command(pid), peak)

    def _descendants(self) -> list[int]:
        parents: dict[int, int] = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat", encoding="utf-8") as handle:
                        parents[int(entry)] = int(handle.read().rsplit(")", 1)[1].split()[1])
                except (OSError, IndexError, ValueError):
                    continue
        tree, frontier = {self.root}, [self.root]
        while frontier:
            parent = frontier.pop()
            children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in tree]
            tree.update(children)
            frontier += children
        return sorted(tree)

    def peak_gb(self, worker: bool) -> float:
        """The driver's peak (``worker=False``) or the largest Ray worker's (``ray::`` processes)."""
        if not worker:
            return round(self.peaks.get(self.root, ("", 0))[1] / 1024**2, 2)
        workers = [kib for command, kib in self.peaks.values() if command.startswith("ray::")]
        return round(max(workers, default=0) / 1024**2, 2)


def _status_kib(pid: int, field: str) -> int | None:
    try:
        with open(f"/proc/{pid}/status", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _command(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return handle.read().replace(b"\0", b" ").decode("utf-8", "replace").strip()
    except OSError:
        return ""


def read_mined(path: Path) -> MinedPairs:
    """A TSV written with ``--line-numbers``, as rows (0-based) and scores, best first."""
    sources, targets, scores = [], [], []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            parts = line.rstrip("\n").split("\t")
            scores.append(float(parts[0]))
            sources.append(int(parts[3]) - 1)
            targets.append(int(parts[4]) - 1)
    return MinedPairs(np.asarray(sources), np.asarray(targets), np.asarray(scores, dtype=np.float32))


def mine_command(model: str, work: Path, output: Path, *extra: str) -> dict:
    """``align mine`` on the pool in ``work``, timed, with the memory of its process tree."""
    pool = ("--src", work / "src.txt", "--tgt", work / "tgt.txt", "--output", output)
    command = align_command("mine", "--model", model, *pool, "--line-numbers", "--force", *extra)
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    with TreeMemory(process.pid) as memory:
        stdout, stderr = process.communicate()
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        sys.exit(f"align mine failed (exit {process.returncode}):\n{stderr[-4000:]}")
    return {
        "wall_seconds": round(seconds, 1),
        "driver_peak_gb": memory.peak_gb(worker=False),
        "largest_worker_peak_gb": memory.peak_gb(worker=True),
        "output": stdout.strip().splitlines()[-1],
        "stages": next((line for line in stdout.splitlines() if line.startswith("Shards: ")), None),
    }


def equivalence(model: str, data: Path, size: int, work: Path, engine: str = "ray") -> dict:
    """In-memory exact mining against sharded exact mining on ``engine``, on one pool."""
    source, target, _ = joined_pool(data, size, seed=13)
    work.mkdir(parents=True, exist_ok=True)
    write_lines(work / "src.txt", source)
    write_lines(work / "tgt.txt", target)
    exact = ("--index-factory", "Flat")
    mine_command(model, work, work / "memory.tsv", *exact)
    shards = ("--engine", engine, "--shard-size", str(max(1, size // 7)), "--work-dir", str(work / "shards"))
    mine_command(model, work, work / "sharded.tsv", *exact, *shards)
    memory, sharded = read_mined(work / "memory.tsv"), read_mined(work / "sharded.tsv")
    same = np.array_equal(memory.source_ids, sharded.source_ids) and np.array_equal(
        memory.target_ids, sharded.target_ids
    )
    difference = float(np.abs(memory.scores - sharded.scores).max()) if same else None
    return {
        "size": size,
        "engine": engine,
        "pairs": len(memory),
        "same_pairs": same,
        "max_score_difference": difference,
    }


def best_f1(pairs: MinedPairs, gold: set[tuple[int, int]]) -> float:
    return round(calibrate_threshold(pairs, gold).f1, 2)


def recipe_lists(count: int) -> int:
    """The IVF lists the recipe's ``kNN`` builds for ``count`` vectors."""
    return min(RECIPE_LISTS, max(1, count // RECIPE_VECTORS_PER_LIST))


def st_recipe(model_path: str, source: list[str], target: list[str]) -> tuple[MinedPairs, float]:
    """The sentence-transformers bitext-mining example's method, written from its description:
    IVF k-NN both ways, ratio margin over the k neighbours' mean, forward and backward best
    candidates together, best first, each sentence once."""
    import faiss

    started = time.perf_counter()
    model = load_encoder(model_path)
    x = encode_texts(model, source, show_progress_bar=True)
    y = encode_texts(model, target, show_progress_bar=True)

    def knn(queries: np.ndarray, base: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        lists = recipe_lists(len(base))
        index = faiss.IndexIVFFlat(
            faiss.IndexFlatIP(base.shape[1]), base.shape[1], lists, faiss.METRIC_INNER_PRODUCT
        )
        index.train(base)
        index.add(base)
        index.nprobe = RECIPE_PROBES
        return index.search(queries, RECIPE_K)

    x_cos, x_ids = knn(x, y)
    y_cos, y_ids = knn(y, x)
    x_mean, y_mean = x_cos.mean(axis=1), y_cos.mean(axis=1)
    forward = x_cos / ((x_mean[:, None] + y_mean[x_ids]) / 2)
    backward = y_cos / ((y_mean[:, None] + x_mean[y_ids]) / 2)
    rows_x, rows_y = np.arange(len(x)), np.arange(len(y))
    sources = np.concatenate([rows_x, y_ids[rows_y, backward.argmax(axis=1)]])
    targets = np.concatenate([x_ids[rows_x, forward.argmax(axis=1)], rows_y])
    scores = np.concatenate([forward.max(axis=1), backward.max(axis=1)])
    seen_x, seen_y, kept = set(), set(), []
    for position in np.argsort(-scores):
        s, t = int(sources[position]), int(targets[position])
        if s not in seen_x and t not in seen_y:
            seen_x.add(s)
            seen_y.add(t)
            kept.append(position)
    kept = np.asarray(kept, dtype=np.int64)
    pairs = MinedPairs(sources[kept], targets[kept], scores[kept].astype(np.float32))
    return pairs, round(time.perf_counter() - started, 1)


def scale(
    model: str,
    data: Path,
    size: int,
    shard_size: int,
    workers: list[int],
    work: Path,
    *,
    in_memory: bool = True,
    engines: bool = True,
    recipe: bool = True,
) -> dict:
    source, target, gold = joined_pool(data, size, seed=12)
    figures: dict = {"size": size, "shard_size": shard_size, "runs": []}
    if engines:
        figures["runs"] = engine_runs(model, source, target, gold, shard_size, workers, work, in_memory)
    if recipe:
        pairs, seconds = st_recipe(model, source, target)
        figures["st_recipe"] = {
            "wall_seconds": seconds,
            "f1": best_f1(pairs, gold),
            "lists": recipe_lists(len(target)),
            "nprobe": RECIPE_PROBES,
            "peak_gb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2, 2),
        }
        print(f"sentence-transformers recipe: {seconds} s, F1 {figures['st_recipe']['f1']}")
    return figures


def engine_runs(
    model: str,
    source: list[str],
    target: list[str],
    gold: set[tuple[int, int]],
    shard_size: int,
    workers: list[int],
    work: Path,
    in_memory: bool,
) -> list[dict]:
    """``align mine`` on the pool in memory (optionally), on the local engine and on Ray with each
    of ``workers``; each run's time as a ratio to the local engine's."""
    work.mkdir(parents=True, exist_ok=True)
    write_lines(work / "src.txt", source)
    write_lines(work / "tgt.txt", target)
    runs = []
    engines = [("memory", None)] * in_memory + [("local", None)] + [("ray", count) for count in workers]
    for engine, count in engines:
        shutil.rmtree(work / "shards", ignore_errors=True)
        extra = ["--engine", engine, "--shard-size", str(shard_size), "--work-dir", str(work / "shards")]
        if engine == "memory":  # today's single-process path: no shards
            extra = []
        if count is not None:
            extra += ["--workers", str(count)]
        run = mine_command(model, work, work / "pairs.tsv", *extra)
        run.update(engine=engine, workers=count or 1, f1=best_f1(read_mined(work / "pairs.tsv"), gold))
        run["sentences_per_second"] = round(2 * len(source) / run["wall_seconds"])
        runs.append(run)
        print(
            f"{engine} ({run['workers']} workers): {run['wall_seconds']} s, F1 {run['f1']}, driver "
            f"{run['driver_peak_gb']} GB, largest worker {run['largest_worker_peak_gb']} GB"
        )
    local = next(run["wall_seconds"] for run in runs if run["engine"] == "local")
    for run in runs:
        if run["engine"] != "local":  # for memory: what sharding costs; for ray: what Ray costs
            run["overhead_vs_local"] = round(run["wall_seconds"] / local - 1, 3)
    return runs


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = script_arguments(__doc__, report="mine_cluster")
    parser.add_argument("--model", required=True, help="an en-zh model from `align train`")
    parser.add_argument("--size", type=int, default=2_000_000)
    parser.add_argument("--shard-size", type=int, default=250_000)
    parser.add_argument("--workers", default="1,2", help="Ray workers to run with, comma-separated")
    parser.add_argument("--equivalence-size", type=int, default=50_000)
    parser.add_argument("--no-in-memory", action="store_true", help="skip the unsharded `align mine` run")
    parser.add_argument("--no-recipe", action="store_true", help="skip the sentence-transformers recipe")
    parser.add_argument(
        "--recipe-only", action="store_true", help="only the sentence-transformers recipe on the --size pool"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    report = Report("mine_cluster", args.data, args.output)
    with tempfile.TemporaryDirectory(prefix="mine-cluster-") as work:
        same = None
        if not args.recipe_only:
            same = equivalence(args.model, args.data, args.equivalence_size, Path(work))
            print(
                f"equivalence on {same['size']:,} × {same['size']:,}: same pairs {same['same_pairs']}, "
                f"largest score difference {same['max_score_difference']}"
            )
            shutil.rmtree(Path(work) / "shards", ignore_errors=True)
        workers = [int(count) for count in args.workers.split(",")]
        figures = scale(
            args.model,
            args.data,
            args.size,
            args.shard_size,
            workers,
            Path(work),
            in_memory=not args.no_in_memory,
            engines=not args.recipe_only,
            recipe=args.recipe_only or not args.no_recipe,
        )
    print("\n| engine | workers | wall | sentences/s | F1 | driver peak | largest worker | vs local |")
    print("|---|---|---|---|---|---|---|---|")
    for run in figures["runs"]:
        overhead = f"{100 * run['overhead_vs_local']:+.1f} %" if "overhead_vs_local" in run else ""
        speed = f"{run['sentences_per_second']:,}"
        print(
            f"| {run['engine']} | {run['workers']} | {run['wall_seconds']} s | {speed} | {run['f1']} | "
            f"{run['driver_peak_gb']} GB | {run['largest_worker_peak_gb']} GB | {overhead} |"
        )
    if "st_recipe" in figures:
        recipe = figures["st_recipe"]
        print(
            f"| sentence-transformers recipe | 1 | {recipe['wall_seconds']} s | | {recipe['f1']} | "
            f"{recipe['peak_gb']} GB | | |"
        )
    settings = {
        "model": args.model,
        "size": args.size,
        "shard_size": args.shard_size,
        "workers": args.workers,
    }
    report.write(settings, equivalence=same, scale=figures)


if __name__ == "__main__":
    main()
