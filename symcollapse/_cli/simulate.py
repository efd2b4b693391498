"""``symcollapse simulate``: Monte-Carlo estimate of the downstream test error over a problem grid.

Examples::

    symcollapse simulate --preset fig1a --n 0,1,5 --reps 2000
    symcollapse simulate --d 200 --spectrum power-law --beta 2 --T0 4000 --T 4000 --n 10 \\
        --sigma0 0.2 --sigma 0.1 --lam 1e-3 --reps 200 --json
"""

from __future__ import annotations

import argparse

from symcollapse._cli import _table, common
from symcollapse._cli._parse import Number

COLUMNS = ["n", "T", "lam", "mean", "stderr", "reps", "method", "seconds"]


def add_simulation_arguments(parser: argparse.ArgumentParser) -> None:
    """``--reps``, ``--seed``, ``--method`` and ``--progress/--no-progress`` (simulate and compare)."""
    g = parser.add_argument_group("simulation")
    g.add_argument(
        "--reps",
        type=Number("--reps", integer=True, low=2),
        default=1000,
        help="replicates per problem, >= 2 (default: 1000)",
    )
    g.add_argument(
        "--seed",
        type=Number("--seed", integer=True, low=0),
        default=0,
        help="seed of numpy's SeedSequence, >= 0 (default: 0)",
    )
    g.add_argument(
        "--method",
        choices=_methods(),
        default="auto",
        help="sampler: auto = fastest exact one; reference materialises every design (default: auto)",
    )
    add_progress_argument(parser)


def add_progress_argument(parser: argparse.ArgumentParser) -> None:
    """The one ``--progress/--no-progress`` flag of every long command."""
    parser.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress bar on stderr (default: only when stderr is a terminal)",
    )


def show_progress(args: argparse.Namespace) -> bool:
    import sys  # noqa: PLC0415

    return sys.stderr.isatty() if args.progress is None else bool(args.progress)


def _methods() -> list[str]:
    try:
        from symcollapse.simulate.monte_carlo import METHODS  # noqa: PLC0415

        return list(METHODS)
    except ImportError:  # pragma: no cover - the sampler table moved
        return ["auto", "reference", "bartlett", "collapsed", "ols-law"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    common.add_problem_arguments(parser, output=False)
    add_simulation_arguments(parser)
    _table.add_output_arguments(parser, COLUMNS)


def run(args: argparse.Namespace) -> int:
    from symcollapse.simulate.monte_carlo import simulate  # noqa: PLC0415

    problems = common.problems(args)
    common.warn_zero_defaults("simulate", problems)
    show = show_progress(args)
    results = [
        simulate(p, reps=args.reps, seed=args.seed, method=args.method, progress=show) for p in problems
    ]
    _table.emit(results, args.format, args.columns, COLUMNS)
    return 0
