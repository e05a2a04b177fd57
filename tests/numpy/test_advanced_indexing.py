"""x[idx] with integer arrays and boolean masks (advanced indexing), mixed with ints,
slices, None and Ellipsis, against numpy on random index patterns: eagerly, under jit with
the index closed over and with its arrays traced; JAX's out-of-bounds clamping; gradients
(gather's transpose is scatter-add); vmap against a loop; and the errors."""
import numpy as np
import pytest
from helpers import assert_allclose
from hypothesis import assume, given
from hypothesis import strategies as st
from vmap_helpers import loop

import jaxlike as jax
import jaxlike.numpy as jnp
from jaxlike import errors
from jaxlike.test_util import check_grads

SHAPE = (3, 4, 5)
X = np.arange(60, dtype=np.float32).reshape(SHAPE)
ARRAY_SHAPES = [(2,), (3, 1), (1,), (2, 1, 1)]


def _axis_entry(draw, n):
    kind = draw(st.sampled_from(["int", "slice", "array", "array", "mask"]))
    if kind == "int":
        return draw(st.integers(-n, n - 1))
    if kind == "slice":
        bound = st.none() | st.integers(-n - 1, n + 1)
        return slice(draw(bound), draw(bound), draw(st.none() | st.sampled_from([1, 2, -1, -2])))
    if kind == "mask":
        return np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    shape = draw(st.sampled_from(ARRAY_SHAPES))
    values = np.array(draw(st.lists(st.integers(-n, n - 1), min_size=int(np.prod(shape)),
                                    max_size=int(np.prod(shape))))).reshape(shape)
    dtype = draw(st.sampled_from([np.int32, np.int32, np.int8, np.int64]))
    return values.astype(dtype)


@st.composite
def advanced_indices(draw):
    """An index of an array of SHAPE: entries for `k` of its axes (the first ones, or split
    around an Ellipsis between the first and last ones), sprinkled with None and scalar
    booleans; numpy must accept it."""
    k = draw(st.integers(1, len(SHAPE)))
    split = draw(st.integers(0, k))
    axes = list(range(split)) + list(range(len(SHAPE) - (k - split), len(SHAPE)))
    entries = [_axis_entry(draw, SHAPE[a]) for a in axes]
    if split < k or draw(st.booleans()):
        entries.insert(split, Ellipsis)
    for extra in draw(st.lists(st.sampled_from([None, None, True]), max_size=2)):
        entries.insert(draw(st.integers(0, len(entries))), extra)
    idx = tuple(entries)
    try:
        X[idx]
    except IndexError:
        assume(False)  # e.g. index arrays that do not broadcast together
    return idx


def _is_array(e):
    return isinstance(e, np.ndarray) and e.ndim > 0 and e.dtype != np.bool_


_JITTED = {}


def _jitted_getitem(structure):
    """Returns a jitted x[idx] for an index `structure` whose "array" entries are traced
    arguments; one per structure (keyed by repr: slices are unhashable before Python 3.12),
    so that hypothesis's examples reuse compilations."""
    key = repr(structure)
    if key not in _JITTED:
        def take(x, *arrays):
            it = iter(arrays)
            return x[tuple(next(it) if isinstance(s, str) else s for s in structure)]
        _JITTED[key] = jax.jit(take)
    return _JITTED[key]


@given(advanced_indices())
def test_advanced_index_against_numpy(idx):
    expected = X[idx]
    x = jnp.asarray(X)
    assert_allclose(x[idx], expected, err_msg="eager")
    assert_allclose(jax.jit(lambda x: x[idx])(X), expected, err_msg="jit, static index")
    # The integer arrays as traced arguments (masks stay static: they must be concrete).
    structure = tuple(f"array{e.dtype}{e.shape}" if _is_array(e) else e for e in idx)
    arrays = [e for e in idx if _is_array(e)]
    assert_allclose(_jitted_getitem(structure)(X, *arrays), expected, err_msg="jit, traced")


def test_mixed_index_layouts():
    # numpy's placement rule: adjacent advanced indices stay in place, separated ones (by a
    # slice, None or an empty Ellipsis) go first.
    x, i = jnp.asarray(X), np.array([0, 2])
    for idx in [(slice(None), i, i), (i, slice(None), i), (slice(None), i, None, 1),
                (slice(None), i, Ellipsis, i), (0, slice(None), i), (i[:, None], 1, i),
                (True, slice(None), i), (slice(None, None, -1), i), (i, slice(3, 0, -2))]:
        assert_allclose(x[idx], X[idx], err_msg=str(idx))


def test_masks_lists_and_empty_indices():
    x = jnp.asarray(X)
    assert_allclose(x[X > 30], X[X > 30])
    assert_allclose(x[x > 30], X[X > 30])  # a concrete jaxlike array mask
    assert_allclose(x[:, X[0] > 5], X[:, X[0] > 5])
    assert_allclose(x[0, [1, 3]], X[0, [1, 3]])
    assert_allclose(x[np.array([], np.int32)], X[np.array([], np.int32)])
    assert_allclose(x[np.zeros((3, 4), bool)], X[np.zeros((3, 4), bool)])
    assert x[np.array([True, False, True])].shape == (2, 4, 5)


@given(st.lists(st.integers(-12, 12), min_size=4, max_size=4))
def test_out_of_bounds_positions_are_clamped(values):
    # JAX: negative positions count from the end once, then the gather clamps into range.
    i = np.array(values, np.int32)
    clamped = np.clip(np.where(i < 0, i + 4, i), 0, 3)
    expected = X[:, clamped]
    assert_allclose(jnp.asarray(X)[:, i], expected)
    assert_allclose(_jitted_getitem((slice(None), "array"))(X, i), expected)


def test_dtype_weak_type_and_one_gather():
    weak = jnp.full(SHAPE, 1.0)
    assert weak[np.array([0, 1])].weak_type
    ints = jnp.asarray(X).astype(np.int8)
    assert_allclose(ints[np.array([2, 0]), 1:], X.astype(np.int8)[np.array([2, 0]), 1:])
    program = jax.make_jaxpr(lambda x, i: x[i, 1:3, ::2])(X, np.array([0, 1]))
    assert [e.primitive.name for e in program.eqns].count("gather") == 1


# ---------------------------------------------------------------------------------------------
# Transformations.

def test_gradients_through_indexing(x64):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(SHAPE)
    i, j = np.array([0, 2, 2, -1]), np.array([[1], [2]])
    check_grads(lambda x: x[i, 1:3] ** 2, (x,), 2)
    check_grads(lambda x: jnp.sin(x[j, :, i]), (x,), 1)
    check_grads(lambda x: x[x > 0.5] * 3, (x,), 1, modes=("rev",))
    # Elements read twice get twice the cotangent (scatter-add, as np.add.at).
    grad = jax.grad(lambda x: x[i].sum())(x)
    expected = np.zeros(SHAPE)
    np.add.at(expected, i, 1.0)
    assert_allclose(grad, expected)


def test_gradient_of_out_of_bounds_reads_is_dropped_as_in_jax():
    grad = jax.grad(lambda x: x[np.array([1, 7, -1, -9])].sum())(jnp.arange(3.0))
    assert_allclose(grad, np.array([0.0, 1.0, 1.0], np.float32))


@pytest.mark.parametrize("in_axes, out_axes", [(0, 0), ((None, 0), 1), ((1, 0), -1),
                                               ((0, None), 0)])
def test_vmap_of_indexing(in_axes, out_axes):
    rng = np.random.default_rng(1)
    xs = rng.standard_normal((2,) + SHAPE).astype(np.float32)
    idx = rng.integers(-3, 3, (2, 2)).astype(np.int32)
    axes = in_axes if isinstance(in_axes, tuple) else (in_axes, in_axes)
    x_arg = xs[0] if axes[0] is None else np.moveaxis(xs, 0, axes[0])
    i_arg = idx[0] if axes[1] is None else idx

    def f(x, i):
        return jnp.asarray(x)[i, ::2, np.array([1, 1])]
    batched = jax.vmap(f, in_axes=axes, out_axes=out_axes)
    expected = loop(f, x_arg, i_arg, in_axes=axes, out_axes=out_axes)
    assert_allclose(batched(x_arg, i_arg), expected)
    assert_allclose(jax.jit(batched)(x_arg, i_arg), expected)
    assert_allclose(jax.vmap(jax.jit(f), in_axes=axes, out_axes=out_axes)(x_arg, i_arg),
                    expected)
    assert len(jax.make_jaxpr(batched)(x_arg, i_arg).eqns) <= len(
        jax.make_jaxpr(f)(xs[0], idx[0]).eqns) + 4  # moves of batch axes, not a loop


def test_nested_vmap_of_indexing():
    xs = np.arange(2 * 3 * 60, dtype=np.float32).reshape((2, 3) + SHAPE)
    i = np.array([2, 0])
    out = jax.vmap(jax.vmap(lambda x: x[:, i]))(xs)
    assert_allclose(out, xs[:, :, :, i])


# ---------------------------------------------------------------------------------------------
# Errors.

@pytest.mark.parametrize("idx, error, match", [
    (np.array([0.5, 1.0]), TypeError, "Indexer must have integer or boolean type, got "
                                      "indexer with type float64"),
    ((np.array([0, 1]), 0, 0, 0), IndexError, "Too many indices"),
    ((np.ones(4, bool),), IndexError, r"boolean index did not match .* got \(4,\), "
                                      r"expected \(3,\)"),
    ((np.array([0, 1]), np.array([0, 1, 2])), IndexError, "shape mismatch"),
    ((0, [0.5]), TypeError, "integer or boolean type"),
])
def test_index_errors(idx, error, match):
    with pytest.raises(error, match=match):
        jnp.asarray(X)[idx]


def test_traced_mask_error_points_to_size():
    with pytest.raises(errors.NonConcreteBooleanIndexError,
                       match=r"(?s)boolean indices must be concrete; got bool\[3,4,5\].*size="):
        jax.jit(lambda x: x[x > 0])(X)
    with pytest.raises(IndexError, match="boolean indices must be concrete"):
        jax.vmap(lambda x: x[x > 0])(X)
    with pytest.raises(IndexError, match="boolean indices must be concrete"):
        jax.jit(lambda x, m: x[m])(X, True)
