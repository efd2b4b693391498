"""Command line: ``symcollapse predict|simulate|compare|scaling|reproduce``.

A thin layer: every subcommand lives in ``symcollapse/_cli/<name>.py`` with ``add_arguments(parser)`` and
``run(args) -> int``; shared problem options are in ``symcollapse/_cli/common.py``. A subcommand's module is
imported only when that subcommand runs, so ``symcollapse predict`` never pays numba's import time.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from symcollapse import __version__

_COMMANDS = {
    "predict": "theory prediction of the test error (bias, variance, collapse term, κ, df)",
    "simulate": "Monte-Carlo simulation of the generation chain",
    "compare": "theory against simulation, with z-score and finite-size allowance",
    "scaling": "power-law scaling exponents (Thm 5.1, Cor 5.2, App. G), derived symbolically",
    "reproduce": "reproduce the paper's figures (PNG + CSV + JSON)",
    "sweep": "a parameter grid (theory + simulation) into one table: CSV, JSON or Parquet",
}


def _parser(argv: list[str]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="symcollapse",
        description="Model collapse in regression (Dohmatob, Feng & Kempe, NeurIPS 2024): theory and simulation.",
    )
    parser.add_argument("--version", action="version", version=f"symcollapse {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    # Only the chosen subcommand's module is imported (lazy), the others get a bare parser for --help.
    chosen = next((a for a in argv if a in _COMMANDS), None)
    for name, help_ in _COMMANDS.items():
        p = sub.add_parser(name, help=help_, description=help_)
        if name == chosen:
            importlib.import_module(f"symcollapse._cli.{name}").add_arguments(p)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = _parser(argv)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    module = importlib.import_module(f"symcollapse._cli.{args.command}")
    from symcollapse.spec import SpecError  # noqa: PLC0415

    try:
        return int(module.run(args) or 0)
    except (SpecError, ValueError) as exc:  # RegimeError is a ValueError too
        print(f"symcollapse {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # e.g. --out in a place that cannot be written
        print(f"symcollapse {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except FloatingPointError as exc:  # a LAPACK factorisation failed inside a sampler
        print(f"symcollapse {args.command}: numerical failure: {exc}", file=sys.stderr)
        return 3


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
