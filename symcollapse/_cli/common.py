"""Problem options shared by ``predict``, ``simulate`` and ``compare``.

Numbers are parsed exactly (:mod:`symcollapse._cli._parse`): ``--lam 1e-3`` is exactly 1/1000 on the
high-precision path, ``--T 1e30`` is the integer 10³⁰. ``--n``, ``--T`` and ``--lam`` accept
comma-separated lists; the command then runs over their Cartesian product (one table row each).
"""

from __future__ import annotations

import argparse
import itertools
import sys
from fractions import Fraction
from typing import Any

from symcollapse._cli import _table
from symcollapse._cli._parse import Number, OptionError
from symcollapse.results import jsonable
from symcollapse.spec import PRESET_NAMES, Chain, Problem, Ridge, SpecError, Spectrum, Target, preset

# Grid a preset prints when the user gives no --n: the generations the paper's figures show.
_PRESET_N = {"fig1a": [0, 1, 2, 5, 10, 20], "fig1b": [0, 1, 2, 5, 10], "fig2": [0, 1, 2, 3, 4]}

# spec field (as named in the library's messages) -> command-line option, to name the option in errors
OPTION_OF = {
    "Spectrum.d": "--d",
    "Spectrum.beta": "--beta",
    "Spectrum.scale": "--scale",
    "Target.norm": "--norm",
    "Target.r": "--r",
    "Chain.n": "--n",
    "Chain.T0": "--T0",
    "Chain.sigma0": "--sigma0",
    "Ridge.T": "--T",
    "Ridge.sigma": "--sigma",
    "Ridge.lam": "--lam",
    "dps": "--dps",
}


def add_problem_arguments(parser: argparse.ArgumentParser, output: bool = True) -> None:
    """The problem options (paper §3 and Eq. 7; see docs/theory/setup.md); every help shows its default.

    With ``output=True`` (as before) the ``--json``/``--csv``/``--columns`` options are added too, with no
    default column set; subcommands with their own default columns pass ``output=False`` and call
    :func:`symcollapse._cli._table.add_output_arguments` themselves.
    """
    g = parser.add_argument_group("problem (numbers are exact as typed; see docs/theory/setup.md)")
    g.add_argument("--preset", choices=PRESET_NAMES, help="start from a figure's settings (default: none)")
    g.add_argument(
        "--d",
        type=Number("--d", integer=True, field=("Spectrum", "d")),
        help="dimension d (default: the preset's; required without --preset)",
    )
    g.add_argument(
        "--spectrum",
        choices=["isotropic", "power-law"],
        help="Σ's eigenvalues: s·1 or s·j^-β (default: the preset's, else isotropic)",
    )
    g.add_argument(
        "--beta",
        type=Number("--beta", field=("Spectrum", "beta")),
        help="power-law exponent β > 1 (default: the preset's; required for power-law)",
    )
    g.add_argument(
        "--scale",
        type=Number("--scale", field=("Spectrum", "scale")),
        help="spectrum scale s > 0 (default: the preset's, else 1)",
    )
    g.add_argument(
        "--target",
        choices=["isotropic", "source"],
        help="w0: isotropic or source condition (default: the preset's, else isotropic)",
    )
    g.add_argument(
        "--norm",
        type=Number("--norm", field=("Target", "norm")),
        help="‖w0‖ for an isotropic target (default: the preset's, else 1)",
    )
    g.add_argument(
        "--r",
        type=Number("--r", field=("Target", "r")),
        help="source exponent r > 0, c_j² = j^-δ, δ = 1 + β(2r − 1) (default: the preset's)",
    )
    g.add_argument(
        "--n",
        type=Number("--n", integer=True, many=True, field=("Chain", "n")),
        help="synthetic generations n ≥ 0, list allowed (default: the preset's grid, else 0)",
    )
    g.add_argument(
        "--T0",
        type=Number("--T0", integer=True, field=("Chain", "T0")),
        help="samples per generation T0 ≥ 1 (default: the preset's; required without --preset)",
    )
    g.add_argument(
        "--sigma0",
        type=Number("--sigma0", field=("Chain", "sigma0")),
        help="label noise inside the chain σ0 ≥ 0 (default: the preset's, else 0)",
    )
    g.add_argument(
        "--design",
        choices=["independent", "shared"],
        help="fresh or shared generator designs (default: the preset's, else independent)",
    )
    g.add_argument(
        "--T",
        type=Number("--T", integer=True, many=True, field=("Ridge", "T")),
        help="downstream samples T ≥ 1, list allowed (default: the preset's; required without --preset)",
    )
    g.add_argument(
        "--sigma",
        type=Number("--sigma", field=("Ridge", "sigma")),
        help="downstream label noise σ ≥ 0 (default: the preset's, else 0)",
    )
    g.add_argument(
        "--lam",
        type=Number("--lam", many=True, field=("Ridge", "lam")),
        help="ridge penalty λ ≥ 0 per sample, sklearn alpha = λ·T; list allowed "
        "(default: the preset's, else 0)",
    )
    if output:
        _table.add_output_arguments(parser, ())


def _spectrum(args: argparse.Namespace, spec: Spectrum | None) -> Spectrum | None:
    if not (args.spectrum or args.d is not None or args.beta is not None or args.scale is not None):
        return spec
    default_kind = spec.kind.replace("_", "-") if spec else "isotropic"
    kind = args.spectrum or ("power-law" if args.beta is not None else default_kind)
    d = args.d if args.d is not None else (spec.d if spec else None)
    if d is None:
        raise OptionError("--d", None, "required (the dimension)")
    scale = args.scale if args.scale is not None else (spec.scale if spec else 1)
    if kind == "power-law":
        beta = args.beta if args.beta is not None else (spec.beta if spec is not None else None)
        if beta is None:
            raise OptionError("--beta", None, "required for a power-law spectrum (β > 1)")
        return Spectrum.power_law(d, beta, scale=scale)
    return Spectrum.isotropic(d, scale=scale)


def _target(args: argparse.Namespace, tgt: Target | None, spec: Spectrum) -> Target:
    if args.target or args.norm is not None or args.r is not None:
        kind = args.target or ("source" if args.r is not None else "isotropic")
        if kind == "source":
            r = args.r if args.r is not None else (tgt.r if tgt is not None else None)
            if r is None:
                raise OptionError("--r", None, "required for a source-condition target (r > 0)")
            return Target.source(r)
        return Target.isotropic(norm=args.norm if args.norm is not None else 1)
    if tgt is None or (tgt.kind == "source" and spec.kind != "power_law"):
        return Target.isotropic(norm=1)
    return tgt


def base_problem(args: argparse.Namespace) -> Problem:
    """The single problem described by the options (lists take their first element)."""
    return problems(args)[0]


def problems(args: argparse.Namespace) -> list[Problem]:
    """All problems of the grid ``--n × --T × --lam`` (a single one when no list is given)."""
    base = preset(args.preset) if args.preset else None
    if base is None:
        missing = [o for o in ("d", "T0", "T") if getattr(args, o) is None]
        if missing:
            raise OptionError(
                "--" + missing[0],
                None,
                "required without --preset (give --preset or "
                + ", ".join(f"--{m}" for m in missing)
                + ", e.g. --d 300 --T0 600 --T 1000 --n 2 --sigma0 0.2 --sigma 0.1 --lam 1e-3)",
            )
    spec = _spectrum(args, base.spectrum if base else None)
    tgt = _target(args, base.target if base else None, spec)
    ch = base.chain if base else None
    chain = Chain(
        n=0,
        T0=args.T0 if args.T0 is not None else ch.T0,
        sigma0=args.sigma0 if args.sigma0 is not None else (ch.sigma0 if ch else 0),
        design=args.design or (ch.design if ch else "independent"),
    )
    T_values = args.T or [base.downstream.T]
    ridge = Ridge(
        T=T_values[0],
        sigma=args.sigma if args.sigma is not None else (base.downstream.sigma if base else 0),
        lam=0,
    )
    p = Problem(spec, tgt, chain, ridge)
    n_values = args.n or (_PRESET_N.get(args.preset, [base.chain.n]) if base else [0])
    lam_values = args.lam or [base.downstream.lam if base else 0]
    return [p.replace(n=n, T=T, lam=lam) for n, T, lam in itertools.product(n_values, T_values, lam_values)]


def warn_zero_defaults(command: str, probs: list[Problem]) -> None:
    """One line on stderr when σ = σ0 = λ = 0 and n ≥ 1: the chain then adds no error at all."""
    for p in probs:
        if p.chain.n >= 1 and p.chain.sigma0 == 0 and p.downstream.sigma == 0 and p.downstream.lam == 0:
            print(
                f"symcollapse {command}: warning: σ = σ0 = λ = 0 (the defaults) with n ≥ 1: no noise enters, "
                "so the collapse term is 0; give --sigma0, --sigma or --lam",
                file=sys.stderr,
            )
            return


def _sc(v: Any) -> str:
    """A scalar as the user would write it: 0.2 rather than 1/5 when the decimal is exact."""
    if isinstance(v, Fraction):
        if v.denominator == 1:
            return str(v.numerator)
        f = float(v)
        return repr(f) if Fraction(repr(f)) == v else str(v)
    return f"{v:g}" if isinstance(v, float) else str(v)


def describe(p: Problem) -> str:
    """One line naming the problem (the fields that do not vary over the grid)."""
    s, t, ch, r = p.spectrum, p.target, p.chain, p.downstream
    scale = "" if float(s.scale) == 1 else f"{_sc(s.scale)}·"
    if s.kind == "isotropic":
        spec = f"Σ = {scale}I (d = {s.d})"
    elif s.kind == "power_law":
        spec = f"Σ power law λ_j = {scale}j^-{_sc(s.beta)} (d = {s.d})"
    else:
        spec = f"Σ custom (d = {s.d})"
    if t.kind == "isotropic":
        tgt = f"‖w0‖ = {_sc(t.norm)}"
    elif t.kind == "source":
        tgt = f"source r = {_sc(t.r)} (c_j² = {'' if float(t.scale) == 1 else f'{_sc(t.scale)}·'}j^-δ)"
    else:
        tgt = "custom w0"
    chain = f"T0 = {ch.T0}, σ0 = {_sc(ch.sigma0)}, {ch.design} designs"
    return f"{spec}, {tgt}; chain {chain}; ridge σ = {_sc(r.sigma)}"


# ---- kept for callers of the previous module (other subcommands): one conversion, one table -------------


def fmt(value: Any, digits: int = 6) -> str:
    """Readable cell (see :func:`symcollapse._cli._table.cell`)."""
    return _table.cell(value, digits)


def print_table(rows: list[dict], columns=None, file=None) -> None:
    """Plain-text table of ``rows`` (dicts or result objects), fitted to the terminal width."""
    rows = _table.records(rows)
    if not rows:
        print("(no rows)", file=file or sys.stdout)
        return
    for line in _table.table_lines(rows, list(columns or rows[0].keys())):
        print(line, file=file or sys.stdout)


to_jsonable = jsonable


def print_json(obj: Any, file=None) -> None:
    import json  # noqa: PLC0415

    print(json.dumps(jsonable(obj), indent=2, allow_nan=False), file=file or sys.stdout)


__all__ = [
    "SpecError",
    "add_problem_arguments",
    "base_problem",
    "describe",
    "fmt",
    "print_json",
    "print_table",
    "problems",
    "to_jsonable",
    "warn_zero_defaults",
    "OPTION_OF",
]
