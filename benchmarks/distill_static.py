"""Benchmark: distilling a fine-tuned multilingual-e5-small into a static student with `align distill`.

In one process: the teacher is scored, then `align distill` runs with its defaults. With
``--ablation`` it runs twice more: with the teacher's own (trimmed) tokenizer instead of align's
corpus tokenizer, and with the student's vectors starting random instead of at the teacher's
embeddings of its pieces, at the from-scratch static learning rate (what the model2vec-style start
is worth). Every model is scored
by benchmarks/encoder_figures.py (Tatoeba cmn/deu, FLORES dev zho/deu, mining F1 on the BUCC-style
dev pool), and encoding speed is measured for the teacher and the students on the same sentences,
in the same run.

    python benchmarks/finetune_e5.py --model /tmp/models/me5-small --keep /tmp/models/e5-en-zh
    python benchmarks/distill_static.py --teacher /tmp/models/e5-en-zh

Writes benchmarks/results/distill_static.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from encoder_figures import encode_rate, evaluate, markdown_table, rate_sample
from sentence_transformers import SentenceTransformer

from align.bench.report import report_header, write_json


def distill_with_align(teacher: str, data: Path, output: Path, *extra: str) -> float:
    """`align distill` as a user types it; returns its wall time in seconds."""
    command = [
        sys.executable, "-m", "align.cli", "distill",
        "--teacher", teacher,
        "--pairs", "en-zh",
        "--data", str(data / "train/en-zh"),
        "--output", str(output),
        *extra,
    ]  # fmt: skip
    started = time.perf_counter()
    subprocess.run(command, check=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--teacher", required=True, help="e.g. the model kept by benchmarks/finetune_e5.py")
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument(
        "--output", type=Path, default=Path(__file__).parent / "results" / "distill_static.json"
    )
    parser.add_argument("--keep", type=Path, help="keep the default student here")
    parser.add_argument(
        "--ablation",
        action="store_true",
        help="also distil with the teacher's tokenizer, and from a random start",
    )
    parser.add_argument(
        "--teacher-mining",
        action="store_true",
        help="also mine with the teacher (~4 min; benchmarks/finetune_e5.py reports it already)",
    )
    args = parser.parse_args()
    started = time.perf_counter()
    teacher_sample = rate_sample(args.data, 2_000)
    student_sample = rate_sample(args.data, 50_000)
    rows: dict[str, dict] = {}
    teacher = SentenceTransformer(args.teacher, device="cpu")
    rows["teacher (fine-tuned e5-small)"] = evaluate(
        teacher, args.data, teacher_sample, with_mining=args.teacher_mining
    )
    del teacher
    with tempfile.TemporaryDirectory() as work:
        variants = {"static student (align distill defaults)": ()}
        if args.ablation:
            variants["static student, teacher's tokenizer"] = ("--student-tokenizer", "teacher")
            # a random start gets the from-scratch static learning rate, which suits it better
            variants["static student, random start (lr 0.2)"] = ("--no-init-from-teacher", "--lr", "0.2")
        for name, extra in variants.items():
            path = Path(work) / name.split(" (")[0].replace(" ", "-").replace(",", "").replace("'", "")
            seconds = distill_with_align(args.teacher, args.data, path, *extra)
            student = SentenceTransformer(str(path), device="cpu")
            figures = evaluate(student, args.data, student_sample)
            record = json.loads((path / "align_training.json").read_text(encoding="utf-8"))
            rows[name] = {
                **figures,
                "train_seconds": round(seconds),
                "vocabulary": student[0].tokenizer.get_vocab_size(),
                "dev_scores": record["dev_scores"],
                # on the teacher's 2,000 sentences too, to compare like with like
                "sentences_per_second_teacher_sample": encode_rate(student, teacher_sample),
            }
            if args.keep and not extra:
                shutil.rmtree(args.keep, ignore_errors=True)
                shutil.copytree(path, args.keep)
    teacher_rate = rows["teacher (fine-tuned e5-small)"]["sentences_per_second"]
    student_rate = rows["static student (align distill defaults)"]["sentences_per_second"]
    speed = {"teacher": teacher_rate, "student": student_rate, "ratio": round(student_rate / teacher_rate, 1)}
    table = markdown_table(rows)
    print(table)
    print(f"encoding: student {student_rate:,.0f} sentences/s, teacher {teacher_rate:,.0f}/s")
    settings = {"teacher": args.teacher, "ablation": args.ablation, "teacher_mining": args.teacher_mining}
    report = report_header(
        "distill_static", data=str(args.data), settings=settings, seconds=time.perf_counter() - started
    )
    report.update(models=rows, speed=speed, table=table)
    write_json(report, args.output)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
