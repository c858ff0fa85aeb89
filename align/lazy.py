"""Package attributes imported on first use (PEP 562), so that importing a package stays cheap:
``align --help`` and ``from align.mining import MiningConfig`` load neither torch nor FAISS.

A package lists its public names once, as the imports of its ``if TYPE_CHECKING:`` block, which
type checkers and editors read; :func:`lazy_exports` reads the same block to know where each name
lives, and imports that module only when the name is first used.
"""

from __future__ import annotations

import ast
import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Any


def lazy_exports(package: str, init_file: str) -> tuple[Callable[[str], Any], list[str]]:
    """The ``__getattr__`` and ``__all__`` of the package whose ``__init__.py`` is ``init_file``."""
    exports = _type_checking_imports(Path(init_file))

    def __getattr__(name: str) -> Any:
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(exports[name]), name)

    return __getattr__, sorted(exports)


def _type_checking_imports(init_file: Path) -> dict[str, str]:
    """``{name: module}`` for each ``from module import name`` under ``if TYPE_CHECKING:``."""
    exports = {}
    for node in ast.parse(init_file.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            for statement in node.body:
                if isinstance(statement, ast.ImportFrom) and statement.module:
                    exports.update(
                        {alias.asname or alias.name: statement.module for alias in statement.names}
                    )
    return exports
