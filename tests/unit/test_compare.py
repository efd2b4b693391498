"""compare(): verdict, allowance (zero for exact results, O(1/d) for deterministic equivalents), CLI."""

import json
import math

import numpy as np
import pytest

from symcollapse.cli import main
from symcollapse.compare import (
    ALLOWANCE_CONSTANTS,
    Comparison,
    allowance,
    compare,
    finite_size_scale,
    verdict,
)
from symcollapse.spec import Chain, Problem, RegimeError, Ridge, Spectrum, Target
from symcollapse.theory.evaluate import predict
from symcollapse.theory.fixed_point import df


def _thm41():
    ev = [float(x) for x in np.linspace(0.3, 2, 6)]
    return Problem(Spectrum(eigenvalues=ev), Target.isotropic(1), Chain(n=3, T0=14, sigma0=0.7), Ridge(T=16, sigma=0.5))


def _cor44(d=40, lam=0.05):
    return Problem(Spectrum.power_law(d, beta=2), Target.isotropic(1), Chain(n=3, T0=2 * d, sigma0=0.5),
                   Ridge(T=3 * d // 2, sigma=0.5, lam=lam))


def test_exact_result_has_zero_allowance_and_agrees():
    c = compare(_thm41(), reps=20000, seed=3)
    assert isinstance(c, Comparison)
    assert c.theory.theorem == "Thm 4.1" and c.theory.kind == "exact"
    assert c.allowance == 0.0 and c.value == pytest.approx(107 / 75, rel=1e-14)
    assert c.z == pytest.approx((c.mean - c.value) / c.stderr)
    assert c.passed and abs(c.z) <= 4
    assert "Thm 4.1" in c.reason and "agrees" in c.reason
    rec = c.to_dict()
    assert rec["passed"] is True and rec["reps"] == 20000 and rec["seed"] == 3
    json.dumps(rec)  # JSON-serialisable


def test_deterministic_equivalent_uses_finite_normalisation_and_documented_allowance():
    p = _cor44()
    c = compare(p, reps=400, seed=0)
    th = predict(p, normalization="finite")
    assert c.theory.normalization == "finite" and c.value == pytest.approx(float(th.total), rel=1e-15)
    g = 1 / (p.downstream.T - df(2, float(th.kappa), p.eigenvalues))
    assert finite_size_scale(p, th) == pytest.approx(g)
    assert c.allowance == pytest.approx(ALLOWANCE_CONSTANTS["ridge"] * abs(c.value) * g)
    assert c.passed, c.reason


def test_allowance_shrinks_like_one_over_d():
    # fixed φ = 2/3, φ0 = 1/2, λ: the allowance per unit value falls like 1/d
    rel = []
    for d in (50, 100, 200, 400):
        p = Problem(Spectrum.isotropic(d), Target.isotropic(1), Chain(n=3, T0=2 * d, sigma0=0.5),
                    Ridge(T=3 * d // 2, sigma=0.5, lam=0.05))
        th = predict(p, normalization="finite")
        rel.append(allowance(p, th) / float(th.total))
    ratios = [a / b for a, b in zip(rel, rel[1:])]
    # Exactly 2, not approximately: for Σ = I, κ depends on (λ, φ) only (Eq. 10), df2(κ) = d/(1+κ)², T = 3d/2
    # exactly for even d, so allowance/value = C/(T − df2(κ)) = C/(d·(3/2 − (1+κ)^-2)) ∝ 1/d. The only
    # deviation is float64 round-off: κ to a few ulps times 1/(1 − df2/T) ≈ 2, df2 summed over d <= 400 terms
    # (<= 400 ulps ≈ 5e-14), amplified by T/(T − df2) ≈ 2 — well below 1e-12. An allowance that scaled like
    # d^-1/2 (ratio 1.41) or carried an O(1) additive term would fail.
    assert all(r == pytest.approx(2.0, rel=1e-12) for r in ratios), ratios


def _v(v):
    return v.z, v.passed, v.tol


def test_verdict_arithmetic():
    z, ok, tol = _v(verdict(1.0, 1.3, 0.1, 0.0, k=4, scale=1.0))
    assert z == pytest.approx(3.0) and ok and tol == pytest.approx(0.4 + 1e-10)
    z, ok, _ = _v(verdict(1.0, 1.5, 0.1, 0.0, k=4, scale=1.0))
    assert not ok
    _, ok, _ = _v(verdict(1.0, 1.5, 0.1, 0.11, k=4, scale=1.0))
    assert ok  # the allowance is added to k·stderr
    z, ok, _ = _v(verdict(0.0, 1e-30, 0.0, 0.0, k=4, scale=1.0))
    assert ok and math.isinf(z)  # round-off floor for deterministic zero-error problems


def test_bad_k_and_uncovered_regime_raise():
    with pytest.raises(ValueError, match="k must be"):
        compare(_thm41(), reps=10, seed=0, k=0)
    # ridgeless at the interpolation threshold T = d: no result covers it
    uncovered = Problem(Spectrum.power_law(10, beta=2), Target.isotropic(1), Chain(n=1, T0=5, sigma0=0.1),
                        Ridge(T=10, sigma=0.1, lam=0))
    with pytest.raises(RegimeError):
        compare(uncovered, reps=10, seed=0)


def test_cli_table_json_and_exit_codes(capsys):
    args = ["compare", "--d", "6", "--T0", "14", "--T", "16", "--n", "0,3", "--sigma0", "0.7", "--sigma", "0.5",
            "--reps", "5000", "--seed", "2"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "Thm 4.1" in out and "passed" in out
    assert main([*args, "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 2 and all(r["passed"] for r in rows) and rows[1]["n"] == 3
    # an absurdly strict k makes an exact comparison fail: exit code 1 and the reason is printed
    assert main([*args, "--k", "1e-6"]) == 1
    assert "DISAGREES" in capsys.readouterr().out
    # a problem no result covers: clean error, exit code 2
    assert main(["compare", "--d", "10", "--T0", "5", "--T", "10", "--n", "1", "--sigma0", "0.1",
                 "--spectrum", "power-law", "--beta", "2", "--lam", "0", "--reps", "10"]) == 2
    assert "error" in capsys.readouterr().err
