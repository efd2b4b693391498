"""Problem options shared by ``predict``, ``simulate`` and ``compare``, and table / JSON output.

Numbers are passed to the spec *as typed* (strings), so ``--lam 1e-3`` is exactly 1/1000 on the
high-precision path. ``--n``, ``--T`` and ``--lam`` accept comma-separated lists; the command then runs
over their Cartesian product (one table row each).
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import sys
from collections.abc import Iterable
from typing import Any

from symcollapse.spec import PRESET_NAMES, Chain, Problem, Ridge, SpecError, Spectrum, Target, preset

# Grid a preset prints when the user gives no --n: the generations the paper's figures show.
_PRESET_N = {"fig1a": "0,1,2,5,10,20", "fig1b": "0,1,2,5,10", "fig2": "0,1,2,3,4"}


def add_problem_arguments(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("problem (THEORY.md §1.3–1.4; numbers are exact as typed)")
    g.add_argument("--preset", choices=PRESET_NAMES, help="start from a figure's settings (THEORY.md §4)")
    g.add_argument("--d", type=int, help="dimension d")
    g.add_argument("--spectrum", choices=["isotropic", "power-law"], help="Σ's eigenvalues: s·1 or s·j^-β")
    g.add_argument("--beta", help="power-law exponent β > 1")
    g.add_argument("--scale", help="spectrum scale s > 0 (default 1)")
    g.add_argument("--target", choices=["isotropic", "source"], help="w0: isotropic or source condition")
    g.add_argument("--norm", help="‖w0‖ for an isotropic target (default 1)")
    g.add_argument("--r", help="source exponent r > 0 (c_j² = j^-δ, δ = 1 + β(2r − 1))")
    g.add_argument("--n", help="synthetic generations n ≥ 0 (comma-separated list allowed)")
    g.add_argument("--T0", type=int, help="samples per generation T0 ≥ 1")
    g.add_argument("--sigma0", help="label noise inside the chain σ0 ≥ 0")
    g.add_argument("--design", choices=["independent", "shared"], help="fresh or shared generator designs")
    g.add_argument("--T", help="downstream samples T ≥ 1 (comma-separated list allowed)")
    g.add_argument("--sigma", help="downstream label noise σ ≥ 0")
    g.add_argument("--lam", help="ridge penalty λ ≥ 0 per sample; sklearn alpha = λ·T (list allowed)")
    g.add_argument("--json", action="store_true", help="print JSON instead of a table")


def _split(value: str | None) -> list[str] | None:
    if value is None:
        return None
    items = [v.strip() for v in str(value).split(",") if v.strip()]
    if not items:
        raise SpecError(f"empty list {value!r}")
    return items


def _int(value: str, name: str) -> int:
    try:
        f = float(value)
    except ValueError:
        raise SpecError(f"{name} must be an integer, got {value!r}") from None
    if not f.is_integer():
        raise SpecError(f"{name} must be an integer, got {value!r}")
    return int(f)


def base_problem(args: argparse.Namespace) -> Problem:
    """The single problem described by the options (lists take their first element)."""
    return problems(args)[0]


def problems(args: argparse.Namespace) -> list[Problem]:
    """All problems of the grid ``--n × --T × --lam`` (a single one when no list is given)."""
    if args.preset:
        base = preset(args.preset)
    else:
        missing = [o for o in ("d", "T0", "T") if getattr(args, o) is None]
        if missing:
            raise SpecError(
                "give --preset or at least " + ", ".join(f"--{m}" for m in missing)
                + " (e.g. --d 300 --T0 600 --T 1000 --n 2 --sigma0 0.2 --sigma 0.1 --lam 1e-3)"
            )
        base = None
    spec = base.spectrum if base else None
    if args.spectrum or args.d is not None or args.beta is not None or args.scale is not None:
        kind = args.spectrum or ("power-law" if args.beta is not None else (spec.kind.replace("_", "-") if spec else "isotropic"))
        d = args.d if args.d is not None else (spec.d if spec else None)
        if d is None:
            raise SpecError("--d is required")
        scale = args.scale if args.scale is not None else (spec.scale if spec else 1.0)
        if kind == "power-law":
            beta = args.beta if args.beta is not None else (spec.beta if spec and spec.beta is not None else None)
            if beta is None:
                raise SpecError("--beta is required for a power-law spectrum (β > 1)")
            spec = Spectrum.power_law(d, beta, scale=scale)
        else:
            spec = Spectrum.isotropic(d, scale=scale)
    tgt = base.target if base else None
    if args.target or args.norm is not None or args.r is not None:
        kind = args.target or ("source" if args.r is not None else "isotropic")
        if kind == "source":
            r = args.r if args.r is not None else (tgt.r if tgt is not None and tgt.r is not None else None)
            if r is None:
                raise SpecError("--r is required for a source-condition target (r > 0)")
            tgt = Target.source(r)
        else:
            tgt = Target.isotropic(norm=args.norm if args.norm is not None else 1)
    elif tgt is None or (tgt.kind == "source" and spec.kind != "power_law"):
        tgt = Target.isotropic(norm=1)
    chain = base.chain if base else Chain(n=0, T0=args.T0)
    ridge = base.downstream if base else Ridge(T=_int(args.T.split(",")[0], "--T"))
    chain = Chain(
        n=chain.n,
        T0=args.T0 if args.T0 is not None else chain.T0,
        sigma0=args.sigma0 if args.sigma0 is not None else chain.sigma0,
        design=args.design or chain.design,
    )
    ridge = Ridge(
        T=ridge.T,
        sigma=args.sigma if args.sigma is not None else ridge.sigma,
        lam=ridge.lam,
    )
    p = Problem(spec, tgt, chain, ridge)
    n_values = _split(args.n) or (_split(_PRESET_N[args.preset]) if args.preset else [str(p.chain.n)])
    T_values = _split(args.T) or [str(p.downstream.T)]
    lam_values = _split(args.lam) or [p.downstream.lam]
    out = []
    for n, T, lam in itertools.product(n_values, T_values, lam_values):
        out.append(p.replace(n=_int(n, "--n"), T=_int(T, "--T"), lam=lam))
    return out


def fmt(value: Any, digits: int = 6) -> str:
    """Readable cell: floats to ``digits`` significant digits, mpmath numbers to their own precision."""
    if isinstance(value, float):
        if value == 0 or not math.isfinite(value):
            return str(value)
        return f"{value:.{digits}g}"
    return str(value)


def print_table(rows: list[dict], columns: Iterable[str] | None = None, file=None) -> None:
    """Aligned plain-text table of ``rows`` (dicts), in ``columns`` order."""
    file = file or sys.stdout
    if not rows:
        print("(no rows)", file=file)
        return
    columns = list(columns or rows[0].keys())
    cells = [[fmt(r.get(c, "")) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    print("  ".join(c.rjust(w) for c, w in zip(columns, widths)), file=file)
    print("  ".join("-" * w for w in widths), file=file)
    for row in cells:
        print("  ".join(v.rjust(w) for v, w in zip(row, widths)), file=file)


def to_jsonable(value: Any) -> Any:
    """Recursively convert numpy / mpmath / Fraction values for ``json.dumps`` (mpmath → string, exact)."""
    import numbers
    from fractions import Fraction

    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, Fraction):
        return str(value)
    if isinstance(value, (bool, str)) or value is None:
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, float):
        return value
    if hasattr(value, "tolist"):
        return to_jsonable(value.tolist())
    if type(value).__module__.startswith("mpmath"):
        return str(value)
    try:
        return float(value)
    except (TypeError, ValueError):
        return str(value)


def print_json(obj: Any, file=None) -> None:
    print(json.dumps(to_jsonable(obj), indent=2), file=file or sys.stdout)
