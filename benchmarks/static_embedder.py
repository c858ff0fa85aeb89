"""The torch-free static embedder against sentence-transformers on the same static model:

- start-up: a fresh Python process that imports the embedder, loads the model and embeds one
  sentence (what a retrieval app or a mining job pays before its first vector), median of
  ``--repeats`` runs each;
- throughput: sentences a second on 50,000 real sentences (25,000 English and 25,000 Chinese of
  train/en-zh), each in a process of its own as an application runs it (torch's idle OpenMP
  threads would otherwise slow the tokenizer's), median of ``--repeats`` runs after a warm-up;
- agreement: the largest difference between the two sets of vectors.

    python benchmarks/static_embedder.py --model models/static-en-zh

Target (issue: one embedding layer): start-up under 1 s; throughput at least 1.5× sentence-transformers'.
"""

from __future__ import annotations

import sys
from pathlib import Path

if not __package__:  # run as a file: make the `benchmarks` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import statistics
import subprocess
import tempfile
import time

import numpy as np

from benchmarks.common import Report, read_lines, script_arguments, write_lines

STARTUP = {
    "align (NumPy, tokenizers)": (
        "from align.embedding import load_embedder\nload_embedder({model!r})(['I love NLP'])"
    ),
    "sentence-transformers": (
        "from sentence_transformers import SentenceTransformer\n"
        "SentenceTransformer({model!r}).encode(['I love NLP'], normalize_embeddings=True)"
    ),
}


def startup_seconds(code: str, repeats: int) -> float:
    """Median wall time of a fresh interpreter running ``code``."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


THROUGHPUT = """
import statistics, sys, time
import numpy as np
texts = open(sys.argv[1], encoding="utf-8").read().split("\\n")[:-1]
{setup}
embed(texts[:2000])
times = []
for _ in range(int(sys.argv[2])):
    started = time.perf_counter()
    vectors = embed(texts)
    times.append(time.perf_counter() - started)
np.save(sys.argv[3], vectors)
print(len(texts) / statistics.median(times))
"""
SETUP = {
    "align (NumPy, tokenizers)": (
        "from align.embedding import StaticEmbedder\nembed = StaticEmbedder.load({model!r})"
    ),
    "sentence-transformers": (
        "from align.encode import encode_texts, load_encoder\nmodel = load_encoder({model!r})\n"
        "embed = lambda batch: encode_texts(model, batch)"
    ),
}


def rate(setup: str, texts_file: Path, repeats: int, vectors_file: Path) -> float:
    """Median sentences a second of an embedder made by ``setup``, in a fresh interpreter."""
    code = THROUGHPUT.format(setup=setup)
    command = [sys.executable, "-c", code, str(texts_file), str(repeats), str(vectors_file)]
    return float(subprocess.run(command, check=True, capture_output=True, text=True).stdout.split()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = script_arguments(__doc__, report="static_embedder")
    parser.add_argument("--model", required=True, help="a static model saved by align train")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    corpus = args.data / "train" / "en-zh" / "mixed.en-zh"
    texts = read_lines(Path(f"{corpus}.en"))[:25_000] + read_lines(Path(f"{corpus}.zh"))[:25_000]
    report = Report("static_embedder", corpus, args.output)

    startup = {
        label: startup_seconds(code.format(model=args.model), args.repeats) for label, code in STARTUP.items()
    }
    for label, seconds in startup.items():
        print(f"start-up, import to first vector, {label}: {seconds:.2f} s", flush=True)

    with tempfile.TemporaryDirectory(prefix="align-static-bench-") as tmp:
        work = Path(tmp)
        write_lines(work / "texts.txt", texts)
        rates, vectors = {}, []
        for number, (label, setup) in enumerate(SETUP.items()):
            path = work / f"vectors-{number}.npy"
            rates[label] = rate(setup.format(model=args.model), work / "texts.txt", args.repeats, path)
            vectors.append(np.load(path))
    ours_rate, theirs_rate = rates.values()
    difference = float(np.abs(vectors[0] - vectors[1]).max())
    print(f"throughput on {len(texts):,} sentences: align {ours_rate:,.0f}/s, sentence-transformers "
          f"{theirs_rate:,.0f}/s, ratio {ours_rate / theirs_rate:.2f}", flush=True)  # fmt: skip
    print(f"largest difference between the two sets of vectors: {difference:.2e}")
    labels = list(startup)
    report.write(
        {"model": args.model, "sentences": len(texts), "repeats": args.repeats},
        startup_seconds={label: round(seconds, 3) for label, seconds in startup.items()},
        startup_ratio=round(startup[labels[1]] / startup[labels[0]], 2),
        sentences_per_second={labels[0]: round(ours_rate), labels[1]: round(theirs_rate)},
        throughput_ratio=round(ours_rate / theirs_rate, 2),
        largest_difference=difference,
    )


if __name__ == "__main__":
    main()
