"""``where=`` filters, written as plain data and turned into SQL over the documents table.

    {"lang": "zh"}                               equality
    {"lang": {"$in": ["zh", "ja"]}}              one of
    {"year": {"$gte": 2024, "$lt": 2026}}        ranges ($gt, $gte, $lt, $lte)
    {"product": {"$ne": "legacy"}}               not equal (documents without the field included)

Several keys must all hold. ``lang`` is the document's language column; any other key is a field of
its metadata (dotted for nested objects: ``"source.site"``). Values are compared as SQLite compares
JSON values: numbers with numbers, strings with strings.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from align.errors import AlignError

COLUMNS = {"lang": "lang", "id": "id"}  # filterable keys that are columns, not metadata
OPERATORS = {"$eq": "=", "$ne": "IS NOT", "$gt": ">", "$gte": ">=", "$lt": "<", "$lte": "<="}
_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z_][A-Za-z0-9_-]*)*$")
Where = Mapping[str, Any]


def _scalar(key: str, value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)  # SQLite's JSON keeps true/false as 1/0
    if isinstance(value, int) and not -(2**63) <= value < 2**63:
        raise AlignError(f"where: {key}: {value} is past the 64-bit integers documents can hold")
    if value is None or isinstance(value, int | float | str):
        return value
    raise AlignError(f"where: {key}: compare with a string, a number, a boolean or None, not {value!r}")


def field_expression(key: str) -> str:
    """The SQL a filter on ``key`` reads: a column, or the metadata field (refusing odd names)."""
    if key in COLUMNS:
        return COLUMNS[key]
    if not _KEY.match(key):
        raise AlignError(f"where: {key!r} is not a field name (letters, digits, _ and -, dotted for nesting)")
    return f"json_extract(metadata, '$.{key}')"


def to_sql(where: Where | None) -> tuple[str, list[Any]]:
    """The SQL condition ``where`` asks for and its parameters (``"1"`` and none for no filter)."""
    if not where:
        return "1", []
    if not isinstance(where, Mapping):
        raise AlignError(f"where: expected a mapping of field to value, got {type(where).__name__}")
    clauses: list[str] = []
    params: list[Any] = []
    for key, condition in where.items():
        column = field_expression(str(key))
        if not isinstance(condition, Mapping):
            condition = {"$eq": condition}
        for operator, value in condition.items():
            if operator == "$in" or operator == "$nin":
                if not isinstance(value, list | tuple | set | frozenset) or not value:
                    raise AlignError(f"where: {key}: {operator} takes a non-empty list, got {value!r}")
                values = [_scalar(key, item) for item in value]
                marks = ", ".join("?" * len(values))
                negate = "NOT " if operator == "$nin" else ""
                clauses.append(
                    f"({column} {negate}IN ({marks}){' OR ' + column + ' IS NULL' if negate else ''})"
                )
                params += values
            elif operator in OPERATORS:
                value = _scalar(key, value)
                if value is None and operator not in ("$eq", "$ne"):
                    raise AlignError(f"where: {key}: {operator} needs a value, not None")
                sql = "IS" if operator == "$eq" and value is None else OPERATORS[operator]
                clauses.append(f"{column} {sql} ?")
                params.append(value)
            else:
                known = ", ".join(["$in", "$nin", *OPERATORS])
                raise AlignError(f"where: {key}: unknown operator {operator!r} (known: {known})")
    return " AND ".join(clauses), params


def describe(where: Where | None) -> str:
    """``where`` as one line, for messages and reports."""
    return json.dumps(where, ensure_ascii=False, sort_keys=True, default=str) if where else "no filter"


_EXPRESSION = re.compile(r"^\s*([^=!<>\s]+)\s*(==|=|!=|>=|<=|>|<)\s*(.*?)\s*$")
_OPERATOR_OF = {"=": "$eq", "==": "$eq", "!=": "$ne", ">": "$gt", ">=": "$gte", "<": "$lt", "<=": "$lte"}


def _value(text: str) -> Any:
    """A command-line value as JSON reads it (numbers, true, false, null), else as a string."""
    try:
        value = json.loads(text)
    except ValueError:
        return text
    return value if value is None or isinstance(value, bool | int | float | str) else text


def parse_where(expressions: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """``["lang=zh", "year>=2024", "topic=a|b"]`` → a ``where`` mapping (``|`` separates the
    values of ``$in``; several expressions must all hold)."""
    where: dict[str, dict[str, Any]] = {}
    for expression in expressions:
        match = _EXPRESSION.match(expression)
        if match is None:
            raise AlignError(
                f"--where {expression!r}: write FIELD=VALUE, FIELD!=VALUE, FIELD>=VALUE (>, <, <=), "
                "or FIELD=A|B for one of several"
            )
        key, operator, text = match.groups()
        condition = where.setdefault(key, {})
        if operator in ("=", "==") and "|" in text:
            condition["$in"] = [_value(part) for part in text.split("|")]
        else:
            condition[_OPERATOR_OF[operator]] = _value(text)
    to_sql(where)  # refuses bad names and values now, naming them
    return where
