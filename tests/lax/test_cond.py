"""lax.cond and lax.switch against plain Python branches, eagerly and under jit; their
jaxprs; their errors.

Branch functions are module-level, so their jaxprs are traced once and the compiled `cond`
is reused by every hypothesis example (only values vary).
"""
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import jaxlike as jax
import jaxlike.numpy as jnp
from jaxlike import errors, lax
from jaxlike.core import check_jaxpr

from helpers import assert_allclose

VEC = hnp.arrays(np.float32, (3,), elements=st.floats(-10, 10, width=32))
_jitted = {}


def check(fun, args, expected):
    """Asserts fun(*args) and jit(fun)(*args) equal `expected` (a pytree), and that the jaxpr
    of fun type-checks."""
    jitted = _jitted.setdefault(fun, jax.jit(fun))
    for got, how in ((fun(*args), "eager"), (jitted(*args), "jit")):
        got_leaves, expected_leaves = jax.tree_util.tree_leaves(got), \
            jax.tree_util.tree_leaves(expected)
        assert len(got_leaves) == len(expected_leaves), how
        for g, e in zip(got_leaves, expected_leaves):
            assert_allclose(g, e, rtol=1e-5, atol=1e-5, err_msg=how,
                            check_dtype=isinstance(e, (np.ndarray, np.generic)))
    check_jaxpr(jax.make_jaxpr(fun)(*args).jaxpr)


def true_branch(x, y):
    return jnp.sin(x) * y, x + 1.0


def false_branch(x, y):
    return x * 2.0, jnp.cos(x) - y


def two_branches(pred, x, y):
    return lax.cond(pred, true_branch, false_branch, x, y)


def np_two_branches(pred, x, y):
    return (np.sin(x) * y, x + 1) if pred else (x * 2, np.cos(x) - y)


@given(st.booleans(), VEC, st.floats(-3, 3, width=32))
def test_cond_matches_python_branches(pred, x, y):
    y = np.float32(y)
    check(two_branches, (pred, x, y), np_two_branches(pred, x, y))


@pytest.mark.parametrize("pred", [0, 3, -1, 0.0, 0.5, np.int32(2)])
def test_numeric_predicates_compare_with_zero(pred):
    out = lax.cond(pred, lambda x: x + 1.0, lambda x: x - 1.0, np.float32(1.0))
    assert float(out) == (2.0 if pred else 0.0)


BRANCHES = [lambda x: x - 1.0, lambda x: x * 3.0, lambda x: jnp.sin(x)]


def three_way(i, x):
    return lax.switch(i, BRANCHES, x)


@given(st.integers(-3, 5), VEC)
def test_switch_clamps_the_index(i, x):
    expected = [x - 1, x * 3, np.sin(x)][min(max(i, 0), 2)]
    check(three_way, (np.int32(i), x), expected)


def test_switch_with_one_branch_calls_it():
    assert float(lax.switch(7, [lambda x: x + 1.0], 1.0)) == 2.0


def test_pytree_operands_and_outputs_no_operands():
    def f(p, tree):
        return lax.cond(p, lambda t: {"s": t["a"] + t["b"][0], "d": (t["b"][1],)},
                        lambda t: {"s": t["a"] - 1.0, "d": (t["a"] * 0.0,)}, tree)
    tree = {"a": np.float32(2.0), "b": (np.float32(3.0), np.float32(4.0))}
    check(f, (True, tree), {"d": (4.0,), "s": 5.0})
    check(f, (False, tree), {"d": (0.0,), "s": 1.0})
    assert float(lax.cond(False, lambda: 1.0, lambda: 2.0)) == 2.0


W = np.arange(3, dtype=np.float32)


def closes_over(p, x):
    # The branches close over a numpy array (true) and over the traced x (false).
    return lax.cond(p, lambda y: y * W, lambda y: y + x, x)


@given(st.booleans(), VEC)
def test_branches_close_over_arrays_and_tracers(p, x):
    check(closes_over, (p, x), x * W if p else x + x)


def test_traced_predicate_under_jit_gives_jaxpr_with_both_branches():
    jaxpr = jax.make_jaxpr(two_branches)(True, np.ones(3, np.float32), np.float32(1))
    check_jaxpr(jaxpr.jaxpr)
    (eqn,) = [e for e in jaxpr.eqns if e.primitive.name == "cond"]
    false_jaxpr, true_jaxpr = eqn.params["branches"]
    assert [e.primitive.name for e in true_jaxpr.eqns] == ["sin", "mul", "add"]
    assert [e.primitive.name for e in false_jaxpr.eqns] == ["mul", "cos", "sub"]
    printed = str(jaxpr)
    assert "convert_element_type[new_dtype=int32 weak_type=False] a" in printed
    assert "cond[\n      branches=(" in printed


# Printed by JAX 0.10.2 for the same function (short branches go on one line).
JAX_PRINTED_COND = """\
{ lambda ; a:bool[] b:f32[]. let
    c:i32[] = convert_element_type[new_dtype=int32 weak_type=False] a
    d:f32[] = cond[
      branches=(
        { lambda ; e:f32[]. let  in (e,) }
        { lambda ; f:f32[]. let g:f32[] = cos f; h:f32[] = sin g in (h,) }
      )
    ] c b
  in (d,) }"""


def test_cond_jaxpr_prints_exactly_as_jax():
    jaxpr = jax.make_jaxpr(lambda p, x: lax.cond(p, lambda x: jnp.sin(jnp.cos(x)),
                                                 lambda x: x, x))(True, np.float32(1.0))
    assert str(jaxpr) == JAX_PRINTED_COND


def test_switch_jaxpr_clamps_like_jax():
    printed = str(jax.make_jaxpr(three_way)(np.int32(1), np.ones(3, np.float32)))
    assert re.search(r"clamp 0:i32\[\] \w+ 2:i32\[\]", printed)


def test_closed_over_values_are_shared_operands():
    jaxpr = jax.make_jaxpr(lambda p, x: lax.cond(p, lambda y: y * W, lambda y: y + W, x))(
        True, np.ones(3, np.float32))
    (eqn,) = [e for e in jaxpr.eqns if e.primitive.name == "cond"]
    assert len(eqn.invars) == 3  # the index, W once, x


def test_weak_typed_branch_output_joins_strong():
    out = lax.cond(True, lambda x: 1.0, lambda x: x, np.float32(2.0))
    assert out.dtype == np.float32 and not out.aval.weak_type
    out = lax.cond(True, lambda: 1.0, lambda: 2.0)
    assert out.aval.weak_type


def test_eager_cond_traces_each_branch_once():
    calls = []

    def counted(x):
        calls.append(1)
        return x + 1.0
    for p in (True, False, True):
        lax.cond(p, counted, lambda x: x, np.float32(1.0))
    assert len(calls) == 1


def test_repeated_conds_and_their_derivatives_reuse_the_same_jaxprs():
    # Eager execution compiles a cond once per params: the branches (and their JVPs) must be
    # the same objects from one call to the next.
    x, y = np.ones(3, np.float32), np.float32(1)

    def branches(fun):
        (eqn,) = [e for e in jax.make_jaxpr(fun)(x).eqns if e.primitive.name == "cond"]
        return eqn.params["branches"]
    plain = lambda x: two_branches(True, x, y)  # noqa: E731
    jvp = lambda x: jax.jvp(plain, (x,), (x,))  # noqa: E731
    for fun in (plain, jvp):
        assert all(a is b for a, b in zip(branches(fun), branches(fun)))


def test_python_if_on_traced_value_suggests_cond():
    with pytest.raises(errors.ConcretizationTypeError, match="lax.cond"):
        jax.jit(lambda x: x if x > 0 else -x)(1.0)


# ---------------------------------------------------------------------------------------------
# Errors.

def test_branch_structure_mismatch_names_both_branches():
    with pytest.raises(TypeError, match=r"cond: the branches must return the same pytree "
                                        r"structure.*true_fun \(.*false_fun \("):
        lax.cond(True, lambda x: x, lambda x: (x, x), 1.0)


def test_branch_type_mismatch_names_the_leaf_and_both_types():
    with pytest.raises(TypeError) as info:
        lax.cond(True, lambda x: {"a": x, "b": x}, lambda x: {"a": x, "b": jnp.ones(3)},
                 np.float32(1))
    message = str(info.value)
    assert "true_fun" in message and "false_fun" in message
    assert "['b']" in message and "float32[]" in message and "float32[3]" in message
    assert "shapes differ" in message
    with pytest.raises(TypeError, match=r"branch 0 .*\n?.*int32\[\].*branch 1.*float32\[\]|"
                                        r"branch 0.*branch 1"):
        lax.switch(0, [lambda x: x.astype(np.int32), lambda x: x], np.float32(1))


def test_dtype_mismatch_says_dtypes_differ():
    with pytest.raises(TypeError, match="float32.*int32.*dtypes differ"):
        lax.cond(True, lambda x: x, lambda x: x.astype(np.int32), np.float32(1))


def test_bad_predicates_and_indices():
    with pytest.raises(TypeError, match="cond: pred must be a scalar.*bool\\[2\\]"):
        lax.cond(np.array([True, False]), lambda: 1.0, lambda: 2.0)
    with pytest.raises(TypeError, match="switch: index must be an integer"):
        lax.switch(1.5, BRANCHES, 1.0)
    with pytest.raises(ValueError, match="switch: `branches` is empty"):
        lax.switch(0, [], 1.0)
    with pytest.raises(TypeError, match="must be callable"):
        lax.cond(True, 1.0, lambda: 1.0)
