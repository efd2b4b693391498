"""Bit-for-bit regression of the Monte-Carlo samplers between two source trees.

    python benchmarks/regress_simulate.py [--baseline /work/wt/baseline] [--tree .] [--count 36]

Each tree runs in its own subprocess with the tree as working directory (so ``import symcollapse`` imports
that tree's copy). For ``count`` problems drawn deterministically over the cases the samplers branch on
(isotropic / power law, n = 0..4, T0 and T below, at and above d, λ = 0 and > 0, independent and shared
designs, d from 1 to 40) and every sampler exact for the problem, ``simulate`` runs with a replicate
count spanning several RNG blocks; the kernel-ridge and random-features chains run on a synthetic data set.
The script prints the number of identical and differing results (sha256 of the float64 bytes of every
per-replicate array) and exits 1 when any differs.

It was run for the samplers-protocol refactor (issue 9: 111 / 111 bit-identical against the starting commit).
Since ``SAMPLER_VERSION`` 2 (random numbers inside the kernels, issue 11) the fast samplers' bits differ from a
version-1 tree by design; ``--methods reference`` checks what must still be identical (the reference sampler
and the kernel-ridge / random-features chains), and between two version-2 trees every method must agree.
Version 4 (issue 11, session 2): ``bartlett``'s independent generations with T0 ≥ d are drawn from the sequential
conditionals of U⁻ᵀz (O(d) numbers, same law), and d > 256 uses a recursive Cholesky downstream; against a
version-3 tree, ``bartlett`` problems with an independent-design chain and T0 ≥ d, n ≥ 1 differ by design (the
grid here has d ≤ 40, so the Cholesky change does not show); every other result must still be identical.
Run against commit 5a4f791 (version 3): 111 results, 96 bit-identical, 15 differ, all 15 ``bartlett`` with an
independent-design chain, T0 ≥ d and n ≥ 1, as expected.
Version 5 (issue 11, session 4): streams of 2^13 instead of 2^17 random numbers, and the downstream ridge solve
(T ≥ d, λ > 0) by two ``dtrsv`` instead of ``dpotrs``. Run against commit f0df6eb (version 4): 111 results, 53
bit-identical, 58 differ, all 58 ``bartlett`` or ``collapsed``, as expected; ``ols-law`` (its block is still 256
replicates), the reference sampler and the kernel chains are identical.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

WORKER = r'''
import hashlib, json, sys
import numpy as np
sys.path.insert(0, ".")
from symcollapse.simulate import monte_carlo as mc
from symcollapse.spec import Chain, Problem, Ridge, Spectrum, Target

def h(*arrays):
    m = hashlib.sha256()
    for a in arrays:
        m.update(np.ascontiguousarray(a, dtype=np.float64).tobytes())
    return m.hexdigest()

count = int(sys.argv[1])
rng = np.random.default_rng(20261201)
out = {}
for i in range(count):
    d = int(rng.choice([1, 3, 8, 20, 40]))
    kind = "iso" if i % 2 == 0 else "power"
    n = int(rng.integers(0, 5))
    T0 = int(max(1, d + rng.choice([-5, -1, 0, 3, 25]) if d > 5 else d + rng.choice([0, 2, 9])))
    T = int(max(1, d + rng.choice([-4, 0, 4, 30]) if d > 5 else d + rng.choice([0, 3, 12])))
    lam = float(rng.choice([0.0, 0.0, 0.05, 1e-3]))
    design = "shared" if rng.random() < 0.3 else "independent"
    spec = Spectrum.isotropic(d) if kind == "iso" else Spectrum.power_law(d, 1.5)
    tgt = Target.isotropic(norm=1.0) if kind == "iso" else Target(coefficients=np.linspace(1.0, -0.5, d))
    p = Problem(spec, tgt, Chain(n=n, T0=T0, sigma0=float(rng.choice([0.0, 0.3])), design=design),
                Ridge(T=T, sigma=float(rng.choice([0.0, 0.2])), lam=lam))
    for m in mc.exact_methods(p):
        reps = 20 if m == "reference" else 2 * mc.block_size(m, p) + 3
        r = mc.simulate(p, reps, 1000 + i, method=m)
        out[f"{i}:{m}:d={d},n={n},T0={T0},T={T},lam={lam},{design}"] = h(r.errors, r.chain_errors)

from symcollapse.simulate.kernel_ridge import Kernel, kernel_chain, random_features_chain
X = rng.random((160, 12))
f0 = (X[:, 0] > 0.5).astype(float)
K = Kernel.default("rbf", X)(X, X)
pool, test = np.arange(120), np.arange(120, 160)
kc = kernel_chain(K, f0, pool, test, n_values=[0, 1, 3], T_values=[30, 60], lams=np.array([[1e-3, 1e-2]]), T0=40,
                  lam0=1e-3, sigma0=0.2, sigma=0.1, reps=3, seed=5)
out["kernel_chain"] = h(kc)
rf = random_features_chain(X, f0, pool, test, width=50, T0=40, n_max=3, lam=1e-3, sigma0=0.2, reps=3, seed=6)
out["random_features_chain"] = h(rf)
print(json.dumps(out))
'''


def run(tree: Path, count: int) -> dict:
    res = subprocess.run([sys.executable, "-c", WORKER, str(count)], cwd=tree, capture_output=True, text=True)
    if res.returncode:
        raise SystemExit(f"worker failed in {tree}:\n{res.stderr}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline", type=Path, default=Path("/work/wt/baseline"))
    ap.add_argument("--tree", type=Path, default=Path(__file__).resolve().parents[1])
    ap.add_argument("--count", type=int, default=36)
    ap.add_argument("--methods", nargs="+", default=None, help="compare only these samplers (+ the kernel chains)")
    args = ap.parse_args(argv)
    a, b = run(args.baseline, args.count), run(args.tree, args.count)
    if args.methods:
        keep = lambda k: ":" not in k or k.split(":")[1] in args.methods  # noqa: E731
        a, b = {k: v for k, v in a.items() if keep(k)}, {k: v for k, v in b.items() if keep(k)}
    keys = sorted(set(a) | set(b))
    same = [k for k in keys if a.get(k) == b.get(k)]
    diff = [k for k in keys if a.get(k) != b.get(k)]
    methods = sorted({k.split(":")[1] for k in keys if ":" in k})
    print(f"{len(keys)} results ({args.count} problems x their exact samplers {methods} + 2 kernel chains): "
          f"{len(same)} bit-identical, {len(diff)} differ")
    for k in diff:
        print("  DIFFERS:", k, "(missing)" if k not in a or k not in b else "")
    return 1 if diff else 0


if __name__ == "__main__":
    sys.exit(main())
