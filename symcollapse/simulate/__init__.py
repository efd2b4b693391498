"""Monte-Carlo engine for the fake-data chain (paper Eqs. 4–7; see docs/theory/simulation.md):
:func:`simulate` → :class:`MCResult`.

Samplers (:mod:`symcollapse.simulate.samplers`, a registry): ``reference`` (plain numpy, materialises every
design), ``bartlett``, ``collapsed`` and ``ols-law`` (exact shortcuts in distribution, numba kernels). A new
workflow registers its own sampler with :func:`symcollapse.simulate.samplers.register`. See
:mod:`symcollapse.simulate.monte_carlo`. This package never imports :mod:`symcollapse.theory`;
``kernel_ridge`` (real data, needs scikit-learn) is not imported here.

The public function ``symcollapse.simulate`` and this subpackage share a name: once the subpackage is
imported, Python binds the attribute ``symcollapse.simulate`` to the *module*. The module is therefore made
callable (forwarding to :func:`simulate`), so ``symcollapse.simulate(problem, reps, seed)`` works either way.
"""

import sys
import types

from symcollapse.simulate import samplers
from symcollapse.simulate._block import simulate_block
from symcollapse.simulate.monte_carlo import METHODS, SAMPLER_VERSION, MCResult, exact_methods, simulate

__all__ = ["simulate", "simulate_block", "MCResult", "METHODS", "SAMPLER_VERSION", "exact_methods", "samplers"]


class _CallableModule(types.ModuleType):
    def __call__(self, *args, **kwargs):
        return simulate(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
