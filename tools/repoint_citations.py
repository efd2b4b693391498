#!/usr/bin/env python3
"""Re-point citations of the team's unshipped notes at the package's own documentation pages.

The team worked from three documents that the repository does not ship: ``THEORY.md`` (formulas),
``DESIGN.md`` (design) and ``notes/CONTRACTS.md`` (cross-team contracts). The package's docs now hold its
own version of that material (``docs/theory/*.md``, ``docs/conventions.md``, ``docs/development.md``), with a
MyST label on every heading a citation can point to. This script rewrites each citation in place, e.g.

    THEORY.md §2.5           ->  docs/theory/results.md#results-cor44
    THEORY.md §7 item 6      ->  docs/theory/differences.md#diff-eq29
    THEORY.md §2.9–2.12      ->  docs/theory/scaling.md
    shared/DESIGN.md §4      ->  docs/theory/simulation.md
    notes/CONTRACTS.md       ->  symcollapse.experiments._table.COLUMNS

Usage (from the repository root)::

    python tools/repoint_citations.py            # dry run: print every change as file:line: old -> new
    python tools/repoint_citations.py --write    # rewrite the files in place (atomic per file)
    python tools/repoint_citations.py --check    # exit 1 if any citation is left (after --write: none)

Files: every tracked file (``git ls-files``), except this script and ``tests/test_citations.py``. Review
the diff afterwards (``git diff``); a few sentences may read better reworded by hand. It is not part of the
package.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXEMPT = {"tools/repoint_citations.py", "tests/test_citations.py"}

T = "docs/theory/"
# THEORY.md section -> page(#label). Labels are the MyST targets ``(label)=`` in docs/theory/*.md.
THEORY_SECTIONS = {
    "1": T + "setup.md",
    "1.1": T + "setup.md#setup-data",
    "1.2": T + "setup.md#setup-test-error",
    "1.3": T + "setup.md#setup-chain",
    "1.4": T + "setup.md#setup-downstream",
    "1.5": T + "setup.md#setup-process",
    "1.6": T + "setup.md#setup-notation",
    "2": T + "results.md",
    "2.1": T + "results.md#results-kappa",
    "2.2": T + "results.md#results-thm41",
    "2.3": T + "results.md#results-prop42",
    "2.4": T + "results.md#results-thm43",
    "2.5": T + "results.md#results-cor44",
    "2.6": T + "results.md#results-thm45",
    "2.7": T + "results.md#results-thm46",
    "2.8": T + "scaling.md#scaling-setting",
    "2.9": T + "scaling.md#scaling-thm51",
    "2.10": T + "scaling.md#scaling-cor52",
    "2.11": T + "scaling.md#scaling-appG",
    "2.12": T + "scaling.md#scaling-clean",
    "2.13": T + "results.md#results-thmF1",
    "2.14": T + "results.md#results-lemmas",
    "2.15": T + "results.md#results-kernel",
    "2.16": T + "results.md#results-recipe",
    "3": T + "scaling.md#scaling-table",
    "4": T + "experiments.md",
    "6": T + "workflows.md",
    "6.1": T + "workflows.md",
    "6.2": T + "workflows.md",
    "6.3": T + "workflows.md",
    "6.4": T + "workflows.md",
    "6.5": T + "workflows.md",
    "6.6": T + "workflows.md",
    "6.7": T + "scaling.md#scaling-b-above-1",
    "7": T + "differences.md",
}
# THEORY.md §7 item -> differences.md label
THEORY_ITEMS = {
    1: "diff-numbering",
    2: "diff-eq7",
    3: "diff-cond17",
    4: "diff-thmF1",
    5: "diff-eq19-propF6",
    6: "diff-eq29",
    7: "diff-cor52",
    8: "diff-intro",
    9: "diff-cor44-phi",
    10: "diff-lemmas",
    11: "diff-appH",
    12: "diff-source",
    13: "diff-experiments",
    14: "diff-experiments",
    15: "diff-experiments",
    16: "diff-log-base",
    17: "diff-finite-d",
    18: "diff-followups",
}
DESIGN_SECTIONS = {
    "1": "docs/development.md#layout",
    "2": "docs/conventions.md",
    "3": "docs/api/index.rst",
    "4": T + "simulation.md",
    "5": "docs/development.md",
    "6": "docs/development.md",
}
THEORY_BARE = T + "index.md"
DESIGN_BARE = "docs/development.md"
CONTRACTS = "symcollapse.experiments._table.COLUMNS"

# Phrases that are not "document + section" citations, rewritten first (exact text).
PHRASES = {
    "THEORY Eq. 3": "Eq. 3; see docs/theory/setup.md#setup-test-error",
    "THEORY workstream": "theory layer",
    "THEORY's MC number": "the reference MC number",
    "(the contract in notes/CONTRACTS.md)": "(the column contract)",
    "CONTRACTS.md columns": "the columns of symcollapse.experiments._table.COLUMNS",
    "THEORY.md §3's exponent table": "the exponent table of docs/theory/scaling.md#scaling-table",
    "THEORY.md §3 exponent table": "exponent table of docs/theory/scaling.md#scaling-table",
}

SEC = r"(?:§|\\u00a7)\s*(?P<sec>\d+(?:\.\d+)?)(?:\s*[–-]\s*(?P<sec2>\d+(?:\.\d+)?))?(?:\s+item\s+(?P<item>\d+))?"
CITE = re.compile(
    r"(?<![\w/.-])(?P<tick>`?)(?:shared/)?(?P<doc>THEORY|DESIGN)(?:\.md)?(?P=tick)(?![\w-])"
    r"(?:\s*" + SEC + r")?"
)
# "§7 item N" left over after a citation ("THEORY.md §4, ..., §7 item 14"): only THEORY.md has items
ITEM_RE = re.compile(r"(?:§|\\u00a7)\s*7\s+item\s+(?P<item>\d+)")
CONTRACTS_RE = re.compile(r"(?<![\w/.-])`?(?:notes/)?CONTRACTS(?:\.md)?`?(?![\w-])")


def _page(target: str) -> str:
    return target.split("#", 1)[0]


def _target(doc: str, sec: str | None, sec2: str | None, item: str | None) -> str:
    table = THEORY_SECTIONS if doc == "THEORY" else DESIGN_SECTIONS
    if sec is None:
        return THEORY_BARE if doc == "THEORY" else DESIGN_BARE
    if doc == "THEORY" and sec == "7" and item is not None:
        return T + "differences.md#" + THEORY_ITEMS[int(item)]
    first = table.get(sec) or table.get(sec.split(".")[0])
    if first is None:
        raise KeyError(f"no page for {doc}.md §{sec}")
    if sec2 is None:
        return first
    last = table.get(sec2) or table.get(sec2.split(".")[0]) or first
    # a range inside one page cites the page; across pages, the page of its start
    return _page(first) if _page(first) == _page(last) else _page(first)


def _replace(match: re.Match) -> str:
    tick = match.group("tick")
    new = _target(match.group("doc"), match.group("sec"), match.group("sec2"), match.group("item"))
    return f"{tick}{new}{tick}"


def rewrite(text: str) -> str:
    """``text`` with every citation of THEORY.md / DESIGN.md / CONTRACTS.md re-pointed."""
    for old, new in PHRASES.items():
        text = text.replace(old, new)
    text = CITE.sub(_replace, text)
    text = ITEM_RE.sub(lambda m: T + "differences.md#" + THEORY_ITEMS[int(m.group("item"))], text)
    return CONTRACTS_RE.sub(CONTRACTS, text)


def tracked_files(root: Path) -> list[str]:
    out = subprocess.run(["git", "ls-files", "-z"], cwd=root, capture_output=True, check=True)
    return sorted(f for f in out.stdout.decode().split("\0") if f and (root / f).is_file())


def _read(path: Path) -> str | None:
    data = path.read_bytes()
    if b"\0" in data:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help="rewrite the files in place")
    parser.add_argument("--check", action="store_true", help="exit 1 if any citation is left")
    parser.add_argument("--root", type=Path, default=ROOT, help="repository root (default: this checkout)")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    changed = left = 0
    for rel in tracked_files(root):
        if rel in EXEMPT:
            continue
        path = root / rel
        text = _read(path)
        if text is None:
            continue
        new = rewrite(text)
        if args.check:
            for n, line in enumerate(new.splitlines(), 1):
                if CITE.search(line) or CONTRACTS_RE.search(line) or ITEM_RE.search(line):
                    print(f"{rel}:{n}: {line.strip()}")
                    left += 1
            continue
        if new == text:
            continue
        changed += 1
        for n, (a, b) in enumerate(zip(text.splitlines(), new.splitlines(), strict=True), 1):
            if a != b:
                print(f"{rel}:{n}:\n  - {a.strip()}\n  + {b.strip()}")
        if args.write:
            tmp = path.with_name(path.name + ".repoint.tmp")
            tmp.write_text(new, encoding="utf-8", newline="")
            os.chmod(tmp, path.stat().st_mode)
            os.replace(tmp, path)
    if args.check:
        print(f"{left} citation(s) left", file=sys.stderr)
        return 1 if left else 0
    print(
        f"{changed} file(s) {'rewritten' if args.write else 'would change (dry run; --write to apply)'}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
