"""Resolve ``--pairs en-zh,en-de`` or ``--pairs 'en-*'`` (and an optional ``--data PATH``) into
corpora to read.

Codes may be in any form (``zh``, ``cmn``, ``zho_Hans``): they are matched through the language
table (:mod:`align.languages`), so ``--pairs en-zh`` finds ``NAME.eng_Latn-zho_Hans.*`` files too.
``*`` on one side takes every language paired with the other: ``en-*`` is every English pair.

Lookup order for each language pair:

1. ``--data PATH``: a corpus file, a ``save_to_disk`` dataset, or a directory searched
   recursively for the layouts of :mod:`align.data.layout`.
2. The align data directory: ``$ALIGN_DATA_DIR``, else ``$XDG_CACHE_HOME/align/data``
   (``~/.cache/align/data``), searched the same way.
3. The OPUS-100 dataset on the Hugging Face hub (``Helsinki-NLP/opus-100``), streamed (not for ``*``).
"""

from __future__ import annotations

import logging
import os
import re
from collections import Counter
from dataclasses import replace
from pathlib import Path

from align.data.layout import PAIR_FILE, FoundCorpus, corpora_in
from align.data.readers import CorpusSource, detect_format
from align.errors import AlignError
from align.languages import ENGLISH, is_language, language

logger = logging.getLogger(__name__)

HUB_DATASET = "Helsinki-NLP/opus-100"
ANY = "*"


def parse_language_pairs(spec: str) -> list[tuple[str, str]]:
    """``"en-zh,en-*"`` -> ``[("en", "zh"), ("en", "*")]``; anything else is a clear error.

    Each code must be one the language table knows (:func:`align.languages.language`)."""
    pairs = []
    for item in spec.split(","):
        match = re.fullmatch(r"\s*([A-Za-z_]+|\*)-([A-Za-z_]+|\*)\s*", item)
        if not match or ANY == match.group(1) == match.group(2):
            raise AlignError(
                f"cannot read language pair {item.strip()!r} in --pairs {spec!r}; write pairs of "
                "language codes such as en-zh or en-zh,en-de, or en-* for every English pair"
            )
        codes = [code for code in match.groups() if code != ANY]
        for code in codes:
            language(code)  # an unknown code fails here, naming itself
        if len(codes) == 2 and language(codes[0]).language == language(codes[1]).language:
            raise AlignError(f"--pairs {item.strip()!r}: both sides are the same language")
        pairs.append((match.group(1), match.group(2)))
    return pairs


def default_data_dir() -> Path:
    """Where align looks for corpora when ``--data`` is not given."""
    if os.environ.get("ALIGN_DATA_DIR"):
        return Path(os.environ["ALIGN_DATA_DIR"])
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return cache / "align" / "data"


def matching_corpora(found: list[FoundCorpus], source: str, target: str) -> list[CorpusSource]:
    """The corpora of ``found`` that the pair ``source``-``target`` asks for (``*`` for any), with
    the requested ``source`` side first. A pair of one language with itself is never taken."""
    sources = []
    wanted_source = language(source) if source != ANY else None
    wanted_target = language(target) if target != ANY else None
    for corpus in found:
        for first, second in ((corpus.first, corpus.second), (corpus.second, corpus.first)):
            a, b = language(first), language(second)
            if a.language == b.language:
                break
            if (wanted_source is None or wanted_source.covers(a)) and (
                wanted_target is None or wanted_target.covers(b)
            ):
                if wanted_source is None and wanted_target is not None and wanted_target.covers(a):
                    continue  # "*-en" takes an en-xx corpus with xx first, not English
                path, target_path, source_code, target_code = corpus.oriented(first)
                target_file = str(target_path) if target_path else None
                sources.append(CorpusSource(str(path), source_code, target_code, corpus.format, target_file))
                break
    return sources


def describe_found(found: list[FoundCorpus]) -> str:
    """What a directory holds, for error messages: ``en-de (2 corpora), en-zh, ...``."""
    # Tags are written as --pairs takes them: "fa_AF", not "fa-AF", whose hyphen would split the pair.
    tags = ((language(c.first).tag, language(c.second).tag) for c in found)
    counts = Counter(
        "-".join(tag.replace("-", "_") for tag in sorted(pair, key=lambda t: t != ENGLISH)) for pair in tags
    )
    if not counts:
        return "no corpora whose file names carry a language pair (NAME.L1-L2.L1, NAME.L1-L2.tsv, ...)"
    listed = [f"{pair} ({count} corpora)" if count > 1 else pair for pair, count in sorted(counts.items())]
    shown = ", ".join(listed[:40]) + (f", and {len(listed) - 40} more" if len(listed) > 40 else "")
    return f"{len(listed)} language pairs: {shown}"


def _single_file(
    path: Path, source_lang: str, target_lang: str, format: str | None, columns: tuple[str, str] | None
) -> list[CorpusSource]:
    format = format or detect_format(path)
    if format != "moses":
        return [CorpusSource(str(path), source_lang, target_lang, format, columns=columns)]
    match = PAIR_FILE.fullmatch(path.name)
    if not match:
        raise AlignError(f"{path}: a Moses file is named NAME.L1-L2.L1; pass the directory instead")
    partner = path.with_name(
        f"{match['stem']}.{match['first']}-{match['second']}.{target_lang}{match['gz'] or ''}"
    )
    if not partner.is_file():
        raise AlignError(f"{path}: its partner {partner.name} does not exist")
    return [CorpusSource(str(path), source_lang, target_lang, "moses", target_path=str(partner))]


def _not_found(data: Path, source: str, target: str, found: list[FoundCorpus]) -> AlignError:
    return AlignError(
        f"--data {data}: found no {source}-{target} corpus there (looked for files named "
        f"NAME.{source}-{target}.{source} and NAME.{source}-{target}.{target}, either order in the "
        f"name, or NAME.{source}-{target}.tsv and the like, in any form of the codes); it holds "
        f"{describe_found(found)}"
    )


def resolve_sources(
    pairs_spec: str,
    data: str | Path | None = None,
    *,
    format: str | None = None,
    columns: tuple[str, str] | None = None,
) -> list[CorpusSource]:
    """Turn ``--pairs`` and ``--data`` into the list of corpora to read, following the lookup order."""
    if data is not None and not Path(data).exists():
        raise AlignError(f"--data {data}: no such file or directory")
    try:
        language_pairs = parse_language_pairs(pairs_spec)
    except AlignError as error:
        if data is None or not Path(data).is_dir():
            raise
        raise AlignError(f"{error}; --data {data} holds {describe_found(corpora_in(Path(data)))}") from None
    if data is not None:
        path = Path(data)
        if path.is_file():
            if len(language_pairs) > 1 or ANY in language_pairs[0]:
                raise AlignError(
                    f"--data {path} is one file but --pairs {pairs_spec!r} asks for several language "
                    "pairs; pass a directory that holds a corpus for each pair"
                )
            return _single_file(path, *language_pairs[0], format, columns)
        if (format or detect_format(path)) == "hf":  # a save_to_disk dataset: its columns say the sides
            return [CorpusSource(str(path), s, t, "hf", columns=columns) for s, t in language_pairs]
        found = corpora_in(path)
        sources = []
        for source, target in language_pairs:
            matched = matching_corpora(found, source, target)
            if not matched:
                raise _not_found(path, source, target, found)
            sources += [_with_columns(s, columns) for s in matched]
        return sources
    local_dir = default_data_dir()
    found = corpora_in(local_dir) if local_dir.is_dir() else []
    sources = []
    for source, target in language_pairs:
        matched = matching_corpora(found, source, target)
        if matched:
            sources += [_with_columns(s, columns) for s in matched]
            continue
        if ANY in (source, target):
            raise AlignError(
                f"--pairs {source}-{target} takes every such pair from local files: pass --data "
                f"(or set $ALIGN_DATA_DIR); {local_dir} holds {describe_found(found)}"
            )
        source, target = language(source).language, language(target).language  # OPUS-100's codes
        config = "-".join(sorted((source, target)))
        logger.warning(
            "No local %s-%s corpus in %s; streaming %s (%s) from the Hugging Face hub. "
            "Pass --data PATH to use local files.",
            source,
            target,
            local_dir,
            HUB_DATASET,
            config,
        )
        sources.append(CorpusSource(HUB_DATASET, source, target, "hf", hf_config=config))
    return sources


def _with_columns(source: CorpusSource, columns: tuple[str, str] | None) -> CorpusSource:
    if columns is None or source.format == "moses":
        return source
    return replace(source, columns=columns)


def _suffix_language(path: Path) -> str | None:
    """``corpus.en`` (or ``corpus.en.gz``) → ``en``; None when the suffix is no language code."""
    name = path.name.removesuffix(".gz")
    code = Path(name).suffix.lstrip(".")
    return code if code and is_language(code) else None


def _named_languages(path: Path) -> tuple[str | None, str | None]:
    """The languages a corpus file's name gives, its own side first for a Moses file."""
    match = PAIR_FILE.fullmatch(path.name)
    if not match or not (is_language(match["first"]) and is_language(match["second"])):
        return None, None
    if match["last"] == match["second"]:
        return match["second"], match["first"]
    return match["first"], match["second"]


def bitext_source(
    input: str | Path | None = None,
    *,
    src: str | Path | None = None,
    tgt: str | Path | None = None,
    source_lang: str | None = None,
    target_lang: str | None = None,
    format: str | None = None,
    columns: tuple[str, str] | None = None,
) -> CorpusSource:
    """One bitext to filter or score: a corpus file (``input``: Moses, TSV, CSV, JSONL, TMX), or two
    line-aligned files (``src`` and ``tgt``). Languages not given are read from the file names
    (``NAME.en-zh.en``, ``NAME.en-zh.tsv``, ``--src x.en``) and checked against the language table."""
    if (input is None) == (src is None and tgt is None):
        raise AlignError("give one bitext: a corpus file, or --src and --tgt (two line-aligned files)")
    if input is None:
        if src is None or tgt is None:
            raise AlignError("--src and --tgt go together: the two sides of one bitext")
        named = _suffix_language(Path(src)), _suffix_language(Path(tgt))
    else:
        named = _named_languages(Path(input))
    source_lang, target_lang = source_lang or named[0], target_lang or named[1]
    if source_lang is None or target_lang is None:
        raise AlignError(
            f"cannot tell the languages of {input or src} from its name: pass --src-lang and --tgt-lang"
        )
    for code in (source_lang, target_lang):
        language(code)  # an unknown code fails here, naming itself
    if input is None:
        return CorpusSource(str(src), source_lang, target_lang, "moses", target_path=str(tgt))
    [source] = _single_file(Path(input), source_lang, target_lang, format, columns)
    return source
