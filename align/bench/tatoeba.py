"""Tatoeba bitext retrieval (Artetxe & Schwenk 2019), as LASER and XTREME score it.

Files follow LASER's layout: ``tatoeba.XXX-eng.XXX`` line-aligned with ``tatoeba.XXX-eng.eng``.
For each non-English sentence, is its nearest English neighbour (cosine) its translation
(xx→en), and the reverse (en→xx)? Accuracy is by position, as in LASER and XTREME: when two
candidates tie (a sentence repeated in the set), the first one wins, so the other counts wrong.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from align.bench.cache import ResultCache
from align.bench.model_card import trained_languages
from align.bench.task import Task, TaskMetadata, TaskResult, languages_option
from align.coverage import model_tokenizer, unreadable_scripts
from align.embedding.protocol import Embedder
from align.errors import AlignError, InputFormatError
from align.files import iter_lines
from align.languages import is_language, language

MAX_TABLE_ROWS = 40  # beyond this many languages the table shows only the averages (the JSON has all)


@dataclass(frozen=True)
class TatoebaScore:
    language: str
    xx_to_en: float  # accuracy in %, each non-English sentence retrieving its English translation
    en_to_xx: float
    pairs: int

    @property
    def mean(self) -> float:
        return (self.xx_to_en + self.en_to_xx) / 2

    @property
    def error_rate(self) -> float:
        """LASER's figure: 100 − xx→en accuracy."""
        return 100 - self.xx_to_en


def retrieval_accuracy(queries: np.ndarray, candidates: np.ndarray) -> float:
    """% of rows i of ``queries`` whose most similar row of ``candidates`` is row i.

    Ties go to the lowest index, as with ``argmax``; embeddings must be L2-normalised.
    """
    best = np.argmax(queries @ candidates.T, axis=1)
    return float(np.mean(best == np.arange(len(queries))) * 100)


def available_languages(data_dir: str | Path) -> list[str]:
    """The language codes that have both files in ``data_dir``, sorted."""
    names = {path.name for path in Path(data_dir).glob("tatoeba.*-eng.*")}
    codes = {m.group(1) for name in names if (m := re.fullmatch(r"tatoeba\.(\w+)-eng\.(\w+)", name))}
    return sorted(
        code for code in codes if {f"tatoeba.{code}-eng.{code}", f"tatoeba.{code}-eng.eng"} <= names
    )


HUB_DATASET = (
    "mteb/tatoeba-bitext-mining"  # config "xxx-eng", split "test": sentence1 = xxx, sentence2 = English
)


def _hub_error(error: Exception) -> AlignError:
    return AlignError(
        f"could not read {HUB_DATASET} from the Hugging Face hub ({type(error).__name__}: {error}); "
        "offline, pass --data with a directory of tatoeba.XXX-eng.XXX files"
    )


def resolve_languages(spec: str, data_dir: str | Path | None) -> list[str]:
    """``"all"`` or a comma-separated list, checked against what ``data_dir`` holds (or the hub has)."""
    if data_dir is None:
        if spec.strip() != "all":
            return [code.strip() for code in spec.split(",") if code.strip()]
        import datasets

        try:
            configs = datasets.get_dataset_config_names(HUB_DATASET)
        except Exception as error:  # the hub client raises many types when offline
            raise _hub_error(error) from None
        return sorted(config.split("-")[0] for config in configs if config.endswith("-eng"))
    available = available_languages(data_dir)
    if not available:
        raise AlignError(
            f"{data_dir}: no Tatoeba files (expected tatoeba.XXX-eng.XXX and tatoeba.XXX-eng.eng)"
        )
    return languages_option(spec, available, str(data_dir), "Tatoeba files")


def load_tatoeba(data_dir: str | Path | None, language: str) -> tuple[list[str], list[str]]:
    """The (non-English, English) sentences of one language, from ``data_dir`` or, if None, the hub."""
    if data_dir is None:
        import datasets

        try:
            rows = datasets.load_dataset(HUB_DATASET, f"{language}-eng", split="test")
        except Exception as error:  # the hub client raises many types when offline
            raise _hub_error(error) from None
        return list(rows["sentence1"]), list(rows["sentence2"])
    data_dir = Path(data_dir)
    foreign_path = data_dir / f"tatoeba.{language}-eng.{language}"
    english_path = data_dir / f"tatoeba.{language}-eng.eng"
    foreign = [text or "" for _, text in iter_lines(foreign_path, hint=None)]
    english = [text or "" for _, text in iter_lines(english_path, hint=None)]
    if len(foreign) != len(english):
        raise InputFormatError(
            foreign_path, f"has {len(foreign)} lines but {english_path} has {len(english)}"
        )
    if not foreign:
        raise InputFormatError(foreign_path, "is empty")
    return foreign, english


def score_tatoeba(embed: Embedder, data_dir: str | Path | None, language: str) -> TatoebaScore:
    foreign, english = load_tatoeba(data_dir, language)
    foreign_embeddings, english_embeddings = embed(foreign), embed(english)
    return TatoebaScore(
        language,
        retrieval_accuracy(foreign_embeddings, english_embeddings),
        retrieval_accuracy(english_embeddings, foreign_embeddings),
        len(foreign),
    )


@dataclass(frozen=True)
class TatoebaResult:
    """One model's scores, language by language, and which languages it was trained on (where the
    model says: :func:`align.bench.model_card.trained_languages`)."""

    scores: list[TatoebaScore]
    trained: frozenset[str] | None = None  # Tatoeba codes
    # language → script → % unknown tokens, for the scripts the model's vocabulary cannot read
    unreadable: Mapping[str, dict[str, float]] = field(default_factory=dict)

    def average(self, languages: frozenset[str] | None = None, *, exclude: bool = False) -> dict[str, float]:
        """Means over every language, or over ``languages`` (or all but them, with ``exclude``)."""
        chosen = [s for s in self.scores if languages is None or (s.language in languages) != exclude]
        count = len(chosen)
        return {
            "xx_to_en": sum(s.xx_to_en for s in chosen) / count,
            "en_to_xx": sum(s.en_to_xx for s in chosen) / count,
            "mean": sum(s.mean for s in chosen) / count,
        }

    @property
    def main_score(self) -> float:
        return self.average()["mean"]

    def _split(self) -> dict[str, tuple[frozenset[str], bool]]:
        """The trained and other languages, where known and both present."""
        if not self.trained or not (self.trained & {s.language for s in self.scores}):
            return {}
        other = {s.language for s in self.scores} - self.trained
        return {"trained": (self.trained, False), **({"other": (self.trained, True)} if other else {})}

    def to_json(self) -> dict[str, Any]:
        report: dict[str, Any] = {
            "languages": [
                {
                    "language": s.language,
                    "xx_to_en": s.xx_to_en,
                    "en_to_xx": s.en_to_xx,
                    "mean": s.mean,
                    "error_rate": s.error_rate,
                    "pairs": s.pairs,
                    **({"trained": s.language in self.trained} if self.trained is not None else {}),
                    **(
                        {"unreadable_scripts": self.unreadable[s.language]}
                        if s.language in self.unreadable
                        else {}
                    ),
                }
                for s in self.scores
            ],
            "average": self.average(),
        }
        for name, (languages, exclude) in self._split().items():
            report[f"average_{name}"] = self.average(languages, exclude=exclude)
        return report

    def rows(self) -> list[tuple[str, list[str]]]:
        """A row per language (up to :data:`MAX_TABLE_ROWS` languages), then the averages in bold:
        over the languages the model was trained on and the rest, where it says, then over all."""
        rows = []
        if len(self.scores) <= MAX_TABLE_ROWS:
            rows = [
                (s.language, [f"{s.xx_to_en:.1f}", f"{s.en_to_xx:.1f}", f"{s.mean:.1f}"]) for s in self.scores
            ]
        averages = [
            (f"**{name} ({sum((s.language in languages) != exclude for s in self.scores)})**",
             self.average(languages, exclude=exclude))
            for name, (languages, exclude) in self._split().items()
        ]  # fmt: skip
        averages.append((f"**average ({len(self.scores)})**", self.average()))
        for label, average in averages:
            rows.append((label, [f"**{average[key]:.1f}**" for key in ("xx_to_en", "en_to_xx", "mean")]))
        return rows

    def notes(self) -> list[str]:
        """The languages whose script the model's vocabulary cannot read: they score by chance."""
        if not self.unreadable:
            return []
        listed = ", ".join(
            f"{code} ({', '.join(f'{script} {rate:g} %' for script, rate in scripts.items())})"
            for code, scripts in sorted(self.unreadable.items())
        )
        return [f"mostly [UNK] to the vocabulary, so scored by chance: {listed}"]


class TatoebaTask(Task):
    """Tatoeba accuracy both ways for each language, from a LASER-layout directory or the hub."""

    def __init__(
        self,
        data_dir: str | os.PathLike | None,
        languages: str = "cmn,deu,fra",
        *,
        trained: Sequence[str] | None = None,
    ) -> None:
        """``trained`` names the languages every model scored was trained on, where a model does not
        say itself (:func:`align.bench.model_card.trained_languages`)."""
        self.trained = tuple(trained) if trained is not None else None
        self.data_dir = Path(data_dir) if data_dir is not None else None
        self.languages = resolve_languages(languages, self.data_dir)
        self.metadata = TaskMetadata(
            name="tatoeba",
            description="Tatoeba bitext retrieval: nearest English neighbour by cosine, both ways",
            data=str(self.data_dir) if self.data_dir else f"hf:{HUB_DATASET}",
            languages=tuple(self.languages),
            main_score="mean accuracy of xx→en and en→xx (%)",
            row_header="language",
            columns=("xx→en", "en→xx", "mean"),
            side_by_side=True,
            settings={"languages": self.languages, "metric": "cosine nearest neighbour accuracy"},
        )

    @property
    def cache_key(self) -> str:
        # Keyed by where the data came from, not by the languages asked for: a run over more
        # languages reuses the ones already scored.
        source = HUB_DATASET if self.data_dir is None else str(self.data_dir.resolve())
        return f"tatoeba-{hashlib.sha1(source.encode()).hexdigest()[:8]}"

    def evaluate(self, embed: Embedder, cache: ResultCache | None = None) -> TatoebaResult:
        """Score every language, reusing cached ones so an interrupted run resumes where it stopped.

        A bar over the languages names the one being scored. Where the embedder's tokenizer can be
        read, each language's sentences are checked too, under the same bar, for scripts its
        vocabulary cannot read (:func:`align.coverage.unreadable_scripts`).
        """
        from tqdm.auto import tqdm

        readable = model_tokenizer(embed) is not None
        scores = []
        unreadable: dict[str, dict[str, float]] = {}
        with tqdm(self.languages, desc="Tatoeba", unit=" languages") as bar:
            for code in bar:
                bar.set_postfix_str(code)
                cached = cache.get(self.cache_key, code) if cache else None
                if cached is not None:
                    scores.append(TatoebaScore(**cached))
                else:
                    score = score_tatoeba(embed, self.data_dir, code)
                    if cache:
                        cache.put(self.cache_key, code, asdict(score))
                    scores.append(score)
                if readable and (scripts := unreadable_scripts(embed, load_tatoeba(self.data_dir, code)[0])):
                    unreadable[code] = scripts
        trained = trained_languages(embed.name) or self.trained
        return TatoebaResult(scores, self._trained(trained), unreadable)

    def _trained(self, languages: tuple[str, ...] | None) -> frozenset[str] | None:
        """The Tatoeba codes among ``languages`` (in any form), or None when the model does not say."""
        if languages is None:
            return None
        wanted = [language(code).language for code in languages if is_language(code)]
        return frozenset(
            code for code in self.languages if is_language(code) and language(code).language in wanted
        )

    def plot(self, results: Mapping[str, TaskResult], path: str | os.PathLike) -> None:
        """Bars of mean accuracy (of both directions) per language, one colour per model, sorted by
        the first model (put the reference model first to read the others against it)."""
        from align.bench.plots import plot_grouped_bars

        values = {label: {s.language: s.mean for s in result.scores} for label, result in results.items()}  # type: ignore[attr-defined]
        plot_grouped_bars(values, path, ylabel="Tatoeba accuracy, mean of xx→en and en→xx (%)")
