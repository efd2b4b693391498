"""Speed of ``symcollapse.simulate`` against honest baselines, all measured in the same run (issue 11).

    python benchmarks/bench_simulate.py [--quick] [--out FILE]

Grid: d ∈ {50, 200, 1000, 2000} × T0 = T ∈ {2d, 20d} (``--quick``: d ∈ {50, 200}), power law β = 2, n = 10,
σ0 = 0.2, σ = 0.1, λ = 1e-3. For each point, in the same run:

* ``collapsed`` and ``bartlett`` (this package; random numbers drawn inside the numba kernels);
* **naive numpy, Cholesky**: what a competent user writes: per generation draw X, form XᵀX and Xᵀy, solve the
  normal equations by ``scipy.linalg.cho_factor``/``cho_solve``; downstream the same with + λT·I;
* naive numpy, ``lstsq`` (labelled: 2–3× slower than Cholesky, shown because it is the literal textbook
  fit);
* scikit-learn: ``LinearRegression(fit_intercept=False)`` per generation, ``Ridge(alpha=λT)`` downstream;
* a prototype in-kernel sampler: a 40-line numba kernel (collapsed chain, Bartlett downstream with numba's
  ``np.linalg.cholesky`` and ``np.dot``), the kind of prototype issue 11 measured.

Every timing is the min and the median over ≥ 3 repetitions; cpu/wall is process CPU time over wall time
(2.0 = both cores busy). Baselines whose replicate would take more than ``--budget`` seconds are timed per
generation (one chain fit, one downstream fit, each with its draws) and extrapolated as n·t_chain + t_down
(the table says so). BLAS is limited to one thread for everything (``one_blas_thread``); the package runs
replicates on all numba threads. The single-thread DGEMM and DPOTRF rates of the machine are measured in the
same run; the DPOTRF fraction is (2d³/3 flops of dlauum + dpotrf at the measured DPOTRF rate) over the
package's CPU time per replicate. Peak memory (tracemalloc, which sees numba's allocations, and RSS growth) is
measured in fresh processes at d = 1000 and 2000. ``uptime`` is recorded before and after: on a shared
machine every number is affected, ours and the baselines alike.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import scipy.linalg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from symcollapse._threads import one_blas_thread  # noqa: E402
from symcollapse.simulate import monte_carlo as mc  # noqa: E402
from symcollapse.simulate import simulate, simulate_block  # noqa: E402
from symcollapse.spec import Chain, Problem, Ridge, Spectrum, Target  # noqa: E402

N_GEN, SIGMA0, SIGMA, LAM = 10, 0.2, 0.1, 1e-3


def problem(d: int, T: int, lam: float = LAM) -> Problem:
    return Problem(Spectrum.power_law(d, 2), Target.isotropic(), Chain(n=N_GEN, T0=T, sigma0=SIGMA0),
                   Ridge(T=T, sigma=SIGMA, lam=lam))


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def timed(fn, repeat: int = 3) -> dict:
    """min / median wall seconds over ``repeat`` calls and cpu/wall of the fastest."""
    walls, ratios = [], []
    for _ in range(repeat):
        c, t = time.process_time(), time.perf_counter()
        fn()
        w = time.perf_counter() - t
        walls.append(w)
        ratios.append((time.process_time() - c) / w if w > 0 else float("nan"))
    i = int(np.argmin(walls))
    return {"min": min(walls), "median": float(np.median(walls)), "cpu_wall": ratios[i]}


def rates() -> dict:
    """Single-thread DGEMM (d = 1000) and DPOTRF (d = 1000, 2000) rates, GFLOP/s, best of 3."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((1000, 1000))
    out = {"dgemm_1000": 2e-9 * 1000**3 / timed(lambda: a @ a)["min"]}
    for d in (1000, 2000):
        x = rng.standard_normal((d + 10, d))
        spd = x.T @ x
        out[f"dpotrf_{d}"] = 1e-9 * d**3 / 3 / timed(lambda spd=spd: scipy.linalg.lapack.dpotrf(spd, lower=1))["min"]
    return out


# ------------------------------------------------------------------------------------------------- baselines


def _chain_fit(solver: str, X, y, mu: float = 0.0):
    if solver == "lstsq" and mu == 0.0:
        return np.linalg.lstsq(X, y, rcond=None)[0]
    if solver == "sklearn":
        from sklearn.linear_model import LinearRegression
        from sklearn.linear_model import Ridge as SkRidge

        model = SkRidge(alpha=mu, fit_intercept=False) if mu > 0 else LinearRegression(fit_intercept=False)
        return model.fit(X, y).coef_
    G = X.T @ X
    G[np.diag_indices_from(G)] += mu
    return scipy.linalg.cho_solve(scipy.linalg.cho_factor(G, lower=True, check_finite=False), X.T @ y,
                                  check_finite=False)


def naive_replicate(solver: str, p, gen, n: int) -> float:
    """One replicate of the chain with materialised designs: ``n`` OLS generations, then ridge."""
    d, sq = p.d, np.sqrt(p.ev)
    w = p.c
    for _ in range(n):
        X = gen.standard_normal((p.T0, d)) * sq
        w = _chain_fit(solver, X, X @ w + p.sigma0 * gen.standard_normal(p.T0))
    X = gen.standard_normal((p.T, d)) * sq
    w_pred = _chain_fit("cholesky" if solver == "lstsq" else solver, X, X @ w + p.sigma * gen.standard_normal(p.T),
                        mu=p.lam * p.T)
    return float(p.ev @ (w_pred - p.c) ** 2)


def time_naive(solver: str, d: int, T: int, budget: float) -> tuple[dict, str]:
    p = mc._plain(problem(d, T))
    gen = np.random.default_rng(1)
    t_down = timed(lambda: naive_replicate(solver, p, gen, 0), 3)["min"]
    t_gen = max(timed(lambda: naive_replicate(solver, p, gen, 1), 3)["min"] - t_down, 0.0)
    estimate = t_down + N_GEN * t_gen
    if estimate <= budget:
        reps = max(1, int(budget // max(estimate, 1e-6) // 3))
        t = timed(lambda: [naive_replicate(solver, p, gen, N_GEN) for _ in range(reps)], 3)
        return {k: (v / reps if k != "cpu_wall" else v) for k, v in t.items()}, f"{reps} reps"
    return {"min": estimate, "median": estimate, "cpu_wall": float("nan")}, "per-generation"


def prototype_kernel():
    """A prototype in-kernel sampler (collapsed chain + Bartlett ridge downstream, numba's own linalg)."""
    from numba import njit, prange

    @njit(parallel=True)
    def run(gens, B, reps, ev, c, n, T0, sigma0, T, sigma, mu, err):
        d = ev.shape[0]
        for s in prange(len(gens)):
            g = gens[np.int64(s)]
            U = np.zeros((d, d))
            for r in range(s * B, min(reps, s * B + B)):
                S = 0.0
                for _ in range(n):
                    S += 1.0 / g.chisquare(T0 - d + 1)
                v = np.sqrt(S) * sigma0 * np.array([g.standard_normal() for _ in range(d)])
                z = np.array([g.standard_normal() for _ in range(d)])
                for i in range(d):
                    U[i, i] = np.sqrt(g.chisquare(T - d + 1 + i))
                    for j in range(i + 1, d):
                        U[i, j] = g.standard_normal()
                A = np.dot(U, U.T)
                for i in range(d):
                    A[i, i] += mu / ev[i]
                L = np.linalg.cholesky(A)
                rhs = sigma * np.dot(U, z) - mu * (c / np.sqrt(ev) + v / ev)
                x = np.linalg.solve(L.T, np.linalg.solve(L, rhs))  # numba has no triangular solve
                e = v + x
                err[r] = np.dot(e, e)

    return run


def time_prototype(run, d: int, T: int, reps: int) -> dict:
    from numba.typed import List

    p = mc._plain(problem(d, T))
    B = 1 if d >= 500 else 8

    def once():
        gens = List([np.random.default_rng(s) for s in np.random.SeedSequence(0).spawn(-(-reps // B))])
        run(gens, B, reps, p.ev, p.c, p.n, p.T0, p.sigma0, p.T, p.sigma, p.lam * p.T, np.empty(reps))

    once()  # compile
    t = timed(once, 3)
    return {k: (v / reps if k != "cpu_wall" else v) for k, v in t.items()}


# ------------------------------------------------------------------------------------------------- memory

_MEM = r"""
import json, resource, sys, tracemalloc
sys.path.insert(0, ".")
from symcollapse.simulate import monte_carlo as mc
from symcollapse.spec import Chain, Problem, Ridge, Spectrum, Target
mc.warmup()
d, method = int(sys.argv[1]), sys.argv[2]
p = Problem(Spectrum.power_law(d, 2), Target.isotropic(), Chain(n=10, T0=2 * d, sigma0=0.2), Ridge(T=2 * d, sigma=0.1, lam=1e-3))
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
tracemalloc.start()
mc.simulate(p, 20, 0, method=method)
peak = tracemalloc.get_traced_memory()[1]
print(json.dumps({"tracemalloc_MiB": peak / 2**20, "rss_growth_MiB": (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) / 1024}))
"""


def memory(tree: Path, d: int, method: str) -> dict:
    out = subprocess.run([sys.executable, "-c", _MEM, str(d), method], cwd=tree, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1]) if out.returncode == 0 else {"error": out.stderr[-300:]}


# ------------------------------------------------------------------------------------------------- main


def reps_for(d: int, quick: bool) -> int:
    return {50: 400, 200: 200, 1000: 20, 2000: 6}[d] // (4 if quick else 1) or 2


def lambda_panel(quick: bool) -> dict:
    """Fig. 1a's λ-panel: simulate_block (shared randomness) against a loop of per-point simulate calls."""
    d, T0, T = (100, 200, 400) if quick else (300, 600, 1000)
    ns, lams, reps = [0, 1, 2, 5, 10, 20], list(np.logspace(-4, 0, 13)), 30 if quick else 100
    p = Problem(Spectrum.power_law(d, 2), Target.isotropic(), Chain(n=1, T0=T0, sigma0=0.2), Ridge(T=T, sigma=0.1))
    block = timed(lambda: simulate_block(p, ns, lams, reps, 0), 3)
    loop = timed(lambda: [simulate(p.replace(n=n, lam=lam), reps, 0) for n in ns for lam in lams], 3)
    return {"d": d, "T0": T0, "T": T, "points": len(ns) * len(lams), "reps": reps, "block": block, "loop": loop}


def measure(dims, quick: bool, budget: float, proto, baseline_max_d: int) -> list[dict]:
    rows = []
    for d in dims:
        for T in (2 * d, 20 * d):
            reps = reps_for(d, quick)
            p = problem(d, T)
            row = {"d": d, "T": T, "reps": reps}
            for m in ("collapsed", "bartlett"):
                row[m] = {k: (v / reps if k != "cpu_wall" else v) for k, v in
                          timed(lambda m=m, p=p, reps=reps: simulate(p, reps, 0, method=m), 3).items()}
            row["prototype"] = time_prototype(proto, d, T, reps)
            for solver in ("cholesky", "lstsq", "sklearn"):
                if d > baseline_max_d:
                    nan = float("nan")
                    row[solver], row[f"{solver}_how"] = {"min": nan, "median": nan, "cpu_wall": nan}, "not run"
                else:
                    row[solver], row[f"{solver}_how"] = time_naive(solver, d, T, budget)
            rows.append(row)
            print(json.dumps(row), flush=True)
    return rows


def report(args, rows, panel, machine, mem, up0, up1, total) -> str:
    import numba

    ms = lambda t: f"{t['min'] * 1e3:.3f} / {t['median'] * 1e3:.3f}"  # noqa: E731
    lines = [
        "# simulate benchmark (issue 11)",
        "",
        f"Command: `python benchmarks/bench_simulate.py{' --quick' if args.quick else ''}` — "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores, numba threads {numba.get_num_threads()}, BLAS 1 thread, total {total:.0f} s.",
        f"- uptime before: `{up0}`",
        f"- uptime after: `{up1}`",
        f"- single-thread rates in this run: DGEMM(1000) {machine['dgemm_1000']:.1f} GFLOP/s, DPOTRF(1000) "
        f"{machine['dpotrf_1000']:.1f}, DPOTRF(2000) {machine['dpotrf_2000']:.1f} GFLOP/s",
        f"- power law β = 2, n = {N_GEN}, σ0 = {SIGMA0}, σ = {SIGMA}, λ = {LAM}, T0 = T; ms per replicate as "
        "min / median of 3 repetitions; cpu/wall of the fastest repetition",
        "- DPOTRF fraction = (2d³/3 flops at the DPOTRF rate) / (collapsed CPU time per replicate)",
        "",
        "| d | T0 = T | reps | collapsed | cpu/wall | bartlett | cpu/wall | prototype in-kernel | numpy Cholesky "
        "| numpy lstsq (labelled) | scikit-learn | × Cholesky (collapsed) | DPOTRF frac |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        d = r["d"]
        rate = machine["dpotrf_2000" if d >= 2000 else "dpotrf_1000"] * 1e9
        cpu_rep = r["collapsed"]["min"] * r["collapsed"]["cpu_wall"]
        frac = (2 * d**3 / 3 / rate) / cpu_rep if cpu_rep > 0 else float("nan")
        lines.append(
            f"| {d} | {r['T']} | {r['reps']} | {ms(r['collapsed'])} | {r['collapsed']['cpu_wall']:.2f} | "
            f"{ms(r['bartlett'])} | {r['bartlett']['cpu_wall']:.2f} | {ms(r['prototype'])} | {ms(r['cholesky'])} "
            f"({r['cholesky_how']}) | {ms(r['lstsq'])} ({r['lstsq_how']}) | {ms(r['sklearn'])} ({r['sklearn_how']}) "
            f"| {r['cholesky']['min'] / r['collapsed']['min']:,.0f} | {frac:.2f} |"
        )
    b, lp = panel["block"], panel["loop"]
    lines += [
        "",
        f"Shared randomness, Fig. 1a λ-panel (d = {panel['d']}, T0 = {panel['T0']}, T = {panel['T']}, "
        f"{panel['points']} points, {panel['reps']} replicates): simulate_block {b['min']:.2f} / {b['median']:.2f} s "
        f"(cpu/wall {b['cpu_wall']:.2f}) against a loop of simulate {lp['min']:.2f} / {lp['median']:.2f} s: "
        f"{lp['min'] / b['min']:.1f}× (min / min).",
        "",
        "Peak memory of `simulate(reps=20)`, T0 = T = 2d, fresh process: "
        + "; ".join(f"{k}: {v}" for k, v in mem.items()),
    ]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="d ∈ {50, 200}, fewer replicates, small baseline budget")
    ap.add_argument("--budget", type=float, default=None, help="seconds per baseline timing before extrapolating")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results_simulate.md"))
    ap.add_argument("--dims", type=int, nargs="+", default=None, help="override the d grid")
    ap.add_argument("--baseline-max-d", type=int, default=2000,
                    help="time the numpy/scikit-learn baselines only up to this d (they take minutes at d = 2000)")
    args = ap.parse_args(argv)
    dims = tuple(args.dims) if args.dims else ((50, 200) if args.quick else (50, 200, 1000, 2000))
    budget = args.budget or (0.3 if args.quick else 2.0)
    up0, t0 = uptime(), time.perf_counter()
    mc.warmup()
    import sklearn.linear_model  # noqa: F401  (import time is not part of any timing)

    with one_blas_thread():
        machine = rates()
        rows = measure(dims, args.quick, budget, prototype_kernel(), args.baseline_max_d)
        panel = lambda_panel(args.quick)
    mem = {f"{m} d={d}": memory(ROOT, d, m) for d in ((200,) if args.quick else (1000, 2000))
           for m in ("collapsed", "bartlett")}
    text = report(args, rows, panel, machine, mem, up0, uptime(), time.perf_counter() - t0)
    out = Path(args.out)
    tmp = out.with_suffix(out.suffix + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, out)
    print("\n" + text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
