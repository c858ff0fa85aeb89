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

import sys
from pathlib import Path

if not __package__:  # run as a file: make the `benchmarks` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import shutil
import tempfile
import time
from typing import Any

from sentence_transformers import SentenceTransformer

from align.training import DistillConfig, distill
from benchmarks.common import Report, script_arguments
from benchmarks.encoder_figures import encode_rate, evaluate, markdown_table, rate_sample

DEFAULT = "static student (align distill defaults)"
ABLATION: dict[str, dict[str, Any]] = {  # --ablation: each student's changes to the DistillConfig defaults
    "static student, teacher's tokenizer": {"student_tokenizer": "teacher"},
    # a random start gets the from-scratch static learning rate, which suits it better
    "static student, random start (lr 0.2)": {"initialise_from_teacher": False, "learning_rate": 0.2},
}


def distill_with_align(teacher: str, data: Path, output: Path, **overrides: Any) -> tuple[float, dict]:
    """`align distill --teacher TEACHER --pairs en-zh --data DATA/train/en-zh` with ``overrides``;
    returns its wall time in seconds and its dev scores."""
    started = time.perf_counter()
    result = distill(
        DistillConfig(
            teacher=teacher, pairs="en-zh", data=str(data / "train/en-zh"), output=str(output), **overrides
        )
    )
    return time.perf_counter() - started, result.dev_scores


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = script_arguments(__doc__, report="distill_static")
    parser.add_argument("--teacher", required=True, help="e.g. the model kept by benchmarks/finetune_e5.py")
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
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    report = Report("distill_static", args.data, args.output)
    teacher_sample = rate_sample(args.data, 2_000)
    student_sample = rate_sample(args.data, 50_000)
    rows: dict[str, dict] = {}
    teacher = SentenceTransformer(args.teacher, device="cpu")
    rows["teacher (fine-tuned e5-small)"] = evaluate(
        teacher, args.data, teacher_sample, with_mining=args.teacher_mining
    )
    del teacher
    with tempfile.TemporaryDirectory() as work:
        variants: dict[str, dict[str, Any]] = {DEFAULT: {}, **(ABLATION if args.ablation else {})}
        for name, overrides in variants.items():
            path = Path(work) / name.split(" (")[0].replace(" ", "-").replace(",", "").replace("'", "")
            seconds, dev_scores = distill_with_align(args.teacher, args.data, path, **overrides)
            student = SentenceTransformer(str(path), device="cpu")
            figures = evaluate(student, args.data, student_sample)
            rows[name] = {
                **figures,
                "train_seconds": round(seconds),
                "vocabulary": student[0].tokenizer.get_vocab_size(),
                "dev_scores": dev_scores,
                # on the teacher's 2,000 sentences too, to compare like with like
                "sentences_per_second_teacher_sample": encode_rate(student, teacher_sample),
            }
            if args.keep and not overrides:
                shutil.rmtree(args.keep, ignore_errors=True)
                shutil.copytree(path, args.keep)
    teacher_rate = rows["teacher (fine-tuned e5-small)"]["sentences_per_second"]
    student_rate = rows[DEFAULT]["sentences_per_second"]
    speed = {"teacher": teacher_rate, "student": student_rate, "ratio": round(student_rate / teacher_rate, 1)}
    table = markdown_table(rows)
    print(table)
    print(f"encoding: student {student_rate:,.0f} sentences/s, teacher {teacher_rate:,.0f}/s")
    settings = {"teacher": args.teacher, "ablation": args.ablation, "teacher_mining": args.teacher_mining}
    report.write(settings, models=rows, speed=speed, table=table)


if __name__ == "__main__":
    main()
