"""Speed of ``predict``: float64 per point at d = 300 and d = 10⁵, mpmath (dps = 50) at d = 300.

Run: ``python benchmarks/bench_predict.py [--repeat N] [--write benchmarks/results_predict.md]``.

Goals (issue 2): float < 1 ms per point at d = 300, < 50 ms at d = 10⁵; ``predict(dps=50)`` < 1 s at d = 300.
Each timing is the median over repeats; each is set against a naive baseline measured in the same run
(ratios are what transfers between machines):

* float baseline: ``scipy.optimize.brentq`` on Eq. 9's monotone form with plain numpy sums over all d
  eigenvalues (no grouping), then the same closed-form bias / variance / ρ;
* mpmath baseline: ``mpmath.findroot`` (secant, started at the float root) on all d eigenvalues at 50 digits,
  then the same sums — without the guard-digit certification ``predict`` also does.

BLAS is limited to one thread for both (threadpoolctl), as docs/theory/simulation.md recommends on shared machines.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time

import mpmath
import numpy as np
import scipy.optimize
from threadpoolctl import threadpool_limits

from symcollapse.spec import Spectrum, preset
from symcollapse.theory import evaluate
from symcollapse.theory.evaluate import predict


def timeit(fn, repeat: int, number: int = 1) -> float:
    fn()  # warm-up (imports, caches)
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - t) / number)
    return statistics.median(times)


def naive_float(p):
    ev = np.asarray(p.eigenvalues, dtype=float)
    c2 = p.coefficients**2
    lam, T, T0, d = float(p.downstream.lam), p.downstream.T, p.chain.T0, p.d
    s2, s02, n = float(p.downstream.sigma) ** 2, float(p.chain.sigma0) ** 2, p.chain.n
    g = lambda k: lam / k + np.sum(ev / (ev + k)) / T - 1  # noqa: E731
    k = scipy.optimize.brentq(g, lam, lam + ev.sum() / T, xtol=1e-300, rtol=1e-15)
    df2 = np.sum((ev / (ev + k)) ** 2)
    gap = 1 - df2 / T
    bias = k**2 * np.sum(c2 * ev / (ev + k) ** 2) / gap
    var = s2 * df2 / T / gap
    rho = (df2 + k**2 * np.sum(1 / (ev + k) ** 2) * df2 / (T - df2)) / (T0 - d)
    return bias + var + n * s02 * rho


def naive_mp(p, dps=50):
    with mpmath.workdps(dps + 5):
        ev = [mpmath.mpf(1) / mpmath.mpf(j) ** 2 for j in range(1, p.d + 1)]  # fig1b: β = 2
        lam = mpmath.mpf(1) / mpmath.mpf(10) ** 3 if p.downstream.lam == 1e-3 else mpmath.mpf(p.downstream.lam)
        T = p.downstream.T
        k0 = predict(p).kappa
        k = mpmath.findroot(lambda k: k - lam - k * mpmath.fsum(e / (e + k) for e in ev) / T, k0)
        df2 = mpmath.fsum((e / (e + k)) ** 2 for e in ev)
        return k, df2


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--write", help="also write the markdown table to this file")
    args = ap.parse_args(argv)
    r = args.repeat
    cases = [
        ("float, d = 300, power law (fig1b)", preset("fig1b", n=2), None, 200),
        ("float, d = 300, isotropic (fig1a)", preset("fig1a", n=2), None, 200),
        ("float, d = 10⁵, power law β = 2", preset("fig1b", n=2).replace(
            spectrum=Spectrum.power_law(100_000, 2), T0=200_000), None, 3),
        ("float, d = 10⁵, isotropic", preset("fig1a", n=2).replace(
            spectrum=Spectrum.isotropic(100_000), T0=200_000), None, 50),
        ("mpmath dps = 50, d = 300, power law (fig1b)", preset("fig1b", n=2), 50, 1),
        ("mpmath dps = 50, d = 300, isotropic (fig1a)", preset("fig1a", n=2), 50, 1),
    ]
    rows = []
    with threadpool_limits(1):
        for label, p, dps, number in cases:
            t = timeit(lambda p=p, dps=dps: predict(p, dps=dps), r, number)
            if dps is None:
                tb = timeit(lambda p=p: naive_float(p), max(3, r // 3), max(1, number // 10))
                assert abs(naive_float(p) / predict(p).total - 1) < 1e-10
            else:
                tb = timeit(lambda p=p: naive_mp(p), max(3, r // 5)) if p.spectrum.kind == "power_law" else None
            rows.append((label, t, tb))
            if p.spectrum.kind == "power_law":
                # cold: without predict's per-(spectrum, target) cache (a sweep over n, T, λ hits it)
                def cold(p=p, dps=dps):
                    evaluate._CACHE.clear()
                    return predict(p, dps=dps)

                rows.append((label + ", cold (no cache)", timeit(cold, r, number), tb))
    lines = [
        f"Machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}, "
        f"numpy {np.__version__}, mpmath {mpmath.__version__}; median of {r} repeats; BLAS 1 thread.",
        "",
        "| case | predict | naive baseline | speed-up |",
        "|---|---:|---:|---:|",
    ]
    for label, t, tb in rows:
        fmt = (lambda x: f"{x * 1e3:.3g} ms") if t < 1 else (lambda x: f"{x:.3g} s")
        base = "—" if tb is None else fmt(tb)
        ratio = "—" if tb is None else f"{tb / t:.1f}×"
        lines.append(f"| {label} | {fmt(t)} | {base} | {ratio} |")
    text = "\n".join(lines)
    print(text)
    if args.write:
        with open(args.write, "w") as fh:
            fh.write("# predict() benchmark (benchmarks/bench_predict.py)\n\n" + text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
