# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Corollary 4.4 for isotropic Σ, derived from the general formula
#
# Dohmatob, Feng & Kempe (NeurIPS 2024), Cor 4.4: for an under-parametrised generator ($T_0 \ge d$),
#
# $$E_{test} \simeq \mathrm{Bias} + \mathrm{Var} + n\sigma_0^2\rho,$$
#
# with Bias and Var from Prop 4.2 and $\rho$ from Eq. 19, all written as spectral sums over the eigenvalues
# $\lambda_j$ of $\Sigma$ and the coordinates $c_j$ of $w_0$. The paper states (unnumbered display) that for
# $\Sigma = I_d$
#
# $$\mathrm{Bias} + \mathrm{Var} \simeq \frac{\kappa^2\|w_0\|^2 + \sigma^2\phi}{(1+\kappa)^2 - \phi},\qquad
# \rho \simeq \frac{\phi_0}{1-\phi_0}\,\frac{1}{(1+\kappa)^2}\Big(1 + \frac{\phi\kappa^2}{(1+\kappa)^2 - \phi}\Big),$$
#
# with $\kappa$ from Eq. 10/11. Here SymPy derives this from the package's general builders and asserts
# that the result equals the package's isotropic builders. Run: `python derivations/cor44_isotropic.py`.

# %%
import sys
from pathlib import Path

import sympy as sp

try:  # run from a checkout without installing the package
    import symcollapse  # noqa: F401
except ImportError:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from symcollapse.theory import formulas as F
from symcollapse.theory.symbols import T, T0, c, d, ev, j, kappa, lam, phi, phi0, sigma, w0norm

# %% [markdown]
# ## 1. Specialise the spectral sums to $\Sigma = I_d$
# Every eigenvalue is 1 and $w_0$ is spread evenly, $c_j^2 = \|w_0\|^2/d$ (only $\|w_0\|$ matters by
# rotation invariance). Each `Sum(f(λ_j, c_j), (j, 1, d))` then has a constant summand and evaluates to
# $d\cdot f$. Finally $T = d/\phi$ and $T_0 = d/\phi_0$.

# %%
iso = {ev[j]: 1, c[j]: w0norm / sp.sqrt(d)}


def specialise(expr):
    """Σ = I, c_j² = ‖w0‖²/d, evaluate the sums, then write T, T0 through φ, φ0."""
    out = expr.xreplace(iso).doit()
    return sp.simplify(out.subs({T: d / phi, T0: d / phi0}))


bias_iso = specialise(F.bias_prop42())
var_iso = specialise(F.variance_prop42())
rho_iso = specialise(F.rho_eq19("paper"))
rho_iso_finite = specialise(F.rho_eq19("finite"))
bias_iso, var_iso, rho_iso

# %% [markdown]
# ## 2. Compare with the isotropic closed forms of the package
# `simplify(a - b) == 0` is an exact symbolic identity (valid for all symbol values).

# %%
assert sp.simplify(bias_iso - F.bias_isotropic()) == 0
assert sp.simplify(var_iso - F.variance_isotropic()) == 0
assert sp.simplify(bias_iso + var_iso - F.bias_variance_isotropic()) == 0
assert sp.simplify(rho_iso - F.rho_isotropic("paper")) == 0
assert sp.simplify(rho_iso_finite - F.rho_isotropic("finite")) == 0
print("Cor 4.4: Bias + Var and rho reduce to the isotropic display (both normalisations)")

# %% [markdown]
# ## 3. The fixed point: Eq. 9 becomes Eq. 10, solved by Eq. 11
# At $\Sigma = I$, $\mathrm{df}_1(\kappa) = d/(1+\kappa)$, so Eq. 9 reads $\kappa - \lambda = \phi\kappa/(1+\kappa)$
# (Eq. 10), i.e. the quadratic $\kappa^2 + (1 - \lambda - \phi)\kappa - \lambda = 0$; its nonnegative root is
# Eq. 11 (`kappa_isotropic`).

# %%
eq9_iso = specialise(F.kappa_equation())
eq10 = kappa - lam - phi * kappa / (1 + kappa)
assert sp.simplify(eq9_iso - eq10) == 0
quadratic = sp.expand(sp.together(eq10 * (1 + kappa)))
assert sp.expand(quadratic - (kappa**2 + (1 - lam - phi) * kappa - lam)) == 0
k11 = F.kappa_isotropic()
assert sp.simplify(sp.expand(quadratic.subs(kappa, k11))) == 0
# the other root is (λ + φ − 1 − sqrt(...))/2 <= 0 because the square root exceeds |λ + φ − 1| when λ > 0
print("Eq. 9 at Σ = I is Eq. 10; Eq. 11 solves it")

# %% [markdown]
# ## 4. λ → 0 with φ < 1 gives Theorem 4.1's asymptotic form
# For $\phi < 1$, $\kappa \to 0$ (write $\phi = 1/(1+x)$, $x > 0$). Cor 4.4 then reduces to
# $\sigma^2\phi/(1-\phi) + n\sigma_0^2\phi_0/(1-\phi_0)$ — the paper's "special case λ = 0, φ ≥ 1" is a
# typo for φ < 1 (docs/theory/differences.md#diff-cor44-phi).

# %%
x = sp.Symbol("x", positive=True)
k0 = sp.limit(k11.subs(phi, 1 / (1 + x)), lam, 0, "+")
assert k0 == 0
from symcollapse.theory.symbols import n, sigma0  # noqa: E402

total = F.bias_variance_isotropic() + n * sigma0**2 * F.rho_isotropic("paper")
assert sp.simplify(total.subs(kappa, 0) - F.thm41_asymptotic()) == 0
print("Cor 4.4 at λ → 0, φ < 1 equals Thm 4.1 (asymptotic form)")

# %% [markdown]
# ## 5. Numbers: the closed form against the package's numeric path
# A spot check at the Figure 1a setting ($d = 300$, $T_0 = 600$, $T = 1000$, $\lambda = 10^{-3}$,
# $\sigma = 0.1$, $\sigma_0 = 0.2$, $n = 5$, $\|w_0\| = 1$), 40 digits.

# %%
from symcollapse.spec import preset  # noqa: E402
from symcollapse.theory.evaluate import predict  # noqa: E402

R = sp.Rational
vals = {lam: R(1, 1000), phi: R(3, 10), phi0: R(1, 2), sigma: R(1, 10), sigma0: R(1, 5), n: 5, w0norm: 1, d: 300}
closed = total.subs(kappa, F.kappa_isotropic()).subs(vals)
numeric = predict(preset("fig1a", n=5), dps=40).total
import mpmath  # noqa: E402

with mpmath.workdps(40):
    gap = abs(mpmath.mpf(str(sp.N(closed, 45))) - numeric) / numeric
assert gap < mpmath.mpf(10) ** -35, gap
print(f"Figure 1a, n = 5: closed form {sp.N(closed, 25)}; relative gap to predict(dps=40): {mpmath.nstr(gap, 3)}")
