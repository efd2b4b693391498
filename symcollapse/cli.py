"""Command line: ``symcollapse predict|simulate|compare|scaling|reproduce`` (also ``python -m symcollapse``).

A thin layer: every subcommand lives in its own module with ``add_arguments(parser)`` and
``run(args) -> int``, registered in :data:`COMMANDS` (one line each); shared problem options are in
``symcollapse/_cli/common.py``. Only the chosen subcommand's module is imported, so ``symcollapse predict``
never pays numba's import time.

Errors never print a traceback: bad input exits 2 with one line naming the option and the value as typed
(with "did you mean" for a mistyped option), a numerical failure exits 2 or 3, Ctrl-C exits 130 with one
line. Set ``SYMCOLLAPSE_TRACEBACK=1`` to see the traceback of an unexpected error.
"""

from __future__ import annotations

import argparse
import difflib
import importlib
import os
import re
import sys
import warnings

from symcollapse import __version__

# name -> (module with add_arguments/run, one-line help). Register a subcommand with one line here.
COMMANDS: dict[str, tuple[str, str]] = {
    "predict": (
        "symcollapse._cli.predict",
        "theory prediction of the test error (bias, variance, collapse term, κ, df)",
    ),
    "simulate": ("symcollapse._cli.simulate", "Monte-Carlo simulation of the generation chain"),
    "compare": (
        "symcollapse._cli.compare",
        "theory against simulation, with z-score and finite-size allowance",
    ),
    "scaling": (
        "symcollapse._cli.scaling",
        "power-law scaling exponents (Thm 5.1, Cor 5.2, App. G), derived symbolically",
    ),
    "reproduce": ("symcollapse._cli.reproduce", "reproduce the paper's figures (PNG + CSV + JSON)"),
    "sweep": ("symcollapse._cli.sweep", "a parameter grid (theory + simulation) into one table: CSV, JSON or Parquet"),
}

_EXIT_INTERRUPTED = 130
_EXIT_INTERNAL = 70  # EX_SOFTWARE: a bug, not bad input


class _Formatter(argparse.HelpFormatter):
    """Shows ``(default: ...)`` on every option whose help does not state its default already."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if (
            "default" in text
            or action.default is argparse.SUPPRESS
            or isinstance(action, argparse._HelpAction)
        ):
            return text
        if isinstance(action, argparse._VersionAction) or not action.option_strings:
            return text
        default = action.default
        shown = (
            {None: "none", True: "on", False: "off"}.get(default, default)
            if not isinstance(default, (int, float)) or isinstance(default, bool)
            else default
        )
        return f"{text} (default: {shown})"


class _Parser(argparse.ArgumentParser):
    def __init__(self, *a, **kw):
        kw.setdefault("allow_abbrev", False)  # a typo gets "did you mean", not a silent prefix match
        kw.setdefault("formatter_class", _Formatter)
        super().__init__(*a, **kw)

    def error(self, message: str):
        """One line naming the option and the value (argparse would print the whole usage first)."""
        m = re.match(r"argument ([^:]+): (.*)", message, re.S)
        if m and m.group(2).startswith(m.group(1).split("/")[0]):  # our OptionError already names it
            message = m.group(2)
        elif m:
            message = f"{m.group(1)}: {m.group(2)}"
        bad = re.search(r"invalid choice: '([^']*)' \(choose from (.*)\)", message)
        if bad:
            close = difflib.get_close_matches(bad.group(1), re.findall(r"'([^']*)'", bad.group(2)), n=1)
            message += f"; did you mean {close[0]!r}?" if close else ""
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _parser(argv: list[str]) -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    parser = _Parser(
        prog="symcollapse",
        description="Model collapse in regression (Dohmatob, Feng & Kempe, NeurIPS 2024): theory and simulation.",
    )
    parser.add_argument("--version", action="version", version=f"symcollapse {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    chosen = next((a for a in argv if a in COMMANDS), None)
    subparsers = {}
    for name, (module, help_) in COMMANDS.items():
        p = sub.add_parser(name, help=help_, description=help_)
        if name == chosen:  # lazy: the other subcommands get a bare parser for the top-level --help
            importlib.import_module(module).add_arguments(p)
        subparsers[name] = p
    return parser, subparsers


def _unknown(extra: list[str], sub: argparse.ArgumentParser) -> str:
    """ "unrecognized argument --lamda; did you mean --lam?" for the first unknown option."""
    known = [s for a in sub._actions for s in a.option_strings]
    for token in extra:
        if token.startswith("-"):
            name = token.split("=", 1)[0]
            close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]}?" if close else f" (see {sub.prog} --help)"
            return f"unrecognized option {name}{hint}"
    return f"unrecognized argument(s) {' '.join(extra)!r}"


def _typed(argv: list[str]) -> dict[str, str]:
    """``{"--lam": "-1"}``: each option's value as typed (for messages about values the library rejected)."""
    out: dict[str, str] = {}
    for i, tok in enumerate(argv):
        if tok.startswith("--"):
            if "=" in tok:
                k, v = tok.split("=", 1)
                out[k] = v
            elif i + 1 < len(argv):
                out[tok] = argv[i + 1]
    return out


def _extreme(typed: dict[str, str]) -> list[str]:
    """Options whose typed value is very large or very small (suspects of an overflow or underflow)."""
    out = []
    for opt, text in typed.items():
        for part in text.split(","):
            try:
                v = abs(float(part))
            except ValueError:
                continue
            if v >= 1e100 or 0 < v <= 1e-100:
                out.append(f"{opt} {part}")
    return out


def _library_message(exc: BaseException, typed: dict[str, str]) -> str:
    """The library's message with its field names mapped to options and Fraction(...) reprs made readable."""
    from symcollapse._cli.common import OPTION_OF  # noqa: PLC0415

    msg = re.sub(r"Fraction\((-?\d+), 1\)", r"\1", str(exc))
    msg = re.sub(r"Fraction\((-?\d+), (\d+)\)", r"\1/\2", msg)
    for field, opt in OPTION_OF.items():
        if re.search(rf"\b{re.escape(field)}\b", msg) and opt not in msg:
            shown = f" {typed[opt]!r}" if opt in typed else ""
            return f"{opt}{shown}: {msg}"
    return msg


def _show_warnings(prog: str, caught: list) -> None:
    seen = set()
    for w in caught:
        text = f"{prog}: warning: {w.category.__name__}: {w.message}"
        if text not in seen:
            seen.add(text)
            print(text, file=sys.stderr)


def _run(command: str, args: argparse.Namespace, typed: dict[str, str]) -> int:
    from symcollapse._cli._parse import OptionError  # noqa: PLC0415

    module = importlib.import_module(COMMANDS[command][0])
    prog = f"symcollapse {command}"
    if not hasattr(args, "json"):  # subcommands written against the older options read args.json
        args.json = getattr(args, "format", None) == "json"
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("default")
            code = int(module.run(args) or 0)
        _show_warnings(prog, caught)  # one line each, not file:line plus source
        return code
    except OptionError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
    except FloatingPointError as exc:  # a LAPACK factorisation failed inside a sampler
        print(f"{prog}: numerical failure: {exc}", file=sys.stderr)
        return 3
    except (OverflowError, ZeroDivisionError, ArithmeticError) as exc:
        suspects = _extreme(typed)
        where = f"{suspects[0]}: " if len(suspects) == 1 else ""
        also = f" (extreme inputs: {', '.join(suspects)})" if len(suspects) > 1 else ""
        print(
            f"{prog}: error: {where}numerical failure, {type(exc).__name__}: {exc or 'no message'}{also}; "
            "the value is outside what float64 can carry through this computation",
            file=sys.stderr,
        )
    except ValueError as exc:  # SpecError and RegimeError are ValueErrors
        print(f"{prog}: error: {_library_message(exc, typed)}", file=sys.stderr)
    except ImportError as exc:  # an optional dependency
        name = getattr(exc, "name", None) or "the missing package"
        print(f"{prog}: error: {exc} (install it with `pip install {name}`)", file=sys.stderr)
    except OSError as exc:  # e.g. --out in a place that cannot be written
        print(f"{prog}: error: {exc}", file=sys.stderr)
    except MemoryError:
        print(f"{prog}: error: out of memory (reduce --reps, --d or the grid)", file=sys.stderr)
    return 2


def main(argv: list[str] | None = None) -> int:
    """Run the command line on ``argv`` (default ``sys.argv[1:]``) and return the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    command = next((a for a in argv if a in COMMANDS), None)
    prog = f"symcollapse {command}" if command else "symcollapse"
    try:
        parser, subparsers = _parser(argv)
        args, extra = parser.parse_known_args(argv)
        if extra:
            (subparsers.get(args.command) or parser).error(
                _unknown(extra, subparsers.get(args.command) or parser)
            )
        if args.command is None:
            parser.print_help()
            return 2
        return _run(args.command, args, _typed(argv))
    except SystemExit as exc:  # argparse: --help, --version, or a usage error (already printed)
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    except KeyboardInterrupt:
        print(f"\n{prog}: interrupted", file=sys.stderr)
        return _EXIT_INTERRUPTED
    except BrokenPipeError:  # `symcollapse predict ... | head`: stop quietly
        try:
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - the interpreter's final flush must not fail
        except OSError:
            pass
        return 141
    except Exception as exc:  # noqa: BLE001 - never a traceback; this is a bug in symcollapse
        if os.environ.get("SYMCOLLAPSE_TRACEBACK"):
            raise
        print(
            f"{prog}: internal error: {type(exc).__name__}: {exc} (please report it; "
            "SYMCOLLAPSE_TRACEBACK=1 shows the traceback)",
            file=sys.stderr,
        )
        return _EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
