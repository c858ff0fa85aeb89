"""How the ``align`` command reports failure: one line, never a bare traceback.

- An :class:`~align.errors.AlignError` (bad input or settings) prints ``error: ...`` and exits 2,
  with the keyword arguments it names (``force=True``) given as the command's options (``--force``).
- An ``OSError`` (permissions, a full disk, a missing directory) prints one line naming the path
  and exits 2: it is the machine's state, not a bug.
- Anything else is a bug: one line says what it was and where the full traceback was written, and
  the exit code is 1. ``align --debug`` (or ``ALIGN_DEBUG=1``) raises it instead.

SIGTERM and SIGHUP are turned into ``KeyboardInterrupt``, so a killed run still removes its
temporary files as Ctrl-C does (:func:`align.outputs.atomic_path`); either says in one line that it
stopped, and exits with 130.
"""

from __future__ import annotations

import datetime
import os
import re
import signal
import sys
import tempfile
import traceback
from typing import Any, NoReturn

import typer
from typer.core import TyperCommand, TyperGroup

from align.cli_options import plain_placeholders
from align.errors import AlignError
from align.version import __version__

EXIT_USER_ERROR = 2
EXIT_BUG = 1
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report a command stopped by Ctrl-C


# The package's messages are written for the Python API, where a choice is a keyword argument
# ("pass force=True to replace it"); the commands offer the same choices as options. Rather than
# word each message twice, or let Python callers read options they cannot pass, :func:`fail`
# translates each keyword argument that a command offers as an option. A message that names a
# keyword argument no command offers keeps its Python spelling.
OPTION_OF_KEYWORD = {
    "force=True": "--force",
    "unify=True": "--unify",
    "source_embeddings": "--src-embeddings",
    "target_embeddings": "--tgt-embeddings",
    "resume=True": "--resume",
    "skip_bad_lines=True": "--skip-bad-lines",
}
_KEYWORD = re.compile(r"(?<![\w.])(" + "|".join(map(re.escape, OPTION_OF_KEYWORD)) + r")(?!\w)")


def as_options(message: str) -> str:
    """``message`` as the command line says it: ``force=True`` becomes ``--force``, and so on."""
    return _KEYWORD.sub(lambda match: OPTION_OF_KEYWORD[match[1]], message)


def fail(message: str) -> NoReturn:
    """Print ``error: MESSAGE`` with the options of :data:`OPTION_OF_KEYWORD`, exit with code 2.

    The message comes from the package, which names keyword arguments for its Python callers;
    the user of a command can only pass options, so it is translated here, where it is printed.
    """
    typer.echo(f"error: {as_options(message)}", err=True)
    raise typer.Exit(code=EXIT_USER_ERROR)


def describe_os_error(error: OSError) -> str:
    """``PATH: reason`` for an OS error, naming both paths of a failed rename."""
    paths = [str(name) for name in (error.filename, error.filename2) if name is not None]
    reason = error.strerror or str(error)
    return f"{' → '.join(paths)}: {reason}" if paths else reason


def write_traceback(error: BaseException) -> str | None:
    """Write the traceback of ``error`` to a file in the temporary directory; return its path."""
    try:
        descriptor, path = tempfile.mkstemp(prefix="align-traceback-", suffix=".txt")
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(f"align {__version__}, {datetime.datetime.now().isoformat(timespec='seconds')}\n")
            handle.write(f"command: {' '.join(sys.argv)}\n\n")
            handle.write("".join(traceback.format_exception(error)))
    except OSError:
        return None
    return path


class AlignGroup(TyperGroup):
    """The root command group: runs a subcommand and turns its exceptions into the messages above;
    its commands' help shows plain placeholders (:func:`align.cli_options.plain_placeholders`)."""

    def get_command(self, ctx: Any, name: str) -> Any:
        command = super().get_command(ctx, name)
        if command is not None:
            plain_placeholders(command, ctx)
        return command

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except AlignError as error:
            fail(str(error))
        except OSError as error:
            fail(describe_os_error(error))
        except KeyboardInterrupt as stop:
            cause = str(stop) or "stopped by Ctrl-C"
            typer.echo(
                f"{cause}. No output was left half-written; align train --resume and sharded mining continue "
                "from their work directory.",
                err=True,
            )
            raise typer.Exit(code=EXIT_INTERRUPTED) from None
        except (typer.Exit, typer.Abort):
            raise
        except Exception as error:
            if type(error).__module__.startswith("typer") or ctx.params.get("debug"):
                raise  # the command-line parser's own exceptions, or a user who asked for the traceback
            where = write_traceback(error)
            saved = f"the full traceback is in {where}" if where else "rerun with --debug to see where"
            typer.echo(
                f"error: unexpected {type(error).__name__}: {error}\n"
                f"This is a bug in align or a library it uses; {saved} (align --debug shows it here).",
                err=True,
            )
            raise typer.Exit(code=EXIT_BUG) from None


class AlignCommand(TyperCommand):
    """A command whose usage line reads ``INPUT OUTPUT``, as Unix tools write it, not ``{input}``."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if param.param_type_name != "argument":
                continue
            name = (param.metavar or param.name or "").upper()
            name = name if param.required else f"[{name}]"
            pieces.append(f"{name}..." if param.nargs != 1 else name)
        return pieces


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt(f"stopped by signal {signal.Signals(signum).name}")


def install_signal_handlers() -> None:
    """Let SIGTERM and SIGHUP unwind the stack like Ctrl-C (only possible in the main thread)."""
    for name in ("SIGTERM", "SIGHUP"):
        number = getattr(signal, name, None)
        if number is not None and signal.getsignal(number) is signal.SIG_DFL:
            try:
                signal.signal(number, _interrupt)
            except ValueError:  # not the main thread
                return
