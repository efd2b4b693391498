"""One model-collapse :class:`Problem`: spectrum, target, chain and downstream."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from .chain import Chain
from .domain import SpecError, _known_keys
from .downstream import Ridge
from .registry import (
    downstream_key,
    downstreams,
    get_downstream,
    get_source,
    get_workflow,
    source_key,
    sources,
)
from .spectrum import Spectrum
from .target import Target

# The class each slot deserialises to when its dict carries no "kind" (every file written so far).
_DEFAULT_KIND = {"chain": "chain", "downstream": "ridge"}
_SLOTS = {
    "chain": (source_key, sources, get_source),
    "downstream": (downstream_key, downstreams, get_downstream),
}


def _kwargs(part: Any) -> dict:
    """Constructor keywords of a chain/downstream part, keeping exact scalars where the class can."""
    own = getattr(part, "_kwargs", None)
    return own() if callable(own) else part.to_dict()


def _rebuild(part: Any, kwargs: dict) -> Any:
    key = _memo_key(part, kwargs)
    if key is not None:
        hit = _PARTS.get(key)
        if hit is not None and _fresh(hit):  # never a workflow re-registered since the hit was built
            return hit
    out = type(part)(**kwargs) if callable(getattr(part, "_kwargs", None)) else type(part).from_dict(kwargs)
    if key is not None:
        if len(_PARTS) >= _PARTS_SIZE:
            try:  # FIFO: bounded memory on long sweeps (another thread may be evicting too)
                _PARTS.pop(next(iter(_PARTS)), None)
            except (RuntimeError, StopIteration):
                pass
        _PARTS[key] = out
    return out


# Parts rebuilt by ``replace`` are immutable values, so equal constructor keywords may share one object:
# a dense grid over (n, T, λ) then validates each distinct chain and ridge once instead of at every point.
# Only the package's own Chain/Ridge are memoised, and only for keywords of plain exact types (int, float,
# str, Fraction; floats keyed by repr so that -0.0 and 0.0 stay distinct); a bad value raises every time,
# since errors are never stored.
_PARTS: dict = {}
_PARTS_SIZE = 4096
_PLAIN = (int, float, str, Fraction)


def _memo_key(part: Any, kwargs: dict) -> tuple | None:
    cls = type(part)
    if cls is not Chain and cls is not Ridge:
        return None
    items = []
    for k, v in kwargs.items():
        t = type(v)
        if t not in _PLAIN:
            return None
        items.append((k, t, repr(v) if t is float else v))
    return (cls, tuple(items))


def _fresh(part: Any) -> bool:
    """Whether a memoised part's workflow (if it has one) is still the one registered under its key."""
    wf = getattr(part, "workflow", None)
    if wf is None:
        return True
    try:
        return get_workflow(wf.key) is wf
    except SpecError:  # unregistered since: rebuild, which reports it
        return False


@dataclass(frozen=True)
class Problem:
    r"""One model-collapse problem: spectrum, target, chain and downstream model (paper §3; see
    docs/theory/setup.md).

    ``chain`` is any registered source (:func:`~symcollapse.spec.register_source`; :class:`Chain` today) and
    ``downstream`` any registered downstream model (:func:`~symcollapse.spec.register_downstream`;
    :class:`Ridge` today).

    Derived quantities: :attr:`d`, :attr:`phi` :math:`= d/T`, :attr:`phi0` :math:`= d/T_0`.
    Regime conditions of individual formulas (e.g. :math:`T_0 \ge d + 2`) are checked where the formula is
    used, raising :class:`RegimeError`; this class only checks that the parts fit together.
    """

    spectrum: Spectrum
    target: Target
    chain: Chain
    downstream: Ridge

    def __post_init__(self):
        for name, cls in (("spectrum", Spectrum), ("target", Target)):
            if not isinstance(getattr(self, name), cls):
                raise SpecError(
                    f"Problem.{name} must be a {cls.__name__}, got {type(getattr(self, name)).__name__}"
                )
        for slot, (key_of, table, _) in _SLOTS.items():
            if key_of(getattr(self, slot)) is None:
                names = sorted(c.__name__ for c in table().values())
                raise SpecError(
                    f"Problem.{slot} must be one of the registered classes {names}, "
                    f"got {type(getattr(self, slot)).__name__}"
                )
        self.target._check(self.spectrum)

    @property
    def d(self) -> int:
        return self.spectrum.d

    @property
    def phi(self) -> float:
        r""":math:`\phi = d/T`."""
        return self.d / self.downstream.T

    @property
    def phi0(self) -> float:
        r""":math:`\phi_0 = d/T_0`."""
        return self.d / self.chain.T0

    @property
    def eigenvalues(self) -> np.ndarray:
        return self.spectrum.eigenvalues

    @property
    def coefficients(self) -> np.ndarray:
        return self.target.coefficients(self.spectrum)

    def replace(self, **changes: Any) -> Problem:
        """A copy with fields changed; also accepts the leaf fields of the chain (``n, T0, sigma0, design,
        workflow`` and the workflow's parameters) and of the downstream (``T, sigma, lam``).

        Changing ``workflow`` drops the old workflow's parameters that are not given again.

        >>> from symcollapse.spec import preset
        >>> p = preset("fig1a").replace(n=3, lam=0.1)
        >>> (p.chain.n, p.downstream.lam)
        (3, 0.1)
        """
        parts = {
            "spectrum": self.spectrum,
            "target": self.target,
            "chain": self.chain,
            "downstream": self.downstream,
        }
        for k in parts.keys() & changes.keys():
            parts[k] = changes.pop(k)
        chain, ridge = _kwargs(parts["chain"]), _kwargs(parts["downstream"])
        # A chain that takes a workflow takes that workflow's parameters as leaf fields too.
        takes_params = "workflow" in chain
        if takes_params and "workflow" in changes:
            new = changes["workflow"]
            if getattr(new, "key", new) != chain["workflow"]:
                for name in getattr(parts["chain"], "params", {}):
                    chain.pop(name, None)
        new_chain, new_ridge = {}, {}
        for k, v in changes.items():
            if k in ridge:
                new_ridge[k] = v
            elif k in chain or takes_params:
                new_chain[k] = v  # unknown names are reported by the chain, with its valid ones
            else:
                raise SpecError(
                    f"Problem.replace got an unknown field {k!r}; valid: {sorted(parts)} + {sorted(chain)} + "
                    f"{sorted(ridge)}"
                )
        if new_chain:
            parts["chain"] = _rebuild(parts["chain"], {**chain, **new_chain})
        if new_ridge:
            parts["downstream"] = _rebuild(parts["downstream"], {**ridge, **new_ridge})
        if parts["spectrum"] is self.spectrum and parts["target"] is self.target:
            return self._with_parts(parts["chain"], parts["downstream"])
        return Problem(**parts)

    def _with_parts(self, chain: Any, downstream: Any) -> Problem:
        """This problem with another chain and downstream: ``__post_init__``'s checks minus the
        spectrum–target check, which these two unchanged, already checked objects passed."""
        for slot, part in (("chain", chain), ("downstream", downstream)):
            key_of, table, _ = _SLOTS[slot]
            if key_of(part) is None:
                names = sorted(c.__name__ for c in table().values())
                raise SpecError(
                    f"Problem.{slot} must be one of the registered classes {names}, got {type(part).__name__}"
                )
        out = object.__new__(Problem)
        for name, value in (("spectrum", self.spectrum), ("target", self.target), ("chain", chain),
                            ("downstream", downstream)):
            object.__setattr__(out, name, value)
        return out

    def to_dict(self) -> dict:
        """JSON/TOML-friendly nested dict (Fractions become strings such as ``'1/1000'``).

        A chain or downstream of a class other than :class:`Chain` / :class:`Ridge` carries its registry key
        as ``"kind"``, which :meth:`from_dict` dispatches on.
        """
        out = {"spectrum": self.spectrum.to_dict(), "target": self.target.to_dict()}
        for slot, (key_of, _, _) in _SLOTS.items():
            part, key = getattr(self, slot), key_of(getattr(self, slot))
            out[slot] = part.to_dict() if key == _DEFAULT_KIND[slot] else {"kind": key, **part.to_dict()}
        return out

    @classmethod
    def from_dict(cls, data: dict) -> Problem:
        _known_keys(cls, data)
        missing = {"spectrum", "target", "chain", "downstream"} - set(data)
        if missing:
            raise SpecError(f"Problem.from_dict is missing {sorted(missing)}")
        slots = {}
        for slot, (_, _, get) in _SLOTS.items():
            sub = data[slot]
            if not isinstance(sub, dict):
                raise SpecError(f"Problem.from_dict: {slot} must be a dict, got {type(sub).__name__}")
            sub = dict(sub)
            slots[slot] = get(sub.pop("kind", _DEFAULT_KIND[slot])).from_dict(sub)
        return cls(
            spectrum=Spectrum.from_dict(data["spectrum"]), target=Target.from_dict(data["target"]), **slots
        )
