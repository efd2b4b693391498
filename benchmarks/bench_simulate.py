"""Speed of ``symcollapse.simulate`` against honest baselines, all measured in the same run (issue 11).

    python benchmarks/bench_simulate.py [--quick] [--rows issue | --rows d:T ...] [--out FILE]
    python benchmarks/bench_simulate.py --rows issue          # the issue's table (run it on a quiet machine)

Default grid: d ∈ {50, 200, 1000, 2000} × T0 = T ∈ {2d, 20d} (``--quick``: d ∈ {50, 200}), power law β = 2,
n = 10, σ0 = 0.2, σ = 0.1, λ = 1e-3. For each row, in the same run:

* ``collapsed`` and ``bartlett`` (this package; random numbers drawn inside the numba kernels);
* two in-kernel **prototypes** (:func:`prototype_kernels`, ~50 lines): in-kernel RNG, Bartlett ridge
  downstream with ``dlauum``/``dpotrf``/``dpotrs``; one with the collapsed chain, one with the per-generation
  Bartlett chain drawn and solved on the fly (d²/2 normals per generation);
* **naive numpy, Cholesky**: what a competent user writes: per generation draw X, form XᵀX and Xᵀy, solve the
  normal equations by ``scipy.linalg.cho_factor``/``cho_solve``; downstream the same with + λT·I;
* naive numpy, ``lstsq`` (labelled: 2–3× slower than Cholesky, shown because it is the literal textbook fit);
* scikit-learn: ``LinearRegression(fit_intercept=False)`` per generation, ``Ridge(alpha=λT)`` downstream.

Every timing is the min and the median over ≥ 3 repetitions; cpu/wall is process CPU time over wall time
(2.0 = both cores busy). Baselines whose replicate would take more than ``--budget`` seconds are timed per
generation (one chain fit and one downstream fit, each with its draws, 3 repetitions each) and extrapolated as
n·t_chain + t_down (the table says so); at d = 2000, T = 40000 one such fit materialises a 640 MB design.
BLAS is limited to one thread for everything (``one_blas_thread``); the package and the prototypes run
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
    """min / median wall seconds over ``repeat`` calls, cpu/wall of the fastest, and the min CPU seconds."""
    out = timed_interleaved({"fn": fn}, repeat)["fn"]
    del out["walls"]
    return out


def rates() -> dict:
    """Single-thread DGEMM (d = 1000) and DPOTRF (d = 1000, 2000) rates, GFLOP/s, best of 5, by CPU time (on a
    shared machine wall time also counts the time the process waits for a core)."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((1000, 1000))
    out = {"dgemm_1000": 2e-9 * 1000**3 / timed(lambda: a @ a, 5)["cpu_min"]}
    for d in (1000, 2000):
        x = rng.standard_normal((d + 10, d))
        spd = np.asfortranarray(x.T @ x)
        t = timed(lambda spd=spd: scipy.linalg.lapack.dpotrf(spd, lower=1, overwrite_a=0, clean=0), 5)["cpu_min"]
        out[f"dpotrf_{d}"] = 1e-9 * d**3 / 3 / t
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


_DOWN_CACHE: dict = {}  # (solver of the downstream fit, d, T) -> timing: lstsq's downstream is the Cholesky one


def time_naive(solver: str, d: int, T: int, budget: float) -> tuple[dict, str]:
    """Whole replicates when one fits in ``budget`` seconds, else one chain fit and one downstream fit (each
    with its draws), timed separately over 3 repetitions and extrapolated as n·t_chain + t_down (the
    downstream timing is shared by the baselines with the same downstream solver)."""
    p = mc._plain(problem(d, T))
    gen = np.random.default_rng(1)
    sq = np.sqrt(p.ev)

    def fit(Tm, mu, kind):
        X = gen.standard_normal((Tm, d)) * sq
        return _chain_fit(kind, X, X @ p.c + p.sigma * gen.standard_normal(Tm), mu=mu)

    down = "cholesky" if solver == "lstsq" else solver
    key = (down, d, T)
    if key not in _DOWN_CACHE:
        _DOWN_CACHE[key] = timed(lambda: fit(p.T, p.lam * p.T, down), 3)
    t_down = _DOWN_CACHE[key]
    t_gen = timed(lambda: fit(p.T0, 0.0, solver), 3)
    estimate = t_down["min"] + N_GEN * t_gen["min"]
    if estimate <= budget:
        reps = max(1, int(budget // max(estimate, 1e-6) // 3))
        t = timed(lambda: [naive_replicate(solver, p, gen, N_GEN) for _ in range(reps)], 3)
        return {k: (v / reps if k != "cpu_wall" else v) for k, v in t.items()}, f"{reps} reps"
    med = t_down["median"] + N_GEN * t_gen["median"]
    return {"min": estimate, "median": med, "cpu_wall": t_gen["cpu_wall"]}, "per-generation ×n, extrapolated"


def prototype_kernels():
    """The strongest honest in-kernel prototype we could write in ~50 lines: random numbers drawn inside a
    ``prange`` numba kernel (one Generator per stream), the Bartlett ridge step downstream with the best
    single LAPACK calls (``dlauum`` for UUᵀ, ``dpotrf``, ``dpotrs``; bound from SciPy like the package's, numba has
    none of them). ``collapsed=True``: the collapsed chain (n chi-squares, one Gaussian vector);
    ``collapsed=False``: the per-generation Bartlett chain, z then U drawn row by row and solved on the fly
    (d²/2 normals per generation). What it lacks against the package: the O(d) sequential generation of
    ``bartlett``, the register-held normals (``symcollapse.simulate._rng``), the solve by two ``dtrsv`` instead
    of ``dpotrs`` and the recursive Cholesky at d > 256. Its Generators come from the package's own stream pool
    (:func:`prototype_call`), so neither side pays for building Generators."""
    from numba import njit, prange

    from symcollapse.simulate._lapack import dlauum, dpotrf, dpotrs

    @njit
    def ridge(g, d, T, mu, sigma, ev, c, v, A, r, z, info):
        for i in range(d):
            z[i] = g.standard_normal()
        for i in range(d):
            A[i, i] = np.sqrt(g.chisquare(T - d + 1 + i))
            acc = A[i, i] * z[i]
            for j in range(i + 1, d):
                A[i, j] = g.standard_normal()
                acc += A[i, j] * z[j]
            r[i] = sigma * acc - mu * (c[i] / np.sqrt(ev[i]) + v[i] / ev[i])
        lo, n, one = np.array([76], np.uint8), np.array([d], np.int32), np.array([1], np.int32)
        dlauum(lo.ctypes.data, n.ctypes.data, A.ctypes.data, n.ctypes.data, info.ctypes.data)
        for i in range(d):
            A[i, i] += mu / ev[i]
        dpotrf(lo.ctypes.data, n.ctypes.data, A.ctypes.data, n.ctypes.data, info.ctypes.data)
        dpotrs(lo.ctypes.data, n.ctypes.data, one.ctypes.data, A.ctypes.data, n.ctypes.data, r.ctypes.data,
               n.ctypes.data, info.ctypes.data)
        s = 0.0
        for i in range(d):
            s += (v[i] + r[i]) ** 2
        return s

    @njit(parallel=True)
    def run(gens, B, reps, collapsed, ev, c, n, T0, sigma0, T, sigma, mu, err):
        d = ev.shape[0]
        for s in prange(len(gens)):
            g = gens[np.int64(s)]
            A, v, r, z, info = np.empty((d, d)), np.empty(d), np.empty(d), np.empty(d), np.zeros(1, np.int32)
            for k in range(s * B, min(reps, s * B + B)):
                v[:] = 0.0
                if collapsed:
                    S = 0.0
                    for _ in range(n):
                        S += 1.0 / g.chisquare(T0 - d + 1)
                    for i in range(d):
                        v[i] = sigma0 * np.sqrt(S) * g.standard_normal()
                else:
                    for _ in range(n):  # v += σ0 U⁻ᵀz: z, then U row by row, forward substitution on the fly
                        for i in range(d):
                            r[i] = g.standard_normal()
                        for j in range(d):
                            yj = r[j] / np.sqrt(g.chisquare(T0 - d + 1 + j))
                            r[j] = yj
                            for i in range(j + 1, d):
                                r[i] -= g.standard_normal() * yj
                        for i in range(d):
                            v[i] += sigma0 * r[i]
                err[k] = ridge(g, d, T, mu, sigma, ev, c, v, A, r, z, info)

    return run


def prototype_call(run, collapsed: bool, d: int, T: int, reps: int):
    """One timed call of the prototype. Its Generators are seeded in each call, as ``simulate`` seeds its own,
    from the package's per-thread pool (``_seeding.streams``: ~0.03 µs per stream; a fresh typed list
    would cost the prototype ~57 µs per stream, 3 % of a d = 50 call)."""
    import numba

    from symcollapse.simulate import _seeding, samplers

    p = mc._plain(problem(d, T))
    B = max(1, -(-reps // (4 * numba.get_num_threads())))  # about 4 streams per thread
    sampler = samplers.get("collapsed")

    def once():
        gens = _seeding.streams(sampler, 0, 0, -(-reps // B))
        run(gens, B, reps, collapsed, p.ev, p.c, p.n, p.T0, p.sigma0, p.T, p.sigma, p.lam * p.T, np.empty(reps))

    once()  # compile
    return once


def timed_interleaved(fns: dict, repeat: int) -> dict:
    """:func:`timed` for several calls, run round-robin (the order reversed every other round), so that a
    drift of the machine's speed within the run hits all of them alike; also the per-round walls."""
    walls = {k: [] for k in fns}
    cpus = {k: [] for k in fns}
    names = list(fns)
    for i in range(repeat):
        for k in names if i % 2 == 0 else names[::-1]:
            c, t = time.process_time(), time.perf_counter()
            fns[k]()
            walls[k].append(time.perf_counter() - t)
            cpus[k].append(time.process_time() - c)
    out = {}
    for k in names:
        j = int(np.argmin(walls[k]))
        out[k] = {"min": min(walls[k]), "median": float(np.median(walls[k])),
                  "cpu_wall": cpus[k][j] / walls[k][j] if walls[k][j] > 0 else float("nan"),
                  "cpu_min": min(cpus[k]), "walls": walls[k]}
    return out


def paired_ratio(a: dict, b: dict) -> dict:
    """Median over rounds of wall(a)/wall(b) (the same round's calls ran next to each other), with a 95 %
    percentile-bootstrap interval of that median (2000 resamples of the rounds, fixed seed)."""
    r = np.array(a["walls"]) / np.array(b["walls"])
    boot = np.median(r[np.random.default_rng(np.random.SeedSequence(11)).integers(0, r.size, (2000, r.size))], axis=1)
    return {"median": float(np.median(r)), "lo": float(np.quantile(boot, 0.025)), "hi": float(np.quantile(boot, 0.975))}


def fmt_ratio(r: dict) -> str:
    return f"{r['median']:.3f} [{r['lo']:.2f}, {r['hi']:.2f}]"


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
    base = {50: 400, 200: 200, 1000: 20, 2000: 6}.get(d, max(4, int(4e6 / d**2)))
    return max(2, base // (4 if quick else 1))


ISSUE_ROWS = [(d, k * d) for d in (50, 200, 1000, 2000) for k in (2, 20)]


def parse_rows(spec: list[str] | None, dims, quick: bool) -> list[tuple[int, int]]:
    """``--rows issue`` (the issue's table: d ∈ {50, 200, 1000, 2000} × T0 = T ∈ {2d, 20d}) or ``d:T`` pairs."""
    if not spec:
        dims = dims or ((50, 200) if quick else (50, 200, 1000, 2000))
        return [(d, k * d) for d in dims for k in (2, 20)]
    rows = []
    for item in spec:
        if item == "issue":
            rows += ISSUE_ROWS
        else:
            d, T = item.split(":")
            rows.append((int(d), int(T)))
    return rows


def lambda_panel(quick: bool) -> dict:
    """Fig. 1a's λ-panel: simulate_block (shared randomness) against a loop of per-point simulate calls."""
    d, T0, T = (100, 200, 400) if quick else (300, 600, 1000)
    ns, lams, reps = [0, 1, 2, 5, 10, 20], list(np.logspace(-4, 0, 13)), 30 if quick else 100
    p = Problem(Spectrum.power_law(d, 2), Target.isotropic(), Chain(n=1, T0=T0, sigma0=0.2), Ridge(T=T, sigma=0.1))
    block = timed(lambda: simulate_block(p, ns, lams, reps, 0), 3)
    loop = timed(lambda: [simulate(p.replace(n=n, lam=lam), reps, 0) for n in ns for lam in lams], 3)
    return {"d": d, "T0": T0, "T": T, "points": len(ns) * len(lams), "reps": reps, "block": block, "loop": loop}


def measure(rows_dT, quick: bool, budget: float, proto, baseline_max_d: int, repeat: int = 5) -> list[dict]:
    rows = []
    for d, T in rows_dT:
        reps = reps_for(d, quick)
        p = problem(d, T)
        row = {"d": d, "T": T, "reps": reps}
        fns = {}
        for m in ("collapsed", "bartlett"):
            simulate(p, 2, 0, method=m)  # not timed: first-call overheads
            fns[m] = lambda m=m, p=p, reps=reps: simulate(p, reps, 0, method=m)
        fns["proto_collapsed"] = prototype_call(proto, True, d, T, reps)
        fns["proto_bartlett"] = prototype_call(proto, False, d, T, reps)
        for k, t in timed_interleaved(fns, repeat).items():
            row[k] = {q: (v / reps if q in ("min", "median", "cpu_min") else v) for q, v in t.items()}
        row["ratio_collapsed"] = paired_ratio(row["collapsed"], row["proto_collapsed"])
        row["ratio_bartlett"] = paired_ratio(row["bartlett"], row["proto_bartlett"])
        for solver in ("cholesky", "lstsq", "sklearn"):
            if d > baseline_max_d:
                nan = float("nan")
                row[solver], row[f"{solver}_how"] = {"min": nan, "median": nan, "cpu_wall": nan}, "not run"
            else:
                row[solver], row[f"{solver}_how"] = time_naive(solver, d, T, budget)
        rows.append(row)
        print(json.dumps(row), flush=True)
    return rows


def dpotrf_fraction(d: int, t: dict, machine: dict) -> float:
    """(2d³/3 flops of the dlauum + dpotrf pair at the single-thread DPOTRF rate) / CPU seconds per replicate."""
    rate = machine["dpotrf_2000" if d >= 2000 else "dpotrf_1000"] * 1e9
    return (2 * d**3 / 3 / rate) / t["cpu_min"] if t.get("cpu_min", 0) > 0 else float("nan")


def report(args, rows, panel, machine, mem, up0, up1, total) -> str:
    import numba

    ms = lambda t: f"{t['min'] * 1e3:.3f} / {t['median'] * 1e3:.3f}"  # noqa: E731
    lines = [
        "# simulate benchmark (issue 11)",
        "",
        f"Command: `python benchmarks/bench_simulate.py {' '.join(sys.argv[1:])}` — "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores, numba threads {numba.get_num_threads()}, BLAS 1 thread, total {total:.0f} s.",
        f"- uptime before: `{up0}`",
        f"- uptime after: `{up1}`",
        f"- single-thread rates in this run: DGEMM(1000) {machine['dgemm_1000']:.1f} GFLOP/s, DPOTRF(1000) "
        f"{machine['dpotrf_1000']:.1f}, DPOTRF(2000) {machine['dpotrf_2000']:.1f} GFLOP/s",
        f"- power law β = 2, n = {N_GEN}, σ0 = {SIGMA0}, σ = {SIGMA}, λ = {LAM}, T0 = T; ms per replicate (wall) as "
        f"min / median of {args.repeat} repetitions, the package and prototype calls interleaved round-robin "
        "(order reversed every other round); ÷ proto = median over rounds of the package's wall time over the "
        "prototype's in the same round (< 1: the package is faster), with a 95 % bootstrap interval of that median "
        "over rounds; baselines: min / median of 3; cpu/wall of "
        "the fastest repetition",
        "- prototypes (`prototype_kernels`): in-kernel RNG, Bartlett ridge downstream with dlauum + dpotrf + dpotrs; "
        "`proto collapsed` = collapsed chain, `proto per-gen` = per-generation Bartlett chain (d²/2 normals per "
        "generation, solved on the fly)",
        "- baselines marked `per-generation ×n, extrapolated`: one chain fit and one downstream fit timed "
        "separately (3 repetitions each), reported as n·t_chain + t_down",
        "- DPOTRF fraction = (2d³/3 flops of dlauum + dpotrf at the DPOTRF rate) / (package CPU time per "
        "replicate, min of 3, all threads): the single-core efficiency of the kernel (CPU-time based, since wall "
        "times on a loaded machine include waiting for a core)",
        "- peak memory: tracemalloc sees numpy's and numba's allocations; the RSS high-water mark after numba's "
        "warm-up usually exceeds the simulation's and then shows 0 growth",
        "",
        "| d | T0 = T | reps | collapsed | cpu/wall | proto collapsed | ÷ proto | bartlett | cpu/wall "
        "| proto per-gen | ÷ proto | numpy Cholesky | numpy lstsq (labelled) | scikit-learn | × Cholesky (collapsed) "
        "| DPOTRF frac (collapsed / bartlett) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        d = r["d"]
        fc, fb = dpotrf_fraction(d, r["collapsed"], machine), dpotrf_fraction(d, r["bartlett"], machine)
        lines.append(
            f"| {d} | {r['T']} | {r['reps']} | {ms(r['collapsed'])} | {r['collapsed']['cpu_wall']:.2f} | "
            f"{ms(r['proto_collapsed'])} | {fmt_ratio(r['ratio_collapsed'])} | {ms(r['bartlett'])} | "
            f"{r['bartlett']['cpu_wall']:.2f} | {ms(r['proto_bartlett'])} | {fmt_ratio(r['ratio_bartlett'])} | "
            f"{ms(r['cholesky'])} ({r['cholesky_how']}) | {ms(r['lstsq'])} "
            f"({r['lstsq_how']}) | {ms(r['sklearn'])} ({r['sklearn_how']}) "
            f"| {r['cholesky']['min'] / r['collapsed']['min']:,.0f} | {fc:.2f} / {fb:.2f} |"
        )
    lines.append("")
    if panel:
        b, lp = panel["block"], panel["loop"]
        lines += [
            f"Shared randomness, Fig. 1a λ-panel (d = {panel['d']}, T0 = {panel['T0']}, T = {panel['T']}, "
            f"{panel['points']} points, {panel['reps']} replicates): simulate_block {b['min']:.2f} / "
            f"{b['median']:.2f} s (cpu/wall {b['cpu_wall']:.2f}) against a loop of simulate {lp['min']:.2f} / "
            f"{lp['median']:.2f} s: {lp['min'] / b['min']:.1f}× (min / min).",
            "",
        ]
    if mem:
        lines.append("Peak memory of `simulate(reps=20)`, T0 = T = 2d, fresh process: "
                     + "; ".join(f"{k}: {v}" for k, v in mem.items()))
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="d ∈ {50, 200}, fewer replicates, small baseline budget")
    ap.add_argument("--budget", type=float, default=None, help="seconds per baseline timing before extrapolating")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results_simulate.md"))
    ap.add_argument("--dims", type=int, nargs="+", default=None, help="override the d grid (T0 = T ∈ {2d, 20d})")
    ap.add_argument("--rows", nargs="+", default=None, metavar="ROW",
                    help="exact rows: 'issue' (the issue's 8 rows) and/or d:T pairs, e.g. --rows 200:4000 1000:2000")
    ap.add_argument("--baseline-max-d", type=int, default=2000,
                    help="time the numpy/scikit-learn baselines only up to this d")
    ap.add_argument("--no-panel", action="store_true", help="skip the simulate_block λ-panel")
    ap.add_argument("--repeat", type=int, default=5,
                    help="interleaved repetitions of the package and prototype timings (min, median, paired ratio)")
    ap.add_argument("--no-memory", action="store_true", help="skip the peak-memory subprocesses")
    args = ap.parse_args(argv)
    rows_dT = parse_rows(args.rows, args.dims, args.quick)
    budget = args.budget or (0.3 if args.quick else 2.0)
    up0, t0 = uptime(), time.perf_counter()
    mc.warmup()
    import sklearn.linear_model  # noqa: F401  (import time is not part of any timing)

    with one_blas_thread():
        machine = rates()
        rows = measure(rows_dT, args.quick, budget, prototype_kernels(), args.baseline_max_d, args.repeat)
        panel = None if args.no_panel else lambda_panel(args.quick)
    mem = {} if args.no_memory else {f"{m} d={d}": memory(ROOT, d, m) for d in ((200,) if args.quick else (1000, 2000))
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
