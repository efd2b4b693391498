# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # A mixture downstream of an accumulate or mix chain: the chain's covariance scale $v$
#
# The ridge sees $T_{real} = \lfloor pT\rceil$ rows labelled by $w_0$ and the rest by the chain's output
# $\hat w_n = w_0 + \Delta$. derivations/strong_mixture.py shows that for *any* source with $\mathbb E\Delta = 0$ and
# $\mathbb E\Delta\Delta^\top = v\Sigma^{-1}$, independent of the downstream rows, the error is
#
# $$E \simeq \mathrm{Bias} + \mathrm{Var} + v\Big[p_2^2\mathrm{df}_2 + \big(p_2^2\kappa^2\mathrm{tr}(\Sigma+\kappa)^{-2} + pp_2d\big)\frac{\mathrm{df}_2}{T-\mathrm{df}_2}\Big]$$
#
# (`mixture_chain_expr`). Here (package derivation) we derive $v$ for the accumulate and mix chains
# ($T_0 \ge d+2$, OLS fits), and assert equality with `symcollapse.theory._workflows.chain_cov_scale` and with
# `predict`:
#
# * accumulate, independent designs: $v = \sigma_0^2\sum_{k\le n}\frac{1}{k(kT_0-d-1)} = \frac{n_{\rm eff}\sigma_0^2}{T_0-d-1}$;
# * accumulate, shared design: $v = \sigma_0^2H^{(2)}_n/(T_0-d-1)$;
# * mix: $v = a_n/d$, $a_n$ the exact recursion of derivations/mix_golden.py.
#
# Run: `python derivations/chain_mixture.py`.

# %%
import sys
from fractions import Fraction
from pathlib import Path

import mpmath
import sympy as sp

try:  # run from a checkout without installing the package
    import symcollapse  # noqa: F401
except ImportError:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import symcollapse as sc
from symcollapse.theory import _workflows as W
from symcollapse.theory import formulas as F
from symcollapse.theory import symbols as S

# %% [markdown]
# ## 1. Accumulate, independent designs
# Generation $k$ solves the stacked normal equations $S_k\hat w_k = \sum_{j\le k}X_j^\top y_j$ with
# $S_k = \sum_{j\le k}X_j^\top X_j$; the first $k-1$ blocks' equations are those of $\hat w_{k-1}$, so
# $\Delta_k = \Delta_{k-1} + S_k^{-1}X_k^\top\varepsilon_k$ and $\Delta_n = \sum_k S_k^{-1}X_k^\top\varepsilon_k$ (mean 0).
# The noises are independent, so the cross terms vanish and
# $\mathbb E\Delta_n\Delta_n^\top = \sigma_0^2\sum_k\mathbb E[S_k^{-1}X_k^\top X_kS_k^{-1}]$. The $k$ blocks of $S_k$ are
# exchangeable, so $\mathbb E[S_k^{-1}X_k^\top X_kS_k^{-1}] = \frac1k\mathbb E[S_k^{-1}S_kS_k^{-1}] = \frac1k\mathbb E S_k^{-1}$, and
# $S_k \sim \mathrm{Wishart}(\Sigma, kT_0)$ gives $\mathbb E S_k^{-1} = \Sigma^{-1}/(kT_0-d-1)$ (Lemma F.3). Hence
# $v = \sigma_0^2\sum_k\frac{1}{k(kT_0-d-1)}$, i.e. $n_{\rm eff}\sigma_0^2/(T_0-d-1)$ with $n_{\rm eff}$ of the accumulate
# chain (derivations/accumulate.py).
#
# ## 2. Accumulate, shared design
# $S_k = kX^\top X$, so $\Delta_n = (X^\top X)^{-1}X^\top\sum_k\varepsilon_k/k$ and
# $v = \sigma_0^2H_n^{(2)}/(T_0-d-1)$.

# %%
k = W.k_sym
for design in ("independent", "shared"):
    for d, T0, n in ((3, 9, 1), (5, 12, 4), (10, 30, 7), (20, 23, 3)):
        term = 1 / (k * (k * T0 - d - 1)) if design == "independent" else sp.Rational(1, T0 - d - 1) / k**2
        v_exact = sp.Rational(9, 16) * sp.summation(term, (k, 1, n))  # σ0 = 3/4
        with mpmath.workdps(50):
            got = W.chain_cov_scale("accumulate", d, T0, n, 0.75, design, dps=50)
            assert abs(got - mpmath.mpf(sp.N(v_exact, 60))) < mpmath.mpf(10) ** -45, (design, d, T0, n)
        # and it is the replace chain's v with n -> n_eff (the closed form in n)
        n_eff = W.accumulate_n_eff_expr(design).subs({S.n: n, S.T0: T0, S.d: d})
        assert abs(sp.N(n_eff * sp.Rational(9, 16) / (T0 - d - 1) - v_exact, 50)) < 1e-45
print("accumulate: v = sigma0^2 sum 1/(k(kT0-d-1)) (independent), sigma0^2 H_n/(T0-d-1) (shared): OK")

# %% [markdown]
# ## 3. Mix
# $e_k = (1-w)e_{k-1} + X_k^\dagger\nu_k$ with $\nu_1 \sim N(0, \sigma_0^2I)$, $\nu_k \sim N(0, (w^2+(1-w)^2)\sigma_0^2I)$,
# so $e_n = \sum_k(1-w)^{n-k}X_k^\dagger\nu_k$ (for a shared design, $X^\dagger\sum_k(1-w)^{n-k}\nu_k$). The noises are
# independent, hence $\mathbb E e_ne_n^\top = \sigma_0^2\sum_k(1-w)^{2(n-k)}q_k\,\Sigma^{-1}/(T_0-d-1)$: a multiple
# of $\Sigma^{-1}$ whose $\Sigma$-trace is $a_n$, so $v = a_n/d$.

# %%
w = sp.Symbol("w", positive=True)
c = sp.Symbol("c", positive=True)
for n in range(1, 7):
    direct = (
        sum((1 - w) ** (2 * (n - kk)) * (1 if kk == 1 else w**2 + (1 - w) ** 2) for kk in range(1, n + 1)) * c
    )
    assert sp.simplify(direct - W.mix_recursion(n, w)) == 0
    assert sp.simplify(direct - W.mix_error_expr(n, w).xreplace({sp.Symbol("c", positive=True): c})) == 0
for d, T0, n, wt in ((4, 10, 3, sp.Rational(1, 2)), (10, 25, 6, sp.Rational(3, 10))):
    cc = sp.Rational(9, 16) * sp.Rational(d, T0 - d - 1)
    v_exact = W.mix_recursion(n, wt).subs(sp.Symbol("c", positive=True), cc) / d
    assert abs(W.chain_cov_scale("mix", d, T0, n, 0.75, real_weight=float(wt)) - float(v_exact)) < 1e-14
print("mix: v = a_n/d with a_n = sum (1-w)^(2(n-k)) q_k c: OK")

# %% [markdown]
# ## 4. The downstream: `predict` is `mixture_chain_expr` with these $v$
# Spectrum $\lambda_j = j^{-2}$, $d = 3$ (so every sum is explicit), κ from `predict` (Eq. 9 has no closed form).
# At $p = 0$ the accumulate source gives Cor 4.4 (Eq. 19, finite normalisation) with $n \to n_{\rm eff}$, i.e. the
# accumulate workflow's own formula; at $\lambda = 0$, $T \ge d+2$ and $p \in \{0, 1\}$ it is exact (Thm 4.1's identity
# with $n\sigma_0^2/(T_0-d-1) \to v$, or the clean OLS error $\sigma^2d/(T-d-1)$).

# %%
D = 3
spec = sc.Spectrum(eigenvalues=[Fraction(1), Fraction(1, 4), Fraction(1, 9)])
tgt = sc.Target(coefficients=[Fraction(1, 2), Fraction(-1, 3), Fraction(1, 5)])


def concrete(expr, kap):
    rep = {S.ev[i + 1]: sp.Rational(1, (i + 1) ** 2) for i in range(D)}
    rep.update(
        {S.c[i + 1]: v for i, v in enumerate((sp.Rational(1, 2), sp.Rational(-1, 3), sp.Rational(1, 5)))}
    )
    return expr.subs(S.d, D).doit().xreplace(rep).subs(S.kappa, kap)


for wf, extra in (
    ("accumulate", dict(design="independent")),
    ("accumulate", dict(design="shared")),
    ("mix", dict(real_weight=0.5)),
):
    chain = sc.Chain(n=4, T0=12, sigma0=0.75, workflow=wf, **extra)
    for rf, T, lam in ((0.4, 20, 0.05), (0.0, 20, 0.05), (0.5, 9, 0.0)):
        p = sc.Problem(spec, tgt, chain, sc.Ridge(T=T, sigma=0.3, lam=lam, real_fraction=rf))
        pred = sc.predict(p, dps=40)
        v = W.chain_cov_scale(
            wf, D, 12, 4, 0.75, extra.get("design", "independent"), extra.get("real_weight")
        )
        Tr = int(rf * T + 0.5)
        pr = sp.Rational(Tr, T)
        if lam == 0 and T >= D + 2:
            # λ = 0, T >= d + 2: κ = 0 and the package uses the exact finite-sample g = d/(T − d − 1) of Thm 4.1
            # (E tr (XᵀX)⁻¹Σ) in place of the equivalent's df2/(T − df2) = d/(T − d)
            g = sp.Rational(D, T - D - 1)
            val = sp.Float(0.09) * g + v * ((1 - pr) ** 2 * D + pr * (1 - pr) * D * g)
        else:
            expr = W.mixture_chain_expr().subs({W.v_sym: v, W.p_sym: pr, S.T: T, S.sigma: 0.3})
            val = concrete(expr, sp.Float(mpmath.nstr(pred.kappa, 40), 40))
        assert abs(float(val) - float(pred.total)) < 1e-12 * float(pred.total), (wf, extra, rf, T, lam)
        if rf == 0 and wf == "accumulate":
            n_eff = W.accumulate_n_eff(D, 12, 4, extra["design"])
            own = F.bias_prop42() + F.variance_prop42() + n_eff * S.sigma0**2 * F.rho_eq19("finite")
            own = concrete(
                own.subs({S.T: T, S.sigma: 0.3, S.sigma0: 0.75, S.T0: 12, S.lam: lam}),
                sp.Float(mpmath.nstr(pred.kappa, 40), 40),
            )
            assert abs(float(own) - float(pred.total)) < 1e-12 * float(pred.total)
# exact cases: λ = 0, T >= d + 2, realised T_real ∈ {0, T}
for wf, extra in (("accumulate", dict(design="shared")), ("mix", dict(real_weight=0.5))):
    for rf in (1, 0.01):
        p = sc.Problem(
            spec,
            tgt,
            sc.Chain(n=4, T0=12, sigma0=Fraction(3, 4), workflow=wf, **extra),
            sc.Ridge(T=20, sigma=Fraction(3, 10), lam=0, real_fraction=rf),
        )
        f = sc.formula(p)
        v = W.chain_cov_scale(
            wf, D, 12, 4, 0.75, extra.get("design", "independent"), extra.get("real_weight")
        )
        want = sp.Rational(9, 100) * sp.Rational(D, 20 - D - 1) + (0 if rf == 1 else v * D)
        assert isinstance(f, sp.Rational) and abs(float(f) - float(want)) < 1e-14
        assert sc.predict(p).kind == "exact"
print(
    "predict = mixture_chain_expr with the chain's v (and Cor 4.4 with n_eff at p = 0; exact at p in {0,1}): OK"
)
