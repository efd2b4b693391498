"""``optimal_lambda``: minimiser of the deterministic-equivalent error; its exponent along T is −ℓ⋆ / −ℓ_crit."""

import math

import mpmath
import numpy as np
import pytest

from symcollapse.spec import Chain, Problem, RegimeError, Ridge, SpecError, Spectrum, Target
from symcollapse.theory._infinite import problem_error
from symcollapse.theory.evaluate import predict
from symcollapse.theory.optimal import OptimalLambda, optimal_lambda
from symcollapse.theory.scaling import scaling_law


def small():
    return Problem(Spectrum.power_law(40, 2), Target.source("0.375"), Chain(n=1, T0=100, sigma0=1),
                   Ridge(T=60, sigma=1, lam="1e-3"))


def test_float_optimum_is_a_local_minimum():
    p = small()
    res = optimal_lambda(p, full=True)
    assert isinstance(res, OptimalLambda) and res.dps is None
    e0 = predict(p.replace(lam=res.lam)).total
    assert e0 == pytest.approx(res.error, rel=1e-14)
    for f in (0.99, 1.01, 0.9, 1.1):
        assert predict(p.replace(lam=res.lam * f)).total > e0
    assert optimal_lambda(p) == res.lam


def test_mpmath_optimum_to_30_digits():
    p = small()
    res = optimal_lambda(p, dps=30, full=True)
    assert res.digits >= 28
    flt = optimal_lambda(p)
    assert float(res.lam) == pytest.approx(flt, rel=1e-6)  # float path: ~sqrt(eps)
    with mpmath.workdps(40):
        # stationarity: dE/dlog(lam) vanishes at the optimum to ~30 digits (relative to E)
        def E(u):
            return predict(p.replace(lam=mpmath.nstr(mpmath.exp(u), 45)), dps=40).total

        g = mpmath.diff(E, mpmath.log(res.lam))
        assert abs(g) < mpmath.mpf(10) ** -25 * res.error


def test_edge_of_interval_raises_and_bad_input():
    # clean noiseless: the error decreases all the way to lam -> 0
    p = small().replace(n=0, sigma=0)
    with pytest.raises(RegimeError, match="edge"):
        optimal_lambda(p)
    with pytest.raises(SpecError):
        optimal_lambda(small(), dps=0)
    with pytest.raises(SpecError):
        optimal_lambda(small(), bounds=(1, 0.1))
    with pytest.raises(SpecError):
        optimal_lambda("not a problem")


def fitted_slopes(Ts, make, **kw):
    lams = [optimal_lambda(make(T), **kw) for T in Ts]
    return np.diff(np.log(lams)) / np.diff(np.log(Ts))


def cor52_path(T, b=1.0, beta=2, r="0.375"):
    """sigma = 0, n sigma0^2 = 1 (a = 0), T0 = 2 T^b, d = T0/2 (phi0 = 1/2)."""
    T0 = int(round(2 * T**b))
    return Problem(Spectrum.power_law(T0 // 2, beta), Target.source(r), Chain(n=1, T0=T0, sigma0=1),
                   Ridge(T=T, sigma=0, lam="1e-3"))


def test_optimal_lambda_slope_approaches_minus_ell_star():
    """Cor 5.2 (Eq. 28): lam* ≍ T^-ell_star with ell_star = (b - a) ell_crit = 0.8 for (2, 3/8), b = 1."""
    ell_star = float(scaling_law(2, "0.375", a=0, b=1, noise="noiseless").ell_star)
    Ts = [100, 316, 1000, 3162, 10000]
    err = np.abs(fitted_slopes(Ts, cor52_path) + ell_star)
    assert np.all(np.diff(err) < 0), err
    assert err[-1] < 0.02, err


def test_optimal_lambda_slope_clean_noisy_is_minus_ell_crit():
    """Cui et al.: clean data with sigma = 1, lam* ≍ T^-ell_crit."""
    ell_crit = float(scaling_law(2, "0.375").ell_crit)

    def clean(T):
        return Problem(Spectrum.power_law(20 * T, 2), Target.source("0.375"), Chain(n=0, T0=1),
                       Ridge(T=T, sigma=1, lam="1e-3"))

    err = np.abs(fitted_slopes([100, 1000, 10000], clean) + ell_crit)
    assert np.all(np.diff(err) < 0) and err[-1] < 0.02, err


@pytest.mark.slow
@pytest.mark.parametrize("beta, r", [("1.65", "0.097"), ("1.2", "0.15")])
def test_kernel_values_at_large_T_with_the_euler_maclaurin_objective(beta, r):
    """d = 1e15 (effectively infinite), T up to 1e10: only the Euler–Maclaurin evaluator can do this."""
    ell_crit = float(scaling_law(beta, r).ell_crit)

    def clean(T):
        return Problem(Spectrum.power_law(10**15, beta), Target.source(r), Chain(n=0, T0=1),
                       Ridge(T=T, sigma=1, lam="1e-3"))

    Ts = [10**4, 10**7, 10**10]
    lams = [optimal_lambda(clean(T), objective=problem_error,
                           bounds=(T ** -ell_crit / 30, T ** -ell_crit * 30)) for T in Ts]
    err = np.abs(np.diff(np.log(lams)) / np.diff(np.log(Ts)) + ell_crit)
    assert np.all(np.diff(err) < 0) and err[-1] < 0.02, err
    assert math.isfinite(lams[-1])
