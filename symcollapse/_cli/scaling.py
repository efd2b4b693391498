"""``symcollapse scaling``: the power-law exponents of §5, derived symbolically (Thm 5.1, Cor 5.2, App. G).

Examples::

    symcollapse scaling --beta 2 --r 0.375 --ell 0.8            # every exponent at ℓ = 0.8, which term dominates
    symcollapse scaling --beta 2 --r 0.375 --a 0 --b 1 --noise noiseless   # Cor 5.2: ℓ⋆ and the rate
    symcollapse scaling --table                                  # THEORY.md §3 table, from the derivation
    symcollapse scaling --beta 1.65 --r 0.097 --json

Numbers are exact as typed (``0.375`` is 3/8). An exponent ``e`` means the term is ≍ T^e.
"""

from __future__ import annotations

import argparse

import sympy as sp

from symcollapse._cli.common import print_json, print_table
from symcollapse.spec import SpecError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("power law (THEORY.md §2.8; numbers are exact as typed)")
    g.add_argument("--beta", help="capacity exponent β > 1 (λ_j ≍ j^-β)")
    g.add_argument("--r", help="source exponent r > 0 (c_j² ≍ j^-δ, δ = 1 + β(2r − 1))")
    g.add_argument("--ell", help="ridge exponent ℓ ∈ [0, β): λ ≍ T^-ℓ (default: symbolic ℓ)")
    g.add_argument("--a", help="n·σ0² ≍ T^a, a ≥ 0 (Cor 5.2; default 0 when --b is given)")
    g.add_argument("--b", help="T0 ≍ T^b, b > 0 (Cor 5.2); without it T0 ∝ T")
    g.add_argument("--noise", choices=["noisy", "noiseless"], default="noisy",
                   help="σ² = Θ(1) (default) or σ = 0")
    parser.add_argument("--table", action="store_true",
                        help="print THEORY.md §3's exponent table, derived (default when --ell is not given)")
    parser.add_argument("--steps", action="store_true", help="print the derivation steps (Lemma I.1 applications)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")


def _value(v):
    if v is None:
        return ""
    if isinstance(v, sp.logic.boolalg.BooleanAtom):
        return bool(v)
    if isinstance(v, sp.Expr) and v.is_number:
        return float(v) if v.is_finite else str(v)
    return sp.sstr(v)


def _exponent_rows(general, law) -> list[dict]:
    rows = []
    for name, v, desc in law.items():
        sym = getattr(general, name, None)
        rows.append({"quantity": name, "meaning": desc, "derived formula": sp.sstr(sym) if sym is not None else "",
                     "value": sp.sstr(v), "numeric": _value(v)})
    return rows


def _table(beta, r) -> list[dict]:
    """THEORY.md §3 rows, each computed by the derivation (symbolic, and with β, r plugged in if given)."""
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
            out.append({"quantity": label, "derived (general)": "Max(bias, variance) = " + g,
                        "with beta, r": v, "form": form, "conditions": "n = 0"})
            continue
        if attr == "rho":
            out.append({"quantity": label, "derived (general)": rho.factored(), "with beta, r": "",
                        "form": form, "conditions": cond})
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
        out.append({"quantity": label, "derived (general)": sp.sstr(g),
                    "with beta, r": shown, "form": form, "conditions": cond})
    return out


def run(args: argparse.Namespace) -> int:
    from symcollapse.theory import symbols as S  # noqa: PLC0415
    from symcollapse.theory.scaling import derive, scaling_law  # noqa: PLC0415

    if (args.beta is None) != (args.r is None):
        raise SpecError("give both --beta and --r (or neither, with --table)")
    if args.a is not None and args.b is None:
        raise SpecError("--a needs --b (T0 ≍ T^b)")
    show_table = args.table or args.ell is None
    out: dict = {}
    if args.beta is not None:
        law = scaling_law(args.beta, args.r, ell=args.ell, a=args.a, b=args.b, noise=args.noise)
        general = scaling_law(
            S.beta, S.r, ell=None if args.ell is None else S.ell,
            a=None if args.b is None else S.a, b=None if args.b is None else S.b, noise=args.noise,
        )
        rows = _exponent_rows(general, law)
        dominant = law.dominant() if law.total_exponent.is_number else []
        out.update(
            parameters={"beta": str(law.beta), "r": str(law.r), "ell": str(law.ell), "a": str(law.a),
                        "b": str(law.b), "noise": law.noise},
            exponents={r_["quantity"]: {"formula": r_["derived formula"], "value": r_["value"],
                                        "numeric": r_["numeric"], "meaning": r_["meaning"]} for r_ in rows},
            optimal_ell={"ell": sp.sstr(law.ell_opt), "numeric": _value(law.ell_opt),
                         "exponent": sp.sstr(law.rate_opt), "exponent_numeric": _value(law.rate_opt)},
            dominant=dominant,
        )
        if not args.json:
            print("Scaling law (Thm 5.1, Cor 5.2, App. G), derived from the deterministic equivalents")
            print(f"beta = {law.beta}, r = {law.r}, ell = {law.ell}, a = {law.a}, b = {law.b}, noise = {law.noise}")
            print("an exponent e means the term is ≍ T^e\n")
            print_table(rows, ["quantity", "derived formula", "value", "numeric", "meaning"])
            print(f"\noptimal ell: {law.ell_opt}" + (f" ≈ {float(law.ell_opt):.6g}" if law.ell_opt.is_number else "")
                  + f"   (error ≍ T^{law.rate_opt})")
            if dominant:
                print("dominant term(s) at this ell: " + ", ".join(dominant))
            if law.b is not None and law.b.is_number and law.b > 1:
                print("note: b > 1, so d ≍ T0 ≫ T; the phi0 branch of max(T/T0, phi0) dominates the collapse "
                      "term (the paper's Cor 5.2 / App. G exponents assume b <= 1)")
    if show_table:
        table = _table(args.beta, args.r)
        out["table"] = table
        if not args.json:
            print("\nTHEORY.md §3 exponent table, reproduced from the derivation (r_ = Min(1, r)):\n")
            print_table(table, ["quantity", "derived (general)", "with beta, r", "conditions"])
    if args.steps:
        steps = derive("le", "le").steps
        out["steps"] = steps
        if not args.json:
            print("\nDerivation steps (case r <= 1, b <= 1):")
            for s in steps:
                print("  " + s)
    if args.json:
        print_json(out)
    return 0
