"""Run Bertalign (PyPI `bertalign`, GPL-3.0, Python >= 3.12) on two documents, one sentence a line,
and print its alignment in Vecalign's format. Standalone: it runs in Bertalign's own environment,
without align, and benchmarks/sentalign_quality.py scores what it prints.

    python bertalign_links.py MODEL SOURCE TARGET > links.txt

MODEL is any sentence-transformers model by path (Bertalign's default is LaBSE from the hub).
Bertalign's defaults otherwise: max_align 5, top_k 3, win 5, skip -0.1, margin, length penalty.
"""

from __future__ import annotations

import sys
from pathlib import Path


def main() -> None:
    from bertalign import Bertalign

    model, source, target = sys.argv[1:4]
    src = Path(source).read_text(encoding="utf-8")
    tgt = Path(target).read_text(encoding="utf-8")
    aligner = Bertalign(src, tgt, is_split=True, model=model)
    for source_ids, target_ids in aligner.align_sents():
        print(f"{[int(i) for i in source_ids]}:{[int(j) for j in target_ids]}")


if __name__ == "__main__":
    main()
