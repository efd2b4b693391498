"""Where :func:`symcollapse.sweep.sweep` runs its blocks: in-process, a local process pool, or Dask.

One small protocol for every backend: :func:`open_executor` yields a :class:`Runner` with
``submit(fn, arg)`` and ``as_completed(futures)``. The same call runs on a laptop or a cluster:
``executor="dask"`` opens ``distributed.Client()``, which connects to the scheduler named by Dask's own
configuration (``scheduler-address``, e.g. the environment variable ``DASK_SCHEDULER_ADDRESS``) and otherwise
starts a ``LocalCluster``. Any ``concurrent.futures.Executor`` or ``distributed.Client`` may be passed in
(e.g. a ``dask_jobqueue.SLURMCluster``'s client); the caller owns it and it is not closed here.

Workers are pinned to one numba thread and one BLAS thread: each worker process runs one block at a time and
the parallelism is across blocks (oversubscribed BLAS threads are several times slower on small machines).
For a Dask cluster started here the pinning goes into the nanny's pre-spawn environment; every task also
pins itself (:func:`pinned`), which covers clusters started elsewhere.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import os
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from symcollapse.spec import SpecError

__all__ = ["open_executor", "pinned", "Runner", "EXECUTORS", "PINNED_ENV"]

EXECUTORS = (None, "processes", "dask")

# Environment of a pinned worker process (set before numba / numpy start their thread pools).
PINNED_ENV = {
    "NUMBA_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}


@contextlib.contextmanager
def pinned() -> Iterator[None]:
    """Run the body with one numba thread (for the calling thread) and one BLAS thread."""
    import numba

    # the package's cached threadpoolctl controller (re-scanning the libraries costs ~10 ms a call)
    from symcollapse._threads import one_blas_thread

    before = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        with one_blas_thread():
            yield
    finally:
        numba.set_num_threads(before)


def _pin_process() -> None:
    """Process-pool initializer: pin before any kernel runs."""
    os.environ.update(PINNED_ENV)


class Runner:
    """``submit(fn, arg) -> future`` and ``as_completed(futures)`` over one backend."""

    def __init__(self, submit: Callable, as_completed: Callable, remote: bool, name: str):
        self.submit = submit
        self.as_completed = as_completed
        self.remote = remote  # tasks run in other processes (pin them; results travel by pickle)
        self.name = name


class _Done:
    """An already computed result with the future interface the sweep uses."""

    def __init__(self, value: Any):
        self._value = value

    def result(self) -> Any:
        return self._value


def _in_process() -> Runner:
    # Lazy: the task runs when the sweep asks for it, so progress and the store advance block by block.
    def submit(fn, arg):
        return (fn, arg)

    def as_completed(futures):
        for fn, arg in futures:
            yield _Done(fn(arg))

    return Runner(submit, lambda fs: as_completed(list(fs)), remote=False, name="in-process")


def _futures_runner(pool: cf.Executor, name: str) -> Runner:
    return Runner(lambda fn, arg: pool.submit(fn, arg), cf.as_completed, remote=True, name=name)


def _client_runner(client: Any) -> Runner:
    from distributed import as_completed

    # pure=False: two identical blocks are still two tasks (the sweep deduplicates cells itself)
    return Runner(lambda fn, arg: client.submit(fn, arg, pure=False), as_completed, remote=True, name="dask")


def _is_client(obj: Any) -> bool:
    try:
        from distributed import Client
    except ImportError:
        return False
    return isinstance(obj, Client)


@contextlib.contextmanager
def _dask_client() -> Iterator[Any]:
    try:
        import dask
        from distributed import Client, LocalCluster
    except ImportError:
        raise SpecError(
            "executor='dask' needs the optional dependency dask[distributed]: pip install 'symcollapse[dask]'"
        ) from None
    if dask.config.get("scheduler-address", None):
        # a scheduler named by Dask's configuration (DASK_SCHEDULER_ADDRESS, ~/.config/dask/*.yaml)
        with Client() as client:
            yield client
        return
    env = {**dask.config.get("distributed.nanny.pre-spawn-environ", {}), **PINNED_ENV}
    with dask.config.set({"distributed.nanny.pre-spawn-environ": env}):
        with LocalCluster(threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
            with Client(cluster) as client:
                yield client


@contextlib.contextmanager
def open_executor(executor: Any) -> Iterator[Runner]:
    """A :class:`Runner` for ``executor`` (``None``, ``"processes"``, ``"dask"``, an Executor or a Client).

    Raises
    ------
    SpecError
        An unknown executor name or object, or ``"dask"`` without dask[distributed] installed.
    """
    if executor is None:
        yield _in_process()
    elif isinstance(executor, str) and executor == "processes":
        import multiprocessing

        # spawn, not fork: numba's and OpenBLAS's thread pools are not fork-safe
        ctx = multiprocessing.get_context("spawn")
        with cf.ProcessPoolExecutor(os.cpu_count() or 1, mp_context=ctx, initializer=_pin_process) as pool:
            yield _futures_runner(pool, "processes")
    elif isinstance(executor, str) and executor == "dask":
        with _dask_client() as client:
            yield _client_runner(client)
    elif _is_client(executor):
        yield _client_runner(executor)
    elif isinstance(executor, cf.Executor):
        yield _futures_runner(executor, type(executor).__name__)
    else:
        raise SpecError(
            f"executor must be one of {EXECUTORS}, a concurrent.futures.Executor or a distributed.Client; "
            f"got {executor!r}"
        )


def run_all(runner: Runner, fn: Callable, args: Iterable[Any]) -> Iterator[Any]:
    """Submit ``fn(arg)`` for every arg; yield the results in completion order."""
    futures = [runner.submit(fn, a) for a in args]
    for fut in runner.as_completed(futures):
        yield fut.result()
