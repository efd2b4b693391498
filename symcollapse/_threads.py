"""Thread-pool limits shared by the package: one BLAS thread (cached controller) and BLAS-in-one-replicate.

On the 2-core machines this package is developed on, multi-threaded OpenBLAS is 2–8× *slower* than one
thread when numpy and scipy (each bundling its own OpenBLAS) alternate calls, because idle BLAS threads
spin; the Monte-Carlo kernels therefore parallelise over replicates with numba threads and keep BLAS at one
thread. ``threadpoolctl.threadpool_limits`` rescans every loaded shared library on each call (measured
0.8–1.3 ms per call); a cached :class:`threadpoolctl.ThreadpoolController` does the scan once (about
0.01 ms per call). The cache is rebuilt when new modules have been imported since it was made, so a BLAS
loaded later (e.g. by scikit-learn) is limited too.

threadpoolctl is a runtime dependency, but every function degrades to a no-op without it.
"""

from __future__ import annotations

import contextlib
import sys
import threading

__all__ = ["one_blas_thread", "blas_threads", "controller"]

_lock = threading.Lock()
_cache: dict = {"controller": None, "modules": -1}


def controller():
    """The cached :class:`threadpoolctl.ThreadpoolController` (``None`` without threadpoolctl).

    Rebuilt only when :data:`sys.modules` has grown since the last scan (a new extension module may have
    loaded another BLAS); numpy and scipy's LAPACK are imported first so their libraries are always seen.
    """
    n_modules = len(sys.modules)
    if _cache["controller"] is not None and _cache["modules"] == n_modules:
        return _cache["controller"]
    with _lock:
        try:
            import numpy  # noqa: F401, PLC0415
            import scipy.linalg.cython_lapack  # noqa: F401, PLC0415
            from threadpoolctl import ThreadpoolController  # noqa: PLC0415
        except ImportError:  # pragma: no cover - optional
            return None
        _cache["controller"] = ThreadpoolController()
        _cache["modules"] = len(sys.modules)
        return _cache["controller"]


def blas_threads(limit: int):
    """Context manager limiting every loaded BLAS to ``limit`` threads (no-op without threadpoolctl)."""
    ctl = controller()
    if ctl is None:  # pragma: no cover - optional
        return contextlib.nullcontext()
    blas = [lib for lib in ctl.lib_controllers if lib.user_api == "blas"]
    if all(lib.num_threads == int(limit) for lib in blas):
        # already there (e.g. inside one_blas_thread): setting and restoring every library again cost ~0.15 ms
        return contextlib.nullcontext()
    return ctl.limit(limits=int(limit), user_api="blas")


def one_blas_thread():
    """Context manager: every loaded BLAS (numpy's, scipy's, any other) runs on one thread inside it.

    Examples
    --------
    >>> import numpy as np
    >>> with one_blas_thread():
    ...     x = np.ones((3, 3)) @ np.ones(3)
    >>> x.tolist()
    [3.0, 3.0, 3.0]
    """
    return blas_threads(1)
