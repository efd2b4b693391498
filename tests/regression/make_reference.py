r"""Produce the reference values of tests/regression/data/ (and the allowance calibration of compare.py).

Usage (from the repository root)::

    python tests/regression/make_reference.py all          # everything below (~10 min on 2 cores)
    python tests/regression/make_reference.py kappa thm41   # selected steps

Steps and outputs (one JSON file per step, every entry records source, tolerance, script, seed and reps):

``kappa``      data/kappa.json — docs/theory/results.md#results-kappa κ examples, recomputed from the closed form Eq. 11 at 50 digits.
``thm41``      data/thm41.json — docs/theory/results.md#results-thm41 MC check (d=6, T=16, T0=14, n=3, σ=0.5, σ0=0.7,
               Σ = diag(linspace(0.3, 2, 6))): exact rational value, the reference MC number, and our own MC run.
``cor44``      data/cor44.json — docs/theory/results.md#results-cor44 end-to-end MC checks (theory values as printed there) and our
               own MC runs of the same settings.
``thm46``      data/thm46.json — docs/theory/results.md#results-thm46 numbers (d=300, T0=150, T=1000, σ=0.1, ‖w0‖=1, n=1..4) and
               our own MC run (reference sampler; T0 < d).
``exact``      data/exact.json — our own high-precision values: closed forms evaluated independently of the
               package at 60 digits (Thm 4.1 as an exact rational; isotropic Cor 4.4 via Eq. 11 and its
               unnumbered isotropic display) and ``predict(dps=50)`` of fixed anisotropic problems, as strings.
``calibrate``  data/allowance_calibration.json — the finite-size allowance constants of
               ``symcollapse.compare.ALLOWANCE_CONSTANTS`` (see below; ~14 min on 2 shared cores).
``calibrate-f8`` adds the anisotropic over-parametrised sweep (Thm 4.3 + Lemma F.8) to the same file.
``refit``      recompute the fits of data/allowance_calibration.json from its stored records.

Calibration of the allowance (compare.py). For a deterministic equivalent the allowance is
:math:`a = C\,|E_{theory}|\,g` with :math:`g = 1/(T - \mathrm{df}_2(\kappa)) + [T_0<d]/(T_0 - \mathrm{df}_2(\kappa_0))`.
To measure the *systematic* gap between the finite-size expectation and the deterministic equivalent
without drowning it in Monte-Carlo noise, the sweep uses the Rao–Blackwellised estimator: for each draw
of the downstream design :math:`X` (and :math:`X_0` for Eq. 18) it averages analytically over all label
noise and, for :math:`T_0 \ge d + 2`, over the chain (Thm F.1:
:math:`\mathbb E[(\hat w_n - w_0)(\hat w_n - w_0)^\top] = n\sigma_0^2\Sigma^{-1}/(T_0 - d - 1)`):

.. math:: E[\,\mathrm{err}\mid X] = \|(A - I)w_0\|_\Sigma^2 + \tfrac{\sigma^2}{T}\mathrm{tr}\,\Sigma R\hat\Sigma R
          + \tfrac{n\sigma_0^2}{T_0 - d - 1}\,\mathrm{tr}\,A^\top\Sigma A\,\Sigma^{-1},\qquad A = R\hat\Sigma .

Problems come from ``symcollapse.testing.problems`` (derandomized Hypothesis draws, the same
distribution as the property tests). For each problem the ratio
:math:`q = (|\bar E_{RB} - E_{theory}| - 2\,\mathrm{se}_{RB})_+ / (|E_{theory}|\,g)` is recorded;
:math:`C = 1.5 \max q` to two significant digits (:func:`fit_constants`).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from fractions import Fraction
from pathlib import Path

import mpmath
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import symcollapse as sc  # noqa: E402
from symcollapse.simulate import SAMPLER_VERSION  # noqa: E402
from symcollapse.spec import Chain, Problem, Ridge, Spectrum, Target  # noqa: E402

DATA = Path(__file__).resolve().parent / "data"
SCRIPT = "tests/regression/make_reference.py"
# Why the stored MC runs last changed (kept beside every run this script writes):
REGENERATED = (
    "regenerated for SAMPLER_VERSION 5: streams of 2^13 instead of 2^17 random numbers (more, smaller streams "
    "for load balance, since seeding a stream now costs ~0.03 µs; issue 11) and a downstream ridge solve by two "
    "dtrsv instead of dpotrs (last bits), so the bits of collapsed and bartlett changed; same problem, seed, "
    "reps and method"
)


def _dump(name: str, payload: dict) -> None:
    DATA.mkdir(exist_ok=True)
    path = DATA / f"{name}.json"
    path.write_text(json.dumps(payload, indent=2, sort_keys=False) + "\n")
    print(f"wrote {path.relative_to(ROOT)}")


def _mc(problem: Problem, reps: int, seed: int, method: str = "auto") -> dict:
    t = time.perf_counter()
    mc = sc.simulate(problem, reps=reps, seed=seed, method=method)
    return {
        "mean": float(mc.mean),
        "stderr": float(mc.stderr),
        "chain_mean": float(np.mean(mc.chain_errors)),
        "chain_stderr": float(np.std(mc.chain_errors, ddof=1) / math.sqrt(mc.reps)),
        "reps": reps,
        "seed": seed,
        "method": mc.method,
        "script": SCRIPT,
        "seconds": round(time.perf_counter() - t, 2),
        "sampler_version": SAMPLER_VERSION,
        "regenerated": REGENERATED,
    }


# ------------------------------------------------------------------------------------------------------
# κ examples (docs/theory/results.md#results-kappa)
# ------------------------------------------------------------------------------------------------------


def kappa_closed_form(lam, phi):
    r"""Eq. 11, :math:`\Sigma = I`: :math:`\kappa = \tfrac12(\lambda + \bar\phi + \sqrt{(\lambda+\bar\phi)^2 + 4\lambda})`."""
    lam, phi = mpmath.mpf(lam), mpmath.mpf(phi)
    pb = phi - 1
    if lam == 0:
        return max(pb, mpmath.mpf(0))
    return (lam + pb + mpmath.sqrt((lam + pb) ** 2 + 4 * lam)) / 2


def step_kappa() -> None:
    out = []
    with mpmath.workdps(50):
        for phi, lam, printed in (("0.5", "1", "1.2807764"), ("2", "0", "1"), ("2", "1e-3", "1.0019980")):
            k = kappa_closed_form(mpmath.mpf(lam), mpmath.mpf(phi))
            out.append({
                "phi": phi,
                "lam": lam,
                "printed": printed,
                "printed_tolerance": 5e-8,  # printed to 7 decimals
                "value_50": mpmath.nstr(k, 50),
                "tolerance_50": "1e-45",
                "source": "docs/theory/results.md#results-kappa (examples after Eq. 11); value_50 from Eq. 11 at 50 digits",
                "script": SCRIPT, "seed": None, "reps": None,
            })
    _dump("kappa", {"step": "kappa", "values": out})


# ------------------------------------------------------------------------------------------------------
# Thm 4.1 MC check (docs/theory/results.md#results-thm41)
# ------------------------------------------------------------------------------------------------------


def thm41_problem() -> Problem:
    ev = [float(x) for x in np.linspace(0.3, 2, 6)]
    return Problem(
        Spectrum(eigenvalues=ev), Target.isotropic(norm=1),
        Chain(n=3, T0=14, sigma0=0.7), Ridge(T=16, sigma=0.5, lam=0),
    )


def thm41_exact(d, T, T0, n, sigma, sigma0) -> Fraction:
    """Thm 4.1's exact identity σ²d/(T−d−1) + nσ0²d/(T0−d−1), as an exact rational."""
    s, s0 = Fraction(str(sigma)), Fraction(str(sigma0))
    return s**2 * Fraction(d, T - d - 1) + n * s0**2 * Fraction(d, T0 - d - 1)


def step_thm41() -> None:
    p = thm41_problem()
    exact = thm41_exact(6, 16, 14, 3, 0.5, 0.7)
    seed, reps = 20241, 200_000
    payload = {
        "step": "thm41",
        "problem": p.to_dict(),
        "exact": {"value": str(exact), "float": float(exact), "printed": 1.42667, "printed_tolerance": 5e-6,
                  "source": "docs/theory/results.md#results-thm41 exact finite-sample identity σ²d/(T−d−1)+nσ0²d/(T0−d−1)",
                  "script": SCRIPT, "seed": None, "reps": None},
        "theory_md_mc": {"mean": 1.42637, "stderr": 0.0022, "reps": 200_000, "seed": None,
                         "source": "docs/theory/results.md#results-thm41 (MC by the spec author; script and seed not published)",
                         "tolerance": "k=4 standard errors"},
        "ours": {**_mc(p, reps, seed), "tolerance": "k=4 standard errors, allowance 0 (exact)"},
    }
    _dump("thm41", payload)


# ------------------------------------------------------------------------------------------------------
# Cor 4.4 MC checks (docs/theory/results.md#results-cor44)
# ------------------------------------------------------------------------------------------------------


def cor44_cases() -> list[dict]:
    """The six end-to-end checks of docs/theory/results.md#results-cor44, with the theory values printed there."""
    iso = Spectrum.isotropic(200)
    pl = Spectrum.power_law(200, beta=2)
    # c_j = j^(-1/4): source condition with δ = 1/2 = 1 + β(2r − 1) ⇒ r = 3/8 (β = 2)
    src = Target.source(r="0.375")
    cases = [
        ("iso lam=0.05 n=4", Problem(iso, Target.isotropic(1), Chain(n=4, T0=400, sigma0=0.5), Ridge(T=300, sigma=0.5, lam=0.05)), 1.1121, 1.1136, 0.011, None),
        ("iso lam=1e-3 n=2", Problem(iso, Target.isotropic(1), Chain(n=2, T0=400, sigma0=1), Ridge(T=300, sigma=0.3, lam="1e-3")), 2.1650, 2.1797, 0.021, None),
        ("powerlaw lam=0.05 n=4", Problem(pl, src, Chain(n=4, T0=400, sigma0=0.5), Ridge(T=300, sigma=0.5, lam=0.05)), 0.08687, 0.08697, 0.0027, None),
        ("powerlaw lam=1e-3 n=2", Problem(pl, src, Chain(n=2, T0=400, sigma0=1), Ridge(T=300, sigma=0.3, lam="1e-3")), 0.3514, 0.3543, 0.0019, 2000),
        ("phi=2 lam=0.1", Problem(Spectrum.isotropic(300), Target.isotropic(1), Chain(n=3, T0=600, sigma0=0.2), Ridge(T=150, sigma=0.1, lam=0.1)), 0.56396, 0.56658, 0.0033, None),
        ("phi=2 lam=1", Problem(Spectrum.isotropic(300), Target.isotropic(1), Chain(n=3, T0=600, sigma0=0.2), Ridge(T=150, sigma=0.1, lam=1)), 0.62835, 0.62412, 0.0027, None),
    ]
    out = []
    for name, p, theory, mc_mean, mc_se, mc_reps in cases:
        digits = len(str(theory).split(".")[1].lstrip("0")) if theory < 1 else len(str(theory).replace(".", ""))
        out.append({"name": name, "problem": p.to_dict(), "printed": theory,
                    "printed_tolerance": 0.5 * 10 ** (math.floor(math.log10(theory)) - digits + 1),
                    "theory_md_mc": {"mean": mc_mean, "stderr": mc_se, "reps": mc_reps, "seed": None},
                    "source": "docs/theory/results.md#results-cor44, end-to-end MC checks (d=200, T=300, T0=400; φ=2: d=300, T=150, T0=600)"})
    return out


def step_cor44() -> None:
    out = []
    for i, case in enumerate(cor44_cases()):
        p = Problem.from_dict(case["problem"])
        reps = 4000 if p.downstream.T >= p.d else 1000  # T < d needs the (slow) reference sampler
        case["ours"] = {**_mc(p, reps, 4400 + i), "tolerance": "k=4 standard errors + compare.allowance"}
        pf = sc.predict(p, normalization="finite")
        pp = sc.predict(p)
        case["predict_finite"] = float(pf.total)
        case["predict_paper"] = float(pp.total)
        out.append(case)
        print(case["name"], case["printed"], case["predict_paper"], case["predict_finite"], case["ours"]["mean"], case["ours"]["stderr"])
    _dump("cor44", {"step": "cor44", "values": out})


# ------------------------------------------------------------------------------------------------------
# Thm 4.6 numbers (docs/theory/results.md#results-thm46)
# ------------------------------------------------------------------------------------------------------


def step_thm46() -> None:
    out = []
    printed_theory = {1: 0.504, 2: 0.754, 3: 0.879, 4: 0.942}
    printed_mc = {1: 0.503, 2: 0.752, 3: 0.880, 4: 0.940}
    printed_norm = {1: 0.501, 2: 0.251, 3: 0.125, 4: 0.061}
    for n in (1, 2, 3, 4):
        p = Problem(Spectrum.isotropic(300), Target.isotropic(1), Chain(n=n, T0=150, sigma0=0, design="independent"),
                    Ridge(T=1000, sigma=0.1, lam=0))
        exact = (1 - Fraction(1, 2**n)) + Fraction(1, 100) * Fraction(300, 1000 - 300 - 1)
        out.append({
            "n": n, "problem": p.to_dict(),
            "exact": {"value": str(exact), "float": float(exact),
                      "source": "docs/theory/results.md#results-thm46: E_test = (1 − η)‖w0‖² + σ²d/(T−d−1), η = 2^-n, exact in expectation for Σ = I"},
            "printed": printed_theory[n], "printed_tolerance": 5e-4,
            "theory_md_mc": {"E_test": printed_mc[n], "wn_norm2": printed_norm[n], "reps": 60, "seed": None},
            "ours": {**_mc(p, 200, 4600 + n), "tolerance": "k=4 standard errors, allowance 0 (exact for Σ = I)"},
            "source": "docs/theory/results.md#results-thm46",
        })
        print(n, out[-1]["exact"]["float"], out[-1]["ours"]["mean"], out[-1]["ours"]["stderr"])
    _dump("thm46", {"step": "thm46", "values": out})


# ------------------------------------------------------------------------------------------------------
# Our own exact / high-precision values
# ------------------------------------------------------------------------------------------------------


def iso_cor44_mp(d, T, T0, n, sigma, sigma0, lam, norm, normalization):
    r"""Isotropic Cor 4.4 (unnumbered display), at the caller's mpmath precision, independent of the package.

    .. math:: E = \frac{\kappa^2\|w_0\|^2 + \sigma^2\phi}{(1+\kappa)^2 - \phi}
              + n\sigma_0^2\,\frac{d}{T_0 - d\,(-1)}\,\frac{1}{(1+\kappa)^2}\Big(1 + \frac{\phi\kappa^2}{(1+\kappa)^2-\phi}\Big)

    (the factor :math:`\phi_0/(1-\phi_0) = d/(T_0 - d)`; ``normalization="finite"`` uses :math:`T_0 - d - 1`).
    """
    F = mpmath.mpf
    phi = F(d) / T
    k = kappa_closed_form(F(Fraction(str(lam)).numerator) / Fraction(str(lam)).denominator, phi)
    s, s0, w = (F(Fraction(str(x)).numerator) / Fraction(str(x)).denominator for x in (sigma, sigma0, norm))
    den = (1 + k) ** 2 - phi
    clean = (k**2 * w**2 + s**2 * phi) / den
    shift = 1 if normalization == "finite" else 0
    rho = F(d) / (T0 - d - shift) / (1 + k) ** 2 * (1 + phi * k**2 / den)
    return clean + n * s0**2 * rho


def step_exact() -> None:
    out = []
    # Thm 4.1 exact rationals
    for (d, T, T0, n, s, s0) in ((6, 16, 14, 3, 0.5, 0.7), (10, 25, 40, 7, 1.5, 0.3), (50, 57, 200, 20, 0, 2)):
        v = thm41_exact(d, T, T0, n, s, s0)
        p = Problem(Spectrum.power_law(d, beta=2), Target.isotropic(1), Chain(n=n, T0=T0, sigma0=s0), Ridge(T=T, sigma=s, lam=0))
        out.append({"name": f"thm41 d={d}", "problem": p.to_dict(), "value": str(v), "kind": "rational",
                    "tolerance": "exact (Fraction equality of the mpmath value to 45 digits)",
                    "source": "Thm 4.1 exact finite-sample identity (docs/theory/results.md#results-thm41), computed as a Fraction",
                    "script": SCRIPT, "seed": None, "reps": None})
    # isotropic Cor 4.4, independent closed form at 60 digits
    for (d, T, T0, n, s, s0, lam, norm) in ((300, 1000, 600, 5, 0.1, 0.2, "1e-3", 1), (200, 300, 400, 4, 0.5, 0.5, "0.05", 1),
                                            (300, 150, 600, 3, 0.1, 0.2, "0.1", 1), (40, 13, 100, 10, 2, 1.5, "7", "1/2")):
        p = Problem(Spectrum.isotropic(d), Target.isotropic(norm=norm), Chain(n=n, T0=T0, sigma0=s0), Ridge(T=T, sigma=s, lam=lam))
        for norm_kind in ("paper", "finite"):
            with mpmath.workdps(60):
                v = iso_cor44_mp(d, T, T0, n, s, s0, lam, norm, norm_kind)
                out.append({"name": f"iso cor44 d={d} T={T} lam={lam} {norm_kind}", "problem": p.to_dict(),
                            "normalization": norm_kind, "value": mpmath.nstr(v, 55), "kind": "closed-form",
                            "tolerance": "1e-40 relative (compared to >= 40 digits)",
                            "source": "Cor 4.4 isotropic display + Eq. 11, mpmath at 60 digits, independent of the package",
                            "script": SCRIPT, "seed": None, "reps": None})
    # anisotropic: predict(dps=50) pinned (guards against silent changes of the high-precision path)
    for p in (
        Problem(Spectrum.power_law(50, beta="1.5"), Target.source(r="0.75"), Chain(n=3, T0=120, sigma0="0.3"), Ridge(T=80, sigma="0.2", lam="1e-2")),
        Problem(Spectrum(eigenvalues=["2", "1", "1/2", "1/4", "1/8", "1/16"]), Target(coefficients=["1", "-1", "1/2", "0", "1", "2"]),
                Chain(n=2, T0=10, sigma0=1), Ridge(T=4, sigma="0.5", lam="0.3")),
    ):
        pr = sc.predict(p, dps=50, normalization="finite")
        out.append({"name": f"predict dps=50 {p.spectrum!r}", "problem": p.to_dict(), "normalization": "finite",
                    "value": mpmath.nstr(pr.total, 50), "digits": pr.digits, "theorem": pr.theorem, "kind": "pinned",
                    "tolerance": "1e-40 relative (compared to >= 40 digits)",
                    "source": "symcollapse.predict(dps=50, normalization='finite') when this file was made (self-regression)",
                    "script": SCRIPT, "seed": None, "reps": None})
    _dump("exact", {"step": "exact", "values": out})


# ------------------------------------------------------------------------------------------------------
# Calibration of the finite-size allowance
# ------------------------------------------------------------------------------------------------------


def _draw_problems(regime: str, count: int, **kw) -> list[Problem]:
    from hypothesis import HealthCheck, given, settings

    from symcollapse.testing import problems

    out: list[Problem] = []

    @settings(max_examples=count, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(problems(regime, **kw))
    def collect(p):
        out.append(p)

    collect()
    # Hypothesis repeats shrunk/boundary examples; keep distinct ones
    seen, uniq = set(), []
    for p in out:
        key = json.dumps(p.to_dict(), sort_keys=True)
        if key not in seen:
            seen.add(key)
            uniq.append(p)
    return uniq


def rb_estimate(p: Problem, reps: int, seed: int) -> tuple[float, float]:
    """Rao–Blackwellised MC of E_test (mean, stderr): label noise (and the chain for T0 >= d + 2) averaged
    analytically given the designs; over-parametrised chains (T0 < d) keep their sampled projections."""
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    ev = p.eigenvalues
    c = p.coefficients
    d, T, T0, n = p.d, p.downstream.T, p.chain.T0, p.chain.n
    shared = p.chain.design == "shared"
    s2, s02, lam = float(p.downstream.sigma) ** 2, float(p.chain.sigma0) ** 2, float(p.downstream.lam)
    sq = np.sqrt(ev)
    vals = np.empty(reps)
    eye = np.eye(d)
    for r in range(reps):
        X = rng.standard_normal((T, d)) * sq
        S = X.T @ X / T
        R = np.linalg.inv(S + lam * eye) if lam > 0 else np.linalg.pinv(S)
        A = R @ S
        H = A.T @ (ev[:, None] * A)  # AᵀΣA
        var = s2 / T * float(np.trace((ev[:, None] * R) @ S @ R))
        u, collapse = c, 0.0
        if n > 0 and T0 >= d + 2:
            collapse = n * s02 * float(np.sum(np.diag(H) / ev)) / (T0 - d - 1)
        elif n > 0:
            X0 = None
            for _ in range(1 if shared else n):
                X0 = rng.standard_normal((T0, d)) * sq
                Xp = np.linalg.pinv(X0)  # d × T0
                u = Xp @ (X0 @ u)  # P_m u
            if shared and s02 > 0:
                collapse = n * s02 * float(np.trace(Xp.T @ H @ Xp))
        b = A @ u - c
        vals[r] = float(b @ (ev * b)) + var + collapse
    return float(vals.mean()), float(np.std(vals, ddof=1) / math.sqrt(reps))


CALIBRATION_SWEEP = (
    # (regime, strategy options, family of compare.ALLOWANCE_CONSTANTS) — the property tests draw from the
    # same strategies with the same options
    ("cor44", {"d": (4, 80), "mc": True}, "ridge"),
    ("eq18", {"d": (12, 60), "mc": True}, "eq18"),
    ("thm46", {"d": (4, 40), "n": (0, 8), "mc": True, "ridge": True}, "overparam"),
    ("thm45", {"d": (4, 40), "n": (0, 8), "mc": True, "ridge": True}, "overparam"),
)
ANISO = ("power_law", "custom")
CALIBRATION_SWEEP_F8 = (
    # over-parametrised chains with an anisotropic Σ (predict: Thm 4.3 + Lemma F.8), added by `calibrate-f8`
    ("thm46", {"d": (4, 30), "n": (1, 6), "mc": True, "ridge": True, "spectrum_kinds": ANISO}, "lemmaF8"),
    ("thm46", {"d": (4, 30), "n": (1, 6), "mc": True, "spectrum_kinds": ANISO}, "lemmaF8"),
    ("thm45", {"d": (4, 30), "n": (1, 6), "mc": True, "ridge": True, "spectrum_kinds": ANISO}, "lemmaF8"),
    ("eq18", {"d": (12, 40), "n": (1, 8), "mc": True, "spectrum_kinds": ANISO}, "lemmaF8"),
)


def fit_constants(records: list[dict]) -> dict:
    """C per family = 1.5 · max q (2 significant digits); ``adopted`` = max(own fit, ridge fit).

    Every over-parametrised prediction (Eq. 18, Thms 4.5/4.6 with λ > 0) contains the ridge equivalents of
    Prop. 4.2, whose finite-size gap the ``ridge`` sweep measures most precisely (the chain is averaged
    analytically there); the sampled projections make the other sweeps noisier, so their own fits only bound
    the *additional* error and the adopted constant is never below the ridge one.
    """
    fits = {}
    for family in sorted({r["family"] for r in records}):
        recs = [r for r in records if r["family"] == family]
        qs = [r["q"] for r in recs]
        qmax = max(qs)
        fits[family] = {"problems": len(qs), "max_q": qmax,
                        "median_gap_over_g": float(np.median([r["gap_over_g"] for r in recs])),
                        "max_abs_gap_over_g": float(max(abs(r["gap_over_g"]) for r in recs)),
                        "C_fit": float(f"{1.5 * qmax:.2g}"), "rule": "C_fit = 1.5 · max q, 2 significant digits"}
    for f in fits.values():
        f["adopted"] = max(f["C_fit"], fits.get("ridge", f)["C_fit"])
    return fits


def step_calibrate_f8() -> None:
    """Add the anisotropic over-parametrised sweep (Lemma F.8) to the stored calibration records."""
    payload = json.loads((DATA / "allowance_calibration.json").read_text())
    kept = [r for r in payload["records"] if r["family"] != "lemmaF8"]
    step_calibrate(count=25, sweep=CALIBRATION_SWEEP_F8, seed=9000, keep=kept)


def step_refit() -> None:
    """Recompute the fits of data/allowance_calibration.json from its stored records (no simulation)."""
    path = DATA / "allowance_calibration.json"
    payload = json.loads(path.read_text())
    payload["fits"] = fit_constants(payload["records"])
    _dump("allowance_calibration", payload)
    print(json.dumps(payload["fits"], indent=2))


def step_calibrate(count: int = 40, sweep=CALIBRATION_SWEEP, seed: int = 7000, keep: list | None = None) -> None:
    from symcollapse.compare import finite_size_scale

    records = list(keep or [])
    for regime, kw, _ in sweep:
        for p in _draw_problems(regime, count, **kw):
            seed += 1
            th = sc.predict(p, normalization="finite")
            if th.kind == "exact":
                continue
            family = th.regime.family  # n = 0 draws are Prop 4.2 (family "ridge") whatever the regime
            g = finite_size_scale(p, th)
            T, d = p.downstream.T, p.d
            reps = int(min(2000, max(100, 1.5e9 / (T * d * d + 2 * d**3 + p.chain.n * p.chain.T0 * d * d))))
            t = time.perf_counter()
            est, est_se = rb_estimate(p, reps, seed)
            value = float(th.total)
            q = max(abs(est - value) - 2 * est_se, 0.0) / (abs(value) * g)
            rec = {"regime": regime, "family": family, "theorem": th.theorem, "d": d, "T": T, "T0": p.chain.T0,
                   "n": p.chain.n, "lam": float(p.downstream.lam), "spectrum": p.spectrum.kind, "value": value,
                   "rb_mean": est, "rb_stderr": est_se, "g": g, "rel_gap": (est - value) / value,
                   "gap_over_g": (est - value) / (value * g), "q": q, "reps": reps, "seed": seed,
                   "seconds": round(time.perf_counter() - t, 2)}
            records.append(rec)
            print(json.dumps({k: (round(v, 5) if isinstance(v, float) else v) for k, v in rec.items()}), flush=True)
    fits = fit_constants(records)
    _dump("allowance_calibration", {
        "step": "calibrate", "script": SCRIPT,
        "estimator": "Rao–Blackwellised over label noise and (T0 >= d + 2) the chain (see script docstring)",
        "sweep": [{"regime": r, "options": {k: list(v) if isinstance(v, tuple) else v for k, v in kw.items()},
                   "family": f, "max_examples": count} for r, kw, f in (*CALIBRATION_SWEEP, *CALIBRATION_SWEEP_F8)],
        "fits": fits, "records": records,
    })
    print(json.dumps(fits, indent=2))


STEPS = {"kappa": step_kappa, "thm41": step_thm41, "cor44": step_cor44, "thm46": step_thm46, "exact": step_exact,
         "calibrate": step_calibrate, "calibrate-f8": step_calibrate_f8, "refit": step_refit}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("steps", nargs="+", choices=[*STEPS, "all"])
    args = ap.parse_args(argv)
    steps = list(STEPS) if "all" in args.steps else args.steps
    for s in steps:
        t = time.perf_counter()
        STEPS[s]()
        print(f"[{s}] {time.perf_counter() - t:.1f} s")


if __name__ == "__main__":
    main()
