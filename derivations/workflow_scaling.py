# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Scaling consequences of the new workflows on power-law spectra (package derivation)
#
# Power law $\lambda_j \asymp j^{-\beta}$, $c_j^2 \asymp j^{-\delta}$, $\delta = 1 + \beta(2r-1)$, ridge $\lambda \asymp T^{-\ell}$
# ($\ell < \beta$), $T_0 \asymp T^b$, $d = \phi_0T_0$. Ingredients (paper App. H.1, as in Thm 5.1): $\kappa \simeq \lambda$,
# $\mathrm{df}_2(\kappa) \asymp T^{\ell/\beta}$, $\kappa^2\mathrm{tr}(\Sigma+\kappa)^{-2} \approx d$; clean error $\asymp T^{-e}$,
# $e = \min(2\ell\underline r, 1 - \ell/\beta)$ (noisy). We derive the exponents of `workflow_scaling` and check them
# by local log-slopes of the package's finite-$d$ evaluators at large $d$ (tolerance 0.03 on the slope at the
# largest $T$, the size of the remaining $O(T^{-\ell/\beta})$ corrections seen in Thm 5.1's check).
# Run: `python derivations/workflow_scaling.py`.

# %%
import math
import sys
from pathlib import Path

import numpy as np
import sympy as sp

try:  # run from a checkout without installing the package
    import symcollapse  # noqa: F401
except ImportError:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from symcollapse.theory import _workflows as W
from symcollapse.theory.symbols import b, beta, ell, r

Tt = sp.Symbol("T", positive=True)


def exponent(expr):
    """Leading exponent of a sum of powers of T (as T → ∞)."""
    terms = sp.Add.make_args(sp.expand(sp.powsimp(expr, force=True)))
    return sp.Max(*[sp.limit(sp.log(t) / sp.log(Tt), Tt, sp.oo) for t in terms])


# %% [markdown]
# ## 1. Accumulate: bounded in $n$, exponent $-(\min(b,1) - \ell/\beta)$
# Collapse term (Cor 4.4 with $n \to n_{\rm eff} < \pi^2/6$): $n_{\rm eff}\sigma_0^2\frac{\mathrm{df}_2 + \kappa^2\mathrm{tr}(\Sigma+\kappa)^{-2}\,\mathrm{df}_2/T}{T_0 - d}
# \asymp \frac{T^{\ell/\beta}}{T^b} + \phi_0\frac{T^{\ell/\beta}}{T}$.

# %%
bb, lb = sp.Rational(7, 10), sp.Rational(1, 5)  # b and ℓ/β of the numeric check below
acc = Tt ** (lb - bb) + Tt ** (lb - 1)
assert exponent(acc) == lb - min(bb, 1)
sym = W.workflow_scaling("accumulate")
assert sp.simplify(sym["collapse"] - (ell / beta - sp.Min(b, 1))) == 0 and sym["collapse_n"] == 0
print("accumulate collapse exponent:", sym["collapse"], "; in n: 0 (n_eff < pi^2/6)")


def power_law(d, beta_=2.0, r_=0.375):
    j = np.arange(1, d + 1.0)
    return j**-beta_, j ** (-(1 + beta_ * (2 * r_ - 1)) / 2)


def slopes(f, Ts):
    v = [f(T) for T in Ts]
    return np.diff(np.log(v)) / np.diff(np.log(Ts)), v


def acc_collapse(T, n, b_=0.7, ell_=0.4):
    T0 = int(round(T**b_))
    ev, c = power_law(int(0.5 * T0))
    return W.accumulate_downstream(ev, c, T0, n, 1.0, "independent", int(T), T**-ell_, 0.0).parts["collapse"]


s_small, v1 = slopes(lambda T: acc_collapse(T, 1), [1e5, 1e6])
s_big, v2 = slopes(lambda T: acc_collapse(T, 10**6), [1e5, 1e6])
expected = float(W.workflow_scaling("accumulate", 2, sp.Rational(3, 8), sp.Rational(2, 5), sp.Rational(7, 10))["collapse"])
assert abs(s_small[-1] - expected) < 0.03 and abs(s_big[-1] - expected) < 0.03
assert max(b_ / a_ for a_, b_ in zip(v1, v2)) < math.pi**2 / 6  # 10^6 generations: bounded factor over n = 1
print(f"accumulate: slope {s_big[-1]:.4f} (n = 1e6), {s_small[-1]:.4f} (n = 1) vs {expected}")

# %% [markdown]
# ## 2. Mixture with a fixed shift: floor exponent 0, crossover $T_\star \asymp (p_2^2\|\Delta\|_\Sigma^2)^{-1/e}$
# The floor $p_2^2\Delta^\top\Sigma^3(\Sigma+\lambda)^{-2}\Delta \to p_2^2\|\Delta\|_\Sigma^2$ does not decay; the clean part
# $\asymp T^{-e}$ equals it at $T_\star$: solve $T^{-e} = F$.

# %%
e, F = sp.symbols("e F", positive=True)
Tstar = sp.solve(sp.Eq(Tt ** (-e), F), Tt)[0]
assert sp.simplify(sp.log(Tstar) / sp.log(F) + 1 / e) == 0
sym = W.workflow_scaling("mixture")
assert sym["floor"] == 0 and sp.simplify(sym["crossover"] - 1 / sym["clean"]) == 0

ell_c = 2.0 / (2 * 2.0 * 0.375 + 1)  # ℓ_crit = β/(2βr̲ + 1) = 0.8, e = c = 0.6
ev, c = power_law(100_000)
zero = np.zeros(ev.size)


def clean(T):
    return W.mixture_downstream(ev, c, zero, int(T), T**-ell_c, 1.0, 1.0).value


def crossing(Fv):
    lo, hi = math.log(10.0), math.log(1e9)
    for _ in range(40):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if clean(math.exp(mid)) > Fv else (lo, mid)
    return math.exp(lo)


Fs = [1e-3, 3e-4]
cs_ = [crossing(x) for x in Fs]
slope = (math.log(cs_[1]) - math.log(cs_[0])) / (math.log(Fs[1]) - math.log(Fs[0]))
expected = float(W.workflow_scaling("mixture", 2, sp.Rational(3, 8), sp.Rational(4, 5))["crossover"])
assert abs(slope - expected) < 0.03
# Δ on the top 20 directions, ‖Δ‖²_Σ = 0.01: there Σ³(Σ+λ)⁻² = Σ up to (λ/λ_20)² (a shift spread over all d
# directions would reach its floor only once λ is below every λ_j)
dl = np.zeros(ev.size)
dl[:20] = 0.1 / np.sqrt(ev[:20] * 20)
big = [W.mixture_downstream(ev, c, dl, int(T), T**-ell_c, 1.0, 0.5).value - clean(T) for T in (1e6, 1e7)]
floor = 0.25 * 0.01
assert all(abs(x / floor - 1) < 0.05 for x in big)
print(f"mixture: d log T*/d log F = {slope:.4f} vs {expected:.4f}; synthetic part -> floor {floor} ({big})")

# %% [markdown]
# ## 3. Mixture with a replace chain as the source: exponent $-(\min(b,1) - \ell/\beta)$, no floor
# $v \asymp T^{-b}$ and the synthetic part is $v[p_2^2\mathrm{df}_2 + (p_2^2 d + pp_2 d)\mathrm{df}_2/T] \asymp T^{\ell/\beta-b} + \phi_0T^{\ell/\beta-1}$.

# %%
sym = W.workflow_scaling("mixture-chain")
assert sp.simplify(sym["synthetic"] - (ell / beta - sp.Min(b, 1))) == 0


def synthetic(T, b_=1.0, ell_=0.8):
    T0 = int(round(2 * T**b_))
    ev_, c_ = power_law(T0 // 2)
    v = W.chain_cov_scale("replace", ev_.size, T0, 3, 1.0)
    args = (ev_, c_, int(T), T**-ell_, 0.5, 0.3)
    return W.mixture_chain_downstream(*args, v).value - W.mixture_chain_downstream(*args, 0.0).value


s3, _ = slopes(synthetic, [3e4, 1e5])
expected = float(W.workflow_scaling("mixture-chain", 2, sp.Rational(3, 8), sp.Rational(4, 5), 1)["synthetic"])
assert abs(s3[-1] - expected) < 0.03
print(f"mixture with a chain source: slope {s3[-1]:.4f} vs {expected}")
