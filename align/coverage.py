"""Which scripts a model's vocabulary cannot read, measured as the share of unknown tokens.

A static encoder trained on a corpus knows the scripts of that corpus and nothing else: a Greek
sentence read by a vocabulary without Greek is a row of ``[UNK]`` tokens, and every such sentence
embeds at the same point. Nothing fails; retrieval is quietly at chance. This module makes that
visible: :func:`unknown_by_script` counts each script's unknown tokens, and
:func:`warn_about_unknown_scripts` says so in the log before a file is encoded.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from tokenizers import Tokenizer

logger = logging.getLogger(__name__)

# Unicode character names start with their script's name, except for these.
_NAME_PREFIXES = {"CJK": "Han", "HANGUL": "Hangul", "IDEOGRAPHIC": "Han", "KANGXI": "Han"}
# A script is reported as unreadable past this share of unknown tokens (in %).
WARN_FROM = 20.0
# ... and, when a file is read, only if at least this share of its lines (in %) holds that script: a
# few English lines quoting α and β are not worth a warning that reads as if the file were Greek.
WARN_FROM_LINES = 1.0
SAMPLE = 10_000


def script_of(character: str) -> str | None:
    """The script of a letter or mark (``"Greek"``, ``"Han"``, ``"Devanagari"``); None for digits,
    punctuation, symbols and spaces, which every script shares."""
    if not unicodedata.category(character).startswith(("L", "M")):
        return None
    name = unicodedata.name(character, "")
    if not name:
        return None
    first = name.split(" ", 1)[0]
    return _NAME_PREFIXES.get(first, first.title())


@dataclass(frozen=True)
class ScriptCoverage:
    """Tokens of one script in a sample, how many of them the vocabulary could not read, and how
    many texts of the sample hold the script."""

    tokens: int
    unknown: int
    lines: int = 0

    @property
    def unknown_rate(self) -> float:
        """The unknown share in %."""
        return 100 * self.unknown / self.tokens if self.tokens else 0.0


def model_tokenizer(model: object) -> tuple[Tokenizer, int] | None:
    """A sentence-transformers model's Rust tokenizer and its unknown token's id, or None.

    Static encoders keep theirs on the first module; transformers behind their Hugging Face
    tokenizer. A tokenizer without an unknown token (byte-level BPE) can read every script.
    """
    inner = getattr(model, "model", None)  # an embedder wrapping a loaded model: the model's
    if inner is not None and not isinstance(inner, str):
        model = inner
    tokenizer = getattr(model, "tokenizer", None)  # align's static and ONNX embedders', model2vec's
    if not isinstance(tokenizer, Tokenizer):
        try:
            first = model[0]  # type: ignore[index]
        except (TypeError, IndexError, KeyError):
            return None
        tokenizer = getattr(first, "tokenizer", None)
    if not isinstance(tokenizer, Tokenizer):
        tokenizer = getattr(tokenizer, "backend_tokenizer", None)
    if not isinstance(tokenizer, Tokenizer):
        return None
    unknown = getattr(tokenizer.model, "unk_token", None)
    unknown_id = tokenizer.token_to_id(unknown) if unknown else None
    return (tokenizer, unknown_id) if unknown_id is not None else None


def unknown_by_script(
    tokenizer: Tokenizer, unknown_id: int, texts: Iterable[str]
) -> dict[str, ScriptCoverage]:
    """Per script, the tokens ``tokenizer`` makes of ``texts`` and how many are ``unknown_id``.

    A token belongs to the script of the first letter of the text it covers; tokens of digits and
    punctuation belong to none and are not counted.
    """
    texts = list(texts)
    counts: dict[str, list[int]] = {}
    for text, encoding in zip(texts, tokenizer.encode_batch(texts, add_special_tokens=False), strict=True):
        seen: set[str] = set()
        for token_id, (start, end) in zip(encoding.ids, encoding.offsets, strict=True):
            script = next(filter(None, map(script_of, text[start:end])), None)
            if script is None:
                continue
            entry = counts.setdefault(script, [0, 0, 0])
            entry[0] += 1
            entry[1] += token_id == unknown_id
            entry[2] += script not in seen
            seen.add(script)
    return {script: ScriptCoverage(*entry) for script, entry in sorted(counts.items())}


def _unreadable(model: object, texts: Sequence[str], threshold: float) -> dict[str, ScriptCoverage]:
    """The coverage of each script in (a sample of) ``texts`` whose unknown share passes ``threshold``."""
    found = model_tokenizer(model)
    if found is None or not texts:
        return {}
    coverage = unknown_by_script(*found, texts[:SAMPLE])
    return {script: entry for script, entry in coverage.items() if entry.unknown_rate >= threshold}


def unreadable_scripts(model: object, texts: Sequence[str], threshold: float = WARN_FROM) -> dict[str, float]:
    """The scripts in (a sample of) ``texts`` whose unknown share under ``model`` passes ``threshold``."""
    return {
        script: round(entry.unknown_rate, 1) for script, entry in _unreadable(model, texts, threshold).items()
    }


def warn_about_unknown_scripts(model: object, texts: Sequence[str], source: str) -> dict[str, float]:
    """Log a warning naming each script of ``texts`` that ``model`` mostly cannot read, with how
    many lines hold it, when they are at least :data:`WARN_FROM_LINES` % of them; return those."""
    sample = texts[:SAMPLE]
    unreadable = {
        script: entry
        for script, entry in _unreadable(model, sample, WARN_FROM).items()
        if 100 * entry.lines / len(sample) >= WARN_FROM_LINES
    }
    if unreadable:
        sampled = "" if len(sample) == len(texts) else f" of the first {len(sample):,}"
        listed = ", ".join(
            f"{script} in {entry.lines:,}{sampled} line{'' if entry.lines == 1 else 's'} "
            f"({100 * entry.lines / len(sample):.3g} %; "
            f"{entry.unknown_rate:.3g} % of its tokens unknown)"
            for script, entry in unreadable.items()
        )
        logger.warning(
            "%s: the model's vocabulary cannot read %s; those lines embed alike and will not be "
            "matched by meaning. Train on pairs in these scripts, or distil with "
            "--student-tokenizer teacher-full.",
            source,
            listed,
        )
    return {script: round(entry.unknown_rate, 1) for script, entry in unreadable.items()}
