"""Benchmark: does `align filter` keep clean pairs and remove labelled noise, with its defaults?

    python benchmarks/filter_quality.py --model /work/models/en-zh --model /work/models/me5-small \
        [--opusfilter /path/to/venv/bin]

The noisy bitext (en-zh, built here from `../shared/data`, shuffled with a fixed seed):

- **clean**: `dev/en-zh` captions and microblog pairs, and the first 600 FLORES-200 dev eng-zho_Hans;
- **misaligned**: TICO-19 English line i with Chinese line i+1 (an alignment off by one, as in
  crawled documents; each sentence's true partner sits in the next pair);
- **Japanese target** / **Korean target**: Tatoeba Challenge English with its *true* Japanese or
  Korean translation on the Chinese side (a multilingual encoder scores them high);
- **German source**: FLORES dev German with its true Chinese translation (lines 600-799);
- **copy**: the English source again on the Chinese side, half verbatim, half with case and
  punctuation changed;
- **English target**: an unrelated English sentence on the Chinese side.

`align filter` runs with its defaults (`BitextFilter` with `FilterConfig()` and `MiningConfig()`)
for each `--model`. Beside it in the same run:

- **margin only**: the encoder stage alone at its default threshold (no language ID or copy stage);
- **cosine, oracle**: plain cosine thresholding at the cosine that keeps 90 % of the clean pairs
  (read off the labels: the best case for cosine, which has no model-independent threshold);
- **OpusFilter** (with `--opusfilter DIR`, the `bin` folder of a venv with
  `pip install opusfilter fasttext-predict`), run with `opusfilter CONFIG`:
  - *comparable*: a configuration written here (:data:`COMPARABLE`) with OpusFilter's filters for
    what align's rule, copy and language stages do, Chinese lengths in characters, and the same
    fastText lid.176 model;
  - the configurations `opusfilter-autogen --langs en zh --scripts Latin Han --method M` writes
    for this corpus: `clustering` (its default: thresholds from clustering the scores of its
    alphabet-ratio, length-ratio, numerals, character-script, lingua language-ID and punctuation
    filters) and `defaults` (fixed thresholds, more filters).
  OpusFilter's sentence-embedding filter needs LASER models from the network, so no encoder stage.

Target with defaults: >= 90 % of clean pairs kept, >= 95 % of the noise removed, every noise type
>= 90 % removed. Writes benchmarks/results/filter_quality.json.
"""

from __future__ import annotations

import sys
from pathlib import Path

if not __package__:  # run as a file: make the `benchmarks` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import gzip
import random
import subprocess
import tempfile
import time
from collections import Counter, defaultdict

import numpy as np

from align.data.readers import CorpusSource
from align.encode import load_encoder
from align.filtering import BitextFilter, FilterConfig, score_pairs
from align.lid.config import LidConfig
from align.lid.identifiers import bundled_lid176
from align.mining.config import MiningConfig
from benchmarks.common import Report, read_lines, script_arguments, write_lines

SEED = 0
CLEAN = "clean"
NOISE_TYPES = ("misaligned", "Japanese target", "Korean target", "German source", "copy", "English target")
TARGETS = {"clean kept": 90.0, "noise removed": 95.0, "each type removed": 90.0}


def _gz_lines(path: Path) -> list[str]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return handle.read().splitlines()


def noisy_bitext(data: Path) -> list[tuple[str, str, str]]:
    """(source, target, label) rows of the benchmark corpus, shuffled."""
    rows: list[tuple[str, str, str]] = []
    for name in ("captions", "microblog"):
        english = read_lines(data / f"dev/en-zh/{name}.en-zh.en")
        chinese = read_lines(data / f"dev/en-zh/{name}.en-zh.zh")
        rows += [(en, zh, CLEAN) for en, zh in zip(english, chinese, strict=True)]
    flores = data / "eval/flores200-dev"
    flores_en, flores_zh, flores_de = (
        read_lines(flores / f"dev.{code}") for code in ("eng_Latn", "zho_Hans", "deu_Latn")
    )
    rows += [(en, zh, CLEAN) for en, zh in zip(flores_en[:600], flores_zh[:600], strict=True)]
    rows += [(de, zh, "German source") for de, zh in zip(flores_de[600:800], flores_zh[600:800], strict=True)]
    tico_en = read_lines(data / "eval/tico19-en-zh/tico19.en-zh.en")
    tico_zh = read_lines(data / "eval/tico19-en-zh/tico19.en-zh.zh")
    rows += [(tico_en[i], tico_zh[i + 1], "misaligned") for i in range(300)]
    challenge = data / "train/tatoeba-challenge"
    for code, label in (("jpn", "Japanese target"), ("kor", "Korean target")):
        english = _gz_lines(challenge / f"tatoeba-challenge.eng-{code}.eng.gz")
        other = _gz_lines(challenge / f"tatoeba-challenge.eng-{code}.{code}.gz")
        rows += [(en, xx, label) for en, xx in list(zip(english, other, strict=True))[:150]]
    for i in range(1000, 1150):
        copy = tico_en[i] if i % 2 else tico_en[i].lower().rstrip(".!?") + " !"
        rows.append((tico_en[i], copy, "copy"))
    rows += [(tico_en[i], tico_en[i + 150], "English target") for i in range(1200, 1350)]
    random.Random(SEED).shuffle(rows)
    return rows


def shares(kept: np.ndarray, labels: list[str]) -> dict[str, float]:
    """Per label, the share kept (clean) or removed (noise), in %, and the overall noise removed."""
    labels_array = np.asarray(labels)
    out = {}
    for label in (CLEAN, *NOISE_TYPES):
        rows = labels_array == label
        share = 100 * kept[rows].mean()
        out[label] = round(float(share if label == CLEAN else 100 - share), 1)
    noise = labels_array != CLEAN
    out["noise"] = round(float(100 * (1 - kept[noise].mean())), 1)
    return out


def meets_targets(result: dict[str, float]) -> bool:
    return (
        result[CLEAN] >= TARGETS["clean kept"]
        and result["noise"] >= TARGETS["noise removed"]
        and all(result[label] >= TARGETS["each type removed"] for label in NOISE_TYPES)
    )


def run_filter(source: CorpusSource, work: Path, model: str, config: FilterConfig, name: str):
    """``align filter`` through its API: (kept mask by input line, removing stage counts, report, seconds)."""
    output, rejected = work / f"{name}.kept.tsv", work / f"{name}.rejected.tsv"
    started = time.perf_counter()
    report = BitextFilter(
        source,
        str(output),
        config,
        MiningConfig(),
        model=model,
        rejected=str(rejected),
        line_numbers=True,
        force=True,
    ).run()
    seconds = time.perf_counter() - started
    kept_lines = {int(line.split("\t")[-1]) for line in read_lines(output)}
    stage_of = {}
    for line in read_lines(rejected):
        fields = line.split("\t")
        stage_of[int(fields[-1])] = fields[0].split(":")[0]
    return kept_lines, stage_of, report, seconds


# OpusFilter's filters for what align filter's rule, copy and language stages do, written for en-zh
# (per-language units: Chinese is counted in characters) with the same fastText model align uses.
COMPARABLE = """\
common:
  output_directory: {folder}
steps:
- type: filter
  parameters:
    inputs: [noisy.en.gz, noisy.zh.gz]
    outputs: [filtered.en.gz, filtered.zh.gz]
    filters:
    - LengthFilter: {{unit: [word, char], min_length: 1, max_length: [200, 400]}}
    - LengthRatioFilter: {{unit: [word, char], threshold: 4}}
    - SimilarityFilter: {{threshold: 0.9, unit: char, lowercase: true}}
    - CharacterScoreFilter: {{scripts: [Latin, Han], thresholds: [0.9, 0.5]}}
    - FastTextFilter: {{languages: [en, zh], model_path: {lid_model}, thresholds: [0, 0]}}
"""


def opusfilter_kept(
    bin_dir: Path, work: Path, sources: list[str], targets: list[str], method: str
) -> tuple[set[int], str]:
    """Lines OpusFilter keeps: with the configuration ``opusfilter-autogen --method METHOD`` writes,
    or (``method="comparable"``) with :data:`COMPARABLE`."""
    folder = work / f"opusfilter-{method}"
    folder.mkdir()
    for suffix, lines in (("en", sources), ("zh", targets)):
        with gzip.open(folder / f"noisy.{suffix}.gz", "wt", encoding="utf-8") as handle:
            handle.write("".join(f"{line}\n" for line in lines))
    config = folder / "config.yaml"
    if method == "comparable":
        config.write_text(COMPARABLE.format(folder=folder, lid_model=bundled_lid176()), encoding="utf-8")
    else:
        files = [str(folder / "noisy.en.gz"), str(folder / "noisy.zh.gz")]
        autogen = [str(bin_dir / "opusfilter-autogen"), "--files", *files, "--langs", "en", "zh"]
        autogen += [
            "--scripts",
            "Latin",
            "Han",
            "--method",
            method,
            "--work-dir",
            str(folder),
            "-o",
            str(config),
        ]
        subprocess.run(autogen, check=True, capture_output=True)
    subprocess.run([str(bin_dir / "opusfilter"), str(config)], check=True, capture_output=True, cwd=folder)
    kept_en, kept_zh = (_gz_lines(folder / f"filtered.{suffix}.gz") for suffix in ("en", "zh"))
    line_of = defaultdict(list)
    for line, pair in enumerate(zip(sources, targets, strict=True), start=1):
        line_of[pair].append(line)
    kept = set()
    for pair in zip(kept_en, kept_zh, strict=True):
        kept.update(line_of.get(pair, []))
    return kept, config.read_text(encoding="utf-8")


def markdown(rows: list[tuple[str, dict[str, float]]]) -> str:
    header = ["method", "clean kept", "noise removed", *NOISE_TYPES]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for name, result in rows:
        cells = [result[CLEAN], result["noise"], *(result[label] for label in NOISE_TYPES)]
        lines.append(f"| {name} | " + " | ".join(f"{cell:.1f}" for cell in cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = script_arguments(__doc__, report="filter_quality")
    parser.add_argument("--model", action="append", required=True, help="Encoder(s) to filter with.")
    parser.add_argument("--opusfilter", type=Path, help="bin/ of a venv with opusfilter installed.")
    args = parser.parse_args(argv)
    report = Report("filter_quality", args.data, args.output)
    rows = noisy_bitext(args.data)
    sources, targets, labels = (list(column) for column in zip(*rows, strict=True))
    print(f"noisy bitext: {len(rows):,} pairs, {dict(Counter(labels))}")
    results: dict[str, dict] = {}
    table: list[tuple[str, dict[str, float]]] = []
    with tempfile.TemporaryDirectory(prefix="filter-quality-") as tmp:
        work = Path(tmp)
        write_lines(work / "noisy.en-zh.en", sources)
        write_lines(work / "noisy.en-zh.zh", targets)
        source = CorpusSource(str(work / "noisy.en-zh.en"), "en", "zh", "moses", str(work / "noisy.en-zh.zh"))
        for model in args.model:
            name = Path(model).name
            kept_lines, stage_of, filter_report, seconds = run_filter(
                source, work, model, FilterConfig(), name
            )
            kept = np.array([line in kept_lines for line in range(1, len(rows) + 1)])
            default = shares(kept, labels)
            print("\n".join(filter_report.summary_lines()))
            removed_by = {
                label: dict(
                    Counter(
                        stage_of[line]
                        for line in range(1, len(rows) + 1)
                        if labels[line - 1] == label and line in stage_of
                    )
                )
                for label in (CLEAN, *NOISE_TYPES)
            }
            margin_only = FilterConfig(languages=LidConfig(lid="none"), max_copied=2.0)
            kept_margin, _, _, _ = run_filter(source, work, model, margin_only, f"{name}-margin")
            margin = shares(np.array([line in kept_margin for line in range(1, len(rows) + 1)]), labels)
            cosines = score_pairs(load_encoder(model), sources, targets).cosines
            clean_cosines = cosines[np.asarray(labels) == CLEAN]
            cut = float(np.quantile(clean_cosines, 0.10))
            cosine = shares(cosines >= cut, labels)
            results[name] = {
                "model": model,
                "default": default,
                "meets_targets": meets_targets(default),
                "threshold": filter_report.threshold,
                "seconds": round(seconds, 1),
                "pairs_per_second": round(len(rows) / seconds, 1),
                "removed_by_stage": removed_by,
                "margin_only": margin,
                "cosine_oracle": {**cosine, "threshold": round(cut, 4)},
            }
            table += [
                (f"align filter, {name} (defaults)", default),
                (f"margin only, {name} (threshold {filter_report.threshold:g})", margin),
                (f"cosine >= {cut:.3f}, {name} (oracle: keeps 90 % clean)", cosine),
            ]
        for method in ("comparable", "clustering", "defaults") if args.opusfilter else ():
            started = time.perf_counter()
            kept_lines, config = opusfilter_kept(args.opusfilter, work, sources, targets, method)
            seconds = time.perf_counter() - started
            opus = shares(np.array([line in kept_lines for line in range(1, len(rows) + 1)]), labels)
            results[f"opusfilter-{method}"] = {
                "default": opus,
                "config": config,
                "seconds": round(seconds, 1),
            }
            name = (
                "rules, similarity, script, fastText LID"
                if method == "comparable"
                else f"autogen --method {method}"
            )
            table.append((f"OpusFilter ({name})", opus))
    print(markdown(table))
    report.write(
        {"models": args.model, "seed": SEED, "targets": TARGETS},
        corpus=dict(Counter(labels)),
        results=results,
        table=markdown(table),
    )


if __name__ == "__main__":
    main()
