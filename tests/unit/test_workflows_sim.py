"""Samplers of the follow-up workflows (symcollapse.simulate._workflows) against the theory
(symcollapse.theory._workflows) and against each other.

Rule (the package's): |mean − theory| <= K·stderr + allowance, K = 4; allowance 0 for exact results, and for
deterministic equivalents C·|theory|·g with g = 1/(T − df2(κ)) and C = 1.5 — the ridge family's constant and
scale of symcollapse.compare (calibrated there, not tuned here).
"""

import math

import numpy as np
import pytest
from scipy import stats

from symcollapse.simulate import _workflows as S
from symcollapse.theory import _workflows as W

K = 4.0
C_RIDGE = 1.5


def _allowance(value, ev, T, lam, kind):
    if kind == "exact":
        return 0.0
    return C_RIDGE * abs(float(value)) * W.finite_size_scale(ev, T, lam, deteq=kind == "mixture")


def _check(mean, stderr, value, allowance=0.0):
    z = (mean - float(value)) / stderr
    assert abs(mean - float(value)) <= K * stderr + allowance, f"z = {z:.2f}, allowance {allowance:.3g}"
    return z


def _iso(d):
    return np.ones(d), np.ones(d) / np.sqrt(d)


def _power(d, beta=1.5, r=0.5):
    j = np.arange(1, d + 1, dtype=float)
    return j**-beta, j ** (-(1 + beta * (2 * r - 1)) / 2)


# ------------------------------------------------------------------------------------------------------
# accumulate
# ------------------------------------------------------------------------------------------------------

ACC_CHAIN = [  # (d, T0, n, sigma0, design): chain error, exact (T0 >= d + 2)
    (10, 30, 6, 1.0, "independent"),
    (20, 40, 8, 0.5, "independent"),
    (10, 25, 6, 1.0, "shared"),
]


@pytest.mark.parametrize("d,T0,n,s0,design", ACC_CHAIN)
def test_accumulate_chain_error_exact(d, T0, n, s0, design):
    ev, c = _power(d)
    P = dict(ev=ev, c=c, n=n, T0=T0, sigma0=s0, design=design, T=d + 10, sigma=0.0, lam=0.0)
    r = S.simulate_workflow("accumulate", P, 4000, 11, "fast")
    _check(r["chain_mean"], r["chain_stderr"], W.accumulate_chain_error(d, T0, n, s0, design).value)


ACC_DOWN = [  # (spectrum, d, T0, n, sigma0, design, T, lam, sigma)
    ("iso", 20, 40, 3, 1.0, "independent", 60, 0.05, 0.5),
    ("power", 30, 60, 5, 0.7, "shared", 50, 0.01, 0.3),
    ("power", 10, 30, 4, 1.0, "independent", 40, 0.0, 0.5),  # λ = 0, T >= d + 2: exact
]


@pytest.mark.parametrize("spec,d,T0,n,s0,design,T,lam,sigma", ACC_DOWN)
def test_accumulate_downstream(spec, d, T0, n, s0, design, T, lam, sigma):
    ev, c = _iso(d) if spec == "iso" else _power(d)
    P = dict(ev=ev, c=c, n=n, T0=T0, sigma0=s0, design=design, T=T, sigma=sigma, lam=lam)
    th = W.accumulate_downstream(ev, c, T0, n, s0, design, T, lam, sigma)
    r = S.simulate_workflow("accumulate", P, 3000, 12, "fast")
    _check(r["mean"], r["stderr"], th.value, _allowance(th.value, ev, T, lam, th.kind))


@pytest.mark.parametrize("design,scale,s0", [("independent", 1.0, 0.5), ("shared", 2.5, 1.0),
                                              ("independent", 2.5, 0.05)])
def test_accumulate_overparam_isotropic_exact(design, scale, s0):
    """T0 < d, Σ = sI: the package's exact formula (bias frozen at generation 1), reference oracle. The small
    σ0 case isolates the bias (1 − T0/d)‖w0‖²_Σ, the shared one the noise σ0² V(T0) H_n²."""
    # stages of 14, 28, 42 rows: every inverse-Wishart margin (d − m − 1 or m − d − 1) >= 5, light tails
    d, T0, n = 20, 14, 3
    ev, c = scale * np.ones(d), np.ones(d) / np.sqrt(d)
    th = W.accumulate_chain_error(d, T0, n, s0, design, ev, c)
    assert th.kind == "exact"
    P = dict(ev=ev, c=c, n=n, T0=T0, sigma0=s0, design=design, T=d + 10, sigma=0.0, lam=0.0)
    r = S.simulate_workflow("accumulate", P, 800, 13, "reference")
    _check(r["chain_mean"], r["chain_stderr"], th.value)


@pytest.mark.parametrize("design", ["independent", "shared"])
def test_accumulate_overparam_power_law_deteq(design):
    """T0 < d, power law: deterministic equivalent (ridgeless Prop 4.2 per stage), allowance C·value·g."""
    d, T0, n = 60, 25, 4
    ev, c = _power(d, 1.0)
    th = W.accumulate_chain_error(d, T0, n, 0.5, design, ev, c)
    P = dict(ev=ev, c=c, n=n, T0=T0, sigma0=0.5, design=design, T=d + 10, sigma=0.0, lam=0.0)
    r = S.simulate_workflow("accumulate", P, 400, 14, "reference")
    _check(r["chain_mean"], r["chain_stderr"], th.value, C_RIDGE * th.value * th.parts["g"])


def test_accumulate_subsample_first_generation_is_replace():
    """Simulation only. Generation 1 of accumulate-subsample is the replace chain's (its pool is block 1), so
    n = 1 has Thm 4.1's exact c; its error lies between accumulate (the full pool) and replace for n = 4."""
    d, T0 = 5, 20
    ev, c = _iso(d)
    base = dict(ev=ev, c=c, T0=T0, sigma0=1.0, design="independent", T=d + 10, sigma=0.0, lam=0.0)
    r1 = S.simulate_workflow("accumulate-subsample", {**base, "n": 1}, 800, 15, "reference")
    _check(r1["chain_mean"], r1["chain_stderr"], d / (T0 - d - 1))
    r4 = S.simulate_workflow("accumulate-subsample", {**base, "n": 4}, 800, 16, "reference")
    lo = W.accumulate_chain_error(d, T0, 4, 1.0).value
    assert lo - K * r4["chain_stderr"] <= r4["chain_mean"] <= 4 * d / (T0 - d - 1) + K * r4["chain_stderr"]
    with pytest.raises(ValueError, match="no fast sampler"):
        S.simulate_workflow("accumulate-subsample", {**base, "n": 2}, 10, 1, "fast")


# ------------------------------------------------------------------------------------------------------
# mix
# ------------------------------------------------------------------------------------------------------

MIX_CHAIN = [  # (d, T0, n, w, design, T_real)
    (5, 20, 10, 0.618, "independent", None),
    (8, 30, 5, 0.3, "shared", None),
    (6, 20, 8, None, "independent", 40),  # unequal sizes at He–Xu–Cheng's w*(k)
]


@pytest.mark.parametrize("d,T0,n,w,design,T_real", MIX_CHAIN)
def test_mix_chain_error_exact(d, T0, n, w, design, T_real):
    if w is None:
        w = W.optimal_real_weight(T_real=T_real, T_syn=T0, d=d, symbolic=False)
    ev, c = _power(d)
    P = dict(ev=ev, c=c, n=n, T0=T0, sigma0=0.8, design=design, real_weight=w, T=d + 10, sigma=0.0, lam=0.0,
             T_real=T_real)
    r = S.simulate_workflow("mix", P, 6000, 21, "fast")
    _check(r["chain_mean"], r["chain_stderr"], W.mix_chain_error(d, T0, n, 0.8, w, T_real=T_real).value)


@pytest.mark.parametrize("spec,lam", [("iso", 0.1), ("power", 0.01), ("power", 0.0)])
def test_mix_downstream(spec, lam):
    d, T0, n, T = 20, 40, 6, 50
    ev, c = _iso(d) if spec == "iso" else _power(d)
    P = dict(ev=ev, c=c, n=n, T0=T0, sigma0=0.8, design="independent", real_weight=0.5, T=T, sigma=0.4, lam=lam)
    th = W.mix_downstream(ev, c, T0, n, 0.8, 0.5, T, lam, 0.4)
    r = S.simulate_workflow("mix", P, 3000, 22, "fast")
    _check(r["mean"], r["stderr"], th.value, _allowance(th.value, ev, T, lam, th.kind))


# ------------------------------------------------------------------------------------------------------
# mixtures downstream
# ------------------------------------------------------------------------------------------------------

MIXTURE = [  # (spectrum, d, T, lam, sigma, p, delta kind)
    ("iso", 100, 400, 0.0, 0.5, 0.9, "flat"),  # the OLS case of Strong Model Collapse
    ("power", 60, 120, 0.01, 0.3, 0.5, "random"),
    ("power", 60, 40, 0.05, 0.2, 0.25, "top"),  # over-parametrised downstream
]


def _delta(kind, d, ev):
    if kind == "flat":
        return np.ones(d) / np.sqrt(d)
    if kind == "random":
        return np.random.default_rng(5).standard_normal(d) * 0.3
    out = np.zeros(d)
    out[:5] = 0.5 / np.sqrt(ev[:5])  # aligned with the top eigen-directions
    return out


@pytest.mark.parametrize("spec,d,T,lam,sigma,p,dk", MIXTURE)
def test_mixture_fixed_shift(spec, d, T, lam, sigma, p, dk):
    ev, c = _iso(d) if spec == "iso" else _power(d)
    dl = _delta(dk, d, ev)
    th = W.mixture_downstream(ev, c, dl, T, lam, sigma, p)
    P = dict(ev=ev, c=c, T=T, sigma=sigma, lam=lam, real_fraction=p, delta=dl)
    r = S.simulate_workflow("mixture", P, 2000, 31, "fast")
    _check(r["mean"], r["stderr"], th.value, _allowance(th.value, ev, T, lam, "mixture"))


MIXTURE_CHAIN = [  # (spectrum, d, T, lam, p, n, T0, design)
    ("iso", 40, 80, 0.05, 0.5, 2, 80, "independent"),
    ("power", 40, 60, 0.01, 0.2, 3, 70, "shared"),
    ("power", 30, 60, 0.0, 0.7, 4, 60, "independent"),
]


@pytest.mark.parametrize("spec,d,T,lam,p,n,T0,design", MIXTURE_CHAIN)
def test_mixture_chain_source(spec, d, T, lam, p, n, T0, design):
    ev, c = _iso(d) if spec == "iso" else _power(d)
    v = W.chain_cov_scale("replace", d, T0, n, 0.5, design)
    th = W.mixture_chain_downstream(ev, c, T, lam, 0.3, p, v)
    P = dict(ev=ev, c=c, T=T, sigma=0.3, lam=lam, real_fraction=p, chain=dict(n=n, T0=T0, sigma0=0.5, design=design))
    r = S.simulate_workflow("mixture", P, 3000, 32, "fast")
    _check(r["mean"], r["stderr"], th.value, _allowance(th.value, ev, T, lam, "mixture"))


CHAIN_SOURCES = [  # (spectrum, d, T, lam, p, chain): accumulate and mix chains as the source (package derivation)
    ("iso", 30, 60, 0.05, 0.5, dict(workflow="accumulate", n=5, T0=50, design="independent")),
    ("power", 30, 50, 0.01, 0.3, dict(workflow="accumulate", n=8, T0=40, design="shared")),
    ("power", 20, 40, 0.0, 0.6, dict(workflow="accumulate", n=4, T0=30, design="independent")),
    ("iso", 30, 60, 0.05, 0.5, dict(workflow="mix", n=6, T0=50, design="independent", real_weight=0.618)),
    ("power", 30, 50, 0.01, 0.25, dict(workflow="mix", n=5, T0=45, design="shared", real_weight=0.3)),
    ("power", 20, 40, 0.0, 0.6, dict(workflow="mix", n=8, T0=30, design="independent", real_weight=0.5,
                                     T_real=40)),
]


@pytest.mark.parametrize("spec,d,T,lam,p,chain", CHAIN_SOURCES)
def test_mixture_accumulate_and_mix_sources(spec, d, T, lam, p, chain):
    ev, c = _iso(d) if spec == "iso" else _power(d)
    ch = dict(chain, sigma0=0.6)
    v = W.chain_cov_scale(ch["workflow"], d, ch["T0"], ch["n"], 0.6, ch["design"], ch.get("real_weight"),
                          T_real=ch.get("T_real"))
    th = W.mixture_chain_downstream(ev, c, T, lam, 0.3, p, v)
    P = dict(ev=ev, c=c, T=T, sigma=0.3, lam=lam, real_fraction=p, chain=ch)
    r = S.simulate_workflow("mixture", P, 3000, 33, "fast")
    _check(r["mean"], r["stderr"], th.value, _allowance(th.value, ev, T, lam, "mixture"))
    # the chain part alone is exact: E‖Δ‖²_Σ = v·d
    _check(r["chain_mean"], r["chain_stderr"], v * d)


# ------------------------------------------------------------------------------------------------------
# fast samplers against the reference oracle, in distribution
# ------------------------------------------------------------------------------------------------------

PAIRS = [
    ("accumulate", dict(n=4, T0=20, sigma0=1.0, design="independent", T=12, sigma=0.5, lam=0.1)),
    ("accumulate", dict(n=4, T0=20, sigma0=1.0, design="shared", T=12, sigma=0.5, lam=0.0)),
    ("mix", dict(n=5, T0=20, sigma0=1.0, design="independent", real_weight=0.4, T=12, sigma=0.5, lam=0.1)),
    ("mix", dict(n=5, T0=20, sigma0=1.0, design="shared", real_weight=0.7, T=3, sigma=0.5, lam=0.2)),
    ("mix", dict(n=4, T0=20, sigma0=1.0, design="independent", real_weight=0.6, T_real=30, T=12, sigma=0.5,
                 lam=0.0)),
    ("mixture", dict(T=15, sigma=0.5, lam=0.05, real_fraction=0.4, delta=np.array([0.3, -0.2, 0.5, 0.1]))),
    ("mixture", dict(T=15, sigma=0.5, lam=0.0, real_fraction=0.6, chain=dict(n=2, T0=18, sigma0=0.7,
                                                                           design="independent"))),
    # accumulate and mix chains as the source of the mixture
    # T0 = d + 8 (four finite moments of the 1/χ² factors), n = 4
    ("mixture", dict(T=15, sigma=0.5, lam=0.05, real_fraction=0.4, chain=dict(
        workflow="accumulate", n=4, T0=12, sigma0=1.0, design="independent"))),
    ("mixture", dict(T=15, sigma=0.5, lam=0.0, real_fraction=0.5, chain=dict(
        workflow="accumulate", n=4, T0=10, sigma0=1.0, design="shared"))),
    ("mixture", dict(T=15, sigma=0.5, lam=0.1, real_fraction=0.3, chain=dict(
        workflow="mix", n=4, T0=12, sigma0=1.0, design="independent", real_weight=0.4))),
    ("mixture", dict(T=15, sigma=0.5, lam=0.0, real_fraction=0.6, chain=dict(
        workflow="mix", n=3, T0=12, sigma0=1.0, design="shared", real_weight=0.7, T_real=16))),
]


@pytest.mark.parametrize("workflow,params", PAIRS, ids=[f"{w}-{i}" for i, (w, _) in enumerate(PAIRS)])
def test_fast_matches_reference_in_distribution(workflow, params):
    """Two-sample z of the means and of the variances (4th-moment standard error) within K, KS p > 1e-4."""
    d = 4
    ev, c = _power(d)
    P = dict(ev=ev, c=c, **params)
    a = S.simulate_workflow(workflow, P, 4096, 41, "fast")
    b = S.simulate_workflow(workflow, P, 800, 42, "reference")
    for key in ("errors", "chain_errors"):
        x, y = a[key], b[key]
        if np.ptp(y) == 0:
            assert np.ptp(x) == 0 and x[0] == pytest.approx(y[0])
            continue
        zm = (x.mean() - y.mean()) / math.sqrt(x.var(ddof=1) / x.size + y.var(ddof=1) / y.size)
        se_var = [math.sqrt(max(np.mean((u - u.mean()) ** 4) - u.var() ** 2, 0.0) / u.size) for u in (x, y)]
        zv = (x.var(ddof=1) - y.var(ddof=1)) / math.hypot(*se_var)
        assert abs(zm) <= K and abs(zv) <= K, (key, zm, zv)
        assert stats.ks_2samp(x, y).pvalue > 1e-4, key


# ------------------------------------------------------------------------------------------------------
# reproducibility and input checks
# ------------------------------------------------------------------------------------------------------


def test_seed_reproducible_and_prefix_stable():
    ev, c = _iso(6)
    P = dict(ev=ev, c=c, n=3, T0=20, sigma0=1.0, design="independent", T=20, sigma=0.5, lam=0.1)
    a = S.simulate_workflow("accumulate", P, 300, 7, "fast")
    b = S.simulate_workflow("accumulate", P, 600, 7, "fast")
    assert np.array_equal(a["errors"], b["errors"][:300])
    c2 = S.simulate_workflow("accumulate", P, 300, 8, "fast")
    assert not np.array_equal(a["errors"], c2["errors"])


def test_bad_inputs():
    ev, c = _iso(6)
    P = dict(ev=ev, c=c, n=3, T0=4, sigma0=1.0, design="independent", T=20, sigma=0.5, lam=0.1)
    with pytest.raises(ValueError, match="T0 >= d"):
        S.simulate_workflow("accumulate", P, 10, 1, "fast")
    with pytest.raises(ValueError, match="workflow"):
        S.simulate_workflow("discard", P, 10, 1)
    with pytest.raises(ValueError, match="reps"):
        S.simulate_workflow("accumulate", P, 1, 1)
    with pytest.raises(ValueError, match="method"):
        S.simulate_workflow("accumulate", P, 10, 1, "auto")


# ------------------------------------------------------------------------------------------------------
# mix chain with ridge inside, one fixed design: the exact conditional law
# ------------------------------------------------------------------------------------------------------

MIX_RIDGE = [  # (spectrum, d, T0, lam0, w, n)
    ("iso", 6, 20, 0.2, 0.5, 6),
    ("power", 8, 5, 0.05, 0.618, 5),  # T0 < d: ridge on an over-parametrised fixed design
    ("power", 8, 5, 0.0, 0.3, 4),  # T0 < d, minimum-norm interpolation
]


@pytest.mark.parametrize("spec,d,T0,lam0,w,n", MIX_RIDGE)
def test_mix_ridge_fixed_design_exact(spec, d, T0, lam0, w, n):
    """E[‖e_n‖²_Σ | X] (package derivation, exact): reference oracle with X held fixed, only noise random."""
    ev, c = _iso(d) if spec == "iso" else _power(d)
    X = np.random.default_rng(100 + d).standard_normal((T0, d)) * np.sqrt(ev)
    th = W.mix_ridge_given_design(X, ev, c, n, 0.7, w, lam0)
    P = dict(ev=ev, c=c, n=n, T0=T0, sigma0=0.7, design="shared", real_weight=w, T=d + 5, sigma=0.0, lam=0.0,
             lam0=lam0, X=X)
    r = S.simulate_workflow("mix", P, 1600, 51, "reference")
    _check(r["chain_mean"], r["chain_stderr"], th.value)


def test_mix_ridge_optimal_weight():
    """λ0 = 0: the golden ratio for any design (T0 >= d and T0 < d); the limit is the n → ∞ recursion."""
    rng = np.random.default_rng(3)
    ev, c = _power(6)
    for T0 in (20, 4):
        X = rng.standard_normal((T0, 6)) * np.sqrt(ev)
        assert W.optimal_real_weight_given_design(X, ev, c, 1.0, 0.0) == pytest.approx((5**0.5 - 1) / 2, abs=1e-7)
        lim = W.mix_ridge_given_design(X, ev, c, None, 1.0, 0.4, 0.1).value
        assert W.mix_ridge_given_design(X, ev, c, 400, 1.0, 0.4, 0.1).value == pytest.approx(lim, rel=1e-12)
    X = rng.standard_normal((20, 6)) * np.sqrt(ev)
    ols = W.mix_ridge_given_design(X, ev, c, 7, 1.0, 0.4, 0.0).value
    cond = np.trace(np.diag(ev) @ np.linalg.inv(X.T @ X))  # E[‖X^†ν‖²_Σ | X] per unit noise variance
    assert ols == pytest.approx(W.mix_recursion(7, 0.4, 1.0, 1.0) * cond, rel=1e-12)
