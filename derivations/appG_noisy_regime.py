# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Appendix G: the noisy regime with fake data
#
# Fix $\sigma^2 = \Theta(1)$, $\phi_0 \in (0,1)$, $n\sigma_0^2 \asymp T^a$, $T_0 \asymp T^b$. The paper (App. G):
#
# * for $0 \le \ell \le \ell_{crit}$: $E_{test} \asymp T^{-2\ell\underline r} + T^{-(b-a-\ell/\beta)}$, minimised at
#   $\ell = \min(\ell_\star, \ell_{crit})$;
# * for $\ell \ge \ell_{crit}$: $E_{test} \asymp T^{-(\gamma-\ell/\beta)}$, $\gamma = \min(1, b-a)$, best at $\ell_{crit}$:
#   $T^{-(\gamma - 1/(2\beta\underline r+1))}$, which $\to 0$ only if $b > a + 1/(2\beta\underline r+1)$.
#
# Below, each statement is derived from the orders of Bias, Var and $n\sigma_0^2\rho$ (see
# `thm51_collapsed_scaling.py`) and compared with `scaling_law`.
# Run: `python derivations/appG_noisy_regime.py`.

# %%
import random

import sympy as sp

from symcollapse.theory import symbols as S
from symcollapse.theory.scaling import argmin_ell, derive, scaling_law

beta, r, ell, a, b = S.beta, S.r, S.ell, S.a, S.b
der = derive("le", "le")  # r <= 1, b <= 1 (the r >= 1 case is the same with r -> 1)
reg = der.region
bias_e, var_e, coll_e = (der.bias.exponent(), der.variance.exponent(), der.collapse.exponent())
print("bias", bias_e, " variance", var_e, " collapse", coll_e)

# %% [markdown]
# ## 1. Below $\ell_{crit}$ the variance is dominated by the bias
# $\mathrm{bias} - \mathrm{var}$ exponent $= (1 - \ell/\beta) - 2\ell r$ vanishes at $\ell_{crit}$ and decreases in
# $\ell$, so for $\ell \le \ell_{crit}$ the error is bias + collapse, as the paper says:

# %%
ell_crit = beta / (2 * beta * r + 1)
diff = bias_e - var_e
assert sp.simplify(diff.subs(ell, ell_crit)) == 0 and reg.sign(sp.diff(diff, ell)) == -1

# %% [markdown]
# ## 2. The optimum: bias against {variance, collapse}
# The minimiser of $\max(\text{bias}, \text{var}, \text{collapse})$ is the smallest crossing of the decreasing
# bias with an increasing term, i.e. $\min(\ell_{crit}, \ell_\star)$ — and the region proves that for
# $b \le 1$ this is always $\ell_\star = (b-a)\ell_{crit}$ (since $b - a \le 1$): App. G's minimum never picks
# $\ell_{crit}$ in the setting $T \gtrsim d$.

# %%
ell_opt, rate_opt = argmin_ell([bias_e], [var_e, coll_e], reg)
ell_star, _ = argmin_ell([bias_e], [coll_e], reg)
print("App. G optimum:", ell_opt, "  Cor 5.2 ell_star:", ell_star)
assert sp.simplify(ell_opt - ell_star) == 0

# %% [markdown]
# ## 3. Above $\ell_{crit}$: $T^{-(\gamma - \ell/\beta)}$
# $\max(\text{var}, \text{collapse}) = \ell/\beta - \min(1, b - a)$ for $b \le 1$, $a \ge 0$ the region proves
# $b - a \le 1$, so $\gamma = b - a = \min(1, b-a)$. For $b > 1$ the derivation gives $\gamma = 1 - a$ instead
# of the paper's $\min(1, b - a)$ (the $\phi_0$ branch of $\rho$, see `cor52_optimal_regularization.py`).

# %%
law = scaling_law(beta, r, a=a, b=b)
print("gamma (derived):", law.gamma)
rng = random.Random(2)
for _ in range(25):
    be = sp.Rational(rng.randint(101, 400), 100)
    re = sp.Rational(rng.randint(1, 300), 100)
    bb = sp.Rational(rng.randint(1, 100), 100)
    aa = bb * sp.Rational(rng.randint(0, 99), 100)
    pt = {beta: be, r: re, a: aa, b: bb}
    rl = min(re, 1)
    gamma = min(1, bb - aa)
    assert law.gamma.subs(pt) == gamma
    l_ = be * sp.Rational(rng.randint(0, 99), 100)
    lc = be / (2 * be * rl + 1)
    # the two App. G forms, each in its range of ell
    if l_ <= lc:
        assert law.total_exponent.subs(pt).subs(ell, l_) == sp.Max(-2 * l_ * rl, -(bb - aa - l_ / be))
    else:
        assert law.total_exponent.subs(pt).subs(ell, l_) == -(gamma - l_ / be)
    # at ell_crit: -(gamma - 1/(2 beta r_ + 1)), -> 0 iff b > a + 1/(2 beta r_ + 1)
    assert law.crit_noisy_exponent.subs(pt) == -(gamma - 1 / (2 * be * rl + 1))
    assert bool(law.crit_noisy_consistent.subs(pt)) == bool(bb > aa + 1 / (2 * be * rl + 1))
    # the optimum min(ell_star, ell_crit)
    assert law.ell_noisy.subs(pt) == min((bb - aa) * lc, lc)
print("App. G statements reproduced for b <= 1")

# %% [markdown]
# ## 4. "Consistency needs $\ell \le \ell_\star$"
# From the orders, the error tends to 0 iff every exponent is negative: bias always, variance iff
# $\ell < \beta$, collapse iff $\ell < (b-a)\beta$. So $\ell \le \ell_\star = (b-a)\beta/(2\beta\underline r + 1)$ is
# sufficient, not necessary: consistency holds for every $\ell < (b - a)\beta$ (with $\ell < \beta$).

# %%
zero_at = sp.solve(sp.Eq(coll_e, 0), ell)[0]
print("collapse exponent < 0  iff  ell <", zero_at)
assert sp.simplify(zero_at - (b - a) * beta) == 0

# %% [markdown]
# ## 5. Equality with `scaling_law` at the paper's simulation values
# $(\beta, r) = (2, 3/8)$ with $a = 0$, $b = 1/2$: $\ell_{crit} = 4/5$, $\ell_\star = 2/5$.

# %%
law = scaling_law(2, "0.375", a=0, b="0.5")
assert law.ell_noisy == sp.Rational(2, 5) and law.rate_noisy == -sp.Rational(3, 10)
assert law.gamma == sp.Rational(1, 2) and law.crit_noisy_exponent == -sp.Rational(1, 10)
assert law.crit_noisy_consistent == sp.true
print(law)
