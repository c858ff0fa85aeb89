"""The ``align`` command: a thin typer layer over the Python API (nothing here is CLI-only logic).

Options come from the config dataclasses (:mod:`align.cli_options`), so defaults and help texts are
written once, beside the code that uses them. Arguments are checked by their types before anything
heavy is imported; the API functions check outputs, inputs and model names before any model loads
(importing them loads no torch), so a mistake is reported in well under a second. Errors reach the
user as one line (:mod:`align.cli_errors`).
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from align.bench.registry import BENCHMARKS, Benchmark
from align.bench.settings import BenchSettings
from align.cli_errors import AlignCommand, AlignGroup, install_signal_handlers
from align.cli_options import config_options
from align.data.options import CorpusFormat, ReadConfig
from align.docalign.config import DocalignConfig
from align.extras import require
from align.filtering.config import FilterConfig
from align.index.settings import DEFAULT_NPROBE, Precision
from align.lid.config import LidConfig
from align.mining.config import MiningConfig
from align.mining.sharded.config import ShardingConfig
from align.model_source import MODEL_HELP, check_model_source
from align.outputs import check_output
from align.sentalign.config import SentalignConfig, SplitConfig
from align.settings import help_of
from align.threads import THREADS_ENV, set_threads
from align.training.config import DistillConfig, RunConfig, TrainConfig

if TYPE_CHECKING:
    from align.data.readers import CorpusSource

app = typer.Typer(
    help="Cross-lingual sentence-embedding alignment: train one encoder for many languages, "
    "embed text with it, and find translations.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    add_completion=False,
    cls=AlignGroup,
)


@app.callback()
def _main(
    debug: Annotated[
        bool,
        typer.Option(
            "--debug",
            envvar="ALIGN_DEBUG",
            help="Show the full traceback of an unexpected error instead of writing it to a file.",
        ),
    ] = False,
    threads: Annotated[
        str | None,
        typer.Option(
            "--threads",
            envvar=THREADS_ENV,
            metavar="N",
            help="Threads for torch, FAISS and the tokenizers: a number, or auto (the cores other "
            "processes leave idle). Default: auto, or OMP_NUM_THREADS where set. Lower it when other "
            "jobs share the machine.",
            show_default=False,
        ),
    ] = None,
) -> None:
    install_signal_handlers()
    set_threads(threads)


ReplaceOption = Annotated[
    bool,
    typer.Option("--force", help="Replace the outputs if they exist (a file, or a directory align wrote)."),
]
VerboseOption = Annotated[bool, typer.Option("--verbose", "-v", help="Log more detail.")]
BatchSizeOption = Annotated[int | None, typer.Option(min=1, help=help_of(BenchSettings, "batch_size"))]
ModelOption = Annotated[str, typer.Option(help=MODEL_HELP)]
FactoryOption = Annotated[str | None, typer.Option("--index-factory", help=help_of(MiningConfig, "factory"))]
NprobeOption = Annotated[int, typer.Option(min=1, help=help_of(MiningConfig, "nprobe"))]


def _input(help: str, metavar: str) -> typer.models.ArgumentInfo:
    """An argument naming a file that must exist (checked before anything loads)."""
    return typer.Argument(exists=True, dir_okay=False, metavar=metavar, help=help)


def _file(help: str) -> typer.models.OptionInfo:
    """An option naming a file that must exist."""
    return typer.Option(exists=True, dir_okay=False, help=help)


def _directory(help: str) -> typer.models.OptionInfo:
    """An option naming a directory that must exist."""
    return typer.Option(exists=True, file_okay=False, help=help)


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("align").setLevel(logging.INFO if verbose else logging.WARNING)


def _check_training_output(config: RunConfig, verbose: bool) -> None:
    """What train and distill check before torch loads: the model directory may be written, and the
    pretrained model or teacher can be found."""
    _setup_logging(verbose)
    require("train", f"align {'distill' if isinstance(config, DistillConfig) else 'train'}")
    for model in filter(None, (getattr(config, "model", None), getattr(config, "teacher", None))):
        check_model_source(model)
    if not config.resume:  # a resumed run's output does not exist yet; the run's own checks say so
        check_output(config.output, force=config.force, directory=True, inputs=[config.data])


@app.command()
@config_options(config=TrainConfig)
def train(config: TrainConfig, verbose: VerboseOption = False) -> None:
    """Train a language-agnostic sentence encoder on parallel text.

    The loss is InfoNCE over in-batch negatives: each sentence must pick its translation out of
    the batch. The saved model loads with plain SentenceTransformer(OUTPUT).

    \b
    Example: align train --pairs en-zh --data corpora/en-zh --output models/en-zh
    """
    _check_training_output(config, verbose)
    from align.training.trainer import train as run_training

    typer.echo("\n".join(run_training(config).summary_lines()))


@app.command()
@config_options(config=DistillConfig)
def distill(config: DistillConfig, verbose: VerboseOption = False) -> None:
    """Distil a transformer encoder into a static one that encodes ~100× faster on a CPU.

    The student learns to put a sentence and its translation on the teacher's embedding of the
    sentence (Reimers & Gurevych 2020), with the translation ranking loss beside. The default
    student is static: a tokenizer trained on the corpus (one token per Han character), each token
    starting at the teacher's embedding of it. --student transformer keeps --student-layers of the
    teacher's layers instead. The saved student loads with plain SentenceTransformer(OUTPUT).

    \b
    Example: align distill --teacher intfloat/multilingual-e5-small --pairs en-zh --data corpora/en-zh \\
                 --output models/student
    """
    _check_training_output(config, verbose)
    from align.training.distillation import distill as run_distillation

    typer.echo("\n".join(run_distillation(config).summary_lines()))


@app.command(cls=AlignCommand)
@config_options(reading=ReadConfig)
def embed(
    input: Annotated[Path, _input("UTF-8 text file, one sentence a line.", "INPUT")],
    output: Annotated[
        Path, typer.Argument(metavar="OUTPUT", help="Where to write the .npy matrix (row i = line i).")
    ],
    model: ModelOption,
    reading: ReadConfig,
    batch_size: BatchSizeOption = None,
    force: ReplaceOption = False,
    verbose: VerboseOption = False,
) -> None:
    """Encode a text file into an L2-normalised float32 matrix saved as .npy.

    \b
    Example: align embed --model models/en-zh sentences.zh sentences.zh.npy
    """
    _setup_logging(verbose)
    from align.embedding import embed_file

    embeddings = embed_file(model, input, output, batch_size=batch_size, force=force, **reading.kwargs())
    typer.echo(f"Wrote {output}: {embeddings.shape[0]:,} × {embeddings.shape[1]} float32")


@app.command(cls=AlignCommand)
def export(
    model: Annotated[str, typer.Argument(metavar="MODEL", help="A model directory (or hub name) to export.")],
    output: Annotated[Path, typer.Argument(metavar="OUTPUT", help="Directory to write the export to.")],
    format: Annotated[
        str,
        typer.Option(
            "--format",
            metavar="onnx|model2vec",
            help="onnx: a transformer encoder's graph for onnxruntime (torch-free), with an int8 copy; "
            "model2vec: a static model in model2vec's format.",
        ),
    ],
    quantize: Annotated[
        bool,
        typer.Option(help="Also write onnx/model_qint8.onnx: int8 weights, ~1/3 the size, ~1.5× faster."),
    ] = True,
    force: ReplaceOption = False,
) -> None:
    """Export a model to run elsewhere, and check its vectors against the original's.

    Run an ONNX export without torch by giving its graph as the model: --model OUTPUT/onnx/model.onnx.

    \b
    Example: align export intfloat/multilingual-e5-small e5-onnx --format onnx
             align embed --model e5-onnx/onnx/model_qint8.onnx sentences.zh sentences.npy
             align export models/en-zh en-zh-m2v --format model2vec
    """
    from align.export import export_model

    typer.echo(export_model(model, output, format, quantize=quantize, force=force).summary())


@app.command(cls=AlignCommand)
@config_options(reading=ReadConfig)
def neighbours(
    queries: Annotated[Path, _input("Sentences to look up, one a line.", "QUERIES")],
    candidates: Annotated[Path, _input("Sentences to search, one a line (any language).", "CANDIDATES")],
    model: ModelOption,
    reading: ReadConfig,
    top_k: Annotated[int, typer.Option("--top-k", "-k", min=1, help="Neighbours to show per query.")] = 1,
) -> None:
    """Print each query's nearest candidates by cosine similarity: a quick look at what a model learned.

    \b
    Example: align neighbours --model models/en-zh queries.en sentences.zh --top-k 3
    """
    from align.neighbours import file_neighbours

    found = file_neighbours(model, queries, candidates, top_k=top_k, **reading.kwargs())
    for warning in found.warnings():
        typer.echo(f"warning: {warning}", err=True)
    for query, hits in zip(found.queries.texts, found.hits, strict=True):
        typer.echo(query)
        for index, score in hits:
            typer.echo(f"    {score:.3f}  {found.candidates.texts[index]}")


@app.command()
@config_options(mining=MiningConfig, sharding=ShardingConfig, languages=LidConfig, reading=ReadConfig)
def mine(
    src: Annotated[Path, _file("Source-language sentences, one a line.")],
    tgt: Annotated[Path, _file("Target-language sentences, one a line.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="TSV to write: score, source, target.")],
    mining: MiningConfig,
    sharding: ShardingConfig,
    languages: LidConfig,
    reading: ReadConfig,
    model: Annotated[str | None, typer.Option(help=MODEL_HELP)] = None,
    src_embeddings: Annotated[
        Path | None, _file("Embeddings of --src made by align embed (skips encoding).")
    ] = None,
    tgt_embeddings: Annotated[Path | None, _file("Embeddings of --tgt made by align embed.")] = None,
    gold: Annotated[
        Path | None,
        _file(
            "Every true pair in the two files (SRC_LINE<TAB>TGT_LINE, 1-based), for a dev pool: find and "
            "use the threshold with the best F1, then pass it as --threshold on your real data."
        ),
    ] = None,
    unify: Annotated[
        bool, typer.Option("--unify", help="Encode repeated lines once; each sentence is mined once.")
    ] = False,
    line_numbers: Annotated[
        bool, typer.Option("--line-numbers", help="Append the source and target line numbers.")
    ] = False,
    force: ReplaceOption = False,
    verbose: VerboseOption = False,
) -> None:
    """Find translation pairs in two monolingual files (margin-based mining, Artetxe & Schwenk 2019).

    Inputs that fit in memory are mined in one process. --shard-size, --work-dir or --engine ray
    mine in shards instead: one shard's texts and vectors in memory at a time, every finished
    shard kept under --work-dir, so running the same command again after a crash resumes.
    --src-lang/--tgt-lang run language identification on the mined pairs and drop those in
    another language (the count is reported).

    \b
    Example: align mine --model models/en-zh --src dev.en --tgt dev.zh -o dev-pairs.tsv --gold dev-gold.tsv
    Cluster: align mine --src big.en --tgt big.zh -o pairs.tsv --model models/en-zh --engine ray \\
                 --ray-address auto --shard-size 1000000 --work-dir /shared/mine-en-zh
    """
    _setup_logging(verbose)
    from align.mining.run import mine_text_files

    report = mine_text_files(
        model, src, tgt, output, mining, sharding, languages=languages, gold=gold, unify=unify,
        line_numbers=line_numbers, source_embeddings=src_embeddings, target_embeddings=tgt_embeddings,
        force=force, **reading.kwargs(),
    )  # fmt: skip
    for line in report.summary_lines():
        typer.echo(line, err=line.startswith("warning:"))


BitextInput = Annotated[
    Path | None,
    typer.Argument(
        exists=True,
        dir_okay=False,
        metavar="BITEXT",
        help="A parallel corpus file: NAME.en-zh.en (its partner beside it), TSV, CSV, JSONL or TMX. "
        "Or give --src and --tgt.",
    ),
]
SideOption = Annotated[Path | None, _file("One side of the bitext, line-aligned with the other.")]


def _bitext(
    input: Path | None, src: Path | None, tgt: Path | None, languages: LidConfig, data_format: CorpusFormat
) -> CorpusSource:
    """The bitext that filter and score read, from their arguments (languages from names if not given)."""
    from align.data.registry import bitext_source

    sides = {"src": src, "tgt": tgt, "source_lang": languages.src_lang, "target_lang": languages.tgt_lang}
    return bitext_source(input, **sides, format=data_format.format, columns=data_format.columns)


@app.command("filter", cls=AlignCommand)
@config_options(
    config=FilterConfig,
    mining=MiningConfig,
    sharding=ShardingConfig,
    data_format=CorpusFormat,
    reading=ReadConfig,
    exclude={"mode", "threshold", "max_chars"},
)
def filter_(
    input: BitextInput = None,
    *,
    output: Annotated[
        Path,
        typer.Option("--output", "-o", help="TSV of the kept pairs: score, source, target (input order)."),
    ],
    config: FilterConfig,
    mining: MiningConfig,
    sharding: ShardingConfig,
    data_format: CorpusFormat,
    reading: ReadConfig,
    src: SideOption = None,
    tgt: SideOption = None,
    model: Annotated[str | None, typer.Option(help=f"Encoder that scores the pairs. {MODEL_HELP}")] = None,
    rejected: Annotated[
        Path | None, typer.Option(help="Also write the dropped pairs here: reason, source, target.")
    ] = None,
    line_numbers: Annotated[
        bool,
        typer.Option("--line-numbers", help="Append each pair's line in the input (twice, as mine does)."),
    ] = False,
    batch_size: BatchSizeOption = None,
    force: ReplaceOption = False,
    verbose: VerboseOption = False,
) -> None:
    """Clean a bitext: drop pairs that fail the cleaning rules, copies, pairs in the wrong languages,
    and pairs the encoder scores low, and say how many each stage dropped and why.

    The encoder score is the pair's margin within the corpus (LASER's filtering): its cosine over
    the mean similarity of each side to its k nearest sentences of the other side. By default a
    pair is kept when that ratio is at least 1. --shard-size, --work-dir or --engine ray score in
    shards, as align mine does: embeddings on disk, any size, resumable.

    \b
    Example: align filter crawl.en-zh.tsv --model models/en-zh -o clean.tsv --rejected dropped.tsv
             align filter --src crawl.en --tgt crawl.zh --model models/en-zh -o clean.tsv --keep-top 0.8
    """
    _setup_logging(verbose)
    languages = config.languages
    source = _bitext(input, src, tgt, languages, data_format)
    from align.filtering.pipeline import BitextFilter

    report = BitextFilter(
        source,
        str(output),
        config,
        mining,
        model=model,
        rejected=str(rejected) if rejected else None,
        line_numbers=line_numbers,
        skip_bad_lines=reading.skip_bad_lines,
        force=force,
        batch_size=batch_size,
        sharding=sharding,
    ).run()
    for line in report.summary_lines():
        typer.echo(line, err=line.startswith("warning:"))


@app.command(cls=AlignCommand)
@config_options(
    mining=MiningConfig,
    languages=LidConfig,
    data_format=CorpusFormat,
    reading=ReadConfig,
    exclude={"mode", "threshold", "script_rules", "max_chars"},
)
def score(
    input: BitextInput = None,
    *,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="TSV to write, one row per pair, a header first.")
    ],
    model: ModelOption,
    mining: MiningConfig,
    languages: LidConfig,
    data_format: CorpusFormat,
    reading: ReadConfig,
    src: SideOption = None,
    tgt: SideOption = None,
    batch_size: BatchSizeOption = None,
    force: ReplaceOption = False,
    verbose: VerboseOption = False,
) -> None:
    """Score every pair of a bitext, for rules of your own: its line, cosine, margin within the corpus,
    each side's identified language and confidence, and the two sentences.

    \b
    Example: align score crawl.en-zh.tsv --model models/en-zh -o scores.tsv
    """
    _setup_logging(verbose)
    source = _bitext(input, src, tgt, languages, data_format)
    from align.filtering.pipeline import BitextScoring

    options = {"lid": languages.lid, "skip_bad_lines": reading.skip_bad_lines, "force": force}
    options["batch_size"] = batch_size
    rows = BitextScoring(source, str(output), model, mining, **options).run()
    typer.echo(f"Wrote {rows:,} scored pairs to {output}")


@app.command()
@config_options(config=SentalignConfig, splitting=SplitConfig, reading=ReadConfig, exclude={"skip_bad_lines"})
def sentalign(
    *,
    src: Annotated[
        Path, typer.Option(exists=True, help="Source document, one sentence a line; or a directory of them.")
    ],
    tgt: Annotated[
        Path,
        typer.Option(
            exists=True, help="Its translation, one sentence a line; or a directory (same file names)."
        ),
    ],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Alignment to write (a directory, for directories).")
    ],
    model: ModelOption,
    config: SentalignConfig,
    splitting: SplitConfig,
    reading: ReadConfig,
    format: Annotated[
        str, typer.Option(help="vecalign: [i, j]:[k]:score a line; tsv: score, source text, target text.")
    ] = "vecalign",
    batch_size: BatchSizeOption = None,
    force: ReplaceOption = False,
    verbose: VerboseOption = False,
) -> None:
    """Align the sentences of two documents in order, with 1-n, n-1 and n-m links and sentences
    left unaligned (Vecalign's costs on any sentence-transformers model).

    Documents not yet one sentence a line: --split (with --format tsv) splits their text first.

    \b
    Example: align sentalign --model intfloat/multilingual-e5-small --src book.de --tgt book.fr -o book.align
             align sentalign --model intfloat/multilingual-e5-small --src de/ --tgt fr/ -o alignments/ \\
                 --format tsv
             align sentalign --model intfloat/multilingual-e5-small --src page.en --tgt page.zh -o page.tsv \\
                 --format tsv --split
    """
    _setup_logging(verbose)
    from align.sentalign.documents import align_paths

    options = {"format": format, "force": force, "batch_size": batch_size, "max_chars": reading.max_chars}
    for done in align_paths(model, src, tgt, output, config, splitting, **options):
        for warning in done.warnings:
            typer.echo(f"warning: {warning}", err=True)
        typer.echo(done.summary())


@app.command()
@config_options(config=DocalignConfig, mining=MiningConfig, splitting=SplitConfig, alignment=SentalignConfig)
def docalign(
    *,
    src: Annotated[
        Path,
        typer.Option(
            exists=True, help="Source documents: a directory (one document a file), or JSONL of id/text."
        ),
    ],
    tgt: Annotated[Path, typer.Option(exists=True, help="Target documents, the same way.")],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="TSV to write: score, source document, target document.")
    ],
    model: ModelOption,
    config: DocalignConfig,
    mining: MiningConfig,
    splitting: SplitConfig,
    alignment: SentalignConfig,
    sentalign: Annotated[
        Path | None,
        typer.Option(
            "--sentalign",
            help="Also align the sentences of each pair found, one TSV a pair in this directory.",
        ),
    ] = None,
    batch_size: BatchSizeOption = None,
    force: ReplaceOption = False,
    verbose: VerboseOption = False,
) -> None:
    """Pair the documents of two collections that translate each other: each document one vector
    made from its sentences' embeddings (in windows over its length, so order counts: Thompson &
    Koehn 2020), then k-NN and margin as in align mine, each document in one pair at most.

    The sentence-alignment options (--max-concat, --deletion, ...) apply with --sentalign.

    \b
    Example: align docalign --model intfloat/multilingual-e5-small --src pages-en/ --tgt pages-zh/ \\
                 -o pairs.tsv
             align docalign --model intfloat/multilingual-e5-small --src en.jsonl --tgt zh.jsonl \\
                 -o pairs.tsv --split --src-lang en --tgt-lang zh --sentalign aligned/ --threshold 1.05
    """
    _setup_logging(verbose)
    from align.docalign import align_collections

    options = {"sentalign": sentalign, "batch_size": batch_size, "force": force}
    done = align_collections(model, src, tgt, output, config, mining, splitting, alignment, **options)
    typer.echo("\n".join(done.summary_lines()))


@app.command(cls=AlignCommand)
@config_options(reading=ReadConfig)
def index(
    documents: Annotated[
        Path, _input("Documents, one a line (any language); ids are line numbers.", "DOCUMENTS")
    ],
    output: Annotated[Path, typer.Argument(metavar="OUTPUT", help="Directory to save the index to.")],
    model: Annotated[
        str,
        typer.Option(
            help="Encoder: a model saved by align train, or any sentence-transformers "
            "model, by name or path (it is recorded, a path as an absolute one)."
        ),
    ],
    reading: ReadConfig,
    index_factory: FactoryOption = None,
    nprobe: NprobeOption = DEFAULT_NPROBE,
    precision: Annotated[
        Precision,
        typer.Option(
            help="Keep the vectors as float16, int8 or binary codes, rescored with the float32 ones "
            "(kept on disk): 1/2, 1/4 or 1/32 of the memory (docs/embedding.md measures recall)."
        ),
    ] = "float32",
    force: ReplaceOption = False,
) -> None:
    """Build a cross-lingual search index over a file of documents (nprobe is saved with it).

    \b
    Example: align index documents.zh docs-index --model models/en-zh
             align index documents.zh docs-index --model models/en-zh --precision binary
    """
    from align.retriever import index_file

    options = {"factory": index_factory, "nprobe": nprobe, "precision": precision, "force": force}
    options |= reading.kwargs()
    typer.echo(index_file(documents, output, model, **options))


@app.command(cls=AlignCommand)
def search(
    index_dir: Annotated[
        Path,
        typer.Argument(exists=True, file_okay=False, metavar="INDEX", help="An index made by align index."),
    ],
    queries: Annotated[
        list[str], typer.Argument(metavar="QUERY", help="One or more queries, in any language.")
    ],
    top_k: Annotated[int, typer.Option("--top-k", "-k", min=1, help="Results per query.")] = 5,
    model: Annotated[
        str | None, typer.Option(help="Encoder to query with (default: the one the index was built with).")
    ] = None,
    nprobe: Annotated[
        int | None,
        typer.Option(min=1, help="IVF lists to scan per query (default: the one saved with the index)."),
    ] = None,
    json_output: Annotated[
        bool,
        typer.Option(
            "--json",
            help='Print JSON for a script to read: a list with an entry per query, each with its "query" '
            'and its "hits" (id, text, score, metadata), best first.',
        ),
    ] = False,
) -> None:
    """Search an index: print each query's best documents with their line numbers and cosines.

    \b
    Example: align search docs-index "Where is the train station?" -k 5
             align search docs-index "火车站在哪里？" --json | jq '.[0].hits[0].text'
    """
    from align.retriever import Retriever

    retriever = Retriever.load(index_dir, model=model, nprobe=nprobe)
    results = list(zip(queries, retriever.search(list(queries), k=top_k), strict=True))
    if json_output:
        found = [{"query": query, "hits": [hit.to_json() for hit in hits]} for query, hits in results]
        typer.echo(json.dumps(found, ensure_ascii=False, indent=1))
        return
    for query, hits in results:
        typer.echo(query)
        for hit in hits:
            typer.echo(f"    {hit.score:.3f}  [{hit.id}] {hit.text}")


bench_app = typer.Typer(
    help="Benchmarks that a paper could cite: JSON with every setting, and a Markdown table.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(bench_app, name="bench")


def _bench_command(benchmark: Benchmark) -> Callable[..., None]:
    """``align bench NAME``: the benchmark's options and the run settings, then
    :func:`align.bench.runner.run_benchmark` and the table."""

    def command(options: Any, settings: BenchSettings) -> None:
        from align.bench.runner import run_benchmark

        run = run_benchmark(lambda: benchmark.task(options), settings)
        typer.echo(run.markdown())
        if settings.output is not None:
            typer.echo(f"\nWrote {settings.output}")

    options = config_options(options=benchmark.options, settings=BenchSettings, exclude=benchmark.exclude)
    return options(command)


for _name, _benchmark in BENCHMARKS.items():
    bench_app.command(_name, help=_benchmark.help)(_bench_command(_benchmark))


@bench_app.command("build-bucc")
@config_options(reading=ReadConfig, exclude={"max_chars"})
def bench_build_bucc(
    parallel: Annotated[str, typer.Option(help="Parallel corpus to hide (any format align train reads).")],
    unpaired_src: Annotated[Path, _file("Source-language sentences with no translation on the other side.")],
    unpaired_tgt: Annotated[Path, _file("Target-language sentences with no translation on the other side.")],
    pair: Annotated[str, typer.Option(help="Language pair, e.g. en-zh (source first).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Directory to write the split into.")],
    reading: ReadConfig,
    split: Annotated[str, typer.Option(help="Split name, e.g. training or test.")] = "training",
    seed: Annotated[int, typer.Option(help="Shuffling seed.")] = 0,
    force: ReplaceOption = False,
) -> None:
    """Build a BUCC-style mining task from a parallel corpus plus unpaired sentences on each side.

    \b
    Example: align bench build-bucc --parallel dev.tsv --unpaired-src news.en --unpaired-tgt news.zh
    --pair en-zh --output pool/ --split training
    """
    from align.bench.bucc import build_bucc_split

    options = {"seed": seed, "skip_bad_lines": reading.skip_bad_lines, "force": force}
    gold = build_bucc_split(parallel, unpaired_src, unpaired_tgt, output, pair, split, **options)
    typer.echo(f"Wrote {output}/{pair}.{split}.* ({gold:,} gold pairs)")


if __name__ == "__main__":
    app()
