"""Every executable derivation in ``derivations/`` runs to the end (each asserts its own identities)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FILES = sorted((ROOT / "derivations").glob("*.py"))


def test_there_are_derivations():
    assert FILES, "derivations/ holds no .py file"


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_derivation_runs(path):
    env = dict(os.environ)
    # the package from this checkout, also when it is not installed
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    env.setdefault("MPLBACKEND", "Agg")
    proc = subprocess.run([sys.executable, str(path)], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, f"{path.name} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"
