"""Benchmark: `align docalign` document pairing on a dev task built from FLORES-200 dev.

    python benchmarks/docalign_quality.py --model /work/models/me5-small --model /work/models/en-zh

The task (built here, in memory, from `eval/flores200-dev`, whose 997 sentences come in runs of
consecutive sentences from the same articles): the sentence order is cut into consecutive chunks
of 3 to 8 sentences (seeded), each chunk a document, in English and in each other language
(zho_Hans, deu_Latn, rus_Cyrl, ces_Latn). Translations rarely keep every sentence break, so on the
target side 15 % of the sentences are joined to the one before and 5 % are left out (seeded).
Four conditions, English documents as the source:

- `clean`: 60 % of the chunks on both sides, nothing else (a document's partner is always there);
- `unrelated`: the same, plus the other chunks as unpaired documents, half of them English only
  and half of them in the other language only;
- `overlapping`: `unrelated`, plus on the target side, for each paired document, a distractor made
  of its second half and the first half of the next paired document (as crawls hold overlapping
  pages): these share half their sentences with a true partner;
- `boilerplate`: `overlapping`, with the same two lines (a site's menu and footer: two FLORES
  sentences kept out of every document, each side in its own language) at the start and the end
  of every document.

Scored: **accuracy**, the share of English documents with a partner that are paired with it (each
document in at most one pair, the margin's `max` mode, no threshold), and, where there are
distractors, the best F1 over thresholds (precision: pairs that are right; recall: true pairs
found) with that threshold. For each model, the document embeddings: `mean` and `pert` (several
window counts and peakedness), with and without the rarity weights. Each language's sentences
are embedded once per model and kept, so every setting sees the same sentence embeddings.

Writes benchmarks/results/docalign_quality.json.
"""

from __future__ import annotations

import sys
from pathlib import Path

if not __package__:  # run as a file: make the `benchmarks` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import itertools
import random
import time
from dataclasses import dataclass

import numpy as np

from align.docalign.config import DocalignConfig
from align.docalign.documents import Document
from align.docalign.pairing import pair_documents
from align.encode import Encoder, encode_texts, load_encoder
from align.mining.evaluation import calibrate_threshold
from align.mining.margin import MinedPairs
from benchmarks.common import Report, read_lines, script_arguments

SOURCE = "eng_Latn"
TARGETS = ("zho_Hans", "deu_Latn", "rus_Cyrl", "ces_Latn")
CONDITIONS = ("clean", "unrelated", "overlapping", "boilerplate")
BOILERPLATE = 2  # the sentences every document of the boilerplate condition starts and ends with
SETTINGS = {
    "mean": DocalignConfig(embedding="mean"),
    "mean, no rarity weights": DocalignConfig(embedding="mean", downweight=False),
    "pert, 4 windows, peakedness 20": DocalignConfig(windows=4),
    "pert, 8 windows, peakedness 2": DocalignConfig(peakedness=2.0),
    "pert, 8 windows, peakedness 6": DocalignConfig(peakedness=6.0),
    "pert, 8 windows, peakedness 10": DocalignConfig(peakedness=10.0),
    "pert, 8 windows, peakedness 20 (default)": DocalignConfig(),
    "pert, 8 windows, peakedness 50": DocalignConfig(peakedness=50.0),
    "pert, 16 windows, peakedness 20": DocalignConfig(windows=16),
    "pert, 8 windows, peakedness 20, no rarity weights": DocalignConfig(downweight=False),
}
PAIRED_SHARE = 0.6
JOINED, DROPPED = 0.15, 0.05  # target sentences joined to the one before, and left out


@dataclass(frozen=True)
class PairingTask:
    """Source and target documents and which target each source document translates."""

    sources: list[Document]
    targets: list[Document]
    gold: dict[str, str]  # source id → target id


def chunks(count: int, seed: int = 0, shortest: int = 3, longest: int = 8) -> list[range]:
    rng = random.Random(seed)
    cuts, start = [], 0
    while start < count:
        end = min(start + rng.randint(shortest, longest), count)
        cuts.append(range(start, end))
        start = end
    return cuts


def _framed(document: Document, lines: list[str]) -> Document:
    return Document(document.id, (lines[0], *document.sentences, lines[1]))


def build_task(
    english: list[str], other: list[str], condition: str, seed: int = 0, separator: str = " "
) -> PairingTask:
    """One condition of the dev task (see the module docstring)."""
    pieces = [
        range(row + BOILERPLATE, end + BOILERPLATE)
        for row, end in ((piece.start, piece.stop) for piece in chunks(len(english) - BOILERPLATE, seed))
    ]
    order = list(range(len(pieces)))
    random.Random(seed + 1).shuffle(order)
    paired = sorted(order[: int(PAIRED_SHARE * len(pieces))])
    unpaired = sorted(order[int(PAIRED_SHARE * len(pieces)) :])

    rng = random.Random(seed + 3)

    def document(prefix: str, lines: list[str], rows: range | list[int]) -> Document:
        return Document(f"{prefix}{rows[0]:04d}-{rows[-1]:04d}", tuple(lines[i] for i in rows))

    def translation(rows: range | list[int]) -> Document:
        """The target side, its sentence breaks changed as translators do (see the docstring)."""
        sentences: list[str] = []
        for i in rows:
            draw = rng.random()
            if draw < DROPPED and len(rows) > 1:
                continue
            if draw < DROPPED + JOINED and sentences:
                sentences[-1] += separator + other[i]
            else:
                sentences.append(other[i])
        return Document(f"xx-{rows[0]:04d}-{rows[-1]:04d}", tuple(sentences))

    sources = [document("en-", english, pieces[c]) for c in paired]
    targets = [translation(pieces[c]) for c in paired]
    gold = {s.id: t.id for s, t in zip(sources, targets, strict=True)}
    if condition != "clean":
        half = len(unpaired) // 2
        sources += [document("en-", english, pieces[c]) for c in unpaired[:half]]
        targets += [translation(pieces[c]) for c in unpaired[half:]]
    if condition in ("overlapping", "boilerplate"):
        for first, second in itertools.pairwise(paired):
            a, b = list(pieces[first]), list(pieces[second])
            rows = a[len(a) // 2 :] + b[: (len(b) + 1) // 2]
            overlap = translation(rows)
            targets.append(Document(overlap.id.replace("xx-", "xx-overlap-"), overlap.sentences))
    if condition == "boilerplate":
        sources = [_framed(document, english) for document in sources]
        targets = [_framed(document, other) for document in targets]
    random.Random(seed + 2).shuffle(targets)  # no help from the order of the collection
    return PairingTask(sources, targets, gold)


class CachedEmbedder:
    """A model's sentence embeddings, each text encoded once (every setting sees the same ones)."""

    def __init__(self, model: Encoder) -> None:
        self.model = model
        self.cache: dict[str, np.ndarray] = {}

    def __call__(self, texts: list[str]) -> np.ndarray:
        missing = [text for text in dict.fromkeys(texts) if text not in self.cache]
        if missing:
            self.cache.update(zip(missing, encode_texts(self.model, missing), strict=True))
        return np.vstack([self.cache[text] for text in texts])


def score(task: PairingTask, embed: CachedEmbedder, config: DocalignConfig) -> dict[str, float]:
    pairs = pair_documents(embed, task.sources, task.targets, config)
    right = sum(task.gold.get(pair.source) == pair.target for pair in pairs)
    result = {"accuracy": round(100 * right / len(task.gold), 2)}
    if len(task.sources) > len(task.gold) or len(task.targets) > len(task.gold):
        source_row = {document.id: row for row, document in enumerate(task.sources)}
        target_row = {document.id: row for row, document in enumerate(task.targets)}
        mined = MinedPairs(
            np.array([source_row[p.source] for p in pairs]),
            np.array([target_row[p.target] for p in pairs]),
            np.array([p.score for p in pairs]),
        )
        gold = {(source_row[s], target_row[t]) for s, t in task.gold.items()}
        best = calibrate_threshold(mined, gold)
        result.update(f1=round(best.f1, 2), threshold=round(best.threshold, 4))
    return result


def main(argv: list[str] | None = None) -> None:
    parser = script_arguments(__doc__, report="docalign_quality")
    parser.add_argument("--model", action="append", required=True, help="Encoder(s) to embed sentences with.")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    report = Report("docalign_quality", args.data, args.output)
    folder = args.data / "eval/flores200-dev"
    texts = {code: read_lines(folder / f"dev.{code}") for code in (SOURCE, *TARGETS)}
    results: dict[str, dict] = {}
    columns = " | ".join(CONDITIONS)
    f1_columns = " | ".join(f"F1 {c}" for c in CONDITIONS[1:])
    table = [f"| model | language | setting | {columns} | {f1_columns} |"]
    table.append("|---|---|---|" + "---|" * (2 * len(CONDITIONS) - 1))
    sizes = {}
    for model_path in args.model:
        model = load_encoder(model_path)
        started = time.perf_counter()
        embed = CachedEmbedder(model)
        embed([text for code in texts for text in texts[code]])
        embedding_seconds = time.perf_counter() - started
        name = Path(model_path).name
        seconds = round(embedding_seconds, 1)
        results[name] = {"model": model_path, "embedding_seconds": seconds, "languages": {}}
        for code in TARGETS:
            separator = "" if code == "zho_Hans" else " "
            tasks = {c: build_task(texts[SOURCE], texts[code], c, args.seed, separator) for c in CONDITIONS}
            sizes = {c: (len(t.sources), len(t.targets), len(t.gold)) for c, t in tasks.items()}
            by_setting = {}
            for label, config in SETTINGS.items():
                cells = {condition: score(task, embed, config) for condition, task in tasks.items()}
                by_setting[label] = cells
                accuracies = " | ".join(f"{cells[c]['accuracy']:.1f}" for c in CONDITIONS)
                f1s = " | ".join(f"{cells[c]['f1']:.1f}" for c in CONDITIONS[1:])
                table.append(f"| {name} | {code} | {label} | {accuracies} | {f1s} |")
                print(table[-1], flush=True)
            results[name]["languages"][code] = by_setting
    print("\n".join(table))
    print("documents (sources, targets, true pairs):", sizes)
    report.write(
        {"models": args.model, "seed": args.seed, "paired_share": PAIRED_SHARE, "sizes": sizes},
        results=results,
        table="\n".join(table),
    )


if __name__ == "__main__":
    main()
