"""Fuzz ``predict`` over the whole declared domain and count the outcome classes (issue 14, "Measured").

Run from the checkout to test (its ``symcollapse`` is imported)::

    cd /work/wt/baseline && python /path/to/benchmarks/fuzz_predict.py --n 1000 --seed 0 --out before.json

Domain of the random problems: d from 1 to 2000 (log-uniform); spectra isotropic, power law (β in (1, 10]) or
arrays with condition numbers up to 1e24; targets isotropic, source condition (power laws only) or Gaussian
arrays; T₀ and T from 1 to 1e7 (with the boundaries T₀ ∈ {1, 2, d−1, d, d+1, d+2}, T ∈ {1, d−1, d, d+1});
λ = 0 or log-uniform in [1e-300, 1e6]; σ, σ₀ = 0 or log-uniform in [1e-300, 1e3] (mostly [1e-3, 1e3]);
n up to 1e6; both designs. Problem ``i`` depends only on ``(seed, i)``, so runs of different size share
their first problems and a baseline and a working tree see the same ones.

Outcome classes of the float path (one worker process, 10 s per call):
``ok`` (finite, non-negative parts summing to the total), ``clean_error`` (a ``ValueError`` subclass),
``hang`` (> timeout), ``nan`` (NaN or inf total), ``bad_component`` (a negative / NaN / inf part with a
finite total), ``sum_mismatch`` (parts do not add up), ``foreign`` (any other exception),
``underflow_total`` / ``underflow_part`` (the total, or only a variance / collapse part, is exactly 0.0
in float where ``predict(dps=30)`` is positive; ``underflow_part_warned`` when ``predict`` said so with a
``PrecisionWarning``, which is not counted as bad), ``crash`` (the
worker died), ``spec_refused`` / ``spec_foreign`` (the problem itself was refused at construction). A
fraction ``--mp-fraction`` is also evaluated at ``dps=30`` (classes ``mp_*`` and the float/mpmath
agreement to 1e-8 relative).
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
from fuzz_common import Worker, finite_nonneg, header, use_root, write_json  # noqa: E402

PARTS = ("bias", "variance", "collapse", "delta_bias")
EXTRA = ("rho", "kappa", "kappa0", "df1", "df2")


# --------------------------------------------------------------------------------------------------------
# Random problems (plain data; the worker builds the spec objects)
# --------------------------------------------------------------------------------------------------------


def _logu(rng, lo: float, hi: float) -> float:
    return float(10 ** rng.uniform(math.log10(lo), math.log10(hi)))


def _int_logu(rng, lo: int, hi: int) -> int:
    return int(min(hi, max(lo, round(_logu(rng, lo, hi + 0.999)))))


def _noise(rng) -> float:
    u = rng.uniform()
    if u < 0.25:
        return 0.0
    if u < 0.85:
        return _logu(rng, 1e-3, 1e3)
    return _logu(rng, 1e-300, 1e-3)


def draw(seq: np.random.SeedSequence) -> dict:
    """One random problem recipe from its own seed sequence."""
    rng = np.random.default_rng(seq)
    d = _int_logu(rng, 1, 2000)
    kind = rng.choice(["isotropic", "power_law", "custom"])
    if kind == "isotropic":
        spectrum = ("isotropic", d, _logu(rng, 1e-3, 1e3) if rng.uniform() < 0.3 else 1.0)
    elif kind == "power_law":
        spectrum = ("power_law", d, 1.0 + _logu(rng, 1e-7, 9.0), 1.0)
    else:
        cond = _logu(rng, 1.0, 1e24)
        vals = np.sort(10 ** rng.uniform(-math.log10(cond), 0.0, d))[::-1]
        spectrum = ("custom", [float(v) for v in vals])
    u = rng.uniform()
    if kind == "power_law" and u < 0.5:
        target = ("source", _logu(rng, 1e-3, 3.0))
    elif u < 0.75:
        target = ("isotropic", _logu(rng, 0.1, 10.0))
    else:
        target = ("custom", [float(x) for x in rng.normal(0.0, 1.0 / math.sqrt(d), d)])
    T0 = _int_logu(rng, 1, 10**7)
    if rng.uniform() < 0.3:
        T0 = int(rng.choice([1, 2, max(1, d - 1), d, d + 1, d + 2]))
    T = _int_logu(rng, 1, 10**7)
    if rng.uniform() < 0.15:
        T = int(rng.choice([1, max(1, d - 1), d, d + 1]))
    u = rng.uniform()
    n = int(rng.integers(0, 21)) if u < 0.5 else (_int_logu(rng, 1, 10**6) if u < 0.95 else 10**6)
    u = rng.uniform()
    lam = 0.0 if u < 0.2 else (_logu(rng, 1e-300, 1e-30) if u < 0.3 else _logu(rng, 1e-30, 1e6))
    if rng.uniform() < 0.05:
        lam = float(rng.choice([1e-300, 1e6]))
    design = str(rng.choice(["independent", "shared"]))
    return {
        "spectrum": spectrum,
        "target": target,
        "chain": {"n": n, "T0": T0, "sigma0": _noise(rng), "design": design},
        "ridge": {"T": T, "sigma": _noise(rng), "lam": lam},
    }


def describe(recipe: dict) -> str:
    s, t = recipe["spectrum"], recipe["target"]
    spec = (
        f"{s[0]}(d={s[1]}" + (f", beta={s[2]:.10g})" if s[0] == "power_law" else ")")
        if s[0] != "custom"
        else (f"custom(d={len(s[1])}, cond={s[1][0] / s[1][-1]:.2g})")
    )
    tgt = f"{t[0]}({t[1]:.4g})" if t[0] != "custom" else "custom"
    c, r = recipe["chain"], recipe["ridge"]
    return (
        f"{spec}, {tgt}, n={c['n']}, T0={c['T0']}, sigma0={c['sigma0']:.3g}, {c['design']}, "
        f"T={r['T']}, sigma={r['sigma']:.3g}, lam={r['lam']:.3g}"
    )


# --------------------------------------------------------------------------------------------------------
# Worker task (runs in the worker process)
# --------------------------------------------------------------------------------------------------------


def build(recipe: dict):
    from symcollapse.spec import Chain, Problem, Ridge, Spectrum, Target  # noqa: PLC0415

    s, t = recipe["spectrum"], recipe["target"]
    if s[0] == "isotropic":
        spectrum = Spectrum.isotropic(s[1], scale=s[2])
    elif s[0] == "power_law":
        spectrum = Spectrum.power_law(s[1], beta=s[2], scale=s[3])
    else:
        spectrum = Spectrum(eigenvalues=np.array(s[1]))
    if t[0] == "isotropic":
        target = Target.isotropic(norm=t[1])
    elif t[0] == "source":
        target = Target.source(r=t[1])
    else:
        target = Target(coefficients=np.array(t[1]))
    return Problem(spectrum, target, Chain(**recipe["chain"]), Ridge(**recipe["ridge"]))


def warmup() -> None:
    from symcollapse import predict  # noqa: PLC0415
    from symcollapse.spec import preset  # noqa: PLC0415

    for name in ("fig1a", "fig1b", "fig2"):
        predict(preset(name))
        predict(preset(name), dps=30)
    # the closed form of Lemma F.8's powers is compiled numba (terms._secular): load it once here, so its
    # one-time cost per process (~1 s, ~7 s at load 8) is not charged to the first long chain drawn
    predict(preset("fig1a").replace(n=1000, T0=20, design="independent"))


def run_predict(payload: dict) -> dict:
    from symcollapse import predict  # noqa: PLC0415

    try:
        problem = build(payload["recipe"])
    except BaseException as exc:  # noqa: BLE001
        return {
            "stage": "construct",
            "type": type(exc).__name__,
            "value_error": isinstance(exc, ValueError),
            "message": str(exc)[:300],
        }
    dps = payload.get("dps")
    pred = predict(problem, dps=dps) if dps else predict(problem)
    out = {
        "stage": "predict",
        "theorem": str(getattr(pred, "theorem", "")),
        "digits": getattr(pred, "digits", None),
    }
    for q in ("total",) + PARTS + EXTRA:
        v = getattr(pred, q, None)
        out[q] = None if v is None else float(v)
    out["total_str"] = str(pred.total)[:40]
    for q in PARTS:  # exactly-zero check needs the high-precision value, not its float rounding
        v = getattr(pred, q, None)
        out[q + "_positive"] = None if v is None else bool(v > 0)
    out["total_positive"] = bool(pred.total > 0)
    return out


# --------------------------------------------------------------------------------------------------------
# Classification (parent)
# --------------------------------------------------------------------------------------------------------


def classify(res: dict) -> str:
    st = res["status"]
    if st in ("hang", "crash"):
        return st
    if st == "raised":
        return "clean_error" if res["value_error"] else "foreign"
    v = res["value"]
    if v["stage"] == "construct":
        return "spec_refused" if v["value_error"] else "spec_foreign"
    total = v["total"]
    if total is None or not math.isfinite(total):
        return "nan"
    for q in PARTS + EXTRA:
        x = v.get(q)
        if x is not None and not finite_nonneg(x):
            return "bad_component"
    parts = sum(v[q] or 0.0 for q in PARTS)
    if abs(parts - total) > 1e-9 * max(abs(total), 1e-300) + 1e-300:
        return "sum_mismatch"
    return "ok"


def structurally_positive(recipe: dict, part: str) -> bool:
    c, r = recipe["chain"], recipe["ridge"]
    if part == "variance":
        return r["sigma"] > 0
    if part == "collapse":
        return c["n"] > 0 and c["sigma0"] > 0
    return part == "total"


def needs_mp_check(recipe: dict, v: dict) -> list:
    """Parts that are exactly 0.0 in float although the inputs make them positive."""
    return [
        q for q in ("total", "variance", "collapse") if v.get(q) == 0.0 and structurally_positive(recipe, q)
    ]


def float_call(worker, recipe: dict, args) -> tuple:
    """Class of the float call, its result, and the dps = 30 result if the underflow check needed one."""
    res = worker.call(run_predict, {"recipe": recipe}, args.timeout)
    cls, mp_res = classify(res), None
    zeros = needs_mp_check(recipe, res["value"]) if cls == "ok" else []
    if zeros:
        mp_res = worker.call(run_predict, {"recipe": recipe, "dps": 30}, args.mp_timeout)
        if mp_res["status"] == "returned" and mp_res["value"].get("stage") == "predict":
            hit = [q for q in zeros if mp_res["value"].get(q + "_positive")]
            if hit:
                cls = "underflow_total" if "total" in hit else "underflow_part"
                if cls == "underflow_part" and any("underflow float64" in w for w in res.get("warnings", [])):
                    cls = "underflow_part_warned"  # said so (PrecisionWarning): not silent
    return cls, res, mp_res


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000, help="number of random problems")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--timeout", type=float, default=10.0, help="seconds per call before it counts as a hang")
    ap.add_argument("--mp-timeout", type=float, default=30.0, help="seconds per dps=30 call")
    ap.add_argument("--mp-fraction", type=float, default=0.05, help="fraction also run at dps=30")
    ap.add_argument("--root", default=None, help="checkout whose symcollapse is tested (default: cwd)")
    ap.add_argument("--out", default=None, help="also write the JSON summary here")
    ap.add_argument("--examples", type=int, default=4, help="examples kept per bad class")
    ap.add_argument("--start", type=int, default=0, help="first problem index (split a run: problem i is fixed)")
    ap.add_argument("--stop", type=int, default=None, help="one past the last problem index (default --n)")
    ap.add_argument("--picked-only", action="store_true",
                    help="only the problems picked for dps=30 (their float and dps=30 calls): a quick rerun of "
                    "the mpmath subset of a large run")
    args = ap.parse_args(argv)
    root = use_root(args.root)
    summary = header("fuzz_predict", args, root)
    seqs = np.random.SeedSequence(args.seed).spawn(args.n)
    pick = (
        np.random.default_rng(np.random.SeedSequence([args.seed, 1])).uniform(size=args.n) < args.mp_fraction
    )
    counts, mp_counts = Counter(), Counter()
    examples: dict = {}
    slow, slow_mp = [], []
    worker = Worker(root, warmup)
    t_start = time.time()

    def keep(cls, i, recipe, res):
        if not cls.endswith("ok") and len(examples.setdefault(cls, [])) < args.examples:
            info = {k: res.get(k) for k in ("type", "message") if k in res}
            if res.get("status") == "returned":
                info.update(
                    {k: res["value"].get(k) for k in ("total", "theorem", "message") if k in res["value"]}
                )
            examples[cls].append({"index": i, "problem": describe(recipe), **info})

    try:
        for i, seq in enumerate(seqs):
            if i < args.start or (args.stop is not None and i >= args.stop) or (args.picked_only and not pick[i]):
                continue
            recipe = draw(seq)
            cls, res, mp_res = float_call(worker, recipe, args)
            counts[cls] += 1
            keep(cls, i, recipe, res)
            if res["status"] == "returned":
                slow.append((res["seconds"], i, describe(recipe)))
            if pick[i] and cls not in ("spec_refused", "spec_foreign"):
                if mp_res is None:
                    mp_res = worker.call(run_predict, {"recipe": recipe, "dps": 30}, args.mp_timeout)
                mcls = "mp_" + classify(mp_res)
                if mcls == "mp_ok" and cls == "ok":
                    a, b = res["value"]["total"], mp_res["value"]["total"]
                    if abs(a - b) > 1e-8 * abs(b):
                        # the rule: agree to 1e-8, or the float path says it lost precision
                        lost = any("lost precision" in w for w in res.get("warnings", []))
                        mcls = "mp_float_disagree_warned" if lost else "mp_float_disagree"
                mp_counts[mcls] += 1
                keep(mcls, i, recipe, mp_res)
                if mp_res["status"] == "returned":
                    slow_mp.append((mp_res["seconds"], i, describe(recipe)))
            if (i + 1) % 100 == 0:
                print(f"[{i + 1}/{args.n}] {dict(counts)} {time.time() - t_start:.0f}s", file=sys.stderr)
                # checkpoint: a run stopped early still leaves the counts of the problems done so far
                _summarise(summary, counts, mp_counts, slow, slow_mp, examples, worker, t_start, i + 1)
                write_json(summary, args.out, quiet=True)
    finally:
        worker.stop()
    _summarise(summary, counts, mp_counts, slow, slow_mp, examples, worker, t_start, None)
    write_json(summary, args.out)
    return summary


def _summarise(summary, counts, mp_counts, slow, slow_mp, examples, worker, t_start, done_upto) -> None:
    bad = {k: v for k, v in counts.items() if k not in ("ok", "clean_error", "spec_refused", "underflow_part_warned")}
    summary.update(
        done_upto=done_upto,
        counts=dict(sorted(counts.items())),
        bad_total=sum(bad.values()),
        mp_counts=dict(sorted(mp_counts.items())),
        slowest_float=[
            {"seconds": round(s, 4), "index": i, "problem": p} for s, i, p in sorted(slow)[-5:][::-1]
        ],
        slowest_mp30=[
            {"seconds": round(s, 4), "index": i, "problem": p} for s, i, p in sorted(slow_mp)[-5:][::-1]
        ],
        examples=examples,
        worker_restarts=worker.restarts,
        wall_seconds=round(time.time() - t_start, 1),
        loadavg_end=os.getloadavg(),
    )


if __name__ == "__main__":
    main()
