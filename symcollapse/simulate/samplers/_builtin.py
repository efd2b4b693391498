r"""The built-in samplers of the ``"replace"`` chain: reference, bartlett, collapsed, ols-law.

Their exactness proofs are in :mod:`symcollapse.simulate.monte_carlo` (module docstring) and in the kernels'
docstrings (:mod:`symcollapse.simulate._kernels`); see also docs/theory/simulation.md.
"""

from __future__ import annotations

import numpy as np

from symcollapse.simulate.samplers._base import Plain, Sampler, register

__all__ = ["Reference", "Bartlett", "Collapsed", "OLSLaw"]


def _factor(Tm: int, d: int) -> tuple[int, int, int]:
    """(diagonal length, packed off-diagonal length, Gaussian-vector length) of one design's factor."""
    from symcollapse.simulate._kernels import packed_size, trapezoid_size

    return (d, packed_size(d), d) if Tm >= d else (Tm, trapezoid_size(Tm, d), Tm)


def _draw_diag(gen, Tm: int, d: int, size: tuple) -> np.ndarray:
    """Diagonal of a factor along the last axis: :math:`T_m \\ge d`: reversed Bartlett
    :math:`\\sqrt{\\chi^2(T_m - d + 1 + i)}`, :math:`i < d`; :math:`T_m < d`: trapezoid
    :math:`\\sqrt{\\chi^2(T_m - i)}`, :math:`i < T_m`."""
    df = np.arange(Tm - d + 1, Tm + 1, dtype=np.float64) if Tm >= d else np.arange(Tm, 0, -1, dtype=np.float64)
    return np.sqrt(gen.chisquare(df, size=size))


def _chain_needs(p: Plain) -> list[str]:
    if p.n > 0 and p.T0 < p.d:
        return [
            f"T0 >= d for the chain (got T0 = {p.T0} < d = {p.d}: a chain of minimum-norm interpolators does "
            "not collapse; use method='bartlett' or 'reference')"
        ]
    return []


def _downstream_shapes(p: Plain) -> dict[str, tuple]:
    k, m, zlen = _factor(p.T, p.d)
    return {"down_diag": (k,), "down_off": (m,), "down_z": (zlen,)}


def _draw_downstream(p: Plain, gen, arrays: dict, sl: slice, B: int) -> None:
    arrays["down_diag"][sl] = _draw_diag(gen, p.T, p.d, (B, arrays["down_diag"].shape[1]))
    gen.standard_normal(out=arrays["down_off"][sl])
    gen.standard_normal(out=arrays["down_z"][sl])


def check_status(status: np.ndarray, what: str) -> None:
    bad = np.flatnonzero(status)
    if bad.size:
        raise FloatingPointError(
            f"LAPACK failed (info = {int(status[bad[0]])}) in {bad.size} replicate(s): {what} was not "
            "numerically positive definite; method='reference' (SVD-based) may still work"
        )


def _run_downstream(p: Plain, v: np.ndarray, arrays: dict, k: int):
    from symcollapse.simulate._kernels import dual_downstream, ridge_downstream

    err = np.empty(k)
    chain_err = np.empty(k)
    status = np.zeros(k, dtype=np.int32)
    args = (v, arrays["down_diag"], arrays["down_off"], arrays["down_z"], err, chain_err, status)
    if p.T >= p.d:
        ridge_downstream(1.0 / np.sqrt(p.ev), 1.0 / p.ev, p.c, float(p.mu), p.sigma, *args)
    else:
        dual_downstream(np.sqrt(p.ev), p.ev, p.c, float(p.mu), p.sigma, *args)
    check_status(status, "the downstream system (W + μΣ⁻¹, or XXᵀ + μI when T < d)")
    return err, chain_err


def _chain_S(p: Plain, c: np.ndarray) -> np.ndarray:
    r""":math:`S = \sum_k 1/c_k` (independent designs) or :math:`n/c_0` (shared); 0 when :math:`n = 0`."""
    if p.n == 0:
        return np.zeros(c.shape[0])
    return p.n / c[:, 0] if p.shared else np.sum(1.0 / c, axis=1)


class Bartlett(Sampler):
    """Per-generation Bartlett–Wishart sufficient statistics; covers every ``"replace"`` problem."""

    key = "bartlett"
    cost = 3.0

    def shapes(self, p):
        k, m, zlen = _factor(p.T0, p.d)
        return {
            "chain_diag": (p.G, k),
            "chain_off": (p.G, m),
            "chain_z": (p.n, zlen),
            **_downstream_shapes(p),
        }

    def draw(self, p, gen, arrays, sl, B):
        arrays["chain_diag"][sl] = _draw_diag(gen, p.T0, p.d, (B, p.G, arrays["chain_diag"].shape[2]))
        gen.standard_normal(out=arrays["chain_off"][sl])
        gen.standard_normal(out=arrays["chain_z"][sl])
        _draw_downstream(p, gen, arrays, sl, B)

    def compute(self, p, arrays, k):
        from symcollapse.simulate._kernels import bartlett_chain, dual_chain

        v = np.zeros((k, p.d))
        if p.n > 0:
            chain = (arrays["chain_diag"], arrays["chain_off"], arrays["chain_z"], p.sigma0, p.shared)
            if p.T0 >= p.d:
                bartlett_chain(*chain, v)
            else:
                status = np.zeros(k, dtype=np.int32)
                dual_chain(np.sqrt(p.ev), p.ev, p.c, *chain, v, status)
                check_status(status, "a generator's Gram matrix X_m X_mᵀ (T0 < d)")
        return _run_downstream(p, v, arrays, k)


class Collapsed(Sampler):
    """The whole OLS chain as ``n`` chi-squares and one Gaussian vector (``T0 >= d``), Bartlett downstream."""

    key = "collapsed"
    cost = 2.0

    def exact_for_plain(self, p):
        return "; ".join(_chain_needs(p)) or None

    def shapes(self, p):
        return {"chain_c": (p.G,), "chain_z": (p.d,), **_downstream_shapes(p)}

    def draw(self, p, gen, arrays, sl, B):
        if p.G:
            arrays["chain_c"][sl] = gen.chisquare(p.T0 - p.d + 1, size=(B, p.G))
        gen.standard_normal(out=arrays["chain_z"][sl])
        _draw_downstream(p, gen, arrays, sl, B)

    def compute(self, p, arrays, k):
        S = _chain_S(p, arrays["chain_c"])
        v = np.ascontiguousarray((p.sigma0 * np.sqrt(S))[:, None] * arrays["chain_z"])
        return _run_downstream(p, v, arrays, k)


class OLSLaw(Sampler):
    """The closed joint law of both errors for an OLS chain and an OLS downstream (``lam = 0``)."""

    key = "ols-law"
    cost = 1.0

    def exact_for_plain(self, p):
        why = _chain_needs(p)
        if p.T < p.d:
            why.append(f"T >= d downstream (got T = {p.T} < d = {p.d}; use method='bartlett' or 'collapsed')")
        if p.lam != 0:
            why.append(f"lam = 0 (got lam = {p.lam:g}; use method='collapsed' or 'bartlett' for ridge)")
        return "; ".join(why) or None

    def shapes(self, p):
        return {"chain_c": (p.G,), "c_down": (), "a": (), "gamma": (), "beta": ()}

    def draw(self, p, gen, arrays, sl, B):
        if p.G:
            arrays["chain_c"][sl] = gen.chisquare(p.T0 - p.d + 1, size=(B, p.G))
        arrays["c_down"][sl] = gen.chisquare(p.T - p.d + 1, size=B)
        arrays["a"][sl] = gen.chisquare(p.d, size=B)
        gen.standard_normal(out=arrays["gamma"][sl])
        arrays["beta"][sl] = gen.chisquare(p.d - 1, size=B) if p.d > 1 else 0.0

    def compute(self, p, arrays, k):
        S = _chain_S(p, arrays["chain_c"])
        a, cd = arrays["a"], arrays["c_down"]
        chain_err = p.sigma0**2 * S * a
        err = (p.sigma0 * np.sqrt(S * a) + p.sigma * arrays["gamma"] / np.sqrt(cd)) ** 2
        err += p.sigma**2 * arrays["beta"] / cd
        return err, chain_err


class Reference(Sampler):
    """The oracle: every design materialised (:mod:`symcollapse.simulate._reference`)."""

    key = "reference"
    cost = 100.0  # exact everywhere but slow: auto never prefers it to a numba sampler
    vectorised = False  # materialises O(T d) per replicate: one block per thread

    def per_rep(self, p):
        return (p.G * p.T0 + p.T) * p.d + p.n * p.T0 + p.T

    def run_chunk(self, p, gens, B, kept, pool=None):
        from symcollapse.simulate._reference import reference_block

        def block(i: int):
            count = min(B, kept - i * B)
            return reference_block(p.ev, p.c, p.n, p.T0, p.sigma0, p.shared, p.T, p.sigma, p.lam, gens[i], count)

        # blocks are independent streams: running them on a thread pool (numpy releases the GIL in its
        # LAPACK calls and random fills) changes nothing in the values
        out = list(pool.map(block, range(len(gens)))) if pool is not None else [block(i) for i in range(len(gens))]
        return np.concatenate([o[0] for o in out]), np.concatenate([o[1] for o in out])


for _s in (OLSLaw(), Collapsed(), Bartlett(), Reference()):
    register(_s)
