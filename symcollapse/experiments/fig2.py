r"""Figure 2: over-parametrised, noiseless generators — shared designs (left) against independent ones (right).

Setting (paper App. D; Fig. 2; ``spec.preset("fig2")``): :math:`\Sigma = I_d`, :math:`d = 300`,
:math:`T_0 = d/2 = 150` (:math:`\phi_0 = 2`), :math:`\sigma_0 = 0`, :math:`\sigma = 0.1`, :math:`\|w_0\| = 1`,
downstream :math:`\lambda = 10^{-3}` (a small penalty standing for the theorems' :math:`\lambda \to 0^+`;
"everything else as in Fig. 1a"), generations ``n`` in (0, 1, 2, 3, 4), x-axis T from 10 to
:math:`10^4` (the paper's axes are not stated in the available text; test error against T shows both
claims at every :math:`T > d` and matches Fig. 1a's right panel).

* **shared** (Fig. 2a, Thm 4.5): :math:`X_m \equiv X_0`, so :math:`\hat w_n = P_0 w_0` for every
  :math:`n \ge 1`: a bias increase :math:`\approx (1 - 1/\phi_0)\|w_0\|^2 = 1/2`, independent of :math:`n \ge 1`.
* **independent** (Fig. 2b, Thm 4.6): fresh designs, :math:`\Delta\mathrm{Bias} \approx (1 - 2^{-n})\|w_0\|^2`,
  exponentially fast collapse to the null predictor.

Theory (broken lines): ``predict(..., normalization="finite")``; for :math:`T_0 < d` the normalization
switch has no effect and ``predict`` returns Thm 4.3 with the ΔBias of Thms 4.5 / 4.6 where it covers
the point; points it does not cover (``RegimeError``, e.g. :math:`T < d`) have simulation only.
Simulation: one :func:`symcollapse.sweep` per design (shared randomness across ``n``,
``method="auto"``); for :math:`T_0 < d` that is an exact sampler of the
over-parametrised chain (the ``method`` column records which), 9 values of T including four near the
interpolation threshold :math:`T = d` (280, 320, 200, 400), replicates from a target standard
error of 1.5 % of the mean (pilot 25, then per T the worst point's need, at most 400). Theory on 50 points per decade, every integer T
within a factor 2 of :math:`T = d` (where the variance of the weakly regularised fit peaks).
"""

from __future__ import annotations

from symcollapse.experiments._table import Table, panel_rows, resolve, target_of, theory_grid
from symcollapse.spec import preset

__all__ = ["run", "settings"]

FIGURE = "fig2"


def settings(quick: bool = False, **overrides) -> dict:
    """Resolved settings (module docstring); ``quick`` shrinks grids and replicates for CI."""
    d = preset("fig2").d  # the interpolation threshold T = d: theory refined there, markers on both sides
    defaults = dict(
        n_values=(0, 1, 2, 3, 4), designs=("shared", "independent"), lam=1e-3,
        T_theory=theory_grid(10, 10**4, 50, integer=True, singular=(d,)),
        T_sim=(30, 100, 200, 280, 320, 400, 600, 1500, 5000), reps=25, target_stderr=0.015, target_relative=True,
        max_reps=400,
    )
    quick_values = dict(n_values=(0, 1, 2, 4), T_theory=theory_grid(10, 10**4, 10, integer=True, singular=(d,), dense=60),
                        T_sim=(1500,), reps=12, target_stderr=None)
    return resolve(defaults, quick_values, quick, overrides)


def run(quick: bool = False, reps: int | None = None, seed: int = 0, progress: bool = False, **overrides) -> Table:
    """Theory and simulation records of both panels (tidy table, :data:`COLUMNS` first)."""
    s = settings(quick, reps=reps, **overrides)
    target = target_of(s, reps_given=reps is not None or "reps" in overrides)
    base = preset("fig2", lam=s["lam"])
    ns = [int(n) for n in s["n_values"]]
    rows = []
    for key, design in enumerate(s["designs"], start=1):
        rows += panel_rows(FIGURE, design, base, ns, s["T_theory"], s["T_sim"],
                           lambda T, design=design: {"T": int(T), "design": design}, reps=int(s["reps"]), seed=seed,
                           key=key, target=target, progress=progress, design=design)
    p = base
    w2 = float(sum(c * c for c in p.coefficients))
    meta = {"figure": FIGURE, "settings": s, "seed": seed, "problem": p.to_dict(), "normalization": "finite",
            "x": "T",
            "delta_bias": {"shared": {str(n): (1 - 1 / p.phi0) * w2 if n else 0.0 for n in ns},
                           "independent": {str(n): (1 - p.phi0 ** -n) * w2 for n in ns}},
            "claim": "independent ~ (1 - 2^-n)|w0|^2 + variance; shared flat in n >= 1"}
    return Table(rows, meta)
