"""Sentence splitting, for documents that are not one sentence a line (``align sentalign --split``).

Sentence alignment pairs sentences, so a document written in paragraphs must be cut into sentences
first, the same way on both sides. align does not write its own splitter: it wraps ``sentencex``
(Wikimedia, MIT), chosen on ``benchmarks/sentence_split.py`` over pysbd and sentence-splitter
(Moses) because it

- covers ~300 languages: a language without rules of its own takes those of a close one through
  Wikimedia's fallback chains (``gsw`` → ``de``), and in the end sentencex's default (English)
  rules, which still end sentences at the stops of other scripts (``。！？``, ``।``);
- cuts Chinese and Japanese at ``。！？`` with no space after them (sentence-splitter does not cut
  them at all; F1 on FLORES-200 zho_Hans: sentencex 89.2, pysbd 88.6, sentence-splitter 0);
- had the best mean boundary F1 on FLORES-200 dev (90.5 over eng, deu, ces, rus, zho; pysbd 89.2)
  and runs 200,000-500,000 sentences a second, against ~10,000 (sentence-splitter) and
  1,000-7,000 (pysbd).

Its weak spot, measured on the Text+Berg yearbooks: OCR'd, tokenised text with initials
("J. Bouvier") and numbered items, which it cuts too often (F1 de 74.2, fr 66.7; sentence-splitter
85.8, 75.3).

sentencex is an optional package: ``pip install 'align[split]'``.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from align.errors import AlignError
from align.languages import language as read_language


def _sentencex() -> ModuleType:
    """sentencex, imported on first use so that align runs without it until a split is asked for."""
    try:
        return importlib.import_module("sentencex")
    except ImportError:
        raise AlignError(
            "sentence splitting needs the Python package 'sentencex': pip install 'align[split]'"
        ) from None


def splitter_language(code: str) -> str:
    """The code sentencex is given for any code align's language table reads: the language subtag,
    ISO 639-1 where there is one (``eng_Latn``, ``eng`` → ``en``; ``cmn``, ``zho_Hans``,
    ``zh-Hant`` → ``zh``), otherwise ISO 639-3 (``yue``), which sentencex's fallback chains read.

    A script or region is dropped: sentencex's rules are per language. An unknown code is an
    :class:`AlignError`, as everywhere in align.
    """
    return read_language(code).language


def split_sentences(text: str, language: str) -> list[str]:
    """The sentences of ``text`` in ``language`` (any code form align reads), in order.

    Each sentence has its whitespace runs made one space and its ends trimmed; empty pieces are
    dropped, so joining the result with spaces gives the text back up to whitespace. sentencex reads
    a single line break as a space and a blank line as a sentence's end; :func:`split_text` reads a
    whole document's paragraphs.
    """
    code = splitter_language(language)
    return _split(_sentencex(), code, text)


def paragraphs(text: str, *, line_breaks: bool = True) -> list[str]:
    """The non-blank paragraphs of a document, whitespace runs made one space.

    With ``line_breaks`` (the default) every line is a paragraph of its own, as in text extracted
    from web pages, subtitles and most corpora: a heading, list item or table cell without a final
    stop is never glued to the sentence after it. Without it, only blank lines end a paragraph and
    the lines between are joined: for hard-wrapped text, where a sentence runs across line breaks.
    """
    if line_breaks:
        blocks = text.splitlines()
    else:
        blocks, current = [], []
        for line in text.splitlines():
            if line.strip():
                current.append(line)
            elif current:
                blocks.append(" ".join(current))
                current = []
        if current:
            blocks.append(" ".join(current))
    found = (" ".join(block.split()) for block in blocks)
    return [paragraph for paragraph in found if paragraph]


def split_text(text: str, language: str, *, line_breaks: bool = True) -> list[str]:
    """A whole document's sentences in order: each paragraph (:func:`paragraphs`) split on its own,
    so that no sentence crosses a paragraph's end."""
    code = splitter_language(language)  # an unknown code fails before any work
    sentencex = _sentencex()  # and so does a missing library, even for an empty document
    return [
        sentence
        for paragraph in paragraphs(text, line_breaks=line_breaks)
        for sentence in _split(sentencex, code, paragraph)
    ]


def _split(sentencex: ModuleType, code: str, text: str) -> list[str]:
    sentences = (" ".join(piece.split()) for piece in sentencex.segment(code, text))
    return [sentence for sentence in sentences if sentence]
