"""Benchmark: multilingual sentence splitters for ``align sentalign --split``, on text whose true
sentence boundaries are known.

    python benchmarks/sentence_split.py [--splitter sentencex --splitter pysbd ...] [--lines 5]

Data, read in place: FLORES-200 dev (`eval/flores200-dev`: eng_Latn, zho_Hans, deu_Latn, rus_Cyrl,
ces_Latn; 997 lines each, consecutive lines mostly from one article) and Text+Berg dev
(`dev/text+berg`: dev.de, dev.fr; Swiss Alpine Club yearbooks, one sentence a line). Every run of
``--lines`` consecutive non-blank lines is joined into a paragraph (with a space; with nothing for
Chinese), each splitter cuts the paragraph, and its cuts are scored against the line ends:

- **boundary precision / recall / F1** over the boundaries inside paragraphs (a paragraph's own end
  is not counted). Positions are counted in non-space characters, so a splitter that trims or
  collapses spaces is not penalised.
- **exact**: the share of paragraphs cut exactly at their line ends and nowhere else.
- **inside**: cuts inside a line, per 100 lines. They lower precision, but many are right: a
  FLORES line is a translation unit, not always one sentence (111 of the 997 English lines have a
  stop followed by a capital inside; the Chinese often two sentences where the English has one),
  so its precision cannot reach 100 and ~10 inside cuts per 100 lines are expected. Text+Berg is
  OCR'd, tokenised yearbook text: initials ("J. Bouvier"), numbered items and headings without a
  final stop, which no splitter can find, cut the way its aligners did.
- **sentences/s**: true sentences over the time spent in the splitter, one thread.

Splitters (each skipped with a message when its package is not installed):

- ``sentencex`` (Wikimedia, MIT, ~300 languages through fallback chains; ``pip install sentencex``);
- ``pysbd`` (MIT, 22 languages; a language it lacks, Czech here, is read with its English rules);
- ``sentence-splitter`` (the Moses splitter, LGPL-3.0, 24 European languages; a language it lacks,
  Chinese here, with its English rules, which do not cut at 。！？);
- ``align`` (`align.splitting.split_sentences`: sentencex as align wraps it, to check the wrapper).

``wtpsplit`` (SaT / WtP) is left out: it loads model weights from the Hugging Face hub at run time.

Writes benchmarks/results/sentence_split.json.
"""

from __future__ import annotations

import sys
from pathlib import Path

if not __package__:  # run as a file: make the `benchmarks` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import importlib
import importlib.metadata
import time
from collections.abc import Callable
from typing import Any, NamedTuple

from align.languages import language
from benchmarks.common import Report, read_sentences, script_arguments

FLORES = ("eng_Latn", "deu_Latn", "ces_Latn", "rus_Cyrl", "zho_Hans")
TEXT_BERG = ("de", "fr")
UNSPACED = ("zh", "ja")  # languages whose sentences are joined without a space


class Splitter(NamedTuple):
    """A candidate: its package, and ``make(iso)`` → (a function cutting a text, the rules it reads)."""

    package: str
    make: Callable[[str], tuple[Callable[[str], list[str]], str]]


def _sentencex(iso: str) -> tuple[Callable[[str], list[str]], str]:
    import sentencex

    return (lambda text: list(sentencex.segment(iso, text))), iso


def _pysbd(iso: str) -> tuple[Callable[[str], list[str]], str]:
    import pysbd
    from pysbd.languages import LANGUAGE_CODES

    rules = iso if iso in LANGUAGE_CODES else "en"
    segmenter = pysbd.Segmenter(language=rules, clean=False)
    return segmenter.segment, rules


def _sentence_splitter(iso: str) -> tuple[Callable[[str], list[str]], str]:
    from sentence_splitter import SentenceSplitter, SentenceSplitterException

    try:
        return SentenceSplitter(language=iso).split, iso
    except SentenceSplitterException:  # no non-breaking prefixes for this language
        return SentenceSplitter(language="en").split, "en"


def _align(iso: str) -> tuple[Callable[[str], list[str]], str]:
    from align.splitting import split_sentences

    return (lambda text: split_sentences(text, iso)), iso


SPLITTERS = {
    "sentencex": Splitter("sentencex", _sentencex),
    "pysbd": Splitter("pysbd", _pysbd),
    "sentence-splitter": Splitter("sentence-splitter", _sentence_splitter),
    "align": Splitter("sentencex", _align),  # align.splitting runs sentencex
}


class Paragraph(NamedTuple):
    text: str
    ends: frozenset[int]  # true boundaries inside it, as counts of non-space characters before them
    lines: tuple[int, ...]  # each line's end, same count (the last one is the paragraph's end)


def corpora(data: Path) -> dict[str, list[str]]:
    """``{label: sentences}``: FLORES by its code, Text+Berg as ``text+berg.de``."""
    found = {}
    for code in FLORES:
        found[code] = read_sentences(data / "eval/flores200-dev" / f"dev.{code}")
    for code in TEXT_BERG:
        found[f"text+berg.{code}"] = read_sentences(data / "dev/text+berg" / f"dev.{code}")
    return found


def iso_of(label: str) -> str:
    """``eng_Latn`` → ``en``, ``text+berg.fr`` → ``fr``: the code the splitters take."""
    return language(label.rsplit(".", 1)[-1]).language


def _visible(text: str) -> int:
    return sum(not character.isspace() for character in text)


def paragraphs(sentences: list[str], lines: int, joiner: str) -> list[Paragraph]:
    """Runs of ``lines`` consecutive sentences (the last run may be shorter), joined by ``joiner``."""
    made = []
    for start in range(0, len(sentences), lines):
        run = [" ".join(sentence.split()) for sentence in sentences[start : start + lines]]
        ends, position = [], 0
        for sentence in run:
            position += _visible(sentence)
            ends.append(position)
        made.append(Paragraph(joiner.join(run), frozenset(ends[:-1]), tuple(ends)))
    return made


def cuts(pieces: list[str]) -> tuple[frozenset[int], int]:
    """The boundaries between ``pieces`` (non-space characters before each), and the total count."""
    found, position = [], 0
    for piece in pieces:
        position += _visible(piece)
        found.append(position)
    return frozenset(found[:-1]), position


def score(split: Callable[[str], list[str]], made: list[Paragraph]) -> dict[str, Any]:
    true_positive = predicted = actual = exact = inside = altered = 0
    seconds = 0.0
    for paragraph in made:
        started = time.perf_counter()
        pieces = split(paragraph.text)
        seconds += time.perf_counter() - started
        found, total = cuts([piece for piece in pieces if piece.strip()])
        if total != paragraph.lines[-1]:  # the splitter changed the text: positions cannot be trusted
            altered += 1
        true_positive += len(found & paragraph.ends)
        predicted += len(found)
        actual += len(paragraph.ends)
        exact += found == paragraph.ends
        inside += len(found - set(paragraph.lines))
    precision = true_positive / predicted if predicted else 0.0
    recall = true_positive / actual if actual else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    sentences = sum(len(paragraph.lines) for paragraph in made)
    return {
        "precision": round(100 * precision, 1),
        "recall": round(100 * recall, 1),
        "f1": round(100 * f1, 1),
        "exact": round(100 * exact / len(made), 1),
        "inside_per_100_lines": round(100 * inside / sentences, 1),
        "sentences_per_second": round(sentences / seconds) if seconds else None,
        "paragraphs": len(made),
        "sentences": sentences,
        "altered_paragraphs": altered,
    }


def installed(package: str) -> str | None:
    """The package's version, or None when it is not installed."""
    try:
        importlib.import_module(package.replace("-", "_"))
    except ImportError:
        return None
    return importlib.metadata.version(package)


def main(argv: list[str] | None = None) -> None:
    parser = script_arguments(__doc__, report="sentence_split")
    parser.add_argument(
        "--splitter", action="append", choices=list(SPLITTERS), help="a candidate (repeatable; default all)"
    )
    parser.add_argument("--lines", type=int, default=5, help="lines joined into one paragraph (default 5)")
    args = parser.parse_args(argv)
    report = Report("sentence_split", args.data, args.output)
    texts = corpora(args.data)
    rows = []
    print(
        "| splitter | corpus | rules | precision | recall | F1 | exact % | inside /100 lines "
        "| sentences/s |\n|---|---|---|---:|---:|---:|---:|---:|---:|"
    )
    for name in args.splitter or list(SPLITTERS):
        version = installed(SPLITTERS[name].package)
        if version is None:
            print(f"{name}: skipped (pip install {SPLITTERS[name].package})")
            continue
        for label, sentences in texts.items():
            iso = iso_of(label)
            split, rules = SPLITTERS[name].make(iso)
            made = paragraphs(sentences, args.lines, "" if iso in UNSPACED else " ")
            row = {"splitter": name, "version": version, "corpus": label, "rules": rules}
            row |= score(split, made)
            rows.append(row)
            if row["altered_paragraphs"]:
                print(f"  ({name} changed the text of {row['altered_paragraphs']} {label} paragraphs)")
            print(
                f"| {name} | {label} | {rules} | {row['precision']} | {row['recall']} | {row['f1']} "
                f"| {row['exact']} | {row['inside_per_100_lines']} | {row['sentences_per_second']:,} |"
            )
    means = {}
    for name in dict.fromkeys(row["splitter"] for row in rows):
        means[name] = {}
        for group, prefix in (("flores", ""), ("text+berg", "text+berg.")):
            mine = [
                row
                for row in rows
                if row["splitter"] == name and row["corpus"].startswith("text+berg.") == bool(prefix)
            ]
            means[name][group] = {
                key: round(sum(row[key] for row in mine) / len(mine), 1) for key in ("f1", "exact")
            }
        print(
            f"{name}: mean F1 / exact % on FLORES {means[name]['flores']['f1']} / "
            f"{means[name]['flores']['exact']}, on Text+Berg {means[name]['text+berg']['f1']} / "
            f"{means[name]['text+berg']['exact']}"
        )
    report.write({"lines_per_paragraph": args.lines, "splitters": list(means)}, rows=rows, means=means)


if __name__ == "__main__":
    main()
