"""jnp shape manipulation against numpy on random values, eagerly and under jit, plus the
dtypes and weak types of the results and the errors for bad axes and shapes.

Inputs have one of a few fixed shapes so that XLA compiles stay few; hypothesis varies the
values only.
"""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import jaxlike as jax
import jaxlike.numpy as jnp
from jaxlike import errors

from helpers import assert_allclose

X2 = (2, 3)
X3 = (2, 3, 4)
_jitted = {}


def _values(shape):
    # No subnormals: XLA on CPU flushes them to zero.
    return hnp.arrays(np.float32, shape,
                      elements=st.floats(-100, 100, width=32, allow_subnormal=False))


def check(fun, args, expected):
    """Asserts fun(*args) and jit(fun)(*args) equal `expected` (an array or a list of
    arrays); one jit per function, so that hypothesis examples reuse its executable."""
    jitted = _jitted.setdefault(fun, jax.jit(fun))
    for out, how in ((fun(*args), "eager"), (jitted(*args), "jit")):
        if isinstance(expected, (list, tuple)):
            assert isinstance(out, (list, tuple)) and len(out) == len(expected), how
            for o, e in zip(out, expected):
                assert_allclose(o, e, err_msg=how)
        else:
            assert_allclose(out, expected, err_msg=how)


def _cases(*cases):
    return pytest.mark.parametrize("jnp_fun, np_fun", [c[1:] for c in cases],
                                   ids=[c[0] for c in cases])


UNARY_2D = _cases(
    ("reshape", lambda x: jnp.reshape(x, (3, 2)), lambda x: np.reshape(x, (3, 2))),
    ("reshape_infer", lambda x: jnp.reshape(x, (-1,)), lambda x: np.reshape(x, -1)),
    ("reshape_F", lambda x: jnp.reshape(x, (3, -1), order="F"),
     lambda x: np.reshape(x, (3, -1), order="F")),
    ("ravel_F", lambda x: jnp.ravel(x, order="F"), lambda x: np.ravel(x, order="F")),
    ("transpose", jnp.transpose, np.transpose),
    ("swapaxes", lambda x: jnp.swapaxes(x, 0, -1), lambda x: np.swapaxes(x, 0, -1)),
    ("expand_dims", lambda x: jnp.expand_dims(x, (0, -1)), lambda x: np.expand_dims(x, (0, -1))),
    ("flip", jnp.flip, np.flip),
    ("flip1", lambda x: jnp.flip(x, 1), lambda x: np.flip(x, 1)),
    ("fliplr", jnp.fliplr, np.fliplr),
    ("flipud", jnp.flipud, np.flipud),
    ("rot90", jnp.rot90, np.rot90),
    ("rot90_2", lambda x: jnp.rot90(x, 2), lambda x: np.rot90(x, 2)),
    ("rot90_3", lambda x: jnp.rot90(x, -1, (1, 0)), lambda x: np.rot90(x, -1, (1, 0))),
    ("concatenate", lambda x: jnp.concatenate([x, x[:1]]), lambda x: np.concatenate([x, x[:1]])),
    ("concatenate1", lambda x: jnp.concatenate((x, 2 * x), axis=-1),
     lambda x: np.concatenate((x, 2 * x), axis=-1)),
    ("concatenate_none", lambda x: jnp.concatenate([x, x], axis=None),
     lambda x: np.concatenate([x, x], axis=None)),
    ("stack", lambda x: jnp.stack([x, -x], axis=1), lambda x: np.stack([x, -x], axis=1)),
    ("stack_array", lambda x: jnp.stack(x, axis=1), lambda x: np.stack(x, axis=1)),
    ("hstack", lambda x: jnp.hstack([x, x]), lambda x: np.hstack([x, x])),
    ("vstack", lambda x: jnp.vstack([x, x[0]]), lambda x: np.vstack([x, x[0]])),
    ("dstack", lambda x: jnp.dstack([x, x]), lambda x: np.dstack([x, x])),
    ("column_stack", lambda x: jnp.column_stack([x[0], x.T]),
     lambda x: np.column_stack([x[0], x.T])),
    ("split", lambda x: jnp.split(x, 3, axis=1), lambda x: np.split(x, 3, axis=1)),
    ("split_indices", lambda x: jnp.split(x, [1, 5], axis=1),
     lambda x: np.split(x, [1, 5], axis=1)),
    ("array_split", lambda x: jnp.array_split(x, 2, axis=1),
     lambda x: np.array_split(x, 2, axis=1)),
    ("hsplit", lambda x: jnp.hsplit(x, [2]), lambda x: np.hsplit(x, [2])),
    ("vsplit", lambda x: jnp.vsplit(x, 2), lambda x: np.vsplit(x, 2)),
    ("unstack", lambda x: jnp.unstack(x, axis=1), lambda x: list(np.moveaxis(x, 1, 0))),
    ("tile", lambda x: jnp.tile(x, (2, 1, 2)), lambda x: np.tile(x, (2, 1, 2))),
    ("tile_int", lambda x: jnp.tile(x, 2), lambda x: np.tile(x, 2)),
    ("repeat", lambda x: jnp.repeat(x, 2), lambda x: np.repeat(x, 2)),
    ("repeat_axis", lambda x: jnp.repeat(x, 2, axis=1), lambda x: np.repeat(x, 2, axis=1)),
    ("repeat_each", lambda x: jnp.repeat(x, np.array([0, 3, 1]), axis=1),
     lambda x: np.repeat(x, [0, 3, 1], axis=1)),
    ("repeat_truncate", lambda x: jnp.repeat(x, 2, axis=1, total_repeat_length=5),
     lambda x: np.repeat(x, 2, axis=1)[:, :5]),
    ("repeat_pad", lambda x: jnp.repeat(x, jnp.array([1, 2]), axis=0, total_repeat_length=4),
     lambda x: np.repeat(x, [1, 3], axis=0)),
    ("broadcast_to", lambda x: jnp.broadcast_to(x, (4, 2, 3)),
     lambda x: np.broadcast_to(x, (4, 2, 3))),
    ("broadcast_arrays", lambda x: jnp.broadcast_arrays(x, x[0], 1.0),
     lambda x: list(np.broadcast_arrays(x, x[0], np.float32(1)))),
    ("atleast_3d", lambda x: jnp.atleast_3d(x[0], x), lambda x: list(np.atleast_3d(x[0], x))),
    ("matrix_transpose", jnp.matrix_transpose, lambda x: np.swapaxes(x, -1, -2)),
    ("permute_dims", lambda x: jnp.permute_dims(x, (1, 0)), lambda x: np.transpose(x, (1, 0))),
)


@UNARY_2D
@given(x=_values(X2))
def test_2d_against_numpy(jnp_fun, np_fun, x):
    check(jnp_fun, (x,), np_fun(x))


UNARY_3D = _cases(
    ("transpose_axes", lambda x: jnp.transpose(x, (2, 0, 1)), lambda x: np.transpose(x, (2, 0, 1))),
    ("moveaxis", lambda x: jnp.moveaxis(x, 0, -1), lambda x: np.moveaxis(x, 0, -1)),
    ("moveaxis_many", lambda x: jnp.moveaxis(x, (0, 2), (1, 0)),
     lambda x: np.moveaxis(x, (0, 2), (1, 0))),
    ("squeeze", lambda x: jnp.squeeze(x[:1, :, 2:3]), lambda x: np.squeeze(x[:1, :, 2:3])),
    ("squeeze_axis", lambda x: jnp.squeeze(x[:1, :, 2:3], (0, -1)),
     lambda x: np.squeeze(x[:1, :, 2:3], (0, -1))),
    ("ravel", jnp.ravel, np.ravel),
    ("rot90_axes", lambda x: jnp.rot90(x, 1, (2, 0)), lambda x: np.rot90(x, 1, (2, 0))),
    ("dsplit", lambda x: jnp.dsplit(x, 2), lambda x: np.dsplit(x, 2)),
)


@UNARY_3D
@given(x=_values(X3))
def test_3d_against_numpy(jnp_fun, np_fun, x):
    check(jnp_fun, (x,), np_fun(x))


@given(st.floats(-100, 100, width=32, allow_subnormal=False))
def test_scalar_inputs_keep_weak_type(v):
    for fun, shape in ((jnp.atleast_1d, (1,)), (jnp.atleast_2d, (1, 1)), (jnp.ravel, (1,)),
                       (lambda x: jnp.tile(x, 3), (3,)), (lambda x: jnp.repeat(x, 3), (3,)),
                       (lambda x: jnp.broadcast_to(x, (2,)), (2,)), (jnp.squeeze, ())):
        out = fun(v)
        assert out.shape == shape and out.dtype == np.float32 and out.weak_type
        assert_allclose(out, np.full(shape, v, np.float32))


def test_joining_promotes_dtypes_as_jax():
    assert jnp.concatenate([jnp.zeros(2, int), np.zeros(2)]).dtype == np.float32
    assert jnp.concatenate([jnp.zeros(2), jnp.zeros(2)], dtype=int).dtype == np.int32
    out = jnp.stack([1, 2.])
    assert out.dtype == np.float32 and out.weak_type
    assert not jnp.stack([jnp.zeros(()), 1.]).weak_type
    out = jnp.hstack([jnp.arange(2), jnp.array([2.5])])
    assert_allclose(out, np.float32([0, 1, 2.5]))


def test_shape_queries():
    x = jnp.zeros((2, 3))
    assert jnp.shape(x) == (2, 3) and jnp.shape([[1, 2]]) == (1, 2) and jnp.shape(2.0) == ()
    assert jnp.ndim(x) == 2 and jnp.ndim(3) == 0
    assert jnp.size(x) == 6 and jnp.size(x, 1) == 3 and jnp.size(x, (0, 1)) == 6
    assert jnp.broadcast_shapes((2, 3), (3,), 1) == (2, 3) and jnp.broadcast_shapes() == ()


def test_shapes_under_jit_are_static_ops():
    closed = jax.make_jaxpr(lambda x: jnp.repeat(jnp.reshape(x, (3, 2)), 2, axis=1))(
        np.zeros(X2, np.float32))
    assert [e.primitive.name for e in closed.eqns] == ["reshape", "broadcast_in_dim",
                                                      "reshape"]
    closed = jax.make_jaxpr(lambda x: jnp.reshape(jnp.transpose(x, (0, 1)), x.shape))(
        np.zeros(X2, np.float32))
    assert closed.eqns == []  # no-op reshapes and transposes are skipped


# ---------------------------------------------------------------------------------------------
# Errors.

x = jnp.zeros(X2)


@pytest.mark.parametrize("expr, error, match", [
    ("jnp.reshape(x, (4, -1))", TypeError, r"cannot reshape array of shape \(2, 3\) \(size 6\) "
                                           r"into shape \(4, -1\)"),
    ("jnp.reshape(x, (5,))", TypeError, r"shape \(2, 3\) \(size 6\) into shape \(5,\) \(size 5\)"),
    ("jnp.reshape(x, (-1, -1))", TypeError, "only specify one unknown axis"),
    ("jnp.reshape(x, (3.0, 2))", TypeError, "reshape: shapes must be 1D sequences"),
    ("jnp.reshape(x, (3, 2), order='X')", ValueError, "order"),
    ("jnp.reshape([1, 2], (2,))", TypeError, "reshape requires ndarray or scalar"),
    ("jnp.transpose(x, (0,))", TypeError, r"permutation \(0,\) for operand shape \(2, 3\)"),
    ("jnp.transpose(x, (0, 2))", ValueError, "axis 2 is out of bounds for array of dimension 2"),
    ("jnp.swapaxes(x, 0, 5)", ValueError, "swapaxes: axis 5 is out of bounds"),
    ("jnp.moveaxis(x, (0, 1), (1,))", ValueError, "inconsistent number of elements: 2 vs 1"),
    ("jnp.squeeze(x, 0)", ValueError, r"squeeze.*shape=\(2, 3\) and dimensions=\(0,\)"),
    ("jnp.squeeze(x, 3)", ValueError, "axis 3 is out of bounds for array of dimension 2"),
    ("jnp.expand_dims(x, (0, 0))", ValueError, "expand_dims: repeated axis"),
    ("jnp.expand_dims(x, 3)", ValueError, "axis 3 is out of bounds for array of dimension 3"),
    ("jnp.concatenate([x, x], axis=2)", ValueError, "concatenate: axis 2 is out of bounds"),
    ("jnp.concatenate([x, jnp.zeros(3)])", TypeError, r"different numbers of dimensions: got "
                                                      r"\(2, 3\), \(3,\)"),
    ("jnp.concatenate([x, jnp.zeros((2, 2))])", TypeError, r"shapes \(2, 3\), \(2, 2\)"),
    ("jnp.concatenate([])", ValueError, "at least one array"),
    ("jnp.concatenate([2.0, 3.0])", ValueError, "zero-dimensional"),
    ("jnp.concatenate([x, [1, 2, 3]])", TypeError, "concatenate requires ndarray"),
    ("jnp.stack([x, jnp.zeros((3, 2))])", ValueError, "same shape"),
    ("jnp.stack([])", ValueError, "at least one array"),
    ("jnp.split(x, 2, axis=1)", ValueError, "equal division"),
    ("jnp.split(x, 0)", ValueError, "larger than 0"),
    ("jnp.unstack(jnp.array(1.))", ValueError, "axis 0 is out of bounds for array of dimension 0"),
    ("jnp.tile(x, -1)", ValueError, "nonnegative"),
    ("jnp.repeat(x, -1)", ValueError, "nonnegative"),
    ("jnp.repeat(x, np.array([1, 2, 3]), axis=0)", ValueError, "one entry per element"),
    ("jnp.repeat(x, [1, 2], axis=0)", TypeError, "repeat requires ndarray"),
    ("jnp.broadcast_to(x, (3, 3))", ValueError, r"incompatible.*f32\[2,3\].*\(3, 3\)"),
    ("jnp.broadcast_to(x, (3,))", ValueError, "fewer dimensions"),
    ("jnp.broadcast_arrays(x, jnp.zeros(4))", ValueError, r"shapes=\[\(2, 3\), \(4,\)\]"),
    ("jnp.broadcast_shapes((2, 3), (4,))", ValueError, "Incompatible shapes for broadcasting"),
    ("jnp.flip(x, 2)", ValueError, "axis 2 is out of bounds"),
    ("jnp.fliplr(jnp.zeros(3))", ValueError, "axis 1 is out of bounds for array of dimension 1"),
    ("jnp.matrix_transpose(jnp.zeros(3))", ValueError, "at least two-dimensional"),
])
def test_errors(expr, error, match):
    with pytest.raises(error, match=match):
        eval(expr)


def test_traced_repeats_or_sections_raise_concretization_errors():
    with pytest.raises(errors.ConcretizationTypeError, match="repeats"):
        jax.jit(lambda x, r: jnp.repeat(x, r))(jnp.zeros(3), 2)
    with pytest.raises(errors.ConcretizationTypeError, match="indices_or_sections"):
        jax.jit(lambda x, n: jnp.split(x, n))(jnp.zeros(4), 2)
    with pytest.raises(TypeError, match="reshape: shapes must be.*static"):
        jax.jit(lambda x, n: jnp.reshape(x, (n, -1)))(jnp.zeros(4), 2)
