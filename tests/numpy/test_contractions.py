"""jnp contractions (dot, vdot, matmul, inner, outer, tensordot, einsum): values against numpy
on random inputs, eagerly and under jit; result dtypes against a table recorded from JAX
0.10.2; the dot_general equations they emit (einsum's contraction order comes from
opt_einsum); and errors for incompatible shapes."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import jaxlike as jax
import jaxlike.numpy as jnp
from jaxlike.core import check_jaxpr

from dtype_table import DTYPES, check_row
from helpers import assert_allclose

_jitted = {}


def check(fun, args, expected, rtol=1e-5):
    """Asserts fun(*args) and jit(fun)(*args) equal `expected` (values and dtype)."""
    jitted = _jitted.setdefault(fun, jax.jit(fun))
    assert_allclose(fun(*args), expected, rtol=rtol, atol=rtol, err_msg="eager")
    assert_allclose(jitted(*args), expected, rtol=rtol, atol=rtol, err_msg="jit")


def arrays(seed, *shapes, dtype=np.float32):
    """Returns float32 (or `dtype`) arrays of the given shapes with values from `seed`."""
    rng = np.random.default_rng(seed)
    if np.dtype(dtype).kind == "c":
        return [(rng.standard_normal(s) + 1j * rng.standard_normal(s)).astype(dtype)
                for s in shapes]
    if np.dtype(dtype).kind in "iu":
        return [rng.integers(-5, 5, s).astype(dtype) for s in shapes]
    return [rng.standard_normal(s).astype(dtype) for s in shapes]


SEEDS = st.integers(0, 2**32 - 1)


# ---------------------------------------------------------------------------------------------
# Result dtypes, as JAX 0.10.2 gives them (operands of shape (2, 2)).

CONTRACTIONS = {
    "dot": "b i8 u8 i16 i32 u32 f16 bf16 f32 c64 i16 f16 f32",
    "matmul": "b i8 u8 i16 i32 u32 f16 bf16 f32 c64 i16 f16 f32",
    "inner": "b i8 u8 i16 i32 u32 f16 bf16 f32 c64 i16 f16 f32",
    "outer": "b i8 u8 i16 i32 u32 f16 bf16 f32 c64 i16 f16 f32",
    "vdot": "b i8 u8 i16 i32 u32 f16 bf16 f32 c64 i16 f16 f32",
    "tensordot": "b i8 u8 i16 i32 u32 f16 bf16 f32 c64 i16 f16 f32",
}


@pytest.mark.parametrize("name", sorted(CONTRACTIONS))
def test_result_dtypes(name):
    columns = [(d, d) for d in DTYPES] + [("int8", "uint8"), ("int32", "float16"),
                                          ("bfloat16", "float16")]
    check_row(getattr(jnp, name), columns, CONTRACTIONS[name], (2, 2))


# ---------------------------------------------------------------------------------------------
# Values.

EINSUM_CASES = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),
    ("bij,bjk->bik", [(2, 2, 3), (2, 3, 4)]),
    ("ij,ij->ij", [(2, 3), (2, 3)]),
    ("ij,ij", [(2, 3), (2, 3)]),
    ("i,j->ij", [(2,), (3,)]),
    ("ij->ji", [(2, 3)]),
    ("ij->", [(2, 3)]),
    ("ii->i", [(3, 3)]),
    ("ii", [(3, 3)]),
    ("iij,jk->ik", [(3, 3, 4), (4, 2)]),
    ("...j,j->...", [(2, 3), (3,)]),
    ("ij,jk->ik", [(2, 3), (1, 4)]),
    ("ijk,ikl,j->il", [(2, 3, 4), (2, 4, 2), (3,)]),
]


@pytest.mark.parametrize("subscripts, shapes", EINSUM_CASES)
@settings(max_examples=3)
@given(seed=SEEDS)
def test_einsum(subscripts, shapes, seed):
    ops = arrays(seed, *shapes)
    fun = _jitted.setdefault(subscripts + str(shapes),
                             lambda *xs: jnp.einsum(subscripts, *xs))
    check(fun, ops, np.einsum(subscripts, *ops).astype(np.float32))


@pytest.mark.parametrize("optimize", ["greedy", "optimal", False, True])
def test_einsum_optimize_choices(optimize):
    ops = arrays(0, (2, 3), (3, 4), (4, 2))
    assert_allclose(jnp.einsum("ij,jk,kl->il", *ops, optimize=optimize),
                    np.einsum("ij,jk,kl->il", *ops), rtol=1e-5, atol=1e-5)


def test_einsum_interleaved_form():
    a, b = arrays(1, (2, 3), (3, 4))
    assert_allclose(jnp.einsum(a, [0, 1], b, [1, 2], [0, 2]), a @ b, rtol=1e-5, atol=1e-5)
    assert_allclose(jnp.einsum(a, [0, 1], b, [1, 2]), a @ b, rtol=1e-5, atol=1e-5)


def test_einsum_integer_and_preferred_element_type():
    a, b = arrays(2, (2, 3), (3, 4), dtype=np.int8)
    assert_allclose(jnp.einsum("ij,jk", a, b), np.einsum("ij,jk", a, b).astype(np.int8))
    out = jnp.einsum("ij,jk", a, b, preferred_element_type=jnp.float32)
    assert_allclose(out, (a.astype(np.float32) @ b.astype(np.float32)))


MATMUL_SHAPES = [((2, 3), (3, 4)), ((3,), (3, 4)), ((2, 3), (3,)), ((3,), (3,)),
                 ((2, 1, 2, 3), (4, 3, 2)), ((3,), (4, 3, 2)), ((4, 2, 3), (3,)),
                 ((2, 3), (4, 3, 2)), ((1, 2, 3), (4, 3, 2))]


@pytest.mark.parametrize("a_shape, b_shape", MATMUL_SHAPES)
@settings(max_examples=3)
@given(seed=SEEDS)
def test_matmul(a_shape, b_shape, seed):
    a, b = arrays(seed, a_shape, b_shape)
    check(jnp.matmul, (a, b), a @ b)
    assert_allclose(jnp.asarray(a) @ b, a @ b, rtol=1e-5, atol=1e-5)
    assert_allclose(a @ jnp.asarray(b), a @ b, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("a_shape, b_shape", [((2, 3), (3, 4)), ((2, 3), (3,)), ((3,), (3,)),
                                              ((2, 2, 3), (4, 3, 2)), ((2, 3), ())])
@settings(max_examples=3)
@given(seed=SEEDS)
def test_dot(a_shape, b_shape, seed):
    a, b = arrays(seed, a_shape, b_shape)
    check(jnp.dot, (a, b), np.dot(a, b).astype(np.float32))


def _tensordot_1(a, b):
    return jnp.tensordot(a, b, 1)


@settings(max_examples=5)
@given(seed=SEEDS)
def test_other_products(seed):
    a, b, c = arrays(seed, (2, 3), (4, 3), (3, 4))
    check(jnp.inner, (a, b), np.inner(a, b))
    check(jnp.outer, (a, c), np.outer(a, c))
    check(_tensordot_1, (a, c), np.tensordot(a, c, 1), rtol=1e-5)
    d, e = arrays(seed, (2, 3, 4), (4, 3, 2))
    assert_allclose(jnp.tensordot(d, e, axes=([1, 2], [1, 0])),
                    np.tensordot(d, e, axes=([1, 2], [1, 0])), rtol=1e-5, atol=1e-5)
    assert_allclose(jnp.tensordot(a, c, axes=0), np.tensordot(a, c, axes=0), rtol=1e-5)
    z, w = arrays(seed, (2, 3), (2, 3), dtype=np.complex64)
    check(jnp.vdot, (z, w), np.vdot(z, w))


def test_integer_products_are_exact():
    a, b = arrays(3, (2, 3), (3, 4), dtype=np.int32)
    check(jnp.matmul, (a, b), a @ b, rtol=0)
    check(jnp.dot, (a.astype(bool), b.astype(bool)), np.dot(a.astype(bool), b.astype(bool)))


# ---------------------------------------------------------------------------------------------
# The equations they emit.

def _eqns(fun, *args):
    jaxpr = jax.make_jaxpr(fun)(*args).jaxpr
    check_jaxpr(jaxpr)
    return [(e.primitive.name, e.params) for e in jaxpr.eqns]


def test_dot_emits_one_dot_general_with_preferred_type():
    (name, params), = _eqns(jnp.dot, *arrays(0, (2, 3), (3, 4)))
    assert name == "dot_general"
    assert params["preferred_element_type"] == np.float32
    assert params["dimension_numbers"] == (((1,), (0,)), ((), ()))


def test_einsum_follows_opt_einsum_path():
    ops = arrays(0, (2, 3), (3, 4), (4, 5))
    eqns = _eqns(lambda *xs: jnp.einsum("ij,jk,kl->il", *xs), *ops)
    assert [n for n, _ in eqns] == ["dot_general", "dot_general"]
    # opt_einsum contracts the (3, 4) and (2, 3) operands first (the cheapest pair).
    path, _ = jnp.einsum_path("ij,jk,kl->il", *ops)
    assert list(map(tuple, path)) == [(0, 1), (0, 1)]


def test_matmul_broadcasting_squeezes_instead_of_copying():
    eqns = _eqns(jnp.matmul, *arrays(0, (2, 1, 3, 4), (5, 4, 6)))
    assert [n for n, _ in eqns] == ["squeeze", "dot_general", "transpose"]


# ---------------------------------------------------------------------------------------------
# Errors.

@pytest.mark.parametrize("expr, error, pattern", [
    (lambda: jnp.matmul(np.ones((2, 3)), np.ones((4, 5))), TypeError,
     r"matmul: incompatible shapes \(2, 3\) and \(4, 5\)"),
    (lambda: jnp.dot(np.ones((2, 3)), np.ones((4, 5))), TypeError,
     r"dot: incompatible shapes \(2, 3\) and \(4, 5\)"),
    (lambda: jnp.matmul(np.ones((2, 2, 3)), np.ones((3, 3, 4))), ValueError,
     r"batch dimensions of shapes \(2, 2, 3\) and \(3, 3, 4\)"),
    (lambda: jnp.matmul(np.ones(3), 2.0), ValueError, "operand 1 must have ndim at least 1"),
    (lambda: jnp.einsum("ij,jk", np.ones((2, 3)), np.ones((4, 5))), ValueError,
     "Size of label 'j'"),
    (lambda: jnp.tensordot(np.ones((2, 3)), np.ones((3, 4)), axes=3), TypeError,
     "tensordot: axes=3"),
    (lambda: jnp.tensordot(np.ones((2, 3)), np.ones((3, 4)), axes=([0], [0])), TypeError,
     r"tensordot: incompatible shapes \(2, 3\) and \(3, 4\)"),
    (lambda: jnp.inner([1.0], [2.0]), TypeError, "inner requires ndarray or scalar"),
])
def test_errors(expr, error, pattern):
    with pytest.raises(error, match=pattern):
        expr()
