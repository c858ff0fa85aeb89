"""The settings of ``align train`` and ``align distill``, declared once (with their help texts)
and light enough for the command line to build its options from before torch loads.

:class:`RunConfig` holds what every training run has (corpus, optimisation, evaluation, run
control); :class:`TrainConfig` adds the encoder to train, :class:`DistillConfig` the teacher and
the student's tokenizer. ``None`` means "the default for this kind of run" (:meth:`defaults`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal, TypeVar, get_args

from align.data.cleaning import CleaningConfig
from align.data.options import COLUMNS_HELP, FORMAT_HELP, SKIP_BAD_LINES_HELP, parse_columns
from align.embedding.config import parse_devices
from align.errors import AlignError
from align.settings import setting

STATIC = "static"  # what the command line's --model says for "a static encoder from scratch"
StudentTokenizer = Literal["corpus", "teacher", "teacher-full"]
StudentKind = Literal["static", "transformer"]
PairBatches = Literal["mixed", "single"]
Precision = Literal["fp32", "bf16", "fp16"]
Device = Literal["cpu", "cuda"]
NegativesRefresh = Literal["once", "epoch"]
STUDENT_TOKENIZERS: tuple[str, ...] = get_args(StudentTokenizer)
STUDENT_KINDS: tuple[str, ...] = get_args(StudentKind)


def _watch(values: list[str] | None) -> tuple[str, ...]:
    return tuple(values or ())


def _model(name: str | None) -> str | None:
    """The command line's ``--model static`` is the API's ``model=None``."""
    return None if name == STATIC else name


@dataclass(kw_only=True)
class RunConfig:
    """What every training run needs: its data, optimisation, evaluation and run control."""

    pairs: str = setting(
        help="Language pairs to align, e.g. en-zh or en-zh,en-de,en-fr, or 'en-*' for every English "
        "pair under --data; several pairs train one shared encoder. Codes in any form: zh, cmn, zho_Hans."
    )
    output: str = setting(
        help="Directory to save the trained model to.", flags=("--output", "-o"), cli_type=Path, parse=str
    )
    data: str | None = setting(
        None,
        "A corpus file, a directory of OPUS Moses files (NAME.en-zh.en + NAME.en-zh.zh), or a "
        "save_to_disk dataset. Default: $ALIGN_DATA_DIR, then ~/.cache/align/data, then OPUS-100 "
        "from the Hugging Face hub.",
    )
    # Data
    format: str | None = setting(None, FORMAT_HELP)
    columns: tuple[str, str] | None = setting(None, COLUMNS_HELP, cli_type=str | None, parse=parse_columns)
    cleaning: CleaningConfig = field(default_factory=CleaningConfig)
    skip_bad_lines: bool = setting(False, SKIP_BAD_LINES_HELP, flags=("--skip-bad-lines",))
    dev_size: int = setting(
        1000,
        "Pairs held out to score translation retrieval during training; several language pairs share "
        "them, at least 50 each.",
    )
    max_pairs: int | None = setting(None, "Train on a random sample of this many pairs (default: all).")
    vocab_size: int = setting(50_000, "Tokenizer vocabulary of the static encoder (or student).")
    fold_traditional: bool = True  # learn Traditional and Simplified Chinese as one script
    # Optimisation
    epochs: float | None = setting(None, "Passes over the data.")
    batch_size: int | None = setting(
        None,
        "Pairs per batch; each pair's negatives are the rest of the batch. Under torchrun, per process: "
        "a step's global batch is this × the processes.",
        min=1,
    )
    gather_negatives: bool | None = setting(
        None,
        "Under torchrun: score each pair against the global batch (every process's pairs), as one "
        "process holding it would. Default: on when there are several processes.",
        flags=("--gather-negatives/--no-gather-negatives",),
    )
    learning_rate: float | None = setting(None, "Peak learning rate.", flags=("--lr",))
    warmup_ratio: float = 0.1
    scale: float = setting(20.0, "Similarity scale, 1/temperature of the InfoNCE softmax.")
    margin: float | None = setting(None, "Additive margin on the positive pair, as in LaBSE.")
    symmetric: bool = setting(
        True, "Rank both ways (source→target and target→source).", flags=("--symmetric/--no-symmetric",)
    )
    no_duplicates: bool = setting(
        True,
        "Keep repeated sentences out of a batch (they would be false negatives).",
        flags=("--no-duplicates/--allow-duplicates",),
    )
    group_by_length: bool | None = setting(
        None,
        "Batch pairs of similar length, so little time goes on padding; batches never repeat a sentence.",
        flags=("--group-by-length/--no-group-by-length",),
    )
    # Both measured with 423k pairs in 54 language pairs, two epochs (docs/multilingual.md): alpha 1.0 beat
    # 0.3 on the 112-language Tatoeba mean by 1.1-1.3 points (and by 5-9 on cmn, deu, fra), and
    # one-pair batches beat mixed ones by 0.4-0.6.
    sampling_alpha: float = setting(
        1.0,
        "Several language pairs: each epoch draws a pair with probability ∝ its size^alpha (1: as the "
        "data has them; 0: all pairs equally; XLM-R's 0.3 lifts the small ones).",
    )
    pair_batches: PairBatches = setting(
        "single",
        "Several language pairs: 'single' gives each batch one pair, so every negative is in the same "
        "language; 'mixed' batches draw from every pair.",
    )
    max_seq_length: int | None = setting(
        None, "Truncate inputs to this many tokens (transformers; default 128 when training one)."
    )
    prompt: str | None = setting(
        None,
        "The name of the pretrained model's prompt to train and encode with; it becomes the saved "
        "model's default. Default: the model's default prompt, else its 'query' prompt (e5 models); "
        "'' for none.",
    )
    # Devices
    device: Device | None = setting(
        None,
        "Train on the CPU or on CUDA GPUs (default: a GPU where torch sees one, except for a static "
        "encoder, which trains faster on the CPU than the transfers to a GPU cost).",
    )
    precision: Precision = setting(
        "fp32",
        "Training arithmetic: fp32; bf16 mixed precision (recent GPUs and CPUs); fp16 mixed "
        "precision with loss scaling (GPUs only).",
    )
    # Evaluation
    watch: tuple[str, ...] = setting(
        help="SOURCE_FILE,TARGET_FILE: line-aligned pairs of a language pair you are not training "
        "(e.g. FLORES dev deu-eng), scored at every evaluation to catch forgetting; the checkpoint "
        "with the best mean over dev and watch sets is kept. Repeatable.",
        default_factory=tuple,
        cli_type=list[str] | None,
        parse=_watch,
    )
    eval_steps: int | None = setting(
        None, "Evaluate and checkpoint every N steps (default: 5 times per run)."
    )
    seed: int = setting(
        42,
        "Random seed for the data split, batch order and initialisation (the WordPiece vocabulary "
        "can still vary between processes: tokenizers#1794).",
    )
    # Run control
    resume: bool = setting(
        False,
        "Continue an interrupted run from its last checkpoint (refused if settings or data changed).",
        flags=("--resume",),
    )
    force: bool = setting(
        False,
        "Replace OUTPUT (a file, or a directory align wrote) and discard an unfinished run.",
        flags=("--force",),
    )

    # What the help calls a run whose model is not static (see help_note).
    transformer_kind = "fine-tuning"

    @property
    def is_static(self) -> bool:
        """Whether the model trained is a static encoder (from scratch, or a distilled student)."""
        raise NotImplementedError

    @classmethod
    def defaults(cls, static: bool) -> dict[str, object]:
        """The settings that ``None`` stands for."""
        raise NotImplementedError

    def check_before_loading(self, command: str) -> None:
        """What ``command`` (train or distill) checks before torch loads: the train extra is
        installed, the pretrained model or teacher can be found, and the model directory may be written."""
        from align.extras import require
        from align.model_source import check_model_source
        from align.outputs import check_output

        require("train", command)
        for model in filter(None, (getattr(self, "model", None), getattr(self, "teacher", None))):
            check_model_source(model)
        if not self.resume:  # a resumed run's output does not exist yet; the run's own checks say so
            check_output(self.output, force=self.force, directory=True, inputs=[self.data])

    @property
    def on_cpu(self) -> bool:
        """Whether the run trains on the CPU: asked for, or a static encoder unless CUDA is asked."""
        return self.device == "cpu" or (self.device is None and self.is_static)

    @classmethod
    def help_note(cls, name: str) -> str | None:
        """The defaults ``None`` stands for, in the help of the options that have them."""
        static, other = cls.defaults(True), cls.defaults(False)
        if name not in static:
            return None
        if static == other:
            return f"(default: {_shown(static[name])})"
        return f"(default: {_shown(static[name])} static, {_shown(other[name])} {cls.transformer_kind})"


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        mantissa, _, exponent = f"{value:g}".partition("e")
        return f"{mantissa}e{int(exponent)}" if exponent else mantissa  # 5e-05 reads as 5e-5
    return str(value)


# A static encoder learns fast with a large batch and a large learning rate; a pretrained
# transformer needs a small learning rate so fine-tuning does not wipe out what it knows.
# LaBSE's additive margin of 0.3 lifts a static encoder's Tatoeba cmn-eng by 3 points (docs/training.md).
# A transformer pads each batch to its longest sentence, so it trains on batches of similar length;
# a static encoder has no padding to save.
STATIC_DEFAULTS = {
    "epochs": 10.0,
    "batch_size": 512,
    "learning_rate": 0.2,
    "margin": 0.3,
    "group_by_length": False,
}
# For fine-tuning, 5e-5 beat 2e-5 on multilingual-e5-small (6,400 en-zh pairs: Tatoeba cmn mean 95.1
# against 94.6, deu 98.0 against 97.8), and a margin of 0.3 did not help (94.2); docs/finetuning.md.
TRANSFORMER_DEFAULTS = {
    "epochs": 1.0,
    "batch_size": 64,
    "learning_rate": 5e-5,
    "margin": 0.0,
    "group_by_length": True,
    # Length grouping puts the longest sentences in one batch; at multilingual-e5's 512 tokens, 64
    # news sentences took the fine-tuning of 24k en-* pairs past 24 GB (killed). Tatoeba and FLORES
    # sentences are far shorter than 128 tokens.
    "max_seq_length": 128,
}
# Learning the student is static training: large batches, a large learning rate. The rate is lower
# than from scratch (0.2) so that the teacher's initial vectors are refined rather than overwritten.
DISTILL_DEFAULTS = {**STATIC_DEFAULTS, "learning_rate": 0.05}


@dataclass(kw_only=True)
class TrainConfig(RunConfig):
    """``align train``: a static encoder from scratch (``model=None``) or a pretrained one fine-tuned."""

    model: str | None = setting(
        None,
        "'static' (the default) trains a fast static encoder from scratch; otherwise a "
        "sentence-transformers model name or path to fine-tune.",
        cli_type=str | None,
        parse=_model,
    )
    embedding_dim: int = setting(512, "Embedding size of a static encoder.", flags=("--dim",))
    mini_batch_size: int | None = setting(
        None,
        "Gradient caching: embed this many at a time so --batch-size can exceed memory (transformers only).",
    )
    hard_negatives: int = setting(
        0,
        "Rank each pair against its K hardest negatives too: the targets of its language pair "
        "nearest its source that are not its translation, mined before training (align "
        "mine-negatives) by the model being fine-tuned, or by --negatives-model.",
        min=0,
    )
    refresh_negatives: NegativesRefresh = setting(
        "epoch",
        "'epoch': the --hard-negatives are mined again at the start of each later epoch by the model "
        "as it is then (measured ahead of 'once', for about 1.5x the time); 'once': those mined "
        "before training serve every epoch.",
    )
    negatives_model: str | None = setting(
        None, "The model that mines --hard-negatives (default: --model; a static run from scratch needs one)."
    )
    freeze_embeddings: bool = setting(
        True,
        "Fine-tuning: keep the word-embedding matrix fixed, which makes a step several times cheaper "
        "on a CPU (in multilingual-e5-small it is 96M of 118M parameters).",
    )

    @property
    def is_static(self) -> bool:
        return self.model is None

    @classmethod
    def defaults(cls, static: bool) -> dict[str, object]:
        return STATIC_DEFAULTS if static else TRANSFORMER_DEFAULTS


@dataclass(kw_only=True)
class DistillConfig(RunConfig):
    """``align distill``: a student of a pretrained teacher, static or a smaller transformer.

    A transformer student trains with the fine-tuning defaults (it is a pretrained model, cut
    down), a static one with :data:`DISTILL_DEFAULTS`.
    """

    transformer_kind = "transformer student"

    teacher: str = setting(help="The sentence-transformers model to distil (a path, or a hub name online).")
    student: StudentKind = setting(
        "static",
        "'static': one vector per token, mean-pooled; tens of thousands of sentences a second on a "
        "CPU. 'transformer': the teacher cut to --student-layers of its layers; slower, nearer the "
        "teacher.",
    )
    student_layers: int = setting(
        4,
        "Transformer student: how many of the teacher's layers it keeps (evenly spread, the last kept).",
        min=1,
    )
    ranking_weight: float = setting(
        1.0, "Weight of the translation ranking loss beside distillation (0: distillation only)."
    )
    student_tokenizer: StudentTokenizer = setting(
        "corpus",
        "Static student: 'corpus': align's own tokenizer trained on the corpus (one token per Han character, "
        "Traditional folded onto Simplified); 'teacher': the teacher's, trimmed to the pieces "
        "the corpus uses; 'teacher-full': trained like 'teacher', then widened to the teacher's "
        "whole vocabulary, so words of languages without training pairs keep the teacher's vectors.",
    )
    initialise_from_teacher: bool = setting(
        True,
        "Static student: start each token vector at the teacher's embedding of that token alone "
        "(model2vec); off: random.",
        flags=("--init-from-teacher/--no-init-from-teacher",),
    )
    teacher_batch_size: int = 128
    teacher_devices: tuple[str, ...] = setting(
        (),
        "Embed the corpus with the teacher on several devices at once, e.g. cuda:0,cuda:1 (one "
        "process a device; under torchrun each process embeds its share on its own instead).",
        cli_type=str | None,
        parse=parse_devices,
    )

    def __post_init__(self) -> None:
        if not self.teacher:
            raise AlignError("distillation needs a teacher model (--teacher)")
        if self.student not in STUDENT_KINDS:
            raise AlignError(f"unknown student {self.student!r}; choose one of {', '.join(STUDENT_KINDS)}")
        if self.student_tokenizer not in STUDENT_TOKENIZERS:
            raise AlignError(
                f"unknown student tokenizer {self.student_tokenizer!r}; "
                f"choose one of {', '.join(STUDENT_TOKENIZERS)}"
            )
        if not self.is_static and (self.student_tokenizer != "corpus" or not self.initialise_from_teacher):
            raise AlignError(
                "--student-tokenizer and --no-init-from-teacher are for a static student; "
                "a transformer student keeps the teacher's tokenizer and weights"
            )

    @property
    def is_static(self) -> bool:
        return self.student == "static"

    @classmethod
    def defaults(cls, static: bool) -> dict[str, object]:
        return DISTILL_DEFAULTS if static else TRANSFORMER_DEFAULTS


Config = TypeVar("Config", bound=RunConfig)


def with_defaults(config: Config) -> Config:
    """Fill the ``None`` settings with the defaults for this kind of run."""
    values = {
        key: getattr(config, key) if getattr(config, key) is not None else value
        for key, value in config.defaults(config.is_static).items()
    }
    return replace(config, **values)
