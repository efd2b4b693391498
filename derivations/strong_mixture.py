# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Mixtures downstream (Strong Model Collapse): reductions, the floor, and a chain as the source
#
# Ridge on $T$ samples: $T_{real} = \lfloor pT\rceil$ labelled by $w_0$, the rest by $w_0+\Delta$, noise $\sigma$. The
# deterministic equivalent (package derivation; docs/theory/workflows.md) with $\bar w = w_0 + p_2\Delta$,
# $p_2 = 1-p$, $\kappa = \kappa(\lambda,T)$ (Eq. 9), $g = \mathrm{df}_2/(T-\mathrm{df}_2)$:
#
# $$E \simeq \|\Sigma(\Sigma+\kappa)^{-1}\bar w - w_0\|_\Sigma^2 + \big[\kappa^2\|(\Sigma+\kappa)^{-1}\bar w\|_\Sigma^2 + \sigma^2 + pp_2\|\Delta\|_\Sigma^2\big]g .$$
#
# Here SymPy (i) reduces it to the isotropic OLS formula of Strong Model Collapse, (ii) takes $T\to\infty$,
# (iii) averages it over a chain source $\Delta = \hat w_n - w_0$ with $\mathbb E\Delta = 0$, $\mathrm{Cov}\,\Delta = v\Sigma^{-1}$, and
# asserts equality with `symcollapse.theory._workflows`. Run: `python derivations/strong_mixture.py`.

# %%
import sys
from pathlib import Path

import sympy as sp

try:  # run from a checkout without installing the package
    import symcollapse  # noqa: F401
except ImportError:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from symcollapse.theory import _workflows as W
from symcollapse.theory import formulas as F
from symcollapse.theory import symbols as S

p, v, phi = W.p_sym, W.v_sym, S.phi
D = 3  # a concrete number of eigen-directions; every identity below is per direction (diagonal Σ)
lams = sp.symbols("l1:4", positive=True)
cs = sp.symbols("c1:4", real=True)
ds = sp.symbols("D1:4", real=True)


def concrete(expr):
    out = expr.subs(S.d, D).doit()
    rep = {}
    for i in range(D):
        rep[S.ev[i + 1]] = lams[i]
        rep[S.c[i + 1]] = cs[i]
        rep[W.Delta[i + 1]] = ds[i]
    return out.xreplace(rep)


E = concrete(W.mixture_expr())

# %% [markdown]
# ## 1. $\Sigma = I$, $\lambda = 0$, $T > d$: $\kappa = 0$, $g = \phi/(1-\phi)$
# $E = \sigma^2\frac{\phi}{1-\phi} + \big(p_2^2 + pp_2\frac{\phi}{1-\phi}\big)\|\Delta\|^2$ (Strong Model Collapse, OLS).

# %%
iso = E.subs({lams[0]: 1, lams[1]: 1, lams[2]: 1, S.kappa: 0}).subs(S.T, D / phi)
dn2 = sum(x**2 for x in ds)
smc = S.sigma**2 * phi / (1 - phi) + ((1 - p) ** 2 + p * (1 - p) * phi / (1 - phi)) * dn2
assert sp.simplify(iso - smc) == 0
print("isotropic OLS reduction: OK")

# %% [markdown]
# ## 2. $T\to\infty$ at fixed $\lambda$: $\kappa\to\lambda$, $g\to0$
# The limit is $\|\Sigma(\Sigma+\lambda)^{-1}\bar w - w_0\|_\Sigma^2$; its $\Delta$-quadratic part is the floor
# $p_2^2\Delta^\top\Sigma^3(\Sigma+\lambda)^{-2}\Delta$, which at $\lambda = 0$ is $p_2^2\|\Delta\|_\Sigma^2$.

# %%
Tinf = sp.limit(E.subs(S.kappa, S.lam), S.T, sp.oo)
quad = sp.Poly(sp.expand(Tinf), *ds)
delta_part = sum(coef * sp.prod([x**e for x, e in zip(ds, mon)]) for mon, coef in quad.terms() if sum(mon) == 2)
assert sp.simplify(delta_part - concrete(W.mixture_floor_expr())) == 0
assert sp.simplify(delta_part.subs(S.lam, 0) - (1 - p) ** 2 * sum(l * x**2 for l, x in zip(lams, ds))) == 0
print("floor p2^2 Delta^T Sigma^3 (Sigma + lam)^-2 Delta: OK")

# %% [markdown]
# ## 3. A chain as the source
# $E$ is a quadratic polynomial in $\Delta$ and the source is independent of the downstream data, so
# $\mathbb E_\Delta E = E|_{\Delta=0} + \frac12\sum_j\mathrm{Var}(\Delta_j)\,\partial^2E/\partial\Delta_j^2$ with
# $\mathrm{Var}(\Delta_j) = v/\lambda_j$ (the linear terms vanish as $\mathbb E\Delta = 0$; $E$ has no cross terms
# $\Delta_i\Delta_j$). For the replace chain $v = n\sigma_0^2/(T_0-d-1)$ (Thm 4.1's proof).

# %%
avg = E.subs({x: 0 for x in ds}) + sum(v / l * sp.diff(E, x, 2) / 2 for l, x in zip(lams, ds))
target = concrete(W.mixture_chain_expr())
# the package writes Bias + Var with Prop 4.2's 1/(1 − df2/T) = 1 + g, and σ²g as σ²(df2/T)/(1 − df2/T)
assert sp.simplify(avg - target) == 0
print("chain source: E_Delta of the fixed-shift formula = mixture_chain_expr: OK")

# %% [markdown]
# ## 4. $p = 0$: all-synthetic downstream = the replace chain
# $v\,[\mathrm{df}_2 + \kappa^2\mathrm{tr}(\Sigma+\kappa)^{-2}g]$ with $v = n\sigma_0^2/(T_0-d-1)$ is
# $n\sigma_0^2\rho$ with $\rho$ of Eq. 19 in the finite normalisation.

# %%
rep = concrete(F.bias_prop42() + F.variance_prop42() + S.n * S.sigma0**2 * F.rho_eq19("finite"))
mine = target.subs({p: 0, v: S.n * S.sigma0**2 / (S.T0 - D - 1)})
assert sp.simplify(rep.subs(S.d, D) - mine) == 0
print("p = 0 reproduces Cor 4.4 (Eq. 19, finite normalisation): OK")
