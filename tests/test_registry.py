"""Every primitive has every rule its interpreters need: no hole stays silent."""
import pytest

import jaxlike  # noqa: F401 -- registers every primitive and rule
from jaxlike import core
from lowering import mlir

PRIMITIVES = sorted(core.all_primitives.values(), key=lambda p: p.name)


def test_there_are_primitives():
    assert len(PRIMITIVES) > 10


@pytest.mark.parametrize("prim", PRIMITIVES, ids=lambda p: p.name)
def test_has_abstract_eval(prim):
    assert prim in core.abstract_eval_rules, f"{prim.name} lacks an abstract evaluation rule"


@pytest.mark.parametrize("prim", PRIMITIVES, ids=lambda p: p.name)
def test_has_lowering(prim):
    assert prim.name in mlir.rules, f"{prim.name} lacks a lowering rule"
