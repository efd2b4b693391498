"""The paper's figures as experiments: one module per figure, each ``run(...)`` returns a tidy table.

``fig1a``, ``fig1b``, ``fig2`` (theory from :func:`~symcollapse.predict`, simulation from one
:func:`~symcollapse.sweep` per panel, with shared randomness), ``fig4`` (kernel ridge chain on real images) and ``fig5`` (random-features
chain). A table is a list of dict records with the columns of :data:`COLUMNS` (plus extras) and a ``meta``
dict of settings; :mod:`symcollapse.plot` draws it, ``symcollapse reproduce`` writes PNG, CSV and JSON.
Modules are imported on first use (``from symcollapse.experiments import fig1a``).
"""

from symcollapse.experiments._table import COLUMNS, Table


def _collect() -> tuple[str, ...]:
    # The registry is the set of public experiment modules (one per figure), found without importing them.
    import pkgutil  # noqa: PLC0415
    import re  # noqa: PLC0415

    def natural(name: str) -> list:  # fig2 before fig10
        return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name)]

    return tuple(sorted((m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_")), key=natural))


FIGURES = _collect()

__all__ = ["COLUMNS", "Table", "FIGURES"]
