"""Which corpora a directory holds, read from its file names (searched recursively):

- OPUS Moses pairs: ``NAME.L1-L2.L1`` beside ``NAME.L1-L2.L2`` (either order in the name, ``.gz``
  allowed; other files such as ``NAME.en-zh.origin`` are ignored);
- single files whose name carries their pair: ``NAME.L1-L2.tsv`` (``.csv``, ``.jsonl``, ``.tmx``,
  each also ``.gz``).

Linked folders are followed. Codes are kept as the files spell them (``eng_Latn``, ``eng``, ``en``):
:mod:`align.languages` says which language each names, and :mod:`align.data.registry` matches
them against ``--pairs``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from align.languages import is_language

# How a file names its language pair: NAME.L1-L2.LAST[.gz] (LAST: a language, or a format).
PAIR_FILE = re.compile(r"(?P<stem>.+)\.(?P<first>\w+)-(?P<second>\w+)\.(?P<last>\w+)(?P<gz>\.gz)?")
SINGLE_FILE_FORMATS = {"tsv": "tsv", "csv": "csv", "jsonl": "jsonl", "json": "jsonl", "tmx": "tmx"}


@dataclass(frozen=True)
class FoundCorpus:
    """A corpus found in a directory: its file(s), format, and the two codes in its name."""

    path: Path  # the first language's file (Moses), or the single file
    first: str  # the codes in the order the name gives them
    second: str
    format: str
    second_path: Path | None = None  # Moses: the second language's file

    def oriented(self, source: str) -> tuple[Path, Path | None, str, str]:
        """(source path, target path, source code, target code), ``source`` (one of the two codes)
        first. A single file has one path; its reader picks the sides by code."""
        if self.format != "moses" or source == self.first:
            target = self.second if source == self.first else self.first
            return self.path, self.second_path, source, target
        assert self.second_path is not None
        return self.second_path, self.path, self.second, self.first


def corpora_in(directory: Path) -> list[FoundCorpus]:
    """Every corpus below ``directory`` whose file names say its languages, in a stable order."""
    found = []
    for candidate in _files_below(directory):
        match = PAIR_FILE.fullmatch(candidate.name)
        if not match or not candidate.is_file():
            continue
        first, second, last, gz = match["first"], match["second"], match["last"], match["gz"] or ""
        if first == second or not (is_language(first) and is_language(second)):
            continue
        if last in SINGLE_FILE_FORMATS:
            found.append(FoundCorpus(candidate, first, second, SINGLE_FILE_FORMATS[last]))
        elif last == first:  # a Moses pair is found from its first language's file
            partner = candidate.with_name(f"{match['stem']}.{first}-{second}.{second}{gz}")
            if partner.is_file():
                found.append(FoundCorpus(candidate, first, second, "moses", partner))
    return found


def _files_below(directory: Path) -> list[Path]:
    """Every file below ``directory``, sorted; linked folders are followed (each real folder once)."""
    files, visited = [], set()
    for root, folders, names in os.walk(directory, followlinks=True):
        real = os.path.realpath(root)
        if real in visited:
            folders[:] = []
            continue
        visited.add(real)
        files += [Path(root) / name for name in names]
    return sorted(files)
