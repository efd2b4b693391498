r"""Figure 5 (App. D.3): a chain of random-features models on real images, test error against generation n.

Setting (paper App. D; Figs. 5–6 / App. D.3; choices for what is unstated; see docs/theory/differences.md):

* **Data**: as :mod:`symcollapse.experiments.fig4` (bundled 8×8 digits or ``data=PATH``; pixels in [0, 1];
  a fixed test split of ``test_size`` images).
* **Targets**: one-hot class vectors (10 outputs) with the squared loss, as in App. D.3; synthetic labels
  (generations :math:`n \ge 1`) get Gaussian noise of standard deviation :math:`\sigma_0 = 0.1` on every
  output (App. D.3); real labels are clean. Test error: mean over test images of
  :math:`\|f_n(x) - \mathrm{onehot}(x)\|^2` (clean targets).
* **Model**: two layers, first layer random and fixed, :math:`\phi(x) = \mathrm{ReLU}(Wx/\sqrt p)/\sqrt k`,
  :math:`W_{ij} \sim N(0,1)` drawn afresh for every generation's model; only the readout is fitted.
  Widths ``k`` in (250, 500, 1000, 2000) (paper: 20 000 on MNIST's 60 000 images; scaled to the digits'
  size).
* **Fitting**: closed-form ridge readout with per-sample penalty :math:`\lambda = 10^{-6}` in place of SGD
  (batch 128, lr 0.1, 200 epochs) run to convergence: gradient descent from zero on the squared loss
  converges to the minimum-norm interpolator, which the tiny ridge approximates stably.
* **Chain**: each generation trains on ``T0 = 500`` fresh pool images (unstated in the paper) labelled by
  the previous generation; generations ``n = 0..10``. Replicates per width from a target: a pilot of 6,
  then as many as needed (at most 30) for a standard error of 1.5 % of the mean at every ``n``
  (paper: 10 seeds).

No theory curve: the paper has no random-features theorem, and the package implements no deterministic
equivalent of a random-features chain (a single random-features ridge fit has one, cf. the
``rf_krr_risk_theory`` eigenframework of Simon et al.'s "more is better"; its iteration over generations
is not derived here). The figure says so in its legend. Claim (App. D.3): the error
grows with :math:`n`, roughly linearly beyond the first two generations.

What the defaults show (digits, 8–12 replicates for a 1.5 % standard error): at every width the error
grows with n, fastest over the first two generations and then about linearly (k = 2000: 0.13 at n = 0,
0.23 at n = 2, 0.44 at n = 10); wider models have a lower error at every n, and the growth from n = 0 to
n = 10 is about the same at every width (+0.29 at k = 250, +0.31 at k = 2000).
"""

from __future__ import annotations

import math

import numpy as np

from symcollapse._progress import progress as _progress
from symcollapse.experiments._table import Table, point_seed, record, reps_for_target, resolve, target_of
from symcollapse.simulate.kernel_ridge import load_dataset, random_features_chain, split_indices

__all__ = ["run", "settings"]

FIGURE = "fig5"
_NO_THEORY = "no theory line: no random-features deterministic equivalent is implemented"
REAL_DATA = True  # needs images: the bundled digits (scikit-learn) or --data


def settings(quick: bool = False, **overrides) -> dict:
    """Resolved settings (module docstring); ``quick`` shrinks width, sample size and replicates for CI."""
    defaults = dict(widths=(250, 500, 1000, 2000), T0=500, n_max=10, lam=1e-6, sigma0=0.1, reps=6,
                    target_stderr=0.015, target_relative=True, max_reps=30, test_size=297, data=None,
                    max_samples=3000)
    quick_values = dict(widths=(100, 400), T0=200, n_max=4, reps=3, target_stderr=None)
    return resolve(defaults, quick_values, quick, overrides)


def run(quick: bool = False, reps: int | None = None, seed: int = 0, progress: bool = False, **overrides) -> Table:
    """Simulate the random-features chain; one simulation record per generation ``n``."""
    s = settings(quick, reps=reps, **overrides)
    target = target_of(s, reps_given=reps is not None or "reps" in overrides)
    ds = load_dataset(s["data"], max_samples=s["max_samples"], seed=seed)
    pool, test = split_indices(ds.n_samples, min(int(s["test_size"]), ds.n_samples // 4), seed)
    Y = np.eye(int(ds.labels.max()) + 1)[ds.labels]
    T0 = min(int(s["T0"]), len(pool))
    rows = []
    with _progress(int(s["reps"]) * len(s["widths"]), f"{FIGURE} (random features)", progress) as advance:
        for iw, width in enumerate(int(k) for k in s["widths"]):
            def chain(reps, chain_seed, advance=None, width=width):
                return random_features_chain(ds.X, Y, pool, test, width=width, T0=T0, n_max=int(s["n_max"]),
                                             lam=float(s["lam"]), sigma0=float(s["sigma0"]), reps=reps,
                                             seed=chain_seed, advance=advance)

            wseed = seed + 1000 * iw
            errs = chain(int(s["reps"]), wseed, advance)
            if target is not None:
                mean, se = errs.mean(0), errs.std(0, ddof=1) / math.sqrt(errs.shape[0])
                need = max(reps_for_target(float(m), float(e), errs.shape[0], target["stderr"], True,
                                           target["max_reps"]) for m, e in zip(mean, se))
                if need > errs.shape[0]:
                    errs = np.concatenate([errs, chain(max(need - errs.shape[0], 2), point_seed(wseed, 1))])
            mean, se = errs.mean(0), errs.std(0, ddof=1) / math.sqrt(errs.shape[0])
            extra = {"target_stderr": target["stderr"], "target_relative": True} if target else {}
            rows += [record(FIGURE, "random-features", None, "simulation", mean[n], se[n], errs.shape[0], wseed, n=n,
                            T=T0, lam=float(s["lam"]), d=None, T0=T0, sigma=float(s["sigma0"]) if n else 0.0,
                            sigma0=float(s["sigma0"]), width=width, theory_note=_NO_THEORY, **extra)
                     for n in range(int(s["n_max"]) + 1)]
    meta = {"figure": FIGURE, "settings": s, "seed": seed, "x": "n",
            "dataset": {"source": ds.source, "n_samples": ds.n_samples, "n_pixels": ds.n_pixels, "pool": len(pool),
                        "test": len(test), "classes": int(Y.shape[1])},
            "theory": _NO_THEORY,
            "claim": "error grows with n, roughly linearly beyond the first two generations"}
    return Table(rows, meta)
