r"""Display of result objects: a short one-line ``__repr__``, ``_repr_html_`` and ``_repr_latex_``.

Each function takes the object and reads only its public attributes, so a result class adopts them with
one line each (a dataclass keeps a ``__repr__`` written in its body)::

    __repr__ = _display.prediction_repr
    _repr_html_ = _display.prediction_html
    _repr_latex_ = _display.prediction_latex

or by inheriting a mixin (:class:`PredictionDisplay`, ...; declare the dataclass with ``repr=False``, since
a dataclass otherwise writes its own ``__repr__`` over the inherited one).

The LaTeX forms state the formula the numbers come from: the decomposition of the test error
(paper Thm 4.1 / Cor 4.4 / Thms 4.5–4.6; see docs/theory/results.md), the comparison rule, and the
scaling exponents (Thm 5.1, Cor 5.2; see docs/theory/scaling.md).
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable
from fractions import Fraction
from typing import Any

__all__ = [
    "ComparisonDisplay",
    "MCResultDisplay",
    "PredictionDisplay",
    "ScalingLawDisplay",
    "comparison_html",
    "comparison_latex",
    "comparison_repr",
    "mcresult_html",
    "mcresult_latex",
    "mcresult_repr",
    "prediction_html",
    "prediction_latex",
    "prediction_repr",
    "scaling_html",
    "scaling_latex",
    "scaling_repr",
]


def num(v: Any, digits: int = 6) -> str:
    """A number in ``digits`` significant digits (exact rationals as ``p/q`` when short, ints as ints)."""
    if v is None:
        return "—"
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, Fraction):
        if v.denominator == 1:
            return str(v.numerator)
        f = float(v)
        return repr(f) if Fraction(repr(f)) == v else f"{f:.{digits}g}"
    if type(v).__module__.startswith("sympy"):
        import sympy as sp  # noqa: PLC0415

        return sp.sstr(v)
    try:
        f = float(v)
    except (TypeError, ValueError):
        return str(v)
    if f == 0 or not math.isfinite(f):
        return str(f)
    return f"{f:.{digits}g}"


def _setting(problem: Any) -> str:
    """``n=1, T=1000, λ=0.001`` (the parameters sweeps vary), plus d and T0."""
    ch, r = problem.chain, problem.downstream
    return f"n={ch.n}, T={r.T}, λ={num(r.lam)}, d={problem.spectrum.d}, T0={ch.T0}"


def _table(title: str, rows: Iterable[tuple[str, Any]], caption: str = "") -> str:
    body = "".join(
        f"<tr><th style='text-align:left'>{html.escape(str(k))}</th><td style='text-align:right'>"
        f"{html.escape(v if isinstance(v, str) else num(v))}</td></tr>"
        for k, v in rows
    )
    cap = (
        f"<caption style='caption-side:bottom;text-align:left'>{html.escape(caption)}</caption>"
        if caption
        else ""
    )
    return (
        f"<table><thead><tr><th colspan='2' style='text-align:left'>{html.escape(title)}</th></tr></thead>"
        f"<tbody>{body}</tbody>{cap}</table>"
    )


def _tex(v: Any) -> str:
    s = num(v)
    if "e" in s and not s.startswith(("inf", "-inf", "nan")):
        mant, exp = s.split("e")
        s = rf"{mant}\times 10^{{{int(exp)}}}"
    return s


# ---- Prediction ---------------------------------------------------------------------------------------


def prediction_repr(p: Any) -> str:
    """``Prediction(total=0.0441573, bias=2.90005e-06, variance=0.00426829, collapse=0.0398861, ...)``."""
    parts = [
        f"total={num(p.total)}",
        f"bias={num(p.bias)}",
        f"variance={num(p.variance)}",
        f"collapse={num(p.collapse)}",
    ]
    if p.delta_bias:
        parts.append(f"delta_bias={num(p.delta_bias)}")
    digits = f", {p.digits} digits" if getattr(p, "digits", None) else ""
    return f"Prediction({', '.join(parts)}; {p.theorem}, {p.kind}{digits}; {_setting(p.problem)})"


def prediction_html(p: Any) -> str:
    rows = [("total", p.total), ("bias", p.bias), ("variance", p.variance), ("collapse n·σ0²·ρ", p.collapse)]
    if p.delta_bias:
        rows.append(("ΔBias", p.delta_bias))
    rows += [
        ("κ", p.kappa),
        ("df₂", p.df2),
        ("ρ", p.rho),
        ("result", f"{p.theorem} ({p.kind})"),
        ("ρ normalization", p.normalization),
    ]
    if getattr(p, "digits", None):
        rows.append(("certified digits", str(p.digits)))
    return _table("Prediction: E‖ŵ − w0‖²_Σ", rows, _setting(p.problem))


def prediction_latex(p: Any) -> str:
    r"""``$E_{test} = \mathrm{Bias} + \mathrm{Var} + n\sigma_0^2\rho\ (+\Delta\mathrm{Bias}) = ...$``."""
    ch = p.problem.chain
    terms = [r"\mathrm{Bias}", r"\mathrm{Var}", r"n\sigma_0^2\rho"]
    replace = getattr(getattr(ch, "workflow", None), "key", "replace") == "replace"
    if not replace:  # other workflows have their own collapse term (see docs/theory/workflows.md)
        terms[2] = r"\mathrm{Collapse}"
    values = [
        _tex(p.bias),
        _tex(p.variance),
        rf"{ch.n}\cdot {_tex(ch.sigma0)}^2\cdot {_tex(p.rho)}"
        if p.rho is not None and replace
        else _tex(p.collapse),
    ]
    if p.delta_bias:
        terms.append(r"\Delta\mathrm{Bias}")
        values.append(_tex(p.delta_bias))
    return (
        rf"$E_{{test}} = {' + '.join(terms)} = {' + '.join(values)} = {_tex(p.total)}"
        rf"\quad\text{{({p.theorem})}}$"
    )


# ---- MCResult -----------------------------------------------------------------------------------------


def mcresult_repr(m: Any) -> str:
    """``MCResult(mean=0.0436825 ± 0.000651442, reps=50, seed=0, method='collapsed'; n=1, ...)``."""
    return (
        f"MCResult(mean={num(m.mean)} ± {num(m.stderr, 3)}, reps={m.reps}, seed={m.seed}, "
        f"method={m.method!r}; {_setting(m.problem)})"
    )


def mcresult_html(m: Any) -> str:
    rows = [
        ("mean", m.mean),
        ("stderr", m.stderr),
        ("replicates", m.reps),
        ("seed", m.seed),
        ("sampler", str(m.method)),
        ("seconds", m.elapsed),
    ]
    return _table("Monte-Carlo estimate of E‖ŵ − w0‖²_Σ", rows, _setting(m.problem))


def mcresult_latex(m: Any) -> str:
    r"""``$\bar E = m \pm \widehat{se}$, \widehat{se} = s/\sqrt{reps}``."""
    return (
        rf"$\bar E = \frac{{1}}{{R}}\sum_{{i=1}}^{{R}} \|\hat w_i - w_0\|_\Sigma^2 = {_tex(m.mean)} \pm "
        rf"{_tex(m.stderr)}\quad (R = {m.reps})$"
    )


# ---- Comparison ---------------------------------------------------------------------------------------


def _passed(c: Any) -> str:
    return {True: "passed", False: "FAILED", None: "not informative"}.get(c.passed, str(c.passed))


def comparison_repr(c: Any) -> str:
    """``Comparison(passed, z=-1.15: theory 0.0442907 (Cor 4.4 ...) vs MC 0.0437635 ± 0.000457, ...)``."""
    return (
        f"Comparison({_passed(c)}, z={c.z:+.3g}: theory {num(c.value)} ({c.theory.theorem}, "
        f"{c.theory.normalization}) vs MC {num(c.mean)} ± {num(c.stderr, 3)}, allowance {num(c.allowance, 3)}, "
        f"k={num(c.k, 3)}; {_setting(c.theory.problem)})"
    )


def comparison_html(c: Any) -> str:
    rows = [
        ("verdict", _passed(c)),
        ("theory", c.value),
        ("MC mean", c.mean),
        ("MC stderr", c.stderr),
        ("z", c.z),
        ("allowance", c.allowance),
        ("k", c.k),
        ("result", f"{c.theory.theorem} ({c.theory.kind})"),
        ("ρ normalization", c.theory.normalization),
        ("replicates", c.mc.reps),
    ]
    return _table("Comparison: theory against simulation", rows, _setting(c.theory.problem))


def comparison_latex(c: Any) -> str:
    r"""The rule: ``$|\bar E - E_{theory}| \le k\,\widehat{se} + a$`` with the numbers."""
    rel = r"\le" if c.passed else r">"
    return (
        rf"$|\bar E - E_{{theory}}| = |{_tex(c.mean)} - {_tex(c.value)}| = {_tex(abs(c.mean - c.value))}"
        rf" {rel} k\,\widehat{{se}} + a = {_tex(c.k)}\cdot {_tex(c.stderr)} + {_tex(c.allowance)}$"
    )


# ---- ScalingLaw ---------------------------------------------------------------------------------------


def scaling_repr(law: Any) -> str:
    """``ScalingLaw(beta=2, r=3/8, ell=4/5, noise=noisy: total ≍ T^(-3/5); ell_opt=4/5, rate_opt=-3/5)``."""
    given = [
        f"{k}={num(getattr(law, k))}" for k in ("beta", "r", "ell", "a", "b") if getattr(law, k) is not None
    ]
    return (
        f"ScalingLaw({', '.join(given)}, noise={law.noise}: total ≍ T^({num(law.total_exponent)}); "
        f"ell_opt={num(law.ell_opt)}, rate_opt={num(law.rate_opt)})"
    )


def _law_items(law: Any) -> list[tuple[str, Any, str]]:
    if hasattr(law, "items"):
        return list(law.items())
    names = (
        "ell_crit",
        "c",
        "bias_exponent",
        "variance_exponent",
        "collapse_exponent",
        "total_exponent",
        "ell_opt",
        "rate_opt",
    )
    return [(n, getattr(law, n), n) for n in names if getattr(law, n, None) is not None]


def scaling_html(law: Any) -> str:
    rows = [(f"{name} — {desc}", num(v)) for name, v, desc in _law_items(law)]
    given = ", ".join(f"{k} = {num(getattr(law, k))}" for k in ("beta", "r", "ell", "a", "b", "noise"))
    return _table("ScalingLaw: exponent e means ≍ T^e (Thm 5.1, Cor 5.2)", rows, given)


def scaling_latex(law: Any) -> str:
    """The exponents as a LaTeX ``aligned`` block (the class's own :meth:`latex` where it has one)."""
    if hasattr(law, "latex"):
        return f"$${law.latex()}$$"
    import sympy as sp  # noqa: PLC0415

    lines = [r"\mathrm{" + n.replace("_", r"\_") + "} &= " + sp.latex(v) for n, v, _ in _law_items(law)]
    return "$$\\begin{aligned}" + r" \\ ".join(lines) + "\\end{aligned}$$"


# ---- mixins -------------------------------------------------------------------------------------------


class PredictionDisplay:
    """Mixin: short repr, HTML and LaTeX for a Prediction (use ``@dataclass(repr=False)``)."""

    __repr__ = prediction_repr
    _repr_html_ = prediction_html
    _repr_latex_ = prediction_latex


class MCResultDisplay:
    """Mixin: short repr, HTML and LaTeX for an MCResult (use ``@dataclass(repr=False)``)."""

    __repr__ = mcresult_repr
    _repr_html_ = mcresult_html
    _repr_latex_ = mcresult_latex


class ComparisonDisplay:
    """Mixin: short repr, HTML and LaTeX for a Comparison (use ``@dataclass(repr=False)``)."""

    __repr__ = comparison_repr
    _repr_html_ = comparison_html
    _repr_latex_ = comparison_latex


class ScalingLawDisplay:
    """Mixin: short repr, HTML and LaTeX for a ScalingLaw (use ``@dataclass(repr=False)``)."""

    __repr__ = scaling_repr
    _repr_html_ = scaling_html
    _repr_latex_ = scaling_latex
