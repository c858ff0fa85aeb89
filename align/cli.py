"""The ``align`` command: a thin typer layer over the Python API (nothing here is CLI-only logic).

Arguments are checked by their types before anything heavy is imported, and outputs by
:func:`align.outputs.check_output` before any model is loaded, so a mistake is reported in well
under a second. Errors reach the user as one line (:mod:`align.cli_errors`).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from align.cli_errors import AlignCommand, AlignGroup, install_signal_handlers
from align.errors import AlignError
from align.outputs import check_output

if TYPE_CHECKING:
    from align.training import TrainResult

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
) -> None:
    install_signal_handlers()


# Options that train and distill share.
PairsOption = Annotated[
    str,
    typer.Option(
        help="Language pairs to align, e.g. en-zh or en-zh,en-de,en-fr "
        "(several pairs train one shared encoder)."
    ),
]
OutputOption = Annotated[Path, typer.Option("--output", "-o", help="Directory to save the trained model to.")]
DataOption = Annotated[
    str | None,
    typer.Option(
        help="A corpus file, a directory of OPUS Moses files "
        "(NAME.en-zh.en + NAME.en-zh.zh), or a save_to_disk dataset. "
        "Default: $ALIGN_DATA_DIR, then ~/.cache/align/data, then "
        "OPUS-100 from the Hugging Face hub."
    ),
]
FormatOption = Annotated[
    str | None, typer.Option(help="moses, tmx, tsv, csv, jsonl or hf (default: from the file name).")
]
ColumnsOption = Annotated[
    str | None,
    typer.Option(
        help="Source,target columns (TSV/CSV: indices or header names) "
        "or keys (JSONL/hf, dotted paths allowed)."
    ),
]
ScaleOption = Annotated[float, typer.Option(help="Similarity scale, 1/temperature of the InfoNCE softmax.")]
SymmetricOption = Annotated[
    bool,
    typer.Option("--symmetric/--no-symmetric", help="Rank both ways (source→target and target→source)."),
]
MaxSeqLengthOption = Annotated[
    int | None, typer.Option(help="Truncate inputs to this many tokens (transformers).")
]
MaxPairsOption = Annotated[
    int | None, typer.Option(help="Train on a random sample of this many pairs (default: all).")
]
PromptOption = Annotated[
    str | None,
    typer.Option(
        help="Fine-tuning: the name of the model's prompt to train and encode with; it becomes the "
        "saved model's default. Default: the model's default prompt, else its 'query' prompt "
        "(e5 models); '' for none."
    ),
]
WatchOption = Annotated[
    list[str] | None,
    typer.Option(
        help="SOURCE_FILE,TARGET_FILE: line-aligned pairs of a language pair you are not training "
        "(e.g. FLORES dev deu-eng), scored at every evaluation to catch forgetting; the checkpoint "
        "with the best mean over dev and watch sets is kept. Repeatable."
    ),
]
DevSizeOption = Annotated[
    int, typer.Option(help="Pairs held out to score translation retrieval during training.")
]
EvalStepsOption = Annotated[
    int | None, typer.Option(help="Evaluate and checkpoint every N steps (default: 5 times per run).")
]
SeedOption = Annotated[
    int,
    typer.Option(
        help="Random seed for the data split, batch order and initialisation (the WordPiece "
        "vocabulary can still vary between processes: tokenizers#1794)."
    ),
]
MaxWordsOption = Annotated[int, typer.Option(help="Drop pairs with a side longer than this many words.")]
MaxLengthRatioOption = Annotated[
    float, typer.Option(help="Drop pairs whose word lengths differ by more than this factor.")
]
KeepIdenticalOption = Annotated[
    bool, typer.Option("--keep-identical", help="Keep pairs whose two sides are the same text.")
]
KeepDuplicatesOption = Annotated[bool, typer.Option("--keep-duplicates", help="Keep repeated pairs.")]
SkipBadLinesOption = Annotated[
    bool,
    typer.Option(
        "--skip-bad-lines",
        help="Skip (and count) lines that are not UTF-8 or hold NUL bytes, instead of stopping.",
    ),
]
ResumeOption = Annotated[
    bool,
    typer.Option(
        "--resume",
        help="Continue an interrupted run from its last checkpoint (refused if settings or data changed).",
    ),
]
ForceOption = Annotated[
    bool,
    typer.Option(
        "--force", help="Replace OUTPUT (a file, or a directory align wrote) and discard an unfinished run."
    ),
]
ReplaceOption = Annotated[
    bool,
    typer.Option("--force", help="Replace the outputs if they exist (a file, or a directory align wrote)."),
]
VerboseOption = Annotated[bool, typer.Option("--verbose", "-v", help="Log more detail.")]
BatchSizeOption = Annotated[
    int | None,
    typer.Option(min=1, help="Sentences encoded at a time (default: 256; static encoders 4096)."),
]
ModelOption = Annotated[
    str, typer.Option(help="A model saved by align train, or any sentence-transformers model (path or name).")
]


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("align").setLevel(logging.INFO if verbose else logging.WARNING)


def _check_training_output(
    output: Path, data: str | None, *, resume: bool, force: bool, verbose: bool
) -> None:
    """What train and distill check before torch loads: the model directory may be written."""
    _setup_logging(verbose)
    if not resume:  # a resumed run's output does not exist yet; the run's own checks say so
        check_output(output, force=force, directory=True, inputs=[data])


def _model_labels(names: list[str]) -> list[str]:
    """Short column names for models: a hub name as is, a path by its last two parts; the full
    names where two short ones would collide."""
    short = ["/".join(Path(name).parts[-2:]) if Path(name).exists() else name for name in names]
    return short if len(set(short)) == len(short) else list(names)


def _parse_columns(columns: str | None) -> tuple[str, str] | None:
    if columns is None:
        return None
    parts = [part.strip() for part in columns.split(",")]
    if len(parts) != 2 or not all(parts):
        raise AlignError(
            f"--columns {columns!r}: give two columns or keys separated by a comma, e.g. 0,1 or en,zh"
        )
    return parts[0], parts[1]


@app.command()
def train(
    pairs: PairsOption,
    output: OutputOption,
    data: DataOption = None,
    model: Annotated[
        str,
        typer.Option(
            help="'static' trains a fast static encoder from scratch; otherwise a "
            "sentence-transformers model name or path to fine-tune."
        ),
    ] = "static",
    format: FormatOption = None,
    columns: ColumnsOption = None,
    epochs: Annotated[
        float | None, typer.Option(help="Passes over the data (default: 10 static, 1 fine-tuning).")
    ] = None,
    batch_size: Annotated[
        int | None,
        typer.Option(
            help="Pairs per batch; each pair's negatives are the rest of "
            "the batch (default: 512 static, 64 fine-tuning)."
        ),
    ] = None,
    lr: Annotated[
        float | None, typer.Option(help="Peak learning rate (default: 0.2 static, 5e-5 fine-tuning).")
    ] = None,
    scale: ScaleOption = 20.0,
    margin: Annotated[
        float | None,
        typer.Option(
            help="Additive margin on the positive pair, as in LaBSE (default: 0.3 static, 0 fine-tuning)."
        ),
    ] = None,
    symmetric: SymmetricOption = True,
    mini_batch_size: Annotated[
        int | None,
        typer.Option(
            help="Gradient caching: embed this many at a time so "
            "--batch-size can exceed memory (transformers "
            "only)."
        ),
    ] = None,
    no_duplicates: Annotated[
        bool,
        typer.Option(
            "--no-duplicates/--allow-duplicates",
            help="Keep repeated sentences out of a batch (they would be false negatives).",
        ),
    ] = True,
    max_seq_length: MaxSeqLengthOption = None,
    group_by_length: Annotated[
        bool | None,
        typer.Option(
            "--group-by-length/--no-group-by-length",
            help="Batch pairs of similar length, so little time goes on padding; batches never repeat "
            "a sentence (default: off static, on fine-tuning).",
        ),
    ] = None,
    max_pairs: MaxPairsOption = None,
    freeze_embeddings: Annotated[
        bool,
        typer.Option(
            help="Fine-tuning: keep the word-embedding matrix fixed, which makes a step several times "
            "cheaper on a CPU (in multilingual-e5-small it is 96M of 118M parameters)."
        ),
    ] = True,
    prompt: PromptOption = None,
    watch: WatchOption = None,
    dim: Annotated[int, typer.Option(help="Embedding size of a static encoder.")] = 512,
    vocab_size: Annotated[int, typer.Option(help="Tokenizer vocabulary of a static encoder.")] = 50_000,
    dev_size: DevSizeOption = 1000,
    eval_steps: EvalStepsOption = None,
    seed: SeedOption = 42,
    max_words: MaxWordsOption = 200,
    max_length_ratio: MaxLengthRatioOption = 4.0,
    keep_identical: KeepIdenticalOption = False,
    keep_duplicates: KeepDuplicatesOption = False,
    skip_bad_lines: SkipBadLinesOption = False,
    resume: ResumeOption = False,
    force: ForceOption = False,
    verbose: VerboseOption = False,
) -> None:
    """Train a language-agnostic sentence encoder on parallel text.

    The loss is InfoNCE over in-batch negatives: each sentence must pick its translation out of
    the batch. The saved model loads with plain SentenceTransformer(OUTPUT).

    \b
    Example: align train --pairs en-zh --data corpora/en-zh --output models/en-zh
    """
    _check_training_output(output, data, resume=resume, force=force, verbose=verbose)
    from align.data import CleaningConfig
    from align.training import TrainConfig
    from align.training import train as run_training

    config = TrainConfig(
        pairs=pairs,
        output=str(output),
        data=data,
        model=model,
        format=format,
        columns=_parse_columns(columns),
        cleaning=CleaningConfig(
            max_words=max_words,
            max_length_ratio=max_length_ratio,
            drop_identical=not keep_identical,
            deduplicate=not keep_duplicates,
        ),
        skip_bad_lines=skip_bad_lines,
        dev_size=dev_size,
        embedding_dim=dim,
        vocab_size=vocab_size,
        epochs=epochs,
        batch_size=batch_size,
        learning_rate=lr,
        scale=scale,
        margin=margin,
        symmetric=symmetric,
        mini_batch_size=mini_batch_size,
        no_duplicates=no_duplicates,
        max_seq_length=max_seq_length,
        max_pairs=max_pairs,
        group_by_length=group_by_length,
        freeze_embeddings=freeze_embeddings,
        prompt=prompt,
        watch=tuple(watch or ()),
        eval_steps=eval_steps,
        seed=seed,
        resume=resume,
        force=force,
    )
    result = run_training(config)
    _report_training(result)


def _report_training(result: TrainResult) -> None:
    typer.echo(
        f"Saved {result.output} after {result.seconds:.0f} s on {result.train_pairs:,} pairs "
        f"({result.cleaning})."
    )
    for name, accuracies in {"dev": result.dev_scores, **result.watch_scores}.items():
        if not accuracies:
            continue
        typer.echo(
            f"Translation retrieval on {name}: source→target {accuracies['src2trg']:.1f} %, "
            f"target→source {accuracies['trg2src']:.1f} %"
        )


@app.command()
def distill(
    teacher: Annotated[
        str, typer.Option(help="The sentence-transformers model to distil (a path, or a hub name online).")
    ],
    pairs: PairsOption,
    output: OutputOption,
    data: DataOption = None,
    format: FormatOption = None,
    columns: ColumnsOption = None,
    epochs: Annotated[float | None, typer.Option(help="Passes over the data (default: 10).")] = None,
    batch_size: Annotated[int | None, typer.Option(help="Pairs per batch (default: 512).")] = None,
    lr: Annotated[float | None, typer.Option(help="Peak learning rate (default: 0.05).")] = None,
    ranking_weight: Annotated[
        float,
        typer.Option(
            help="Weight of the translation ranking loss beside distillation (0: distillation only)."
        ),
    ] = 1.0,
    margin: Annotated[
        float | None, typer.Option(help="Additive margin of the ranking loss (default: 0.3).")
    ] = None,
    scale: ScaleOption = 20.0,
    student_tokenizer: Annotated[
        str,
        typer.Option(
            help="'corpus': align's own tokenizer trained on the corpus (one token per Han character, "
            "Traditional folded onto Simplified); 'teacher': the teacher's, trimmed to the pieces "
            "the corpus uses."
        ),
    ] = "corpus",
    vocab_size: Annotated[int, typer.Option(help="Vocabulary of the 'corpus' student tokenizer.")] = 50_000,
    init_from_teacher: Annotated[
        bool,
        typer.Option(
            help="Start each token vector at the teacher's embedding of that token alone (model2vec); "
            "off: random."
        ),
    ] = True,
    prompt: PromptOption = None,
    max_seq_length: MaxSeqLengthOption = None,
    max_pairs: MaxPairsOption = None,
    watch: WatchOption = None,
    dev_size: DevSizeOption = 1000,
    eval_steps: EvalStepsOption = None,
    seed: SeedOption = 42,
    max_words: MaxWordsOption = 200,
    max_length_ratio: MaxLengthRatioOption = 4.0,
    skip_bad_lines: SkipBadLinesOption = False,
    resume: ResumeOption = False,
    force: ForceOption = False,
    verbose: VerboseOption = False,
) -> None:
    """Distil a transformer encoder into a static one that encodes ~100× faster on a CPU.

    The student has a tokenizer trained on the corpus (one token per Han character), each token
    starting at the teacher's embedding of it. It learns to put a sentence and its translation on
    the teacher's embedding of the sentence (Reimers & Gurevych 2020), with the translation ranking
    loss beside. The saved student loads with plain SentenceTransformer(OUTPUT).

    \b
    Example: align distill --teacher models/e5 --pairs en-zh --data corpora/en-zh --output models/student
    """
    _check_training_output(output, data, resume=resume, force=force, verbose=verbose)
    from align.data import CleaningConfig
    from align.training import DistillConfig
    from align.training import distill as run_distillation

    config = DistillConfig(
        pairs=pairs,
        output=str(output),
        data=data,
        teacher=teacher,
        format=format,
        columns=_parse_columns(columns),
        cleaning=CleaningConfig(max_words=max_words, max_length_ratio=max_length_ratio),
        skip_bad_lines=skip_bad_lines,
        dev_size=dev_size,
        epochs=epochs,
        batch_size=batch_size,
        learning_rate=lr,
        ranking_weight=ranking_weight,
        margin=margin,
        scale=scale,
        student_tokenizer=student_tokenizer,
        vocab_size=vocab_size,
        initialise_from_teacher=init_from_teacher,
        prompt=prompt,
        max_seq_length=max_seq_length,
        max_pairs=max_pairs,
        watch=tuple(watch or ()),
        eval_steps=eval_steps,
        seed=seed,
        resume=resume,
        force=force,
    )
    result = run_distillation(config)
    _report_training(result)


@app.command(cls=AlignCommand)
def embed(
    input: Annotated[
        Path,
        typer.Argument(
            exists=True, dir_okay=False, metavar="INPUT", help="UTF-8 text file, one sentence a line."
        ),
    ],
    output: Annotated[
        Path, typer.Argument(metavar="OUTPUT", help="Where to write the .npy matrix (row i = line i).")
    ],
    model: ModelOption,
    batch_size: BatchSizeOption = None,
    skip_bad_lines: SkipBadLinesOption = False,
    force: ReplaceOption = False,
    verbose: VerboseOption = False,
) -> None:
    """Encode a text file into an L2-normalised float32 matrix saved as .npy.

    \b
    Example: align embed --model models/en-zh sentences.zh sentences.zh.npy
    """
    _setup_logging(verbose)
    check_output(output, force=force, inputs=[input])
    from align.encode import embed_file, load_encoder

    embeddings = embed_file(
        load_encoder(model), input, output, batch_size=batch_size, force=force, skip_bad_lines=skip_bad_lines
    )
    typer.echo(f"Wrote {output}: {embeddings.shape[0]:,} × {embeddings.shape[1]} float32")


@app.command(cls=AlignCommand)
def neighbours(
    queries: Annotated[
        Path,
        typer.Argument(
            exists=True, dir_okay=False, metavar="QUERIES", help="Sentences to look up, one a line."
        ),
    ],
    candidates: Annotated[
        Path,
        typer.Argument(
            exists=True,
            dir_okay=False,
            metavar="CANDIDATES",
            help="Sentences to search, one a line (any language).",
        ),
    ],
    model: ModelOption,
    top_k: Annotated[int, typer.Option("--top-k", "-k", min=1, help="Neighbours to show per query.")] = 1,
    skip_bad_lines: SkipBadLinesOption = False,
) -> None:
    """Print each query's nearest candidates by cosine similarity: a quick look at what a model learned.

    \b
    Example: align neighbours --model models/en-zh queries.en sentences.zh --top-k 3
    """
    from align.encode import load_encoder
    from align.neighbours import nearest_neighbours
    from align.sentences import read_collection

    query_texts = read_collection(queries, skip_bad_lines=skip_bad_lines).texts
    candidate_texts = read_collection(candidates, skip_bad_lines=skip_bad_lines).texts
    results = nearest_neighbours(load_encoder(model), query_texts, candidate_texts, top_k=top_k)
    for query, hits in zip(query_texts, results, strict=True):
        typer.echo(query)
        for index, score in hits:
            typer.echo(f"    {score:.3f}  {candidate_texts[index]}")


@app.command()
def mine(
    src: Annotated[
        Path, typer.Option(exists=True, dir_okay=False, help="Source-language sentences, one a line.")
    ],
    tgt: Annotated[
        Path, typer.Option(exists=True, dir_okay=False, help="Target-language sentences, one a line.")
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="TSV to write: score, source, target.")],
    model: Annotated[
        str | None,
        typer.Option(help="Encoder: a model saved by align train, or any sentence-transformers model."),
    ] = None,
    src_embeddings: Annotated[
        Path | None,
        typer.Option(
            exists=True,
            dir_okay=False,
            help="Embeddings of --src made earlier with align embed (skips encoding).",
        ),
    ] = None,
    tgt_embeddings: Annotated[
        Path | None,
        typer.Option(exists=True, dir_okay=False, help="Embeddings of --tgt made earlier with align embed."),
    ] = None,
    k: Annotated[
        int, typer.Option("--neighbours", "-k", min=1, help="Neighbours per sentence for the margin.")
    ] = 4,
    margin: Annotated[
        Literal["ratio", "distance", "absolute"],
        typer.Option(help="ratio (LASER), distance, or absolute (plain cosine)."),
    ] = "ratio",
    mode: Annotated[
        Literal["max", "intersect", "forward", "backward"],
        typer.Option(
            help="max: best pairs both ways, each sentence once (LASER); intersect: mutual best; "
            "forward; backward."
        ),
    ] = "max",
    threshold: Annotated[
        float | None,
        typer.Option(help="Keep pairs scoring at least this (default: all, or calibrated with --gold)."),
    ] = None,
    gold: Annotated[
        Path | None,
        typer.Option(
            exists=True,
            dir_okay=False,
            help="Every true pair in the two files (SRC_LINE<TAB>TGT_LINE, 1-based), for a dev pool: "
            "find and use the threshold with the best F1, then pass it as --threshold on your real data.",
        ),
    ] = None,
    unify: Annotated[
        bool, typer.Option("--unify", help="Encode repeated lines once; each sentence is mined once.")
    ] = False,
    line_numbers: Annotated[
        bool, typer.Option("--line-numbers", help="Append the source and target line numbers.")
    ] = False,
    index_factory: Annotated[
        str | None, typer.Option(help="FAISS index_factory string (default: exact up to 50k, IVF beyond).")
    ] = None,
    nprobe: Annotated[
        int,
        typer.Option(min=1, help="IVF lists an approximate index scans per query: more is slower and surer."),
    ] = 16,
    skip_bad_lines: SkipBadLinesOption = False,
    force: ReplaceOption = False,
    verbose: VerboseOption = False,
) -> None:
    """Find translation pairs in two monolingual files (margin-based mining, Artetxe & Schwenk 2019).

    \b
    Example: align mine --model models/en-zh --src dev.en --tgt dev.zh -o dev-pairs.tsv --gold dev-gold.tsv
    """
    _setup_logging(verbose)
    if model is None and (src_embeddings is None or tgt_embeddings is None):
        raise AlignError("pass --model, or embeddings for both sides (--src-embeddings, --tgt-embeddings)")
    check_output(output, force=force, inputs=[src, tgt, gold, src_embeddings, tgt_embeddings])
    from align.bitext import mine_files
    from align.encode import load_encoder

    report = mine_files(
        load_encoder(model) if model else None,
        str(src),
        str(tgt),
        output,
        k=k,
        kind=margin,
        mode=mode,
        threshold=threshold,
        gold_path=str(gold) if gold else None,
        unify=unify,
        line_numbers=line_numbers,
        source_embeddings=str(src_embeddings) if src_embeddings else None,
        target_embeddings=str(tgt_embeddings) if tgt_embeddings else None,
        factory=index_factory,
        nprobe=nprobe,
        skip_bad_lines=skip_bad_lines,
        force=force,
    )
    for warning in report.warnings:
        typer.echo(f"warning: {warning}", err=True)
    if report.calibration is not None:
        c = report.calibration
        typer.echo(
            f"Calibrated on {gold}: threshold {c.threshold:.4f} gives precision {c.precision:.1f} %, "
            f"recall {c.recall:.1f} %, F1 {c.f1:.1f} %"
        )
    kept = f" at threshold {report.threshold:.4f}" if report.threshold is not None else ""
    typer.echo(
        f"Wrote {report.written:,} pairs{kept} to {output} "
        f"({len(report.source.texts):,} × {len(report.target.texts):,} sentences)."
    )


@app.command(cls=AlignCommand)
def index(
    documents: Annotated[
        Path,
        typer.Argument(
            exists=True,
            dir_okay=False,
            metavar="DOCUMENTS",
            help="Documents, one a line (any language); ids are line numbers.",
        ),
    ],
    output: Annotated[Path, typer.Argument(metavar="OUTPUT", help="Directory to save the index to.")],
    model: Annotated[
        str,
        typer.Option(
            help="Encoder: a model saved by align train, or any sentence-transformers "
            "model, by name or path (it is recorded, a path as an absolute one)."
        ),
    ],
    index_factory: Annotated[
        str | None, typer.Option(help="FAISS index_factory string (default: exact up to 50k, IVF beyond).")
    ] = None,
    skip_bad_lines: SkipBadLinesOption = False,
    force: ReplaceOption = False,
) -> None:
    """Build a cross-lingual search index over a file of documents.

    \b
    Example: align index documents.zh docs-index --model models/en-zh
    """
    check_output(output, force=force, directory=True, inputs=[documents])
    from align.retrieval import Retriever
    from align.sentences import read_collection

    collection = read_collection(documents, skip_bad_lines=skip_bad_lines)
    retriever = Retriever(model, factory=index_factory)
    retriever.add(collection.texts, ids=[str(number) for number in collection.line_numbers])
    retriever.save(output, force=force)
    skipped = (
        f" ({collection.undecodable:,} lines that are not UTF-8 skipped)" if collection.undecodable else ""
    )
    typer.echo(f"Indexed {len(collection.texts):,} documents into {output}{skipped}")


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
) -> None:
    """Search an index: print each query's best documents with their line numbers and cosines.

    \b
    Example: align search docs-index "Where is the train station?" -k 5
    """
    for number, query in enumerate(queries, start=1):
        if not query.strip():
            raise AlignError(f"query {number} is empty: there is nothing to search for")
    from align.retrieval import Retriever

    retriever = Retriever.load(index_dir, model=model)
    results = retriever.search(list(queries), k=top_k)
    for query, hits in zip(queries, results, strict=True):
        typer.echo(query)
        for hit in hits:
            typer.echo(f"    {hit.score:.3f}  [{hit.id}] {hit.text}")


bench_app = typer.Typer(
    help="Benchmarks that a paper could cite: JSON with every setting, and a Markdown table.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(bench_app, name="bench")

ReportOption = Annotated[Path | None, typer.Option("--output", "-o", help="Write the JSON report here.")]


def _check_reports(force: bool, *paths: Path | None) -> None:
    """Check every report and plot path before a model is loaded (the same policy as every output)."""
    for path in paths:
        if path is not None:
            check_output(path, force=force)


@bench_app.command("tatoeba")
def bench_tatoeba(
    model: Annotated[
        list[str], typer.Option(help="A model to score (a path or name); repeat for several, side by side.")
    ],
    data: Annotated[
        Path | None,
        typer.Option(
            exists=True,
            file_okay=False,
            help="Directory of tatoeba.XXX-eng.XXX / .eng files (LASER's layout) "
            "(default: mteb/tatoeba-bitext-mining from the Hugging Face hub, which needs a network).",
        ),
    ] = None,
    langs: Annotated[str, typer.Option(help="Comma-separated codes (cmn,deu,fra) or 'all'.")] = "cmn,deu,fra",
    output: ReportOption = None,
    cache_dir: Annotated[
        Path | None,
        typer.Option(
            help="Where per-language results are kept so an interrupted run resumes "
            "(default: ~/.cache/align/bench)."
        ),
    ] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Recompute everything.")] = False,
    plot: Annotated[Path | None, typer.Option(help="Write per-language accuracy bars (PNG).")] = None,
    batch_size: BatchSizeOption = None,
    force: ReplaceOption = False,
) -> None:
    """Tatoeba bitext retrieval: per language, accuracy xx→en and en→xx (nearest neighbour by cosine).

    \b
    Example: align bench tatoeba --model models/en-zh --model sentence-transformers/LaBSE --data tatoeba/
    """
    import time

    _check_reports(force, output, plot)
    from align.bench.cache import ResultCache, default_cache_dir
    from align.bench.report import tatoeba_markdown, tatoeba_report, write_json
    from align.bench.tatoeba import resolve_languages, run_tatoeba
    from align.encode import load_encoder

    languages = resolve_languages(langs, data)
    started = time.perf_counter()
    results = {}
    for label, name in zip(_model_labels(model), model, strict=True):
        encoder = load_encoder(name)
        cache = None if no_cache else ResultCache(cache_dir or default_cache_dir(), encoder, name)
        results[label] = run_tatoeba(encoder, data, languages, cache, batch_size=batch_size)
    report = tatoeba_report(
        results,
        data=str(data) if data else "hf:mteb/tatoeba-bitext-mining",
        seconds=time.perf_counter() - started,
        settings={
            "languages": languages,
            "metric": "cosine nearest neighbour accuracy",
            "batch_size": batch_size,
            "models": model,
        },
    )
    if output is not None:
        write_json(report, output)
    if plot is not None:
        from align.bench.plots import plot_tatoeba

        plot_tatoeba(results, plot)
    typer.echo(tatoeba_markdown(results))
    if output is not None:
        typer.echo(f"\nWrote {output}")


@bench_app.command("bucc")
def bench_bucc(
    model: Annotated[list[str], typer.Option(help="A model to score; repeat for several, side by side.")],
    data: Annotated[
        Path,
        typer.Option(
            exists=True,
            file_okay=False,
            help="Directory in BUCC's layout: PAIR.SPLIT.LANG and PAIR.SPLIT.gold.",
        ),
    ],
    pair: Annotated[str, typer.Option(help="Language pair as in the file names, e.g. de-en or en-zh.")],
    tune_split: Annotated[str, typer.Option(help="Split to calibrate the threshold on.")] = "training",
    test_split: Annotated[str, typer.Option(help="Split to report F1 on.")] = "test",
    k: Annotated[
        int, typer.Option("--neighbours", "-k", min=1, help="Neighbours per sentence for the margin.")
    ] = 4,
    output: ReportOption = None,
    plot: Annotated[
        Path | None, typer.Option(help="Write the test split's precision/recall curve (PNG).")
    ] = None,
    force: ReplaceOption = False,
) -> None:
    """BUCC mining F1: threshold calibrated on one split, applied to another (oracle F1 beside it).

    \b
    Example: align bench bucc --model models/de-en --data bucc2018/ --pair de-en --plot pr.png
    """
    import time

    _check_reports(force, output, plot)
    from align.bench.bucc import evaluate_bucc, read_bucc_split
    from align.bench.report import report_header, write_json
    from align.encode import load_encoder

    started = time.perf_counter()
    tune, test = read_bucc_split(data, pair, tune_split), read_bucc_split(data, pair, test_split)
    results = {
        label: evaluate_bucc(load_encoder(name), tune, test, k=k)
        for label, name in zip(_model_labels(model), model, strict=True)
    }
    if plot is not None:
        from align.bench.plots import plot_precision_recall

        plot_precision_recall({label: result.curve for label, result in results.items()}, plot)
    typer.echo("| model | pair | threshold (from " + tune_split + ") | precision | recall | F1 | oracle F1 |")
    typer.echo("|---|---|---|---|---|---|---|")
    for label, result in results.items():
        typer.echo(
            f"| {label} | {pair} | {result.threshold:.4f} | {result.precision:.1f} | {result.recall:.1f} | "
            f"{result.f1:.1f} | {result.oracle_f1:.1f} |"
        )
    if output is not None:
        settings = {
            "pair": pair,
            "tune_split": tune_split,
            "test_split": test_split,
            "k": k,
            "margin": "ratio",
            "mode": "max",
        }
        header = report_header(
            "bucc", data=str(data), settings=settings, seconds=time.perf_counter() - started
        )
        models = [{"model": label, "result": result.summary()} for label, result in results.items()]
        write_json({**header, "models": models}, output)


@bench_app.command("build-bucc")
def bench_build_bucc(
    parallel: Annotated[str, typer.Option(help="Parallel corpus to hide (any format align train reads).")],
    unpaired_src: Annotated[
        Path,
        typer.Option(
            exists=True,
            dir_okay=False,
            help="Source-language sentences without a translation on the other side, one a line.",
        ),
    ],
    unpaired_tgt: Annotated[
        Path,
        typer.Option(
            exists=True, dir_okay=False, help="Target-language sentences without a translation, one a line."
        ),
    ],
    pair: Annotated[str, typer.Option(help="Language pair, e.g. en-zh (source first).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Directory to write the split into.")],
    split: Annotated[str, typer.Option(help="Split name, e.g. training or test.")] = "training",
    seed: Annotated[int, typer.Option(help="Shuffling seed.")] = 0,
    skip_bad_lines: SkipBadLinesOption = False,
    force: ReplaceOption = False,
) -> None:
    """Build a BUCC-style mining task from a parallel corpus plus unpaired sentences on each side.

    \b
    Example: align bench build-bucc --parallel dev.tsv --unpaired-src news.en --unpaired-tgt news.zh
    --pair en-zh --output pool/ --split training
    """
    from align.bench.bucc import write_bucc_split
    from align.data import read_source, resolve_sources
    from align.sentences import read_collection

    pairs = [
        tuple(p)
        for source in resolve_sources(pair, parallel)
        for p in read_source(source, skip_bad_lines=skip_bad_lines)
    ]
    pairs = [(s, t) for s, t in pairs if s.strip() and t.strip()]
    write_bucc_split(
        output,
        pair,
        split,
        pairs,
        read_collection(unpaired_src, skip_bad_lines=skip_bad_lines).texts,
        read_collection(unpaired_tgt, skip_bad_lines=skip_bad_lines).texts,
        seed=seed,
        force=force,
        inputs=[parallel, unpaired_src, unpaired_tgt],
    )
    typer.echo(f"Wrote {output}/{pair}.{split}.* ({len(pairs):,} gold pairs)")


@bench_app.command("retrieval")
def bench_retrieval(
    model: Annotated[list[str], typer.Option(help="A model to score; repeat for several, side by side.")],
    data: Annotated[
        Path,
        typer.Option(
            exists=True,
            file_okay=False,
            help="XQuAD-R directory (xx.json per language), or a directory with "
            "queries.tsv, corpus.tsv and qrels.tsv.",
        ),
    ],
    langs: Annotated[str, typer.Option(help="Comma-separated languages, or 'all'.")] = "all",
    output: ReportOption = None,
    force: ReplaceOption = False,
) -> None:
    """Cross-lingual retrieval: recall@1/5/10, MRR and mAP@20 per query × document language, and pooled.

    \b
    Example: align bench retrieval --model models/en-zh --data xquad-r/ --langs zh,en
    """
    import time

    _check_reports(force, output)
    from align.bench.report import report_header, write_json
    from align.bench.retrieval import evaluate_retrieval, read_tsv_task, read_xquad_r, retrieval_markdown
    from align.encode import load_encoder

    started = time.perf_counter()
    languages = None if langs.strip() == "all" else [lang.strip() for lang in langs.split(",")]
    is_tsv = (data / "queries.tsv").is_file()
    task = read_tsv_task(data) if is_tsv else read_xquad_r(data, languages)
    results = {
        label: evaluate_retrieval(load_encoder(name), task, languages)
        for label, name in zip(_model_labels(model), model, strict=True)
    }
    typer.echo(retrieval_markdown(results))
    if output is not None:
        settings = {
            "languages": languages or task.languages,
            "format": "tsv" if is_tsv else "xquad-r",
            "cutoff": 20,
        }
        header = report_header(
            "retrieval", data=str(data), settings=settings, seconds=time.perf_counter() - started
        )
        write_json({**header, "models": results}, output)
        typer.echo(f"\nWrote {output}")


if __name__ == "__main__":
    app()
