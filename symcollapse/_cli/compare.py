"""``symcollapse compare``: theory against simulation, one row per problem of the --n × --T × --lam grid.

Exit code 0 if every comparison passes, 1 if any fails (2 for bad input, from the CLI layer).
"""

from __future__ import annotations

import argparse

from symcollapse._cli import common

_COLUMNS = ["n", "T", "lam", "theorem", "kind", "value", "mean", "stderr", "z", "allowance", "passed"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    common.add_problem_arguments(parser)
    g = parser.add_argument_group("comparison")
    g.add_argument("--reps", type=int, default=1000, help="Monte-Carlo replicates per problem (default 1000)")
    g.add_argument("--seed", type=int, default=0, help="seed of the simulation (default 0)")
    g.add_argument("--k", type=float, default=4.0, help="standard errors allowed (default 4)")
    g.add_argument(
        "--method",
        default="auto",
        choices=["auto", "reference", "bartlett", "collapsed", "ols-law"],
        help="Monte-Carlo sampler (default: the fastest exact one)",
    )


def run(args: argparse.Namespace) -> int:
    from symcollapse.compare import compare  # noqa: PLC0415  (lazy: numba and SymPy load only here)

    results = [compare(p, reps=args.reps, seed=args.seed, k=args.k, method=args.method) for p in common.problems(args)]
    if args.json:
        common.print_json([c.to_dict() for c in results])
    else:
        common.print_table([c.to_dict() for c in results], _COLUMNS)
        for c in results:
            if not c.passed:
                print(c.reason)
    return 0 if all(c.passed for c in results) else 1
