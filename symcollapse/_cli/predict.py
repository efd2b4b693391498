"""``symcollapse predict``: the theory's test error (bias, variance, collapse term, κ, df) over a grid.

Examples::

    symcollapse predict --preset fig1a                 # Figure 1a setting, n = 0, 1, 2, 5, 10, 20
    symcollapse predict --preset fig1b --dps 40        # 40 certified digits (mpmath)
    symcollapse predict --d 300 --T0 600 --T 500,1000 --n 2 --sigma0 0.2 --sigma 0.1 --lam 1e-3 --json
"""

from __future__ import annotations

import argparse
from fractions import Fraction

import mpmath

from symcollapse._cli import common
from symcollapse.spec import Problem
from symcollapse.theory.evaluate import predict

COLUMNS = ["n", "T", "lam", "bias", "variance", "collapse", "delta_bias", "total", "kappa", "df2", "rho", "kind",
           "theorem"]
_NUMBERS = ("bias", "variance", "collapse", "delta_bias", "total", "kappa", "kappa0", "df1", "df2", "rho")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    common.add_problem_arguments(parser)
    parser.add_argument("--dps", type=int, default=None,
                        help="significant digits: evaluate with mpmath and certify them (default: float64)")
    parser.add_argument("--normalization", choices=["paper", "finite"], default="paper",
                        help="ρ of Eq. 19 with T0 − d (paper, default) or T0 − d − 1 (exact, Thm F.1)")


def _num(value, dps):
    """Cells: floats stay floats (the table rounds them); mpmath numbers become strings of ``dps`` digits."""
    if value is None:
        return ""
    if isinstance(value, mpmath.mpf):
        return mpmath.nstr(value, dps, min_fixed=-4, max_fixed=6)
    return value


def _lam_cell(lam):
    try:
        return float(lam)
    except (TypeError, ValueError):
        return str(lam)


def _sc(v) -> str:
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
    if s.kind == "isotropic":
        spec = f"Σ = {_sc(s.scale)}·I (d = {s.d})" if float(s.scale) != 1 else f"Σ = I (d = {s.d})"
    elif s.kind == "power_law":
        spec = f"Σ power law λ_j = {'' if float(s.scale) == 1 else f'{_sc(s.scale)}·'}j^-{_sc(s.beta)} (d = {s.d})"
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


def run(args: argparse.Namespace) -> int:
    if args.dps is not None and args.dps < 1:
        raise ValueError(f"--dps must be a positive integer, got {args.dps}")
    problems = common.problems(args)
    preds = [predict(p, dps=args.dps, normalization=args.normalization) for p in problems]
    dps = args.dps
    if args.json:
        out = []
        for pr in preds:
            d = pr.as_dict()
            for q in _NUMBERS:
                d[q] = None if d[q] is None else (_num(d[q], dps) if dps else d[q])
            out.append(d)
        common.print_json(out)
        return 0
    rows = []
    for p, pr in zip(problems, preds):
        row = {"n": p.chain.n, "T": p.downstream.T, "lam": _lam_cell(p.downstream.lam)}
        row.update({q: _num(getattr(pr, q), dps) for q in _NUMBERS})
        row.update(kind=pr.kind, theorem=pr.theorem, digits=pr.digits)
        rows.append(row)
    head = f"# {args.preset}: " if args.preset else "# "
    precision = f"mpmath, {dps} digits requested" if dps else "float64"
    print(f"{head}{describe(problems[0])}; test error E‖ŵ − w0‖²_Σ ({precision}, ρ normalization "
          f"{args.normalization})")
    common.print_table(rows, COLUMNS + (["digits"] if dps else []))
    return 0
