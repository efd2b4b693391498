"""``symcollapse compare``: theory against simulation, one row per problem of the --n × --T × --lam grid.

Exit code 0 if no comparison fails (passes, or is not informative), 1 if any fails (2 for bad input, from
the CLI layer).
"""

from __future__ import annotations

import argparse
import inspect

from symcollapse._cli import _table, common
from symcollapse._cli._parse import Number
from symcollapse._cli.simulate import add_simulation_arguments, show_progress

COLUMNS = ["n", "T", "lam", "value", "mean", "stderr", "z", "passed", "allowance", "theorem"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    common.add_problem_arguments(parser, output=False)
    add_simulation_arguments(parser)
    g = parser.add_argument_group("comparison")
    g.add_argument(
        "--k",
        type=Number("--k", low=0, low_open=True),
        default=4,
        help="standard errors allowed (default: 4)",
    )
    g.add_argument(
        "--normalization",
        choices=["finite", "paper"],
        default="finite",
        help="ρ on the theory side: T0 − d − 1 (finite, exact for the simulated chain, Thm F.1) "
        "or T0 − d (paper, what predict shows by default) (default: finite)",
    )
    _table.add_output_arguments(parser, COLUMNS)


def _kwargs(fn, args: argparse.Namespace, show: bool) -> dict:
    """The keyword arguments this build's :func:`~symcollapse.compare` accepts."""
    params = inspect.signature(fn).parameters
    out = {"reps": args.reps, "seed": args.seed, "k": float(args.k), "method": args.method}
    if "normalization" in params:
        out["normalization"] = args.normalization
    elif args.normalization != "finite":
        raise common.OptionError(
            "--normalization",
            args.normalization,
            "this build's compare() compares with the finite normalisation only",
        )
    if "progress" in params:
        out["progress"] = show
    return out


def run(args: argparse.Namespace) -> int:
    from symcollapse._progress import progress  # noqa: PLC0415
    from symcollapse.compare import compare  # noqa: PLC0415  (lazy: numba and SymPy load only here)

    problems = common.problems(args)
    common.warn_zero_defaults("compare", problems)
    show = show_progress(args)
    kw = _kwargs(compare, args, show and len(problems) == 1)
    results = []
    with progress(len(problems), "compare", enabled=show and len(problems) > 1) as advance:
        for p in problems:
            results.append(compare(p, **kw))
            advance()
    if args.format == "table":
        used = sorted({c.theory.normalization for c in results})
        for line in _table.wrap(
            f"# {common.describe(problems[0])}; theory side: ρ normalization "
            f"{', '.join(used)} (predict's default is paper; see --normalization)"
        ):
            print(line)
    _table.emit(results, args.format, args.columns, COLUMNS)
    if args.format == "table":
        for c in results:
            if c.passed is not True:  # failed, or None = not informative
                for line in _table.wrap(c.reason, indent="  "):
                    print(line)
    return 1 if any(c.passed is False for c in results) else 0
