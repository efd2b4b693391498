"""Sphinx configuration of the symcollapse documentation.

Build (from the repository root, after ``python -m pip install -e ".[docs]"``)::

    python -m sphinx -W --keep-going -b html docs docs/_build/html

Three kinds of page are generated here, at every build, from what the repository holds, so that a new
public name, derivation or figure appears without editing the docs:

* ``api/generated/``: one page per name in ``symcollapse.__all__``;
* ``derivations/generated/``: every ``derivations/*.py`` (jupytext "percent" scripts) as a MyST notebook,
  executed by myst-nb (results cached in ``docs/_build/.jupyter_cache``);
* ``gallery/generated/``: one page per ``docs/figures/*.json`` manifest with a PNG beside it.
"""

from __future__ import annotations

import importlib.util
import inspect
import json
import os
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent

# Document (and execute against) this checkout's package, also when another copy is installed.
sys.path.insert(0, str(ROOT))
os.environ["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
os.environ.setdefault("MPLBACKEND", "Agg")

import symcollapse  # noqa: E402

# -- project -------------------------------------------------------------------------------------------
project = "symcollapse"
author = "the symcollapse authors"
copyright = "2026, the symcollapse authors"
release = version = symcollapse.__version__

extensions = [
    "myst_nb",  # MyST markdown (myst-parser) + executed notebooks
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_design",
]
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb"}
root_doc = "index"
exclude_patterns = ["_build", "**.ipynb_checkpoints", "figures/*.csv"]

# -- MyST / myst-nb ------------------------------------------------------------------------------------
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist", "substitution"]
myst_heading_anchors = 3
nb_execution_mode = "cache"  # executed once, re-run only when a cell changes
nb_execution_cache_path = str(DOCS / "_build" / ".jupyter_cache")
nb_execution_timeout = 600
nb_execution_raise_on_error = True  # a derivation that fails its own assertions fails the build
nb_execution_show_tb = True
nb_merge_streams = True

# -- autodoc / numpydoc --------------------------------------------------------------------------------
autosummary_generate = False  # the stubs are written below, named by the public path
autodoc_default_options = {"member-order": "bysource"}
autodoc_typehints = "none"  # the numpydoc "Parameters" sections carry the types
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_validation_checks: set[str] = set()
numpydoc_attributes_as_param_list = True

# -- HTML ------------------------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"symcollapse {release}"
html_static_path = ["_static"]
html_css_files = ["custom.css"]

# MathJax 3 served from the site itself (formulas render offline), taken from the assets that the
# ``sphinx-mathjax-offline`` distribution ships; its extension module is not loaded because it does not
# declare parallel safety (``-j auto``). Without it the default CDN copy of MathJax is used.
_mathjax = importlib.util.find_spec("sphinx-mathjax-offline")
if _mathjax is not None and _mathjax.origin:
    _assets = Path(_mathjax.origin).parent / "static"
    if (_assets / "mathjax" / "tex-chtml.js").exists():
        html_static_path.append(str(_assets))
        mathjax_path = "mathjax/tex-chtml.js"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": [],
}
html_sidebars = {"index": []}


# -- generated pages -------------------------------------------------------------------------------------
def _write_if_changed(path: Path, text: str) -> None:
    """Write ``text`` (atomically) only if it differs, so Sphinx does not re-read unchanged pages."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _public_objects() -> list[tuple[str, object]]:
    """``(name, object)`` for every public name of ``symcollapse.__all__`` (dunder names left out)."""
    out = []
    for name in symcollapse.__all__:
        if name.startswith("_"):
            continue
        obj = getattr(symcollapse, name)
        # ``symcollapse.simulate`` may be bound to the (callable) subpackage; document the function
        if inspect.ismodule(obj) and hasattr(obj, name):
            obj = getattr(obj, name)
        out.append((name, obj))
    return out


def _api_pages() -> None:
    """One page per public name, titled by its public path ``symcollapse.<name>``, and the index table."""
    gen = DOCS / "api" / "generated"
    rows, wanted = [], set()
    for name, obj in _public_objects():
        module, qualname = getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)
        if inspect.ismodule(obj):
            module, qualname = obj.__name__, None
        elif not (module and qualname and (inspect.isclass(obj) or callable(obj))):
            module, qualname = "symcollapse", None  # a constant or an instance: documented as data
        target = f"{module}.{qualname}" if qualname else f"{module}.{name}"
        if inspect.ismodule(obj):
            directive, options, target = "automodule", "", module
        elif qualname is None:
            directive, options = "py:data", f"   :value: {repr(obj).splitlines()[0][:80]}\n"
        elif inspect.isclass(obj):
            directive = "autoexception" if issubclass(obj, BaseException) else "autoclass"
            options = (
                ""
                if issubclass(obj, BaseException)
                else "   :members:\n   :exclude-members: __init__, __new__\n"
            )
        else:
            directive, options = "autofunction", ""
        title = f"symcollapse.{name}"
        page = (
            f"{title}\n{'=' * len(title)}\n\n"
            f"Defined in ``{module}``; import it as ``symcollapse.{name}``.\n\n"
            f".. currentmodule:: {module}\n\n.. {directive}:: {target.removeprefix(module + '.') or target}\n"
            f"{options}"
        )
        _write_if_changed(gen / f"symcollapse.{name}.rst", page)
        wanted.add(f"symcollapse.{name}.rst")
        rows.append(f"   ~{target}")
    for stale in gen.glob("*.rst"):
        if stale.name not in wanted:
            stale.unlink()
    table = "\n".join(rows)
    toc = "\n".join(f"   generated/symcollapse.{name}" for name, _ in _public_objects())
    _write_if_changed(
        gen.parent / "names.rst.inc",
        f".. autosummary::\n   :nosignatures:\n\n{table}\n\n.. toctree::\n   :hidden:\n\n{toc}\n",
    )


def _derivation_pages() -> None:
    """``derivations/*.py`` (jupytext percent scripts) as MyST notebooks under ``derivations/generated/``."""
    import jupytext

    gen = DOCS / "derivations" / "generated"
    wanted = set()
    for src in sorted((ROOT / "derivations").glob("*.py")):
        nb = jupytext.read(src, fmt="py:percent")
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        text = jupytext.writes(nb, fmt="md:myst")
        _write_if_changed(gen / f"{src.stem}.md", text)
        wanted.add(f"{src.stem}.md")
    for stale in gen.glob("*.md"):
        if stale.name not in wanted:
            stale.unlink()


def _fmt(value) -> str:
    if isinstance(value, list):
        if len(value) > 8:
            return f"{len(value)} values from {_fmt(value[0])} to {_fmt(value[-1])}"
        return ", ".join(_fmt(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k} = {_fmt(v)}" for k, v in value.items())
    if isinstance(value, float):
        return f"{value:.6g}"
    return f"{value}"


def _flatten(prefix: str, value) -> list[tuple[str, object]]:
    if isinstance(value, dict) and value and all(isinstance(k, str) for k in value):
        out = []
        for k, v in value.items():
            out += _flatten(f"{prefix}.{k}" if prefix else k, v)
        return out
    return [(prefix, value)]


def _table(header: tuple[str, str], rows: list[tuple[str, object]]) -> list[str]:
    lines = [f"| {header[0]} | {header[1]} |", "|---|---|"]
    lines += [f"| `{k}` | {_fmt(v).replace('|', '/')} |" for k, v in rows]
    return lines + [""]


def _experiment_module(name: str) -> str | None:
    """Dotted name of the experiment module that made figure ``name``, if it can be imported."""
    import importlib

    try:
        importlib.import_module(f"symcollapse.experiments.{name}")
    except Exception:  # an optional dependency missing, or no such module: the page just omits it
        return None
    return f"symcollapse.experiments.{name}"


def _gallery_pages() -> None:
    """One page per reproduced figure: the PNG, what it shows, its parameters from the JSON manifest."""
    gen = DOCS / "gallery" / "generated"
    wanted = set()
    shown = {"figure", "command", "files", "versions", "settings", "problem", "claim"}
    for manifest in sorted((DOCS / "figures").glob("*.json")):
        meta = json.loads(manifest.read_text(encoding="utf-8"))
        png = manifest.with_suffix(".png")
        if not png.exists():
            continue
        name = str(meta.get("figure", manifest.stem))
        command = meta.get("command", f"symcollapse reproduce {name}")
        lines = [f"# Figure {name.removeprefix('fig')}", ""]
        lines += [
            f"```{{figure}} ../../figures/{png.name}",
            f":alt: Figure {name} reproduced",
            ":width: 100%",
            f":target: ../../_images/{png.name}",
            "",
            f"`{command}`",
            "```",
            "",
        ]
        if meta.get("claim"):
            lines += [f"**Claim checked:** `{meta['claim']}`", ""]
        module = _experiment_module(name)
        if module:
            lines += [
                "## What the figure shows",
                "",
                f"From the docstring of `{module}`:",
                "",
                "```{eval-rst}",
                f".. automodule:: {module}",
                "   :no-index:",
                "```",
                "",
            ]
        if meta.get("problem"):
            lines += ["## Problem", ""] + _table(("field", "value"), _flatten("", meta["problem"]))
        if meta.get("settings"):
            lines += ["## Settings", ""] + _table(("parameter", "value"), list(meta["settings"].items()))
        rest = [(k, v) for k, v in meta.items() if k not in shown]
        if rest:
            lines += ["## Run", ""] + _table(("field", "value"), rest)
        if meta.get("files"):
            lines += [
                "Files written together: " + ", ".join(f"`{v}`" for v in meta["files"].values()) + ".",
                "",
            ]
        if meta.get("versions"):
            lines += ["Versions: " + ", ".join(f"{k} {v}" for k, v in meta["versions"].items()) + ".", ""]
        _write_if_changed(gen / f"{manifest.stem}.md", "\n".join(lines))
        wanted.add(f"{manifest.stem}.md")
    for stale in gen.glob("*.md"):
        if stale.name not in wanted:
            stale.unlink()


_api_pages()
_derivation_pages()
_gallery_pages()
