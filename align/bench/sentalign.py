"""Sentence alignment as a benchmark (``align bench sentalign``): document pairs with gold
alignments, aligned in order by :func:`align.sentalign.aligner.align_sentences` with each model,
and scored as Bleualign and Vecalign score (:mod:`align.sentalign.evaluation`).

Two public layouts are read; in both, a document is one sentence a line and a gold alignment is in
Vecalign's format (``[0]:[0, 1]`` a line, 0-based line numbers, ``[]`` for an unaligned side):

- **Vecalign's** ``bleualign_data/`` (github.com/thompsonb/vecalign), also the layout of
  ``dev/text+berg`` here: ``NAME.SRC``, ``NAME.TGT`` and the gold ``NAME.SRCTGT`` side by side in one
  directory, e.g. ``dev.de``, ``dev.fr``, ``dev.defr`` and ``test0.de`` .. ``test6.defr``. The
  document is ``NAME``; the gold's suffix says which language is the source.
- **Bertalign's** ``text+berg/`` (github.com/bfsujason/bertalign): folders ``SRC/``, ``TGT/`` and
  ``gold/``, one file a document under the same name in each (``de/001``, ``fr/001``,
  ``gold/001``). The document is the file name. Folder names do not say which language is the
  source: ``src_lang``/``tgt_lang`` do, or else the one order in which every gold link's sentence
  numbers fall inside the documents.

``src_lang``/``tgt_lang`` (``--src-lang de --tgt-lang fr``) pick the files: as written in the
names, or the same language in another form (``deu`` finds ``de``). A directory that holds
documents for several language pairs needs them.

Per document: strict precision, recall and F1 and lax F1; then every document pooled, their links
counted together as Vecalign's ``score.py`` counts several files, whose strict F1 is the main score.
Each document's links are cached by its name (with a digest of its text, so an edited document is
aligned again); the scores are always recomputed from the gold.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from itertools import permutations
from pathlib import Path
from typing import Any

from align.bench.cache import ResultCache
from align.bench.task import Task, TaskMetadata
from align.embedding.protocol import Embedder
from align.errors import AlignError, InputFormatError
from align.languages import is_language, language
from align.sentalign.aligner import align_sentences
from align.sentalign.config import SentalignConfig
from align.sentalign.documents import read_document
from align.sentalign.evaluation import AlignmentScores, score_alignment
from align.sentalign.links import Link, read_links

GOLD_FOLDER = "gold"
LAYOUTS = (
    "Vecalign's bleualign_data layout (NAME.de, NAME.fr and the gold NAME.defr in one directory) or "
    "Bertalign's text+berg layout (folders de/, fr/ and gold/, one file a document in each)"
)


@dataclass(frozen=True)
class DocumentPair:
    """One document, its translation and their gold links, as read from the data directory."""

    name: str
    source_path: Path
    target_path: Path
    gold_path: Path
    sources: list[str]
    targets: list[str]
    gold: list[Link]

    def digest(self) -> str:
        """Changes whenever either side's text does (keys the cached links beside the name)."""
        text = "\n".join(self.sources) + "\0" + "\n".join(self.targets)
        return hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]

    def misfit(self) -> str | None:
        """What is wrong when a gold link names a sentence beyond either document, else None."""
        for side, sizes, path in (
            ("source", len(self.sources), self.source_path),
            ("target", len(self.targets), self.target_path),
        ):
            highest = max((i for link in self.gold for i in getattr(link, side)), default=-1)
            if highest >= sizes:
                return f"links {side} sentence {highest} (0-based), but {path} has {sizes} sentences"
        return None


@dataclass(frozen=True)
class _Candidate:
    source_lang: str
    target_lang: str
    name: str
    source: Path
    target: Path
    gold: Path
    oriented: bool  # the layout says which side is the source (Vecalign's); else either may be


def _bleualign_layout(directory: Path) -> list[_Candidate]:
    """``NAME.SRC``, ``NAME.TGT`` and ``NAME.SRCTGT``: every split of a suffix into two present ones."""
    files = {path.name for path in directory.iterdir() if path.is_file()}
    found = []
    for name in sorted(files):
        stem, dot, suffix = name.rpartition(".")
        if not dot or not stem:
            continue
        for cut in range(1, len(suffix)):
            source, target = suffix[:cut], suffix[cut:]
            if f"{stem}.{source}" in files and f"{stem}.{target}" in files:
                paths = (directory / f"{stem}.{source}", directory / f"{stem}.{target}", directory / name)
                found.append(_Candidate(source, target, stem, *paths, oriented=True))
    return found


def _textberg_layout(directory: Path) -> list[_Candidate]:
    """``gold/NAME`` beside ``A/NAME`` and ``B/NAME``, in both orders (the folders do not say)."""
    gold_dir = directory / GOLD_FOLDER
    if not gold_dir.is_dir():
        return []
    gold = {path.name for path in gold_dir.iterdir() if path.is_file()}
    folders = {
        path.name: gold & {file.name for file in path.iterdir() if file.is_file()}
        for path in sorted(directory.iterdir())
        if path.is_dir() and path.name != GOLD_FOLDER
    }
    found = []
    for source, target in permutations([name for name, shared in folders.items() if shared], 2):
        for name in sorted(folders[source] & folders[target]):
            paths = (directory / source / name, directory / target / name, gold_dir / name)
            found.append(_Candidate(source, target, name, *paths, oriented=False))
    return found


def _matches(code: str, wanted: str | None) -> bool:
    """Whether a language in a file or folder name is the one asked for (in any form)."""
    if wanted is None or code == wanted:
        return True
    return is_language(code) and is_language(wanted) and language(wanted).covers(language(code))


def _read(candidate: _Candidate, documents: dict[Path, list[str]]) -> DocumentPair:
    for path in (candidate.source, candidate.target):
        if path not in documents:
            documents[path] = read_document(path)
    gold = read_links(candidate.gold)
    if not gold:
        raise InputFormatError(candidate.gold, "no gold links")
    return DocumentPair(
        candidate.name,
        candidate.source,
        candidate.target,
        candidate.gold,
        documents[candidate.source],
        documents[candidate.target],
        gold,
    )


def read_document_pairs(
    data_dir: str | os.PathLike, src_lang: str | None = None, tgt_lang: str | None = None
) -> tuple[tuple[str, str], list[DocumentPair]]:
    """The language pair and its documents (sorted by name) in ``data_dir``, in either layout of
    the module's docstring; an :class:`AlignError` naming the directory when it has none, or has
    several language pairs and the languages do not pick one."""
    directory = Path(data_dir)
    if not directory.is_dir():
        raise AlignError(f"{directory}: not a directory of document pairs ({LAYOUTS})")
    groups: dict[tuple[str, str], list[_Candidate]] = {}
    for candidate in _bleualign_layout(directory) + _textberg_layout(directory):
        if _matches(candidate.source_lang, src_lang) and _matches(candidate.target_lang, tgt_lang):
            groups.setdefault((candidate.source_lang, candidate.target_lang), []).append(candidate)
    if not groups:
        asked = f" for {src_lang or '*'}-{tgt_lang or '*'}" if src_lang or tgt_lang else ""
        raise AlignError(f"{directory}: no document pairs with gold alignments{asked}; expected {LAYOUTS}")
    documents: dict[Path, list[str]] = {}
    read = {pair: [_read(c, documents) for c in candidates] for pair, candidates in groups.items()}
    if len(groups) > 1:  # a folder pair read backwards names sentences its documents lack: drop it
        read = {
            pair: pairs
            for pair, pairs in read.items()
            if any(c.oriented for c in groups[pair]) or not any(p.misfit() for p in pairs)
        }
    if len(read) != 1:
        names = ", ".join(f"{source}-{target}" for source, target in (read or groups))
        raise AlignError(
            f"{directory} has document pairs for {names}: say which with --src-lang and --tgt-lang"
        )
    [(pair, pairs)] = read.items()
    seen: dict[str, DocumentPair] = {}
    for document in pairs:
        if document.name in seen:
            raise AlignError(
                f"{directory}: two documents named {document.name!r} "
                f"({seen[document.name].gold_path} and {document.gold_path}); keep one layout"
            )
        seen[document.name] = document
        problem = document.misfit()
        if problem:
            raise InputFormatError(document.gold_path, problem)
    return pair, sorted(pairs, key=lambda document: document.name)


def pooled_scores(
    documents: Sequence[tuple[Sequence[Link], Sequence[Link], tuple[int, int]]],
) -> AlignmentScores:
    """``(gold, test, (source sentences, target sentences))`` per document, scored together: each
    document's sentence numbers shifted past the previous ones', so links are counted over all
    documents at once (Vecalign's ``score_multiple``), not averaged per document."""
    gold: list[Link] = []
    test: list[Link] = []
    source_offset = target_offset = 0
    for document_gold, document_test, (sources, targets) in documents:
        for links, pooled in ((document_gold, gold), (document_test, test)):
            pooled += [
                Link(
                    tuple(i + source_offset for i in link.source),
                    tuple(j + target_offset for j in link.target),
                )
                for link in links
            ]
        source_offset += sources
        target_offset += targets
    return score_alignment(gold, test)


@dataclass(frozen=True)
class DocumentScore:
    document: str
    sentences: tuple[int, int]  # source, target
    gold_links: int
    links: int  # the aligner's, unaligned sentences included
    scores: AlignmentScores


@dataclass(frozen=True)
class SentalignResult:
    """One model's scores per document and pooled over every document (the main score)."""

    documents: list[DocumentScore]
    pooled: AlignmentScores

    @property
    def main_score(self) -> float:
        return self.pooled.strict_f1

    def to_json(self) -> dict[str, Any]:
        return {
            "documents": [
                {
                    "document": d.document,
                    "source_sentences": d.sentences[0],
                    "target_sentences": d.sentences[1],
                    "gold_links": d.gold_links,
                    "links": d.links,
                    **d.scores.to_json(),
                }
                for d in self.documents
            ],
            "pooled": {"documents": len(self.documents), **self.pooled.to_json()},
        }

    def rows(self) -> list[tuple[str, list[str]]]:
        """A row per document, then (for several) the pooled scores in bold."""

        def cells(s: AlignmentScores) -> list[str]:
            return [f"{v:.1f}" for v in (s.strict_precision, s.strict_recall, s.strict_f1, s.lax_f1)]

        rows = [(d.document, cells(d.scores)) for d in self.documents]
        if len(self.documents) > 1:
            rows.append((f"**pooled ({len(self.documents)})**", [f"**{c}**" for c in cells(self.pooled)]))
        return rows


class SentalignTask(Task):
    """Sentence alignment of document pairs against gold links, read from ``data_dir`` in
    Vecalign's or Bertalign's layout (the module's docstring), aligned with ``config``."""

    def __init__(
        self,
        data_dir: str | os.PathLike,
        src_lang: str | None = None,
        tgt_lang: str | None = None,
        config: SentalignConfig | None = None,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.config = config or SentalignConfig()
        (source, target), self.documents = read_document_pairs(self.data_dir, src_lang, tgt_lang)
        self.metadata = TaskMetadata(
            name="sentalign",
            description="Sentence alignment of document pairs, strict and lax P/R/F1 (Bleualign/Vecalign)",
            data=str(self.data_dir),
            languages=(source, target),
            main_score="strict F1 of every document's links pooled (%)",
            row_header="document",
            columns=("strict P", "strict R", "strict F1", "lax F1"),
            settings={
                "src_lang": source,
                "tgt_lang": target,
                "documents": [document.name for document in self.documents],
                **asdict(self.config),
            },
        )

    @property
    def cache_key(self) -> str:
        # The resolved directory, not the path as given, and the alignment settings: the documents
        # asked for are not part of it, so a run over fewer reuses the ones already aligned.
        settings = {key: value for key, value in self.metadata.settings.items() if key != "documents"}
        identity = json.dumps([str(self.data_dir.resolve()), settings], sort_keys=True, default=str)
        return f"sentalign-{hashlib.sha1(identity.encode()).hexdigest()[:8]}"

    def align(self, embed: Embedder, document: DocumentPair, cache: ResultCache | None = None) -> list[Link]:
        """The aligner's links for one document: from the cache when its text is unchanged."""
        digest = document.digest()
        cached = cache.get(self.cache_key, document.name) if cache else None
        if cached is not None and cached.get("digest") == digest:
            return [Link(tuple(source), tuple(target)) for source, target in cached["links"]]
        links = align_sentences(embed, document.sources, document.targets, self.config)
        if cache:
            entry = {
                "digest": digest,
                "links": [[list(link.source), list(link.target)] for link in links],
            }
            cache.put(self.cache_key, document.name, entry)
        return [Link(link.source, link.target) for link in links]

    def evaluate(self, embed: Embedder, cache: ResultCache | None = None) -> SentalignResult:
        from tqdm.auto import tqdm

        scored = []
        pooled = []
        with tqdm(self.documents, desc="Sentence alignment", unit=" documents") as bar:
            for document in bar:
                bar.set_postfix_str(document.name)
                links = self.align(embed, document, cache)
                sizes = (len(document.sources), len(document.targets))
                scores = score_alignment(document.gold, links)
                scored.append(DocumentScore(document.name, sizes, len(document.gold), len(links), scores))
                pooled.append((document.gold, links, sizes))
        return SentalignResult(scored, pooled_scores(pooled))
