"""LAPACK/BLAS routines callable from numba ``@njit(cache=True)`` code: ``dlauum``, ``dpotrf``, ``dpotrs``, ``dsyevd``,
``dsyrk``, ``dgemm``, ``dtrsm``, ``dsytrd``, ``dormtr``.

numba's ``np.linalg`` has no ``dlauum`` (triangular product :math:`UU^\\top`) and no ``dpotrs`` (solve with a
Cholesky factor). SciPy exports its LAPACK as Cython function pointers (``scipy.linalg.cython_lapack``).
Calling such a pointer through a ``ctypes`` prototype works in numba but makes the function *uncacheable*
(the address is baked into the machine code). Instead each address is registered with LLVM's symbol table
under a private name (``llvmlite.binding.add_symbol``) and declared as a numba ``ExternalFunction``: cached
code refers to the name, which is re-bound to the current process's address whenever this module is
imported, so ``cache=True`` works.

Order convention. The arguments follow Fortran (column-major) storage. A C-contiguous ``d × d`` array
holding an *upper* triangular matrix :math:`U` is, to Fortran, the *lower* triangular :math:`U^\\top`; hence
``dlauum('L')`` on it computes :math:`(U^\\top)^\\top U^\\top = UU^\\top` into the C-upper triangle, and
``dpotrf('L')`` / ``dpotrs('L')`` then factor and solve with that triangle. All arguments are passed as
addresses (``arr.ctypes.data``); integer arguments are 1-element ``int32`` arrays (LAPACK ``int``).

These routines run single-threaded inside one numba thread each; the caller limits OpenBLAS to one thread
(``threadpoolctl``) so that concurrent calls neither oversubscribe the cores nor change rounding.
"""

from __future__ import annotations

import llvmlite.binding as llvm
from numba import types
from numba.extending import get_cython_function_address

__all__ = ["dlauum", "dpotrf", "dpotrs", "dsyrk", "dsyevd", "dgemm", "dtrsm", "dtrsv", "dsytrd", "dormtr"]

_P = types.uintp  # an address (arr.ctypes.data); ABI-identical to a pointer on every supported platform


def _bind(name: str, nargs: int, module: str = "scipy.linalg.cython_lapack"):
    symbol = f"symcollapse_lapack_{name}"
    llvm.add_symbol(symbol, get_cython_function_address(module, name))
    return types.ExternalFunction(symbol, types.void(*([_P] * nargs)))


# dlauum(uplo, n, a, lda, info)
dlauum = _bind("dlauum", 5)
# dpotrf(uplo, n, a, lda, info)
dpotrf = _bind("dpotrf", 5)
# dpotrs(uplo, n, nrhs, a, lda, b, ldb, info)
dpotrs = _bind("dpotrs", 8)
# dsyrk(uplo, trans, n, k, alpha, a, lda, beta, c, ldc)  (BLAS)
dsyrk = _bind("dsyrk", 10, "scipy.linalg.cython_blas")
# dsyevd(jobz, uplo, n, a, lda, w, work, lwork, iwork, liwork, info)
dsyevd = _bind("dsyevd", 11)
# dgemm(transa, transb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)  (BLAS)
dgemm = _bind("dgemm", 13, "scipy.linalg.cython_blas")
# dtrsm(side, uplo, transa, diag, m, n, alpha, a, lda, b, ldb)  (BLAS)
dtrsm = _bind("dtrsm", 11, "scipy.linalg.cython_blas")
# dtrsv(uplo, trans, diag, n, a, lda, x, incx)  (BLAS)
dtrsv = _bind("dtrsv", 8, "scipy.linalg.cython_blas")
# dsytrd(uplo, n, a, lda, d, e, tau, work, lwork, info)
dsytrd = _bind("dsytrd", 10)
# dormtr(side, uplo, trans, m, n, a, lda, tau, c, ldc, work, lwork, info)
dormtr = _bind("dormtr", 13)
