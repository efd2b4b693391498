"""Workflows, sources and downstream models as registered objects: a new one needs no edit to the spec."""

import dataclasses
import json
import pickle
from fractions import Fraction

import pytest

import symcollapse as sc
from symcollapse.spec import (
    Domain,
    SpecError,
    Workflow,
    downstreams,
    get_downstream,
    get_source,
    get_workflow,
    register_downstream,
    register_source,
    register_workflow,
    registry,
    workflows,
)

# A workflow that lives only in this test: one parameter with a range, one with a default.
BLEND = Workflow(
    "test-blend",
    "test only: blend a fraction of fresh real data into every generation",
    params={"real_weight": Domain(low=0, high=1, typical=(0.0, 1.0)), "k": Domain(low=1, integer=True)},
    designs=("independent",),
    defaults={"k": 1},
)


@pytest.fixture
def blend():
    register_workflow(BLEND)
    yield BLEND
    registry._WORKFLOWS.pop(BLEND.key)


def test_replace_is_builtin_and_the_default():
    wf = get_workflow("replace")
    assert (wf.key, wf.params, wf.designs) == ("replace", {}, ("independent", "shared"))
    c = sc.Chain(n=2, T0=10)
    assert c.workflow is wf and c.params == {}
    assert "replace" in workflows()
    # Stored JSON of existing problems does not change: replace is not written.
    assert c.to_dict() == {"n": 2, "T0": 10, "sigma0": 0.0, "design": "independent"}
    assert repr(c) == "Chain(n=2, T0=10, sigma0=0.0, design='independent')"


def test_a_workflow_registered_in_a_test_works_with_no_spec_edit(blend):
    c = sc.Chain(3, 20, 0.1, workflow="test-blend", real_weight="1/4")
    assert c.workflow is blend and c.workflow.key == "test-blend"
    assert c.real_weight == Fraction(1, 4) and c.k == 1  # attribute access, exact scalar kept, default
    assert c.params == {"real_weight": Fraction(1, 4), "k": 1}
    assert sc.Chain(3, 20, 0.1, workflow=blend, params={"real_weight": "1/4"}) == c
    assert hash(sc.Chain(3, 20, 0.1, workflow="test-blend", real_weight="1/4", k=1)) == hash(c)
    assert c != sc.Chain(3, 20, 0.1, workflow="test-blend", real_weight="1/2")
    assert c != sc.Chain(3, 20, 0.1)
    assert repr(c) == (
        "Chain(n=3, T0=20, sigma0=0.1, design='independent', workflow='test-blend', "
        "real_weight=Fraction(1, 4), k=1)"
    )
    d = c.to_dict()
    assert d == {
        "n": 3,
        "T0": 20,
        "sigma0": 0.1,
        "design": "independent",
        "workflow": "test-blend",
        "real_weight": "1/4",
        "k": 1,
    }
    assert sc.Chain.from_dict(json.loads(json.dumps(d))) == c
    assert pickle.loads(pickle.dumps(c)) == c
    with pytest.raises(TypeError):
        c.params["k"] = 2  # frozen like the rest of the chain
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.n = 4


def test_workflow_params_go_through_problem(blend):
    p = sc.preset("fig1a")
    q = p.replace(workflow="test-blend", real_weight=0.5, n=4)
    assert (q.chain.workflow.key, q.chain.real_weight, q.chain.n, q.chain.sigma0) == (
        "test-blend",
        0.5,
        4,
        0.2,
    )
    assert q.replace(real_weight=0.25).chain.real_weight == 0.25
    assert q.replace(lam=0.5).chain == q.chain
    assert sc.Problem.from_dict(json.loads(json.dumps(q.to_dict()))) == q
    back = q.replace(workflow="replace")  # the old workflow's parameters are dropped
    assert back == p.replace(n=4) and back.chain.params == {}
    assert q.replace(workflow="test-blend", real_weight=1).chain.real_weight == 1
    with pytest.raises(SpecError, match=r"unknown parameter\(s\) \['real_weight'\].*replace"):
        p.replace(real_weight=0.5)


BAD_PARAMS = {
    "out of range": (
        dict(real_weight=1.5),
        r"Chain\.real_weight must be a finite number >= 0 and <= 1, got 1\.5",
    ),
    "None": (dict(real_weight=None), r"Chain\.real_weight must be .* got None"),
    "missing": (dict(), r"needs parameter\(s\) \['real_weight'\]"),
    "unknown": (
        dict(real_weight=0.5, weight=1),
        r"unknown parameter\(s\) \['weight'\].*\['k', 'real_weight'\]",
    ),
    "non-integer k": (dict(real_weight=0.5, k=1.5), r"Chain\.k must be an integer >= 1, got 1\.5"),
    "design": (
        dict(real_weight=0.5, design="shared"),
        r"design 'shared' is not supported by workflow 'test-blend'",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_PARAMS))
def test_workflow_params_are_validated_by_their_domain(blend, case):
    kwargs, match = BAD_PARAMS[case]
    with pytest.raises(SpecError, match=match):
        sc.Chain(n=1, T0=5, workflow="test-blend", **kwargs)


def test_unknown_workflow_and_params_of_replace():
    with pytest.raises(SpecError, match=r"Chain\.workflow must be one of \[.*'replace'.*\], got 'accumulat'"):
        sc.Chain(1, 5, workflow="accumulat")
    with pytest.raises(
        SpecError, match=r"unknown parameter\(s\) \['weight'\] for workflow 'replace'; .*none"
    ):
        sc.Chain(1, 5, weight=0.5)
    with pytest.raises(SpecError, match="not registered"):
        sc.Chain(1, 5, workflow=dataclasses.replace(BLEND, key="test-unregistered"))


def test_workflow_definitions_are_checked():
    with pytest.raises(SpecError, match="parameter name 'T0'"):
        Workflow("x", "x", params={"T0": Domain(low=1)})
    with pytest.raises(SpecError, match="must be a Domain"):
        Workflow("x", "x", params={"w": (0, 1)})
    with pytest.raises(SpecError, match="designs"):
        Workflow("x", "x", designs=("fresh",))
    with pytest.raises(SpecError, match=r"Workflow\.defaults\.w must be"):
        Workflow("x", "x", params={"w": Domain(low=0, high=1)}, defaults={"w": 2})
    with pytest.raises(SpecError, match="already registered"):
        register_workflow(Workflow("replace", "another replace"))
    assert register_workflow(get_workflow("replace")) is get_workflow("replace")  # re-registering is a no-op


@dataclasses.dataclass(frozen=True)
class Lasso:
    """A downstream defined only in this test."""

    T: int
    lam: float = 0.1
    sigma: float = 0.0

    def to_dict(self):
        return {"T": self.T, "lam": self.lam, "sigma": self.sigma}

    @classmethod
    def from_dict(cls, data):
        return cls(**data)


@dataclasses.dataclass(frozen=True)
class Fresh:
    """A chain source defined only in this test (no synthetic generations)."""

    T0: int

    def to_dict(self):
        return {"T0": self.T0}

    @classmethod
    def from_dict(cls, data):
        return cls(**data)


@pytest.fixture
def extra_classes():
    register_downstream(Lasso, key="test-lasso")
    register_source(Fresh, key="test-fresh")
    yield
    registry._class_tables["downstream"].pop("test-lasso")
    registry._class_tables["source"].pop("test-fresh")


def test_registered_downstream_and_source_fit_the_problem(extra_classes):
    assert get_downstream("ridge") is sc.Ridge and get_source("chain") is sc.Chain
    assert downstreams()["test-lasso"] is Lasso
    p = sc.preset("fig1a")
    q = p.replace(downstream=Lasso(T=50), chain=Fresh(T0=40))
    assert q.phi == 300 / 50 and q.phi0 == 300 / 40
    d = json.loads(json.dumps(q.to_dict()))
    assert d["downstream"] == {"kind": "test-lasso", "T": 50, "lam": 0.1, "sigma": 0.0}
    assert d["chain"] == {"kind": "test-fresh", "T0": 40}
    assert sc.Problem.from_dict(d) == q
    assert q.replace(lam=0.3, T0=41) == p.replace(downstream=Lasso(T=50, lam=0.3), chain=Fresh(T0=41))
    with pytest.raises(SpecError, match="unknown field 'n'"):
        q.replace(n=2)  # this source has no generations


def test_unregistered_parts_are_refused():
    p = sc.preset("fig1a")
    with pytest.raises(
        SpecError, match=r"Problem\.downstream must be one of the registered classes \[.*'Ridge'"
    ):
        p.replace(downstream=Lasso(T=5))
    with pytest.raises(SpecError, match=r"Problem\.chain must be one of the registered classes \[.*'Chain'"):
        p.replace(chain=Fresh(T0=5))
    d = p.to_dict()
    d["downstream"] = {"kind": "nope", **d["downstream"]}
    with pytest.raises(SpecError, match=r"unknown downstream kind 'nope'; registered: \[.*'ridge'"):
        sc.Problem.from_dict(d)
    with pytest.raises(SpecError, match="to_dict"):
        register_downstream(object)


def test_replace_keeps_exact_scalars_and_the_new_part():
    p = sc.preset("fig1a", lam="1/3000", sigma0="1/5")
    q = p.replace(T=7, n=2)
    assert q.downstream.lam == Fraction(1, 3000) and q.chain.sigma0 == Fraction(1, 5)
    # A part given together with its leaf fields is the base of the change.
    r = p.replace(chain=sc.Chain(5, 40, 0.3), n=6)
    assert r.chain == sc.Chain(6, 40, 0.3)
