"""Differentiation of lax reductions, argmax/argmin and dot_general: derivatives against finite
differences to order 2 in forward and reverse mode (float64), vjp against jvp, ties of
max/min, zeros of prod, zero derivatives of the index and logical reductions, dtypes of
cotangents, and gradients under jit.

Shapes are few ((3,), (2, 3) and the dot_general operands below) so that XLA compiles stay
few; hypothesis varies values only, with few examples since each check runs many ops.
"""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import jaxlike as jax
from jaxlike import dtypes, lax
from jaxlike.test_util import check_grads

from helpers import assert_allclose

AXES = [(0,), (1,), (0, 1), ()]
seeds = st.integers(0, 2**32 - 1)
few_examples = settings(max_examples=3)


def normal(seed, shape, dtype=np.float64):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


# ---------------------------------------------------------------------------------------------
# Reductions over axes.

REDUCTIONS = {"reduce_sum": lax.reduce_sum, "reduce_max": lax.reduce_max,
              "reduce_min": lax.reduce_min, "reduce_prod": lax.reduce_prod}


@pytest.mark.parametrize("name", list(REDUCTIONS))
@few_examples
@given(seed=seeds)
def test_reduction_grads(x64, name, seed):
    # Random normal values have no ties, so max/min are differentiable there.
    x = normal(seed, (2, 3))
    for axes in AXES:
        check_grads(lambda x: REDUCTIONS[name](x, axes), (x,), order=2,
                    modes=("fwd", "rev"))


def _vjp_matches_jvp(f, args, seed):
    """Asserts <u, jvp(f)(v)> == <vjp(f)(u), v> for random u, v."""
    rng = np.random.default_rng(seed)
    tangents = tuple(rng.standard_normal(np.shape(a)).astype(a.dtype) for a in args)
    out, tangent_out = jax.jvp(f, args, tangents)
    ct = rng.standard_normal(np.shape(out)).astype(np.asarray(out).dtype)
    cts = jax.vjp(f, *args)[1](ct)
    lhs = np.vdot(ct, np.asarray(tangent_out))
    rhs = sum(np.vdot(np.asarray(c), t) for c, t in zip(cts, tangents))
    np.testing.assert_allclose(lhs, rhs, rtol=1e-12)


@pytest.mark.parametrize("name", list(REDUCTIONS))
@few_examples
@given(seed=seeds)
def test_reduction_vjp_matches_jvp(x64, name, seed):
    x = normal(seed, (2, 3))
    _vjp_matches_jvp(lambda x: REDUCTIONS[name](x, (1,)), (x,), seed)


def test_reduce_sum_transpose_is_broadcast():
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    ct = np.array([1.0, 2.0], np.float32)
    _, pullback = jax.vjp(lambda x: lax.reduce_sum(x, (1,)), x)
    assert_allclose(pullback(ct)[0], np.broadcast_to(ct[:, None], (2, 3)))
    assert "broadcast_in_dim" in str(jax.make_jaxpr(pullback)(ct))


@pytest.mark.parametrize("fun", [lax.reduce_max, lax.reduce_min])
def test_max_min_split_ties_evenly(fun):
    # As JAX: grad(jnp.max)(jnp.array([1., 3., 3.])) == [0., 0.5, 0.5].
    sign = 1 if fun is lax.reduce_max else -1
    x = sign * np.array([1.0, 3.0, 3.0], np.float32)
    assert_allclose(jax.grad(lambda x: fun(x, (0,)))(x), np.array([0, 0.5, 0.5], np.float32))
    y = sign * np.array([[2.0, 2.0, 2.0], [1.0, 5.0, 0.0]], np.float32)
    expected = np.array([[1 / 3, 1 / 3, 1 / 3], [0, 1, 0]], np.float32)
    assert_allclose(jax.grad(lambda y: fun(y, (1,)).sum())(y), expected)
    # Over both axes the three tied 2's of the first row share, when they are the extremum.
    z = sign * np.array([[2.0, 2.0, 2.0], [1.0, -5.0, 0.0]], np.float32)
    assert_allclose(jax.grad(lambda z: fun(z, (0, 1)))(z), np.where(z == sign * 2, 1 / 3, 0)
                    .astype(np.float32))


def test_max_of_nan_has_nan_gradient():
    # A NaN maximum equals no element: 0/0, as in JAX.
    x = np.array([1.0, np.nan, 3.0], np.float32)
    assert np.isnan(np.asarray(jax.grad(lambda x: lax.reduce_max(x, (0,)))(x))).all()


def _grad_prod(x):
    return jax.grad(lambda x: lax.reduce_prod(x, (0,)))(x)


@given(seed=seeds, position=st.integers(0, 2))
def test_prod_with_one_zero(x64, seed, position):
    x = normal(seed, (3,))
    x[position] = 0.0
    expected = np.zeros(3)
    expected[position] = np.prod(np.delete(x, position))
    assert_allclose(_grad_prod(x), expected)
    check_grads(lambda x: lax.reduce_prod(x, (0,)), (x,), order=2, modes=("fwd", "rev"))


def test_prod_with_two_zeros(x64):
    x = np.array([2.0, 0.0, 0.0])
    assert_allclose(_grad_prod(x), np.zeros(3))
    hessian = jax.hessian(lambda x: lax.reduce_prod(x, (0,)))(x)
    assert_allclose(hessian, np.array([[0.0, 0, 0], [0, 0, 2], [0, 2, 0]]))


def test_prod_zero_over_axes(x64):
    y = np.array([[1.0, 0.0, 3.0], [4.0, 5.0, 6.0]])
    # Each element's gradient is the product of the others reduced with it.
    assert_allclose(jax.grad(lambda y: lax.reduce_prod(y, (1,)).sum())(y),
                    np.array([[0.0, 3, 0], [30, 24, 20]]))
    expected = np.zeros_like(y)
    expected[0, 1] = 1.0 * 3 * 4 * 5 * 6
    assert_allclose(jax.grad(lambda y: lax.reduce_prod(y, (1, 0)))(y), expected)


def test_prod_of_empty_reduction_has_zero_gradient():
    x = np.zeros((0, 3), np.float32)
    assert_allclose(jax.grad(lambda x: lax.reduce_prod(x, (0,)).sum())(x), x)


# ---------------------------------------------------------------------------------------------
# Primitives without derivative.

def test_argmax_has_no_derivative():
    x = np.array([1.0, 5.0, 3.0], np.float32)

    def pick_largest(x):
        return lax.dynamic_index_in_dim(x, lax.argmax(x, 0, np.int32), keepdims=False)

    # Only the selected element's path carries derivative, not the index computation.
    assert_allclose(jax.grad(pick_largest)(x), np.array([0, 1, 0], np.float32))
    assert_allclose(jax.grad(lambda x: pick_largest(-x))(x), np.array([-1, 0, 0], np.float32))
    for fun in (lax.argmax, lax.argmin):
        out, tangent = jax.jvp(lambda x: fun(x, 0, np.int32), (x,), (np.ones(3, np.float32),))
        assert tangent.dtype == dtypes.float0 and tangent.shape == ()


@pytest.mark.parametrize("fun", [lax.reduce_and, lax.reduce_or, lax.reduce_xor])
def test_logical_reductions_have_no_derivative(fun):
    x = np.array([1.0, -5.0, 3.0], np.float32)
    out, tangent = jax.jvp(lambda x: fun(lax.gt(x, np.float32(0)), (0,)), (x,),
                           (np.ones(3, np.float32),))
    assert tangent.dtype == dtypes.float0


# ---------------------------------------------------------------------------------------------
# dot_general.

# (lhs shape, rhs shape, dimension_numbers): matrix-vector, matrix-matrix, batched, contracting
# non-last dims with a non-leading batch dim, and two contracting dims paired out of order.
DOTS = {
    "matvec": ((2, 3), (3,), (((1,), (0,)), ((), ()))),
    "matmul": ((2, 3), (3, 4), (((1,), (0,)), ((), ()))),
    "batched": ((2, 3, 4), (2, 4, 3), (((2,), (1,)), ((0,), (0,)))),
    "non_last": ((3, 2, 4), (4, 3, 2), (((0,), (1,)), ((1,), (2,)))),
    "two_contracting": ((2, 3, 4), (4, 3, 2), (((1, 2), (1, 0)), ((), ()))),
}


def _dot_fun(dn):
    return lambda a, b: lax.dot_general(a, b, dn)


@pytest.mark.parametrize("name", list(DOTS))
@few_examples
@given(seed=seeds)
def test_dot_general_grads(x64, name, seed):
    lhs_shape, rhs_shape, dn = DOTS[name]
    args = (normal(seed, lhs_shape), normal(seed + 1, rhs_shape))
    check_grads(_dot_fun(dn), args, order=2, modes=("fwd", "rev"))
    _vjp_matches_jvp(_dot_fun(dn), args, seed)


def test_dot_general_cotangents_match_numpy():
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    b = np.arange(12, dtype=np.float32).reshape(3, 4) - 5
    ct = np.ones((2, 4), np.float32)
    out, pullback = jax.vjp(lax.dot, a, b)
    ct_a, ct_b = pullback(ct)
    assert_allclose(ct_a, ct @ b.T)
    assert_allclose(ct_b, a.T @ ct)


@pytest.mark.parametrize("dtype, preferred", [("bfloat16", np.float32),
                                              (np.float32, np.float64)])
def test_dot_general_cotangents_keep_operand_dtypes(x64, dtype, preferred):
    # The product is computed in `preferred`; each cotangent comes back in its operand's dtype.
    a, b = np.ones((2, 3), dtype), np.ones((3,), dtype)

    def f(a, b):
        return lax.dot_general(a, b, (((1,), (0,)), ((), ())),
                               preferred_element_type=preferred).sum()

    ct_a, ct_b = jax.grad(f, (0, 1))(a, b)
    assert ct_a.dtype == np.dtype(dtype) and ct_b.dtype == np.dtype(dtype)
    assert_allclose(ct_a, np.ones((2, 3), dtype))
    assert_allclose(ct_b, np.full((3,), 2, dtype))


def test_dot_general_mixed_dtypes(x64):
    a, b = np.ones((2, 3), np.float32), np.arange(3, dtype=np.float64)
    ct_a, ct_b = jax.grad(lambda a, b: lax.dot(a, b).sum(), (0, 1))(a, b)
    assert ct_a.dtype == np.float32 and ct_b.dtype == np.float64
    assert_allclose(ct_a, np.broadcast_to(b, (2, 3)).astype(np.float32))
    assert_allclose(ct_b, np.full(3, 2.0))


def test_dot_general_complex_by_real_cotangent_is_real():
    # As in JAX: the cotangent of a real operand is the real part of the complex one.
    a = np.array([[1 + 2j, 3 - 1j]], np.complex64)
    _, pullback = jax.vjp(lambda b: lax.dot(a, b), np.ones((2,), np.float32))
    (ct_b,) = pullback(np.array([1 + 1j], np.complex64))
    assert_allclose(ct_b, np.array([-1.0, 4.0], np.float32))


# ---------------------------------------------------------------------------------------------
# Under jit.

def test_grads_under_jit():
    a = np.arange(6, dtype=np.float32).reshape(2, 3) / 7
    b = np.linspace(-1, 1, 12, dtype=np.float32).reshape(3, 4)

    def loss(a, b):
        product = lax.dot(a, b)
        return lax.reduce_sum(lax.reduce_max(product, (1,)), (0,)) + lax.reduce_prod(a, (0, 1))

    eager = jax.grad(loss, (0, 1))(a, b)
    jitted = jax.jit(jax.grad(loss, (0, 1)))(a, b)
    for e, j in zip(eager, jitted):
        assert_allclose(j, e)
    # Each row's maximum picks one column of b: the gradient for a is that column.
    columns = np.argmax(a @ b, axis=1)
    prod_grad = np.array([[np.prod(np.delete(a, i)) for i in range(6)]]).reshape(2, 3)
    assert_allclose(eager[0], b[:, columns].T + prod_grad, rtol=1e-5)
