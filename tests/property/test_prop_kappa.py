"""Structure of κ(λ, T) (Eq. 9) and df_m (§4.2), float64 and mpmath paths (theory.fixed_point).

κ ≥ λ; κ strictly increasing in λ; df₂ ≤ df₁ ≤ d; df₁(κ) < T when λ > 0 (from Eq. 9); Eq. 9's residual
vanishes at 30 digits; Lemma I.2, ∂κ/∂λ = 1/(1 − df₂(κ)/T), by central finite differences at 30 digits.
"""

import mpmath
from hypothesis import given, settings
from hypothesis import strategies as st

from symcollapse.testing import log_check, problems
from symcollapse.theory.fixed_point import df, df_mp, kappa, kappa_mp

ridge_problems = problems("cor44")  # λ log-uniform in [1e-4, 10], T in [d/3, 12d], any spectrum


@given(ridge_problems, st.floats(1.001, 10.0))
def test_kappa_at_least_lambda_and_increasing(p, factor):
    lam, T, ev = float(p.downstream.lam), p.downstream.T, p.eigenvalues
    k = kappa(lam, T, ev)
    assert k >= lam
    k2 = kappa(lam * factor, T, ev)
    assert k2 > k
    for kk, ll in ((k, lam), (k2, lam * factor)):
        d1, d2 = df(1, kk, ev), df(2, kk, ev)
        assert d2 <= d1 <= p.d
        assert d1 < T  # κ − λ = κ·df1/T and κ > λ ⇒ df1 < T
        # Eq. 9 in float64 (relative residual a few ulps times the conditioning 1/(1 − df2/T))
        assert abs(kk - ll - kk * d1 / T) <= 1e-12 * kk / (1 - d2 / T)


@settings(max_examples=max(5, settings.default.max_examples // 2))
@given(problems("cor44", d=(4, 60)))
def test_lemma_I2_derivative_identity_at_30_digits(p):
    T = p.downstream.T
    with mpmath.workdps(30):
        ev = [mpmath.mpf(float(x)) for x in p.eigenvalues]  # the float64 spectrum, exactly
        lam = mpmath.mpf(float(p.downstream.lam))
        k = kappa_mp(lam, T, ev)
        d1 = df_mp(1, k, ev)
        d2 = df_mp(2, k, ev)
        assert abs(k - lam - k * d1 / T) <= mpmath.mpf(10) ** -27 * k  # Eq. 9 at 30 digits
        h = lam * mpmath.mpf(10) ** -9
        fd = (kappa_mp(lam + h, T, ev) - kappa_mp(lam - h, T, ev)) / (2 * h)
        lemma = 1 / (1 - d2 / T)
        rel = abs(fd - lemma) / lemma
        # truncation O(h²·κ''') ~ 1e-18 relative, rounding 1e-30/1e-9 = 1e-21: 1e-15 leaves a wide margin
        log_check("Lemma I.2 (finite differences, 30 digits)", None, rel < 1e-15, rel=float(rel))
        assert rel < mpmath.mpf(10) ** -15, (fd, lemma)
        # float path agrees with the 30-digit one
        assert abs(kappa(float(lam), T, p.eigenvalues) - float(k)) <= 1e-12 * float(k) * float(lemma)
