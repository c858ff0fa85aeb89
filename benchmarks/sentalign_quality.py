"""Benchmark: `align sentalign` on the Text+Berg de-fr dev document, strict and lax F1.

    python benchmarks/sentalign_quality.py --model /work/models/me5-small --model /work/models/en-zh

`dev/text+berg` (468 German and 554 French sentences, gold `dev.defr` in Vecalign's format; GPL-2,
read in place, never copied): for each `--model`, `align_sentences` with its defaults
(`SentalignConfig()`), scored with the Bleualign/Vecalign protocol (`align.sentalign.evaluation`:
strict = exactly the gold link, lax = sharing a sentence on both sides; unaligned sentences count
on neither side). Beside them, in the same run, the Gale–Church length-based baseline
(`pip install galechurch`, its defaults) and, with `--bertalign-python PYTHON`, Bertalign with the
first `--model` (PyPI `bertalign` 2.0.1, a packaged fork of bfsujason/bertalign; it needs Python
>= 3.12, so it runs in its own environment through benchmarks/external/bertalign_links.py:

    ~/.pyenv/versions/3.12.1/bin/python -m venv /work/bertalign-venv
    /work/bertalign-venv/bin/pip install torch==2.13.0 bertalign==2.0.1

). Published test-set figures (Vecalign 90.2 strict F1 with LASER, Bertalign 93.6 with LaBSE) are
theirs, on the test documents, which are not here.

Speed (`--speed-model MODEL`, default the first `--model`): a synthetic pair of 10,000-sentence
documents from `train/en-zh` (English lines in order; on the Chinese side every 20th line joined to
the next and every 50th left out), aligned by `align sentalign` in a child process: wall time,
sentences per second and the child's peak memory (`wait4`), and strict F1 against the known links
(these pairs may be the model's own training pairs: the F1 is a sanity check, not quality).

Writes benchmarks/results/sentalign_quality.json.
"""

from __future__ import annotations

import sys
from pathlib import Path

if not __package__:  # run as a file: make the `benchmarks` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import ast
import subprocess
import tempfile
import time

from align.encode import load_encoder
from align.sentalign.aligner import align_sentences
from align.sentalign.config import SentalignConfig
from align.sentalign.evaluation import AlignmentScores, score_alignment
from align.sentalign.links import Link, read_links
from benchmarks.common import Report, read_lines, run_align_measured, script_arguments

TARGET_STRICT_F1 = 90.2  # Vecalign with LASER on the Text+Berg test set


BERTALIGN_SCRIPT = Path(__file__).resolve().parent / "external" / "bertalign_links.py"


def bertalign(python: str, model: str, source: Path, target: Path) -> list[Link]:
    """Bertalign's alignment of two sentence files with ``model``, run by ``python`` (its own venv)."""
    command = [python, str(BERTALIGN_SCRIPT), model, str(source), str(target)]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise SystemExit(f"bertalign failed:\n{completed.stderr[-2000:]}")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bertalign.align"
        path.write_text(completed.stdout, encoding="utf-8")
        return read_links(path)


def gale_church(sources: list[str], targets: list[str]) -> list[Link] | None:
    """The galechurch package's alignment as links, or None when it is not installed."""
    try:
        import galechurch
    except ImportError:
        return None
    links = []
    for line in galechurch.align(sources, targets).to_pharaoh_lines():
        source, target = line.split(":")[:2]
        links.append(Link(tuple(ast.literal_eval(source)), tuple(ast.literal_eval(target))))
    return links


SPEED_SENTENCES = 10_000


def synthetic_pair(data: Path, folder: Path, count: int = SPEED_SENTENCES) -> tuple[Path, Path, list[Link]]:
    """Two documents of ``count`` English lines and their Chinese, every 20th Chinese line joined to
    the next and every 50th left out, and the links that say so."""
    english = read_lines(data / "train/en-zh/mixed.en-zh.en")[:count]
    chinese = read_lines(data / "train/en-zh/mixed.en-zh.zh")[:count]
    target: list[str] = []
    links: list[Link] = []
    i = 0
    while i < count:
        if i % 50 == 49:
            links.append(Link((i,), ()))
            i += 1
        elif i % 20 == 19 and i + 1 < count:
            links.append(Link((i, i + 1), (len(target),)))
            target.append(chinese[i] + chinese[i + 1])
            i += 2
        else:
            links.append(Link((i,), (len(target),)))
            target.append(chinese[i])
            i += 1
    source_path, target_path = folder / "long.en", folder / "long.zh"
    source_path.write_text("".join(f"{line}\n" for line in english), encoding="utf-8")
    target_path.write_text("".join(f"{line}\n" for line in target), encoding="utf-8")
    return source_path, target_path, links


def speed(model: str, data: Path) -> dict[str, float]:
    """``align sentalign`` on the synthetic 10k pair in a child process: time, memory, strict F1."""
    with tempfile.TemporaryDirectory(prefix="sentalign-speed-") as tmp:
        source, target, gold = synthetic_pair(data, Path(tmp))
        output = Path(tmp) / "long.align"
        run = run_align_measured(
            "sentalign", "--model", model, "--src", source, "--tgt", target, "-o", output
        )
        scores = score_alignment(gold, read_links(output))
    sentences = SPEED_SENTENCES + sum(1 for link in gold if link.target)
    return {
        "sentences": sentences,
        "seconds": round(run.seconds, 1),
        "sentences_per_second": round(sentences / run.seconds, 1),
        "peak_rss_gb": round(run.peak_rss_gb, 2),
        "strict_f1": round(scores.strict_f1, 2),
    }


def row(name: str, scores: AlignmentScores, seconds: float) -> str:
    s = scores
    return (
        f"| {name} | {s.strict_precision:.1f} | {s.strict_recall:.1f} | **{s.strict_f1:.1f}** | "
        f"{s.lax_precision:.1f} | {s.lax_recall:.1f} | {s.lax_f1:.1f} | {seconds:.1f} s |"
    )


def main(argv: list[str] | None = None) -> None:
    parser = script_arguments(__doc__, report="sentalign_quality")
    parser.add_argument("--model", action="append", required=True, help="Encoder(s) to align with.")
    parser.add_argument("--speed-model", help="Encoder for the 10k-sentence speed run (default: the first).")
    parser.add_argument("--no-speed", action="store_true", help="Skip the speed run.")
    parser.add_argument("--bertalign-python", help="Python of an environment with bertalign installed.")
    args = parser.parse_args(argv)
    report = Report("sentalign_quality", args.data, args.output)
    folder = args.data / "dev/text+berg"
    sources, targets = read_lines(folder / "dev.de"), read_lines(folder / "dev.fr")
    gold = read_links(folder / "dev.defr")
    config = SentalignConfig()
    table = [
        "| aligner | strict P | strict R | strict F1 | lax P | lax R | lax F1 | time |",
        "|---|---|---|---|---|---|---|---|",
    ]
    results = {}
    for model in args.model:
        started = time.perf_counter()
        links = align_sentences(load_encoder(model), sources, targets, config)
        seconds = time.perf_counter() - started
        scores = score_alignment(gold, links)
        results[Path(model).name] = {"model": model, **scores.to_json(), "seconds": round(seconds, 1)}
        table.append(row(f"align sentalign, {Path(model).name}", scores, seconds))
        print(table[-1], flush=True)
    started = time.perf_counter()
    baseline = gale_church(sources, targets)
    if baseline is not None:
        seconds = time.perf_counter() - started
        scores = score_alignment(gold, baseline)
        results["gale-church"] = {**scores.to_json(), "seconds": round(seconds, 2)}
        table.append(row("Gale–Church (galechurch)", scores, seconds))
    if args.bertalign_python:
        started = time.perf_counter()
        links = bertalign(args.bertalign_python, args.model[0], folder / "dev.de", folder / "dev.fr")
        seconds = time.perf_counter() - started
        scores = score_alignment(gold, links)
        results["bertalign"] = {"model": args.model[0], **scores.to_json(), "seconds": round(seconds, 1)}
        table.append(row(f"Bertalign 2.0.1, {Path(args.model[0]).name}", scores, seconds))
    print("\n".join(table))
    timing = None if args.no_speed else speed(args.speed_model or args.model[0], args.data)
    if timing:
        print(f"speed ({args.speed_model or args.model[0]}): {timing}")
    report.write(
        {"config": config.__dict__, "models": args.model, "target_strict_f1": TARGET_STRICT_F1},
        results=results,
        speed=timing,
        table="\n".join(table),
    )


if __name__ == "__main__":
    main()
