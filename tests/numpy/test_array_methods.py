"""Operators and methods of arrays and tracers against numpy, eagerly and under jit: every
arithmetic, comparison and bitwise operator (reflected ones too, with Python scalars and
numpy operands), the reshaping and reduction methods, and the operand types they refuse."""
import operator

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import jaxlike as jax
import jaxlike.numpy as jnp
from jaxlike import errors

from helpers import assert_allclose

SHAPE = (2, 3)


def _floats(lo, hi, shape=SHAPE):
    # No subnormals: XLA on CPU flushes them to zero.
    return hnp.arrays(np.float32, shape,
                      elements=st.floats(lo, hi, width=32, allow_subnormal=False))


floats = _floats(-100, 100)
positive = _floats(0.5, 4)
ints = hnp.arrays(np.int32, SHAPE, elements=st.integers(-1000, 1000))
nonzero_ints = hnp.arrays(np.int32, SHAPE, elements=st.integers(1, 50) | st.integers(-50, -1))
shifts = hnp.arrays(np.int32, SHAPE, elements=st.integers(0, 20))
small = _floats(-2, 2)
# Powers of two divide exactly, so floor division cannot differ by rounding.
powers_of_two = hnp.arrays(np.float32, SHAPE, elements=st.sampled_from([0.5, 1.0, 2.0, 4.0]))
_jitted = {}


def check(fun, args, expected, **kwargs):
    """Asserts fun(*args) and jit(fun)(*args) equal `expected` (one jit per function); numpy
    arguments are made device arrays first, so that their methods and operators are ours."""
    args = [jnp.asarray(a) if isinstance(a, np.ndarray) else a for a in args]
    jitted = _jitted.setdefault(fun, jax.jit(fun))
    for out, how in ((fun(*args), "eager"), (jitted(*args), "jit")):
        if isinstance(expected, tuple):
            for o, e in zip(out, expected):
                assert_allclose(o, e, err_msg=how, **kwargs)
        else:
            assert_allclose(out, expected, err_msg=how, **kwargs)


FLOAT_OPS = [operator.add, operator.sub, operator.mul, operator.truediv, operator.lt,
             operator.le, operator.gt, operator.ge, operator.eq, operator.ne]


@pytest.mark.parametrize("op", FLOAT_OPS, ids=lambda op: op.__name__)
@given(x=floats, y=positive)
def test_float_binary_operators(op, x, y):
    check(lambda a, b: op(a, b), (x, y), op(x, y), rtol=1e-6)
    # Reflected: a Python scalar or a numpy array on the left.
    check(lambda b: op(2.5, b), (y,), op(np.float32(2.5), y), rtol=1e-6)
    out = op(x, jnp.asarray(y))
    assert isinstance(out, jax.Array)
    assert_allclose(out, op(x, y), rtol=1e-6)


@given(x=positive, y=small, d=powers_of_two)
def test_power_floordiv_mod_divmod(x, y, d):
    check(lambda a, b: a ** b, (x, y), x ** y, rtol=1e-5)
    check(lambda b: 2 ** b, (y,), np.float32(2) ** y, rtol=1e-5)
    check(lambda a, b: (a // b, a % b), (y, d), (y // d, y % d))
    check(lambda a, b: divmod(a, b), (y, d), divmod(y, d))
    check(lambda a: divmod(3.0, a), (d,), divmod(np.float32(3), d))


@given(x=ints, y=nonzero_ints, s=shifts)
def test_integer_operators(x, y, s):
    check(lambda a, b: (a // b, a % b, -a, +a, abs(a), ~a), (x, y),
          (x // y, x % y, -x, +x, abs(x), ~x))
    check(lambda a, b: (a & b, a | b, a ^ b, 7 & a, 7 | a, 7 ^ a), (x, y),
          (x & y, x | y, x ^ y, 7 & x, 7 | x, 7 ^ x))
    check(lambda a, b: (a << b, a >> b, 1 << b, 4096 >> b), (x, s),
          (x << s, x >> s, 1 << s, 4096 >> s))


@given(x=floats)
def test_bool_operators(x):
    m = x > 0
    check(lambda a: (~(a > 0), (a > 0) & True, (a > 0) | (a < -50), (a > 0) ^ (a > 10)), (x,),
          (~m, m & True, m | (x < -50), m ^ (x > 10)))


@given(x=floats, y=_floats(-10, 10, (3, 2)))
def test_matmul(x, y):
    check(lambda a, b: a @ b, (x, y), x @ y, rtol=1e-5, atol=1e-3)
    assert_allclose(x @ jnp.asarray(y), x @ y, rtol=1e-5, atol=1e-3)


def test_weak_types_follow_jax():
    w = jnp.array(2.0)
    assert (w * 3).weak_type and (-w).weak_type and (3 - w).weak_type
    assert not (np.float32(2) * w).weak_type
    assert (jnp.ones(3, np.float16) * 2.5).dtype == np.float16
    assert (jnp.arange(3) * 2.5).dtype == np.float32


@pytest.mark.parametrize("other", ["a", [1, 2, 3], (1, 2, 3), None, object()])
def test_unsupported_operands_raise_python_type_errors(other):
    x = jnp.ones(3)
    for op in (operator.add, operator.mul, operator.lt, operator.matmul, operator.and_):
        with pytest.raises(TypeError):
            op(x, other)
        with pytest.raises(TypeError):
            op(other, x)
    assert (x == other) is False and (x != other) is True
    assert x.__add__(other) is NotImplemented


# ---------------------------------------------------------------------------------------------
# Methods.

REDUCTIONS = [
    ("sum", {}), ("sum", {"axis": 0}), ("mean", {"axis": 1}), ("prod", {"axis": -1}),
    ("max", {}), ("min", {"axis": 0, "keepdims": True}), ("var", {}), ("std", {"axis": 1}),
    ("argmax", {"axis": 1}), ("argmin", {}),
]


@pytest.mark.parametrize("name, kwargs", REDUCTIONS)
@given(x=small)
def test_reduction_methods(name, kwargs, x):
    expected = getattr(x, name)(**kwargs)
    if name in ("argmax", "argmin"):
        expected = expected.astype(np.int32)
    check(lambda a: getattr(a, name)(**kwargs), (x,), expected, rtol=1e-4, atol=1e-4)


@given(x=floats)
def test_logical_and_elementwise_methods(x):
    check(lambda a: ((a > 0).all(), (a > 0).any(axis=1)), (x,),
          ((x > 0).all(), (x > 0).any(axis=1)))
    check(lambda a: (a.clip(-1, 1), a.clip(min=0), a.round(1), a.conj(), a.real, a.imag),
          (x,), (x.clip(-1, 1), x.clip(min=0), x.round(1), x, x, np.zeros_like(x)),
          rtol=1e-6)
    check(lambda a: a.dot(a.T), (x,), x.dot(x.T), rtol=1e-5, atol=1e-2)


@given(x=floats)
def test_shape_methods(x):
    check(lambda a: (a.reshape(3, 2), a.reshape((3, 2)), a.reshape(-1), a.reshape([6, 1]),
                     a.reshape(3, 2, order="F")), (x,),
          (x.reshape(3, 2), x.reshape(3, 2), x.reshape(-1), x.reshape(6, 1),
           x.reshape(3, 2, order="F")))
    check(lambda a: (a.T, a.mT, a.transpose(), a.transpose(1, 0), a.transpose((1, 0)),
                     a.swapaxes(0, 1)), (x,), (x.T, x.T, x.T, x.T, x.T, x.T))
    check(lambda a: (a.flatten(), a.ravel(), a[:1].squeeze(), a[:1].squeeze(0), a.repeat(2),
                     a.repeat(2, axis=0), a.copy()), (x,),
          (x.flatten(), x.ravel(), x[:1].squeeze(), x[:1].squeeze(0), x.repeat(2),
           x.repeat(2, axis=0), x))
    check(lambda a: a[1, ::-1][None], (x,), x[1, ::-1][None])


def test_astype_and_round():
    w = jnp.array([[1.5, -2.7]])
    assert_allclose(w.astype(int), np.int32([[1, -2]]))
    out = jnp.array(2.0).astype(np.float32)
    assert out.dtype == np.float32 and not out.weak_type
    assert_allclose(jnp.array([1 + 2j]).astype(np.float32), np.float32([1.]))
    assert_allclose(jnp.array([1 + 2j]).imag, np.float32([2.]))
    r = round(jnp.array(2.6))
    assert r.dtype == np.int32 and int(r) == 3
    assert_allclose(round(jnp.array(2.567), 1), np.float32(2.6), rtol=1e-6, check_dtype=False)
    assert round(jnp.array(2.567), 1).weak_type


def test_scalar_conversions_and_item():
    x = jnp.array([[1.5, -2.0]])
    assert x.item(1) == -2.0 and jnp.array(3).item() == 3
    with pytest.raises(errors.ConcretizationTypeError, match="item"):
        jax.jit(lambda a: a.item())(jnp.array(1.0))
    with pytest.raises(errors.ConcretizationTypeError, match="tolist"):
        jax.jit(lambda a: a.tolist())(jnp.array(1.0))


def test_method_errors():
    with pytest.raises(ValueError, match="at least two-dimensional"):
        jnp.ones(3).mT
    with pytest.raises(TypeError, match="cannot reshape array of shape"):
        jnp.ones(3).reshape(2, 2)
    with pytest.raises(TypeError, match="unexpected keyword"):
        jnp.ones(3).reshape(shape=(3,))
    with pytest.raises(TypeError, match="unhashable"):
        hash(jnp.ones(3))
