"""``symcollapse predict``: the theory's test error (bias, variance, collapse term, κ, df) over a grid.

Examples::

    symcollapse predict --preset fig1a                 # Figure 1a setting, n = 0, 1, 2, 5, 10, 20
    symcollapse predict --preset fig1b --dps 40        # 40 certified digits (mpmath), in a separate block
    symcollapse predict --d 300 --T0 600 --T 500,1000 --n 2 --sigma0 0.2 --sigma 0.1 --lam 1e-3 --json
"""

from __future__ import annotations

import argparse
import math
import sys

from symcollapse._cli import _table, common
from symcollapse._cli._parse import Number

COLUMNS = ["n", "T", "lam", "total", "bias", "variance", "collapse", "delta_bias", "kappa", "rho", "theorem"]
# the quantities whose certified digits --dps prints
_DIGITS = ("total", "bias", "variance", "collapse", "delta_bias", "kappa", "df2", "rho")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    common.add_problem_arguments(parser, output=False)
    g = parser.add_argument_group("theory")
    g.add_argument(
        "--dps",
        type=Number("--dps", integer=True, low=1, high=10_000),
        default=None,
        help="significant digits: evaluate with mpmath and certify them (default: none, float64)",
    )
    g.add_argument(
        "--normalization",
        choices=["paper", "finite"],
        default="paper",
        help="ρ of Eq. 19 with T0 − d (paper) or T0 − d − 1 (exact, Thm F.1) (default: paper)",
    )
    _table.add_output_arguments(parser, COLUMNS)


def run(args: argparse.Namespace) -> int:
    from symcollapse.theory.evaluate import predict  # noqa: PLC0415

    problems = common.problems(args)
    common.warn_zero_defaults("predict", problems)
    preds = [predict(p, dps=args.dps, normalization=args.normalization) for p in problems]
    for pr in preds:  # never print a silent inf or NaN (an input too large for float64 got through)
        if not math.isfinite(float(pr.total)):
            raise OverflowError(f"the predicted total is {float(pr.total)} in float64 (try --dps)")
    if args.format != "table":
        _table.emit(preds, args.format, args.columns, COLUMNS)
        return 0
    head = f"# {args.preset}: " if args.preset else "# "
    precision = f"mpmath, {args.dps} digits requested" if args.dps else "float64"
    for line in _table.wrap(
        f"{head}{common.describe(problems[0])}; test error E‖ŵ − w0‖²_Σ ({precision}, "
        f"ρ normalization {args.normalization})"
    ):
        print(line)
    rows = _table.emit(preds, "table", args.columns, COLUMNS)
    if args.dps:
        certified = sorted({r.get("digits") for r in rows if r.get("digits") is not None})
        title = (
            f"# certified digits (mpmath; {args.dps} requested, "
            f"{', '.join(map(str, certified)) or 'none'} certified by re-evaluation with guard digits):"
        )
        _table.print_digits(rows, ["n", "T", "lam"], [q for q in _DIGITS if any(q in r for r in rows)], title)
    sys.stdout.flush()
    return 0
