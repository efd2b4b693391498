r"""Every SymPy symbol of the package, once, with assumptions, named as in the paper.

Scalars
-------
``lam`` :math:`\lambda \ge 0` (ridge penalty, per sample), ``T`` and ``T0`` (sample sizes), ``d`` (dimension),
``n`` (generations), ``sigma``, ``sigma0`` (noise levels), ``kappa`` and ``kappa0`` (effective
regularisations :math:`\kappa(\lambda, T)`, :math:`\kappa(0, T_0)`, Eq. 9), ``phi`` :math:`= d/T`,
``phi0`` :math:`= d/T_0`, ``w0norm`` :math:`= \|w_0\|_2`, ``t`` (a generic argument of
:math:`\mathrm{df}_m(t)`).

Spectral data
-------------
``j`` is the summation index (:math:`1 \le j \le d`), ``ev[j]`` the eigenvalue :math:`\lambda_j` of
:math:`\Sigma` and ``c[j]`` the target coefficient :math:`c_j = \langle w_0, v_j\rangle`. Builders in
:mod:`symcollapse.theory.formulas` write traces as ``Sum(f(ev[j], c[j]), (j, 1, d))``, which
:mod:`symcollapse.theory.scaling` rewrites with Lemma I.1.

Power-law exponents (§5)
------------------------
``beta`` :math:`> 1` (capacity, Eq. 23), ``r`` :math:`> 0` (source), ``ell`` :math:`\ge 0`
(:math:`\lambda \asymp T^{-\ell}`), ``a`` (:math:`n\sigma_0^2 \asymp T^a`), ``b`` :math:`> 0`
(:math:`T_0 \asymp T^b`).
"""

from __future__ import annotations

import sympy as sp

lam = sp.Symbol("lambda", nonnegative=True)
T = sp.Symbol("T", positive=True)
T0 = sp.Symbol("T_0", positive=True)
d = sp.Symbol("d", positive=True, integer=True)
n = sp.Symbol("n", nonnegative=True, integer=True)
sigma = sp.Symbol("sigma", nonnegative=True)
sigma0 = sp.Symbol("sigma_0", nonnegative=True)
kappa = sp.Symbol("kappa", nonnegative=True)
kappa0 = sp.Symbol("kappa_0", nonnegative=True)
phi = sp.Symbol("phi", positive=True)
phi0 = sp.Symbol("phi_0", positive=True)
w0norm = sp.Symbol("w_0", nonnegative=True)
t = sp.Symbol("t", nonnegative=True)

j = sp.Symbol("j", positive=True, integer=True)
# Label "lambda" with positive=True: prints as λ_j like the paper, yet is a different Symbol from the
# ridge penalty `lam` (nonnegative=True), so substitutions never confuse the two.
ev = sp.IndexedBase(sp.Symbol("lambda", positive=True))  # eigenvalue λ_j of Σ
c = sp.IndexedBase("c", real=True)  # target coefficient c_j

beta = sp.Symbol("beta", positive=True)
r = sp.Symbol("r", positive=True)
ell = sp.Symbol("ell", nonnegative=True)
a = sp.Symbol("a", nonnegative=True)
b = sp.Symbol("b", positive=True)

__all__ = [
    "lam", "T", "T0", "d", "n", "sigma", "sigma0", "kappa", "kappa0", "phi", "phi0", "w0norm", "t",
    "j", "ev", "c", "beta", "r", "ell", "a", "b",
]
