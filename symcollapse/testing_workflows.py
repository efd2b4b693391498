r"""Hypothesis strategies for the follow-up workflows (accumulate, accumulate-subsample, mix, Shift mixtures,
mixtures downstream of a chain).

Every scalar is drawn from its declared :class:`~symcollapse.spec.Domain`: the workflow's own parameters from
``get_workflow(key).params`` (e.g. ``real_weight`` ∈ [0, 1]), the chain and ridge fields from
:func:`symcollapse.spec.domains` (``Ridge.real_fraction`` ∈ [0, 1]), spectra and targets from
:func:`symcollapse.testing.spectra` / :func:`~symcollapse.testing.targets`. Sample sizes follow the rules of
:mod:`symcollapse.testing` (``T0 >= d + 8`` for Monte-Carlo checks: four finite moments of the
:math:`1/\chi^2_{T_0-d+1}` factors). The strategy names are the ``strategy`` of the registered workflow regimes
(:data:`WORKFLOW_REGIMES`), each drawing problems inside that regime's conditions (docs/theory/workflows.md):

``"accumulate"`` / ``"mix"``
    An OLS chain with :math:`T_0 \in [d + 3, 12d]` (``mc``: :math:`d + 8`), either design, ``real_fraction = 0``;
    downstream OLS (:math:`T \ge d + 3`, exact) or ridge (:math:`\lambda > 0`, :math:`T \in [d/3, 12d]`;
    ``mc``: :math:`[d, 12d]`).
``"accumulate-subsample"``
    The same with :math:`n \le 1` (where generation 1 is the replace chain's and the formula holds).
``"shift"``
    A :class:`~symcollapse.spec.Shift` source with :math:`\Delta_j` uniform in [-1, 1] and a ridge
    (:math:`\lambda > 0`) on :math:`T \in [d/3, 12d]` rows (``mc``: :math:`[2d, 12d]`, where the allowance stays
    below the value), ``real_fraction`` from its domain.
``"replace-mixture"`` / ``"accumulate-mixture"`` / ``"accumulate-subsample-mixture"`` / ``"mix-mixture"``
    A real/synthetic mixture downstream of a chain of that kind: the chain as for ``"accumulate"`` (``n >= 1``,
    :math:`\sigma_0 \ge 0.1`, so the chain moves; accumulate-subsample :math:`n = 1`), ``real_fraction`` from its
    domain above 0.05 or exactly 1 (the exact regime at λ = 0); downstream OLS or ridge, with ``mc``
    :math:`T \ge 2d` for ridge as for ``"shift"``.
"""

from __future__ import annotations

from hypothesis import strategies as st

from symcollapse.spec import COEFFICIENT, DESIGNS, Chain, Problem, Ridge, Shift, domains, get_workflow
from symcollapse.testing import from_domain, register_strategy, sample_size_range, spectra, targets
from symcollapse.testing import problems as _problems

__all__ = ["WORKFLOW_REGIMES", "workflow_problems"]

_CHAIN, _RIDGE = domains(Chain), domains(Ridge)


def workflow_problems(workflow: str, **options) -> st.SearchStrategy[Problem]:
    """``symcollapse.testing.problems(workflow, **options)`` restricted to this module's strategies
    (:data:`WORKFLOW_REGIMES`)."""
    if workflow not in WORKFLOW_REGIMES:
        raise ValueError(f"workflow must be one of {WORKFLOW_REGIMES}, got {workflow!r}")
    return _problems(workflow, **options)


def _builder(workflow: str, draw_rest):
    r"""The build function registered for ``workflow``: validates nothing beyond Hypothesis' own checks.

    Options: ``d``, ``n`` (ranges), ``mc``; ``ridge``: ``None`` draws OLS or ridge downstream, ``True``/``False``
    forces one (the Shift mixture is always a ridge, its formula being a deterministic equivalent everywhere);
    ``spectrum_kinds``; ``noisy``: chain noise :math:`\sigma_0 \ge 0.1` (so the chain's term is visible).
    """

    def build(
        *,
        d=(2, 10),
        n=(0, 8),
        mc=False,
        ridge=None,
        spectrum_kinds=("isotropic", "power_law", "custom"),
        noisy=False,
    ):
        return _draw(workflow, draw_rest, d, n, mc, ridge, spectrum_kinds, noisy)

    return build


@st.composite
def _draw(draw, workflow, draw_rest, d, n, mc, ridge, kinds, noisy) -> Problem:
    # The draw order (d, spectrum, target, σ, OLS/ridge, T, λ, then the workflow's part) fixes the examples.
    dd = draw(st.integers(*d))
    spec = draw(spectra(dd, kinds))
    tgt = draw(targets(spec))
    # σ > 0: an OLS downstream with σ = 0 has error exactly 0, which predict's float path refuses as underflow
    sigma = draw(from_domain(_RIDGE["sigma"], low=0.05))
    shift = workflow == "shift"  # the Shift mixture's formula is a ridge deterministic equivalent everywhere
    mixture = shift or workflow.endswith("-mixture")
    use_ridge = True if shift else (draw(st.booleans()) if ridge is None else ridge)
    if use_ridge:
        lo, hi = sample_size_range("T-ridge", dd, mc)
        # the allowance 1.5|E|/(T − df2) of a deterministic equivalent exceeds |E| for T ≲ df2 (the mixtures:
        # ≲ 2 df2), where a check is not informative: Monte-Carlo draws keep T >= d (mixtures: >= 2d)
        T = draw(st.integers((2 * dd if mixture else dd) if mc else lo, hi))
        lam = draw(from_domain(_RIDGE["lam"]))
    else:
        T, lam = draw(st.integers(*sample_size_range("T-ols", dd, mc))), 0.0
    return draw_rest(draw, workflow, spec, tgt, dict(T=T, sigma=sigma, lam=lam), dd, n, mc, noisy)


def _rest_shift(draw, workflow, spec, tgt, ds: dict, dd, n, mc, noisy) -> Problem:
    delta = draw(st.lists(from_domain(COEFFICIENT, low=-1.0, high=1.0), min_size=dd, max_size=dd))
    rf = draw(from_domain(_RIDGE["real_fraction"]))
    return Problem(spec, tgt, Shift(coefficients=delta), Ridge(**ds, real_fraction=rf))


def _rest_chain(draw, workflow, spec, tgt, ds: dict, dd, n, mc, noisy) -> Problem:
    wf = get_workflow(workflow)
    # accumulate-subsample: its formula holds for n <= 1 (generation 1 is the replace chain's)
    hi_n = 1 if workflow == "accumulate-subsample" else n[1]
    nn = draw(st.integers(min(n[0], hi_n), hi_n))
    T0 = draw(st.integers(*sample_size_range("T0-under", dd, mc)))
    params = {k: draw(from_domain(dom)) for k, dom in wf.params.items() if dom.typical is not None}
    chain = Chain(
        n=nn,
        T0=T0,
        sigma0=draw(from_domain(_CHAIN["sigma0"], low=0.1) if noisy else from_domain(_CHAIN["sigma0"])),
        design=draw(st.sampled_from(DESIGNS)),
        workflow=workflow,
        **params,
    )
    return Problem(spec, tgt, chain, Ridge(**ds))


def _rest_chain_mixture(draw, workflow, spec, tgt, ds: dict, dd, n, mc, noisy) -> Problem:
    """A mixture downstream of a moving chain (n >= 1, σ0 >= 0.1) of kind ``workflow[:-len("-mixture")]``."""
    chain_wf = workflow[: -len("-mixture")]
    hi_n = 1 if chain_wf == "accumulate-subsample" else max(n[1], 1)
    nn = draw(st.integers(max(n[0], 1), hi_n))
    T0 = draw(st.integers(*sample_size_range("T0-under", dd, mc)))
    wf = get_workflow(chain_wf)
    params = {k: draw(from_domain(dom)) for k, dom in wf.params.items() if dom.typical is not None}
    chain = Chain(
        n=nn,
        T0=T0,
        sigma0=draw(from_domain(_CHAIN["sigma0"], low=0.1)),
        design=draw(st.sampled_from(DESIGNS)),
        workflow=chain_wf,
        **params,
    )
    # rf = 1 (all rows real) is the exact regime at λ = 0; rf >= 0.05 keeps a realised T_real > 0 for T >= 10
    rf = draw(from_domain(_RIDGE["real_fraction"], low=0.05) | st.just(1.0))
    return Problem(spec, tgt, chain, Ridge(**ds, real_fraction=rf))


# name (the regimes' `strategy`), its chain workflow key, the workflow-specific draws
_BUILTIN = (
    ("accumulate", "accumulate", _rest_chain),
    ("accumulate-subsample", "accumulate-subsample", _rest_chain),
    ("mix", "mix", _rest_chain),
    ("shift", "shift", _rest_shift),
    ("replace-mixture", "replace", _rest_chain_mixture),
    ("accumulate-mixture", "accumulate", _rest_chain_mixture),
    ("accumulate-subsample-mixture", "accumulate-subsample", _rest_chain_mixture),
    ("mix-mixture", "mix", _rest_chain_mixture),
)
for _name, _wf, _rest in _BUILTIN:
    register_strategy(_name, _builder(_name, _rest), workflow=_wf)

#: The strategy names this module registers.
WORKFLOW_REGIMES = tuple(name for name, _, _ in _BUILTIN)
