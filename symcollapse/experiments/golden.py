r"""Fresh real labels in every round (the ``mix`` chain): the limit error against the real weight w.

Setting: :math:`\Sigma = I_d`, :math:`d = 10`, :math:`T_0 = 30`, :math:`\sigma_0 = 1`, so one OLS fit on real data
has error :math:`c = \sigma_0^2 d/(T_0 - d - 1) = 10/19`. Round 1 is real data; round :math:`k \ge 2` fits the
labels :math:`w(Xw_0 + \varepsilon_{real}) + (1 - w)(X\hat w_{k-1} + \varepsilon_{syn})`
(``Chain(..., workflow="mix", real_weight=w)``). The error obeys the exact recursion
:math:`a_k = (1-w)^2a_{k-1} + (w^2 + (1-w)^2)c` (either design, any Σ, :math:`T_0 \ge d + 2`; package derivation,
docs/theory/workflows.md §2), whose limit

.. math:: a_\infty(w) = \frac{w^2 + (1-w)^2}{w(2-w)}\,c

is the broken line; it is minimised at the reciprocal golden ratio :math:`w^\star = (\sqrt5 - 1)/2` (Garg,
Bhattacharya & Sur, arXiv 2509.22341), where :math:`a_\infty = w^\star c` (the star; from
``optimal_real_weight``). :math:`w = 1` (fresh data only) gives :math:`c`; :math:`w \to 0` (replace) diverges.

Simulation: the chain after :math:`n = 60` rounds, ``simulate(method="auto")`` (the exact ``workflow-fast``
sampler), read through a noiseless OLS downstream (:math:`\sigma = 0`, :math:`\lambda = 0`, :math:`T = 100`), which
returns :math:`\hat w_n` exactly, so the test error is the chain's error. Each simulated row carries the exact
theory :math:`a_{60}` at its own w (``theory_value``; it differs from :math:`a_\infty` by
:math:`(1-w)^{118}(c - a_\infty)`, below :math:`10^{-7}` here), allowance 0 and z. Replicates from a target
standard error of 1 % of the mean (pilot 400, at most 4000).
"""

from __future__ import annotations

import numpy as np

from symcollapse._progress import progress as _progress
from symcollapse.experiments._checked import checked_simulation_row, reference_row
from symcollapse.experiments._table import Table, point_seed, record, resolve, target_of
from symcollapse.spec import Chain, Problem, Ridge, Spectrum, Target

__all__ = ["run", "settings", "problem", "golden_weight"]

FIGURE = "golden"
PANEL = "mix"


def settings(quick: bool = False, **overrides) -> dict:
    """Resolved settings (module docstring); ``quick`` shrinks grids and replicates for CI."""
    defaults = dict(d=10, T0=30, sigma0=1.0, T=100, n_sim=60,
                    w_theory=tuple(float(w) for w in np.round(np.arange(0.15, 1.0 + 1e-9, 0.005), 3)),
                    w_sim=(0.15, 0.25, 0.35, 0.45, 0.55, 0.618, 0.7, 0.8, 0.9, 1.0), reps=400, target_stderr=0.01,
                    target_relative=True, max_reps=4000)
    quick_values = dict(w_theory=tuple(float(w) for w in np.round(np.arange(0.15, 1.0 + 1e-9, 0.01), 3)),
                        w_sim=(0.3, 0.618, 0.9), reps=600, target_stderr=None)
    return resolve(defaults, quick_values, quick, overrides)


def problem(s: dict, w: float, n: int | None = None) -> Problem:
    """The problem of one point: the mix chain at weight ``w`` after ``n`` rounds, noiseless OLS downstream."""
    chain = Chain(n=int(s["n_sim"] if n is None else n), T0=int(s["T0"]), sigma0=s["sigma0"], workflow="mix",
                  real_weight=float(w))
    return Problem(Spectrum.isotropic(int(s["d"])), Target.isotropic(), chain, Ridge(T=int(s["T"]), sigma=0, lam=0))


def golden_weight(s: dict):
    """:math:`w^\\star` as a SymPy expression, from ``optimal_real_weight`` on the figure's problem."""
    from symcollapse.theory.terms.mix import optimal_real_weight  # noqa: PLC0415 (SymPy import only when needed)

    return optimal_real_weight(problem(s, 0.5))


def run(quick: bool = False, reps: int | None = None, seed: int = 0, progress: bool = False, **overrides) -> Table:
    """The limit curve, the simulated chain at ``n_sim`` rounds and :math:`w^\\star` (tidy table, x column ``w``)."""
    from symcollapse.theory._workflows import mix_limit  # noqa: PLC0415

    s = settings(quick, reps=reps, **overrides)
    target = target_of(s, reps_given=reps is not None or "reps" in overrides)
    d, T0, sigma0 = int(s["d"]), int(s["T0"]), float(s["sigma0"])
    rows: list[dict] = []
    for w in sorted({float(w) for w in (*s["w_theory"], *s["w_sim"])}):
        # the limit n -> infinity has no generation count: n is left empty
        rows.append(record(FIGURE, PANEL, problem(s, w), "theory", float(mix_limit(d, T0, sigma0, w)), None, None,
                           None, w=w, n=None, theorem="mix chain limit (package derivation)", kind="exact",
                           normalization="finite"))
    c = sigma0**2 * d / (T0 - d - 1)
    n = int(s["n_sim"])
    # a_n - a_inf = (1-w)^(2(n-1)) (c - a_inf): how far the simulated chain is from the drawn limit
    gap = max(abs((1 - w) ** (2 * (n - 1)) * (c - float(mix_limit(d, T0, sigma0, w)))) for w in s["w_sim"])
    note = f"markers: the chain after n = {n} rounds (its exact error is within {gap:.1g} of the limit)"
    with _progress(len(s["w_sim"]), f"{FIGURE} (theory + simulation)", progress) as advance:
        for i, w in enumerate(s["w_sim"]):
            rows.append(checked_simulation_row(FIGURE, PANEL, problem(s, w), int(s["reps"]),
                                               point_seed(seed, 1, i), target=target, w=float(w),
                                               theory_note=note))
            advance(1)
    w_star = golden_weight(s)
    ws = float(w_star)
    a_star = float(mix_limit(d, T0, sigma0, ws))
    rows.append(reference_row(FIGURE, PANEL, "w", ws, a_star,
                              rf"$w^\star = (\sqrt{{5}}-1)/2 \approx {ws:.4f}$: minimum $a_\infty = w^\star c$",
                              d=d, T0=T0, sigma0=sigma0, T=int(s["T"]), sigma=0.0, lam=0.0))
    meta = {"figure": FIGURE, "settings": s, "seed": seed, "x": "w", "series": None, "normalization": "finite",
            "problem": problem(s, ws).to_dict(), "c": c, "w_star": ws, "w_star_exact": str(w_star),
            "limit_at_w_star": a_star, "max_gap_to_limit": gap,
            "claim": "the limit error (w^2 + (1-w)^2)/(w(2-w)) c is minimised at w* = (sqrt(5)-1)/2, where it is w* c"}
    return Table(rows, meta)
