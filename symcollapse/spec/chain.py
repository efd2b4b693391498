"""The fake-data chain: :class:`Chain` (Eqs. 4–6)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .domain import SQUARE_SAFE, Domain, SpecError, _field, _normalise_scalar, _scalar_out, _validate
from .registry import DESIGNS, REPLACE, Workflow, get_workflow, register_source

_DESIGNS = DESIGNS
_CHAIN_KEYS = ("n", "T0", "sigma0", "design", "workflow")


class _Params(dict):
    """The read-only ``{name: value}`` of a chain's workflow parameters (a dict, so it pickles and prints)."""

    def _read_only(self, *args, **kwargs):
        raise TypeError("Chain.params is read-only; build a new chain (Chain(...) or Problem.replace(...))")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = __ior__ = _read_only

    def __reduce__(self):
        return (_Params, (dict(self),))

    def __hash__(self):
        return hash(tuple(self.items()))


@register_source(key="chain")
@dataclass(frozen=True, init=False, eq=False, repr=False)
class Chain:
    r"""The fake-data chain (Eqs. 4–6): ``n`` generators, each fitted by OLS (:math:`X^\dagger Y`) on ``T0``
    samples labelled by the previous generator plus :math:`N(0, \sigma_0^2)` noise.

    Parameters
    ----------
    n : int
        Number of synthetic generations, :math:`n \ge 0`; ``n = 0`` means clean data.
    T0 : int
        Samples per generation, :math:`T_0 \ge 1` (:math:`T_0 < d` gives minimum-norm interpolators).
    sigma0 : number
        Label noise inside the chain, :math:`\sigma_0 \ge 0`.
    design : {"independent", "shared"}
        Fresh design :math:`X_m` each generation (default), or :math:`X_m \equiv X_0` (the "dependent case"
        of §4.5 / Thm 4.5).
    workflow : str or Workflow
        How generation :math:`m` is trained from :math:`m - 1`: a key of the workflow registry
        (:func:`~symcollapse.spec.register_workflow`). ``"replace"`` (default) is the paper's chain.
    **workflow_params
        The workflow's own parameters (``Workflow.params``), validated by their Domains and readable as
        attributes (``chain.real_weight``) and as the dict :attr:`params`. ``params={...}`` is accepted too.

    >>> Chain(n=2, T0=10).workflow.key
    'replace'
    """

    # n <= 10⁶: enough for any plateau or η = (T0/d)ⁿ underflow, and it keeps every computation bounded.
    n: int = _field(Domain(low=0, high=1_000_000, integer=True, typical=(0, 20)))
    T0: int = _field(Domain(low=1, integer=True))
    sigma0: Any = _field(Domain(low=0, high=SQUARE_SAFE, typical=(0.0, 2.0)), default=0.0)
    design: str = "independent"
    workflow: Workflow = REPLACE
    params: dict = field(default_factory=_Params)

    def __init__(
        self, n, T0, sigma0=0.0, design="independent", workflow="replace", *, params=None, **workflow_params
    ):
        wf = get_workflow(workflow)
        if not isinstance(design, str) or design not in _DESIGNS:
            raise SpecError(f"Chain.design must be one of {_DESIGNS}, got {design!r}")
        if design not in wf.designs:
            raise SpecError(
                f"Chain.design {design!r} is not supported by workflow {wf.key!r}; use one of {wf.designs}"
            )
        given = dict(params or {})
        clash = sorted(set(given) & set(workflow_params))
        if clash:
            raise SpecError(f"Chain got {clash} both in params= and as keywords")
        given.update(workflow_params)
        for name, value in (("n", n), ("T0", T0), ("sigma0", sigma0), ("design", design), ("workflow", wf)):
            object.__setattr__(self, name, value)
        object.__setattr__(self, "sigma0", _normalise_scalar(sigma0, "Chain.sigma0"))
        _validate(self)
        object.__setattr__(self, "params", _Params(wf.resolve(given)))

    def __getattr__(self, name: str) -> Any:
        # Only reached when normal lookup fails: workflow parameters read as attributes.
        params = self.__dict__.get("params")
        if params is not None and not name.startswith("__") and name in params:
            return params[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def _kwargs(self) -> dict:
        """Constructor keywords that rebuild this chain, keeping the user's exact scalars."""
        return {
            "n": self.n,
            "T0": self.T0,
            "sigma0": self.sigma0,
            "design": self.design,
            "workflow": self.workflow.key,
            **self.params,
        }

    def _identity(self) -> tuple:
        return (self.n, self.T0, self.sigma0, self.design, self.workflow.key, tuple(self.params.items()))

    def __eq__(self, other):
        if type(other) is not type(self):
            return NotImplemented
        return self._identity() == other._identity()

    def __hash__(self):
        return hash(self._identity())

    def __repr__(self):
        extra = "" if self.workflow.key == "replace" else f", workflow={self.workflow.key!r}"
        extra += "".join(f", {k}={v!r}" for k, v in self.params.items())
        return f"Chain(n={self.n!r}, T0={self.T0!r}, sigma0={self.sigma0!r}, design={self.design!r}{extra})"

    def to_dict(self) -> dict:
        """JSON-friendly dict; ``workflow`` and its parameters appear only for a workflow other than replace."""
        out = {"n": self.n, "T0": self.T0, "sigma0": _scalar_out(self.sigma0), "design": self.design}
        if self.workflow.key != "replace":
            out["workflow"] = self.workflow.key
        out.update({k: _scalar_out(v) for k, v in self.params.items()})
        return out

    @classmethod
    def from_dict(cls, data: dict) -> Chain:
        if not isinstance(data, dict):
            raise SpecError(f"Chain.from_dict needs a dict, got {type(data).__name__}")
        missing = [k for k in ("n", "T0") if k not in data]
        if missing:
            raise SpecError(f"Chain.from_dict is missing {missing} (a chain needs n and T0)")
        return cls(**data)
