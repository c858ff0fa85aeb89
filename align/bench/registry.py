"""Every benchmark ``align bench`` offers, found by name: its options and how to make its task.

A benchmark is an options dataclass (each field a :func:`align.settings.setting`, so the command's
options and help come from it) and a function that makes the task from them; ``align bench NAME``
is generated for each entry of :data:`BENCHMARKS`, so a new benchmark needs an entry here and no
new command. The options live here, light, so the command line builds them without importing the
tasks; a task's module is imported when its benchmark runs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from align.errors import AlignError
from align.mining.config import MiningConfig
from align.sentalign.config import SentalignConfig
from align.settings import setting

if TYPE_CHECKING:
    from align.bench.task import Task


@dataclass(frozen=True)
class TatoebaOptions:
    data: Path | None = setting(
        None,
        "Directory of tatoeba.XXX-eng.XXX / .eng files (LASER's layout) (default: "
        "mteb/tatoeba-bitext-mining from the Hugging Face hub, which needs a network).",
    )
    langs: str = setting("cmn,deu,fra", "Comma-separated codes (cmn,deu,fra) or 'all'.")


@dataclass(frozen=True)
class BuccOptions:
    data: Path = setting(help="Directory in BUCC's layout: PAIR.SPLIT.LANG and PAIR.SPLIT.gold.")
    pair: str = setting(help="Language pair as in the file names, e.g. de-en or en-zh.")
    tune_split: str = setting("training", "Split to calibrate the threshold on.")
    test_split: str = setting("test", "Split to report F1 on.")
    mining: MiningConfig = dataclasses.field(default_factory=MiningConfig)


@dataclass(frozen=True)
class RetrievalOptions:
    data: Path = setting(
        help="XQuAD-R directory (xx.json per language), or a directory with queries.tsv, corpus.tsv "
        "and qrels.tsv."
    )
    langs: str = setting("all", "Comma-separated languages, or 'all'.")


@dataclass(frozen=True)
class SentalignOptions:
    data: Path = setting(
        help="Document pairs with gold alignments: Vecalign's layout (dev.de, dev.fr and the gold "
        "dev.defr side by side) or Bertalign's (folders de/, fr/ and gold/, one file a document)."
    )
    src_lang: str | None = setting(
        None,
        "Source language, as in the file or folder names (default: what the gold's name says, "
        "dev.defr; with Bertalign's folders, the order the gold's sentence numbers fit).",
    )
    tgt_lang: str | None = setting(
        None, "Target language, as in the file or folder names (default: as for --src-lang)."
    )
    config: SentalignConfig = dataclasses.field(default_factory=SentalignConfig)


def _tatoeba(options: TatoebaOptions) -> Task:
    from align.bench.tatoeba import TatoebaTask

    return TatoebaTask(options.data, options.langs)


def _bucc(options: BuccOptions) -> Task:
    from align.bench.bucc import BuccTask

    splits = {"tune_split": options.tune_split, "test_split": options.test_split}
    return BuccTask(options.data, options.pair, mining=options.mining, **splits)


def _retrieval(options: RetrievalOptions) -> Task:
    from align.bench.retrieval import RetrievalTask

    return RetrievalTask(options.data, options.langs)


def _sentalign(options: SentalignOptions) -> Task:
    from align.bench.sentalign import SentalignTask

    return SentalignTask(options.data, options.src_lang, options.tgt_lang, options.config)


@dataclass(frozen=True)
class Benchmark:
    """One entry: its options, how to make its task, and the help ``align bench NAME --help`` shows."""

    options: type
    make: Callable[[Any], Task]
    help: str
    exclude: frozenset[str] = frozenset()  # run settings it has no use for (BenchSettings' fields)

    def task(self, options: Any) -> Task:
        """The task, once each directory the options name is found to exist."""
        for field in dataclasses.fields(options):
            value = getattr(options, field.name)
            if isinstance(value, Path) and not value.is_dir():
                flag = "--" + field.name.replace("_", "-")
                raise AlignError(f"{flag}: {value} is not a directory")
        return self.make(options)


BENCHMARKS: dict[str, Benchmark] = {
    "tatoeba": Benchmark(
        TatoebaOptions,
        _tatoeba,
        """Tatoeba bitext retrieval: per language, accuracy xx→en and en→xx (nearest neighbour by cosine).

        --plot draws each language's mean accuracy as bars, one colour per model.

        \b
        Example: align bench tatoeba --model models/en-zh --model sentence-transformers/LaBSE --data tatoeba/
        """,
    ),
    "bucc": Benchmark(
        BuccOptions,
        _bucc,
        """BUCC mining F1: threshold calibrated on one split, applied to another (oracle F1 beside it).

        --plot draws the test split's precision/recall curve, one line per model.

        \b
        Example: align bench bucc --model models/de-en --data bucc2018/ --pair de-en --plot pr.png
        """,
        frozenset({"threshold", "cache_dir", "use_cache"}),
    ),
    "retrieval": Benchmark(
        RetrievalOptions,
        _retrieval,
        """Cross-lingual retrieval: recall@1/5/10, MRR and mAP@20 per query × document language, and pooled.

        \b
        Example: align bench retrieval --model models/en-zh --data xquad-r/ --langs zh,en
        """,
        frozenset({"plot", "cache_dir", "use_cache"}),
    ),
    "sentalign": Benchmark(
        SentalignOptions,
        _sentalign,
        """Sentence alignment: strict precision, recall and F1 and lax F1 per document, and over every
        document's links pooled (the main score), as Bleualign and Vecalign score.

        The alignment options are those of align sentalign.

        \b
        Example: align bench sentalign --model intfloat/multilingual-e5-small --data text+berg/ \\
                     --src-lang de --tgt-lang fr
        """,
        frozenset({"plot"}),
    ),
}
