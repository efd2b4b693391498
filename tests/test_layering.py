"""The architecture's one-way data flow (shared/DESIGN.md §1), enforced by reading imports with ``ast``.

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
    "results": 0,  # imports nothing from the package: result classes of every layer may use it
    "_display": 0,  # idem (theory, simulate and compare classes take their reprs from it)
    "theory": 1,
    "simulate": 1,
    "compare": 2,
    "testing": 3,
    "experiments": 3,
    "plot": 4,
    "cli": 5,
    "_cli": 5,
    "__main__": 5,
}
FORBIDDEN_SIBLINGS = {("theory", "simulate"), ("simulate", "theory")}


def _part(module: str) -> str | None:
    bits = module.split(".")
    if bits[0] != "symcollapse" or len(bits) < 2:
        return None
    return bits[1]


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    pkg_parts = ["symcollapse", *path.relative_to(PKG).with_suffix("").parts[:-1]]
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


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PKG)))
def test_imports_flow_one_way(path):
    rel = path.relative_to(PKG)
    own = rel.parts[0].removesuffix(".py")
    assert own in LAYER, f"{rel}: add its top-level part to LAYER in this test"
    for mod in _imports(path):
        other = _part(mod)
        if other is None or other == own:
            continue
        assert (own, other) not in FORBIDDEN_SIBLINGS, f"{rel} imports {mod}: theory and simulate are independent"
        assert LAYER.get(other, 99) <= LAYER[own], f"{rel} imports {mod}, which sits above it in the data flow"


def test_spec_imports_nothing_internal():
    assert not [m for m in _imports(PKG / "spec.py") if m.startswith("symcollapse")]


def test_layering_test_detects_a_violation(tmp_path):
    # The checker itself must be able to fail: an upward import is seen.
    fake = PKG / "theory" / "fixed_point.py"
    src = "from symcollapse.simulate import monte_carlo\n"
    tree_imports = [n.module for n in ast.walk(ast.parse(src)) if isinstance(n, ast.ImportFrom)]
    assert ("theory", _part(tree_imports[0])) in FORBIDDEN_SIBLINGS
    assert fake.parent.name == "theory"
