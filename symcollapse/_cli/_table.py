"""Terminal output: tables that fit the terminal width, CSV and JSON, all from the same flat records.

A table shows a subcommand's default columns (or ``--columns a,b,c``). If it is wider than the terminal,
the columns whose value is the same on every row move to a ``# fixed:`` line above it; if it is still too
wide, columns are dropped from the right and the dropped names are listed (``--columns``, ``--csv`` and
``--json`` show them). Numbers print with 6 significant digits; the high-precision digits of ``--dps`` go in a separate
block (:func:`print_digits`).
"""

from __future__ import annotations

import difflib
import json
import math
import shutil
import sys
import textwrap
from collections.abc import Iterable, Sequence
from typing import Any

from symcollapse._cli._parse import OptionError
from symcollapse.results import jsonable, records

_FALLBACK_WIDTH = 100  # when stdout is not a terminal and COLUMNS is unset


def width() -> int:
    """The terminal width (``COLUMNS`` wins), at least 40."""
    return max(40, shutil.get_terminal_size((_FALLBACK_WIDTH, 24)).columns)


def cell(value: Any, digits: int = 6) -> str:
    """One readable cell: floats to ``digits`` significant digits, ``None`` as empty."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        if value == 0 or not math.isfinite(value):
            return str(value)
        return f"{value:.{digits}g}"
    return str(value)


def select(rows: list[dict], columns: Sequence[str], option: str = "--columns") -> list[str]:
    """Check user-given column names against the records, with "did you mean" on a typo."""
    known: list[str] = []
    for r in rows:
        known += [k for k in r if k not in known]
    for c in columns:
        if c not in known:
            close = difflib.get_close_matches(c, known, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise OptionError(
                option, ",".join(columns), f"unknown column {c!r}{hint} (available: {', '.join(known)})"
            )
    return list(columns)


def _render(rows: list[dict], columns: list[str]) -> list[str]:
    cells = [[cell(r.get(c)) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    lines = ["  ".join(c.rjust(w) for c, w in zip(columns, widths)), "  ".join("-" * w for w in widths)]
    lines += ["  ".join(v.rjust(w) for v, w in zip(row, widths)) for row in cells]
    return lines


def table_lines(
    rows: list[dict], columns: Iterable[str], explicit: bool = False, max_width: int | None = None
) -> list[str]:
    """The lines of a table of ``rows`` restricted to ``columns``, fitted to ``max_width``.

    With ``explicit=False`` (the default column set) constant columns are moved to a ``# fixed:`` line and
    columns are dropped from the right until the table fits; with ``explicit=True`` (``--columns``) the
    user's choice is kept as is.
    """
    max_width = max_width or width()
    columns = [c for c in columns if any(c in r for r in rows)]
    notes: list[str] = []
    lines = _render(rows, columns)
    if explicit or max(map(len, lines)) <= max_width:
        return lines
    if len(rows) > 1:  # too wide: first move the columns that are the same on every row to one line
        fixed = [c for c in columns if len({cell(r.get(c)) for r in rows}) == 1 and cell(rows[0].get(c))]
        keep = [c for c in columns if c not in fixed]
        if fixed and keep:
            notes += wrap("# fixed: " + ", ".join(f"{c} = {cell(rows[0].get(c))}" for c in fixed), max_width)
            columns = keep
            lines = _render(rows, columns)
    dropped: list[str] = []
    while len(columns) > 1 and max(map(len, lines)) > max_width:
        dropped.insert(0, columns.pop())
        lines = _render(rows, columns)
    if dropped:
        notes += wrap(
            "# not shown (terminal too narrow; see --columns, --csv, --json): " + ", ".join(dropped),
            max_width,
        )
    return notes + lines


def wrap(text: str, max_width: int | None = None, indent: str = "# ") -> list[str]:
    """``text`` wrapped to the terminal width; continuation lines start with ``indent``."""
    return textwrap.wrap(
        text, width=max_width or width(), subsequent_indent=indent, break_on_hyphens=False
    ) or [""]


def print_digits(
    rows: list[dict], keys: Sequence[str], quantities: Sequence[str], title: str, file=None
) -> None:
    """The ``<q>_exact`` digits of each row, one quantity per line (wrapped if longer than the terminal)."""
    file = file or sys.stdout
    w = width()
    print(file=file)
    for line in wrap(title, w):
        print(line, file=file)
    label_w = max(len(q) for q in quantities)

    def text(r: dict, q: str) -> str:
        return r.get(f"{q}_exact") or cell(r.get(q), 17)

    def show(q: str, value: str, indent: str) -> None:
        head = f"{indent}{q.ljust(label_w)} = "
        room = max(10, w - len(head))
        chunks = [value[i : i + room] for i in range(0, len(value), room)] or [""]
        print(head + chunks[0], file=file)
        for c in chunks[1:]:
            print(" " * len(head) + c, file=file)

    same = [q for q in quantities if len({text(r, q) for r in rows}) == 1] if len(rows) > 1 else []
    if same:
        print("  every row:", file=file)
        for q in same:
            show(q, text(rows[0], q), "    ")
    for r in rows:
        varying = [q for q in quantities if q not in same and text(r, q)]
        if not varying:
            continue
        print("  " + ", ".join(f"{k} = {cell(r.get(k))}" for k in keys) + ":", file=file)
        for q in varying:
            show(q, text(r, q), "    ")


def emit(objs: Any, fmt: str, columns: Sequence[str] | None, default: Sequence[str], file=None) -> list[dict]:
    """Print result objects (or dicts) as a table, CSV or JSON; return their flat records.

    ``columns`` (from ``--columns``) restricts every format; ``default`` is the subcommand's table set.
    """
    file = file or sys.stdout
    rows = records(objs)
    chosen = select(rows, columns) if columns else None
    if fmt == "json":
        data = [{k: v for k, v in r.items() if chosen is None or _base(k) in chosen} for r in rows]
        print(json.dumps(jsonable(data), indent=2, allow_nan=False), file=file)
    elif fmt == "csv":
        from symcollapse.results import to_frame  # noqa: PLC0415

        frame = to_frame(rows)
        if chosen is not None:
            frame = frame[[c for c in frame.columns if _base(c) in chosen]]
        frame.to_csv(file, index=False)
    else:
        for line in table_lines(rows, chosen or default, explicit=chosen is not None):
            print(line, file=file)
    return rows


def _base(key: str) -> str:
    return key[: -len("_exact")] if key.endswith("_exact") else key


def add_output_arguments(parser, default_columns: Sequence[str]) -> None:
    """``--json``, ``--csv`` and ``--columns`` (every table-producing subcommand has all three)."""
    g = parser.add_argument_group("output")
    fmt = g.add_mutually_exclusive_group()
    fmt.add_argument(
        "--json",
        dest="format",
        action="store_const",
        const="json",
        default="table",
        help="print JSON records, numbers as numbers, exact values in <name>_exact strings "
        "(default: off, a table)",
    )
    fmt.add_argument(
        "--csv",
        dest="format",
        action="store_const",
        const="csv",
        help="print CSV, the same columns as --json (default: off, a table)",
    )
    g.add_argument(
        "--columns",
        type=_column_list,
        default=None,
        help="comma-separated columns to show, in every format (default: "
        + (",".join(default_columns) or "every column")
        + " in the table, every column in --json and --csv)",
    )


def _column_list(text: str) -> list[str]:
    items = [c.strip() for c in text.split(",") if c.strip()]
    if not items:
        raise OptionError("--columns", text, "empty; expected names such as n,T,total")
    return items
