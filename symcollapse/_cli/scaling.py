"""``symcollapse scaling``: the power-law exponents of §5, derived symbolically (Thm 5.1, Cor 5.2, App. G).

Examples::

    symcollapse scaling --beta 2 --r 0.375 --ell 0.8            # every exponent at ℓ = 0.8, which term dominates
    symcollapse scaling --beta 2 --r 0.375 --a 0 --b 1 --noise noiseless   # Cor 5.2: ℓ⋆ and the rate
    symcollapse scaling --table                                  # the §5 exponent table, derived
    symcollapse scaling --beta 1.65 --r 0.097 --json

Numbers are exact as typed (``0.375`` is 3/8). An exponent ``e`` means the term is ≍ T^e.
"""

from __future__ import annotations

import argparse

import sympy as sp

from symcollapse._cli import _table as _out
from symcollapse._cli._parse import Number, OptionError
from symcollapse.results import jsonable

_EXPONENT_COLUMNS = ["quantity", "value", "numeric", "derived formula", "meaning"]
_TABLE_COLUMNS = ["quantity", "derived (general)", "with beta, r", "conditions"]


def print_table(rows: list[dict], columns: list[str]) -> None:
    for line in _out.table_lines(rows, columns):
        print(line)


def _say(text: str = "") -> None:
    """Print ``text`` wrapped to the terminal width (blank lines kept)."""
    for para in text.split("\n"):
        for line in _out.wrap(para, indent="  ") if para else [""]:
            print(line)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group(
        "power law (paper §5; see docs/theory/scaling.md; numbers are exact as typed)"
    )
    g.add_argument(
        "--beta",
        type=Number("--beta", low=1, low_open=True),
        help="capacity exponent β > 1, λ_j ≍ j^-β (default: none; required with --r)",
    )
    g.add_argument(
        "--r",
        type=Number("--r", low=0, low_open=True),
        help="source exponent r > 0, c_j² ≍ j^-δ, δ = 1 + β(2r − 1) (default: none; required with --beta)",
    )
    g.add_argument(
        "--ell", type=Number("--ell", low=0), help="ridge exponent ℓ ∈ [0, β): λ ≍ T^-ℓ (default: symbolic ℓ)"
    )
    g.add_argument(
        "--a", type=Number("--a", low=0), help="n·σ0² ≍ T^a, a ≥ 0 (Cor 5.2; default: 0 when --b is given)"
    )
    g.add_argument(
        "--b",
        type=Number("--b", low=0, low_open=True),
        help="T0 ≍ T^b, b > 0 (Cor 5.2) (default: none, T0 ∝ T)",
    )
    g.add_argument(
        "--noise", choices=["noisy", "noiseless"], default="noisy", help="σ² = Θ(1) or σ = 0 (default: noisy)"
    )
    parser.add_argument(
        "--table",
        action="store_true",
        help="print the exponent table of the paper's §5, derived (default: on when --ell is not given)",
    )
    parser.add_argument(
        "--steps",
        action="store_true",
        help="print the derivation steps, Lemma I.1 applications (default: off)",
    )
    _out.add_output_arguments(parser, _EXPONENT_COLUMNS)


def _value(v):
    """A number for tables and JSON (``None`` where the value is not a finite number, e.g. ``-oo``)."""
    if v is None:
        return None
    if isinstance(v, sp.logic.boolalg.BooleanAtom):
        return bool(v)
    if isinstance(v, sp.Expr) and v.is_number:
        return float(v) if v.is_finite else None
    return None


def _exponent_rows(general, law) -> list[dict]:
    rows = []
    for name, v, desc in law.items():
        sym = getattr(general, name, None)
        rows.append(
            {
                "quantity": name,
                "meaning": desc,
                "derived formula": sp.sstr(sym) if sym is not None else "",
                "value": sp.sstr(v),
                "numeric": _value(v),
            }
        )
    return rows


def _table(beta, r) -> list[dict]:
    """The §5 exponent-table rows, each computed by the derivation (symbolic, and with β, r plugged in if given)."""
    from symcollapse.theory import symbols as S  # noqa: PLC0415
    from symcollapse.theory.scaling import derive, scaling_law  # noqa: PLC0415

    gen = scaling_law(S.beta, S.r, a=S.a, b=S.b)
    gen0 = scaling_law(S.beta, S.r, noise="noiseless")
    num = scaling_law(beta, r, a=S.a, b=S.b) if beta is not None else None
    num0 = scaling_law(beta, r, noise="noiseless") if beta is not None else None
    rho = derive("le", None).rho
    rows = [
        ("clean bias", "bias_exponent", "T^e", "ell < beta"),
        ("clean variance", "variance_exponent", "sigma^2 T^e", "ell < beta"),
        ("clean total (Cui et al.)", None, "max(sigma^2, T^(1-2 r_ ell-ell/beta)) T^-(1-ell/beta)", ""),
        ("clean, noisy, optimal ell", "ell_crit", "ell_crit", "sigma^2 = Theta(1)"),
        ("clean, noisy, optimal rate", "c", "E ≍ T^-c", "sigma^2 = Theta(1)"),
        ("clean, noiseless: optimum", "noiseless:ell_opt", "ell", "sigma = 0 (fast rate)"),
        ("clean, noiseless: rate", "noiseless:rate_opt", "T^e", "sigma = 0"),
        ("model-collapse term (rho)", "rho", "n sigma0^2 × this", "T0 >= d + 2, ell in [0, beta)"),
        ("collapse, T0≍T^b, n sigma0^2≍T^a", "collapse_exponent", "T^e (phi0 fixed)", "b <= 1: T ≳ d"),
        ("optimal ell with fake data (noiseless)", "ell_star", "Eq. 28", "Cor 5.2"),
        ("its rate", "rate", "T^e", "Cor 5.2"),
        ("classical ell_crit on fake data", "crit_exponent", "T^e", "Eq. 29"),
        ("  diverges iff", "diverges", "", "Eq. 29 (corrected)"),
        ("noisy + fake, ell <= ell_crit", "noisy_low_exponent", "T^e", "App. G"),
        ("  best ell", "ell_noisy", "", "App. G"),
        ("noisy + fake, ell >= ell_crit", "noisy_high_exponent", "T^-(gamma-ell/beta)", "App. G"),
        ("  gamma", "gamma", "", "App. G"),
        ("  at ell_crit", "crit_noisy_exponent", "T^e", "App. G"),
        ("  -> 0 iff", "crit_noisy_consistent", "", "App. G"),
        ("df_m(kappa)", "df_exponent", "T^e (≍ kappa^-1/beta)", "small kappa"),
    ]
    out = []
    for label, attr, form, cond in rows:
        if attr is None:
            g = sp.sstr(gen.total_exponent.subs(S.a, 0).subs(S.b, 1))
            v = sp.sstr(num.total_exponent.subs({S.a: 0, S.b: 1})) if num is not None else ""
            out.append(
                {
                    "quantity": label,
                    "derived (general)": "Max(bias, variance) = " + g,
                    "with beta, r": v,
                    "form": form,
                    "conditions": "n = 0",
                }
            )
            continue
        if attr == "rho":
            out.append(
                {
                    "quantity": label,
                    "derived (general)": rho.factored(),
                    "with beta, r": "",
                    "form": form,
                    "conditions": cond,
                }
            )
            continue
        src, src_num = (gen, num)
        if attr.startswith("noiseless:"):
            attr, src, src_num = attr.split(":")[1], gen0, num0
        g = getattr(src, attr)
        if attr == "variance_exponent":
            g = gen.variance_exponent
        v = getattr(src_num, attr) if src_num is not None else None
        shown = ""
        if v is not None:
            shown = sp.sstr(v)
            if isinstance(v, sp.Expr) and v.is_number and v.is_finite and not v.is_Integer:
                shown += f" ≈ {float(v):.6g}"
        out.append(
            {
                "quantity": label,
                "derived (general)": sp.sstr(g),
                "with beta, r": shown,
                "form": form,
                "conditions": cond,
            }
        )
    return out


def _check_pairs(args: argparse.Namespace) -> None:
    if (args.beta is None) != (args.r is None):
        missing = "--r" if args.r is None else "--beta"
        raise OptionError(
            missing,
            None,
            f"required with {'--beta' if missing == '--r' else '--r'} (give both, or neither for the table)",
        )
    if args.a is not None and args.b is None:
        raise OptionError("--a", args.a, "needs --b (T0 ≍ T^b)")


def _say_law(law, params: dict, rows: list, dominant: list) -> None:
    _say("Scaling law (Thm 5.1, Cor 5.2, App. G), derived from the deterministic equivalents")
    shown = {k: "(not given)" if v is None else v for k, v in params.items()}
    _say(", ".join(f"{k} = {v}" for k, v in shown.items()))
    _say("an exponent e means the term is ≍ T^e\n")
    print_table(rows, _EXPONENT_COLUMNS)
    _say(
        f"\noptimal ell: {law.ell_opt}"
        + (f" ≈ {float(law.ell_opt):.6g}" if law.ell_opt.is_number else "")
        + f"   (error ≍ T^{law.rate_opt})"
    )
    if dominant:
        _say("dominant term(s) at this ell: " + ", ".join(dominant))
    if law.b is not None and law.b.is_number and law.b > 1:
        _say(
            "note: b > 1, so d ≍ T0 ≫ T; the phi0 branch of max(T/T0, phi0) dominates the collapse "
            "term (the paper's Cor 5.2 / App. G exponents assume b <= 1)"
        )


def _law(args: argparse.Namespace, out: dict) -> bool:
    """The exponents at the given (β, r, ℓ, a, b): fills ``out``; True when the output is already emitted."""
    from symcollapse.theory import symbols as S  # noqa: PLC0415
    from symcollapse.theory.scaling import scaling_law  # noqa: PLC0415

    law = scaling_law(args.beta, args.r, ell=args.ell, a=args.a, b=args.b, noise=args.noise)
    general = scaling_law(
        S.beta,
        S.r,
        ell=None if args.ell is None else S.ell,
        a=None if args.b is None else S.a,
        b=None if args.b is None else S.b,
        noise=args.noise,
    )
    rows = _exponent_rows(general, law)
    dominant = law.dominant() if law.total_exponent.is_number else []
    params = {"beta": law.beta, "r": law.r, "ell": law.ell, "a": law.a, "b": law.b, "noise": law.noise}
    out.update(params)  # the parameters are top-level fields (numbers, or null when not given)
    out.update(
        exponents={
            r_["quantity"]: {
                "formula": r_["derived formula"],
                "value": r_["value"],
                "numeric": r_["numeric"],
                "meaning": r_["meaning"],
            }
            for r_ in rows
        },
        optimal_ell={
            "ell": sp.sstr(law.ell_opt),
            "numeric": _value(law.ell_opt),
            "exponent": sp.sstr(law.rate_opt),
            "exponent_numeric": _value(law.rate_opt),
        },
        dominant=dominant,
    )
    if args.format == "csv":
        _out.emit([{**params, **r_} for r_ in rows], "csv", args.columns, _EXPONENT_COLUMNS)
        return True
    if args.format == "table" and args.columns:
        _out.emit(rows, "table", args.columns, _EXPONENT_COLUMNS)
        return True
    if args.format != "json":
        _say_law(law, params, rows, dominant)
    return False


def run(args: argparse.Namespace) -> int:
    from symcollapse.theory.scaling import derive  # noqa: PLC0415

    _check_pairs(args)
    json_out = args.format == "json"
    show_table = args.table or args.ell is None
    out: dict = {}
    if args.beta is not None and _law(args, out):
        return 0
    if show_table:
        table = _table(args.beta, args.r)
        out["table"] = table
        if args.format == "csv" or (args.format == "table" and args.columns):
            _out.emit(table, args.format, args.columns, _TABLE_COLUMNS)
            return 0
        if not json_out:
            _say("\nExponent table of the paper's §5, reproduced from the derivation (r_ = Min(1, r)):\n")
            print_table(table, _TABLE_COLUMNS)
    if args.steps:
        steps = derive("le", "le").steps
        out["steps"] = steps
        if not json_out:
            _say("\nDerivation steps (case r <= 1, b <= 1):")
            for s in steps:
                _say("  " + s)
    if json_out:
        import json  # noqa: PLC0415

        print(json.dumps(jsonable(out), indent=2, allow_nan=False))
    return 0
