"""lax.conv_general_dilated and its wrappers: results against a NumPy reference (and
scipy.signal) eagerly and under jit in float32 and float64, every layout form of the
dimension numbers, conv_transpose's padding conventions, derivatives to order 2 against
finite differences, vmap against a Python loop with one convolution per vmapped one, and
the errors for operands that do not fit the dimension numbers.

A few fixed configurations (strides, explicit and negative padding, both dilations, feature
and batch groups, a mixed layout) keep the number of XLA compiles small; hypothesis varies
the values only."""
import numpy as np
import pytest
import scipy.signal
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.lib.stride_tricks import sliding_window_view

import jaxlike as jax
from jaxlike import lax
from jaxlike.test_util import check_grads

from helpers import assert_allclose, check_eager_and_jit
from vmap_helpers import loop

seeds = st.integers(0, 2**32 - 1)
DN = lax.ConvDimensionNumbers


# ---------------------------------------------------------------------------------------------
# The NumPy reference.

def np_dilate(x, axes, factors, fill=0):
    """Returns x with factor - 1 `fill`s between neighbours along each of `axes`."""
    for axis, f in zip(axes, factors):
        shape = list(x.shape)
        shape[axis] = max(0, (shape[axis] - 1) * f + 1)
        out = np.full(shape, fill, x.dtype)
        index = [slice(None)] * x.ndim
        index[axis] = slice(None, None, f)
        out[tuple(index)] = x
        x = out
    return x


def np_pad(x, axes, pads, fill=0):
    """Returns x padded with `fill` by (low, high) along `axes`; negative padding crops."""
    for axis, (lo, hi) in zip(axes, pads):
        widths = [(0, 0)] * x.ndim
        widths[axis] = (max(lo, 0), max(hi, 0))
        x = np.pad(x, widths, constant_values=fill)
        index = [slice(None)] * x.ndim
        index[axis] = slice(max(-lo, 0), x.shape[axis] - max(-hi, 0))
        x = x[tuple(index)]
    return x


def np_conv(lhs, rhs, window_strides, padding, lhs_dilation=None, rhs_dilation=None,
            dimension_numbers=DN((0, 1, 2), (0, 1, 2), (0, 1, 2)), feature_group_count=1,
            batch_group_count=1):
    """Returns XLA's convolution computed with numpy windows and einsum."""
    lhs = np.transpose(lhs, dimension_numbers.lhs_spec)
    rhs = np.transpose(rhs, dimension_numbers.rhs_spec)
    n = lhs.ndim - 2
    spatial = tuple(range(2, 2 + n))
    lhs = np_pad(np_dilate(lhs, spatial, lhs_dilation or (1,) * n), spatial, padding)
    rhs = np_dilate(rhs, spatial, rhs_dilation or (1,) * n)
    groups = max(feature_group_count, batch_group_count)
    lhs_parts = np.split(lhs, groups, axis=1 if feature_group_count > 1 else 0)
    outs = []
    for part, kernel in zip(lhs_parts, np.split(rhs, groups, axis=0)):
        windows = sliding_window_view(part, kernel.shape[2:], axis=spatial)
        windows = windows[(slice(None),) * 2 + tuple(slice(None, None, s) for s in window_strides)]
        out_axes, tap_axes = list(range(2, 2 + n)), list(range(2 + n, 2 + 2 * n))
        o = 2 + 2 * n
        outs.append(np.einsum(windows, [0, 1] + out_axes + tap_axes, kernel, [o, 1] + tap_axes,
                              [0, o] + out_axes))
    return np.transpose(np.concatenate(outs, axis=1), np.argsort(dimension_numbers.out_spec))


# name: (lhs shape, rhs shape, keyword arguments of conv_general_dilated)
CONFIGS = {
    "nchw_strided": ((2, 3, 7, 6), (4, 3, 3, 2),
                     dict(window_strides=(2, 1), padding=((1, 1), (0, 1)))),
    "nhwc_groups_dilated": ((2, 6, 5, 4), (3, 2, 2, 6),
                            dict(window_strides=(1, 2), padding=((0, 1), (2, 0)),
                                 rhs_dilation=(1, 2), feature_group_count=2,
                                 dimension_numbers=("NHWC", "HWIO", "NHWC"))),
    "batch_groups_lhs_dilated": ((4, 3, 7), (6, 3, 3),
                                 dict(window_strides=(2,), padding=((1, -1),),
                                      lhs_dilation=(2,), batch_group_count=2)),
    "mixed_layout": ((3, 7, 2), (2, 3, 5),
                     dict(window_strides=(1,), padding=((2, 0),),
                          dimension_numbers=("NWC", "IWO", "CWN"))),
}


def random(rng, shape, dtype):
    return rng.standard_normal(shape).astype(dtype)


def reference(lhs, rhs, kwargs):
    kwargs = dict(kwargs)
    kwargs["dimension_numbers"] = lax.conv_dimension_numbers(
        lhs.shape, rhs.shape, kwargs.get("dimension_numbers"))
    return np_conv(lhs.astype(np.float64), rhs.astype(np.float64), **kwargs).astype(lhs.dtype)


# ---------------------------------------------------------------------------------------------
# Values.

@pytest.mark.parametrize("name", CONFIGS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@settings(max_examples=4)
@given(seed=seeds)
def test_matches_numpy(name, dtype, seed, request):
    if dtype == np.float64:
        request.getfixturevalue("x64")
    lhs_shape, rhs_shape, kwargs = CONFIGS[name]
    rng = np.random.default_rng(seed)
    lhs, rhs = random(rng, lhs_shape, dtype), random(rng, rhs_shape, dtype)
    check_eager_and_jit(lambda x, w: lax.conv_general_dilated(x, w, **kwargs), (lhs, rhs),
                        reference(lhs, rhs, kwargs), rtol=1e-5 if dtype == np.float32 else None)


@pytest.mark.parametrize("padding", ["SAME", "VALID"])
@settings(max_examples=4)
@given(seed=seeds)
def test_matches_scipy_correlate(padding, seed):
    # XLA's convolution is a cross-correlation summed over input features.
    rng = np.random.default_rng(seed)
    x, w = random(rng, (1, 2, 6, 5), np.float32), random(rng, (1, 2, 3, 3), np.float32)
    expected = sum(scipy.signal.correlate(x[0, c], w[0, c], mode=padding.lower())
                   for c in range(2))[None, None]
    assert_allclose(lax.conv(x, w, (1, 1), padding), expected.astype(np.float32), rtol=1e-5)


def test_same_padding_shapes_and_split():
    x, w = np.ones((1, 1, 7, 8), np.float32), np.ones((1, 1, 4, 3), np.float32)
    for padding, pads in (("SAME", ((1, 2), (0, 1))), ("SAME_LOWER", ((2, 1), (1, 0)))):
        jaxpr = jax.make_jaxpr(lambda x, w: lax.conv(x, w, (2, 3), padding))(x, w)
        assert jaxpr.eqns[0].params["padding"] == pads
        assert jaxpr.out_avals[0].shape == (1, 1, 4, 3)  # ceil(size / stride)
    jaxpr = jax.make_jaxpr(lambda x, w: lax.conv_general_dilated(
        x, w, (1, 1), "SAME", rhs_dilation=(2, 1)))(x, w)
    assert jaxpr.eqns[0].params["padding"] == ((3, 3), (1, 1))  # the dilated kernel's extent


def test_dimension_numbers_forms_agree():
    rng = np.random.default_rng(0)
    x, w = random(rng, (2, 5, 4, 3), np.float32), random(rng, (3, 2, 3, 4), np.float32)
    dn = lax.conv_dimension_numbers(x.shape, w.shape, ("NHWC", "HWIO", "NHWC"))
    assert dn == DN(lhs_spec=(0, 3, 1, 2), rhs_spec=(3, 2, 0, 1), out_spec=(0, 3, 1, 2))
    by_strings = lax.conv_general_dilated(x, w, (1, 1), "SAME",
                                          dimension_numbers=("NHWC", "HWIO", "NHWC"))
    by_tuple = lax.conv_general_dilated(x, w, (1, 1), "SAME", dimension_numbers=dn)
    assert_allclose(by_strings, by_tuple)
    # The same convolution in the default ('NCHW', 'OIHW', 'NCHW') layout.
    nchw = lax.conv(x.transpose(0, 3, 1, 2), w.transpose(3, 2, 0, 1), (1, 1), "SAME")
    assert_allclose(by_strings, np.transpose(nchw, (0, 2, 3, 1)), rtol=1e-5)
    assert lax.conv_general_permutations(("NCHW", "OIHW", "NCHW")) == (
        (0, 1, 2, 3), (0, 1, 2, 3), (0, 1, 2, 3))


def test_printed_params_are_jaxs():
    x, w = np.ones((2, 3, 8, 8), np.float32), np.ones((4, 3, 3, 3), np.float32)
    text = str(jax.make_jaxpr(lambda x, w: lax.conv(x, w, (1, 1), "SAME"))(x, w))
    assert ("dimension_numbers=ConvDimensionNumbers(lhs_spec=(0, 1, 2, 3), rhs_spec=(0, 1, 2, "
            "3), out_spec=(0, 1, 2, 3))") in text
    for param in ("batch_group_count=1", "feature_group_count=1", "lhs_dilation=(1, 1)",
                  "padding=((1, 1), (1, 1))", "precision=None", "preferred_element_type=None",
                  "rhs_dilation=(1, 1)", "window_strides=(1, 1)"):
        assert param in text
    assert "c:f32[2,4,8,8] = conv_general_dilated" in text


def test_conv_with_general_padding_and_dtypes():
    rng = np.random.default_rng(1)
    x, w = random(rng, (2, 3, 7), np.float32), random(rng, (4, 3, 2), np.float32)
    out = lax.conv_with_general_padding(x, w, (2,), ((1, 2),), (2,), (3,))
    assert_allclose(out, reference(x, w, dict(window_strides=(2,), padding=((1, 2),),
                                              lhs_dilation=(2,), rhs_dilation=(3,))), rtol=1e-5)
    highest = lax.conv_with_general_padding(x, w, (2,), ((1, 2),), (2,), (3,),
                                            precision=lax.Precision.HIGHEST)
    assert_allclose(highest, out)
    ints = lax.conv(np.arange(6, dtype=np.int32).reshape(1, 1, 6), np.ones((1, 1, 2), np.int32),
                    (1,), "VALID")
    assert_allclose(ints, np.array([[[1, 3, 5, 7, 9]]], np.int32))
    wide = lax.conv(x.astype(np.float16), w.astype(np.float16), (1,), "VALID",
                    preferred_element_type=np.float32)
    assert wide.dtype == np.float32


# ---------------------------------------------------------------------------------------------
# conv_transpose.

# (kernel, stride, dilation) -> the padding JAX 0.10.2 gives conv_transpose for 'SAME' and
# 'VALID' (from its jaxprs).
TRANSPOSE_PADS = {
    (2, 1, 1): ((1, 0), (1, 1)), (3, 2, 1): ((2, 1), (2, 2)), (1, 3, 1): ((0, 2), (0, 2)),
    (4, 2, 2): ((4, 3), (6, 6)), (3, 3, 2): ((3, 3), (4, 4)), (5, 2, 1): ((3, 2), (4, 4)),
}


@pytest.mark.parametrize("case", TRANSPOSE_PADS)
def test_conv_transpose_padding(case):
    k, s, d = case
    x, w = np.ones((1, 7, 1), np.float32), np.ones((k, 1, 1), np.float32)
    for padding, pads in zip(("SAME", "VALID"), TRANSPOSE_PADS[case]):
        jaxpr = jax.make_jaxpr(lambda x, w: lax.conv_transpose(
            x, w, (s,), padding, rhs_dilation=(d,)))(x, w)
        params = jaxpr.eqns[-1].params
        assert params["padding"] == (pads,) and params["lhs_dilation"] == (s,)
    same = jax.make_jaxpr(lambda x, w: lax.conv_transpose(x, w, (s,), "SAME"))(x, w)
    assert same.out_avals[0].shape == (1, 7 * s, 1)


@settings(max_examples=4)
@given(seed=seeds)
def test_conv_transpose_is_the_gradient_of_conv(seed):
    # With transpose_kernel and the forward padding, conv_transpose computes the gradient of
    # the forward convolution with respect to its input (when no input row is left unread).
    rng = np.random.default_rng(seed)
    x, w = random(rng, (2, 7, 3), np.float32), random(rng, (3, 3, 4), np.float32)
    layout = ("NWC", "WIO", "NWC")

    def forward(x):
        return lax.conv_general_dilated(x, w, (2,), ((1, 1),), dimension_numbers=layout)

    y, pullback = jax.vjp(forward, x)
    ct = random(rng, y.shape, np.float32)
    transposed = lax.conv_transpose(ct, w, (2,), ((1, 1),), dimension_numbers=layout,
                                    transpose_kernel=True, use_consistent_padding=True)
    assert_allclose(transposed, pullback(ct)[0], rtol=1e-5)
    plain = lax.conv_transpose(ct, w[::-1].transpose(0, 2, 1), (2,), ((1, 1),),
                               dimension_numbers=layout)
    assert_allclose(plain, pullback(ct)[0], rtol=1e-5)


# ---------------------------------------------------------------------------------------------
# Derivatives.

@pytest.mark.parametrize("name", CONFIGS)
def test_grads_order_2(name, x64):
    lhs_shape, rhs_shape, kwargs = CONFIGS[name]
    rng = np.random.default_rng(0)
    lhs, rhs = random(rng, lhs_shape, np.float64), random(rng, rhs_shape, np.float64)
    check_grads(lambda x, w: lax.conv_general_dilated(x, w, **kwargs), (lhs, rhs), order=2,
                modes=("fwd", "rev"))


def test_grad_with_preferred_element_type():
    rng = np.random.default_rng(2)
    x, w = random(rng, (1, 2, 5), np.float16), random(rng, (3, 2, 2), np.float16)
    gx, gw = jax.grad(lambda x, w: lax.conv(x, w, (1,), "VALID",
                                            preferred_element_type=np.float32).sum(),
                      argnums=(0, 1))(x, w)
    assert (gx.dtype, gw.dtype) == (np.float16, np.float16)
    expected = jax.grad(lambda x: lax.conv(x, w.astype(np.float32), (1,), "VALID").sum())(
        x.astype(np.float32))
    assert_allclose(gx, expected.astype(np.float16), rtol=1e-2)


# ---------------------------------------------------------------------------------------------
# vmap.

def _with_batch(rng, shape, axis, size=3):
    if axis is None:
        return random(rng, shape, np.float32)
    shape = list(shape)
    shape.insert(axis % (len(shape) + 1), size)
    return random(rng, shape, np.float32)


# Each branch of the batching rule (lhs, rhs or both mapped; with feature or batch groups).
VMAP_CASES = [("nchw_strided", (0, None)), ("nchw_strided", (1, 0)),
              ("nhwc_groups_dilated", (None, -1)), ("nhwc_groups_dilated", (1, 0)),
              ("batch_groups_lhs_dilated", (0, None)), ("batch_groups_lhs_dilated", (None, -1)),
              ("batch_groups_lhs_dilated", (1, 0)), ("mixed_layout", (-1, 2))]


@pytest.mark.parametrize("name,in_axes", VMAP_CASES)
def test_vmap_matches_loop(name, in_axes):
    lhs_shape, rhs_shape, kwargs = CONFIGS[name]
    rng = np.random.default_rng(3)
    args = (_with_batch(rng, lhs_shape, in_axes[0]), _with_batch(rng, rhs_shape, in_axes[1]))

    def f(x, w):
        return lax.conv_general_dilated(x, w, **kwargs)

    expected = loop(f, *args, in_axes=in_axes, out_axes=1)
    vf = jax.vmap(f, in_axes=in_axes, out_axes=1)
    assert_allclose(vf(*args), expected, rtol=1e-5, err_msg="eager")
    assert_allclose(jax.jit(vf)(*args), expected, rtol=1e-5, err_msg="jit")
    assert_allclose(jax.vmap(jax.jit(f), in_axes=in_axes, out_axes=1)(*args), expected,
                    rtol=1e-5)
    # One convolution, plus a few reshapes/transposes that fold the batch axis in and out.
    eqns = jax.make_jaxpr(vf)(*args).eqns
    assert sum(e.primitive.name == "conv_general_dilated" for e in eqns) == 1
    assert len(eqns) <= 8


def test_nested_vmap_and_vmap_of_grad():
    lhs_shape, rhs_shape, kwargs = CONFIGS["nhwc_groups_dilated"]
    rng = np.random.default_rng(4)
    xs = random(rng, (2, 3) + lhs_shape, np.float32)
    w = random(rng, rhs_shape, np.float32)

    def f(x, w):
        return lax.conv_general_dilated(x, w, **kwargs)

    nested = jax.vmap(jax.vmap(f, in_axes=(0, None)), in_axes=(0, None))(xs, w)
    expected = np.stack([np.stack([np.asarray(f(x, w)) for x in row]) for row in xs])
    assert_allclose(nested, expected, rtol=1e-5)

    def loss(w, x):
        return (f(x, w) ** 2).sum()

    per_example = jax.vmap(jax.grad(loss), in_axes=(None, 0))(w, xs[0])
    assert_allclose(per_example, loop(jax.grad(loss), w, xs[0], in_axes=(None, 0)), rtol=1e-4)


def test_vmap_program_size_does_not_grow_with_batch():
    lhs_shape, rhs_shape, kwargs = CONFIGS["nchw_strided"]
    rng = np.random.default_rng(5)
    f = jax.vmap(lambda x, w: lax.conv_general_dilated(x, w, **kwargs))
    sizes = {len(jax.make_jaxpr(f)(random(rng, (b,) + lhs_shape, np.float32),
                                   random(rng, (b,) + rhs_shape, np.float32)).eqns)
             for b in (2, 5)}
    assert len(sizes) == 1


# ---------------------------------------------------------------------------------------------
# Errors.

def test_dimension_numbers_that_do_not_fit_the_ranks():
    x, w = np.ones((1, 2, 5, 5), np.float32), np.ones((1, 2, 3, 3), np.float32)
    with pytest.raises(TypeError, match=r"conv_general_dilated.*dimension_numbers.*"
                                        r"\(1, 2, 5, 5\).*\(1, 2, 3, 3\)"):
        lax.conv_general_dilated(x, w, (1, 1), "VALID",
                                 dimension_numbers=DN((0, 1, 2), (0, 1, 2), (0, 1, 2)))
    with pytest.raises(TypeError, match=r"conv_general_dilated: dimension_numbers \('NHC', "
                                        r"'HIO', 'NHC'\) do not fit the operand ranks.*4 axes"):
        lax.conv_general_dilated(x, w, (1, 1), "VALID", dimension_numbers=("NHC", "HIO", "NHC"))
    with pytest.raises(TypeError, match=r"out spec 'NHDC' must name the spatial axes 'HW'"):
        lax.conv_general_dilated(x, w, (1, 1), "VALID",
                                 dimension_numbers=("NHWC", "HWIO", "NHDC"))
    with pytest.raises(TypeError, match=r"equal ranks.*\(2, 5, 5\).*\(1, 2, 3, 3\)"):
        lax.conv_general_dilated(x[0], w, (1,), "VALID")
    with pytest.raises(TypeError, match="three spec strings"):
        lax.conv_general_dilated(x, w, (1, 1), "VALID", dimension_numbers=((0, 1), (0, 1)))


def test_bad_sizes_dtypes_and_arguments():
    x, w = np.ones((3, 4, 5), np.float32), np.ones((3, 2, 3), np.float32)
    with pytest.raises(ValueError, match=r"conv_general_dilated: the lhs feature size 4.*"
                                         r"feature_group_count 1.*rhs input feature size 2"):
        lax.conv_general_dilated(x, w, (1,), "VALID")
    with pytest.raises(ValueError, match="output feature size 3 must be a multiple of "
                                         "feature_group_count 2"):
        lax.conv_general_dilated(x, w, (1,), "VALID", feature_group_count=2)
    with pytest.raises(ValueError, match="batch_group_count 2 must divide the lhs batch size 3"):
        lax.conv_general_dilated(x, np.ones((4, 4, 3), np.float32), (1,), "VALID",
                                 batch_group_count=2)
    with pytest.raises(TypeError, match=r"same dtypes.*float32\[3,4,5\].*float16\[3,4,3\]"):
        lax.conv_general_dilated(x, np.ones((3, 4, 3), np.float16), (1,), "VALID")
    with pytest.raises(ValueError, match="window_strides must have 1 entries"):
        lax.conv_general_dilated(x, w, (1, 1), "VALID")
    with pytest.raises(ValueError, match="padding must have 1"):
        lax.conv_general_dilated(x, w, (1,), [(1, 1), (0, 0)])
    with pytest.raises(RuntimeError, match="Unrecognized padding type"):
        lax.conv_general_dilated(x, w, (1,), "FULL")
    with pytest.raises(ValueError, match="lax.conv_transpose"):
        lax.conv_general_dilated(x, w, (1,), "SAME", lhs_dilation=(2,))
