"""The paper's figures as experiments: one module per figure, each ``run(...)`` returns a tidy table.

``fig1a``, ``fig1b``, ``fig2`` (theory from :func:`~symcollapse.predict`, simulation from
:func:`~symcollapse.simulate`), ``fig4`` (kernel ridge chain on real images) and ``fig5`` (random-features
chain). A table is a list of dict records with the columns of :data:`COLUMNS` (plus extras) and a ``meta``
dict of settings; :mod:`symcollapse.plot` draws it, ``symcollapse reproduce`` writes PNG, CSV and JSON.
Modules are imported on first use (``from symcollapse.experiments import fig1a``).
"""

from symcollapse.experiments._table import COLUMNS, Table

FIGURES = ("fig1a", "fig1b", "fig2", "fig4", "fig5")

__all__ = ["COLUMNS", "Table", "FIGURES"]
