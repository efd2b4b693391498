r"""The built-in samplers of the ``"replace"`` chain: reference, bartlett, collapsed, ols-law.

Their exactness proofs are in :mod:`symcollapse.simulate.monte_carlo` (module docstring) and in the kernels'
docstrings (:mod:`symcollapse.simulate._kernels`); see also docs/theory/simulation.md.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from symcollapse.simulate.samplers._base import Plain, Sampler, register

__all__ = ["Reference", "Bartlett", "Collapsed", "OLSLaw"]


def _chain_needs(p: Plain) -> list[str]:
    if p.n > 0 and p.T0 < p.d:
        return [
            f"T0 >= d for the chain (got T0 = {p.T0} < d = {p.d}: a chain of minimum-norm interpolators does "
            "not collapse; use method='bartlett' or 'reference')"
        ]
    return []


def check_status(status: np.ndarray, what: str) -> None:
    bad = np.flatnonzero(status)
    if bad.size:
        raise FloatingPointError(
            f"LAPACK failed (info = {int(status[bad[0]])}) in {bad.size} replicate(s): {what} was not "
            "numerically positive definite; method='reference' (SVD-based) may still work"
        )


def _factor_numbers(Tm: int, d: int) -> int:
    """Random numbers of one design's factor plus its Gaussian vector."""
    rows = min(Tm, d)
    return rows * d - rows * (rows - 1) // 2 + rows


class _Kernel(Sampler):
    """A numba sampler: random numbers drawn inside the kernel, ``prange`` over streams."""

    def workspace(self, p: Plain) -> int:
        tc = p.T0 if p.T0 < p.d else 0
        td = p.T if p.T < p.d else 0
        return 8 * (p.d * p.d * (1 + (p.T >= p.d)) // 2 + max(tc, td) * p.d + tc * tc + td * td + 8 * p.d)

    def compute(self, p, raw):
        if "status" in raw:
            check_status(raw["status"], "the downstream system (W + μΣ⁻¹, or XXᵀ + μI when T < d) or a "
                         "generator's Gram matrix X_m X_mᵀ (T0 < d)")
        return raw["errors"], raw["chain_errors"]


class Bartlett(_Kernel):
    """Per-generation Bartlett–Wishart sufficient statistics; covers every ``"replace"`` problem."""

    key = "bartlett"
    cost = 3.0
    collapsed = False

    def per_rep(self, p):
        if p.T0 >= p.d and not p.shared:
            chain = p.n * 2 * p.d  # sequential generations (_kernels._ols_generation_seq): h_i and c_i per coordinate
        else:
            chain = (1 if p.shared else p.n) * _factor_numbers(p.T0, p.d) + (p.n - 1) * min(p.T0, p.d) * p.shared
        return max(1, chain * (p.n > 0) + _factor_numbers(p.T, p.d))

    def draw(self, p, gens, B, reps):
        from symcollapse.simulate._kernels import bartlett_kernel
        from symcollapse.simulate._seeding import addresses

        raw = {"errors": np.empty(reps), "chain_errors": np.empty(reps), "status": np.zeros(reps, dtype=np.int32)}
        bartlett_kernel(gens, addresses(gens), B, reps, self.collapsed, p.ev, p.c, p.n, p.T0, p.sigma0, p.shared, p.T, p.sigma,
                        float(p.mu), raw["errors"], raw["chain_errors"], raw["status"])
        return raw

    shares = True

    def block_per_rep(self, p):
        """Random numbers per replicate of :meth:`draw_block` (the chain to ``p.n`` = max n, one downstream)."""
        return self.per_rep(p)

    def draw_block(self, p, gens, B, reps, ns, mus):
        """Shared randomness over the grid ``ns × mus`` (:func:`~symcollapse.simulate._kernels.block_kernel`)."""
        from symcollapse.simulate._kernels import block_kernel

        raw = {
            "errors": np.empty((reps, ns.size, mus.size)),
            "chain_errors": np.empty((reps, ns.size)),
            "status": np.zeros(reps, dtype=np.int32),
        }
        block_kernel(gens, B, reps, self.collapsed, p.ev, p.c, p.T0, p.sigma0, p.shared, p.T, p.sigma, ns, mus,
                     raw["errors"], raw["chain_errors"], raw["status"])
        return raw

    def grid_per_rep(self, p, Ts):
        """Random numbers per replicate of :meth:`draw_grid` (the chain to max n, one downstream draw per T)."""
        from symcollapse.simulate._kblock import grid_numbers

        return grid_numbers(self.block_per_rep(p) - _factor_numbers(p.T, p.d), p, Ts)

    def draw_grid(self, p, gens, B, reps, ns, Ts, starts, mus):
        """Shared randomness over ``ns ×`` (T, μ) points (:func:`~symcollapse.simulate._kblock.grid_kernel`)."""
        from symcollapse.simulate._kblock import draw_grid

        return draw_grid(self.collapsed, p, gens, B, reps, ns, Ts, starts, mus)


class Collapsed(Bartlett):
    """The whole OLS chain as ``n`` chi-squares and one Gaussian vector (``T0 >= d``), Bartlett downstream."""

    key = "collapsed"
    cost = 2.0
    collapsed = True

    def exact_for_plain(self, p):
        return "; ".join(_chain_needs(p)) or None

    def per_rep(self, p):
        return p.G + p.d + _factor_numbers(p.T, p.d)

    def block_per_rep(self, p):
        return p.G + p.n * p.d + _factor_numbers(p.T, p.d)  # one Gaussian vector per generation


class OLSLaw(_Kernel):
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

    def per_rep(self, p):
        return p.G + 4

    def workspace(self, p):
        return 0

    def draw(self, p, gens, B, reps):
        from symcollapse.simulate._kernels import ols_law_kernel

        raw = {"errors": np.empty(reps), "chain_errors": np.empty(reps)}
        ols_law_kernel(gens, B, reps, p.d, p.n, p.T0, p.sigma0, p.shared, p.T, p.sigma, raw["errors"],
                       raw["chain_errors"])
        return raw


class Reference(Sampler):
    """The oracle: every design materialised (:mod:`symcollapse.simulate._reference`)."""

    key = "reference"
    cost = 100.0  # exact everywhere but slow: auto never prefers it to a numba sampler

    def per_rep(self, p):
        return (p.G * p.T0 + p.T) * p.d + p.n * p.T0 + p.T

    numpy_streams = True  # numpy Generators drawn in Python, not a numba typed list

    def workspace(self, p):
        return 8 * self.per_rep(p)  # one replicate's designs

    def draw(self, p, gens, B, reps):
        import numba  # noqa: PLC0415

        from symcollapse.simulate._reference import reference_block

        def block(i: int):
            count = min(B, reps - i * B)
            return reference_block(p.ev, p.c, p.n, p.T0, p.sigma0, p.shared, p.T, p.sigma, p.lam, gens[i], count)

        # streams are independent: running them on a thread pool (numpy releases the GIL in its LAPACK calls
        # and random fills) changes nothing in the values
        threads = min(len(gens), numba.get_num_threads())
        if threads > 1:
            with ThreadPoolExecutor(threads) as pool:
                out = list(pool.map(block, range(len(gens))))
        else:
            out = [block(i) for i in range(len(gens))]
        return {"errors": np.concatenate([o[0] for o in out]), "chain_errors": np.concatenate([o[1] for o in out])}

    def compute(self, p, raw):
        return raw["errors"], raw["chain_errors"]


for _s in (OLSLaw(), Collapsed(), Bartlett(), Reference()):
    register(_s)
