r"""Registries of the spec's extension points: chain workflows, chain sources and downstream models.

Every layer dispatches on the objects registered here, never on display strings:

* a :class:`Workflow` says how generation :math:`m` is trained from generation :math:`m-1` (``"replace"``:
  on :math:`T_0` fresh samples labelled by the previous generator only, the paper's Eqs. 4–6). It declares
  its own parameters with the same :class:`~symcollapse.spec.domain.Domain` metadata as the spec fields, so
  :class:`~symcollapse.spec.Chain` validates them and the Hypothesis strategies can draw them;
* a *source* is the class that describes where the downstream training labels come from
  (:class:`~symcollapse.spec.Chain` today); :attr:`Problem.chain <symcollapse.spec.Problem>` accepts any
  registered source;
* a *downstream* is the model fitted on generation :math:`n`'s data (:class:`~symcollapse.spec.Ridge`
  today); :attr:`Problem.downstream <symcollapse.spec.Problem>` accepts any registered downstream.

Adding a workflow is a new module that calls :func:`register_workflow` once (theory terms, samplers and
strategies register against its ``key`` in their own layers); no ``if`` chain in the spec changes.

>>> from symcollapse.spec import Chain, get_workflow
>>> Chain(n=2, T0=10).workflow is get_workflow("replace")
True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .domain import Domain, SpecError, _normalise_scalar

__all__ = [
    "Workflow",
    "register_workflow",
    "get_workflow",
    "workflows",
    "register_source",
    "get_source",
    "sources",
    "source_key",
    "register_downstream",
    "get_downstream",
    "downstreams",
    "downstream_key",
    "DESIGNS",
]

#: Designs of the chain: a fresh design :math:`X_m` per generation, or :math:`X_m \equiv X_0` (paper §4.5).
DESIGNS = ("independent", "shared")

# Names a workflow parameter may not take: they are Chain fields, Ridge fields (Problem.replace routes
# leaf names to one part, so they must be unambiguous) or the keys the serialised form uses.
_RESERVED = frozenset({"n", "T0", "sigma0", "design", "workflow", "params", "kind", "T", "sigma", "lam"})


@dataclass(frozen=True, eq=False)
class Workflow:
    r"""How each generation of the chain is trained from the previous one.

    Parameters
    ----------
    key : str
        Registry key (``Chain(workflow=key)``), e.g. ``"replace"``.
    label : str
        One-line human description.
    params : dict[str, Domain]
        The workflow's own parameters and their valid ranges (checked by :class:`~symcollapse.spec.Chain`,
        drawn by the Hypothesis strategies from ``Domain.typical``).
    designs : tuple of str
        The chain designs the workflow supports (subset of ``("independent", "shared")``).
    defaults : dict
        Default values of some ``params``; a parameter without a default is required.
    """

    key: str
    label: str
    params: dict[str, Domain] = field(default_factory=dict)
    designs: tuple[str, ...] = DESIGNS
    defaults: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self):
        if not isinstance(self.key, str) or not self.key or self.key != self.key.strip():
            raise SpecError(
                f"Workflow.key must be a non-empty string without surrounding spaces, got {self.key!r}"
            )
        if not isinstance(self.params, dict):
            raise SpecError(
                f"Workflow.params must be a dict {{name: Domain}}, got {type(self.params).__name__}"
            )
        for name, dom in self.params.items():
            if (
                not isinstance(name, str)
                or not name.isidentifier()
                or name.startswith("_")
                or name in _RESERVED
            ):
                raise SpecError(
                    f"Workflow {self.key!r}: parameter name {name!r} must be a public identifier other than "
                    f"{sorted(_RESERVED)}"
                )
            if not isinstance(dom, Domain):
                raise SpecError(f"Workflow {self.key!r}: params[{name!r}] must be a Domain, got {dom!r}")
        designs = tuple(self.designs) if isinstance(self.designs, (tuple, list)) else None
        if not designs or any(d not in DESIGNS for d in designs):
            raise SpecError(
                f"Workflow {self.key!r}: designs must be a non-empty subset of {DESIGNS}, got {self.designs!r}"
            )
        object.__setattr__(self, "designs", designs)
        unknown = sorted(set(self.defaults) - set(self.params))
        if unknown:
            raise SpecError(f"Workflow {self.key!r}: defaults for undeclared parameters {unknown}")
        object.__setattr__(
            self,
            "defaults",
            {k: self.check_param(k, v, "Workflow.defaults") for k, v in self.defaults.items()},
        )

    def check_param(self, name: str, value: Any, owner: str = "Chain") -> Any:
        """``value`` validated by the parameter's Domain (exact scalars kept, see :func:`exact`)."""
        dom = self.params[name]
        label = f"{owner}.{name}"
        if value is None:
            raise SpecError(f"{label} must be {dom.describe()}, got None")
        if not dom.integer:
            value = _normalise_scalar(value, label)
        return dom.check(label, value)

    def resolve(self, given: dict[str, Any]) -> dict[str, Any]:
        """The full parameter dict for ``given`` (defaults filled in), or a :class:`SpecError`."""
        unknown = sorted(set(given) - set(self.params))
        if unknown:
            valid = sorted(self.params) or "none"
            raise SpecError(
                f"Chain got unknown parameter(s) {unknown} for workflow {self.key!r}; its parameters: {valid} "
                f"(fields of every chain: n, T0, sigma0, design, workflow)"
            )
        missing = sorted(set(self.params) - set(given) - set(self.defaults))
        if missing:
            raise SpecError(f"workflow {self.key!r} needs parameter(s) {missing}")
        return {k: self.check_param(k, given[k]) if k in given else self.defaults[k] for k in self.params}

    def _identity(self) -> tuple:
        return (self.key, self.label, tuple(self.params.items()), self.designs, tuple(self.defaults.items()))

    def __eq__(self, other):
        return isinstance(other, Workflow) and self._identity() == other._identity()

    def __hash__(self):
        return hash(self.key)

    def __repr__(self):
        return f"Workflow({self.key!r}, params={sorted(self.params)})"


_WORKFLOWS: dict[str, Workflow] = {}


def register_workflow(workflow: Workflow, *, overwrite: bool = False) -> Workflow:
    """Register ``workflow`` under ``workflow.key`` and return it.

    Registering an equal workflow again is a no-op (modules may be re-imported); a *different* workflow under
    a taken key is refused unless ``overwrite=True``.
    """
    if not isinstance(workflow, Workflow):
        raise SpecError(f"register_workflow needs a Workflow, got {type(workflow).__name__}")
    old = _WORKFLOWS.get(workflow.key)
    if old is not None and old != workflow and not overwrite:
        raise SpecError(f"workflow key {workflow.key!r} is already registered as {old!r}")
    _WORKFLOWS[workflow.key] = workflow
    return workflow


def get_workflow(key: str | Workflow) -> Workflow:
    """The registered workflow for ``key`` (a registered :class:`Workflow` is returned as is)."""
    if isinstance(key, Workflow):
        if _WORKFLOWS.get(key.key) != key:
            raise SpecError(f"workflow {key.key!r} is not registered; call register_workflow first")
        return _WORKFLOWS[key.key]
    if not isinstance(key, str) or key not in _WORKFLOWS:
        raise SpecError(f"Chain.workflow must be one of {sorted(_WORKFLOWS)}, got {key!r}")
    return _WORKFLOWS[key]


def workflows() -> dict[str, Workflow]:
    """A copy of the registry ``{key: Workflow}``."""
    return dict(_WORKFLOWS)


#: Today's behaviour (paper Eqs. 4–6): generation m is an OLS fit on T0 fresh samples labelled by m − 1 only.
REPLACE = register_workflow(
    Workflow("replace", "each generation trains on T0 fresh samples labelled by the previous one (Eqs. 4-6)")
)


# --------------------------------------------------------------------------------------------------------
# Class registries (sources of the chain slot, downstream models)
# --------------------------------------------------------------------------------------------------------


_class_tables: dict[str, dict[str, type]] = {}


def _class_registry(kind: str):
    table: dict[str, type] = _class_tables.setdefault(kind, {})

    def register(cls: type | None = None, *, key: str | None = None):
        def add(c: type) -> type:
            if (
                not isinstance(c, type)
                or not callable(getattr(c, "to_dict", None))
                or not callable(getattr(c, "from_dict", None))
            ):
                raise SpecError(f"register_{kind} needs a class with to_dict() and from_dict(), got {c!r}")
            k = key or c.__name__.lower()
            if table.get(k, c) is not c and table[k].__qualname__ != c.__qualname__:
                raise SpecError(f"{kind} key {k!r} is already registered to {table[k].__name__}")
            table[k] = c
            return c

        return add if cls is None else add(cls)

    def get(key: str) -> type:
        if key not in table:
            raise SpecError(f"unknown {kind} kind {key!r}; registered: {sorted(table)}")
        return table[key]

    def key_of(obj_or_cls: Any) -> str | None:
        cls = obj_or_cls if isinstance(obj_or_cls, type) else type(obj_or_cls)
        return next((k for k, c in table.items() if c is cls), None)

    return register, get, (lambda: dict(table)), key_of


register_source, get_source, sources, source_key = _class_registry("source")
register_source.__doc__ = """Register a class for the ``Problem.chain`` slot (decorator; ``key`` defaults to the
lower-cased class name). It needs ``to_dict()`` and a ``from_dict(dict)`` classmethod; ``Problem.to_dict`` adds
the registry key as ``"kind"`` for classes other than Chain, so ``to_dict`` must not use that key itself."""
get_source.__doc__ = "The source class registered under ``key``."
register_downstream, get_downstream, downstreams, downstream_key = _class_registry("downstream")
register_downstream.__doc__ = """Register a downstream model class for ``Problem.downstream`` (decorator; ``key``
defaults to the lower-cased class name). It needs ``to_dict()`` and a ``from_dict(dict)`` classmethod; ``Problem.to_dict``
adds the registry key as ``"kind"`` for classes other than Ridge, so ``to_dict`` must not use that key itself."""
get_downstream.__doc__ = "The downstream class registered under ``key``."
