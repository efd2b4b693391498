# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Fresh real data each round: the exact recursion, its closed form and the golden-ratio weight
#
# Round 1 is an OLS fit on real data; round $k\ge2$ fits labels $w(Xw_0+\varepsilon_{real}) + (1-w)(X\hat w_{k-1}+\varepsilon_{syn})$
# (Garg, Bhattacharya & Sur, arXiv 2509.22341). With full column rank ($T_0 \ge d+2$) OLS reproduces the
# linear part, so $e_k = (1-w)e_{k-1} + X_k^\dagger\nu_k$, $\nu_k \sim N(0,(w^2+(1-w)^2)\sigma_0^2 I)$, and for either
# design (fresh noise; $\mathbb E\|X^\dagger\nu\|_\Sigma^2 = (w^2+(1-w)^2)c$, Lemma F.3):
# $a_1 = c$, $a_k = (1-w)^2a_{k-1} + (w^2+(1-w)^2)c$. The model-averaging variant with unequal sizes,
# $\hat w_k = w\,X_r^\dagger y_r + (1-w)X_s^\dagger y_s$, gives $a_k = (1-w)^2a_{k-1} + w^2c_r + (1-w)^2c_s$ with
# $c_r = \sigma_0^2d/(n_{real}-d-1)$, $c_s = \sigma_0^2d/(m_{syn}-d-1)$ (package derivation).
# Run: `python derivations/mix_golden.py`.

# %%
import sys
from pathlib import Path

import sympy as sp

try:  # run from a checkout without installing the package
    import symcollapse  # noqa: F401
except ImportError:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from symcollapse.theory import _workflows as W

w, n = sp.Symbol("w", positive=True), sp.Symbol("n", positive=True, integer=True)
cr, cs, c, k = sp.symbols("c_r c_s c k", positive=True)
a = sp.Function("a")

# %% [markdown]
# ## 1. Solve the recursion

# %%
sol = sp.rsolve(a(n) - (1 - w) ** 2 * a(n - 1) - (w**2 * cr + (1 - w) ** 2 * cs), a(n), {a(1): cr})
# rsolve writes (w − 1)^(2n); equal to (1 − w)^(2n) for integer n — compare exactly on a grid of (w, n)
for wv in (sp.Rational(1, 3), sp.Rational(1, 2), sp.Rational(5, 7), sp.Rational(9, 10)):  # rsolve divides by w − 1
    for nv in (1, 2, 5, 9):
        assert sp.simplify((sol - W.mix_error_expr(n, w, cr, cs)).subs({w: wv, n: nv})) == 0
for nn in range(1, 7):
    assert sp.simplify(W.mix_error_expr(nn, w, cr, cs) - W.mix_recursion(nn, w, cr, cs)) == 0
print("a_n =", sp.simplify(W.mix_error_expr(n, w, c, c)))

# %% [markdown]
# ## 2. Limit, optimum, value at the optimum
# For $0<w\le1$, $(1-w)^{2(n-1)}\to0$: $a_\infty = \frac{w^2c_r+(1-w)^2c_s}{w(2-w)}$. With $c_s = kc_r$ the
# stationarity condition is $w^2 + kw - k = 0$, so $w^\star(k) = (\sqrt{k^2+4k}-k)/2$ (He, Xu & Cheng,
# arXiv 2502.18049); $k = 1$ gives $w^2 + w - 1 = 0$, the reciprocal golden ratio. At the optimum
# $a_\infty = w^\star c_r$.

# %%
lim = sp.limit(sol.subs(w, sp.Rational(1, 3)), n, sp.oo)
assert sp.simplify(lim - W.mix_limit_expr(sp.Rational(1, 3), cr, cs)) == 0
L = W.mix_limit_expr(w, c, k * c)
stat = sp.factor(sp.numer(sp.together(sp.diff(L, w))))
print("stationarity numerator:", stat)
assert sp.simplify(stat / (2 * c) - (w**2 + k * w - k)) == 0 or sp.simplify(stat / (-2 * c) - (w**2 + k * w - k)) == 0
roots = [r for r in sp.solve(w**2 + k * w - k, w) if sp.simplify(r.subs(k, 1)) > 0]
assert len(roots) == 1 and sp.simplify(roots[0] - W.golden_weight(k)) == 0
assert sp.simplify(sp.radsimp(L.subs(w, W.golden_weight(k)) - W.golden_weight(k) * c)) == 0
assert sp.simplify(W.golden_weight(1) - (sp.sqrt(5) - 1) / 2) == 0
assert sp.simplify(W.golden_weight(1) ** 2 + W.golden_weight(1) - 1) == 0
# second derivative > 0 at the optimum (a minimum), e.g. k = 1, 2, 1/3
for kk in (1, 2, sp.Rational(1, 3)):
    assert sp.diff(L, w, 2).subs({k: kk, c: 1}).subs(w, W.golden_weight(kk)).evalf() > 0
print("w*(k) = (sqrt(k^2 + 4k) - k)/2;  w*(1) =", W.golden_weight(1), "=", sp.N(W.golden_weight(1), 15))
print("optimal_real_weight() =", W.optimal_real_weight())
