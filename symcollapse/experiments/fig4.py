r"""Figure 4 (App. D.2): the generation chain with kernel ridge regression on real images.

Setting (paper App. D; Fig. 4 / App. D.2, and the choices for what the paper leaves unstated; see docs/theory/differences.md):

* **Data**: scikit-learn's bundled 8×8 digits (1 797 images, no download) or ``data=PATH``, a local
  MNIST-style ``.npz`` (``images``, ``labels``), subsampled to ``max_samples`` images because the Gram
  matrix of the whole set is held in memory. Pixels scaled to [0, 1] (:mod:`symcollapse.simulate._data`).
  A fixed random split keeps ``test_size`` images for testing (default 297, leaving a pool of 1 500).
* **Target**: :math:`f_0(x) = (\text{label} \bmod 2)`; training labels add :math:`N(0, \sigma_0^2)` noise in
  the chain and :math:`N(0, \sigma^2)` downstream, :math:`\sigma^2 = \sigma_0^2 = 1` (App. D.2). Test error:
  mean of :math:`(\hat f^{pred} - f_0)^2` on the test images, clean labels (excess risk, Eq. 3).
* **Kernels**: RBF :math:`e^{-\gamma\|x-x'\|^2}`, :math:`\gamma = 1/(p\,\mathrm{Var}X)`; polynomial
  :math:`(x^\top x'/p + 1)^5` (degree 5 as in the paper). The paper's bandwidths (1e-4, 1e-3) refer to an
  unstated MNIST pixel scaling and are not transferable (:mod:`symcollapse.simulate.kernel_ridge`).
* **Chain**: ``T0 = 100`` images per generation (unstated; small enough that :math:`T > T_0` spans a
  decade of the T grid), generator penalty :math:`\lambda_0 = T_0^{-\ell_{crit}}` (unstated; each generator
  is the classically tuned KRR at its own sample size), ``n`` in (0, 1, 2, 5, 10).
* **Figure**: the two kernels side by side (the paper stacks them); under each panel the penalty
  :math:`\lambda(T)` each schedule actually used; the legend gives the :math:`(\beta, r)` estimated on the
  data next to the quoted values the schedules use.
* **Downstream**: KRR on ``T`` pool images, ``T`` from 10 to 1 000 (paper: 1 to 1 000), adaptive penalty
  :math:`\lambda = T^{-\ell}` for :math:`\ell = \ell_{crit} = \beta/(2\beta\min(r,1)+1)` (solid in the paper)
  and :math:`\ell_\star = \min(b\,\ell_{crit}, \beta)`, :math:`b = \log T_0/\log T` (Eq. 28 with
  :math:`a = 0`; broken), with the paper's :math:`(\beta, r)` = (1.65, 0.097) for RBF and (1.2, 0.15) for the
  polynomial kernel. Note :math:`T^{-b\ell_{crit}} = T_0^{-\ell_{crit}}`: with :math:`a = 0` the
  "adaptive" :math:`\ell_\star` schedule is a constant penalty (until the cap :math:`\ell_\star \le \beta`).
* **Replicates**: from a target: a pilot of 10 (the paper's count), then as many as needed (at most 80)
  for a standard error of 0.015 (absolute, squared label units) at every plotted point; each replicate is
  a fresh chain, fresh downstream inputs and noise.

Also reported (``table.meta["spectrum"]``): :math:`(\beta, r)` estimated on the data from the pool's Gram
spectrum (:func:`symcollapse.simulate.kernel_ridge.estimate_power_law`) next to the quoted values.

Claim (Cor. 5.2 / Eq. 29, Fig. 4): with fake data (:math:`n \ge 1`) and :math:`\ell = \ell_{crit}` the error
stops decreasing once :math:`T > T_0` (flat or increasing), while the clean curve (:math:`n = 0`) keeps
decreasing; :math:`\ell_\star` restores a decreasing curve.

What the defaults show (80 replicates — the cap, the 0.015 target needs more at small T —, digits):
RBF — for :math:`n \ge 1` under :math:`\ell_{crit}` the error rises from :math:`T_0` to :math:`10\,T_0`
(n = 1: 0.38 → 0.40, n = 10: 0.73 → 0.83) while n = 0 falls (0.26 → 0.18) and :math:`\ell_\star` falls
for every n; polynomial — under :math:`\ell_{crit}` the fake-data curves merely flatten beyond :math:`T_0`
(n = 1: 0.24 → 0.21, n = 10: 0.49 → 0.48, against 0.18 → 0.09 for clean data). The test
(tests/unit/test_experiments.py) asserts the RBF claim.
"""

from __future__ import annotations

import functools
import math
from fractions import Fraction

import numpy as np

from symcollapse._progress import progress as _progress
from symcollapse.experiments._table import Table, point_seed, record, reps_for_target, resolve, target_of
from symcollapse.simulate.kernel_ridge import (
    Kernel,
    estimate_power_law,
    kernel_chain,
    load_dataset,
    split_indices,
)

__all__ = ["run", "settings", "QUOTED", "ell_crit", "ell_star"]

FIGURE = "fig4"
REAL_DATA = True  # needs images: the bundled digits (scikit-learn) or --data

# (beta, r) quoted by the paper from Cui et al. for MNIST (paper App. D.2): data, not configuration.
QUOTED = {"rbf": (1.65, 0.097), "poly": (1.2, 0.15)}


@functools.cache
def ell_crit(beta: float, r: float) -> float:
    r""":math:`\ell_{crit} = \beta/(2\beta\underline r + 1)`, :math:`\underline r = \min(r, 1)` (Thm 5.1).

    From :func:`symcollapse.scaling_law` (derived, never typed), at the decimal values of ``beta``, ``r``.
    """
    from symcollapse.theory.scaling import scaling_law  # noqa: PLC0415 (SymPy derivation only when needed)

    return float(scaling_law(Fraction(str(beta)), Fraction(str(r))).ell_crit)


def ell_star(beta: float, r: float, T0: int, T: int, a: float = 0.0) -> float:
    r""":math:`\ell_\star = \min((b - a)\ell_{crit}, \beta)`, :math:`b = \log T_0/\log T` (Eq. 28), for ``T >= 2``."""
    b = math.log(T0) / math.log(T)
    return min((b - a) * ell_crit(beta, r), beta)


def _to_target(errs: np.ndarray, target: dict | None, more) -> np.ndarray:
    """Add replicates (``more(m)`` returns ``m`` of them) until every point's stderr meets ``target``."""
    if target is None:
        return errs
    reps = errs.shape[0]
    mean, se = errs.mean(0), errs.std(0, ddof=1) / math.sqrt(reps)
    need = max(reps_for_target(float(m), float(e), reps, target["stderr"], target["relative"], target["max_reps"])
               for m, e in zip(mean.ravel(), se.ravel()))
    return errs if need <= reps else np.concatenate([errs, more(max(need - reps, 2))])


def settings(quick: bool = False, **overrides) -> dict:
    """Resolved settings (module docstring); ``quick`` shrinks grids and replicates for CI."""
    defaults = dict(
        kernels=("rbf", "poly"), n_values=(0, 1, 2, 5, 10), T_values=(10, 20, 50, 100, 200, 300, 500, 700, 1000),
        T0=100, sigma=1.0, sigma0=1.0, reps=10, target_stderr=0.015, target_relative=False, max_reps=80,
        test_size=297, degree=5, data=None, max_samples=3000,
    )
    quick_values = dict(kernels=("rbf",), n_values=(0, 1, 5), T_values=(30, 100, 300, 1000), reps=4,
                        target_stderr=None)
    return resolve(defaults, quick_values, quick, overrides)


def run(quick: bool = False, reps: int | None = None, seed: int = 0, progress: bool = False, **overrides) -> Table:
    """Simulate the KRR chain for each kernel; one simulation record per (kernel, schedule, n, T)."""
    s = settings(quick, reps=reps, **overrides)
    target = target_of(s, reps_given=reps is not None or "reps" in overrides)
    ds = load_dataset(s["data"], max_samples=s["max_samples"], seed=seed)
    pool, test = split_indices(ds.n_samples, min(int(s["test_size"]), ds.n_samples // 4), seed)
    T_values = [min(int(T), len(pool)) for T in s["T_values"]]
    T_values = sorted(set(T_values))
    f0 = (ds.labels % 2).astype(np.float64)
    rows, spectrum = [], {}
    with _progress(len(s["kernels"]) * s["reps"], f"{FIGURE} (kernel ridge chain)", progress) as advance:
        for ik, kind in enumerate(s["kernels"]):
            kernel = Kernel.default(kind, ds.X, degree=s["degree"])
            K = kernel(ds.X, ds.X)
            beta, r = QUOTED[kind]
            lc = ell_crit(beta, r)
            fit = estimate_power_law(K[np.ix_(pool, pool)], f0[pool])
            spectrum[kind] = {
                "kernel": kernel.to_dict(),
                "quoted": {"beta": beta, "r": r, "ell_crit": lc, "source": "paper (Cui et al.), MNIST"},
                "estimated": {**fit.to_dict(), "ell_crit": ell_crit(fit.beta, fit.r) if fit.r > 0 else None,
                              "source": f"{ds.source}, Gram spectrum of the training pool"},
            }
            schedules = {"ell_crit": [lc] * len(T_values), "ell_star": [ell_star(beta, r, s["T0"], T) for T in T_values]}
            lams = np.array([[T ** -ell for T, ell in zip(T_values, ells)] for ells in schedules.values()])
            lam0 = float(s["T0"]) ** -lc
            chain = dict(n_values=s["n_values"], T_values=T_values, lams=lams, T0=int(s["T0"]), lam0=lam0,
                         sigma0=float(s["sigma0"]), sigma=float(s["sigma"]))
            errs = kernel_chain(K, f0, pool, test, **chain, reps=int(s["reps"]), seed=seed + 1000 * ik,
                                advance=advance)
            more_seed = point_seed(seed + 1000 * ik, 1)  # an independent stream for the added replicates
            errs = _to_target(errs, target, lambda m, K=K, chain=chain, more_seed=more_seed: kernel_chain(
                K, f0, pool, test, **chain, reps=m, seed=more_seed))
            mean, se = errs.mean(0), errs.std(0, ddof=1) / math.sqrt(errs.shape[0])
            est = spectrum[kind]["estimated"]
            shown = dict(beta=beta, r=r, ell_crit=lc, beta_est=est["beta"], r_est=est["r"], lam0=lam0,
                         **({"target_stderr": target["stderr"], "target_relative": False} if target else {}))
            for i, n in enumerate(s["n_values"]):
                for j, T in enumerate(T_values):
                    for k, (name, ells) in enumerate(schedules.items()):
                        rows.append(record(FIGURE, kind, None, "simulation", mean[i, j, k], se[i, j, k], errs.shape[0],
                                           seed + 1000 * ik, n=int(n), T=int(T), lam=float(lams[k, j]), d=None,
                                           T0=int(s["T0"]), sigma=float(s["sigma"]), sigma0=float(s["sigma0"]),
                                           kernel=kind, schedule=name, ell=float(ells[j]), **shown))
    meta = {"figure": FIGURE, "settings": s, "seed": seed, "dataset": {"source": ds.source, "n_samples": ds.n_samples,
            "n_pixels": ds.n_pixels, "pool": len(pool), "test": len(test)}, "spectrum": spectrum,
            "x": "T", "claim": "n >= 1 under ell_crit: error non-decreasing in T beyond T0"}
    return Table(rows, meta)
