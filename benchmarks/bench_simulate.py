"""Speed of ``symcollapse.simulate`` against the naive numpy chain and the obvious scikit-learn loop.

Run from a clean clone (one command; ``--quick`` for a ~1-minute smoke run)::

    python benchmarks/bench_simulate.py [--quick]

Grid (issue 3): d ∈ {50, 200, 1000}, T0 = T ∈ {2d, 20d}, n = 10, λ ∈ {1e-3, 0}, power-law spectrum β = 2,
σ0 = 0.2, σ = 0.1, 200 replicates of ``simulate(..., method="auto")`` (best wall time of 3 runs).
Baselines, in the same run:

(a) naive numpy chain = ``symcollapse.simulate._reference`` (draws every design matrix, ``lstsq`` fits,
    ridge by ``solve``);
(b) the obvious scikit-learn loop: ``LinearRegression(fit_intercept=False)`` for every generator,
    ``Ridge(alpha=λT, fit_intercept=False)`` (or ``LinearRegression`` for λ = 0) downstream.

All BLAS libraries are limited to one thread with threadpoolctl (on these 2-core machines multi-threaded
OpenBLAS is slower); ``simulate`` parallelises over replicates with numba threads instead. Slow baselines are
timed on fewer replicates and scaled linearly: a baseline whose replicate is estimated to take more than
0.5 s is timed *per generation* (one chain fit, one downstream fit, each including its random draws) and
extrapolated to the n = 10 chain as ``n·t_chain + t_downstream`` — the table says which. The flop floor of a
ridge replicate is 2d³/3 flops (dlauum + dpotrf) at the single-thread float64 GEMM rate measured here.
numba compile time is measured separately in a fresh process with an empty cache (``cache=True`` makes
users pay it once). Results go to stdout and to ``benchmarks/results_simulate.md``.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from symcollapse.simulate import monte_carlo as mc  # noqa: E402
from symcollapse.simulate._reference import reference_block  # noqa: E402
from symcollapse.spec import Chain, Problem, Ridge, Spectrum, Target  # noqa: E402

N_GEN = 10
SIGMA0, SIGMA = 0.2, 0.1


def problem(d: int, T: int, lam: float) -> Problem:
    return Problem(Spectrum.power_law(d, 2), Target.isotropic(), Chain(n=N_GEN, T0=T, sigma0=SIGMA0),
                   Ridge(T=T, sigma=SIGMA, lam=lam))


def gemm_rate() -> float:
    """Single-thread float64 GEMM flop rate (d = 1000), best of repeated runs over ~1.5 s."""
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((1000, 1000)), rng.standard_normal((1000, 1000))
    best = np.inf
    start = time.perf_counter()
    while time.perf_counter() - start < 1.5:
        t = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - t)
    return 2e9 / best


def sklearn_block(ev, c, n, T0, sigma0, T, sigma, lam, gen, count):
    from sklearn.linear_model import LinearRegression
    from sklearn.linear_model import Ridge as SkRidge

    d = ev.shape[0]
    sq = np.sqrt(ev)
    out = np.empty(count)
    for r in range(count):
        w = c
        for _ in range(n):
            X = gen.standard_normal((T0, d)) * sq
            y = X @ w + sigma0 * gen.standard_normal(T0)
            w = LinearRegression(fit_intercept=False).fit(X, y).coef_
        X = gen.standard_normal((T, d)) * sq
        y = X @ w + sigma * gen.standard_normal(T)
        model = SkRidge(alpha=lam * T, fit_intercept=False) if lam > 0 else LinearRegression(fit_intercept=False)
        out[r] = ev @ (model.fit(X, y).coef_ - c) ** 2
    return out


BASELINES = {"naive": reference_block, "sklearn": sklearn_block}


_CHAIN_STEP: dict = {}  # (baseline, d, T0) -> seconds of one chain generation (shared by both λ values)


def time_baseline(name: str, d: int, T: int, lam: float, budget: float) -> tuple[float, str]:
    """Seconds per replicate of the n = 10 chain, and how it was obtained."""
    fn = BASELINES[name]
    p = mc._plain(problem(d, T, lam))
    gen = np.random.default_rng(1)

    def one(n: int, reps: int) -> float:
        args = (p.ev, p.c, n, p.T0, p.sigma0) + ((False,) if name == "naive" else ()) + (p.T, p.sigma, p.lam)
        t = time.perf_counter()
        fn(*args, gen, reps)
        return (time.perf_counter() - t) / reps

    t_down = one(0, 1)  # downstream only (one fit on T samples, including its draws)
    key = (name, d, T)
    if key not in _CHAIN_STEP:
        _CHAIN_STEP[key] = max(one(1, 1) - t_down, 0.0)  # + one generation
    estimate = t_down + N_GEN * _CHAIN_STEP[key]
    if estimate <= 0.5:
        reps = int(max(2, min(200, budget // max(estimate, 1e-6))))
        return one(N_GEN, reps), f"{reps} reps"
    return estimate, "per-generation"


def compile_times() -> tuple[float, float]:
    """(compile, cache-load) seconds of every kernel, in fresh processes sharing an empty cache dir."""
    code = (
        "import time; t = time.perf_counter(); "
        "from symcollapse.simulate.monte_carlo import warmup; warmup(); print(time.perf_counter() - t)"
    )
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache, PYTHONPATH=str(ROOT))
        run = [sys.executable, "-c", code]
        first = float(subprocess.run(run, env=env, capture_output=True, text=True, check=True).stdout)
        second = float(subprocess.run(run, env=env, capture_output=True, text=True, check=True).stdout)
    return first, second


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="d ∈ {50, 200}, 50 replicates, small baseline budget")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results_simulate.md"))
    args = ap.parse_args()
    dims = (50, 200) if args.quick else (50, 200, 1000)
    reps = 50 if args.quick else 200
    budget = 1.0 if args.quick else 3.0
    import numba

    load0 = os.getloadavg()
    t_bench = time.perf_counter()
    compile_s, cache_s = compile_times()
    mc.warmup()
    import sklearn.linear_model  # noqa: F401  (import time is not part of any timing)
    rows = []
    with threadpool_limits(limits=1):
        rate = gemm_rate()
        for d in dims:
            for T in (2 * d, 20 * d):
                for lam in (1e-3, 0.0):
                    p = problem(d, T, lam)
                    runs = []  # best of 3 (same seed), like the GEMM rate: the least-disturbed run
                    for _ in range(3):
                        cpu = time.process_time()
                        res = mc.simulate(p, reps, seed=0)
                        runs.append((res.elapsed, time.process_time() - cpu, res))
                    wall, cpu, ours = min(runs, key=lambda r: r[0])
                    t_ours, cpu_ours = wall / reps, cpu / reps
                    naive, how_n = time_baseline("naive", d, T, lam, budget)
                    skl, how_s = time_baseline("sklearn", d, T, lam, budget)
                    floor = (2 * d**3 / 3) / rate if lam > 0 else float("nan")
                    rows.append(dict(d=d, T=T, lam=lam, method=ours.method, ours=t_ours, cpu=cpu_ours, naive=naive, how_n=how_n,
                                     sklearn=skl, how_s=how_s, floor=floor, mean=ours.mean, stderr=ours.stderr))
                    r = rows[-1]
                    print(f"d={d:5d} T0=T={T:6d} lam={lam:g}: {ours.method:9s} {t_ours * 1e3:9.4f} ms/rep | naive "
                          f"{naive * 1e3:10.1f} ms ({how_n}) ×{naive / t_ours:,.0f} | sklearn {skl * 1e3:10.1f} ms "
                          f"({how_s}) ×{skl / t_ours:,.0f}"
                          + (f" | floor frac {floor / t_ours:.2f} (per core {floor / cpu_ours:.2f})" if lam > 0 else ""),
                          flush=True)
    total = time.perf_counter() - t_bench
    load1 = os.getloadavg()
    lines = [
        "# simulate benchmark (issue 3)",
        "",
        f"Command: `python benchmarks/bench_simulate.py{' --quick' if args.quick else ''}` — {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, numba threads {numba.get_num_threads()}, "
        f"BLAS limited to 1 thread. Load average before/after: {load0[0]:.2f} / {load1[0]:.2f} "
        "(other jobs shared the cores: all timings, ours and baselines, are same-run and equally affected).",
        "",
        f"- single-thread float64 GEMM rate: {rate / 1e9:.1f} GFLOP/s",
        f"- numba compile time (empty cache, all kernels): {compile_s:.1f} s; later runs load the cache in {cache_s:.1f} s",
        f"- grid: power law β = 2, n = {N_GEN}, σ0 = {SIGMA0}, σ = {SIGMA}, T0 = T, {reps} replicates of simulate(method='auto')",
        "- baselines timed on fewer replicates and scaled linearly: 'k reps' = k full replicates timed; "
        "'per-generation' = one chain fit and one downstream fit timed, total = 10·t_chain + t_downstream",
        "- floor fraction = (2d³/3 flops / GEMM rate) / our wall time per replicate (λ > 0 only; replicates run "
        "in parallel on all numba threads, so this can exceed 1); per core = the same with our CPU time (all "
        "threads) per replicate, i.e. the single-core efficiency, which the machine's load affects much less",
        "- our time: best of 3 runs (as the GEMM rate: best of repeated products); baselines: one timing",
        f"- total benchmark time {total:.0f} s",
        "",
        "| d | T0 = T | λ | sampler | ours ms/rep | naive ms/rep | × naive | sklearn ms/rep | × sklearn | floor frac (per core) | mean ± se |",
        "|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        frac = f"{r['floor'] / r['ours']:.2f} ({r['floor'] / r['cpu']:.2f})" if r["lam"] > 0 else "–"
        lines.append(
            f"| {r['d']} | {r['T']} | {r['lam']:g} | {r['method']} | {r['ours'] * 1e3:.4f} | {r['naive'] * 1e3:.1f} "
            f"({r['how_n']}) | {r['naive'] / r['ours']:,.0f} | {r['sklearn'] * 1e3:.1f} ({r['how_s']}) | "
            f"{r['sklearn'] / r['ours']:,.0f} | {frac} | {r['mean']:.4g} ± {r['stderr']:.2g} |"
        )
    text = "\n".join(lines) + "\n"
    Path(args.out).write_text(text)
    print("\n" + text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
