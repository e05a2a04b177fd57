"""vmap of the lax reductions, argmax/argmin and dot_general: results against a Python loop
over the examples for in_axes and out_axes in every position (negative ones and None
included), nested vmaps, jit(vmap(f)) against vmap(jit(f)), vmap(grad(f)) against a loop of
grad, and one equation per vmapped primitive (the batch dim is never moved by a transpose).

Per-example operands are (2, 3) and (3, 4) (batch size 4, so that a misplaced batch axis
shows as a shape error); hypothesis varies values only, since each new shape costs compiles.
"""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import jaxlike as jax
from jaxlike import lax

from helpers import assert_allclose
from vmap_helpers import loop, needs_batching_rules

B = 4  # batch size
seeds = st.integers(0, 2**32 - 1)
few_examples = settings(max_examples=3)
OWN = ("reduce_sum", "reduce_max", "reduce_min", "reduce_prod", "reduce_and", "reduce_or",
       "reduce_xor", "argmax", "argmin", "dot_general")


def batched(seed, shape, in_axis, dtype=np.float32):
    """Returns random values of per-example `shape` with a batch axis of size B at
    `in_axis` (None: no batch axis)."""
    rng = np.random.default_rng(seed)
    if in_axis is not None:
        shape = list(shape)
        shape.insert(in_axis % (len(shape) + 1), B)
    if np.dtype(dtype) == np.bool_:
        return rng.integers(0, 2, shape).astype(bool)
    if np.issubdtype(dtype, np.integer):
        return rng.integers(-8, 8, shape).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


def check_vmap(f, args, in_axes, out_axes=0, rtol=None):
    """Asserts vmap(f) and jit(vmap(f)) equal the loop over examples, and that vmap(f) traces
    to as many equations as f (no per-example unrolling, no batch-axis moves in the rules)."""
    expected = loop(f, *args, in_axes=in_axes, out_axes=out_axes)
    vf = jax.vmap(f, in_axes=in_axes, out_axes=out_axes)
    assert_allclose(vf(*args), expected, rtol=rtol, err_msg="eager")
    assert_allclose(jax.jit(vf)(*args), expected, rtol=rtol, err_msg="jit")
    examples = [a if ax is None else np.take(a, 0, ax) for a, ax in zip(args, in_axes)]
    n_eqns = len(jax.make_jaxpr(f)(*examples).eqns)
    # At most one more: vmap itself may move the output's batch axis to out_axes.
    assert len(jax.make_jaxpr(vf)(*args).eqns) <= n_eqns + 1


# ---------------------------------------------------------------------------------------------
# Reductions over axes and argmax/argmin.

AXES = [(0,), (1,), (0, 1), ()]


@pytest.mark.parametrize("in_axis", [0, 1, -1])
@pytest.mark.parametrize("axes", AXES)
@few_examples
@given(seed=seeds)
def test_reduce_sum_every_axis_and_batch_position(in_axis, axes, seed):
    x = batched(seed, (2, 3), in_axis)
    check_vmap(lambda x: lax.reduce_sum(x, axes), (x,), (in_axis,))


# (in_axis, axes, out_axes) per reduction: reduced axes before, after and around the batch
# axis, and out_axes placing the result's batch axis first, last or in the middle.
CASES = [(1, (0,), -1), (-1, (0, 1), 0), (0, (1,), 1)]
REDUCTIONS = {
    "reduce_max": (lax.reduce_max, np.float32), "reduce_min": (lax.reduce_min, np.float32),
    "reduce_prod": (lax.reduce_prod, np.float32), "reduce_and": (lax.reduce_and, np.bool_),
    "reduce_or": (lax.reduce_or, np.int32), "reduce_xor": (lax.reduce_xor, np.int32),
}


@pytest.mark.parametrize("name", list(REDUCTIONS))
@pytest.mark.parametrize("in_axis, axes, out_axes", CASES)
@few_examples
@given(seed=seeds)
def test_reductions(name, in_axis, axes, out_axes, seed):
    fun, dtype = REDUCTIONS[name]
    x = batched(seed, (2, 3), in_axis, dtype)
    check_vmap(lambda x: fun(x, axes), (x,), (in_axis,), out_axes)


@pytest.mark.parametrize("fun", [lax.argmax, lax.argmin])
@pytest.mark.parametrize("in_axis, axis, out_axes", [(0, 1, -1), (1, 0, 0), (-1, 1, 1)])
@few_examples
@given(seed=seeds)
def test_argmax_argmin(fun, in_axis, axis, out_axes, seed):
    x = batched(seed, (2, 3), in_axis)
    check_vmap(lambda x: fun(x, axis, np.int32), (x,), (in_axis,), out_axes)


def test_nested_vmap_of_reductions():
    # Two batch axes around the per-example ones; each level renumbers the reduced axes.
    x = batched(0, (2, 3, B), 1)  # shape (2, B, 3, B)
    f = jax.vmap(jax.vmap(lambda x: lax.reduce_max(x, (0, 1)), in_axes=1), in_axes=3)
    expected = np.max(x, axis=(0, 2)).T
    assert_allclose(f(x), expected)
    g = jax.vmap(jax.vmap(lambda x: lax.argmin(x, 1, np.int32), in_axes=2), in_axes=1,
                 out_axes=1)
    assert_allclose(g(x), np.argmin(x, axis=2).transpose(2, 1, 0).astype(np.int32))
    # One reduction; the outer vmap's batch axis is then moved in front of the inner one's.
    names = [e.primitive.name for e in jax.make_jaxpr(f)(x).eqns]
    assert names == ["reduce_max", "transpose"]


def test_jit_inside_and_outside_vmap_agree():
    x = batched(1, (2, 3), 1)
    f = lambda x: lax.argmax(lax.reduce_sum(x, (0,)), 0, np.int32)  # noqa: E731
    assert_allclose(jax.vmap(jax.jit(f), in_axes=1)(x), jax.jit(jax.vmap(f, in_axes=1))(x))
    assert_allclose(jax.vmap(f, in_axes=1)(x), np.argmax(x.sum(0), -1).astype(np.int32))


def test_reduction_keeps_weak_type():
    # vmap adds no conversion: the weak type of the operand survives.
    out = jax.vmap(lambda x: lax.reduce_sum(x, (0,)))(
        lax.convert_element_type(np.ones((B, 3), np.float32), np.float32, True))
    assert out.weak_type and out.dtype == np.float32


# Reverse mode inside vmap: per-example gradients against a loop of grad.

GRAD_FUNS = {
    "reduce_sum": lambda x: lax.reduce_sum(lax.reduce_sum(x, (1,)), (0,)),
    "reduce_max": lambda x: lax.reduce_sum(lax.reduce_max(x, (0,)), (0,)),
    "reduce_prod": lambda x: lax.reduce_prod(x, (0, 1)),
}


@pytest.mark.parametrize("name", list(GRAD_FUNS))
@few_examples
@given(seed=seeds)
def test_per_example_gradients(name, seed):
    x = batched(seed, (2, 3), 1)
    grad = jax.grad(GRAD_FUNS[name])
    with needs_batching_rules(*OWN):
        out = jax.vmap(grad, in_axes=1, out_axes=-1)(x)
    assert_allclose(out, loop(grad, x, in_axes=1, out_axes=-1), rtol=1e-5)


# ---------------------------------------------------------------------------------------------
# dot_general.

# name: (lhs shape, rhs shape, dimension numbers) per example.
DOTS = {
    "matmul": ((2, 3), (3, 4), (((1,), (0,)), ((), ()))),
    "batched": ((2, 2, 3), (2, 3, 4), (((2,), (1,)), ((0,), (0,)))),
    "contract_first": ((3, 2), (4, 3), (((0,), (1,)), ((), ()))),
}
# (lhs in_axis, rhs in_axis, out_axes): both batched (axes alike or not), one side only.
DOT_AXES = [(0, 0, 0), (1, -1, -1), (-1, 1, 1), (None, 1, 0), (2, None, -1), (0, None, 1),
            (None, 0, 2)]


@pytest.mark.parametrize("name", list(DOTS))
@pytest.mark.parametrize("lhs_axis, rhs_axis, out_axes", DOT_AXES)
@few_examples
@given(seed=seeds)
def test_dot_general(name, lhs_axis, rhs_axis, out_axes, seed):
    lhs_shape, rhs_shape, dn = DOTS[name]
    lhs = batched(seed, lhs_shape, lhs_axis)
    rhs = batched(seed + 1, rhs_shape, rhs_axis)
    check_vmap(lambda a, b: lax.dot_general(a, b, dn), (lhs, rhs), (lhs_axis, rhs_axis),
               out_axes, rtol=1e-5)


def test_dot_general_keeps_precision_and_preferred_type():
    lhs, rhs = batched(0, (2, 3), 1, np.int8), batched(1, (3,), None, np.int8)
    f = lambda a, b: lax.dot(a, b, precision=lax.Precision.HIGHEST,  # noqa: E731
                             preferred_element_type=np.int32)
    vf = jax.vmap(f, in_axes=(1, None), out_axes=1)  # where the rule puts the batch axis
    out = vf(lhs, rhs)
    assert out.dtype == np.int32
    expected = np.einsum("ibj,j->ib", lhs.astype(np.int32), rhs.astype(np.int32))
    assert_allclose(out, expected)
    (eqn,) = jax.make_jaxpr(vf)(lhs, rhs).eqns
    assert eqn.params["precision"] == (lax.Precision.HIGHEST,) * 2
    assert eqn.params["preferred_element_type"] == np.int32


def test_dot_general_batch_dims_become_batch_dimensions():
    # Both sides batched: one dot_general with the vmapped axis as an extra batch dimension.
    lhs, rhs = batched(0, (2, 3), 1), batched(1, (3, 4), 2)
    (eqn,) = jax.make_jaxpr(jax.vmap(lax.dot, in_axes=(1, 2)))(lhs, rhs).eqns
    assert eqn.params["dimension_numbers"] == (((2,), (0,)), ((1,), (2,)))


def test_nested_vmap_of_dot_is_a_matrix_product():
    # vmap over rows of lhs and columns of rhs of a vector dot: the full matrix product.
    lhs, rhs = batched(0, (3,), 0), batched(1, (3, B), None)
    f = jax.vmap(jax.vmap(lax.dot, in_axes=(None, 1)), in_axes=(0, None))
    assert_allclose(f(lhs, rhs), lhs @ rhs, rtol=1e-5)
    assert len(jax.make_jaxpr(f)(lhs, rhs).eqns) == 1


@few_examples
@given(seed=seeds)
def test_per_example_gradients_of_dot(seed):
    lhs, rhs = batched(seed, (2, 3), 0), batched(seed + 1, (3, 4), None)
    grad = jax.grad(lambda a, b: lax.reduce_sum(lax.dot(a, b), (0, 1)), argnums=(0, 1))
    with needs_batching_rules(*OWN):
        out = jax.vmap(grad, in_axes=(0, None))(lhs, rhs)
    expected = loop(grad, lhs, rhs, in_axes=(0, None))
    for o, e in zip(out, expected):
        assert_allclose(o, e, rtol=1e-5)
