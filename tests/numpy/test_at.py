"""x.at[idx].set/add/subtract/multiply/divide/power/min/max/apply/get against numpy's
unbuffered in-place operations (np.add.at and friends, so repeated indices accumulate), on
random index patterns, eagerly and under jit; JAX's out-of-bounds rules (updates drop
positions that do not fit; mode='clip' clamps them); dtypes and weak types; gradients and
vmap; and the errors."""
import warnings

import numpy as np
import pytest
from helpers import assert_allclose
from hypothesis import given, settings
from hypothesis import strategies as st
from vmap_helpers import loop

import jaxlike as jax
import jaxlike.numpy as jnp
from jaxlike.test_util import check_grads

SHAPE = (4, 5)
X = np.arange(1, 21, dtype=np.float32).reshape(SHAPE) / 4

# Index patterns: (numpy index with in-bounds positions, repeated ones allowed).
_positions = st.lists(st.integers(-4, 3), min_size=3, max_size=3).map(np.array)
INDICES = st.one_of(
    _positions.map(lambda i: (i,)),                                   # rows, maybe repeated
    st.tuples(_positions, st.integers(-5, 4)),                        # array + int
    _positions.map(lambda i: (slice(None), i + 4 - (i >= 0) * 4)),    # columns
    st.tuples(st.integers(0, 3), st.just(slice(1, None, 2))),         # int + strided slice
    _positions.map(lambda i: (i[:, None], np.array([0, 4]))),         # broadcast 2-D block
)

_NP_AT = {"add": np.add.at, "subtract": np.subtract.at, "multiply": np.multiply.at,
          "min": np.minimum.at, "max": np.maximum.at}


def _expected(op, idx, y):
    out = X.copy()
    if op == "divide":
        factor = np.ones_like(X)
        np.multiply.at(factor, idx, y)
        return X / factor
    if op == "power":
        exponent = np.ones_like(X)
        np.multiply.at(exponent, idx, y)
        return X ** exponent
    _NP_AT[op](out, idx, y)
    return out


def _values(idx, seed):
    shape = X[idx].shape
    return np.random.default_rng(seed).uniform(0.5, 1.5, shape).astype(np.float32)


_JITTED = {}


def _at(op, idx):
    """Returns a jitted x.at[idx].<op>(y) for this index pattern's structure (the index
    arrays are traced arguments), one per structure so hypothesis's examples reuse it."""
    structure = tuple("a" if isinstance(e, np.ndarray) else e for e in idx)
    key = (op, repr(structure))
    if key not in _JITTED:
        def update(x, y, *arrays):
            it = iter(arrays)
            full = tuple(next(it) if isinstance(s, str) else s for s in structure)
            return getattr(x.at[full], op)(y)
        _JITTED[key] = jax.jit(update)
    return lambda x, y: _JITTED[key](x, y, *[e for e in idx if isinstance(e, np.ndarray)])


@pytest.mark.parametrize("op", ["add", "subtract", "multiply", "divide", "power", "min",
                                "max"])
@given(idx=INDICES, seed=st.integers(0, 1000))
@settings(max_examples=8)
def test_update_against_numpy(op, idx, seed):
    y = _values(idx, seed)
    expected = _expected(op, idx, y)
    assert_allclose(getattr(jnp.asarray(X).at[idx], op)(y), expected, rtol=1e-5)
    assert_allclose(_at(op, idx)(X, y), expected, rtol=1e-5)


@given(idx=INDICES, seed=st.integers(0, 1000))
def test_set_and_get_against_numpy(idx, seed):
    # With repeated positions, numpy's last assignment wins, and so does XLA on CPU; only
    # positions written once are compared for `set`.
    y = _values(idx, seed)
    counts = np.zeros(SHAPE)
    np.add.at(counts, idx, 1)
    expected = X.copy()
    expected[idx] = y
    for got in (jnp.asarray(X).at[idx].set(y), _at("set", idx)(X, y)):
        assert_allclose(np.where(counts <= 1, got, 0), np.where(counts <= 1, expected, 0))
    assert_allclose(jnp.asarray(X).at[idx].get(), X[idx])
    assert_allclose(jnp.asarray(X).at[idx].get(mode="clip"), X[idx])


def test_scalars_broadcast_and_apply():
    x = jnp.asarray(X)
    assert_allclose(x.at[1:3].set(0.0), _set(X, (slice(1, 3),), 0.0))
    assert_allclose(x.at[:, None, 2].add(np.ones((4, 1), np.float32)),
                    _set(X, (slice(None), 2), X[:, 2] + 1))
    assert_allclose(x.at[np.array([0, 0, 3]), 1].apply(jnp.exp),
                    _set(_set(X, (0, 1), np.exp(np.exp(X[0, 1]))), (3, 1), np.exp(X[3, 1])),
                    rtol=1e-5)
    assert_allclose(x.at[...].multiply(2.0), X * 2)
    assert_allclose(x.at[X > 3].set(-1.0), np.where(X > 3, -1, X).astype(np.float32))


def _set(a, idx, value):
    out = a.copy()
    out[idx] = value
    return out


def test_out_of_bounds_updates_are_dropped_or_clipped():
    x = jnp.arange(5.0)
    assert_allclose(x.at[7].set(9.0), np.arange(5.0, dtype=np.float32))
    assert_allclose(x.at[-7].set(9.0), np.arange(5.0, dtype=np.float32))  # -2: still out
    assert_allclose(x.at[np.array([1, 9])].add(1.0), np.array([0, 2, 2, 3, 4], np.float32))
    assert_allclose(x.at[np.array([1, 9])].add(1.0, mode="clip"),
                    np.array([0, 2, 2, 3, 5], np.float32))
    assert_allclose(x.at[np.array([1, 9])].get(mode="fill", fill_value=-1.0),
                    np.array([1, -1], np.float32))
    assert_allclose(x.at[7].get(), np.float32(4))  # reads clamp (promise_in_bounds)
    assert_allclose(x.at[-1].set(0.0, wrap_negative_indices=False), x)


def test_dtypes_and_weak_types():
    # As in JAX: x and y are promoted for the scatter and the result converted back, with a
    # warning when y's dtype does not cast safely to x's.
    ints = jnp.arange(3)
    with pytest.warns(FutureWarning, match="cannot safely cast value from dtype=float32 to "
                                           "dtype=int32"):
        assert_allclose(ints.at[1].add(2.5), np.array([0, 3, 2], np.int32))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert_allclose(ints.at[1].set(7), np.array([0, 7, 2], np.int32))
        assert jnp.full(3, 1.0).at[0].set(2.0).weak_type
        assert not jnp.zeros(3).at[0].set(2.0).weak_type
    assert_allclose(jnp.arange(3).at[1].divide(2), np.array([0, 0.5, 2], np.float32))
    assert_allclose(jnp.zeros(3, np.uint8).at[0].add(300), np.array([44, 0, 0], np.uint8))


def test_jaxpr_of_scalar_update_promises_unique_sorted():
    text = str(jax.make_jaxpr(lambda x, i: x.at[i].set(3.0))(np.zeros(5, np.float32), 2))
    assert "scatter[" in text and "unique_indices=True" in text
    assert "indices_are_sorted=True" in text and "mode=GatherScatterMode.FILL_OR_DROP" in text


# ---------------------------------------------------------------------------------------------
# Transformations.

def test_gradients_of_updates(x64):
    rng = np.random.default_rng(0)
    x = rng.uniform(0.5, 1.5, SHAPE)
    y = rng.uniform(0.5, 1.5, (3, 5))
    rows, unique = np.array([0, 2, 0]), np.array([3, 0, 1])
    check_grads(lambda x, y: jnp.asarray(x).at[rows].add(y ** 2), (x, y), 2)
    check_grads(lambda x, y: jnp.asarray(x).at[unique].set(jnp.sin(y)), (x, y), 1)
    check_grads(lambda x, y: jnp.asarray(x).at[rows].set(y * x[1]), (x, y), 2,
                modes=("rev",))
    check_grads(lambda x, y: jnp.asarray(x).at[unique].multiply(y, unique_indices=True),
                (x, y), 1)
    check_grads(lambda x, y: jnp.asarray(x).at[rows].max(y), (x, y), 1, modes=("rev",))
    check_grads(lambda x, y: jnp.asarray(x).at[unique, 1:].divide(y[:, 1:],
                                                                   unique_indices=True),
                (x, y), 1)


def test_set_gradient_goes_to_the_winning_update():
    # Repeated positions: the tangent follows whichever update XLA kept (the last on CPU).
    g = jax.grad(lambda y: jnp.zeros(3).at[np.array([1, 1])].set(y).sum())(
        np.array([2.0, 5.0], np.float32))
    kept = jnp.zeros(3).at[np.array([1, 1])].set(np.array([2.0, 5.0], np.float32))[1]
    assert_allclose(g, np.array([1.0, 0.0] if kept == 2 else [0.0, 1.0], np.float32))


@pytest.mark.parametrize("in_axes", [(0, 0, 0), (None, 0, None), (0, None, 0),
                                     (1, 0, None)])
def test_vmap_of_updates(in_axes):
    rng = np.random.default_rng(2)
    xs = rng.standard_normal((3,) + SHAPE).astype(np.float32)
    idx = rng.integers(-4, 4, (3, 2)).astype(np.int32)
    ys = rng.standard_normal((3, 2)).astype(np.float32)
    args = [np.moveaxis(xs, 0, in_axes[0]) if in_axes[0] is not None else xs[0],
            idx if in_axes[1] is not None else idx[0],
            ys if in_axes[2] is not None else ys[0]]

    def f(x, i, y):
        return jnp.asarray(x).at[i, 2].add(y)
    batched = jax.vmap(f, in_axes=in_axes)
    assert_allclose(batched(*args), loop(f, *args, in_axes=in_axes), rtol=1e-6)
    assert len(jax.make_jaxpr(batched)(*args).eqns) <= 12


# ---------------------------------------------------------------------------------------------
# Errors.

def test_errors():
    x = jnp.asarray(X)
    with pytest.raises(ValueError, match=r"set\(y\): y of shape \(3,\) cannot be broadcast "
                                         r"to the shape of x\[idx\], \(2, 5\)"):
        x.at[:2].set(np.ones(3, np.float32))
    with pytest.raises(IndexError, match="boolean indices must be concrete"):
        jax.jit(lambda x: x.at[x > 1].set(0.0))(X)
    with pytest.raises(IndexError, match="Too many indices"):
        x.at[0, 0, 0].add(1.0)
    with pytest.raises(NotImplementedError, match="out_sharding"):
        x.at[0].set(1.0, out_sharding="x")
    with pytest.raises(TypeError, match="unexpected keyword"):
        x.at[0].add(1.0, bogus=True)
    assert repr(jnp.arange(2).at[1]) == "_IndexUpdateRef(Array([0, 1], dtype=int32), 1)"
