"""take, take_along_axis, put_along_axis, nonzero / where(cond) / argwhere / flatnonzero,
unique, select, piecewise, diag, diagonal, tril, triu, roll, meshgrid, indices and the index
helpers, against numpy (eagerly and under jit; with `size=` under jit where the output size
depends on the data), plus gradients, vmap and the errors."""
import numpy as np
import pytest
from helpers import assert_allclose, check_eager_and_jit
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from vmap_helpers import loop

import jaxlike as jax
import jaxlike.numpy as jnp
from jaxlike import errors
from jaxlike.test_util import check_grads

A = np.arange(12, dtype=np.float32).reshape(3, 4) - 5
values = hnp.arrays(np.float32, (3, 4),
                    elements=st.floats(-4, 4, width=32, allow_subnormal=False))
small_ints = hnp.arrays(np.int32, (3, 4), elements=st.integers(-2, 2))
positions = hnp.arrays(np.int32, (2, 4), elements=st.integers(-3, 2))


def _i32(*arrays):
    return tuple(np.asarray(a, np.int32) for a in arrays)


# ---------------------------------------------------------------------------------------------
# take, take_along_axis, put_along_axis.

# Functions checked eagerly and under jit are defined once, so that hypothesis's examples
# reuse one compilation each.
def _take_rows(a, i):
    return jnp.take(a, i, axis=0)


def _take_wrap(a, i):
    return jnp.take(a, i, axis=1, mode="wrap")


def _take_clip(a, i):
    return jnp.take(a, i, mode="clip")


@given(values, positions)
def test_take(a, idx):
    check_eager_and_jit(_take_rows, (a, idx), np.take(a, idx, 0))
    check_eager_and_jit(_take_wrap, (a, idx), np.take(a, idx, 1, mode="wrap"))
    check_eager_and_jit(_take_clip, (a, idx), np.take(a, np.clip(idx, 0, 11)))


def test_take_fill_mode_defaults():
    x = np.arange(5, dtype=np.float32)
    i = np.array([-1, -9, 7], np.int32)
    assert_allclose(jnp.take(x, i), np.array([4, np.nan, np.nan], np.float32))
    assert_allclose(jnp.take(x, i, fill_value=0), np.array([4, 0, 0], np.float32))
    assert_allclose(jnp.take(np.arange(5), i), np.array([4, -2**31, -2**31], np.int32))
    assert_allclose(jnp.take(A, 2), np.take(A, 2))


def _along(axis):
    return lambda a, i: jnp.take_along_axis(a, i, axis=axis)


_ALONG = {axis: _along(axis) for axis in (0, 1, None)}


@given(values, positions)
def test_take_along_axis(a, idx):
    check_eager_and_jit(_ALONG[0], (a, idx), np.take_along_axis(a, idx, 0))
    col = idx[:1, :3]  # broadcast along axis 0
    check_eager_and_jit(_ALONG[1], (a, col),
                        np.take_along_axis(a, np.broadcast_to(col, (3, 3)), 1))
    flat = idx[0]
    check_eager_and_jit(_ALONG[None], (a, flat), np.take_along_axis(a.ravel(), flat, None))


def test_take_along_axis_with_argsort_like_indices_and_modes():
    a = np.array([[3.0, 1.0, 2.0], [0.5, 2.5, 1.5]], np.float32)
    order = np.argsort(a, axis=1).astype(np.int32)
    assert_allclose(jnp.take_along_axis(a, order, axis=1), np.sort(a, axis=1))
    far = np.array([[5, -1]], np.int32)
    assert_allclose(jnp.take_along_axis(a, far, axis=1),
                    np.array([[np.nan, 2.0], [np.nan, 1.5]], np.float32))
    assert_allclose(jnp.take_along_axis(a, far, axis=1, mode="clip"),
                    np.array([[2.0, 3.0], [1.5, 0.5]], np.float32))


def _put_along(a, i, v):
    return jnp.put_along_axis(a, i, v, 1, inplace=False)


@given(values, st.integers(0, 1000))
def test_put_along_axis(a, seed):
    rng = np.random.default_rng(seed)
    idx = np.stack([rng.permutation(4)[:2] for _ in range(3)]).astype(np.int32)
    vals = rng.standard_normal((3, 2)).astype(np.float32)
    expected = a.copy()
    np.put_along_axis(expected, idx, vals, axis=1)
    check_eager_and_jit(_put_along, (a, idx, vals), expected)


# ---------------------------------------------------------------------------------------------
# nonzero and friends.

_nonzero_sized = jax.jit(lambda a: jnp.nonzero(a, size=5, fill_value=-1))
_argwhere_sized = jax.jit(lambda a: jnp.argwhere(a, size=3))
_where_sized = jax.jit(lambda a: jnp.where(a > 0, size=4, fill_value=(7, 8)))
_flat_sized = jax.jit(lambda a: jnp.flatnonzero(a, size=6))


def _padded(found, size, fill):
    return np.concatenate([found[:size], np.full(max(size - len(found), 0), fill)]).astype(
        np.int32)


@given(small_ints)
def test_nonzero_family(a):
    rows, cols = np.nonzero(a)
    for got, want in zip(jnp.nonzero(a), _i32(rows, cols)):
        assert_allclose(got, want)
    for got, want in zip(_nonzero_sized(a), (_padded(rows, 5, -1), _padded(cols, 5, -1))):
        assert_allclose(got, want)
    for got, want in zip(jnp.nonzero(a, size=5, fill_value=-1),
                         (_padded(rows, 5, -1), _padded(cols, 5, -1))):
        assert_allclose(got, want)
    pos = np.nonzero(a > 0)
    for got, want in zip(_where_sized(a), (_padded(pos[0], 4, 7), _padded(pos[1], 4, 8))):
        assert_allclose(got, want)
    assert_allclose(jnp.argwhere(a), np.argwhere(a).astype(np.int32))
    expected = np.zeros((3, 2), np.int32)
    found = np.argwhere(a)[:3]
    expected[:len(found)] = found
    assert_allclose(_argwhere_sized(a), expected)
    assert_allclose(_flat_sized(a), _padded(np.flatnonzero(a), 6, 0))
    assert_allclose(jnp.flatnonzero(a), np.flatnonzero(a).astype(np.int32))


def test_nonzero_edge_cases():
    assert jnp.argwhere(jnp.array(3)).shape == (1, 0)
    assert jnp.argwhere(jnp.array(0)).shape == (0, 0)
    assert_allclose(jnp.nonzero(np.zeros(4))[0], np.zeros(0, np.int32))
    assert_allclose(jax.jit(lambda a: jnp.nonzero(a, size=2)[0])(np.zeros(0)),
                    np.zeros(2, np.int32))


# ---------------------------------------------------------------------------------------------
# unique.

_unique_sized = jax.jit(lambda a: jnp.unique(a, return_index=True, return_inverse=True,
                                             return_counts=True, size=6))


@given(small_ints)
def test_unique(a):
    values, index, inverse, counts = np.unique(a, return_index=True, return_inverse=True,
                                               return_counts=True)
    assert_allclose(jnp.unique(a), values)
    got = jnp.unique(a, return_index=True, return_inverse=True, return_counts=True)
    for g, w in zip(got, (values, index.astype(np.int32),
                          inverse.reshape(a.shape).astype(np.int32), counts.astype(np.int32))):
        assert_allclose(g, w)
    k = len(values)
    sized = _unique_sized(a)
    assert_allclose(sized[0], np.concatenate([values, np.full(6 - k, values[0])])[:6])
    assert_allclose(sized[1], _padded(index, 6, index[0]))
    assert_allclose(sized[2], inverse.reshape(a.shape).astype(np.int32))
    assert_allclose(sized[3], _padded(counts, 6, 0))


def test_unique_floats_nans_and_axis():
    x = np.array([3.0, np.nan, 1.0, np.nan], np.float32)
    assert_allclose(jnp.unique(x), np.array([1.0, 3.0, np.nan], np.float32))
    assert_allclose(jnp.unique(x, equal_nan=False), np.array([1, 3, np.nan, np.nan],
                                                            np.float32))
    assert_allclose(jax.jit(lambda x: jnp.unique(x, size=4))(x),
                    np.array([1.0, 3.0, np.nan, 1.0], np.float32))
    assert_allclose(jax.jit(lambda x: jnp.unique(x, size=4, fill_value=0))(x),
                    np.array([1.0, 3.0, np.nan, 0.0], np.float32))
    rows = np.array([[3, 1], [3, 1], [0, 2]], np.int32)
    got, counts = jnp.unique(rows, axis=0, return_counts=True)
    assert_allclose(got, np.array([[0, 2], [3, 1]], np.int32))
    assert_allclose(counts, np.array([1, 2], np.int32))


# ---------------------------------------------------------------------------------------------
# select, piecewise.

_PIECES = [lambda v: -v, 10.0, lambda v: v * v]
_SELECTIONS = [
    (lambda x: jnp.select([x > 1, x < -1], [x, -x], 7.0),
     lambda x: np.select([x > 1, x < -1], [x, -x], 7.0).astype(np.float32)),
    (lambda x: jnp.select([x > 2, x > 1], [x, 1.0]),
     lambda x: np.select([x > 2, x > 1], [x, 1.0]).astype(np.float32)),
    (lambda x: jnp.piecewise(x, [x < 0, x > 2], _PIECES),
     lambda x: np.piecewise(x, [x < 0, x > 2], _PIECES)),
    (lambda x: jnp.piecewise(x, [x < 0], [lambda v: v + 1]),
     lambda x: np.piecewise(x, [x < 0], [lambda v: v + 1])),
]


@given(values)
def test_select_and_piecewise(x):
    for fun, reference in _SELECTIONS:
        check_eager_and_jit(fun, (x,), reference(x))


def test_piecewise_keeps_x_dtype_and_differentiates(x64):
    assert_allclose(jnp.piecewise(np.arange(5), [np.arange(5) < 2], [lambda v: v * 2.5]),
                    np.array([0, 2, 0, 0, 0], np.int64))
    x = np.linspace(-2, 2, 7) + 0.1
    check_grads(lambda x: jnp.piecewise(x, [x < 0], [jnp.sin, jnp.cos]), (x,), 2)


# ---------------------------------------------------------------------------------------------
# Diagonals and triangles.

_DIAGONALS = [(jnp.diagonal, np.diagonal), (jnp.diag, np.diag), (jnp.tril, np.tril),
              (jnp.triu, np.triu), (lambda a, k: jnp.diag(a[0], k), lambda a, k: np.diag(a[0], k))]
_DIAGONAL_FNS = {}


@pytest.mark.parametrize("k", [-2, 0, 1, 4])
@given(a=values)
def test_diagonal_diag_tril_triu(k, a):
    for j, (fun, reference) in enumerate(_DIAGONALS):
        if (j, k) not in _DIAGONAL_FNS:
            _DIAGONAL_FNS[j, k] = lambda a, fun=fun: fun(a, k)
        check_eager_and_jit(_DIAGONAL_FNS[j, k], (a,), reference(a, k))


def test_diagonal_axes_and_batches():
    b = np.arange(24, dtype=np.int32).reshape(2, 3, 4)
    for args in [(0, 0, 1), (1, 2, 0), (-1, 1, 2), (5, 0, 2)]:
        assert_allclose(jnp.diagonal(b, *args), np.diagonal(b, *args))
    assert_allclose(jnp.tril(b, -1), np.tril(b, -1))
    assert_allclose(jnp.triu(b, 2), np.triu(b, 2))
    assert_allclose(jnp.diagflat(np.array([[1, 2]], np.int32), 1),
                    np.diagflat(np.array([[1, 2]], np.int32), 1))
    for fn in ("tril_indices", "triu_indices"):
        for got, want in zip(getattr(jnp, fn)(3, 1, 4), getattr(np, fn)(3, 1, 4)):
            assert_allclose(got, want.astype(np.int32))
    for got, want in zip(jnp.tril_indices_from(A, -1), np.tril_indices_from(A, -1)):
        assert_allclose(got, want.astype(np.int32))
    for got, want in zip(jnp.diag_indices_from(np.zeros((3, 3, 3))), np.diag_indices(3, 3)):
        assert_allclose(got, want.astype(np.int32))


def test_diagonal_gradients(x64):
    a = np.random.default_rng(0).standard_normal((3, 4))
    check_grads(lambda a: jnp.diagonal(a, 1) ** 2, (a,), 2)
    check_grads(lambda a: jnp.diag(jnp.tril(a)[0], -1), (a,), 2)


# ---------------------------------------------------------------------------------------------
# roll, meshgrid, indices, ix_, unravel_index.

_roll_traced = jax.jit(lambda a, s: jnp.roll(a, s, axis=1))


_ROLLS = {}


@pytest.mark.parametrize("s, t", [(1, -3), (-9, 4)])
@given(a=values)
def test_roll(s, t, a):
    if (s, t) not in _ROLLS:
        _ROLLS[s, t] = (lambda a: jnp.roll(a, s), lambda a: jnp.roll(a, (s, t), (0, 1)))
    flat, both = _ROLLS[s, t]
    check_eager_and_jit(flat, (a,), np.roll(a, s))
    check_eager_and_jit(both, (a,), np.roll(a, (s, t), (0, 1)))
    assert_allclose(_roll_traced(a, np.int32(s)), np.roll(a, s, 1))


def test_meshgrid_indices_ix_unravel():
    x, y, z = np.arange(3), np.arange(4.0), np.arange(2)
    for kw in ({}, {"indexing": "ij"}, {"sparse": True}, {"sparse": True, "indexing": "ij"}):
        for got, want in zip(jnp.meshgrid(x, y, z, **kw), np.meshgrid(x, y, z, **kw)):
            assert_allclose(got, want.astype(got.dtype))
    assert jnp.meshgrid() == []
    assert_allclose(jnp.indices((2, 3)), np.indices((2, 3)).astype(np.int32))
    for got, want in zip(jnp.indices((2, 3), sparse=True), np.indices((2, 3), sparse=True)):
        assert_allclose(got, want.astype(np.int32))
    assert_allclose(jnp.indices((2, 3), dtype=np.float32), np.indices((2, 3), np.float32))
    assert jnp.indices(()).shape == (0,)
    rows, cols = jnp.ix_(np.array([0, 2]), np.array([True, False, True, True]))
    assert_allclose(jnp.asarray(A)[rows, cols], A[np.ix_([0, 2], [True, False, True, True])])
    for got, want in zip(jnp.unravel_index(np.array([0, 5, 11], np.int32), (3, 4)),
                         np.unravel_index([0, 5, 11], (3, 4))):
        assert_allclose(got, want.astype(np.int32))


def test_vmap_of_take_and_roll():
    xs = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    idx = np.array([[0, 3], [2, 1]], np.int32)

    def f(x, i):
        return jnp.take(x, i, axis=1)
    assert_allclose(jax.vmap(f)(xs, idx), loop(f, xs, idx))
    shifts = np.array([1, -2], np.int32)
    assert_allclose(jax.vmap(lambda x, s: jnp.roll(x, s, 1))(xs, shifts),
                    np.stack([np.roll(x, s, 1) for x, s in zip(xs, shifts)]))


# ---------------------------------------------------------------------------------------------
# Errors.

@pytest.mark.parametrize("call, error, match", [
    (lambda: jnp.take(A, np.array([1.0])), ValueError, "take: indices must have an integer"),
    (lambda: jnp.take(A, np.array([1]), mode="raise"), NotImplementedError, "'raise' mode"),
    (lambda: jnp.take(A, np.array([1]), mode="nearest"), ValueError, "Invalid mode"),
    (lambda: jnp.take(A, np.array([1]), axis=2), ValueError, "axis 2 is out of bounds"),
    (lambda: jnp.take_along_axis(A, np.array([0]), axis=1), ValueError,
     "same number of dimensions; 1 vs. 2"),
    (lambda: jnp.take_along_axis(A, np.zeros((2, 1), np.int32), axis=None), ValueError,
     "must be 1D if axis=None"),
    (lambda: jnp.put_along_axis(A, np.zeros((3, 1), np.int32), 1.0, 1), ValueError,
     "inplace=False"),
    (lambda: jnp.nonzero(np.float32(1)), ValueError, "0d arrays"),
    (lambda: jnp.nonzero(A, size=2, fill_value=(1, 2, 3)), ValueError, "tuple of length 2"),
    (lambda: jnp.select([A > 0], [A, A]), ValueError, "equal to choicelist"),
    (lambda: jnp.select([], []), ValueError, "non-empty"),
    (lambda: jnp.piecewise(A, [A > 0], [1, 2, 3]), ValueError, "either 1 or 2 functions"),
    (lambda: jnp.diag(np.ones((2, 2, 2))), ValueError, "1d or 2d"),
    (lambda: jnp.diagonal(np.ones(3)), ValueError, "at least two dimensions"),
    (lambda: jnp.tril(np.ones(3)), ValueError, "tril must be at least 2D"),
    (lambda: jnp.meshgrid(np.ones((2, 2))), ValueError, "must be 1D"),
    (lambda: jnp.meshgrid(np.ones(2), indexing="yx"), ValueError, "'xy' and 'ij'"),
    (lambda: jnp.unique(A, axis=0, size=3), NotImplementedError, "size= and axis="),
])
def test_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_data_dependent_sizes_under_jit_need_size():
    for fn in (jnp.nonzero, jnp.argwhere, jnp.flatnonzero, jnp.unique, jnp.where):
        with pytest.raises(errors.ConcretizationTypeError, match=r"size=N"):
            jax.jit(fn)(A)
