r"""Samplers of the follow-up workflows (accumulate, accumulate-subsample, mix, a Shift source, and a
real/synthetic mixture downstream of any of these chains or of a replace chain), wrapping
:mod:`symcollapse.simulate._workflows`.

``"workflow-fast"``
    Exact in distribution from sufficient statistics (Bartlett factors, collapsed chains; proofs in the
    ``fast_*`` docstrings and docs/theory/workflows.md, *Samplers*). Needs :math:`T_0 \ge d` for a chain (and
    ``T_real >= d``), :math:`T \ge d` or :math:`\lambda > 0` downstream, no ridge inside the mix chain, and is
    not available for accumulate-subsample.
``"workflow-reference"``
    The reference oracle: every design materialised, every fit by ``lstsq`` / Eq. 7 (``reference_*``).
    Exact for every setting of these workflows.

Both draw replicate blocks from the streams :func:`~symcollapse.simulate.simulate` deals (one
``SeedSequence(seed)`` per call; numpy Generators, one per block), so a result depends on
``(problem, seed, method)`` only. They declare themselves exact for a ``"replace"`` chain only when the
downstream is a real/synthetic mixture (``Ridge.real_fraction > 0``), which the built-in samplers refuse.
"""

from __future__ import annotations

import numpy as np

from symcollapse.simulate import _workflows as W
from symcollapse.simulate.samplers._base import Sampler, register, workflow_key

__all__ = ["WorkflowFast", "WorkflowReference"]

_CHAINS = ("accumulate", "accumulate-subsample", "mix")


def _rf(problem) -> float:
    return float(getattr(problem.downstream, "real_fraction", 0))


def _common(problem) -> dict:
    ds = problem.downstream
    return dict(
        ev=np.asarray(problem.eigenvalues, dtype=np.float64),
        c=np.asarray(problem.coefficients, dtype=np.float64),
        T=int(ds.T),
        sigma=float(ds.sigma),
        lam=float(ds.lam),
    )


def _chain(problem) -> dict:
    ch = problem.chain
    return dict(n=int(ch.n), T0=int(ch.T0), sigma0=float(ch.sigma0), design=ch.design)


def _chain_source(problem, method: str) -> dict:
    """The ``chain`` argument of the mixture samplers for ``problem``'s chain (its kind and parameters)."""
    ch = problem.chain
    out = dict(_chain(problem), workflow=workflow_key(problem))
    if out["workflow"] == "mix":
        out["real_weight"] = float(ch.real_weight)
        if ch.T_real:
            out["T_real"] = int(ch.T_real)
        if method == "reference":
            out["lam0"] = float(ch.lam0)
    return out


class _WorkflowSampler(Sampler):
    workflows = (*_CHAINS, "shift", "replace")
    mixtures = True
    numpy_streams = True
    method = ""

    def exact_for(self, problem) -> str | None:
        wf = workflow_key(problem)
        if wf not in self.workflows:
            return f"the chain workflow to be one of {self.workflows} (got {wf!r})"
        rf = _rf(problem)
        if wf == "replace" and rf == 0:
            return "a real/synthetic mixture downstream (Ridge.real_fraction > 0) for a replace chain"
        if wf == "shift":
            problem.chain.delta(problem.d)  # SpecError if Δ has the wrong length
        return self._needs(problem, wf)

    def _needs(self, problem, wf) -> str | None:
        return None

    def per_rep(self, p) -> int:
        return max(1, p.d * p.d)

    def _job(self, problem):
        """(function, keyword arguments) of the plain sampler for ``problem``."""
        wf = workflow_key(problem)
        kw = _common(problem)
        fns = {
            "fast": (W.fast_accumulate, W.fast_mix, W.fast_mixture),
            "reference": (W.reference_accumulate, W.reference_mix, W.reference_mixture),
        }[self.method]
        if wf in _CHAINS and _rf(problem) != 0:
            # a mixture downstream of the chain: the mixture sampler with the chain as its source, drawn by
            # the chain samplers' own code (simulate._workflows.reference_mixture / fast_mixture)
            kw.update(real_fraction=_rf(problem), chain=_chain_source(problem, self.method))
            return fns[2], kw
        if wf in ("accumulate", "accumulate-subsample"):
            kw.update(_chain(problem))
            if wf == "accumulate-subsample":
                kw["subsample"] = True
            return fns[0], kw
        if wf == "mix":
            ch = problem.chain
            kw.update(_chain(problem), real_weight=float(ch.real_weight))
            if ch.T_real:
                kw["T_real"] = int(ch.T_real)
            if self.method == "reference":
                kw["lam0"] = float(ch.lam0)
            return fns[1], kw
        kw["real_fraction"] = _rf(problem)
        if wf == "shift":
            kw["delta"] = problem.chain.delta(problem.d)
        else:
            kw["chain"] = _chain(problem)
        return fns[2], kw

    def draw(self, p, gens, B, reps) -> dict:
        fn, kw = self._job(p.problem)
        errs, chains = [], []
        with W._one_blas_thread():
            for s, gen in enumerate(gens):
                count = min(B, reps - s * B)
                if count <= 0:
                    break
                e, ch = fn(gen=gen, count=count, **kw)
                errs.append(np.asarray(e, dtype=np.float64))
                chains.append(np.asarray(ch, dtype=np.float64))
        return {"errors": np.concatenate(errs), "chain_errors": np.concatenate(chains)}

    def compute(self, p, raw):
        e = raw["errors"]
        if not np.all(np.isfinite(e)):
            raise FloatingPointError(
                f"{self.key}: a replicate's error is not finite; try method='workflow-reference'"
            )
        return e, raw["chain_errors"]


class WorkflowFast(_WorkflowSampler):
    """Sufficient-statistic samplers (``fast_*``), exact in distribution."""

    key = "workflow-fast"
    cost = 2.5
    method = "fast"

    def _needs(self, problem, wf):
        d, ds, ch = problem.d, problem.downstream, problem.chain
        if wf == "accumulate-subsample":
            return "a workflow other than accumulate-subsample (it has the reference sampler only)"
        if wf != "shift" and ch.n > 0 and ch.T0 < d:
            return f"T0 >= d for the chain (got T0 = {ch.T0} < d = {d}); use method='workflow-reference'"
        if ds.T < d and ds.lam == 0:
            return f"T >= d or λ > 0 downstream (got T = {ds.T} < d = {d} at λ = 0); use method='workflow-reference'"
        if wf == "mix" and ch.lam0 != 0:
            return "lam0 = 0 (ridge inside the mix chain has the reference sampler only)"
        if wf == "mix" and ch.T_real and ch.T_real < d:
            return f"T_real >= d (got {ch.T_real}, d = {d}); use method='workflow-reference'"
        return None


class WorkflowReference(_WorkflowSampler):
    """The reference oracle (``reference_*``): everything materialised, exact for every setting."""

    key = "workflow-reference"
    cost = 20.0
    method = "reference"
    max_block = 16


FAST = register(WorkflowFast())
REFERENCE = register(WorkflowReference())
