"""Align documents given as files, one sentence a line: a pair of files, or two directories whose
files of the same name are pairs. Link indices are 0-based line numbers, as Vecalign's."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from align.embedding.loading import as_embedder
from align.encode import Encoder
from align.errors import AlignError
from align.files import MAX_LINE_CHARS, LineGuard, iter_lines
from align.languages import is_language
from align.model_source import check_model_source
from align.outputs import atomic_path, check_output
from align.sentalign.aligner import align_sentences
from align.sentalign.config import SentalignConfig, SplitConfig
from align.sentalign.links import Link, format_links, texts_of

logger = logging.getLogger(__name__)

OutputFormat = Literal["vecalign", "tsv"]
LENGTH_WARNING = 10  # one document this many times longer than the other is worth a warning


def read_document(
    path: str | os.PathLike, split_language: str | None = None, guard: LineGuard | None = None
) -> list[str]:
    """Every line of a document, whitespace runs made one space (a blank line stays a sentence,
    so that link indices are line numbers); with ``split_language``, the sentences the splitter
    finds in its text (:func:`align.splitting.split_text`). A sentence longer than the ``guard``'s
    limit is cut to it, and counted there (:class:`align.files.LineGuard`)."""
    guard = guard or LineGuard()
    lines = [text or "" for _, text in iter_lines(path)]
    if split_language is not None:
        from align.splitting import split_text

        sentences = [guard.cut(sentence) for sentence in split_text("\n".join(lines), split_language)]
    else:
        sentences = [guard.cut(line) for line in lines]
    if not any(sentences):
        raise AlignError(f"{path}: no sentences (the document is empty or blank)")
    return sentences


def split_language(path: str | os.PathLike, given: str | None, option: str) -> str:
    """The language to split ``path`` in: ``given``, else the file name's suffix when it is a
    two-letter or FLORES-style code (``book.de``, ``dev.zho_Hans``; three letters are too often a
    file type that is also a code, like ``txt``); an error naming ``option`` when neither says."""
    if given is not None:
        if not is_language(given):
            raise AlignError(f"{option} {given!r}: not a language code the language table knows")
        return given
    suffix = Path(path).suffix.lstrip(".")
    if (len(suffix) == 2 or "_" in suffix) and is_language(suffix):
        return suffix
    raise AlignError(f"--split: cannot tell the language of {path} from its name; pass {option}")


@dataclass(frozen=True)
class DocumentAlignment:
    """One aligned document pair: where it was written and what it holds."""

    source: str
    target: str
    output: str
    links: list[Link]
    sizes: tuple[int, int]
    warnings: tuple[str, ...] = ()

    def summary(self) -> str:
        one_to_one = sum(1 for link in self.links if len(link.source) == len(link.target) == 1)
        unaligned = sum(1 for link in self.links if not link.source or not link.target)
        return (
            f"{self.output}: {len(self.links):,} links for {self.sizes[0]:,} × {self.sizes[1]:,} sentences "
            f"({one_to_one:,} 1-1, {len(self.links) - one_to_one - unaligned:,} joining several, "
            f"{unaligned:,} unaligned)"
        )


def write_alignment(
    links: list[Link], sources: list[str], targets: list[str], output: str | os.PathLike, format: OutputFormat
) -> None:
    """Write ``links`` atomically: Vecalign's ``[i]:[j, k]:score`` lines, or ``score<TAB>src<TAB>tgt``."""
    with atomic_path(output) as tmp, open(tmp, "w", encoding="utf-8") as handle:
        if format == "vecalign":
            handle.write(format_links(links))
            return
        for link in links:
            source, target = texts_of(link, sources, targets)
            score = "" if link.score is None else f"{link.score:.6f}"
            handle.write(f"{score}\t{source}\t{target}\n")


@dataclass(frozen=True)
class DocumentPair:
    """Two documents read and checked, and where their alignment goes."""

    source: Path
    target: Path
    output: Path
    sentences: tuple[list[str], list[str]]
    warnings: list[str]


def read_pair(
    source: str | os.PathLike,
    target: str | os.PathLike,
    output: str | os.PathLike,
    *,
    split_languages: tuple[str, str] | None = None,
    max_chars: int = MAX_LINE_CHARS,
) -> DocumentPair:
    """Read two documents to align (:func:`read_document`), with a warning for each line cut and for
    lengths too different for a translation."""
    languages = split_languages or (None, None)
    guards = LineGuard(max_chars), LineGuard(max_chars)
    sources = read_document(source, languages[0], guards[0])
    targets = read_document(target, languages[1], guards[1])
    warnings = [*guards[0].warnings(source, cut=True), *guards[1].warnings(target, cut=True)]
    longer, shorter = max(len(sources), len(targets)), min(len(sources), len(targets))
    if longer >= LENGTH_WARNING * shorter:
        warnings.append(
            f"{source} has {len(sources):,} sentences and {target} {len(targets):,}: documents whose "
            "lengths differ this much are rarely translations of each other; most sentences will be unaligned"
        )
    return DocumentPair(Path(source), Path(target), Path(output), (sources, targets), warnings)


def _check_split_format(split: bool, format: OutputFormat) -> None:
    if format not in ("vecalign", "tsv"):
        raise AlignError(f"unknown format {format!r}: choose vecalign or tsv")
    if split and format == "vecalign":
        raise AlignError(
            "--split: Vecalign's format gives sentence numbers, which split text does not have; "
            "use --format tsv"
        )


def _align_pair(
    model: Encoder,
    pair: DocumentPair,
    config: SentalignConfig | None,
    format: OutputFormat,
    batch_size: int | None,
) -> DocumentAlignment:
    sources, targets = pair.sentences
    links = align_sentences(model, sources, targets, config, batch_size=batch_size)
    write_alignment(links, sources, targets, pair.output, format)
    sizes = (len(sources), len(targets))
    return DocumentAlignment(
        str(pair.source), str(pair.target), str(pair.output), links, sizes, tuple(pair.warnings)
    )


def align_files(
    model: Encoder | str,
    source: str | os.PathLike,
    target: str | os.PathLike,
    output: str | os.PathLike,
    config: SentalignConfig | None = None,
    *,
    format: OutputFormat = "vecalign",
    force: bool = False,
    batch_size: int | None = None,
    split_languages: tuple[str, str] | None = None,
    max_chars: int = MAX_LINE_CHARS,
) -> DocumentAlignment:
    """Align two documents (one sentence a line, or split in ``split_languages``) into ``output``:
    :func:`align_paths` for one pair of files."""
    splitting = SplitConfig()
    if split_languages is not None:
        splitting = SplitConfig(split=True, src_lang=split_languages[0], tgt_lang=split_languages[1])
    options = {"format": format, "force": force, "batch_size": batch_size, "max_chars": max_chars}
    [done] = align_paths(model, source, target, output, config, splitting, **options)
    return done


def align_paths(
    model: Encoder | str,
    source: str | os.PathLike,
    target: str | os.PathLike,
    output: str | os.PathLike,
    config: SentalignConfig | None = None,
    splitting: SplitConfig | None = None,
    *,
    format: OutputFormat = "vecalign",
    force: bool = False,
    batch_size: int | None = None,
    max_chars: int = MAX_LINE_CHARS,
) -> Iterator[DocumentAlignment]:
    """``align sentalign``: two documents, or two directories whose files of the same name are pairs
    (:func:`document_pairs`; ``output`` is then a directory). Every document is read and checked,
    and every output path, before the model loads; the alignments are yielded as they are written."""
    source, target, output = Path(source), Path(target), Path(output)
    splitting = splitting or SplitConfig()
    check_output(output, force=force, directory=source.is_dir(), inputs=[source, target])
    _check_split_format(splitting.split, format)
    if source.is_dir() != target.is_dir():
        raise AlignError("--src and --tgt must both be files or both be directories")
    check_model_source(model)
    files = document_pairs(source, target) if source.is_dir() else [(source, target)]
    pairs = []
    for source_file, target_file in files:
        languages = None
        if splitting.split:
            languages = (
                split_language(source_file, splitting.src_lang, "--src-lang"),
                split_language(target_file, splitting.tgt_lang, "--tgt-lang"),
            )
        path = output / source_file.name if source.is_dir() else output
        pairs.append(
            read_pair(source_file, target_file, path, split_languages=languages, max_chars=max_chars)
        )
    if source.is_dir():
        output.mkdir(parents=True, exist_ok=True)
    encoder = as_embedder(model)
    for pair in pairs:
        yield _align_pair(encoder, pair, config, format, batch_size)


def document_pairs(source_dir: str | os.PathLike, target_dir: str | os.PathLike) -> list[tuple[Path, Path]]:
    """The files of the same name in both directories, sorted; an error when they share none."""
    sources = {path.name: path for path in Path(source_dir).iterdir() if path.is_file()}
    targets = {path.name: path for path in Path(target_dir).iterdir() if path.is_file()}
    shared = sorted(sources.keys() & targets.keys())
    if not shared:
        raise AlignError(
            f"{source_dir} and {target_dir} have no file names in common: pair documents by name"
        )
    for name in sorted(sources.keys() ^ targets.keys()):
        logger.warning("%s: no document of that name on the other side; skipped", name)
    return [(sources[name], targets[name]) for name in shared]
