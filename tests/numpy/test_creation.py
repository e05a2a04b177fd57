"""jnp array creation: dtypes and weak types as JAX 0.10.2 gives them, values against numpy
(eagerly and under jit), printing, bit-exact linspace/logspace/geomspace, and errors."""
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import jaxlike as jax
import jaxlike.numpy as jnp
from jaxlike import errors
from jaxlike.core import check_jaxpr

from helpers import assert_allclose, check_eager_and_jit

# (expression, dtype, weak_type, shape), as printed by the reference JAX 0.10.2.
JAX_RESULTS = [
    ('jnp.array(2.0)', 'float32', True, ()),
    ('jnp.array(2)', 'int32', True, ()),
    ('jnp.array(True)', 'bool', False, ()),
    ('jnp.array(2+1j)', 'complex64', True, ()),
    ('jnp.array([1., 2.])', 'float32', False, (2,)),
    ('jnp.array([1, 2])', 'int32', False, (2,)),
    ('jnp.array([1, 2.])', 'float32', False, (2,)),
    ('jnp.array([True, 2])', 'int32', False, (2,)),
    ('jnp.array([])', 'float32', False, (0,)),
    ('jnp.array([[]])', 'float32', False, (1, 0)),
    ('jnp.array(np.float64(2))', 'float32', False, ()),
    ('jnp.array(np.int64(2))', 'int32', False, ()),
    ('jnp.array(np.array([1., 2.]))', 'float32', False, (2,)),
    ('jnp.array([np.float16(1), 2.])', 'float16', False, (2,)),
    ('jnp.array([jnp.array(2.0), 3])', 'float32', False, (2,)),
    ('jnp.array([jnp.array(2), 3.0])', 'float32', False, (2,)),
    ('jnp.array([jnp.array([1., 2.]), [3, 4]])', 'float32', False, (2, 2)),
    ('jnp.array(2.0, dtype=int)', 'int32', False, ()),
    ("jnp.array([1, 2], dtype='float16')", 'float16', False, (2,)),
    ('jnp.array(2, ndmin=3)', 'int32', True, (1, 1, 1)),
    ('jnp.array(((1, 2), (3, 4)))', 'int32', False, (2, 2)),
    ('jnp.asarray(2.0)', 'float32', True, ()),
    ('jnp.asarray(jnp.array(2.0))', 'float32', True, ()),
    ("jnp.asarray(jnp.array(2.0), dtype='float16')", 'float16', False, ()),
    ('jnp.asarray(jnp.array(2.0), dtype=float)', 'float32', False, ()),
    ('jnp.zeros(3)', 'float32', False, (3,)),
    ('jnp.zeros((2, 3), int)', 'int32', False, (2, 3)),
    ('jnp.zeros((), bool)', 'bool', False, ()),
    ("jnp.ones([2, 3], 'int8')", 'int8', False, (2, 3)),
    ('jnp.empty(3)', 'float32', False, (3,)),
    ('jnp.full(3, 2.0)', 'float32', True, (3,)),
    ('jnp.full(3, 2)', 'int32', True, (3,)),
    ('jnp.full(3, True)', 'bool', False, (3,)),
    ('jnp.full((2, 3), 2.0, dtype=int)', 'int32', False, (2, 3)),
    ('jnp.full(3, np.float32(2))', 'float32', False, (3,)),
    ('jnp.full(3, jnp.array(2.0))', 'float32', True, (3,)),
    ('jnp.full((2, 3), jnp.array([1., 2., 3.]))', 'float32', False, (2, 3)),
    ('jnp.zeros_like(jnp.array(2.0))', 'float32', True, ()),
    ('jnp.zeros_like(2)', 'int32', True, ()),
    ('jnp.zeros_like(np.zeros(3))', 'float32', False, (3,)),
    ('jnp.zeros_like(jnp.ones(3), dtype=int)', 'int32', False, (3,)),
    ('jnp.zeros_like(jnp.ones(3), shape=(2, 3))', 'float32', False, (2, 3)),
    ("jnp.ones_like(jnp.ones(3, 'uint8'))", 'uint8', False, (3,)),
    ('jnp.full_like(jnp.ones(3), 2)', 'float32', False, (3,)),
    ('jnp.full_like(jnp.ones(3, int), 2.5)', 'int32', False, (3,)),
    ('jnp.full_like(jnp.array(1.0), 2)', 'float32', True, ()),
    ('jnp.full_like(2, 2.5)', 'int32', True, ()),
    ('jnp.empty_like(jnp.ones(3))', 'float32', False, (3,)),
    ('jnp.arange(3)', 'int32', False, (3,)),
    ('jnp.arange(3.)', 'float32', False, (3,)),
    ('jnp.arange(1, 3)', 'int32', False, (2,)),
    ('jnp.arange(0, 1, 0.25)', 'float32', False, (4,)),
    ('jnp.arange(np.float32(3))', 'float32', False, (3,)),
    ('jnp.arange(jnp.array(3))', 'int32', False, (3,)),
    ("jnp.arange(3, dtype='uint8')", 'uint8', False, (3,)),
    ('jnp.arange(0.5, 3, dtype=int)', 'int32', False, (3,)),
    ('jnp.linspace(0, 1, 5)', 'float32', False, (5,)),
    ('jnp.linspace(0, 10, 5, dtype=int)', 'int32', False, (5,)),
    ('jnp.linspace(np.float16(0), 1, 5)', 'float16', False, (5,)),
    ('jnp.linspace(jnp.zeros(2), jnp.ones(2), 3, axis=1)', 'float32', False, (2, 3)),
    ('jnp.logspace(0, 1, 5)', 'float32', False, (5,)),
    ('jnp.geomspace(1, 1000, 4)', 'float32', False, (4,)),
    ('jnp.eye(3)', 'float32', False, (3, 3)),
    ('jnp.eye(2, 3, 1, dtype=int)', 'int32', False, (2, 3)),
    ('jnp.identity(3, dtype=bool)', 'bool', False, (3, 3)),
    ('jnp.tri(3, 4, -1, dtype=int)', 'int32', False, (3, 4)),
    ('jnp.copy(jnp.array(2.0))', 'float32', True, ()),
    ('jnp.copy(np.array([1., 2.]))', 'float32', False, (2,)),
]


@pytest.mark.parametrize("expr, dtype, weak, shape", JAX_RESULTS)
def test_dtype_and_weak_type_as_jax(expr, dtype, weak, shape):
    out = eval(expr)
    assert isinstance(out, jax.Array)
    assert (out.dtype.name, out.weak_type, out.shape) == (dtype, weak, shape)


def test_x64_dtypes(x64):
    assert jnp.array(2.0).dtype == np.float64 and jnp.array(2.0).weak_type
    assert jnp.array([1, 2]).dtype == np.int64
    assert jnp.arange(3).dtype == np.int64
    assert jnp.zeros(3).dtype == np.float64
    assert jnp.array(np.float64(2)).dtype == np.float64


def test_narrowed_64_bit_dtype_warns():
    with pytest.warns(UserWarning, match="float64"):
        assert jnp.zeros(3, np.float64).dtype == np.float32
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert jnp.zeros(3, float).dtype == np.float32  # Python's float means "default"


# ---------------------------------------------------------------------------------------------
# Printing: repr and str as JAX prints them.

PRINTED = [
    ('jnp.array(2.0)', 'Array(2., dtype=float32, weak_type=True)', '2.0'),
    ('jnp.array([1.,2.])', 'Array([1., 2.], dtype=float32)', '[1. 2.]'),
    ('jnp.arange(3)', 'Array([0, 1, 2], dtype=int32)', '[0 1 2]'),
    ('jnp.full(3, 2)', 'Array([2, 2, 2], dtype=int32, weak_type=True)', '[2 2 2]'),
    ('jnp.eye(2)', 'Array([[1., 0.],\n       [0., 1.]], dtype=float32)', '[[1. 0.]\n [0. 1.]]'),
    ('jnp.linspace(0, 1, 100)[:5]',
     'Array([0.        , 0.01010101, 0.02020202, 0.03030303, 0.04040404],      dtype=float32)',
     '[0.         0.01010101 0.02020202 0.03030303 0.04040404]'),
    ('jnp.zeros((2,0))', 'Array([], shape=(2, 0), dtype=float32)', '[]'),
    ('jnp.array(2, ndmin=2)', 'Array([[2]], dtype=int32, weak_type=True)', '[[2]]'),
]


@pytest.mark.parametrize("expr, expected_repr, expected_str", PRINTED)
def test_printing_as_jax(expr, expected_repr, expected_str):
    out = eval(expr)
    assert repr(out) == expected_repr
    assert str(out) == expected_str


# ---------------------------------------------------------------------------------------------
# Ranges: the exact bits JAX 0.10.2 computes (eagerly, and under jit with traced bounds;
# with constant bounds XLA folds the arithmetic, which may round differently).

JAX_BITS = [
    ('linspace', (-3.7, 12.1, 17), {}, 'float32',
     'cdcc6cc09a992dc0ccccdcbfcecc3cbf0000803e67669e3f67660e409a994d40676686400000a6409a99c5403433e540676602413433124100002241cdcc31419a994141'),  # noqa: E501
    ('linspace', (0.1, 0.2, 7), {'endpoint': False}, 'float32',
     'cdcccc3da10eea3d3ba8033e2549123e0fea203ef98a2f3ee32b3e3e'),
    ('linspace', (np.float32([0., 1.]), np.float32([1., -1.]), 5), {}, 'float32',
     '000000000000803f0000803e0000003f0000003f000000000000403f000000bf0000803f000080bf'),
    ('logspace', (-2, 3, 11), {}, 'float32',
     '0ad7233ce286013dcdcccc3d9de8a13e0000803fc4624a400300204172fbfc410000c8422d1d9e4300007a44'),  # noqa: E501
    ('geomspace', (1, 1000, 4), {}, 'float32', '0000803f030020410700c84200007a44'),
    ('geomspace', (0.5, 7.3, 9), {}, 'float32',
     'ffffff3e8ff5323fce347a3fb8e8ae3f2e8bf43f59f32a405d026f40e814a7409b99e940'),
    ('linspace', (-3, 7, 7), {'dtype': np.int32}, 'int32',
     'fdfffffffeffffff0000000002000000030000000500000007000000'),
    ('logspace', (0.5, 2.5, 6), {'base': 3.0}, 'float32',
     'd7b3dd3f26062c40347a8540e222cf40c3b82041526a7941'),
]


@pytest.mark.parametrize("name, args, kwargs, dtype, bits", JAX_BITS)
def test_ranges_bit_exact_as_jax(name, args, kwargs, dtype, bits):
    fun = getattr(jnp, name)
    eager = np.asarray(fun(*args, **kwargs))
    jitted = np.asarray(jax.jit(lambda lo, hi: fun(lo, hi, args[2], **kwargs))(*args[:2]))
    assert eager.dtype == jitted.dtype == np.dtype(dtype)
    assert eager.tobytes().hex() == bits
    assert jitted.tobytes().hex() == bits


def test_arange_bit_exact_as_jax():
    bits = '00000000cdcccc3dcdcc4c3e9a99993ecdcccc3e0000003f9a99193f3333333fcdcc4c3f6766663f'
    assert np.asarray(jnp.arange(0, 1, 0.1)).tobytes().hex() == bits


@given(st.floats(-1e3, 1e3), st.floats(-1e3, 1e3), st.booleans())
def test_linspace_against_numpy(start, stop, endpoint):
    expected = np.linspace(start, stop, 7, endpoint=endpoint).astype(np.float32)
    span = max(abs(start), abs(stop), 1.0)
    check_eager_and_jit(lambda a, b: jnp.linspace(a, b, 7, endpoint=endpoint),
                        (np.float32(start), np.float32(stop)), expected, rtol=0,
                        atol=span * 1e-6)


def test_linspace_array_bounds_and_retstep():
    lo, hi = np.float32([0., 10.]), np.float32([1., -10.])
    out, step = jnp.linspace(lo, hi, 5, axis=1, retstep=True)
    ref, ref_step = np.linspace(lo, hi, 5, axis=1, retstep=True)
    assert_allclose(out, ref.astype(np.float32))
    assert_allclose(step, ref_step.astype(np.float32))
    assert_allclose(jnp.logspace(0., 2., 3, base=2.0), np.float32([1., 2., 4.]))
    assert_allclose(jnp.geomspace(-2., -32., 5), np.float32([-2., -4., -8., -16., -32.]),
                    rtol=1e-5)
    assert np.isnan(jnp.linspace(0, 1, 1, retstep=True)[1])


@pytest.mark.parametrize("args, kwargs", [
    ((5,), {}), ((2, 9), {}), ((9, 2, -2), {}), ((0.5, 3.0), {}), ((-0.5, 3, 0.7), {}),
    ((3,), {"dtype": np.float32}), ((10,), {"dtype": np.int8}), ((-3,), {}),
])
def test_arange_against_numpy(args, kwargs):
    out = jnp.arange(*args, **kwargs)
    expected = np.arange(*args, **kwargs)
    assert_allclose(out, expected.astype(jax.dtypes.canonicalize_dtype(expected.dtype)))
    assert_allclose(jax.jit(lambda: jnp.arange(*args, **kwargs))(), out)


@pytest.mark.parametrize("N, M, k", [(3, None, 0), (2, 4, 1), (4, 3, -2), (3, 3, 5)])
def test_eye_tri_identity_against_numpy(N, M, k):
    check_eager_and_jit(lambda: jnp.eye(N, M, k), (), np.eye(N, M, k, dtype=np.float32))
    check_eager_and_jit(lambda: jnp.tri(N, M, k, dtype=int), (),
                        np.tri(N, M, k, dtype=np.int32))
    assert_allclose(jnp.identity(N, dtype=bool), np.identity(N, dtype=bool))


def test_eye_with_traced_offset():
    out = jax.jit(lambda k: jnp.eye(3, k=k))(-1)
    assert_allclose(out, np.eye(3, k=-1, dtype=np.float32))


# ---------------------------------------------------------------------------------------------
# Filled arrays and arrays from data, against numpy, eagerly and under jit.

@given(st.floats(-1e6, 1e6, width=32, allow_subnormal=False))
def test_full_like_and_zeros_against_numpy(value):
    x = np.zeros((2, 3), np.float32)
    check_eager_and_jit(lambda v: jnp.full((2, 3), v), (np.float32(value),),
                        np.full((2, 3), value, np.float32))
    check_eager_and_jit(lambda v: jnp.full_like(x, v), (np.float32(value),),
                        np.full((2, 3), value, np.float32))
    check_eager_and_jit(lambda v: jnp.zeros_like(v) + jnp.ones_like(v), (np.float32(value),),
                        np.float32(1))


@given(st.floats(-100, 100, width=32, allow_subnormal=False),
       st.floats(-100, 100, width=32, allow_subnormal=False))
def test_array_of_nested_tracers(a, b):
    expected = np.array([[a, 1.], [2., b]], np.float32)
    check_eager_and_jit(lambda x, y: jnp.array([[x, 1.], [2., y]]),
                        (np.float32(a), np.float32(b)), expected)
    check_eager_and_jit(lambda x, y: jnp.array((x, y), dtype=int),
                        (np.float32(a), np.float32(b)), np.array([a, b]).astype(np.int32))


def test_array_of_arrays_and_lists():
    rows = [jnp.array([1., 2.]), [3, 4], np.array([5, 6], np.int8)]
    assert_allclose(jnp.array(rows), np.float32([[1, 2], [3, 4], [5, 6]]))
    assert_allclose(jnp.array(np.arange(6).reshape(2, 3), ndmin=3),
                    np.arange(6, dtype=np.int32).reshape(1, 2, 3))
    assert_allclose(jnp.asarray([[True, False]]), np.array([[True, False]]))


def test_creation_under_jit_is_not_an_embedded_constant():
    closed = jax.make_jaxpr(lambda: (jnp.ones((2, 3)), jnp.zeros((4,), int),
                                     jnp.arange(5), jnp.eye(3), jnp.full((2,), 2.0)))()
    check_jaxpr(closed.jaxpr)
    assert not closed.consts
    names = [e.primitive.name for e in closed.eqns]
    assert names.count("broadcast_in_dim") == 3 and "iota" in names


def test_array_copy_is_a_new_buffer():
    x = jnp.arange(3.)
    y = jnp.array(x)
    z = jnp.copy(x)
    assert y is not x and jnp.asarray(x) is x
    x.delete()  # the copies own their buffers (as they must when the original is donated)
    assert_allclose(y, np.arange(3, dtype=np.float32))
    assert_allclose(z, np.arange(3, dtype=np.float32))


# ---------------------------------------------------------------------------------------------
# Errors.

@pytest.mark.parametrize("expr, error, match", [
    ("jnp.zeros(3.0)", TypeError, "zeros: shapes must be 1D sequences"),
    ("jnp.zeros((2, -1))", TypeError, r"zeros: .*nonnegative.*\(2, -1\)"),
    ("jnp.ones('a')", TypeError, "ones: shapes must be"),
    ("jnp.zeros(3, dtype=object)", TypeError, "zeros: dtype 'object' is not supported"),
    ("jnp.zeros(3, dtype='foo')", TypeError, "zeros: data type 'foo' not understood"),
    ("jnp.array(None)", ValueError, "None is not a valid value"),
    ("jnp.array([1, None])", ValueError, "None is not a valid value"),
    ("jnp.array('a')", TypeError, "dtype <U1 is not a valid"),
    ("jnp.array([[1, 2], [3]])", ValueError, "inhomogeneous"),
    ("jnp.array([jnp.ones(2), jnp.ones(3)])", ValueError, "inhomogeneous"),
    ("jnp.array(2**40)", OverflowError, "int32"),
    ("jnp.array([2**40])", OverflowError, "int32"),
    ("jnp.full((2, 3), [1., 2., 3.])", TypeError, "full requires ndarray or scalar"),
    ("jnp.full((2, 3), jnp.ones(2))", ValueError, r"incompatible.*f32\[2\].*\(2, 3\)"),
    ("jnp.zeros_like([1, 2])", TypeError, "zeros_like requires ndarray"),
    ("jnp.arange(0, 10, 0)", ZeroDivisionError, "step"),
    ("jnp.arange(True)", TypeError, "bool"),
    ("jnp.arange(1+2j)", ValueError, "complex"),
    ("jnp.linspace(0, 1, -1)", ValueError, "number of samples, -1, must be non-negative"),
    ("jnp.linspace(0, 1, 5.0)", TypeError, "integer"),
    ("jnp.eye(-1)", ValueError, "eye: negative dimensions"),
    ("jnp.eye(3.0)", TypeError, "eye: shapes must be"),
])
def test_errors(expr, error, match):
    with pytest.raises(error, match=match):
        eval(expr)


def test_traced_range_bounds_raise_concretization_errors():
    with pytest.raises(errors.ConcretizationTypeError, match="jnp.arange argument 'stop'"):
        jax.jit(lambda n: jnp.arange(n))(3)
    with pytest.raises(errors.ConcretizationTypeError, match="jnp.arange argument 'start'"):
        jax.jit(lambda n: jnp.arange(n, 5))(3)
    with pytest.raises(TypeError, match="zeros: shapes must be.*static"):
        jax.jit(lambda n: jnp.zeros((n, 2)))(3)
