r"""Figure 1a: isotropic covariance — test error against the ridge penalty λ (left) and the sample size T (right).

Setting (paper App. D; Fig. 1a; ``spec.preset("fig1a")``): :math:`\Sigma = I_d`, :math:`d = 300`,
:math:`T_0 = 600` (:math:`\phi_0 = 1/2`), :math:`\sigma = 0.1` (reconstructed from the garbled caption,
see docs/theory/differences.md), :math:`\sigma_0 = 0.2`, :math:`\|w_0\| = 1` (unstated; isotropic direction),
generations ``n`` in (0, 1, 2, 5, 10, 20) (unstated).

* **left**: :math:`T = 1000`, λ on a log grid from :math:`10^{-4}` to :math:`10^{2}` (unstated range);
* **right**: :math:`\lambda = 10^{-3}`, T on a log grid from 10 to :math:`10^6`.

Theory (broken lines): :func:`symcollapse.theory.evaluate.predict` with ``normalization="finite"``, i.e.
Cor. 4.4 (Eq. 19) with :math:`T_0 - d - 1` in :math:`\rho` — Thm F.1's exact finite-sample collapse term
(:math:`T_0 \ge d + 2` here) — and the deterministic equivalent of Prop. 4.2 for bias and variance. The
paper attributes these curves to Thm 4.1, which covers only :math:`\lambda = 0` (see docs/theory/differences.md).
Simulation (markers): one :func:`symcollapse.sweep` per panel, ``method="auto"`` (the fastest sampler
exact for the point: Bartlett/collapsed for :math:`T \ge d`, the reference sampler below). The left panel
uses shared randomness: per replicate one chain up to the largest ``n`` and one downstream draw for every
λ (each point keeps exactly its own law; the curves are smooth, differences between points exact). The
right panel shares one chain per replicate across ``n`` and every T (one downstream draw per T). The
replicate count comes from a target: a pilot of 25 replicates, then per block of shared points as many
as its worst point needs (at most 400) for a standard error of 1.5 % of the mean (paper: 10 replicates),
so every error bar is smaller than its marker on the log axis. ``z`` and ``passed`` are compare's verdict. Theory is drawn on 50 points per decade, refined to 400 per decade
within a factor 2 of the interpolation threshold :math:`T = d`; the markers sit on the coarser grid.

Claims: left, U-shaped curves with an interior optimal λ for larger ``n``, moving right as ``n`` grows;
right, a plateau at :math:`\approx n\sigma_0^2\phi_0/(1 - \phi_0)` as :math:`T \to \infty` (Thm 4.1's
change of scaling law) instead of decay to 0.
"""

from __future__ import annotations

from symcollapse.experiments._table import Table, log_grid, panel_rows, resolve, target_of, theory_grid
from symcollapse.spec import preset

__all__ = ["run", "settings"]

FIGURE = "fig1a"


def settings(quick: bool = False, **overrides) -> dict:
    """Resolved settings (module docstring); ``quick`` shrinks grids and replicates for CI."""
    d = preset("fig1a").d  # the interpolation threshold T = d, where the theory grid is refined
    defaults = dict(
        n_values=(0, 1, 2, 5, 10, 20), T_left=1000, lam_right=1e-3,
        lam_theory=theory_grid(1e-4, 1e2, 50), lam_sim=log_grid(1e-4, 1e2, 13),
        T_theory=theory_grid(10, 10**6, 50, integer=True, singular=(d,)), T_sim=log_grid(10, 10**6, 11, integer=True),
        reps=25, target_stderr=0.015, target_relative=True, max_reps=400,
    )
    quick_values = dict(n_values=(0, 2, 5, 20), lam_theory=theory_grid(1e-4, 1e2, 10),
                        lam_sim=log_grid(1e-3, 10, 5), T_theory=theory_grid(10, 10**6, 10, integer=True, singular=(d,),
                                                                              dense=60),
                        T_sim=(1000, 10**4, 10**6), reps=60, target_stderr=None)
    return resolve(defaults, quick_values, quick, overrides)


def run(quick: bool = False, reps: int | None = None, seed: int = 0, progress: bool = False, **overrides) -> Table:
    """Theory and simulation records of both panels (tidy table, :data:`COLUMNS` first)."""
    s = settings(quick, reps=reps, **overrides)
    target = target_of(s, reps_given=reps is not None or "reps" in overrides)
    base = preset("fig1a")
    ns = [int(n) for n in s["n_values"]]
    common = dict(reps=int(s["reps"]), seed=seed, target=target, progress=progress)
    rows = panel_rows(FIGURE, "left", base, ns, s["lam_theory"], s["lam_sim"],
                      lambda lam: {"T": int(s["T_left"]), "lam": float(lam)}, key=1, **common)
    # shared=True: the whole panel is one block (points differ only in n, T and λ): one chain per replicate for
    # every T, one downstream draw per T (simulate_block; ratios against a per-point loop in
    # benchmarks/results_sweep.md).
    rows += panel_rows(FIGURE, "right", base, ns, s["T_theory"], s["T_sim"],
                       lambda T: {"T": int(T), "lam": float(s["lam_right"])}, key=2, shared=True, **common)
    p = base
    meta = {"figure": FIGURE, "settings": s, "seed": seed, "problem": p.to_dict(), "normalization": "finite",
            "x": {"left": "lam", "right": "T"},
            "plateau": {str(n): n * float(p.chain.sigma0) ** 2 * p.phi0 / (1 - p.phi0) for n in ns},
            "claim": "left: U-shape in lam, optimum moves right with n; right: plateau n*sigma0^2*phi0/(1-phi0)"}
    return Table(rows, meta)
