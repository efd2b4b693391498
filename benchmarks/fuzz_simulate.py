"""Fuzz ``simulate`` on random small problems and count the outcome classes (issue 14, "Measured").

Run from the checkout to test (its ``symcollapse`` is imported)::

    cd /work/wt/baseline && python /path/to/benchmarks/fuzz_simulate.py --n 200 --seed 0 --out before.json

Random small problems (20 % of them in the issue's corner: d <= 4, T = 1 mostly, λ in [1e4, 1e6] or σ₀ = 1e3):
d from 1 to 12; isotropic, power-law or custom spectra (condition number up to
1e6); isotropic or Gaussian targets; T₀ and T from 1 to 60; n from 0 to 6; λ = 0 or log-uniform in
[1e-4, 1e6]; σ, σ₀ = 0 or log-uniform in [1e-3, 1e3]; both designs. Problem ``i`` depends only on
``(seed, i)``. Each problem is simulated with ``--reps`` replicates at one seed with one thread, again with
one thread (repeatability) and with two threads (``simulate(threads=2)`` where available, else BLAS and
numba limited to 2 threads around the call); the theory is ``predict`` (float).

Classes: ``ok``; ``clean_error`` (a ``ValueError`` subclass); ``foreign`` (any other exception); ``hang``
(> timeout per call); ``nan_mean`` (NaN/inf mean or stderr where ``predict`` is finite);
``not_repeatable`` / ``not_bit_identical`` (the repeat / the 2-thread run differs in any bit of mean or
errors); ``far_off_<kind>`` (more than 50 % off theory with |z| > 10, split by the theory's kind: a
deterministic equivalent is only O(1/d)-accurate, an ``exact`` one must never be far off) and
``far_off_warned`` (the same, but ``predict`` warned that it is not informative there); ``crash``.
``bad_total`` counts everything except ok, clean_error, far_off_warned and nan_mean_theory_undefined.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from collections import Counter

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fuzz_common import Worker, header, use_root, write_json  # noqa: E402


def _logu(rng, lo: float, hi: float) -> float:
    return float(10 ** rng.uniform(math.log10(lo), math.log10(hi)))


def _noise(rng) -> float:
    return 0.0 if rng.uniform() < 0.25 else _logu(rng, 1e-3, 1e3)


def draw(seq: np.random.SeedSequence) -> dict:
    rng = np.random.default_rng(seq)
    d = int(rng.integers(1, 13))
    kind = str(rng.choice(["isotropic", "power_law", "custom"]))
    if kind == "isotropic":
        spectrum = ("isotropic", d, 1.0)
    elif kind == "power_law":
        spectrum = ("power_law", d, 1.0 + _logu(rng, 1e-3, 4.0), 1.0)
    else:
        cond = _logu(rng, 1.0, 1e6)
        spectrum = ("custom", [float(v) for v in np.sort(10 ** rng.uniform(-math.log10(cond), 0, d))[::-1]])
    target = (
        ("isotropic", _logu(rng, 0.1, 3.0))
        if rng.uniform() < 0.6
        else ("custom", [float(x) for x in rng.normal(0, 1 / math.sqrt(d), d)])
    )
    u = rng.uniform()
    lam = 0.0 if u < 0.3 else _logu(rng, 1e-4, 1e6)
    recipe = {
        "spectrum": spectrum,
        "target": target,
        "chain": {
            "n": int(rng.integers(0, 7)),
            "T0": int(rng.integers(1, 61)),
            "sigma0": _noise(rng),
            "design": str(rng.choice(["independent", "shared"])),
        },
        "ridge": {"T": int(rng.integers(1, 61)), "sigma": _noise(rng), "lam": lam},
    }
    # The corner (its 4 NaN means and 27 far-off results): d <= 4, T = 1, λ up to 1e6, σ0 up to 1e3.
    # Drawn after everything else, so the problems outside the corner are the ones earlier runs saw.
    corner = rng.uniform(size=5)
    if corner[0] < 0.2:
        dc = 1 + int(corner[1] * 4)
        recipe["spectrum"] = ("isotropic", dc, 1.0) if corner[2] < 0.5 else ("power_law", dc, 1.5, 1.0)
        recipe["target"] = ("isotropic", 1.0)
        recipe["ridge"]["T"] = 1 if corner[3] < 0.6 else int(rng.integers(1, 5))
        if corner[4] < 0.35:
            recipe["ridge"]["lam"] = _logu(rng, 1e4, 1e6)
        elif corner[4] < 0.7:
            recipe["chain"]["sigma0"] = 1e3
    return recipe


def describe(recipe: dict) -> str:
    s, c, r = recipe["spectrum"], recipe["chain"], recipe["ridge"]
    spec = f"{s[0]}(d={s[1] if s[0] != 'custom' else len(s[1])})"
    return (
        f"{spec}, target={recipe['target'][0]}, n={c['n']}, T0={c['T0']}, sigma0={c['sigma0']:.3g}, "
        f"{c['design']}, T={r['T']}, sigma={r['sigma']:.3g}, lam={r['lam']:.3g}"
    )


def build(recipe: dict):
    from symcollapse.spec import Chain, Problem, Ridge, Spectrum, Target  # noqa: PLC0415

    s, t = recipe["spectrum"], recipe["target"]
    if s[0] == "isotropic":
        spectrum = Spectrum.isotropic(s[1], scale=s[2])
    elif s[0] == "power_law":
        spectrum = Spectrum.power_law(s[1], beta=s[2], scale=s[3])
    else:
        spectrum = Spectrum(eigenvalues=np.array(s[1]))
    target = Target.isotropic(norm=t[1]) if t[0] == "isotropic" else Target(coefficients=np.array(t[1]))
    return Problem(spectrum, target, Chain(**recipe["chain"]), Ridge(**recipe["ridge"]))


def _simulate(problem, reps: int, seed: int, threads: int):
    import inspect  # noqa: PLC0415

    from symcollapse import simulate  # noqa: PLC0415

    if "threads" in inspect.signature(simulate).parameters:
        return simulate(problem, reps=reps, seed=seed, threads=threads)
    import numba  # noqa: PLC0415
    from threadpoolctl import threadpool_limits  # noqa: PLC0415

    old = numba.get_num_threads()
    numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
    try:
        with threadpool_limits(limits=threads):
            return simulate(problem, reps=reps, seed=seed)
    finally:
        numba.set_num_threads(old)


def run_simulate(payload: dict) -> dict:
    problem = build(payload["recipe"])
    res = _simulate(problem, payload["reps"], payload["seed"], payload["threads"])
    return {
        "mean": float(res.mean),
        "stderr": float(res.stderr),
        "method": res.method,
        "errors": np.asarray(res.errors).tobytes().hex(),
    }


def run_theory(payload: dict) -> dict:
    from symcollapse import predict  # noqa: PLC0415

    pred = predict(build(payload["recipe"]))
    return {"total": float(pred.total), "kind": str(pred.kind), "theorem": str(pred.theorem)}


def warmup() -> None:
    from symcollapse.spec import Chain, Problem, Ridge, Spectrum, Target  # noqa: PLC0415

    for design in ("independent", "shared"):
        for T0 in (2, 9):
            p = Problem(
                Spectrum.isotropic(4), Target.isotropic(), Chain(2, T0, 0.1, design), Ridge(6, 0.1, 0.01)
            )
            for threads in (1, 2):
                _simulate(p, 20, 0, threads)


def _error_class(res: dict) -> str | None:
    if res["status"] in ("hang", "crash"):
        return res["status"]
    if res["status"] == "raised":
        return "clean_error" if res["value_error"] else "foreign"
    return None


def classify(runs: list, theory: dict) -> str:
    first = runs[0]
    bad = _error_class(first)
    if bad is not None:
        return bad
    v = first["value"]
    t_ok = theory["status"] == "returned" and math.isfinite(theory["value"]["total"])
    if not (math.isfinite(v["mean"]) and math.isfinite(v["stderr"])):
        return "nan_mean" if t_ok else "nan_mean_theory_undefined"
    for label, r in (("not_repeatable", runs[1]), ("not_bit_identical", runs[2])):
        if (
            _error_class(r) is not None
            or r["value"]["errors"] != v["errors"]
            or r["value"]["mean"] != v["mean"]
        ):
            return label
    if t_ok:
        th = theory["value"]["total"]
        z = (v["mean"] - th) / v["stderr"] if v["stderr"] > 0 else (0.0 if v["mean"] == th else math.inf)
        if abs(v["mean"] - th) > 0.5 * abs(th) and abs(z) > 10:
            if theory.get("warnings"):
                return "far_off_warned"  # the theory itself said it is not informative here
            return "far_off_" + theory["value"]["kind"].replace("-", "_")
    return "ok"


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=200, help="number of random problems")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--reps", type=int, default=400, help="replicates per simulate call")
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds per call before it counts as a hang")
    ap.add_argument("--root", default=None, help="checkout whose symcollapse is tested (default: cwd)")
    ap.add_argument("--out", default=None, help="also write the JSON summary here")
    ap.add_argument("--examples", type=int, default=4)
    args = ap.parse_args(argv)
    root = use_root(args.root)
    summary = header("fuzz_simulate", args, root)
    counts, examples, slow = Counter(), {}, []
    worker = Worker(root, warmup)
    t_start = time.time()
    try:
        for i, seq in enumerate(np.random.SeedSequence(args.seed).spawn(args.n)):
            recipe = draw(seq)
            sim_seed = int(seq.generate_state(1)[0])
            runs = []
            for threads in (1, 1, 2):
                payload = {"recipe": recipe, "reps": args.reps, "seed": sim_seed, "threads": threads}
                runs.append(worker.call(run_simulate, payload, args.timeout))
                if runs[0]["status"] != "returned":
                    break
            theory = worker.call(run_theory, {"recipe": recipe}, args.timeout)
            cls = classify(runs, theory) if len(runs) == 3 or runs[0]["status"] != "returned" else "crash"
            counts[cls] += 1
            slow.append((runs[0]["seconds"], i, describe(recipe)))
            if cls != "ok" and len(examples.setdefault(cls, [])) < args.examples:
                ex = {"index": i, "problem": describe(recipe)}
                if runs[0]["status"] == "returned":
                    ex.update(
                        mean=runs[0]["value"]["mean"],
                        stderr=runs[0]["value"]["stderr"],
                        method=runs[0]["value"]["method"],
                    )
                else:
                    ex.update({k: runs[0].get(k) for k in ("status", "type", "message")})
                if theory["status"] == "returned":
                    ex.update(theory=theory["value"]["total"], theorem=theory["value"]["theorem"])
                examples[cls].append(ex)
            if (i + 1) % 50 == 0:
                print(f"[{i + 1}/{args.n}] {dict(counts)} {time.time() - t_start:.0f}s", file=sys.stderr)
    finally:
        worker.stop()
    good = ("ok", "clean_error", "far_off_warned", "nan_mean_theory_undefined")
    summary.update(
        counts=dict(sorted(counts.items())),
        bad_total=sum(v for k, v in counts.items() if k not in good),
        slowest=[{"seconds": round(s, 3), "index": i, "problem": p} for s, i, p in sorted(slow)[-3:][::-1]],
        examples=examples,
        worker_restarts=worker.restarts,
        wall_seconds=round(time.time() - t_start, 1),
        loadavg_end=os.getloadavg(),
    )
    write_json(summary, args.out)
    return summary


if __name__ == "__main__":
    main()
