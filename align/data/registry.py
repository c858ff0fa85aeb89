"""Resolve ``--pairs en-zh,en-de`` (and an optional ``--data PATH``) into corpora to read.

Lookup order for each language pair:

1. ``--data PATH``: a corpus file, a ``save_to_disk`` dataset, or a directory searched
   recursively for OPUS Moses pairs (``NAME.en-zh.en`` beside ``NAME.en-zh.zh``).
2. The align data directory: ``$ALIGN_DATA_DIR``, else ``$XDG_CACHE_HOME/align/data``
   (``~/.cache/align/data``), searched the same way.
3. The OPUS-100 dataset on the Hugging Face hub (``Helsinki-NLP/opus-100``), streamed.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

from align.data.readers import CorpusSource, detect_format, moses_pairs_in
from align.errors import AlignError

logger = logging.getLogger(__name__)

HUB_DATASET = "Helsinki-NLP/opus-100"


def parse_language_pairs(spec: str) -> list[tuple[str, str]]:
    """``"en-zh,en-de"`` -> ``[("en", "zh"), ("en", "de")]``; anything else is a clear error."""
    pairs = []
    for item in spec.split(","):
        match = re.fullmatch(r"\s*([A-Za-z_]+)-([A-Za-z_]+)\s*", item)
        if not match or match.group(1) == match.group(2):
            raise AlignError(
                f"cannot read language pair {item.strip()!r} in --pairs {spec!r}; "
                "write pairs of language codes such as en-zh or en-zh,en-de"
            )
        pairs.append((match.group(1), match.group(2)))
    return pairs


def default_data_dir() -> Path:
    """Where align looks for corpora when ``--data`` is not given."""
    if os.environ.get("ALIGN_DATA_DIR"):
        return Path(os.environ["ALIGN_DATA_DIR"])
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return cache / "align" / "data"


def _sources_in_path(
    path: Path, source_lang: str, target_lang: str, format: str | None, columns: tuple[str, str] | None
) -> list[CorpusSource]:
    format = format or detect_format(path)
    if format != "moses":
        return [CorpusSource(str(path), source_lang, target_lang, format, columns=columns)]
    if path.is_file():
        match = re.fullmatch(r"(.+\.[\w]+-[\w]+)\.([\w]+)(\.gz)?", path.name)
        if not match:
            raise AlignError(f"{path}: a Moses file is named NAME.L1-L2.L1; pass the directory instead")
        partner = path.with_name(f"{match.group(1)}.{target_lang}{match.group(3) or ''}")
        if not partner.is_file():
            raise AlignError(f"{path}: its partner {partner.name} does not exist")
        return [CorpusSource(str(path), source_lang, target_lang, "moses", target_path=str(partner))]
    return [
        CorpusSource(str(src), source_lang, target_lang, "moses", target_path=str(tgt))
        for src, tgt in moses_pairs_in(path, source_lang, target_lang)
    ]


def resolve_sources(
    pairs_spec: str,
    data: str | Path | None = None,
    *,
    format: str | None = None,
    columns: tuple[str, str] | None = None,
) -> list[CorpusSource]:
    """Turn ``--pairs`` and ``--data`` into the list of corpora to read, following the lookup order."""
    language_pairs = parse_language_pairs(pairs_spec)
    if data is not None:
        path = Path(data)
        if not path.exists():
            raise AlignError(f"--data {path}: no such file or directory")
        if path.is_file() and len(language_pairs) > 1:
            raise AlignError(
                f"--data {path} is one file but --pairs names {len(language_pairs)} language pairs; "
                "pass a directory that holds a corpus for each pair"
            )
    sources: list[CorpusSource] = []
    for source_lang, target_lang in language_pairs:
        if data is not None:
            found = _sources_in_path(Path(data), source_lang, target_lang, format, columns)
            if not found:
                raise AlignError(
                    f"--data {data}: found no {source_lang}-{target_lang} corpus there (looked for "
                    f"files named NAME.{source_lang}-{target_lang}.{source_lang} and "
                    f"NAME.{source_lang}-{target_lang}.{target_lang}, either order in the name)"
                )
            sources += found
            continue
        local_dir = default_data_dir()
        found = moses_pairs_in(local_dir, source_lang, target_lang) if local_dir.is_dir() else []
        if found:
            sources += [
                CorpusSource(str(s), source_lang, target_lang, "moses", target_path=str(t)) for s, t in found
            ]
            continue
        config = "-".join(sorted((source_lang, target_lang)))
        logger.warning(
            "No local %s-%s corpus in %s; streaming %s (%s) from the Hugging Face hub. "
            "Pass --data PATH to use local files.",
            source_lang,
            target_lang,
            local_dir,
            HUB_DATASET,
            config,
        )
        sources.append(CorpusSource(HUB_DATASET, source_lang, target_lang, "hf", hf_config=config))
    return sources
