r"""The terms of each result, written once against the backend protocol (:mod:`symcollapse.theory._backends`).

* :mod:`.ols_exact` — Thm 4.1, the exact finite-sample identity;
* :mod:`.ridge` — Prop 4.2 / Cor 4.4 with ρ of Eq. 19 (and the downstream ridge sums every result shares);
* :mod:`.overparam` — the over-parametrised chain (Thms 4.5/4.6, Thm 4.3 / Eq. 18, Lemma F.8).

:data:`TERMS` maps a :attr:`Regime.terms <symcollapse.theory.regimes.Regime.terms>` key to a module with
``compute(problem, case, ops) -> dict`` (the quantities of a ``Prediction``) and ``symbolic(problem, case)``
(the general SymPy expression). A new workflow registers its module with :func:`register`.
"""

from __future__ import annotations

from types import ModuleType

from symcollapse.theory.terms import ols_exact, overparam, ridge

__all__ = ["TERMS", "QUANTITIES", "register", "compute"]

QUANTITIES = ("bias", "variance", "collapse", "delta_bias", "total", "kappa", "kappa0", "df1", "df2", "rho")

TERMS: dict[str, ModuleType] = {"ols_exact": ols_exact, "ridge": ridge, "overparam": overparam}


def register(key: str, module) -> None:
    """Register the term module ``module`` (with ``compute`` and ``symbolic``) under ``key``."""
    if key in TERMS and TERMS[key] is not module:
        raise ValueError(f"terms {key!r} already registered")
    TERMS[key] = module


def compute(problem, case, ops) -> dict:
    """Every quantity of a ``Prediction`` for ``case``, in the arithmetic of ``ops``."""
    out = TERMS[case.regime.terms].compute(problem, case, ops)
    out["total"] = out["bias"] + out["variance"] + out["collapse"] + out["delta_bias"]
    return out
from symcollapse.theory.terms import accumulate, mix, mixture  # noqa: E402,F401  (workflow terms register themselves)
