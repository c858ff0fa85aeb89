"""The core install (``pip install align``) against the install with torch (``align[train]``):

- size on disk: the core is installed into a fresh virtual environment and measured; the install
  with torch is the core plus every distribution ``align[train]`` adds, measured from the files
  this environment (which has the extra) records for them;
- import to first vector: a fresh process of the core environment that imports align's embedder,
  loads a static model and embeds one sentence, against this environment doing the same through
  sentence-transformers; median of ``--repeats`` runs each. With ``--onnx``, the same for an
  exported transformer's graph against sentence-transformers on the model it was exported from.

    python benchmarks/core_install.py --model /work/models/static-en-zh \
        --onnx /work/models/me5-onnx/onnx/model_qint8.onnx

Target (issue: one embedding layer): the core runs a static model, import to first vector < 1 s.
"""

from __future__ import annotations

import sys
from pathlib import Path

if not __package__:  # run as a file: make the `benchmarks` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import re
import statistics
import subprocess
import tempfile
import time
from importlib import metadata

from align.embedding.onnx import model_directory
from benchmarks.common import Report, script_arguments

REPOSITORY = Path(__file__).resolve().parents[1]
CORE_FIRST_VECTOR = "from align.embedding import load_embedder\nload_embedder({model!r})(['I love NLP'])"
TORCH_FIRST_VECTOR = (
    "from sentence_transformers import SentenceTransformer\n"
    "SentenceTransformer({model!r}).encode(['I love NLP'], normalize_embeddings=True)"
)


def directory_bytes(path: Path) -> int:
    return sum(file.stat().st_size for file in path.rglob("*") if file.is_file() and not file.is_symlink())


def distribution_bytes(name: str) -> int:
    """The bytes of the files an installed distribution records."""
    files = metadata.distribution(name).files or []
    return sum(file.size or 0 for file in files)


def _key(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def closure(name: str, extras: tuple[str, ...] = ()) -> set[str]:
    """Every installed distribution that ``name[extras]`` needs, itself included."""
    from packaging.requirements import Requirement

    seen: set[str] = set()
    pending = [(name, extras)]
    while pending:
        current, wanted = pending.pop()
        try:
            requirements = metadata.requires(current) or []
        except metadata.PackageNotFoundError:
            continue
        seen.add(_key(current))
        for line in requirements:
            requirement = Requirement(line)
            environment = [{"extra": extra} for extra in wanted] or [{"extra": ""}]
            if requirement.marker and not any(requirement.marker.evaluate(env) for env in environment):
                continue
            if _key(requirement.name) not in seen or requirement.extras:
                pending.append((requirement.name, tuple(requirement.extras)))
    return seen


def first_vector_seconds(python: str, code: str, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run([python, "-c", code], check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> None:
    parser = script_arguments(__doc__, report="core_install")
    parser.add_argument("--model", required=True, help="a static model saved by align train")
    parser.add_argument(
        "--onnx", type=Path, help="an exported model's .onnx file (align export --format onnx)"
    )
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    models = {"static": str(args.model)}
    if args.onnx is not None:
        models["onnx"] = str(args.onnx)
    report = Report("core_install", args.data, args.output)
    added = closure("align", ("train",)) - closure("align")
    torch_bytes = sum(distribution_bytes(name) for name in added)
    with tempfile.TemporaryDirectory(prefix="align-core-") as tmp:
        venv = Path(tmp) / "venv"
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        python = str(venv / "bin" / "python")
        started = time.perf_counter()
        subprocess.run([python, "-m", "pip", "install", "--quiet", str(REPOSITORY)], check=True)
        install_seconds = time.perf_counter() - started
        site = next((venv / "lib").glob("python*/site-packages"))
        core_bytes = directory_bytes(site)
        absent = subprocess.run(
            [python, "-c", "import importlib.util as u; print([m for m in ('torch', 'sentence_transformers', "
             "'transformers') if u.find_spec(m)])"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
        core_seconds = {
            kind: first_vector_seconds(python, CORE_FIRST_VECTOR.format(model=model), args.repeats)
            for kind, model in models.items()
        }
    sources = {"static": str(args.model), "onnx": str(model_directory(args.onnx)) if args.onnx else ""}
    torch_seconds = {
        kind: first_vector_seconds(
            sys.executable, TORCH_FIRST_VECTOR.format(model=sources[kind]), args.repeats
        )
        for kind in models
    }
    with_torch = core_bytes + torch_bytes
    print(f"core install: {core_bytes / 2**20:,.0f} MiB ({install_seconds:.0f} s to install); "
          f"torch modules present: {absent}")  # fmt: skip
    print(f"with align[train]: {with_torch / 2**20:,.0f} MiB ({len(added)} more distributions); "
          f"ratio {with_torch / core_bytes:.1f}")  # fmt: skip
    for kind in models:
        print(f"import to first vector, {kind} model: core {core_seconds[kind]:.2f} s, "
              f"sentence-transformers {torch_seconds[kind]:.2f} s")  # fmt: skip
    report.write(
        {"model": args.model, "onnx": models.get("onnx"), "repeats": args.repeats},
        core_mib=round(core_bytes / 2**20),
        with_train_mib=round(with_torch / 2**20),
        train_adds=sorted(added),
        size_ratio=round(with_torch / core_bytes, 2),
        first_vector_seconds={
            kind: {
                "core": round(core_seconds[kind], 3),
                "sentence-transformers": round(torch_seconds[kind], 3),
            }
            for kind in models
        },
        torch_in_core=absent,
    )


if __name__ == "__main__":
    main()
