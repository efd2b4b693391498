"""The resumable store: reuse, SIGKILL mid-sweep and resume, sampler versions never mixed, foreign files."""

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

import symcollapse.sweep as sweep_module
from symcollapse._store import Store
from symcollapse.spec import Chain, Problem, Ridge, SpecError, Spectrum, Target
from symcollapse.sweep import sweep

ROOT = Path(__file__).resolve().parents[2]
GRID = {"T0": [30, 40, 50, 60, 70, 80], "n": [0, 2], "lam": [1e-2, 1e-1]}  # 6 blocks (chains) of 4 cells


def _base():
    return Problem(
        Spectrum.isotropic(20),
        Target.isotropic(norm=1),
        Chain(n=1, T0=40, sigma0=0.2),
        Ridge(T=60, sigma=0.1, lam=1e-2),
    )


def _run(store=None, **kw):
    return sweep(_base(), GRID, reps=20, seed=5, store=store, progress=False, **kw)


def test_a_rerun_reuses_every_cell_and_returns_the_same_table(tmp_path):
    path = tmp_path / "runs.sqlite"
    first = _run(path)
    assert (first.attrs["cells_computed"], first.attrs["cells_reused"]) == (24, 0)
    again = _run(path)
    assert (again.attrs["cells_computed"], again.attrs["cells_reused"]) == (0, 24)
    pd.testing.assert_frame_equal(first, again)
    pd.testing.assert_frame_equal(first, _run())  # and the store changes nothing
    with Store(path) as st:
        assert len(st) == 24


def test_another_reps_seed_or_mode_is_another_cell(tmp_path):
    path = tmp_path / "runs.sqlite"
    _run(path)
    assert sweep(_base(), GRID, reps=21, seed=5, store=path, progress=False).attrs["cells_reused"] == 0
    assert _run(path, shared=False).attrs["cells_reused"] == 0
    assert _run(path).attrs["cells_reused"] == 24


def test_a_store_of_another_sampler_version_is_recomputed_never_mixed(tmp_path, monkeypatch):
    path = tmp_path / "runs.sqlite"
    monkeypatch.setattr(sweep_module, "sampler_version", lambda: "old-layout")
    old = _run(path)
    monkeypatch.undo()
    new = _run(path)
    assert (new.attrs["cells_computed"], new.attrs["cells_reused"]) == (24, 0)
    assert new.attrs["sampler_version"] != "old-layout"
    with sqlite3.connect(path) as db:
        versions = dict(db.execute("SELECT sampler_version, COUNT(*) FROM cells GROUP BY sampler_version"))
    assert versions == {"old-layout": 24, new.attrs["sampler_version"]: 24}
    # the per-point engine does not change with the version string, so the values agree; only the rows differ
    pd.testing.assert_frame_equal(old[["mc_mean"]], new[["mc_mean"]])


def test_a_corrupt_or_foreign_file_is_a_clear_error_naming_the_path(tmp_path):
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(SpecError, match=r"junk\.sqlite.*not a symcollapse sweep store"):
        _run(junk)
    foreign = tmp_path / "foreign.sqlite"
    with sqlite3.connect(foreign) as db:
        db.execute("CREATE TABLE cells (x)")
    with pytest.raises(SpecError, match=r"foreign\.sqlite.*not a symcollapse sweep store"):
        _run(foreign)
    assert foreign.exists() and junk.read_bytes().startswith(b"this is not")  # never overwritten
    cut = tmp_path / "cut.sqlite"  # a real store, truncated (a disk-full copy, a partial download)
    _run(cut)
    data = cut.read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(SpecError, match=r"cut\.sqlite"):
        _run(cut)


_KILLED = """
import sys, time
import symcollapse.sweep as sw
from symcollapse.spec import Chain, Problem, Ridge, Spectrum, Target
run_task = sw._run_task
def slow(task):  # slow each block down so the parent can kill the process between two of them
    out = run_task(task)
    time.sleep(0.4)
    return out
sw._run_task = slow
base = Problem(Spectrum.isotropic(20), Target.isotropic(norm=1), Chain(n=1, T0=40, sigma0=0.2),
               Ridge(T=60, sigma=0.1, lam=1e-2))
print("start", flush=True)
sw.sweep(base, GRID, reps=20, seed=5, store=sys.argv[1], progress=False)
print("finished", flush=True)
"""


def test_sigkill_mid_sweep_then_rerun_gives_the_uninterrupted_table(tmp_path):
    path = tmp_path / "runs.sqlite"
    script = tmp_path / "killed.py"
    script.write_text(f"GRID = {GRID!r}\n" + textwrap.dedent(_KILLED))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, str(script), str(path)], cwd=ROOT, env=env, stdout=subprocess.PIPE
    )
    deadline = time.monotonic() + 240
    rows = 0
    while time.monotonic() < deadline and proc.poll() is None:
        if path.exists():
            try:
                with sqlite3.connect(path, timeout=1) as db:
                    rows = db.execute("SELECT COUNT(*) FROM cells").fetchone()[0]
            except sqlite3.OperationalError:  # schema not created yet / locked by the writer
                rows = 0
        if rows >= 8:  # two blocks finished, four to go
            os.kill(proc.pid, signal.SIGKILL)
            break
        time.sleep(0.05)
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL, "the sweep finished before it could be killed"
    with Store(path) as st:
        kept = len(st)
    assert 8 <= kept < 24 and kept % 4 == 0  # whole blocks only: one transaction per block
    resumed = _run(path)
    assert resumed.attrs["cells_reused"] == kept and resumed.attrs["cells_computed"] == 24 - kept
    pd.testing.assert_frame_equal(resumed, _run())
