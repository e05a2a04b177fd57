"""lax structural primitives against numpy, eagerly and under jit, plus their errors.

Shapes are few ((2, 3) mostly) so that XLA compiles stay few; hypothesis varies values and
dynamic start indices (which are operands, so they never cause a recompile).
"""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import jaxlike as jax
from jaxlike import lax
from jaxlike.core import check_jaxpr

from helpers import assert_allclose

SHAPE = (2, 3)
floats = hnp.arrays(np.float32, SHAPE, elements=st.floats(-100, 100, width=32))
ints = hnp.arrays(np.int32, SHAPE, elements=st.integers(-1000, 1000))
starts = st.integers(-5, 5)

_jitted = {}


def check(fun, args, expected):
    """Asserts fun(*args) and jit(fun)(*args) equal `expected` (one jit per function, so that
    hypothesis examples reuse its executable)."""
    assert_allclose(fun(*args), expected, err_msg="eager")
    jitted = _jitted.setdefault(fun, jax.jit(fun))
    assert_allclose(jitted(*args), expected, err_msg="jit")
    check_jaxpr(jax.make_jaxpr(fun)(*args).jaxpr)


# ---------------------------------------------------------------------------------------------
# Static shape operations: (jaxlike function, numpy reference) on one (2, 3) operand.

def _np_pad(x, value, config):
    """XLA's pad in numpy: interior padding, then edge padding where negative means crop."""
    for axis, (lo, hi, interior) in enumerate(config):
        x = np.moveaxis(x, axis, 0)
        n = x.shape[0]
        dilated = np.full((n + max(n - 1, 0) * interior,) + x.shape[1:], value, x.dtype)
        dilated[::interior + 1] = x
        widths = [(max(lo, 0), max(hi, 0))] + [(0, 0)] * (x.ndim - 1)
        x = np.pad(dilated, widths, constant_values=value)
        x = x[max(-lo, 0):x.shape[0] - max(-hi, 0)]
        x = np.moveaxis(x, 0, axis)
    return x


UNARY_CASES = {
    "broadcast_in_dim": (lambda x: lax.broadcast_in_dim(x, (4, 2, 3), (1, 2)),
                         lambda x: np.broadcast_to(x, (4, 2, 3))),
    "broadcast_in_dim_size1": (
        lambda x: lax.broadcast_in_dim(lax.slice(x, (0, 0), (1, 3)), (3, 2, 3), (0, 2)),
        lambda x: np.broadcast_to(x[:1, None], (3, 2, 3))),
    "broadcast": (lambda x: lax.broadcast(x, (2,)), lambda x: np.broadcast_to(x, (2, 2, 3))),
    "reshape": (lambda x: lax.reshape(x, (3, 2)), lambda x: x.reshape(3, 2)),
    "reshape_dimensions": (lambda x: lax.reshape(x, (3, 2), (1, 0)),
                           lambda x: x.T.reshape(3, 2)),
    "collapse": (lambda x: lax.collapse(x, 0), lambda x: x.reshape(6)),
    "transpose": (lambda x: lax.transpose(x, (1, 0)), lambda x: x.T),
    "expand_dims": (lambda x: lax.expand_dims(x, (0, -1)), lambda x: x[None, :, :, None]),
    "squeeze": (lambda x: lax.squeeze(lax.expand_dims(x, (1,)), (-2,)), lambda x: x),
    "rev": (lambda x: lax.rev(x, (0,)), lambda x: np.flip(x, 0)),
    "rev_both": (lambda x: lax.rev(x, (1, 0)), lambda x: np.flip(x)),
    "concatenate_0": (lambda x: lax.concatenate([x, lax.rev(x, (0,))], 0),
                      lambda x: np.concatenate([x, x[::-1]], 0)),
    "concatenate_1": (lambda x: lax.concatenate([x, lax.slice(x, (0, 0), (2, 1)), x], 1),
                      lambda x: np.concatenate([x, x[:, :1], x], 1)),
    "pad": (lambda x: lax.pad(x, np.float32(-1), ((1, 2, 0), (0, 1, 0))),
            lambda x: np.pad(x, ((1, 2), (0, 1)), constant_values=-1)),
    "pad_negative_interior": (lambda x: lax.pad(x, np.float32(7), ((1, -1, 1), (-1, 2, 2))),
                              lambda x: _np_pad(x, 7, ((1, -1, 1), (-1, 2, 2)))),
    "slice": (lambda x: lax.slice(x, (0, 1), (2, 3)), lambda x: x[0:2, 1:3]),
    "slice_strides": (lambda x: lax.slice(x, (0, 0), (2, 3), (1, 2)), lambda x: x[:, ::2]),
    "slice_in_dim": (lambda x: lax.slice_in_dim(x, -2, None, axis=1), lambda x: x[:, -2:]),
    "index_in_dim": (lambda x: lax.index_in_dim(x, -1, 1, keepdims=False),
                     lambda x: x[:, -1]),
    "index_in_dim_keepdims": (lambda x: lax.index_in_dim(x, 1, 0), lambda x: x[1:2]),
}


@pytest.mark.parametrize("name", sorted(UNARY_CASES))
@given(x=floats)
def test_shape_ops_match_numpy(name, x):
    fun, reference = UNARY_CASES[name]
    check(fun, (x,), reference(x))


@given(x=ints)
def test_int_operands(x):
    fun, reference = UNARY_CASES["transpose"]
    check(fun, (x,), reference(x))


def test_pad_negative_and_interior_by_hand():
    x = np.array([[1, 2, 3], [4, 5, 6]], np.int32)
    # dim 0: interior 1 gives rows [r0, p, r1]; low 1 adds a row, high -1 crops r1.
    # dim 1: low -1 crops column 0; interior 1 between the rest; high 1 adds one.
    expected = np.array([[0, 0, 0, 0, 0],
                         [0, 2, 0, 3, 0],
                         [0, 0, 0, 0, 0]], np.int32)
    out = lax.pad(x, np.int32(0), ((1, -1, 1), (-1, 1, 1)))
    assert_allclose(out, expected)
    assert_allclose(_np_pad(x, 0, ((1, -1, 1), (-1, 1, 1))), expected)


def test_iota():
    check(lambda: lax.iota(np.int32, 5), (), np.arange(5, dtype=np.int32))
    check(lambda: lax.broadcasted_iota(np.float32, SHAPE, 1), (),
          np.broadcast_to(np.arange(3, dtype=np.float32), SHAPE))
    assert lax.iota(float, 2).dtype == np.float32  # canonicalized without x64


def test_noops_return_arrays_without_equations():
    x = np.ones(SHAPE, np.float32)
    for fun in (lambda x: lax.reshape(x, SHAPE), lambda x: lax.transpose(x, (0, 1)),
                lambda x: lax.squeeze(x, ()), lambda x: lax.expand_dims(x, ()),
                lambda x: lax.broadcast_in_dim(x, SHAPE, (0, 1)),
                lambda x: lax.concatenate([x], 0)):
        assert not jax.make_jaxpr(fun)(x).eqns
        assert isinstance(fun(x), jax.Array)


def test_weak_types_follow_operands():
    weak = lax.broadcast_in_dim(1.0, (3,), ())
    assert weak.aval.weak_type
    assert lax.rev(weak, (0,)).aval.weak_type
    assert not lax.concatenate([weak, np.ones(3, np.float32)], 0).aval.weak_type
    assert lax.pad(weak, 0.0, ((1, 0, 0),)).aval.weak_type
    assert not lax.pad(weak, np.float32(0), ((1, 0, 0),)).aval.weak_type


def test_printed_like_jax():
    x = np.ones(SHAPE, np.float32)
    printed = str(jax.make_jaxpr(lambda x: lax.expand_dims(x, (0,)))(x))
    assert "broadcast_in_dim[broadcast_dimensions=(1, 2)] a" in printed
    printed = str(jax.make_jaxpr(lambda: lax.broadcast_in_dim(1.0, (2,), ()))())
    assert "a:f32[2] = broadcast_in_dim 1.0:f32[]" in printed
    printed = str(jax.make_jaxpr(lambda x: lax.reshape(x, (3, 2)))(x))
    assert "reshape[dimensions=None new_sizes=(3, 2) sharding=None] a" in printed
    printed = str(jax.make_jaxpr(lambda: lax.iota(np.int32, 4))())
    assert "iota[dimension=0 dtype=int32 shape=(4,) sharding=None]" in printed


# ---------------------------------------------------------------------------------------------
# Dynamic slicing: start indices are clamped to [0, dim - size] after negative ones wrap.

def _clamp(starts, sizes, shape):
    return [min(max(s + d if s < 0 else s, 0), d - n) for s, n, d in zip(starts, sizes, shape)]


def _np_dynamic_slice(x, starts, sizes):
    i, j = _clamp(starts, sizes, x.shape)
    return x[i:i + sizes[0], j:j + sizes[1]]


def _np_dynamic_update_slice(x, update, starts):
    i, j = _clamp(starts, update.shape, x.shape)
    out = x.copy()
    out[i:i + update.shape[0], j:j + update.shape[1]] = update
    return out


def _dyn_slice(x, i, j):
    return lax.dynamic_slice(x, (i, j), (1, 2))


def _dyn_update(x, u, i, j):
    return lax.dynamic_update_slice(x, u, (i, j))


@given(x=floats, i=starts, j=starts)
def test_dynamic_slice_clamps(x, i, j):
    check(_dyn_slice, (x, i, j), _np_dynamic_slice(x, (i, j), (1, 2)))
    # Python-int starts are normalized at trace time: the same numbers.
    assert_allclose(lax.dynamic_slice(x, (i, j), (1, 2)), _np_dynamic_slice(x, (i, j), (1, 2)))


@given(x=floats, u=hnp.arrays(np.float32, (1, 2), elements=st.floats(-9, 9, width=32)),
       i=starts, j=starts)
def test_dynamic_update_slice_clamps(x, u, i, j):
    check(_dyn_update, (x, u, i, j), _np_dynamic_update_slice(x, u, (i, j)))


def _dyn_index(x, i):
    return lax.dynamic_index_in_dim(x, i, 1, keepdims=False)


def _dyn_slice_in_dim(x, i):
    return lax.dynamic_slice_in_dim(x, i, 2, axis=-1)


def _dyn_update_index(x, u, i):
    return lax.dynamic_update_index_in_dim(x, u, i, 1)


@given(x=floats, i=starts)
def test_in_dim_helpers(x, i):
    check(_dyn_index, (x, i), _np_dynamic_slice(x, (0, i), (2, 1))[:, 0])
    check(_dyn_slice_in_dim, (x, i), _np_dynamic_slice(x, (0, i), (2, 2)))
    u = np.full((2,), -1, np.float32)
    check(_dyn_update_index, (x, u, i), _np_dynamic_update_slice(x, u[:, None], (0, i)))
    update = lax.dynamic_update_slice_in_dim(x, u[:, None], i, 1)
    assert_allclose(update, _np_dynamic_update_slice(x, u[:, None], (0, i)))


def _dyn_slice_array_starts(x, idx):
    return lax.dynamic_slice(x, idx, (1, 2))


@given(x=floats, i=starts, j=starts)
def test_dynamic_slice_with_array_of_starts(x, i, j):
    idx = np.array([i, j], np.int32)
    check(_dyn_slice_array_starts, (x, idx), _np_dynamic_slice(x, (i, j), (1, 2)))


def test_mixed_index_dtypes_are_cast_to_one():
    x = np.arange(6, dtype=np.float32).reshape(SHAPE)
    jaxpr = jax.make_jaxpr(lambda x, i: lax.dynamic_slice(x, (i, 1), (1, 2)))(x, np.int16(1))
    assert "dynamic_slice[slice_sizes=(1, 2)] a e 1:i16[]" in str(jaxpr)
    out = jax.jit(lambda x, i, j: lax.dynamic_slice(x, (i, j), (1, 2)))(x, np.int8(1),
                                                                         np.int16(-2))
    assert_allclose(out, x[1:2, 1:3])


def test_lowering_casts_mixed_index_dtypes():
    # The lax functions cast indices to one dtype; a direct bind (as a transformation rule
    # may do) relies on the lowering to do it.
    x = np.arange(6, dtype=np.float32).reshape(SHAPE)
    out = jax.jit(lambda x, i, j: lax.dynamic_slice_p.bind(x, i, j, slice_sizes=(1, 2)))(
        x, np.uint8(1), np.int16(1))
    assert_allclose(out, x[1:2, 1:3])


def test_unsigned_indices_need_no_wrapping():
    jaxpr = jax.make_jaxpr(_dyn_slice)(X, np.uint32(1), np.uint32(0))
    assert "select_n" not in str(jaxpr)
    assert_allclose(jax.jit(_dyn_slice)(X, np.uint32(1), np.uint32(0)), X[1:2, 0:2])


def test_dynamic_slice_x64(x64):
    x = np.arange(6, dtype=np.float32).reshape(SHAPE)
    jaxpr = jax.make_jaxpr(_dyn_slice)(x, 1, -1)
    assert "i64[]" in str(jaxpr)
    assert_allclose(jax.jit(_dyn_slice)(x, 1, -1), x[1:2, 1:3])


# ---------------------------------------------------------------------------------------------
# Errors name the function, the operand's shape and the argument at fault.

X = np.ones(SHAPE, np.float32)

ERROR_CASES = [
    (lambda: lax.broadcast_in_dim(X, (2, 3), (0,)), TypeError, r"broadcast_in_dim.*\(2, 3\)"),
    (lambda: lax.broadcast_in_dim(X, (3,), (0, 1)), TypeError, r"broadcast_in_dim.*lower rank"),
    (lambda: lax.broadcast_in_dim(X, (2, 4), (0, 1)), TypeError,
     r"broadcast_in_dim.*\(2, 3\).*\(2, 4\)"),
    (lambda: lax.broadcast_in_dim(X, (2, 3, 3), (0, 5)), TypeError,
     r"broadcast_in_dim.*broadcast_dimensions \(0, 5\)"),
    (lambda: lax.broadcast_in_dim(X, (2, 3, 3), (1, 1)), TypeError, "unique"),
    (lambda: lax.reshape(X, (4, 2)), TypeError, r"reshape.*\(2, 3\).*\(4, 2\)"),
    (lambda: lax.reshape(X, (3, 2), (0, 0)), TypeError, r"reshape.*dimensions"),
    (lambda: lax.transpose(X, (0, 0)), TypeError, r"transpose.*permutation.*\(2, 3\)"),
    (lambda: lax.squeeze(X, (0,)), ValueError, r"squeeze.*\(2, 3\)"),
    (lambda: lax.squeeze(X, (2,)), ValueError, r"squeeze.*axis 2.*\(2, 3\)"),
    (lambda: lax.expand_dims(X, (0, 0)), ValueError, "expand_dims.*repeated"),
    (lambda: lax.rev(X, (2,)), TypeError, r"rev.*\(2,\).*\(2, 3\)"),
    (lambda: lax.rev(X, (0, 0)), TypeError, "rev.*unique"),
    (lambda: lax.iota(np.bool_, 3), TypeError, "iota.*bool"),
    (lambda: lax.iota(np.int32, -1), TypeError, "iota.*nonnegative"),
    (lambda: lax.broadcasted_iota(np.int32, SHAPE, 2), ValueError, r"iota.*dimension 2"),
    (lambda: lax.concatenate([X, X.astype(np.int32)], 0), TypeError,
     "concatenate.*float32, int32"),
    (lambda: lax.concatenate([X, X[0]], 0), TypeError, r"concatenate.*rank.*\(2, 3\), \(3,\)"),
    (lambda: lax.concatenate([X, X[:, :2]], 0), TypeError, r"concatenate.*dimension 0"),
    (lambda: lax.concatenate([X, X], 2), TypeError, r"concatenate.*dimension 2"),
    (lambda: lax.concatenate([], 0), ValueError, "concatenate"),
    (lambda: lax.pad(X, 0, ((0, 0, 0), (0, 0, 0))), TypeError, "pad.*float32 and int32"),
    (lambda: lax.pad(X, np.zeros(2, np.float32), ((0, 0, 0),) * 2), ValueError, "pad.*scalar"),
    (lambda: lax.pad(X, 0.0, ((0, 0, 0),)), ValueError, r"pad.*\(2, 3\)"),
    (lambda: lax.pad(X, 0.0, ((0, 0, -1), (0, 0, 0))), ValueError, "pad.*interior"),
    (lambda: lax.pad(X, 0.0, ((-3, 0, 0), (0, 0, 0))), ValueError, "pad.*negative"),
    (lambda: lax.slice(X, (0,), (2,)), TypeError, r"slice.*start_indices.*\(2, 3\)"),
    (lambda: lax.slice(X, (0, 0), (3, 3)), TypeError, r"slice.*\(3, 3\).*\(2, 3\)"),
    (lambda: lax.slice(X, (1, 0), (0, 3)), TypeError, r"slice.*start_indices"),
    (lambda: lax.slice(X, (0, 0), (2, 3), (0, 1)), TypeError, "slice.*strides"),
    (lambda: lax.slice_in_dim(X, 0, 2, axis=2), ValueError, "slice_in_dim.*axis 2"),
    (lambda: lax.index_in_dim(X, 3, 1), IndexError, "index_in_dim.*index 3.*size 3"),
    (lambda: lax.dynamic_slice(X, (0,), (1, 1)), ValueError, r"dynamic_slice.*\(2, 3\)"),
    (lambda: lax.dynamic_slice(X, (0, 0), (3, 1)), TypeError,
     r"dynamic_slice.*\(3, 1\).*\(2, 3\)"),
    (lambda: lax.dynamic_slice(X, (0.5, 0), (1, 1)), TypeError, "dynamic_slice.*integer"),
    (lambda: lax.dynamic_update_slice(X, np.ones((3, 1), np.float32), (0, 0)), TypeError,
     r"dynamic_update_slice.*\(3, 1\).*\(2, 3\)"),
    (lambda: lax.dynamic_update_slice(X, np.ones(1, np.float32), (0, 0)), TypeError,
     r"dynamic_update_slice.*rank"),
    (lambda: lax.dynamic_update_slice(X, np.ones((1, 1), np.int32), (0, 0)), TypeError,
     "dynamic_update_slice.*float32 and int32"),
    (lambda: lax.broadcast_in_dim(X, (2, 3), (0, 1), out_sharding="x"), NotImplementedError,
     "out_sharding"),
]


@pytest.mark.parametrize("case", range(len(ERROR_CASES)))
def test_errors(case):
    fun, exc, match = ERROR_CASES[case]
    with pytest.raises(exc, match=match):
        fun()


def test_traced_static_argument_is_a_clear_error():
    with pytest.raises(TypeError, match="__index__"):
        jax.jit(lambda x, n: lax.reshape(x, (n, 3)))(X, 2)
