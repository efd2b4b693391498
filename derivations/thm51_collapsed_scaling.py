# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Theorem 5.1 (the "collapsed" scaling law), derived with the order algebra
#
# Dohmatob, Feng & Kempe (NeurIPS 2024), Thm 5.1: with $\lambda_j \asymp j^{-\beta}$, $c_j^2 \asymp j^{-\delta}$,
# $\delta = 1 + \beta(2r-1)$, ridge $\lambda \asymp T^{-\ell}$, $\ell \in [0, \beta)$, $T_0 \ge d + 2$,
#
# $$E_{test} \asymp \max(\sigma^2, T^{1-2\underline r\ell-\ell/\beta})\,T^{-(1-\ell/\beta)}
#   + \frac{n\sigma_0^2}{1-\phi_0}\max(T/T_0, \phi_0)\,T^{-(1-\ell/\beta)} .$$
#
# We take the package's SymPy builders (the expressions `predict` evaluates), substitute the power law and
# rewrite every spectral sum with Lemma I.1. No exponent of the theorem is typed in; at the end the
# result is compared with the paper's statement and with `scaling_law`.
# Run: `python derivations/thm51_collapsed_scaling.py`.

# %%
import random

import sympy as sp

from symcollapse.theory import formulas as F
from symcollapse.theory import symbols as S
from symcollapse.theory._orders import Order, OrderEvaluator, lemma_I1, match_summand
from symcollapse.theory.scaling import derive, region, scaling_law

beta, r, ell, T, T0 = S.beta, S.r, S.ell, S.T, S.T0
delta = 1 + beta * (2 * r - 1)

# %% [markdown]
# ## 1. The region and the power-law summands
# Signs of exponents are decided on the valid region, written with nonnegative dummies
# ($\beta = 1 + B$, $\ell = \beta L/(1+L)$, $r = 1/(1+R)$ for $r \le 1$).
# Each summand becomes $C\,j^{-s}(j^{-\beta} + t)^{-m}$:

# %%
reg = region("le")
print(reg.label)
for name, expr in [("df_1", F.df_sum(1)), ("df_2", F.df_sum(2)), ("w0'Σ(Σ+κ)^-2 w0", F.bias_trace()),
                   ("tr(Σ+κ)^-2", F.trace_resolvent_sq())]:
    C, s, t, m = match_summand(expr.function, S.j, beta, delta)
    print(f"{name:18s} C = {C}, s = {s}, t = {t}, m = {m}")

# %% [markdown]
# ## 2. Lemma I.1
# $\sum_j j^{-s}(j^{-\beta}+t)^{-m} \asymp \max(1, t^{(s-1)/\beta - m})$ for $s > 1$ (with $D = 1/t$ this is
# $D^{m}\cdot D^{-\min(m,\,p-1/\beta)}$, $p = s/\beta$), and $t^{-m}d^{1-s}$ for $s < 1$ at finite $d$.
# With $t = \kappa \asymp T^{-\ell}$:

# %%
kap = Order.power(T, -ell, reg, exact=False)
df1 = lemma_I1(beta, 1, beta, kap, None)
print("df_1 ≍", df1.factored(), "  exponent", df1.exponent())
assert sp.simplify(df1.exponent() - ell / beta) == 0  # df_m ≍ κ^{-1/β} (Lemma I.1 consequence)

# %% [markdown]
# ## 3. κ from Eq. 9
# $\kappa - \lambda - \kappa\,\mathrm{df}_1(\kappa)/T = 0$. With the ansatz $\kappa \asymp \lambda \asymp T^{-\ell}$
# the Sum term is $\asymp T^{-\ell+\ell/\beta-1}$, negligible against $\kappa$ exactly when $\ell < \beta$; the
# leading balance then gives $\kappa = \lambda$. (App. H.1's display for this step is lost in the paper —
# docs/theory/differences.md#diff-appH; this is what it must state.)

# %%
der = derive("le", None)
for step in der.steps[:3]:
    print(step)
assert sp.simplify(der.kappa.exponent() + ell) == 0

# %% [markdown]
# ## 4. Clean bias and variance (Prop 4.2 → App. H.2)
# The bias sum has $s = \beta + \delta = 2\beta r + 1$, $m = 2$: Lemma I.1 gives
# $\kappa^2\cdot\max(1, \kappa^{2r-2}) = \max(\kappa^2, \kappa^{2r})$, i.e. $\kappa^{2\min(r,1)}$ — this *is*
# the $\underline r = \min(r, 1)$ of the paper. (App. H writes $\kappa^{-\gamma}$ and
# $(\lambda_i + \kappa^{-1}\lambda_i)^2$; both are typos, docs/theory/differences.md#diff-appH: the lemma gives
# $\kappa^{+\gamma}$ with denominators $(1 + \kappa^{-1}\lambda_i)^2$.)

# %%
print("bias (r <= 1):", der.bias.factored())
print("bias (r >= 1):", derive("ge", None).bias.factored())
print("variance     :", der.variance.factored())
assert sp.simplify(der.bias.exponent() + 2 * ell * r) == 0
assert sp.simplify(derive("ge", None).bias.exponent() + 2 * ell) == 0
assert sp.simplify(der.variance.exponent() + (1 - ell / beta)) == 0

# %% [markdown]
# ## 5. The collapse coefficient ρ (Eq. 19) and its $\max(T/T_0, \phi_0)$ structure
# Eq. 19 needs $T_0 \ge d + 2$, so $d$ is finite: write $d = \phi_0 T_0$. Lemma I.1's finite-$d$ row gives
# $\kappa^2\mathrm{tr}(\Sigma+\kappa)^{-2} \asymp d$ (App. H.1: "$\approx d$"), and $T_0 - d = T_0(1-\phi_0)$:

# %%
print("rho ≍", der.rho.factored())
# the paper's form: 1/(1 - phi0) * max(T/T0, phi0) * T^{-(1 - ell/beta)}
paper_rho = [sp.log(x) for x in (T / T0 / (1 - S.phi0) * T ** (ell / beta - 1),
                                 S.phi0 / (1 - S.phi0) * T ** (ell / beta - 1))]
mine = [sp.log(m.expr()) for m in der.rho.terms]
assert len(mine) == 2 and all(any(sp.simplify(sp.expand_log(a - b, force=True)) == 0 for b in paper_rho)
                              for a in mine)

# %% [markdown]
# ## 6. Theorem 5.1 assembled, against the paper and against `scaling_law`
# With $T_0 \propto T$ ($\phi_0$ fixed) every term is a power of $T$. The paper's statement, as exponents:
# bias $-2\ell\underline r$, variance $-(1-\ell/\beta)$, collapse $-(1-\ell/\beta)$.

# %%
law = scaling_law(beta, r)  # ell free
rl = sp.Min(r, 1)
paper = {"bias_exponent": -2 * ell * rl, "variance_exponent": -(1 - ell / beta),
         "collapse_exponent": -(1 - ell / beta), "df_exponent": ell / beta, "kappa_exponent": -ell,
         "ell_crit": beta / (2 * beta * rl + 1), "c": 2 * beta * rl / (2 * beta * rl + 1)}
for k, v in paper.items():
    got = getattr(law, k)
    print(f"{k:18s} derived {got}   paper {v}")
    assert sp.simplify(got - v) == 0, k

# Max forms: compare at random rational points of the region (both r <= 1 and r > 1)
rng = random.Random(0)
for _ in range(25):
    b_ = sp.Rational(rng.randint(101, 400), 100)
    r_ = sp.Rational(rng.randint(1, 300), 100)
    l_ = b_ * sp.Rational(rng.randint(0, 99), 100)
    pt = {beta: b_, r: r_, ell: l_}
    paper_total = sp.Max(-2 * l_ * min(r_, 1), -(1 - l_ / b_))
    assert law.total_exponent.subs(pt) == paper_total
print("Theorem 5.1: derived exponents equal the paper's and scaling_law's")
