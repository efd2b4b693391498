"""The rigorous Euler–Maclaurin remainder bound of ``_infinite`` (docs/theory/results.md, "High precision at large d").

Every check is against a direct sum of all d terms at 25 digits above the working precision, so the measured
remainder :math:`R_K` = direct − (Euler–Maclaurin with K terms) is exact to far below the bounds compared.
"""

import functools

import mpmath
import pytest

from symcollapse.spec import RegimeError, Spectrum, Target, preset
from symcollapse.theory import _infinite as inf_
from symcollapse.theory import _precision, _spectral
from symcollapse.theory.evaluate import predict

# (s, m, t, beta): f(x) = x^q (1 + t x^beta)^-m, q = beta m - s. The first is nearly a pure power with a
# branch point at 0 (the bound is tightest there); beta = 6 and 8 are beyond the old beta <= 4 limit.
CASES = [
    ("1.5", 1, "1e-30", "0.5"),
    (2, 1, "1e-3", 2),
    ("3.1", 2, "0.5", "1.37"),
    (6, 1, "0.01", 6),
    (7, 2, "1e-4", 8),
]
N = 20  # a short head, so that R_K is large enough to measure for many K


@functools.cache
def _direct(case, d, dps):
    s, m, t, beta = (mpmath.mpf(x) for x in case)
    with mpmath.workdps(dps):
        q = beta * m - s
        return mpmath.fsum(inf_._f(mpmath.mpf(j), q, beta, t, m) for j in range(1, d + 1))


def _check_bound(case, d, dps):
    with mpmath.workdps(dps + 25):
        direct = _direct(case, d, dps + 25)
        floor = mpmath.mpf(10) ** -(dps + 15) * direct  # the measured R_K is exact far below this
        measured = 0
        for K, em in enumerate(inf_.euler_maclaurin(*case, d, N, 30, partial=True), start=1):
            R = abs(direct - em)
            bound = inf_.remainder_bound(*case, N, K)
            assert R <= bound + floor, (case, d, dps, K, R, bound)
            measured += R > floor
    assert measured >= 3  # the comparison is not vacuous


@pytest.mark.parametrize("dps", [30, 50])
@pytest.mark.parametrize("case", CASES, ids=[f"beta{c[3]}" for c in CASES])
def test_bound_exceeds_remainder_d1e4(case, dps):
    _check_bound(case, 10_000, dps)


@pytest.mark.slow
@pytest.mark.parametrize("dps", [30, 50])
@pytest.mark.parametrize("case", CASES, ids=[f"beta{c[3]}" for c in CASES])
def test_bound_exceeds_remainder_d1e5(case, dps):
    _check_bound(case, 100_000, dps)


def test_bound_is_not_loose_by_orders_of_magnitude():
    # near a pure power the Cauchy estimate is close to the truth: the bound is within 1e6 of |R_K| (a mutation
    # that shrinks it, e.g. 2 pi -> 3 pi, then falls below |R_K| and fails the tests above)
    case, d = CASES[0], 10_000
    with mpmath.workdps(55):
        direct = _direct(case, d, 55)
        for K in (6, 10, 14):
            R = abs(direct - inf_.euler_maclaurin(*case, d, N, K))
            assert inf_.remainder_bound(*case, N, K) <= 10**6 * R


@pytest.mark.parametrize("dps", [30, 50])
@pytest.mark.parametrize("case", CASES, ids=[f"beta{c[3]}" for c in CASES])
def test_spectral_sum_within_its_certified_bound(case, dps):
    d = 10_000
    direct = _direct(case, d, dps + 25)
    with mpmath.workdps(dps):
        acc = [mpmath.mpf(0), mpmath.mp.prec]
        token = _precision._TRUNCATION.set(acc)
        try:
            got = inf_.spectral_sum(*case, d, N=inf_.head_length(dps))
        finally:
            _precision._TRUNCATION.reset(token)
        assert 0 < acc[0] <= mpmath.mpf(10) ** -(dps + inf_._GUARD)  # the bound was reported, and met
        assert abs(got - direct) <= mpmath.mpf(10) ** (2 - dps) * direct


def test_stopping_rule_is_the_bound(monkeypatch):
    """K is the smallest K whose bound meets the tolerance, and can exceed where the terms alone look small."""
    seen = []
    orig = inf_._plan

    def spy(*args):
        out = orig(*args)
        seen.append((args, out))
        return out

    monkeypatch.setattr(inf_, "_plan", spy)
    s, m, t, beta, d, dps = 0, 2, "1e-3", 2, 10**6, 50
    with mpmath.workdps(dps):
        n_head = inf_.head_length(dps)
        value = inf_.spectral_sum(s, m, t, beta, d, N=n_head)
        ((args, (K, KX, bound)),) = seen
        tol = mpmath.mpf(10) ** -(dps + inf_._GUARD) * abs(value)
        assert inf_.remainder_bound(s, m, t, beta, n_head, K) <= tol / 2 * (1 + mpmath.mpf(10) ** -6)
        assert inf_.remainder_bound(s, m, t, beta, n_head, K - 1) > tol / 2 * (1 - mpmath.mpf(10) ** -6)
        assert bound <= tol and 0 <= KX <= K
        # the old heuristic stopped at the first Bernoulli term below tol: here that is well before K
        a = inf_._taylor(mpmath.mpf(n_head), 2 * mpmath.mpf(beta) - s, beta, mpmath.mpf(t), m, 2 * K - 1)
        first_small = next(
            k for k in range(1, K + 1) if abs(mpmath.bernoulli(2 * k) / (2 * k) * a[2 * k - 1]) <= tol
        )
        assert first_small < K


def test_no_K_meets_the_bound_raises(monkeypatch):
    monkeypatch.setattr(inf_, "_KMAX", 3)
    monkeypatch.setattr(inf_, "_N_CAP", 400)
    with mpmath.workdps(50), pytest.raises(inf_.TailBoundError, match=r"dps = 50, beta = 2"):
        inf_.spectral_sum(2, 1, "1e-3", 2, 10**6, N=100)


def test_predict_falls_back_or_raises_when_the_bound_fails(monkeypatch):
    monkeypatch.setattr(inf_, "_KMAX", 2)
    monkeypatch.setattr(inf_, "_N_CAP", 400)
    big = preset("fig1b", n=2).replace(
        spectrum=Spectrum.power_law(200_000, 2), target=Target.source(0.375), T0=400_000, T=100_000
    )
    assert _spectral.power_tail(big) is not None
    with pytest.raises(RegimeError, match=r"d = 200000.*beta = 2.*dps"):
        predict(big, dps=30)
    calls = []
    orig = _spectral.tail_fallback
    monkeypatch.setattr(_spectral, "tail_fallback", lambda p, err: calls.append(err) or orig(p, err))
    small = big.replace(spectrum=Spectrum.power_law(6000, 2), T0=12000, T=3000)
    got = predict(small, dps=30)  # the tail failed; the direct sums over 6000 eigenvalues answered
    assert len(calls) == 1 and isinstance(calls[0], inf_.TailBoundError) and got.digits >= 28


def test_large_beta_uses_the_tail():
    p = preset("fig1b", n=2).replace(
        spectrum=Spectrum.power_law(10**6, 8), target=Target.source(0.375), T0=2 * 10**6, T=10**5
    )
    assert _spectral.power_tail(p) is not None


def test_certify_counts_truncation_bounds():
    def fn(rel, low=False):
        def run():
            if low:
                with mpmath.workdps(10):
                    _precision.note_truncation(rel)  # a starting point: not counted
            else:
                _precision.note_truncation(rel)
            return {"x": mpmath.mpf(1) / 3}

        return run

    assert _precision.certify(fn(mpmath.mpf("3e-20")), 40)[1] == 19  # floor(-log10(discrepancy + 3e-20))
    assert _precision.certify(fn(mpmath.mpf("1e-20"), low=True), 40)[1] == 40
    assert _precision.certify(fn(mpmath.mpf(0)), 40)[1] == 40
