"""Crash consistency of the document store: a writer ingests 100,000 documents in batches, with
updates and deletes between them, and is killed (SIGKILL) at a random point, ``--trials`` times.

The writer saves its index every 20 batches, so a reopened store starts from an index older than
the kill and catches up from the change log. After each kill the store must open, hold exactly the
writes the writer saw acknowledged (the transaction in flight may land whole, never in part), and
search the same as a store rebuilt from
those writes: for 100 queries the same top-10 cosines (within 1e-5) and the same documents above
the tenth one's cosine.

    python benchmarks/store_crash.py --model runs/quickstart/model
"""

from __future__ import annotations

import sys
from pathlib import Path

if not __package__:  # run as a file: make the `benchmarks` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import json
import os
import random
import signal
import subprocess
import tempfile
import time

from benchmarks.common import Report, read_sentences, script_arguments

BATCH = 1_000
WRITER = """
import json, os, sys
from align.store import Store
texts = open(sys.argv[2], encoding="utf-8").read().split("\\n")
store = Store(sys.argv[1], sys.argv[3], lid=None)
log = open(sys.argv[4], "a")
def acknowledge(entry):
    log.write(json.dumps(entry) + "\\n"); log.flush(); os.fsync(log.fileno())
for batch in range(len(texts) // {batch}):
    ids = [str(n) for n in range(batch * {batch}, (batch + 1) * {batch})]
    store.upsert(ids, texts[batch * {batch}:(batch + 1) * {batch}])
    acknowledge(["upsert", batch])
    if batch % 20 == 19:  # a saved index, older than the kill: reopening catches up from the log
        store.save_index()
    if batch % 5 == 4:  # rewrite some earlier documents, then delete others
        edited = [str(n) for n in range(0, (batch + 1) * {batch}, 97)]
        store.upsert(edited, ["edited " + str(batch) + " " + identifier for identifier in edited])
        acknowledge(["edit", batch])
        gone = [str(n) for n in range(batch * {batch}, (batch + 1) * {batch}, 10)]
        store.delete(gone)
        acknowledge(["delete", batch])
"""


def replay(texts: list[str], operations: list[list]) -> dict[str, str]:
    """The documents after ``operations``, as the writer performed them."""
    live: dict[str, str] = {}
    for kind, batch in operations:
        if kind == "upsert":
            for n in range(batch * BATCH, (batch + 1) * BATCH):
                live[str(n)] = texts[n]
        elif kind == "edit":
            for n in range(0, (batch + 1) * BATCH, 97):
                live[str(n)] = f"edited {batch} {n}"
        else:
            for n in range(batch * BATCH, (batch + 1) * BATCH, 10):
                live.pop(str(n), None)
    return live


def same_results(ours: list, theirs: list) -> bool:
    """The same cosines, and the same documents above the last one's cosine (documents tied there,
    such as edited texts the model reads alike, may come in either order or either one)."""
    if len(ours) != len(theirs) or any(
        abs(a.score - b.score) > 1e-5 for a, b in zip(ours, theirs, strict=True)
    ):
        return False
    cut = ours[-1].score + 1e-5 if ours else 0.0
    return {hit.id for hit in ours if hit.score > cut} == {hit.id for hit in theirs if hit.score > cut}


def next_operation(operations: list[list]) -> list:
    if not operations:
        return ["upsert", 0]
    kind, batch = operations[-1]
    if kind == "upsert":
        return ["edit", batch] if batch % 5 == 4 else ["upsert", batch + 1]
    return ["delete", batch] if kind == "edit" else ["upsert", batch + 1]


def main(argv: list[str] | None = None) -> None:
    parser = script_arguments(__doc__, report="store_crash")
    parser.add_argument("--model", required=True, help="a model align can load (a static one is fastest)")
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--trials", type=int, default=10)
    args = parser.parse_args(argv)
    from align.store import Store

    corpus = args.data / "train" / "en-zh" / "mixed.en-zh"
    pool = read_sentences(Path(f"{corpus}.en")) + read_sentences(Path(f"{corpus}.zh"))
    texts = (pool * (args.documents // len(pool) + 1))[: args.documents]
    texts = [f"{text} #{n}" for n, text in enumerate(texts)]  # distinct documents
    report = Report("store_crash", corpus, args.output)
    rng = random.Random(5)
    trials = []
    with tempfile.TemporaryDirectory(prefix="align-store-crash-") as tmp:
        work = Path(tmp)
        (work / "texts.txt").write_text("\n".join(texts), encoding="utf-8")

        def writer_command(directory: Path, log: Path) -> list[str]:
            script = WRITER.format(batch=BATCH)
            return [
                sys.executable,
                "-c",
                script,
                str(directory),
                str(work / "texts.txt"),
                args.model,
                str(log),
            ]

        started = time.perf_counter()
        subprocess.run(writer_command(work / "timing", work / "timing.log"), check=True)
        ingest_seconds = time.perf_counter() - started
        print(f"a whole ingest: {ingest_seconds:.1f} s", flush=True)
        for trial in range(args.trials):
            directory, log = work / f"store{trial}", work / f"acked{trial}.log"
            writer = subprocess.Popen(writer_command(directory, log))
            time.sleep(rng.uniform(0.1, 0.95) * ingest_seconds)
            os.kill(writer.pid, signal.SIGKILL)
            writer.wait()
            operations = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
            allowed = [replay(texts, operations)]
            upcoming = next_operation(operations)
            if upcoming[1] < len(texts) // BATCH:  # the writer had not finished: one in flight
                allowed.append(replay(texts, [*operations, upcoming]))
            opened = time.perf_counter()
            store = Store(directory, args.model, lid=None)
            open_seconds = time.perf_counter() - opened
            rows = store.table.matching_rows(None)
            stored = {document.id: document.text for document in store.table.documents(list(rows)).values()}
            exact = stored in allowed
            rebuilt = Store(work / f"rebuilt{trial}", args.model, lid=None)
            ids = sorted(stored, key=int)
            for start in range(0, len(ids), 10_000):
                rebuilt.upsert(ids[start : start + 10_000], [stored[i] for i in ids[start : start + 10_000]])
            queries = rng.sample(texts, 100)
            same = all(
                same_results(ours, theirs)
                for ours, theirs in zip(
                    store.search(queries, k=10), rebuilt.search(queries, k=10), strict=True
                )
            )
            trials.append({"acknowledged_operations": len(operations), "documents": len(stored),
                           "exactly_acknowledged": exact, "searches_as_rebuilt": bool(same),
                           "open_seconds": round(open_seconds, 2)})  # fmt: skip
            print(f"trial {trial}: killed after {len(operations)} acknowledged operations; {len(stored):,} "
                  f"documents; exact {exact}; searches as rebuilt {same}; opened in {open_seconds:.2f} s",
                  flush=True)  # fmt: skip
            store.close()
            rebuilt.close()
    passed = sum(t["exactly_acknowledged"] and t["searches_as_rebuilt"] for t in trials)
    print(f"{passed} of {len(trials)} trials kept exactly the acknowledged writes and searched as rebuilt")
    report.write(
        {"model": args.model, "documents": args.documents, "batch": BATCH, "trials": args.trials},
        ingest_seconds=round(ingest_seconds, 1),
        trials=trials,
        passed=passed,
    )


if __name__ == "__main__":
    main()
