"""lax.reduce_window (pooling): the sum, max and min primitives and the generic one over a
traced computation, against a NumPy reference eagerly and under jit in float32 and float64
(strides, 'SAME'/'VALID'/explicit and negative padding, base and window dilation), the
choice of primitive, pytree operands, derivatives to order 2 against finite differences,
vmap against a Python loop, and the errors.

Operands are (3, 8) throughout (a few compiles per configuration); hypothesis varies the
values only."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.lib.stride_tricks import sliding_window_view

import jaxlike as jax
import jaxlike.numpy as jnp
from jaxlike import lax
from jaxlike.test_util import check_grads

from helpers import assert_allclose, check_eager_and_jit
from test_convolution import np_dilate, np_pad
from vmap_helpers import loop

seeds = st.integers(0, 2**32 - 1)
SHAPE = (3, 8)

# name: (lax computation, its identity, numpy reduction)
OPS = {"max": (lax.max, -np.inf, np.max), "min": (lax.min, np.inf, np.min),
       "sum": (lax.add, 0.0, np.sum), "mul": (lax.mul, 1.0, np.prod)}

# name: (op, window_dimensions, window_strides, padding, base_dilation, window_dilation)
CONFIGS = {
    "max_same": ("max", (2, 3), (1, 2), "SAME", None, None),
    "min_valid": ("min", (1, 3), (1, 1), "VALID", None, None),
    "sum_padded": ("sum", (2, 3), (2, 2), ((1, 0), (2, 1)), None, None),
    "sum_dilated": ("sum", (2, 3), (1, 2), "SAME_LOWER", (2, 1), (1, 2)),
    "max_dilated": ("max", (2, 3), (1, 2), ((0, 1), (1, 1)), (1, 2), (2, 1)),
    "sum_negative_padding": ("sum", (3, 3), (1, 1), ((-1, 2), (1, -1)), None, None),
    "mul_generic": ("mul", (2, 2), (1, 2), "VALID", None, None),
}


def np_same_pads(shape, window, strides, lower):
    """Returns 'SAME' (or 'SAME_LOWER') padding: ceil(n / stride) outputs per axis."""
    pads = []
    for n, w, s in zip(shape, window, strides):
        total = max((-(-n // s) - 1) * s + w - n, 0)
        pads.append((total - total // 2, total // 2) if lower else (total // 2, total - total // 2))
    return pads


def np_reduce_window(x, op, window, strides, padding, base_dilation=None,
                     window_dilation=None):
    """Returns the windowed reduction computed with numpy windows."""
    _, init, reduce = OPS[op]
    axes = tuple(range(x.ndim))
    base_dilation = base_dilation or (1,) * x.ndim
    window_dilation = window_dilation or (1,) * x.ndim
    x = np_dilate(x, axes, base_dilation, fill=init)
    extents = [(w - 1) * d + 1 for w, d in zip(window, window_dilation)]
    if isinstance(padding, str):
        padding = ([(0, 0)] * x.ndim if padding == "VALID" else
                   np_same_pads(x.shape, extents, strides, padding == "SAME_LOWER"))
    x = np_pad(x, axes, padding, fill=init)
    windows = sliding_window_view(x, extents)
    windows = windows[tuple(slice(None, None, s) for s in strides) +
                      tuple(slice(None, None, d) for d in window_dilation)]
    return reduce(windows, axis=tuple(range(x.ndim, 2 * x.ndim)))


def pooling(name):
    """Returns (x -> lax.reduce_window(x, ...) for configuration `name`, numpy reference)."""
    op, window, strides, padding, base, dilation = CONFIGS[name]
    computation, init, _ = OPS[op]

    def f(x):
        return lax.reduce_window(x, init, computation, window, strides, padding, base, dilation)

    return f, lambda x: np_reduce_window(x, op, window, strides, padding, base, dilation)


# ---------------------------------------------------------------------------------------------
# Values.

@pytest.mark.parametrize("name", CONFIGS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@settings(max_examples=4)
@given(seed=seeds)
def test_matches_numpy(name, dtype, seed, request):
    if dtype == np.float64:
        request.getfixturevalue("x64")
    f, reference = pooling(name)
    x = np.random.default_rng(seed).standard_normal(SHAPE).astype(dtype)
    check_eager_and_jit(f, (x,), reference(x.astype(np.float64)).astype(dtype),
                        rtol=1e-5 if dtype == np.float32 else None)


def test_integer_max_pool():
    x = np.random.default_rng(0).integers(-50, 50, SHAPE).astype(np.int32)
    out = lax.reduce_window(x, np.iinfo(np.int32).min, lax.max, (2, 3), (1, 2), "SAME")
    expected = np_reduce_window(x.astype(np.float64), "max", (2, 3), (1, 2), "SAME")
    assert_allclose(out, expected.astype(np.int32))


def test_the_primitive_follows_the_computation_and_init():
    x = np.ones(SHAPE, np.float32)

    def primitive(init, computation):
        jaxpr = jax.make_jaxpr(lambda x: lax.reduce_window(x, init, computation, (2, 2),
                                                           (1, 1), "VALID"))(x)
        return jaxpr.eqns[0].primitive.name

    assert primitive(0.0, lax.add) == "reduce_window_sum"
    assert primitive(-np.inf, lax.max) == "reduce_window_max"
    assert primitive(-jnp.inf, lax.max) == "reduce_window_max"
    assert primitive(np.inf, lax.min) == "reduce_window_min"
    assert primitive(1.0, lax.add) == "reduce_window"  # not the identity: init counts
    assert primitive(0.0, lax.max) == "reduce_window"
    text = str(jax.make_jaxpr(lambda x: lax.reduce_window(x, -np.inf, lax.max, (2, 2), (1, 2),
                                                          "SAME"))(x))
    assert ("reduce_window_max[base_dilation=(1, 1) padding=((0, 1), (0, 0)) window_dilation="
            "(1, 1) window_dimensions=(2, 2) window_strides=(1, 2)]") in text
    # A non-identity init enters each window once (padding adds nothing more), as in JAX.
    out = lax.reduce_window(x, 1.0, lax.add, (1, 2), (1, 1), ((0, 0), (1, 0)))
    assert_allclose(out[0], np.array([2.0] + [3.0] * 7, np.float32))


def test_pytree_operands():
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal(SHAPE).astype(np.float32), rng.standard_normal(SHAPE).astype(
        np.float32)

    def f(x, y):
        return lax.reduce_window({"s": x, "p": y}, {"s": 0.0, "p": 1.0},
                                 lambda a, b: {"s": a["s"] + b["s"], "p": a["p"] * b["p"]},
                                 (2, 2), (1, 2), "VALID")

    for out in (f(x, y), jax.jit(f)(x, y)):
        assert_allclose(out["s"], np_reduce_window(x, "sum", (2, 2), (1, 2), "VALID"), rtol=1e-5)
        assert_allclose(out["p"], np_reduce_window(y, "mul", (2, 2), (1, 2), "VALID"), rtol=1e-5)


def test_shape_helpers():
    assert lax.padtype_to_pads((7,), (3,), (2,), "SAME") == [(1, 1)]
    assert lax.padtype_to_pads((7,), (4,), (1,), "SAME_LOWER") == [(2, 1)]
    assert lax.padtype_to_pads((7, 5), (3, 3), (1, 1), "VALID") == [(0, 0), (0, 0)]
    assert lax.reduce_window_shape_tuple((7,), (3,), (2,), ((0, 0),)) == (3,)
    assert lax.reduce_window_shape_tuple((2,), (3,), (2,), ((0, 0),)) == (0,)
    assert lax.reduce_window_shape_tuple((7,), (3,), (1,), ((2, 2),), (2,), (2,)) == (13,)


# ---------------------------------------------------------------------------------------------
# Derivatives.

@pytest.mark.parametrize("name", ["max_same", "min_valid", "sum_padded", "sum_dilated",
                                  "sum_negative_padding"])
def test_grads_order_2(name, x64):
    f, _ = pooling(name)
    x = np.random.default_rng(2).standard_normal(SHAPE)
    check_grads(f, (x,), order=2, modes=("fwd", "rev"))


@pytest.mark.parametrize("name", ["max_dilated", "mul_generic"])
def test_forward_mode_only(name, x64):
    # As in JAX: dilated max pooling and generic computations have JVPs but no transposes.
    f, _ = pooling(name)
    x = np.random.default_rng(3).standard_normal(SHAPE)
    check_grads(f, (x,), order=2, modes=("fwd",))
    with pytest.raises(NotImplementedError):
        jax.grad(lambda x: f(x).sum())(x)


def test_generic_jvp_includes_the_init_value():
    x = np.arange(1.0, 7.0, dtype=np.float32)

    def f(c):
        return lax.reduce_window(x, c, lax.mul, (2,), (2,), "VALID")

    out, derivative = jax.jvp(f, (np.float32(2.0),), (np.float32(1.0),))
    assert_allclose(out, np.array([4.0, 24.0, 60.0], np.float32))
    assert_allclose(derivative, np.array([2.0, 12.0, 30.0], np.float32))


def test_max_pool_gradient_routes_to_the_maximum():
    x = np.array([[1.0, 5.0, 2.0, 3.0], [4.0, 0.0, 7.0, 6.0]], np.float32)
    g = jax.grad(lambda x: lax.reduce_window(x, -np.inf, lax.max, (2, 2), (2, 2),
                                             "VALID").sum())(x)
    assert_allclose(g, np.array([[0, 1, 0, 0], [0, 0, 1, 0]], np.float32))


# ---------------------------------------------------------------------------------------------
# vmap.

@pytest.mark.parametrize("name", ["max_same", "sum_dilated", "mul_generic"])
@pytest.mark.parametrize("axes", [(0, 0), (1, -1), (-1, 1)])
def test_vmap_matches_loop(name, axes):
    f, _ = pooling(name)
    in_axis, out_axis = axes
    shape = list(SHAPE)
    shape.insert(in_axis % 3, 4)
    xs = np.random.default_rng(4).standard_normal(shape).astype(np.float32)
    expected = loop(f, xs, in_axes=in_axis, out_axes=out_axis)
    vf = jax.vmap(f, in_axes=in_axis, out_axes=out_axis)
    assert_allclose(vf(xs), expected, rtol=1e-5, err_msg="eager")
    assert_allclose(jax.jit(vf)(xs), expected, rtol=1e-5, err_msg="jit")
    assert_allclose(jax.vmap(jax.jit(f), in_axes=in_axis, out_axes=out_axis)(xs), expected,
                    rtol=1e-5)
    # One windowed reduction; vmap may move the output's batch axis once.
    assert len(jax.make_jaxpr(vf)(xs).eqns) <= 2


def test_vmap_of_grad_and_nested_vmap():
    f, _ = pooling("max_same")
    xs = np.random.default_rng(5).standard_normal((2, 3) + SHAPE).astype(np.float32)

    def loss(x):
        return (f(x) ** 2).sum()

    assert_allclose(jax.vmap(jax.grad(loss))(xs[0]), loop(jax.grad(loss), xs[0]), rtol=1e-5)
    nested = jax.vmap(jax.vmap(f))(xs)
    assert_allclose(nested, np.stack([loop(f, row) for row in xs]), rtol=1e-5)
    # Per-example gradients of a batched pooling are one select_and_scatter_add.
    jaxpr = jax.make_jaxpr(jax.vmap(jax.grad(loss)))(xs[0])
    assert sum(e.primitive.name == "select_and_scatter_add" for e in jaxpr.eqns) == 1


# ---------------------------------------------------------------------------------------------
# Errors.

def test_errors():
    x = np.ones(SHAPE, np.float32)
    with pytest.raises(ValueError, match=r"reduce_window: window_dimensions must have 2 entries"):
        lax.reduce_window(x, 0.0, lax.add, (2,), (1,), "VALID")
    with pytest.raises(ValueError, match=r"reduce_window: padding must have 2 \(low, high\)"):
        lax.reduce_window(x, 0.0, lax.add, (2, 2), (1, 1), ((0, 0),))
    with pytest.raises(ValueError, match="window_strides must be positive"):
        lax.reduce_window(x, 0.0, lax.add, (2, 2), (0, 1), "VALID")
    with pytest.raises(TypeError, match="inconsistent dtypes.*float32.*int32"):
        lax.reduce_window(x, 0, lax.add, (2, 2), (1, 1), "VALID")
    with pytest.raises(TypeError, match="same pytree structure"):
        lax.reduce_window((x, x), 0.0, lax.add, (2, 2), (1, 1), "VALID")
    with pytest.raises(TypeError, match="closes over arrays"):
        lax.reduce_window(x, 1.0, lambda a, b: a * b * jnp.ones(()), (2, 2), (1, 1), "VALID")
    with pytest.raises(TypeError, match=r"must return the structure and dtypes.*float32\[\]"):
        lax.reduce_window(x, 1.0, lambda a, b: (a, b), (2, 2), (1, 1), "VALID")
    with pytest.raises(TypeError, match=r"reduce_window_sum does not accept dtype bool"):
        lax.reduce_window(x > 0, False, lax.add, (2, 2), (1, 1), "VALID")
    with pytest.raises(RuntimeError, match="Unrecognized padding type"):
        lax.reduce_window(x, 0.0, lax.add, (2, 2), (1, 1), "FULL")
