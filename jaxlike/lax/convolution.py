"""Convolutions: the `conv_general_dilated` primitive (XLA's Conv: strides, padding, lhs and
rhs dilation, feature and batch groups, any layout) and its wrappers `conv`,
`conv_with_general_padding` and `conv_transpose`.

Parameters follow JAX's jaxprs: `conv_general_dilated[batch_group_count=1
dimension_numbers=ConvDimensionNumbers(lhs_spec=(0, 1, 2, 3), rhs_spec=(0, 1, 2, 3),
out_spec=(0, 1, 2, 3)) feature_group_count=1 lhs_dilation=(1, 1) out_sharding=None
padding=((1, 1), (1, 1)) precision=None preferred_element_type=None rhs_dilation=(1, 1)
window_strides=(1, 1)]`. A spec lists the axes of an operand in the order (batch, feature,
spatial...) for lhs and out, (out feature, in feature, spatial...) for rhs.

The convolution is bilinear. Its transposes are convolutions again: with respect to lhs,
the cotangent convolved with the spatially reversed kernel (input and output features
swapped, the forward strides becoming lhs dilation); with respect to rhs, lhs convolved with
the cotangent (batch and feature axes trading roles, the forward strides becoming rhs
dilation, feature groups becoming batch groups and vice versa).
"""
import operator
from typing import NamedTuple

import numpy as np

from jaxlike import dtypes
from jaxlike.core import Primitive, ShapedArray, get_aval
from jaxlike.interpreters import ad, batching
from jaxlike.lax import elementwise as ew
from jaxlike.lax import structural as st
from jaxlike.lax.reductions import _describe, canonicalize_precision
from jaxlike.lax.windowed import (dilate_dim, explicit_pads, padtype_to_pads, static_ints,
                                  window_output_dim)

__all__ = [
    "ConvDimensionNumbers", "ConvGeneralDilatedDimensionNumbers", "conv_dimension_numbers",
    "conv_general_permutations", "conv_general_shape_tuple", "conv_shape_tuple",
    "conv_general_dilated", "conv", "conv_with_general_padding", "conv_transpose",
    "conv_general_dilated_p",
]

_NAME = "conv_general_dilated"
_SPATIAL = "spatial dimension"


class ConvDimensionNumbers(NamedTuple):
    """The layout of a convolution's operands: `lhs_spec` and `out_spec` list the (batch,
    feature, spatial...) axes, `rhs_spec` the (output feature, input feature, spatial...)
    axes, each spatial axis matched by position."""

    lhs_spec: tuple
    rhs_spec: tuple
    out_spec: tuple


ConvGeneralDilatedDimensionNumbers = ConvDimensionNumbers | tuple | None


# ---------------------------------------------------------------------------------------------
# Dimension numbers.

def _default_specs(rank):
    spatial = "HWDEFGJKLMPQRSTUVXYZ"[:rank - 2]  # any letters but N, C, O and I
    return "NC" + spatial, "OI" + spatial, "NC" + spatial


def conv_general_permutations(dimension_numbers):
    """Returns the (lhs, rhs, out) axis orders, as (batch, feature, spatial...) tuples, of
    string dimension numbers such as ('NHWC', 'HWIO', 'NHWC')."""
    lhs, rhs, out = dimension_numbers
    for name, spec, chars in (("lhs", lhs, "NC"), ("rhs", rhs, "OI"), ("out", out, "NC")):
        if not isinstance(spec, str) or len(set(spec)) != len(spec) or not set(chars) <= set(
                spec):
            raise TypeError(f"{_NAME}: the {name} spec of dimension_numbers must be a string "
                            f"of distinct characters containing {chars[0]!r} and "
                            f"{chars[1]!r}, got {spec!r} (in {dimension_numbers!r}).")
    if not len(lhs) == len(rhs) == len(out):
        raise TypeError(f"{_NAME}: the specs in dimension_numbers {dimension_numbers!r} must "
                        "have equal lengths.")
    spatial = [c for c in rhs if c not in "OI"]
    for name, spec, chars in (("lhs", lhs, "NC"), ("out", out, "NC")):
        if sorted(spec) != sorted(chars + "".join(spatial)):
            raise TypeError(f"{_NAME}: the {name} spec {spec!r} must name the spatial axes "
                            f"{''.join(spatial)!r} of the rhs spec {rhs!r} (dimension_numbers "
                            f"{dimension_numbers!r}).")
    return tuple(tuple(spec.index(c) for c in chars + "".join(spatial))
                 for spec, chars in ((lhs, "NC"), (rhs, "OI"), (out, "NC")))


def conv_dimension_numbers(lhs_shape, rhs_shape, dimension_numbers):
    """Returns the ConvDimensionNumbers for operands of these shapes given None (the
    ('NC...', 'OI...', 'NC...') layout), a ConvDimensionNumbers, or three spec strings."""
    lhs_shape, rhs_shape = tuple(lhs_shape), tuple(rhs_shape)
    if len(lhs_shape) != len(rhs_shape):
        raise TypeError(f"{_NAME}: lhs and rhs must have equal ranks, got lhs shape "
                        f"{lhs_shape} (rank {len(lhs_shape)}) and rhs shape {rhs_shape} (rank "
                        f"{len(rhs_shape)}).")
    rank = len(lhs_shape)
    if rank < 2:
        raise TypeError(f"{_NAME}: operands need a batch and a feature axis (rank >= 2), got "
                        f"shapes {lhs_shape} and {rhs_shape}.")
    if isinstance(dimension_numbers, ConvDimensionNumbers):
        dn = ConvDimensionNumbers(*(tuple(operator.index(d) for d in s)
                                    for s in dimension_numbers))
    else:
        if dimension_numbers is None:
            dimension_numbers = _default_specs(rank)
        if not (isinstance(dimension_numbers, (tuple, list)) and len(dimension_numbers) == 3
                and all(isinstance(s, str) for s in dimension_numbers)):
            raise TypeError(f"{_NAME}: dimension_numbers must be None, a ConvDimensionNumbers "
                            "or three spec strings such as ('NHWC', 'HWIO', 'NHWC'), got "
                            f"{dimension_numbers!r}.")
        dn = ConvDimensionNumbers(*conv_general_permutations(dimension_numbers))
    for name, spec in zip(("lhs", "rhs", "out"), dn):
        if sorted(spec) != list(range(rank)):
            raise TypeError(
                f"{_NAME}: dimension_numbers {dimension_numbers!r} do not fit the operand "
                f"ranks: the {name} spec {spec} must be a permutation of the {rank} axes of "
                f"lhs shape {lhs_shape} and rhs shape {rhs_shape}.")
    return dn


# ---------------------------------------------------------------------------------------------
# Shapes.

def conv_shape_tuple(lhs_shape, rhs_shape, strides, pads, batch_group_count=1):
    """Returns the output shape of a convolution in the ('NC...', 'OI...', 'NC...') layout
    with explicit `pads`."""
    spatial = tuple(window_output_dim(n, k, s, p)
                    for n, k, s, p in zip(lhs_shape[2:], rhs_shape[2:], strides, pads))
    return (lhs_shape[0] // batch_group_count, rhs_shape[0]) + spatial


def conv_general_shape_tuple(lhs_shape, rhs_shape, window_strides, padding,
                             dimension_numbers):
    """Returns the output shape of `conv_general_dilated` (undilated) on these shapes."""
    dn = conv_dimension_numbers(lhs_shape, rhs_shape, dimension_numbers)
    lhs, rhs = (tuple(np.take(s, p)) for s, p in ((lhs_shape, dn.lhs_spec),
                                                   (rhs_shape, dn.rhs_spec)))
    if isinstance(padding, str):
        padding = padtype_to_pads(lhs[2:], rhs[2:], window_strides, padding)
    out = conv_shape_tuple(lhs, rhs, window_strides, padding)
    shape = [0] * len(out)
    for axis, size in zip(dn.out_spec, out):
        shape[axis] = int(size)
    return tuple(shape)


def _spatial(shape, spec):
    return tuple(shape[d] for d in spec[2:])


def _conv_problem(lhs, rhs, dn, feature_group_count, batch_group_count):
    """Returns what is wrong with the feature and batch sizes of these operands, or None."""
    batch, features = lhs.shape[dn.lhs_spec[0]], lhs.shape[dn.lhs_spec[1]]
    out_features, in_features = rhs.shape[dn.rhs_spec[0]], rhs.shape[dn.rhs_spec[1]]
    g, b = feature_group_count, batch_group_count
    if g > 1 and b > 1:
        return (f"at most one of feature_group_count ({g}) and batch_group_count ({b}) may "
                "exceed 1")
    if features % g or features // g != in_features:
        return (f"the lhs feature size {features} divided by feature_group_count {g} must "
                f"equal the rhs input feature size {in_features}")
    for what, count in (("feature_group_count", g), ("batch_group_count", b)):
        if out_features % count:
            return (f"the rhs output feature size {out_features} must be a multiple of "
                    f"{what} {count}")
    if batch % b:
        return f"batch_group_count {b} must divide the lhs batch size {batch}"
    return None


def _conv_dtype(lhs, rhs, preferred):
    if lhs.dtype != rhs.dtype:
        raise TypeError(f"lax.{_NAME} requires arguments to have the same dtypes, got lhs "
                        f"{_describe(lhs)} and rhs {_describe(rhs)}; convert one operand "
                        "first.")
    return lhs.dtype if preferred is None else preferred


def _conv_aval(lhs, rhs, *, window_strides, padding, lhs_dilation, rhs_dilation,
               dimension_numbers, feature_group_count, batch_group_count, precision,
               preferred_element_type, out_sharding):
    dn = conv_dimension_numbers(lhs.shape, rhs.shape, dimension_numbers)
    n = len(lhs.shape) - 2
    for what, value in (("window_strides", window_strides), ("padding", padding),
                        ("lhs_dilation", lhs_dilation), ("rhs_dilation", rhs_dilation)):
        if len(value) != n:
            raise ValueError(f"{_NAME}: {what} {value} must have one entry per spatial "
                             f"dimension ({n} for lhs {_describe(lhs)}), got {len(value)}.")
    problem = _conv_problem(lhs, rhs, dn, feature_group_count, batch_group_count)
    if problem is not None:
        raise ValueError(f"{_NAME}: {problem} (lhs {_describe(lhs)}, rhs {_describe(rhs)}, "
                         f"{dn}).")
    dtype = _conv_dtype(lhs, rhs, preferred_element_type)
    spatial = [window_output_dim(size, k, s, p, ld, rd) for size, k, s, p, ld, rd in zip(
        _spatial(lhs.shape, dn.lhs_spec), _spatial(rhs.shape, dn.rhs_spec), window_strides,
        padding, lhs_dilation, rhs_dilation)]
    sizes = [lhs.shape[dn.lhs_spec[0]] // batch_group_count,
             rhs.shape[dn.rhs_spec[0]]] + spatial
    shape = [0] * len(sizes)
    for axis, size in zip(dn.out_spec, sizes):
        shape[axis] = size
    return ShapedArray(tuple(shape), dtype, lhs.weak_type and rhs.weak_type)


conv_general_dilated_p = Primitive(_NAME)
conv_general_dilated_p.def_abstract_eval(_conv_aval)


# ---------------------------------------------------------------------------------------------
# Moving sizes between axes: for the transposes (a kernel's groups move from its output to
# its input feature axis) and for batching (the vmapped axis is folded into one of the
# convolution's axes, and unfolded from the result).

def _fold(x, axis, into, groups=1):
    """Returns `x` without its axis `axis` (size K), merged into axis `into` (numbered as in
    the result): that axis, of size n, becomes groups * K * (n / groups) long, in this order,
    so that each of `groups` contiguous chunks of the original axis stays contiguous."""
    full = list(get_aval(x).shape)
    shape = full[:axis] + full[axis + 1:]
    k, n = full[axis], shape[into]
    if groups > 1:  # split the target axis into (groups, rest); K goes before the rest
        target = into + (into >= axis)
        x = st.reshape(x, tuple(full[:target] + [groups, n // groups] + full[target + 1:]))
        axis, into = axis + (axis > target), into + 1
    x = batching.moveaxis(x, axis, into)  # K now sits just before the (rest of the) target
    shape[into - (groups > 1)] = k * n
    return st.reshape(x, tuple(shape))


def _unfold(x, axis, k, groups=1):
    """Returns `x` with axis `axis`, of layout (groups, k, m), split into a leading new axis
    of size k at `axis` and the (groups, m) rest after it (the inverse of `_fold`)."""
    shape = list(get_aval(x).shape)
    n = shape[axis]
    if groups == 1:
        return st.reshape(x, tuple(shape[:axis] + [k, n // k] + shape[axis + 1:]))
    x = st.reshape(x, tuple(shape[:axis] + [groups, k, n // (groups * k)] + shape[axis + 1:]))
    x = batching.moveaxis(x, axis + 1, axis)
    return st.reshape(x, tuple(shape[:axis] + [k, n // k] + shape[axis + 1:]))


def _move_groups(x, src, dst, groups):
    """Returns `x` with axis `src` split into (groups, rest) and the groups factor moved to
    be the major part of axis `dst`."""
    shape = list(get_aval(x).shape)
    split = shape[:src] + [groups, shape[src] // groups] + shape[src + 1:]
    return _fold(st.reshape(x, tuple(split)), src, dst)


# ---------------------------------------------------------------------------------------------
# Differentiation.

def _conv_jvp_lhs(tangent, lhs, rhs, **params):
    return conv_general_dilated_p.bind(tangent, rhs, **params)


def _conv_jvp_rhs(tangent, lhs, rhs, **params):
    return conv_general_dilated_p.bind(lhs, tangent, **params)


ad.defjvp(conv_general_dilated_p, _conv_jvp_lhs, _conv_jvp_rhs)


def _matching(x, ct):
    """Returns `x` converted to the cotangent's dtype (which preferred_element_type may have
    widened), so that the two can be convolved."""
    dtype = get_aval(ct).dtype
    return x if get_aval(x).dtype == dtype else ew.convert_element_type(x, dtype)


def _cast(ct, aval):
    """Returns a cotangent with the dtype and weak type of its operand's `aval`."""
    if dtypes.is_complex(get_aval(ct).dtype) and not dtypes.is_complex(aval.dtype):
        ct = ew.real(ct)
    return ew.convert_element_type(ct, aval.dtype, aval.weak_type)


def _transpose_lhs(ct, rhs, lhs_aval, p):
    # Each lhs element met kernel tap t at output position o when o * stride + t * rd equals
    # its (dilated, padded) position: read backwards, a convolution of the cotangent dilated
    # by the strides with the reversed kernel, stepping lhs_dilation apart.
    dn = p["dimension_numbers"]
    g, b = p["feature_group_count"], p["batch_group_count"]
    rhs = _matching(rhs, ct)
    rhs_shape, ct_shape = get_aval(rhs).shape, get_aval(ct).shape
    pads = []
    for n, k, m, s, (lo, _), ld, rd in zip(
            _spatial(lhs_aval.shape, dn.lhs_spec), _spatial(rhs_shape, dn.rhs_spec),
            _spatial(ct_shape, dn.out_spec), p["window_strides"], p["padding"],
            p["lhs_dilation"], p["rhs_dilation"]):
        extent = dilate_dim(k, rd)
        low = extent - 1 - lo
        pads.append((low, dilate_dim(n, ld) + extent - 1 - low - dilate_dim(m, s)))
    kernel = st.rev(rhs, dn.rhs_spec[2:])
    groups = max(g, b)
    if groups > 1:  # each group's output features become its input features
        kernel = _move_groups(kernel, dn.rhs_spec[0], dn.rhs_spec[1], groups)
    swapped = ConvDimensionNumbers(dn.out_spec, (dn.rhs_spec[1], dn.rhs_spec[0]) +
                                   dn.rhs_spec[2:], dn.lhs_spec)
    out = conv_general_dilated_p.bind(
        ct, kernel, window_strides=p["lhs_dilation"], padding=tuple(pads),
        lhs_dilation=p["window_strides"], rhs_dilation=p["rhs_dilation"],
        dimension_numbers=swapped, feature_group_count=groups, batch_group_count=1,
        precision=p["precision"], preferred_element_type=p["preferred_element_type"],
        out_sharding=None)
    if b > 1:  # the batch groups came out as feature groups
        out = _move_groups(out, dn.lhs_spec[1], dn.lhs_spec[0], b)
    return _cast(out, lhs_aval)


def _transpose_rhs(ct, lhs, rhs_aval, p):
    # Kernel tap t met lhs position o * stride + t * rd for every output position o: a
    # convolution of lhs (its features as the batch) with the cotangent as the kernel (the
    # examples contracted), dilated by the strides and stepping rhs_dilation apart.
    dn = p["dimension_numbers"]
    lhs = _matching(lhs, ct)
    lhs_shape, ct_shape = get_aval(lhs).shape, get_aval(ct).shape
    pads = []
    for n, k, m, s, (lo, _), ld, rd in zip(
            _spatial(lhs_shape, dn.lhs_spec), _spatial(rhs_aval.shape, dn.rhs_spec),
            _spatial(ct_shape, dn.out_spec), p["window_strides"], p["padding"],
            p["lhs_dilation"], p["rhs_dilation"]):
        pads.append((lo, (k - 1) * rd + dilate_dim(m, s) - lo - dilate_dim(n, ld)))
    swap = lambda spec: (spec[1], spec[0]) + spec[2:]  # noqa: E731
    out = conv_general_dilated_p.bind(
        lhs, ct, window_strides=p["rhs_dilation"], padding=tuple(pads),
        lhs_dilation=p["lhs_dilation"], rhs_dilation=p["window_strides"],
        dimension_numbers=ConvDimensionNumbers(swap(dn.lhs_spec), swap(dn.out_spec),
                                               swap(dn.rhs_spec)),
        feature_group_count=p["batch_group_count"], batch_group_count=p["feature_group_count"],
        precision=p["precision"], preferred_element_type=p["preferred_element_type"],
        out_sharding=None)
    return _cast(out, rhs_aval)


def _conv_transpose_rule(ct, lhs, rhs, **params):
    if ad.is_undefined_primal(lhs):
        aval = lhs.aval
        if 0 in get_aval(ct).shape or 0 in get_aval(rhs).shape:
            return [ad.zeros_like_aval(aval), None]
        return [_transpose_lhs(ct, rhs, aval, params), None]
    aval = rhs.aval
    if 0 in get_aval(ct).shape or 0 in get_aval(lhs).shape:
        return [None, ad.zeros_like_aval(aval)]
    return [None, _transpose_rhs(ct, lhs, aval, params)]


ad.primitive_transposes[conv_general_dilated_p] = _conv_transpose_rule


# ---------------------------------------------------------------------------------------------
# Batching: the vmapped axis is folded into an axis of the convolution, so a vmapped
# convolution is one convolution. Only lhs mapped: into the batch axis. Only rhs mapped:
# into the kernel's output features. Both: into lhs's features and the kernel's output
# features, each example becoming its own feature group (or, with batch groups, into lhs's
# batch, each example its own batch group).

def _conv_batch(vals, dims, **params):
    (lhs, rhs), (lbd, rbd) = vals, dims
    dn = params["dimension_numbers"]
    g, b = params["feature_group_count"], params["batch_group_count"]
    if rbd is None:
        k = get_aval(lhs).shape[lbd]
        out = conv_general_dilated_p.bind(_fold(lhs, lbd, dn.lhs_spec[0], b), rhs, **params)
        return _unfold(out, dn.out_spec[0], k), dn.out_spec[0]
    k = get_aval(rhs).shape[rbd]
    if lbd is None:
        out = conv_general_dilated_p.bind(lhs, _fold(rhs, rbd, dn.rhs_spec[0], max(g, b)),
                                          **params)
        return _unfold(out, dn.out_spec[1], k, max(g, b)), dn.out_spec[1]
    if b > 1:
        lhs = _fold(lhs, lbd, dn.lhs_spec[0])
        params = dict(params, batch_group_count=b * k)
    else:
        lhs = _fold(lhs, lbd, dn.lhs_spec[1])
        params = dict(params, feature_group_count=g * k)
    out = conv_general_dilated_p.bind(lhs, _fold(rhs, rbd, dn.rhs_spec[0]), **params)
    return _unfold(out, dn.out_spec[1], k), dn.out_spec[1]


batching.primitive_batchers[conv_general_dilated_p] = _conv_batch


# ---------------------------------------------------------------------------------------------
# The user functions.

def _group_count(what, value):
    try:
        value = operator.index(value)
    except TypeError:
        raise TypeError(f"{_NAME}: {what} must be an int, got {value!r}.") from None
    if value < 1:
        raise ValueError(f"{_NAME}: {what} must be positive, got {value}.")
    return value


def _conv_padding(padding, lhs_spatial, rhs_spatial, window_strides, lhs_dilation,
                  rhs_dilation):
    """Returns explicit (low, high) pairs for a convolution's `padding` argument."""
    n = len(lhs_spatial)
    if not isinstance(padding, str):
        return explicit_pads(_NAME, padding, n)
    if any(d != 1 for d in lhs_dilation):
        raise ValueError(f"{_NAME}: string padding {padding!r} is not implemented for "
                         f"transposed convolution (lhs_dilation {lhs_dilation}). Give the "
                         "padding explicitly as (low, high) pairs, or use lax.conv_transpose.")
    kernel = [dilate_dim(k, r) for k, r in zip(rhs_spatial, rhs_dilation)]
    return tuple(tuple(p) for p in padtype_to_pads(lhs_spatial, kernel, window_strides,
                                                   padding))


def conv_general_dilated(lhs, rhs, window_strides, padding, lhs_dilation=None,
                         rhs_dilation=None, dimension_numbers=None, feature_group_count=1,
                         batch_group_count=1, precision=None, preferred_element_type=None,
                         out_sharding=None):
    """Returns the n-dimensional convolution of `lhs` (inputs) with `rhs` (kernels).

    `window_strides` (one per spatial axis); `padding`: 'SAME', 'SAME_LOWER', 'VALID' or
    (low, high) pairs; `lhs_dilation` (a transposed convolution) and `rhs_dilation`
    (atrous); `dimension_numbers`: None (('NCH..', 'OIH..', 'NCH..')), three spec strings
    such as ('NHWC', 'HWIO', 'NHWC'), or a ConvDimensionNumbers; `feature_group_count` and
    `batch_group_count` as in XLA's Conv. The result has lhs's dtype (or
    `preferred_element_type`) and the layout of the out spec."""
    if out_sharding is not None:
        raise NotImplementedError(f"{_NAME}: out_sharding is not supported yet; pass None "
                                  "and use lax.with_sharding_constraint on the result.")
    lhs_shape, rhs_shape = get_aval(lhs).shape, get_aval(rhs).shape
    dn = conv_dimension_numbers(lhs_shape, rhs_shape, dimension_numbers)
    n = len(lhs_shape) - 2
    window_strides = static_ints(_NAME, "window_strides", window_strides, n, _SPATIAL)
    lhs_dilation = (1,) * n if lhs_dilation is None else static_ints(
        _NAME, "lhs_dilation", lhs_dilation, n, _SPATIAL)
    rhs_dilation = (1,) * n if rhs_dilation is None else static_ints(
        _NAME, "rhs_dilation", rhs_dilation, n, _SPATIAL)
    padding = _conv_padding(padding, _spatial(lhs_shape, dn.lhs_spec),
                            _spatial(rhs_shape, dn.rhs_spec), window_strides, lhs_dilation,
                            rhs_dilation)
    if preferred_element_type is not None:
        preferred_element_type = dtypes.canonicalize_dtype(preferred_element_type)
    return conv_general_dilated_p.bind(
        lhs, rhs, window_strides=window_strides, padding=padding, lhs_dilation=lhs_dilation,
        rhs_dilation=rhs_dilation, dimension_numbers=dn,
        feature_group_count=_group_count("feature_group_count", feature_group_count),
        batch_group_count=_group_count("batch_group_count", batch_group_count),
        precision=canonicalize_precision(precision),
        preferred_element_type=preferred_element_type, out_sharding=None)


def conv(lhs, rhs, window_strides, padding, precision=None, preferred_element_type=None):
    """Returns the convolution of `lhs` (N, C, spatial...) with `rhs` (O, I, spatial...),
    of layout (N, O, spatial...): `conv_general_dilated` without dilation."""
    return conv_general_dilated(lhs, rhs, window_strides, padding, precision=precision,
                                preferred_element_type=preferred_element_type)


def conv_with_general_padding(lhs, rhs, window_strides, padding, lhs_dilation, rhs_dilation,
                              precision=None, preferred_element_type=None):
    """Returns `conv_general_dilated` in the (N, C, spatial...) layout with dilations."""
    return conv_general_dilated(lhs, rhs, window_strides, padding, lhs_dilation=lhs_dilation,
                                rhs_dilation=rhs_dilation, precision=precision,
                                preferred_element_type=preferred_element_type)


def _transpose_padding(kernel, stride, padding):
    """Returns the (low, high) padding of a fractionally strided convolution that undoes a
    forward one with kernel extent `kernel`, `stride` and padding name `padding`: 'SAME'
    gives size * stride outputs, 'VALID' (size - 1) * stride + max(kernel, stride)."""
    if padding == "SAME":
        total = kernel + stride - 2
        low = kernel - 1 if stride > kernel - 1 else -(-total // 2)
    elif padding == "VALID":
        total = kernel + stride - 2 + max(kernel - stride, 0)
        low = kernel - 1
    else:
        raise ValueError(f"conv_transpose: padding must be 'SAME', 'VALID' or (low, high) "
                         f"pairs, got {padding!r}.")
    return low, total - low


_TF_LAYOUTS = {3: ("NHC", "HIO", "NHC"), 4: ("NHWC", "HWIO", "NHWC"),
               5: ("NHWDC", "HWDIO", "NHWDC")}


def conv_transpose(lhs, rhs, strides, padding, rhs_dilation=None, dimension_numbers=None,
                   transpose_kernel=False, precision=None, preferred_element_type=None,
                   use_consistent_padding=False):
    """Returns the fractionally strided ("transposed") convolution of `lhs` with `rhs`: lhs
    dilated by `strides`, then convolved. 'SAME' and 'VALID' name the padding of the forward
    convolution; explicit pairs are the transposed convolution's own padding, or, with
    `use_consistent_padding`, the forward one's. `dimension_numbers` default to TensorFlow's
    layout (('NHWC', 'HWIO', 'NHWC') in 2-D); `transpose_kernel` flips the kernel's spatial
    axes and swaps its input and output features (as TensorFlow's Conv2DTranspose)."""
    lhs_shape, rhs_shape = get_aval(lhs).shape, get_aval(rhs).shape
    if dimension_numbers is None:
        if len(lhs_shape) not in _TF_LAYOUTS:
            raise ValueError("conv_transpose: default dimension_numbers exist for 1-, 2- and "
                             f"3-D convolutions only, got lhs shape {lhs_shape}; pass "
                             "dimension_numbers.")
        dimension_numbers = _TF_LAYOUTS[len(lhs_shape)]
    dn = conv_dimension_numbers(lhs_shape, rhs_shape, dimension_numbers)
    n = len(lhs_shape) - 2
    strides = static_ints("conv_transpose", "strides", strides, n, _SPATIAL)
    rhs_dilation = (1,) * n if rhs_dilation is None else static_ints(
        "conv_transpose", "rhs_dilation", rhs_dilation, n, _SPATIAL)
    kernel = [dilate_dim(k, r) for k, r in zip(_spatial(rhs_shape, dn.rhs_spec), rhs_dilation)]
    if isinstance(padding, str):
        pads = tuple(_transpose_padding(k, s, padding) for k, s in zip(kernel, strides))
    else:
        pads = explicit_pads("conv_transpose", padding, n)
        if use_consistent_padding:
            pads = tuple((k - 1 - lo, k - 1 - hi) for k, (lo, hi) in zip(kernel, pads))
    if transpose_kernel:
        rhs = st.rev(rhs, dn.rhs_spec[2:])
        dn = dn._replace(rhs_spec=(dn.rhs_spec[1], dn.rhs_spec[0]) + dn.rhs_spec[2:])
    return conv_general_dilated(lhs, rhs, (1,) * n, pads, lhs_dilation=strides,
                                rhs_dilation=rhs_dilation, dimension_numbers=dn,
                                precision=precision,
                                preferred_element_type=preferred_element_type)
