"""Tatoeba bitext retrieval (Artetxe & Schwenk 2019), as LASER and XTREME score it.

Files follow LASER's layout: ``tatoeba.XXX-eng.XXX`` line-aligned with ``tatoeba.XXX-eng.eng``.
For each non-English sentence, is its nearest English neighbour (cosine) its translation
(xx→en), and the reverse (en→xx)? Accuracy is by position, as in LASER and XTREME: when two
candidates tie (a sentence repeated in the set), the first one wins, so the other counts wrong.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from align.bench.cache import ResultCache
from align.encode import Encoder, encode_texts
from align.errors import AlignError, InputFormatError
from align.files import iter_lines


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
    if spec.strip() == "all":
        return available
    languages = [code.strip() for code in spec.split(",") if code.strip()]
    missing = [code for code in languages if code not in available]
    if missing:
        raise AlignError(
            f"{data_dir} has no Tatoeba files for {', '.join(missing)} "
            f"({len(available)} languages available, e.g. {', '.join(available[:5])})"
        )
    return languages


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


def score_tatoeba(
    model: Encoder, data_dir: str | Path | None, language: str, batch_size: int | None = None
) -> TatoebaScore:
    foreign, english = load_tatoeba(data_dir, language)
    foreign_embeddings = encode_texts(model, foreign, batch_size=batch_size)
    english_embeddings = encode_texts(model, english, batch_size=batch_size)
    return TatoebaScore(
        language,
        retrieval_accuracy(foreign_embeddings, english_embeddings),
        retrieval_accuracy(english_embeddings, foreign_embeddings),
        len(foreign),
    )


def run_tatoeba(
    model: Encoder,
    data_dir: str | Path | None,
    languages: list[str],
    cache: ResultCache | None = None,
    *,
    batch_size: int | None = None,
    show_progress_bar: bool = True,
) -> list[TatoebaScore]:
    """Score every language, reusing cached results so an interrupted run resumes where it stopped."""
    from tqdm.auto import tqdm

    # Results depend on the data as well as the model: key them by where the data came from.
    source = HUB_DATASET if data_dir is None else str(Path(data_dir).resolve())
    task = f"tatoeba-{hashlib.sha1(source.encode()).hexdigest()[:8]}"
    scores = []
    for language in tqdm(languages, desc="Tatoeba", unit=" languages", disable=not show_progress_bar):
        cached = cache.get(task, language) if cache else None
        if cached is not None:
            scores.append(TatoebaScore(**cached))
            continue
        score = score_tatoeba(model, data_dir, language, batch_size=batch_size)
        if cache:
            cache.put(task, language, asdict(score))
        scores.append(score)
    return scores
