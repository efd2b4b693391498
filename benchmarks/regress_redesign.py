"""Regression of the theory redesign: ``predict`` (float and ``dps=50``) at 500 random valid problems, before
and after, must give identical values and identical ``digits``.

Usage (from a worktree root)::

    python benchmarks/regress_redesign.py --before /path/to/baseline --after . [--count 500] [--seed 0]

Each tree is run in a subprocess with its own cwd (so it imports its own ``symcollapse``); the problems are
drawn by a seeded numpy generator over every regime (Thm 4.1, Prop 4.2, Cor 4.4, Thms 4.5/4.6, Eq. 18, the
independent noisy chain, Lemma F.8; isotropic, power-law and custom spectra; both designs) and passed as
``Problem.to_dict`` JSON. Values are compared as ``repr`` strings (bit for bit).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

WORKER = r'''
import json, sys, warnings
import mpmath
from symcollapse.spec import Problem
from symcollapse.theory.evaluate import predict
warnings.simplefilter("ignore")
Q = ("bias", "variance", "collapse", "delta_bias", "total", "kappa", "kappa0", "df1", "df2", "rho")
out = []
for dct in json.load(open(sys.argv[1])):
    p = Problem.from_dict(dct)
    rec = {}
    for dps in (None, 50):
        try:
            r = predict(p, dps=dps)
            vals = {q: (None if getattr(r, q) is None else (repr(getattr(r, q)) if dps is None
                    else mpmath.nstr(getattr(r, q), 60))) for q in Q}
            rec[str(dps)] = {"vals": vals, "digits": r.digits, "theorem": r.theorem, "kind": r.kind}
        except Exception as e:  # noqa: BLE001  (the outcome class is what is compared)
            rec[str(dps)] = {"error": type(e).__name__}
    out.append(rec)
json.dump(out, open(sys.argv[2], "w"))
'''


def draw(rng, count: int) -> list[dict]:
    """Seeded problems over every regime (as Problem.to_dict records)."""
    from symcollapse.spec import Chain, Problem, Ridge, Spectrum, Target  # noqa: PLC0415

    out = []
    while len(out) < count:
        d = int(rng.integers(1, 80))
        kind = rng.choice(["isotropic", "power_law", "custom"])
        scale = float(f"{10 ** rng.uniform(-1, 1):.4g}")
        if kind == "isotropic":
            spec = Spectrum.isotropic(d, scale=scale)
        elif kind == "power_law":
            spec = Spectrum.power_law(d, beta=float(f"{rng.uniform(1.05, 3):.4g}"), scale=scale)
        else:
            spec = Spectrum(eigenvalues=sorted((float(f"{10 ** x:.4g}") for x in rng.uniform(-1, 1, d)), reverse=True))
        tk = rng.choice(["isotropic", "source", "custom"] if kind == "power_law" else ["isotropic", "custom"])
        if tk == "isotropic":
            tgt = Target.isotropic(norm=float(f"{rng.uniform(0.2, 3):.4g}"))
        elif tk == "source":
            tgt = Target.source(r=float(f"{rng.uniform(0.1, 1.5):.4g}"))
        else:
            tgt = Target(coefficients=[float(f"{x:.4g}") for x in rng.uniform(-1, 1, d)])
        n = int(rng.choice([0, 1, 2, 3, 5, 10, 30]))
        over = d > 1 and rng.random() < 0.5  # half over-parametrised generators (T0 < d)
        T0 = int(rng.integers(max(1, d // 4), d) if over else rng.integers(d, 3 * d + 10))
        T = int(max(1, rng.integers(max(1, d // 3), 4 * d + 10)))
        lam = 0 if rng.random() < 0.3 else float(f"{10 ** rng.uniform(-3, 1):.4g}")
        sigma0 = 0 if rng.random() < 0.3 else float(f"{rng.uniform(0.05, 1):.4g}")
        design = str(rng.choice(["independent", "shared"]))
        p = Problem(spec, tgt, Chain(n=n, T0=T0, sigma0=sigma0, design=design),
                    Ridge(T=T, sigma=float(f"{rng.uniform(0.05, 1):.4g}"), lam=lam))
        out.append(p.to_dict())
    return out


def run(tree: str, problems_path: str) -> list:
    fd, out = tempfile.mkstemp(suffix=".json")
    os.close(fd)
    subprocess.run([sys.executable, "-c", WORKER, problems_path, out], cwd=tree, check=True)
    with open(out) as fh:
        return json.load(fh)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", required=True)
    ap.add_argument("--after", default=".")
    ap.add_argument("--count", type=int, default=500)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)
    import numpy as np  # noqa: PLC0415

    probs = draw(np.random.default_rng(a.seed), a.count)
    fd, path = tempfile.mkstemp(suffix=".json")
    with os.fdopen(fd, "w") as fh:
        json.dump(probs, fh)
    before, after = run(a.before, path), run(a.after, path)
    counts = {"identical": 0, "different": 0}
    classes: dict[str, int] = {}
    for i, (b, c) in enumerate(zip(before, after)):
        for key in ("None", "50"):
            cls = "error:" + b[key]["error"] if "error" in b[key] else b[key]["theorem"]
            classes[cls] = classes.get(cls, 0) + 1
            same = b[key] == c[key]
            counts["identical" if same else "different"] += 1
            if not same and counts["different"] <= 10:
                print(f"problem {i} dps={key}:\n  before {b[key]}\n  after  {c[key]}")
    print(f"{a.count} problems x (float, dps=50): {counts}")
    print("outcome classes (before):", json.dumps(classes, indent=1, sort_keys=True))
    return 0 if counts["different"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
