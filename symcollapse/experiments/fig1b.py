r"""Figure 1b: power-law covariance — test error against λ (left) and against T with λ = T^(−ℓ_crit) (right).

Setting (paper App. D; Fig. 1b / App. D.1; ``spec.preset("fig1b")``): :math:`\lambda_j = j^{-\beta}`
(unit scale; the paper's normalisation is unstated), source condition :math:`c_j^2 = j^{-\delta}`,
:math:`\delta = 1 + \beta(2r - 1)` with :math:`(\beta, r) = (2, 0.375)` (so :math:`\delta = 1/2`; the paper's
:math:`w_0` is unstated, see docs/theory/differences.md), :math:`d = 300`, :math:`T_0 = 600`,
:math:`\sigma = \sigma_0 = 1`, generations ``n`` in (0, 1, 2, 5, 10) (unstated).

* **left**: :math:`T = 10^4` (the x-axis λ is presumed, see docs/theory/differences.md), λ from :math:`10^{-6}` to 1;
* **right**: adaptive :math:`\lambda = T^{-\ell_{crit}}`, :math:`\ell_{crit} = \beta/(2\beta\min(r,1) + 1) = 0.8`,
  T on a log grid from 10 to :math:`10^6`.

Theory (broken lines): ``predict(..., normalization="finite")`` — Cor. 4.4 (Eq. 19, :math:`T_0 - d - 1`
as in Thm F.1) with Prop. 4.2 for bias and variance; the paper's broken curves are Thm 5.1's rates, of
which these are the exact deterministic equivalents at finite :math:`d`. Simulation: one :func:`symcollapse.sweep`
per panel (``method="auto"``; the left panel with shared randomness across ``n`` and λ, the right one,
with one λ per T, sharing one chain across ``n`` and every T); replicates from a target standard
error of 1.5 % of the mean (pilot 25, then per block of shared points its worst point's need, at most 400). Theory on 50 points per decade, 400 per decade within a factor 2 of :math:`T = d`.
:math:`\ell_{crit}` comes from :func:`symcollapse.scaling_law` at the preset's :math:`(\beta, r)`.

Claim (right panel, Eq. 29): with fake data (:math:`n \ge 1`) the classically optimal
:math:`\lambda = T^{-\ell_{crit}}` makes the error *grow* with T (the collapse term
:math:`\propto T\cdot T^{-(1 - \ell/\beta)} = T^{\ell/\beta}` for :math:`T > T_0`, Thm 5.1). At finite
:math:`d = 300` the growth is bounded — as :math:`\lambda \to 0` the collapse term tends to
:math:`n\sigma_0^2 d/(T_0 - d - 1)` — but that happens only beyond the plotted range
(:math:`\lambda = T^{-0.8}` reaches the smallest eigenvalue :math:`d^{-2}` near :math:`T = 10^6`).
"""

from __future__ import annotations

import functools
from fractions import Fraction

from symcollapse.experiments._table import Table, log_grid, panel_rows, resolve, target_of, theory_grid
from symcollapse.spec import preset

__all__ = ["run", "settings", "ell_crit", "power_law"]

FIGURE = "fig1b"


def power_law() -> tuple[Fraction, Fraction]:
    """:math:`(\beta, r)` of the preset's spectrum and source condition (exact)."""
    p = preset("fig1b").to_dict()
    return Fraction(str(p["spectrum"]["beta"])), Fraction(str(p["target"]["r"]))


@functools.cache
def ell_crit() -> float:
    r""":math:`\ell_{crit} = \beta/(2\beta\min(r, 1) + 1)` of the preset, from :func:`symcollapse.scaling_law` (Thm 5.1).

    Derived, never typed: 4/5 at :math:`(\beta, r) = (2, 3/8)`.
    """
    from symcollapse.theory.scaling import scaling_law  # noqa: PLC0415 (SymPy derivation only when needed)

    beta, r = power_law()
    return float(scaling_law(beta, r).ell_crit)


def __getattr__(name: str):
    if name == "ELL_CRIT":  # the former constant, now derived lazily
        return ell_crit()
    raise AttributeError(name)


def settings(quick: bool = False, **overrides) -> dict:
    """Resolved settings (module docstring); ``quick`` shrinks grids and replicates for CI."""
    d = preset("fig1b").d  # the interpolation threshold T = d, where the theory grid is refined
    defaults = dict(
        n_values=(0, 1, 2, 5, 10), T_left=10_000, ell=ell_crit(),
        lam_theory=theory_grid(1e-6, 1.0, 50), lam_sim=log_grid(1e-6, 1.0, 13),
        T_theory=theory_grid(10, 10**6, 50, integer=True, singular=(d,)), T_sim=log_grid(10, 10**6, 11, integer=True),
        reps=25, target_stderr=0.015, target_relative=True, max_reps=400,
    )
    quick_values = dict(n_values=(0, 1, 5), lam_theory=theory_grid(1e-6, 1.0, 10), lam_sim=log_grid(1e-5, 1e-1, 3),
                        T_theory=theory_grid(10, 10**6, 10, integer=True, singular=(d,), dense=60),
                        T_sim=(1000, 10**4, 10**5), reps=60, target_stderr=None)
    return resolve(defaults, quick_values, quick, overrides)


def run(quick: bool = False, reps: int | None = None, seed: int = 0, progress: bool = False, **overrides) -> Table:
    """Theory and simulation records of both panels (tidy table, :data:`COLUMNS` first)."""
    s = settings(quick, reps=reps, **overrides)
    target = target_of(s, reps_given=reps is not None or "reps" in overrides)
    base = preset("fig1b")
    ns = [int(n) for n in s["n_values"]]
    ell = float(s["ell"])
    beta, r = power_law()
    shown = {"beta": float(beta), "r": float(r), "ell_crit": ell_crit()}  # for the figure's caption
    common = dict(reps=int(s["reps"]), seed=seed, target=target, progress=progress)
    rows = panel_rows(FIGURE, "left", base, ns, s["lam_theory"], s["lam_sim"],
                      lambda lam: {"T": int(s["T_left"]), "lam": float(lam)}, key=1, **common, **shown)
    # shared=True: the whole panel is one block (points differ only in n, T and λ): one chain per replicate for
    # every T, one downstream draw per T (simulate_block; ratios against a per-point loop in
    # benchmarks/results_sweep.md).
    rows += panel_rows(FIGURE, "right", base, ns, s["T_theory"], s["T_sim"],
                       lambda T: {"T": int(T), "lam": float(T) ** -ell}, key=2, shared=True, ell=ell, **common,
                       **shown)
    meta = {"figure": FIGURE, "settings": s, "seed": seed, "problem": base.to_dict(), "normalization": "finite",
            "x": {"left": "lam", "right": "T"},
            "claim": "right: error increasing in T for n >= 1 under lam = T^-ell_crit"}
    return Table(rows, meta)
