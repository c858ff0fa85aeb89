"""Words for lexical search: what the store's full-text index holds and what a query is matched by.

Text is NFKC-normalised and case-folded. Spaced scripts give their words; scripts written without
spaces (Han, kana, Thai, Lao, Khmer, Myanmar) give each character and each pair of neighbouring
characters, as Lucene's CJK analyser does, so "火车站" matches "火车" and "车站" without a
dictionary. The store keeps the terms in SQLite's FTS5 index, ranked by its BM25.
"""

from __future__ import annotations

import itertools
import re
import unicodedata

from align.data.cleaning import UNSPACED_CHAR

_WORD = re.compile(r"\w+")


def terms(text: str) -> list[str]:
    """The terms of ``text``, in order: words, and unspaced characters with their bigrams."""
    text = unicodedata.normalize("NFKC", text).casefold()
    found: list[str] = []
    for token in _WORD.findall(text):
        if not UNSPACED_CHAR.search(token):  # most words: no character to split out
            found.append(token)
            continue
        run: list[str] = []
        for character in token + " ":
            if UNSPACED_CHAR.match(character):
                run.append(character)
                continue
            if run:
                found += run + ["".join(pair) for pair in itertools.pairwise(run)]
                run = []
        spaced = UNSPACED_CHAR.sub(" ", token).split()
        found += [word for word in spaced if word]
    return found


def match_expression(text: str) -> str | None:
    """An FTS5 query matching any of ``text``'s terms (each quoted), or None when it has none."""
    unique = dict.fromkeys(terms(text))
    return " OR ".join('"' + term.replace('"', '""') + '"' for term in unique) or None


def shared_terms(query: str, text: str) -> list[str]:
    """The terms of ``query`` that ``text`` holds too, each once, in the query's order: the words a
    hit matched (what a search page highlights)."""
    held = set(terms(text))
    return [term for term in dict.fromkeys(terms(query)) if term in held]
