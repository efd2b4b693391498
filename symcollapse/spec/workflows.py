r"""The follow-up workflows of the chain, registered with :func:`~symcollapse.spec.register_workflow`.

Settings, formulas and regimes: docs/theory/workflows.md.

``"accumulate"`` (Gerstgrasser et al., arXiv 2404.01413)
    Generation :math:`k` is fitted by OLS (minimum norm for fewer rows than :math:`d`) on *all* blocks
    :math:`1..k`; block 1 is real data labelled by :math:`w_0`, block :math:`j` is labelled by
    :math:`\hat w_{j-1}`; every block has :math:`T_0` samples and noise :math:`\sigma_0`.
``"accumulate-subsample"``
    As accumulate, but generation :math:`k` fits :math:`T_0` rows drawn uniformly without replacement from the
    pool of :math:`kT_0` rows (simulation only).
``"mix"`` (Garg–Bhattacharya–Sur, arXiv 2509.22341; He–Xu–Cheng, arXiv 2502.18049)
    Round 1 is an OLS fit on real data; round :math:`k \ge 2` fits the labels
    :math:`w(X_kw_0 + \varepsilon_{real}) + (1-w)(X_k\hat w_{k-1} + \varepsilon_{syn})`, ``w = real_weight``.
    ``T_real > 0``: the model-averaging variant, the real fit on its own ``T_real`` fresh rows
    (``T_real = 0``, the default, means the label mixture on the round's :math:`T_0` rows). ``lam0 > 0``: every
    round is a ridge fit with per-sample penalty ``lam0`` (Eq. 7) instead of OLS.

>>> from symcollapse.spec import Chain
>>> Chain(n=5, T0=600, sigma0=0.2, workflow="mix", real_weight=0.5).real_weight
0.5
"""

from __future__ import annotations

from .domain import SQUARE_SAFE, Domain
from .registry import Workflow, register_workflow

__all__ = ["ACCUMULATE", "ACCUMULATE_SUBSAMPLE", "MIX"]

ACCUMULATE = register_workflow(
    Workflow(
        "accumulate", "generation k is fitted on all blocks 1..k (block 1 real, block j labelled by j-1)"
    )
)
ACCUMULATE_SUBSAMPLE = register_workflow(
    Workflow(
        "accumulate-subsample", "generation k is fitted on T0 rows drawn uniformly from the pool of k blocks"
    )
)
MIX = register_workflow(
    Workflow(
        "mix",
        "fresh real labels every round: labels w*(real) + (1-w)*(synthetic), round 1 real",
        params={
            "real_weight": Domain(low=0, high=1, typical=(0.0, 1.0)),
            "T_real": Domain(low=0, integer=True, typical=(0, 0)),
            "lam0": Domain(low=0, high=SQUARE_SAFE, typical=(0.0, 0.0)),
        },
        defaults={"T_real": 0, "lam0": 0.0},
    )
)
