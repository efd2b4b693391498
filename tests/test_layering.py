"""The architecture's one-way data flow, enforced by reading imports with ``ast``.

spec → theory | simulate → compare → experiments / plot / cli. ``theory`` and ``simulate`` never import each
other; nothing imports upward.
"""

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "symcollapse"

# layer of each top-level part; a module may import only parts of a lower or equal layer, except as listed
LAYER = {
    "spec": 0,
    "_progress": 0,
    "_threads": 0,
    "results": 0,  # imports nothing from the package: result classes of every layer may use it
    "_display": 0,  # idem (theory, simulate and compare classes take their reprs from it)
    "theory": 1,
    "simulate": 1,
    "compare": 2,
    "sweep": 3,
    "_store": 0,
    "_executors": 0,
    "_io": 0,
    "testing_workflows": 3,
    "__main__": 5,
    "testing": 3,
    "experiments": 3,
    "plot": 4,
    "cli": 5,
    "_cli": 5,
}
FORBIDDEN_SIBLINGS = {("theory", "simulate"), ("simulate", "theory")}


def _part(module: str) -> str | None:
    bits = module.split(".")
    if bits[0] != "symcollapse" or len(bits) < 2:
        return None
    return bits[1]


def _imports(path: Path, root: Path = PKG) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    pkg_parts = ["symcollapse", *path.relative_to(root).with_suffix("").parts[:-1]]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg_parts[: len(pkg_parts) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
                if node.module is None:
                    out += [f"{mod}.{a.name}" for a in node.names]
                    continue
            else:
                mod = node.module or ""
            out.append(mod)
    return out


def _modules():
    return sorted(p for p in PKG.rglob("*.py") if p.name != "__init__.py" or p.parent != PKG)


def _violations(path: Path, root: Path = PKG) -> list[str]:
    """Every import of ``path`` (a module under package root ``root``) that breaks the data flow."""
    rel = path.relative_to(root)
    own = rel.parts[0].removesuffix(".py")
    if own not in LAYER:
        return [f"{rel}: add its top-level part to LAYER in this test"]
    out = []
    for mod in _imports(path, root):
        other = _part(mod)
        if other is None or other == own:
            continue
        if (own, other) in FORBIDDEN_SIBLINGS:
            out.append(f"{rel} imports {mod}: theory and simulate are independent")
        elif LAYER.get(other, 99) > LAYER[own]:
            out.append(f"{rel} imports {mod}, which sits above it in the data flow")
    return out


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PKG)))
def test_imports_flow_one_way(path):
    assert not _violations(path)


def test_spec_imports_nothing_internal():
    files = sorted((PKG / "spec").rglob("*.py"))
    assert files, "symcollapse/spec/ not found"
    outside = [m for f in files for m in _imports(f) if _part(m) not in (None, "spec")]
    assert not outside, f"spec imports {outside}"


def test_layering_test_detects_a_violation(tmp_path):
    # The checker itself must be able to fail: real files with a sibling import (absolute and relative) and
    # an upward import are flagged, and a clean file is not.
    root = tmp_path / "symcollapse"
    (root / "theory").mkdir(parents=True)
    cases = {
        "theory/bad_abs.py": "from symcollapse.simulate import monte_carlo\n",
        "theory/bad_rel.py": "from ..simulate import monte_carlo\n",
        "theory/bad_up.py": "import symcollapse.compare\n",
        "theory/good.py": "from symcollapse.spec import Problem\nfrom . import fixed_point\n",
    }
    for name, src in cases.items():
        (root / name).write_text(src)
    found = {name: _violations(root / name, root) for name in cases}
    assert "independent" in found["theory/bad_abs.py"][0]
    assert "independent" in found["theory/bad_rel.py"][0]
    assert "above it" in found["theory/bad_up.py"][0]
    assert found["theory/good.py"] == []
