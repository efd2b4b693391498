"""Table-driven: every ``predict`` example listed in issue 14 gets a value (finite, non-negative parts summing
to the total) or a clean RegimeError naming the cause, never NaN, inf, ZeroDivisionError or a hang."""

import math
import time
import warnings

import pytest

from symcollapse.spec import Chain, Problem, RegimeError, Ridge, Spectrum, Target
from symcollapse.theory.evaluate import predict

PARTS = ("bias", "variance", "collapse", "delta_bias")


def _p(spec, n, T0, T, lam, sigma0=0.0, design="independent", sigma=1.0, target=None):
    return Problem(spec, target or Target.isotropic(1), Chain(n=n, T0=T0, sigma0=sigma0, design=design),
                   Ridge(T=T, sigma=sigma, lam=lam))


PL = Spectrum.power_law
# name -> (problem, dps values to try, expected: "value" or a regex of the RegimeError)
CASES = {
    # hang: one loop step per generation before; closed form of Lemma F.8's powers now
    "long-chain d=378 beta=1+1e-7 n=174133": (_p(PL(378, 1.0000001), 174133, 28, 500, 0.1), (None,), "value"),
    "long-chain noisy d=60 n=10**6": (_p(PL(60, 1.5), 10**6, 20, 90, 0.1, sigma0=0.5), (None, 30), "value"),
    "long-chain isotropic n=10**6": (_p(Spectrum.isotropic(50), 10**6, 20, 90, 0.1, sigma0=0.5), (None, 30), "value"),
    # κ underflow: λ = 1e-200 (float refuses with a dps hint; mpmath answers)
    "lambda=1e-200 d=13": (_p(PL(13, 2.0), 1, 221, 15, 1e-200, sigma0=1.0), (30,), "value"),
    "lambda=1e-200 float": (_p(PL(13, 2.0), 1, 221, 15, 1e-200, sigma0=1.0), (None,), r"dps=30"),
    "lambda=1e-300 T=d": (_p(Spectrum.isotropic(2), 0, 1, 2, 1e-300), (None,), r"dps=30"),
    # one eigenvalue 1e-300
    "eigenvalue 1e-300": (_p(Spectrum(eigenvalues=[1.0, 0.5, 1e-300]), 2, 10, 12, 0.1, sigma0=0.5), (None, 30),
                          "value"),
    "eigenvalue 1e-300 over-param": (_p(Spectrum(eigenvalues=[1.0, 0.5, 1e-300]), 2, 2, 12, 0.1), (None, 30),
                                     r"T0 − df2\(κ0\)"),
    # negative delta_bias before (anisotropic Σ, huge λ, long shared chain)
    "delta_bias >= 0 d=496 beta=9.48": (_p(PL(496, 9.48), 270569, 493, 1543, 33061, design="shared",
                                           target=Target.source(r=0.3)), (None,), "value"),
    # ZeroDivisionError before: T0 = d − 1, T0 = 1 with d = 2
    "T0=d-1 d=1064": (_p(PL(1064, 1.3), 7, 1063, 2882182, 0.094), (None,), "value"),
    "T0=d-1 noisy finite": (_p(Spectrum.isotropic(40), 3, 39, 80, 0.1, sigma0=0.5), (None,), "value"),
    "T0=1 d=2": (_p(PL(2, 1.5), 3, 1, 10, 0.1, sigma0=0.5), (None, 30), "value"),
    "T0=1 d=2 isotropic": (_p(Spectrum.isotropic(2), 3, 1, 10, 0.1, sigma0=0.5), (None, 30), "value"),
    "T0=d sigma0>0": (_p(PL(40, 1.5), 3, 40, 120, 0.1, sigma0=0.5), (None,), r"T0 > d"),
    "T0=d+1 lam=0 sigma0>0": (_p(PL(40, 1.5), 3, 41, 120, 0, sigma0=0.5), (None,), r"T0 >= d \+ 2"),
    "T=d lam=0": (_p(PL(40, 1.5), 3, 80, 40, 0), (None,), r"\|T − d\| <= 1"),
    # σ = 1e-300: the float path never returns an underflowed 0.0
    "sigma=1e-300 only noise": (_p(Spectrum.isotropic(2), 0, 10, 10, 0, sigma=1e-300), (None,), r"underflows"),
    "sigma=1e-300 with collapse": (_p(Spectrum.isotropic(2), 1, 10, 10, 0, sigma=1e-300, sigma0=1.0,
                                      design="shared"), (None, 30), "value"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_listed_example(name):
    p, dpss, expected = CASES[name]
    for dps in dpss:
        t = time.perf_counter()
        if expected != "value":
            with pytest.raises(RegimeError, match=expected):
                predict(p, dps=dps)
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            r = predict(p, dps=dps)
        parts = [getattr(r, q) for q in PARTS]
        assert all(math.isfinite(float(v)) and v >= 0 for v in parts), parts
        assert math.isfinite(float(r.total)) and r.total > 0
        assert abs(float(sum(parts) - r.total)) <= 1e-12 * float(r.total)
        if dps is None:
            assert time.perf_counter() - t < 10  # bounded in n (was hours)


def test_closed_form_matches_the_loop():
    """The closed form of Φ^s (terms._closed) against the step-by-step loop, float and mpmath."""
    import symcollapse.theory.terms._closed as C
    from symcollapse.theory.terms.overparam import LemmaF8

    probs = [_p(PL(30, 1.5), 40, 12, 50, 0.1, sigma0=0.3), _p(PL(30, 1.5), 40, 12, 50, 0),
             _p(Spectrum(eigenvalues=[3.0, 1.0, 1.0, 0.2, 0.2, 0.2]), 30, 3, 10, 0.5, sigma0=0.3, design="shared")]
    saved = dict(LemmaF8.LOOP_STEPS), C.closed_is_cheaper
    for p in probs:
        loop = predict(p), predict(p, dps=30)
        try:
            LemmaF8.LOOP_STEPS = {k: -1 for k in saved[0]}
            C.closed_is_cheaper = lambda *a: True
            closed = predict(p), predict(p, dps=30)
        finally:
            LemmaF8.LOOP_STEPS, C.closed_is_cheaper = saved
        for q in (*PARTS, "total", "rho"):
            a, b = getattr(loop[0], q), getattr(closed[0], q)
            assert a == pytest.approx(b, rel=1e-12, abs=1e-300), q
            a, b = getattr(loop[1], q), getattr(closed[1], q)
            assert abs(a - b) <= 1e-25 * abs(a) + 1e-300, q


def test_a_part_below_float64_range_is_said_not_silent():
    """σ = 1e-200: the variance σ²·df2/(T − df2) is ~1e-400, 0.0 in float64; the total is representable.
    predict must say so (PrecisionWarning), and the mpmath path gives the part itself."""
    import warnings

    from symcollapse.spec import preset
    from symcollapse.theory.predict import PrecisionWarning, predict

    p = preset("fig1a").replace(n=1, sigma="1e-200")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pr = predict(p)
    assert pr.variance == 0.0 and pr.total > 0
    assert any(issubclass(w.category, PrecisionWarning) and "variance" in str(w.message) for w in caught)
    assert predict(p, dps=30).variance > 0
    with warnings.catch_warnings():
        warnings.simplefilter("error", PrecisionWarning)
        predict(preset("fig1a").replace(n=1, sigma="0.1"))  # representable parts: no warning
