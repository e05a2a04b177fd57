"""x[idx] against numpy for random static indices (ints, slices with any step, None,
Ellipsis, scalar booleans), eagerly and under jit; traced integer indices (JAX semantics:
negative ones count from the end, then the position is clamped); and the errors."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import jaxlike as jax
import jaxlike.numpy as jnp
from jaxlike import dispatch

from helpers import assert_allclose

SHAPE = (3, 4, 5)
X = np.arange(60, dtype=np.float32).reshape(SHAPE)
values = hnp.arrays(np.float32, SHAPE,
                    elements=st.floats(-100, 100, width=32, allow_subnormal=False))


def _bound(n):
    return st.none() | st.integers(-n - 2, n + 2)


def _axis_index(n):
    steps = st.none() | st.integers(-3, 3).filter(bool)
    return st.one_of(st.integers(-n, n - 1), st.builds(slice, _bound(n), _bound(n), steps))


@st.composite
def static_indices(draw, shape=SHAPE):
    """Random basic indices of an array of `shape`: a prefix and a suffix of the axes get an
    int or a slice (with an Ellipsis between them, or an implicit one at the end); None and
    the occasional scalar boolean are sprinkled in."""
    ndim = len(shape)
    n_before = draw(st.integers(0, ndim))
    n_after = draw(st.integers(0, ndim - n_before))
    before = [draw(_axis_index(shape[i])) for i in range(n_before)]
    after = [draw(_axis_index(shape[ndim - n_after + i])) for i in range(n_after)]
    ellipsis = [Ellipsis] if n_after or draw(st.booleans()) else []
    elements = before + ellipsis + after
    for extra in draw(st.lists(st.sampled_from([None, None, None, True, False]), max_size=2)):
        elements.insert(draw(st.integers(0, len(elements))), extra)
    if len(elements) == 1 and draw(st.booleans()):
        return elements[0]  # not wrapped in a tuple
    return tuple(elements)


@given(static_indices())
def test_static_index_against_numpy(idx):
    expected = X[idx]
    assert_allclose(jnp.asarray(X)[idx], expected, err_msg="eager")
    assert_allclose(jax.jit(lambda x: x[idx])(X), expected, err_msg="jit")


@given(values, static_indices())
@settings(max_examples=5)
def test_static_index_keeps_dtype_and_weak_type(x, idx):
    ints = jnp.asarray(x).astype(np.int8)
    assert_allclose(ints[idx], x.astype(np.int8)[idx])
    weak = jnp.full(SHAPE, 1.0)
    assert weak[idx].weak_type


@pytest.mark.parametrize("idx", [5, -4, 100, -100, (0, 7), (Ellipsis, -9), (2, slice(1, 3), 9)])
def test_out_of_range_integers_are_clamped_as_in_jax(idx):
    # JAX does not raise for these: the position is clamped into the axis.
    clamped = tuple(np.clip(i + n if i < 0 else i, 0, n - 1) if isinstance(i, int) else i
                    for i, n in zip(idx if isinstance(idx, tuple) else (idx,), SHAPE))
    if isinstance(idx, tuple) and idx[0] is Ellipsis:
        clamped = (Ellipsis, int(np.clip(idx[1] + 5, 0, 4)))
    expected = X[clamped]
    assert_allclose(jnp.asarray(X)[idx], expected)
    assert_allclose(jax.jit(lambda x: x[idx])(X), expected)


def _jax_position(i, n):
    return int(np.clip(i + n if i < 0 else i, 0, n - 1))


_take_first = jax.jit(lambda x, i: x[i])
_take_middle = jax.jit(lambda x, i, j: x[1:3, i, ::2][..., None, j])
_take_strided = jax.jit(lambda x, i: x[::-2, i])


@given(values, st.integers(-8, 8), st.integers(-8, 8))
def test_traced_integer_index(x, i, j):
    assert_allclose(_take_first(x, i), x[_jax_position(i, 3)])
    assert_allclose(_take_middle(x, i, j), x[1:3, _jax_position(i, 4), ::2][..., None,
                                                                            _jax_position(j, 3)])
    assert_allclose(_take_strided(x, np.uint8(abs(i))), x[::-2, _jax_position(abs(i), 4)])


def test_traced_index_is_one_dynamic_slice():
    closed = jax.make_jaxpr(lambda x, i: x[i, 1:3])(X, 1)
    names = [e.primitive.name for e in closed.eqns]
    assert names.count("dynamic_slice") == 1 and "slice" not in names


def test_eager_integer_indexing_compiles_once():
    x = jnp.asarray(X)
    x[0]  # compiles dynamic_slice and squeeze for this shape
    before = len(dispatch._executables)
    rows = [x[i] for i in range(-3, 3)] + list(x)
    assert len(dispatch._executables) == before
    for i, row in enumerate(rows):
        assert_allclose(row, X[(i - 3) % 3 if i < 6 else i - 6])


def test_indexing_scalars_and_concrete_integer_arrays():
    x = jnp.asarray(X)
    assert_allclose(x[np.int32(1), np.array(2)], X[1, 2])
    assert_allclose(x[jnp.array(1)], X[1])
    assert_allclose(x[np.array(True)], X[None])
    s = jnp.array(2.0)
    assert s[()].weak_type and s[...].shape == () and s[None].shape == (1,)
    assert_allclose(x[jnp.newaxis, ..., 0], X[np.newaxis, ..., 0])


@pytest.mark.parametrize("idx, error, match", [
    ((0, 0, 0, 0), IndexError, "Too many indices: array is 3-dimensional, but 4 were indexed"),
    ((Ellipsis, Ellipsis), IndexError, "single ellipsis"),
    ("a", TypeError, "string indexing"),
    (1.0, TypeError, "integer or boolean type, got indexer with type float64"),
    (slice(0, 1.5), TypeError, "integer"),
    (slice(None, None, 0), ValueError, "slice step cannot be zero"),
    ([0, 1], TypeError, "non-tuple sequence for multidimensional indexing"),
    (np.array([True, False]), IndexError, "boolean index did not match"),
    ((np.array([0, 1]), np.array([0, 1, 2])), IndexError, "shape mismatch"),
    (np.array([0.5]), TypeError, "got indexer with type float64"),
    (jnp.array(1.0), TypeError, "got indexer with type float32"),
    ({}, IndexError, "only integers, slices"),
])
def test_errors(idx, error, match):
    x = jnp.asarray(X)
    with pytest.raises(error, match=match):
        x[idx]
    with pytest.raises(error, match=match):
        jax.jit(lambda x: x[idx])(x)


def test_traced_errors():
    with pytest.raises(IndexError, match="static start/stop/step"):
        jax.jit(lambda x, i: x[i:])(X, 1)
    with pytest.raises(IndexError, match="boolean indices must be concrete"):
        jax.jit(lambda x, m: x[m])(X, np.array([True, False, True]))
    with pytest.raises(IndexError, match="0-dimensional, but 1 were indexed"):
        jnp.array(2.0)[0]
