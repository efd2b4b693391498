"""simulate(): contract, validation, method selection, reproducibility, memory, CLI, layering."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import numba
import numpy as np
import pytest

import symcollapse
from symcollapse.cli import main
from symcollapse.simulate import MCResult, exact_methods, simulate
from symcollapse.simulate import monte_carlo as mc
from symcollapse.spec import Chain, Problem, RegimeError, Ridge, SpecError, Spectrum, Target, preset

PKG = Path(symcollapse.__file__).resolve().parent


def _p(d=8, n=2, T0=20, T=24, lam=0.0, design="independent", sigma0=0.3, sigma=0.2, spectrum="power"):
    spec = Spectrum.power_law(d, 2) if spectrum == "power" else Spectrum.isotropic(d)
    return Problem(spec, Target.isotropic(), Chain(n=n, T0=T0, sigma0=sigma0, design=design),
                   Ridge(T=T, sigma=sigma, lam=lam))


# ---------------------------------------------------------------------------------------------------------
# contract and method selection
# ---------------------------------------------------------------------------------------------------------


def test_result_fields_and_public_reexport():
    # symcollapse.simulate is both the public function and the subpackage (made callable for this reason)
    r = symcollapse.simulate(_p(lam=0.1), reps=50, seed=1)
    assert np.array_equal(r.errors, simulate(_p(lam=0.1), 50, 1).errors)
    assert isinstance(r, MCResult) and symcollapse.MCResult is MCResult
    assert r.reps == 50 and r.seed == 1 and r.method == "collapsed"
    assert r.errors.shape == r.chain_errors.shape == (50,)
    assert r.mean == pytest.approx(r.errors.mean(), rel=1e-12)
    assert r.stderr == pytest.approx(r.errors.std(ddof=1) / np.sqrt(50), rel=1e-12)
    assert r.elapsed > 0 and r.problem == _p(lam=0.1)
    assert np.all(r.errors >= 0) and np.all(r.chain_errors >= 0)
    with pytest.raises(ValueError):
        r.errors[0] = 1.0  # read-only


@pytest.mark.parametrize(
    ("kwargs", "auto", "exact"),
    [
        (dict(lam=0.0), "ols-law", ["ols-law", "collapsed", "bartlett", "reference"]),
        (dict(lam=0.1), "collapsed", ["collapsed", "bartlett", "reference"]),
        (dict(lam=0.1, design="shared"), "collapsed", ["collapsed", "bartlett", "reference"]),
        (dict(T0=5), "bartlett", ["bartlett", "reference"]),  # T0 < d: min-norm interpolating generators
        (dict(T0=5, n=0), "ols-law", ["ols-law", "collapsed", "bartlett", "reference"]),  # no chain at all
        (dict(T=6, lam=0.1), "collapsed", ["collapsed", "bartlett", "reference"]),  # T < d downstream
        (dict(T=6), "collapsed", ["collapsed", "bartlett", "reference"]),  # T < d, min-norm downstream
        (dict(T0=5, T=6, design="shared"), "bartlett", ["bartlett", "reference"]),
    ],
)
def test_auto_picks_the_fastest_exact_sampler(kwargs, auto, exact):
    p = _p(**kwargs)
    assert exact_methods(p) == exact
    assert simulate(p, 4, 0).method == auto


@pytest.mark.parametrize(
    ("kwargs", "method", "needle"),
    [
        (dict(lam=0.1), "ols-law", "lam = 0"),
        (dict(T0=5), "collapsed", "T0 >= d"),
        (dict(T0=5, lam=0.1), "collapsed", "T0 >= d"),
        (dict(T=6), "ols-law", "T >= d"),
        (dict(T0=5), "ols-law", "T0 >= d"),
    ],
)
def test_named_inexact_method_raises_regime_error(kwargs, method, needle):
    with pytest.raises(RegimeError, match=needle):
        simulate(_p(**kwargs), 10, 0, method=method)


@pytest.mark.parametrize("reps", [1, 0, -3, 2.5, "10", True, None])
def test_bad_reps(reps):
    with pytest.raises(SpecError, match="reps"):
        simulate(_p(), reps, 0)


@pytest.mark.parametrize("seed", [-1, 1.5, "0", None])
def test_bad_seed(seed):
    with pytest.raises(SpecError, match="seed"):
        simulate(_p(), 10, seed)


def test_bad_method_and_problem():
    with pytest.raises(SpecError, match="method"):
        simulate(_p(), 10, 0, method="fast")
    with pytest.raises(SpecError, match="Problem"):
        simulate({"d": 3}, 10, 0)
    with pytest.raises(SpecError, match="lam"):  # spec errors propagate unchanged
        simulate(preset("fig1a").replace(lam=-1), 10, 0)


def test_edge_cases_run():
    # d = 1, sigma0 = 0, sigma = 0, n = 0 and T = d, T0 = d (chi-square with one degree of freedom)
    cases = (_p(d=1, T0=3, T=3, lam=0.2), _p(sigma0=0, sigma=0, lam=0.1), _p(n=0, lam=0.1), _p(T0=8, T=8, lam=0.1),
             _p(d=3, T0=1, T=1, lam=0.0), _p(T0=7, T=7, lam=0.0), _p(d=1, T0=1, T=1, lam=0.0))
    for p in cases:
        for m in exact_methods(p):
            r = simulate(p, 6, 0, method=m)
            assert np.all(np.isfinite(r.errors)) and np.all(np.isfinite(r.chain_errors))
    noiseless = simulate(_p(sigma0=0, sigma=0, lam=0.0), 20, 0, method="bartlett")
    assert np.all(noiseless.errors < 1e-20)  # OLS on exact labels recovers w0


# ---------------------------------------------------------------------------------------------------------
# reproducibility
# ---------------------------------------------------------------------------------------------------------

ALL_METHODS = ["reference", "bartlett", "collapsed", "ols-law"]


@pytest.mark.parametrize("method", ALL_METHODS)
def test_same_seed_same_numbers_and_reps_prefix(method):
    p = _p(d=30, T0=40, T=45)  # several RNG blocks for the vectorised samplers
    reps = 2 * mc.block_size(method, p) + 3 if method != "reference" else 40
    a = simulate(p, reps, 11, method=method)
    b = simulate(p, reps, 11, method=method)
    assert np.array_equal(a.errors, b.errors) and np.array_equal(a.chain_errors, b.chain_errors)
    # replicate i depends on (seed, i) only: fewer replicates are a prefix of more
    c = simulate(p, reps // 2, 11, method=method)
    assert np.array_equal(c.errors, a.errors[: reps // 2])
    d = simulate(p, reps, 12, method=method)
    assert not np.any(d.errors == a.errors)


THREAD_CASES = {
    "collapsed-ridge": ("collapsed", dict(d=60, T0=80, T=90, lam=0.05, n=3)),
    "bartlett-ridge": ("bartlett", dict(d=60, T0=80, T=90, lam=0.05, n=3)),
    "bartlett-ols": ("bartlett", dict(d=60, T0=80, T=90, lam=0.0, n=3)),
    "bartlett-dual": ("bartlett", dict(d=60, T0=30, T=40, lam=0.05, n=3)),  # T0, T < d: dual kernels
    "reference": ("reference", dict(d=20, T0=30, T=30, lam=0.05)),
}


@pytest.mark.skipif(numba.config.NUMBA_NUM_THREADS < 2, reason="needs at least 2 numba threads")
@pytest.mark.parametrize("case", THREAD_CASES)
def test_bit_identical_across_thread_counts(case):
    method, kw = THREAD_CASES[case]
    p = _p(**kw)
    reps = 3 * mc.block_size(method, p) + 5
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = simulate(p, reps, 5, method=method)
        numba.set_num_threads(2)
        two = simulate(p, reps, 5, method=method)
    finally:
        numba.set_num_threads(before)
    assert np.array_equal(one.errors, two.errors)
    assert np.array_equal(one.chain_errors, two.chain_errors)


def test_progress_bar(capsys):
    simulate(_p(lam=0.1), 20, 0, progress=True)
    err = capsys.readouterr().err
    assert "simulate [collapsed]" in err and "100%" in err
    simulate(_p(lam=0.1), 20, 0, progress=False)
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("method", ["bartlett", "collapsed"])
def test_recursive_cholesky_path_is_thread_count_independent(method):
    # d = 300 > 256: the downstream Cholesky is the recursive one (_kernels._potrf_rec); still bit-identical for
    # 1 and 2 threads, and fewer replicates are a prefix of more
    from symcollapse.spec import Chain, Problem, Ridge, Spectrum, Target

    p = Problem(Spectrum.power_law(300, 2), Target.isotropic(), Chain(n=3, T0=400, sigma0=0.2),
                Ridge(T=350, sigma=0.1, lam=1e-3))
    one, two = simulate(p, 9, 1, method=method, threads=1), simulate(p, 9, 1, method=method, threads=2)
    assert np.array_equal(one.errors, two.errors) and np.array_equal(one.chain_errors, two.chain_errors)
    assert np.array_equal(simulate(p, 5, 1, method=method, threads=2).errors, one.errors[:5])


@pytest.mark.parametrize("method", ["bartlett", "collapsed", "ols-law"])
def test_values_do_not_depend_on_the_kernel_call_grouping(method, monkeypatch, capsys):
    # with a bar the streams run in calls of 8 per thread, without it in calls of _STREAMS_PER_CALL: the same
    # values (and a cap of 3 streams per call, so that several calls happen, changes nothing either)
    from symcollapse.simulate import monte_carlo as mc

    p = _p(lam=0.1 if method != "ols-law" else 0.0)
    reps = 40 * mc.block_size(method, p) + 3  # 41 streams
    quiet = simulate(p, reps, 4, method=method)
    bar = simulate(p, reps, 4, method=method, progress=True)
    monkeypatch.setattr(mc, "_STREAMS_PER_CALL", 3)
    capped = simulate(p, reps, 4, method=method)
    capsys.readouterr()
    for other in (bar, capped):
        assert np.array_equal(quiet.errors, other.errors)
        assert np.array_equal(quiet.chain_errors, other.chain_errors)


# ---------------------------------------------------------------------------------------------------------
# memory: the fast path never allocates T × d
# ---------------------------------------------------------------------------------------------------------

_MEMORY_SCRIPT = r"""
import resource, sys, tracemalloc
from symcollapse.simulate import simulate
from symcollapse.simulate.monte_carlo import warmup
from symcollapse.spec import Chain, Problem, Ridge, Spectrum, Target
warmup()
p = Problem(Spectrum.power_law(300, 2), Target.isotropic(), Chain(n=3, T0=600, sigma0=0.2),
            Ridge(T=10**6, sigma=0.1, lam=1e-3))
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
tracemalloc.start()
r = simulate(p, 64, 0)
peak = tracemalloc.get_traced_memory()[1]
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(r.method, peak, base * 1024, rss * 1024)
"""


def test_fast_path_memory_at_T_1e6_d_300():
    # T × d float64 would be 2.4 GB; the fast path must stay below 300 MB. Measured in a fresh process:
    # tracemalloc's peak (numpy buffers) and the growth of the resident set (everything, incl. numba's).
    out = subprocess.run([sys.executable, "-c", _MEMORY_SCRIPT], capture_output=True, text=True, check=True)
    method, peak, base, rss = out.stdout.split()
    assert method == "collapsed"
    assert int(peak) < 300e6, peak
    assert int(rss) - int(base) < 300e6, (base, rss)


# ---------------------------------------------------------------------------------------------------------
# CLI
# ---------------------------------------------------------------------------------------------------------

_ARGS = ["simulate", "--d", "6", "--T0", "14", "--T", "16", "--n", "0,3", "--sigma0", "0.7", "--sigma", "0.5",
         "--reps", "4000", "--seed", "3", "--spectrum", "power-law", "--beta", "2"]


def test_cli_json(capsys):
    assert main([*_ARGS, "--json", "--no-progress"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["n"] for r in rows] == [0, 3]
    assert all(r["method"] == "ols-law" and r["reps"] == 4000 for r in rows)
    for r in rows:  # Thm 4.1
        exact = 0.25 * 6 / 9 + r["n"] * 0.49 * 6 / 7
        assert abs(r["mean"] - exact) <= 4 * r["stderr"]


def test_cli_table_and_errors(capsys):
    assert main([*_ARGS, "--method", "bartlett"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["n", "T", "lam", "mean", "stderr", "reps", "method", "seconds"]
    assert len(out) == 4 and out[2].split()[6] == "bartlett"
    assert main([*_ARGS, "--reps", "1"]) == 2
    assert "reps" in capsys.readouterr().err
    assert main([*_ARGS, "--T0", "3", "--method", "ols-law"]) == 2
    assert "T0 >= d" in capsys.readouterr().err


# ---------------------------------------------------------------------------------------------------------
# layering: simulate never imports theory, and the package does not import kernel_ridge
# ---------------------------------------------------------------------------------------------------------


def test_simulate_never_imports_theory():
    for path in (PKG / "simulate").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not any("theory" in n for n in names), path
    code = (
        "import sys, symcollapse.simulate; "
        "from symcollapse.simulate.monte_carlo import warmup; warmup(); "
        "bad = [m for m in sys.modules if m.startswith(('symcollapse.theory', 'symcollapse.simulate.kernel_ridge', "
        "'sklearn'))]; assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)


# ---------------------------------------------------------------------------------------------------------
# threads= and the sampler version
# ---------------------------------------------------------------------------------------------------------


def test_sampler_version_is_exported():
    assert isinstance(symcollapse.simulate.SAMPLER_VERSION, str) and symcollapse.simulate.SAMPLER_VERSION == "5"


@pytest.mark.parametrize("method", ["bartlett", "collapsed", "ols-law", "reference"])
def test_threads_argument_changes_no_bit_and_is_restored(method):
    p = _p(d=30, T0=40, T=45, lam=0.0 if method == "ols-law" else 0.05)
    reps = 2 * mc.block_size(method, p) + 3 if method != "reference" else 12
    before = numba.get_num_threads()
    one = simulate(p, reps, 9, method=method, threads=1)
    assert numba.get_num_threads() == before
    many = simulate(p, reps, 9, method=method, threads=64)  # capped at NUMBA_NUM_THREADS
    assert np.array_equal(one.errors, many.errors) and np.array_equal(one.chain_errors, many.chain_errors)


@pytest.mark.parametrize("threads", [0, -1, 1.5, "2", True])
def test_bad_threads(threads):
    with pytest.raises(SpecError, match="threads"):
        simulate(_p(), 10, 0, threads=threads)


@pytest.mark.skipif(numba.config.NUMBA_NUM_THREADS < 2, reason="needs at least 2 numba threads")
@pytest.mark.parametrize(
    ("threads", "n_streams", "d", "plan"),
    [
        (2, 40, 200, (2, 1)),  # enough replicates: parallel over streams, one BLAS thread
        (2, 1, 200, (1, 1)),  # one stream, small d: LAPACK threads would not pay
        (2, 1, 1500, (1, 2)),  # one stream, large d: the cores go to LAPACK inside the replicate
        (1, 40, 1500, (1, 1)),  # threads=1 is respected
    ],
)
def test_thread_plan_uses_every_core(threads, n_streams, d, plan):
    before = numba.get_num_threads()
    with mc._thread_plan(threads, n_streams, d) as got:
        assert got == plan and numba.get_num_threads() == plan[0]
    assert numba.get_num_threads() == before


def test_plain_view_is_reused_for_the_same_problem_only():
    from symcollapse.simulate import samplers

    p = _p(d=7, T0=20, T=30, lam=0.1)
    a = samplers.plain(p)
    assert samplers.plain(p) is a  # one simulate call asks up to three times
    q = p.replace(lam=0.2)
    b = samplers.plain(q)
    assert b is not a and b.lam == 0.2 and samplers.plain(p).lam == 0.1
