"""The ``align`` command: a thin typer layer over the Python API (nothing here is CLI-only logic).

Options come from the config dataclasses (:mod:`align.cli_options`), so defaults and help texts are
written once, beside the code that uses them. Arguments are checked by their types before anything
heavy is imported; the API functions check outputs, inputs and model names before any model loads
(importing them loads no torch), so a mistake is reported in well under a second. Errors reach the
user as one line (:mod:`align.cli_errors`).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable
from typing import Annotated

import typer

from align.cli_bench import bench_app
from align.cli_errors import AlignCommand, AlignGroup, install_signal_handlers
from align.cli_options import config_options
from align.data.options import CorpusFormat, ReadConfig
from align.docalign.config import DocalignConfig, DocalignFiles
from align.embedding.config import EmbedFiles, NeighboursFiles
from align.export.run import ExportConfig
from align.filtering.config import BitextFiles, FilterConfig, FilterOutputs, NegativesOutputs, ScoreOutputs
from align.index.settings import IndexFiles
from align.lid.config import LidConfig
from align.mining.config import MineFiles, MiningConfig
from align.mining.sharded.config import ShardingConfig
from align.sentalign.config import SentalignConfig, SentalignFiles, SplitConfig
from align.serve.config import ServeConfig
from align.settings import values
from align.store.config import DeleteIds, SearchQueries
from align.threads import THREADS_ENV, THREADS_HELP, set_threads
from align.training.config import DistillConfig, TrainConfig

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
        typer.Option("--threads", envvar=THREADS_ENV, metavar="N", help=THREADS_HELP, show_default=False),
    ] = None,
) -> None:
    install_signal_handlers()
    set_threads(threads)


VerboseOption = Annotated[bool, typer.Option("--verbose", "-v", help="Log more detail.")]


def _echo_lines(lines: Iterable[str]) -> None:
    """Print a report's lines: its warnings on stderr, the rest on stdout."""
    for line in lines:
        typer.echo(line, err=line.startswith("warning:"))


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("align").setLevel(logging.INFO if verbose else logging.WARNING)


@app.command()
@config_options()
def train(config: TrainConfig, verbose: VerboseOption = False) -> None:
    """Train a language-agnostic sentence encoder on parallel text.

    The loss is InfoNCE over in-batch negatives: each sentence must pick its translation out of
    the batch. The saved model loads with plain SentenceTransformer(OUTPUT).

    \b
    Example: align train --pairs en-zh --data corpora/en-zh --output models/en-zh
    On N devices: torchrun --nproc-per-node N -m align.cli train ... (see docs/scaling.md)
    """
    _setup_logging(verbose)
    config.check_before_loading("align train")
    from align.training.trainer import train as run_training

    typer.echo("\n".join(run_training(config).summary_lines()))


@app.command()
@config_options()
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
    _setup_logging(verbose)
    config.check_before_loading("align distill")
    from align.training.distillation import distill as run_distillation

    typer.echo("\n".join(run_distillation(config).summary_lines()))


@app.command(cls=AlignCommand)
@config_options()
def embed(files: EmbedFiles, reading: ReadConfig, verbose: VerboseOption = False) -> None:
    """Encode a text file into an L2-normalised float32 matrix saved as .npy (or its float16, int8
    or binary codes: --precision).

    \b
    Example: align embed --model models/en-zh sentences.zh sentences.zh.npy
             align embed --model models/en-zh sentences.zh sentences.zh.bits.npy --precision binary
    """
    _setup_logging(verbose)
    from align.embedding import embed_file

    rows = embed_file(**values(files), **reading.kwargs())
    typer.echo(f"Wrote {files.output_path}: {rows.shape[0]:,} × {rows.shape[1]} {rows.dtype}")


@app.command(cls=AlignCommand)
@config_options()
def export(config: ExportConfig) -> None:
    """Export a model to run elsewhere, and check its vectors against the original's; or copy a
    store into Qdrant (--to qdrant).

    Run an ONNX export without torch by giving its graph as the model: --model OUTPUT/onnx/model.onnx.

    \b
    Example: align export intfloat/multilingual-e5-small e5-onnx --format onnx
             align embed --model e5-onnx/onnx/model_qint8.onnx sentences.zh sentences.npy
             align export models/en-zh en-zh-m2v --format model2vec
             align export docs-store http://localhost:6333 --to qdrant --collection docs
    """
    from align.export import export_model

    done = export_model(**values(config))
    typer.echo(done if isinstance(done, str) else done.summary())


@app.command(cls=AlignCommand)
@config_options()
def neighbours(files: NeighboursFiles, reading: ReadConfig) -> None:
    """Print each query's nearest candidates by cosine similarity: a quick look at what a model learned.

    \b
    Example: align neighbours --model models/en-zh queries.en sentences.zh --top-k 3
    """
    from align.neighbours import file_neighbours

    found = file_neighbours(**values(files), **reading.kwargs())
    _echo_lines(f"warning: {warning}" for warning in found.warnings())
    typer.echo(found.report())


@app.command()
@config_options()
def mine(
    files: MineFiles,
    mining: MiningConfig,
    sharding: ShardingConfig,
    languages: LidConfig,
    reading: ReadConfig,
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
        **values(files), mining=mining, sharding=sharding, languages=languages, **reading.kwargs()
    )
    _echo_lines(report.summary_lines())


@app.command("filter", cls=AlignCommand)
@config_options(exclude={"mode", "threshold", "max_chars"})
def filter_(
    files: BitextFiles,
    outputs: FilterOutputs,
    config: FilterConfig,
    mining: MiningConfig,
    sharding: ShardingConfig,
    data_format: CorpusFormat,
    reading: ReadConfig,
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
    from align.filtering.pipeline import BitextFilter

    source = files.source(config.languages, data_format)
    reading_options = {"skip_bad_lines": reading.skip_bad_lines, "sharding": sharding}
    report = BitextFilter(source, config=config, mining=mining, **values(outputs), **reading_options).run()
    _echo_lines(report.summary_lines())


@app.command(cls=AlignCommand)
@config_options(exclude={"mode", "threshold", "script_rules", "max_chars"})
def score(
    files: BitextFiles,
    outputs: ScoreOutputs,
    mining: MiningConfig,
    languages: LidConfig,
    data_format: CorpusFormat,
    reading: ReadConfig,
    verbose: VerboseOption = False,
) -> None:
    """Score every pair of a bitext, for rules of your own: its line, cosine, margin within the corpus,
    each side's identified language and confidence, and the two sentences.

    \b
    Example: align score crawl.en-zh.tsv --model models/en-zh -o scores.tsv
    """
    _setup_logging(verbose)
    from align.filtering.pipeline import BitextScoring

    source = files.source(languages, data_format)
    options = {"lid": languages.lid, "skip_bad_lines": reading.skip_bad_lines}
    rows = BitextScoring(source, mining=mining, **values(outputs), **options).run()
    typer.echo(f"Wrote {rows:,} scored pairs to {outputs.output}")


@app.command(name="mine-negatives")
@config_options(exclude={"lid", "script_rules"})
def mine_negatives(
    files: BitextFiles,
    outputs: NegativesOutputs,
    mining: MiningConfig,
    languages: LidConfig,
    data_format: CorpusFormat,
    reading: ReadConfig,
    verbose: VerboseOption = False,
) -> None:
    """Write each pair of a bitext with its hardest negatives — the targets its source is nearest
    to that are not its translation (near-translations: a number or a name changed) — for training
    with sentence-transformers' losses that take negatives.

    \b
    Example: align mine-negatives corpus.en-zh.tsv --model models/en-zh --negatives 3 -o negatives.tsv
    """
    _setup_logging(verbose)
    from align.filtering.negatives import HardNegativeMining

    source = files.source(languages, data_format)
    options = {"mining": mining, "skip_bad_lines": reading.skip_bad_lines}
    typer.echo(HardNegativeMining(source, **options, **values(outputs)).run().summary())


@app.command()
@config_options(exclude={"skip_bad_lines"})
def sentalign(
    files: SentalignFiles,
    config: SentalignConfig,
    splitting: SplitConfig,
    reading: ReadConfig,
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

    for done in align_paths(config=config, splitting=splitting, max_chars=reading.max_chars, **values(files)):
        _echo_lines([*(f"warning: {warning}" for warning in done.warnings), done.summary()])


@app.command()
@config_options()
def docalign(
    files: DocalignFiles,
    config: DocalignConfig,
    mining: MiningConfig,
    splitting: SplitConfig,
    alignment: SentalignConfig,
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

    configs = {"config": config, "mining": mining, "splitting": splitting, "alignment": alignment}
    done = align_collections(**configs, **values(files))
    typer.echo("\n".join(done.summary_lines()))


def _print_store_info(directory: str | None) -> None:
    if directory is not None:
        from align.store.files import describe_store

        typer.echo(describe_store(directory))
        raise typer.Exit()


@app.command(cls=AlignCommand)
@config_options()
def index(
    files: IndexFiles,
    reading: ReadConfig,
    info: Annotated[
        str | None,
        typer.Option(
            "--info",
            metavar="STORE",
            help="Print what the store STORE holds (documents, languages, model, index, size on disk) "
            "and stop; nothing is indexed.",
            is_eager=True,
            callback=_print_store_info,
            show_default=False,
        ),
    ] = None,
) -> None:
    """Index a file of documents (line N is document N) into a store for cross-lingual search:
    --update adds to one, align delete removes from it, align search filters it (docs/store.md).
    With --precision or --index-factory, a read-only index instead, built whole.

    \b
    Example: align index documents.zh docs-store --model models/en-zh
             align index more.zh docs-store --model models/en-zh --update
             align index documents.zh docs-index --model models/en-zh --precision binary
             align index --info docs-store
    """
    from align.retriever import index_file

    typer.echo(index_file(**values(files), **reading.kwargs()))


@app.command(cls=AlignCommand)
@config_options()
def search(
    asked: SearchQueries,
    json_output: Annotated[
        bool,
        typer.Option(
            "--json",
            help='Print JSON for a script to read: a list with an entry per query, each with its "query" '
            'and its "hits" (id, text, score, metadata), best first.',
        ),
    ] = False,
) -> None:
    """Search a store or an index: print each query's best documents with their ids (line numbers)
    and scores (cosines; BM25 or fused ranks with --mode lexical or hybrid).

    \b
    Example: align search docs-store "Where is the train station?" -k 5
             align search docs-store "train station" --where lang=zh --mode hybrid
             align search docs-store "火车站在哪里？" --json | jq '.[0].hits[0].text'
    """
    from align.retriever import search_index, search_report

    typer.echo(search_report(search_index(**values(asked)), as_json=json_output))


@app.command(cls=AlignCommand)
@config_options()
def delete(asked: DeleteIds) -> None:
    """Delete documents from a store by id (an id not there is no error).

    \b
    Example: align delete docs-store 12 40
    """
    from align.store.files import delete_from_store

    typer.echo(delete_from_store(**values(asked)))


@app.command(cls=AlignCommand)
@config_options()
def serve(config: ServeConfig) -> None:
    """Serve models and stores over HTTP: OpenAI's POST /v1/embeddings (the openai SDK, LangChain and
    LlamaIndex use it as they use OpenAI's), search and updates of stores, and a page at / with a
    search box and a viewer of mine, filter, score and sentalign outputs. Set ALIGN_SERVE_API_KEY to
    require "Authorization: Bearer KEY". Needs: pip install 'align[serve]'.

    \b
    Example: align serve --model en-zh=models/en-zh --store faq=stores/faq
             (open http://127.0.0.1:8000 in a browser)
             curl localhost:8000/v1/embeddings -H 'Content-Type: application/json' \\
                  -d '{"model": "en-zh", "input": ["I love NLP", "我热爱自然语言处理"]}'
    """
    from align.serve.run import serve as run_server

    run_server(config)


app.add_typer(bench_app, name="bench")


if __name__ == "__main__":
    app()
