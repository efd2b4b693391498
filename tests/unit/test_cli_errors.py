"""The command line fits and fails cleanly (issue 13 item 3, issue 14 item 6): exact integers, errors naming
the option and the typed value, "did you mean", defaults in --help, no traceback, SIGINT → 130."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from symcollapse import cli
from symcollapse.cli import main

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _wide_terminal(monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")


def cli_run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def parsed(*argv):
    parser, _ = cli._parser(list(argv))
    args, extra = parser.parse_known_args(list(argv))
    assert not extra
    return args


# ---- integers: one exact rule for every integer option -------------------------------------------------

_INTEGER_OPTIONS = [
    ("predict", "--d"),
    ("predict", "--T0"),
    ("predict", "--n"),
    ("predict", "--T"),
    ("predict", "--dps"),
    ("simulate", "--reps"),
    ("simulate", "--seed"),
]


@pytest.mark.parametrize("command, option", _INTEGER_OPTIONS)
@pytest.mark.parametrize(
    "text, value", [("300", 300), ("3e2", 300), ("3E2", 300), ("1_000", 1000), ("2.5e2", 250), ("6e2", 600)]
)
def test_integer_options_accept_the_same_notations(command, option, text, value):
    got = getattr(parsed(command, "--preset", "fig1a", option, text), option.lstrip("-"))
    got = got[0] if isinstance(got, list) else got
    assert got == value and type(got) is int


@pytest.mark.parametrize("command, option", _INTEGER_OPTIONS)
@pytest.mark.parametrize("text", ["1.5", "1e-400", "10**6", "two", "nan", "inf", "0x10"])
def test_integer_options_reject_the_same_notations(capsys, command, option, text):
    code, out, err = cli_run(capsys, command, "--preset", "fig1a", f"{option}={text}")
    assert code == 2 and out == ""
    assert f"{option} {text!r}" in err and err.count("\n") == 1 and "Traceback" not in err


def test_large_integers_never_go_through_float():
    assert parsed("predict", "--T", "1e30").T == [10**30]
    assert parsed("predict", "--T=99999999999999999999999").T == [99999999999999999999999]


# ---- errors name the option and the typed value --------------------------------------------------------


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["predict", "--preset", "fig1a", "--lam", "-1"], "--lam '-1': must be >= 0"),
        (["predict", "--preset", "fig1a", "--lam=-1"], "--lam '-1'"),
        (["predict", "--preset", "fig1a", "--lamda", "1"], "did you mean --lam?"),
        (["predict", "--preset", "fig1a", "--sigam0=1"], "did you mean --sigma0?"),
        (["predict", "--preset", "fig_2"], "did you mean 'fig2'?"),
        (["predikt"], "did you mean 'predict'?"),
        (["predict", "--preset", "fig1a", "--n", ""], "--n ''"),
        (["predict", "--preset", "fig1a", "--n", "1,,2"], "--n '1,,2'"),
        (["predict", "--preset", "fig1a", "--sigma0", "abc"], "--sigma0 'abc'"),
        (["predict", "--preset", "fig1a", "--n=1e-400"], "--n '1e-400': not an integer"),
        (["predict", "--preset", "fig1a", "--lam=1e-400", "--dps=30"], "--lam '1e-400'"),
        (["predict", "--preset", "fig1a", "--lam", "1e400"], "too large for float64"),
        (["predict", "--preset", "fig1a", "--columns", "n,totl"], "did you mean 'total'?"),
        (["predict", "--T", "10"], "--d: required without --preset"),
        (["scaling", "--beta", "two"], "--beta 'two'"),
        (["scaling", "--beta", "2"], "--r: required with --beta"),
        (["simulate", "--preset", "fig1a", "--reps", "1"], "--reps '1': must be >= 2"),
    ],
)
def test_errors_name_the_option_and_value(capsys, argv, expected):
    code, _, err = cli_run(capsys, *argv)
    assert code == 2 and expected in err, err
    assert "Fraction(" not in err and "Traceback" not in err and err.count("\n") == 1


@pytest.mark.parametrize(
    "option, value", [("--sigma", "1e308"), ("--sigma0", "1e200"), ("--lam", "1e308"), ("--scale", "1e308")]
)
def test_overflow_inputs_give_one_line_naming_the_option(capsys, option, value):
    code, out, err = cli_run(capsys, "predict", "--preset", "fig1a", "--n", "1", f"{option}={value}")
    assert code == 2 and out.startswith("#") is False or code == 2
    assert option in err and "Traceback" not in err and err.strip().count("\n") == 0, err


def test_library_messages_are_mapped_to_options(capsys):
    # Thm 4.1 needs T0 >= d + 2 on the finite normalisation: the library's message, the option named
    code, _, err = cli_run(
        capsys, "predict", "--preset", "fig2", "--sigma0", "0.2", "--T0", "299", "--normalization", "finite"
    )
    assert code == 2 and "T0" in err and "Traceback" not in err


def test_unexpected_errors_are_one_line(capsys, monkeypatch):
    import symcollapse._cli.predict as predict_cli

    def boom(args):
        raise KeyError("boom")

    monkeypatch.setattr(predict_cli, "run", boom)
    code, _, err = cli_run(capsys, "predict", "--preset", "fig1a")
    assert code == 70 and "internal error: KeyError" in err and err.count("\n") == 1


def test_keyboard_interrupt_exits_130_in_process(capsys, monkeypatch):
    import symcollapse._cli.predict as predict_cli

    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(predict_cli, "run", interrupted)
    code, _, err = cli_run(capsys, "predict", "--preset", "fig1a")
    assert code == 130 and err.strip() == "symcollapse predict: interrupted"


def test_sigint_exits_130_with_one_line():
    # a long pure-Python computation (mpmath at 200 digits over a grid): SIGINT lands in the middle of it
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "symcollapse",
            "predict",
            "--preset",
            "fig1b",
            "--dps",
            "200",
            "--T",
            ",".join(str(t) for t in range(1000, 1400)),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(6)
    assert proc.poll() is None, proc.communicate()
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert err.strip().splitlines() == ["symcollapse predict: interrupted"]


# ---- help, defaults, warnings, entry point -------------------------------------------------------------


@pytest.mark.parametrize("command", ["predict", "simulate", "compare", "scaling"])
def test_help_shows_every_default(command):
    _, subs = cli._parser([command])
    sub = subs[command]
    formatter = sub._get_formatter()
    for action in sub._actions:
        if action.option_strings and action.dest != "help":
            assert "default" in formatter._get_help_string(action), (command, action.option_strings)
    assert "(default: " in sub.format_help()


def test_zero_defaults_warn_once(capsys):
    code, _, err = cli_run(capsys, "predict", "--d", "300", "--T0", "600", "--T", "1e12", "--n", "1,2")
    assert code == 0 and err.count("warning: σ = σ0 = λ = 0") == 1
    _, _, err = cli_run(capsys, "predict", "--d", "300", "--T0", "600", "--T", "1e12", "--n", "0")
    assert err == ""  # n = 0: clean data, nothing to warn about


def test_python_dash_m_symcollapse():
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "80"}
    res = subprocess.run(
        [sys.executable, "-m", "symcollapse", "predict", "--preset", "fig1a"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 0 and "Cor 4.4 (Eq. 19)" in res.stdout
    assert max(map(len, res.stdout.splitlines())) <= 80


@pytest.mark.parametrize("columns", [80, 200])
@pytest.mark.parametrize(
    "argv",
    [
        ["predict", "--preset", "fig1a"],
        ["predict", "--preset", "fig1b", "--dps", "40"],
        ["scaling", "--beta", "2", "--r", "0.375", "--ell", "0.8", "--steps"],
        ["scaling", "--beta", "2", "--r", "0.375"],
    ],
)
def test_tables_fit_the_terminal(capsys, monkeypatch, columns, argv):
    monkeypatch.setenv("COLUMNS", str(columns))
    code, out, _ = cli_run(capsys, *argv)
    assert code == 0 and max(map(len, out.splitlines())) <= columns


def test_wide_terminal_shows_the_whole_default_table(capsys):
    _, out, _ = cli_run(capsys, "predict", "--preset", "fig1a")
    assert "not shown" not in out and "# fixed" not in out
    table = [ln for ln in out.splitlines() if not ln.startswith("#")]
    assert table[0].split() == [
        "n",
        "T",
        "lam",
        "total",
        "bias",
        "variance",
        "collapse",
        "delta_bias",
        "kappa",
        "rho",
        "theorem",
    ]


def test_narrow_terminal_says_what_it_hides(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "40")
    _, out, _ = cli_run(capsys, "predict", "--preset", "fig1a")
    assert "# fixed: T = 1000, lam = 0.001" in out and "not shown" in out


def test_dps_digits_block(capsys):
    _, out, _ = cli_run(capsys, "predict", "--preset", "fig1b", "--n", "0,1", "--dps", "40")
    block = out.split("\n\n")[1]
    assert "40 requested, 40 certified" in block and "every row:" in block
    assert "total      = 0.005174992910030227708311749834731674774328" in block
