# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Accumulate: the chain error in closed form (package derivation)
#
# Workflow (Gerstgrasser et al., arXiv 2404.01413): generation $k$ is the OLS fit on all blocks $1..k$;
# block 1 is real (labels from $w_0$), block $j$ is labelled by $\hat w_{j-1}$; each block has $T_0$ rows and
# noise $\sigma_0$. We derive, for $T_0 \ge d + 2$ and any $\Sigma$,
#
# $$\mathbb E\|\hat w_n - w_0\|_\Sigma^2 = \sigma_0^2 d\sum_{k\le n}\frac{1}{k(kT_0-d-1)}\ \text{(independent)},\qquad
#   \frac{\sigma_0^2 d}{T_0-d-1}\sum_{k\le n}\frac1{k^2}\ \text{(shared)},$$
#
# their closed forms in $n$ (digamma / trigamma), the limits and the $\pi^2/6$ bound, and assert equality with
# `symcollapse.theory._workflows`. Run: `python derivations/accumulate.py`.

# %%
import sys
from pathlib import Path

import sympy as sp

try:  # run from a checkout without installing the package
    import symcollapse  # noqa: F401
except ImportError:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from symcollapse.theory import _workflows as W
from symcollapse.theory.symbols import T0, d, n, sigma0

k = W.k_sym

# %% [markdown]
# ## 1. The recursion
# Normal equations of the stacked fit: $S_k\hat w_k = \sum_{j\le k}X_j^\top(X_j\hat w_{j-1} + \varepsilon_j)$ with
# $S_k = \sum_{j\le k}X_j^\top X_j$. The first $k-1$ blocks' part is $S_{k-1}\hat w_{k-1}$ (the normal equations of
# generation $k-1$), so $S_k\hat w_k = S_k\hat w_{k-1} + X_k^\top\varepsilon_k$: **$e_k = e_{k-1} + S_k^{-1}X_k^\top\varepsilon_k$**.
# Shared design ($X_j \equiv X$, $S_k = kX^\top X$): $e_k = e_{k-1} + \eta_k/k$, $\eta_k = (X^\top X)^{-1}X^\top\varepsilon_k$.
# Check the shared case literally: with scalar stand-ins for the (linear) noise images, the stacked fit is
# the average $\hat w_k = \frac1k\sum_{j\le k}(\hat w_{j-1} + \eta_j)$.

# %%
eta = sp.symbols("eta1:9")
e = [sp.Integer(0)]  # e_0 = 0
for kk in range(1, 9):
    e.append(sp.expand(sum(e[j - 1] + eta[j - 1] for j in range(1, kk + 1)) / kk))
for kk in range(1, 9):
    assert sp.expand(e[kk] - sum(eta[j - 1] / j for j in range(1, kk + 1))) == 0
print("shared design: e_n = sum_k eta_k / k  (n <= 8)")

# %% [markdown]
# ## 2. Second moments
# The increments are centred given everything before (fresh $\varepsilon_k$), so the errors add. Independent
# designs: $\mathbb E[S_k^{-1}X_k^\top X_kS_k^{-1}] = \frac1k\mathbb E[S_k^{-1}\sum_jX_j^\top X_jS_k^{-1}] = \frac1k\mathbb ES_k^{-1}$ by
# exchangeability of the $k$ blocks, and $S_k \sim \mathrm{Wishart}(\Sigma, kT_0)$ has
# $\mathbb ES_k^{-1} = \Sigma^{-1}/(kT_0 - d - 1)$ (Lemma F.3). So $\mathbb E\|e_n\|_\Sigma^2 = \sigma_0^2\sum_k\mathrm{tr}(\Sigma\Sigma^{-1})/(k(kT_0-d-1))$.
# Shared: $\mathbb E\|\eta_k\|_\Sigma^2 = \sigma_0^2 d/(T_0-d-1)$ and the $\eta_k$ are uncorrelated.

# %%
err_ind = sigma0**2 * d * sp.Sum(1 / (k * (k * T0 - d - 1)), (k, 1, n))
err_sh = sigma0**2 * d / (T0 - d - 1) * sp.Sum(1 / k**2, (k, 1, n))
assert sp.simplify(err_ind - W.accumulate_error_expr("independent", closed=False)) == 0
assert sp.simplify(err_sh - W.accumulate_error_expr("shared", closed=False)) == 0

# %% [markdown]
# ## 3. Closed forms in $n$
# Partial fractions with $x = (d+1)/T_0$: $\frac{1}{k(kT_0-d-1)} = \frac{1}{d+1}\big(\frac{1}{k-x} - \frac1k\big)$, and
# $\sum_{k\le n}\frac1{k-x} = \psi(n+1-x) - \psi(1-x)$, $H_n = \psi(n+1) - \psi(1)$, $H_n^{(2)} = \pi^2/6 - \psi_1(n+1)$.

# %%
x = (d + 1) / T0
pf = sp.apart(1 / (k * (k * T0 - d - 1)), k)
assert sp.simplify(pf - (1 / (k - x) - 1 / k) / (d + 1)) == 0
closed_ind = (sp.polygamma(0, n + 1 - x) - sp.polygamma(0, 1 - x) - sp.polygamma(0, n + 1) + sp.polygamma(0, 1)) / (d + 1)
assert sp.simplify(closed_ind - W.accumulate_sum_closed("independent")) == 0
closed_sh = sp.pi**2 / 6 - sp.polygamma(1, n + 1)
assert sp.simplify(closed_sh - W.accumulate_sum_closed("shared")) == 0
assert sp.simplify(sp.expand_func(sp.harmonic(n, 2).rewrite(sp.polygamma) - closed_sh)) == 0
for nn in range(1, 7):  # the closed forms reproduce the sums exactly (symbolic T0, d)
    assert sp.simplify(sp.expand_func(closed_ind.subs(n, nn)) - sum(pf.subs(k, kk) for kk in range(1, nn + 1))) == 0
print("closed forms: independent via digamma, shared via trigamma")

# %% [markdown]
# ## 4. Limits and the $\pi^2/6$ bound
# $\psi(n+1-x) - \psi(n+1) \to 0$, so $s_\infty = (-\gamma - \psi(1-x))/(d+1)$; $\psi_1(n+1) \to 0$. Since
# $kT_0 - d - 1 - k(T_0 - d - 1) = (k-1)(d+1) \ge 0$, every independent term is at most the shared one: both
# chains stay below $\frac{\pi^2}{6}\sigma_0^2 d/(T_0-d-1)$ for every $n$.

# %%
lim_ind = sigma0**2 * d * (-sp.EulerGamma - sp.polygamma(0, 1 - x)) / (d + 1)
assert sp.simplify(lim_ind - W.accumulate_limit_expr("independent")) == 0
assert sp.expand(k * T0 - d - 1 - k * (T0 - d - 1) - (k - 1) * (d + 1)) == 0
val = sp.N(lim_ind.subs({d: 10, T0: 30, sigma0: 1}) / sp.Rational(10, 19), 30)
pkg = W.accumulate_limit(10, 30, 1.0, "independent", dps=30) / (sp.Rational(10, 19))
assert abs(float(val) - float(pkg)) < 1e-14 and abs(float(val) - 1.4637841818) < 1e-9
print("limit / c at d = 10, T0 = 30:", sp.N(val, 12), "(< pi^2/6 =", sp.N(sp.pi**2 / 6, 6), ")")

# %% [markdown]
# ## 5. $T_0 < d$ (package derivation)
# The stacked row spaces are nested and $\hat w_{k-1}$ lies in the row space of blocks $1..k-1$, so the
# minimum-norm fit keeps it: $\hat w_k = \hat w_{k-1} + S_k^\dagger X_k^\top\varepsilon_k$ and, noiselessly,
# $\hat w_n = P_1w_0$ for every $n$ (the bias freezes at generation 1). By the same exchangeability,
# $\mathbb E\|S_k^\dagger X_k^\top\varepsilon_k\|_\Sigma^2 = \sigma_0^2 V(kT_0)/k$, $V(m) = \mathbb E\,\mathrm{tr}\,\Sigma(X^\top X)^\dagger$ on $m$ rows,
# $= d/(m-d-1)$ for $m \ge d+2$ and, for $\Sigma = sI$, $m/(d-m-1)$ for $m \le d-2$ (inverse Wishart of $XX^\top$);
# the bias is $(1-T_0/d)\|w_0\|_\Sigma^2$ for $\Sigma = sI$ ($\mathbb EP_1 = (T_0/d)I$). Shared: $\sigma_0^2V(T_0)H_n^{(2)}$.

# %%
dd, t0, nn_ = 20, 6, 5
V = lambda m: sp.Rational(m, dd - m - 1) if m < dd else sp.Rational(dd, m - dd - 1)  # noqa: E731
hand = (1 - sp.Rational(t0, dd)) + sp.Rational(1, 4) * sum(V(kk * t0) / kk for kk in range(1, nn_ + 1))
import numpy as np  # noqa: E402

pkgv = W.accumulate_chain_error(dd, t0, nn_, 0.5, "independent", np.ones(dd), np.ones(dd) / np.sqrt(dd)).value
assert abs(float(hand) - pkgv) < 1e-13
print("T0 < d, Sigma = I: matches the package:", float(hand))
