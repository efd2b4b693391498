"""``symcollapse simulate``: Monte-Carlo estimate of the downstream test error over a problem grid.

Examples::

    symcollapse simulate --preset fig1a --n 0,1,5 --reps 2000
    symcollapse simulate --d 200 --spectrum power-law --beta 2 --T0 4000 --T 4000 --n 10 \\
        --sigma0 0.2 --sigma 0.1 --lam 1e-3 --reps 200 --json
"""

from __future__ import annotations

import argparse
import sys

from symcollapse._cli.common import add_problem_arguments, print_json, print_table, problems

COLUMNS = ["n", "T", "lam", "mean", "stderr", "reps", "method", "seconds"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from symcollapse.simulate.monte_carlo import METHODS

    add_problem_arguments(parser)
    g = parser.add_argument_group("simulation")
    g.add_argument("--reps", type=int, default=1000, help="replicates per problem, >= 2 (default 1000)")
    g.add_argument("--seed", type=int, default=0, help="seed of numpy's SeedSequence, >= 0 (default 0)")
    g.add_argument(
        "--method",
        choices=METHODS,
        default="auto",
        help="sampler: auto = fastest exact one; reference materialises every design (default auto)",
    )
    g.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress bar on stderr (default: when stderr is a terminal)",
    )


def run(args: argparse.Namespace) -> int:
    from symcollapse.simulate.monte_carlo import simulate

    show = sys.stderr.isatty() if args.progress is None else bool(args.progress)
    rows = []
    for problem in problems(args):
        res = simulate(problem, reps=args.reps, seed=args.seed, method=args.method, progress=show)
        rows.append(
            {
                "n": problem.chain.n,
                "T": problem.downstream.T,
                "lam": problem.downstream.lam,
                "mean": res.mean,
                "stderr": res.stderr,
                "reps": res.reps,
                "method": res.method,
                "seconds": res.elapsed,
                "problem": problem.to_dict(),
                "seed": res.seed,
                "chain_mean": float(res.chain_errors.mean()),
            }
        )
    if args.json:
        print_json(rows)
    else:
        print_table(rows, COLUMNS)
    return 0
