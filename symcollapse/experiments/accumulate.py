r"""Accumulate against replace: the chain's error against the number of generations n.

Setting: :math:`\Sigma = I_d`, :math:`d = 10`, :math:`T_0 = 30`, :math:`\sigma_0 = 1` (so one OLS fit on real
data has error :math:`c = \sigma_0^2 d/(T_0 - d - 1) = 10/19`, Lemma F.3), generations :math:`n = 1..30`. The
downstream model is noiseless OLS (:math:`\sigma = 0`, :math:`\lambda = 0`) on :math:`T = 100 \ge d + 2` samples
labelled by :math:`\hat w_n`: it returns :math:`\hat w_n` exactly, so the plotted test error *is* the chain's
error :math:`\mathbb E\|\hat w_n - w_0\|_\Sigma^2`. Four curves (docs/theory/workflows.md §1):

* **replace** (the paper's chain, Eqs. 4–6; Thm 4.1): :math:`n c`, growing linearly;
* **accumulate-shared** (every block on the same :math:`X`): :math:`c\,H_n^{(2)} = c\sum_{k\le n}k^{-2}`;
* **accumulate-independent** (fresh designs): :math:`\sigma_0^2 d\sum_{k\le n}1/(k(kT_0 - d - 1))`;
* **accumulate-subsample** (a budget of :math:`T_0` rows drawn from the pool of :math:`kT_0`): simulation only
  for :math:`n \ge 2` (no formula derived; :math:`n = 1` is the replace chain's :math:`c`).

Both accumulate formulas are exact for :math:`T_0 \ge d + 2` and stay below the bound
:math:`\frac{\pi^2}{6}c` (Gerstgrasser et al., arXiv 2404.01413), drawn dotted. Theory (broken lines):
``predict(..., normalization="finite")`` at every integer n; simulation: ``simulate(method="auto")`` at 8 values
of n (the exact ``ols-law`` / ``workflow-fast`` samplers; subsample: the ``workflow-reference`` oracle),
replicates from a target standard error of 2 % of the mean (pilot 100, at most 800; 200 for the subsample
oracle, whose cost grows with n). Each simulated row carries the theory value at the same point, its allowance
(0: every formula here is exact) and z. The subsample chain is *not* bounded by :math:`\frac{\pi^2}{6}c`: the
simulation shows it growing past the bound.
"""

from __future__ import annotations

from symcollapse._progress import progress as _progress
from symcollapse.experiments._checked import checked_simulation_row, reference_row
from symcollapse.experiments._table import Table, point_seed, resolve, target_of, theory_row
from symcollapse.spec import Chain, Problem, Ridge, Spectrum, Target

__all__ = ["run", "settings", "problem", "CURVES"]

FIGURE = "accumulate"
PANEL = "chain"
# curve label -> (workflow key, design)
CURVES = {
    "replace": ("replace", "independent"),
    "accumulate-shared": ("accumulate", "shared"),
    "accumulate-independent": ("accumulate", "independent"),
    "accumulate-subsample": ("accumulate-subsample", "independent"),
}


def settings(quick: bool = False, **overrides) -> dict:
    """Resolved settings (module docstring); ``quick`` shrinks grids and replicates for CI."""
    defaults = dict(d=10, T0=30, sigma0=1.0, T=100, curves=tuple(CURVES), n_theory=tuple(range(1, 31)),
                    n_sim=(1, 2, 3, 5, 8, 13, 20, 30), reps=100, target_stderr=0.02, target_relative=True,
                    max_reps=800, subsample_max_reps=200)
    quick_values = dict(n_theory=tuple(range(1, 9)), n_sim=(1, 3, 8), reps=80, target_stderr=None)
    return resolve(defaults, quick_values, quick, overrides)


def problem(s: dict, curve: str, n: int) -> Problem:
    """The problem of one point: the curve's chain after ``n`` generations, noiseless OLS downstream."""
    workflow, design = CURVES[curve]
    return Problem(Spectrum.isotropic(int(s["d"])), Target.isotropic(),
                   Chain(n=int(n), T0=int(s["T0"]), sigma0=s["sigma0"], design=design, workflow=workflow),
                   Ridge(T=int(s["T"]), sigma=0, lam=0))


def run(quick: bool = False, reps: int | None = None, seed: int = 0, progress: bool = False, **overrides) -> Table:
    """Theory, simulation and the π²/6 bound (tidy table, :data:`COLUMNS` first, ``curve`` the series)."""
    from symcollapse.theory._workflows import accumulate_bound, accumulate_limit  # noqa: PLC0415

    s = settings(quick, reps=reps, **overrides)
    target = target_of(s, reps_given=reps is not None or "reps" in overrides)
    d, T0, sigma0 = int(s["d"]), int(s["T0"]), float(s["sigma0"])
    n_theory = sorted({int(n) for n in (*s["n_theory"], *s["n_sim"])})
    rows: list[dict] = []
    with _progress(len(s["curves"]) * len(s["n_sim"]), f"{FIGURE} (theory + simulation)", progress) as advance:
        for key, curve in enumerate(s["curves"], start=1):
            workflow, design = CURVES[curve]
            tags = dict(curve=curve, workflow=workflow, design=design)
            mine = target
            if workflow == "accumulate-subsample":
                tags["theory_note"] = "accumulate-subsample: simulation only for n >= 2 (no formula is known)"
                # the reference oracle costs O(n) fits per replicate: its own, smaller cap
                mine = None if target is None else {**target, "max_reps": int(s["subsample_max_reps"])}
            for n in n_theory:  # None where no formula covers the point (subsample, n >= 2)
                row = theory_row(FIGURE, PANEL, problem(s, curve, n), **tags)
                if row is not None:
                    rows.append(row)
            for i, n in enumerate(s["n_sim"]):
                rows.append(checked_simulation_row(FIGURE, PANEL, problem(s, curve, n), int(s["reps"]),
                                                   point_seed(seed, key, int(n), i), target=mine, **tags))
                advance(1)
    c = sigma0**2 * d / (T0 - d - 1)
    bound = float(accumulate_bound(d, T0, sigma0))
    label = r"$\frac{\pi^2}{6}\,c$, $c = \sigma_0^2 d/(T_0-d-1)$:" "\n" "bound on both accumulate chains, every n"
    rows += [reference_row(FIGURE, PANEL, "n", n, bound, label, d=d, T0=T0, sigma0=sigma0, sigma=0.0, lam=0.0,
                           T=int(s["T"])) for n in n_theory]
    meta = {"figure": FIGURE, "settings": s, "seed": seed, "x": "n", "series": "curve", "normalization": "finite",
            "problem": problem(s, "accumulate-independent", 1).to_dict(), "c": c, "bound": bound,
            "limits": {design: float(accumulate_limit(d, T0, sigma0, design)) for design in ("shared", "independent")},
            "claim": "replace = n c grows linearly; both accumulate chains stay below (pi^2/6) c for every n"}
    return Table(rows, meta)
