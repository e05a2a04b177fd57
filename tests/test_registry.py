"""Every primitive has every rule its interpreters need: no hole stays silent."""
import pytest

import jaxlike  # noqa: F401 -- registers every primitive and rule
from jaxlike import core
from jaxlike.interpreters import ad, batching
from lowering import mlir

PRIMITIVES = sorted(core.all_primitives.values(), key=lambda p: p.name)

# custom_lin only exists inside a linearized program and is always transposed away (its
# transpose calls the user's bwd), so it is never compiled.
NEVER_LOWERED = {"custom_lin"}
# Collectives over named axes are eliminated by vmap's batching rules before lowering (their
# abstract evaluation rejects an unbound axis name); multi-device lowering arrives with
# sharding.
NEVER_LOWERED |= {"psum", "pmax", "pmin", "all_gather", "reduce_scatter", "axis_index"}

# Primitives vmap never needs a batching rule for: iota has no operands (so it is never
# batched: vmap binds it as is), and custom_lin only exists inside a linearized program,
# which is transposed (running the user's bwd) rather than evaluated.
NO_BATCHING_RULE = {"iota", "custom_lin"}

# Primitives linear in (some of) their operands: reverse mode transposes them.
LINEAR = {
    "add", "sub", "neg", "mul", "div", "add_any", "convert_element_type", "reduce_sum",
    "broadcast_in_dim", "reshape", "transpose", "squeeze", "rev", "concatenate", "pad", "slice",
    "dynamic_slice", "dynamic_update_slice", "dot_general", "select_n", "real", "imag",
    "complex", "conj", "reduce_precision", "jit", "checkpoint", "custom_jvp_call",
    "custom_vjp_call", "custom_lin", "gather", "scatter-add", "scatter-sub", "scatter-mul",
    "scatter", "cond", "scan", "reduce_window_sum", "conv_general_dilated",
    "select_and_scatter_add", "select_and_gather_add", "triangular_solve",
}


def test_there_are_primitives():
    assert len(PRIMITIVES) > 60


@pytest.mark.parametrize("prim", PRIMITIVES, ids=lambda p: p.name)
def test_has_abstract_eval(prim):
    assert prim in core.abstract_eval_rules, f"{prim.name} lacks an abstract evaluation rule"


@pytest.mark.parametrize("prim", [p for p in PRIMITIVES if p.name not in NEVER_LOWERED],
                         ids=lambda p: p.name)
def test_has_lowering(prim):
    assert prim.name in mlir.rules, f"{prim.name} lacks a lowering rule"


@pytest.mark.parametrize("prim", PRIMITIVES, ids=lambda p: p.name)
def test_has_jvp(prim):
    assert prim in ad.primitive_jvps, f"{prim.name} lacks a JVP rule"


@pytest.mark.parametrize("prim", [p for p in PRIMITIVES if p.name not in NO_BATCHING_RULE],
                         ids=lambda p: p.name)
def test_has_batching_rule(prim):
    assert (prim in batching.primitive_batchers or prim in batching.axis_primitive_batchers), (
        f"{prim.name} lacks a batching (vmap) rule")


@pytest.mark.parametrize("prim", [p for p in PRIMITIVES if p.name in LINEAR],
                         ids=lambda p: p.name)
def test_linear_primitives_have_transposes(prim):
    assert prim in ad.primitive_transposes, f"{prim.name} is linear but lacks a transpose rule"


def test_linear_list_names_real_primitives():
    assert LINEAR <= set(core.all_primitives), LINEAR - set(core.all_primitives)


def test_no_batching_rule_list_names_real_primitives():
    assert NO_BATCHING_RULE <= set(core.all_primitives), (
        NO_BATCHING_RULE - set(core.all_primitives))
