"""lax.gather and the scatter family against a NumPy model of XLA's semantics (windows,
collapsed and batching dimensions, out-of-bounds modes), eagerly and under jit; their
derivatives (gather and scatter-add transpose each other) against finite differences; vmap
against a Python loop; and the argument errors.

A few fixed dimension-number configurations (and so few shapes) keep compiles few;
hypothesis varies the index values, in and out of bounds.
"""
import functools

import numpy as np
import pytest
from helpers import assert_allclose
from hypothesis import given, settings
from hypothesis import strategies as st
from vmap_helpers import loop

import jaxlike as jax
from jaxlike import lax
from jaxlike.core import check_jaxpr
from jaxlike.test_util import check_grads

GDN = lax.GatherDimensionNumbers
SDN = lax.ScatterDimensionNumbers
MODES = lax.GatherScatterMode


class Config:
    """A gather of `operand_shape` with indices of `indices_shape`; the scatter with the
    same dimension numbers writes updates of the gather's output shape."""

    def __init__(self, name, operand_shape, indices_shape, dnums, slice_sizes):
        self.name, self.operand_shape, self.indices_shape = name, operand_shape, indices_shape
        self.dnums, self.slice_sizes = dnums, slice_sizes
        self.sdnums = SDN(dnums.offset_dims, dnums.collapsed_slice_dims, dnums.start_index_map,
                          dnums.operand_batching_dims, dnums.start_indices_batching_dims)

    def __repr__(self):
        return self.name

    def out_shape(self):
        return np_gather(np.zeros(self.operand_shape), np.zeros(self.indices_shape, int),
                         self.dnums, self.slice_sizes, "clip", 0).shape

    def indices(self, rng, margin=2):
        """Returns random int32 indices, up to `margin` out of bounds on either side (0:
        every window in bounds)."""
        highs = [self.operand_shape[d] - self.slice_sizes[d] for d in self.dnums.start_index_map]
        return np.stack([rng.integers(-margin, h + margin + 1, self.indices_shape[:-1])
                         for h in highs], -1).astype(np.int32)


CONFIGS = [
    Config("take", (5,), (3, 1), GDN((), (0,), (0,)), (1,)),
    Config("rows", (4, 3), (2, 1), GDN((1,), (0,), (0,)), (1, 3)),
    Config("columns", (4, 3), (2, 1), GDN((0,), (1,), (1,)), (4, 1)),
    Config("windows", (4, 5), (3, 2), GDN((1, 2), (), (0, 1)), (2, 3)),
    Config("batched", (3, 5), (3, 2, 1), GDN((), (1,), (1,), (0,), (0,)), (1, 1)),
]


# ---------------------------------------------------------------------------------------------
# NumPy models of XLA's gather and scatter (small shapes: a loop over every element).

def _window_dims(ndim, dropped, batching):
    return [d for d in range(ndim) if d not in dropped and d not in batching]


def _starts(operand_shape, indices, batch_idx, index_map, op_batch, idx_batch):
    start = [0] * len(operand_shape)
    for k, d in enumerate(index_map):
        start[d] = int(indices[batch_idx + (k,)])
    for o, i in zip(op_batch, idx_batch):
        start[o] = batch_idx[i]
    return start


def np_gather(operand, indices, dn, slice_sizes, mode, fill_value):
    """XLA's gather in numpy: mode 'clip' (also what XLA does for promise_in_bounds) or
    'fill'."""
    batch_shape = indices.shape[:-1]
    window = _window_dims(operand.ndim, dn.collapsed_slice_dims, dn.operand_batching_dims)
    rank = len(batch_shape) + len(dn.offset_dims)
    sizes, batches = iter([slice_sizes[d] for d in window]), iter(batch_shape)
    out_shape = tuple(next(sizes) if i in dn.offset_dims else next(batches)
                      for i in range(rank))
    out = np.zeros(out_shape, operand.dtype)
    for pos in np.ndindex(out_shape):
        batch_idx = tuple(p for i, p in enumerate(pos) if i not in dn.offset_dims)
        offsets = [p for i, p in enumerate(pos) if i in dn.offset_dims]
        start = _starts(operand.shape, indices, batch_idx, dn.start_index_map,
                        dn.operand_batching_dims, dn.start_indices_batching_dims)
        limits = [n - s for n, s in zip(operand.shape, slice_sizes)]
        inside = all(0 <= start[d] <= limits[d] for d in dn.start_index_map)
        full = [min(max(s, 0), lim) for s, lim in zip(start, limits)]
        for d, o in zip(window, offsets):
            full[d] += o
        out[pos] = operand[tuple(full)] if inside or mode == "clip" else fill_value
    return out


def np_scatter(operand, indices, updates, dn, combine, mode):
    """XLA's scatter in numpy: `combine(old, new)`; mode 'clip' clamps windows into
    bounds, anything else drops windows that do not fit."""
    out = operand.copy()
    window = _window_dims(operand.ndim, dn.inserted_window_dims, dn.operand_batching_dims)
    sizes = [1] * operand.ndim
    for d, u in zip(window, dn.update_window_dims):
        sizes[d] = updates.shape[u]
    for pos in np.ndindex(updates.shape):
        scatter_idx = tuple(p for i, p in enumerate(pos) if i not in dn.update_window_dims)
        offsets = [p for i, p in enumerate(pos) if i in dn.update_window_dims]
        start = _starts(operand.shape, indices, scatter_idx, dn.scatter_dims_to_operand_dims,
                        dn.operand_batching_dims, dn.scatter_indices_batching_dims)
        limits = [n - s for n, s in zip(operand.shape, sizes)]
        if mode == "clip":
            start = [min(max(s, 0), lim) for s, lim in zip(start, limits)]
        elif not all(0 <= start[d] <= limits[d] for d in dn.scatter_dims_to_operand_dims):
            continue
        for d, o in zip(window, offsets):
            start[d] += o
        out[tuple(start)] = combine(out[tuple(start)], updates[pos])
    return out


def _rng(seed):
    return np.random.default_rng(seed)


def _float(rng, shape, dtype=np.float32):
    return rng.standard_normal(shape).astype(dtype)


# ---------------------------------------------------------------------------------------------
# Values against the models.

@functools.lru_cache(maxsize=None)
def _gather_fn(config, mode, fill=None):
    # One function (and so one jit cache entry) per case, shared by hypothesis's examples.
    return lambda x, i: lax.gather(x, i, config.dnums, config.slice_sizes, mode=mode,
                                   fill_value=fill)


@pytest.mark.parametrize("config", CONFIGS, ids=repr)
@given(seed=st.integers(0, 2**32 - 1))
def test_gather_against_numpy(config, seed):
    rng = _rng(seed)
    x, idx = _float(rng, config.operand_shape), config.indices(rng)
    for mode, np_mode in (("clip", "clip"), ("promise_in_bounds", "clip"), ("fill", "fill")):
        fill = None if mode != "fill" else -7.0
        expected = np_gather(x, idx, config.dnums, config.slice_sizes, np_mode, fill)
        f = _gather_fn(config, mode, fill)
        assert_allclose(f(x, idx), expected, err_msg=mode)
        assert_allclose(jax.jit(f)(x, idx), expected, err_msg=f"jit {mode}")


_SCATTERS = [
    (lax.scatter_add, np.add, "drop"), (lax.scatter_sub, np.subtract, "clip"),
    (lax.scatter_mul, np.multiply, None), (lax.scatter_min, np.minimum, "drop"),
    (lax.scatter_max, np.maximum, "clip"),
]


@functools.lru_cache(maxsize=None)
def _scatter_fn(config, op, mode):
    return jax.jit(lambda x, i, u: op(x, i, u, config.sdnums, mode=mode))


@pytest.mark.parametrize("config", CONFIGS, ids=repr)
@given(seed=st.integers(0, 2**32 - 1))
@settings(max_examples=8)
def test_scatter_family_against_numpy(config, seed):
    # Duplicate indices accumulate; out-of-bounds windows are dropped or clamped. Eagerly
    # for one op per configuration, under jit for all.
    rng = _rng(seed)
    x, idx = _float(rng, config.operand_shape), config.indices(rng)
    updates = _float(rng, config.out_shape())
    for k, (op, np_op, mode) in enumerate(_SCATTERS):
        expected = np_scatter(x, idx, updates, config.sdnums, np_op,
                              "clip" if mode == "clip" else "drop")
        got = _scatter_fn(config, op, mode)(x, idx, updates)
        assert_allclose(got, expected, rtol=1e-5, err_msg=f"jit {op.__name__}")
        if k == CONFIGS.index(config):
            assert_allclose(op(x, idx, updates, config.sdnums, mode=mode), expected,
                            rtol=1e-5, err_msg=op.__name__)


@given(seed=st.integers(0, 2**32 - 1))
def test_scatter_with_unique_indices_and_integers(seed):
    rng = _rng(seed)
    config = CONFIGS[1]  # rows
    x = rng.integers(-50, 50, config.operand_shape).astype(np.int32)
    idx = rng.permutation(6)[:2].reshape(2, 1).astype(np.int32) - 1  # unique, maybe -1 or 4
    updates = rng.integers(-50, 50, config.out_shape()).astype(np.int32)
    expected = np_scatter(x, idx, updates, config.sdnums, lambda old, new: new, "drop")
    got = lax.scatter(x, idx, updates, config.sdnums, unique_indices=True)
    assert_allclose(got, expected)
    assert_allclose(jax.jit(lambda *a: lax.scatter(*a, config.sdnums))(x, idx, updates),
                    expected)


def test_scatter_apply_and_default_fill_values():
    x = np.arange(5, dtype=np.float32)
    dn = SDN((), (0,), (0,))
    idx = np.array([[1], [1], [3]], np.int32)
    assert_allclose(lax.scatter_apply(x, idx, lambda v: v * 2, dn, update_shape=(3,)),
                    np.array([0, 4, 2, 6, 4], np.float32))
    take = GDN((), (0,), (0,))
    far = np.array([[9]], np.int32)
    for dtype, fill in ((np.float32, np.nan), (np.int32, np.iinfo(np.int32).min),
                        (np.uint8, 255), (np.bool_, True)):
        out = lax.gather(np.ones(3, dtype), far, take, (1,), mode="fill")
        assert_allclose(out, np.array([fill], dtype))


def test_index_take():
    x = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    i, j = np.array([0, 1, 1], np.int32), np.array([2, 0, 3], np.int32)
    assert_allclose(lax.index_take(x, (i, j), (0, 2)), x[i, :, j])


# ---------------------------------------------------------------------------------------------
# Derivatives (float64, so that finite differences are reliable).

def _grad_args(config, rng):
    x = _float(rng, config.operand_shape, np.float64)
    return x, config.indices(rng, margin=0)


@pytest.mark.parametrize("config, mode", [(CONFIGS[1], "fill"), (CONFIGS[3], "clip"),
                                          (CONFIGS[4], "promise_in_bounds")], ids=repr)
def test_gather_and_scatter_add_derivatives(x64, config, mode):
    rng = _rng(0)
    x, idx = _grad_args(config, rng)
    updates = _float(rng, config.out_shape(), np.float64)
    check_grads(lambda x: lax.gather(x, idx, config.dnums, config.slice_sizes, mode=mode,
                                     fill_value=0.5) ** 2, (x,), 2)
    check_grads(lambda x, u: lax.scatter_add(x, idx, u * u, config.sdnums, mode=mode),
                (x, updates), 2, modes=("rev",))
    check_grads(lambda x, u: lax.scatter_sub(x, idx, jax.numpy.sin(u), config.sdnums),
                (x, updates), 1)


def test_gather_transpose_is_scatter_add():
    config = CONFIGS[3]
    idx = config.indices(_rng(1), margin=0)
    x = np.zeros(config.operand_shape, np.float32)
    ct = _float(_rng(2), config.out_shape())
    _, pullback = jax.vjp(lambda x: lax.gather(x, idx, config.dnums, config.slice_sizes), x)
    expected = np_scatter(x, idx, ct, config.sdnums, np.add, "clip")
    assert_allclose(pullback(ct)[0], expected, rtol=1e-6)
    program = jax.make_jaxpr(pullback)(ct)
    check_jaxpr(program.jaxpr)
    assert [e.primitive.name for e in program.eqns][-1] == "scatter-add"


def test_scatter_derivatives(x64):
    config = CONFIGS[1]  # rows of a (4, 3) operand, two of them
    rng = _rng(3)
    x = _float(rng, config.operand_shape, np.float64)
    updates = _float(rng, config.out_shape(), np.float64)
    unique = np.array([[2], [0]], np.int32)
    repeated = np.array([[1], [1]], np.int32)
    for idx, flag in ((unique, True), (repeated, False)):
        check_grads(lambda x, u: lax.scatter(x, idx, u ** 3, config.sdnums,
                                             unique_indices=flag), (x, updates), 2)
    check_grads(lambda x, u: lax.scatter_mul(x, unique, u, config.sdnums,
                                             unique_indices=True), (x, updates), 2)
    for op in (lax.scatter_min, lax.scatter_max):
        check_grads(lambda x, u: op(x, repeated, u, config.sdnums), (x, updates), 1,
                    modes=("rev",))


def test_scatter_mul_gradient_needs_unique_indices():
    config = CONFIGS[1]
    x, u = np.ones(config.operand_shape, np.float32), np.ones(config.out_shape(), np.float32)
    idx = np.array([[1], [1]], np.int32)
    with pytest.raises(NotImplementedError, match="unique_indices=True"):
        jax.grad(lambda u: lax.scatter_mul(x, idx, u, config.sdnums).sum())(u)


def test_scatter_max_tangent_averages_ties():
    x = np.array([1.0, 5.0], np.float32)
    u = np.array([5.0, 5.0], np.float32)
    idx = np.array([[1], [1]], np.int32)
    dn = SDN((), (0,), (0,))
    _, t = jax.jvp(lambda x, u: lax.scatter_max(x, idx, u, dn), (x, u),
                   (np.array([1.0, 3.0], np.float32), np.array([6.0, 9.0], np.float32)))
    assert_allclose(t, np.array([1.0, (3.0 + 6.0 + 9.0) / 3], np.float32))


# ---------------------------------------------------------------------------------------------
# vmap.

@pytest.mark.parametrize("config", CONFIGS[1:], ids=repr)
@pytest.mark.parametrize("in_axes, out_axes", [((0, None), 0), ((None, 0), -1),
                                               ((1, 0), 1), ((-1, 2), 0)])
def test_gather_vmap(config, in_axes, out_axes):
    rng = _rng(4)
    x = np.moveaxis(_float(rng, (3,) + config.operand_shape), 0,
                    in_axes[0] if in_axes[0] is not None else 0)
    idx = np.moveaxis(np.stack([config.indices(rng) for _ in range(3)]), 0,
                      in_axes[1] if in_axes[1] is not None else 0)
    args = [x if in_axes[0] is not None else np.take(x, 0, 0),
            idx if in_axes[1] is not None else np.take(idx, 0, 0)]
    f = _gather_fn(config, "fill", 0.0)
    expected = loop(f, *args, in_axes=in_axes, out_axes=out_axes)
    batched = jax.vmap(f, in_axes=in_axes, out_axes=out_axes)
    assert_allclose(batched(*args), expected)
    assert_allclose(jax.jit(batched)(*args), expected)
    assert len(jax.make_jaxpr(batched)(*args).eqns) <= 4


@pytest.mark.parametrize("in_axes", [(0, None, None), (None, 0, None), (None, None, 0),
                                     (0, 0, 0), (1, None, 0), (None, 2, -1)])
def test_scatter_vmap(in_axes):
    config = CONFIGS[4]  # with batching dims already
    rng = _rng(5)
    shapes = [config.operand_shape, config.indices_shape, config.out_shape()]
    args = []
    for shape, ax in zip(shapes, in_axes):
        value = (config.indices(rng, margin=0) if shape == config.indices_shape
                 else _float(rng, shape))
        if ax is not None:
            value = np.stack([value + k for k in range(3)], ax)
        args.append(value)

    def f(x, i, u):
        return lax.scatter_add(x, i, u, config.sdnums, mode="clip")
    expected = loop(f, *args, in_axes=in_axes)
    batched = jax.vmap(f, in_axes=in_axes)
    assert_allclose(batched(*args), expected, rtol=1e-5)
    assert len(jax.make_jaxpr(batched)(*args).eqns) <= 5


def test_nested_vmap_and_vmap_of_grad():
    config = CONFIGS[1]
    rng = _rng(6)
    xs = _float(rng, (2, 3) + config.operand_shape)
    idx = config.indices(rng, margin=0)
    f = _gather_fn(config, "fill", 0.0)
    nested = jax.vmap(jax.vmap(lambda x: f(x, idx)))
    assert_allclose(nested(xs), np.stack([np.stack([f(x, idx) for x in row]) for row in xs]))
    g = jax.grad(lambda x, i: (f(x, i) ** 2).sum())
    idxs = np.stack([config.indices(rng, margin=0) for _ in range(2)])
    assert_allclose(jax.vmap(g)(xs[0, :2], idxs), loop(g, xs[0, :2], idxs), rtol=1e-6)


# ---------------------------------------------------------------------------------------------
# Printing and errors.

def test_jaxpr_prints_params_as_jax():
    config = CONFIGS[0]
    text = str(jax.make_jaxpr(lambda x, i: lax.scatter_add(
        x, i, lax.gather(x, i, config.dnums, (1,)), config.sdnums))(
            np.zeros(5, np.float32), np.zeros((3, 1), np.int32)))
    assert ("gather[dimension_numbers=GatherDimensionNumbers(offset_dims=(), "
            "collapsed_slice_dims=(0,), start_index_map=(0,), operand_batching_dims=(), "
            "start_indices_batching_dims=()) fill_value=None indices_are_sorted=False "
            "mode=GatherScatterMode.PROMISE_IN_BOUNDS slice_sizes=(1,) "
            "unique_indices=False]") in text
    assert "scatter-add[" in text and "mode=GatherScatterMode.FILL_OR_DROP" in text
    assert "update_consts=()" in text and "add" in text.split("update_jaxpr=")[1]


_X, _I = np.zeros((4, 3), np.float32), np.zeros((2, 1), np.int32)


@pytest.mark.parametrize("call, error, match", [
    (lambda: lax.gather(_X, _I.astype(np.float32), GDN((1,), (0,), (0,)), (1, 3)), TypeError,
     "gather: indices must have an integer dtype, got float32"),
    (lambda: lax.gather(_X, _I, GDN((1,), (0,), (0,)), (1, 5)), TypeError,
     r"slice_sizes \(1, 5\) must be nonnegative and at most operand shape \(4, 3\)"),
    (lambda: lax.gather(_X, _I, GDN((1,), (0,), (0, 1)), (1, 3)), TypeError,
     "start_index_map"),
    (lambda: lax.gather(_X, _I, GDN((1, 2), (0,), (0,)), (1, 3)), TypeError,
     "offset_dims .* one entry per operand dimension not collapsed"),
    (lambda: lax.gather(_X, _I, GDN((1,), (0,), (0,)), (1, 3), mode="nearest"), ValueError,
     'Unknown gather mode "nearest"'),
    (lambda: lax.gather(_X, _I, GDN((1,), (0,), (0,)), (1, 3), mode="one_hot"),
     NotImplementedError, "ONE_HOT"),
    (lambda: lax.scatter_add(_X, _I, np.zeros((2, 3), np.int32), SDN((1,), (0,), (0,))),
     TypeError, "scatter_add: operand and updates must have the same dtype, got float32 and "
                "int32"),
    (lambda: lax.scatter(_X, _I, np.zeros((3, 3), np.float32), SDN((1,), (0,), (0,))),
     TypeError, r"updates shape \(3, 3\) must equal the batch dimensions of indices"),
    (lambda: lax.scatter(_X, _I, np.zeros((2, 3), np.float32), SDN((1,), (), (0,))),
     TypeError, "exactly once"),
    (lambda: lax.gather(_X, _I, "dnums", (1, 3)), TypeError, "GatherDimensionNumbers"),
])
def test_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()
