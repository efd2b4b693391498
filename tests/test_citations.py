"""Every document a file of the repository cites is in the repository.

The package's text cites the paper's theorem and equation numbers and its own pages under ``docs/``
(e.g. "paper Thm 4.1; see docs/theory/results.md"). A citation of a document the repository does not
contain (the team's three working notes named in :data:`NEVER_SHIPPED`, or any ``*.md`` / ``docs/...`` path
that does not exist) leaves a reader with nothing to follow, so this test fails on it.

Scanned: every tracked text file (``git ls-files``; without git, every file under the root except build
output and virtual environments). Detected:

* the names of the team's working notes as words (with or without ``.md``): these documents are never
  shipped;
* any ``*.md`` path, resolved against the citing file's folder and against the repository root (a bare
  file name also matches a tracked file of that name anywhere);
* any ``docs/...`` path (build output under ``docs/_build`` excepted); with ``#anchor`` on a Markdown
  page, the page must define that MyST target ``(anchor)=``.

URLs are ignored. This file is not scanned: its self-test writes deliberately broken citations.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SELF_EXEMPT = {"tests/test_citations.py"}
SKIP_DIRS = {
    ".git",
    ".ci-venv",
    ".venv",
    "node_modules",
    "__pycache__",
    "_build",
    ".hypothesis",
    "build",
    "dist",
}
MAX_BYTES = 2_000_000

URL = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://\S+")
# The team's working notes. Their names are assembled from parts so that this guard does not itself read as a
# citation of them.
_T, _D, _C = "THE" + "ORY", "DES" + "IGN", "CONTR" + "ACTS"
NEVER_SHIPPED = re.compile(rf"(?<![\w/.-])(?:[\w./-]*/)?({_T}|{_D}|{_C})(?:\.md)?\b(?![\w-])")
MD_PATH = re.compile(r"(?<![\w/.-])((?:\.{1,2}/)?[\w.-]+(?:/[\w.-]+)*\.md)(?![\w-])")
DOCS_PATH = re.compile(r"(?<![\w/.-])(docs/[\w./-]*[\w-])(?:#([\w-]+))?")


def repository_files(root: Path) -> list[str]:
    """Tracked files (relative POSIX paths); every non-build file when ``root`` is not a git checkout."""
    try:
        out = subprocess.run(["git", "ls-files", "-z"], cwd=root, capture_output=True, check=True)
        files = [f for f in out.stdout.decode("utf-8").split("\0") if f]
        if files:
            return sorted(f for f in files if (root / f).is_file())
    except (OSError, subprocess.CalledProcessError):
        pass
    return sorted(
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and not (set(p.relative_to(root).parts[:-1]) & SKIP_DIRS)
    )


def _text(path: Path) -> str | None:
    if path.stat().st_size > MAX_BYTES:
        return None
    data = path.read_bytes()
    if b"\0" in data:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _exists(ref: str, citing: str, root: Path, names: set[str]) -> bool:
    ref = ref.rstrip(".")
    if (root / ref).exists() or (root / Path(citing).parent / ref).exists():
        return True
    return "/" not in ref and ref in names


def _has_anchor(path: Path, anchor: str) -> bool:
    """A MyST target ``(anchor)=`` (or an explicit HTML id) in a Markdown page."""
    text = _text(path) or ""
    return f"({anchor})=" in text or f'id="{anchor}"' in text


def missing_citations(root: Path) -> dict[str, list[tuple[int, str]]]:
    """``{file: [(line, reference), ...]}`` for every citation of a document ``root`` does not contain."""
    files = repository_files(root)
    names = {Path(f).name for f in files}
    found: dict[str, list[tuple[int, str]]] = {}
    for rel in files:
        if rel in SELF_EXEMPT:
            continue
        text = _text(root / rel)
        if text is None:
            continue
        for lineno, line in enumerate(text.splitlines(), 1):
            line = URL.sub(" ", line)
            refs = [m.group(0) for m in NEVER_SHIPPED.finditer(line)]
            for pattern in (MD_PATH, DOCS_PATH):
                for m in pattern.finditer(line):
                    ref = m.group(1)
                    if ref.startswith("docs/_build") or NEVER_SHIPPED.fullmatch(ref):
                        continue
                    if not _exists(ref, rel, root, names):
                        refs.append(ref)
                    elif pattern is DOCS_PATH and m.group(2) and ref.endswith(".md"):
                        if not _has_anchor(root / ref, m.group(2)):
                            refs.append(f"{ref}#{m.group(2)}")
            for ref in dict.fromkeys(refs):
                found.setdefault(rel, []).append((lineno, ref))
    return found


def _report(found: dict[str, list[tuple[int, str]]]) -> str:
    lines = [f"{sum(map(len, found.values()))} citations of documents the repository does not contain:"]
    for rel, hits in sorted(found.items()):
        lines += [f"  {rel}:{n}: {ref}" for n, ref in hits]
    return "\n".join(lines)


def test_detector_finds_what_it_should(tmp_path):
    """The detector flags unshipped and missing documents, and only those (it can fail)."""
    (tmp_path / "docs" / "theory").mkdir(parents=True)
    (tmp_path / "docs" / "theory" / "results.md").write_text(
        "(results-thm41)=\n# Results\n", encoding="utf-8"
    )
    (tmp_path / "README.md").write_text(
        "See docs/theory/results.md#results-thm41 and README.md.\n", encoding="utf-8"
    )
    (tmp_path / "pkg.py").write_text(
        f'"""Cor 4.4 ({_T}.md §2.5); shared/{_D}.md §4; notes/{_C}.md; docs/theory/nope.md;\n'
        f"see docs/theory/results.md and https://example.org/{_T}.md; _{_D}S and {_T}_section are names.\n"
        f'Also {_T} §7 item 3 and docs/_build/html; docs/theory/results.md#no-such-label."""\n',
        encoding="utf-8",
    )
    found = missing_citations(tmp_path)
    assert set(found) == {"pkg.py"}
    refs = [ref for _, ref in found["pkg.py"]]
    assert refs == [
        f"{_T}.md",
        f"shared/{_D}.md",
        f"notes/{_C}.md",
        "docs/theory/nope.md",
        _T,
        "docs/theory/results.md#no-such-label",
    ]
    assert [n for n, _ in found["pkg.py"]] == [1, 1, 1, 1, 3, 3]


def test_every_cited_document_is_in_the_repository():
    found = missing_citations(ROOT)
    assert not found, _report(found)
